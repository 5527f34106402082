// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! DSSE (Dead Simple Signing Envelope) with ed25519 keys: the pre-authentication
//! encoding, envelopes, signing, verification, and PEM keys (PKCS#8 private keys,
//! SubjectPublicKeyInfo public keys). A key's id is the SHA-256 (hex) of its public key
//! in DER form.

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::fsutil;

/// The payload type of in-toto statements.
pub const IN_TOTO: &str = "application/vnd.in-toto+json";

/// `PAE(type, body)` = `"DSSEv1" SP len(type) SP type SP len(body) SP body`.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub keyid: String,
    pub sig: String,
}

/// A DSSE envelope; `payload` is base64 (standard alphabet, padded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    pub payload_type: String,
    pub payload: String,
    pub signatures: Vec<Signature>,
}

/// The key id of a public key.
pub fn keyid(key: &VerifyingKey) -> Result<String> {
    let der = key
        .to_public_key_der()
        .context("cannot encode the public key")?;
    Ok(fsutil::hex(&Sha256::digest(der.as_bytes())))
}

impl Envelope {
    /// Wraps `payload`, signed with `key` when one is given.
    pub fn new(payload_type: &str, payload: &[u8], key: Option<&SigningKey>) -> Result<Envelope> {
        let mut signatures = Vec::new();
        if let Some(key) = key {
            let sig = key.sign(&pae(payload_type, payload));
            signatures.push(Signature {
                keyid: keyid(&key.verifying_key())?,
                sig: STANDARD.encode(sig.to_bytes()),
            });
        }
        Ok(Envelope {
            payload_type: payload_type.to_owned(),
            payload: STANDARD.encode(payload),
            signatures,
        })
    }

    pub fn payload_bytes(&self) -> Result<Vec<u8>> {
        STANDARD
            .decode(&self.payload)
            .context("the envelope's payload is not base64")
    }

    /// Checks that a signature by `key` covers the payload.
    pub fn verify(&self, key: &VerifyingKey) -> Result<()> {
        let id = keyid(key)?;
        let payload = self.payload_bytes()?;
        let message = pae(&self.payload_type, &payload);
        if self.signatures.is_empty() {
            bail!("the envelope is not signed");
        }
        let mut tried = 0;
        for signature in &self.signatures {
            if signature.keyid != id && !signature.keyid.is_empty() {
                continue;
            }
            tried += 1;
            let bytes = STANDARD
                .decode(&signature.sig)
                .context("a signature is not base64")?;
            let sig = ed25519_dalek::Signature::from_slice(&bytes)
                .context("a signature is not an ed25519 signature")?;
            if key.verify(&message, &sig).is_ok() {
                return Ok(());
            }
        }
        if tried == 0 {
            bail!(
                "no signature by key {id} (signed by {})",
                self.signatures
                    .iter()
                    .map(|s| s.keyid.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        bail!("the signature by key {id} does not match the payload")
    }
}

/// Reads a PKCS#8 PEM private key.
pub fn signing_key_from_pem(pem: &str) -> Result<SigningKey> {
    SigningKey::from_pkcs8_pem(pem)
        .map_err(|e| anyhow::anyhow!("not an ed25519 PKCS#8 PEM private key ({e})"))
}

/// Reads a SubjectPublicKeyInfo PEM public key.
pub fn verifying_key_from_pem(pem: &str) -> Result<VerifyingKey> {
    VerifyingKey::from_public_key_pem(pem)
        .map_err(|e| anyhow::anyhow!("not an ed25519 PEM public key ({e})"))
}

/// A new key pair from the operating system's randomness, as PEM texts.
pub fn generate() -> Result<(String, String)> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|e| anyhow::anyhow!("no randomness from the operating system: {e}"))?;
    let key = SigningKey::from_bytes(&secret);
    let private = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| anyhow::anyhow!("cannot encode the key: {e}"))?;
    Ok((private.to_string(), public_pem(&key.verifying_key())?))
}

pub fn public_pem(key: &VerifyingKey) -> Result<String> {
    key.to_public_key_pem(LineEnding::LF)
        .map_err(|e| anyhow::anyhow!("cannot encode the public key: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_specification_example() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ");
    }

    #[test]
    fn sign_verify_and_tamper() {
        let (private, public) = generate().unwrap();
        let key = signing_key_from_pem(&private).unwrap();
        let public = verifying_key_from_pem(&public).unwrap();
        let envelope = Envelope::new(IN_TOTO, b"{\"a\":1}", Some(&key)).unwrap();
        envelope.verify(&public).unwrap();
        assert_eq!(envelope.signatures[0].keyid, keyid(&public).unwrap());

        let mut changed = envelope.clone();
        changed.payload = STANDARD.encode(b"{\"a\":2}");
        assert!(
            changed
                .verify(&public)
                .unwrap_err()
                .to_string()
                .contains("does not match")
        );

        let (_, other) = generate().unwrap();
        let other = verifying_key_from_pem(&other).unwrap();
        assert!(
            envelope
                .verify(&other)
                .unwrap_err()
                .to_string()
                .contains("no signature by key")
        );

        let unsigned = Envelope::new(IN_TOTO, b"{}", None).unwrap();
        assert!(
            unsigned
                .verify(&public)
                .unwrap_err()
                .to_string()
                .contains("not signed")
        );
        assert!(
            signing_key_from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
                .is_err()
        );
    }

    #[test]
    fn signatures_are_deterministic() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let a = Envelope::new(IN_TOTO, b"same", Some(&key)).unwrap();
        let b = Envelope::new(IN_TOTO, b"same", Some(&key)).unwrap();
        assert_eq!(a, b);
    }
}
