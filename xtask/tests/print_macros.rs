// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! No program of the workspace panics when the reader of its stdout or stderr is gone.
//! Rust ignores `SIGPIPE`, so `println!`, `print!`, `eprintln!` and `eprint!` panic
//! (exit 101, "failed printing to stderr") on a closed pipe or a full disk; outside
//! their tests the xtask and the products print through their output modules instead
//! (`xtask/src/output.rs`, `crates/aicr/src/output.rs`). So does xshell's `Cmd::run`,
//! which echoes the command with `eprintln!`: the xtask runs commands with
//! `output::run(cmd)`, which echoes through `errln!`, or quiet (`.quiet()` in the same
//! statement as `.run()`). The sources are read as `function_length` reads them
//! (`source_scan`): comments, strings and `#[cfg(test)]` items left out.

mod source_scan;

use std::fs;

use source_scan::{non_test_code, sources};

/// The macros that panic on a failed write, and what to use instead in the xtask and
/// in the products.
const PANICKING: [(&str, &str, &str); 4] = [
    ("eprintln", "errln!", "aicr::errln!"),
    ("eprint", "errln!", "aicr::errln!"),
    ("println", "outln!", "aicr::output::line"),
    ("print", "out!", "aicr::output::write"),
];

/// Each use of a panicking print macro in `code` (from [`non_test_code`]): the line
/// (1-based), the macro and what to use instead, for a file of the xtask or not.
fn print_macros(code: &str, xtask: bool) -> Vec<(usize, &'static str, &'static str)> {
    let mut found = Vec::new();
    for (n, line) in code.lines().enumerate() {
        for (at, _) in line.match_indices('!') {
            let before = &line[..at];
            let start = before
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                .map_or(0, |p| p + 1);
            // `!=` is no macro.
            if line[at + 1..].starts_with('=') {
                continue;
            }
            if let Some((name, ours, products)) = PANICKING
                .iter()
                .find(|(name, ..)| *name == &before[start..])
            {
                found.push((n + 1, *name, if xtask { *ours } else { *products }));
            }
        }
    }
    found
}

/// The lines (1-based) of each xshell `.run()` in `code` whose statement has no
/// `.quiet()`: the statement reaches back from `.run()` to the `;`, `,` or opening
/// bracket that starts it, over the brackets it closes.
fn echoing_runs(code: &str) -> Vec<usize> {
    let bytes = code.as_bytes();
    let mut found = Vec::new();
    for (at, _) in code.match_indices(".run()") {
        let mut depth = 0usize;
        let mut start = 0;
        for i in (0..at).rev() {
            match bytes[i] {
                b')' | b']' | b'}' => depth += 1,
                b'(' | b'[' | b'{' if depth == 0 => {
                    start = i + 1;
                    break;
                }
                b'(' | b'[' | b'{' => depth -= 1,
                b';' | b',' if depth == 0 => {
                    start = i + 1;
                    break;
                }
                _ => {}
            }
        }
        if !code[start..at].contains(".quiet()") {
            found.push(code[..at].matches('\n').count() + 1);
        }
    }
    found
}

#[test]
fn no_program_prints_with_a_macro_that_panics_on_a_closed_stream() {
    let mut offenders = Vec::new();
    for (relative, file) in sources() {
        let code = non_test_code(&fs::read_to_string(file).unwrap());
        let xtask = relative.starts_with("xtask/");
        for (line, name, instead) in print_macros(&code, xtask) {
            offenders.push(format!(
                "{relative}:{line}: {name}! panics when its reader is gone; use {instead}"
            ));
        }
        if xtask {
            for line in echoing_runs(&code) {
                offenders.push(format!(
                    "{relative}:{line}: Cmd::run echoes with eprintln!, which panics when stderr is gone; use output::run(cmd), or .quiet().run()"
                ));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "print macros that panic on a closed pipe or a full disk:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn print_macros_are_found_in_code_only() {
    let source = r##"
fn main() {
    eprintln!("one");
    let s = "println!(\"in a string\")";
    // print!("in a comment");
    if a != b { std::eprint!("{s}") }
    outln!("x")?;
    println!();
}

#[cfg(test)]
mod tests {
    fn t() { println!("in a test"); }
}
"##;
    let code = non_test_code(source);
    assert_eq!(
        print_macros(&code, true),
        [
            (3, "eprintln", "errln!"),
            (6, "eprint", "errln!"),
            (8, "println", "outln!")
        ]
    );
    assert_eq!(print_macros(&code, false)[0].2, "aicr::errln!");
}

#[test]
fn a_run_without_quiet_in_its_statement_is_found() {
    let source = r##"
fn f(sh: &Shell) -> Result<()> {
    cmd!(sh, "git init").run()?;
    cmd!(sh, "git status").quiet().run()?;
    let ok = cmd!(sh, "{cargo} --version")
        .quiet()
        .ignore_stdout()
        .run()
        .is_ok();
    gate(cmd!(sh, "cargo fmt").run(), "fmt");
    gate(output::run(cmd!(sh, "cargo fmt")), "fmt");
    let mut clone = cmd!(sh, "git clone").quiet();
    for (k, v) in env {
        clone = clone.env(k, v);
    }
    clone.run()?;
    Ok(())
}
"##;
    assert_eq!(echoing_runs(&non_test_code(source)), [3, 10, 16]);
}
