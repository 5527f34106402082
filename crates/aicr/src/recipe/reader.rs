// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The one reader of `RecipeResult` documents, which the CLI, `aicrd` and the validators
//! share. The fields the original leaves out when they are empty may be missing (the
//! types say which: everything but `kind`, `componentRefs`, `deploymentOrder`, a
//! component's `name` and a constraint's `name` and `value`); a `null` reads as a
//! missing field; unknown fields are ignored at every level, as the original ignores
//! them, and listed for the caller to report. The field names come from the types'
//! own `Deserialize`, so there is no second list of them to keep in step.

use serde::Deserialize;
use serde_json::Value;

use super::RecipeResult;
use crate::API_VERSION;
use crate::catalog::{ComponentRef, Constraint, Phase, Validation};
use crate::criteria::Criteria;
use crate::error::Error;
use crate::recipe::RecipeMetadata;

/// A `RecipeResult` document as [`read`] returns it: the recipe and the unknown fields
/// it ignored (as paths such as `componentRefs[2].tag`), for the caller to report.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    pub recipe: RecipeResult,
    pub ignored: Vec<String>,
}

/// Reads a `RecipeResult` from YAML or JSON text; see [`read_value`].
pub fn read(text: &str) -> Result<Read, Error> {
    let value: Value = crate::document::from_yaml(text)
        .map_err(|e| Error::Input(format!("is not a RecipeResult: {e}")))?;
    read_value(value)
}

/// The one reader of `RecipeResult` documents. Fields the original leaves out when
/// empty may be missing; a `null` is read as a missing field; unknown fields are
/// ignored at every level (as the original ignores them) and listed in
/// [`Read::ignored`]. `kind` must be `RecipeResult`, and `apiVersion`, when present,
/// this crate's.
pub fn read_value(mut value: Value) -> Result<Read, Error> {
    if !value.is_object() {
        return Err(Error::Input(
            "is not a RecipeResult: the document is not a mapping".into(),
        ));
    }
    let mut ignored = Vec::new();
    prune(&mut value, Shape::Result, "", &mut ignored);
    let recipe: RecipeResult = serde_path_to_error::deserialize(value).map_err(|e| {
        let at = e.path().to_string();
        let at = if at == "." {
            String::new()
        } else {
            format!("{at}: ")
        };
        Error::Input(format!("is not a RecipeResult: {at}{}", e.inner()))
    })?;
    if recipe.kind != "RecipeResult" {
        return Err(Error::Input(format!(
            "has kind {}, expected RecipeResult",
            recipe.kind
        )));
    }
    if recipe.api_version != API_VERSION {
        return Err(Error::Input(format!(
            "has apiVersion {}, expected {API_VERSION}",
            recipe.api_version
        )));
    }
    Ok(Read { recipe, ignored })
}

/// The objects a `RecipeResult` is made of, for [`prune`].
#[derive(Debug, Clone, Copy)]
enum Shape {
    Result,
    Metadata,
    Criteria,
    Constraint,
    Component,
    Validation,
    Phase,
}

impl Shape {
    /// The field names the type of this shape reads (from its `Deserialize`).
    fn fields(self) -> &'static [&'static str] {
        match self {
            Shape::Result => field_names::<RecipeResult>(),
            Shape::Metadata => field_names::<RecipeMetadata>(),
            Shape::Criteria => field_names::<Criteria>(),
            Shape::Constraint => field_names::<Constraint>(),
            Shape::Component => field_names::<ComponentRef>(),
            Shape::Validation => field_names::<Validation>(),
            Shape::Phase => field_names::<Phase>(),
        }
    }

    /// The shape of a field's value, and whether it is a list of them.
    fn child(self, key: &str) -> Option<(Shape, bool)> {
        match (self, key) {
            (Shape::Result, "metadata") => Some((Shape::Metadata, false)),
            (Shape::Result, "criteria") => Some((Shape::Criteria, false)),
            (Shape::Result | Shape::Phase, "constraints") => Some((Shape::Constraint, true)),
            (Shape::Result, "componentRefs") => Some((Shape::Component, true)),
            (Shape::Result, "validation") => Some((Shape::Validation, false)),
            (Shape::Validation, _) => Some((Shape::Phase, false)),
            _ => None,
        }
    }
}

