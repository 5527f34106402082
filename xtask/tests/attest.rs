// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask attest`, `keygen` and `verify`: a signed snapshot release verifies, and
//! every tampering is caught with a precise message.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use support::{Repo, release_repo};

struct Signed {
    repo: Repo,
    dist: PathBuf,
    private: PathBuf,
    public: PathBuf,
}

fn signed_release() -> Signed {
    let repo = release_repo();
    let keys = repo.work.parent().unwrap().join("keys");
    repo.xtask(&["keygen", "--out", keys.to_str().unwrap()])
        .success();
    let private = keys.join("aicr-signing.key");
    let public = keys.join("aicr-signing.pub");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        fs::metadata(&private).unwrap().permissions().mode() & 0o777,
        0o600,
        "the private key is private"
    );
    let run = repo.xtask(&[
        "release",
        "--snapshot",
        "--all-targets",
        "--fake-binaries",
        "--key",
        private.to_str().unwrap(),
    ]);
    let stderr = run.stderr.clone();
    run.success();
    assert!(
        !stderr.contains("PRIVATE KEY"),
        "the key never appears in the output"
    );
    let dist = repo.work.join("target/dist");
    for entry in fs::read_dir(&dist).unwrap() {
        let text = fs::read(entry.unwrap().path()).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&text).contains("PRIVATE KEY"),
            "no private key in target/dist"
        );
    }
    Signed {
        repo,
        dist,
        private,
        public,
    }
}

fn verify(s: &Signed, key: &Path) -> support::Run {
    s.repo.xtask(&[
        "verify",
        "--dist",
        s.dist.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ])
}

fn bundle(dist: &Path) -> PathBuf {
    fs::read_dir(dist)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".intoto.jsonl"))
        .unwrap()
}

fn first_archive(dist: &Path) -> PathBuf {
    let mut archives: Vec<PathBuf> = fs::read_dir(dist)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .collect();
    archives.sort();
    archives.remove(0)
}

