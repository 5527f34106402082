// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The recipe catalog: the component registry and the overlays, embedded in the binary
//! from `crates/aicr/catalog/` (see `build.rs`). Loading checks the catalog's shape:
//! every overlay's parent exists, parent chains end at `base` without cycles, and every
//! component an overlay names is in the registry.
//!
//! Dependencies (`dependencyRefs`) are declared by the overlay that adds a component
//! (never by the registry); an overlay that re-declares a component with a list replaces
//! it. Every overlay states its own `K8s.server.version` constraint where it has one.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::criteria::Criteria;
use crate::error::Error;

mod files {
    include!(concat!(env!("OUT_DIR"), "/catalog_files.rs"));
}

/// A component of the registry, with its defaults.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Component {
    pub name: String,
    #[serde(rename = "type", default = "helm")]
    pub kind: String,
    pub source: String,
    pub chart: String,
    pub version: String,
    pub namespace: String,
    #[serde(default)]
    pub values: Value,
    #[serde(default)]
    pub node_scheduling: BTreeMap<String, String>,
}

fn helm() -> String {
    "Helm".to_owned()
}

/// A named constraint: `{name, value, severity?, remediation?, unit?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraint {
    pub name: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// An overlay's reference to a component, with what it changes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ComponentRef {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values_file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overrides: Option<serde_json::Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependency_refs: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patches: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_files: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_resources: Option<Vec<Value>>,
}

/// One validation phase: a timeout, constraints and checks. Empty parts are left out
/// of the output, as the original leaves them out.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Constraint>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<String>,
}

impl Phase {
    /// No timeout, constraint or check.
    pub fn is_empty(&self) -> bool {
        self.timeout.is_none() && self.constraints.is_empty() && self.checks.is_empty()
    }
}

/// The validation settings of the three phases; an empty phase is left out of the
/// output.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Validation {
    #[serde(default, skip_serializing_if = "Phase::is_empty")]
    pub deployment: Phase,
    #[serde(default, skip_serializing_if = "Phase::is_empty")]
    pub performance: Phase,
    #[serde(default, skip_serializing_if = "Phase::is_empty")]
    pub conformance: Phase,
}

impl Validation {
    /// Every phase empty.
    pub fn is_empty(&self) -> bool {
        self.deployment.is_empty() && self.performance.is_empty() && self.conformance.is_empty()
    }
}

