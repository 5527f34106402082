// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Every gate of `cargo xtask qualify` passes on a small clean workspace and fails on a
//! seeded defect in a temporary copy of it.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use support::Repo;

const H: &str = "// SPDX-License-Identifier: Apache-2.0\n// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.\n";
const HASH_H: &str = "# SPDX-License-Identifier: Apache-2.0\n# Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.\n";

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

/// A clean workspace with one binary crate, a release definition and a YAML file.
fn fixture() -> Repo {
    let repo = Repo::new();
    let w = &repo.work;
    let write = |path: &str, text: &str| {
        let path = w.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    };
    write(
        "Cargo.toml",
        &format!(
            "{HASH_H}[workspace]\nresolver = \"3\"\nmembers = [\"demo\"]\n\n[workspace.package]\nedition = \"2024\"\nlicense = \"Apache-2.0\"\n\n[workspace.lints.rust]\nunsafe_code = \"forbid\"\n"
        ),
    );
    write(
        "demo/Cargo.toml",
        &format!(
            "{HASH_H}[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition.workspace = true\nlicense.workspace = true\n\n[dependencies]\n\n[lints]\nworkspace = true\n"
        ),
    );
    write(
        "demo/src/main.rs",
        &format!(
            "{H}\nfn main() {{\n    println!(\"{{}}\", answer());\n}}\n\nfn answer() -> u32 {{\n    42\n}}\n\n#[cfg(test)]\nmod tests {{\n    #[test]\n    fn answers() {{\n        assert_eq!(super::answer(), 42);\n    }}\n}}\n"
        ),
    );
    write(
        "dist/release.toml",
        &format!(
            "{HASH_H}[project]\nname = \"demo\"\nchecksums = \"demo_checksums.txt\"\n\n[[binary]]\nname = \"demo\"\npackage = \"demo\"\ntargets = [\"x86_64-unknown-linux-musl\"]\nformats = [\"tar.gz\"]\n\n[licenses]\nallow = [\"Apache-2.0\", \"MIT\"]\n"
        ),
    );
    fs::copy(
        workspace_root().join(".yamllint.yaml"),
        w.join(".yamllint.yaml"),
    )
    .unwrap();
    write(
        "config.yaml",
        &format!("{HASH_H}name: demo\nitems:\n  - one\n  - two\n"),
    );
    write(".gitignore", "/target\n");
    lockfile(&repo);
    repo
}

fn lockfile(repo: &Repo) {
    let status = std::process::Command::new(env!("CARGO"))
        .args(["generate-lockfile", "--offline", "--quiet"])
        .current_dir(&repo.work)
        .status()
        .unwrap();
    assert!(status.success(), "cargo generate-lockfile");
}

/// The tool directory of this workspace's own gates (`target/tools`): the pinned tools
/// the fixtures need are installed once for both.
fn tools_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the test temporary directory lies in the target directory")
        .join("tools")
}

/// Runs one gate on the fixture.
fn gate(repo: &Repo, gate: &str, extra: &[&str]) -> support::Run {
    let mut args = vec!["qualify", "--only", gate];
    args.extend_from_slice(extra);
    repo.xtask_env(&args, &[("AICR_TOOLS_DIR", tools_dir().to_str().unwrap())])
}

/// Runs gate `name` on the clean fixture (it passes), seeds a defect, runs it again (it
/// fails naming `needle`) and returns that failing run's stderr.
#[track_caller]
fn passes_then_fails(repo: &Repo, name: &str, seed: impl FnOnce(&Repo), needle: &str) -> String {
    let clean = gate(repo, name, &[]);
    assert!(
        clean.ok,
        "{name} should pass on the clean fixture:\n{}",
        clean.stderr
    );
    assert!(
        clean.stderr.contains("qualify: 1 passed, 0 failed"),
        "{}",
        clean.stderr
    );
    seed(repo);
    let err = gate(repo, name, &[]).failure(needle);
    assert!(err.contains("qualify: 0 passed, 1 failed"), "{err}");
    assert!(err.contains(&format!("1 gate(s) failed: {name}")), "{err}");
    err
}

