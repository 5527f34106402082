// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask sbom [--out DIR]`: one SPDX 2.3 JSON document per archive in
//! `artifacts.json`, named after the archive (`aicr_1.2.3_linux_amd64.spdx.json`; a zip
//! archive keeps `.zip` in the name), recorded as `sbom` artifacts.
//!
//! The document describes a root package for the binary (the archive's file name and
//! SHA-256, `primaryPackagePurpose: APPLICATION`) and one package per crate linked into
//! it for that target (see `deps::graph`): version, supplier, download location, the
//! `Cargo.lock` checksum, the declared license as a valid SPDX expression (the legacy
//! `MIT/Apache-2.0` becomes `MIT OR Apache-2.0`), `filesAnalyzed: false` and a
//! `pkg:cargo` purl. `DEPENDS_ON` relationships mirror the real dependency edges. The
//! creation time is the commit time and every list is sorted, so the same commit gives
//! byte-identical documents.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result, bail};
use cargo_metadata::Package;
use serde_json::{Value, json};

use crate::artifacts::{Artifact, Kind, Metadata, OutDir};
use crate::assets::{sbom_name, sbom_stem};
use crate::attestation::{license_expression, spdx_id};
use crate::deps::{self, Graph, Key};
use crate::dist::Definition;
use crate::flags::OutArgs;
use crate::fsutil;
use crate::project::Project;
use crate::targets::{TARGETS, Target};

/// A package URL for a crate; `+` in versions is percent-encoded as purl requires.
pub fn purl(name: &str, version: &str) -> String {
    format!("pkg:cargo/{name}@{}", version.replace('+', "%2B"))
}

/// `Cargo.lock` checksums by (name, version).
fn lock_checksums(project: &Project) -> Result<BTreeMap<(String, String), String>> {
    let path = project.root.join("Cargo.lock");
    let lockfile = rustsec::Lockfile::load(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(lockfile
        .packages
        .iter()
        .filter_map(|p| {
            Some((
                (p.name.to_string(), p.version.to_string()),
                p.checksum.as_ref()?.to_string(),
            ))
        })
        .collect())
}

/// What describes one SBOM besides the graph.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    pub archive: &'a Artifact,
    pub binary: &'a str,
    pub metadata: &'a Metadata,
    pub repository: &'a str,
}

fn crate_package(
    package: &Package,
    workspace: bool,
    subject: &Subject<'_>,
    checksums: &BTreeMap<(String, String), String>,
) -> Value {
    let name = package.name.as_str();
    let version = package.version.to_string();
    let registry = package.source.as_ref().is_some_and(|s| s.is_crates_io());
    let (supplier, download) = if workspace {
        (
            "Organization: NVIDIA".to_owned(),
            format!("git+{}@{}", subject.repository, subject.metadata.commit),
        )
    } else if registry {
        (
            "Organization: crates.io".to_owned(),
            format!("https://crates.io/api/v1/crates/{name}/{version}/download"),
        )
    } else {
        let location = package
            .source
            .as_ref()
            .map(|s| s.repr.clone())
            .filter(|r| r.starts_with("git+"))
            .unwrap_or_else(|| "NOASSERTION".to_owned());
        ("NOASSERTION".to_owned(), location)
    };
    let mut value = json!({
        "SPDXID": spdx_id("Package", &[name, &version]),
        "name": name,
        "versionInfo": version,
        "supplier": supplier,
        "downloadLocation": download,
        "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": license_expression(package.license.as_deref()),
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "LIBRARY",
        "externalRefs": [{
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": purl(name, &version),
        }],
    });
    if let Some(sum) = checksums.get(&(name.to_owned(), version.clone())) {
        value["checksums"] = json!([{ "algorithm": "SHA256", "checksumValue": sum }]);
    }
    if let Some(home) = package.homepage.as_ref().or(package.repository.as_ref()) {
        value["homepage"] = json!(home);
    }
    value
}

