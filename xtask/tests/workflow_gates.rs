// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The on-tag jobs that publish run only as the release plan says: each job's `if:` is
//! evaluated for a release candidate and a stable tag, with the plan's own outputs
//! (`cargo xtask plan --tag T --jobs`), and must agree with whether the plan runs the
//! step the job performs; stable-only jobs are skipped for a candidate. The steps that
//! deploy or post run only once their repository variables or secrets are set, and
//! otherwise a step says "not configured". A small evaluator covers the subset of
//! GitHub expressions the workflows use.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn load(path: &Path) -> Value {
    serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

// ---------------------------------------------------------------------------------
// The expression evaluator: `==`, `!=`, `&&`, `||`, `!`, parentheses, string, boolean
// and null literals, dotted context paths, and the status functions.

#[derive(Debug, Clone, PartialEq)]
enum Val {
    Str(String),
    Bool(bool),
    Null,
}

impl Val {
    fn truthy(&self) -> bool {
        match self {
            Val::Str(s) => !s.is_empty(),
            Val::Bool(b) => *b,
            Val::Null => false,
        }
    }

    /// GitHub compares strings without regard to case, and other types by value.
    fn equals(&self, other: &Val) -> bool {
        match (self, other) {
            (Val::Str(a), Val::Str(b)) => a.eq_ignore_ascii_case(b),
            (Val::Null, Val::Str(s)) | (Val::Str(s), Val::Null) => s.is_empty(),
            (a, b) => a == b,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Not,
    And,
    Or,
    Eq,
    Ne,
    Str(String),
    Ident(String),
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            ' ' | '\n' | '\t' | '\r' => i += 1,
            '(' => {
                out.push(Token::Open);
                i += 1;
            }
            ')' => {
                out.push(Token::Close);
                i += 1;
            }
            '&' if next == Some('&') => {
                out.push(Token::And);
                i += 2;
            }
            '|' if next == Some('|') => {
                out.push(Token::Or);
                i += 2;
            }
            '=' if next == Some('=') => {
                out.push(Token::Eq);
                i += 2;
            }
            '!' if next == Some('=') => {
                out.push(Token::Ne);
                i += 2;
            }
            '!' => {
                out.push(Token::Not);
                i += 1;
            }
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(format!("unterminated string in {text}")),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            s.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(c) => {
                            s.push(*c);
                            i += 1;
                        }
                    }
                }
                out.push(Token::Str(s));
            }
            c if c.is_ascii_alphanumeric() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '_' | '-' | '.'))
                {
                    i += 1;
                }
                let mut ident: String = chars[start..i].iter().collect();
                // A function call: `always()` (the subset takes no arguments).
                if chars.get(i) == Some(&'(') && chars.get(i + 1) == Some(&')') {
                    ident.push_str("()");
                    i += 2;
                }
                out.push(Token::Ident(ident));
            }
            other => return Err(format!("unsupported character {other:?} in {text}")),
        }
    }
    Ok(out)
}

/// A recursive-descent evaluation over the tokens; `lookup` answers context paths and
/// functions (`always()`).
struct Eval<'a> {
    tokens: Vec<Token>,
    at: usize,
    lookup: &'a dyn Fn(&str) -> Result<Val, String>,
}

impl Eval<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn or(&mut self) -> Result<Val, String> {
        let mut left = self.and()?;
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            let right = self.and()?;
            left = if left.truthy() { left } else { right };
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Val, String> {
        let mut left = self.equality()?;
        while self.peek() == Some(&Token::And) {
            self.at += 1;
            let right = self.equality()?;
            left = if left.truthy() { right } else { left };
        }
        Ok(left)
    }

