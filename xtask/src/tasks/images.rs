// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask images [--out DIR] [--base NAME=oci:DIR …] [--push REGISTRY] [--dry-run]`:
//! multi-platform OCI images of the release's binaries, without a container engine.
//!
//! Building writes, for each `[[image]]` of the definition, an OCI image layout under
//! `images/<name>/` of the output directory: an image index with one manifest per
//! linux target the binary was built for, each with its config (user 65532:65532, the
//! binary and the image's `args` as entrypoint, OCI labels) and layers: the base's, then
//! one layer with the binary in `/usr/local/bin` and the license and notices in
//! `/usr/share/doc/aicr`. That layer depends on the binary only, so images that run one
//! binary with different `args` share its blob (built once, uploaded once per registry
//! repository that lacks it). A
//! `static` base is built here (passwd/group with `nonroot`, a CA bundle, `/tmp`); any
//! other base is pulled through the distribution API (anonymous token auth, or the
//! registry credentials below) and cached as an OCI layout under `target/tools/bases/`,
//! or given as a local layout with `--base NAME=oci:DIR`; an image whose base cannot be
//! had is skipped with a notice saying why. Layers are deterministic
//! and `created` is the commit time: the same commit gives the same digests.
//!
//! Pushing (`--push REGISTRY`, a separate step) uploads every blob the registry lacks,
//! each manifest by digest, and the index under the version tag and, for stable
//! releases only, `latest`. `--dry-run` lists every request instead.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use ed25519_dalek::SigningKey;

use crate::artifacts::{Artifact, Kind, OutDir};
use crate::dist::Definition;
use crate::flags::ImagesArgs;
use crate::image_attest::{self, Image, Platform};
use crate::image_contents;
use crate::oci::{self, Blob, ImageConfig, Layer, Node};
use crate::project::Project;
use crate::registry::Registry;
use crate::targets::TARGETS;
use crate::tasks::plan::ImagePush;

/// Layers and config defaults of a base image for one architecture.
struct Base {
    layers: Vec<Layer>,
    env: Vec<String>,
}

/// Pulls a base image through the distribution API into an OCI layout cached in the
/// tool directory (linux/amd64 and linux/arm64 only); a cached layout is reused.
pub fn pull_base(project: &Project, reference: &str) -> Result<PathBuf> {
    let (host, repo, tag) = crate::registry::parse_reference(reference)?;
    let safe: String = format!("{host}/{repo}/{tag}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "./-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let dir = crate::tools::venv(project)
        .parent()
        .context("tools dir")?
        .join("bases")
        .join(safe);
    if dir.join("index.json").is_file() {
        return Ok(dir);
    }
    eprintln!("images: pulling base {reference}");
    let registry = Registry::new(
        &host,
        std::env::var("AICR_REGISTRY_USERNAME").ok(),
        std::env::var("AICR_REGISTRY_PASSWORD").ok(),
    );
    let (top_bytes, top_type) = registry.get_manifest(&repo, &tag)?;
    let mut blobs: Vec<Blob> = Vec::new();
    let top_value: Value = serde_json::from_slice(&top_bytes)?;
    let manifests: Vec<Value> =
        if top_type == oci::INDEX || top_type == crate::registry::DOCKER_LIST {
            top_value["manifests"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|d| {
                    d["platform"]["os"] == "linux"
                        && matches!(
                            d["platform"]["architecture"].as_str(),
                            Some("amd64" | "arm64")
                        )
                })
                .collect()
        } else {
            vec![]
        };
    let fetch_manifest = |bytes: Vec<u8>, blobs: &mut Vec<Blob>| -> Result<()> {
        let manifest: Value = serde_json::from_slice(&bytes)?;
        let digests = oci::blob_digests(&manifest);
        for digest in digests {
            blobs.push(Blob::new(oci::LAYER, registry.get_blob(&repo, &digest)?));
        }
        blobs.push(Blob::new(oci::MANIFEST, bytes));
        Ok(())
    };
    if manifests.is_empty() {
        fetch_manifest(top_bytes.clone(), &mut blobs)?;
    } else {
        for d in &manifests {
            let (bytes, _) =
                registry.get_manifest(&repo, d["digest"].as_str().unwrap_or_default())?;
            fetch_manifest(bytes, &mut blobs)?;
        }
    }
    let media_type: &'static str = if top_type == crate::registry::DOCKER_LIST {
        crate::registry::DOCKER_LIST
    } else if top_type == oci::INDEX {
        oci::INDEX
    } else if top_type == crate::registry::DOCKER_MANIFEST {
        crate::registry::DOCKER_MANIFEST
    } else {
        oci::MANIFEST
    };
    let top = Blob::new(media_type, top_bytes);
    let refs: Vec<&Blob> = blobs.iter().collect();
    oci::write_layout(&dir, &refs, &top, &tag)?;
    Ok(dir)
}

