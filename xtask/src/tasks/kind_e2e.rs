// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask kind-e2e plan|run|assert`: the product on a Kind cluster, as the
//! `kind-e2e` job of the qualification and on-tag workflows runs it.
//!
//! - `plan --recipe FILE [--json]`: from a recipe and `dist/kind-e2e.toml`, what is
//!   deployed (the recipe without the components that need a GPU or a NIC, and
//!   without what depends on them), which validator checks run as Jobs, and the
//!   verdict each must give. Pure.
//! - `run --cluster NAME [--dist DIR] [--out DIR] [--timeout S]`: on an existing Kind
//!   cluster, with the binaries and image layouts of `cargo xtask release --snapshot`:
//!   `aicr recipe`, the plan, `aicr bundle` and its `deploy.sh`, the validator images
//!   loaded into the nodes (`skopeo copy oci:… docker-archive:…`, then
//!   `kind load image-archive`), `aicr snapshot` on the control-plane node and
//!   `aicr validate` of it, the ClusterRoles `validator <phase> --rbac` prints, one Job
//!   per check, their logs and pods collected into DIR, then `assert`.
//! - `assert [--out DIR]`: checks what a run collected: each check's CTRF result in its
//!   Job's log, the pod's exit code and termination message agreeing with it, and the
//!   verdict the plan expects; and the `aicr validate` report. Every problem is one line
//!   naming the phase and the check.
//!
//! Touches only DIR (default `target/kind-e2e/`) and, with `run`, the cluster.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use xshell::cmd;

use crate::dist::Definition;
use crate::flags::{KindE2eAction, KindE2eArgs};
use crate::fsutil::write_atomically;
use crate::output;
use crate::project::Project;
use crate::targets::Target;
use crate::tools;

/// The namespace the validator Jobs run in.
pub const NAMESPACE: &str = "aicr-validation";
/// The tag the images are loaded into the cluster with.
pub const IMAGE_TAG: &str = "kind-e2e";
/// The label every object of the test carries.
const PART_OF: &str = "aicr-kind-e2e";

/// `dist/kind-e2e.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// The `aicr recipe` flags.
    pub criteria: Vec<String>,
    /// Components that need hardware a Kind node lacks.
    pub hardware: Vec<String>,
    /// The validation phases run as Jobs.
    pub phases: Vec<String>,
    /// The checks that cannot pass without GPUs, and the verdict each must give.
    #[serde(default)]
    pub gpu_checks: BTreeMap<String, GpuCheck>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpuCheck {
    pub verdict: Verdict,
    pub because: String,
}

/// A check's CTRF status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Passed,
    Failed,
    Skipped,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::Skipped => "skipped",
        }
    }

    /// The validator's exit code for this verdict.
    pub fn code(self) -> i64 {
        match self {
            Verdict::Passed => 0,
            Verdict::Failed => 1,
            Verdict::Skipped => 2,
        }
    }

    fn parse(word: &str) -> Option<Verdict> {
        match word {
            "passed" => Some(Verdict::Passed),
            "failed" => Some(Verdict::Failed),
            "skipped" => Some(Verdict::Skipped),
            _ => None,
        }
    }
}

impl Config {
    pub fn load(root: &Path) -> Result<Config> {
        let path = root.join("dist/kind-e2e.toml");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Config::parse(&text).with_context(|| format!("{} is not valid", path.display()))
    }

    pub fn parse(text: &str) -> Result<Config> {
        let config: Config = toml_edit::de::from_str(text)?;
        if config.phases.is_empty() {
            bail!("phases is empty; hint: name the validation phases to run as Jobs");
        }
        Ok(config)
    }
}

/// One check the test runs as a Job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub phase: String,
    pub check: String,
    /// The Job's name, `<phase>-<check>`.
    pub job: String,
    /// The verdict the check must give.
    pub expect: Verdict,
    /// Why, for a check that cannot pass here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub because: Option<String>,
}

impl Check {
    fn id(&self) -> String {
        format!("{}/{}", self.phase, self.check)
    }
}

/// A component the bundle leaves out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeftOut {
    pub component: String,
    pub because: String,
}

/// An image loaded into the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageLoad {
    /// The `[[image]]` name (the phase's).
    pub name: String,
    /// The reference the Jobs run, `<repository>:kind-e2e`.
    pub reference: String,
}

/// What the test deploys, runs and expects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The components deployed, in the recipe's deployment order.
    pub deploy: Vec<String>,
    pub left_out: Vec<LeftOut>,
    /// The `aicr bundle` flags that leave them out.
    pub bundle_args: Vec<String>,
    pub images: Vec<ImageLoad>,
    pub checks: Vec<Check>,
}

/// The component names of a recipe and what each depends on.
fn components(recipe: &Value) -> Result<BTreeMap<String, Vec<String>>> {
    let refs = recipe["componentRefs"]
        .as_array()
        .context("the recipe has no componentRefs; hint: is it the JSON of aicr recipe?")?;
    refs.iter()
        .map(|c| {
            let name = c["name"]
                .as_str()
                .context("a componentRef of the recipe has no name")?;
            let deps = c["dependencyRefs"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| d.as_str().map(str::to_owned))
                .collect();
            Ok((name.to_owned(), deps))
        })
        .collect()
}

