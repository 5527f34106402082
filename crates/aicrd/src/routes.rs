// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The routes of the server, in one table: each path with its methods and handler.
//! The router, the listing of `GET /` and the route labels of the metrics are all read
//! from [`ROUTES`], so a route is added in one place. The handlers of the service's own
//! endpoints (index, health, readiness, metrics) live here; those of `/v1` in `api`.

use std::sync::Arc;

use aicr::build_info::BUILD;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{MethodFilter, MethodRouter, on};
use axum::{Json, Router};
use serde_json::json;

use crate::state::AppState;

/// A method a route answers (`GET` also answers `HEAD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
}

impl Verb {
    /// The method's name, as the OpenAPI document spells it (upper case).
    #[cfg(test)]
    fn name(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
        }
    }

    fn filter(self) -> MethodFilter {
        match self {
            Verb::Get => MethodFilter::GET,
            Verb::Post => MethodFilter::POST,
        }
    }
}

/// One route: its path, its methods and the handler that serves them all.
pub struct Route {
    pub path: &'static str,
    pub methods: &'static [Verb],
    /// The handler, routed for the given methods.
    handler: fn(MethodFilter) -> MethodRouter<Arc<AppState>>,
}

/// The routes this server answers, in the order `GET /` lists them.
pub const ROUTES: &[Route] = &[
    Route {
        path: "/",
        methods: &[Verb::Get],
        handler: |methods| on(methods, root),
    },
    Route {
        path: "/health",
        methods: &[Verb::Get],
        handler: |methods| on(methods, health),
    },
    Route {
        path: "/ready",
        methods: &[Verb::Get],
        handler: |methods| on(methods, ready),
    },
    Route {
        path: "/metrics",
        methods: &[Verb::Get],
        handler: |methods| on(methods, metrics),
    },
    Route {
        path: "/v1/recipe",
        methods: &[Verb::Get, Verb::Post],
        handler: |methods| on(methods, crate::api::get_recipe),
    },
    Route {
        path: "/v1/query",
        methods: &[Verb::Get, Verb::Post],
        handler: |methods| on(methods, crate::api::query),
    },
    Route {
        path: "/v1/bundle",
        methods: &[Verb::Post],
        handler: |methods| on(methods, crate::api::bundle),
    },
];

/// The paths of [`ROUTES`], in order.
pub fn paths() -> impl Iterator<Item = &'static str> {
    ROUTES.iter().map(|r| r.path)
}

/// The router of [`ROUTES`], before middleware and state.
pub fn router() -> Router<Arc<AppState>> {
    ROUTES.iter().fold(Router::new(), |router, route| {
        let methods = route
            .methods
            .iter()
            .map(|v| v.filter())
            .reduce(MethodFilter::or);
        match methods {
            Some(methods) => router.route(route.path, (route.handler)(methods)),
            // A route without methods answers nothing; see the tests.
            None => router,
        }
    })
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
        "routes": paths().collect::<Vec<_>>(),
    }))
}

async fn health() -> impl IntoResponse {
    Json(json!({ "status": "healthy", "timestamp": now() }))
}

async fn ready(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    if state.is_ready() {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The OpenAPI document names exactly the routes and methods of the table.
    #[test]
    fn the_openapi_document_lists_the_table() {
        let spec: serde_json::Value =
            serde_norway::from_str(include_str!("../openapi.yaml")).unwrap();
        let documented: Vec<(String, String)> = spec["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .unwrap()
                    .keys()
                    .filter(|k| ["get", "post", "put", "delete", "patch"].contains(&k.as_str()))
                    .map(|m| (path.clone(), m.to_uppercase()))
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut served: Vec<(String, String)> = ROUTES
            .iter()
            .flat_map(|r| {
                r.methods
                    .iter()
                    .map(|v| (r.path.to_owned(), v.name().into()))
            })
            .collect();
        let mut documented = documented;
        documented.sort();
        served.sort();
        assert_eq!(served, documented);
    }

    #[test]
    fn every_route_has_a_method_and_a_unique_path() {
        assert!(ROUTES.iter().all(|r| !r.methods.is_empty()));
        let mut paths: Vec<&str> = paths().collect();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), ROUTES.len());
    }
}
