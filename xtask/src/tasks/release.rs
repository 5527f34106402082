// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask release`: the whole pipeline, from the local entry to a published release.
//!
//! - `--snapshot [--all-targets]`: the working tree, built, packaged and attested into
//!   a fresh `target/dist/` with a snapshot version (`<next patch>-snapshot+<sha>`,
//!   `.dirty` with uncommitted changes), even on a tagged commit; nothing published.
//! - `--bump rc|patch|minor|major [--yes]` (or `--rc`, `--patch`, `--minor`, `--major`): the local entry: runs `qualify`
//!   (`--gates` to choose), then the matching `bump` (tag + push); CI takes over.
//! - `--tag vX.Y.Z [--publish] [--replace]`: the CI entry and the re-run of an existing
//!   release: builds every target from a clean worktree of the tag (never the current
//!   checkout's state), runs cross-build, notices, package, sbom, checksum and attest,
//!   then with `--publish` publishes: the GitHub release (draft, assets, then published;
//!   a pre-release for `-rcN`), and for stable releases the Homebrew formula, the site
//!   and the demo commands. Each publish step checks remote truth first, so a re-run
//!   finishes what a failed run left. `target/dist/release-state.json` records each
//!   completed step with its evidence; a lock beside the output directory keeps two
//!   runs apart. `--target T` (repeatable) builds only those targets' assets, a partial
//!   build that publishes nothing (see `rebuild`, which compares one with the release).
//!
//! `--dry-run` prints the plan (see `plan`) and changes nothing.

mod publish;

use std::collections::BTreeMap;
use std::fs;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::artifacts::{Kind, Metadata, OutDir};
use crate::dist::Definition;
use crate::flags::{BumpKind, ReleaseArgs};
use crate::git::Git;
use crate::project::Project;
use crate::targets::Target;
use crate::tasks::pipeline::{self, Lock, Worktree, build, check_toolchain, open_worktree};
use crate::tasks::{attest, bump, cross_build, plan, qualify};
use crate::tools;
use crate::version::ReleaseVersion;

pub fn run(project: &Project, args: &ReleaseArgs) -> Result<()> {
    if args.snapshot {
        snapshot(project, args)
    } else if let Some(tag) = &args.tag {
        tagged(project, args, tag)
    } else if let Some(kind) = args.bump_kind()? {
        local_entry(project, args, kind.into())
    } else {
        bail!("release needs a mode; hint: --snapshot, --tag TAG or --bump rc|patch|minor|major")
    }
}

fn snapshot(project: &Project, args: &ReleaseArgs) -> Result<()> {
    let def = Definition::load(&project.root)?;
    let out = OutDir::new(project.out_dir(&args.out.out));
    if args.dry_run {
        plan::print(&plan::for_release(project, &def, None)?)?;
        return Ok(());
    }
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
        tag: None,
        profile: cross_build::PROFILE.to_owned(),
    };
    let key = attest::signing_key(project, args.key.as_deref())?;
    let metadata = pipeline::pipeline(project, &def, &out, &opts, key.as_ref())?;
    summary(&out, &metadata, args.json)
}

fn summary(out: &OutDir, metadata: &Metadata, json: bool) -> Result<()> {
    let manifest = out.manifest()?;
    if json {
        outln!("{}", serde_json::to_string_pretty(&manifest)?)?;
        return Ok(());
    }
    let kind = if metadata.snapshot { " (snapshot)" } else { "" };
    outln!(
        "release {} {}{kind} in {}",
        metadata.project,
        metadata.version,
        out.path.display()
    )?;
    for artifact in manifest.artifacts.iter().filter(|a| a.kind != Kind::Binary) {
        outln!(
            "  {:<10} {:>10}  {}",
            format!("{:?}", artifact.kind).to_lowercase(),
            artifact.size,
            artifact.path
        )?;
    }
    Ok(())
}

