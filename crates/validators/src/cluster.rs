// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Reading the cluster: the [`Facts`] a check [`Needs`], through the Kubernetes API.
//!
//! The connection comes from, in order: `--kubeconfig` (or `KUBECONFIG`), the pod's
//! service account when running in a cluster (`KUBERNETES_SERVICE_HOST`), and
//! `~/.kube/config`. No configuration at all, or an API server that does not answer,
//! means no cluster: the check is skipped, saying why. A configuration that cannot be
//! loaded, or an API that refuses a request, fails the check.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aicr::checks::cluster::{
    ApiService, ClusterPolicy, Facts, GPU_RESOURCE, Group, Needs, Node, Pod, Workload,
    chart_version,
};
use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1 as apiregistration;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::Discovery;
use kube::{Client, Config};

/// How long to wait for the API server to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one API request may take.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Why the facts could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// No cluster is configured or reachable: the check is skipped.
    NoCluster(String),
    /// The cluster is there but could not be read: the check fails.
    Error(String),
}

/// Where the connection comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Kubeconfig(PathBuf),
    InCluster,
}

/// Picks the connection's source from the flag, the environment and the home
/// directory; `None` when there is none. Pure.
pub fn source(
    flag: Option<&Path>,
    kubeconfig_env: Option<&str>,
    service_host: Option<&str>,
    home: Option<&Path>,
) -> Option<Source> {
    if let Some(path) = flag {
        return Some(Source::Kubeconfig(path.to_owned()));
    }
    if let Some(first) = kubeconfig_env.and_then(|v| v.split(':').find(|p| !p.is_empty())) {
        return Some(Source::Kubeconfig(PathBuf::from(first)));
    }
    if service_host.is_some_and(|h| !h.is_empty()) {
        return Some(Source::InCluster);
    }
    let default = home?.join(".kube/config");
    default.is_file().then_some(Source::Kubeconfig(default))
}

/// The source this process would use.
pub fn source_from_env(flag: Option<&Path>) -> Option<Source> {
    source(
        flag,
        std::env::var("KUBECONFIG").ok().as_deref(),
        std::env::var("KUBERNETES_SERVICE_HOST").ok().as_deref(),
        std::env::var_os("HOME").map(PathBuf::from).as_deref(),
    )
}

/// Reads what `needs` asks for from the cluster `source` names.
pub fn gather(source: Option<Source>, needs: Needs) -> Result<Facts, Unavailable> {
    let Some(source) = source else {
        return Err(Unavailable::NoCluster(
            "no Kubernetes cluster: not running in a pod (KUBERNETES_SERVICE_HOST is unset) and no kubeconfig (--kubeconfig, KUBECONFIG or ~/.kube/config)".into(),
        ));
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Unavailable::Error(format!("cannot start the I/O runtime: {e}")))?;
    runtime.block_on(read(source, needs))
}

async fn config(source: &Source) -> Result<Config, Unavailable> {
    let mut config = match source {
        Source::InCluster => Config::incluster().map_err(|e| {
            Unavailable::Error(format!(
                "cannot load the pod's service account configuration: {e}"
            ))
        })?,
        Source::Kubeconfig(path) => {
            if !path.exists() {
                return Err(Unavailable::NoCluster(format!(
                    "no Kubernetes cluster: the kubeconfig {} does not exist",
                    path.display()
                )));
            }
            let kubeconfig = Kubeconfig::read_from(path).map_err(|e| {
                Unavailable::Error(format!(
                    "cannot read the kubeconfig {}: {e}",
                    path.display()
                ))
            })?;
            Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
                .await
                .map_err(|e| {
                    Unavailable::Error(format!("cannot use the kubeconfig {}: {e}", path.display()))
                })?
        }
    };
    config.connect_timeout = Some(CONNECT_TIMEOUT);
    config.read_timeout = Some(READ_TIMEOUT);
    Ok(config)
}

/// An API error means the server answered and refused; anything else that it did
/// not answer. Either way one line: a server that is no Kubernetes API may answer
/// with a page of HTML.
fn api_error(what: &str, error: kube::Error) -> Unavailable {
    let detail = match error {
        kube::Error::Api(status) => {
            format!("{} ({}): {}", status.reason, status.code, status.message)
        }
        other => chain(&other),
    };
    Unavailable::Error(format!("cannot {what}: {}", one_line(&detail)))
}

