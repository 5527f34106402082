// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! What differs between a rebuilt release and the published one, explained without
//! external tools. Pure: every function takes names, digests or bytes; nothing here
//! reads files or the network.
//!
//! - [`pair_assets`] pairs the rebuilt assets with the published checksum file's lines:
//!   same digest, another digest, missing from the published release, or extra in it.
//! - [`explain`] says why two assets with different digests differ: for an archive, the
//!   first entries whose name, type, mode, mtime, owner, size or content differ; for a
//!   binary inside it, the differing byte regions, each put down to the version/build
//!   stamp (where the stamp strings are), a build path (a printable path) or code; for an
//!   SBOM, the first differing JSON fields; for text, the first differing line.
//! - A promotion (`v1.3.0` from `v1.3.0-rc2` on the same commit) may differ only in the
//!   version: binaries in their stamp regions, SBOMs in fields that become equal once
//!   the candidate's version and archive digests are replaced by the release's.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Read;
use std::ops::Range;

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::Value;

use crate::assets::Role;
use crate::dist::Format;

/// The strings a build stamps into what it makes, on each side.
#[derive(Debug, Clone, Default)]
pub struct Stamps {
    /// The rebuild's: version, short commit, date.
    pub rebuilt: Vec<String>,
    /// The published side's, where known (a promoted candidate's version).
    pub published: Vec<String>,
}

/// Why a byte region of a binary differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// The region overlaps a version/build stamp string.
    Stamp,
    /// The region is inside a printable path.
    BuildPath,
    /// Anything else: instructions or data.
    Code,
}

impl Cause {
    pub fn describe(self) -> &'static str {
        match self {
            Cause::Stamp => "the version/build stamp",
            Cause::BuildPath => "a build path",
            Cause::Code => "code",
        }
    }
}

/// A differing byte region of a binary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    pub cause: Cause,
    /// Where the region is in the rebuilt binary, and its length.
    pub offset: usize,
    pub len: usize,
    /// Where it is in the published binary, and its length there.
    pub published_offset: usize,
    pub published_len: usize,
    /// The printable text of the region with some context, when it is text.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub rebuilt: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub published: String,
}

/// Bytes that must agree again after a region for the two files to be back in step.
const WINDOW: usize = 32;
/// How far a region may reach in either file before the files count as out of step.
const REACH: usize = 512;
/// Regions listed at most; the rest is for diffoscope.
pub const MAX_REGIONS: usize = 64;
/// Characters of context shown on each side of a text region.
const CONTEXT: usize = 16;

/// The length of the common prefix of two byte strings.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Whether `a[da..]` and `b[db..]` are in step: their next [`WINDOW`] bytes agree, or
/// what is left of them is the same.
fn in_step(a: &[u8], b: &[u8], da: usize, db: usize) -> bool {
    if da > a.len() || db > b.len() {
        return false;
    }
    let (a, b) = (&a[da..], &b[db..]);
    if a.len() < WINDOW || b.len() < WINDOW {
        return a == b;
    }
    a[..WINDOW] == b[..WINDOW]
}

/// How many bytes of `a` and of `b` differ before the two are in step again: the
/// smallest edit within [`REACH`] by the longer of its two sides, a substitution first
/// (a version grown inside a NUL-padded slot is 4 bytes replaced, not 4 inserted and 4
/// deleted further on); else everything up to their common suffix.
fn resync(a: &[u8], b: &[u8]) -> (usize, usize) {
    for longer in 1..=REACH {
        if in_step(a, b, longer, longer) {
            return (longer, longer);
        }
        for shorter in 0..longer {
            if in_step(a, b, longer, shorter) {
                return (longer, shorter);
            }
            if in_step(a, b, shorter, longer) {
                return (shorter, longer);
            }
        }
    }
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    (a.len() - suffix, b.len() - suffix)
}

fn printable(b: u8) -> bool {
    (0x20..0x7f).contains(&b)
}

fn path_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"/._-+~@".contains(&b)
}

/// The run of bytes satisfying `keep` around `range` (which itself is kept whole).
fn around(bytes: &[u8], range: &Range<usize>, keep: fn(u8) -> bool, limit: usize) -> Range<usize> {
    let mut start = range.start;
    while start > 0 && range.start - start < limit && keep(bytes[start - 1]) {
        start -= 1;
    }
    let mut end = range.end;
    while end < bytes.len() && end - range.end < limit && keep(bytes[end]) {
        end += 1;
    }
    start..end
}

/// Whether an occurrence of one of `stamps` (at least 3 bytes) overlaps or borders
/// `range` of `bytes`: a version that grew (`1.2.3` to `1.2.3+dirty`, `1.3.0` to
/// `1.3.0-rc2`) differs right after the shorter one.
fn touches_stamp(bytes: &[u8], range: &Range<usize>, stamps: &[String]) -> bool {
    stamps.iter().filter(|s| s.len() >= 3).any(|stamp| {
        let stamp = stamp.as_bytes();
        let from = range.start.saturating_sub(stamp.len());
        let to = (range.end + stamp.len()).min(bytes.len());
        if from >= to {
            return false;
        }
        bytes[from..to]
            .windows(stamp.len())
            .enumerate()
            .filter(|(_, w)| *w == stamp)
            .map(|(i, _)| from + i)
            .any(|p| p <= range.end && range.start <= p + stamp.len())
    })
}

/// The text of a printable region: the word or path it is part of (`1.2.4-rc1`,
/// `/home/runner/work/…/main.rs`), else the region with some context.
fn text_of(bytes: &[u8], range: &Range<usize>) -> String {
    let token = around(bytes, range, path_char, 256);
    let wide = if token.len() > range.len() || range.is_empty() && !token.is_empty() {
        token
    } else {
        around(bytes, range, printable, CONTEXT)
    };
    String::from_utf8_lossy(&bytes[wide]).into_owned()
}