/// The plan of the test of `recipe`. Pure.
pub fn plan(config: &Config, recipe: &Value, def: &Definition) -> Result<Plan> {
    let all = components(recipe)?;
    // The hardware components, then whatever depends on a left-out one, to a fixpoint.
    let mut out: BTreeMap<String, String> = config
        .hardware
        .iter()
        .filter(|h| all.contains_key(*h))
        .map(|h| (h.clone(), "needs hardware a Kind node lacks".to_owned()))
        .collect();
    loop {
        let more: Vec<(String, String)> = all
            .iter()
            .filter(|(name, _)| !out.contains_key(*name))
            .filter_map(|(name, deps)| {
                deps.iter()
                    .find(|d| out.contains_key(*d))
                    .map(|d| (name.clone(), format!("depends on {d}")))
            })
            .collect();
        if more.is_empty() {
            break;
        }
        out.extend(more);
    }
    let order: Vec<String> = recipe["deploymentOrder"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n.as_str().map(str::to_owned))
        .collect();
    let deploy: Vec<String> = if order.is_empty() {
        all.keys().cloned().collect()
    } else {
        order
    }
    .into_iter()
    .filter(|n| !out.contains_key(n))
    .collect();
    let bundle_args = out
        .keys()
        .flat_map(|name| ["--set".to_owned(), format!("{name}:enabled=false")])
        .collect();
    let left_out = out
        .into_iter()
        .map(|(component, because)| LeftOut { component, because })
        .collect();

    let mut checks = Vec::new();
    let mut images = Vec::new();
    for phase in &config.phases {
        let image = def
            .images
            .iter()
            .find(|i| &i.name == phase)
            .with_context(|| {
                format!("dist/release.toml has no [[image]] named {phase}; hint: the phases of dist/kind-e2e.toml run from the image of their name")
            })?;
        images.push(ImageLoad {
            name: image.name.clone(),
            reference: format!("{}:{IMAGE_TAG}", image.repository),
        });
        let names = recipe["validation"][phase.as_str()]["checks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str);
        for check in names {
            let gpu = config.gpu_checks.get(check);
            checks.push(Check {
                phase: phase.clone(),
                check: check.to_owned(),
                job: format!("{phase}-{check}"),
                expect: gpu.map_or(Verdict::Passed, |g| g.verdict),
                because: gpu.map(|g| g.because.clone()),
            });
        }
    }
    if checks.is_empty() {
        bail!(
            "the recipe names no check of the phases {}; hint: is it the JSON of aicr recipe?",
            config.phases.join(", ")
        );
    }
    Ok(Plan {
        deploy,
        left_out,
        bundle_args,
        images,
        checks,
    })
}

/// The recipe of what the plan deploys: the validators judge the cluster against it.
pub fn deployed_recipe(recipe: &Value, plan: &Plan) -> Value {
    let kept: BTreeSet<&str> = plan.deploy.iter().map(String::as_str).collect();
    let mut recipe = recipe.clone();
    if let Some(refs) = recipe["componentRefs"].as_array_mut() {
        refs.retain(|c| c["name"].as_str().is_some_and(|n| kept.contains(n)));
    }
    if let Some(order) = recipe["deploymentOrder"].as_array_mut() {
        order.retain(|n| n.as_str().is_some_and(|n| kept.contains(n)));
    }
    recipe
}

fn labels() -> Value {
    json!({ "app.kubernetes.io/part-of": PART_OF })
}

fn service_account(phase: &str) -> String {
    format!("aicr-{phase}-validator")
}

/// The objects the validator Jobs need, and the Jobs: the namespace, a service account
/// per phase bound to the ClusterRole its `--rbac` prints (same name), the inputs
/// ConfigMap (`recipe.json`, `snapshot.json`), one Job per check. A `v1` List. Pure.
pub fn manifests(plan: &Plan, recipe: &Value, snapshot: &Value) -> Result<Value> {
    let mut items = vec![json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": { "name": NAMESPACE, "labels": labels() },
    })];
    for image in &plan.images {
        let account = service_account(&image.name);
        items.push(json!({
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": { "name": account, "namespace": NAMESPACE, "labels": labels() },
        }));
        items.push(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": { "name": account, "labels": labels() },
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": account,
            },
            "subjects": [{ "kind": "ServiceAccount", "name": account, "namespace": NAMESPACE }],
        }));
    }
    items.push(json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": { "name": "aicr-inputs", "namespace": NAMESPACE, "labels": labels() },
        "data": {
            "recipe.json": serde_json::to_string_pretty(recipe)?,
            "snapshot.json": serde_json::to_string_pretty(snapshot)?,
        },
    }));
    for check in &plan.checks {
        let image = plan
            .images
            .iter()
            .find(|i| i.name == check.phase)
            .with_context(|| format!("internal error: no image for the phase {}", check.phase))?;
        items.push(json!({
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": { "name": check.job, "namespace": NAMESPACE, "labels": labels() },
            "spec": {
                "backoffLimit": 0,
                "template": {
                    "metadata": { "labels": labels() },
                    "spec": {
                        "serviceAccountName": service_account(&check.phase),
                        "restartPolicy": "Never",
                        "containers": [{
                            "name": "validator",
                            "image": image.reference,
                            "imagePullPolicy": "Never",
                            "args": [check.check, "--json"],
                            "env": [
                                { "name": "AICR_RECIPE_PATH", "value": "/etc/aicr/recipe.json" },
                                { "name": "AICR_SNAPSHOT_PATH", "value": "/etc/aicr/snapshot.json" },
                            ],
                            "volumeMounts": [{ "name": "inputs", "mountPath": "/etc/aicr", "readOnly": true }],
                        }],
                        "volumes": [{ "name": "inputs", "configMap": { "name": "aicr-inputs" } }],
                    },
                },
            },
        }));
    }
    Ok(json!({ "apiVersion": "v1", "kind": "List", "items": items }))
}