/// Whitespace collapsed, at most 300 characters.
fn one_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

async fn read(source: Source, needs: Needs) -> Result<Facts, Unavailable> {
    let config = config(&source).await?;
    let url = config.cluster_url.to_string();
    let client = Client::try_from(config)
        .map_err(|e| Unavailable::Error(format!("cannot build a client for {url}: {e}")))?;
    if let Err(error) = client.apiserver_version().await {
        return Err(match error {
            kube::Error::Api(_) => api_error("read the server version", error),
            other => Unavailable::NoCluster(format!(
                "the Kubernetes API at {url} is unreachable: {}",
                one_line(&chain(&other))
            )),
        });
    }
    let mut facts = Facts::default();
    let mut discovery = None;
    if needs.discovery || needs.device_classes {
        discovery = Some(discover(&client, &mut facts).await?);
    }
    if needs.nodes {
        let nodes: Api<core::Node> = Api::all(client.clone());
        facts.nodes = list_all(&nodes, "nodes").await?.iter().map(node).collect();
    }
    if needs.pods {
        let pods: Api<core::Pod> = Api::all(client.clone());
        facts.pods = list_all(&pods, "pods").await?.iter().map(pod).collect();
    }
    if needs.workloads {
        list_workloads(&client, &mut facts).await?;
    }
    if needs.api_services {
        let services: Api<apiregistration::APIService> = Api::all(client.clone());
        facts.api_services = list_all(&services, "apiservices")
            .await?
            .iter()
            .map(api_service)
            .collect();
    }
    if needs.cluster_policy {
        let gvk = GroupVersionKind::gvk("nvidia.com", "v1", "ClusterPolicy");
        let resource = ApiResource::from_gvk_with_plural(&gvk, "clusterpolicies");
        let policies: Api<DynamicObject> = Api::all_with(client.clone(), &resource);
        facts.cluster_policy = match policies.list(&ListParams::default()).await {
            Ok(list) => list.items.first().map(cluster_policy),
            // The CRD is not installed.
            Err(kube::Error::Api(status)) if status.code == 404 => None,
            Err(e) => return Err(api_error("list clusterpolicies", e)),
        };
    }
    if needs.device_classes {
        let served = discovery
            .as_ref()
            .and_then(|d| d.get("resource.k8s.io"))
            .and_then(|g| {
                g.recommended_resources()
                    .into_iter()
                    .find(|(r, _)| r.kind == "DeviceClass")
            });
        if let Some((resource, _)) = served {
            let classes: Api<DynamicObject> = Api::all_with(client.clone(), &resource);
            facts.device_classes = list_all(&classes, "deviceclasses")
                .await?
                .iter()
                .filter_map(|c| c.metadata.name.clone())
                .collect();
        }
    }
    if needs.autoscaler_status {
        let maps: Api<core::ConfigMap> = Api::namespaced(client.clone(), "kube-system");
        facts.autoscaler_status = maps
            .get_opt("cluster-autoscaler-status")
            .await
            .map_err(|e| api_error("read kube-system/cluster-autoscaler-status", e))?
            .is_some();
    }
    Ok(facts)
}

/// The served API groups with their versions and kinds, into `facts.groups`; the
/// discovery itself, for the resources other reads look up.
async fn discover(client: &Client, facts: &mut Facts) -> Result<Discovery, Unavailable> {
    let found = match Discovery::new(client.clone()).run_aggregated().await {
        Ok(found) => found,
        // Servers before aggregated discovery: one request per group.
        Err(_) => Discovery::new(client.clone())
            .run()
            .await
            .map_err(|e| api_error("discover the served APIs", e))?,
    };
    for group in found.groups() {
        let versions: Vec<String> = group.versions().map(str::to_owned).collect();
        let kinds = versions
            .iter()
            .flat_map(|v| group.versioned_resources(v))
            .map(|(resource, _)| resource.kind)
            .collect();
        facts
            .groups
            .insert(group.name().to_owned(), Group { versions, kinds });
    }
    Ok(found)
}

