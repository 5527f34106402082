// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask images [--out DIR] [--base NAME=oci:DIR …] [--pull] [--push REGISTRY]
//! [--dry-run] [--check-push] [--lock NAME]`: multi-platform OCI images of the release's
//! binaries and Python applications, without a container engine.
//!
//! Building writes, for each `[[image]]` of the definition, an OCI image layout under
//! `images/<name>/` of the output directory: an image index with one manifest per
//! linux target the binary was built for, each with its config (user 65532:65532, the
//! binary and the image's `args` as entrypoint, OCI labels) and layers: the base's, then
//! one layer with the binary in `/usr/local/bin` and the license and notices in
//! `/usr/share/doc/aicr`. That layer depends on the binary only, so images that run one
//! binary with different `args` share its blob (built once, uploaded once per registry
//! repository that lacks it). An image of a Python application (`python = { … }`) has
//! one manifest per platform of its lock instead, and its last layer holds the lock's
//! wheels of that platform, fetched into `target/tools/wheels/` and installed as
//! `wheels` does (no pip); its entrypoint is the console script, its SBOM lists the
//! Python distributions of the layers (no crates), its provenance resolves every wheel.
//! `--lock NAME` writes the lock of the Python image NAME (see `images/lock.rs`). A
//! `static` base is built here (passwd/group with `nonroot`, a CA bundle, `/tmp`); any
//! other base is named `host/name:tag@sha256:…`, pinned by the digest of its index, and
//! pulled through the distribution API (see `registry`) into an OCI layout cached under
//! `target/tools/bases/`, or given as a local layout with `--base NAME=oci:DIR`; the
//! pulled (or given) image must be the pinned one. A tagged release refuses an unpinned
//! base and fails when a base cannot be had; a snapshot warns about an unpinned base and
//! skips an image whose base cannot be had, saying why. Base layers stay files (hard
//! links or copies), never read into memory. Layers are deterministic and `created` is
//! the commit time: the same commit gives the same digests.
//!
//! Pushing (`--push REGISTRY`, a separate step) uploads every blob the registry lacks,
//! streamed from the layout, each manifest by digest, and the index under the version
//! tag and, for stable releases only, `latest`; a tagged release pushes every image or
//! fails naming the missing one. `--dry-run` lists every request instead.
//! `--check-push` proves the credentials may push to every image's repository and
//! pushes nothing. Registry credentials: `AICR_REGISTRY_USERNAME` and
//! `AICR_REGISTRY_PASSWORD`, or `GITHUB_TOKEN` for ghcr.io.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use ed25519_dalek::SigningKey;

use crate::artifacts::{Artifact, Kind, Manifest, Metadata, OutDir};
use crate::dist::{App, BaseImage, Definition};
use crate::flags::ImagesArgs;
use crate::image_attest::{self, Image, Platform};
use crate::image_contents;
use crate::oci::{self, Blob, ImageConfig, Layer, Node, StoredBlob};
use crate::project::Project;
use crate::registry::{Access, Reference, Registry, repository_path};
use crate::targets::TARGETS;
use crate::tasks::plan::ImagePush;
use crate::wheels;

mod lock;

/// Layers and config defaults of a base image for one architecture.
struct Base {
    layers: Vec<oci::LayerInfo>,
    /// Layers built here (the static base).
    built: Vec<Blob>,
    /// Layers of a base layout, kept as files.
    stored: Vec<StoredBlob>,
    env: Vec<String>,
}

/// The digest of what a layout's `index.json` points at.
fn layout_digest(dir: &Path) -> Result<String> {
    let index: Value = serde_json::from_slice(
        &std::fs::read(dir.join("index.json"))
            .with_context(|| format!("{} is not an OCI layout", dir.display()))?,
    )
    .with_context(|| format!("{}/index.json is not JSON", dir.display()))?;
    index["manifests"][0]["digest"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("the layout {} lists no image", dir.display()))
}

/// The media type of a manifest or index, as the registry said or the document says.
fn media_type_of(said: &str, value: &Value) -> Result<&'static str> {
    let known = [
        oci::INDEX,
        oci::MANIFEST,
        crate::registry::DOCKER_LIST,
        crate::registry::DOCKER_MANIFEST,
    ];
    let declared = value["mediaType"].as_str().unwrap_or(said);
    known
        .into_iter()
        .find(|t| *t == declared)
        .or_else(|| known.into_iter().find(|t| *t == said))
        .with_context(|| format!("unsupported manifest media type '{declared}'"))
}

