// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The project every task works on: its root directory and the one shell rooted there.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use xshell::{Cmd, Shell};

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

    /// `cmd` (a cargo that builds) without the variables in which `cargo run` describes
    /// the xtask's own package to it. Build scripts may ask cargo to run them again when
    /// one of those changes (ring asks for `CARGO_MANIFEST_DIR` and `CARGO_PKG_*`), and
    /// cargo compares the values in its own environment: a build started by a task must
    /// see what a build started from the command line sees, or each redoes the other's
    /// work.
    ///
    /// Nor does it inherit clippy's lint pass (its driver as the workspace's rustc
    /// wrapper, with `CLIPPY_ARGS`), which `qualify` runs the test build under: a build
    /// a test starts compiles as it would outside that pass.
    pub fn building<'a>(&self, cmd: Cmd<'a>) -> Cmd<'a> {
        let cmd = if std::env::var_os("CLIPPY_ARGS").is_some() {
            cmd.env_remove("CLIPPY_ARGS")
                .env_remove("RUSTC_WORKSPACE_WRAPPER")
        } else {
            cmd
        };
        std::env::vars_os()
            .filter_map(|(name, _)| name.into_string().ok())
            .filter(|name| describes_the_running_package(name))
            .fold(cmd, |cmd, name| cmd.env_remove(name))
    }
}

/// Whether cargo sets `name` for the package it runs (`cargo run`), as opposed to the
/// settings of cargo itself (`CARGO`, `CARGO_HOME`, `CARGO_TARGET_DIR`, …).
fn describes_the_running_package(name: &str) -> bool {
    name.starts_with("CARGO_PKG_")
        || matches!(
            name,
            "CARGO_MANIFEST_DIR"
                | "CARGO_MANIFEST_PATH"
                | "CARGO_CRATE_NAME"
                | "CARGO_BIN_NAME"
                | "CARGO_PRIMARY_PACKAGE"
        )
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

    #[test]
    fn the_running_packages_description_is_not_passed_on() {
        for name in [
            "CARGO_MANIFEST_DIR",
            "CARGO_MANIFEST_PATH",
            "CARGO_PKG_NAME",
            "CARGO_PKG_VERSION_MAJOR",
            "CARGO_CRATE_NAME",
            "CARGO_BIN_NAME",
            "CARGO_PRIMARY_PACKAGE",
        ] {
            assert!(describes_the_running_package(name), "{name}");
        }
        for name in [
            "CARGO",
            "CARGO_HOME",
            "CARGO_TARGET_DIR",
            "CARGO_BUILD_JOBS",
            "RUSTFLAGS",
        ] {
            assert!(!describes_the_running_package(name), "{name}");
        }
    }

    #[test]
    fn builds_do_not_see_the_running_packages_description() {
        // The test binary runs with cargo's description of the xtask package.
        assert!(std::env::var_os("CARGO_PKG_NAME").is_some());
        let project = Project::open(None).unwrap();
        let env = project
            .building(xshell::cmd!(project.sh, "env"))
            .read()
            .unwrap();
        assert!(env.lines().any(|l| l.starts_with("CARGO=")), "{env}");
        assert!(
            !env.lines()
                .any(|l| l.starts_with("CARGO_PKG_") || l.starts_with("CARGO_MANIFEST_DIR=")),
            "{env}"
        );
    }
}
