// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Starts the real `aicrd` binary on 127.0.0.1 and talks to it over HTTP.

use std::process::Command;
use std::time::{Duration, Instant};

mod support;

use support::Server;

#[test]
fn health_ready_and_root() {
    let server = Server::start(&[]);
    let (status, body) = server.get_json("/health");
    assert_eq!(status, 200);
    assert_eq!(body["status"], "healthy");
    assert!(
        body["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{body}"
    );

    let (status, body) = server.get_json("/ready");
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ready");

    let (status, body) = server.get_json("/");
    assert_eq!(status, 200);
    assert_eq!(body["service"], "aicrd");
    assert_eq!(body["version"], aicr::build_info::BUILD.version);
    let routes: Vec<&str> = body["routes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    assert_eq!(
        routes,
        [
            "/",
            "/health",
            "/ready",
            "/metrics",
            "/v1/recipe",
            "/v1/query",
            "/v1/bundle"
        ]
    );
    for route in ["/", "/health", "/ready", "/metrics", "/v1/recipe"] {
        assert_eq!(server.get(route).0, 200, "listed route {route} answers");
    }
    assert_eq!(
        server.get_json("/v1/query?selector=criteria.service").0,
        200
    );

    let (status, _) = server.get_json("/nope");
    assert_eq!(status, 404);
}

#[test]
fn sigterm_turns_readiness_off_then_exits_cleanly() {
    let mut server = Server::start(&[
        ("SHUTDOWN_DRAIN_SECONDS", "2"),
        ("SHUTDOWN_TIMEOUT_SECONDS", "5"),
    ]);
    assert_eq!(server.get_json("/ready").0, 200);
    server.signal("TERM");
    // Readiness turns off at once; the listener stays open for the drain period.
    let started = Instant::now();
    let mut saw_not_ready = false;
    while started.elapsed() < Duration::from_millis(1500) {
        let (status, body) = server.get_json("/ready");
        if status == 503 {
            assert_eq!(body["status"], "not_ready");
            saw_not_ready = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(saw_not_ready, "/ready never answered 503 while draining");
    // Liveness is unaffected while draining.
    assert_eq!(server.get_json("/health").0, 200);
    let status = server.wait(Duration::from_secs(5));
    assert!(
        status.success(),
        "aicrd exits 0 after a graceful shutdown, got {status}"
    );
}

#[test]
fn sigint_without_drain_exits_promptly() {
    let mut server = Server::start(&[("SHUTDOWN_TIMEOUT_SECONDS", "5")]);
    assert_eq!(server.get_json("/health").0, 200);
    server.signal("INT");
    assert!(server.wait(Duration::from_secs(5)).success());
}

#[test]
fn version_flag_prints_the_version_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_aicrd"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        aicr::build_info::BUILD.version_line("aicrd")
    );
}

#[test]
fn a_busy_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_aicrd"))
        .args(["--listen", &addr])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
}

fn header(response: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[test]
fn recipes_over_get_and_post_with_request_ids() {
    let server = Server::start(&[]);
    let agent = Server::agent();
    let mut r = agent
        .get(format!(
            "{}/v1/recipe?service=eks&gpu=h100&intent=training&os=ubuntu",
            server.base
        ))
        .call()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        header(&r, "cache-control").as_deref(),
        Some("public, max-age=600")
    );
    assert_eq!(header(&r, "x-api-version").as_deref(), Some("v1"));
    let generated = header(&r, "x-request-id").unwrap();
    assert_eq!(generated.len(), 36, "a generated UUID: {generated}");
    let body: serde_json::Value =
        serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(
        body["metadata"]["appliedOverlays"]
            .as_array()
            .unwrap()
            .last()
            .unwrap(),
        "h100-eks-ubuntu-training"
    );

    let id = "6f9619ff-8b86-d011-b42d-00cf4fc964ff";
    let r = agent
        .get(format!("{}/v1/recipe", server.base))
        .header("X-Request-Id", id)
        .call()
        .unwrap();
    assert_eq!(
        header(&r, "x-request-id").as_deref(),
        Some(id),
        "a valid incoming id is echoed"
    );
    let r = agent
        .get(format!("{}/v1/recipe", server.base))
        .header("X-Request-Id", "not-a-uuid")
        .call()
        .unwrap();
    assert_ne!(header(&r, "x-request-id").as_deref(), Some("not-a-uuid"));

    let json = r#"{"kind":"RecipeCriteria","apiVersion":"aicr.nvidia.com/v1alpha1","spec":{"service":"gke","os":"cos"}}"#;
    let mut r = agent
        .post(format!("{}/v1/recipe", server.base))
        .header("Content-Type", "application/json")
        .send(json)
        .unwrap();
    let body: serde_json::Value =
        serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(body["criteria"]["service"], "gke");
    let yaml =
        "kind: RecipeCriteria\napiVersion: aicr.nvidia.com/v1alpha1\nspec:\n  service: kind\n";
    let mut r = agent
        .post(format!("{}/v1/recipe", server.base))
        .header("Content-Type", "application/yaml")
        .send(yaml)
        .unwrap();
    let body: serde_json::Value =
        serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(body["criteria"]["service"], "kind");
}

