// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The publish targets of a release, one module each, behind one small trait that the
//! release executor drives in the plan's order:
//!
//! - `images`: the OCI images, pushed to their registries (`images-push`);
//! - `github`: the GitHub release with its assets (`github-release`);
//! - `homebrew`: the formula, committed to the tap (`homebrew`);
//! - `command`: the site and demo commands of `[publish]` (`site`, `demo`).
//!
//! Every target first says what it lacks (`preflight`): credentials, permissions, a
//! reachable remote. The `preflight` step asks every target the plan runs and stops
//! the release, listing each missing thing, before the first remote change.

mod command;
mod github;
mod homebrew;
mod images;

use anyhow::{Context as _, Result, bail};
use serde_json::{Value, json};

use crate::artifacts::OutDir;
use crate::dist::Definition;
use crate::project::Project;
use crate::tasks::plan::{Action, Plan};

pub use github::print_requests;

/// What a publish target works with.
#[derive(Debug)]
pub struct Context<'a> {
    /// The checkout the release runs from (its environment holds the credentials).
    pub project: &'a Project,
    /// The release definition of the tag.
    pub def: &'a Definition,
    pub out: &'a OutDir,
    pub plan: &'a Plan,
    pub tag: &'a str,
    /// Replace remote assets whose content differs.
    pub replace: bool,
}

impl Context<'_> {
    /// A non-empty environment variable.
    pub fn secret(&self, name: &str) -> Option<String> {
        self.project.sh.var(name).ok().filter(|v| !v.is_empty())
    }
}

/// A place a release is published to.
pub trait Publisher {
    /// Each thing this target lacks to publish, one line each naming the secret or
    /// permission that provides it. Changes nothing anywhere.
    fn preflight(&self, cx: &Context<'_>) -> Vec<String>;

    /// Publishes, converging when run again; returns the evidence for the journal.
    fn publish(&self, cx: &Context<'_>) -> Result<Value>;
}

/// The target behind a publish step.
pub fn publisher(action: Action) -> Option<&'static dyn Publisher> {
    match action {
        Action::ImagesPush => Some(&images::Images),
        Action::GithubRelease => Some(&github::GitHub),
        Action::Homebrew => Some(&homebrew::Tap),
        Action::Site => Some(&command::Command::Site),
        Action::Demo => Some(&command::Command::Demo),
        _ => None,
    }
}

/// The `preflight` step: asks every publish target the plan runs what it lacks, and
/// fails listing all of it when anything is missing.
pub fn preflight(cx: &Context<'_>) -> Result<Value> {
    let mut problems = Vec::new();
    let mut checked = Vec::new();
    for step in cx.plan.running().filter(|s| !s.by_job) {
        let Some(target) = publisher(step.action) else {
            continue;
        };
        let found = target.preflight(cx);
        checked.push(step.name);
        problems.extend(found.into_iter().map(|p| format!("{}: {p}", step.name)));
    }
    if !problems.is_empty() {
        bail!(
            "{} problem(s) found before publishing; nothing was pushed, tagged or uploaded:\n  - {}",
            problems.len(),
            problems.join("\n  - ")
        );
    }
    Ok(json!({ "checked": checked }))
}

/// Runs one publish step of the plan.
pub fn publish(cx: &Context<'_>, action: Action) -> Result<Value> {
    if action == Action::Preflight {
        return preflight(cx);
    }
    publisher(action)
        .with_context(|| format!("internal error: {} is no publish step", action.name()))?
        .publish(cx)
}
