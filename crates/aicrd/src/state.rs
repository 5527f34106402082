// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The state every part of the server shares: the limits, the allow-lists, the token
//! bucket, the metrics, and the guards that count open connections and requests in
//! flight. A leaf: it imports only the metrics, so handlers, middleware, shutdown and
//! configuration all import it and none of each other through it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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
    /// One slot per connection that may be open; see [`Connection`].
    slots: Arc<Semaphore>,
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
            slots: Arc::new(Semaphore::new(limits.connections)),
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

    /// Waits until every connection has closed: all slots are back.
    pub async fn all_closed(&self) {
        let all = u32::try_from(self.limits.connections).unwrap_or(u32::MAX);
        let _ = self.slots.acquire_many(all).await;
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

/// An open connection: holds one connection slot and counts itself in the open
/// connections gauge for as long as it lives.
#[derive(Debug)]
pub struct Connection {
    state: Arc<AppState>,
    _slot: OwnedSemaphorePermit,
}

impl Connection {
    /// Takes a free slot; `None`, counted as refused, when the limit is reached.
    pub fn open(state: &Arc<AppState>) -> Option<Connection> {
        let Ok(slot) = Arc::clone(&state.slots).try_acquire_owned() else {
            state.metrics.connections_refused.inc();
            return None;
        };
        state.metrics.connections.inc();
        Some(Connection {
            state: Arc::clone(state),
            _slot: slot,
        })
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.state.metrics.connections.dec();
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

    fn state(connections: usize) -> Arc<AppState> {
        let seconds = Duration::from_secs(1);
        let limits = Limits {
            recipe_timeout: seconds,
            bundle_timeout: seconds,
            body_bytes: 1,
            rate: 1.0,
            burst: 1.0,
            connections,
            header_timeout: seconds,
            body_timeout: seconds,
            idle_timeout: seconds,
        };
        Arc::new(AppState::new(limits, AllowLists::default()).unwrap())
    }

    #[test]
    fn connections_hold_slots_and_are_counted_once() {
        let state = state(2);
        let first = Connection::open(&state).unwrap();
        let second = Connection::open(&state).unwrap();
        assert!(Connection::open(&state).is_none(), "the limit is 2");
        assert_eq!(state.metrics.connections.get(), 2);
        assert_eq!(state.metrics.connections_refused.get(), 1);
        drop(first);
        assert_eq!(state.metrics.connections.get(), 1);
        let third = Connection::open(&state).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let closed_now = |state: &AppState| {
            runtime.block_on(async {
                tokio::select! {
                    biased;
                    () = state.all_closed() => true,
                    () = std::future::ready(()) => false,
                }
            })
        };
        assert!(!closed_now(&state), "two connections are open");
        drop((second, third));
        assert_eq!(state.metrics.connections.get(), 0);
        assert!(closed_now(&state));
    }

    #[test]
    fn requests_in_flight_are_the_gauge() {
        let state = state(1);
        let guards = [InFlight::new(&state), InFlight::new(&state)];
        assert_eq!(state.in_flight(), 2);
        drop(guards);
        assert_eq!(state.in_flight(), 0);
        assert_eq!(state.metrics.in_flight.get(), 0);
    }
}
