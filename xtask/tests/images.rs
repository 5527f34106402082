// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask images`: OCI layouts that validate against the image-spec schemas, and a
//! push to a real registry process (Debian's docker-registry) on 127.0.0.1; a Python
//! image of a wheel served on 127.0.0.1, on a base layout the test makes.

mod support;

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::{Repo, release_repo};

/// The OCI image-spec schemas, committed under `tests/data`.
const SCHEMAS: &str = "schemas/oci-image-spec-v1.1.1";

fn schema(name: &str) -> Vec<u8> {
    support::read_data(&format!("{SCHEMAS}/{name}"))
}

/// Resolves the schemas' web `$ref`s to the local copies, by file name.
struct LocalSchemas;

impl jsonschema::Retrieve for LocalSchemas {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri
            .path()
            .as_str()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let name = if name.ends_with(".json") {
            name
        } else {
            format!("{name}.json")
        };
        let path = support::data(SCHEMAS).join(&name);
        let bytes = fs::read(&path)
            .map_err(|e| format!("the schema {} is not committed: {e}", path.display()))?;
        Ok(serde_json::from_slice(&bytes)?)
    }
}

fn validate(schema_file: &str, doc: &Value) {
    let schema: Value = serde_json::from_slice(&schema(schema_file))
        .unwrap_or_else(|e| panic!("{SCHEMAS}/{schema_file} is not JSON: {e}"));
    let validator = jsonschema::options()
        .with_retriever(LocalSchemas)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{schema_file}: {errors:#?}");
}

/// The release fixture with the aicrd image, whose repository is `aicr/<name>`, and the
/// aicr image on a base no registry serves.
fn image_repo(name: &str) -> Repo {
    image_repo_on(name, "127.0.0.1:9/missing/base:1")
}

/// The release fixture with the aicrd image (static base) and the aicr image on `base`.
fn image_repo_on(name: &str, base: &str) -> Repo {
    support::image_repo(name, base)
}

fn blob(dir: &Path, digest: &str) -> Vec<u8> {
    fs::read(
        dir.join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:")),
    )
    .unwrap()
}

fn check_descriptor(dir: &Path, d: &Value) -> Vec<u8> {
    let bytes = blob(dir, d["digest"].as_str().unwrap());
    assert_eq!(
        d["size"].as_u64().unwrap(),
        bytes.len() as u64,
        "size of {}",
        d["digest"]
    );
    use sha2::Digest;
    let actual: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(d["digest"].as_str().unwrap(), format!("sha256:{actual}"));
    bytes
}

/// The first platform's manifest of a layout, every descriptor on the way checked.
fn first_manifest(dir: &Path) -> Value {
    let top: Value = serde_json::from_slice(&fs::read(dir.join("index.json")).unwrap()).unwrap();
    let index: Value =
        serde_json::from_slice(&check_descriptor(dir, &top["manifests"][0])).unwrap();
    serde_json::from_slice(&check_descriptor(dir, &index["manifests"][0])).unwrap()
}

#[test]
fn layouts_validate_and_every_digest_matches() {
    let repo = image_repo("layout");
    let run = repo.xtask(&["release", "--snapshot", "--fake-binaries"]);
    assert!(run.ok, "{}", run.stderr);
    assert!(run.stderr.contains("images: aicr: skipped, its base 127.0.0.1:9/missing/base:1 is pulled for tagged releases only"), "{}", run.stderr);
    let pull = repo.xtask(&["images", "--pull"]);
    assert!(
        pull.stderr.contains(
            "images: aicr: skipped, its base 127.0.0.1:9/missing/base:1 cannot be pulled"
        ),
        "{}",
        pull.stderr
    );
    let dir = repo.work.join("target/dist/images/aicrd");
    let layout: Value = serde_json::from_slice(&fs::read(dir.join("oci-layout")).unwrap()).unwrap();
    validate("image-layout-schema.json", &layout);
    let top: Value = serde_json::from_slice(&fs::read(dir.join("index.json")).unwrap()).unwrap();
    validate("image-index-schema.json", &top);
    let index: Value =
        serde_json::from_slice(&check_descriptor(&dir, &top["manifests"][0])).unwrap();
    validate("image-index-schema.json", &index);
    for entry in index["manifests"].as_array().unwrap() {
        let manifest: Value = serde_json::from_slice(&check_descriptor(&dir, entry)).unwrap();
        validate("image-manifest-schema.json", &manifest);
        let config: Value =
            serde_json::from_slice(&check_descriptor(&dir, &manifest["config"])).unwrap();
        validate("config-schema.json", &config);
        assert_eq!(config["config"]["User"], "65532:65532");
        assert_eq!(config["architecture"], entry["platform"]["architecture"]);
        assert_eq!(
            config["config"]["Labels"]["org.opencontainers.image.licenses"],
            "Apache-2.0"
        );
        let layers = manifest["layers"].as_array().unwrap();
        assert_eq!(layers.len(), 2, "the static base and the binary");
        for (layer, diff_id) in layers
            .iter()
            .zip(config["rootfs"]["diff_ids"].as_array().unwrap())
        {
            let gz = check_descriptor(&dir, layer);
            let mut raw = Vec::new();
            flate2::read::GzDecoder::new(&gz[..])
                .read_to_end(&mut raw)
                .unwrap();
            use sha2::Digest;
            let actual: String = sha2::Sha256::digest(&raw)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(
                diff_id.as_str().unwrap(),
                format!("sha256:{actual}"),
                "diff_id is the uncompressed layer"
            );
        }
    }
    // The same commit gives the same image digest.
    let first = top["manifests"][0]["digest"].clone();
    repo.xtask(&["release", "--snapshot", "--fake-binaries"])
        .success();
    let again: Value = serde_json::from_slice(&fs::read(dir.join("index.json")).unwrap()).unwrap();
    assert_eq!(again["manifests"][0]["digest"], first);
    // skopeo re-checks every digest while copying the layout.
    if Command::new("skopeo").arg("--version").output().is_ok() {
        let target = repo.work.parent().unwrap().join("skopeo-copy");
        let out = Command::new("skopeo")
            .args(["copy", "--all", "--quiet"])
            .arg(format!("oci:{}", dir.display()))
            .arg(format!("oci:{}", target.display()))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "skopeo: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn start_registry() -> support::registry::Registry {
    support::registry::start(support::registry::Auth::None, false)
}

fn resolve(host: &str, repo: &str, reference: &str) -> Option<String> {
    support::registry::resolve(host, repo, reference, None)
}

#[test]
fn push_to_a_real_registry_with_tags_by_channel() {
    let registry = start_registry();
    // A tagged release builds every image: both on the static base here.
    let repo = image_repo_on("stable", "static");
    repo.tag_pushed("v1.2.3");
    repo.xtask(&["release", "--tag", "v1.2.3", "--fake-binaries"])
        .success();
    let dry = repo
        .xtask(&[
            "images",
            "--no-build",
            "--push",
            &registry.host,
            "--dry-run",
        ])
        .success();
    assert!(dry.contains("/v2/aicr/stable/manifests/latest"), "{dry}");
    assert_eq!(
        resolve(&registry.host, "aicr/stable", "v1.2.3"),
        None,
        "a dry run sends nothing"
    );

    let run = repo.xtask(&["images", "--no-build", "--push", &registry.host]);
    assert!(run.ok, "{}", run.stderr);
    let top: Value = serde_json::from_slice(
        &fs::read(repo.work.join("target/dist/images/aicrd/index.json")).unwrap(),
    )
    .unwrap();
    let local = top["manifests"][0]["digest"].as_str().unwrap();
    assert_eq!(
        resolve(&registry.host, "aicr/stable", "v1.2.3").as_deref(),
        Some(local)
    );
    assert_eq!(
        resolve(&registry.host, "aicr/stable", "latest").as_deref(),
        Some(local)
    );
    let again = repo.xtask(&["images", "--no-build", "--push", &registry.host]);
    assert!(
        again.stderr.contains("images: 0 blob(s) uploaded"),
        "{}",
        again.stderr
    );

    // A hotfix of an older line pushes its own tag and leaves latest where it is.
    fs::write(repo.work.join("docs/README.md"), "# aicr\nhotfix\n").unwrap();
    repo.git(&["commit", "--quiet", "-am", "fix: a hotfix"]);
    repo.git(&["push", "--quiet", "origin", "main"]);
    repo.tag_pushed("v1.2.1");
    repo.xtask(&["release", "--tag", "v1.2.1", "--fake-binaries"])
        .success();
    repo.xtask(&["images", "--no-build", "--push", &registry.host])
        .success();
    let hotfix = resolve(&registry.host, "aicr/stable", "v1.2.1").unwrap();
    assert_ne!(hotfix, local);
    assert_eq!(
        resolve(&registry.host, "aicr/stable", "latest").as_deref(),
        Some(local),
        "latest stays on v1.2.3"
    );

    // The pushed image serves as a registry base: pulled through the distribution API.
    let pulled = image_repo("pulled");
    let def = fs::read_to_string(pulled.work.join("dist/release.toml")).unwrap();
    let def = def.replace(
        "127.0.0.1:9/missing/base:1",
        &format!("{}/aicr/stable:v1.2.3", registry.host),
    );
    fs::write(pulled.work.join("dist/release.toml"), def).unwrap();
    pulled.git(&["commit", "--quiet", "-am", "build: a registry base"]);
    pulled
        .xtask(&["release", "--snapshot", "--fake-binaries"])
        .success();
    let run = pulled.xtask(&["images", "--pull"]);
    assert!(
        run.ok && run.stderr.contains("images: pulling base"),
        "{}",
        run.stderr
    );
    let manifest = first_manifest(&pulled.work.join("target/dist/images/aicr"));
    assert_eq!(
        manifest["layers"].as_array().unwrap().len(),
        3,
        "the pulled base's two layers and the binary's"
    );

    let rc = image_repo_on("candidate", "static");
    rc.tag_pushed("v1.3.0-rc1");
    rc.xtask(&["release", "--tag", "v1.3.0-rc1", "--fake-binaries"])
        .success();
    rc.xtask(&["images", "--no-build", "--push", &registry.host])
        .success();
    assert!(resolve(&registry.host, "aicr/candidate", "v1.3.0-rc1").is_some());
    assert_eq!(
        resolve(&registry.host, "aicr/candidate", "latest"),
        None,
        "no latest for a candidate"
    );
}

#[test]
fn a_base_layout_can_be_supplied() {
    // The aicrd layout of one build serves as the base of the aicr image.
    let repo = image_repo("based");
    repo.xtask(&["release", "--snapshot", "--fake-binaries"])
        .success();
    let base = repo.work.parent().unwrap().join("base-layout");
    let copy = Command::new("cp")
        .arg("-r")
        .arg(repo.work.join("target/dist/images/aicrd"))
        .arg(&base)
        .status()
        .unwrap();
    assert!(copy.success());
    let run = repo.xtask(&["images", "--base", &format!("aicr=oci:{}", base.display())]);
    assert!(run.ok, "{}", run.stderr);
    let manifest = first_manifest(&repo.work.join("target/dist/images/aicr"));
    assert_eq!(
        manifest["layers"].as_array().unwrap().len(),
        3,
        "the base's two layers and the binary's"
    );
    repo.xtask(&["images", "--base", "aicr=docker://x"])
        .failure("only oci:DIR layouts are supported");
}

/// The referrers of a layout: (index.json entry, artifact manifest).
fn referrers(dir: &Path) -> Vec<(Value, Value)> {
    let top: Value = serde_json::from_slice(&fs::read(dir.join("index.json")).unwrap()).unwrap();
    top["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["artifactType"] == "application/vnd.dev.sigstore.bundle.v0.3+json")
        .map(|e| {
            (
                e.clone(),
                serde_json::from_slice(&check_descriptor(dir, e)).unwrap(),
            )
        })
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes `bytes` as a blob of the layout; returns its descriptor.
fn put_blob(dir: &Path, media_type: &str, bytes: &[u8]) -> Value {
    let hex = sha256_hex(bytes);
    fs::write(dir.join("blobs/sha256").join(&hex), bytes).unwrap();
    serde_json::json!({ "mediaType": media_type, "digest": format!("sha256:{hex}"), "size": bytes.len() })
}

/// A copy of `layout` whose referrer number `n` is replaced by `edit(manifest)`, the
/// layout's index updated so every digest matches (or the referrer removed on `None`).
fn tampered(layout: &Path, n: usize, edit: impl FnOnce(&Path, Value) -> Option<Value>) -> PathBuf {
    let copy = layout.with_file_name(format!(
        "{}-tampered-{}",
        layout.file_name().unwrap().to_string_lossy(),
        sha256_hex(format!("{n}{:?}", std::time::Instant::now()).as_bytes())
    ));
    let status = Command::new("cp")
        .arg("-r")
        .arg(layout)
        .arg(&copy)
        .status()
        .unwrap();
    assert!(status.success());
    let (entry, manifest) = referrers(&copy).swap_remove(n);
    let mut top: Value =
        serde_json::from_slice(&fs::read(copy.join("index.json")).unwrap()).unwrap();
    let entries = top["manifests"].as_array_mut().unwrap();
    entries.retain(|e| e["digest"] != entry["digest"]);
    if let Some(manifest) = edit(&copy, manifest) {
        let bytes = serde_json::to_vec(&manifest).unwrap();
        let mut d = put_blob(&copy, "application/vnd.oci.image.manifest.v1+json", &bytes);
        d["artifactType"] = manifest["artifactType"].clone();
        entries.push(d);
    }
    fs::write(copy.join("index.json"), serde_json::to_vec(&top).unwrap()).unwrap();
    copy
}

#[test]
fn images_carry_signed_sbom_and_provenance_referrers_that_verify() {
    let repo = image_repo("attested");
    // Two platforms of aicrd (placeholder binaries: nothing is compiled).
    let def = fs::read_to_string(repo.work.join("dist/release.toml")).unwrap();
    fs::write(
        repo.work.join("dist/release.toml"),
        def.replace(
            "targets = [\"x86_64-unknown-linux-musl\"]",
            "targets = [\"x86_64-unknown-linux-musl\", \"aarch64-unknown-linux-musl\"]",
        ),
    )
    .unwrap();
    repo.git(&["commit", "--quiet", "-am", "build: aicrd for arm64 too"]);
    let keys = repo.work.parent().unwrap().join("keys");
    let other = repo.work.parent().unwrap().join("other-keys");
    repo.xtask(&["keygen", "--out", keys.to_str().unwrap()])
        .success();
    repo.xtask(&["keygen", "--out", other.to_str().unwrap()])
        .success();
    let pem = fs::read_to_string(keys.join("aicr-signing.key")).unwrap();
    let run = repo.xtask_env(
        &["release", "--snapshot", "--all-targets", "--fake-binaries"],
        &[("AICR_SIGNING_KEY", &pem)],
    );
    assert!(run.ok, "{}", run.stderr);
    let layout = repo.work.join("target/dist/images/aicrd");
    let public = keys.join("aicr-signing.pub");
    let verify = |dir: &Path, key: &Path| {
        repo.xtask(&[
            "verify",
            "--image",
            &format!("oci:{}", dir.display()),
            "--key",
            key.to_str().unwrap(),
        ])
    };

    // Provenance and an SBOM for the index and each of the two platforms.
    let found = referrers(&layout);
    assert_eq!(found.len(), 6);
    for (_, manifest) in &found {
        validate("image-manifest-schema.json", manifest);
        assert_eq!(
            manifest["config"]["mediaType"],
            "application/vnd.oci.empty.v1+json"
        );
    }
    let out = verify(&layout, &public).success();
    assert!(out.ends_with("PASSED\n"), "{out}");
    assert!(
        out.contains("linux/arm64 https://spdx.dev/Document"),
        "{out}"
    );
    // `images --list` names each image with its index digest and SBOM file, and the
    // file is the SBOM signed and attached to the index.
    let listed: Value = serde_json::from_str(
        &repo
            .xtask(&["images", "--list", "--push", "127.0.0.1:5000"])
            .success(),
    )
    .unwrap();
    let entry = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "aicrd")
        .unwrap();
    let top: Value = serde_json::from_slice(&fs::read(layout.join("index.json")).unwrap()).unwrap();
    let index_digest = top["manifests"][0]["digest"].clone();
    assert_eq!(entry["digest"], index_digest);
    assert_eq!(entry["repository"], "127.0.0.1:5000/aicr/attested");
    let file: Value = serde_json::from_slice(
        &fs::read(
            repo.work
                .join("target/dist")
                .join(entry["sbom"].as_str().unwrap()),
        )
        .unwrap(),
    )
    .unwrap();
    let signed = found
        .iter()
        .find(|(_, m)| {
            m["subject"]["digest"] == index_digest
                && m["annotations"]["dev.sigstore.bundle.predicateType"]
                    == "https://spdx.dev/Document"
        })
        .map(|(_, m)| {
            use base64::Engine as _;
            let bundle: Value =
                serde_json::from_slice(&blob(&layout, m["layers"][0]["digest"].as_str().unwrap()))
                    .unwrap();
            let payload = base64::engine::general_purpose::STANDARD
                .decode(bundle["dsseEnvelope"]["payload"].as_str().unwrap())
                .unwrap();
            serde_json::from_slice::<Value>(&payload).unwrap()["predicate"].clone()
        })
        .unwrap();
    assert_eq!(file, signed);

    // The whole release's verify checks the images as well.
    let whole = repo
        .xtask(&["verify", "--key", public.to_str().unwrap()])
        .success();
    assert!(whole.contains("image aicrd: referrer sha256:"), "{whole}");
    let index = |n: usize| -> usize {
        found
            .iter()
            .position(|(_, m)| {
                m["annotations"]["dev.sigstore.bundle.predicateType"]
                    == if n == 0 {
                        "https://slsa.dev/provenance/v1"
                    } else {
                        "https://spdx.dev/Document"
                    }
            })
            .unwrap()
    };

    // Another key.
    let other_pub = other.join("aicr-signing.pub");
    let run = verify(&layout, &other_pub);
    assert!(!run.ok);
    assert!(
        run.stdout.contains("signature does not verify"),
        "{}",
        run.stdout
    );

    // A flipped payload byte, the bundle re-hashed so only the signature can tell.
    let flipped = tampered(&layout, index(0), |dir, mut manifest| {
        let bundle_bytes = check_descriptor(dir, &manifest["layers"][0]);
        let mut bundle: Value = serde_json::from_slice(&bundle_bytes).unwrap();
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut payload = b64
            .decode(bundle["dsseEnvelope"]["payload"].as_str().unwrap())
            .unwrap();
        let last = payload.len() - 2;
        payload[last] ^= 0x01;
        bundle["dsseEnvelope"]["payload"] = Value::String(b64.encode(&payload));
        manifest["layers"][0] = put_blob(
            dir,
            "application/vnd.dev.sigstore.bundle.v0.3+json",
            &serde_json::to_vec(&bundle).unwrap(),
        );
        Some(manifest)
    });
    let run = verify(&flipped, &public);
    assert!(!run.ok);
    assert!(
        run.stdout.contains("signature does not verify"),
        "{}",
        run.stdout
    );

    // A signed statement about another digest, attached to the index.
    let top: Value = serde_json::from_slice(&fs::read(layout.join("index.json")).unwrap()).unwrap();
    let index_digest = top["manifests"][0]["digest"].clone();
    let platform_sbom = found
        .iter()
        .position(|(_, m)| {
            m["subject"]["digest"] != index_digest
                && m["annotations"]["dev.sigstore.bundle.predicateType"]
                    == "https://spdx.dev/Document"
        })
        .unwrap();
    let moved = tampered(&layout, platform_sbom, |_, mut manifest| {
        manifest["subject"] = top["manifests"][0].clone();
        manifest["subject"]
            .as_object_mut()
            .unwrap()
            .remove("annotations");
        Some(manifest)
    });
    let run = verify(&moved, &public);
    assert!(!run.ok);
    assert!(
        run.stdout.contains("do not include")
            && run.stdout.contains("the manifest it is attached to"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("no valid https://spdx.dev/Document referrer is attached to the linux/"),
        "{}",
        run.stdout
    );

    // A missing SPDX referrer.
    let missing = tampered(&layout, platform_sbom, |_, _| None);
    let run = verify(&missing, &public);
    assert!(!run.ok);
    assert!(
        run.stdout
            .contains("no valid https://spdx.dev/Document referrer is attached to the linux/"),
        "{}",
        run.stdout
    );

    // A platform's referrer attached to the other platform.
    let index_blob: Value =
        serde_json::from_slice(&check_descriptor(&layout, &top["manifests"][0])).unwrap();
    let (_, chosen) = &found[platform_sbom];
    let elsewhere = index_blob["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["digest"] != chosen["subject"]["digest"])
        .unwrap()
        .clone();
    let wrong = tampered(&layout, platform_sbom, |_, mut manifest| {
        let mut subject = elsewhere.clone();
        subject.as_object_mut().unwrap().remove("platform");
        manifest["subject"] = subject;
        Some(manifest)
    });
    let run = verify(&wrong, &public);
    assert!(!run.ok);
    assert!(run.stdout.contains("do not include"), "{}", run.stdout);
}

const PHASES: [&str; 3] = ["deployment", "performance", "conformance"];

/// The release fixture with a `validator` binary and three images of it, one per phase,
/// as the release definition has them.
fn phase_images_repo() -> Repo {
    let repo = release_repo();
    fs::create_dir_all(repo.work.join("dist/images")).unwrap();
    fs::write(
        repo.work.join("dist/images/ca.crt"),
        "-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let mut def = fs::read_to_string(repo.work.join("dist/release.toml")).unwrap();
    def.push_str("\n[[binary]]\nname = \"validator\"\npackage = \"aicrd\"\ntargets = [\"x86_64-unknown-linux-musl\", \"aarch64-unknown-linux-musl\"]\nformats = []\n");
    for phase in PHASES {
        def.push_str(&format!(
            "\n[[image]]\nname = \"{phase}\"\nbinary = \"validator\"\nargs = [\"{phase}\"]\nrepository = \"ghcr.io/aicr/validators/{phase}\"\nca_bundle = \"dist/images/ca.crt\"\n"
        ));
    }
    fs::write(repo.work.join("dist/release.toml"), def).unwrap();
    repo.xtask(&["notices"]).success();
    repo.git(&["add", "."]);
    repo.commit_pushed("build: validator images");
    repo
}

/// Each platform's manifest of a layout, by architecture.
fn manifests(dir: &Path) -> Vec<(String, Value)> {
    let top: Value = serde_json::from_slice(&fs::read(dir.join("index.json")).unwrap()).unwrap();
    let index: Value =
        serde_json::from_slice(&check_descriptor(dir, &top["manifests"][0])).unwrap();
    index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            let manifest: Value = serde_json::from_slice(&check_descriptor(dir, entry)).unwrap();
            (
                entry["platform"]["architecture"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                manifest,
            )
        })
        .collect()
}

/// The files of a gzipped layer: path and content.
fn layer_files(gz: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(gz));
    let mut files = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.header().entry_type().is_file() {
            let path = entry.path().unwrap().to_string_lossy().into_owned();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            files.push((path, bytes));
        }
    }
    files
}

#[test]
fn images_of_one_binary_share_its_layer_run_their_own_phase_and_upload_it_once() {
    let repo = phase_images_repo();
    repo.xtask(&["release", "--snapshot", "--all-targets", "--fake-binaries"])
        .success();
    let mut binary_layers: Vec<(String, String)> = Vec::new();
    for phase in PHASES {
        let dir = repo.work.join("target/dist/images").join(phase);
        let platforms = manifests(&dir);
        assert_eq!(platforms.len(), 2, "{phase}: one image per linux target");
        for (arch, manifest) in platforms {
            validate("image-manifest-schema.json", &manifest);
            let config: Value =
                serde_json::from_slice(&check_descriptor(&dir, &manifest["config"])).unwrap();
            validate("config-schema.json", &config);
            assert_eq!(
                config["config"]["Entrypoint"],
                serde_json::json!(["/usr/local/bin/validator", phase]),
                "{phase} {arch} runs its own phase"
            );
            let layer = manifest["layers"].as_array().unwrap().last().unwrap();
            let files = layer_files(&check_descriptor(&dir, layer));
            let triple = if arch == "amd64" {
                "x86_64-unknown-linux-musl"
            } else {
                "aarch64-unknown-linux-musl"
            };
            let built = fs::read(
                repo.work
                    .join("target/dist/bin")
                    .join(triple)
                    .join("validator"),
            )
            .unwrap();
            assert!(
                files
                    .iter()
                    .any(|(path, bytes)| path == "usr/local/bin/validator" && *bytes == built),
                "{phase} {arch}: the layer holds the built binary: {:?}",
                files.iter().map(|(p, _)| p).collect::<Vec<_>>()
            );
            binary_layers.push((arch, layer["digest"].as_str().unwrap().to_owned()));
        }
    }
    for arch in ["amd64", "arm64"] {
        let digests: Vec<&str> = binary_layers
            .iter()
            .filter(|(a, _)| a == arch)
            .map(|(_, d)| d.as_str())
            .collect();
        assert_eq!(digests.len(), 3);
        assert!(
            digests.iter().all(|d| *d == digests[0]),
            "the three {arch} images share the binary layer: {digests:?}"
        );
    }

    // Pushed: the shared layers (binary and static base) are uploaded once and mounted
    // into the other two repositories; each image's config is its own.
    let registry = start_registry();
    let dry = repo
        .xtask(&[
            "images",
            "--no-build",
            "--push",
            &registry.host,
            "--dry-run",
        ])
        .success();
    assert!(
        dry.contains(&format!(
            "/v2/aicr/validators/performance/blobs/uploads/?mount={}&from=aicr/validators/deployment",
            binary_layers[0].1
        )),
        "{dry}"
    );
    // Each distinct blob is uploaded once; every other repository that needs it mounts it.
    let mut distinct = std::collections::BTreeSet::new();
    let mut needed = 0;
    for phase in PHASES {
        let dir = repo.work.join("target/dist/images").join(phase);
        let mut blobs = std::collections::BTreeSet::new();
        for (_, manifest) in manifests(&dir) {
            blobs.insert(manifest["config"]["digest"].as_str().unwrap().to_owned());
            for layer in manifest["layers"].as_array().unwrap() {
                blobs.insert(layer["digest"].as_str().unwrap().to_owned());
            }
        }
        needed += blobs.len();
        distinct.extend(blobs);
    }
    let run = repo.xtask(&["images", "--no-build", "--push", &registry.host]);
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "images: {} blob(s) mounted from another repository",
            needed - distinct.len()
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("images: {} blob(s) uploaded", distinct.len())),
        "{}",
        run.stderr
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    for phase in PHASES {
        let status = agent
            .head(format!(
                "http://{}/v2/aicr/validators/{phase}/blobs/{}",
                registry.host, binary_layers[0].1
            ))
            .call()
            .unwrap()
            .status();
        assert_eq!(status, 200, "{phase} holds the binary layer");
        let top: Value = serde_json::from_slice(
            &fs::read(
                repo.work
                    .join("target/dist/images")
                    .join(phase)
                    .join("index.json"),
            )
            .unwrap(),
        )
        .unwrap();
        let version = repo.xtask(&["version"]).success();
        assert_eq!(
            resolve(
                &registry.host,
                &format!("aicr/validators/{phase}"),
                &version.trim().replace('+', "-")
            )
            .as_deref(),
            top["manifests"][0]["digest"].as_str()
        );
    }
}

/// `urlsafe_b64(sha256)` as a wheel's RECORD writes it.
fn record_hash(bytes: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest;
    format!(
        "sha256={}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(bytes))
    )
}

/// The wheel `x-1.0-py3-none-any.whl`: a package, its dist-info (METADATA, WHEEL,
/// entry_points.txt, RECORD) and a script of its `.data`.
fn test_wheel() -> Vec<u8> {
    let files: [(&str, &str, u32); 6] = [
        ("x/__init__.py", "def main():\n    print('x 1.0')\n", 0o644),
        ("x/bench.py", "def run():\n    return 0\n", 0o644),
        (
            "x-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: x\nVersion: 1.0\nLicense-Expression: MIT\n\nThe test wheel.\n",
            0o644,
        ),
        (
            "x-1.0.dist-info/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
            0o644,
        ),
        (
            "x-1.0.dist-info/entry_points.txt",
            "[console_scripts]\nx = x:main\nx-bench = x.bench:run\n",
            0o644,
        ),
        ("x-1.0.data/scripts/x-env", "#!python\nimport sys\n", 0o755),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut record = String::new();
    for (name, text, mode) in files {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(mode);
        zip.start_file(name, options).unwrap();
        std::io::Write::write_all(&mut zip, text.as_bytes()).unwrap();
        record.push_str(&format!(
            "{name},{},{}\n",
            record_hash(text.as_bytes()),
            text.len()
        ));
    }
    record.push_str("x-1.0.dist-info/RECORD,,\n");
    zip.start_file(
        "x-1.0.dist-info/RECORD",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    std::io::Write::write_all(&mut zip, record.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

/// A gzipped tar of `files`.
fn tar_gz(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (path, bytes) in files {
        let mut header = tar::Header::new_ustar();
        header.set_path(path).unwrap();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append(&header, *bytes).unwrap();
    }
    let raw = tar.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &raw).unwrap();
    gz.finish().unwrap()
}

/// A base layout as the official Python images are, for amd64 and arm64: Debian's
/// os-release and dpkg status, pip in site-packages, `PYTHON_VERSION` in the config.
/// Returns the digest of its index.
fn python_base(dir: &Path) -> String {
    fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
    fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let mut entries = Vec::new();
    for arch in ["amd64", "arm64"] {
        let status = format!(
            "Package: libc6\nStatus: install ok installed\nArchitecture: {arch}\nVersion: 2.36-9+deb12u10\n"
        );
        let layer = tar_gz(&[
            ("etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n"),
            ("var/lib/dpkg/status", status.as_bytes()),
            (
                "usr/local/lib/python3.12/site-packages/pip-24.0.dist-info/METADATA",
                b"Metadata-Version: 2.1\nName: pip\nVersion: 24.0\nLicense: MIT\n",
            ),
            ("usr/local/bin/python3.12", b"not a real interpreter"),
        ]);
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(&layer[..])
            .read_to_end(&mut raw)
            .unwrap();
        let layer_d = put_blob(dir, "application/vnd.oci.image.layer.v1.tar+gzip", &layer);
        let config = serde_json::json!({
            "architecture": arch,
            "os": "linux",
            "config": { "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "PYTHON_VERSION=3.12.12"] },
            "rootfs": { "type": "layers", "diff_ids": [format!("sha256:{}", sha256_hex(&raw))] },
        });
        let config_d = put_blob(
            dir,
            "application/vnd.oci.image.config.v1+json",
            &serde_json::to_vec(&config).unwrap(),
        );
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": config_d,
            "layers": [layer_d],
        });
        let mut d = put_blob(
            dir,
            "application/vnd.oci.image.manifest.v1+json",
            &serde_json::to_vec(&manifest).unwrap(),
        );
        d["platform"] = serde_json::json!({ "architecture": arch, "os": "linux" });
        entries.push(d);
    }
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": entries,
    });
    let d = put_blob(
        dir,
        "application/vnd.oci.image.index.v1+json",
        &serde_json::to_vec(&index).unwrap(),
    );
    fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&serde_json::json!({ "schemaVersion": 2, "manifests": [d] })).unwrap(),
    )
    .unwrap();
    d["digest"].as_str().unwrap().to_owned()
}

