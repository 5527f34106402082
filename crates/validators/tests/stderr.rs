// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The validator's stderr: when its reader is gone (a log collector that died) or it is
//! a full disk (`2>/dev/full`), the status line, warnings and errors it does not take
//! are dropped and the check's verdict stands: exit 0 passed, 1 failed, 2 skipped or a
//! usage error, never a panic (101).

#[path = "../../aicr/tests/broken_stderr/mod.rs"]
mod broken_stderr;

use std::path::{Path, PathBuf};
use std::process::Command;

use broken_stderr::{code_with_both_closed, same_outcome};

/// A directory of the test with the eks + h100 + training + ubuntu recipe as
/// `recipe.json`, with a field the validator does not know when `unknown_field`.
fn fixture(name: &str, unknown_field: bool) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix(&format!("validators-stderr-{name}-"))
        .tempdir()
        .unwrap();
    let criteria = aicr::criteria::Criteria {
        service: "eks".into(),
        accelerator: "h100".into(),
        intent: "training".into(),
        os: "ubuntu".into(),
        ..Default::default()
    };
    let recipe =
        aicr::recipe::recipe(&aicr::catalog::Catalog::embedded().unwrap(), &criteria).unwrap();
    let mut recipe = serde_json::to_value(&recipe).unwrap();
    if unknown_field {
        recipe["generatedBy"] = "elsewhere".into();
    }
    let path = dir.path().join("recipe.json");
    std::fs::write(&path, serde_json::to_string(&recipe).unwrap()).unwrap();
    (dir, path)
}

/// The command that runs the real `validator` with `args`, the recipe at `recipe` and
/// no cluster configuration; a failure's reason goes to a file in `dir`.
fn validator(dir: &Path, recipe: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_validator"));
    cmd.args(args)
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("KUBERNETES_SERVICE_PORT")
        .env("HOME", dir)
        .env("AICR_RECIPE_PATH", recipe)
        .env("AICR_TERMINATION_LOG", dir.join("termination-log"));
    cmd
}

const CHECK: &str = "gpu-operator-version";

#[test]
fn an_error_keeps_its_exit_code_whatever_stderr_takes() {
    let (dir, recipe) = fixture("error", false);
    let run = |args: &'static [&'static str]| || validator(dir.path(), &recipe, args);
    same_outcome(
        run(&["no-such-phase", CHECK]),
        2,
        "error: unknown phase 'no-such-phase'",
    );
    same_outcome(
        run(&["deployment", "no-such-check"]),
        2,
        "no-such-check: skipped: error: unknown check 'no-such-check'",
    );
    // clap's own usage error.
    same_outcome(run(&["deployment"]), 2, "<CHECK>");
}

#[test]
fn a_checks_status_line_leaves_its_verdict_whatever_stderr_takes() {
    let (dir, recipe) = fixture("status", false);
    // The reason of a failure goes to the termination log when it exists.
    let log = dir.path().join("termination-log");
    std::fs::write(&log, "").unwrap();
    let run = |args: &'static [&'static str]| || validator(dir.path(), &recipe, args);
    same_outcome(
        run(&["deployment", CHECK, "--deployed", "v25.10.1"]),
        0,
        "gpu-operator-version: passed: ",
    );
    same_outcome(
        run(&["deployment", CHECK, "--deployed", "v24.3.0"]),
        1,
        "gpu-operator-version: failed: gpu-operator v24.3.0 does not satisfy >= v24.6.0",
    );
    let reason = std::fs::read_to_string(&log).unwrap();
    assert_eq!(reason, "gpu-operator v24.3.0 does not satisfy >= v24.6.0");
}

#[test]
fn a_warning_is_dropped_with_the_status_line_and_the_check_passes() {
    let (dir, recipe) = fixture("warning", true);
    let stderr = same_outcome(
        || {
            validator(
                dir.path(),
                &recipe,
                &["deployment", CHECK, "--deployed", "v25.10.1"],
            )
        },
        0,
        "ignoring unknown field generatedBy",
    );
    assert!(
        stderr.contains("gpu-operator-version: passed: "),
        "{stderr}"
    );
}

#[test]
fn a_closed_stdout_and_a_closed_stderr_keep_the_verdict() {
    let (dir, recipe) = fixture("both", true);
    for (deployed, code) in [("v25.10.1", 0), ("v24.3.0", 1)] {
        let args = ["deployment", CHECK, "--deployed", deployed, "--json"];
        let cmd = validator(dir.path(), &recipe, &args);
        assert_eq!(code_with_both_closed(cmd), Some(code), "{args:?}");
    }
}
