// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The xtask's stderr: when its reader is gone (`cargo xtask … 2>&1 | head -1`, a CI
//! log collector that died) or it is a full disk (`2>/dev/full`), the lines it does not
//! take are dropped and the task ends with the exit code it gives with a working
//! stderr: an error is still exit 1, a success exit 0, never a panic (101).

#[path = "../../crates/aicr/tests/broken_stderr/mod.rs"]
mod broken_stderr;
mod support;

use std::process::Command;

use broken_stderr::{code_with_both_closed, same_outcome};
use support::release_repo;

#[test]
fn an_error_keeps_its_exit_code_whatever_stderr_takes() {
    let xtask = |args: &'static [&'static str]| {
        move || {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
            cmd.args(args);
            cmd
        }
    };
    same_outcome(
        xtask(&["-C", "/nonexistent", "version"]),
        1,
        "error: cannot open directory /nonexistent",
    );
    // clap's own usage error: exit 2.
    same_outcome(
        xtask(&["no-such-task"]),
        2,
        "unrecognized subcommand 'no-such-task'",
    );
}

#[test]
fn a_success_that_reports_progress_is_exit_0_whatever_stderr_takes() {
    let repo = release_repo();
    // The version on stdout, the commit and the date on stderr.
    let stderr = same_outcome(|| repo.xtask_command(&["version"]), 0, "commit ");
    assert!(stderr.contains("SOURCE_DATE_EPOCH="), "{stderr}");
    // A gate's progress and table, and the echo of the command it runs.
    let stderr = same_outcome(
        || repo.xtask_command(&["qualify", "--only", "fmt"]),
        0,
        "qualify: 1 passed, 0 failed",
    );
    assert!(stderr.contains("$ "), "the command is echoed: {stderr}");
    assert!(stderr.contains(" fmt --all --check"), "{stderr}");
}

#[test]
fn a_closed_stdout_and_a_closed_stderr_end_the_task_quietly() {
    let repo = release_repo();
    for args in [&["version"][..], &["changelog", "--all"]] {
        let code = code_with_both_closed(repo.xtask_command(args));
        assert_eq!(code, Some(0), "{args:?}");
    }
}
