// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask verify [--dist DIR] [--key PUB] [--json]`: checks a release directory
//! offline, as a user downloads it, in one command:
//!
//! - the checksum file (`*_checksums.txt`) matches every file it lists, and lists every
//!   release asset in the directory;
//! - every artifact of `artifacts.json` (when present) has its recorded size and SHA-256;
//! - every SBOM's root package carries the SHA-256 of its archive;
//! - every provenance envelope is signed by the given key (`--key`; without it, the
//!   `.pub` beside the bundle, which proves integrity, not origin) and its subjects are
//!   exactly the checksum file's entries;
//! - every archive extracts safely: no absolute paths, no `..`, no links leaving it.
//!
//! One line per check, then PASSED or FAILED; exit code 0 or 1.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Component, Path};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::artifacts::{ARTIFACTS, METADATA, Manifest};
use crate::dsse::{self, Envelope};
use crate::flags::VerifyArgs;
use crate::fsutil;
use crate::project::Project;
use crate::tasks::attest::parse_checksums;

#[derive(Debug, Serialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

pub fn check(name: impl Into<String>, result: Result<String>) -> Check {
    match result {
        Ok(detail) => Check {
            name: name.into(),
            ok: true,
            detail,
        },
        Err(err) => Check {
            name: name.into(),
            ok: false,
            detail: format!("{err:#}"),
        },
    }
}

fn files(dir: &Path) -> Result<Vec<String>> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    Ok(names)
}

fn is_archive(name: &str) -> bool {
    name.ends_with(".tar.gz") || name.ends_with(".zip")
}

