//! The SQLite store's runs, date-triggered entries, and step commits.

use super::*;

impl SqliteStore {
    // -------------------------------------------------------------- runs --

    pub fn active_run(&self, contact: ContactId, journey: &str) -> Result<Option<RunRow>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, contact, journey, deployment, state, version FROM runs \
                 WHERE contact = ?1 AND journey = ?2 AND active = 1",
            )?
            .query_row(params![contact, journey], run_row)
            .optional()?)
    }

    /// The contact's newest run of `journey`, active or ended: what an
    /// entry is decided against (see [`RunWrite::New`]).
    pub fn newest_run(&self, contact: ContactId, journey: &str) -> Result<Option<RunId>> {
        Ok(self
            .conn
            .prepare_cached("SELECT max(id) FROM runs WHERE contact = ?1 AND journey = ?2")?
            .query_row(params![contact, journey], |r| r.get(0))?)
    }

    /// When the contact's last run of `journey` ended, if one did.
    pub fn last_end(&self, contact: ContactId, journey: &str) -> Result<Option<i64>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT max(ended_at) FROM runs \
                 WHERE contact = ?1 AND journey = ?2 AND active = 0",
            )?
            .query_row(params![contact, journey], |r| r.get(0))?)
    }

    /// What an entry reads about the contact's runs of `journey`, in one
    /// query: [`SqliteStore::active_run`] (whether there is one),
    /// [`SqliteStore::last_end`] and [`SqliteStore::newest_run`].
    pub fn entry_status(&self, contact: ContactId, journey: &str) -> Result<EntryStatus> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT coalesce(max(active), 0), max(CASE WHEN active = 0 THEN ended_at END), \
                 max(id) FROM runs WHERE contact = ?1 AND journey = ?2",
            )?
            .query_row(params![contact, journey], |r| {
                Ok(EntryStatus {
                    in_run: r.get(0)?,
                    last_end: r.get(1)?,
                    newest: r.get(2)?,
                })
            })?)
    }

    /// Opens one read transaction for the reads that follow, until
    /// [`SqliteStore::end_reads`].
    ///
    /// Each read outside a transaction opens and closes one of its own,
    /// which takes and releases the log's shared locks (system calls):
    /// that costs more than reading a contact. Bulk work that reads a
    /// batch of contacts before committing it reads them all in one. The
    /// reads see the database as it was at the first of them; writes of
    /// other engines meanwhile are caught when the batch commits (run
    /// versions, the one-active-run index). Nothing may be written until
    /// `end_reads`.
    pub fn begin_reads(&mut self) -> Result<()> {
        self.conn.execute_batch("BEGIN DEFERRED")?;
        Ok(())
    }

    /// Closes the read transaction of [`SqliteStore::begin_reads`]; does
    /// nothing when none is open.
    pub fn end_reads(&mut self) -> Result<()> {
        if !self.conn.is_autocommit() {
            self.conn.execute_batch("COMMIT")?;
        }
        Ok(())
    }

    /// Runs whose timer is due at `now`, earliest first.
    pub fn due_runs(&self, now: i64, limit: usize) -> Result<Vec<RunRow>> {
        let mut query = self.conn.prepare_cached(
            "SELECT id, contact, journey, deployment, state, version FROM runs \
             WHERE active = 1 AND wake_at IS NOT NULL AND wake_at <= ?1 \
             ORDER BY wake_at, id LIMIT ?2",
        )?;
        let rows = query.query_map(params![now, limit as i64], run_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Active runs of a contact that a happening of kind `wakes` may end.
    pub fn runs_woken_by(&self, contact: ContactId, wakes: u8) -> Result<Vec<RunRow>> {
        let mut query = self.conn.prepare_cached(
            "SELECT id, contact, journey, deployment, state, version FROM runs \
             WHERE contact = ?1 AND active = 1 AND (wakes & ?2) != 0 ORDER BY id",
        )?;
        let rows = query.query_map(params![contact, wakes], run_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every active run of a contact.
    pub fn active_runs(&self, contact: ContactId) -> Result<Vec<RunRow>> {
        self.runs_woken_by(contact, u8::MAX).and_then(|mut woken| {
            let mut query = self.conn.prepare_cached(
                "SELECT id, contact, journey, deployment, state, version FROM runs \
                 WHERE contact = ?1 AND active = 1 AND wakes = 0 ORDER BY id",
            )?;
            let rest = query.query_map([contact], run_row)?;
            woken.extend(rest.collect::<rusqlite::Result<Vec<_>>>()?);
            woken.sort_by_key(|r| r.id);
            Ok(woken)
        })
    }

    /// The earliest timer of any active run.
    pub fn next_wake(&self) -> Result<Option<i64>> {
        Ok(self.conn.query_row(
            "SELECT min(wake_at) FROM runs WHERE active = 1 AND wake_at IS NOT NULL",
            [],
            |r| r.get(0),
        )?)
    }

    /// Writes a step's state and effects in one transaction.
    pub fn commit(&mut self, commit: &StepCommit) -> Result<CommitOutcome> {
        let outcomes = self.commit_all(std::slice::from_ref(commit))?;
        Ok(outcomes[0])
    }

    /// Writes many steps in one transaction: each either wholly or, when
    /// its run changed meanwhile, not at all ([`CommitOutcome::Lost`]).
    /// One transaction for a batch is what makes bulk work fast: a commit
    /// costs tens of microseconds, a row a fraction of one.
    ///
    /// The per-step counters of the batch are added up first and written
    /// once per step, not once per contact.
    pub fn commit_all(&mut self, commits: &[StepCommit]) -> Result<Vec<CommitOutcome>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut stats = StepCounts::default();
        let mut outcomes = Vec::with_capacity(commits.len());
        for commit in commits {
            let outcome = write_step(&tx, commit)?;
            if let CommitOutcome::Committed(_) = outcome {
                stats.add(commit);
            }
            outcomes.push(outcome);
        }
        stats.write(&tx)?;
        tx.commit()?;
        Ok(outcomes)
    }

    // ------------------------------------------------------ date entries --

    /// Contacts with no date entry scheduled for `journey`.
    pub fn unscheduled_for_date(&self, journey: &str) -> Result<Vec<ContactId>> {
        self.ids(
            "SELECT id FROM contacts WHERE id NOT IN \
             (SELECT contact FROM date_entries WHERE journey = ?1) ORDER BY id",
            journey,
        )
    }

    /// Schedules (or moves) a contact's next date entry into `journey`.
    pub fn schedule_date_entry(
        &mut self,
        journey: &str,
        contact: ContactId,
        due_at: i64,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO date_entries (journey, contact, due_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (journey, contact) DO UPDATE SET due_at = ?3",
            params![journey, contact, due_at],
        )?;
        Ok(())
    }

    /// Forgets a contact's date entries, to schedule them again (its date
    /// fields changed).
    pub fn forget_date_entries(&mut self, contact: ContactId) -> Result<()> {
        self.conn
            .execute("DELETE FROM date_entries WHERE contact = ?1", [contact])?;
        Ok(())
    }

    /// Date entries due at `now`: (journey, contact, due_at).
    pub fn due_date_entries(
        &self,
        now: i64,
        limit: usize,
    ) -> Result<Vec<(String, ContactId, i64)>> {
        let mut query = self.conn.prepare_cached(
            "SELECT journey, contact, due_at FROM date_entries WHERE due_at <= ?1 \
             ORDER BY due_at, journey, contact LIMIT ?2",
        )?;
        let rows = query.query_map(params![now, limit as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn next_date_entry(&self) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row("SELECT min(due_at) FROM date_entries", [], |r| r.get(0))?)
    }
}

/// One step's writes but its step counters (see [`StepCounts`]), inside
/// the caller's transaction. The run is written first: when it is stale
/// nothing else is.
fn write_step(tx: &rusqlite::Transaction, commit: &StepCommit) -> Result<CommitOutcome> {
    let (run_id, contact) = match &commit.run {
        RunWrite::New {
            contact,
            journey,
            deployment,
            entered_at,
            newest,
        } => {
            // Entered since this entry was decided (another engine, the
            // same moment): the decision is stale. The one-active-run index
            // alone misses a run that ended on entry, and re-entry rules.
            let now_newest: Option<RunId> = tx
                .prepare_cached("SELECT max(id) FROM runs WHERE contact = ?1 AND journey = ?2")?
                .query_row(params![contact, journey], |r| r.get(0))?;
            if now_newest != *newest {
                return Ok(CommitOutcome::Lost);
            }
            let inserted = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO runs (contact, journey, deployment, state, version, \
                     active, end_reason, wake_at, wakes, entered_at, ended_at) \
                     VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8, ?9, ?10)",
                )?
                .execute(params![
                    contact,
                    journey,
                    deployment,
                    commit.state,
                    commit.active,
                    commit.end_reason,
                    commit.wake_at,
                    commit.wakes,
                    entered_at,
                    (!commit.active).then_some(commit.now)
                ])?;
            if inserted == 0 {
                return Ok(CommitOutcome::Lost);
            }
            (tx.last_insert_rowid(), *contact)
        }
        RunWrite::Existing { id, version } => {
            let contact: Option<i64> = tx
                .prepare_cached(
                    "UPDATE runs SET state = ?3, version = version + 1, active = ?4, \
                     end_reason = ?5, wake_at = ?6, wakes = ?7, ended_at = ?8 \
                     WHERE id = ?1 AND version = ?2 AND active = 1 RETURNING contact",
                )?
                .query_row(
                    params![
                        id,
                        version,
                        commit.state,
                        commit.active,
                        commit.end_reason,
                        commit.wake_at,
                        commit.wakes,
                        (!commit.active).then_some(commit.now)
                    ],
                    |r| r.get(0),
                )
                .optional()?;
            match contact {
                Some(contact) => (*id, contact),
                None => return Ok(CommitOutcome::Lost),
            }
        }
    };

    for email in &commit.emails {
        // One run visits a step at most once (loop prevention), so
        // (contact, run, step) identifies the visit.
        let key = format!("{contact}:{run_id}:{}:1", email.step);
        tx.prepare_cached(
            "INSERT OR IGNORE INTO outbox (key, contact, run, journey, step, email, priority, \
             due_at, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'queued')",
        )?
        .execute(params![
            key,
            contact,
            run_id,
            commit.journey,
            email.step,
            email.email,
            email.priority,
            commit.now
        ])?;
    }
    for segment in &commit.segment_adds {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO segment_members (segment, contact, joined_at) \
             VALUES (?1, ?2, ?3)",
        )?
        .execute(params![segment, contact, commit.now])?;
    }
    for segment in &commit.segment_removes {
        tx.prepare_cached("DELETE FROM segment_members WHERE segment = ?1 AND contact = ?2")?
            .execute(params![segment, contact])?;
    }
    Ok(CommitOutcome::Committed(run_id))
}

/// Arrivals and ends per (journey, step) of the committed steps of one
/// batch, added up so that each step's counters are written once.
#[derive(Default)]
struct StepCounts<'c> {
    counts: BTreeMap<(&'c str, &'c str), (i64, i64)>,
}

impl<'c> StepCounts<'c> {
    fn add(&mut self, commit: &'c StepCommit) {
        for step in &commit.arrived {
            self.counts.entry((&commit.journey, step)).or_default().0 += 1;
        }
        if let Some(step) = &commit.ended_at_step {
            self.counts.entry((&commit.journey, step)).or_default().1 += 1;
        }
    }

    fn write(&self, tx: &rusqlite::Transaction) -> Result<()> {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO step_stats (journey, step, arrived, ended) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (journey, step) DO UPDATE SET \
             arrived = arrived + excluded.arrived, ended = ended + excluded.ended",
        )?;
        for ((journey, step), (arrived, ended)) in &self.counts {
            upsert.execute(params![journey, step, arrived, ended])?;
        }
        Ok(())
    }
}
