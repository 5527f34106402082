// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Python wheels for the images that run a Python application (`python = { … }` of an
//! `[[image]]`), installed without pip:
//!
//! - the lock (`dist/<image>.lock`, TOML): the interpreter version, requirements and
//!   platforms it was resolved for, and every wheel (name, version, file name, URL,
//!   SHA-256, the platforms that install it), written by `cargo xtask images --lock`;
//! - fetching: each wheel by its URL into a cache (`target/tools/wheels/`), its SHA-256
//!   checked against the lock;
//! - installing, as the binary distribution format (PEP 427) says, into the nodes of
//!   one image layer: the wheel's root and `<name>.data/purelib|platlib` into
//!   `site-packages`, `.data/scripts` into `/usr/local/bin` (`#!python` rewritten to the
//!   interpreter), `.data/headers` into `/usr/local/include/python<version>/<name>`,
//!   `.data/data` into `/usr/local`; console and GUI scripts of `entry_points.txt` as
//!   launchers in `/usr/local/bin`; `INSTALLER` added and `RECORD` rewritten with every
//!   installed file. No bytecode is compiled. Every file of a wheel must match the
//!   SHA-256 its `RECORD` gives; absolute paths, `..`, links, two wheels installing
//!   one file and a wheel whose SHA-256 differs from the lock are refused, each error
//!   naming the wheel. Pure but for fetching: the same wheels give the same nodes.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::dist::PythonApp;
use crate::fsutil;
use crate::oci::Node;

/// The format of the lock files this module reads and writes.
pub const LOCK_VERSION: u32 = 1;
/// What `INSTALLER` of every installed distribution says.
pub const INSTALLER: &str = "aicr-xtask";

/// A lock: what was resolved for which interpreter and platforms, and the wheels.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    pub version: u32,
    /// The interpreter version resolved for, e.g. `3.12`.
    pub python: String,
    /// The requirements resolved, as the image's definition gives them.
    pub requirements: Vec<String>,
    /// `linux/<arch>` of every platform resolved for.
    pub platforms: Vec<String>,
    #[serde(rename = "wheel", default)]
    pub wheels: Vec<LockedWheel>,
}

/// One wheel of a lock.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedWheel {
    /// The distribution's name as its metadata gives it.
    pub name: String,
    pub version: String,
    /// The wheel's file name, e.g. `aiperf-0.13.0-py3-none-any.whl`.
    pub filename: String,
    pub url: String,
    /// Lowercase hex.
    pub sha256: String,
    /// The `linux/<arch>` platforms that install it.
    pub platforms: Vec<String>,
}

