//! The SQLite store's outbox: claims, leases and what became of each email.

use super::*;

impl SqliteStore {
    // ------------------------------------------------------------ outbox --

    /// Claims up to `limit` emails due at `now` for sending: highest
    /// journey priority first, then the oldest. A claimed email is
    /// `sending` until [`SqliteStore::settle`] records what became of it;
    /// no other engine takes it meanwhile. A claim not settled within
    /// `lease` seconds (the engine died) lapses, and the email is claimed
    /// again: delivery is at least once.
    ///
    /// `now` is the engine's clock, which may be virtual; leases run on
    /// `real_now`, the machine's. A virtual clock jumps: a second engine
    /// whose clock had jumped past a lease in engine time took emails that
    /// the first was still sending, and both sent them.
    pub fn claim_outbox(
        &mut self,
        now: i64,
        limit: usize,
        real_now: i64,
        lease: i64,
    ) -> Result<Vec<OutboxRow>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let rows = {
            let mut query = tx.prepare_cached(
                "SELECT id, key, contact, journey, step, email, attempts FROM outbox \
                 WHERE (status = 'queued' AND due_at <= ?1) \
                    OR (status = 'sending' AND lease_until <= ?3) \
                 ORDER BY priority DESC, due_at, id LIMIT ?2",
            )?;
            let rows = query.query_map(params![now, limit as i64, real_now], |r| {
                Ok(OutboxRow {
                    id: r.get(0)?,
                    key: r.get(1)?,
                    contact: r.get(2)?,
                    journey: r.get(3)?,
                    step: r.get(4)?,
                    email: r.get(5)?,
                    attempts: r.get(6)?,
                })
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        {
            let mut claim = tx.prepare_cached(
                "UPDATE outbox SET status = 'sending', lease_until = ?2 WHERE id = ?1",
            )?;
            for row in &rows {
                claim.execute(params![row.id, real_now + lease])?;
            }
        }
        tx.commit()?;
        Ok(rows)
    }

    /// Gives claimed emails back, untried: queued again, as if never claimed.
    pub fn release_claims(&mut self, ids: &[i64]) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut release = tx.prepare_cached(
                "UPDATE outbox SET status = 'queued', lease_until = NULL \
                 WHERE id = ?1 AND status = 'sending'",
            )?;
            for id in ids {
                release.execute([id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// When the next email is due, on the engine's clock: a queued email's
    /// due time or, for a claim whose lease lapsed at `real_now` (on the
    /// real clock, see [`SqliteStore::claim_outbox`]), the time it was
    /// first due, so that it is delivered again at once.
    pub fn next_outbox_due(&self, real_now: i64) -> Result<Option<i64>> {
        Ok(self.conn.query_row(
            "SELECT min(due_at) FROM outbox WHERE status = 'queued' \
             OR (status = 'sending' AND lease_until <= ?1)",
            [real_now],
            |r| r.get(0),
        )?)
    }

    /// Records what became of one email.
    pub fn settle(
        &mut self,
        id: i64,
        delivery: Delivery,
        reason: Option<&str>,
        message_id: Option<&str>,
        now: i64,
    ) -> Result<()> {
        let (status, due) = match delivery {
            Delivery::Sent => ("sent", None),
            Delivery::Suppressed => ("suppressed", None),
            Delivery::Failed => ("failed", None),
            Delivery::Retry { at } => ("queued", Some(at)),
        };
        // A sent mark must outlive a power loss, or the email would go out
        // a second time: that commit waits for the log to reach the disk
        // (`synchronous=FULL`), whatever the connection does otherwise.
        let durable = matches!(delivery, Delivery::Sent);
        let before: i64 = self
            .conn
            .pragma_query_value(None, "synchronous", |r| r.get(0))?;
        if durable && before < FULL {
            self.conn.pragma_update(None, "synchronous", FULL)?;
        }

        let written = self.conn.execute(
            "UPDATE outbox SET status = ?2, reason = ?3, message_id = coalesce(?4, message_id), \
             lease_until = NULL, \
             attempts = attempts + 1, sent_at = CASE WHEN ?2 = 'sent' THEN ?5 ELSE sent_at END, \
             due_at = coalesce(?6, due_at) WHERE id = ?1",
            params![id, status, reason, message_id, now, due],
        );

        if durable && before < FULL {
            self.conn.pragma_update(None, "synchronous", before)?;
        }
        written?;
        Ok(())
    }
}

/// SQLite's `synchronous=FULL`: a commit waits for `fsync` of the log.
const FULL: i64 = 2;

#[cfg(test)]
mod tests {
    use super::*;

    /// Settling an email that was not queued changes no row, but the
    /// durable commit is still asked for and the connection is left as it
    /// was, whichever setting it had.
    #[test]
    fn a_sent_mark_leaves_the_connections_setting_as_it_found_it() {
        let dir = tempfile::TempDir::new().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("journey.db")).unwrap();
        let setting = |store: &SqliteStore| -> i64 {
            store
                .conn
                .pragma_query_value(None, "synchronous", |r| r.get(0))
                .unwrap()
        };

        for wanted in [1, FULL] {
            store
                .conn
                .pragma_update(None, "synchronous", wanted)
                .unwrap();
            for delivery in [Delivery::Sent, Delivery::Failed] {
                store.settle(404, delivery, None, None, 0).unwrap();
                assert_eq!(setting(&store), wanted, "{delivery:?}");
            }
        }
    }
}
