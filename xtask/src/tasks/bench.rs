// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask bench [hash|package|all] [--json]`: measure the release steps against
//! the standard tools on the same input, in the same run, and report ratios.
//!
//! - `hash`: SHA-256 of a 200 MB file, ours (streaming, sha2) against `sha256sum`;
//!   also the growth of the process's peak memory while hashing (flat means constant).
//! - `package`: a 50 MB binary into a `.tar.gz`, ours (flate2 on zlib-rs, level 6)
//!   against `tar -czf` (gzip -6), comparing time and archive size.
//!
//! - `changelog`: a generated 40,000-commit history with 350 release tags; the whole
//!   history (`changelog --all`) and the since-last-tag preview, ours in process against
//!   `git-cliff` (pinned, installed from PyPI into the tool directory) on the same
//!   repository with an equivalent configuration.
//!
//! - `aicrd`: a release `aicrd` over loopback: recipe and `/health` throughput and
//!   latency; the time to refuse the most deeply nested body the body limit allows
//!   (1 MiB of `[`, as YAML and as JSON); how many idle connections it holds before it
//!   closes new ones, and `/health` latency on an open connection meanwhile.
//!
//! Inputs are generated under `target/bench/`. Each measurement is the best of three.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Serialize;
use xshell::cmd;

use crate::archive::{self, Entry};
use crate::flags::BenchArgs;
use crate::fsutil;
use crate::output;
use crate::project::Project;

const RUNS: usize = 3;

#[derive(Debug, Serialize)]
struct Measurement {
    case: &'static str,
    input_bytes: u64,
    ours_seconds: f64,
    peer: &'static str,
    peer_seconds: f64,
    /// Peer time divided by ours: above 1 means we are faster.
    speedup: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    ours_output_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    peer_output_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    peak_memory_growth_kib: Option<u64>,
}

fn best_of(runs: usize, mut f: impl FnMut() -> Result<()>) -> Result<Duration> {
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let started = Instant::now();
        f()?;
        best = best.min(started.elapsed());
    }
    Ok(best)
}

/// The process's peak resident memory in KiB (`VmHWM`), where the OS reports it.
fn peak_rss_kib() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Writes `size` bytes of reproducible, binary-like data (this executable, repeated).
fn make_input(path: &Path, size: u64) -> Result<()> {
    if fs::metadata(path).is_ok_and(|m| m.len() == size) {
        return Ok(());
    }
    let seed = fs::read(std::env::current_exe()?)
        .context("cannot read the xtask executable as bench input")?;
    fsutil::write_with(path, |file| {
        use std::io::Write;
        let mut written = 0u64;
        while written < size {
            let n = seed.len().min(usize::try_from(size - written)?);
            file.write_all(&seed[..n])?;
            written += n as u64;
        }
        Ok(())
    })
}

fn bench_hash(project: &Project, dir: &Path) -> Result<Measurement> {
    let sh = &project.sh;
    let input = dir.join("hash-200MB.bin");
    let size = 200 * 1000 * 1000;
    make_input(&input, size)?;
    let before = peak_rss_kib();
    let mut ours_digest = String::new();
    let ours = best_of(RUNS, || {
        ours_digest = fsutil::sha256_file(&input)?.0;
        Ok(())
    })?;
    let growth = before.zip(peak_rss_kib()).map(|(b, a)| a.saturating_sub(b));
    let mut peer_out = String::new();
    let peer = best_of(RUNS, || {
        peer_out = cmd!(sh, "sha256sum {input}").quiet().read()?;
        Ok(())
    })?;
    if !peer_out.starts_with(&ours_digest) {
        bail!("sha256sum disagrees with our digest of {}", input.display());
    }
    Ok(Measurement {
        case: "sha256 of 200 MB",
        input_bytes: size,
        ours_seconds: ours.as_secs_f64(),
        peer: "sha256sum",
        peer_seconds: peer.as_secs_f64(),
        speedup: peer.as_secs_f64() / ours.as_secs_f64(),
        ours_output_bytes: None,
        peer_output_bytes: None,
        peak_memory_growth_kib: growth,
    })
}

