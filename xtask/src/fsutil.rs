// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! File helpers every generating task uses: atomic writes and streaming SHA-256.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

/// Writes `path` through a temporary file in the same directory and a rename, so that a
/// failure never leaves a partial file behind. Keeps the mode of an existing file; a new
/// file gets 0644 unless `fill` sets a mode itself.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_with(path, |file| file.write_all(bytes).map_err(Into::into))
}

/// Like [`write_atomically`], with the content produced by `fill`.
pub fn write_with(path: &Path, fill: impl FnOnce(&mut File) -> Result<()>) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    // Temporary files are created 0600; give new files the usual mode first.
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(0o644))?;
    fill(tmp.as_file_mut()).with_context(|| format!("cannot write {}", path.display()))?;
    tmp.as_file_mut().flush()?;
    if let Ok(meta) = fs::metadata(path) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    tmp.persist(path)
        .with_context(|| format!("cannot move the new {} into place", path.display()))?;
    Ok(())
}

/// The SHA-256 (lowercase hex) and the size of a file, read in constant memory.
pub fn sha256_file(path: &Path) -> Result<(String, u64)> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    sha256_reader(file).with_context(|| format!("cannot read {}", path.display()))
}

/// The SHA-256 (lowercase hex) and the length of everything `reader` yields.
pub fn sha256_reader(mut reader: impl Read) -> io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex(&hasher.finalize()), size))
}

/// Why a file name read from a release's own files (a checksum line, `artifacts.json`,
/// an SBOM) is refused before any file is looked at; `None` when it is a normalized
/// relative path: not absolute, no `.` or `..` segment, no empty segment.
pub fn refuse_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("the name is empty");
    }
    let path = Path::new(name);
    if path
        .components()
        .any(|c| matches!(c, Component::RootDir | Component::Prefix(_)))
    {
        return Some("the name is an absolute path, which leaves the directory");
    }
    if path.components().any(|c| c == Component::ParentDir) {
        return Some("the name has a '..' segment, which can leave the directory");
    }
    let normalized = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if normalized != name || path.components().any(|c| c == Component::CurDir) {
        return Some(
            "the name is not a normalized path (a '.' or empty segment, or a trailing '/')",
        );
    }
    None
}

/// What a file that is not a regular file is.
pub fn kind(meta: &fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
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

/// Opens `dir/name`, a name read from untrusted files, for reading: refused unless
/// [`refuse_name`] accepts it and it is a regular file reached through directories,
/// none of them a symbolic link. Nothing else is opened (a symbolic link can point at
/// `/etc/passwd`, an open of a FIFO blocks, `/dev/zero` never ends), and the opened
/// file is checked to be the one that was looked at.
pub fn open_regular(dir: &Path, name: &str) -> Result<File> {
    use std::os::unix::fs::MetadataExt;
    if let Some(why) = refuse_name(name) {
        anyhow::bail!("{name:?}: {why}; refused");
    }
    let parts: Vec<&str> = name.split('/').collect();
    let mut path = dir.to_path_buf();
    for (i, part) in parts.iter().enumerate() {
        path.push(part);
        let shown = parts[..=i].join("/");
        let meta = fs::symlink_metadata(&path).with_context(|| {
            if i + 1 == parts.len() {
                format!("{shown} is missing")
            } else {
                format!("cannot read {shown}")
            }
        })?;
        if i + 1 < parts.len() {
            if !meta.is_dir() {
                anyhow::bail!("{shown} is {}, not a directory; refused", kind(&meta));
            }
            continue;
        }
        if !meta.file_type().is_file() {
            anyhow::bail!("{shown} is {}, not a regular file; refused", kind(&meta));
        }
        let file = File::open(&path).with_context(|| format!("cannot open {shown}"))?;
        let opened = file
            .metadata()
            .with_context(|| format!("cannot read {shown}"))?;
        if !opened.is_file() || opened.dev() != meta.dev() || opened.ino() != meta.ino() {
            anyhow::bail!("{shown} changed while it was opened; refused");
        }
        return Ok(file);
    }
    anyhow::bail!("{name:?}: the name is empty; refused")
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_inputs() {
        let (digest, size) = sha256_reader(&b"abc"[..]).unwrap();
        assert_eq!(
            digest,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(size, 3);
        let (digest, _) = sha256_reader(&b""[..]).unwrap();
        assert_eq!(
            digest,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn names_must_be_normalized_relative_paths() {
        for good in ["a", "aicr_0.1.0_linux_amd64.tar.gz", "a/b", "..a", "a..b"] {
            assert_eq!(refuse_name(good), None, "{good}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("/etc/passwd", "absolute"),
            ("..", "'..'"),
            ("a/../b", "'..'"),
            ("./a", "normalized"),
            ("a//b", "normalized"),
            ("a/", "normalized"),
            (".", "normalized"),
        ] {
            let refusal = refuse_name(bad).unwrap_or_else(|| panic!("{bad:?} accepted"));
            assert!(refusal.contains(why), "{bad:?}: {refusal}");
        }
    }

    #[test]
    fn only_regular_files_open() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(root.join("file"), b"x").unwrap();
        fs::create_dir(root.join("sub")).unwrap();
        fs::write(root.join("sub/inner"), b"y").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", root.join("passwd")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", root.join("zero")).unwrap();
        std::os::unix::fs::symlink("sub", root.join("linked")).unwrap();
        assert!(open_regular(root, "file").is_ok());
        assert!(open_regular(root, "sub/inner").is_ok());
        for (name, want) in [
            (
                "passwd",
                "passwd is a symbolic link, not a regular file; refused",
            ),
            (
                "zero",
                "zero is a symbolic link, not a regular file; refused",
            ),
            (
                "linked/inner",
                "linked is a symbolic link, not a directory; refused",
            ),
            ("sub", "sub is a directory, not a regular file; refused"),
            ("file/x", "file is a regular file, not a directory; refused"),
            ("missing", "missing is missing"),
            ("../file", "\"../file\": the name has a '..' segment"),
        ] {
            let err = format!("{:#}", open_regular(root, name).unwrap_err());
            assert!(err.starts_with(want), "{name}: {err}");
        }
    }

    #[test]
    fn atomic_write_leaves_no_temporary_file_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        let err = write_with(&path, |_| anyhow::bail!("boom")).unwrap_err();
        assert!(format!("{err:#}").contains("boom"));
        assert!(!path.exists());
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no temporary file is left"
        );
        write_atomically(&path, b"done").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"done");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o644
        );
    }
}
