// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The `e2e` gate: the product as a user gets it. Builds a snapshot release of the host
//! target into `target/e2e/dist/` (binaries built with the `qualify-e2e` profile, or the one
//! `--e2e-profile` names; archives, checksums, SBOMs, provenance, images), verifies the
//! checksum file with the real `sha256sum -c --strict`, unpacks every archive with
//! `tar`, runs each binary's `--version`, starts the unpacked `aicrd` on a free
//! 127.0.0.1 port and drives it over HTTP, stops it with SIGTERM, and runs the images:
//! each image's binary taken out of its layer and started as its entrypoint says
//! (`--version`, and each validator phase's whole contract), the images of one binary
//! sharing that layer. Kubernetes (Kind) end-to-end runs need a container runtime and
//! stay in GitHub CI.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::artifacts::{Kind, Manifest, Metadata, OutDir};
use crate::dist::Definition;
use crate::gate::{Finding, Outcome};
use crate::project::Project;
use crate::targets::Target;
use crate::tasks::{cross_build, pipeline};
use crate::tools;

/// The cargo profile the gate builds with unless told otherwise: the shipped
/// `release-dist` settings without the optimizer and LTO (see the workspace
/// Cargo.toml). What the steps check does not depend on code generation; the release
/// workflow runs the gate on `release-dist` itself.
pub const PROFILE: &str = "qualify-e2e";

/// The snapshot cross-build of the host's target the gate releases, with `profile`.
fn build_options(project: &Project, profile: &str) -> Result<cross_build::Options> {
    defined_profile(project, profile)?;
    let host = tools::host_triple(project)?;
    let target = Target::for_host(&host)
        .with_context(|| format!("no release target runs on this host ({host})"))?;
    Ok(cross_build::Options {
        only: Some(vec![target]),
        install_missing: true,
        fake: false,
        snapshot: true,
        tag: None,
        profile: profile.to_owned(),
    })
}

/// Fails unless `profile` is `release` or a `[profile.NAME]` of the root manifest:
/// the profiles whose binaries cargo leaves in `target/<triple>/<profile>/`, where the
/// release pipeline takes them (`dev` and `test` build into `debug/`, and are not
/// release builds anyway).
pub fn defined_profile(project: &Project, profile: &str) -> Result<()> {
    if matches!(profile, "dev" | "test" | "bench") {
        bail!(
            "the e2e gate's profile '{profile}' is not a release build; hint: pass --e2e-profile {} (the shipped binaries) or {PROFILE}",
            cross_build::PROFILE
        );
    }
    if profile == "release" {
        return Ok(());
    }
    let manifest = project.root.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .with_context(|| format!("cannot read {}", manifest.display()))?;
    let doc: toml_edit::DocumentMut = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", manifest.display()))?;
    if doc
        .get("profile")
        .and_then(|p| p.get(profile))
        .is_some_and(|p| p.is_table_like())
    {
        return Ok(());
    }
    bail!(
        "the e2e gate's profile '{profile}' is not defined in {}; hint: add [profile.{profile}] (inherits = \"{}\"), or pass --e2e-profile {}",
        manifest.display(),
        cross_build::PROFILE,
        cross_build::PROFILE
    )
}

/// Starts the gate's compilation with `profile` in the background (see
/// `cross_build::Prebuild`), its output in `target/e2e/prebuild.log`.
pub fn prebuild(project: &Project, profile: &str) -> Result<cross_build::Prebuild> {
    let def = Definition::load(&project.root)?;
    cross_build::prebuild(
        project,
        &def,
        &build_options(project, profile)?,
        &project.root.join("target/e2e/prebuild.log"),
    )
}

