// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The HTTP server: the router of the route table behind the middleware, and the serve
//! loop with graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use aicr::build_info::BUILD;
use anyhow::{Context, Result, bail};
use axum::Router;
use axum::middleware;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::Config;
use crate::state::{AppState, Connection};
use crate::{log, shutdown};

/// Binds, serves until a shutdown signal, then drains and stops within the timeout.
pub async fn run(config: Config) -> Result<()> {
    let mut signals =
        shutdown::Signals::install().context("cannot install the SIGINT and SIGTERM handlers")?;
    let listener = TcpListener::bind(config.addr).await.with_context(|| {
        format!(
            "cannot listen on {}; hint: choose another address with --listen or PORT",
            config.addr
        )
    })?;
    let local = listener
        .local_addr()
        .context("cannot read the bound address")?;
    log::always(
        "listening",
        &[
            ("addr", json!(local.to_string())),
            ("version", json!(BUILD.version)),
        ],
    );

    let state = Arc::new(AppState::new(config.limits.clone(), config.allow.clone())?);
    let app = router(Arc::clone(&state));
    let timeouts = crate::conn::Timeouts {
        header: config.limits.header_timeout,
        idle: config.limits.idle_timeout,
    };
    let (close_tx, close_rx) = watch::channel(false);

    // Accept until the signal, then on through the drain that follows it.
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                accept(accepted, &state, &app, timeouts, &close_rx).await;
            }
            name = signals.recv() => {
                log::info("shutting down", &[("signal", json!(name))]);
                break;
            }
        }
    }
    state.set_not_ready();
    let started = tokio::time::Instant::now();
    let drain = config.shutdown.drain(&state, started);
    tokio::pin!(drain);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                accept(accepted, &state, &app, timeouts, &close_rx).await;
            }
            () = &mut drain => break,
        }
    }
    drop(listener);
    let _ = close_tx.send(true);
    let deadline = started + config.shutdown.timeout;
    if tokio::time::timeout_at(deadline, state.all_closed())
        .await
        .is_err()
    {
        bail!(
            "graceful shutdown did not finish within {}s; open requests were dropped",
            config.shutdown.timeout.as_secs()
        );
    }
    log::info("stopped", &[]);
    Ok(())
}

/// Serves a new connection if a slot is free; otherwise closes it at once.
async fn accept(
    accepted: std::io::Result<(tokio::net::TcpStream, std::net::SocketAddr)>,
    state: &Arc<AppState>,
    app: &Router,
    timeouts: crate::conn::Timeouts,
    close: &watch::Receiver<bool>,
) {
    let stream = match accepted {
        Ok((stream, _)) => stream,
        Err(err) => {
            // Out of file descriptors, or a connection reset before it was accepted:
            // wait a little rather than spin.
            log::error("cannot accept a connection", &err.to_string());
            tokio::time::sleep(Duration::from_millis(50)).await;
            return;
        }
    };
    let Some(connection) = Connection::open(state) else {
        drop(stream);
        return;
    };
    let (app, close, state) = (app.clone(), close.clone(), Arc::clone(state));
    tokio::spawn(async move {
        let end = crate::conn::serve(stream, app, timeouts, close).await;
        if end != crate::conn::End::Closed {
            state.metrics.connection_timeouts.inc();
            if log::enabled("debug") {
                log::record(
                    "debug",
                    "connection closed",
                    &[("reason", json!(format!("{end:?}")))],
                );
            }
        }
        drop(connection);
    });
}

fn router(state: Arc<AppState>) -> Router {
    crate::routes::router()
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            crate::middleware::observe,
        ))
        .with_state(state)
}