fn bench_package(project: &Project, dir: &Path) -> Result<Measurement> {
    let sh = &project.sh;
    let staging = dir.join("package-input");
    fs::create_dir_all(&staging)?;
    let binary = staging.join("aicrd");
    let size = 50 * 1000 * 1000;
    make_input(&binary, size)?;
    let ours_path = dir.join("ours.tar.gz");
    let peer_path = dir.join("peer.tar.gz");
    let entries = [Entry {
        name: "aicrd".into(),
        source: binary.clone(),
        mode: 0o755,
    }];
    let ours = best_of(RUNS, || {
        fsutil::write_with(&ours_path, |file| {
            archive::write_tar_gz(
                std::io::BufWriter::new(file.try_clone()?),
                &entries,
                1_767_323_045,
            )
        })
    })?;
    let peer = best_of(RUNS, || {
        cmd!(sh, "tar -czf {peer_path} -C {staging} aicrd")
            .quiet()
            .env("GZIP", "-6")
            .run()?;
        Ok(())
    })?;
    Ok(Measurement {
        case: "tar.gz of a 50 MB binary",
        input_bytes: size,
        ours_seconds: ours.as_secs_f64(),
        peer: "tar -czf (gzip -6)",
        peer_seconds: peer.as_secs_f64(),
        speedup: peer.as_secs_f64() / ours.as_secs_f64(),
        ours_output_bytes: Some(fs::metadata(&ours_path)?.len()),
        peer_output_bytes: Some(fs::metadata(&peer_path)?.len()),
        peak_memory_growth_kib: None,
    })
}

/// Load on a release build of aicrd over loopback: keep-alive connections, one request
/// in flight each, for a fixed time; throughput and latency percentiles. `/health`
/// (no engine work) runs in the same session as the baseline.
fn bench_aicrd(project: &Project) -> Result<Vec<serde_json::Value>> {
    let (_server, addr) = start_aicrd(project)?;
    let connections = 2;
    let seconds = 5;
    let mut out = Vec::new();
    for (case, path) in [
        (
            "GET /v1/recipe",
            "/v1/recipe?service=eks&gpu=h100&intent=training&os=ubuntu",
        ),
        ("GET /health", "/health"),
    ] {
        let all = load(&addr, case, path, connections, seconds)?;
        let pct = |p: f64| percentile_ms(&all, p);
        let rate = all.len() as f64 / seconds as f64;
        errln!(
            "bench: aicrd {case}: {rate:.0} req/s, p50 {:.3} ms, p99 {:.3} ms ({connections} connections, {seconds} s, client and server on the same 2 cores)",
            pct(0.5),
            pct(0.99)
        );
        out.push(serde_json::json!({ "case": case, "requests_per_second": rate, "p50_ms": pct(0.5), "p99_ms": pct(0.99), "connections": connections, "seconds": seconds }));
    }
    let hostile = bench_aicrd_hostile(&addr)?;
    if let [recipe, health] = &out[..] {
        errln!(
            "bench: aicrd recipe throughput is {:.2}x of the /health baseline",
            recipe["requests_per_second"].as_f64().unwrap_or(0.0)
                / health["requests_per_second"].as_f64().unwrap_or(1.0)
        );
    }
    out.extend(hostile);
    Ok(out)
}

/// A running aicrd, stopped when dropped: on every way out of the bench, errors
/// included.
#[derive(Debug)]
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Builds aicrd (release) and starts it on a free loopback port with rate limits out
/// of the way: the process and the address it listens on.
fn start_aicrd(project: &Project) -> Result<(Server, String)> {
    use std::io::{BufRead, BufReader};
    let sh = &project.sh;
    let cargo = project.cargo();
    project
        .building(cmd!(sh, "{cargo} build --locked --release -p aicrd"))
        .quiet()
        .run()
        .context("cannot build aicrd")?;
    let target = sh
        .var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| project.root.join("target"));
    let mut server = Server(
        std::process::Command::new(target.join("release/aicrd"))
            .args(["--listen", "127.0.0.1:0"])
            .env("AICR_RATE_LIMIT", "1000000000")
            .env("AICR_RATE_BURST", "1000000000")
            .env("LOG_LEVEL", "warn")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .context("cannot start aicrd")?,
    );
    let mut lines = BufReader::new(server.0.stderr.take().context("no stderr")?).lines();
    let addr = loop {
        let line = lines.next().context("aicrd exited before listening")??;
        let record: serde_json::Value = serde_json::from_str(&line)?;
        if record["msg"] == "listening" {
            break record["addr"].as_str().context("no addr")?.to_owned();
        }
    };
    Ok((server, addr))
}