/// `--bump rc|patch|minor|major`: qualify, then bump.
fn local_entry(project: &Project, args: &ReleaseArgs, kind: BumpKind) -> Result<()> {
    if kind == BumpKind::Major && !args.yes {
        bail!(
            "a major release needs team agreement and advance communication; hint: once agreed, add --yes"
        );
    }
    let bump_options = bump::Options {
        yes: args.yes,
        dry_run: args.dry_run,
        ..bump::Options::new(kind)
    };
    if args.dry_run {
        let gates = if args.gates.is_empty() {
            qualify::GATES.join(", ")
        } else {
            args.gates.join(", ")
        };
        outln!(
            "plan: qualify ({gates}), then bump {}",
            format!("{kind:?}").to_lowercase()
        )?;
        return bump::run(project, &bump_options);
    }
    // The tag cannot be taken back: its e2e gate runs on the binaries as they ship.
    let qualify_options = qualify::Options {
        only: args.gates.clone(),
        fail_fast: true,
        e2e_profile: Some(cross_build::PROFILE.to_owned()),
        ..qualify::Options::default()
    };
    qualify::run(project, &qualify_options).context("qualify failed; nothing was tagged")?;
    bump::run(project, &bump_options)?;
    errln!("release: the tag is pushed; the on-tag workflow builds, attests and publishes it");
    Ok(())
}

/// The journal of a tagged release: what completed, with evidence.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Journal {
    tag: String,
    commit: String,
    /// Evidence of each completed step, by name.
    steps: BTreeMap<String, Value>,
    /// The steps the latest run executed, in order.
    #[serde(default)]
    executed: Vec<String>,
}

use crate::artifacts::JOURNAL;

impl Journal {
    fn load(out: &OutDir) -> Option<Journal> {
        serde_json::from_slice(&fs::read(out.join(JOURNAL)).ok()?).ok()
    }

    fn record(&mut self, out: &OutDir, step: &str, evidence: Value) -> Result<()> {
        self.steps.insert(step.to_owned(), evidence);
        self.save(out)
    }

    fn save(&self, out: &OutDir) -> Result<()> {
        let text = serde_json::to_string_pretty(self)? + "\n";
        crate::fsutil::write_atomically(&out.join(JOURNAL), text.as_bytes())
    }
}

/// Releases `tag`: builds it in a clean worktree (unless already built and still
/// there), and with `--publish` runs each publishing step of its plan, journaled so
/// that a run resumes where the last one failed. `--dry-run` prints the plan only.
fn tagged(project: &Project, args: &ReleaseArgs, tag: &str) -> Result<()> {
    ReleaseVersion::parse_tag(tag)?;
    let git = Git::new(&project.sh);
    git.ensure_repo()?;
    let commit = git
        .rev_parse(&format!("refs/tags/{tag}"))
        .map_err(|_| anyhow::anyhow!("tag {tag} does not exist here; hint: git fetch --tags, or create it with cargo xtask bump"))?;
    let out = OutDir::new(project.out_dir(&args.out.out));
    if args.dry_run {
        return print_tagged_plan(project, args, &git, tag);
    }
    let _lock = Lock::acquire(&out.path)?;
    let worktree = Worktree::add(project, "release-worktree", tag)?;
    let tree = open_worktree(project, &worktree)?;
    check_toolchain(&tree, tag, "release")?;
    let def = Definition::load(&tree.root)?;
    let only = cross_build::select_targets(&def, &args.targets)?;
    let mut plan = plan::for_release(project, &def, Some(tag))?;
    if let Some(only) = &only {
        plan = plan.restricted(&def, only);
    }

    let mut journal = match Journal::load(&out) {
        Some(j) if j.tag == tag && j.commit == commit => j,
        _ => Journal {
            tag: tag.to_owned(),
            commit: commit.clone(),
            ..Journal::default()
        },
    };
    journal.executed.clear();
    let metadata = build_tagged(
        project,
        &tree,
        args,
        (&def, &plan),
        only,
        &out,
        &mut journal,
    )?;
    if metadata.tag.as_deref() != Some(tag) {
        bail!(
            "the build of {tag} carries version {} (tag {:?}); hint: is the tag on the worktree's HEAD?",
            metadata.version,
            metadata.tag
        );
    }
    if !args.publish {
        summary(&out, &metadata, args.json)?;
        errln!("release: built {tag}; publish with cargo xtask release --tag {tag} --publish");
        return Ok(());
    }
    let cx = publish::Context {
        project,
        def: &def,
        out: &out,
        plan: &plan,
        tag,
        replace: args.replace,
    };
    publish_steps(&cx, &mut journal)?;
    journal.save(&out)?;
    summary(&out, &metadata, args.json)?;
    errln!("release: {tag} is published");
    Ok(())
}

