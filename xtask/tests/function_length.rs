// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! No function of the workspace outside its tests is longer than 100 lines: a longer
//! one is several steps that want names (and tests) of their own. The scanner reads
//! every `xtask/src/**/*.rs` and `crates/{aicr,aicrd,validators}/src/**/*.rs`, skips
//! `#[cfg(test)]` modules, and measures each `fn` from its `fn` line to its closing
//! brace, strings, characters and comments left out (`source_scan`).

mod source_scan;

use std::fs;

use source_scan::{closing, non_test_code, sources};

const LIMIT: usize = 100;

/// Functions longer than the limit that are still to be split, `path:name` with the
/// path from the workspace root. The list
/// only shrinks: a function on it that fits is an error too, so it is taken off.
const NOT_YET_SPLIT: &[&str] = &[];

/// A function: its name, the line of its `fn` (1-based) and its length in lines.
#[derive(Debug, PartialEq, Eq)]
struct Function {
    name: String,
    line: usize,
    lines: usize,
}

fn fn_name(line: &str) -> Option<&str> {
    let at = line
        .match_indices("fn ")
        .find(|(at, _)| {
            *at == 0 || !line[..*at].ends_with(|c: char| c.is_alphanumeric() || c == '_')
        })?
        .0;
    let rest = &line[at + 3..];
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
    (end > 0).then(|| &rest[..end])
}

/// Every function of `source` outside `#[cfg(test)]` items.
fn functions(source: &str) -> Vec<Function> {
    let code = non_test_code(source);
    let lines: Vec<&str> = code.lines().collect();
    let mut found = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let Some(name) = fn_name(line.trim()) else {
            continue;
        };
        // The body opens on this line or a later one; a `;` first is a declaration.
        let mut m = n;
        while m < lines.len() && !lines[m].contains('{') && !lines[m].contains(';') {
            m += 1;
        }
        if lines.get(m).is_some_and(|l| l.contains('{')) {
            let end = closing(&lines, m);
            found.push(Function {
                name: name.to_owned(),
                line: n + 1,
                lines: end - n + 1,
            });
        }
    }
    found
}

#[test]
fn no_function_outside_tests_is_longer_than_100_lines() {
    let mut offenders = Vec::new();
    let mut still_listed = Vec::new();
    // Every crate of the workspace: the xtask and the products.
    for (relative, file) in sources() {
        for f in functions(&fs::read_to_string(file).unwrap()) {
            let key = format!("{relative}:{}", f.name);
            let listed = NOT_YET_SPLIT.contains(&key.as_str());
            if f.lines > LIMIT && !listed {
                offenders.push(format!(
                    "{relative}:{} {} is {} lines",
                    f.line, f.name, f.lines
                ));
            }
            if listed {
                still_listed.push((key, f.lines));
            }
        }
    }
    for name in NOT_YET_SPLIT {
        match still_listed.iter().find(|(key, _)| key == name) {
            Some((_, lines)) if *lines <= LIMIT => offenders.push(format!(
                "{name} is {lines} lines now; take it off NOT_YET_SPLIT"
            )),
            Some(_) => {}
            None => offenders.push(format!("{name} is gone; take it off NOT_YET_SPLIT")),
        }
    }
    assert!(
        offenders.is_empty(),
        "functions longer than {LIMIT} lines; split them into named steps:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn functions_are_measured_without_tests_strings_and_comments() {
    let source = r##"
fn short() {
    let s = "}}}";
    let c = '}';
    // }
    /* { */
    let r = r#"{"#;
}

pub(crate) fn generic<'a, T>(x: &'a T)
where
    T: Clone,
{
    let _ = x;
}

trait Shape {
    fn area(&self) -> f64;
}

#[cfg(test)]
mod tests {
    fn hidden() {}
}
"##;
    assert_eq!(
        functions(source),
        [
            Function {
                name: "short".into(),
                line: 2,
                lines: 7
            },
            Function {
                name: "generic".into(),
                line: 10,
                lines: 6
            },
        ]
    );
}
