// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `aicr snapshot` on this machine and `aicr validate` through the real binary.

mod support;

use support::{aicr, workdir, write_recipe};

#[test]
fn a_snapshot_of_this_node_has_the_documented_shape() {
    let out = aicr(&["snapshot", "-t", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snapshot: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(snapshot["kind"], "Snapshot");
    assert_eq!(snapshot["apiVersion"], "aicr.nvidia.com/v1alpha1");
    assert!(
        snapshot["metadata"]["source-node"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
    );
    let types: Vec<&str> = snapshot["measurements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["OS", "GPU"]);
    let os = &snapshot["measurements"][0]["subtypes"];
    let release = os
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["subtype"] == "release")
        .unwrap();
    assert!(
        release["data"]["ID"].as_str().is_some(),
        "os-release is read"
    );
    assert!(
        snapshot["measurements"][1]["subtypes"][0]["data"]["gpu-count"]
            .as_str()
            .is_some()
    );
}

#[test]
fn validate_reports_ctrf_and_fails_on_an_unmet_constraint() {
    let d = workdir("validate");
    let recipe = write_recipe(&d);
    let write_snapshot = |version_id: &str| {
        let path = d.join(format!("snapshot-{version_id}.yaml"));
        std::fs::write(
            &path,
            format!(
                "apiVersion: aicr.nvidia.com/v1alpha1\nkind: Snapshot\nmetadata:\n  timestamp: '2026-01-02T03:04:05Z'\n  version: test\n  source-node: node-1\nmeasurements:\n- type: OS\n  subtypes:\n  - subtype: release\n    data:\n      ID: ubuntu\n      VERSION_ID: '{version_id}'\n  - subtype: sysctl\n    data:\n      /proc/sys/kernel/osrelease: 6.8.0-1015-aws\n"
            ),
        )
        .unwrap();
        path
    };
    let good = write_snapshot("24.04");
    let report = d.join("report.json");
    let out = aicr(&[
        "validate",
        "-r",
        recipe.to_str().unwrap(),
        "-s",
        good.to_str().unwrap(),
        "--no-cluster",
        "-o",
        report.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ctrf: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(ctrf["reportFormat"], "CTRF");
    let summary = &ctrf["results"]["summary"];
    assert_eq!(
        (summary["passed"].as_u64(), summary["failed"].as_u64()),
        (Some(3), Some(0))
    );
    for field in ["tests", "skipped", "pending", "other", "start", "stop"] {
        assert!(summary.get(field).is_some(), "summary.{field}");
    }

    let bad = write_snapshot("22.04");
    let out = aicr(&[
        "validate",
        "-r",
        recipe.to_str().unwrap(),
        "-s",
        bad.to_str().unwrap(),
        "--no-cluster",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let ctrf: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let failed: Vec<&serde_json::Value> = ctrf["results"]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["message"], "22.04 does not satisfy 24.04");
    let out = aicr(&[
        "validate",
        "-r",
        recipe.to_str().unwrap(),
        "-s",
        recipe.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "a recipe is not a snapshot");
}

#[test]
fn validate_runs_the_checks_that_need_no_cluster_in_process() {
    let d = workdir("validate-checks");
    let recipe = write_recipe(&d);
    let snapshot = d.join("snapshot.yaml");
    std::fs::write(
        &snapshot,
        "apiVersion: aicr.nvidia.com/v1alpha1\nkind: Snapshot\nmetadata: {timestamp: t, version: v, source-node: n}\nmeasurements:\n- type: GPU\n  subtypes:\n  - subtype: smi\n    data: {gpu-count: '8'}\n- type: Deployment\n  subtypes:\n  - subtype: gpu-operator\n    data: {version: v25.10.1}\n",
    )
    .unwrap();
    let nccl = |busbw: u32| {
        let path = d.join(format!("nccl-{busbw}.txt"));
        std::fs::write(
            &path,
            format!("# Avg bus bandwidth : 1\n  8589934592  2147483648  float  sum  -1  45901  187.14  {busbw}  0  45880  187.22  {busbw}  0\n"),
        )
        .unwrap();
        path
    };
    let run = |output: &std::path::Path| {
        let out = aicr(&[
            "validate",
            "-r",
            recipe.to_str().unwrap(),
            "-s",
            snapshot.to_str().unwrap(),
            "--nccl-output",
            output.to_str().unwrap(),
        ]);
        let ctrf: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let tests = ctrf["results"]["tests"].as_array().unwrap().clone();
        let status = move |suite: &str, name: &str| {
            tests
                .iter()
                .find(|t| t["suite"] == suite && t["name"] == name)
                .map(|t| t["status"].as_str().unwrap().to_owned())
                .unwrap_or_else(|| panic!("no {suite}/{name}"))
        };
        (out.status.code(), status)
    };
    let (code, status) = run(&nccl(310));
    assert_eq!(code, Some(0));
    assert_eq!(status("deployment", "gpu-operator-version"), "passed");
    assert_eq!(status("deployment", "check-nvidia-smi"), "passed");
    assert_eq!(status("deployment", "operator-health"), "skipped");
    assert_eq!(status("performance", "nccl-all-reduce-bw"), "passed");
    assert_eq!(status("conformance", "dra-support"), "skipped");

    let (code, status) = run(&nccl(200));
    assert_eq!(code, Some(1));
    assert_eq!(status("performance", "nccl-all-reduce-bw"), "failed");
    assert_eq!(status("conformance", "platform-health"), "skipped");
}
