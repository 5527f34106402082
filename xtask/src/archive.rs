// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Byte-reproducible archives. The same entries give the same bytes whatever the
//! machine, directory, umask, time zone or file times:
//!
//! - entries sorted by name, relative paths without `..`;
//! - tar.gz: ustar headers only (no PAX or GNU extensions), mtime = SOURCE_DATE_EPOCH,
//!   uid/gid 0 with empty owner names, modes from the entry; gzip header with mtime 0,
//!   no file name, OS "unknown". The gzip stream is compressed in parallel the way pigz
//!   does it: fixed 1 MiB blocks, each primed with the 32 KiB before it and ended with a
//!   sync flush, so the bytes depend on the block size only, never on the thread count;
//!   any gzip reader reads it as one stream;
//! - zip: deflate, the DOS time of SOURCE_DATE_EPOCH (UTC), Unix modes, no extra fields.

use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use flate2::{Compress, Compression, FlushCompress, Status};

/// One file in an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Path inside the archive.
    pub name: String,
    /// Where the content comes from.
    pub source: PathBuf,
    /// Unix permission bits (0o755 for binaries, 0o644 for documents).
    pub mode: u32,
}

/// The deflate level: 9, which zlib-rs runs in parallel faster than `gzip -6` runs
/// serially, with smaller output (see `cargo xtask bench package`).
pub const GZIP_LEVEL: u32 = 9;
/// The zip level: entries are compressed serially, so the level of `gzip`.
pub const ZIP_LEVEL: u32 = 6;
/// Uncompressed bytes per independently compressed gzip block.
pub const GZIP_BLOCK: usize = 1 << 20;
/// The deflate window, primed from the previous block.
const WINDOW: usize = 32 * 1024;

fn sorted_checked(entries: &[Entry]) -> Result<Vec<&Entry>> {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    for pair in sorted.windows(2) {
        if pair[0].name == pair[1].name {
            bail!("two archive entries are named {}", pair[0].name);
        }
    }
    for entry in &sorted {
        let bad = entry.name.is_empty()
            || entry.name.starts_with('/')
            || entry
                .name
                .split('/')
                .any(|c| c.is_empty() || c == "." || c == "..");
        if bad {
            bail!(
                "archive entry '{}' must be a relative path without '..'",
                entry.name
            );
        }
    }
    Ok(sorted)
}

/// Writes a deterministic `.tar.gz` of `entries` to `out`.
pub fn write_tar_gz(out: impl Write, entries: &[Entry], mtime: u64) -> Result<()> {
    let mut tar = tar::Builder::new(Vec::new());
    for entry in sorted_checked(entries)? {
        let file = File::open(&entry.source)
            .with_context(|| format!("cannot open {}", entry.source.display()))?;
        let size = file.metadata()?.len();
        let mut header = tar::Header::new_ustar();
        header
            .set_path(&entry.name)
            .with_context(|| format!("archive entry name {}", entry.name))?;
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(size);
        header.set_mode(entry.mode);
        header.set_uid(0);
        header.set_gid(0);
        header.set_username("")?;
        header.set_groupname("")?;
        header.set_mtime(mtime);
        header.set_cksum();
        // The size was read from the same open file: a file that changes while it is
        // archived fails the append instead of producing a corrupt entry.
        tar.append(&header, file.take(size))
            .with_context(|| format!("cannot archive {}", entry.source.display()))?;
    }
    let data = tar.into_inner()?;
    write_gzip(out, &data, GZIP_LEVEL)
}

/// Compresses one block as raw deflate, primed with `dictionary`, ending it with a sync
/// flush (or finishing the stream for the last block).
fn deflate_block(block: &[u8], dictionary: &[u8], level: u32, last: bool) -> Result<Vec<u8>> {
    let mut compress = Compress::new(Compression::new(level), false);
    if !dictionary.is_empty() {
        compress.set_dictionary(dictionary)?;
    }
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    let mut out = Vec::with_capacity(block.len() / 2 + 1024);
    loop {
        let consumed = usize::try_from(compress.total_in())?;
        if out.len() == out.capacity() {
            out.reserve(out.capacity().max(4096));
        }
        let status = compress.compress_vec(&block[consumed..], &mut out, flush)?;
        let done = usize::try_from(compress.total_in())? == block.len();
        match status {
            Status::StreamEnd => break,
            // A sync flush is complete once all input is in and output space was left.
            _ if !last && done && out.len() < out.capacity() => break,
            _ => {}
        }
    }
    Ok(out)
}

