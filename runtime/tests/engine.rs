//! The engine on a real SQLite file: deploy, import, enter, advance on a
//! virtual clock, and the exactly-once rules.

mod support;

use journey_compiler::check::config::ProjectConfig;
use journey_compiler::check::DiskTemplates;
use journey_compiler::source::Sources;
use journey_runtime::engine::{Engine, Entered};
use journey_runtime::store::sqlite::SqliteStore;
use journey_runtime::store::{ContactWrite, Happening, HappeningKind};
use std::path::Path;
use support::{quickstart_artifact, quickstart_contact, with_quickstart};

const START: i64 = 1_799_398_800; // 2027-01-08T09:00:00Z

fn queued(store: &SqliteStore) -> Vec<(String, String)> {
    let sql = "SELECT c.external_id, o.email FROM outbox o JOIN contacts c ON c.id = \
        o.contact ORDER BY o.id";
    support::select(store.connection(), sql, |r| Ok((r.get(0)?, r.get(1)?)))
}

#[test]
fn contacts_enter_wait_and_get_each_email_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("journey.db")).unwrap();
    let (deployment, fresh) = store.deploy(&quickstart_artifact(), START).unwrap();
    assert!(fresh);
    assert_eq!(
        store.deploy(&quickstart_artifact(), START).unwrap(),
        (deployment, false)
    );
    store
        .import_contacts(
            &[quickstart_contact("ana"), quickstart_contact("ben")],
            START,
        )
        .unwrap();

    let mut engine = Engine::new(&mut store).unwrap();
    assert_eq!(engine.enter_by_triggers(START).unwrap().entered, 2);
    assert_eq!(
        engine.enter_by_triggers(START).unwrap().entered,
        0,
        "never entered twice"
    );
    let ana = engine.store.contact_id("ana").unwrap().unwrap();
    assert_eq!(engine.enter(ana, 0, START).unwrap(), Entered::AlreadyIn);

    // Ana clicks the portal link a day later; Ben does not.
    let click = support::portal_click(ana, START + 86_400);
    engine.happen(&click, START + 86_400).unwrap();

    // The timeout is three days after entry.
    assert_eq!(engine.next_due().unwrap(), Some(START));
    assert_eq!(
        engine
            .run_due(START + 3 * 86_400 - 1, 100)
            .unwrap()
            .advanced,
        0
    );
    assert_eq!(engine.run_due(START + 3 * 86_400, 100).unwrap().advanced, 1);
    assert_eq!(engine.run_due(START + 3 * 86_400, 100).unwrap().advanced, 0);

    assert_eq!(
        queued(engine.store),
        vec![
            ("ana".to_string(), "welcome".to_string()),
            ("ben".to_string(), "welcome".to_string()),
            ("ben".to_string(), "portal_tip".to_string()),
        ]
    );
    // Ana completed; she never enters again (re-entry: never).
    assert_eq!(
        engine.enter(ana, 0, START + 10 * 86_400).unwrap(),
        Entered::ReentryRefused
    );
    support::assert_references_hold(engine.store.connection());
}

#[test]
fn a_stale_run_version_commits_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journey.db");
    let mut store = with_quickstart(SqliteStore::open(&path).unwrap(), &["ana"], START);
    let mut engine = Engine::new(&mut store).unwrap();
    engine.enter_by_triggers(START).unwrap();

    // Two engines read the same due run; only the first commit counts.
    let due = engine.store.due_runs(START + 3 * 86_400, 10).unwrap();
    assert_eq!(due.len(), 1);
    let first = engine.advance(&due[0], START + 3 * 86_400).unwrap();
    let second = engine.advance(&due[0], START + 3 * 86_400).unwrap();
    assert!(matches!(
        first,
        journey_runtime::store::CommitOutcome::Committed(_)
    ));
    assert_eq!(second, journey_runtime::store::CommitOutcome::Lost);
    assert_eq!(queued(engine.store).len(), 2, "the tip is queued once");
}

