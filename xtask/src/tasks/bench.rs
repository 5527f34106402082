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

pub fn run(project: &Project, args: &BenchArgs) -> Result<()> {
    if cfg!(debug_assertions) {
        eprintln!(
            "bench: note: the xtask is a debug build; its hashing and compression crates are optimized (see [profile.dev.package] in Cargo.toml)"
        );
    }
    let dir: PathBuf = project.root.join("target/bench");
    fs::create_dir_all(&dir)?;
    let cases: &[&str] = match args.case.as_str() {
        "all" => &["hash", "package"],
        "hash" => &["hash"],
        "package" => &["package"],
        other => bail!("unknown bench case '{other}'; hint: hash, package or all"),
    };
    let mut results = Vec::new();
    for case in cases {
        eprintln!("bench: {case} ...");
        let m = match *case {
            "hash" => bench_hash(project, &dir)?,
            _ => bench_package(project, &dir)?,
        };
        eprintln!(
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
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    }
    Ok(())
}