/// The body of an overlay.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Spec {
    #[serde(default)]
    pub base: Option<String>,
    #[serde(default)]
    pub criteria: Criteria,
    #[serde(default)]
    pub constraints: Vec<Constraint>,
    #[serde(default)]
    pub component_refs: Vec<ComponentRef>,
    #[serde(default)]
    pub validation: Validation,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OverlayFile {
    kind: String,
    #[allow(dead_code)]
    api_version: String,
    metadata: OverlayName,
    spec: Spec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverlayName {
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistryFile {
    components: Vec<Component>,
}

/// The loaded catalog.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub components: BTreeMap<String, Component>,
    pub overlays: BTreeMap<String, Spec>,
}

/// The name of the overlay every recipe starts from.
pub const BASE: &str = "base";

impl Catalog {
    /// The catalog embedded in this binary.
    pub fn embedded() -> Result<Catalog, Error> {
        Catalog::from_files(files::FILES.iter().copied())
    }

    /// The embedded catalog with an external one layered on top (`--data DIR`): DIR must
    /// hold `registry.yaml`, whose entries replace or add components by name; every
    /// other YAML file adds an overlay or replaces the embedded file of the same path.
    /// Symbolic links are refused.
    pub fn layered(dir: &std::path::Path) -> Result<Catalog, Error> {
        if !dir.join("registry.yaml").is_file() {
            return Err(Error::Input(format!(
                "{} holds no registry.yaml; hint: --data takes a catalog directory",
                dir.display()
            )));
        }
        let mut external: Vec<(String, String)> = Vec::new();
        fn walk(
            root: &std::path::Path,
            dir: &std::path::Path,
            out: &mut Vec<(String, String)>,
        ) -> Result<(), Error> {
            let io =
                |e: std::io::Error| Error::Input(format!("cannot read {}: {e}", dir.display()));
            let mut entries: Vec<_> = std::fs::read_dir(dir)
                .map_err(io)?
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .collect();
            entries.sort();
            for path in entries {
                let meta = std::fs::symlink_metadata(&path).map_err(io)?;
                if meta.file_type().is_symlink() {
                    return Err(Error::Input(format!(
                        "{} is a symbolic link; catalogs may not contain links",
                        path.display()
                    )));
                }
                if meta.is_dir() {
                    walk(root, &path, out)?;
                } else if path.extension().is_some_and(|e| e == "yaml") {
                    let relative = path
                        .strip_prefix(root)
                        .unwrap_or(&path)
                        .to_string_lossy()
                        .replace('\\', "/");
                    let text = std::fs::read_to_string(&path).map_err(io)?;
                    out.push((relative, text));
                }
            }
            Ok(())
        }
        walk(dir, dir, &mut external)?;
        let mut overlays: BTreeMap<String, String> = files::FILES
            .iter()
            .filter(|(p, _)| *p != "registry.yaml")
            .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
            .collect();
        let mut registries: Vec<(String, String)> = files::FILES
            .iter()
            .filter(|(p, _)| *p == "registry.yaml")
            .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
            .collect();
        for (path, text) in external {
            if path == "registry.yaml" {
                registries.push((path, text));
            } else {
                overlays.insert(path, text);
            }
        }
        let all: Vec<(String, String)> = registries.into_iter().chain(overlays).collect();
        Catalog::from_files(all.iter().map(|(p, t)| (p.as_str(), t.as_str())))
    }

    /// Loads a catalog from `(path, text)` pairs: `registry.yaml` (possibly several,
    /// later entries replacing earlier ones by name) and overlay files.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Catalog, Error> {
        let mut components = BTreeMap::new();
        let mut overlays = BTreeMap::new();
        for (path, text) in files {
            if path == "registry.yaml" {
                let registry: RegistryFile = serde_norway::from_str(text)
                    .map_err(|e| Error::Catalog(format!("{path}: {e}")))?;
                for component in registry.components {
                    components.insert(component.name.clone(), component);
                }
            } else {
                let file: OverlayFile = serde_norway::from_str(text)
                    .map_err(|e| Error::Catalog(format!("{path}: {e}")))?;
                if file.kind != "RecipeMetadata" {
                    return Err(Error::Catalog(format!(
                        "{path}: kind {} is not RecipeMetadata",
                        file.kind
                    )));
                }
                let spec = Spec {
                    criteria: file.spec.criteria.normalized()?,
                    ..file.spec
                };
                if overlays.insert(file.metadata.name.clone(), spec).is_some() {
                    return Err(Error::Catalog(format!(
                        "overlay {} is defined twice",
                        file.metadata.name
                    )));
                }
            }
        }
        let catalog = Catalog {
            components,
            overlays,
        };
        catalog.check()?;
        Ok(catalog)
    }

    /// The parent chain of an overlay, from the overlay up to (not including) `base`.
    pub fn chain(&self, name: &str) -> Result<Vec<String>, Error> {
        let mut chain = Vec::new();
        let mut seen = BTreeSet::new();
        let mut current = name.to_owned();
        while current != BASE {
            if !seen.insert(current.clone()) {
                return Err(Error::Catalog(format!(
                    "overlay {name} has a parent cycle through {current}"
                )));
            }
            let spec = self
                .overlays
                .get(&current)
                .ok_or_else(|| Error::Catalog(format!("overlay {current} does not exist")))?;
            chain.push(current.clone());
            current = spec.base.clone().unwrap_or_else(|| BASE.to_owned());
        }
        Ok(chain)
    }

    fn check(&self) -> Result<(), Error> {
        if !self.overlays.contains_key(BASE) {
            return Err(Error::Catalog("there is no base overlay".into()));
        }
        for (name, spec) in &self.overlays {
            if name != BASE {
                self.chain(name)?;
            }
            for component in &spec.component_refs {
                if !self.components.contains_key(&component.name) {
                    return Err(Error::Catalog(format!(
                        "overlay {name} names component {}, which the registry lacks",
                        component.name
                    )));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_catalog_loads() {
        let catalog = Catalog::embedded().unwrap();
        assert!(catalog.overlays.len() >= 38, "{}", catalog.overlays.len());
        assert_eq!(catalog.components["gpu-operator"].version, "v25.10.1");
        assert_eq!(
            catalog.chain("h100-eks-ubuntu-training").unwrap(),
            [
                "h100-eks-ubuntu-training",
                "h100-eks-training",
                "eks-training",
                "eks"
            ]
        );
    }

    #[test]
    fn cycles_and_unknown_parents_are_refused() {
        let registry = ("registry.yaml", "components: []\n");
        let base = (
            "overlays/base.yaml",
            "kind: RecipeMetadata\napiVersion: v\nmetadata: {name: base}\nspec: {}\n",
        );
        let a = (
            "overlays/a.yaml",
            "kind: RecipeMetadata\napiVersion: v\nmetadata: {name: a}\nspec: {base: b}\n",
        );
        let b = (
            "overlays/b.yaml",
            "kind: RecipeMetadata\napiVersion: v\nmetadata: {name: b}\nspec: {base: a}\n",
        );
        let err = Catalog::from_files([registry, base, a, b]).unwrap_err();
        assert!(err.to_string().contains("parent cycle"), "{err}");
        let orphan = (
            "overlays/c.yaml",
            "kind: RecipeMetadata\napiVersion: v\nmetadata: {name: c}\nspec: {base: nope}\n",
        );
        assert!(
            Catalog::from_files([registry, base, orphan])
                .unwrap_err()
                .to_string()
                .contains("overlay nope does not exist")
        );
    }
}
