// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The xtask's stderr: when its reader is gone (`cargo xtask … 2>&1 | head -1`, a CI
//! log collector that died) or it is a full disk (`2>/dev/full`), the lines it does not
//! take are dropped and the task ends with the exit code it gives with a working
//! stderr: an error is still exit 1, a success exit 0, never a panic (101).

mod support;

use std::fs::OpenOptions;
use std::process::{Command, Output, Stdio};

use support::release_repo;

/// How the task's stderr is set up.
#[derive(Debug, Clone, Copy)]
enum Stderr {
    /// A pipe the test reads.
    Working,
    /// A pipe whose only reader is gone before the task starts: every write is EPIPE.
    Closed,
    /// `/dev/full`: every write is ENOSPC.
    Full,
}

/// Runs `cmd` with stdin empty, stdout captured and stderr as `stderr` says.
fn run(mut cmd: Command, stderr: Stderr) -> Output {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped());
    match stderr {
        Stderr::Working => cmd.stderr(Stdio::piped()),
        Stderr::Closed => {
            let (reader, writer) = std::io::pipe().unwrap();
            drop(reader);
            cmd.stderr(writer)
        }
        Stderr::Full => cmd.stderr(
            OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .expect("/dev/full exists on Linux"),
        ),
    };
    cmd.output().unwrap()
}

/// Runs `make()`'s command with a working, a closed and a full stderr; asserts that
/// the working run exits `code` with `expected` on stderr, and that the others exit
/// `code` too, with the same stdout. Returns the working run's stderr.
fn same_outcome(make: impl Fn() -> Command, code: i32, expected: &str) -> String {
    let working = run(make(), Stderr::Working);
    let stderr = String::from_utf8_lossy(&working.stderr).into_owned();
    assert_eq!(working.status.code(), Some(code), "{stderr}");
    assert!(stderr.contains(expected), "{expected:?} in:\n{stderr}");
    for broken in [Stderr::Closed, Stderr::Full] {
        let out = run(make(), broken);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{:?} with a {broken:?} stderr: {:?}, stdout: {}",
            make(),
            out.status,
            String::from_utf8_lossy(&out.stdout)
        );
        assert_eq!(out.stdout, working.stdout, "{broken:?} stderr");
    }
    stderr
}

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
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut child = repo
            .xtask_command(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(writer)
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{args:?}");
    }
}
