// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The xtask's stdout: a reader that goes away ends the output quietly (exit 0, as
//! `cargo xtask changelog --all | head` expects), a full disk is a one-line error with
//! a non-zero exit, and neither is ever a panic.

mod support;

use std::process::Stdio;

use support::release_repo;

/// Commands that print data on stdout, in a repository with a release definition.
const PRINTING: [&[&str]; 8] = [
    &["changelog", "--all"],
    &["changelog", "--json"],
    &["version"],
    &["version", "--json"],
    &["plan"],
    &["plan", "--json"],
    &["--help"],
    &["changelog", "--help"],
];

#[test]
fn a_closed_stdout_ends_the_output_quietly() {
    let repo = release_repo();
    for _ in 0..3 {
        repo.commit_pushed("feat: more to print");
    }
    for args in PRINTING {
        let mut child = repo
            .xtask_command(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The only reader goes away before anything is written: the first write
        // meets a closed pipe (EPIPE), whatever the output's size.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("error"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

#[test]
fn a_full_disk_is_an_error_not_a_panic() {
    let repo = release_repo();
    for args in PRINTING {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full exists on Linux");
        let out = repo.xtask_command(args).stdout(full).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("error: cannot write to stdout: No space left on device"),
            "{args:?}: {stderr}"
        );
    }
}
