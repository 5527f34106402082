// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask rebuild` on throwaway repositories with fake binaries: a tagged release
//! built in one checkout is rebuilt from a clone elsewhere and matches asset for asset;
//! seeded differences (an entry's mtime, a changed file, another version stamp, a
//! missing and an extra asset) are each explained, from a directory and from a loopback
//! URL; a promotion differs from its candidate only in the version; images compare by
//! index digest, or by platform manifest for one target; a toolchain other than the
//! tag's is refused.

mod support;

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};
use support::{Repo, Run, release_repo};

const HOST: &str = "x86_64-unknown-linux-musl";

/// Runs the real xtask in `dir` (any checkout), isolated from the user's git config.
fn xtask_in(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("AICR_TOOLS_DIR")
        .envs(envs.iter().copied())
        .output()
        .unwrap();
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A repository tagged `tag` and released (fake binaries, every target) into a
/// directory outside it; returns the repository and the directory.
fn released(tag: &str) -> (Repo, tempfile::TempDir) {
    let repo = release_repo();
    repo.tag_pushed(tag);
    let published = tempfile::tempdir().unwrap();
    repo.xtask(&[
        "release",
        "--tag",
        tag,
        "--fake-binaries",
        "--out",
        published.path().to_str().unwrap(),
    ])
    .success();
    (repo, published)
}

/// A clone of the repository in another directory (tags included).
fn clone_of(repo: &Repo) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let clone = dir.path().join("somewhere/else/aicr");
    repo.git(&[
        "clone",
        "--quiet",
        repo.work.to_str().unwrap(),
        clone.to_str().unwrap(),
    ]);
    (dir, clone)
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Rewrites the checksum line of `name` in `dir` after its file changed.
fn relist(dir: &Path, name: &str) {
    let sums = dir.join("aicr_checksums.txt");
    let digest = sha256(&fs::read(dir.join(name)).unwrap());
    let text: String = fs::read_to_string(&sums)
        .unwrap()
        .lines()
        .map(|line| match line.split_once("  ") {
            Some((_, n)) if n == name => format!("{digest}  {name}\n"),
            _ => format!("{line}\n"),
        })
        .collect();
    fs::write(sums, text).unwrap();
}

/// Rewrites a tar.gz in place, letting `change` edit each entry's header and content.
fn rewrite_tar_gz(path: &Path, change: impl Fn(&str, &mut tar::Header, &mut Vec<u8>)) {
    let bytes = fs::read(path).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
    let mut builder = tar::Builder::new(Vec::new());
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().display().to_string();
        let mut header = entry.header().clone();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        change(&name, &mut header, &mut content);
        header.set_size(content.len() as u64);
        header.set_cksum();
        builder.append(&header, &content[..]).unwrap();
    }
    let tar = builder.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(9));
    std::io::Write::write_all(&mut gz, &tar).unwrap();
    fs::write(path, gz.finish().unwrap()).unwrap();
}

fn report(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("no JSON report ({e}):\n{}\n{}", run.stdout, run.stderr))
}

fn asset<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no asset {name} in {report:#}"))
}

#[test]
fn a_release_rebuilt_from_a_clone_elsewhere_matches_asset_for_asset() {
    let (repo, published) = released("v1.2.3");
    let (_dir, clone) = clone_of(&repo);
    let against = published.path().to_str().unwrap();
    let out = xtask_in(
        &clone,
        &[
            "rebuild",
            "--tag",
            "v1.2.3",
            "--against",
            against,
            "--fake-binaries",
        ],
        &[],
    )
    .success();
    let lines: Vec<&str> = out.lines().collect();
    let sums = fs::read_to_string(published.path().join("aicr_checksums.txt")).unwrap();
    assert_eq!(lines.len(), sums.lines().count() + 1, "{out}");
    for line in sums.lines() {
        let (digest, name) = line.split_once("  ").unwrap();
        assert!(
            lines.iter().any(|l| l.starts_with("ok ")
                && l.contains(name)
                && l.ends_with(&format!("  sha256:{digest}"))),
            "{name} is not ok:\n{out}"
        );
    }
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("rebuild: v1.2.3 reproduced from "),
        "{out}"
    );
    assert!(
        lines.last().unwrap().ends_with(": 11 asset(s) match"),
        "{out}"
    );
    // The rebuild is kept for diffoscope; the worktree is gone.
    assert!(
        clone
            .join("target/rebuild/v1.2.3/aicr_1.2.3_linux_amd64.tar.gz")
            .is_file()
    );
    assert!(!clone.join("target/rebuild-worktree/v1.2.3").exists());

    // The host target only: its assets, and the others' lines left out.
    let run = xtask_in(
        &clone,
        &[
            "rebuild",
            "--tag",
            "v1.2.3",
            "--against",
            against,
            "--target",
            HOST,
            "--fake-binaries",
            "--json",
        ],
        &[],
    );
    assert!(run.ok, "{}", run.stderr);
    let json = report(&run);
    assert_eq!(json["reproduced"], true);
    assert_eq!(json["targets"], serde_json::json!([HOST]));
    let names: Vec<&str> = json["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(a["status"], "ok", "{a:#}");
            a["name"].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        names,
        [
            "THIRD_PARTY_NOTICES.md",
            "aicr_1.2.3_linux_amd64.spdx.json",
            "aicr_1.2.3_linux_amd64.tar.gz",
            "aicr_1.2.3_linux_amd64.zip",
            "aicr_1.2.3_linux_amd64.zip.spdx.json",
            "aicrd_1.2.3_linux_amd64.spdx.json",
            "aicrd_1.2.3_linux_amd64.tar.gz",
        ]
    );
    xtask_in(
        &clone,
        &[
            "rebuild",
            "--tag",
            "v1.2.3",
            "--against",
            against,
            "--target",
            "x86_64-apple-darwin",
        ],
        &[],
    )
    .failure("no binary of the release definition is built for x86_64-apple-darwin");
}

