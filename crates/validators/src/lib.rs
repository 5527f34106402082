// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The validator contract shared by the `deployment`, `performance` and `conformance`
//! binaries, which run as Kubernetes Jobs: `<binary> <check-name>`, with the recipe and
//! the snapshot from `AICR_RECIPE_PATH` and `AICR_SNAPSHOT_PATH`; exit 0 when the check
//! passed, 1 when it failed (the reason also goes to `/dev/termination-log` when it
//! exists, 4096 characters at most; `AICR_TERMINATION_LOG` names another file), 2 when
//! it was skipped. `--json` prints the check as one CTRF test result.
//!
//! Checks that work from their inputs: `gpu-operator-version`, `check-nvidia-smi`
//! (deployment) and `nccl-all-reduce-bw` (performance, on `all_reduce_perf` output given
//! with `--input FILE` or `-`). The checks that need the Kubernetes API report
//! themselves skipped, saying so: this release does not query a cluster yet.

#![forbid(unsafe_code)]

pub mod checks;
pub mod nccl;

use std::process::ExitCode;

use aicr::build_info::BUILD;
use clap::Parser;

/// The outcome of a check, mapped to the process exit code of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Passed,
    /// Exit 1.
    Failed,
    /// Exit 2.
    Skipped,
}

impl Outcome {
    /// The exit code of the validator contract.
    pub const fn code(self) -> u8 {
        match self {
            Outcome::Passed => 0,
            Outcome::Failed => 1,
            Outcome::Skipped => 2,
        }
    }
}

/// A validation phase and the checks its binary knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phase {
    /// The binary's name, which is also the phase's name.
    pub name: &'static str,
    /// The check names this phase knows.
    pub checks: &'static [&'static str],
}

/// The deployment phase.
pub const DEPLOYMENT: Phase = Phase {
    name: "deployment",
    checks: &[
        "check-nvidia-smi",
        "expected-resources",
        "gpu-operator-version",
        "operator-health",
    ],
};

/// The performance phase.
pub const PERFORMANCE: Phase = Phase {
    name: "performance",
    checks: &["nccl-all-reduce-bw"],
};

/// The conformance phase.
pub const CONFORMANCE: Phase = Phase {
    name: "conformance",
    checks: &[
        "accelerator-metrics",
        "ai-service-metrics",
        "cluster-autoscaling",
        "dra-support",
        "gang-scheduling",
        "gpu-operator-health",
        "inference-gateway",
        "platform-health",
        "pod-autoscaling",
        "robust-controller",
        "secure-accelerator-access",
    ],
};

#[derive(Debug, Parser)]
#[command(version = BUILD.clap_version())]
struct Cli {
    /// The check to run (see --list).
    #[arg(value_name = "CHECK", required_unless_present = "list")]
    check: Option<String>,
    /// Print the names of the checks this binary knows, one per line.
    #[arg(long)]
    list: bool,
    /// Print the result as one CTRF test on stdout.
    #[arg(long)]
    json: bool,
    /// all_reduce_perf output for nccl-all-reduce-bw (a file, or - for stdin).
    #[arg(long, value_name = "FILE")]
    input: Option<String>,
    /// The deployed gpu-operator version, when the snapshot does not carry it.
    #[arg(long, value_name = "VERSION")]
    deployed: Option<String>,
}

/// The inputs of a check.
#[derive(Debug, Default)]
pub struct Inputs {
    pub recipe: Option<aicr::recipe::RecipeResult>,
    pub snapshot: Option<aicr::snapshot::Snapshot>,
    pub input: Option<String>,
    pub deployed: Option<String>,
    /// The result of running `nvidia-smi`; `None` when it is not installed.
    pub nvidia_smi: Option<(bool, String)>,
}

/// Runs a known check on its inputs.
pub fn run_check(phase: &Phase, check: &str, inputs: &Inputs) -> (Outcome, String) {
    match (phase.name, check) {
        ("deployment", "gpu-operator-version") => {
            let deployed = inputs.deployed.as_deref().or_else(|| {
                inputs
                    .snapshot
                    .as_ref()
                    .and_then(|s| s.value("Deployment.gpu-operator.version"))
            });
            checks::gpu_operator_version(inputs.recipe.as_ref(), deployed)
        }
        ("deployment", "check-nvidia-smi") => checks::nvidia_smi(inputs.nvidia_smi.clone()),
        ("performance", "nccl-all-reduce-bw") => {
            checks::nccl_all_reduce_bw(inputs.recipe.as_ref(), inputs.input.as_deref())
        }
        _ => decide(phase, check),
    }
}

