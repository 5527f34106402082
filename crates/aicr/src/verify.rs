// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The checks of `aicr verify DIR`: every file `DIR/checksums.txt` lists is re-hashed
//! and compared with its line (`<sha256>  <path>`, as `sha256sum` writes them).
//!
//! A bundle is untrusted input, so verification trusts neither its names nor its file
//! types: a listed name must be a normalized relative path (no `/` at the start, no
//! `.` or `..` segment, no empty segment), and every file read, `checksums.txt`
//! included, must be a regular file reached through real directories. A symbolic link
//! (which could point at `/etc/passwd`), a FIFO, a device (`/dev/zero` never ends) or a
//! socket fails its check without being opened; after the open, the file is checked
//! again to be the regular file that was looked at. A `checksums.txt` that lists no
//! file verifies nothing and fails.

use std::fmt::Write as _;
use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::Error;

/// The name of the checksum list in a bundle.
pub const CHECKSUMS: &str = "checksums.txt";

/// The outcome of verifying one file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileCheck {
    pub path: String,
    pub ok: bool,
    pub detail: String,
}

/// Why a name of the list is refused before any file is looked at; `None` when it is
/// a normalized relative path.
pub fn refuse_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("the path is empty; refused");
    }
    let path = Path::new(name);
    if path
        .components()
        .any(|c| matches!(c, Component::RootDir | Component::Prefix(_)))
    {
        return Some("the path is absolute, so it leaves the bundle; refused");
    }
    if path.components().any(|c| c == Component::ParentDir) {
        // A '..' segment can leave the bundle, whatever follows it.
        return Some("the path leaves the bundle; refused");
    }
    let normalized = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if normalized != name || path.components().any(|c| c == Component::CurDir) {
        return Some(
            "the path is not normalized (a '.' or empty segment, or a trailing '/'); refused",
        );
    }
    None
}

/// What a file that is not a regular file is, for the refusal.
fn kind(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_symlink() {
        "a symbolic link"
    } else if t.is_file() {
        "a regular file"
    } else if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Opens `dir/name` (a name [`refuse_name`] accepts) for reading when it is a regular
/// file reached through directories, none of them a symbolic link; else the reason.
/// Nothing that is not a regular file is opened (an open of a FIFO would block), and
/// the opened file is checked to be the one that was looked at.
pub fn open_regular(dir: &Path, name: &str) -> Result<File, String> {
    let mut path = PathBuf::from(dir);
    let parts: Vec<&str> = name.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        path.push(part);
        let shown = parts[..=i].join("/");
        let meta = std::fs::symlink_metadata(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => format!("{shown} does not exist"),
            _ => format!("cannot read {shown}: {e}"),
        })?;
        let last = i + 1 == parts.len();
        if !last && !meta.is_dir() {
            return Err(format!(
                "{shown} is {}, not a directory of the bundle; refused",
                kind(&meta)
            ));
        }
        if last {
            if !meta.file_type().is_file() {
                return Err(format!(
                    "{shown} is {}; only regular files are verified; refused",
                    kind(&meta)
                ));
            }
            let file = File::open(&path).map_err(|e| format!("cannot open {shown}: {e}"))?;
            let opened = file
                .metadata()
                .map_err(|e| format!("cannot read {shown}: {e}"))?;
            if !opened.is_file() || opened.dev() != meta.dev() || opened.ino() != meta.ino() {
                return Err(format!("{shown} changed while it was opened; refused"));
            }
            return Ok(file);
        }
    }
    Err("the path is empty; refused".into())
}

/// The SHA-256 (lowercase hex) of everything `reader` yields, read in constant memory.
fn sha256(mut reader: impl Read) -> io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(hasher.finalize().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    }))
}

fn check(dir: &Path, digest: &str, path: &str) -> FileCheck {
    let fail = |detail: String| FileCheck {
        path: path.into(),
        ok: false,
        detail,
    };
    if let Some(why) = refuse_name(path) {
        return fail(why.into());
    }
    let file = match open_regular(dir, path) {
        Ok(file) => file,
        Err(why) => return fail(why),
    };
    match sha256(file) {
        Ok(actual) if actual == digest => FileCheck {
            path: path.into(),
            ok: true,
            detail: "ok".into(),
        },
        Ok(_) => fail("checksum mismatch".into()),
        Err(e) => fail(format!("unreadable: {e}")),
    }
}

/// Re-hashes every file `dir/checksums.txt` lists. A list that cannot be trusted or
/// lists nothing is an error; each listed file has its [`FileCheck`].
pub fn verify(dir: &Path) -> Result<Vec<FileCheck>, Error> {
    let shown = format!("{}/{CHECKSUMS}", dir.display());
    let file = open_regular(dir, CHECKSUMS).map_err(|why| {
        if std::fs::symlink_metadata(dir.join(CHECKSUMS)).is_err() {
            Error::Input(format!("cannot read {shown}: {why}"))
        } else {
            Error::Failed(format!("{}: {why}", dir.display()))
        }
    })?;
    let mut sums = String::new();
    io::BufReader::new(file)
        .read_to_string(&mut sums)
        .map_err(|e| Error::Input(format!("cannot read {shown}: {e}")))?;
    let mut checks = Vec::new();
    for (i, line) in sums.lines().enumerate() {
        let Some((digest, path)) = line.split_once("  ") else {
            return Err(Error::Input(format!(
                "{CHECKSUMS} line {} is malformed",
                i + 1
            )));
        };
        if digest.len() != 64
            || !digest
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(Error::Input(format!(
                "{CHECKSUMS} line {} has no SHA-256 (64 lowercase hex digits)",
                i + 1
            )));
        }
        checks.push(check(dir, digest, path));
    }
    if checks.is_empty() {
        return Err(Error::Failed(format!(
            "{shown} lists no file, so nothing is verified; hint: a bundle's checksums.txt lists every file aicr bundle wrote"
        )));
    }
    Ok(checks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_must_be_normalized_relative_paths() {
        for good in [
            "a",
            "deploy.sh",
            "gpu-operator/values.yaml",
            "a/b/c",
            "..a",
            "a..b",
        ] {
            assert_eq!(refuse_name(good), None, "{good}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("/etc/passwd", "absolute"),
            ("//etc/passwd", "absolute"),
            ("..", "leaves the bundle"),
            ("a/../b", "leaves the bundle"),
            ("./a", "not normalized"),
            ("a/./b", "not normalized"),
            ("a//b", "not normalized"),
            ("a/", "not normalized"),
            (".", "not normalized"),
        ] {
            let refusal = refuse_name(bad).unwrap_or_else(|| panic!("{bad:?} accepted"));
            assert!(refusal.contains(why), "{bad:?}: {refusal}");
        }
    }

    proptest! {
        #[test]
        fn an_accepted_name_stays_inside_the_bundle(name in "[a./-]{0,12}") {
            if refuse_name(&name).is_none() {
                let mut depth = 0i32;
                for c in Path::new(&name).components() {
                    prop_assert!(matches!(c, Component::Normal(_)), "{name}");
                    depth += 1;
                }
                prop_assert!(depth > 0);
                prop_assert_eq!(name.split('/').count() as i32, depth);
            }
        }
    }
}
