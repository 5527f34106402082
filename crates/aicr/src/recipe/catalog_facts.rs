// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The embedded catalog against its facts: every overlay's own Kubernetes constraint and
//! dependency declarations, and the recipe each overlay's criteria make (no dangling
//! dependency, a valid order with the alphabetical tie-break, the most specific
//! overlay's constraint).

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::{BASE, Catalog, Spec};
use crate::criteria::Criteria;
use crate::recipe::{read, recipe};

const K8S: &str = "K8s.server.version";

/// `K8s.server.version` as each overlay states it (`None`: it states none).
fn stated_kubernetes(overlay: &str) -> Option<&'static str> {
    let shapes = [
        "training",
        "inference",
        "ubuntu-training",
        "ubuntu-inference",
        "ubuntu-training-kubeflow",
    ];
    let in_shapes = |prefix: &str| shapes.iter().any(|s| overlay == format!("{prefix}-{s}"));
    Some(match overlay {
        "base" | "kind" => ">= 1.25",
        "eks" | "gke-cos" => ">= 1.28",
        "aks" => ">= 1.34",
        "eks-training" | "eks-inference" | "aks-training" | "aks-inference"
        | "gke-cos-training" | "gke-cos-inference" | "kind-inference" => ">= 1.30",
        "h100-gke-cos-training" | "h100-gke-cos-inference" | "h100-gke-cos-training-kubeflow" => {
            ">= 1.32"
        }
        "h100-kind-training" => ">= 1.34",
        o if o.ends_with("-dynamo") => ">= 1.34",
        _ if in_shapes("h100-eks") || in_shapes("gb200-eks") || in_shapes("h100-aks") => {
            ">= 1.32.4"
        }
        _ => return None,
    })
}

/// The dependencies an overlay declares for a component (`None`: it declares none).
fn declared_dependencies(overlay: &str, component: &str) -> Option<Vec<&'static str>> {
    let gpu_operator_overlays = ["h100-aks-", "h100-eks-", "gb200-eks-", "h100-gke-cos-"];
    let list: &[&str] = match component {
        "gpu-operator"
            if overlay == "base"
                || gpu_operator_overlays.iter().any(|p| overlay.starts_with(p)) =>
        {
            &["cert-manager", "kube-prometheus-stack"]
        }
        "nvsentinel" if overlay == "base" => &["cert-manager", "gpu-operator"],
        "k8s-ephemeral-storage-metrics" if overlay == "base" => &["kube-prometheus-stack"],
        "nvidia-dra-driver-gpu" | "kai-scheduler" if overlay == "base" => &["gpu-operator"],
        "prometheus-adapter" if overlay == "monitoring-hpa" => &["kube-prometheus-stack"],
        "network-operator" if overlay == "aks" || overlay == "kind" => &["cert-manager"],
        "kgateway"
            if ["eks", "aks", "gke-cos", "kind"]
                .iter()
                .any(|s| overlay == format!("{s}-inference")) =>
        {
            &["kgateway-crds", "cert-manager"]
        }
        "kubeflow-trainer" if overlay.ends_with("-kubeflow") => {
            &["cert-manager", "kube-prometheus-stack", "gpu-operator"]
        }
        "dynamo-platform"
            if overlay == "h100-aks-ubuntu-inference-dynamo"
                || overlay == "h100-kind-inference-dynamo" =>
        {
            &[
                "dynamo-crds",
                "cert-manager",
                "kube-prometheus-stack",
                "kai-scheduler",
            ]
        }
        "dynamo-platform" if overlay.ends_with("-dynamo") => &[
            "dynamo-crds",
            "cert-manager",
            "kube-prometheus-stack",
            "gpu-operator",
            "kai-scheduler",
        ],
        _ => return None,
    };
    Some(list.to_vec())
}

fn own_kubernetes(spec: &Spec) -> Option<&str> {
    spec.constraints
        .iter()
        .find(|c| c.name == K8S)
        .map(|c| c.value.as_str())
}

#[test]
fn every_overlay_states_the_kubernetes_version_of_the_table() {
    let catalog = Catalog::embedded().unwrap();
    assert_eq!(catalog.overlays.len(), 38);
    for (name, spec) in &catalog.overlays {
        assert_eq!(own_kubernetes(spec), stated_kubernetes(name), "{name}");
    }
}