/// The SPDX document of one archive. Pure and deterministic.
pub fn document(
    subject: &Subject<'_>,
    graph: &Graph,
    checksums: &BTreeMap<(String, String), String>,
) -> Result<Value> {
    let root_crate = &graph.root;
    let version = &subject.metadata.version;
    let root_id = spdx_id("Package", &[subject.binary]);
    let ids: BTreeMap<&Key, String> = graph
        .packages
        .iter()
        .map(|(id, p)| {
            let spdx = if id == root_crate {
                root_id.clone()
            } else {
                spdx_id("Package", &[p.name.as_str(), &p.version.to_string()])
            };
            (id, spdx)
        })
        .collect();
    if ids.values().collect::<BTreeSet<_>>().len() != ids.len() {
        bail!(
            "two crates map to the same SPDX identifier in the graph of {}",
            subject.binary
        );
    }
    let mut packages: Vec<Value> = vec![json!({
        "SPDXID": root_id,
        "name": subject.binary,
        "versionInfo": version,
        "packageFileName": subject.archive.name,
        "supplier": "Organization: NVIDIA",
        "downloadLocation": match &subject.metadata.tag {
            Some(tag) => format!("{}/releases/download/{tag}/{}", subject.repository, subject.archive.name),
            None => "NOASSERTION".to_owned(),
        },
        "filesAnalyzed": false,
        "checksums": [{ "algorithm": "SHA256", "checksumValue": subject.archive.sha256 }],
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": license_expression(graph.packages[root_crate].license.as_deref()),
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "APPLICATION",
        "homepage": subject.repository,
        "externalRefs": [{
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": format!(
                "pkg:github/{}@{}",
                crate::github::owner_name(subject.repository)
                    .unwrap_or_default()
                    .to_lowercase(),
                version.replace('+', "%2B")
            ),
        }],
    })];
    for (id, package) in &graph.packages {
        if id != root_crate {
            packages.push(crate_package(
                package,
                graph.members.contains(id),
                subject,
                checksums,
            ));
        }
    }
    packages.sort_by(|a, b| a["SPDXID"].as_str().cmp(&b["SPDXID"].as_str()));
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": root_id,
    })];
    let mut edges: Vec<(String, String)> = Vec::new();
    for (from, tos) in &graph.edges {
        for to in tos {
            edges.push((ids[from].clone(), ids[to].clone()));
        }
    }
    edges.sort();
    for (from, to) in edges {
        relationships.push(json!({ "spdxElementId": from, "relationshipType": "DEPENDS_ON", "relatedSpdxElement": to }));
    }
    let stem = sbom_stem(&subject.archive.name);
    Ok(json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": stem,
        "documentNamespace": format!("{}/spdx/{}/{}", subject.repository, stem, subject.archive.sha256),
        "creationInfo": {
            "created": subject.metadata.date,
            "creators": [format!("Tool: aicr-xtask-{version}"), "Organization: NVIDIA"],
        },
        "packages": packages,
        "relationships": relationships,
    }))
}

/// The crate graph of each target's build, each computed once, and the lock file's
/// checksums: what every SBOM of a release is made from.
#[derive(Debug)]
pub struct Graphs<'p> {
    project: &'p Project,
    def: Definition,
    repository: String,
    checksums: BTreeMap<(String, String), String>,
    metadatas: BTreeMap<String, cargo_metadata::Metadata>,
    trees: BTreeMap<String, deps::Tree>,
}