/// Whether a path inside an archive stays inside it.
fn safe_path(path: &Path) -> bool {
    !path.as_os_str().is_empty()
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// Reads every entry of an archive, refusing unsafe paths and links that leave it.
pub fn inspect_archive(path: &Path) -> Result<usize> {
    let name = path.display();
    let file = fs::File::open(path)?;
    let mut count = 0;
    if path.to_string_lossy().ends_with(".zip") {
        let mut zip =
            zip::ZipArchive::new(file).with_context(|| format!("{name} is not a zip archive"))?;
        for i in 0..zip.len() {
            let entry = zip.by_index(i)?;
            let raw = entry.name().map(|n| n.to_string()).unwrap_or_default();
            if entry.enclosed_name().is_none() || !safe_path(Path::new(&raw)) {
                bail!("{name}: entry '{raw}' escapes the archive");
            }
            if entry.is_symlink() {
                bail!("{name}: entry '{raw}' is a symbolic link");
            }
            count += 1;
        }
        return Ok(count);
    }
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for entry in archive
        .entries()
        .with_context(|| format!("{name} is not a tar.gz archive"))?
    {
        let entry = entry.with_context(|| format!("{name} is corrupt"))?;
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        if !safe_path(Path::new(&raw)) {
            bail!("{name}: entry '{raw}' escapes the archive");
        }
        if let Some(link) = entry.link_name_bytes() {
            let target = String::from_utf8_lossy(&link).into_owned();
            let joined = Path::new(&raw)
                .parent()
                .unwrap_or(Path::new(""))
                .join(&target);
            let mut depth: i32 = 0;
            for c in joined.components() {
                match c {
                    Component::Normal(_) => depth += 1,
                    Component::ParentDir => depth -= 1,
                    Component::CurDir => {}
                    _ => depth = -1,
                }
                if depth < 0 {
                    bail!("{name}: link '{raw}' points outside the archive ({target})");
                }
            }
        }
        count += 1;
    }
    Ok(count)
}

pub fn verify(dir: &Path, key: Option<&Path>) -> Result<Vec<Check>> {
    let names = files(dir)?;
    let sums_name = names
        .iter()
        .find(|n| n.ends_with("_checksums.txt"))
        .cloned()
        .with_context(|| {
            format!(
                "no *_checksums.txt in {}; hint: point --dist at a release directory",
                dir.display()
            )
        })?;
    let mut checks = Vec::new();
    let sums = parse_checksums(&fs::read_to_string(dir.join(&sums_name))?);
    let sums = match sums {
        Ok(s) => s,
        Err(err) => {
            checks.push(check(format!("{sums_name} is well-formed"), Err(err)));
            return Ok(checks);
        }
    };
    let listed: BTreeMap<&str, &str> = sums.iter().map(|(n, d)| (n.as_str(), d.as_str())).collect();

    checks.push(check(
        format!("{sums_name} matches every file it lists"),
        (|| {
            for (name, digest) in &sums {
                let path = dir.join(name);
                if !path.is_file() {
                    bail!("{name} is listed but missing");
                }
                let (actual, _) = fsutil::sha256_file(&path)?;
                if &actual != digest {
                    bail!("{name}: SHA-256 {actual} does not match the listed {digest}");
                }
            }
            Ok(format!("{} file(s)", sums.len()))
        })(),
    ));

    let unlisted: Vec<&String> = names
        .iter()
        .filter(|n| {
            **n != sums_name
                && *n != ARTIFACTS
                && *n != METADATA
                && *n != "release-state.json"
                && !n.ends_with(".intoto.jsonl")
                && !n.ends_with(".pub")
                && !listed.contains_key(n.as_str())
        })
        .collect();
    checks.push(check(
        format!("{sums_name} lists every release asset"),
        if unlisted.is_empty() {
            Ok(format!("{} asset(s)", listed.len()))
        } else {
            Err(anyhow::anyhow!(
                "not listed: {}",
                unlisted
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        },
    ));

    if names.iter().any(|n| n == ARTIFACTS) {
        checks.push(check(
            format!("{ARTIFACTS} matches the files"),
            (|| {
                let manifest: Manifest = serde_json::from_slice(&fs::read(dir.join(ARTIFACTS))?)?;
                for a in &manifest.artifacts {
                    let path = dir.join(&a.path);
                    let meta = fs::metadata(&path)
                        .with_context(|| format!("{} is recorded but missing", a.path))?;
                    if meta.len() != a.size {
                        bail!(
                            "{}: size {} does not match the recorded {}",
                            a.path,
                            meta.len(),
                            a.size
                        );
                    }
                    let (digest, _) = fsutil::sha256_file(&path)?;
                    if digest != a.sha256 {
                        bail!(
                            "{}: SHA-256 {digest} does not match the recorded {}",
                            a.path,
                            a.sha256
                        );
                    }
                }
                Ok(format!("{} artifact(s)", manifest.artifacts.len()))
            })(),
        ));
    }

    for sbom in names.iter().filter(|n| n.ends_with(".spdx.json")) {
        checks.push(check(
            format!("{sbom} describes its archive"),
            (|| {
                let doc: serde_json::Value = serde_json::from_slice(&fs::read(dir.join(sbom))?)?;
                let root = doc["packages"]
                    .as_array()
                    .and_then(|p| {
                        p.iter()
                            .find(|p| p["primaryPackagePurpose"] == "APPLICATION")
                    })
                    .context("no APPLICATION package")?;
                let archive = root["packageFileName"]
                    .as_str()
                    .context("the root package names no file")?;
                let claimed = root["checksums"][0]["checksumValue"]
                    .as_str()
                    .context("the root package has no checksum")?;
                let (actual, _) = fsutil::sha256_file(&dir.join(archive))
                    .with_context(|| format!("{archive} is missing"))?;
                if claimed != actual {
                    bail!("the root checksum {claimed} is not the SHA-256 of {archive} ({actual})");
                }
                Ok(archive.to_owned())
            })(),
        ));
    }

    let bundles: Vec<&String> = names
        .iter()
        .filter(|n| n.ends_with(".intoto.jsonl"))
        .collect();
    if bundles.is_empty() {
        checks.push(check(
            "provenance",
            Err(anyhow::anyhow!("no *.intoto.jsonl bundle")),
        ));
    }
    for bundle in bundles {
        let key_source = match key {
            Some(k) => k.to_path_buf(),
            None => dir.join(bundle.replace(".intoto.jsonl", ".pub")),
        };
        let detail_key = if key.is_some() {
            "the given key"
        } else {
            "the bundled key (integrity only; pass --key to check origin)"
        };
        checks.push(check(
            format!("{bundle} is signed by {detail_key}"),
            (|| {
                let pem = fs::read_to_string(&key_source)
                    .with_context(|| format!("cannot read the key {}", key_source.display()))?;
                let public = dsse::verifying_key_from_pem(&pem)?;
                let text = fs::read_to_string(dir.join(bundle))?;
                let mut envelopes = 0;
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    let envelope: Envelope =
                        serde_json::from_str(line).context("a line is not a DSSE envelope")?;
                    envelope.verify(&public)?;
                    envelopes += 1;
                }
                Ok(format!(
                    "{envelopes} envelope(s), key id {}",
                    dsse::keyid(&public)?
                ))
            })(),
        ));
        checks.push(check(
            format!("{bundle} subjects equal {sums_name}"),
            (|| {
                let text = fs::read_to_string(dir.join(bundle))?;
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    let envelope: Envelope = serde_json::from_str(line)?;
                    let statement: serde_json::Value =
                        serde_json::from_slice(&envelope.payload_bytes()?)?;
                    let subjects: BTreeMap<String, String> = statement["subject"]
                        .as_array()
                        .context("the statement has no subjects")?
                        .iter()
                        .filter_map(|s| {
                            Some((
                                s["name"].as_str()?.to_owned(),
                                s["digest"]["sha256"].as_str()?.to_owned(),
                            ))
                        })
                        .collect();
                    for (name, digest) in &listed {
                        match subjects.get(*name) {
                            Some(d) if d == digest => {}
                            Some(d) => bail!(
                                "subject {name} has digest {d}, the checksum file says {digest}"
                            ),
                            None => bail!("{name} is not a subject of the provenance"),
                        }
                    }
                    if let Some(extra) = subjects.keys().find(|n| !listed.contains_key(n.as_str()))
                    {
                        bail!("subject {extra} is not in the checksum file");
                    }
                }
                Ok(format!("{} subject(s)", listed.len()))
            })(),
        ));
    }

    for archive in names.iter().filter(|n| is_archive(n)) {
        checks.push(check(
            format!("{archive} extracts safely"),
            inspect_archive(&dir.join(archive)).map(|n| format!("{n} entries")),
        ));
    }
    Ok(checks)
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    passed: bool,
    checks: &'a [Check],
}

/// The image layouts of a release directory (`images/<name>/`), sorted.
fn image_layouts(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut layouts: Vec<_> = fs::read_dir(dir.join("images"))
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("index.json").is_file())
        .collect();
    layouts.sort();
    layouts
}