fn classify(
    rebuilt: &[u8],
    published: &[u8],
    ours: Range<usize>,
    theirs: Range<usize>,
    stamps: &Stamps,
) -> Region {
    let text = rebuilt[ours.clone()].iter().all(|b| printable(*b))
        && published[theirs.clone()].iter().all(|b| printable(*b));
    let cause = if touches_stamp(rebuilt, &ours, &stamps.rebuilt)
        || touches_stamp(published, &theirs, &stamps.published)
    {
        Cause::Stamp
    } else if text
        && [(rebuilt, &ours), (published, &theirs)]
            .iter()
            .any(|(bytes, range)| {
                let token = around(bytes, range, path_char, 4096);
                bytes[token].contains(&b'/')
            })
    {
        Cause::BuildPath
    } else {
        Cause::Code
    };
    let (rebuilt_text, published_text) = if text {
        (text_of(rebuilt, &ours), text_of(published, &theirs))
    } else {
        (String::new(), String::new())
    };
    Region {
        cause,
        offset: ours.start,
        len: ours.len(),
        published_offset: theirs.start,
        published_len: theirs.len(),
        rebuilt: rebuilt_text,
        published: published_text,
    }
}

/// The differing byte regions of two binaries, in order, each with its cause; at most
/// [`MAX_REGIONS`] (the flag says whether more were left out).
pub fn binary_regions(rebuilt: &[u8], published: &[u8], stamps: &Stamps) -> (Vec<Region>, bool) {
    let (mut i, mut j) = (0, 0);
    let mut regions = Vec::new();
    loop {
        let same = common_prefix(&rebuilt[i..], &published[j..]);
        i += same;
        j += same;
        if i == rebuilt.len() && j == published.len() {
            return (regions, false);
        }
        if regions.len() == MAX_REGIONS {
            return (regions, true);
        }
        let (da, db) = resync(&rebuilt[i..], &published[j..]);
        regions.push(classify(rebuilt, published, i..i + da, j..j + db, stamps));
        i += da;
        j += db;
    }
}

/// One entry of an archive, as far as a comparison cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    /// `file`, `directory`, `symlink -> target` or another tar type.
    pub kind: String,
    pub mode: u32,
    /// Seconds since the epoch (tar) or the DOS date and time (zip).
    pub mtime: String,
    /// `uid:gid` and the names (tar); empty for zip, which records none.
    pub owner: String,
    pub content: Vec<u8>,
}

/// The entries of a `.tar.gz` or `.zip` archive (by its name), in archive order.
pub fn read_archive(name: &str, bytes: &[u8]) -> Result<Vec<Entry>> {
    if Role::of(name) == Role::Archive(Format::Zip) {
        return read_zip(bytes).with_context(|| format!("{name} is not a readable zip archive"));
    }
    read_tar_gz(bytes).with_context(|| format!("{name} is not a readable tar.gz archive"))
}

fn read_tar_gz(bytes: &[u8]) -> Result<Vec<Entry>> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let mut entries = Vec::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        let header = entry.header().clone();
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = match header.entry_type() {
            tar::EntryType::Regular => "file".to_owned(),
            tar::EntryType::Directory => "directory".to_owned(),
            tar::EntryType::Symlink | tar::EntryType::Link => format!(
                "link -> {}",
                entry
                    .link_name_bytes()
                    .map(|l| String::from_utf8_lossy(&l).into_owned())
                    .unwrap_or_default()
            ),
            other => format!("{other:?}").to_lowercase(),
        };
        let mtime = header.mtime()?;
        let owner = format!(
            "{}:{} ({}:{})",
            header.uid()?,
            header.gid()?,
            header.username().ok().flatten().unwrap_or_default(),
            header.groupname().ok().flatten().unwrap_or_default()
        );
        let mut content = Vec::new();
        entry.read_to_end(&mut content)?;
        entries.push(Entry {
            name,
            kind,
            mode: header.mode()?,
            mtime: mtime_text(mtime),
            owner,
            content,
        });
    }
    Ok(entries)
}

fn mtime_text(epoch: u64) -> String {
    match i64::try_from(epoch)
        .ok()
        .and_then(|e| crate::version::rfc3339(e).ok())
    {
        Some(date) => format!("{epoch} ({date})"),
        None => epoch.to_string(),
    }
}

fn read_zip(bytes: &[u8]) -> Result<Vec<Entry>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
    let mut entries = Vec::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i)?;
        let name = file.name().map(|n| n.into_owned()).unwrap_or_default();
        let kind = if file.is_dir() {
            "directory"
        } else if file.is_symlink() {
            "symlink"
        } else {
            "file"
        };
        let mtime = file
            .last_modified()
            .map(|t| {
                format!(
                    "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                    t.year(),
                    t.month(),
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second()
                )
            })
            .unwrap_or_default();
        let mode = file.unix_mode().unwrap_or_default() & 0o7777;
        let mut content = Vec::new();
        file.read_to_end(&mut content)?;
        entries.push(Entry {
            name,
            kind: kind.to_owned(),
            mode,
            mtime,
            owner: String::new(),
            content,
        });
    }
    Ok(entries)
}