/// How many of the test's Jobs in `jobs` (`kubectl get jobs -o json`) have finished
/// (condition `Complete` or `Failed`), of how many. Pure.
pub fn finished(jobs: &Value) -> (usize, usize) {
    let items = jobs["items"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let done = items
        .iter()
        .filter(|job| {
            job["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| {
                    matches!(c["type"].as_str(), Some("Complete" | "Failed"))
                        && c["status"] == "True"
                })
        })
        .count();
    (done, items.len())
}

/// The CTRF test a validator printed: the last line of its log that is a JSON object
/// (the log also holds its stderr line).
pub fn ctrf_line(log: &str) -> Option<Value> {
    log.lines()
        .rev()
        .filter_map(|line| serde_json::from_str::<Value>(line.trim()).ok())
        .find(Value::is_object)
}

/// What the cluster said of one Job's pod.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Terminated {
    pub exit_code: Option<i64>,
    pub message: Option<String>,
}

/// The terminated container of each Job's pod in `pods` (`kubectl get pods -o json`),
/// by Job name.
pub fn terminated(pods: &Value) -> BTreeMap<String, Terminated> {
    let mut out = BTreeMap::new();
    for pod in pods["items"].as_array().into_iter().flatten() {
        let labels = &pod["metadata"]["labels"];
        let Some(job) = labels["batch.kubernetes.io/job-name"]
            .as_str()
            .or_else(|| labels["job-name"].as_str())
        else {
            continue;
        };
        let state = &pod["status"]["containerStatuses"][0]["state"]["terminated"];
        if state.is_object() {
            out.insert(
                job.to_owned(),
                Terminated {
                    exit_code: state["exitCode"].as_i64(),
                    message: state["message"].as_str().map(str::to_owned),
                },
            );
        }
    }
    out
}

/// What a run collected for one check.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// The Job's log, when it was collected.
    pub log: Option<String>,
    /// The pod's terminated state, when pods were collected.
    pub pod: Option<Terminated>,
}

/// The problems of the verdicts a run observed, one line each naming the check; empty
/// when every check gave the verdict the plan expects and its pod agrees. Pure.
pub fn assert_checks(plan: &Plan, observed: &BTreeMap<String, Observed>) -> Vec<String> {
    let mut problems = Vec::new();
    for check in &plan.checks {
        let id = check.id();
        let seen = observed.get(&check.job).cloned().unwrap_or_default();
        let Some(log) = seen.log else {
            problems.push(format!("{id}: no log of Job {} was collected", check.job));
            continue;
        };
        let Some(test) = ctrf_line(&log) else {
            let first = log.lines().next().unwrap_or("(empty)");
            problems.push(format!(
                "{id}: no CTRF result in the log of Job {} (it starts: {first})",
                check.job
            ));
            continue;
        };
        let message = test["message"].as_str().unwrap_or_default();
        let Some(verdict) = test["status"].as_str().and_then(Verdict::parse) else {
            problems.push(format!(
                "{id}: the CTRF result has no status passed, failed or skipped: {test}"
            ));
            continue;
        };
        if test["name"] != check.check.as_str() || test["suite"] != check.phase.as_str() {
            problems.push(format!(
                "{id}: the CTRF result is of {}/{}",
                test["suite"].as_str().unwrap_or("?"),
                test["name"].as_str().unwrap_or("?")
            ));
        }
        if let Some(pod) = &seen.pod {
            if pod.exit_code != Some(verdict.code()) {
                problems.push(format!(
                    "{id}: the pod exited {} but the check reported {} (exit {})",
                    pod.exit_code
                        .map_or("without a code".to_owned(), |c| c.to_string()),
                    verdict.as_str(),
                    verdict.code()
                ));
            }
            if verdict == Verdict::Failed {
                let expected: String = message.chars().take(4096).collect();
                if pod.message.as_deref().map(str::trim) != Some(expected.trim()) {
                    problems.push(format!(
                        "{id}: the termination message is {:?}, not the failure's reason {expected:?}",
                        pod.message.as_deref().unwrap_or("")
                    ));
                }
            }
        }
        if verdict != check.expect {
            let why = check
                .because
                .as_ref()
                .map(|b| format!(" ({b})"))
                .unwrap_or_default();
            problems.push(format!(
                "{id}: expected {}{why}, got {}: {message}",
                check.expect.as_str(),
                verdict.as_str()
            ));
        }
    }
    problems
}

