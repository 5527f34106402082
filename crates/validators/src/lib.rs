// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The `validator` program and its contract. One multi-call binary runs the three
//! phases: `validator <phase> <check-name>`, or `<phase> <check-name>` when it is
//! started through a link or a copy named `deployment`, `performance` or `conformance`.
//! Each phase's checks run as Kubernetes Jobs, with the recipe and
//! the snapshot from `AICR_RECIPE_PATH` and `AICR_SNAPSHOT_PATH`; exit 0 when the check
//! passed, 1 when it failed (the reason also goes to `/dev/termination-log` when it
//! exists, 4096 characters at most; `AICR_TERMINATION_LOG` names another file), 2 when
//! it was skipped. `--json` prints the check as one CTRF test result; `--rbac` prints
//! the ClusterRole its service account needs.
//!
//! The checks and their decisions live in [`aicr::checks`]; this crate gathers their
//! inputs: files and `nvidia-smi` for the local checks, the Kubernetes API
//! ([`cluster`]) for the others, which are skipped, saying why, when no cluster is
//! configured or reachable.

#![forbid(unsafe_code)]

pub mod cluster;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aicr::build_info::BUILD;
use aicr::checks::cluster::Needs;
use aicr::checks::{Inputs, Phase, Status, Verdict};
use aicr::errln;
use aicr::validate::Test;
use clap::Parser;

pub use aicr::checks::{CONFORMANCE, DEPLOYMENT, PERFORMANCE};

#[derive(Debug, Parser)]
#[command(version = BUILD.clap_version())]
struct Cli {
    /// The check to run (see --list).
    #[arg(value_name = "CHECK", required_unless_present_any = ["list", "rbac"])]
    check: Option<String>,
    /// Print the names of the checks this binary knows, one per line.
    #[arg(long)]
    list: bool,
    /// Print the ClusterRole (YAML) that lets this validator's service account run its
    /// checks.
    #[arg(long, conflicts_with_all = ["check", "list"])]
    rbac: bool,
    /// Print the result as one CTRF test on stdout.
    #[arg(long)]
    json: bool,
    /// all_reduce_perf output for nccl-all-reduce-bw (a file, or - for stdin).
    #[arg(long, value_name = "FILE")]
    input: Option<String>,
    /// The deployed gpu-operator version, when the snapshot does not carry it.
    #[arg(long, value_name = "VERSION")]
    deployed: Option<String>,
    /// The kubeconfig of the cluster checks [default: in a pod, its service account;
    /// else KUBECONFIG or ~/.kube/config].
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
}

/// The recipe and the snapshot the contract's variables name.
#[derive(Debug, Default)]
struct Documents {
    recipe: Option<aicr::recipe::RecipeResult>,
    snapshot: Option<aicr::snapshot::Snapshot>,
}

fn read_document<T: serde::de::DeserializeOwned>(var: &str) -> Result<Option<T>, String> {
    let Ok(path) = std::env::var(var) else {
        return Ok(None);
    };
    let text =
        std::fs::read_to_string(&path).map_err(|e| format!("cannot read {var}={path}: {e}"))?;
    aicr::document::from_yaml(&text)
        .map(Some)
        .map_err(|e| format!("{var}={path} is not valid: {e}"))
}

/// The recipe `AICR_RECIPE_PATH` names, through the reader `aicr` and `aicrd` use; the
/// unknown fields it ignored are reported on stderr.
fn read_recipe() -> Result<Option<aicr::recipe::RecipeResult>, String> {
    let var = "AICR_RECIPE_PATH";
    let Ok(path) = std::env::var(var) else {
        return Ok(None);
    };
    let text =
        std::fs::read_to_string(&path).map_err(|e| format!("cannot read {var}={path}: {e}"))?;
    let read = aicr::recipe::read(&text).map_err(|e| format!("{var}={path} {e}"))?;
    for field in &read.ignored {
        errln!("warning: {var}={path}: ignoring unknown field {field}");
    }
    Ok(Some(read.recipe))
}

fn read_input(input: Option<&str>) -> Result<Option<String>, String> {
    match input {
        Some("-") => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .map_err(|e| format!("cannot read stdin: {e}"))?;
            Ok(Some(text))
        }
        Some(path) => std::fs::read_to_string(path)
            .map(Some)
            .map_err(|e| format!("cannot read {path}: {e}")),
        None => Ok(None),
    }
}

