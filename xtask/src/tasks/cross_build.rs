// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask cross-build [--target T …] [--install-missing] [--fake-binaries]`: build
//! every (binary, target) pair of the release definition into the output directory.
//!
//! Starts the output directory afresh and writes `metadata.json`. Each target is one
//! cargo invocation for all of its binaries, with the `release-dist` profile (release,
//! thin LTO, one codegen unit, stripped):
//! the host's own triple with `cargo build`, every other one with `cargo zigbuild`,
//! including a linux host's static (musl) twin, whose C dependencies (ring) need a musl
//! C compiler. Builds get the version variables, `SOURCE_DATE_EPOCH` and
//! `--remap-path-prefix` for the workspace and cargo home, so that the same commit gives
//! the same binaries anywhere. Missing Rust targets and zig are reported with the
//! command that installs them; `--install-missing` runs it.
//!
//! Binaries are copied to `bin/<target>/<name>` and recorded as `binary` artifacts;
//! darwin binaries get a UUID derived from their content on the way (see `macho`).
//! `--fake-binaries` writes small scripts instead of compiling (for fast tests of the
//! later steps); they print a version line like the real binaries.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use xshell::cmd;

use crate::artifacts::{Artifact, Kind, Metadata, OutDir, SCHEMA_VERSION};
use crate::dist::Definition;
use crate::flags::CrossBuildArgs;
use crate::fsutil;
use crate::output;
use crate::project::Project;
use crate::targets::Target;
use crate::tools;
use crate::version::BuildStamp;

/// The cargo profile release artifacts are built with (see the workspace Cargo.toml).
pub const PROFILE: &str = "release-dist";

/// One cargo invocation: every binary of the definition built for one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetBuild {
    pub target: Target,
    /// `cargo zigbuild` instead of `cargo build`.
    pub zig: bool,
    /// The packages of the binaries, in definition order.
    pub packages: Vec<String>,
    pub bins: Vec<String>,
}

/// Groups the definition's builds by target. Pure.
///
/// All binaries of a target build in one invocation: the dependencies they share
/// compile once, and cargo keeps every core busy across the packages instead of
/// waiting for each package's last crate and link in turn. Cargo resolves the features
/// of one invocation's packages together; each binary's SBOM is its package's part of
/// that joint `cargo tree` (see `deps`), so it lists what the build compiled for it.
pub fn plan(def: &Definition, only: Option<&[Target]>, host: &str) -> Vec<TargetBuild> {
    let mut builds: Vec<TargetBuild> = Vec::new();
    for (bin, target) in def.builds(only) {
        let index = match builds.iter().position(|b| b.target == target) {
            Some(i) => i,
            None => {
                // Only the host's own triple builds with plain cargo: a linux host's
                // static twin (musl) needs a musl C compiler for the C in ring.
                builds.push(TargetBuild {
                    target,
                    zig: target.triple != host,
                    packages: Vec::new(),
                    bins: Vec::new(),
                });
                builds.len() - 1
            }
        };
        let build = &mut builds[index];
        if !build.packages.contains(&bin.package) {
            build.packages.push(bin.package.clone());
        }
        build.bins.push(bin.name.clone());
    }
    builds
}

/// Which targets a run builds: the ones named, or every target of the definition.
pub fn select_targets(def: &Definition, names: &[String]) -> Result<Option<Vec<Target>>> {
    if names.is_empty() {
        return Ok(None);
    }
    let all = def.all_targets();
    let mut targets = Vec::new();
    for name in names {
        let target = Target::parse(name)?;
        if !all.contains(&target) {
            bail!("no binary of the release definition is built for {name}");
        }
        targets.push(target);
    }
    Ok(Some(targets))
}

/// The options of a cross-build run.
#[derive(Debug, Clone)]
pub struct Options {
    pub only: Option<Vec<Target>>,
    pub install_missing: bool,
    pub fake: bool,
    pub snapshot: bool,
    /// The release tag the build is of (it points at HEAD); `None`: the highest release
    /// tag at HEAD.
    pub tag: Option<String>,
    /// The cargo profile: [`PROFILE`] for release artifacts.
    pub profile: String,
}

