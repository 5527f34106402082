// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! No function of the workspace outside its tests is longer than 100 lines: a longer
//! one is several steps that want names (and tests) of their own. The scanner reads
//! every `xtask/src/**/*.rs` and `crates/{aicr,aicrd,validators}/src/**/*.rs`, skips
//! `#[cfg(test)]` modules, and measures each `fn` from its `fn` line to its closing
//! brace, strings, characters and comments left out.

use std::fs;
use std::path::{Path, PathBuf};

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

/// `source` with string and character literals and comments blanked to spaces, line
/// breaks kept, so that braces and keywords are only code.
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && starts_token(&chars[..i])
        {
            // A raw string: r"…", r#"…"#, …
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let closing: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let rest: String = chars[j + 1..].iter().collect();
            let end = rest.find(&closing).map_or(chars.len(), |at| {
                j + 1 + rest[..at].chars().count() + closing.chars().count()
            });
            for &ch in &chars[i..end] {
                out.push(blank(ch));
            }
            i = end;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{..}'), or a lifetime ('a).
            let end = if next == Some('\\') {
                chars[i + 2..]
                    .iter()
                    .position(|&ch| ch == '\'')
                    .map(|p| i + 2 + p + 1)
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 3)
            } else {
                None
            };
            match end {
                Some(end) => {
                    out.extend(std::iter::repeat_n(' ', end - i));
                    i = end;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Whether what follows `before` starts a token: no identifier character before it,
/// or only the `b` of a byte string (`br"…"`).
fn starts_token(before: &[char]) -> bool {
    let ident = |c: &char| c.is_alphanumeric() || *c == '_';
    match before {
        [.., p] if !ident(p) => true,
        [] | ['b'] => true,
        [.., p, 'b'] => !ident(p),
        _ => false,
    }
}

/// The line (0-based) of the brace that closes the first one opened on line `from`.
fn closing(lines: &[&str], from: usize) -> usize {
    let mut depth = 0i64;
    for (n, line) in lines.iter().enumerate().skip(from) {
        for c in line.chars() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        return n;
                    }
                }
                _ => {}
            }
        }
    }
    lines.len().saturating_sub(1)
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
    let code = code_only(source);
    let lines: Vec<&str> = code.lines().collect();
    let mut found = Vec::new();
    let mut n = 0;
    while n < lines.len() {
        let line = lines[n].trim();
        if line.starts_with("#[cfg(test)]") {
            // Skip the item it marks: to its closing brace, or its `;`.
            let mut m = n + 1;
            while m < lines.len() && !lines[m].contains('{') && !lines[m].contains(';') {
                m += 1;
            }
            n = if lines.get(m).is_some_and(|l| l.contains('{')) {
                closing(&lines, m) + 1
            } else {
                m + 1
            };
            continue;
        }
        if let Some(name) = fn_name(line) {
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
        n += 1;
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_function_outside_tests_is_longer_than_100_lines() {
    // Every crate of the workspace: the xtask and the products.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    rust_files(&src.join("xtask/src"), &mut files);
    for krate in ["aicr", "aicrd", "validators"] {
        rust_files(&src.join("crates").join(krate).join("src"), &mut files);
    }
    assert!(files.len() > 60, "the sources were found: {}", files.len());
    let mut offenders = Vec::new();
    let mut still_listed = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(src).unwrap().display().to_string();
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
