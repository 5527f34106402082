// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The checks that read the Kubernetes API. The validators gather [`Facts`] from the
//! cluster (only what [`Needs::of`] the check asks for) and these functions decide;
//! nothing here talks to a cluster, so every decision is tested on typed inputs.

use std::collections::{BTreeMap, BTreeSet};

use super::{Status, Verdict};
use crate::recipe::RecipeResult;

/// The GPU resource the device plugin advertises.
pub const GPU_RESOURCE: &str = "nvidia.com/gpu";

/// What a check reads from the API.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    /// Served API groups with their versions and kinds (discovery).
    pub discovery: bool,
    pub nodes: bool,
    /// Pods of every namespace.
    pub pods: bool,
    /// Deployments, DaemonSets and StatefulSets of every namespace.
    pub workloads: bool,
    /// `apiregistration.k8s.io` APIServices.
    pub api_services: bool,
    /// The GPU operator's `ClusterPolicy` (`nvidia.com/v1`).
    pub cluster_policy: bool,
    /// `resource.k8s.io` DeviceClasses.
    pub device_classes: bool,
    /// The `kube-system/cluster-autoscaler-status` ConfigMap.
    pub autoscaler_status: bool,
}

impl Needs {
    /// What `check` reads; `None` when it is not a cluster check.
    pub fn of(check: &str) -> Option<Needs> {
        let none = Needs::default();
        Some(match check {
            "operator-health" | "accelerator-metrics" | "secure-accelerator-access" => {
                Needs { pods: true, ..none }
            }
            "expected-resources" => Needs {
                workloads: true,
                nodes: true,
                ..none
            },
            "gpu-operator-health" => Needs {
                cluster_policy: true,
                ..none
            },
            "platform-health" => Needs {
                nodes: true,
                pods: true,
                ..none
            },
            "dra-support" => Needs {
                discovery: true,
                device_classes: true,
                ..none
            },
            "ai-service-metrics" => Needs {
                api_services: true,
                ..none
            },
            "pod-autoscaling" => Needs {
                discovery: true,
                api_services: true,
                ..none
            },
            "cluster-autoscaling" => Needs {
                discovery: true,
                workloads: true,
                autoscaler_status: true,
                ..none
            },
            "gang-scheduling" | "inference-gateway" | "robust-controller" => Needs {
                discovery: true,
                ..none
            },
            _ => return None,
        })
    }
}

/// One RBAC rule a check's reads need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rule {
    pub group: &'static str,
    pub resource: &'static str,
    pub verb: &'static str,
    /// Restricts the rule to one object, when set.
    pub name: Option<&'static str>,
}

impl Needs {
    /// The RBAC rules the reads need. Discovery and the server version are open to
    /// every authenticated user (`system:discovery`), so they need none.
    pub fn rules(&self) -> Vec<Rule> {
        let list = |group, resource| Rule {
            group,
            resource,
            verb: "list",
            name: None,
        };
        let mut rules = Vec::new();
        if self.nodes {
            rules.push(list("", "nodes"));
        }
        if self.pods {
            rules.push(list("", "pods"));
        }
        if self.workloads {
            rules.extend(["deployments", "daemonsets", "statefulsets"].map(|r| list("apps", r)));
        }
        if self.api_services {
            rules.push(list("apiregistration.k8s.io", "apiservices"));
        }
        if self.cluster_policy {
            rules.push(list("nvidia.com", "clusterpolicies"));
        }
        if self.device_classes {
            rules.push(list("resource.k8s.io", "deviceclasses"));
        }
        if self.autoscaler_status {
            rules.push(Rule {
                group: "",
                resource: "configmaps",
                verb: "get",
                name: Some("cluster-autoscaler-status"),
            });
        }
        rules
    }
}

/// The ClusterRole that lets a validator's service account run `checks`: every rule
/// their reads need, once.
pub fn cluster_role(name: &str, checks: &[&str]) -> serde_json::Value {
    let mut rules: Vec<Rule> = checks
        .iter()
        .filter_map(|c| Needs::of(c))
        .flat_map(|n| n.rules())
        .collect();
    rules.sort();
    rules.dedup();
    let rules: Vec<serde_json::Value> = rules
        .iter()
        .map(|r| {
            let mut rule = serde_json::json!({
                "apiGroups": [r.group],
                "resources": [r.resource],
                "verbs": [r.verb],
            });
            if let Some(name) = r.name {
                rule["resourceNames"] = serde_json::json!([name]);
            }
            rule
        })
        .collect();
    serde_json::json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": { "name": name },
        "rules": rules,
    })
}

