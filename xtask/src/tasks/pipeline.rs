// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The build pipeline the orchestrators share: `release` (snapshot and tagged),
//! `rebuild` and the `e2e` gate of `qualify` run the build steps of a plan through it,
//! in a clean worktree of a tag under a lock when they build a release.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use xshell::cmd;

use crate::artifacts::{Metadata, OutDir};
use crate::dist::Definition;
use crate::project::Project;
use crate::tasks::plan::{self, Action};
use crate::tasks::{attest, checksum, cross_build, images, notices, package, sbom};
use crate::tools;

/// Every build step of a snapshot, in the order of its plan, into a fresh `out`.
pub fn pipeline(
    project: &Project,
    def: &Definition,
    out: &OutDir,
    opts: &cross_build::Options,
    key: Option<&ed25519_dalek::SigningKey>,
) -> Result<Metadata> {
    let plan = plan::for_release(project, def, None)?;
    build(project, def, out, opts, key, &plan, &mut Vec::new())
}

/// Runs the build steps of `plan` in order; each step's name is appended to `executed`.
pub(crate) fn build(
    project: &Project,
    def: &Definition,
    out: &OutDir,
    opts: &cross_build::Options,
    key: Option<&ed25519_dalek::SigningKey>,
    plan: &plan::Plan,
    executed: &mut Vec<String>,
) -> Result<Metadata> {
    let mut metadata = None;
    let steps: Vec<_> = plan.running().filter(|s| s.action.builds()).collect();
    for (done, step) in steps.iter().enumerate() {
        errln!("release: [{}/{}] {}", done + 1, steps.len(), step.name);
        match step.action {
            Action::CrossBuild => {
                metadata = Some(cross_build::cross_build(project, def, out, opts)?);
            }
            Action::Notices => notices::publish(project, def, out)?,
            Action::Package => {
                package::package(project, def, out)?;
            }
            Action::Sbom => {
                sbom::sbom(project, def, out)?;
            }
            Action::Checksum => {
                checksum::checksum(def, out)?;
            }
            Action::Attest => {
                attest::attest(project, def, out, key)?;
            }
            Action::Images => {
                images::build(project, def, out, &[], !opts.snapshot, key)?;
            }
            other => bail!("internal error: {} is no build step", other.name()),
        }
        executed.push(step.name.to_owned());
    }
    metadata.context("internal error: the plan has no cross-build step")
}

/// An exclusive lock on an output directory, released on drop.
#[derive(Debug)]
pub(crate) struct Lock(PathBuf);

impl Lock {
    pub(crate) fn acquire(out: &Path) -> Result<Lock> {
        let path = PathBuf::from(format!("{}.lock", out.display()));
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                use std::io::Write;
                writeln!(file, "{}", std::process::id())?;
                Ok(Lock(path))
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = fs::read_to_string(&path).unwrap_or_default();
                bail!(
                    "another release run holds {} (pid {}); hint: wait for it, or remove the file if that run is gone",
                    path.display(),
                    holder.trim()
                )
            }
            Err(e) => Err(e).with_context(|| format!("cannot create {}", path.display())),
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// A clean detached worktree of a tag, removed on drop.
#[derive(Debug)]
pub(crate) struct Worktree<'a> {
    main: &'a Project,
    pub(crate) path: PathBuf,
}

impl<'a> Worktree<'a> {
    /// Checks `tag` out into `target/<dir>/<tag>` of `main`, replacing what is there.
    pub(crate) fn add(main: &'a Project, dir: &str, tag: &str) -> Result<Worktree<'a>> {
        let sh = &main.sh;
        let path = main.root.join("target").join(dir).join(tag);
        if path.exists() {
            let _ = cmd!(sh, "git worktree remove --force {path}")
                .quiet()
                .ignore_stderr()
                .run();
            let _ = fs::remove_dir_all(&path);
        }
        let _ = cmd!(sh, "git worktree prune").quiet().run();
        let spec = format!("refs/tags/{tag}");
        cmd!(sh, "git worktree add --quiet --detach {path} {spec}")
            .quiet()
            .run()
            .with_context(|| format!("cannot check out {tag} into a worktree"))?;
        Ok(Worktree { main, path })
    }
}

impl Drop for Worktree<'_> {
    fn drop(&mut self) {
        let sh = &self.main.sh;
        let path = &self.path;
        let _ = cmd!(sh, "git worktree remove --force {path}")
            .quiet()
            .ignore_stderr()
            .run();
    }
}
/// The exact Rust version a checkout pins in `rust-toolchain.toml`, if it pins one.
fn pinned_toolchain(root: &Path) -> Result<Option<String>> {
    let path = root.join("rust-toolchain.toml");
    let Ok(text) = fs::read_to_string(&path) else {
        return Ok(None);
    };
    let doc: toml_edit::DocumentMut = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", path.display()))?;
    Ok(doc["toolchain"]["channel"].as_str().map(str::to_owned))
}

/// Opens a worktree of the main checkout as a project that shares compiled dependencies
/// and installed tools with it; the binaries do not depend on these paths (they are
/// remapped).
pub(crate) fn open_worktree(main: &Project, worktree: &Worktree<'_>) -> Result<Project> {
    let tree = Project::open(Some(&worktree.path))?;
    tree.sh
        .set_var("CARGO_TARGET_DIR", main.root.join("target"));
    tree.sh.set_var(
        "AICR_TOOLS_DIR",
        tools::venv(main).parent().context("tools dir")?,
    );
    Ok(tree)
}

/// Refuses to build `tag` with another compiler than the one it pins: the checksums
/// would differ from the published ones. `task` names the command of the hint.
pub(crate) fn check_toolchain(tree: &Project, tag: &str, task: &str) -> Result<()> {
    let Some(pinned) = pinned_toolchain(&tree.root)? else {
        return Ok(());
    };
    let sh = &tree.sh;
    let running = cmd!(sh, "rustc -V").quiet().read()?;
    let version = running.split_whitespace().nth(1).unwrap_or_default();
    if version != pinned {
        bail!(
            "{tag} pins Rust {pinned} (rust-toolchain.toml) but this build would use {version}; hint: run the release from a checkout of {tag} (rustup then uses its toolchain), or rustup run {pinned} cargo xtask {task} --tag {tag}"
        );
    }
    Ok(())
}
