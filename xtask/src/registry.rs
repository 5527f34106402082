// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! A client for the OCI distribution API, made for real registries: blobs are streamed
//! from disk and to disk and hashed while they pass (no size limit, flat memory),
//! manifests are read with a bound, and
//!
//! - authentication answers the registry's `WWW-Authenticate` challenges (RFC 7235):
//!   `Basic`, or a `Bearer` token from the realm, anonymous when no credentials are set
//!   (public pulls), asked for `pull` or `pull,push` scope as the request needs; a token
//!   granted for pull only is never used for a push;
//! - redirects are followed here (at most 5), and credentials go only to the registry's
//!   own scheme, host and port, never to the storage host a blob read is sent to;
//! - a dropped connection, `429` (its `Retry-After` honoured, capped) and `5xx` are retried
//!   with backoff a bounded number of times, then reported naming the request, the
//!   status and the registry.
//!
//! Credentials come from [`Credentials::from_env`]; they and tokens are never printed.
//! Loopback registries are spoken to over plain HTTP, every other one over HTTPS.

pub mod challenge;
pub mod credentials;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use ureq::http::{self, Uri};

use crate::oci::check_digest;

pub use credentials::Credentials;

pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// How many times a request is tried before its failure is reported.
pub const TRIES: u32 = 5;
/// The most redirects one request follows.
pub const MAX_REDIRECTS: u32 = 5;
/// The largest manifest or index read (OCI asks registries to accept 4 MiB).
const MAX_MANIFEST: u64 = 16 << 20;
/// The first backoff; it doubles with each try, up to [`MAX_BACKOFF`].
const BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// An image reference: `host/repository[:tag][@sha256:…]`; the host must be explicit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub host: String,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl Reference {
    pub fn parse(reference: &str) -> Result<Reference> {
        let (host, rest) = reference
            .split_once('/')
            .with_context(|| format!("'{reference}' names no registry host; hint: write it in full, e.g. docker.io/library/busybox:1.36"))?;
        if !host.contains(['.', ':']) && host != "localhost" {
            bail!(
                "'{reference}' names no registry host; hint: write it in full, e.g. docker.io/library/busybox:1.36"
            );
        }
        let (name, digest) = match rest.split_once('@') {
            Some((name, digest)) => {
                check_digest(digest).with_context(|| format!("in '{reference}'"))?;
                (name, Some(digest.to_owned()))
            }
            None => (rest, None),
        };
        let (repository, tag) = match name.rsplit_once(':') {
            Some((repo, tag)) if !tag.contains('/') => (repo, Some(tag.to_owned())),
            _ => (name, None),
        };
        let valid_repo = !repository.is_empty()
            && repository.split('/').all(|part| {
                !part.is_empty()
                    && part.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)
                    })
            });
        if !valid_repo {
            bail!(
                "'{reference}': '{repository}' is not a repository name (lowercase letters, digits, '.', '_', '-' and '/')"
            );
        }
        if let Some(tag) = &tag {
            let valid = tag.len() <= 128
                && tag
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
                && !tag.starts_with(['.', '-']);
            if !valid {
                bail!("'{reference}': '{tag}' is not a valid tag");
            }
        }
        Ok(Reference {
            host: host.to_owned(),
            repository: repository.to_owned(),
            tag,
            digest,
        })
    }

    /// What to ask the registry for: the tag when there is one, else the digest.
    pub fn reference(&self) -> &str {
        self.tag
            .as_deref()
            .or(self.digest.as_deref())
            .unwrap_or("latest")
    }
}

/// The repository path below the registry host: `ghcr.io/nvidia/aicrd` -> `nvidia/aicrd`.
pub fn repository_path(repository: &str) -> &str {
    match repository.split_once('/') {
        Some((host, rest)) if host.contains(['.', ':']) || host == "localhost" => rest,
        _ => repository,
    }
}

/// The scheme and host a registry host is spoken to with. `docker.io`, the name images
/// carry, serves its distribution API at `registry-1.docker.io` (as containerd and
/// skopeo resolve it).
pub fn base_url(host: &str) -> String {
    let local =
        host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]");
    let host = if host == "docker.io" {
        "registry-1.docker.io"
    } else {
        host
    };
    format!("{}://{host}", if local { "http" } else { "https" })
}

/// What a request does to a repository: the token scope it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    Pull,
    Push,
}

impl Access {
    fn actions(self) -> &'static str {
        match self {
            Access::Pull => "pull",
            Access::Push => "pull,push",
        }
    }

    /// The token scope for `repo`: `repository:<repo>:pull[,push]`.
    pub fn scope(self, repo: &str) -> String {
        format!("repository:{repo}:{}", self.actions())
    }
}

/// A request body that can be sent again on a retry.
#[derive(Debug, Clone, Copy)]
enum Payload<'a> {
    Empty,
    Bytes(&'a [u8]),
    /// A blob file, hashed while it is sent and checked against the digest.
    File(&'a Path, &'a str),
}