    fn equality(&mut self) -> Result<Val, String> {
        let mut left = self.unary()?;
        while let Some(op) = self
            .peek()
            .filter(|t| matches!(t, Token::Eq | Token::Ne))
            .cloned()
        {
            self.at += 1;
            let right = self.unary()?;
            let same = left.equals(&right);
            left = Val::Bool(if op == Token::Eq { same } else { !same });
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Val, String> {
        if self.peek() == Some(&Token::Not) {
            self.at += 1;
            return Ok(Val::Bool(!self.unary()?.truthy()));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Val, String> {
        let token = self.peek().cloned().ok_or("unexpected end of expression")?;
        self.at += 1;
        match token {
            Token::Open => {
                let inner = self.or()?;
                if self.peek() != Some(&Token::Close) {
                    return Err("missing )".into());
                }
                self.at += 1;
                Ok(inner)
            }
            Token::Str(s) => Ok(Val::Str(s)),
            Token::Ident(word) => match word.as_str() {
                "true" => Ok(Val::Bool(true)),
                "false" => Ok(Val::Bool(false)),
                "null" => Ok(Val::Null),
                _ => (self.lookup)(&word),
            },
            other => Err(format!("unexpected {other:?}")),
        }
    }
}

/// Evaluates an `if:` (with or without `${{ }}`).
fn evaluate(expr: &str, lookup: &dyn Fn(&str) -> Result<Val, String>) -> Result<Val, String> {
    let text = expr.trim();
    let text = text
        .strip_prefix("${{")
        .and_then(|t| t.strip_suffix("}}"))
        .unwrap_or(text);
    let mut eval = Eval {
        tokens: tokens(text)?,
        at: 0,
        lookup,
    };
    let value = eval.or()?;
    if eval.at != eval.tokens.len() {
        return Err(format!("trailing tokens in {expr}"));
    }
    Ok(value)
}

/// A value that is one `${{ expression }}` evaluated; other strings as they are.
fn interpolate(value: &str, lookup: &dyn Fn(&str) -> Result<Val, String>) -> Result<Val, String> {
    let trimmed = value.trim();
    if trimmed.starts_with("${{") && trimmed.ends_with("}}") && trimmed.matches("${{").count() == 1
    {
        evaluate(trimmed, lookup)
    } else {
        Ok(Val::Str(value.to_owned()))
    }
}

// ---------------------------------------------------------------------------------
// The release: what the plan says for a tag, and the world a job runs in.

/// What the plan says of a tag: its steps (name -> (runs, detail)) and `--jobs`.
struct Planned {
    tag: String,
    steps: BTreeMap<String, (bool, String)>,
    outputs: BTreeMap<String, String>,
}

fn xtask(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("-C")
        .arg(root())
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo xtask {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn planned(tag: &str) -> Planned {
    let plan: Value = serde_json::from_str(&xtask(&["plan", "--tag", tag, "--json"])).unwrap();
    let steps = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                (
                    s["runs"].as_bool().unwrap(),
                    s["detail"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect();
    let outputs = xtask(&["plan", "--tag", tag, "--jobs"])
        .lines()
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect();
    Planned {
        tag: tag.to_owned(),
        steps,
        outputs,
    }
}

/// The repository's variables and secrets: all set, or none.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Configured {
    All,
    Nothing,
}

/// The contexts of `job` in a run of `plan`'s tag where every needed job succeeded.
fn lookup<'a>(
    plan: &'a Planned,
    job: &'a Value,
    configured: Configured,
    steps: &'a BTreeMap<String, bool>,
) -> impl Fn(&str) -> Result<Val, String> + 'a {
    move |path: &str| {
        let set = configured == Configured::All;
        let parts: Vec<&str> = path.split('.').collect();
        let value = match parts.as_slice() {
            ["always()"] => Val::Bool(true),
            ["success()"] => Val::Bool(true),
            ["failure()"] | ["cancelled()"] => Val::Bool(false),
            ["needs", "plan", "outputs", name] => {
                Val::Str(plan.outputs.get(*name).cloned().unwrap_or_default())
            }
            ["needs", _, "result"] => Val::Str("success".into()),
            ["needs", _, "outputs", _] => Val::Str("[{\"name\":\"aicrd\"}]".into()),
            ["vars", _] => Val::Str(if set { "true".into() } else { String::new() }),
            ["secrets", _] => Val::Str(if set { "secret".into() } else { String::new() }),
            ["github", "event_name"] => Val::Str("push".into()),
            ["github", "ref_name"] => Val::Str(plan.tag.clone()),
            ["github", "ref"] => Val::Str(format!("refs/tags/{}", plan.tag)),
            ["inputs", _] => Val::Str(String::new()),
            ["steps", id, "outcome" | "conclusion"] => Val::Str(
                match steps.get(*id) {
                    Some(true) => "success",
                    Some(false) => "skipped",
                    None => return Err(format!("steps.{id} is no earlier step")),
                }
                .into(),
            ),
            ["env", name] => match job["env"].get(*name).and_then(Value::as_str) {
                // A job variable is its expression, evaluated without `env`.
                Some(value) => interpolate(value, &lookup(plan, &Value::Null, configured, steps))?,
                None => return Err(format!("env.{name} is not set by the job")),
            },
            _ => return Err(format!("unsupported context {path}")),
        };
        Ok(value)
    }
}

/// Whether `job` runs for the plan's tag (no `if:` means `success()`).
fn job_runs(plan: &Planned, job: &Value) -> Result<bool, String> {
    let steps = BTreeMap::new();
    let condition = job["if"].as_str().unwrap_or("success()");
    Ok(evaluate(condition, &lookup(plan, job, Configured::All, &steps))?.truthy())
}

/// Each step of `job` and whether it runs, in order.
fn step_runs(
    plan: &Planned,
    job: &Value,
    configured: Configured,
) -> Result<Vec<(String, bool)>, String> {
    let mut ran = BTreeMap::new();
    let mut out = Vec::new();
    for (i, step) in job["steps"].as_array().into_iter().flatten().enumerate() {
        let condition = step["if"].as_str().unwrap_or("success()");
        let runs = evaluate(condition, &lookup(plan, job, configured, &ran))?.truthy();
        if let Some(id) = step["id"].as_str() {
            ran.insert(id.to_owned(), runs);
        }
        let name = step["uses"]
            .as_str()
            .or(step["name"].as_str())
            .map_or_else(|| format!("step {i}"), str::to_owned);
        out.push((name, runs));
    }
    Ok(out)
}

/// The on-tag jobs that publish, and the plan step each performs.
const PUBLISHING: [(&str, &str); 6] = [
    ("attest", "attest"),
    ("publish", "github-release"),
    ("attest-images", "images-push"),
    ("site", "site"),
    ("demo", "demo"),
    ("notify", "notify"),
];

/// Actions that deploy or post: they run only when their configuration is set.
const DEPLOYING: [&str; 6] = [
    "actions/configure-pages@",
    "actions/upload-pages-artifact@",
    "actions/deploy-pages@",
    "google-github-actions/auth@",
    "google-github-actions/deploy-cloudrun@",
    "slackapi/slack-github-action@",
];

/// Why a job publishes: a permission it may write with, or a deploying action.
fn publishes(job: &Value) -> Option<String> {
    if let Some(write) = job["permissions"]
        .as_object()
        .and_then(|p| p.iter().find(|(_, v)| *v == "write"))
    {
        return Some(format!("{}: write", write.0));
    }
    job["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["uses"].as_str())
        .find(|u| DEPLOYING.iter().any(|d| u.starts_with(d)))
        .map(|u| format!("uses {u}"))
}

/// Every problem of `workflow`'s publishing jobs for the plans of `tags`.
fn gate_problems(workflow: &Value, plans: &[Planned]) -> Vec<String> {
    let mut problems = Vec::new();
    let jobs = workflow["jobs"].as_object().cloned().unwrap_or_default();
    for (name, job) in &jobs {
        let Some(why) = publishes(job) else {
            continue;
        };
        let Some((_, step)) = PUBLISHING.iter().find(|(j, _)| j == name) else {
            problems.push(format!(
                "job {name} publishes ({why}) but no plan step gates it"
            ));
            continue;
        };
        for plan in plans {
            let Some((planned, detail)) = plan.steps.get(*step) else {
                problems.push(format!("the plan of {} has no step {step}", plan.tag));
                continue;
            };
            match job_runs(plan, job) {
                Ok(runs) if runs == *planned => {}
                Ok(runs) => problems.push(format!(
                    "job {name} {} for {} but the plan {} {step} ({detail})",
                    if runs { "runs" } else { "is skipped" },
                    plan.tag,
                    if *planned { "runs" } else { "skips" },
                )),
                Err(err) => problems.push(format!("job {name}: {err}")),
            }
        }
        // Deploying steps wait for their configuration; without it, a step says so.
        let deploying = |step: &str| DEPLOYING.iter().any(|d| step.starts_with(d));
        if !job["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|s| s["uses"].as_str().is_some_and(deploying))
        {
            continue;
        }
        let Some(plan) = plans
            .iter()
            .find(|p| p.steps.get(*step).is_some_and(|s| s.0))
        else {
            continue;
        };
        let says_not_configured = |s: &Value| {
            s["run"]
                .as_str()
                .is_some_and(|r| r.contains("not configured") && r.contains("GITHUB_STEP_SUMMARY"))
        };
        for configured in [Configured::Nothing, Configured::All] {
            let runs = match step_runs(plan, job, configured) {
                Ok(runs) => runs,
                Err(err) => {
                    problems.push(format!("job {name}: {err}"));
                    continue;
                }
            };
            let steps = job["steps"].as_array().cloned().unwrap_or_default();
            for ((step_name, ran), step) in runs.iter().zip(&steps) {
                if deploying(step_name) && *ran != (configured == Configured::All) {
                    problems.push(format!(
                        "job {name}: {step_name} {} while its configuration is {}",
                        if *ran { "runs" } else { "does not run" },
                        if configured == Configured::All {
                            "set"
                        } else {
                            "unset"
                        }
                    ));
                }
                if says_not_configured(step) && *ran != (configured == Configured::Nothing) {
                    problems.push(format!(
                        "job {name}: the \"not configured\" step {} while its configuration is {}",
                        if *ran { "runs" } else { "does not run" },
                        if configured == Configured::All {
                            "set"
                        } else {
                            "unset"
                        }
                    ));
                }
            }
            if configured == Configured::Nothing && !steps.iter().any(says_not_configured) {
                problems.push(format!(
                    "job {name}: no step writes \"not configured\" to $GITHUB_STEP_SUMMARY"
                ));
            }
        }
    }
    problems
}

fn rc_and_stable() -> [Planned; 2] {
    // Above any real tag, so the stable one is the newest and moves "latest".
    [planned("v99.0.0-rc1"), planned("v99.0.0")]
}

#[test]
fn publishing_jobs_run_only_as_the_plan_says() {
    let plans = rc_and_stable();
    let [rc, stable] = &plans;
    // The plan: site and demo for the newest stable release only, notify for both.
    for (tag, plan, expected) in [
        ("rc", rc, ["false", "false", "true"]),
        ("stable", stable, ["true", "true", "true"]),
    ] {
        let got: Vec<&str> = ["site", "demo", "notify"]
            .iter()
            .map(|k| plan.outputs[*k].as_str())
            .collect();
        assert_eq!(got, expected, "{tag}");
    }
    let on_tag = load(&root().join(".github/workflows/on-tag.yaml"));
    let problems = gate_problems(&on_tag, &plans);
    assert!(problems.is_empty(), "{problems:#?}");
    // Stable-only jobs are skipped for the candidate, and run for the stable release.
    for name in ["site", "demo"] {
        let job = &on_tag["jobs"][name];
        assert!(!job_runs(rc, job).unwrap(), "{name} for an rc");
        assert!(
            job_runs(stable, job).unwrap(),
            "{name} for a stable release"
        );
    }
    assert!(job_runs(rc, &on_tag["jobs"]["notify"]).unwrap());
    // Only the jobs that need them may mint an OIDC token or write Pages.
    for (name, job) in on_tag["jobs"].as_object().unwrap() {
        for permission in ["id-token", "pages"] {
            if job["permissions"][permission] == "write" {
                assert!(
                    ["attest", "attest-images", "site", "demo"].contains(&name.as_str()),
                    "{name} may write {permission}"
                );
            }
        }
    }
    assert_eq!(on_tag["permissions"]["contents"], "read");
    assert!(on_tag["permissions"]["pages"].is_null());
}

#[test]
fn an_ungated_job_and_an_unconfigured_deploy_are_caught() {
    let plans = rc_and_stable();
    let fixture = load(&root().join("xtask/tests/data/workflows/ungated-on-tag.yaml"));
    let problems = gate_problems(&fixture, &plans);
    assert_eq!(
        problems,
        [
            "job demo: google-github-actions/deploy-cloudrun@2028e2d7d30a78c6910e0632e48dd561b064884d runs while its configuration is unset",
            "job demo: no step writes \"not configured\" to $GITHUB_STEP_SUMMARY",
            "job docs-mirror publishes (contents: write) but no plan step gates it",
            "job site runs for v99.0.0-rc1 but the plan skips site (skipped: pre-release)",
        ]
    );
}

#[test]
fn the_evaluator_reads_the_subset_the_workflows_use() {
    let ctx = |path: &str| -> Result<Val, String> {
        Ok(match path {
            "needs.plan.outputs.site" => Val::Str("true".into()),
            "vars.EMPTY" => Val::Str(String::new()),
            "always()" => Val::Bool(true),
            _ => return Err(format!("unknown {path}")),
        })
    };
    let truth = |e: &str| evaluate(e, &ctx).unwrap().truthy();
    assert!(truth("${{ needs.plan.outputs.site == 'true' }}"));
    assert!(
        truth("needs.plan.outputs.site == 'TRUE'"),
        "strings compare without case"
    );
    assert!(!truth("needs.plan.outputs.site != 'true'"));
    assert!(truth("always() && (vars.EMPTY == '' || false)"));
    assert!(!truth("!always() || vars.EMPTY"));
    assert!(truth("!(vars.EMPTY != '') && true"));
    assert!(truth("false || true && true"), "&& binds tighter than ||");
    assert!(!truth("true && false || false"));
    assert!(truth("'it''s' == 'it''s'"));
    assert!(truth("null == ''"));
    assert_eq!(
        evaluate("vars.EMPTY || 'fallback'", &ctx).unwrap(),
        Val::Str("fallback".into())
    );
    assert!(evaluate("unknown.path == 'x'", &ctx).is_err());
    assert!(evaluate("(true", &ctx).is_err());
    assert!(evaluate("true true", &ctx).is_err());
    assert!(evaluate("'open", &ctx).is_err());
    assert!(evaluate("a > b", &ctx).is_err());
}
