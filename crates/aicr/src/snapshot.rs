// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Node snapshots: measurements of the machine `aicr snapshot` runs on.
//!
//! `OS`: `release` (`/etc/os-release`), `grub` (`/proc/cmdline`), `kmod`
//! (`/proc/modules`), `sysctl` (`/proc/sys/kernel` and `/proc/sys/vm`); `GPU`: `smi`,
//! parsed from `nvidia-smi -q -x` (no tool means `gpu-count: 0`). A collector that fails
//! is reported in `metadata.collectorErrors` and skipped. The parsers and [`collect`]
//! are pure: what they read of a node comes through the [`Node`] trait, which the
//! `aicr` binary implements on the machine it runs on (`src/collect.rs`).

use std::collections::BTreeMap;
use std::process::Output;

use serde::{Deserialize, Serialize};

use crate::error::Error;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subtype {
    pub subtype: String,
    pub data: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measurement {
    #[serde(rename = "type")]
    pub kind: String,
    pub subtypes: Vec<Subtype>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotMetadata {
    pub timestamp: String,
    pub version: String,
    #[serde(rename = "source-node")]
    pub source_node: String,
    #[serde(
        rename = "collectorErrors",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub collector_errors: Vec<String>,
}

/// A `Snapshot` document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub api_version: String,
    pub kind: String,
    pub metadata: SnapshotMetadata,
    pub measurements: Vec<Measurement>,
}

impl Snapshot {
    /// A snapshot document of `measurements`, taken at `timestamp` by `version` on `node`.
    pub fn new(
        timestamp: &str,
        version: &str,
        node: &str,
        errors: Vec<String>,
        measurements: Vec<Measurement>,
    ) -> Snapshot {
        Snapshot {
            api_version: crate::API_VERSION.into(),
            kind: "Snapshot".into(),
            metadata: SnapshotMetadata {
                timestamp: timestamp.into(),
                version: version.into(),
                source_node: node.into(),
                collector_errors: errors,
            },
            measurements,
        }
    }

    /// The value of `Type.subtype.key` (e.g. `OS.release.VERSION_ID`); the key may
    /// contain dots (`OS.sysctl./proc/sys/kernel/osrelease`).
    pub fn value(&self, path: &str) -> Option<&str> {
        let mut parts = path.splitn(3, '.');
        let (kind, subtype, key) = (parts.next()?, parts.next()?, parts.next()?);
        self.measurements
            .iter()
            .find(|m| m.kind == kind)?
            .subtypes
            .iter()
            .find(|s| s.subtype == subtype)?
            .data
            .get(key)
            .map(String::as_str)
    }
}

/// `KEY=value` lines of `/etc/os-release`, quotes removed.
pub fn parse_os_release(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| !k.trim().is_empty() && !k.starts_with('#'))
        .map(|(k, v)| {
            (
                k.trim().to_owned(),
                v.trim().trim_matches('"').trim_matches('\'').to_owned(),
            )
        })
        .collect()
}

/// Kernel command-line parameters: `key=value`, or `key` with an empty value.
pub fn parse_cmdline(text: &str) -> BTreeMap<String, String> {
    text.split_whitespace()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (w.to_owned(), String::new()),
        })
        .collect()
}

/// Loaded modules of `/proc/modules`: name to state.
pub fn parse_modules(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            Some((
                fields.first()?.to_string(),
                fields.get(4).copied().unwrap_or("Live").to_owned(),
            ))
        })
        .collect()
}

/// The `smi` data of `nvidia-smi -q -x` output.
pub fn parse_nvidia_smi(xml: &str) -> Result<BTreeMap<String, String>, Error> {
    // nvidia-smi declares its DTD; it is not fetched, only allowed.
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(xml, options)
        .map_err(|e| Error::Input(format!("nvidia-smi XML: {e}")))?;
    let root = doc.root_element();
    let text = |node: roxmltree::Node<'_, '_>, name: &str| {
        node.children()
            .find(|c| c.has_tag_name(name))
            .and_then(|c| c.text())
            .map(|t| t.trim().to_owned())
    };
    let mut data = BTreeMap::new();
    for key in ["driver_version", "cuda_version"] {
        if let Some(v) = text(root, key) {
            data.insert(key.replace('_', "-"), v);
        }
    }
    let gpus: Vec<roxmltree::Node<'_, '_>> =
        root.children().filter(|c| c.has_tag_name("gpu")).collect();
    data.insert("gpu-count".into(), gpus.len().to_string());
    for (i, gpu) in gpus.iter().enumerate() {
        for key in [
            "product_name",
            "product_architecture",
            "uuid",
            "vbios_version",
        ] {
            if let Some(v) = text(*gpu, key) {
                data.insert(format!("gpu.{i}.{}", key.replace('_', "-")), v);
            }
        }
        if let Some(memory) = gpu
            .children()
            .find(|c| c.has_tag_name("fb_memory_usage"))
            .and_then(|m| text(m, "total"))
        {
            data.insert(format!("gpu.{i}.memory-total"), memory);
        }
    }
    if let Some(first) = gpus.first().and_then(|g| text(*g, "product_name")) {
        data.insert("model".into(), first);
    }
    Ok(data)
}

/// What a snapshot reads of a node: its files and its `nvidia-smi`. The `aicr` binary
/// reads the machine it runs on; [`collect`] makes the same snapshot of any node.
pub trait Node {
    /// The text of the file at `path`, an absolute path on the node (`/proc/cmdline`).
    fn read(&self, path: &str) -> std::io::Result<String>;
    /// The entries of the directory `dir` (an absolute path on the node): each entry's
    /// absolute path on the node, and whether it is a directory.
    fn list(&self, dir: &str) -> std::io::Result<Vec<(String, bool)>>;
    /// The outcome of `nvidia-smi -q -x`; an error when the tool cannot be started.
    fn nvidia_smi(&self) -> std::io::Result<Output>;
}