/// Every deployment, daemon set and stateful set, into `facts.workloads`.
async fn list_workloads(client: &Client, facts: &mut Facts) -> Result<(), Unavailable> {
    let deployments: Api<apps::Deployment> = Api::all(client.clone());
    let daemon_sets: Api<apps::DaemonSet> = Api::all(client.clone());
    let stateful_sets: Api<apps::StatefulSet> = Api::all(client.clone());
    let list = list_all(&deployments, "deployments").await?;
    facts.workloads.extend(list.iter().map(deployment));
    let list = list_all(&daemon_sets, "daemonsets").await?;
    facts.workloads.extend(list.iter().map(daemon_set));
    let list = list_all(&stateful_sets, "statefulsets").await?;
    facts.workloads.extend(list.iter().map(stateful_set));
    Ok(())
}

/// Objects per list request: large clusters answer in pages.
const PAGE: u32 = 500;

/// Every object `api` lists, page by page.
async fn list_all<K>(api: &Api<K>, what: &str) -> Result<Vec<K>, Unavailable>
where
    K: Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let mut items = Vec::new();
    let mut params = ListParams::default().limit(PAGE);
    loop {
        let page = api
            .list(&params)
            .await
            .map_err(|e| api_error(&format!("list {what}"), e))?;
        items.extend(page.items);
        match page.metadata.continue_ {
            Some(token) if !token.is_empty() => params = params.continue_token(&token),
            _ => return Ok(items),
        }
    }
}

/// An error and its causes on one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    line
}

fn condition_true<'a>(
    mut conditions: impl Iterator<Item = (&'a str, &'a str)>,
    kind: &str,
) -> bool {
    conditions.any(|(t, status)| t == kind && status == "True")
}

/// A node's facts.
pub fn node(node: &core::Node) -> Node {
    let status = node.status.as_ref();
    Node {
        name: node.metadata.name.clone().unwrap_or_default(),
        ready: condition_true(
            status
                .and_then(|s| s.conditions.as_deref())
                .unwrap_or_default()
                .iter()
                .map(|c| (c.type_.as_str(), c.status.as_str())),
            "Ready",
        ),
        gpus: status
            .and_then(|s| s.allocatable.as_ref())
            .and_then(|a| a.get(GPU_RESOURCE))
            .and_then(|q| q.0.parse().ok())
            .unwrap_or(0),
    }
}

/// A pod's facts.
pub fn pod(pod: &core::Pod) -> Pod {
    let status = pod.status.as_ref();
    let spec = pod.spec.as_ref();
    let containers: Vec<&core::Container> = spec
        .map(|s| {
            s.containers
                .iter()
                .chain(s.init_containers.iter().flatten())
                .collect()
        })
        .unwrap_or_default();
    let requests_accelerator = containers.iter().any(|c| {
        c.resources.as_ref().is_some_and(|r| {
            r.requests
                .iter()
                .chain(r.limits.iter())
                .flat_map(|m| m.keys())
                .any(|k| k.starts_with("nvidia.com/"))
        })
    }) || spec
        .and_then(|s| s.resource_claims.as_ref())
        .is_some_and(|c| !c.is_empty());
    Pod {
        namespace: pod.metadata.namespace.clone().unwrap_or_default(),
        name: pod.metadata.name.clone().unwrap_or_default(),
        phase: status.and_then(|s| s.phase.clone()).unwrap_or_default(),
        ready: condition_true(
            status
                .and_then(|s| s.conditions.as_deref())
                .unwrap_or_default()
                .iter()
                .map(|c| (c.type_.as_str(), c.status.as_str())),
            "Ready",
        ),
        labels: pod.metadata.labels.clone().unwrap_or_default(),
        device_host_paths: spec
            .and_then(|s| s.volumes.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|v| v.host_path.as_ref())
            .map(|h| h.path.clone())
            .filter(|p| {
                let p = p.trim_end_matches('/');
                p == "/dev" || p.starts_with("/dev/nvidia")
            })
            .collect(),
        requests_accelerator,
        visible_devices: containers
            .iter()
            .flat_map(|c| c.env.iter().flatten())
            .find(|e| e.name == "NVIDIA_VISIBLE_DEVICES")
            .and_then(|e| e.value.clone()),
    }
}

fn release(
    metadata: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
) -> Option<String> {
    metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get("meta.helm.sh/release-name"))
        .cloned()
}

