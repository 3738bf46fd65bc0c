//! The SQLite store's step commits: a run's new state and every effect of
//! the step, in one transaction.
//!
//! This is the engine's hot path: every contact-step is written here. A
//! batch's statements are looked up once and kept for all its steps (a
//! name its steps share is bound once, not copied into each), the
//! entries' check that no run was added since they were decided reads the
//! whole batch's runs at once, new runs and queued emails go in many rows
//! per statement (`insert_chunks`), and the step counters are added up per
//! batch. No lookup of a step hashes or allocates.

use super::insert_chunks::{Chunked, InsertRow, Kept};
use super::*;

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
    writer.flush()?;
    stats.write(conn)?;
    Ok(outcomes)
}

/// The statements of a batch's step writes, looked up once for the batch,
/// the runs of each contact the batch's entries enter, and the new runs
/// and emails not inserted yet.
struct StepWriter<'c, 'b> {
    conn: &'c Connection,
    resume: Kept<'c>,
    runs: LatestRuns<'b>,
    /// The id of the next new run, once the batch has one: new runs are
    /// numbered here, so that their emails can name them before they are
    /// inserted (the write lock is held: no one else adds a run).
    next_run: Option<RunId>,
    new_runs: Chunked<'c, NewRun<'b>>,
    emails: Chunked<'c, NewEmail<'b>>,
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
        let resume = conn.prepare_cached(
            "UPDATE runs SET state = ?3, version = version + 1, active = ?4, end_reason = ?5, \
             wake_at = ?6, wakes = ?7, ended_at = ?8 \
             WHERE id = ?1 AND version = ?2 AND active = 1",
        )?;
        Ok(StepWriter {
            conn,
            resume: Kept::new(resume),
            runs: LatestRuns::read(conn, commits)?,
            next_run: None,
            new_runs: Chunked::new(conn)?,
            emails: Chunked::new(conn)?,
        })
    }

    /// One step's writes but its step counters (see [`StepCounts`]). The
    /// run is written first: when it is stale nothing else is. New runs
    /// and emails may wait in their chunks until [`StepWriter::flush`].
    fn write(&mut self, commit: &'b StepCommit) -> Result<CommitOutcome> {
        let (run, contact) = match &commit.run {
            RunWrite::New {
                contact,
                journey,
                newest,
                ..
            } => {
                // Entered since this entry was decided (another engine, the
                // same moment, or an earlier entry of this batch): the
                // decision is stale, and re-entry rules were applied to
                // runs that are not all there are. And an entry while the
                // contact is in an active run of the journey is never
                // written: this check, under the transaction's write lock,
                // is what keeps a contact in at most one (no index does).
                let latest = self.runs.get_mut(journey, *contact)?;
                if latest.newest != *newest || latest.active {
                    return Ok(CommitOutcome::Lost);
                }
                let id = match self.next_run {
                    Some(id) => id,
                    None => self.conn.query_row(
                        "SELECT coalesce(max(id), 0) + 1 FROM runs",
                        [],
                        |r| r.get(0),
                    )?,
                };
                self.next_run = Some(id + 1);
                *latest = Latest {
                    newest: Some(id),
                    active: commit.active,
                };
                self.new_runs.push(NewRun { id, commit });
                (id, *contact)
            }
            RunWrite::Existing {
                id,
                contact,
                version,
            } => {
                let resume = &mut self.resume;
                resume.bind(1, id)?;
                resume.bind(2, version)?;
                resume.bind(3, &commit.state)?;
                resume.bind(4, commit.active)?;
                resume.bind_text(5, commit.end_reason.as_deref())?;
                resume.bind(6, commit.wake_at)?;
                resume.bind(7, commit.wakes)?;
                resume.bind(8, ended_at(commit))?;
                if resume.execute()? == 0 {
                    return Ok(CommitOutcome::Lost);
                }
                (*id, *contact)
            }
        };

        for email in &commit.emails {
            self.emails.push(NewEmail {
                contact,
                run,
                commit,
                email,
            });
        }
        if self.new_runs.is_full() || self.emails.is_full() {
            self.flush()?;
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

    /// Inserts the new runs and emails still waiting, runs first (an
    /// email refers to its run).
    fn flush(&mut self) -> Result<()> {
        self.new_runs.flush()?;
        self.emails.flush()
    }
}

/// When a step's run ended: now, if it did.
fn ended_at(commit: &StepCommit) -> Option<i64> {
    (!commit.active).then_some(commit.now)
}

/// A run an entry adds, numbered by the writer.
struct NewRun<'b> {
    id: RunId,
    commit: &'b StepCommit,
}

