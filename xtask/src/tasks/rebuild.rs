// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask rebuild --tag vX.Y.Z [--against DIR|URL] [--target T …] [--images]
//! [--expect-promotion] [--json]`: proves that a published release was built from its
//! tag, by building it again and comparing every asset with the published one.
//!
//! - The published side is the release's checksum file: in a directory of downloaded
//!   assets (`--against DIR`), or at an https URL (`--against URL`; default: the tag's
//!   GitHub release). It is read before anything is built. Assets are fetched only to
//!   explain a difference (from a URL into `<out>/published/`, for diffoscope).
//! - The tag is built in a clean worktree (`target/rebuild-worktree/<tag>`) with the
//!   toolchain it pins (a different rustc is refused), by the build steps of its release
//!   plan (not the provenance, which records the build's own times and signature; the
//!   images with `--images`) into `target/rebuild/<tag>` (`--out`), compiling in
//!   `target/rebuild-cache`, apart from the checkout's release builds. `--target` limits
//!   the build and the comparison to those targets' assets.
//! - Each asset is `ok` (the published digest), `differs` (explained: see `compare`),
//!   `missing` (the rebuild makes it, the checksum file lacks it) or `extra` (listed,
//!   but the tag's definition makes no such asset). With `--images`, each image index
//!   (or, for a subset of targets, each platform manifest) is compared by digest with
//!   the layout in DIR (`images/<name>/`) or the registry's tag.
//! - `--expect-promotion`: DIR holds the candidate the tag was promoted from
//!   (`v1.3.0-rc2` for `v1.3.0`). Both tags must name one commit, the asset names differ
//!   by the version, binaries only in their version stamp and SBOMs only in the version
//!   fields (and the archive digests that follow from it); anything else differs.
//!
//! One line per asset, a verdict, exit code 0 when every asset proves the release and 1
//! otherwise; `--json` prints the report instead; with `GITHUB_ACTIONS=true` a table
//! goes to `$GITHUB_STEP_SUMMARY`.

pub mod compare;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde_json::Value;

use crate::artifacts::OutDir;
use crate::assets::{self, ArchivePlan, Assets};
use crate::dist::Definition;
use crate::flags::RebuildArgs;
use crate::fsutil;
use crate::git::Git;
use crate::project::Project;
use crate::targets::Target;
use crate::tasks::checksum::parse as parse_checksums;
use crate::tasks::cross_build;
use crate::tasks::pipeline::{self, Lock, Worktree};
use crate::tasks::plan::{self, Action};
use crate::version::ReleaseVersion;
use compare::{AssetReport, Pair, Rebuilt, Stamps, Status};

/// Largest published asset read for an explanation.
const MAX_ASSET: u64 = 4 << 30;

/// Where the published release is.
#[derive(Debug, Clone)]
enum Source {
    Dir(PathBuf),
    /// The URL of the checksum file, split at its last `/`.
    Url {
        base: String,
        file: String,
    },
}

impl Source {
    fn parse(project: &Project, against: &str) -> Result<Source> {
        if against.contains("://") {
            let loopback = ["http://127.", "http://localhost", "http://[::1]"]
                .iter()
                .any(|p| against.starts_with(p));
            if !against.starts_with("https://") && !loopback {
                bail!(
                    "--against {against}: only https URLs are fetched (plain http only from loopback); hint: pass the https URL of the release's checksum file, or a directory"
                );
            }
            let (base, file) = against
                .rsplit_once('/')
                .filter(|(_, file)| !file.is_empty())
                .with_context(|| format!("--against {against} names no file; hint: pass the URL of the release's checksum file"))?;
            return Ok(Source::Url {
                base: base.to_owned(),
                file: file.to_owned(),
            });
        }
        let dir = project.out_dir(Path::new(against));
        if !dir.is_dir() {
            bail!(
                "--against {}: no such directory; hint: download the release's assets into a directory, or pass the URL of its checksum file",
                dir.display()
            );
        }
        Ok(Source::Dir(dir))
    }

