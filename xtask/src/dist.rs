// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The release definition, `dist/release.toml`: which binaries are released for which
//! targets, in which archive formats, with which extra files, and the name of the
//! checksum file. Reading it validates it: unknown keys, unknown targets, duplicate
//! artifacts and unsafe file paths are errors naming the fix.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::targets::Target;

/// Where the definition lives, relative to the project root.
pub const DEFINITION: &str = "dist/release.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefinition {
    project: RawProject,
    #[serde(rename = "binary", default)]
    binaries: Vec<RawBinary>,
    #[serde(default)]
    licenses: Licenses,
    #[serde(default)]
    advisories: Advisories,
    #[serde(default)]
    qualify: Qualify,
    #[serde(default)]
    changelog: crate::changelog::Config,
    #[serde(default)]
    homebrew: Option<Homebrew>,
    #[serde(default)]
    publish: Publish,
    #[serde(rename = "image", default)]
    images: Vec<Image>,
}

/// `[[image]]`: a container image of one binary, for every linux target of that binary.
/// Several images may run the same binary with different `args`; their binary layers
/// are then the same blob.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    pub name: String,
    pub binary: String,
    /// Arguments the entrypoint gives the binary before the container's own, e.g.
    /// `["deployment"]`: the entrypoint is `["/usr/local/bin/<binary>", args…]`.
    #[serde(default)]
    pub args: Vec<String>,
    /// Where it is published, e.g. `ghcr.io/nvidia/aicrd`.
    pub repository: String,
    /// `static` (a minimal nonroot base built here) or an image reference pinned by
    /// the digest of its index, `host/name:tag@sha256:…`, pulled through the
    /// distribution API or supplied as a local OCI layout with `--base NAME=oci:DIR`.
    /// A tagged release refuses an unpinned base.
    #[serde(default = "default_base")]
    pub base: String,
    /// The CA bundle of the static base, relative to the project root.
    #[serde(default = "default_ca_bundle")]
    pub ca_bundle: String,
}

/// The base of an image, as its `base` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseImage {
    /// The minimal nonroot base built here.
    Static,
    /// An image from a registry, pinned by the digest of what its tag resolves to (an
    /// index or a manifest) when `pin` is set.
    Registry {
        reference: crate::registry::Reference,
        pin: Option<String>,
    },
}

impl Image {
    /// The parsed `base`; an invalid reference or digest is an error naming the fix.
    pub fn base_image(&self) -> Result<BaseImage> {
        if self.base == "static" {
            return Ok(BaseImage::Static);
        }
        let reference = crate::registry::Reference::parse(&self.base).with_context(|| {
            format!(
                "image '{}': base '{}' is not 'static' nor host/name:tag@sha256:<digest>",
                self.name, self.base
            )
        })?;
        let pin = reference.digest.clone();
        Ok(BaseImage::Registry { reference, pin })
    }
}

fn default_base() -> String {
    "static".to_owned()
}

fn default_ca_bundle() -> String {
    "dist/images/ca-certificates.crt".to_owned()
}

/// `[homebrew]`: the formula published for stable releases.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Homebrew {
    /// The binary the formula installs (its archives for darwin and linux are used).
    pub binary: String,
    pub description: String,
    /// The tap's git URL (a local path works too); absent: the step is not configured.
    #[serde(default)]
    pub tap: Option<String>,
    /// The formula's path inside the tap.
    #[serde(default = "default_formula_path")]
    pub path: String,
}

fn default_formula_path() -> String {
    "Formula/aicr.rb".to_owned()
}

/// `[publish]`: commands run for stable releases after the GitHub release (argv lists,
/// run from the project root; empty means not configured).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Publish {
    #[serde(default)]
    pub site: Vec<String>,
    #[serde(default)]
    pub demo: Vec<String>,
}

/// `[licenses]`: the licenses shipped crates may carry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Licenses {
    /// SPDX license identifiers a dependency's expression may be satisfied with.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Crates accepted whatever their license, each with the reason.
    #[serde(default, rename = "exception")]
    pub exceptions: Vec<Exception>,
}

