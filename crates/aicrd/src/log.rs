// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! One-line JSON log records on stderr.

use serde_json::{Map, Value, json};

/// Writes `{"time":…,"level":…,"msg":…, fields…}` as one line on stderr.
pub fn record(level: &str, msg: &str, fields: &[(&str, Value)]) {
    let mut line = Map::new();
    line.insert("time".into(), json!(jiff::Timestamp::now().to_string()));
    line.insert("level".into(), json!(level));
    line.insert("msg".into(), json!(msg));
    for (key, value) in fields {
        line.insert((*key).into(), value.clone());
    }
    eprintln!("{}", Value::Object(line));
}

pub fn info(msg: &str, fields: &[(&str, Value)]) {
    record("info", msg, fields);
}

pub fn error(msg: &str, error: &str) {
    record("error", msg, &[("error", json!(error))]);
}
