// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask build` and `cargo xtask version` on a real checkout: a copy of this
//! workspace committed into a throwaway repository and tagged, so the binaries it builds
//! must say exactly which release they are.

mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

use support::{EPOCH, Repo};

/// Copies the workspace sources (not `target/`, not `.git`) into `dest`.
fn copy_workspace(dest: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    for entry in ["Cargo.toml", "Cargo.lock", ".cargo", "crates", "xtask"] {
        copy(&root.join(entry), &dest.join(entry));
    }
}

/// Copies a file or a directory tree, keeping the modification times: cargo decides
/// whether a build is fresh by them, and a copy of unchanged sources is unchanged.
fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        fs::create_dir_all(to).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        fs::copy(from, to).unwrap();
    }
    let modified = fs::metadata(from).unwrap().modified().unwrap();
    fs::File::open(to).unwrap().set_modified(modified).unwrap();
}

#[test]
fn build_on_a_tagged_head_stamps_version_commit_and_date() {
    // The copy and its build live at fixed places below the test target directory, so
    // a run on unchanged sources finds the build fresh (paths, file times and the
    // stamp, fixed dates make the same commit, all equal); a lock keeps two runs apart.
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("stamped-build");
    fs::create_dir_all(&base).unwrap();
    let lock = fs::File::create(base.join(".lock")).unwrap();
    lock.lock().unwrap();
    let repo = Repo::with_work_tree(&base.join("work"));
    copy_workspace(&repo.work);
    fs::write(repo.work.join(".gitignore"), "/target\n").unwrap();
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

    // Share compiled dependencies between runs without touching the workspace's own lock.
    let target = base.join("target");
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "-C",
            repo.work.to_str().unwrap(),
            "build",
            "--package",
            "aicr",
        ])
        .env("CARGO_TARGET_DIR", &target)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("AICR_VERSION")
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
    let want = format!("aicr version 1.2.3 (commit: {short}, date: {date})");
    for args in [&["--version"][..], &["version"][..]] {
        let out = Command::new(aicr).args(args).output().unwrap();
        assert!(out.status.success());
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            want,
            "aicr {args:?}"
        );
    }
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
