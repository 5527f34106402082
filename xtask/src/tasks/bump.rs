// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask bump patch|minor|major|rc|promote`: tag the next release and push it.
//!
//! Synopsis:
//!
//! ```text
//! cargo xtask bump patch|minor [--dry-run] [--json] [--branch B] [--remote R]
//! cargo xtask bump major --yes
//! cargo xtask bump rc [--patch]
//! cargo xtask bump promote --tag v1.3.0-rc2 [--force]
//! ```
//!
//! Reads the repository (tags, status, branch), fetches the release branch from the
//! remote and lists the remote's tags; then [`plan`] decides, as a pure function of
//! those facts, the new tag or the refusal. Only a plan that passed every guard is
//! executed: one annotated tag, one push of that tag. No commit is ever created. If the
//! push fails the local tag is deleted, so the repository is as it was before.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use xshell::cmd;

use crate::flags::{BumpArgs, BumpKind};
use crate::git::{self, Git};
use crate::history::{ReleaseHistory, ReleaseTag, remote_release_tags};
use crate::project::Project;
use crate::version::ReleaseVersion;

/// What `bump` is asked to do; the `bump` flags map onto it, and `release` builds it
/// with [`Options::new`].
#[derive(Debug, Clone)]
pub struct Options {
    /// Which version to tag next.
    pub kind: BumpKind,
    /// With `rc`: a patch release candidate instead of a minor one.
    pub patch: bool,
    /// With `promote`: the release candidate to promote.
    pub tag: Option<String>,
    /// A major bump is confirmed.
    pub yes: bool,
    /// With `promote`: promote even though a newer candidate exists.
    pub force: bool,
    /// The release branch HEAD must be on.
    pub branch: String,
    /// The remote to check against and push the tag to.
    pub remote: String,
    /// Check and print the plan, create and push nothing.
    pub dry_run: bool,
    /// Print the plan (or the result) as JSON.
    pub json: bool,
}

impl Options {
    /// A bump of `kind` on the release branch, pushed to the release remote.
    pub fn new(kind: BumpKind) -> Options {
        Options {
            kind,
            patch: false,
            tag: None,
            yes: false,
            force: false,
            branch: git::RELEASE_BRANCH.to_owned(),
            remote: git::RELEASE_REMOTE.to_owned(),
            dry_run: false,
            json: false,
        }
    }
}

impl From<&BumpArgs> for Options {
    fn from(args: &BumpArgs) -> Options {
        Options {
            kind: args.kind,
            patch: args.patch,
            tag: args.tag.clone(),
            yes: args.yes,
            force: args.force,
            branch: args.branch.clone(),
            remote: args.remote.clone(),
            dry_run: args.dry_run,
            json: args.json,
        }
    }
}

/// What the user asked for, checked for consistency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Patch,
    Minor,
    Major,
    Rc { patch: bool },
    Promote { tag: ReleaseVersion, force: bool },
}

/// Everything [`plan`] needs to know about the repository.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub head: String,
    pub head_short: String,
    /// `None` on a detached HEAD.
    pub branch: Option<String>,
    /// `git status --porcelain` lines: tracked changes and untracked files.
    pub status: Vec<String>,
    /// The remote's release branch, fetched just now.
    pub upstream: String,
    pub head_in_upstream: bool,
    pub upstream_in_head: bool,
    /// Every local release tag.
    pub local_tags: Vec<ReleaseTag>,
    /// The release tags reachable from HEAD that decide the next version: the newest
    /// and the latest stable (see `ReleaseHistory::heads`).
    pub reachable: Vec<ReleaseVersion>,
    /// The remote's release tags: name to commit.
    pub remote_tags: BTreeMap<String, String>,
    /// For promote: whether the candidate's commit is on the remote's release branch.
    pub candidate_on_branch: Option<bool>,
    /// Commits from the base tag to the target commit.
    pub commits_since_base: u64,
    pub signs_tags: bool,
}

/// The settings that do not come from the repository.
#[derive(Debug, Clone)]
pub struct Settings {
    pub branch: String,
    pub remote: String,
}

