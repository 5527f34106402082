// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Whether the workspace's libraries can hold doctests: nextest does not run them, and
//! `cargo test --doc` costs a rustdoc pass over every library even when there are
//! none. The answer errs towards yes: a code fence in a doc comment, a block doc
//! comment or a `doc` attribute that carries text (an included README, say) each count.

use std::path::Path;

use anyhow::{Context, Result};

/// Whether any library target of the workspace may hold a doctest.
pub fn any(metadata: &cargo_metadata::Metadata) -> Result<bool> {
    for package in metadata.workspace_packages() {
        for target in package.targets.iter().filter(|t| t.is_lib()) {
            if let Some(dir) = target.src_path.parent()
                && in_dir(dir.as_std_path())?
            {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Whether a `.rs` file below `dir` may hold a doctest.
fn in_dir(dir: &Path) -> Result<bool> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot read {}", dir.display()))?
            .path();
        let found = if path.is_dir() {
            in_dir(&path)?
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            in_source(&text)
        } else {
            false
        };
        if found {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether Rust source `text` may hold a doctest. Pure.
pub fn in_source(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim_start();
        let fenced = ["///", "//!"].iter().any(|doc| {
            line.strip_prefix(doc).is_some_and(|rest| {
                let rest = rest.trim_start();
                rest.starts_with("```") || rest.starts_with("~~~")
            })
        });
        let block = line.contains("/**") || line.contains("/*!");
        let attribute = ["#[doc", "#![doc"].iter().any(|attr| {
            line.find(attr)
                .is_some_and(|at| line[at + attr.len()..].trim_start().starts_with('='))
        });
        fenced || block || attribute
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
        ] {
            assert!(!in_source(text), "{text}");
        }
    }
}
