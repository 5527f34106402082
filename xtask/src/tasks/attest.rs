// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask attest [--out DIR] [--key FILE]`: SLSA v1 provenance for a release, as
//! an in-toto Statement v1 in a DSSE envelope, one envelope per line of
//! `<project>_<version>.intoto.jsonl`.
//!
//! The subjects are the entries of the checksum file (every release asset with its
//! SHA-256). The predicate records the build: `buildType` (versioned URI of this
//! xtask's release process), `externalParameters` (tag or snapshot, targets, the
//! release definition's digest, the workflow in GitHub Actions), `internalParameters`
//! (toolchain), `resolvedDependencies` (the git commit, `Cargo.lock`, rustc), and
//! `runDetails` (builder id: the workflow in GitHub Actions, a local builder URI
//! otherwise; invocation id and times; a snapshot uses the commit time, so its
//! provenance is reproducible).
//!
//! With a key (`--key FILE` or `$AICR_SIGNING_KEY`, ed25519 PKCS#8 PEM) the envelope is
//! signed and the public key is written beside it as `<project>_<version>.pub`; without
//! one the statement is written unsigned and the task says so. Keys never appear in
//! output or in the output directory.

use std::path::Path;

use anyhow::{Context, Result};
use ed25519_dalek::SigningKey;
use serde_json::{Value, json};
use xshell::cmd;

use crate::artifacts::{Artifact, Kind, Metadata, OutDir};
use crate::assets::Assets;
use crate::attestation::{BUILD_TYPE, LOCAL_BUILDER};
use crate::dist::{DEFINITION, Definition};
use crate::dsse::{self, Envelope};
use crate::flags::AttestArgs;
use crate::fsutil;
use crate::project::Project;

/// The signing key from `--key` or `$AICR_SIGNING_KEY`, if any.
pub fn signing_key(project: &Project, flag: Option<&Path>) -> Result<Option<SigningKey>> {
    let pem = match flag {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the signing key {}", path.display()))?,
        ),
        None => project
            .sh
            .var("AICR_SIGNING_KEY")
            .ok()
            .filter(|v| !v.trim().is_empty()),
    };
    pem.map(|pem| dsse::signing_key_from_pem(&pem).context("the signing key is unusable"))
        .transpose()
}

/// Everything the statement says beyond the subjects. Pure.
#[derive(Debug, Clone)]
pub struct BuildContext {
    pub metadata: Metadata,
    pub repository: String,
    pub definition_sha256: String,
    pub lock_sha256: String,
    pub rustc: String,
    pub cargo: String,
    pub targets: Vec<String>,
    /// GitHub Actions variables when running there.
    pub github: Option<Github>,
    pub started: String,
    pub finished: String,
}

#[derive(Debug, Clone)]
pub struct Github {
    pub server: String,
    pub repository: String,
    pub workflow_ref: String,
    pub run_id: String,
    pub run_attempt: String,
}

/// The in-toto statement. Pure and deterministic for the same inputs.
pub fn statement(subjects: &[(String, String)], ctx: &BuildContext) -> Value {
    let m = &ctx.metadata;
    let subject: Vec<Value> = subjects
        .iter()
        .map(|(name, digest)| json!({ "name": name, "digest": { "sha256": digest } }))
        .collect();
    let mut external = json!({
        "version": m.version,
        "targets": ctx.targets,
        "releaseDefinition": { "path": DEFINITION, "digest": { "sha256": ctx.definition_sha256 } },
    });
    match &m.tag {
        Some(tag) => external["tag"] = json!(tag),
        None => external["snapshot"] = json!(true),
    }
    let (builder, invocation) = match &ctx.github {
        Some(gh) => {
            external["workflow"] = json!({ "ref": gh.workflow_ref, "repository": format!("{}/{}", gh.server, gh.repository) });
            (
                format!("{}/{}", gh.server, gh.workflow_ref),
                format!(
                    "{}/{}/actions/runs/{}/attempts/{}",
                    gh.server, gh.repository, gh.run_id, gh.run_attempt
                ),
            )
        }
        None => (
            LOCAL_BUILDER.to_owned(),
            format!(
                "{}:{}",
                if m.snapshot { "snapshot" } else { "local" },
                m.commit
            ),
        ),
    };
    let source_uri = match &m.tag {
        Some(tag) => format!("git+{}@refs/tags/{tag}", ctx.repository),
        None => format!("git+{}", ctx.repository),
    };
    let rustc_version = ctx.rustc.split_whitespace().nth(1).unwrap_or("unknown");
    json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": subject,
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": external,
                "internalParameters": { "toolchain": { "rustc": ctx.rustc, "cargo": ctx.cargo } },
                "resolvedDependencies": [
                    { "uri": source_uri, "digest": { "gitCommit": m.commit } },
                    { "uri": format!("{}/blob/{}/Cargo.lock", ctx.repository, m.commit), "name": "Cargo.lock", "digest": { "sha256": ctx.lock_sha256 } },
                    { "uri": format!("pkg:generic/rustc@{rustc_version}"), "name": "rustc", "annotations": { "version": ctx.rustc } },
                ],
            },
            "runDetails": {
                "builder": { "id": builder },
                "metadata": { "invocationId": invocation, "startedOn": ctx.started, "finishedOn": ctx.finished },
            },
        },
    })
}

