// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `aicr`: the AI Cluster Runtime command-line tool.

#![forbid(unsafe_code)]

mod collect;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use aicr::build_info::BUILD;
use aicr::catalog::Catalog;
use aicr::criteria::Criteria;
use aicr::errln;
use aicr::error::Error;
use aicr::exit::Code;
use aicr::recipe;
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::Deserialize;

/// AI Cluster Runtime: turns a short description of a GPU Kubernetes cluster into a
/// validated recipe of components, versions and constraints.
#[derive(Debug, Parser)]
#[command(name = "aicr", version = BUILD.clap_version())]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the version, commit and build date of this binary.
    Version,
    /// Compute the recipe (components, versions, constraints) for the given criteria.
    Recipe(RecipeArgs),
    /// Print one value of the hydrated recipe, selected by a dotted path.
    Query(QueryArgs),
    /// Write a deployment bundle (values, scripts, checksums) for a recipe.
    Bundle(BundleArgs),
    /// Check a bundle against its checksums.txt.
    Verify(VerifyArgs),
    /// Collect a snapshot of this node (OS, kernel, modules, sysctl, GPUs).
    Snapshot(SnapshotArgs),
    /// Validate a recipe against a snapshot; prints a CTRF report.
    Validate(ValidateArgs),
}

#[derive(Debug, Args)]
struct SnapshotArgs {
    /// Output format.
    #[arg(short = 't', long = "format", value_enum, default_value = "yaml")]
    format: Format,
    /// Write to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ValidateArgs {
    /// The RecipeResult (YAML or JSON; - for stdin).
    #[arg(short = 'r', long = "recipe", value_name = "FILE")]
    recipe: String,
    /// The Snapshot (YAML or JSON).
    #[arg(short = 's', long = "snapshot", value_name = "FILE")]
    snapshot: String,
    /// Only these phases: deployment, performance, conformance (repeatable).
    #[arg(long = "phase", value_name = "PHASE", value_parser = ["deployment", "performance", "conformance"])]
    phases: Vec<String>,
    /// Report the cluster checks as skipped: no cluster is used.
    #[arg(long)]
    no_cluster: bool,
    /// all_reduce_perf output for the performance check nccl-all-reduce-bw.
    #[arg(long, value_name = "FILE")]
    nccl_output: Option<String>,
    /// Write the CTRF report to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct BundleArgs {
    /// The RecipeResult (YAML or JSON; - for stdin).
    #[arg(short = 'r', long = "recipe", value_name = "FILE")]
    recipe: String,
    /// The directory to write (refused when it is not empty, unless --force).
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    output: PathBuf,
    /// Set a component value: name:path=value (name:enabled=false drops the component);
    /// true, false, null, integers and decimals are typed, other values stay strings.
    #[arg(long = "set", value_name = "NAME:PATH=VALUE")]
    sets: Vec<String>,
    /// Set a component value as a string, whatever it looks like (applied after --set).
    #[arg(long = "set-string", value_name = "NAME:PATH=VALUE")]
    set_strings: Vec<String>,
    /// Replace a non-empty output directory (never the current directory or one that
    /// holds an input).
    #[arg(long)]
    force: bool,
    /// An external catalog directory layered over the embedded one.
    #[arg(long = "data", value_name = "DIR")]
    data: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// The bundle directory.
    dir: PathBuf,
    /// Output format.
    #[arg(short = 't', long = "format", value_enum, default_value = "text")]
    format: ReportFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Yaml,
    Json,
}

#[derive(Debug, Args)]
struct CriteriaArgs {
    /// Managed Kubernetes service: aks, eks, gke, kind, oke or any.
    #[arg(long)]
    service: Option<String>,
    /// GPU: a100, b200, gb200, h100, l40 or any.
    #[arg(long, visible_alias = "gpu")]
    accelerator: Option<String>,
    /// Workload: training, inference or any.
    #[arg(long)]
    intent: Option<String>,
    /// Node OS: amazonlinux, cos, rhel, ubuntu or any.
    #[arg(long)]
    os: Option<String>,
    /// Platform: dynamo, kubeflow or any.
    #[arg(long)]
    platform: Option<String>,
    /// Number of GPU nodes.
    #[arg(long)]
    nodes: Option<u32>,
    /// A RecipeCriteria document (YAML or JSON; - for stdin); flags override it.
    #[arg(
        short = 'c',
        long = "criteria",
        value_name = "FILE",
        conflicts_with = "snapshot"
    )]
    criteria: Option<String>,
    /// Derive the criteria from a Snapshot, excluding overlays whose constraints it fails.
    #[arg(short = 's', long = "snapshot", value_name = "FILE")]
    snapshot: Option<String>,
    /// An external catalog directory layered over the embedded one.
    #[arg(long = "data", value_name = "DIR")]
    data: Option<PathBuf>,
}

