// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Command-line flags of `cargo xtask`: one subcommand per task.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Build, qualify and release tooling for the AICR workspace.
///
/// Every task runs from the project root (or the directory given with -C), reads the
/// release version from git tags, and writes its outputs under target/.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    version,
    max_term_width = 100
)]
pub struct Xtask {
    /// Run as if started in DIR (a git checkout) instead of this workspace.
    #[arg(short = 'C', long = "directory", value_name = "DIR", global = true)]
    pub directory: Option<PathBuf>,
    #[command(subcommand)]
    pub task: Task,
}

#[derive(Debug, Subcommand)]
pub enum Task {
    /// Build the product binaries with the release version stamped in.
    Build(BuildArgs),
    /// Run every quality gate (fmt, clippy, test, unsafe, headers, yaml, licenses, advisories, e2e, coverage).
    Qualify(QualifyArgs),
    /// Check (or with --fix add) the SPDX license header of every source file.
    Headers(HeadersArgs),
    /// Tag the next release (patch, minor, major, rc, promote) and push the tag.
    Bump(BumpArgs),
    /// Print the version the next build would carry, derived from git.
    Version(VersionArgs),
    /// Build every (binary, target) of the release definition into target/dist/.
    CrossBuild(CrossBuildArgs),
    /// Make the reproducible archives of the built binaries.
    Package(OutArgs),
    /// Write the checksum file of every release asset.
    Checksum(OutArgs),
    /// Release: --snapshot locally, --bump rc|patch|minor|major to tag, --tag T --publish in CI.
    Release(ReleaseArgs),
    /// Print the steps, artifacts and publish actions of a release.
    Plan(PlanArgs),
    /// The end-to-end test on a Kind cluster: plan it, run it (CI), assert its verdicts.
    KindE2e(KindE2eArgs),
    /// Write the documentation site (READMEs, RELEASING.md, the aicrd API) as HTML pages.
    Site(SiteArgs),
    /// Build OCI image layouts of the built binaries (and with --push, push them).
    Images(ImagesArgs),
    /// Write THIRD_PARTY_NOTICES.md (or with --check, fail when it is out of date).
    Notices(NoticesArgs),
    /// Write an SPDX 2.3 SBOM for every archive in target/dist/.
    Sbom(OutArgs),
    /// Release notes from Conventional Commits (--lint checks commit subjects).
    Changelog(ChangelogArgs),
    /// Write SLSA provenance for the release in a DSSE envelope, signed with --key.
    Attest(AttestArgs),
    /// Make an ed25519 key pair for signing provenance.
    Keygen(KeygenArgs),
    /// Verify a release directory offline: checksums, artifacts, SBOMs, provenance, archives.
    Verify(VerifyArgs),
    /// Rebuild a release from its tag and compare every asset with the published one.
    Rebuild(RebuildArgs),
    /// Benchmark against standard tools (hash, package, changelog) and load aicrd (aicrd, all).
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
pub struct ChangelogArgs {
    /// Everything since the last stable tag (the default).
    #[arg(long, conflicts_with_all = ["all", "from", "to"])]
    pub unreleased: bool,
    /// Start of a range (exclusive).
    #[arg(long, value_name = "REF")]
    pub from: Option<String>,
    /// End of a range (inclusive); default HEAD.
    #[arg(long, value_name = "REF")]
    pub to: Option<String>,
    /// The release to title the notes with (the notes of that tag when it exists).
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
    /// The whole history, one section per stable release.
    #[arg(long, conflicts_with_all = ["from", "to", "tag", "lint"])]
    pub all: bool,
    /// Write the Markdown to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print the sections as JSON.
    #[arg(long)]
    pub json: bool,
    /// Fail listing every commit of the range whose subject is not conventional.
    #[arg(long)]
    pub lint: bool,
}

#[derive(Debug, Args)]
pub struct AttestArgs {
    /// The ed25519 private key (PKCS#8 PEM); default: $AICR_SIGNING_KEY (the PEM text).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    #[command(flatten)]
    pub out: OutArgs,
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Where to write aicr-signing.key and aicr-signing.pub.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The release directory.
    #[arg(long, value_name = "DIR", default_value = "target/dist")]
    pub dist: PathBuf,
    /// The public key (PEM) the provenance must be signed with.
    #[arg(long, value_name = "PUB")]
    pub key: Option<PathBuf>,
    /// Check one image instead: a layout (oci:DIR) or a pushed image
    /// (host/repository:tag or @sha256:…, read with the registry credentials of
    /// `images --push`, or anonymously): its signed SBOM and provenance referrers, for
    /// the index and every platform. Needs --key.
    #[arg(long, value_name = "oci:DIR|REF")]
    pub image: Option<String>,
    /// Print the checks as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(after_long_help = REBUILD_HELP)]
pub struct RebuildArgs {
    /// The release to rebuild, e.g. v1.2.3.
    #[arg(long, value_name = "TAG")]
    pub tag: String,
    /// The published release: a directory of its downloaded assets (relative to the
    /// checkout), or the https URL of its checksum file; default: the checksum file of
    /// the tag's GitHub release.
    #[arg(long, value_name = "DIR|URL")]
    pub against: Option<String>,
    /// Rebuild and compare only this target's assets (repeatable); default: every
    /// target of the tag's dist/release.toml.
    #[arg(long = "target", value_name = "TRIPLE")]
    pub targets: Vec<String>,
    /// Compare the images too: each rebuilt image index (or, for a subset of targets,
    /// each platform manifest) with the published one.
    #[arg(long, conflicts_with = "expect_promotion")]
    pub images: bool,
    /// --against holds the release candidate the tag was promoted from: prove that the
    /// two differ only in the version stamp.
    #[arg(long)]
    pub expect_promotion: bool,
    /// Where the rebuilt assets go; default: target/rebuild/<TAG>.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write placeholder scripts instead of compiling (fast tests of later steps).
    #[arg(long)]
    pub fake_binaries: bool,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

const REBUILD_HELP: &str = "\
Builds the tag in a clean worktree with the toolchain it pins (rust-toolchain.toml; a
different rustc is refused), then compares every asset the release's checksum file lists
with the rebuilt one: one line per asset, exit code 0 when all match, 1 otherwise. A
difference is explained as far as possible without external tools: the archive entry
that differs (name, mode, mtime, owner, size or content), and for a binary whether the
bytes differ in the version/build stamp, a build path or code; diffoscope shows all.

Examples:
  cargo xtask rebuild --tag v1.3.0 --against ./aicr-v1.3.0
  cargo xtask rebuild --tag v1.3.0 --target x86_64-unknown-linux-musl
  cargo xtask rebuild --tag v1.3.0 --against ./aicr-v1.3.0-rc2 --expect-promotion";

#[derive(Debug, Args)]
pub struct NoticesArgs {
    /// Fail when the committed file differs from what would be generated.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Which benchmark: hash, package, changelog, aicrd or all.
    #[arg(default_value = "all")]
    pub case: String,
    /// Print the measurements as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct OutArgs {
    /// The release output directory.
    #[arg(long, value_name = "DIR", default_value = "target/dist")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct CrossBuildArgs {
    /// Build only this target (repeatable); default: every target of dist/release.toml.
    #[arg(long = "target", value_name = "TRIPLE")]
    pub targets: Vec<String>,
    /// Install missing Rust targets (rustup) and zig (into target/tools/) instead of stopping.
    #[arg(long)]
    pub install_missing: bool,
    /// Write placeholder scripts instead of compiling (fast tests of later steps).
    #[arg(long)]
    pub fake_binaries: bool,
    #[command(flatten)]
    pub out: OutArgs,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("mode").required(true).args(["snapshot", "tag", "bump", "rc", "patch", "minor", "major"])))]
