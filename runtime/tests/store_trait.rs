//! The engine reaches storage through the `Store` trait only: driven on a
//! store of the test's own (SQLite underneath, every call counted, commits
//! refused on demand), it does what it does on `SqliteStore` itself.

mod support;

use journey_runtime::engine::delivery::{DeliveryTally, MailSetup, Postman};
use journey_runtime::engine::{Cause, Engine, EngineError, Entered, Observed, Observer, Tally};
use journey_runtime::mail::{Outgoing, SendError, Transport};
use journey_runtime::store::sqlite::SqliteStore;
use journey_runtime::store::*;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

const START: i64 = 1_799_398_800; // 2027-01-08T09:00:00Z
const DAY: i64 = 86_400;

/// The quickstart deployed, with Ana and Ben on its list, both consenting
/// to marketing mail.
fn quickstart_store(dir: &Path) -> SqliteStore {
    let store = SqliteStore::open(&dir.join("journey.db")).unwrap();
    let mut store = support::with_quickstart(store, &["ana", "ben"], START);
    for id in store.all_contacts().unwrap() {
        let granted = Consent {
            granted_at: Some(START - DAY),
            ..Consent::default()
        };
        store.set_consent(id, granted).unwrap();
    }
    store
}

/// A transport into memory (it reaches no one).
#[derive(Default)]
struct Kept(Mutex<Vec<String>>);

impl Transport for Kept {
    fn send(&self, message: &Outgoing) -> std::result::Result<(), SendError> {
        let id = message.message_id().to_string();
        self.0.lock().unwrap().push(id);
        Ok(())
    }

    fn reaches_people(&self) -> bool {
        false
    }
}

/// Entries, a click, the timeout three days on, and delivery after each.
fn quickstart_week<S: Store + ?Sized>(store: &mut S) -> (Vec<Tally>, Vec<DeliveryTally>) {
    let mut engine = Engine::new(store).unwrap();
    let program = engine.program();
    let templates = support::quickstart_templates(&program);
    let transport = Kept::default();
    let setup = MailSetup::off();
    let postman = Postman {
        program: &program,
        templates: &templates,
        transport: &transport,
        setup: &setup,
    };

    let first = engine.enter_by_triggers(START).unwrap();
    let mut sent = vec![postman.deliver(engine.store, START, 100).unwrap()];
    let click = support::portal_click(1, START + DAY);
    let clicked = engine.happen(&click, START + DAY).unwrap();
    let due = engine.run_due(START + 3 * DAY, 100).unwrap();
    sent.push(postman.deliver(engine.store, START + 3 * DAY, 100).unwrap());
    assert_eq!(engine.next_due().unwrap(), None, "nothing left to do");
    (vec![first, clicked, due], sent)
}

/// The outbox as (contact, email, status), in order.
fn outbox(store: &SqliteStore) -> Vec<(i64, String, String)> {
    let sql = "SELECT contact, email, status FROM outbox ORDER BY id";
    support::select(store.connection(), sql, |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })
}

/// SQLite underneath; every call counted by name; step commits refused
/// while `refuse_commits` is set, batches' last commit while
/// `refuse_finishes` is.
struct Counting {
    inner: SqliteStore,
    calls: RefCell<BTreeMap<&'static str, u64>>,
    refuse_commits: bool,
    refuse_finishes: bool,
}

impl Counting {
    fn new(inner: SqliteStore) -> Counting {
        Counting {
            inner,
            calls: RefCell::default(),
            refuse_commits: false,
            refuse_finishes: false,
        }
    }

    fn count(&self, method: &'static str) {
        *self.calls.borrow_mut().entry(method).or_default() += 1;
    }

    fn calls(&self, method: &str) -> u64 {
        self.calls.borrow().get(method).copied().unwrap_or(0)
    }
}

impl Store for Counting {
    fn latest_deployment(&self) -> Result<Option<(DeploymentId, Vec<u8>)>> {
        self.count("latest_deployment");
        self.inner.latest_deployment()
    }