#[test]
fn seeded_differences_are_each_explained() {
    let (repo, published) = released("v1.2.3");
    let dir = published.path();
    // An archive entry with another mtime.
    rewrite_tar_gz(
        &dir.join("aicr_1.2.3_linux_amd64.tar.gz"),
        |name, header, _| {
            if name == "aicr" {
                let mtime = header.mtime().unwrap();
                header.set_mtime(mtime + 60);
            }
        },
    );
    relist(dir, "aicr_1.2.3_linux_amd64.tar.gz");
    // A changed file in an archive.
    rewrite_tar_gz(
        &dir.join("aicr_1.2.3_darwin_arm64.tar.gz"),
        |name, _, content| {
            if name == "README.md" {
                content.extend_from_slice(b"one more line\n");
            }
        },
    );
    relist(dir, "aicr_1.2.3_darwin_arm64.tar.gz");
    // A binary with another version stamp.
    rewrite_tar_gz(
        &dir.join("aicrd_1.2.3_linux_amd64.tar.gz"),
        |name, _, content| {
            if name == "aicrd" {
                let text = String::from_utf8(content.clone()).unwrap();
                *content = text
                    .replace("version 1.2.3 ", "version 1.2.3+dirty ")
                    .into_bytes();
            }
        },
    );
    relist(dir, "aicrd_1.2.3_linux_amd64.tar.gz");
    // A missing asset and an extra one.
    let sums = dir.join("aicr_checksums.txt");
    let text: String = fs::read_to_string(&sums)
        .unwrap()
        .lines()
        .filter(|l| !l.ends_with("  aicr_1.2.3_darwin_arm64.zip"))
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(dir.join("aicr_1.2.3_windows_amd64.zip"), b"PK").unwrap();
    fs::write(
        &sums,
        format!("{text}{}  aicr_1.2.3_windows_amd64.zip\n", sha256(b"PK")),
    )
    .unwrap();

    let args = |json: bool| {
        let mut args = vec![
            "rebuild",
            "--tag",
            "v1.2.3",
            "--against",
            dir.to_str().unwrap(),
            "--fake-binaries",
        ];
        if json {
            args.push("--json");
        }
        args
    };
    let run = repo.xtask(&args(true));
    assert!(!run.ok, "a mismatch exits non-zero:\n{}", run.stdout);
    let json = report(&run);
    assert_eq!(json["reproduced"], false);
    let first = |name: &str| -> String {
        let a = asset(&json, name);
        assert_eq!(a["status"], "differs", "{a:#}");
        a["differences"][0]["what"].as_str().unwrap().to_owned()
    };
    assert_eq!(first("aicr_1.2.3_linux_amd64.tar.gz"), "field");
    let mtime = &asset(&json, "aicr_1.2.3_linux_amd64.tar.gz")["differences"][0];
    assert_eq!(
        (mtime["entry"].as_str(), mtime["field"].as_str()),
        (Some("aicr"), Some("mtime"))
    );
    assert_eq!(first("aicr_1.2.3_darwin_arm64.tar.gz"), "content");
    assert_eq!(
        asset(&json, "aicr_1.2.3_darwin_arm64.tar.gz")["differences"][0]["entry"],
        "README.md"
    );
    assert_eq!(first("aicrd_1.2.3_linux_amd64.tar.gz"), "binary");
    let regions = &asset(&json, "aicrd_1.2.3_linux_amd64.tar.gz")["differences"][0]["regions"];
    assert_eq!(regions.as_array().unwrap().len(), 1, "{regions:#}");
    assert_eq!(regions[0]["cause"], "stamp");
    assert_eq!(regions[0]["published"], "1.2.3+dirty");
    assert_eq!(
        asset(&json, "aicr_1.2.3_darwin_arm64.zip")["status"],
        "missing"
    );
    assert_eq!(
        asset(&json, "aicr_1.2.3_windows_amd64.zip")["status"],
        "extra"
    );
    // Everything not seeded matches.
    assert_eq!(
        asset(&json, "aicr_1.2.3_linux_amd64.spdx.json")["status"],
        "ok"
    );
    assert_eq!(asset(&json, "THIRD_PARTY_NOTICES.md")["status"], "ok");
    assert_eq!(asset(&json, "aicr_1.2.3_linux_amd64.zip")["status"], "ok");

    let run = repo.xtask(&args(false));
    assert!(!run.ok);
    let out = &run.stdout;
    for expected in [
        "entry aicr: mtime 1767323105 (2026-01-02T03:05:05Z) rebuilt, 1767323165 (2026-01-02T03:06:05Z) published",
        "entry README.md: line 2 differs: \"\" rebuilt, \"one more line\" published; size 7 rebuilt, 21 published",
        "entry aicrd: the binary differs in the version/build stamp (1 region(s)); first at byte 0x",
        ": \"1.2.3\" rebuilt, \"1.2.3+dirty\" published",
        "the rebuild makes it; aicr_checksums.txt does not list it",
        "aicr_checksums.txt lists it; v1.2.3's dist/release.toml makes no such asset",
    ] {
        assert!(out.contains(expected), "no {expected:?} in:\n{out}");
    }
    assert!(
        out.lines()
            .any(|l| l.starts_with("missing  aicr_1.2.3_darwin_arm64.zip  sha256:")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("extra  aicr_1.2.3_windows_amd64.zip  sha256:")),
        "{out}"
    );
    assert!(
        run.stderr.contains("v1.2.3 is not reproduced from"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint: diffoscope "), "{}", run.stderr);
}

/// A loopback HTTP server of the files of a directory.
fn serve_dir(dir: &Path) -> support::registry::Server {
    let root = dir.to_path_buf();
    let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let root = root.clone();
        async move {
            let name = request.uri().path().trim_start_matches('/').to_owned();
            match fs::read(root.join(&name)) {
                Ok(bytes) if !name.contains("..") => {
                    axum::response::Response::new(axum::body::Body::from(bytes))
                }
                _ => support::registry::status(404, "not found"),
            }
        }
    });
    support::registry::serve("127.0.0.1", app)
}