#[command(after_long_help = RELEASE_HELP)]
#[command(override_usage = "cargo xtask release [OPTIONS] <--snapshot|--tag <TAG>|--bump <KIND>>")]
pub struct ReleaseArgs {
    /// Build a local snapshot of the working tree: no tag needed, nothing published.
    #[arg(long)]
    pub snapshot: bool,
    /// Build the release of an existing tag from a clean worktree of it (CI, re-runs).
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
    /// Qualify, then tag the next release of this kind and push it (CI takes over).
    #[arg(long, value_enum, value_name = "KIND")]
    pub bump: Option<ReleaseBump>,
    /// --bump rc.
    #[arg(long, hide = true)]
    pub rc: bool,
    /// --bump patch.
    #[arg(long, hide = true)]
    pub patch: bool,
    /// --bump minor.
    #[arg(long, hide = true)]
    pub minor: bool,
    /// --bump major.
    #[arg(long, hide = true)]
    pub major: bool,
    /// Confirm a major release.
    #[arg(long)]
    pub yes: bool,
    /// With --tag: publish (GitHub release, Homebrew and the stable-only steps).
    #[arg(long)]
    pub publish: bool,
    /// With --publish: replace release assets whose content differs.
    #[arg(long)]
    pub replace: bool,
    /// Print the plan (and the requests publishing would send) and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The quality gates the local entry runs before tagging (default: all).
    #[arg(long, value_delimiter = ',', value_name = "GATES")]
    pub gates: Vec<String>,
    /// Build every target of the release definition, not only the host's (snapshots).
    #[arg(long)]
    pub all_targets: bool,
    /// With --tag: build only this target's assets (repeatable), a partial build that
    /// publishes nothing; default: every target of the tag's dist/release.toml.
    #[arg(
        long = "target",
        value_name = "TRIPLE",
        conflicts_with_all = ["publish", "snapshot", "bump", "rc", "patch", "minor", "major"]
    )]
    pub targets: Vec<String>,
    /// Write placeholder scripts instead of compiling (fast tests of later steps).
    #[arg(long)]
    pub fake_binaries: bool,
    /// Print artifacts.json on stdout.
    #[arg(long)]
    pub json: bool,
    /// Sign the provenance with this ed25519 key (PKCS#8 PEM); default: $AICR_SIGNING_KEY.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    #[command(flatten)]
    pub out: OutArgs,
}

