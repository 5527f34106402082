// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! OCI images (image-spec v1.1) built directly from files, without a container engine:
//! deterministic layer tarballs, configs, manifests, a multi-platform image index, and
//! the OCI image layout on disk (`oci-layout`, `index.json`, `blobs/sha256/…`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::archive;
use crate::fsutil;

pub const INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// The uid and gid images run as (distroless' `nonroot`).
pub const NONROOT: u64 = 65532;

/// A content-addressed blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
    pub digest: String,
}

impl Blob {
    pub fn new(media_type: &'static str, bytes: Vec<u8>) -> Blob {
        let digest = format!("sha256:{}", fsutil::hex(&Sha256::digest(&bytes)));
        Blob {
            media_type,
            bytes,
            digest,
        }
    }

    pub fn json(media_type: &'static str, value: &Value) -> Blob {
        Blob::new(
            media_type,
            serde_json::to_vec(value).expect("JSON values serialize"),
        )
    }

    pub fn descriptor(&self) -> Value {
        json!({ "mediaType": self.media_type, "digest": self.digest, "size": self.bytes.len() })
    }
}

/// One entry of a layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Dir { mode: u32, owner: u64 },
    File { bytes: Vec<u8>, mode: u32 },
}

/// A layer: its compressed blob and the digest of the uncompressed tar (`diff_id`).
#[derive(Debug, Clone)]
pub struct Layer {
    pub blob: Blob,
    pub diff_id: String,
}

/// A layer as an image refers to it: its descriptor and the digest of its uncompressed
/// tar. Built layers carry their bytes; a base's layers stay files ([`StoredBlob`]).
#[derive(Debug, Clone)]
pub struct LayerInfo {
    pub descriptor: Value,
    pub diff_id: String,
}

impl Layer {
    pub fn info(&self) -> LayerInfo {
        LayerInfo {
            descriptor: self.blob.descriptor(),
            diff_id: self.diff_id.clone(),
        }
    }
}

/// A blob kept as a file (a base image's layers, which may be gigabytes): copied into
/// layouts, never read into memory.
#[derive(Debug, Clone)]
pub struct StoredBlob {
    pub media_type: &'static str,
    pub digest: String,
    pub size: u64,
    pub path: PathBuf,
}

impl StoredBlob {
    /// The blob `digest` of the layout in `dir`, its content checked (read in constant
    /// memory).
    pub fn of_layout(dir: &Path, media_type: &'static str, digest: &str) -> Result<StoredBlob> {
        let path = blob_path(dir, digest)?;
        let (hex, size) = fsutil::sha256_file(&path)
            .with_context(|| format!("blob {digest} is missing from {}", dir.display()))?;
        if format!("sha256:{hex}") != digest {
            anyhow::bail!(
                "blob {digest} of {} does not match its content (sha256:{hex})",
                dir.display()
            );
        }
        Ok(StoredBlob {
            media_type,
            digest: digest.to_owned(),
            size,
            path,
        })
    }

    pub fn descriptor(&self) -> Value {
        json!({ "mediaType": self.media_type, "digest": self.digest, "size": self.size })
    }
}

/// Builds a deterministic layer: entries sorted, uid/gid as given (0 for files), mtime
/// = `mtime`, ustar headers, gzip as the archives.
pub fn layer(nodes: &BTreeMap<String, Node>, mtime: u64) -> Result<Layer> {
    let mut tar = tar::Builder::new(Vec::new());
    for (path, node) in nodes {
        let mut header = tar::Header::new_ustar();
        header.set_mtime(mtime);
        header.set_username("")?;
        header.set_groupname("")?;
        match node {
            Node::Dir { mode, owner } => {
                header.set_path(format!("{path}/"))?;
                header.set_entry_type(tar::EntryType::Directory);
                header.set_mode(*mode);
                header.set_uid(*owner);
                header.set_gid(*owner);
                header.set_size(0);
                header.set_cksum();
                tar.append(&header, std::io::empty())?;
            }
            Node::File { bytes, mode } => {
                header.set_path(path)?;
                header.set_entry_type(tar::EntryType::Regular);
                header.set_mode(*mode);
                header.set_uid(0);
                header.set_gid(0);
                header.set_size(bytes.len() as u64);
                header.set_cksum();
                tar.append(&header, &bytes[..])?;
            }
        }
    }
    let raw = tar.into_inner()?;
    let diff_id = format!("sha256:{}", fsutil::hex(&Sha256::digest(&raw)));
    let mut gz = Vec::new();
    archive::write_gzip(&mut gz, &raw, archive::GZIP_LEVEL)?;
    Ok(Layer {
        blob: Blob::new(LAYER, gz),
        diff_id,
    })
}