#[test]
fn fmt_fails_on_unformatted_code() {
    let repo = fixture();
    passes_then_fails(
        &repo,
        "fmt",
        |r| {
            fs::write(
                r.work.join("demo/src/lib.rs"),
                format!("{H}pub fn  spaced( )->u8{{1}}\n"),
            )
            .unwrap()
        },
        "cargo fmt --check failed",
    );
}

#[test]
fn clippy_fails_on_a_warning() {
    let repo = fixture();
    passes_then_fails(
        &repo,
        "clippy",
        |r| {
            let main = fs::read_to_string(r.work.join("demo/src/main.rs")).unwrap();
            let seeded = main.replace(
                "    println!(\"{}\", answer());",
                "    let v = vec![answer()];\n    println!(\"{}\", v.len() == 0);",
            );
            fs::write(r.work.join("demo/src/main.rs"), seeded).unwrap();
        },
        "cargo clippy failed",
    );
}

#[test]
fn clippy_with_test_lints_the_test_build_and_a_lint_does_not_stop_the_tests() {
    let repo = fixture();
    let clean = gate(&repo, "clippy,test", &[]);
    assert!(clean.ok, "{}", clean.stderr);
    assert!(
        clean
            .stderr
            .contains("cargo clippy (in the test build) passed")
            && clean.stderr.contains("qualify: 2 passed, 0 failed"),
        "{}",
        clean.stderr
    );
    let main = fs::read_to_string(repo.work.join("demo/src/main.rs")).unwrap();
    fs::write(
        repo.work.join("demo/src/main.rs"),
        main.replace(
            "    println!(\"{}\", answer());",
            "    let v = vec![answer()];\n    println!(\"{}\", v.len() == 0);",
        ),
    )
    .unwrap();
    let run = gate(&repo, "clippy,test", &[]);
    let output = format!("{}{}", run.stdout, run.stderr);
    let err = run.failure("len_zero");
    assert!(
        err.contains("qualify: 1 passed, 1 failed") && err.contains("1 gate(s) failed: clippy"),
        "{err}"
    );
    // The tests ran, the lint reported as a warning in their build.
    assert!(output.contains("answers"), "{output}");
}

#[test]
fn test_fails_on_a_failing_test() {
    let repo = fixture();
    passes_then_fails(
        &repo,
        "test",
        |r| {
            let main = fs::read_to_string(r.work.join("demo/src/main.rs")).unwrap();
            fs::write(
                r.work.join("demo/src/main.rs"),
                main.replace("42\n}", "41\n}"),
            )
            .unwrap();
        },
        "failed",
    );
}

#[test]
fn test_runs_the_doctests_of_a_library_that_has_them() {
    let repo = fixture();
    passes_then_fails(
        &repo,
        "test",
        |r| {
            fs::write(
                r.work.join("demo/src/lib.rs"),
                format!(
                    "{H}\n/// The answer.\n///\n/// ```\n/// assert_eq!(demo::answer(), 41);\n/// ```\npub fn answer() -> u32 {{\n    42\n}}\n"
                ),
            )
            .unwrap();
        },
        "doctest",
    );
}

#[test]
fn unsafe_fails_on_a_crate_that_allows_unsafe_code() {
    let repo = fixture();
    passes_then_fails(
        &repo,
        "unsafe",
        |r| {
            let manifest = fs::read_to_string(r.work.join("demo/Cargo.toml")).unwrap();
            fs::write(
                r.work.join("demo/Cargo.toml"),
                manifest.replace("[lints]\nworkspace = true\n", ""),
            )
            .unwrap();
        },
        "package demo does not forbid unsafe_code",
    );
    // A crate root attribute is enough on its own.
    let main = fs::read_to_string(repo.work.join("demo/src/main.rs")).unwrap();
    fs::write(
        repo.work.join("demo/src/main.rs"),
        main.replacen("\nfn main", "\n#![forbid(unsafe_code)]\n\nfn main", 1),
    )
    .unwrap();
    assert!(gate(&repo, "unsafe", &[]).ok);
}

#[test]
fn headers_fail_on_a_file_without_header() {
    let repo = fixture();
    passes_then_fails(
        &repo,
        "headers",
        |r| fs::write(r.work.join("demo/src/extra.rs"), "pub fn f() {}\n").unwrap(),
        "demo/src/extra.rs:1: no `SPDX-License-Identifier: Apache-2.0` header",
    );
    assert!(
        gate(&repo, "headers", &["--fix-headers"]).ok,
        "--fix-headers repairs it"
    );
}

