// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Real registries for the image tests: Debian's `docker-registry` on 127.0.0.1, without
//! authentication, with htpasswd Basic authentication, or with token authentication
//! against a token service the test serves (JWTs signed RS256 with a certificate made by
//! the `openssl` CLI, which the registry trusts); and small HTTP servers on loopback
//! addresses (a front for the registry, a storage host) built with axum.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine as _;

pub const PROGRAM: &str = "/usr/bin/docker-registry";

/// A running registry process; killed on drop.
pub struct Registry {
    child: Child,
    /// `127.0.0.1:<port>`
    pub host: String,
    pub dir: tempfile::TempDir,
}

impl Registry {
    /// What the registry logged (warnings and errors: refused authorizations among them).
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How a registry authenticates.
pub enum Auth<'a> {
    None,
    /// htpasswd Basic authentication with these users and passwords.
    Basic(&'a [(&'a str, &'a str)]),
    /// Tokens from a [`TokenService`].
    Token(&'a TokenService),
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An htpasswd file with bcrypt hashes, made by `htpasswd -B` (password on stdin).
fn htpasswd(path: &Path, users: &[(&str, &str)]) {
    let mut lines = String::new();
    for (user, password) in users {
        let mut child = Command::new("htpasswd")
            .args(["-niB", user])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("htpasswd is needed: apt-get install apache2-utils");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(password.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "htpasswd: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        lines.push_str(String::from_utf8_lossy(&out.stdout).trim());
        lines.push('\n');
    }
    fs::write(path, lines).unwrap();
}

/// Starts a registry; `relative` makes it send relative Locations (for fronts).
pub fn start(auth: Auth<'_>, relative: bool) -> Registry {
    assert!(
        Path::new(PROGRAM).is_file(),
        "Debian's docker-registry is needed: apt-get install docker-registry apache2-utils (.ci/run installs it)"
    );
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let auth = match auth {
        Auth::None => String::new(),
        Auth::Basic(users) => {
            let file = dir.path().join("htpasswd");
            htpasswd(&file, users);
            format!(
                "auth:\n  htpasswd:\n    realm: test-registry\n    path: {}\n",
                file.display()
            )
        }
        Auth::Token(service) => format!(
            "auth:\n  token:\n    realm: {}/token\n    service: {SERVICE}\n    issuer: {ISSUER}\n    rootcertbundle: {}\n",
            service.url,
            service.cert.display()
        ),
    };
    let config = dir.path().join("config.yml");
    fs::write(
        &config,
        format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n  relativeurls: {relative}\n{auth}",
            dir.path().join("data").display(),
        ),
    )
    .unwrap();
    let log = fs::File::create(dir.path().join("registry.log")).unwrap();
    let child = Command::new(PROGRAM)
        .arg("serve")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let host = format!("127.0.0.1:{port}");
    let started = Instant::now();
    let agent = agent();
    // Any answer (200, or 401 with authentication) means it is serving.
    while agent
        .get(format!("http://{host}/v2/"))
        .call()
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
        == 0
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the registry did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Registry { child, host, dir }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

/// The digest a tag resolves to, asked with `authorization` (e.g. a Basic header).
pub fn resolve(
    host: &str,
    repo: &str,
    reference: &str,
    authorization: Option<&str>,
) -> Option<String> {
    let mut request = agent()
        .head(format!("http://{host}/v2/{repo}/manifests/{reference}"))
        .header("Accept", "application/vnd.oci.image.index.v1+json");
    if let Some(auth) = authorization {
        request = request.header("Authorization", auth);
    }
    let response = request.call().unwrap();
    (response.status() == 200).then(|| {
        response.headers()["docker-content-digest"]
            .to_str()
            .unwrap()
            .to_owned()
    })
}

pub fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// A small HTTP server on `ip`, port 0, running `app` until dropped.
pub struct Server {
    pub addr: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

pub fn serve(ip: &str, app: axum::Router) -> Server {
    let listener = TcpListener::bind(format!("{ip}:0")).unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
    });
    Server {
        addr,
        shutdown: Some(tx),
        thread: Some(thread),
    }
}

/// A request as a front saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
}

/// What a front does with a request: pass it on, fail it, or redirect it.
pub type Rule = dyn Fn(&Seen, usize) -> Option<Response> + Send + Sync;

struct Front {
    upstream: String,
    rule: Box<Rule>,
    seen: Mutex<Vec<Seen>>,
}

/// A front for `upstream` on 127.0.0.1: each request is first given to `rule` with its
/// 0-based number; when that answers nothing, it is passed on to the registry.
pub fn front(
    upstream: &str,
    rule: impl Fn(&Seen, usize) -> Option<Response> + Send + Sync + 'static,
) -> (Server, Arc<FrontLog>) {
    let front = Arc::new(Front {
        upstream: upstream.to_owned(),
        rule: Box::new(rule),
        seen: Mutex::new(Vec::new()),
    });
    let log = Arc::new(FrontLog(front.clone()));
    let app = axum::Router::new().fallback(pass_on).with_state(front);
    (serve("127.0.0.1", app), log)
}

/// The requests a front saw.
pub struct FrontLog(Arc<Front>);

impl FrontLog {
    pub fn seen(&self) -> Vec<Seen> {
        self.0.seen.lock().unwrap().clone()
    }
}

async fn pass_on(State(front): State<Arc<Front>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let seen = Seen {
        method: parts.method.to_string(),
        path: parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
        authorization: parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    let n = {
        let mut log = front.seen.lock().unwrap();
        log.push(seen.clone());
        log.len() - 1
    };
    if let Some(response) = (front.rule)(&seen, n) {
        return response;
    }
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let upstream = front.upstream.clone();
    tokio::task::spawn_blocking(move || forward(&upstream, &seen, &parts.headers, bytes.to_vec()))
        .await
        .unwrap()
}

fn forward(upstream: &str, seen: &Seen, headers: &HeaderMap, body: Vec<u8>) -> Response {
    let mut builder = ureq::http::Request::builder()
        .method(seen.method.as_str())
        .uri(format!("http://{upstream}{}", seen.path));
    for (name, value) in headers {
        if !matches!(
            name.as_str(),
            "host" | "content-length" | "transfer-encoding" | "connection"
        ) {
            builder = builder.header(name.as_str(), value.as_bytes());
        }
    }
    let response = agent().run(builder.body(body).unwrap()).unwrap();
    let status = response.status().as_u16();
    let mut out = Response::builder().status(status);
    for (name, value) in response.headers() {
        let head = seen.method == "HEAD" && name.as_str() == "content-length";
        if head
            || !matches!(
                name.as_str(),
                "content-length" | "transfer-encoding" | "connection"
            )
        {
            out = out.header(name.as_str(), value.as_bytes());
        }
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut response.into_body().into_reader(), &mut bytes).unwrap();
    out.body(Body::from(bytes)).unwrap()
}

/// A plain status answer.
pub fn status(code: u16, text: &str) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(code).unwrap())
        .body(Body::from(text.to_owned()))
        .unwrap()
}

pub const SERVICE: &str = "test-registry";
pub const ISSUER: &str = "test-token-issuer";

/// A token service on 127.0.0.1: Basic-authenticated users (or anonymous clients) get
/// JWTs granting the requested actions they are allowed, signed RS256 with a key whose
/// self-signed certificate the registry trusts. Every request is recorded.
pub struct TokenService {
    pub url: String,
    pub cert: PathBuf,
    pub state: Arc<TokenState>,
    _server: Server,
    _dir: tempfile::TempDir,
}

pub struct TokenState {
    key: PathBuf,
    x5c: String,
    /// user -> (password, allowed actions)
    users: HashMap<String, (String, Vec<String>)>,
    /// (scope, user or "anonymous", actions granted)
    pub requests: Mutex<Vec<(String, String, Vec<String>)>>,
}

impl TokenService {
    /// `users`: name, password and the actions the user may have on any repository;
    /// anonymous clients may pull.
    pub fn start(users: &[(&str, &str, &[&str])]) -> TokenService {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key.pem");
        let cert = dir.path().join("cert.pem");
        let der = dir.path().join("cert.der");
        let openssl = |args: &[&str]| {
            let out = Command::new("openssl")
                .args(args)
                .output()
                .expect("the openssl CLI is needed: apt-get install openssl");
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=test-token-issuer",
            "-keyout",
            key.to_str().unwrap(),
            "-out",
            cert.to_str().unwrap(),
        ]);
        openssl(&[
            "x509",
            "-in",
            cert.to_str().unwrap(),
            "-outform",
            "DER",
            "-out",
            der.to_str().unwrap(),
        ]);
        let x5c = base64::engine::general_purpose::STANDARD.encode(fs::read(&der).unwrap());
        let state = Arc::new(TokenState {
            key,
            x5c,
            users: users
                .iter()
                .map(|(u, p, a)| {
                    (
                        (*u).to_owned(),
                        ((*p).to_owned(), a.iter().map(|s| (*s).to_owned()).collect()),
                    )
                })
                .collect(),
            requests: Mutex::new(Vec::new()),
        });
        let app = axum::Router::new()
            .route("/token", axum::routing::get(token))
            .with_state(state.clone());
        let server = serve("127.0.0.1", app);
        TokenService {
            url: format!("http://{}", server.addr),
            cert,
            state,
            _server: server,
            _dir: dir,
        }
    }