fn workload(
    kind: &str,
    metadata: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    desired: i32,
    ready: i32,
) -> Workload {
    let label = |key: &str| metadata.labels.as_ref().and_then(|l| l.get(key));
    Workload {
        kind: kind.into(),
        namespace: metadata.namespace.clone().unwrap_or_default(),
        name: metadata.name.clone().unwrap_or_default(),
        release: release(metadata),
        version: label("helm.sh/chart")
            .and_then(|c| chart_version(c))
            .or(label("app.kubernetes.io/version").map(String::as_str))
            .map(str::to_owned),
        desired: desired.into(),
        ready: ready.into(),
    }
}

pub fn deployment(d: &apps::Deployment) -> Workload {
    workload(
        "Deployment",
        &d.metadata,
        d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
        d.status
            .as_ref()
            .and_then(|s| s.available_replicas)
            .unwrap_or(0),
    )
}

pub fn daemon_set(d: &apps::DaemonSet) -> Workload {
    let status = d.status.as_ref();
    workload(
        "DaemonSet",
        &d.metadata,
        status.map_or(0, |s| s.desired_number_scheduled),
        status.and_then(|s| s.number_available).unwrap_or(0),
    )
}

pub fn stateful_set(s: &apps::StatefulSet) -> Workload {
    workload(
        "StatefulSet",
        &s.metadata,
        s.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
        s.status
            .as_ref()
            .and_then(|s| s.available_replicas)
            .unwrap_or(0),
    )
}

pub fn api_service(s: &apiregistration::APIService) -> ApiService {
    ApiService {
        name: s.metadata.name.clone().unwrap_or_default(),
        available: condition_true(
            s.status
                .as_ref()
                .and_then(|s| s.conditions.as_deref())
                .unwrap_or_default()
                .iter()
                .map(|c| (c.type_.as_str(), c.status.as_str())),
            "Available",
        ),
    }
}