impl LockedWheel {
    /// `pkg:pypi/<normalized name>@<version>`, as the image SBOMs write it.
    pub fn purl(&self) -> String {
        crate::image_contents::pypi_purl(&crate::image_contents::PyDist {
            name: self.name.clone(),
            version: self.version.clone(),
            license: None,
        })
    }
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Lock {
    /// Parses and checks a lock's text.
    pub fn parse(text: &str) -> Result<Lock> {
        let mut lock: Lock = toml_edit::de::from_str(text)
            .map_err(|e| anyhow::anyhow!("{}", e.to_string().trim()))?;
        if lock.version != LOCK_VERSION {
            bail!(
                "lock format {} is not {LOCK_VERSION}; hint: write it again with cargo xtask images --lock NAME",
                lock.version
            );
        }
        let mut names = BTreeSet::new();
        for wheel in &lock.wheels {
            let f = &wheel.filename;
            if !f.ends_with(".whl") || f.contains(['/', '\\', '\0']) || f.starts_with('.') {
                bail!("wheel '{f}': the file name must be a plain <name>-<version>-…whl");
            }
            if !is_sha256_hex(&wheel.sha256) {
                bail!(
                    "wheel {f}: sha256 '{}' is not 64 lowercase hex digits",
                    wheel.sha256
                );
            }
            if !(wheel.url.starts_with("https://") || wheel.url.starts_with("http://")) {
                bail!("wheel {f}: url '{}' is not http(s)", wheel.url);
            }
            if let Some(p) = wheel.platforms.iter().find(|p| !lock.platforms.contains(p)) {
                bail!("wheel {f}: platform {p} is not one of the lock's platforms");
            }
            if wheel.platforms.is_empty() {
                bail!("wheel {f} names no platform");
            }
            if !names.insert(f.clone()) {
                bail!("wheel {f} is listed twice");
            }
        }
        lock.wheels.sort_by(|a, b| {
            (normalize(&a.name), &a.filename).cmp(&(normalize(&b.name), &b.filename))
        });
        Ok(lock)
    }

    /// Reads the lock of a Python image and checks that it is the lock of `python` for
    /// the image platforms: a stale lock is an error naming the command that writes it.
    pub fn load(root: &Path, image: &str, python: &PythonApp) -> Result<Lock> {
        let path = root.join(&python.lock);
        let hint = format!("hint: cargo xtask images --lock {image}");
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "image {image}: cannot read its lock {}; {hint}",
                python.lock
            )
        })?;
        let lock = Lock::parse(&text)
            .with_context(|| format!("image {image}: invalid lock {}", python.lock))?;
        let stale = if lock.python != python.version {
            Some(format!("Python {}, not {}", lock.python, python.version))
        } else if lock.requirements != python.requirements {
            Some(format!(
                "requirements {:?}, not {:?}",
                lock.requirements, python.requirements
            ))
        } else if lock.platforms != python.platforms {
            Some(format!(
                "platforms {:?}, not {:?}",
                lock.platforms, python.platforms
            ))
        } else {
            None
        };
        if let Some(what) = stale {
            bail!(
                "image {image}: the lock {} was resolved for {what}; {hint}",
                python.lock
            );
        }
        for platform in &lock.platforms {
            if lock.for_platform(platform).is_empty() {
                bail!(
                    "image {image}: the lock {} has no wheel for {platform}; {hint}",
                    python.lock
                );
            }
        }
        Ok(lock)
    }

    /// The wheels `platform` (`linux/<arch>`) installs, in lock order.
    pub fn for_platform(&self, platform: &str) -> Vec<&LockedWheel> {
        self.wheels
            .iter()
            .filter(|w| w.platforms.iter().any(|p| p == platform))
            .collect()
    }

    /// The lock as its file holds it: a header naming the command that writes it, then
    /// the fields, wheels sorted by name and file name.
    pub fn render(&self, image: &str) -> String {
        let list = |items: &[String]| -> String {
            let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
            format!("[{}]", quoted.join(", "))
        };
        let mut out = String::new();
        out.push_str("# SPDX-License-Identifier: Apache-2.0\n");
        out.push_str(
            "# Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.\n",
        );
        out.push_str("#\n");
        out.push_str(&format!(
            "# The wheels of the {image} image, for each platform. Written by\n# `cargo xtask images --lock {image}` from the image's python table in\n# dist/release.toml; not edited by hand.\n"
        ));
        out.push_str(&format!("version = {}\n", self.version));
        out.push_str(&format!("python = {}\n", quote(&self.python)));
        out.push_str(&format!("requirements = {}\n", list(&self.requirements)));
        out.push_str(&format!("platforms = {}\n", list(&self.platforms)));
        let mut wheels = self.wheels.clone();
        wheels.sort_by(|a, b| {
            (normalize(&a.name), &a.filename).cmp(&(normalize(&b.name), &b.filename))
        });
        for w in &wheels {
            out.push_str("\n[[wheel]]\n");
            out.push_str(&format!("name = {}\n", quote(&w.name)));
            out.push_str(&format!("version = {}\n", quote(&w.version)));
            out.push_str(&format!("filename = {}\n", quote(&w.filename)));
            out.push_str(&format!("url = {}\n", quote(&w.url)));
            out.push_str(&format!("sha256 = {}\n", quote(&w.sha256)));
            out.push_str(&format!("platforms = {}\n", list(&w.platforms)));
        }
        out
    }
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A distribution name compared as PEP 503 does: lowercase, runs of `-_.` as `-`.
pub fn normalize(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The wheel cache: `wheels/` of the tools directory (`target/tools/wheels/`).
pub fn cache_dir(project: &crate::project::Project) -> PathBuf {
    crate::tools::dir(project).join("wheels")
}

/// Fetches wheels by URL into a cache directory, each checked against its SHA-256.
pub struct Fetcher {
    agent: ureq::Agent,
    cache: PathBuf,
}

impl Fetcher {
    pub fn new(cache: PathBuf) -> Fetcher {
        Fetcher {
            agent: crate::http::config().build().into(),
            cache,
        }
    }

    /// Whether the cache holds `wheel` already (checked by its SHA-256).
    fn cached(&self, wheel: &LockedWheel) -> Option<PathBuf> {
        let path = self.cache.join(&wheel.filename);
        let (hex, _) = fsutil::sha256_file(&path).ok()?;
        (hex == wheel.sha256).then_some(path)
    }

    /// The cached file of `wheel`, downloaded first when the cache lacks it (or holds
    /// other bytes under its name). Returns the path and whether it was downloaded.
    pub fn fetch(&self, wheel: &LockedWheel) -> Result<(PathBuf, bool)> {
        if let Some(path) = self.cached(wheel) {
            return Ok((path, false));
        }
        let f = &wheel.filename;
        std::fs::create_dir_all(&self.cache)
            .with_context(|| format!("cannot create {}", self.cache.display()))?;
        let response = self
            .agent
            .get(&wheel.url)
            .call()
            .with_context(|| format!("wheel {f}: cannot fetch {}", wheel.url))?;
        let status = response.status().as_u16();
        if status != 200 {
            bail!("wheel {f}: {} answered HTTP {status}", wheel.url);
        }
        let mut tmp = tempfile::Builder::new()
            .prefix(".tmp-wheel-")
            .tempfile_in(&self.cache)
            .with_context(|| format!("cannot create a file in {}", self.cache.display()))?;
        let mut reader = response.into_body().into_reader();
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(e).with_context(|| format!("wheel {f}: the download broke off"));
                }
            };
            hasher.update(&buf[..n]);
            tmp.write_all(&buf[..n])
                .with_context(|| format!("cannot write into {}", self.cache.display()))?;
        }
        let actual = fsutil::hex(&hasher.finalize());
        if actual != wheel.sha256 {
            bail!(
                "wheel {f}: {} served sha256 {actual}, the lock has {}; hint: check the URL, then write the lock again with cargo xtask images --lock NAME",
                wheel.url,
                wheel.sha256
            );
        }
        tmp.as_file_mut().flush()?;
        let path = self.cache.join(f);
        tmp.persist(&path)
            .with_context(|| format!("cannot move the wheel into {}", path.display()))?;
        Ok((path, true))
    }
}

/// Where an interpreter `/usr/local/bin/python<version>` (the official Python images'
/// layout) keeps what a wheel installs; paths below `/`, without a leading slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheme {
    pub version: String,
}

impl Scheme {
    pub fn new(version: &str) -> Scheme {
        Scheme {
            version: version.to_owned(),
        }
    }

    /// purelib and platlib: `usr/local/lib/python<version>/site-packages`.
    pub fn site(&self) -> String {
        format!("usr/local/lib/python{}/site-packages", self.version)
    }

    pub fn scripts(&self) -> &'static str {
        "usr/local/bin"
    }

    pub fn data(&self) -> &'static str {
        "usr/local"
    }

    pub fn headers(&self, name: &str) -> String {
        format!("usr/local/include/python{}/{name}", self.version)
    }

    /// The interpreter scripts start with.
    pub fn interpreter(&self) -> String {
        format!("/usr/local/bin/python{}", self.version)
    }
}

