// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The output directory of a release (`target/dist/` unless `--out`) and its two
//! manifests, written by every step:
//!
//! `artifacts.json` (schema version 1):
//!
//! ```json
//! { "schema_version": 1,
//!   "artifacts": [ { "name": "aicr_1.2.3_linux_amd64.tar.gz",
//!                    "path": "aicr_1.2.3_linux_amd64.tar.gz",
//!                    "kind": "archive",
//!                    "target": "x86_64-unknown-linux-musl", "os": "linux", "arch": "amd64",
//!                    "size": 1234, "sha256": "…" } ] }
//! ```
//!
//! `kind` is one of `binary`, `archive`, `checksum`, `sbom`, `notices`, `provenance`,
//! `image`, `formula`; `path` is relative to the output directory; `target`, `os`,
//! `arch` are present for per-platform artifacts. Artifacts are sorted by path.
//! Binaries are build outputs; every other kind is a release asset.
//!
//! `metadata.json` (schema version 1): `project`, `version`, `tag` (null for
//! snapshots), `previous_tag`, `commit`, `short_commit`, `date`, `source_date_epoch`,
//! `dirty`, `snapshot`.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::fsutil;
use crate::targets::Target;
use crate::version::BuildStamp;

pub const ARTIFACTS: &str = "artifacts.json";
pub const METADATA: &str = "metadata.json";
/// The release journal: which steps of a release ran, written as each finishes.
pub const JOURNAL: &str = "release-state.json";
pub const SCHEMA_VERSION: u32 = 1;

/// What an artifact is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Binary,
    Archive,
    Checksum,
    Sbom,
    Notices,
    Provenance,
    Image,
    /// The SPDX SBOM of an image's index, as a file (also signed and attached to the
    /// image as a referrer).
    #[serde(rename = "image-sbom")]
    ImageSbom,
    Formula,
}

impl Kind {
    /// Whether the artifact is published with the release and listed in the checksum
    /// file. The provenance is published too, but its subjects are the checksum file's
    /// entries, so it cannot be one of them; the formula goes to the Homebrew tap.
    pub fn is_release_asset(self) -> bool {
        !matches!(
            self,
            Kind::Binary
                | Kind::Checksum
                | Kind::Image
                | Kind::ImageSbom
                | Kind::Provenance
                | Kind::Formula
        )
    }
}

/// One entry of `artifacts.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    pub name: String,
    pub path: String,
    pub kind: Kind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    pub size: u64,
    pub sha256: String,
}

impl Artifact {
    /// Describes the file at `out/path`, hashing it.
    pub fn of_file(out: &Path, path: &str, kind: Kind, target: Option<Target>) -> Result<Artifact> {
        let (sha256, size) = fsutil::sha256_file(&out.join(path))?;
        let name = path.rsplit('/').next().unwrap_or(path).to_owned();
        Ok(Artifact {
            name,
            path: path.to_owned(),
            kind,
            target: target.map(|t| t.triple.to_owned()),
            os: target.map(|t| t.os.to_owned()),
            arch: target.map(|t| t.arch.to_owned()),
            size,
            sha256,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema_version: u32,
    pub artifacts: Vec<Artifact>,
}

/// `metadata.json`: what release the output directory holds: the project, the build
/// stamp of the commit it was built from, and whether it is a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    pub schema_version: u32,
    pub project: String,
    #[serde(flatten)]
    pub build: BuildStamp,
    pub snapshot: bool,
}

impl std::ops::Deref for Metadata {
    type Target = BuildStamp;

    fn deref(&self) -> &BuildStamp {
        &self.build
    }
}

/// A release output directory.
#[derive(Debug, Clone)]
pub struct OutDir {
    pub path: PathBuf,
}

impl OutDir {
    pub fn new(path: PathBuf) -> OutDir {
        OutDir { path }
    }

    /// Empties the directory (creating it), so a run starts from nothing.
    pub fn reset(&self) -> Result<()> {
        if self.path.exists() {
            fs::remove_dir_all(&self.path)
                .with_context(|| format!("cannot clean {}", self.path.display()))?;
        }
        fs::create_dir_all(&self.path)
            .with_context(|| format!("cannot create {}", self.path.display()))
    }

    pub fn join(&self, relative: &str) -> PathBuf {
        self.path.join(relative)
    }

    fn write_json<T: Serialize>(&self, name: &str, value: &T) -> Result<()> {
        let mut text = serde_json::to_string_pretty(value)?;
        text.push('\n');
        fsutil::write_atomically(&self.join(name), text.as_bytes())
    }

    pub fn write_metadata(&self, metadata: &Metadata) -> Result<()> {
        self.write_json(METADATA, metadata)
    }

    /// Reads `metadata.json`, with a hint when an earlier step has not run.
    pub fn metadata(&self) -> Result<Metadata> {
        let path = self.join(METADATA);
        let text = fs::read_to_string(&path).with_context(|| {
            format!(
                "{} is missing; hint: run cargo xtask cross-build (or release --snapshot) first",
                path.display()
            )
        })?;
        serde_json::from_str(&text).with_context(|| format!("{} is not valid", path.display()))
    }

    /// Reads `artifacts.json` (empty when absent).
    pub fn manifest(&self) -> Result<Manifest> {
        let path = self.join(ARTIFACTS);
        match fs::read_to_string(&path) {
            Ok(text) => {
                let manifest: Manifest = serde_json::from_str(&text)
                    .with_context(|| format!("{} is not valid", path.display()))?;
                if manifest.schema_version != SCHEMA_VERSION {
                    bail!(
                        "{} has schema version {}, this xtask writes {SCHEMA_VERSION}; hint: rebuild the release",
                        path.display(),
                        manifest.schema_version
                    );
                }
                Ok(manifest)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest {
                schema_version: SCHEMA_VERSION,
                artifacts: Vec::new(),
            }),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Adds artifacts to `artifacts.json`, replacing entries with the same path.
    pub fn record(&self, new: Vec<Artifact>) -> Result<()> {
        let mut manifest = self.manifest()?;
        manifest
            .artifacts
            .retain(|a| !new.iter().any(|n| n.path == a.path));
        manifest.artifacts.extend(new);
        manifest.artifacts.sort_by(|a, b| a.path.cmp(&b.path));
        self.write_json(ARTIFACTS, &manifest)
    }
}