impl<'p> Graphs<'p> {
    pub fn new(project: &'p Project) -> Result<Graphs<'p>> {
        Ok(Graphs {
            project,
            def: Definition::load(&project.root)?,
            repository: project.repository()?,
            checksums: lock_checksums(project)?,
            metadatas: BTreeMap::new(),
            trees: BTreeMap::new(),
        })
    }

    /// The SBOM of `binary` (built from `package` for `target`) shipped as `file`.
    pub fn document(
        &mut self,
        file: &Artifact,
        binary: &str,
        package: &str,
        target: &Target,
        metadata: &Metadata,
    ) -> Result<Value> {
        if let Entry::Vacant(slot) = self.metadatas.entry(target.triple.to_owned()) {
            slot.insert(deps::metadata_for(self.project, Some(target))?);
        }
        if let Entry::Vacant(slot) = self.trees.entry(target.triple.to_owned()) {
            // Built together with the target's other packages, as cross-build does.
            let packages = deps::packages_for(&self.def, target);
            let selection: Vec<&str> = packages.iter().map(String::as_str).collect();
            slot.insert(deps::tree(self.project, &selection, target)?);
        }
        let graph = deps::graph(
            &self.metadatas[target.triple],
            &self.trees[target.triple],
            package,
        )?;
        let subject = Subject {
            archive: file,
            binary,
            metadata,
            repository: &self.repository,
        };
        document(&subject, &graph, &self.checksums)
    }
}

/// The release target an artifact was built for.
pub fn target_of(artifact: &Artifact) -> Result<Target> {
    let triple = artifact
        .target
        .as_deref()
        .with_context(|| format!("{} has no target", artifact.name))?;
    TARGETS
        .iter()
        .find(|t| t.triple == triple)
        .copied()
        .with_context(|| format!("{} is built for an unknown target {triple}", artifact.name))
}

/// Writes the SBOM of every archive; returns their artifacts.
pub fn sbom(project: &Project, def: &Definition, out: &OutDir) -> Result<Vec<Artifact>> {
    let metadata = out.metadata()?;
    let manifest = out.manifest()?;
    let archives: Vec<&Artifact> = manifest
        .artifacts
        .iter()
        .filter(|a| a.kind == Kind::Archive)
        .collect();
    if archives.is_empty() {
        bail!(
            "no archives in {}; hint: run cargo xtask package first",
            out.path.display()
        );
    }
    let mut graphs = Graphs::new(project)?;
    let mut artifacts = Vec::new();
    for archive in archives {
        let target = target_of(archive)?;
        let binary = def
            .binaries
            .iter()
            .find(|b| archive.name.starts_with(&format!("{}_", b.name)))
            .with_context(|| {
                format!("no binary of the release definition makes {}", archive.name)
            })?;
        let doc = graphs.document(archive, &binary.name, &binary.package, &target, &metadata)?;
        let name = sbom_name(&archive.name);
        let mut text = serde_json::to_string_pretty(&doc)?;
        text.push('\n');
        fsutil::write_atomically(&out.join(&name), text.as_bytes())?;
        errln!(
            "sbom: {name} ({} packages)",
            doc["packages"].as_array().map_or(0, Vec::len)
        );
        artifacts.push(Artifact::of_file(
            &out.path,
            &name,
            Kind::Sbom,
            Some(target),
        )?);
    }
    out.record(artifacts.clone())?;
    Ok(artifacts)
}

pub fn run(project: &Project, args: &OutArgs) -> Result<()> {
    let def = Definition::load(&project.root)?;
    let out = OutDir::new(project.out_dir(&args.out));
    for artifact in sbom(project, &def, &out)? {
        outln!("{}", artifact.path)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SBOM of the real aicrd for linux/amd64, with a made-up archive.
    fn aicrd_document() -> (Value, Graph) {
        let project = Project::open(None).unwrap();
        let target = Target::parse("x86_64-unknown-linux-musl").unwrap();
        let metadata = deps::metadata_for(&project, Some(&target)).unwrap();
        let tree = deps::tree(&project, &["aicr", "aicrd", "validators"], &target).unwrap();
        let graph = deps::graph(&metadata, &tree, "aicrd").unwrap();
        let archive = Artifact {
            name: "aicrd_1.2.3_linux_amd64.tar.gz".into(),
            path: "aicrd_1.2.3_linux_amd64.tar.gz".into(),
            kind: Kind::Archive,
            target: Some(target.triple.into()),
            os: Some("linux".into()),
            arch: Some("amd64".into()),
            size: 1,
            sha256: "ab".repeat(32),
        };
        let release = Metadata {
            schema_version: 1,
            project: "aicr".into(),
            build: crate::version::BuildStamp {
                version: "1.2.3".into(),
                tag: Some("v1.2.3".into()),
                previous_tag: None,
                commit: "0".repeat(40),
                short_commit: "0000000".into(),
                date: "2026-01-02T03:04:05Z".into(),
                source_date_epoch: 1_767_323_045,
                dirty: false,
            },
            snapshot: false,
        };
        let subject = Subject {
            archive: &archive,
            binary: "aicrd",
            metadata: &release,
            repository: "https://github.com/NVIDIA/aicr",
        };
        let doc = document(&subject, &graph, &lock_checksums(&project).unwrap()).unwrap();
        (doc, graph)
    }

    #[test]
    fn the_aicrd_sbom_validates_against_the_spdx_schema() {
        // Committed with the xtask's test data (see tests/data/README.md).
        let schema_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/schemas/spdx-2.3/spdx-schema.json");
        let bytes = std::fs::read(&schema_path).unwrap_or_else(|e| {
            panic!(
                "the test fixture {} is missing ({e}); it is committed in the repository; hint: git checkout -- xtask/tests/data",
                schema_path.display()
            )
        });
        let schema: Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", schema_path.display()));
        let validator = jsonschema::validator_for(&schema).unwrap();
        let (doc, _) = aicrd_document();
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }

    #[test]
    fn every_linked_crate_appears_once_with_a_purl_and_relationships_resolve() {
        let (doc, _) = aicrd_document();
        let packages = doc["packages"].as_array().unwrap();
        let ids: BTreeSet<&str> = packages
            .iter()
            .map(|p| p["SPDXID"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), packages.len(), "SPDX ids are unique");
        for id in &ids {
            assert!(
                id.strip_prefix("SPDXRef-")
                    .unwrap()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'),
                "{id}"
            );
        }
        for relation in doc["relationships"].as_array().unwrap() {
            for end in ["spdxElementId", "relatedSpdxElement"] {
                let id = relation[end].as_str().unwrap();
                assert!(
                    id == "SPDXRef-DOCUMENT" || ids.contains(id),
                    "dangling {id}"
                );
            }
        }
        let mut listed: Vec<(String, String)> = Vec::new();
        for p in packages
            .iter()
            .filter(|p| p["primaryPackagePurpose"] == "LIBRARY")
        {
            let purl = p["externalRefs"][0]["referenceLocator"].as_str().unwrap();
            let (name, version) = (
                p["name"].as_str().unwrap(),
                p["versionInfo"].as_str().unwrap(),
            );
            assert_eq!(
                purl,
                format!("pkg:cargo/{name}@{version}"),
                "purl of {name}"
            );
            listed.push((name.to_owned(), version.to_owned()));
        }
        // cargo tree is an independent reading of the same graph.
        let project = Project::open(None).unwrap();
        let sh = &project.sh;
        let cargo = project.cargo();
        // Built with the target's other packages, as cross-build does; full subtrees.
        let tree = xshell::cmd!(
            sh,
            "{cargo} tree --locked -p aicr -p aicrd -p validators --target x86_64-unknown-linux-musl -e normal,no-proc-macro --prefix depth --no-dedupe"
        )
        .quiet()
        .read()
        .unwrap();
        let mut in_aicrd = false;
        let mut expected: Vec<(String, String)> = Vec::new();
        for line in tree.lines().filter(|l| !l.is_empty()) {
            let depth: String = line.chars().take_while(char::is_ascii_digit).collect();
            let mut words = line[depth.len()..].split_whitespace();
            let (name, version) = (
                words.next().unwrap(),
                words.next().unwrap().trim_start_matches('v'),
            );
            if depth == "0" {
                in_aicrd = name == "aicrd";
            } else if in_aicrd {
                expected.push((name.to_owned(), version.to_owned()));
            }
        }
        expected.sort();
        expected.dedup();
        listed.sort();
        assert_eq!(listed, expected);
        let root = packages
            .iter()
            .find(|p| p["primaryPackagePurpose"] == "APPLICATION")
            .unwrap();
        assert_eq!(root["checksums"][0]["checksumValue"], "ab".repeat(32));
        assert_eq!(
            root["downloadLocation"],
            "https://github.com/NVIDIA/aicr/releases/download/v1.2.3/aicrd_1.2.3_linux_amd64.tar.gz"
        );
    }

    #[test]
    fn ids_purls_and_licenses() {
        assert_eq!(
            spdx_id("Package", &["unicode_ident", "1.0.0+x"]),
            "SPDXRef-Package-unicode-ident-1.0.0-x"
        );
        assert_eq!(
            purl("serde", "1.0.0+build.1"),
            "pkg:cargo/serde@1.0.0%2Bbuild.1"
        );
        assert_eq!(
            license_expression(Some("MIT/Apache-2.0")),
            "MIT OR Apache-2.0"
        );
        assert_eq!(
            license_expression(Some("Apache-2.0 OR MIT")),
            "Apache-2.0 OR MIT"
        );
        assert_eq!(license_expression(Some("not a license ((")), "NOASSERTION");
        assert_eq!(license_expression(None), "NOASSERTION");
        assert_eq!(
            sbom_name("aicr_1.2.3_linux_amd64.tar.gz"),
            "aicr_1.2.3_linux_amd64.spdx.json"
        );
        assert_eq!(
            sbom_name("aicr_1.2.3_linux_amd64.zip"),
            "aicr_1.2.3_linux_amd64.zip.spdx.json"
        );
    }
}
