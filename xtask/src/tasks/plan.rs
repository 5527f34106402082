// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask plan [--tag T] [--json] [--journal FILE]`: the steps of a release, in
//! the order `release` executes them, with the assets, image references and tags each
//! one writes or publishes. The plan is the program: `release --tag T --publish` walks
//! exactly this list, `release --dry-run` prints it, and tests compare the two.
//!
//! - A release candidate (`-rcN`) is a GitHub pre-release; it skips the Homebrew
//!   formula, the site and the demo and never moves `latest`.
//! - A stable release moves every "latest" (the images' `latest` tag, GitHub's latest
//!   release, the Homebrew formula, the site and the demo) only when it is the highest
//!   stable release of the repository; a hotfix of an older line publishes its own
//!   versioned assets and images and says which "latest" actions it leaves out.
//! - With `--journal target/dist/release-state.json` the plan reports what a release
//!   run did for each step (GitHub job summaries print this).
//! - The steps `[publish] jobs` names (`site`, `demo`, `notify`) are performed by the
//!   on-tag workflow's job of that name, not by `release --publish`; `--jobs` prints
//!   `<job>=true|false` for `$GITHUB_OUTPUT`, which gates those jobs. `notify` runs for
//!   every tagged release, candidates included.

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::Value;

use crate::assets::Assets;
use crate::dist::{Definition, Format};
use crate::flags::PlanArgs;
use crate::git::Git;
use crate::history::ReleaseHistory;
use crate::project::Project;
use crate::registry::repository_path;
use crate::targets::Target;
use crate::version::{BuildStamp, ReleaseVersion};

/// What a step does; the release executor dispatches on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    CrossBuild,
    Notices,
    Package,
    Sbom,
    Checksum,
    Attest,
    Images,
    Preflight,
    ImagesPush,
    GithubRelease,
    Homebrew,
    Site,
    Demo,
    Notify,
}

impl Action {
    /// The step's name, as plans, journals and error messages spell it.
    pub fn name(self) -> &'static str {
        match self {
            Action::CrossBuild => "cross-build",
            Action::Notices => "notices",
            Action::Package => "package",
            Action::Sbom => "sbom",
            Action::Checksum => "checksum",
            Action::Attest => "attest",
            Action::Images => "images",
            Action::Preflight => "preflight",
            Action::ImagesPush => "images-push",
            Action::GithubRelease => "github-release",
            Action::Homebrew => "homebrew",
            Action::Site => "site",
            Action::Demo => "demo",
            Action::Notify => "notify",
        }
    }

    /// Whether the step writes into the output directory only (no remote effect).
    pub fn builds(self) -> bool {
        matches!(
            self,
            Action::CrossBuild
                | Action::Notices
                | Action::Package
                | Action::Sbom
                | Action::Checksum
                | Action::Attest
                | Action::Images
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub name: &'static str,
    #[serde(skip)]
    pub action: Action,
    /// Whether the step runs in this release.
    pub runs: bool,
    /// Runs for stable releases only.
    pub stable_only: bool,
    /// Performed by the on-tag workflow job of the step's name (`[publish] jobs`), not
    /// by `release --publish`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub by_job: bool,
    pub detail: String,
    /// The assets, image references and tags the step writes or publishes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub touches: Vec<String>,
}

/// One image and where a release pushes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImagePush {
    pub name: String,
    /// `host/path`, e.g. `ghcr.io/nvidia/aicrd`.
    pub repository: String,
    /// The tags pushed, in order: the release's own, then `latest` when it moves.
    pub tags: Vec<String>,
}

impl ImagePush {
    /// The registry host of the repository.
    pub fn host(&self) -> &str {
        self.repository.split('/').next().unwrap_or_default()
    }

    /// The repository path below the host.
    pub fn path(&self) -> &str {
        repository_path(&self.repository)
    }
}