/// Reads the base for `arch` from a local OCI layout.
fn layout_base(dir: &std::path::Path, arch: &str) -> Result<Base> {
    let index: Value = serde_json::from_slice(
        &std::fs::read(dir.join("index.json"))
            .with_context(|| format!("{} is not an OCI layout", dir.display()))?,
    )?;
    let mut descriptor = index["manifests"]
        .get(0)
        .cloned()
        .context("the layout's index.json lists no image")?;
    if descriptor["mediaType"] == oci::INDEX
        || descriptor["mediaType"] == crate::registry::DOCKER_LIST
    {
        let inner: Value = serde_json::from_slice(&oci::read_blob(
            dir,
            descriptor["digest"].as_str().unwrap_or_default(),
        )?)?;
        descriptor = inner["manifests"]
            .as_array()
            .and_then(|m| {
                m.iter().find(|d| {
                    d["platform"]["architecture"] == arch && d["platform"]["os"] == "linux"
                })
            })
            .cloned()
            .with_context(|| {
                format!(
                    "the base layout {} has no linux/{arch} image",
                    dir.display()
                )
            })?;
    }
    let manifest: Value = serde_json::from_slice(&oci::read_blob(
        dir,
        descriptor["digest"].as_str().unwrap_or_default(),
    )?)?;
    let config: Value = serde_json::from_slice(&oci::read_blob(
        dir,
        manifest["config"]["digest"].as_str().unwrap_or_default(),
    )?)?;
    let diff_ids = config["rootfs"]["diff_ids"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut layers = Vec::new();
    for (i, layer) in manifest["layers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let digest = layer["digest"].as_str().unwrap_or_default();
        let bytes = oci::read_blob(dir, digest)?;
        let media_type = match layer["mediaType"].as_str() {
            Some(oci::LAYER) | Some("application/vnd.docker.image.rootfs.diff.tar.gzip") => {
                oci::LAYER
            }
            other => bail!(
                "base layer {digest} has media type {other:?}, only gzip layers are supported"
            ),
        };
        let blob = Blob::new(media_type, bytes);
        if blob.digest != digest {
            bail!(
                "base blob {digest} of {} does not match its content",
                dir.display()
            );
        }
        let diff_id = diff_ids
            .get(i)
            .and_then(Value::as_str)
            .context("the base config lacks a diff_id")?
            .to_owned();
        layers.push(Layer { blob, diff_id });
    }
    let env = config["config"]["Env"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Ok(Base { layers, env })
}

fn parse_bases(args: &[String]) -> Result<BTreeMap<String, PathBuf>> {
    args.iter()
        .map(|arg| {
            let (name, dir) = arg.split_once('=').context("--base takes NAME=oci:DIR")?;
            let dir = dir
                .strip_prefix("oci:")
                .with_context(|| format!("--base {arg}: only oci:DIR layouts are supported"))?;
            Ok((name.to_owned(), PathBuf::from(dir)))
        })
        .collect()
}

/// Builds every image whose binaries were built into `out`. Returns the image artifacts.
pub fn build(
    project: &Project,
    def: &Definition,
    out: &OutDir,
    base_args: &[String],
    pull: bool,
    key: Option<&SigningKey>,
) -> Result<Vec<Artifact>> {
    let metadata = out.metadata()?;
    let manifest = out.manifest()?;
    let mut graphs = crate::tasks::sbom::Graphs::new(project)?;
    let builder = crate::tasks::attest::builder_id(project);
    if key.is_none() {
        eprintln!(
            "images: no SBOM or provenance referrers are attached without a signing key; hint: pass --key FILE or set AICR_SIGNING_KEY"
        );
    }
    let bases = parse_bases(base_args)?;
    let mtime = u64::try_from(metadata.source_date_epoch)?;
    let repository = crate::tasks::changelog::repository(project);
    let mut artifacts = Vec::new();
    // The binary layer of each built binary, shared by the images that run it.
    let mut app_layers: BTreeMap<PathBuf, Layer> = BTreeMap::new();
    let mut docs = BTreeMap::new();
    for doc in [
        "LICENSE",
        def.notices.as_deref().unwrap_or("THIRD_PARTY_NOTICES.md"),
    ] {
        if let Ok(bytes) = std::fs::read(project.root.join(doc)) {
            docs.insert(doc.to_owned(), bytes);
        }
    }
    for image in &def.images {
        let built: Vec<(&str, PathBuf)> = TARGETS
            .iter()
            .filter(|t| t.os == "linux")
            .filter_map(|t| {
                manifest
                    .artifacts
                    .iter()
                    .find(|a| {
                        a.kind == Kind::Binary
                            && a.name == image.binary
                            && a.target.as_deref() == Some(t.triple)
                    })
                    .map(|a| (t.arch, out.join(&a.path)))
            })
            .collect();
        if built.is_empty() {
            if !metadata.snapshot {
                bail!(
                    "images: {}: no linux build of {}; a tagged release ships every image of dist/release.toml",
                    image.name,
                    image.binary
                );
            }
            eprintln!(
                "images: {}: skipped, no linux build of {}",
                image.name, image.binary
            );
            continue;
        }
        let mut base_dir = bases.get(&image.name).cloned();
        if image.base != "static" && base_dir.is_none() && !pull {
            eprintln!(
                "images: {}: skipped, its base {} is pulled for tagged releases only; hint: --base {}=oci:DIR, or cargo xtask images --pull",
                image.name, image.base, image.name
            );
            continue;
        }
        if image.base != "static" && base_dir.is_none() {
            match pull_base(project, &image.base) {
                Ok(dir) => base_dir = Some(dir),
                Err(err) if !metadata.snapshot => {
                    return Err(err.context(format!(
                        "images: {}: its base {} cannot be pulled, and a tagged release ships every image of dist/release.toml",
                        image.name, image.base
                    )));
                }
                Err(err) => {
                    eprintln!(
                        "images: {}: skipped, its base {} cannot be pulled ({err:#}); hint: --base {}=oci:DIR with a layout of that image",
                        image.name, image.base, image.name
                    );
                    continue;
                }
            }
        }
        let labels: BTreeMap<String, String> = [
            ("org.opencontainers.image.title", image.name.clone()),
            ("org.opencontainers.image.version", metadata.version.clone()),
            ("org.opencontainers.image.revision", metadata.commit.clone()),
            ("org.opencontainers.image.source", repository.clone()),
            ("org.opencontainers.image.created", metadata.date.clone()),
            ("org.opencontainers.image.licenses", "Apache-2.0".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let mut blobs: Vec<Blob> = Vec::new();
        let mut manifests = Vec::new();
        let mut sboms = Vec::new();
        let package = def
            .binaries
            .iter()
            .find(|b| b.name == image.binary)
            .map(|b| b.package.clone())
            .with_context(|| format!("no [[binary]] {} in the release definition", image.binary))?;
        for (arch, binary) in &built {
            let base = if image.base == "static" {
                let ca = std::fs::read(project.root.join(&image.ca_bundle))
                    .with_context(|| format!("cannot read the CA bundle {}", image.ca_bundle))?;
                Base {
                    layers: vec![oci::static_base(&ca, mtime)?],
                    env: Vec::new(),
                }
            } else {
                layout_base(base_dir.as_deref().context("a base layout")?, arch)?
            };
            let exe = format!("usr/local/bin/{}", image.binary);
            let app = match app_layers.get(binary) {
                Some(layer) => layer.clone(),
                None => {
                    let layer = binary_layer(&exe, binary, &docs, mtime)?;
                    app_layers.insert(binary.clone(), layer.clone());
                    layer
                }
            };
            let mut layers = base.layers;
            layers.push(app);
            if key.is_some() {
                let contents =
                    image_contents::read_layers(layers.iter().map(|l| &l.blob.bytes[..]))
                        .with_context(|| format!("cannot read the layers of {}", image.name))?;
                let file = manifest
                    .artifacts
                    .iter()
                    .find(|a| {
                        a.kind == Kind::Binary
                            && a.name == image.binary
                            && a.arch.as_deref() == Some(*arch)
                    })
                    .context("the image's binary artifact")?;
                let target = crate::tasks::sbom::target_of(file)?;
                let crates = graphs.document(file, &image.binary, &package, &target, &metadata)?;
                sboms.push((crates, contents));
            }
            let mut env = base.env;
            if !env.iter().any(|e| e.starts_with("PATH=")) {
                env.push(
                    "PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
                );
            }
            env.push("SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt".into());
            let cfg = ImageConfig {
                arch,
                created: &metadata.date,
                entrypoint: entrypoint(&exe, &image.args),
                env,
                labels: labels.clone(),
                user: format!("{}:{}", oci::NONROOT, oci::NONROOT),
            };
            let (config, image_manifest) = oci::image(&cfg, &layers);
            blobs.extend(layers.into_iter().map(|l| l.blob));
            blobs.push(config);
            manifests.push((*arch, image_manifest));
        }
        let index = oci::index(
            &manifests.iter().map(|(a, m)| (*a, m)).collect::<Vec<_>>(),
            &labels,
        );
        let base_digest = base_dir.as_deref().map(top_digest).transpose()?;
        let attested = Image {
            name: &image.name,
            repository: &image.repository,
            base: (&image.base, base_digest.as_deref()),
            metadata: &metadata,
            source: &repository,
            builder: &builder,
        };
        let (extra, referrers) = match key {
            Some(key) => {
                let platforms: Vec<Platform<'_>> = manifests
                    .iter()
                    .zip(&sboms)
                    .map(|((arch, manifest), (crates, contents))| Platform {
                        arch,
                        manifest,
                        crates,
                        contents,
                    })
                    .collect();
                let entry = serde_json::json!({
                    "name": image.name,
                    "binary": image.binary,
                    "repository": image.repository,
                    "base": image.base,
                    "args": image.args,
                });
                attach(&attested, &index, &platforms, &entry, key)?
            }
            None => (Vec::new(), Vec::new()),
        };
        let all: Vec<&Blob> = blobs
            .iter()
            .chain(manifests.iter().map(|(_, m)| m))
            .chain(&extra)
            .chain(&referrers)
            .collect();
        let dir = out.join(&format!("images/{}", image.name));
        oci::write_layout_with(
            &dir,
            &all,
            &index,
            &metadata.version,
            &referrers.iter().collect::<Vec<_>>(),
        )?;
        let path = format!(
            "images/{}/blobs/sha256/{}",
            image.name,
            index.digest.trim_start_matches("sha256:")
        );
        let mut artifact = Artifact::of_file(&out.path, &path, Kind::Image, None)?;
        artifact.name = image.name.clone();
        let size: usize = all.iter().map(|b| b.bytes.len()).sum();
        eprintln!(
            "images: {} {} ({} platform(s), {size} bytes of blobs)",
            image.name,
            index.digest,
            built.len()
        );
        artifacts.push(artifact);
    }
    out.record(artifacts.clone())?;
    Ok(artifacts)
}

/// The digest of the image a layout's `index.json` tags first.
fn top_digest(dir: &std::path::Path) -> Result<String> {
    let top: Value = serde_json::from_slice(&std::fs::read(dir.join("index.json"))?)?;
    top["manifests"][0]["digest"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("{} tags no image", dir.display()))
}

/// The signed SBOM and provenance referrers of an image: provenance and an SBOM for the
/// index and for every platform manifest. Returns the bundle blobs (with the empty
/// config) and the referrer manifests.
fn attach(
    image: &Image<'_>,
    index: &Blob,
    platforms: &[Platform<'_>],
    entry: &Value,
    key: &SigningKey,
) -> Result<(Vec<Blob>, Vec<Blob>)> {
    let created = &image.metadata.date;
    let manifests: Vec<&Blob> = platforms.iter().map(|p| p.manifest).collect();
    let provenance = image_attest::bundle(
        &image_attest::provenance(image, index, &manifests, entry),
        key,
    )?;
    let index_sbom = image_attest::bundle(
        &image_attest::sbom_statement(
            image,
            index,
            &image_attest::index_sbom(image, index, platforms),
        ),
        key,
    )?;
    let mut referrers = vec![
        image_attest::referrer(index, &provenance, image_attest::SLSA_PREDICATE, created),
        image_attest::referrer(index, &index_sbom, image_attest::SPDX_PREDICATE, created),
    ];
    let mut blobs = vec![image_attest::empty_config(), provenance.clone(), index_sbom];
    for platform in platforms {
        let sbom = image_attest::bundle(
            &image_attest::sbom_statement(
                image,
                platform.manifest,
                &image_attest::platform_sbom(image, platform),
            ),
            key,
        )?;
        referrers.push(image_attest::referrer(
            platform.manifest,
            &provenance,
            image_attest::SLSA_PREDICATE,
            created,
        ));
        referrers.push(image_attest::referrer(
            platform.manifest,
            &sbom,
            image_attest::SPDX_PREDICATE,
            created,
        ));
        blobs.push(sbom);
    }
    Ok((blobs, referrers))
}

/// The layer of a binary at `exe` with the license and notices beside it.
fn binary_layer(
    exe: &str,
    binary: &std::path::Path,
    docs: &BTreeMap<String, Vec<u8>>,
    mtime: u64,
) -> Result<Layer> {
    let mut nodes = BTreeMap::new();
    oci::with_parents(&mut nodes, exe);
    nodes.insert(
        exe.to_owned(),
        Node::File {
            bytes: std::fs::read(binary)
                .with_context(|| format!("cannot read the binary {}", binary.display()))?,
            mode: 0o755,
        },
    );
    for (name, bytes) in docs {
        let path = format!("usr/share/doc/aicr/{name}");
        oci::with_parents(&mut nodes, &path);
        nodes.insert(
            path,
            Node::File {
                bytes: bytes.clone(),
                mode: 0o644,
            },
        );
    }
    oci::layer(&nodes, mtime)
}

/// The entrypoint of an image: the binary at `exe` (below `/`), then its `args`.
pub fn entrypoint(exe: &str, args: &[String]) -> Vec<String> {
    std::iter::once(format!("/{exe}"))
        .chain(args.iter().cloned())
        .collect()
}

/// The repository path below the registry host: `ghcr.io/nvidia/aicrd` -> `nvidia/aicrd`.
pub fn repository_path(repository: &str) -> &str {
    match repository.split_once('/') {
        Some((host, rest)) if host.contains(['.', ':']) || host == "localhost" => rest,
        _ => repository,
    }
}

/// Pushes every image of `images` with its tags to `host`, or to the registry of each
/// image's repository when `host` is `None`. An image that was not built is an error. A
/// blob another repository of the same registry received in this push (the binary
/// layer that images of one binary share) is mounted from there rather than uploaded
/// again. Returns how many blobs were uploaded.
pub fn push(
    out: &OutDir,
    images: &[ImagePush],
    host: Option<&str>,
    dry_run: bool,
) -> Result<usize> {
    let mut uploaded = 0;
    let mut mounted = 0;
    // Where each blob is known to be, by registry host: a repository to mount it from.
    let mut holders: BTreeMap<(String, String), String> = BTreeMap::new();
    for image in images {
        let tags = &image.tags;
        let host = host.unwrap_or_else(|| image.host());
        let registry = Registry::new(
            host,
            std::env::var("AICR_REGISTRY_USERNAME").ok(),
            std::env::var("AICR_REGISTRY_PASSWORD").ok(),
        );
        let base = crate::registry::base_url(host);
        let dir = out.join(&format!("images/{}", image.name));
        if !dir.join("index.json").is_file() {
            bail!(
                "the image {} was not built: {} has no index.json; hint: cargo xtask images",
                image.name,
                dir.display()
            );
        }
        let repo = image.path();
        let top: Value = serde_json::from_slice(&std::fs::read(dir.join("index.json"))?)?;
        let index_digest = top["manifests"][0]["digest"]
            .as_str()
            .context("an empty layout")?
            .to_owned();
        let index_bytes = oci::read_blob(&dir, &index_digest)?;
        let index: Value = serde_json::from_slice(&index_bytes)?;
        for entry in index["manifests"].as_array().cloned().unwrap_or_default() {
            let digest = entry["digest"].as_str().unwrap_or_default().to_owned();
            let manifest_bytes = oci::read_blob(&dir, &digest)?;
            let manifest: Value = serde_json::from_slice(&manifest_bytes)?;
            let blob_digests = oci::blob_digests(&manifest);
            for blob in blob_digests {
                let key = (host.to_owned(), blob.clone());
                let from = holders
                    .get(&key)
                    .filter(|from| from.as_str() != repo)
                    .cloned();
                if dry_run {
                    outln!("HEAD {base}/v2/{repo}/blobs/{blob}")?;
                    if let Some(from) = &from {
                        outln!(
                            "POST {base}/v2/{repo}/blobs/uploads/?mount={blob}&from={from}   (when the HEAD is not 200)"
                        )?;
                    }
                    outln!(
                        "POST {base}/v2/{repo}/blobs/uploads/  then PUT <location>?digest={blob}   (when the HEAD is not 200{})",
                        if from.is_some() {
                            " and the mount is declined"
                        } else {
                            ""
                        }
                    )?;
                    holders.insert(key, repo.to_owned());
                    continue;
                }
                if !registry.blob_exists(repo, &blob)? {
                    if let Some(from) = &from
                        && registry.mount_blob(repo, &blob, from)?
                    {
                        mounted += 1;
                    } else {
                        registry.push_blob(repo, &blob, &oci::read_blob(&dir, &blob)?)?;
                        uploaded += 1;
                    }
                }
                holders.insert(key, repo.to_owned());
            }
            if dry_run {
                outln!(
                    "PUT  {base}/v2/{repo}/manifests/{digest}   ({})",
                    oci::MANIFEST
                )?;
            } else {
                registry.put_manifest(repo, &digest, oci::MANIFEST, &manifest_bytes)?;
            }
        }
        for tag in tags {
            if dry_run {
                outln!(
                    "PUT  {base}/v2/{repo}/manifests/{tag}   ({}, {index_digest})",
                    oci::INDEX
                )?;
                continue;
            }
            registry.put_manifest(repo, tag, oci::INDEX, &index_bytes)?;
            let stored = registry.resolve(repo, tag)?;
            if stored.as_deref() != Some(index_digest.as_str()) {
                bail!("the registry resolves {repo}:{tag} to {stored:?}, not {index_digest}");
            }
        }
        if !dry_run {
            eprintln!(
                "images: pushed {host}/{repo}:{} ({index_digest})",
                tags.join(", :")
            );
        }
    }
    if mounted > 0 {
        eprintln!("images: {mounted} blob(s) mounted from another repository of the registry");
    }
    Ok(uploaded)
}

pub fn run(project: &Project, args: &ImagesArgs) -> Result<()> {
    let def = Definition::load(&project.root)?;
    let out = OutDir::new(project.out_dir(&args.out.out));
    if !args.no_build {
        let key = crate::tasks::attest::signing_key(project, args.key.as_deref())?;
        build(project, &def, &out, &args.base, args.pull, key.as_ref())?;
    }
    if let Some(host) = &args.push {
        let metadata = out.metadata()?;
        let tag = metadata.tag.as_deref();
        let latest = crate::tasks::plan::latest(project, tag)?;
        let plan = crate::tasks::plan::plan(&def, &metadata.version, tag, latest);
        let uploaded = push(&out, &plan.images, Some(host), args.dry_run)?;
        if !args.dry_run {
            eprintln!("images: {uploaded} blob(s) uploaded");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_paths() {
        assert_eq!(repository_path("ghcr.io/nvidia/aicrd"), "nvidia/aicrd");
        assert_eq!(repository_path("127.0.0.1:5000/aicr"), "aicr");
        assert_eq!(repository_path("nvidia/aicrd"), "nvidia/aicrd");
    }

    #[test]
    fn the_entrypoint_is_the_binary_then_the_images_args() {
        assert_eq!(
            entrypoint("usr/local/bin/aicrd", &[]),
            ["/usr/local/bin/aicrd"]
        );
        assert_eq!(
            entrypoint("usr/local/bin/validator", &["deployment".to_owned()]),
            ["/usr/local/bin/validator", "deployment"]
        );
    }
}
