// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `aicr validate` through the real binary on measurements that used to pass by
//! accident: a kernel that is not a version, a pre-release of the required operator,
//! and an NCCL bandwidth of `inf`.

mod support;

use support::{aicr, workdir, write_recipe};

fn snapshot(kernel: &str, operator: &str) -> String {
    format!(
        "apiVersion: aicr.nvidia.com/v1alpha1\nkind: Snapshot\nmetadata: {{timestamp: t, version: v, source-node: n}}\nmeasurements:\n- type: OS\n  subtypes:\n  - subtype: release\n    data: {{ID: ubuntu, VERSION_ID: '24.04'}}\n  - subtype: sysctl\n    data:\n      /proc/sys/kernel/osrelease: '{kernel}'\n- type: GPU\n  subtypes:\n  - subtype: smi\n    data: {{gpu-count: '8'}}\n- type: Deployment\n  subtypes:\n  - subtype: gpu-operator\n    data: {{version: '{operator}'}}\n"
    )
}

/// The status and message of every test of the CTRF report, and the exit code.
fn validate(
    dir: &std::path::Path,
    snapshot_text: &str,
    busbw: &str,
) -> (Option<i32>, Vec<(String, String, String)>) {
    let recipe = write_recipe(dir);
    let snapshot = dir.join("snapshot.yaml");
    std::fs::write(&snapshot, snapshot_text).unwrap();
    let nccl = dir.join("nccl.txt");
    std::fs::write(
        &nccl,
        format!("  8589934592  2147483648  float  sum  -1  45901  187.14  {busbw}  0  45880  187.22  {busbw}  0\n"),
    )
    .unwrap();
    let out = aicr(&[
        "validate",
        "-r",
        recipe.to_str().unwrap(),
        "-s",
        snapshot.to_str().unwrap(),
        "--nccl-output",
        nccl.to_str().unwrap(),
        "--no-cluster",
    ]);
    let ctrf: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tests = ctrf["results"]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["status"].as_str().unwrap().to_owned(),
                t["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (out.status.code(), tests)
}

fn find<'a>(tests: &'a [(String, String, String)], name: &str) -> (&'a str, &'a str) {
    tests
        .iter()
        .find(|t| t.0 == name)
        .map(|t| (t.1.as_str(), t.2.as_str()))
        .unwrap_or_else(|| panic!("no test {name} in {tests:?}"))
}

const KERNEL: &str = "OS.sysctl./proc/sys/kernel/osrelease";

#[test]
fn measurements_that_are_versions_pass() {
    let dir = workdir("constraints-pass");
    let (code, tests) = validate(&dir, &snapshot("6.8.0-1015-aws", "v25.10.1"), "310");
    assert_eq!(code, Some(0), "{tests:?}");
    assert_eq!(find(&tests, KERNEL).0, "passed");
    assert_eq!(find(&tests, "gpu-operator-version").0, "passed");
    assert_eq!(find(&tests, "nccl-all-reduce-bw").0, "passed");
}

#[test]
fn a_kernel_that_is_not_a_version_fails_naming_it() {
    let dir = workdir("constraints-kernel");
    let (code, tests) = validate(&dir, &snapshot("unknown", "v25.10.1"), "310");
    assert_eq!(code, Some(1));
    assert_eq!(
        find(&tests, KERNEL),
        (
            "failed",
            "cannot compare 'unknown' with '>= 6.8': 'unknown' is not a version"
        )
    );
}

#[test]
fn a_pre_release_or_garbage_operator_does_not_satisfy_its_release() {
    let dir = workdir("constraints-operator");
    let (code, tests) = validate(&dir, &snapshot("6.8.0-1015-aws", "v24.6.0-rc1"), "310");
    assert_eq!(code, Some(1));
    assert_eq!(
        find(&tests, "gpu-operator-version"),
        (
            "failed",
            "gpu-operator v24.6.0-rc1 does not satisfy >= v24.6.0"
        )
    );
    let (code, tests) = validate(&dir, &snapshot("6.8.0-1015-aws", "zzz"), "310");
    assert_eq!(code, Some(1));
    assert_eq!(
        find(&tests, "gpu-operator-version"),
        (
            "failed",
            "gpu-operator: cannot compare 'zzz' with '>= v24.6.0': 'zzz' is not a version"
        )
    );
}

#[test]
fn an_infinite_bandwidth_fails() {
    let dir = workdir("constraints-nccl");
    for busbw in ["inf", "NaN", "1e999"] {
        let (code, tests) = validate(&dir, &snapshot("6.8.0-1015-aws", "v25.10.1"), busbw);
        assert_eq!(code, Some(1), "{busbw}");
        let (status, message) = find(&tests, "nccl-all-reduce-bw");
        assert_eq!(status, "failed", "{busbw}: {message}");
        assert_eq!(
            message,
            format!(
                "all_reduce_perf reported a bus bandwidth of '{busbw}', which is not a finite number"
            )
        );
    }
}
