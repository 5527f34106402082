// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! What an image's layers install that its SBOM lists besides the binary's crates:
//!
//! - the operating-system packages of the dpkg database (`var/lib/dpkg/status`, and the
//!   one-file-per-package `var/lib/dpkg/status.d/` of distroless-style bases), with the
//!   distribution from `etc/os-release` (or `usr/lib/os-release`);
//! - the Python distributions (`*.dist-info/METADATA` below a `site-packages` or
//!   `dist-packages` directory).
//!
//! Layers are read in order as the image's filesystem is: a later file replaces an
//! earlier one and whiteouts (`.wh.NAME`, `.wh..wh..opq`) remove what lower layers
//! put there. Only the files that matter are kept in memory. Pure over the bytes.

use std::collections::BTreeMap;
use std::io::Read;

use anyhow::{Context, Result};

/// The distribution an image is built on, from `os-release`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsRelease {
    /// `ID`, e.g. `debian` or `ubuntu`.
    pub id: String,
    /// `VERSION_ID`, e.g. `12` or `24.04`.
    pub version_id: Option<String>,
}

/// One installed Debian package.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DebPackage {
    pub name: String,
    pub version: String,
    pub arch: String,
    /// The `License:` field, where the stanza states one.
    pub license: Option<String>,
    /// The source package, when it differs from the binary package.
    pub source: Option<String>,
}

/// One installed Python distribution.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PyDist {
    pub name: String,
    pub version: String,
    /// `License-Expression`, else a one-line `License`.
    pub license: Option<String>,
}

/// What an image installs, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contents {
    pub os: Option<OsRelease>,
    pub debs: Vec<DebPackage>,
    pub python: Vec<PyDist>,
}

/// Whether a path (without leading `/` or `./`) is one the contents are read from.
fn wanted(path: &str) -> bool {
    path == "var/lib/dpkg/status"
        || path.starts_with("var/lib/dpkg/status.d/")
        || path == "etc/os-release"
        || path == "usr/lib/os-release"
        || (path.ends_with(".dist-info/METADATA")
            && (path.contains("/site-packages/") || path.contains("/dist-packages/")))
}

fn normalize(path: &str) -> String {
    path.trim_start_matches("./")
        .trim_start_matches('/')
        .trim_end_matches('/')
        .to_owned()
}

/// Reads the gzip-compressed tar layers of an image, bottom first.
pub fn read_layers<R: Read>(layers: impl IntoIterator<Item = R>) -> Result<Contents> {
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (n, layer) in layers.into_iter().enumerate() {
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(layer));
        for entry in archive
            .entries()
            .with_context(|| format!("layer {n} is not a tar+gzip stream"))?
        {
            let mut entry = entry.with_context(|| format!("a damaged entry in layer {n}"))?;
            let path = normalize(&entry.path()?.to_string_lossy());
            let (dir, name) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
            if name == ".wh..wh..opq" {
                let prefix = format!("{dir}/");
                files.retain(|p, _| !p.starts_with(&prefix));
                continue;
            }
            if let Some(hidden) = name.strip_prefix(".wh.") {
                let gone = if dir.is_empty() {
                    hidden.to_owned()
                } else {
                    format!("{dir}/{hidden}")
                };
                let prefix = format!("{gone}/");
                files.retain(|p, _| *p != gone && !p.starts_with(&prefix));
                continue;
            }
            // Whatever the entry is, it replaces what lower layers had at its path.
            files.remove(&path);
            if !entry.header().entry_type().is_file() || !wanted(&path) {
                continue;
            }
            let mut bytes = Vec::new();
            entry
                .read_to_end(&mut bytes)
                .with_context(|| format!("cannot read {path} in layer {n}"))?;
            files.insert(path, bytes);
        }
    }
    Ok(contents(&files))
}