/// A served API group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    pub versions: Vec<String>,
    pub kinds: BTreeSet<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    /// The `Ready` condition is `True`.
    pub ready: bool,
    /// Allocatable `nvidia.com/gpu`.
    pub gpus: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pod {
    pub namespace: String,
    pub name: String,
    /// `status.phase`: Pending, Running, Succeeded, Failed, Unknown.
    pub phase: String,
    /// The `Ready` condition is `True`.
    pub ready: bool,
    pub labels: BTreeMap<String, String>,
    /// hostPath volumes that reach GPU devices (`/dev`, `/dev/nvidia*`).
    pub device_host_paths: Vec<String>,
    /// A container requests an `nvidia.com/` resource, or the pod has resource claims.
    pub requests_accelerator: bool,
    /// The first `NVIDIA_VISIBLE_DEVICES` a container sets.
    pub visible_devices: Option<String>,
}

impl Pod {
    /// Running and ready, or completed.
    pub fn healthy(&self) -> bool {
        self.phase == "Succeeded" || (self.phase == "Running" && self.ready)
    }

    fn state(&self) -> String {
        if self.phase == "Running" {
            format!("{}/{} (Running, not ready)", self.namespace, self.name)
        } else {
            format!("{}/{} ({})", self.namespace, self.name, self.phase)
        }
    }
}

/// A Deployment, DaemonSet or StatefulSet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Workload {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// The Helm release that installed it (`meta.helm.sh/release-name`).
    pub release: Option<String>,
    /// The chart version of its `helm.sh/chart` label, else `app.kubernetes.io/version`.
    pub version: Option<String>,
    pub desired: i64,
    pub ready: i64,
}

impl Workload {
    pub fn available(&self) -> bool {
        self.ready >= self.desired
    }
}

/// The version part of a `helm.sh/chart` label (`<chart>-<version>`; both may hold
/// dashes): what follows the first dash that a digit, or a `v` and a digit, follows.
pub fn chart_version(label: &str) -> Option<&str> {
    label
        .match_indices('-')
        .map(|(i, _)| &label[i + 1..])
        .find(|rest| {
            let digits = rest.strip_prefix('v').unwrap_or(rest);
            digits.starts_with(|c: char| c.is_ascii_digit())
        })
}

/// The version a component's Helm release deployed: that of its workloads in its
/// namespace (the first one that tells).
pub fn release_version<'a>(
    recipe: Option<&RecipeResult>,
    workloads: &'a [Workload],
    component: &str,
) -> Option<&'a str> {
    let namespace = namespace_of(recipe, component, component);
    workloads
        .iter()
        .filter(|w| w.namespace == namespace && w.release.as_deref() == Some(component))
        .find_map(|w| w.version.as_deref())
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiService {
    /// `v1beta1.metrics.k8s.io` and the like.
    pub name: String,
    /// The `Available` condition is `True`.
    pub available: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterPolicy {
    pub name: String,
    /// `status.state`: `ready`, `notReady`, `ignored`, or empty.
    pub state: String,
}

/// What the validators read from the cluster; only the parts a check [`Needs`] are
/// filled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub groups: BTreeMap<String, Group>,
    pub nodes: Vec<Node>,
    pub pods: Vec<Pod>,
    pub workloads: Vec<Workload>,
    pub api_services: Vec<ApiService>,
    pub cluster_policy: Option<ClusterPolicy>,
    pub device_classes: Vec<String>,
    pub autoscaler_status: bool,
}

impl Facts {
    fn serves(&self, group: &str, kind: &str) -> bool {
        self.groups
            .get(group)
            .is_some_and(|g| g.kinds.contains(kind))
    }

    fn api_service(&self, name: &str) -> Option<bool> {
        self.api_services
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.available)
    }
}

/// Runs cluster check `check` on `facts`.
pub fn run(check: &str, recipe: Option<&RecipeResult>, facts: &Facts) -> Verdict {
    match check {
        "operator-health" => operator_health(recipe, &facts.pods),
        "expected-resources" => expected_resources(recipe, &facts.workloads, &facts.nodes),
        "gpu-operator-health" => gpu_operator_health(facts.cluster_policy.as_ref()),
        "platform-health" => platform_health(&facts.nodes, &facts.pods),
        "dra-support" => dra_support(facts),
        "accelerator-metrics" => accelerator_metrics(&facts.pods),
        "ai-service-metrics" => ai_service_metrics(facts),
        "pod-autoscaling" => pod_autoscaling(facts),
        "cluster-autoscaling" => cluster_autoscaling(facts),
        "gang-scheduling" => any_kind(
            facts,
            "gang scheduler",
            &[
                ("scheduling.run.ai", "PodGroup", "KAI scheduler"),
                ("scheduling.x-k8s.io", "PodGroup", "coscheduling"),
                ("scheduling.volcano.sh", "PodGroup", "Volcano"),
                ("kueue.x-k8s.io", "Workload", "Kueue"),
            ],
        ),
        "robust-controller" => any_kind(
            facts,
            "AI workload operator",
            &[
                ("trainer.kubeflow.org", "TrainJob", "Kubeflow Trainer"),
                ("kubeflow.org", "PyTorchJob", "Kubeflow Training Operator"),
                ("nvidia.com", "DynamoGraphDeployment", "Dynamo"),
                ("ray.io", "RayJob", "KubeRay"),
                ("jobset.x-k8s.io", "JobSet", "JobSet"),
                (
                    "leaderworkerset.x-k8s.io",
                    "LeaderWorkerSet",
                    "LeaderWorkerSet",
                ),
            ],
        ),
        "inference-gateway" => inference_gateway(facts),
        "secure-accelerator-access" => secure_accelerator_access(recipe, &facts.pods),
        other => (Status::Skipped, format!("{other} is not a cluster check")),
    }
}

