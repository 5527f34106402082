// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask release --tag … --publish` against a local server on 127.0.0.1 that
//! implements the GitHub Releases endpoints the client uses, a local bare repository as
//! the Homebrew tap, and `release --rc` on a throwaway repository.

mod support;

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get, patch, post};
use serde_json::{Value, json};
use support::{Repo, release_repo};

#[derive(Debug, Default)]
struct Fake {
    /// Every request that changes something (POST, PATCH, DELETE), as `METHOD path`.
    mutations: Vec<String>,
    /// What `GET /repos/{owner}/{repo}` reports as the token's push permission.
    can_push: Option<bool>,
    releases: Vec<Value>,
    assets: Vec<(u64, Value)>,
    uploads: Vec<String>,
    next_id: u64,
    /// Fail this upload attempt (1-based) once with a 500.
    fail_upload: Option<usize>,
    attempts: usize,
    base: String,
}

type Shared = Arc<Mutex<Fake>>;

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some("Bearer test-token")
}

async fn list(State(s): State<Shared>, headers: HeaderMap) -> (StatusCode, String) {
    if !authorized(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            json!({"message": "Bad credentials"}).to_string(),
        );
    }
    (
        StatusCode::OK,
        Value::Array(s.lock().unwrap().releases.clone()).to_string(),
    )
}

async fn repository(State(s): State<Shared>, headers: HeaderMap) -> (StatusCode, String) {
    if !authorized(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            json!({"message": "Bad credentials"}).to_string(),
        );
    }
    let can_push = s.lock().unwrap().can_push.unwrap_or(true);
    (
        StatusCode::OK,
        json!({"full_name": "NVIDIA/aicr", "permissions": {"admin": false, "push": can_push, "pull": true}})
            .to_string(),
    )
}

async fn create(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> (StatusCode, String) {
    if !authorized(&headers) {
        return (StatusCode::UNAUTHORIZED, "{}".into());
    }
    let input: Value = serde_json::from_slice(&body).unwrap();
    let mut fake = s.lock().unwrap();
    fake.mutations.push("POST /releases".into());
    fake.next_id += 1;
    let id = fake.next_id;
    let release = json!({
        "id": id,
        "tag_name": input["tag_name"],
        "name": input["name"],
        "body": input["body"],
        "draft": input["draft"],
        "prerelease": input["prerelease"],
        "make_latest": input["make_latest"],
        "upload_url": format!("{}/uploads/repos/NVIDIA/aicr/releases/{id}/assets{{?name,label}}", fake.base),
    });
    fake.releases.push(release.clone());
    (StatusCode::CREATED, release.to_string())
}

async fn update(
    State(s): State<Shared>,
    UrlPath((_, _, id)): UrlPath<(String, String, u64)>,
    body: Bytes,
) -> (StatusCode, String) {
    let input: Value = serde_json::from_slice(&body).unwrap();
    let mut fake = s.lock().unwrap();
    fake.mutations.push(format!("PATCH /releases/{id}"));
    let release = fake.releases.iter_mut().find(|r| r["id"] == id).unwrap();
    for (k, v) in input.as_object().unwrap() {
        release[k] = v.clone();
    }
    (StatusCode::OK, release.to_string())
}

async fn assets(
    State(s): State<Shared>,
    UrlPath((_, _, id)): UrlPath<(String, String, u64)>,
) -> String {
    let fake = s.lock().unwrap();
    Value::Array(
        fake.assets
            .iter()
            .filter(|(r, _)| *r == id)
            .map(|(_, a)| a.clone())
            .collect(),
    )
    .to_string()
}

async fn upload(
    State(s): State<Shared>,
    UrlPath((_, _, id)): UrlPath<(String, String, u64)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    if !authorized(&headers) {
        return (StatusCode::UNAUTHORIZED, "{}".into());
    }
    let mut fake = s.lock().unwrap();
    fake.mutations.push(format!("POST /releases/{id}/assets"));
    fake.attempts += 1;
    if fake.fail_upload == Some(fake.attempts) {
        fake.fail_upload = None;
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"message": "upload interrupted"}).to_string(),
        );
    }
    let name = query["name"].clone();
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(&body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    fake.next_id += 1;
    let asset = json!({ "id": fake.next_id, "name": name, "size": body.len(), "digest": format!("sha256:{digest}") });
    fake.assets.push((id, asset.clone()));
    fake.uploads.push(name);
    (StatusCode::CREATED, asset.to_string())
}

