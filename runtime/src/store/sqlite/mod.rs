//! The SQLite store: one file, write-ahead log, `synchronous=NORMAL` (a
//! commit survives a crash of the process; the last ones may be lost on a
//! power loss), except where a lost commit would do harm: an email's sent
//! mark waits for the disk (see `outbox`), as do the server's commits.
//!
//! Readers never block the writer in WAL mode; writers (several engine
//! processes on one file) take turns through SQLite's lock, with a busy
//! timeout. Every write that must be atomic is one transaction here.
//!
//! This module opens the file, migrates it and keeps deployments; one
//! submodule per kind of state holds the rest: `contacts` (and imports),
//! `runs` (and date entries), `steps` (step commits), `outbox`, and
//! `reports` (consent, suppression, audit, report queries); `store_trait`
//! makes it the engine's [`Store`].

use super::schema::MIGRATIONS;
use super::*;
use batch_ids::BatchIds;
use rusqlite::config::DbConfig;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::path::Path;

/// The text of an outbox row's idempotency key, `contact:run:step:visit`,
/// as SQL over the columns of the table named by the prefix (`""` or
/// `"o."`): made where it is read since migration 10, which dropped the
/// stored column. A macro, so that statements stay constant strings.
macro_rules! outbox_key {
    ($table:literal) => {
        concat!(
            $table,
            "contact || ':' || ",
            $table,
            "run || ':' || ",
            $table,
            "step || ':' || ",
            $table,
            "visit"
        )
    };
}

mod access;
mod batch_ids;
mod contacts;
mod erasure;
mod insert_chunks;
mod outbox;
mod reports;
mod runs;
mod serve;
mod steps;
mod store_trait;
mod tracking;

pub use super::AuditEntry;
pub use access::{token_hash, ApiToken, Scope, TOKEN_PREFIX};
pub use contacts::ContactImport;
pub use erasure::Erased;
pub use reports::{Engagement, OutboxEntry, RunSummary};
pub use tracking::{HitRow, PendingHit, TrackedMessage};

/// How many prepared statements the connection keeps for reuse. Parsing a
/// statement costs more than running it on one row, so every statement of
/// the engine's per-contact work is kept (rusqlite keeps 16 by default).
const STATEMENT_CACHE: usize = 64;

pub struct SqliteStore {
    conn: Connection,
    /// The schema versions this open moved the file between, when it
    /// migrated a file an older `journey` wrote (not a new, empty one).
    upgraded: Option<(i64, i64)>,
    /// Whether the open batch writes without foreign-key checks (see
    /// [`SqliteStore::begin_bulk_batch`]).
    unchecked: bool,
}

type Json = serde_json::Map<String, serde_json::Value>;

fn to_json(map: &Json) -> String {
    serde_json::Value::Object(map.clone()).to_string()
}