/// The files under `dir`, `depth` levels of directories down, by path; unreadable
/// files and directories are left out.
fn read_tree(node: &dyn Node, dir: &str, depth: usize, out: &mut BTreeMap<String, String>) {
    let Ok(mut entries) = node.list(dir) else {
        return;
    };
    entries.sort();
    for (path, is_dir) in entries {
        if is_dir {
            if depth > 0 {
                read_tree(node, &path, depth - 1, out);
            }
        } else if let Ok(value) = node.read(&path) {
            out.insert(path, value.trim().to_owned());
        }
    }
}

/// The `OS` subtypes of a node; files that cannot be read are named in `errors`.
fn os(node: &dyn Node, errors: &mut Vec<String>) -> Vec<Subtype> {
    let mut os = Vec::new();
    let mut read = |path: &str| -> Option<String> {
        match node.read(path) {
            Ok(text) => Some(text),
            Err(e) => {
                errors.push(format!("{path}: {e}"));
                None
            }
        }
    };
    if let Some(text) = read("/etc/os-release") {
        os.push(Subtype {
            subtype: "release".into(),
            data: parse_os_release(&text),
        });
    }
    if let Some(text) = read("/proc/cmdline") {
        os.push(Subtype {
            subtype: "grub".into(),
            data: parse_cmdline(&text),
        });
    }
    if let Some(text) = read("/proc/modules") {
        os.push(Subtype {
            subtype: "kmod".into(),
            data: parse_modules(&text),
        });
    }
    let mut sysctl = BTreeMap::new();
    for dir in ["/proc/sys/kernel", "/proc/sys/vm"] {
        read_tree(node, dir, 1, &mut sysctl);
    }
    os.push(Subtype {
        subtype: "sysctl".into(),
        data: sysctl,
    });
    os
}

/// The `smi` data of a node: `gpu-count: 0` without the tool, or when it fails (named
/// in `errors`).
fn smi(node: &dyn Node, errors: &mut Vec<String>) -> BTreeMap<String, String> {
    let none = || BTreeMap::from([("gpu-count".to_owned(), "0".to_owned())]);
    match node.nvidia_smi() {
        Ok(out) if out.status.success() => parse_nvidia_smi(&String::from_utf8_lossy(&out.stdout))
            .unwrap_or_else(|e| {
                errors.push(format!("nvidia-smi: {e}"));
                none()
            }),
        Ok(out) => {
            errors.push(format!("nvidia-smi exited {:?}", out.status.code()));
            none()
        }
        Err(_) => none(),
    }
}

/// Collects a snapshot of `node`.
pub fn collect(node: &dyn Node, version: &str, timestamp: &str) -> Snapshot {
    let mut errors = Vec::new();
    let os = os(node, &mut errors);
    let smi = smi(node, &mut errors);
    let name = node
        .read("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "unknown".into());
    Snapshot::new(
        timestamp,
        version,
        &name,
        errors,
        vec![
            Measurement {
                kind: "OS".into(),
                subtypes: os,
            },
            Measurement {
                kind: "GPU".into(),
                subtypes: vec![Subtype {
                    subtype: "smi".into(),
                    data: smi,
                }],
            },
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_files_parse() {
        let release =
            parse_os_release("NAME=\"Ubuntu\"\nVERSION_ID=\"24.04\"\nID=ubuntu\n# comment\n");
        assert_eq!(release["VERSION_ID"], "24.04");
        assert_eq!(release["ID"], "ubuntu");
        let cmdline = parse_cmdline("BOOT_IMAGE=/vmlinuz root=UUID=abc ro quiet iommu=pt\n");
        assert_eq!(cmdline["root"], "UUID=abc");
        assert_eq!(cmdline["ro"], "");
        let modules = parse_modules("nvidia 123 4 - Live 0x0\nsnd 9 0 - Loading 0x0\n");
        assert_eq!(modules["nvidia"], "Live");
        assert_eq!(modules["snd"], "Loading");
    }

    #[test]
    fn nvidia_smi_xml_parses() {
        let xml = include_str!("../tests/fixtures/nvidia-smi-q-x.xml");
        let data = parse_nvidia_smi(xml).unwrap();
        assert_eq!(data["driver-version"], "580.105.08");
        assert_eq!(data["cuda-version"], "13.0");
        assert_eq!(data["gpu-count"], "2");
        assert_eq!(data["model"], "NVIDIA H100 80GB HBM3");
        assert_eq!(data["gpu.1.memory-total"], "81559 MiB");
        assert!(parse_nvidia_smi("<not xml").is_err());
    }

    #[test]
    fn values_by_measurement_path() {
        let sysctl = BTreeMap::from([("/proc/sys/kernel/osrelease".into(), "6.8.0".into())]);
        let os = Measurement {
            kind: "OS".into(),
            subtypes: vec![Subtype {
                subtype: "sysctl".into(),
                data: sysctl,
            }],
        };
        let snapshot = Snapshot::new("t", "v", "n", vec![], vec![os]);
        assert_eq!(
            snapshot.value("OS.sysctl./proc/sys/kernel/osrelease"),
            Some("6.8.0")
        );
        assert_eq!(snapshot.value("OS.release.ID"), None);
    }
}
