// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! What the tasks tell GitHub Actions when they run there: Markdown for the job summary.

use std::io::Write;

use anyhow::{Context, Result};

use crate::project::Project;

/// Appends `markdown` (and a newline) to the job summary (`$GITHUB_STEP_SUMMARY`)
/// when the task runs in GitHub Actions (`GITHUB_ACTIONS=true`); elsewhere it does
/// nothing.
pub fn append_step_summary(project: &Project, markdown: &str) -> Result<()> {
    if project.sh.var("GITHUB_ACTIONS").ok().as_deref() != Some("true") {
        return Ok(());
    }
    let Ok(path) = project.sh.var("GITHUB_STEP_SUMMARY") else {
        return Ok(());
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot open the job summary {path}"))?;
    writeln!(file, "{markdown}").with_context(|| format!("cannot write the job summary {path}"))
}
