// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `aicrd`: the AICR API server.
//!
//! Configuration (flags override the environment):
//!
//! | flag / variable                      | default        | meaning                               |
//! |--------------------------------------|----------------|---------------------------------------|
//! | `--listen ADDR`                      | `0.0.0.0:$PORT`| address to bind                       |
//! | `PORT`                               | `8080`         | port when `--listen` is not given     |
//! | `SHUTDOWN_TIMEOUT_SECONDS`           | `30`           | bound on the whole graceful shutdown  |
//! | `SHUTDOWN_DRAIN_SECONDS`             | `0`            | time `/ready` answers 503 before the  |
//! |                                      |                | listener closes (load balancers)      |
//! | `AICR_RATE_LIMIT` / `AICR_RATE_BURST`| `100` / `200`  | the `/v1` token bucket                |
//! | `AICR_MAX_BODY_BYTES`                | `1048576`      | larger bodies get 413                 |
//! | `AICR_ALLOWED_{ACCELERATORS,SERVICES,INTENTS,OS}` | all | allow-lists of criteria values   |

#![forbid(unsafe_code)]

mod api;
mod log;
mod metrics;
mod middleware;
mod server;
mod shutdown;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use aicr::build_info::BUILD;
use clap::Parser;

/// AICR API server: serves recipes, queries and bundles over HTTP.
#[derive(Debug, Parser)]
#[command(name = "aicrd", version = BUILD.clap_version())]
struct Cli {
    /// Address to listen on; defaults to all interfaces on $PORT.
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Port to listen on when --listen is not given.
    #[arg(long, env = "PORT", default_value_t = 8080)]
    port: u16,
    /// Upper bound, in seconds, on the graceful shutdown after SIGINT/SIGTERM.
    #[arg(long, env = "SHUTDOWN_TIMEOUT_SECONDS", default_value_t = 30)]
    shutdown_timeout_seconds: u64,
    /// Seconds during which /ready answers 503 before the listener closes, so that load
    /// balancers stop sending traffic first.
    #[arg(long, env = "SHUTDOWN_DRAIN_SECONDS", default_value_t = 0)]
    shutdown_drain_seconds: u64,
    /// Requests per second the /v1 token bucket refills.
    #[arg(long, env = "AICR_RATE_LIMIT", default_value_t = 100.0)]
    rate_limit: f64,
    /// Burst size of the /v1 token bucket.
    #[arg(long, env = "AICR_RATE_BURST", default_value_t = 200.0)]
    rate_burst: f64,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "AICR_MAX_BODY_BYTES", default_value_t = 1 << 20)]
    max_body_bytes: usize,
}

fn main() -> ExitCode {
    let cli: Cli = aicr::output::parse_args();
    let addr = cli
        .listen
        .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], cli.port)));
    let config = server::Config {
        addr,
        shutdown: shutdown::Config {
            timeout: Duration::from_secs(cli.shutdown_timeout_seconds),
            drain: Duration::from_secs(cli.shutdown_drain_seconds),
        },
        limits: server::Limits {
            recipe_timeout: Duration::from_secs(30),
            bundle_timeout: Duration::from_secs(60),
            body_bytes: cli.max_body_bytes,
            rate: cli.rate_limit.max(0.001),
            burst: cli.rate_burst.max(1.0),
        },
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            log::error("cannot start the async runtime", &err.to_string());
            return aicr::exit::Code::Internal.into();
        }
    };
    match runtime.block_on(server::run(config)) {
        Ok(()) => aicr::exit::Code::Ok.into(),
        Err(err) => {
            log::error("server stopped with an error", &format!("{err:#}"));
            aicr::exit::Code::Error.into()
        }
    }
}