#[test]
fn errors_have_the_documented_body_and_codes() {
    let server = Server::start(&[]);
    let agent = Server::agent();
    let mut r = agent
        .get(format!("{}/v1/recipe?accelerator=v100", server.base))
        .call()
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value =
        serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(body["code"], "INVALID_REQUEST");
    assert_eq!(body["details"]["requested"], "v100");
    assert!(
        body["details"]["allowed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == "h100")
    );
    assert_eq!(body["retryable"], false);
    assert!(
        body["requestId"].as_str().is_some_and(|id| id.len() == 36)
            && body["timestamp"].is_string()
    );

    let mut r = agent
        .get(format!(
            "{}/v1/query?service=eks&selector=components.nope",
            server.base
        ))
        .call()
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: serde_json::Value =
        serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(body["code"], "NOT_FOUND");

    let r = agent
        .delete(format!("{}/v1/recipe", server.base))
        .call()
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(header(&r, "allow").as_deref(), Some("GET,HEAD,POST"));

    // A body over a small limit, small enough for the socket buffers: the client
    // finishes writing before the server answers and closes.
    let small = Server::start(&[("AICR_MAX_BODY_BYTES", "1024")]);
    let big = vec![b'x'; 8192];
    let r = agent
        .post(format!("{}/v1/recipe", small.base))
        .header("Content-Type", "application/json")
        .send(&big[..])
        .unwrap();
    assert_eq!(r.status(), 413);

    let empty = r#"{"apiVersion":"aicr.nvidia.com/v1alpha1","kind":"RecipeResult","metadata":{"version":"x","appliedOverlays":[],"excludedOverlays":[],"constraintWarnings":[]},"criteria":{},"constraints":[],"componentRefs":[],"deploymentOrder":[],"validation":{}}"#;
    let r = agent
        .post(format!("{}/v1/bundle", server.base))
        .header("Content-Type", "application/json")
        .send(empty)
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[test]
fn bundles_come_back_as_zip() {
    let server = Server::start(&[]);
    let agent = Server::agent();
    let recipe = agent
        .get(format!("{}/v1/recipe?service=kind", server.base))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let mut r = agent
        .post(format!("{}/v1/bundle", server.base))
        .header("Content-Type", "application/json")
        .send(&recipe)
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        header(&r, "content-type").as_deref(),
        Some("application/zip")
    );
    assert_eq!(
        header(&r, "content-disposition").as_deref(),
        Some("attachment; filename=\"bundles.zip\"")
    );
    let bytes = r.body_mut().read_to_vec().unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let names: Vec<String> = (0..zip.len())
        .map(|i| zip.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    assert!(
        names.contains(&"checksums.txt".to_owned()) && names.contains(&"deploy.sh".to_owned()),
        "{names:?}"
    );
}

#[test]
fn bundles_refuse_injected_fields_with_the_clis_message() {
    let server = Server::start(&[]);
    let agent = Server::agent();
    let recipe: serde_json::Value = serde_json::from_str(
        &agent
            .get(format!("{}/v1/recipe?service=kind", server.base))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap(),
    )
    .unwrap();
    let first = recipe["componentRefs"][0]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let cases = [
        (
            "source",
            "https://x' ; touch /tmp/p ; : '",
            format!(
                "component {first}: source \"https://x' ; touch /tmp/p ; : '\" is not an \
                 https:// or oci:// URL (no credentials, query or fragment)"
            ),
        ),
        (
            "namespace",
            "--post-renderer=/bin/sh",
            format!(
                "component {first}: namespace \"--post-renderer=/bin/sh\" is not a DNS-1123 \
                 label (lowercase letters, digits and '-', at most 63 characters)"
            ),
        ),
        (
            "type",
            "Kustomize",
            format!("component {first}: type \"Kustomize\" cannot be bundled; supported: Helm"),
        ),
    ];
    for (field, value, want) in cases {
        let mut hostile = recipe.clone();
        hostile["componentRefs"][0][field] = serde_json::json!(value);
        let mut r = agent
            .post(format!("{}/v1/bundle", server.base))
            .header("Content-Type", "application/json")
            .send(hostile.to_string())
            .unwrap();
        assert_eq!(r.status(), 400, "{field}");
        let body: serde_json::Value =
            serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
        assert_eq!(body["code"], "INVALID_REQUEST");
        assert_eq!(body["message"], want.as_str(), "{field}");
    }
    let mut reordered = recipe.clone();
    let order = reordered["deploymentOrder"].as_array_mut().unwrap();
    let last = order.pop().unwrap();
    let mut r = agent
        .post(format!("{}/v1/bundle", server.base))
        .header("Content-Type", "application/json")
        .send(reordered.to_string())
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value =
        serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(
        body["message"],
        format!(
            "recipe: component {} is missing from deploymentOrder; hint: list every component \
             there, after its dependencies",
            last.as_str().unwrap()
        )
    );
}

#[test]
fn a_burst_is_rate_limited_and_metrics_count_it() {
    // The default burst of 200 with a slow refill (10/s), so that the 300 requests are
    // limited however slowly a loaded machine sends them (within 5 s).
    let server = Server::start(&[("AICR_RATE_LIMIT", "10")]);
    let agent = Server::agent();
    let mut limited = 0;
    let mut retry_after = None;
    for _ in 0..300 {
        let r = agent
            .get(format!("{}/v1/recipe?service=kind", server.base))
            .call()
            .unwrap();
        if r.status() == 429 {
            limited += 1;
            retry_after = header(&r, "retry-after");
            assert_eq!(header(&r, "x-ratelimit-limit").as_deref(), Some("10"));
        }
    }
    assert!(
        limited >= 50,
        "{limited} of 300 were limited (burst 200, 100/s)"
    );
    assert!(retry_after.is_some_and(|s| s.parse::<u64>().unwrap() >= 1));
    assert_eq!(
        server.get_json("/health").0,
        200,
        "probes are not rate limited"
    );
    let (_, metrics) = server.get_json("/metrics");
    let text = metrics.as_str().unwrap().to_owned();
    assert!(
        text.contains(&format!("aicr_rate_limit_rejects_total {limited}")),
        "{text}"
    );
    assert!(
        text.contains(
            "aicr_http_requests_total{method=\"GET\",path=\"/v1/recipe\",status=\"429\"}"
        ),
        "{text}"
    );
    assert!(
        text.contains("aicr_http_requests_in_flight")
            && text.contains("aicr_panic_recoveries_total 0")
    );
    assert!(text.contains("aicr_http_request_duration_seconds_bucket"));
}

#[test]
fn allow_lists_restrict_criteria() {
    let server = Server::start(&[("AICR_ALLOWED_SERVICES", "eks, aks")]);
    let (status, body) = server.get_json("/v1/recipe?service=gke");
    assert_eq!(status, 400);
    assert_eq!(
        body["details"]["allowed"],
        serde_json::json!(["eks", "aks"])
    );
    assert_eq!(server.get_json("/v1/recipe?service=eks").0, 200);
}

#[test]
fn the_openapi_document_matches_the_served_routes() {
    let spec: serde_json::Value =
        serde_norway::from_str(include_str!("../openapi.yaml")).expect("openapi.yaml parses");
    assert_eq!(spec["openapi"], "3.1.0");
    let paths = spec["paths"].as_object().unwrap();
    let server = Server::start(&[]);
    let agent = Server::agent();
    let methods = ["get", "post", "put", "delete", "patch"];
    for (path, item) in paths {
        for method in methods {
            let documented = item.get(method).is_some();
            let url = format!("{}{path}", server.base);
            let request = ureq::http::Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&url)
                .body(Vec::new())
                .unwrap();
            let status = agent.run(request).unwrap().status().as_u16();
            if documented {
                assert!(
                    status != 404 && status != 405,
                    "{method} {path} is documented but answers {status}"
                );
            } else {
                assert_eq!(status, 405, "{method} {path} is served but not documented");
            }
        }
    }
    let (_, root) = server.get_json("/");
    let served: Vec<&str> = root["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    let mut documented: Vec<&str> = paths.keys().map(String::as_str).collect();
    documented.sort_unstable();
    let mut served_sorted = served.clone();
    served_sorted.sort_unstable();
    assert_eq!(
        served_sorted, documented,
        "every served route is documented and the reverse"
    );
}

#[test]
fn log_level_debug_logs_each_request() {
    let mut server = Server::start(&[("LOG_LEVEL", "debug")]);
    assert_eq!(server.get_json("/health").0, 200);
    // The record is written before the response leaves, so it is in the pipe already.
    let request = loop {
        let mut line = String::new();
        let log = server.log.as_mut().unwrap();
        let n = std::io::BufRead::read_line(log, &mut line).unwrap();
        assert!(n > 0, "aicrd closed its log without a request record");
        let record: serde_json::Value = serde_json::from_str(&line).unwrap();
        if record["msg"] == "request" {
            break record;
        }
    };
    assert_eq!(
        (
            request["level"].as_str(),
            request["path"].as_str(),
            request["status"].as_u64()
        ),
        (Some("debug"), Some("/health"), Some(200))
    );
    assert!(
        request["requestId"]
            .as_str()
            .is_some_and(|id| id.len() == 36)
    );
}

#[test]
fn sigterm_during_a_slow_request_lets_it_finish_while_ready_is_503() {
    use std::io::{Read, Write};
    let mut server = Server::start(&[("SHUTDOWN_TIMEOUT_SECONDS", "10")]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let body = r#"{"kind":"RecipeCriteria","spec":{"service":"kind"}}"#;
    let mut slow = std::net::TcpStream::connect(&addr).unwrap();
    write!(slow, "POST /v1/recipe HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).unwrap();
    slow.write_all(&body.as_bytes()[..10]).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    server.signal("TERM");
    let started = Instant::now();
    loop {
        let (status, _) = server.get_json("/ready");
        if status == 503 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "/ready never turned 503"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The slow request is still being served: finish it.
    slow.write_all(&body.as_bytes()[10..]).unwrap();
    let mut response = String::new();
    slow.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"service\":\"kind\""));
    assert!(server.wait(Duration::from_secs(10)).success());
}

/// The RecipeResult with every field the original leaves out when empty left out.
const MINIMAL: &str = include_str!("../../aicr/tests/fixtures/recipe-result-minimal.yaml");

#[test]
fn a_recipe_without_the_optional_fields_bundles() {
    let server = Server::start(&[]);
    let agent = Server::agent();
    let as_json: serde_json::Value = serde_norway::from_str(MINIMAL).unwrap();
    for (content_type, body) in [
        ("application/yaml", MINIMAL.to_owned()),
        ("application/json", as_json.to_string()),
    ] {
        let mut r = agent
            .post(format!("{}/v1/bundle", server.base))
            .header("Content-Type", content_type)
            .send(&body)
            .unwrap();
        assert_eq!(r.status(), 200, "{content_type}");
        let bytes = r.body_mut().read_to_vec().unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut deploy = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("deploy.sh").unwrap(), &mut deploy).unwrap();
        let at = |name: &str| deploy.find(&format!("'--' '{name}'")).unwrap();
        assert!(at("cert-manager") < at("gpu-operator"), "{deploy}");
    }

    let nameless = MINIMAL.replace("  - name: cert-manager\n", "  - type: Helm\n");
    let mut r = agent
        .post(format!("{}/v1/bundle", server.base))
        .header("Content-Type", "application/yaml")
        .send(&nameless)
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value =
        serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(
        body["message"],
        "the body is not a RecipeResult: componentRefs[0]: missing field `name`"
    );
}

/// A RecipeResult with every field set, written out field by field so that a new
/// field fails to compile here until the OpenAPI document names it.
fn every_field() -> serde_json::Value {
    use aicr::catalog::{ComponentRef, Constraint, Phase, Validation};
    let constraint = || Constraint {
        name: "K8s.server.version".into(),
        value: ">= 1.30".into(),
        severity: Some("error".into()),
        remediation: Some("upgrade".into()),
        unit: Some("v".into()),
    };
    let phase = || Phase {
        timeout: Some("10m".into()),
        constraints: vec![constraint()],
        checks: vec!["c".into()],
    };
    let recipe = aicr::recipe::RecipeResult {
        api_version: aicr::API_VERSION.into(),
        kind: "RecipeResult".into(),
        metadata: aicr::recipe::RecipeMetadata {
            version: "1".into(),
            applied_overlays: vec!["base".into()],
            excluded_overlays: vec!["x".into()],
            constraint_warnings: vec!["w".into()],
        },
        criteria: aicr::criteria::Criteria {
            service: "eks".into(),
            accelerator: "h100".into(),
            intent: "training".into(),
            os: "ubuntu".into(),
            platform: "kubeflow".into(),
            nodes: Some(2),
        },
        constraints: vec![constraint()],
        component_refs: vec![ComponentRef {
            name: "a".into(),
            namespace: Some("ns".into()),
            chart: Some("a".into()),
            kind: Some("Helm".into()),
            source: Some("https://example.com".into()),
            version: Some("1".into()),
            values_file: Some("v.yaml".into()),
            overrides: Some(serde_json::Map::from_iter([("k".to_owned(), 1.into())])),
            dependency_refs: Some(vec![]),
            patches: Some(vec!["p".into()]),
            manifest_files: Some(vec!["m.yaml".into()]),
            expected_resources: Some(vec![serde_json::json!({"kind": "Deployment"})]),
        }],
        deployment_order: vec!["a".into()],
        validation: Validation {
            deployment: phase(),
            performance: phase(),
            conformance: phase(),
        },
    };
    serde_json::to_value(recipe).unwrap()
}

#[test]
fn the_openapi_required_lists_match_what_the_recipe_reader_requires() {
    let spec: serde_json::Value =
        serde_norway::from_str(include_str!("../openapi.yaml")).expect("openapi.yaml parses");
    let schemas = &spec["components"]["schemas"];
    let full = every_field();
    assert!(aicr::recipe::read_value(full.clone()).is_ok());
    let levels = [
        ("RecipeResult", ""),
        ("RecipeMetadata", "/metadata"),
        ("Criteria", "/criteria"),
        ("Constraint", "/constraints/0"),
        ("ComponentRef", "/componentRefs/0"),
        ("Validation", "/validation"),
        ("ValidationPhase", "/validation/performance"),
        ("Constraint", "/validation/deployment/constraints/0"),
    ];
    for (schema, at) in levels {
        let properties: Vec<&String> = schemas[schema]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{schema} has properties"))
            .keys()
            .collect();
        let mut written: Vec<&String> = full
            .pointer(at)
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .collect();
        let mut documented = properties.clone();
        written.sort();
        documented.sort();
        assert_eq!(
            documented, written,
            "{schema} documents every field of the recipe at '{at}'"
        );
        let required: Vec<&str> = schemas[schema]["required"]
            .as_array()
            .map(|r| r.iter().map(|v| v.as_str().unwrap()).collect())
            .unwrap_or_default();
        for property in properties {
            let mut document = full.clone();
            document
                .pointer_mut(at)
                .unwrap()
                .as_object_mut()
                .unwrap()
                .remove(property);
            let read = aicr::recipe::read_value(document);
            assert_eq!(
                read.is_ok(),
                !required.contains(&property.as_str()),
                "{schema}.{property}: {read:?}"
            );
        }
    }
}