/// A checked plan: the one tag to create and push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub kind: &'static str,
    /// The tag the new version was computed from (`None` before the first release).
    pub base: Option<String>,
    pub tag: String,
    /// The new version without `v`.
    pub version: String,
    pub prerelease: bool,
    pub commit: String,
    pub short_commit: String,
    pub branch: String,
    pub remote: String,
    pub commits_since_base: u64,
    pub signed: bool,
    pub message: String,
    /// The exact git commands the plan runs, in order.
    pub commands: Vec<Vec<String>>,
}

impl Request {
    /// The name of the bump, as on the command line.
    pub fn kind(&self) -> &'static str {
        match self {
            Request::Patch => "patch",
            Request::Minor => "minor",
            Request::Major => "major",
            Request::Rc { .. } => "rc",
            Request::Promote { .. } => "promote",
        }
    }
}

/// The bump `auto` picks from what the commits since the last stable release contain.
/// Before 1.0 (semver's initial development) breaking changes bump minor and features
/// bump patch.
pub fn auto_kind(current: Option<ReleaseVersion>, breaking: bool, features: bool) -> BumpKind {
    let initial = current.is_none_or(|v| v.major == 0);
    match (breaking, features, initial) {
        (true, _, false) => BumpKind::Major,
        (true, _, true) | (false, true, false) => BumpKind::Minor,
        _ => BumpKind::Patch,
    }
}

/// Resolves `auto` against the repository's history.
fn resolve_auto(project: &Project) -> Result<BumpKind> {
    let git = Git::new(&project.sh);
    git.ensure_repo()?;
    let history = ReleaseHistory::read(git)?;
    let latest = history.latest_stable("HEAD")?;
    let range = latest
        .as_ref()
        .map_or_else(|| "HEAD".to_owned(), |t| format!("{}..HEAD", t.commit));
    let config = crate::dist::changelog_config(project)?;
    let commits = crate::changelog::log(project, &[range])?;
    let section = config.section(None, String::new(), &commits);
    let breaking = section.breaking().count();
    let features = section
        .entries
        .iter()
        .filter(|e| e.parsed.kind.as_deref() == Some("feat"))
        .count();
    let kind = auto_kind(
        latest.as_ref().map(|t| t.version),
        breaking > 0,
        features > 0,
    );
    errln!(
        "bump auto: {} commit(s) since {}: {breaking} breaking, {features} feature(s): {}",
        commits.len(),
        latest.as_ref().map_or("the start", |t| t.name.as_str()),
        format!("{kind:?}").to_lowercase()
    );
    Ok(kind)
}

/// Turns flags into a [`Request`], refusing inconsistent combinations.
pub fn request(kind: BumpKind, args: &Options) -> Result<Request> {
    if args.tag.is_some() && kind != BumpKind::Promote {
        bail!("--tag only goes with promote; hint: cargo xtask bump promote --tag v1.3.0-rc1");
    }
    if args.patch && kind != BumpKind::Rc {
        bail!(
            "--patch only goes with rc; hint: cargo xtask bump rc --patch starts a patch release candidate"
        );
    }
    if args.force && kind != BumpKind::Promote {
        bail!("--force only goes with promote");
    }
    Ok(match kind {
        BumpKind::Auto => bail!("internal error: auto is resolved before the request"),
        BumpKind::Patch => Request::Patch,
        BumpKind::Minor => Request::Minor,
        BumpKind::Major if !args.yes => bail!(
            "a major release needs team agreement and advance communication; hint: once agreed, run cargo xtask bump major --yes"
        ),
        BumpKind::Major => Request::Major,
        BumpKind::Rc => Request::Rc { patch: args.patch },
        BumpKind::Promote => {
            let tag = args
                .tag
                .as_deref()
                .context("promote needs the candidate to promote; hint: cargo xtask bump promote --tag v1.3.0-rc2")?;
            let tag = ReleaseVersion::parse_tag(tag)?;
            if !tag.is_rc() {
                bail!(
                    "{} is not a release candidate; hint: promote takes a tag like v1.3.0-rc2",
                    tag.tag()
                );
            }
            Request::Promote {
                tag,
                force: args.force,
            }
        }
    })
}