impl ReleaseArgs {
    /// The kind of the local entry's bump: `--bump KIND` or one of its aliases
    /// (`--rc`, `--patch`, `--minor`, `--major`); none for a snapshot or a tag.
    pub fn bump_kind(&self) -> anyhow::Result<Option<ReleaseBump>> {
        let aliases = [
            (self.rc, ReleaseBump::Rc),
            (self.patch, ReleaseBump::Patch),
            (self.minor, ReleaseBump::Minor),
            (self.major, ReleaseBump::Major),
        ];
        let mut kinds = self.bump.into_iter().chain(
            aliases
                .into_iter()
                .filter(|(set, _)| *set)
                .map(|(_, kind)| kind),
        );
        let kind = kinds.next();
        if kinds.next().is_some() {
            anyhow::bail!("release takes one kind of bump; hint: give --bump KIND once");
        }
        Ok(kind)
    }
}

/// The kinds of release the local entry tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReleaseBump {
    /// The next release candidate (v1.2.3 -> v1.3.0-rc1, v1.3.0-rc1 -> v1.3.0-rc2)
    Rc,
    /// v1.2.3 -> v1.2.4
    Patch,
    /// v1.2.3 -> v1.3.0
    Minor,
    /// v1.2.3 -> v2.0.0 (needs --yes)
    Major,
}

impl From<ReleaseBump> for BumpKind {
    fn from(kind: ReleaseBump) -> BumpKind {
        match kind {
            ReleaseBump::Rc => BumpKind::Rc,
            ReleaseBump::Patch => BumpKind::Patch,
            ReleaseBump::Minor => BumpKind::Minor,
            ReleaseBump::Major => BumpKind::Major,
        }
    }
}

const RELEASE_HELP: &str = "\
Entry points:
  cargo xtask release --snapshot             local build of the working tree, nothing published
  cargo xtask release --bump rc|patch|minor  qualify, then bump (tag + push); CI takes over
  cargo xtask release --tag v1.2.3 --publish build the tag from a clean worktree and publish