/// Installs wheels into the nodes of one layer; each file belongs to one wheel.
pub struct Installer {
    scheme: Scheme,
    nodes: BTreeMap<String, Node>,
    /// The wheel that installed each file.
    owners: BTreeMap<String, String>,
}

/// A file of a wheel: its bytes and whether it is executable.
struct Entry {
    bytes: Vec<u8>,
    executable: bool,
}

fn record_hash(bytes: &[u8]) -> String {
    format!(
        "sha256={}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(bytes))
    )
}

/// Whether a wheel's entry name is a normalized relative path.
fn safe_entry(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.contains(['\\', '\0'])
        && name
            .trim_end_matches('/')
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
}

/// The fields of one CSV line (RFC 4180 quoting).
fn csv_fields(line: &str) -> Result<Vec<String>> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (_, c) => field.push(c),
        }
    }
    if quoted {
        bail!("an unterminated quote");
    }
    fields.push(field);
    Ok(fields)
}

fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

/// `path` relative to the directory `from` (both below `/`, without leading slash).
fn relative_to(path: &str, from: &str) -> String {
    let p: Vec<&str> = path.split('/').collect();
    let f: Vec<&str> = from.split('/').collect();
    let common = p.iter().zip(&f).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; f.len() - common];
    parts.extend(&p[common..]);
    parts.join("/")
}

/// Whether `s` is a dotted Python name of ASCII identifiers.
fn dotted_name(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|part| {
            let mut bytes = part.bytes();
            bytes
                .next()
                .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
                && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
}

/// The console and GUI scripts of an `entry_points.txt`: (name, module, attribute).
fn console_scripts(text: &str) -> Result<Vec<(String, String, String)>> {
    let mut scripts = Vec::new();
    let mut section = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_owned();
            continue;
        }
        if section != "console_scripts" && section != "gui_scripts" {
            continue;
        }
        let (name, value) = line
            .split_once('=')
            .with_context(|| format!("'{line}' is not name = module:attribute"))?;
        let name = name.trim();
        // Extras (`module:attr [extra]`) change nothing installed here.
        let value = value.split('[').next().unwrap_or_default().trim();
        let bad_name = name.is_empty()
            || name.starts_with('.')
            || name
                .chars()
                .any(|c| c == '/' || c == '\\' || c.is_whitespace() || c.is_control());
        if bad_name {
            bail!("console script name '{name}' is not a plain file name");
        }
        let (module, attr) = value
            .split_once(':')
            .map(|(m, a)| (m.trim(), a.trim()))
            .filter(|(m, a)| dotted_name(m) && dotted_name(a))
            .with_context(|| format!("console script {name}: '{value}' is not module:attribute"))?;
        scripts.push((name.to_owned(), module.to_owned(), attr.to_owned()));
    }
    Ok(scripts)
}

/// The launcher of a console script, as pip writes one.
fn launcher(interpreter: &str, module: &str, attr: &str) -> String {
    let head = attr.split('.').next().unwrap_or(attr);
    format!(
        "#!{interpreter}\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom {module} import {head}\nif __name__ == \"__main__\":\n    sys.argv[0] = re.sub(r\"(-script\\.pyw|\\.exe)?$\", \"\", sys.argv[0])\n    sys.exit({attr}())\n"
    )
}

