//! The SQLite store's side of tracking: the message a tracked URL names,
//! the hits on tracked URLs until they are settled, and unsubscribes.
//!
//! A hit (an open pixel fetched, a tracked link followed) is written to
//! `tracking_hits` as it arrives, with the sign its request showed of being
//! automated, if any, and the automated window in force. It is *settled*
//! once that window after it has passed (`settle_at`): then its final
//! verdict is written and it goes to the engine as an open or a click
//! (`tracking::engagement`). Keeping the window with the hit lets whoever
//! settles it do so without the configuration. Hits keep no user agent,
//! address or anything else from the request: only which message and link,
//! when, and the verdict.
//!
//! An erased contact's messages are not found, so its tokens resolve to
//! nothing, as a forged one does; a hit or an unsubscribe that was checked
//! before the erasure and is written after it writes nothing, and the
//! erasure drops its hits not yet settled.

use super::contacts::{add_suppression, write_audit};
use super::*;

/// A sent (or queued) message, as a tracked URL finds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackedMessage {
    pub outbox: i64,
    /// The idempotency key the message's tokens are bound to.
    pub key: String,
    pub contact: ContactId,
    pub email: String,
    pub sent_at: Option<i64>,
    /// The deployment whose program sent it (its links' URLs).
    pub deployment: DeploymentId,
}

/// A hit not yet handed to the engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingHit {
    pub id: i64,
    pub outbox: i64,
    pub contact: ContactId,
    pub email: String,
    pub kind: HappeningKind,
    pub link: Option<String>,
    pub at: i64,
    /// What the request showed (see `tracking::agents::Sign`), if anything.
    pub sign: Option<String>,
    /// The automated window, in seconds, when the hit was recorded.
    pub window: i64,
    pub sent_at: Option<i64>,
}

impl SqliteStore {
    /// The message of outbox row `outbox`, if there is one and its
    /// contact was not erased.
    pub fn tracked_message(&self, outbox: i64) -> Result<Option<TrackedMessage>> {
        Ok(self
            .conn
            .prepare_cached(concat!(
                "SELECT o.id, ",
                outbox_key!("o."),
                ", o.contact, o.email, o.sent_at, r.deployment \
                 FROM outbox o JOIN runs r ON r.id = o.run JOIN contacts c ON c.id = o.contact \
                 WHERE o.id = ?1 AND c.external_id NOT LIKE 'erased:%'",
            ))?
            .query_row([outbox], |r| {
                Ok(TrackedMessage {
                    outbox: r.get(0)?,
                    key: r.get(1)?,
                    contact: r.get(2)?,
                    email: r.get(3)?,
                    sent_at: r.get(4)?,
                    deployment: r.get(5)?,
                })
            })
            .optional()?)
    }

    /// Records a hit on a tracked URL of `outbox`, to be settled once
    /// `window` seconds have passed after it; `None` (nothing written) when
    /// the message's contact was erased meanwhile.
    pub fn record_hit(
        &mut self,
        outbox: i64,
        kind: HappeningKind,
        link: Option<&str>,
        at: i64,
        sign: Option<&str>,
        window: i64,
    ) -> Result<Option<i64>> {
        let written = self
            .conn
            .prepare_cached(
                "INSERT INTO tracking_hits (outbox, kind, link, at, sign, window, settle_at) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM outbox o \
                 JOIN contacts c ON c.id = o.contact \
                 WHERE o.id = ?1 AND c.external_id NOT LIKE 'erased:%')",
            )?
            .execute(params![
                outbox,
                kind.as_str(),
                link,
                at,
                sign,
                window,
                at.saturating_add(window)
            ])?;
        Ok((written > 0).then(|| self.conn.last_insert_rowid()))
    }