    fn describe(&self) -> String {
        match self {
            Source::Dir(dir) => dir.display().to_string(),
            Source::Url { base, file } => format!("{base}/{file}"),
        }
    }

    /// The checksum file's name and its `name → sha256` lines.
    fn checksums(&self, def: &Definition) -> Result<(String, BTreeMap<String, String>)> {
        let (name, bytes) = match self {
            Source::Dir(dir) => {
                let name = assets::checksum_file(def).name;
                let bytes = self.fetch(&name)?.with_context(|| {
                    format!(
                        "{} has no {name}; hint: download the release's checksum file too",
                        dir.display(),
                    )
                })?;
                (name, bytes)
            }
            Source::Url { file, .. } => {
                let bytes = self.fetch(file)?.with_context(|| {
                    format!(
                        "{} is not there (404); hint: check the tag and the URL",
                        self.describe()
                    )
                })?;
                (file.clone(), bytes)
            }
        };
        let text = String::from_utf8(bytes).with_context(|| format!("{name} is not UTF-8"))?;
        let lines =
            parse_checksums(&text).with_context(|| format!("{name} is not a checksum file"))?;
        let mut sums = BTreeMap::new();
        for (file, digest) in lines {
            if let Some(why) = fsutil::refuse_name(&file)
                .or(file.contains('/').then_some("the name has a directory"))
            {
                bail!("{name} lists {file:?}: {why}; refused");
            }
            if sums.insert(file.clone(), digest.to_lowercase()).is_some() {
                bail!("{name} lists {file} twice");
            }
        }
        if sums.is_empty() {
            bail!("{name} lists no asset, so it proves nothing");
        }
        Ok((name, sums))
    }

    /// The bytes of a published file, `None` when it is not there.
    fn fetch(&self, name: &str) -> Result<Option<Vec<u8>>> {
        match self {
            Source::Dir(dir) => {
                if !dir.join(name).exists() {
                    return Ok(None);
                }
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut fsutil::open_regular(dir, name)?, &mut bytes)
                    .with_context(|| format!("cannot read {}", dir.join(name).display()))?;
                Ok(Some(bytes))
            }
            Source::Url { base, .. } => {
                let url = format!("{base}/{name}");
                let agent: ureq::Agent = crate::http::config().build().into();
                let mut response = agent
                    .get(&url)
                    .call()
                    .with_context(|| format!("GET {url} failed"))?;
                match response.status().as_u16() {
                    200 => Ok(Some(
                        response
                            .body_mut()
                            .with_config()
                            .limit(MAX_ASSET)
                            .read_to_vec()
                            .with_context(|| format!("cannot read {url}"))?,
                    )),
                    404 => Ok(None),
                    status => bail!("GET {url} answered {status}"),
                }
            }
        }
    }
}

/// A promotion being checked: the candidate and its version.
#[derive(Debug, Clone, Serialize)]
struct Promotion {
    candidate: String,
    version: String,
    commit: String,
}