/// Runs a cross-build into `out`, starting it afresh. Returns the release metadata.
pub fn cross_build(
    project: &Project,
    def: &Definition,
    out: &OutDir,
    opts: &Options,
) -> Result<Metadata> {
    let git = crate::git::Git::new(&project.sh);
    git.ensure_repo()?;
    let stamp = BuildStamp::of_head_as(&git, opts.snapshot, opts.tag.as_deref())?;
    let host = tools::host_triple(project)?;
    let builds = plan(def, opts.only.as_deref(), &host);
    if builds.is_empty() {
        bail!("nothing to build for the selected targets");
    }
    let zig_path = if opts.fake {
        None
    } else {
        prepare_tools(project, &builds, opts.install_missing)?
    };

    out.reset()?;
    let metadata = Metadata {
        schema_version: SCHEMA_VERSION,
        project: def.project.clone(),
        build: stamp.clone(),
        snapshot: opts.snapshot,
    };
    out.write_metadata(&metadata)?;
    let mut targets: Vec<&str> = builds.iter().map(|b| b.target.triple).collect();
    targets.sort_unstable();
    targets.dedup();
    errln!(
        "cross-build: {} {} ({}), {} target(s){}",
        def.project,
        stamp.version,
        stamp.short_commit,
        targets.len(),
        if opts.fake { ", fake binaries" } else { "" }
    );

    let mut artifacts = Vec::new();
    for (done, build) in builds.iter().enumerate() {
        errln!(
            "cross-build: [{}/{}] {} ({}){}",
            done + 1,
            builds.len(),
            build.target.triple,
            build.bins.join(", "),
            if opts.fake {
                ""
            } else if build.zig {
                ": cargo zigbuild"
            } else {
                ": cargo build"
            }
        );
        let started = std::time::Instant::now();
        let produced = if opts.fake {
            None
        } else {
            Some(compile(
                project,
                &stamp,
                build,
                &opts.profile,
                zig_path.as_ref(),
            )?)
        };
        if produced.is_some() {
            errln!(
                "cross-build: [{}/{}] {} built in {:.0}s",
                done + 1,
                builds.len(),
                build.target.triple,
                started.elapsed().as_secs_f64()
            );
        }
        for bin in &build.bins {
            let relative = format!("bin/{}/{bin}", build.target.triple);
            let dest = out.join(&relative);
            match &produced {
                Some(dir) => copy_binary(&dir.join(bin), &dest, build.target)?,
                None => write_fake(&dest, bin, &stamp)?,
            }
            artifacts.push(Artifact::of_file(
                &out.path,
                &relative,
                Kind::Binary,
                Some(build.target),
            )?);
        }
    }
    out.record(artifacts)?;
    Ok(metadata)
}

/// Checks (and with `install` installs) the Rust targets and zig the builds need.
/// Returns the directory to put first on PATH for cargo-zigbuild, if any.
fn prepare_tools(
    project: &Project,
    builds: &[TargetBuild],
    install: bool,
) -> Result<Option<PathBuf>> {
    if let Some(installed) = tools::installed_targets(project) {
        let missing: Vec<&str> = builds
            .iter()
            .map(|b| b.target.triple)
            .filter(|t| !installed.iter().any(|i| i == t))
            .collect();
        if !missing.is_empty() {
            if !install {
                bail!(
                    "Rust target(s) not installed: {}; hint: rustup target add {} (or pass --install-missing)",
                    missing.join(", "),
                    missing.join(" ")
                );
            }
            tools::add_targets(project, &missing)?;
        }
    }
    if !builds.iter().any(|b| b.zig) {
        return Ok(None);
    }
    match tools::zigbuild_path(project) {
        Some(path) => Ok(path),
        None if install => Ok(Some(tools::install_zig(project)?)),
        None => bail!(
            "cross-linking needs zig and cargo-zigbuild; hint: {} (or pass --install-missing)",
            tools::zig_install_hint(project)
        ),
    }
}

/// Compiles one target; returns the directory holding its binaries.
fn compile(
    project: &Project,
    stamp: &BuildStamp,
    build: &TargetBuild,
    profile: &str,
    zig_path: Option<&PathBuf>,
) -> Result<PathBuf> {
    let (command, dir) = compile_command(project, stamp, build, profile, zig_path);
    output::run(command).with_context(|| failed(build))?;
    Ok(dir)
}

fn failed(build: &TargetBuild) -> String {
    format!(
        "cargo {} of {} for {} failed",
        if build.zig { "zigbuild" } else { "build" },
        build.packages.join(", "),
        build.target.triple
    )
}

