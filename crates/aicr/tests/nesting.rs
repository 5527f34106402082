// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Deeply nested input documents through the real binary: refused before parsing, with
//! exit 2 and the limit named, whatever the syntax (YAML flow, YAML block, JSON) and
//! whichever option reads them. (How fast: `cargo xtask bench aicrd`.)

mod support;

use support::{aicr, workdir};

fn refused(args: &[&str]) -> String {
    let out = aicr(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?} printed output");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    stderr
}

#[test]
fn nested_documents_exit_2_naming_the_limit() {
    let dir = workdir("nesting");
    let cases = [
        ("flow.yaml", "[".repeat(200_000)),
        (
            "flow-closed.yaml",
            format!("{}{}", "[".repeat(100), "]".repeat(100)),
        ),
        (
            "criteria.yaml",
            format!(
                "kind: RecipeCriteria\nspec:\n  service: {}",
                "{a: ".repeat(50_000)
            ),
        ),
        ("object.json", "{\"a\":".repeat(50_000)),
        (
            "block.yaml",
            (0..70)
                .map(|i| format!("{}- k:\n", " ".repeat(2 * i)))
                .collect(),
        ),
        (
            "hidden.yaml",
            format!("a: \"]]]]]]]]\"\nb: |\n  ]]]]]]\nc: {}", "[".repeat(70)),
        ),
    ];
    for (name, text) in &cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let path = path.to_str().unwrap();
        let stderr = refused(&["recipe", "-c", path]);
        assert!(
            stderr.starts_with(&format!("error: {path} is not a RecipeCriteria document: nested deeper than 64 levels at line ")),
            "{stderr}"
        );
        let stderr = refused(&["validate", "-r", path, "-s", path]);
        assert!(stderr.contains("nested deeper than 64 levels"), "{stderr}");
        let stderr = refused(&["recipe", "-s", path]);
        assert!(stderr.contains("nested deeper than 64 levels"), "{stderr}");
    }
}

#[test]
fn documents_at_the_limit_still_parse() {
    let dir = workdir("nesting-ok");
    // 64 levels: the criteria document (2) with a 62-deep value the engine then refuses
    // as a criteria value, not as nesting.
    let path = dir.join("deep-value.yaml");
    std::fs::write(
        &path,
        format!(
            "kind: RecipeCriteria\nspec:\n  service: {}{}\n",
            "[".repeat(62),
            "]".repeat(62)
        ),
    )
    .unwrap();
    let out = aicr(&["recipe", "-c", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("nested deeper"), "{stderr}");
    assert!(stderr.contains("RecipeCriteria document"), "{stderr}");

    let path = dir.join("criteria.json");
    std::fs::write(
        &path,
        r#"{"kind": "RecipeCriteria", "spec": {"service": "eks", "os": "ubuntu"}}"#,
    )
    .unwrap();
    let out = aicr(&["recipe", "-c", path.to_str().unwrap(), "-t", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