impl InsertRow for NewRun<'_> {
    const INSERT: &'static str = "INSERT INTO runs (id, contact, journey, deployment, state, \
        version, active, end_reason, wake_at, wakes, entered_at, ended_at) VALUES";
    const VALUES: &'static str = "(?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)";
    const PARAMETERS: usize = 11;

    fn bind(&self, statement: &mut Kept<'_>, first: usize) -> Result<()> {
        let commit = self.commit;
        let RunWrite::New {
            contact,
            journey,
            deployment,
            entered_at,
            ..
        } = &commit.run
        else {
            unreachable!("only entries add runs");
        };
        statement.bind(first, self.id)?;
        statement.bind(first + 1, contact)?;
        statement.bind_text(first + 2, Some(journey))?;
        statement.bind(first + 3, deployment)?;
        statement.bind(first + 4, &commit.state)?;
        statement.bind(first + 5, commit.active)?;
        statement.bind_text(first + 6, commit.end_reason.as_deref())?;
        statement.bind(first + 7, commit.wake_at)?;
        statement.bind(first + 8, commit.wakes)?;
        statement.bind(first + 9, entered_at)?;
        statement.bind(first + 10, ended_at(commit))
    }
}

/// An email a step queues. Its idempotency key is (contact, run, step,
/// visit), unique as (run, step, visit): a second insert of the same key
/// is ignored. One run visits a step at most once (loop prevention): the
/// visit is 1.
struct NewEmail<'b> {
    contact: ContactId,
    run: RunId,
    commit: &'b StepCommit,
    email: &'b QueuedEmail,
}

impl InsertRow for NewEmail<'_> {
    const INSERT: &'static str = "INSERT OR IGNORE INTO outbox (contact, run, journey, step, \
        visit, email, priority, due_at, status) VALUES";
    const VALUES: &'static str = "(?, ?, ?, ?, 1, ?, ?, ?, 'queued')";
    const PARAMETERS: usize = 7;

    fn bind(&self, statement: &mut Kept<'_>, first: usize) -> Result<()> {
        statement.bind(first, self.contact)?;
        statement.bind(first + 1, self.run)?;
        statement.bind_text(first + 2, Some(&self.commit.journey))?;
        statement.bind_text(first + 3, Some(&self.email.step))?;
        statement.bind_text(first + 4, Some(&self.email.email))?;
        statement.bind(first + 5, self.email.priority)?;
        statement.bind(first + 6, self.commit.now)
    }
}

/// The newest run, and whether one is active, of each contact that
/// `commits` enter into a journey, as the database holds it now: one
/// statement per journey entered, for the whole batch. Contacts without a
/// run of the journey (a first enrolment) cost no read of the table.
/// Per journey (a batch mostly enters one), its contacts in id order.
struct LatestRuns<'b>(Vec<(&'b str, Vec<(ContactId, Latest)>)>);