/// `--dry-run`: prints the release plan of `tag` (as its definition says, for the
/// `--target`s), and with `--publish` the requests publishing would make.
fn print_tagged_plan(
    project: &Project,
    args: &ReleaseArgs,
    git: &Git<'_>,
    tag: &str,
) -> Result<()> {
    let def = Definition::at_tag(git, tag)?;
    let mut plan = plan::for_release(project, &def, Some(tag))?;
    if let Some(only) = cross_build::select_targets(&def, &args.targets)? {
        plan = plan.restricted(&def, &only);
    }
    plan::print(&plan)?;
    if args.publish {
        publish::print_requests(project, &plan)?;
    }
    Ok(())
}

/// The metadata of the release built in `out` from the worktree `tree`: the journal's
/// build when every recorded asset is still there byte for byte and every asset of the
/// plan is there (a build without a signing key lacks the public key); otherwise built
/// now (for `only` the targets given), and recorded in the journal as its first step.
fn build_tagged(
    project: &Project,
    tree: &Project,
    args: &ReleaseArgs,
    (def, plan): (&Definition, &plan::Plan),
    only: Option<Vec<Target>>,
    out: &OutDir,
    journal: &mut Journal,
) -> Result<Metadata> {
    let tag = journal.tag.clone();
    let built = journal
        .steps
        .get("build")
        .is_some_and(|evidence| still_there(out, evidence))
        && plan.assets.iter().all(|a| out.join(a).is_file());
    if built {
        errln!(
            "release: {tag} is already built in {} and verifies; building again is not needed",
            out.path.display()
        );
        return out.metadata();
    }
    let opts = cross_build::Options {
        only,
        install_missing: true,
        fake: args.fake_binaries,
        snapshot: false,
        tag: Some(tag),
        profile: cross_build::PROFILE.to_owned(),
    };
    let key = attest::signing_key(project, args.key.as_deref())?;
    let mut executed = Vec::new();
    let metadata = build(tree, def, out, &opts, key.as_ref(), plan, &mut executed)?;
    let manifest = out.manifest()?;
    let assets: BTreeMap<String, String> = manifest
        .artifacts
        .iter()
        .filter(|a| a.kind != Kind::Binary)
        .map(|a| (a.path.clone(), a.sha256.clone()))
        .collect();
    journal.executed = executed;
    // What earlier runs published was of another build.
    journal.steps.clear();
    journal.record(
        out,
        "build",
        json!({ "version": metadata.version, "assets": assets }),
    )?;
    Ok(metadata)
}

/// Runs each publishing step of the plan that runs here (the others, done by a CI job
/// or not run, are only named), each recorded in the journal with its evidence.
fn publish_steps(cx: &publish::Context<'_>, journal: &mut Journal) -> Result<()> {
    let tag = cx.tag;
    let publishing: Vec<_> = cx
        .plan
        .steps
        .iter()
        .filter(|s| !s.action.builds())
        .collect();
    for (done, step) in publishing.iter().enumerate() {
        let count = format!("[{}/{}]", done + 1, publishing.len());
        if !step.runs || step.by_job {
            errln!("release: {count} {}: {}", step.name, step.detail);
            continue;
        }
        errln!("release: {count} {} ...", step.name);
        let evidence = publish::publish(cx, step.action).with_context(|| {
            format!(
                "step {} failed; hint: fix the cause and resume with cargo xtask release --tag {tag} --publish",
                step.name
            )
        })?;
        journal.executed.push(step.name.to_owned());
        journal.record(cx.out, step.name, evidence)?;
    }
    Ok(())
}

/// Whether every asset a recorded build produced is still in `out`, byte for byte.
fn still_there(out: &OutDir, evidence: &Value) -> bool {
    let Some(assets) = evidence["assets"].as_object() else {
        return false;
    };
    !assets.is_empty()
        && assets.iter().all(|(name, sha)| {
            crate::fsutil::sha256_file(&out.join(name))
                .is_ok_and(|(digest, _)| Some(digest.as_str()) == sha.as_str())
        })
}