/// Serves `files` by name over HTTP on 127.0.0.1, counting requests; it stops with the
/// test process.
fn serve_files(
    files: Vec<(String, Vec<u8>)>,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let hits = Arc::new(AtomicUsize::new(0));
    let files: Arc<std::collections::BTreeMap<String, Vec<u8>>> =
        Arc::new(files.into_iter().collect());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let counter = hits.clone();
    let app = axum::Router::new().route(
        "/{name}",
        axum::routing::get(
            move |axum::extract::Path(name): axum::extract::Path<String>| {
                let files = files.clone();
                let counter = counter.clone();
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    match files.get(&name) {
                        Some(bytes) => (axum::http::StatusCode::OK, bytes.clone()),
                        None => (axum::http::StatusCode::NOT_FOUND, Vec::new()),
                    }
                }
            },
        ),
    );
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
    (base, hits)
}

/// The lock of the test wheel, served at `url`.
fn x_lock(url: &str, sha256: &str) -> String {
    format!(
        "# SPDX-License-Identifier: Apache-2.0\n# Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.\nversion = 1\npython = \"3.12\"\nrequirements = [\"x==1.0\"]\nplatforms = [\"linux/amd64\", \"linux/arm64\"]\n\n[[wheel]]\nname = \"x\"\nversion = \"1.0\"\nfilename = \"x-1.0-py3-none-any.whl\"\nurl = \"{url}\"\nsha256 = \"{sha256}\"\nplatforms = [\"linux/amd64\", \"linux/arm64\"]\n"
    )
}

