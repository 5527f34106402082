// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The crates linked into the released binaries.
//!
//! Linked means: reachable from a released package through normal dependencies, with
//! the features the release build actually enables. `cargo xtask cross-build` builds
//! all the released packages of one target in one invocation, so their features are
//! unified among them (not with the rest of the workspace, such as the xtask's).
//! `cargo tree` of those packages together with `--target` computes exactly that graph,
//! and each binary's part of it is what its package reaches (`graph`); `cargo metadata`
//! (for the same target) supplies each crate's license, repository and source. Build
//! dependencies and proc-macro crates run on the build machine and are not linked.
//! Workspace members are ours; the rest are third-party.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use cargo_metadata::{Metadata, MetadataCommand, Package};

use crate::dist::Definition;
use crate::project::Project;
use crate::targets::Target;

/// A crate in a dependency tree: name and version.
pub type Key = (String, String);

/// `cargo metadata` of the project, resolved for one target.
pub fn metadata_for(project: &Project, target: Option<&Target>) -> Result<Metadata> {
    metadata_in(&project.root, &project.cargo(), target)
}

/// What cargo answered in this process, by workspace and question. A task does not
/// change the manifests it reads, and each answer costs a cargo process (and its
/// compiler probes): a release asks the same of every target for the notices and again
/// for the SBOMs.
static METADATA: Mutex<BTreeMap<(PathBuf, Option<&'static str>), Metadata>> =
    Mutex::new(BTreeMap::new());
static TREES: Mutex<BTreeMap<TreeQuestion, Tree>> = Mutex::new(BTreeMap::new());

/// A `cargo tree` asked of a workspace: its root, the target and the packages.
type TreeQuestion = (PathBuf, &'static str, Vec<String>);

/// The answer to `key` in `cache`, else `ask()`'s, remembered when it succeeds. The
/// lock is not held while cargo runs.
fn remembered<K: Ord, V: Clone>(
    cache: &Mutex<BTreeMap<K, V>>,
    key: K,
    ask: impl FnOnce() -> Result<V>,
) -> Result<V> {
    let cached = cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
        .cloned();
    if let Some(value) = cached {
        return Ok(value);
    }
    let value = ask()?;
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, value.clone());
    Ok(value)
}

/// [`metadata_for`] the workspace at `root`, with `cargo` (no shell: it runs on any
/// thread).
fn metadata_in(root: &Path, cargo: &str, target: Option<&Target>) -> Result<Metadata> {
    remembered(
        &METADATA,
        (root.to_path_buf(), target.map(|t| t.triple)),
        || run_metadata(root, cargo, target),
    )
}

fn run_metadata(root: &Path, cargo: &str, target: Option<&Target>) -> Result<Metadata> {
    let mut command = MetadataCommand::new();
    command.cargo_path(cargo).current_dir(root);
    let mut options = vec!["--locked".to_owned()];
    if let Some(target) = target {
        options.extend(["--filter-platform".to_owned(), target.triple.to_owned()]);
    }
    command.other_options(options);
    command.exec().with_context(|| {
        format!(
            "cargo metadata failed{}",
            target
                .map(|t| format!(" for {}", t.triple))
                .unwrap_or_default()
        )
    })
}

/// The linked dependency tree of `packages` built together for `target`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tree {
    pub roots: Vec<Key>,
    pub edges: BTreeMap<Key, BTreeSet<Key>>,
}

/// Parses `cargo tree --prefix depth` output (`<depth><name> v<version>[ (…)][ (*)]`).
pub fn parse_tree(output: &str) -> Result<Tree> {
    let mut tree = Tree::default();
    let mut stack: Vec<Key> = Vec::new();
    for line in output.lines().filter(|l| !l.trim().is_empty()) {
        let digits = line.bytes().take_while(u8::is_ascii_digit).count();
        let depth: usize = line[..digits]
            .parse()
            .with_context(|| format!("unexpected cargo tree line: {line}"))?;
        let mut words = line[digits..].split_whitespace();
        let (Some(name), Some(version)) = (words.next(), words.next()) else {
            bail!("unexpected cargo tree line: {line}");
        };
        let key: Key = (name.to_owned(), version.trim_start_matches('v').to_owned());
        stack.truncate(depth);
        match stack.last() {
            Some(parent) => {
                tree.edges
                    .entry(parent.clone())
                    .or_default()
                    .insert(key.clone());
            }
            None if !tree.roots.contains(&key) => tree.roots.push(key.clone()),
            None => {}
        }
        tree.edges.entry(key.clone()).or_default();
        stack.push(key);
    }
    Ok(tree)
}

/// Runs `cargo tree` for `packages` built together for `target`.
pub fn tree(project: &Project, packages: &[&str], target: &Target) -> Result<Tree> {
    tree_in(&project.root, &project.cargo(), packages, target)
}

/// [`tree`] of the workspace at `root`, with `cargo` (no shell: it runs on any thread).
fn tree_in(root: &Path, cargo: &str, packages: &[&str], target: &Target) -> Result<Tree> {
    let selection = packages.iter().map(|p| (*p).to_owned()).collect();
    remembered(
        &TREES,
        (root.to_path_buf(), target.triple, selection),
        || run_tree(root, cargo, packages, target),
    )
}

