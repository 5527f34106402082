// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The middleware every request passes: request ids, metrics, the API version header,
//! the JSON error body for errors raised outside handlers (405 with `Allow`, 413), panic
//! recovery, and the global token bucket of `/v1`.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::api::ApiError;
use crate::state::{AppState, InFlight};

/// The route label of a path: the route it matches (no route has parameters, so the
/// path itself), anything else `unmatched`, so the metrics' cardinality stays bounded.
fn route_label(path: &str) -> &'static str {
    crate::routes::paths()
        .find(|r| *r == path)
        .unwrap_or("unmatched")
}

/// The method label: the standard methods by name, anything else `OTHER`.
fn method_label(method: &Method) -> &'static str {
    static KNOWN: [Method; 7] = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::HEAD,
        Method::OPTIONS,
    ];
    KNOWN
        .iter()
        .find(|m| *m == method)
        .map_or("OTHER", Method::as_str)
}

/// A declared body larger than the limit: refused before a byte of it is read.
fn declared_too_large(request: &Request, limit: usize) -> bool {
    request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > limit as u64)
}

fn valid_uuid(value: &str) -> bool {
    uuid::Uuid::parse_str(value).is_ok()
}

/// The request's `x-request-id` when it is a UUID, else a new one.
fn request_id(request: &Request) -> String {
    request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| valid_uuid(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// What a request is, for its labels and its log record.
struct Seen {
    started: Instant,
    method: String,
    method_label: &'static str,
    path: String,
    route: &'static str,
    id: String,
}

impl Seen {
    fn of(request: &Request) -> Seen {
        let path = request.uri().path().to_owned();
        Seen {
            started: Instant::now(),
            method: request.method().as_str().to_owned(),
            method_label: method_label(request.method()),
            route: route_label(&path),
            path,
            id: request_id(request),
        }
    }

    fn v1(&self) -> bool {
        self.path.starts_with("/v1/")
    }
}

pub async fn observe(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let seen = Seen::of(&request);
    // A scrape does not count itself.
    let guard = (seen.route != "/metrics").then(|| InFlight::new(&state));
    let response = admit(&state, seen.v1(), request, next).await;
    let response = with_error_body(response, &seen);
    drop(guard);
    record(&state, &seen, &response);
    response
}

/// The response of a request that passes the body limit and, on `/v1`, the token
/// bucket; the error of one that does not.
async fn admit(state: &AppState, v1: bool, request: Request, next: Next) -> Response {
    if declared_too_large(&request, state.limits.body_bytes) {
        crate::api::too_large(state.limits.body_bytes).into_response()
    } else if v1 {
        match state.limiter.take() {
            Ok(_) => run_guarded(state, request, next).await,
            Err(wait) => rate_limited(state, wait),
        }
    } else {
        run_guarded(state, request, next).await
    }
}

/// 429, with when to retry.
fn rate_limited(state: &AppState, wait: u64) -> Response {
    state.metrics.rate_limit_rejects.inc();
    let mut r = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMIT_EXCEEDED",
        "rate limit exceeded; retry later",
    )
    .into_response();
    r.headers_mut()
        .insert("retry-after", HeaderValue::from(wait));
    r.headers_mut().insert(
        "x-ratelimit-limit",
        HeaderValue::from(state.limiter.rate as u64),
    );
    r.headers_mut()
        .insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
    r
}

/// Errors raised outside handlers get the JSON body too; every error gets the id, and
/// `/v1` and error responses the id and API version headers.
fn with_error_body(mut response: Response, seen: &Seen) -> Response {
    let (method, path, id, v1) = (&seen.method, &seen.path, &seen.id, seen.v1());
    let status = response.status();
    let error = response.extensions().get::<Arc<ApiError>>().cloned();
    let error = match error {
        Some(e) => Some(e),
        None if status == StatusCode::METHOD_NOT_ALLOWED => Some(Arc::new(ApiError::new(
            status,
            "METHOD_NOT_ALLOWED",
            format!("{method} is not allowed on {path}"),
        ))),
        None if status == StatusCode::NOT_FOUND && v1 => Some(Arc::new(ApiError::new(
            status,
            "NOT_FOUND",
            format!("no route {path}"),
        ))),
        None => None,
    };
    if let Some(error) = error {
        let headers = response.headers().clone();
        response = (status, axum::Json(error.body(id))).into_response();
        for name in [
            "allow",
            "retry-after",
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
        ] {
            if let Some(v) = headers.get(name) {
                response.headers_mut().insert(name, v.clone());
            }
        }
    }
    if v1 || error_status(status) {
        response.headers_mut().insert(
            "x-request-id",
            HeaderValue::from_str(id).unwrap_or(HeaderValue::from_static("invalid")),
        );
        response
            .headers_mut()
            .insert("x-api-version", HeaderValue::from_static("v1"));
    }
    response
}

/// Counts the request in the metrics and, at `debug`, logs it.
fn record(state: &AppState, seen: &Seen, response: &Response) {
    let code = response.status().as_u16().to_string();
    state
        .metrics
        .requests
        .with_label_values(&[seen.method_label, seen.route, &code])
        .inc();
    let elapsed = seen.started.elapsed().as_secs_f64();
    state
        .metrics
        .duration
        .with_label_values(&[seen.method_label, seen.route])
        .observe(elapsed);
    if crate::log::enabled("debug") {
        crate::log::record(
            "debug",
            "request",
            &[
                ("method", seen.method.as_str().into()),
                ("path", seen.path.as_str().into()),
                ("status", response.status().as_u16().into()),
                ("seconds", elapsed.into()),
                ("requestId", seen.id.as_str().into()),
            ],
        );
    }
}

fn error_status(status: StatusCode) -> bool {
    status.is_client_error() || status.is_server_error()
}

/// Aborts the task when the request is dropped (its client hung up).
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs the rest of the stack on its own task, so a panic becomes a 500 and a metric
/// instead of a dropped connection; the task ends with the request.
async fn run_guarded(state: &AppState, request: Request, next: Next) -> Response {
    let task = tokio::spawn(next.run(request));
    let _abort = AbortOnDrop(task.abort_handle());
    match task.await {
        Ok(response) => response,
        Err(err) => {
            if err.is_panic() {
                state.metrics.panic_recoveries.inc();
                crate::log::error("a handler panicked", "recovered; answered 500");
            }
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal error",
            )
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_labels() {
        assert!(valid_uuid("6f9619ff-8b86-d011-b42d-00cf4fc964ff"));
        assert!(!valid_uuid("not-a-uuid"));
        assert_eq!(route_label("/v1/recipe"), "/v1/recipe");
        assert_eq!(route_label("/v1/random/path"), "unmatched");
        assert_eq!(route_label("/v1/recipe/"), "unmatched");
    }

    #[test]
    fn method_labels_are_a_fixed_set() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::OPTIONS), "OPTIONS");
        assert_eq!(method_label(&Method::TRACE), "OTHER");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "OTHER");
        assert_eq!(method_label(&Method::from_bytes(b"get").unwrap()), "OTHER");
    }
}