fn load_catalog(data: Option<&std::path::Path>) -> Result<Catalog, Error> {
    match data {
        Some(dir) => Catalog::layered(dir),
        None => Catalog::embedded(),
    }
}

/// Reads a RecipeResult (`-` for stdin) and warns about the fields it ignored.
fn read_recipe(path: &str) -> Result<recipe::RecipeResult, Error> {
    let read = recipe::read(&read_input(path)?).map_err(|e| Error::Input(format!("{path} {e}")))?;
    for field in &read.ignored {
        errln!("warning: {path}: ignoring unknown field {field}");
    }
    Ok(read.recipe)
}

fn read_snapshot(path: &str) -> Result<aicr::snapshot::Snapshot, Error> {
    aicr::document::from_yaml(&read_input(path)?)
        .map_err(|e| Error::Input(format!("{path} is not a Snapshot: {e}")))
}

#[derive(Debug, Args)]
struct RecipeArgs {
    #[command(flatten)]
    criteria: CriteriaArgs,
    /// Output format.
    #[arg(short = 't', long = "format", value_enum, default_value = "yaml")]
    format: Format,
    /// Write to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct QueryArgs {
    #[command(flatten)]
    criteria: CriteriaArgs,
    /// The dotted path to print, e.g. components.gpu-operator.version.
    #[arg(long)]
    selector: String,
    /// Output format of non-scalar values.
    #[arg(short = 't', long = "format", value_enum, default_value = "yaml")]
    format: Format,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CriteriaDocument {
    kind: String,
    #[serde(default)]
    spec: Criteria,
}

fn read_input(path: &str) -> Result<String, Error> {
    if path == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Error::Input(format!("cannot read stdin: {e}")))?;
        Ok(text)
    } else {
        std::fs::read_to_string(path).map_err(|e| Error::Input(format!("cannot read {path}: {e}")))
    }
}

impl CriteriaArgs {
    /// The catalog and the recipe these arguments ask for.
    fn recipe(&self) -> Result<(Catalog, recipe::RecipeResult), Error> {
        let catalog = load_catalog(self.data.as_deref())?;
        let snapshot = self.snapshot.as_deref().map(read_snapshot).transpose()?;
        let result = recipe::recipe_with(
            &catalog,
            &self.resolve(snapshot.as_ref())?,
            snapshot.as_ref(),
        )?;
        Ok((catalog, result))
    }

    /// The criteria: from the snapshot (already read) or the criteria file, then flags.
    fn resolve(&self, snapshot: Option<&aicr::snapshot::Snapshot>) -> Result<Criteria, Error> {
        let mut criteria = match &self.criteria {
            None if snapshot.is_some() => snapshot.map(recipe::criteria_from).unwrap_or_default(),
            Some(path) => {
                let doc: CriteriaDocument =
                    aicr::document::from_yaml(&read_input(path)?).map_err(|e| {
                        Error::Input(format!("{path} is not a RecipeCriteria document: {e}"))
                    })?;
                if doc.kind != "RecipeCriteria" {
                    return Err(Error::Input(format!(
                        "{path} has kind {}, expected RecipeCriteria",
                        doc.kind
                    )));
                }
                doc.spec
            }
            None => Criteria::default(),
        };
        for (slot, flag) in [
            (&mut criteria.service, &self.service),
            (&mut criteria.accelerator, &self.accelerator),
            (&mut criteria.intent, &self.intent),
            (&mut criteria.os, &self.os),
            (&mut criteria.platform, &self.platform),
        ] {
            if let Some(value) = flag {
                slot.clone_from(value);
            }
        }
        if self.nodes.is_some() {
            criteria.nodes = self.nodes;
        }
        criteria.normalized()
    }
}

fn render(value: &impl serde::Serialize, format: Format) -> Result<String, Error> {
    match format {
        Format::Json => serde_json::to_string_pretty(value)
            .map(|s| s + "\n")
            .map_err(|e| Error::Input(e.to_string())),
        Format::Yaml => serde_norway::to_string(value).map_err(|e| Error::Input(e.to_string())),
    }
}

fn run(command: Command) -> Result<(), Error> {
    match command {
        Command::Version => out_line(&BUILD.version_line("aicr"))?,
        Command::Recipe(args) => {
            let (_, result) = args.criteria.recipe()?;
            for warning in &result.metadata.constraint_warnings {
                errln!("warning: {warning}");
            }
            write_output(&render(&result, args.format)?, args.output.as_deref())?;
        }
        Command::Query(args) => {
            let (catalog, result) = args.criteria.recipe()?;
            let hydrated = recipe::hydrate(&catalog, &result)?;
            match recipe::select(&hydrated, &args.selector)? {
                serde_json::Value::String(s) => out_line(s)?,
                v @ (serde_json::Value::Number(_)
                | serde_json::Value::Bool(_)
                | serde_json::Value::Null) => out_line(&v.to_string())?,
                v => out(&render(v, args.format)?)?,
            }
        }
        Command::Bundle(args) => bundle(&args)?,
        Command::Snapshot(args) => snapshot(&args)?,
        Command::Validate(args) => validate(&args)?,
        Command::Verify(args) => verify(&args)?,
    }
    Ok(())
}

