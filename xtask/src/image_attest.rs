// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The supply chain of an image: an SPDX 2.3 SBOM per platform (the binary's crates
//! exactly as the archive SBOMs list them, the base's dpkg packages and the Python
//! distributions the layers install) and per index (every platform's packages), and
//! SLSA v1 provenance whose subjects are the index and every platform manifest (its
//! resolved dependencies: the source commit, the base, and a Python image's wheels).
//! Each is an in-toto statement in a DSSE envelope signed with the release key, stored
//! as a Sigstore bundle (`application/vnd.dev.sigstore.bundle.v0.3+json`, the key's id
//! as the verification material's hint) and attached to the image as an OCI 1.1
//! referrer: an artifact manifest with `artifactType` set and a `subject` pointing at
//! the index or platform manifest it describes. Pure: the same inputs give the same
//! bytes.

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use ed25519_dalek::SigningKey;
use serde_json::{Value, json};

use crate::artifacts::Metadata;
use crate::attestation::{BUILD_TYPE, license_expression, spdx_id};
use crate::dsse::{self, Envelope};
use crate::image_contents::{self, Contents, DebPackage, OsRelease, PyDist};
use crate::oci::Blob;

/// The media type of a Sigstore bundle, and the `artifactType` of its referrers.
pub const BUNDLE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// The empty config of artifact manifests (`{}`).
pub const EMPTY: &str = "application/vnd.oci.empty.v1+json";
pub const SPDX_PREDICATE: &str = "https://spdx.dev/Document";
pub const SLSA_PREDICATE: &str = "https://slsa.dev/provenance/v1";
/// The annotation naming a referrer's predicate type (as cosign and gh write it).
pub const PREDICATE_ANNOTATION: &str = "dev.sigstore.bundle.predicateType";

/// One platform of an image, as its SBOM describes it.
#[derive(Debug, Clone)]
pub struct Platform<'a> {
    pub arch: &'a str,
    /// The platform manifest.
    pub manifest: &'a Blob,
    /// The SBOM of the binary the image runs (as `sbom` writes it for an archive).
    pub crates: &'a Value,
    pub contents: &'a Contents,
}

/// What every statement of an image says beyond its subjects.
#[derive(Debug, Clone)]
pub struct Image<'a> {
    pub name: &'a str,
    /// `host/path` of the image repository.
    pub repository: &'a str,
    /// The base reference (`static` for the base built here) and its digest, if pulled.
    pub base: (&'a str, Option<&'a str>),
    pub metadata: &'a Metadata,
    /// The source repository URL.
    pub source: &'a str,
    pub builder: &'a str,
    /// Further resolved dependencies of the provenance: the wheels of a Python image,
    /// each with its URL, SHA-256, file name and annotations (`purl`, `platforms`).
    pub resolved: &'a [Value],
}

fn digest_hex(blob: &Blob) -> &str {
    blob.digest.trim_start_matches("sha256:")
}

fn image_purl(image: &Image<'_>, blob: &Blob, arch: Option<&str>) -> String {
    let name = image.repository.rsplit('/').next().unwrap_or(image.name);
    let mut purl = format!(
        "pkg:oci/{name}@sha256%3A{}?repository_url={}",
        digest_hex(blob),
        image.repository
    );
    if let Some(arch) = arch {
        purl.push_str(&format!("&arch={arch}"));
    }
    purl
}

