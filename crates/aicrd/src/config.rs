// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The server's configuration: flags and environment variables, each checked against
//! its allowed range at startup, so that a value that cannot work (a rate of 0, an
//! unknown criteria value, a drain longer than the shutdown) stops the server with one
//! line naming the variable instead of a server that misbehaves.

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use crate::shutdown;
use crate::state::{AllowLists, Limits};

/// Every setting, resolved and checked.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub shutdown: shutdown::Config,
    pub limits: Limits,
    pub allow: AllowLists,
    pub log_level: &'static str,
}

/// The raw values: a flag's value if given, else the variable's; `None` for the default.
#[derive(Debug, Clone, Default)]
pub struct Raw {
    pub listen: Option<SocketAddr>,
    pub port: Option<String>,
    pub shutdown_timeout: Option<String>,
    pub shutdown_drain: Option<String>,
    pub rate_limit: Option<String>,
    pub rate_burst: Option<String>,
    pub max_body_bytes: Option<String>,
    pub max_connections: Option<String>,
    pub header_timeout: Option<String>,
    pub body_timeout: Option<String>,
    pub idle_timeout: Option<String>,
}

/// The largest request body that may be configured: 64 MiB.
pub const MAX_BODY_BYTES: u64 = 64 << 20;
/// The most connections that may be configured.
pub const MAX_CONNECTIONS: u64 = 100_000;
/// The longest timeout that may be configured, in seconds.
pub const MAX_SECONDS: u64 = 3600;
/// The highest rate (and burst) that may be configured.
pub const MAX_RATE: f64 = 1e9;

/// A whole number within `min..=max`, or an error naming the variable and the range.
fn whole(var: &str, raw: Option<&str>, default: u64, min: u64, max: u64) -> Result<u64, String> {
    let Some(raw) = raw else {
        return Ok(default);
    };
    match u64::from_str(raw.trim()) {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(format!(
            "{var}={raw:?} is invalid; allowed: a whole number from {min} to {max}"
        )),
    }
}

fn seconds(var: &str, raw: Option<&str>, default: u64, min: u64) -> Result<Duration, String> {
    whole(var, raw, default, min, MAX_SECONDS).map(Duration::from_secs)
}

/// A finite number within `min..=MAX_RATE` (`min` excluded when `open`).
fn rate(var: &str, raw: Option<&str>, default: f64, min: f64, open: bool) -> Result<f64, String> {
    let Some(raw) = raw else {
        return Ok(default);
    };
    let bound = if open { ">" } else { ">=" };
    match f64::from_str(raw.trim()) {
        Ok(v) if v.is_finite() && v <= MAX_RATE && (if open { v > min } else { v >= min }) => Ok(v),
        _ => Err(format!(
            "{var}={raw:?} is invalid; allowed: a number {bound} {min} and <= {MAX_RATE}"
        )),
    }
}

/// `LOG_LEVEL`, lowercased; `info` when unset.
pub fn log_level(raw: Option<&str>) -> Result<&'static str, String> {
    let Some(raw) = raw else {
        return Ok("info");
    };
    match raw.trim().to_ascii_lowercase().as_str() {
        "debug" => Ok("debug"),
        "info" => Ok("info"),
        "warn" | "warning" => Ok("warn"),
        "error" => Ok("error"),
        _ => Err(format!(
            "LOG_LEVEL={raw:?} is invalid; allowed: debug, info, warn, error"
        )),
    }
}

