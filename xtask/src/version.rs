// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Release versions: the only place that knows what a release tag looks like, how
//! versions order and bump, and which version a build of the current checkout carries.
//!
//! Release tags are `vMAJOR.MINOR.PATCH` (stable) and `vMAJOR.MINOR.PATCH-rcN` (release
//! candidate). Any other tag is not a release tag and is ignored. Candidates order by
//! their number (`rc10 > rc9`) and before the stable version they lead to.

use std::cmp::Ordering;
use std::fmt;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// A release version as written in a tag, without the `v`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReleaseVersion {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    /// The release-candidate number, `None` for a stable release.
    pub rc: Option<u64>,
}

impl ReleaseVersion {
    pub const ZERO: ReleaseVersion = ReleaseVersion {
        major: 0,
        minor: 0,
        patch: 0,
        rc: None,
    };

    /// Parses a release tag (`v1.2.3`, `v1.2.3-rc4`); `None` for anything else.
    pub fn from_tag(tag: &str) -> Option<ReleaseVersion> {
        let version = semver::Version::parse(tag.strip_prefix('v')?).ok()?;
        if !version.build.is_empty() {
            return None;
        }
        let rc = match version.pre.as_str() {
            "" => None,
            pre => {
                let digits = pre.strip_prefix("rc")?;
                // A numeric identifier of semver: digits only, no leading zero, at least 1.
                if digits.is_empty()
                    || !digits.bytes().all(|b| b.is_ascii_digit())
                    || digits.starts_with('0')
                {
                    return None;
                }
                Some(digits.parse().ok()?)
            }
        };
        Some(ReleaseVersion {
            major: version.major,
            minor: version.minor,
            patch: version.patch,
            rc,
        })
    }

    /// Like [`ReleaseVersion::from_tag`], with an error that says what a tag must look like.
    pub fn parse_tag(tag: &str) -> Result<ReleaseVersion> {
        ReleaseVersion::from_tag(tag).with_context(|| {
            format!(
                "'{tag}' is not a release tag; hint: release tags look like v1.2.3 or v1.2.3-rc1"
            )
        })
    }

    pub fn is_rc(&self) -> bool {
        self.rc.is_some()
    }

    /// The stable version this one is (or leads to).
    pub fn stable(self) -> ReleaseVersion {
        ReleaseVersion { rc: None, ..self }
    }

    pub fn with_rc(self, n: u64) -> ReleaseVersion {
        ReleaseVersion {
            rc: Some(n),
            ..self
        }
    }

    pub fn next_patch(self) -> ReleaseVersion {
        ReleaseVersion {
            major: self.major,
            minor: self.minor,
            patch: self.patch + 1,
            rc: None,
        }
    }

    pub fn next_minor(self) -> ReleaseVersion {
        ReleaseVersion {
            major: self.major,
            minor: self.minor + 1,
            patch: 0,
            rc: None,
        }
    }

    pub fn next_major(self) -> ReleaseVersion {
        ReleaseVersion {
            major: self.major + 1,
            minor: 0,
            patch: 0,
            rc: None,
        }
    }

    /// The tag name, `v1.2.3` or `v1.2.3-rc1`.
    pub fn tag(&self) -> String {
        format!("v{self}")
    }
}

impl fmt::Display for ReleaseVersion {
    /// The version without `v`, as binaries and archive names carry it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if let Some(n) = self.rc {
            write!(f, "-rc{n}")?;
        }
        Ok(())
    }
}

impl Ord for ReleaseVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.rc, other.rc) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => a.cmp(&b),
            })
    }
}

impl PartialOrd for ReleaseVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// What a build of the current checkout is stamped with (see `aicr::build_info`); read
/// by [`crate::history::ReleaseHistory::stamp`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildStamp {
    /// `1.2.3` on a tagged clean HEAD; otherwise a snapshot version (see [`stamp_version`]).
    pub version: String,
    /// The release tag at HEAD, if any.
    pub tag: Option<String>,
    /// The release this one follows: the previous stable tag for a stable release, the
    /// previous tag of any kind otherwise.
    pub previous_tag: Option<String>,
    /// Full commit SHA.
    pub commit: String,
    /// Short commit SHA (7 hex digits or more when ambiguous).
    pub short_commit: String,
    /// Commit time, RFC 3339 UTC.
    pub date: String,
    /// Commit time, seconds since the epoch: the SOURCE_DATE_EPOCH of every artifact.
    pub source_date_epoch: i64,
    /// Whether the working tree has uncommitted changes.
    pub dirty: bool,
}

