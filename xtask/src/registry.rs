// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! A client for the OCI distribution API: blobs (HEAD to skip existing ones, then a
//! monolithic upload) and manifests by digest or tag. Token authentication follows the
//! registry's `WWW-Authenticate: Bearer` challenge, with credentials from
//! `$AICR_REGISTRY_USERNAME` / `$AICR_REGISTRY_PASSWORD` when set (anonymous
//! otherwise). Credentials and tokens are never printed. Loopback registries are spoken
//! to over plain HTTP, every other one over HTTPS.

use std::cell::RefCell;

use anyhow::{Context, Result, bail};
use base64::Engine as _;

pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// `host/repository[:tag|@digest]` split into its parts; the host must be explicit.
pub fn parse_reference(reference: &str) -> Result<(String, String, String)> {
    let (host, rest) = reference
        .split_once('/')
        .context("an image reference needs a registry host")?;
    if !host.contains(['.', ':']) && host != "localhost" {
        bail!(
            "'{reference}' names no registry host; hint: write it in full, e.g. docker.io/library/busybox:1.36"
        );
    }
    let (repo, tag) = match rest.split_once('@') {
        Some((repo, digest)) => (repo, digest),
        None => match rest.rsplit_once(':') {
            Some((repo, tag)) if !tag.contains('/') => (repo, tag),
            _ => (rest, "latest"),
        },
    };
    Ok((host.to_owned(), repo.to_owned(), tag.to_owned()))
}

#[derive(Debug)]
pub struct Registry {
    base: String,
    agent: ureq::Agent,
    basic: Option<String>,
    token: RefCell<Option<String>>,
}