/// The packages and relationships one platform contributes; ids carry the arch so an
/// index SBOM can hold every platform.
fn platform_packages(
    image: &Image<'_>,
    platform: &Platform<'_>,
    qualify: bool,
) -> (String, Vec<Value>, Vec<Value>) {
    let arch = platform.arch;
    let q = |id: &str| -> String {
        if qualify {
            format!("{id}-{arch}")
        } else {
            id.to_owned()
        }
    };
    let root = q(&spdx_id("Image", &[image.name]));
    let mut packages = vec![json!({
        "SPDXID": root,
        "name": image.repository,
        "versionInfo": image.metadata.version,
        "supplier": "Organization: NVIDIA",
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "checksums": [{ "algorithm": "SHA256", "checksumValue": digest_hex(platform.manifest) }],
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "CONTAINER",
        "externalRefs": [{
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": image_purl(image, platform.manifest, Some(arch)),
        }],
    })];
    let mut relationships = Vec::new();
    // The binary's crates, as its archive SBOM lists them.
    for package in platform.crates["packages"].as_array().into_iter().flatten() {
        let mut package = package.clone();
        let id = q(package["SPDXID"].as_str().unwrap_or_default());
        package["SPDXID"] = json!(id);
        if package["primaryPackagePurpose"] == "APPLICATION" {
            package["downloadLocation"] = json!("NOASSERTION");
            relationships.push(json!({ "spdxElementId": root, "relationshipType": "CONTAINS", "relatedSpdxElement": id }));
        }
        packages.push(package);
    }
    for r in platform.crates["relationships"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if r["relationshipType"] == "DEPENDS_ON" {
            relationships.push(json!({
                "spdxElementId": q(r["spdxElementId"].as_str().unwrap_or_default()),
                "relationshipType": "DEPENDS_ON",
                "relatedSpdxElement": q(r["relatedSpdxElement"].as_str().unwrap_or_default()),
            }));
        }
    }
    let os = platform.contents.os.as_ref();
    for deb in &platform.contents.debs {
        let id = q(&spdx_id("Deb", &[&deb.name, &deb.version, &deb.arch]));
        packages.push(deb_package(&id, deb, os));
        relationships.push(json!({ "spdxElementId": root, "relationshipType": "CONTAINS", "relatedSpdxElement": id }));
    }
    for dist in &platform.contents.python {
        let id = q(&spdx_id("PyPI", &[&dist.name, &dist.version]));
        packages.push(pypi_package(&id, dist));
        relationships.push(json!({ "spdxElementId": root, "relationshipType": "CONTAINS", "relatedSpdxElement": id }));
    }
    (root, packages, relationships)
}

/// The SPDX package of a Debian package installed in an image.
fn deb_package(id: &str, deb: &DebPackage, os: Option<&OsRelease>) -> Value {
    json!({
        "SPDXID": id,
        "name": deb.name,
        "versionInfo": deb.version,
        "supplier": format!("Organization: {}", os.map_or("Debian", |o| o.id.as_str())),
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": license_expression(deb.license.as_deref()),
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "OPERATING_SYSTEM",
        "externalRefs": [{
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": image_contents::deb_purl(deb, os),
        }],
    })
}

/// The SPDX package of a Python distribution installed in an image.
fn pypi_package(id: &str, dist: &PyDist) -> Value {
    json!({
        "SPDXID": id,
        "name": dist.name,
        "versionInfo": dist.version,
        "supplier": "NOASSERTION",
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": license_expression(dist.license.as_deref()),
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "LIBRARY",
        "externalRefs": [{
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": image_contents::pypi_purl(dist),
        }],
    })
}

fn spdx_document(
    image: &Image<'_>,
    name: String,
    subject: &Blob,
    mut packages: Vec<Value>,
    mut relationships: Vec<Value>,
) -> Value {
    packages.sort_by(|a, b| a["SPDXID"].as_str().cmp(&b["SPDXID"].as_str()));
    packages.dedup_by(|a, b| a["SPDXID"] == b["SPDXID"]);
    relationships.sort_by_key(|r| r.to_string());
    relationships.dedup();
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": format!("{}/spdx/images/{name}/{}", image.source, digest_hex(subject)),
        "creationInfo": {
            "created": image.metadata.date,
            "creators": [format!("Tool: aicr-xtask-{}", image.metadata.version), "Organization: NVIDIA"],
        },
        "packages": packages,
        "relationships": relationships,
    })
}

/// The SBOM of one platform manifest.
pub fn platform_sbom(image: &Image<'_>, platform: &Platform<'_>) -> Value {
    let (root, packages, mut relationships) = platform_packages(image, platform, false);
    relationships.push(json!({ "spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": root }));
    spdx_document(
        image,
        format!(
            "{}_{}_linux_{}",
            image.name, image.metadata.version, platform.arch
        ),
        platform.manifest,
        packages,
        relationships,
    )
}