/// Releases a snapshot of the host target into `target/e2e/dist/`, signed with a fresh
/// key, then runs every step on it: checksums and signatures, SBOMs, image referrers,
/// skopeo copies, the unpacked archives and the images' entrypoints.
pub fn check(project: &Project, profile: &str) -> Result<Outcome> {
    let def = Definition::load(&project.root)?;
    let e2e_dir = project.root.join("target/e2e");
    let out = OutDir::new(e2e_dir.join("dist"));
    let opts = build_options(project, profile)?;
    let target = opts
        .only
        .as_ref()
        .and_then(|only| only.first().copied())
        .context("the e2e build selects no target")?;
    // A fresh key, so the release is signed as in CI.
    let keys = e2e_dir.join("keys");
    let key = fresh_signing_key(&keys)?;
    let metadata = pipeline::pipeline(project, &def, &out, &opts, Some(&key))?;
    let release = Release {
        project,
        def: &def,
        out: &out,
        e2e_dir: &e2e_dir,
        public_key: keys.join("aicr-signing.pub"),
        metadata: &metadata,
    };

    let mut steps = Steps::default();
    check_signatures(&release, &mut steps);
    let manifest = out.manifest()?;
    let mut sboms = release_sboms(&release, &manifest);
    sboms.extend(check_image_referrers(&release, &manifest, &mut steps)?);
    check_sboms(&tools::pyspdxtools(project), &sboms, &mut steps);
    check_skopeo_copies(&release, &manifest, &mut steps)?;
    check_archives(&release, &manifest, &mut steps)?;
    check_images(&release, target.arch, &mut steps)?;
    Ok(steps.outcome(&format!("{} (profile {profile})", target.triple)))
}

/// What the steps check: the released snapshot and where the gate works.
struct Release<'a> {
    project: &'a Project,
    def: &'a Definition,
    /// The release's output directory, `target/e2e/dist/`.
    out: &'a OutDir,
    /// The gate's working directory, `target/e2e/`.
    e2e_dir: &'a Path,
    /// The PEM public key of the release's signing key.
    public_key: PathBuf,
    metadata: &'a Metadata,
}

/// The steps run so far: how many, and a finding for each that failed.
#[derive(Default)]
struct Steps {
    count: usize,
    findings: Vec<Finding>,
}

impl Steps {
    /// Records step `name`: printed when it passed, a finding when it failed.
    fn record(&mut self, name: &str, result: Result<()>) {
        self.count += 1;
        match result {
            Ok(()) => errln!("  e2e: {name}: ok"),
            Err(err) => self.findings.push(Finding::new(format!("{name}: {err:#}"))),
        }
    }

    /// The gate's outcome: how many steps passed on `triple`, or how many failed.
    fn outcome(self, triple: &str) -> Outcome {
        let summary = if self.findings.is_empty() {
            format!("{} end-to-end step(s) passed on {triple}", self.count)
        } else {
            format!(
                "{} of {} end-to-end step(s) failed",
                self.findings.len(),
                self.count
            )
        };
        Outcome::from_findings(summary, self.findings)
    }
}

/// `dir` emptied: removed when it exists, then created.
fn fresh_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    Ok(())
}

/// A new ed25519 signing key, its PEM public key written to `keys/aicr-signing.pub`
/// (`keys` emptied first).
fn fresh_signing_key(keys: &Path) -> Result<ed25519_dalek::SigningKey> {
    fresh_dir(keys)?;
    let (private, public) = crate::dsse::generate()?;
    std::fs::write(keys.join("aicr-signing.pub"), &public)?;
    crate::dsse::signing_key_from_pem(&private)
}

/// The checksum file with `sha256sum`, the release with `cargo xtask verify --key`, and
/// the provenance bundle with an independent DSSE verifier.
fn check_signatures(release: &Release<'_>, steps: &mut Steps) {
    let out = release.out;
    steps.record(
        "sha256sum -c --strict",
        verify_in(&out.path, &crate::assets::checksum_file(release.def).name),
    );
    steps.record(
        "cargo xtask verify --key",
        crate::tasks::verify::verify(&out.path, Some(&release.public_key)).and_then(|checks| {
            match checks.iter().find(|c| !c.ok) {
                Some(failed) => bail!("{}: {}", failed.name, failed.detail),
                None => Ok(()),
            }
        }),
    );
    let bundle = crate::assets::Assets::new(release.def, &release.metadata.version)
        .provenance()
        .path;
    steps.record(
        "an independent DSSE verifier (python cryptography) accepts the provenance",
        tools::python_with_cryptography(release.project).and_then(|python| {
            let out = Command::new(python)
                .arg("-c")
                .arg(DSSE_VERIFY_PY)
                .arg(out.join(&bundle))
                .arg(&release.public_key)
                .output()?;
            if !out.status.success() {
                bail!("{}", String::from_utf8_lossy(&out.stderr).trim());
            }
            Ok(())
        }),
    );
}

