// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! A small client for the GitHub Releases REST API: list releases (drafts included),
//! create and update a release, list, upload and delete assets. The base URL is
//! configurable (`$AICR_GITHUB_API`, default `https://api.github.com`) and uploads go to
//! the `upload_url` the API returns, so a local server can stand in for GitHub. The
//! token is sent as a bearer token and never printed.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::{Value, json};

pub const DEFAULT_API: &str = "https://api.github.com";

#[derive(Debug, Clone, Deserialize)]
pub struct Release {
    pub id: u64,
    pub tag_name: String,
    pub draft: bool,
    pub prerelease: bool,
    #[serde(default)]
    pub body: Option<String>,
    pub upload_url: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Asset {
    pub id: u64,
    pub name: String,
    pub size: u64,
    /// `sha256:<hex>`, where the API reports it.
    #[serde(default)]
    pub digest: Option<String>,
}

#[derive(Debug)]
pub struct Client {
    api: String,
    repository: String,
    token: String,
    agent: ureq::Agent,
}

impl Client {
    /// `repository` is `owner/name`.
    pub fn new(api: &str, repository: &str, token: &str) -> Client {
        let agent: ureq::Agent = crate::http::config().build().into();
        Client {
            api: api.trim_end_matches('/').to_owned(),
            repository: repository.to_owned(),
            token: token.to_owned(),
            agent,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/repos/{}{path}", self.api, self.repository)
    }

    fn send(&self, method: &str, url: &str, body: Option<(&str, Vec<u8>)>) -> Result<Value> {
        let auth = format!("Bearer {}", self.token);
        let response = match (method, body) {
            ("GET", _) => self
                .agent
                .get(url)
                .header("Authorization", &auth)
                .header("Accept", "application/vnd.github+json")
                .header("User-Agent", "aicr-xtask")
                .header("X-GitHub-Api-Version", "2022-11-28")
                .call(),
            ("DELETE", _) => self
                .agent
                .delete(url)
                .header("Authorization", &auth)
                .header("User-Agent", "aicr-xtask")
                .call(),
            (m, Some((content_type, bytes))) => {
                let request = if m == "PATCH" {
                    self.agent.patch(url)
                } else {
                    self.agent.post(url)
                };
                request
                    .header("Authorization", &auth)
                    .header("Accept", "application/vnd.github+json")
                    .header("User-Agent", "aicr-xtask")
                    .header("X-GitHub-Api-Version", "2022-11-28")
                    .header("Content-Type", content_type)
                    .send(&bytes[..])
            }
            (m, None) => bail!("internal error: {m} without a body"),
        };
        let mut response = response.with_context(|| format!("{method} {url} failed"))?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        if !(200..300).contains(&status) {
            let message = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_owned))
                .unwrap_or(text);
            bail!("{method} {url} answered {status}: {message}");
        }
        Ok(if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .with_context(|| format!("{method} {url} answered no JSON"))?
        })
    }

    /// The release of `tag`, drafts included (the by-tag endpoint hides drafts).
    pub fn find_release(&self, tag: &str) -> Result<Option<Release>> {
        for page in 1..=50 {
            let value = self.send(
                "GET",
                &self.url(&format!("/releases?per_page=100&page={page}")),
                None,
            )?;
            let releases: Vec<Release> =
                serde_json::from_value(value).context("unexpected releases list")?;
            if let Some(found) = releases.iter().find(|r| r.tag_name == tag) {
                return Ok(Some(found.clone()));
            }
            if releases.len() < 100 {
                break;
            }
        }
        Ok(None)
    }

    /// The repository as the token sees it (`GET /repos/{owner}/{name}`).
    pub fn repository(&self) -> Result<Value> {
        self.send(
            "GET",
            &format!("{}/repos/{}", self.api, self.repository),
            None,
        )
    }

    /// Creates a draft; `make_latest` is what GitHub does with its "latest release"
    /// once the draft is published.
    pub fn create_draft(
        &self,
        tag: &str,
        body: &str,
        prerelease: bool,
        make_latest: bool,
    ) -> Result<Release> {
        let payload = json!({
            "tag_name": tag,
            "name": tag,
            "body": body,
            "draft": true,
            "prerelease": prerelease,
            "make_latest": make_latest.to_string(),
        });
        let value = self.send(
            "POST",
            &self.url("/releases"),
            Some(("application/json", serde_json::to_vec(&payload)?)),
        )?;
        serde_json::from_value(value).context("unexpected release")
    }

    pub fn update(&self, id: u64, fields: &Value) -> Result<Release> {
        let value = self.send(
            "PATCH",
            &self.url(&format!("/releases/{id}")),
            Some(("application/json", serde_json::to_vec(fields)?)),
        )?;
        serde_json::from_value(value).context("unexpected release")
    }

    pub fn assets(&self, id: u64) -> Result<Vec<Asset>> {
        let value = self.send(
            "GET",
            &self.url(&format!("/releases/{id}/assets?per_page=100")),
            None,
        )?;
        serde_json::from_value(value).context("unexpected assets list")
    }

    pub fn upload(&self, release: &Release, name: &str, bytes: Vec<u8>) -> Result<Asset> {
        let base = release
            .upload_url
            .split('{')
            .next()
            .unwrap_or(&release.upload_url);
        let url = format!("{base}?name={name}");
        let value = self.send("POST", &url, Some(("application/octet-stream", bytes)))?;
        serde_json::from_value(value).context("unexpected asset")
    }

    pub fn delete_asset(&self, id: u64) -> Result<()> {
        self.send("DELETE", &self.url(&format!("/releases/assets/{id}")), None)
            .map(drop)
    }
}

/// `owner/name` from a `https://github.com/owner/name` repository URL.
pub fn owner_name(repository: &str) -> Result<String> {
    let path = repository.trim_end_matches('/').trim_end_matches(".git");
    let parts: Vec<&str> = path.rsplitn(3, '/').collect();
    match parts.as_slice() {
        [name, owner, _] if !name.is_empty() && !owner.is_empty() => Ok(format!("{owner}/{name}")),
        _ => bail!("cannot read owner/name from the repository URL {repository}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_and_name() {
        assert_eq!(
            owner_name("https://github.com/NVIDIA/aicr").unwrap(),
            "NVIDIA/aicr"
        );
        assert_eq!(
            owner_name("https://github.com/NVIDIA/aicr.git/").unwrap(),
            "NVIDIA/aicr"
        );
        assert!(owner_name("aicr").is_err());
    }
}