#[test]
fn an_update_that_moves_no_run_rewrites_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journey.db");
    let mut store = with_quickstart(SqliteStore::open(&path).unwrap(), &["ana"], START);
    let mut engine = Engine::new(&mut store).unwrap();
    engine.enter_by_triggers(START).unwrap();
    let ana = engine.store.contact_id("ana").unwrap().unwrap();
    let version = |engine: &Engine| -> i64 {
        let sql = "SELECT version FROM runs WHERE contact = ?1";
        let conn = engine.store.connection();
        conn.query_row(sql, [ana], |r| r.get(0)).unwrap()
    };
    let before = version(&engine);

    // A new name wakes Ana's run (its `exit when`, had it one, might hold
    // now); it goes on waiting for the click, on the same timer.
    let mut fields = serde_json::Map::new();
    fields.insert("first_name".into(), "Anabel".into());
    let update = Happening {
        contact: ana,
        at: START + 60,
        kind: HappeningKind::Update,
        name: None,
        link: None,
        data: Some(fields),
        automated: false,
    };
    let ingested = engine.happen_all(&[update], &[], START + 60).unwrap();
    assert_eq!(ingested.tally.advanced, 1, "the run was woken");
    assert_eq!(version(&engine), before, "and left as it was stored");

    // It still times out three days after entry, and sends the tip.
    assert_eq!(engine.run_due(START + 3 * 86_400, 100).unwrap().advanced, 1);
    assert_eq!(version(&engine), before + 1);
    assert_eq!(queued(engine.store).len(), 2);
}

mod delivery {
    use super::*;
    use journey_runtime::engine::delivery::{MailSetup, Postman};
    use journey_runtime::mail::{Outgoing, SendError, Transport};
    use journey_runtime::store::Consent;
    use std::sync::Mutex;

    /// Accepts every message except those to addresses containing "bad",
    /// which it refuses for good, as a server refuses an unknown mailbox.
    #[derive(Default)]
    struct Picky {
        accepted: Mutex<Vec<String>>,
        refused: Mutex<u32>,
    }

    impl Transport for Picky {
        fn send(&self, message: &Outgoing) -> Result<(), SendError> {
            let text = String::from_utf8_lossy(message.bytes()).to_string();
            let to = text
                .lines()
                .find(|l| l.starts_with("To: "))
                .unwrap_or("")
                .to_string();
            if to.contains("bad") {
                *self.refused.lock().unwrap() += 1;
                return Err(SendError::Permanent("550 no such mailbox".into()));
            }
            self.accepted
                .lock()
                .unwrap()
                .push(message.message_id().to_string());
            Ok(())
        }
    }

    /// Unsubscribe by mail: what a transport that reaches people (as
    /// `Picky` stands for SMTP) needs for marketing email.
    fn mailto_setup() -> MailSetup {
        let settings = journey_compiler::check::config::TrackingSettings {
            unsubscribe_mailto: Some("unsubscribe@example-health.org".into()),
            ..Default::default()
        };
        MailSetup {
            tracker: journey_runtime::tracking::Tracker::from_settings(&settings, |_| None)
                .unwrap(),
            dkim: None,
        }
    }

