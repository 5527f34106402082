// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Conventional Commits: parsing (Conventional Commits 1.0), grouping and rendering
//! release notes. Pure: the task feeds it commits read from git.
//!
//! A subject `type(scope)!: description` is conventional when `type` is a word of
//! letters, digits or `-`, the optional scope is in parentheses, and the colon is
//! followed by a space and a non-empty description. Types match case-insensitively.
//! A commit is breaking with `!` or a `BREAKING CHANGE:` / `BREAKING-CHANGE:` line after
//! the subject; such a line counts wherever it stands (footer or body), so a breaking
//! change is never missed. Git's own `Revert "…"` subjects are reverts. Everything else
//! is "Other": listed and counted, never dropped.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use xshell::cmd;

use crate::git::Git;
use crate::history::ReleaseHistory;
use crate::project::Project;
use crate::version::{ReleaseVersion, rfc3339};

/// A commit as read from git.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawCommit {
    pub sha: String,
    pub short: String,
    /// Committer time, seconds since the epoch.
    pub time: i64,
    pub message: String,
}

/// The parts of a conventional commit message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Parsed {
    /// Lowercased type; `None` for a subject that is not conventional.
    pub kind: Option<String>,
    pub scope: Option<String>,
    pub breaking: bool,
    /// The text of the `BREAKING CHANGE` footer, when there is one.
    pub breaking_note: Option<String>,
    pub description: String,
    /// Why the subject is not conventional.
    pub problem: Option<String>,
}

/// Parses a commit message.
pub fn parse(message: &str) -> Parsed {
    let message = message.trim_start_matches('\n');
    let subject = message.lines().next().unwrap_or("").trim_end();
    let rest: Vec<&str> = message.lines().skip(1).collect();
    let note = breaking_note(&rest);
    match parse_subject(subject) {
        Ok((kind, scope, bang, description)) => Parsed {
            kind: Some(kind.to_ascii_lowercase()),
            scope: scope.map(str::to_owned),
            breaking: bang || note.is_some(),
            breaking_note: note,
            description: description.to_owned(),
            problem: None,
        },
        Err(problem) => {
            let revert = subject
                .strip_prefix("Revert \"")
                .and_then(|s| s.strip_suffix('"'));
            Parsed {
                kind: revert.map(|_| "revert".to_owned()),
                scope: None,
                breaking: note.is_some(),
                breaking_note: note,
                description: revert
                    .map_or_else(|| subject.to_owned(), |r| format!("revert \"{r}\"")),
                problem: if revert.is_some() {
                    None
                } else {
                    Some(problem)
                },
            }
        }
    }
}

/// Splits `type(scope)!: description`, or says what is wrong.
fn parse_subject(subject: &str) -> Result<(&str, Option<&str>, bool, &str), String> {
    let Some(colon) = subject.find(':') else {
        return Err("no `type: description` prefix".to_owned());
    };
    let (head, tail) = (&subject[..colon], &subject[colon + 1..]);
    let (head, bang) = match head.strip_suffix('!') {
        Some(h) => (h, true),
        None => (head, false),
    };
    let (kind, scope) = match head.find('(') {
        Some(open) => {
            let Some(inner) = head[open + 1..].strip_suffix(')') else {
                return Err("the scope is not closed with `)` right before the colon".to_owned());
            };
            if inner.is_empty() || inner.contains(['(', ')']) {
                return Err("the scope must be a non-empty word in parentheses".to_owned());
            }
            (&head[..open], Some(inner))
        }
        None => (head, None),
    };
    if kind.is_empty() || !kind.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(format!("`{kind}` is not a type (letters, digits and `-`)"));
    }
    let Some(description) = tail.strip_prefix(' ') else {
        return Err("the colon must be followed by a space".to_owned());
    };
    if description.trim().is_empty() {
        return Err("the description is empty".to_owned());
    }
    Ok((kind, scope, bang, description.trim()))
}

