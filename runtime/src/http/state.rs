//! What every handler of `journey serve` shares: the engine thread, the
//! read connections, the deployed program and the server's settings.
//!
//! The engine's store connection, and the programs the engine loaded, are
//! one [`EngineSlot`], which one thread at a time works with: the engine
//! thread (due work, and jobs sent to it through [`EngineHandle::run`]:
//! bulk work that would hold up an async thread), or a handler's own
//! thread, for work as short as one event ([`EngineHandle::run_here`]):
//! handing that to another thread and back costs two thread wake-ups,
//! about as much as the work. Either answers when the work is done (and
//! its writes committed). Reads that need no engine (a contact, a report)
//! go to [`Reads`], a few more connections to the same file; in WAL mode
//! they never wait for the engine's writes. A request's token is read
//! with the engine's connection when nobody holds it (its cache is warm),
//! else with one of those.

use super::worker::Ping;
use crate::bytecode::Program;
use crate::engine::delivery::MailSetup;
use crate::engine::{Engine, Loaded};
use crate::store::sqlite::SqliteStore;
use crate::store::StoreError;
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex, RwLock};

/// The state handlers get, cheap to clone.
pub type AppState = Arc<ServerState>;

pub struct ServerState {
    pub engine: EngineHandle,
    pub reads: Arc<Reads>,
    pub settings: Settings,
    /// The latest deployment's program: what requests are validated
    /// against. Replaced by a deploy.
    program: RwLock<Arc<Program>>,
    pub(super) hooks: super::Hooks,
    /// What delivery renders with; a deploy replaces it.
    pub(super) mailing: super::worker::SharedMailing,
}

impl ServerState {
    pub(super) fn new(
        engine: EngineHandle,
        reads: Arc<Reads>,
        settings: Settings,
        program: Arc<Program>,
        hooks: super::Hooks,
        mailing: super::worker::SharedMailing,
    ) -> ServerState {
        ServerState {
            engine,
            reads,
            settings,
            program: RwLock::new(program),
            hooks,
            mailing,
        }
    }