    #[test]
    fn three_bad_addresses_among_twenty_fail_once_and_the_rest_go_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("journey.db")).unwrap();
        store.deploy(&quickstart_artifact(), START).unwrap();
        let contacts: Vec<ContactWrite> = (0..20)
            .map(|i| {
                let mut c = quickstart_contact(&format!("c{i:02}"));
                if i % 7 == 3 {
                    c.fields
                        .insert("email".into(), format!("bad{i}@example.org").into());
                }
                c
            })
            .collect();
        store.import_contacts(&contacts, START).unwrap();
        for id in store.all_contacts().unwrap() {
            let consent = Consent {
                granted_at: Some(START - 86_400),
                ..Consent::default()
            };
            store.set_consent(id, consent).unwrap();
        }

        let mut engine = Engine::new(&mut store).unwrap();
        engine.enter_by_triggers(START).unwrap();
        let program = engine.program();
        let templates = support::quickstart_templates(&program);
        let transport = Picky::default();
        let postman = Postman {
            program: &program,
            templates: &templates,
            transport: &transport,
            setup: &mailto_setup(),
        };

        let first = postman.deliver(engine.store, START, 100).unwrap();
        assert_eq!((first.sent, first.failed, first.retried), (17, 3, 0));
        for later in [START + 60, START + 86_400] {
            let again = postman.deliver(engine.store, later, 100).unwrap();
            assert_eq!(
                (again.sent, again.failed),
                (0, 0),
                "nothing is sent or retried twice"
            );
        }
        assert_eq!(*transport.refused.lock().unwrap(), 3);
        let accepted = transport.accepted.lock().unwrap().clone();
        let mut unique = accepted.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 17);
        assert_eq!(accepted.len(), 17);
    }

    #[test]
    fn marketing_mail_needs_valid_consent_at_send_time() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("journey.db")).unwrap();
        let mut store = with_quickstart(store, &["granted", "revoked", "none"], START);
        let id = |store: &SqliteStore, name: &str| store.contact_id(name).unwrap().unwrap();
        let granted = Consent {
            granted_at: Some(START - 10),
            ..Consent::default()
        };
        let (g, r) = (id(&store, "granted"), id(&store, "revoked"));
        store.set_consent(g, granted).unwrap();
        store
            .set_consent(
                r,
                Consent {
                    revoked_at: Some(START - 1),
                    ..granted
                },
            )
            .unwrap();

        let mut engine = Engine::new(&mut store).unwrap();
        engine.enter_by_triggers(START).unwrap();
        let program = engine.program();
        let templates = support::quickstart_templates(&program);
        let transport = Picky::default();
        let postman = Postman {
            program: &program,
            templates: &templates,
            transport: &transport,
            setup: &mailto_setup(),
        };
        let tally = postman.deliver(engine.store, START, 100).unwrap();
        assert_eq!((tally.sent, tally.suppressed), (1, 2));

        let sql = "SELECT reason FROM outbox WHERE status = 'suppressed' ORDER BY id";
        let reasons: Vec<String> = support::select(engine.store.connection(), sql, |r| r.get(0));
        assert_eq!(
            reasons,
            vec!["no valid marketing authorisation at send time"; 2]
        );
    }
}

mod date_triggers {
    use super::*;

    fn birthday_artifact() -> Vec<u8> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/preventive-care");
        let mut sources = Sources::new();
        for name in ["schema.journey", "birthday_wellness.journey"] {
            let path = root.join(name);
            sources.add(
                path.to_string_lossy(),
                std::fs::read_to_string(&path).unwrap(),
            );
        }
        let config = ProjectConfig {
            timezone: Some("America/Denver".into()),
            ..Default::default()
        };
        let analysis = journey_compiler::analyze_project(&sources, &config, &DiskTemplates);
        let checked = analysis
            .program
            .expect("the preventive-care example checks clean");
        journey_runtime::artifact::encode(&journey_runtime::compile::compile(&checked))
    }

    fn patient(id: &str, birth_date: &str, zone: &str) -> ContactWrite {
        let mut fields = serde_json::Map::new();
        fields.insert("email".into(), format!("{id}@example.org").into());
        fields.insert("first_name".into(), id.into());
        fields.insert("birth_date".into(), birth_date.into());
        fields.insert("timezone".into(), zone.into());
        ContactWrite {
            external_id: id.into(),
            fields,
            zone: Some(zone.into()),
            lists: vec![],
            segments: vec![],
        }
    }

    /// The instant each run of `journey` began, per contact, in UTC.
    fn entries(store: &SqliteStore) -> Vec<(String, String)> {
        store
            .connection()
            .prepare(
                "SELECT c.external_id, r.entered_at FROM runs r \
                 JOIN contacts c ON c.id = r.contact ORDER BY r.entered_at, c.external_id",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .unwrap()
            .map(|row| {
                let (id, at) = row.unwrap();
                (id, journey_runtime::simulate::report::instant(at))
            })
            .collect()
    }

    #[test]
    fn contacts_enter_on_their_birthday_at_nine_local_every_year() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("journey.db")).unwrap();
        let start = chrono::DateTime::parse_from_rfc3339("2027-01-10T00:00:00Z")
            .unwrap()
            .timestamp();
        store.deploy(&birthday_artifact(), start).unwrap();
        store
            .import_contacts(
                &[
                    patient("leap", "1988-02-29", "America/Denver"),
                    patient("tokyo", "1990-03-05", "Asia/Tokyo"),
                ],
                start,
            )
            .unwrap();

        let mut engine = Engine::new(&mut store).unwrap();
        engine.enter_by_triggers(start).unwrap();
        let until = start + 420 * 86_400;
        let mut now = start;
        loop {
            engine.run_due(now, 100).unwrap();
            engine
                .store
                .connection()
                .execute("UPDATE outbox SET status = 'sent'", [])
                .unwrap();
            match engine.next_due().unwrap() {
                Some(next) if next <= until => now = next.max(now),
                _ => break,
            }
        }

        // 29 February falls on 28 February in 2027, at 09:00 in Denver
        // (MST, -07:00); the Tokyo contact's 5 March, 09:00 (+09:00). Then
        // again a year later, on the real 29 February of 2028.
        let runs = entries(engine.store);
        assert_eq!(
            runs.iter().take(3).cloned().collect::<Vec<_>>(),
            vec![
                ("leap".to_string(), "2027-02-28T16:00:00Z".to_string()),
                ("tokyo".to_string(), "2027-03-05T00:00:00Z".to_string()),
                ("leap".to_string(), "2028-02-29T16:00:00Z".to_string()),
            ]
        );
    }
}

