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

/// `[[image]]`: a container image of one binary, for every linux target of that binary,
/// or of a Python application installed from a lock of wheels, for every platform of
/// the lock. Several images may run the same binary with different `args`; their
/// binary layers are then the same blob.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawImage")]
pub struct Image {
    pub name: String,
    /// What the image runs: `binary = "…"` or `python = { … }`, exactly one.
    pub app: App,
    /// Arguments the entrypoint gives the program before the container's own, e.g.
    /// `["deployment"]`: the entrypoint is `["/usr/local/bin/<program>", args…]`.
    pub args: Vec<String>,
    /// Where it is published, e.g. `ghcr.io/nvidia/aicrd`.
    pub repository: String,
    /// `static` (a minimal nonroot base built here) or an image reference pinned by
    /// the digest of its index, `host/name:tag@sha256:…`, pulled through the
    /// distribution API or supplied as a local OCI layout with `--base NAME=oci:DIR`.
    /// A tagged release refuses an unpinned base.
    pub base: String,
    /// The CA bundle of the static base, relative to the project root.
    pub ca_bundle: String,
}

/// What an image runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum App {
    /// A `[[binary]]` of the definition, at `/usr/local/bin/<binary>`.
    Binary(String),
    /// Python distributions installed from a lock of wheels, run by a console script.
    Python(PythonApp),
}

/// `python = { version, requirements, lock, entrypoint, platforms }` of an `[[image]]`:
/// the wheels of `lock` (written by `cargo xtask images --lock NAME` from
/// `requirements` for the interpreter `version` of the base and each of `platforms`)
/// installed into the base's `/usr/local/lib/python<version>/site-packages`, the console
/// script `entrypoint` run.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PythonApp {
    /// The interpreter the base provides, `major.minor`, e.g. `3.12`.
    pub version: String,
    /// What the lock resolves, as pip reads requirements, e.g. `["aiperf==0.13.0"]`.
    pub requirements: Vec<String>,
    /// The lock file, relative to the project root.
    pub lock: String,
    /// The console script (an `entry_points.txt` name) the image runs.
    pub entrypoint: String,
    /// The `linux/<arch>` platforms built, by default every linux architecture of the
    /// release targets; fewer when a locked distribution has no wheel for one.
    #[serde(default = "crate::targets::linux_platforms")]
    pub platforms: Vec<String>,
}

impl Image {
    /// The binary the image runs, when it runs one.
    pub fn binary(&self) -> Option<&str> {
        match &self.app {
            App::Binary(binary) => Some(binary),
            App::Python(_) => None,
        }
    }

    /// The program the entrypoint starts, below `/`: `usr/local/bin/<name>`.
    pub fn program(&self) -> String {
        match &self.app {
            App::Binary(binary) => format!("usr/local/bin/{binary}"),
            App::Python(python) => format!("usr/local/bin/{}", python.entrypoint),
        }
    }
}

/// `[[image]]` as written; [`Image`] is it checked.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawImage {
    name: String,
    #[serde(default)]
    binary: Option<String>,
    #[serde(default)]
    python: Option<PythonApp>,
    #[serde(default)]
    args: Vec<String>,
    repository: String,
    #[serde(default = "default_base")]
    base: String,
    #[serde(default = "default_ca_bundle")]
    ca_bundle: String,
}

impl TryFrom<RawImage> for Image {
    type Error = String;

