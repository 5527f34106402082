// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The validator contract shared by the `deployment`, `performance` and `conformance`
//! binaries, which run as Kubernetes Jobs: `<binary> <check-name>`, with the recipe and
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

use std::path::PathBuf;
use std::process::ExitCode;

use aicr::build_info::BUILD;
use aicr::checks::cluster::Needs;
use aicr::checks::{Inputs, Phase, Status, Verdict};
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
    serde_norway::from_str(&text)
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
        eprintln!("warning: {var}={path}: ignoring unknown field {field}");
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

/// The whole `main` of a validator binary for `phase`.
pub fn main(phase: &Phase) -> ExitCode {
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
        .try_get_matches()
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
                eprintln!("error: cannot render the ClusterRole: {err}");
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
    eprintln!("{check}: {}: {message}", status.as_str());
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
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
