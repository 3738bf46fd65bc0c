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
            let mut query = tx.prepare_cached(CLAIMABLE)?;
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
        let mut query = self.conn.prepare_cached(NEXT_DUE)?;
        Ok(query.query_row([real_now], |r| r.get(0))?)
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

/// The emails [`SqliteStore::claim_outbox`] takes, in the order it takes
/// them: `?1` the engine's now, `?2` the limit, `?3` the real now.
///
/// Queued emails and lapsed claims are read as two parts, one per partial
/// index, merged in order: the queued part walks `outbox_due` in its order
/// and stops once it has `?2` due emails; the lapsed part seeks
/// `outbox_leases` and sorts the few it finds. One `WHERE` with both
/// conditions joined by `OR` read the whole table on every claim (SQLite
/// uses neither index for it). An email is either queued or sending, so no
/// row is in both parts.
///
/// Known shortcoming: queued emails that are not due yet (retries waiting
/// out their backoff) are read and skipped when they come before due ones
/// in the index's order, and all of them when fewer than `?2` are due.
/// Seeking `outbox_due` once per priority (`priority = ? AND due_at <= ?1`)
/// would skip them.
const CLAIMABLE: &str = concat!(
    "SELECT id, ",
    outbox_key!(""),
    ", contact, journey, step, email, attempts, priority, due_at FROM outbox \
    WHERE status = 'queued' AND due_at <= ?1 \
    UNION ALL \
    SELECT id, ",
    outbox_key!(""),
    ", contact, journey, step, email, attempts, priority, due_at FROM outbox \
    WHERE status = 'sending' AND lease_until <= ?3 \
    ORDER BY priority DESC, due_at, id LIMIT ?2"
);