/// Pulls a base image through the distribution API into an OCI layout cached in the
/// tool directory (linux/amd64 and linux/arm64 only). Blobs are streamed to disk and
/// checked against their digests; the image's digest is checked against `pin`. A cached
/// layout is reused when it matches the pin (or, unpinned, always).
pub fn pull_base(
    project: &Project,
    reference: &Reference,
    pin: Option<&str>,
    push_hosts: &[&str],
) -> Result<PathBuf> {
    let repo = &reference.repository;
    let bases = crate::tools::dir(project).join("bases");
    let dir = bases.join(base_cache_name(reference));
    if dir.join("index.json").is_file() {
        match pin {
            None => return Ok(dir),
            Some(pin) if layout_digest(&dir).ok().as_deref() == Some(pin) => return Ok(dir),
            Some(_) => errln!(
                "images: the cached base {} is not the pinned one; pulling again",
                dir.display()
            ),
        }
    }
    let shown = format!("{}/{repo}:{}", reference.host, reference.reference());
    errln!("images: pulling base {shown}");
    // The registry credentials are for the registries the release pushes to: a base on
    // another registry is pulled anonymously, so they never reach its token service.
    let registry = if push_hosts.contains(&reference.host.as_str()) {
        Registry::new(&reference.host)?
    } else {
        Registry::with_credentials(&reference.host, None)
    };
    let (top_bytes, top_type, top_digest) = registry.get_manifest(repo, reference.reference())?;
    if let Some(pin) = pin
        && top_digest != pin
    {
        bail!(
            "base {shown}: registry {} serves {top_digest}, not the pinned {pin}; hint: review the new base, then pin it in {} as {shown}@{top_digest}",
            reference.host,
            crate::dist::DEFINITION
        );
    }
    let top_value: Value = serde_json::from_slice(&top_bytes)
        .with_context(|| format!("base {shown}: its manifest is not JSON"))?;
    let top_type = media_type_of(&top_type, &top_value)?;
    let wanted = platform_digests(&shown, top_type, &top_value, &top_digest)?;
    std::fs::create_dir_all(&bases)
        .with_context(|| format!("cannot create {}", bases.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(".pull-")
        .tempdir_in(&bases)
        .with_context(|| format!("cannot create a directory in {}", bases.display()))?;
    let layout = tmp.path().join("layout");
    let top = Blob::new(top_type, top_bytes);
    let manifests = pull_manifests(&registry, repo, &shown, &wanted, &top, &top_digest)?;
    let small: Vec<&Blob> = manifests
        .iter()
        .map(|(b, _)| b)
        .filter(|b| b.digest != top.digest)
        .collect();
    oci::write_layout(&layout, &small, &[], &top, reference.reference())?;
    let size = pull_blobs(&registry, repo, &shown, &layout, &manifests)?;
    install_pulled(&layout, &dir)?;
    errln!("images: pulled base {shown} ({top_digest}, {size} bytes of blobs)");
    Ok(dir)
}

/// The directory name, under `target/tools/bases/`, of the cached layout of
/// `reference`: `host/repository/reference` with every character but ASCII letters,
/// digits and `./-_` made `_`.
fn base_cache_name(reference: &Reference) -> String {
    format!(
        "{}/{}/{}",
        reference.host,
        reference.repository,
        reference.reference()
    )
    .chars()
    .map(|c| {
        if c.is_ascii_alphanumeric() || "./-_".contains(c) {
            c
        } else {
            '_'
        }
    })
    .collect()
}

/// The digests of the manifests to pull for base `shown`, whose top manifest is
/// `top_value` (of media type `top_type`, digest `top_digest`): an index's linux/amd64
/// and linux/arm64 manifests (an error when it has neither), or the manifest itself.
fn platform_digests(
    shown: &str,
    top_type: &str,
    top_value: &Value,
    top_digest: &str,
) -> Result<Vec<String>> {
    if top_type != oci::INDEX && top_type != crate::registry::DOCKER_LIST {
        return Ok(vec![top_digest.to_owned()]);
    }
    let wanted: Vec<String> = top_value["manifests"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|d| {
            d["platform"]["os"] == "linux"
                && matches!(
                    d["platform"]["architecture"].as_str(),
                    Some("amd64" | "arm64")
                )
        })
        .filter_map(|d| d["digest"].as_str().map(str::to_owned))
        .collect();
    if wanted.is_empty() {
        bail!("base {shown} has no linux/amd64 or linux/arm64 image");
    }
    Ok(wanted)
}

/// The platform manifests `digests` of base `shown`, each as a blob of its media type
/// and its JSON: the top manifest `top` (digest `top_digest`) as it is, any other got
/// from the registry.
fn pull_manifests(
    registry: &Registry,
    repo: &str,
    shown: &str,
    digests: &[String],
    top: &Blob,
    top_digest: &str,
) -> Result<Vec<(Blob, Value)>> {
    let mut manifests = Vec::new();
    for digest in digests {
        let (bytes, said, _) = if digest == top_digest {
            (
                top.bytes.clone(),
                top.media_type.to_owned(),
                top_digest.to_owned(),
            )
        } else {
            registry.get_manifest(repo, digest)?
        };
        let value: Value = serde_json::from_slice(&bytes)
            .with_context(|| format!("base {shown}: manifest {digest} is not JSON"))?;
        let media_type = media_type_of(&said, &value)?;
        manifests.push((Blob::new(media_type, bytes), value));
    }
    Ok(manifests)
}

/// Downloads into `layout` every blob (config and layers) of `manifests` it lacks,
/// saying which; the bytes downloaded.
fn pull_blobs(
    registry: &Registry,
    repo: &str,
    shown: &str,
    layout: &Path,
    manifests: &[(Blob, Value)],
) -> Result<u64> {
    let mut size = 0;
    let wanted: Vec<String> = manifests
        .iter()
        .flat_map(|(_, manifest)| oci::blob_digests(manifest))
        .collect();
    for (done, digest) in wanted.iter().enumerate() {
        let path = oci::blob_path(layout, digest)?;
        if !path.exists() {
            errln!(
                "images: pulling base {shown}: blob {}/{} {digest}",
                done + 1,
                wanted.len()
            );
            size += registry.download_blob(repo, digest, &path)?;
        }
    }
    Ok(size)
}

/// Moves the pulled layout `from` to the cache directory `to`, replacing what was there.
fn install_pulled(from: &Path, to: &Path) -> Result<()> {
    if to.exists() {
        std::fs::remove_dir_all(to).with_context(|| format!("cannot clean {}", to.display()))?;
    }
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::rename(from, to)
        .with_context(|| format!("cannot move the pulled base into {}", to.display()))
}

/// Reads the base for `arch` from a local OCI layout; its layers stay files.
fn layout_base(dir: &Path, arch: &str) -> Result<Base> {
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
    let mut base = Base {
        layers: Vec::new(),
        built: Vec::new(),
        stored: Vec::new(),
        env: Vec::new(),
    };
    for (i, layer) in manifest["layers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let digest = layer["digest"].as_str().unwrap_or_default();
        let media_type = match layer["mediaType"].as_str() {
            Some(oci::LAYER) | Some("application/vnd.docker.image.rootfs.diff.tar.gzip") => {
                oci::LAYER
            }
            other => bail!(
                "base layer {digest} has media type {other:?}, only gzip layers are supported"
            ),
        };
        let blob = StoredBlob::of_layout(dir, media_type, digest)?;
        let diff_id = diff_ids
            .get(i)
            .and_then(Value::as_str)
            .context("the base config lacks a diff_id")?
            .to_owned();
        base.layers.push(oci::LayerInfo {
            descriptor: blob.descriptor(),
            diff_id,
        });
        base.stored.push(blob);
    }
    base.env = config["config"]["Env"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Ok(base)
}

/// The base layout of a registry-based image: given with `--base`, or pulled. A tagged
/// release refuses an unpinned base and fails when the base cannot be had; otherwise
/// `None` means the image is skipped (the notice says why).
fn registry_base(
    project: &Project,
    image: &crate::dist::Image,
    given: Option<&PathBuf>,
    (pull, tagged): (bool, bool),
    push_hosts: &[&str],
) -> Result<Option<PathBuf>> {
    let BaseImage::Registry { reference, pin } = image.base_image()? else {
        return Ok(None);
    };
    let name = &image.name;
    if pin.is_none() {
        if tagged {
            bail!(
                "image {name}: its base {} is not pinned by digest, and a tagged release needs it pinned; hint: set base = \"{}@sha256:<digest of its index>\" in {}",
                image.base,
                image.base,
                crate::dist::DEFINITION
            );
        }
        errln!(
            "images: {name}: warning: its base {} is not pinned by digest (a tagged release refuses it)",
            image.base
        );
    }
    if let Some(dir) = given {
        if let Some(pin) = &pin {
            let actual = layout_digest(dir)?;
            if actual != *pin {
                bail!(
                    "image {name}: the base layout {} holds {actual}, not the pinned {pin}",
                    dir.display()
                );
            }
        }
        return Ok(Some(dir.clone()));
    }
    if !pull {
        errln!(
            "images: {name}: skipped, its base {} is pulled for tagged releases only; hint: --base {name}=oci:DIR, or cargo xtask images --pull",
            image.base
        );
        return Ok(None);
    }
    match pull_base(project, &reference, pin.as_deref(), push_hosts) {
        Ok(dir) => Ok(Some(dir)),
        Err(err) if tagged => Err(err.context(format!(
            "image {name}: its base {} cannot be pulled",
            image.base
        ))),
        Err(err) => {
            errln!(
                "images: {name}: skipped, its base {} cannot be pulled ({err:#}); hint: --base {name}=oci:DIR with a layout of that image",
                image.base
            );
            Ok(None)
        }
    }
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
    let mut build = Build::new(project, def, out, base_args, pull, key)?;
    let mut artifacts = Vec::new();
    for image in &def.images {
        artifacts.extend(build.image(image)?);
    }
    out.record(artifacts.clone())?;
    Ok(artifacts)
}

/// What the images of one build share: the release they are built from, the bases
/// given, and what is made once for all of them.
struct Build<'a> {
    project: &'a Project,
    def: &'a Definition,
    out: &'a OutDir,
    key: Option<&'a SigningKey>,
    metadata: Metadata,
    manifest: Manifest,
    graphs: crate::tasks::sbom::Graphs<'a>,
    builder: String,
    /// The base layouts given with `--base`, by image name.
    bases: BTreeMap<String, PathBuf>,
    /// The time of every file of a layer: the commit's.
    mtime: u64,
    pull: bool,
    tagged: bool,
    /// The source repository URL.
    repository: String,
    /// The binary layer of each built binary, shared by the images that run it.
    app_layers: BTreeMap<PathBuf, Layer>,
    /// The license and notices put beside each binary, by path in the repository.
    docs: BTreeMap<String, Vec<u8>>,
    fetcher: wheels::Fetcher,
}

/// One image about to be built: what its platforms share.
struct ImagePlan<'i> {
    image: &'i crate::dist::Image,
    /// A Python image's lock.
    lock: Option<wheels::Lock>,
    /// The layout of a registry base (none for `static`).
    base_dir: Option<PathBuf>,
    /// A Python image's wheels, by file name.
    wheel_files: BTreeMap<String, PathBuf>,
    labels: BTreeMap<String, String>,
    /// The package of a binary image's binary.
    package: Option<String>,
    /// The program's path in the image, without the leading `/`.
    exe: String,
}

/// One platform of an image, built.
struct PlatformImage {
    arch: &'static str,
    /// The blobs in memory: the built base layers, the program layer, the config.
    blobs: Vec<Blob>,
    /// The base layers kept as files.
    stored: Vec<StoredBlob>,
    manifest: Blob,
    /// The crates of its binary and the contents of its layers, when signing.
    sbom: Option<(Value, image_contents::Contents)>,
}

impl<'a> Build<'a> {
    /// Reads the release of `out` and what every image shares; says when no referrers
    /// are attached for want of a key.
    fn new(
        project: &'a Project,
        def: &'a Definition,
        out: &'a OutDir,
        base_args: &[String],
        pull: bool,
        key: Option<&'a SigningKey>,
    ) -> Result<Build<'a>> {
        let metadata = out.metadata()?;
        let manifest = out.manifest()?;
        let graphs = crate::tasks::sbom::Graphs::new(project)?;
        let builder = crate::tasks::attest::builder_id(project);
        if key.is_none() {
            errln!(
                "images: no SBOM or provenance referrers are attached without a signing key; hint: pass --key FILE or set AICR_SIGNING_KEY"
            );
        }
        let bases = parse_bases(base_args)?;
        let mtime = u64::try_from(metadata.source_date_epoch)?;
        let tagged = metadata.tag.is_some() && !metadata.snapshot;
        let repository = project.repository()?;
        let mut docs = BTreeMap::new();
        for doc in [
            "LICENSE",
            def.notices.as_deref().unwrap_or("THIRD_PARTY_NOTICES.md"),
        ] {
            if let Ok(bytes) = std::fs::read(project.root.join(doc)) {
                docs.insert(doc.to_owned(), bytes);
            }
        }
        Ok(Build {
            project,
            def,
            out,
            key,
            metadata,
            manifest,
            graphs,
            builder,
            bases,
            mtime,
            pull,
            tagged,
            repository,
            app_layers: BTreeMap::new(),
            docs,
            fetcher: wheels::Fetcher::new(wheels::cache_dir(project)),
        })
    }

    /// Builds `image` into `images/<name>/` of the output directory, with its index SBOM
    /// beside it: the image and SBOM artifacts, or none when a snapshot skips it.
    fn image(&mut self, image: &crate::dist::Image) -> Result<Vec<Artifact>> {
        // A Python image's lock, checked against its definition before anything else.
        let lock = match &image.app {
            App::Python(python) => {
                Some(wheels::Lock::load(&self.project.root, &image.name, python)?)
            }
            App::Binary(_) => None,
        };
        let built = linux_builds(&self.manifest, self.out, image);
        if built.is_empty() {
            let binary = image.binary().unwrap_or_default();
            if !self.metadata.snapshot {
                bail!(
                    "images: {}: no linux build of {binary}; a tagged release ships every image of dist/release.toml",
                    image.name,
                );
            }
            errln!(
                "images: {}: skipped, no linux build of {binary}",
                image.name
            );
            return Ok(Vec::new());
        }
        let push_hosts: Vec<&str> = self
            .def
            .images
            .iter()
            .filter_map(|i| i.repository.split('/').next())
            .collect();
        let base_dir = registry_base(
            self.project,
            image,
            self.bases.get(&image.name),
            (self.pull || self.tagged, self.tagged),
            &push_hosts,
        )?;
        if image.base != "static" && base_dir.is_none() {
            return Ok(Vec::new());
        }
        // A Python image's wheels, fetched once for all its platforms.
        let wheel_files = match &lock {
            Some(lock) => fetch_wheels(&self.fetcher, &image.name, lock)?,
            None => BTreeMap::new(),
        };
        let package = match &image.app {
            App::Binary(binary) => Some(
                self.def
                    .binaries
                    .iter()
                    .find(|b| b.name == *binary)
                    .map(|b| b.package.clone())
                    .with_context(|| format!("no [[binary]] {binary} in the release definition"))?,
            ),
            App::Python(_) => None,
        };
        let plan = ImagePlan {
            image,
            lock,
            base_dir,
            wheel_files,
            labels: image_labels(&image.name, &self.metadata, &self.repository),
            package,
            exe: image.program(),
        };
        let mut platforms = Vec::new();
        for (arch, binary) in &built {
            platforms.push(self.platform(&plan, arch, binary.as_deref())?);
        }
        self.write(&plan, &platforms)
    }

    /// The base of `plan`'s image for `arch`: the static base built here, or read from
    /// the image's base layout.
    fn base(&self, plan: &ImagePlan<'_>, arch: &str) -> Result<Base> {
        let image = plan.image;
        if image.base != "static" {
            return layout_base(plan.base_dir.as_deref().context("a base layout")?, arch);
        }
        let ca = std::fs::read(self.project.root.join(&image.ca_bundle))
            .with_context(|| format!("cannot read the CA bundle {}", image.ca_bundle))?;
        let layer = oci::static_base(&ca, self.mtime)?;
        Ok(Base {
            layers: vec![layer.info()],
            built: vec![layer.blob],
            stored: Vec::new(),
            env: Vec::new(),
        })
    }

    /// The program layer of `plan`'s image for `arch`: the binary's (`binary`, built
    /// once per binary), or the Python application's wheels installed (its base's
    /// Python, of `base_env`, checked first).
    fn program_layer(
        &mut self,
        plan: &ImagePlan<'_>,
        arch: &str,
        binary: Option<&Path>,
        base_env: &[String],
    ) -> Result<Layer> {
        let image = plan.image;
        match (&image.app, binary, &plan.lock) {
            (App::Binary(_), Some(binary), _) => match self.app_layers.get(binary) {
                Some(layer) => Ok(layer.clone()),
                None => {
                    let layer = binary_layer(&plan.exe, binary, &self.docs, self.mtime)?;
                    self.app_layers.insert(binary.to_owned(), layer.clone());
                    Ok(layer)
                }
            },
            (App::Python(python), _, Some(lock)) => {
                check_base_python(&image.name, arch, &python.version, base_env)?;
                python_layer(python, lock, arch, &plan.wheel_files, self.mtime)
                    .with_context(|| format!("image {}: linux/{arch}", image.name))
            }
            _ => bail!("internal error: image {} has no program layer", image.name),
        }
    }

    /// Builds the `arch` platform of `plan`'s image: its base, its program layer
    /// (`binary` for a binary image), its config and manifest, and, when signing, what
    /// its SBOM needs.
    fn platform(
        &mut self,
        plan: &ImagePlan<'_>,
        arch: &'static str,
        binary: Option<&Path>,
    ) -> Result<PlatformImage> {
        let image = plan.image;
        let base = self.base(plan, arch)?;
        let app = self.program_layer(plan, arch, binary, &base.env)?;
        let mut layers = base.layers;
        layers.push(app.info());
        let sbom = match self.key {
            Some(_) => {
                let built: Vec<&Blob> = base.built.iter().chain([&app.blob]).collect();
                let contents = contents_of(&layers, &built, &base.stored)
                    .with_context(|| format!("cannot read the layers of {}", image.name))?;
                Some((self.crates(plan, arch)?, contents))
            }
            None => None,
        };
        let cfg = ImageConfig {
            arch,
            created: &self.metadata.date,
            entrypoint: entrypoint(&plan.exe, &image.args),
            env: image_env(base.env, plan.lock.is_some()),
            labels: plan.labels.clone(),
            user: format!("{}:{}", oci::NONROOT, oci::NONROOT),
        };
        let (config, manifest) = oci::image(&cfg, &layers);
        let mut blobs = base.built;
        blobs.push(app.blob);
        blobs.push(config);
        Ok(PlatformImage {
            arch,
            blobs,
            stored: base.stored,
            manifest,
            sbom,
        })
    }

    /// The SBOM of the binary `plan`'s image runs on `arch`, as `sbom` writes it for an
    /// archive; without a binary, an SBOM of no packages (the layers' contents are
    /// listed beside it).
    fn crates(&mut self, plan: &ImagePlan<'_>, arch: &str) -> Result<Value> {
        let (Some(binary), Some(package)) = (plan.image.binary(), &plan.package) else {
            return Ok(serde_json::json!({ "packages": [], "relationships": [] }));
        };
        let file = self
            .manifest
            .artifacts
            .iter()
            .find(|a| a.kind == Kind::Binary && a.name == binary && a.arch.as_deref() == Some(arch))
            .context("the image's binary artifact")?;
        let target = crate::tasks::sbom::target_of(file)?;
        self.graphs
            .document(file, binary, package, &target, &self.metadata)
    }

    /// Writes `plan`'s image of `platforms` as an OCI layout under `images/<name>/`,
    /// its referrers attached when signing, and its index SBOM as
    /// `images/<name>.spdx.json`: the image and SBOM artifacts.
    fn write(&self, plan: &ImagePlan<'_>, platforms: &[PlatformImage]) -> Result<Vec<Artifact>> {
        let (image, out) = (plan.image, self.out);
        let manifests: Vec<(&str, &Blob)> =
            platforms.iter().map(|p| (p.arch, &p.manifest)).collect();
        let index = oci::index(&manifests, &plan.labels);
        let base_digest = plan.base_dir.as_deref().map(layout_digest).transpose()?;
        let resolved: Vec<Value> = plan.lock.as_ref().map(resolved_wheels).unwrap_or_default();
        let attested = Image {
            name: &image.name,
            repository: &image.repository,
            base: (&image.base, base_digest.as_deref()),
            metadata: &self.metadata,
            source: &self.repository,
            builder: &self.builder,
            resolved: &resolved,
        };
        let signed: Vec<Platform<'_>> = platforms
            .iter()
            .filter_map(|p| {
                let (crates, contents) = p.sbom.as_ref()?;
                Some(Platform {
                    arch: p.arch,
                    manifest: &p.manifest,
                    crates,
                    contents,
                })
            })
            .collect();
        let sbom_artifact = write_index_sbom(out, &attested, &index, &signed)?;
        let (extra, referrers) = match self.key {
            Some(key) => attach(&attested, &index, &signed, &definition_entry(image), key)?,
            None => (Vec::new(), Vec::new()),
        };
        let all: Vec<&Blob> = platforms
            .iter()
            .flat_map(|p| &p.blobs)
            .chain(platforms.iter().map(|p| &p.manifest))
            .chain(&extra)
            .chain(&referrers)
            .collect();
        let files: Vec<&StoredBlob> = platforms.iter().flat_map(|p| &p.stored).collect();
        oci::write_layout_with(
            &out.join(&format!("images/{}", image.name)),
            &all,
            &files,
            &index,
            &self.metadata.version,
            &referrers.iter().collect::<Vec<_>>(),
        )?;
        let path = format!(
            "images/{}/blobs/sha256/{}",
            image.name,
            index.digest.trim_start_matches("sha256:")
        );
        let mut artifact = Artifact::of_file(&out.path, &path, Kind::Image, None)?;
        artifact.name = image.name.clone();
        let size: u64 = all.iter().map(|b| b.bytes.len() as u64).sum::<u64>()
            + files.iter().map(|b| b.size).sum::<u64>();
        errln!(
            "images: {} {} ({} platform(s), {size} bytes of blobs)",
            image.name,
            index.digest,
            platforms.len()
        );
        Ok(vec![artifact, sbom_artifact])
    }
}

