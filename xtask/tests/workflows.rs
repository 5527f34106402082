// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The wiring between the GitHub workflows that actionlint cannot see: a job calling a
//! reusable workflow of this repository passes only inputs it declares, every required
//! one, and `needs.<job>.outputs.<name>` expressions name a needed job's declared
//! output. The on-tag workflow hands the image digests `cargo xtask images --list`
//! printed to attest-images.yaml.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn load(text: &str) -> Value {
    serde_norway::from_str(text).unwrap()
}

/// The problems of the calls from `caller` to local reusable workflows, which `read`
/// returns by path (`.github/workflows/x.yaml`).
fn call_problems(caller: &Value, read: &dyn Fn(&str) -> Option<Value>) -> Vec<String> {
    let mut problems = Vec::new();
    let jobs = caller["jobs"].as_object().cloned().unwrap_or_default();
    for (name, job) in &jobs {
        let needs: BTreeSet<String> = match &job["needs"] {
            Value::String(one) => [one.clone()].into(),
            Value::Array(many) => many
                .iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect(),
            _ => BTreeSet::new(),
        };
        // Every `needs.<job>.outputs.<name>` the job uses.
        let text = serde_json::to_string(job).unwrap();
        for (at, _) in text.match_indices("needs.") {
            let rest = &text[at + "needs.".len()..];
            let mut parts =
                rest.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_' || c == '.'));
            let path = parts.next().unwrap_or_default();
            let segments: Vec<&str> = path.split('.').collect();
            if segments.len() < 3 || segments[1] != "outputs" {
                continue;
            }
            let (from, output) = (segments[0], segments[2]);
            if !needs.contains(from) {
                problems.push(format!(
                    "job {name} reads needs.{from} but does not need {from}"
                ));
            } else if jobs
                .get(from)
                .and_then(|j| j["outputs"].get(output))
                .is_none()
            {
                problems.push(format!(
                    "job {name} reads output {output} that job {from} does not declare"
                ));
            }
        }
        let Some(uses) = job["uses"].as_str() else {
            continue;
        };
        let Some(path) = uses.strip_prefix("./") else {
            continue;
        };
        let Some(called) = read(path) else {
            problems.push(format!("job {name} calls {path}, which does not exist"));
            continue;
        };
        let Some(inputs) = called["on"]["workflow_call"]
            .get("inputs")
            .and_then(Value::as_object)
        else {
            problems.push(format!(
                "job {name} calls {path}, which declares no workflow_call inputs"
            ));
            continue;
        };
        let given = job["with"].as_object().cloned().unwrap_or_default();
        for key in given.keys() {
            if !inputs.contains_key(key) {
                problems.push(format!(
                    "job {name} passes {key}, which {path} does not declare"
                ));
            }
        }
        for (key, input) in inputs {
            if input["required"] == true
                && input.get("default").is_none()
                && !given.contains_key(key)
            {
                problems.push(format!(
                    "job {name} does not pass {key}, which {path} requires"
                ));
            }
        }
    }
    problems
}

fn read_local(path: &str) -> Option<Value> {
    fs::read_to_string(root().join(path)).ok().map(|t| load(&t))
}

#[test]
fn reusable_workflow_calls_pass_declared_inputs_and_real_outputs() {
    let dir = root().join(".github/workflows");
    let mut checked = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = fs::read_to_string(&path).unwrap();
        let problems = call_problems(&load(&text), &read_local);
        assert!(problems.is_empty(), "{}: {problems:#?}", path.display());
        checked += 1;
    }
    assert!(checked >= 3);
}

