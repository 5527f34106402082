// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `--set NAME:PATH=VALUE` and `--set-string NAME:PATH=VALUE`.
//!
//! The component name runs to the first `:`, the path to the first `=` after it; the
//! path is dot-separated keys, none empty, at most [`MAX_KEYS`] of them. The value of
//! `--set-string` is always a string. The value of `--set` is typed only when it is an
//! unambiguous YAML 1.2 core-schema scalar that reads back as the same text:
//!
//! - `true`/`True`/`TRUE`, `false`/`False`/`FALSE`: booleans;
//! - `null`/`Null`/`NULL`/`~`: null;
//! - decimal integers without a leading `+` or leading zeros, within 64 bits (`-5`, `0`,
//!   `42`);
//! - decimal fractions in their shortest form (`1.5`, `-0.25`, `590.1`).
//!
//! Everything else stays a string: `010`, `0x1F`, `0o17`, `1e5`, `1.10`, `+1`, `.inf`,
//! and the YAML 1.1 booleans `yes`/`no`/`on`/`off`/`y`/`n` among them.

use serde_json::{Map, Number, Value};

use super::fields::shown;
use crate::error::Error;

/// The most keys a `--set` path may have.
pub const MAX_KEYS: usize = 64;

/// A `--set` (or `--set-string`) of one component value.
#[derive(Debug, Clone, PartialEq)]
pub struct Set {
    /// The component the value is for.
    pub component: String,
    /// The keys leading to the value, outermost first; never empty, no key empty.
    pub path: Vec<String>,
    /// The value, typed as described in the module documentation.
    pub value: Value,
}

impl Set {
    /// Parses `--set NAME:PATH=VALUE`, typing the value.
    pub fn parse(text: &str) -> Result<Set, Error> {
        let (component, path, value) = split("--set", text)?;
        Ok(Set {
            component,
            path,
            value: scalar(value),
        })
    }

    /// Parses `--set-string NAME:PATH=VALUE`: the value stays a string.
    pub fn parse_string(text: &str) -> Result<Set, Error> {
        let (component, path, value) = split("--set-string", text)?;
        Ok(Set {
            component,
            path,
            value: Value::String(value.to_owned()),
        })
    }

    /// Whether this set is `NAME:enabled=false`, which leaves the component out.
    pub fn disables(&self) -> bool {
        self.path == ["enabled"] && self.value == Value::Bool(false)
    }

    /// Whether this set is `NAME:enabled=...`.
    pub fn is_enabled_switch(&self) -> bool {
        self.path == ["enabled"]
    }
}

fn split<'a>(flag: &str, text: &'a str) -> Result<(String, Vec<String>, &'a str), Error> {
    let bad = |what: &str| {
        Error::Input(format!(
            "{flag} {}: {what}; expected NAME:PATH=VALUE, e.g. gpu-operator:driver.version=580.0",
            shown(text)
        ))
    };
    let (component, rest) = text.split_once(':').ok_or_else(|| bad("no ':'"))?;
    if component.is_empty() {
        return Err(bad("the component name is empty"));
    }
    let (path, value) = rest
        .split_once('=')
        .ok_or_else(|| bad("no '=' after the path"))?;
    if path.is_empty() {
        return Err(bad("the path is empty"));
    }
    let keys: Vec<String> = path.split('.').map(str::to_owned).collect();
    if keys.iter().any(String::is_empty) {
        return Err(bad(
            "the path has an empty key (keys are separated by single dots)",
        ));
    }
    if keys.len() > MAX_KEYS {
        return Err(bad(&format!(
            "the path has {} keys, more than {MAX_KEYS}",
            keys.len()
        )));
    }
    Ok((component.to_owned(), keys, value))
}

/// `-?(0|[1-9][0-9]*)`, optionally followed by `.` and one or more digits.
fn decimal(text: &str, fraction: bool) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = match unsigned.split_once('.') {
        Some((int, frac)) if fraction => (int, Some(frac)),
        Some(_) => return false,
        None if fraction => return false,
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(int) && (int == "0" || !int.starts_with('0')) && frac.is_none_or(digits)
}

/// The value of `--set`: see the module documentation.
pub fn scalar(text: &str) -> Value {
    match text {
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        "null" | "Null" | "NULL" | "~" => return Value::Null,
        _ => {}
    }
    let number = if decimal(text, false) {
        text.parse::<i64>().ok().map(Number::from)
    } else if decimal(text, true) {
        text.parse::<f64>().ok().and_then(Number::from_f64)
    } else {
        None
    };
    match number {
        Some(n) if n.to_string() == text => Value::Number(n),
        _ => Value::String(text.to_owned()),
    }
}

