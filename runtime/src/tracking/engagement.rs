//! From a followed URL to engagement the engine knows about.
//!
//! 1. [`resolve`] finds the message a token names and checks the token
//!    against that message's idempotency key. A token that is malformed,
//!    altered, forged, expired, for another purpose, or bound to another
//!    message or contact resolves to `None`, all alike.
//! 2. [`record`] writes the hit as it arrives, with the sign its request
//!    showed of being automated (`agents::request_sign`), if any.
//! 3. [`settle_due`] takes the hits whose automated window has passed,
//!    decides (`agents::timing_sign`: too soon after sending, part of a
//!    burst across links), writes the verdict, and hands each to the engine
//!    as an open or a click, which wakes the runs waiting for it. Waiting
//!    for the window before deciding is what lets the first click of a
//!    scanner's burst be seen as part of it; the run sees the hit a few
//!    seconds late, stamped with the moment it happened.
//!
//! [`unsubscribe`] suppresses the message's contact at once. Delivery
//! checks suppression when it sends, so mail already queued for the
//! contact is stopped as well.
//!
//! Handing a hit to the engine and marking it settled are two commits:
//! a crash between them hands it over again on restart (at least once), so
//! an open or a click may be recorded twice; waits and reports count
//! contacts, not hits, and are not changed by it.

use super::agents::{self, Sign};
use super::token::{self, Claims, Purpose, Secret};
use crate::bytecode::Program;
use crate::engine::{Engine, EngineError};
use crate::store::sqlite::{SqliteStore, TrackedMessage};
use crate::store::{Happening, HappeningKind, StoreError};

/// How many hits one call of [`settle_due`] settles at most.
pub const SETTLE_BATCH: usize = 1_000;

/// A binding no message has: a token for an unknown message is still
/// checked against it, so that it takes as long as any other refusal.
const NO_MESSAGE: &str = "\0no message";

/// The message `token` names, if the token is good for `purpose` at `now`.
pub fn resolve(
    store: &SqliteStore,
    secret: &Secret,
    token: &str,
    purpose: Purpose,
    now: i64,
) -> Result<Option<(TrackedMessage, Claims)>, StoreError> {
    let Some(claimed) = token::unverified(token) else {
        return Ok(None);
    };
    let message = store.tracked_message(claimed.message)?;
    let binding = message.as_ref().map_or(NO_MESSAGE, |m| m.key.as_str());
    let verified = token::verify(secret, token, binding, purpose, now);
    Ok(match (message, verified) {
        (Some(message), Some(claims)) => Some((message, claims)),
        _ => None,
    })
}

/// The name and declared URL of link number `link` of `email` in
/// `program`.
pub fn link_target<'p>(program: &'p Program, email: &str, link: u16) -> Option<(&'p str, &'p str)> {
    let email = program.emails.iter().find(|e| e.name == email)?;
    let (name, url) = email.links.get(usize::from(link))?;
    Some((name, url))
}

/// Records a hit on `message`: an open, or a click on `link`, to be
/// settled `window` seconds later (see [`agents`]); `None` when the
/// message's contact was erased since its token was checked.
pub fn record(
    store: &mut SqliteStore,
    message: &TrackedMessage,
    kind: HappeningKind,
    link: Option<&str>,
    at: i64,
    sign: Option<Sign>,
    window: i64,
) -> Result<Option<i64>, StoreError> {
    let sign = sign.map(Sign::as_str);
    store.record_hit(message.outbox, kind, link, at, sign, window)
}

/// Suppresses `message`'s contact as unsubscribed, with an audit entry.
/// Returns whether the contact was subscribed until now.
pub fn unsubscribe(
    store: &mut SqliteStore,
    message: &TrackedMessage,
    now: i64,
) -> Result<bool, StoreError> {
    let fresh = store.unsubscribe(message.contact, message.outbox, now)?;
    tracing::info!(contact = message.contact, fresh, "contact_unsubscribed");
    Ok(fresh)
}

/// What one [`settle_due`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Settled {
    pub people: u64,
    pub automated: u64,
    /// Runs the hits woke and advanced.
    pub advanced: u64,
}

/// What one [`advance_due`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Advanced {
    /// Hits settled and handed to the engine.
    pub settled: Settled,
    /// Timers put off until a hit stamped before them is settled.
    pub held: u64,
    /// Entries by date and runs whose timer was due.
    pub due: crate::engine::Tally,
}

/// The timed work of a server that takes tracking hits, at `now`, in the
/// order that keeps DESIGN 4.4's rule that a happening stamped at or
/// before a wait's deadline wins over its timeout: first the hits whose
/// window has passed go to the engine, then the timers of contacts with a
/// hit still unsettled from before the timer are put off, then the due
/// timers fire. Hits that fail to settle are logged and tried again next
/// time; they still hold their contacts' timers, so the rest goes on.
pub fn advance_due(engine: &mut Engine, now: i64, batch: usize) -> Result<Advanced, EngineError> {
    let settled = settle_due(engine, now).unwrap_or_else(|error| {
        tracing::error!(%error, "hits_not_settled");
        Settled::default()
    });
    let held = engine.store.hold_timers_for_unsettled_hits(now)?;
    if held > 0 {
        tracing::debug!(held, "timers_held_for_hits");
    }
    let due = engine.run_due(now, batch)?;
    Ok(Advanced { settled, held, due })
}

/// Settles the hits whose automated window has passed at `now`: decides
/// whether each was a person's, writes it, and hands it to the engine.
pub fn settle_due(engine: &mut Engine, now: i64) -> Result<Settled, EngineError> {
    let mut tally = Settled::default();
    let due = engine.store.unsettled_hits(now, SETTLE_BATCH)?;
    for hit in due {
        let window = hit.window;
        let request = hit.sign.as_deref().and_then(Sign::parse);
        let others = match hit.kind {
            HappeningKind::Click => engine.store.other_link_clicks(
                hit.outbox,
                hit.link.as_deref(),
                hit.at - window,
                hit.at + window,
            )?,
            _ => Vec::new(),
        };
        let sign = request.or_else(|| agents::timing_sign(hit.at, hit.sent_at, &others, window));
        let automated = sign.is_some();

        let happening = Happening {
            contact: hit.contact,
            at: hit.at,
            kind: hit.kind,
            name: Some(hit.email.clone()),
            link: hit.link.clone(),
            data: None,
            automated,
        };
        tally.advanced += engine.happen(&happening, now)?.advanced;
        engine
            .store
            .settle_hit(hit.id, automated, sign.map(Sign::as_str))?;
        match automated {
            true => tally.automated += 1,
            false => tally.people += 1,
        }
        tracing::debug!(
            contact = hit.contact,
            kind = hit.kind.as_str(),
            automated,
            sign = sign.map_or("", Sign::as_str),
            "hit_settled"
        );
    }
    Ok(tally)
}

/// When the next hit can be settled, for a scheduler that sleeps until
/// then.
pub fn next_settle(store: &SqliteStore) -> Result<Option<i64>, StoreError> {
    store.next_hit_settle()
}
