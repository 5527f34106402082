// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Deployment bundles: the files `aicr bundle` writes for a recipe (`aicr verify`
//! checks them: [`crate::verify`]). Rendering is pure: it returns `(relative path,
//! content)` pairs.
//!
//! Per component `<name>/values.yaml` (registry values, then the recipe's overrides,
//! then `--set name:path=value`; `--set name:enabled=false` drops the component) and
//! `<name>/README.md`; then `recipe.yaml`, `deploy.sh` (helm upgrade --install in
//! deployment order, `--wait --timeout 10m`, three attempts), `undeploy.sh` (reverse
//! order), `README.md` and `checksums.txt` (`<sha256>  <path>`, sorted).

pub mod output;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::catalog::Catalog;
use crate::error::Error;
use crate::recipe::RecipeResult;

/// A `--set name:path=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Set {
    pub component: String,
    pub path: Vec<String>,
    pub value: String,
}

impl Set {
    pub fn parse(text: &str) -> Result<Set, Error> {
        let bad = || {
            Error::Input(format!(
                "--set {text}: expected name:path=value, e.g. gpu-operator:driver.version=580.0"
            ))
        };
        let (component, rest) = text.split_once(':').ok_or_else(bad)?;
        let (path, value) = rest.split_once('=').ok_or_else(bad)?;
        if component.is_empty() || path.is_empty() {
            return Err(bad());
        }
        Ok(Set {
            component: component.into(),
            path: path.split('.').map(str::to_owned).collect(),
            value: value.into(),
        })
    }
}

fn scalar(text: &str) -> Value {
    match text {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(text.to_owned())),
    }
}

fn set_path(root: &mut Value, path: &[String], value: Value) {
    let mut current = root;
    for (i, key) in path.iter().enumerate() {
        if !current.is_object() {
            *current = Value::Object(Default::default());
        }
        let map = current.as_object_mut().expect("made an object above");
        if i == path.len() - 1 {
            map.insert(key.clone(), value);
            return;
        }
        current = map
            .entry(key.clone())
            .or_insert_with(|| Value::Object(Default::default()));
    }
}

fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Every file of the bundle, in path order, `checksums.txt` last.
pub fn render(
    catalog: &Catalog,
    recipe: &RecipeResult,
    sets: &[Set],
) -> Result<Vec<(String, String)>, Error> {
    let mut dropped = Vec::new();
    for set in sets {
        if !recipe
            .component_refs
            .iter()
            .any(|c| c.name == set.component)
        {
            return Err(Error::Input(format!(
                "--set names {}, which the recipe does not include",
                set.component
            )));
        }
        if set.path == ["enabled"] && set.value == "false" {
            dropped.push(set.component.clone());
        }
    }
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    let order: Vec<&String> = recipe
        .deployment_order
        .iter()
        .filter(|n| !dropped.contains(n))
        .collect();
    for component in recipe
        .component_refs
        .iter()
        .filter(|c| !dropped.contains(&c.name))
    {
        if !safe_name(&component.name) {
            return Err(Error::Input(format!(
                "component name '{}' cannot name a directory",
                component.name
            )));
        }
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
            set_path(&mut values, &set.path, scalar(&set.value));
        }
        let yaml = serde_norway::to_string(&values).map_err(|e| Error::Input(e.to_string()))?;
        files.insert(format!("{}/values.yaml", component.name), yaml);
        let readme = format!(
            "# {name}\n\n- Chart: {chart} {version}\n- Source: {source}\n- Namespace: {namespace}\n\nValues: `values.yaml`. Deployed by `../deploy.sh` in the recipe's order.\n",
            name = component.name,
            chart = component.chart.as_deref().unwrap_or(""),
            version = component.version.as_deref().unwrap_or(""),
            source = component.source.as_deref().unwrap_or(""),
            namespace = component.namespace.as_deref().unwrap_or(""),
        );
        files.insert(format!("{}/README.md", component.name), readme);
    }
    files.insert(
        "recipe.yaml".into(),
        serde_norway::to_string(recipe).map_err(|e| Error::Input(e.to_string()))?,
    );
    let mut deploy = String::from(
        "#!/usr/bin/env bash\n# Deploys the bundle's components in dependency order with Helm.\nset -euo pipefail\ncd \"$(dirname \"$0\")\"\n\ninstall() {\n  local attempt\n  for attempt in 1 2 3; do\n    if helm upgrade --install \"$@\" --wait --timeout 10m; then\n      return 0\n    fi\n    echo \"helm upgrade --install $1 failed (attempt ${attempt}/3)\" >&2\n    sleep $((attempt * 10))\n  done\n  return 1\n}\n\n",
    );
    let mut undeploy = String::from(
        "#!/usr/bin/env bash\n# Removes the bundle's components in reverse dependency order.\nset -euo pipefail\n\n",
    );
    for name in &order {
        let c = recipe
            .component_refs
            .iter()
            .find(|c| &&c.name == name)
            .ok_or_else(|| {
                Error::Input(format!(
                    "deploymentOrder names {name}, which componentRefs lacks"
                ))
            })?;
        let source = c.source.as_deref().unwrap_or_default();
        let chart = c.chart.as_deref().unwrap_or(name);
        let namespace = c.namespace.as_deref().unwrap_or("default");
        let version = c.version.as_deref().unwrap_or_default();
        let chart_args = if source.starts_with("oci://") {
            format!("'{}/{chart}'", source.trim_end_matches('/'))
        } else {
            format!("'{chart}' --repo '{source}'")
        };
        let _ = writeln!(
            deploy,
            "install '{name}' {chart_args} --version '{version}' --namespace '{namespace}' --create-namespace -f '{name}/values.yaml'"
        );
    }
    for name in order.iter().rev() {
        let namespace = recipe
            .component_refs
            .iter()
            .find(|c| &&c.name == name)
            .and_then(|c| c.namespace.as_deref())
            .unwrap_or("default");
        let _ = writeln!(
            undeploy,
            "helm uninstall '{name}' --namespace '{namespace}' --wait || true"
        );
    }
    files.insert("deploy.sh".into(), deploy);
    files.insert("undeploy.sh".into(), undeploy);
    let mut readme = String::from(
        "# AICR deployment bundle\n\nDeploy with `./deploy.sh`, remove with `./undeploy.sh`, check with\n`sha256sum -c checksums.txt` or `aicr verify .`.\n\nComponents, in deployment order:\n\n",
    );
    for name in &order {
        let _ = writeln!(readme, "- {name}");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_parse_and_land_in_the_values() {
        let set = Set::parse("gpu-operator:driver.version=590.1").unwrap();
        assert_eq!(set.path, ["driver", "version"]);
        assert!(Set::parse("nonsense").is_err());
        let mut v = serde_json::json!({"driver": {"version": "1"}});
        set_path(&mut v, &set.path, scalar(&set.value));
        set_path(&mut v, &["replicas".to_owned()], scalar("3"));
        assert_eq!(
            v,
            serde_json::json!({"driver": {"version": "590.1"}, "replicas": 3})
        );
    }
}