/// The text of the first `BREAKING CHANGE:` / `BREAKING-CHANGE:` line after the subject,
/// with its continuation lines.
fn breaking_note(lines: &[&str]) -> Option<String> {
    let start = lines
        .iter()
        .position(|l| l.starts_with("BREAKING CHANGE:") || l.starts_with("BREAKING-CHANGE:"))?;
    let first = lines[start].split_once(':').map_or("", |(_, v)| v.trim());
    let mut note = first.to_owned();
    for line in &lines[start + 1..] {
        // A following footer (`Token: value` / `Token #value`) or a blank line ends it.
        let token = line.split([':', ' ']).next().unwrap_or("");
        let is_footer = !token.is_empty()
            && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && (line[token.len()..].starts_with(": ") || line[token.len()..].starts_with(" #"));
        if line.trim().is_empty() || is_footer {
            break;
        }
        note.push(' ');
        note.push_str(line.trim());
    }
    Some(note.trim().to_owned())
}

/// A group of the release notes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub title: String,
    pub types: Vec<String>,
}

/// `[changelog]` of the release definition.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Groups in the order they are rendered; unmatched commits go to "Other".
    #[serde(default = "default_groups")]
    pub groups: Vec<Group>,
    /// Subject prefixes (case-insensitive) of commits left out of the notes.
    #[serde(default = "default_skip")]
    pub skip: Vec<String>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            groups: default_groups(),
            skip: default_skip(),
        }
    }
}

fn default_groups() -> Vec<Group> {
    [
        ("Features", &["feat"][..]),
        ("Bug Fixes", &["fix"]),
        ("Performance", &["perf"]),
        ("Refactoring", &["refactor"]),
        ("Documentation", &["docs"]),
        ("Tests", &["test"]),
        ("Build", &["build"]),
        ("CI", &["ci"]),
        ("Chores", &["chore", "style"]),
        ("Reverts", &["revert"]),
    ]
    .iter()
    .map(|(title, types)| Group {
        title: (*title).to_owned(),
        types: types.iter().map(|t| (*t).to_owned()).collect(),
    })
    .collect()
}

fn default_skip() -> Vec<String> {
    [
        "build: release v",
        "chore: bump version",
        "chore: update changelog",
    ]
    .map(String::from)
    .to_vec()
}

/// One entry of the notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub sha: String,
    pub short: String,
    pub group: String,
    #[serde(flatten)]
    pub parsed: Parsed,
    /// Pull requests referenced as `(#123)` in the subject.
    pub pull_requests: Vec<u64>,
}

/// A section of the notes: one release (or the unreleased commits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// The version without `v`, `None` for unreleased.
    pub version: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub entries: Vec<Entry>,
    /// How many commits were skipped by the skip rules.
    pub skipped: usize,
}

impl Section {
    pub fn breaking(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.parsed.breaking)
    }

    pub fn other_count(&self) -> usize {
        self.entries.iter().filter(|e| e.group == OTHER).count()
    }
}

pub const OTHER: &str = "Other";

/// `(#123)` references in a description.
pub fn pull_requests(description: &str) -> Vec<u64> {
    let mut found = Vec::new();
    let mut rest = description;
    while let Some(at) = rest.find("(#") {
        let digits: String = rest[at + 2..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if !digits.is_empty()
            && rest[at + 2 + digits.len()..].starts_with(')')
            && let Ok(n) = digits.parse()
        {
            found.push(n);
        }
        rest = &rest[at + 2..];
    }
    found
}

impl Config {
    fn skipped(&self, subject: &str) -> bool {
        let lower = subject.to_ascii_lowercase();
        self.skip
            .iter()
            .any(|p| lower.starts_with(&p.to_ascii_lowercase()))
    }

    fn group_of(&self, parsed: &Parsed) -> String {
        parsed
            .kind
            .as_deref()
            .and_then(|k| {
                self.groups
                    .iter()
                    .find(|g| g.types.iter().any(|t| t.eq_ignore_ascii_case(k)))
            })
            .map_or_else(|| OTHER.to_owned(), |g| g.title.clone())
    }

    /// Builds a section from commits (newest first).
    pub fn section(&self, version: Option<String>, date: String, commits: &[RawCommit]) -> Section {
        let mut entries = Vec::new();
        let mut skipped = 0;
        for commit in commits {
            let subject = commit.message.lines().next().unwrap_or("");
            if self.skipped(subject) {
                skipped += 1;
                continue;
            }
            let parsed = parse(&commit.message);
            entries.push(Entry {
                sha: commit.sha.clone(),
                short: commit.short.clone(),
                group: self.group_of(&parsed),
                pull_requests: pull_requests(&parsed.description),
                parsed,
            });
        }
        Section {
            version,
            date,
            entries,
            skipped,
        }
    }

    /// Renders sections as GitHub release-notes Markdown.
    pub fn render(&self, sections: &[Section], repository: &str) -> String {
        let mut out = String::new();
        for (i, section) in sections.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            match &section.version {
                Some(v) => {
                    let _ = writeln!(out, "## [{v}] - {}", section.date);
                }
                None => {
                    let _ = writeln!(out, "## [Unreleased]");
                }
            }
            let breaking: Vec<&Entry> = section.breaking().collect();
            if !breaking.is_empty() {
                let _ = writeln!(out, "\n### Breaking Changes\n");
                for e in breaking {
                    let note = e
                        .parsed
                        .breaking_note
                        .as_deref()
                        .map(|n| format!(": {n}"))
                        .unwrap_or_default();
                    let _ = writeln!(out, "- {}{note}", line(e, repository));
                }
            }
            let titles = self.groups.iter().map(|g| g.title.as_str()).chain([OTHER]);
            for title in titles {
                let entries: Vec<&Entry> = section
                    .entries
                    .iter()
                    .filter(|e| e.group == title)
                    .collect();
                if entries.is_empty() {
                    continue;
                }
                let _ = writeln!(out, "\n### {title}\n");
                for e in entries {
                    let _ = writeln!(out, "- {}", line(e, repository));
                }
            }
            if section.entries.is_empty() {
                let _ = writeln!(out, "\nNo changes.");
            }
        }
        out
    }
}