    fn deployment(&self, id: DeploymentId) -> Result<Vec<u8>> {
        self.count("deployment");
        self.inner.deployment(id)
    }

    fn members_page(
        &self,
        members: Members,
        after: ContactId,
        limit: usize,
    ) -> Result<Vec<ContactId>> {
        self.count("members_page");
        self.inner.members_page(members, after, limit)
    }

    fn contacts_page(&self, after: ContactId, limit: usize) -> Result<Vec<ContactId>> {
        self.count("contacts_page");
        self.inner.contacts_page(after, limit)
    }

    fn engine_contacts(&self, ids: &[ContactId]) -> Result<Vec<ContactRow>> {
        self.count("engine_contacts");
        for _ in ids {
            self.count("contacts_read");
        }
        self.inner.engine_contacts(ids)
    }

    fn contact(&self, id: ContactId) -> Result<Option<StoredContact>> {
        self.count("contact");
        self.inner.contact(id)
    }

    fn set_zone(&mut self, contact: ContactId, zone: Option<&str>) -> Result<()> {
        self.count("set_zone");
        self.inner.set_zone(contact, zone)
    }

    fn record(&mut self, happening: &Happening) -> Result<()> {
        self.count("record");
        self.inner.record(happening)
    }

    fn write_records(
        &mut self,
        happenings: &[Happening],
        audit: &[AuditEntry],
        now: i64,
    ) -> Result<()> {
        self.count("write_records");
        self.inner.write_records(happenings, audit, now)
    }

    fn entry_statuses(&self, journey: &str, contacts: &[ContactId]) -> Result<Vec<EntryStatus>> {
        self.count("entry_statuses");
        self.inner.entry_statuses(journey, contacts)
    }

    fn due_runs(&self, now: i64, limit: usize) -> Result<Vec<RunRow>> {
        self.count("due_runs");
        self.inner.due_runs(now, limit)
    }

    fn runs_woken_by(&self, contact: ContactId, wakes: u8) -> Result<Vec<RunRow>> {
        self.count("runs_woken_by");
        self.inner.runs_woken_by(contact, wakes)
    }

    fn active_runs(&self, contact: ContactId) -> Result<Vec<RunRow>> {
        self.count("active_runs");
        self.inner.active_runs(contact)
    }

    fn next_wake(&self) -> Result<Option<i64>> {
        self.count("next_wake");
        self.inner.next_wake()
    }

    fn begin_batch(&mut self) -> Result<()> {
        self.count("begin_batch");
        self.inner.begin_batch()
    }

    fn finish_batch(&mut self) -> Result<()> {
        self.count("finish_batch");
        if self.refuse_finishes {
            return Err(StoreError::Corrupt("batch refused by the test".into()));
        }
        self.inner.finish_batch()
    }

    fn abandon_batch(&mut self) -> Result<()> {
        self.count("abandon_batch");
        self.inner.abandon_batch()
    }

    fn commit_all(&mut self, commits: &[StepCommit]) -> Result<Vec<CommitOutcome>> {
        self.count("commit_all");
        if self.refuse_commits {
            return Err(StoreError::Corrupt("commits refused by the test".into()));
        }
        self.inner.commit_all(commits)
    }

    fn unscheduled_for_date(&self, journey: &str, limit: usize) -> Result<Vec<ContactId>> {
        self.count("unscheduled_for_date");
        self.inner.unscheduled_for_date(journey, limit)
    }

    fn schedule_date_entry(
        &mut self,
        journey: &str,
        contact: ContactId,
        due_at: i64,
    ) -> Result<()> {
        self.count("schedule_date_entry");
        self.inner.schedule_date_entry(journey, contact, due_at)
    }

    fn forget_date_entries(&mut self, contact: ContactId) -> Result<()> {
        self.count("forget_date_entries");
        self.inner.forget_date_entries(contact)
    }

    fn due_date_entries(&self, now: i64, limit: usize) -> Result<Vec<(String, ContactId, i64)>> {
        self.count("due_date_entries");
        self.inner.due_date_entries(now, limit)
    }