/// The base version and the new one, from the release tags reachable from HEAD.
///
/// `existing` holds every release tag known locally or on the remote.
pub fn next_version(
    request: &Request,
    reachable: &[ReleaseVersion],
    existing: &[ReleaseVersion],
) -> (Option<ReleaseVersion>, ReleaseVersion) {
    let latest_stable = reachable.iter().copied().filter(|v| !v.is_rc()).max();
    let base = latest_stable.unwrap_or(ReleaseVersion::ZERO);
    match request {
        Request::Patch => (latest_stable, base.next_patch()),
        Request::Minor => (latest_stable, base.next_minor()),
        Request::Major => (latest_stable, base.next_major()),
        Request::Rc { patch } => {
            let newest = reachable.iter().copied().max();
            match newest {
                Some(rc @ ReleaseVersion { rc: Some(n), .. })
                    if !existing.contains(&rc.stable()) =>
                {
                    (Some(rc), rc.with_rc(n + 1))
                }
                _ => {
                    // A series whose release exists elsewhere (another line) still moves the base.
                    let released = newest
                        .map(ReleaseVersion::stable)
                        .filter(|s| existing.contains(s));
                    let base_tag = latest_stable.max(released);
                    let base = base_tag.unwrap_or(ReleaseVersion::ZERO);
                    let next = if *patch {
                        base.next_patch()
                    } else {
                        base.next_minor()
                    };
                    (base_tag, next.with_rc(1))
                }
            }
        }
        Request::Promote { tag, .. } => (Some(*tag), tag.stable()),
    }
}

/// Decides the tag to create, or why not. Pure: every fact comes in `facts`.
pub fn plan(request: &Request, settings: &Settings, facts: &Facts) -> Result<Plan> {
    let Settings { branch, remote } = settings;
    check_checkout(settings, facts)?;
    let local: BTreeMap<&str, &str> = facts
        .local_tags
        .iter()
        .map(|t| (t.name.as_str(), t.commit.as_str()))
        .collect();
    let existing: Vec<ReleaseVersion> = facts
        .local_tags
        .iter()
        .map(|t| t.version)
        .chain(
            facts
                .remote_tags
                .keys()
                .filter_map(|n| ReleaseVersion::from_tag(n)),
        )
        .collect();

    let (base, next) = next_version(request, &facts.reachable, &existing);
    let tag = next.tag();
    check_tag_is_new(&tag, &local, facts, remote)?;
    let (commit, message) = match request {
        Request::Promote {
            tag: candidate,
            force,
        } => {
            let promoted = Promoted {
                candidate,
                force: *force,
                tag: &tag,
                local: &local,
                existing: &existing,
            };
            promotion(&promoted, settings, facts)?
        }
        _ => new_release(&tag, base.as_ref(), facts)?,
    };
    Ok(Plan {
        kind: request.kind(),
        base: base.map(|b| b.tag()),
        version: next.to_string(),
        prerelease: next.is_rc(),
        short_commit: commit[..commit.len().min(7)].to_owned(),
        commands: tag_commands(facts.signs_tags, &message, &tag, &commit, remote),
        commit,
        tag,
        branch: branch.clone(),
        remote: remote.clone(),
        commits_since_base: facts.commits_since_base,
        signed: facts.signs_tags,
        message,
    })
}

