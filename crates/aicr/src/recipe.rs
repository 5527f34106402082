// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The recipe engine: criteria in, a validated `RecipeResult` out. Pure: it reads only
//! the catalog it is given.
//!
//! 1. Matching: an overlay applies when each of its criteria fields is `any` or equal to
//!    the query's. Matches are ordered by specificity (number of non-`any` fields), then
//!    by name.
//! 2. Merging: starting from `base`, each match's parent chain is applied root first;
//!    an overlay applies once even when several chains share it.
//! 3. Merge rules: constraints keyed by name (the later overlay wins; sorted by name);
//!    component refs keyed by name (non-empty later fields win; overrides shallow-merged;
//!    dependency refs and patches replaced; manifest files appended without duplicates);
//!    validation checks are unions, constraints keyed by name, timeouts replaced.
//! 4. Components: registry defaults fill source, version, namespace, chart and type;
//!    dependencies come from the overlays only; a dependency the recipe lacks, or a
//!    dependency cycle, is an error; `deploymentOrder` is a topological order with an
//!    alphabetical tie-break.
//!
//! [`read`] is the one reader of `RecipeResult` documents (the CLI, `aicrd` and the
//! validators use it): the fields the original leaves out when empty are optional, and
//! are left out of the output the same way.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::API_VERSION;
use crate::build_info::BUILD;
use crate::catalog::{BASE, Catalog, ComponentRef, Constraint, Phase, Spec, Validation};
use crate::criteria::Criteria;
use crate::error::Error;
use crate::snapshot::Snapshot;

mod reader;

#[cfg(test)]
mod catalog_facts;

pub use reader::{Read, read, read_value};

/// The metadata of a recipe. Every field is optional on input and left out of the
/// output when empty.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecipeMetadata {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applied_overlays: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_overlays: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "reader::warnings"
    )]
    pub constraint_warnings: Vec<String>,
}

fn api_version() -> String {
    API_VERSION.to_owned()
}

/// The result of a recipe query. `kind`, `componentRefs` and `deploymentOrder` are
/// required on input; everything else is optional, and the lists, the metadata's
/// fields and the validation phases are left out of the output when empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecipeResult {
    #[serde(default = "api_version")]
    pub api_version: String,
    pub kind: String,
    #[serde(default)]
    pub metadata: RecipeMetadata,
    #[serde(default)]
    pub criteria: Criteria,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Constraint>,
    pub component_refs: Vec<ComponentRef>,
    pub deployment_order: Vec<String>,
    #[serde(default, skip_serializing_if = "Validation::is_empty")]
    pub validation: Validation,
}

fn merge_constraints(into: &mut Vec<Constraint>, from: &[Constraint]) {
    for c in from {
        match into.iter_mut().find(|x| x.name == c.name) {
            Some(existing) => *existing = c.clone(),
            None => into.push(c.clone()),
        }
    }
    into.sort_by(|a, b| a.name.cmp(&b.name));
}

fn merge_ref(into: &mut ComponentRef, from: &ComponentRef) {
    fn take<T: Clone>(slot: &mut Option<T>, value: &Option<T>) {
        if value.is_some() {
            slot.clone_from(value);
        }
    }
    take(&mut into.namespace, &from.namespace);
    take(&mut into.chart, &from.chart);
    take(&mut into.kind, &from.kind);
    take(&mut into.source, &from.source);
    take(&mut into.version, &from.version);
    take(&mut into.values_file, &from.values_file);
    take(&mut into.dependency_refs, &from.dependency_refs);
    take(&mut into.patches, &from.patches);
    take(&mut into.expected_resources, &from.expected_resources);
    if let Some(overrides) = &from.overrides {
        let map = into.overrides.get_or_insert_with(Default::default);
        for (k, v) in overrides {
            map.insert(k.clone(), v.clone());
        }
    }
    if let Some(files) = &from.manifest_files {
        let list = into.manifest_files.get_or_insert_with(Vec::new);
        for f in files {
            if !list.contains(f) {
                list.push(f.clone());
            }
        }
    }
}