async fn remove(
    State(s): State<Shared>,
    UrlPath((_, _, id)): UrlPath<(String, String, u64)>,
) -> StatusCode {
    let mut fake = s.lock().unwrap();
    fake.mutations.push(format!("DELETE /releases/assets/{id}"));
    fake.assets.retain(|(_, a)| a["id"] != id);
    StatusCode::NO_CONTENT
}

/// Starts the fake API on 127.0.0.1; it stops with the test process.
fn start(fail_upload: Option<usize>) -> (String, Shared) {
    let shared: Shared = Arc::new(Mutex::new(Fake {
        fail_upload,
        ..Fake::default()
    }));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    shared.lock().unwrap().base = base.clone();
    let app = Router::new()
        .route("/repos/{owner}/{repo}", get(repository))
        .route("/repos/{owner}/{repo}/releases", get(list).post(create))
        .route("/repos/{owner}/{repo}/releases/{id}", patch(update))
        .route("/repos/{owner}/{repo}/releases/{id}/assets", get(assets))
        .route("/repos/{owner}/{repo}/releases/assets/{id}", delete(remove))
        .route(
            "/uploads/repos/{owner}/{repo}/releases/{id}/assets",
            post(upload),
        )
        .with_state(shared.clone());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    (base, shared)
}

/// The release fixture with a Homebrew tap (a local bare repository) configured.
fn repo_with_tap() -> (Repo, std::path::PathBuf) {
    let repo = release_repo();
    let tap = repo.work.parent().unwrap().join("tap.git");
    repo.git(&[
        "init",
        "--quiet",
        "--bare",
        "--initial-branch=main",
        tap.to_str().unwrap(),
    ]);
    let seed = repo.work.parent().unwrap().join("tap-seed");
    repo.git(&[
        "clone",
        "--quiet",
        tap.to_str().unwrap(),
        seed.to_str().unwrap(),
    ]);
    fs::write(seed.join("README.md"), "tap\n").unwrap();
    let git_seed = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .arg("-C")
            .arg(&seed)
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .status()
            .unwrap();
        assert!(status.success());
    };
    git_seed(&["add", "."]);
    git_seed(&["commit", "--quiet", "-m", "init"]);
    git_seed(&["push", "--quiet", "origin", "main"]);
    let def = fs::read_to_string(repo.work.join("dist/release.toml")).unwrap();
    let def = format!(
        "{def}\n[homebrew]\nbinary = \"aicr\"\ndescription = \"AI Cluster Runtime\"\ntap = \"{}\"\n",
        tap.display()
    );
    fs::write(repo.work.join("dist/release.toml"), def).unwrap();
    repo.git(&["add", "."]);
    repo.commit_pushed("build: configure the Homebrew tap");
    (repo, tap)
}