/// One difference between a rebuilt asset and the published one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "what", rename_all = "kebab-case")]
pub enum Difference {
    /// An archive entry the rebuild has and the published archive lacks.
    MissingEntry { entry: String },
    /// An archive entry only the published archive has.
    ExtraEntry { entry: String },
    /// The same entries in another order.
    EntryOrder {
        rebuilt: Vec<String>,
        published: Vec<String>,
    },
    /// An entry's type, mode, mtime or owner.
    Field {
        entry: String,
        field: &'static str,
        rebuilt: String,
        published: String,
    },
    /// A binary's content: its differing regions.
    Binary {
        entry: String,
        size: u64,
        published_size: u64,
        regions: Vec<Region>,
        /// More regions differ than are listed.
        truncated: bool,
    },
    /// A file's content (text: the first differing line).
    Content {
        #[serde(skip_serializing_if = "Option::is_none")]
        entry: Option<String>,
        size: u64,
        published_size: u64,
        offset: usize,
        #[serde(skip_serializing_if = "Option::is_none")]
        line: Option<usize>,
        rebuilt: String,
        published: String,
    },
    /// A JSON document's field.
    Json {
        path: String,
        rebuilt: String,
        published: String,
    },
    /// Equal entries in differently compressed or framed archives.
    Container { offset: usize },
    /// A side that cannot be read as what its name says.
    Unreadable { side: &'static str, error: String },
}

impl Difference {
    /// Whether the difference lies in the version/build stamp only.
    pub fn is_stamp(&self) -> bool {
        match self {
            Difference::Binary {
                regions, truncated, ..
            } => !truncated && regions.iter().all(|r| r.cause == Cause::Stamp),
            _ => false,
        }
    }
}

/// `s` cut to `max` characters, with an ellipsis when cut.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

fn sizes(rebuilt: u64, published: u64) -> String {
    if rebuilt == published {
        String::new()
    } else {
        format!("; size {rebuilt} rebuilt, {published} published")
    }
}

/// What differs in binary `entry`: how many of `regions` have each cause (`truncated`:
/// more regions differ), then the first region not in the stamp (or the first), with
/// its bytes shown as text when they read as such.
fn binary_difference(entry: &str, regions: &[Region], truncated: bool) -> String {
    let mut counts: BTreeMap<Cause, usize> = BTreeMap::new();
    for r in regions {
        *counts.entry(r.cause).or_default() += 1;
    }
    let causes: Vec<String> = counts
        .iter()
        .map(|(cause, n)| format!("{} ({n} region(s))", cause.describe()))
        .collect();
    let mut said = format!(
        "entry {entry}: the binary differs in {}{}",
        causes.join(", "),
        if truncated { " and more" } else { "" }
    );
    let Some(first) = regions
        .iter()
        .find(|r| r.cause != Cause::Stamp)
        .or(regions.first())
    else {
        return said;
    };
    said.push_str(&format!(
        "; {} at byte {:#x}",
        if first.cause == Cause::Stamp {
            "first"
        } else {
            "first not in the stamp"
        },
        first.offset
    ));
    if !first.rebuilt.is_empty() || !first.published.is_empty() {
        said.push_str(&format!(
            ": {:?} rebuilt, {:?} published",
            clip(&first.rebuilt, 80),
            clip(&first.published, 80)
        ));
    } else {
        said.push_str(&format!(
            " ({} byte(s) rebuilt, {} published)",
            first.len, first.published_len
        ));
    }
    said
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::MissingEntry { entry } => {
                write!(f, "entry {entry}: in the rebuilt archive only")
            }
            Difference::ExtraEntry { entry } => {
                write!(f, "entry {entry}: in the published archive only")
            }
            Difference::EntryOrder { rebuilt, published } => write!(
                f,
                "the entries are in another order: {} rebuilt, {} published",
                rebuilt.join(", "),
                published.join(", ")
            ),
            Difference::Field {
                entry,
                field,
                rebuilt,
                published,
            } => write!(
                f,
                "entry {entry}: {field} {rebuilt} rebuilt, {published} published"
            ),
            Difference::Binary {
                entry,
                size,
                published_size,
                regions,
                truncated,
            } => write!(
                f,
                "{}{}",
                binary_difference(entry, regions, *truncated),
                sizes(*size, *published_size)
            ),
            Difference::Content {
                entry,
                size,
                published_size,
                offset,
                line,
                rebuilt,
                published,
            } => {
                if let Some(entry) = entry {
                    write!(f, "entry {entry}: ")?;
                }
                match line {
                    Some(line) => write!(
                        f,
                        "line {line} differs: {:?} rebuilt, {:?} published",
                        clip(rebuilt, 80),
                        clip(published, 80)
                    )?,
                    None => write!(f, "the content differs from byte {offset:#x}")?,
                }
                write!(f, "{}", sizes(*size, *published_size))
            }
            Difference::Json {
                path,
                rebuilt,
                published,
            } => write!(
                f,
                "{path}: {} rebuilt, {} published",
                clip(rebuilt, 100),
                clip(published, 100)
            ),
            Difference::Container { offset } => write!(
                f,
                "the entries are equal; the compressed bytes differ from byte {offset:#x} (compression or archive headers)"
            ),
            Difference::Unreadable { side, error } => write!(f, "the {side} asset: {error}"),
        }
    }
}

/// The first difference of two texts, by line, or of two byte strings.
fn content_difference(entry: Option<&str>, rebuilt: &[u8], published: &[u8]) -> Difference {
    let offset = common_prefix(rebuilt, published);
    let (line, ours, theirs) = match (std::str::from_utf8(rebuilt), std::str::from_utf8(published))
    {
        (Ok(a), Ok(b)) => {
            let (mut a_lines, mut b_lines) = (a.split('\n'), b.split('\n'));
            let mut n = 0;
            loop {
                n += 1;
                match (a_lines.next(), b_lines.next()) {
                    (Some(x), Some(y)) if x == y => continue,
                    (x, y) => {
                        break (
                            Some(n),
                            x.unwrap_or("(end of file)").to_owned(),
                            y.unwrap_or("(end of file)").to_owned(),
                        );
                    }
                }
            }
        }
        _ => (None, String::new(), String::new()),
    };
    Difference::Content {
        entry: entry.map(str::to_owned),
        size: rebuilt.len() as u64,
        published_size: published.len() as u64,
        offset,
        line,
        rebuilt: ours,
        published: theirs,
    }
}

