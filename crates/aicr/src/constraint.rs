// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Constraint expressions: `>= 1.32.4`, `<= 6`, `> x`, `< x`, `== x`, `!= x`, or an
//! exact value.
//!
//! The ordering operators (`>=`, `<=`, `>`, `<`) compare versions only: when either
//! side does not parse as a [`Version`], the constraint is not met and
//! [`evaluate`] says which value did not parse. Equality (`==`, `!=`, an exact value)
//! compares versions when both sides are versions (`1.0` equals `1.0.0`) and text when
//! neither is (`ubuntu`); a version against a text is refused like an ordering.
//!
//! The version grammar, lenient where real measurements are (kernels, Kubernetes
//! builds, OS releases):
//!
//! ```text
//! version  = ["v" | "V"] number *("." number) [suffix] ["+" build]
//! suffix   = "-" ident *(("." | "-" | "_") ident)   ; or an ident glued to the number
//! ident    = 1*(ALPHA / DIGIT)
//! build    = *(ALPHA / DIGIT / "." / "-" / "_" / "+")  ; ignored when comparing
//! ```
//!
//! A suffix whose first identifier begins with `alpha`, `beta`, `rc`, `pre`,
//! `preview`, `dev`, `snapshot`, `nightly` or `canary` marks a pre-release, which
//! orders before its release (`v24.6.0-rc1 < v24.6.0`); any other suffix is a
//! distribution's build of the release (`6.8.0-1015-aws`, `v1.32.4-eks-4096722`),
//! which orders after it, so that it satisfies `>= 6.8`. Missing components are zeros
//! (`1.32 == 1.32.0`); numbers compare by value, whatever their length.

use std::cmp::Ordering;

/// Words that start a pre-release suffix.
const PRE_RELEASE: [&str; 9] = [
    "alpha", "beta", "rc", "pre", "preview", "dev", "snapshot", "nightly", "canary",
];

/// One identifier of a suffix: a number (compared by value) or a word.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ident {
    /// Digits without leading zeros (`"0"` for zero).
    Number(String),
    Word(String),
}

impl Ident {
    fn new(text: &str) -> Ident {
        if text.bytes().all(|b| b.is_ascii_digit()) {
            Ident::Number(number(text))
        } else {
            Ident::Word(text.to_ascii_lowercase())
        }
    }
}