/// That the checkout may be tagged: a clean working tree, on the release branch, level
/// with its remote branch.
fn check_checkout(settings: &Settings, facts: &Facts) -> Result<()> {
    let Settings { branch, remote } = settings;
    if let Some(first) = facts.status.first() {
        bail!(
            "the working tree is not clean ({} change(s), first: `{}`); hint: commit or stash them (git stash -u) and run again",
            facts.status.len(),
            first.trim()
        );
    }
    match &facts.branch {
        Some(b) if b == branch => {}
        Some(b) => bail!(
            "HEAD is on branch '{b}', not the release branch '{branch}'; hint: git checkout {branch} && git pull, or pass --branch {b} for a release line"
        ),
        None => bail!("HEAD is detached; hint: git checkout {branch}"),
    }
    match (facts.head_in_upstream, facts.upstream_in_head) {
        (true, true) => Ok(()),
        (false, true) => bail!(
            "{branch} has commits that are not on {remote}/{branch}; hint: push them first (git push {remote} {branch}) so the tag points at published code"
        ),
        (true, false) => bail!(
            "{branch} is behind {remote}/{branch}; hint: git pull --ff-only {remote} {branch}"
        ),
        (false, false) => bail!(
            "{branch} and {remote}/{branch} have diverged; hint: reconcile them (git pull --rebase {remote} {branch}) and push"
        ),
    }
}

/// That `tag` exists neither among the `local` tags nor on `remote`.
fn check_tag_is_new(
    tag: &str,
    local: &BTreeMap<&str, &str>,
    facts: &Facts,
    remote: &str,
) -> Result<()> {
    match (local.get(tag), facts.remote_tags.contains_key(tag)) {
        (Some(_), true) => bail!(
            "tag {tag} already exists locally and on {remote}; hint: the release was already tagged"
        ),
        (Some(_), false) => bail!(
            "tag {tag} exists locally but not on {remote}; hint: finish an interrupted bump with git push {remote} refs/tags/{tag}, or drop it with git tag -d {tag}"
        ),
        (None, true) => bail!(
            "tag {tag} already exists on {remote} but not locally; hint: git fetch --tags {remote}"
        ),
        (None, false) => Ok(()),
    }
}

/// A promotion to decide: `candidate` to be tagged `tag`.
struct Promoted<'a> {
    candidate: &'a ReleaseVersion,
    /// Promote it even when a newer candidate exists.
    force: bool,
    tag: &'a str,
    /// The local tags and their commits.
    local: &'a BTreeMap<&'a str, &'a str>,
    /// Every release version tagged here or on the remote.
    existing: &'a [ReleaseVersion],
}

/// The commit and message of a promotion: the candidate's commit, when the candidate
/// is here, is the newest of its release (or `force`), and is on the release branch.
fn promotion(
    promoted: &Promoted<'_>,
    settings: &Settings,
    facts: &Facts,
) -> Result<(String, String)> {
    let Settings { branch, remote } = settings;
    let (candidate, tag) = (promoted.candidate, promoted.tag);
    let name = candidate.tag();
    let Some(commit) = promoted.local.get(name.as_str()).map(|c| (*c).to_owned()) else {
        if facts.remote_tags.contains_key(&name) {
            bail!("tag {name} is on {remote} but not here; hint: git fetch --tags {remote}");
        }
        bail!("tag {name} does not exist; hint: list candidates with git tag -l 'v*-rc*'");
    };
    let newer = promoted
        .existing
        .iter()
        .filter(|v| v.stable() == candidate.stable() && v.is_rc() && *v > candidate)
        .max();
    if let (Some(newer), false) = (newer, promoted.force) {
        bail!(
            "a newer candidate {} exists for {tag}; hint: promote {} instead, or pass --force to promote {name}",
            newer.tag(),
            newer.tag()
        );
    }
    if facts.candidate_on_branch != Some(true) {
        bail!(
            "{name} points at a commit that is not on {remote}/{branch}; hint: only candidates cut from the release branch can be promoted"
        );
    }
    Ok((
        commit,
        format!(
            "Release {tag}\n\nPromoted from {name}: the same commit, no rebuild of the sources."
        ),
    ))
}

