//! The simulator: journeys run against scripted contacts and happenings on
//! a virtual clock, by the engine itself.
//!
//! The simulator is the engine on another store, clock and mail: a
//! [`SqliteStore`] in memory (same schema and migrations as a file), the
//! virtual clock, and an outbox that is never delivered. The program is
//! deployed into that store, the contacts are imported as `journey
//! contacts import` writes them, and each scripted happening goes through
//! [`Engine::happen`], as `journey event` sends one. Entering, waking and
//! timers are the engine's; there is no second implementation of them.
//! What the simulator prints (each contact's timeline, per-step counts)
//! is built by an engine observer (`timeline`) from what the engine
//! commits.
//!
//! A send step shows as sent when the engine queues its email. Consent and
//! suppression are checked when an email is delivered, and nothing is
//! delivered here: the simulator shows what the journeys do, and every
//! send step as sent, whatever the contacts' consent columns say.
//!
//! Order of work at one instant: scripted happenings first (in file order),
//! then date-triggered entries, then timers (as [`Engine::run_due`] does
//! them). So an event stamped exactly at a timeout is seen before the
//! timeout fires (and the VM would give it the win even the other way
//! round). Within one happening, the runs it wakes advance before the
//! journeys it triggers are entered (as [`Engine::happen`] does), so a
//! contact's timeline lists them in that order.
//!
//! Given the same inputs it prints the same output, byte for byte: the
//! store is new each time, its ids follow the input's order, and the
//! engine reads in id order.

pub mod contacts;
pub mod events;
pub mod explain;
mod feed;
pub mod history;
pub mod report;
mod timeline;
pub mod value;

use crate::artifact;
use crate::bytecode::{JourneyId, Program};
use crate::clock::{Clock, VirtualClock};
use crate::engine::{convert, Engine, EngineError, BATCH};
use crate::store::sqlite::SqliteStore;
use crate::store::{ContactWrite, StoreError};
use crate::vm::WaitOutcome;
use contacts::ContactRecord;
use events::Scripted;
use explain::Explain;
use std::cell::RefCell;
use std::collections::HashMap;
use timeline::{Timelines, Watching};

pub struct Options {
    /// The virtual clock's start, seconds since the epoch.
    pub start: i64,
    /// Stop before anything later than this.
    pub until: i64,
    /// Enter every contact into this journey at the start, instead of
    /// using the triggers.
    pub enter: Option<JourneyId>,
}

/// One line of a contact's timeline.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Moment {
    pub at: i64,
    pub journey: String,
    pub step: Option<String>,
    pub what: String,
}

/// Counts per step of one journey.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct StepCounts {
    pub arrived: u64,
    pub sent: u64,
    pub waiting_now: u64,
    pub ended_here: u64,
}

pub struct Outcome {
    pub contacts: Vec<(String, Vec<Moment>)>,
    /// Per journey, per step.
    pub steps: Vec<Vec<StepCounts>>,
    pub finished_at: i64,
}

pub struct Simulation<'p> {
    program: &'p Program,
    explain: &'p Explain,
    records: Vec<ContactRecord>,
}

impl<'p> Simulation<'p> {
    pub fn new(program: &'p Program, explain: &'p Explain, records: Vec<ContactRecord>) -> Self {
        Simulation {
            program,
            explain,
            records,
        }
    }

    /// Runs the simulation. An error is the in-memory store's, which
    /// should not happen.
    pub fn run(self, scripted: &[Scripted], options: &Options) -> Result<Outcome, EngineError> {
        let program = self.program;
        let mut store = SqliteStore::in_memory()?;
        store.deploy(&artifact::encode(program), options.start)?;
        let ids = import(&mut store, program, &self.records, options.start)?;
        let places = ids.iter().enumerate().map(|(place, id)| (*id, place));
        let timelines = RefCell::new(Timelines::new(
            program,
            self.explain,
            places.collect::<HashMap<_, _>>(),
            options.until,
        ));
        let mut watching = Watching(&timelines);
        let mut engine = Engine::new(&mut store)?.observed_by(&mut watching);

        let clock = VirtualClock::starting_at(options.start);
        if let Some(journey) = options.enter {
            engine.enter_many(&ids, journey, options.start)?;
        } else {
            engine.enter_by_triggers(options.start)?;
        }

        // Scripted happenings in time order, file order within an instant.
        let mut order: Vec<usize> = (0..scripted.len()).collect();
        order.sort_by_key(|&row| scripted[row].at);
        let mut next = order.iter().peekable();
        loop {
            let wake = engine.store.next_wake()?;
            let date = engine.store.next_date_entry()?.filter(|at| *at != i64::MAX);
            let script = next.peek().map(|&&row| scripted[row].at);
            let Some(now) = [wake, date, script].into_iter().flatten().min() else {
                break;
            };
            if now > options.until {
                break;
            }
            clock.advance_to(now);

            while let Some(&row) = next.next_if(|&&row| scripted[row].at == now) {
                let row = &scripted[row];
                let (happening, line) = feed::happening(program, row, ids[row.contact]);
                timelines
                    .borrow_mut()
                    .note(row.contact, now, "", None, line);
                engine.happen(&happening, now)?;
            }
            engine.run_due(now, BATCH)?;
        }
        drop(engine);

        let mut timelines = timelines.into_inner();
        timelines.count_waiting();
        let finished_at = timelines
            .last_timer
            .map_or(clock.now(), |t| t.max(clock.now()));
        Ok(Outcome {
            contacts: self
                .records
                .into_iter()
                .map(|r| r.id)
                .zip(timelines.timelines)
                .collect(),
            steps: timelines.steps,
            finished_at,
        })
    }
}

/// Imports the contacts as `journey contacts import` writes them (in one
/// transaction, consent and suppression columns left alone); returns their
/// store ids in input order.
fn import(
    store: &mut SqliteStore,
    program: &Program,
    records: &[ContactRecord],
    now: i64,
) -> Result<Vec<i64>, StoreError> {
    let names = |indexes: &std::collections::BTreeSet<u16>, table: &[String]| {
        indexes.iter().map(|i| table[*i as usize].clone()).collect()
    };
    let mut import = store.begin_import(now)?;
    let mut ids = Vec::with_capacity(records.len());
    for record in records {
        let write = ContactWrite {
            external_id: record.id.clone(),
            fields: convert::to_json(program, &record.fields),
            zone: record.zone.map(|z| z.name().to_string()),
            lists: names(&record.lists, &program.lists),
            segments: names(&record.segments, &program.segments),
        };
        ids.push(import.upsert(&write)?);
    }
    import.commit("simulate", "import", &format!("{} contacts", records.len()))?;
    Ok(ids)
}

/// For messages about waits.
pub fn outcome_text(outcome: WaitOutcome) -> String {
    match outcome {
        WaitOutcome::PassedAtOnce => "wait passed at once".into(),
        WaitOutcome::Elapsed => "wait over".into(),
        WaitOutcome::Late => "too late: took the late arm".into(),
        WaitOutcome::Missing => "field missing: took the missing arm".into(),
        WaitOutcome::Arm { arm, .. } => format!("arm {} happened", arm + 1),
        WaitOutcome::Timeout => "timed out".into(),
    }
}