/// The states of the pods that are not healthy.
fn unhealthy<'a>(pods: impl Iterator<Item = &'a Pod>) -> Vec<String> {
    pods.filter(|p| !p.healthy()).map(Pod::state).collect()
}

/// At most five names, then how many more.
fn some(items: &[String]) -> String {
    let mut line = items.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > 5 {
        line.push_str(&format!(" and {} more", items.len() - 5));
    }
    line
}

fn namespace_of<'a>(
    recipe: Option<&'a RecipeResult>,
    component: &str,
    default: &'a str,
) -> &'a str {
    recipe
        .and_then(|r| r.component_refs.iter().find(|c| c.name == component))
        .and_then(|c| c.namespace.as_deref())
        .unwrap_or(default)
}

/// `operator-health`: every pod of the GPU operator's namespace runs ready or has
/// completed.
pub fn operator_health(recipe: Option<&RecipeResult>, pods: &[Pod]) -> Verdict {
    let namespace = namespace_of(recipe, "gpu-operator", "gpu-operator");
    let own: Vec<&Pod> = pods.iter().filter(|p| p.namespace == namespace).collect();
    if own.is_empty() {
        return (
            Status::Failed,
            format!("no pods in namespace {namespace}: the GPU operator is not deployed"),
        );
    }
    let sick = unhealthy(own.iter().copied());
    if sick.is_empty() {
        (
            Status::Passed,
            format!("{} pods in {namespace} are running or completed", own.len()),
        )
    } else {
        (
            Status::Failed,
            format!(
                "{} of {} pods in {namespace} are not healthy: {}",
                sick.len(),
                own.len(),
                some(&sick)
            ),
        )
    }
}

/// `expected-resources`: each component of the recipe has the workloads its Helm
/// release installed (`meta.helm.sh/release-name`) in its namespace, all available,
/// and a GPU recipe's cluster advertises `nvidia.com/gpu`. CRD-only charts (names
/// ending in `-crds`) install no workload and are not looked for.
pub fn expected_resources(
    recipe: Option<&RecipeResult>,
    workloads: &[Workload],
    nodes: &[Node],
) -> Verdict {
    let Some(recipe) = recipe else {
        return (Status::Skipped, "no recipe (set AICR_RECIPE_PATH)".into());
    };
    let mut missing = Vec::new();
    let mut unavailable = Vec::new();
    let mut found = 0;
    for component in recipe
        .component_refs
        .iter()
        .filter(|c| !c.name.ends_with("-crds"))
    {
        let namespace = component.namespace.as_deref().unwrap_or("default");
        let own: Vec<&Workload> = workloads
            .iter()
            .filter(|w| w.namespace == namespace && w.release.as_deref() == Some(&component.name))
            .collect();
        if own.is_empty() {
            missing.push(format!("{} (in {namespace})", component.name));
        }
        found += own.len();
        unavailable.extend(own.iter().filter(|w| !w.available()).map(|w| {
            format!(
                "{} {}/{} {}/{} ready",
                w.kind, w.namespace, w.name, w.ready, w.desired
            )
        }));
    }
    let gpus: u64 = nodes.iter().map(|n| n.gpus).sum();
    let wants_gpus = !matches!(recipe.criteria.accelerator.as_str(), "" | "any");
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!("no workload of {}", some(&missing)));
    }
    if !unavailable.is_empty() {
        problems.push(format!("not available: {}", some(&unavailable)));
    }
    if wants_gpus && gpus == 0 {
        problems.push(format!("no node advertises {GPU_RESOURCE}"));
    }
    if problems.is_empty() {
        (
            Status::Passed,
            format!(
                "{} components with {found} workloads available; {gpus} GPUs allocatable",
                recipe.component_refs.len()
            ),
        )
    } else {
        (Status::Failed, problems.join("; "))
    }
}