fn merge_phase(into: &mut Phase, from: &Phase) {
    if from.timeout.is_some() {
        into.timeout.clone_from(&from.timeout);
    }
    merge_constraints(&mut into.constraints, &from.constraints);
    for check in &from.checks {
        if !into.checks.contains(check) {
            into.checks.push(check.clone());
        }
    }
    into.checks.sort();
}

fn merge(into: &mut Spec, from: &Spec) {
    merge_constraints(&mut into.constraints, &from.constraints);
    for r in &from.component_refs {
        match into.component_refs.iter_mut().find(|x| x.name == r.name) {
            Some(existing) => merge_ref(existing, r),
            None => into.component_refs.push(r.clone()),
        }
    }
    merge_phase(&mut into.validation.deployment, &from.validation.deployment);
    merge_phase(
        &mut into.validation.performance,
        &from.validation.performance,
    );
    merge_phase(
        &mut into.validation.conformance,
        &from.validation.conformance,
    );
}

/// Kahn's algorithm with an alphabetical tie-break.
pub fn deployment_order(deps: &BTreeMap<String, Vec<String>>) -> Result<Vec<String>, Error> {
    for (name, needs) in deps {
        for need in needs {
            if !deps.contains_key(need) {
                return Err(Error::Dependencies(format!(
                    "component {name} depends on {need}, which the recipe does not include"
                )));
            }
        }
    }
    let mut remaining: BTreeMap<&str, BTreeSet<&str>> = deps
        .iter()
        .map(|(k, v)| (k.as_str(), v.iter().map(String::as_str).collect()))
        .collect();
    let mut order = Vec::new();
    while !remaining.is_empty() {
        let ready: Vec<&str> = remaining
            .iter()
            .filter(|(_, needs)| needs.is_empty())
            .map(|(k, _)| *k)
            .collect();
        let Some(next) = ready.first().copied() else {
            let stuck: Vec<&str> = remaining.keys().copied().collect();
            return Err(Error::Dependencies(format!(
                "dependency cycle among {}",
                stuck.join(", ")
            )));
        };
        remaining.remove(next);
        for needs in remaining.values_mut() {
            needs.remove(next);
        }
        order.push(next.to_owned());
    }
    Ok(order)
}

/// Computes the recipe of `query`.
pub fn recipe(catalog: &Catalog, query: &Criteria) -> Result<RecipeResult, Error> {
    recipe_with(catalog, query, None)
}

/// Criteria read off a snapshot: the OS from `OS.release.ID`, the accelerator from the
/// GPU model; everything else `any`.
pub fn criteria_from(snapshot: &Snapshot) -> Criteria {
    let os = match snapshot.value("OS.release.ID").unwrap_or_default() {
        "ubuntu" => "ubuntu",
        "cos" => "cos",
        "rhel" => "rhel",
        "amzn" => "amazonlinux",
        _ => "any",
    };
    let model = snapshot
        .value("GPU.smi.model")
        .unwrap_or_default()
        .to_ascii_uppercase();
    let accelerator = ["GB200", "B200", "H100", "A100", "L40"]
        .iter()
        .find(|m| model.contains(*m))
        .map_or("any".to_owned(), |m| m.to_ascii_lowercase());
    Criteria {
        os: os.into(),
        accelerator,
        ..Criteria::default()
    }
}

