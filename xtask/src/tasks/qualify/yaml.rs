// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The `yaml` gate: every YAML file git tracks (or would) passes `yamllint` with the
//! repository's `.yamllint.yaml`. yamllint is pinned in `tools` and installed into the
//! project's tool directory on first use.

use anyhow::{Result, bail};
use xshell::cmd;

use crate::gate::{Finding, Outcome};
use crate::project::Project;
use crate::tools;

pub const CONFIG: &str = ".yamllint.yaml";

/// Parses yamllint's `parsable` format: `file:line:col: [level] message (rule)`.
pub fn parse(output: &str) -> Vec<Finding> {
    output
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(4, ':');
            let file = parts.next()?;
            let line_no: u32 = parts.next()?.parse().ok()?;
            let _col = parts.next()?;
            let message = parts.next()?.trim();
            Some(Finding::at(file, line_no, message))
        })
        .collect()
}

pub fn check(project: &Project) -> Result<Outcome> {
    let sh = &project.sh;
    if !project.root.join(CONFIG).is_file() {
        bail!("{CONFIG} is missing; hint: add the repository's yamllint configuration");
    }
    let listed = cmd!(
        sh,
        "git ls-files -z --cached --others --exclude-standard -- *.yaml *.yml"
    )
    .quiet()
    .read()?;
    let mut files: Vec<&str> = listed.split('\0').filter(|f| !f.is_empty()).collect();
    files.retain(|f| project.root.join(f).is_file());
    files.sort_unstable();
    files.dedup();
    if files.is_empty() {
        return Ok(Outcome::passed("no YAML files"));
    }
    let count = files.len();
    let yamllint = tools::yamllint(project)?;
    let output = cmd!(sh, "{yamllint} --strict -f parsable -c {CONFIG} {files...}")
        .quiet()
        .ignore_status()
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let findings = parse(&stdout);
    if !output.status.success() && findings.is_empty() {
        bail!(
            "yamllint failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let summary = if findings.is_empty() {
        format!("{count} YAML file(s) lint clean")
    } else {
        format!("{} yamllint problem(s) in {count} file(s)", findings.len())
    };
    Ok(Outcome::from_findings(summary, findings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsable_lines_become_findings() {
        let out =
            "a.yaml:3:1: [error] duplication of key \"x\" in mapping (key-duplicates)\nnoise\n";
        assert_eq!(
            parse(out),
            [Finding::at(
                "a.yaml",
                3,
                "[error] duplication of key \"x\" in mapping (key-duplicates)"
            )]
        );
    }
}