#[test]
fn a_url_of_the_checksum_file_is_fetched_and_differing_assets_kept_for_diffoscope() {
    let (repo, published) = released("v1.2.3");
    let dir = published.path();
    rewrite_tar_gz(
        &dir.join("aicrd_1.2.3_linux_amd64.tar.gz"),
        |name, header, _| {
            if name == "LICENSE" {
                header.set_mode(0o600);
            }
        },
    );
    relist(dir, "aicrd_1.2.3_linux_amd64.tar.gz");
    let server = serve_dir(dir);
    let url = format!("http://{}/aicr_checksums.txt", server.addr);
    let run = repo.xtask(&[
        "rebuild",
        "--tag",
        "v1.2.3",
        "--against",
        &url,
        "--target",
        HOST,
        "--fake-binaries",
    ]);
    assert!(!run.ok, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("entry LICENSE: mode 644 rebuilt, 600 published"),
        "{}",
        run.stdout
    );
    let kept = repo
        .work
        .join("target/rebuild/v1.2.3/published/aicrd_1.2.3_linux_amd64.tar.gz");
    assert_eq!(
        fs::read(&kept).unwrap(),
        fs::read(dir.join("aicrd_1.2.3_linux_amd64.tar.gz")).unwrap()
    );
    assert!(
        run.stderr.contains(&format!(
            "diffoscope {}",
            repo.work
                .join("target/rebuild/v1.2.3/aicrd_1.2.3_linux_amd64.tar.gz")
                .display()
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&kept.display().to_string()),
        "{}",
        run.stderr
    );

    // Plain http elsewhere than loopback is refused before anything is built.
    repo.xtask(&[
        "rebuild",
        "--tag",
        "v1.2.3",
        "--against",
        "http://example.com/aicr_checksums.txt",
    ])
    .failure("only https URLs are fetched");
    let missing = format!("http://{}/nothing/aicr_checksums.txt", server.addr);
    repo.xtask(&["rebuild", "--tag", "v1.2.3", "--against", &missing])
        .failure("is not there (404)");
    assert!(!repo.work.join("target/rebuild-worktree/v1.2.3").exists());
}

#[test]
fn a_promotion_differs_from_its_candidate_only_in_the_version() {
    let (repo, candidate) = released("v1.3.0-rc2");
    // Promotion tags the same commit.
    repo.tag_pushed("v1.3.0");
    let against = candidate.path().to_str().unwrap();
    let run = repo.xtask(&[
        "rebuild",
        "--tag",
        "v1.3.0",
        "--against",
        against,
        "--expect-promotion",
        "--fake-binaries",
    ]);
    let out = run.success();
    assert!(
        out.contains("promoted  aicr_1.3.0_linux_amd64.tar.gz  sha256:"),
        "{out}"
    );
    assert!(
        out.contains(
            "\n    from aicr_1.3.0-rc2_linux_amd64.tar.gz: differs only in the version stamp\n"
        ),
        "{out}"
    );
    assert!(out.contains("differs only in the version stamp"), "{out}");
    assert!(out.contains("equal apart from the version fields"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("ok  THIRD_PARTY_NOTICES.md  sha256:")),
        "{out}"
    );
    assert!(
        out.ends_with(": 11 asset(s) match (v1.3.0 promoted from v1.3.0-rc2 on the same commit)\n"),
        "{out}"
    );
    // The candidate, rebuilt after its promotion, is still itself.
    repo.xtask(&[
        "rebuild",
        "--tag",
        "v1.3.0-rc2",
        "--against",
        against,
        "--fake-binaries",
    ])
    .success();
    // Without the flag, the versions are differences.
    repo.xtask(&[
        "rebuild",
        "--tag",
        "v1.3.0",
        "--against",
        against,
        "--fake-binaries",
    ])
    .failure("v1.3.0 is not reproduced");

    // Anything besides the version is a mismatch.
    rewrite_tar_gz(
        &candidate.path().join("aicr_1.3.0-rc2_linux_amd64.tar.gz"),
        |name, _, content| {
            if name == "LICENSE" {
                content.extend_from_slice(b"changed\n");
            }
        },
    );
    relist(candidate.path(), "aicr_1.3.0-rc2_linux_amd64.tar.gz");
    let run = repo.xtask(&[
        "rebuild",
        "--tag",
        "v1.3.0",
        "--against",
        against,
        "--expect-promotion",
        "--fake-binaries",
    ]);
    assert!(!run.ok);
    assert!(
        run.stdout
            .contains("differs  aicr_1.3.0_linux_amd64.tar.gz"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("entry LICENSE: line 2 differs"),
        "{}",
        run.stdout
    );

    // A candidate of another commit is no promotion.
    repo.commit_pushed("fix: after the candidate");
    repo.tag_pushed("v1.3.1-rc1");
    repo.commit_pushed("fix: after the next candidate");
    repo.tag_pushed("v1.3.1");
    let other = tempfile::tempdir().unwrap();
    let sums = fs::read_to_string(candidate.path().join("aicr_checksums.txt")).unwrap();
    fs::write(
        other.path().join("aicr_checksums.txt"),
        sums.replace("1.3.0-rc2", "1.3.1-rc1"),
    )
    .unwrap();
    let run = repo.xtask(&[
        "rebuild",
        "--tag",
        "v1.3.1",
        "--against",
        other.path().to_str().unwrap(),
        "--expect-promotion",
    ]);
    run.failure("v1.3.1-rc1 is commit ");
    let stderr = repo
        .xtask(&[
            "rebuild",
            "--tag",
            "v1.3.1",
            "--against",
            other.path().to_str().unwrap(),
            "--expect-promotion",
        ])
        .failure("not a promotion, which tags the same commit");
    assert!(stderr.contains(&repo.tag_commit("v1.3.1")), "{stderr}");
}

#[test]
fn a_toolchain_other_than_the_pinned_one_is_refused() {
    let repo = release_repo();
    fs::write(
        repo.work.join("rust-toolchain.toml"),
        "[toolchain]\nchannel = \"1.0.0\"\n",
    )
    .unwrap();
    repo.git(&["add", "rust-toolchain.toml"]);
    repo.commit_pushed("build: pin an old toolchain");
    repo.tag_pushed("v1.2.3");
    let published = tempfile::tempdir().unwrap();
    fs::write(
        published.path().join("aicr_checksums.txt"),
        format!("{}  aicr_1.2.3_linux_amd64.tar.gz\n", "0".repeat(64)),
    )
    .unwrap();
    // The compiler of this test, whatever the throwaway checkout pins (rustup would
    // otherwise try to install 1.0.0 there).
    let version =
        String::from_utf8(Command::new("rustc").arg("-V").output().unwrap().stdout).unwrap();
    let version = version.split_whitespace().nth(1).unwrap().to_owned();
    let run = repo.xtask_env(
        &[
            "rebuild",
            "--tag",
            "v1.2.3",
            "--against",
            published.path().to_str().unwrap(),
            "--fake-binaries",
        ],
        &[("RUSTUP_TOOLCHAIN", &version)],
    );
    let stderr = run.failure(&format!(
        "v1.2.3 pins Rust 1.0.0 (rust-toolchain.toml) but this build would use {version}"
    ));
    assert_eq!(stderr.lines().count(), 1, "one line:\n{stderr}");
    assert!(
        stderr.contains("cargo xtask rebuild --tag v1.2.3"),
        "{stderr}"
    );
    assert!(
        !repo
            .work
            .join("target/rebuild/v1.2.3/metadata.json")
            .exists(),
        "nothing was built"
    );
}

#[test]
fn images_compare_by_index_digest_or_platform_manifest() {
    let repo = support::image_repo("rebuilt", "static");
    repo.tag_pushed("v1.2.3");
    let published = tempfile::tempdir().unwrap();
    let dir = published.path().to_str().unwrap();
    repo.xtask(&[
        "release",
        "--tag",
        "v1.2.3",
        "--fake-binaries",
        "--out",
        dir,
    ])
    .success();
    let run = repo.xtask(&[
        "rebuild",
        "--tag",
        "v1.2.3",
        "--against",
        dir,
        "--images",
        "--fake-binaries",
        "--json",
    ]);
    assert!(run.ok, "{}", run.stderr);
    let json = report(&run);
    let images = json["images"].as_array().unwrap();
    assert_eq!(images.len(), 2, "{json:#}");
    for image in images {
        assert_eq!(image["status"], "ok", "{image:#}");
        assert_eq!(image["digest"], image["published_digest"]);
    }
    // One target: its platform manifest matches the published index's.
    let out = repo
        .xtask(&[
            "rebuild",
            "--tag",
            "v1.2.3",
            "--against",
            dir,
            "--images",
            "--target",
            HOST,
            "--fake-binaries",
        ])
        .success();
    assert!(out.contains("ok  image aicrd  sha256:"), "{out}");
    assert!(out.ends_with(" asset(s) and 2 image(s) match\n"), "{out}");
    // A layout that is not the published one differs, naming the platform.
    let layout = published.path().join("images/aicrd");
    let index: Value =
        serde_json::from_slice(&fs::read(layout.join("index.json")).unwrap()).unwrap();
    let digest = index["manifests"][0]["digest"].as_str().unwrap().to_owned();
    let blob = layout
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"));
    let mut value: Value = serde_json::from_slice(&fs::read(&blob).unwrap()).unwrap();
    assert_eq!(value["manifests"][0]["platform"]["architecture"], "amd64");
    value["manifests"][0]["digest"] = Value::String(format!("sha256:{}", "0".repeat(64)));
    let bytes = serde_json::to_vec(&value).unwrap();
    let new = sha256(&bytes);
    fs::write(layout.join("blobs/sha256").join(&new), &bytes).unwrap();
    fs::write(
        layout.join("index.json"),
        fs::read_to_string(layout.join("index.json"))
            .unwrap()
            .replace(&digest, &format!("sha256:{new}")),
    )
    .unwrap();
    let run = repo.xtask(&[
        "rebuild",
        "--tag",
        "v1.2.3",
        "--against",
        dir,
        "--images",
        "--fake-binaries",
    ]);
    assert!(!run.ok);
    assert!(
        run.stdout.contains("differs  image aicrd  sha256:")
            && run.stdout.contains("    linux/amd64: manifest sha256:")
            && run
                .stdout
                .contains(&format!(" rebuilt, sha256:{} published", "0".repeat(64))),
        "{}",
        run.stdout
    );
}
