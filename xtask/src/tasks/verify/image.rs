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
//! - every SBOM lists the binary the image runs or, for a Python image (whose signed
//!   provenance names a Python lock and resolves its wheels), every locked Python
//!   package of its platform (the index's SBOM: of every platform) by its purl.
//!
//! One check per line, each failure naming the referrer and what is wrong.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use ed25519_dalek::VerifyingKey;
use serde_json::{Value, json};

use super::Check;
use crate::image_attest::{self, BUNDLE, PREDICATE_ANNOTATION, SLSA_PREDICATE, SPDX_PREDICATE};
use crate::oci;
use crate::registry::{Reference, Registry};

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

/// Checks one referrer's integrity and signature; returns its subject digest,
/// predicate type and signed statement.
fn referrer(dir: &Path, descriptor: &Value, key: &VerifyingKey) -> Result<Verified> {
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
    Ok((subject, predicate, statement))
}

/// A verified referrer: its subject digest, predicate type and signed statement.
type Verified = (String, String, Value);

/// A wheel the signed provenance of a Python image resolved: its purl and platforms.
struct Locked {
    purl: String,
    platforms: Vec<String>,
}

/// The locked wheels of a Python image, from a verified provenance of its index whose
/// definition names a Python lock; `None` for an image of a binary.
fn locked_wheels(statements: &[Verified], index: &str) -> Option<Vec<Locked>> {
    let provenance = statements.iter().find(|(subject, predicate, statement)| {
        subject == index
            && predicate == SLSA_PREDICATE
            && statement["predicate"]["buildDefinition"]["externalParameters"]["image"]
                .get("python")
                .is_some()
    })?;
    let resolved = provenance.2["predicate"]["buildDefinition"]["resolvedDependencies"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    Some(
        resolved
            .iter()
            .filter_map(|d| {
                Some(Locked {
                    purl: d["annotations"]["purl"].as_str()?.to_owned(),
                    platforms: d["annotations"]["platforms"]
                        .as_array()?
                        .iter()
                        .filter_map(|p| p.as_str().map(str::to_owned))
                        .collect(),
                })
            })
            .collect(),
    )
}

/// Checks what an SBOM lists: the image's binary, or every wheel locked for `what`
/// (`index` or `linux/<arch>`).
fn sbom_lists(document: &Value, what: &str, locked: Option<&[Locked]>) -> Result<String> {
    if document["spdxVersion"] != "SPDX-2.3" {
        bail!("the SBOM is not an SPDX 2.3 document");
    }
    let packages = document["packages"].as_array().cloned().unwrap_or_default();
    let Some(locked) = locked else {
        // The binary, whose crates the SBOM lists as its DEPENDS_ON graph.
        let binary = packages
            .iter()
            .any(|p| p["primaryPackagePurpose"] == "APPLICATION");
        if !binary {
            bail!("the SBOM does not list the image's binary");
        }
        return Ok("lists the binary".to_owned());
    };
    let purls: std::collections::BTreeSet<&str> = packages
        .iter()
        .flat_map(|p| p["externalRefs"].as_array().into_iter().flatten())
        .filter(|r| r["referenceType"] == "purl")
        .filter_map(|r| r["referenceLocator"].as_str())
        .collect();
    let wanted: Vec<&Locked> = locked
        .iter()
        .filter(|w| what == "index" || w.platforms.iter().any(|p| p == what))
        .collect();
    if wanted.is_empty() {
        bail!("the provenance locks no Python package for the {what}");
    }
    let missing: Vec<&str> = wanted
        .iter()
        .map(|w| w.purl.as_str())
        .filter(|purl| !purls.contains(purl))
        .collect();
    if !missing.is_empty() {
        bail!(
            "the SBOM does not list {} of the {} locked Python packages: {}",
            missing.len(),
            wanted.len(),
            missing.join(", ")
        );
    }
    Ok(format!("lists the {} locked Python packages", wanted.len()))
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
    let results: Vec<(String, Result<Verified>)> = entries
        .iter()
        .filter(|e| e["artifactType"] == BUNDLE)
        .map(|entry| {
            (
                entry["digest"].as_str().unwrap_or("?").to_owned(),
                referrer(dir, entry, key),
            )
        })
        .collect();
    let verified: Vec<Verified> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok().cloned())
        .collect();
    let index_digest = image["digest"].as_str().unwrap_or_default();
    let locked = locked_wheels(&verified, index_digest);
    for (digest, result) in results {
        let result = result.and_then(|(subject, predicate, statement)| {
            let Some(what) = expected.get(&subject) else {
                bail!("attached to {subject}, which is neither the index nor one of its platforms");
            };
            let mut detail = format!("{predicate} of the {what} ({subject}), signed");
            if predicate == SPDX_PREDICATE {
                let lists = sbom_lists(&statement["predicate"], what, locked.as_deref())?;
                detail.push_str(&format!(", {lists}"));
            }
            *found
                .entry((subject.clone(), predicate.clone()))
                .or_default() += 1;
            Ok(detail)
        });
        checks.push(super::check(format!("referrer {digest}"), result));
    }
    for (subject, what) in &expected {
        for predicate in [SLSA_PREDICATE, SPDX_PREDICATE] {
            let present = found.contains_key(&(subject.clone(), predicate.to_owned()));
            checks.push(super::check(
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
        crate::oci::check_digest(d)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sbom(purls: &[&str]) -> Value {
        json!({
            "spdxVersion": "SPDX-2.3",
            "packages": purls.iter().map(|p| json!({
                "externalRefs": [{ "referenceType": "purl", "referenceLocator": p }],
            })).collect::<Vec<_>>(),
        })
    }

    fn provenance(python: bool) -> (String, String, Value) {
        let mut image = json!({ "name": "x", "repository": "ghcr.io/x" });
        if python {
            image["python"] = json!({ "lock": "dist/x.lock" });
        }
        let wheel = |purl: &str, platforms: &[&str]| json!({ "uri": "https://files/x.whl", "annotations": { "purl": purl, "platforms": platforms } });
        (
            "sha256:index".into(),
            SLSA_PREDICATE.into(),
            json!({ "predicate": { "buildDefinition": {
                "externalParameters": { "image": image },
                "resolvedDependencies": [
                    { "uri": "git+https://github.com/NVIDIA/aicr", "digest": { "gitCommit": "0" } },
                    wheel("pkg:pypi/x@1.0", &["linux/amd64", "linux/arm64"]),
                    wheel("pkg:pypi/np@2.0", &["linux/arm64"]),
                ],
            } } }),
        )
    }

    #[test]
    fn a_python_images_sboms_list_the_wheels_locked_for_their_platform() {
        assert!(locked_wheels(&[provenance(false)], "sha256:index").is_none());
        assert!(locked_wheels(&[provenance(true)], "sha256:other").is_none());
        let locked = locked_wheels(&[provenance(true)], "sha256:index").unwrap();
        assert_eq!(locked.len(), 2);
        let amd = sbom(&["pkg:pypi/x@1.0", "pkg:deb/debian/libc6@2.36"]);
        assert_eq!(
            sbom_lists(&amd, "linux/amd64", Some(&locked)).unwrap(),
            "lists the 1 locked Python packages"
        );
        let err = sbom_lists(&amd, "linux/arm64", Some(&locked)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the SBOM does not list 1 of the 2 locked Python packages: pkg:pypi/np@2.0"
        );
        let err = sbom_lists(&amd, "index", Some(&locked)).unwrap_err();
        assert!(err.to_string().contains("pkg:pypi/np@2.0"), "{err}");
        // An image of a binary: its SBOM lists the binary.
        let err = sbom_lists(&amd, "index", None).unwrap_err();
        assert_eq!(err.to_string(), "the SBOM does not list the image's binary");
        let binary = json!({ "spdxVersion": "SPDX-2.3", "packages": [{ "primaryPackagePurpose": "APPLICATION" }] });
        assert!(sbom_lists(&binary, "index", None).is_ok());
    }
}