/// The image checks of a release directory: every layout's referrers, verified with
/// the given key or the release's `.pub`.
fn verify_images(dir: &Path, key: Option<&Path>) -> Result<Vec<Check>> {
    let layouts = image_layouts(dir);
    if layouts.is_empty() {
        return Ok(Vec::new());
    }
    let key = match key {
        Some(key) => key.to_path_buf(),
        None => match files(dir)?.into_iter().find(|n| n.ends_with(".pub")) {
            Some(name) => dir.join(name),
            None => {
                return Ok(vec![check(
                    "images",
                    Err(anyhow::anyhow!(
                        "no public key to check the images' referrers with; hint: pass --key PUB"
                    )),
                )]);
            }
        },
    };
    let pem = fs::read_to_string(&key)
        .with_context(|| format!("cannot read the public key {}", key.display()))?;
    let key = dsse::verifying_key_from_pem(&pem)?;
    let mut checks = Vec::new();
    for layout in layouts {
        let name = layout
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for mut c in crate::tasks::verify_image::verify_layout(&layout, &key)? {
            c.name = format!("image {name}: {}", c.name);
            checks.push(c);
        }
    }
    Ok(checks)
}

pub fn run(project: &Project, args: &VerifyArgs) -> Result<()> {
    let dir = project.out_dir(&args.dist);
    let checks = match &args.image {
        Some(image) => crate::tasks::verify_image::run(image, args.key.as_deref())?,
        None => {
            let mut checks = verify(&dir, args.key.as_deref())?;
            checks.extend(verify_images(&dir, args.key.as_deref())?);
            checks
        }
    };
    let passed = checks.iter().all(|c| c.ok);
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&Report {
                passed,
                checks: &checks
            })?
        )?;
    } else {
        for c in &checks {
            outln!(
                "{} {}: {}",
                if c.ok { "ok  " } else { "FAIL" },
                c.name,
                c.detail
            )?;
        }
        outln!("{}", if passed { "PASSED" } else { "FAILED" })?;
    }
    if !passed {
        bail!(
            "verification of {} failed",
            args.image
                .clone()
                .unwrap_or_else(|| dir.display().to_string())
        );
    }
    Ok(())
}
