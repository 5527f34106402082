// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The validator binaries' command-line contract.

use std::process::{Command, Output};

fn run(bin: &str, args: &[&str]) -> Output {
    Command::new(bin).args(args).output().expect("binary runs")
}

const BINARIES: [(&str, &str, &str); 3] = [
    (
        env!("CARGO_BIN_EXE_deployment"),
        "deployment",
        "gpu-operator-version",
    ),
    (
        env!("CARGO_BIN_EXE_performance"),
        "performance",
        "nccl-all-reduce-bw",
    ),
    (
        env!("CARGO_BIN_EXE_conformance"),
        "conformance",
        "dra-support",
    ),
];

#[test]
fn version_help_and_list() {
    for (bin, name, check) in BINARIES {
        let out = run(bin, &["--version"]);
        assert!(out.status.success());
        let line = String::from_utf8_lossy(&out.stdout);
        assert!(line.starts_with(&format!("{name} version ")), "{line}");

        let out = run(bin, &["--help"]);
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("2 skipped"));

        let out = run(bin, &["--list"]);
        assert!(out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|l| l == check),
            "{name} lists {check}"
        );
    }
}

#[test]
fn unknown_checks_exit_2_naming_the_known_ones() {
    for (bin, name, check) in BINARIES {
        let out = run(bin, &["no-such-check"]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("unknown check 'no-such-check'") && stderr.contains(check),
            "{stderr}"
        );
    }
}

#[test]
fn known_checks_report_skipped_honestly() {
    for (bin, name, check) in BINARIES {
        let out = run(bin, &[check]);
        assert_eq!(out.status.code(), Some(2), "{name} {check}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("does not implement the check yet"));
    }
}

#[test]
fn a_missing_check_name_is_a_usage_error() {
    for (bin, name, _) in BINARIES {
        let out = run(bin, &[]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("<CHECK>"));
    }
}