/// The purls of an SPDX document's packages.
fn purls(document: &Value) -> Vec<String> {
    document["packages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["externalRefs"].as_array().cloned().unwrap_or_default())
        .filter_map(|r| r["referenceLocator"].as_str().map(str::to_owned))
        .collect()
}

/// The signed statement of a referrer.
fn statement(dir: &Path, manifest: &Value) -> Value {
    let bundle: Value =
        serde_json::from_slice(&check_descriptor(dir, &manifest["layers"][0])).unwrap();
    use base64::Engine as _;
    let payload = base64::engine::general_purpose::STANDARD
        .decode(bundle["dsseEnvelope"]["payload"].as_str().unwrap())
        .unwrap();
    serde_json::from_slice(&payload).unwrap()
}

#[test]
fn a_python_image_installs_its_locked_wheels_and_its_sbom_lists_them() {
    let repo = release_repo();
    let wheel = test_wheel();
    let sha = sha256_hex(&wheel);
    let (server, hits) = serve_files(vec![("x-1.0-py3-none-any.whl".into(), wheel.clone())]);
    let url = format!("{server}/x-1.0-py3-none-any.whl");
    let base = repo.work.parent().unwrap().join("python-base");
    let pin = python_base(&base);
    fs::write(repo.work.join("dist/x.lock"), x_lock(&url, &sha)).unwrap();
    let mut def = fs::read_to_string(repo.work.join("dist/release.toml")).unwrap();
    def.push_str(&format!(
        "\n[[image]]\nname = \"x-bench\"\npython = {{ version = \"3.12\", requirements = [\"x==1.0\"], lock = \"dist/x.lock\", entrypoint = \"x-bench\" }}\nrepository = \"ghcr.io/aicr/x-bench\"\nbase = \"127.0.0.1:9/python:3.12-slim@{pin}\"\n"
    ));
    fs::write(repo.work.join("dist/release.toml"), def).unwrap();
    repo.git(&["add", "."]);
    repo.commit_pushed("build: a Python image");
    let keys = repo.work.parent().unwrap().join("keys");
    repo.xtask(&["keygen", "--out", keys.to_str().unwrap()])
        .success();
    let pem = fs::read_to_string(keys.join("aicr-signing.key")).unwrap();
    let signed = [("AICR_SIGNING_KEY", pem.as_str())];

    // A snapshot has no base to build it on: skipped as any registry-based image is.
    let run = repo.xtask_env(&["release", "--snapshot", "--fake-binaries"], &signed);
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("images: x-bench: skipped, its base 127.0.0.1:9/python:3.12-slim@sha256:")
            && run.stderr.contains("hint: --base x-bench=oci:DIR"),
        "{}",
        run.stderr
    );
    assert_eq!(
        hits.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "nothing fetched"
    );

    let with_base = format!("x-bench=oci:{}", base.display());
    let run = repo.xtask_env(&["images", "--base", &with_base], &signed);
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("images: x-bench: 1 wheel(s), 1 downloaded"),
        "{}",
        run.stderr
    );
    assert!(
        repo.work
            .join("target/tools/wheels/x-1.0-py3-none-any.whl")
            .is_file(),
        "the wheel is cached"
    );
    let dir = repo.work.join("target/dist/images/x-bench");
    let top: Value = serde_json::from_slice(&fs::read(dir.join("index.json")).unwrap()).unwrap();
    validate("image-index-schema.json", &top);
    let platforms = manifests(&dir);
    assert_eq!(platforms.len(), 2, "linux/amd64 and linux/arm64");
    let committed: u64 = repo.git(&["log", "-1", "--format=%ct"]).parse().unwrap();
    let mut wheel_layers = Vec::new();
    for (arch, manifest) in &platforms {
        validate("image-manifest-schema.json", manifest);
        let config: Value =
            serde_json::from_slice(&check_descriptor(&dir, &manifest["config"])).unwrap();
        validate("config-schema.json", &config);
        assert_eq!(config["config"]["User"], "65532:65532");
        assert_eq!(
            config["config"]["Entrypoint"],
            serde_json::json!(["/usr/local/bin/x-bench"])
        );
        let env: Vec<&str> = config["config"]["Env"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap())
            .collect();
        assert!(env.contains(&"PYTHON_VERSION=3.12.12"), "{env:?}");
        let layers = manifest["layers"].as_array().unwrap();
        assert_eq!(layers.len(), 2, "{arch}: the base's layer and the wheels'");
        let files = layer_files(&check_descriptor(&dir, &layers[1]));
        let file = |path: &str| -> &[u8] {
            &files
                .iter()
                .find(|(p, _)| p == path)
                .unwrap_or_else(|| {
                    panic!(
                        "{arch}: no {path} in {:?}",
                        files.iter().map(|f| &f.0).collect::<Vec<_>>()
                    )
                })
                .1
        };
        let site = "usr/local/lib/python3.12/site-packages";
        assert_eq!(
            file(&format!("{site}/x/__init__.py")),
            b"def main():\n    print('x 1.0')\n"
        );
        let launcher = String::from_utf8(file("usr/local/bin/x-bench").to_vec()).unwrap();
        assert!(
            launcher.starts_with("#!/usr/local/bin/python3.12\n")
                && launcher.contains("from x.bench import run\n")
                && launcher.contains("sys.exit(run())"),
            "{launcher}"
        );
        assert_eq!(
            file("usr/local/bin/x-env"),
            b"#!/usr/local/bin/python3.12\nimport sys\n"
        );
        // Every file the installed RECORD lists is in the layer with its sha256.
        let record =
            String::from_utf8(file(&format!("{site}/x-1.0.dist-info/RECORD")).to_vec()).unwrap();
        let mut listed = 0;
        for line in record.lines() {
            let fields: Vec<&str> = line.split(',').collect();
            if fields[1].is_empty() {
                assert_eq!(fields[0], "x-1.0.dist-info/RECORD");
                continue;
            }
            let path = match fields[0].strip_prefix("../../../") {
                Some(rest) => format!("usr/local/{rest}"),
                None => format!("{site}/{}", fields[0]),
            };
            assert_eq!(record_hash(file(&path)), fields[1], "{path}");
            listed += 1;
        }
        assert_eq!(listed, files.len() - 1, "every file but RECORD: {record}");
        assert_eq!(
            file(&format!("{site}/x-1.0.dist-info/INSTALLER")),
            b"aicr-xtask\n"
        );
        // The layer's entries: sorted, root's, at the commit time.
        let gz = check_descriptor(&dir, &layers[1]);
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&gz[..]));
        let mut names = Vec::new();
        for entry in archive.entries().unwrap() {
            let entry = entry.unwrap();
            assert_eq!(
                (entry.header().uid().unwrap(), entry.header().gid().unwrap()),
                (0, 0)
            );
            assert_eq!(
                entry.header().mtime().unwrap(),
                committed,
                "the commit time"
            );
            let name = entry.path().unwrap().to_string_lossy().into_owned();
            names.push(name.trim_end_matches('/').to_owned());
        }
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        wheel_layers.push(layers[1]["digest"].clone());
    }
    assert_eq!(
        wheel_layers[0], wheel_layers[1],
        "a pure wheel installs the same layer on both"
    );

    // The SBOMs list the locked package with its purl, beside the base's.
    let found = referrers(&dir);
    assert_eq!(found.len(), 6);
    let sbom_schema: Value =
        serde_json::from_slice(&support::read_data("schemas/spdx-2.3/spdx-schema.json")).unwrap();
    let spdx = jsonschema::validator_for(&sbom_schema).unwrap();
    for (_, manifest) in &found {
        let statement = statement(&dir, manifest);
        if statement["predicateType"] == "https://spdx.dev/Document" {
            let document = &statement["predicate"];
            let errors: Vec<String> = spdx.iter_errors(document).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{errors:#?}");
            let purls = purls(document);
            assert!(purls.contains(&"pkg:pypi/x@1.0".to_owned()), "{purls:?}");
            assert!(purls.contains(&"pkg:pypi/pip@24.0".to_owned()), "{purls:?}");
            assert!(
                purls.iter().any(|p| p.starts_with("pkg:deb/debian/libc6@")),
                "{purls:?}"
            );
            assert!(
                !document["packages"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["primaryPackagePurpose"] == "APPLICATION"),
                "no binary, no crates"
            );
        } else {
            let build = &statement["predicate"]["buildDefinition"];
            assert_eq!(
                build["externalParameters"]["image"]["python"]["lock"],
                "dist/x.lock"
            );
            let wheel = build["resolvedDependencies"]
                .as_array()
                .unwrap()
                .iter()
                .find(|d| d["name"] == "x-1.0-py3-none-any.whl")
                .unwrap();
            assert_eq!(wheel["uri"], url.as_str());
            assert_eq!(wheel["digest"]["sha256"], sha.as_str());
        }
    }
    let public = keys.join("aicr-signing.pub");
    let out = repo
        .xtask(&[
            "verify",
            "--image",
            &format!("oci:{}", dir.display()),
            "--key",
            public.to_str().unwrap(),
        ])
        .success();
    assert!(out.ends_with("PASSED\n"), "{out}");
    assert!(out.contains("lists the 1 locked Python packages"), "{out}");

    // The same commit and wheels: the same image, the wheel taken from the cache.
    let first = top["manifests"][0]["digest"].clone();
    let again = repo.xtask_env(&["images", "--base", &with_base], &signed);
    assert!(
        again.ok && again.stderr.contains("1 wheel(s), 0 downloaded"),
        "{}",
        again.stderr
    );
    let top: Value = serde_json::from_slice(&fs::read(dir.join("index.json")).unwrap()).unwrap();
    assert_eq!(top["manifests"][0]["digest"], first);
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);

    // A lock whose sha256 is not what the URL serves: refused, naming the wheel.
    fs::write(repo.work.join("dist/x.lock"), x_lock(&url, &"0".repeat(64))).unwrap();
    repo.git(&["commit", "--quiet", "-am", "build: another lock"]);
    repo.xtask_env(&["release", "--snapshot", "--fake-binaries"], &signed)
        .success();
    let err = repo
        .xtask_env(&["images", "--base", &with_base], &signed)
        .failure("wheel x-1.0-py3-none-any.whl: ");
    assert!(
        err.contains(&format!(
            "{url} served sha256 {sha}, the lock has {}",
            "0".repeat(64)
        )),
        "{err}"
    );
    // A lock that is not of the definition's requirements.
    fs::write(
        repo.work.join("dist/x.lock"),
        x_lock(&url, &sha).replace("x==1.0", "x==0.9"),
    )
    .unwrap();
    repo.xtask_env(&["images", "--base", &with_base], &signed)
        .failure("image x-bench: the lock dist/x.lock was resolved for requirements [\"x==0.9\"], not [\"x==1.0\"]; hint: cargo xtask images --lock x-bench");
}
