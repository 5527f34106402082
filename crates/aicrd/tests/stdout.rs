// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! What `aicrd` prints on stdout (`--help`, `--version`), with the reader gone and
//! with a full disk: exit 0 quietly, then a one-line error with exit 1; never a panic.
//! And its log on stderr with the reader gone: the server keeps serving and stops
//! cleanly, its records lost.

use std::process::{Command, Stdio};

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

/// `GET path` on a new connection; the status line's code, or `None` when the server
/// closed the connection without answering.
fn status_of(addr: &str, path: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: aicrd\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split(' ').nth(1)?.parse().ok()
}

#[test]
fn the_server_keeps_serving_and_stops_cleanly_when_its_log_reader_is_gone() {
    use std::io::BufRead;
    /// Kills the server when the test ends, passed or failed.
    struct Killed(std::process::Child);
    impl Drop for Killed {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut server = Killed(
        Command::new(env!("CARGO_BIN_EXE_aicrd"))
            .args(["--listen", "127.0.0.1:0"])
            .env("LOG_LEVEL", "debug")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let child = &mut server.0;
    let mut log = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let addr = loop {
        line.clear();
        assert!(log.read_line(&mut line).unwrap() > 0, "aicrd exited");
        let record: serde_json::Value = serde_json::from_str(&line).unwrap();
        if record["msg"] == "listening" {
            break record["addr"].as_str().unwrap().to_owned();
        }
    };
    // The log's only reader goes away: every record written from now on meets EPIPE.
    drop(log);
    for path in ["/health", "/ready", "/health"] {
        assert_eq!(status_of(&addr, path), Some(200), "{path}");
    }
    let killed = Command::new("kill")
        .args(["-s", "TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "aicrd did not stop"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "{status}");
}
