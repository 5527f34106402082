// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The real `aicrd` against clients that are slow, idle, vanishing, greedy or
//! inventive, and against configuration that cannot work. Times here are bounds on
//! waiting, never assertions about speed (that is `cargo xtask bench aicrd`).

mod support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use support::{Server, closed_within, exchange, read_response, try_get};

fn body_of(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| panic!("a JSON body: {text}"))
}

#[test]
fn nested_bodies_are_refused_naming_the_limit() {
    let server = Server::start(&[]);
    let limit = 1 << 20;
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        ("/v1/recipe", "application/yaml", vec![b'['; limit]),
        ("/v1/recipe", "application/json", vec![b'['; limit]),
        (
            "/v1/query?selector=criteria",
            "application/yaml",
            "{a: ".repeat(limit / 4).into_bytes(),
        ),
        (
            "/v1/bundle",
            "application/yaml",
            format!("kind: RecipeResult\ncomponentRefs: {}", "[".repeat(100)).into_bytes(),
        ),
        (
            "/v1/bundle",
            "application/json",
            "{\"a\":[".repeat(1000).into_bytes(),
        ),
        (
            "/v1/recipe",
            "application/yaml",
            format!(
                "kind: RecipeCriteria\nspec:\n  service: \"]]]]]]\"\n  os: {}",
                "[".repeat(70)
            )
            .into_bytes(),
        ),
    ];
    for (path, content_type, body) in cases {
        let (status, text) = server.request("POST", path, &[("Content-Type", content_type)], &body);
        assert_eq!(status, 400, "{path} {content_type}: {text}");
        let body = body_of(&text);
        assert_eq!(body["code"], "INVALID_REQUEST");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.contains("nested deeper than 64 levels at line"),
            "{message}"
        );
        assert_eq!(server.get("/health").0, 200);
    }
    // At the limit a document is read, and refused for what it says.
    let ok = format!(
        "{{\"kind\":\"RecipeCriteria\",\"spec\":{{\"service\":{}{}}}}}",
        "[".repeat(62),
        "]".repeat(62)
    );
    let (status, text) = server.request(
        "POST",
        "/v1/recipe",
        &[("Content-Type", "application/json")],
        ok.as_bytes(),
    );
    assert_eq!(status, 400);
    assert!(!text.contains("nested deeper"), "{text}");
}

#[test]
fn a_declared_body_over_the_limit_is_refused_before_it_is_sent() {
    let server = Server::start(&[("AICR_MAX_BODY_BYTES", "1000")]);
    for path in ["/v1/recipe", "/v1/bundle", "/health", "/nowhere"] {
        let mut stream = server.connect();
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n"
        )
        .unwrap();
        // Not one byte of the body is sent: the answer comes anyway.
        let (status, text) = read_response(&mut stream);
        assert_eq!(status, 413, "{path}: {text}");
        let body = body_of(&text);
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("larger than 1000 bytes"),
            "{body}"
        );
    }
    // Exactly at the limit is read (and refused as JSON, not for its size).
    let (status, text) = server.request(
        "POST",
        "/v1/recipe",
        &[("Content-Type", "application/json")],
        &[b' '; 1000],
    );
    assert_eq!(status, 400, "{text}");
    // Chunked bodies have no length up front: counted as they arrive.
    let mut stream = server.connect();
    write!(
        stream,
        "POST /v1/recipe HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .unwrap();
    for _ in 0..3 {
        let _ = write!(stream, "200\r\n{}\r\n", " ".repeat(0x200));
    }
    let (status, _) = read_response(&mut stream);
    assert_eq!(status, 413);
}

#[test]
fn a_client_sending_headers_byte_by_byte_is_disconnected() {
    let server = Server::start(&[("AICR_HEADER_TIMEOUT_SECONDS", "1")]);
    let mut stream = server.connect();
    let request = format!(
        "GET /health HTTP/1.1\r\nHost: t\r\nX-Slow: {}\r\n\r\n",
        "a".repeat(200)
    );
    let mut sent = 0;
    let started = Instant::now();
    let mut closed = false;
    for byte in request.as_bytes() {
        if stream.write_all(&[*byte]).is_err() {
            closed = true;
            break;
        }
        sent += 1;
        if closed_within(&mut stream, Duration::from_millis(250)) {
            closed = true;
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20));
    }
    assert!(closed, "the connection stayed open for all {sent} bytes");
    assert!(sent < request.len(), "the headers were never complete");
    assert!(server.metric("aicr_http_connection_timeouts_total") >= 1.0);
    assert_eq!(server.get("/health").0, 200);
}

