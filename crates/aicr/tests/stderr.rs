// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `aicr`'s stderr: when its reader is gone (`aicr … 2>&1 | head -1`) or it is a full
//! disk (`2>/dev/full`), the warnings and errors it does not take are dropped and the
//! command ends with the exit code it gives with a working stderr, never a panic (101).

mod broken_stderr;
mod support;

use std::process::Command;

use broken_stderr::{code_with_both_closed, same_outcome};
use support::{EKS_H100_TRAINING_UBUNTU, workdir, write_recipe};

/// The command that runs the real `aicr` binary with `args`.
fn aicr(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aicr"));
    cmd.args(args);
    cmd
}

/// A snapshot of an Ubuntu 22.04 node, which fails the 24.04 of the eks + h100 +
/// training + ubuntu recipe.
const UBUNTU_22_04: &str = "apiVersion: aicr.nvidia.com/v1alpha1\nkind: Snapshot\nmetadata: {timestamp: t, version: v, source-node: n}\nmeasurements:\n- type: OS\n  subtypes:\n  - subtype: release\n    data: {ID: ubuntu, VERSION_ID: '22.04'}\n";

#[test]
fn an_error_keeps_its_exit_code_whatever_stderr_takes() {
    let dir = workdir("stderr-error");
    let missing = dir.join("missing");
    let missing = missing.to_str().unwrap();
    same_outcome(
        || aicr(&["recipe", "--service", "bogus"]),
        2,
        "error: invalid service 'bogus'",
    );
    same_outcome(
        || aicr(&["verify", missing]),
        2,
        "checksums.txt does not exist",
    );
    // A failed validation: the report is written, the verdict is exit 1.
    let recipe = write_recipe(&dir);
    let snapshot = dir.join("snapshot.yaml");
    std::fs::write(&snapshot, UBUNTU_22_04).unwrap();
    let report = dir.join("report.json");
    let validate = [
        "validate",
        "-r",
        recipe.to_str().unwrap(),
        "-s",
        snapshot.to_str().unwrap(),
        "--no-cluster",
        "-o",
        report.to_str().unwrap(),
    ];
    same_outcome(|| aicr(&validate), 1, "error: 1 validation test(s) failed");
    // clap's own usage error.
    same_outcome(
        || aicr(&["no-such-command"]),
        2,
        "unrecognized subcommand 'no-such-command'",
    );
}

#[test]
fn a_success_with_warnings_is_exit_0_whatever_stderr_takes() {
    let dir = workdir("stderr-warning");
    // Unknown fields of the recipe: a warning each, then the bundle's progress line.
    let recipe = dir.join("recipe.yaml");
    let text = std::fs::read_to_string(write_recipe(&dir)).unwrap() + "generatedBy: elsewhere\n";
    std::fs::write(&recipe, text).unwrap();
    let bundle = dir.join("bundle");
    let args = [
        "bundle",
        "-r",
        recipe.to_str().unwrap(),
        "-o",
        bundle.to_str().unwrap(),
        "--force",
    ];
    let stderr = same_outcome(|| aicr(&args), 0, "ignoring unknown field generatedBy");
    assert!(stderr.contains("bundle: wrote "), "{stderr}");
    // A snapshot that fails an overlay's constraint: the recipe on stdout, a warning.
    let snapshot = dir.join("snapshot.yaml");
    std::fs::write(&snapshot, UBUNTU_22_04).unwrap();
    let mut args = vec!["recipe", "-s", snapshot.to_str().unwrap()];
    args.extend(&EKS_H100_TRAINING_UBUNTU[..6]);
    let stderr = same_outcome(
        || aicr(&args),
        0,
        "warning: OS.release.VERSION_ID: 22.04 does not satisfy 24.04",
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn a_closed_stdout_and_a_closed_stderr_keep_the_exit_code() {
    let dir = workdir("stderr-both");
    let snapshot = dir.join("snapshot.yaml");
    std::fs::write(&snapshot, UBUNTU_22_04).unwrap();
    let recipe = write_recipe(&dir);
    let warned = ["recipe", "-s", snapshot.to_str().unwrap()];
    let failed = [
        "validate",
        "-r",
        recipe.to_str().unwrap(),
        "-s",
        snapshot.to_str().unwrap(),
        "--no-cluster",
    ];
    for (args, code) in [(&warned[..], 0), (&failed[..], 1)] {
        assert_eq!(code_with_both_closed(aicr(args)), Some(code), "{args:?}");
    }
}
