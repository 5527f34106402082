// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The state every part of the server shares: the limits, the allow-lists, the token
//! bucket, the metrics, and the guard that counts requests in flight. A leaf: it imports only the metrics, so handlers, middleware, shutdown and
//! configuration all import it and none of each other through it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use tokio::sync::Semaphore;

use crate::metrics::Metrics;

/// Limits of the API.
#[derive(Debug, Clone)]
pub struct Limits {
    pub recipe_timeout: Duration,
    pub bundle_timeout: Duration,
    pub body_bytes: usize,
    pub rate: f64,
    pub burst: f64,
    /// Open connections at most; further ones are closed as soon as accepted.
    pub connections: usize,
    /// Time to receive a request's headers.
    pub header_timeout: Duration,
    /// Time to receive a request's body.
    pub body_timeout: Duration,
    /// Time a keep-alive connection may stay without a request.
    pub idle_timeout: Duration,
}

/// Allow-lists of criteria values (`AICR_ALLOWED_*`); empty means everything.
#[derive(Debug, Clone, Default)]
pub struct AllowLists {
    pub lists: BTreeMap<&'static str, Vec<String>>,
}

impl AllowLists {
    /// The variables of each criteria field.
    pub const VARIABLES: [(&'static str, &'static str); 4] = [
        ("accelerator", "AICR_ALLOWED_ACCELERATORS"),
        ("service", "AICR_ALLOWED_SERVICES"),
        ("intent", "AICR_ALLOWED_INTENTS"),
        ("os", "AICR_ALLOWED_OS"),
    ];

    /// Reads `AICR_ALLOWED_*` (comma-separated); every value must be a known criteria
    /// value (aliases allowed) and is kept in its canonical form.
    pub fn parse(env: &dyn Fn(&str) -> Option<String>) -> Result<AllowLists, String> {
        let mut lists = BTreeMap::new();
        for (field, var) in Self::VARIABLES {
            let Some(value) = env(var) else { continue };
            let mut values: Vec<String> = Vec::new();
            for v in value.split(',').map(str::trim).filter(|v| !v.is_empty()) {
                let canonical =
                    aicr::criteria::normalize(field, v).map_err(|e| format!("{var}: {e}"))?;
                if !values.contains(&canonical) {
                    values.push(canonical);
                }
            }
            if !values.is_empty() {
                lists.insert(field, values);
            }
        }
        Ok(AllowLists { lists })
    }
}

/// A token bucket: `rate` tokens a second, at most `burst`.
#[derive(Debug)]
pub struct TokenBucket {
    pub rate: f64,
    pub burst: f64,
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    pub fn new(rate: f64, burst: f64) -> TokenBucket {
        TokenBucket {
            rate,
            burst,
            state: Mutex::new((burst, Instant::now())),
        }
    }

    /// Takes a token: `Ok(remaining)` or `Err(seconds until one is available)`.
    pub fn take(&self) -> Result<u64, u64> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        let refill = now.duration_since(state.1).as_secs_f64() * self.rate;
        state.0 = (state.0 + refill).min(self.burst);
        state.1 = now;
        if state.0 >= 1.0 {
            state.0 -= 1.0;
            Ok(state.0 as u64)
        } else {
            Err(((1.0 - state.0) / self.rate).ceil().max(1.0) as u64)
        }
    }
}

/// State shared by all handlers.
#[derive(Debug)]
pub struct AppState {
    ready: AtomicBool,
    pub catalog: aicr::catalog::Catalog,
    pub allow: AllowLists,
    pub limits: Limits,
    pub metrics: Metrics,
    pub limiter: TokenBucket,
    /// Engine jobs running at once; a job holds its permit until it really ends.
    pub engine: Arc<Semaphore>,
}

impl AppState {
    pub fn new(limits: Limits, allow: AllowLists) -> Result<Self> {
        let workers = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Ok(Self {
            ready: AtomicBool::new(true),
            catalog: aicr::catalog::Catalog::embedded()
                .context("the embedded catalog is invalid")?,
            allow,
            limiter: TokenBucket::new(limits.rate, limits.burst),
            limits,
            metrics: Metrics::new().context("cannot set up the metrics")?,
            engine: Arc::new(Semaphore::new(workers)),
        })
    }

    /// Whether `/ready` answers 200: until shutdown begins.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    pub fn set_not_ready(&self) {
        self.ready.store(false, Ordering::SeqCst);
    }

    /// Requests being served: the gauge the [`InFlight`] guards keep.
    pub fn in_flight(&self) -> i64 {
        self.metrics.in_flight.get()
    }
}

/// Counts a request as in flight for as long as it lives, however it ends: answered,
/// failed, or dropped when its client hangs up. The only writer of the in-flight gauge,
/// which the drain of a graceful shutdown reads.
#[derive(Debug)]
pub struct InFlight(Arc<AppState>);

impl InFlight {
    pub fn new(state: &Arc<AppState>) -> InFlight {
        state.metrics.in_flight.inc();
        InFlight(Arc::clone(state))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.metrics.in_flight.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_a_burst_then_asks_to_wait() {
        let bucket = TokenBucket::new(1.0, 3.0);
        assert!(bucket.take().is_ok() && bucket.take().is_ok() && bucket.take().is_ok());
        assert_eq!(bucket.take(), Err(1));
    }
}
