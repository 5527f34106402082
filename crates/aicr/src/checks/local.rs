// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The checks' decisions, as pure functions of typed inputs; `main` gathers the inputs.

use super::{Status, Verdict, nccl};
use crate::constraint;
use crate::recipe::RecipeResult;
use crate::snapshot::Snapshot;

/// The tolerance of the performance check: a measurement within 10% below the
/// threshold still passes, as in the Go original.
pub const NCCL_TOLERANCE: f64 = 0.10;

/// The value of a named constraint of a validation phase.
fn phase_constraint<'a>(recipe: &'a RecipeResult, phase: &str, name: &str) -> Option<&'a str> {
    let settings = match phase {
        "deployment" => &recipe.validation.deployment,
        "performance" => &recipe.validation.performance,
        _ => &recipe.validation.conformance,
    };
    settings
        .constraints
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.value.as_str())
}

/// `gpu-operator-version`: the deployed version against the recipe's
/// `Deployment.gpu-operator.version` constraint.
pub fn gpu_operator_version(recipe: Option<&RecipeResult>, deployed: Option<&str>) -> Verdict {
    let Some(recipe) = recipe else {
        return (Status::Skipped, "no recipe (set AICR_RECIPE_PATH)".into());
    };
    let Some(expected) = phase_constraint(recipe, "deployment", "Deployment.gpu-operator.version")
    else {
        return (
            Status::Skipped,
            "the recipe sets no Deployment.gpu-operator.version constraint".into(),
        );
    };
    let Some(deployed) = deployed else {
        return (Status::Skipped, "the deployed gpu-operator version is unknown (snapshot measurement Deployment.gpu-operator.version, --deployed, or the gpu-operator release in the cluster)".into());
    };
    match constraint::evaluate(expected, deployed) {
        Ok(true) => (
            Status::Passed,
            format!("gpu-operator {deployed} satisfies {expected}"),
        ),
        Ok(false) => (
            Status::Failed,
            format!("gpu-operator {deployed} does not satisfy {expected}"),
        ),
        Err(why) => (Status::Failed, format!("gpu-operator: {why}")),
    }
}

/// `check-nvidia-smi`: the result of running `nvidia-smi` on this node (`None`: not
/// installed); without it, the snapshot's `GPU.smi` measurement, which `aicr snapshot`
/// took with `nvidia-smi -q -x` on the node.
pub fn nvidia_smi(result: Option<(bool, String)>, snapshot: Option<&Snapshot>) -> Verdict {
    match result {
        Some((true, _)) => (Status::Passed, "nvidia-smi ran".into()),
        Some((false, stderr)) => (
            Status::Failed,
            format!("nvidia-smi failed: {}", stderr.trim()),
        ),
        None => match snapshot.and_then(|s| s.value("GPU.smi.gpu-count")) {
            Some(count) if count.parse::<u32>().is_ok_and(|n| n > 0) => (
                Status::Passed,
                format!("the snapshot's nvidia-smi reports {count} GPU(s)"),
            ),
            Some(_) => (
                Status::Failed,
                "the snapshot's nvidia-smi reports no GPU".into(),
            ),
            None => (
                Status::Skipped,
                "nvidia-smi is not installed here and no snapshot carries GPU.smi".into(),
            ),
        },
    }
}

