// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The site and demo steps: the argv lists of `[publish]` in `dist/release.toml`, run
//! with `AICR_RELEASE_TAG` set. The plan runs them only when they are configured and
//! the release moves "latest".

use anyhow::{Context as _, Result};
use serde_json::{Value, json};
use xshell::cmd;

use super::{Context, Publisher};
use crate::output;

#[derive(Debug)]
pub enum Command {
    Site,
    Demo,
}

impl Command {
    fn name(&self) -> &'static str {
        match self {
            Command::Site => "site",
            Command::Demo => "demo",
        }
    }

    fn argv<'a>(&self, cx: &Context<'a>) -> &'a [String] {
        match self {
            Command::Site => &cx.def.publish.site,
            Command::Demo => &cx.def.publish.demo,
        }
    }
}

/// Whether `program` names an executable: a path, or a file on `PATH`.
fn found(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    let executable = |path: &std::path::Path| {
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        return executable(std::path::Path::new(program));
    }
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| executable(&dir.join(program))))
}

impl Publisher for Command {
    fn preflight(&self, cx: &Context<'_>) -> Vec<String> {
        match self.argv(cx).first() {
            Some(program) if !found(program) => vec![format!(
                "the {} command {program} is not installed; hint: install it, or change [publish] {} in dist/release.toml",
                self.name(),
                self.name()
            )],
            _ => Vec::new(),
        }
    }

    fn publish(&self, cx: &Context<'_>) -> Result<Value> {
        let argv = self.argv(cx);
        let Some((program, rest)) = argv.split_first() else {
            return Ok(json!({ "status": "not configured" }));
        };
        let sh = &cx.project.sh;
        output::run(cmd!(sh, "{program} {rest...}").env("AICR_RELEASE_TAG", cx.tag))
            .with_context(|| format!("the {} command failed", self.name()))?;
        Ok(json!({ "status": "ran", "command": argv }))
    }
}