/// When the next email is due (see [`SqliteStore::next_outbox_due`]), `?1`
/// the real now: the smaller of two minimums, one per partial index.
///
/// `outbox_due` leads with the priority, so the queued minimum is taken per
/// priority: the recursive part skips from one priority in the index to the
/// next lower one (a seek each), and each priority's earliest email is the
/// first of its entries. That is a few seeks per distinct priority, however
/// many emails are queued. The lapsed part seeks `outbox_leases`. The
/// single `WHERE` with an `OR` it replaced read every queued email.
const NEXT_DUE: &str = "\
    WITH RECURSIVE priorities(priority) AS ( \
        SELECT max(priority) FROM outbox WHERE status = 'queued' \
        UNION ALL \
        SELECT (SELECT max(priority) FROM outbox \
                WHERE status = 'queued' AND priority < above.priority) \
        FROM priorities above WHERE above.priority IS NOT NULL \
    ) \
    SELECT min(due) FROM ( \
        SELECT (SELECT min(due_at) FROM outbox \
                WHERE status = 'queued' AND priority = p.priority) AS due \
        FROM priorities p WHERE p.priority IS NOT NULL \
        UNION ALL \
        SELECT min(due_at) FROM outbox WHERE status = 'sending' AND lease_until <= ?1 \
    )";

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

    const NOW: i64 = 1_793_000_000;
    /// The real clock, far from the engine's (a virtual clock).
    const REAL: i64 = 1_700_000_000;
    const LEASE: i64 = 300;

    /// A store with one contact in one run, whose outbox holds `emails`:
    /// (step, priority, due_at, status, lease_until).
    fn store_with_outbox(
        dir: &Path,
        emails: &[(&str, i64, i64, &str, Option<i64>)],
    ) -> SqliteStore {
        let mut store = SqliteStore::open(&dir.join("journey.db")).unwrap();
        store.deploy(b"any artifact", NOW).unwrap();
        let contact = ContactWrite {
            external_id: "c0".into(),
            fields: Json::new(),
            zone: None,
            lists: vec![],
            segments: vec![],
        };
        store.import_contacts(&[contact], NOW).unwrap();
        store
            .conn
            .execute(
                "INSERT INTO runs (id, contact, journey, deployment, state, active, entered_at) \
                 VALUES (1, 1, 'j', 1, x'', 1, ?1)",
                [NOW],
            )
            .unwrap();

        for (step, priority, due_at, status, lease_until) in emails {
            store
                .conn
                .execute(
                    "INSERT INTO outbox (contact, run, journey, step, visit, email, priority, \
                     due_at, status, lease_until) \
                     VALUES (1, 1, 'j', ?1, 0, 'e', ?2, ?3, ?4, ?5)",
                    params![step, priority, due_at, status, lease_until],
                )
                .unwrap();
        }
        store
    }

    fn claim(store: &mut SqliteStore, limit: usize, real_now: i64) -> Vec<String> {
        let rows = store.claim_outbox(NOW, limit, real_now, LEASE).unwrap();
        rows.into_iter().map(|row| row.step).collect()
    }

    #[test]
    fn a_claim_reads_both_parts_through_their_indexes() {
        let dir = tempfile::TempDir::new().unwrap();
        let store = store_with_outbox(dir.path(), &[]);
        let mut plan = store
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {CLAIMABLE}"))
            .unwrap();
        let steps: Vec<String> = plan
            .query_map(params![NOW, 10, REAL], |r| r.get(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let reads: Vec<&String> = steps.iter().filter(|s| s.contains("outbox")).collect();

        assert_eq!(reads.len(), 2, "one read per part: {steps:?}");
        assert!(
            reads[0].contains("USING INDEX outbox_due")
                && reads[1].contains("USING INDEX outbox_leases"),
            "a part reads the whole table: {steps:?}"
        );
        let lapsed_part = steps.iter().position(|s| s == reads[1]).unwrap();
        assert!(
            steps[0].contains("MERGE")
                && !steps[..lapsed_part]
                    .iter()
                    .any(|s| s.contains("TEMP B-TREE")),
            "the queued part is merged in the index's order, not sorted: {steps:?}"
        );
    }

    /// The steps of SQLite's plan for `statement`, run with `params`.
    fn plan_of(store: &SqliteStore, statement: &str, params: impl rusqlite::Params) -> Vec<String> {
        let mut plan = store
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {statement}"))
            .unwrap();
        plan.query_map(params, |r| r.get(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn the_next_due_time_is_read_through_the_indexes() {
        let dir = tempfile::TempDir::new().unwrap();
        let store = store_with_outbox(dir.path(), &[]);
        let steps = plan_of(&store, NEXT_DUE, [REAL]);
        let reads: Vec<&String> = steps.iter().filter(|s| s.contains("outbox")).collect();

        assert_eq!(
            reads.len(),
            4,
            "priorities, next priority, minimum, lapsed: {steps:?}"
        );
        assert!(
            reads.iter().all(|s| s.starts_with("SEARCH outbox USING")),
            "a read scans instead of seeking: {steps:?}"
        );
        assert!(
            reads[..3].iter().all(|s| s.contains("INDEX outbox_due"))
                && reads[3].contains("INDEX outbox_leases"),
            "a part reads another index: {steps:?}"
        );
    }

    #[test]
    fn the_next_due_time_is_the_earliest_queued_or_lapsed_email() {
        let dir = tempfile::TempDir::new().unwrap();
        let emails = [
            ("late-high", 9, NOW + 50, "queued", None),
            ("early-low", -3, NOW + 20, "queued", None),
            ("mid", 0, NOW + 30, "queued", None),
            ("mid-tie", 0, NOW + 40, "queued", None),
            ("sent", 9, NOW - 100, "sent", None),
            ("leased", 5, NOW - 90, "sending", Some(REAL + 100)),
            ("lapsed", 5, NOW + 10, "sending", Some(REAL - 1)),
        ];
        let store = store_with_outbox(dir.path(), &emails);
        let the_replaced_statement = |store: &SqliteStore, real_now: i64| -> Option<i64> {
            store
                .conn
                .query_row(
                    "SELECT min(due_at) FROM outbox WHERE status = 'queued' \
                     OR (status = 'sending' AND lease_until <= ?1)",
                    [real_now],
                    |r| r.get(0),
                )
                .unwrap()
        };

        assert_eq!(store.next_outbox_due(REAL).unwrap(), Some(NOW + 10));
        assert_eq!(
            store.next_outbox_due(REAL + 100).unwrap(),
            Some(NOW - 90),
            "a lease that lapses makes its email due when it was first due"
        );
        assert_eq!(
            store.next_outbox_due(REAL - 2).unwrap(),
            Some(NOW + 20),
            "with no lease lapsed, the earliest queued email, whatever its priority"
        );
        for real_now in [REAL - 2, REAL, REAL + 100] {
            assert_eq!(
                store.next_outbox_due(real_now).unwrap(),
                the_replaced_statement(&store, real_now)
            );
        }

        store
            .conn
            .execute("UPDATE outbox SET status = 'sent'", [])
            .unwrap();
        assert_eq!(store.next_outbox_due(REAL + 100).unwrap(), None);
    }

    #[test]
    fn due_emails_and_lapsed_claims_are_claimed_in_priority_then_due_order() {
        let dir = tempfile::TempDir::new().unwrap();
        let emails = [
            ("low", 0, NOW - 10, "queued", None),
            ("high", 5, NOW - 5, "queued", None),
            ("lapsed", 5, NOW - 100, "sending", Some(REAL - 1)),
            ("leased", 9, NOW - 100, "sending", Some(REAL + 100)),
            ("later", 9, NOW + 100, "queued", None),
            ("tie", 5, NOW - 5, "queued", None),
            ("sent", 9, NOW - 100, "sent", None),
        ];
        let mut store = store_with_outbox(dir.path(), &emails);
        let before_the_rewrite: Vec<String> = store
            .conn
            .prepare(
                "SELECT step FROM outbox WHERE (status = 'queued' AND due_at <= ?1) \
                 OR (status = 'sending' AND lease_until <= ?3) \
                 ORDER BY priority DESC, due_at, id LIMIT ?2",
            )
            .unwrap()
            .query_map(params![NOW, 10, REAL], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();

        assert_eq!(claim(&mut store, 2, REAL), ["lapsed", "high"]);
        assert_eq!(claim(&mut store, 10, REAL), ["tie", "low"]);
        assert_eq!(
            before_the_rewrite,
            ["lapsed", "high", "tie", "low"],
            "the statement the claim replaced takes the same emails in the same order"
        );
        assert!(
            claim(&mut store, 10, REAL + 99).is_empty(),
            "no claim is taken again while its lease runs"
        );

        let leases: Vec<(String, i64)> = store
            .conn
            .prepare("SELECT step, lease_until FROM outbox WHERE step IN ('high', 'low')")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            leases.iter().all(|(_, until)| *until == REAL + LEASE),
            "{leases:?}"
        );

        assert_eq!(
            claim(&mut store, 10, REAL + LEASE),
            ["leased", "lapsed", "high", "tie", "low"],
            "lapsed leases are claimed again, in the same order as queued emails"
        );
    }
}