/// The comparison of one image.
#[derive(Debug, Clone, Serialize)]
struct ImageReport {
    name: String,
    status: Status,
    digest: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    published_digest: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    differences: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Report {
    tag: String,
    commit: String,
    against: String,
    targets: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    promotion: Option<Promotion>,
    reproduced: bool,
    rebuilt: String,
    assets: Vec<AssetReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    images: Vec<ImageReport>,
    seconds: u64,
}

/// Rebuilds the release of `--tag` and compares every asset (and, with `--images`,
/// image) with the published one: prints the report, and fails unless every one
/// proves the release.
pub fn run(project: &Project, args: &RebuildArgs) -> Result<()> {
    let started = std::time::Instant::now();
    let tag = args.tag.as_str();
    let release_version = ReleaseVersion::parse_tag(tag)?;
    let version = release_version.to_string();
    let git = Git::new(&project.sh);
    git.ensure_repo()?;
    let commit = git
        .rev_parse(&format!("refs/tags/{tag}"))
        .map_err(|_| anyhow::anyhow!("tag {tag} does not exist here; hint: git fetch --tags"))?;
    let def = Definition::at_tag(&git, tag)?;
    let only = cross_build::select_targets(&def, &args.targets)?;
    let selected: Vec<Target> = only.clone().unwrap_or_else(|| def.all_targets());

    // The published side first: nothing is built when it cannot be read.
    let against = match &args.against {
        Some(against) => against.clone(),
        None => format!(
            "{}/releases/download/{tag}/{}",
            project.repository()?,
            assets::checksum_file(&def).name
        ),
    };
    let source = Source::parse(project, &against)?;
    let (sums_name, published) = source.checksums(&def)?;
    let promotion = if args.expect_promotion {
        Some(candidate(&git, &def, tag, &commit, &published)?)
    } else {
        None
    };
    let published_version = promotion
        .as_ref()
        .map_or(version.clone(), |p| p.version.clone());

    let out = OutDir::new(match &args.out {
        Some(dir) => project.out_dir(dir),
        None => project.root.join("target/rebuild").join(tag),
    });
    let _lock = Lock::acquire(&out.path)?;
    let scope = Scope {
        only: only.as_deref(),
        selected: &selected,
    };
    let (def, metadata) = rebuild_tag(project, args, &commit, scope, &source, &out)?;

    // Pair the rebuilt assets with the published ones.
    let rebuilt = rebuilt_assets(
        &out.manifest()?,
        &published_names(&def, &version, &published_version),
    );
    let mut assets = compare::pair_assets(
        &rebuilt,
        &published,
        &out_of_scope(&def, &published_version, &selected),
    );
    let (stamps, replacements) = promotion_stamps(
        &metadata,
        promotion.as_ref(),
        &rebuilt,
        &published,
        &version,
    );
    let notes = Notes {
        sums_name: &sums_name,
        tag,
        archives: &Assets::new(&def, &version).archives(None),
        stamps: &stamps,
        replacements: &replacements,
        promotion: promotion.is_some(),
    };
    explain_assets(&source, &out, &mut assets, &notes)?;
    let images = if args.images {
        compare_images(&source, &out, &def, tag, only.is_some())?
    } else {
        Vec::new()
    };
    let reproduced = !assets.is_empty()
        && assets.iter().all(|a| a.status.passes())
        && images.iter().all(|i| i.status.passes());
    let report = Report {
        tag: tag.to_owned(),
        commit,
        against: source.describe(),
        targets: selected.iter().map(|t| t.triple.to_owned()).collect(),
        promotion,
        reproduced,
        rebuilt: out.path.display().to_string(),
        assets,
        images,
        seconds: started.elapsed().as_secs(),
    };
    print(&report, args.json)?;
    summary(project, &report)?;
    errln!(
        "rebuild: built and compared in {:.1} s; the rebuilt assets are in {}",
        started.elapsed().as_secs_f64(),
        out.path.display()
    );
    check_reproduced(&report, &source, &out)
}

/// The targets a rebuild covers: those of `--target` (`only`, none for all), and the
/// targets that selects.
#[derive(Clone, Copy)]
struct Scope<'a> {
    only: Option<&'a [Target]>,
    selected: &'a [Target],
}

