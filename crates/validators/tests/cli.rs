// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The validator's command-line contract, phase by phase: each phase runs through a
//! link named after it (`deployment <check>`), as before the three became one program;
//! the last tests check that `validator <phase> …` keeps the same contract.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The `validator` program under a phase's name: a symbolic link named `phase` in a
/// directory of this test run.
fn phase_bin(phase: &str) -> String {
    static LINKS: OnceLock<PathBuf> = OnceLock::new();
    let dir = LINKS.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("validator-links");
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["deployment", "performance", "conformance"] {
            // Made beside and renamed over: test processes running at once agree.
            let tmp = dir.join(format!(".{name}.{}", std::process::id()));
            let _ = std::fs::remove_file(&tmp);
            std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_validator"), &tmp).unwrap();
            std::fs::rename(&tmp, dir.join(name)).unwrap();
        }
        dir
    });
    dir.join(phase).to_str().unwrap().to_owned()
}

fn run(bin: &str, args: &[&str]) -> Output {
    Command::new(bin).args(args).output().expect("binary runs")
}

fn binaries() -> [(String, &'static str, &'static str); 3] {
    [
        (
            phase_bin("deployment"),
            "deployment",
            "gpu-operator-version",
        ),
        (
            phase_bin("performance"),
            "performance",
            "nccl-all-reduce-bw",
        ),
        (phase_bin("conformance"), "conformance", "dra-support"),
    ]
}

#[test]
fn version_help_and_list() {
    for (bin, name, check) in binaries() {
        let bin = bin.as_str();
        let out = run(bin, &["--version"]);
        assert!(out.status.success());
        let line = String::from_utf8_lossy(&out.stdout);
        assert!(line.starts_with(&format!("{name} version ")), "{line}");

        let out = run(bin, &["--help"]);
        assert!(out.status.success());
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(
            help.contains("2 skipped") && help.contains("AICR_RECIPE_PATH"),
            "{help}"
        );
        assert!(help.contains(check), "the help lists {check}");

        let out = run(bin, &["--list"]);
        assert!(out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|l| l == check),
            "{name} lists {check}"
        );
    }
}

#[test]
fn unknown_checks_exit_2_naming_the_known_ones() {
    for (bin, name, check) in binaries() {
        let bin = bin.as_str();
        let out = run(bin, &["no-such-check"]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("unknown check 'no-such-check'") && stderr.contains(check),
            "{stderr}"
        );
    }
}

#[test]
fn a_missing_check_name_is_a_usage_error() {
    for (bin, name, _) in binaries() {
        let bin = bin.as_str();
        let out = run(bin, &[]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("<CHECK>"));
    }
}

struct Fixture {
    dir: std::path::PathBuf,
    _removed_at_drop: tempfile::TempDir,
}

impl Fixture {
    fn new(name: &str) -> Fixture {
        let temp = tempfile::Builder::new()
            .prefix(&format!("validators-{name}-"))
            .tempdir()
            .unwrap();
        Fixture {
            dir: temp.path().to_path_buf(),
            _removed_at_drop: temp,
        }
    }

    /// A recipe with the gpu-operator constraint and the 300 GB/s NCCL threshold.
    fn recipe(&self) -> std::path::PathBuf {
        let q = aicr::criteria::Criteria {
            service: "eks".into(),
            accelerator: "h100".into(),
            intent: "training".into(),
            os: "ubuntu".into(),
            ..Default::default()
        };
        let r = aicr::recipe::recipe(&aicr::catalog::Catalog::embedded().unwrap(), &q).unwrap();
        let path = self.dir.join("recipe.json");
        std::fs::write(&path, serde_json::to_string(&r).unwrap()).unwrap();
        path
    }

    fn run(&self, bin: &str, args: &[&str], envs: &[(&str, &std::path::Path)]) -> Output {
        Command::new(bin)
            .args(args)
            .envs(envs.iter().map(|(k, v)| (*k, v.as_os_str())))
            .output()
            .unwrap()
    }
}

