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

    /// The project's source repository URL: `[workspace.package] repository` of the
    /// root manifest (the one place it is written), without a trailing slash.
    pub fn repository(&self) -> Result<String> {
        let manifest = self.root.join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest)
            .with_context(|| format!("cannot read {}", manifest.display()))?;
        let doc: toml_edit::DocumentMut = text
            .parse()
            .with_context(|| format!("{} is not valid TOML", manifest.display()))?;
        doc.get("workspace")
            .and_then(|w| w.get("package"))
            .and_then(|p| p.get("repository"))
            .and_then(|r| r.as_str())
            .map(|r| r.trim_end_matches('/').to_owned())
            .with_context(|| {
                format!(
                    "{} has no [workspace.package] repository; hint: add the repository URL, e.g. repository = \"https://github.com/OWNER/NAME\"",
                    manifest.display()
                )
            })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn project_with(manifest: Option<&str>) -> (tempfile::TempDir, Project) {
        let dir = tempfile::tempdir().unwrap();
        if let Some(text) = manifest {
            std::fs::write(dir.path().join("Cargo.toml"), text).unwrap();
        }
        let project = Project::open(Some(dir.path())).unwrap();
        (dir, project)
    }

    #[test]
    fn the_repository_comes_from_the_workspace_manifest_only() {
        let (_dir, p) = project_with(Some(
            "[workspace]\n[workspace.package]\nrepository = \"https://github.com/o/n/\"\n",
        ));
        assert_eq!(p.repository().unwrap(), "https://github.com/o/n");
        let (_dir, p) = project_with(Some("[workspace]\n"));
        let err = format!("{:#}", p.repository().unwrap_err());
        assert!(
            err.contains("has no [workspace.package] repository; hint: add the repository URL"),
            "{err}"
        );
        let (_dir, p) = project_with(None);
        assert!(format!("{:#}", p.repository().unwrap_err()).contains("cannot read"));
        let (_dir, p) = project_with(Some("[workspace\n"));
        assert!(format!("{:#}", p.repository().unwrap_err()).contains("is not valid TOML"));
    }
}
