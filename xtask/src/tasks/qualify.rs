// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask qualify [--only G,…] [--skip G,…] [--fail-fast] [--fix-headers]`: the
//! quality gates every release passes, the same on a laptop and in CI.
//!
//! Gates, in order:
//!
//! | gate      | what it runs                                                     |
//! |-----------|------------------------------------------------------------------|
//! | `fmt`     | `cargo fmt --all --check`                                        |
//! | `clippy`  | `cargo clippy --workspace --all-targets --locked -- -D warnings` |
//! | `test`    | `cargo test --workspace --locked`                                |
//! | `headers` | the license-header check of `cargo xtask headers`                |
//!
//! Every selected gate runs (unless `--fail-fast`); each prints one line with its status
//! and duration, a summary table follows, and the exit code is non-zero if any failed.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use xshell::cmd;

use crate::flags::QualifyArgs;
use crate::project::Project;
use crate::tasks::headers;

/// The gates, in the order they run.
pub const GATES: &[&str] = &["fmt", "clippy", "test", "headers"];

/// The gates `--only` / `--skip` select, in run order; unknown names are an error.
pub fn select(only: &[String], skip: &[String]) -> Result<Vec<&'static str>> {
    for name in only.iter().chain(skip) {
        if !GATES.contains(&name.as_str()) {
            bail!(
                "unknown gate '{name}'; hint: gates are {}",
                GATES.join(", ")
            );
        }
    }
    Ok(GATES
        .iter()
        .copied()
        .filter(|g| only.is_empty() || only.iter().any(|o| o == g))
        .filter(|g| !skip.iter().any(|s| s == g))
        .collect())
}

fn run_gate(project: &Project, gate: &str, fix_headers: bool) -> Result<()> {
    let sh = &project.sh;
    let cargo = project.cargo();
    match gate {
        "fmt" => cmd!(sh, "{cargo} fmt --all --check").run()?,
        "clippy" => cmd!(
            sh,
            "{cargo} clippy --workspace --all-targets --locked -- -D warnings"
        )
        .run()?,
        "test" => cmd!(sh, "{cargo} test --workspace --locked").run()?,
        "headers" => {
            headers::check_project(project, fix_headers)?;
        }
        other => bail!("unknown gate '{other}'"),
    }
    Ok(())
}

struct Outcome {
    gate: &'static str,
    error: Option<String>,
    took: Duration,
}

pub fn run(project: &Project, args: &QualifyArgs) -> Result<()> {
    let gates = select(&args.only, &args.skip)?;
    let mut outcomes = Vec::new();
    for gate in gates {
        eprintln!("qualify: {gate} ...");
        let started = Instant::now();
        let error = run_gate(project, gate, args.fix_headers)
            .err()
            .map(|e| format!("{e:#}"));
        let took = started.elapsed();
        let status = if error.is_some() { "FAIL" } else { "ok" };
        eprintln!(
            "qualify: {gate:<8} {status:<4} {:>6.1}s",
            took.as_secs_f64()
        );
        let failed = error.is_some();
        outcomes.push(Outcome { gate, error, took });
        if failed && args.fail_fast {
            break;
        }
    }
    eprintln!();
    eprintln!("{:<8}  {:<6}  {:>8}", "gate", "status", "seconds");
    for o in &outcomes {
        let status = if o.error.is_some() { "FAIL" } else { "ok" };
        eprintln!(
            "{:<8}  {:<6}  {:>8.1}",
            o.gate,
            status,
            o.took.as_secs_f64()
        );
    }
    let failed: Vec<_> = outcomes.iter().filter(|o| o.error.is_some()).collect();
    for o in &failed {
        eprintln!(
            "qualify: {} failed: {}",
            o.gate,
            o.error.as_deref().unwrap_or_default()
        );
    }
    // The closing line in the form CI systems read: "qualify: N passed, N failed".
    eprintln!(
        "qualify: {} passed, {} failed",
        outcomes.len() - failed.len(),
        failed.len()
    );
    if failed.is_empty() {
        return Ok(());
    }
    let names: Vec<_> = failed.iter().map(|o| o.gate).collect();
    bail!("{} gate(s) failed: {}", failed.len(), names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn selection_keeps_run_order() {
        assert_eq!(select(&[], &[]).unwrap(), GATES);
        assert_eq!(
            select(&names(&["headers", "fmt"]), &[]).unwrap(),
            ["fmt", "headers"]
        );
        assert_eq!(
            select(&[], &names(&["test", "clippy"])).unwrap(),
            ["fmt", "headers"]
        );
    }

    #[test]
    fn unknown_gates_are_refused_with_the_list() {
        let err = select(&names(&["lint"]), &[]).unwrap_err().to_string();
        assert!(
            err.contains("unknown gate 'lint'") && err.contains("fmt, clippy, test, headers"),
            "{err}"
        );
    }
}