#[test]
fn a_client_sending_its_body_slowly_gets_408() {
    let server = Server::start(&[("AICR_BODY_TIMEOUT_SECONDS", "1")]);
    let mut stream = server.connect();
    write!(
        stream,
        "POST /v1/recipe HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"kind\""
    )
    .unwrap();
    let (status, text) = read_response(&mut stream);
    assert_eq!(status, 408, "{text}");
    let body = body_of(&text);
    assert_eq!(body["code"], "TIMEOUT");
    assert_eq!(
        body["message"],
        "the request body was not received within 1s"
    );
}

#[test]
fn idle_keep_alive_connections_are_closed() {
    let server = Server::start(&[("AICR_IDLE_TIMEOUT_SECONDS", "1")]);
    let mut stream = server.connect();
    // Served, kept alive, served again, then left idle.
    for _ in 0..2 {
        let (status, _) = exchange(&mut stream, "GET", "/health", &[], b"", false);
        assert_eq!(status, 200);
    }
    assert!(closed_within(&mut stream, Duration::from_secs(10)));
    // A connection that never sends a byte is idle too.
    let mut silent = server.connect();
    assert!(closed_within(&mut silent, Duration::from_secs(10)));
    assert!(server.metric("aicr_http_connection_timeouts_total") >= 2.0);
}

#[test]
fn connections_beyond_the_limit_are_closed_while_health_answers() {
    let limit = 8;
    let server = Server::start(&[("AICR_MAX_CONNECTIONS", "8")]);
    // A monitor's keep-alive connection, opened first.
    let mut monitor = server.connect();
    assert_eq!(
        exchange(&mut monitor, "GET", "/health", &[], b"", false).0,
        200
    );
    // Idle connections fill the other slots; those beyond the limit are closed at once.
    let mut idle = Vec::new();
    for _ in 0..limit - 1 {
        idle.push(server.connect());
        assert_eq!(
            exchange(&mut monitor, "GET", "/health", &[], b"", false).0,
            200
        );
    }
    let mut refused = 0;
    for _ in 0..20 {
        let mut extra = server.connect();
        if closed_within(&mut extra, Duration::from_secs(5)) {
            refused += 1;
        }
        assert_eq!(
            exchange(&mut monitor, "GET", "/health", &[], b"", false).0,
            200
        );
    }
    assert_eq!(refused, 20);
    for stream in &mut idle {
        assert!(
            !closed_within(stream, Duration::from_millis(50)),
            "held connections stay"
        );
    }
    let metrics = exchange(&mut monitor, "GET", "/metrics", &[], b"", false).1;
    assert!(
        metrics.contains("aicr_http_connections_refused_total 20"),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!("aicr_http_connections_open {limit}")),
        "{metrics}"
    );
    // Slots come back when connections close.
    drop(idle);
    let started = Instant::now();
    while try_get(&server, "/health") != Some(200) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no slot came back"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_client_hanging_up_mid_request_leaves_nothing_in_flight() {
    let mut server = Server::start(&[("SHUTDOWN_TIMEOUT_SECONDS", "30")]);
    let in_flight = |server: &Server| server.metric("aicr_http_requests_in_flight");
    assert_eq!(in_flight(&server), 0.0, "a scrape does not count itself");
    for _ in 0..3 {
        let mut stream = server.connect();
        write!(
            stream,
            "POST /v1/recipe HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"kind\""
        )
        .unwrap();
        let started = Instant::now();
        while in_flight(&server) != 1.0 {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "never in flight"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        drop(stream);
        let started = Instant::now();
        while in_flight(&server) != 0.0 {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the gauge stayed at {}",
                in_flight(&server)
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    server.signal("TERM");
    // Well within the 30 s shutdown timeout: nothing is waited for.
    let status = server.wait(Duration::from_secs(10));
    assert!(status.success(), "{status}");
}

/// HTTP method tokens (RFC 9110 `tchar`s), upper and lower case.
fn method() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,16}"
}

