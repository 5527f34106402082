// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The HTTP server: routes, shared state and the serve loop with graceful shutdown.

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use aicr::build_info::BUILD;
use anyhow::{Context, Result, bail};
use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::{log, shutdown};

/// The routes this server answers, as listed by `GET /`.
pub const ROUTES: &[&str] = &[
    "/",
    "/health",
    "/ready",
    "/metrics",
    "/v1/recipe",
    "/v1/query",
    "/v1/bundle",
];

/// Limits of the API.
#[derive(Debug, Clone)]
pub struct Limits {
    pub recipe_timeout: std::time::Duration,
    pub bundle_timeout: std::time::Duration,
    pub body_bytes: usize,
    pub rate: f64,
    pub burst: f64,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub shutdown: shutdown::Config,
    pub limits: Limits,
}

/// State shared by all handlers.
#[derive(Debug)]
pub struct AppState {
    ready: AtomicBool,
    in_flight: AtomicUsize,
    pub catalog: aicr::catalog::Catalog,
    pub allow: crate::api::AllowLists,
    pub limits: Limits,
    pub metrics: crate::metrics::Metrics,
    pub limiter: crate::middleware::TokenBucket,
}

impl AppState {
    fn new(limits: Limits) -> Result<Self> {
        Ok(Self {
            ready: AtomicBool::new(true),
            in_flight: AtomicUsize::new(0),
            catalog: aicr::catalog::Catalog::embedded()
                .context("the embedded catalog is invalid")?,
            allow: crate::api::AllowLists::from_env(),
            limiter: crate::middleware::TokenBucket::new(limits.rate, limits.burst),
            limits,
            metrics: crate::metrics::Metrics::new().context("cannot set up the metrics")?,
        })
    }

    /// Adjusts the in-flight count the graceful shutdown waits on.
    pub fn in_flight_add(&self, delta: isize) {
        if delta >= 0 {
            self.in_flight
                .fetch_add(delta.unsigned_abs(), Ordering::SeqCst);
        } else {
            self.in_flight
                .fetch_sub(delta.unsigned_abs(), Ordering::SeqCst);
        }
    }

    pub fn set_not_ready(&self) {
        self.ready.store(false, Ordering::SeqCst);
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }
}

/// Binds, serves until a shutdown signal, then drains and stops within the timeout.
pub async fn run(config: Config) -> Result<()> {
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

    let state = Arc::new(AppState::new(config.limits.clone())?);
    let (started_tx, started_rx) = oneshot::channel();
    let graceful = {
        let state = Arc::clone(&state);
        let shutdown = config.shutdown.clone();
        async move {
            let signal = shutdown::signal().await;
            log::info("shutting down", &[("signal", json!(signal))]);
            state.set_not_ready();
            let started = tokio::time::Instant::now();
            let _ = started_tx.send(started);
            shutdown.drain(&state, started).await;
        }
    };
    let serve = axum::serve(listener, router(Arc::clone(&state)))
        .with_graceful_shutdown(graceful)
        .into_future();
    let deadline = async {
        match started_rx.await {
            Ok(started) => tokio::time::sleep_until(started + config.shutdown.timeout).await,
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        served = serve => served.context("server failed")?,
        () = deadline => bail!(
            "graceful shutdown did not finish within {}s; open requests were dropped",
            config.shutdown.timeout.as_secs()
        ),
    }
    log::info("stopped", &[]);
    Ok(())
}

fn router(state: Arc<AppState>) -> Router {
    let body_limit = state.limits.body_bytes;
    Router::new()
        .route("/", get(root))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .route(
            "/v1/recipe",
            get(crate::api::get_recipe).post(crate::api::get_recipe),
        )
        .route("/v1/query", get(crate::api::query).post(crate::api::query))
        .route("/v1/bundle", post(crate::api::bundle))
        .layer(axum::extract::DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            crate::middleware::observe,
        ))
        .with_state(state)
}

async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        state.metrics.render(),
    )
}

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

async fn root() -> impl IntoResponse {
    Json(json!({
        "service": "aicrd",
        "version": BUILD.version,
        "commit": BUILD.commit,
        "date": BUILD.date,
        "routes": ROUTES,
    }))
}

async fn health() -> impl IntoResponse {
    Json(json!({ "status": "healthy", "timestamp": now() }))
}

async fn ready(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    if state.ready.load(Ordering::SeqCst) {
        (
            StatusCode::OK,
            Json(json!({ "status": "ready", "timestamp": now() })),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "not_ready", "reason": "shutting down", "timestamp": now() })),
        )
    }
}
