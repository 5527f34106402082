// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The validation checks: which phase knows which check, and each check's decision as
//! a pure function of typed inputs. The validator binaries gather those inputs (files,
//! `nvidia-smi`, the Kubernetes API); `aicr validate` runs the same checks in-process
//! on a snapshot.
//!
//! - [`local`]: checks that need only their inputs (`gpu-operator-version`,
//!   `check-nvidia-smi`, `nccl-all-reduce-bw`).
//! - [`nccl`]: the `all_reduce_perf` output parser.
//! - [`cluster`]: checks that read the Kubernetes API, decided on [`cluster::Facts`].

pub mod cluster;
pub mod local;
pub mod nccl;

use serde::Serialize;

use crate::recipe::RecipeResult;
use crate::snapshot::Snapshot;

/// The outcome of a check (a CTRF status), mapped to the validator exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Exit 0.
    Passed,
    /// Exit 1.
    Failed,
    /// Exit 2.
    Skipped,
}

impl Status {
    /// The exit code of the validator contract.
    pub const fn code(self) -> u8 {
        match self {
            Status::Passed => 0,
            Status::Failed => 1,
            Status::Skipped => 2,
        }
    }

    /// The CTRF status word.
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
        }
    }
}

/// A check's outcome and the one line that explains it.
pub type Verdict = (Status, String);

/// A validation phase and the checks its validator knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phase {
    /// The validator binary's name, which is also the phase's name.
    pub name: &'static str,
    /// The check names this phase knows, sorted.
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

/// The phases in the order they run.
pub const PHASES: [Phase; 3] = [DEPLOYMENT, PERFORMANCE, CONFORMANCE];

impl Phase {
    /// Whether this phase knows `check`.
    pub fn knows(&self, check: &str) -> bool {
        self.checks.contains(&check)
    }

    /// The refusal of a check this phase does not know.
    pub fn unknown(&self, check: &str) -> String {
        format!(
            "unknown check '{check}' for the {} validator; known checks: {}",
            self.name,
            self.checks.join(", ")
        )
    }
}

/// The recipe constraints a check evaluates itself: `aicr validate` reports the check,
/// not the constraint a second time.
pub fn consumes(check: &str) -> &'static [&'static str] {
    match check {
        "gpu-operator-version" => &["Deployment.gpu-operator.version"],
        "nccl-all-reduce-bw" => &["nccl-all-reduce-bw"],
        _ => &[],
    }
}

/// The inputs of the checks that need no cluster.
#[derive(Debug, Default)]
pub struct Inputs<'a> {
    pub recipe: Option<&'a RecipeResult>,
    pub snapshot: Option<&'a Snapshot>,
    /// `all_reduce_perf` output for `nccl-all-reduce-bw`.
    pub nccl_output: Option<String>,
    /// The deployed gpu-operator version, when the snapshot does not carry it.
    pub deployed: Option<String>,
    /// What running `nvidia-smi` on this node gave; `None` when it is not installed,
    /// in which case `check-nvidia-smi` falls back on the snapshot's GPU measurement.
    pub nvidia_smi: Option<(bool, String)>,
}

/// Runs a check that needs no cluster; `None` for the cluster checks.
pub fn run_local(check: &str, inputs: &Inputs<'_>) -> Option<Verdict> {
    Some(match check {
        "gpu-operator-version" => {
            let deployed = inputs.deployed.as_deref().or_else(|| {
                inputs
                    .snapshot
                    .and_then(|s| s.value("Deployment.gpu-operator.version"))
            });
            local::gpu_operator_version(inputs.recipe, deployed)
        }
        "check-nvidia-smi" => local::nvidia_smi(inputs.nvidia_smi.clone(), inputs.snapshot),
        "nccl-all-reduce-bw" => {
            local::nccl_all_reduce_bw(inputs.recipe, inputs.nccl_output.as_deref())
        }
        _ => return None,
    })
}

/// The recipe the checks' tests use: EKS, Ubuntu, training, on `accelerator`.
#[cfg(test)]
pub(crate) fn eks_ubuntu_training(accelerator: &str) -> RecipeResult {
    let q = crate::criteria::Criteria {
        service: "eks".into(),
        accelerator: accelerator.into(),
        intent: "training".into(),
        os: "ubuntu".into(),
        ..crate::criteria::Criteria::default()
    };
    crate::recipe::recipe(&crate::catalog::Catalog::embedded().unwrap(), &q).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_lists_are_sorted_unique_and_split_between_local_and_cluster() {
        for phase in PHASES {
            let mut sorted = phase.checks.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted, phase.checks, "{}", phase.name);
            for check in phase.checks {
                let local = run_local(check, &Inputs::default()).is_some();
                let cluster = cluster::Needs::of(check).is_some();
                assert!(
                    local != cluster,
                    "{check}: exactly one of local and cluster"
                );
            }
        }
    }

    #[test]
    fn unknown_check_names_the_known_ones() {
        let line = PERFORMANCE.unknown("nope");
        assert!(line.contains("unknown check 'nope'"), "{line}");
        assert!(line.contains("nccl-all-reduce-bw"), "{line}");
        assert!(!PERFORMANCE.knows("nope") && DEPLOYMENT.knows("operator-health"));
    }
}
