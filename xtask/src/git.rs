// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Git, through the project's shell: every question the tasks ask of a repository, each
//! answered by one `git` invocation.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

/// The branch releases are tagged on (hotfix lines use `release/X.Y`).
pub const RELEASE_BRANCH: &str = "main";
/// The remote release tags are checked against and pushed to.
pub const RELEASE_REMOTE: &str = "origin";

/// A tag and the commit it points at (peeled for annotated tags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRef {
    pub name: String,
    pub commit: String,
}

/// The repository at the shell's working directory.
#[derive(Debug, Clone, Copy)]
pub struct Git<'a> {
    sh: &'a Shell,
}

impl<'a> Git<'a> {
    pub fn new(sh: &'a Shell) -> Git<'a> {
        Git { sh }
    }

    /// Fails with a hint when the directory is not inside a git work tree.
    pub fn ensure_repo(&self) -> Result<()> {
        let sh = self.sh;
        let inside = cmd!(sh, "git rev-parse --is-inside-work-tree")
            .quiet()
            .ignore_stderr()
            .read();
        match inside.as_deref() {
            Ok("true") => Ok(()),
            _ => bail!(
                "{} is not a git work tree; hint: run the task inside a clone of the repository",
                sh.current_dir().display()
            ),
        }
    }

    /// The full SHA of a revision.
    pub fn rev_parse(&self, rev: &str) -> Result<String> {
        let sh = self.sh;
        let spec = format!("{rev}^{{commit}}");
        let out = cmd!(sh, "git rev-parse --verify --quiet {spec}")
            .quiet()
            .ignore_status()
            .output()?;
        if !out.status.success() {
            bail!("'{rev}' does not name a commit");
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// The full SHA of HEAD, with a hint when the repository has no commit yet.
    pub fn head(&self) -> Result<String> {
        self.rev_parse("HEAD").map_err(|_| {
            anyhow::anyhow!("the repository has no commit yet; hint: make a first commit")
        })
    }

    /// The abbreviated SHA of a commit.
    pub fn short(&self, commit: &str) -> Result<String> {
        let sh = self.sh;
        Ok(cmd!(sh, "git rev-parse --short {commit}").quiet().read()?)
    }

    /// The text of `path` in the tree of `rev`.
    pub fn show_file(&self, rev: &str, path: &str) -> Result<String> {
        let sh = self.sh;
        let spec = format!("{rev}:{path}");
        cmd!(sh, "git show {spec}")
            .quiet()
            .ignore_stderr()
            .read()
            .with_context(|| format!("{rev} has no {path}"))
    }

    /// The committer time of a commit, in seconds since the epoch.
    pub fn commit_time(&self, commit: &str) -> Result<i64> {
        let sh = self.sh;
        let out = cmd!(sh, "git log -1 --format=%ct {commit}")
            .quiet()
            .read()?;
        out.trim()
            .parse()
            .with_context(|| format!("git printed '{out}' as the commit time of {commit}"))
    }

    /// `git status --porcelain` with untracked files (ignored files are not listed).
    pub fn status_porcelain(&self) -> Result<String> {
        let sh = self.sh;
        Ok(cmd!(sh, "git status --porcelain --untracked-files=all")
            .quiet()
            .read()?)
    }

    /// The checked-out branch, `None` on a detached HEAD.
    pub fn current_branch(&self) -> Result<Option<String>> {
        let sh = self.sh;
        let out = cmd!(sh, "git symbolic-ref --quiet --short HEAD")
            .quiet()
            .ignore_status()
            .read()?;
        Ok(if out.is_empty() { None } else { Some(out) })
    }

    /// Every local tag, in no particular order (see `history` for the release tags).
    pub fn tags(&self) -> Result<Vec<TagRef>> {
        let sh = self.sh;
        let format = "--format=%(refname:strip=2)%00%(objectname)%00%(*objectname)";
        let out = cmd!(sh, "git for-each-ref {format} refs/tags")
            .quiet()
            .read()?;
        Ok(out
            .lines()
            .filter_map(|line| {
                let mut fields = line.split('\0');
                let name = fields.next()?;
                let object = fields.next()?;
                let peeled = fields.next().unwrap_or("");
                let commit = if peeled.is_empty() { object } else { peeled };
                Some(TagRef {
                    name: name.to_owned(),
                    commit: commit.to_owned(),
                })
            })
            .collect())
    }

    /// Every tag on `remote`, name to commit (peeled), from `git ls-remote`.
    pub fn remote_tags(&self, remote: &str) -> Result<BTreeMap<String, String>> {
        let sh = self.sh;
        let out = cmd!(sh, "git ls-remote --tags {remote}")
            .quiet()
            .read()
            .with_context(|| format!("cannot list the tags of remote '{remote}'; hint: check `git remote -v` and your access"))?;
        let mut tags = BTreeMap::new();
        for line in out.lines() {
            let Some((sha, refname)) = line.split_once('\t') else {
                continue;
            };
            let Some(name) = refname.strip_prefix("refs/tags/") else {
                continue;
            };
            match name.strip_suffix("^{}") {
                // The peeled commit of an annotated tag wins over the tag object.
                Some(name) => {
                    tags.insert(name.to_owned(), sha.to_owned());
                }
                None => {
                    tags.entry(name.to_owned())
                        .or_insert_with(|| sha.to_owned());
                }
            }
        }
        Ok(tags)
    }

    /// Fetches `branch` of `remote` into `refs/remotes/<remote>/<branch>` (no tags).
    pub fn fetch_branch(&self, remote: &str, branch: &str) -> Result<()> {
        let sh = self.sh;
        let refspec = format!("+refs/heads/{branch}:refs/remotes/{remote}/{branch}");
        cmd!(sh, "git fetch --quiet --no-tags {remote} {refspec}")
            .quiet()
            .run()
            .with_context(|| format!("git fetch of {branch} from {remote} failed; hint: check the remote and that the branch exists there"))
    }

    /// Whether `ancestor` is an ancestor of (or equal to) `descendant`.
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> Result<bool> {
        let sh = self.sh;
        let status = cmd!(sh, "git merge-base --is-ancestor {ancestor} {descendant}")
            .quiet()
            .ignore_status()
            .output()?
            .status;
        match status.code() {
            Some(0) => Ok(true),
            Some(1) => Ok(false),
            _ => bail!("git merge-base --is-ancestor {ancestor} {descendant} failed"),
        }
    }

    /// The number of commits in `from..to` (all of `to`'s history when `from` is `None`).
    pub fn count_commits(&self, from: Option<&str>, to: &str) -> Result<u64> {
        let sh = self.sh;
        let range = match from {
            Some(from) => format!("{from}..{to}"),
            None => to.to_owned(),
        };
        let out = cmd!(sh, "git rev-list --count {range}").quiet().read()?;
        out.trim()
            .parse()
            .with_context(|| format!("git printed '{out}' as a commit count"))
    }

    /// Whether git is configured to sign annotated tags (`tag.gpgSign`).
    pub fn signs_tags(&self) -> Result<bool> {
        let sh = self.sh;
        let out = cmd!(sh, "git config --bool --get tag.gpgSign")
            .quiet()
            .ignore_status()
            .read()?;
        Ok(out == "true")
    }
}
