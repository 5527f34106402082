// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask plan [--tag T] [--json]`: exactly the steps, artifacts and publish
//! actions a release run performs, with the stable-only ones marked. `release
//! --dry-run` prints the same plan; tests check it.
//!
//! A release candidate (`-rcN`) is a GitHub pre-release and skips the Homebrew formula,
//! the site and the demo deployment; a stable release runs them when configured.

use anyhow::Result;
use serde::Serialize;

use crate::dist::{Definition, Format};
use crate::flags::PlanArgs;
use crate::project::Project;
use crate::tasks::sbom::sbom_name;
use crate::version::{BuildStamp, ReleaseVersion};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub name: &'static str,
    /// Whether the step runs in this release.
    pub runs: bool,
    /// Runs for stable releases only.
    pub stable_only: bool,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub tag: Option<String>,
    pub version: String,
    pub prerelease: bool,
    pub steps: Vec<Step>,
    /// Release assets, in upload order.
    pub assets: Vec<String>,
}

impl Plan {
    pub fn step(&self, name: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.name == name)
    }
}

/// The plan of a release of `version` (`tag` is `None` for a snapshot). Pure.
pub fn plan(def: &Definition, version: &str, tag: Option<&str>) -> Plan {
    let prerelease = tag
        .and_then(ReleaseVersion::from_tag)
        .is_some_and(|v| v.is_rc());
    let stable = tag.is_some() && !prerelease;
    let archives = def.archives(version, None);
    let mut assets: Vec<String> = archives.iter().map(|a| a.name.clone()).collect();
    assets.extend(archives.iter().map(|a| sbom_name(&a.name)));
    if let Some(notices) = &def.notices {
        assets.push(notices.clone());
    }
    assets.sort();
    assets.push(def.checksums.clone());
    assets.push(format!("{}_{version}.intoto.jsonl", def.project));
    assets.push(format!("{}_{version}.pub", def.project));
    let targets: Vec<&str> = def.all_targets().iter().map(|t| t.triple).collect();
    let formats: Vec<&str> = [Format::TarGz, Format::Zip]
        .iter()
        .filter(|f| def.binaries.iter().any(|b| b.formats.contains(f)))
        .map(|f| f.extension())
        .collect();
    let build = |name, detail: String| Step {
        name,
        runs: true,
        stable_only: false,
        detail,
    };
    let mut steps = vec![
        build(
            "cross-build",
            format!(
                "{} binaries for {}",
                def.builds(None).len(),
                targets.join(", ")
            ),
        ),
        build(
            "notices",
            def.notices
                .clone()
                .unwrap_or_else(|| "not configured".into()),
        ),
        build(
            "package",
            format!("{} archive(s) ({})", archives.len(), formats.join(", ")),
        ),
        build("sbom", format!("{} SPDX 2.3 document(s)", archives.len())),
        build("checksum", def.checksums.clone()),
        build(
            "attest",
            format!(
                "{}_{version}.intoto.jsonl (SLSA v1 provenance, DSSE)",
                def.project
            ),
        ),
    ];
    if let Some(tag) = tag {
        steps.push(Step {
            name: "github-release",
            runs: true,
            stable_only: false,
            detail: format!(
                "{tag}{}: changelog as body, {} asset(s), then published",
                if prerelease { " as a pre-release" } else { "" },
                assets.len()
            ),
        });
    }
    if !def.images.is_empty() {
        let names: Vec<&str> = def.images.iter().map(|i| i.name.as_str()).collect();
        let at = steps.len() - usize::from(tag.is_some());
        steps.insert(
            at,
            build("images", format!("OCI layouts of {}", names.join(", "))),
        );
        if tag.is_some() {
            let tags = if stable {
                format!("{version} and latest")
            } else {
                version.to_owned()
            };
            steps.push(Step {
                name: "images-push",
                runs: true,
                stable_only: false,
                detail: format!("push, tagged {tags}"),
            });
        }
    }
    let skip_reason = if tag.is_none() {
        "snapshot"
    } else {
        "pre-release"
    };
    let configured = |name: &'static str, configured: bool, detail: String| Step {
        name,
        runs: stable && configured,
        stable_only: true,
        detail: if !stable {
            format!("skipped: {skip_reason}")
        } else if configured {
            detail
        } else {
            "not configured in dist/release.toml".into()
        },
    };
    let homebrew = def.homebrew.as_ref();
    steps.push(configured(
        "homebrew",
        homebrew.is_some_and(|h| h.tap.is_some()),
        homebrew
            .map(|h| format!("{} in {}", h.path, h.tap.as_deref().unwrap_or("")))
            .unwrap_or_default(),
    ));
    steps.push(configured(
        "site",
        !def.publish.site.is_empty(),
        def.publish.site.join(" "),
    ));
    steps.push(configured(
        "demo",
        !def.publish.demo.is_empty(),
        def.publish.demo.join(" "),
    ));
    Plan {
        tag: tag.map(str::to_owned),
        version: version.to_owned(),
        prerelease,
        steps,
        assets,
    }
}