    /// The latest deployment's program.
    pub fn program(&self) -> Arc<Program> {
        match self.program.read() {
            Ok(program) => Arc::clone(&program),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    pub(super) fn set_program(&self, program: Arc<Program>) {
        match self.program.write() {
            Ok(mut slot) => *slot = program,
            Err(poisoned) => *poisoned.into_inner() = program,
        }
    }
}

/// How the server was started.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The store file.
    pub db: PathBuf,
    /// Emails delivered per round (a round is at most a second).
    pub rate: usize,
    /// Tracked URLs, unsubscribe and DKIM (`[tracking]`, `[dkim]`); the
    /// tracking routes check tokens with its secret.
    pub mail: Arc<MailSetup>,
}

/// Why work could not be done.
#[derive(Debug)]
pub enum Unavailable {
    /// The engine thread has stopped (the server is shutting down, or the
    /// store failed).
    Stopped,
    Store(StoreError),
}

impl From<StoreError> for Unavailable {
    fn from(e: StoreError) -> Self {
        Unavailable::Store(e)
    }
}

/// Work for the engine thread. `Turn` lets it ask for more than its
/// answer: a reload of the program, a round of delivery.
pub type Job = Box<dyn FnOnce(&mut Engine<'_>, &mut Turn) + Send>;

/// What a piece of work asks for after it ran.
#[derive(Debug, Default)]
pub struct Turn {
    /// A new deployment: load it before the next job.
    pub reload: bool,
    /// Emails may have been queued: wake delivery.
    pub mail: bool,
}

pub enum Message {
    Job(Job),
    Stop,
}

/// The engine's connection and what it loaded: the engine as it rests
/// between two pieces of work.
pub struct EngineSlot {
    store: SqliteStore,
    /// `None` once the engine could not load the latest deployment (or a
    /// piece of work panicked): work is refused as if the engine had
    /// stopped.
    loaded: Option<Loaded>,
}

/// The slot, for one holder at a time, in the order they asked.
pub type SharedSlot = Arc<tokio::sync::Mutex<EngineSlot>>;

impl EngineSlot {
    /// The engine on `store`'s latest deployment.
    pub fn new(mut store: SqliteStore) -> EngineSlot {
        let loaded = load(&mut store);
        EngineSlot { store, loaded }
    }

    /// Runs `work` with the engine; the turn it returns says what else
    /// the work asked for (a reload is done here already). `None` when
    /// the engine is stopped.
    pub fn work<T>(
        &mut self,
        work: impl FnOnce(&mut Engine<'_>, &mut Turn) -> T,
    ) -> Option<(T, Turn)> {
        let loaded = self.loaded.take()?;
        let mut engine = Engine::with(&mut self.store, loaded);
        let mut turn = Turn::default();
        let answer = work(&mut engine, &mut turn);
        self.loaded = Some(engine.unload());
        if turn.reload {
            self.loaded = load(&mut self.store);
        }
        Some((answer, turn))
    }

    /// Runs a read with the engine's connection.
    pub fn read<T>(&self, work: impl FnOnce(&SqliteStore) -> T) -> T {
        work(&self.store)
    }
}

fn load(store: &mut SqliteStore) -> Option<Loaded> {
    match Engine::new(store) {
        Ok(engine) => Some(engine.unload()),
        Err(error) => {
            tracing::error!(%error, "engine_cannot_start");
            None
        }
    }
}

/// Hands work to the engine.
#[derive(Clone)]
pub struct EngineHandle {
    pub(super) sender: mpsc::Sender<Message>,
    pub(super) slot: SharedSlot,
    /// Wakes delivery after work that queued mail.
    pub(super) mail: mpsc::Sender<Ping>,
}

impl EngineHandle {
    /// Runs `work` on the engine thread and returns its answer once it has
    /// run: for work that may take long (many events, bulk entry, a
    /// deploy), which would hold up the requests of an async thread.
    pub async fn run<T, F>(&self, work: F) -> Result<T, Unavailable>
    where
        T: Send + 'static,
        F: FnOnce(&mut Engine<'_>, &mut Turn) -> T + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |engine, turn| {
            // The asker may have gone (its client hung up); the work is
            // done and committed all the same.
            let _ = answer.send(work(engine, turn));
        });
        self.sender
            .send(Message::Job(job))
            .map_err(|_| Unavailable::Stopped)?;
        answered.await.map_err(|_| Unavailable::Stopped)
    }

    /// Runs `work` on this thread, once the engine is free, and returns
    /// its answer: for short work (one event: a few rows and one commit).
    /// Work is never cut off half done: it runs within one poll of the
    /// request's future, so a client that hangs up meanwhile does not
    /// stop it.
    ///
    /// The thread is held for the work's time, commit included (a disk
    /// flush, about 100 us, milliseconds on a busy disk), and for as long
    /// as SQLite waits for another writer's lock (delivery's, another
    /// process's: usually tens of microseconds); its other tasks are
    /// handed to another thread first (see [`blocking`]), so that no
    /// other request waits for this one's flush.
    pub async fn run_here<T, F>(&self, work: F) -> Result<T, Unavailable>
    where
        F: FnOnce(&mut Engine<'_>, &mut Turn) -> T,
    {
        let mut slot = self.slot.lock().await;
        let (answer, turn) = blocking(|| slot.work(work)).ok_or(Unavailable::Stopped)?;
        drop(slot);
        if turn.mail {
            let _ = self.mail.send(Ping::Mail);
        }
        Ok(answer)
    }

    /// Runs a short read (one row by its key) with the engine's connection
    /// if nobody holds it; `None` if somebody does. The engine's
    /// connection wrote last, so the pages it reads are in its cache;
    /// another connection reads them from the file again after every
    /// commit (a request's token check: about 9.6 us there, 6 us here).
    pub fn read_if_free<T>(&self, work: impl FnOnce(&SqliteStore) -> T) -> Option<T> {
        let slot = self.slot.try_lock().ok()?;
        Some(slot.read(work))
    }
}

/// Runs `work`, which blocks (on a disk flush, say), on this async thread,
/// first handing the thread's part of the runtime (its queued tasks, and
/// the socket readiness it may be the one to poll for) to another thread
/// when other connections are open: measured with a second connection
/// beside a stream of single events, on a disk loaded by `dd`, its
/// requests waited for the events' flushes without it (p99 1.7 to 4.4 ms),
/// and not with it (p99 under 0.5 ms).
///
/// The hand-over wakes a thread (about 15 us of a request's latency, on
/// two busy cores), so a connection alone is served without it: nobody
/// else's request can be queued behind its flush; a new connection's
/// first request waits for at most that one commit. Work is done here
/// too on a runtime that cannot hand over (one thread: tests).
fn blocking<T>(work: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    let others = super::listen::open_connections() > 1;
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) if others => tokio::task::block_in_place(work),
        _ => work(),
    }
}

/// Read-only work on connections of its own, off the async threads.
pub struct Reads {
    db: PathBuf,
    idle: Mutex<Vec<SqliteStore>>,
}

impl Reads {
    pub fn new(db: PathBuf) -> Reads {
        Reads {
            db,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `work` with a connection, on a blocking thread.
    pub async fn run<T, F>(self: &Arc<Self>, work: F) -> Result<T, Unavailable>
    where
        T: Send + 'static,
        F: FnOnce(&SqliteStore) -> Result<T, StoreError> + Send + 'static,
    {
        let reads = Arc::clone(self);
        let outcome = tokio::task::spawn_blocking(move || reads.now(work)).await;
        outcome.map_err(|_| Unavailable::Stopped)?
    }

    /// Runs `work` with a connection on this thread: for reads short
    /// enough not to hold up an async thread (one row by its key).
    pub fn now<T>(
        &self,
        work: impl FnOnce(&SqliteStore) -> Result<T, StoreError>,
    ) -> Result<T, Unavailable> {
        let taken = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let store = match taken {
            Some(store) => store,
            None => SqliteStore::open(&self.db)?,
        };
        let answer = work(&store);
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(store);
        }
        Ok(answer?)
    }
}