/// The builder id of this run: the workflow in GitHub Actions, the local builder
/// otherwise.
pub fn builder_id(project: &Project) -> String {
    match github(project) {
        Some(gh) => format!("{}/{}", gh.server, gh.workflow_ref),
        None => LOCAL_BUILDER.to_owned(),
    }
}

fn github(project: &Project) -> Option<Github> {
    let sh = &project.sh;
    if sh.var("GITHUB_ACTIONS").ok().as_deref() != Some("true") {
        return None;
    }
    let var = |name: &str| sh.var(name).unwrap_or_default();
    Some(Github {
        server: sh
            .var("GITHUB_SERVER_URL")
            .unwrap_or_else(|_| "https://github.com".to_owned()),
        repository: var("GITHUB_REPOSITORY"),
        workflow_ref: var("GITHUB_WORKFLOW_REF"),
        run_id: var("GITHUB_RUN_ID"),
        run_attempt: var("GITHUB_RUN_ATTEMPT"),
    })
}

/// Writes the provenance bundle (and the public key when signing); returns the artifacts.
pub fn attest(
    project: &Project,
    def: &Definition,
    out: &OutDir,
    key: Option<&SigningKey>,
) -> Result<Vec<Artifact>> {
    let now = crate::version::rfc3339(jiff::Timestamp::now().as_second())?;
    let metadata = out.metadata()?;
    let subjects = crate::tasks::checksum::read(def, out)?;
    let manifest = out.manifest()?;
    let mut targets: Vec<String> = manifest
        .artifacts
        .iter()
        .filter(|a| a.kind == Kind::Archive)
        .filter_map(|a| a.target.clone())
        .collect();
    targets.sort();
    targets.dedup();
    let sh = &project.sh;
    let cargo = project.cargo();
    let (started, finished) = if metadata.snapshot {
        (metadata.date.clone(), metadata.date.clone())
    } else {
        (now.clone(), now)
    };
    let ctx = BuildContext {
        repository: project.repository()?,
        definition_sha256: fsutil::sha256_file(&project.root.join(DEFINITION))?.0,
        lock_sha256: fsutil::sha256_file(&project.root.join("Cargo.lock"))?.0,
        rustc: cmd!(sh, "rustc -V").quiet().read()?,
        cargo: cmd!(sh, "{cargo} -V").quiet().read()?,
        targets,
        github: github(project),
        started,
        finished,
        metadata: metadata.clone(),
    };
    let statement = statement(&subjects, &ctx);
    let payload = serde_json::to_vec(&statement)?;
    let envelope = Envelope::new(dsse::IN_TOTO, &payload, key)?;
    let assets = Assets::new(def, &metadata.version);
    let (bundle, public) = (assets.provenance(), assets.public_key());
    let mut line = serde_json::to_string(&envelope)?;
    line.push('\n');
    fsutil::write_atomically(&out.join(&bundle.path), line.as_bytes())?;
    let mut artifacts = vec![bundle.artifact(out)?];
    match key {
        Some(key) => {
            let pem = dsse::public_pem(&key.verifying_key())?;
            fsutil::write_atomically(&out.join(&public.path), pem.as_bytes())?;
            artifacts.push(public.artifact(out)?);
            errln!(
                "attest: {} signed by key {} ({} subjects); public key in {}",
                bundle.name,
                dsse::keyid(&key.verifying_key())?,
                subjects.len(),
                public.name
            );
        }
        None => errln!(
            "attest: {} written UNSIGNED ({} subjects); hint: pass --key FILE or set AICR_SIGNING_KEY (cargo xtask keygen makes one)",
            bundle.name,
            subjects.len()
        ),
    }
    out.record(artifacts.clone())?;
    Ok(artifacts)
}

pub fn run(project: &Project, args: &AttestArgs) -> Result<()> {
    let def = Definition::load(&project.root)?;
    let out = OutDir::new(project.out_dir(&args.out.out));
    let key = signing_key(project, args.key.as_deref())?;
    for artifact in attest(project, &def, &out, key.as_ref())? {
        outln!("{}", artifact.path)?;
    }
    Ok(())
}
