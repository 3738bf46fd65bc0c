//! The server's connections: accepted, served with time limits, and
//! drained for a bounded time when the server stops.
//!
//! `axum::serve` has no time limits at all: a client that sends half its
//! headers, or a `Content-Length` and fewer bytes, holds its connection
//! for ever, and its graceful shutdown waits for every connection, so one
//! such client kept SIGTERM from ending the server. Here:
//!
//! - a request's headers must arrive in full within [`HEADER_TIMEOUT`],
//!   counted from the connection's start or from the end of the previous
//!   answer, which also bounds how long an idle keep-alive connection is
//!   kept (hyper starts the same timer when it waits for the next request);
//! - a body must arrive within [`super::body::BODY_TIMEOUT`] (a `408`);
//! - on SIGTERM no connection is accepted any more, idle ones are closed,
//!   and those with a request under way get [`DRAIN`] to finish it; what
//!   is left then is cut off. A request whose work reached the engine is
//!   finished all the same (the engine thread runs every job it was sent
//!   before it stops), only its answer may be lost.

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

/// How long a connection waits for the whole header of its next request.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the requests under way get to finish once the server stops.
pub const DRAIN: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `stop` is ready, then drains.
pub async fn serve(listener: TcpListener, app: Router, stop: impl Future<Output = ()>) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .keep_alive(true);
    let (closing, closed) = tokio::sync::watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(stop);

    loop {
        let accepted = tokio::select! {
            () = &mut stop => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of file descriptors, say: wait a little rather than
                // spin (as `axum::serve` does).
                tracing::error!(%error, "accept_failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let service = TowerToHyperService::new(app.clone());
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let mut closed = closed.clone();
        connections.spawn(async move {
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => return,
                _ = closed.changed() => {}
            }
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        });
    }

    drop(listener);
    let _ = closing.send(true);
    let drained = tokio::time::timeout(DRAIN, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(cut_off = connections.len(), "drain_timed_out");
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    }
}
