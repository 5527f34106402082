// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! Graceful shutdown: wait for SIGINT/SIGTERM, turn readiness off, drain, then stop.
//!
//! Sequence after a signal: `/ready` answers 503 at once; the listener stays open for the
//! drain period and until no request is in flight, so probes and load balancers see the
//! 503 and running requests finish; then the listener closes and open connections
//! finish. The whole sequence is bounded by the shutdown timeout.

use std::time::Duration;

use tokio::time::Instant;

use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct Config {
    /// Bound on the whole shutdown sequence.
    pub timeout: Duration,
    /// Minimum time between the signal and closing the listener.
    pub drain: Duration,
}

impl Config {
    /// Waits until the drain period has passed and no request is in flight, or until the
    /// timeout, whichever comes first.
    pub async fn drain(&self, state: &AppState, started: Instant) {
        let deadline = started + self.timeout;
        tokio::time::sleep_until((started + self.drain).min(deadline)).await;
        while state.in_flight() > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// SIGINT and SIGTERM, caught from the moment `install` returns: a signal that arrives
/// before the server polls for it (right after it logged "listening") is kept, not
/// left to the default action that would kill the process without a drain.
pub struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    pub fn install() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// Resolves with the name of the next signal.
    pub async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "SIGINT",
            _ = self.terminate.recv() => "SIGTERM",
        }
    }
}