/// Computes the recipe of `query`; with a snapshot, a match whose chain carries a
/// constraint the snapshot measures and fails is excluded, and the failures are listed
/// as constraint warnings.
pub fn recipe_with(
    catalog: &Catalog,
    query: &Criteria,
    snapshot: Option<&Snapshot>,
) -> Result<RecipeResult, Error> {
    let query = query.normalized()?;
    let mut matches: Vec<(&String, &Spec)> = catalog
        .overlays
        .iter()
        .filter(|(name, spec)| name.as_str() != BASE && spec.criteria.matches(&query))
        .collect();
    matches
        .sort_by(|a, b| (a.1.criteria.specificity(), a.0).cmp(&(b.1.criteria.specificity(), b.0)));
    let mut acc = catalog.overlays[BASE].clone();
    let mut applied = vec![BASE.to_owned()];
    let mut excluded = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    for (name, _) in matches {
        let chain = catalog.chain(name)?;
        if let Some(snapshot) = snapshot {
            let failing: Vec<String> = chain
                .iter()
                .flat_map(|o| catalog.overlays[o].constraints.iter())
                .filter_map(|c| {
                    let actual = snapshot.value(&c.name)?;
                    (!crate::constraint::satisfied(&c.value, actual))
                        .then(|| format!("{}: {actual} does not satisfy {}", c.name, c.value))
                })
                .collect();
            if !failing.is_empty() {
                excluded.push(name.clone());
                for warning in failing {
                    if !warnings.contains(&warning) {
                        warnings.push(warning);
                    }
                }
                continue;
            }
        }
        for overlay in chain.iter().rev() {
            if !applied.contains(overlay) {
                merge(&mut acc, &catalog.overlays[overlay]);
                applied.push(overlay.clone());
            }
        }
    }
    let mut refs = Vec::new();
    let mut deps = BTreeMap::new();
    for r in &acc.component_refs {
        let c = catalog.components.get(&r.name).ok_or_else(|| {
            Error::Catalog(format!("component {} is not in the registry", r.name))
        })?;
        let mut full = r.clone();
        full.namespace.get_or_insert_with(|| c.namespace.clone());
        full.chart.get_or_insert_with(|| c.chart.clone());
        full.kind.get_or_insert_with(|| c.kind.clone());
        full.source.get_or_insert_with(|| c.source.clone());
        full.version.get_or_insert_with(|| c.version.clone());
        deps.insert(
            r.name.clone(),
            full.dependency_refs.clone().unwrap_or_default(),
        );
        refs.push(full);
    }
    refs.sort_by(|a, b| a.name.cmp(&b.name));
    let order = deployment_order(&deps)?;
    Ok(RecipeResult {
        api_version: API_VERSION.into(),
        kind: "RecipeResult".into(),
        metadata: RecipeMetadata {
            version: BUILD.version.into(),
            applied_overlays: applied,
            excluded_overlays: excluded,
            constraint_warnings: warnings,
        },
        criteria: query,
        constraints: acc.constraints,
        component_refs: refs,
        deployment_order: order,
        validation: acc.validation,
    })
}

/// The recipe with components keyed by name and their merged values (registry values
/// with the overlays' overrides on top): what `query` selects from.
pub fn hydrate(catalog: &Catalog, result: &RecipeResult) -> Result<Value, Error> {
    let mut value = serde_json::to_value(result).map_err(|e| Error::Input(e.to_string()))?;
    let mut components = serde_json::Map::new();
    for r in &result.component_refs {
        let mut entry = serde_json::to_value(r).map_err(|e| Error::Input(e.to_string()))?;
        let mut values = catalog
            .components
            .get(&r.name)
            .map(|c| c.values.clone())
            .unwrap_or(Value::Null);
        if !values.is_object() {
            values = Value::Object(Default::default());
        }
        if let (Some(map), Some(overrides)) = (values.as_object_mut(), &r.overrides) {
            for (k, v) in overrides {
                map.insert(k.clone(), v.clone());
            }
        }
        entry["values"] = values;
        components.insert(r.name.clone(), entry);
    }
    if let Some(object) = value.as_object_mut() {
        object.remove("componentRefs");
        object.insert("components".into(), Value::Object(components));
    }
    Ok(value)
}