/// `GET path` (bench case `case`) on `connections` keep-alive connections to `addr`
/// for `seconds`: every request's latency in nanoseconds, sorted.
fn load(addr: &str, case: &str, path: &str, connections: usize, seconds: u64) -> Result<Vec<u64>> {
    let request = format!("GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let latencies: Vec<Vec<u64>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..connections)
            .map(|_| {
                let request = &request;
                scope.spawn(move || load_connection(addr, case, request, deadline))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| anyhow::anyhow!("a load thread panicked"))?
            })
            .collect::<Result<Vec<_>>>()
    })?;
    let mut all: Vec<u64> = latencies.into_iter().flatten().collect();
    all.sort_unstable();
    Ok(all)
}

/// `request` sent over one connection to `addr` again and again until `deadline`,
/// each answer (200, or the case fails) read whole: each latency in nanoseconds.
fn load_connection(addr: &str, case: &str, request: &str, deadline: Instant) -> Result<Vec<u64>> {
    use std::io::{BufRead, BufReader, Read, Write};
    let stream = std::net::TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut samples = Vec::new();
    while Instant::now() < deadline {
        let started = Instant::now();
        writer.write_all(request.as_bytes())?;
        let mut length = 0usize;
        let mut status = String::new();
        reader.read_line(&mut status)?;
        if !status.starts_with("HTTP/1.1 200") {
            bail!("{case} answered {}", status.trim());
        }
        loop {
            let mut line = String::new();
            reader.read_line(&mut line)?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse()?;
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body)?;
        samples.push(started.elapsed().as_nanos() as u64);
    }
    Ok(samples)
}

/// The `p` percentile (0 to 1) of `sorted` nanoseconds, in milliseconds; 0 when empty.
fn percentile_ms(sorted: &[u64], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0) as f64
        / 1e6
}

/// One request on a connection; the status line and the time to the whole response.
fn bench_exchange(
    stream: &mut std::net::TcpStream,
    head: &str,
    body: &[u8],
) -> Result<(String, Duration)> {
    use std::io::{Read, Write};
    let started = Instant::now();
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16384];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let n = stream.read(&mut chunk)?;
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let status = head.lines().next().unwrap_or_default().to_owned();
            return Ok((status, started.elapsed()));
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            bail!("aicrd closed the connection without a response");
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Idle connections the bench opens: more than aicrd's default limit.
const IDLE_CONNECTIONS: usize = 1000;

/// Hostile clients against the running aicrd (default limits): the most deeply
/// nested body the body limit allows, and idle connections up to and past the
/// connection limit while a monitor polls `/health`.
fn bench_aicrd_hostile(addr: &str) -> Result<Vec<serde_json::Value>> {
    let mut out = Vec::new();
    let body = vec![b'['; 1 << 20];
    for content_type in ["application/yaml", "application/json"] {
        let what = format!("a nested {content_type} body");
        let best = best_refusal(addr, content_type, &body, &what)?;
        let ms = best.as_secs_f64() * 1e3;
        errln!(
            "bench: aicrd refuses 1 MiB of nested {content_type} in {ms:.1} ms (400, best of {RUNS}; upload included)"
        );
        out.push(serde_json::json!({ "case": format!("refuse nested {content_type}"), "body_bytes": body.len(), "ms": ms }));
    }

    // The worst document that passes the check: 1 MiB nested 63 deep throughout, parsed
    // whole (then refused as not a RecipeCriteria).
    let unit = format!("{}{},", "[".repeat(62), "]".repeat(62));
    let deep = format!("[{}]", unit.repeat(((1 << 20) - 2) / unit.len()));
    let best = best_refusal(addr, "application/yaml", deep.as_bytes(), "a 63-deep body")?;
    let ms = best.as_secs_f64() * 1e3;
    errln!(
        "bench: aicrd parses 1 MiB of YAML nested 63 deep throughout in {ms:.1} ms (then 400, best of {RUNS}; upload included)"
    );
    out.push(serde_json::json!({ "case": "parse 1 MiB of YAML nested 63 deep", "body_bytes": deep.len(), "ms": ms }));
    out.push(bench_idle_connections(addr)?);
    Ok(out)
}

