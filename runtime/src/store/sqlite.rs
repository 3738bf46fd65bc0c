//! The SQLite store: one file, write-ahead log, `synchronous=NORMAL`.
//!
//! Readers never block the writer in WAL mode; writers (several engine
//! processes on one file) take turns through SQLite's lock, with a busy
//! timeout. Every write that must be atomic is one transaction here.

use super::schema::MIGRATIONS;
use super::*;
use rusqlite::config::DbConfig;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::collections::BTreeMap;
use std::path::Path;

/// How many prepared statements the connection keeps for reuse. Parsing a
/// statement costs more than running it on one row, so every statement of
/// the engine's per-contact work is kept (rusqlite keeps 16 by default).
const STATEMENT_CACHE: usize = 64;

pub struct SqliteStore {
    conn: Connection,
}

/// What an entry into a journey must know about the contact's runs of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryStatus {
    /// The contact is in a run of the journey now.
    pub in_run: bool,
    /// When its last ended run of the journey ended.
    pub last_end: Option<i64>,
    /// Its newest run of the journey, active or ended.
    pub newest: Option<RunId>,
}

type Json = serde_json::Map<String, serde_json::Value>;

fn to_json(map: &Json) -> String {
    serde_json::Value::Object(map.clone()).to_string()
}

fn from_json(text: &str) -> Result<Json> {
    match serde_json::from_str(text) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        _ => Err(StoreError::Corrupt("a JSON object was expected".into())),
    }
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<SqliteStore> {
        SqliteStore::setup(Connection::open(path)?)
    }

    /// A store that lives in memory only: the simulator's.
    pub fn in_memory() -> Result<SqliteStore> {
        SqliteStore::setup(Connection::open_in_memory()?)
    }

    fn setup(conn: Connection) -> Result<SqliteStore> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Plans that do not depend on bound values. Without this, SQLite
        // (built with STAT4) marks a kept statement such as `WHERE contact
        // = ?1 ORDER BY at` stale whenever its values are cleared, and
        // parses it again on every use. Without ANALYZE data the plans are
        // the same either way.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let mut store = SqliteStore { conn };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<()> {
        let known = MIGRATIONS.len() as i64;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if found > known {
            return Err(StoreError::NewerSchema { found, known });
        }
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            tx.execute_batch(migration)?;
            tx.pragma_update(None, "user_version", index as i64 + 1)?;
        }
        tx.commit()?;
        Ok(())
    }

    // ------------------------------------------------------ deployments --

    /// Stores an artifact, or finds the same one deployed before.
    pub fn deploy(&mut self, artifact: &[u8], now: i64) -> Result<(DeploymentId, bool)> {
        let hash = format!("{:016x}", crate::artifact::fnv1a(artifact));
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<i64> = tx
            .query_row("SELECT id FROM deployments WHERE hash = ?1", [&hash], |r| {
                r.get(0)
            })
            .optional()?;
        let result = match existing {
            Some(id) => (id, false),
            None => {
                tx.execute(
                    "INSERT INTO deployments (hash, artifact, deployed_at) VALUES (?1, ?2, ?3)",
                    params![hash, artifact, now],
                )?;
                (tx.last_insert_rowid(), true)
            }
        };
        tx.commit()?;
        Ok(result)
    }

    pub fn deployment(&self, id: DeploymentId) -> Result<Vec<u8>> {
        Ok(self.conn.query_row(
            "SELECT artifact FROM deployments WHERE id = ?1",
            [id],
            |r| r.get(0),
        )?)
    }

    pub fn latest_deployment(&self) -> Result<Option<(DeploymentId, Vec<u8>)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, artifact FROM deployments ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    // --------------------------------------------------------- contacts --

    /// Inserts or updates every contact, all or nothing.
    pub fn import_contacts(
        &mut self,
        contacts: &[ContactWrite],
        now: i64,
    ) -> Result<ImportSummary> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut summary = ImportSummary::default();
        for contact in contacts {
            upsert_contact(&tx, contact, now, &mut summary)?;
        }
        tx.commit()?;
        Ok(summary)
    }

    /// Starts an import whose every write goes into one transaction, for
    /// a file read row by row; see [`ContactImport`].
    pub fn begin_import(&mut self, now: i64) -> Result<ContactImport<'_>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        Ok(ContactImport {
            tx,
            now,
            summary: ImportSummary::default(),
        })
    }

    pub fn contact(&self, id: ContactId) -> Result<Option<StoredContact>> {
        let row = self
            .conn
            .prepare_cached("SELECT external_id, fields, zone FROM contacts WHERE id = ?1")?
            .query_row([id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
            })
            .optional()?;
        let Some((external_id, fields, zone)) = row else {
            return Ok(None);
        };
        let mut segments = Vec::new();
        let mut query = self.conn.prepare_cached(
            "SELECT segment FROM segment_members WHERE contact = ?1 ORDER BY segment",
        )?;
        for segment in query.query_map([id], |r| r.get(0))? {
            segments.push(segment?);
        }
        Ok(Some(StoredContact {
            id,
            external_id,
            fields: from_json(&fields)?,
            zone,
            segments,
        }))
    }

    /// Sets the zone the engine schedules a contact's waits in (its
    /// `timezone` field, when that is a real zone).
    pub fn set_zone(&mut self, contact: ContactId, zone: Option<&str>) -> Result<()> {
        self.conn.execute(
            "UPDATE contacts SET zone = ?2 WHERE id = ?1",
            params![contact, zone],
        )?;
        Ok(())
    }

    pub fn contact_id(&self, external_id: &str) -> Result<Option<ContactId>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM contacts WHERE external_id = ?1",
                [external_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn list_members(&self, list: &str) -> Result<Vec<ContactId>> {
        self.ids(
            "SELECT contact FROM list_members WHERE list = ?1 ORDER BY contact",
            list,
        )
    }

    /// Up to `limit` members of `list` after the contact `after`, in id
    /// order: the list a page at a time, so that enrolling a list of
    /// millions holds one page of ids, not all of them. Start with
    /// `after = 0`; the next page starts after the last id of this one.
    pub fn list_members_page(
        &self,
        list: &str,
        after: ContactId,
        limit: usize,
    ) -> Result<Vec<ContactId>> {
        let mut query = self.conn.prepare_cached(
            "SELECT contact FROM list_members WHERE list = ?1 AND contact > ?2 \
             ORDER BY contact LIMIT ?3",
        )?;
        let ids = query
            .query_map(params![list, after, limit as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    pub fn segment_members(&self, segment: &str) -> Result<Vec<ContactId>> {
        self.ids(
            "SELECT contact FROM segment_members WHERE segment = ?1 ORDER BY contact",
            segment,
        )
    }

    pub fn all_contacts(&self) -> Result<Vec<ContactId>> {
        let mut query = self
            .conn
            .prepare_cached("SELECT id FROM contacts ORDER BY id")?;
        let ids = query
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    fn ids(&self, sql: &str, key: &str) -> Result<Vec<i64>> {
        let mut query = self.conn.prepare_cached(sql)?;
        let ids = query
            .query_map([key], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    // -------------------------------------------------------- happenings --

    /// Records a happening; an update also changes the contact's fields.
    pub fn record(&mut self, happening: &Happening) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let data = happening.data.as_ref().map(to_json);
        tx.execute(
            "INSERT INTO happenings (contact, at, kind, name, link, data, automated) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                happening.contact,
                happening.at,
                happening.kind.as_str(),
                happening.name,
                happening.link,
                data,
                happening.automated
            ],
        )?;
        if let (HappeningKind::Update, Some(changes)) = (happening.kind, &happening.data) {
            let fields: String = tx.query_row(
                "SELECT fields FROM contacts WHERE id = ?1",
                [happening.contact],
                |r| r.get(0),
            )?;
            let mut fields = from_json(&fields)?;
            for (name, value) in changes {
                fields.insert(name.clone(), value.clone());
            }
            tx.execute(
                "UPDATE contacts SET fields = ?2, updated_at = ?3 WHERE id = ?1",
                params![happening.contact, to_json(&fields), happening.at],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn happenings(&self, contact: ContactId) -> Result<Vec<Happening>> {
        let mut query = self.conn.prepare_cached(
            "SELECT at, kind, name, link, data, automated FROM happenings \
             WHERE contact = ?1 ORDER BY at, id",
        )?;
        let rows = query.query_map([contact], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, bool>(5)?,
            ))
        })?;
        let mut happenings = Vec::new();
        for row in rows {
            let (at, kind, name, link, data, automated) = row?;
            let kind = HappeningKind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("happening kind `{kind}`")))?;
            let data = data.as_deref().map(from_json).transpose()?;
            happenings.push(Happening {
                contact,
                at,
                kind,
                name,
                link,
                data,
                automated,
            });
        }
        Ok(happenings)
    }

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
        self.conn.execute(
            "UPDATE outbox SET status = ?2, reason = ?3, message_id = coalesce(?4, message_id), \
             lease_until = NULL, \
             attempts = attempts + 1, sent_at = CASE WHEN ?2 = 'sent' THEN ?5 ELSE sent_at END, \
             due_at = coalesce(?6, due_at) WHERE id = ?1",
            params![id, status, reason, message_id, now, due],
        )?;
        Ok(())
    }

    // ------------------------------------------------- consent and report --

    pub fn consent(&self, contact: ContactId) -> Result<Consent> {
        read_consent(&self.conn, contact)
    }

    pub fn set_consent(&mut self, contact: ContactId, consent: Consent) -> Result<()> {
        write_consent(&self.conn, contact, consent)
    }

    /// Why mail to this contact is suppressed (unsubscribed, bounced), if
    /// it is.
    pub fn suppression(&self, contact: ContactId) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT reason FROM suppressions WHERE contact = ?1 ORDER BY at LIMIT 1",
                [contact],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn suppress(&mut self, contact: ContactId, reason: &str, now: i64) -> Result<()> {
        add_suppression(&self.conn, contact, reason, now)
    }

    pub fn audit(
        &mut self,
        now: i64,
        actor: &str,
        action: &str,
        contact: Option<ContactId>,
        detail: &str,
    ) -> Result<()> {
        write_audit(&self.conn, now, actor, action, contact, detail)
    }

    /// Figures per step of `journey`, in the order of `steps`.
    pub fn step_report(&self, journey: &str, steps: &[String]) -> Result<Vec<StepReport>> {
        let mut out = Vec::new();
        for step in steps {
            let (arrived, ended) = self
                .conn
                .query_row(
                    "SELECT arrived, ended FROM step_stats WHERE journey = ?1 AND step = ?2",
                    params![journey, step],
                    |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
                )
                .optional()?
                .unwrap_or((0, 0));
            let count = |status: &str| -> Result<u64> {
                Ok(self.conn.query_row(
                    "SELECT count(*) FROM outbox WHERE journey = ?1 AND step = ?2 AND status = ?3",
                    params![journey, step, status],
                    |r| r.get::<_, i64>(0),
                )? as u64)
            };
            out.push(StepReport {
                step: step.clone(),
                active: 0,
                arrived: arrived as u64,
                ended: ended as u64,
                sent: count("sent")?,
                suppressed: count("suppressed")?,
                failed: count("failed")?,
                queued: count("queued")?,
            });
        }
        Ok(out)
    }

    /// Active runs of `journey`, with their encoded states.
    pub fn active_states(&self, journey: &str) -> Result<Vec<Vec<u8>>> {
        let mut query = self
            .conn
            .prepare_cached("SELECT state FROM runs WHERE journey = ?1 AND active = 1")?;
        let rows = query.query_map([journey], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

fn run_row(r: &rusqlite::Row) -> rusqlite::Result<RunRow> {
    Ok(RunRow {
        id: r.get(0)?,
        contact: r.get(1)?,
        journey: r.get(2)?,
        deployment: r.get(3)?,
        state: r.get(4)?,
        version: r.get(5)?,
    })
}

// ------------------------------------------------- imports, row by row --

/// An import in progress: everything it writes (contacts, their lists and
/// segments, consent, suppressions and the audit row) goes into one
/// transaction, which [`ContactImport::commit`] commits. Dropped without
/// committing, it writes nothing: that is how a file with a bad row is
/// refused whole.
///
/// The transaction is open (and other writers wait) for as long as the
/// caller reads its file; reading a million rows takes seconds.
pub struct ContactImport<'s> {
    tx: rusqlite::Transaction<'s>,
    now: i64,
    summary: ImportSummary,
}

impl ContactImport<'_> {
    /// Inserts or updates one contact by its external id, and adds it to
    /// its lists and segments.
    pub fn upsert(&mut self, contact: &ContactWrite) -> Result<ContactId> {
        upsert_contact(&self.tx, contact, self.now, &mut self.summary)
    }

    /// The contact's consent as this import sees it.
    pub fn consent(&self, contact: ContactId) -> Result<Consent> {
        read_consent(&self.tx, contact)
    }

    pub fn set_consent(&mut self, contact: ContactId, consent: Consent) -> Result<()> {
        write_consent(&self.tx, contact, consent)
    }

    pub fn suppress(&mut self, contact: ContactId, reason: &str) -> Result<()> {
        add_suppression(&self.tx, contact, reason, self.now)
    }

    /// Contacts inserted and updated so far.
    pub fn summary(&self) -> &ImportSummary {
        &self.summary
    }

    /// Writes the audit row and commits the whole import.
    pub fn commit(self, actor: &str, action: &str, detail: &str) -> Result<ImportSummary> {
        write_audit(&self.tx, self.now, actor, action, None, detail)?;
        self.tx.commit()?;
        Ok(self.summary)
    }
}

fn upsert_contact(
    conn: &Connection,
    contact: &ContactWrite,
    now: i64,
    summary: &mut ImportSummary,
) -> Result<ContactId> {
    let fields = to_json(&contact.fields);
    let existing: Option<i64> = conn
        .prepare_cached("SELECT id FROM contacts WHERE external_id = ?1")?
        .query_row([&contact.external_id], |r| r.get(0))
        .optional()?;
    let id = match existing {
        Some(id) => {
            conn.prepare_cached(
                "UPDATE contacts SET fields = ?2, zone = ?3, updated_at = ?4 WHERE id = ?1",
            )?
            .execute(params![id, fields, contact.zone, now])?;
            summary.updated += 1;
            id
        }
        None => {
            conn.prepare_cached(
                "INSERT INTO contacts (external_id, fields, zone, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?4)",
            )?
            .execute(params![contact.external_id, fields, contact.zone, now])?;
            summary.inserted += 1;
            conn.last_insert_rowid()
        }
    };
    let mut join_list = conn.prepare_cached(
        "INSERT OR IGNORE INTO list_members (list, contact, joined_at) VALUES (?1, ?2, ?3)",
    )?;
    for list in &contact.lists {
        join_list.execute(params![list, id, now])?;
    }
    let mut join_segment = conn.prepare_cached(
        "INSERT OR IGNORE INTO segment_members (segment, contact, joined_at) VALUES (?1, ?2, ?3)",
    )?;
    for segment in &contact.segments {
        join_segment.execute(params![segment, id, now])?;
    }
    Ok(id)
}

fn read_consent(conn: &Connection, contact: ContactId) -> Result<Consent> {
    Ok(conn
        .prepare_cached(
            "SELECT granted_at, expires_at, revoked_at FROM consent WHERE contact = ?1",
        )?
        .query_row([contact], |r| {
            Ok(Consent {
                granted_at: r.get(0)?,
                expires_at: r.get(1)?,
                revoked_at: r.get(2)?,
            })
        })
        .optional()?
        .unwrap_or_default())
}

fn write_consent(conn: &Connection, contact: ContactId, consent: Consent) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO consent (contact, granted_at, expires_at, revoked_at) \
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (contact) DO UPDATE SET \
         granted_at = ?2, expires_at = ?3, revoked_at = ?4",
    )?
    .execute(params![
        contact,
        consent.granted_at,
        consent.expires_at,
        consent.revoked_at
    ])?;
    Ok(())
}

