// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! A plain reader of the workspace's Rust sources for the tests that hold them to a
//! rule (`function_length`, `print_macros`): the non-test sources of every crate, and
//! each file's code with string and character literals, comments and `#[cfg(test)]`
//! items blanked to spaces, line breaks kept, so that what is left is code and its
//! line numbers are the file's.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

/// Every `.rs` file of `xtask/src` and `crates/{aicr,aicrd,validators}/src`, sorted,
/// with its path from the workspace root.
pub fn sources() -> Vec<(String, PathBuf)> {
    let root = workspace();
    let mut files = Vec::new();
    rust_files(&root.join("xtask/src"), &mut files);
    for krate in ["aicr", "aicrd", "validators"] {
        rust_files(&root.join("crates").join(krate).join("src"), &mut files);
    }
    assert!(files.len() > 60, "the sources were found: {}", files.len());
    files
        .into_iter()
        .map(|file| {
            let relative = file.strip_prefix(root).unwrap().display().to_string();
            (relative, file)
        })
        .collect()
}

/// [`code_only`] of `source` with each `#[cfg(test)]` item (to its closing brace, or
/// its `;`) blanked too.
pub fn non_test_code(source: &str) -> String {
    let code = code_only(source);
    let lines: Vec<&str> = code.lines().collect();
    let mut out = String::with_capacity(code.len());
    let mut n = 0;
    while n < lines.len() {
        if !lines[n].trim().starts_with("#[cfg(test)]") {
            out.push_str(lines[n]);
            out.push('\n');
            n += 1;
            continue;
        }
        let mut m = n + 1;
        while m < lines.len() && !lines[m].contains('{') && !lines[m].contains(';') {
            m += 1;
        }
        let end = if lines.get(m).is_some_and(|l| l.contains('{')) {
            closing(&lines, m)
        } else {
            m.min(lines.len() - 1)
        };
        for line in &lines[n..=end] {
            out.extend(std::iter::repeat_n(' ', line.chars().count()));
            out.push('\n');
        }
        n = end + 1;
    }
    out
}

/// `source` with string and character literals and comments blanked to spaces, line
/// breaks kept, so that braces and keywords are only code.
pub fn code_only(source: &str) -> String {
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
pub fn closing(lines: &[&str], from: usize) -> usize {
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