#[test]
fn yaml_fails_on_a_lint_error() {
    let repo = fixture();
    passes_then_fails(
        &repo,
        "yaml",
        |r| {
            fs::write(
                r.work.join("bad.yml"),
                format!("{HASH_H}key: 1\nkey: 2\nlist:\n    - wrongly indented\n"),
            )
            .unwrap()
        },
        "bad.yml:4: [error]",
    );
    let err = gate(&repo, "yaml", &[]).stderr;
    assert!(err.contains("duplication of key \"key\""), "{err}");
}

#[test]
fn workflows_fail_on_an_actionlint_error() {
    let repo = fixture();
    let workflows = repo.work.join(".github/workflows");
    fs::create_dir_all(&workflows).unwrap();
    fs::write(
        workflows.join("ci.yaml"),
        format!(
            "{HASH_H}name: ci\n\"on\": push\njobs:\n  test:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: cargo test\n"
        ),
    )
    .unwrap();
    let err = passes_then_fails(
        &repo,
        "workflows",
        |r| {
            fs::write(
                r.work.join(".github/workflows/release.yml"),
                format!(
                    "{HASH_H}name: release\n\"on\": push\njobs:\n  publish:\n    needs: build\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{{{ github.no_such_field }}}}\n"
                ),
            )
            .unwrap()
        },
        ".github/workflows/release.yml:6: job \"publish\" needs job \"build\" which does not exist",
    );
    assert!(
        err.contains(".github/workflows/release.yml:10: property \"no_such_field\" is not defined"),
        "{err}"
    );
}

#[test]
fn licenses_fail_on_a_gpl_only_dependency() {
    let repo = fixture();
    passes_then_fails(
        &repo,
        "licenses",
        |r| {
            let dep = r.work.parent().unwrap().join("gpl-dep");
            fs::create_dir_all(dep.join("src")).unwrap();
            fs::write(
                dep.join("Cargo.toml"),
                "[package]\nname = \"gpl-dep\"\nversion = \"1.0.0\"\nedition = \"2024\"\nlicense = \"GPL-3.0-only\"\n",
            )
            .unwrap();
            fs::write(dep.join("src/lib.rs"), "pub fn f() {}\n").unwrap();
            let manifest = fs::read_to_string(r.work.join("demo/Cargo.toml")).unwrap();
            let seeded = manifest.replace(
                "[dependencies]\n",
                "[dependencies]\ngpl-dep = { path = \"../../gpl-dep\" }\n",
            );
            fs::write(r.work.join("demo/Cargo.toml"), seeded).unwrap();
            lockfile(r);
        },
        "gpl-dep 1.0.0: license 'GPL-3.0-only' is not satisfied by the allow-list",
    );
    // An exception with a reason lets it through.
    let def = fs::read_to_string(repo.work.join("dist/release.toml")).unwrap();
    let excepted =
        format!("{def}\n[[licenses.exception]]\ncrate = \"gpl-dep\"\nreason = \"test fixture\"\n");
    fs::write(repo.work.join("dist/release.toml"), excepted).unwrap();
    assert!(gate(&repo, "licenses", &[]).ok);
}

#[test]
fn advisories_fail_on_a_known_vulnerable_crate() {
    let repo = fixture();
    // A few advisories committed in the repository, in the database's own layout.
    let db = support::data("advisory-db");
    let db = db.to_str().unwrap().to_owned();
    let clean = gate(&repo, "advisories", &["--advisory-db", &db]);
    assert!(clean.ok, "{}", clean.stderr);
    assert!(
        clean.stderr.contains("(newest advisory 2025-09-05)"),
        "the database's date is reported: {}",
        clean.stderr
    );
    let lock = fs::read_to_string(repo.work.join("Cargo.lock")).unwrap();
    let seeded = format!(
        "{lock}\n[[package]]\nname = \"smallvec\"\nversion = \"1.6.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[[package]]\nname = \"adler\"\nversion = \"1.0.2\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
    );
    fs::write(repo.work.join("Cargo.lock"), seeded).unwrap();
    let err = gate(&repo, "advisories", &["--advisory-db", &db])
        .failure("smallvec 1.6.0: RUSTSEC-2021-0003");
    assert!(
        err.contains("hint: cargo update -p smallvec (patched: "),
        "{err}"
    );
    assert!(
        err.contains("1 vulnerability and 1 warning(s)"),
        "an unmaintained crate is a warning, not a failure: {err}"
    );
    assert!(
        err.contains("warning: adler 1.0.2: Unmaintained RUSTSEC-2025-0056"),
        "{err}"
    );

    let def = fs::read_to_string(repo.work.join("dist/release.toml")).unwrap();
    let ignored = format!(
        "{def}\n[[advisories.ignore]]\nid = \"RUSTSEC-2021-0003\"\nreason = \"not reachable in the fixture\"\n"
    );
    fs::write(repo.work.join("dist/release.toml"), ignored).unwrap();
    assert!(
        gate(&repo, "advisories", &["--advisory-db", &db]).ok,
        "an ignore with a reason passes"
    );
}