/// What differs between two archives' entries. `binary` names the entry that is the
/// release's binary (its content is compared by region).
pub fn compare_entries(
    rebuilt: &[Entry],
    published: &[Entry],
    binary: Option<&str>,
    stamps: &Stamps,
) -> Vec<Difference> {
    let ours: Vec<&str> = rebuilt.iter().map(|e| e.name.as_str()).collect();
    let theirs: Vec<&str> = published.iter().map(|e| e.name.as_str()).collect();
    let ours_set: BTreeSet<&str> = ours.iter().copied().collect();
    let theirs_set: BTreeSet<&str> = theirs.iter().copied().collect();
    let mut differences: Vec<Difference> = Vec::new();
    differences.extend(ours.iter().filter(|n| !theirs_set.contains(*n)).map(|n| {
        Difference::MissingEntry {
            entry: (*n).to_owned(),
        }
    }));
    differences.extend(theirs.iter().filter(|n| !ours_set.contains(*n)).map(|n| {
        Difference::ExtraEntry {
            entry: (*n).to_owned(),
        }
    }));
    let common_ours: Vec<&str> = ours
        .iter()
        .copied()
        .filter(|n| theirs_set.contains(n))
        .collect();
    let common_theirs: Vec<&str> = theirs
        .iter()
        .copied()
        .filter(|n| ours_set.contains(n))
        .collect();
    if common_ours != common_theirs {
        differences.push(Difference::EntryOrder {
            rebuilt: common_ours.iter().map(|s| (*s).to_owned()).collect(),
            published: common_theirs.iter().map(|s| (*s).to_owned()).collect(),
        });
    }
    for ours in rebuilt {
        let Some(theirs) = published.iter().find(|e| e.name == ours.name) else {
            continue;
        };
        let field = |field: &'static str, a: String, b: String| {
            (a != b).then(|| Difference::Field {
                entry: ours.name.clone(),
                field,
                rebuilt: a,
                published: b,
            })
        };
        differences.extend(
            [
                field("type", ours.kind.clone(), theirs.kind.clone()),
                field(
                    "mode",
                    format!("{:o}", ours.mode),
                    format!("{:o}", theirs.mode),
                ),
                field("mtime", ours.mtime.clone(), theirs.mtime.clone()),
                field("owner", ours.owner.clone(), theirs.owner.clone()),
            ]
            .into_iter()
            .flatten(),
        );
        if ours.content == theirs.content {
            continue;
        }
        if binary == Some(ours.name.as_str()) {
            let (regions, truncated) = binary_regions(&ours.content, &theirs.content, stamps);
            differences.push(Difference::Binary {
                entry: ours.name.clone(),
                size: ours.content.len() as u64,
                published_size: theirs.content.len() as u64,
                regions,
                truncated,
            });
        } else {
            differences.push(content_difference(
                Some(&ours.name),
                &ours.content,
                &theirs.content,
            ));
        }
    }
    differences
}

/// Differences of two JSON values, at most `limit`, by path (`packages[3].versionInfo`).
pub fn json_differences(rebuilt: &Value, published: &Value, limit: usize) -> Vec<Difference> {
    fn walk(path: &str, a: &Value, b: &Value, out: &mut Vec<Difference>, limit: usize) {
        if out.len() >= limit || a == b {
            return;
        }
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                for key in keys {
                    let sub = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    walk(
                        &sub,
                        x.get(key).unwrap_or(&Value::Null),
                        y.get(key).unwrap_or(&Value::Null),
                        out,
                        limit,
                    );
                }
            }
            (Value::Array(x), Value::Array(y)) => {
                for i in 0..x.len().max(y.len()) {
                    walk(
                        &format!("{path}[{i}]"),
                        x.get(i).unwrap_or(&Value::Null),
                        y.get(i).unwrap_or(&Value::Null),
                        out,
                        limit,
                    );
                }
            }
            _ => out.push(Difference::Json {
                path: if path.is_empty() {
                    "the document".into()
                } else {
                    path.to_owned()
                },
                rebuilt: if a.is_null() {
                    "(absent)".into()
                } else {
                    a.to_string()
                },
                published: if b.is_null() {
                    "(absent)".into()
                } else {
                    b.to_string()
                },
            }),
        }
    }
    let mut out = Vec::new();
    walk("", rebuilt, published, &mut out, limit);
    out
}

/// `value` with every occurrence of each `from` in its strings (keys too) replaced by
/// its `to`, in order.
pub fn replace_strings(value: &Value, replacements: &[(String, String)]) -> Value {
    let replace = |s: &str| {
        replacements
            .iter()
            .fold(s.to_owned(), |s, (from, to)| s.replace(from.as_str(), to))
    };
    match value {
        Value::String(s) => Value::String(replace(s)),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| replace_strings(v, replacements))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (replace(k), replace_strings(v, replacements)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// What an asset is, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetKind {
    Archive,
    Sbom,
    Other,
}

pub fn kind_of(name: &str) -> AssetKind {
    match Role::of(name) {
        Role::Sbom => AssetKind::Sbom,
        Role::Archive(_) => AssetKind::Archive,
        _ => AssetKind::Other,
    }
}

/// Two assets to explain.
#[derive(Debug, Clone)]
pub struct Pair<'a> {
    pub name: &'a str,
    pub rebuilt: &'a [u8],
    pub published: &'a [u8],
    /// For an archive, the name of its binary entry.
    pub binary: Option<&'a str>,
    pub stamps: &'a Stamps,
    /// For a promotion: what the published side's strings become on the rebuilt side
    /// (the candidate's version and archive digests); SBOMs are compared after it.
    pub replacements: &'a [(String, String)],
}

/// Differences listed at most per asset.
const MAX_DIFFERENCES: usize = 20;

/// Why the two assets of `pair` differ; empty when they are equal once the
/// replacements of a promotion are made.
pub fn explain(pair: &Pair<'_>) -> Vec<Difference> {
    let mut differences = match kind_of(pair.name) {
        AssetKind::Archive => {
            let read = |side: &'static str, bytes: &[u8]| {
                read_archive(pair.name, bytes).map_err(|e| Difference::Unreadable {
                    side,
                    error: format!("{e:#}"),
                })
            };
            match (
                read("rebuilt", pair.rebuilt),
                read("published", pair.published),
            ) {
                (Ok(ours), Ok(theirs)) => {
                    let found = compare_entries(&ours, &theirs, pair.binary, pair.stamps);
                    if found.is_empty() && pair.rebuilt != pair.published {
                        vec![Difference::Container {
                            offset: common_prefix(pair.rebuilt, pair.published),
                        }]
                    } else {
                        found
                    }
                }
                (Err(e), _) | (_, Err(e)) => vec![e],
            }
        }
        AssetKind::Sbom => explain_json(pair),
        AssetKind::Other if pair.rebuilt == pair.published => Vec::new(),
        AssetKind::Other => vec![content_difference(None, pair.rebuilt, pair.published)],
    };
    differences.truncate(MAX_DIFFERENCES);
    differences
}