/// The contents of an image's filesystem, given its wanted files. Pure.
pub fn contents(files: &BTreeMap<String, Vec<u8>>) -> Contents {
    let text = |path: &str| {
        files
            .get(path)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    };
    let os = text("etc/os-release")
        .or_else(|| text("usr/lib/os-release"))
        .and_then(|t| os_release(&t));
    let mut debs = Vec::new();
    for (path, bytes) in files {
        if path == "var/lib/dpkg/status" || path.starts_with("var/lib/dpkg/status.d/") {
            debs.extend(dpkg_status(&String::from_utf8_lossy(bytes)));
        }
    }
    debs.sort();
    debs.dedup();
    let mut python: Vec<PyDist> = files
        .iter()
        .filter(|(p, _)| p.ends_with(".dist-info/METADATA"))
        .filter_map(|(_, bytes)| python_metadata(&String::from_utf8_lossy(bytes)))
        .collect();
    python.sort();
    python.dedup();
    Contents { os, debs, python }
}

/// Parses `os-release` (`KEY=value`, values optionally quoted).
pub fn os_release(text: &str) -> Option<OsRelease> {
    let mut fields = BTreeMap::new();
    for line in text.lines() {
        if let Some((key, value)) = line.split_once('=') {
            let value = value.trim().trim_matches('"').trim_matches('\'');
            fields.insert(key.trim(), value.to_owned());
        }
    }
    Some(OsRelease {
        id: fields.get("ID")?.clone(),
        version_id: fields.get("VERSION_ID").cloned(),
    })
}

