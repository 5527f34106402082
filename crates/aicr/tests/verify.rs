// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `aicr verify` on hostile bundles, through the real binary: symbolic links are
//! refused rather than followed, FIFOs and devices fail without hanging, names that
//! are absolute or not normalized are refused, and an empty checksum list fails.

mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::{aicr, workdir, write_recipe};

/// A bundle, and the directory holding it (removed when dropped).
fn make_bundle(name: &str) -> (support::WorkDir, PathBuf) {
    let dir = workdir(name);
    let recipe = write_recipe(&dir);
    let bundle = dir.join("bundle");
    let out = aicr(&[
        "bundle",
        "-r",
        recipe.to_str().unwrap(),
        "-o",
        bundle.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (dir, bundle)
}

/// Runs `aicr verify <bundle>`; kills it and fails the test when it has not finished
/// after a minute (a guard against hangs, not a speed assertion).
fn verify(bundle: &Path, extra: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aicr"))
        .arg("verify")
        .arg(bundle)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipes = [
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    ]
    .map(|pipe| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    })
    .into_iter();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("aicr verify {} hangs", bundle.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: pipes.next().unwrap().join().unwrap(),
        stderr: pipes.next().unwrap().join().unwrap(),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn sha256_hex(bytes: &[u8]) -> String {
    let out = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(bytes)?;
            child.wait_with_output()
        })
        .expect("sha256sum runs");
    text(&out.stdout)[..64].to_owned()
}

/// Replaces the line of `name` in checksums.txt (or appends one) with `digest`.
fn list(bundle: &Path, name: &str, digest: &str) {
    let path = bundle.join("checksums.txt");
    let mut lines: Vec<String> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .filter(|l| !l.ends_with(&format!("  {name}")))
        .map(str::to_owned)
        .collect();
    lines.push(format!("{digest}  {name}"));
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

#[test]
fn an_intact_bundle_verifies() {
    let (_dir, bundle) = make_bundle("verify-intact");
    let out = verify(&bundle, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("file(s) verified\n"));
    assert!(!text(&out.stdout).contains("FAIL"));
}

#[test]
fn a_listed_symlink_is_refused_not_followed() {
    let (_dir, bundle) = make_bundle("verify-symlink");
    // A link to /etc/passwd with the checksum of /etc/passwd: following it verifies.
    std::fs::remove_file(bundle.join("README.md")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", bundle.join("README.md")).unwrap();
    list(
        &bundle,
        "README.md",
        &sha256_hex(&std::fs::read("/etc/passwd").unwrap()),
    );
    let out = verify(&bundle, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "FAIL README.md: README.md is a symbolic link; only regular files are verified; refused"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("; FAILED"), "{stdout}");
    assert!(
        text(&out.stderr).contains("1 file(s) of"),
        "{}",
        text(&out.stderr)
    );

    // A linked directory on the way is refused too.
    let real = bundle.parent().unwrap().join("real-gpu-operator");
    std::fs::rename(bundle.join("gpu-operator"), &real).unwrap();
    std::os::unix::fs::symlink(&real, bundle.join("gpu-operator")).unwrap();
    let out = verify(&bundle, &["-t", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let details: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["path"].as_str().unwrap().starts_with("gpu-operator/"))
        .map(|c| c["detail"].as_str().unwrap())
        .collect();
    assert!(!details.is_empty());
    for detail in details {
        assert_eq!(
            detail,
            "gpu-operator is a symbolic link, not a directory of the bundle; refused"
        );
    }
}

#[test]
fn a_fifo_and_a_link_to_dev_zero_fail_without_hanging() {
    let (_dir, bundle) = make_bundle("verify-special");
    std::fs::remove_file(bundle.join("README.md")).unwrap();
    let status = Command::new("mkfifo")
        .arg(bundle.join("README.md"))
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    std::fs::remove_file(bundle.join("deploy.sh")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", bundle.join("deploy.sh")).unwrap();
    let out = verify(&bundle, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for line in [
        "FAIL README.md: README.md is a FIFO; only regular files are verified; refused",
        "FAIL deploy.sh: deploy.sh is a symbolic link; only regular files are verified; refused",
    ] {
        assert!(stdout.contains(line), "{line}:\n{stdout}");
    }
    assert!(!text(&out.stderr).contains("panicked"));
}

#[test]
fn names_that_are_absolute_or_not_normalized_are_refused() {
    let (_dir, bundle) = make_bundle("verify-names");
    let digest = "0".repeat(64);
    for (name, why) in [
        (
            "/etc/passwd",
            "the path is absolute, so it leaves the bundle; refused",
        ),
        (
            "gpu-operator/../../x",
            "the path leaves the bundle; refused",
        ),
        ("./README.md", "the path is not normalized"),
        ("gpu-operator//values.yaml", "the path is not normalized"),
        ("gpu-operator/", "the path is not normalized"),
    ] {
        list(&bundle, name, &digest);
        let out = verify(&bundle, &[]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains(&format!("FAIL {name}: {why}")),
            "{name}:\n{stdout}"
        );
    }
}

#[test]
fn an_empty_or_untrustworthy_checksum_list_fails() {
    let (_dir, bundle) = make_bundle("verify-empty");
    let sums = bundle.join("checksums.txt");
    let original = std::fs::read_to_string(&sums).unwrap();
    std::fs::write(&sums, "").unwrap();
    let out = verify(&bundle, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    assert_eq!(
        text(&out.stderr),
        format!(
            "error: {}/checksums.txt lists no file, so nothing is verified; hint: a bundle's checksums.txt lists every file aicr bundle wrote\n",
            bundle.display()
        )
    );

    // checksums.txt as a link to a list elsewhere, then as a FIFO.
    let elsewhere = bundle.parent().unwrap().join("sums.txt");
    std::fs::write(&elsewhere, &original).unwrap();
    std::fs::remove_file(&sums).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &sums).unwrap();
    let out = verify(&bundle, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        format!(
            "error: {}: checksums.txt is a symbolic link; only regular files are verified; refused\n",
            bundle.display()
        )
    );
    std::fs::remove_file(&sums).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(&sums)
            .status()
            .unwrap()
            .success()
    );
    let out = verify(&bundle, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("checksums.txt is a FIFO; only regular files are verified"),
        "{}",
        text(&out.stderr)
    );

    // A line without a SHA-256 is malformed input.
    std::fs::remove_file(&sums).unwrap();
    std::fs::write(&sums, "xyz  README.md\n").unwrap();
    let out = verify(&bundle, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("checksums.txt line 1 has no SHA-256"),
        "{}",
        text(&out.stderr)
    );
}
