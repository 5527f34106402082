// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Every `aicr` command that prints, with its stdout closed by the reader
//! (`aicr recipe … | head -1`) and with stdout on a full disk (`> /dev/full`): the
//! first ends the output quietly with the command's own exit code, the second is a
//! one-line error with exit 1, and neither is ever a panic.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use support::{EKS_H100_TRAINING_UBUNTU, aicr, workdir, write_recipe};

/// Runs aicr with stdout a pipe whose only reader is gone before anything is written,
/// so the first write meets EPIPE whatever the output's size.
fn closed_stdout(args: &[String]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aicr"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

/// Runs aicr with stdout on `/dev/full`, where every write fails with ENOSPC.
fn full_stdout(args: &[String]) -> Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full exists on Linux");
    Command::new(env!("CARGO_BIN_EXE_aicr"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(full)
        .output()
        .unwrap()
}

struct Case {
    args: Vec<String>,
    /// The exit code when the output is written (and when its reader goes away).
    code: i32,
}

fn case(args: &[&str], code: i32) -> Case {
    Case {
        args: args.iter().map(|a| a.to_string()).collect(),
        code,
    }
}

fn cases(dir: &Path) -> Vec<Case> {
    let recipe = write_recipe(dir);
    let recipe = recipe.to_str().unwrap();
    let bundle: PathBuf = dir.join("bundle");
    let out = aicr(&["bundle", "-r", recipe, "-o", bundle.to_str().unwrap()]);
    assert!(out.status.success());
    let bundle = bundle.to_str().unwrap();
    let snapshot = dir.join("snapshot.yaml");
    std::fs::write(
        &snapshot,
        "apiVersion: aicr.nvidia.com/v1alpha1\nkind: Snapshot\nmetadata: {timestamp: t, version: v, source-node: n}\nmeasurements:\n- type: OS\n  subtypes:\n  - subtype: release\n    data: {ID: ubuntu, VERSION_ID: '22.04'}\n",
    )
    .unwrap();
    let snapshot = snapshot.to_str().unwrap();
    let mut recipe_args = vec!["recipe"];
    recipe_args.extend(EKS_H100_TRAINING_UBUNTU);
    let mut json_args = recipe_args.clone();
    json_args.extend(["-t", "json"]);
    let mut query_args = vec!["query", "--selector", "components.gpu-operator.version"];
    query_args.extend(EKS_H100_TRAINING_UBUNTU);
    let mut query_map = vec!["query", "--selector", "components.gpu-operator"];
    query_map.extend(EKS_H100_TRAINING_UBUNTU);
    vec![
        case(&["version"], 0),
        case(&["--version"], 0),
        case(&["--help"], 0),
        case(&["recipe", "--help"], 0),
        case(&recipe_args, 0),
        case(&json_args, 0),
        case(&query_args, 0),
        case(&query_map, 0),
        case(&["verify", bundle], 0),
        case(&["verify", bundle, "-t", "json"], 0),
        case(&["snapshot"], 0),
        case(&["snapshot", "-t", "json"], 0),
        // 22.04 fails the recipe's 24.04: the report is printed, the verdict is exit 1.
        case(
            &["validate", "-r", recipe, "-s", snapshot, "--no-cluster"],
            1,
        ),
    ]
}

#[test]
fn a_closed_stdout_ends_the_output_quietly_with_the_commands_own_exit_code() {
    let dir = workdir("stdout-closed");
    for Case { args, code } in cases(&dir) {
        let out = closed_stdout(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("stdout"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
    }
}

#[test]
fn a_full_disk_is_a_one_line_error_with_exit_1() {
    let dir = workdir("stdout-full");
    for Case { args, .. } in cases(&dir) {
        let out = full_stdout(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        let last = stderr.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("error: cannot write to stdout: No space left on device"),
            "{args:?}: {stderr}"
        );
    }
}
