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
//! - every archive extracts safely: no absolute paths, no `..`, no links leaving it;
//! - the directory holds no symbolic link and no special file.
//!
//! The release's own files are untrusted input: every name read from them (checksum
//! lines, `artifacts.json`, SBOMs) must be a normalized relative path, and every file
//! read must be a regular file ([`fsutil::open_regular`]): a symbolic link (to
//! `/etc/passwd`), a FIFO or a device (`/dev/zero`) fails its check unopened. A
//! checksum file that lists nothing fails.
//!
//! One line per check, then PASSED or FAILED; exit code 0 or 1.

mod image;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Component, Path};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::artifacts::{ARTIFACTS, JOURNAL, METADATA, Manifest};
use crate::assets::{CHECKSUM_FILE_SUFFIX, PROVENANCE_EXTENSION, Role, public_key_of};
use crate::dist::Format;
use crate::dsse::{self, Envelope};
use crate::flags::VerifyArgs;
use crate::fsutil;
use crate::project::Project;
use crate::tasks::checksum::parse as parse_checksums;

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

/// The regular files of `dir`, sorted, and the entries that are neither regular files
/// nor directories (symbolic links, FIFOs, devices, sockets), described.
fn files(dir: &Path) -> Result<(Vec<String>, Vec<String>)> {
    let mut names = Vec::new();
    let mut strange = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let meta = entry
            .metadata()
            .with_context(|| format!("cannot read {}", entry.path().display()))?;
        if meta.file_type().is_file() {
            names.push(name);
        } else if !meta.is_dir() {
            strange.push(format!("{name} ({})", fsutil::kind(&meta)));
        }
    }
    names.sort();
    strange.sort();
    Ok((names, strange))
}

/// The SHA-256 and size of `dir/name`, a name read from the release's files.
fn sha256_of(dir: &Path, name: &str) -> Result<(String, u64)> {
    let file = fsutil::open_regular(dir, name)?;
    fsutil::sha256_reader(file).with_context(|| format!("cannot read {name}"))
}

/// The content of `dir/name`, a regular file.
fn read(dir: &Path, name: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut fsutil::open_regular(dir, name)?, &mut bytes)
        .with_context(|| format!("cannot read {name}"))?;
    Ok(bytes)
}