/// `gpu-operator-health`: the GPU operator's ClusterPolicy reports `ready`.
pub fn gpu_operator_health(policy: Option<&ClusterPolicy>) -> Verdict {
    match policy {
        None => (
            Status::Failed,
            "no ClusterPolicy (nvidia.com/v1): the GPU operator is not deployed".into(),
        ),
        Some(p) if p.state == "ready" => {
            (Status::Passed, format!("ClusterPolicy {} is ready", p.name))
        }
        Some(p) => (
            Status::Failed,
            format!(
                "ClusterPolicy {} is {}, not ready",
                p.name,
                if p.state.is_empty() {
                    "without a state"
                } else {
                    &p.state
                }
            ),
        ),
    }
}

/// `platform-health`: every node is ready and every kube-system pod runs ready or has
/// completed.
pub fn platform_health(nodes: &[Node], pods: &[Pod]) -> Verdict {
    if nodes.is_empty() {
        return (Status::Failed, "the cluster has no nodes".into());
    }
    let not_ready: Vec<String> = nodes
        .iter()
        .filter(|n| !n.ready)
        .map(|n| n.name.clone())
        .collect();
    let system: Vec<&Pod> = pods
        .iter()
        .filter(|p| p.namespace == "kube-system")
        .collect();
    let sick = unhealthy(system.iter().copied());
    let mut problems = Vec::new();
    if !not_ready.is_empty() {
        problems.push(format!(
            "{} of {} nodes not ready: {}",
            not_ready.len(),
            nodes.len(),
            some(&not_ready)
        ));
    }
    if !sick.is_empty() {
        problems.push(format!("kube-system pods not healthy: {}", some(&sick)));
    }
    if problems.is_empty() {
        (
            Status::Passed,
            format!(
                "{} nodes ready; {} kube-system pods healthy",
                nodes.len(),
                system.len()
            ),
        )
    } else {
        (Status::Failed, problems.join("; "))
    }
}

/// `dra-support`: `resource.k8s.io` is served and a DRA driver published a DeviceClass.
pub fn dra_support(facts: &Facts) -> Verdict {
    let Some(group) = facts.groups.get("resource.k8s.io") else {
        return (
            Status::Failed,
            "the API group resource.k8s.io is not served: dynamic resource allocation is off"
                .into(),
        );
    };
    let versions = group.versions.join(", ");
    if facts.device_classes.is_empty() {
        (
            Status::Failed,
            format!(
                "resource.k8s.io ({versions}) is served but no DeviceClass exists: no DRA driver is installed"
            ),
        )
    } else {
        (
            Status::Passed,
            format!(
                "resource.k8s.io ({versions}) is served; device classes: {}",
                some(&facts.device_classes)
            ),
        )
    }
}

/// `accelerator-metrics`: the DCGM exporter runs.
pub fn accelerator_metrics(pods: &[Pod]) -> Verdict {
    let exporters: Vec<&Pod> = pods
        .iter()
        .filter(|p| {
            p.labels
                .get("app")
                .is_some_and(|a| a == "nvidia-dcgm-exporter")
                || p.labels
                    .get("app.kubernetes.io/name")
                    .is_some_and(|a| a == "dcgm-exporter")
        })
        .collect();
    if exporters.is_empty() {
        return (
            Status::Failed,
            "no DCGM exporter pod (app=nvidia-dcgm-exporter): GPU metrics are not exported".into(),
        );
    }
    let sick = unhealthy(exporters.iter().copied());
    if sick.is_empty() {
        (
            Status::Passed,
            format!("{} DCGM exporter pods running", exporters.len()),
        )
    } else {
        (
            Status::Failed,
            format!("DCGM exporter pods not healthy: {}", some(&sick)),
        )
    }
}

/// `ai-service-metrics`: workload metrics reach the API as custom metrics.
pub fn ai_service_metrics(facts: &Facts) -> Verdict {
    const CUSTOM: &str = "v1beta1.custom.metrics.k8s.io";
    match facts.api_service(CUSTOM) {
        Some(true) => (Status::Passed, format!("APIService {CUSTOM} is available")),
        Some(false) => (
            Status::Failed,
            format!("APIService {CUSTOM} is registered but not available"),
        ),
        None => (
            Status::Failed,
            format!("no APIService {CUSTOM}: no metrics adapter (prometheus-adapter) is installed"),
        ),
    }
}