#[test]
fn every_overlay_declares_the_dependencies_of_the_table() {
    let catalog = Catalog::embedded().unwrap();
    let mut declarations = 0;
    for (name, spec) in &catalog.overlays {
        for c in &spec.component_refs {
            let declared: Option<Vec<&str>> = c
                .dependency_refs
                .as_ref()
                .map(|d| d.iter().map(String::as_str).collect());
            assert_eq!(
                declared,
                declared_dependencies(name, &c.name),
                "{name} / {}",
                c.name
            );
            declarations += usize::from(declared.is_some());
        }
        // and nothing the table declares here is missing
        for component in catalog.components.keys() {
            if declared_dependencies(name, component).is_some() {
                assert!(
                    spec.component_refs.iter().any(|c| &c.name == component),
                    "{name} declares no dependencies for {component}"
                );
            }
        }
    }
    // base 5, monitoring-hpa 1, aks and kind 2, the 4 intent overlays that add
    // kgateway, 4 kubeflow and 5 dynamo overlays, and gpu-operator in the 22
    // accelerator overlays of h100-aks, h100-eks, gb200-eks and h100-gke-cos.
    assert_eq!(declarations, 5 + 1 + 2 + 4 + 4 + 5 + 22);
}

#[test]
fn every_overlay_makes_a_recipe_with_a_valid_order_and_the_most_specific_constraint() {
    let catalog = Catalog::embedded().unwrap();
    for (name, spec) in &catalog.overlays {
        let r = recipe(&catalog, &spec.criteria).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(r.metadata.applied_overlays.contains(name), "{name}");
        let deps: BTreeMap<&str, Vec<&str>> = r
            .component_refs
            .iter()
            .map(|c| {
                let d = c.dependency_refs.iter().flatten().map(String::as_str);
                (c.name.as_str(), d.collect())
            })
            .collect();
        let order: Vec<&str> = r.deployment_order.iter().map(String::as_str).collect();
        assert_eq!(
            order.iter().copied().collect::<BTreeSet<_>>(),
            deps.keys().copied().collect::<BTreeSet<_>>(),
            "{name}: the order lists every component"
        );
        assert_eq!(order.len(), deps.len(), "{name}: each once");
        for (i, component) in order.iter().enumerate() {
            let placed = &order[..i];
            for dep in &deps[component] {
                assert!(
                    deps.contains_key(dep),
                    "{name}: {component} -> {dep} dangles"
                );
                assert!(placed.contains(dep), "{name}: {component} before {dep}");
            }
            let first_ready = deps
                .iter()
                .filter(|(c, d)| !placed.contains(c) && d.iter().all(|x| placed.contains(x)))
                .map(|(c, _)| *c)
                .min();
            assert_eq!(
                first_ready,
                Some(*component),
                "{name}: alphabetical tie-break"
            );
        }
        // the value of the most specific overlay that states one: this one, or the
        // nearest ancestor, or base
        let mut chain = catalog.chain(name).unwrap();
        chain.push(BASE.into());
        let expected = chain
            .iter()
            .find_map(|o| own_kubernetes(&catalog.overlays[o]));
        let actual = r
            .constraints
            .iter()
            .find(|c| c.name == K8S)
            .map(|c| c.value.as_str());
        assert_eq!(actual, expected, "{name}");
        assert!(actual.is_some(), "{name}: every recipe has one");
        let text = serde_norway::to_string(&r).unwrap();
        assert_eq!(read(&text).unwrap().recipe, r, "{name}: reads back");
    }
}

#[test]
fn an_overlay_that_redeclares_a_component_replaces_its_dependencies() {
    let catalog = Catalog::embedded().unwrap();
    let q = |service: &str| Criteria {
        service: service.into(),
        accelerator: "h100".into(),
        intent: "inference".into(),
        os: if service == "kind" { "any" } else { "ubuntu" }.into(),
        platform: "dynamo".into(),
        nodes: None,
    };
    let deps = |service: &str| {
        let r = recipe(&catalog, &q(service)).unwrap();
        r.component_refs
            .into_iter()
            .find(|c| c.name == "dynamo-platform")
            .and_then(|c| c.dependency_refs)
            .unwrap()
    };
    assert!(deps("eks").contains(&"gpu-operator".to_owned()));
    assert!(!deps("aks").contains(&"gpu-operator".to_owned()));
    assert!(!deps("kind").contains(&"gpu-operator".to_owned()));
}
