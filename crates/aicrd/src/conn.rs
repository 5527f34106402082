// SPDX-License-Identifier: Apache-2.0
// Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.

//! One HTTP/1.1 connection, watched: a client that takes longer than the header
//! timeout to send a request's headers, or leaves a keep-alive connection idle longer
//! than the idle timeout, is disconnected. (The body timeout is the handlers'; see
//! `api::Body`.) On shutdown the connection finishes its request and closes.
//!
//! The watch is a phase shared by the socket (reads and writes), the service (a request
//! starts and ends) and a timer that sleeps until the phase's deadline:
//!
//! - `Idle(since)`: no request; closes at `since + idle`. Response bytes written
//!   (a slow reader still reading) move `since` forward.
//! - `Head(since)`: the first bytes of a request arrived at `since`; closes at
//!   `since + header` unless the headers are complete by then.
//! - `Busy`: a request is being served; the handler's own timeouts bound it.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

/// The connection-level timeouts.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub header: Duration,
    pub idle: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle(Instant),
    Head(Instant),
    Busy,
}

#[derive(Debug)]
struct Watch {
    phase: Mutex<Phase>,
    changed: Notify,
}

impl Watch {
    fn update(&self, f: impl FnOnce(Phase) -> Phase) {
        let mut phase = self.phase.lock().unwrap_or_else(PoisonError::into_inner);
        let next = f(*phase);
        if next != *phase {
            *phase = next;
            self.changed.notify_one();
        }
    }

    fn deadline(&self, t: Timeouts) -> Option<Instant> {
        match *self.phase.lock().unwrap_or_else(PoisonError::into_inner) {
            Phase::Idle(since) => Some(since + t.idle),
            Phase::Head(since) => Some(since + t.header),
            Phase::Busy => None,
        }
    }
}

/// The socket, reporting reads and writes to the watch.
#[derive(Debug)]
struct Watched {
    stream: TcpStream,
    watch: Arc<Watch>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.watch.update(|phase| match phase {
                Phase::Idle(_) => Phase::Head(Instant::now()),
                other => other,
            });
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.watch.update(|phase| match phase {
                Phase::Idle(_) => Phase::Idle(Instant::now()),
                other => other,
            });
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// How a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The client closed it, or it finished after shutdown began.
    Closed,
    /// The header timeout passed.
    HeaderTimeout,
    /// The idle timeout passed.
    IdleTimeout,
}

/// Serves one connection until it ends; `shutdown` turning true closes it after its
/// current request.
pub async fn serve(
    stream: TcpStream,
    app: Router,
    timeouts: Timeouts,
    mut shutdown: watch::Receiver<bool>,
) -> End {
    let _ = stream.set_nodelay(true);
    let watch = Arc::new(Watch {
        phase: Mutex::new(Phase::Idle(Instant::now())),
        changed: Notify::new(),
    });
    let io = TokioIo::new(Watched {
        stream,
        watch: Arc::clone(&watch),
    });
    let inner = TowerToHyperService::new(app);
    let service = {
        let watch = Arc::clone(&watch);
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let watch = Arc::clone(&watch);
            let call = hyper::service::Service::call(&inner, request);
            watch.update(|_| Phase::Busy);
            async move {
                let response = call.await;
                watch.update(|_| Phase::Idle(Instant::now()));
                response
            }
        })
    };
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(None::<Duration>)
        .keep_alive(true)
        .serve_connection(io, service);
    tokio::pin!(connection);
    let mut closing = *shutdown.borrow();
    if closing {
        connection.as_mut().graceful_shutdown();
    }
    loop {
        let deadline = watch.deadline(timeouts);
        let expired = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = connection.as_mut() => return End::Closed,
            () = watch.changed.notified() => {}
            changed = shutdown.changed(), if !closing => {
                if changed.is_err() || *shutdown.borrow() {
                    closing = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
            () = expired => {
                // The phase may have moved on since the deadline was computed.
                if watch.deadline(timeouts).is_some_and(|at| at <= Instant::now()) {
                    let phase = *watch.phase.lock().unwrap_or_else(PoisonError::into_inner);
                    return match phase {
                        Phase::Head(_) => End::HeaderTimeout,
                        _ => End::IdleTimeout,
                    };
                }
            }
        }
    }
}
