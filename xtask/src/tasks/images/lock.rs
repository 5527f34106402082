// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask images --lock NAME [--dry-run]`: resolves the wheels of the Python image
//! NAME and writes its lock file (`python.lock` of its `[[image]]`).
//!
//! For each platform of the image (`python.platforms`: by default `linux/amd64` and
//! `linux/arm64`), pip resolves
//! the image's `python.requirements` from PyPI as an installation of wheels only into
//! the base's interpreter: `python3 -m pip install --dry-run --ignore-installed
//! --only-binary=:all: --platform <manylinux tags> --python-version <version>
//! --implementation cp --abi cp<version> --target <tmp> --report <json>`. pip evaluates
//! environment markers for the interpreter that runs it, so it runs with the target's
//! marker environment (Linux, the platform's machine, `python_version` = the image's
//! version, `python_full_version` = `<version>.0`) put in place of its own; the report's
//! `environment` proves it was. Each report's wheels (name, version, URL, SHA-256) are
//! merged into one lock, a wheel shared by platforms listed once with its platforms.
//! `--dry-run` prints the pip commands instead. Needs `python3` with pip 22.2 or newer,
//! and PyPI.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use xshell::cmd;

use crate::dist::{App, Definition, PythonApp};
use crate::output;
use crate::project::Project;
use crate::wheels::{self, Lock, LockedWheel};

/// The newest glibc minor version the lock's manylinux wheels may need: Debian 12's
/// 2.36, the oldest C library the official `python:<version>-slim` images have had
/// since 2023 (newer bases run these wheels too).
pub const GLIBC_MINOR: u32 = 36;

/// Runs pip with the target's marker environment (argv[1], JSON) in place of the
/// running interpreter's; the remaining arguments are pip's.
const PIP_WITH_MARKERS: &str = "import json, sys
from pip._vendor.packaging import markers
environment = markers.default_environment()
environment.update(json.loads(sys.argv[1]))
markers.default_environment = lambda: dict(environment)
from pip._internal.cli.main import main
sys.argv = ['pip'] + sys.argv[2:]
sys.exit(main())
";

/// The machine (`platform_machine`, wheel platform tags) of `linux/<arch>`.
pub fn machine(platform: &str) -> Result<&'static str> {
    match platform {
        "linux/amd64" => Ok("x86_64"),
        "linux/arm64" => Ok("aarch64"),
        other => bail!("no wheel platform is known for {other}"),
    }
}

/// The manylinux platform tags wheels for a glibc {2.17..=GLIBC_MINOR} system of
/// `machine` may carry, preferred first (pip ranks wheels by this order).
pub fn platform_tags(machine: &str) -> Vec<String> {
    let oldest = if machine == "x86_64" { 5 } else { 17 };
    let mut tags: Vec<String> = (oldest..=GLIBC_MINOR)
        .rev()
        .map(|minor| format!("manylinux_2_{minor}_{machine}"))
        .collect();
    tags.push(format!("manylinux2014_{machine}"));
    if machine == "x86_64" {
        tags.push(format!("manylinux2010_{machine}"));
        tags.push(format!("manylinux1_{machine}"));
    }
    tags
}

/// The environment markers of the target interpreter.
pub fn marker_environment(version: &str, machine: &str) -> Value {
    json!({
        "implementation_name": "cpython",
        "implementation_version": format!("{version}.0"),
        "os_name": "posix",
        "platform_machine": machine,
        "platform_python_implementation": "CPython",
        "platform_system": "Linux",
        "python_full_version": format!("{version}.0"),
        "python_version": version,
        "sys_platform": "linux",
    })
}

/// pip's arguments resolving `python` for `machine` into the report `report`. Pure.
pub fn pip_args(python: &PythonApp, machine: &str, target: &Path, report: &Path) -> Vec<String> {
    let mut args: Vec<String> = [
        "install",
        "--dry-run",
        "--ignore-installed",
        "--only-binary=:all:",
        "--quiet",
        "--disable-pip-version-check",
        "--no-input",
    ]
    .map(str::to_owned)
    .to_vec();
    for tag in platform_tags(machine) {
        args.push("--platform".into());
        args.push(tag);
    }
    let abi = format!("cp{}", python.version.replace('.', ""));
    args.extend([
        "--python-version".into(),
        python.version.clone(),
        "--implementation".into(),
        "cp".into(),
        "--abi".into(),
        abi,
        "--target".into(),
        target.display().to_string(),
        "--report".into(),
        report.display().to_string(),
    ]);
    args.extend(python.requirements.iter().cloned());
    args
}