fn add_suppression(conn: &Connection, contact: ContactId, reason: &str, now: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO suppressions (contact, reason, at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![contact, reason, now])?;
    Ok(())
}

fn write_audit(
    conn: &Connection,
    now: i64,
    actor: &str,
    action: &str,
    contact: Option<ContactId>,
    detail: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO audit (at, actor, action, contact, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![now, actor, action, contact, detail],
    )?;
    Ok(())
}

// ------------------------------------------ reports and the operator --

/// One run of a contact, for "who received what".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunSummary {
    pub id: RunId,
    pub journey: String,
    pub deployment: DeploymentId,
    pub active: bool,
    pub entered_at: i64,
    pub ended_at: Option<i64>,
    pub end_reason: Option<String>,
    pub wake_at: Option<i64>,
    pub state: Vec<u8>,
}

/// One email a step queued for a contact, and what became of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxEntry {
    pub journey: String,
    pub step: String,
    pub email: String,
    /// `queued`, `sent`, `suppressed` or `failed`.
    pub status: String,
    /// When it was queued; for a queued email being retried, when it is
    /// due next.
    pub due_at: i64,
    pub sent_at: Option<i64>,
    pub attempts: i64,
    pub reason: Option<String>,
}

/// How the people sent one step's email engaged with it: distinct contacts
/// who opened it, and who clicked each link, after it was sent. Opens and
/// clicks marked automated (mail privacy proxies, link scanners) are not
/// counted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Engagement {
    pub opened: u64,
    /// By link name; `None` for clicks that named no link.
    pub clicked: Vec<(Option<String>, u64)>,
}