/// Whether a release moves the "latest" pointers, and why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "moves", rename_all = "kebab-case")]
pub enum Latest {
    /// The highest stable release: every "latest" moves to it.
    Moves,
    /// A stable release below the highest one (a hotfix of an older line).
    Stays { newest: String },
    /// A release candidate or a snapshot.
    Never,
}

impl Latest {
    /// Where `tag` stands among the repository's release tags (`tags` may include it).
    pub fn of(tag: Option<&str>, tags: &[ReleaseVersion]) -> Latest {
        let Some(version) = tag.and_then(ReleaseVersion::from_tag) else {
            return Latest::Never;
        };
        if version.is_rc() {
            return Latest::Never;
        }
        match tags.iter().filter(|v| !v.is_rc()).max() {
            Some(newest) if *newest > version => Latest::Stays {
                newest: newest.tag(),
            },
            _ => Latest::Moves,
        }
    }

    pub fn moves(&self) -> bool {
        *self == Latest::Moves
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub tag: Option<String>,
    pub version: String,
    pub prerelease: bool,
    pub latest: Latest,
    pub steps: Vec<Step>,
    /// Release assets, in upload order.
    pub assets: Vec<String>,
    /// Images and their tags (pushed by `images-push` when it runs).
    pub images: Vec<ImagePush>,
}

impl Plan {
    /// The plan of a partial build of `only` targets: their assets only, images only of
    /// the selected linux targets, and nothing published.
    pub fn restricted(mut self, def: &Definition, only: &[Target]) -> Plan {
        let all = self.assets.clone();
        self.assets = Assets::new(def, &self.version).names(Some(only));
        let images = def.images.iter().any(|image| {
            def.builds(Some(only)).iter().any(|(bin, target)| {
                image.binary() == Some(bin.name.as_str()) && target.os == "linux"
            })
        });
        let triples: Vec<&str> = only.iter().map(|t| t.triple).collect();
        for step in &mut self.steps {
            step.touches
                .retain(|t| self.assets.contains(t) || !all.contains(t));
            if step.action == Action::CrossBuild {
                step.detail = format!(
                    "{} binaries for {}",
                    def.builds(Some(only)).len(),
                    triples.join(", ")
                );
            }
            if step.action == Action::Images && !images {
                step.runs = false;
                step.detail = "skipped: no image runs on the selected targets".into();
                step.touches.clear();
            }
            if !step.action.builds() && step.runs {
                step.runs = false;
                step.detail = format!(
                    "skipped: a partial build ({}) publishes nothing",
                    triples.join(", ")
                );
                step.touches.clear();
            }
        }
        self
    }

    #[cfg(test)]
    pub fn step(&self, name: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.name == name)
    }

    /// The steps that run, in order.
    pub fn running(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.runs)
    }
}

/// The image tags of a release: the git tag exactly (a snapshot's version, with `+`
/// made `-`), then `latest` when the release moves it.
pub fn image_tags(version: &str, tag: Option<&str>, latest: &Latest) -> Vec<String> {
    let mut tags = vec![tag.map_or_else(|| version.replace('+', "-"), str::to_owned)];
    if latest.moves() {
        tags.push("latest".to_owned());
    }
    tags
}

/// A step that runs for every kind of release.
fn step(action: Action, runs: bool, detail: String, touches: Vec<String>) -> Step {
    Step {
        name: action.name(),
        action,
        runs,
        stable_only: false,
        by_job: false,
        detail,
        touches,
    }
}

/// A step that moves a "latest" pointer: it runs for the highest stable release only,
/// and when `configured` says what it does.
fn latest_only(
    latest: &Latest,
    stable: bool,
    action: Action,
    configured: Option<String>,
    touches: Vec<String>,
) -> Step {
    let (runs, detail) = match (latest, configured) {
        (_, _) if !stable => (false, "skipped: pre-release".to_owned()),
        (Latest::Stays { newest }, _) => (
            false,
            format!("skipped: {newest} is the newest stable release and stays the latest"),
        ),
        (_, None) => (false, "not configured in dist/release.toml".to_owned()),
        (_, Some(detail)) => (true, detail),
    };
    Step {
        stable_only: true,
        ..step(
            action,
            runs,
            detail,
            if runs { touches } else { Vec::new() },
        )
    }
}

