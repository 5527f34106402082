// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The release assets: every file a release of a version publishes, named here and
//! nowhere else. The names follow from the release definition and the version:
//!
//! - an archive per (binary, target, format): `<binary>_<version>_<os>_<arch>.<ext>`;
//! - its SBOM: the archive's name without `.tar.gz` (a zip keeps `.zip`), then
//!   `.spdx.json`;
//! - the notices file of the definition, when it has one;
//! - the checksum file of the definition (`<project>_checksums.txt`);
//! - the provenance bundle `<project>_<version>.intoto.jsonl` and the public key of its
//!   signature, `<project>_<version>.pub`.
//!
//! Packaging, SBOMs, checksums, attestation, the plan and the Homebrew formula read
//! the names from [`Assets`]; `verify`, which reads a downloaded release without its
//! definition, recognizes them by [`Role::of`].

use anyhow::Result;

use crate::artifacts::{Artifact, Kind, OutDir};
use crate::dist::{Definition, Format};
use crate::targets::Target;

/// The extension of an SPDX SBOM, of an archive or of an image.
pub const SBOM_EXTENSION: &str = ".spdx.json";
/// The extension of a provenance bundle (DSSE envelopes, one a line).
pub const PROVENANCE_EXTENSION: &str = ".intoto.jsonl";
/// The extension of the public key beside the provenance.
pub const PUBLIC_KEY_EXTENSION: &str = ".pub";
/// How the name of a checksum file ends, as `verify` finds it in a release directory.
pub const CHECKSUM_FILE_SUFFIX: &str = "_checksums.txt";

/// One release asset: its file name, what it is, the target it was made for (archives
/// and SBOMs), and its path relative to the output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    pub name: String,
    pub kind: Kind,
    pub target: Option<Target>,
    pub path: String,
}

impl Asset {
    /// An asset at the top of the output directory.
    fn new(name: String, kind: Kind, target: Option<Target>) -> Asset {
        Asset {
            path: name.clone(),
            name,
            kind,
            target,
        }
    }

    /// Describes the asset's file in `out`, hashing it.
    pub fn artifact(&self, out: &OutDir) -> Result<Artifact> {
        Artifact::of_file(&out.path, &self.path, self.kind, self.target)
    }
}

/// One archive of a release: a binary for a target in a format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivePlan {
    /// `<binary>_<version>_<os>_<arch>.<ext>`
    pub name: String,
    pub binary: String,
    pub target: Target,
    pub format: Format,
    pub files: Vec<String>,
}

impl ArchivePlan {
    pub fn asset(&self) -> Asset {
        Asset::new(self.name.clone(), Kind::Archive, Some(self.target))
    }

    /// The SBOM of the archive.
    pub fn sbom(&self) -> Asset {
        Asset::new(sbom_name(&self.name), Kind::Sbom, Some(self.target))
    }
}

/// The name of an archive.
fn archive_name(binary: &str, version: &str, target: &Target, format: Format) -> String {
    format!(
        "{binary}_{version}_{}_{}.{}",
        target.os,
        target.arch,
        format.extension()
    )
}

/// The name of an SBOM document (its SPDX `name`): the archive's name without
/// `.tar.gz`.
pub fn sbom_stem(archive: &str) -> &str {
    archive
        .strip_suffix(&format!(".{}", Format::TarGz.extension()))
        .unwrap_or(archive)
}

/// The SBOM file name of an archive.
pub fn sbom_name(archive: &str) -> String {
    format!("{}{SBOM_EXTENSION}", sbom_stem(archive))
}

/// The SBOM file name of the image `image`.
pub fn image_sbom_name(image: &str) -> String {
    format!("{image}{SBOM_EXTENSION}")
}

/// The checksum file of the definition: `sha256sum` lines for every release asset.
pub fn checksum_file(def: &Definition) -> Asset {
    Asset::new(def.checksums.clone(), Kind::Checksum, None)
}

/// The release assets of one version, as the definition describes them.
#[derive(Debug, Clone, Copy)]
pub struct Assets<'a> {
    def: &'a Definition,
    version: &'a str,
}

impl<'a> Assets<'a> {
    pub fn new(def: &'a Definition, version: &'a str) -> Assets<'a> {
        Assets { def, version }
    }

    /// Every archive, restricted to `only` targets when given, sorted by name.
    pub fn archives(&self, only: Option<&[Target]>) -> Vec<ArchivePlan> {
        let mut plans: Vec<ArchivePlan> = self
            .def
            .binaries
            .iter()
            .flat_map(|bin| {
                bin.targets
                    .iter()
                    .filter(move |t| only.is_none_or(|only| only.contains(t)))
                    .flat_map(move |target| {
                        bin.formats.iter().map(move |format| ArchivePlan {
                            name: archive_name(&bin.name, self.version, target, *format),
                            binary: bin.name.clone(),
                            target: *target,
                            format: *format,
                            files: bin.files.clone(),
                        })
                    })
            })
            .collect();
        plans.sort_by(|a, b| a.name.cmp(&b.name));
        plans
    }

    /// The notices file, when the definition has one.
    pub fn notices(&self) -> Option<Asset> {
        self.def
            .notices
            .as_ref()
            .map(|name| Asset::new(name.clone(), Kind::Notices, None))
    }

    pub fn checksum_file(&self) -> Asset {
        checksum_file(self.def)
    }

    /// The provenance bundle.
    pub fn provenance(&self) -> Asset {
        Asset::new(
            format!(
                "{}_{}{PROVENANCE_EXTENSION}",
                self.def.project, self.version
            ),
            Kind::Provenance,
            None,
        )
    }

    /// The public key of the provenance's signature.
    pub fn public_key(&self) -> Asset {
        Asset::new(
            format!(
                "{}_{}{PUBLIC_KEY_EXTENSION}",
                self.def.project, self.version
            ),
            Kind::Provenance,
            None,
        )
    }

    /// The release assets made for `only` targets (all when `None`), in upload order:
    /// archives and their SBOMs and the notices (sorted), then the checksum file, the
    /// provenance and its public key.
    pub fn all(&self, only: Option<&[Target]>) -> Vec<Asset> {
        let archives = self.archives(only);
        let mut assets: Vec<Asset> = archives.iter().map(ArchivePlan::asset).collect();
        assets.extend(archives.iter().map(ArchivePlan::sbom));
        assets.extend(self.notices());
        assets.sort_by(|a, b| a.name.cmp(&b.name));
        assets.push(self.checksum_file());
        assets.push(self.provenance());
        assets.push(self.public_key());
        assets
    }

    /// The names of [`Assets::all`].
    pub fn names(&self, only: Option<&[Target]>) -> Vec<String> {
        self.all(only).into_iter().map(|a| a.name).collect()
    }
}

