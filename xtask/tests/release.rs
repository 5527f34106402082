// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask release --snapshot` with fake binaries on throwaway repositories:
//! byte-reproducible archives across directories, umasks, time zones and file times;
//! a checksum file the real `sha256sum` accepts; artifacts.json; clear errors.

mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

use support::{DEFINITION, release_repo};

/// Runs the xtask through `sh` so that the umask and TZ of the run can be set.
fn xtask_with(repo_dir: &Path, umask: &str, tz: &str, args: &[&str]) -> String {
    let script = format!("umask {umask}; exec \"$0\" \"$@\"");
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_xtask"))
        .arg("-C")
        .arg(repo_dir)
        .args(args)
        .env("TZ", tz)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "xtask {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn dist_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            (
                e.file_name().into_string().unwrap(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn snapshot_archives_are_byte_identical_across_machines_settings() {
    let repo = release_repo();
    let clone_dir = tempfile::tempdir().unwrap();
    let clone = clone_dir.path().join("elsewhere/aicr");
    repo.git(&[
        "clone",
        "--quiet",
        repo.work.to_str().unwrap(),
        clone.to_str().unwrap(),
    ]);
    // Different file times in the clone.
    for file in ["LICENSE", "docs/README.md"] {
        let f = fs::File::options()
            .append(true)
            .open(clone.join(file))
            .unwrap();
        f.set_modified(
            std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000),
        )
        .unwrap();
    }
    let args = ["release", "--snapshot", "--all-targets", "--fake-binaries"];
    xtask_with(&repo.work, "022", "UTC", &args);
    xtask_with(&clone, "077", "Asia/Tokyo", &args);

    let a = dist_files(&repo.work.join("target/dist"));
    let b = dist_files(&clone.join("target/dist"));
    let names: Vec<&str> = a.iter().map(|(n, _)| n.as_str()).collect();
    let short = repo.git(&["rev-parse", "--short", "HEAD"]);
    let v = format!("0.0.1-snapshot+{short}");
    assert_eq!(
        names,
        [
            "THIRD_PARTY_NOTICES.md".to_owned(),
            format!("aicr_{v}.intoto.jsonl"),
            format!("aicr_{v}_darwin_arm64.spdx.json"),
            format!("aicr_{v}_darwin_arm64.tar.gz"),
            format!("aicr_{v}_darwin_arm64.zip"),
            format!("aicr_{v}_darwin_arm64.zip.spdx.json"),
            format!("aicr_{v}_linux_amd64.spdx.json"),
            format!("aicr_{v}_linux_amd64.tar.gz"),
            format!("aicr_{v}_linux_amd64.zip"),
            format!("aicr_{v}_linux_amd64.zip.spdx.json"),
            "aicr_checksums.txt".to_owned(),
            format!("aicrd_{v}_linux_amd64.spdx.json"),
            format!("aicrd_{v}_linux_amd64.tar.gz"),
            "artifacts.json".to_owned(),
            "metadata.json".to_owned(),
        ]
    );
    for ((name, bytes_a), (_, bytes_b)) in a.iter().zip(&b) {
        assert!(bytes_a == bytes_b, "{name} differs between the two runs");
    }
    // The same directory built twice gives the same bytes too.
    xtask_with(&repo.work, "002", "America/New_York", &args);
    assert_eq!(dist_files(&repo.work.join("target/dist")), a);
}

#[test]
fn checksums_pass_sha256sum_strict_and_fail_after_a_byte_flip() {
    let repo = release_repo();
    xtask_with(
        &repo.work,
        "022",
        "UTC",
        &["release", "--snapshot", "--all-targets", "--fake-binaries"],
    );
    let dist = repo.work.join("target/dist");
    let sums = fs::read_to_string(dist.join("aicr_checksums.txt")).unwrap();
    assert_eq!(
        sums.lines().count(),
        11,
        "archives, SBOMs and notices:\n{sums}"
    );
    assert!(sums.ends_with('\n') && !sums.contains('\r'));
    let check = |dir: &Path| {
        Command::new("sha256sum")
            .args(["-c", "--strict", "--ignore-missing", "aicr_checksums.txt"])
            .current_dir(dir)
            .output()
            .unwrap()
    };
    let ok = check(&dist);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );

    let victim = dist.join(sums.lines().next().unwrap().split("  ").nth(1).unwrap());
    let mut bytes = fs::read(&victim).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    fs::write(&victim, bytes).unwrap();
    let bad = check(&dist);
    assert!(
        !bad.status.success(),
        "sha256sum must reject a flipped byte"
    );
    assert!(String::from_utf8_lossy(&bad.stdout).contains("FAILED"));
}

