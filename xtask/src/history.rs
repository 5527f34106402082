// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The release history of a repository: its release tags, read once from the raw refs
//! `git` lists, and every question the tasks ask of them (the latest stable release,
//! the release before another, what decides the next version, the build stamp of
//! HEAD). `bump`, `changelog`, `version`, `build`, `cross-build` and `plan` all ask
//! here, so they agree.
//!
//! Reachability is decided by `git merge-base --is-ancestor`, tags tried from the
//! highest version down: on a release branch the first check usually decides, where
//! asking git for every tag merged into a commit walks the whole history.

use std::collections::BTreeMap;

use anyhow::{Result, bail};

use crate::git::{Git, TagRef};
use crate::version::{BuildStamp, ReleaseVersion, rfc3339, stamp_version};

/// A release tag and the commit it points at (peeled for annotated tags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseTag {
    pub name: String,
    pub version: ReleaseVersion,
    pub commit: String,
}

impl ReleaseTag {
    /// The release tag a ref is, `None` when its name is no release tag.
    pub fn from_ref(tag: TagRef) -> Option<ReleaseTag> {
        Some(ReleaseTag {
            version: ReleaseVersion::from_tag(&tag.name)?,
            name: tag.name,
            commit: tag.commit,
        })
    }
}

/// The tag a release's notes start from, and the release it follows: for a stable
/// version the previous stable tag, for a candidate the previous tag of any kind.
pub fn previous(tags: &[ReleaseTag], of: ReleaseVersion) -> Option<&ReleaseTag> {
    tags.iter()
        .filter(|t| follows(of, t.version))
        .max_by_key(|t| t.version)
}

/// Whether a release `of` may follow `earlier` (see [`previous`]).
fn follows(of: ReleaseVersion, earlier: ReleaseVersion) -> bool {
    earlier < of && (of.is_rc() || !earlier.is_rc())
}

/// The release tags of `remote`, name to commit, from `git ls-remote`.
pub fn remote_release_tags(git: &Git<'_>, remote: &str) -> Result<BTreeMap<String, String>> {
    Ok(git
        .remote_tags(remote)?
        .into_iter()
        .filter(|(name, _)| ReleaseVersion::from_tag(name).is_some())
        .collect())
}

/// Every local release tag of a repository, newest version first.
#[derive(Debug)]
pub struct ReleaseHistory<'a> {
    git: Git<'a>,
    tags: Vec<ReleaseTag>,
}

impl<'a> ReleaseHistory<'a> {
    /// Reads the release tags, one `git for-each-ref`.
    pub fn read(git: Git<'a>) -> Result<ReleaseHistory<'a>> {
        let mut tags: Vec<ReleaseTag> = git
            .tags()?
            .into_iter()
            .filter_map(ReleaseTag::from_ref)
            .collect();
        tags.sort_by(|a, b| b.version.cmp(&a.version).then(a.name.cmp(&b.name)));
        Ok(ReleaseHistory { git, tags })
    }

    /// Every local release tag, newest version first.
    pub fn tags(&self) -> &[ReleaseTag] {
        &self.tags
    }

    /// Every local release version, newest first.
    pub fn versions(&self) -> Vec<ReleaseVersion> {
        self.tags.iter().map(|t| t.version).collect()
    }

    /// The tag of `version`, if it exists locally.
    pub fn find(&self, version: ReleaseVersion) -> Option<&ReleaseTag> {
        self.tags.iter().find(|t| t.version == version)
    }

    /// The newest tag reachable from `rev` (an ancestor of it, or on it) that `wanted`
    /// accepts.
    pub fn newest_reachable(
        &self,
        rev: &str,
        wanted: impl Fn(ReleaseVersion) -> bool,
    ) -> Result<Option<&ReleaseTag>> {
        for tag in self.tags.iter().filter(|t| wanted(t.version)) {
            if self.git.is_ancestor(&tag.commit, rev)? {
                return Ok(Some(tag));
            }
        }
        Ok(None)
    }

    /// The latest stable release reachable from `rev`.
    pub fn latest_stable(&self, rev: &str) -> Result<Option<&ReleaseTag>> {
        self.newest_reachable(rev, |v| !v.is_rc())
    }

    /// The release `of` follows among those reachable from `rev` (see [`previous`]):
    /// the rule's answer, or when that is not reachable, its answer without it.
    pub fn previous(&self, of: ReleaseVersion, rev: &str) -> Result<Option<&ReleaseTag>> {
        let mut candidates = self.tags.clone();
        while let Some(tag) = previous(&candidates, of) {
            if self.git.is_ancestor(&tag.commit, rev)? {
                return Ok(self.find(tag.version));
            }
            let version = tag.version;
            candidates.retain(|t| t.version != version);
        }
        Ok(None)
    }

    /// What decides the next version from `rev`: the newest release and the latest
    /// stable release reachable from it (one of them when they are the same).
    pub fn heads(&self, rev: &str) -> Result<Vec<ReleaseVersion>> {
        let mut heads: Vec<ReleaseVersion> = self
            .newest_reachable(rev, |_| true)?
            .into_iter()
            .chain(self.latest_stable(rev)?)
            .map(|t| t.version)
            .collect();
        heads.dedup();
        Ok(heads)
    }

    /// The stamp of a build of HEAD. A `snapshot` ignores a release tag at HEAD: it is
    /// never mistaken for the release. As the release `tag` when given: a candidate
    /// promoted on the same commit (`v1.3.0-rc2` and `v1.3.0`) is built as itself, not as
    /// the highest tag at HEAD; `tag` must point at HEAD.
    pub fn stamp(&self, snapshot: bool, tag: Option<&str>) -> Result<BuildStamp> {
        let git = &self.git;
        let commit = git.head()?;
        let short_commit = git.short(&commit)?;
        let epoch = git.commit_time(&commit)?;
        let date = rfc3339(epoch)?;
        let dirty = !git.status_porcelain()?.is_empty();
        let wanted = tag.map(ReleaseVersion::parse_tag).transpose()?;
        let at_head = self
            .tags
            .iter()
            .filter(|t| t.commit == commit && !snapshot)
            .map(|t| t.version)
            .filter(|v| wanted.is_none_or(|w| w == *v))
            .max();
        if let (Some(tag), None, false) = (tag, at_head, snapshot) {
            bail!("{tag} does not point at HEAD ({short_commit}); hint: check out {tag}");
        }
        let latest_stable = self.latest_stable(&commit)?.map(|t| t.version);
        let previous = match at_head {
            Some(current) => self.previous(current, &commit)?,
            None => self.newest_reachable(&commit, |_| true)?,
        };
        let version = stamp_version(at_head, latest_stable, &short_commit, dirty);
        Ok(BuildStamp {
            version,
            tag: at_head.map(|v| v.tag()),
            previous_tag: previous.map(|t| t.version.tag()),
            commit,
            short_commit,
            date,
            source_date_epoch: epoch,
            dirty,
        })
    }
}

impl BuildStamp {
    /// Reads the stamp of HEAD from git (see [`ReleaseHistory::stamp`]).
    pub fn of_head(git: &Git<'_>, snapshot: bool) -> Result<BuildStamp> {
        ReleaseHistory::read(*git)?.stamp(snapshot, None)
    }

    /// Like [`BuildStamp::of_head`], as the release `tag` when given.
    pub fn of_head_as(git: &Git<'_>, snapshot: bool, tag: Option<&str>) -> Result<BuildStamp> {
        ReleaseHistory::read(*git)?.stamp(snapshot, tag)
    }
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