/// Decodes the `%XX` escapes of a URL path segment.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The wheels of pip's installation report (format 1) for `platform`, after checking
/// that pip evaluated markers for `environment`. Pure.
pub fn report_wheels(
    report: &Value,
    platform: &str,
    environment: &Value,
) -> Result<Vec<LockedWheel>> {
    if report["version"] != "1" {
        bail!(
            "pip wrote an installation report of version {}, not 1",
            report["version"]
        );
    }
    for key in ["platform_machine", "python_version", "sys_platform"] {
        if report["environment"][key] != environment[key] {
            bail!(
                "pip evaluated markers with {key} {}, not {}; hint: a pip whose vendored packaging has markers.default_environment (pip 22.2 or newer)",
                report["environment"][key],
                environment[key]
            );
        }
    }
    let items = report["install"]
        .as_array()
        .context("pip's report lists no install")?;
    let mut wheels = Vec::new();
    for item in items {
        let name = item["metadata"]["name"]
            .as_str()
            .context("an install item without metadata.name")?;
        let version = item["metadata"]["version"]
            .as_str()
            .with_context(|| format!("{name}: no metadata.version"))?;
        let url = item["download_info"]["url"]
            .as_str()
            .with_context(|| format!("{name}: no download_info.url"))?;
        let sha256 = item["download_info"]["archive_info"]["hashes"]["sha256"]
            .as_str()
            .or_else(|| {
                item["download_info"]["archive_info"]["hash"]
                    .as_str()
                    .and_then(|h| h.strip_prefix("sha256="))
            })
            .with_context(|| format!("{name}: no sha256 in download_info.archive_info"))?;
        let filename = percent_decode(url.rsplit('/').next().unwrap_or_default());
        if !filename.ends_with(".whl") {
            bail!("{name} {version} resolved to {url}, which is no wheel");
        }
        wheels.push(LockedWheel {
            name: name.to_owned(),
            version: version.to_owned(),
            filename,
            url: url.to_owned(),
            sha256: sha256.to_ascii_lowercase(),
            platforms: vec![platform.to_owned()],
        });
    }
    Ok(wheels)
}

/// One list of wheels from the wheels of each platform: a file shared by platforms
/// once, with their platforms in `platforms` order. Pure.
pub fn merge(
    per_platform: Vec<Vec<LockedWheel>>,
    platforms: &[String],
) -> Result<Vec<LockedWheel>> {
    let mut merged: Vec<LockedWheel> = Vec::new();
    for wheel in per_platform.into_iter().flatten() {
        match merged.iter_mut().find(|w| w.filename == wheel.filename) {
            Some(known) => {
                if known.sha256 != wheel.sha256 || known.url != wheel.url {
                    bail!(
                        "wheel {} resolved to two files ({} and {})",
                        wheel.filename,
                        known.url,
                        wheel.url
                    );
                }
                for p in wheel.platforms {
                    if !known.platforms.contains(&p) {
                        known.platforms.push(p);
                    }
                }
            }
            None => merged.push(wheel),
        }
    }
    for wheel in &mut merged {
        wheel
            .platforms
            .sort_by_key(|p| platforms.iter().position(|q| q == p));
    }
    Ok(merged)
}

