// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The `unsafe` gate: every crate of the workspace forbids `unsafe_code`, checked from
//! the manifests and sources, not taken on trust. A package passes when its lints
//! forbid it (`[lints.rust] unsafe_code = "forbid"`, or `[lints] workspace = true` with
//! the workspace's `[workspace.lints.rust]` forbidding it), or when every library and
//! binary crate root starts with `#![forbid(unsafe_code)]`.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use toml_edit::{DocumentMut, Item};

use crate::deps;
use crate::gate::{Finding, Outcome};
use crate::project::Project;

fn read_manifest(path: &Path) -> Result<DocumentMut> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.parse()
        .with_context(|| format!("cannot parse {}", path.display()))
}

/// The level of `unsafe_code` in a `[lints.rust]`-shaped table: `"forbid"` or
/// `{ level = "forbid", … }`.
fn level(rust_lints: Option<&Item>) -> Option<String> {
    let item = rust_lints?.get("unsafe_code")?;
    item.as_str()
        .or_else(|| item.get("level").and_then(Item::as_str))
        .or_else(|| {
            item.as_inline_table()
                .and_then(|t| t.get("level"))
                .and_then(|v| v.as_str())
        })
        .map(str::to_owned)
}

/// Whether a crate root forbids unsafe code itself.
pub fn root_forbids(source: &str) -> bool {
    source
        .lines()
        .map(str::trim)
        .take_while(|l| l.is_empty() || l.starts_with("//") || l.starts_with("#!"))
        .any(|l| l.replace(' ', "") == "#![forbid(unsafe_code)]")
}

pub fn check(project: &Project) -> Result<Outcome> {
    let metadata = deps::metadata_for(project, None)?;
    let root_manifest = read_manifest(
        &metadata
            .workspace_root
            .join("Cargo.toml")
            .into_std_path_buf(),
    )?;
    let workspace_level = level(
        root_manifest
            .get("workspace")
            .and_then(|w| w.get("lints"))
            .and_then(|l| l.get("rust")),
    );
    let mut findings = Vec::new();
    let members = metadata.workspace_packages();
    for package in &members {
        let manifest_path = package.manifest_path.clone().into_std_path_buf();
        let manifest = read_manifest(&manifest_path)?;
        let lints = manifest.get("lints");
        let inherits = lints
            .and_then(|l| l.get("workspace"))
            .and_then(Item::as_bool)
            == Some(true);
        let own = level(lints.and_then(|l| l.get("rust")));
        let effective = if inherits {
            workspace_level.clone()
        } else {
            own
        };
        if effective.as_deref() == Some("forbid") {
            continue;
        }
        let roots: Vec<_> = package
            .targets
            .iter()
            .filter(|t| t.is_lib() || t.is_bin() || t.is_proc_macro())
            .map(|t| t.src_path.clone().into_std_path_buf())
            .collect();
        let unforbidden: Vec<String> = roots
            .iter()
            .filter(|root| !fs::read_to_string(root).is_ok_and(|s| root_forbids(&s)))
            .map(|root| relative(project, root))
            .collect();
        if !unforbidden.is_empty() {
            findings.push(Finding::at(
                &relative(project, &manifest_path),
                1,
                &format!(
                    "package {} does not forbid unsafe_code (lints: {}; crate roots without #![forbid(unsafe_code)]: {}); hint: add [lints] workspace = true",
                    package.name,
                    effective.as_deref().unwrap_or("not set"),
                    unforbidden.join(", ")
                ),
            ));
        }
    }
    let summary = if findings.is_empty() {
        format!(
            "all {} workspace crate(s) forbid unsafe_code",
            members.len()
        )
    } else {
        format!(
            "{} of {} workspace crate(s) allow unsafe code",
            findings.len(),
            members.len()
        )
    };
    Ok(Outcome::from_findings(summary, findings))
}

fn relative(project: &Project, path: &Path) -> String {
    path.strip_prefix(&project.root)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_root_attribute_is_found_in_the_header_only() {
        assert!(root_forbids(
            "// SPDX\n//! docs\n\n#![forbid(unsafe_code)]\n\nfn main() {}\n"
        ));
        assert!(root_forbids("#![forbid( unsafe_code )]\n"));
        assert!(!root_forbids("fn main() {}\n#![forbid(unsafe_code)]\n"));
        assert!(!root_forbids("#![deny(unsafe_code)]\n"));
    }

    #[test]
    fn lint_levels_in_both_spellings() {
        let doc: DocumentMut = "[a]\nunsafe_code = \"forbid\"\n[b]\nunsafe_code = { level = \"deny\", priority = 1 }\n".parse().unwrap();
        assert_eq!(level(doc.get("a")).as_deref(), Some("forbid"));
        assert_eq!(level(doc.get("b")).as_deref(), Some("deny"));
        assert_eq!(level(None), None);
    }
}
