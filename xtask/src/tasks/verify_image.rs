// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask verify --image oci:DIR|REF --key PUB`: checks the supply chain attached
//! to an image, in a layout (offline) or in a registry (`host/repository:tag`: the index,
//! its referrers and their bundles are fetched into a temporary layout first, through
//! the referrers API or, where the registry lacks it, the referrers tag schema):
//!
//! - every referrer (an artifact manifest whose `artifactType` is a Sigstore bundle) is
//!   intact (digest and size), its bundle's DSSE envelope is signed by the key, and its
//!   statement's subject is the manifest it is attached to;
//! - the index and every platform manifest carry both SLSA provenance and an SPDX SBOM;
//! - every SBOM lists the binary the image runs.
//!
//! One check per line, each failure naming the referrer and what is wrong.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use ed25519_dalek::VerifyingKey;
use serde_json::{Value, json};

use crate::image_attest::{self, BUNDLE, PREDICATE_ANNOTATION, SLSA_PREDICATE, SPDX_PREDICATE};
use crate::oci;
use crate::registry::{Reference, Registry};
use crate::tasks::verify::Check;

/// A blob of the layout, checked against its descriptor.
fn blob(dir: &Path, descriptor: &Value) -> Result<Vec<u8>> {
    let digest = descriptor["digest"]
        .as_str()
        .context("a descriptor without digest")?;
    let hex = digest
        .strip_prefix("sha256:")
        .with_context(|| format!("unsupported digest {digest}"))?;
    // A layout's blobs are regular files: links and special files are refused.
    let mut file = crate::fsutil::open_regular(dir, &format!("blobs/sha256/{hex}"))?;
    let size = file.metadata()?.len();
    if descriptor["size"].as_u64() != Some(size) {
        bail!("blob {digest} has {size} bytes, not {}", descriptor["size"]);
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut file, &mut bytes)
        .with_context(|| format!("cannot read blob {digest}"))?;
    let actual = format!(
        "sha256:{}",
        crate::fsutil::hex(&<sha2::Sha256 as sha2::Digest>::digest(&bytes))
    );
    if actual != digest {
        bail!("blob {digest} holds content of digest {actual}");
    }
    if descriptor["size"].as_u64() != Some(bytes.len() as u64) {
        bail!(
            "blob {digest} has {} bytes, not {}",
            bytes.len(),
            descriptor["size"]
        );
    }
    Ok(bytes)
}

/// Checks one referrer; returns its subject digest and predicate type.
fn referrer(dir: &Path, descriptor: &Value, key: &VerifyingKey) -> Result<(String, String)> {
    let manifest: Value = serde_json::from_slice(&blob(dir, descriptor)?)?;
    if manifest["artifactType"] != BUNDLE {
        bail!("artifactType is {}, not {BUNDLE}", manifest["artifactType"]);
    }
    let subject = manifest["subject"]["digest"]
        .as_str()
        .context("no subject")?
        .to_owned();
    let predicate = manifest["annotations"][PREDICATE_ANNOTATION]
        .as_str()
        .context("no predicate type annotation")?
        .to_owned();
    let layer = &manifest["layers"][0];
    let envelope = image_attest::envelope_of(&blob(dir, layer)?)?;
    envelope
        .verify(key)
        .context("the bundle's signature does not verify with the key")?;
    let statement: Value = serde_json::from_slice(&envelope.payload_bytes()?)
        .context("the signed payload is not a JSON statement")?;
    if statement["predicateType"] != predicate.as_str() {
        bail!(
            "the statement's predicateType {} differs from the annotation {predicate}",
            statement["predicateType"]
        );
    }
    let hex = subject.trim_start_matches("sha256:");
    let covered = statement["subject"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|s| s["digest"]["sha256"] == hex);
    if !covered {
        bail!("the statement's subjects do not include {subject}, the manifest it is attached to");
    }
    if predicate == SPDX_PREDICATE {
        let document = &statement["predicate"];
        if document["spdxVersion"] != "SPDX-2.3" {
            bail!("the SBOM is not an SPDX 2.3 document");
        }
        let packages = document["packages"].as_array().cloned().unwrap_or_default();
        // The binary, whose crates the SBOM lists as its DEPENDS_ON graph.
        let binary = packages
            .iter()
            .any(|p| p["primaryPackagePurpose"] == "APPLICATION");
        if !binary {
            bail!("the SBOM does not list the image's binary");
        }
    }
    Ok((subject, predicate))
}