/// What a registry answered to a manifest put.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub digest: String,
    /// The registry indexed the manifest's subject for the referrers API.
    pub subject_indexed: bool,
}

/// The registry said no to these credentials or this access.
#[derive(Debug)]
pub struct Denied(pub String);

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Denied {}

/// A `Bearer` challenge: where tokens come from.
#[derive(Debug, Clone)]
struct Realm {
    realm: String,
    service: Option<String>,
}

#[derive(Debug, Clone, Default)]
enum Scheme {
    /// Nothing asked yet: requests go without credentials until a 401 says how.
    #[default]
    Unknown,
    Basic,
    Bearer(Realm),
}

pub struct Registry {
    host: String,
    base: String,
    origin: Origin,
    agent: ureq::Agent,
    credentials: Option<Credentials>,
    scheme: RefCell<Scheme>,
    /// Tokens by the scope they were asked for.
    tokens: RefCell<BTreeMap<String, String>>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("host", &self.host)
            .field("credentials", &self.credentials)
            .field("tokens", &self.tokens.borrow().len())
            .finish_non_exhaustive()
    }
}

/// Scheme, host and port: where credentials may go.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin(String, String, u16);

fn origin(url: &str) -> Option<Origin> {
    let uri: Uri = url.parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let port = uri
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });
    Some(Origin(scheme, uri.host()?.to_ascii_lowercase(), port))
}

/// Whether credentials may travel to `url`: HTTPS, or plain HTTP on loopback only.
fn secure(url: &str) -> bool {
    match origin(url) {
        Some(Origin(scheme, host, _)) => {
            scheme == "https"
                || (scheme == "http"
                    && (host.starts_with("127.") || host == "localhost" || host == "[::1]"))
        }
        None => false,
    }
}

/// A URL without its query (signed storage URLs and upload states stay out of messages).
fn shown(url: &str) -> &str {
    url.split_once('?').map_or(url, |(path, _)| path)
}

/// Percent-encodes a query value.
fn query_escape(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The backoff before try `tries + 1`.
fn backoff(tries: u32) -> Duration {
    BACKOFF
        .saturating_mul(1 << tries.saturating_sub(1).min(16))
        .min(MAX_BACKOFF)
}

/// `Retry-After` in seconds (the HTTP-date form falls back to the backoff), capped.
fn retry_after(response: &http::Response<ureq::Body>) -> Option<Duration> {
    let value = response.headers().get("retry-after")?.to_str().ok()?;
    let secs: u64 = value.trim().parse().ok()?;
    Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER))
}

