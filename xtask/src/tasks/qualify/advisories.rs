// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The `advisories` gate: `Cargo.lock` against the RustSec advisory database, with the
//! `rustsec` crate as a library. Vulnerabilities fail the gate; unmaintained, unsound
//! and yanked-style informational advisories are reported as warnings. Advisories
//! listed under `[[advisories.ignore]]` (with a reason) do not count.
//!
//! The database: `--advisory-db DIR`, else `$AICR_ADVISORY_DB`, else
//! `~/.cargo/advisory-db`, cloned with git when missing (that needs the network).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use xshell::cmd;

use super::{Finding, Outcome};
use crate::dist::Definition;
use crate::project::Project;

const UPSTREAM: &str = "https://github.com/rustsec/advisory-db.git";

/// Where the database is, fetching the default one when it is missing.
fn locate(project: &Project, flag: Option<&Path>) -> Result<PathBuf> {
    let sh = &project.sh;
    if let Some(dir) = flag {
        return Ok(dir.to_path_buf());
    }
    if let Ok(dir) = sh.var("AICR_ADVISORY_DB")
        && !dir.is_empty()
    {
        return Ok(PathBuf::from(dir));
    }
    let home = sh
        .var("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|_| sh.var("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    let default = home.join("advisory-db");
    if !default.is_dir() {
        eprintln!(
            "advisories: fetching the advisory database into {}",
            default.display()
        );
        cmd!(sh, "git clone --quiet --depth 1 {UPSTREAM} {default}").run().with_context(|| {
            format!("cannot fetch the advisory database; hint: pass --advisory-db DIR or set AICR_ADVISORY_DB to a copy of {UPSTREAM}")
        })?;
    }
    Ok(default)
}

/// The database's date: its last commit when it is a git checkout, else the newest
/// advisory it holds.
fn database_date(project: &Project, dir: &Path, db: &rustsec::Database) -> String {
    let sh = &project.sh;
    if dir.join(".git").exists() {
        let date = cmd!(sh, "git -C {dir} log -1 --format=%cs")
            .quiet()
            .ignore_stderr()
            .read();
        if let Ok(date) = date {
            return format!("last commit {date}");
        }
    }
    db.iter()
        .map(|a| a.metadata.date.as_str().to_owned())
        .max()
        .map(|d| format!("newest advisory {d}"))
        .unwrap_or_else(|| "empty".to_owned())
}

pub fn check(project: &Project, def: &Definition, flag: Option<&Path>) -> Result<Outcome> {
    let dir = locate(project, flag)?;
    if !dir.is_dir() {
        bail!(
            "advisory database {} does not exist; hint: pass --advisory-db DIR",
            dir.display()
        );
    }
    let db = rustsec::Database::open(&dir)
        .with_context(|| format!("cannot read the advisory database {}", dir.display()))?;
    let lock_path = project.root.join("Cargo.lock");
    let lockfile = rustsec::Lockfile::load(&lock_path)
        .with_context(|| format!("cannot read {}", lock_path.display()))?;
    let mut ignore = Vec::new();
    for entry in &def.advisories.ignore {
        ignore.push(
            entry.id.parse::<rustsec::advisory::Id>().with_context(|| {
                format!("advisories.ignore: '{}' is not an advisory id", entry.id)
            })?,
        );
    }
    let settings = rustsec::report::Settings {
        ignore,
        ..Default::default()
    };
    let report = rustsec::Report::generate(&db, &lockfile, &settings);
    let mut findings = Vec::new();
    for vuln in &report.vulnerabilities.list {
        findings.push(Finding::at(
            "Cargo.lock",
            1,
            &format!(
                "{} {}: {} {}; hint: cargo update -p {}{}",
                vuln.package.name,
                vuln.package.version,
                vuln.advisory.id,
                vuln.advisory.title,
                vuln.package.name,
                vuln.versions
                    .patched()
                    .first()
                    .map(|v| format!(" (patched: {v})"))
                    .unwrap_or_default()
            ),
        ));
    }
    let mut warnings = 0;
    for (kind, list) in &report.warnings {
        for warning in list {
            warnings += 1;
            let id = warning
                .advisory
                .as_ref()
                .map(|a| a.id.to_string())
                .unwrap_or_default();
            eprintln!(
                "  warning: {} {}: {kind:?} {id}",
                warning.package.name, warning.package.version
            );
        }
    }
    let date = database_date(project, &dir, &db);
    let summary = format!(
        "{} vulnerabilit{} and {warnings} warning(s) in {} locked crate(s); database {} ({date})",
        findings.len(),
        if findings.len() == 1 { "y" } else { "ies" },
        lockfile.packages.len(),
        dir.display()
    );
    Ok(Outcome::from_findings(summary, findings))
}
