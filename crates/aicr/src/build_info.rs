// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Build identity of a binary: the release version, short commit and commit date.
//!
//! The release tooling (`cargo xtask build`, `cargo xtask release`) sets three variables
//! when it compiles the product crates; the compiler records them, and cargo rebuilds
//! when they change:
//!
//! | variable       | example                | without it |
//! |----------------|------------------------|------------|
//! | `AICR_VERSION` | `0.11.1` (no `v`)      | `dev`      |
//! | `AICR_COMMIT`  | `bc05c6b`              | `unknown`  |
//! | `AICR_DATE`    | `2026-03-21T10:00:00Z` | `unknown`  |
//!
//! A plain `cargo build` therefore says `dev (commit: unknown, date: unknown)`. Every
//! binary prints its version line through [`BuildInfo::version_line`], so the format
//! lives in this one place.
//!
//! The version sits in a fixed slot of [`VERSION_SLOT`] bytes, NUL-padded, read at run
//! time through an optimization barrier: the compiler neither copies it into the code
//! nor knows its length. Two builds of one commit stamped with versions of different
//! lengths (a release candidate and its promotion) therefore differ in these bytes
//! only, which `cargo xtask rebuild --expect-promotion` checks.

use std::fmt;
use std::sync::LazyLock;

/// The identity of this build, as stamped at compile time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildInfo {
    /// Release version without a leading `v`, or `dev`.
    pub version: &'static str,
    /// Short commit SHA, or `unknown`.
    pub commit: &'static str,
    /// Commit date as RFC 3339 UTC, or `unknown`.
    pub date: &'static str,
}

/// The build identity of the crate being compiled (see the module docs).
pub static BUILD: LazyLock<BuildInfo> = LazyLock::new(|| BuildInfo {
    version: from_slot(std::hint::black_box(&VERSION)),
    commit: non_empty(option_env!("AICR_COMMIT"), "unknown"),
    date: non_empty(option_env!("AICR_DATE"), "unknown"),
});

/// The bytes a binary reserves for its version.
pub const VERSION_SLOT: usize = 64;

/// `AICR_VERSION`, NUL-padded to [`VERSION_SLOT`] bytes.
static VERSION: [u8; VERSION_SLOT] = slot(option_env!("AICR_VERSION"));

/// A version in its slot; one that does not fit fails the build.
const fn slot(value: Option<&str>) -> [u8; VERSION_SLOT] {
    let mut slot = [0u8; VERSION_SLOT];
    if let Some(value) = value {
        let bytes = value.as_bytes();
        assert!(
            bytes.len() < VERSION_SLOT,
            "AICR_VERSION is longer than the version slot"
        );
        let mut i = 0;
        while i < bytes.len() {
            slot[i] = bytes[i];
            i += 1;
        }
    }
    slot
}

/// The version in a slot: the bytes before the first NUL, or `dev` when there are none.
fn from_slot(slot: &'static [u8]) -> &'static str {
    let len = slot.iter().position(|b| *b == 0).unwrap_or(slot.len());
    match std::str::from_utf8(&slot[..len]) {
        Ok(version) if !version.is_empty() => version,
        _ => "dev",
    }
}

const fn non_empty(value: Option<&'static str>, fallback: &'static str) -> &'static str {
    match value {
        Some(v) if !v.is_empty() => v,
        _ => fallback,
    }
}

impl BuildInfo {
    /// The text after `--version`'s program name: `0.11.1 (commit: bc05c6b, date: …)`.
    ///
    /// clap prints `<name> <this>` for `--version`; [`BuildInfo::version_line`] adds the
    /// word `version` for the `version` subcommands.
    pub fn long_version(&self) -> String {
        format!(
            "{} (commit: {}, date: {})",
            self.version, self.commit, self.date
        )
    }

    /// The value to give clap's `Command::version` so that `<program> --version` prints
    /// exactly [`BuildInfo::version_line`] (clap prints `<program> <value>`).
    pub fn clap_version(&self) -> String {
        format!("version {}", self.long_version())
    }

    /// The full version line of a binary: `aicr version 0.11.1 (commit: …, date: …)`.
    pub fn version_line(&self, program: &str) -> String {
        format!("{program} version {}", self.long_version())
    }
}

impl fmt::Display for BuildInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.long_version())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_line_matches_the_documented_shape() {
        let info = BuildInfo {
            version: "0.11.1",
            commit: "bc05c6b",
            date: "2026-03-21T10:00:00Z",
        };
        assert_eq!(
            info.version_line("aicr"),
            "aicr version 0.11.1 (commit: bc05c6b, date: 2026-03-21T10:00:00Z)"
        );
    }

    #[test]
    fn the_version_slot_holds_the_version_padded_with_nul() {
        static STAMPED: [u8; VERSION_SLOT] = slot(Some("1.3.0-rc2"));
        static EMPTY: [u8; VERSION_SLOT] = slot(None);
        assert_eq!(&STAMPED[..10], b"1.3.0-rc2\0");
        assert!(STAMPED[9..].iter().all(|b| *b == 0));
        assert_eq!(from_slot(&STAMPED), "1.3.0-rc2");
        assert_eq!(from_slot(&EMPTY), "dev");
        assert_eq!(
            BUILD.version,
            non_empty(option_env!("AICR_VERSION"), "dev"),
            "the slot reads back what the build was given"
        );
    }

    #[test]
    fn missing_or_empty_variables_fall_back() {
        assert_eq!(non_empty(None, "dev"), "dev");
        assert_eq!(non_empty(Some(""), "dev"), "dev");
        assert_eq!(non_empty(Some("1.2.3"), "dev"), "1.2.3");
    }
}