/// Databases written before migration 9 (the outbox's idempotency key as
/// stored text, the runs' one-active-run index) and before migration 10
/// (happenings in insertion order, with an index by contact) are carried
/// over, and the engine continues their runs.
mod migration {
    use super::*;
    use journey_runtime::store::schema::MIGRATIONS;
    use rusqlite::Connection;

    /// The tables a version-8 file is filled from, in an order their
    /// references allow (`outbox` and `happenings` apart: their columns
    /// changed).
    const COPIED: [&str; 8] = [
        "deployments",
        "contacts",
        "list_members",
        "segment_members",
        "runs",
        "step_stats",
        "consent",
        "audit",
    ];

    /// One outbox row as delivery and tracking see it.
    type Email = (i64, String, String, String, Option<String>);

    /// The outbox's emails with their idempotency keys: stored as text
    /// until migration 10, made from the key's columns since.
    fn emails(conn: &Connection) -> Vec<Email> {
        let key = match version(conn) < 10 {
            true => "key",
            false => "contact || ':' || run || ':' || step || ':' || visit",
        };
        let sql = format!("SELECT id, {key}, email, status, message_id FROM outbox ORDER BY id");
        let mut query = conn.prepare(&sql).unwrap();
        query
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    fn stats(conn: &Connection) -> Vec<(String, i64, i64)> {
        let mut query = conn
            .prepare("SELECT step, arrived, ended FROM step_stats ORDER BY journey, step")
            .unwrap();
        query
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// The one number `sql` selects.
    fn count(conn: &Connection, sql: &str) -> i64 {
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    fn version(conn: &Connection) -> i64 {
        conn.pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    }

    /// Ana, Ben and Cat entered the quickstart's welcome journey (three
    /// welcomes queued; Ana's sent), written as version 8 wrote them, from
    /// the same engine's work on a current store.
    fn version_8_database(dir: &Path) -> std::path::PathBuf {
        let current = dir.join("current.db");
        let store = SqliteStore::open(&current).unwrap();
        let mut store = with_quickstart(store, &["ana", "ben", "cat"], START);
        let mut engine = Engine::new(&mut store).unwrap();
        assert_eq!(engine.enter_by_triggers(START).unwrap().entered, 3);
        store
            .connection()
            .execute(
                "UPDATE outbox SET status = 'sent', attempts = 1, sent_at = ?1, \
                 message_id = '<m1@example-health.org>' WHERE id = 1",
                [START + 60],
            )
            .unwrap();
        drop(store);

        let old = dir.join("version8.db");
        let conn = Connection::open(&old).unwrap();
        for migration in &MIGRATIONS[..8] {
            conn.execute_batch(migration).unwrap();
        }
        conn.pragma_update(None, "user_version", 8).unwrap();
        conn.execute("ATTACH ?1 AS current", [current.to_str().unwrap()])
            .unwrap();
        for table in COPIED {
            conn.execute(
                &format!("INSERT INTO main.{table} SELECT * FROM current.{table}"),
                [],
            )
            .unwrap();
        }
        conn.execute(
            "INSERT INTO main.happenings (contact, at, kind, name, link, data, automated) \
             SELECT contact, at, kind, name, link, data, automated FROM current.happenings \
             ORDER BY contact, at, seq",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO main.outbox (id, key, contact, run, journey, step, email, priority, \
             due_at, status, attempts, reason, message_id, sent_at, lease_until) \
             SELECT id, contact || ':' || run || ':' || step || ':1', contact, run, journey, \
             step, email, priority, due_at, status, attempts, reason, message_id, sent_at, \
             lease_until FROM current.outbox",
            [],
        )
        .unwrap();
        old
    }

    #[test]
    fn a_version_8_database_migrates_and_its_runs_go_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = version_8_database(dir.path());
        let before = emails(&Connection::open(&path).unwrap());
        let stats_before = stats(&Connection::open(&path).unwrap());
        assert!(!stats_before.is_empty());
        assert_eq!(before.len(), 3);
        assert_eq!(before[0].3, "sent");

        let mut store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.upgraded(), Some((8, MIGRATIONS.len() as i64)));
        let conn = store.connection();
        assert_eq!(version(conn), MIGRATIONS.len() as i64);
        assert_eq!(emails(conn), before, "ids, keys and delivery kept");
        let stored_key = count(
            conn,
            "SELECT count(*) FROM pragma_table_xinfo('outbox') WHERE name = 'key'",
        );
        assert_eq!(stored_key, 0, "the key is made where it is read");
        assert_eq!(stats(conn), stats_before);
        let index = |name: &str| -> bool {
            conn.query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = ?1",
                [name],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
                == 1
        };
        assert!(index("runs_by_contact") && !index("one_active_run"));
        assert!(index("outbox_due") && index("outbox_leases"));
        let violations: i64 = conn
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(violations, 0);
        let enforced: i64 = conn
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        assert_eq!(enforced, 1, "foreign keys are on again");

        let mut engine = Engine::new(&mut store).unwrap();
        let ana = engine.store.contact_id("ana").unwrap().unwrap();
        assert_eq!(engine.enter_by_triggers(START).unwrap().entered, 0);
        assert_eq!(engine.enter(ana, 0, START).unwrap(), Entered::AlreadyIn);
        let due = START + 3 * 86_400;
        assert_eq!(engine.run_due(due, 100).unwrap().advanced, 3);
        assert_eq!(engine.run_due(due, 100).unwrap().advanced, 0);
        assert_eq!(
            engine.enter(ana, 0, START + 10 * 86_400).unwrap(),
            Entered::ReentryRefused
        );

        let after = emails(engine.store.connection());
        assert_eq!(after[..3], before[..], "the old rows are untouched");
        let tips: Vec<&Email> = after[3..].iter().collect();
        assert_eq!(tips.len(), 3, "one tip each, once");
        for (id, key, email, status, _) in tips {
            assert!(*id > 3);
            assert_eq!((email.as_str(), status.as_str()), ("portal_tip", "queued"));
            let run: i64 = key.split(':').nth(1).unwrap().parse().unwrap();
            assert!((1..=3).contains(&run), "{key} continues an old run");
        }
        let stats_after = stats(engine.store.connection());
        for row in &stats_before {
            assert!(stats_after.contains(row), "{row:?} counted again");
        }
        let ended: i64 = stats_after.iter().map(|(_, _, ended)| ended).sum();
        assert_eq!(ended, 3);
    }

    /// Happenings as a version-9 file kept them: by id, Ana's three at one
    /// instant recorded as an open, then a click, then an event, and Ben's
    /// between them.
    fn version_9_happenings(dir: &Path) -> std::path::PathBuf {
        let path = dir.join("version9.db");
        let conn = Connection::open(&path).unwrap();
        for migration in &MIGRATIONS[..9] {
            conn.execute_batch(migration).unwrap();
        }
        conn.pragma_update(None, "user_version", 9).unwrap();
        conn.execute_batch(
            "INSERT INTO contacts (id, external_id, fields, created_at, updated_at) VALUES \
               (1, 'ana', '{}', 0, 0), (2, 'ben', '{}', 0, 0);
             INSERT INTO happenings (id, contact, at, kind, name, link, data, automated) VALUES \
               (1, 1, 500, 'open', 'welcome', NULL, NULL, 1),
               (2, 2, 500, 'event', 'visit', NULL, '{\"kind\":\"x\"}', 0),
               (3, 1, 500, 'click', 'welcome', 'portal', NULL, 0),
               (4, 1, 400, 'update', NULL, NULL, '{\"plan\":\"gold\"}', 0),
               (5, 1, 500, 'event', 'visit', NULL, '{\"kind\":\"y\"}', 0);",
        )
        .unwrap();
        path
    }

    #[test]
    fn happenings_keep_their_order_and_contents_across_migration_10() {
        let dir = tempfile::tempdir().unwrap();
        let path = version_9_happenings(dir.path());
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.upgraded(), Some((9, MIGRATIONS.len() as i64)));
        drop(store);
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.upgraded(), None, "upgraded once");
        let fresh = SqliteStore::open(&dir.path().join("new.db")).unwrap();
        assert_eq!(fresh.upgraded(), None, "a new file is not an upgrade");