    fn try_from(raw: RawImage) -> std::result::Result<Image, String> {
        let name = &raw.name;
        let app = match (raw.binary, raw.python) {
            (Some(binary), None) => App::Binary(binary),
            (None, Some(python)) => App::Python(python),
            (Some(_), Some(_)) => {
                return Err(format!(
                    "image '{name}' names both a binary and python; hint: an image runs either a [[binary]] or a Python lock"
                ));
            }
            (None, None) => {
                return Err(format!(
                    "image '{name}' names no binary and no python; hint: binary = \"NAME\" or python = {{ version, requirements, lock, entrypoint }}"
                ));
            }
        };
        Ok(Image {
            name: raw.name,
            app,
            args: raw.args,
            repository: raw.repository,
            base: raw.base,
            ca_bundle: raw.ca_bundle,
        })
    }
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
/// run from the project root; empty means not configured), and the publish steps that
/// jobs of `.github/workflows/on-tag.yaml` perform instead.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Publish {
    #[serde(default)]
    pub site: Vec<String>,
    #[serde(default)]
    pub demo: Vec<String>,
    /// Steps (`site`, `demo`, `notify`) that the on-tag job of the same name performs
    /// after the `publish` job, when the plan runs them; `release --publish` leaves them
    /// to that job.
    #[serde(default)]
    pub jobs: Vec<String>,
}

impl Publish {
    /// The steps a workflow job may perform.
    pub const JOB_STEPS: [&str; 3] = ["site", "demo", "notify"];