/// The checks of an image layout.
pub fn verify_layout(dir: &Path, key: &VerifyingKey) -> Result<Vec<Check>> {
    let top: Value = serde_json::from_slice(
        &std::fs::read(dir.join("index.json"))
            .with_context(|| format!("{} is no OCI layout", dir.display()))?,
    )?;
    let entries = top["manifests"].as_array().cloned().unwrap_or_default();
    let image = entries
        .iter()
        .find(|e| e["mediaType"] == oci::INDEX && e.get("artifactType").is_none())
        .context("the layout tags no image index")?;
    let index: Value = serde_json::from_slice(&blob(dir, image)?)?;
    let mut expected: BTreeMap<String, String> = BTreeMap::new();
    expected.insert(
        image["digest"].as_str().unwrap_or_default().to_owned(),
        "index".to_owned(),
    );
    for m in index["manifests"].as_array().into_iter().flatten() {
        expected.insert(
            m["digest"].as_str().unwrap_or_default().to_owned(),
            format!(
                "linux/{}",
                m["platform"]["architecture"].as_str().unwrap_or("?")
            ),
        );
    }
    let mut checks = Vec::new();
    let mut found: BTreeMap<(String, String), usize> = BTreeMap::new();
    for entry in entries.iter().filter(|e| e["artifactType"] == BUNDLE) {
        let digest = entry["digest"].as_str().unwrap_or("?").to_owned();
        let result = referrer(dir, entry, key).and_then(|(subject, predicate)| {
            let Some(what) = expected.get(&subject) else {
                bail!("attached to {subject}, which is neither the index nor one of its platforms");
            };
            *found
                .entry((subject.clone(), predicate.clone()))
                .or_default() += 1;
            Ok(format!("{predicate} of the {what} ({subject}), signed"))
        });
        checks.push(super::verify::check(format!("referrer {digest}"), result));
    }
    for (subject, what) in &expected {
        for predicate in [SLSA_PREDICATE, SPDX_PREDICATE] {
            let present = found.contains_key(&(subject.clone(), predicate.to_owned()));
            checks.push(super::verify::check(
                format!("{what} {predicate}"),
                if present {
                    Ok(format!("attached to {subject}"))
                } else {
                    Err(anyhow::anyhow!(
                        "no valid {predicate} referrer is attached to the {what} ({subject})"
                    ))
                },
            ));
        }
    }
    Ok(checks)
}

/// Writes a blob into a layout under construction, by its digest.
fn put_blob(dir: &Path, digest: &str, bytes: &[u8]) -> Result<()> {
    let path = oci::blob_path(dir, digest)?;
    crate::fsutil::write_atomically(&path, bytes)
}

/// Copies from a registry into the layout `dir` what the checks read: the image index
/// (by the reference's tag or digest), the referrers of the index and of each platform
/// manifest (through the referrers API or the referrers tag schema), and each
/// referrer's bundle. Layers are not fetched: the checks never read them.
fn fetch(reference: &Reference, dir: &Path) -> Result<()> {
    let registry = Registry::new(&reference.host)?;
    let repo = &reference.repository;
    let wanted = reference.reference();
    let (bytes, media_type, digest) = registry
        .get_manifest(repo, wanted)
        .with_context(|| format!("cannot read {}", shown(reference)))?;
    if let Some(pinned) = &reference.digest
        && pinned != &digest
    {
        bail!(
            "{} resolves to {digest}, not the pinned {pinned}",
            shown(reference)
        );
    }
    let index: Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a JSON manifest", shown(reference)))?;
    if media_type != oci::INDEX && index["mediaType"] != oci::INDEX {
        bail!(
            "{} is a {media_type}, not an image index; verify the index a release pushed",
            shown(reference)
        );
    }
    put_blob(dir, &digest, &bytes)?;
    let mut entries = vec![json!({
        "mediaType": oci::INDEX,
        "digest": digest,
        "size": bytes.len(),
    })];
    let mut subjects = vec![digest.clone()];
    for m in index["manifests"].as_array().into_iter().flatten() {
        let d = m["digest"]
            .as_str()
            .with_context(|| format!("the index {digest} has an entry without a digest"))?;
        crate::registry::check_digest(d)?;
        subjects.push(d.to_owned());
    }
    for subject in &subjects {
        let listed = registry.referrers(repo, subject)?.unwrap_or_default();
        for descriptor in listed {
            if descriptor["artifactType"] != BUNDLE {
                continue;
            }
            let d = descriptor["digest"]
                .as_str()
                .with_context(|| format!("a referrer of {subject} without a digest"))?;
            let (bytes, _, d) = registry.get_manifest(repo, d)?;
            let manifest: Value = serde_json::from_slice(&bytes)
                .with_context(|| format!("the referrer {d} is not JSON"))?;
            put_blob(dir, &d, &bytes)?;
            for layer in manifest["layers"].as_array().into_iter().flatten() {
                let Some(layer) = layer["digest"].as_str() else {
                    continue;
                };
                registry.download_blob(repo, layer, &oci::blob_path(dir, layer)?)?;
            }
            entries.push(json!({
                "mediaType": oci::MANIFEST,
                "artifactType": BUNDLE,
                "digest": d,
                "size": bytes.len(),
            }));
        }
    }
    let top = json!({"schemaVersion": 2, "manifests": entries});
    crate::fsutil::write_atomically(
        &dir.join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )?;
    crate::fsutil::write_atomically(&dir.join("index.json"), &serde_json::to_vec(&top)?)
}

fn shown(reference: &Reference) -> String {
    format!(
        "{}/{}:{}",
        reference.host,
        reference.repository,
        reference.reference()
    )
}

/// `--image oci:DIR` (a layout) or `--image host/repository:tag|@sha256:…` (a registry;
/// credentials as for pushing, anonymous where the registry allows).
pub fn run(image: &str, key: Option<&Path>) -> Result<Vec<Check>> {
    let key = key.context("--image needs --key PUB, the release's public key")?;
    let pem = std::fs::read_to_string(key)
        .with_context(|| format!("cannot read the public key {}", key.display()))?;
    let key = crate::dsse::verifying_key_from_pem(&pem)?;
    if let Some(dir) = image.strip_prefix("oci:") {
        return verify_layout(Path::new(dir), &key);
    }
    let reference = Reference::parse(image).with_context(|| {
        format!("--image {image}: give an OCI layout as oci:DIR or an image as host/repository:tag")
    })?;
    let dir = tempfile::Builder::new()
        .prefix("aicr-verify-image-")
        .tempdir()
        .context("cannot create a temporary directory")?;
    fetch(&reference, dir.path())?;
    verify_layout(dir.path(), &key)
}