/// `pyspdxtools` (or why it is missing) validates the SPDX 2.3 document `sbom`: it
/// fails, or says anything, and the step fails.
fn pyspdxtools_validates(pyspdxtools: &Result<PathBuf>, sbom: &Path) -> Result<()> {
    let bin = pyspdxtools.as_ref().map_err(|e| anyhow::anyhow!("{e:#}"))?;
    let out = Command::new(bin)
        .arg("-i")
        .arg(sbom)
        .args(["--version", "SPDX-2.3"])
        .output()?;
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() || !said.trim().is_empty() {
        bail!("{}", said.trim());
    }
    Ok(())
}

/// Each SBOM of the release (name, path), for `pyspdxtools`.
fn release_sboms(release: &Release<'_>, manifest: &Manifest) -> Vec<(String, PathBuf)> {
    manifest
        .artifacts
        .iter()
        .filter(|a| a.kind == Kind::Sbom)
        .map(|sbom| (sbom.name.clone(), release.out.join(&sbom.path)))
        .collect()
}

/// Every SBOM (name, path) validated by `pyspdxtools`, one run per file, as many at
/// once as there are cores; the steps are recorded in the list's order.
fn check_sboms(pyspdxtools: &Result<PathBuf>, sboms: &[(String, PathBuf)], steps: &mut Steps) {
    let results = crate::parallel::map(sboms, |(_, path)| pyspdxtools_validates(pyspdxtools, path));
    for ((name, _), result) in sboms.iter().zip(results) {
        steps.record(&format!("pyspdxtools validates {name}"), result);
    }
}

/// Every image referrer's DSSE signature checked independently, and its SPDX predicate
/// written out to `target/e2e/image-sboms/`: returns those SBOMs (name, path) for
/// `pyspdxtools`.
fn check_image_referrers(
    release: &Release<'_>,
    manifest: &Manifest,
    steps: &mut Steps,
) -> Result<Vec<(String, PathBuf)>> {
    let predicates = release.e2e_dir.join("image-sboms");
    fresh_dir(&predicates)?;
    let mut sboms = Vec::new();
    for image in manifest.artifacts.iter().filter(|a| a.kind == Kind::Image) {
        let layout = release.out.join(&format!("images/{}", image.name));
        let written = tools::python_with_cryptography(release.project).and_then(|python| {
            let out = Command::new(python)
                .arg("-c")
                .arg(REFERRERS_VERIFY_PY)
                .arg(&layout)
                .arg(&release.public_key)
                .arg(&predicates)
                .output()?;
            if !out.status.success() {
                bail!("{}", String::from_utf8_lossy(&out.stderr).trim());
            }
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        });
        let count = written.as_ref().map_or(0, |w| w.lines().count());
        steps.record(
            &format!(
                "an independent DSSE verifier accepts every referrer of image {} ({count} SBOMs)",
                image.name
            ),
            written
                .as_ref()
                .map(drop)
                .map_err(|e| anyhow::anyhow!("{e:#}")),
        );
        for file in written.iter().flat_map(|w| w.lines()) {
            sboms.push((format!("the image SBOM {file}"), predicates.join(file)));
        }
    }
    Ok(sboms)
}

/// Every image layout copied by skopeo (Debian's, when installed), which re-checks
/// every digest while copying; skipped with a note when skopeo is not installed.
fn check_skopeo_copies(
    release: &Release<'_>,
    manifest: &Manifest,
    steps: &mut Steps,
) -> Result<()> {
    let skopeo = Command::new("skopeo")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let version = &release.metadata.version;
    for image in manifest.artifacts.iter().filter(|a| a.kind == Kind::Image) {
        let layout = release.out.join(&format!("images/{}", image.name));
        if !skopeo {
            errln!(
                "  e2e: skopeo is not installed; {} is checked by the image tests only",
                image.name
            );
            continue;
        }
        let copy = release.e2e_dir.join("skopeo").join(&image.name);
        let _ = std::fs::remove_dir_all(&copy);
        std::fs::create_dir_all(release.e2e_dir.join("skopeo"))?;
        steps.record(
            &format!("skopeo copy --all of the {} layout", image.name),
            (|| {
                let out = Command::new("skopeo")
                    .args(["copy", "--all", "--quiet"])
                    // By its tag: the referrers listed beside it are other manifests.
                    .arg(format!("oci:{}:{version}", layout.display()))
                    .arg(format!("oci:{}:{version}", copy.display()))
                    .output()?;
                if !out.status.success() {
                    bail!("{}", String::from_utf8_lossy(&out.stderr).trim());
                }
                Ok(())
            })(),
        );
    }
    Ok(())
}