/// The commit and message of a new release `tag` after `base`: HEAD, unless it
/// already carries a release tag here or on the remote.
fn new_release(
    tag: &str,
    base: Option<&ReleaseVersion>,
    facts: &Facts,
) -> Result<(String, String)> {
    if let Some(on_head) = facts
        .local_tags
        .iter()
        .filter(|t| t.commit == facts.head)
        .map(|t| t.name.clone())
        .chain(
            facts
                .remote_tags
                .iter()
                .filter(|(_, c)| **c == facts.head)
                .map(|(n, _)| n.clone()),
        )
        .next()
    {
        let hint = if on_head.contains("-rc") {
            format!("to release this candidate as is, run cargo xtask bump promote --tag {on_head}")
        } else {
            "land a new commit first".to_owned()
        };
        bail!(
            "HEAD ({}) already carries release tag {on_head}; hint: {hint}",
            facts.head_short
        );
    }
    let since = match base {
        Some(base) => format!(
            "{} commit(s) since {}",
            facts.commits_since_base,
            base.tag()
        ),
        None => format!("first release, {} commit(s)", facts.commits_since_base),
    };
    Ok((facts.head.clone(), format!("Release {tag}\n\n{since}.")))
}

/// The commands that make the release: an annotated tag (`signed`: a signed one) of
/// `commit` with `message`, then its push to `remote`.
fn tag_commands(
    signed: bool,
    message: &str,
    tag: &str,
    commit: &str,
    remote: &str,
) -> Vec<Vec<String>> {
    let sign_flag = if signed { "-s" } else { "-a" };
    vec![
        vec![
            "git".into(),
            "tag".into(),
            sign_flag.into(),
            "-m".into(),
            message.to_owned(),
            tag.to_owned(),
            commit.to_owned(),
        ],
        vec![
            "git".into(),
            "push".into(),
            remote.to_owned(),
            format!("refs/tags/{tag}"),
        ],
    ]
}

/// Reads the facts [`plan`] needs: local state first, then the remote.
fn gather(git: &Git<'_>, request: &Request, settings: &Settings) -> Result<Facts> {
    git.ensure_repo()?;
    let head = git.head()?;
    let status: Vec<String> = git.status_porcelain()?.lines().map(str::to_owned).collect();
    let branch = git.current_branch()?;
    let mut facts = Facts {
        head_short: git.short(&head)?,
        head,
        status,
        branch,
        ..Facts::default()
    };
    // Local refusals need no network: decide them before fetching.
    if !facts.status.is_empty() || facts.branch.as_deref() != Some(settings.branch.as_str()) {
        return Ok(facts);
    }
    let Settings { branch, remote } = settings;
    git.fetch_branch(remote, branch)?;
    facts.upstream = git.rev_parse(&format!("refs/remotes/{remote}/{branch}"))?;
    facts.head_in_upstream = git.is_ancestor(&facts.head, &facts.upstream)?;
    facts.upstream_in_head = git.is_ancestor(&facts.upstream, &facts.head)?;
    let history = ReleaseHistory::read(*git)?;
    facts.local_tags = history.tags().to_vec();
    facts.reachable = history.heads("HEAD")?;
    facts.remote_tags = remote_release_tags(git, remote)?;
    facts.signs_tags = git.signs_tags()?;
    if let Request::Promote { tag, .. } = request {
        if let Some(local) = facts.local_tags.iter().find(|t| t.version == *tag) {
            facts.candidate_on_branch = Some(git.is_ancestor(&local.commit, &facts.upstream)?);
        }
    } else {
        let existing: Vec<ReleaseVersion> = facts.local_tags.iter().map(|t| t.version).collect();
        let (base, _) = next_version(request, &facts.reachable, &existing);
        let base = base.map(|b| b.tag());
        facts.commits_since_base = git.count_commits(base.as_deref(), &facts.head)?;
    }
    Ok(facts)
}

/// The JSON document `--json` prints.
#[derive(Debug, Serialize)]
struct Report<'a> {
    #[serde(flatten)]
    plan: &'a Plan,
    dry_run: bool,
    pushed: bool,
}

