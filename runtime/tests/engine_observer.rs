//! The engine's observer: told each committed step with the VM's effects,
//! and each entry decided against, on an in-memory store; an engine
//! nobody watches commits the same.

mod support;

use journey_runtime::engine::{Cause, Engine, Entered, Observed, Observer};
use journey_runtime::store::sqlite::SqliteStore;
use journey_runtime::store::ContactId;
use journey_runtime::vm::Effect;

const START: i64 = 1_799_398_800; // 2027-01-08T09:00:00Z
const DAY: i64 = 86_400;

/// One told step: (now, contact, journey, why it entered if it did,
/// parked, emails sent, ended).
type Told = (
    i64,
    ContactId,
    String,
    Option<Cause>,
    bool,
    Vec<String>,
    bool,
);

#[derive(Default)]
struct Watcher {
    steps: Vec<Told>,
    refused: Vec<(ContactId, String, Entered, Cause)>,
    /// Per told step: the step id the run is at after it, and its timer.
    at: Vec<(String, Option<i64>)>,
    /// Journey names of the latest program, for `not_entered`.
    journeys: Vec<String>,
}

impl Observer for Watcher {
    fn committed(&mut self, step: &Observed<'_>) {
        let program = step.program;
        let sent = step
            .effects
            .iter()
            .filter_map(|effect| match effect {
                Effect::Send { email, .. } => Some(program.emails[*email as usize].name.clone()),
                _ => None,
            })
            .collect();
        let ended = step.effects.iter().any(|e| matches!(e, Effect::Ended(_)));
        let code = &program.journeys[step.journey as usize].code;
        let at = code.steps[step.step as usize].id.clone();
        self.at.push((at, step.wake_at));
        let journey = code.name.clone();
        self.steps.push((
            step.now,
            step.contact,
            journey,
            step.entered.cloned(),
            step.parked,
            sent,
            ended,
        ));
    }

    fn not_entered(
        &mut self,
        contact: ContactId,
        journey: u16,
        why: Entered,
        cause: &Cause,
        _now: i64,
    ) {
        let journey = self.journeys[journey as usize].clone();
        self.refused.push((contact, journey, why, cause.clone()));
    }
}

/// The quickstart in a fresh in-memory store, with Ana and Ben imported.
fn quickstart_store() -> SqliteStore {
    let store = SqliteStore::in_memory().unwrap();
    support::with_quickstart(store, &["ana", "ben"], START)
}

/// Enters both, lets Ana click a day later and Ben time out after three
/// days; returns the outbox (contact, email) in queue order.
fn play(engine: &mut Engine<'_>) -> Vec<(ContactId, String)> {
    engine.enter_by_triggers(START).unwrap();
    engine.enter_by_triggers(START + 1).unwrap();
    let ana = engine.store.contact_id("ana").unwrap().unwrap();
    let click = support::portal_click(ana, START + DAY);
    engine.happen(&click, START + DAY).unwrap();
    engine.run_due(START + 3 * DAY, 100).unwrap();
    assert_eq!(
        engine.enter(ana, 0, START + 4 * DAY).unwrap(),
        Entered::ReentryRefused
    );

    let sql = "SELECT contact, email FROM outbox ORDER BY id";
    support::select(engine.store.connection(), sql, |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
}

#[test]
fn the_observer_is_told_every_committed_step_and_every_entry_refused() {
    let mut store = quickstart_store();
    let mut watcher = Watcher {
        journeys: vec!["welcome".into()],
        ..Watcher::default()
    };
    let mut engine = Engine::new(&mut store).unwrap().observed_by(&mut watcher);
    let outbox = play(&mut engine);
    drop(engine);

    let ana = store.contact_id("ana").unwrap().unwrap();
    let ben = store.contact_id("ben").unwrap().unwrap();
    let welcome = || "welcome".to_string();
    let sent = |emails: &[&str]| emails.iter().map(|e| e.to_string()).collect::<Vec<_>>();
    assert_eq!(
        watcher.steps,
        vec![
            (
                START,
                ana,
                welcome(),
                Some(Cause::List),
                true,
                sent(&["welcome"]),
                false
            ),
            (
                START,
                ben,
                welcome(),
                Some(Cause::List),
                true,
                sent(&["welcome"]),
                false
            ),
            (START + DAY, ana, welcome(), None, false, sent(&[]), true),
            (
                START + 3 * DAY,
                ben,
                welcome(),
                None,
                false,
                sent(&["portal_tip"]),
                true
            ),
        ]
    );
    assert_eq!(
        watcher.refused,
        vec![
            (ana, welcome(), Entered::AlreadyIn, Cause::List),
            (ben, welcome(), Entered::AlreadyIn, Cause::List),
            (ana, welcome(), Entered::ReentryRefused, Cause::Enrolled),
        ]
    );

    let wait = || "start+2".to_string();
    assert_eq!(
        watcher.at,
        [
            (wait(), Some(START + 3 * DAY)),
            (wait(), Some(START + 3 * DAY)),
            ("done".to_string(), None),
            ("done".to_string(), None),
        ],
        "where each run waits, or ended, and its timer"
    );

    let told: Vec<(ContactId, String)> = watcher
        .steps
        .iter()
        .flat_map(|(_, contact, _, _, _, sent, _)| sent.iter().map(|e| (*contact, e.clone())))
        .collect();
    assert_eq!(told, outbox, "the sends told are the emails committed");
}

#[test]
fn an_engine_nobody_watches_commits_the_same() {
    let mut watched = quickstart_store();
    let mut watcher = Watcher {
        journeys: vec!["welcome".into()],
        ..Watcher::default()
    };
    let with = play(&mut Engine::new(&mut watched).unwrap().observed_by(&mut watcher));

    let mut unwatched = quickstart_store();
    let without = play(&mut Engine::new(&mut unwatched).unwrap());

    assert_eq!(with.len(), 3);
    assert_eq!(with, without);
}
