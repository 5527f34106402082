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

use std::fmt;

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
pub const BUILD: BuildInfo = BuildInfo {
    version: non_empty(option_env!("AICR_VERSION"), "dev"),
    commit: non_empty(option_env!("AICR_COMMIT"), "unknown"),
    date: non_empty(option_env!("AICR_DATE"), "unknown"),
};

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
    fn missing_or_empty_variables_fall_back() {
        assert_eq!(non_empty(None, "dev"), "dev");
        assert_eq!(non_empty(Some(""), "dev"), "dev");
        assert_eq!(non_empty(Some("1.2.3"), "dev"), "1.2.3");
    }
}
