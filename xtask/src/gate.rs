// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! What a quality gate reports: its findings and its outcome. The gates of `qualify`
//! and the tasks that are also gates (`headers`, `notices`) speak it; `qualify` runs
//! them and renders the report.

use anyhow::{Result, bail};
use serde::Serialize;

/// One problem a gate found, located where possible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    pub message: String,
}

impl Finding {
    pub fn at(file: &str, line: u32, message: &str) -> Finding {
        Finding {
            file: Some(file.to_owned()),
            line: Some(line),
            message: message.to_owned(),
        }
    }

    pub fn new(message: impl Into<String>) -> Finding {
        Finding {
            file: None,
            line: None,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{file}:{line}: {}", self.message),
            (Some(file), None) => write!(f, "{file}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Passed,
    Failed,
    Skipped,
}

/// What a gate concluded.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub status: Status,
    /// One line: what was checked, or why it failed or was skipped.
    pub summary: String,
    pub findings: Vec<Finding>,
}

impl Outcome {
    pub fn passed(summary: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Passed,
            summary: summary.into(),
            findings: Vec::new(),
        }
    }

    pub fn skipped(reason: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Skipped,
            summary: reason.into(),
            findings: Vec::new(),
        }
    }

    /// Failed when there are findings, passed otherwise.
    pub fn from_findings(summary: String, findings: Vec<Finding>) -> Outcome {
        let status = if findings.is_empty() {
            Status::Passed
        } else {
            Status::Failed
        };
        Outcome {
            status,
            summary,
            findings,
        }
    }

    /// For tasks that are also gates: print the findings, fail with the summary.
    pub fn into_result(self, task: &str) -> Result<()> {
        for finding in &self.findings {
            errln!("{finding}");
        }
        match self.status {
            Status::Failed => bail!("{}", self.summary),
            _ => {
                errln!("{task}: {}", self.summary);
                Ok(())
            }
        }
    }
}