/// The problems of the `aicr validate` report of the node's snapshot: a CTRF report
/// with every planned check in its suite, no check that cannot pass here reported
/// passed, and a summary that counts its tests. Pure.
pub fn assert_validate(plan: &Plan, report: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    if report["reportFormat"] != "CTRF" {
        problems.push("aicr validate: the report is not CTRF (reportFormat)".to_owned());
    }
    let tests = report["results"]["tests"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let count = |status: &str| tests.iter().filter(|t| t["status"] == status).count();
    let summary = &report["results"]["summary"];
    for (key, n) in [
        ("tests", tests.len()),
        ("passed", count("passed")),
        ("failed", count("failed")),
        ("skipped", count("skipped")),
    ] {
        if summary[key].as_u64() != Some(n as u64) {
            problems.push(format!(
                "aicr validate: summary.{key} is {} but the report lists {n}",
                summary[key]
            ));
        }
    }
    for check in &plan.checks {
        let Some(test) = tests
            .iter()
            .find(|t| t["name"] == check.check.as_str() && t["suite"] == check.phase.as_str())
        else {
            problems.push(format!(
                "aicr validate: {} is not in the report",
                check.id()
            ));
            continue;
        };
        if check.expect != Verdict::Passed && test["status"] == "passed" {
            problems.push(format!(
                "aicr validate: {} passed, but it cannot here ({})",
                check.id(),
                check.because.as_deref().unwrap_or("a GPU check")
            ));
        }
    }
    problems
}

/// The plan a run wrote.
fn read_plan(out: &Path) -> Result<Plan> {
    #[derive(Deserialize)]
    struct Stored {
        deploy: Vec<String>,
        checks: Vec<StoredCheck>,
        images: Vec<StoredImage>,
        bundle_args: Vec<String>,
        left_out: Vec<StoredLeftOut>,
    }
    #[derive(Deserialize)]
    struct StoredCheck {
        phase: String,
        check: String,
        job: String,
        expect: Verdict,
        because: Option<String>,
    }
    #[derive(Deserialize)]
    struct StoredImage {
        name: String,
        reference: String,
    }
    #[derive(Deserialize)]
    struct StoredLeftOut {
        component: String,
        because: String,
    }
    let path = out.join("plan.json");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read {}; hint: cargo xtask kind-e2e run writes it",
            path.display()
        )
    })?;
    let stored: Stored = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a kind-e2e plan", path.display()))?;
    Ok(Plan {
        deploy: stored.deploy,
        left_out: stored
            .left_out
            .into_iter()
            .map(|l| LeftOut {
                component: l.component,
                because: l.because,
            })
            .collect(),
        bundle_args: stored.bundle_args,
        images: stored
            .images
            .into_iter()
            .map(|i| ImageLoad {
                name: i.name,
                reference: i.reference,
            })
            .collect(),
        checks: stored
            .checks
            .into_iter()
            .map(|c| Check {
                phase: c.phase,
                check: c.check,
                job: c.job,
                expect: c.expect,
                because: c.because,
            })
            .collect(),
    })
}

/// What a run collected in `out`: `results/<phase>/<check>.log` and `pods.json`.
pub fn observed(out: &Path, plan: &Plan) -> Result<BTreeMap<String, Observed>> {
    let pods = match std::fs::read_to_string(out.join("pods.json")) {
        Ok(text) => Some(terminated(&serde_json::from_str(&text).with_context(
            || format!("{} is not JSON", out.join("pods.json").display()),
        )?)),
        Err(_) => None,
    };
    Ok(plan
        .checks
        .iter()
        .map(|c| {
            let log = std::fs::read_to_string(
                out.join("results")
                    .join(&c.phase)
                    .join(format!("{}.log", c.check)),
            )
            .ok();
            let pod = pods
                .as_ref()
                .map(|p| p.get(&c.job).cloned().unwrap_or_default());
            (c.job.clone(), Observed { log, pod })
        })
        .collect())
}

/// Every problem of the run collected in `out`: the checks' verdicts, and the
/// `aicr validate` report when there is one.
pub fn assert_dir(out: &Path) -> Result<(Plan, Vec<String>)> {
    let plan = read_plan(out)?;
    let mut problems = assert_checks(&plan, &observed(out, &plan)?);
    let report = out.join("validate.json");
    if report.exists() {
        let value: Value = serde_json::from_str(&std::fs::read_to_string(&report)?)
            .with_context(|| format!("{} is not JSON", report.display()))?;
        problems.extend(assert_validate(&plan, &value));
    }
    Ok((plan, problems))
}

/// The plan for people.
fn print(plan: &Plan) -> Result<()> {
    outln!("deploy: {}", plan.deploy.join(", "))?;
    for l in &plan.left_out {
        outln!("leave out: {} ({})", l.component, l.because)?;
    }
    for image in &plan.images {
        outln!("image: {} as {}", image.name, image.reference)?;
    }
    for c in &plan.checks {
        outln!(
            "check: {:<40} expect {}{}",
            c.id(),
            c.expect.as_str(),
            c.because
                .as_ref()
                .map(|b| format!(" ({b})"))
                .unwrap_or_default()
        )?;
    }
    Ok(())
}

/// A Markdown table of the checks and the problems, for the job summary.
fn markdown(plan: &Plan, problems: &[String]) -> String {
    let mut text =
        String::from("## Kind end-to-end\n\n| check | expected | problems |\n|---|---|---|\n");
    for c in &plan.checks {
        let own: Vec<&str> = problems
            .iter()
            .filter(|p| p.starts_with(&format!("{}:", c.id())))
            .map(String::as_str)
            .collect();
        text.push_str(&format!(
            "| {} | {} | {} |\n",
            c.id(),
            c.expect.as_str(),
            if own.is_empty() {
                "ok".to_owned()
            } else {
                own.join("; ").replace('|', "\\|")
            }
        ));
    }
    let rest: Vec<&String> = problems
        .iter()
        .filter(|p| p.starts_with("aicr validate"))
        .collect();
    for p in rest {
        text.push_str(&format!("\n- {p}"));
    }
    text.push('\n');
    text
}

fn assert_and_report(project: &Project, out: &Path) -> Result<()> {
    let (plan, problems) = assert_dir(out)?;
    crate::actions::append_step_summary(project, &markdown(&plan, &problems))?;
    if problems.is_empty() {
        outln!(
            "kind-e2e: {} checks gave their expected verdicts",
            plan.checks.len()
        )?;
        return Ok(());
    }
    bail!(
        "{} problem(s) in the Kind end-to-end run (results in {}):\n  - {}",
        problems.len(),
        out.display(),
        problems.join("\n  - ")
    )
}

fn read_json(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
}

fn write_json(path: &Path, value: &impl Serialize) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    write_atomically(path, text.as_bytes())
}