/// Adds `path`'s parent directories (0755, root) to a layer's nodes.
pub fn with_parents(nodes: &mut BTreeMap<String, Node>, path: &str) {
    let mut prefix = String::new();
    for part in path
        .split('/')
        .collect::<Vec<_>>()
        .iter()
        .rev()
        .skip(1)
        .rev()
    {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(part);
        nodes.entry(prefix.clone()).or_insert(Node::Dir {
            mode: 0o755,
            owner: 0,
        });
    }
}

/// The minimal nonroot base: users and groups, a CA bundle, `/tmp` and a home.
pub fn static_base(ca_bundle: &[u8], mtime: u64) -> Result<Layer> {
    let mut nodes = BTreeMap::new();
    let files: [(&str, &[u8]); 4] = [
        ("etc/passwd", b"root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"),
        ("etc/group", b"root:x:0:\nnonroot:x:65532:\n"),
        ("etc/nsswitch.conf", b"hosts: files dns\n"),
        ("etc/ssl/certs/ca-certificates.crt", ca_bundle),
    ];
    for (path, bytes) in files {
        with_parents(&mut nodes, path);
        nodes.insert(
            path.to_owned(),
            Node::File {
                bytes: bytes.to_vec(),
                mode: 0o644,
            },
        );
    }
    nodes.insert(
        "tmp".into(),
        Node::Dir {
            mode: 0o1777,
            owner: 0,
        },
    );
    nodes.insert(
        "home".into(),
        Node::Dir {
            mode: 0o755,
            owner: 0,
        },
    );
    nodes.insert(
        "home/nonroot".into(),
        Node::Dir {
            mode: 0o700,
            owner: NONROOT,
        },
    );
    layer(&nodes, mtime)
}

/// What goes into one platform's image config.
#[derive(Debug, Clone)]
pub struct ImageConfig<'a> {
    pub arch: &'a str,
    pub created: &'a str,
    pub entrypoint: Vec<String>,
    pub env: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub user: String,
}

/// The config and manifest of one platform's image, with every layer.
pub fn image(cfg: &ImageConfig<'_>, layers: &[LayerInfo]) -> (Blob, Blob) {
    let config = json!({
        "created": cfg.created,
        "architecture": cfg.arch,
        "os": "linux",
        "config": {
            "User": cfg.user,
            "Entrypoint": cfg.entrypoint,
            "Env": cfg.env,
            "Labels": cfg.labels,
            "WorkingDir": "/",
        },
        "rootfs": { "type": "layers", "diff_ids": layers.iter().map(|l| l.diff_id.clone()).collect::<Vec<_>>() },
        "history": layers.iter().map(|_| json!({ "created": cfg.created, "created_by": "cargo xtask images" })).collect::<Vec<_>>(),
    });
    let config = Blob::json(CONFIG, &config);
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "config": config.descriptor(),
        "layers": layers.iter().map(|l| l.descriptor.clone()).collect::<Vec<_>>(),
        "annotations": cfg.labels,
    });
    (config, Blob::json(MANIFEST, &manifest))
}

/// The image index over per-platform manifests.
pub fn index(manifests: &[(&str, &Blob)], annotations: &BTreeMap<String, String>) -> Blob {
    let entries: Vec<Value> = manifests
        .iter()
        .map(|(arch, m)| {
            let mut d = m.descriptor();
            d["platform"] = json!({ "architecture": arch, "os": "linux" });
            d
        })
        .collect();
    Blob::json(
        INDEX,
        &json!({ "schemaVersion": 2, "mediaType": INDEX, "manifests": entries, "annotations": annotations }),
    )
}

/// Writes an OCI image layout holding `blobs` and the `stored` blob files, whose
/// `index.json` points at `top` tagged `reference`. The directory is replaced as a whole.
pub fn write_layout(
    dir: &Path,
    blobs: &[&Blob],
    stored: &[&StoredBlob],
    top: &Blob,
    reference: &str,
) -> Result<()> {
    write_layout_with(dir, blobs, stored, top, reference, &[])
}

