// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Which components a bundle deploys, and in which order, checked against the recipe.
//!
//! A bundle does not trust its recipe. Components are listed once each; every
//! dependency names a component of the recipe. A recipe's `deploymentOrder` must list
//! each component exactly once and put every component after all it depends on: a
//! recipe whose order disagrees with the dependencies is refused, not silently
//! reordered, because the bundle copies the recipe and lists its order, and a bundle
//! that deploys in another order than the file its user reviewed would hide the error.
//! A recipe without a `deploymentOrder` gets the engine's order
//! ([`crate::recipe::deployment_order`]). Components disabled by
//! `--set NAME:enabled=false` are left out; one that an enabled component depends on
//! is refused.

use std::collections::{BTreeMap, BTreeSet};

use super::fields::shown;
use crate::catalog::ComponentRef;
use crate::error::Error;
use crate::recipe::{RecipeResult, deployment_order};

fn needs(c: &ComponentRef) -> &[String] {
    c.dependency_refs.as_deref().unwrap_or_default()
}

fn input(message: String) -> Error {
    Error::Input(format!("recipe: {message}"))
}

/// The components to deploy, in deployment order, leaving out `disabled`.
pub fn order<'r>(
    recipe: &'r RecipeResult,
    disabled: &BTreeSet<String>,
) -> Result<Vec<&'r ComponentRef>, Error> {
    let mut components: BTreeMap<&str, &ComponentRef> = BTreeMap::new();
    for c in &recipe.component_refs {
        if components.insert(c.name.as_str(), c).is_some() {
            return Err(input(format!(
                "component {} is listed twice in componentRefs",
                c.name
            )));
        }
    }
    for c in components.values() {
        for need in needs(c) {
            if !components.contains_key(need.as_str()) {
                return Err(input(format!(
                    "component {} depends on {}, which the recipe does not include",
                    c.name,
                    shown(need)
                )));
            }
        }
    }
    let names: Vec<String> = if recipe.deployment_order.is_empty() {
        let deps: BTreeMap<String, Vec<String>> = components
            .values()
            .map(|c| (c.name.clone(), needs(c).to_vec()))
            .collect();
        deployment_order(&deps).map_err(|e| match e {
            Error::Dependencies(message) => input(message),
            other => other,
        })?
    } else {
        let mut position: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, name) in recipe.deployment_order.iter().enumerate() {
            if !components.contains_key(name.as_str()) {
                return Err(input(format!(
                    "deploymentOrder names {}, which componentRefs lacks",
                    shown(name)
                )));
            }
            if position.insert(name.as_str(), i).is_some() {
                return Err(input(format!("deploymentOrder lists {name} twice")));
            }
        }
        if let Some(missing) = components.keys().find(|n| !position.contains_key(*n)) {
            return Err(input(format!(
                "component {missing} is missing from deploymentOrder; hint: list every \
                 component there, after its dependencies"
            )));
        }
        for c in components.values() {
            for need in needs(c) {
                if position[need.as_str()] > position[c.name.as_str()] {
                    return Err(input(format!(
                        "deploymentOrder puts {} before {need}, which it depends on",
                        c.name
                    )));
                }
            }
        }
        recipe.deployment_order.clone()
    };
    for c in components.values() {
        if disabled.contains(&c.name) {
            continue;
        }
        if let Some(need) = needs(c).iter().find(|n| disabled.contains(*n)) {
            return Err(Error::Input(format!(
                "--set {need}:enabled=false leaves {} without {need}, which it depends on; \
                 hint: disable {} as well or keep {need}",
                c.name, c.name
            )));
        }
    }
    Ok(names
        .iter()
        .filter(|n| !disabled.contains(*n))
        .filter_map(|n| components.get(n.as_str()).copied())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn recipe(components: &[(&str, &[&str])], order: &[&str]) -> RecipeResult {
        let refs: Vec<_> = components
            .iter()
            .map(|(name, deps)| json!({"name": name, "dependencyRefs": deps}))
            .collect();
        serde_json::from_value(json!({
            "apiVersion": crate::API_VERSION,
            "kind": "RecipeResult",
            "metadata": {
                "version": "0",
                "appliedOverlays": [],
                "excludedOverlays": [],
                "constraintWarnings": []
            },
            "criteria": {},
            "constraints": [],
            "componentRefs": refs,
            "deploymentOrder": order,
            "validation": {}
        }))
        .unwrap()
    }

    fn names(r: &RecipeResult, disabled: &[&str]) -> Result<Vec<String>, String> {
        let disabled = disabled.iter().map(|d| (*d).to_owned()).collect();
        order(r, &disabled)
            .map(|cs| cs.iter().map(|c| c.name.clone()).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn orders_are_checked_against_the_dependencies() {
        let graph: &[(&str, &[&str])] = &[("app", &["db", "crd"]), ("crd", &[]), ("db", &[])];
        let ok = recipe(graph, &["db", "crd", "app"]);
        assert_eq!(
            names(&ok, &[]).unwrap(),
            ["db", "crd", "app"],
            "the recipe's order"
        );
        assert_eq!(
            names(&recipe(graph, &[]), &[]).unwrap(),
            ["crd", "db", "app"],
            "no order: the engine's"
        );
        let cases: &[(&[&str], &str)] = &[
            (
                &["app", "db", "crd"],
                "recipe: deploymentOrder puts app before db, which it depends on",
            ),
            (
                &["db", "crd"],
                "recipe: component app is missing from deploymentOrder; hint: list every component there, after its dependencies",
            ),
            (
                &["db", "crd", "app", "ghost"],
                "recipe: deploymentOrder names \"ghost\", which componentRefs lacks",
            ),
            (
                &["db", "crd", "app", "db"],
                "recipe: deploymentOrder lists db twice",
            ),
        ];
        for (order, want) in cases {
            assert_eq!(names(&recipe(graph, order), &[]).unwrap_err(), *want);
        }
    }

    #[test]
    fn duplicates_dangling_edges_and_cycles_are_refused() {
        let twice = recipe(&[("a", &[]), ("a", &[])], &["a", "a"]);
        assert_eq!(
            names(&twice, &[]).unwrap_err(),
            "recipe: component a is listed twice in componentRefs"
        );
        let dangling = recipe(&[("a", &["zzz"])], &["a"]);
        assert_eq!(
            names(&dangling, &[]).unwrap_err(),
            "recipe: component a depends on \"zzz\", which the recipe does not include"
        );
        let cycle = recipe(&[("x", &["y"]), ("y", &["x"])], &[]);
        assert_eq!(
            names(&cycle, &[]).unwrap_err(),
            "recipe: dependency cycle among x, y"
        );
        let cycle_ordered = recipe(&[("x", &["y"]), ("y", &["x"])], &["x", "y"]);
        assert!(names(&cycle_ordered, &[]).unwrap_err().contains("before"));
    }

    #[test]
    fn disabling_a_dependency_needs_its_dependents_disabled_too() {
        let graph: &[(&str, &[&str])] = &[("app", &["db"]), ("db", &[]), ("x", &[])];
        let r = recipe(graph, &["db", "app", "x"]);
        assert_eq!(
            names(&r, &["db"]).unwrap_err(),
            "--set db:enabled=false leaves app without db, which it depends on; hint: \
             disable app as well or keep db"
        );
        assert_eq!(names(&r, &["db", "app"]).unwrap(), ["x"]);
        assert_eq!(names(&r, &["app"]).unwrap(), ["db", "x"]);
    }
}
