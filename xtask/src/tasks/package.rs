// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask package [--out DIR]`: one archive per built (binary, target) and format:
//! `<binary>_<version>_<os>_<arch>.tar.gz` (or `.zip`), holding the binary (0755) and
//! the definition's extra files (0644), byte-reproducible (see `archive`).
//!
//! Reads the binaries `cross-build` recorded in `artifacts.json`, writes each archive
//! through a temporary file, and records them as `archive` artifacts.

use std::io::BufWriter;

use anyhow::{Context, Result, bail};

use crate::archive::{self, Entry};
use crate::artifacts::{Artifact, Kind, OutDir};
use crate::assets::Assets;
use crate::dist::{Definition, Format};
use crate::flags::OutArgs;
use crate::fsutil;
use crate::project::Project;

/// Packages every archive whose binary was built. Returns the archive artifacts.
pub fn package(project: &Project, def: &Definition, out: &OutDir) -> Result<Vec<Artifact>> {
    let metadata = out.metadata()?;
    let manifest = out.manifest()?;
    let built: Vec<&Artifact> = manifest
        .artifacts
        .iter()
        .filter(|a| a.kind == Kind::Binary)
        .collect();
    if built.is_empty() {
        bail!(
            "no binaries in {}; hint: run cargo xtask cross-build first",
            out.path.display()
        );
    }
    let mtime =
        u64::try_from(metadata.source_date_epoch).context("SOURCE_DATE_EPOCH before 1970")?;
    let mut artifacts = Vec::new();
    for plan in Assets::new(def, &metadata.version).archives(None) {
        let Some(binary) = built
            .iter()
            .find(|a| a.name == plan.binary && a.target.as_deref() == Some(plan.target.triple))
        else {
            continue;
        };
        let mut entries = vec![Entry {
            name: plan.binary.clone(),
            source: out.join(&binary.path),
            mode: 0o755,
        }];
        for file in &plan.files {
            let source = project.root.join(file);
            if !source.is_file() {
                bail!(
                    "{file}, listed in the files of binary '{}', does not exist; hint: create it or remove it from dist/release.toml",
                    plan.binary
                );
            }
            let name = file.rsplit('/').next().unwrap_or(file).to_owned();
            entries.push(Entry {
                name,
                source,
                mode: 0o644,
            });
        }
        let path = out.join(&plan.name);
        fsutil::write_with(&path, |file| {
            let file = file.try_clone()?;
            match plan.format {
                Format::TarGz => archive::write_tar_gz(BufWriter::new(file), &entries, mtime),
                Format::Zip => archive::write_zip(BufWriter::new(file), &entries, mtime),
            }
        })?;
        let artifact = plan.asset().artifact(out)?;
        errln!("package: {} ({} bytes)", plan.name, artifact.size);
        artifacts.push(artifact);
    }
    out.record(artifacts.clone())?;
    Ok(artifacts)
}

pub fn run(project: &Project, args: &OutArgs) -> Result<()> {
    let def = Definition::load(&project.root)?;
    let out = OutDir::new(project.out_dir(&args.out));
    let archives = package(project, &def, &out)?;
    for archive in archives {
        outln!("{}", archive.path)?;
    }
    Ok(())
}