impl Ord for Ident {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Ident::Number(a), Ident::Number(b)) => compare_numbers(a, b),
            (Ident::Number(_), Ident::Word(_)) => Ordering::Less,
            (Ident::Word(_), Ident::Number(_)) => Ordering::Greater,
            (Ident::Word(a), Ident::Word(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Ident {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Where a version stands relative to its release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    /// `1.0.0-rc1`: before the release.
    PreRelease,
    /// `1.0.0`.
    Release,
    /// `6.8.0-1015-aws`: a distribution's build of the release, after it.
    Build,
}

/// A parsed version; see the module documentation for the grammar and the order.
#[derive(Debug, Clone)]
pub struct Version {
    /// The numeric components without leading zeros, trailing zero components removed.
    core: Vec<String>,
    stage: Stage,
    suffix: Vec<Ident>,
}

/// Digits without leading zeros.
fn number(digits: &str) -> String {
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".into()
    } else {
        trimmed.into()
    }
}

/// Compares two digit strings without leading zeros by value.
fn compare_numbers(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

impl Version {
    /// Parses `text` (surrounding whitespace ignored); `None` when it is not a version.
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.trim();
        let text = text.strip_prefix(['v', 'V']).unwrap_or(text);
        let (text, build) = match text.split_once('+') {
            Some((text, build)) => (text, Some(build)),
            None => (text, None),
        };
        if build.is_some_and(|b| {
            !b.bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_' | b'+'))
        }) {
            return None;
        }
        let core_end = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (core_text, rest) = text.split_at(core_end);
        let mut core = Vec::new();
        for part in core_text.split('.') {
            if part.is_empty() {
                return None;
            }
            core.push(number(part));
        }
        while core.len() > 1 && core.last().is_some_and(|c| c == "0") {
            core.pop();
        }
        let suffix_text = match rest.strip_prefix('-') {
            Some(s) => s,
            None if rest.starts_with(|c: char| c.is_ascii_alphabetic()) => rest,
            None if rest.is_empty() => "",
            None => return None,
        };
        if !rest.is_empty() && suffix_text.is_empty() {
            return None;
        }
        let mut suffix = Vec::new();
        if !suffix_text.is_empty() {
            for ident in suffix_text.split(['.', '-', '_']) {
                if ident.is_empty() || !ident.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return None;
                }
                suffix.push(Ident::new(ident));
            }
        }
        let stage = match suffix.first() {
            None => Stage::Release,
            Some(Ident::Word(w)) if PRE_RELEASE.iter().any(|p| w.starts_with(p)) => {
                Stage::PreRelease
            }
            Some(_) => Stage::Build,
        };
        Some(Version {
            core,
            stage,
            suffix,
        })
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let len = self.core.len().max(other.core.len());
        let zero = String::from("0");
        for i in 0..len {
            let a = self.core.get(i).unwrap_or(&zero);
            let b = other.core.get(i).unwrap_or(&zero);
            match compare_numbers(a, b) {
                Ordering::Equal => {}
                unequal => return unequal,
            }
        }
        self.stage
            .cmp(&other.stage)
            .then_with(|| self.suffix.cmp(&other.suffix))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

/// Why a constraint could not be evaluated: the check it belongs to fails, naming the
/// value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unevaluable {
    /// A value of a version comparison is not a version.
    #[error("cannot compare '{actual}' with '{expression}': '{value}' is not a version")]
    NotAVersion {
        /// The value that did not parse (the measured one or the expected one).
        value: String,
        actual: String,
        expression: String,
    },
    /// The expression has no value to compare with.
    #[error("the constraint '{expression}' has no value")]
    Empty { expression: String },
}

/// Whether an ordering of actual against expected satisfies an operator.
type Test = fn(Ordering) -> bool;

/// The operators, longest first so that `>=` is not read as `>`.
const OPERATORS: [(&str, Test); 6] = [
    (">=", Ordering::is_ge),
    ("<=", Ordering::is_le),
    ("==", Ordering::is_eq),
    ("!=", Ordering::is_ne),
    (">", Ordering::is_gt),
    ("<", Ordering::is_lt),
];

/// Evaluates the expression against `actual`: whether it holds, or why it cannot be
/// decided (which value did not parse).
pub fn evaluate(expression: &str, actual: &str) -> Result<bool, Unevaluable> {
    let e = expression.trim();
    let (op, test, expected) = OPERATORS
        .iter()
        .find_map(|(op, test)| e.strip_prefix(op).map(|rest| (*op, *test, rest.trim())))
        .unwrap_or(("", Ordering::is_eq as Test, e));
    if expected.is_empty() {
        return Err(Unevaluable::Empty {
            expression: expression.trim().into(),
        });
    }
    let not_a_version = |value: &str| Unevaluable::NotAVersion {
        value: value.trim().into(),
        actual: actual.trim().into(),
        expression: e.into(),
    };
    let ordering = matches!(op, ">=" | "<=" | ">" | "<");
    match (Version::parse(actual), Version::parse(expected)) {
        (Some(a), Some(b)) => Ok(test(a.cmp(&b))),
        (None, None) if !ordering => Ok(test(actual.trim().cmp(expected))),
        (None, _) => Err(not_a_version(actual)),
        (Some(_), None) => Err(not_a_version(expected)),
    }
}

/// Whether `actual` satisfies the expression; a value that does not parse where a
/// version is needed does not.
pub fn satisfied(expression: &str, actual: &str) -> bool {
    evaluate(expression, actual) == Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn expressions() {
        let table = [
            (">= 1.32.4", "1.33.0", true),
            (">= 1.32.4", "v1.32.4", true),
            (">= 1.32.4", "1.32", false),
            (">= 6.8", "6.8.0-1015-aws", true),
            (">= 6.8", "6.8.0", true),
            ("< 6.8", "6.10.1", false),
            (">= v24.6.0", "v25.10.1", true),
            ("== ubuntu", "ubuntu", true),
            ("ubuntu", "rhel", false),
            ("24.04", "24.04", true),
            ("24.04", "24.4", true),
            ("!= 1.0", "1.0.0", false),
            ("> 300", "312.5", true),
            (">= 1.32.4", "v1.32.4-eks-4096722", true),
            (">= 1.32.4", "v1.32.3-eks-4096722", false),
            (">= 1.30", "v1.30.2+k3s1", true),
            (">= 6.1", "6.1.100+", true),
            (">= 5.14", "5.14.0-427.13.1.el9_4.x86_64", true),
            (">= v24.6.0", "v24.6.0-rc1", false),
            ("< v24.6.0", "v24.6.0-rc.1", true),
            (">= v24.6.0-rc1", "v24.6.0", true),
            (">= v24.6.0-rc.2", "v24.6.0-rc.10", true),
            (">= 1.0.0-alpha", "1.0.0-beta", true),
            ("== 1.0.0", "1.0.0-1", false),
            (
                ">= 99999999999999999999999.0",
                "100000000000000000000000",
                true,
            ),
        ];
        for (expression, actual, want) in table {
            assert_eq!(
                evaluate(expression, actual),
                Ok(want),
                "{actual} {expression}"
            );
        }
    }

    #[test]
    fn values_that_do_not_parse_fail_naming_themselves() {
        for (expression, actual, culprit) in [
            (">= v24.6.0", "zzz", "zzz"),
            (">= 6.8", "unknown", "unknown"),
            ("<= 6.8", "", ""),
            ("> 1", "1.2.3 extra", "1.2.3 extra"),
            (">= 1", "1..2", "1..2"),
            (">= 1", ".1", ".1"),
            (">= 1", "1.", "1."),
            (">= 1", "1-", "1-"),
            (">= 1", "1-a..b", "1-a..b"),
            (">= 1", "v", "v"),
            (">= 1", "-1", "-1"),
            (">= 1", "1.0+bad build", "1.0+bad build"),
            (">= zzz", "1.0", "zzz"),
            ("== 24.04", "unknown", "unknown"),
            ("!= 1.0", "unknown", "unknown"),
            ("ubuntu", "24.04", "ubuntu"),
        ] {
            let err = evaluate(expression, actual).unwrap_err();
            assert_eq!(
                err,
                Unevaluable::NotAVersion {
                    value: culprit.into(),
                    actual: actual.trim().into(),
                    expression: expression.trim().into()
                },
                "{actual} {expression}"
            );
            assert!(err.to_string().contains(&format!("'{culprit}'")), "{err}");
            assert!(!satisfied(expression, actual));
        }
        assert_eq!(
            evaluate(">=", "1.0"),
            Err(Unevaluable::Empty {
                expression: ">=".into()
            })
        );
        assert!(!satisfied("", ""));
    }

    fn version_text() -> impl Strategy<Value = String> {
        (
            prop::option::of(prop::sample::select(vec!["v", "V"])),
            prop::collection::vec(0u32..4, 1..4),
            prop::option::of(prop::sample::select(vec![
                "-rc1",
                "-rc.2",
                "-alpha",
                "-beta.1",
                "-1015-aws",
                "-eks-1",
                "-1",
                "-2",
                "rc1",
                "-dev",
            ])),
            prop::option::of(prop::sample::select(vec!["+b1", "+"])),
        )
            .prop_map(|(v, core, suffix, build)| {
                let core: Vec<String> = core.iter().map(u32::to_string).collect();
                format!(
                    "{}{}{}{}",
                    v.unwrap_or(""),
                    core.join("."),
                    suffix.unwrap_or(""),
                    build.unwrap_or("")
                )
            })
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_ordering_needs_versions(text in ".*") {
            let parsed = Version::parse(&text).is_some();
            prop_assert_eq!(evaluate(">= 1.0", &text).is_ok(), parsed);
            prop_assert_eq!(evaluate("< 1.0", &text).is_ok(), parsed);
        }

        #[test]
        fn the_order_is_total_and_consistent(
            a in version_text(),
            b in version_text(),
            c in version_text(),
        ) {
            let (va, vb, vc) = (
                Version::parse(&a).unwrap(),
                Version::parse(&b).unwrap(),
                Version::parse(&c).unwrap(),
            );
            prop_assert_eq!(va.cmp(&va), Ordering::Equal);
            prop_assert_eq!(va.cmp(&vb), vb.cmp(&va).reverse());
            if va <= vb && vb <= vc {
                prop_assert!(va <= vc, "{a} <= {b} <= {c}");
            }
            if va == vb {
                prop_assert_eq!(va.cmp(&vc), vb.cmp(&vc));
            }
            // The operators agree with the order and with each other.
            let ge = evaluate(&format!(">= {b}"), &a).unwrap();
            let lt = evaluate(&format!("< {b}"), &a).unwrap();
            let eq = evaluate(&format!("== {b}"), &a).unwrap();
            let ne = evaluate(&format!("!= {b}"), &a).unwrap();
            let gt = evaluate(&format!("> {b}"), &a).unwrap();
            let le = evaluate(&format!("<= {b}"), &a).unwrap();
            prop_assert_eq!(ge, va >= vb);
            prop_assert!(ge != lt && eq != ne && gt != le);
            prop_assert_eq!(ge, gt || eq);
        }

        #[test]
        fn a_pre_release_orders_before_its_release_and_a_build_after(
            core in prop::collection::vec(0u32..1000, 1..4),
            pre in prop::sample::select(vec!["rc", "alpha", "beta", "pre", "dev"]),
            n in 0u32..100,
            build in 0u32..100_000,
        ) {
            let release = core.iter().map(u32::to_string).collect::<Vec<_>>().join(".");
            let pre = format!("v{release}-{pre}{n}");
            let (at_least, below) = (format!(">= {release}"), format!("< {release}"));
            prop_assert!(!satisfied(&at_least, &pre), "{} {}", pre, at_least);
            prop_assert!(satisfied(&below, &pre), "{} {}", pre, below);
            let built = format!("{release}-{build}-generic");
            let after_pre = format!("> {pre}");
            prop_assert!(satisfied(&at_least, &built), "{} {}", built, at_least);
            prop_assert!(satisfied(&after_pre, &built), "{} {}", built, after_pre);
        }
    }
}