/// The plan of a release of `version` (`tag` is `None` for a snapshot). Pure.
pub fn plan(def: &Definition, version: &str, tag: Option<&str>, latest: Latest) -> Plan {
    let prerelease = tag
        .and_then(ReleaseVersion::from_tag)
        .is_some_and(|v| v.is_rc());
    let assets = Assets::new(def, version).names(None);
    let images: Vec<ImagePush> = def
        .images
        .iter()
        .map(|image| ImagePush {
            name: image.name.clone(),
            repository: image.repository.clone(),
            tags: image_tags(version, tag, &latest),
        })
        .collect();
    let mut steps = build_steps(def, version, &images);
    if let Some(tag) = tag {
        let release = Release {
            def,
            version,
            tag,
            prerelease,
            latest: &latest,
            assets: &assets,
            images: &images,
        };
        let publishes = release.publish_steps();
        steps.push(preflight(def, &publishes, &images));
        steps.extend(publishes);
    }
    Plan {
        tag: tag.map(str::to_owned),
        version: version.to_owned(),
        prerelease,
        latest,
        steps,
        assets,
        images,
    }
}

/// The steps that write the release into the output directory, in order.
fn build_steps(def: &Definition, version: &str, images: &[ImagePush]) -> Vec<Step> {
    let assets = Assets::new(def, version);
    let archives = assets.archives(None);
    let targets: Vec<&str> = def.all_targets().iter().map(|t| t.triple).collect();
    let formats: Vec<&str> = [Format::TarGz, Format::Zip]
        .iter()
        .filter(|f| def.binaries.iter().any(|b| b.formats.contains(f)))
        .map(|f| f.extension())
        .collect();
    let notices = assets.notices().map(|n| n.name);
    let checksums = assets.checksum_file().name;
    let provenance = assets.provenance().name;
    let mut steps = vec![
        step(
            Action::CrossBuild,
            true,
            format!(
                "{} binaries for {}",
                def.builds(None).len(),
                targets.join(", ")
            ),
            Vec::new(),
        ),
        step(
            Action::Notices,
            notices.is_some(),
            notices.clone().unwrap_or_else(|| "not configured".into()),
            notices.into_iter().collect(),
        ),
        step(
            Action::Package,
            true,
            format!("{} archive(s) ({})", archives.len(), formats.join(", ")),
            archives.iter().map(|a| a.name.clone()).collect(),
        ),
        step(
            Action::Sbom,
            true,
            format!("{} SPDX 2.3 document(s)", archives.len()),
            archives.iter().map(|a| a.sbom().name).collect(),
        ),
        step(Action::Checksum, true, checksums.clone(), vec![checksums]),
        step(
            Action::Attest,
            true,
            format!("{provenance} (SLSA v1 provenance, DSSE)"),
            vec![provenance, assets.public_key().name],
        ),
    ];
    if !images.is_empty() {
        steps.push(step(
            Action::Images,
            true,
            format!(
                "OCI layouts of {}",
                images
                    .iter()
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            images
                .iter()
                .map(|i| format!("images/{}", i.name))
                .collect(),
        ));
    }
    steps
}

/// What the publish steps of a tagged release are planned from.
struct Release<'a> {
    def: &'a Definition,
    version: &'a str,
    tag: &'a str,
    prerelease: bool,
    latest: &'a Latest,
    assets: &'a [String],
    images: &'a [ImagePush],
}

