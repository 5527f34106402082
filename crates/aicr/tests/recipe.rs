// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `aicr recipe` and `aicr query` through the real binary: golden recipes for the
//! documented criteria, exit codes, criteria files and selectors.
//!
//! Goldens live in `tests/golden/`; `AICR_UPDATE_GOLDEN=1 cargo test -p aicr` rewrites
//! them (then review the diff). The binary's version is filtered out.

mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use support::{aicr, workdir};

fn golden(name: &str, args: &[&str]) -> serde_json::Value {
    let out = aicr(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    value["metadata"]["version"] = "VERSION".into();
    let text = serde_json::to_string_pretty(&value).unwrap() + "\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.json"));
    if std::env::var_os("AICR_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; hint: AICR_UPDATE_GOLDEN=1", path.display()));
    assert_eq!(text, expected, "{name} differs from its golden file");
    value
}

fn overlays(value: &serde_json::Value) -> Vec<&str> {
    value["metadata"]["appliedOverlays"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

/// The dependency table: each component and the ones it is deployed after. The
/// h100-aks and h100-kind dynamo overlays leave gpu-operator out of dynamo-platform's.
const EDGES: &[(&str, &[&str])] = &[
    ("gpu-operator", &["cert-manager", "kube-prometheus-stack"]),
    ("nvsentinel", &["cert-manager", "gpu-operator"]),
    ("k8s-ephemeral-storage-metrics", &["kube-prometheus-stack"]),
    ("nvidia-dra-driver-gpu", &["gpu-operator"]),
    ("kai-scheduler", &["gpu-operator"]),
    ("prometheus-adapter", &["kube-prometheus-stack"]),
    ("network-operator", &["cert-manager"]),
    ("kgateway", &["kgateway-crds", "cert-manager"]),
    (
        "kubeflow-trainer",
        &["cert-manager", "kube-prometheus-stack", "gpu-operator"],
    ),
    (
        "dynamo-platform",
        &[
            "dynamo-crds",
            "cert-manager",
            "kube-prometheus-stack",
            "gpu-operator",
            "kai-scheduler",
        ],
    ),
];

fn strings(value: &serde_json::Value) -> Vec<&str> {
    value
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap()).collect())
        .unwrap_or_default()
}

/// Asserts that the recipe declares exactly the table's edges for its components, that
/// its order puts every component after each one it depends on, and that its
/// `K8s.server.version` is `kubernetes`.
fn assert_table(r: &serde_json::Value, kubernetes: &str) {
    let order = strings(&r["deploymentOrder"]);
    let at = |n: &str| {
        order
            .iter()
            .position(|x| *x == n)
            .unwrap_or_else(|| panic!("{n} is not in the order {order:?}"))
    };
    let without_gpu_operator = overlays(r)
        .iter()
        .any(|o| *o == "h100-aks-ubuntu-inference-dynamo" || *o == "h100-kind-inference-dynamo");
    let components = r["componentRefs"].as_array().unwrap();
    assert_eq!(components.len(), order.len());
    for c in components {
        let name = c["name"].as_str().unwrap();
        let mut expected: Vec<&str> = EDGES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, d)| d.to_vec())
            .unwrap_or_default();
        if name == "dynamo-platform" && without_gpu_operator {
            expected.retain(|d| *d != "gpu-operator");
        }
        assert_eq!(strings(&c["dependencyRefs"]), expected, "{name}'s edges");
        for dep in expected {
            assert!(at(dep) < at(name), "{dep} is deployed before {name}");
        }
    }
    let k8s: Vec<&str> = r["constraints"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"] == "K8s.server.version")
        .map(|c| c["value"].as_str().unwrap())
        .collect();
    assert_eq!(k8s, [kubernetes]);
}