/// Builds the tag at `commit` in a clean worktree, with the toolchain it pins, by the
/// build steps of its release plan (the images with `--images`, never the provenance)
/// for `scope` into `out`: the tag's definition and the build's metadata.
fn rebuild_tag(
    project: &Project,
    args: &RebuildArgs,
    commit: &str,
    scope: Scope<'_>,
    source: &Source,
    out: &OutDir,
) -> Result<(Definition, crate::artifacts::Metadata)> {
    let tag = args.tag.as_str();
    let worktree = Worktree::add(project, "rebuild-worktree", tag)?;
    let tree = pipeline::open_worktree(project, &worktree)?;
    // Compiled apart from the release builds of this checkout: nothing of theirs is
    // reused, and their cache is left alone (the remapped worktree path differs).
    tree.sh.set_var(
        "CARGO_TARGET_DIR",
        project.root.join("target/rebuild-cache"),
    );
    pipeline::check_toolchain(&tree, tag, "rebuild")?;
    let def = Definition::load(&tree.root)?;
    let mut plan = plan::for_release(project, &def, Some(tag))?;
    if let Some(only) = scope.only {
        plan = plan.restricted(&def, only);
    }
    plan.steps.retain(|s| {
        s.action.builds()
            && s.action != Action::Attest
            && (args.images || s.action != Action::Images)
    });
    let opts = cross_build::Options {
        only: scope.only.map(<[Target]>::to_vec),
        install_missing: true,
        fake: args.fake_binaries,
        snapshot: false,
        tag: Some(tag.to_owned()),
        profile: cross_build::PROFILE.to_owned(),
    };
    errln!(
        "rebuild: {tag} ({}) for {} against {}",
        &commit[..commit.len().min(12)],
        scope
            .selected
            .iter()
            .map(|t| t.triple)
            .collect::<Vec<_>>()
            .join(", "),
        source.describe()
    );
    let metadata = pipeline::build(&tree, &def, out, &opts, None, &plan, &mut Vec::new())?;
    drop(worktree);
    Ok((def, metadata))
}

/// The release assets of the rebuild's `manifest`, each with the name it has on the
/// published side (`published_names`: a promoted candidate's names for the rebuild's).
fn rebuilt_assets(
    manifest: &crate::artifacts::Manifest,
    published_names: &std::collections::BTreeMap<String, String>,
) -> Vec<Rebuilt> {
    manifest
        .artifacts
        .iter()
        .filter(|a| a.kind.is_release_asset())
        .map(|a| Rebuilt {
            name: a.name.clone(),
            published_name: published_names
                .get(&a.name)
                .cloned()
                .unwrap_or_else(|| a.name.clone()),
            sha256: a.sha256.clone(),
        })
        .collect()
}

/// The assets of release `version` of `def` that the `selected` targets do not make.
fn out_of_scope(def: &Definition, version: &str, selected: &[Target]) -> BTreeSet<String> {
    let assets = Assets::new(def, version);
    let in_scope: BTreeSet<String> = assets.names(Some(selected)).into_iter().collect();
    assets
        .names(None)
        .into_iter()
        .filter(|a| !in_scope.contains(a))
        .collect()
}

/// The version stamps of each side (the rebuild's version, short commit and date; a
/// promoted candidate's version), and, for a promotion, what the published side has
/// where the rebuild has something else: the digests of the archives that differ, and
/// the candidate's version for the tag's.
fn promotion_stamps(
    metadata: &crate::artifacts::Metadata,
    promotion: Option<&Promotion>,
    rebuilt: &[Rebuilt],
    published: &BTreeMap<String, String>,
    version: &str,
) -> (Stamps, Vec<(String, String)>) {
    let mut stamps = Stamps {
        rebuilt: vec![
            metadata.version.clone(),
            metadata.short_commit.clone(),
            metadata.date.clone(),
        ],
        published: Vec::new(),
    };
    let mut replacements: Vec<(String, String)> = Vec::new();
    if let Some(p) = promotion {
        stamps.published.push(p.version.clone());
        for a in rebuilt {
            if let Some(theirs) = published.get(&a.published_name)
                && *theirs != a.sha256
                && compare::kind_of(&a.name) == compare::AssetKind::Archive
            {
                replacements.push((theirs.clone(), a.sha256.clone()));
            }
        }
        replacements.push((p.version.clone(), version.to_owned()));
    }
    (stamps, replacements)
}

/// What explaining the assets needs beyond the assets.
struct Notes<'a> {
    /// The name of the published checksum file.
    sums_name: &'a str,
    tag: &'a str,
    archives: &'a [crate::assets::ArchivePlan],
    stamps: &'a Stamps,
    replacements: &'a [(String, String)],
    promotion: bool,
}