/// `pod-autoscaling`: `autoscaling/v2` is served and some metrics API is available.
pub fn pod_autoscaling(facts: &Facts) -> Verdict {
    let v2 = facts
        .groups
        .get("autoscaling")
        .is_some_and(|g| g.versions.iter().any(|v| v == "v2"));
    let metrics: Vec<String> = [
        "v1beta1.metrics.k8s.io",
        "v1beta1.custom.metrics.k8s.io",
        "v1beta1.external.metrics.k8s.io",
    ]
    .into_iter()
    .filter(|name| facts.api_service(name) == Some(true))
    .map(String::from)
    .collect();
    match (v2, metrics.is_empty()) {
        (true, false) => (
            Status::Passed,
            format!("autoscaling/v2 is served; metrics from {}", metrics.join(", ")),
        ),
        (false, _) => (Status::Failed, "autoscaling/v2 is not served".into()),
        (true, true) => (
            Status::Failed,
            "no metrics API is available (metrics.k8s.io, custom.metrics.k8s.io, external.metrics.k8s.io)".into(),
        ),
    }
}

/// `cluster-autoscaling`: a node autoscaler: Karpenter, or a cluster autoscaler
/// (self-hosted, or managed and reporting through its status ConfigMap).
pub fn cluster_autoscaling(facts: &Facts) -> Verdict {
    if facts.serves("karpenter.sh", "NodePool") {
        return (
            Status::Passed,
            "Karpenter (karpenter.sh NodePool) is installed".into(),
        );
    }
    if let Some(w) = facts
        .workloads
        .iter()
        .find(|w| w.name.contains("cluster-autoscaler"))
    {
        return if w.available() {
            (
                Status::Passed,
                format!("{} {}/{} is available", w.kind, w.namespace, w.name),
            )
        } else {
            (
                Status::Failed,
                format!(
                    "{} {}/{} is not available ({}/{} ready)",
                    w.kind, w.namespace, w.name, w.ready, w.desired
                ),
            )
        };
    }
    if facts.autoscaler_status {
        return (
            Status::Passed,
            "a managed cluster autoscaler reports status (kube-system/cluster-autoscaler-status)"
                .into(),
        );
    }
    (
        Status::Failed,
        "no node autoscaler: neither Karpenter (karpenter.sh) nor a cluster autoscaler".into(),
    )
}

/// Passes when any of `known` (group, kind, product) is served.
fn any_kind(facts: &Facts, what: &str, known: &[(&str, &str, &str)]) -> Verdict {
    let served: Vec<String> = known
        .iter()
        .filter(|(group, kind, _)| facts.serves(group, kind))
        .map(|(group, kind, product)| format!("{product} ({kind}.{group})"))
        .collect();
    if served.is_empty() {
        let looked: Vec<String> = known.iter().map(|(g, k, _)| format!("{k}.{g}")).collect();
        (
            Status::Failed,
            format!("no {what}: none of {} is served", looked.join(", ")),
        )
    } else {
        (Status::Passed, served.join(", "))
    }
}

/// `inference-gateway`: the Gateway API and the Inference Extension's InferencePool.
pub fn inference_gateway(facts: &Facts) -> Verdict {
    let gateway = facts.serves("gateway.networking.k8s.io", "Gateway");
    let pool = [
        "inference.networking.k8s.io",
        "inference.networking.x-k8s.io",
    ]
    .into_iter()
    .find(|g| facts.serves(g, "InferencePool"));
    match (gateway, pool) {
        (true, Some(group)) => (
            Status::Passed,
            format!("Gateway.gateway.networking.k8s.io and InferencePool.{group} are served"),
        ),
        (false, _) => (
            Status::Failed,
            "the Gateway API (Gateway.gateway.networking.k8s.io) is not served".into(),
        ),
        (true, None) => (
            Status::Failed,
            "the Gateway API Inference Extension (InferencePool) is not served".into(),
        ),
    }
}