fn line(entry: &Entry, repository: &str) -> String {
    let scope = entry
        .parsed
        .scope
        .as_deref()
        .map(|s| format!("*({s})* "))
        .unwrap_or_default();
    let mut description = entry.parsed.description.clone();
    for pr in &entry.pull_requests {
        description = description.replace(
            &format!("(#{pr})"),
            &format!("([#{pr}]({repository}/pull/{pr}))"),
        );
    }
    format!("{scope}{description} ({})", entry.short)
}

/// Which commits [`sections`] reads: the whole history (`all`), a range (`from`,
/// `to`), the notes of a release (`tag`), or what is unreleased (none of them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub all: bool,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Titles a range; alone, the release whose notes to read (or HEAD's, unreleased).
    pub tag: Option<String>,
}

/// Reads every non-merge commit of a revision range, newest first, in one `git log`.
pub fn log(project: &Project, range: &[String]) -> Result<Vec<RawCommit>> {
    Ok(log_with_merges(project, range)?
        .into_iter()
        .filter(|(_, merge)| !merge)
        .map(|(c, _)| c)
        .collect())
}

/// Every commit of a range, newest first, each with whether it is a merge.
fn log_with_merges(project: &Project, range: &[String]) -> Result<Vec<(RawCommit, bool)>> {
    let sh = &project.sh;
    let output = cmd!(
        sh,
        "git log --topo-order -z --format=%H%x1f%h%x1f%ct%x1f%P%x1f%B {range...} --"
    )
    .quiet()
    .output()
    .with_context(|| format!("git log {} failed", range.join(" ")))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let mut commits = Vec::new();
    for record in text.split('\0').filter(|r| !r.trim().is_empty()) {
        let mut fields = record.splitn(5, '\x1f');
        let (Some(sha), Some(short), Some(time), Some(parents), Some(message)) = (
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
        ) else {
            bail!("unexpected git log record: {record:?}");
        };
        let commit = RawCommit {
            sha: sha.trim().to_owned(),
            short: short.to_owned(),
            time: time
                .parse()
                .with_context(|| format!("bad commit time {time}"))?,
            message: message.to_owned(),
        };
        commits.push((commit, parents.split_whitespace().count() > 1));
    }
    Ok(commits)
}

fn day(epoch: i64) -> Result<String> {
    Ok(rfc3339(epoch)?[..10].to_owned())
}

