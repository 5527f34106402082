// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask release --snapshot [--all-targets] [--fake-binaries] [--out DIR] [--json]`:
//! a complete local release of the working tree, published nowhere.
//!
//! Runs cross-build (the host's target, or every target with `--all-targets`;
//! installing missing Rust targets and zig into `target/tools/`), notices (checked up to
//! date, then published), package, sbom and checksum into a fresh output directory
//! (`target/dist/`). The version is a snapshot even on a
//! tagged commit: `<next patch>-snapshot+<short sha>` (`.dirty` appended when the tree
//! has uncommitted changes), so a snapshot can never pass for a release.

use anyhow::{Context, Result};

use crate::artifacts::{Metadata, OutDir};
use crate::dist::Definition;
use crate::flags::ReleaseArgs;
use crate::project::Project;
use crate::targets::Target;
use crate::tasks::{attest, checksum, cross_build, notices, package, sbom};
use crate::tools;

/// Every artifact step, in order, into a fresh `out`.
pub fn pipeline(
    project: &Project,
    def: &Definition,
    out: &OutDir,
    opts: &cross_build::Options,
    key: Option<&ed25519_dalek::SigningKey>,
) -> Result<Metadata> {
    let metadata = cross_build::cross_build(project, def, out, opts)?;
    notices::publish(project, def, out)?;
    package::package(project, def, out)?;
    sbom::sbom(project, def, out)?;
    checksum::checksum(def, out)?;
    attest::attest(project, def, out, key)?;
    Ok(metadata)
}

pub fn run(project: &Project, args: &ReleaseArgs) -> Result<()> {
    let def = Definition::load(&project.root)?;
    let out = OutDir::new(project.out_dir(&args.out.out));
    let only = if args.all_targets {
        None
    } else {
        let host = tools::host_triple(project)?;
        let target = Target::for_host(&host).with_context(|| {
            format!("no release target runs on this host ({host}); hint: pass --all-targets")
        })?;
        Some(vec![target])
    };
    let opts = cross_build::Options {
        only,
        install_missing: true,
        fake: args.fake_binaries,
        snapshot: true,
    };
    let key = attest::signing_key(project, args.key.as_deref())?;
    let metadata = pipeline(project, &def, &out, &opts, key.as_ref())?;

    let manifest = out.manifest()?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&manifest)?);
    } else {
        println!(
            "release {} {} (snapshot) in {}",
            metadata.project,
            metadata.version,
            out.path.display()
        );
        for artifact in manifest
            .artifacts
            .iter()
            .filter(|a| a.kind.is_release_asset() || a.kind == crate::artifacts::Kind::Checksum)
        {
            println!(
                "  {:<9} {:>10}  {}",
                format!("{:?}", artifact.kind).to_lowercase(),
                artifact.size,
                artifact.path
            );
        }
    }
    Ok(())
}