/// Whether a path inside an archive stays inside it.
fn safe_path(path: &Path) -> bool {
    !path.as_os_str().is_empty()
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// Reads every entry of an archive, refusing unsafe paths and links that leave it.
pub fn inspect_archive(path: &Path, file: fs::File) -> Result<usize> {
    let name = path.display();
    let mut count = 0;
    if Role::of(&path.to_string_lossy()) == Role::Archive(Format::Zip) {
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
    let (names, strange) = files(dir)?;
    let sums_name = checksum_file_in(dir, &names, &strange)?;
    let mut checks = vec![check(
        "the directory holds only regular files and directories",
        if strange.is_empty() {
            Ok(format!("{} file(s)", names.len()))
        } else {
            Err(anyhow::anyhow!("refused: {}", strange.join(", ")))
        },
    )];
    let sums = match read_checksums(dir, &sums_name)? {
        Ok(s) => s,
        Err(err) => {
            checks.push(check(format!("{sums_name} is well-formed"), Err(err)));
            return Ok(checks);
        }
    };
    let listed: BTreeMap<&str, &str> = sums.iter().map(|(n, d)| (n.as_str(), d.as_str())).collect();
    checks.push(check(
        format!("{sums_name} matches every file it lists"),
        sums_match(dir, &sums),
    ));
    checks.push(check(
        format!("{sums_name} lists every release asset"),
        lists_every_asset(&names, &sums_name, &listed),
    ));
    if names.iter().any(|n| n == ARTIFACTS) {
        checks.push(check(
            format!("{ARTIFACTS} matches the files"),
            manifest_matches(dir),
        ));
    }
    for sbom in names.iter().filter(|n| Role::of(n) == Role::Sbom) {
        checks.push(check(
            format!("{sbom} describes its archive"),
            sbom_describes_its_archive(dir, sbom),
        ));
    }
    checks.extend(provenance_checks(dir, key, &names, &sums_name, &listed));
    for archive in names
        .iter()
        .filter(|n| matches!(Role::of(n), Role::Archive(_)))
    {
        checks.push(check(
            format!("{archive} extracts safely"),
            fsutil::open_regular(dir, archive)
                .and_then(|file| inspect_archive(&dir.join(archive), file))
                .map(|n| format!("{n} entries")),
        ));
    }
    Ok(checks)
}

/// The name of the checksum file among the directory's files.
fn checksum_file_in(dir: &Path, names: &[String], strange: &[String]) -> Result<String> {
    names
        .iter()
        .find(|n| Role::of(n) == Role::ChecksumFile)
        .cloned()
        .with_context(|| {
            match strange.iter().find(|s| {
                s.split(" (")
                    .next()
                    .is_some_and(|n| Role::of(n) == Role::ChecksumFile)
            }) {
                Some(what) => format!("the checksum file {what} is not a regular file; refused"),
                None => format!(
                    "no *{CHECKSUM_FILE_SUFFIX} in {}; hint: point --dist at a release directory",
                    dir.display()
                ),
            }
        })
}

/// The entries of the checksum file: the outer error stops the verification, the
/// inner one is the failed check that it is well-formed and lists something.
fn read_checksums(dir: &Path, sums_name: &str) -> Result<Result<Vec<(String, String)>>> {
    let text = String::from_utf8(read(dir, sums_name)?)
        .with_context(|| format!("{sums_name} is not UTF-8"))?;
    Ok(parse_checksums(&text).and_then(|sums| {
        if sums.is_empty() {
            bail!("it lists no file, so it verifies nothing");
        }
        Ok(sums)
    }))
}

/// Every file the checksum file lists has its digest.
fn sums_match(dir: &Path, sums: &[(String, String)]) -> Result<String> {
    for (name, digest) in sums {
        let (actual, _) =
            sha256_of(dir, name).with_context(|| format!("{name} is listed but not verifiable"))?;
        if &actual != digest {
            bail!("{name}: SHA-256 {actual} does not match the listed {digest}");
        }
    }
    Ok(format!("{} file(s)", sums.len()))
}

/// Every file of the directory that is a release asset is listed.
fn lists_every_asset(
    names: &[String],
    sums_name: &str,
    listed: &BTreeMap<&str, &str>,
) -> Result<String> {
    let unlisted: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| {
            *n != sums_name
                && *n != ARTIFACTS
                && *n != METADATA
                && *n != JOURNAL
                && !matches!(Role::of(n), Role::Provenance | Role::PublicKey)
                && !listed.contains_key(n)
        })
        .collect();
    if unlisted.is_empty() {
        Ok(format!("{} asset(s)", listed.len()))
    } else {
        bail!("not listed: {}", unlisted.join(", "))
    }
}

/// Every artifact of `artifacts.json` has its recorded size and digest.
fn manifest_matches(dir: &Path) -> Result<String> {
    let manifest: Manifest = serde_json::from_slice(&read(dir, ARTIFACTS)?)?;
    for a in &manifest.artifacts {
        let (digest, size) = sha256_of(dir, &a.path)
            .with_context(|| format!("{} is recorded but not verifiable", a.path))?;
        if size != a.size {
            bail!(
                "{}: size {size} does not match the recorded {}",
                a.path,
                a.size
            );
        }
        if digest != a.sha256 {
            bail!(
                "{}: SHA-256 {digest} does not match the recorded {}",
                a.path,
                a.sha256
            );
        }
    }
    Ok(format!("{} artifact(s)", manifest.artifacts.len()))
}

/// The SBOM's root package carries the digest of its archive.
fn sbom_describes_its_archive(dir: &Path, sbom: &str) -> Result<String> {
    let doc: serde_json::Value = serde_json::from_slice(&read(dir, sbom)?)?;
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
    let (actual, _) =
        sha256_of(dir, archive).with_context(|| format!("{archive} is not verifiable"))?;
    if claimed != actual {
        bail!("the root checksum {claimed} is not the SHA-256 of {archive} ({actual})");
    }
    Ok(archive.to_owned())
}

/// The signature and the subjects of every provenance bundle (a failed check when
/// there is none).
fn provenance_checks(
    dir: &Path,
    key: Option<&Path>,
    names: &[String],
    sums_name: &str,
    listed: &BTreeMap<&str, &str>,
) -> Vec<Check> {
    let bundles: Vec<&String> = names
        .iter()
        .filter(|n| Role::of(n) == Role::Provenance)
        .collect();
    if bundles.is_empty() {
        return vec![check(
            "provenance",
            Err(anyhow::anyhow!("no *{PROVENANCE_EXTENSION} bundle")),
        )];
    }
    let detail_key = if key.is_some() {
        "the given key"
    } else {
        "the bundled key (integrity only; pass --key to check origin)"
    };
    let mut checks = Vec::new();
    for bundle in bundles {
        checks.push(check(
            format!("{bundle} is signed by {detail_key}"),
            bundle_is_signed(dir, key, bundle),
        ));
        checks.push(check(
            format!("{bundle} subjects equal {sums_name}"),
            subjects_are_listed(dir, bundle, listed),
        ));
    }
    checks
}

/// Every envelope of the bundle is signed by `key` (or the public key beside it).
fn bundle_is_signed(dir: &Path, key: Option<&Path>, bundle: &str) -> Result<String> {
    let pem = match key {
        Some(k) => {
            fs::read_to_string(k).with_context(|| format!("cannot read the key {}", k.display()))?
        }
        None => {
            let bundled_key = public_key_of(bundle);
            String::from_utf8(
                read(dir, &bundled_key)
                    .with_context(|| format!("cannot read the key {bundled_key}"))?,
            )
            .with_context(|| format!("the key {bundled_key} is not UTF-8"))?
        }
    };
    let public = dsse::verifying_key_from_pem(&pem)?;
    let mut envelopes = 0;
    for envelope in envelopes_of(dir, bundle)? {
        envelope.verify(&public)?;
        envelopes += 1;
    }
    Ok(format!(
        "{envelopes} envelope(s), key id {}",
        dsse::keyid(&public)?
    ))
}

/// The DSSE envelopes of a bundle, one a line.
fn envelopes_of(dir: &Path, bundle: &str) -> Result<Vec<Envelope>> {
    let text =
        String::from_utf8(read(dir, bundle)?).with_context(|| format!("{bundle} is not UTF-8"))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| serde_json::from_str(line).context("a line is not a DSSE envelope"))
        .collect()
}