/// The sections `selection` asks for.
pub fn sections(project: &Project, config: &Config, args: &Selection) -> Result<Vec<Section>> {
    let git = Git::new(&project.sh);
    git.ensure_repo()?;
    if args.all {
        return all(project, &git, config);
    }
    if args.from.is_some() || args.to.is_some() {
        let to = args.to.clone().unwrap_or_else(|| "HEAD".to_owned());
        let to_sha = git.rev_parse(&to)?;
        let range = match &args.from {
            Some(from) => {
                git.rev_parse(from)?;
                format!("{from}..{to}")
            }
            None => to.clone(),
        };
        let commits = log(project, &[range])?;
        let title = args
            .tag
            .as_deref()
            .map(|t| ReleaseVersion::parse_tag(t).map(|v| v.to_string()))
            .transpose()?;
        return Ok(vec![config.section(
            title,
            day(git.commit_time(&to_sha)?)?,
            &commits,
        )]);
    }
    if let Some(tag) = &args.tag {
        let version = ReleaseVersion::parse_tag(tag)?;
        let history = ReleaseHistory::read(git)?;
        if let Some(existing) = history.find(version) {
            let range = match history.previous(version, &existing.commit)? {
                Some(prev) => format!("{}..{}", prev.commit, existing.commit),
                None => existing.commit.clone(),
            };
            let commits = log(project, &[range])?;
            return Ok(vec![config.section(
                Some(version.to_string()),
                day(git.commit_time(&existing.commit)?)?,
                &commits,
            )]);
        }
        let head = git.head()?;
        let range = unreleased_range(&git)?;
        let commits = log(project, &[range])?;
        return Ok(vec![config.section(
            Some(version.to_string()),
            day(git.commit_time(&head)?)?,
            &commits,
        )]);
    }
    let head = git.head()?;
    let commits = log(project, &[unreleased_range(&git)?])?;
    Ok(vec![config.section(
        None,
        day(git.commit_time(&head)?)?,
        &commits,
    )])
}

fn unreleased_range(git: &Git<'_>) -> Result<String> {
    Ok(match ReleaseHistory::read(*git)?.latest_stable("HEAD")? {
        Some(tag) => format!("{}..HEAD", tag.commit),
        None => "HEAD".to_owned(),
    })
}

/// The whole history, one section per stable tag (newest first), unreleased on top.
fn all(project: &Project, git: &Git<'_>, config: &Config) -> Result<Vec<Section>> {
    // Only tags on commits of HEAD's log can start a section, so every tag is listed
    // without asking git which are reachable (that would walk the history twice).
    let mut by_commit: BTreeMap<String, ReleaseVersion> = BTreeMap::new();
    let history = ReleaseHistory::read(*git)?;
    for tag in history.tags().iter().filter(|t| !t.version.is_rc()) {
        let slot = by_commit.entry(tag.commit.clone()).or_insert(tag.version);
        *slot = (*slot).max(tag.version);
    }
    let commits = log_with_merges(project, &["HEAD".to_owned()])?;
    let mut sections = Vec::new();
    let mut current: (Option<ReleaseVersion>, Option<i64>) = (None, None);
    let mut bucket: Vec<RawCommit> = Vec::new();
    for (commit, merge) in commits {
        if let Some(version) = by_commit.get(&commit.sha) {
            if current.0.is_some() || !bucket.is_empty() {
                sections.push(finish(config, current, &bucket)?);
            }
            current = (Some(*version), Some(commit.time));
            bucket.clear();
        } else if current.1.is_none() {
            current.1 = Some(commit.time);
        }
        if !merge {
            bucket.push(commit);
        }
    }
    if current.0.is_some() || !bucket.is_empty() {
        sections.push(finish(config, current, &bucket)?);
    }
    Ok(sections)
}

