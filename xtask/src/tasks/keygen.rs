// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `cargo xtask keygen --out DIR`: an ed25519 key pair for signing provenance locally:
//! `aicr-signing.key` (PKCS#8 PEM, mode 0600) and `aicr-signing.pub` (PEM). Refuses to
//! overwrite existing keys.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use anyhow::{Result, bail};

use crate::dsse;
use crate::flags::KeygenArgs;
use crate::fsutil;
use crate::project::Project;

pub fn run(_project: &Project, args: &KeygenArgs) -> Result<()> {
    let private = args.out.join("aicr-signing.key");
    let public = args.out.join("aicr-signing.pub");
    for path in [&private, &public] {
        if path.exists() {
            bail!(
                "{} already exists; hint: choose another --out or remove the old key first",
                path.display()
            );
        }
    }
    let (private_pem, public_pem) = dsse::generate()?;
    fsutil::write_with(&private, |file| {
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
        use std::io::Write;
        Ok(file.write_all(private_pem.as_bytes())?)
    })?;
    fsutil::write_atomically(&public, public_pem.as_bytes())?;
    let keyid = dsse::keyid(&dsse::verifying_key_from_pem(&public_pem)?)?;
    errln!(
        "keygen: wrote {} (keep it secret) and {} (key id {keyid})",
        private.display(),
        public.display()
    );
    outln!("{}", public.display())?;
    Ok(())
}
