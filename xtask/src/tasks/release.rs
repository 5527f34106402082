// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask release`: the whole pipeline, from the local entry to a published release.
//!
//! - `--snapshot [--all-targets]`: the working tree, built, packaged and attested into
//!   a fresh `target/dist/` with a snapshot version (`<next patch>-snapshot+<sha>`,
//!   `.dirty` with uncommitted changes), even on a tagged commit; nothing published.
//! - `--rc | --patch | --minor | --major [--yes]`: the local entry: runs `qualify`
//!   (`--gates` to choose), then the matching `bump` (tag + push); CI takes over.
//! - `--tag vX.Y.Z [--publish] [--replace]`: the CI entry and the re-run of an existing
//!   release: builds every target from a clean worktree of the tag (never the current
//!   checkout's state), runs cross-build, notices, package, sbom, checksum and attest,
//!   then with `--publish` publishes: the GitHub release (draft, assets, then published;
//!   a pre-release for `-rcN`), and for stable releases the Homebrew formula, the site
//!   and the demo commands. Each publish step checks remote truth first, so a re-run
//!   finishes what a failed run left. `target/dist/release-state.json` records each
//!   completed step with its evidence; a lock beside the output directory keeps two
//!   runs apart.
//!
//! `--dry-run` prints the plan (see `plan`) and changes nothing.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use xshell::cmd;

use crate::artifacts::{Kind, Metadata, OutDir};
use crate::dist::Definition;
use crate::flags::{BumpArgs, BumpKind, ChangelogArgs, QualifyArgs, ReleaseArgs};
use crate::git::Git;
use crate::github;
use crate::homebrew;
use crate::project::Project;
use crate::targets::Target;
use crate::tasks::{
    attest, bump, changelog, checksum, cross_build, images, notices, package, plan, qualify, sbom,
};
use crate::tools;
use crate::version::ReleaseVersion;

/// Every artifact step, in order, into a fresh `out`.
pub fn pipeline(
    project: &Project,
    def: &Definition,
    out: &OutDir,
    opts: &cross_build::Options,
    key: Option<&ed25519_dalek::SigningKey>,
) -> Result<Metadata> {
    let metadata = cross_build::cross_build(project, def, out, opts)?;
    notices::publish(project, def, out)?;
    package::package(project, def, out)?;
    sbom::sbom(project, def, out)?;
    checksum::checksum(def, out)?;
    attest::attest(project, def, out, key)?;
    images::build(project, def, out, &[], !opts.snapshot)?;
    Ok(metadata)
}

pub fn run(project: &Project, args: &ReleaseArgs) -> Result<()> {
    if args.snapshot {
        snapshot(project, args)
    } else if let Some(tag) = &args.tag {
        tagged(project, args, tag)
    } else {
        local_entry(project, args)
    }
}

fn snapshot(project: &Project, args: &ReleaseArgs) -> Result<()> {
    let def = Definition::load(&project.root)?;
    let out = OutDir::new(project.out_dir(&args.out.out));
    if args.dry_run {
        let version = crate::version::BuildStamp::of_head(&Git::new(&project.sh), true)?.version;
        plan::print(&plan::plan(&def, &version, None));
        return Ok(());
    }
    let only = if args.all_targets {
        None
    } else {
        let host = tools::host_triple(project)?;
        let target = Target::for_host(&host).with_context(|| {
            format!("no release target runs on this host ({host}); hint: pass --all-targets")
        })?;
        Some(vec![target])
    };
    let opts = cross_build::Options {
        only,
        install_missing: true,
        fake: args.fake_binaries,
        snapshot: true,
    };
    let key = attest::signing_key(project, args.key.as_deref())?;
    let metadata = pipeline(project, &def, &out, &opts, key.as_ref())?;
    summary(&out, &metadata, args.json)
}

fn summary(out: &OutDir, metadata: &Metadata, json: bool) -> Result<()> {
    let manifest = out.manifest()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&manifest)?);
        return Ok(());
    }
    let kind = if metadata.snapshot { " (snapshot)" } else { "" };
    println!(
        "release {} {}{kind} in {}",
        metadata.project,
        metadata.version,
        out.path.display()
    );
    for artifact in manifest.artifacts.iter().filter(|a| a.kind != Kind::Binary) {
        println!(
            "  {:<10} {:>10}  {}",
            format!("{:?}", artifact.kind).to_lowercase(),
            artifact.size,
            artifact.path
        );
    }
    Ok(())
}

