// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Reproducible Mach-O executables. The darwin linker writes an `LC_UUID` that depends
//! on where the build ran, so two builds of the same commit differ in those 16 bytes and
//! in the ad-hoc code signature's hash of the page holding them. [`normalize_uuid`]
//! replaces the UUID with one derived from the binary's own content (as Apple's linker
//! does) and recomputes the code signature's page hashes, so the binary is identical
//! wherever it was built and its signature still matches its pages.

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

const MH_MAGIC_64: u32 = 0xfeed_facf;
const LC_UUID: u32 = 0x1b;
const LC_CODE_SIGNATURE: u32 = 0x1d;
const CSMAGIC_EMBEDDED_SIGNATURE: u32 = 0xfade_0cc0;
const CSMAGIC_CODEDIRECTORY: u32 = 0xfade_0c02;
const CS_HASHTYPE_SHA256: u8 = 2;

fn le32(b: &[u8], at: usize) -> Result<u32> {
    Ok(u32::from_le_bytes(
        b.get(at..at + 4).context("truncated Mach-O")?.try_into()?,
    ))
}

fn be32(b: &[u8], at: usize) -> Result<u32> {
    Ok(u32::from_be_bytes(
        b.get(at..at + 4)
            .context("truncated code signature")?
            .try_into()?,
    ))
}

/// Where the code signature lies: offset and size in the file.
type Span = (usize, usize);

/// One SHA-256 code directory of an embedded signature.
#[derive(Debug, Clone, Copy)]
struct CodeDirectory {
    offset: usize,
    hash_offset: usize,
    slots: usize,
    limit: usize,
    hash_size: usize,
    page: usize,
}

/// Offsets of the UUID and the code signature of a 64-bit little-endian Mach-O, or
/// `None` for anything else.
fn locate(bytes: &[u8]) -> Result<Option<(usize, Option<Span>)>> {
    if bytes.len() < 32 || le32(bytes, 0)? != MH_MAGIC_64 {
        return Ok(None);
    }
    let ncmds = le32(bytes, 16)? as usize;
    let mut at = 32;
    let (mut uuid, mut signature) = (None, None);
    for _ in 0..ncmds {
        let cmd = le32(bytes, at)?;
        let size = le32(bytes, at + 4)? as usize;
        if size < 8 {
            bail!("a Mach-O load command is malformed");
        }
        match cmd {
            LC_UUID => uuid = Some(at + 8),
            LC_CODE_SIGNATURE => {
                signature = Some((
                    le32(bytes, at + 8)? as usize,
                    le32(bytes, at + 12)? as usize,
                ))
            }
            _ => {}
        }
        at += size;
    }
    Ok(uuid.map(|u| (u, signature)))
}

/// The code directories of an embedded signature.
fn code_directories(bytes: &[u8], (dataoff, datasize): Span) -> Result<Vec<CodeDirectory>> {
    if be32(bytes, dataoff)? != CSMAGIC_EMBEDDED_SIGNATURE {
        bail!("unknown code signature format");
    }
    let count = be32(bytes, dataoff + 8)? as usize;
    let mut dirs = Vec::new();
    for i in 0..count {
        let offset = dataoff + be32(bytes, dataoff + 12 + i * 8 + 4)? as usize;
        if offset >= dataoff + datasize || be32(bytes, offset)? != CSMAGIC_CODEDIRECTORY {
            continue;
        }
        let byte = |at: usize| {
            bytes
                .get(offset + at)
                .copied()
                .context("truncated code directory")
        };
        let (hash_size, hash_type, page_shift) = (byte(36)? as usize, byte(37)?, byte(39)?);
        if hash_type != CS_HASHTYPE_SHA256 || hash_size != 32 || page_shift == 0 || page_shift > 20
        {
            bail!("unsupported code directory (hash type {hash_type}, page shift {page_shift})");
        }
        dirs.push(CodeDirectory {
            offset,
            hash_offset: be32(bytes, offset + 16)? as usize,
            slots: be32(bytes, offset + 28)? as usize,
            limit: be32(bytes, offset + 32)? as usize,
            hash_size,
            page: 1usize << page_shift,
        });
    }
    Ok(dirs)
}

fn page_hashes(bytes: &mut [u8], signature: Span) -> Result<()> {
    for cd in code_directories(bytes, signature)? {
        for slot in 0..cd.slots {
            let start = slot * cd.page;
            let end = (start + cd.page).min(cd.limit);
            let digest = Sha256::digest(
                bytes
                    .get(start..end)
                    .context("a code slot beyond the file")?,
            );
            let at = cd.offset + cd.hash_offset + slot * cd.hash_size;
            bytes
                .get_mut(at..at + cd.hash_size)
                .context("a hash slot beyond the file")?
                .copy_from_slice(&digest);
        }
    }
    Ok(())
}

