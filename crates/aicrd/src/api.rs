// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The `/v1` API: recipes, queries and bundles on the shared engine, with the error
//! body of the Go original: `{code, message, details?, requestId, timestamp, retryable}`.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use aicr::criteria::Criteria;
use aicr::error::Error;
use aicr::recipe::{self, RecipeResult};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::state::{AllowLists, AppState};

/// An API error, rendered as the documented JSON body.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
        }
    }

    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "INVALID_REQUEST", message)
    }

    /// The JSON body, with the request's id.
    pub fn body(&self, request_id: &str) -> Value {
        let mut body = json!({
            "code": self.code,
            "message": self.message,
            "requestId": request_id,
            "timestamp": jiff::Timestamp::now().to_string(),
            "retryable": matches!(self.status.as_u16(), 429 | 503 | 504),
        });
        if let Some(details) = &self.details {
            body["details"] = details.clone();
        }
        body
    }
}

impl From<Error> for ApiError {
    fn from(err: Error) -> ApiError {
        match &err {
            Error::InvalidCriteria {
                requested, allowed, ..
            } => ApiError {
                details: Some(json!({ "requested": requested, "allowed": allowed })),
                ..ApiError::invalid(err.to_string())
            },
            Error::NotFound { available, .. } => ApiError {
                details: Some(json!({ "available": available })),
                ..ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", err.to_string())
            },
            Error::Input(_) | Error::Failed(_) => ApiError::invalid(err.to_string()),
            Error::Catalog(_) | Error::Dependencies(_) => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                err.to_string(),
            ),
        }
    }
}

/// The error response; the request-id middleware fills in the id.
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let mut response = (status, axum::Json(self.body(""))).into_response();
        response.extensions_mut().insert(Arc::new(self));
        response
    }
}

/// Refuses criteria values outside the server's allow-lists.
fn check_allowed(allow: &AllowLists, criteria: &Criteria) -> Result<(), ApiError> {
    for (field, value) in [
        ("accelerator", &criteria.accelerator),
        ("service", &criteria.service),
        ("intent", &criteria.intent),
        ("os", &criteria.os),
    ] {
        if let Some(allowed) = allow.lists.get(field)
            && !allowed.contains(value)
        {
            return Err(ApiError {
                details: Some(json!({ "requested": value, "allowed": allowed })),
                ..ApiError::invalid(format!("{field} '{value}' is not allowed on this server"))
            });
        }
    }
    Ok(())
}

fn criteria_from_query(params: &BTreeMap<String, String>) -> Result<Criteria, ApiError> {
    let mut c = Criteria::default();
    for (key, value) in params {
        match key.as_str() {
            "service" => c.service.clone_from(value),
            "accelerator" | "gpu" => c.accelerator.clone_from(value),
            "intent" => c.intent.clone_from(value),
            "os" => c.os.clone_from(value),
            "platform" => c.platform.clone_from(value),
            "nodes" => {
                c.nodes = Some(value.parse().map_err(|_| {
                    ApiError::invalid(format!("nodes '{value}' is not a whole number"))
                })?)
            }
            "selector" => {}
            other => return Err(ApiError::invalid(format!("unknown parameter '{other}'"))),
        }
    }
    Ok(c)
}

/// The largest declared or received body: 413.
pub fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "INVALID_REQUEST",
        format!(
            "the request body is larger than {limit} bytes; hint: AICR_MAX_BODY_BYTES sets the limit"
        ),
    )
}

/// A request's body and whether it is YAML, read within the body limit and the body
/// timeout: a client that sends too slowly gets 408, one that sends too much 413.
pub struct Body {
    bytes: Bytes,
    yaml: bool,
}

impl axum::extract::FromRequest<Arc<AppState>> for Body {
    type Rejection = ApiError;

    async fn from_request(
        request: axum::extract::Request,
        state: &Arc<AppState>,
    ) -> Result<Body, ApiError> {
        let yaml = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("yaml"));
        let (limit, timeout) = (state.limits.body_bytes, state.limits.body_timeout);
        let read = axum::body::to_bytes(request.into_body(), limit.saturating_add(1));
        match tokio::time::timeout(timeout, read).await {
            Err(_) => Err(ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "TIMEOUT",
                format!(
                    "the request body was not received within {}s",
                    timeout.as_secs()
                ),
            )),
            Ok(Ok(bytes)) if bytes.len() > limit => Err(too_large(limit)),
            Ok(Ok(bytes)) => Ok(Body { bytes, yaml }),
            Ok(Err(err)) => {
                let too_long = std::error::Error::source(&err)
                    .is_some_and(|e| e.to_string().contains("length limit exceeded"));
                if too_long {
                    Err(too_large(limit))
                } else {
                    Err(ApiError::invalid(format!(
                        "cannot read the request body: {err}"
                    )))
                }
            }
        }
    }
}

