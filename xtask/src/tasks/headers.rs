// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask headers [--fix]`: every source file carries the project's license header.
//!
//! Checked files: those git tracks or would track (untracked files that are not ignored)
//! ending in `.rs`, `.sh`, `.py`, `.toml`, `.yaml` or `.yml`, and scripts (files starting
//! with `#!`). The header, after an optional `#!` line, in the file's comment syntax:
//!
//! ```text
//! // SPDX-License-Identifier: Apache-2.0
//! // Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
//! ```
//!
//! `--fix` adds what is missing (never replaces another license), writing each file
//! through a temporary file and a rename, keeping its permissions.

use std::fs;

use anyhow::{Context, Result};
use xshell::cmd;

use crate::flags::HeadersArgs;
use crate::fsutil;
use crate::gate::{Finding, Outcome};
use crate::project::Project;

pub const LICENSE_ID: &str = "SPDX-License-Identifier: Apache-2.0";
pub const COPYRIGHT_HOLDER: &str = "NVIDIA CORPORATION & AFFILIATES. All rights reserved.";
/// How many lines after the `#!` line the header may start in.
const HEADER_WINDOW: usize = 5;

/// The comment syntax of a checked file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// `// …`
    Slashes,
    /// `# …`
    Hash,
}

impl Syntax {
    fn prefix(self) -> &'static str {
        match self {
            Syntax::Slashes => "//",
            Syntax::Hash => "#",
        }
    }

    /// The syntax of `path` with `content`, `None` for files that are not checked.
    pub fn of(path: &str, content: &[u8]) -> Option<Syntax> {
        let name = path.rsplit('/').next().unwrap_or(path);
        match name.rsplit_once('.').map(|(_, ext)| ext) {
            Some("rs") => Some(Syntax::Slashes),
            Some("sh" | "py" | "toml" | "yaml" | "yml") => Some(Syntax::Hash),
            _ if content.starts_with(b"#!") => Some(Syntax::Hash),
            _ => None,
        }
    }
}

/// What is wrong with a file's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Neither line is there.
    Missing,
    /// The license line is there, the copyright line is not.
    MissingCopyright,
    /// Another SPDX license identifier: not ours to change.
    OtherLicense(String),
}

impl Problem {
    fn describe(&self) -> String {
        match self {
            Problem::Missing => format!("no `{LICENSE_ID}` header"),
            Problem::MissingCopyright => "no copyright line after the SPDX line".to_owned(),
            Problem::OtherLicense(id) => {
                format!("declares `{id}`, not Apache-2.0; change it by hand if that is intended")
            }
        }
    }
}

fn header_lines(text: &str) -> (Option<&str>, Vec<&str>) {
    let mut lines = text.lines();
    let first = lines.clone().next();
    match first {
        Some(line) if line.starts_with("#!") => {
            lines.next();
            (Some(line), lines.take(HEADER_WINDOW).collect())
        }
        _ => (None, lines.take(HEADER_WINDOW).collect()),
    }
}

/// Checks the header of `text`; `None` when it is in order.
pub fn check(text: &str, syntax: Syntax) -> Option<Problem> {
    let prefix = syntax.prefix();
    let (_, window) = header_lines(text);
    let license = window.iter().position(|l| {
        l.trim_start_matches(prefix)
            .trim()
            .starts_with("SPDX-License-Identifier:")
    });
    let Some(at) = license else {
        return Some(Problem::Missing);
    };
    let id = window[at].trim_start_matches(prefix).trim();
    if id != LICENSE_ID {
        return Some(Problem::OtherLicense(id.to_owned()));
    }
    let copyright = window.iter().any(|l| {
        l.starts_with(prefix) && l.trim_start_matches(prefix).trim().starts_with("Copyright")
    });
    if copyright {
        None
    } else {
        Some(Problem::MissingCopyright)
    }
}

/// The text with the missing header lines added; `None` for problems `--fix` leaves alone.
pub fn fix(text: &str, syntax: Syntax, problem: &Problem, year: i16) -> Option<String> {
    let prefix = syntax.prefix();
    let copyright = format!("{prefix} Copyright (c) {year} {COPYRIGHT_HOLDER}");
    let (shebang, _) = header_lines(text);
    let rest = match shebang {
        Some(line) => text[line.len()..]
            .strip_prefix('\n')
            .unwrap_or(&text[line.len()..]),
        None => text,
    };
    let head = shebang.map(|l| format!("{l}\n")).unwrap_or_default();
    match problem {
        Problem::Missing => {
            let separator = if rest.is_empty() || rest.starts_with('\n') {
                ""
            } else {
                "\n"
            };
            Some(format!(
                "{head}{prefix} {LICENSE_ID}\n{copyright}\n{separator}{rest}"
            ))
        }
        Problem::MissingCopyright => {
            let mut out = head;
            let mut done = false;
            for line in rest.split_inclusive('\n') {
                out.push_str(line);
                if !done && line.trim_start_matches(prefix).trim() == LICENSE_ID {
                    if !line.ends_with('\n') {
                        out.push('\n');
                    }
                    out.push_str(&copyright);
                    out.push('\n');
                    done = true;
                }
            }
            Some(out)
        }
        Problem::OtherLicense(_) => None,
    }
}