pub fn cluster_policy(o: &DynamicObject) -> ClusterPolicy {
    ClusterPolicy {
        name: o.metadata.name.clone().unwrap_or_default(),
        state: o
            .data
            .get("status")
            .and_then(|s| s.get("state"))
            .and_then(|s| s.as_str())
            .unwrap_or_default()
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn from<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn messages_are_one_short_line() {
        assert_eq!(one_line(" a\n  b\tc "), "a b c");
        let long = one_line(&"é ".repeat(400));
        assert_eq!(long.chars().count(), 301);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn the_source_follows_flag_env_pod_home() {
        let home = tempfile::tempdir().unwrap();
        let flag = Path::new("/flag");
        assert_eq!(
            source(
                Some(flag),
                Some("/env"),
                Some("10.0.0.1"),
                Some(home.path())
            ),
            Some(Source::Kubeconfig(flag.into()))
        );
        assert_eq!(
            source(None, Some(":/a:/b"), Some("10.0.0.1"), None),
            Some(Source::Kubeconfig("/a".into())),
            "the first path of a KUBECONFIG list"
        );
        assert_eq!(
            source(None, Some(""), Some("10.0.0.1"), Some(home.path())),
            Some(Source::InCluster)
        );
        assert_eq!(source(None, None, None, Some(home.path())), None);
        std::fs::create_dir(home.path().join(".kube")).unwrap();
        std::fs::write(home.path().join(".kube/config"), "").unwrap();
        assert_eq!(
            source(None, None, Some(""), Some(home.path())),
            Some(Source::Kubeconfig(home.path().join(".kube/config")))
        );
    }

    #[test]
    fn pods_as_the_api_returns_them() {
        let p = pod(&from(json!({
            "metadata": {"namespace": "team", "name": "trainer", "labels": {"app": "x"}},
            "spec": {
                "containers": [{
                    "name": "main",
                    "env": [{"name": "NVIDIA_VISIBLE_DEVICES", "value": "all"}],
                    "resources": {"limits": {"nvidia.com/gpu": "8"}}
                }],
                "volumes": [
                    {"name": "dev", "hostPath": {"path": "/dev/nvidia0"}},
                    {"name": "logs", "hostPath": {"path": "/var/log"}},
                    {"name": "all", "hostPath": {"path": "/dev/"}}
                ]
            },
            "status": {"phase": "Running", "conditions": [
                {"type": "PodScheduled", "status": "True"},
                {"type": "Ready", "status": "True"}
            ]}
        })));
        assert_eq!(
            (
                p.namespace.as_str(),
                p.name.as_str(),
                p.phase.as_str(),
                p.ready
            ),
            ("team", "trainer", "Running", true)
        );
        assert_eq!(p.device_host_paths, ["/dev/nvidia0", "/dev/"]);
        assert!(p.requests_accelerator);
        assert_eq!(p.visible_devices.as_deref(), Some("all"));
        assert_eq!(p.labels["app"], "x");

        let claimed = pod(&from(json!({
            "metadata": {"name": "claimed"},
            "spec": {
                "containers": [{"name": "main"}],
                "resourceClaims": [{"name": "gpu", "resourceClaimTemplateName": "one-gpu"}]
            },
            "status": {"phase": "Pending", "conditions": [{"type": "Ready", "status": "False"}]}
        })));
        assert!(claimed.requests_accelerator && !claimed.ready && !claimed.healthy());
        let plain = pod(&from(
            json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}}),
        ));
        assert!(!plain.requests_accelerator && plain.device_host_paths.is_empty());
    }

    #[test]
    fn nodes_workloads_services_and_policies_as_the_api_returns_them() {
        let n = node(&from(json!({
            "metadata": {"name": "gpu-1"},
            "status": {
                "allocatable": {"cpu": "96", "nvidia.com/gpu": "8"},
                "conditions": [{"type": "Ready", "status": "True"}]
            }
        })));
        assert_eq!(
            n,
            Node {
                name: "gpu-1".into(),
                ready: true,
                gpus: 8
            }
        );
        let cpu = node(&from(
            json!({"metadata": {"name": "cpu-1"}, "status": {"conditions": [{"type": "Ready", "status": "Unknown"}]}}),
        ));
        assert_eq!((cpu.ready, cpu.gpus), (false, 0));

        let meta = json!({"namespace": "gpu-operator", "name": "gpu-operator",
            "labels": {"helm.sh/chart": "gpu-operator-v25.10.1", "app.kubernetes.io/version": "x"},
            "annotations": {"meta.helm.sh/release-name": "gpu-operator"}});
        let d = deployment(&from(json!({
            "metadata": meta, "spec": {"replicas": 2, "selector": {}, "template": {}},
            "status": {"availableReplicas": 1}
        })));
        assert_eq!(
            (d.kind.as_str(), d.release.as_deref(), d.desired, d.ready),
            ("Deployment", Some("gpu-operator"), 2, 1)
        );
        assert!(!d.available());
        assert_eq!(
            d.version.as_deref(),
            Some("v25.10.1"),
            "the chart label wins"
        );
        let ds = daemon_set(&from(json!({
            "metadata": {"namespace": "gpu-operator", "name": "nvidia-driver-daemonset"},
            "spec": {"selector": {}, "template": {}},
            "status": {"desiredNumberScheduled": 3, "numberAvailable": 3, "currentNumberScheduled": 3, "numberMisscheduled": 0, "numberReady": 3}
        })));
        assert!(ds.available() && ds.release.is_none());
        let ss = stateful_set(&from(json!({
            "metadata": {"namespace": "monitoring", "name": "prometheus", "labels": {"app.kubernetes.io/version": "3.1.0"}},
            "spec": {"selector": {}, "template": {}, "serviceName": "p"},
            "status": {"replicas": 1}
        })));
        assert_eq!(
            (ss.desired, ss.ready, ss.version.as_deref()),
            (1, 0, Some("3.1.0"))
        );

        let s = api_service(&from(json!({
            "metadata": {"name": "v1beta1.custom.metrics.k8s.io"},
            "spec": {"groupPriorityMinimum": 100, "versionPriority": 100},
            "status": {"conditions": [{"type": "Available", "status": "True"}]}
        })));
        assert_eq!(
            s,
            ApiService {
                name: "v1beta1.custom.metrics.k8s.io".into(),
                available: true
            }
        );

        let policy = cluster_policy(&from(json!({
            "apiVersion": "nvidia.com/v1", "kind": "ClusterPolicy",
            "metadata": {"name": "cluster-policy"},
            "spec": {}, "status": {"state": "notReady"}
        })));
        assert_eq!(
            policy,
            ClusterPolicy {
                name: "cluster-policy".into(),
                state: "notReady".into()
            }
        );
        assert_eq!(
            aicr::checks::cluster::gpu_operator_health(Some(&policy)).0,
            aicr::checks::Status::Failed
        );
    }
}
