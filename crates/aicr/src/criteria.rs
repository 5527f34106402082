// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Recipe criteria: the short description of a cluster a recipe is made for. Values are
//! case-insensitive and trimmed; empty means `any`; aliases map to their canonical value.

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The wildcard value of every field.
pub const ANY: &str = "any";

/// A criteria field: its name, allowed values and aliases (alias, canonical value).
pub type Field = (
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
);

/// Each field's allowed values and aliases.
pub const FIELDS: &[Field] = &[
    (
        "service",
        &["aks", "eks", "gke", "kind", "oke"],
        &[("self-managed", ANY), ("self", ANY), ("vanilla", ANY)],
    ),
    (
        "accelerator",
        &["a100", "b200", "gb200", "h100", "l40"],
        &[],
    ),
    ("intent", &["training", "inference"], &[]),
    (
        "os",
        &["amazonlinux", "cos", "rhel", "ubuntu"],
        &[("al2", "amazonlinux"), ("al2023", "amazonlinux")],
    ),
    ("platform", &["dynamo", "kubeflow"], &[]),
];

/// Criteria of a recipe query or of an overlay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criteria {
    #[serde(default = "any")]
    pub service: String,
    #[serde(default = "any")]
    pub accelerator: String,
    #[serde(default = "any")]
    pub intent: String,
    #[serde(default = "any")]
    pub os: String,
    #[serde(default = "any")]
    pub platform: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes: Option<u32>,
}

fn any() -> String {
    ANY.to_owned()
}

impl Default for Criteria {
    fn default() -> Criteria {
        Criteria {
            service: any(),
            accelerator: any(),
            intent: any(),
            os: any(),
            platform: any(),
            nodes: None,
        }
    }
}

/// The canonical value of `field`, or an error listing the allowed ones.
pub fn normalize(field: &str, value: &str) -> Result<String, Error> {
    let (_, allowed, aliases) = FIELDS
        .iter()
        .find(|(f, ..)| *f == field)
        .ok_or_else(|| Error::Input(format!("unknown criteria field '{field}'")))?;
    let v = value.trim().to_ascii_lowercase();
    if v.is_empty() || v == ANY {
        return Ok(any());
    }
    if let Some((_, to)) = aliases.iter().find(|(from, _)| *from == v) {
        return Ok((*to).to_owned());
    }
    if allowed.contains(&v.as_str()) {
        return Ok(v);
    }
    let mut all: Vec<String> = allowed.iter().map(|a| (*a).to_owned()).collect();
    all.push(ANY.to_owned());
    Err(Error::InvalidCriteria {
        field: field.to_owned(),
        requested: value.to_owned(),
        allowed: all,
    })
}

impl Criteria {
    /// Normalizes every field.
    pub fn normalized(&self) -> Result<Criteria, Error> {
        Ok(Criteria {
            service: normalize("service", &self.service)?,
            accelerator: normalize("accelerator", &self.accelerator)?,
            intent: normalize("intent", &self.intent)?,
            os: normalize("os", &self.os)?,
            platform: normalize("platform", &self.platform)?,
            nodes: self.nodes,
        })
    }

    fn fields(&self) -> [&str; 5] {
        [
            &self.service,
            &self.accelerator,
            &self.intent,
            &self.os,
            &self.platform,
        ]
    }

    /// How many fields are not `any`.
    pub fn specificity(&self) -> usize {
        self.fields().iter().filter(|v| **v != ANY).count()
    }

    /// Whether an overlay with these criteria applies to `query`: each of its fields is
    /// `any` or equal to the query's.
    pub fn matches(&self, query: &Criteria) -> bool {
        self.fields()
            .iter()
            .zip(query.fields())
            .all(|(mine, theirs)| *mine == ANY || *mine == theirs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_normalize_with_aliases_and_errors_list_the_allowed_ones() {
        assert_eq!(normalize("service", " EKS ").unwrap(), "eks");
        assert_eq!(normalize("service", "self-managed").unwrap(), "any");
        assert_eq!(normalize("os", "AL2023").unwrap(), "amazonlinux");
        assert_eq!(normalize("intent", "").unwrap(), "any");
        let err = normalize("accelerator", "v100").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid accelerator 'v100'; allowed: a100, b200, gb200, h100, l40, any"
        );
        assert_eq!(err.code(), crate::exit::Code::InvalidRequest);
    }

    #[test]
    fn matching_and_specificity() {
        let overlay = Criteria {
            service: "eks".into(),
            intent: "training".into(),
            ..Criteria::default()
        };
        let query = Criteria {
            service: "eks".into(),
            intent: "training".into(),
            accelerator: "h100".into(),
            ..Criteria::default()
        };
        assert!(overlay.matches(&query));
        assert!(
            !overlay.matches(&Criteria::default()),
            "a specific field does not match a query of any"
        );
        assert!(Criteria::default().matches(&query));
        assert_eq!(overlay.specificity(), 2);
    }
}