/// Drops the `null` fields and the unknown fields of `value` (recording the latter),
/// recursively through the known shapes. A value of the wrong type is left for the
/// typed reading to refuse.
fn prune(value: &mut Value, shape: Shape, path: &str, ignored: &mut Vec<String>) {
    let Some(map) = value.as_object_mut() else {
        return;
    };
    let fields = shape.fields();
    map.retain(|key, v| {
        if !fields.contains(&key.as_str()) {
            ignored.push(format!("{path}{key}"));
            return false;
        }
        !v.is_null()
    });
    for (key, v) in map.iter_mut() {
        match (shape.child(key), v) {
            (Some((child, true)), Value::Array(items)) => {
                for (i, item) in items.iter_mut().enumerate() {
                    prune(item, child, &format!("{path}{key}[{i}]."), ignored);
                }
            }
            (Some((child, false)), v) => prune(v, child, &format!("{path}{key}."), ignored),
            _ => {}
        }
    }
}

/// The field names `T`'s derived `Deserialize` asks a deserializer for.
fn field_names<T: serde::de::DeserializeOwned>() -> &'static [&'static str] {
    struct Probe<'a>(&'a mut &'static [&'static str]);
    impl<'de> serde::Deserializer<'de> for Probe<'_> {
        type Error = serde::de::value::Error;
        fn deserialize_any<V: serde::de::Visitor<'de>>(
            self,
            _: V,
        ) -> Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(serde::de::Error::custom("probed"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

/// A constraint warning as this crate writes it (a sentence) or as the original writes
/// it (an object).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Warning {
    Text(String),
    Object {
        constraint: String,
        expected: String,
        #[serde(default)]
        actual: Option<String>,
        #[serde(default)]
        reason: Option<String>,
    },
}

pub(super) fn warnings<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Vec::<Warning>::deserialize(d)?
        .into_iter()
        .map(|w| match w {
            Warning::Text(text) => text,
            Warning::Object {
                constraint,
                expected,
                actual: Some(actual),
                ..
            } => format!("{constraint}: {actual} does not satisfy {expected}"),
            Warning::Object {
                constraint,
                expected,
                reason,
                ..
            } => format!(
                "{constraint}: {} (expected {expected})",
                reason.as_deref().unwrap_or("not measured")
            ),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::API_VERSION;
    use crate::catalog::{Catalog, Validation};
    use crate::recipe::{RecipeMetadata, recipe};

    /// A recipe with every field set, the optional ones included.
    fn full() -> RecipeResult {
        let catalog = Catalog::embedded().unwrap();
        let query = Criteria {
            service: "eks".into(),
            accelerator: "h100".into(),
            intent: "training".into(),
            os: "ubuntu".into(),
            platform: "kubeflow".into(),
            nodes: Some(4),
        };
        let mut r = recipe(&catalog, &query).unwrap();
        r.metadata.excluded_overlays = vec!["x".into()];
        r.metadata.constraint_warnings =
            vec!["K8s.server.version: 1.20 does not satisfy >= 1.25".into()];
        r.constraints[0].severity = Some("error".into());
        r.constraints[0].remediation = Some("upgrade".into());
        r.constraints[0].unit = Some("v".into());
        let gpu = r
            .component_refs
            .iter_mut()
            .find(|c| c.name == "gpu-operator")
            .unwrap();
        gpu.values_file = Some("values.yaml".into());
        gpu.overrides = Some(serde_json::Map::from_iter([(
            "a".to_owned(),
            Value::from(1),
        )]));
        gpu.patches = Some(vec![Value::from("p")]);
        gpu.manifest_files = Some(vec!["m.yaml".into()]);
        gpu.expected_resources = Some(vec![serde_json::json!({"kind": "Deployment", "name": "d"})]);
        r.validation.conformance.timeout = Some("10m".into());
        r
    }

    /// The paths of the fields the original leaves out when empty (`*`: every item).
    const OMITTABLE: &[&str] = &[
        "metadata.version",
        "metadata.appliedOverlays",
        "metadata.excludedOverlays",
        "metadata.constraintWarnings",
        "criteria.nodes",
        "constraints",
        "constraints.*.severity",
        "constraints.*.remediation",
        "constraints.*.unit",
        "componentRefs.*.namespace",
        "componentRefs.*.chart",
        "componentRefs.*.version",
        "componentRefs.*.valuesFile",
        "componentRefs.*.overrides",
        "componentRefs.*.patches",
        "componentRefs.*.dependencyRefs",
        "componentRefs.*.manifestFiles",
        "componentRefs.*.expectedResources",
        "validation",
        "validation.deployment",
        "validation.performance",
        "validation.conformance",
        "validation.*.timeout",
        "validation.*.constraints",
        "validation.*.checks",
    ];

    fn remove(value: &mut Value, path: &[&str]) {
        match (path, value) {
            ([last], Value::Object(map)) => {
                map.remove(*last);
            }
            (["*", rest @ ..], Value::Array(items)) => {
                items.iter_mut().for_each(|v| remove(v, rest));
            }
            (["*", rest @ ..], Value::Object(map)) => {
                map.values_mut().for_each(|v| remove(v, rest));
            }
            ([key, rest @ ..], Value::Object(map)) => {
                if let Some(v) = map.get_mut(*key) {
                    remove(v, rest);
                }
            }
            _ => {}
        }
    }

    fn without(paths: &[&str]) -> Value {
        let mut value = serde_json::to_value(full()).unwrap();
        for path in paths {
            remove(&mut value, &path.split('.').collect::<Vec<_>>());
        }
        value
    }

    #[test]
    fn every_field_the_original_omits_may_be_left_out() {
        let all = without(OMITTABLE);
        assert_eq!(
            all.as_object().unwrap().keys().collect::<Vec<_>>(),
            [
                "apiVersion",
                "componentRefs",
                "criteria",
                "deploymentOrder",
                "kind",
                "metadata"
            ]
        );
        let read = read_value(all).unwrap();
        assert_eq!(read.ignored, Vec::<String>::new());
        assert_eq!(read.recipe.metadata, RecipeMetadata::default());
        assert!(read.recipe.constraints.is_empty() && read.recipe.validation.is_empty());
        assert_eq!(
            read.recipe.component_refs.len(),
            full().component_refs.len()
        );
        assert_eq!(read.recipe.component_refs[0].version, None);
        for path in OMITTABLE {
            let read = read_value(without(&[path])).unwrap_or_else(|e| panic!("{path}: {e}"));
            assert!(read.ignored.is_empty(), "{path}");
        }
        // metadata and criteria themselves may go too: an empty recipe's defaults
        let mut bare = without(OMITTABLE);
        bare.as_object_mut().unwrap().remove("metadata");
        bare.as_object_mut().unwrap().remove("criteria");
        bare.as_object_mut().unwrap().remove("apiVersion");
        let read = read_value(bare).unwrap().recipe;
        assert_eq!(
            (read.criteria, read.api_version.as_str()),
            (Criteria::default(), API_VERSION)
        );
    }

    #[test]
    fn output_leaves_out_what_is_empty_and_reads_back_the_same() {
        let mut r = full();
        let text = serde_norway::to_string(&r).unwrap();
        assert_eq!(read(&text).unwrap().recipe, r, "a full recipe round-trips");
        r.metadata = RecipeMetadata::default();
        r.constraints.clear();
        r.validation = Validation::default();
        r.validation.performance.checks = vec!["nccl-all-reduce-bw".into()];
        let value = serde_json::to_value(&r).unwrap();
        assert_eq!(value["metadata"], serde_json::json!({}));
        assert!(value.get("constraints").is_none());
        assert_eq!(
            value["validation"],
            serde_json::json!({"performance": {"checks": ["nccl-all-reduce-bw"]}})
        );
        r.validation = Validation::default();
        let value = serde_json::to_value(&r).unwrap();
        assert!(value.get("validation").is_none());
        assert_eq!(read_value(value).unwrap().recipe, r);
    }

    #[test]
    fn unknown_fields_are_ignored_at_every_level_and_listed() {
        let mut value = serde_json::to_value(full()).unwrap();
        value["generatedBy"] = "x".into();
        value["metadata"]["generatedAt"] = "2026-01-01T00:00:00Z".into();
        value["criteria"]["region"] = "us".into();
        value["componentRefs"][1]["tag"] = "v1".into();
        value["componentRefs"][1]["cleanup"] = true.into();
        value["constraints"][0]["note"] = serde_json::json!({"a": 1});
        value["validation"]["preDeployment"] = serde_json::json!({"checks": ["x"]});
        value["validation"]["performance"]["infrastructure"] = "nccl-doctor".into();
        value["validation"]["deployment"]["constraints"][0]["extra"] = Value::Null;
        let read = read_value(value).unwrap();
        assert_eq!(read.recipe, full(), "nothing else changes");
        let mut ignored = read.ignored;
        ignored.sort();
        assert_eq!(
            ignored,
            [
                "componentRefs[1].cleanup",
                "componentRefs[1].tag",
                "constraints[0].note",
                "criteria.region",
                "generatedBy",
                "metadata.generatedAt",
                "validation.deployment.constraints[0].extra",
                "validation.performance.infrastructure",
                "validation.preDeployment",
            ]
        );
    }

    #[test]
    fn nulls_read_as_missing_fields() {
        let mut value = serde_json::to_value(full()).unwrap();
        for key in ["metadata", "criteria", "constraints", "validation"] {
            value[key] = Value::Null;
        }
        value["componentRefs"][0]["version"] = Value::Null;
        let r = read_value(value.clone()).unwrap().recipe;
        assert_eq!(
            (
                r.criteria,
                r.constraints.len(),
                r.component_refs[0].version.clone()
            ),
            (Criteria::default(), 0, None)
        );
        value["componentRefs"] = Value::Null;
        assert_eq!(
            read_value(value).unwrap_err().to_string(),
            "is not a RecipeResult: missing field `componentRefs`"
        );
    }

    #[test]
    fn bad_documents_are_refused_naming_the_field() {
        type Case<'a> = (&'a str, &'a dyn Fn(&mut Value), &'a str);
        let cases: &[Case<'_>] = &[
            (
                "kind",
                &|v| {
                    v.as_object_mut().unwrap().remove("kind");
                },
                "is not a RecipeResult: missing field `kind`",
            ),
            (
                "another kind",
                &|v| v["kind"] = "Snapshot".into(),
                "has kind Snapshot, expected RecipeResult",
            ),
            (
                "another apiVersion",
                &|v| v["apiVersion"] = "aicr.nvidia.com/v2".into(),
                "has apiVersion aicr.nvidia.com/v2, expected aicr.nvidia.com/v1alpha1",
            ),
            (
                "deploymentOrder",
                &|v| {
                    v.as_object_mut().unwrap().remove("deploymentOrder");
                },
                "is not a RecipeResult: missing field `deploymentOrder`",
            ),
            (
                "a nameless component",
                &|v| {
                    v["componentRefs"][2]
                        .as_object_mut()
                        .unwrap()
                        .remove("name");
                },
                "is not a RecipeResult: componentRefs[2]: missing field `name`",
            ),
            (
                "a constraint's value",
                &|v| v["constraints"][0]["value"] = serde_json::json!([1]),
                "is not a RecipeResult: constraints[0].value: invalid type: sequence, expected a string",
            ),
            (
                "the list of components",
                &|v| v["componentRefs"] = "cert-manager".into(),
                "is not a RecipeResult: componentRefs: invalid type: string \"cert-manager\", expected a sequence",
            ),
            (
                "the criteria",
                &|v| v["criteria"]["nodes"] = (-1).into(),
                "is not a RecipeResult: criteria.nodes: invalid value: integer `-1`, expected u32",
            ),
        ];
        for (what, change, message) in cases {
            let mut value = serde_json::to_value(full()).unwrap();
            change(&mut value);
            assert_eq!(
                read_value(value).unwrap_err().to_string(),
                *message,
                "{what}"
            );
        }
        for text in ["- a\n- b\n", "42", "", "kind: [\n"] {
            let err = read(text).unwrap_err().to_string();
            assert!(err.starts_with("is not a RecipeResult"), "{text:?}: {err}");
        }
    }

    #[test]
    fn the_original_warning_objects_read_as_sentences() {
        let mut value = serde_json::to_value(full()).unwrap();
        value["metadata"]["constraintWarnings"] = serde_json::json!([
            "as written here",
            {"overlay": "o", "constraint": "OS.release.VERSION_ID", "expected": "24.04", "actual": "22.04", "reason": "r"},
            {"overlay": "o", "constraint": "K8s.server.version", "expected": ">= 1.30", "reason": "not measured"},
        ]);
        assert_eq!(
            read_value(value)
                .unwrap()
                .recipe
                .metadata
                .constraint_warnings,
            [
                "as written here",
                "OS.release.VERSION_ID: 22.04 does not satisfy 24.04",
                "K8s.server.version: not measured (expected >= 1.30)",
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn any_subset_of_the_omittable_fields_may_be_left_out(mask in 0u32..(1 << 25)) {
            let paths: Vec<&str> = OMITTABLE
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, p)| *p)
                .collect();
            let read = read_value(without(&paths));
            proptest::prop_assert!(read.is_ok(), "{paths:?}: {read:?}");
        }

        #[test]
        fn any_text_is_read_or_refused_without_a_panic(text in ".{0,200}") {
            if let Err(e) = read(&text) {
                let message = e.to_string();
                proptest::prop_assert!(
                    message.starts_with("is not a RecipeResult") || message.starts_with("has "),
                    "{message}"
                );
            }
        }
    }
}