impl Config {
    /// Resolves the raw values and the environment (`env` looks a variable up).
    pub fn resolve(raw: &Raw, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, String> {
        let port = whole("PORT (--port)", raw.port.as_deref(), 8080, 0, 65535)?;
        let addr = raw.listen.unwrap_or_else(|| {
            SocketAddr::from(([0, 0, 0, 0], u16::try_from(port).unwrap_or(8080)))
        });
        let timeout = seconds(
            "SHUTDOWN_TIMEOUT_SECONDS (--shutdown-timeout-seconds)",
            raw.shutdown_timeout.as_deref(),
            30,
            1,
        )?;
        let drain = seconds(
            "SHUTDOWN_DRAIN_SECONDS (--shutdown-drain-seconds)",
            raw.shutdown_drain.as_deref(),
            0,
            0,
        )?;
        if drain >= timeout {
            return Err(format!(
                "SHUTDOWN_DRAIN_SECONDS={} is invalid; allowed: less than SHUTDOWN_TIMEOUT_SECONDS ({})",
                drain.as_secs(),
                timeout.as_secs()
            ));
        }
        let limits = Limits {
            recipe_timeout: Duration::from_secs(30),
            bundle_timeout: Duration::from_secs(60),
            body_bytes: usize::try_from(whole(
                "AICR_MAX_BODY_BYTES (--max-body-bytes)",
                raw.max_body_bytes.as_deref(),
                1 << 20,
                1,
                MAX_BODY_BYTES,
            )?)
            .unwrap_or(usize::MAX),
            rate: rate(
                "AICR_RATE_LIMIT (--rate-limit)",
                raw.rate_limit.as_deref(),
                100.0,
                0.0,
                true,
            )?,
            burst: rate(
                "AICR_RATE_BURST (--rate-burst)",
                raw.rate_burst.as_deref(),
                200.0,
                1.0,
                false,
            )?,
            connections: usize::try_from(whole(
                "AICR_MAX_CONNECTIONS (--max-connections)",
                raw.max_connections.as_deref(),
                512,
                1,
                MAX_CONNECTIONS,
            )?)
            .unwrap_or(usize::MAX),
            header_timeout: seconds(
                "AICR_HEADER_TIMEOUT_SECONDS (--header-timeout-seconds)",
                raw.header_timeout.as_deref(),
                10,
                1,
            )?,
            body_timeout: seconds(
                "AICR_BODY_TIMEOUT_SECONDS (--body-timeout-seconds)",
                raw.body_timeout.as_deref(),
                30,
                1,
            )?,
            idle_timeout: seconds(
                "AICR_IDLE_TIMEOUT_SECONDS (--idle-timeout-seconds)",
                raw.idle_timeout.as_deref(),
                60,
                1,
            )?,
        };
        Ok(Config {
            addr,
            shutdown: shutdown::Config { timeout, drain },
            limits,
            allow: AllowLists::parse(env)?,
            log_level: log_level(env("LOG_LEVEL").as_deref())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn resolve(raw: &Raw, vars: &[(&str, &str)]) -> Result<Config, String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::resolve(raw, &|name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_are_sensible() {
        let c = resolve(&Raw::default(), &[]).unwrap();
        assert_eq!(c.addr.port(), 8080);
        assert_eq!(c.limits.connections, 512);
        assert_eq!(c.limits.header_timeout, Duration::from_secs(10));
        assert_eq!(c.limits.body_timeout, Duration::from_secs(30));
        assert_eq!(c.limits.idle_timeout, Duration::from_secs(60));
        assert_eq!((c.limits.rate, c.limits.burst), (100.0, 200.0));
        assert_eq!(c.log_level, "info");
        assert!(c.allow.lists.is_empty());
    }

    /// Raw values, variables, and the expected error.
    type Case = (Raw, &'static [(&'static str, &'static str)], &'static str);

    #[test]
    fn impossible_values_name_the_variable_and_the_range() {
        let cases: &[Case] = &[
            (
                Raw {
                    rate_limit: Some("0".into()),
                    ..Raw::default()
                },
                &[],
                "AICR_RATE_LIMIT (--rate-limit)=\"0\" is invalid; allowed: a number > 0 and <= 1000000000",
            ),
            (
                Raw {
                    rate_limit: Some("NaN".into()),
                    ..Raw::default()
                },
                &[],
                "AICR_RATE_LIMIT",
            ),
            (
                Raw {
                    rate_burst: Some("0.5".into()),
                    ..Raw::default()
                },
                &[],
                "AICR_RATE_BURST (--rate-burst)=\"0.5\" is invalid; allowed: a number >= 1 and <= 1000000000",
            ),
            (
                Raw {
                    max_connections: Some("0".into()),
                    ..Raw::default()
                },
                &[],
                "allowed: a whole number from 1 to 100000",
            ),
            (
                Raw {
                    idle_timeout: Some("-1".into()),
                    ..Raw::default()
                },
                &[],
                "AICR_IDLE_TIMEOUT_SECONDS",
            ),
            (
                Raw {
                    max_body_bytes: Some("0".into()),
                    ..Raw::default()
                },
                &[],
                "AICR_MAX_BODY_BYTES (--max-body-bytes)=\"0\" is invalid; allowed: a whole number from 1 to 67108864",
            ),
            (
                Raw {
                    shutdown_drain: Some("30".into()),
                    ..Raw::default()
                },
                &[],
                "SHUTDOWN_DRAIN_SECONDS=30 is invalid; allowed: less than SHUTDOWN_TIMEOUT_SECONDS (30)",
            ),
            (
                Raw::default(),
                &[("LOG_LEVEL", "bogus")],
                "LOG_LEVEL=\"bogus\" is invalid; allowed: debug, info, warn, error",
            ),
            (
                Raw::default(),
                &[("AICR_ALLOWED_SERVICES", "eks,bogus")],
                "AICR_ALLOWED_SERVICES: invalid service 'bogus'; allowed: aks, eks, gke, kind, oke, any",
            ),
        ];
        for (raw, vars, want) in cases {
            let err = resolve(raw, vars).unwrap_err();
            assert!(err.contains(want), "{err} does not contain {want}");
            assert!(!err.contains('\n'), "one line: {err}");
        }
    }

    #[test]
    fn allow_lists_are_normalized() {
        let c = resolve(&Raw::default(), &[("AICR_ALLOWED_OS", " AL2 , ubuntu")]).unwrap();
        assert_eq!(c.allow.lists["os"], ["amazonlinux", "ubuntu"]);
    }

    proptest! {
        /// Any text in any numeric setting is accepted only within its range, and
        /// never panics.
        #[test]
        fn numbers_outside_the_range_are_refused(text in ".{0,12}") {
            let raw = Raw { max_connections: Some(text.clone()), ..Raw::default() };
            match resolve(&raw, &[]) {
                Ok(c) => prop_assert!((1..=MAX_CONNECTIONS as usize).contains(&c.limits.connections)),
                Err(e) => prop_assert!(e.starts_with("AICR_MAX_CONNECTIONS")),
            }
            let raw = Raw { rate_limit: Some(text), ..Raw::default() };
            match resolve(&raw, &[]) {
                Ok(c) => prop_assert!(c.limits.rate > 0.0 && c.limits.rate <= MAX_RATE),
                Err(e) => prop_assert!(e.starts_with("AICR_RATE_LIMIT")),
            }
        }
    }
}
