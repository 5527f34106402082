// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The project every task works on: its root directory and the one shell rooted there.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use xshell::Shell;

/// The checkout a task operates on.
#[derive(Debug)]
pub struct Project {
    /// Absolute path of the project root.
    pub root: PathBuf,
    /// The shell every subprocess goes through, with its working directory at `root`.
    pub sh: Shell,
}

impl Project {
    /// Opens `dir`, or this workspace (the parent of the xtask crate) when `None`.
    pub fn open(dir: Option<&Path>) -> Result<Project> {
        let root = match dir {
            Some(dir) => dir.canonicalize().map_err(|err| {
                anyhow::anyhow!(
                    "cannot open directory {} ({err}); hint: pass an existing checkout to -C",
                    dir.display()
                )
            })?,
            None => workspace_root(),
        };
        let sh = Shell::new().context("cannot create a shell")?;
        sh.change_dir(&root);
        Ok(Project { root, sh })
    }

    /// A release output directory: `dir` as given when absolute, else below the root.
    pub fn out_dir(&self, dir: &Path) -> PathBuf {
        if dir.is_absolute() {
            dir.to_path_buf()
        } else {
            self.root.join(dir)
        }
    }

    /// The program to run cargo with: `$CARGO` when cargo started us, else `cargo`.
    pub fn cargo(&self) -> String {
        self.sh.var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
    }
}

/// The workspace this xtask was built from.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the xtask crate lives one level below the workspace root")
        .to_path_buf()
}
