// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The HTTP agent configuration every client of the xtask starts from: statuses are
//! values (not errors), and HTTPS goes through rustls (ring) with the platform's root
//! certificates (on Linux the system store, or `SSL_CERT_FILE`).

use ureq::config::ConfigBuilder;
use ureq::tls::{RootCerts, TlsConfig, TlsProvider};
use ureq::typestate::AgentScope;

pub fn config() -> ConfigBuilder<AgentScope> {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .user_agent("aicr-xtask")
        .tls_config(
            TlsConfig::builder()
                .provider(TlsProvider::Rustls)
                .root_certs(RootCerts::PlatformVerifier)
                .build(),
        )
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    #[test]
    fn https_is_spoken() {
        // A loopback server that answers a TLS hello with plain text: the client must
        // have tried TLS (a TLS error, not "TLS required" and not a panic).
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut hello = [0u8; 5];
            stream.read_exact(&mut hello).unwrap();
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
            hello
        });
        let agent: ureq::Agent = super::config().build().into();
        let err = agent.get(format!("https://{addr}/v2/")).call().unwrap_err();
        assert!(
            !matches!(err, ureq::Error::TlsRequired),
            "the client speaks TLS: {err}"
        );
        let hello = server.join().unwrap();
        assert_eq!(hello[0], 0x16, "a TLS handshake record was sent");
    }
}
