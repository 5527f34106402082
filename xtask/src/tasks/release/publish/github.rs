// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The GitHub release: found (drafts included) or created as a draft, the plan's
//! assets uploaded unless already there with the same size and digest, then
//! published; a pre-release for `-rcN`, GitHub's latest release only when the plan
//! moves "latest". Needs `GITHUB_TOKEN` with `contents: write`; `AICR_GITHUB_API`
//! points at another API base URL.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use serde_json::{Value, json};

use super::{Context, Publisher};
use crate::artifacts::Kind;
use crate::assets::Role;
use crate::changelog::{self, Selection};
use crate::github;
use crate::project::Project;
use crate::tasks::plan::Plan;

#[derive(Debug)]
pub struct GitHub;

fn api(project: &Project) -> String {
    project
        .sh
        .var("AICR_GITHUB_API")
        .unwrap_or_else(|_| github::DEFAULT_API.to_owned())
}

fn client(cx: &Context<'_>) -> Result<github::Client> {
    let token = cx
        .secret("GITHUB_TOKEN")
        .context("GITHUB_TOKEN is not set; hint: export a token with contents: write")?;
    let repository = github::owner_name(&cx.project.repository()?)?;
    Ok(github::Client::new(&api(cx.project), &repository, &token))
}

fn release_notes(project: &Project, tag: &str) -> Result<String> {
    let config = crate::dist::changelog_config(project)?;
    let args = Selection {
        tag: Some(tag.to_owned()),
        ..Selection::default()
    };
    let sections = changelog::sections(project, &config, &args)?;
    Ok(config.render(&sections, &project.repository()?))
}

/// The plan's assets with their files, sizes and digests from the output directory;
/// an asset the plan names that the output lacks is an error.
fn assets(cx: &Context<'_>) -> Result<Vec<(String, PathBuf, u64, String)>> {
    let manifest = cx.out.manifest()?;
    cx.plan
        .assets
        .iter()
        .map(|name| {
            let artifact = manifest
                .artifacts
                .iter()
                .find(|a| {
                    a.name == *name
                        && (a.kind.is_release_asset()
                            || matches!(a.kind, Kind::Checksum | Kind::Provenance))
                })
                .with_context(|| {
                    let why = if Role::of(name) == Role::PublicKey {
                        " (the provenance is unsigned)"
                    } else {
                        ""
                    };
                    format!(
                        "the release asset {name} is not in {}{why}; hint: build the tag again with cargo xtask release --tag {} and AICR_SIGNING_KEY set",
                        cx.out.path.display(),
                        cx.tag
                    )
                })?;
            Ok((
                name.clone(),
                cx.out.join(&artifact.path),
                artifact.size,
                artifact.sha256.clone(),
            ))
        })
        .collect()
}

impl Publisher for GitHub {
    fn preflight(&self, cx: &Context<'_>) -> Vec<String> {
        let mut problems = Vec::new();
        if let Err(err) = assets(cx) {
            problems.push(format!("{err:#}"));
        }
        let client = match client(cx) {
            Ok(client) => client,
            Err(err) => {
                problems.push(format!("{err:#}"));
                return problems;
            }
        };
        let repository = cx
            .project
            .repository()
            .and_then(|url| github::owner_name(&url))
            .unwrap_or_default();
        match client.repository() {
            Err(err) => problems.push(format!(
                "GITHUB_TOKEN cannot read {repository} ({err:#}); hint: give the workflow's token contents: write, or export a token that can"
            )),
            Ok(repo) => {
                // Installation tokens report no permissions; the API enforces them.
                if repo["permissions"]["push"].as_bool() == Some(false) {
                    problems.push(format!(
                        "GITHUB_TOKEN cannot write to {repository}; hint: the token needs contents: write"
                    ));
                }
            }
        }
        problems
    }

    fn publish(&self, cx: &Context<'_>) -> Result<Value> {
        let client = client(cx)?;
        let tag = cx.tag;
        let prerelease = cx.plan.prerelease;
        let make_latest = cx.plan.latest.moves();
        let body = release_notes(cx.project, tag)?;
        let mut release = match client.find_release(tag)? {
            Some(existing) => {
                errln!(
                    "  github: reusing {} release {} of {tag}",
                    if existing.draft { "draft" } else { "published" },
                    existing.id
                );
                if existing.prerelease != prerelease
                    || existing.body.as_deref() != Some(body.as_str())
                {
                    client.update(
                        existing.id,
                        &json!({ "prerelease": prerelease, "body": body }),
                    )?
                } else {
                    existing
                }
            }
            None => {
                let created = client.create_draft(tag, &body, prerelease, make_latest)?;
                errln!("  github: created draft release {}", created.id);
                created
            }
        };
        let remote = client.assets(release.id)?;
        let mut uploaded = BTreeMap::new();
        for (name, path, size, sha) in assets(cx)? {
            let digest = format!("sha256:{sha}");
            if let Some(existing) = remote.iter().find(|a| a.name == name) {
                // Without a digest the API cannot prove the content (a checksum file keeps
                // its size across rebuilds): only an equal digest is the same asset.
                let same =
                    existing.size == size && existing.digest.as_deref() == Some(digest.as_str());
                if same {
                    errln!("  github: {name} is already uploaded");
                    uploaded.insert(name, sha);
                    continue;
                }
                if !cx.replace {
                    bail!(
                        "{name} on the release differs from the local file (size {} vs {size}); hint: pass --replace to replace it",
                        existing.size
                    );
                }
                client.delete_asset(existing.id)?;
                errln!("  github: replacing {name}");
            }
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            client.upload(&release, &name, bytes)?;
            errln!("  github: uploaded {name} ({size} bytes)");
            uploaded.insert(name, sha);
        }
        if release.draft {
            release = client.update(
                release.id,
                &json!({
                    "draft": false,
                    "prerelease": prerelease,
                    "make_latest": make_latest.to_string(),
                }),
            )?;
            errln!(
                "  github: published release {}{}",
                release.id,
                if make_latest {
                    " as the latest release"
                } else {
                    ""
                }
            );
        }
        Ok(json!({
            "release_id": release.id,
            "prerelease": prerelease,
            "make_latest": make_latest,
            "assets": uploaded,
        }))
    }
}

/// What `--publish` would send to GitHub, for `--dry-run`.
pub fn print_requests(project: &Project, plan: &Plan) -> Result<()> {
    let Some(tag) = plan.tag.as_deref() else {
        return Ok(());
    };
    let api = api(project);
    let repository = github::owner_name(&project.repository()?)?;
    let make_latest = plan.latest.moves();
    outln!("  requests (GitHub, token from GITHUB_TOKEN):")?;
    outln!("    GET   {api}/repos/{repository}   (preflight: the token can write releases)")?;
    outln!(
        "    GET   {api}/repos/{repository}/releases?per_page=100&page=1   (find {tag}, drafts included)"
    )?;
    outln!(
        "    POST  {api}/repos/{repository}/releases   {{tag_name: {tag}, draft: true, prerelease: {}, make_latest: {make_latest}, body: <changelog>}}   (unless it exists)",
        plan.prerelease
    )?;
    outln!("    GET   {api}/repos/{repository}/releases/<id>/assets?per_page=100")?;
    for asset in &plan.assets {
        outln!(
            "    POST  <upload_url>?name={asset}   (unless uploaded with the same size and digest)"
        )?;
    }
    outln!(
        "    PATCH {api}/repos/{repository}/releases/<id>   {{draft: false, make_latest: {make_latest}}}"
    )?;
    Ok(())
}
