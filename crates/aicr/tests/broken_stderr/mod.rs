// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! A program run with a stderr that takes nothing: a pipe whose reader is gone (every
//! write is EPIPE, as under `… 2>&1 | head -1` once `head` exits) or `/dev/full` (every
//! write is ENOSPC). Shared by the `stderr` tests of `aicr`, the validator and the
//! xtask, which run their real binaries this way.

#![allow(dead_code)]

use std::fs::{File, OpenOptions};
use std::io::PipeWriter;
use std::process::{Command, Output, Stdio};

/// The write end of a pipe whose only reader is gone.
pub fn closed_pipe() -> PipeWriter {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer
}

/// `/dev/full`, open for writing.
pub fn full() -> File {
    OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full exists on Linux")
}

/// How the program's stderr is set up.
#[derive(Debug, Clone, Copy)]
pub enum Stderr {
    /// A pipe the test reads.
    Working,
    /// A pipe whose only reader is gone before the program starts: every write is EPIPE.
    Closed,
    /// `/dev/full`: every write is ENOSPC.
    Full,
}

/// Runs `cmd` with stdin empty, stdout captured and stderr as `stderr` says.
pub fn run(mut cmd: Command, stderr: Stderr) -> Output {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped());
    match stderr {
        Stderr::Working => cmd.stderr(Stdio::piped()),
        Stderr::Closed => cmd.stderr(closed_pipe()),
        Stderr::Full => cmd.stderr(full()),
    };
    cmd.output().unwrap()
}

/// Runs `cmd` with its stdout closed by the test as soon as it starts and its stderr a
/// pipe whose reader is already gone; returns the exit code.
pub fn code_with_both_closed(mut cmd: Command) -> Option<i32> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(closed_pipe())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait().unwrap().code()
}

/// Runs `make()`'s command with a working, a closed and a full stderr; asserts that
/// the working run exits `code` with `expected` on stderr, and that the others exit
/// `code` too, with the same stdout. Returns the working run's stderr.
#[track_caller]
pub fn same_outcome(make: impl Fn() -> Command, code: i32, expected: &str) -> String {
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
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&working.stdout),
            "{broken:?} stderr"
        );
    }
    stderr
}