/// `--rc | --patch | --minor | --major`: qualify, then bump.
fn local_entry(project: &Project, args: &ReleaseArgs) -> Result<()> {
    let kind = match (args.rc, args.patch, args.minor, args.major) {
        (true, ..) => BumpKind::Rc,
        (_, true, ..) => BumpKind::Patch,
        (_, _, true, _) => BumpKind::Minor,
        _ => BumpKind::Major,
    };
    if kind == BumpKind::Major && !args.yes {
        bail!(
            "a major release needs team agreement and advance communication; hint: once agreed, add --yes"
        );
    }
    let bump_args = BumpArgs {
        kind,
        patch: false,
        tag: None,
        yes: args.yes,
        force: false,
        branch: "main".into(),
        remote: "origin".into(),
        dry_run: args.dry_run,
        json: false,
    };
    if args.dry_run {
        let gates = if args.gates.is_empty() {
            qualify::GATES.join(", ")
        } else {
            args.gates.join(", ")
        };
        println!(
            "plan: qualify ({gates}), then bump {}",
            format!("{kind:?}").to_lowercase()
        );
        return bump::run(project, &bump_args);
    }
    let qualify_args = QualifyArgs {
        only: args.gates.clone(),
        skip: Vec::new(),
        fail_fast: true,
        fix_headers: false,
        json: false,
        advisory_db: None,
    };
    qualify::run(project, &qualify_args).context("qualify failed; nothing was tagged")?;
    bump::run(project, &bump_args)?;
    eprintln!("release: the tag is pushed; the on-tag workflow builds, attests and publishes it");
    Ok(())
}

/// The journal of a tagged release: what completed, with evidence.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Journal {
    tag: String,
    commit: String,
    steps: BTreeMap<String, Value>,
}

const JOURNAL: &str = "release-state.json";

impl Journal {
    fn load(out: &OutDir) -> Option<Journal> {
        serde_json::from_slice(&fs::read(out.join(JOURNAL)).ok()?).ok()
    }

    fn record(&mut self, out: &OutDir, step: &str, evidence: Value) -> Result<()> {
        self.steps.insert(step.to_owned(), evidence);
        let text = serde_json::to_string_pretty(self)? + "\n";
        crate::fsutil::write_atomically(&out.join(JOURNAL), text.as_bytes())
    }
}

/// An exclusive lock on an output directory, released on drop.
#[derive(Debug)]
struct Lock(PathBuf);

impl Lock {
    fn acquire(out: &Path) -> Result<Lock> {
        let path = PathBuf::from(format!("{}.lock", out.display()));
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                use std::io::Write;
                writeln!(file, "{}", std::process::id())?;
                Ok(Lock(path))
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = fs::read_to_string(&path).unwrap_or_default();
                bail!(
                    "another release run holds {} (pid {}); hint: wait for it, or remove the file if that run is gone",
                    path.display(),
                    holder.trim()
                )
            }
            Err(e) => Err(e).with_context(|| format!("cannot create {}", path.display())),
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// A clean detached worktree of a tag, removed on drop.
#[derive(Debug)]
struct Worktree<'a> {
    main: &'a Project,
    path: PathBuf,
}

impl<'a> Worktree<'a> {
    fn add(main: &'a Project, tag: &str) -> Result<Worktree<'a>> {
        let sh = &main.sh;
        let path = main.root.join("target/release-worktree").join(tag);
        if path.exists() {
            let _ = cmd!(sh, "git worktree remove --force {path}")
                .quiet()
                .ignore_stderr()
                .run();
            let _ = fs::remove_dir_all(&path);
        }
        let _ = cmd!(sh, "git worktree prune").quiet().run();
        let spec = format!("refs/tags/{tag}");
        cmd!(sh, "git worktree add --quiet --detach {path} {spec}")
            .quiet()
            .run()
            .with_context(|| format!("cannot check out {tag} into a worktree"))?;
        Ok(Worktree { main, path })
    }
}

impl Drop for Worktree<'_> {
    fn drop(&mut self) {
        let sh = &self.main.sh;
        let path = &self.path;
        let _ = cmd!(sh, "git worktree remove --force {path}")
            .quiet()
            .ignore_stderr()
            .run();
    }
}