#[test]
fn round_trip_passes_and_the_statement_is_slsa_provenance() {
    let s = signed_release();
    let out = verify(&s, &s.public).success();
    assert!(out.trim_end().ends_with("PASSED"), "{out}");
    assert!(!out.contains("FAIL"), "{out}");
    let line = fs::read_to_string(bundle(&s.dist)).unwrap();
    assert_eq!(line.lines().count(), 1);
    let envelope: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(envelope["payloadType"], "application/vnd.in-toto+json");
    let statement: serde_json::Value = serde_json::from_slice(
        &STANDARD
            .decode(envelope["payload"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(statement["predicateType"], "https://slsa.dev/provenance/v1");
    let predicate = &statement["predicate"];
    assert!(
        predicate["buildDefinition"]["buildType"]
            .as_str()
            .unwrap()
            .ends_with("/release/v1")
    );
    assert_eq!(
        predicate["buildDefinition"]["externalParameters"]["snapshot"],
        true
    );
    let commit = s.repo.git(&["rev-parse", "HEAD"]);
    assert_eq!(
        predicate["buildDefinition"]["resolvedDependencies"][0]["digest"]["gitCommit"],
        commit.as_str()
    );
    assert_eq!(
        predicate["runDetails"]["metadata"]["startedOn"], "2026-01-02T03:05:05Z",
        "snapshots use the commit time"
    );
    let sums = fs::read_to_string(s.dist.join("aicr_checksums.txt")).unwrap();
    assert_eq!(
        statement["subject"].as_array().unwrap().len(),
        sums.lines().count()
    );
}

#[test]
fn snapshot_provenance_is_reproducible() {
    let s = signed_release();
    let first = fs::read(bundle(&s.dist)).unwrap();
    s.repo
        .xtask(&[
            "release",
            "--snapshot",
            "--all-targets",
            "--fake-binaries",
            "--key",
            s.private.to_str().unwrap(),
        ])
        .success();
    assert_eq!(fs::read(bundle(&s.dist)).unwrap(), first);
}

#[test]
fn a_flipped_byte_in_an_archive_fails() {
    let s = signed_release();
    let archive = first_archive(&s.dist);
    let mut bytes = fs::read(&archive).unwrap();
    let i = bytes.len() / 2;
    bytes[i] ^= 1;
    fs::write(&archive, bytes).unwrap();
    let out = verify(&s, &s.public);
    assert!(!out.ok);
    let name = archive.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        out.stdout.contains(&format!(
            "FAIL aicr_checksums.txt matches every file it lists: {name}: SHA-256"
        )),
        "{}",
        out.stdout
    );
    assert!(out.stdout.trim_end().ends_with("FAILED"));
}

#[test]
fn a_removed_checksum_line_fails() {
    let s = signed_release();
    let path = s.dist.join("aicr_checksums.txt");
    let sums = fs::read_to_string(&path).unwrap();
    let removed = sums
        .lines()
        .next()
        .unwrap()
        .split("  ")
        .nth(1)
        .unwrap()
        .to_owned();
    fs::write(
        &path,
        sums.lines()
            .skip(1)
            .map(|l| format!("{l}\n"))
            .collect::<String>(),
    )
    .unwrap();
    let out = verify(&s, &s.public);
    assert!(
        out.stdout.contains(&format!(
            "FAIL aicr_checksums.txt lists every release asset: not listed: {removed}"
        )),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!("{removed} is not a subject"))
            || out.stdout.contains("subject"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_modified_payload_fails_the_signature() {
    let s = signed_release();
    let path = bundle(&s.dist);
    let mut envelope: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    let mut payload = STANDARD
        .decode(envelope["payload"].as_str().unwrap())
        .unwrap();
    payload.extend_from_slice(b" ");
    envelope["payload"] = STANDARD.encode(payload).into();
    fs::write(&path, format!("{envelope}\n")).unwrap();
    let out = verify(&s, &s.public);
    assert!(
        out.stdout.contains("does not match the payload"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_signature_from_another_key_fails() {
    let s = signed_release();
    let other = s.repo.work.parent().unwrap().join("other");
    s.repo
        .xtask(&["keygen", "--out", other.to_str().unwrap()])
        .success();
    let out = verify(&s, &other.join("aicr-signing.pub"));
    assert!(
        out.stdout.contains("FAIL") && out.stdout.contains("no signature by key"),
        "{}",
        out.stdout
    );
    // Re-signing with the other key does not pass for the original key either.
    s.repo
        .xtask(&[
            "attest",
            "--key",
            other.join("aicr-signing.key").to_str().unwrap(),
        ])
        .success();
    let out = verify(&s, &s.public);
    assert!(out.stdout.contains("no signature by key"), "{}", out.stdout);
}

#[test]
fn a_subject_digest_mismatch_fails_even_when_signed() {
    let s = signed_release();
    // Change a checksum line and the archive consistently: the files agree with the
    // checksum file, but the signed subjects do not.
    let archive = first_archive(&s.dist);
    let mut bytes = fs::read(&archive).unwrap();
    bytes.extend_from_slice(b"tail");
    fs::write(&archive, &bytes).unwrap();
    let name = archive.file_name().unwrap().to_string_lossy().into_owned();
    let digest = {
        use sha2::Digest;
        sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let path = s.dist.join("aicr_checksums.txt");
    let sums: String = fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|l| {
            if l.ends_with(&format!("  {name}")) {
                format!("{digest}  {name}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    fs::write(&path, sums).unwrap();
    let out = verify(&s, &s.public);
    assert!(
        out.stdout.contains(&format!("subject {name} has digest")),
        "{}",
        out.stdout
    );
}

#[test]
fn an_archive_with_a_parent_dir_entry_fails() {
    let s = signed_release();
    let archive = first_archive(&s.dist);
    let mut header = tar::Header::new_ustar();
    header.as_old_mut().name[..9].copy_from_slice(b"../escape");
    header.set_size(3);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    builder.append(&header, &b"bad"[..]).unwrap();
    let bytes = builder.into_inner().unwrap().finish().unwrap();
    fs::write(&archive, bytes).unwrap();
    let out = verify(&s, &s.public);
    assert!(
        out.stdout.contains("entry '../escape' escapes the archive"),
        "{}",
        out.stdout
    );
}

#[test]
fn unsigned_provenance_says_so_and_does_not_verify() {
    let repo = release_repo();
    let run = repo.xtask(&["release", "--snapshot", "--fake-binaries"]);
    assert!(run.stderr.contains("written UNSIGNED"), "{}", run.stderr);
    let keys = repo.work.parent().unwrap().join("keys");
    repo.xtask(&["keygen", "--out", keys.to_str().unwrap()])
        .success();
    repo.xtask(&["keygen", "--out", keys.to_str().unwrap()])
        .failure("already exists");
    let out = repo.xtask(&[
        "verify",
        "--key",
        keys.join("aicr-signing.pub").to_str().unwrap(),
    ]);
    assert!(
        out.stdout.contains("the envelope is not signed"),
        "{}",
        out.stdout
    );
}

/// Runs `verify` with a guard against hangs (a FIFO or `/dev/zero` read forever).
fn verify_within(s: &Signed) -> support::Run {
    s.repo.xtask_within(
        &[
            "verify",
            "--dist",
            s.dist.to_str().unwrap(),
            "--key",
            s.public.to_str().unwrap(),
        ],
        std::time::Duration::from_secs(60),
    )
}

fn archives(dist: &Path) -> Vec<PathBuf> {
    let mut archives: Vec<PathBuf> = fs::read_dir(dist)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .collect();
    archives.sort();
    archives
}

fn name_of(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn a_listed_symlink_is_refused_not_followed() {
    let s = signed_release();
    let archive = first_archive(&s.dist);
    let name = name_of(&archive);
    // The link points at a file whose checksum is then listed: following it would
    // verify /etc/passwd as the archive.
    fs::remove_file(&archive).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", &archive).unwrap();
    let digest = {
        use sha2::Digest;
        sha2::Sha256::digest(fs::read("/etc/passwd").unwrap())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let path = s.dist.join("aicr_checksums.txt");
    let sums: String = fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|l| {
            if l.ends_with(&format!("  {name}")) {
                format!("{digest}  {name}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    fs::write(&path, sums).unwrap();
    let out = verify_within(&s);
    assert!(!out.ok);
    assert!(
        out.stdout.contains(&format!(
            "FAIL aicr_checksums.txt matches every file it lists: {name} is listed but not verifiable: {name} is a symbolic link, not a regular file; refused"
        )),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!(
            "FAIL the directory holds only regular files and directories: refused: {name} (a symbolic link)"
        )),
        "{}",
        out.stdout
    );
    assert!(out.stdout.trim_end().ends_with("FAILED"), "{}", out.stdout);
}

#[test]
fn a_fifo_and_a_link_to_dev_zero_fail_without_hanging() {
    let s = signed_release();
    let archives = archives(&s.dist);
    assert!(archives.len() >= 2, "{archives:?}");
    let (fifo, zero) = (&archives[0], &archives[1]);
    fs::remove_file(fifo).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(fifo)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    fs::remove_file(zero).unwrap();
    std::os::unix::fs::symlink("/dev/zero", zero).unwrap();
    let out = verify_within(&s);
    assert!(!out.ok);
    for (name, kind) in [
        (name_of(fifo), "a FIFO"),
        (name_of(zero), "a symbolic link"),
    ] {
        assert!(
            out.stdout
                .contains(&format!("{name} is {kind}, not a regular file; refused")),
            "{name}: {}",
            out.stdout
        );
    }
    assert!(
        out.stdout.contains(&format!(
            "FAIL the directory holds only regular files and directories: refused: {} (a FIFO), {} (a symbolic link)",
            name_of(fifo),
            name_of(zero)
        )),
        "{}",
        out.stdout
    );
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

#[test]
fn names_that_leave_the_directory_and_empty_lists_are_refused() {
    let s = signed_release();
    let path = s.dist.join("aicr_checksums.txt");
    let original = fs::read_to_string(&path).unwrap();
    let digest = "0".repeat(64);
    for (name, why) in [
        (
            "/etc/passwd",
            "the name is an absolute path, which leaves the directory",
        ),
        (
            "../outside",
            "the name has a '..' segment, which can leave the directory",
        ),
        ("./aicr_checksums.txt", "the name is not a normalized path"),
        ("a//b", "the name is not a normalized path"),
    ] {
        fs::write(&path, format!("{original}{digest}  {name}\n")).unwrap();
        let out = verify_within(&s);
        assert!(!out.ok, "{name}");
        assert!(
            out.stdout.contains(&format!(
                "FAIL aicr_checksums.txt matches every file it lists: {name} is listed but not verifiable: {name:?}: {why}"
            )),
            "{name}: {}",
            out.stdout
        );
    }

    fs::write(&path, "").unwrap();
    let out = verify_within(&s);
    assert!(!out.ok);
    assert!(
        out.stdout.contains(
            "FAIL aicr_checksums.txt is well-formed: it lists no file, so it verifies nothing"
        ),
        "{}",
        out.stdout
    );
    assert!(out.stdout.trim_end().ends_with("FAILED"), "{}", out.stdout);

    // The checksum file itself as a link to a list elsewhere.
    let elsewhere = s.repo.work.parent().unwrap().join("sums.txt");
    fs::write(&elsewhere, &original).unwrap();
    fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
    let out = verify_within(&s);
    assert!(!out.ok);
    assert!(
        out.stderr.contains(
            "error: the checksum file aicr_checksums.txt (a symbolic link) is not a regular file; refused"
        ),
        "{}",
        out.stderr
    );
}