pub fn run(project: &Project, args: &Options) -> Result<()> {
    let kind = if args.kind == BumpKind::Auto {
        resolve_auto(project)?
    } else {
        args.kind
    };
    let request = request(kind, args)?;
    let settings = Settings {
        branch: args.branch.clone(),
        remote: args.remote.clone(),
    };
    let git = Git::new(&project.sh);
    let facts = gather(&git, &request, &settings)?;
    let plan = plan(&request, &settings, &facts)?;

    if !args.json {
        print_plan(&plan, args.dry_run)?;
        if args.dry_run {
            print_preview(project, &plan)?;
        }
    }
    if !args.dry_run {
        execute(project, &plan)?;
        errln!(
            "bump: tagged {} at {} and pushed it to {}; CI takes over from here",
            plan.tag,
            plan.short_commit,
            plan.remote
        );
    }
    if args.json {
        let report = Report {
            plan: &plan,
            dry_run: args.dry_run,
            pushed: !args.dry_run,
        };
        outln!("{}", serde_json::to_string_pretty(&report)?)?;
    }
    Ok(())
}

fn print_plan(plan: &Plan, dry_run: bool) -> Result<()> {
    let base = plan.base.as_deref().unwrap_or("none (first release)");
    outln!(
        "{}bump {}",
        if dry_run { "dry run: " } else { "" },
        plan.kind
    )?;
    outln!("  current:  {base}")?;
    outln!(
        "  new tag:  {}{}",
        plan.tag,
        if plan.prerelease {
            " (pre-release)"
        } else {
            ""
        }
    )?;
    outln!(
        "  commit:   {} on {} ({} commit(s) since the base)",
        plan.short_commit,
        plan.branch,
        plan.commits_since_base
    )?;
    outln!("  remote:   {}", plan.remote)?;
    outln!("  commands:")?;
    for command in &plan.commands {
        outln!("    {}", shell_words(command))?;
    }
    Ok(())
}

/// The release notes the new tag would get.
fn print_preview(project: &Project, plan: &Plan) -> Result<()> {
    let git = Git::new(&project.sh);
    let range = match &plan.base {
        Some(base) => format!("{}..{}", git.rev_parse(base)?, plan.commit),
        None => plan.commit.clone(),
    };
    let config = crate::dist::changelog_config(project)?;
    let commits = crate::changelog::log(project, &[range])?;
    let date = crate::version::rfc3339(git.commit_time(&plan.commit)?)?[..10].to_owned();
    let section = config.section(Some(plan.version.clone()), date, &commits);
    outln!("\nrelease notes preview:\n")?;
    out!("{}", config.render(&[section], &project.repository()?))?;
    Ok(())
}

