// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask headers` on a throwaway repository: it fails on a file without the
//! header, `--fix` repairs it (keeping the file's mode), and a foreign license is
//! reported but never rewritten.

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;

use support::Repo;

const HEADER: &str = "# SPDX-License-Identifier: Apache-2.0\n# Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.\n";

#[test]
fn missing_headers_fail_and_fix_repairs_them() {
    let repo = Repo::new();
    // Only the files below.
    repo.git(&["rm", "--quiet", "Cargo.toml"]);
    fs::create_dir_all(repo.work.join("src")).unwrap();
    fs::write(repo.work.join("src/lib.rs"), "pub fn f() {}\n").unwrap();
    fs::write(repo.work.join("good.toml"), format!("{HEADER}\n[a]\n")).unwrap();
    fs::write(repo.work.join("deploy"), "#!/bin/sh\necho hi\n").unwrap();
    fs::set_permissions(repo.work.join("deploy"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(repo.work.join("notes.md"), "no header needed\n").unwrap();
    fs::write(repo.work.join("ignored.rs"), "fn x() {}\n").unwrap();
    fs::write(repo.work.join(".gitignore"), "ignored.rs\n").unwrap();

    let err = repo
        .xtask(&["headers"])
        .failure("2 of 3 file(s) lack the license header");
    assert!(
        err.contains("src/lib.rs:1: no `SPDX-License-Identifier: Apache-2.0` header"),
        "{err}"
    );
    assert!(err.contains("deploy:1:"), "{err}");
    assert!(
        !err.contains("good.toml") && !err.contains("notes.md") && !err.contains("ignored.rs"),
        "{err}"
    );
    assert!(err.contains("cargo xtask headers --fix"), "{err}");

    repo.xtask(&["headers", "--fix"]).success();
    repo.xtask(&["headers"]).success();
    let lib = fs::read_to_string(repo.work.join("src/lib.rs")).unwrap();
    assert!(
        lib.starts_with("// SPDX-License-Identifier: Apache-2.0\n// Copyright (c) "),
        "{lib}"
    );
    assert!(lib.ends_with("\npub fn f() {}\n"), "{lib}");
    let deploy = fs::read_to_string(repo.work.join("deploy")).unwrap();
    assert!(
        deploy.starts_with("#!/bin/sh\n# SPDX-License-Identifier: Apache-2.0\n"),
        "{deploy}"
    );
    let mode = fs::metadata(repo.work.join("deploy"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o755, "--fix keeps the file's mode");
}

#[test]
fn a_foreign_license_is_reported_and_left_alone() {
    let repo = Repo::new();
    let text = "# SPDX-License-Identifier: MIT\n# Copyright (c) 2020 Someone\nkey: value\n";
    fs::write(repo.work.join("vendored.yaml"), text).unwrap();
    repo.xtask(&["headers", "--fix"])
        .failure("declares `SPDX-License-Identifier: MIT`");
    assert_eq!(
        fs::read_to_string(repo.work.join("vendored.yaml")).unwrap(),
        text
    );
}
