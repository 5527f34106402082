// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Helpers shared by the `aicr` integration tests: the real binary, per-test
//! directories, and the recipe most tests start from.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the real `aicr` binary.
pub fn aicr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aicr"))
        .args(args)
        .output()
        .expect("aicr runs")
}

/// A fresh directory for one test, removed when the value is dropped.
pub fn workdir(name: &str) -> WorkDir {
    WorkDir(
        tempfile::Builder::new()
            .prefix(&format!("aicr-test-{name}-"))
            .tempdir()
            .expect("a temporary directory"),
    )
}

/// A test's directory: a path while it lives, removed with its contents when dropped.
pub struct WorkDir(tempfile::TempDir);

impl std::ops::Deref for WorkDir {
    type Target = Path;

    fn deref(&self) -> &Path {
        self.0.path()
    }
}

impl AsRef<Path> for WorkDir {
    fn as_ref(&self) -> &Path {
        self.0.path()
    }
}

/// The criteria flags of the eks + h100 + training + ubuntu recipe.
pub const EKS_H100_TRAINING_UBUNTU: [&str; 8] = [
    "--service",
    "eks",
    "--gpu",
    "h100",
    "--intent",
    "training",
    "--os",
    "ubuntu",
];

/// Writes the eks + h100 + training + ubuntu recipe to `dir/recipe.yaml`.
pub fn write_recipe(dir: &Path) -> PathBuf {
    let path = dir.join("recipe.yaml");
    let mut args = vec!["recipe"];
    args.extend(EKS_H100_TRAINING_UBUNTU);
    args.extend(["-o", path.to_str().expect("a UTF-8 path")]);
    let out = aicr(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

/// Runs the real `aicr` binary in `cwd`.
pub fn aicr_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aicr"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("aicr runs")
}

/// The stderr of `out` as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A RecipeResult (JSON) with the given component refs and deployment order.
pub fn recipe_with(components: serde_json::Value, order: &[&str]) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "aicr.nvidia.com/v1alpha1",
        "kind": "RecipeResult",
        "metadata": {
            "version": "0.0.0",
            "appliedOverlays": ["base"],
            "excludedOverlays": [],
            "constraintWarnings": []
        },
        "criteria": {},
        "constraints": [],
        "componentRefs": components,
        "deploymentOrder": order,
        "validation": {}
    })
}

/// A Helm component ref for [`recipe_with`].
pub fn helm_component(name: &str, dependencies: &[&str]) -> serde_json::Value {
    serde_json::json!({
        "name": name,
        "type": "Helm",
        "chart": name,
        "source": "https://charts.example.com/stable",
        "version": "1.2.3",
        "namespace": "apps",
        "dependencyRefs": dependencies,
    })
}

/// Writes `value` as `dir/name` (JSON) and returns the path.
pub fn write_json(dir: &Path, name: &str, value: &serde_json::Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(value).expect("JSON"))
        .expect("write the file");
    path
}
