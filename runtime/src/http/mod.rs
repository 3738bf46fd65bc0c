//! `journey serve`: the engine behind an HTTP API, on the system clock.
//!
//! Other systems create, read and erase contacts, send custom events and
//! contact updates (which wake the runs waiting for them), enrol lists and
//! segments, deploy, and read journey reports, all as JSON over HTTP, with
//! an API token (see [`auth`]). Meanwhile the engine advances due runs and
//! delivers mail (see [`worker`]). The OpenAPI document of the API is
//! served at `/openapi.json` and kept in the repository as
//! `docs/openapi.json`.
//!
//! Routes are declared once, in [`api::routes`], with the scope each
//! needs: the router, the access checks and the OpenAPI document are all
//! made from that one table.
//!
//! What the API never does: put a contact's field values in a log line, a
//! URL or an error body. Contacts are named in URLs and logs by their
//! opaque store id; error bodies name fields, never values. The only
//! answer that holds field values is the contact read endpoint's, to a
//! caller whose token may read.

pub mod api;
pub mod auth;
pub mod body;
pub mod consent;
pub mod contacts;
pub mod error;
pub mod events;
pub mod journeys;
pub mod listen;
pub mod openapi;
pub mod state;
pub mod tracking;
pub mod validate;
pub mod worker;

use crate::bytecode::Program;
use crate::clock::{Clock, SystemClock};
use crate::mail::{Templates, Transport};
use crate::store::sqlite::SqliteStore;
use crate::store::StoreError;
use axum::extract::{MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use error::ApiError;
use state::{AppState, EngineHandle, EngineSlot, Message, Reads, ServerState, Settings};
use std::net::SocketAddr;
use std::sync::{mpsc, Arc, RwLock};

/// A project compiled again, for `POST /v1/deploy`.
pub struct Deployable {
    /// The encoded program, as `journey deploy` stores it.
    pub artifact: Vec<u8>,
    pub program: Program,
    pub templates: Templates,
}

/// A JSON report of the journeys: all of them, or the one named. `None`
/// when there is no journey of that name.
pub type ReportHook =
    dyn Fn(&SqliteStore, Option<&str>) -> Result<Option<serde_json::Value>, String> + Send + Sync;

/// What the command line lends the server: compiling the project (which
/// the runtime does not know how to load) and the report it prints.
pub struct Hooks {
    pub deploy: Box<dyn Fn() -> Result<Deployable, String> + Send + Sync>,
    pub report: Box<ReportHook>,
}

/// Everything `journey serve` starts with.
pub struct Serve {
    pub settings: Settings,
    /// The socket the API answers on, bound by the caller before anything
    /// is written: an address in use must stop the command before it
    /// deploys.
    pub listener: std::net::TcpListener,
    pub templates: Templates,
    pub transport: Box<dyn Transport>,
    pub hooks: Hooks,
}

#[derive(Debug)]
pub enum ServeError {
    Store(StoreError),
    NotDeployed,
    Io(std::io::Error),
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServeError::Store(e) => write!(f, "{e}"),
            ServeError::NotDeployed => write!(f, "nothing is deployed in the store"),
            ServeError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ServeError {}

/// The whole API: every route of [`api::routes`] behind the token check,
/// and JSON answers for unknown paths and methods.
pub fn router(state: AppState) -> Router {
    let mut api = Router::new();
    for route in api::routes() {
        let scope = route.scope;
        let guarded = route
            .handler
            .route_layer(middleware::from_fn(move |request, next| {
                auth::require(scope, request, next)
            }));
        api = api.route(route.path, guarded);
    }
    let api = api
        .fallback(unknown_path)
        .method_not_allowed_fallback(unknown_method)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ));
    // Routes without a token (tracked links, the open pixel, unsubscribe)
    // are merged here, outside the token check.
    api.merge(tracking::router())
        .with_state(state)
        .layer(middleware::from_fn(log_request))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
}

async fn unknown_path() -> ApiError {
    ApiError::not_found("there is no such path; see /openapi.json")
}

async fn unknown_method() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this path does not take this method; see /openapi.json",
    )
}

/// The backstop: a panic in a handler answers 500 (tests make sure none
/// happens) and logs nothing of the request.
fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler_panicked");
    ApiError::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the server failed on this request",
    )
    .into_response()
}

/// One log line per request, naming the route as declared
/// (`/v1/contacts/{id}`), never the path as sent.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(no route)".to_string(), |p| p.as_str().to_string());
    let response = next.run(request).await;
    tracing::info!(%method, %route, status = response.status().as_u16(), "request");
    response
}