fn tagged(project: &Project, args: &ReleaseArgs, tag: &str) -> Result<()> {
    let version = ReleaseVersion::parse_tag(tag)?;
    let git = Git::new(&project.sh);
    git.ensure_repo()?;
    let commit = git
        .rev_parse(&format!("refs/tags/{tag}"))
        .map_err(|_| anyhow::anyhow!("tag {tag} does not exist here; hint: git fetch --tags, or create it with cargo xtask bump"))?;
    let out = OutDir::new(project.out_dir(&args.out.out));
    if args.dry_run {
        let def = Definition::load(&project.root)?;
        plan::print(&plan::plan(&def, &version.to_string(), Some(tag)));
        if args.publish {
            print_requests(
                project,
                tag,
                version.is_rc(),
                &plan::plan(&def, &version.to_string(), Some(tag)),
            )?;
        }
        return Ok(());
    }
    let _lock = Lock::acquire(&out.path)?;
    let worktree = Worktree::add(project, tag)?;
    let tree = Project::open(Some(&worktree.path))?;
    // Share compiled dependencies and installed tools with the main checkout; the
    // binaries do not depend on these paths (they are remapped).
    tree.sh
        .set_var("CARGO_TARGET_DIR", project.root.join("target"));
    tree.sh.set_var(
        "AICR_TOOLS_DIR",
        tools::venv(project).parent().context("tools dir")?,
    );
    let def = Definition::load(&tree.root)?;

    let mut journal = match Journal::load(&out) {
        Some(j) if j.tag == tag && j.commit == commit => j,
        _ => Journal {
            tag: tag.to_owned(),
            commit: commit.clone(),
            ..Journal::default()
        },
    };
    let built = journal
        .steps
        .get("build")
        .is_some_and(|evidence| still_there(&out, evidence));
    let metadata = if built {
        eprintln!(
            "release: {tag} is already built in {} and verifies; building again is not needed",
            out.path.display()
        );
        out.metadata()?
    } else {
        let opts = cross_build::Options {
            only: None,
            install_missing: true,
            fake: args.fake_binaries,
            snapshot: false,
        };
        let key = attest::signing_key(project, args.key.as_deref())?;
        let metadata = pipeline(&tree, &def, &out, &opts, key.as_ref())?;
        let manifest = out.manifest()?;
        let assets: BTreeMap<String, String> = manifest
            .artifacts
            .iter()
            .filter(|a| a.kind != Kind::Binary)
            .map(|a| (a.path.clone(), a.sha256.clone()))
            .collect();
        journal.record(
            &out,
            "build",
            json!({ "version": metadata.version, "assets": assets }),
        )?;
        metadata
    };
    if metadata.tag.as_deref() != Some(tag) {
        bail!(
            "the build of {tag} carries version {} (tag {:?}); hint: is the tag on the worktree's HEAD?",
            metadata.version,
            metadata.tag
        );
    }
    if !args.publish {
        summary(&out, &metadata, args.json)?;
        eprintln!("release: built {tag}; publish with cargo xtask release --tag {tag} --publish");
        return Ok(());
    }
    let steps: [(&str, PublishStep); 5] = [
        ("images-push", publish_images),
        ("github-release", publish_github),
        ("homebrew", publish_homebrew),
        ("site", publish_site),
        ("demo", publish_demo),
    ];
    let plan = plan::plan(&def, &metadata.version, Some(tag));
    for (name, step) in steps {
        let Some(planned) = plan.step(name) else {
            eprintln!("release: {name}: not configured in dist/release.toml");
            continue;
        };
        if !planned.runs {
            eprintln!("release: {name}: {}", planned.detail);
            continue;
        }
        eprintln!("release: {name} ...");
        let evidence = step(project, &def, &out, args, tag)
            .with_context(|| format!("step {name} failed; hint: fix the cause and resume with cargo xtask release --tag {tag} --publish"))?;
        journal.record(&out, name, evidence)?;
    }
    summary(&out, &metadata, args.json)?;
    eprintln!("release: {tag} is published");
    Ok(())
}

/// A publish step: returns its evidence for the journal.
type PublishStep = fn(&Project, &Definition, &OutDir, &ReleaseArgs, &str) -> Result<Value>;