fn header(response: &http::Response<ureq::Body>, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The start of an error body, for messages: the registry's error codes when it sent
/// them (`{"errors":[{"code":…,"message":…}]}`), else the text.
fn error_text(response: http::Response<ureq::Body>) -> String {
    let mut bytes = Vec::new();
    if let Err(e) = response
        .into_body()
        .into_reader()
        .take(16 << 10)
        .read_to_end(&mut bytes)
    {
        return format!("(the answer could not be read: {e})");
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes)
        && let Some(errors) = value["errors"].as_array()
    {
        return errors
            .iter()
            .map(|e| {
                format!(
                    "{}: {}",
                    e["code"].as_str().unwrap_or("?"),
                    e["message"].as_str().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
    }
    let text = String::from_utf8_lossy(&bytes);
    text.trim().chars().take(300).collect()
}

fn with_detail(status: u16, text: &str) -> String {
    if text.is_empty() {
        format!("{status}")
    } else {
        format!("{status} ({text})")
    }
}

/// The actions a token grants on `repo`, when it says: the `access` claim of a JWT.
fn granted_actions(token: &str, repo: &str) -> Option<Vec<String>> {
    use base64::Engine as _;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let access = claims["access"].as_array()?;
    Some(
        access
            .iter()
            .filter(|a| a["type"] == "repository" && a["name"] == repo)
            .flat_map(|a| a["actions"].as_array().cloned().unwrap_or_default())
            .filter_map(|a| a.as_str().map(str::to_owned))
            .collect(),
    )
}

/// Whether a failed request may succeed when sent again: the connection broke or timed out.
fn transient(e: &ureq::Error) -> bool {
    matches!(
        e,
        ureq::Error::Io(_)
            | ureq::Error::Timeout(_)
            | ureq::Error::ConnectionFailed
            | ureq::Error::Protocol(_)
            | ureq::Error::BodyStalled
    )
}

/// A reader that hashes what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    size: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
}

impl<R> Hashing<R> {
    fn new(inner: R) -> Hashing<R> {
        Hashing {
            inner,
            hasher: Sha256::new(),
            size: 0,
        }
    }

    fn digest(&self) -> String {
        format!(
            "sha256:{}",
            crate::fsutil::hex(&self.hasher.clone().finalize())
        )
    }
}

impl Registry {
    /// A client for `host` with the credentials of the environment.
    pub fn new(host: &str) -> Result<Registry> {
        Ok(Registry::with_credentials(
            host,
            Credentials::from_env(host)?,
        ))
    }

    pub fn with_credentials(host: &str, credentials: Option<Credentials>) -> Registry {
        let agent: ureq::Agent = crate::http::config()
            .max_redirects(0)
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(Duration::from_secs(300)))
            .build()
            .into();
        let base = base_url(host);
        Registry {
            host: host.to_owned(),
            origin: origin(&base).unwrap_or(Origin(String::new(), host.to_owned(), 0)),
            base,
            agent,
            credentials,
            scheme: RefCell::new(Scheme::Unknown),
            tokens: RefCell::new(BTreeMap::new()),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The Authorization header for a request to the registry itself.
    fn authorization(&self, repo: &str, access: Access) -> Result<Option<String>> {
        let scope = access.scope(repo);
        if let Some(token) = self.tokens.borrow().get(&scope) {
            return Ok(Some(format!("Bearer {token}")));
        }
        let scheme = self.scheme.borrow().clone();
        match scheme {
            Scheme::Unknown => Ok(None),
            Scheme::Basic => Ok(self.credentials.as_ref().map(Credentials::basic)),
            Scheme::Bearer(realm) => {
                let token = self.fetch_token(&realm, repo, access)?;
                Ok(Some(format!("Bearer {token}")))
            }
        }
    }

    /// Learns from a 401 how to authenticate; forgets a rejected token.
    fn challenged(
        &self,
        repo: &str,
        access: Access,
        response: &http::Response<ureq::Body>,
        again: bool,
    ) -> Result<()> {
        // A rejected (perhaps expired) token is asked for again once.
        self.tokens.borrow_mut().remove(&access.scope(repo));
        let mut challenges = Vec::new();
        for value in response.headers().get_all("www-authenticate") {
            let text = value.to_str().map_err(|_| {
                anyhow!(
                    "registry {}: a WWW-Authenticate header that is not text",
                    self.host
                )
            })?;
            challenges.extend(challenge::parse(text).map_err(|e| {
                anyhow!(
                    "registry {}: cannot read its WWW-Authenticate challenge ({e})",
                    self.host
                )
            })?);
        }
        let bearer = challenges
            .iter()
            .find(|c| c.is("bearer") && c.param("realm").is_some());
        let scheme = if let Some(b) = bearer {
            Scheme::Bearer(Realm {
                realm: b.param("realm").unwrap_or_default().to_owned(),
                service: b.param("service").map(str::to_owned),
            })
        } else if challenges.iter().any(|c| c.is("basic")) {
            Scheme::Basic
        } else if challenges.is_empty() {
            return Err(Denied(format!(
                "registry {} answered 401 without a WWW-Authenticate challenge",
                self.host
            ))
            .into());
        } else {
            let names: Vec<&str> = challenges.iter().map(|c| c.scheme.as_str()).collect();
            bail!(
                "registry {} asks for {} authentication, which this client does not speak (Basic and Bearer only)",
                self.host,
                names.join(", ")
            );
        };
        let basic = matches!(scheme, Scheme::Basic);
        let previous = self.scheme.replace(scheme);
        if again {
            return Err(self.refused(repo, access));
        }
        if basic {
            match &self.credentials {
                None => {
                    return Err(Denied(format!(
                        "registry {} requires credentials; hint: {}",
                        self.host,
                        credentials::hint(&self.host, access)
                    ))
                    .into());
                }
                // They were sent with this request and refused.
                Some(_) if matches!(previous, Scheme::Basic) => {
                    return Err(self.refused(repo, access));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    fn refused(&self, repo: &str, access: Access) -> anyhow::Error {
        let what = match access {
            Access::Pull => "pull from",
            Access::Push => "push to",
        };
        match &self.credentials {
            Some(c) => Denied(format!(
                "registry {} refused the credentials of {} (user '{}') to {what} {repo}; hint: check {} and {}",
                self.host,
                c.source,
                c.username,
                credentials::USERNAME,
                credentials::PASSWORD
            ))
            .into(),
            None => Denied(format!(
                "registry {} does not let anonymous clients {what} {repo}; hint: {}",
                self.host,
                credentials::hint(&self.host, access)
            ))
            .into(),
        }
    }

    /// Asks the realm for a token of `access` on `repo` and keeps it for that scope.
    fn fetch_token(&self, realm: &Realm, repo: &str, access: Access) -> Result<String> {
        let scope = access.scope(repo);
        if self.credentials.is_some() && !secure(&realm.realm) {
            bail!(
                "registry {} sends clients to the token service {} over plain HTTP; refusing to send credentials there",
                self.host,
                shown(&realm.realm)
            );
        }
        let mut url = realm.realm.clone();
        url.push(if url.contains('?') { '&' } else { '?' });
        if let Some(service) = &realm.service {
            url.push_str(&format!("service={}&", query_escape(service)));
        }
        url.push_str(&format!("scope={}", query_escape(&scope)));
        if let Some(c) = &self.credentials {
            url.push_str(&format!("&account={}", query_escape(&c.username)));
        }
        let basic = self.credentials.as_ref().map(Credentials::basic);
        let response = self.attempts("GET", &url, &[], Payload::Empty, |_| Ok(basic.clone()))?;
        let status = response.status().as_u16();
        if status == 401 || status == 403 {
            let _ = error_text(response);
            return Err(self.refused(repo, access));
        }
        if status != 200 {
            let text = error_text(response);
            bail!(
                "registry {}: the token service {} answered {}",
                self.host,
                shown(&realm.realm),
                with_detail(status, &text)
            );
        }
        let bytes = response
            .into_body()
            .into_with_config()
            .limit(1 << 20)
            .read_to_vec()
            .with_context(|| {
                format!(
                    "registry {}: cannot read the answer of the token service {}",
                    self.host,
                    shown(&realm.realm)
                )
            })?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| {
            anyhow!(
                "registry {}: the token service {} answered no JSON",
                self.host,
                shown(&realm.realm)
            )
        })?;
        let token = value["token"]
            .as_str()
            .or_else(|| value["access_token"].as_str())
            .filter(|t| !t.is_empty())
            .with_context(|| {
                format!(
                    "registry {}: the token service {} answered no token",
                    self.host,
                    shown(&realm.realm)
                )
            })?
            .to_owned();
        if access == Access::Push {
            // What was granted, where the answer says: OAuth's `scope`, or the JWT's claims.
            let granted = value["scope"]
                .as_str()
                .map(|s| {
                    s.split(' ')
                        .filter_map(|one| one.strip_prefix(&format!("repository:{repo}:")))
                        .flat_map(|actions| actions.split(','))
                        .map(str::to_owned)
                        .collect::<Vec<_>>()
                })
                .or_else(|| granted_actions(&token, repo));
            if let Some(granted) = granted
                && !granted.iter().any(|a| a == "push" || a == "*")
            {
                return Err(Denied(format!(
                    "registry {} granted {} only [{}] on {repo}, not push; hint: {}",
                    self.host,
                    self.credentials
                        .as_ref()
                        .map_or("anonymous clients".to_owned(), |c| format!(
                            "user '{}'",
                            c.username
                        )),
                    granted.join(","),
                    credentials::hint(&self.host, access)
                ))
                .into());
            }
        }
        self.tokens.borrow_mut().insert(scope, token.clone());
        Ok(token)
    }

    /// Sends one request with retries: a dropped connection, 429 and 5xx are tried again
    /// up to [`TRIES`] times; anything else is returned. `auth` gives the Authorization
    /// header of each try.
    fn attempts(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        payload: Payload<'_>,
        auth: impl Fn(&str) -> Result<Option<String>>,
    ) -> Result<http::Response<ureq::Body>> {
        let mut tries = 0;
        loop {
            tries += 1;
            let authorization = auth(url)?;
            let outcome = self.once(method, url, headers, payload, authorization.as_deref());
            let wait = match outcome {
                Ok(response) => {
                    let status = response.status().as_u16();
                    if status != 429 && !(500..=599).contains(&status) {
                        return Ok(response);
                    }
                    let wait = retry_after(&response);
                    let text = error_text(response);
                    if tries >= TRIES {
                        bail!(
                            "{method} {}: registry {} answered {} after {TRIES} tries",
                            shown(url),
                            self.host,
                            with_detail(status, &text)
                        );
                    }
                    errln!(
                        "registry: {method} {} answered {status}; trying again ({tries} of {TRIES} tries)",
                        shown(url)
                    );
                    wait.unwrap_or_else(|| backoff(tries))
                }
                Err(e) if e.downcast_ref::<ureq::Error>().is_some_and(transient) => {
                    if tries >= TRIES {
                        return Err(e.context(format!(
                            "{method} {}: registry {} did not answer after {TRIES} tries",
                            shown(url),
                            self.host
                        )));
                    }
                    errln!(
                        "registry: {method} {} failed ({e}); trying again ({tries} of {TRIES} tries)",
                        shown(url)
                    );
                    backoff(tries)
                }
                Err(e) => return Err(e),
            };
            std::thread::sleep(wait);
        }
    }

    /// One request, its file payload hashed while sent.
    fn once(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        payload: Payload<'_>,
        authorization: Option<&str>,
    ) -> Result<http::Response<ureq::Body>> {
        let mut builder = http::Request::builder().method(method).uri(url);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        if let Some(auth) = authorization {
            builder = builder.header("Authorization", auth);
        }
        let response = match payload {
            Payload::Empty if matches!(method, "POST" | "PUT" | "PATCH") => {
                self.agent.run(builder.body(&b""[..])?)
            }
            Payload::Empty => self.agent.run(builder.body(())?),
            Payload::Bytes(bytes) => self.agent.run(builder.body(bytes)?),
            Payload::File(path, digest) => {
                let file = File::open(path)
                    .with_context(|| format!("cannot open the blob {}", path.display()))?;
                let size = file
                    .metadata()
                    .with_context(|| format!("cannot read {}", path.display()))?
                    .len();
                let mut reader = Hashing::new(file);
                let request = builder
                    .header("Content-Length", size.to_string())
                    .body(ureq::SendBody::from_reader(&mut reader))?;
                let response = self.agent.run(request);
                if response.is_ok() && (reader.size != size || reader.digest() != digest) {
                    bail!(
                        "blob {digest} at {} does not match its digest (read {} as {}); hint: build the layout again",
                        path.display(),
                        reader.size,
                        reader.digest()
                    );
                }
                response
            }
        };
        Ok(response?)
    }

    /// A request to the registry, authenticated for `access` on `repo`: retries as
    /// [`Registry::attempts`], one new authentication on a 401, and redirects followed
    /// (GET and HEAD) with credentials kept to the registry's own origin.
    fn request(
        &self,
        repo: &str,
        access: Access,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        payload: Payload<'_>,
    ) -> Result<http::Response<ureq::Body>> {
        let mut url = url.to_owned();
        let mut redirects = 0;
        let mut reauthenticated = false;
        loop {
            let ours = |u: &str| origin(u).as_ref() == Some(&self.origin);
            let response = self.attempts(method, &url, headers, payload, |u| {
                if ours(u) {
                    self.authorization(repo, access)
                } else {
                    Ok(None)
                }
            })?;
            let status = response.status().as_u16();
            if status == 401 && ours(&url) {
                self.challenged(repo, access, &response, reauthenticated)?;
                let _ = error_text(response);
                reauthenticated = true;
                continue;
            }
            if matches!(status, 301 | 302 | 303 | 307 | 308) && matches!(method, "GET" | "HEAD") {
                redirects += 1;
                if redirects > MAX_REDIRECTS {
                    bail!(
                        "{method} {}: registry {} redirected more than {MAX_REDIRECTS} times",
                        shown(&url),
                        self.host
                    );
                }
                let location = header(&response, "location").with_context(|| {
                    format!(
                        "{method} {}: registry {} redirected without a Location",
                        shown(&url),
                        self.host
                    )
                })?;
                url = self.resolve_location(&url, &location)?;
                continue;
            }
            if status == 403 {
                let text = error_text(response);
                let what = match access {
                    Access::Pull => "pull from",
                    Access::Push => "push to",
                };
                return Err(Denied(format!(
                    "registry {} forbids {method} {} ({}): {what} {repo} is not allowed for {}; hint: {}",
                    self.host,
                    shown(&url),
                    with_detail(status, &text),
                    self.credentials
                        .as_ref()
                        .map_or("anonymous clients".to_owned(), |c| format!("user '{}'", c.username)),
                    credentials::hint(&self.host, access)
                ))
                .into());
            }
            return Ok(response);
        }
    }

    /// An absolute URL for a `Location` header relative to `url`.
    fn resolve_location(&self, url: &str, location: &str) -> Result<String> {
        if location.contains("://") {
            return Ok(location.to_owned());
        }
        let uri: Uri = url
            .parse()
            .with_context(|| format!("a bad URL {}", shown(url)))?;
        let authority = uri.authority().map(|a| a.as_str()).unwrap_or(&self.host);
        let scheme = uri.scheme_str().unwrap_or("https");
        if location.starts_with('/') {
            Ok(format!("{scheme}://{authority}{location}"))
        } else {
            bail!(
                "registry {} sent a Location that is not absolute: {}",
                self.host,
                shown(location)
            )
        }
    }

    /// Whether the registry has a blob.
    pub fn blob_exists(&self, repo: &str, digest: &str, access: Access) -> Result<bool> {
        let url = self.url(&format!("/v2/{repo}/blobs/{digest}"));
        let response = self.request(repo, access, "HEAD", &url, &[], Payload::Empty)?;
        match response.status().as_u16() {
            200 => Ok(true),
            404 => Ok(false),
            status => bail!(
                "HEAD {}: registry {} answered {status}",
                shown(&url),
                self.host
            ),
        }
    }

    /// Starts an upload session; returns its absolute URL.
    fn start_upload(&self, repo: &str) -> Result<String> {
        let url = self.url(&format!("/v2/{repo}/blobs/uploads/"));
        let response = self.request(repo, Access::Push, "POST", &url, &[], Payload::Empty)?;
        let status = response.status().as_u16();
        if status != 202 {
            let text = error_text(response);
            bail!(
                "POST {}: registry {} answered {} to starting an upload",
                shown(&url),
                self.host,
                with_detail(status, &text)
            );
        }
        let location = header(&response, "location").with_context(|| {
            format!(
                "POST {}: registry {} started an upload without a Location",
                shown(&url),
                self.host
            )
        })?;
        let _ = error_text(response);
        self.resolve_location(&url, &location)
    }

    /// Uploads the blob file at `path` (monolithic: POST for a session, PUT with the
    /// digest), streamed from disk and checked against `digest` while it is read.
    pub fn upload_blob(&self, repo: &str, digest: &str, path: &Path) -> Result<()> {
        check_digest(digest)?;
        let location = self.start_upload(repo)?;
        let separator = if location.contains('?') { '&' } else { '?' };
        let url = format!("{location}{separator}digest={}", query_escape(digest));
        let response = self.request(
            repo,
            Access::Push,
            "PUT",
            &url,
            &[("Content-Type", "application/octet-stream")],
            Payload::File(path, digest),
        )?;
        let status = response.status().as_u16();
        if status != 201 {
            let text = error_text(response);
            bail!(
                "PUT {}: registry {} answered {} to blob {digest}",
                shown(&url),
                self.host,
                with_detail(status, &text)
            );
        }
        let _ = error_text(response);
        Ok(())
    }

    /// Asks the registry to mount a blob another repository of it holds into `repo`
    /// (the distribution API's cross-repository mount). Returns whether it did; a
    /// registry that declines (it opened an upload session instead) gets the blob
    /// uploaded by the caller.
    pub fn mount_blob(&self, repo: &str, digest: &str, from: &str) -> Result<bool> {
        check_digest(digest)?;
        let url = self.url(&format!(
            "/v2/{repo}/blobs/uploads/?mount={digest}&from={from}"
        ));
        // With the push authorization `repo` already holds and no new token: a registry
        // whose tokens do not cover `from` declines (401 or 403) like one that opens an
        // upload session instead (202), and the caller uploads.
        let response = self.attempts("POST", &url, &[], Payload::Empty, |_| {
            self.authorization(repo, Access::Push)
        })?;
        let status = response.status().as_u16();
        let _ = error_text(response);
        Ok(status == 201)
    }

    /// Puts a manifest or index under a digest or tag; returns the registry's digest and
    /// whether it indexed the manifest's `subject` (an `OCI-Subject` answer: the registry
    /// serves the referrers API, so no referrers tag is needed).
    pub fn put_manifest(
        &self,
        repo: &str,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<Stored> {
        let url = self.url(&format!("/v2/{repo}/manifests/{reference}"));
        let response = self.request(
            repo,
            Access::Push,
            "PUT",
            &url,
            &[("Content-Type", media_type)],
            Payload::Bytes(bytes),
        )?;
        let status = response.status().as_u16();
        if status != 201 {
            let text = error_text(response);
            bail!(
                "PUT {}: registry {} answered {}",
                shown(&url),
                self.host,
                with_detail(status, &text)
            );
        }
        let digest = header(&response, "docker-content-digest")
            .unwrap_or_else(|| format!("sha256:{}", crate::fsutil::hex(&Sha256::digest(bytes))));
        let subject_indexed = header(&response, "oci-subject").is_some();
        let _ = error_text(response);
        Ok(Stored {
            digest,
            subject_indexed,
        })
    }

    /// The referrers of `digest` (descriptors of the manifests whose `subject` it is):
    /// from the referrers API (`/v2/<repo>/referrers/<digest>`), or, where the registry
    /// does not serve it (404), from the referrers tag schema (`sha256-<hex>`). `None`
    /// when neither lists any.
    pub fn referrers(&self, repo: &str, digest: &str) -> Result<Option<Vec<Value>>> {
        check_digest(digest)?;
        let url = self.url(&format!("/v2/{repo}/referrers/{digest}"));
        let response = self.request(
            repo,
            Access::Pull,
            "GET",
            &url,
            &[("Accept", crate::oci::INDEX)],
            Payload::Empty,
        )?;
        let status = response.status().as_u16();
        let bytes = match status {
            200 => Some(
                response
                    .into_body()
                    .into_with_config()
                    .limit(MAX_MANIFEST)
                    .read_to_vec()
                    .with_context(|| {
                        format!(
                            "GET {}: cannot read the referrers from registry {}",
                            shown(&url),
                            self.host
                        )
                    })?,
            ),
            404 => {
                let _ = error_text(response);
                let tag = digest.replacen(':', "-", 1);
                match self.resolve(repo, &tag, Access::Pull)? {
                    Some(_) => Some(self.get_manifest(repo, &tag)?.0),
                    None => None,
                }
            }
            status => {
                let text = error_text(response);
                bail!(
                    "GET {}: registry {} answered {}",
                    shown(&url),
                    self.host,
                    with_detail(status, &text)
                );
            }
        };
        let Some(bytes) = bytes else {
            return Ok(None);
        };
        let index: Value = serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "the referrers of {repo}@{digest} on registry {} are not a JSON index",
                self.host
            )
        })?;
        let manifests = index["manifests"]
            .as_array()
            .with_context(|| {
                format!(
                    "the referrers of {repo}@{digest} on registry {} list no manifests",
                    self.host
                )
            })?
            .clone();
        Ok(Some(manifests))
    }

    /// A manifest or index by tag or digest: its bytes, media type and digest (of the
    /// bytes; a digest reference must match them).
    pub fn get_manifest(&self, repo: &str, reference: &str) -> Result<(Vec<u8>, String, String)> {
        let accept = [
            crate::oci::INDEX,
            crate::oci::MANIFEST,
            DOCKER_LIST,
            DOCKER_MANIFEST,
        ]
        .join(",");
        let url = self.url(&format!("/v2/{repo}/manifests/{reference}"));
        let response = self.request(
            repo,
            Access::Pull,
            "GET",
            &url,
            &[("Accept", &accept)],
            Payload::Empty,
        )?;
        let status = response.status().as_u16();
        if status != 200 {
            let text = error_text(response);
            bail!(
                "GET {}: registry {} answered {}",
                shown(&url),
                self.host,
                with_detail(status, &text)
            );
        }
        let media_type = header(&response, "content-type")
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        let bytes = response
            .into_body()
            .into_with_config()
            .limit(MAX_MANIFEST)
            .read_to_vec()
            .with_context(|| {
                format!(
                    "GET {}: cannot read the manifest from registry {} (at most {MAX_MANIFEST} bytes)",
                    shown(&url),
                    self.host
                )
            })?;
        let digest = format!("sha256:{}", crate::fsutil::hex(&Sha256::digest(&bytes)));
        if reference.starts_with("sha256:") && digest != reference {
            bail!(
                "manifest {reference} of {repo} arrived from registry {} as {digest}",
                self.host
            );
        }
        Ok((bytes, media_type, digest))
    }

    /// Downloads a blob into `dest`, streamed and hashed while written; the file appears
    /// only when its content matches `digest`. A connection dropped mid-body is retried.
    pub fn download_blob(&self, repo: &str, digest: &str, dest: &Path) -> Result<u64> {
        check_digest(digest)?;
        let url = self.url(&format!("/v2/{repo}/blobs/{digest}"));
        let dir = dest
            .parent()
            .context("a blob destination without a directory")?;
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut tries = 0;
        loop {
            tries += 1;
            let response = self.request(repo, Access::Pull, "GET", &url, &[], Payload::Empty)?;
            let status = response.status().as_u16();
            if status != 200 {
                let text = error_text(response);
                bail!(
                    "blob {digest} of {repo}: registry {} answered {}",
                    self.host,
                    with_detail(status, &text)
                );
            }
            let mut tmp = tempfile::Builder::new()
                .prefix(".tmp-blob-")
                .tempfile_in(dir)
                .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
            let mut reader = Hashing::new(response.into_body().into_reader());
            let copied = copy(&mut reader, tmp.as_file_mut());
            match copied {
                Ok(()) => {}
                Err(Copy::Write(e)) => {
                    return Err(e).with_context(|| format!("cannot write {}", dest.display()));
                }
                Err(Copy::Read(e)) if tries < TRIES => {
                    errln!(
                        "registry: blob {digest} of {repo}: the download broke off ({e}); trying again ({tries} of {TRIES} tries)"
                    );
                    std::thread::sleep(backoff(tries));
                    continue;
                }
                Err(Copy::Read(e)) => {
                    return Err(e).with_context(|| {
                        format!(
                            "blob {digest} of {repo}: the download from registry {} broke off {TRIES} times",
                            self.host
                        )
                    });
                }
            }
            let actual = reader.digest();
            if actual != digest {
                bail!(
                    "blob {digest} of {repo} from registry {} does not match its digest: {} bytes arrived as {actual}",
                    self.host,
                    reader.size
                );
            }
            tmp.as_file_mut().flush()?;
            tmp.persist(dest)
                .with_context(|| format!("cannot move the blob into {}", dest.display()))?;
            return Ok(reader.size);
        }
    }

    /// The digest a tag or digest resolves to (HEAD of the manifest), `None` if absent.
    pub fn resolve(&self, repo: &str, reference: &str, access: Access) -> Result<Option<String>> {
        let accept = format!("{},{}", crate::oci::INDEX, crate::oci::MANIFEST);
        let url = self.url(&format!("/v2/{repo}/manifests/{reference}"));
        let response = self.request(
            repo,
            access,
            "HEAD",
            &url,
            &[("Accept", &accept)],
            Payload::Empty,
        )?;
        match response.status().as_u16() {
            200 => Ok(header(&response, "docker-content-digest")),
            404 => Ok(None),
            status => bail!(
                "HEAD {}: registry {} answered {status}",
                shown(&url),
                self.host
            ),
        }
    }

    /// Proves push access to `repo` without leaving anything visible: the token
    /// handshake for `pull,push` (or Basic credentials), then an upload session that is
    /// started and cancelled.
    pub fn check_push(&self, repo: &str) -> Result<()> {
        let location = self.start_upload(repo)?;
        // Cancelling may need more than push (a `delete` scope); an abandoned session is
        // invisible and expires, so a refusal here is only noted.
        let (status, text) =
            match self.request(repo, Access::Push, "DELETE", &location, &[], Payload::Empty) {
                Ok(response) => {
                    let status = response.status().as_u16();
                    (status, error_text(response))
                }
                Err(e) if e.downcast_ref::<Denied>().is_some() => (401, format!("{e:#}")),
                Err(e) => return Err(e),
            };
        if !(200..300).contains(&status) {
            errln!(
                "registry: {}: the probe upload session was not cancelled ({}); it expires on its own",
                self.host,
                with_detail(status, &text)
            );
        }
        Ok(())
    }
}

enum Copy {
    Read(io::Error),
    Write(io::Error),
}

fn copy(reader: &mut impl Read, writer: &mut impl Write) -> Result<(), Copy> {
    let mut buf = vec![0u8; 256 << 10];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Copy::Read(e)),
        };
        writer.write_all(&buf[..n]).map_err(Copy::Write)?;
    }
}

/// Checks, before anything is pushed, that the credentials of the environment may push
/// to `repository` on `host`: the registry's token handshake for `pull,push` scope (or
/// its Basic authentication) and an upload session started and cancelled.
pub fn check_push_access(host: &str, repository: &str) -> Result<()> {
    let registry = Registry::new(host)?;
    registry.check_push(repository).map_err(|e| {
        if e.downcast_ref::<Denied>().is_some() {
            anyhow!(
                "registry {host} denies push to {repository}: {e:#}; hint: {}",
                credentials::hint(host, Access::Push)
            )
        } else {
            e.context(format!("cannot check push access to {host}/{repository}"))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        let r = Reference::parse("nvcr.io/nvidia/cuda:13.1.0-runtime-ubuntu24.04").unwrap();
        assert_eq!(
            (r.host.as_str(), r.repository.as_str(), r.reference()),
            ("nvcr.io", "nvidia/cuda", "13.1.0-runtime-ubuntu24.04")
        );
        let local = Reference::parse("127.0.0.1:5000/a/b").unwrap();
        assert_eq!(
            (local.host.as_str(), local.reference()),
            ("127.0.0.1:5000", "latest")
        );
        let pinned = format!("ghcr.io/a/b:1@sha256:{}", "a".repeat(64));
        let r = Reference::parse(&pinned).unwrap();
        assert_eq!(r.repository, "a/b");
        assert_eq!(r.tag.as_deref(), Some("1"));
        assert_eq!(r.digest, Some(format!("sha256:{}", "a".repeat(64))));
        assert!(Reference::parse("busybox:1.36").is_err());
        assert!(
            Reference::parse("library/busybox")
                .unwrap_err()
                .to_string()
                .contains("names no registry host")
        );
        assert_eq!(base_url("docker.io"), "https://registry-1.docker.io");
        assert_eq!(base_url("ghcr.io"), "https://ghcr.io");
        assert_eq!(base_url("127.0.0.1:5000"), "http://127.0.0.1:5000");
        for bad in [
            "ghcr.io/a/b@sha256:abc",
            "ghcr.io/A/b:1",
            "ghcr.io/a//b:1",
            "ghcr.io/a/b:-x",
            "ghcr.io/:1",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn credentials_stay_with_their_origin() {
        assert_eq!(
            origin("http://127.0.0.1:5000/v2/"),
            origin("HTTP://127.0.0.1:5000/x")
        );
        assert_ne!(
            origin("http://127.0.0.1:5000/v2/"),
            origin("http://127.0.0.2:5000/v2/")
        );
        assert_ne!(
            origin("http://127.0.0.1:5000/v2/"),
            origin("http://127.0.0.1:5001/v2/")
        );
        assert_ne!(origin("https://ghcr.io/v2/"), origin("http://ghcr.io/v2/"));
        assert_eq!(
            origin("https://ghcr.io/v2/"),
            origin("https://ghcr.io:443/v2/")
        );
        assert!(secure("https://ghcr.io/token"));
        assert!(secure("http://127.0.0.1:5000/token"));
        assert!(!secure("http://auth.example/token"));
        assert!(!secure("not a url"));
    }

    #[test]
    fn scopes_queries_and_backoff() {
        assert_eq!(
            Access::Push.scope("nvidia/aicr"),
            "repository:nvidia/aicr:pull,push"
        );
        assert_eq!(
            query_escape("repository:a/b:pull,push"),
            "repository%3Aa%2Fb%3Apull%2Cpush"
        );
        assert_eq!(backoff(1), BACKOFF);
        assert_eq!(backoff(2), BACKOFF * 2);
        assert_eq!(backoff(30), MAX_BACKOFF);
        assert_eq!(shown("http://h/v2/x?_state=secret"), "http://h/v2/x");
    }

    #[test]
    fn granted_actions_come_from_the_jwt_access_claim() {
        use base64::Engine as _;
        let claims = serde_json::json!({"access": [{"type": "repository", "name": "a/b", "actions": ["pull"]}]});
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string());
        let token = format!("e30.{payload}.sig");
        assert_eq!(
            granted_actions(&token, "a/b"),
            Some(vec!["pull".to_owned()])
        );
        assert_eq!(granted_actions(&token, "other"), Some(vec![]));
        assert_eq!(granted_actions("opaque-token", "a/b"), None);
    }
}
