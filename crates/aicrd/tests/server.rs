// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Starts the real `aicrd` binary on 127.0.0.1 and talks to it over HTTP.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStderr, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    base: String,
    _stderr: BufReader<ChildStderr>,
}

impl Server {
    /// Starts aicrd on a free port and waits for its "listening" log line.
    fn start(envs: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_aicrd"))
            .args(["--listen", "127.0.0.1:0"])
            .envs(envs.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("aicrd starts");
        let mut stderr = BufReader::new(child.stderr.take().expect("piped stderr"));
        let mut line = String::new();
        let addr = loop {
            line.clear();
            let n = stderr.read_line(&mut line).expect("read aicrd's log");
            assert!(n > 0, "aicrd exited before listening");
            let record: serde_json::Value =
                serde_json::from_str(&line).expect("log lines are JSON");
            if record["msg"] == "listening" {
                break record["addr"].as_str().expect("addr field").to_owned();
            }
        };
        Server {
            child,
            base: format!("http://{addr}"),
            _stderr: stderr,
        }
    }

    fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut response = agent
            .get(format!("{}{path}", self.base))
            .call()
            .expect("request answered");
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().expect("body");
        (
            status,
            serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body)),
        )
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args(["-s", name, &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    fn wait(&mut self, limit: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                started.elapsed() < limit,
                "aicrd did not exit within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn health_ready_and_root() {
    let server = Server::start(&[]);
    let (status, body) = server.get("/health");
    assert_eq!(status, 200);
    assert_eq!(body["status"], "healthy");
    assert!(
        body["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{body}"
    );

    let (status, body) = server.get("/ready");
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ready");

    let (status, body) = server.get("/");
    assert_eq!(status, 200);
    assert_eq!(body["service"], "aicrd");
    assert_eq!(body["version"], aicr::build_info::BUILD.version);
    let routes: Vec<&str> = body["routes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    for route in &routes {
        let (status, _) = server.get(route);
        assert_eq!(status, 200, "listed route {route} answers");
    }
    assert_eq!(routes, ["/", "/health", "/ready"]);

    let (status, _) = server.get("/nope");
    assert_eq!(status, 404);
}

#[test]
fn sigterm_turns_readiness_off_then_exits_cleanly() {
    let mut server = Server::start(&[
        ("SHUTDOWN_DRAIN_SECONDS", "2"),
        ("SHUTDOWN_TIMEOUT_SECONDS", "5"),
    ]);
    assert_eq!(server.get("/ready").0, 200);
    server.signal("TERM");
    // Readiness turns off at once; the listener stays open for the drain period.
    let started = Instant::now();
    let mut saw_not_ready = false;
    while started.elapsed() < Duration::from_millis(1500) {
        let (status, body) = server.get("/ready");
        if status == 503 {
            assert_eq!(body["status"], "not_ready");
            saw_not_ready = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(saw_not_ready, "/ready never answered 503 while draining");
    // Liveness is unaffected while draining.
    assert_eq!(server.get("/health").0, 200);
    let status = server.wait(Duration::from_secs(5));
    assert!(
        status.success(),
        "aicrd exits 0 after a graceful shutdown, got {status}"
    );
}

#[test]
fn sigint_without_drain_exits_promptly() {
    let mut server = Server::start(&[("SHUTDOWN_TIMEOUT_SECONDS", "5")]);
    assert_eq!(server.get("/health").0, 200);
    server.signal("INT");
    assert!(server.wait(Duration::from_secs(5)).success());
}

#[test]
fn version_flag_prints_the_version_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_aicrd"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        aicr::build_info::BUILD.version_line("aicrd")
    );
}

#[test]
fn a_busy_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_aicrd"))
        .args(["--listen", &addr])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
}