/// Whether every asset a recorded build produced is still in `out`, byte for byte.
fn still_there(out: &OutDir, evidence: &Value) -> bool {
    let Some(assets) = evidence["assets"].as_object() else {
        return false;
    };
    !assets.is_empty()
        && assets.iter().all(|(name, sha)| {
            crate::fsutil::sha256_file(&out.join(name))
                .is_ok_and(|(digest, _)| Some(digest.as_str()) == sha.as_str())
        })
}

/// The assets uploaded to the GitHub release: every published file of the output.
fn release_assets(out: &OutDir) -> Result<Vec<(String, PathBuf, u64, String)>> {
    let manifest = out.manifest()?;
    let mut assets: Vec<_> = manifest
        .artifacts
        .iter()
        .filter(|a| {
            a.kind.is_release_asset() || matches!(a.kind, Kind::Checksum | Kind::Provenance)
        })
        .map(|a| (a.name.clone(), out.join(&a.path), a.size, a.sha256.clone()))
        .collect();
    assets.sort();
    Ok(assets)
}

fn github_client(project: &Project) -> Result<github::Client> {
    let token = project
        .sh
        .var("GITHUB_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .context("GITHUB_TOKEN is not set; hint: export a token with contents: write")?;
    let api = project
        .sh
        .var("AICR_GITHUB_API")
        .unwrap_or_else(|_| github::DEFAULT_API.to_owned());
    let repository = github::owner_name(&changelog::repository(project))?;
    Ok(github::Client::new(&api, &repository, &token))
}

fn release_notes(project: &Project, tag: &str) -> Result<String> {
    let config = changelog::config(project)?;
    let args = ChangelogArgs {
        unreleased: false,
        from: None,
        to: None,
        tag: Some(tag.to_owned()),
        all: false,
        output: None,
        json: false,
        lint: false,
    };
    let sections = changelog::sections(project, &config, &args)?;
    Ok(config.render(&sections, &changelog::repository(project)))
}

fn publish_github(
    project: &Project,
    _def: &Definition,
    out: &OutDir,
    args: &ReleaseArgs,
    tag: &str,
) -> Result<Value> {
    let client = github_client(project)?;
    let prerelease = ReleaseVersion::parse_tag(tag)?.is_rc();
    let body = release_notes(project, tag)?;
    let mut release = match client.find_release(tag)? {
        Some(existing) => {
            eprintln!(
                "  github: reusing {} release {} of {tag}",
                if existing.draft { "draft" } else { "published" },
                existing.id
            );
            if existing.prerelease != prerelease || existing.body.as_deref() != Some(body.as_str())
            {
                client.update(
                    existing.id,
                    &json!({ "prerelease": prerelease, "body": body }),
                )?
            } else {
                existing
            }
        }
        None => {
            let created = client.create_draft(tag, &body, prerelease)?;
            eprintln!("  github: created draft release {}", created.id);
            created
        }
    };
    let remote = client.assets(release.id)?;
    let mut uploaded = BTreeMap::new();
    for (name, path, size, sha) in release_assets(out)? {
        let digest = format!("sha256:{sha}");
        if let Some(existing) = remote.iter().find(|a| a.name == name) {
            let same =
                existing.size == size && existing.digest.as_deref().is_none_or(|d| d == digest);
            if same {
                eprintln!("  github: {name} is already uploaded");
                uploaded.insert(name, sha);
                continue;
            }
            if !args.replace {
                bail!(
                    "{name} on the release differs from the local file (size {} vs {size}); hint: pass --replace to replace it",
                    existing.size
                );
            }
            client.delete_asset(existing.id)?;
            eprintln!("  github: replacing {name}");
        }
        let bytes = fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        client.upload(&release, &name, bytes)?;
        eprintln!("  github: uploaded {name} ({size} bytes)");
        uploaded.insert(name, sha);
    }
    if release.draft {
        release = client.update(
            release.id,
            &json!({ "draft": false, "prerelease": prerelease }),
        )?;
        eprintln!("  github: published release {}", release.id);
    }
    Ok(json!({ "release_id": release.id, "prerelease": prerelease, "assets": uploaded }))
}

fn publish_homebrew(
    project: &Project,
    def: &Definition,
    out: &OutDir,
    args: &ReleaseArgs,
    tag: &str,
) -> Result<Value> {
    let hb = def
        .homebrew
        .as_ref()
        .context("no [homebrew] in dist/release.toml")?;
    let metadata = out.metadata()?;
    let sums_text = fs::read_to_string(out.join(&def.checksums))?;
    let sums: BTreeMap<String, String> = attest::parse_checksums(&sums_text)?.into_iter().collect();
    let repository = changelog::repository(project);
    let bottles = homebrew::bottles(&hb.binary, &metadata.version, tag, &repository, &sums);
    let formula = homebrew::render(hb, &metadata.version, &repository, &bottles)?;
    let file = out.join(&format!("homebrew/{}.rb", hb.binary));
    crate::fsutil::write_atomically(&file, formula.as_bytes())?;
    out.record(vec![crate::artifacts::Artifact::of_file(
        &out.path,
        &format!("homebrew/{}.rb", hb.binary),
        Kind::Formula,
        None,
    )?])?;
    let result = homebrew::publish(project, hb, &formula, tag, args.dry_run)?;
    let status = match &result {
        homebrew::TapResult::NotConfigured(why) => {
            eprintln!(
                "  homebrew: formula rendered to {}; not published: {why}",
                file.display()
            );
            format!("not published: {why}")
        }
        homebrew::TapResult::Unchanged => {
            eprintln!("  homebrew: the tap already has this formula");
            "unchanged".to_owned()
        }
        homebrew::TapResult::Committed(message) => {
            eprintln!("  homebrew: committed \"{message}\"");
            "committed".to_owned()
        }
    };
    Ok(json!({ "formula": format!("homebrew/{}.rb", hb.binary), "tap": status }))
}

fn run_configured(project: &Project, name: &str, argv: &[String], tag: &str) -> Result<Value> {
    let Some((program, rest)) = argv.split_first() else {
        return Ok(json!({ "status": "not configured" }));
    };
    let sh = &project.sh;
    cmd!(sh, "{program} {rest...}")
        .env("AICR_RELEASE_TAG", tag)
        .run()
        .with_context(|| format!("the {name} command failed"))?;
    Ok(json!({ "status": "ran", "command": argv }))
}

fn publish_images(
    _project: &Project,
    def: &Definition,
    out: &OutDir,
    args: &ReleaseArgs,
    _tag: &str,
) -> Result<Value> {
    let uploaded = images::push(def, out, None, args.dry_run)?;
    let manifest = out.manifest()?;
    let digests: BTreeMap<String, String> = manifest
        .artifacts
        .iter()
        .filter(|a| a.kind == Kind::Image)
        .map(|a| (a.name.clone(), format!("sha256:{}", a.sha256)))
        .collect();
    Ok(json!({ "uploaded_blobs": uploaded, "digests": digests }))
}

fn publish_site(
    project: &Project,
    def: &Definition,
    _out: &OutDir,
    _args: &ReleaseArgs,
    tag: &str,
) -> Result<Value> {
    run_configured(project, "site", &def.publish.site, tag)
}

fn publish_demo(
    project: &Project,
    def: &Definition,
    _out: &OutDir,
    _args: &ReleaseArgs,
    tag: &str,
) -> Result<Value> {
    run_configured(project, "demo", &def.publish.demo, tag)
}

/// What `--publish` would send to GitHub, for `--dry-run`.
fn print_requests(project: &Project, tag: &str, prerelease: bool, plan: &plan::Plan) -> Result<()> {
    let api = project
        .sh
        .var("AICR_GITHUB_API")
        .unwrap_or_else(|_| github::DEFAULT_API.to_owned());
    let repository = github::owner_name(&changelog::repository(project))?;
    println!("  requests (GitHub, token from GITHUB_TOKEN):");
    println!(
        "    GET   {api}/repos/{repository}/releases?per_page=100&page=1   (find {tag}, drafts included)"
    );
    println!(
        "    POST  {api}/repos/{repository}/releases   {{tag_name: {tag}, draft: true, prerelease: {prerelease}, body: <changelog>}}   (unless it exists)"
    );
    println!("    GET   {api}/repos/{repository}/releases/<id>/assets?per_page=100");
    for asset in &plan.assets {
        println!(
            "    POST  <upload_url>?name={asset}   (unless uploaded with the same size and digest)"
        );
    }
    println!("    PATCH {api}/repos/{repository}/releases/<id>   {{draft: false}}");
    Ok(())
}