/// What a file of a release directory is, by its name alone: `verify` and `rebuild`
/// read releases without their definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Archive(Format),
    Sbom,
    ChecksumFile,
    Provenance,
    PublicKey,
    Other,
}

impl Role {
    pub fn of(name: &str) -> Role {
        let ext = |format: Format| name.ends_with(&format!(".{}", format.extension()));
        if name.ends_with(SBOM_EXTENSION) {
            Role::Sbom
        } else if name.ends_with(CHECKSUM_FILE_SUFFIX) {
            Role::ChecksumFile
        } else if name.ends_with(PROVENANCE_EXTENSION) {
            Role::Provenance
        } else if name.ends_with(PUBLIC_KEY_EXTENSION) {
            Role::PublicKey
        } else if ext(Format::TarGz) {
            Role::Archive(Format::TarGz)
        } else if ext(Format::Zip) {
            Role::Archive(Format::Zip)
        } else {
            Role::Other
        }
    }
}

/// The public key beside a provenance bundle.
pub fn public_key_of(bundle: &str) -> String {
    format!(
        "{}{PUBLIC_KEY_EXTENSION}",
        bundle.strip_suffix(PROVENANCE_EXTENSION).unwrap_or(bundle)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_definition_names_its_archives() {
        let def = Definition::load(&crate::project::workspace_root()).unwrap();
        let names: Vec<_> = Assets::new(&def, "1.2.3")
            .archives(None)
            .into_iter()
            .map(|a| a.name)
            .collect();
        assert_eq!(
            names,
            [
                "aicr_1.2.3_darwin_amd64.tar.gz",
                "aicr_1.2.3_darwin_arm64.tar.gz",
                "aicr_1.2.3_linux_amd64.tar.gz",
                "aicr_1.2.3_linux_arm64.tar.gz",
                "aicrd_1.2.3_linux_amd64.tar.gz",
                "aicrd_1.2.3_linux_arm64.tar.gz",
            ]
        );
    }

    #[test]
    fn archives_follow_targets_and_formats() {
        let def = Definition::parse(
            r#"
[project]
name = "aicr"
checksums = "aicr_checksums.txt"

[[binary]]
name = "aicr"
package = "aicr"
targets = ["x86_64-unknown-linux-musl", "aarch64-apple-darwin"]
formats = ["tar.gz", "zip"]

[[binary]]
name = "aicrd"
package = "aicrd"
targets = ["x86_64-unknown-linux-musl"]
formats = ["tar.gz"]
"#,
        )
        .unwrap();
        let linux = [Target::parse("x86_64-unknown-linux-musl").unwrap()];
        let names: Vec<_> = Assets::new(&def, "0.1.0")
            .archives(Some(&linux))
            .into_iter()
            .map(|a| a.name)
            .collect();
        assert_eq!(
            names,
            [
                "aicr_0.1.0_linux_amd64.tar.gz",
                "aicr_0.1.0_linux_amd64.zip",
                "aicrd_0.1.0_linux_amd64.tar.gz"
            ]
        );
    }

    #[test]
    fn every_asset_name_has_its_role() {
        let def = Definition::load(&crate::project::workspace_root()).unwrap();
        let assets = Assets::new(&def, "1.2.3");
        let roles: Vec<(String, Role)> = assets
            .all(None)
            .into_iter()
            .map(|a| {
                let role = Role::of(&a.name);
                (a.name, role)
            })
            .collect();
        for (name, role) in &roles {
            let expected = if name.ends_with(".tar.gz") {
                Role::Archive(Format::TarGz)
            } else if name.ends_with(".spdx.json") {
                Role::Sbom
            } else if name == "aicr_checksums.txt" {
                Role::ChecksumFile
            } else if name == "aicr_1.2.3.intoto.jsonl" {
                Role::Provenance
            } else if name == "aicr_1.2.3.pub" {
                Role::PublicKey
            } else {
                assert_eq!(name, "THIRD_PARTY_NOTICES.md");
                Role::Other
            };
            assert_eq!(*role, expected, "{name}");
        }
        assert_eq!(Role::of("x.zip"), Role::Archive(Format::Zip));
        assert_eq!(
            public_key_of(&assets.provenance().name),
            assets.public_key().name
        );
    }
}