/// Writes `data` as a gzip stream (mtime 0, no name, OS unknown), compressing fixed
/// blocks on every core. The bytes do not depend on the number of threads.
pub fn write_gzip(mut out: impl Write, data: &[u8], level: u32) -> Result<()> {
    // (index, offset, bytes) of each block; empty data is one empty block.
    let blocks: Vec<(usize, usize, &[u8])> = if data.is_empty() {
        vec![(0, 0, data)]
    } else {
        data.chunks(GZIP_BLOCK)
            .enumerate()
            .map(|(i, b)| (i, i * GZIP_BLOCK, b))
            .collect()
    };
    let last = blocks.len() - 1;
    let compressed = crate::parallel::map(&blocks, |(index, start, block)| {
        let dictionary = &data[start.saturating_sub(WINDOW)..*start];
        deflate_block(block, dictionary, level, *index == last)
    });
    let mut crc = flate2::Crc::new();
    crc.update(data);
    // Magic, deflate, no flags, mtime 0, extra flags 2 (maximum compression), OS 255.
    out.write_all(&[
        0x1f,
        0x8b,
        8,
        0,
        0,
        0,
        0,
        0,
        if level >= 9 { 2 } else { 0 },
        255,
    ])?;
    for block in compressed {
        out.write_all(&block?)?;
    }
    out.write_all(&crc.sum().to_le_bytes())?;
    // ISIZE is the length modulo 2^32 by definition.
    out.write_all(&((data.len() as u64 & 0xffff_ffff) as u32).to_le_bytes())?;
    out.flush()?;
    Ok(())
}

/// Writes a deterministic `.zip` of `entries` to `out`.
pub fn write_zip(out: impl Write + Seek, entries: &[Entry], mtime: u64) -> Result<()> {
    let time = dos_time(mtime)?;
    let mut zip = zip::ZipWriter::new(out);
    for entry in sorted_checked(entries)? {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(i64::from(ZIP_LEVEL)))
            .last_modified_time(time)
            .unix_permissions(entry.mode)
            .large_file(false);
        zip.start_file(entry.name.as_str(), options)?;
        let mut file = File::open(&entry.source)
            .with_context(|| format!("cannot open {}", entry.source.display()))?;
        io::copy(&mut file, &mut zip)?;
    }
    zip.finish()?.flush()?;
    Ok(())
}

