// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask bump` against real repositories with a bare `origin`: every transition,
//! every refusal, push failures and dry runs.

mod support;

use support::Repo;

/// Runs a bump that must succeed and checks the new tag is on HEAD locally and remotely.
#[track_caller]
fn bump_ok(repo: &Repo, args: &[&str], want: &str) {
    let mut full = vec!["bump"];
    full.extend_from_slice(args);
    repo.xtask(&full).success();
    let head = repo.git(&["rev-parse", "HEAD"]);
    assert_eq!(repo.tag_commit(want), head, "{want} should point at HEAD");
    assert!(
        repo.remote_tags().contains(&want.to_owned()),
        "{want} should be on origin"
    );
    assert_eq!(
        repo.git(&["cat-file", "-t", want]),
        "tag",
        "{want} should be annotated"
    );
}

/// Asserts a bump is refused with `needle` and that no tag appeared anywhere.
#[track_caller]
fn bump_refused(repo: &Repo, args: &[&str], needle: &str) {
    let (local, remote) = (repo.local_tags(), repo.remote_tags());
    let mut full = vec!["bump"];
    full.extend_from_slice(args);
    repo.xtask(&full).failure(needle);
    assert_eq!(repo.local_tags(), local, "no local tag may change");
    assert_eq!(repo.remote_tags(), remote, "no remote tag may change");
}

#[test]
fn first_release_without_tags_counts_from_zero() {
    for (kind, want) in [
        ("patch", "v0.0.1"),
        ("minor", "v0.1.0"),
        ("rc", "v0.1.0-rc1"),
    ] {
        let repo = Repo::new();
        bump_ok(&repo, &[kind], want);
    }
    let repo = Repo::new();
    bump_ok(&repo, &["major", "--yes"], "v1.0.0");
}

#[test]
fn stable_bumps_from_the_highest_reachable_stable_tag() {
    for (args, want) in [
        (&["patch"][..], "v1.2.4"),
        (&["minor"][..], "v1.3.0"),
        (&["major", "--yes"][..], "v2.0.0"),
        (&["rc"][..], "v1.3.0-rc1"),
        (&["rc", "--patch"][..], "v1.2.4-rc1"),
    ] {
        let repo = Repo::new();
        repo.tag_pushed("v1.2.2");
        repo.commit_pushed("fix: one");
        repo.tag_pushed("v1.2.3");
        repo.commit_pushed("feat: two");
        bump_ok(&repo, args, want);
    }
}

#[test]
fn annotated_message_names_the_release_and_the_commit_count() {
    let repo = Repo::new();
    repo.tag_pushed("v1.2.3");
    repo.commit_pushed("fix: one");
    repo.commit_pushed("fix: two");
    bump_ok(&repo, &["patch"], "v1.2.4");
    let message = repo.git(&["tag", "-l", "--format=%(contents)", "v1.2.4"]);
    assert_eq!(message, "Release v1.2.4\n\n2 commit(s) since v1.2.3.");
}

#[test]
fn rc_series_continues_then_promotes_on_the_same_commit() {
    let repo = Repo::new();
    repo.tag_pushed("v1.2.3");
    repo.commit_pushed("feat: a");
    bump_ok(&repo, &["rc"], "v1.3.0-rc1");
    repo.commit_pushed("fix: b");
    bump_ok(&repo, &["rc"], "v1.3.0-rc2");
    let rc2 = repo.tag_commit("v1.3.0-rc2");
    repo.commit_pushed("docs: c");

    repo.xtask(&["bump", "promote", "--tag", "v1.3.0-rc2"])
        .success();
    assert_eq!(
        repo.tag_commit("v1.3.0"),
        rc2,
        "promote tags the candidate's commit, not HEAD"
    );
    assert!(repo.remote_tags().contains(&"v1.3.0".to_owned()));
    // With v1.3.0 released, the next candidate starts the next minor.
    bump_ok(&repo, &["rc"], "v1.4.0-rc1");
}

#[test]
fn rc_numbers_compare_numerically() {
    let repo = Repo::new();
    repo.tag_pushed("v1.3.0-rc9");
    repo.commit_pushed("fix: a");
    repo.tag_pushed("v1.3.0-rc10");
    repo.commit_pushed("fix: b");
    bump_ok(&repo, &["rc"], "v1.3.0-rc11");
}

#[test]
fn only_rc_tags() {
    let repo = Repo::new();
    repo.tag_pushed("v0.1.0-rc1");
    repo.commit_pushed("fix: a");
    bump_ok(&repo, &["rc"], "v0.1.0-rc2");
}

#[test]
fn tags_that_are_not_release_tags_are_ignored() {
    let repo = Repo::new();
    repo.tag_pushed("v1.2.3");
    repo.commit_pushed("fix: a");
    for other in [
        "latest",
        "v9",
        "v9.9",
        "v9.0.0-beta1",
        "release-v9.0.0",
        "v9.0.0-rc01",
        "9.0.0",
    ] {
        repo.git(&["tag", other]);
    }
    repo.commit_pushed("fix: b");
    bump_ok(&repo, &["patch"], "v1.2.4");
}