/// Every `.tar.gz` archive unpacked into `target/e2e/unpacked/` and its binary's
/// `--version` run; the unpacked `aicrd` served, driven over HTTP and stopped.
fn check_archives(release: &Release<'_>, manifest: &Manifest, steps: &mut Steps) -> Result<()> {
    let unpacked = release.e2e_dir.join("unpacked");
    if unpacked.exists() {
        std::fs::remove_dir_all(&unpacked)?;
    }
    for archive in manifest
        .artifacts
        .iter()
        .filter(|a| a.kind == Kind::Archive && a.name.ends_with(".tar.gz"))
    {
        let dir = unpacked.join(archive.name.trim_end_matches(".tar.gz"));
        let path = release.out.join(&archive.path);
        let binary = archive
            .name
            .split('_')
            .next()
            .unwrap_or_default()
            .to_owned();
        steps.record(
            &format!("unpack {} and run {binary} --version", archive.name),
            unpack_and_version(&path, &dir, &binary, &release.metadata.version),
        );
        if binary == "aicrd" {
            steps.record(
                "aicrd serves /health, /ready and / and stops on SIGTERM",
                serve(&dir.join("aicrd")),
            );
        }
    }
    Ok(())
}

/// The images as a container runtime would start them: the entrypoint's binary out of
/// the image's last layer (of platform `arch`), with the entrypoint's arguments; then
/// that the images of one binary share its layer.
fn check_images(release: &Release<'_>, arch: &str, steps: &mut Steps) -> Result<()> {
    let images = release.e2e_dir.join("images");
    if images.exists() {
        std::fs::remove_dir_all(&images)?;
    }
    let mut binary_layers: BTreeMap<&str, Vec<(&str, String)>> = BTreeMap::new();
    for image in &release.def.images {
        let layout = release.out.join(&format!("images/{}", image.name));
        // A Python image's entrypoint is a script for the base's interpreter, which
        // only a container runtime starts; its layer is checked by the image tests.
        let Some(binary) = image.binary() else {
            continue;
        };
        if !layout.join("index.json").is_file() {
            continue;
        }
        let started = match entrypoint_of(&layout, arch, &images.join(&image.name)) {
            Ok(started) => started,
            Err(err) => {
                steps.record(&format!("image {}: its entrypoint", image.name), Err(err));
                continue;
            }
        };
        binary_layers
            .entry(binary)
            .or_default()
            .push((image.name.as_str(), started.layer.clone()));
        steps.record(
            &format!(
                "image {}: {} --version",
                image.name,
                started.entrypoint.join(" ")
            ),
            image_version(&started, &release.metadata.version),
        );
        // The images with arguments are the validator's phases.
        if !image.args.is_empty() {
            steps.record(
                &format!(
                    "image {}: --list, an unknown check, --rbac, every check without an answering API server, and the same through a link named {}",
                    image.name, image.args[0]
                ),
                validator(&started),
            );
        }
    }
    for (binary, layers) in &binary_layers {
        if layers.len() > 1 {
            steps.record(
                &format!("the images of {binary} share its layer"),
                shared_layer(layers),
            );
        }
    }
    Ok(())
}

/// That every image of `layers` (`(image, layer digest)`) has the first one's layer.
fn shared_layer(layers: &[(&str, String)]) -> Result<()> {
    let Some((first, first_layer)) = layers.first() else {
        return Ok(());
    };
    match layers.iter().find(|(_, l)| l != first_layer) {
        None => Ok(()),
        Some((name, layer)) => bail!("{name} has layer {layer}, {first} has {first_layer}"),
    }
}