fn explain_json(pair: &Pair<'_>) -> Vec<Difference> {
    let parse = |side: &'static str, bytes: &[u8]| {
        serde_json::from_slice::<Value>(bytes).map_err(|e| Difference::Unreadable {
            side,
            error: format!("{} is not JSON: {e}", pair.name),
        })
    };
    let (ours, theirs) = match (
        parse("rebuilt", pair.rebuilt),
        parse("published", pair.published),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return vec![e],
    };
    let theirs = if pair.replacements.is_empty() {
        theirs
    } else {
        replace_strings(&theirs, pair.replacements)
    };
    let found = json_differences(&ours, &theirs, MAX_DIFFERENCES);
    if !found.is_empty() {
        return found;
    }
    // Equal documents: the bytes must be too (the same serialization).
    let written = serde_json::to_string_pretty(&theirs)
        .map(|text| text + "\n")
        .unwrap_or_default();
    if pair.replacements.is_empty() {
        if pair.rebuilt == pair.published {
            return Vec::new();
        }
        return vec![content_difference(None, pair.rebuilt, pair.published)];
    }
    if written.as_bytes() == pair.rebuilt {
        Vec::new()
    } else {
        vec![content_difference(None, pair.rebuilt, written.as_bytes())]
    }
}

/// How a rebuilt asset compares with the published release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Byte for byte the published asset.
    Ok,
    /// The promoted candidate's asset, differing only in the version.
    Promoted,
    /// Another digest.
    Differs,
    /// Made by the rebuild, absent from the published checksum file.
    Missing,
    /// Listed in the published checksum file, not made by the rebuild.
    Extra,
}

impl Status {
    pub fn word(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Promoted => "promoted",
            Status::Differs => "differs",
            Status::Missing => "missing",
            Status::Extra => "extra",
        }
    }

    /// Whether the asset proves the release.
    pub fn passes(self) -> bool {
        matches!(self, Status::Ok | Status::Promoted)
    }
}

/// A rebuilt asset and the name the published release gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebuilt {
    pub name: String,
    pub published_name: String,
    pub sha256: String,
}

/// The comparison of one asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssetReport {
    pub name: String,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_sha256: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<Difference>,
    /// Why there is no explanation, or what the status means here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Pairs the rebuilt assets with the published checksum file's lines (`name → sha256`),
/// leaving out published lines named in `out_of_scope` (the assets of targets not
/// rebuilt). Differing assets are [`Status::Differs`] until explained; sorted by name.
pub fn pair_assets(
    rebuilt: &[Rebuilt],
    published: &BTreeMap<String, String>,
    out_of_scope: &BTreeSet<String>,
) -> Vec<AssetReport> {
    let mut reports = Vec::new();
    for asset in rebuilt {
        let theirs = published.get(&asset.published_name);
        let status = match theirs {
            None => Status::Missing,
            Some(digest) if *digest == asset.sha256 => Status::Ok,
            Some(_) => Status::Differs,
        };
        reports.push(AssetReport {
            name: asset.name.clone(),
            status,
            published_name: (asset.published_name != asset.name)
                .then(|| asset.published_name.clone()),
            sha256: Some(asset.sha256.clone()),
            published_sha256: theirs.cloned(),
            differences: Vec::new(),
            note: None,
        });
    }
    let claimed: BTreeSet<&str> = rebuilt.iter().map(|a| a.published_name.as_str()).collect();
    for (name, digest) in published {
        if !claimed.contains(name.as_str()) && !out_of_scope.contains(name) {
            reports.push(AssetReport {
                name: name.clone(),
                status: Status::Extra,
                published_name: None,
                sha256: None,
                published_sha256: Some(digest.clone()),
                differences: Vec::new(),
                note: None,
            });
        }
    }
    reports.sort_by(|a, b| a.name.cmp(&b.name));
    reports
}

/// The status of a differing asset once explained: a promotion passes when every
/// difference is in the version stamp (or none is left after its replacements).
pub fn verdict(differences: &[Difference], promotion: bool) -> Status {
    if promotion && differences.iter().all(Difference::is_stamp) {
        Status::Promoted
    } else {
        Status::Differs
    }
}

/// The version in the published archive names, given each archive's name as a prefix
/// and suffix around the version (`aicr_`, `_linux_amd64.tar.gz`): the one version all
/// matching names carry, or an error listing what was found.
pub fn published_version(names: &[&str], templates: &[(String, String)]) -> Result<String> {
    let mut versions = BTreeSet::new();
    for name in names {
        for (prefix, suffix) in templates {
            if let Some(version) = name
                .strip_prefix(prefix.as_str())
                .and_then(|rest| rest.strip_suffix(suffix.as_str()))
                .filter(|v| !v.is_empty() && !v.contains('_'))
            {
                versions.insert(version.to_owned());
            }
        }
    }
    match versions.len() {
        1 => Ok(versions.into_iter().next().unwrap_or_default()),
        0 => {
            anyhow::bail!("the published checksum file names no archive of the release definition")
        }
        _ => anyhow::bail!(
            "the published archives carry several versions ({}); hint: point --against at the assets of one release",
            versions.into_iter().collect::<Vec<_>>().join(", ")
        ),
    }
}