/// The SBOM of the index: the index package contains every platform's image.
pub fn index_sbom(image: &Image<'_>, index: &Blob, platforms: &[Platform<'_>]) -> Value {
    let root = spdx_id("Index", &[image.name]);
    let mut packages = vec![json!({
        "SPDXID": root,
        "name": image.repository,
        "versionInfo": image.metadata.version,
        "supplier": "Organization: NVIDIA",
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "checksums": [{ "algorithm": "SHA256", "checksumValue": digest_hex(index) }],
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "CONTAINER",
        "externalRefs": [{
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": image_purl(image, index, None),
        }],
    })];
    let mut relationships = vec![
        json!({ "spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": root }),
    ];
    for platform in platforms {
        let (id, p, r) = platform_packages(image, platform, true);
        relationships.push(json!({ "spdxElementId": root, "relationshipType": "CONTAINS", "relatedSpdxElement": id }));
        packages.extend(p);
        relationships.extend(r);
    }
    spdx_document(
        image,
        format!("{}_{}", image.name, image.metadata.version),
        index,
        packages,
        relationships,
    )
}

fn subject(image: &Image<'_>, blob: &Blob) -> Value {
    json!({ "name": image.repository, "digest": { "sha256": digest_hex(blob) } })
}

/// An in-toto statement with an SPDX document as predicate.
pub fn sbom_statement(image: &Image<'_>, described: &Blob, document: &Value) -> Value {
    json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [subject(image, described)],
        "predicateType": SPDX_PREDICATE,
        "predicate": document,
    })
}

/// SLSA v1 provenance whose subjects are the index and every platform manifest.
pub fn provenance(
    image: &Image<'_>,
    index: &Blob,
    manifests: &[&Blob],
    definition: &Value,
) -> Value {
    let m = image.metadata;
    let mut subjects = vec![subject(image, index)];
    subjects.extend(manifests.iter().map(|b| subject(image, b)));
    let mut external = json!({ "version": m.version, "image": definition });
    match &m.tag {
        Some(tag) => external["tag"] = json!(tag),
        None => external["snapshot"] = json!(true),
    }
    let source_uri = match &m.tag {
        Some(tag) => format!("git+{}@refs/tags/{tag}", image.source),
        None => format!("git+{}", image.source),
    };
    let mut resolved = vec![json!({ "uri": source_uri, "digest": { "gitCommit": m.commit } })];
    if let (reference, Some(digest)) = image.base {
        resolved.push(json!({
            "uri": format!("oci://{reference}"),
            "name": "base",
            "digest": { "sha256": digest.trim_start_matches("sha256:") },
        }));
    }
    resolved.extend(image.resolved.iter().cloned());
    json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": subjects,
        "predicateType": SLSA_PREDICATE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": external,
                "internalParameters": {},
                "resolvedDependencies": resolved,
            },
            "runDetails": {
                "builder": { "id": image.builder },
                "metadata": { "invocationId": format!("{}:{}", image.name, m.commit), "startedOn": m.date, "finishedOn": m.date },
            },
        },
    })
}

/// A statement signed into a Sigstore bundle (DSSE, the key's id as the hint).
pub fn bundle(statement: &Value, key: &SigningKey) -> Result<Blob> {
    let payload = serde_json::to_vec(statement)?;
    let envelope = Envelope::new(dsse::IN_TOTO, &payload, Some(key))?;
    let hint = dsse::keyid(&key.verifying_key())?;
    Ok(Blob::json(
        BUNDLE,
        &json!({
            "mediaType": BUNDLE,
            "verificationMaterial": { "publicKey": { "hint": hint } },
            "dsseEnvelope": envelope,
        }),
    ))
}

/// The DSSE envelope of a bundle.
pub fn envelope_of(bundle: &[u8]) -> Result<Envelope> {
    let value: Value = serde_json::from_slice(bundle)?;
    if value["mediaType"] != BUNDLE {
        bail!("not a Sigstore bundle v0.3 ({})", value["mediaType"]);
    }
    Ok(serde_json::from_value(value["dsseEnvelope"].clone())?)
}

/// The empty config blob of artifact manifests.
pub fn empty_config() -> Blob {
    Blob::new(EMPTY, b"{}".to_vec())
}

