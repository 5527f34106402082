// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The release's OCI images, pushed to the registry of each image's repository with
//! the plan's tags (the git tag, and `latest` only when the plan moves it). Every image
//! of the definition must have been built: a missing layout fails the step.
//! Credentials: `AICR_REGISTRY_USERNAME` / `AICR_REGISTRY_PASSWORD`, or `GITHUB_TOKEN`
//! for ghcr.io.

use std::collections::BTreeMap;

use anyhow::Result;
use serde_json::{Value, json};

use super::{Context, Publisher};
use crate::artifacts::Kind;
use crate::tasks::images;

#[derive(Debug)]
pub struct Images;

impl Publisher for Images {
    fn preflight(&self, cx: &Context<'_>) -> Vec<String> {
        let mut problems = Vec::new();
        for image in &cx.plan.images {
            if !cx
                .out
                .join(&format!("images/{}/index.json", image.name))
                .is_file()
            {
                problems.push(format!(
                    "the image {} was not built (no {}); hint: build the tag again with cargo xtask release --tag {}",
                    image.name,
                    cx.out.join(&format!("images/{}", image.name)).display(),
                    cx.tag
                ));
            }
            if let Err(err) = crate::registry::check_push_access(image.host(), image.path()) {
                problems.push(format!("{err:#}"));
            }
        }
        problems
    }

    fn publish(&self, cx: &Context<'_>) -> Result<Value> {
        let uploaded = images::push(cx.out, &cx.plan.images, None, false)?;
        let manifest = cx.out.manifest()?;
        let digests: BTreeMap<String, String> = manifest
            .artifacts
            .iter()
            .filter(|a| a.kind == Kind::Image)
            .map(|a| (a.name.clone(), format!("sha256:{}", a.sha256)))
            .collect();
        let references: Vec<String> = cx
            .plan
            .images
            .iter()
            .flat_map(|i| i.tags.iter().map(move |t| format!("{}:{t}", i.repository)))
            .collect();
        Ok(json!({ "uploaded_blobs": uploaded, "digests": digests, "references": references }))
    }
}
