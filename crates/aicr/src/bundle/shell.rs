// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The bundle's `deploy.sh` and `undeploy.sh`.
//!
//! Each Helm call is a list of arguments computed here ([`install_args`],
//! [`uninstall_args`]) and written word by word through [`quote`], so every value
//! reaches `helm` as one literal argument whatever it holds. Flag values are attached
//! to their flag (`--version=...`) and the release and chart come after `--`, so no
//! value is ever read as an option.

/// One component as the scripts deploy it. Its fields passed
/// [`super::fields::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// The release name, also the bundle directory holding `values.yaml`.
    pub name: String,
    /// The chart name, or the chart's `oci://` reference.
    pub chart: String,
    /// The Helm repository of a chart that is not an OCI reference.
    pub repo: Option<String>,
    /// The chart version; without one Helm takes the latest.
    pub version: Option<String>,
    /// The namespace to install into.
    pub namespace: String,
}

/// `word` as one shell word: single-quoted, each `'` written as `'\''`.
pub fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

fn line(words: &[String]) -> String {
    words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ")
}

/// The flags of `helm upgrade --install`, then `--`, the release and the chart: the
/// arguments `install` in `deploy.sh` passes to Helm besides `--wait --timeout 10m`.
pub fn install_args(release: &Release) -> Vec<String> {
    let mut args = Vec::new();
    if let Some(repo) = &release.repo {
        args.push(format!("--repo={repo}"));
    }
    if let Some(version) = &release.version {
        args.push(format!("--version={version}"));
    }
    args.push(format!("--namespace={}", release.namespace));
    args.push("--create-namespace".into());
    args.push(format!("--values={}/values.yaml", release.name));
    args.push("--".into());
    args.push(release.name.clone());
    args.push(release.chart.clone());
    args
}

/// The arguments of `helm uninstall` in `undeploy.sh`.
pub fn uninstall_args(release: &Release) -> Vec<String> {
    vec![
        "uninstall".into(),
        format!("--namespace={}", release.namespace),
        "--wait".into(),
        "--".into(),
        release.name.clone(),
    ]
}

const DEPLOY_HEAD: &str = r#"#!/usr/bin/env bash
# Deploys the bundle's components in dependency order with Helm.
set -euo pipefail
cd "$(dirname "$0")"

# install FLAGS... -- RELEASE CHART: helm upgrade --install, three attempts.
install() {
  local attempt
  for attempt in 1 2 3; do
    if helm upgrade --install --wait --timeout 10m "$@"; then
      return 0
    fi
    echo "helm upgrade --install ${*: -2:1} failed (attempt ${attempt}/3)" >&2
    if [ "${attempt}" -lt 3 ]; then
      sleep $((attempt * 10))
    fi
  done
  return 1
}

"#;

const UNDEPLOY_HEAD: &str = r#"#!/usr/bin/env bash
# Removes the bundle's components in reverse dependency order.
set -euo pipefail

"#;

/// `deploy.sh`: installs `releases` in the order given.
pub fn deploy(releases: &[Release]) -> String {
    let mut script = String::from(DEPLOY_HEAD);
    for release in releases {
        script.push_str("install ");
        script.push_str(&line(&install_args(release)));
        script.push('\n');
    }
    script
}

/// `undeploy.sh`: uninstalls `releases` in reverse order, going on past failures.
pub fn undeploy(releases: &[Release]) -> String {
    let mut script = String::from(UNDEPLOY_HEAD);
    for release in releases.iter().rev() {
        script.push_str("helm ");
        script.push_str(&line(&uninstall_args(release)));
        script.push_str(" || true\n");
    }
    script
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::process::Command;

    /// What bash makes of `words`, each quoted: the arguments `printf` receives.
    fn through_bash(words: &[String]) -> Vec<String> {
        let script = format!("printf '%s\\0' {}", line(words));
        let out = Command::new("bash")
            .args(["--norc", "--noprofile", "-c", &script])
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).expect("UTF-8 out");
        let mut args: Vec<String> = text.split('\0').map(str::to_owned).collect();
        args.pop();
        args
    }

    #[test]
    fn hostile_words_stay_single_literal_arguments() {
        let words: Vec<String> = [
            "https://x' ; touch /tmp/p ; : '",
            "$(id)",
            "`id`",
            "a\nb",
            "'",
            "''",
            "\\",
            "--post-renderer",
            "*",
            "~",
            "!x",
            "${HOME}",
            "",
            " ",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        assert_eq!(through_bash(&words), words);
    }

    #[test]
    fn scripts_put_values_after_their_flags_and_names_after_the_terminator() {
        let release = Release {
            name: "gpu-operator".into(),
            chart: "gpu-operator".into(),
            repo: Some("https://helm.ngc.nvidia.com/nvidia".into()),
            version: Some("v25.10.1".into()),
            namespace: "gpu-operator".into(),
        };
        let deploy = deploy(std::slice::from_ref(&release));
        assert!(deploy.ends_with(
            "install '--repo=https://helm.ngc.nvidia.com/nvidia' '--version=v25.10.1' \
             '--namespace=gpu-operator' '--create-namespace' \
             '--values=gpu-operator/values.yaml' '--' 'gpu-operator' 'gpu-operator'\n"
        ));
        assert!(undeploy(&[release]).ends_with(
            "helm 'uninstall' '--namespace=gpu-operator' '--wait' '--' 'gpu-operator' || true\n"
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Any words without NUL (which no argument can hold) come out of bash as the
        /// same words.
        #[test]
        fn quoting_survives_bash(words in proptest::collection::vec("[^\0]*", 1..12)) {
            prop_assert_eq!(through_bash(&words), words);
        }
    }
}