Publishing executes the steps of `cargo xtask plan --tag T` in order. A preflight checks
every credential and permission before the first remote change and lists everything
missing. Publishing is idempotent and checks remote truth first: an existing draft or
release is reused, assets already uploaded with the same size and digest are skipped,
and running the same command again after a failure finishes the job. Release candidates
(-rcN) are GitHub pre-releases and skip Homebrew, site and demo; latest (image tag,
GitHub's latest release, Homebrew, site, demo) moves only to the highest stable tag.
Environment: GITHUB_TOKEN (and AICR_GITHUB_API for another API base URL),
AICR_REGISTRY_USERNAME/AICR_REGISTRY_PASSWORD (GITHUB_TOKEN for ghcr.io otherwise),
HOMEBREW_TAP_TOKEN for an https tap, AICR_SIGNING_KEY for the provenance (required to
publish).";

#[derive(Debug, Args)]
pub struct ImagesArgs {
    /// A base image as a local OCI layout: NAME=oci:DIR (repeatable).
    #[arg(long, value_name = "NAME=oci:DIR")]
    pub base: Vec<String>,
    /// Pull registry bases that are not cached (tagged releases always do).
    #[arg(long)]
    pub pull: bool,
    /// Push the images to this registry host (e.g. 127.0.0.1:5000 or ghcr.io).
    #[arg(long, value_name = "REGISTRY")]
    pub push: Option<String>,
    /// Push the layouts already built instead of building them again.
    #[arg(long)]
    pub no_build: bool,
    /// With --push: list every request and send none.
    #[arg(long)]
    pub dry_run: bool,
    /// Sign the images' SBOM and provenance referrers with this ed25519 key (PKCS#8
    /// PEM); default: $AICR_SIGNING_KEY. Without a key no referrers are attached.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Check that the registry credentials may push to every image's repository (the
    /// registry's pull,push handshake and a cancelled upload), pushing nothing.
    #[arg(long)]
    pub check_push: bool,
    /// Print the built images as one JSON array, for CI (e.g. the attest-images
    /// workflow's input): each image's name, repository (on the --push host when
    /// given), index digest and SBOM file (its path in the release directory). Builds
    /// nothing.
    #[arg(long, conflicts_with_all = ["check_push", "dry_run"])]
    pub list: bool,
    /// Resolve the wheels of the Python image NAME with pip (from PyPI, for every linux
    /// platform) and write its lock file; builds and pushes nothing.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["push", "check_push", "no_build", "base", "pull"])]
    pub lock: Option<String>,
    #[command(flatten)]
    pub out: OutArgs,
}

#[derive(Debug, Args)]
pub struct SiteArgs {
    /// The directory the site is written to (replaced).
    #[arg(long, value_name = "DIR", default_value = "target/site")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct KindE2eArgs {
    #[command(subcommand)]
    pub action: KindE2eAction,
}

#[derive(Debug, Subcommand)]
pub enum KindE2eAction {
    /// Print what a recipe deploys, which checks run and the verdict each must give.
    Plan {
        /// The recipe (`aicr recipe -t json`, the criteria of dist/kind-e2e.toml).
        #[arg(long, value_name = "FILE")]
        recipe: PathBuf,
        /// Print the plan as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run the test on an existing Kind cluster, with the binaries and images of
    /// `cargo xtask release --snapshot` (needs kind, kubectl, helm, skopeo, docker).
    Run {
        /// The Kind cluster's name.
        #[arg(long, value_name = "NAME")]
        cluster: String,
        /// The release output directory holding the binaries and image layouts.
        #[arg(long, value_name = "DIR", default_value = "target/dist")]
        dist: PathBuf,
        /// Where the recipe, bundle, manifests and results go.
        #[arg(long, value_name = "DIR", default_value = "target/kind-e2e")]
        out: PathBuf,
        /// How long the validator Jobs may take, in seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = 600)]
        timeout: u64,
    },
    /// Check the verdicts a run collected in DIR against its plan.
    Assert {
        /// The directory of a run (plan.json, results/, pods.json, validate.json).
        #[arg(long, value_name = "DIR", default_value = "target/kind-e2e")]
        out: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Plan the release of this tag (default: a snapshot).
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
    /// Report what a release run did for each step, from its journal
    /// (target/dist/release-state.json).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Print `<job>=true|false` for each on-tag publish job (site, demo, notify): whether
    /// the release runs it ($GITHUB_OUTPUT lines).
    #[arg(long, conflicts_with_all = ["json", "journal"])]
    pub jobs: bool,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Build with the release profile.
    #[arg(long)]
    pub release: bool,
    /// Build for this target triple instead of the host.
    #[arg(long, value_name = "TRIPLE")]
    pub target: Option<String>,
    /// Build only this product package (repeatable); default: all of them.
    #[arg(short, long = "package", value_name = "NAME")]
    pub packages: Vec<String>,
}

#[derive(Debug, Args)]
pub struct QualifyArgs {
    /// Run only these gates (comma-separated).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "GATES",
        conflicts_with = "skip"
    )]
    pub only: Vec<String>,
    /// Skip these gates (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "GATES")]
    pub skip: Vec<String>,
    /// Stop at the first failing gate instead of running them all.
    #[arg(long)]
    pub fail_fast: bool,
    /// Add missing license headers before the headers gate runs.
    #[arg(long)]
    pub fix_headers: bool,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// The RustSec advisory database (a directory); default: $AICR_ADVISORY_DB, else
    /// ~/.cargo/advisory-db (cloned with git when missing).
    #[arg(long, value_name = "DIR")]
    pub advisory_db: Option<PathBuf>,
    /// The cargo profile the e2e gate builds the product with. Default `qualify-e2e`:
    /// the shipped `release-dist` settings without the optimizer and LTO, under a third
    /// of the CPU time. `release-dist` checks the shipped binaries themselves (pushes to
    /// main, tags and `cargo xtask release` do).
    #[arg(long, value_name = "PROFILE")]
    pub e2e_profile: Option<String>,
}

#[derive(Debug, Args)]
pub struct HeadersArgs {
    /// Add the header to every file that lacks it.
    #[arg(long)]
    pub fix: bool,
}

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Print the build stamp as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(after_long_help = BUMP_HELP)]
pub struct BumpArgs {
    /// Which version to tag next.
    #[arg(value_enum)]
    pub kind: BumpKind,
    /// With `rc`: start a patch release candidate (v1.2.3 -> v1.2.4-rc1) instead of a minor one.
    #[arg(long)]
    pub patch: bool,
    /// With `promote`: the release candidate to promote, e.g. v1.3.0-rc2.
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
    /// Confirm a major bump (major versions need team agreement).
    #[arg(long)]
    pub yes: bool,
    /// With `promote`: promote even though a newer candidate of the same version exists.
    #[arg(long)]
    pub force: bool,
    /// The release branch HEAD must be on (use release/X.Y for hotfix lines).
    #[arg(long, default_value = crate::git::RELEASE_BRANCH, value_name = "BRANCH")]
    pub branch: String,
    /// The remote to check against and push the tag to.
    #[arg(long, default_value = crate::git::RELEASE_REMOTE, value_name = "REMOTE")]
    pub remote: String,
    /// Check everything and print the plan, but create and push nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the plan (or the result) as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BumpKind {
    /// v1.2.3 -> v1.2.4
    Patch,
    /// v1.2.3 -> v1.3.0
    Minor,
    /// v1.2.3 -> v2.0.0 (needs --yes)
    Major,
    /// v1.2.3 -> v1.3.0-rc1, v1.3.0-rc1 -> v1.3.0-rc2
    Rc,
    /// v1.3.0-rc2 -> v1.3.0 on the same commit (needs --tag)
    Promote,
    /// From the commits since the last stable tag: breaking -> major, feat -> minor, else
    /// patch (before 1.0: breaking -> minor, feat -> patch)
    Auto,
}

