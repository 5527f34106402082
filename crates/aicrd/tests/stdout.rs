// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! What `aicrd` prints on stdout (`--help`, `--version`), with the reader gone and
//! with a full disk: exit 0 quietly, then a one-line error with exit 1; never a panic.
//! And its log on stderr with the reader gone: the server keeps serving and stops
//! cleanly, its records lost.

mod support;

use std::process::{Command, Stdio};
use std::time::Duration;

use support::Server;

#[test]
fn help_and_version_survive_a_closed_stdout_and_report_a_full_disk() {
    for arg in ["--help", "--version"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_aicrd"))
            .arg(arg)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The only reader is gone before anything is written: the write meets EPIPE.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{arg}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{arg}: {stderr}");
        assert!(stderr.is_empty(), "{arg}: {stderr}");

        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full exists on Linux");
        let out = Command::new(env!("CARGO_BIN_EXE_aicrd"))
            .arg(arg)
            .stdout(full)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{arg}: {stderr}");
        assert_eq!(
            stderr, "error: cannot write to stdout: No space left on device (os error 28)\n",
            "{arg}"
        );

        let out = Command::new(env!("CARGO_BIN_EXE_aicrd"))
            .arg(arg)
            .output()
            .unwrap();
        assert!(out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("aicrd"),
            "{arg} still prints"
        );
    }
}

#[test]
fn the_server_keeps_serving_and_stops_cleanly_when_its_log_reader_is_gone() {
    let mut server = Server::start(&[("LOG_LEVEL", "debug")]);
    // The log's only reader goes away: every record written from now on meets EPIPE.
    server.log = None;
    for path in ["/health", "/ready", "/health"] {
        assert_eq!(support::try_get(&server, path), Some(200), "{path}");
    }
    server.signal("TERM");
    let status = server.wait(Duration::from_secs(60));
    assert_eq!(status.code(), Some(0), "{status}");
}