/// Runs `nvidia-smi`: whether it succeeded and its stderr; `None` when it is not
/// installed.
fn run_nvidia_smi() -> Option<(bool, String)> {
    let out = std::process::Command::new("nvidia-smi").output().ok()?;
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// The gpu-operator version the cluster's release of it deployed, when neither
/// `--deployed` nor the snapshot tells.
fn deployed_from_cluster(
    cli: &Cli,
    recipe: &aicr::recipe::RecipeResult,
) -> Result<Option<String>, cluster::Unavailable> {
    let needs = Needs {
        workloads: true,
        ..Needs::default()
    };
    let facts = cluster::gather(cluster::source_from_env(cli.kubeconfig.as_deref()), needs)?;
    Ok(
        aicr::checks::cluster::release_version(Some(recipe), &facts.workloads, "gpu-operator")
            .map(str::to_owned),
    )
}

/// Gathers the inputs of `check` and runs it.
fn run(cli: &Cli, check: &str) -> Result<Verdict, String> {
    let documents = Documents {
        recipe: read_recipe()?,
        snapshot: read_document("AICR_SNAPSHOT_PATH")?,
    };
    if let Some(needs) = Needs::of(check) {
        let source = cluster::source_from_env(cli.kubeconfig.as_deref());
        return Ok(match cluster::gather(source, needs) {
            Ok(facts) => aicr::checks::cluster::run(check, documents.recipe.as_ref(), &facts),
            Err(cluster::Unavailable::NoCluster(reason)) => (Status::Skipped, reason),
            Err(cluster::Unavailable::Error(reason)) => (Status::Failed, reason),
        });
    }
    let mut deployed = cli.deployed.clone();
    let mut no_cluster = None;
    let from_snapshot = documents
        .snapshot
        .as_ref()
        .and_then(|s| s.value("Deployment.gpu-operator.version"));
    if check == "gpu-operator-version"
        && deployed.is_none()
        && from_snapshot.is_none()
        && let Some(recipe) = &documents.recipe
    {
        match deployed_from_cluster(cli, recipe) {
            Ok(version) => deployed = version,
            Err(cluster::Unavailable::NoCluster(reason)) => no_cluster = Some(reason),
            Err(cluster::Unavailable::Error(reason)) => return Ok((Status::Failed, reason)),
        }
    }
    let inputs = Inputs {
        recipe: documents.recipe.as_ref(),
        snapshot: documents.snapshot.as_ref(),
        nccl_output: read_input(cli.input.as_deref())?,
        deployed,
        nvidia_smi: if check == "check-nvidia-smi" {
            run_nvidia_smi()
        } else {
            None
        },
    };
    let (status, message) =
        aicr::checks::run_local(check, &inputs).ok_or_else(|| format!("{check} has no runner"))?;
    Ok(match no_cluster {
        Some(reason) if status == Status::Skipped && inputs.deployed.is_none() => {
            (status, format!("{message}; {reason}"))
        }
        _ => (status, message),
    })
}

/// Writes a failure's reason where Kubernetes reads it, when that file exists: at most
/// 4096 characters, the limit of the termination message.
fn termination_log(message: &str) {
    let path =
        std::env::var("AICR_TERMINATION_LOG").unwrap_or_else(|_| "/dev/termination-log".into());
    if std::path::Path::new(&path).exists() {
        let cut: String = message.chars().take(4096).collect();
        let _ = std::fs::write(&path, cut);
    }
}

/// The multi-call program's own name.
pub const PROGRAM: &str = "validator";

/// The phases the program runs, by name.
static PHASE_LIST: [&Phase; 3] = [&DEPLOYMENT, &PERFORMANCE, &CONFORMANCE];

/// The phase called `name`.
pub fn phase_named(name: &str) -> Option<&'static Phase> {
    PHASE_LIST.iter().copied().find(|p| p.name == name)
}

