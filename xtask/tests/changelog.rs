// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask changelog` and `bump auto` on a scripted history with stable tags and
//! release candidates; the rendered Markdown is compared whole, with SHAs filtered.

mod support;

use support::Repo;

/// Replaces every short SHA of the repository with `SHA`.
fn filter(repo: &Repo, text: &str) -> String {
    let mut out = text.to_owned();
    for short in repo.git(&["log", "--all", "--format=%h"]).lines() {
        out = out.replace(short, "SHA");
    }
    out
}

/// v1.0.0, then a minor with an rc, then unreleased work.
fn history() -> Repo {
    let repo = Repo::new();
    repo.commit_pushed("feat: first feature");
    repo.tag_pushed("v1.0.0");
    repo.commit_pushed("feat(api): add /v1/recipe (#12)");
    repo.commit_pushed("fix: off by one");
    repo.tag_pushed("v1.1.0-rc1");
    repo.commit_pushed("docs: explain the rc");
    repo.commit_pushed("chore: bump version to 1.1.0");
    repo.tag_pushed("v1.1.0");
    repo.commit_pushed("perf(engine): faster merges\n\nDetails in the body.\n\nRefs: #40");
    repo.commit_pushed("feat!: drop the v0 API\n\nBREAKING CHANGE: clients must call /v1");
    repo.commit_pushed("Update the README by hand");
    repo.commit_pushed("Revert \"docs: explain the rc\"");
    repo
}

#[test]
fn unreleased_notes_group_and_flag_breaking_changes() {
    let repo = history();
    let out = repo.xtask(&["changelog"]);
    let text = filter(&repo, &out.stdout);
    assert_eq!(
        text,
        "## [Unreleased]\n\n### Breaking Changes\n\n- drop the v0 API (SHA): clients must call /v1\n\n### Features\n\n- drop the v0 API (SHA)\n\n### Performance\n\n- *(engine)* faster merges (SHA)\n\n### Reverts\n\n- revert \"docs: explain the rc\" (SHA)\n\n### Other\n\n- Update the README by hand (SHA)\n"
    );
    assert!(
        out.stderr
            .contains("4 commit(s) in 1 section(s), 1 not conventional"),
        "{}",
        out.stderr
    );
}

#[test]
fn notes_of_a_stable_tag_include_its_candidates_and_skip_release_chores() {
    let repo = history();
    let text = filter(
        &repo,
        &repo.xtask(&["changelog", "--tag", "v1.1.0"]).success(),
    );
    assert_eq!(
        text,
        "## [1.1.0] - 2026-01-02\n\n### Features\n\n- *(api)* add /v1/recipe ([#12](https://github.com/NVIDIA/aicr/pull/12)) (SHA)\n\n### Bug Fixes\n\n- off by one (SHA)\n\n### Documentation\n\n- explain the rc (SHA)\n"
    );
    let rc = filter(
        &repo,
        &repo.xtask(&["changelog", "--tag", "v1.1.0-rc1"]).success(),
    );
    assert!(
        rc.starts_with("## [1.1.0-rc1] - 2026-01-02\n")
            && rc.contains("off by one")
            && !rc.contains("first feature"),
        "{rc}"
    );
    // A tag that does not exist yet titles the unreleased notes.
    let next = repo.xtask(&["changelog", "--tag", "v2.0.0"]).success();
    assert!(
        next.starts_with("## [2.0.0] - ") && next.contains("drop the v0 API"),
        "{next}"
    );
}

#[test]
fn all_history_has_a_section_per_stable_release() {
    let repo = history();
    let text = filter(&repo, &repo.xtask(&["changelog", "--all"]).success());
    let headings: Vec<&str> = text.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(
        headings,
        [
            "## [Unreleased]",
            "## [1.1.0] - 2026-01-02",
            "## [1.0.0] - 2026-01-02"
        ]
    );
    assert!(text.contains("## [1.0.0] - 2026-01-02\n\n### Features\n\n- first feature (SHA)\n\n### Chores\n\n- initial commit (SHA)\n"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&repo.xtask(&["changelog", "--all", "--json"]).success()).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 3);
    let entries = json[0]["entries"].as_array().unwrap();
    assert_eq!(entries[0]["kind"], "revert", "newest first");
    let breaking: Vec<_> = entries.iter().filter(|e| e["breaking"] == true).collect();
    assert_eq!(breaking.len(), 1);
    assert_eq!(breaking[0]["breaking_note"], "clients must call /v1");
    assert_eq!(breaking[0]["group"], "Features");
}