/// Runs the advisories gate with no database configured: no flag, no
/// `AICR_ADVISORY_DB`, an empty cargo home, and git told to fetch from a path that
/// does not exist instead of the network.
fn advisories_without_a_database(repo: &Repo, envs: &[(&str, &str)]) -> support::Run {
    let home = repo.work.parent().unwrap().join("cargo-home");
    fs::create_dir_all(&home).unwrap();
    let mut all = vec![
        ("AICR_TOOLS_DIR", tools_dir().to_str().unwrap().to_owned()),
        ("CARGO_HOME", home.to_str().unwrap().to_owned()),
        ("AICR_ADVISORY_DB", String::new()),
        ("GIT_CONFIG_COUNT", "1".to_owned()),
        (
            "GIT_CONFIG_KEY_0",
            "url./nonexistent/offline/.insteadOf".to_owned(),
        ),
        ("GIT_CONFIG_VALUE_0", "https://".to_owned()),
    ];
    for (k, v) in envs {
        all.retain(|(key, _)| key != k);
        all.push((k, (*v).to_owned()));
    }
    let all: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
    repo.xtask_env(&["qualify", "--only", "advisories"], &all)
}

#[test]
fn advisories_without_a_database_name_the_command_that_fixes_it() {
    let repo = fixture();
    let err = advisories_without_a_database(&repo, &[]).failure("1 gate(s) failed: advisories");
    let home = repo.work.parent().unwrap().join("cargo-home/advisory-db");
    assert!(
        err.contains(&format!(
            "hint: run `git clone --depth 1 https://github.com/rustsec/advisory-db.git {}`, or set AICR_ADVISORY_DB (or pass --advisory-db DIR) to a copy of it",
            home.display()
        )),
        "{err}"
    );
    assert!(!home.exists(), "no half-fetched database is left behind");

    // The variable names a directory that is not there: the hint names the variable.
    let missing = repo.work.parent().unwrap().join("no-such-db");
    let err =
        advisories_without_a_database(&repo, &[("AICR_ADVISORY_DB", missing.to_str().unwrap())])
            .failure("1 gate(s) failed: advisories");
    assert!(
        err.contains(&format!(
            "advisory database {} (from AICR_ADVISORY_DB) does not exist; hint: set AICR_ADVISORY_DB to a copy of https://github.com/rustsec/advisory-db, or unset it",
            missing.display()
        )),
        "{err}"
    );
    // The flag comes first, and a wrong one names the flag.
    let db = support::data("advisory-db");
    let err = repo
        .xtask_env(
            &[
                "qualify",
                "--only",
                "advisories",
                "--advisory-db",
                missing.to_str().unwrap(),
            ],
            &[("AICR_ADVISORY_DB", db.to_str().unwrap())],
        )
        .failure("1 gate(s) failed: advisories");
    assert!(
        err.contains("(from --advisory-db) does not exist; hint: pass --advisory-db DIR"),
        "{err}"
    );
    // A directory that is no advisory database says so.
    let err = advisories_without_a_database(
        &repo,
        &[("AICR_ADVISORY_DB", repo.work.join("demo").to_str().unwrap())],
    )
    .failure("1 gate(s) failed: advisories");
    assert!(err.contains("is not an advisory database"), "{err}");
    // The variable is used when no flag is given.
    let ok = advisories_without_a_database(&repo, &[("AICR_ADVISORY_DB", db.to_str().unwrap())]);
    assert!(ok.ok, "{}", ok.stderr);
}

