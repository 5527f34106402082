// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask checksum [--out DIR]`: the checksum file of the definition
//! (`aicr_checksums.txt`): `<sha256>  <file name>` for every release asset in
//! `artifacts.json`, sorted by name, LF endings, as `sha256sum -c --strict` reads it.
//!
//! Every file is hashed again from disk (streaming, in parallel across files) and must
//! match what its step recorded: an asset changed after it was made is an error.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::artifacts::{Artifact, OutDir};
use crate::assets;
use crate::dist::Definition;
use crate::flags::OutArgs;
use crate::fsutil;

/// Hashes files in parallel, returning `(sha256, size)` in input order.
pub fn hash_files(paths: &[PathBuf]) -> Result<Vec<(String, u64)>> {
    crate::parallel::map(paths, |p| fsutil::sha256_file(p))
        .into_iter()
        .collect()
}

/// The checksum file's text for `(name, sha256)` pairs.
pub fn render(entries: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = entries.iter().collect();
    sorted.sort();
    sorted
        .iter()
        .map(|(name, digest)| format!("{digest}  {name}\n"))
        .collect()
}

/// Parses a `sha256sum` file into `(name, digest)` pairs, refusing malformed lines.
pub fn parse(text: &str) -> Result<Vec<(String, String)>> {
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let (digest, name) = line
                .split_once("  ")
                .with_context(|| format!("checksum line {} is malformed", i + 1))?;
            if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
                bail!("checksum line {} has no SHA-256", i + 1);
            }
            Ok((name.to_owned(), digest.to_owned()))
        })
        .collect()
}

/// Reads the checksum file of the output directory into `(name, digest)` pairs.
pub fn read(def: &Definition, out: &OutDir) -> Result<Vec<(String, String)>> {
    let path = out.join(&assets::checksum_file(def).path);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "{} is missing; hint: run cargo xtask checksum first",
            path.display()
        )
    })?;
    parse(&text)
}

/// Writes the checksum file; returns its artifact.
pub fn checksum(def: &Definition, out: &OutDir) -> Result<Artifact> {
    let manifest = out.manifest()?;
    let assets: Vec<&Artifact> = manifest
        .artifacts
        .iter()
        .filter(|a| a.kind.is_release_asset())
        .collect();
    if assets.is_empty() {
        bail!(
            "no release assets in {}; hint: run cargo xtask package first",
            out.path.display()
        );
    }
    let paths: Vec<PathBuf> = assets.iter().map(|a| out.join(&a.path)).collect();
    let hashes = hash_files(&paths)?;
    let mut entries = Vec::new();
    for (asset, (digest, size)) in assets.iter().zip(hashes) {
        if digest != asset.sha256 || size != asset.size {
            bail!(
                "{} changed after it was recorded; hint: rebuild the release from the start",
                asset.path
            );
        }
        if entries
            .iter()
            .any(|(name, _): &(String, String)| *name == asset.name)
        {
            bail!("two release assets are named {}", asset.name);
        }
        entries.push((asset.name.clone(), digest));
    }
    let text = render(&entries);
    let file = assets::checksum_file(def);
    fsutil::write_atomically(&out.join(&file.path), text.as_bytes())
        .with_context(|| format!("cannot write {}", file.path))?;
    let artifact = file.artifact(out)?;
    out.record(vec![artifact.clone()])?;
    errln!("checksum: {} lists {} asset(s)", file.name, entries.len());
    Ok(artifact)
}

pub fn run(project: &crate::project::Project, args: &OutArgs) -> Result<()> {
    let def = Definition::load(&project.root)?;
    let out = OutDir::new(project.out_dir(&args.out));
    let artifact = checksum(&def, &out)?;
    outln!("{}", out.join(&artifact.path).display())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_lines_are_parsed_strictly() {
        let digest = "a".repeat(64);
        assert_eq!(
            parse(&format!("{digest}  x.tar.gz\n")).unwrap(),
            [("x.tar.gz".to_owned(), digest.clone())]
        );
        assert!(parse("nonsense\n").is_err());
        assert!(
            parse("abc  x\n")
                .unwrap_err()
                .to_string()
                .contains("no SHA-256")
        );
    }

    #[test]
    fn render_sorts_and_uses_two_spaces() {
        let text = render(&[
            ("b.tar.gz".into(), "22".into()),
            ("a.tar.gz".into(), "11".into()),
        ]);
        assert_eq!(text, "11  a.tar.gz\n22  b.tar.gz\n");
    }

    #[test]
    fn parallel_hashes_keep_input_order() {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<PathBuf> = (0..7)
            .map(|i| {
                let p = dir.path().join(format!("f{i}"));
                std::fs::write(&p, "x".repeat(i)).unwrap();
                p
            })
            .collect();
        let hashed = hash_files(&paths).unwrap();
        for (path, (digest, size)) in paths.iter().zip(hashed) {
            assert_eq!((digest, size), fsutil::sha256_file(path).unwrap());
        }
    }
}