/// What a command line asks of the program.
#[derive(Debug)]
pub enum Call {
    /// Run a phase with these arguments, the first being the phase's name (what its
    /// help, usage and version lines call the program).
    Phase(&'static Phase, Vec<OsString>),
    /// `validator --help`.
    Help,
    /// `validator --version`.
    Version,
    /// A usage error: the reason (exit 2).
    Usage(String),
}

/// Decides what a command line asks: the program name (`argv[0]`'s file name) when it is
/// a phase's, else the first argument. Pure; any arguments give an answer.
pub fn dispatch(args: Vec<OsString>) -> Call {
    let mut args = args.into_iter();
    let program = args.next().unwrap_or_default();
    let named = Path::new(&program)
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(phase_named);
    if let Some(phase) = named {
        return Call::Phase(phase, std::iter::once(program).chain(args).collect());
    }
    let Some(first) = args.next() else {
        return Call::Usage("a phase is required".to_owned());
    };
    match first.to_str() {
        Some("-h" | "--help" | "help") => Call::Help,
        Some("-V" | "--version") => Call::Version,
        Some(name) => match phase_named(name) {
            Some(phase) => Call::Phase(phase, std::iter::once(first).chain(args).collect()),
            None => Call::Usage(format!("unknown phase '{name}'")),
        },
        None => Call::Usage(format!("unknown phase '{}'", first.to_string_lossy())),
    }
}

fn usage() -> String {
    format!("Usage: {PROGRAM} <PHASE> <CHECK> [OPTIONS]")
}

fn help() -> String {
    let mut text = format!(
        "AICR validator: runs one check of a phase and reports it by exit code (0 passed, 1 failed, 2 skipped)\n\n{}\n       <PHASE> <CHECK> [OPTIONS]   (started through a link or copy named after the phase)\n\nPhases:\n",
        usage()
    );
    for phase in PHASE_LIST {
        text.push_str(&format!(
            "  {:<12} {}\n",
            phase.name,
            phase.checks.join(", ")
        ));
    }
    text.push_str(&format!(
        "\nOptions:\n  -h, --help     Print help\n  -V, --version  Print version\n\n`{PROGRAM} <PHASE> --help` describes a phase's options.\n"
    ));
    text
}

/// The whole `main` of the `validator` program.
pub fn main() -> ExitCode {
    // A closed stdout (`| head`) is not an error: what could be written was.
    match dispatch(std::env::args_os().collect()) {
        Call::Phase(phase, args) => run_phase(phase, args),
        Call::Help => written(aicr::output::write(&help()), ExitCode::SUCCESS),
        Call::Version => written(
            aicr::output::line(&BUILD.version_line(PROGRAM)),
            ExitCode::SUCCESS,
        ),
        Call::Usage(reason) => {
            let phases: Vec<&str> = PHASE_LIST.iter().map(|p| p.name).collect();
            errln!(
                "error: {reason}; expected one of {}\n\n{}\n\nFor more information, try '--help'.",
                phases.join(", "),
                usage()
            );
            ExitCode::from(2)
        }
    }
}

/// Runs `phase` with `args` (the first is the program name clap reports).
pub fn run_phase(phase: &Phase, args: Vec<OsString>) -> ExitCode {
    let about = format!(
        "AICR {} validator: runs one {} check and reports it by exit code (0 passed, 1 failed, 2 skipped)",
        phase.name, phase.name
    );
    let after = format!(
        "Checks: {}\n\nEnvironment:\n  AICR_RECIPE_PATH      the RecipeResult (YAML or JSON)\n  AICR_SNAPSHOT_PATH    the Snapshot (YAML or JSON)\n  AICR_TERMINATION_LOG  where a failure's reason goes [default: /dev/termination-log, when it exists]",
        phase.checks.join(", ")
    );
    let cli = match <Cli as clap::CommandFactory>::command()
        .name(phase.name)
        .about(about)
        .after_help(after)
        .try_get_matches_from(args)
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(err) => aicr::output::clap_exit(err),
    };
    if cli.list {
        let list = phase.checks.join("\n");
        return written(aicr::output::line(&list), ExitCode::SUCCESS);
    }
    if cli.rbac {
        let role = aicr::checks::cluster::cluster_role(
            &format!("aicr-{}-validator", phase.name),
            phase.checks,
        );
        let yaml = match serde_norway::to_string(&role) {
            Ok(yaml) => yaml,
            Err(err) => {
                errln!("error: cannot render the ClusterRole: {err}");
                return ExitCode::FAILURE;
            }
        };
        return written(aicr::output::write(&yaml), ExitCode::SUCCESS);
    }
    let check = cli.check.clone().unwrap_or_default();
    let started = jiff::Timestamp::now();
    let (status, message) = if phase.knows(&check) {
        run(&cli, &check).unwrap_or_else(|reason| (Status::Failed, reason))
    } else {
        (Status::Skipped, format!("error: {}", phase.unknown(&check)))
    };
    errln!("{check}: {}: {message}", status.as_str());
    if status == Status::Failed {
        termination_log(&message);
    }
    if cli.json {
        let mut test = Test::new(&check, phase.name, status, message);
        test.duration = (jiff::Timestamp::now().as_millisecond() - started.as_millisecond())
            .try_into()
            .unwrap_or(0);
        let json = serde_json::to_string(&test).unwrap_or_default();
        return written(aicr::output::line(&json), ExitCode::from(status.code()));
    }
    ExitCode::from(status.code())
}

