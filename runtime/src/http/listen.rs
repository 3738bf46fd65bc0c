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
//! - at most [`MAX_CONNECTIONS`] are served at once; more wait in the
//!   kernel's queue of the listening socket until one ends;
//! - on SIGTERM no connection is accepted any more, idle ones are closed,
//!   and those with a request under way get [`DRAIN`] to finish it; what
//!   is left then is cut off. A request whose work reached the engine is
//!   finished all the same (the engine thread runs every job it was sent
//!   before it stops), only its answer may be lost.

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

/// How long a connection waits for the whole header of its next request.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How many connections are served at once.
pub const MAX_CONNECTIONS: usize = 1_024;

/// How long the requests under way get to finish once the server stops.
pub const DRAIN: Duration = Duration::from_secs(10);

/// How many connections are served now, by every server of this process.
static OPEN: AtomicUsize = AtomicUsize::new(0);

/// How many connections are served now (by every server of this process:
/// tests may run several, and counting theirs too only errs on the side of
/// "others are waiting").
pub fn open_connections() -> usize {
    OPEN.load(Ordering::Relaxed)
}

/// Counts one connection as open for as long as it lives, however its
/// task ends (finished, or aborted after the drain).
struct Open;

impl Open {
    fn new() -> Open {
        OPEN.fetch_add(1, Ordering::Relaxed);
        Open
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        OPEN.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Serves `app` on `listener` until `stop` is ready, then drains.
pub async fn serve(listener: TcpListener, app: Router, stop: impl Future<Output = ()>) {
    serve_at_most(listener, app, stop, MAX_CONNECTIONS).await;
}

/// [`serve`], with at most `limit` connections at once.
async fn serve_at_most(
    listener: TcpListener,
    app: Router,
    stop: impl Future<Output = ()>,
    limit: usize,
) {
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
            accepted = listener.accept(), if connections.len() < limit => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => {
                // An answer is written whole, at once: sent as it is, not
                // held back while the client's acknowledgement of the
                // last one is under way (Nagle's algorithm).
                let _ = stream.set_nodelay(true);
                stream
            }
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
        let open = Open::new();
        connections.spawn(async move {
            let _open = open;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpStream;

    fn get(stream: &mut TcpStream) {
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
    }

    /// Whether an answer starts to arrive within `wait`.
    fn answered(stream: &mut TcpStream, wait: Duration) -> bool {
        stream.set_read_timeout(Some(wait)).unwrap();
        let mut first = [0u8; 12];
        matches!(stream.read(&mut first), Ok(n) if n > 0)
    }

    #[test]
    fn a_connection_over_the_limit_waits_until_one_ends() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let address = listener.local_addr().unwrap();
        let app = Router::new().route("/", axum::routing::get(|| async { "ok" }));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = runtime.spawn(serve_at_most(
            listener,
            app,
            async {
                let _ = stopped.await;
            },
            2,
        ));

        let mut first = TcpStream::connect(address).unwrap();
        let mut second = TcpStream::connect(address).unwrap();
        get(&mut first);
        get(&mut second);
        assert!(answered(&mut first, Duration::from_secs(5)));
        assert!(answered(&mut second, Duration::from_secs(5)));

        let mut third = TcpStream::connect(address).unwrap();
        get(&mut third);
        assert!(
            !answered(&mut third, Duration::from_millis(300)),
            "two connections are open: the third waits"
        );
        drop(first);
        assert!(
            answered(&mut third, Duration::from_secs(5)),
            "served once the first has ended"
        );

        let _ = stop.send(());
        drop((second, third));
        runtime.block_on(server).unwrap();
    }
}