/// `secure-accelerator-access`: outside kube-system and the recipe's own namespaces,
/// pods reach GPUs only through resource requests or claims: no hostPath to the
/// devices, no `NVIDIA_VISIBLE_DEVICES=all` without a request.
pub fn secure_accelerator_access(recipe: Option<&RecipeResult>, pods: &[Pod]) -> Verdict {
    let mut platform: BTreeSet<&str> = BTreeSet::from(["kube-system"]);
    match recipe {
        Some(r) => platform.extend(
            r.component_refs
                .iter()
                .filter_map(|c| c.namespace.as_deref()),
        ),
        None => platform.extend(["gpu-operator", "nvidia-dra-driver"]),
    }
    let workloads: Vec<&Pod> = pods
        .iter()
        .filter(|p| !platform.contains(p.namespace.as_str()))
        .collect();
    let mut violations = Vec::new();
    for p in &workloads {
        for path in &p.device_host_paths {
            violations.push(format!(
                "{}/{} mounts {path} from the host",
                p.namespace, p.name
            ));
        }
        if !p.requests_accelerator && p.visible_devices.as_deref().is_some_and(|v| v == "all") {
            violations.push(format!(
                "{}/{} sets NVIDIA_VISIBLE_DEVICES=all without requesting a GPU",
                p.namespace, p.name
            ));
        }
    }
    if violations.is_empty() {
        (
            Status::Passed,
            format!(
                "{} pods outside the platform namespaces reach GPUs only through requests or claims",
                workloads.len()
            ),
        )
    } else {
        (Status::Failed, some(&violations))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipe(accelerator: &str) -> RecipeResult {
        super::super::eks_ubuntu_training(accelerator)
    }

    fn pod(namespace: &str, name: &str, phase: &str, ready: bool) -> Pod {
        Pod {
            namespace: namespace.into(),
            name: name.into(),
            phase: phase.into(),
            ready,
            ..Pod::default()
        }
    }

    fn group(versions: &[&str], kinds: &[&str]) -> Group {
        Group {
            versions: versions.iter().map(|v| v.to_string()).collect(),
            kinds: kinds.iter().map(|k| k.to_string()).collect(),
        }
    }

    #[test]
    fn versions_of_helm_releases() {
        assert_eq!(chart_version("gpu-operator-v25.10.1"), Some("v25.10.1"));
        assert_eq!(
            chart_version("kube-prometheus-stack-82.8.0"),
            Some("82.8.0")
        );
        assert_eq!(
            chart_version("nvidia-dra-driver-gpu-25.12.0-rc.1"),
            Some("25.12.0-rc.1")
        );
        assert_eq!(chart_version("no-version-here"), None);
        let r = recipe("h100");
        let operator = Workload {
            kind: "Deployment".into(),
            namespace: "gpu-operator".into(),
            name: "gpu-operator".into(),
            release: Some("gpu-operator".into()),
            version: Some("v25.10.1".into()),
            desired: 1,
            ready: 1,
        };
        let elsewhere = Workload {
            namespace: "other".into(),
            version: Some("v1.0.0".into()),
            ..operator.clone()
        };
        assert_eq!(
            release_version(Some(&r), &[elsewhere.clone(), operator], "gpu-operator"),
            Some("v25.10.1")
        );
        assert_eq!(
            release_version(Some(&r), &[elsewhere], "gpu-operator"),
            None
        );
    }

    #[test]
    fn the_cluster_role_holds_each_read_once() {
        let role = cluster_role("aicr-deployment-validator", super::super::DEPLOYMENT.checks);
        assert_eq!(role["kind"], "ClusterRole");
        let rules: Vec<String> = role["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{}/{} {}",
                    r["apiGroups"][0].as_str().unwrap(),
                    r["resources"][0].as_str().unwrap(),
                    r["verbs"][0].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(
            rules,
            [
                "/nodes list",
                "/pods list",
                "apps/daemonsets list",
                "apps/deployments list",
                "apps/statefulsets list"
            ]
        );
        let role = cluster_role("c", &["cluster-autoscaling"]);
        assert_eq!(
            role["rules"][0]["resourceNames"][0],
            "cluster-autoscaler-status"
        );
        assert_eq!(
            cluster_role("p", &["nccl-all-reduce-bw"])["rules"],
            serde_json::json!([])
        );
    }

    #[test]
    fn every_cluster_check_has_a_decision() {
        for phase in super::super::PHASES {
            for check in phase.checks.iter().filter(|c| Needs::of(c).is_some()) {
                let (_, line) = run(check, None, &Facts::default());
                assert!(!line.contains("not a cluster check"), "{check}");
            }
        }
    }

    #[test]
    fn operator_health_pass_fail() {
        let r = recipe("h100");
        let healthy = vec![
            pod("gpu-operator", "gpu-operator-5d4", "Running", true),
            pod(
                "gpu-operator",
                "nvidia-cuda-validator-x",
                "Succeeded",
                false,
            ),
            pod("default", "broken", "Failed", false),
        ];
        let (status, line) = operator_health(Some(&r), &healthy);
        assert_eq!(status, Status::Passed, "{line}");
        assert_eq!(line, "2 pods in gpu-operator are running or completed");

        let mut sick = healthy.clone();
        sick.push(pod(
            "gpu-operator",
            "nvidia-driver-daemonset-a",
            "Running",
            false,
        ));
        sick.push(pod(
            "gpu-operator",
            "nvidia-device-plugin-b",
            "Pending",
            false,
        ));
        let (status, line) = operator_health(Some(&r), &sick);
        assert_eq!(status, Status::Failed);
        assert_eq!(
            line,
            "2 of 4 pods in gpu-operator are not healthy: gpu-operator/nvidia-driver-daemonset-a (Running, not ready), gpu-operator/nvidia-device-plugin-b (Pending)"
        );
        let (status, line) = operator_health(Some(&r), &[]);
        assert_eq!(status, Status::Failed);
        assert!(line.contains("not deployed"), "{line}");
    }

    fn workloads_of(r: &RecipeResult) -> Vec<Workload> {
        r.component_refs
            .iter()
            .map(|c| Workload {
                kind: "Deployment".into(),
                namespace: c.namespace.clone().unwrap_or_default(),
                name: c.name.clone(),
                release: Some(c.name.clone()),
                version: c.version.clone(),
                desired: 1,
                ready: 1,
            })
            .collect()
    }

    #[test]
    fn expected_resources_pass_fail_skip() {
        let r = recipe("h100");
        let nodes = vec![Node {
            name: "gpu-1".into(),
            ready: true,
            gpus: 8,
        }];
        let all = workloads_of(&r);
        let (status, line) = expected_resources(Some(&r), &all, &nodes);
        assert_eq!(status, Status::Passed, "{line}");
        assert!(
            line.ends_with("workloads available; 8 GPUs allocatable"),
            "{line}"
        );

        let mut partial = all.clone();
        partial.retain(|w| w.name != "cert-manager");
        partial[0].ready = 0;
        // Installed by another release of the same name in another namespace: not it.
        partial.push(Workload {
            namespace: "elsewhere".into(),
            ..all
                .iter()
                .find(|w| w.name == "cert-manager")
                .unwrap()
                .clone()
        });
        let (status, line) = expected_resources(Some(&r), &partial, &[]);
        assert_eq!(status, Status::Failed);
        assert!(
            line.contains("no workload of cert-manager (in cert-manager)"),
            "{line}"
        );
        assert!(
            line.contains("not available: Deployment kube-system/aws-ebs-csi-driver 0/1 ready"),
            "{line}"
        );
        assert!(
            line.ends_with("no node advertises nvidia.com/gpu"),
            "{line}"
        );

        let any = recipe("any");
        let (status, line) = expected_resources(Some(&any), &workloads_of(&any), &[]);
        assert_eq!(status, Status::Passed, "no GPU asked for: {line}");
        assert_eq!(expected_resources(None, &all, &nodes).0, Status::Skipped);
    }

    #[test]
    fn gpu_operator_and_platform_health() {
        let policy = |state: &str| ClusterPolicy {
            name: "cluster-policy".into(),
            state: state.into(),
        };
        assert_eq!(
            gpu_operator_health(Some(&policy("ready"))).0,
            Status::Passed
        );
        assert_eq!(
            gpu_operator_health(Some(&policy("notReady"))).1,
            "ClusterPolicy cluster-policy is notReady, not ready"
        );
        assert_eq!(gpu_operator_health(None).0, Status::Failed);

        let nodes = vec![
            Node {
                name: "a".into(),
                ready: true,
                gpus: 0,
            },
            Node {
                name: "b".into(),
                ready: true,
                gpus: 8,
            },
        ];
        let pods = vec![
            pod("kube-system", "coredns-1", "Running", true),
            pod("team", "job", "Failed", false),
        ];
        assert_eq!(
            platform_health(&nodes, &pods),
            (
                Status::Passed,
                "2 nodes ready; 1 kube-system pods healthy".into()
            )
        );
        let mut down = nodes.clone();
        down[1].ready = false;
        let mut sick = pods.clone();
        sick.push(pod("kube-system", "kube-proxy-x", "Pending", false));
        let (status, line) = platform_health(&down, &sick);
        assert_eq!(status, Status::Failed);
        assert_eq!(
            line,
            "1 of 2 nodes not ready: b; kube-system pods not healthy: kube-system/kube-proxy-x (Pending)"
        );
        assert_eq!(platform_health(&[], &pods).0, Status::Failed);
    }

    #[test]
    fn dra_and_metrics() {
        let mut facts = Facts::default();
        assert!(dra_support(&facts).1.contains("not served"));
        facts.groups.insert(
            "resource.k8s.io".into(),
            group(&["v1", "v1beta1"], &["DeviceClass"]),
        );
        let (status, line) = dra_support(&facts);
        assert_eq!(status, Status::Failed);
        assert!(line.contains("no DeviceClass"), "{line}");
        facts.device_classes = vec!["gpu.nvidia.com".into()];
        assert_eq!(
            dra_support(&facts),
            (
                Status::Passed,
                "resource.k8s.io (v1, v1beta1) is served; device classes: gpu.nvidia.com".into()
            )
        );

        let mut exporter = pod("gpu-operator", "nvidia-dcgm-exporter-abc", "Running", true);
        exporter
            .labels
            .insert("app".into(), "nvidia-dcgm-exporter".into());
        assert_eq!(
            accelerator_metrics(std::slice::from_ref(&exporter)).0,
            Status::Passed
        );
        exporter.ready = false;
        assert_eq!(
            accelerator_metrics(std::slice::from_ref(&exporter)).0,
            Status::Failed
        );
        assert!(accelerator_metrics(&[]).1.contains("no DCGM exporter"));

        let mut facts = Facts::default();
        assert!(ai_service_metrics(&facts).1.contains("no APIService"));
        facts.api_services.push(ApiService {
            name: "v1beta1.custom.metrics.k8s.io".into(),
            available: false,
        });
        assert_eq!(ai_service_metrics(&facts).0, Status::Failed);
        assert!(
            pod_autoscaling(&facts)
                .1
                .contains("autoscaling/v2 is not served")
        );
        facts.groups.insert(
            "autoscaling".into(),
            group(&["v2", "v1"], &["HorizontalPodAutoscaler"]),
        );
        assert!(pod_autoscaling(&facts).1.starts_with("no metrics API"));
        facts.api_services[0].available = true;
        assert_eq!(ai_service_metrics(&facts).0, Status::Passed);
        assert_eq!(
            pod_autoscaling(&facts),
            (
                Status::Passed,
                "autoscaling/v2 is served; metrics from v1beta1.custom.metrics.k8s.io".into()
            )
        );
    }

    #[test]
    fn autoscaling_gang_controllers_and_gateway() {
        let mut facts = Facts::default();
        assert_eq!(cluster_autoscaling(&facts).0, Status::Failed);
        facts.autoscaler_status = true;
        assert!(
            cluster_autoscaling(&facts)
                .1
                .contains("managed cluster autoscaler")
        );
        facts.workloads.push(Workload {
            kind: "Deployment".into(),
            namespace: "kube-system".into(),
            name: "cluster-autoscaler".into(),
            release: None,
            version: None,
            desired: 1,
            ready: 0,
        });
        assert_eq!(
            cluster_autoscaling(&facts).0,
            Status::Failed,
            "a self-hosted one must run"
        );
        facts.groups.insert(
            "karpenter.sh".into(),
            group(&["v1"], &["NodePool", "NodeClaim"]),
        );
        assert_eq!(cluster_autoscaling(&facts).0, Status::Passed);

        let (status, line) = run("gang-scheduling", None, &facts);
        assert_eq!(status, Status::Failed);
        assert!(line.contains("PodGroup.scheduling.run.ai"), "{line}");
        facts.groups.insert(
            "scheduling.run.ai".into(),
            group(&["v2alpha2"], &["PodGroup", "Queue"]),
        );
        assert_eq!(
            run("gang-scheduling", None, &facts),
            (
                Status::Passed,
                "KAI scheduler (PodGroup.scheduling.run.ai)".into()
            )
        );

        // nvidia.com alone (the ClusterPolicy group) is no AI workload operator.
        facts
            .groups
            .insert("nvidia.com".into(), group(&["v1"], &["ClusterPolicy"]));
        assert_eq!(run("robust-controller", None, &facts).0, Status::Failed);
        facts
            .groups
            .get_mut("nvidia.com")
            .unwrap()
            .kinds
            .insert("DynamoGraphDeployment".into());
        assert_eq!(
            run("robust-controller", None, &facts).1,
            "Dynamo (DynamoGraphDeployment.nvidia.com)"
        );

        assert!(inference_gateway(&facts).1.contains("Gateway API"));
        facts.groups.insert(
            "gateway.networking.k8s.io".into(),
            group(&["v1"], &["Gateway", "HTTPRoute"]),
        );
        assert!(inference_gateway(&facts).1.contains("Inference Extension"));
        facts.groups.insert(
            "inference.networking.k8s.io".into(),
            group(&["v1"], &["InferencePool"]),
        );
        assert_eq!(inference_gateway(&facts).0, Status::Passed);
    }

    #[test]
    fn secure_accelerator_access_flags_device_paths_and_unrequested_devices() {
        let r = recipe("h100");
        let mut driver = pod("gpu-operator", "nvidia-driver", "Running", true);
        driver.device_host_paths = vec!["/dev".into()];
        let mut trainer = pod("team", "trainer", "Running", true);
        trainer.requests_accelerator = true;
        trainer.visible_devices = Some("all".into());
        let (status, line) =
            secure_accelerator_access(Some(&r), &[driver.clone(), trainer.clone()]);
        assert_eq!(status, Status::Passed, "{line}");

        let mut sneaky = pod("team", "sneaky", "Running", true);
        sneaky.visible_devices = Some("all".into());
        let mut mounted = pod("team", "mounted", "Running", true);
        mounted.device_host_paths = vec!["/dev/nvidia0".into()];
        let (status, line) =
            secure_accelerator_access(Some(&r), &[driver, trainer, sneaky, mounted]);
        assert_eq!(status, Status::Failed);
        assert_eq!(
            line,
            "team/sneaky sets NVIDIA_VISIBLE_DEVICES=all without requesting a GPU, team/mounted mounts /dev/nvidia0 from the host"
        );
    }
}