/// `[[licenses.exception]]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    #[serde(rename = "crate")]
    pub name: String,
    pub reason: String,
}

/// `[advisories]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Advisories {
    #[serde(default)]
    pub ignore: Vec<Ignore>,
}

/// `[[advisories.ignore]]`: an advisory that does not fail the gate, with the reason.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ignore {
    pub id: String,
    pub reason: String,
}

/// `[qualify]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Qualify {
    /// Minimum line coverage in percent for the coverage gate.
    #[serde(default)]
    pub coverage: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProject {
    name: String,
    checksums: String,
    #[serde(default)]
    notices: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinary {
    name: String,
    package: String,
    targets: Vec<String>,
    formats: Vec<Format>,
    #[serde(default)]
    files: Vec<String>,
}

/// An archive format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum Format {
    #[serde(rename = "tar.gz")]
    TarGz,
    #[serde(rename = "zip")]
    Zip,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::TarGz => "tar.gz",
            Format::Zip => "zip",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// A validated release definition.
#[derive(Debug, Clone)]
pub struct Definition {
    /// Prefix of release-wide assets.
    pub project: String,
    /// File name of the checksum file.
    pub checksums: String,
    /// The third-party notices file (at the project root, published as an asset).
    pub notices: Option<String>,
    pub binaries: Vec<Binary>,
    pub licenses: Licenses,
    pub advisories: Advisories,
    pub qualify: Qualify,
    pub changelog: crate::changelog::Config,
    pub homebrew: Option<Homebrew>,
    pub publish: Publish,
    pub images: Vec<Image>,
}

/// One released binary.
#[derive(Debug, Clone)]
pub struct Binary {
    pub name: String,
    /// The cargo package that builds it.
    pub package: String,
    pub targets: Vec<Target>,
    pub formats: Vec<Format>,
    /// Extra files, relative to the project root, put beside the binary in archives.
    pub files: Vec<String>,
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

impl Definition {
    /// Reads and validates `dist/release.toml` below `root`.
    pub fn load(root: &Path) -> Result<Definition> {
        let path = root.join(DEFINITION);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the release definition {}", path.display()))?;
        Definition::parse(&text).with_context(|| format!("invalid release definition {DEFINITION}"))
    }

    /// Reads and validates the release definition as the tag `tag` has it.
    pub fn at_tag(git: &crate::git::Git<'_>, tag: &str) -> Result<Definition> {
        let text = git.show_file(&format!("refs/tags/{tag}"), DEFINITION)?;
        Definition::parse(&text)
            .with_context(|| format!("invalid release definition {DEFINITION} of {tag}"))
    }

    /// Parses and validates the text of a release definition.
    pub fn parse(text: &str) -> Result<Definition> {
        let raw: RawDefinition = toml_edit::de::from_str(text)
            .map_err(|e| anyhow::anyhow!("{}", e.to_string().trim()))?;
        check_name("project.name", &raw.project.name)?;
        check_file_name("project.checksums", &raw.project.checksums)?;
        if let Some(notices) = &raw.project.notices {
            check_file_name("project.notices", notices)?;
        }
        if raw.binaries.is_empty() {
            bail!(
                "no [[binary]] is defined; hint: add one with name, package, targets and formats"
            );
        }
        let mut seen_binaries = BTreeSet::new();
        let mut binaries = Vec::new();
        for raw in raw.binaries {
            check_name("binary.name", &raw.name)?;
            if !seen_binaries.insert(raw.name.clone()) {
                bail!(
                    "binary '{}' is defined twice; hint: each [[binary]] needs its own name",
                    raw.name
                );
            }
            if raw.targets.is_empty() {
                bail!("binary '{}' needs at least one target", raw.name);
            }
            let mut targets = Vec::new();
            for triple in &raw.targets {
                let target =
                    Target::parse(triple).with_context(|| format!("in binary '{}'", raw.name))?;
                if targets.contains(&target) {
                    bail!(
                        "binary '{}' lists target {triple} twice: duplicate artifact names",
                        raw.name
                    );
                }
                targets.push(target);
            }
            let mut formats = raw.formats.clone();
            formats.sort();
            formats.dedup();
            if formats.len() != raw.formats.len() {
                bail!(
                    "binary '{}' lists a format twice: duplicate artifact names",
                    raw.name
                );
            }
            for file in &raw.files {
                check_relative_path(&format!("binary '{}' files", raw.name), file)?;
            }
            binaries.push(Binary {
                name: raw.name,
                package: raw.package,
                targets,
                formats,
                files: raw.files,
            });
        }
        let mut seen_images = BTreeSet::new();
        for image in &raw.images {
            check_name("image.name", &image.name)?;
            if !seen_images.insert(image.name.as_str()) {
                bail!(
                    "image '{}' is defined twice; hint: each [[image]] needs its own name",
                    image.name
                );
            }
            if !binaries.iter().any(|b| b.name == image.binary) {
                bail!(
                    "image '{}' runs binary '{}', which no [[binary]] defines",
                    image.name,
                    image.binary
                );
            }
            if let Some(arg) = image.args.iter().find(|a| a.is_empty() || a.contains('\0')) {
                bail!(
                    "image '{}': argument {arg:?} must be a non-empty string without NUL",
                    image.name
                );
            }
        }
        for license in &raw.licenses.allow {
            if spdx::license_id(license).is_none() {
                bail!("licenses.allow: '{license}' is not an SPDX license identifier");
            }
        }
        for (what, reason) in raw
            .licenses
            .exceptions
            .iter()
            .map(|e| (format!("license exception for {}", e.name), &e.reason))
            .chain(
                raw.advisories
                    .ignore
                    .iter()
                    .map(|i| (format!("advisory ignore {}", i.id), &i.reason)),
            )
        {
            if reason.trim().is_empty() {
                bail!("{what} needs a reason");
            }
        }
        let mut seen_images = BTreeSet::new();
        for image in &raw.images {
            check_name("image.name", &image.name)?;
            if !seen_images.insert(image.name.clone()) {
                bail!(
                    "image '{}' is defined twice; hint: each [[image]] needs its own name",
                    image.name
                );
            }
            image.base_image()?;
        }
        Ok(Definition {
            project: raw.project.name,
            checksums: raw.project.checksums,
            notices: raw.project.notices,
            binaries,
            licenses: raw.licenses,
            advisories: raw.advisories,
            qualify: raw.qualify,
            changelog: raw.changelog,
            homebrew: raw.homebrew,
            publish: raw.publish,
            images: raw.images,
        })
    }

    /// Every archive of a release of `version`, restricted to `only` targets when given,
    /// sorted by name.
    pub fn archives(&self, version: &str, only: Option<&[Target]>) -> Vec<ArchivePlan> {
        let mut plans: Vec<ArchivePlan> = self
            .binaries
            .iter()
            .flat_map(|bin| {
                bin.targets
                    .iter()
                    .filter(move |t| only.is_none_or(|only| only.contains(t)))
                    .flat_map(move |target| {
                        bin.formats.iter().map(move |format| ArchivePlan {
                            name: format!(
                                "{}_{version}_{}_{}.{}",
                                bin.name,
                                target.os,
                                target.arch,
                                format.extension()
                            ),
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

    /// The (binary, target) pairs to build, restricted to `only` targets when given.
    pub fn builds(&self, only: Option<&[Target]>) -> Vec<(&Binary, Target)> {
        self.binaries
            .iter()
            .flat_map(|bin| bin.targets.iter().map(move |t| (bin, *t)))
            .filter(|(_, t)| only.is_none_or(|only| only.contains(t)))
            .collect()
    }

    /// Every target any binary is released for, in definition order.
    pub fn all_targets(&self) -> Vec<Target> {
        let mut targets: Vec<Target> = Vec::new();
        for t in self.binaries.iter().flat_map(|b| &b.targets) {
            if !targets.contains(t) {
                targets.push(*t);
            }
        }
        targets
    }
}

fn check_name(what: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-');
    if !ok {
        bail!("{what} '{name}' must be lowercase letters, digits and '-'");
    }
    Ok(())
}

fn check_file_name(what: &str, name: &str) -> Result<()> {
    if name.is_empty() || name.contains('/') || name.starts_with('.') {
        bail!("{what} '{name}' must be a plain file name");
    }
    Ok(())
}

fn check_relative_path(what: &str, path: &str) -> Result<()> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path
            .split('/')
            .any(|c| c == ".." || c == "." || c.is_empty());
    if bad {
        bail!("{what}: '{path}' must be a relative path inside the project, without '..'");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pinned_toolchain_installs_exactly_the_release_targets() {
        let root = crate::project::workspace_root();
        let text = std::fs::read_to_string(root.join("rust-toolchain.toml")).unwrap();
        let doc: toml_edit::DocumentMut = text.parse().unwrap();
        let mut pinned: Vec<&str> = doc["toolchain"]["targets"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        pinned.sort_unstable();
        let def = Definition::load(&root).unwrap();
        let mut targets: Vec<&str> = def.all_targets().iter().map(|t| t.triple).collect();
        targets.sort_unstable();
        assert_eq!(pinned, targets);
        let channel = doc["toolchain"]["channel"].as_str().unwrap();
        assert!(
            channel.split('.').count() == 3 && channel.split('.').all(|p| p.parse::<u32>().is_ok()),
            "the channel is an exact version, not {channel}"
        );
    }

    const GOOD: &str = r#"
[project]
name = "aicr"
checksums = "aicr_checksums.txt"

[[binary]]
name = "aicr"
package = "aicr"
targets = ["x86_64-unknown-linux-musl", "aarch64-apple-darwin"]
formats = ["tar.gz", "zip"]
files = ["LICENSE"]

[[binary]]
name = "aicrd"
package = "aicrd"
targets = ["x86_64-unknown-linux-musl"]
formats = ["tar.gz"]
"#;

    #[test]
    fn the_workspace_definition_is_valid() {
        let def = Definition::load(&crate::project::workspace_root()).unwrap();
        assert_eq!(def.checksums, "aicr_checksums.txt");
        let names: Vec<_> = def
            .archives("1.2.3", None)
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
        // The three validator images run one binary, each with its phase.
        let validators: Vec<(&str, &str, Vec<String>)> = def
            .images
            .iter()
            .filter(|i| i.binary == "validator")
            .map(|i| (i.name.as_str(), i.repository.as_str(), i.args.clone()))
            .collect();
        assert_eq!(
            validators,
            [
                (
                    "deployment",
                    "ghcr.io/nvidia/aicr-validators/deployment",
                    vec!["deployment".to_owned()]
                ),
                (
                    "performance",
                    "ghcr.io/nvidia/aicr-validators/performance",
                    vec!["performance".to_owned()]
                ),
                (
                    "conformance",
                    "ghcr.io/nvidia/aicr-validators/conformance",
                    vec!["conformance".to_owned()]
                ),
            ]
        );
    }

    #[test]
    fn archives_follow_targets_and_formats() {
        let def = Definition::parse(GOOD).unwrap();
        let linux = [Target::parse("x86_64-unknown-linux-musl").unwrap()];
        let names: Vec<_> = def
            .archives("0.1.0", Some(&linux))
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
        assert_eq!(def.builds(Some(&linux)).len(), 2);
        assert_eq!(def.all_targets().len(), 2);
    }

    #[test]
    fn invalid_definitions_say_what_is_wrong() {
        let cases = [
            (
                GOOD.replace(
                    "package = \"aicrd\"",
                    "package = \"aicrd\"\ncolour = \"red\"",
                ),
                "unknown field `colour`",
            ),
            (
                GOOD.replace("aarch64-apple-darwin", "riscv64-unknown-none"),
                "unknown target 'riscv64-unknown-none'",
            ),
            (
                GOOD.replace("name = \"aicrd\"", "name = \"aicr\""),
                "binary 'aicr' is defined twice",
            ),
            (
                GOOD.replace("\"tar.gz\", \"zip\"", "\"tar.gz\", \"tar.gz\""),
                "lists a format twice",
            ),
            (
                GOOD.replace("\"tar.gz\", \"zip\"", "\"rar\""),
                "unknown variant `rar`",
            ),
            (
                GOOD.replace("[\"LICENSE\"]", "[\"../secret\"]"),
                "without '..'",
            ),
            (
                GOOD.replace("aicr_checksums.txt", "dir/sums.txt"),
                "must be a plain file name",
            ),
            (
                GOOD.replace(
                    "targets = [\"x86_64-unknown-linux-musl\"]",
                    "targets = [\"x86_64-unknown-linux-musl\", \"x86_64-unknown-linux-musl\"]",
                ),
                "lists target x86_64-unknown-linux-musl twice",
            ),
            (
                format!("{GOOD}\n[[image]]\nname = \"x\"\nbinary = \"nope\"\nrepository = \"r\"\n"),
                "image 'x' runs binary 'nope', which no [[binary]] defines",
            ),
            (
                format!(
                    "{GOOD}\n[[image]]\nname = \"x\"\nbinary = \"aicr\"\nrepository = \"r\"\nargs = [\"\"]\n"
                ),
                "image 'x': argument \"\" must be a non-empty string",
            ),
            (
                format!(
                    "{GOOD}\n[[image]]\nname = \"x\"\nbinary = \"aicr\"\nrepository = \"r\"\n\n[[image]]\nname = \"x\"\nbinary = \"aicrd\"\nrepository = \"s\"\n"
                ),
                "image 'x' is defined twice",
            ),
        ];
        for (text, needle) in cases {
            let err = format!("{:#}", Definition::parse(&text).unwrap_err());
            assert!(err.contains(needle), "{needle:?} not in {err:?}");
        }
    }

    #[test]
    fn image_bases_are_static_or_references_pinned_by_digest() {
        let image = |base: &str| {
            format!(
                "{GOOD}\n[[image]]\nname = \"aicr\"\nbinary = \"aicr\"\nrepository = \"ghcr.io/nvidia/aicr\"\nbase = \"{base}\"\n"
            )
        };
        let pin = format!("sha256:{}", "0123456789abcdef".repeat(4));
        let def = Definition::parse(&image(&format!("nvcr.io/nvidia/cuda:13.1.0@{pin}"))).unwrap();
        match def.images[0].base_image().unwrap() {
            BaseImage::Registry {
                reference,
                pin: Some(p),
            } => {
                assert_eq!(p, pin);
                assert_eq!(reference.repository, "nvidia/cuda");
                assert_eq!(reference.tag.as_deref(), Some("13.1.0"));
            }
            other => panic!("a pinned registry base, not {other:?}"),
        }
        let def = Definition::parse(&image("nvcr.io/nvidia/cuda:13.1.0")).unwrap();
        assert!(matches!(
            def.images[0].base_image().unwrap(),
            BaseImage::Registry { pin: None, .. }
        ));
        let def = Definition::parse(&image("static")).unwrap();
        assert_eq!(def.images[0].base_image().unwrap(), BaseImage::Static);
        for (base, needle) in [
            (
                "nvcr.io/nvidia/cuda:13.1.0@sha256:abc",
                "is not a sha256 digest",
            ),
            (
                "nvcr.io/nvidia/cuda:13.1.0@md5:abc",
                "is not a sha256 digest",
            ),
            ("cuda:13.1.0", "names no registry host"),
            ("nvcr.io/NVIDIA/cuda:1", "is not a repository name"),
        ] {
            let err = format!("{:#}", Definition::parse(&image(base)).unwrap_err());
            assert!(err.contains(needle), "{base}: {needle:?} not in {err:?}");
            assert!(err.contains("image 'aicr'"), "{err}");
        }
        let twice = format!("{}{}", image("static"), image("static").replace(GOOD, ""));
        let err = format!("{:#}", Definition::parse(&twice).unwrap_err());
        assert!(err.contains("image 'aicr' is defined twice"), "{err}");
    }
}