/// The scheme a registry host is spoken to with.
pub fn base_url(host: &str) -> String {
    let local =
        host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]");
    format!("{}://{host}", if local { "http" } else { "https" })
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Registry {
    pub fn new(host: &str, username: Option<String>, password: Option<String>) -> Registry {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        let basic = match (username, password) {
            (Some(u), Some(p)) => {
                Some(base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}")))
            }
            _ => None,
        };
        Registry {
            base: base_url(host),
            agent,
            basic,
            token: RefCell::new(None),
        }
    }

    fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<Reply> {
        for attempt in 0..2 {
            let auth = self.token.borrow().as_ref().map(|t| format!("Bearer {t}"));
            let mut builder = ureq::http::Request::builder().method(method).uri(url);
            for (k, v) in headers {
                builder = builder.header(*k, *v);
            }
            if let Some(auth) = &auth {
                builder = builder.header("Authorization", auth);
            }
            let request = builder.body(body.map(<[u8]>::to_vec).unwrap_or_default())?;
            let mut response = self
                .agent
                .run(request)
                .with_context(|| format!("{method} {url} failed"))?;
            let status = response.status().as_u16();
            let headers: Vec<(String, String)> = response
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        v.to_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect();
            let body = response.body_mut().read_to_vec().unwrap_or_default();
            let reply = Reply {
                status,
                headers,
                body,
            };
            if status == 401 && attempt == 0 {
                let challenge = reply
                    .header("www-authenticate")
                    .unwrap_or_default()
                    .to_owned();
                self.authenticate(&challenge)?;
                continue;
            }
            return Ok(reply);
        }
        bail!(
            "{method} {url}: the registry refused the credentials; hint: check AICR_REGISTRY_USERNAME and AICR_REGISTRY_PASSWORD"
        )
    }

    /// Answers a `Bearer realm=…,service=…,scope=…` challenge with a token.
    fn authenticate(&self, challenge: &str) -> Result<()> {
        let Some(params) = challenge.strip_prefix("Bearer ") else {
            bail!("the registry wants authentication this client does not speak ({challenge})");
        };
        let mut fields = std::collections::BTreeMap::new();
        for part in params.split(',') {
            if let Some((k, v)) = part.trim().split_once('=') {
                fields.insert(k.to_owned(), v.trim_matches('"').to_owned());
            }
        }
        let realm = fields
            .get("realm")
            .context("a Bearer challenge without realm")?;
        let mut url = format!("{realm}?");
        for key in ["service", "scope"] {
            if let Some(v) = fields.get(key) {
                url.push_str(&format!("{key}={v}&"));
            }
        }
        let mut request = self.agent.get(url.trim_end_matches(['&', '?']));
        if let Some(basic) = &self.basic {
            request = request.header("Authorization", &format!("Basic {basic}"));
        }
        let mut response = request.call().context("the token request failed")?;
        let text = response.body_mut().read_to_string().unwrap_or_default();
        let value: serde_json::Value =
            serde_json::from_str(&text).context("the token endpoint answered no JSON")?;
        let token = value["token"]
            .as_str()
            .or_else(|| value["access_token"].as_str())
            .context("no token in the answer")?;
        *self.token.borrow_mut() = Some(token.to_owned());
        Ok(())
    }

    pub fn blob_exists(&self, repo: &str, digest: &str) -> Result<bool> {
        let reply = self.send(
            "HEAD",
            &format!("{}/v2/{repo}/blobs/{digest}", self.base),
            &[],
            None,
        )?;
        Ok(reply.status == 200)
    }

    /// Uploads a blob in one request (POST for a session, then PUT with the digest).
    pub fn push_blob(&self, repo: &str, digest: &str, bytes: &[u8]) -> Result<()> {
        let start = self.send(
            "POST",
            &format!("{}/v2/{repo}/blobs/uploads/", self.base),
            &[("Content-Length", "0")],
            Some(&[]),
        )?;
        if start.status != 202 {
            bail!(
                "starting an upload to {repo} answered {}: {}",
                start.status,
                String::from_utf8_lossy(&start.body)
            );
        }
        let location = start
            .header("location")
            .context("the upload session has no Location")?;
        let location = if location.starts_with('/') {
            format!("{}{location}", self.base)
        } else {
            location.to_owned()
        };
        let separator = if location.contains('?') { '&' } else { '?' };
        let url = format!("{location}{separator}digest={digest}");
        let done = self.send(
            "PUT",
            &url,
            &[("Content-Type", "application/octet-stream")],
            Some(bytes),
        )?;
        if done.status != 201 {
            bail!(
                "uploading {digest} to {repo} answered {}: {}",
                done.status,
                String::from_utf8_lossy(&done.body)
            );
        }
        Ok(())
    }

    /// Asks the registry to mount a blob another repository of it holds into `repo`
    /// (the distribution API's cross-repository mount). Returns whether it did; a
    /// registry that declines (it opened an upload session instead) gets the blob
    /// uploaded by the caller.
    pub fn mount_blob(&self, repo: &str, digest: &str, from: &str) -> Result<bool> {
        let reply = self.send(
            "POST",
            &format!(
                "{}/v2/{repo}/blobs/uploads/?mount={digest}&from={from}",
                self.base
            ),
            &[("Content-Length", "0")],
            Some(&[]),
        )?;
        Ok(reply.status == 201)
    }

    /// Puts a manifest or index under a digest or tag; returns the registry's digest.
    pub fn put_manifest(
        &self,
        repo: &str,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<String> {
        let reply = self.send(
            "PUT",
            &format!("{}/v2/{repo}/manifests/{reference}", self.base),
            &[("Content-Type", media_type)],
            Some(bytes),
        )?;
        if reply.status != 201 {
            bail!(
                "putting manifest {reference} of {repo} answered {}: {}",
                reply.status,
                String::from_utf8_lossy(&reply.body)
            );
        }
        Ok(reply
            .header("docker-content-digest")
            .unwrap_or_default()
            .to_owned())
    }

    /// A manifest or index by tag or digest: its bytes and media type.
    pub fn get_manifest(&self, repo: &str, reference: &str) -> Result<(Vec<u8>, String)> {
        let accept = [
            crate::oci::INDEX,
            crate::oci::MANIFEST,
            DOCKER_LIST,
            DOCKER_MANIFEST,
        ]
        .join(",");
        let reply = self.send(
            "GET",
            &format!("{}/v2/{repo}/manifests/{reference}", self.base),
            &[("Accept", &accept)],
            None,
        )?;
        if reply.status != 200 {
            bail!(
                "{repo}:{reference} answered {}: {}",
                reply.status,
                String::from_utf8_lossy(&reply.body)
            );
        }
        let media_type = reply
            .header("content-type")
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        Ok((reply.body, media_type))
    }

    /// A blob by digest, checked against it (registries may redirect to storage).
    pub fn get_blob(&self, repo: &str, digest: &str) -> Result<Vec<u8>> {
        let mut url = format!("{}/v2/{repo}/blobs/{digest}", self.base);
        for _ in 0..5 {
            let reply = self.send("GET", &url, &[], None)?;
            match reply.status {
                200 => {
                    let actual = format!(
                        "sha256:{}",
                        crate::fsutil::hex(&<sha2::Sha256 as sha2::Digest>::digest(&reply.body))
                    );
                    if actual != digest {
                        bail!("blob {digest} of {repo} arrived as {actual}");
                    }
                    return Ok(reply.body);
                }
                301 | 302 | 307 | 308 => {
                    let location = reply
                        .header("location")
                        .context("a redirect without Location")?;
                    url = if location.starts_with('/') {
                        format!("{}{location}", self.base)
                    } else {
                        location.to_owned()
                    };
                }
                status => bail!("blob {digest} of {repo} answered {status}"),
            }
        }
        bail!("blob {digest} of {repo}: too many redirects")
    }

    /// The digest a tag or digest resolves to (HEAD of the manifest), `None` if absent.
    pub fn resolve(&self, repo: &str, reference: &str) -> Result<Option<String>> {
        let accept = format!("{},{}", crate::oci::INDEX, crate::oci::MANIFEST);
        let reply = self.send(
            "HEAD",
            &format!("{}/v2/{repo}/manifests/{reference}", self.base),
            &[("Accept", &accept)],
            None,
        )?;
        Ok((reply.status == 200).then(|| {
            reply
                .header("docker-content-digest")
                .unwrap_or_default()
                .to_owned()
        }))
    }
}

/// Preflight of a push: the registry's token handshake (or Basic credentials) grants
/// `pull,push` on `repository`, proven by opening an upload session and cancelling it.
pub fn check_push_access(host: &str, repository: &str) -> Result<()> {
    let registry = Registry::new(
        host,
        std::env::var("AICR_REGISTRY_USERNAME").ok(),
        std::env::var("AICR_REGISTRY_PASSWORD").ok(),
    );
    let url = format!("{}/v2/{repository}/blobs/uploads/", registry.base);
    let start = registry
        .send("POST", &url, &[("Content-Length", "0")], Some(&[]))
        .with_context(|| format!("cannot reach the registry {host}"))?;
    if start.status != 202 {
        bail!(
            "the registry {host} denies push to {repository} (POST {url} answered {}); hint: set AICR_REGISTRY_USERNAME and AICR_REGISTRY_PASSWORD (or GITHUB_TOKEN with packages: write for ghcr.io)",
            start.status
        );
    }
    if let Some(location) = start.header("location") {
        let location = if location.starts_with('/') {
            format!("{}{location}", registry.base)
        } else {
            location.to_owned()
        };
        let _ = registry.send("DELETE", &location, &[], None);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert_eq!(
            parse_reference("nvcr.io/nvidia/cuda:13.1.0-runtime-ubuntu24.04").unwrap(),
            (
                "nvcr.io".into(),
                "nvidia/cuda".into(),
                "13.1.0-runtime-ubuntu24.04".into()
            )
        );
        assert_eq!(parse_reference("127.0.0.1:5000/a/b").unwrap().2, "latest");
        assert_eq!(
            parse_reference("ghcr.io/a/b@sha256:abc").unwrap().2,
            "sha256:abc"
        );
        assert!(parse_reference("busybox:1.36").is_err());
        assert!(
            parse_reference("library/busybox")
                .unwrap_err()
                .to_string()
                .contains("names no registry host")
        );
    }
}
