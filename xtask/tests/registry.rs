// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The registry client against real registries on 127.0.0.1 (Debian's docker-registry):
//! htpasswd Basic authentication and token authentication (a token service the test
//! serves), a 64 MiB layer pushed, pulled as a base and pushed again in flat memory,
//! redirects to a storage host on another loopback address, a front that fails with
//! 500 and 429, base pins, and the push-access check.

mod support;

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};
use sha2::Digest as _;
use support::registry::{self as reg, Auth, TokenService};
use support::{Repo, image_repo};

const PUSHER: (&str, &str) = ("pusher", "push-secret-8d1f");
const READER: (&str, &str) = ("reader", "read-secret-3c9a");

fn creds(user: (&str, &str)) -> [(&'static str, String); 2] {
    [
        ("AICR_REGISTRY_USERNAME", user.0.to_owned()),
        ("AICR_REGISTRY_PASSWORD", user.1.to_owned()),
    ]
}

fn env_of<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The digest `index.json` of a built image layout points at.
fn local_digest(repo: &Repo, image: &str) -> String {
    let top: Value = serde_json::from_slice(
        &fs::read(
            repo.work
                .join(format!("target/dist/images/{image}/index.json")),
        )
        .unwrap(),
    )
    .unwrap();
    top["manifests"][0]["digest"].as_str().unwrap().to_owned()
}

/// The two-image fixture (aicr on `base`) with `v1.2.3` tagged at its head.
fn tagged(name: &str, base: &str) -> Repo {
    let repo = image_repo(name, base);
    repo.tag_pushed("v1.2.3");
    repo
}

fn sha256_file(path: &Path) -> String {
    let mut file = fs::File::open(path).unwrap();
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    format!(
        "sha256:{}",
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

/// Secrets must not reach anything the release writes.
fn assert_not_in_dist(repo: &Repo, secret: &str) {
    let mut stack = vec![repo.work.join("target/dist")];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if fs::metadata(&path).unwrap().len() < 16 << 20 {
                let bytes = fs::read(&path).unwrap();
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "{} holds a secret",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn basic_auth_push_pull_and_clear_refusals() {
    let registry = reg::start(Auth::Basic(&[PUSHER]), false);
    let host = registry.host.clone();
    let repo = tagged("basic", "static");
    repo.xtask(&["release", "--tag", "v1.2.3", "--fake-binaries"])
        .success();
    let push = ["images", "--no-build", "--push", &host];

    let anonymous = repo.xtask(&push);
    anonymous.failure(&format!("registry {host} requires credentials; hint: set AICR_REGISTRY_USERNAME and AICR_REGISTRY_PASSWORD"));
    let wrong = creds((PUSHER.0, "not-the-password"));
    let err = repo
        .xtask_env(&push, &env_of(&wrong))
        .failure(&format!(
            "registry {host} refused the credentials of AICR_REGISTRY_USERNAME (user 'pusher') to push to aicr/basic"
        ));
    assert!(err.contains("pushing image aicrd"), "{err}");
    assert!(!err.contains("not-the-password"), "{err}");
    repo.xtask_env(
        &["images", "--check-push", "--push", &host],
        &env_of(&wrong),
    )
    .failure(&format!("registry {host} denies push to aicr/basic"));

    // A dry run lists each request once, with the scope its token is asked for.
    let dry = repo
        .xtask(&["images", "--no-build", "--push", &host, "--dry-run"])
        .success();
    assert!(
        dry.contains("# 127.0.0.1:")
            && dry.contains("token scope repository:aicr/basic:pull,push")
            && dry.contains("token scope repository:aicr/basic-cli:pull,push"),
        "{dry}"
    );
    let heads: Vec<&str> = dry.lines().filter(|l| l.starts_with("HEAD ")).collect();
    let mut unique = heads.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(heads.len(), unique.len(), "each blob once: {dry}");
    assert_eq!(heads.len(), 6, "config and two layers of each image: {dry}");
    assert_eq!(
        dry.lines().filter(|l| l.contains("/manifests/")).count(),
        2 * 3,
        "per image: its manifest, v1.2.3 and latest: {dry}"
    );

    let good = creds(PUSHER);
    let check = repo
        .xtask_env(&["images", "--check-push", "--push", &host], &env_of(&good))
        .success();
    assert!(check.is_empty(), "{check}");
    let auth = reg::basic(PUSHER.0, PUSHER.1);
    assert_eq!(
        reg::resolve(&host, "aicr/basic", "v1.2.3", Some(&auth)),
        None,
        "the check pushes nothing"
    );

    let started = std::time::Instant::now();
    let run = repo.xtask_env(&push, &env_of(&good));
    // Reported, never asserted.
    eprintln!(
        "pushing the fixture's two images with Basic auth took {:.2?}",
        started.elapsed()
    );
    assert!(run.ok, "{}", run.stderr);
    assert!(!run.stderr.contains(PUSHER.1), "{}", run.stderr);
    let digest = local_digest(&repo, "aicrd");
    assert_eq!(
        reg::resolve(&host, "aicr/basic", "v1.2.3", Some(&auth)).as_deref(),
        Some(digest.as_str())
    );
    assert_eq!(
        reg::resolve(&host, "aicr/basic-cli", "latest", Some(&auth)).as_deref(),
        Some(local_digest(&repo, "aicr").as_str())
    );

    // That image, pinned, is the base of another tagged release, pulled with Basic auth.
    let based = tagged("basic-based", &format!("{host}/aicr/basic:v1.2.3@{digest}"));
    let tools = based.work.join("target/tools");
    let run = based.xtask_env(
        &["release", "--tag", "v1.2.3", "--fake-binaries"],
        &[
            ("AICR_REGISTRY_USERNAME", PUSHER.0),
            ("AICR_REGISTRY_PASSWORD", PUSHER.1),
        ],
    );
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stderr.contains("images: pulling base"),
        "{}",
        run.stderr
    );
    assert!(tools.join("bases").is_dir());
    let manifest = first_manifest(&based.work.join("target/dist/images/aicr"));
    assert_eq!(manifest["layers"].as_array().unwrap().len(), 3);
    assert_not_in_dist(&based, PUSHER.1);
    assert_not_in_dist(&repo, PUSHER.1);
}

fn first_manifest(dir: &Path) -> Value {
    let read = |digest: &str| -> Value {
        serde_json::from_slice(
            &fs::read(
                dir.join("blobs/sha256")
                    .join(digest.trim_start_matches("sha256:")),
            )
            .unwrap(),
        )
        .unwrap()
    };
    let top: Value = serde_json::from_slice(&fs::read(dir.join("index.json")).unwrap()).unwrap();
    let index = read(top["manifests"][0]["digest"].as_str().unwrap());
    read(index["manifests"][0]["digest"].as_str().unwrap())
}

#[test]
fn token_auth_asks_for_the_scope_each_request_needs() {
    let tokens = TokenService::start(&[
        (PUSHER.0, PUSHER.1, &["pull", "push"]),
        (READER.0, READER.1, &["pull"]),
    ]);
    let registry = reg::start(Auth::Token(&tokens), false);
    let host = registry.host.clone();
    let repo = tagged("tok", "static");
    repo.xtask(&["release", "--tag", "v1.2.3", "--fake-binaries"])
        .success();
    let push = ["images", "--no-build", "--push", &host];

    // A reader's token grants pull only: it is not used for a push.
    let reader = creds(READER);
    repo.xtask_env(&push, &env_of(&reader)).failure(&format!(
        "registry {host} granted user 'reader' only [pull] on aicr/tok, not push"
    ));
    repo.xtask_env(
        &["images", "--check-push", "--push", &host],
        &env_of(&reader),
    )
    .failure(&format!("registry {host} denies push to aicr/tok"));
    let wrong = creds((PUSHER.0, "wrong"));
    repo.xtask_env(&push, &env_of(&wrong)).failure(&format!(
        "registry {host} refused the credentials of AICR_REGISTRY_USERNAME (user 'pusher') to push to aicr/tok"
    ));

    let pusher = creds(PUSHER);
    let check = repo.xtask_env(
        &["images", "--check-push", "--push", &host],
        &env_of(&pusher),
    );
    assert!(check.ok, "{}\n{}", check.stderr, registry.log());
    let before = tokens.scopes().len();
    let run = repo.xtask_env(&push, &env_of(&pusher));
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(
        tokens.scopes()[before..],
        [
            "repository:aicr/tok:pull,push",
            "repository:aicr/tok-cli:pull,push"
        ],
        "one token per repository, asked for the whole pull,push scope, reused for every request"
    );
    let requests = tokens.state.requests.lock().unwrap().clone();
    let pushes: Vec<_> = requests
        .iter()
        .filter(|(_, who, _)| who == "pusher")
        .collect();
    assert!(!pushes.is_empty());
    for (scope, _, granted) in &pushes {
        assert!(
            scope == "repository:aicr/tok:pull,push"
                || scope == "repository:aicr/tok-cli:pull,push",
            "the whole pull,push scope is asked for: {scope}"
        );
        assert_eq!(
            granted,
            &["pull", "push"],
            "the granted scope includes push"
        );
    }

    // Anonymous clients pull a public base with an anonymous pull token.
    let digest = local_digest(&repo, "aicrd");
    let based = tagged("tok-based", &format!("{host}/aicr/tok:v1.2.3@{digest}"));
    let run = based.xtask(&["release", "--tag", "v1.2.3", "--fake-binaries"]);
    assert!(run.ok, "{}", run.stderr);
    let requests = tokens.state.requests.lock().unwrap().clone();
    assert!(
        requests.contains(&(
            "repository:aicr/tok:pull".to_owned(),
            "anonymous".to_owned(),
            vec!["pull".to_owned()]
        )),
        "{requests:?}"
    );
    let run = based.xtask_env(&push, &env_of(&pusher));
    assert!(run.ok, "{}", run.stderr);
    assert!(
        tokens
            .scopes()
            .contains(&"repository:aicr/tok-based-cli:pull,push".to_owned()),
        "{:?}",
        tokens.scopes()
    );
}

/// Incompressible bytes (xorshift), streamed.
struct Noise {
    state: u64,
    left: u64,
}

impl Read for Noise {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        for chunk in buf[..n].chunks_mut(8) {
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            let bytes = self.state.to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        self.left -= n as u64;
        Ok(n)
    }
}

struct HashingWriter<W> {
    inner: W,
    hasher: sha2::Sha256,
    size: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn hex_digest(hasher: sha2::Sha256) -> String {
    format!(
        "sha256:{}",
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

/// Writes a linux/amd64 OCI layout whose one layer holds `size` random bytes; returns
/// the layer's digest and size. Everything is streamed: the test stays small too.
fn big_layout(dir: &Path, size: u64) -> (String, u64) {
    let blobs = dir.join("blobs/sha256");
    fs::create_dir_all(&blobs).unwrap();
    let tmp = dir.join("layer.tmp");
    let file = HashingWriter {
        inner: fs::File::create(&tmp).unwrap(),
        hasher: sha2::Sha256::new(),
        size: 0,
    };
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::none());
    let mut tar = tar::Builder::new(HashingWriter {
        inner: gz,
        hasher: sha2::Sha256::new(),
        size: 0,
    });
    let mut header = tar::Header::new_ustar();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_cksum();
    tar.append_data(
        &mut header,
        "opt/base/noise.bin",
        Noise {
            state: 0x9E37_79B9_7F4A_7C15,
            left: size,
        },
    )
    .unwrap();
    let raw = tar.into_inner().unwrap();
    let diff_id = hex_digest(raw.hasher);
    let mut file = raw.inner.finish().unwrap();
    file.flush().unwrap();
    let layer_digest = hex_digest(file.hasher);
    let layer_size = file.size;
    fs::rename(&tmp, blobs.join(layer_digest.trim_start_matches("sha256:"))).unwrap();
    let put = |value: &Value| -> (String, u64) {
        let bytes = serde_json::to_vec(value).unwrap();
        let mut hasher = sha2::Sha256::new();
        hasher.update(&bytes);
        let digest = hex_digest(hasher);
        fs::write(blobs.join(digest.trim_start_matches("sha256:")), &bytes).unwrap();
        (digest, bytes.len() as u64)
    };
    let (config, config_size) = put(&json!({
        "architecture": "amd64", "os": "linux",
        "config": { "Env": ["PATH=/usr/local/bin:/usr/bin:/bin"] },
        "rootfs": { "type": "layers", "diff_ids": [diff_id] },
    }));
    let (manifest, manifest_size) = put(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": config_size },
        "layers": [{ "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest, "size": layer_size }],
    }));
    let (index, index_size) = put(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{ "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest, "size": manifest_size, "platform": { "architecture": "amd64", "os": "linux" } }],
    }));
    fs::write(
        dir.join("index.json"),
        json!({ "schemaVersion": 2, "manifests": [{ "mediaType": "application/vnd.oci.image.index.v1+json", "digest": index, "size": index_size }] }).to_string(),
    )
    .unwrap();
    fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    (layer_digest, layer_size)
}

/// The tag a push reported for `repo`: `images: pushed <host>/<repo>:<tag>, … (digest)`.
fn pushed_tag(stderr: &str, host: &str, repo: &str) -> String {
    let prefix = format!("images: pushed {host}/{repo}:");
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no push of {repo} in {stderr}"));
    line.split([',', ' ']).next().unwrap().to_owned()
}

#[test]
fn a_64_mib_layer_is_pushed_pulled_and_pushed_again_in_flat_memory() {
    const LAYER: u64 = 64 << 20;
    let registry = reg::start(Auth::Basic(&[PUSHER]), false);
    let host = registry.host.clone();
    let pusher = creds(PUSHER);
    let env = env_of(&pusher);

    // The big base, given as a layout, under the aicr image; pushed.
    let repo = image_repo("big", "127.0.0.1:9/upstream/base:1");
    let base = repo.work.parent().unwrap().join("big-base");
    let (layer, size) = big_layout(&base, LAYER);
    assert!(size >= LAYER, "an incompressible layer of {size} bytes");
    repo.xtask(&["release", "--snapshot", "--fake-binaries"])
        .success();
    repo.xtask(&["images", "--base", &format!("aicr=oci:{}", base.display())])
        .success();
    let started = std::time::Instant::now();
    let (run, push_kib) = repo.xtask_peak(&["images", "--no-build", "--push", &host], &env);
    let push_time = started.elapsed();
    assert!(run.ok, "{}", run.stderr);
    let tag = pushed_tag(&run.stderr, &host, "aicr/big-cli");
    let digest = local_digest(&repo, "aicr");

    // Pulled as the pinned base of another build, then pushed to its own repository.
    let again = image_repo("again", &format!("{host}/aicr/big-cli:{tag}@{digest}"));
    again
        .xtask(&["release", "--snapshot", "--fake-binaries"])
        .success();
    let started = std::time::Instant::now();
    let (run, pull_kib) = again.xtask_peak(&["images", "--pull"], &env);
    let pull_time = started.elapsed();
    assert!(run.ok, "{}", run.stderr);
    let pulled = again.work.join(format!(
        "target/tools/bases/{}/aicr/big-cli/{tag}",
        host.replace(':', "_")
    ));
    assert!(pulled.join("index.json").is_file(), "a cached base layout");
    let blob: PathBuf = pulled
        .join("blobs/sha256")
        .join(layer.trim_start_matches("sha256:"));
    assert_eq!(
        sha256_file(&blob),
        layer,
        "the pulled layer is the pushed one"
    );
    assert_eq!(fs::metadata(&blob).unwrap().len(), size);
    let started = std::time::Instant::now();
    let (run, repush_kib) = again.xtask_peak(&["images", "--no-build", "--push", &host], &env);
    let repush_time = started.elapsed();
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stderr.contains("images: 7 blob(s) uploaded"),
        "aicrd's config and two layers; aicr's config, the big layer, the base's and its own: {}",
        run.stderr
    );
    let auth = reg::basic(PUSHER.0, PUSHER.1);
    let head = reg::agent()
        .head(format!("http://{host}/v2/aicr/again-cli/blobs/{layer}"))
        .header("Authorization", &auth)
        .call()
        .unwrap();
    assert_eq!(head.status(), 200, "the layer is in the new repository");
    assert_eq!(
        head.headers()["content-length"].to_str().unwrap(),
        size.to_string()
    );
    let tag = pushed_tag(&run.stderr, &host, "aicr/again-cli");
    assert_eq!(
        reg::resolve(&host, "aicr/again-cli", &tag, Some(&auth)).as_deref(),
        Some(local_digest(&again, "aicr").as_str())
    );

    // Reported, never asserted.
    eprintln!(
        "peak RSS (VmHWM) with a {} MiB layer: push {push_kib} KiB ({push_time:.2?}), pull and build {pull_kib} KiB ({pull_time:.2?}), push again {repush_kib} KiB ({repush_time:.2?})",
        size >> 20
    );
    // The layer never sits in memory: each process stays below its size.
    for (what, kib) in [
        ("push", push_kib),
        ("pull", pull_kib),
        ("push again", repush_kib),
    ] {
        assert!(kib > 0, "{what}: no sample");
        assert!(
            kib * 1024 < LAYER,
            "{what}: peak RSS {kib} KiB is not below the {} MiB layer",
            LAYER >> 20
        );
    }
}

#[derive(Default)]
struct Storage {
    /// (path, Authorization header) of each request.
    seen: Vec<(String, Option<String>)>,
}

#[test]
fn redirected_blob_reads_never_carry_credentials() {
    let registry = reg::start(Auth::Basic(&[PUSHER]), true);
    let host = registry.host.clone();
    let pusher = creds(PUSHER);
    let repo = tagged("redir", "static");
    repo.xtask(&["release", "--tag", "v1.2.3", "--fake-binaries"])
        .success();
    repo.xtask_env(&["images", "--no-build", "--push", &host], &env_of(&pusher))
        .success();
    let digest = local_digest(&repo, "aicrd");

    // The storage host, on another loopback address, serves the layout's blobs.
    let storage = Arc::new(Mutex::new(Storage::default()));
    let blobs = repo.work.join("target/dist/images/aicrd/blobs/sha256");
    let app = axum::Router::new()
        .route(
            "/storage/{digest}",
            axum::routing::get(
                |State((log, dir)): State<(Arc<Mutex<Storage>>, PathBuf)>,
                 UrlPath(digest): UrlPath<String>,
                 headers: HeaderMap| async move {
                    log.lock().unwrap().seen.push((
                        digest.clone(),
                        headers
                            .get("authorization")
                            .map(|v| v.to_str().unwrap().to_owned()),
                    ));
                    let bytes = fs::read(dir.join(digest.trim_start_matches("sha256:"))).unwrap();
                    Response::new(Body::from(bytes))
                },
            ),
        )
        .with_state((storage.clone(), blobs));
    let store = reg::serve("127.0.0.2", app);
    let store_addr = store.addr.clone();
    let (front, log) = reg::front(&host, move |seen, _| {
        let blob = seen.method == "GET" && seen.path.contains("/blobs/sha256:");
        blob.then(|| {
            let digest = seen.path.rsplit('/').next().unwrap();
            Response::builder()
                .status(307)
                .header("location", format!("http://{store_addr}/storage/{digest}"))
                .body(Body::empty())
                .unwrap()
        })
    });

    let based = image_repo(
        "redir-based",
        &format!("{}/aicr/redir:v1.2.3@{digest}", front.addr),
    );
    based
        .xtask(&["release", "--snapshot", "--fake-binaries"])
        .success();
    let run = based.xtask_env(&["images", "--pull"], &env_of(&pusher));
    assert!(run.ok, "{}", run.stderr);
    let manifest = first_manifest(&based.work.join("target/dist/images/aicr"));
    assert_eq!(
        manifest["layers"].as_array().unwrap().len(),
        3,
        "the blobs arrived"
    );
    let seen = storage.lock().unwrap().seen.clone();
    assert!(
        seen.len() >= 3,
        "config and two layers from storage: {seen:?}"
    );
    assert!(
        seen.iter().all(|(_, auth)| auth.is_none()),
        "the storage host got credentials: {seen:?}"
    );
    let fronted = log.seen();
    assert!(
        fronted
            .iter()
            .any(|s| s.path.contains("/blobs/") && s.authorization.is_some()),
        "the registry itself gets them: {fronted:?}"
    );
}

#[test]
fn server_errors_are_retried_then_reported_naming_the_step() {
    let registry = reg::start(Auth::None, true);
    let host = registry.host.clone();
    let repo = tagged("flaky", "static");
    repo.xtask(&["release", "--tag", "v1.2.3", "--fake-binaries"])
        .success();

    let (front, log) = reg::front(&host, |_, n| (n < 3).then(|| reg::status(500, "boom")));
    let run = repo.xtask(&["images", "--no-build", "--push", &front.addr]);
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("answered 500; trying again (3 of 5 tries)"),
        "{}",
        run.stderr
    );
    assert_eq!(
        reg::resolve(&host, "aicr/flaky", "v1.2.3", None).as_deref(),
        Some(local_digest(&repo, "aicrd").as_str())
    );
    assert!(log.seen().len() > 3);

    let (busy, _) = reg::front(&host, |_, n| {
        (n == 0).then(|| {
            Response::builder()
                .status(429)
                .header("retry-after", "1")
                .body(Body::empty())
                .unwrap()
        })
    });
    let run = repo.xtask(&["images", "--no-build", "--push", &busy.addr]);
    assert!(
        run.ok && run.stderr.contains("answered 429; trying again"),
        "{}",
        run.stderr
    );

    let relay = reg::dropping_relay(&host, 1);
    let run = repo.xtask(&["images", "--no-build", "--push", &relay]);
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stderr.contains("failed (") && run.stderr.contains("trying again (1 of 5 tries)"),
        "a dropped connection is retried: {}",
        run.stderr
    );

    let (broken, log) = reg::front(&host, |_, _| Some(reg::status(500, "always")));
    let err = repo
        .xtask(&["images", "--no-build", "--push", &broken.addr])
        .failure(&format!(
            "pushing image aicrd to {}/aicr/flaky",
            broken.addr
        ));
    assert!(
        err.contains(&format!(
            "registry {} answered 500 after 5 tries",
            broken.addr
        )),
        "{err}"
    );
    assert!(err.contains("HEAD http://"), "the request is named: {err}");
    assert_eq!(log.seen().len(), 5, "bounded tries");
}

#[test]
fn bases_are_checked_against_their_pins() {
    let registry = reg::start(Auth::None, false);
    let host = registry.host.clone();
    let repo = tagged("pinned", "static");
    repo.xtask(&["release", "--tag", "v1.2.3", "--fake-binaries"])
        .success();
    repo.xtask(&["images", "--no-build", "--push", &host])
        .success();
    let digest = local_digest(&repo, "aicrd");

    let wrong = format!("sha256:{}", "0".repeat(64));
    let mismatch = tagged("mismatch", &format!("{host}/aicr/pinned:v1.2.3@{wrong}"));
    let err = mismatch
        .xtask(&["release", "--tag", "v1.2.3", "--fake-binaries"])
        .failure(&format!("serves {digest}, not the pinned {wrong}"));
    assert!(err.contains("image aicr: its base"), "{err}");
    assert!(
        !mismatch.work.join("target/dist/images/aicr").exists(),
        "no image on a wrong base"
    );

    let unpinned = tagged("unpinned", &format!("{host}/aicr/pinned:v1.2.3"));
    unpinned
        .xtask(&["release", "--tag", "v1.2.3", "--fake-binaries"])
        .failure("is not pinned by digest, and a tagged release needs it pinned");
    assert!(
        !unpinned.work.join("target/tools/bases").exists(),
        "nothing pulled"
    );
    // A snapshot may use it, with a warning.
    unpinned
        .xtask(&["release", "--snapshot", "--fake-binaries"])
        .success();
    let run = unpinned.xtask(&["images", "--pull"]);
    assert!(run.ok, "{}", run.stderr);
    assert!(run.stderr.contains("warning: its base"), "{}", run.stderr);
    assert!(
        unpinned
            .work
            .join("target/dist/images/aicr/index.json")
            .is_file()
    );

    let good = tagged("good", &format!("{host}/aicr/pinned:v1.2.3@{digest}"));
    good.xtask(&["release", "--tag", "v1.2.3", "--fake-binaries"])
        .success();
    assert!(
        good.work
            .join("target/dist/images/aicr/index.json")
            .is_file()
    );
}

#[test]
fn a_release_whose_credentials_cannot_push_publishes_nothing() {
    let registry = reg::start(Auth::Basic(&[PUSHER]), false);
    let host = registry.host.clone();
    let repo = image_repo("preflight", "static");
    // The images' own registry is the local one, as ghcr.io is for a real release.
    let def = fs::read_to_string(repo.work.join("dist/release.toml")).unwrap();
    fs::write(
        repo.work.join("dist/release.toml"),
        def.replace(
            "repository = \"ghcr.io/",
            &format!("repository = \"{host}/"),
        ),
    )
    .unwrap();
    repo.git(&[
        "commit",
        "--quiet",
        "-am",
        "build: images on the local registry",
    ]);
    repo.git(&["push", "--quiet", "origin", "main"]);
    repo.tag_pushed("v1.2.3");
    let keys = repo.work.parent().unwrap().join("keys");
    repo.xtask(&["keygen", "--out", keys.to_str().unwrap()])
        .success();
    let key = fs::read_to_string(keys.join("aicr-signing.key")).unwrap();
    let wrong = creds((PUSHER.0, "not-the-password"));
    let mut env = env_of(&wrong);
    env.extend([
        ("AICR_SIGNING_KEY", key.as_str()),
        ("GITHUB_TOKEN", "test-token"),
        ("AICR_GITHUB_API", "http://127.0.0.1:9"),
    ]);
    let err = repo
        .xtask_env(
            &["release", "--tag", "v1.2.3", "--publish", "--fake-binaries"],
            &env,
        )
        .failure("step preflight failed");
    assert!(
        err.contains("problem(s) found before publishing; nothing was pushed, tagged or uploaded"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "images-push: registry {host} denies push to aicr/preflight-cli"
        )),
        "{err}"
    );
    assert!(
        err.contains("github-release: GITHUB_TOKEN cannot read NVIDIA/aicr"),
        "{err}"
    );
    assert!(!err.contains("not-the-password"), "{err}");
    let auth = reg::basic(PUSHER.0, PUSHER.1);
    for repository in ["aicr/preflight", "aicr/preflight-cli"] {
        assert_eq!(
            reg::resolve(&host, repository, "v1.2.3", Some(&auth)),
            None,
            "{repository} has no tag"
        );
    }
}

/// `verify --image` of pushed images, read back through the registry with credentials:
/// the referrers the push stored under the referrers tag schema (Debian's registry has
/// no referrers API) verify; another key, no credentials and a referrers list stripped
/// of its SBOM each fail naming the problem.
#[test]
fn pushed_images_verify_from_the_registry() {
    let registry = reg::start(Auth::Basic(&[PUSHER]), false);
    let host = registry.host.clone();
    let repo = tagged("remote", "static");
    let keys = repo.work.parent().unwrap().join("keys");
    let other = repo.work.parent().unwrap().join("other-keys");
    for dir in [&keys, &other] {
        repo.xtask(&["keygen", "--out", dir.to_str().unwrap()])
            .success();
    }
    let pem = fs::read_to_string(keys.join("aicr-signing.key")).unwrap();
    repo.xtask_env(
        &["release", "--tag", "v1.2.3", "--fake-binaries"],
        &[("AICR_SIGNING_KEY", &pem)],
    )
    .success();
    let pusher = creds(PUSHER);
    repo.xtask_env(&["images", "--no-build", "--push", &host], &env_of(&pusher))
        .success();
    let image = format!("{host}/aicr/remote:v1.2.3");
    let public = keys.join("aicr-signing.pub");
    let verify = |key: &Path, env: &[(&str, &str)]| {
        repo.xtask_env(
            &["verify", "--image", &image, "--key", key.to_str().unwrap()],
            env,
        )
    };

    let out = verify(&public, &env_of(&pusher)).success();
    assert!(out.ends_with("PASSED\n"), "{out}");
    let index = local_digest(&repo, "aicrd");
    assert!(
        out.contains(&format!(
            "https://slsa.dev/provenance/v1 of the index ({index}), signed"
        )),
        "{out}"
    );
    assert!(
        out.contains("linux/amd64 https://spdx.dev/Document"),
        "{out}"
    );
    // By digest as well.
    let pinned = format!("{host}/aicr/remote@{index}");
    let by_digest = repo
        .xtask_env(
            &[
                "verify",
                "--image",
                &pinned,
                "--key",
                public.to_str().unwrap(),
            ],
            &env_of(&pusher),
        )
        .success();
    assert!(by_digest.ends_with("PASSED\n"), "{by_digest}");

    let run = verify(&other.join("aicr-signing.pub"), &env_of(&pusher));
    assert!(!run.ok);
    assert!(
        run.stdout.contains("signature does not verify"),
        "{}",
        run.stdout
    );

    let err = verify(&public, &[]).failure("registry");
    assert!(
        err.contains(&format!("cannot read {image}"))
            && err.contains("AICR_REGISTRY_USERNAME and AICR_REGISTRY_PASSWORD to an account that may pull from it"),
        "{err}"
    );

    // The referrers tag of the index, rewritten without its SBOM.
    let tag = index.replacen(':', "-", 1);
    let auth = reg::basic(PUSHER.0, PUSHER.1);
    let mut listed: Value = serde_json::from_slice(
        &reg::agent()
            .get(format!("http://{host}/v2/aicr/remote/manifests/{tag}"))
            .header("Accept", "application/vnd.oci.image.index.v1+json")
            .header("Authorization", &auth)
            .call()
            .unwrap()
            .body_mut()
            .read_to_vec()
            .unwrap(),
    )
    .unwrap();
    let before = listed["manifests"].as_array().unwrap().len();
    listed["manifests"].as_array_mut().unwrap().retain(|m| {
        m["annotations"]["dev.sigstore.bundle.predicateType"] != "https://spdx.dev/Document"
    });
    assert_eq!(listed["manifests"].as_array().unwrap().len(), before - 1);
    let put = reg::agent()
        .put(format!("http://{host}/v2/aicr/remote/manifests/{tag}"))
        .header("Content-Type", "application/vnd.oci.image.index.v1+json")
        .header("Authorization", &auth)
        .send(serde_json::to_vec(&listed).unwrap())
        .unwrap();
    assert_eq!(put.status(), 201);
    let run = verify(&public, &env_of(&pusher));
    assert!(!run.ok);
    assert!(
        run.stdout.contains(&format!(
            "no valid https://spdx.dev/Document referrer is attached to the index ({index})"
        )),
        "{}",
        run.stdout
    );
}
