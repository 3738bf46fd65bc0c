//! A step that changes its contact's segments, on the engine: the contact's
//! runs of other journeys waiting for an update see the change at once,
//! and joining a segment enters the journeys that enter on it, at the same
//! instant, as the language reference says and the simulator does.

mod support;

use journey_runtime::engine::{Cause, Engine, Entered, Observed, Observer};
use journey_runtime::store::sqlite::SqliteStore;
use journey_runtime::store::ContactWrite;

const START: i64 = 1_799_398_800; // 2027-01-08T09:00:00Z
const DAY: i64 = 86_400;

const SCHEMA: &str = "contact {\n  email: email\n}\nlist all\nsegment vip\n\
    email perks {\n  kind treatment\n  subject \"Hi\"\n  body \"b.html\"\n}\n";

/// `journeys` deployed to an in-memory store holding contact `c` on list
/// `all`.
fn store_with(journeys: &str) -> SqliteStore {
    let program = support::compile_source(&format!("{SCHEMA}{journeys}"));
    let artifact = journey_runtime::artifact::encode(&program);
    let mut fields = serde_json::Map::new();
    fields.insert("email".into(), "c@example.org".into());
    let contact = ContactWrite {
        external_id: "c".into(),
        fields,
        zone: None,
        lists: vec!["all".into()],
        segments: vec![],
    };
    let store = SqliteStore::in_memory().unwrap();
    support::deploy_and_import(store, &artifact, &[contact], START)
}

/// The queued emails: (email, due at).
fn queued(store: &SqliteStore) -> Vec<(String, i64)> {
    let sql = "SELECT email, due_at FROM outbox ORDER BY id";
    support::select(store.connection(), sql, |r| Ok((r.get(0)?, r.get(1)?)))
}

/// Journey `one` adds the contact to `vip` after a day.
const ADDS_A_DAY_LATER: &str = "journey one {\n  from \"c@example.org\"\n  \
    enter on list all\n  wait 1 day\n  add to vip\n}\n";

#[test]
fn joining_a_segment_wakes_a_wait_for_it_in_another_journey_at_once() {
    let journeys = ADDS_A_DAY_LATER.to_string()
        + "journey two {\n  from \"c@example.org\"\n  enter on list all\n  \
           wait for in segment vip -> member\n  timeout 5 days\n  end\n  \
           member: send perks\n}\n";
    let mut store = store_with(&journeys);

    let mut engine = Engine::new(&mut store).unwrap();
    assert_eq!(engine.enter_by_triggers(START).unwrap().entered, 2);
    engine.run_due(START + DAY, 100).unwrap();

    assert_eq!(
        queued(&store),
        [("perks".to_string(), START + DAY)],
        "sent when the contact joined, not at the timeout"
    );
}

#[test]
fn joining_a_segment_enters_the_journeys_that_enter_on_it() {
    let journeys = ADDS_A_DAY_LATER.to_string()
        + "journey two {\n  from \"c@example.org\"\n  enter on segment vip\n  send perks\n}\n";
    let mut store = store_with(&journeys);

    let mut engine = Engine::new(&mut store).unwrap();
    assert_eq!(engine.enter_by_triggers(START).unwrap().entered, 1);
    engine.run_due(START + DAY, 100).unwrap();
    let c = engine.store.contact_id("c").unwrap().unwrap();
    assert_eq!(
        engine.enter(c, 1, START + 2 * DAY).unwrap(),
        Entered::ReentryRefused,
        "the run of `two` took place and ended"
    );

    assert_eq!(queued(&store), [("perks".to_string(), START + DAY)]);
}

/// Records why each entry happened: (journey, cause).
#[derive(Default)]
struct Entries(Vec<(u16, Cause)>);

impl Observer for Entries {
    fn committed(&mut self, step: &Observed<'_>) {
        if let Some(cause) = step.entered {
            self.0.push((step.journey, cause.clone()));
        }
    }
}

#[test]
fn the_observer_hears_why_each_contact_entered() {
    let journeys = ADDS_A_DAY_LATER.to_string()
        + "journey two {\n  from \"c@example.org\"\n  enter on segment vip\n  \
           goto journey three\n}\n\
           journey three {\n  from \"c@example.org\"\n  send perks\n}\n";
    let mut store = store_with(&journeys);
    let mut entries = Entries::default();

    let mut engine = Engine::new(&mut store).unwrap().observed_by(&mut entries);
    engine.enter_by_triggers(START).unwrap();
    engine.run_due(START + DAY, 100).unwrap();
    drop(engine);
    support::assert_references_hold(store.connection());

    assert_eq!(
        entries.0,
        [
            (0, Cause::List),
            (1, Cause::JoinedSegment),
            (2, Cause::HandedFrom("two".into()))
        ]
    );
}