/// The subjects of every statement of the bundle are exactly the checksum file's
/// entries.
fn subjects_are_listed(dir: &Path, bundle: &str, listed: &BTreeMap<&str, &str>) -> Result<String> {
    for envelope in envelopes_of(dir, bundle)? {
        let statement: serde_json::Value = serde_json::from_slice(&envelope.payload_bytes()?)?;
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
        for (name, digest) in listed {
            match subjects.get(*name) {
                Some(d) if d == digest => {}
                Some(d) => bail!("subject {name} has digest {d}, the checksum file says {digest}"),
                None => bail!("{name} is not a subject of the provenance"),
            }
        }
        if let Some(extra) = subjects.keys().find(|n| !listed.contains_key(n.as_str())) {
            bail!("subject {extra} is not in the checksum file");
        }
    }
    Ok(format!("{} subject(s)", listed.len()))
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
        None => match files(dir)?
            .0
            .into_iter()
            .find(|n| Role::of(n) == Role::PublicKey)
        {
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
        for mut c in image::verify_layout(&layout, &key)? {
            c.name = format!("image {name}: {}", c.name);
            checks.push(c);
        }
    }
    Ok(checks)
}

pub fn run(project: &Project, args: &VerifyArgs) -> Result<()> {
    let dir = project.out_dir(&args.dist);
    let checks = match &args.image {
        Some(image) => image::run(image, args.key.as_deref())?,
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