/// Notes on every asset that does not match: why a differing one differs, and where a
/// missing or extra one is (not) listed.
fn explain_assets(
    source: &Source,
    out: &OutDir,
    assets: &mut [AssetReport],
    notes: &Notes<'_>,
) -> Result<()> {
    let (sums_name, tag) = (notes.sums_name, notes.tag);
    for report in assets.iter_mut() {
        match report.status {
            Status::Differs => explain(
                source,
                out,
                report,
                notes.archives,
                notes.stamps,
                notes.replacements,
                notes.promotion,
            )?,
            Status::Missing => {
                report.note = Some(format!(
                    "the rebuild makes it; {sums_name} does not list it"
                ));
            }
            Status::Extra => {
                report.note = Some(format!(
                    "{sums_name} lists it; {tag}'s dist/release.toml makes no such asset"
                ));
            }
            Status::Ok | Status::Promoted => {}
        }
    }
    Ok(())
}

/// Fails unless `report` says the release is reproduced: how many assets and images do
/// not match, with the diffoscope command for the first differing asset.
fn check_reproduced(report: &Report, source: &Source, out: &OutDir) -> Result<()> {
    if report.reproduced {
        return Ok(());
    }
    let failed = report.assets.iter().filter(|a| !a.status.passes()).count()
        + report.images.iter().filter(|i| !i.status.passes()).count();
    let hint = match report.assets.iter().find(|a| a.status == Status::Differs) {
        Some(a) => format!(
            "; hint: diffoscope {} {} shows every difference",
            out.join(&a.name).display(),
            published_path(source, out, a.published_name.as_deref().unwrap_or(&a.name))
        ),
        None => String::new(),
    };
    bail!(
        "{} is not reproduced from {}: {failed} of {} asset(s){} do not match{hint}",
        report.tag,
        report.against,
        report.assets.len() + report.images.len(),
        if report.images.is_empty() {
            ""
        } else {
            " and image(s)"
        }
    );
}

/// Where the published copy of `name` is for diffoscope.
fn published_path(source: &Source, out: &OutDir, name: &str) -> String {
    match source {
        Source::Dir(dir) => dir.join(name).display().to_string(),
        Source::Url { .. } => out.join(&format!("published/{name}")).display().to_string(),
    }
}

/// The candidate `tag` was promoted from, as the published asset names say: a release
/// candidate of the same version on the same commit.
fn candidate(
    git: &Git<'_>,
    def: &Definition,
    tag: &str,
    commit: &str,
    published: &BTreeMap<String, String>,
) -> Result<Promotion> {
    let release = ReleaseVersion::parse_tag(tag)?;
    if release.is_rc() {
        bail!(
            "--expect-promotion: {tag} is a release candidate; hint: pass the stable tag the candidate was promoted to"
        );
    }
    let templates: Vec<(String, String)> = Assets::new(def, "{}")
        .archives(None)
        .iter()
        .filter_map(|a| {
            a.name
                .split_once("{}")
                .map(|(p, s)| (p.to_owned(), s.to_owned()))
        })
        .collect();
    let names: Vec<&str> = published.keys().map(String::as_str).collect();
    let version = compare::published_version(&names, &templates)?;
    let candidate = format!("v{version}");
    match ReleaseVersion::from_tag(&candidate) {
        Some(v) if v.is_rc() && v.stable() == release => {}
        _ => bail!(
            "--expect-promotion: the published assets are of {version}, not a release candidate of {tag}; hint: point --against at the assets of the candidate {tag} was promoted from"
        ),
    }
    let theirs = git.rev_parse(&format!("refs/tags/{candidate}")).map_err(|_| {
        anyhow::anyhow!("--expect-promotion: the published assets are of {candidate}, which is no tag here; hint: git fetch --tags")
    })?;
    if theirs != commit {
        bail!(
            "--expect-promotion: {candidate} is commit {theirs} and {tag} is commit {commit}: not a promotion, which tags the same commit"
        );
    }
    Ok(Promotion {
        candidate,
        version,
        commit: theirs,
    })
}