/// `nccl-all-reduce-bw`: `all_reduce_perf` output against the recipe's threshold.
pub fn nccl_all_reduce_bw(recipe: Option<&RecipeResult>, output: Option<&str>) -> Verdict {
    let Some(recipe) = recipe else {
        return (Status::Skipped, "no recipe (set AICR_RECIPE_PATH)".into());
    };
    let Some(expression) = phase_constraint(recipe, "performance", "nccl-all-reduce-bw") else {
        return (
            Status::Skipped,
            "the recipe sets no nccl-all-reduce-bw threshold".into(),
        );
    };
    let Some(threshold) = expression
        .trim()
        .trim_start_matches(['>', '=', ' '])
        .parse::<f64>()
        .ok()
        .filter(|t| t.is_finite() && *t >= 0.0)
    else {
        return (
            Status::Failed,
            format!("the threshold '{expression}' is not a finite, non-negative number"),
        );
    };
    let Some(output) = output else {
        return (
            Status::Skipped,
            "no all_reduce_perf output given (validator: --input FILE or -; aicr validate: --nccl-output FILE)".into(),
        );
    };
    let Some(result) = nccl::parse(output) else {
        return (
            Status::Failed,
            "the all_reduce_perf output holds no result rows".into(),
        );
    };
    if let Some(value) = &result.non_finite {
        return (
            Status::Failed,
            format!(
                "all_reduce_perf reported a bus bandwidth of '{value}', which is not a finite number"
            ),
        );
    }
    if result.wrong > 0 {
        return (
            Status::Failed,
            format!(
                "all_reduce_perf reported wrong results in {} column(s)",
                result.wrong
            ),
        );
    }
    let floor = threshold * (1.0 - NCCL_TOLERANCE);
    if result.peak_busbw >= floor {
        (
            Status::Passed,
            format!(
                "peak bus bandwidth {:.2} GB/s meets {threshold} GB/s (10% tolerance: {floor:.2})",
                result.peak_busbw
            ),
        )
    } else {
        (
            Status::Failed,
            format!(
                "peak bus bandwidth {:.2} GB/s is below {threshold} GB/s less 10% ({floor:.2})",
                result.peak_busbw
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::criteria::Criteria;

    fn recipe() -> RecipeResult {
        crate::checks::eks_ubuntu_training("h100")
    }

    #[test]
    fn gpu_operator_version_pass_fail_skip() {
        let r = recipe();
        assert_eq!(
            gpu_operator_version(Some(&r), Some("v25.10.1")).0,
            Status::Passed
        );
        assert_eq!(
            gpu_operator_version(Some(&r), Some("v24.3.0")).0,
            Status::Failed
        );
        assert_eq!(gpu_operator_version(Some(&r), None).0, Status::Skipped);
        assert_eq!(
            gpu_operator_version(None, Some("v25.10.1")).0,
            Status::Skipped
        );
    }

    #[test]
    fn nvidia_smi_pass_fail_skip() {
        assert_eq!(
            nvidia_smi(Some((true, String::new())), None).0,
            Status::Passed
        );
        assert_eq!(
            nvidia_smi(Some((false, "NVIDIA-SMI has failed".into())), None).0,
            Status::Failed
        );
        assert_eq!(nvidia_smi(None, None).0, Status::Skipped);
        let snapshot = |count: &str| {
            Snapshot::new(
                "t",
                "v",
                "n",
                vec![],
                vec![crate::snapshot::Measurement {
                    kind: "GPU".into(),
                    subtypes: vec![crate::snapshot::Subtype {
                        subtype: "smi".into(),
                        data: [("gpu-count".to_owned(), count.to_owned())].into(),
                    }],
                }],
            )
        };
        let (status, line) = nvidia_smi(None, Some(&snapshot("8")));
        assert_eq!(
            (status, line.as_str()),
            (Status::Passed, "the snapshot's nvidia-smi reports 8 GPU(s)")
        );
        assert_eq!(nvidia_smi(None, Some(&snapshot("0"))).0, Status::Failed);
        assert_eq!(
            nvidia_smi(Some((false, "no driver".into())), Some(&snapshot("8"))).0,
            Status::Failed,
            "running it here wins over the snapshot"
        );
    }

    fn output(busbw: f64) -> String {
        format!(
            "  1073741824  268435456  float  sum  -1  5821.4  184.45  {busbw}  0  5810.9  184.78  {busbw}  0\n# Avg bus bandwidth    : 100\n"
        )
    }

    #[test]
    fn nccl_threshold_with_tolerance() {
        let r = recipe(); // threshold 300 GB/s
        assert_eq!(
            nccl_all_reduce_bw(Some(&r), Some(&output(310.0))).0,
            Status::Passed
        );
        let (outcome, message) = nccl_all_reduce_bw(Some(&r), Some(&output(275.0)));
        assert_eq!(outcome, Status::Passed, "within 10%: {message}");
        let (outcome, message) = nccl_all_reduce_bw(Some(&r), Some(&output(269.0)));
        assert_eq!(outcome, Status::Failed, "{message}");
        assert!(
            message.contains("below 300 GB/s less 10% (270.00)"),
            "{message}"
        );
        assert_eq!(nccl_all_reduce_bw(Some(&r), None).0, Status::Skipped);
        assert_eq!(
            nccl_all_reduce_bw(Some(&r), Some("garbage")).0,
            Status::Failed
        );
        let inference = crate::recipe::recipe(
            &Catalog::embedded().unwrap(),
            &Criteria {
                service: "kind".into(),
                ..Criteria::default()
            },
        )
        .unwrap();
        assert_eq!(
            nccl_all_reduce_bw(Some(&inference), Some(&output(1.0))).0,
            Status::Skipped,
            "no threshold"
        );
    }

    #[test]
    fn nccl_non_finite_measurements_and_thresholds_fail() {
        let r = recipe();
        for busbw in [f64::INFINITY, f64::NEG_INFINITY, f64::NAN] {
            let (status, message) = nccl_all_reduce_bw(Some(&r), Some(&output(busbw)));
            assert_eq!(status, Status::Failed, "{busbw}: {message}");
            assert!(message.contains("not a finite number"), "{message}");
        }
        let text = output(310.0).replacen("310", "1e999", 1);
        let (status, message) = nccl_all_reduce_bw(Some(&r), Some(&text));
        assert_eq!(
            (status, message.as_str()),
            (
                Status::Failed,
                "all_reduce_perf reported a bus bandwidth of '1e999', which is not a finite number"
            )
        );
        for threshold in [">= inf", ">= NaN", ">= -inf", ">= -1", "inf"] {
            let mut r = recipe();
            r.validation.performance.constraints[0].value = threshold.into();
            let (status, message) = nccl_all_reduce_bw(Some(&r), Some(&output(310.0)));
            assert_eq!(status, Status::Failed, "{threshold}: {message}");
            assert!(
                message.contains(&format!("'{threshold}' is not a finite")),
                "{message}"
            );
        }
    }

    #[test]
    fn gpu_operator_versions_that_do_not_parse_or_are_pre_releases_fail() {
        let r = recipe(); // >= v24.6.0
        let (status, message) = gpu_operator_version(Some(&r), Some("zzz"));
        assert_eq!(status, Status::Failed, "{message}");
        assert!(message.contains("'zzz' is not a version"), "{message}");
        let (status, message) = gpu_operator_version(Some(&r), Some("v24.6.0-rc1"));
        assert_eq!(
            (status, message.as_str()),
            (
                Status::Failed,
                "gpu-operator v24.6.0-rc1 does not satisfy >= v24.6.0"
            )
        );
        assert_eq!(
            gpu_operator_version(Some(&r), Some("v24.6.0")).0,
            Status::Passed
        );
    }
}