/// The files the check covers, relative to the project root, sorted.
fn candidate_files(project: &Project) -> Result<Vec<String>> {
    let sh = &project.sh;
    let out = cmd!(sh, "git ls-files -z --cached --others --exclude-standard")
        .quiet()
        .read()
        .context("cannot list the project's files with git; hint: run inside a git checkout")?;
    let mut files: Vec<String> = out
        .split('\0')
        .filter(|f| !f.is_empty())
        .map(str::to_owned)
        .collect();
    files.sort();
    files.dedup();
    Ok(files)
}

/// Scans the project; with `apply_fix`, repairs what it can. Returns the number of
/// files checked and what is still wrong.
pub fn scan(project: &Project, apply_fix: bool) -> Result<(usize, Vec<Finding>)> {
    let year = jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .year();
    let mut checked = 0;
    let mut findings = Vec::new();
    for file in candidate_files(project)? {
        let path = project.root.join(&file);
        // Deleted but still tracked files are git's business, not ours.
        let Ok(bytes) = fs::read(&path) else { continue };
        let Some(syntax) = Syntax::of(&file, &bytes) else {
            continue;
        };
        checked += 1;
        let Ok(text) = String::from_utf8(bytes) else {
            findings.push(Finding::at(&file, 1, "not UTF-8 text"));
            continue;
        };
        let Some(problem) = check(&text, syntax) else {
            continue;
        };
        match (apply_fix, fix(&text, syntax, &problem, year)) {
            (true, Some(fixed)) => {
                fsutil::write_atomically(&path, fixed.as_bytes())
                    .with_context(|| format!("cannot fix {file}"))?;
                errln!("headers: fixed {file}");
            }
            _ => findings.push(Finding::at(&file, 1, &problem.describe())),
        }
    }
    Ok((checked, findings))
}

/// The gate: fails listing every file that still lacks the header.
pub fn check_project(project: &Project, apply_fix: bool) -> Result<Outcome> {
    let (checked, findings) = scan(project, apply_fix)?;
    let summary = if findings.is_empty() {
        format!("{checked} file(s) carry the license header")
    } else {
        let hint = if apply_fix {
            "fix these by hand"
        } else {
            "run cargo xtask headers --fix"
        };
        format!(
            "{} of {checked} file(s) lack the license header; hint: {hint}",
            findings.len()
        )
    };
    Ok(Outcome::from_findings(summary, findings))
}

pub fn run(project: &Project, args: &HeadersArgs) -> Result<()> {
    check_project(project, args.fix)?.into_result("headers")
}

#[cfg(test)]
mod tests {
    use super::*;

    const RS_OK: &str = "// SPDX-License-Identifier: Apache-2.0\n// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.\n\nfn main() {}\n";

    #[test]
    fn syntax_by_name_and_shebang() {
        assert_eq!(Syntax::of("src/main.rs", b""), Some(Syntax::Slashes));
        assert_eq!(
            Syntax::of(".github/workflows/ci.yaml", b""),
            Some(Syntax::Hash)
        );
        assert_eq!(
            Syntax::of(".ci/run", b"#!/usr/bin/env bash\n"),
            Some(Syntax::Hash)
        );
        assert_eq!(Syntax::of("README.md", b"# Title"), None);
        assert_eq!(Syntax::of("LICENSE", b"Apache"), None);
    }

    #[test]
    fn good_headers_pass() {
        assert_eq!(check(RS_OK, Syntax::Slashes), None);
        let script = "#!/usr/bin/env bash\n# SPDX-License-Identifier: Apache-2.0\n# Copyright (c) 2026 X\nset -e\n";
        assert_eq!(check(script, Syntax::Hash), None);
    }

    #[test]
    fn problems_are_named() {
        assert_eq!(
            check("fn main() {}\n", Syntax::Slashes),
            Some(Problem::Missing)
        );
        assert_eq!(
            check(
                "// SPDX-License-Identifier: Apache-2.0\nfn main() {}\n",
                Syntax::Slashes
            ),
            Some(Problem::MissingCopyright)
        );
        assert_eq!(
            check(
                "# SPDX-License-Identifier: MIT\n# Copyright (c) 2020 Someone\n",
                Syntax::Hash
            ),
            Some(Problem::OtherLicense("SPDX-License-Identifier: MIT".into()))
        );
        // A header far down the file does not count.
        let late = format!("{}{RS_OK}", "fn a() {}\n".repeat(10));
        assert_eq!(check(&late, Syntax::Slashes), Some(Problem::Missing));
    }

    #[test]
    fn fix_adds_the_header_after_a_shebang_and_is_idempotent() {
        let script = "#!/bin/sh\necho hi\n";
        let fixed = fix(script, Syntax::Hash, &Problem::Missing, 2026).unwrap();
        assert_eq!(
            fixed,
            "#!/bin/sh\n# SPDX-License-Identifier: Apache-2.0\n# Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.\n\necho hi\n"
        );
        assert_eq!(check(&fixed, Syntax::Hash), None);

        let partial = "// SPDX-License-Identifier: Apache-2.0\nfn main() {}\n";
        let fixed = fix(partial, Syntax::Slashes, &Problem::MissingCopyright, 2026).unwrap();
        assert_eq!(check(&fixed, Syntax::Slashes), None);
        assert!(fixed.ends_with("fn main() {}\n"));

        assert_eq!(
            fix(
                "",
                Syntax::Slashes,
                &Problem::OtherLicense("x".into()),
                2026
            ),
            None
        );
    }
}