/// The stanzas of a deb822 file (`Field: value`, continuation lines start with a space).
fn stanzas(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut out = Vec::new();
    let mut current: BTreeMap<String, String> = BTreeMap::new();
    let mut last: Option<String> = None;
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            last = None;
        } else if line.starts_with([' ', '\t']) {
            if let Some(value) = last.as_ref().and_then(|k| current.get_mut(k)) {
                value.push('\n');
                value.push_str(line.trim());
            }
        } else if let Some((key, value)) = line.split_once(':') {
            current.insert(key.trim().to_owned(), value.trim().to_owned());
            last = Some(key.trim().to_owned());
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The installed packages of a dpkg status file. A stanza with a `Status` field counts
/// only when it is `install ok installed`; distroless `status.d` files have none.
pub fn dpkg_status(text: &str) -> Vec<DebPackage> {
    stanzas(text)
        .into_iter()
        .filter(|s| {
            s.get("Status")
                .is_none_or(|status| status.split_whitespace().last() == Some("installed"))
        })
        .filter_map(|s| {
            let name = s.get("Package")?.clone();
            let version = s.get("Version")?.clone();
            let source = s
                .get("Source")
                .and_then(|src| src.split_whitespace().next())
                .filter(|src| *src != name)
                .map(str::to_owned);
            Some(DebPackage {
                arch: s
                    .get("Architecture")
                    .cloned()
                    .unwrap_or_else(|| "all".into()),
                license: s
                    .get("License")
                    .map(|l| l.lines().next().unwrap_or("").to_owned()),
                name,
                version,
                source,
            })
        })
        .collect()
}

/// The name, version and license of a `METADATA` file (core metadata, RFC 822 headers
/// up to the first blank line).
pub fn python_metadata(text: &str) -> Option<PyDist> {
    let header = text.split("\n\n").next().unwrap_or(text);
    let fields = stanzas(header).into_iter().next()?;
    let license = fields
        .get("License-Expression")
        .or_else(|| {
            fields
                .get("License")
                .filter(|l| !l.contains('\n') && l.len() <= 100)
        })
        .filter(|l| !l.is_empty() && *l != "UNKNOWN")
        .cloned();
    Some(PyDist {
        name: fields.get("Name")?.clone(),
        version: fields.get("Version")?.clone(),
        license,
    })
}

/// Percent-encodes what a purl version may not carry literally.
fn purl_version(version: &str) -> String {
    version
        .replace('%', "%25")
        .replace(':', "%3A")
        .replace('+', "%2B")
}

/// `pkg:deb/<distro>/<name>@<version>?arch=<arch>&distro=<id>-<version_id>`.
pub fn deb_purl(package: &DebPackage, os: Option<&OsRelease>) -> String {
    let namespace = os.map_or("debian", |o| o.id.as_str());
    let mut purl = format!(
        "pkg:deb/{namespace}/{}@{}?arch={}",
        package.name,
        purl_version(&package.version),
        package.arch
    );
    if let Some(os) = os
        && let Some(version) = &os.version_id
    {
        purl.push_str(&format!("&distro={}-{version}", os.id));
    }
    purl
}

/// `pkg:pypi/<normalized name>@<version>` (PEP 503 names: lowercase, runs of `-_.` as `-`).
pub fn pypi_purl(dist: &PyDist) -> String {
    let mut name = String::new();
    for c in dist.name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !name.ends_with('-') {
                name.push('-');
            }
        } else {
            name.push(c.to_ascii_lowercase());
        }
    }
    format!("pkg:pypi/{name}@{}", purl_version(&dist.version))
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9+deb12u4\nSource: glibc\nDescription: GNU C Library\n  shared libraries\n\nPackage: gone\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1.0\n\nPackage: tzdata\nStatus: install ok installed\nArchitecture: all\nVersion: 2024a-0+deb12u1\nLicense: public-domain\n";

    fn layer(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut tar = tar::Builder::new(Vec::new());
        for (path, bytes) in files {
            let mut header = tar::Header::new_ustar();
            header.set_path(path).unwrap();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append(&header, *bytes).unwrap();
        }
        let raw = tar.into_inner().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &raw).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn dpkg_status_lists_installed_packages_only() {
        let debs = dpkg_status(STATUS);
        assert_eq!(debs.len(), 2);
        assert_eq!(debs[0].name, "libc6");
        assert_eq!(debs[0].source.as_deref(), Some("glibc"));
        assert_eq!(debs[0].license, None);
        assert_eq!(debs[1].license.as_deref(), Some("public-domain"));
        let os = OsRelease {
            id: "debian".into(),
            version_id: Some("12".into()),
        };
        assert_eq!(
            deb_purl(&debs[0], Some(&os)),
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12"
        );
        let epoch = DebPackage {
            name: "perl".into(),
            version: "1:5.36".into(),
            arch: "arm64".into(),
            license: None,
            source: None,
        };
        assert_eq!(
            deb_purl(&epoch, None),
            "pkg:deb/debian/perl@1%3A5.36?arch=arm64"
        );
    }

    #[test]
    fn python_metadata_and_purls() {
        let dist = python_metadata(
            "Metadata-Version: 2.4\nName: Zope.Interface_x\nVersion: 7.0\nLicense-Expression: ZPL-2.1\n\nlong description\nName: not-this\n",
        )
        .unwrap();
        assert_eq!(dist.name, "Zope.Interface_x");
        assert_eq!(dist.license.as_deref(), Some("ZPL-2.1"));
        assert_eq!(pypi_purl(&dist), "pkg:pypi/zope-interface-x@7.0");
        let unknown = python_metadata("Name: a\nVersion: 1\nLicense: UNKNOWN\n").unwrap();
        assert_eq!(unknown.license, None);
    }

    #[test]
    fn layers_apply_in_order_with_whiteouts() {
        let base = layer(&[
            ("etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n"),
            ("var/lib/dpkg/status", STATUS.as_bytes()),
            (
                "var/lib/dpkg/status.d/base-files",
                b"Package: base-files\nVersion: 12.4\nArchitecture: amd64\n",
            ),
            (
                "usr/lib/python3/dist-packages/old-1.0.dist-info/METADATA",
                b"Name: old\nVersion: 1.0\n",
            ),
            ("usr/share/doc/libc6/copyright", b"not read"),
        ]);
        let top = layer(&[
            ("usr/lib/python3/dist-packages/.wh.old-1.0.dist-info", b""),
            (
                "./usr/local/lib/python3.12/site-packages/x-1.0.dist-info/METADATA",
                b"Name: x\nVersion: 1.0\nLicense: MIT\n",
            ),
            ("var/lib/dpkg/status.d/.wh.base-files", b""),
        ]);
        let contents = read_layers([&base[..], &top[..]]).unwrap();
        assert_eq!(contents.os.as_ref().unwrap().id, "debian");
        let names: Vec<&str> = contents.debs.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["libc6", "tzdata"]);
        assert_eq!(contents.python.len(), 1);
        assert_eq!(contents.python[0].name, "x");
        assert_eq!(contents.python[0].license.as_deref(), Some("MIT"));
        assert!(read_layers([&b"not gzip"[..]]).is_err());
    }
}
