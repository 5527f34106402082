// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The real `aicrd` on 127.0.0.1 port 0, and raw TCP clients that behave as slow,
//! idle or vanishing clients do.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStderr, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    pub addr: String,
    /// `http://<addr>`.
    pub base: String,
    /// The rest of its log, for tests that read records; `None` closes the pipe's only
    /// reader.
    pub log: Option<BufReader<ChildStderr>>,
}

impl Server {
    /// Starts aicrd on a free port and waits for its "listening" log line.
    pub fn start(envs: &[(&str, &str)]) -> Server {
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
            addr,
            log: Some(stderr),
        }
    }

    /// A new connection with a short read timeout.
    pub fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(&self.addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        stream
    }

    /// One request on a new connection: status and body.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String) {
        let mut stream = self.connect();
        exchange(&mut stream, method, path, headers, body, true)
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        self.request("GET", path, &[], b"")
    }

    /// An HTTP client that returns every status as a response.
    pub fn agent() -> ureq::Agent {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into()
    }

    /// `GET path` through an HTTP client: the status and the body as JSON (a string
    /// when it is not JSON).
    pub fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let mut response = Server::agent()
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

    /// The value of a metric line (`name` with its labels, if any).
    pub fn metric(&self, name: &str) -> f64 {
        let (_, text) = self.get("/metrics");
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no metric {name} in\n{text}"))
    }

    pub fn metrics(&self) -> String {
        self.get("/metrics").1
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args(["-s", name, &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    pub fn wait(&mut self, limit: Duration) -> ExitStatus {
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

/// Writes a request and reads its response (status and body; `close` asks the server
/// to close the connection after it).
pub fn exchange(
    stream: &mut TcpStream,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    close: bool,
) -> (u16, String) {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: test\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream
        .write_all(head.as_bytes())
        .expect("write the request head");
    stream.write_all(body).expect("write the request body");
    read_response(stream)
}

/// Reads one response: the status and the body (by Content-Length).
pub fn read_response(stream: &mut TcpStream) -> (u16, String) {
    try_read_response(stream).expect("a response before the connection closed")
}

/// One request on a new connection, or `None` when the server closes it unanswered.
pub fn try_get(server: &Server, path: &str) -> Option<u16> {
    let mut stream = server.connect();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    try_read_response(&mut stream).map(|(status, _)| status)
}

/// Reads one response, or `None` when the connection closes before one.
pub fn try_read_response(stream: &mut TcpStream) -> Option<(u16, String)> {
    let started = Instant::now();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let status: u16 = head
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("a status line: {head}"));
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                match stream.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    Err(_) => assert!(started.elapsed() < Duration::from_secs(20), "no body"),
                }
            }
            let body = String::from_utf8_lossy(&buf[end + 4..]).into_owned();
            return Some((status, body));
        }
        match stream.read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return None;
            }
            Err(_) => assert!(
                started.elapsed() < Duration::from_secs(20),
                "no response within 20 s"
            ),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Whether the server has closed this connection: waits up to `limit` for end of file
/// (or a reset), reading and discarding anything else.
pub fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    let started = Instant::now();
    let mut chunk = [0u8; 4096];
    while started.elapsed() < limit {
        match stream.read(&mut chunk) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return true,
        }
    }
    false
}