fn dos_time(epoch: u64) -> Result<zip::DateTime> {
    let ts = jiff::Timestamp::from_second(i64::try_from(epoch)?)?;
    let dt = jiff::tz::TimeZone::UTC.to_datetime(ts);
    let (year, month, day) = (dt.year(), dt.month(), dt.day());
    let (hour, minute, second) = (dt.hour(), dt.minute(), dt.second());
    zip::DateTime::from_date_and_time(
        u16::try_from(year)?,
        u8::try_from(month)?,
        u8::try_from(day)?,
        u8::try_from(hour)?,
        u8::try_from(minute)?,
        u8::try_from(second)?,
    )
    .map_err(|_| anyhow::anyhow!("SOURCE_DATE_EPOCH {epoch} cannot be a zip time (1980 to 2107)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn fixture(dir: &std::path::Path) -> Vec<Entry> {
        fs::write(dir.join("bin"), b"\x7fELF pretend binary").unwrap();
        fs::write(dir.join("LICENSE"), "license text\n").unwrap();
        vec![
            Entry {
                name: "aicr".into(),
                source: dir.join("bin"),
                mode: 0o755,
            },
            Entry {
                name: "LICENSE".into(),
                source: dir.join("LICENSE"),
                mode: 0o644,
            },
        ]
    }

    const EPOCH: u64 = 1_767_323_045;

    #[test]
    fn tar_gz_headers_are_fixed() {
        let dir = tempfile::tempdir().unwrap();
        let entries = fixture(dir.path());
        let mut bytes = Vec::new();
        write_tar_gz(&mut bytes, &entries, EPOCH).unwrap();
        // gzip header: magic, deflate, no flags (no name), mtime 0, OS 255.
        assert_eq!(&bytes[..4], &[0x1f, 0x8b, 8, 0]);
        assert_eq!(&bytes[4..8], &[0, 0, 0, 0]);
        assert_eq!(bytes[9], 255);

        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let entry = entry.unwrap();
            let h = entry.header();
            assert!(h.as_ustar().is_some(), "ustar header");
            assert_eq!(h.entry_type(), tar::EntryType::Regular);
            assert_eq!((h.uid().unwrap(), h.gid().unwrap()), (0, 0));
            assert_eq!(h.username().unwrap(), Some(""));
            assert_eq!(h.groupname().unwrap(), Some(""));
            assert_eq!(h.mtime().unwrap(), EPOCH);
            seen.push((
                entry.path().unwrap().display().to_string(),
                h.mode().unwrap(),
            ));
        }
        assert_eq!(
            seen,
            [("LICENSE".to_owned(), 0o644), ("aicr".to_owned(), 0o755)],
            "sorted, modes kept"
        );
    }

    #[test]
    fn zip_has_fixed_times_modes_and_no_extra_fields() {
        let dir = tempfile::tempdir().unwrap();
        let entries = fixture(dir.path());
        let mut cursor = io::Cursor::new(Vec::new());
        write_zip(&mut cursor, &entries, EPOCH).unwrap();
        let bytes = cursor.into_inner();
        // Every local (PK\3\4) and central (PK\1\2) header declares a zero-length extra field.
        let mut headers = 0;
        for i in 0..bytes.len().saturating_sub(32) {
            let field_at = match &bytes[i..i + 4] {
                [0x50, 0x4b, 3, 4] => 28,
                [0x50, 0x4b, 1, 2] => 30,
                _ => continue,
            };
            headers += 1;
            let extra = u16::from_le_bytes([bytes[i + field_at], bytes[i + field_at + 1]]);
            assert_eq!(extra, 0, "header at {i} has extra fields");
        }
        assert_eq!(headers, 4, "two local and two central headers");

        let mut zip = zip::ZipArchive::new(io::Cursor::new(bytes)).unwrap();
        let mut names = Vec::new();
        for i in 0..zip.len() {
            let file = zip.by_index(i).unwrap();
            assert_eq!(file.compression(), zip::CompressionMethod::Deflated);
            let t = file.last_modified().unwrap();
            assert_eq!(
                (t.year(), t.month(), t.day(), t.hour(), t.minute()),
                (2026, 1, 2, 3, 4)
            );
            names.push((
                file.name().unwrap().to_string(),
                file.unix_mode().unwrap() & 0o777,
            ));
        }
        assert_eq!(
            names,
            [("LICENSE".to_owned(), 0o644), ("aicr".to_owned(), 0o755)]
        );
    }

    #[test]
    fn parallel_gzip_round_trips_and_ignores_the_thread_count() {
        use std::io::Read;
        // Several blocks of text-like data, with a short last block.
        let data: Vec<u8> = (0..(3 * GZIP_BLOCK + 12345))
            .map(|i| b"abcdefghij\n"[i % 11] ^ ((i / 4096) as u8 & 3))
            .collect();
        let mut gz = Vec::new();
        write_gzip(&mut gz, &data, 9).unwrap();
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut back)
            .unwrap();
        assert!(back == data, "round trip");
        // gzip(1) agrees: one member, valid CRC and size.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.gz"), &gz).unwrap();
        let status = std::process::Command::new("gzip")
            .arg("-t")
            .arg(dir.path().join("x.gz"))
            .status()
            .unwrap();
        assert!(status.success());
        // Compressing each block on its own (one worker) gives the same bytes.
        let mut serial = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255];
        let blocks: Vec<_> = data.chunks(GZIP_BLOCK).collect();
        for (i, block) in blocks.iter().enumerate() {
            let start = i * GZIP_BLOCK;
            serial.extend(
                deflate_block(
                    block,
                    &data[start.saturating_sub(WINDOW)..start],
                    9,
                    i == blocks.len() - 1,
                )
                .unwrap(),
            );
        }
        assert_eq!(&gz[..gz.len() - 8], &serial[..]);
        let mut empty = Vec::new();
        write_gzip(&mut empty, b"", 9).unwrap();
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&empty[..])
            .read_to_end(&mut back)
            .unwrap();
        assert!(back.is_empty());
    }

    #[test]
    fn bad_entry_names_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut entries = fixture(dir.path());
        for bad in ["../escape", "/abs", "a//b", "./x"] {
            entries[0].name = bad.into();
            let err = write_tar_gz(io::sink(), &entries, EPOCH)
                .unwrap_err()
                .to_string();
            assert!(err.contains("relative path"), "{bad}: {err}");
        }
        entries[0].name = "LICENSE".into();
        assert!(
            write_tar_gz(io::sink(), &entries, EPOCH)
                .unwrap_err()
                .to_string()
                .contains("two archive entries")
        );
    }
}
