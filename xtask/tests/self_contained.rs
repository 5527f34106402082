// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The tests need nothing outside the repository. CI checkouts have a `shared`
//! directory beside them (the offline copy of the advisory database the `advisories`
//! gate reads through `.ci/run`), a fresh clone does not; a test reading from it would
//! pass in CI and fail for everyone else. Every Rust source is searched for a path
//! leaving the repository that way, and the committed fixtures the tests read instead
//! must be there.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

/// Every `.rs` file below `dir`, without build output and git data.
fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let name = entry.file_name();
        if entry.file_type().unwrap().is_dir() {
            if name != "target" && name != ".git" {
                rust_files(&path, found);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn no_source_reads_beside_the_checkout() {
    let needles = [concat!("..", "/shared"), concat!("/work", "/shared")];
    let mut files = Vec::new();
    rust_files(workspace_root(), &mut files);
    assert!(files.len() > 20, "the sources were found: {}", files.len());
    let mut offenders = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if needles.iter().any(|needle| line.contains(needle)) {
                offenders.push(format!(
                    "{}:{}: {}",
                    file.strip_prefix(workspace_root()).unwrap().display(),
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "these read outside the repository; commit the data under xtask/tests/data instead:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_committed_fixtures_are_there_and_stay_inside_the_repository() {
    for fixture in [
        "schemas/oci-image-spec-v1.1.1/image-manifest-schema.json",
        "schemas/oci-image-spec-v1.1.1/config-schema.json",
        "schemas/oci-image-spec-v1.1.1/content-descriptor.json",
        "schemas/oci-image-spec-v1.1.1/defs.json",
        "schemas/oci-image-spec-v1.1.1/defs-descriptor.json",
        "schemas/oci-image-spec-v1.1.1/image-index-schema.json",
        "schemas/oci-image-spec-v1.1.1/image-layout-schema.json",
        "schemas/spdx-2.3/spdx-schema.json",
        "advisory-db/crates/smallvec/RUSTSEC-2021-0003.md",
        "advisory-db/LICENSE.txt",
        "README.md",
    ] {
        let path = support::data(fixture).canonicalize().unwrap();
        assert!(
            path.starts_with(workspace_root().canonicalize().unwrap()),
            "{} leaves the repository (a link?)",
            path.display()
        );
        assert!(!fs::read(&path).unwrap().is_empty(), "{fixture} is empty");
    }
}
