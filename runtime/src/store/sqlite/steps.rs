//! The SQLite store's step commits: a run's new state and every effect of
//! the step, in one transaction.
//!
//! This is the engine's hot path: every contact-step is written here. A
//! batch's statements are looked up once and kept for all its steps, the
//! entries' check that no run was added since they were decided reads the
//! whole batch's runs at once, and the step counters are added up per
//! batch.

use super::*;
use rusqlite::CachedStatement;
use std::collections::HashMap;

impl SqliteStore {
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
    /// Inside a batch ([`SqliteStore::begin_batch`]) the steps are written
    /// into the batch's transaction and committed with it.
    pub fn commit_all(&mut self, commits: &[StepCommit]) -> Result<Vec<CommitOutcome>> {
        if !self.conn.is_autocommit() {
            return write_steps(&self.conn, commits);
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let outcomes = write_steps(&tx, commits)?;
        tx.commit()?;
        Ok(outcomes)
    }
}

/// Every step's writes and the batch's step counters, inside the caller's
/// transaction.
fn write_steps(conn: &Connection, commits: &[StepCommit]) -> Result<Vec<CommitOutcome>> {
    let mut writer = StepWriter::new(conn, commits)?;
    let mut stats = StepCounts::default();
    let mut outcomes = Vec::with_capacity(commits.len());
    for commit in commits {
        let outcome = writer.write(commit)?;
        if let CommitOutcome::Committed(_) = outcome {
            stats.add(commit);
        }
        outcomes.push(outcome);
    }
    stats.write(conn)?;
    Ok(outcomes)
}

/// The statements of a batch's step writes, looked up once for the batch,
/// and the runs of each contact the batch's entries enter.
struct StepWriter<'c, 'b> {
    conn: &'c Connection,
    enter: CachedStatement<'c>,
    resume: CachedStatement<'c>,
    queue: CachedStatement<'c>,
    runs: HashMap<(&'b str, ContactId), Latest>,
}

/// What an entry is checked against: a contact's runs of a journey as the
/// transaction sees them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Latest {
    /// The newest run, active or ended.
    newest: Option<RunId>,
    /// Whether one of them is active.
    active: bool,
}

impl<'c, 'b> StepWriter<'c, 'b> {
    fn new(conn: &'c Connection, commits: &'b [StepCommit]) -> Result<StepWriter<'c, 'b>> {
        let enter = conn.prepare_cached(
            "INSERT INTO runs (contact, journey, deployment, state, version, active, \
             end_reason, wake_at, wakes, entered_at, ended_at) \
             VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        let resume = conn.prepare_cached(
            "UPDATE runs SET state = ?3, version = version + 1, active = ?4, end_reason = ?5, \
             wake_at = ?6, wakes = ?7, ended_at = ?8 \
             WHERE id = ?1 AND version = ?2 AND active = 1",
        )?;
        let queue = conn.prepare_cached(
            "INSERT OR IGNORE INTO outbox (contact, run, journey, step, visit, email, priority, \
             due_at, status) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, 'queued')",
        )?;
        Ok(StepWriter {
            conn,
            enter,
            resume,
            queue,
            runs: latest_runs(conn, commits)?,
        })
    }

    /// One step's writes but its step counters (see [`StepCounts`]). The
    /// run is written first: when it is stale nothing else is.
    fn write(&mut self, commit: &'b StepCommit) -> Result<CommitOutcome> {
        let ended_at = (!commit.active).then_some(commit.now);
        let (run, contact) = match &commit.run {
            RunWrite::New {
                contact,
                journey,
                deployment,
                entered_at,
                newest,
            } => {
                // Entered since this entry was decided (another engine, the
                // same moment, or an earlier entry of this batch): the
                // decision is stale, and re-entry rules were applied to
                // runs that are not all there are. And an entry while the
                // contact is in an active run of the journey is never
                // written: this check, under the transaction's write lock,
                // is what keeps a contact in at most one (no index does).
                let latest = self.runs.entry((journey, *contact)).or_default();
                if latest.newest != *newest || latest.active {
                    return Ok(CommitOutcome::Lost);
                }
                self.enter.execute(params![
                    contact,
                    journey,
                    deployment,
                    commit.state,
                    commit.active,
                    commit.end_reason,
                    commit.wake_at,
                    commit.wakes,
                    entered_at,
                    ended_at
                ])?;
                let run = self.conn.last_insert_rowid();
                *latest = Latest {
                    newest: Some(run),
                    active: commit.active,
                };
                (run, *contact)
            }
            RunWrite::Existing {
                id,
                contact,
                version,
            } => {
                let updated = self.resume.execute(params![
                    id,
                    version,
                    commit.state,
                    commit.active,
                    commit.end_reason,
                    commit.wake_at,
                    commit.wakes,
                    ended_at
                ])?;
                if updated == 0 {
                    return Ok(CommitOutcome::Lost);
                }
                (*id, *contact)
            }
        };

        for email in &commit.emails {
            // The idempotency key (contact, run, step, visit), unique as
            // (run, step, visit). One run visits a step at most once (loop
            // prevention): the visit is 1.
            self.queue.execute(params![
                contact,
                run,
                commit.journey,
                email.step,
                email.email,
                email.priority,
                commit.now
            ])?;
        }
        for segment in &commit.segment_adds {
            self.conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO segment_members (segment, contact, joined_at) \
                     VALUES (?1, ?2, ?3)",
                )?
                .execute(params![segment, contact, commit.now])?;
        }
        for segment in &commit.segment_removes {
            self.conn
                .prepare_cached("DELETE FROM segment_members WHERE segment = ?1 AND contact = ?2")?
                .execute(params![segment, contact])?;
        }
        Ok(CommitOutcome::Committed(run))
    }
}

/// The newest run, and whether one is active, of each contact that
/// `commits` enter into a journey, as the database holds it now: one
/// statement per journey entered, for the whole batch. Contacts without a
/// run of the journey (a first enrolment) cost no read of the table.
fn latest_runs<'b>(
    conn: &Connection,
    commits: &'b [StepCommit],
) -> Result<HashMap<(&'b str, ContactId), Latest>> {
    let mut entered: BTreeMap<&str, Vec<ContactId>> = BTreeMap::new();
    for commit in commits {
        if let RunWrite::New {
            contact, journey, ..
        } = &commit.run
        {
            entered.entry(journey).or_default().push(*contact);
        }
    }
    let mut latest = HashMap::new();
    for (journey, contacts) in entered {
        let batch = BatchIds::new(&contacts);
        let (sql, params) = batch.statement(
            "SELECT contact, max(id), max(active) FROM runs \
             WHERE journey = ?1 AND contact {ids} GROUP BY contact",
            &[&journey],
        );
        let mut query = conn.prepare_cached(&sql)?;
        let mut rows = query.query(&*params)?;
        while let Some(row) = rows.next()? {
            let contact = row.get(0)?;
            if batch.contains(contact) {
                let runs = Latest {
                    newest: row.get(1)?,
                    active: row.get(2)?,
                };
                latest.insert((journey, contact), runs);
            }
        }
    }
    Ok(latest)
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

    fn write(&self, conn: &Connection) -> Result<()> {
        let mut upsert = conn.prepare_cached(
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