/// The exit code after writing to stdout: `code` when the output was written or its
/// reader went away (the verdict stands), 1 with a one-line error otherwise.
fn written(result: Result<(), aicr::output::WriteError>, code: ExitCode) -> ExitCode {
    match result {
        Ok(()) => code,
        Err(err) => {
            errln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn call(args: &[&str]) -> Call {
        dispatch(args.iter().map(OsString::from).collect())
    }

    fn phase_args(call: Call) -> (&'static str, Vec<String>) {
        match call {
            Call::Phase(phase, args) => (
                phase.name,
                args.iter()
                    .map(|a| a.to_string_lossy().into_owned())
                    .collect(),
            ),
            other => panic!("expected a phase, got {other:?}"),
        }
    }

    #[test]
    fn the_first_argument_or_the_program_name_picks_the_phase() {
        assert_eq!(
            phase_args(call(&[
                "/validator",
                "deployment",
                "operator-health",
                "--json"
            ])),
            (
                "deployment",
                vec![
                    "deployment".into(),
                    "operator-health".into(),
                    "--json".into()
                ]
            )
        );
        assert_eq!(
            phase_args(call(&["/usr/local/bin/performance", "--list"])),
            (
                "performance",
                vec!["/usr/local/bin/performance".into(), "--list".into()]
            )
        );
        // A link named after a phase keeps `<phase> <check>`, even for a check that is
        // also a phase's name.
        assert_eq!(
            phase_args(call(&["conformance", "deployment"])),
            (
                "conformance",
                vec!["conformance".into(), "deployment".into()]
            )
        );
        assert!(matches!(call(&["validator"]), Call::Usage(r) if r == "a phase is required"));
        assert!(matches!(call(&[]), Call::Usage(_)));
        assert!(matches!(call(&["validator", "--help"]), Call::Help));
        assert!(matches!(call(&["validator", "-V"]), Call::Version));
        assert!(
            matches!(call(&["validator", "operator-health"]), Call::Usage(r) if r == "unknown phase 'operator-health'")
        );
        assert!(matches!(call(&["./deployment-old", "x"]), Call::Usage(_)));
    }

    #[test]
    fn the_help_names_every_phase_and_its_checks() {
        let text = help();
        for phase in PHASE_LIST {
            assert!(text.contains(phase.name), "{text}");
            assert!(text.contains(&phase.checks.join(", ")), "{text}");
        }
    }

    proptest! {
        #[test]
        fn any_command_line_gets_an_answer_and_a_phase_sees_its_own_name_first(
            program in "\\PC{0,20}",
            rest in proptest::collection::vec("\\PC{0,12}", 0..4),
        ) {
            let mut args = vec![OsString::from(&program)];
            args.extend(rest.iter().map(OsString::from));
            if let Call::Phase(phase, args) = dispatch(args) {
                let first = Path::new(&args[0]).file_name().and_then(|n| n.to_str()).map(str::to_owned);
                prop_assert_eq!(first.as_deref(), Some(phase.name));
                prop_assert!(args.len() == rest.len() + 1 || args.len() == rest.len());
            }
        }
    }
}