#[test]
fn hotfix_line_bumps_from_its_own_tags() {
    let repo = Repo::new();
    repo.tag_pushed("v1.2.3");
    repo.git(&["branch", "release/1.2"]);
    repo.commit_pushed("feat: new on main");
    repo.tag_pushed("v1.3.0");
    repo.git(&["checkout", "--quiet", "release/1.2"]);
    repo.commit("fix: critical");
    repo.git(&["push", "--quiet", "-u", "origin", "release/1.2"]);
    bump_refused(&repo, &["patch"], "not the release branch 'main'");
    bump_ok(&repo, &["patch", "--branch", "release/1.2"], "v1.2.4");
}

#[test]
fn refuses_a_dirty_tree_and_untracked_files() {
    let repo = Repo::new();
    repo.tag_pushed("v1.2.3");
    repo.commit_pushed("fix: a");
    std::fs::write(repo.work.join("history.txt"), "changed\n").unwrap();
    bump_refused(&repo, &["patch"], "working tree is not clean");
    repo.git(&["checkout", "--", "history.txt"]);
    std::fs::write(repo.work.join("new-file.txt"), "x\n").unwrap();
    bump_refused(&repo, &["patch"], "working tree is not clean");
    // Ignored files do not count.
    std::fs::write(repo.work.join(".git/info/exclude"), "new-file.txt\n").unwrap();
    bump_ok(&repo, &["patch"], "v1.2.4");
}

#[test]
fn refuses_a_detached_head() {
    let repo = Repo::new();
    repo.commit_pushed("fix: a");
    repo.git(&["checkout", "--quiet", "--detach"]);
    bump_refused(&repo, &["patch"], "HEAD is detached");
}

#[test]
fn refuses_unpushed_behind_and_diverged() {
    let repo = Repo::new();
    repo.tag_pushed("v1.2.3");
    repo.commit("fix: not pushed");
    bump_refused(&repo, &["patch"], "commits that are not on origin/main");

    let repo = Repo::new();
    repo.tag_pushed("v1.2.3");
    repo.commit_pushed("fix: a");
    repo.commit_pushed("fix: b");
    repo.git(&["reset", "--quiet", "--hard", "HEAD~1"]);
    bump_refused(&repo, &["patch"], "behind origin/main");

    repo.commit("fix: c");
    bump_refused(&repo, &["patch"], "have diverged");
}

#[test]
fn refuses_a_tag_that_exists_locally_or_only_remotely() {
    let repo = Repo::new();
    repo.tag_pushed("v1.2.3");
    // v1.2.4 on a side branch: it exists but is not reachable from main.
    repo.git(&["checkout", "--quiet", "-b", "side"]);
    repo.commit("fix: side");
    repo.git(&["tag", "-a", "-m", "side", "v1.2.4"]);
    repo.git(&["checkout", "--quiet", "main"]);
    repo.commit_pushed("fix: main");
    let err = repo
        .xtask(&["bump", "patch"])
        .failure("exists locally but not on origin");
    assert!(
        err.contains("git push origin refs/tags/v1.2.4"),
        "the hint says how to finish: {err}"
    );

    repo.git(&["push", "--quiet", "origin", "refs/tags/v1.2.4"]);
    bump_refused(&repo, &["patch"], "already exists locally and on origin");

    repo.git(&["tag", "-d", "v1.2.4"]);
    bump_refused(&repo, &["patch"], "exists on origin but not locally");
}

#[test]
fn refuses_a_second_release_tag_on_head() {
    let repo = Repo::new();
    repo.commit_pushed("fix: a");
    repo.tag_pushed("v1.2.3");
    bump_refused(&repo, &["patch"], "already carries release tag v1.2.3");

    let repo = Repo::new();
    repo.commit_pushed("feat: a");
    repo.tag_pushed("v1.3.0-rc1");
    let err = repo
        .xtask(&["bump", "minor"])
        .failure("already carries release tag v1.3.0-rc1");
    assert!(err.contains("bump promote --tag v1.3.0-rc1"), "{err}");
}

#[test]
fn major_needs_yes() {
    let repo = Repo::new();
    repo.tag_pushed("v1.2.3");
    repo.commit_pushed("feat!: breaking");
    bump_refused(&repo, &["major"], "needs team agreement");
}