/// An artifact manifest attaching `bundle` to the manifest or index `described`.
pub fn referrer(described: &Blob, bundle: &Blob, predicate: &str, created: &str) -> Blob {
    let config = empty_config();
    let mut annotations = BTreeMap::new();
    annotations.insert(PREDICATE_ANNOTATION, predicate);
    annotations.insert("dev.sigstore.bundle.content", "dsse-envelope");
    annotations.insert("org.opencontainers.image.created", created);
    Blob::json(
        crate::oci::MANIFEST,
        &json!({
            "schemaVersion": 2,
            "mediaType": crate::oci::MANIFEST,
            "artifactType": BUNDLE,
            "config": config.descriptor(),
            "layers": [bundle.descriptor()],
            "subject": described.descriptor(),
            "annotations": annotations,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image_contents::{DebPackage, OsRelease, PyDist};

    fn metadata() -> Metadata {
        serde_json::from_value(json!({
            "schema_version": 1, "project": "aicr", "version": "1.2.3", "tag": "v1.2.3",
            "previous_tag": null, "commit": "0123456789abcdef0123456789abcdef01234567",
            "short_commit": "0123456", "date": "2026-01-02T03:04:05Z",
            "source_date_epoch": 1767323045, "dirty": false, "snapshot": false
        }))
        .unwrap()
    }

    #[test]
    fn sboms_list_crates_os_packages_and_python_and_sign_into_referrers() {
        let metadata = metadata();
        let image = Image {
            name: "aicrd",
            repository: "ghcr.io/nvidia/aicrd",
            base: ("python:3.12-slim", Some("sha256:abc")),
            metadata: &metadata,
            source: "https://github.com/NVIDIA/aicr",
            builder: "https://example.invalid/builder",
            resolved: &[],
        };
        let crates = json!({
            "packages": [
                { "SPDXID": "SPDXRef-Package-aicrd", "primaryPackagePurpose": "APPLICATION", "downloadLocation": "x" },
                { "SPDXID": "SPDXRef-Package-serde-1.0.0", "primaryPackagePurpose": "LIBRARY" },
            ],
            "relationships": [
                { "spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-Package-aicrd" },
                { "spdxElementId": "SPDXRef-Package-aicrd", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-Package-serde-1.0.0" },
            ],
        });
        let contents = Contents {
            os: Some(OsRelease {
                id: "debian".into(),
                version_id: Some("12".into()),
            }),
            debs: vec![DebPackage {
                name: "libc6".into(),
                version: "2.36".into(),
                arch: "amd64".into(),
                license: None,
                source: None,
            }],
            python: vec![PyDist {
                name: "x".into(),
                version: "1.0".into(),
                license: Some("MIT".into()),
            }],
        };
        let manifest = Blob::new(crate::oci::MANIFEST, b"m".to_vec());
        let index = Blob::new(crate::oci::INDEX, b"i".to_vec());
        let platform = Platform {
            arch: "amd64",
            manifest: &manifest,
            crates: &crates,
            contents: &contents,
        };
        let doc = platform_sbom(&image, &platform);
        let purls: Vec<&str> = doc["packages"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["externalRefs"][0]["referenceLocator"].as_str())
            .collect();
        assert!(
            purls.contains(&"pkg:deb/debian/libc6@2.36?arch=amd64&distro=debian-12"),
            "{purls:?}"
        );
        assert!(purls.contains(&"pkg:pypi/x@1.0"));
        let contains = doc["relationships"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["relationshipType"] == "CONTAINS")
            .count();
        assert_eq!(contains, 3, "the binary, libc6 and x");
        let whole = index_sbom(&image, &index, std::slice::from_ref(&platform));
        assert!(
            whole["packages"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["SPDXID"] == "SPDXRef-Package-serde-1.0.0-amd64")
        );

        let key = SigningKey::from_bytes(&[7; 32]);
        let statement = provenance(&image, &index, &[&manifest], &json!({"name": "aicrd"}));
        assert_eq!(statement["subject"].as_array().unwrap().len(), 2);
        let bundle = bundle(&statement, &key).unwrap();
        let envelope = envelope_of(&bundle.bytes).unwrap();
        envelope.verify(&key.verifying_key()).unwrap();
        let referrer: Value = serde_json::from_slice(
            &referrer(&index, &bundle, SLSA_PREDICATE, &metadata.date).bytes,
        )
        .unwrap();
        assert_eq!(referrer["subject"]["digest"], json!(index.digest));
        assert_eq!(referrer["artifactType"], BUNDLE);
        assert_eq!(
            referrer["annotations"][PREDICATE_ANNOTATION],
            SLSA_PREDICATE
        );
    }
}
