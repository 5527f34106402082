// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `aicr bundle` and `aicr verify` through the real binary, checked with the real
//! `sha256sum`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{aicr, workdir, write_recipe};

fn make_bundle(dir: &Path, extra: &[&str]) -> PathBuf {
    let recipe = write_recipe(dir);
    let bundle = dir.join("bundle");
    let mut args = vec![
        "bundle",
        "-r",
        recipe.to_str().unwrap(),
        "-o",
        bundle.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = aicr(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    bundle
}

fn sha256sum_check(dir: &Path) -> bool {
    Command::new("sha256sum")
        .args(["-c", "--strict", "--quiet", "checksums.txt"])
        .current_dir(dir)
        .status()
        .unwrap()
        .success()
}

#[test]
fn bundles_verify_with_sha256sum_and_aicr_and_tampering_fails_both() {
    let dir = workdir("verify");
    let bundle = make_bundle(&dir, &["--set", "gpu-operator:driver.version=590.1"]);
    for file in [
        "deploy.sh",
        "undeploy.sh",
        "README.md",
        "recipe.yaml",
        "gpu-operator/values.yaml",
        "gpu-operator/README.md",
    ] {
        assert!(bundle.join(file).is_file(), "{file}");
    }
    let values = std::fs::read_to_string(bundle.join("gpu-operator/values.yaml")).unwrap();
    assert!(values.contains("version: '590.1'"), "{values}");
    let deploy = std::fs::read_to_string(bundle.join("deploy.sh")).unwrap();
    let at = |needle: &str| {
        deploy
            .find(&format!("install '{needle}'"))
            .unwrap_or_else(|| panic!("{needle} in deploy.sh"))
    };
    assert!(at("cert-manager") < at("gpu-operator"), "deployment order");
    let sums = std::fs::read_to_string(bundle.join("checksums.txt")).unwrap();
    let paths: Vec<&str> = sums
        .lines()
        .map(|l| l.split("  ").nth(1).unwrap())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort_unstable();
    assert_eq!(paths, sorted, "checksums.txt is sorted");
    assert!(sha256sum_check(&bundle));
    assert!(aicr(&["verify", bundle.to_str().unwrap()]).status.success());
    if Command::new("shellcheck").arg("--version").output().is_ok() {
        let out = Command::new("shellcheck")
            .arg("deploy.sh")
            .arg("undeploy.sh")
            .current_dir(&bundle)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "shellcheck: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }

    std::fs::write(
        bundle.join("gpu-operator/values.yaml"),
        "driver: {version: evil}\n",
    )
    .unwrap();
    assert!(!sha256sum_check(&bundle));
    let out = aicr(&["verify", bundle.to_str().unwrap(), "-t", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["passed"], false);
    assert_eq!(report["failed"], 1);
}

#[test]
fn paths_that_leave_the_bundle_are_refused() {
    let dir = workdir("escape");
    let bundle = make_bundle(&dir, &[]);
    std::fs::write(dir.join("outside.txt"), "x").unwrap();
    let sums = std::fs::read_to_string(bundle.join("checksums.txt")).unwrap();
    let evil = format!(
        "{sums}2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881  ../outside.txt\n"
    );
    std::fs::write(bundle.join("checksums.txt"), evil).unwrap();
    let out = aicr(&["verify", bundle.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("FAIL ../outside.txt: the path leaves the bundle; refused")
    );
}

#[test]
fn non_empty_directories_need_force_and_sets_are_checked() {
    let dir = workdir("force");
    let bundle = make_bundle(&dir, &["--set", "aws-efa:enabled=false"]);
    assert!(
        !bundle.join("aws-efa").exists(),
        "enabled=false drops the component"
    );
    assert!(
        !std::fs::read_to_string(bundle.join("deploy.sh"))
            .unwrap()
            .contains("aws-efa")
    );
    let recipe = dir.join("recipe.yaml");
    let out = aicr(&[
        "bundle",
        "-r",
        recipe.to_str().unwrap(),
        "-o",
        bundle.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not empty; hint"));
    assert!(
        aicr(&[
            "bundle",
            "-r",
            recipe.to_str().unwrap(),
            "-o",
            bundle.to_str().unwrap(),
            "--force"
        ])
        .status
        .success()
    );
    assert!(bundle.join("aws-efa").exists());
    let out = aicr(&[
        "bundle",
        "-r",
        recipe.to_str().unwrap(),
        "-o",
        dir.join("b2").to_str().unwrap(),
        "--set",
        "nope:x=1",
    ]);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("--set names nope, which the recipe does not include")
    );
    assert!(!dir.join("b2").exists(), "nothing is written on error");
}
