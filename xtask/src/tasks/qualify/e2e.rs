// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The `e2e` gate: the product as a user gets it. Builds a snapshot release of the host
//! target into `target/e2e/dist/` (release binaries, archives, checksums), verifies the
//! checksum file with the real `sha256sum -c --strict`, unpacks every archive with
//! `tar`, runs each binary's `--version`, starts the unpacked `aicrd` on a free
//! 127.0.0.1 port and drives it over HTTP, stops it with SIGTERM, and runs the
//! validator binaries. Kubernetes (Kind) end-to-end runs need a container runtime and
//! stay in GitHub CI.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::{Finding, Outcome};
use crate::artifacts::{Kind, OutDir};
use crate::dist::Definition;
use crate::project::Project;
use crate::targets::Target;
use crate::tasks::{build, cross_build, release};
use crate::tools;
use crate::version::BuildStamp;

pub fn check(project: &Project) -> Result<Outcome> {
    let sh = &project.sh;
    let def = Definition::load(&project.root)?;
    let host = tools::host_triple(project)?;
    let target = Target::for_host(&host)
        .with_context(|| format!("no release target runs on this host ({host})"))?;
    let e2e_dir = project.root.join("target/e2e");
    let out = OutDir::new(e2e_dir.join("dist"));
    let opts = cross_build::Options {
        only: Some(vec![target]),
        install_missing: true,
        fake: false,
        snapshot: true,
    };
    // A fresh key, so the release is signed as in CI.
    let keys = e2e_dir.join("keys");
    if keys.exists() {
        std::fs::remove_dir_all(&keys)?;
    }
    std::fs::create_dir_all(&keys)?;
    let (private, public) = crate::dsse::generate()?;
    std::fs::write(keys.join("aicr-signing.pub"), &public)?;
    let key = crate::dsse::signing_key_from_pem(&private)?;
    let metadata = release::pipeline(project, &def, &out, &opts, Some(&key))?;

    let mut steps = 0;
    let mut findings = Vec::new();
    let mut step = |name: &str, result: Result<()>| {
        steps += 1;
        match result {
            Ok(()) => eprintln!("  e2e: {name}: ok"),
            Err(err) => findings.push(Finding::new(format!("{name}: {err:#}"))),
        }
    };

    step(
        "sha256sum -c --strict",
        verify_in(&out.path, &def.checksums),
    );
    step(
        "cargo xtask verify --key",
        crate::tasks::verify::verify(&out.path, Some(&keys.join("aicr-signing.pub"))).and_then(
            |checks| match checks.iter().find(|c| !c.ok) {
                Some(failed) => bail!("{}: {}", failed.name, failed.detail),
                None => Ok(()),
            },
        ),
    );
    let (bundle, _) = crate::tasks::attest::bundle_names(&metadata);
    step(
        "an independent DSSE verifier (python cryptography) accepts the provenance",
        tools::python_with_cryptography(project).and_then(|python| {
            let out = Command::new(python)
                .arg("-c")
                .arg(DSSE_VERIFY_PY)
                .arg(out.join(&bundle))
                .arg(keys.join("aicr-signing.pub"))
                .output()?;
            if !out.status.success() {
                bail!("{}", String::from_utf8_lossy(&out.stderr).trim());
            }
            Ok(())
        }),
    );

    let manifest = out.manifest()?;
    let pyspdxtools = tools::pyspdxtools(project);
    for sbom in manifest.artifacts.iter().filter(|a| a.kind == Kind::Sbom) {
        let name = format!("pyspdxtools validates {}", sbom.name);
        let result = pyspdxtools
            .as_ref()
            .map_err(|e| anyhow::anyhow!("{e:#}"))
            .and_then(|bin| {
                let out = Command::new(bin)
                    .arg("-i")
                    .arg(out.join(&sbom.path))
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
            });
        step(&name, result);
    }

    // skopeo (Debian's, when installed) re-checks every digest while copying a layout.
    let skopeo = Command::new("skopeo")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    for image in manifest.artifacts.iter().filter(|a| a.kind == Kind::Image) {
        let layout = out.join(&format!("images/{}", image.name));
        if !skopeo {
            eprintln!(
                "  e2e: skopeo is not installed; {} is checked by the image tests only",
                image.name
            );
            continue;
        }
        let copy = e2e_dir.join("skopeo").join(&image.name);
        let _ = std::fs::remove_dir_all(&copy);
        std::fs::create_dir_all(e2e_dir.join("skopeo"))?;
        step(
            &format!("skopeo copy --all of the {} layout", image.name),
            (|| {
                let out = Command::new("skopeo")
                    .args(["copy", "--all", "--quiet"])
                    .arg(format!("oci:{}", layout.display()))
                    .arg(format!("oci:{}", copy.display()))
                    .output()?;
                if !out.status.success() {
                    bail!("{}", String::from_utf8_lossy(&out.stderr).trim());
                }
                Ok(())
            })(),
        );
    }

    let unpacked = e2e_dir.join("unpacked");
    if unpacked.exists() {
        std::fs::remove_dir_all(&unpacked)?;
    }
    for archive in manifest
        .artifacts
        .iter()
        .filter(|a| a.kind == Kind::Archive && a.name.ends_with(".tar.gz"))
    {
        let dir = unpacked.join(archive.name.trim_end_matches(".tar.gz"));
        let path = out.join(&archive.path);
        let binary = archive
            .name
            .split('_')
            .next()
            .unwrap_or_default()
            .to_owned();
        step(
            &format!("unpack {} and run {binary} --version", archive.name),
            unpack_and_version(&path, &dir, &binary, &metadata.version),
        );
        if binary == "aicrd" {
            step(
                "aicrd serves /health, /ready and / and stops on SIGTERM",
                serve(&dir.join("aicrd")),
            );
        }
    }

    let git = crate::git::Git::new(sh);
    let stamp = BuildStamp::of_head(&git, true)?;
    let validators = build::build(project, &stamp, false, None, &["validators".to_owned()])?;
    for name in ["deployment", "performance", "conformance"] {
        let Some(path) = validators.iter().find(|p| p.ends_with(&format!("/{name}"))) else {
            step(
                name,
                Err(anyhow::anyhow!("the build produced no {name} binary")),
            );
            continue;
        };
        step(
            &format!(
                "{name}: --list, an unknown check, --rbac, every check without an answering API server"
            ),
            validator(Path::new(path)),
        );
    }

    let summary = if findings.is_empty() {
        format!("{steps} end-to-end step(s) passed on {}", target.triple)
    } else {
        format!("{} of {steps} end-to-end step(s) failed", findings.len())
    };
    Ok(Outcome::from_findings(summary, findings))
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

/// `--list`, an unknown check, `--rbac`, then every listed check against an API server
/// that does not answer (a kubeconfig naming a closed port on 127.0.0.1): each must end
/// with a CTRF result whose status matches its exit code, the cluster checks skipped.
fn validator(binary: &Path) -> Result<()> {
    let list = Command::new(binary).arg("--list").output()?;
    if !list.status.success() || list.stdout.is_empty() {
        bail!("{} --list failed", binary.display());
    }
    let unknown = Command::new(binary).arg("no-such-check").output()?;
    if unknown.status.code() != Some(2) {
        bail!(
            "an unknown check exited {:?}, expected 2",
            unknown.status.code()
        );
    }
    let rbac = Command::new(binary).arg("--rbac").output()?;
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
        let out = Command::new(binary)
            .args([check, "--json", "--kubeconfig"])
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
    Ok(())
}