#[test]
fn ranges_and_output_files() {
    let repo = history();
    let out = repo.work.parent().unwrap().join("notes.md");
    repo.xtask(&[
        "changelog",
        "--from",
        "v1.0.0",
        "--to",
        "v1.1.0-rc1",
        "--output",
        out.to_str().unwrap(),
    ])
    .success();
    let text = std::fs::read_to_string(out).unwrap();
    assert!(
        text.starts_with("## [Unreleased]\n")
            && text.contains("add /v1/recipe")
            && !text.contains("explain the rc"),
        "{text}"
    );
    repo.xtask(&["changelog", "--from", "no-such-ref"])
        .failure("'no-such-ref' does not name a commit");
}

#[test]
fn lint_fails_on_bad_subjects_and_passes_on_a_clean_range() {
    let repo = history();
    let out = repo.xtask(&["changelog", "--lint"]);
    assert!(!out.ok);
    assert!(
        out.stdout
            .contains("Update the README by hand: no `type: description` prefix"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("1 of 4 commit(s)"), "{}", out.stderr);
    repo.commit_pushed("feat:no-space");
    let out = repo.xtask(&["changelog", "--lint"]);
    assert!(
        out.stdout
            .contains("feat:no-space: the colon must be followed by a space"),
        "{}",
        out.stdout
    );
    repo.xtask(&["changelog", "--lint", "--from", "v1.0.0", "--to", "v1.1.0"])
        .success();
}

#[test]
fn non_utf8_messages_are_replaced_not_fatal() {
    let repo = Repo::new();
    let message = repo.work.parent().unwrap().join("msg");
    std::fs::write(&message, b"fix: caf\xe9 cr\xe8me\n").unwrap();
    std::fs::write(repo.work.join("history.txt"), "x").unwrap();
    repo.git(&["add", "."]);
    repo.git(&[
        "-c",
        "i18n.commitEncoding=latin1",
        "commit",
        "--quiet",
        "-F",
        message.to_str().unwrap(),
    ]);
    let out = repo.xtask(&["changelog"]).success();
    assert!(
        out.contains("### Bug Fixes") && out.contains("caf"),
        "{out}"
    );
}

#[test]
fn bump_auto_picks_from_the_commits() {
    let repo = Repo::new();
    repo.tag_pushed("v1.2.3");
    repo.commit_pushed("fix: a");
    assert!(
        repo.xtask(&["bump", "auto", "--dry-run"])
            .success()
            .contains("new tag:  v1.2.4")
    );
    repo.commit_pushed("feat: b");
    let out = repo.xtask(&["bump", "auto", "--dry-run"]).success();
    assert!(out.contains("new tag:  v1.3.0"), "{out}");
    assert!(
        out.contains("release notes preview:\n\n## [1.3.0] - 2026-01-02\n\n### Features\n\n- b ("),
        "{out}"
    );
    repo.commit_pushed("fix!: c");
    repo.xtask(&["bump", "auto"])
        .failure("a major release needs team agreement");
    let out = repo.xtask(&["bump", "auto", "--yes"]).success();
    assert!(out.contains("new tag:  v2.0.0"), "{out}");

    let young = Repo::new();
    young.tag_pushed("v0.4.0");
    young.commit_pushed("feat!: breaking in 0.x");
    assert!(
        young
            .xtask(&["bump", "auto", "--dry-run"])
            .success()
            .contains("new tag:  v0.5.0")
    );
    young.commit_pushed("chore: noise");
    young.tag_pushed("v0.5.0");
    young.commit_pushed("feat: feature in 0.x");
    assert!(
        young
            .xtask(&["bump", "auto", "--dry-run"])
            .success()
            .contains("new tag:  v0.5.1")
    );
}