/// Ids bound as one value, for `rarray(?)`.
fn id_array(ids: &[i64]) -> rusqlite::vtab::array::Array {
    std::rc::Rc::new(
        ids.iter()
            .map(|&id| rusqlite::types::Value::Integer(id))
            .collect(),
    )
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
        // Deleted and overwritten content is zeroed, not left in free
        // space: an erased contact's values must not stay readable in the
        // file (see `erasure`). It costs writes of the freed bytes.
        conn.pragma_update(None, "secure_delete", "ON")?;
        // Plans that do not depend on bound values. Without this, SQLite
        // (built with STAT4) marks a kept statement such as `WHERE contact
        // = ?1 ORDER BY at` stale whenever its values are cleared, and
        // parses it again on every use. Without ANALYZE data the plans are
        // the same either way.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // `rarray(?)`: a batch's ids bound as one value, so that one
        // statement reads a whole batch of contacts or runs.
        rusqlite::vtab::array::load_module(&conn)?;
        let mut store = SqliteStore {
            conn,
            upgraded: None,
            unchecked: false,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Brings the file to the latest schema. Foreign keys are off while
    /// the migrations run (SQLite ignores the setting inside a
    /// transaction): a migration that rebuilds a table drops the old one,
    /// which other tables still reference until the new one takes its name.
    /// They are checked over the whole file before the migrations commit.
    fn migrate(&mut self) -> Result<()> {
        self.check_foreign_keys(false)?;
        let migrated = self.run_migrations();
        self.check_foreign_keys(true)?;
        migrated
    }

    /// Turns foreign-key checks on or off for this connection (outside a
    /// transaction only: SQLite ignores the switch inside one).
    fn check_foreign_keys(&self, on: bool) -> Result<()> {
        let switch = if on {
            "PRAGMA foreign_keys = ON"
        } else {
            "PRAGMA foreign_keys = OFF"
        };
        self.conn.prepare_cached(switch)?.execute([])?;
        Ok(())
    }

    fn run_migrations(&mut self) -> Result<()> {
        let known = MIGRATIONS.len() as i64;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if found > known {
            return Err(StoreError::NewerSchema { found, known });
        }
        if found == known {
            return Ok(());
        }
        if found > 0 {
            self.upgraded = Some((found, known));
        }
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            tx.execute_batch(migration)?;
            tx.pragma_update(None, "user_version", index as i64 + 1)?;
        }
        let broken: Option<String> = tx
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()?;
        if let Some(table) = broken {
            return Err(StoreError::Corrupt(format!(
                "after migrating, `{table}` has rows whose references are missing"
            )));
        }
        tx.commit()?;
        Ok(())
    }

    /// The schema versions opening this store moved its file between
    /// (from, to), if it was written by an older `journey`: a file once
    /// upgraded cannot be opened by that older version again.
    pub fn upgraded(&self) -> Option<(i64, i64)> {
        self.upgraded
    }

    // ------------------------------------------------------ deployments --

    /// Stores an artifact, or finds the same one deployed before, and makes
    /// it the latest deployment. Returns its id and whether it is new.
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

        tx.execute(
            "UPDATE deployments SET current = (SELECT max(current) + 1 FROM deployments) \
             WHERE id = ?1",
            [result.0],
        )?;
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
                "SELECT id, artifact FROM deployments ORDER BY current DESC, id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
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

    #[test]
    fn deploying_an_earlier_artifact_again_makes_it_the_latest() {
        let dir = tempfile::TempDir::new().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("journey.db")).unwrap();
        let latest = |store: &SqliteStore| store.latest_deployment().unwrap().unwrap();

        assert_eq!(store.deploy(b"first", NOW).unwrap(), (1, true));
        assert_eq!(store.deploy(b"second", NOW).unwrap(), (2, true));
        assert_eq!(latest(&store), (2, b"second".to_vec()));

        assert_eq!(
            store.deploy(b"first", NOW).unwrap(),
            (1, false),
            "a rollback"
        );
        assert_eq!(latest(&store), (1, b"first".to_vec()));
        assert_eq!(store.deploy(b"first", NOW).unwrap(), (1, false));
        assert_eq!(latest(&store).0, 1);

        assert_eq!(store.deploy(b"second", NOW).unwrap(), (2, false));
        assert_eq!(latest(&store).0, 2);
        assert_eq!(store.deploy(b"third", NOW).unwrap(), (3, true));
        assert_eq!(latest(&store).0, 3);
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
            arrived: arrived.iter().map(|&s| s.into()).collect(),
            ended_at_step: (!active).then(|| (*arrived.last().unwrap()).into()),
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
            contact: ana,
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
        let batch = [contacts[1], ana, contacts[1]];
        assert_eq!(
            store.entry_statuses("peer", &batch).unwrap(),
            [none, ended, none],
            "a batch's statuses, in the order asked, duplicates too"
        );
    }

    #[test]
    fn a_batch_holds_off_other_writers_and_commits_or_rolls_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, contacts) = store_with_contacts(dir.path());
        let other = SqliteStore::open(&dir.path().join("journey.db")).unwrap();
        other
            .connection()
            .busy_timeout(std::time::Duration::ZERO)
            .unwrap();
        let other_entry = |contact: ContactId| {
            other.connection().execute(
                "INSERT INTO runs (contact, journey, deployment, state, active, entered_at) \
                 VALUES (?1, 'other', 1, x'', 1, ?2)",
                params![contact, NOW],
            )
        };

        let checked = |store: &SqliteStore| -> bool {
            store
                .connection()
                .pragma_query_value(None, "foreign_keys", |r| r.get(0))
                .unwrap()
        };
        store.begin_bulk_batch().unwrap();
        assert!(
            !checked(&store),
            "a bulk batch runs without foreign-key checks"
        );
        let statuses = store.entry_statuses("peer", &contacts).unwrap();
        assert!(statuses.iter().all(|s| s.newest.is_none()));
        assert!(
            other_entry(contacts[0]).is_err(),
            "another engine cannot write between a batch's reads and its commits"
        );
        let outcomes = store
            .commit_all(&[step(entry(contacts[0], None), true, &["a"], NOW)])
            .unwrap();
        assert!(matches!(outcomes[0], CommitOutcome::Committed(_)));
        store.abandon_batch().unwrap();
        assert!(checked(&store), "on again after a rollback");
        assert_eq!(
            store.entry_status(contacts[0], "peer").unwrap().newest,
            None
        );

        store.begin_bulk_batch().unwrap();
        store
            .commit_all(&[step(entry(contacts[1], None), true, &["a"], NOW)])
            .unwrap();
        store.finish_batch().unwrap();
        assert!(checked(&store), "on again after a commit");
        store.begin_batch().unwrap();
        assert!(checked(&store), "any other batch keeps them");
        store.finish_batch().unwrap();
        let statuses = store.entry_statuses("peer", &contacts).unwrap();
        assert_eq!(
            statuses[0].newest, None,
            "the abandoned batch wrote nothing"
        );
        assert!(statuses[1].in_run, "the finished batch wrote its entry");
        other_entry(contacts[0]).expect("others write once the batch is over");
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

    /// More entries than two multi-row inserts take, with a stale entry
    /// and a resume among them, committed with foreign keys checked (not
    /// in a batch): each committed step's run and email are its own, the
    /// new runs numbered in the order of their entries.
    #[test]
    fn many_entries_in_one_commit_each_get_their_own_run_and_email() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("journey.db")).unwrap();
        store.deploy(b"any artifact", NOW).unwrap();
        let count = 2 * insert_chunks::CHUNK + 6;
        let writes: Vec<ContactWrite> = (0..=count)
            .map(|i| ContactWrite {
                external_id: format!("c{i}"),
                fields: Json::new(),
                zone: None,
                lists: vec![],
                segments: vec![],
            })
            .collect();
        store.import_contacts(&writes, NOW).unwrap();
        let id = |i: usize| store.contact_id(&format!("c{i}")).unwrap().unwrap();
        let contacts: Vec<ContactId> = (0..=count).map(id).collect();
        let waiting = contacts[count];
        let CommitOutcome::Committed(parked) = store
            .commit(&step(entry(waiting, None), true, &["a"], NOW))
            .unwrap()
        else {
            panic!("the first entry commits");
        };
        let with_email = |mut commit: StepCommit| {
            commit.emails.push(QueuedEmail {
                step: "a".into(),
                email: "hello".into(),
                priority: 1,
            });
            commit
        };

        let mut batch: Vec<StepCommit> = contacts[..count]
            .iter()
            .map(|&c| with_email(step(entry(c, None), true, &["a"], NOW)))
            .collect();
        batch.insert(
            40,
            with_email(step(entry(contacts[3], None), true, &["a"], NOW)),
        );
        let resume = RunWrite::Existing {
            id: parked,
            contact: waiting,
            version: 1,
        };
        batch.insert(50, with_email(step(resume, false, &["b"], NOW)));
        let outcomes = store.commit_all(&batch).unwrap();

        assert_eq!(
            outcomes[40],
            CommitOutcome::Lost,
            "c3 entered earlier in the batch"
        );
        assert_eq!(outcomes[50], CommitOutcome::Committed(parked));
        let new_runs: Vec<RunId> = outcomes
            .iter()
            .enumerate()
            .filter(|(at, _)| *at != 40 && *at != 50)
            .map(|(_, outcome)| match outcome {
                CommitOutcome::Committed(run) => *run,
                CommitOutcome::Lost => panic!("a first entry is lost"),
            })
            .collect();
        let numbered: Vec<RunId> = (parked + 1..).take(count).collect();
        assert_eq!(new_runs, numbered);
        let mut read = store
            .conn
            .prepare(
                "SELECT o.contact, o.run, r.contact FROM outbox o \
                 JOIN runs r ON r.id = o.run ORDER BY o.id",
            )
            .unwrap();
        let emails: Vec<(ContactId, RunId, ContactId)> = read
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let mut expected: Vec<(ContactId, RunId, ContactId)> = contacts[..count]
            .iter()
            .zip(&numbered)
            .map(|(&c, &run)| (c, run, c))
            .collect();
        expected.insert(49, (waiting, parked, waiting));
        assert_eq!(
            emails, expected,
            "one email per step, in order, of its own run"
        );
        let broken: i64 = store
            .conn
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(broken, 0);
    }

    /// An email claimed for sending has no outcome yet: the report counts
    /// it as queued (no column showed it, so emails a crashed engine left
    /// claimed could not be seen).
    #[test]
    fn emails_being_sent_count_as_queued_in_the_step_report() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, contacts) = store_with_contacts(dir.path());
        let CommitOutcome::Committed(run) = store
            .commit(&step(entry(contacts[0], None), true, &["a"], NOW))
            .unwrap()
        else {
            panic!("the entry commits");
        };
        for (visit, status) in ["queued", "sending", "sent"].iter().enumerate() {
            store
                .conn
                .execute(
                    "INSERT INTO outbox (contact, run, journey, step, visit, email, priority, \
                     due_at, status) VALUES (?1, ?2, 'peer', 'a', ?3, 'hello', 1, ?4, ?5)",
                    params![contacts[0], run, visit as i64 + 1, NOW, status],
                )
                .unwrap();
        }

        let report = store.step_report("peer", &["a".to_string()]).unwrap();
        assert_eq!((report[0].queued, report[0].sent), (2, 1));
    }

    #[test]
    fn an_entry_while_the_contact_is_in_an_active_run_is_never_written() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, contacts) = store_with_contacts(dir.path());
        let ana = contacts[0];
        let CommitOutcome::Committed(run) = store
            .commit(&step(entry(ana, None), true, &["a"], NOW))
            .unwrap()
        else {
            panic!("the first entry commits");
        };

        // Decided as if the active run were not there, or as if it had
        // ended: either way the commit refuses a second active run.
        for newest in [None, Some(run)] {
            let outcome = store
                .commit(&step(entry(ana, newest), true, &["a"], NOW))
                .unwrap();
            assert_eq!(outcome, CommitOutcome::Lost, "newest {newest:?}");
        }
        let outcomes = store
            .commit_all(&[
                step(entry(contacts[1], None), true, &["a"], NOW),
                step(entry(contacts[1], None), true, &["a"], NOW),
            ])
            .unwrap();
        assert!(matches!(outcomes[0], CommitOutcome::Committed(_)));
        assert_eq!(outcomes[1], CommitOutcome::Lost, "twice in one batch");

        let active: i64 = store
            .conn
            .query_row(
                "SELECT count(*) FROM runs WHERE active = 1 GROUP BY contact, journey \
                 ORDER BY count(*) DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(active, 1);

        let end = RunWrite::Existing {
            id: run,
            contact: ana,
            version: 1,
        };
        store.commit(&step(end, false, &["b"], NOW + 60)).unwrap();
        let again = store
            .commit(&step(entry(ana, Some(run)), true, &["a"], NOW + 120))
            .unwrap();
        assert!(
            matches!(again, CommitOutcome::Committed(_)),
            "once the run ended, an entry decided against it is written"
        );
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
                   WHERE contact = ?1 ORDER BY at, seq";
        for contact in [contacts[0], contacts[1], contacts[0]] {
            store.happenings(contact).unwrap();
        }
        let query = store.conn.prepare_cached(sql).unwrap();
        let reparsed = query.get_status(rusqlite::StatementStatus::RePrepare);
        assert_eq!(reparsed, 0);
    }
}