const BUMP_HELP: &str = "\
Versions come from git tags vMAJOR.MINOR.PATCH and vMAJOR.MINOR.PATCH-rcN; other tags are
ignored. The base is the highest such tag reachable from HEAD (v0.0.0 when there is none).
No commit is created: an annotated tag is put on HEAD (on the candidate's commit for
promote) and pushed to the remote; if the push fails, the local tag is deleted again.

Before anything is written the task checks: the working tree is clean (untracked files
count), HEAD is on the release branch, the branch was fetched and HEAD equals the
remote's branch, the new tag exists neither locally nor on the remote, and HEAD carries
no release tag yet. --dry-run runs the same checks (it fetches) and prints the plan.

Examples:
  cargo xtask bump patch --dry-run
  cargo xtask bump rc
  cargo xtask bump promote --tag v1.3.0-rc2
  cargo xtask bump patch --branch release/1.2";

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{ReleaseBump, Task, Xtask};

    fn release_bump(args: &[&str]) -> Result<Option<ReleaseBump>, String> {
        let flags = Xtask::try_parse_from(["xtask", "release"].iter().chain(args))
            .map_err(|e| e.kind().to_string())?;
        let Task::Release(release) = flags.task else {
            return Err("not the release task".into());
        };
        release.bump_kind().map_err(|e| e.to_string())
    }

    #[test]
    fn each_release_alias_is_its_bump_kind() {
        for (alias, kind) in [
            ("--rc", ReleaseBump::Rc),
            ("--patch", ReleaseBump::Patch),
            ("--minor", ReleaseBump::Minor),
            ("--major", ReleaseBump::Major),
        ] {
            let value = alias.trim_start_matches("--");
            assert_eq!(release_bump(&[alias]), Ok(Some(kind)), "{alias}");
            assert_eq!(release_bump(&["--bump", value]), Ok(Some(kind)), "{value}");
        }
        assert_eq!(release_bump(&["--snapshot"]), Ok(None));
        assert_eq!(release_bump(&["--tag", "v1.2.3"]), Ok(None));
    }

    #[test]
    fn two_release_modes_are_refused() {
        for args in [
            &["--rc", "--patch"][..],
            &["--bump", "rc", "--major"],
            &["--snapshot", "--bump", "patch"],
            &["--tag", "v1.2.3", "--minor"],
            &["--bump", "promote"],
            &[],
        ] {
            assert!(release_bump(args).is_err(), "{args:?}");
        }
    }
}