/// Verifies every envelope of a DSSE bundle with a PEM public key, written from the DSSE
/// specification without any of our code: PAE, base64, ed25519.
const DSSE_VERIFY_PY: &str = r#"
import base64, json, sys
from cryptography.hazmat.primitives.serialization import load_pem_public_key
bundle, key_path = sys.argv[1], sys.argv[2]
key = load_pem_public_key(open(key_path, "rb").read())
count = 0
for line in open(bundle, "rb"):
    if not line.strip():
        continue
    env = json.loads(line)
    payload = base64.b64decode(env["payload"])
    ptype = env["payloadType"].encode()
    pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype, len(payload), payload)
    if not env["signatures"]:
        sys.exit("envelope is unsigned")
    for sig in env["signatures"]:
        key.verify(base64.b64decode(sig["sig"]), pae)
    statement = json.loads(payload)
    assert statement["_type"] == "https://in-toto.io/Statement/v1", statement["_type"]
    assert statement["predicateType"] == "https://slsa.dev/provenance/v1"
    count += 1
if count == 0:
    sys.exit("no envelope")
"#;

/// Verifies every referrer of an OCI layout (argv: layout, PEM public key, output
/// directory) without any of our code: each artifact manifest's digest, its bundle's
/// DSSE signature (PAE, base64, ed25519), and that the statement's subjects include the
/// manifest it is attached to. Writes each SPDX predicate to the output directory and
/// prints the names written; fails when the index or a platform lacks provenance or an
/// SBOM.
const REFERRERS_VERIFY_PY: &str = r#"
import base64, hashlib, json, os, sys
from cryptography.hazmat.primitives.serialization import load_pem_public_key
layout, key_path, out_dir = sys.argv[1], sys.argv[2], sys.argv[3]
key = load_pem_public_key(open(key_path, "rb").read())
def blob(digest):
    data = open(os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1]), "rb").read()
    if "sha256:" + hashlib.sha256(data).hexdigest() != digest:
        sys.exit("blob %s does not match its digest" % digest)
    return data
top = json.load(open(os.path.join(layout, "index.json")))
image = top["manifests"][0]["digest"]
index = json.loads(blob(image))
wanted = {(d, p) for d in [image] + [m["digest"] for m in index["manifests"]]
          for p in ("https://slsa.dev/provenance/v1", "https://spdx.dev/Document")}
found = set()
for entry in top["manifests"][1:]:
    if entry.get("artifactType") != "application/vnd.dev.sigstore.bundle.v0.3+json":
        continue
    manifest = json.loads(blob(entry["digest"]))
    bundle = json.loads(blob(manifest["layers"][0]["digest"]))
    env = bundle["dsseEnvelope"]
    payload = base64.b64decode(env["payload"])
    ptype = env["payloadType"].encode()
    pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype, len(payload), payload)
    if not env["signatures"]:
        sys.exit("referrer %s is unsigned" % entry["digest"])
    for sig in env["signatures"]:
        key.verify(base64.b64decode(sig["sig"]), pae)
    statement = json.loads(payload)
    subject = manifest["subject"]["digest"]
    if not any("sha256:" + s["digest"]["sha256"] == subject for s in statement["subject"]):
        sys.exit("referrer %s: its statement is not about %s" % (entry["digest"], subject))
    found.add((subject, statement["predicateType"]))
    if statement["predicateType"] == "https://spdx.dev/Document":
        name = "%s.spdx.json" % subject.replace(":", "-")
        with open(os.path.join(out_dir, name), "w") as f:
            json.dump(statement["predicate"], f)
        print(name)
missing = sorted(wanted - found)
if missing:
    sys.exit("missing referrers: %s" % missing)
"#;

/// `sha256sum -c` must run inside the directory; a subprocess there, not a chdir.
fn verify_in(dir: &Path, sums: &str) -> Result<()> {
    let out = Command::new("sha256sum")
        .args(["-c", "--strict", "--quiet", sums])
        .current_dir(dir)
        .output()?;
    if !out.status.success() {
        bail!("{}", String::from_utf8_lossy(&out.stdout).trim());
    }
    Ok(())
}