#[test]
fn eks_h100_training_ubuntu() {
    let r = golden(
        "eks-h100-training-ubuntu",
        &[
            "recipe",
            "--service",
            "eks",
            "--accelerator",
            "h100",
            "--intent",
            "training",
            "--os",
            "ubuntu",
            "-t",
            "json",
        ],
    );
    assert_eq!(
        overlays(&r),
        [
            "base",
            "monitoring-hpa",
            "eks",
            "eks-training",
            "h100-eks-training",
            "h100-eks-ubuntu-training"
        ]
    );
    let order: Vec<&str> = r["deploymentOrder"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let at = |n: &str| order.iter().position(|x| *x == n).unwrap();
    assert!(at("cert-manager") < at("gpu-operator"));
    let gpu = r["componentRefs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "gpu-operator")
        .unwrap();
    assert_eq!(gpu["version"], "v25.10.1");
    let constraints: Vec<&str> = r["constraints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        constraints.contains(&"OS.release.VERSION_ID")
            && constraints.contains(&"OS.sysctl./proc/sys/kernel/osrelease")
    );
    assert_table(&r, ">= 1.32.4");
}

#[test]
fn gke_h100_inference_cos() {
    let r = golden(
        "gke-h100-inference-cos",
        &[
            "recipe",
            "--service",
            "gke",
            "--gpu",
            "h100",
            "--intent",
            "inference",
            "--os",
            "cos",
            "-t",
            "json",
        ],
    );
    assert_eq!(
        overlays(&r),
        [
            "base",
            "monitoring-hpa",
            "gke-cos",
            "gke-cos-inference",
            "h100-gke-cos-inference"
        ]
    );
    let names: Vec<&str> = r["componentRefs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"kgateway") && names.contains(&"kgateway-crds"));
    assert_table(&r, ">= 1.32");
}

#[test]
fn kind() {
    let r = golden("kind", &["recipe", "--service", "kind", "-t", "json"]);
    assert_eq!(overlays(&r), ["base", "monitoring-hpa", "kind"]);
    assert_table(&r, ">= 1.25");
}

#[test]
fn aks_h100_training_ubuntu_kubeflow() {
    let r = golden(
        "aks-h100-training-ubuntu-kubeflow",
        &[
            "recipe",
            "--service",
            "aks",
            "--gpu",
            "h100",
            "--intent",
            "training",
            "--os",
            "ubuntu",
            "--platform",
            "kubeflow",
            "-t",
            "json",
        ],
    );
    assert_eq!(
        overlays(&r),
        [
            "base",
            "monitoring-hpa",
            "aks",
            "aks-training",
            "h100-aks-training",
            "h100-aks-ubuntu-training",
            "h100-aks-ubuntu-training-kubeflow"
        ]
    );
    assert_eq!(
        r["validation"]["performance"]["constraints"][0]["value"],
        ">= 100"
    );
    assert_table(&r, ">= 1.32.4");
}

#[test]
fn eks_h100_inference_ubuntu_dynamo() {
    let r = golden(
        "eks-h100-inference-ubuntu-dynamo",
        &[
            "recipe",
            "--service",
            "eks",
            "--gpu",
            "h100",
            "--intent",
            "inference",
            "--os",
            "ubuntu",
            "--platform",
            "dynamo",
            "-t",
            "json",
        ],
    );
    assert_eq!(
        overlays(&r),
        [
            "base",
            "monitoring-hpa",
            "eks",
            "eks-inference",
            "h100-eks-inference",
            "h100-eks-ubuntu-inference",
            "h100-eks-ubuntu-inference-dynamo"
        ]
    );
    assert_table(&r, ">= 1.34");
}

#[test]
fn every_dynamo_and_kubeflow_shape_keeps_the_edges_and_the_constraint_of_the_table() {
    let shapes: &[(&[&str], &str)] = &[
        (&["eks", "h100", "inference", "ubuntu", "dynamo"], ">= 1.34"),
        (
            &["eks", "gb200", "inference", "ubuntu", "dynamo"],
            ">= 1.34",
        ),
        (&["aks", "h100", "inference", "ubuntu", "dynamo"], ">= 1.34"),
        (&["gke", "h100", "inference", "cos", "dynamo"], ">= 1.34"),
        (&["kind", "h100", "inference", "any", "dynamo"], ">= 1.34"),
        (
            &["eks", "h100", "training", "ubuntu", "kubeflow"],
            ">= 1.32.4",
        ),
        (
            &["eks", "gb200", "training", "ubuntu", "kubeflow"],
            ">= 1.32.4",
        ),
        (
            &["aks", "h100", "training", "ubuntu", "kubeflow"],
            ">= 1.32.4",
        ),
        (&["gke", "h100", "training", "cos", "kubeflow"], ">= 1.32"),
        (&["aks", "h100", "inference", "any", "any"], ">= 1.32.4"),
        (&["aks", "any", "training", "any", "any"], ">= 1.30"),
        (&["kind", "h100", "inference", "any", "any"], ">= 1.30"),
        (&["kind", "h100", "training", "any", "any"], ">= 1.34"),
    ];
    for (criteria, kubernetes) in shapes {
        let [service, gpu, intent, os, platform] = criteria else {
            unreachable!()
        };
        let out = aicr(&[
            "recipe",
            "--service",
            service,
            "--gpu",
            gpu,
            "--intent",
            intent,
            "--os",
            os,
            "--platform",
            platform,
            "-t",
            "json",
        ]);
        assert!(out.status.success(), "{criteria:?}");
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let platform_component = match *platform {
            "dynamo" => Some("dynamo-platform"),
            "kubeflow" => Some("kubeflow-trainer"),
            _ => None,
        };
        if let Some(component) = platform_component {
            assert!(
                strings(&r["deploymentOrder"]).contains(&component),
                "{criteria:?} deploys {component}"
            );
        }
        assert_table(&r, kubernetes);
    }
}

#[test]
fn any() {
    let r = golden("any", &["recipe", "-t", "json"]);
    assert_eq!(overlays(&r), ["base", "monitoring-hpa"]);
    assert_table(&r, ">= 1.25");
}

#[test]
fn unknown_criteria_exit_2_with_the_allowed_values() {
    let out = aicr(&["recipe", "--accelerator", "v100"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "error: invalid accelerator 'v100'; allowed: a100, b200, gb200, h100, l40, any"
    );
}

#[test]
fn criteria_files_and_flag_overrides() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aicr"))
        .args(["recipe", "-c", "-", "--intent", "training", "-t", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"kind: RecipeCriteria\napiVersion: aicr.nvidia.com/v1alpha1\nspec:\n  service: EKS\n  accelerator: h100\n  intent: inference\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["criteria"]["service"], "eks");
    assert_eq!(
        r["criteria"]["intent"], "training",
        "flags override the file"
    );

    let dir = workdir("criteria-files");
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "kind: Snapshot\n").unwrap();
    let out = aicr(&["recipe", "-c", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected RecipeCriteria"));
}

#[test]
fn query_selects_values_and_names_the_available_keys() {
    let out = aicr(&[
        "query",
        "--service",
        "eks",
        "--gpu",
        "h100",
        "--intent",
        "training",
        "--selector",
        "components.gpu-operator.values.driver.version",
    ]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "580.105.08");
    let out = aicr(&["query", "--selector", "components.missing"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("available keys: cert-manager, gpu-operator")
    );
}

#[test]
fn yaml_output_to_a_file() {
    let dir = workdir("yaml-output");
    let path = dir.join("recipe.yaml");
    let out = aicr(&["recipe", "--service", "kind", "-o", path.to_str().unwrap()]);
    assert!(out.status.success());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("apiVersion: aicr.nvidia.com/v1alpha1\nkind: RecipeResult\n"),
        "{text}"
    );
}

#[test]
fn an_external_catalog_adds_and_replaces() {
    let root = workdir("external-catalog");
    let dir = root.join("data");
    std::fs::create_dir_all(dir.join("overlays")).unwrap();
    std::fs::write(
        dir.join("registry.yaml"),
        "components:\n  - name: my-operator\n    source: https://charts.example.com\n    chart: my-operator\n    version: \"1.0.0\"\n    namespace: mine\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("overlays/custom.yaml"),
        "kind: RecipeMetadata\napiVersion: aicr.nvidia.com/v1alpha1\nmetadata:\n  name: custom\nspec:\n  base: eks\n  criteria:\n    service: eks\n    intent: training\n  componentRefs:\n    - name: my-operator\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("overlays/eks.yaml"),
        "kind: RecipeMetadata\napiVersion: aicr.nvidia.com/v1alpha1\nmetadata:\n  name: eks\nspec:\n  criteria:\n    service: eks\n  constraints:\n    - name: K8s.server.version\n      value: \">= 1.99\"\n",
    )
    .unwrap();
    let out = aicr(&[
        "recipe",
        "--service",
        "eks",
        "--intent",
        "training",
        "--data",
        dir.to_str().unwrap(),
        "-t",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(overlays(&r).contains(&"custom"));
    assert!(
        r["componentRefs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "my-operator" && c["namespace"] == "mine")
    );
    assert_eq!(
        r["constraints"][0]["value"], ">= 1.30",
        "eks-training still applies its own"
    );
    let eks_only = aicr(&[
        "query",
        "--service",
        "eks",
        "--data",
        dir.to_str().unwrap(),
        "--selector",
        "constraints.0.value",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&eks_only.stdout).trim(),
        ">= 1.99",
        "the replaced eks overlay"
    );

    std::os::unix::fs::symlink(
        dir.join("overlays/eks.yaml"),
        dir.join("overlays/link.yaml"),
    )
    .unwrap();
    let out = aicr(&["recipe", "--data", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is a symbolic link"));
    let out = aicr(&["recipe", "--data", dir.join("overlays").to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds no registry.yaml"));
}

#[test]
fn criteria_from_a_snapshot_exclude_overlays_it_fails() {
    let dir = workdir("snapshot-criteria");
    let path = dir.join("snapshot.yaml");
    std::fs::write(
        &path,
        "apiVersion: aicr.nvidia.com/v1alpha1\nkind: Snapshot\nmetadata:\n  timestamp: t\n  version: v\n  source-node: n\nmeasurements:\n- type: OS\n  subtypes:\n  - subtype: release\n    data:\n      ID: ubuntu\n      VERSION_ID: '22.04'\n- type: GPU\n  subtypes:\n  - subtype: smi\n    data:\n      gpu-count: '8'\n      model: NVIDIA H100 80GB HBM3\n",
    )
    .unwrap();
    let out = aicr(&[
        "recipe",
        "-s",
        path.to_str().unwrap(),
        "--service",
        "eks",
        "--intent",
        "training",
        "-t",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (
            r["criteria"]["os"].as_str(),
            r["criteria"]["accelerator"].as_str()
        ),
        (Some("ubuntu"), Some("h100"))
    );
    assert_eq!(
        r["metadata"]["excludedOverlays"],
        serde_json::json!(["h100-eks-ubuntu-training"])
    );
    assert_eq!(
        r["metadata"]["constraintWarnings"][0],
        "OS.release.VERSION_ID: 22.04 does not satisfy 24.04"
    );
    assert!(
        overlays(&r).contains(&"h100-eks-training")
            && !overlays(&r).contains(&"h100-eks-ubuntu-training")
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning: OS.release.VERSION_ID"));
}

/// The RecipeResult with every field the original leaves out when empty left out.
const MINIMAL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/recipe-result-minimal.yaml"
);

#[test]
fn a_recipe_without_the_optional_fields_loads_in_bundle_and_validate() {
    let dir = workdir("minimal-recipe");
    let bundle = dir.join("bundle");
    let out = aicr(&["bundle", "-r", MINIMAL, "-o", bundle.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deploy = std::fs::read_to_string(bundle.join("deploy.sh")).unwrap();
    let cert_manager = deploy.find("'--' 'cert-manager'").unwrap();
    let gpu_operator = deploy.find("'--' 'gpu-operator'").unwrap();
    assert!(cert_manager < gpu_operator, "{deploy}");

    let snapshot = dir.join("snapshot.yaml");
    std::fs::write(
        &snapshot,
        "apiVersion: aicr.nvidia.com/v1alpha1\nkind: Snapshot\nmetadata: {timestamp: t, version: v, source-node: n}\nmeasurements: []\n",
    )
    .unwrap();
    let out = aicr(&[
        "validate",
        "-r",
        MINIMAL,
        "-s",
        snapshot.to_str().unwrap(),
        "--no-cluster",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["reportFormat"], "CTRF");
}

#[test]
fn unknown_recipe_fields_are_ignored_with_a_warning_and_bad_ones_refused() {
    let dir = workdir("recipe-fields");
    let text = std::fs::read_to_string(MINIMAL).unwrap().replace(
        "  - name: gpu-operator\n",
        "  - name: gpu-operator\n    cleanup: true\n",
    ) + "generatedBy: elsewhere\n";
    let recipe = dir.join("recipe.yaml");
    std::fs::write(&recipe, text).unwrap();
    let out = aicr(&[
        "bundle",
        "-r",
        recipe.to_str().unwrap(),
        "-o",
        dir.join("bundle").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let path = recipe.display();
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.starts_with("warning"))
            .collect::<Vec<_>>(),
        [
            format!("warning: {path}: ignoring unknown field generatedBy"),
            format!("warning: {path}: ignoring unknown field componentRefs[1].cleanup"),
        ]
    );

    let bad = dir.join("bad.yaml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(MINIMAL)
            .unwrap()
            .replace("  - name: cert-manager\n", "  - type: Helm\n"),
    )
    .unwrap();
    let never = dir.join("never");
    for command in ["bundle", "validate"] {
        let mut args = vec![command, "-r", bad.to_str().unwrap()];
        if command == "bundle" {
            args.extend(["-o", never.to_str().unwrap()]);
        } else {
            args.extend(["-s", MINIMAL]);
        }
        let out = aicr(&args);
        assert_eq!(out.status.code(), Some(2), "{command}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr).trim(),
            format!(
                "error: {} is not a RecipeResult: componentRefs[0]: missing field `name`",
                bad.display()
            ),
            "{command}"
        );
    }
    assert!(!never.exists(), "no half-written bundle");
}
