// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! The Prometheus metrics of the server, with the names of the Go original.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    pub requests: IntCounterVec,
    pub duration: HistogramVec,
    pub in_flight: IntGauge,
    pub rate_limit_rejects: IntCounter,
    pub panic_recoveries: IntCounter,
    pub connections: IntGauge,
    pub connections_refused: IntCounter,
    pub connection_timeouts: IntCounter,
}

impl Metrics {
    pub fn new() -> prometheus::Result<Metrics> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "aicr_http_requests_total",
                "HTTP requests by method, route and status",
            ),
            &["method", "path", "status"],
        )?;
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "aicr_http_request_duration_seconds",
                "HTTP request durations",
            ),
            &["method", "path"],
        )?;
        let in_flight =
            IntGauge::new("aicr_http_requests_in_flight", "HTTP requests being served")?;
        let rate_limit_rejects = IntCounter::new(
            "aicr_rate_limit_rejects_total",
            "requests refused by the rate limit",
        )?;
        let panic_recoveries =
            IntCounter::new("aicr_panic_recoveries_total", "handler panics recovered")?;
        let connections = IntGauge::new("aicr_http_connections_open", "open HTTP connections")?;
        let connections_refused = IntCounter::new(
            "aicr_http_connections_refused_total",
            "connections closed at once because the connection limit was reached",
        )?;
        let connection_timeouts = IntCounter::new(
            "aicr_http_connection_timeouts_total",
            "connections closed by the header or idle timeout",
        )?;
        registry.register(Box::new(connections.clone()))?;
        registry.register(Box::new(connections_refused.clone()))?;
        registry.register(Box::new(connection_timeouts.clone()))?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(duration.clone()))?;
        registry.register(Box::new(in_flight.clone()))?;
        registry.register(Box::new(rate_limit_rejects.clone()))?;
        registry.register(Box::new(panic_recoveries.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            duration,
            in_flight,
            rate_limit_rejects,
            panic_recoveries,
            connections,
            connections_refused,
            connection_timeouts,
        })
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buffer);
        String::from_utf8_lossy(&buffer).into_owned()
    }
}
