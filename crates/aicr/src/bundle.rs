// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Deployment bundles: the files `aicr bundle` writes for a recipe (`aicr verify`
//! checks them: [`crate::verify`]). Rendering is pure: it returns `(relative path,
//! content)` pairs.
//!
//! Per component `<name>/values.yaml` (registry values, then the recipe's overrides,
//! then `--set name:path=value`, then `--set-string`; `--set name:enabled=false` drops
//! the component) and `<name>/README.md`; then `recipe.yaml`, `deploy.sh` (helm upgrade
//! --install in deployment order, `--wait --timeout 10m`, three attempts),
//! `undeploy.sh` (reverse order), `README.md` and `checksums.txt`
//! (`<sha256>  <path>`, sorted).
//!
//! The recipe is not trusted: its component fields are checked against their grammar
//! ([`fields`]), its components and order against their dependencies ([`plan`]), and
//! every value the scripts pass to Helm is quoted ([`shell`]). [`output`] writes the
//! files to a directory without losing what was there.

pub mod fields;
pub mod output;
pub mod plan;
pub mod set;
pub mod shell;
pub mod yaml;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::catalog::Catalog;
use crate::error::Error;
use crate::recipe::RecipeResult;

pub use set::Set;

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The components `sets` disable: those whose last `enabled` set is `false`.
fn disabled(sets: &[Set]) -> BTreeSet<String> {
    let mut last: BTreeMap<&str, bool> = BTreeMap::new();
    for set in sets.iter().filter(|s| s.is_enabled_switch()) {
        last.insert(&set.component, set.disables());
    }
    last.into_iter()
        .filter(|(_, off)| *off)
        .map(|(name, _)| name.to_owned())
        .collect()
}

/// Every file of the bundle, in path order, `checksums.txt` last. `sets` apply in the
/// order given.
pub fn render(
    catalog: &Catalog,
    recipe: &RecipeResult,
    sets: &[Set],
) -> Result<Vec<(String, String)>, Error> {
    for component in &recipe.component_refs {
        fields::check(component)?;
    }
    for set in sets {
        if !recipe
            .component_refs
            .iter()
            .any(|c| c.name == set.component)
        {
            return Err(Error::Input(format!(
                "--set names {}, which the recipe does not include",
                fields::shown(&set.component)
            )));
        }
    }
    let order = plan::order(recipe, &disabled(sets))?;
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    let mut releases = Vec::new();
    for component in &order {
        let mut values = catalog
            .components
            .get(&component.name)
            .map(|c| c.values.clone())
            .unwrap_or(Value::Null);
        if !values.is_object() {
            values = Value::Object(Default::default());
        }
        if let (Some(map), Some(overrides)) = (values.as_object_mut(), &component.overrides) {
            for (k, v) in overrides {
                map.insert(k.clone(), v.clone());
            }
        }
        for set in sets.iter().filter(|s| s.component == component.name) {
            set::apply(&mut values, &set.path, set.value.clone());
        }
        files.insert(
            format!("{}/values.yaml", component.name),
            yaml::to_string(&values),
        );
        let release = release(component);
        let readme = format!(
            "# {name}\n\n- Chart: {chart} {version}\n- Source: {source}\n- Namespace: {namespace}\n\nValues: `values.yaml`. Deployed by `../deploy.sh` in the recipe's order.\n",
            name = component.name,
            chart = component.chart.as_deref().unwrap_or(&component.name),
            version = component.version.as_deref().unwrap_or("(latest)"),
            source = component.source.as_deref().unwrap_or_default(),
            namespace = release.namespace,
        );
        files.insert(format!("{}/README.md", component.name), readme);
        releases.push(release);
    }
    files.insert(
        "recipe.yaml".into(),
        serde_norway::to_string(recipe).map_err(|e| Error::Input(e.to_string()))?,
    );
    files.insert("deploy.sh".into(), shell::deploy(&releases));
    files.insert("undeploy.sh".into(), shell::undeploy(&releases));
    let mut readme = String::from(
        "# AICR deployment bundle\n\nDeploy with `./deploy.sh`, remove with `./undeploy.sh`, check with\n`sha256sum -c checksums.txt` or `aicr verify .`.\n\nComponents, in deployment order:\n\n",
    );
    for release in &releases {
        let _ = writeln!(readme, "- {}", release.name);
    }
    files.insert("README.md".into(), readme);
    let sums: String = files
        .iter()
        .map(|(path, text)| format!("{}  {path}\n", sha256(text.as_bytes())))
        .collect();
    let mut out: Vec<(String, String)> = files.into_iter().collect();
    out.push(("checksums.txt".into(), sums));
    Ok(out)
}

/// How the scripts deploy a checked component: an `oci://` source is the chart's
/// registry, any other the Helm repository.
fn release(component: &crate::catalog::ComponentRef) -> shell::Release {
    let chart = component.chart.as_deref().unwrap_or(&component.name);
    let source = component.source.as_deref().unwrap_or_default();
    let (chart, repo) = if source.starts_with("oci://") {
        (format!("{}/{chart}", source.trim_end_matches('/')), None)
    } else {
        (chart.to_owned(), Some(source.to_owned()))
    };
    shell::Release {
        name: component.name.clone(),
        chart,
        repo,
        version: component.version.clone(),
        namespace: component
            .namespace
            .clone()
            .unwrap_or_else(|| "default".into()),
    }
}