fn run_tree(root: &Path, cargo: &str, packages: &[&str], target: &Target) -> Result<Tree> {
    let triple = target.triple;
    let out = Command::new(cargo)
        .current_dir(root)
        .args(["tree", "--locked", "--target", triple])
        .args(["-e", "normal,no-proc-macro", "--prefix", "depth"])
        .args(packages.iter().flat_map(|p| ["--package", p]))
        .output()
        .with_context(|| format!("cannot run {cargo} tree"))?;
    if !out.status.success() {
        bail!(
            "cargo tree failed for {triple}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    parse_tree(&String::from_utf8_lossy(&out.stdout))
}

/// The linked graph of one root package: every crate it links, with the edges.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub root: Key,
    /// Every reachable crate, the root included.
    pub packages: BTreeMap<Key, Package>,
    /// Direct linked dependencies of each crate.
    pub edges: BTreeMap<Key, BTreeSet<Key>>,
    /// Workspace members among the packages.
    pub members: BTreeSet<Key>,
}

/// The part of `tree` reachable from the workspace package `root`, with each crate's
/// metadata.
pub fn graph(metadata: &Metadata, tree: &Tree, root: &str) -> Result<Graph> {
    let by_key: BTreeMap<Key, &Package> = metadata
        .packages
        .iter()
        .map(|p| ((p.name.to_string(), p.version.to_string()), p))
        .collect();
    let members: BTreeSet<Key> = metadata
        .workspace_packages()
        .iter()
        .map(|p| (p.name.to_string(), p.version.to_string()))
        .collect();
    let root_key = tree
        .roots
        .iter()
        .find(|(name, _)| name == root)
        .with_context(|| format!("package {root} is not in the dependency tree"))?
        .clone();
    let mut graph = Graph {
        root: root_key.clone(),
        ..Graph::default()
    };
    let mut queue = VecDeque::from([root_key]);
    while let Some(key) = queue.pop_front() {
        if graph.packages.contains_key(&key) {
            continue;
        }
        let package = by_key
            .get(&key)
            .with_context(|| format!("{} {} is not in cargo metadata", key.0, key.1))?;
        graph.packages.insert(key.clone(), (*package).clone());
        let deps = tree.edges.get(&key).cloned().unwrap_or_default();
        queue.extend(deps.iter().cloned());
        graph.edges.insert(key, deps);
    }
    graph.members = graph
        .packages
        .keys()
        .filter(|k| members.contains(*k))
        .cloned()
        .collect();
    Ok(graph)
}

/// The packages one target builds, in definition order.
pub fn packages_for(def: &Definition, target: &Target) -> Vec<String> {
    let mut packages: Vec<String> = Vec::new();
    for (bin, _) in def.builds(Some(std::slice::from_ref(target))) {
        if !packages.contains(&bin.package) {
            packages.push(bin.package.clone());
        }
    }
    packages
}

/// The third-party crates linked into any released binary, for the union of the
/// release targets, sorted by name then version.
///
/// Each target's `cargo metadata` and `cargo tree` run beside the others'.
pub fn shipped(project: &Project, def: &Definition) -> Result<Vec<Package>> {
    let (root, cargo) = (&project.root, project.cargo());
    let per_target = crate::parallel::map(&def.all_targets(), |target| {
        let metadata = metadata_in(root, &cargo, Some(target))?;
        let packages = packages_for(def, target);
        let selection: Vec<&str> = packages.iter().map(String::as_str).collect();
        let tree = tree_in(root, &cargo, &selection, target)?;
        let mut linked = Vec::new();
        for package in &packages {
            let graph = graph(&metadata, &tree, package)?;
            linked.extend(
                graph
                    .packages
                    .into_iter()
                    .filter(|(key, _)| !graph.members.contains(key))
                    .map(|(_, p)| p),
            );
        }
        Ok::<_, anyhow::Error>(linked)
    });
    let mut all: BTreeMap<(String, semver::Version), Package> = BTreeMap::new();
    for linked in per_target {
        for p in linked? {
            all.insert((p.name.to_string(), p.version.clone()), p);
        }
    }
    Ok(all.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_output_becomes_edges() {
        let output = "0app v0.1.0 (/src/app)\n1clap v4.0.0\n2strsim v0.11.1\n1serde v1.0.0\n0other v0.1.0 (/src/other)\n1clap v4.0.0 (*)\n";
        let tree = parse_tree(output).unwrap();
        let key = |n: &str, v: &str| (n.to_owned(), v.to_owned());
        assert_eq!(tree.roots, [key("app", "0.1.0"), key("other", "0.1.0")]);
        assert_eq!(
            tree.edges[&key("app", "0.1.0")],
            BTreeSet::from([key("clap", "4.0.0"), key("serde", "1.0.0")])
        );
        assert_eq!(
            tree.edges[&key("clap", "4.0.0")],
            BTreeSet::from([key("strsim", "0.11.1")])
        );
        assert_eq!(
            tree.edges[&key("other", "0.1.0")],
            BTreeSet::from([key("clap", "4.0.0")])
        );
        assert!(parse_tree("garbage\n").is_err());
    }
}
