// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Validation of a recipe against a snapshot, reported as CTRF.
//!
//! First the readiness constraints: each recipe constraint is evaluated against the
//! snapshot's measurement of the same name (`OS.release.VERSION_ID`, …); a measurement
//! the snapshot lacks (`K8s.*` without a cluster) is skipped, with the reason. Then the
//! phases deployment, performance and conformance, in-process: the checks that need no
//! cluster run on the snapshot (and on `all_reduce_perf` output, when given), a phase's
//! other constraints are evaluated like the readiness ones, and the checks that read the
//! Kubernetes API are skipped, naming the validator that runs them in the cluster. A
//! failed phase marks the later ones skipped.

use serde::Serialize;

use crate::catalog::Constraint;
pub use crate::checks::Status;
use crate::checks::{self, Inputs, PHASES};
use crate::constraint;
use crate::recipe::RecipeResult;
use crate::snapshot::Snapshot;

/// One CTRF test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Test {
    pub name: String,
    pub status: Status,
    pub duration: u64,
    pub suite: String,
    pub message: String,
    pub stdout: Vec<String>,
}

impl Test {
    pub fn new(name: &str, suite: &str, status: Status, message: String) -> Test {
        Test {
            name: name.into(),
            status,
            duration: 0,
            suite: suite.into(),
            message,
            stdout: Vec::new(),
        }
    }
}

/// What a run evaluates besides the recipe and the snapshot.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only these phases (all when empty).
    pub phases: Vec<String>,
    /// The caller declared that no cluster is used (`--no-cluster`).
    pub no_cluster: bool,
    /// `all_reduce_perf` output for `nccl-all-reduce-bw`.
    pub nccl_output: Option<String>,
}

fn constraint_test(c: &Constraint, suite: &str, snapshot: &Snapshot) -> Test {
    match snapshot.value(&c.name) {
        None => Test::new(
            &c.name,
            suite,
            Status::Skipped,
            format!("the snapshot has no measurement {}", c.name),
        ),
        Some(actual) => match constraint::evaluate(&c.value, actual) {
            Ok(true) => Test::new(
                &c.name,
                suite,
                Status::Passed,
                format!("{actual} satisfies {}", c.value),
            ),
            Ok(false) => Test::new(
                &c.name,
                suite,
                Status::Failed,
                format!("{actual} does not satisfy {}", c.value),
            ),
            Err(why) => Test::new(&c.name, suite, Status::Failed, why.to_string()),
        },
    }
}

/// Evaluates the recipe against the snapshot.
pub fn validate(recipe: &RecipeResult, snapshot: &Snapshot, options: &Options) -> Vec<Test> {
    let mut tests: Vec<Test> = recipe
        .constraints
        .iter()
        .map(|c| constraint_test(c, "readiness", snapshot))
        .collect();
    let inputs = Inputs {
        recipe: Some(recipe),
        snapshot: Some(snapshot),
        nccl_output: options.nccl_output.clone(),
        ..Inputs::default()
    };
    let mut earlier_failed = tests.iter().any(|t| t.status == Status::Failed);
    for phase in PHASES
        .iter()
        .filter(|p| options.phases.is_empty() || options.phases.iter().any(|x| x == p.name))
    {
        let settings = match phase.name {
            "deployment" => &recipe.validation.deployment,
            "performance" => &recipe.validation.performance,
            _ => &recipe.validation.conformance,
        };
        let first = tests.len();
        if earlier_failed {
            let names = settings
                .checks
                .iter()
                .chain(settings.constraints.iter().map(|c| &c.name));
            for name in names {
                tests.push(Test::new(
                    name,
                    phase.name,
                    Status::Skipped,
                    "an earlier phase failed".into(),
                ));
            }
            continue;
        }
        for check in &settings.checks {
            let (status, message) = if !phase.knows(check) {
                (Status::Skipped, phase.unknown(check))
            } else if let Some(verdict) = checks::run_local(check, &inputs) {
                verdict
            } else if options.no_cluster {
                (Status::Skipped, "no cluster (--no-cluster)".to_owned())
            } else {
                (
                    Status::Skipped,
                    format!(
                        "reads the Kubernetes API: the {0} validator runs it in the cluster (`{0} {check}`)",
                        phase.name
                    ),
                )
            };
            tests.push(Test::new(check, phase.name, status, message));
        }
        let consumed: Vec<&str> = settings
            .checks
            .iter()
            .flat_map(|c| checks::consumes(c).iter().copied())
            .collect();
        for c in settings
            .constraints
            .iter()
            .filter(|c| !consumed.contains(&c.name.as_str()))
        {
            tests.push(constraint_test(c, phase.name, snapshot));
        }
        earlier_failed |= tests[first..].iter().any(|t| t.status == Status::Failed);
    }
    tests
}