/// The cargo command that compiles one target, and the directory it leaves the
/// binaries in.
fn compile_command<'a>(
    project: &'a Project,
    stamp: &BuildStamp,
    build: &TargetBuild,
    profile: &str,
    zig_path: Option<&PathBuf>,
) -> (xshell::Cmd<'a>, PathBuf) {
    let sh = &project.sh;
    let cargo = project.cargo();
    let target = build.target.triple;
    let subcommand = if build.zig { "zigbuild" } else { "build" };
    let packages: Vec<String> = build
        .packages
        .iter()
        .flat_map(|p| ["--package".to_owned(), p.clone()])
        .collect();
    let bins: Vec<String> = build
        .bins
        .iter()
        .flat_map(|b| ["--bin".to_owned(), b.clone()])
        .collect();
    let cargo_home = sh
        .var("CARGO_HOME")
        .unwrap_or_else(|_| format!("{}/.cargo", sh.var("HOME").unwrap_or_default()));
    let mut rustflags = sh.var("RUSTFLAGS").unwrap_or_default();
    for (from, to) in [
        (project.root.display().to_string(), "/aicr"),
        (cargo_home, "/cargo"),
    ] {
        rustflags.push_str(&format!(" --remap-path-prefix={from}={to}"));
    }
    let mut command = project
        .building(cmd!(
            sh,
            "{cargo} {subcommand} --locked --profile {profile} --target {target} {packages...} {bins...}"
        ))
        .env("AICR_VERSION", &stamp.version)
        .env("AICR_COMMIT", &stamp.short_commit)
        .env("AICR_DATE", &stamp.date)
        .env("SOURCE_DATE_EPOCH", stamp.source_date_epoch.to_string())
        .env("RUSTFLAGS", rustflags.trim());
    if let Some(bin) = zig_path {
        let path = format!("{}:{}", bin.display(), sh.var("PATH").unwrap_or_default());
        command = command.env("PATH", path);
    }
    let target_dir = sh
        .var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| project.root.join("target"));
    let target_dir = if target_dir.is_relative() {
        project.root.join(target_dir)
    } else {
        target_dir
    };
    (command, target_dir.join(target).join(profile))
}

/// A cross-build's compilation running in the background, its output going to a log.
///
/// `qualify` starts the e2e gate's build this way while the clippy and test gates
/// build: each build leaves a core idle for stretches (a crate everything waits for,
/// the final links), which the other fills. When the e2e gate's own cross-build runs,
/// cargo finds the binaries fresh: the command, its environment and the stamp are the
/// ones `cross_build` uses. A prebuild that is dropped before it finished is stopped.
#[derive(Debug)]
pub struct Prebuild {
    child: std::process::Child,
    log: PathBuf,
    started: std::time::Instant,
    build: TargetBuild,
}

impl Prebuild {
    /// Waits for the build. `Ok` with its duration when it succeeded; an error naming
    /// the log otherwise (the caller's own build then reports what went wrong).
    pub fn finish(mut self) -> Result<std::time::Duration> {
        let status = self
            .child
            .wait()
            .context("cannot wait for the background build")?;
        if !status.success() {
            bail!(
                "{} ({status}); see {}",
                failed(&self.build),
                self.log.display()
            );
        }
        Ok(self.started.elapsed())
    }
}

