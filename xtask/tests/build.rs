// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask build` and `cargo xtask version` on a real checkout: a workspace
//! committed into a throwaway repository and tagged, so the binary it builds must say
//! exactly which release it is.

mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

use support::{EPOCH, Repo};

/// A workspace whose one binary, `aicr`, prints its version line through the product's
/// own `build_info` module (copied from `crates/aicr`), so the stamp a build passes is
/// read exactly as the shipped binaries read it. In the e2e gate, the product binaries
/// built by the release pipeline print their `--version` line with the snapshot's
/// version.
fn stamped_workspace(repo: &Repo) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("crates/aicr/src/build_info.rs");
    let src = repo.work.join("aicr/src");
    fs::create_dir_all(&src).unwrap();
    fs::copy(&source, src.join("build_info.rs")).unwrap();
    fs::write(
        src.join("main.rs"),
        "mod build_info;\n\nfn main() {\n    println!(\"{}\", build_info::BUILD.version_line(\"aicr\"));\n}\n",
    )
    .unwrap();
    fs::write(
        repo.work.join("aicr/Cargo.toml"),
        "[package]\nname = \"aicr\"\nversion = \"0.1.0\"\nedition = \"2024\"\nlicense = \"Apache-2.0\"\n",
    )
    .unwrap();
    fs::write(
        repo.work.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"aicr\"]\n\n[workspace.package]\nrepository = \"https://github.com/NVIDIA/aicr\"\n",
    )
    .unwrap();
    let status = Command::new(env!("CARGO"))
        .args(["generate-lockfile", "--offline", "--quiet"])
        .current_dir(&repo.work)
        .status()
        .unwrap();
    assert!(status.success(), "cargo generate-lockfile failed");
    fs::write(repo.work.join(".gitignore"), "/target\n").unwrap();
}

#[test]
fn build_on_a_tagged_head_stamps_version_commit_and_date() {
    let repo = Repo::new();
    stamped_workspace(&repo);
    repo.git(&["add", "."]);
    repo.git(&["commit", "--quiet", "-m", "feat: the workspace"]);
    repo.git(&["tag", "-a", "-m", "Release v1.2.3", "v1.2.3"]);
    let short = repo.git(&["rev-parse", "--short", "HEAD"]);
    // Repo::commit advances the clock one minute per commit; this is the second commit.
    let date = "2026-01-02T03:05:05Z";
    assert_eq!(
        repo.git(&["log", "-1", "--format=%ct"]),
        (EPOCH + 60).to_string()
    );

    let stamp: serde_json::Value =
        serde_json::from_str(&repo.xtask(&["version", "--json"]).success()).unwrap();
    assert_eq!(stamp["version"], "1.2.3");
    assert_eq!(stamp["tag"], "v1.2.3");
    assert_eq!(stamp["short_commit"], short.as_str());
    assert_eq!(stamp["date"], date);
    assert_eq!(stamp["source_date_epoch"], EPOCH + 60);

    let target = tempfile::tempdir().unwrap();
    let out = repo
        .xtask_command(&["build", "--package", "aicr"])
        .env("CARGO_TARGET_DIR", target.path())
        .env_remove("AICR_VERSION")
        .env_remove("AICR_COMMIT")
        .env_remove("AICR_DATE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "build failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let aicr = stdout
        .lines()
        .find(|l| l.ends_with("/aicr"))
        .unwrap_or_else(|| panic!("no aicr binary in {stdout}"));
    let out = Command::new(aicr).output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("aicr version 1.2.3 (commit: {short}, date: {date})")
    );
}

#[test]
fn untagged_and_dirty_checkouts_get_snapshot_versions() {
    let repo = Repo::new();
    repo.tag_pushed("v1.2.3");
    repo.commit_pushed("fix: after the release");
    let short = repo.git(&["rev-parse", "--short", "HEAD"]);
    let version = repo.xtask(&["version"]).success();
    assert_eq!(version.trim(), format!("1.2.4-snapshot+{short}"));

    fs::write(repo.work.join("scratch.txt"), "x").unwrap();
    let version = repo.xtask(&["version"]).success();
    assert_eq!(version.trim(), format!("1.2.4-snapshot+{short}.dirty"));
}

#[test]
fn outside_a_repository_the_error_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["-C", dir.path().to_str().unwrap(), "version"])
        .env("GIT_CEILING_DIRECTORIES", dir.path().parent().unwrap())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not a git work tree; hint:"), "{stderr}");
}

/// Each package of `cargo tree` run with `args` in this workspace, with its features.
fn features(
    args: &[&str],
) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--locked",
            "--offline",
            "--prefix",
            "none",
            "--format",
            "{p}|{f}",
        ])
        .args(args)
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut packages = std::collections::BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let Some((package, features)) = line.split_once('|') else {
            continue;
        };
        let package = package
            .trim_end_matches(" (*)")
            .trim_end_matches(" (proc-macro)")
            .to_owned();
        let features = features.trim_end_matches(" (*)");
        packages
            .entry(package)
            .or_insert_with(std::collections::BTreeSet::new)
            .extend(
                features
                    .split(',')
                    .filter(|f| !f.is_empty())
                    .map(str::to_owned),
            );
    }
    packages
}

/// `cargo xtask` builds the xtask alone; `cargo test --workspace` builds it with the
/// products and every dev-dependency, and cargo resolves a crate's features over what
/// it builds. A crate both use compiles twice when its features differ (and so does
/// every crate above it): the xtask's manifest enables the test build's features on them.
#[test]
fn the_xtask_build_shares_its_dependencies_with_the_test_build() {
    let xtask = features(&["--package", "xtask", "--edges", "normal,build"]);
    let workspace = features(&["--workspace", "--edges", "normal,build,dev"]);
    let differ: Vec<String> = xtask
        .iter()
        .filter_map(|(package, own)| {
            let all = workspace.get(package)?;
            (own != all).then(|| {
                let missing: Vec<&str> = all.difference(own).map(String::as_str).collect();
                format!("{package}: add features {missing:?}")
            })
        })
        .collect();
    assert!(
        differ.is_empty(),
        "the xtask's own build and the workspace's test build give these crates different features, so both compile them; enable the features in xtask/Cargo.toml:\n{}",
        differ.join("\n")
    );
}
