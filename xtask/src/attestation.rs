// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! What the attestations of release assets (`sbom`, `attest`) and of images
//! (`image_attest`) have in common: SPDX identifiers and license expressions, and the
//! SLSA build type and local builder of the provenance this process makes.

/// The build type of provenance made by this process; bump the version when the
/// meaning of its parameters changes.
pub const BUILD_TYPE: &str = "https://github.com/NVIDIA/aicr/tree/main/xtask/buildtypes/release/v1";
/// The builder id of builds outside GitHub Actions.
pub const LOCAL_BUILDER: &str = "https://github.com/NVIDIA/aicr/tree/main/xtask/builders/local/v1";

/// An SPDX identifier: `SPDXRef-` and letters, digits, `.` and `-` only.
pub fn spdx_id(kind: &str, parts: &[&str]) -> String {
    let raw = parts.join("-");
    let clean: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("SPDXRef-{kind}-{clean}")
}

/// The declared license as a canonical SPDX expression, or `NOASSERTION`.
pub fn license_expression(license: Option<&str>) -> String {
    let Some(text) = license else {
        return "NOASSERTION".to_owned();
    };
    let expression = match spdx::Expression::canonicalize(text) {
        Ok(Some(canonical)) => canonical,
        Ok(None) => text.to_owned(),
        Err(_) => return "NOASSERTION".to_owned(),
    };
    // Only what parses strictly is a valid SPDX expression.
    if spdx::Expression::parse(&expression).is_ok() {
        expression
    } else {
        "NOASSERTION".to_owned()
    }
}
