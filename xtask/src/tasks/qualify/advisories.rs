// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The `advisories` gate: `Cargo.lock` against the RustSec advisory database, with the
//! `rustsec` crate as a library. Vulnerabilities fail the gate; unmaintained, unsound
//! and yanked-style informational advisories are reported as warnings. Advisories
//! listed under `[[advisories.ignore]]` (with a reason) do not count.
//!
//! The database, the first of: `--advisory-db DIR`, `$AICR_ADVISORY_DB`, the cached
//! clone `$CARGO_HOME/advisory-db` (`~/.cargo/advisory-db`), and, when that is missing,
//! a fresh clone of it with git (that needs the network). When none can be had, the
//! error names the command or the variable that fixes it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use xshell::cmd;

use crate::dist::Definition;
use crate::gate::{Finding, Outcome};
use crate::output;
use crate::project::Project;

const UPSTREAM: &str = "https://github.com/rustsec/advisory-db.git";
/// The upstream's web page, for hints.
const HOME_PAGE: &str = "https://github.com/rustsec/advisory-db";

/// Where the database was found.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Flag,
    Variable,
    /// The cached clone below the cargo home; fetched when missing.
    Cache,
}

impl Source {
    /// The hint of a database that does not exist.
    fn fix(&self) -> String {
        match self {
            Source::Flag => format!("pass --advisory-db DIR with a copy of {HOME_PAGE}"),
            Source::Variable => {
                format!("set AICR_ADVISORY_DB to a copy of {HOME_PAGE}, or unset it")
            }
            Source::Cache => format!(
                "remove it to fetch it again, or set AICR_ADVISORY_DB to a copy of {HOME_PAGE}"
            ),
        }
    }

    fn describe(&self) -> &'static str {
        match self {
            Source::Flag => "from --advisory-db",
            Source::Variable => "from AICR_ADVISORY_DB",
            Source::Cache => "the cached clone",
        }
    }
}

/// Which database to use, in order: the flag, the variable (when not empty), the cached
/// clone below the cargo home. Pure: nothing is read or fetched.
fn choose(
    flag: Option<&Path>,
    variable: Option<&str>,
    cargo_home: Option<PathBuf>,
) -> Result<(PathBuf, Source)> {
    if let Some(dir) = flag {
        return Ok((dir.to_path_buf(), Source::Flag));
    }
    if let Some(dir) = variable.filter(|d| !d.is_empty()) {
        return Ok((PathBuf::from(dir), Source::Variable));
    }
    let home = cargo_home.context(
        "neither CARGO_HOME nor HOME is set; hint: set AICR_ADVISORY_DB (or pass --advisory-db DIR) to a copy of the advisory database",
    )?;
    Ok((home.join("advisory-db"), Source::Cache))
}

/// Where the database is, fetching the cached clone when it is missing.
fn locate(project: &Project, flag: Option<&Path>) -> Result<(PathBuf, Source)> {
    let sh = &project.sh;
    let cargo_home = sh
        .var("CARGO_HOME")
        .ok()
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| sh.var("HOME").ok().map(|h| PathBuf::from(h).join(".cargo")));
    let (dir, source) = choose(flag, sh.var("AICR_ADVISORY_DB").ok().as_deref(), cargo_home)?;
    if source == Source::Cache && !dir.exists() {
        errln!(
            "advisories: fetching the advisory database into {}",
            dir.display()
        );
        output::run(cmd!(sh, "git clone --quiet --depth 1 {UPSTREAM} {dir}")).with_context(|| {
            format!(
                "cannot fetch the advisory database into {}; hint: run `git clone --depth 1 {UPSTREAM} {}`, or set AICR_ADVISORY_DB (or pass --advisory-db DIR) to a copy of it",
                dir.display(),
                dir.display()
            )
        })?;
    }
    Ok((dir, source))
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
    let (dir, source) = locate(project, flag)?;
    if !dir.is_dir() {
        bail!(
            "advisory database {} ({}) does not exist; hint: {}",
            dir.display(),
            source.describe(),
            source.fix()
        );
    }
    let db = rustsec::Database::open(&dir).with_context(|| {
        format!(
            "{} ({}) is not an advisory database (it needs crates/<crate>/RUSTSEC-*.md); hint: {}",
            dir.display(),
            source.describe(),
            source.fix()
        )
    })?;
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
    use rustsec::advisory::Informational;
    let settings = rustsec::report::Settings {
        ignore,
        // rustsec reports no informational advisory unless asked for its kind.
        informational_warnings: vec![
            Informational::Notice,
            Informational::Unmaintained,
            Informational::Unsound,
        ],
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
            errln!(
                "  warning: {} {}: {kind:?} {id}",
                warning.package.name,
                warning.package.version
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_then_the_variable_then_the_cached_clone() {
        let home = Some(PathBuf::from("/home/u/.cargo"));
        let flag = Path::new("/flag");
        assert_eq!(
            choose(Some(flag), Some("/var"), home.clone()).unwrap(),
            (PathBuf::from("/flag"), Source::Flag)
        );
        assert_eq!(
            choose(None, Some("/var"), home.clone()).unwrap(),
            (PathBuf::from("/var"), Source::Variable)
        );
        for variable in [None, Some("")] {
            assert_eq!(
                choose(None, variable, home.clone()).unwrap(),
                (PathBuf::from("/home/u/.cargo/advisory-db"), Source::Cache),
                "an empty variable counts as unset"
            );
        }
        let err = choose(None, None, None).unwrap_err().to_string();
        assert!(err.contains("hint: set AICR_ADVISORY_DB"), "{err}");
    }

    #[test]
    fn every_source_names_its_own_fix() {
        assert!(Source::Flag.fix().starts_with("pass --advisory-db DIR"));
        assert!(Source::Variable.fix().starts_with("set AICR_ADVISORY_DB"));
        assert!(
            Source::Cache
                .fix()
                .starts_with("remove it to fetch it again")
        );
    }
}
