// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask changelog`: release notes from Conventional Commits, and a commit linter.
//!
//! ```text
//! cargo xtask changelog                       # unreleased: since the last stable tag
//! cargo xtask changelog --tag v1.3.0          # the notes of v1.3.0 (or title HEAD's)
//! cargo xtask changelog --from A --to B       # any range
//! cargo xtask changelog --all                 # the whole history, one section per release
//! cargo xtask changelog --lint [--from REF]   # fail on non-conventional subjects
//! ```
//!
//! Release boundaries are stable tags: the notes of a stable release run from the
//! previous stable tag (so they include its candidates' commits); the notes of a
//! candidate run from the tag before it. Groups, their order and the skip rules come
//! from `[changelog]` in `dist/release.toml`. One `git log` reads the whole range.
//! `--output FILE` writes the Markdown through a temporary file; `--json` prints the
//! sections instead.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use xshell::cmd;

use crate::changelog::{Config, RawCommit, Section};
use crate::dist::Definition;
use crate::flags::ChangelogArgs;
use crate::fsutil;
use crate::git::{Git, ReleaseTag};
use crate::project::Project;
use crate::version::{ReleaseVersion, rfc3339};

/// Reads every non-merge commit of a revision range, newest first, in one `git log`.
pub fn log(project: &Project, range: &[String]) -> Result<Vec<RawCommit>> {
    Ok(log_with_merges(project, range)?
        .into_iter()
        .filter(|(_, merge)| !merge)
        .map(|(c, _)| c)
        .collect())
}

/// Every commit of a range, newest first, each with whether it is a merge.
fn log_with_merges(project: &Project, range: &[String]) -> Result<Vec<(RawCommit, bool)>> {
    let sh = &project.sh;
    let output = cmd!(
        sh,
        "git log --topo-order -z --format=%H%x1f%h%x1f%ct%x1f%P%x1f%B {range...} --"
    )
    .quiet()
    .output()
    .with_context(|| format!("git log {} failed", range.join(" ")))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let mut commits = Vec::new();
    for record in text.split('\0').filter(|r| !r.trim().is_empty()) {
        let mut fields = record.splitn(5, '\x1f');
        let (Some(sha), Some(short), Some(time), Some(parents), Some(message)) = (
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
        ) else {
            bail!("unexpected git log record: {record:?}");
        };
        let commit = RawCommit {
            sha: sha.trim().to_owned(),
            short: short.to_owned(),
            time: time
                .parse()
                .with_context(|| format!("bad commit time {time}"))?,
            message: message.to_owned(),
        };
        commits.push((commit, parents.split_whitespace().count() > 1));
    }
    Ok(commits)
}

fn day(epoch: i64) -> Result<String> {
    Ok(rfc3339(epoch)?[..10].to_owned())
}

/// The tag a release's notes start from: for a stable version the previous stable tag,
/// for a candidate the previous tag of any kind.
pub fn previous(tags: &[ReleaseTag], of: ReleaseVersion) -> Option<&ReleaseTag> {
    tags.iter()
        .filter(|t| t.version < of && (of.is_rc() || !t.version.is_rc()))
        .max_by_key(|t| t.version)
}

/// The latest stable tag reachable from HEAD. Tags are tried from the highest version
/// down, so on a release branch the first ancestry check usually decides; asking git
/// for every tag merged into HEAD walks the whole history instead.
pub fn latest_stable(git: &Git<'_>) -> Result<Option<ReleaseTag>> {
    let mut stable: Vec<ReleaseTag> = git
        .release_tags()?
        .into_iter()
        .filter(|t| !t.version.is_rc())
        .collect();
    stable.sort_by_key(|t| std::cmp::Reverse(t.version));
    for tag in stable {
        if git.is_ancestor(&tag.commit, "HEAD")? {
            return Ok(Some(tag));
        }
    }
    Ok(None)
}

/// The sections the flags ask for.
pub fn sections(project: &Project, config: &Config, args: &ChangelogArgs) -> Result<Vec<Section>> {
    let git = Git::new(&project.sh);
    git.ensure_repo()?;
    if args.all {
        return all(project, &git, config);
    }
    if args.from.is_some() || args.to.is_some() {
        let to = args.to.clone().unwrap_or_else(|| "HEAD".to_owned());
        let to_sha = git.rev_parse(&to)?;
        let range = match &args.from {
            Some(from) => {
                git.rev_parse(from)?;
                format!("{from}..{to}")
            }
            None => to.clone(),
        };
        let commits = log(project, &[range])?;
        let title = args
            .tag
            .as_deref()
            .map(|t| ReleaseVersion::parse_tag(t).map(|v| v.to_string()))
            .transpose()?;
        return Ok(vec![config.section(
            title,
            day(git.commit_time(&to_sha)?)?,
            &commits,
        )]);
    }
    if let Some(tag) = &args.tag {
        let version = ReleaseVersion::parse_tag(tag)?;
        let tags = git.release_tags()?;
        if let Some(existing) = tags.iter().find(|t| t.version == version) {
            let reachable = git.release_tags_merged(&existing.commit)?;
            let range = match previous(&reachable, version) {
                Some(prev) => format!("{}..{}", prev.commit, existing.commit),
                None => existing.commit.clone(),
            };
            let commits = log(project, &[range])?;
            return Ok(vec![config.section(
                Some(version.to_string()),
                day(git.commit_time(&existing.commit)?)?,
                &commits,
            )]);
        }
        let head = git.head()?;
        let range = unreleased_range(&git)?;
        let commits = log(project, &[range])?;
        return Ok(vec![config.section(
            Some(version.to_string()),
            day(git.commit_time(&head)?)?,
            &commits,
        )]);
    }
    let head = git.head()?;
    let commits = log(project, &[unreleased_range(&git)?])?;
    Ok(vec![config.section(
        None,
        day(git.commit_time(&head)?)?,
        &commits,
    )])
}