impl Drop for Prebuild {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Starts compiling the one target `opts` selects in the background, with the
/// command, environment and stamp `cross_build` would use; the tools it needs are
/// installed first (in the foreground, when `opts.install_missing`).
pub fn prebuild(
    project: &Project,
    def: &Definition,
    opts: &Options,
    log: &Path,
) -> Result<Prebuild> {
    let git = crate::git::Git::new(&project.sh);
    git.ensure_repo()?;
    let stamp = BuildStamp::of_head_as(&git, opts.snapshot, opts.tag.as_deref())?;
    let host = tools::host_triple(project)?;
    let builds = plan(def, opts.only.as_deref(), &host);
    let [build] = builds.as_slice() else {
        bail!(
            "a background build compiles one target, not {}",
            builds.len()
        );
    };
    let zig_path = prepare_tools(project, &builds, opts.install_missing)?;
    let (command, _) = compile_command(project, &stamp, build, &opts.profile, zig_path.as_ref());
    let mut command = std::process::Command::from(command);
    if let Some(dir) = log.parent() {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let file = fs::File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
    let err = file
        .try_clone()
        .with_context(|| format!("cannot open {} twice", log.display()))?;
    command
        .stdin(std::process::Stdio::null())
        .stdout(file)
        .stderr(err);
    let child = command
        .spawn()
        .with_context(|| format!("cannot start {}", failed(build)))?;
    Ok(Prebuild {
        child,
        log: log.to_path_buf(),
        started: std::time::Instant::now(),
        build: build.clone(),
    })
}

/// Copies a built binary into the output; darwin binaries get a content-derived UUID
/// (see `macho`), so they are as reproducible as the linux ones.
fn copy_binary(from: &Path, to: &Path, target: Target) -> Result<()> {
    let mut bytes =
        fs::read(from).with_context(|| format!("the build produced no {}", from.display()))?;
    if target.os == "darwin" {
        crate::macho::normalize_uuid(&mut bytes)
            .and_then(|_| crate::macho::verify_page_hashes(&bytes))
            .with_context(|| format!("cannot normalize the Mach-O UUID of {}", from.display()))?;
    }
    write_executable(to, &bytes)
}

fn write_fake(dest: &Path, name: &str, stamp: &BuildStamp) -> Result<()> {
    let script = format!(
        "#!/bin/sh\n# Placeholder for {name}, written by cargo xtask cross-build --fake-binaries.\necho '{name} version {} (commit: {}, date: {})'\n",
        stamp.version, stamp.short_commit, stamp.date
    );
    write_executable(dest, script.as_bytes())
}

fn write_executable(dest: &Path, bytes: &[u8]) -> Result<()> {
    fsutil::write_with(dest, |file| {
        use std::io::Write;
        file.write_all(bytes)?;
        file.set_permissions(fs::Permissions::from_mode(0o755))?;
        Ok(())
    })
}

pub fn run(project: &Project, args: &CrossBuildArgs) -> Result<()> {
    let def = Definition::load(&project.root)?;
    let out = OutDir::new(project.out_dir(&args.out.out));
    let only = select_targets(&def, &args.targets)?;
    let opts = Options {
        only,
        install_missing: args.install_missing,
        fake: args.fake_binaries,
        snapshot: false,
        tag: None,
        profile: PROFILE.to_owned(),
    };
    let metadata = cross_build(project, &def, &out, &opts)?;
    outln!(
        "{} {} built into {}",
        metadata.project,
        metadata.version,
        out.path.display()
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_target_is_one_build_of_all_its_binaries_with_zig_unless_the_triple_is_the_hosts() {
        let def = Definition::load(&crate::project::workspace_root()).unwrap();
        let builds = plan(&def, None, "x86_64-unknown-linux-gnu");
        let summary: Vec<_> = builds
            .iter()
            .map(|b| {
                (
                    b.target.triple,
                    b.zig,
                    b.packages.join("+"),
                    b.bins.join("+"),
                )
            })
            .collect();
        let linux = || {
            (
                "aicr+aicrd+validators".to_owned(),
                "aicr+aicrd+validator".to_owned(),
            )
        };
        let mac = || ("aicr".to_owned(), "aicr".to_owned());
        assert_eq!(
            summary,
            [
                ("x86_64-unknown-linux-musl", true, linux().0, linux().1),
                ("aarch64-unknown-linux-musl", true, linux().0, linux().1),
                ("x86_64-apple-darwin", true, mac().0, mac().1),
                ("aarch64-apple-darwin", true, mac().0, mac().1),
            ]
        );
        let only = [Target::parse("aarch64-unknown-linux-musl").unwrap()];
        let one = plan(&def, Some(&only), "aarch64-unknown-linux-musl");
        assert_eq!(one.len(), 1);
        assert!(!one[0].zig, "the host's own triple builds with plain cargo");
        assert_eq!(one[0].bins, ["aicr", "aicrd", "validator"]);
        let mac = plan(&def, None, "aarch64-apple-darwin");
        assert!(
            mac.iter()
                .filter(|b| !b.zig)
                .all(|b| b.target.triple == "aarch64-apple-darwin")
                && mac.iter().any(|b| !b.zig)
        );
    }

    #[test]
    fn target_selection_is_checked() {
        let def = Definition::load(&crate::project::workspace_root()).unwrap();
        assert!(select_targets(&def, &[]).unwrap().is_none());
        let err = select_targets(&def, &["x86_64-pc-windows-msvc".into()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown target"), "{err}");
    }
}