    /// The scopes asked for, in order.
    pub fn scopes(&self) -> Vec<String> {
        self.state
            .requests
            .lock()
            .unwrap()
            .iter()
            .map(|(s, _, _)| s.clone())
            .collect()
    }
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

async fn token(
    State(state): State<Arc<TokenState>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let user = match headers.get("authorization").and_then(|v| v.to_str().ok()) {
        None => None,
        Some(value) => {
            let decoded = value
                .strip_prefix("Basic ")
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                .and_then(|b| String::from_utf8(b).ok());
            let Some((name, password)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
                return status(400, "bad authorization");
            };
            match state.users.get(name) {
                Some((p, actions)) if p == password => Some((name.to_owned(), actions.clone())),
                _ => return status(401, r#"{"details":"wrong user name or password"}"#),
            }
        }
    };
    let scope = query.get("scope").cloned().unwrap_or_default();
    let (who, allowed) = match user {
        Some((name, actions)) => (name, actions),
        None => ("anonymous".to_owned(), vec!["pull".to_owned()]),
    };
    let mut access = Vec::new();
    let mut granted = Vec::new();
    // scope = repository:<name>:<actions>
    let mut parts = scope.splitn(3, ':');
    if let (Some("repository"), Some(name), Some(actions)) =
        (parts.next(), parts.next(), parts.next())
    {
        granted = actions
            .split(',')
            .filter(|a| allowed.iter().any(|x| x == a))
            .map(str::to_owned)
            .collect();
        access.push(serde_json::json!({"type": "repository", "name": name, "actions": granted}));
    }
    state
        .requests
        .lock()
        .unwrap()
        .push((scope.clone(), who.clone(), granted));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = serde_json::json!({"typ": "JWT", "alg": "RS256", "x5c": [state.x5c]});
    let claims = serde_json::json!({
        "iss": ISSUER, "sub": who, "aud": query.get("service").cloned().unwrap_or_default(),
        "exp": now + 300, "nbf": now - 10, "iat": now, "jti": format!("{now}-{}", scope.len()),
        "access": access,
    });
    let input = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    );
    let key = state.key.clone();
    let signature = tokio::task::spawn_blocking(move || {
        let mut child = Command::new("openssl")
            .args(["dgst", "-sha256", "-sign"])
            .arg(&key)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        (input, out.stdout)
    })
    .await
    .unwrap();
    let jwt = format!("{}.{}", signature.0, b64url(&signature.1));
    Response::builder()
        .header("content-type", "application/json")
        .body(Body::from(
            serde_json::json!({"token": jwt, "expires_in": 300}).to_string(),
        ))
        .unwrap()
}

/// A TCP relay on 127.0.0.1 to `upstream` that closes each of its first `dropped`
/// connections as soon as a request arrives on it, without answering.
pub fn dropping_relay(upstream: &str, dropped: usize) -> String {
    use std::io::Read;
    use std::net::{Shutdown, TcpStream};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let upstream = upstream.to_owned();
    std::thread::spawn(move || {
        for (n, conn) in listener.incoming().enumerate() {
            let Ok(mut client) = conn else { return };
            if n < dropped {
                let mut buf = [0u8; 4096];
                let _ = client.read(&mut buf);
                let _ = client.shutdown(Shutdown::Both);
                continue;
            }
            let Ok(server) = TcpStream::connect(&upstream) else {
                return;
            };
            let (mut from_client, mut to_server) =
                (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut from_client, &mut to_server);
                let _ = to_server.shutdown(Shutdown::Write);
            });
            std::thread::spawn(move || {
                let (mut server, mut client) = (server, client);
                let _ = std::io::copy(&mut server, &mut client);
                let _ = client.shutdown(Shutdown::Write);
            });
        }
    });
    addr
}