fn unreleased_range(git: &Git<'_>) -> Result<String> {
    Ok(match latest_stable(git)? {
        Some(tag) => format!("{}..HEAD", tag.commit),
        None => "HEAD".to_owned(),
    })
}

/// The whole history, one section per stable tag (newest first), unreleased on top.
fn all(project: &Project, git: &Git<'_>, config: &Config) -> Result<Vec<Section>> {
    // Only tags on commits of HEAD's log can start a section, so every tag is listed
    // without asking git which are reachable (that would walk the history twice).
    let mut by_commit: BTreeMap<String, ReleaseVersion> = BTreeMap::new();
    for tag in git
        .release_tags()?
        .into_iter()
        .filter(|t| !t.version.is_rc())
    {
        let slot = by_commit.entry(tag.commit).or_insert(tag.version);
        *slot = (*slot).max(tag.version);
    }
    let commits = log_with_merges(project, &["HEAD".to_owned()])?;
    let mut sections = Vec::new();
    let mut current: (Option<ReleaseVersion>, Option<i64>) = (None, None);
    let mut bucket: Vec<RawCommit> = Vec::new();
    for (commit, merge) in commits {
        if let Some(version) = by_commit.get(&commit.sha) {
            if current.0.is_some() || !bucket.is_empty() {
                sections.push(finish(config, current, &bucket)?);
            }
            current = (Some(*version), Some(commit.time));
            bucket.clear();
        } else if current.1.is_none() {
            current.1 = Some(commit.time);
        }
        if !merge {
            bucket.push(commit);
        }
    }
    if current.0.is_some() || !bucket.is_empty() {
        sections.push(finish(config, current, &bucket)?);
    }
    Ok(sections)
}

fn finish(
    config: &Config,
    (version, time): (Option<ReleaseVersion>, Option<i64>),
    commits: &[RawCommit],
) -> Result<Section> {
    Ok(config.section(
        version.map(|v| v.to_string()),
        day(time.unwrap_or(0))?,
        commits,
    ))
}

/// The changelog configuration: `[changelog]` of the definition, or the defaults when
/// the project has no definition.
pub fn config(project: &Project) -> Result<Config> {
    if project.root.join(crate::dist::DEFINITION).is_file() {
        Ok(Definition::load(&project.root)?.changelog)
    } else {
        Ok(Config::default())
    }
}

fn lint(project: &Project, args: &ChangelogArgs) -> Result<()> {
    let git = Git::new(&project.sh);
    git.ensure_repo()?;
    let to = args.to.clone().unwrap_or_else(|| "HEAD".to_owned());
    let range = match &args.from {
        Some(from) => format!("{from}..{to}"),
        None => match latest_stable(&git)? {
            Some(tag) => format!("{}..{to}", tag.commit),
            None => to,
        },
    };
    let commits = log(project, std::slice::from_ref(&range))?;
    let mut bad = 0;
    for commit in &commits {
        let parsed = crate::changelog::parse(&commit.message);
        if let Some(problem) = parsed.problem {
            bad += 1;
            let subject = commit.message.lines().next().unwrap_or("");
            outln!("{} {subject}: {problem}", commit.short)?;
        }
    }
    if bad > 0 {
        bail!(
            "{bad} of {} commit(s) in {range} are not conventional commits; hint: reword them as `type(scope): description` (feat, fix, docs, …), with `!` for breaking changes",
            commits.len()
        );
    }
    eprintln!(
        "changelog: all {} commit(s) in {range} are conventional",
        commits.len()
    );
    Ok(())
}

pub fn run(project: &Project, args: &ChangelogArgs) -> Result<()> {
    if args.lint {
        return lint(project, args);
    }
    let config = config(project)?;
    let sections = sections(project, &config, args)?;
    let other: usize = sections.iter().map(Section::other_count).sum();
    let total: usize = sections.iter().map(|s| s.entries.len()).sum();
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&sections)?)?;
    } else {
        let text = config.render(&sections, &project.repository()?);
        match &args.output {
            Some(path) => {
                fsutil::write_atomically(path, text.as_bytes())?;
                eprintln!("changelog: wrote {}", path.display());
            }
            None => out!("{text}")?,
        }
    }
    eprintln!(
        "changelog: {total} commit(s) in {} section(s), {other} not conventional (listed under Other)",
        sections.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(name: &str) -> ReleaseTag {
        ReleaseTag {
            name: name.into(),
            version: ReleaseVersion::from_tag(name).unwrap(),
            commit: name.into(),
        }
    }

    #[test]
    fn previous_tag_rules() {
        let tags = [
            tag("v1.2.3"),
            tag("v1.3.0-rc1"),
            tag("v1.3.0-rc2"),
            tag("v1.3.0"),
        ];
        let v = |t: &str| ReleaseVersion::from_tag(t).unwrap();
        assert_eq!(
            previous(&tags, v("v1.3.0")).unwrap().name,
            "v1.2.3",
            "stable follows stable"
        );
        assert_eq!(
            previous(&tags, v("v1.3.0-rc2")).unwrap().name,
            "v1.3.0-rc1",
            "a candidate follows any tag"
        );
        assert!(previous(&tags, v("v1.2.3")).is_none());
    }
}