/// Resolves and writes the lock of the Python image `name`.
pub fn run(project: &Project, def: &Definition, name: &str, dry_run: bool) -> Result<()> {
    let image = def
        .images
        .iter()
        .find(|i| i.name == name)
        .with_context(|| {
            let python: Vec<&str> = def
                .images
                .iter()
                .filter(|i| matches!(i.app, App::Python(_)))
                .map(|i| i.name.as_str())
                .collect();
            format!(
                "no [[image]] is named {name}; hint: the Python images are {}",
                python.join(", ")
            )
        })?;
    let App::Python(python) = &image.app else {
        bail!("image {name} runs a binary: only a Python image has a lock");
    };
    let platforms = python.platforms.clone();
    let tmp = tempfile::tempdir().context("cannot create a temporary directory")?;
    let sh = &project.sh;
    let mut per_platform = Vec::new();
    for platform in &platforms {
        let machine = machine(platform)?;
        let environment = marker_environment(&python.version, machine);
        let report = tmp.path().join(format!("{machine}.json"));
        let args = pip_args(python, machine, &tmp.path().join(machine), &report);
        if dry_run {
            outln!(
                "python3 -c <pip with the markers of {platform}: {environment}> {}",
                args.join(" ")
            )?;
            continue;
        }
        errln!(
            "images: {name}: resolving {} for {platform}",
            python.requirements.join(" ")
        );
        let markers = environment.to_string();
        output::run(cmd!(sh, "python3 -c {PIP_WITH_MARKERS} {markers} {args...}"))
            .with_context(|| {
                format!(
                    "pip cannot resolve {} for {platform} from wheels (its output above names what is missing); hint: python3 -m pip --version (pip 22.2 or newer) and PyPI reachable, or leave {platform} out of python.platforms of image {name}",
                    python.requirements.join(" ")
                )
            })?;
        let text = std::fs::read(&report)
            .with_context(|| format!("pip wrote no report {}", report.display()))?;
        let value: Value = serde_json::from_slice(&text).context("pip's report is not JSON")?;
        let wheels = report_wheels(&value, platform, &environment)
            .with_context(|| format!("pip's report for {platform}"))?;
        errln!("images: {name}: {platform}: {} wheel(s)", wheels.len());
        per_platform.push(wheels);
    }
    if dry_run {
        return Ok(());
    }
    let lock = Lock {
        version: wheels::LOCK_VERSION,
        python: python.version.clone(),
        requirements: python.requirements.clone(),
        platforms: platforms.clone(),
        wheels: merge(per_platform, &platforms)?,
    };
    let text = lock.render(name);
    // What is written must read back as this lock.
    let parsed = Lock::parse(&text).context("internal error: the written lock does not parse")?;
    if parsed.wheels.len() != lock.wheels.len() {
        bail!("internal error: the written lock lost wheels");
    }
    crate::fsutil::write_atomically(&project.root.join(&python.lock), text.as_bytes())?;
    errln!(
        "images: {name}: locked {} wheel(s) into {}",
        lock.wheels.len(),
        python.lock
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn python() -> PythonApp {
        PythonApp {
            version: "3.12".into(),
            requirements: vec!["aiperf==0.13.0".into()],
            lock: "dist/aiperf-bench.lock".into(),
            entrypoint: "aiperf".into(),
            platforms: crate::targets::linux_platforms(),
        }
    }

    #[test]
    fn pip_resolves_wheels_only_for_the_target() {
        let args = pip_args(&python(), "aarch64", Path::new("/t"), Path::new("/r.json"));
        let line = args.join(" ");
        for needle in [
            "install --dry-run --ignore-installed --only-binary=:all:",
            "--platform manylinux_2_36_aarch64 --platform manylinux_2_35_aarch64",
            "--platform manylinux_2_17_aarch64 --platform manylinux2014_aarch64 --python-version 3.12 --implementation cp --abi cp312 --target /t --report /r.json aiperf==0.13.0",
        ] {
            assert!(line.contains(needle), "{needle} not in {line}");
        }
        assert!(!line.contains("manylinux1"), "{line}");
        let x86 = platform_tags("x86_64");
        assert_eq!(
            x86.first().map(String::as_str),
            Some("manylinux_2_36_x86_64")
        );
        assert!(x86.contains(&"manylinux_2_5_x86_64".to_owned()));
        assert_eq!(x86.last().map(String::as_str), Some("manylinux1_x86_64"));
        assert_eq!(machine("linux/arm64").unwrap(), "aarch64");
        assert!(machine("linux/s390x").is_err());
    }

    fn report(machine: &str, items: Value) -> Value {
        json!({
            "version": "1",
            "pip_version": "23.2.1",
            "environment": marker_environment("3.12", machine),
            "install": items,
        })
    }

    fn item(name: &str, file: &str, sha: &str) -> Value {
        json!({
            "metadata": { "name": name, "version": "1.0" },
            "download_info": {
                "url": format!("https://files.example/p/{file}"),
                "archive_info": { "hashes": { "sha256": sha } },
            },
        })
    }

    #[test]
    fn reports_merge_into_one_lock() {
        let platforms = crate::targets::linux_platforms();
        let pure = item("Pure_Lib", "pure_lib-1.0-py3-none-any.whl", &"a".repeat(64));
        let amd = report(
            "x86_64",
            json!([
                pure,
                item(
                    "np",
                    "np-1.0-cp312-cp312-manylinux_2_28_x86_64.whl",
                    &"b".repeat(64)
                )
            ]),
        );
        let arm = report(
            "aarch64",
            json!([
                item(
                    "np",
                    "np-1.0%2Blocal-cp312-cp312-manylinux_2_28_aarch64.whl",
                    &"c".repeat(64)
                ),
                pure
            ]),
        );
        let per: Vec<Vec<LockedWheel>> = [
            (&amd, "linux/amd64", "x86_64"),
            (&arm, "linux/arm64", "aarch64"),
        ]
        .into_iter()
        .map(|(r, p, m)| report_wheels(r, p, &marker_environment("3.12", m)).unwrap())
        .collect();
        let merged = merge(per, &platforms).unwrap();
        assert_eq!(merged.len(), 3);
        let shared = merged.iter().find(|w| w.name == "Pure_Lib").unwrap();
        assert_eq!(shared.platforms, platforms);
        assert!(merged.iter().any(|w| w.filename
            == "np-1.0+local-cp312-cp312-manylinux_2_28_aarch64.whl"
            && w.platforms == ["linux/arm64"]));

        // Markers evaluated for the machine pip runs on are refused.
        let err =
            report_wheels(&amd, "linux/arm64", &marker_environment("3.12", "aarch64")).unwrap_err();
        assert!(err.to_string().contains("platform_machine"), "{err}");
        // A source distribution is no wheel.
        let sdist = report(
            "x86_64",
            json!([item("s", "s-1.0.tar.gz", &"d".repeat(64))]),
        );
        let err = report_wheels(&sdist, "linux/amd64", &marker_environment("3.12", "x86_64"))
            .unwrap_err();
        assert!(err.to_string().contains("which is no wheel"), "{err}");
        // One file name, two contents.
        let a = vec![LockedWheel {
            name: "x".into(),
            version: "1".into(),
            filename: "x-1-py3-none-any.whl".into(),
            url: "https://a/x-1-py3-none-any.whl".into(),
            sha256: "a".repeat(64),
            platforms: vec!["linux/amd64".into()],
        }];
        let mut b = a.clone();
        b[0].sha256 = "b".repeat(64);
        assert!(merge(vec![a, b], &platforms).is_err());
    }
}