impl Release<'_> {
    /// "; latest stays on vX" for a hotfix of an older line.
    fn stays(&self) -> String {
        match self.latest {
            Latest::Stays { newest } => format!("; latest stays on {newest}"),
            _ => String::new(),
        }
    }

    /// A step that runs for the highest stable release only.
    fn latest_only(
        &self,
        action: Action,
        configured: Option<String>,
        touches: Vec<String>,
    ) -> Step {
        let stable = !self.prerelease;
        latest_only(self.latest, stable, action, configured, touches)
    }

    /// The steps that publish, in order (the preflight goes before them).
    fn publish_steps(&self) -> Vec<Step> {
        let mut publishes = Vec::new();
        if !self.images.is_empty() {
            publishes.push(self.images_push());
        }
        publishes.push(self.github_release());
        publishes.push(self.homebrew());
        publishes.extend(self.by_job_or_command());
        publishes.push(notify(self.def));
        publishes
    }

    fn images_push(&self) -> Step {
        step(
            Action::ImagesPush,
            true,
            format!(
                "{} image(s), tagged {}{}",
                self.images.len(),
                image_tags(self.version, Some(self.tag), self.latest).join(" and "),
                self.stays()
            ),
            self.images
                .iter()
                .flat_map(|i| i.tags.iter().map(move |t| format!("{}:{t}", i.repository)))
                .collect(),
        )
    }

    fn github_release(&self) -> Step {
        step(
            Action::GithubRelease,
            true,
            format!(
                "{}{}: changelog as body, {} asset(s), then published{}",
                self.tag,
                if self.prerelease {
                    " as a pre-release"
                } else {
                    ""
                },
                self.assets.len(),
                if self.latest.moves() {
                    " as the latest release".to_owned()
                } else {
                    format!(" with make_latest false{}", self.stays())
                }
            ),
            self.assets.to_vec(),
        )
    }

    fn homebrew(&self) -> Step {
        let homebrew = self
            .def
            .homebrew
            .as_ref()
            .and_then(|h| h.tap.as_ref().map(|tap| (h, tap)));
        self.latest_only(
            Action::Homebrew,
            homebrew.map(|(h, tap)| format!("{} in {tap}", h.path)),
            homebrew
                .map(|(h, tap)| vec![format!("{tap}:{}", h.path)])
                .unwrap_or_default(),
        )
    }

    /// The site and the demo: each by its on-tag job or by its command.
    fn by_job_or_command(&self) -> Vec<Step> {
        let publish = &self.def.publish;
        [
            (
                Action::Site,
                &publish.site,
                "the documentation site to GitHub Pages",
            ),
            (
                Action::Demo,
                &publish.demo,
                "aicrd's released image to Cloud Run",
            ),
        ]
        .into_iter()
        .map(|(action, command, what)| {
            let by_job = publish.by_job(action.name());
            let configured = if by_job {
                Some(job(action.name(), what))
            } else {
                (!command.is_empty()).then(|| command.join(" "))
            };
            Step {
                by_job,
                ..self.latest_only(action, configured, Vec::new())
            }
        })
        .collect()
    }
}

/// The detail of a step an on-tag job performs.
fn job(name: &str, what: &str) -> String {
    format!("the on-tag job {name}: {what}")
}

/// The announcement: every tagged release, candidates included.
fn notify(def: &Definition) -> Step {
    let notify = def.publish.by_job("notify");
    Step {
        by_job: notify,
        ..step(
            Action::Notify,
            notify,
            if notify {
                job("notify", "the release's outcome to Slack")
            } else {
                "not configured in dist/release.toml".to_owned()
            },
            Vec::new(),
        )
    }
}

/// The preflight: what the publish steps that run here (not by a job) need.
fn preflight(def: &Definition, publishes: &[Step], images: &[ImagePush]) -> Step {
    let needs: Vec<String> = publishes
        .iter()
        .filter(|s| s.runs && !s.by_job)
        .flat_map(|s| needs(def, s.action, images))
        .collect();
    step(
        Action::Preflight,
        true,
        format!(
            "check {} credential(s) and permission(s) before the first remote change",
            needs.len()
        ),
        needs,
    )
}