/// Renders a command so that it can be pasted into a POSIX shell.
fn shell_words(command: &[String]) -> String {
    command
        .iter()
        .map(|word| {
            if !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@^".contains(&b))
            {
                word.clone()
            } else {
                format!("'{}'", word.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn execute(project: &Project, plan: &Plan) -> Result<()> {
    let sh = &project.sh;
    let [tag_cmd, push_cmd] = &plan.commands[..] else {
        bail!("internal error: a bump plan has exactly two commands");
    };
    run_git(project, tag_cmd)
        .with_context(|| format!("cannot create tag {}; nothing was changed", plan.tag))?;
    if let Err(push_err) = run_git(project, push_cmd) {
        let tag = &plan.tag;
        let cleanup = cmd!(sh, "git tag -d {tag}")
            .quiet()
            .ignore_stdout()
            .ignore_stderr()
            .run();
        return match cleanup {
            Ok(()) => Err(push_err.context(format!(
                "push of {tag} to {} failed; the local tag was deleted, nothing was left behind; hint: fix the cause and run the same command again",
                plan.remote
            ))),
            Err(_) => Err(push_err.context(format!(
                "push of {tag} to {} failed and the local tag could not be deleted; hint: git tag -d {tag}",
                plan.remote
            ))),
        };
    }
    Ok(())
}

/// Runs one planned git command, capturing its output for the error message.
fn run_git(project: &Project, command: &[String]) -> Result<()> {
    let sh = &project.sh;
    let (program, args) = command.split_first().context("empty command")?;
    let output = cmd!(sh, "{program} {args...}")
        .quiet()
        .ignore_status()
        .output()?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!("`{}` failed: {}", shell_words(command), stderr.trim());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(tag: &str) -> ReleaseVersion {
        ReleaseVersion::from_tag(tag).unwrap()
    }

    fn next(request: Request, reachable: &[&str], existing: &[&str]) -> String {
        let reachable: Vec<_> = reachable.iter().map(|t| v(t)).collect();
        let mut all: Vec<_> = existing.iter().map(|t| v(t)).collect();
        all.extend(&reachable);
        next_version(&request, &reachable, &all).1.tag()
    }

    #[test]
    fn transitions() {
        let table: &[(Request, &[&str], &str)] = &[
            (Request::Patch, &[], "v0.0.1"),
            (Request::Minor, &[], "v0.1.0"),
            (Request::Major, &[], "v1.0.0"),
            (Request::Rc { patch: false }, &[], "v0.1.0-rc1"),
            (Request::Patch, &["v1.2.3"], "v1.2.4"),
            (Request::Minor, &["v1.2.3"], "v1.3.0"),
            (Request::Major, &["v1.2.3"], "v2.0.0"),
            (Request::Rc { patch: false }, &["v1.2.3"], "v1.3.0-rc1"),
            (Request::Rc { patch: true }, &["v1.2.3"], "v1.2.4-rc1"),
            (
                Request::Rc { patch: false },
                &["v1.2.3", "v1.3.0-rc1"],
                "v1.3.0-rc2",
            ),
            (
                Request::Rc { patch: false },
                &["v1.3.0-rc9", "v1.3.0-rc10"],
                "v1.3.0-rc11",
            ),
            (
                Request::Rc { patch: false },
                &["v1.2.3", "v1.3.0-rc2", "v1.3.0"],
                "v1.4.0-rc1",
            ),
            // Only candidates so far: patch and minor count from v0.0.0.
            (Request::Patch, &["v0.1.0-rc1"], "v0.0.1"),
            (Request::Minor, &["v1.2.3", "v1.3.0-rc1"], "v1.3.0"),
            (
                Request::Promote {
                    tag: v("v1.3.0-rc2"),
                    force: false,
                },
                &["v1.3.0-rc2"],
                "v1.3.0",
            ),
        ];
        for (request, reachable, want) in table {
            assert_eq!(
                next(request.clone(), reachable, &[]),
                *want,
                "{request:?} from {reachable:?}"
            );
        }
    }

    #[test]
    fn rc_series_ends_when_its_release_exists_anywhere() {
        // v1.3.0 exists (on another commit, not reachable): the next series starts above it.
        assert_eq!(
            next(
                Request::Rc { patch: false },
                &["v1.2.3", "v1.3.0-rc2"],
                &["v1.3.0"]
            ),
            "v1.4.0-rc1"
        );
    }

    #[test]
    fn auto_follows_semver_and_initial_development() {
        let v1 = Some(v("v1.2.3"));
        let v0 = Some(v("v0.4.0"));
        assert_eq!(auto_kind(v1, true, true), BumpKind::Major);
        assert_eq!(auto_kind(v1, false, true), BumpKind::Minor);
        assert_eq!(auto_kind(v1, false, false), BumpKind::Patch);
        assert_eq!(auto_kind(v0, true, false), BumpKind::Minor);
        assert_eq!(auto_kind(v0, false, true), BumpKind::Patch);
        assert_eq!(auto_kind(None, false, false), BumpKind::Patch);
    }

    #[test]
    fn shell_words_quote_what_needs_it() {
        let cmd: Vec<String> = ["git", "tag", "-m", "Release v1.2.3\n\nit's", "v1.2.3"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            shell_words(&cmd),
            "git tag -m 'Release v1.2.3\n\nit'\\''s' v1.2.3"
        );
    }

    #[test]
    fn the_tag_is_annotated_or_signed_then_pushed_by_its_full_ref() {
        assert_eq!(
            tag_commands(false, "Release v1.2.0", "v1.2.0", "abc", "origin"),
            [
                vec!["git", "tag", "-a", "-m", "Release v1.2.0", "v1.2.0", "abc"],
                vec!["git", "push", "origin", "refs/tags/v1.2.0"],
            ]
        );
        assert_eq!(
            tag_commands(true, "m", "v1.2.0", "abc", "origin")[0][2],
            "-s"
        );
    }
}
