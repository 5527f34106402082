// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask qualify [--only G,…] [--skip G,…] [--fail-fast] [--json] [--fix-headers]
//! [--advisory-db DIR] [--e2e-profile PROFILE]`: the quality gates every release
//! passes, the same on a laptop and in CI.
//!
//! | gate         | what it checks                                                      |
//! |--------------|---------------------------------------------------------------------|
//! | `fmt`        | `cargo fmt --all --check`                                           |
//! | `clippy`     | `cargo clippy --workspace --all-targets --locked -- -D warnings`    |
//! | `test`       | the workspace tests (`cargo nextest` when installed, else `cargo test`), `--locked` |
//! | `unsafe`     | every workspace crate forbids `unsafe_code` (lints or crate roots)  |
//! | `headers`    | the SPDX license header of every source file                        |
//! | `yaml`       | every YAML file under `.yamllint.yaml`, with a pinned `yamllint`    |
//! | `licenses`   | every shipped crate's license satisfies `dist/release.toml`         |
//! | `notices`    | the committed `THIRD_PARTY_NOTICES.md` is what `notices` generates  |
//! | `advisories` | `Cargo.lock` against the RustSec advisory database                  |
//! | `e2e`        | a snapshot release of the host target, unpacked and run for real (profile `qualify-e2e`, or `--e2e-profile`) |
//! | `coverage`   | line coverage at least `[qualify] coverage` (needs cargo-llvm-cov)  |
//!
//! Every selected gate runs (unless `--fail-fast`); each prints one line with its status
//! and duration, a summary table follows, and the exit code is non-zero if any failed.
//!
//! Two things keep a cold run short on a small machine. With `test` selected, `clippy`
//! lints the test build instead of checking on its own (cargo clippy's driver as the
//! workspace's rustc wrapper, which is what cargo clippy does to `cargo check`), so
//! the dependencies compile once, not once for the tests and once more for clippy. And
//! when a building gate runs before `e2e`, the e2e gate's release build starts in the
//! background at once (log: `target/e2e/prebuild.log`), filling the core the other
//! builds leave idle while they wait for one crate or one link.
//! `--json` prints the report on stdout. With `GITHUB_ACTIONS=true`, findings become
//! `::error` annotations and the table is appended to `$GITHUB_STEP_SUMMARY`.

mod advisories;
mod doctests;
mod e2e;
mod licenses;
mod unsafe_code;
mod workflows;
mod yaml;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Result, bail};
use serde::Serialize;
use xshell::cmd;

use crate::dist::Definition;
use crate::flags::QualifyArgs;
use crate::gate::{Finding, Outcome, Status};
use crate::output;
use crate::project::Project;
use crate::tasks::headers;

/// What `qualify` is asked to do; the `qualify` flags map onto it.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Run only these gates (none: all of them).
    pub only: Vec<String>,
    /// Skip these gates.
    pub skip: Vec<String>,
    /// Stop at the first failing gate.
    pub fail_fast: bool,
    /// Add missing license headers before the headers gate runs.
    pub fix_headers: bool,
    /// Print the report as JSON.
    pub json: bool,
    /// The RustSec advisory database; default: $AICR_ADVISORY_DB, else ~/.cargo/advisory-db.
    pub advisory_db: Option<PathBuf>,
    /// The cargo profile the e2e gate builds with; default: [`e2e::PROFILE`].
    pub e2e_profile: Option<String>,
}

impl Options {
    fn e2e_profile(&self) -> &str {
        self.e2e_profile.as_deref().unwrap_or(e2e::PROFILE)
    }
}

impl From<&QualifyArgs> for Options {
    fn from(args: &QualifyArgs) -> Options {
        Options {
            only: args.only.clone(),
            skip: args.skip.clone(),
            fail_fast: args.fail_fast,
            fix_headers: args.fix_headers,
            json: args.json,
            advisory_db: args.advisory_db.clone(),
            e2e_profile: args.e2e_profile.clone(),
        }
    }
}

/// The gates, in the order they run.
pub const GATES: &[&str] = &[
    "fmt",
    "clippy",
    "test",
    "unsafe",
    "headers",
    "yaml",
    "workflows",
    "licenses",
    "notices",
    "advisories",
    "e2e",
    "coverage",
];

/// The gates `--only` / `--skip` select, in run order; unknown names are an error.
pub fn select(only: &[String], skip: &[String]) -> Result<Vec<&'static str>> {
    for name in only.iter().chain(skip) {
        if !GATES.contains(&name.as_str()) {
            bail!(
                "unknown gate '{name}'; hint: gates are {}",
                GATES.join(", ")
            );
        }
    }
    Ok(GATES
        .iter()
        .copied()
        .filter(|g| only.is_empty() || only.iter().any(|o| o == g))
        .filter(|g| !skip.iter().any(|s| s == g))
        .collect())
}