#[test]
fn artifacts_json_describes_every_file_and_archives_hold_a_runnable_binary() {
    let repo = release_repo();
    let json = xtask_with(
        &repo.work,
        "022",
        "UTC",
        &["release", "--snapshot", "--fake-binaries", "--json"],
    );
    let manifest: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(manifest["schema_version"], 1);
    let dist = repo.work.join("target/dist");
    let artifacts = manifest["artifacts"].as_array().unwrap();
    for artifact in artifacts {
        let path = dist.join(artifact["path"].as_str().unwrap());
        let bytes = fs::read(&path).unwrap();
        assert_eq!(artifact["size"], bytes.len() as u64, "{}", path.display());
        let out = Command::new("sha256sum").arg(&path).output().unwrap();
        let digest = String::from_utf8_lossy(&out.stdout)
            .split(' ')
            .next()
            .unwrap()
            .to_owned();
        assert_eq!(artifact["sha256"], digest.as_str(), "{}", path.display());
    }
    let kinds: Vec<&str> = artifacts
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"binary") && kinds.contains(&"archive") && kinds.contains(&"checksum"));
    // The host build only: linux amd64.
    let archive = artifacts
        .iter()
        .find(|a| a["kind"] == "archive" && a["name"].as_str().unwrap().starts_with("aicr_"))
        .unwrap();
    assert_eq!(
        (archive["os"].as_str(), archive["arch"].as_str()),
        (Some("linux"), Some("amd64"))
    );

    let unpacked = tempfile::tempdir().unwrap();
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(dist.join(archive["path"].as_str().unwrap()))
        .arg("-C")
        .arg(unpacked.path())
        .status()
        .unwrap();
    assert!(status.success());
    let mut listed: Vec<String> = fs::read_dir(unpacked.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    listed.sort();
    assert_eq!(listed, ["LICENSE", "README.md", "aicr"]);
    let kinds_of = |kind: &str| artifacts.iter().filter(|a| a["kind"] == kind).count();
    assert_eq!(
        (kinds_of("sbom"), kinds_of("notices")),
        (3, 1),
        "an SBOM per archive, one notices file"
    );
    let sbom: serde_json::Value = serde_json::from_slice(
        &fs::read(
            dist.join(
                archive["path"]
                    .as_str()
                    .unwrap()
                    .replace(".tar.gz", ".spdx.json"),
            ),
        )
        .unwrap(),
    )
    .unwrap();
    let root = sbom["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["primaryPackagePurpose"] == "APPLICATION")
        .unwrap();
    assert_eq!(
        root["checksums"][0]["checksumValue"], archive["sha256"],
        "the SBOM's root is the archive"
    );
    let out = Command::new(unpacked.path().join("aicr"))
        .arg("--version")
        .output()
        .unwrap();
    let short = repo.git(&["rev-parse", "--short", "HEAD"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with(&format!(
            "aicr version 0.0.1-snapshot+{short} (commit: {short}"
        )),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&fs::read(dist.join("metadata.json")).unwrap()).unwrap();
    assert_eq!(metadata["snapshot"], true);
    assert_eq!(metadata["tag"], serde_json::Value::Null);
}

#[test]
fn a_tagged_commit_still_builds_a_snapshot_version() {
    let repo = release_repo();
    repo.tag_pushed("v1.2.3");
    let json = xtask_with(
        &repo.work,
        "022",
        "UTC",
        &["release", "--snapshot", "--fake-binaries", "--json"],
    );
    assert!(json.contains("aicr_1.2.4-snapshot+"), "{json}");
    // cross-build on its own carries the tag's version.
    xtask_with(
        &repo.work,
        "022",
        "UTC",
        &[
            "cross-build",
            "--fake-binaries",
            "--target",
            "x86_64-unknown-linux-musl",
        ],
    );
    xtask_with(&repo.work, "022", "UTC", &["package"]);
    assert!(
        repo.work
            .join("target/dist/aicr_1.2.3_linux_amd64.zip")
            .is_file()
    );
}

#[test]
fn steps_out_of_order_and_bad_definitions_fail_clearly() {
    let repo = release_repo();
    repo.xtask(&["package"])
        .failure("hint: run cargo xtask cross-build");

    fs::write(
        repo.work.join("dist/release.toml"),
        DEFINITION.replace(
            "formats = [\"tar.gz\"]\nfiles",
            "formats = [\"tgz\"]\nfiles",
        ),
    )
    .unwrap();
    repo.xtask(&["release", "--snapshot", "--fake-binaries"])
        .failure("unknown variant `tgz`");

    fs::write(repo.work.join("dist/release.toml"), DEFINITION).unwrap();
    let notices = fs::read_to_string(repo.work.join("THIRD_PARTY_NOTICES.md")).unwrap();
    fs::write(repo.work.join("THIRD_PARTY_NOTICES.md"), "stale\n").unwrap();
    repo.xtask(&["release", "--snapshot", "--fake-binaries"])
        .failure("THIRD_PARTY_NOTICES.md is out of date; hint: run cargo xtask notices");
    fs::write(repo.work.join("THIRD_PARTY_NOTICES.md"), notices).unwrap();
    fs::remove_file(repo.work.join("docs/README.md")).unwrap();
    repo.xtask(&["release", "--snapshot", "--fake-binaries"])
        .failure("docs/README.md, listed in the files of binary 'aicr', does not exist");
    let leftovers: Vec<String> = fs::read_dir(repo.work.join("target/dist"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".tar.gz") || n.ends_with(".zip") || n.starts_with(".tmp"))
        .collect();
    assert_eq!(
        leftovers,
        Vec::<String>::new(),
        "a failed package leaves no archive behind"
    );

    repo.xtask(&["cross-build", "--target", "x86_64-pc-windows-msvc"])
        .failure("unknown target 'x86_64-pc-windows-msvc'");
    repo.xtask(&["release"]).failure("--snapshot");
}

#[test]
fn a_tag_released_for_one_target_builds_its_assets_only() {
    let repo = release_repo();
    repo.tag_pushed("v1.2.3");
    let dry = repo
        .xtask(&[
            "release",
            "--tag",
            "v1.2.3",
            "--target",
            "aarch64-apple-darwin",
            "--dry-run",
        ])
        .success();
    assert!(
        dry.contains("skip github-release") && !dry.contains("aicrd_1.2.3"),
        "{dry}"
    );
    repo.xtask(&[
        "release",
        "--tag",
        "v1.2.3",
        "--target",
        "aarch64-apple-darwin",
        "--fake-binaries",
    ])
    .success();
    let sums = fs::read_to_string(repo.work.join("target/dist/aicr_checksums.txt")).unwrap();
    let names: Vec<&str> = sums
        .lines()
        .map(|l| l.split_once("  ").unwrap().1)
        .collect();
    assert_eq!(
        names,
        [
            "THIRD_PARTY_NOTICES.md",
            "aicr_1.2.3_darwin_arm64.spdx.json",
            "aicr_1.2.3_darwin_arm64.tar.gz",
            "aicr_1.2.3_darwin_arm64.zip",
            "aicr_1.2.3_darwin_arm64.zip.spdx.json",
        ]
    );
    repo.xtask(&[
        "release",
        "--tag",
        "v1.2.3",
        "--target",
        "aarch64-apple-darwin",
        "--publish",
    ])
    .failure("cannot be used with");
    repo.xtask(&["release", "--snapshot", "--target", "aarch64-apple-darwin"])
        .failure("'--snapshot' cannot be used with '--target <TRIPLE>'");
}