/// The best of [`RUNS`] times aicrd at `addr` takes to refuse (400) a `POST
/// /v1/recipe` of `body` as `content_type`, upload included; any other answer fails,
/// naming the body as `what`.
fn best_refusal(addr: &str, content_type: &str, body: &[u8], what: &str) -> Result<Duration> {
    let mut best = Duration::MAX;
    for _ in 0..RUNS {
        let mut stream = std::net::TcpStream::connect(addr)?;
        let head = format!(
            "POST /v1/recipe HTTP/1.1\r\nHost: bench\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let (status, took) = bench_exchange(&mut stream, &head, body)?;
        if !status.starts_with("HTTP/1.1 400") {
            bail!("{what} answered {status}");
        }
        best = best.min(took);
    }
    Ok(best)
}

/// `n` requests for `/health` on the `monitor` connection: their times in
/// milliseconds, sorted; any answer but 200 fails.
fn health_samples(monitor: &mut std::net::TcpStream, n: usize) -> Result<Vec<f64>> {
    let health = "GET /health HTTP/1.1\r\nHost: bench\r\n\r\n";
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let (status, took) = bench_exchange(monitor, health, b"")?;
        if !status.starts_with("HTTP/1.1 200") {
            bail!("/health answered {status}");
        }
        v.push(took.as_secs_f64() * 1e3);
    }
    v.sort_by(f64::total_cmp);
    Ok(v)
}

