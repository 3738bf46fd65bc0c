//! The two threads behind the API: the engine and delivery.
//!
//! The engine thread runs the jobs that handlers send, one at a time in
//! the order they came, and between them advances the runs that are due
//! on the system clock; it shares the engine (see `state::EngineSlot`)
//! with handlers that do short work on their own thread, and takes it for
//! each job or round of due work. Every time is a whole second, so it
//! looks for due work whenever the clock's second has changed and sleeps
//! at most a second waiting for a job (which also sees what another
//! process, `journey event` say, wrote meanwhile).
//!
//! Delivery has a thread and a store connection of its own, so a slow SMTP
//! server never delays an API request. It also copies the write-ahead log
//! into the database (a checkpoint) at most once a second, which the
//! engine's commits no longer do. It sends what is due, then sleeps
//! until the next email is due, at most a second, or until the engine
//! thread says that a job may have queued mail. Its claims on emails are
//! leases (see `engine::delivery`), as with several `journey run`
//! processes on one store.
//!
//! Stopping: the engine thread ends after the jobs sent before the stop,
//! so a request that was answered is committed and one that was accepted
//! is finished; delivery ends after the email it is sending.

use super::state::{EngineSlot, Message, SharedSlot};
use crate::bytecode::Program;
use crate::clock::{Clock, SystemClock};
use crate::engine::delivery::{MailSetup, Postman};
use crate::engine::Engine;
use crate::mail::{Templates, Transport};
use crate::store::sqlite::SqliteStore;
use std::path::Path;
use std::sync::{mpsc, Arc, RwLock};
use std::time::Duration;
use tokio::sync::OwnedMutexGuard;

/// The longest either thread sleeps without looking at the clock.
const TICK: Duration = Duration::from_secs(1);

/// How many due runs the engine advances per store transaction.
const DUE_BATCH: usize = 1_000;

/// How long delivery waits after the mail settings failed before it tries
/// again.
const MAIL_BACKOFF: Duration = Duration::from_secs(60);

/// The program and templates delivery renders with: replaced together by
/// a deploy.
pub struct Mailing {
    pub program: Arc<Program>,
    pub templates: Templates,
}

pub type SharedMailing = Arc<RwLock<Arc<Mailing>>>;

/// A message to the delivery thread.
pub enum Ping {
    /// Emails may have been queued.
    Mail,
    Stop,
}

/// The engine thread's loop; returns when told to stop or when every
/// handle to it is gone. It starts with the slot held (`first`), so that
/// its first work, entering the contacts that joined a list or segment
/// while no engine ran, comes before any request's.
pub fn engine_loop(
    slot: SharedSlot,
    mut first: OwnedMutexGuard<EngineSlot>,
    jobs: mpsc::Receiver<Message>,
    mail: mpsc::Sender<Ping>,
) {
    first.work(
        |engine, _| match engine.enter_by_triggers(SystemClock.now()) {
            Ok(tally) => tracing::info!(entered = tally.entered, "entered_by_triggers"),
            Err(error) => tracing::error!(%error, "entry_by_triggers_failed"),
        },
    );
    drop(first);
    let _ = mail.send(Ping::Mail);

    let mut checked_at = i64::MIN;
    loop {
        let now = SystemClock.now();
        if now != checked_at {
            slot.blocking_lock()
                .work(|engine, _| advance_due(engine, now, &mail));
            checked_at = now;
        }
        // Wake-ups, date entries and hits to settle are whole seconds, and
        // the clock is looked at every second: no need to ask the store
        // when the next one is (three queries after every job).
        let job = match jobs.recv_timeout(TICK) {
            Ok(Message::Job(job)) => job,
            Ok(Message::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                checked_at = i64::MIN;
                continue;
            }
        };
        // A stopped engine drops the job unrun: its asker hears so.
        let done = slot.blocking_lock().work(job);
        if let Some(((), turn)) = done {
            if turn.mail {
                let _ = mail.send(Ping::Mail);
            }
        }
    }
}

fn advance_due(engine: &mut Engine<'_>, now: i64, mail: &mpsc::Sender<Ping>) {
    // Hits on tracked URLs first (see `tracking::engagement::advance_due`):
    // a click stamped before a wait's timeout must reach the run before
    // the timer fires.
    match crate::tracking::engagement::advance_due(engine, now, DUE_BATCH) {
        Ok(done) => {
            let due = done.due;
            if due.advanced + due.entered > 0 {
                tracing::debug!(
                    advanced = due.advanced,
                    entered = due.entered,
                    "due_runs_advanced"
                );
            }
            if due.advanced + due.entered + done.settled.advanced > 0 {
                let _ = mail.send(Ping::Mail);
            }
        }
        Err(error) => tracing::error!(%error, "due_work_failed"),
    }
}

/// Copies the write-ahead log into the database and starts it again (see
/// `SqliteStore::checkpoint_and_restart`). The engine's connection does
/// not (`wal_autocheckpoint` is off there), so that no request waits for
/// it; the log would otherwise grow without end.
fn checkpoint(store: &mut SqliteStore) {
    if let Err(error) = store.checkpoint_and_restart() {
        tracing::warn!(%error, "checkpoint_failed");
    }
}

/// The delivery thread's loop.
pub fn delivery_loop(
    db: &Path,
    mailing: SharedMailing,
    transport: Box<dyn Transport>,
    rate: usize,
    setup: Arc<MailSetup>,
    pings: mpsc::Receiver<Ping>,
) {
    let mut store = match SqliteStore::open(db) {
        Ok(store) => store,
        Err(error) => {
            tracing::error!(%error, "delivery_cannot_open_store");
            return;
        }
    };
    // At most one checkpoint a second (of the clock's whole seconds),
    // however often delivery is woken: each one competes with the engine's
    // commits for the disk.
    let mut checkpointed = i64::MIN;
    loop {
        let now = SystemClock.now();
        let due = store.next_outbox_due(now).ok().flatten();
        let mut wait = match due {
            Some(at) if at > now => TICK.min(Duration::from_secs((at - now) as u64)),
            Some(_) => Duration::ZERO,
            None => TICK,
        };
        if wait.is_zero() {
            let mailing = match mailing.read() {
                Ok(current) => Arc::clone(&current),
                Err(poisoned) => Arc::clone(&poisoned.into_inner()),
            };
            let postman = Postman {
                program: &mailing.program,
                templates: &mailing.templates,
                transport: transport.as_ref(),
                setup: &setup,
            };
            match postman.deliver(&mut store, now, rate) {
                Ok(tally) => {
                    let settled = tally.sent + tally.suppressed + tally.failed + tally.retried;
                    tracing::info!(
                        sent = tally.sent,
                        suppressed = tally.suppressed,
                        failed = tally.failed,
                        retried = tally.retried,
                        "delivery_round"
                    );
                    // A full round may have left more due: go on at once,
                    // else give the next second's emails their turn.
                    wait = if settled as usize >= rate {
                        Duration::ZERO
                    } else {
                        TICK
                    };
                }
                Err(error) => {
                    tracing::error!(%error, "delivery_failed");
                    wait = MAIL_BACKOFF;
                }
            }
        }
        if now != checkpointed {
            checkpoint(&mut store);
            checkpointed = now;
        }
        match pings.recv_timeout(wait) {
            Ok(Ping::Mail) | Err(mpsc::RecvTimeoutError::Timeout) => {
                while let Ok(ping) = pings.try_recv() {
                    if matches!(ping, Ping::Stop) {
                        return;
                    }
                }
            }
            Ok(Ping::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
    }
}