        let ana = store.happenings(1).unwrap();
        let seen: Vec<(i64, &str, Option<&str>)> = ana
            .iter()
            .map(|h| (h.at, h.kind.as_str(), h.link.as_deref()))
            .collect();
        assert_eq!(
            seen,
            [
                (400, "update", None),
                (500, "open", None),
                (500, "click", Some("portal")),
                (500, "event", None),
            ]
        );
        assert!(ana[1].automated && !ana[2].automated);
        assert_eq!(ana[3].data.as_ref().unwrap()["kind"], "y");
        assert_eq!(store.happenings(2).unwrap().len(), 1);

        let conn = store.connection();
        let sql: String = conn
            .query_row(
                "SELECT sql FROM sqlite_schema WHERE name = 'happenings'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(sql.contains("WITHOUT ROWID"), "{sql}");
        let index = count(
            conn,
            "SELECT count(*) FROM sqlite_schema WHERE name = 'happenings_by_contact'",
        );
        assert_eq!(index, 0, "the table's own order replaces the index");
    }

    #[test]
    fn happenings_of_one_contact_at_one_instant_keep_the_order_they_came_in() {
        let dir = tempfile::tempdir().unwrap();
        let path = version_9_happenings(dir.path());
        let mut store = SqliteStore::open(&path).unwrap();
        let event = |name: &str| Happening {
            contact: 2,
            at: 500,
            kind: HappeningKind::Event,
            name: Some(name.into()),
            link: None,
            data: None,
            automated: false,
        };
        let batch = [event("first"), event("second")];
        store.write_records(&batch, &[], 500).unwrap();
        store.write_records(&[event("third")], &[], 500).unwrap();

        let names: Vec<String> = store
            .happenings(2)
            .unwrap()
            .into_iter()
            .map(|h| h.name.unwrap())
            .collect();
        assert_eq!(names, ["visit", "first", "second", "third"]);
    }

    #[test]
    fn a_key_that_is_not_its_columns_text_stops_the_migration() {
        let dir = tempfile::tempdir().unwrap();
        let path = version_8_database(dir.path());
        Connection::open(&path)
            .unwrap()
            .execute("UPDATE outbox SET key = 'elsewhere' WHERE id = 2", [])
            .unwrap();

        assert!(SqliteStore::open(&path).is_err());
        let conn = Connection::open(&path).unwrap();
        assert_eq!(version(&conn), 8, "nothing of the migration was kept");
        assert_eq!(emails(&conn)[1].1, "elsewhere");
    }
}