/// The header fields of a `WHEEL` or `METADATA` file.
fn header_fields(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

impl Installer {
    pub fn new(scheme: Scheme) -> Installer {
        Installer {
            scheme,
            nodes: BTreeMap::new(),
            owners: BTreeMap::new(),
        }
    }

    /// The layer's nodes: every installed file and its parent directories.
    pub fn finish(self) -> BTreeMap<String, Node> {
        self.nodes
    }

    /// Adds one file, refusing a path another wheel (or this one) installed already,
    /// or one that a directory holds.
    fn put(&mut self, wheel: &str, path: String, bytes: Vec<u8>, mode: u32) -> Result<()> {
        if let Some(owner) = self.owners.get(&path) {
            bail!("wheel {wheel}: /{path} is installed by wheel {owner} too");
        }
        if matches!(self.nodes.get(&path), Some(Node::Dir { .. })) {
            bail!("wheel {wheel}: /{path} is a directory of another file");
        }
        let parents = path.rsplit_once('/').map_or("", |(dir, _)| dir);
        let mut prefix = String::new();
        for part in parents.split('/').filter(|p| !p.is_empty()) {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            if let Some(owner) = self.owners.get(&prefix) {
                bail!(
                    "wheel {wheel}: /{path} needs a directory where wheel {owner} installs the file /{prefix}"
                );
            }
        }
        crate::oci::with_parents(&mut self.nodes, &path);
        self.owners.insert(path.clone(), wheel.to_owned());
        self.nodes.insert(path, Node::File { bytes, mode });
        Ok(())
    }

    /// Installs one wheel of the lock from its bytes.
    pub fn add(&mut self, wheel: &LockedWheel, bytes: &[u8]) -> Result<()> {
        let f = wheel.filename.as_str();
        let actual = fsutil::hex(&Sha256::digest(bytes));
        if actual != wheel.sha256 {
            bail!(
                "wheel {f}: its sha256 is {actual}, the lock has {}; hint: remove it from target/tools/wheels and build again",
                wheel.sha256
            );
        }
        self.add_checked(wheel, bytes)
            .with_context(|| format!("cannot install wheel {f}"))
    }

    /// Installs the checked wheel `bytes` of `wheel`: checks its entries, `.dist-info`
    /// and RECORD, puts each file where the scheme says, a launcher for each console
    /// script, and writes INSTALLER and the RECORD of what was installed.
    fn add_checked(&mut self, wheel: &LockedWheel, bytes: &[u8]) -> Result<()> {
        let f = wheel.filename.as_str();
        let files = wheel_entries(f, bytes)?;
        let info = dist_info(f, &files, &wheel.name)?;
        let unsigned = check_record(f, &files, &info)?;
        let site = self.scheme.site();
        let interpreter = self.scheme.interpreter();
        let entry_points = files
            .get(&format!("{info}/entry_points.txt"))
            .map(|e| String::from_utf8_lossy(&e.bytes).into_owned());
        let mut installed = self.install_files(f, files, &info, &unsigned)?;
        if let Some(text) = entry_points {
            let scripts = console_scripts(&text)
                .with_context(|| format!("wheel {f}: its entry_points.txt"))?;
            for (name, module, attr) in scripts {
                let path = format!("{}/{name}", self.scheme.scripts());
                let bytes = launcher(&interpreter, &module, &attr).into_bytes();
                installed.push((path.clone(), bytes.clone()));
                self.put(f, path, bytes, 0o755)?;
            }
        }
        let installer = format!("{INSTALLER}\n").into_bytes();
        let installer_path = format!("{site}/{info}/INSTALLER");
        installed.push((installer_path.clone(), installer.clone()));
        self.put(f, installer_path, installer, 0o644)?;
        let record = installed_record(&installed, &site, &info);
        self.put(
            f,
            format!("{site}/{info}/RECORD"),
            record.into_bytes(),
            0o644,
        )
    }

    /// Puts each file of wheel `f` (`files`, but the `unsigned` RECORD files) where
    /// the scheme says: the root and `<stem>.data/purelib|platlib` into site-packages,
    /// `scripts` (a `#!python` line made the interpreter's) and the rest of `.data`
    /// into their directories. The paths and bytes installed.
    fn install_files(
        &mut self,
        f: &str,
        files: BTreeMap<String, Entry>,
        info: &str,
        unsigned: &[String],
    ) -> Result<Vec<(String, Vec<u8>)>> {
        let stem = info.trim_end_matches(".dist-info");
        let project = stem.rsplit_once('-').map_or(stem, |(name, _)| name);
        let data = format!("{stem}.data");
        let site = self.scheme.site();
        let interpreter = self.scheme.interpreter();
        let mut installed: Vec<(String, Vec<u8>)> = Vec::new();
        for (path, entry) in files {
            if unsigned.contains(&path) {
                continue;
            }
            let mut bytes = entry.bytes;
            let mut mode = if entry.executable { 0o755 } else { 0o644 };
            let target = match path.strip_prefix(&format!("{data}/")) {
                None => format!("{site}/{path}"),
                Some(rest) => {
                    let (key, rest) = rest.split_once('/').with_context(|| {
                        format!("wheel {f}: {path} is not inside a {data}/<scheme> directory")
                    })?;
                    match key {
                        "purelib" | "platlib" => format!("{site}/{rest}"),
                        "scripts" => {
                            bytes = with_interpreter(bytes, &interpreter);
                            mode = 0o755;
                            format!("{}/{rest}", self.scheme.scripts())
                        }
                        "headers" => format!("{}/{rest}", self.scheme.headers(project)),
                        "data" => format!("{}/{rest}", self.scheme.data()),
                        other => bail!(
                            "wheel {f}: {path} is in {data}/{other}, which is not purelib, platlib, scripts, headers or data"
                        ),
                    }
                }
            };
            installed.push((target.clone(), bytes.clone()));
            self.put(f, target, bytes, mode)?;
        }
        Ok(installed)
    }
}

/// The files of wheel `f` (its zip `bytes`), by path: an error for an entry outside
/// the wheel, a symbolic link, an unreadable or a repeated entry.
fn wheel_entries(f: &str, bytes: &[u8]) -> Result<BTreeMap<String, Entry>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .with_context(|| format!("wheel {f} is not a zip archive"))?;
    let mut files: BTreeMap<String, Entry> = BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .with_context(|| format!("wheel {f}: entry {i} cannot be read"))?;
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        if !safe_entry(&name) {
            bail!("wheel {f}: entry '{name}' is not a relative path inside the wheel");
        }
        if entry.is_symlink() {
            bail!("wheel {f}: entry '{name}' is a symbolic link");
        }
        if entry.is_dir() {
            continue;
        }
        let executable = entry.unix_mode().is_some_and(|m| m & 0o111 != 0);
        let mut content = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
        entry
            .read_to_end(&mut content)
            .with_context(|| format!("wheel {f}: entry '{name}' cannot be read"))?;
        let entry = Entry {
            bytes: content,
            executable,
        };
        if files.insert(name.clone(), entry).is_some() {
            bail!("wheel {f}: entry '{name}' is there twice");
        }
    }
    Ok(files)
}

/// The text of file `path` of wheel `f`.
fn wheel_text(f: &str, files: &BTreeMap<String, Entry>, path: &str) -> Result<String> {
    let entry = files
        .get(path)
        .with_context(|| format!("wheel {f} has no {path}"))?;
    String::from_utf8(entry.bytes.clone())
        .with_context(|| format!("wheel {f}: {path} is not UTF-8"))
}

/// The one `.dist-info` directory at the root of wheel `f` that holds WHEEL: it must
/// be of distribution `name`, and its WHEEL of Wheel-Version 1.x.
fn dist_info(f: &str, files: &BTreeMap<String, Entry>, name: &str) -> Result<String> {
    let infos: BTreeSet<&str> = files
        .keys()
        .filter_map(|p| p.split_once('/'))
        .filter(|(dir, rest)| dir.ends_with(".dist-info") && *rest == "WHEEL")
        .map(|(dir, _)| dir)
        .collect();
    let info = match infos.len() {
        1 => infos.into_iter().next().unwrap_or_default().to_owned(),
        0 => bail!("wheel {f} has no <name>-<version>.dist-info/WHEEL"),
        _ => bail!("wheel {f} has several .dist-info directories: {infos:?}"),
    };
    let stem = info.trim_end_matches(".dist-info");
    let project = stem.rsplit_once('-').map_or(stem, |(name, _)| name);
    if normalize(project) != normalize(name) {
        bail!("wheel {f}: its {info} is not of {name}, the distribution the lock names");
    }
    let fields = header_fields(&wheel_text(f, files, &format!("{info}/WHEEL"))?);
    let major = fields
        .get("Wheel-Version")
        .and_then(|v| v.split('.').next())
        .with_context(|| format!("wheel {f}: its WHEEL has no Wheel-Version"))?;
    if major != "1" {
        bail!("wheel {f}: Wheel-Version {major}.x is not supported (1.x is)");
    }
    Ok(info)
}