/// Runs a command as a gate: passes when it exits 0.
fn command_gate(result: xshell::Result<()>, what: &str) -> Result<Outcome> {
    Ok(match result {
        Ok(()) => Outcome::passed(format!("{what} passed")),
        Err(err) => Outcome::from_findings(
            format!("{what} failed"),
            vec![Finding::new(err.to_string())],
        ),
    })
}

/// How the test gate compiles the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TestBuild {
    /// As `cargo test` does; the clippy gate, if selected, checks on its own.
    Plain,
    /// With clippy's driver as the workspace's rustc wrapper, which is how `cargo
    /// clippy` lints (it is `cargo check` with that wrapper): the clippy gate is then the
    /// test build of every target with the lints denied, and the dependencies compile
    /// once, for the tests, instead of once more as clippy's metadata-only check. The
    /// lints stay warnings (`deny: false`) for a test gate after a failed clippy gate,
    /// so that the tests still run.
    Linted { driver: PathBuf, deny: bool },
}

impl TestBuild {
    /// Linted when both gates run and the toolchain has clippy's driver.
    fn choose(project: &Project, gates: &[&str]) -> TestBuild {
        if !(gates.contains(&"clippy") && gates.contains(&"test")) {
            return TestBuild::Plain;
        }
        let sh = &project.sh;
        let sysroot = cmd!(sh, "rustc --print sysroot")
            .quiet()
            .ignore_stderr()
            .read();
        match sysroot.map(|s| PathBuf::from(s.trim()).join("bin/clippy-driver")) {
            Ok(driver) if driver.is_file() => TestBuild::Linted { driver, deny: true },
            _ => TestBuild::Plain,
        }
    }

    fn apply<'a>(&self, cmd: xshell::Cmd<'a>) -> xshell::Cmd<'a> {
        match self {
            TestBuild::Plain => cmd,
            TestBuild::Linted { driver, deny } => cmd
                .env("RUSTC_WORKSPACE_WRAPPER", driver)
                // The arguments cargo clippy hands its driver, each followed by the
                // separator the driver splits them on.
                .env(
                    "CLIPPY_ARGS",
                    if *deny {
                        "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
                    } else {
                        ""
                    },
                ),
        }
    }
}

fn run_gate(project: &Project, gate: &str, args: &Options, build: &TestBuild) -> Result<Outcome> {
    let sh = &project.sh;
    let cargo = project.cargo();
    match gate {
        "fmt" => command_gate(
            output::run(cmd!(sh, "{cargo} fmt --all --check")),
            "cargo fmt --check",
        ),
        "clippy" => clippy(project, build),
        "test" => test(project, build),
        "unsafe" => unsafe_code::check(project),
        "headers" => headers::check_project(project, args.fix_headers),
        "yaml" => yaml::check(project),
        "workflows" => workflows::check(project),
        "licenses" => licenses::check(project, &Definition::load(&project.root)?),
        "notices" => {
            let def = Definition::load(&project.root)?;
            if def.notices.is_none() {
                return Ok(Outcome::skipped(
                    "the release definition names no notices file",
                ));
            }
            let count = crate::tasks::notices::check(project, &def)?;
            Ok(Outcome::passed(format!(
                "THIRD_PARTY_NOTICES.md is up to date ({count} crates)"
            )))
        }
        "advisories" => advisories::check(
            project,
            &Definition::load(&project.root)?,
            args.advisory_db.as_deref(),
        ),
        "e2e" => e2e::check(project, args.e2e_profile()),
        "coverage" => coverage(project),
        other => bail!("unknown gate '{other}'"),
    }
}

/// `cargo clippy`, or its lints on the test build (see `TestBuild`).
fn clippy(project: &Project, build: &TestBuild) -> Result<Outcome> {
    let sh = &project.sh;
    let cargo = project.cargo();
    match build {
        TestBuild::Plain => command_gate(
            output::run(project.building(cmd!(
                sh,
                "{cargo} clippy --workspace --all-targets --locked -- -D warnings"
            ))),
            "cargo clippy",
        ),
        TestBuild::Linted { .. } => command_gate(
            output::run(build.apply(project.building(cmd!(
                sh,
                "{cargo} test --workspace --all-targets --locked --no-run"
            )))),
            "cargo clippy (in the test build)",
        ),
    }
}

