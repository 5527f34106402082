// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The target platforms a release can be built for: the one table that maps a Rust
//! target triple to the `os` and `arch` words of artifact names.

use anyhow::{Result, bail};

/// A supported release target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub triple: &'static str,
    /// `linux` or `darwin`, as in archive names.
    pub os: &'static str,
    /// `amd64` or `arm64`, as in archive names.
    pub arch: &'static str,
}

/// Every target a release definition may name.
pub const TARGETS: &[Target] = &[
    Target {
        triple: "x86_64-unknown-linux-musl",
        os: "linux",
        arch: "amd64",
    },
    Target {
        triple: "aarch64-unknown-linux-musl",
        os: "linux",
        arch: "arm64",
    },
    Target {
        triple: "x86_64-apple-darwin",
        os: "darwin",
        arch: "amd64",
    },
    Target {
        triple: "aarch64-apple-darwin",
        os: "darwin",
        arch: "arm64",
    },
];

impl Target {
    /// Looks a triple up, with the list of supported ones in the error.
    pub fn parse(triple: &str) -> Result<Target> {
        match TARGETS.iter().find(|t| t.triple == triple) {
            Some(t) => Ok(*t),
            None => {
                let known: Vec<_> = TARGETS.iter().map(|t| t.triple).collect();
                bail!(
                    "unknown target '{triple}'; hint: supported targets are {}",
                    known.join(", ")
                )
            }
        }
    }

    /// The release target that runs on the machine building it, if any: same OS and
    /// architecture as the compiler's host.
    pub fn for_host(host_triple: &str) -> Option<Target> {
        let arch = host_triple.split('-').next()?;
        let os = if host_triple.contains("-linux-") {
            "linux"
        } else if host_triple.contains("-apple-darwin") {
            "darwin"
        } else {
            return None;
        };
        TARGETS
            .iter()
            .copied()
            .find(|t| t.os == os && t.triple.starts_with(&format!("{arch}-")))
    }
}

/// The platforms a Python image may be built for (and is by default): every linux
/// architecture of the release targets, as `linux/<arch>`.
pub fn linux_platforms() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for target in TARGETS.iter().filter(|t| t.os == "linux") {
        let platform = format!("linux/{}", target.arch);
        if !out.contains(&platform) {
            out.push(platform);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_known_and_refuse_unknown() {
        assert_eq!(Target::parse("aarch64-apple-darwin").unwrap().arch, "arm64");
        let err = Target::parse("x86_64-pc-windows-msvc")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown target 'x86_64-pc-windows-msvc'")
                && err.contains("x86_64-unknown-linux-musl")
        );
    }

    #[test]
    fn host_maps_to_the_static_target() {
        assert_eq!(
            Target::for_host("x86_64-unknown-linux-gnu").unwrap().triple,
            "x86_64-unknown-linux-musl"
        );
        assert_eq!(
            Target::for_host("aarch64-apple-darwin").unwrap().os,
            "darwin"
        );
        assert_eq!(Target::for_host("x86_64-pc-windows-msvc"), None);
    }
}