    /// Whether the on-tag job of that name performs the step `name`.
    pub fn by_job(&self, name: &str) -> bool {
        self.jobs.iter().any(|j| j == name)
    }
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
        let binaries = check_binaries(raw.binaries)?;
        check_images(&raw.images, &binaries)?;
        check_licenses(&raw.licenses, &raw.advisories)?;
        for image in &raw.images {
            image.base_image()?;
        }
        check_publish(&raw.publish)?;
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

/// The `[[binary]]` tables checked: at least one, each with a unique name, targets
/// (each once) and formats (each once), its files relative paths inside the checkout.
fn check_binaries(raw: Vec<RawBinary>) -> Result<Vec<Binary>> {
    if raw.is_empty() {
        bail!("no [[binary]] is defined; hint: add one with name, package, targets and formats");
    }
    let mut seen_binaries = BTreeSet::new();
    let mut binaries = Vec::new();
    for raw in raw {
        check_name("binary.name", &raw.name)?;
        if !seen_binaries.insert(raw.name.clone()) {
            bail!(
                "binary '{}' is defined twice; hint: each [[binary]] needs its own name",
                raw.name
            );
        }
        binaries.push(check_binary(raw)?);
    }
    Ok(binaries)
}

/// One `[[binary]]` checked: at least one target, each once, each format once, its
/// files relative paths inside the checkout.
fn check_binary(raw: RawBinary) -> Result<Binary> {
    if raw.targets.is_empty() {
        bail!("binary '{}' needs at least one target", raw.name);
    }
    let mut targets = Vec::new();
    for triple in &raw.targets {
        let target = Target::parse(triple).with_context(|| format!("in binary '{}'", raw.name))?;
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
    Ok(Binary {
        name: raw.name,
        package: raw.package,
        targets,
        formats,
        files: raw.files,
    })
}

/// The `[[image]]` tables checked: each with a unique name, running a defined binary
/// (or a valid Python application), its arguments non-empty and without NUL.
fn check_images(images: &[Image], binaries: &[Binary]) -> Result<()> {
    let mut seen_images = BTreeSet::new();
    for image in images {
        check_name("image.name", &image.name)?;
        if !seen_images.insert(image.name.as_str()) {
            bail!(
                "image '{}' is defined twice; hint: each [[image]] needs its own name",
                image.name
            );
        }
        match &image.app {
            App::Binary(binary) => {
                if !binaries.iter().any(|b| &b.name == binary) {
                    bail!(
                        "image '{}' runs binary '{binary}', which no [[binary]] defines",
                        image.name
                    );
                }
            }
            App::Python(python) => check_python(image, python)?,
        }
        if let Some(arg) = image.args.iter().find(|a| a.is_empty() || a.contains('\0')) {
            bail!(
                "image '{}': argument {arg:?} must be a non-empty string without NUL",
                image.name
            );
        }
    }
    Ok(())
}

/// `[licenses]` and `[advisories]` checked: allowed licenses are SPDX identifiers, and
/// every license exception and ignored advisory gives a reason.
fn check_licenses(licenses: &Licenses, advisories: &Advisories) -> Result<()> {
    for license in &licenses.allow {
        if spdx::license_id(license).is_none() {
            bail!("licenses.allow: '{license}' is not an SPDX license identifier");
        }
    }
    for (what, reason) in licenses
        .exceptions
        .iter()
        .map(|e| (format!("license exception for {}", e.name), &e.reason))
        .chain(
            advisories
                .ignore
                .iter()
                .map(|i| (format!("advisory ignore {}", i.id), &i.reason)),
        )
    {
        if reason.trim().is_empty() {
            bail!("{what} needs a reason");
        }
    }
    Ok(())
}

/// `[publish]` checked: each of its jobs is a step a job performs, and a step done by
/// a job has no command.
fn check_publish(publish: &Publish) -> Result<()> {
    for job in &publish.jobs {
        if !Publish::JOB_STEPS.contains(&job.as_str()) {
            bail!(
                "publish.jobs: '{job}' is no publish step a job performs; hint: one of {}",
                Publish::JOB_STEPS.join(", ")
            );
        }
        let command = match job.as_str() {
            "site" => &publish.site,
            "demo" => &publish.demo,
            _ => continue,
        };
        if !command.is_empty() {
            bail!("publish: {job} has a command and is in jobs; hint: keep one of them");
        }
    }
    Ok(())
}

/// A Python image: an interpreter version, requirements, a lock inside the project, a
/// console script name, and a base that has Python (not the static one).
fn check_python(image: &Image, python: &PythonApp) -> Result<()> {
    let name = &image.name;
    let version_ok = python
        .version
        .split_once('.')
        .is_some_and(|(major, minor)| {
            [major, minor]
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        });
    if !version_ok {
        bail!(
            "image '{name}': python version '{}' must be major.minor, e.g. 3.12",
            python.version
        );
    }
    if python.requirements.is_empty() {
        bail!("image '{name}': python needs requirements, e.g. [\"aiperf==0.13.0\"]");
    }
    check_relative_path(&format!("image '{name}' python lock"), &python.lock)?;
    let known = crate::targets::linux_platforms();
    if python.platforms.is_empty() {
        bail!("image '{name}': python platforms must name at least one platform");
    }
    for (i, platform) in python.platforms.iter().enumerate() {
        if !known.contains(platform) {
            bail!(
                "image '{name}': python platform '{platform}' is not one of {}",
                known.join(", ")
            );
        }
        if python.platforms[..i].contains(platform) {
            bail!("image '{name}': python platform {platform} is listed twice");
        }
    }
    let script = &python.entrypoint;
    if script.is_empty() || script.contains(['/', '\\', '\0']) || script.starts_with('.') {
        bail!("image '{name}': python entrypoint '{script}' must be a console script name");
    }
    if image.base == "static" {
        bail!(
            "image '{name}' runs Python, which the static base lacks; hint: base = \"docker.io/library/python:{}-slim@sha256:<digest of its index>\"",
            python.version
        );
    }
    Ok(())
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

/// The changelog configuration: `[changelog]` of the definition, or the defaults when
/// the project has no definition.
pub fn changelog_config(project: &crate::project::Project) -> Result<crate::changelog::Config> {
    if project.root.join(DEFINITION).is_file() {
        Ok(Definition::load(&project.root)?.changelog)
    } else {
        Ok(crate::changelog::Config::default())
    }
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
        // The three validator images run one binary, each with its phase.
        let validators: Vec<(&str, &str, Vec<String>)> = def
            .images
            .iter()
            .filter(|i| i.binary() == Some("validator"))
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

    /// GOOD with a Python image `p`; `extra` goes into the image, `more` into `python`.
    fn python_image(extra: &str, more: &str) -> String {
        let pin = "0123456789abcdef".repeat(4);
        format!(
            "{GOOD}\n[[image]]\nname = \"p\"\n{extra}python = {{ version = \"3.12\", requirements = [\"p==1\"], lock = \"dist/p.lock\", entrypoint = \"p\"{more} }}\nrepository = \"ghcr.io/x/p\"\nbase = \"h.io/python:3.12@sha256:{pin}\"\n"
        )
    }

    #[test]
    fn an_image_runs_a_binary_or_a_python_lock() {
        let def = Definition::parse(&python_image("", "")).unwrap();
        let image = &def.images[0];
        assert_eq!(image.binary(), None);
        assert_eq!(image.program(), "usr/local/bin/p");
        let App::Python(python) = &image.app else {
            panic!("a Python image, not {:?}", image.app);
        };
        assert_eq!(python.platforms, ["linux/amd64", "linux/arm64"]);
        let def = Definition::parse(&python_image("", ", platforms = [\"linux/amd64\"]")).unwrap();
        let App::Python(python) = &def.images[0].app else {
            panic!("a Python image");
        };
        assert_eq!(python.platforms, ["linux/amd64"]);
        let workspace = Definition::load(&crate::project::workspace_root()).unwrap();
        let aiperf = workspace
            .images
            .iter()
            .find(|i| i.name == "aiperf-bench")
            .unwrap();
        assert_eq!(
            aiperf.repository,
            "ghcr.io/nvidia/aicr-validators/aiperf-bench"
        );
        assert_eq!(aiperf.program(), "usr/local/bin/aiperf");
        assert!(
            aiperf
                .base
                .starts_with("docker.io/library/python:3.12-slim@sha256:")
        );
    }

    #[test]
    fn builds_follow_targets() {
        let def = Definition::parse(GOOD).unwrap();
        let linux = [Target::parse("x86_64-unknown-linux-musl").unwrap()];
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
            (
                python_image("binary = \"aicr\"\n", ""),
                "image 'p' names both a binary and python",
            ),
            (
                format!("{GOOD}\n[[image]]\nname = \"p\"\nrepository = \"r\"\n"),
                "image 'p' names no binary and no python",
            ),
            (
                python_image("", "").replace("base = \"h.io/python:3.12@", "base = \"static\"\n#"),
                "image 'p' runs Python, which the static base lacks",
            ),
            (
                python_image("", ", platforms = [\"linux/s390x\"]"),
                "python platform 'linux/s390x' is not one of linux/amd64, linux/arm64",
            ),
            (
                python_image("", "").replace("entrypoint = \"p\"", "entrypoint = \"../p\""),
                "python entrypoint '../p' must be a console script name",
            ),
            (
                python_image("", "").replace("lock = \"dist/p.lock\"", "lock = \"../p.lock\""),
                "without '..'",
            ),
            (
                python_image("", "").replace("version = \"3.12\"", "version = \"3\""),
                "python version '3' must be major.minor",
            ),
            (python_image("", ", pip = true"), "unknown field `pip`"),
        ];
        for (text, needle) in cases {
            let err = format!("{:#}", Definition::parse(&text).unwrap_err());
            assert!(err.contains(needle), "{needle:?} not in {err:?}");
        }
    }

    #[test]
    fn publish_jobs_are_known_steps_without_a_command() {
        let with = |publish: &str| format!("{GOOD}\n[publish]\n{publish}\n");
        let def = Definition::parse(&with("jobs = [\"site\", \"notify\"]")).unwrap();
        assert!(def.publish.by_job("site") && def.publish.by_job("notify"));
        assert!(!def.publish.by_job("demo"));
        for (publish, needle) in [
            (
                "jobs = [\"homebrew\"]",
                "publish.jobs: 'homebrew' is no publish step a job performs; hint: one of site, demo, notify",
            ),
            (
                "demo = [\"deploy\"]\njobs = [\"demo\"]",
                "publish: demo has a command and is in jobs; hint: keep one of them",
            ),
        ] {
            let err = format!("{:#}", Definition::parse(&with(publish)).unwrap_err());
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