impl SqliteStore {
    /// The encoded state of every active run of `journey`, with the
    /// deployment it runs on (a run keeps the program it started on).
    pub fn active_run_states(&self, journey: &str) -> Result<Vec<(DeploymentId, Vec<u8>)>> {
        let mut query = self.conn.prepare_cached(
            "SELECT deployment, state FROM runs WHERE journey = ?1 AND active = 1",
        )?;
        let rows = query.query_map([journey], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many runs are active on each deployment, oldest first.
    pub fn active_runs_by_deployment(&self) -> Result<Vec<(DeploymentId, u64)>> {
        let mut query = self.conn.prepare_cached(
            "SELECT deployment, count(*) FROM runs WHERE active = 1 \
             GROUP BY deployment ORDER BY deployment",
        )?;
        let rows = query.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Opens and clicks of the email that `step` of `journey` sent.
    pub fn engagement(&self, journey: &str, step: &str) -> Result<Engagement> {
        let opened: i64 = self
            .conn
            .prepare_cached(
                "SELECT count(DISTINCT o.contact) FROM outbox o JOIN happenings h \
                 ON h.contact = o.contact AND h.kind = 'open' AND h.name = o.email \
                 AND h.at >= o.sent_at AND h.automated = 0 \
                 WHERE o.journey = ?1 AND o.step = ?2 AND o.status = 'sent'",
            )?
            .query_row(params![journey, step], |r| r.get(0))?;
        let mut query = self.conn.prepare_cached(
            "SELECT h.link, count(DISTINCT o.contact) FROM outbox o JOIN happenings h \
             ON h.contact = o.contact AND h.kind = 'click' AND h.name = o.email \
             AND h.at >= o.sent_at AND h.automated = 0 \
             WHERE o.journey = ?1 AND o.step = ?2 AND o.status = 'sent' \
             GROUP BY h.link ORDER BY h.link",
        )?;
        let clicked = query
            .query_map(params![journey, step], |r| {
                Ok((r.get(0)?, r.get::<_, i64>(1)? as u64))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Engagement {
            opened: opened as u64,
            clicked,
        })
    }

    /// Every run of a contact, oldest first.
    pub fn contact_runs(&self, contact: ContactId) -> Result<Vec<RunSummary>> {
        let mut query = self.conn.prepare_cached(
            "SELECT id, journey, deployment, active, entered_at, ended_at, end_reason, \
             wake_at, state FROM runs WHERE contact = ?1 ORDER BY entered_at, id",
        )?;
        let rows = query.query_map([contact], |r| {
            Ok(RunSummary {
                id: r.get(0)?,
                journey: r.get(1)?,
                deployment: r.get(2)?,
                active: r.get(3)?,
                entered_at: r.get(4)?,
                ended_at: r.get(5)?,
                end_reason: r.get(6)?,
                wake_at: r.get(7)?,
                state: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every email queued for a contact, in the order it was queued.
    pub fn contact_outbox(&self, contact: ContactId) -> Result<Vec<OutboxEntry>> {
        let mut query = self.conn.prepare_cached(
            "SELECT journey, step, email, status, due_at, sent_at, attempts, reason \
             FROM outbox WHERE contact = ?1 ORDER BY id",
        )?;
        let rows = query.query_map([contact], |r| {
            Ok(OutboxEntry {
                journey: r.get(0)?,
                step: r.get(1)?,
                email: r.get(2)?,
                status: r.get(3)?,
                due_at: r.get(4)?,
                sent_at: r.get(5)?,
                attempts: r.get(6)?,
                reason: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Calls `each` with the external id and fields of every member of
    /// `segment`, in the order they were first imported.
    pub fn each_segment_contact<E: From<StoreError>>(
        &self,
        segment: &str,
        mut each: impl FnMut(&str, &Json) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let mut query = self
            .conn
            .prepare_cached(
                "SELECT c.external_id, c.fields FROM segment_members s \
                 JOIN contacts c ON c.id = s.contact WHERE s.segment = ?1 ORDER BY c.id",
            )
            .map_err(StoreError::from)?;
        let mut rows = query.query([segment]).map_err(StoreError::from)?;
        while let Some(row) = rows.next().map_err(StoreError::from)? {
            let external_id: String = row.get(0).map_err(StoreError::from)?;
            let fields: String = row.get(1).map_err(StoreError::from)?;
            each(&external_id, &from_json(&fields)?)?;
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_793_000_000;

    /// A store on a file with one deployment and the contacts `c0`, `c1`.
    fn store_with_contacts(dir: &Path) -> (SqliteStore, Vec<ContactId>) {
        let mut store = SqliteStore::open(&dir.join("journey.db")).unwrap();
        store.deploy(b"any artifact", NOW).unwrap();
        let contacts: Vec<ContactWrite> = ["c0", "c1"]
            .iter()
            .map(|id| ContactWrite {
                external_id: id.to_string(),
                fields: Json::new(),
                zone: None,
                lists: vec![],
                segments: vec![],
            })
            .collect();
        store.import_contacts(&contacts, NOW).unwrap();
        let ids = ["c0", "c1"]
            .iter()
            .map(|id| store.contact_id(id).unwrap().unwrap())
            .collect();
        (store, ids)
    }

    fn step(run: RunWrite, active: bool, arrived: &[&str], now: i64) -> StepCommit {
        StepCommit {
            run,
            journey: "peer".into(),
            state: vec![1, 2, 3],
            active,
            end_reason: (!active).then(|| "completed".into()),
            wake_at: active.then_some(now + 60),
            wakes: 0,
            now,
            emails: vec![],
            segment_adds: vec![],
            segment_removes: vec![],
            arrived: arrived.iter().map(|s| s.to_string()).collect(),
            ended_at_step: (!active).then(|| arrived.last().unwrap().to_string()),
        }
    }

    fn entry(contact: ContactId, newest: Option<RunId>) -> RunWrite {
        RunWrite::New {
            contact,
            journey: "peer".into(),
            deployment: 1,
            entered_at: NOW,
            newest,
        }
    }

    #[test]
    fn entry_status_says_what_the_three_run_queries_say() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, contacts) = store_with_contacts(dir.path());
        let ana = contacts[0];
        let none = EntryStatus {
            in_run: false,
            last_end: None,
            newest: None,
        };
        assert_eq!(store.entry_status(ana, "peer").unwrap(), none);

        let CommitOutcome::Committed(run) = store
            .commit(&step(entry(ana, None), true, &["a"], NOW))
            .unwrap()
        else {
            panic!("the entry commits");
        };
        let active = store.entry_status(ana, "peer").unwrap();
        assert_eq!(
            active,
            EntryStatus {
                in_run: true,
                last_end: None,
                newest: Some(run),
            }
        );
        assert_eq!(
            active.in_run,
            store.active_run(ana, "peer").unwrap().is_some()
        );

        let ended_at = NOW + 86_400;
        let end = RunWrite::Existing {
            id: run,
            version: 1,
        };
        store.commit(&step(end, false, &["b"], ended_at)).unwrap();
        let ended = store.entry_status(ana, "peer").unwrap();
        assert_eq!(
            ended,
            EntryStatus {
                in_run: false,
                last_end: Some(ended_at),
                newest: Some(run),
            }
        );
        assert_eq!(ended.last_end, store.last_end(ana, "peer").unwrap());
        assert_eq!(ended.newest, store.newest_run(ana, "peer").unwrap());
        assert_eq!(store.entry_status(ana, "other").unwrap(), none);
        assert_eq!(store.entry_status(contacts[1], "peer").unwrap(), none);
    }

    #[test]
    fn reads_between_begin_and_end_see_one_moment_and_a_commit_follows() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, contacts) = store_with_contacts(dir.path());
        let other = SqliteStore::open(&dir.path().join("journey.db")).unwrap();
        store.end_reads().unwrap();

        store.begin_reads().unwrap();
        assert_eq!(
            store.entry_status(contacts[0], "peer").unwrap().newest,
            None
        );
        other
            .connection()
            .execute(
                "INSERT INTO runs (contact, journey, deployment, state, active, entered_at) \
                 VALUES (?1, 'peer', 1, x'', 1, ?2)",
                params![contacts[0], NOW],
            )
            .unwrap();
        assert_eq!(
            store.entry_status(contacts[0], "peer").unwrap().newest,
            None,
            "the other engine's run is after the moment read"
        );
        store.end_reads().unwrap();

        let newest = store.entry_status(contacts[0], "peer").unwrap().newest;
        assert!(newest.is_some(), "seen once the reads end");
        let outcomes = store
            .commit_all(&[step(entry(contacts[1], None), true, &["a"], NOW)])
            .unwrap();
        assert!(matches!(outcomes[0], CommitOutcome::Committed(_)));
    }

    #[test]
    fn a_batch_counts_arrivals_and_ends_of_its_committed_steps_only() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, contacts) = store_with_contacts(dir.path());
        let (ana, ben) = (contacts[0], contacts[1]);
        store
            .commit(&step(entry(ana, None), true, &["a"], NOW))
            .unwrap();

        let batch = [
            step(entry(ben, None), false, &["a", "b"], NOW),
            // Stale: Ana's run exists since.
            step(entry(ana, None), false, &["a", "b"], NOW),
            step(entry(ben, None), true, &["a"], NOW),
        ];
        let outcomes = store.commit_all(&batch).unwrap();
        assert!(matches!(outcomes[0], CommitOutcome::Committed(_)));
        assert_eq!(outcomes[1..], [CommitOutcome::Lost, CommitOutcome::Lost]);

        let steps = ["a".to_string(), "b".to_string()];
        let report = store.step_report("peer", &steps).unwrap();
        let counts: Vec<(u64, u64)> = report.iter().map(|r| (r.arrived, r.ended)).collect();
        assert_eq!(counts, [(2, 0), (1, 1)]);
    }

    #[test]
    fn a_list_read_a_page_at_a_time_is_the_whole_list_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("journey.db")).unwrap();
        let contacts: Vec<ContactWrite> = (0..7)
            .map(|i| ContactWrite {
                external_id: format!("c{i}"),
                fields: Json::new(),
                zone: None,
                lists: if i == 3 {
                    vec![]
                } else {
                    vec!["members".into()]
                },
                segments: vec![],
            })
            .collect();
        store.import_contacts(&contacts, NOW).unwrap();

        let mut pages = Vec::new();
        let mut after = 0;
        loop {
            let page = store.list_members_page("members", after, 4).unwrap();
            let Some(&last) = page.last() else { break };
            after = last;
            pages.push(page);
        }
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[0].len(), 4);
        assert_eq!(pages.concat(), store.list_members("members").unwrap());
        assert!(store.list_members_page("nobody", 0, 4).unwrap().is_empty());
    }

    #[test]
    fn kept_statements_are_not_parsed_again_on_each_use() {
        let dir = tempfile::tempdir().unwrap();
        let (store, contacts) = store_with_contacts(dir.path());
        let sql = "SELECT at, kind, name, link, data, automated FROM happenings \
                   WHERE contact = ?1 ORDER BY at, id";
        for contact in [contacts[0], contacts[1], contacts[0]] {
            store.happenings(contact).unwrap();
        }
        let query = store.conn.prepare_cached(sql).unwrap();
        let reparsed = query.get_status(rusqlite::StatementStatus::RePrepare);
        assert_eq!(reparsed, 0);
    }
}
