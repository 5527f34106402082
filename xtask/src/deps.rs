// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The third-party crates shipped inside the released binaries, from `cargo metadata`.
//!
//! Shipped means: reachable from a released package through normal dependencies, for
//! at least one release target (platform-specific dependencies are resolved per target
//! with `--filter-platform`). Build dependencies and proc-macro crates run on the
//! build machine and are not linked, so they and what only they pull in are not
//! shipped. Workspace members are ours, not third-party.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use anyhow::{Context, Result};
use cargo_metadata::{DependencyKind, Metadata, MetadataCommand, Package, PackageId};

use crate::project::Project;
use crate::targets::Target;

/// `cargo metadata` of the project, resolved for one target.
pub fn metadata_for(project: &Project, target: Option<&Target>) -> Result<Metadata> {
    let mut command = MetadataCommand::new();
    command
        .cargo_path(project.cargo())
        .current_dir(&project.root)
        .other_options(vec!["--locked".to_owned()]);
    if let Some(target) = target {
        command.other_options(vec![
            "--locked".to_owned(),
            "--filter-platform".to_owned(),
            target.triple.to_owned(),
        ]);
    }
    command.exec().with_context(|| {
        format!(
            "cargo metadata failed{}",
            target
                .map(|t| format!(" for {}", t.triple))
                .unwrap_or_default()
        )
    })
}

/// The shipped third-party packages of one resolved graph, keyed by package id.
pub fn shipped_in(metadata: &Metadata, roots: &[&str]) -> BTreeMap<PackageId, Package> {
    let packages: BTreeMap<&PackageId, &Package> =
        metadata.packages.iter().map(|p| (&p.id, p)).collect();
    let members: BTreeSet<&PackageId> = metadata.workspace_members.iter().collect();
    let Some(resolve) = &metadata.resolve else {
        return BTreeMap::new();
    };
    let nodes: BTreeMap<&PackageId, _> = resolve.nodes.iter().map(|n| (&n.id, n)).collect();
    let mut queue: VecDeque<&PackageId> = metadata
        .packages
        .iter()
        .filter(|p| members.contains(&p.id) && roots.contains(&p.name.as_str()))
        .map(|p| &p.id)
        .collect();
    let mut seen: BTreeSet<&PackageId> = queue.iter().copied().collect();
    let mut shipped = BTreeMap::new();
    while let Some(id) = queue.pop_front() {
        let Some(node) = nodes.get(id) else { continue };
        for dep in &node.deps {
            let normal = dep
                .dep_kinds
                .iter()
                .any(|k| k.kind == DependencyKind::Normal);
            let Some(package) = packages.get(&dep.pkg) else {
                continue;
            };
            let proc_macro = package.targets.iter().any(|t| t.is_proc_macro());
            if !normal || proc_macro || !seen.insert(&dep.pkg) {
                continue;
            }
            if !members.contains(&dep.pkg) {
                shipped.insert(dep.pkg.clone(), (*package).clone());
            }
            queue.push_back(&dep.pkg);
        }
    }
    shipped
}

/// The shipped third-party packages for the union of `targets`, sorted by name then
/// version.
pub fn shipped(project: &Project, roots: &[&str], targets: &[Target]) -> Result<Vec<Package>> {
    let mut all: BTreeMap<PackageId, Package> = BTreeMap::new();
    for target in targets {
        let metadata = metadata_for(project, Some(target))?;
        all.extend(shipped_in(&metadata, roots));
    }
    let mut packages: Vec<Package> = all.into_values().collect();
    packages.sort_by(|a, b| (a.name.as_str(), &a.version).cmp(&(b.name.as_str(), &b.version)));
    Ok(packages)
}