#[test]
fn made_up_methods_and_paths_do_not_grow_the_metrics() {
    let server = Server::start(&[]);
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        cases: 48,
        ..Default::default()
    });
    runner
        .run(&(method(), "/[a-z0-9/]{0,12}"), |(method, path)| {
            let (status, _) = server.request(&method, &path, &[], b"");
            prop_assert!(status >= 200, "{} {} answered {}", method, path, status);
            Ok(())
        })
        .unwrap();
    let metrics = server.metrics();
    let allowed_methods = [
        "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "OTHER",
    ];
    let allowed_paths = [
        "/",
        "/health",
        "/ready",
        "/metrics",
        "/v1/recipe",
        "/v1/query",
        "/v1/bundle",
        "unmatched",
    ];
    let mut seen_other = false;
    for line in metrics
        .lines()
        .filter(|l| l.starts_with("aicr_http_request"))
    {
        if let Some(labels) = line.split_once('{').map(|(_, rest)| rest) {
            let value = |name: &str| {
                labels
                    .split(',')
                    .find_map(|kv| kv.strip_prefix(&format!("{name}=\"")))
                    .map(|v| v.split('"').next().unwrap_or_default().to_owned())
            };
            if let Some(m) = value("method") {
                assert!(allowed_methods.contains(&m.as_str()), "{line}");
                seen_other |= m == "OTHER";
            }
            if let Some(p) = value("path") {
                assert!(allowed_paths.contains(&p.as_str()), "{line}");
            }
        }
    }
    assert!(
        seen_other,
        "made-up methods are counted as OTHER:\n{metrics}"
    );
}

/// Runs aicrd with one variable set; it must refuse to start.
fn refuses(var: &str, value: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aicrd"))
        .args(["--listen", "127.0.0.1:0"])
        .env(var, value)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("aicrd started with {var}={value:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(2), "{var}={value:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    let record = body_of(&stderr);
    assert_eq!(record["level"], "error");
    assert_eq!(record["msg"], "invalid configuration");
    record["error"].as_str().unwrap().to_owned()
}

#[test]
fn impossible_configuration_stops_the_server_naming_the_variable() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "AICR_RATE_LIMIT",
            "0",
            "allowed: a number > 0 and <= 1000000000",
        ),
        ("AICR_RATE_LIMIT", "-5", "allowed: a number > 0"),
        ("AICR_RATE_LIMIT", "fast", "allowed: a number > 0"),
        ("AICR_RATE_LIMIT", "inf", "allowed: a number > 0"),
        (
            "AICR_RATE_BURST",
            "0",
            "allowed: a number >= 1 and <= 1000000000",
        ),
        (
            "AICR_MAX_BODY_BYTES",
            "0",
            "allowed: a whole number from 1 to 67108864",
        ),
        (
            "AICR_MAX_BODY_BYTES",
            "1e6",
            "allowed: a whole number from 1 to 67108864",
        ),
        (
            "AICR_MAX_CONNECTIONS",
            "0",
            "allowed: a whole number from 1 to 100000",
        ),
        (
            "AICR_HEADER_TIMEOUT_SECONDS",
            "0",
            "allowed: a whole number from 1 to 3600",
        ),
        (
            "AICR_BODY_TIMEOUT_SECONDS",
            "99999",
            "allowed: a whole number from 1 to 3600",
        ),
        (
            "AICR_IDLE_TIMEOUT_SECONDS",
            "soon",
            "allowed: a whole number from 1 to 3600",
        ),
        (
            "SHUTDOWN_TIMEOUT_SECONDS",
            "0",
            "allowed: a whole number from 1 to 3600",
        ),
        (
            "SHUTDOWN_DRAIN_SECONDS",
            "45",
            "allowed: less than SHUTDOWN_TIMEOUT_SECONDS (30)",
        ),
        ("LOG_LEVEL", "bogus", "allowed: debug, info, warn, error"),
        (
            "AICR_ALLOWED_SERVICES",
            "bogus",
            "invalid service 'bogus'; allowed: aks, eks, gke, kind, oke, any",
        ),
        (
            "AICR_ALLOWED_ACCELERATORS",
            "h100,v100",
            "invalid accelerator 'v100'",
        ),
        ("AICR_ALLOWED_INTENTS", "train", "invalid intent 'train'"),
        ("AICR_ALLOWED_OS", "windows", "invalid os 'windows'"),
    ];
    for (var, value, allowed) in cases {
        let error = refuses(var, value);
        assert!(error.starts_with(var), "{var}={value}: {error}");
        assert!(error.contains(allowed), "{var}={value}: {error}");
    }
}

#[test]
fn possible_configuration_starts() {
    let server = Server::start(&[
        ("AICR_RATE_LIMIT", "0.5"),
        ("AICR_RATE_BURST", "1"),
        ("AICR_ALLOWED_OS", "AL2, ubuntu"),
        ("LOG_LEVEL", "WARN"),
        ("SHUTDOWN_DRAIN_SECONDS", "29"),
    ]);
    let (status, text) = server.get("/v1/recipe?os=al2023");
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        server.get("/v1/recipe?os=rhel").0,
        429,
        "the burst of 1 is spent"
    );
}
