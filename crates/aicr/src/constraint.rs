// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Constraint expressions: `>= 1.32.4`, `<= 6`, `> x`, `< x`, `== x`, `!= x`, or an
//! exact value. Values that look like versions (`v24.6.0`, `6.8.0-1015-aws`, `1.32`)
//! compare as versions, component by component; others compare as text.

use std::cmp::Ordering;

/// The numeric components of a version-like text, `None` when it is not one.
fn version(text: &str) -> Option<Vec<u64>> {
    let t = text.trim().trim_start_matches(['v', 'V']);
    let core: String = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    if core.is_empty() || core.starts_with('.') || core.ends_with('.') {
        return None;
    }
    core.split('.').map(|p| p.parse().ok()).collect()
}

/// Compares two values, as versions when both look like versions.
pub fn compare(actual: &str, expected: &str) -> Ordering {
    match (version(actual), version(expected)) {
        (Some(mut a), Some(mut b)) => {
            let len = a.len().max(b.len());
            a.resize(len, 0);
            b.resize(len, 0);
            a.cmp(&b)
        }
        _ => actual.trim().cmp(expected.trim()),
    }
}

/// Whether `actual` satisfies the expression.
pub fn satisfied(expression: &str, actual: &str) -> bool {
    let e = expression.trim();
    for (op, test) in [
        (">=", Ordering::is_ge as fn(Ordering) -> bool),
        ("<=", Ordering::is_le),
        ("==", Ordering::is_eq),
        ("!=", Ordering::is_ne),
        (">", Ordering::is_gt),
        ("<", Ordering::is_lt),
    ] {
        if let Some(expected) = e.strip_prefix(op) {
            return test(compare(actual, expected));
        }
    }
    compare(actual, e).is_eq()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions() {
        let table = [
            (">= 1.32.4", "1.33.0", true),
            (">= 1.32.4", "v1.32.4", true),
            (">= 1.32.4", "1.32", false),
            (">= 6.8", "6.8.0-1015-aws", true),
            ("< 6.8", "6.10.1", false),
            (">= v24.6.0", "v25.10.1", true),
            ("== ubuntu", "ubuntu", true),
            ("ubuntu", "rhel", false),
            ("24.04", "24.04", true),
            ("!= 1.0", "1.0.0", false),
            ("> 300", "312.5", true),
        ];
        for (expression, actual, want) in table {
            assert_eq!(satisfied(expression, actual), want, "{actual} {expression}");
        }
    }
}