/// The version a build carries:
///
/// - HEAD has a release tag, clean tree: the tag's version, `1.2.3` or `1.3.0-rc1`;
/// - HEAD has a release tag, dirty tree: `1.2.3+dirty`;
/// - otherwise the next patch of the latest stable tag reachable from HEAD as a snapshot:
///   `1.2.4-snapshot+abc1234` (`+abc1234.dirty` with uncommitted changes).
pub fn stamp_version(
    at_head: Option<ReleaseVersion>,
    latest_stable: Option<ReleaseVersion>,
    short_commit: &str,
    dirty: bool,
) -> String {
    match (at_head, dirty) {
        (Some(v), false) => v.to_string(),
        (Some(v), true) => format!("{v}+dirty"),
        (None, _) => {
            let next = latest_stable.unwrap_or(ReleaseVersion::ZERO).next_patch();
            let dirty = if dirty { ".dirty" } else { "" };
            format!("{next}-snapshot+{short_commit}{dirty}")
        }
    }
}

/// Formats seconds since the epoch as RFC 3339 UTC, `2026-03-21T10:00:00Z`.
pub fn rfc3339(epoch: i64) -> Result<String> {
    let ts = jiff::Timestamp::from_second(epoch)
        .with_context(|| format!("commit time {epoch} is out of range"))?;
    Ok(ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(tag: &str) -> ReleaseVersion {
        ReleaseVersion::from_tag(tag).unwrap_or_else(|| panic!("{tag} should parse"))
    }

    #[test]
    fn release_tags_parse_and_others_do_not() {
        assert_eq!(
            v("v1.2.3"),
            ReleaseVersion {
                major: 1,
                minor: 2,
                patch: 3,
                rc: None
            }
        );
        assert_eq!(v("v1.2.3-rc10").rc, Some(10));
        for other in [
            "1.2.3",
            "v1.2",
            "v1.2.3.4",
            "v01.2.3",
            "v1.2.3-beta1",
            "v1.2.3-rc",
            "v1.2.3-rc0",
            "v1.2.3-rc01",
            "v1.2.3+build",
            "v1.2.3-rc1.1",
            "latest",
            "vx.y.z",
            "",
        ] {
            assert_eq!(ReleaseVersion::from_tag(other), None, "{other}");
        }
    }

    #[test]
    fn candidates_order_numerically_and_before_their_release() {
        let mut tags = [
            v("v1.3.0"),
            v("v1.3.0-rc10"),
            v("v1.2.9"),
            v("v1.3.0-rc9"),
            v("v1.3.0-rc1"),
        ];
        tags.sort();
        let names: Vec<_> = tags.iter().map(ReleaseVersion::tag).collect();
        assert_eq!(
            names,
            [
                "v1.2.9",
                "v1.3.0-rc1",
                "v1.3.0-rc9",
                "v1.3.0-rc10",
                "v1.3.0"
            ]
        );
    }

    #[test]
    fn bumps() {
        let base = v("v1.2.3");
        assert_eq!(base.next_patch().tag(), "v1.2.4");
        assert_eq!(base.next_minor().tag(), "v1.3.0");
        assert_eq!(base.next_major().tag(), "v2.0.0");
        assert_eq!(base.next_minor().with_rc(1).tag(), "v1.3.0-rc1");
        assert_eq!(v("v1.3.0-rc2").stable().tag(), "v1.3.0");
        assert_eq!(v("v1.3.0-rc2").to_string(), "1.3.0-rc2");
    }

    #[test]
    fn stamp_versions() {
        assert_eq!(
            stamp_version(Some(v("v1.2.3")), Some(v("v1.2.3")), "abc1234", false),
            "1.2.3"
        );
        assert_eq!(
            stamp_version(Some(v("v1.3.0-rc1")), Some(v("v1.2.3")), "abc1234", false),
            "1.3.0-rc1"
        );
        assert_eq!(
            stamp_version(Some(v("v1.2.3")), None, "abc1234", true),
            "1.2.3+dirty"
        );
        assert_eq!(
            stamp_version(None, Some(v("v1.2.3")), "abc1234", false),
            "1.2.4-snapshot+abc1234"
        );
        assert_eq!(
            stamp_version(None, None, "abc1234", true),
            "0.0.1-snapshot+abc1234.dirty"
        );
        for version in [
            "1.2.3",
            "1.2.4-snapshot+abc1234",
            "0.0.1-snapshot+abc1234.dirty",
        ] {
            assert!(
                semver::Version::parse(version).is_ok(),
                "{version} is semver"
            );
        }
    }

    #[test]
    fn dates_are_rfc3339_utc_seconds() {
        assert_eq!(rfc3339(1_767_323_045).unwrap(), "2026-01-02T03:04:05Z");
        assert_eq!(rfc3339(0).unwrap(), "1970-01-01T00:00:00Z");
    }
}