/// An OCI layout of `layout`'s image alone, tagged `kind-e2e` (the release layouts
/// also hold referrers and carry the version as their tag), its blobs linked.
fn single_image_layout(layout: &Path, dir: &Path) -> Result<()> {
    let index = read_json(&layout.join("index.json"))?;
    let image = index["manifests"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| {
            m["annotations"]["org.opencontainers.image.ref.name"].is_string()
                && m["artifactType"].is_null()
        })
        .with_context(|| {
            format!(
                "{} names no tagged image; hint: cargo xtask release --snapshot builds it",
                layout.display()
            )
        })?;
    let mut descriptor = image.clone();
    descriptor["annotations"] = json!({ "org.opencontainers.image.ref.name": IMAGE_TAG });
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    std::fs::copy(layout.join("oci-layout"), dir.join("oci-layout"))?;
    let blobs = std::fs::canonicalize(layout.join("blobs"))?;
    std::os::unix::fs::symlink(blobs, dir.join("blobs"))?;
    write_json(
        &dir.join("index.json"),
        &json!({ "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [descriptor] }),
    )
}

/// Runs the test on the Kind cluster `cluster` (see the module documentation).
fn execute(project: &Project, cluster: &str, dist: &Path, out: &Path, timeout: u64) -> Result<()> {
    let sh = &project.sh;
    let config = Config::load(&project.root)?;
    let def = Definition::load(&project.root)?;
    let host = tools::host_triple(project)?;
    let target = Target::for_host(&host)
        .with_context(|| format!("no release target runs on this host ({host})"))?;
    let bin = dist.join("bin").join(target.triple);
    let (aicr, validator) = (bin.join("aicr"), bin.join("validator"));
    for program in [&aicr, &validator] {
        if !program.is_file() {
            bail!(
                "{} is missing; hint: cargo xtask release --snapshot builds it",
                program.display()
            );
        }
    }
    if out.exists() {
        std::fs::remove_dir_all(out)?;
    }
    std::fs::create_dir_all(out.join("results"))?;
    let step = |name: &str| errln!("kind-e2e: {name}");

    step("aicr recipe");
    let criteria = &config.criteria;
    let recipe_path = out.join("recipe.json");
    output::run(cmd!(
        sh,
        "{aicr} recipe {criteria...} -t json -o {recipe_path}"
    ))?;
    let recipe = read_json(&recipe_path)?;
    let plan = plan(&config, &recipe, &def)?;
    write_json(&out.join("plan.json"), &plan)?;
    print(&plan)?;
    let deployed = deployed_recipe(&recipe, &plan);
    let deployed_path = out.join("deployed-recipe.json");
    write_json(&deployed_path, &deployed)?;

    step("aicr bundle");
    let bundle = out.join("bundle");
    let bundle_args = &plan.bundle_args;
    output::run(cmd!(
        sh,
        "{aicr} bundle -r {recipe_path} -o {bundle} {bundle_args...}"
    ))?;

    load_images(sh, &plan, dist, out, cluster)?;

    step("deploy.sh");
    let deploy = bundle.join("deploy.sh");
    output::run(cmd!(sh, "bash {deploy}"))?;

    step("aicr snapshot on the control-plane node");
    let node = format!("{cluster}-control-plane");
    let into = format!("{node}:/usr/local/bin/aicr");
    output::run(cmd!(sh, "docker cp {aicr} {into}"))?;
    let snapshot = cmd!(
        sh,
        "docker exec {node} /usr/local/bin/aicr snapshot -t json"
    )
    .read()?;
    let snapshot_path = out.join("snapshot.json");
    write_atomically(&snapshot_path, snapshot.as_bytes())?;
    let snapshot: Value =
        serde_json::from_str(&snapshot).context("aicr snapshot printed no JSON")?;

    step("aicr validate");
    let report = out.join("validate.json");
    // Exit 1 is the verdict of a failed check, which the assertions judge.
    let _ = output::run(
        cmd!(
            sh,
            "{aicr} validate -r {deployed_path} -s {snapshot_path} -o {report}"
        )
        .ignore_status(),
    );
    if !report.exists() {
        bail!("aicr validate wrote no report to {}", report.display());
    }

    step("validator RBAC, inputs and Jobs");
    for image in &plan.images {
        let phase = &image.name;
        let role = cmd!(sh, "{validator} {phase} --rbac").read()?;
        let path = out.join(format!("rbac-{phase}.yaml"));
        write_atomically(&path, role.as_bytes())?;
        output::run(cmd!(sh, "kubectl apply -f {path}"))?;
    }
    let manifests_path = out.join("validation.json");
    write_json(&manifests_path, &manifests(&plan, &deployed, &snapshot)?)?;
    output::run(cmd!(sh, "kubectl apply -f {manifests_path}"))?;

    step("waiting for the Jobs");
    wait_for_jobs(sh, &plan, timeout)?;
    step("collecting logs and pods");
    collect(sh, &plan, out)?;

    assert_and_report(project, out)
}

/// Loads each validator image of the plan, from the release's layouts, into the cluster.
fn load_images(
    sh: &xshell::Shell,
    plan: &Plan,
    dist: &Path,
    out: &Path,
    cluster: &str,
) -> Result<()> {
    for image in &plan.images {
        errln!("kind-e2e: load {} into {cluster}", image.reference);
        let single = out.join("images").join(&image.name);
        single_image_layout(&dist.join("images").join(&image.name), &single)?;
        let archive = out.join("images").join(format!("{}.tar", image.name));
        let (source, target) = (
            format!("oci:{}:{IMAGE_TAG}", single.display()),
            format!("docker-archive:{}:{}", archive.display(), image.reference),
        );
        output::run(cmd!(sh, "skopeo copy {source} {target}"))?;
        output::run(cmd!(
            sh,
            "kind load image-archive {archive} --name {cluster}"
        ))?;
    }
    Ok(())
}

/// Waits until every Job of the plan finished, or `timeout` seconds passed.
fn wait_for_jobs(sh: &xshell::Shell, plan: &Plan, timeout: u64) -> Result<()> {
    let started = Instant::now();
    let selector = format!("app.kubernetes.io/part-of={PART_OF}");
    loop {
        let jobs: Value = serde_json::from_str(
            &cmd!(sh, "kubectl get jobs -n {NAMESPACE} -l {selector} -o json")
                .quiet()
                .read()?,
        )?;
        let (done, total) = finished(&jobs);
        if total == plan.checks.len() && done == total {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(timeout) {
            errln!(
                "kind-e2e: {done} of {total} Jobs finished after {timeout}s; collecting what there is"
            );
            return Ok(());
        }
        std::thread::sleep(Duration::from_secs(5));
    }
}

/// Writes each check's Job log to `out/results/<phase>/<check>.log` and the pods to
/// `out/pods.json`, for the assertions.
fn collect(sh: &xshell::Shell, plan: &Plan, out: &Path) -> Result<()> {
    let selector = format!("app.kubernetes.io/part-of={PART_OF}");
    for check in &plan.checks {
        let dir = out.join("results").join(&check.phase);
        std::fs::create_dir_all(&dir)?;
        let job = format!("job/{}", check.job);
        if let Ok(log) = cmd!(sh, "kubectl logs -n {NAMESPACE} {job}")
            .ignore_stderr()
            .read()
        {
            write_atomically(&dir.join(format!("{}.log", check.check)), log.as_bytes())?;
        }
    }
    let pods = cmd!(sh, "kubectl get pods -n {NAMESPACE} -l {selector} -o json")
        .quiet()
        .read()?;
    write_atomically(&out.join("pods.json"), pods.as_bytes())
}

pub fn run(project: &Project, args: &KindE2eArgs) -> Result<()> {
    match &args.action {
        KindE2eAction::Plan { recipe, json } => {
            let config = Config::load(&project.root)?;
            let def = Definition::load(&project.root)?;
            let plan = plan(&config, &read_json(recipe)?, &def)?;
            if *json {
                outln!("{}", serde_json::to_string_pretty(&plan)?)?;
                Ok(())
            } else {
                print(&plan)
            }
        }
        KindE2eAction::Run {
            cluster,
            dist,
            out,
            timeout,
        } => {
            let (dist, out): (PathBuf, PathBuf) = (project.out_dir(dist), project.out_dir(out));
            execute(project, cluster, &dist, &out, *timeout)
        }
        KindE2eAction::Assert { out } => assert_and_report(project, &project.out_dir(out)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/kind-e2e")
    }

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_path_buf()
    }

    /// The plan of the recorded `aicr recipe --service kind -t json`.
    fn kind_plan() -> Plan {
        let config = Config::load(&root()).unwrap();
        let def = Definition::load(&root()).unwrap();
        plan(
            &config,
            &read_json(&data().join("recipe.json")).unwrap(),
            &def,
        )
        .unwrap()
    }

    /// A run directory: the plan, and the results of `from` (a fixture directory).
    fn run_dir(from: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        write_json(&dir.path().join("plan.json"), &kind_plan()).unwrap();
        copy_tree(&data().join(from), dir.path());
        dir
    }

    fn copy_tree(from: &Path, to: &Path) {
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                std::fs::create_dir_all(&target).unwrap();
                copy_tree(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }

    #[test]
    fn the_kind_recipe_deploys_what_runs_without_gpus() {
        let plan = kind_plan();
        assert_eq!(
            plan.deploy,
            [
                "cert-manager",
                "kube-prometheus-stack",
                "k8s-ephemeral-storage-metrics",
                "prometheus-adapter",
                "skyhook-operator"
            ]
        );
        let out: Vec<(&str, &str)> = plan
            .left_out
            .iter()
            .map(|l| (l.component.as_str(), l.because.as_str()))
            .collect();
        assert_eq!(
            out,
            [
                ("gpu-operator", "needs hardware a Kind node lacks"),
                ("kai-scheduler", "depends on gpu-operator"),
                ("network-operator", "needs hardware a Kind node lacks"),
                ("nvidia-dra-driver-gpu", "needs hardware a Kind node lacks"),
                ("nvsentinel", "depends on gpu-operator"),
            ]
        );
        assert_eq!(plan.bundle_args.len(), 10);
        assert_eq!(
            plan.bundle_args[0..2],
            ["--set", "gpu-operator:enabled=false"]
        );
        let images: Vec<&str> = plan.images.iter().map(|i| i.reference.as_str()).collect();
        assert_eq!(
            images,
            [
                "ghcr.io/nvidia/aicr-validators/deployment:kind-e2e",
                "ghcr.io/nvidia/aicr-validators/conformance:kind-e2e"
            ]
        );
        let expected: Vec<(String, &str)> = plan
            .checks
            .iter()
            .map(|c| (c.id(), c.expect.as_str()))
            .collect();
        assert_eq!(
            expected,
            [
                ("deployment/check-nvidia-smi".to_owned(), "failed"),
                ("deployment/expected-resources".to_owned(), "passed"),
                ("deployment/gpu-operator-version".to_owned(), "skipped"),
                ("deployment/operator-health".to_owned(), "failed"),
                ("conformance/accelerator-metrics".to_owned(), "failed"),
                ("conformance/ai-service-metrics".to_owned(), "passed"),
                ("conformance/dra-support".to_owned(), "failed"),
                ("conformance/gpu-operator-health".to_owned(), "failed"),
                ("conformance/platform-health".to_owned(), "passed"),
                ("conformance/pod-autoscaling".to_owned(), "passed"),
            ]
        );
        // The validators judge the cluster against what was deployed.
        let recipe = read_json(&data().join("recipe.json")).unwrap();
        let deployed = deployed_recipe(&recipe, &plan);
        let names: Vec<&str> = deployed["componentRefs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "cert-manager",
                "k8s-ephemeral-storage-metrics",
                "kube-prometheus-stack",
                "prometheus-adapter",
                "skyhook-operator"
            ]
        );
        assert_eq!(deployed["deploymentOrder"].as_array().unwrap().len(), 5);
        assert_eq!(deployed["validation"], recipe["validation"]);
    }

    #[test]
    fn a_phase_without_an_image_and_a_recipe_without_checks_are_refused() {
        let def = Definition::load(&root()).unwrap();
        let recipe = read_json(&data().join("recipe.json")).unwrap();
        let mut config = Config::load(&root()).unwrap();
        config.phases = vec!["benchmark".into()];
        let err = plan(&config, &recipe, &def).unwrap_err().to_string();
        assert!(err.contains("no [[image]] named benchmark"), "{err}");
        config.phases = vec!["performance".into()];
        let err = plan(&config, &recipe, &def).unwrap_err().to_string();
        assert!(
            err.contains("names no check of the phases performance"),
            "{err}"
        );
        let err = Config::parse("criteria = []\nhardware = []\nphases = []\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("phases is empty"), "{err}");
        assert!(
            Config::parse("criteria = []\nhardware = []\nphases = [\"x\"]\nextra = 1\n").is_err()
        );
    }

    #[test]
    fn the_jobs_run_each_check_from_its_phase_image_with_its_account() {
        let plan = kind_plan();
        let list = manifests(
            &plan,
            &json!({"kind": "RecipeResult"}),
            &json!({"kind": "Snapshot"}),
        )
        .unwrap();
        let items = list["items"].as_array().unwrap();
        assert_eq!(items[0]["kind"], "Namespace");
        let jobs: Vec<&Value> = items.iter().filter(|i| i["kind"] == "Job").collect();
        assert_eq!(jobs.len(), plan.checks.len());
        let job = jobs
            .iter()
            .find(|j| j["metadata"]["name"] == "conformance-platform-health")
            .unwrap();
        let pod = &job["spec"]["template"]["spec"];
        assert_eq!(pod["serviceAccountName"], "aicr-conformance-validator");
        let container = &pod["containers"][0];
        assert_eq!(
            container["image"],
            "ghcr.io/nvidia/aicr-validators/conformance:kind-e2e"
        );
        assert_eq!(container["imagePullPolicy"], "Never");
        assert_eq!(container["args"], json!(["platform-health", "--json"]));
        assert_eq!(job["spec"]["backoffLimit"], 0);
        // Each account is bound to the ClusterRole of the same name `--rbac` prints.
        let binding = items
            .iter()
            .find(|i| {
                i["kind"] == "ClusterRoleBinding"
                    && i["metadata"]["name"] == "aicr-deployment-validator"
            })
            .unwrap();
        assert_eq!(binding["roleRef"]["name"], "aicr-deployment-validator");
        assert_eq!(binding["subjects"][0]["namespace"], NAMESPACE);
        let inputs = items.iter().find(|i| i["kind"] == "ConfigMap").unwrap();
        let recipe: Value =
            serde_json::from_str(inputs["data"]["recipe.json"].as_str().unwrap()).unwrap();
        assert_eq!(recipe["kind"], "RecipeResult");
    }

    #[test]
    fn the_recorded_cluster_run_gives_every_expected_verdict() {
        let dir = run_dir("cluster");
        let (plan, problems) = assert_dir(dir.path()).unwrap();
        assert_eq!(plan.checks.len(), 10);
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn a_wrong_verdict_fails_naming_the_check() {
        let dir = run_dir("cluster");
        // The operator-health check passing on a cluster without the GPU operator.
        let log = dir.path().join("results/deployment/operator-health.log");
        std::fs::write(
            &log,
            "operator-health: passed: 3 pods in gpu-operator are running or completed\n{\"name\":\"operator-health\",\"status\":\"passed\",\"duration\":80,\"suite\":\"deployment\",\"message\":\"3 pods in gpu-operator are running or completed\",\"stdout\":[]}\n",
        )
        .unwrap();
        let (_, problems) = assert_dir(dir.path()).unwrap();
        assert_eq!(
            problems,
            [
                "deployment/operator-health: the pod exited 1 but the check reported passed (exit 0)",
                "deployment/operator-health: expected failed (the GPU operator is not deployed), got passed: 3 pods in gpu-operator are running or completed",
            ]
        );
    }

    #[test]
    fn the_recorded_validator_without_a_cluster_fails_the_checks_that_must_pass() {
        // Recorded from the validator binary with KUBECONFIG naming no file: the
        // cluster checks are skipped, which is wrong for the ones that must pass.
        let dir = run_dir("no-cluster");
        let (_, problems) = assert_dir(dir.path()).unwrap();
        let expected = [
            "deployment/expected-resources: expected passed, got skipped: no Kubernetes cluster: the kubeconfig /nonexistent does not exist",
            "deployment/operator-health: expected failed (the GPU operator is not deployed), got skipped: no Kubernetes cluster: the kubeconfig /nonexistent does not exist",
            "conformance/accelerator-metrics: expected failed (no DCGM exporter runs without the GPU operator), got skipped: no Kubernetes cluster: the kubeconfig /nonexistent does not exist",
            "conformance/ai-service-metrics: expected passed, got skipped: no Kubernetes cluster: the kubeconfig /nonexistent does not exist",
            "conformance/dra-support: expected failed (no DRA driver publishes a DeviceClass), got skipped: no Kubernetes cluster: the kubeconfig /nonexistent does not exist",
            "conformance/gpu-operator-health: expected failed (no ClusterPolicy exists without the GPU operator), got skipped: no Kubernetes cluster: the kubeconfig /nonexistent does not exist",
            "conformance/platform-health: expected passed, got skipped: no Kubernetes cluster: the kubeconfig /nonexistent does not exist",
            "conformance/pod-autoscaling: expected passed, got skipped: no Kubernetes cluster: the kubeconfig /nonexistent does not exist",
        ];
        assert_eq!(problems, expected);
    }

    #[test]
    fn missing_results_and_a_disagreeing_pod_are_reported() {
        let dir = run_dir("cluster");
        std::fs::remove_file(dir.path().join("results/conformance/platform-health.log")).unwrap();
        std::fs::write(
            dir.path().join("results/conformance/dra-support.log"),
            "error: cannot pull image\n",
        )
        .unwrap();
        let pods = dir.path().join("pods.json");
        let text = std::fs::read_to_string(&pods).unwrap().replace(
            "\"message\": \"no pods in namespace gpu-operator: the GPU operator is not deployed\"",
            "\"message\": \"\"",
        );
        std::fs::write(&pods, text).unwrap();
        let (_, problems) = assert_dir(dir.path()).unwrap();
        assert_eq!(
            problems,
            [
                "deployment/operator-health: the termination message is \"\", not the failure's reason \"no pods in namespace gpu-operator: the GPU operator is not deployed\"",
                "conformance/dra-support: no CTRF result in the log of Job conformance-dra-support (it starts: error: cannot pull image)",
                "conformance/platform-health: no log of Job conformance-platform-health was collected",
            ]
        );
    }

    #[test]
    fn the_recorded_validate_report_lists_every_check_and_no_gpu_check_passed() {
        let plan = kind_plan();
        let report = read_json(&data().join("no-cluster/validate.json")).unwrap();
        assert_eq!(assert_validate(&plan, &report), Vec::<String>::new());
        let mut lying = report.clone();
        for test in lying["results"]["tests"].as_array_mut().unwrap() {
            if test["name"] == "check-nvidia-smi" {
                test["status"] = json!("passed");
            }
        }
        assert_eq!(
            assert_validate(&plan, &lying),
            [
                "aicr validate: summary.passed is 0 but the report lists 1",
                "aicr validate: summary.failed is 1 but the report lists 0",
                "aicr validate: deployment/check-nvidia-smi passed, but it cannot here (the node's snapshot reports no GPU)",
            ]
        );
    }

    #[test]
    fn a_run_without_the_snapshot_build_stops_before_touching_anything() {
        let project = Project::open(Some(&root())).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("earlier"), "kept").unwrap();
        let err = execute(&project, "aicr-e2e", &dir.path().join("dist"), &out, 1)
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with("/aicr is missing; hint: cargo xtask release --snapshot builds it"),
            "{err}"
        );
        assert!(out.join("earlier").exists());
        let err = format!("{:#}", assert_dir(&out).unwrap_err());
        assert!(
            err.contains("plan.json; hint: cargo xtask kind-e2e run writes it"),
            "{err}"
        );
    }

    #[test]
    fn jobs_are_finished_when_complete_or_failed() {
        let jobs = json!({"items": [
            {"status": {"conditions": [{"type": "Complete", "status": "True"}]}},
            {"status": {"conditions": [{"type": "FailureTarget", "status": "True"}, {"type": "Failed", "status": "True"}]}},
            {"status": {"active": 1}},
            {"status": {"conditions": [{"type": "Failed", "status": "False"}]}},
        ]});
        assert_eq!(finished(&jobs), (2, 4));
        assert_eq!(finished(&json!({})), (0, 0));
    }

    #[test]
    fn the_ctrf_line_is_the_last_json_object_of_a_log() {
        let log = "x: passed: fine\n{\"name\":\"x\",\"status\":\"passed\"}\n";
        assert_eq!(ctrf_line(log).unwrap()["name"], "x");
        assert!(ctrf_line("x: failed: no\n[1]\n").is_none());
    }

    #[test]
    fn a_layout_with_referrers_becomes_one_tagged_image() {
        let dir = tempfile::tempdir().unwrap();
        let layout = dir.path().join("release");
        std::fs::create_dir_all(layout.join("blobs/sha256")).unwrap();
        std::fs::write(
            layout.join("oci-layout"),
            "{\"imageLayoutVersion\":\"1.0.0\"}",
        )
        .unwrap();
        write_json(&layout.join("index.json"), &json!({"schemaVersion": 2, "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "artifactType": "application/vnd.dev.sigstore.bundle.v0.3+json", "digest": "sha256:aa", "size": 1},
            {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:bb", "size": 2, "annotations": {"org.opencontainers.image.ref.name": "0.1.0-snapshot+abc"}},
        ]})).unwrap();
        let single = dir.path().join("single");
        single_image_layout(&layout, &single).unwrap();
        let index = read_json(&single.join("index.json")).unwrap();
        assert_eq!(index["manifests"].as_array().unwrap().len(), 1);
        assert_eq!(index["manifests"][0]["digest"], "sha256:bb");
        assert_eq!(
            index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"],
            IMAGE_TAG
        );
        assert!(single.join("blobs/sha256").is_dir());
        let empty = dir.path().join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        write_json(&empty.join("index.json"), &json!({"manifests": []})).unwrap();
        let err = single_image_layout(&empty, &dir.path().join("x"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("names no tagged image"), "{err}");
    }
}