fn read_document<T: serde::de::DeserializeOwned>(var: &str) -> Result<Option<T>, String> {
    let Ok(path) = std::env::var(var) else {
        return Ok(None);
    };
    let text =
        std::fs::read_to_string(&path).map_err(|e| format!("cannot read {var}={path}: {e}"))?;
    serde_norway::from_str(&text)
        .map(Some)
        .map_err(|e| format!("{var}={path} is not valid: {e}"))
}

fn gather(cli: &Cli, check: &str) -> Result<Inputs, String> {
    let input = match cli.input.as_deref() {
        Some("-") => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .map_err(|e| format!("cannot read stdin: {e}"))?;
            Some(text)
        }
        Some(path) => {
            Some(std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?)
        }
        None => None,
    };
    let nvidia_smi = if check == "check-nvidia-smi" {
        match std::process::Command::new("nvidia-smi").output() {
            Ok(out) => Some((
                out.status.success(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )),
            Err(_) => None,
        }
    } else {
        None
    };
    Ok(Inputs {
        recipe: read_document("AICR_RECIPE_PATH")?,
        snapshot: read_document("AICR_SNAPSHOT_PATH")?,
        input,
        deployed: cli.deployed.clone(),
        nvidia_smi,
    })
}

/// Writes a failure's reason where Kubernetes reads it, when that file exists.
fn termination_log(message: &str) {
    let path =
        std::env::var("AICR_TERMINATION_LOG").unwrap_or_else(|_| "/dev/termination-log".into());
    if std::path::Path::new(&path).exists() {
        let cut: String = message.chars().take(4096).collect();
        let _ = std::fs::write(&path, cut);
    }
}

/// What a check this release cannot run (or does not know) yields.
pub fn decide(phase: &Phase, check: &str) -> (Outcome, String) {
    if phase.checks.contains(&check) {
        (
            Outcome::Skipped,
            format!(
                "{check} needs the Kubernetes API, which this release of the {} validator does not query yet",
                phase.name
            ),
        )
    } else {
        (
            Outcome::Skipped,
            format!(
                "error: unknown check '{check}' for the {} validator; known checks: {}",
                phase.name,
                phase.checks.join(", ")
            ),
        )
    }
}

/// The whole `main` of a validator binary for `phase`.
pub fn main(phase: &Phase) -> ExitCode {
    let about = format!(
        "AICR {} validator: runs one {} check and reports it by exit code (0 passed, 1 failed, 2 skipped)",
        phase.name, phase.name
    );
    let cli = match <Cli as clap::CommandFactory>::command()
        .name(phase.name)
        .about(about)
        .try_get_matches()
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    if cli.list {
        for check in phase.checks {
            println!("{check}");
        }
        return ExitCode::SUCCESS;
    }
    let check = cli.check.clone().unwrap_or_default();
    let started = jiff::Timestamp::now();
    let (outcome, message) = if phase.checks.contains(&check.as_str()) {
        match gather(&cli, &check) {
            Ok(inputs) => run_check(phase, &check, &inputs),
            Err(reason) => (Outcome::Failed, reason),
        }
    } else {
        decide(phase, &check)
    };
    let status = match outcome {
        Outcome::Passed => "passed",
        Outcome::Failed => "failed",
        Outcome::Skipped => "skipped",
    };
    eprintln!("{check}: {status}: {message}");
    if outcome == Outcome::Failed {
        termination_log(&message);
    }
    if cli.json {
        let duration = jiff::Timestamp::now().as_millisecond() - started.as_millisecond();
        println!(
            "{}",
            serde_json::json!({ "name": check, "status": status, "duration": duration, "suite": phase.name, "message": message, "stdout": [] })
        );
    }
    ExitCode::from(outcome.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_check_is_refused_with_the_known_names() {
        let (outcome, line) = decide(&PERFORMANCE, "nope");
        assert_eq!(outcome.code(), 2);
        assert!(line.contains("unknown check 'nope'"), "{line}");
        assert!(line.contains("nccl-all-reduce-bw"), "{line}");
    }

    #[test]
    fn cluster_checks_say_why_they_are_skipped() {
        let (outcome, line) = run_check(&DEPLOYMENT, "operator-health", &Inputs::default());
        assert_eq!(outcome, Outcome::Skipped);
        assert!(line.contains("needs the Kubernetes API"), "{line}");
    }

    #[test]
    fn check_lists_are_sorted_and_unique() {
        for phase in [DEPLOYMENT, PERFORMANCE, CONFORMANCE] {
            let mut sorted = phase.checks.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted, phase.checks, "{}", phase.name);
        }
    }
}