/// The value at a dotted selector (`components.gpu-operator.version`).
pub fn select<'a>(value: &'a Value, selector: &str) -> Result<&'a Value, Error> {
    let mut current = value;
    for part in selector.split('.').filter(|p| !p.is_empty()) {
        let next = match current {
            Value::Object(map) => map.get(part),
            Value::Array(list) => part.parse::<usize>().ok().and_then(|i| list.get(i)),
            _ => None,
        };
        current = match next {
            Some(v) => v,
            None => {
                let available = match current {
                    Value::Object(map) => map.keys().cloned().collect(),
                    Value::Array(list) => (0..list.len()).map(|i| i.to_string()).collect(),
                    _ => Vec::new(),
                };
                return Err(Error::NotFound {
                    selector: selector.to_owned(),
                    available,
                });
            }
        };
    }
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(service: &str, accelerator: &str, intent: &str, os: &str, platform: &str) -> Criteria {
        Criteria {
            service: service.into(),
            accelerator: accelerator.into(),
            intent: intent.into(),
            os: os.into(),
            platform: platform.into(),
            nodes: None,
        }
    }

    #[test]
    fn eks_h100_training_ubuntu() {
        let catalog = Catalog::embedded().unwrap();
        let r = recipe(&catalog, &q("eks", "h100", "training", "ubuntu", "any")).unwrap();
        assert_eq!(
            r.metadata.applied_overlays,
            [
                "base",
                "monitoring-hpa",
                "eks",
                "eks-training",
                "h100-eks-training",
                "h100-eks-ubuntu-training"
            ]
        );
        let gpu = r
            .component_refs
            .iter()
            .find(|c| c.name == "gpu-operator")
            .unwrap();
        assert_eq!(gpu.version.as_deref(), Some("v25.10.1"));
        let pos = |n: &str| r.deployment_order.iter().position(|x| x == n).unwrap();
        assert!(
            pos("cert-manager") < pos("gpu-operator")
                && pos("kube-prometheus-stack") < pos("gpu-operator")
        );
        let names: Vec<&str> = r.constraints.iter().map(|c| c.name.as_str()).collect();
        assert!(names.contains(&"K8s.server.version") && names.contains(&"OS.release.VERSION_ID"));
        assert_eq!(
            r.constraints
                .iter()
                .find(|c| c.name == "K8s.server.version")
                .unwrap()
                .value,
            ">= 1.32.4"
        );
        assert_eq!(r.validation.performance.constraints[0].value, ">= 300");
    }

    #[test]
    fn any_query_gets_base_and_the_any_overlays_only() {
        let catalog = Catalog::embedded().unwrap();
        let r = recipe(&catalog, &Criteria::default()).unwrap();
        assert_eq!(r.metadata.applied_overlays, ["base", "monitoring-hpa"]);
        assert_eq!(
            r.constraints,
            [Constraint {
                name: "K8s.server.version".into(),
                value: ">= 1.25".into(),
                severity: None,
                remediation: None,
                unit: None,
            }],
            "base's constraint, which nothing more specific replaces"
        );
    }

    #[test]
    fn invalid_criteria_list_the_allowed_values() {
        let catalog = Catalog::embedded().unwrap();
        let err = recipe(&catalog, &q("openshift", "any", "any", "any", "any")).unwrap_err();
        assert!(
            matches!(err, Error::InvalidCriteria { ref field, .. } if field == "service"),
            "{err}"
        );
    }

    #[test]
    fn dependency_order_and_errors() {
        let deps: BTreeMap<String, Vec<String>> = [
            ("b", vec!["a"]),
            ("a", vec![]),
            ("c", vec![]),
            ("d", vec!["c", "b"]),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.into_iter().map(String::from).collect()))
        .collect();
        assert_eq!(deployment_order(&deps).unwrap(), ["a", "b", "c", "d"]);
        let mut missing = deps.clone();
        missing.insert("e".into(), vec!["zzz".into()]);
        assert!(
            deployment_order(&missing)
                .unwrap_err()
                .to_string()
                .contains("depends on zzz")
        );
        let cycle: BTreeMap<String, Vec<String>> = [("x", vec!["y"]), ("y", vec!["x"])]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.into_iter().map(String::from).collect()))
            .collect();
        assert!(
            deployment_order(&cycle)
                .unwrap_err()
                .to_string()
                .contains("dependency cycle among x, y")
        );
    }

    #[test]
    fn selectors() {
        let catalog = Catalog::embedded().unwrap();
        let r = recipe(&catalog, &q("eks", "h100", "training", "ubuntu", "any")).unwrap();
        let hydrated = hydrate(&catalog, &r).unwrap();
        assert_eq!(
            select(&hydrated, "components.gpu-operator.version").unwrap(),
            "v25.10.1"
        );
        assert_eq!(
            select(&hydrated, "components.gpu-operator.values.driver.version").unwrap(),
            "580.105.08"
        );
        let err = select(&hydrated, "components.nope").unwrap_err();
        assert!(
            err.to_string()
                .contains("available keys: aws-ebs-csi-driver"),
            "{err}"
        );
        assert_eq!(err.code(), crate::exit::Code::NotFound);
    }
}

#[cfg(test)]
mod fixture_tests {
    use super::*;