/// What a publish step needs, for the preflight's list. Pure.
fn needs(def: &Definition, action: Action, images: &[ImagePush]) -> Vec<String> {
    match action {
        Action::ImagesPush => images
            .iter()
            .map(|i| format!("push to {}", i.repository))
            .collect(),
        Action::GithubRelease => vec!["GITHUB_TOKEN: write releases of the repository".into()],
        Action::Homebrew => def
            .homebrew
            .as_ref()
            .and_then(|h| h.tap.as_ref())
            .map(|tap| format!("push to the Homebrew tap {tap}"))
            .into_iter()
            .collect(),
        Action::Site => vec![format!("the site command {}", def.publish.site.join(" "))],
        Action::Demo => vec![format!("the demo command {}", def.publish.demo.join(" "))],
        _ => Vec::new(),
    }
}

/// The plan of the release `tag` (or of a snapshot of HEAD), with "latest" decided by
/// the repository's release tags.
pub fn for_release(project: &Project, def: &Definition, tag: Option<&str>) -> Result<Plan> {
    let git = Git::new(&project.sh);
    let version = match tag {
        Some(tag) => ReleaseVersion::parse_tag(tag)?.to_string(),
        None => BuildStamp::of_head(&git, true)?.version,
    };
    Ok(plan(def, &version, tag, latest(project, tag)?))
}

/// Whether the release `tag` moves "latest", from the repository's release tags.
pub fn latest(project: &Project, tag: Option<&str>) -> Result<Latest> {
    if tag.is_none() {
        return Ok(Latest::Never);
    }
    let history = ReleaseHistory::read(Git::new(&project.sh))?;
    Ok(Latest::of(tag, &history.versions()))
}

/// The `<job>=<true|false>` lines of `plan --jobs`: whether each on-tag publish job runs
/// for this release, for `$GITHUB_OUTPUT`. Pure.
pub fn job_outputs(plan: &Plan) -> String {
    crate::dist::Publish::JOB_STEPS
        .iter()
        .map(|name| {
            let runs = plan
                .steps
                .iter()
                .any(|s| s.name == *name && s.by_job && s.runs);
            format!("{name}={runs}\n")
        })
        .collect()
}

/// What a journal says of a step: `done`, or why it did not run.
fn outcome(step: &Step, journal: Option<&Value>) -> String {
    if step.by_job && step.runs {
        return format!("the {} job", step.name);
    }
    // The build steps are recorded together, as `build`.
    let key = if step.action.builds() {
        "build"
    } else {
        step.name
    };
    match journal.and_then(|j| j["steps"].get(key)) {
        Some(_) => "done".to_owned(),
        None if !step.runs => "skipped".to_owned(),
        None if journal.is_some() => "not done".to_owned(),
        None => "planned".to_owned(),
    }
}

/// Prints a plan for people.
pub fn print(plan: &Plan) -> Result<()> {
    let what = match &plan.tag {
        Some(tag) if plan.prerelease => format!("release {tag} (pre-release)"),
        Some(tag) => format!("release {tag}"),
        None => format!("snapshot {}", plan.version),
    };
    outln!("plan: {what}")?;
    for step in &plan.steps {
        let mark = if step.runs { "run " } else { "skip" };
        let stable = if step.stable_only {
            " [stable only]"
        } else {
            ""
        };
        outln!("  {mark} {:<15} {}{stable}", step.name, step.detail)?;
        for touched in &step.touches {
            outln!("         {:<15} - {touched}", "")?;
        }
    }
    outln!("  assets:")?;
    for asset in &plan.assets {
        outln!("    {asset}")?;
    }
    Ok(())
}