    fn next_date_entry(&self) -> Result<Option<i64>> {
        self.count("next_date_entry");
        self.inner.next_date_entry()
    }

    fn claim_outbox(
        &mut self,
        now: i64,
        limit: usize,
        real_now: i64,
        lease: i64,
    ) -> Result<Vec<OutboxRow>> {
        self.count("claim_outbox");
        self.inner.claim_outbox(now, limit, real_now, lease)
    }

    fn release_claims(&mut self, ids: &[i64]) -> Result<()> {
        self.count("release_claims");
        self.inner.release_claims(ids)
    }

    fn settle(
        &mut self,
        id: i64,
        delivery: Delivery,
        reason: Option<&str>,
        message_id: Option<&str>,
        now: i64,
    ) -> Result<()> {
        self.count("settle");
        self.inner.settle(id, delivery, reason, message_id, now)
    }

    fn next_outbox_due(&self, real_now: i64) -> Result<Option<i64>> {
        self.count("next_outbox_due");
        self.inner.next_outbox_due(real_now)
    }

    fn consent(&self, contact: ContactId) -> Result<Consent> {
        self.count("consent");
        self.inner.consent(contact)
    }

    fn suppression(&self, contact: ContactId) -> Result<Option<String>> {
        self.count("suppression");
        self.inner.suppression(contact)
    }

    fn address_suppression(&self, address: &str) -> Result<Option<String>> {
        self.count("address_suppression");
        self.inner.address_suppression(address)
    }
}

#[test]
fn the_engine_on_another_store_does_what_it_does_on_sqlite() {
    let (plain_dir, counted_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut plain = quickstart_store(plain_dir.path());
    let mut counted = Counting::new(quickstart_store(counted_dir.path()));

    let on_sqlite = quickstart_week(&mut plain);
    let through_the_trait = quickstart_week(&mut counted as &mut dyn Store);

    assert_eq!(through_the_trait, on_sqlite);
    let written = outbox(&counted.inner);
    assert_eq!(written, outbox(&plain));
    assert_eq!(written.len(), 3, "two welcomes and Ben's tip: {written:?}");
    assert!(written.iter().all(|(_, _, status)| status == "sent"));

    let sent = on_sqlite.1.iter().map(|t| t.sent).sum::<u64>();
    assert_eq!(
        counted.calls("settle"),
        sent,
        "each email settled through the trait"
    );
    assert_eq!(counted.calls("claim_outbox"), 2);
    assert_eq!(counted.calls("record"), 1, "the click");
    assert_eq!(counted.calls("latest_deployment"), 1);
    assert!(counted.calls("commit_all") >= 2, "entries and the timeout");
    assert_eq!(counted.calls("begin_batch"), counted.calls("finish_batch"));
    assert_eq!(counted.calls("abandon_batch"), 0);
}

#[test]
fn a_failed_commit_abandons_its_batch_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut counted = Counting::new(quickstart_store(dir.path()));
    counted.refuse_commits = true;

    let mut engine = Engine::new(&mut counted).unwrap();
    let refused = engine.enter_by_triggers(START);
    assert!(matches!(
        refused,
        Err(EngineError::Store(StoreError::Corrupt(_)))
    ));

    assert_eq!(counted.calls("commit_all"), 1);
    assert_eq!(counted.calls("abandon_batch"), 1);
    assert_eq!(counted.calls("finish_batch"), 0);
    let runs = counted.inner.active_runs(1).unwrap();
    assert!(runs.is_empty(), "the batch's reads and writes rolled back");

    counted.refuse_commits = false;
    let entered = Engine::new(&mut counted).unwrap().enter_by_triggers(START);
    assert_eq!(entered.unwrap().entered, 2, "the store is usable after");
}

/// Counts the steps and refused entries it is told of.
#[derive(Default)]
struct Told {
    steps: u64,
    not_entered: u64,
}

impl Observer for Told {
    fn committed(&mut self, _: &Observed<'_>) {
        self.steps += 1;
    }