/// The name each archive and SBOM of the rebuilt `version` has in the published
/// `published_version` (a promoted candidate's assets carry the candidate's version).
fn published_names(
    def: &Definition,
    version: &str,
    published_version: &str,
) -> BTreeMap<String, String> {
    let published = Assets::new(def, published_version).archives(None);
    let mut names = BTreeMap::new();
    for ours in Assets::new(def, version).archives(None) {
        let Some(theirs) = published.iter().find(|p| {
            p.binary == ours.binary && p.target == ours.target && p.format == ours.format
        }) else {
            continue;
        };
        names.insert(ours.sbom().name, theirs.sbom().name);
        names.insert(ours.name, theirs.name.clone());
    }
    names
}

/// Fetches the published copy of a differing asset and explains the difference.
fn explain(
    source: &Source,
    out: &OutDir,
    report: &mut AssetReport,
    archives: &[ArchivePlan],
    stamps: &Stamps,
    replacements: &[(String, String)],
    promotion: bool,
) -> Result<()> {
    let published_name = report
        .published_name
        .clone()
        .unwrap_or_else(|| report.name.clone());
    let published = match source.fetch(&published_name) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            report.note = Some(format!(
                "the published {published_name} is not in {} to explain the difference",
                source.describe()
            ));
            return Ok(());
        }
        Err(err) => {
            report.note = Some(format!("{err:#}"));
            return Ok(());
        }
    };
    let (digest, _) = fsutil::sha256_reader(&published[..])?;
    if Some(&digest) != report.published_sha256.as_ref() {
        report.note = Some(format!(
            "{published_name} in {} is not the file its checksum line names (SHA-256 {digest}); hint: download it again",
            source.describe()
        ));
        return Ok(());
    }
    if let Source::Url { .. } = source {
        let keep = out.join(&format!("published/{published_name}"));
        if let Some(parent) = keep.parent() {
            std::fs::create_dir_all(parent)?;
        }
        fsutil::write_atomically(&keep, &published)?;
    }
    let rebuilt = std::fs::read(out.join(&report.name))
        .with_context(|| format!("cannot read the rebuilt {}", report.name))?;
    let binary = archives
        .iter()
        .find(|a| a.name == report.name)
        .map(|a| a.binary.as_str());
    let differences = compare::explain(&Pair {
        name: &report.name,
        rebuilt: &rebuilt,
        published: &published,
        binary,
        stamps,
        replacements,
    });
    report.status = compare::verdict(&differences, promotion);
    if report.status == Status::Promoted {
        report.note = Some(match compare::kind_of(&report.name) {
            compare::AssetKind::Sbom => "equal apart from the version fields".to_owned(),
            _ => "differs only in the version stamp".to_owned(),
        });
    }
    report.differences = differences;
    Ok(())
}

/// The image index of a layout: its bytes, parsed.
fn layout_index(dir: &Path, name: &str) -> Result<Option<(String, Value)>> {
    let layout = dir.join("images").join(name);
    if !layout.join("index.json").is_file() {
        return Ok(None);
    }
    let read = |relative: &str| -> Result<Value> {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut fsutil::open_regular(&layout, relative)?, &mut bytes)?;
        serde_json::from_slice(&bytes)
            .with_context(|| format!("{}/{relative} is not JSON", layout.display()))
    };
    let top = read("index.json")?;
    let digest = top["manifests"][0]["digest"]
        .as_str()
        .with_context(|| format!("the layout {} lists no image", layout.display()))?
        .to_owned();
    crate::oci::check_digest(&digest)?;
    let index = read(&format!(
        "blobs/sha256/{}",
        digest.trim_start_matches("sha256:")
    ))?;
    Ok(Some((digest, index)))
}