/// The plan as a Markdown table, for GitHub job summaries; with a journal, what each
/// step did.
pub fn markdown(plan: &Plan, journal: Option<&Value>) -> String {
    let title = plan.tag.as_deref().unwrap_or(&plan.version);
    let mut out = format!(
        "## Release {title}{}\n\n| step | {} | stable only | detail |\n|---|---|---|---|\n",
        if plan.prerelease {
            " (pre-release)"
        } else {
            ""
        },
        if journal.is_some() { "outcome" } else { "runs" }
    );
    for s in &plan.steps {
        let status = if journal.is_some() {
            outcome(s, journal)
        } else if s.runs {
            "yes".to_owned()
        } else {
            "no".to_owned()
        };
        out.push_str(&format!(
            "| {} | {status} | {} | {} |\n",
            s.name,
            if s.stable_only { "yes" } else { "" },
            s.detail.replace('|', "\\|")
        ));
    }
    out
}

pub fn run(project: &Project, args: &PlanArgs) -> Result<()> {
    let def = Definition::load(&project.root)?;
    let plan = for_release(project, &def, args.tag.as_deref())?;
    let journal =
        match &args.journal {
            Some(path) => Some(
                serde_json::from_slice::<Value>(&std::fs::read(path).with_context(|| {
                    format!("cannot read the release journal {}", path.display())
                })?)
                .with_context(|| format!("{} is no release journal", path.display()))?,
            ),
            None => None,
        };
    if args.jobs {
        return outln!("{}", job_outputs(&plan).trim_end());
    }
    if args.json {
        let mut value = serde_json::to_value(&plan)?;
        if let Some(journal) = &journal {
            for (step, s) in value["steps"]
                .as_array_mut()
                .into_iter()
                .flatten()
                .zip(&plan.steps)
            {
                step["outcome"] = Value::String(outcome(s, Some(journal)));
            }
        }
        outln!("{}", serde_json::to_string_pretty(&value)?)?;
    } else {
        print(&plan)?;
    }
    crate::actions::append_step_summary(project, &markdown(&plan, journal.as_ref()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def() -> Definition {
        let mut def = Definition::load(&crate::project::workspace_root()).unwrap();
        def.publish.site = vec!["mkdocs".into(), "gh-deploy".into()];
        def.publish.demo = vec!["deploy-demo".into()];
        def.publish.jobs.clear();
        def
    }

    #[test]
    fn the_publish_jobs_run_as_the_plan_says_and_release_leaves_them_to_the_workflow() {
        // dist/release.toml: site, demo and notify are on-tag jobs.
        let mut def = Definition::load(&crate::project::workspace_root()).unwrap();
        let stable = plan(&def, "1.3.0", Some("v1.3.0"), Latest::Moves);
        assert_eq!(job_outputs(&stable), "site=true\ndemo=true\nnotify=true\n");
        let site = stable.step("site").unwrap();
        assert!(site.by_job && site.stable_only, "{site:?}");
        assert_eq!(
            site.detail,
            "the on-tag job site: the documentation site to GitHub Pages"
        );
        let notify = stable.step("notify").unwrap();
        assert!(notify.by_job && !notify.stable_only, "{notify:?}");
        // The preflight checks nothing of what the jobs need.
        let preflight = stable.step("preflight").unwrap();
        assert!(
            !preflight
                .touches
                .iter()
                .any(|t| t.contains("site") || t.contains("demo")),
            "{preflight:?}"
        );
        let rc = plan(&def, "1.3.0-rc1", Some("v1.3.0-rc1"), Latest::Never);
        assert_eq!(job_outputs(&rc), "site=false\ndemo=false\nnotify=true\n");
        let hotfix = plan(
            &def,
            "1.2.4",
            Some("v1.2.4"),
            Latest::Stays {
                newest: "v1.3.0".into(),
            },
        );
        assert_eq!(
            job_outputs(&hotfix),
            "site=false\ndemo=false\nnotify=true\n"
        );
        assert_eq!(
            markdown(&stable, Some(&serde_json::json!({"steps": {}})))
                .lines()
                .find(|l| l.starts_with("| notify |")),
            Some(
                "| notify | the notify job |  | the on-tag job notify: the release's outcome to Slack |"
            )
        );
        def.publish.jobs.clear();
        let unconfigured = plan(&def, "1.3.0", Some("v1.3.0"), Latest::Moves);
        assert_eq!(
            job_outputs(&unconfigured),
            "site=false\ndemo=false\nnotify=false\n"
        );
        assert_eq!(
            unconfigured.step("notify").unwrap().detail,
            "not configured in dist/release.toml"
        );
    }

    fn v(tag: &str) -> ReleaseVersion {
        ReleaseVersion::from_tag(tag).unwrap()
    }

    fn names(plan: &Plan) -> Vec<&str> {
        plan.running().map(|s| s.name).collect()
    }

    #[test]
    fn a_candidate_skips_every_stable_only_step() {
        let plan = plan(&def(), "1.3.0-rc1", Some("v1.3.0-rc1"), Latest::Never);
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
        assert_eq!(
            names(&plan),
            [
                "cross-build",
                "notices",
                "package",
                "sbom",
                "checksum",
                "attest",
                "images",
                "preflight",
                "images-push",
                "github-release"
            ]
        );
    }

    #[test]
    fn a_stable_release_runs_them_all_with_preflight_before_the_first_remote_change() {
        let plan = plan(&def(), "1.3.0", Some("v1.3.0"), Latest::Moves);
        assert!(!plan.prerelease);
        assert_eq!(
            names(&plan),
            [
                "cross-build",
                "notices",
                "package",
                "sbom",
                "checksum",
                "attest",
                "images",
                "preflight",
                "images-push",
                "github-release",
                "homebrew",
                "site",
                "demo"
            ]
        );
        assert!(
            plan.assets
                .contains(&"aicr_1.3.0_darwin_arm64.tar.gz".to_owned())
        );
        assert!(
            plan.assets
                .contains(&"aicrd_1.3.0_linux_amd64.spdx.json".to_owned())
        );
        assert_eq!(plan.assets.last().unwrap(), "aicr_1.3.0.pub");
        let preflight = plan.step("preflight").unwrap();
        assert!(
            preflight
                .touches
                .contains(&"push to ghcr.io/nvidia/aicrd".to_owned())
        );
        assert!(
            preflight
                .touches
                .contains(&"GITHUB_TOKEN: write releases of the repository".to_owned())
        );
        assert!(
            preflight
                .touches
                .iter()
                .any(|t| t.starts_with("push to the Homebrew tap"))
        );
        assert_eq!(
            plan.step("github-release").unwrap().touches,
            plan.assets,
            "the release uploads exactly the assets"
        );
    }

    #[test]
    fn a_snapshot_publishes_nothing() {
        let plan = plan(&def(), "1.2.4-snapshot+abc1234", None, Latest::Never);
        assert!(plan.step("github-release").is_none());
        assert!(plan.step("preflight").is_none());
        assert!(plan.steps.iter().all(|s| s.action.builds()));
    }

    #[test]
    fn the_summary_of_a_run_says_what_each_step_did() {
        let plan = plan(&def(), "1.3.0-rc1", Some("v1.3.0-rc1"), Latest::Never);
        let journal = serde_json::json!({ "steps": { "build": {}, "preflight": {} } });
        let table = markdown(&plan, Some(&journal));
        assert!(table.contains("| cross-build | done |"), "{table}");
        assert!(table.contains("| attest | done |"), "{table}");
        assert!(table.contains("| preflight | done |"), "{table}");
        assert!(table.contains("| github-release | not done |"), "{table}");
        assert!(table.contains("| homebrew | skipped | yes |"), "{table}");
    }

    #[test]
    fn a_partial_build_plans_its_targets_assets_and_publishes_nothing() {
        let def = def();
        let full = plan(&def, "1.3.0", Some("v1.3.0"), Latest::Moves);
        let darwin = Target::parse("aarch64-apple-darwin").unwrap();
        let partial = full.clone().restricted(&def, &[darwin]);
        assert!(
            partial
                .assets
                .iter()
                .all(|a| !a.contains("_linux_") && full.assets.contains(a)),
            "{:?}",
            partial.assets
        );
        assert!(
            partial
                .assets
                .contains(&"aicr_1.3.0_darwin_arm64.tar.gz".to_owned())
        );
        assert!(
            partial
                .assets
                .contains(&"THIRD_PARTY_NOTICES.md".to_owned())
        );
        assert!(partial.assets.contains(&"aicr_checksums.txt".to_owned()));
        assert_eq!(
            names(&partial),
            [
                "cross-build",
                "notices",
                "package",
                "sbom",
                "checksum",
                "attest"
            ],
            "no image runs on darwin, nothing is published"
        );
        assert_eq!(
            partial.step("homebrew").unwrap().detail,
            "skipped: a partial build (aarch64-apple-darwin) publishes nothing"
        );
        let linux = Target::parse("x86_64-unknown-linux-musl").unwrap();
        let partial = full.restricted(&def, &[linux]);
        assert!(partial.step("images").unwrap().runs);
        assert!(
            partial
                .step("package")
                .unwrap()
                .touches
                .iter()
                .all(|a| a.contains("_linux_amd64."))
        );
    }

    #[test]
    fn latest_moves_only_forward() {
        let tags = [v("v1.2.3"), v("v1.3.0"), v("v1.4.0-rc1")];
        assert_eq!(Latest::of(Some("v1.3.0"), &tags), Latest::Moves);
        assert_eq!(Latest::of(Some("v1.3.1"), &tags), Latest::Moves);
        assert_eq!(
            Latest::of(Some("v1.2.4"), &tags),
            Latest::Stays {
                newest: "v1.3.0".into()
            }
        );
        assert_eq!(Latest::of(Some("v1.4.0-rc2"), &tags), Latest::Never);
        assert_eq!(Latest::of(None, &tags), Latest::Never);
        assert_eq!(Latest::of(Some("v0.1.0"), &[]), Latest::Moves);
    }

    #[test]
    fn a_hotfix_of_an_older_line_leaves_every_latest_alone() {
        let latest = Latest::Stays {
            newest: "v1.3.0".into(),
        };
        let plan = plan(&def(), "1.2.4", Some("v1.2.4"), latest);
        for name in ["homebrew", "site", "demo"] {
            let step = plan.step(name).unwrap();
            assert!(!step.runs, "{name}");
            assert_eq!(
                step.detail,
                "skipped: v1.3.0 is the newest stable release and stays the latest"
            );
        }
        let push = plan.step("images-push").unwrap();
        assert!(push.runs);
        assert!(push.detail.ends_with("latest stays on v1.3.0"), "{push:?}");
        assert!(push.touches.iter().all(|t| t.ends_with(":v1.2.4")));
        assert!(
            plan.step("github-release")
                .unwrap()
                .detail
                .contains("make_latest false")
        );
    }

    #[test]
    fn image_tags_are_the_git_tag_and_latest_only_when_it_moves() {
        assert_eq!(
            image_tags("1.2.3", Some("v1.2.3"), &Latest::Moves),
            ["v1.2.3", "latest"]
        );
        assert_eq!(
            image_tags("1.3.0-rc1", Some("v1.3.0-rc1"), &Latest::Never),
            ["v1.3.0-rc1"]
        );
        assert_eq!(
            image_tags(
                "1.2.4",
                Some("v1.2.4"),
                &Latest::Stays {
                    newest: "v1.3.0".into()
                }
            ),
            ["v1.2.4"]
        );
        assert_eq!(
            image_tags("1.2.4-snapshot+abc1234", None, &Latest::Never),
            ["1.2.4-snapshot-abc1234"]
        );
        let plan = plan(&def(), "1.3.0", Some("v1.3.0"), Latest::Moves);
        assert_eq!(
            plan.step("images-push").unwrap().detail,
            format!("{} image(s), tagged v1.3.0 and latest", def().images.len())
        );
        assert!(
            plan.step("images-push")
                .unwrap()
                .touches
                .contains(&"ghcr.io/nvidia/aicrd:latest".to_owned())
        );
    }
}
