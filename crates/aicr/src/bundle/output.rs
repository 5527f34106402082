// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Writing a bundle to its directory without ever losing what was there.
//!
//! 1. Resolve: the output path is made absolute and its existing part canonical, so
//!    `dir/sub/..` is `dir` and every later step works on one real path. A `..` after a
//!    directory that does not exist, a symbolic link, and anything that is not a
//!    directory are refused.
//! 2. Refuse: the root, the current directory or one of its parents, and any directory
//!    holding an input (the recipe file, the `--data` catalog); a non-empty directory
//!    without `--force`.
//! 3. Build: the bundle is written into a fresh sibling directory
//!    (`.NAME.tmp-PID-N`), removed again on any failure.
//! 4. Swap: only with the new bundle complete, the old directory is renamed aside, the
//!    new one renamed into place (the old one renamed back if that fails), and the old
//!    one removed.

use std::ffi::OsStr;
use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};

use crate::error::Error;

/// How to write a bundle.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Replace a non-empty directory.
    pub force: bool,
    /// The files the bundle was made from: no output directory may hold them.
    pub inputs: Vec<PathBuf>,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The bundle's directory, resolved.
    pub dir: PathBuf,
    /// A replaced bundle that could not be removed, and why.
    pub leftover: Option<String>,
}

/// The output directory, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    path: PathBuf,
    exists: bool,
}

fn io(what: String, e: &std::io::Error) -> Error {
    Error::Input(format!("cannot {what}: {e}"))
}

/// Resolves `output` against `cwd` (canonical): see the module documentation.
fn resolve(output: &Path, cwd: &Path) -> Result<Target, Error> {
    let shown = output.display();
    if output.as_os_str().is_empty() {
        return Err(Error::Input(
            "the output directory is empty; hint: pass -o DIR".into(),
        ));
    }
    let absolute = cwd.join(output);
    let mut existing = absolute.as_path();
    let mut missing: Vec<&OsStr> = Vec::new();
    loop {
        match std::fs::symlink_metadata(existing) {
            Ok(_) => break,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                let Some(Component::Normal(name)) = existing.components().next_back() else {
                    return Err(Error::Input(format!(
                        "cannot resolve {shown}: it goes up ('..') from a directory that \
                         does not exist"
                    )));
                };
                missing.push(name);
                existing = existing.parent().unwrap_or(Path::new("/"));
            }
            Err(e) => return Err(io(format!("use {shown} as the output directory"), &e)),
        }
    }
    let real = existing
        .canonicalize()
        .map_err(|e| io(format!("resolve {shown}"), &e))?;
    if missing.is_empty() {
        let meta =
            std::fs::symlink_metadata(&absolute).map_err(|e| io(format!("inspect {shown}"), &e))?;
        if meta.file_type().is_symlink() {
            return Err(Error::Input(format!(
                "{shown} is a symbolic link; hint: pass the directory it points to, or a new \
                 directory"
            )));
        }
        if !real.is_dir() {
            return Err(Error::Input(format!(
                "{shown} exists and is not a directory; hint: choose a directory"
            )));
        }
        return Ok(Target {
            path: real,
            exists: true,
        });
    }
    if !real.is_dir() {
        return Err(Error::Input(format!(
            "{} is not a directory, so {shown} cannot be created",
            existing.display()
        )));
    }
    let path = missing.iter().rev().fold(real, |p, name| p.join(name));
    Ok(Target {
        path,
        exists: false,
    })
}

/// The canonical forms of `input` (the path itself with its directory resolved, and
/// the file it leads to).
fn input_paths(input: &Path, cwd: &Path) -> Vec<PathBuf> {
    let absolute = cwd.join(input);
    let mut paths = Vec::new();
    if let Ok(real) = absolute.canonicalize() {
        paths.push(real);
    }
    if let (Some(parent), Some(name)) = (absolute.parent(), absolute.file_name())
        && let Ok(parent) = parent.canonicalize()
    {
        paths.push(parent.join(name));
    }
    paths
}

/// Refuses a target that must not be replaced: see the module documentation.
fn refuse(target: &Target, output: &Path, cwd: &Path, options: &Options) -> Result<(), Error> {
    let shown = output.display();
    if target.path.parent().is_none() {
        return Err(Error::Input(format!(
            "{shown} is the root directory; hint: choose a new directory, e.g. -o bundle"
        )));
    }
    if cwd == target.path {
        return Err(Error::Input(format!(
            "{shown} is the current directory; hint: choose a new directory, e.g. -o bundle"
        )));
    }
    if cwd.starts_with(&target.path) {
        return Err(Error::Input(format!(
            "{shown} holds the current directory; hint: choose a new directory, e.g. -o bundle"
        )));
    }
    for input in &options.inputs {
        if input_paths(input, cwd)
            .iter()
            .any(|p| p.starts_with(&target.path))
        {
            return Err(Error::Input(format!(
                "{shown} holds the input {}; hint: choose another output directory",
                input.display()
            )));
        }
    }
    if target.exists && !options.force {
        let mut entries =
            std::fs::read_dir(&target.path).map_err(|e| io(format!("read {shown}"), &e))?;
        if entries.next().is_some() {
            return Err(Error::Input(format!(
                "{shown} is not empty; hint: choose an empty directory or pass --force"
            )));
        }
    }
    Ok(())
}

/// A sibling directory of the target, removed when dropped unless kept.
#[derive(Debug)]
struct Scratch {
    path: PathBuf,
    keep: bool,
}