impl Body {
    fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Parses the body as JSON or YAML (by its Content-Type), nesting limited; runs on
    /// the engine's threads, never on the server's.
    fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, ApiError> {
        if self.yaml {
            let text = std::str::from_utf8(&self.bytes)
                .map_err(|e| ApiError::invalid(format!("invalid YAML body: {e}")))?;
            aicr::document::from_yaml(text)
                .map_err(|e| ApiError::invalid(format!("invalid YAML body: {e}")))
        } else {
            aicr::document::from_json(&self.bytes)
                .map_err(|e| ApiError::invalid(format!("invalid JSON body: {e}")))
        }
    }
}

#[derive(Debug, serde::Deserialize)]
struct CriteriaBody {
    kind: String,
    #[serde(default)]
    spec: Criteria,
}

fn criteria_of(params: &BTreeMap<String, String>, body: &Body) -> Result<Criteria, ApiError> {
    let criteria = if body.is_empty() {
        criteria_from_query(params)?
    } else {
        let doc: CriteriaBody = body.parse()?;
        if doc.kind != "RecipeCriteria" {
            return Err(ApiError::invalid(format!(
                "kind {} is not RecipeCriteria",
                doc.kind
            )));
        }
        doc.spec
    };
    criteria.normalized().map_err(ApiError::from)
}

/// Runs engine work (parsing included) on the blocking pool, bounded by `limit`: past
/// it the client gets 504 TIMEOUT. At most one job per core runs at once and a job
/// keeps its permit until it really ends, so work whose client has gone cannot pile
/// up: each job's cost is bounded by the body limit and the nesting limit, and their
/// number by the permits. A panic in the work is resumed here, so the panic middleware
/// answers 500 and counts it.
async fn run_bounded<T: Send + 'static>(
    state: &AppState,
    limit: Duration,
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let engine = Arc::clone(&state.engine);
    let job = async move {
        let permit = engine.acquire_owned().await;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
    };
    match tokio::time::timeout(limit, job).await {
        Ok(Ok(result)) => result,
        Ok(Err(join)) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
        Ok(Err(_)) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "the request was cancelled",
        )),
        Err(_) => Err(ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "TIMEOUT",
            format!("the request took longer than {}s", limit.as_secs()),
        )),
    }
}

fn compute(state: &AppState, criteria: &Criteria) -> Result<RecipeResult, ApiError> {
    check_allowed(&state.allow, criteria)?;
    Ok(recipe::recipe(&state.catalog, criteria)?)
}

pub async fn get_recipe(
    State(state): State<Arc<AppState>>,
    Query(params): Query<BTreeMap<String, String>>,
    body: Body,
) -> Result<Response, ApiError> {
    let worker = Arc::clone(&state);
    let result = run_bounded(&state, state.limits.recipe_timeout, move || {
        compute(&worker, &criteria_of(&params, &body)?)
    })
    .await?;
    let mut response = axum::Json(result).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=600"),
    );
    Ok(response)
}

pub async fn query(
    State(state): State<Arc<AppState>>,
    Query(params): Query<BTreeMap<String, String>>,
    body: Body,
) -> Result<Response, ApiError> {
    let selector = params
        .get("selector")
        .cloned()
        .ok_or_else(|| ApiError::invalid("the selector parameter is required"))?;
    let worker = Arc::clone(&state);
    let value = run_bounded(&state, state.limits.recipe_timeout, move || {
        let result = compute(&worker, &criteria_of(&params, &body)?)?;
        let hydrated = recipe::hydrate(&worker.catalog, &result)?;
        Ok(recipe::select(&hydrated, &selector)?.clone())
    })
    .await?;
    Ok(axum::Json(value).into_response())
}

pub async fn bundle(State(state): State<Arc<AppState>>, body: Body) -> Result<Response, ApiError> {
    let worker = Arc::clone(&state);
    let zip = run_bounded(&state, state.limits.bundle_timeout, move || {
        let read = recipe::read_value(body.parse()?)
            .map_err(|e| ApiError::invalid(format!("the body {e}")))?;
        if !read.ignored.is_empty() {
            crate::log::record(
                "warn",
                "ignoring unknown recipe fields",
                &[("fields", json!(read.ignored))],
            );
        }
        let result = read.recipe;
        if result.component_refs.is_empty() {
            return Err(ApiError::invalid("the recipe has no components to bundle"));
        }
        let files = aicr::bundle::render(&worker.catalog, &result, &[])?;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (path, content) in &files {
            let mode = if path.ends_with(".sh") { 0o755 } else { 0o644 };
            let options = zip::write::SimpleFileOptions::default().unix_permissions(mode);
            zip.start_file(path.as_str(), options).map_err(|e| {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", e.to_string())
            })?;
            zip.write_all(content.as_bytes()).map_err(|e| {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", e.to_string())
            })?;
        }
        let cursor = zip.finish().map_err(|e| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", e.to_string())
        })?;
        Ok(cursor.into_inner())
    })
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"bundles.zip\"",
            ),
        ],
        zip,
    )
        .into_response())
}