/// `aicr snapshot`: measures the machine this runs on.
fn snapshot(args: &SnapshotArgs) -> Result<(), Error> {
    let now = jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let snapshot = aicr::snapshot::collect(&collect::Machine::local(), BUILD.version, &now);
    for error in &snapshot.metadata.collector_errors {
        errln!("warning: collector skipped: {error}");
    }
    write_output(&render(&snapshot, args.format)?, args.output.as_deref())
}

/// `aicr validate`: checks a recipe against a snapshot; prints the CTRF report.
fn validate(args: &ValidateArgs) -> Result<(), Error> {
    let start = jiff::Timestamp::now().as_millisecond();
    let recipe = read_recipe(&args.recipe)?;
    let snapshot = read_snapshot(&args.snapshot)?;
    let options = aicr::validate::Options {
        phases: args.phases.clone(),
        no_cluster: args.no_cluster,
        nccl_output: args.nccl_output.as_deref().map(read_input).transpose()?,
    };
    let tests = aicr::validate::validate(&recipe, &snapshot, &options);
    let report = aicr::validate::report(
        &tests,
        BUILD.version,
        start,
        jiff::Timestamp::now().as_millisecond(),
    );
    let failed = report["results"]["summary"]["failed"].as_u64().unwrap_or(0);
    write_output(
        &(serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"),
        args.output.as_deref(),
    )?;
    if failed > 0 {
        return Err(Error::Failed(format!("{failed} validation test(s) failed")));
    }
    Ok(())
}

/// `aicr verify`: checks a bundle against its checksums.
fn verify(args: &VerifyArgs) -> Result<(), Error> {
    let checks = aicr::verify::verify(&args.dir)?;
    let failed = checks.iter().filter(|c| !c.ok).count();
    match args.format {
        ReportFormat::Json => out_line(
            &serde_json::json!({ "passed": failed == 0, "files": checks.len(), "failed": failed, "checks": checks })
                .to_string(),
        )?,
        ReportFormat::Text => {
            for c in &checks {
                out_line(&format!(
                    "{} {}{}",
                    if c.ok { "ok  " } else { "FAIL" },
                    c.path,
                    if c.ok {
                        String::new()
                    } else {
                        format!(": {}", c.detail)
                    }
                ))?;
            }
            out_line(&format!(
                "{} of {} file(s) verified{}",
                checks.len() - failed,
                checks.len(),
                if failed == 0 { "" } else { "; FAILED" }
            ))?;
        }
    }
    if failed > 0 {
        return Err(Error::Failed(format!(
            "{failed} file(s) of {} failed verification",
            args.dir.display()
        )));
    }
    Ok(())
}

fn write_output(text: &str, path: Option<&std::path::Path>) -> Result<(), Error> {
    match path {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| Error::Input(format!("cannot write {}: {e}", path.display()))),
        None => out(text),
    }
}

/// Writes data to stdout: a closed stdout ends the output quietly, any other write
/// error fails the command.
fn out(text: &str) -> Result<(), Error> {
    aicr::output::write(text).map_err(|e| Error::Failed(e.to_string()))
}

/// [`out`] with a newline.
fn out_line(text: &str) -> Result<(), Error> {
    aicr::output::line(text).map_err(|e| Error::Failed(e.to_string()))
}

fn bundle(args: &BundleArgs) -> Result<(), Error> {
    let recipe = read_recipe(&args.recipe)?;
    let sets = args
        .sets
        .iter()
        .map(|s| aicr::bundle::Set::parse(s))
        .chain(
            args.set_strings
                .iter()
                .map(|s| aicr::bundle::Set::parse_string(s)),
        )
        .collect::<Result<Vec<_>, _>>()?;
    let files = aicr::bundle::render(&load_catalog(args.data.as_deref())?, &recipe, &sets)?;
    let mut inputs: Vec<PathBuf> = args.data.iter().cloned().collect();
    if args.recipe != "-" {
        inputs.push(PathBuf::from(&args.recipe));
    }
    let options = aicr::bundle::output::Options {
        force: args.force,
        inputs,
    };
    let written = aicr::bundle::output::write(&args.output, &files, &options)?;
    if let Some(leftover) = &written.leftover {
        errln!("warning: {leftover}");
    }
    errln!(
        "bundle: wrote {} file(s) to {}",
        files.len(),
        written.dir.display()
    );
    Ok(())
}

fn main() -> ExitCode {
    let cli: Cli = aicr::output::parse_args();
    match run(cli.command) {
        Ok(()) => Code::Ok.into(),
        Err(err) => {
            errln!("error: {err}");
            err.code().into()
        }
    }
}