#[test]
fn on_tag_hands_the_pushed_image_digests_to_attest_images() {
    let on_tag = read_local(".github/workflows/on-tag.yaml").unwrap();
    let call = &on_tag["jobs"]["attest-images"];
    assert_eq!(call["uses"], "./.github/workflows/attest-images.yaml");
    assert_eq!(
        call["with"]["images"],
        "${{ needs.publish.outputs.images }}"
    );
    for permission in ["id-token", "attestations", "packages"] {
        assert_eq!(call["permissions"][permission], "write", "{permission}");
    }
    let publish = &on_tag["jobs"]["publish"];
    assert_eq!(
        publish["outputs"]["images"],
        "${{ steps.images.outputs.images }}"
    );
    let step = publish["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "images")
        .unwrap();
    assert!(
        step["run"]
            .as_str()
            .unwrap()
            .contains("cargo xtask images --list"),
        "{step}"
    );
    // The step runs after the images are pushed.
    let steps = publish["steps"].as_array().unwrap();
    let release = steps
        .iter()
        .position(|s| s["run"].as_str().is_some_and(|r| r.contains("--publish")))
        .unwrap();
    let listed = steps.iter().position(|s| s["id"] == "images").unwrap();
    assert!(release < listed);

    let attest = read_local(".github/workflows/attest-images.yaml").unwrap();
    let job = &attest["jobs"]["attest"];
    assert_eq!(
        job["strategy"]["matrix"]["image"],
        "${{ fromJSON(inputs.images) }}"
    );
    let uses: Vec<&str> = job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["uses"].as_str())
        .collect();
    for action in ["actions/attest-build-provenance@", "actions/attest-sbom@"] {
        let pinned = uses.iter().find(|u| u.starts_with(action)).unwrap();
        let sha = pinned.split('@').nth(1).unwrap();
        assert!(
            sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
            "{pinned}"
        );
        let step = job["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["uses"].as_str() == Some(*pinned))
            .unwrap();
        assert_eq!(step["with"]["subject-digest"], "${{ matrix.image.digest }}");
        assert_eq!(
            step["with"]["subject-name"],
            "${{ matrix.image.repository }}"
        );
        assert_eq!(step["with"]["push-to-registry"], true);
    }
}

#[test]
fn miswired_calls_are_reported() {
    let called = load(
        "on:\n  workflow_call:\n    inputs:\n      images: {required: true, type: string}\n      artifact: {required: false, type: string, default: dist}\n",
    );
    let read = |path: &str| (path == ".github/workflows/a.yaml").then(|| called.clone());
    let caller = load(
        "jobs:\n  publish:\n    runs-on: x\n    outputs: {images: x}\n  call:\n    needs: publish\n    uses: ./.github/workflows/a.yaml\n    with: {imagez: '${{ needs.publish.outputs.digests }}'}\n  other:\n    uses: ./.github/workflows/b.yaml\n  late:\n    runs-on: x\n    steps: [{run: 'echo ${{ needs.publish.outputs.images }}'}]\n",
    );
    let problems = call_problems(&caller, &read);
    assert_eq!(
        problems,
        [
            "job call reads output digests that job publish does not declare",
            "job call passes imagez, which .github/workflows/a.yaml does not declare",
            "job call does not pass images, which .github/workflows/a.yaml requires",
            "job late reads needs.publish but does not need publish",
            "job other calls .github/workflows/b.yaml, which does not exist",
        ]
    );
}

/// The SHA a `uses:` pins, when it is 40 hex digits.
/// The `run` lines of a job's steps, in order.
fn runs_of(job: &Value) -> Vec<&str> {
    job["steps"]
        .as_array()
        .map(|steps| steps.iter().filter_map(|s| s["run"].as_str()).collect())
        .unwrap_or_default()
}

fn pinned_sha(uses: &str) -> Option<&str> {
    let sha = uses.split('@').nth(1)?;
    (sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit())).then_some(sha)
}

