// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! `aicrd`: the AICR API server.
//!
//! Configuration (flags override the environment); a value outside its range stops
//! the server at startup with one line naming the variable (exit 2):
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
//! | `AICR_MAX_CONNECTIONS`               | `512`          | open connections; more are closed     |
//! | `AICR_HEADER_TIMEOUT_SECONDS`        | `10`           | to receive a request's headers        |
//! | `AICR_BODY_TIMEOUT_SECONDS`          | `30`           | to receive a request's body (408)     |
//! | `AICR_IDLE_TIMEOUT_SECONDS`          | `60`           | an idle keep-alive connection closes  |
//! | `AICR_ALLOWED_{ACCELERATORS,SERVICES,INTENTS,OS}` | all | allow-lists of criteria values   |
//! | `LOG_LEVEL`                          | `info`         | `debug`, `info`, `warn` or `error`    |

#![forbid(unsafe_code)]

mod api;
mod config;
mod conn;
mod log;
mod metrics;
mod middleware;
mod routes;
mod server;
mod shutdown;
mod state;

use std::net::SocketAddr;
use std::process::ExitCode;

use aicr::build_info::BUILD;
use clap::Parser;

/// AICR API server: serves recipes, queries and bundles over HTTP.
#[derive(Debug, Parser)]
#[command(name = "aicrd", version = BUILD.clap_version())]
struct Cli {
    /// Address to listen on; defaults to all interfaces on $PORT.
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Port to listen on when --listen is not given [default: 8080].
    #[arg(long, env = "PORT")]
    port: Option<String>,
    /// Upper bound, in seconds, on the graceful shutdown after SIGINT/SIGTERM [default: 30].
    #[arg(long, env = "SHUTDOWN_TIMEOUT_SECONDS")]
    shutdown_timeout_seconds: Option<String>,
    /// Seconds during which /ready answers 503 before the listener closes, so that load
    /// balancers stop sending traffic first [default: 0].
    #[arg(long, env = "SHUTDOWN_DRAIN_SECONDS")]
    shutdown_drain_seconds: Option<String>,
    /// Requests per second the /v1 token bucket refills [default: 100].
    #[arg(long, env = "AICR_RATE_LIMIT")]
    rate_limit: Option<String>,
    /// Burst size of the /v1 token bucket [default: 200].
    #[arg(long, env = "AICR_RATE_BURST")]
    rate_burst: Option<String>,
    /// Largest accepted request body, in bytes [default: 1048576].
    #[arg(long, env = "AICR_MAX_BODY_BYTES")]
    max_body_bytes: Option<String>,
    /// Most open connections; further ones are closed at once [default: 512].
    #[arg(long, env = "AICR_MAX_CONNECTIONS")]
    max_connections: Option<String>,
    /// Seconds a client has to send a request's headers [default: 10].
    #[arg(long, env = "AICR_HEADER_TIMEOUT_SECONDS")]
    header_timeout_seconds: Option<String>,
    /// Seconds a client has to send a request's body [default: 30].
    #[arg(long, env = "AICR_BODY_TIMEOUT_SECONDS")]
    body_timeout_seconds: Option<String>,
    /// Seconds an idle keep-alive connection stays open [default: 60].
    #[arg(long, env = "AICR_IDLE_TIMEOUT_SECONDS")]
    idle_timeout_seconds: Option<String>,
}

fn main() -> ExitCode {
    let cli: Cli = aicr::output::parse_args();
    let raw = config::Raw {
        listen: cli.listen,
        port: cli.port,
        shutdown_timeout: cli.shutdown_timeout_seconds,
        shutdown_drain: cli.shutdown_drain_seconds,
        rate_limit: cli.rate_limit,
        rate_burst: cli.rate_burst,
        max_body_bytes: cli.max_body_bytes,
        max_connections: cli.max_connections,
        header_timeout: cli.header_timeout_seconds,
        body_timeout: cli.body_timeout_seconds,
        idle_timeout: cli.idle_timeout_seconds,
    };
    let config = match config::Config::resolve(&raw, &|var| std::env::var(var).ok()) {
        Ok(config) => config,
        Err(err) => {
            log::error("invalid configuration", &err);
            return aicr::exit::Code::InvalidRequest.into();
        }
    };
    log::set_level(config.log_level);
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
    let result = runtime.block_on(server::run(config));
    // Engine work that outlived its request (bounded, see api::run_bounded) is not
    // waited for: it has nothing to flush.
    runtime.shutdown_background();
    match result {
        Ok(()) => aicr::exit::Code::Ok.into(),
        Err(err) => {
            log::error("server stopped with an error", &format!("{err:#}"));
            aicr::exit::Code::Error.into()
        }
    }
}