/// Each linux architecture `image` is built for and, for a binary image, the binary
/// built for it in `out` (as `manifest` lists it): a Python image's architectures are
/// its lock's platforms.
fn linux_builds(
    manifest: &Manifest,
    out: &OutDir,
    image: &crate::dist::Image,
) -> Vec<(&'static str, Option<PathBuf>)> {
    match &image.app {
        App::Binary(binary) => TARGETS
            .iter()
            .filter(|t| t.os == "linux")
            .filter_map(|t| {
                manifest
                    .artifacts
                    .iter()
                    .find(|a| {
                        a.kind == Kind::Binary
                            && a.name == *binary
                            && a.target.as_deref() == Some(t.triple)
                    })
                    .map(|a| (t.arch, Some(out.join(&a.path))))
            })
            .collect(),
        App::Python(python) => python_arches(python)
            .into_iter()
            .map(|a| (a, None))
            .collect(),
    }
}

/// The OCI labels of image `name` of the release `metadata` from `repository`.
fn image_labels(name: &str, metadata: &Metadata, repository: &str) -> BTreeMap<String, String> {
    [
        ("org.opencontainers.image.title", name.to_owned()),
        ("org.opencontainers.image.version", metadata.version.clone()),
        ("org.opencontainers.image.revision", metadata.commit.clone()),
        ("org.opencontainers.image.source", repository.to_owned()),
        ("org.opencontainers.image.created", metadata.date.clone()),
        ("org.opencontainers.image.licenses", "Apache-2.0".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// An image's environment: its base's `env`, a default `PATH` when the base sets none,
/// the CA bundle for TLS, and for a Python image no bytecode writing.
fn image_env(mut env: Vec<String>, python: bool) -> Vec<String> {
    if !env.iter().any(|e| e.starts_with("PATH=")) {
        env.push("PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin".into());
    }
    env.push("SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt".into());
    if python {
        // site-packages is root's: nonroot cannot write bytecode next to it.
        env.push("PYTHONDONTWRITEBYTECODE=1".into());
    }
    env
}

/// Writes the index SBOM of `image` as `images/<name>.spdx.json`, a plain file for
/// attestation services that take a file (the on-tag workflow's attest-sbom); it is
/// what the signed referrer holds. Its artifact.
fn write_index_sbom(
    out: &OutDir,
    image: &Image<'_>,
    index: &Blob,
    platforms: &[Platform<'_>],
) -> Result<Artifact> {
    let sbom_name = crate::assets::image_sbom_name(image.name);
    let sbom_path = format!("images/{sbom_name}");
    crate::fsutil::write_atomically(
        &out.join(&sbom_path),
        &(serde_json::to_string_pretty(&image_attest::index_sbom(image, index, platforms))? + "\n")
            .into_bytes(),
    )?;
    let mut artifact = Artifact::of_file(&out.path, &sbom_path, Kind::ImageSbom, None)?;
    artifact.name = sbom_name;
    Ok(artifact)
}

/// What the layers of one platform install, read from memory (`built`) or from the
/// stored files of a base layout, bottom layer first.
fn contents_of(
    layers: &[oci::LayerInfo],
    built: &[&Blob],
    stored: &[StoredBlob],
) -> Result<image_contents::Contents> {
    let mut readers: Vec<Box<dyn std::io::Read + '_>> = Vec::new();
    for info in layers {
        let digest = info.descriptor["digest"].as_str().unwrap_or_default();
        if let Some(blob) = built.iter().find(|b| b.digest == digest) {
            readers.push(Box::new(&blob.bytes[..]));
        } else if let Some(file) = stored.iter().find(|b| b.digest == digest) {
            readers
                .push(Box::new(std::fs::File::open(&file.path).with_context(
                    || format!("cannot open {}", file.path.display()),
                )?));
        } else {
            bail!("layer {digest} is neither built nor stored");
        }
    }
    image_contents::read_layers(readers)
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

/// The architectures of a Python image: those of its `python.platforms`, in the
/// release targets' order.
fn python_arches(python: &crate::dist::PythonApp) -> Vec<&'static str> {
    let mut arches: Vec<&'static str> = Vec::new();
    for target in TARGETS.iter().filter(|t| t.os == "linux") {
        let platform = format!("linux/{}", target.arch);
        if python.platforms.contains(&platform) && !arches.contains(&target.arch) {
            arches.push(target.arch);
        }
    }
    arches
}

/// What the provenance records of an image's definition.
fn definition_entry(image: &crate::dist::Image) -> Value {
    match &image.app {
        App::Binary(binary) => serde_json::json!({
            "name": image.name,
            "binary": binary,
            "repository": image.repository,
            "base": image.base,
            "args": image.args,
        }),
        App::Python(python) => serde_json::json!({
            "name": image.name,
            "python": {
                "version": python.version,
                "requirements": python.requirements,
                "lock": python.lock,
                "entrypoint": python.entrypoint,
                "platforms": python.platforms,
            },
            "repository": image.repository,
            "base": image.base,
            "args": image.args,
        }),
    }
}

/// The wheels of a lock as resolved dependencies of the provenance: URL, SHA-256, file
/// name, and the package's purl and platforms (what `verify --image` expects each
/// platform's SBOM to list).
pub fn resolved_wheels(lock: &wheels::Lock) -> Vec<Value> {
    lock.wheels
        .iter()
        .map(|w| {
            serde_json::json!({
                "uri": w.url,
                "name": w.filename,
                "digest": { "sha256": w.sha256 },
                "annotations": { "purl": w.purl(), "platforms": w.platforms },
            })
        })
        .collect()
}

/// Fetches every wheel of a lock into the cache; returns each wheel's file by name.
fn fetch_wheels(
    fetcher: &wheels::Fetcher,
    image: &str,
    lock: &wheels::Lock,
) -> Result<BTreeMap<String, PathBuf>> {
    let mut files = BTreeMap::new();
    let mut downloaded = 0;
    for wheel in &lock.wheels {
        let (path, fresh) = fetcher
            .fetch(wheel)
            .with_context(|| format!("image {image}: fetching its wheels"))?;
        downloaded += usize::from(fresh);
        files.insert(wheel.filename.clone(), path);
    }
    errln!(
        "images: {image}: {} wheel(s), {downloaded} downloaded",
        lock.wheels.len()
    );
    Ok(files)
}

/// A base that says which Python it has (`PYTHON_VERSION`, as the official images do)
/// must have the one the lock was resolved for.
fn check_base_python(image: &str, arch: &str, version: &str, env: &[String]) -> Result<()> {
    let Some(has) = env.iter().find_map(|e| e.strip_prefix("PYTHON_VERSION=")) else {
        return Ok(());
    };
    if has != version && !has.starts_with(&format!("{version}.")) {
        bail!(
            "image {image}: its linux/{arch} base has Python {has}, the lock is for Python {version}; hint: a base of Python {version}, or python.version and the lock for {has}"
        );
    }
    Ok(())
}

/// The layer of a Python image for `arch`: the lock's wheels of that platform,
/// installed as [`wheels::Installer`] does.
fn python_layer(
    python: &crate::dist::PythonApp,
    lock: &wheels::Lock,
    arch: &str,
    files: &BTreeMap<String, PathBuf>,
    mtime: u64,
) -> Result<Layer> {
    let mut installer = wheels::Installer::new(wheels::Scheme::new(&python.version));
    for wheel in lock.for_platform(&format!("linux/{arch}")) {
        let path = files
            .get(&wheel.filename)
            .with_context(|| format!("wheel {} was not fetched", wheel.filename))?;
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read the wheel {}", path.display()))?;
        installer.add(wheel, &bytes)?;
    }
    let nodes = installer.finish();
    let script = format!("usr/local/bin/{}", python.entrypoint);
    if !matches!(nodes.get(&script), Some(Node::File { .. })) {
        bail!(
            "no wheel of the lock installs the console script {}; hint: python.entrypoint names one of entry_points.txt",
            python.entrypoint
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

/// Pushes every image of `images` with its tags to `host`, or to the registry of each
/// image's repository when `host` is `None`: every blob the registry lacks (streamed
/// from the layout; a blob another repository of the same registry received in this
/// push, such as the binary layer images of one binary share, is mounted from there),
/// each manifest by digest, the index under each tag, then the image's signed SBOM and
/// provenance referrers. A tagged release pushes every image or fails naming the
/// missing one. Returns how many blobs were uploaded.
pub fn push(
    out: &OutDir,
    images: &[ImagePush],
    host: Option<&str>,
    dry_run: bool,
) -> Result<usize> {
    let metadata = out.metadata()?;
    let tagged = metadata.tag.is_some() && !metadata.snapshot;
    let mut uploaded = 0;
    let mut holders = Holders::new();
    for (done, image) in images.iter().enumerate() {
        let host = host.unwrap_or_else(|| image.host());
        let dir = out.join(&format!("images/{}", image.name));
        if !dir.join("index.json").is_file() {
            if tagged {
                bail!(
                    "image {} was not built (no layout at {}), and a tagged release pushes every image; hint: cargo xtask images",
                    image.name,
                    dir.display()
                );
            }
            errln!("images: {}: not built, not pushed", image.name);
            continue;
        }
        let repo = image.path();
        if !dry_run {
            errln!(
                "images: [{}/{}] pushing {} to {host}/{repo}",
                done + 1,
                images.len(),
                image.name
            );
        }
        uploaded += push_image(&dir, host, repo, &image.tags, dry_run, &mut holders)
            .with_context(|| format!("pushing image {} to {host}/{repo}", image.name))?;
    }
    if holders.mounted > 0 {
        errln!(
            "images: {} blob(s) mounted from another repository of the registry",
            holders.mounted
        );
    }
    Ok(uploaded)
}

/// Where each pushed blob is, by registry host: a repository to mount it from.
#[derive(Debug, Default)]
struct Holders {
    at: BTreeMap<(String, String), String>,
    mounted: usize,
}

impl Holders {
    fn new() -> Holders {
        Holders::default()
    }
}

/// The blobs a manifest needs, pushed unless the registry has them; returns how many
/// were uploaded.
fn push_blobs(
    registry: Option<&Registry>,
    (dir, host, repo): (&Path, &str, &str),
    manifest: &Value,
    seen: &mut BTreeSet<String>,
    holders: &mut Holders,
) -> Result<usize> {
    let base = crate::registry::base_url(host);
    let mut uploaded = 0;
    let blobs = oci::blob_digests(manifest);
    for (done, blob) in blobs.iter().cloned().enumerate() {
        if !seen.insert(blob.clone()) {
            continue;
        }
        let key = (host.to_owned(), blob.clone());
        let from = holders
            .at
            .get(&key)
            .filter(|from| from.as_str() != repo)
            .cloned();
        let path = oci::blob_path(dir, &blob)?;
        let Some(registry) = registry else {
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
            holders.at.insert(key, repo.to_owned());
            continue;
        };
        if !registry.blob_exists(repo, &blob, Access::Push)? {
            if let Some(from) = &from
                && registry.mount_blob(repo, &blob, from)?
            {
                holders.mounted += 1;
            } else {
                errln!(
                    "images: {host}/{repo}: uploading blob {}/{} {blob} ({} bytes)",
                    done + 1,
                    blobs.len(),
                    std::fs::metadata(&path).map_or(0, |m| m.len())
                );
                registry.upload_blob(repo, &blob, &path)?;
                uploaded += 1;
            }
        }
        holders.at.insert(key, repo.to_owned());
    }
    Ok(uploaded)
}

/// Pushes one layout; `--dry-run` prints the requests instead.
fn push_image(
    dir: &Path,
    host: &str,
    repo: &str,
    tags: &[String],
    dry_run: bool,
    holders: &mut Holders,
) -> Result<usize> {
    let index_digest = layout_digest(dir)?;
    let index_bytes = oci::read_blob(dir, &index_digest)?;
    let index: Value = serde_json::from_slice(&index_bytes)
        .with_context(|| format!("the index {index_digest} in {} is not JSON", dir.display()))?;
    let registry = if dry_run {
        outln!("# {host}/{repo}: token scope {}", Access::Push.scope(repo))?;
        None
    } else {
        Some(Registry::new(host)?)
    };
    let mut pusher = Pusher {
        registry,
        dir,
        host,
        repo,
        base: crate::registry::base_url(host),
        seen: BTreeSet::new(),
        holders,
        uploaded: 0,
    };
    pusher.push_platforms(&index_digest, &index)?;
    let by_subject = pusher.push_referrers()?;
    pusher.push_referrer_indexes(by_subject)?;
    // The tags last: `latest` never points at an image whose attestations are missing.
    pusher.push_tags(tags, &index_digest, &index_bytes)?;
    if pusher.registry.is_some() {
        errln!(
            "images: pushed {host}/{repo}:{} ({index_digest})",
            tags.join(", :")
        );
    }
    Ok(pusher.uploaded)
}

/// The push of one layout to one repository: to a registry, or, without one
/// (`--dry-run`), the requests printed.
struct Pusher<'a> {
    registry: Option<Registry>,
    /// The layout.
    dir: &'a Path,
    host: &'a str,
    repo: &'a str,
    /// The registry's base URL, for the printed requests.
    base: String,
    /// The blobs pushed (or found) so far.
    seen: BTreeSet<String>,
    holders: &'a mut Holders,
    /// How many blobs were uploaded.
    uploaded: usize,
}

impl Pusher<'_> {
    /// Puts manifest `bytes` of `media_type` under `reference` (or prints the request);
    /// whether the registry indexed it as a referrer of its subject.
    fn put(&self, reference: &str, media_type: &str, bytes: &[u8]) -> Result<bool> {
        let (base, repo) = (&self.base, self.repo);
        match &self.registry {
            None => {
                outln!("PUT  {base}/v2/{repo}/manifests/{reference}   ({media_type})")?;
                Ok(false)
            }
            Some(registry) => registry
                .put_manifest(repo, reference, media_type, bytes)
                .map(|stored| stored.subject_indexed),
        }
    }

    /// Pushes the blobs `manifest` needs that were not pushed yet, counting uploads.
    fn push_blobs(&mut self, manifest: &Value) -> Result<()> {
        self.uploaded += push_blobs(
            self.registry.as_ref(),
            (self.dir, self.host, self.repo),
            manifest,
            &mut self.seen,
            self.holders,
        )?;
        Ok(())
    }

    /// Pushes each platform manifest of `index` (digest `index_digest`) by digest, its
    /// blobs first.
    fn push_platforms(&mut self, index_digest: &str, index: &Value) -> Result<()> {
        let entries = index["manifests"]
            .as_array()
            .with_context(|| format!("the index {index_digest} lists no manifests"))?;
        for entry in entries {
            let digest = entry["digest"].as_str().with_context(|| {
                format!("the index {index_digest} has an entry without a digest")
            })?;
            let manifest_bytes = oci::read_blob(self.dir, digest)?;
            let manifest: Value = serde_json::from_slice(&manifest_bytes).with_context(|| {
                format!("manifest {digest} in {} is not JSON", self.dir.display())
            })?;
            self.push_blobs(&manifest)?;
            self.put(digest, oci::MANIFEST, &manifest_bytes)?;
        }
        Ok(())
    }

    /// Pushes each referrer (artifact manifest) of the layout by digest, its blobs
    /// first. Returns the descriptors the registry did not index as referrers (it
    /// lacks the referrers API: it does not answer a put with `OCI-Subject`), by
    /// subject.
    fn push_referrers(&mut self) -> Result<BTreeMap<String, Vec<Value>>> {
        let top: Value = serde_json::from_slice(&std::fs::read(self.dir.join("index.json"))?)?;
        let mut by_subject: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for entry in top["manifests"].as_array().into_iter().flatten() {
            if entry["artifactType"] != image_attest::BUNDLE {
                continue;
            }
            let digest = entry["digest"]
                .as_str()
                .context("a referrer without digest")?;
            let bytes = oci::read_blob(self.dir, digest)?;
            let manifest: Value = serde_json::from_slice(&bytes)?;
            self.push_blobs(&manifest)?;
            if self.put(digest, oci::MANIFEST, &bytes)? {
                continue;
            }
            let subject = manifest["subject"]["digest"]
                .as_str()
                .context("a referrer without subject")?
                .to_owned();
            let mut descriptor = entry.clone();
            descriptor["annotations"] = manifest["annotations"].clone();
            by_subject.entry(subject).or_default().push(descriptor);
        }
        Ok(by_subject)
    }

    /// Puts, for each subject of `by_subject`, an index of its referrers under the
    /// referrers tag schema (`sha256-<hex>`), merged with what the registry already
    /// lists there and sorted by digest.
    fn push_referrer_indexes(&self, by_subject: BTreeMap<String, Vec<Value>>) -> Result<()> {
        for (subject, mut descriptors) in by_subject {
            let tag = subject.replacen(':', "-", 1);
            if let Some(registry) = &self.registry
                && registry.resolve(self.repo, &tag, Access::Push)?.is_some()
            {
                let (bytes, _, _) = registry.get_manifest(self.repo, &tag)?;
                let existing: Value = serde_json::from_slice(&bytes).unwrap_or_default();
                for d in existing["manifests"].as_array().into_iter().flatten() {
                    if !descriptors.iter().any(|m| m["digest"] == d["digest"]) {
                        descriptors.push(d.clone());
                    }
                }
            }
            descriptors.sort_by(|a, b| a["digest"].as_str().cmp(&b["digest"].as_str()));
            let list = serde_json::to_vec(&serde_json::json!({
                "schemaVersion": 2,
                "mediaType": oci::INDEX,
                "manifests": descriptors,
            }))?;
            self.put(&tag, oci::INDEX, &list)?;
        }
        Ok(())
    }

    /// Puts the index (`index_bytes`, digest `index_digest`) under each of `tags`, and
    /// checks that the registry resolves each tag to it.
    fn push_tags(&self, tags: &[String], index_digest: &str, index_bytes: &[u8]) -> Result<()> {
        let (base, host, repo) = (&self.base, self.host, self.repo);
        for tag in tags {
            let Some(registry) = &self.registry else {
                outln!(
                    "PUT  {base}/v2/{repo}/manifests/{tag}   ({}, {index_digest})",
                    oci::INDEX
                )?;
                continue;
            };
            registry.put_manifest(repo, tag, oci::INDEX, index_bytes)?;
            let stored = registry.resolve(repo, tag, Access::Push)?;
            if stored.as_deref() != Some(index_digest) {
                bail!(
                    "registry {host} resolves {repo}:{tag} to {}, not {index_digest}",
                    stored.as_deref().unwrap_or("nothing")
                );
            }
        }
        Ok(())
    }
}

/// Checks, pushing nothing, that the registry credentials may push to every image's
/// repository (on `host`, or each repository's own registry); one error lists every
/// repository that is denied.
pub fn check_push(def: &Definition, host: Option<&str>) -> Result<()> {
    let mut denied = Vec::new();
    for image in &def.images {
        let host = host.unwrap_or_else(|| image.repository.split('/').next().unwrap_or_default());
        let repo = repository_path(&image.repository);
        match crate::registry::check_push_access(host, repo) {
            Ok(()) => errln!("images: may push to {host}/{repo}"),
            Err(e) => denied.push(format!("{e:#}")),
        }
    }
    if !denied.is_empty() {
        bail!("{}", denied.join("\n"));
    }
    Ok(())
}

/// The built images of `out` as JSON: name, repository (moved to `host` when given, as
/// a push does), index digest and the index SBOM file's path in the release directory.
pub fn listing(def: &Definition, out: &OutDir, host: Option<&str>) -> Result<Value> {
    let manifest = out.manifest()?;
    let mut images = Vec::new();
    for image in &def.images {
        let Some(built) = manifest
            .artifacts
            .iter()
            .find(|a| a.kind == Kind::Image && a.name == image.name)
        else {
            continue;
        };
        let sbom = manifest
            .artifacts
            .iter()
            .find(|a| {
                a.kind == Kind::ImageSbom && a.name == crate::assets::image_sbom_name(&image.name)
            })
            .with_context(|| {
                format!(
                    "{} lists image {} without its SBOM; hint: cargo xtask images",
                    out.path.display(),
                    image.name
                )
            })?;
        let repository = match host {
            Some(host) => format!("{host}/{}", repository_path(&image.repository)),
            None => image.repository.clone(),
        };
        images.push(serde_json::json!({
            "name": image.name,
            "repository": repository,
            "digest": format!("sha256:{}", built.path.rsplit('/').next().unwrap_or_default()),
            "sbom": sbom.path,
        }));
    }
    Ok(Value::Array(images))
}

fn list(def: &Definition, out: &OutDir, host: Option<&str>) -> Result<()> {
    let images = listing(def, out, host)?;
    outln!("{}", serde_json::to_string(&images)?)
}

pub fn run(project: &Project, args: &ImagesArgs) -> Result<()> {
    let def = Definition::load(&project.root)?;
    if let Some(name) = &args.lock {
        return lock::run(project, &def, name, args.dry_run);
    }
    if args.check_push {
        return check_push(&def, args.push.as_deref());
    }
    let out = OutDir::new(project.out_dir(&args.out.out));
    if !args.no_build && !args.list {
        let key = crate::tasks::attest::signing_key(project, args.key.as_deref())?;
        build(project, &def, &out, &args.base, args.pull, key.as_ref())?;
    }
    if args.list {
        return list(&def, &out, args.push.as_deref());
    }
    if let Some(host) = &args.push {
        let metadata = out.metadata()?;
        let tag = metadata.tag.as_deref();
        let latest = crate::tasks::plan::latest(project, tag)?;
        let plan = crate::tasks::plan::plan(&def, &metadata.version, tag, latest);
        let uploaded = push(&out, &plan.images, Some(host), args.dry_run)?;
        if !args.dry_run {
            errln!("images: {uploaded} blob(s) uploaded");
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

    #[test]
    fn a_pulled_base_is_cached_under_its_reference_made_a_safe_path() {
        let tagged = Reference::parse("docker.io/library/python:3.12-slim").unwrap();
        assert_eq!(
            base_cache_name(&tagged),
            "docker.io/library/python/3.12-slim"
        );
        let pinned =
            Reference::parse(&format!("127.0.0.1:5000/base@sha256:{}", "ab".repeat(32))).unwrap();
        assert_eq!(
            base_cache_name(&pinned),
            format!("127.0.0.1_5000/base/sha256_{}", "ab".repeat(32))
        );
    }

    #[test]
    fn a_base_index_gives_its_linux_amd64_and_arm64_manifests_only() {
        let index = serde_json::json!({ "manifests": [
            { "digest": "sha256:a", "platform": { "os": "linux", "architecture": "amd64" } },
            { "digest": "sha256:w", "platform": { "os": "windows", "architecture": "amd64" } },
            { "digest": "sha256:s", "platform": { "os": "linux", "architecture": "s390x" } },
            { "digest": "sha256:b", "platform": { "os": "linux", "architecture": "arm64" } },
        ]});
        assert_eq!(
            platform_digests("b", oci::INDEX, &index, "sha256:top").unwrap(),
            ["sha256:a", "sha256:b"]
        );
        let manifest = serde_json::json!({ "layers": [] });
        assert_eq!(
            platform_digests("b", oci::MANIFEST, &manifest, "sha256:top").unwrap(),
            ["sha256:top"]
        );
        let other = serde_json::json!({ "manifests": [
            { "digest": "sha256:w", "platform": { "os": "windows", "architecture": "amd64" } },
        ]});
        assert_eq!(
            platform_digests(
                "host/b:1",
                crate::registry::DOCKER_LIST,
                &other,
                "sha256:top"
            )
            .unwrap_err()
            .to_string(),
            "base host/b:1 has no linux/amd64 or linux/arm64 image"
        );
    }

    #[test]
    fn an_images_env_keeps_its_bases_path_and_adds_the_ca_bundle() {
        assert_eq!(
            image_env(Vec::new(), false),
            [
                "PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin",
                "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"
            ]
        );
        assert_eq!(
            image_env(
                vec![
                    "PATH=/opt/python/bin".to_owned(),
                    "PYTHON_VERSION=3.12.1".to_owned()
                ],
                true
            ),
            [
                "PATH=/opt/python/bin",
                "PYTHON_VERSION=3.12.1",
                "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
                "PYTHONDONTWRITEBYTECODE=1"
            ]
        );
    }
}