/// Sets the value at `path` in `root`, replacing whatever is not a mapping on the way.
pub fn apply(root: &mut Value, path: &[String], value: Value) {
    let Some((key, rest)) = path.split_first() else {
        *root = value;
        return;
    };
    if !root.is_object() {
        *root = Value::Object(Map::new());
    }
    if let Value::Object(map) = root {
        apply(map.entry(key.clone()).or_insert(Value::Null), rest, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn values_keep_their_type_unless_unambiguous() {
        let table: &[(&str, Value)] = &[
            ("true", json!(true)),
            ("FALSE", json!(false)),
            ("null", Value::Null),
            ("~", Value::Null),
            ("0", json!(0)),
            ("-5", json!(-5)),
            ("42", json!(42)),
            ("1.5", json!(1.5)),
            ("590.1", json!(590.1)),
            ("1.0", json!(1.0)),
            ("010", json!("010")),
            ("-0", json!("-0")),
            ("+1", json!("+1")),
            ("0x1F", json!("0x1F")),
            ("0o17", json!("0o17")),
            ("1e5", json!("1e5")),
            ("1.10", json!("1.10")),
            (".5", json!(".5")),
            (".inf", json!(".inf")),
            ("1_000", json!("1_000")),
            ("99999999999999999999", json!("99999999999999999999")),
            ("", json!("")),
            ("580.105.08", json!("580.105.08")),
        ];
        for (text, want) in table {
            assert_eq!(&scalar(text), want, "{text}");
        }
        for word in [
            "yes", "Yes", "YES", "no", "No", "on", "ON", "off", "y", "Y", "n", "N",
        ] {
            assert_eq!(scalar(word), json!(word), "{word}");
        }
    }

    #[test]
    fn paths_and_errors() {
        let set = Set::parse("gpu-operator:driver.version=590.1=x").unwrap();
        assert_eq!(set.component, "gpu-operator");
        assert_eq!(set.path, ["driver", "version"]);
        assert_eq!(set.value, json!("590.1=x"));
        assert_eq!(Set::parse_string("a:b=true").unwrap().value, json!("true"));
        let cases = [
            ("a..b=1", "--set \"a..b=1\": no ':'"),
            ("x:a..b=1", "the path has an empty key"),
            ("x:=1", "the path is empty"),
            ("x:a.=1", "the path has an empty key"),
            ("x:.a=1", "the path has an empty key"),
            ("x:a", "no '=' after the path"),
            (":a=1", "the component name is empty"),
            ("nonsense", "no ':'"),
        ];
        for (text, want) in cases {
            let err = Set::parse(text).unwrap_err().to_string();
            assert!(err.contains(want), "{text}: {err}");
            assert!(err.contains("expected NAME:PATH=VALUE"), "{err}");
        }
        let deep = format!("x:{}=1", vec!["k"; MAX_KEYS + 1].join("."));
        assert!(
            Set::parse(&deep)
                .unwrap_err()
                .to_string()
                .contains("more than 64")
        );
        assert!(
            Set::parse_string("x:a..b=1")
                .unwrap_err()
                .to_string()
                .starts_with("--set-string ")
        );
    }

    #[test]
    fn apply_builds_and_replaces_mappings() {
        let mut v = json!({"driver": {"version": "1"}, "flat": 3});
        apply(&mut v, &["driver".into(), "version".into()], json!("590.1"));
        apply(&mut v, &["flat".into(), "x".into()], json!(1));
        apply(&mut v, &["replicas".into()], json!(3));
        assert_eq!(
            v,
            json!({"driver": {"version": "590.1"}, "flat": {"x": 1}, "replicas": 3})
        );
    }

    fn key() -> impl Strategy<Value = String> {
        "[^.=]{1,8}"
    }

    proptest! {
        /// A typed value is one whose YAML reads back as the very text given; every
        /// other value is that text as a string.
        #[test]
        fn typing_never_changes_the_text(
            text in prop_oneof![
                any::<String>(),
                "[-+]?[0-9]{0,4}(\\.[0-9]{0,4})?([eE][-+]?[0-9]{1,3})?",
                "(true|false|null|yes|no|on|off|y|n|~)",
            ],
        ) {
            match scalar(&text) {
                Value::String(s) => prop_assert_eq!(s, text),
                typed => {
                    let yaml = serde_norway::to_string(&typed).unwrap();
                    let back: Value = serde_norway::from_str(&text).unwrap();
                    prop_assert_eq!(&back, &typed, "{:?} reads back as {:?}", text, back);
                    if !matches!(typed, Value::Null | Value::Bool(_)) {
                        prop_assert_eq!(yaml.trim_end(), text.as_str());
                    }
                }
            }
        }

        /// Well-formed sets parse back into their parts, whatever the value holds.
        #[test]
        fn well_formed_sets_round_trip(
            component in "[a-z0-9-]{1,12}",
            keys in proptest::collection::vec(key(), 1..6),
            value in any::<String>(),
        ) {
            let text = format!("{component}:{}={value}", keys.join("."));
            let set = Set::parse(&text).unwrap();
            prop_assert_eq!(&set.component, &component);
            prop_assert_eq!(&set.path, &keys);
            prop_assert_eq!(&set.value, &scalar(&value));
            let string = Set::parse_string(&text).unwrap();
            prop_assert_eq!(string.value, Value::String(value));
        }

        /// Any text parses or is refused with a one-line message; never a panic.
        #[test]
        fn any_text_parses_or_is_refused_in_one_line(text in any::<String>()) {
            match Set::parse(&text) {
                Ok(set) => {
                    prop_assert!(!set.component.is_empty());
                    prop_assert!(!set.path.is_empty() && set.path.iter().all(|k| !k.is_empty()));
                }
                Err(e) => prop_assert!(!e.to_string().contains('\n')),
            }
        }

        /// A path with an empty key is refused wherever the empty key is.
        #[test]
        fn empty_keys_are_refused(
            keys in proptest::collection::vec(prop_oneof![key(), Just(String::new())], 1..6),
        ) {
            let text = format!("c:{}=1", keys.join("."));
            let result = Set::parse(&text);
            prop_assert_eq!(result.is_err(), keys.iter().any(String::is_empty));
        }
    }
}
