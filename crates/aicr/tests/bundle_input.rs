// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `aicr bundle` against hostile recipes and `--set`s, through the real binary: the
//! generated scripts run under bash with recording `helm` and `kubectl` stand-ins.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;
use serde_json::{Value, json};
use support::{aicr, helm_component, recipe_with, stderr, workdir, write_json};

/// Writes `bin/helm` and `bin/kubectl` stand-ins that append their argv (the count,
/// then each argument, NUL-terminated) to `record/<tool>`.
fn stand_ins(dir: &Path) -> (PathBuf, PathBuf) {
    let bin = dir.join("bin");
    let record = dir.join("record");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&record).unwrap();
    for tool in ["helm", "kubectl"] {
        let path = bin.join(tool);
        std::fs::write(
            &path,
            format!(
                "#!/usr/bin/env bash\nprintf '%s\\0' \"$#\" \"$@\" >> '{}/{tool}'\n",
                record.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    (bin, record)
}

/// The calls recorded in `record/<tool>`, each its list of arguments.
fn calls(record: &Path, tool: &str) -> Vec<Vec<String>> {
    let Ok(bytes) = std::fs::read(record.join(tool)) else {
        return Vec::new();
    };
    let text = String::from_utf8(bytes).unwrap();
    let mut fields = text.split('\0');
    let mut calls = Vec::new();
    while let Some(count) = fields.next().filter(|f| !f.is_empty()) {
        let n: usize = count.parse().unwrap();
        calls.push(fields.by_ref().take(n).map(str::to_owned).collect());
    }
    calls
}

/// Runs `script` of `bundle` with bash, the stand-ins first on PATH.
fn run_script(bundle: &Path, script: &str, bin: &Path) {
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let out = Command::new("bash")
        .arg(bundle.join(script))
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One component's fields as a recipe gives them.
#[derive(Debug, Clone)]
struct Fields {
    name: String,
    chart: String,
    source: String,
    version: String,
    namespace: String,
}

fn valid_name() -> impl Strategy<Value = String> {
    "[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?"
}

fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        Just("https://x' ; touch pwned ; : '".to_owned()),
        Just("--post-renderer=./pwned".to_owned()),
        Just("-x".to_owned()),
        Just("$(touch pwned)".to_owned()),
        Just("`touch pwned`".to_owned()),
        Just("a\nb".to_owned()),
        Just(String::new()),
        "[a-z0-9]{1,5}['\" $`;|&<>*?!\\\\-][a-z0-9]{0,5}",
    ]
}

fn field(valid: BoxedStrategy<String>) -> impl Strategy<Value = String> {
    prop_oneof![8 => valid, 1 => hostile()]
}

fn fields() -> impl Strategy<Value = Fields> {
    (
        field(valid_name().boxed()),
        field("[A-Za-z0-9][A-Za-z0-9._-]{0,20}".boxed()),
        field(
            "(https|oci)://[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?(\\.[a-z0-9]{1,5}){0,2}(:[0-9]{1,5})?(/([A-Za-z0-9._~-]|%[0-9A-Fa-f]{2}){0,8}){0,3}"
                .boxed(),
        ),
        field(
            "v?[0-9]{1,3}(\\.[0-9]{1,3}){0,2}(-[0-9A-Za-z-]{1,5}(\\.[0-9A-Za-z-]{1,5}){0,2})?(\\+[0-9A-Za-z-]{1,5})?"
                .boxed(),
        ),
        field(valid_name().boxed()),
    )
        .prop_map(|(name, chart, source, version, namespace)| Fields {
            name,
            chart,
            source,
            version,
            namespace,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the recipe's fields hold, `aicr bundle` either refuses them with one
    /// line naming the component, or writes scripts that hand each value to `helm` as
    /// one literal argument.
    #[test]
    fn every_field_reaches_helm_as_one_literal_argument(f in fields()) {
        let dir = workdir("inject");
        let component = json!({
            "name": f.name, "type": "Helm", "chart": f.chart, "source": f.source,
            "version": f.version, "namespace": f.namespace,
        });
        let recipe = write_json(&dir, "recipe.json", &recipe_with(json!([component]), &[f.name.as_str()]));
        let bundle = dir.join("bundle");
        let out = aicr(&["bundle", "-r", recipe.to_str().unwrap(), "-o", bundle.to_str().unwrap()]);
        if !out.status.success() {
            let err = stderr(&out);
            prop_assert_eq!(out.status.code(), Some(2), "{}", err);
            prop_assert!(err.starts_with("error: component "), "{}", err);
            prop_assert_eq!(err.lines().count(), 1, "{}", err);
            prop_assert!(!bundle.exists());
            let _ = std::fs::remove_dir_all(&dir);
            return Ok(());
        }
        let (bin, record) = stand_ins(&dir);
        run_script(&bundle, "deploy.sh", &bin);
        run_script(&bundle, "undeploy.sh", &bin);
        let oci = f.source.starts_with("oci://");
        let mut install: Vec<String> =
            ["upgrade", "--install", "--wait", "--timeout", "10m"].map(String::from).to_vec();
        if !oci {
            install.push(format!("--repo={}", f.source));
        }
        install.extend([
            format!("--version={}", f.version),
            format!("--namespace={}", f.namespace),
            "--create-namespace".into(),
            format!("--values={}/values.yaml", f.name),
            "--".into(),
            f.name.clone(),
            if oci {
                format!("{}/{}", f.source.trim_end_matches('/'), f.chart)
            } else {
                f.chart.clone()
            },
        ]);
        let uninstall: Vec<String> = vec![
            "uninstall".into(),
            format!("--namespace={}", f.namespace),
            "--wait".into(),
            "--".into(),
            f.name.clone(),
        ];
        prop_assert_eq!(calls(&record, "helm"), vec![install, uninstall]);
        prop_assert!(calls(&record, "kubectl").is_empty());
        prop_assert!(!bundle.join("pwned").exists() && !dir.join("pwned").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn injected_fields_and_option_names_are_refused_with_one_line() {
    let dir = workdir("inject-cases");
    let base = helm_component("app", &[]);
    let cases: &[(&str, &str, &str)] = &[
        (
            "source",
            "https://x' ; touch /tmp/p ; : '",
            "error: component app: source \"https://x' ; touch /tmp/p ; : '\" is not an https:// or oci:// URL (no credentials, query or fragment)",
        ),
        (
            "name",
            "--post-renderer",
            "error: component name \"--post-renderer\" is not a valid name; hint: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 53 characters",
        ),
        (
            "chart",
            "-x",
            "error: component app: chart \"-x\" is not a chart name (letters, digits, '.', '_' and '-', starting with a letter or digit)",
        ),
        (
            "version",
            "1.0\n--post-renderer=x",
            "error: component app: version \"1.0\\n--post-renderer=x\" is not a chart version (a semantic version such as v1.2.3 or 1.2.3-rc.1)",
        ),
        (
            "namespace",
            "$(id)",
            "error: component app: namespace \"$(id)\" is not a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters)",
        ),
        (
            "type",
            "Kustomize",
            "error: component app: type \"Kustomize\" cannot be bundled; supported: Helm",
        ),
    ];
    for (field, value, want) in cases {
        let mut component = base.clone();
        component[*field] = json!(value);
        let order = if *field == "name" { *value } else { "app" };
        let recipe = write_json(
            &dir,
            "recipe.json",
            &recipe_with(json!([component]), &[order]),
        );
        let out = aicr(&[
            "bundle",
            "-r",
            recipe.to_str().unwrap(),
            "-o",
            dir.join("b").to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2), "{field}");
        assert_eq!(stderr(&out), format!("{want}\n"), "{field}");
        assert!(!dir.join("b").exists());
    }
    let mut no_source = base.clone();
    no_source.as_object_mut().unwrap().remove("source");
    let recipe = write_json(
        &dir,
        "recipe.json",
        &recipe_with(json!([no_source]), &["app"]),
    );
    let out = aicr(&[
        "bundle",
        "-r",
        recipe.to_str().unwrap(),
        "-o",
        dir.join("b").to_str().unwrap(),
    ]);
    assert!(
        stderr(&out).starts_with("error: component app has no source; hint:"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn generated_scripts_pass_shellcheck_and_run_in_order() {
    let dir = workdir("scripts");
    let mut oci = helm_component("db", &[]);
    oci["source"] = json!("oci://registry.example.com:5000/charts/");
    oci["chart"] = json!("postgres_x.y");
    let recipe = recipe_with(json!([helm_component("app", &["db"]), oci]), &["db", "app"]);
    let path = write_json(&dir, "recipe.json", &recipe);
    let bundle = dir.join("bundle");
    let out = aicr(&[
        "bundle",
        "-r",
        path.to_str().unwrap(),
        "-o",
        bundle.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let shellcheck = Command::new("shellcheck")
        .args(["deploy.sh", "undeploy.sh"])
        .current_dir(&bundle)
        .output();
    match shellcheck {
        Ok(out) => assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        ),
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::NotFound, "{e}"),
    }
    let (bin, record) = stand_ins(&dir);
    run_script(&bundle, "deploy.sh", &bin);
    run_script(&bundle, "undeploy.sh", &bin);
    let names: Vec<(String, String)> = calls(&record, "helm")
        .iter()
        .map(|c| {
            (
                c[0].clone(),
                c[c.iter().position(|a| a == "--").unwrap() + 1].clone(),
            )
        })
        .collect();
    let pairs: Vec<(&str, &str)> = names
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("upgrade", "db"),
            ("upgrade", "app"),
            ("uninstall", "app"),
            ("uninstall", "db")
        ]
    );
    let db = &calls(&record, "helm")[0];
    assert_eq!(
        db.last().map(String::as_str),
        Some("oci://registry.example.com:5000/charts/postgres_x.y")
    );
    assert!(!db.iter().any(|a| a.starts_with("--repo")));
}

fn bundle_err(dir: &Path, recipe: &Value, extra: &[&str]) -> String {
    let path = write_json(dir, "recipe.json", recipe);
    let output = dir.join("b");
    let mut args = vec![
        "bundle",
        "-r",
        path.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = aicr(&args);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!output.exists(), "nothing is written on error");
    stderr(&out)
}

#[test]
fn recipes_whose_order_or_components_disagree_are_refused() {
    let dir = workdir("trust");
    let app = helm_component("app", &["db"]);
    let db = helm_component("db", &[]);
    let cases: Vec<(Value, &str)> = vec![
        (
            recipe_with(json!([app, db]), &["app", "db"]),
            "error: recipe: deploymentOrder puts app before db, which it depends on\n",
        ),
        (
            recipe_with(json!([app, db]), &["db"]),
            "error: recipe: component app is missing from deploymentOrder; hint: list every component there, after its dependencies\n",
        ),
        (
            recipe_with(json!([app, db]), &["db", "app", "cache"]),
            "error: recipe: deploymentOrder names \"cache\", which componentRefs lacks\n",
        ),
        (
            recipe_with(json!([app, db]), &["db", "app", "db"]),
            "error: recipe: deploymentOrder lists db twice\n",
        ),
        (
            recipe_with(json!([db, db]), &["db"]),
            "error: recipe: component db is listed twice in componentRefs\n",
        ),
        (
            recipe_with(json!([app]), &["app"]),
            "error: recipe: component app depends on \"db\", which the recipe does not include\n",
        ),
        (
            recipe_with(
                json!([helm_component("x", &["y"]), helm_component("y", &["x"])]),
                &[],
            ),
            "error: recipe: dependency cycle among x, y\n",
        ),
    ];
    for (recipe, want) in cases {
        assert_eq!(bundle_err(&dir, &recipe, &[]), want);
    }
}

#[test]
fn a_recipe_without_an_order_is_deployed_in_dependency_order() {
    let dir = workdir("trust-order");
    let recipe = recipe_with(
        json!([
            helm_component("app", &["db", "cache"]),
            helm_component("db", &[]),
            helm_component("cache", &["db"])
        ]),
        &[],
    );
    let path = write_json(&dir, "recipe.json", &recipe);
    let bundle = dir.join("b");
    let out = aicr(&[
        "bundle",
        "-r",
        path.to_str().unwrap(),
        "-o",
        bundle.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let readme = std::fs::read_to_string(bundle.join("README.md")).unwrap();
    assert!(readme.ends_with("- db\n- cache\n- app\n"), "{readme}");
}

#[test]
fn disabling_a_dependency_needs_its_dependents_disabled() {
    let dir = workdir("trust-disable");
    let recipe = recipe_with(
        json!([
            helm_component("app", &["db"]),
            helm_component("db", &[]),
            helm_component("web", &["app"])
        ]),
        &["db", "app", "web"],
    );
    assert_eq!(
        bundle_err(&dir, &recipe, &["--set", "db:enabled=false"]),
        "error: --set db:enabled=false leaves app without db, which it depends on; hint: disable app as well or keep db\n"
    );
    assert_eq!(
        bundle_err(
            &dir,
            &recipe,
            &["--set", "db:enabled=false", "--set", "app:enabled=false"]
        ),
        "error: --set app:enabled=false leaves web without app, which it depends on; hint: disable web as well or keep app\n"
    );
    let path = write_json(&dir, "recipe.json", &recipe);
    let bundle = dir.join("ok");
    let out = aicr(&[
        "bundle",
        "-r",
        path.to_str().unwrap(),
        "-o",
        bundle.to_str().unwrap(),
        "--set",
        "db:enabled=false",
        "--set",
        "app:enabled=false",
        "--set",
        "web:enabled=false",
        "--set",
        "db:enabled=true",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let readme = std::fs::read_to_string(bundle.join("README.md")).unwrap();
    assert!(
        readme.ends_with("order:\n\n- db\n"),
        "the last enabled= wins: {readme}"
    );
}

#[test]
fn set_values_keep_their_type_and_malformed_sets_are_refused() {
    let dir = workdir("sets");
    let recipe = recipe_with(json!([helm_component("app", &[])]), &["app"]);
    let path = write_json(&dir, "recipe.json", &recipe);
    let bundle = dir.join("ok");
    let sets = [
        ("--set", "app:a.octal=010", json!("010")),
        ("--set", "app:a.yes=yes", json!("yes")),
        ("--set", "app:a.on=on", json!("on")),
        ("--set", "app:a.n=n", json!("n")),
        ("--set", "app:a.off=OFF", json!("OFF")),
        ("--set", "app:a.int=10", json!(10)),
        ("--set", "app:a.neg=-3", json!(-3)),
        ("--set", "app:a.float=1.5", json!(1.5)),
        ("--set", "app:a.exp=1e5", json!("1e5")),
        ("--set", "app:a.bool=true", json!(true)),
        ("--set", "app:a.null=null", Value::Null),
        ("--set", "app:a.version=1.10", json!("1.10")),
        ("--set", "app:a.empty=", json!("")),
        ("--set", "app:a.eq=x=y", json!("x=y")),
        ("--set-string", "app:a.forced=true", json!("true")),
        ("--set-string", "app:a.forced_int=10", json!("10")),
    ];
    let mut args = vec![
        "bundle",
        "-r",
        path.to_str().unwrap(),
        "-o",
        bundle.to_str().unwrap(),
    ];
    for (flag, text, _) in &sets {
        args.extend([*flag, *text]);
    }
    let out = aicr(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(bundle.join("app/values.yaml")).unwrap();
    let values: Value = serde_norway::from_str(&text).unwrap();
    for (_, set, want) in &sets {
        let key = set.split_once("a.").unwrap().1.split('=').next().unwrap();
        assert_eq!(&values["a"][key], want, "{set} in\n{text}");
    }
    for line in [
        "octal: '010'",
        "'yes': 'yes'",
        "'on': 'on'",
        "'n': 'n'",
        "'off': 'OFF'",
        "forced: 'true'",
        "int: 10",
        "float: 1.5",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }

    let cases: &[(&str, &str, &str)] = &[
        (
            "--set",
            "app:a..b=1",
            "error: --set \"app:a..b=1\": the path has an empty key (keys are separated by single dots); expected NAME:PATH=VALUE, e.g. gpu-operator:driver.version=580.0\n",
        ),
        (
            "--set",
            "app:=1",
            "error: --set \"app:=1\": the path is empty; expected NAME:PATH=VALUE, e.g. gpu-operator:driver.version=580.0\n",
        ),
        (
            "--set",
            "app:a.=1",
            "error: --set \"app:a.=1\": the path has an empty key (keys are separated by single dots); expected NAME:PATH=VALUE, e.g. gpu-operator:driver.version=580.0\n",
        ),
        (
            "--set",
            "app:.a=1",
            "error: --set \"app:.a=1\": the path has an empty key (keys are separated by single dots); expected NAME:PATH=VALUE, e.g. gpu-operator:driver.version=580.0\n",
        ),
        (
            "--set",
            "app:a",
            "error: --set \"app:a\": no '=' after the path; expected NAME:PATH=VALUE, e.g. gpu-operator:driver.version=580.0\n",
        ),
        (
            "--set",
            ":a=1",
            "error: --set \":a=1\": the component name is empty; expected NAME:PATH=VALUE, e.g. gpu-operator:driver.version=580.0\n",
        ),
        (
            "--set",
            "a..b=1",
            "error: --set \"a..b=1\": no ':'; expected NAME:PATH=VALUE, e.g. gpu-operator:driver.version=580.0\n",
        ),
        (
            "--set-string",
            "app:a..b=1",
            "error: --set-string \"app:a..b=1\": the path has an empty key (keys are separated by single dots); expected NAME:PATH=VALUE, e.g. gpu-operator:driver.version=580.0\n",
        ),
        (
            "--set",
            "ghost:a=1",
            "error: --set names \"ghost\", which the recipe does not include\n",
        ),
    ];
    for (flag, text, want) in cases {
        assert_eq!(bundle_err(&dir, &recipe, &[flag, text]), *want);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Any value given with --set lands in values.yaml as that very text, or as the
    /// YAML 1.2 scalar the text unambiguously is; --set-string always as the text.
    #[test]
    fn set_values_read_back_from_values_yaml(
        keys in proptest::collection::vec("[a-zA-Z0-9_:/ -]{1,6}", 1..4),
        value in prop_oneof![
            "[^\0]*",
            "[-+]?[0-9]{0,4}(\\.[0-9]{0,3})?([eE][-+]?[0-9])?",
            "(true|false|null|yes|no|on|off|y|n|~|True|NULL)",
        ],
    ) {
        let dir = workdir("set-prop");
        let recipe = write_json(&dir, "recipe.json", &recipe_with(json!([helm_component("app", &[])]), &["app"]));
        let bundle = dir.join("b");
        let typed = format!("app:t.{}={value}", keys.join("."));
        let string = format!("app:s.{}={value}", keys.join("."));
        let out = aicr(&[
            "bundle", "-r", recipe.to_str().unwrap(), "-o", bundle.to_str().unwrap(),
            "--set", &typed, "--set-string", &string,
        ]);
        prop_assert!(out.status.success(), "{}", stderr(&out));
        let text = std::fs::read_to_string(bundle.join("app/values.yaml")).unwrap();
        let values: Value = serde_norway::from_str(&text).unwrap();
        let at = |root: &str| keys.iter().fold(&values[root], |v, k| &v[k.as_str()]).clone();
        let got = at("t");
        prop_assert_eq!(&got, &aicr::bundle::set::scalar(&value));
        match &got {
            Value::String(s) => prop_assert_eq!(s, &value),
            other => {
                let read: Value = serde_norway::from_str(&value).unwrap();
                prop_assert_eq!(&read, other);
            }
        }
        prop_assert_eq!(at("s"), Value::String(value.clone()), "{}", text);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