/// Prints a plan for people.
pub fn print(plan: &Plan) {
    let what = match &plan.tag {
        Some(tag) if plan.prerelease => format!("release {tag} (pre-release)"),
        Some(tag) => format!("release {tag}"),
        None => format!("snapshot {}", plan.version),
    };
    println!("plan: {what}");
    for step in &plan.steps {
        let mark = if step.runs { "run " } else { "skip" };
        let stable = if step.stable_only {
            " [stable only]"
        } else {
            ""
        };
        println!("  {mark} {:<15} {}{stable}", step.name, step.detail);
    }
    println!("  assets:");
    for asset in &plan.assets {
        println!("    {asset}");
    }
}

/// The plan as a Markdown table, for GitHub job summaries.
pub fn markdown(plan: &Plan) -> String {
    let title = plan.tag.as_deref().unwrap_or(&plan.version);
    let mut out = format!(
        "## Release {title}{}\n\n| step | runs | stable only | detail |\n|---|---|---|---|\n",
        if plan.prerelease {
            " (pre-release)"
        } else {
            ""
        }
    );
    for s in &plan.steps {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            s.name,
            if s.runs { "yes" } else { "no" },
            if s.stable_only { "yes" } else { "" },
            s.detail.replace('|', "\\|")
        ));
    }
    out
}

pub fn run(project: &Project, args: &PlanArgs) -> Result<()> {
    let def = Definition::load(&project.root)?;
    let version = match &args.tag {
        Some(tag) => ReleaseVersion::parse_tag(tag)?.to_string(),
        None => BuildStamp::of_head(&crate::git::Git::new(&project.sh), true)?.version,
    };
    let plan = plan(&def, &version, args.tag.as_deref());
    if args.json {
        println!("{}", serde_json::to_string_pretty(&plan)?);
    } else {
        print(&plan);
    }
    if project.sh.var("GITHUB_ACTIONS").ok().as_deref() == Some("true")
        && let Ok(path) = project.sh.var("GITHUB_STEP_SUMMARY")
    {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        writeln!(file, "{}", markdown(&plan))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def() -> Definition {
        let mut def = Definition::load(&crate::project::workspace_root()).unwrap();
        def.publish.site = vec!["mkdocs".into(), "gh-deploy".into()];
        def.publish.demo = vec!["deploy-demo".into()];
        def
    }

    #[test]
    fn a_candidate_skips_every_stable_only_step() {
        let plan = plan(&def(), "1.3.0-rc1", Some("v1.3.0-rc1"));
        assert!(plan.prerelease);
        for name in ["homebrew", "site", "demo"] {
            let step = plan.step(name).unwrap();
            assert!(!step.runs && step.stable_only, "{name}: {step:?}");
            assert_eq!(step.detail, "skipped: pre-release");
        }
        assert!(
            plan.step("github-release")
                .unwrap()
                .detail
                .contains("as a pre-release")
        );
    }

    #[test]
    fn a_stable_release_runs_them_all() {
        let plan = plan(&def(), "1.3.0", Some("v1.3.0"));
        assert!(!plan.prerelease);
        for name in [
            "cross-build",
            "package",
            "sbom",
            "checksum",
            "attest",
            "github-release",
            "homebrew",
            "site",
            "demo",
        ] {
            assert!(plan.step(name).unwrap().runs, "{name}");
        }
        assert!(
            plan.assets
                .contains(&"aicr_1.3.0_darwin_arm64.tar.gz".to_owned())
        );
        assert!(
            plan.assets
                .contains(&"aicrd_1.3.0_linux_amd64.spdx.json".to_owned())
        );
        assert_eq!(plan.assets.last().unwrap(), "aicr_1.3.0.pub");
    }

    #[test]
    fn a_snapshot_publishes_nothing() {
        let plan = plan(&def(), "1.2.4-snapshot+abc1234", None);
        assert!(plan.step("github-release").is_none());
        assert!(plan.steps.iter().filter(|s| s.stable_only).all(|s| !s.runs));
    }
}

#[cfg(test)]
mod image_tests {
    use super::*;

    #[test]
    fn images_are_built_always_and_tagged_latest_only_when_stable() {
        let def = Definition::load(&crate::project::workspace_root()).unwrap();
        let stable = plan(&def, "1.3.0", Some("v1.3.0"));
        assert!(stable.step("images").unwrap().runs);
        assert_eq!(
            stable.step("images-push").unwrap().detail,
            "push, tagged 1.3.0 and latest"
        );
        let rc = plan(&def, "1.3.0-rc1", Some("v1.3.0-rc1"));
        assert_eq!(
            rc.step("images-push").unwrap().detail,
            "push, tagged 1.3.0-rc1"
        );
        assert!(
            plan(&def, "1.2.4-snapshot+abc", None)
                .step("images-push")
                .is_none()
        );
    }
}