#[test]
fn promote_refusals() {
    let repo = Repo::new();
    repo.tag_pushed("v1.2.3");
    repo.commit_pushed("feat: a");
    repo.tag_pushed("v1.3.0-rc1");
    repo.commit_pushed("fix: b");
    repo.tag_pushed("v1.3.0-rc2");
    repo.commit_pushed("fix: c");

    bump_refused(
        &repo,
        &["promote", "--tag", "v1.2.3"],
        "is not a release candidate",
    );
    bump_refused(
        &repo,
        &["promote", "--tag", "nonsense"],
        "is not a release tag",
    );
    bump_refused(&repo, &["promote"], "promote needs the candidate");
    bump_refused(&repo, &["promote", "--tag", "v1.4.0-rc1"], "does not exist");
    bump_refused(
        &repo,
        &["promote", "--tag", "v1.3.0-rc1"],
        "a newer candidate v1.3.0-rc2 exists",
    );
    bump_refused(
        &repo,
        &["patch", "--tag", "v1.3.0-rc1"],
        "--tag only goes with promote",
    );

    // --force promotes the older candidate, on its own commit.
    repo.xtask(&["bump", "promote", "--tag", "v1.3.0-rc1", "--force"])
        .success();
    assert_eq!(repo.tag_commit("v1.3.0"), repo.tag_commit("v1.3.0-rc1"));
    bump_refused(
        &repo,
        &["promote", "--tag", "v1.3.0-rc2"],
        "tag v1.3.0 already exists",
    );
}

#[test]
fn promote_refuses_a_candidate_off_the_release_branch() {
    let repo = Repo::new();
    repo.tag_pushed("v1.2.3");
    repo.git(&["checkout", "--quiet", "-b", "experiment"]);
    repo.commit("feat: experiment");
    repo.tag_pushed("v1.3.0-rc1");
    repo.git(&["checkout", "--quiet", "main"]);
    repo.commit_pushed("fix: main");
    bump_refused(
        &repo,
        &["promote", "--tag", "v1.3.0-rc1"],
        "not on origin/main",
    );
}

#[test]
fn failed_push_leaves_no_tag_and_a_rerun_behaves_the_same() {
    let repo = Repo::new();
    repo.tag_pushed("v1.2.3");
    repo.commit_pushed("fix: a");
    let hook = repo.origin.join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho 'tags are frozen' >&2\nexit 1\n").unwrap();
    set_executable(&hook);

    for _ in 0..2 {
        let err = repo
            .xtask(&["bump", "patch"])
            .failure("the local tag was deleted");
        assert!(
            err.contains("tags are frozen"),
            "the remote's reason is shown: {err}"
        );
        assert_eq!(repo.local_tags(), ["v1.2.3"]);
        assert_eq!(repo.remote_tags(), ["v1.2.3"]);
    }
    std::fs::remove_file(&hook).unwrap();
    bump_ok(&repo, &["patch"], "v1.2.4");
}

#[test]
fn dry_run_changes_nothing_and_prints_the_commands() {
    let repo = Repo::new();
    repo.tag_pushed("v1.2.3");
    let head = repo.commit_pushed("fix: a");
    let (local, remote) = (repo.local_tags(), repo.remote_tags());
    let out = repo.xtask(&["bump", "patch", "--dry-run"]).success();
    assert!(out.contains("new tag:  v1.2.4"), "{out}");
    assert!(out.contains("git push origin refs/tags/v1.2.4"), "{out}");
    assert!(
        out.contains(&head),
        "the full commit is in the tag command: {out}"
    );
    assert_eq!(repo.local_tags(), local);
    assert_eq!(repo.remote_tags(), remote);
}

#[test]
fn json_reports_plan_and_result() {
    let repo = Repo::new();
    repo.tag_pushed("v1.2.3");
    let head = repo.commit_pushed("feat: a");
    repo.git(&["config", "tag.gpgSign", "true"]);
    let out = repo.xtask(&["bump", "rc", "--dry-run", "--json"]).success();
    let json: serde_json::Value = serde_json::from_str(&out).expect("valid JSON on stdout");
    assert_eq!(json["tag"], "v1.3.0-rc1");
    assert_eq!(json["version"], "1.3.0-rc1");
    assert_eq!(json["base"], "v1.2.3");
    assert_eq!(json["prerelease"], true);
    assert_eq!(json["commit"], head.as_str());
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["pushed"], false);
    assert_eq!(json["signed"], true, "tag.gpgSign makes a signed tag");
    assert_eq!(json["commands"][0][2], "-s");

    repo.git(&["config", "tag.gpgSign", "false"]);
    let out = repo.xtask(&["bump", "rc", "--json"]).success();
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["pushed"], true);
    assert_eq!(json["commands"][0][2], "-a");
    assert_eq!(repo.remote_tags(), ["v1.2.3", "v1.3.0-rc1"]);
}

#[test]
fn no_commit_is_ever_created() {
    let repo = Repo::new();
    let head = repo.commit_pushed("fix: a");
    bump_ok(&repo, &["patch"], "v0.0.1");
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head);
    assert_eq!(repo.origin_git(&["rev-parse", "main"]), head);
}

fn set_executable(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut perms = std::fs::metadata(path).unwrap().permissions();
    perms.set_mode(0o755);
    std::fs::set_permissions(path, perms).unwrap();
}