/// Checks that every file of wheel `f` is in the RECORD of `info` with its SHA-256,
/// and that RECORD lists nothing else. The files RECORD cannot list: itself and its
/// signatures.
fn check_record(f: &str, files: &BTreeMap<String, Entry>, info: &str) -> Result<Vec<String>> {
    let record_path = format!("{info}/RECORD");
    let unsigned = vec![
        record_path.clone(),
        format!("{info}/RECORD.jws"),
        format!("{info}/RECORD.p7s"),
    ];
    let mut recorded: BTreeMap<String, String> = BTreeMap::new();
    for (n, line) in wheel_text(f, files, &record_path)?.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields =
            csv_fields(line).with_context(|| format!("wheel {f}: line {} of its RECORD", n + 1))?;
        let path = fields.first().cloned().unwrap_or_default();
        let hash = fields.get(1).cloned().unwrap_or_default();
        recorded.insert(path, hash);
    }
    for (path, entry) in files {
        if unsigned.contains(path) {
            continue;
        }
        let hash = recorded
            .get(path)
            .with_context(|| format!("wheel {f}: {path} is not listed in its RECORD"))?;
        let Some(expected) = hash.strip_prefix("sha256=") else {
            bail!("wheel {f}: RECORD gives {path} no sha256 ('{hash}'); only sha256 is accepted");
        };
        if record_hash(&entry.bytes) != format!("sha256={expected}") {
            bail!("wheel {f}: {path} does not match the sha256 its RECORD gives");
        }
    }
    if let Some(path) = recorded
        .keys()
        .find(|p| !files.contains_key(*p) && !unsigned.contains(*p))
    {
        bail!("wheel {f}: its RECORD lists {path}, which the wheel lacks");
    }
    Ok(unsigned)
}

/// A script's `bytes` with a `#!python` first line made `#!interpreter`.
fn with_interpreter(bytes: Vec<u8>, interpreter: &str) -> Vec<u8> {
    if !bytes.starts_with(b"#!python") {
        return bytes;
    }
    let end = bytes
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(bytes.len());
    let mut rewritten = format!("#!{interpreter}").into_bytes();
    rewritten.extend_from_slice(&bytes[end..]);
    rewritten
}