fn tap_log(tap: &Path) -> Vec<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(tap)
        .args(["log", "--format=%s", "main"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// A release signing key made by `cargo xtask keygen`, as the PEM text.
fn signing_key(repo: &Repo) -> String {
    let dir = repo.work.parent().unwrap().join("keys");
    if !dir.join("aicr-signing.key").is_file() {
        repo.xtask(&["keygen", "--out", dir.to_str().unwrap()])
            .success();
    }
    fs::read_to_string(dir.join("aicr-signing.key")).unwrap()
}

fn publish_with(repo: &Repo, tag: &str, envs: &[(&str, &str)]) -> support::Run {
    let key = signing_key(repo);
    let mut all = vec![("AICR_SIGNING_KEY", key.as_str())];
    all.extend_from_slice(envs);
    repo.xtask_env(
        &["release", "--tag", tag, "--publish", "--fake-binaries"],
        &all,
    )
}

fn publish(repo: &Repo, base: &str, tag: &str) -> support::Run {
    publish_with(
        repo,
        tag,
        &[("AICR_GITHUB_API", base), ("GITHUB_TOKEN", "test-token")],
    )
}

/// The steps a release run executed, from its journal.
fn executed(repo: &Repo) -> Vec<String> {
    let journal: Value = serde_json::from_slice(
        &fs::read(repo.work.join("target/dist/release-state.json")).unwrap(),
    )
    .unwrap();
    journal["executed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// The steps `cargo xtask plan --tag` says run, in order.
fn planned(repo: &Repo, tag: &str) -> Vec<String> {
    let plan: Value =
        serde_json::from_str(&repo.xtask(&["plan", "--tag", tag, "--json"]).success()).unwrap();
    plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["runs"] == true)
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn an_interrupted_publish_resumes_and_uploads_each_asset_once() {
    let (repo, tap) = repo_with_tap();
    repo.tag_pushed("v1.2.3");
    let (base, state) = start(Some(3));

    let first = publish(&repo, &base, "v1.2.3");
    assert!(!first.ok, "the third upload fails");
    assert!(
        first.stderr.contains("step github-release failed"),
        "{}",
        first.stderr
    );
    assert!(
        first
            .stderr
            .contains("resume with cargo xtask release --tag v1.2.3 --publish"),
        "{}",
        first.stderr
    );
    assert!(
        !first.stderr.contains("test-token"),
        "the token is never printed"
    );
    {
        let fake = state.lock().unwrap();
        assert_eq!(fake.uploads.len(), 2);
        assert_eq!(
            fake.releases[0]["draft"], true,
            "still a draft after the failure"
        );
    }

    let second = publish(&repo, &base, "v1.2.3");
    assert!(second.ok, "{}", second.stderr);
    assert!(
        second.stderr.contains("reusing draft release"),
        "{}",
        second.stderr
    );
    let fake = state.lock().unwrap();
    let mut uploads = fake.uploads.clone();
    let count = uploads.len();
    uploads.sort();
    uploads.dedup();
    assert_eq!(
        uploads.len(),
        count,
        "no asset was uploaded twice: {:?}",
        fake.uploads
    );
    let sums = fs::read_to_string(repo.work.join("target/dist/aicr_checksums.txt")).unwrap();
    for line in sums.lines() {
        let name = line.split("  ").nth(1).unwrap();
        assert!(uploads.contains(&name.to_owned()), "{name} was uploaded");
        let asset = fake.assets.iter().find(|(_, a)| a["name"] == name).unwrap();
        assert_eq!(
            asset.1["digest"],
            format!("sha256:{}", line.split("  ").next().unwrap())
        );
    }
    assert!(
        uploads.iter().any(|u| u.ends_with(".intoto.jsonl"))
            && uploads.contains(&"aicr_checksums.txt".to_owned())
    );
    assert_eq!(fake.releases.len(), 1);
    assert_eq!(fake.releases[0]["draft"], false);
    assert_eq!(fake.releases[0]["prerelease"], false);
    assert!(
        fake.releases[0]["body"]
            .as_str()
            .unwrap()
            .starts_with("## [1.2.3] - ")
    );
    drop(fake);

    // The formula went to the tap, with the release's URLs and digests.
    assert_eq!(
        tap_log(&tap)[0],
        "Brew formula update for aicr version v1.2.3"
    );
    let formula = String::from_utf8(
        std::process::Command::new("git")
            .arg("-C")
            .arg(&tap)
            .args(["show", "main:Formula/aicr.rb"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let linux = sums
        .lines()
        .find(|l| l.ends_with("aicr_1.2.3_linux_amd64.tar.gz"))
        .unwrap()
        .split("  ")
        .next()
        .unwrap();
    assert!(formula.contains(&format!(
        "url \"https://github.com/NVIDIA/aicr/releases/download/v1.2.3/aicr_1.2.3_linux_amd64.tar.gz\"\n      sha256 \"{linux}\""
    )));
    if std::process::Command::new("ruby")
        .arg("--version")
        .output()
        .is_ok()
    {
        let file = repo.work.join("target/dist/homebrew/aicr.rb");
        let out = std::process::Command::new("ruby")
            .arg("-c")
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ruby -c: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // A third run finds everything done and changes nothing.
    let third = publish(&repo, &base, "v1.2.3");
    assert!(third.ok, "{}", third.stderr);
    assert!(third.stderr.contains("already built"), "{}", third.stderr);
    let uploads_after = state.lock().unwrap().uploads.clone();
    assert_eq!(uploads_after.len(), count, "{uploads_after:?}");
    assert_eq!(tap_log(&tap).len(), 2, "the tap is not touched again");
    let journal: Value = serde_json::from_slice(
        &fs::read(repo.work.join("target/dist/release-state.json")).unwrap(),
    )
    .unwrap();
    for step in ["build", "github-release", "homebrew", "site", "demo"] {
        assert!(
            journal["steps"].get(step).is_some() || step == "site" || step == "demo",
            "{step} in {journal}"
        );
    }
}

#[test]
fn a_candidate_is_a_prerelease_without_homebrew() {
    let (repo, tap) = repo_with_tap();
    repo.tag_pushed("v1.3.0-rc1");
    let (base, state) = start(None);
    let run = publish(&repo, &base, "v1.3.0-rc1");
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stderr.contains("homebrew: skipped: pre-release"),
        "{}",
        run.stderr
    );
    assert_eq!(state.lock().unwrap().releases[0]["prerelease"], true);
    assert_eq!(state.lock().unwrap().releases[0]["make_latest"], "false");
    assert_eq!(tap_log(&tap).len(), 1, "the tap is untouched");
    assert_eq!(executed(&repo), planned(&repo, "v1.3.0-rc1"));
    assert_eq!(
        executed(&repo),
        [
            "cross-build",
            "notices",
            "package",
            "sbom",
            "checksum",
            "attest",
            "preflight",
            "github-release"
        ]
    );
}

#[test]
fn a_stable_release_executes_exactly_its_plan() {
    let (repo, _tap) = repo_with_tap();
    repo.tag_pushed("v1.2.3");
    let (base, state) = start(None);
    let run = publish(&repo, &base, "v1.2.3");
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(executed(&repo), planned(&repo, "v1.2.3"));
    assert_eq!(
        executed(&repo),
        [
            "cross-build",
            "notices",
            "package",
            "sbom",
            "checksum",
            "attest",
            "preflight",
            "github-release",
            "homebrew"
        ]
    );
    let fake = state.lock().unwrap();
    assert_eq!(fake.releases[0]["make_latest"], "true");
    assert!(
        fake.assets
            .iter()
            .any(|(_, a)| a["name"] == "aicr_1.2.3.pub"),
        "the public key of the signed provenance is published"
    );
}

#[test]
fn preflight_stops_before_any_remote_change_listing_every_problem() {
    let (repo, tap) = repo_with_tap();
    repo.tag_pushed("v1.2.3");
    let (base, state) = start(None);

    // No token at all: nothing is sent to GitHub, the tap is untouched.
    let run = publish_with(
        &repo,
        "v1.2.3",
        &[("AICR_GITHUB_API", &base), ("GITHUB_TOKEN", "")],
    );
    assert!(!run.ok);
    assert!(
        run.stderr.contains("step preflight failed"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("github-release: GITHUB_TOKEN is not set"),
        "{}",
        run.stderr
    );
    assert!(state.lock().unwrap().mutations.is_empty());
    assert_eq!(tap_log(&tap).len(), 1);

    // A token that cannot write, and a tap that cannot be reached: both are listed.
    state.lock().unwrap().can_push = Some(false);
    let def = fs::read_to_string(repo.work.join("dist/release.toml")).unwrap();
    let gone = repo.work.parent().unwrap().join("no-such-tap.git");
    fs::write(
        repo.work.join("dist/release.toml"),
        def.replace(tap.to_str().unwrap(), gone.to_str().unwrap()),
    )
    .unwrap();
    repo.git(&["commit", "--quiet", "-am", "build: move the tap"]);
    repo.git(&["push", "--quiet", "origin", "main"]);
    repo.tag_pushed("v1.2.4");
    let run = publish(&repo, &base, "v1.2.4");
    assert!(!run.ok);
    assert!(
        run.stderr
            .contains("2 problem(s) found before publishing; nothing was pushed"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("GITHUB_TOKEN cannot write to NVIDIA/aicr"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("homebrew: cannot clone the Homebrew tap"),
        "{}",
        run.stderr
    );
    assert!(
        state.lock().unwrap().mutations.is_empty(),
        "{:?}",
        state.lock().unwrap().mutations
    );
    assert_eq!(tap_log(&tap).len(), 1);
    assert!(
        !executed(&repo).contains(&"github-release".to_owned()),
        "{:?}",
        executed(&repo)
    );
}

#[test]
fn a_hotfix_of_an_older_line_moves_no_latest() {
    let (repo, tap) = repo_with_tap();
    repo.tag_pushed("v1.3.0");
    let (base, state) = start(None);
    let run = publish(&repo, &base, "v1.3.0");
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(tap_log(&tap).len(), 2);

    fs::write(repo.work.join("docs/README.md"), "# aicr\nhotfix\n").unwrap();
    repo.git(&["commit", "--quiet", "-am", "fix: a hotfix"]);
    repo.git(&["push", "--quiet", "origin", "main"]);
    repo.tag_pushed("v1.2.4");
    let plan = repo.xtask(&["plan", "--tag", "v1.2.4"]).success();
    assert!(
        plan.contains(
            "skip homebrew        skipped: v1.3.0 is the newest stable release and stays the latest"
        ),
        "{plan}"
    );
    fs::remove_dir_all(repo.work.join("target/dist")).unwrap();
    let run = publish(&repo, &base, "v1.2.4");
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("homebrew: skipped: v1.3.0 is the newest stable release"),
        "{}",
        run.stderr
    );
    let fake = state.lock().unwrap();
    let hotfix = fake
        .releases
        .iter()
        .find(|r| r["tag_name"] == "v1.2.4")
        .unwrap();
    assert_eq!(hotfix["make_latest"], "false");
    assert_eq!(hotfix["draft"], false);
    assert_eq!(tap_log(&tap).len(), 2, "the formula stays on v1.3.0");
    assert_eq!(
        tap_log(&tap)[0],
        "Brew formula update for aicr version v1.3.0"
    );
}

#[test]
fn missing_token_and_dry_run() {
    let repo = release_repo();
    repo.tag_pushed("v1.2.3");
    let run = repo.xtask_env(
        &["release", "--tag", "v1.2.3", "--publish", "--fake-binaries"],
        &[("GITHUB_TOKEN", "")],
    );
    assert!(
        !run.ok && run.stderr.contains("GITHUB_TOKEN is not set"),
        "{}",
        run.stderr
    );
    let dry = repo
        .xtask(&["release", "--tag", "v1.2.3", "--publish", "--dry-run"])
        .success();
    assert!(dry.contains("plan: release v1.2.3"), "{dry}");
    assert!(
        dry.contains("POST  <upload_url>?name=aicr_checksums.txt"),
        "{dry}"
    );
    repo.xtask(&["release", "--tag", "v9.9.9"])
        .failure("tag v9.9.9 does not exist here");
}

#[test]
fn the_same_tag_built_in_two_directories_gives_the_same_checksums() {
    let repo = release_repo();
    repo.tag_pushed("v1.2.3");
    let other = repo.work.parent().unwrap().join("elsewhere/clone");
    repo.git(&[
        "clone",
        "--quiet",
        repo.origin.to_str().unwrap(),
        other.to_str().unwrap(),
    ]);
    repo.xtask(&["release", "--tag", "v1.2.3", "--fake-binaries"])
        .success();
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "-C",
            other.to_str().unwrap(),
            "release",
            "--tag",
            "v1.2.3",
            "--fake-binaries",
        ])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let a = fs::read_to_string(repo.work.join("target/dist/aicr_checksums.txt")).unwrap();
    let b = fs::read_to_string(other.join("target/dist/aicr_checksums.txt")).unwrap();
    assert_eq!(a, b);
    assert!(a.contains("aicr_1.2.3_linux_amd64.tar.gz"));
    assert!(
        !repo.work.join("target/release-worktree/v1.2.3").exists(),
        "the worktree is removed"
    );
}

#[test]
fn release_rc_qualifies_then_tags_and_pushes() {
    let repo = release_repo();
    let run = repo.xtask(&["release", "--rc", "--gates", "fmt"]);
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stderr.contains("qualify: 1 passed, 0 failed"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.remote_tags(), ["v0.1.0-rc1"]);
    // A failing gate tags nothing.
    fs::write(repo.work.join("aicr/src/main.rs"), "fn  main( ) {}\n").unwrap();
    repo.git(&["commit", "--quiet", "-am", "style: unformatted"]);
    repo.git(&["push", "--quiet", "origin", "main"]);
    let run = repo.xtask(&["release", "--rc", "--gates", "fmt"]);
    assert!(
        !run.ok && run.stderr.contains("qualify failed; nothing was tagged"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.remote_tags(), ["v0.1.0-rc1"]);
}