#[test]
fn json_report_and_github_annotations() {
    let repo = fixture();
    fs::write(repo.work.join("demo/src/extra.rs"), "pub fn f() {}\n").unwrap();
    let summary = repo.work.parent().unwrap().join("step-summary.md");
    let run = repo.xtask_env(
        &["qualify", "--only", "headers,unsafe", "--json"],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ],
    );
    assert!(!run.ok);
    assert!(
        run.stdout
            .contains("::error title=qualify headers,file=demo/src/extra.rs,line=1::"),
        "{}",
        run.stdout
    );
    let json_start = run.stdout.find('{').unwrap();
    let report: serde_json::Value = serde_json::from_str(&run.stdout[json_start..]).unwrap();
    assert_eq!(
        (report["passed"].as_u64(), report["failed"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(report["gates"][0]["gate"], "unsafe");
    assert_eq!(report["gates"][1]["status"], "failed");
    assert_eq!(
        report["gates"][1]["findings"][0]["file"],
        "demo/src/extra.rs"
    );
    let table = fs::read_to_string(summary).unwrap();
    assert!(table.contains("| headers | FAILED |"), "{table}");
}

#[test]
fn notices_report_a_crate_without_a_license_file_and_check_catches_staleness() {
    let repo = fixture();
    let def = fs::read_to_string(repo.work.join("dist/release.toml")).unwrap();
    fs::write(
        repo.work.join("dist/release.toml"),
        def.replace(
            "checksums = \"demo_checksums.txt\"",
            "checksums = \"demo_checksums.txt\"\nnotices = \"THIRD_PARTY_NOTICES.md\"",
        ),
    )
    .unwrap();
    let dep = repo.work.parent().unwrap().join("bare-dep");
    fs::create_dir_all(dep.join("src")).unwrap();
    fs::write(dep.join("Cargo.toml"), "[package]\nname = \"bare-dep\"\nversion = \"0.3.0\"\nedition = \"2024\"\nlicense = \"MIT\"\nrepository = \"https://example.com/bare-dep\"\n").unwrap();
    fs::write(dep.join("src/lib.rs"), "pub fn f() {}\n").unwrap();
    let licensed = repo.work.parent().unwrap().join("licensed-dep");
    fs::create_dir_all(licensed.join("src")).unwrap();
    fs::write(licensed.join("Cargo.toml"), "[package]\nname = \"licensed-dep\"\nversion = \"1.0.0\"\nedition = \"2024\"\nlicense = \"Apache-2.0\"\n").unwrap();
    fs::write(licensed.join("src/lib.rs"), "pub fn g() {}\n").unwrap();
    fs::write(licensed.join("LICENSE"), "Line one\r\nLine two\r\n").unwrap();
    let manifest = fs::read_to_string(repo.work.join("demo/Cargo.toml")).unwrap();
    let seeded = manifest.replace(
        "[dependencies]\n",
        "[dependencies]\nbare-dep = { path = \"../../bare-dep\" }\nlicensed-dep = { path = \"../../licensed-dep\" }\n",
    );
    fs::write(repo.work.join("demo/Cargo.toml"), seeded).unwrap();
    lockfile(&repo);

    gate(&repo, "notices", &[])
        .failure("THIRD_PARTY_NOTICES.md is out of date; hint: run cargo xtask notices");
    let run = repo.xtask(&["notices"]);
    assert!(run.stderr.contains("2 crates, 1 license file(s), 1 crate(s) without an upstream license file (bare-dep 0.3.0)"), "{}", run.stderr);
    let text = fs::read_to_string(repo.work.join("THIRD_PARTY_NOTICES.md")).unwrap();
    assert!(text.contains("## bare-dep 0.3.0\n\n- License: MIT\n- Repository: https://example.com/bare-dep\n\nNo license file shipped upstream.\n"), "{text}");
    assert!(
        text.contains("### LICENSE\n\n```text\nLine one\nLine two\n```\n"),
        "CRLF becomes LF: {text}"
    );
    assert!(gate(&repo, "notices", &[]).ok);
}

#[test]
fn unknown_gates_are_refused() {
    let repo = fixture();
    gate(&repo, "lint", &[]).failure("unknown gate 'lint'");
}
