// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The YAML of a bundle's `values.yaml`, written for every reader Helm may use.
//!
//! Helm reads values with a YAML 1.1 parser, where plain `yes`, `on`, `n`, `1_000`,
//! `1:20` or `2001-12-14` are not strings. So a string is written plain only when it
//! is a word no YAML 1.1 or 1.2 reader can take for anything else (a letter, `_` or
//! `/` first, then letters, digits, `_`, `.`, `/` and `-`, and not one of the boolean
//! or null words); otherwise it is single-quoted, or double-quoted with escapes when
//! it holds a line break or a character YAML cannot carry raw. Numbers, booleans and
//! null are written as such; mappings and sequences in block style.

use std::fmt::Write as _;

use serde_json::{Map, Value};

/// Words some YAML reader takes for a boolean or null (compared without case).
const RESERVED: [&str; 9] = ["y", "yes", "n", "no", "true", "false", "on", "off", "null"];

/// YAML's longest implicit key; longer keys are written as explicit `? key`.
const MAX_IMPLICIT_KEY: usize = 1000;

/// `value` as a YAML document.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => mapping(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => sequence(&mut out, items, 0),
        other => {
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
    out
}

fn plain(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes
        .first()
        .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_' || b == b'/')
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/' | b'-'))
        && !RESERVED.iter().any(|w| w.eq_ignore_ascii_case(text))
}

/// A character YAML may carry raw in a quoted scalar (printable, not a line break).
fn raw(c: char) -> bool {
    matches!(c, '\t' | ' '..='~' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fefe}' | '\u{ff00}'..='\u{fffd}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}')
}

fn string(text: &str) -> String {
    if plain(text) {
        text.to_owned()
    } else if text.chars().all(raw) {
        format!("'{}'", text.replace('\'', "''"))
    } else {
        let mut out = String::from("\"");
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                c if raw(c) => out.push(c),
                c => {
                    let _ = write!(out, "\\u{:04x}", u32::from(c));
                }
            }
        }
        out.push('"');
        out
    }
}

/// A scalar, or an empty mapping or sequence, on one line.
fn inline(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

/// What follows a `key:` or a `-`: a space and an inline value, or a nested block.
fn after(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            mapping(out, map, indent + 2);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            sequence(out, items, indent + 2);
        }
        other => {
            out.push(' ');
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

fn mapping(out: &mut String, map: &Map<String, Value>, indent: usize) {
    for (key, value) in map {
        let key = string(key);
        out.push_str(&" ".repeat(indent));
        if key.len() > MAX_IMPLICIT_KEY {
            out.push_str("? ");
            out.push_str(&key);
            out.push('\n');
            out.push_str(&" ".repeat(indent));
        } else {
            out.push_str(&key);
        }
        out.push(':');
        after(out, value, indent);
    }
}

fn sequence(out: &mut String, items: &[Value], indent: usize) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        // A nested block starts on the dash's line: written one level deeper, then
        // its first indentation replaced by the dash.
        let mut inner = String::new();
        match item {
            Value::Object(map) if !map.is_empty() => mapping(&mut inner, map, indent + 2),
            Value::Array(items) if !items.is_empty() => sequence(&mut inner, items, indent + 2),
            other => {
                out.push(' ');
                out.push_str(&inline(other));
                out.push('\n');
                continue;
            }
        }
        out.push(' ');
        out.push_str(&inner[indent + 2..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn ambiguous_strings_are_quoted() {
        let value = json!({
            "words": ["yes", "No", "ON", "off", "y", "N", "true", "null", "~"],
            "numbers": ["010", "1_000", "1:20", "0x1F", "0o17", "1e5", ".inf", "+1", "580.105.08"],
            "others": ["2001-12-14", "", " lead", "a: b", "#x", "-x", "it's", "line\nbreak", "\u{7f}", "\u{2028}"],
            "plain": ["gpu-operator", "nvcr.io/nvidia", "_x", "Always"],
            "typed": [true, null, 10, 1.5, -3],
            "empty": {},
            "nested": [{"a": 1, "b": [1, [2]]}, []],
            "yes": 1,
        });
        let yaml = to_string(&value);
        for quoted in [
            "'yes'",
            "'No'",
            "'ON'",
            "'off'",
            "'y'",
            "'N'",
            "'true'",
            "'null'",
            "'~'",
            "'010'",
            "'1_000'",
            "'1:20'",
            "'0x1F'",
            "'0o17'",
            "'1e5'",
            "'.inf'",
            "'+1'",
            "'580.105.08'",
            "'2001-12-14'",
            "''",
            "' lead'",
            "'a: b'",
            "'#x'",
            "'-x'",
            "'it''s'",
            "\"line\\nbreak\"",
            "\"\\u007f\"",
            "\"\\u2028\"",
        ] {
            assert!(
                yaml.contains(&format!("- {quoted}\n")),
                "{quoted} in\n{yaml}"
            );
        }
        for word in ["gpu-operator", "nvcr.io/nvidia", "_x", "Always"] {
            assert!(yaml.contains(&format!("- {word}\n")), "{word} in\n{yaml}");
        }
        assert!(
            yaml.contains("\n'yes': 1\n") && yaml.contains("empty: {}\n"),
            "{yaml}"
        );
        let back: Value = serde_norway::from_str(&yaml).unwrap();
        assert_eq!(back, value);
        assert_eq!(to_string(&json!({})), "{}\n");
    }

    #[test]
    fn long_keys_are_explicit() {
        let key = "k".repeat(MAX_IMPLICIT_KEY + 1);
        let value = json!({ key.clone(): {"a": 1} });
        let yaml = to_string(&value);
        assert!(yaml.starts_with("? "), "{yaml}");
        assert_eq!(serde_norway::from_str::<Value>(&yaml).unwrap(), value);
    }

    fn tree() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter_map("finite", serde_json::Number::from_f64)
                .prop_map(Value::Number),
            any::<String>().prop_map(Value::String),
            "(yes|no|on|off|y|n|~|[0-9_:.eE+-]{1,6}|[a-z]{1,3})".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map(any::<String>(), inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Whatever the values, the YAML reads back as the same values.
        #[test]
        fn values_read_back_unchanged(value in tree()) {
            let yaml = to_string(&value);
            let back: Value = serde_norway::from_str(&yaml)
                .map_err(|e| TestCaseError::fail(format!("{e}\n{yaml}")))?;
            prop_assert_eq!(back, value, "{}", yaml);
        }
    }
}