impl Scratch {
    /// Makes a new directory `.NAME.KIND-PID-N` beside `target`.
    fn create(target: &Path, kind: &str) -> Result<Scratch, Error> {
        let path = fresh(target, kind)?;
        std::fs::create_dir(&path).map_err(|e| io(format!("create {}", path.display()), &e))?;
        Ok(Scratch { path, keep: false })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// A path `.NAME.KIND-PID-N` beside `target` that does not exist yet.
fn fresh(target: &Path, kind: &str) -> Result<PathBuf, Error> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = target.parent().unwrap_or(Path::new("/"));
    for n in 0..1000 {
        let path = parent.join(format!(".{name}.{kind}-{}-{n}", std::process::id()));
        if matches!(std::fs::symlink_metadata(&path), Err(e) if e.kind() == ErrorKind::NotFound) {
            return Ok(path);
        }
    }
    Err(Error::Input(format!(
        "cannot find a free name beside {}",
        target.display()
    )))
}

/// Writes `files` under `dir`, which exists and is empty.
fn fill(dir: &Path, files: &[(String, String)]) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    for (path, content) in files {
        if !Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        {
            return Err(Error::Input(format!(
                "bundle file {path:?} would leave the bundle"
            )));
        }
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| io(format!("create {}", parent.display()), &e))?;
        }
        std::fs::write(&target, content)
            .map_err(|e| io(format!("write {}", target.display()), &e))?;
        if path.ends_with(".sh") {
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| io(format!("make {} executable", target.display()), &e))?;
        }
    }
    Ok(())
}

/// Puts `new` in the place of `target`; an existing `target` is renamed aside first and
/// renamed back when the new one cannot take its place. Returns why a replaced
/// directory could not be removed, if it could not.
fn swap(new: &Path, target: &Path, exists: bool) -> Result<Option<String>, Error> {
    if !exists {
        std::fs::rename(new, target)
            .map_err(|e| io(format!("move the bundle to {}", target.display()), &e))?;
        return Ok(None);
    }
    let aside = fresh(target, "old")?;
    std::fs::rename(target, &aside)
        .map_err(|e| io(format!("move {} aside to replace it", target.display()), &e))?;
    if let Err(e) = std::fs::rename(new, target) {
        return Err(match std::fs::rename(&aside, target) {
            Ok(()) => io(
                format!(
                    "move the bundle to {} (the old one is back in place)",
                    target.display()
                ),
                &e,
            ),
            Err(back) => Error::Input(format!(
                "cannot move the bundle to {}: {e}; the old one is at {} and could not be \
                 moved back: {back}",
                target.display(),
                aside.display()
            )),
        });
    }
    Ok(std::fs::remove_dir_all(&aside).err().map(|e| {
        format!(
            "cannot remove the replaced bundle at {}: {e}",
            aside.display()
        )
    }))
}

/// Writes the bundle `files` to `output`: see the module documentation.
pub fn write(
    output: &Path,
    files: &[(String, String)],
    options: &Options,
) -> Result<Written, Error> {
    let cwd = std::env::current_dir()
        .and_then(|d| d.canonicalize())
        .map_err(|e| io("read the current directory".into(), &e))?;
    let target = resolve(output, &cwd)?;
    refuse(&target, output, &cwd, options)?;
    if let Some(parent) = target.path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| io(format!("create {}", parent.display()), &e))?;
    }
    let mut scratch = Scratch::create(&target.path, "tmp")?;
    fill(&scratch.path, files)?;
    let leftover = swap(&scratch.path, &target.path, target.exists)?;
    scratch.keep = true;
    Ok(Written {
        dir: target.path,
        leftover,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempdir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("aicr-output-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.canonicalize().unwrap()
    }

    #[test]
    fn resolution_makes_one_real_path() {
        let root = tempdir("resolve");
        std::fs::create_dir_all(root.join("dir/sub")).unwrap();
        let t = resolve(Path::new("dir/sub/.."), &root).unwrap();
        assert_eq!(
            t,
            Target {
                path: root.join("dir"),
                exists: true
            }
        );
        let t = resolve(Path::new("dir/new/deeper"), &root).unwrap();
        assert_eq!(
            t,
            Target {
                path: root.join("dir/new/deeper"),
                exists: false
            }
        );
        let err = resolve(Path::new("dir/new/.."), &root)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("goes up ('..') from a directory that does not exist"),
            "{err}"
        );
        std::fs::write(root.join("file"), "x").unwrap();
        assert!(
            resolve(Path::new("file"), &root)
                .unwrap_err()
                .to_string()
                .contains("is not a directory")
        );
        assert!(resolve(Path::new("file/x"), &root).is_err());
        std::os::unix::fs::symlink(root.join("dir"), root.join("link")).unwrap();
        assert!(
            resolve(Path::new("link"), &root)
                .unwrap_err()
                .to_string()
                .contains("is a symbolic link")
        );
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_failed_swap_puts_the_old_directory_back() {
        let root = tempdir("swap");
        let target = root.join("bundle");
        std::fs::create_dir_all(&target).unwrap();
        std::fs::write(target.join("keep.txt"), "mine").unwrap();
        let err = swap(&root.join("does-not-exist"), &target, true)
            .unwrap_err()
            .to_string();
        assert!(err.contains("(the old one is back in place)"), "{err}");
        assert_eq!(
            std::fs::read_to_string(target.join("keep.txt")).unwrap(),
            "mine"
        );
        let names: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["bundle"], "nothing left aside");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_failed_fill_leaves_no_scratch_directory() {
        let root = tempdir("fill");
        let target = root.join("bundle");
        {
            let scratch = Scratch::create(&target, "tmp").unwrap();
            let err = fill(&scratch.path, &[("../escape".into(), "x".into())]).unwrap_err();
            assert!(err.to_string().contains("would leave the bundle"));
        }
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 0);
        let _ = std::fs::remove_dir_all(&root);
    }
}