/// The workspace's tests: with nextest installed, `cargo nextest` and the doctests
/// (when a library may hold one, see `doctests`); `cargo test` otherwise.
fn test(project: &Project, build: &TestBuild) -> Result<Outcome> {
    let sh = &project.sh;
    let cargo = project.cargo();
    let nextest = cmd!(sh, "{cargo} nextest --version")
        .quiet()
        .ignore_stdout()
        .ignore_stderr()
        .run()
        .is_ok();
    if !nextest {
        return command_gate(
            output::run(build.apply(
                project.building(cmd!(sh, "{cargo} test --workspace --locked --no-fail-fast")),
            )),
            "cargo test",
        );
    }
    // nextest does not run doctests; cargo does, when a library may hold one.
    let doctests = doctests::any(&crate::deps::metadata_for(project, None)?)?;
    // Twice as many tests as cores: many wait on a subprocess, a registry or a retry's
    // backoff, and the others use the idle time (two cores: 87 s with 2, 70 s with 4).
    let threads = std::thread::available_parallelism()
        .map_or(2, usize::from)
        .saturating_mul(2)
        .to_string();
    let result = output::run(build.apply(project.building(cmd!(
        sh,
        "{cargo} nextest run --workspace --locked --no-fail-fast --test-threads {threads}"
    ))))
    .and_then(|()| {
        if doctests {
            output::run(
                build.apply(project.building(cmd!(sh, "{cargo} test --workspace --locked --doc"))),
            )
        } else {
            Ok(())
        }
    });
    command_gate(result, "cargo nextest")
}

fn coverage(project: &Project) -> Result<Outcome> {
    let sh = &project.sh;
    let cargo = project.cargo();
    let available = cmd!(sh, "{cargo} llvm-cov --version")
        .quiet()
        .ignore_stdout()
        .ignore_stderr()
        .run()
        .is_ok();
    if !available {
        return Ok(Outcome::skipped(
            "cargo-llvm-cov is not installed; hint: cargo install cargo-llvm-cov",
        ));
    }
    let threshold = Definition::load(&project.root)?
        .qualify
        .coverage
        .unwrap_or(70.0)
        .to_string();
    command_gate(
        output::run(project.building(cmd!(
            sh,
            "{cargo} llvm-cov --workspace --locked --fail-under-lines {threshold}"
        ))),
        &format!("coverage at least {threshold}%"),
    )
}

/// One gate's line in the report.
#[derive(Debug, Serialize)]
struct GateReport {
    gate: &'static str,
    seconds: f64,
    #[serde(flatten)]
    outcome: Outcome,
}

#[derive(Debug, Serialize)]
struct Report {
    passed: usize,
    failed: usize,
    skipped: usize,
    gates: Vec<GateReport>,
}

pub fn run(project: &Project, args: &Options) -> Result<()> {
    let gates = select(&args.only, &args.skip)?;
    if gates.contains(&"e2e") {
        // Before any gate: a wrong profile is a usage error, not a failed gate later.
        e2e::defined_profile(project, args.e2e_profile())?;
    }
    let github = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    let mut build = TestBuild::choose(project, &gates);
    let mut prebuild = start_e2e_build(project, &gates, args.e2e_profile());
    let mut reports = Vec::new();
    for gate in gates {
        if gate == "e2e"
            && let Some(prebuild) = prebuild.take()
        {
            match prebuild.finish() {
                Ok(took) => errln!(
                    "qualify: the e2e release build finished in the background in {:.0}s",
                    took.as_secs_f64()
                ),
                Err(err) => errln!("qualify: {err:#}; the e2e gate builds again"),
            }
        }
        errln!("qualify: {gate} ...");
        let started = Instant::now();
        let outcome = run_gate(project, gate, args, &build).unwrap_or_else(|err| Outcome {
            status: Status::Failed,
            summary: format!("{err:#}"),
            findings: Vec::new(),
        });
        let seconds = started.elapsed().as_secs_f64();
        for finding in &outcome.findings {
            errln!("  {finding}");
            if github {
                outln!("{}", annotation(gate, finding))?;
            }
        }
        errln!(
            "qualify: {gate:<10} {:<7} {seconds:>6.1}s  {}",
            status_word(outcome.status),
            outcome.summary
        );
        let failed = outcome.status == Status::Failed;
        if gate == "clippy"
            && failed
            && let TestBuild::Linted { deny, .. } = &mut build
        {
            *deny = false;
        }
        reports.push(GateReport {
            gate,
            seconds,
            outcome,
        });
        if failed && args.fail_fast {
            break;
        }
    }
    let count = |s: Status| reports.iter().filter(|r| r.outcome.status == s).count();
    let report = Report {
        passed: count(Status::Passed),
        failed: count(Status::Failed),
        skipped: count(Status::Skipped),
        gates: reports,
    };
    let table = summary_table(&report);
    errln!("\n{table}");
    if github {
        let summary = format!("## cargo xtask qualify\n\n{table}");
        if let Err(err) = crate::actions::append_step_summary(project, &summary) {
            errln!("qualify: {err:#}");
        }
    }
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&report)?)?;
    }
    // The closing line in the form CI systems read: "qualify: N passed, N failed".
    let skipped = if report.skipped > 0 {
        format!(", {} skipped", report.skipped)
    } else {
        String::new()
    };
    errln!(
        "qualify: {} passed, {} failed{skipped}",
        report.passed,
        report.failed
    );
    if report.failed > 0 {
        let names: Vec<_> = report
            .gates
            .iter()
            .filter(|r| r.outcome.status == Status::Failed)
            .map(|r| r.gate)
            .collect();
        bail!("{} gate(s) failed: {}", report.failed, names.join(", "));
    }
    Ok(())
}

