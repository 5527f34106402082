// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The Homebrew formula: rendered from the checksum file into
//! `target/dist/homebrew/`, then committed to the tap unless the tap already has it.
//! An https tap needs `HOMEBREW_TAP_TOKEN` (contents: write on the tap), handed to git
//! through `GIT_ASKPASS`, never in a URL or an argument.

use std::collections::BTreeMap;

use anyhow::{Context as _, Result};
use serde_json::{Value, json};

use super::{Context, Publisher};
use crate::artifacts::{Artifact, Kind};
use crate::assets::Assets;
use crate::homebrew;

#[derive(Debug)]
pub struct Tap;

impl Publisher for Tap {
    fn preflight(&self, cx: &Context<'_>) -> Vec<String> {
        let Some(hb) = cx.def.homebrew.as_ref() else {
            return vec!["no [homebrew] in dist/release.toml".into()];
        };
        match homebrew::check_tap(cx.project, hb) {
            Ok(()) => Vec::new(),
            Err(err) => vec![format!("{err:#}")],
        }
    }

    fn publish(&self, cx: &Context<'_>) -> Result<Value> {
        let hb = cx
            .def
            .homebrew
            .as_ref()
            .context("no [homebrew] in dist/release.toml")?;
        let metadata = cx.out.metadata()?;
        let sums: BTreeMap<String, String> = crate::tasks::checksum::read(cx.def, cx.out)?
            .into_iter()
            .collect();
        let repository = cx.project.repository()?;
        let archives = Assets::new(cx.def, &metadata.version).archives(None);
        let bottles = homebrew::bottles(&hb.binary, &archives, cx.tag, &repository, &sums);
        let formula = homebrew::render(hb, &metadata.version, &repository, &bottles)?;
        let relative = format!("homebrew/{}.rb", hb.binary);
        let file = cx.out.join(&relative);
        crate::fsutil::write_atomically(&file, formula.as_bytes())?;
        cx.out.record(vec![Artifact::of_file(
            &cx.out.path,
            &relative,
            Kind::Formula,
            None,
        )?])?;
        let status = match homebrew::publish(cx.project, hb, &formula, cx.tag)? {
            homebrew::TapResult::Unchanged => {
                errln!("  homebrew: the tap already has this formula");
                "unchanged".to_owned()
            }
            homebrew::TapResult::Committed(message) => {
                errln!("  homebrew: committed \"{message}\"");
                "committed".to_owned()
            }
        };
        Ok(json!({ "formula": relative, "tap": status }))
    }
}