/// Opens [`IDLE_CONNECTIONS`] idle connections to aicrd at `addr` at once (more than
/// its default limit of 512, well within the idle timeout), counts those it kept, and
/// times `/health` on an open connection before and meanwhile.
fn bench_idle_connections(addr: &str) -> Result<serde_json::Value> {
    use std::io::Read;
    use std::net::TcpStream;
    let mut monitor = TcpStream::connect(addr)?;
    monitor.set_nodelay(true)?;
    let pct = |v: &[f64], p: f64| {
        v.get(((v.len() as f64 * p) as usize).min(v.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
    };
    let before = health_samples(&mut monitor, 500)?;
    let mut idle = Vec::new();
    for _ in 0..IDLE_CONNECTIONS {
        idle.push(TcpStream::connect(addr)?);
    }
    std::thread::sleep(Duration::from_millis(500));
    let mut held = 0;
    for stream in &idle {
        stream.set_nonblocking(true)?;
        let mut probe = [0u8; 1];
        match (&*stream).read(&mut probe) {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => held += 1,
            _ => {}
        }
    }
    // The monitor's own connection is one of the slots.
    let during = health_samples(&mut monitor, 500)?;
    errln!(
        "bench: aicrd holds {} of {IDLE_CONNECTIONS} idle connections (+1 monitor) and closes the others at once; /health on an open connection meanwhile: p50 {:.3} ms, p99 {:.3} ms (before: p50 {:.3} ms, p99 {:.3} ms)",
        held,
        pct(&during, 0.5),
        pct(&during, 0.99),
        pct(&before, 0.5),
        pct(&before, 0.99)
    );
    drop(idle);
    Ok(serde_json::json!({
        "case": "idle connections at the limit",
        "idle_connections_opened": IDLE_CONNECTIONS,
        "idle_connections_held": held,
        "health_p50_ms": pct(&during, 0.5),
        "health_p99_ms": pct(&during, 0.99),
        "health_p50_ms_before": pct(&before, 0.5),
        "health_p99_ms_before": pct(&before, 0.99),
    }))
}

const COMMITS: usize = 40_000;
const TAGS: usize = 350;

/// Writes a `git fast-import` stream of a conventional history with release tags.
fn history_stream() -> String {
    let kinds = [
        "feat", "fix", "docs", "refactor", "perf", "test", "chore", "ci", "build",
    ];
    let scopes = ["api", "engine", "cli", "xtask", ""];
    let every = COMMITS / TAGS;
    let mut out = String::with_capacity(COMMITS * 200);
    let (mut minor, mut patch) = (0u32, 0u32);
    for n in 1..=COMMITS {
        let kind = kinds[n % kinds.len()];
        let scope = scopes[n % scopes.len()];
        let scope = if scope.is_empty() {
            String::new()
        } else {
            format!("({scope})")
        };
        let message = match n % 97 {
            0 => format!("Merge work item {n} by hand\n"),
            1 => format!("{kind}{scope}!: change {n}\n\nBREAKING CHANGE: behaviour {n} changed\n"),
            _ => format!(
                "{kind}{scope}: change number {n} (#{})\n\nBody line for change {n}.\n",
                n % 5000
            ),
        };
        out.push_str(&format!(
            "commit refs/heads/main\nmark :{n}\ncommitter Bench <bench@example.com> {} +0000\ndata {}\n{message}",
            1_600_000_000 + n as i64 * 60,
            message.len()
        ));
        if n > 1 {
            out.push_str(&format!("from :{}\n", n - 1));
        }
        out.push('\n');
        if n % every == 0 && n / every <= TAGS {
            if (n / every).is_multiple_of(10) {
                minor += 1;
                patch = 0;
            } else {
                patch += 1;
            }
            out.push_str(&format!(
                "reset refs/tags/v1.{minor}.{patch}\nfrom :{n}\n\n"
            ));
        }
    }
    out
}

/// The benchmark repository, made once.
fn history_repo(project: &Project, dir: &Path) -> Result<PathBuf> {
    let repo = dir.join("history");
    let done = repo.join(".bench-complete");
    if done.is_file() {
        return Ok(repo);
    }
    if repo.exists() {
        fs::remove_dir_all(&repo)?;
    }
    fs::create_dir_all(&repo)?;
    let sh = &project.sh;
    errln!(
        "bench: generating a {COMMITS}-commit history with {TAGS} tags in {}",
        repo.display()
    );
    output::run(cmd!(sh, "git init --quiet --initial-branch=main {repo}"))?;
    let stream = history_stream();
    let _dir = sh.push_dir(&repo);
    output::run(cmd!(sh, "git fast-import --quiet").stdin(stream))?;
    output::run(cmd!(sh, "git reset --quiet --hard main"))?;
    fs::write(&done, "")?;
    Ok(repo)
}

const CLIFF_CONFIG: &str = r#"[changelog]
body = """
{% if version %}## [{{ version | trim_start_matches(pat="v") }}] - {{ timestamp | date(format="%Y-%m-%d") }}{% else %}## [Unreleased]{% endif %}
{% for group, commits in commits | group_by(attribute="group") %}
### {{ group }}
{% for commit in commits %}
- {% if commit.scope %}*({{ commit.scope }})* {% endif %}{{ commit.message }} ({{ commit.id | truncate(length=7, end="") }})
{%- endfor %}
{% endfor %}
"""
trim = true

[git]
conventional_commits = true
filter_unconventional = false
commit_parsers = [
  { message = "^feat", group = "Features" },
  { message = "^fix", group = "Bug Fixes" },
  { message = "^perf", group = "Performance" },
  { message = "^refactor", group = "Refactoring" },
  { message = "^docs", group = "Documentation" },
  { message = "^test", group = "Tests" },
  { message = "^build", group = "Build" },
  { message = "^ci", group = "CI" },
  { message = "^chore", group = "Chores" },
  { message = "^revert", group = "Reverts" },
  { message = ".*", group = "Other" },
]
tag_pattern = "v[0-9].*"
"#;

fn bench_changelog(project: &Project, dir: &Path) -> Result<Vec<Measurement>> {
    use crate::changelog::{self, Selection};
    let repo_dir = history_repo(project, dir)?;
    let repo = Project::open(Some(&repo_dir))?;
    let config = crate::changelog::Config::default();
    let args = |all: bool| Selection {
        all,
        ..Selection::default()
    };
    let repository = "https://github.com/NVIDIA/aicr";
    let mut whole_len = 0;
    let ours_all = best_of(RUNS, || {
        let sections = changelog::sections(&repo, &config, &args(true))?;
        whole_len = config.render(&sections, repository).len();
        Ok(())
    })?;
    let ours_preview = best_of(RUNS, || {
        changelog::sections(&repo, &config, &args(false)).map(drop)
    })?;
    errln!("bench: changelog --all rendered {whole_len} bytes");

    let cliff = crate::tools::git_cliff(project);
    let cliff_config = dir.join("cliff.toml");
    fs::write(&cliff_config, CLIFF_CONFIG)?;
    let sh = &project.sh;
    let (peer, peer_all, peer_preview) = match cliff {
        Ok(cliff) => {
            let _dir = sh.push_dir(&repo_dir);
            let all = best_of(1, || {
                Ok(
                    cmd!(sh, "{cliff} --config {cliff_config} --output /dev/null")
                        .quiet()
                        .ignore_stderr()
                        .run()?,
                )
            })?;
            let preview = best_of(RUNS, || {
                Ok(cmd!(
                    sh,
                    "{cliff} --config {cliff_config} --unreleased --output /dev/null"
                )
                .quiet()
                .ignore_stderr()
                .run()?)
            })?;
            ("git-cliff", all.as_secs_f64(), preview.as_secs_f64())
        }
        Err(err) => {
            errln!("bench: git-cliff unavailable ({err:#}); reporting ours only");
            ("git-cliff (unavailable)", f64::NAN, f64::NAN)
        }
    };
    let measure = |case, ours: Duration, peer_seconds: f64| Measurement {
        case,
        input_bytes: COMMITS as u64,
        ours_seconds: ours.as_secs_f64(),
        peer,
        peer_seconds,
        speedup: peer_seconds / ours.as_secs_f64(),
        ours_output_bytes: None,
        peer_output_bytes: None,
        peak_memory_growth_kib: None,
    };
    Ok(vec![
        measure("changelog of 40,000 commits / 350 tags", ours_all, peer_all),
        measure("changelog since the last tag", ours_preview, peer_preview),
    ])
}

pub fn run(project: &Project, args: &BenchArgs) -> Result<()> {
    if cfg!(debug_assertions) {
        errln!(
            "bench: note: the xtask is a debug build; its hashing and compression crates are optimized (see [profile.dev.package] in Cargo.toml)"
        );
    }
    let dir: PathBuf = project.root.join("target/bench");
    fs::create_dir_all(&dir)?;
    let cases: &[&str] = match args.case.as_str() {
        "all" => &["hash", "package", "changelog", "aicrd"],
        "hash" => &["hash"],
        "package" => &["package"],
        "changelog" => &["changelog"],
        "aicrd" => &["aicrd"],
        other => {
            bail!("unknown bench case '{other}'; hint: hash, package, changelog, aicrd or all")
        }
    };
    let mut results = Vec::new();
    let mut http = Vec::new();
    for case in cases {
        errln!("bench: {case} ...");
        if *case == "aicrd" {
            http.extend(bench_aicrd(project)?);
            continue;
        }
        let measured = match *case {
            "hash" => vec![bench_hash(project, &dir)?],
            "package" => vec![bench_package(project, &dir)?],
            _ => bench_changelog(project, &dir)?,
        };
        for m in measured {
            errln!(
                "bench: {}: ours {:.3}s, {} {:.3}s: {:.2}x{}{}",
                m.case,
                m.ours_seconds,
                m.peer,
                m.peer_seconds,
                m.speedup,
                m.ours_output_bytes
                    .zip(m.peer_output_bytes)
                    .map(|(o, p)| format!(
                        ", size {o} vs {p} bytes ({:+.2}%)",
                        (o as f64 / p as f64 - 1.0) * 100.0
                    ))
                    .unwrap_or_default(),
                m.peak_memory_growth_kib
                    .map(|k| format!(", peak memory +{k} KiB"))
                    .unwrap_or_default(),
            );
            results.push(m);
        }
    }
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "measurements": results, "http": http })
            )?
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_percentile_is_the_sample_at_that_rank_in_milliseconds() {
        let sorted: Vec<u64> = (1..=100).map(|ms| ms * 1_000_000).collect();
        assert_eq!(percentile_ms(&sorted, 0.5), 51.0);
        assert_eq!(percentile_ms(&sorted, 0.99), 100.0);
        assert_eq!(percentile_ms(&sorted, 1.0), 100.0);
        assert_eq!(percentile_ms(&[], 0.5), 0.0);
    }
}
