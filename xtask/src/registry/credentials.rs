// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Registry credentials from the environment: `AICR_REGISTRY_USERNAME` and
//! `AICR_REGISTRY_PASSWORD`, or, for `ghcr.io` only, `GITHUB_TOKEN` (as `GITHUB_ACTOR`, else
//! `x-access-token`). The password never appears in `Debug` output or messages.

use std::fmt;

use anyhow::{Result, bail};

pub const USERNAME: &str = "AICR_REGISTRY_USERNAME";
pub const PASSWORD: &str = "AICR_REGISTRY_PASSWORD";

/// A user name and its password or token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    password: String,
    /// Where they came from, for messages (`AICR_REGISTRY_USERNAME`, `GITHUB_TOKEN`).
    pub source: &'static str,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("source", &self.source)
            .finish()
    }
}

impl Credentials {
    pub fn new(username: &str, password: &str, source: &'static str) -> Credentials {
        Credentials {
            username: username.to_owned(),
            password: password.to_owned(),
            source,
        }
    }

    /// The value of a `Basic` Authorization header.
    pub fn basic(&self) -> String {
        use base64::Engine as _;
        let pair = format!("{}:{}", self.username, self.password);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    }

    /// The credentials for `host`, looked up with `var` (the process environment in
    /// [`Credentials::from_env`]).
    pub fn lookup(host: &str, var: impl Fn(&str) -> Option<String>) -> Result<Option<Credentials>> {
        let get = |name: &str| var(name).filter(|v| !v.is_empty());
        match (get(USERNAME), get(PASSWORD)) {
            (Some(user), Some(password)) => {
                return Ok(Some(Credentials::new(&user, &password, USERNAME)));
            }
            (Some(_), None) => {
                bail!("{USERNAME} is set without {PASSWORD}; hint: set both, or neither")
            }
            (None, Some(_)) => {
                bail!("{PASSWORD} is set without {USERNAME}; hint: set both, or neither")
            }
            (None, None) => {}
        }
        if host.eq_ignore_ascii_case("ghcr.io")
            && let Some(token) = get("GITHUB_TOKEN")
        {
            let user = get("GITHUB_ACTOR").unwrap_or_else(|| "x-access-token".to_owned());
            return Ok(Some(Credentials::new(&user, &token, "GITHUB_TOKEN")));
        }
        Ok(None)
    }

    pub fn from_env(host: &str) -> Result<Option<Credentials>> {
        Credentials::lookup(host, |name| std::env::var(name).ok())
    }
}

/// The hint naming what provides credentials for `access` to `host`.
pub fn hint(host: &str, access: super::Access) -> String {
    let (verb, permission) = match access {
        super::Access::Pull => ("pull from", "read"),
        super::Access::Push => ("push to", "write"),
    };
    if host.eq_ignore_ascii_case("ghcr.io") {
        format!(
            "set {USERNAME} and {PASSWORD}, or GITHUB_TOKEN with the packages: {permission} permission"
        )
    } else {
        format!("set {USERNAME} and {PASSWORD} to an account that may {verb} it")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn explicit_credentials_win_and_ghcr_falls_back_to_the_github_token() {
        let both = [
            (USERNAME, "robot"),
            (PASSWORD, "s3cret"),
            ("GITHUB_TOKEN", "ghs_x"),
        ];
        let c = Credentials::lookup("ghcr.io", env(&both)).unwrap().unwrap();
        assert_eq!((c.username.as_str(), c.source), ("robot", USERNAME));
        let gh = [("GITHUB_TOKEN", "ghs_x"), ("GITHUB_ACTOR", "octocat")];
        let c = Credentials::lookup("ghcr.io", env(&gh)).unwrap().unwrap();
        assert_eq!((c.username.as_str(), c.source), ("octocat", "GITHUB_TOKEN"));
        assert_eq!(c.basic(), "Basic b2N0b2NhdDpnaHNfeA==");
        let c = Credentials::lookup("ghcr.io", env(&gh[..1]))
            .unwrap()
            .unwrap();
        assert_eq!(c.username, "x-access-token");
        assert_eq!(Credentials::lookup("nvcr.io", env(&gh)).unwrap(), None);
        assert_eq!(Credentials::lookup("ghcr.io", env(&[])).unwrap(), None);
        let half = Credentials::lookup("ghcr.io", env(&both[..1])).unwrap_err();
        assert!(half.to_string().contains("set both, or neither"), "{half}");
    }

    #[test]
    fn debug_output_hides_the_password() {
        let c = Credentials::new("robot", "s3cret", USERNAME);
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("s3cret") && shown.contains("robot"),
            "{shown}"
        );
    }
}