/// The image comparison: the rebuilt index and the published one, or with a subset of
/// platforms rebuilt, each rebuilt platform manifest and the published one for it.
pub fn compare_index(rebuilt: &Value, published: &Value, all_platforms: bool) -> Vec<String> {
    let platforms = |index: &Value| -> BTreeMap<String, String> {
        index["manifests"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| {
                let p = &m["platform"];
                Some((
                    format!("{}/{}", p["os"].as_str()?, p["architecture"].as_str()?),
                    m["digest"].as_str()?.to_owned(),
                ))
            })
            .collect()
    };
    let (ours, theirs) = (platforms(rebuilt), platforms(published));
    let mut differences = Vec::new();
    for (platform, digest) in &ours {
        match theirs.get(platform) {
            None => differences.push(format!(
                "{platform}: the published index has no such manifest"
            )),
            Some(d) if d != digest => differences.push(format!(
                "{platform}: manifest {digest} rebuilt, {d} published"
            )),
            Some(_) => {}
        }
    }
    if all_platforms {
        for platform in theirs.keys().filter(|p| !ours.contains_key(*p)) {
            differences.push(format!("{platform}: only in the published index"));
        }
        if differences.is_empty() && rebuilt != published {
            differences.extend(
                json_differences(rebuilt, published, 5)
                    .iter()
                    .map(|d| format!("index {d}")),
            );
        }
    }
    differences
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamps(rebuilt: &[&str]) -> Stamps {
        Stamps {
            rebuilt: rebuilt.iter().map(|s| (*s).to_owned()).collect(),
            published: Vec::new(),
        }
    }

    /// A tar.gz of `(name, mode, mtime, content)` entries, written by the tar crate.
    fn tar_gz(entries: &[(&str, u32, u64, &[u8])]) -> Vec<u8> {
        let mut tar = tar::Builder::new(Vec::new());
        for (name, mode, mtime, content) in entries {
            let mut header = tar::Header::new_ustar();
            header.set_path(name).unwrap();
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(content.len() as u64);
            header.set_mode(*mode);
            header.set_uid(0);
            header.set_gid(0);
            header.set_username("").unwrap();
            header.set_groupname("").unwrap();
            header.set_mtime(*mtime);
            header.set_cksum();
            tar.append(&header, *content).unwrap();
        }
        let mut out = Vec::new();
        crate::archive::write_gzip(&mut out, &tar.into_inner().unwrap(), 9).unwrap();
        out
    }

    const EPOCH: u64 = 1_767_323_045;

    fn script(version: &str) -> Vec<u8> {
        format!("#!/bin/sh\necho 'aicr version {version} (commit: abc1234, date: 2026-01-02T03:04:05Z)'\n")
            .into_bytes()
    }

    fn archive(version: &str, license: &[u8], mtime: u64) -> Vec<u8> {
        tar_gz(&[
            ("LICENSE", 0o644, EPOCH, license),
            ("aicr", 0o755, mtime, &script(version)),
        ])
    }

    fn explain_archives(rebuilt: &[u8], published: &[u8], stamps: &Stamps) -> Vec<Difference> {
        explain(&Pair {
            name: "aicr_1.2.3_linux_amd64.tar.gz",
            rebuilt,
            published,
            binary: Some("aicr"),
            stamps,
            replacements: &[],
        })
    }

    #[test]
    fn an_entry_with_another_mtime_is_named_with_both_times() {
        let ours = archive("1.2.3", b"license\n", EPOCH);
        let theirs = archive("1.2.3", b"license\n", EPOCH + 60);
        let found = explain_archives(&ours, &theirs, &stamps(&["1.2.3"]));
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(
            found[0].to_string(),
            "entry aicr: mtime 1767323045 (2026-01-02T03:04:05Z) rebuilt, 1767323105 (2026-01-02T03:05:05Z) published"
        );
        assert!(!found[0].is_stamp());
    }

    #[test]
    fn a_changed_file_in_an_archive_names_the_entry_and_the_line() {
        let ours = archive("1.2.3", b"Apache License\nVersion 2.0\n", EPOCH);
        let theirs = archive("1.2.3", b"Apache License\nVersion 2.1\n", EPOCH);
        let found = explain_archives(&ours, &theirs, &stamps(&["1.2.3"]));
        assert_eq!(
            found.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["entry LICENSE: line 2 differs: \"Version 2.0\" rebuilt, \"Version 2.1\" published"]
        );
    }

    #[test]
    fn a_binary_with_another_version_stamp_is_put_down_to_the_stamp() {
        let ours = archive("1.2.3", b"license\n", EPOCH);
        let theirs = archive("1.2.4-rc1", b"license\n", EPOCH);
        let found = explain_archives(&ours, &theirs, &stamps(&["1.2.3", "abc1234"]));
        assert_eq!(found.len(), 1, "{found:#?}");
        let Difference::Binary { regions, .. } = &found[0] else {
            panic!("{found:#?}");
        };
        assert_eq!(regions.len(), 1, "{regions:#?}");
        assert_eq!(regions[0].cause, Cause::Stamp);
        assert!(found[0].is_stamp());
        let text = found[0].to_string();
        assert_eq!(
            text,
            "entry aicr: the binary differs in the version/build stamp (1 region(s)); first at byte 0x21: \"1.2.3\" rebuilt, \"1.2.4-rc1\" published; size 82 rebuilt, 86 published"
        );
    }

    #[test]
    fn binary_regions_tell_stamps_build_paths_and_code_apart() {
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        let filler = |n: u8| {
            (0..200u8)
                .map(move |i| i.wrapping_mul(31).wrapping_add(n))
                .collect::<Vec<u8>>()
        };
        // Code: one differing byte between random-looking bytes.
        ours.extend(filler(1));
        theirs.extend(filler(1));
        ours.push(0x90);
        theirs.push(0xcc);
        ours.extend(filler(2));
        theirs.extend(filler(2));
        // A build path of another length.
        ours.extend(b"\0/aicr/crates/aicr/src/main.rs\0");
        theirs.extend(b"\0/home/runner/work/aicr/aicr/crates/aicr/src/main.rs\0");
        ours.extend(filler(3));
        theirs.extend(filler(3));
        // The stamp, with a string right after it.
        ours.extend(b"1.2.3abc1234");
        theirs.extend(b"1.2.3+dirtyabc1234");
        ours.extend(filler(4));
        theirs.extend(filler(4));
        let (regions, truncated) = binary_regions(&ours, &theirs, &stamps(&["1.2.3", "abc1234"]));
        assert!(!truncated);
        let causes: Vec<Cause> = regions.iter().map(|r| r.cause).collect();
        assert_eq!(
            causes,
            [Cause::Code, Cause::BuildPath, Cause::Stamp],
            "{regions:#?}"
        );
        assert_eq!((regions[0].offset, regions[0].len), (200, 1));
        assert!(
            regions[1].published.contains("/home/runner/work"),
            "{regions:#?}"
        );
        // A version in a NUL-padded slot that grew differs right after the shorter one.
        let (regions, _) = binary_regions(
            b"\x01\x02\x03\x041.3.0\0\0\0\0\0\0\0\0\0\0\0\0\x05\x06",
            b"\x01\x02\x03\x041.3.0-rc2\0\0\0\0\0\0\0\0\x05\x06",
            &stamps(&["1.3.0"]),
        );
        assert_eq!(regions.len(), 1, "{regions:#?}");
        assert_eq!(
            (regions[0].cause, regions[0].offset, regions[0].len),
            (Cause::Stamp, 9, 4)
        );
        // Also inside a long run of padding, where 4 bytes inserted would be in step too.
        let slot = |version: &str| {
            let mut bytes = b"\x01\x02\x03\x04".to_vec();
            let mut slot = version.as_bytes().to_vec();
            slot.resize(64, 0);
            bytes.extend(slot);
            bytes.extend(b"\x05\x06\x07\x08");
            bytes
        };
        let (regions, _) = binary_regions(&slot("9.9.1"), &slot("9.9.1-rc1"), &stamps(&["9.9.1"]));
        assert_eq!(regions.len(), 1, "{regions:#?}");
        assert_eq!(
            (regions[0].cause, regions[0].len, regions[0].published_len),
            (Cause::Stamp, 4, 4)
        );
        // Identical binaries have no region.
        assert_eq!(
            binary_regions(&ours, &ours, &Stamps::default()),
            (Vec::new(), false)
        );
    }

    #[test]
    fn many_code_differences_are_listed_up_to_the_limit() {
        let ours: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let theirs: Vec<u8> = ours
            .iter()
            .enumerate()
            .map(|(i, b)| if i % 100 == 50 { b ^ 0xff } else { *b })
            .collect();
        let (regions, truncated) = binary_regions(&ours, &theirs, &Stamps::default());
        assert!(truncated);
        assert_eq!(regions.len(), MAX_REGIONS);
        assert!(regions.iter().all(|r| r.cause == Cause::Code && r.len == 1));
        assert_eq!(regions[1].offset, 150);
    }

    #[test]
    fn entries_missing_extra_reordered_or_with_another_mode_or_owner() {
        let entry = |name: &str, mode: u32, owner: &str| Entry {
            name: name.into(),
            kind: "file".into(),
            mode,
            mtime: "0".into(),
            owner: owner.into(),
            content: b"x".to_vec(),
        };
        let ours = [
            entry("LICENSE", 0o644, "0:0"),
            entry("aicr", 0o755, "0:0"),
            entry("README.md", 0o644, "0:0"),
        ];
        let theirs = [
            entry("aicr", 0o775, "1000:1000"),
            entry("LICENSE", 0o644, "0:0"),
            entry("NOTES", 0o644, "0:0"),
        ];
        let found: Vec<String> = compare_entries(&ours, &theirs, Some("aicr"), &Stamps::default())
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            found,
            [
                "entry README.md: in the rebuilt archive only",
                "entry NOTES: in the published archive only",
                "the entries are in another order: LICENSE, aicr rebuilt, aicr, LICENSE published",
                "entry aicr: mode 755 rebuilt, 775 published",
                "entry aicr: owner 0:0 rebuilt, 1000:1000 published",
            ]
        );
    }

    #[test]
    fn equal_entries_in_other_compressed_bytes_blame_the_container() {
        let ours = archive("1.2.3", b"license\n", EPOCH);
        let mut theirs = ours.clone();
        theirs[8] = 0; // the gzip header's extra flags
        let found = explain_archives(&ours, &theirs, &Stamps::default());
        assert_eq!(found, [Difference::Container { offset: 8 }]);
    }

    #[test]
    fn a_corrupt_archive_is_unreadable_not_a_panic() {
        let ours = archive("1.2.3", b"license\n", EPOCH);
        let found = explain_archives(&ours, b"not gzip", &Stamps::default());
        assert!(
            matches!(
                &found[..],
                [Difference::Unreadable {
                    side: "published",
                    ..
                }]
            ),
            "{found:#?}"
        );
    }

    #[test]
    fn zip_entries_are_compared_like_tar_entries() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("aicr"), script("1.2.3")).unwrap();
        let entries = [crate::archive::Entry {
            name: "aicr".into(),
            source: dir.path().join("aicr"),
            mode: 0o755,
        }];
        let zip = |mtime: u64| {
            let mut cursor = std::io::Cursor::new(Vec::new());
            crate::archive::write_zip(&mut cursor, &entries, mtime).unwrap();
            cursor.into_inner()
        };
        let found = explain(&Pair {
            name: "aicr_1.2.3_darwin_arm64.zip",
            rebuilt: &zip(EPOCH),
            published: &zip(EPOCH + 3600),
            binary: Some("aicr"),
            stamps: &Stamps::default(),
            replacements: &[],
        });
        assert_eq!(
            found.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["entry aicr: mtime 2026-01-02 03:04:04 rebuilt, 2026-01-02 04:04:04 published"]
        );
    }

    fn sbom(version: &str, archive_sha: &str, license: &str) -> Vec<u8> {
        let doc = serde_json::json!({
            "name": format!("aicr_{version}_linux_amd64"),
            "documentNamespace": format!("https://github.com/NVIDIA/aicr/spdx/aicr_{version}_linux_amd64/{archive_sha}"),
            "packages": [
                { "name": "aicr", "versionInfo": version, "checksums": [{ "checksumValue": archive_sha }] },
                { "name": "serde", "versionInfo": "1.0.0", "licenseDeclared": license },
            ],
        });
        (serde_json::to_string_pretty(&doc).unwrap() + "\n").into_bytes()
    }

    #[test]
    fn sboms_differ_by_json_path_and_a_promotion_replaces_the_version_and_digest() {
        let ours = sbom("1.3.0", &"a".repeat(64), "MIT");
        let theirs = sbom("1.3.0", &"a".repeat(64), "Apache-2.0");
        let pair = |published: &[u8], replacements: &[(String, String)]| {
            explain(&Pair {
                name: "aicr_1.3.0_linux_amd64.spdx.json",
                rebuilt: &ours,
                published,
                binary: None,
                stamps: &Stamps::default(),
                replacements,
            })
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
        };
        assert_eq!(
            pair(&theirs, &[]),
            ["packages[1].licenseDeclared: \"MIT\" rebuilt, \"Apache-2.0\" published"]
        );
        let candidate = sbom("1.3.0-rc2", &"b".repeat(64), "MIT");
        let replacements = [
            ("b".repeat(64), "a".repeat(64)),
            ("1.3.0-rc2".to_owned(), "1.3.0".to_owned()),
        ];
        assert_eq!(pair(&candidate, &replacements), Vec::<String>::new());
        // Without the replacements, the version fields are what differs.
        let found = pair(&candidate, &[]);
        assert!(
            found.contains(
                &"packages[0].versionInfo: \"1.3.0\" rebuilt, \"1.3.0-rc2\" published".to_owned()
            ),
            "{found:#?}"
        );
        // A candidate that differs in more than the version still differs.
        let other = sbom("1.3.0-rc2", &"b".repeat(64), "Apache-2.0");
        assert_eq!(
            pair(&other, &replacements),
            ["packages[1].licenseDeclared: \"MIT\" rebuilt, \"Apache-2.0\" published"]
        );
    }

    #[test]
    fn a_promotion_passes_on_stamp_differences_only() {
        let ours = archive("1.3.0", b"license\n", EPOCH);
        let theirs = archive("1.3.0-rc2", b"license\n", EPOCH);
        let stamps = Stamps {
            rebuilt: vec!["1.3.0".into()],
            published: vec!["1.3.0-rc2".into()],
        };
        let found = explain_archives(&ours, &theirs, &stamps);
        assert_eq!(verdict(&found, true), Status::Promoted, "{found:#?}");
        assert_eq!(verdict(&found, false), Status::Differs);
        let changed = archive("1.3.0-rc2", b"license 2\n", EPOCH);
        let found = explain_archives(&ours, &changed, &stamps);
        assert_eq!(verdict(&found, true), Status::Differs, "{found:#?}");
    }

    #[test]
    fn assets_pair_as_ok_differs_missing_and_extra() {
        let rebuilt = |name: &str, sha: &str| Rebuilt {
            name: name.into(),
            published_name: name.into(),
            sha256: sha.into(),
        };
        let published: BTreeMap<String, String> = [
            ("a.tar.gz", "11"),
            ("b.tar.gz", "99"),
            ("x_windows.zip", "33"),
            ("c_darwin.tar.gz", "44"),
        ]
        .iter()
        .map(|(n, d)| ((*n).to_owned(), (*d).to_owned()))
        .collect();
        let out_of_scope: BTreeSet<String> = ["c_darwin.tar.gz".to_owned()].into();
        let reports = pair_assets(
            &[
                rebuilt("a.tar.gz", "11"),
                rebuilt("b.tar.gz", "22"),
                rebuilt("n.md", "55"),
            ],
            &published,
            &out_of_scope,
        );
        let statuses: Vec<(&str, Status)> = reports
            .iter()
            .map(|r| (r.name.as_str(), r.status))
            .collect();
        assert_eq!(
            statuses,
            [
                ("a.tar.gz", Status::Ok),
                ("b.tar.gz", Status::Differs),
                ("n.md", Status::Missing),
                ("x_windows.zip", Status::Extra),
            ]
        );
        assert_eq!(reports[1].published_sha256.as_deref(), Some("99"));
    }

    #[test]
    fn the_published_version_is_read_from_the_archive_names() {
        let templates = vec![
            ("aicr_".to_owned(), "_linux_amd64.tar.gz".to_owned()),
            ("aicrd_".to_owned(), "_linux_amd64.tar.gz".to_owned()),
        ];
        assert_eq!(
            published_version(
                &[
                    "aicr_1.3.0-rc2_linux_amd64.tar.gz",
                    "aicrd_1.3.0-rc2_linux_amd64.tar.gz",
                    "THIRD_PARTY_NOTICES.md"
                ],
                &templates
            )
            .unwrap(),
            "1.3.0-rc2"
        );
        let err = published_version(
            &[
                "aicr_1.3.0-rc1_linux_amd64.tar.gz",
                "aicrd_1.3.0-rc2_linux_amd64.tar.gz",
            ],
            &templates,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("several versions (1.3.0-rc1, 1.3.0-rc2)"),
            "{err}"
        );
        assert!(published_version(&["notes.txt"], &templates).is_err());
    }

    #[test]
    fn image_indexes_compare_by_platform_manifest() {
        let index = |amd: &str, arm: Option<&str>| {
            let mut manifests = vec![
                serde_json::json!({ "digest": amd, "platform": { "os": "linux", "architecture": "amd64" } }),
            ];
            if let Some(arm) = arm {
                manifests.push(serde_json::json!({ "digest": arm, "platform": { "os": "linux", "architecture": "arm64" } }));
            }
            serde_json::json!({ "manifests": manifests })
        };
        let published = index("sha256:a", Some("sha256:b"));
        assert!(compare_index(&published, &published, true).is_empty());
        assert!(compare_index(&index("sha256:a", None), &published, false).is_empty());
        assert_eq!(
            compare_index(&index("sha256:c", None), &published, false),
            ["linux/amd64: manifest sha256:c rebuilt, sha256:a published"]
        );
        assert_eq!(
            compare_index(&index("sha256:a", None), &published, true),
            ["linux/arm64: only in the published index"]
        );
    }

    #[test]
    fn a_binary_difference_names_the_first_region_outside_the_stamp() {
        let region = |cause, offset, text: &str| Region {
            cause,
            offset,
            len: 4,
            published_offset: offset,
            published_len: 5,
            rebuilt: text.to_owned(),
            published: String::new(),
        };
        assert_eq!(
            binary_difference("aicr", &[], true),
            "entry aicr: the binary differs in  and more"
        );
        assert_eq!(
            binary_difference(
                "aicr",
                &[
                    region(Cause::Stamp, 0x10, "1.2.3"),
                    region(Cause::Code, 0x40, ""),
                    region(Cause::Code, 0x80, "")
                ],
                false
            ),
            format!(
                "entry aicr: the binary differs in {} (1 region(s)), {} (2 region(s)); first not in the stamp at byte 0x40 (4 byte(s) rebuilt, 5 published)",
                Cause::Stamp.describe(),
                Cause::Code.describe()
            )
        );
    }
}
