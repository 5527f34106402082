// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Whether the workspace's libraries can hold doctests: nextest does not run them, and
//! `cargo test --doc` costs a rustdoc pass over every library even when there are
//! none. The answer errs towards yes. Each of these counts, anywhere in a package that
//! has doctests enabled (`target/` aside):
//! - a code fence in a doc comment, unless its info string names a language rustdoc
//!   does not run (`text`, `yaml`, `sh`, …);
//! - a doc line indented four spaces or more (an indented code block, or a list
//!   continuation: both count);
//! - a block doc comment (`/**`, `/*!`);
//! - an attribute that gives `doc` a value (`#[doc = …]`, `#![doc = include_str!(…)]`,
//!   `#[cfg_attr(…, doc = …)]`);
//! - a symbolic link (not followed).

use std::path::Path;

use anyhow::{Context, Result};

/// Info strings of fenced blocks rustdoc does not compile.
const NOT_RUST: &[&str] = &[
    "text",
    "txt",
    "plain",
    "console",
    "sh",
    "shell",
    "bash",
    "yaml",
    "yml",
    "json",
    "toml",
    "ini",
    "diff",
    "html",
    "xml",
    "markdown",
    "md",
    "csv",
    "sql",
    "dockerfile",
    "go",
    "python",
    "c",
    "none",
];

/// Whether any library target of the workspace may hold a doctest.
pub fn any(metadata: &cargo_metadata::Metadata) -> Result<bool> {
    for package in metadata.workspace_packages() {
        if package.targets.iter().any(|t| t.doctest)
            && let Some(dir) = package.manifest_path.parent()
            && in_dir(dir.as_std_path())?
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether a `.rs` file below `dir` (not below `target/`) may hold a doctest.
fn in_dir(dir: &Path) -> Result<bool> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .with_context(|| format!("cannot read {}", path.display()))?;
        let found = if kind.is_symlink() {
            true
        } else if kind.is_dir() {
            entry.file_name() != "target" && in_dir(&path)?
        } else if path.extension().is_some_and(|e| e == "rs") {
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            in_source(&String::from_utf8_lossy(&bytes))
        } else {
            false
        };
        if found {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether Rust source `text` may hold a doctest (see the module documentation). Pure.
pub fn in_source(text: &str) -> bool {
    // Inside a fenced block of a doc comment: its lines are the block's, and the next
    // fence closes it.
    let mut fenced = false;
    for line in text.lines() {
        let line = line.trim_start();
        if line.contains("/**") || line.contains("/*!") || doc_attribute(line) {
            return true;
        }
        let Some(rest) = line
            .strip_prefix("///")
            .or_else(|| line.strip_prefix("//!"))
            .filter(|_| !line.starts_with("////"))
        else {
            continue;
        };
        let content = rest.strip_prefix(' ').unwrap_or(rest);
        let trimmed = content.trim_start();
        let fence = ["```", "~~~"].iter().find_map(|f| trimmed.strip_prefix(f));
        match fence {
            Some(_) if fenced => fenced = false,
            Some(info) => {
                let word = info
                    .trim()
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                if !NOT_RUST.contains(&word.as_str()) {
                    return true;
                }
                fenced = true;
            }
            None if !fenced && content.starts_with("    ") && !trimmed.is_empty() => {
                return true;
            }
            None => {}
        }
    }
    false
}

/// Whether `line` holds an attribute that gives `doc` a value.
fn doc_attribute(line: &str) -> bool {
    let Some(start) = line.find("#[").or_else(|| line.find("#![")) else {
        return false;
    };
    let attributes = &line[start..];
    attributes.match_indices("doc").any(|(at, _)| {
        let before = attributes[..at].chars().next_back();
        let word_start = before.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        word_start && attributes[at + 3..].trim_start().starts_with('=')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_fences_block_comments_and_text_attributes_count() {
        for text in [
            "/// Adds.\n///\n/// ```\n/// assert_eq!(add(1, 1), 2);\n/// ```\npub fn add() {}\n",
            "//! ~~~rust\n//! x();\n//! ~~~\n",
            "    ///   ```ignore\n",
            "/** Docs\n```\nx\n```\n*/\n",
            "/*! crate docs */\n",
            "#![doc = include_str!(\"../README.md\")]\n",
            "#[doc = \"```\\nx();\\n```\"]\nfn f() {}\n",
            "#![cfg_attr(doctest, doc = include_str!(\"../README.md\"))]\n",
            "#[doc(hidden)] #[doc = \"text\"]\nfn f() {}\n",
            "/// Example:\n///\n///     assert!(f());\n",
            "/// ```rust,no_run\n",
            "/// ```should_panic\n",
        ] {
            assert!(in_source(text), "{text}");
        }
    }

    #[test]
    fn plain_docs_code_and_other_attributes_do_not() {
        for text in [
            "/// Adds two numbers (see `add`).\npub fn add() {}\n",
            "// ```\n// a plain comment\n",
            "#[doc(hidden)]\npub fn f() {}\n",
            "#[doc(alias = \"x\")]\npub fn g() {}\n",
            "let fence = \"```\";\n",
            "//! ```text\n//! a = b\n//! ```\n",
            "/// ```yaml\n/// a: 1\n/// ```\n",
            "//// ```\n",
            "#[derive(Debug)] // the docs say so\n",
        ] {
            assert!(!in_source(text), "{text}");
        }
    }
}
