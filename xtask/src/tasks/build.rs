// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask build [--release] [--target T] [-p NAME …]`: build the product binaries
//! (the workspace's default members, or the packages named) with the release version
//! stamped in.
//!
//! Sets `AICR_VERSION`, `AICR_COMMIT`, `AICR_DATE` (read by `aicr::build_info`) and
//! `SOURCE_DATE_EPOCH` from git (see `version::BuildStamp`), runs `cargo build --locked`,
//! and prints the path of every binary it produced on stdout.

use anyhow::{Context, Result};
use xshell::cmd;

use crate::flags::BuildArgs;
use crate::git::Git;
use crate::project::Project;
use crate::version::BuildStamp;

pub fn run(project: &Project, args: &BuildArgs) -> Result<()> {
    let git = Git::new(&project.sh);
    git.ensure_repo()?;
    let stamp = BuildStamp::of_head(&git, false)?;
    errln!(
        "build: aicr {} (commit {}, {}){}",
        stamp.version,
        stamp.short_commit,
        stamp.date,
        if stamp.dirty {
            ", with uncommitted changes"
        } else {
            ""
        }
    );
    for binary in build(
        project,
        &stamp,
        args.release,
        args.target.as_deref(),
        &args.packages,
    )? {
        outln!("{binary}")?;
    }
    Ok(())
}

/// Runs `cargo build` for the product binaries and returns the paths of the executables.
pub fn build(
    project: &Project,
    stamp: &BuildStamp,
    release: bool,
    target: Option<&str>,
    packages: &[String],
) -> Result<Vec<String>> {
    let sh = &project.sh;
    let cargo = project.cargo();
    let release = release.then_some("--release");
    let target: Vec<&str> = target.map(|t| vec!["--target", t]).unwrap_or_default();
    let packages: Vec<String> = packages
        .iter()
        .flat_map(|p| ["--package".to_owned(), p.clone()])
        .collect();
    let epoch = stamp.source_date_epoch.to_string();
    let messages = project
        .building(cmd!(
            sh,
            "{cargo} build --locked {release...} {target...} {packages...} --message-format=json-render-diagnostics"
        ))
        .env("AICR_VERSION", &stamp.version)
        .env("AICR_COMMIT", &stamp.short_commit)
        .env("AICR_DATE", &stamp.date)
        .env("SOURCE_DATE_EPOCH", &epoch)
        .read()
        .context("cargo build failed")?;
    let mut binaries: Vec<String> = messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|msg| msg["reason"] == "compiler-artifact")
        .filter_map(|msg| msg["executable"].as_str().map(str::to_owned))
        .collect();
    binaries.sort();
    Ok(binaries)
}