    fn not_entered(&mut self, _: ContactId, _: u16, _: Entered, _: &Cause, _: i64) {
        self.not_entered += 1;
    }
}

#[test]
fn the_observer_hears_nothing_of_a_batch_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut counted = Counting::new(quickstart_store(dir.path()));
    counted.refuse_finishes = true;
    let mut told = Told::default();

    let mut engine = Engine::new(&mut counted).unwrap().observed_by(&mut told);
    assert!(engine.enter_by_triggers(START).is_err());
    drop(engine);
    assert_eq!((told.steps, told.not_entered), (0, 0));
    assert_eq!(
        counted.calls("commit_all"),
        1,
        "the steps were committed in the batch"
    );
    assert_eq!(counted.calls("abandon_batch"), 1);

    counted.refuse_finishes = false;
    let mut engine = Engine::new(&mut counted).unwrap().observed_by(&mut told);
    assert_eq!(engine.enter_by_triggers(START).unwrap().entered, 2);
    assert_eq!(engine.enter_by_triggers(START).unwrap().entered, 0);
    drop(engine);
    assert_eq!(
        (told.steps, told.not_entered),
        (2, 2),
        "two entries, then two already in"
    );
}

/// Two journeys after the same two days' wait: one ends, one branches on
/// the contact's plan into one of two emails.
const AFTER_A_WAIT: &str = r#"
contact {
  email: email
  plan: text
}

list members "Members"

email gold_news {
  kind treatment
  subject "Gold"
  body "news.html"
}

email plain_news {
  kind treatment
  subject "News"
  body "news.html"
}

journey ends {
  from "Example Health <care@example.org>"
  enter on list members
  wait 2 days
}

journey branches {
  from "Example Health <care@example.org>"
  enter on list members
  wait 2 days
  branch {
    when contact.plan == "gold" -> gold
    else -> plain
  }
  gold: send gold_news
  end
  plain: send plain_news
}
"#;

/// A store with [`AFTER_A_WAIT`] deployed and a gold and a silver member.
fn after_a_wait_store(dir: &Path) -> SqliteStore {
    let program = support::compile_source(AFTER_A_WAIT);
    let artifact = journey_runtime::artifact::encode(&program);
    let store = SqliteStore::open(&dir.join("journey.db")).unwrap();
    let contacts = [
        support::peer_member("gold", "gold"),
        support::peer_member("silver", "silver"),
    ];
    support::deploy_and_import(store, &artifact, &contacts, START)
}

#[test]
fn a_resume_reads_its_contact_only_when_its_steps_ask() {
    let dir = tempfile::tempdir().unwrap();
    let mut counted = Counting::new(after_a_wait_store(dir.path()));
    let mut engine = Engine::new(&mut counted as &mut dyn Store).unwrap();
    assert_eq!(engine.enter_by_triggers(START).unwrap().entered, 4);
    drop(engine);
    let (calls, read) = (
        counted.calls("engine_contacts"),
        counted.calls("contacts_read"),
    );

    let mut engine = Engine::new(&mut counted as &mut dyn Store).unwrap();
    let due = engine.run_due(START + 2 * DAY, 100).unwrap();
    assert_eq!(due.advanced, 4);
    drop(engine);
    assert_eq!(
        counted.calls("engine_contacts") - calls,
        1,
        "one read, in one go"
    );
    assert_eq!(
        counted.calls("contacts_read") - read,
        2,
        "the contacts of the two runs that branch; none for the two that end"
    );

    let sql = "SELECT c.external_id, o.email FROM outbox o \
               JOIN contacts c ON c.id = o.contact ORDER BY o.id";
    let sent = support::select(counted.inner.connection(), sql, |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    });
    let sent: Vec<(&str, &str)> = sent.iter().map(|(c, e)| (&c[..], &e[..])).collect();
    assert_eq!(sent, [("gold", "gold_news"), ("silver", "plain_news")]);
    support::assert_references_hold(counted.inner.connection());
}