/// Compares each rebuilt image with the published one.
fn compare_images(
    source: &Source,
    out: &OutDir,
    def: &Definition,
    tag: &str,
    subset: bool,
) -> Result<Vec<ImageReport>> {
    let mut reports = Vec::new();
    for image in &def.images {
        let Some((digest, ours)) = layout_index(&out.path, &image.name)? else {
            continue;
        };
        let published = match source {
            Source::Dir(dir) => layout_index(dir, &image.name)?,
            Source::Url { .. } => {
                let host = image.repository.split('/').next().unwrap_or_default();
                let registry = crate::registry::Registry::with_credentials(host, None);
                let path = crate::registry::repository_path(&image.repository);
                let (bytes, _, digest) = registry.get_manifest(path, tag)?;
                Some((
                    digest,
                    serde_json::from_slice(&bytes).with_context(|| {
                        format!("the index of {}:{tag} is not JSON", image.repository)
                    })?,
                ))
            }
        };
        let report = match published {
            None => ImageReport {
                name: image.name.clone(),
                status: Status::Missing,
                digest,
                published_digest: None,
                differences: vec![format!(
                    "no published layout images/{} to compare with",
                    image.name
                )],
            },
            Some((theirs, index)) => {
                let differences = if theirs == digest {
                    Vec::new()
                } else {
                    compare::compare_index(&ours, &index, !subset)
                };
                ImageReport {
                    name: image.name.clone(),
                    status: if differences.is_empty() {
                        Status::Ok
                    } else {
                        Status::Differs
                    },
                    digest,
                    published_digest: Some(theirs),
                    differences,
                }
            }
        };
        reports.push(report);
    }
    Ok(reports)
}

fn print(report: &Report, json: bool) -> Result<()> {
    if json {
        outln!("{}", serde_json::to_string_pretty(report)?)?;
        return Ok(());
    }
    for a in &report.assets {
        let digest = a
            .sha256
            .as_ref()
            .or(a.published_sha256.as_ref())
            .map(|d| format!("sha256:{d}"))
            .unwrap_or_default();
        outln!("{}  {}  {digest}", a.status.word(), a.name)?;
        if a.status == Status::Differs
            && let Some(theirs) = &a.published_sha256
        {
            outln!("    published: sha256:{theirs}")?;
        }
        match (&a.published_name, &a.note) {
            (Some(from), Some(note)) => outln!("    from {from}: {note}")?,
            (Some(from), None) => outln!("    from {from}")?,
            (None, Some(note)) => outln!("    {note}")?,
            (None, None) => {}
        }
        if a.status != Status::Promoted {
            for d in &a.differences {
                outln!("    {d}")?;
            }
        }
    }
    for i in &report.images {
        outln!("{}  image {}  {}", i.status.word(), i.name, i.digest)?;
        for d in &i.differences {
            outln!("    {d}")?;
        }
    }
    let passed = report.assets.iter().filter(|a| a.status.passes()).count();
    if report.reproduced {
        outln!(
            "rebuild: {} reproduced from {}: {passed} asset(s){} match{}",
            report.tag,
            report.against,
            if report.images.is_empty() {
                String::new()
            } else {
                format!(" and {} image(s)", report.images.len())
            },
            match &report.promotion {
                Some(p) => format!(
                    " ({} promoted from {} on the same commit)",
                    report.tag, p.candidate
                ),
                None => String::new(),
            }
        )?;
    }
    Ok(())
}

/// The report as a Markdown table in the GitHub job summary, when running in Actions.
fn summary(project: &Project, report: &Report) -> Result<()> {
    let mut text = format!(
        "## Rebuild of {} ({})\n\n{} against `{}` for {}\n\n| asset | status | detail |\n|---|---|---|\n",
        report.tag,
        &report.commit[..report.commit.len().min(12)],
        if report.reproduced {
            "**Reproduced**"
        } else {
            "**Not reproduced**"
        },
        report.against,
        report.targets.join(", ")
    );
    for a in &report.assets {
        let detail = a
            .differences
            .first()
            .map(ToString::to_string)
            .or_else(|| a.note.clone())
            .or_else(|| a.sha256.as_ref().map(|d| format!("sha256:{d}")))
            .unwrap_or_default();
        text.push_str(&format!(
            "| {} | {} | {} |\n",
            a.name,
            a.status.word(),
            detail.replace('|', "\\|")
        ));
    }
    for i in &report.images {
        text.push_str(&format!(
            "| image {} | {} | {} |\n",
            i.name,
            i.status.word(),
            i.differences
                .first()
                .cloned()
                .unwrap_or_else(|| i.digest.clone())
                .replace('|', "\\|")
        ));
    }
    crate::actions::append_step_summary(project, &text)
}