/// The RECORD of the `installed` files (paths and bytes), paths relative to `site`,
/// with a row for the RECORD of `info` itself, sorted.
fn installed_record(installed: &[(String, Vec<u8>)], site: &str, info: &str) -> String {
    let mut rows: Vec<String> = installed
        .iter()
        .map(|(path, bytes)| {
            format!(
                "{},{},{}",
                csv_field(&relative_to(path, site)),
                record_hash(bytes),
                bytes.len()
            )
        })
        .collect();
    rows.push(format!("{},,", csv_field(&format!("{info}/RECORD"))));
    rows.sort();
    let mut record = rows.join("\n");
    record.push('\n');
    record
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::linux_platforms as platforms;

    #[test]
    fn csv_and_relative_paths() {
        assert_eq!(
            csv_fields("a,sha256=x,12").unwrap(),
            ["a", "sha256=x", "12"]
        );
        assert_eq!(csv_fields("\"a,b\"\"c\",,").unwrap(), ["a,b\"c", "", ""]);
        assert!(csv_fields("\"open,1").is_err());
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        let site = "usr/local/lib/python3.12/site-packages";
        assert_eq!(relative_to(&format!("{site}/x/y.py"), site), "x/y.py");
        assert_eq!(
            relative_to("usr/local/bin/aiperf", site),
            "../../../bin/aiperf"
        );
        assert_eq!(
            relative_to("usr/local/include/python3.12/x/x.h", site),
            "../../../include/python3.12/x/x.h"
        );
    }

    #[test]
    fn entry_points_become_checked_launchers() {
        let text = "[console_scripts]\naiperf = aiperf.cli:app\nx-tool = x.main:cli.run [extra]\n\n[other]\nno = such:thing\n[gui_scripts]\ng=g:main\n";
        let scripts = console_scripts(text).unwrap();
        assert_eq!(
            scripts,
            [
                ("aiperf".into(), "aiperf.cli".into(), "app".into()),
                ("x-tool".into(), "x.main".into(), "cli.run".into()),
                ("g".into(), "g".into(), "main".into()),
            ]
        );
        let script = launcher("/usr/local/bin/python3.12", "x.main", "cli.run");
        assert!(script.starts_with("#!/usr/local/bin/python3.12\n"));
        assert!(script.contains("from x.main import cli\n"));
        assert!(script.contains("sys.exit(cli.run())"));
        for (bad, needle) in [
            (
                "[console_scripts]\n../x = a:b\n",
                "is not a plain file name",
            ),
            (
                "[console_scripts]\nx = a;import os:b\n",
                "is not module:attribute",
            ),
            ("[console_scripts]\nx = a\n", "is not module:attribute"),
            ("[console_scripts]\nx\n", "is not name = module:attribute"),
        ] {
            let err = format!("{:#}", console_scripts(bad).unwrap_err());
            assert!(err.contains(needle), "{bad:?}: {err}");
        }
    }

    #[test]
    fn entry_names_are_relative_paths_inside() {
        for ok in ["x/__init__.py", "x-1.0.dist-info/RECORD", "dir/"] {
            assert!(safe_entry(ok), "{ok}");
        }
        for bad in [
            "/etc/passwd",
            "../x",
            "x/../../y",
            "x//y",
            "./x",
            "x\\y",
            "",
        ] {
            assert!(!safe_entry(bad), "{bad}");
        }
    }

    /// A zip of `files` (name, bytes, unix mode), as wheels are.
    fn zip_of(files: &[(String, Vec<u8>, u32)]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, bytes, mode) in files {
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .unix_permissions(*mode);
            zip.start_file(name.as_str(), options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    /// The files of the test wheel x 1.0, without RECORD.
    fn x_files() -> Vec<(String, Vec<u8>, u32)> {
        [
            ("x/__init__.py", "def main():\n    return 0\n", 0o644),
            ("x/cli.py", "def run():\n    return 0\n", 0o644),
            ("x/_native.so", "\x7fELF", 0o755),
            (
                "x-1.0.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: x\nVersion: 1.0\nLicense: MIT\n",
                0o644,
            ),
            (
                "x-1.0.dist-info/WHEEL",
                "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
                0o644,
            ),
            (
                "x-1.0.dist-info/entry_points.txt",
                "[console_scripts]\nx = x:main\nx-cli = x.cli:run\n",
                0o644,
            ),
            (
                "x-1.0.data/scripts/x-script",
                "#!python\nprint('x')\n",
                0o644,
            ),
            ("x-1.0.data/data/share/x/x.txt", "data\n", 0o644),
            ("x-1.0.data/headers/x.h", "/* x */\n", 0o644),
        ]
        .into_iter()
        .map(|(n, b, m)| (n.to_owned(), b.as_bytes().to_vec(), m))
        .collect()
    }

    /// `files` with a RECORD of them (hashes as given by `hash`; `None`: not listed),
    /// zipped.
    fn wheel_with(
        files: &[(String, Vec<u8>, u32)],
        hash: impl Fn(&str, &[u8]) -> Option<String>,
    ) -> Vec<u8> {
        let info = files
            .iter()
            .find_map(|(n, _, _)| n.split_once(".dist-info/").map(|(d, _)| d.to_owned()))
            .unwrap();
        let mut record = String::new();
        for (name, bytes, _) in files {
            if let Some(hash) = hash(name, bytes) {
                record.push_str(&format!("{name},{hash},{}\n", bytes.len()));
            }
        }
        record.push_str(&format!("{info}.dist-info/RECORD,,\n"));
        let mut all = files.to_vec();
        all.push((
            format!("{info}.dist-info/RECORD"),
            record.into_bytes(),
            0o644,
        ));
        zip_of(&all)
    }

    fn wheel(files: &[(String, Vec<u8>, u32)]) -> Vec<u8> {
        wheel_with(files, |_, b| Some(record_hash(b)))
    }

    fn locked(filename: &str, bytes: &[u8]) -> LockedWheel {
        LockedWheel {
            name: filename.split('-').next().unwrap().to_owned(),
            version: "1.0".into(),
            filename: filename.to_owned(),
            url: format!("https://files.example/{filename}"),
            sha256: fsutil::hex(&Sha256::digest(bytes)),
            platforms: platforms(),
        }
    }

    fn install(wheels: &[(&str, Vec<u8>)]) -> Result<BTreeMap<String, Node>> {
        let mut installer = Installer::new(Scheme::new("3.12"));
        for (name, bytes) in wheels {
            installer.add(&locked(name, bytes), bytes)?;
        }
        Ok(installer.finish())
    }

    fn file<'a>(nodes: &'a BTreeMap<String, Node>, path: &str) -> (&'a [u8], u32) {
        match nodes.get(path) {
            Some(Node::File { bytes, mode }) => (bytes, *mode),
            other => panic!("{path}: {other:?}"),
        }
    }

    const X: &str = "x-1.0-py3-none-any.whl";
    const SITE: &str = "usr/local/lib/python3.12/site-packages";

    #[test]
    fn a_wheel_installs_as_the_binary_distribution_format_says() {
        let bytes = wheel(&x_files());
        let nodes = install(&[(X, bytes.clone())]).unwrap();
        let again = install(&[(X, bytes)]).unwrap();
        assert_eq!(nodes, again);
        let a = crate::oci::layer(&nodes, 1_767_323_045).unwrap();
        let b = crate::oci::layer(&again, 1_767_323_045).unwrap();
        assert_eq!(
            a.blob.digest, b.blob.digest,
            "the same wheels give the same layer"
        );

        assert_eq!(file(&nodes, &format!("{SITE}/x/cli.py")).1, 0o644);
        assert_eq!(file(&nodes, &format!("{SITE}/x/_native.so")).1, 0o755);
        let (script, mode) = file(&nodes, "usr/local/bin/x-script");
        assert_eq!(
            (script, mode),
            (&b"#!/usr/local/bin/python3.12\nprint('x')\n"[..], 0o755)
        );
        assert_eq!(file(&nodes, "usr/local/share/x/x.txt").0, b"data\n");
        assert_eq!(
            file(&nodes, "usr/local/include/python3.12/x/x.h").0,
            b"/* x */\n"
        );
        let (launcher, mode) = file(&nodes, "usr/local/bin/x-cli");
        let launcher = String::from_utf8(launcher.to_vec()).unwrap();
        assert_eq!(mode, 0o755);
        assert!(
            launcher.starts_with("#!/usr/local/bin/python3.12\n"),
            "{launcher}"
        );
        assert!(launcher.contains("from x.cli import run\n"), "{launcher}");
        assert!(launcher.contains("sys.exit(run())"), "{launcher}");
        assert!(
            file(&nodes, "usr/local/bin/x")
                .0
                .ends_with(b"sys.exit(main())\n")
        );
        assert_eq!(
            file(&nodes, &format!("{SITE}/x-1.0.dist-info/INSTALLER")).0,
            b"aicr-xtask\n"
        );
        assert!(
            !nodes
                .keys()
                .any(|p| p.contains(".data/") || p.ends_with(".pyc"))
        );

        // Every file is in the installed RECORD, with its sha256 and size; and only those.
        let record = String::from_utf8(
            file(&nodes, &format!("{SITE}/x-1.0.dist-info/RECORD"))
                .0
                .to_vec(),
        )
        .unwrap();
        let mut listed = BTreeSet::new();
        for line in record.lines() {
            let fields = csv_fields(line).unwrap();
            let path = if let Some(rest) = fields[0].strip_prefix("../../../") {
                format!("usr/local/{rest}")
            } else {
                format!("{SITE}/{}", fields[0])
            };
            if fields[0] == "x-1.0.dist-info/RECORD" {
                assert_eq!(fields[1..], ["", ""]);
            } else {
                let (bytes, _) = file(&nodes, &path);
                assert_eq!(fields[1], record_hash(bytes), "{path}");
                assert_eq!(fields[2], bytes.len().to_string(), "{path}");
            }
            listed.insert(path);
        }
        let files: BTreeSet<String> = nodes
            .iter()
            .filter(|(_, n)| matches!(n, Node::File { .. }))
            .map(|(p, _)| p.clone())
            .collect();
        assert_eq!(listed, files);
        assert!(record.contains("../../../bin/x-cli,sha256="), "{record}");
    }

    #[test]
    fn hostile_wheels_are_refused_naming_the_wheel() {
        let with = |name: &str, bytes: &str| {
            let mut files = x_files();
            files.push((name.to_owned(), bytes.as_bytes().to_vec(), 0o644));
            wheel(&files)
        };
        let mut tampered = x_files();
        let good = wheel(&x_files());
        // Another distribution that installs x/__init__.py as well.
        let other_files: Vec<(String, Vec<u8>, u32)> = x_files()
            .into_iter()
            .filter(|(n, _, _)| n == "x/__init__.py" || n.starts_with("x-1.0.dist-info/"))
            .filter(|(n, _, _)| !n.ends_with("entry_points.txt"))
            .map(|(n, b, m)| (n.replace("x-1.0", "y-1.0"), b, m))
            .collect();
        tampered[1].1 = b"import os\n".to_vec();
        type Wheels<'a> = Vec<(&'a str, Vec<u8>)>;
        let cases: Vec<(Wheels<'_>, &str)> = vec![
            (
                vec![(X, with("/etc/passwd", "root"))],
                "entry '/etc/passwd' is not a relative path inside the wheel",
            ),
            (
                vec![(X, with("x/../../../../etc/passwd", "root"))],
                "entry 'x/../../../../etc/passwd' is not a relative path",
            ),
            (
                vec![(
                    X,
                    wheel_with(&tampered, |n, b| {
                        Some(if n == "x/cli.py" {
                            record_hash(b"def run():\n    return 0\n")
                        } else {
                            record_hash(b)
                        })
                    }),
                )],
                "x/cli.py does not match the sha256 its RECORD gives",
            ),
            (
                vec![(X, {
                    let mut files = x_files();
                    files.push(("x/extra.py".into(), b"1".to_vec(), 0o644));
                    wheel_with(&files, |n, b| (n != "x/extra.py").then(|| record_hash(b)))
                })],
                "x/extra.py is not listed in its RECORD",
            ),
            (
                vec![(X, with("x-1.0.data/purelib/../../evil", "1"))],
                "is not a relative path",
            ),
            (
                vec![(X, with("x-1.0.data/scheme/evil", "1"))],
                "which is not purelib, platlib, scripts, headers or data",
            ),
            (
                vec![
                    (X, good.clone()),
                    ("y-1.0-py3-none-any.whl", wheel(&other_files)),
                ],
                "wheel y-1.0-py3-none-any.whl: /usr/local/lib/python3.12/site-packages/x/__init__.py is installed by wheel x-1.0-py3-none-any.whl too",
            ),
            (
                vec![(X, b"not a zip".to_vec())],
                "wheel x-1.0-py3-none-any.whl is not a zip archive",
            ),
        ];
        for (wheels, needle) in cases {
            let err = format!("{:#}", install(&wheels).unwrap_err());
            assert!(err.contains(needle), "{needle:?} not in {err}");
            assert!(err.contains("wheel "), "{err}");
        }
        // Bytes that are not the locked ones, whatever they hold.
        let mut lock = locked(X, &good);
        lock.sha256 = "0".repeat(64);
        let err = Installer::new(Scheme::new("3.12"))
            .add(&lock, &good)
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with(&format!("wheel {X}: its sha256 is ")),
            "{err}"
        );
        // A symbolic link.
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.add_symlink(
            "x/link",
            "/etc/passwd",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        let link = zip.finish().unwrap().into_inner();
        let err = format!("{:#}", install(&[(X, link)]).unwrap_err());
        assert!(err.contains("entry 'x/link' is a symbolic link"), "{err}");
        // A console script whose reference would be code in the launcher.
        let mut evil = x_files();
        evil[5].1 = b"[console_scripts]\nx = os;os.system('id'):main\n".to_vec();
        let err = format!("{:#}", install(&[(X, wheel(&evil))]).unwrap_err());
        assert!(err.contains("is not module:attribute"), "{err}");
    }

    #[test]
    fn a_stale_lock_names_the_command_that_writes_it() {
        let dir = tempfile::tempdir().unwrap();
        let python = PythonApp {
            version: "3.12".into(),
            requirements: vec!["x==1.0".into()],
            lock: "dist/x.lock".into(),
            entrypoint: "x".into(),
            platforms: platforms(),
        };
        let bytes = wheel(&x_files());
        let lock = Lock {
            version: LOCK_VERSION,
            python: "3.12".into(),
            requirements: python.requirements.clone(),
            platforms: platforms(),
            wheels: vec![locked(X, &bytes)],
        };
        let path = dir.path().join("dist/x.lock");
        let err = Lock::load(dir.path(), "x", &python).unwrap_err();
        assert!(
            format!("{err:#}")
                .contains("cannot read its lock dist/x.lock; hint: cargo xtask images --lock x"),
            "{err:#}"
        );
        fsutil::write_atomically(&path, lock.render("x").as_bytes()).unwrap();
        assert_eq!(Lock::load(dir.path(), "x", &python).unwrap(), lock);
        for (python, needle) in [
            (
                PythonApp {
                    version: "3.13".into(),
                    ..python.clone()
                },
                "resolved for Python 3.12, not 3.13",
            ),
            (
                PythonApp {
                    requirements: vec!["x==2.0".into()],
                    ..python.clone()
                },
                "resolved for requirements [\"x==1.0\"], not [\"x==2.0\"]",
            ),
            (
                PythonApp {
                    platforms: vec!["linux/amd64".into()],
                    ..python.clone()
                },
                "resolved for platforms",
            ),
        ] {
            let err = format!("{:#}", Lock::load(dir.path(), "x", &python).unwrap_err());
            assert!(err.contains(needle), "{needle} not in {err}");
            assert!(err.ends_with("hint: cargo xtask images --lock x"), "{err}");
        }
    }

    #[test]
    fn the_committed_lock_is_the_lock_of_the_aiperf_image() {
        let root = crate::project::workspace_root();
        let def = crate::dist::Definition::load(&root).unwrap();
        let image = def
            .images
            .iter()
            .find(|i| i.name == "aiperf-bench")
            .unwrap();
        let crate::dist::App::Python(python) = &image.app else {
            panic!("aiperf-bench runs Python");
        };
        let lock = Lock::load(&root, &image.name, python).unwrap();
        let aiperf = lock.wheels.iter().find(|w| w.name == "aiperf").unwrap();
        assert_eq!(aiperf.version, "0.13.0");
        assert!(aiperf.url.starts_with("https://files.pythonhosted.org/"));
        for platform in &lock.platforms {
            let wheels = lock.for_platform(platform);
            let machine = if platform == "linux/amd64" {
                "x86_64"
            } else {
                "aarch64"
            };
            assert!(
                wheels
                    .iter()
                    .all(|w| w.filename.ends_with("-any.whl") || w.filename.contains(machine)),
                "{platform} installs only its own wheels"
            );
        }
        assert_eq!(
            std::fs::read_to_string(root.join(&python.lock)).unwrap(),
            lock.render(&image.name)
        );
    }

    #[test]
    fn platforms_are_the_linux_architectures() {
        assert_eq!(platforms(), ["linux/amd64", "linux/arm64"]);
    }

    #[test]
    fn locks_round_trip_and_refuse_what_is_wrong() {
        let wheel = LockedWheel {
            name: "Zope.Interface".into(),
            version: "1.0".into(),
            filename: "zope_interface-1.0-py3-none-any.whl".into(),
            url: "https://files.example/zope_interface-1.0-py3-none-any.whl".into(),
            sha256: "ab".repeat(32),
            platforms: vec!["linux/amd64".into(), "linux/arm64".into()],
        };
        let lock = Lock {
            version: LOCK_VERSION,
            python: "3.12".into(),
            requirements: vec!["zope.interface==1.0".into()],
            platforms: platforms(),
            wheels: vec![wheel.clone()],
        };
        let text = lock.render("x");
        assert!(text.starts_with("# SPDX-License-Identifier: Apache-2.0\n"));
        assert_eq!(Lock::parse(&text).unwrap(), lock);
        assert_eq!(lock.for_platform("linux/arm64").len(), 1);
        assert_eq!(wheel.purl(), "pkg:pypi/zope-interface@1.0");
        for (from, to, needle) in [
            ("version = 1", "version = 2", "lock format 2 is not 1"),
            (&wheel.sha256, "abc", "is not 64 lowercase hex digits"),
            ("https://files", "file://files", "is not http(s)"),
            (
                "py3-none-any.whl\"\n",
                "py3-none-any.zip\"\n",
                "must be a plain",
            ),
            (
                "platforms = [\"linux/amd64\", \"linux/arm64\"]\n\n",
                "platforms = [\"linux/amd64\"]\n\n",
                "platform linux/arm64 is not one of the lock's",
            ),
            (
                "sha256 =",
                "colour = \"red\"\nsha256 =",
                "unknown field `colour`",
            ),
        ] {
            let changed = text.replacen(from, to, 1);
            assert_ne!(changed, text, "{from}");
            let err = format!("{:#}", Lock::parse(&changed).unwrap_err());
            assert!(err.contains(needle), "{needle:?} not in {err}");
        }
    }

    #[test]
    fn a_scripts_python_line_becomes_the_interpreters() {
        assert_eq!(
            with_interpreter(
                b"#!python\nprint(1)\n".to_vec(),
                "/usr/local/bin/python3.12"
            ),
            b"#!/usr/local/bin/python3.12\nprint(1)\n"
        );
        assert_eq!(
            with_interpreter(b"#!/bin/sh\necho\n".to_vec(), "/usr/local/bin/python3.12"),
            b"#!/bin/sh\necho\n"
        );
    }

    #[test]
    fn the_installed_record_lists_each_file_relative_to_site_packages_sorted() {
        let site = "usr/local/lib/python3.12/site-packages";
        let installed = [
            (format!("{site}/b.py"), b"b".to_vec()),
            ("usr/local/bin/tool".to_owned(), b"t".to_vec()),
            (format!("{site}/a-1.0.dist-info/INSTALLER"), b"x\n".to_vec()),
        ];
        let record = installed_record(&installed, site, "a-1.0.dist-info");
        let rows: Vec<&str> = record.lines().collect();
        assert_eq!(rows.len(), 4, "{record}");
        assert!(record.ends_with('\n'));
        assert_eq!(rows[2], "a-1.0.dist-info/RECORD,,");
        assert!(rows[0].starts_with("../../../bin/tool,sha256="), "{record}");
        assert!(rows[1].starts_with("a-1.0.dist-info/INSTALLER,sha256="));
        assert!(rows[3].starts_with("b.py,sha256=") && rows[3].ends_with(",1"));
    }
}
