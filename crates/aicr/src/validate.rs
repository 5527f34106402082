// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Validation of a recipe against a snapshot, reported as CTRF.
//!
//! First the readiness constraints: each recipe constraint is evaluated against the
//! snapshot's measurement of the same name (`OS.release.VERSION_ID`, …); a measurement
//! the snapshot lacks (`K8s.*` without a cluster) is skipped, with the reason. Then the
//! phases deployment, performance and conformance: their checks run as validator Jobs in
//! the cluster, so here they are skipped, saying why; a failed phase marks the later
//! ones skipped.

use serde::Serialize;

use crate::constraint;
use crate::recipe::RecipeResult;
use crate::snapshot::Snapshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Passed,
    Failed,
    Skipped,
}

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

fn test(name: &str, suite: &str, status: Status, message: String) -> Test {
    Test {
        name: name.into(),
        status,
        duration: 0,
        suite: suite.into(),
        message,
        stdout: Vec::new(),
    }
}

pub const PHASES: [&str; 3] = ["deployment", "performance", "conformance"];

/// Evaluates the recipe against the snapshot. `phases` selects phases (all when empty).
pub fn validate(
    recipe: &RecipeResult,
    snapshot: &Snapshot,
    phases: &[String],
    no_cluster: bool,
) -> Vec<Test> {
    let mut tests = Vec::new();
    for c in &recipe.constraints {
        let t = match snapshot.value(&c.name) {
            None => test(
                &c.name,
                "readiness",
                Status::Skipped,
                format!("the snapshot has no measurement {}", c.name),
            ),
            Some(actual) if constraint::satisfied(&c.value, actual) => test(
                &c.name,
                "readiness",
                Status::Passed,
                format!("{actual} satisfies {}", c.value),
            ),
            Some(actual) => test(
                &c.name,
                "readiness",
                Status::Failed,
                format!("{actual} does not satisfy {}", c.value),
            ),
        };
        tests.push(t);
    }
    let mut earlier_failed = tests.iter().any(|t| t.status == Status::Failed);
    for phase in PHASES
        .iter()
        .filter(|p| phases.is_empty() || phases.iter().any(|x| x == *p))
    {
        let settings = match *phase {
            "deployment" => &recipe.validation.deployment,
            "performance" => &recipe.validation.performance,
            _ => &recipe.validation.conformance,
        };
        let reason = if earlier_failed {
            "an earlier phase failed".to_owned()
        } else if no_cluster {
            "no cluster (--no-cluster)".to_owned()
        } else {
            format!("runs as a {phase} validator Job in the cluster; not evaluated from a snapshot")
        };
        for check in &settings.checks {
            tests.push(test(check, phase, Status::Skipped, reason.clone()));
        }
        for c in &settings.constraints {
            tests.push(test(&c.name, phase, Status::Skipped, reason.clone()));
        }
        earlier_failed |= tests
            .iter()
            .any(|t| t.suite == *phase && t.status == Status::Failed);
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
    use crate::catalog::Catalog;
    use crate::criteria::Criteria;
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
        let q = Criteria {
            service: "eks".into(),
            accelerator: "h100".into(),
            intent: "training".into(),
            os: "ubuntu".into(),
            ..Criteria::default()
        };
        crate::recipe::recipe(&Catalog::embedded().unwrap(), &q).unwrap()
    }

    #[test]
    fn readiness_passes_fails_and_skips() {
        let tests = validate(&recipe(), &snapshot("24.04"), &[], true);
        let status = |n: &str| tests.iter().find(|t| t.name == n).unwrap().status;
        assert_eq!(status("OS.release.VERSION_ID"), Status::Passed);
        assert_eq!(
            status("OS.sysctl./proc/sys/kernel/osrelease"),
            Status::Passed
        );
        assert_eq!(status("K8s.server.version"), Status::Skipped);
        assert!(
            tests
                .iter()
                .filter(|t| t.suite != "readiness")
                .all(|t| t.message == "no cluster (--no-cluster)")
        );

        let failed = validate(&recipe(), &snapshot("22.04"), &["performance".into()], true);
        assert_eq!(
            failed
                .iter()
                .find(|t| t.name == "OS.release.VERSION_ID")
                .unwrap()
                .status,
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
}
