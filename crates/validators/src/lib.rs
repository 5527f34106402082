// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The validator contract shared by the `deployment`, `performance` and `conformance`
//! binaries, which run as Kubernetes Jobs: `<binary> <check-name>`, exit 0 when the
//! check passed, 1 when it failed, 2 when it was skipped.
//!
//! This release knows each phase's check names but implements none of the checks yet:
//! a known check reports itself skipped (exit 2) saying so, and an unknown name is an
//! error (exit 2) listing the names the binary knows.

#![forbid(unsafe_code)]

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
}

/// What running `check` in `phase` yields: the outcome and the line to print.
pub fn decide(phase: &Phase, check: &str) -> (Outcome, String) {
    if phase.checks.contains(&check) {
        (
            Outcome::Skipped,
            format!(
                "{check}: skipped: this release of the {} validator does not implement the check yet",
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
    let check = cli.check.unwrap_or_default();
    let (outcome, line) = decide(phase, &check);
    eprintln!("{line}");
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
    fn known_check_says_it_is_not_implemented() {
        let (outcome, line) = decide(&DEPLOYMENT, "operator-health");
        assert_eq!(outcome, Outcome::Skipped);
        assert!(line.contains("does not implement"), "{line}");
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