#[test]
fn the_kind_e2e_gates_pull_requests_of_the_product_and_publishing() {
    let kind = read_local(".github/workflows/kind-e2e.yaml").unwrap();
    let steps = kind["jobs"]["kind-e2e"]["steps"].as_array().unwrap();
    let uses: Vec<&str> = steps.iter().filter_map(|s| s["uses"].as_str()).collect();
    let cluster = uses
        .iter()
        .find(|u| u.starts_with("helm/kind-action@"))
        .unwrap();
    assert!(pinned_sha(cluster).is_some(), "{cluster}");
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    let build = runs
        .iter()
        .position(|r| r.contains("cargo xtask release --snapshot"))
        .unwrap();
    let test = runs
        .iter()
        .position(|r| r.contains("cargo xtask kind-e2e run --cluster aicr-e2e"))
        .unwrap();
    assert!(build < test);
    assert_eq!(
        steps
            .iter()
            .find(|s| s["uses"].as_str() == Some(*cluster))
            .unwrap()["with"]["cluster_name"],
        "aicr-e2e"
    );
    assert_eq!(kind["permissions"]["contents"], "read");

    let qualification = read_local(".github/workflows/qualification.yaml").unwrap();
    let job = &qualification["jobs"]["kind-e2e"];
    assert_eq!(job["uses"], "./.github/workflows/kind-e2e.yaml");
    assert_eq!(job["if"], "needs.changes.outputs.product == 'true'");
    let diff = qualification["jobs"]["changes"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "diff")
        .unwrap();
    assert!(
        diff["run"].as_str().unwrap().contains("-- crates/"),
        "{diff}"
    );
    assert_eq!(
        qualification["jobs"]["changes"]["if"],
        "github.event_name == 'pull_request'"
    );

    let on_tag = read_local(".github/workflows/on-tag.yaml").unwrap();
    assert_eq!(
        on_tag["jobs"]["kind-e2e"]["uses"],
        "./.github/workflows/kind-e2e.yaml"
    );
    let needs: Vec<&str> = on_tag["jobs"]["publish"]["needs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(needs.contains(&"kind-e2e"), "{needs:?}");
}

#[test]
fn qualification_enforces_coverage_with_a_pinned_cargo_llvm_cov() {
    let qualification = read_local(".github/workflows/qualification.yaml").unwrap();
    let steps = qualification["jobs"]["coverage"]["steps"]
        .as_array()
        .unwrap();
    let install = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("taiki-e/install-action@"))
        })
        .unwrap();
    assert!(pinned_sha(install["uses"].as_str().unwrap()).is_some());
    let tool = install["with"]["tool"].as_str().unwrap();
    let version = tool.strip_prefix("cargo-llvm-cov@").unwrap();
    assert!(
        semver::Version::parse(version).is_ok(),
        "an exact version, not a range: {tool}"
    );
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    assert!(
        runs.contains(&"cargo xtask qualify --only coverage"),
        "{runs:?}"
    );
    // The gate runs once: the qualify job leaves it to this job.
    let qualify = runs_of(&qualification["jobs"]["qualify"]);
    assert!(
        qualify.contains(&"cargo xtask qualify --skip coverage --e2e-profile \"$E2E_PROFILE\""),
        "{qualify:?}"
    );
    // Main, whose cache tags and the Kind test restore, checks the shipped profile.
    let env = qualification["jobs"]["qualify"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|s| s["env"]["E2E_PROFILE"].as_str())
        .unwrap();
    assert_eq!(
        env,
        "${{ github.event_name == 'push' && 'release-dist' || 'qualify-e2e' }}"
    );
}

#[test]
fn a_tag_runs_the_e2e_gate_on_the_binaries_as_they_ship() {
    let on_tag = read_local(".github/workflows/on-tag.yaml").unwrap();
    let runs = runs_of(&on_tag["jobs"]["qualify"]);
    assert!(
        runs.contains(&"cargo xtask qualify --e2e-profile release-dist"),
        "{runs:?}"
    );
    // The profile the gate names is the one release artifacts are built with.
    let manifest = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .join("Cargo.toml"),
    )
    .unwrap();
    assert!(manifest.contains("\n[profile.release-dist]\n"));
}