/// Like [`write_layout`], with artifact manifests (`referrers`, whose blobs are among
/// `blobs`) listed in `index.json` beside the tagged top, as OCI 1.1 referrers are.
pub fn write_layout_with(
    dir: &Path,
    blobs: &[&Blob],
    stored: &[&StoredBlob],
    top: &Blob,
    reference: &str,
    referrers: &[&Blob],
) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot clean {}", dir.display()))?;
    }
    for blob in blobs.iter().chain(std::iter::once(&top)) {
        let hex = blob.digest.trim_start_matches("sha256:");
        fsutil::write_atomically(&dir.join("blobs/sha256").join(hex), &blob.bytes)?;
    }
    for blob in stored {
        let to = blob_path(dir, &blob.digest)?;
        if to.exists() {
            continue;
        }
        // A hard link where the file system allows, else a copy (the kernel's, in
        // constant memory); the content is immutable either way.
        if std::fs::hard_link(&blob.path, &to).is_err() {
            fsutil::write_with(&to, |file| {
                let mut from = std::fs::File::open(&blob.path)
                    .with_context(|| format!("cannot open {}", blob.path.display()))?;
                std::io::copy(&mut from, file)?;
                Ok(())
            })?;
        }
    }
    fsutil::write_atomically(
        &dir.join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )?;
    let mut descriptor = top.descriptor();
    descriptor["annotations"] = json!({ "org.opencontainers.image.ref.name": reference });
    let mut manifests = vec![descriptor];
    for referrer in referrers {
        let mut d = referrer.descriptor();
        let value: Value = serde_json::from_slice(&referrer.bytes)?;
        d["artifactType"] = value["artifactType"].clone();
        manifests.push(d);
    }
    let index = json!({ "schemaVersion": 2, "mediaType": INDEX, "manifests": manifests });
    fsutil::write_atomically(&dir.join("index.json"), &serde_json::to_vec(&index)?)?;
    Ok(())
}

/// The blobs a manifest refers to: its config, then its layers.
pub fn blob_digests(manifest: &Value) -> Vec<String> {
    std::iter::once(&manifest["config"])
        .chain(manifest["layers"].as_array().into_iter().flatten())
        .filter_map(|d| d["digest"].as_str().map(str::to_owned))
        .collect()
}

/// Where a layout keeps the blob `digest`.
pub fn blob_path(dir: &Path, digest: &str) -> Result<PathBuf> {
    check_digest(digest)?;
    let hex = digest.trim_start_matches("sha256:");
    Ok(dir.join("blobs/sha256").join(hex))
}

/// Reads a blob of a layout by digest (manifests and configs: blobs kept small).
pub fn read_blob(dir: &Path, digest: &str) -> Result<Vec<u8>> {
    std::fs::read(blob_path(dir, digest)?)
        .with_context(|| format!("blob {digest} is missing from {}", dir.display()))
}

/// Checks that `digest` is `sha256:` and 64 lowercase hex digits.
pub fn check_digest(digest: &str) -> Result<()> {
    match digest.strip_prefix("sha256:") {
        Some(hex)
            if hex.len() == 64
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
        {
            Ok(())
        }
        _ => bail!("'{digest}' is not a sha256 digest (sha256: and 64 lowercase hex digits)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_are_deterministic_and_diff_ids_are_of_the_tar() {
        let a = static_base(b"certs", 1_767_323_045).unwrap();
        let b = static_base(b"certs", 1_767_323_045).unwrap();
        assert_eq!(a.blob.digest, b.blob.digest);
        let mut raw = Vec::new();
        use std::io::Read;
        flate2::read::GzDecoder::new(&a.blob.bytes[..])
            .read_to_end(&mut raw)
            .unwrap();
        assert_eq!(
            a.diff_id,
            format!("sha256:{}", fsutil::hex(&Sha256::digest(&raw)))
        );
        let mut archive = tar::Archive::new(&raw[..]);
        let paths: Vec<(String, u32, u64)> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.path().unwrap().display().to_string(),
                    e.header().mode().unwrap(),
                    e.header().uid().unwrap(),
                )
            })
            .collect();
        assert!(paths.contains(&("tmp/".into(), 0o1777, 0)));
        assert!(paths.contains(&("home/nonroot/".into(), 0o700, NONROOT)));
        assert!(paths.contains(&("etc/ssl/certs/ca-certificates.crt".into(), 0o644, 0)));
        let names: Vec<&str> = paths.iter().map(|p| p.0.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted, "entries are sorted");
    }

    #[test]
    fn parents_are_added_once() {
        let mut nodes = BTreeMap::new();
        with_parents(&mut nodes, "usr/local/bin/aicrd");
        assert_eq!(
            nodes.keys().collect::<Vec<_>>(),
            ["usr", "usr/local", "usr/local/bin"]
        );
    }
}