fn finish(
    config: &Config,
    (version, time): (Option<ReleaseVersion>, Option<i64>),
    commits: &[RawCommit],
) -> Result<Section> {
    Ok(config.section(
        version.map(|v| v.to_string()),
        day(time.unwrap_or(0))?,
        commits,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(message: &str) -> Parsed {
        parse(message)
    }

    #[test]
    fn subjects() {
        type Case<'a> = (&'a str, Option<&'a str>, Option<&'a str>, bool, &'a str);
        let table: &[Case<'_>] = &[
            ("feat: add x", Some("feat"), None, false, "add x"),
            ("fix(xtask): y", Some("fix"), Some("xtask"), false, "y"),
            (
                "feat(api)!: drop v1",
                Some("feat"),
                Some("api"),
                true,
                "drop v1",
            ),
            ("refactor!: big", Some("refactor"), None, true, "big"),
            ("FEAT: shout", Some("feat"), None, false, "shout"),
            (
                "Fix(Core): mixed",
                Some("fix"),
                Some("Core"),
                false,
                "mixed",
            ),
            (
                "Revert \"feat: add x\"",
                Some("revert"),
                None,
                false,
                "revert \"feat: add x\"",
            ),
            (
                "revert: feat: add x",
                Some("revert"),
                None,
                false,
                "feat: add x",
            ),
        ];
        for (subject, kind, scope, breaking, description) in table {
            let parsed = p(subject);
            assert_eq!(parsed.kind.as_deref(), *kind, "{subject}");
            assert_eq!(parsed.scope.as_deref(), *scope, "{subject}");
            assert_eq!(parsed.breaking, *breaking, "{subject}");
            assert_eq!(parsed.description, *description, "{subject}");
            assert_eq!(parsed.problem, None, "{subject}");
        }
    }

    #[test]
    fn non_conventional_subjects_say_why() {
        for (subject, why) in [
            ("feat:no-space", "followed by a space"),
            ("Update README", "no `type: description`"),
            ("feat(: x", "not closed"),
            ("feat(): x", "non-empty word"),
            ("fe at: x", "is not a type"),
            // Trailing white space is trimmed, so this has no description after the colon.
            ("feat: ", "followed by a space"),
            (": x", "is not a type"),
        ] {
            let parsed = p(subject);
            assert_eq!(parsed.kind, None, "{subject}");
            assert!(
                parsed.problem.as_deref().unwrap().contains(why),
                "{subject}: {:?}",
                parsed.problem
            );
        }
    }

    #[test]
    fn breaking_footers_with_and_without_a_blank_line_and_in_the_body() {
        let footer = p(
            "feat: x\n\nbody text\n\nBREAKING CHANGE: the API moved\ncontinues here\nRefs: #12\n",
        );
        assert!(footer.breaking);
        assert_eq!(
            footer.breaking_note.as_deref(),
            Some("the API moved continues here")
        );
        let tight = p("fix: y\nBREAKING-CHANGE: no blank line before");
        assert!(tight.breaking);
        assert_eq!(tight.breaking_note.as_deref(), Some("no blank line before"));
        let in_body = p("feat: z\n\nBREAKING CHANGE: in the body\n\nmore body after it\n");
        assert!(in_body.breaking);
        let mention =
            p("docs: explain\n\nthe words BREAKING CHANGE inside a sentence do not count\n");
        assert!(!mention.breaking);
        let multi = p("feat: m\n\nline one\nline two\n\nparagraph two\n");
        assert!(!multi.breaking && multi.description == "m");
    }

    #[test]
    fn pull_request_references() {
        assert_eq!(pull_requests("add thing (#123)"), [123]);
        assert_eq!(pull_requests("a (#1) b (#22) (#x) #3"), [1, 22]);
    }

    #[test]
    fn render_orders_groups_and_puts_breaking_first() {
        let config = Config::default();
        let commit = |n: u8, msg: &str| RawCommit {
            sha: format!("{n:040}"),
            short: format!("{n:07}"),
            time: 0,
            message: msg.to_owned(),
        };
        let commits = [
            commit(1, "fix(core): repair (#12)"),
            commit(2, "feat!: new API\n\nBREAKING CHANGE: old API removed"),
            commit(3, "Update README"),
            commit(4, "chore: bump version to 1.2.3"),
            commit(5, "docs: guide"),
        ];
        let section = config.section(Some("1.2.4".into()), "2026-01-02".into(), &commits);
        assert_eq!(section.skipped, 1);
        assert_eq!(section.other_count(), 1);
        let text = config.render(&[section], "https://github.com/NVIDIA/aicr");
        assert_eq!(
            text,
            "## [1.2.4] - 2026-01-02\n\n### Breaking Changes\n\n- new API (0000002): old API removed\n\n### Features\n\n- new API (0000002)\n\n### Bug Fixes\n\n- *(core)* repair ([#12](https://github.com/NVIDIA/aicr/pull/12)) (0000001)\n\n### Documentation\n\n- guide (0000005)\n\n### Other\n\n- Update README (0000003)\n"
        );
    }
}