impl<'b> LatestRuns<'b> {
    fn read(conn: &Connection, commits: &'b [StepCommit]) -> Result<LatestRuns<'b>> {
        let mut entered: Vec<(&'b str, Vec<(ContactId, Latest)>)> = Vec::new();
        for commit in commits {
            if let RunWrite::New {
                contact, journey, ..
            } = &commit.run
            {
                let at = match entered.iter().position(|(name, _)| *name == &**journey) {
                    Some(at) => at,
                    None => {
                        entered.push((journey, Vec::new()));
                        entered.len() - 1
                    }
                };
                entered[at].1.push((*contact, Latest::default()));
            }
        }
        for (journey, contacts) in &mut entered {
            contacts.sort_unstable_by_key(|(contact, _)| *contact);
            contacts.dedup_by_key(|(contact, _)| *contact);
            let ids: Vec<ContactId> = contacts.iter().map(|(contact, _)| *contact).collect();
            let batch = BatchIds::new(&ids);
            let (sql, params) = batch.statement(
                "SELECT contact, max(id), max(active) FROM runs \
                 WHERE journey = ?1 AND contact {ids} GROUP BY contact",
                &[journey],
            );
            let mut query = conn.prepare_cached(&sql)?;
            let mut rows = query.query(&*params)?;
            while let Some(row) = rows.next()? {
                let contact: ContactId = row.get(0)?;
                if let Ok(at) = ids.binary_search(&contact) {
                    contacts[at].1 = Latest {
                        newest: row.get(1)?,
                        active: row.get(2)?,
                    };
                }
            }
        }
        Ok(LatestRuns(entered))
    }

    /// The runs of `contact` in `journey`, one of the batch's entries.
    fn get_mut(&mut self, journey: &str, contact: ContactId) -> Result<&mut Latest> {
        let found = self
            .0
            .iter_mut()
            .find(|(name, _)| *name == journey)
            .and_then(|(_, contacts)| {
                let at = contacts.binary_search_by_key(&contact, |(c, _)| *c).ok()?;
                Some(&mut contacts[at].1)
            });
        found.ok_or_else(|| {
            StoreError::Corrupt(format!(
                "contact {contact} is not among its batch's entries"
            ))
        })
    }
}

/// Arrivals and ends per (journey, step) of the committed steps of one
/// batch, added up so that each step's counters are written once. A batch
/// counts a handful of steps: they are looked up one after the other,
/// most often found by their shared name (the same `Arc`) before any text
/// is compared.
#[derive(Default)]
struct StepCounts<'c> {
    counts: Vec<StepCount<'c>>,
}

/// One step's counters in a batch.
struct StepCount<'c> {
    journey: &'c str,
    step: &'c str,
    arrived: i64,
    ended: i64,
}

impl<'c> StepCounts<'c> {
    fn add(&mut self, commit: &'c StepCommit) {
        for step in &commit.arrived {
            self.counter(&commit.journey, step).arrived += 1;
        }
        if let Some(step) = &commit.ended_at_step {
            self.counter(&commit.journey, step).ended += 1;
        }
    }

    fn counter(&mut self, journey: &'c str, step: &'c str) -> &mut StepCount<'c> {
        let same = |a: &str, b: &str| std::ptr::eq(a, b) || a == b;
        let found = self
            .counts
            .iter()
            .position(|count| same(count.step, step) && same(count.journey, journey));
        let at = found.unwrap_or_else(|| {
            self.counts.push(StepCount {
                journey,
                step,
                arrived: 0,
                ended: 0,
            });
            self.counts.len() - 1
        });
        &mut self.counts[at]
    }

    /// Writes the counters, in (journey, step) order.
    fn write(&mut self, conn: &Connection) -> Result<()> {
        self.counts
            .sort_unstable_by_key(|count| (count.journey, count.step));
        let mut upsert = conn.prepare_cached(
            "INSERT INTO step_stats (journey, step, arrived, ended) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (journey, step) DO UPDATE SET \
             arrived = arrived + excluded.arrived, ended = ended + excluded.ended",
        )?;
        for count in &self.counts {
            upsert.execute(params![
                count.journey,
                count.step,
                count.arrived,
                count.ended
            ])?;
        }
        Ok(())
    }
}
