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

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::changelog::{Section, Selection, log, sections};
use crate::dist::changelog_config;
use crate::flags::ChangelogArgs;
use crate::fsutil;
use crate::git::Git;
use crate::history::ReleaseHistory;
use crate::project::Project;

/// What `changelog` is asked to do; the `changelog` flags map onto it.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The commits to describe (or, with `lint`, to check: `from` and `to`).
    pub selection: Selection,
    /// Write the Markdown here instead of stdout.
    pub output: Option<PathBuf>,
    /// Print the sections as JSON.
    pub json: bool,
    /// Check the commit subjects instead of writing notes.
    pub lint: bool,
}

impl From<&ChangelogArgs> for Options {
    fn from(args: &ChangelogArgs) -> Options {
        Options {
            selection: Selection {
                all: args.all,
                from: args.from.clone(),
                to: args.to.clone(),
                tag: args.tag.clone(),
            },
            output: args.output.clone(),
            json: args.json,
            lint: args.lint,
        }
    }
}

fn lint(project: &Project, selection: &Selection) -> Result<()> {
    let git = Git::new(&project.sh);
    git.ensure_repo()?;
    let to = selection.to.clone().unwrap_or_else(|| "HEAD".to_owned());
    let range = match &selection.from {
        Some(from) => format!("{from}..{to}"),
        None => match ReleaseHistory::read(git)?.latest_stable("HEAD")? {
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
    errln!(
        "changelog: all {} commit(s) in {range} are conventional",
        commits.len()
    );
    Ok(())
}

pub fn run(project: &Project, args: &Options) -> Result<()> {
    if args.lint {
        return lint(project, &args.selection);
    }
    let config = changelog_config(project)?;
    let sections = sections(project, &config, &args.selection)?;
    let other: usize = sections.iter().map(Section::other_count).sum();
    let total: usize = sections.iter().map(|s| s.entries.len()).sum();
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&sections)?)?;
    } else {
        let text = config.render(&sections, &project.repository()?);
        match &args.output {
            Some(path) => {
                fsutil::write_atomically(path, text.as_bytes())?;
                errln!("changelog: wrote {}", path.display());
            }
            None => out!("{text}")?,
        }
    }
    errln!(
        "changelog: {total} commit(s) in {} section(s), {other} not conventional (listed under Other)",
        sections.len()
    );
    Ok(())
}
