// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! One-line JSON log records on stderr, filtered by `LOG_LEVEL` (`debug`, `info`,
//! `warn`, `error`; `info` by default). Requests are logged at `debug`.

use std::io::Write;
use std::sync::OnceLock;

use serde_json::{Map, Value, json};

fn rank(level: &str) -> u8 {
    match level {
        "debug" => 0,
        "info" => 1,
        "warn" | "warning" => 2,
        _ => 3,
    }
}

static THRESHOLD: OnceLock<u8> = OnceLock::new();

/// Sets the level (already checked by the configuration) once, at startup; until then
/// and by default, `info`.
pub fn set_level(level: &str) {
    let _ = THRESHOLD.set(rank(level));
}

fn threshold() -> u8 {
    *THRESHOLD.get().unwrap_or(&1)
}

/// Whether records of `level` are written.
pub fn enabled(level: &str) -> bool {
    rank(level) >= threshold()
}

/// Writes `{"time":…,"level":…,"msg":…, fields…}` as one line on stderr; a line
/// stderr does not take is dropped.
pub fn record(level: &str, msg: &str, fields: &[(&str, Value)]) {
    if enabled(level) {
        write(level, msg, fields);
    }
}

fn write(level: &str, msg: &str, fields: &[(&str, Value)]) {
    let mut line = Map::new();
    line.insert("time".into(), json!(jiff::Timestamp::now().to_string()));
    line.insert("level".into(), json!(level));
    line.insert("msg".into(), json!(msg));
    for (key, value) in fields {
        line.insert((*key).into(), value.clone());
    }
    // A record that cannot be written (the log's reader gone, a full disk) is lost;
    // the server keeps serving. `eprintln!` would panic the task that logs instead.
    let _ = writeln!(std::io::stderr().lock(), "{}", Value::Object(line));
}

/// Writes a record whatever `LOG_LEVEL` says: for the one line operators (and tests)
/// wait for, the address the server listens on.
pub fn always(msg: &str, fields: &[(&str, Value)]) {
    write("info", msg, fields);
}

pub fn info(msg: &str, fields: &[(&str, Value)]) {
    record("info", msg, fields);
}

pub fn error(msg: &str, error: &str) {
    record("error", msg, &[("error", json!(error))]);
}
