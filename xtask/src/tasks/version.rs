// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask version [--json]`: print the version a build of HEAD would carry, with
//! the commit, its date and SOURCE_DATE_EPOCH (see `version::BuildStamp`).

use anyhow::Result;

use crate::flags::VersionArgs;
use crate::git::Git;
use crate::project::Project;
use crate::version::BuildStamp;

pub fn run(project: &Project, args: &VersionArgs) -> Result<()> {
    let git = Git::new(&project.sh);
    git.ensure_repo()?;
    let stamp = BuildStamp::of_head(&git, false)?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&stamp)?)?;
    } else {
        outln!("{}", stamp.version)?;
        errln!(
            "commit {} ({}), SOURCE_DATE_EPOCH={}, tag {}{}",
            stamp.short_commit,
            stamp.date,
            stamp.source_date_epoch,
            stamp.tag.as_deref().unwrap_or("none"),
            if stamp.dirty {
                ", uncommitted changes"
            } else {
                ""
            }
        );
    }
    Ok(())
}