/// Makes a Mach-O binary's UUID a function of its content and re-hashes its signed
/// pages. Returns `false` (and changes nothing) for files that are not 64-bit Mach-O.
pub fn normalize_uuid(bytes: &mut [u8]) -> Result<bool> {
    let Some((uuid_at, signature)) = locate(bytes)? else {
        return Ok(false);
    };
    bytes[uuid_at..uuid_at + 16].fill(0);
    // The signature covers the pages, not itself: hash the content without it.
    let content_end = signature.map_or(bytes.len(), |(off, _)| off);
    let digest = Sha256::digest(&bytes[..content_end]);
    let mut uuid = [0u8; 16];
    uuid.copy_from_slice(&digest[..16]);
    uuid[6] = (uuid[6] & 0x0f) | 0x50; // RFC 9562 version 5 (name-based, SHA)
    uuid[8] = (uuid[8] & 0x3f) | 0x80;
    bytes[uuid_at..uuid_at + 16].copy_from_slice(&uuid);
    if let Some(signature) = signature {
        page_hashes(bytes, signature)?;
    }
    Ok(true)
}

/// Checks that every signed page hash matches its page.
pub fn verify_page_hashes(bytes: &[u8]) -> Result<()> {
    let Some((_, Some(signature))) = locate(bytes)? else {
        return Ok(());
    };
    let mut copy = bytes.to_vec();
    page_hashes(&mut copy, signature)?;
    if copy != bytes {
        bail!("a code signature page hash does not match its page");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal Mach-O: header, LC_UUID, LC_CODE_SIGNATURE, three 4 KiB pages of code,
    /// then an embedded signature with one SHA-256 code directory.
    fn fixture(uuid: [u8; 16], filler: u8) -> Vec<u8> {
        let page = 4096;
        let code_len = 3 * page;
        let mut b = vec![0u8; code_len];
        b[..4].copy_from_slice(&MH_MAGIC_64.to_le_bytes());
        b[16..20].copy_from_slice(&2u32.to_le_bytes());
        b[32..36].copy_from_slice(&LC_UUID.to_le_bytes());
        b[36..40].copy_from_slice(&24u32.to_le_bytes());
        b[40..56].copy_from_slice(&uuid);
        b[56..60].copy_from_slice(&LC_CODE_SIGNATURE.to_le_bytes());
        b[60..64].copy_from_slice(&16u32.to_le_bytes());
        b[64..68].copy_from_slice(&(code_len as u32).to_le_bytes());
        for (i, x) in b.iter_mut().enumerate().skip(page) {
            *x = filler.wrapping_add(i as u8);
        }
        let hash_offset = 44usize;
        let cd_len = hash_offset + 3 * 32;
        let mut sig = Vec::new();
        sig.extend_from_slice(&CSMAGIC_EMBEDDED_SIGNATURE.to_be_bytes());
        sig.extend_from_slice(&((20 + cd_len) as u32).to_be_bytes());
        sig.extend_from_slice(&1u32.to_be_bytes());
        sig.extend_from_slice(&0u32.to_be_bytes());
        sig.extend_from_slice(&20u32.to_be_bytes());
        let mut cd = vec![0u8; cd_len];
        cd[..4].copy_from_slice(&CSMAGIC_CODEDIRECTORY.to_be_bytes());
        cd[4..8].copy_from_slice(&(cd_len as u32).to_be_bytes());
        cd[16..20].copy_from_slice(&(hash_offset as u32).to_be_bytes());
        cd[28..32].copy_from_slice(&3u32.to_be_bytes());
        cd[32..36].copy_from_slice(&(code_len as u32).to_be_bytes());
        cd[36] = 32;
        cd[37] = CS_HASHTYPE_SHA256;
        cd[39] = 12;
        sig.extend_from_slice(&cd);
        b[64 + 4..64 + 8].copy_from_slice(&(sig.len() as u32).to_le_bytes());
        b.extend_from_slice(&sig);
        let sig_at = code_len;
        page_hashes(&mut b, (sig_at, sig.len())).unwrap();
        b
    }

    #[test]
    fn builds_that_differ_only_in_uuid_become_identical_and_stay_signed() {
        let mut a = fixture([1; 16], 7);
        let mut b = fixture([2; 16], 7);
        assert_ne!(a, b);
        verify_page_hashes(&a).unwrap();
        assert!(normalize_uuid(&mut a).unwrap());
        assert!(normalize_uuid(&mut b).unwrap());
        assert_eq!(a, b);
        verify_page_hashes(&a).unwrap();
        assert_eq!(a[46] >> 4, 5, "a version 5 UUID");
        // Different code gives a different UUID.
        let mut c = fixture([1; 16], 9);
        normalize_uuid(&mut c).unwrap();
        assert_ne!(a[40..56], c[40..56]);
        // A tampered page is caught.
        let mut d = a.clone();
        d[5000] ^= 1;
        assert!(verify_page_hashes(&d).is_err());
    }

    #[test]
    fn other_files_are_left_alone() {
        let mut elf = b"\x7fELF and the rest".to_vec();
        let before = elf.clone();
        assert!(!normalize_uuid(&mut elf).unwrap());
        assert_eq!(elf, before);
    }
}