fn unpack_and_version(archive: &Path, dir: &Path, binary: &str, version: &str) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(archive)
        .arg("-C")
        .arg(dir)
        .status()?;
    if !status.success() {
        bail!("tar -xzf {} failed", archive.display());
    }
    let out = Command::new(dir.join(binary)).arg("--version").output()?;
    let line = String::from_utf8_lossy(&out.stdout);
    let want = format!("{binary} version {version} (commit: ");
    if !out.status.success() || !line.starts_with(&want) {
        bail!(
            "{binary} --version printed '{}', expected it to start with '{want}'",
            line.trim()
        );
    }
    Ok(())
}

fn serve(binary: &Path) -> Result<()> {
    let mut child = Command::new(binary)
        .args(["--listen", "127.0.0.1:0"])
        .env("SHUTDOWN_TIMEOUT_SECONDS", "10")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    let result = drive(&mut child);
    let _ = child.kill();
    let _ = child.wait();
    result
}

fn drive(child: &mut std::process::Child) -> Result<()> {
    let stderr = child.stderr.take().context("no stderr")?;
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines.next().context("aicrd exited before listening")??;
        let record: serde_json::Value =
            serde_json::from_str(&line).with_context(|| format!("log line is not JSON: {line}"))?;
        if record["msg"] == "listening" {
            break record["addr"]
                .as_str()
                .context("listening record without addr")?
                .to_owned();
        }
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    for (path, field, want) in [
        ("/health", "status", "healthy"),
        ("/ready", "status", "ready"),
        ("/", "service", "aicrd"),
    ] {
        let mut response = agent
            .get(format!("http://{addr}{path}"))
            .call()
            .with_context(|| format!("GET {path}"))?;
        let body: serde_json::Value = serde_json::from_str(&response.body_mut().read_to_string()?)?;
        if response.status() != 200 || body[field] != want {
            bail!("GET {path} answered {} {body}", response.status());
        }
    }
    let status = Command::new("kill")
        .args(["-s", "TERM", &child.id().to_string()])
        .status()?;
    if !status.success() {
        bail!("cannot send SIGTERM");
    }
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            if !status.success() {
                bail!("aicrd exited with {status} after SIGTERM");
            }
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(15) {
            bail!("aicrd did not stop within 15s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// An image's binary, unpacked from its last layer, and how the image starts it.
struct Started {
    /// The unpacked binary.
    binary: PathBuf,
    /// The image config's `Entrypoint`: the binary's path in the image, then arguments.
    entrypoint: Vec<String>,
    /// The digest of the layer holding the binary.
    layer: String,
}

impl Started {
    /// A command starting the binary as the image does: `argv[0]` the entrypoint's path,
    /// then the entrypoint's arguments, then `args`.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .arg0(&self.entrypoint[0])
            .args(&self.entrypoint[1..])
            .args(args);
        command
    }
}

/// Reads the `arch` image of a layout and unpacks its entrypoint's binary into `dir`.
fn entrypoint_of(layout: &Path, arch: &str, dir: &Path) -> Result<Started> {
    let json = |digest: &str| -> Result<serde_json::Value> {
        Ok(serde_json::from_slice(&crate::oci::read_blob(
            layout, digest,
        )?)?)
    };
    let top: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json"))?)?;
    let index = json(top["manifests"][0]["digest"].as_str().unwrap_or_default())?;
    let entry = index["manifests"]
        .as_array()
        .and_then(|m| m.iter().find(|d| d["platform"]["architecture"] == arch))
        .with_context(|| format!("no linux/{arch} image"))?;
    let manifest = json(entry["digest"].as_str().unwrap_or_default())?;
    let config = json(manifest["config"]["digest"].as_str().unwrap_or_default())?;
    let entrypoint: Vec<String> = config["config"]["Entrypoint"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let exe = entrypoint
        .first()
        .context("the config has no Entrypoint")?
        .trim_start_matches('/')
        .to_owned();
    let layer = manifest["layers"]
        .as_array()
        .and_then(|l| l.last())
        .and_then(|l| l["digest"].as_str())
        .context("the image has no layer")?
        .to_owned();
    let gz = crate::oci::read_blob(layout, &layer)?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&gz[..]));
    let mut bytes = None;
    for file in archive.entries()? {
        let mut file = file?;
        if file.path()?.to_str() == Some(exe.as_str()) {
            let mut content = Vec::new();
            file.read_to_end(&mut content)?;
            bytes = Some(content);
        }
    }
    let bytes = bytes.with_context(|| format!("the last layer {layer} holds no /{exe}"))?;
    std::fs::create_dir_all(dir)?;
    let binary = dir.join(exe.rsplit('/').next().unwrap_or("binary"));
    std::fs::write(&binary, bytes)?;
    std::fs::set_permissions(&binary, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    Ok(Started {
        binary,
        entrypoint,
        layer,
    })
}

/// `<entrypoint> --version` prints the release's version line.
fn image_version(started: &Started, version: &str) -> Result<()> {
    let out = started.command(&["--version"]).output()?;
    let line = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || !line.contains(&format!(" version {version} (commit: ")) {
        bail!(
            "--version printed '{}' (exit {:?}), expected the version {version}",
            line.trim(),
            out.status.code()
        );
    }
    Ok(())
}

/// A validator phase's image: `--list`, an unknown check, `--rbac`, then every listed
/// check against an API server that does not answer (a kubeconfig naming a closed port
/// on 127.0.0.1): each must end with a CTRF result whose status matches its exit code,
/// the cluster checks skipped. Then `--list` through a link named after the phase.
fn validator(started: &Started) -> Result<()> {
    let list = started.command(&["--list"]).output()?;
    if !list.status.success() || list.stdout.is_empty() {
        bail!("--list failed");
    }
    let unknown = started.command(&["no-such-check"]).output()?;
    if unknown.status.code() != Some(2) {
        bail!(
            "an unknown check exited {:?}, expected 2",
            unknown.status.code()
        );
    }
    let rbac = started.command(&["--rbac"]).output()?;
    if !rbac.status.success()
        || !String::from_utf8_lossy(&rbac.stdout).contains("kind: ClusterRole")
    {
        bail!("--rbac printed no ClusterRole");
    }
    let home = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let kubeconfig = home.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {{server: 'https://127.0.0.1:{port}'}}\nusers:\n- name: u\n  user: {{token: t}}\ncontexts:\n- name: x\n  context: {{cluster: c, user: u}}\ncurrent-context: x\n"
        ),
    )?;
    for check in String::from_utf8_lossy(&list.stdout).lines() {
        let out = started
            .command(&[check, "--json", "--kubeconfig"])
            .arg(&kubeconfig)
            .env_remove("KUBECONFIG")
            .env_remove("KUBERNETES_SERVICE_HOST")
            .env("HOME", home.path())
            .env("AICR_TERMINATION_LOG", home.path().join("termination-log"))
            .output()?;
        let result: serde_json::Value = serde_json::from_slice(&out.stdout)
            .with_context(|| format!("{check} printed no CTRF result"))?;
        let expected = match out.status.code() {
            Some(0) => "passed",
            Some(1) => "failed",
            Some(2) => "skipped",
            other => bail!(
                "{check} exited {other:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
        };
        if result["status"] != expected {
            bail!(
                "{check}: CTRF status {} but exit code for {expected}",
                result["status"]
            );
        }
        let message = result["message"].as_str().unwrap_or_default();
        if message.contains("Kubernetes API at")
            && !(expected == "skipped" && message.contains("is unreachable"))
        {
            bail!("{check} without an answering API server: {expected}: {message}");
        }
    }
    // A link named after the phase runs the same phase.
    let phase = started.entrypoint.get(1).context("no phase argument")?;
    let link = home.path().join(phase);
    std::os::unix::fs::symlink(&started.binary, &link)?;
    let linked = Command::new(&link).arg("--list").output()?;
    if !linked.status.success() || linked.stdout != list.stdout {
        bail!(
            "{} --list printed '{}', the image printed '{}'",
            link.display(),
            String::from_utf8_lossy(&linked.stdout).trim(),
            String::from_utf8_lossy(&list.stdout).trim()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oci::{self, ImageConfig, Node};

    #[test]
    fn the_profile_must_be_cargos_own_or_one_the_manifest_defines() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[workspace]\n\n[profile.release-dist]\ninherits = \"release\"\n\n[profile.qualify-e2e]\ninherits = \"release-dist\"\nopt-level = 0\n",
        )
        .unwrap();
        let project = Project::open(Some(dir.path())).unwrap();
        for profile in ["qualify-e2e", "release-dist", "release"] {
            defined_profile(&project, profile).unwrap();
        }
        for profile in ["dev", "test", "bench"] {
            let err = defined_profile(&project, profile).unwrap_err().to_string();
            assert!(err.contains("is not a release build; hint:"), "{err}");
        }
        let err = defined_profile(&project, "fast").unwrap_err().to_string();
        assert!(
            err.contains("the e2e gate's profile 'fast' is not defined in")
                && err.contains("hint: add [profile.fast] (inherits = \"release-dist\"), or pass --e2e-profile release-dist"),
            "{err}"
        );
        // This workspace defines the default.
        defined_profile(&Project::open(None).unwrap(), PROFILE).unwrap();
    }

    /// A one-platform layout whose last layer holds `script` at `usr/local/bin/validator`
    /// and whose entrypoint passes `deployment`.
    fn layout(dir: &Path, script: &str) -> String {
        let mut nodes = BTreeMap::new();
        oci::with_parents(&mut nodes, "usr/local/bin/validator");
        nodes.insert(
            "usr/local/bin/validator".to_owned(),
            Node::File {
                bytes: script.as_bytes().to_vec(),
                mode: 0o755,
            },
        );
        let layer = oci::layer(&nodes, 0).unwrap();
        let digest = layer.blob.digest.clone();
        let cfg = ImageConfig {
            arch: "amd64",
            created: "2026-01-02T03:04:05Z",
            entrypoint: crate::tasks::images::entrypoint(
                "usr/local/bin/validator",
                &["deployment".to_owned()],
            ),
            env: Vec::new(),
            labels: BTreeMap::new(),
            user: "65532:65532".to_owned(),
        };
        let (config, manifest) = oci::image(&cfg, &[layer.info()]);
        let index = oci::index(&[("amd64", &manifest)], &BTreeMap::new());
        oci::write_layout(
            dir,
            &[&layer.blob, &config, &manifest],
            &[],
            &index,
            "1.2.3",
        )
        .unwrap();
        digest
    }

    #[test]
    fn the_images_of_a_binary_share_its_layer_or_the_odd_one_is_named() {
        let same = [("a", "sha256:1".to_owned()), ("b", "sha256:1".to_owned())];
        assert!(shared_layer(&same).is_ok());
        assert!(shared_layer(&[]).is_ok());
        let odd = [
            ("a", "sha256:1".to_owned()),
            ("b", "sha256:1".to_owned()),
            ("c", "sha256:2".to_owned()),
        ];
        assert_eq!(
            shared_layer(&odd).unwrap_err().to_string(),
            "c has layer sha256:2, a has sha256:1"
        );
    }

    #[test]
    fn steps_count_every_result_and_keep_each_failure_as_a_finding() {
        assert_eq!(
            Steps::default().outcome("x86_64-unknown-linux-gnu").summary,
            "0 end-to-end step(s) passed on x86_64-unknown-linux-gnu"
        );
        let mut steps = Steps::default();
        steps.record("one", Ok(()));
        steps.record("two", Err(anyhow::anyhow!("broke")));
        steps.record("three", Ok(()));
        let outcome = steps.outcome("x86_64-unknown-linux-gnu");
        assert_eq!(outcome.summary, "1 of 3 end-to-end step(s) failed");
        assert_eq!(outcome.findings.len(), 1);
        assert_eq!(outcome.findings[0].message, "two: broke");
    }

    #[test]
    fn an_images_binary_starts_as_its_entrypoint_says() {
        let tmp = tempfile::tempdir().unwrap();
        let digest = layout(&tmp.path().join("layout"), "#!/bin/sh\necho \"$*\"\n");
        let started =
            entrypoint_of(&tmp.path().join("layout"), "amd64", &tmp.path().join("run")).unwrap();
        assert_eq!(started.layer, digest);
        assert_eq!(
            started.entrypoint,
            ["/usr/local/bin/validator", "deployment"]
        );
        let out = started.command(&["--list"]).output().unwrap();
        assert!(out.status.success());
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "deployment --list\n",
            "the entrypoint's arguments, then the command's (a script's $0 is its file, so argv[0] is the validator tests' business)"
        );
        let err = entrypoint_of(&tmp.path().join("layout"), "arm64", &tmp.path().join("run"))
            .err()
            .unwrap();
        assert_eq!(err.to_string(), "no linux/arm64 image");
    }
}