#[test]
fn gpu_operator_version_from_an_argument_or_the_snapshot() {
    let f = Fixture::new("gpuop");
    let recipe = f.recipe();
    let deployment = &phase_bin("deployment");
    let log = f.dir.join("termination-log");
    std::fs::write(&log, "").unwrap();
    let envs = [
        ("AICR_RECIPE_PATH", recipe.as_path()),
        ("AICR_TERMINATION_LOG", log.as_path()),
    ];
    assert_eq!(
        f.run(
            deployment,
            &["gpu-operator-version", "--deployed", "v25.10.1"],
            &envs
        )
        .status
        .code(),
        Some(0)
    );
    let out = f.run(
        deployment,
        &["gpu-operator-version", "--deployed", "v24.3.0", "--json"],
        &envs,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "gpu-operator v24.3.0 does not satisfy >= v24.6.0"
    );
    let ctrf: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for field in ["name", "status", "duration", "suite", "message", "stdout"] {
        assert!(ctrf.get(field).is_some(), "CTRF field {field}");
    }
    assert_eq!(
        (ctrf["status"].as_str(), ctrf["suite"].as_str()),
        (Some("failed"), Some("deployment"))
    );

    let snapshot = f.dir.join("snapshot.yaml");
    std::fs::write(&snapshot, "apiVersion: v\nkind: Snapshot\nmetadata: {timestamp: t, version: v, source-node: n}\nmeasurements:\n- type: Deployment\n  subtypes:\n  - subtype: gpu-operator\n    data: {version: v25.10.1}\n").unwrap();
    let with_snapshot = [
        ("AICR_RECIPE_PATH", recipe.as_path()),
        ("AICR_SNAPSHOT_PATH", snapshot.as_path()),
    ];
    assert_eq!(
        f.run(deployment, &["gpu-operator-version"], &with_snapshot)
            .status
            .code(),
        Some(0)
    );
    let out = isolated(
        &f,
        deployment,
        &["gpu-operator-version"],
        &[("AICR_RECIPE_PATH", recipe.to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(2), "skipped without a version");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("version is unknown (snapshot measurement Deployment.gpu-operator.version, --deployed, or the gpu-operator release in the cluster); no Kubernetes cluster"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn nccl_bandwidth_against_the_recipe_threshold() {
    let f = Fixture::new("nccl");
    let recipe = f.recipe();
    let performance = &phase_bin("performance");
    let row = |bw: f64| {
        format!(
            "  8589934592  2147483648  float  sum  -1  45901  187.14  {bw}  0  45880  187.22  {bw}  0\n"
        )
    };
    let good = f.dir.join("good.txt");
    std::fs::write(&good, row(280.0)).unwrap();
    let bad = f.dir.join("bad.txt");
    std::fs::write(&bad, row(250.0)).unwrap();
    let envs = [("AICR_RECIPE_PATH", recipe.as_path())];
    assert_eq!(
        f.run(
            performance,
            &["nccl-all-reduce-bw", "--input", good.to_str().unwrap()],
            &envs
        )
        .status
        .code(),
        Some(0)
    );
    let out = f.run(
        performance,
        &["nccl-all-reduce-bw", "--input", bad.to_str().unwrap()],
        &envs,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("below 300 GB/s less 10%"));
    assert_eq!(
        f.run(performance, &["nccl-all-reduce-bw"], &envs)
            .status
            .code(),
        Some(2),
        "no output: skipped"
    );
}

#[test]
fn termination_log_is_cut_at_4096_characters() {
    let f = Fixture::new("cut");
    let log = f.dir.join("termination-log");
    std::fs::write(&log, "").unwrap();
    let recipe = f.recipe();
    // A missing input whose path alone is longer than the limit.
    let long = format!("{}{}", f.dir.display(), "/z".repeat(2500));
    let out = f.run(
        &phase_bin("performance"),
        &["nccl-all-reduce-bw", "--input", &long],
        &[
            ("AICR_RECIPE_PATH", recipe.as_path()),
            ("AICR_TERMINATION_LOG", log.as_path()),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let written = std::fs::read_to_string(&log).unwrap();
    assert_eq!(written.chars().count(), 4096);
    assert!(written.starts_with("cannot read "));
}

/// Runs a validator with no ambient cluster configuration: `HOME` is the fixture's
/// directory, `KUBECONFIG` and `KUBERNETES_SERVICE_HOST` are unset unless given.
fn isolated(f: &Fixture, bin: &str, args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new(bin)
        .args(args)
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("KUBERNETES_SERVICE_PORT")
        .env("HOME", &f.dir)
        .env("AICR_TERMINATION_LOG", f.dir.join("termination-log"))
        .envs(envs.iter().copied())
        .output()
        .unwrap()
}

fn cluster_checks() -> [(String, &'static str); 3] {
    [
        (phase_bin("deployment"), "operator-health"),
        (phase_bin("deployment"), "expected-resources"),
        (phase_bin("conformance"), "dra-support"),
    ]
}

#[test]
fn cluster_checks_without_a_cluster_are_skipped_saying_why() {
    let f = Fixture::new("nocluster");
    for (bin, check) in cluster_checks() {
        let bin = bin.as_str();
        let out = isolated(&f, bin, &[check, "--json"], &[]);
        assert_eq!(out.status.code(), Some(2), "{check}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("no Kubernetes cluster: not running in a pod (KUBERNETES_SERVICE_HOST is unset) and no kubeconfig"),
            "{stderr}"
        );
        let ctrf: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(ctrf["status"], "skipped");
    }
    let missing = f.dir.join("no-such-kubeconfig");
    let out = isolated(
        &f,
        &cluster_checks()[0].0,
        &["operator-health"],
        &[("KUBECONFIG", missing.to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-kubeconfig does not exist"));
}

#[test]
fn an_unreachable_api_server_is_a_skip_and_a_broken_configuration_a_failure() {
    let f = Fixture::new("unreachable");
    // A port that was just free: nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let kubeconfig = f.dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:{port}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: x\n  context: {{cluster: c, user: u}}\ncurrent-context: x\n"
        ),
    )
    .unwrap();
    for (bin, check) in cluster_checks() {
        let bin = bin.as_str();
        let out = isolated(
            &f,
            bin,
            &[check, "--kubeconfig", kubeconfig.to_str().unwrap()],
            &[],
        );
        assert_eq!(out.status.code(), Some(2), "{check}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!(
                "the Kubernetes API at https://127.0.0.1:{port}/ is unreachable"
            )),
            "{stderr}"
        );
    }
    // ~/.kube/config is found without the flag.
    std::fs::create_dir_all(f.dir.join(".kube")).unwrap();
    std::fs::copy(&kubeconfig, f.dir.join(".kube/config")).unwrap();
    let out = isolated(&f, &cluster_checks()[2].0, &["dra-support"], &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("is unreachable"));

    // Not a kubeconfig: a failure, with the reason in the termination log.
    std::fs::write(&kubeconfig, "clusters: [oops\n").unwrap();
    std::fs::write(f.dir.join("termination-log"), "").unwrap();
    let out = isolated(
        &f,
        &cluster_checks()[0].0,
        &["operator-health"],
        &[("KUBECONFIG", kubeconfig.to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(1));
    let log = std::fs::read_to_string(f.dir.join("termination-log")).unwrap();
    assert!(log.starts_with("cannot read the kubeconfig "), "{log}");

    // In a pod without its service account token: a failure too.
    let out = isolated(
        &f,
        &cluster_checks()[0].0,
        &["operator-health"],
        &[
            ("KUBERNETES_SERVICE_HOST", "127.0.0.1"),
            ("KUBERNETES_SERVICE_PORT", "443"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("cannot load the pod's service account configuration"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn rbac_prints_the_cluster_role_of_the_phase() {
    let out = run(&phase_bin("deployment"), &["--rbac"]);
    assert!(out.status.success());
    let role: serde_json::Value = serde_norway::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (role["kind"].as_str(), role["metadata"]["name"].as_str()),
        (Some("ClusterRole"), Some("aicr-deployment-validator"))
    );
    assert!(
        role["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["resources"][0] == "pods" && r["verbs"][0] == "list"),
        "{role}"
    );
    let out = run(&phase_bin("performance"), &["--rbac"]);
    let role: serde_json::Value = serde_norway::from_slice(&out.stdout).unwrap();
    assert_eq!(role["rules"], serde_json::json!([]), "reads no API");
    let out = run(&phase_bin("conformance"), &["--rbac", "dra-support"]);
    assert_eq!(out.status.code(), Some(2), "--rbac takes no check");
}

/// A server that is no Kubernetes API: it answers every request with a 404 page.
fn not_kubernetes() -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let body = "<html>\n  <body>\n    <h1>Not Found</h1>\n  </body>\n</html>\n";
            let _ = write!(
                stream,
                "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

#[test]
fn a_server_that_is_no_kubernetes_api_fails_the_check_on_one_line() {
    let f = Fixture::new("notkube");
    let port = not_kubernetes();
    let kubeconfig = f.dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {{server: 'http://127.0.0.1:{port}'}}\nusers:\n- name: u\n  user: {{token: t}}\ncontexts:\n- name: x\n  context: {{cluster: c, user: u}}\ncurrent-context: x\n"
        ),
    )
    .unwrap();
    std::fs::write(f.dir.join("termination-log"), "").unwrap();
    let out = isolated(
        &f,
        &phase_bin("conformance"),
        &[
            "platform-health",
            "--json",
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let log = std::fs::read_to_string(f.dir.join("termination-log")).unwrap();
    assert!(log.starts_with("cannot read the server version: "), "{log}");
    assert!(
        log.contains("(404)") && log.contains("<h1>Not Found</h1>"),
        "{log}"
    );
    assert!(!log.contains('\n'), "one line: {log}");
    let ctrf: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (ctrf["status"].as_str(), ctrf["message"].as_str()),
        (Some("failed"), Some(log.as_str()))
    );
}

const VALIDATOR: &str = env!("CARGO_BIN_EXE_validator");

#[test]
fn the_first_argument_names_the_phase_with_the_same_contract() {
    let f = Fixture::new("multicall");
    let recipe = f.recipe();
    for (bin, name, check) in binaries() {
        for args in [
            &["--list"][..],
            &["--rbac"],
            &["--version"],
            &["--help"],
            &["no-such-check"],
            &[],
            &["--rbac", check],
        ] {
            let linked = run(&bin, args);
            let mut full = vec![name];
            full.extend_from_slice(args);
            let called = run(VALIDATOR, &full);
            assert_eq!(
                called.status.code(),
                linked.status.code(),
                "validator {full:?}"
            );
            assert_eq!(
                String::from_utf8_lossy(&called.stdout),
                String::from_utf8_lossy(&linked.stdout),
                "validator {full:?}"
            );
            if args.is_empty() {
                assert!(
                    String::from_utf8_lossy(&called.stderr).contains(&format!("Usage: {name} ")),
                    "the usage names the phase"
                );
            }
        }
    }
    // The exit code, the CTRF result and the termination log of a failed check.
    let log = f.dir.join("termination-log");
    std::fs::write(&log, "").unwrap();
    let out = f.run(
        VALIDATOR,
        &[
            "deployment",
            "gpu-operator-version",
            "--deployed",
            "v24.3.0",
            "--json",
        ],
        &[
            ("AICR_RECIPE_PATH", recipe.as_path()),
            ("AICR_TERMINATION_LOG", log.as_path()),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "gpu-operator v24.3.0 does not satisfy >= v24.6.0"
    );
    let ctrf: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (ctrf["status"].as_str(), ctrf["suite"].as_str()),
        (Some("failed"), Some("deployment"))
    );
}

#[test]
fn the_program_names_its_phases_and_refuses_anything_else() {
    let out = run(VALIDATOR, &["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for phase in ["deployment", "performance", "conformance"] {
        assert!(help.contains(phase), "{help}");
    }
    assert!(help.contains("Usage: validator <PHASE> <CHECK>"), "{help}");

    let out = run(VALIDATOR, &["--version"]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("validator version "),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    for (args, reason) in [
        (&[][..], "error: a phase is required"),
        (
            &["operator-health"],
            "error: unknown phase 'operator-health'",
        ),
        (
            &["Deployment", "--list"],
            "error: unknown phase 'Deployment'",
        ),
    ] {
        let out = run(VALIDATOR, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(reason)
                && stderr.contains("expected one of deployment, performance, conformance"),
            "{stderr}"
        );
    }
    // A copy (not a link) named after a phase is that phase, too.
    let f = Fixture::new("copy");
    let copy = f.dir.join("performance");
    std::fs::copy(VALIDATOR, &copy).unwrap();
    let out = run(copy.to_str().unwrap(), &["--list"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "nccl-all-reduce-bw\n");
}

/// Runs a validator with stdout a pipe whose only reader is gone before anything is
/// written, so the first write meets EPIPE.
fn closed_stdout(bin: &str, args: &[&str], envs: &[(&str, &std::path::Path)]) -> Output {
    let mut child = Command::new(bin)
        .args(args)
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .envs(envs.iter().map(|(k, v)| (*k, v.as_os_str())))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

/// Runs a validator with stdout on `/dev/full`, where every write fails with ENOSPC.
fn full_stdout(bin: &str, args: &[&str], envs: &[(&str, &std::path::Path)]) -> Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full exists on Linux");
    Command::new(bin)
        .args(args)
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .envs(envs.iter().map(|(k, v)| (*k, v.as_os_str())))
        .stdout(full)
        .output()
        .unwrap()
}

#[test]
fn a_closed_stdout_ends_the_output_a_full_disk_is_an_error() {
    let f = Fixture::new("stdout");
    let recipe = f.recipe();
    let envs = [
        ("AICR_RECIPE_PATH", recipe.as_path()),
        ("HOME", f.dir.as_path()),
    ];
    for (bin, name, check) in binaries() {
        // (arguments, exit code when the output is written or its reader is gone)
        let mut cases: Vec<(Vec<&str>, i32)> = vec![
            (vec!["--list"], 0),
            (vec!["--rbac"], 0),
            (vec!["--help"], 0),
            (vec!["--version"], 0),
        ];
        if name == "deployment" {
            cases.push((vec![check, "--json", "--deployed", "v25.10.1"], 0));
            cases.push((vec![check, "--json", "--deployed", "v24.3.0"], 1));
        } else {
            // Skipped (no input, or no cluster): the verdict is exit 2.
            cases.push((vec![check, "--json"], 2));
        }
        for (args, code) in cases {
            let out = closed_stdout(&bin, &args, &envs);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!stderr.contains("panicked"), "{name} {args:?}: {stderr}");
            assert!(!stderr.contains("stdout"), "{name} {args:?}: {stderr}");
            assert_eq!(out.status.code(), Some(code), "{name} {args:?}: {stderr}");

            let out = full_stdout(&bin, &args, &envs);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!stderr.contains("panicked"), "{name} {args:?}: {stderr}");
            assert_eq!(out.status.code(), Some(1), "{name} {args:?}: {stderr}");
            assert!(
                stderr
                    .lines()
                    .last()
                    .unwrap_or_default()
                    .starts_with("error: cannot write to stdout: No space left on device"),
                "{name} {args:?}: {stderr}"
            );
        }
    }
}

#[test]
fn versions_that_do_not_parse_and_infinite_bandwidths_fail() {
    let f = Fixture::new("accidents");
    let recipe = f.recipe();
    let log = f.dir.join("termination-log");
    let envs = [
        ("AICR_RECIPE_PATH", recipe.as_path()),
        ("AICR_TERMINATION_LOG", log.as_path()),
    ];
    for (deployed, message) in [
        (
            "zzz",
            "gpu-operator: cannot compare 'zzz' with '>= v24.6.0': 'zzz' is not a version",
        ),
        (
            "v24.6.0-rc1",
            "gpu-operator v24.6.0-rc1 does not satisfy >= v24.6.0",
        ),
    ] {
        let out = f.run(
            &phase_bin("deployment"),
            &["gpu-operator-version", "--deployed", deployed],
            &envs,
        );
        assert_eq!(out.status.code(), Some(1), "{deployed}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("gpu-operator-version: failed: {message}\n")
        );
    }
    let input = f.dir.join("inf.txt");
    std::fs::write(
        &input,
        "  8589934592  2147483648  float  sum  -1  45901  187.14  inf  0  45880  187.22  inf  0\n",
    )
    .unwrap();
    let out = f.run(
        &phase_bin("performance"),
        &["nccl-all-reduce-bw", "--input", input.to_str().unwrap()],
        &envs,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("bus bandwidth of 'inf', which is not a finite number"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The RecipeResult with every field the original leaves out when empty left out.
const MINIMAL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../aicr/tests/fixtures/recipe-result-minimal.yaml"
);

#[test]
fn a_recipe_without_the_optional_fields_loads_in_each_validator() {
    let f = Fixture::new("minimal");
    let cases = [
        (
            &phase_bin("deployment"),
            &["gpu-operator-version", "--deployed", "v25.10.1"][..],
            "gpu-operator-version: skipped: the recipe sets no Deployment.gpu-operator.version constraint",
        ),
        (
            &phase_bin("deployment"),
            &["operator-health"][..],
            "operator-health: skipped: no Kubernetes cluster",
        ),
        (
            &phase_bin("performance"),
            &["nccl-all-reduce-bw"][..],
            "nccl-all-reduce-bw: skipped: the recipe sets no nccl-all-reduce-bw threshold",
        ),
        (
            &phase_bin("conformance"),
            &["dra-support"][..],
            "dra-support: skipped: no Kubernetes cluster",
        ),
    ];
    for (bin, args, message) in cases {
        let out = isolated(&f, bin, args, &[("AICR_RECIPE_PATH", MINIMAL)]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with(message), "{args:?}: {stderr}");
    }
}

#[test]
fn recipe_fields_the_validators_do_not_know_are_ignored_with_a_warning() {
    let f = Fixture::new("unknown-fields");
    let recipe = f.dir.join("recipe.yaml");
    std::fs::write(
        &recipe,
        std::fs::read_to_string(MINIMAL).unwrap()
            + "validation:\n  performance:\n    infrastructure: nccl-doctor\n    constraints:\n      - {name: nccl-all-reduce-bw, value: '>= 300', unit: GB/s}\n",
    )
    .unwrap();
    let input = f.dir.join("nccl.txt");
    std::fs::write(
        &input,
        "  8589934592  2147483648  float  sum  -1  45901  187.14  310.0  0  45880  187.22  310.0  0\n",
    )
    .unwrap();
    let out = f.run(
        &phase_bin("performance"),
        &["nccl-all-reduce-bw", "--input", input.to_str().unwrap()],
        &[("AICR_RECIPE_PATH", recipe.as_path())],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "warning: AICR_RECIPE_PATH={}: ignoring unknown field validation.performance.infrastructure\n",
            recipe.display()
        )),
        "{stderr}"
    );

    std::fs::write(
        &recipe,
        "kind: Snapshot\ncomponentRefs: []\ndeploymentOrder: []\n",
    )
    .unwrap();
    let out = f.run(
        &phase_bin("deployment"),
        &["gpu-operator-version"],
        &[("AICR_RECIPE_PATH", recipe.as_path())],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        format!(
            "gpu-operator-version: failed: AICR_RECIPE_PATH={} has kind Snapshot, expected RecipeResult",
            recipe.display()
        )
    );
}