    const REGISTRY: &str = "components:\n  - {name: a, source: s, chart: a, version: '1', namespace: ns}\n  - {name: b, source: s, chart: b, version: '1', namespace: ns}\n  - {name: c, source: s, chart: c, version: '1', namespace: ns}\n";

    fn overlay(name: &str, body: &str) -> (String, String) {
        (
            format!("overlays/{name}.yaml"),
            format!(
                "kind: RecipeMetadata\napiVersion: v\nmetadata: {{name: {name}}}\nspec:\n{body}"
            ),
        )
    }

    fn catalog() -> Catalog {
        let files = [
            ("registry.yaml".to_owned(), REGISTRY.to_owned()),
            overlay(
                "base",
                "  constraints: [{name: k, value: '>= 1'}]\n  componentRefs:\n    - {name: a, overrides: {x: 1, y: 1}, manifestFiles: [m1], dependencyRefs: [b]}\n    - {name: b}\n",
            ),
            overlay(
                "svc",
                "  criteria: {service: eks}\n  constraints: [{name: k, value: '>= 2'}, {name: j, value: '1'}]\n  componentRefs:\n    - {name: a, version: '2', overrides: {y: 2}, manifestFiles: [m1, m2], dependencyRefs: []}\n",
            ),
            overlay(
                "svc-intent",
                "  base: svc\n  criteria: {service: eks, intent: training}\n  constraints: [{name: k, value: '>= 3'}]\n  componentRefs:\n    - {name: c, dependencyRefs: [a]}\n",
            ),
            overlay("zz-intent", "  criteria: {intent: training}\n"),
            overlay("aa-intent", "  criteria: {intent: training}\n"),
            overlay("other", "  criteria: {service: gke}\n"),
        ];
        Catalog::from_files(files.iter().map(|(p, t)| (p.as_str(), t.as_str()))).unwrap()
    }

    fn query(service: &str, intent: &str) -> Criteria {
        Criteria {
            service: service.into(),
            intent: intent.into(),
            ..Criteria::default()
        }
    }

    #[test]
    fn matching_order_specificity_then_name_and_chains_apply_once() {
        let table: &[(&str, &str, &[&str])] = &[
            ("any", "any", &["base"]),
            ("eks", "any", &["base", "svc"]),
            ("any", "training", &["base", "aa-intent", "zz-intent"]),
            (
                "eks",
                "training",
                &["base", "aa-intent", "svc", "zz-intent", "svc-intent"],
            ),
            ("gke", "inference", &["base", "other"]),
        ];
        let catalog = catalog();
        for (service, intent, want) in table {
            let r = recipe(&catalog, &query(service, intent)).unwrap();
            assert_eq!(r.metadata.applied_overlays, *want, "{service} {intent}");
        }
    }

    #[test]
    fn merge_rules() {
        let r = recipe(&catalog(), &query("eks", "training")).unwrap();
        let constraints: Vec<(&str, &str)> = r
            .constraints
            .iter()
            .map(|c| (c.name.as_str(), c.value.as_str()))
            .collect();
        assert_eq!(
            constraints,
            [("j", "1"), ("k", ">= 3")],
            "keyed by name, the latest wins, sorted"
        );
        let a = r.component_refs.iter().find(|c| c.name == "a").unwrap();
        assert_eq!(
            a.version.as_deref(),
            Some("2"),
            "non-empty later fields win"
        );
        assert_eq!(
            a.overrides.as_ref().unwrap()["x"],
            1,
            "overrides are shallow-merged"
        );
        assert_eq!(a.overrides.as_ref().unwrap()["y"], 2);
        assert_eq!(
            a.manifest_files.as_deref(),
            Some(&["m1".to_owned(), "m2".to_owned()][..]),
            "appended without duplicates"
        );
        assert_eq!(
            a.dependency_refs.as_deref(),
            Some(&[][..]),
            "dependency refs are replaced, not merged"
        );
        assert_eq!(
            r.deployment_order,
            ["a", "b", "c"],
            "c needs a; alphabetical otherwise"
        );
        let b = r.component_refs.iter().find(|c| c.name == "b").unwrap();
        assert_eq!(
            (b.chart.as_deref(), b.namespace.as_deref()),
            (Some("b"), Some("ns")),
            "registry defaults"
        );
    }
}