    /// Up to `limit` unsettled hits whose window has passed at `now`,
    /// oldest first.
    pub fn unsettled_hits(&self, now: i64, limit: usize) -> Result<Vec<PendingHit>> {
        let mut query = self.conn.prepare_cached(
            "SELECT h.id, h.outbox, o.contact, o.email, h.kind, h.link, h.at, h.sign, h.window, \
             o.sent_at FROM tracking_hits h JOIN outbox o ON o.id = h.outbox \
             WHERE h.settled = 0 AND h.settle_at <= ?1 ORDER BY h.at, h.id LIMIT ?2",
        )?;
        let rows = query.query_map(params![now, limit as i64], |r| {
            let kind: String = r.get(4)?;
            Ok(PendingHit {
                id: r.get(0)?,
                outbox: r.get(1)?,
                contact: r.get(2)?,
                email: r.get(3)?,
                kind: HappeningKind::parse(&kind).unwrap_or(HappeningKind::Open),
                link: r.get(5)?,
                at: r.get(6)?,
                sign: r.get(7)?,
                window: r.get(8)?,
                sent_at: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// When the next unsettled hit's window ends.
    pub fn next_hit_settle(&self) -> Result<Option<i64>> {
        Ok(self.conn.query_row(
            "SELECT min(settle_at) FROM tracking_hits WHERE settled = 0",
            [],
            |r| r.get(0),
        )?)
    }

    /// When the clicks on `outbox`'s links other than `link` were made,
    /// within `from..=to`.
    pub fn other_link_clicks(
        &self,
        outbox: i64,
        link: Option<&str>,
        from: i64,
        to: i64,
    ) -> Result<Vec<i64>> {
        let mut query = self.conn.prepare_cached(
            "SELECT at FROM tracking_hits WHERE outbox = ?1 AND kind = 'click' \
             AND link IS NOT ?2 AND at BETWEEN ?3 AND ?4",
        )?;
        let rows = query.query_map(params![outbox, link, from, to], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Puts off the timers due at `now` of the contacts who have a hit
    /// stamped at or before the timer that is not settled yet, until the
    /// last such hit is settled. A click a second before a `wait for`'s
    /// timeout thereby still wins (DESIGN 4.4): the run wakes once the hit
    /// has gone to the engine, and the VM looks at what happened up to the
    /// deadline kept in the run's state, not at the time it wakes. Other
    /// timers of those contacts are late by at most the window (or until
    /// the next second, while a backlog of hits past their window waits to
    /// be settled). Returns how many runs were put off.
    pub fn hold_timers_for_unsettled_hits(&mut self, now: i64) -> Result<u64> {
        let held = self
            .conn
            .prepare_cached(
                "WITH pending AS ( \
                   SELECT o.contact, h.at, h.settle_at FROM tracking_hits h \
                   JOIN outbox o ON o.id = h.outbox WHERE h.settled = 0) \
                 UPDATE runs SET wake_at = max(?1 + 1, ( \
                   SELECT max(p.settle_at) FROM pending p \
                   WHERE p.contact = runs.contact AND p.at <= runs.wake_at)) \
                 WHERE active = 1 AND wake_at <= ?1 \
                   AND contact IN (SELECT contact FROM pending) \
                   AND EXISTS (SELECT 1 FROM pending p \
                     WHERE p.contact = runs.contact AND p.at <= runs.wake_at)",
            )?
            .execute(params![now])?;
        Ok(held as u64)
    }

    /// Writes a hit's verdict; it is not handed to the engine again.
    pub fn settle_hit(&mut self, id: i64, automated: bool, sign: Option<&str>) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE tracking_hits SET settled = 1, automated = ?2, sign = ?3 WHERE id = ?1",
            )?
            .execute(params![id, automated, sign])?;
        Ok(())
    }

    /// Suppresses `contact` as unsubscribed through a link of `outbox`,
    /// and records it in the audit log, in one transaction. Returns
    /// whether the contact was subscribed until now; `false`, writing
    /// nothing, when it was erased meanwhile.
    pub fn unsubscribe(&mut self, contact: ContactId, outbox: i64, now: i64) -> Result<bool> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let live: i64 = tx.query_row(
            "SELECT count(*) FROM contacts WHERE id = ?1 AND external_id NOT LIKE 'erased:%'",
            [contact],
            |r| r.get(0),
        )?;
        if live == 0 {
            return Ok(false);
        }
        let before: i64 = tx.query_row(
            "SELECT count(*) FROM suppressions WHERE contact = ?1 AND reason = 'unsubscribed'",
            [contact],
            |r| r.get(0),
        )?;
        add_suppression(&tx, contact, "unsubscribed", now)?;
        let detail = format!("through a link of message {outbox}");
        write_audit(&tx, now, "recipient", "unsubscribe", Some(contact), &detail)?;
        tx.commit()?;
        Ok(before == 0)
    }

    /// The hits of `outbox` with their verdicts (`None`: unsettled), for
    /// tests and support: kind, link, at, automated, sign.
    pub fn hits_of(&self, outbox: i64) -> Result<Vec<HitRow>> {
        let mut query = self.conn.prepare_cached(
            "SELECT kind, link, at, CASE WHEN settled = 1 THEN automated END, sign \
             FROM tracking_hits WHERE outbox = ?1 ORDER BY at, id",
        )?;
        let rows = query.query_map([outbox], |r| {
            Ok(HitRow {
                kind: r.get(0)?,
                link: r.get(1)?,
                at: r.get(2)?,
                automated: r.get(3)?,
                sign: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// One hit as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HitRow {
    pub kind: String,
    pub link: Option<String>,
    pub at: i64,
    /// `None` until the hit is settled.
    pub automated: Option<bool>,
    pub sign: Option<String>,
}