/// Whether a gate that builds runs before e2e, so that its release build can overlap.
fn overlaps_e2e(gates: &[&str]) -> bool {
    gates
        .iter()
        .take_while(|g| **g != "e2e")
        .any(|g| matches!(*g, "clippy" | "test"))
        && gates.contains(&"e2e")
}

/// Starts the e2e gate's release build in the background when gates that build
/// run before it (see `cross_build::Prebuild`); `None` when it cannot start, and the
/// gate then builds in its turn.
fn start_e2e_build(
    project: &Project,
    gates: &[&str],
    profile: &str,
) -> Option<crate::tasks::cross_build::Prebuild> {
    if !overlaps_e2e(gates) {
        return None;
    }
    match e2e::prebuild(project, profile) {
        Ok(prebuild) => {
            errln!(
                "qualify: the e2e gate's release build runs in the background; log: target/e2e/prebuild.log"
            );
            Some(prebuild)
        }
        Err(err) => {
            errln!("qualify: the e2e gate builds in its turn ({err:#})");
            None
        }
    }
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Passed => "ok",
        Status::Failed => "FAILED",
        Status::Skipped => "skipped",
    }
}

/// A Markdown table (GitHub step summaries render it; it also reads as text).
fn summary_table(report: &Report) -> String {
    let mut table = String::from("| gate | status | seconds | summary |\n|---|---|---:|---|\n");
    for r in &report.gates {
        table.push_str(&format!(
            "| {} | {} | {:.1} | {} |\n",
            r.gate,
            status_word(r.outcome.status),
            r.seconds,
            r.outcome.summary.replace('|', "\\|").replace('\n', " ")
        ));
    }
    table
}

/// A GitHub Actions workflow command for a finding.
fn annotation(gate: &str, finding: &Finding) -> String {
    let escape = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let mut props = vec![format!("title=qualify {gate}")];
    if let Some(file) = &finding.file {
        props.push(format!(
            "file={}",
            escape(file).replace(',', "%2C").replace(':', "%3A")
        ));
    }
    if let Some(line) = finding.line {
        props.push(format!("line={line}"));
    }
    format!("::error {}::{}", props.join(","), escape(&finding.message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn selection_keeps_run_order() {
        assert_eq!(select(&[], &[]).unwrap(), GATES);
        assert_eq!(
            select(&names(&["headers", "fmt"]), &[]).unwrap(),
            ["fmt", "headers"]
        );
        let without = select(&[], &names(&["test", "clippy", "e2e"])).unwrap();
        assert!(!without.contains(&"test") && without.contains(&"yaml"));
    }

    #[test]
    fn the_e2e_build_overlaps_only_gates_that_build_before_it() {
        assert!(overlaps_e2e(GATES));
        assert!(overlaps_e2e(&["test", "e2e"]));
        assert!(!overlaps_e2e(&["e2e"]));
        assert!(!overlaps_e2e(&["fmt", "headers", "e2e", "coverage"]));
        assert!(!overlaps_e2e(&["clippy", "test"]));
    }

    #[test]
    fn unknown_gates_are_refused_with_the_list() {
        let err = select(&names(&["lint"]), &[]).unwrap_err().to_string();
        assert!(
            err.contains("unknown gate 'lint'") && err.contains("fmt, clippy, test"),
            "{err}"
        );
    }

    #[test]
    fn annotations_escape_what_github_needs() {
        let finding = Finding::at("a,b:c.rs", 7, "50% wrong\nsecond line");
        assert_eq!(
            annotation("headers", &finding),
            "::error title=qualify headers,file=a%2Cb%3Ac.rs,line=7::50%25 wrong%0Asecond line"
        );
    }
}