/// The CTRF report of a run.
pub fn report(tests: &[Test], tool_version: &str, start: i64, stop: i64) -> serde_json::Value {
    let count = |s: Status| tests.iter().filter(|t| t.status == s).count();
    serde_json::json!({
        "reportFormat": "CTRF",
        "specVersion": "0.0.1",
        "results": {
            "tool": { "name": "aicr", "version": tool_version },
            "summary": {
                "tests": tests.len(),
                "passed": count(Status::Passed),
                "failed": count(Status::Failed),
                "skipped": count(Status::Skipped),
                "pending": 0,
                "other": 0,
                "start": start,
                "stop": stop,
            },
            "tests": tests,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{Measurement, Subtype};
    use std::collections::BTreeMap;

    fn snapshot(version_id: &str) -> Snapshot {
        let release = BTreeMap::from([
            ("ID".to_owned(), "ubuntu".to_owned()),
            ("VERSION_ID".to_owned(), version_id.to_owned()),
        ]);
        let sysctl = BTreeMap::from([(
            "/proc/sys/kernel/osrelease".to_owned(),
            "6.8.0-1015-aws".to_owned(),
        )]);
        let subtypes = vec![
            Subtype {
                subtype: "release".into(),
                data: release,
            },
            Subtype {
                subtype: "sysctl".into(),
                data: sysctl,
            },
        ];
        Snapshot::new(
            "t",
            "v",
            "n",
            vec![],
            vec![Measurement {
                kind: "OS".into(),
                subtypes,
            }],
        )
    }

    fn recipe() -> RecipeResult {
        crate::checks::eks_ubuntu_training("h100")
    }

    fn with_cluster_facts(mut snapshot: Snapshot) -> Snapshot {
        snapshot.measurements.push(Measurement {
            kind: "GPU".into(),
            subtypes: vec![Subtype {
                subtype: "smi".into(),
                data: BTreeMap::from([("gpu-count".to_owned(), "8".to_owned())]),
            }],
        });
        snapshot.measurements.push(Measurement {
            kind: "Deployment".into(),
            subtypes: vec![Subtype {
                subtype: "gpu-operator".into(),
                data: BTreeMap::from([("version".to_owned(), "v25.10.1".to_owned())]),
            }],
        });
        snapshot
    }

    fn nccl(busbw: f64) -> Option<String> {
        Some(format!(
            "  1073741824  268435456  float  sum  -1  5821.4  184.45  {busbw}  0  5810.9  184.78  {busbw}  0\n"
        ))
    }

    fn find<'a>(tests: &'a [Test], suite: &str, name: &str) -> &'a Test {
        tests
            .iter()
            .find(|t| t.suite == suite && t.name == name)
            .unwrap_or_else(|| panic!("no test {suite}/{name} in {tests:#?}"))
    }

    #[test]
    fn readiness_passes_fails_and_skips() {
        let options = Options {
            no_cluster: true,
            ..Options::default()
        };
        let tests = validate(&recipe(), &snapshot("24.04"), &options);
        let status = |n: &str| find(&tests, "readiness", n).status;
        assert_eq!(status("OS.release.VERSION_ID"), Status::Passed);
        assert_eq!(
            status("OS.sysctl./proc/sys/kernel/osrelease"),
            Status::Passed
        );
        assert_eq!(status("K8s.server.version"), Status::Skipped);
        assert_eq!(
            find(&tests, "conformance", "dra-support").message,
            "no cluster (--no-cluster)"
        );

        let options = Options {
            phases: vec!["performance".into()],
            ..Options::default()
        };
        let failed = validate(&recipe(), &snapshot("22.04"), &options);
        assert_eq!(
            find(&failed, "readiness", "OS.release.VERSION_ID").status,
            Status::Failed
        );
        assert!(
            failed
                .iter()
                .filter(|t| t.suite == "performance")
                .all(|t| t.message == "an earlier phase failed")
        );
        assert!(
            failed.iter().all(|t| t.suite != "deployment"),
            "--phase selects"
        );
        let report = report(&failed, "1.2.3", 1, 2);
        assert_eq!(report["reportFormat"], "CTRF");
        assert_eq!(report["results"]["summary"]["failed"], 1);
        assert_eq!(report["results"]["tests"][0]["status"], "skipped");
    }

    #[test]
    fn phases_run_the_local_checks_in_process() {
        let snapshot = with_cluster_facts(snapshot("24.04"));
        let options = Options {
            nccl_output: nccl(310.0),
            ..Options::default()
        };
        let tests = validate(&recipe(), &snapshot, &options);
        let passed = |suite: &str, name: &str| find(&tests, suite, name).status == Status::Passed;
        assert!(passed("deployment", "gpu-operator-version"));
        assert!(passed("deployment", "check-nvidia-smi"));
        assert!(passed("performance", "nccl-all-reduce-bw"));
        let operator = find(&tests, "deployment", "operator-health");
        assert_eq!(operator.status, Status::Skipped);
        assert_eq!(
            operator.message,
            "reads the Kubernetes API: the deployment validator runs it in the cluster (`deployment operator-health`)"
        );
        assert!(
            !tests
                .iter()
                .any(|t| t.name == "Deployment.gpu-operator.version"),
            "the check reports its constraint"
        );
        assert_eq!(
            tests
                .iter()
                .filter(|t| t.name == "nccl-all-reduce-bw")
                .count(),
            1
        );

        // A failed performance check skips conformance.
        let options = Options {
            nccl_output: nccl(200.0),
            ..Options::default()
        };
        let tests = validate(&recipe(), &snapshot, &options);
        assert_eq!(
            find(&tests, "performance", "nccl-all-reduce-bw").status,
            Status::Failed
        );
        assert!(
            tests
                .iter()
                .filter(|t| t.suite == "conformance")
                .all(|t| t.status == Status::Skipped && t.message == "an earlier phase failed")
        );
        // Without the output the check is skipped, and conformance still runs.
        let tests = validate(&recipe(), &snapshot, &Options::default());
        assert!(
            find(&tests, "performance", "nccl-all-reduce-bw")
                .message
                .contains("no all_reduce_perf output")
        );
        assert!(
            find(&tests, "conformance", "dra-support")
                .message
                .starts_with("reads the Kubernetes API")
        );
    }
}