/// Runs the server until SIGTERM or Ctrl-C: answers on `listener`, calls
/// `ready` with its address, serves, then stops the engine and
/// delivery after the requests under way are answered (for at most
/// [`listen::DRAIN`]; see [`listen`]).
pub fn serve(options: Serve, ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let Serve {
        settings,
        listener,
        templates,
        transport,
        hooks,
    } = options;
    let mut store = SqliteStore::open(&settings.db).map_err(ServeError::Store)?;
    store.wait_briefly_when_busy().map_err(ServeError::Store)?;
    // Every write the API acknowledges is committed on the engine's
    // connection, and a 2xx means "stored": each commit there reaches the
    // disk (`fsync` of the write-ahead log) before the answer, so that a
    // power loss or an OS crash cannot take it back. The store's default,
    // `synchronous=NORMAL`, survives a crash of this process only.
    // The engine's commits never copy the write-ahead log into the
    // database (which takes milliseconds now and then, in the middle of a
    // request): delivery's thread does it, every second (see `worker`).
    let pragmas = [("synchronous", "FULL"), ("wal_autocheckpoint", "0")];
    for (pragma, value) in pragmas {
        store
            .connection()
            .pragma_update(None, pragma, value)
            .map_err(|e| ServeError::Store(e.into()))?;
    }
    let (_, bytes) = store
        .latest_deployment()
        .map_err(ServeError::Store)?
        .ok_or(ServeError::NotDeployed)?;
    let (_, program) = crate::artifact::decode(&bytes)
        .map_err(|e| ServeError::Store(StoreError::Corrupt(format!("the deployment: {e}"))))?;
    let program = Arc::new(program);

    let mailing = Arc::new(RwLock::new(Arc::new(worker::Mailing {
        program: Arc::clone(&program),
        templates,
    })));
    let (jobs, job_queue) = mpsc::channel();
    let (pings, ping_queue) = mpsc::channel();
    let slot = Arc::new(tokio::sync::Mutex::new(EngineSlot::new(store)));
    let first = Arc::clone(&slot)
        .try_lock_owned()
        .expect("nobody else has the engine yet");
    let engine = {
        let (slot, pings) = (Arc::clone(&slot), pings.clone());
        std::thread::Builder::new()
            .name("journey-engine".into())
            .spawn(move || worker::engine_loop(slot, first, job_queue, pings))
            .map_err(ServeError::Io)?
    };
    let delivery = {
        let db = settings.db.clone();
        let mailing = Arc::clone(&mailing);
        let (rate, setup) = (settings.rate, Arc::clone(&settings.mail));
        std::thread::Builder::new()
            .name("journey-delivery".into())
            .spawn(move || worker::delivery_loop(&db, mailing, transport, rate, setup, ping_queue))
            .map_err(ServeError::Io)?
    };

    let state = Arc::new(ServerState::new(
        EngineHandle {
            sender: jobs.clone(),
            slot,
            mail: pings.clone(),
        },
        Arc::new(Reads::new(settings.db.clone())),
        settings,
        program,
        hooks,
        mailing,
    ));
    let served = run_http(state, listener, ready);

    let _ = jobs.send(Message::Stop);
    let _ = engine.join();
    let _ = pings.send(worker::Ping::Stop);
    let _ = delivery.join();
    tracing::info!(at = SystemClock.now(), "stopped");
    served
}

/// How many threads run the async side: one fewer than the cores, at
/// least one. The async side reads requests and answers them; the engine's
/// thread (bulk work) and delivery's need a core of their own. On two
/// cores that is one worker, which runs each request from its first byte
/// to its answer, a single event's commit included. With two workers,
/// every answer woke the idle one (a futex wake, then its search for work
/// on the other core, which the engine and the client also want): single
/// events took 192 to 218 us (p50) against 181 to 194 us with one, in
/// four alternated runs of `cargo bench --bench ingest` each. The price:
/// a request that waits for a read connection's thread (`Reads::run`: a
/// contact, a report, an unknown contact's check) is answered about 20 us
/// later, woken by that thread instead of by a spinning second worker.
fn async_workers() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    cores.saturating_sub(1).max(1)
}

fn run_http(
    state: AppState,
    listener: std::net::TcpListener,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(async_workers())
        .enable_all()
        .build()
        .map_err(ServeError::Io)?;
    runtime.block_on(async move {
        listener.set_nonblocking(true).map_err(ServeError::Io)?;
        let listener = tokio::net::TcpListener::from_std(listener).map_err(ServeError::Io)?;
        ready(listener.local_addr().map_err(ServeError::Io)?);
        listen::serve(listener, router(state), stop_signal()).await;
        Ok(())
    })?;
    // Reads still running on blocking threads belong to requests that
    // were cut off (see `listen`): they are not waited for long.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    Ok(())
}

/// SIGTERM or Ctrl-C (SIGINT).
async fn stop_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("stopping");
}
