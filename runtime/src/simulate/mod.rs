//! The simulator: journeys run against scripted contacts and happenings on
//! a virtual clock.
//!
//! The simulator is a host of the VM, like the engine: it keeps contacts,
//! their history and their runs in memory, enters contacts through the
//! journeys' triggers, feeds the VM every timer and happening in time
//! order, and applies the effects. It records each contact's timeline and
//! per-step counts. Given the same inputs it prints the same output, byte
//! for byte: every collection is ordered and ties are broken by a sequence
//! number.
//!
//! Order of work at one instant: scripted happenings first (in file order),
//! then date-triggered entries, then timers. So an event stamped exactly at
//! a timeout is seen before the timeout fires (and the VM would give it the
//! win even the other way round).

pub mod contacts;
pub mod events;
pub mod explain;
pub mod history;
pub mod report;
pub mod value;

use crate::bytecode::{Entry, JourneyId, Program};
use crate::clock::{Clock, VirtualClock};
use crate::entry_rules as rules;
use crate::eval::{holds, Scope};
use crate::state::RunState;
use crate::vm::{Effect, Status, Vm, WaitOutcome, Wakes};
use contacts::ContactRecord;
use events::{Happening, Scripted};
use explain::Explain;
use history::Contact;
use journey_compiler::check::program::Base;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

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

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Task {
    Script(usize),
    DateEntry {
        contact: usize,
        journey: JourneyId,
    },
    Timer {
        contact: usize,
        journey: JourneyId,
        generation: u64,
    },
}

struct Run {
    state: RunState,
    generation: u64,
}

/// Why a contact enters a journey, for the timeline.
enum Why<'a> {
    Trigger(&'a str),
    HandedFrom(&'a str),
}

pub struct Simulation<'p> {
    program: &'p Program,
    vm: Vm<'p>,
    explain: &'p Explain,
    contacts: Vec<Contact>,
    runs: Vec<Vec<Option<Run>>>,
    last_end: Vec<Vec<Option<i64>>>,
    /// What each parked run waits for, besides its timer.
    wakes: Vec<Vec<Wakes>>,
    queue: BinaryHeap<Reverse<(i64, u8, u64, Task)>>,
    sequence: u64,
    timelines: Vec<Vec<Moment>>,
    steps: Vec<Vec<StepCounts>>,
    effects: Vec<Effect>,
}

impl<'p> Simulation<'p> {
    pub fn new(program: &'p Program, explain: &'p Explain, records: Vec<ContactRecord>) -> Self {
        let journeys = program.journeys.len();
        let count = records.len();
        Simulation {
            program,
            vm: Vm::new(program),
            explain,
            contacts: records.into_iter().map(Contact::new).collect(),
            runs: (0..count)
                .map(|_| (0..journeys).map(|_| None).collect())
                .collect(),
            last_end: vec![vec![None; journeys]; count],
            wakes: vec![vec![Wakes::NOTHING; journeys]; count],
            queue: BinaryHeap::new(),
            sequence: 0,
            timelines: vec![Vec::new(); count],
            steps: program
                .journeys
                .iter()
                .map(|j| vec![StepCounts::default(); j.code.steps.len()])
                .collect(),
            effects: Vec::new(),
        }
    }

    fn schedule(&mut self, at: i64, task: Task) {
        let class = match task {
            Task::Script(_) => 0,
            Task::DateEntry { .. } => 1,
            Task::Timer { .. } => 2,
        };
        self.sequence += 1;
        self.queue.push(Reverse((at, class, self.sequence, task)));
    }

    pub fn run(mut self, scripted: &[Scripted], options: &Options) -> Outcome {
        for (index, happening) in scripted.iter().enumerate() {
            self.schedule(happening.at, Task::Script(index));
        }
        self.start(options);

        let clock = VirtualClock::starting_at(options.start);
        while let Some(Reverse((at, _, _, task))) = self.queue.pop() {
            if at > options.until {
                break;
            }
            clock.advance_to(at);
            let now = clock.now();
            match task {
                Task::Script(index) => self.happen(&scripted[index], now),
                Task::DateEntry { contact, journey } => {
                    self.enter(contact, journey, now, Why::Trigger("on its date"));
                    self.schedule_date_entry(contact, journey, now + 1);
                }
                Task::Timer {
                    contact,
                    journey,
                    generation,
                } => {
                    let current = self.runs[contact][journey as usize].as_ref();
                    if current.is_some_and(|run| run.generation == generation) {
                        self.resume(contact, journey, now);
                    }
                }
            }
        }

        for journey in 0..self.program.journeys.len() {
            for step in self.runs_of(journey) {
                self.steps[journey][step].waiting_now += 1;
            }
        }
        Outcome {
            contacts: self
                .contacts
                .iter()
                .map(|c| c.record.id.clone())
                .zip(self.timelines)
                .collect(),
            steps: self.steps,
            finished_at: clock.now(),
        }
    }

    /// The steps where runs of `journey` wait now.
    fn runs_of(&self, journey: usize) -> Vec<usize> {
        let code = &self.program.journeys[journey].code;
        self.runs
            .iter()
            .filter_map(|runs| runs[journey].as_ref())
            .map(|run| {
                code.steps
                    .partition_point(|s| s.pc <= run.state.pc)
                    .saturating_sub(1)
            })
            .collect()
    }

    fn start(&mut self, options: &Options) {
        let now = options.start;
        if let Some(journey) = options.enter {
            for contact in 0..self.contacts.len() {
                self.enter(contact, journey, now, Why::Trigger("with --enter"));
            }
            return;
        }
        for journey in 0..self.program.journeys.len() as JourneyId {
            let entries = &self.program.journeys[journey as usize].entries;
            for entry in entries {
                for contact in 0..self.contacts.len() {
                    let record = &self.contacts[contact].record;
                    match entry {
                        Entry::List(list) if record.lists.contains(list) => {
                            self.enter(contact, journey, now, Why::Trigger("on its list"))
                        }
                        Entry::Segment(s) if record.segments.contains(s) => {
                            self.enter(contact, journey, now, Why::Trigger("in its segment"))
                        }
                        Entry::When(cond) if self.condition(contact, journey, *cond, now) => {
                            self.enter(contact, journey, now, Why::Trigger("its condition held"))
                        }
                        Entry::Date { .. } => self.schedule_date_entry(contact, journey, now),
                        _ => {}
                    }
                }
            }
        }
    }

    /// Schedules the next date-triggered entry at or after `from`.
    fn schedule_date_entry(&mut self, contact: usize, journey: JourneyId, from: i64) {
        let facts = &self.contacts[contact];
        if let Some(when) = rules::next_date_entry(self.program, journey, facts, from) {
            self.schedule(when, Task::DateEntry { contact, journey });
        }
    }

    fn condition(
        &self,
        contact: usize,
        journey: JourneyId,
        cond: crate::bytecode::Cond,
        now: i64,
    ) -> bool {
        rules::condition_holds(&self.vm, journey, cond, &self.contacts[contact], now)
    }

    fn happen(&mut self, scripted: &Scripted, now: i64) {
        let contact = scripted.contact;
        let journeys = self.program.journeys.len() as JourneyId;
        let history = &mut self.contacts[contact].history;
        let note = match &scripted.what {
            Happening::Open { email, automated } => {
                history.opens.push((now, *email, *automated));
                format!(
                    "opened {}{}",
                    self.program.emails[*email as usize].name,
                    bot(*automated)
                )
            }
            Happening::Click {
                email,
                link,
                automated,
            } => {
                history.clicks.push((now, *email, *link, *automated));
                let email = &self.program.emails[*email as usize];
                let link =
                    link.map_or(String::new(), |l| format!(".{}", email.links[l as usize].0));
                format!("clicked {}{link}{}", email.name, bot(*automated))
            }
            Happening::Event { event, fields } => {
                history.events.push((now, *event, fields.clone()));
                format!("event {}", self.program.events[*event as usize].name)
            }
            Happening::Update { changes } => {
                history.updates.push(now);
                let names: Vec<&str> = changes
                    .iter()
                    .map(|(f, _)| self.program.fields[*f].name.as_str())
                    .collect();
                for (field, value) in changes {
                    let record = &mut self.contacts[contact].record;
                    record.fields[*field] = value.clone();
                    // The contact's zone follows its timezone field.
                    if self.program.fields[*field].ty == Base::TimeZone {
                        record.zone = match value {
                            value::Owned::Text(name) => name.parse().ok(),
                            _ => None,
                        };
                    }
                }
                format!("updated {}", names.join(", "))
            }
        };
        self.timelines[contact].push(Moment {
            at: now,
            journey: String::new(),
            step: None,
            what: note,
        });

        let kind = match &scripted.what {
            Happening::Open { .. } => Wakes::OPEN,
            Happening::Click { .. } => Wakes::CLICK,
            Happening::Event { .. } => Wakes::EVENT,
            Happening::Update { .. } => Wakes::UPDATE,
        };
        for journey in 0..journeys {
            if self.runs[contact][journey as usize].is_some() {
                // `exit when` may hold after any update.
                let exits = kind == Wakes::UPDATE
                    && self.program.journeys[journey as usize]
                        .code
                        .exit_when
                        .is_some();
                if exits || self.wakes[contact][journey as usize].contains(kind) {
                    self.resume(contact, journey, now);
                }
                continue;
            }
            let entries = &self.program.journeys[journey as usize].entries;
            let enters = entries.iter().any(|entry| match (entry, &scripted.what) {
                (Entry::Event { event, filter }, Happening::Event { event: got, fields })
                    if event == got =>
                {
                    filter.is_none_or(|cond| {
                        let values: Vec<_> = fields.iter().map(|f| f.as_value()).collect();
                        let facts = &self.contacts[contact];
                        let scope = Scope {
                            facts,
                            now,
                            zone: self.vm.zone(journey, facts),
                            since: now,
                            event: &values,
                        };
                        holds(&self.program.journeys[journey as usize].code, cond, &scope)
                    })
                }
                (Entry::When(cond), Happening::Update { .. }) => {
                    self.condition(contact, journey, *cond, now)
                }
                _ => false,
            });
            if enters {
                self.enter(contact, journey, now, Why::Trigger("on a happening"));
            }
        }
    }

    fn enter(&mut self, contact: usize, journey: JourneyId, now: i64, why: Why) {
        let name = self.program.journeys[journey as usize].code.name.clone();
        if self.runs[contact][journey as usize].is_some() {
            self.note(
                contact,
                now,
                &name,
                None,
                "not entered: already in this journey".into(),
            );
            return;
        }
        if let Some(ended) = self.last_end[contact][journey as usize] {
            let facts = &self.contacts[contact];
            if !rules::reentry_allows(&self.vm, journey, facts, ended, now) {
                self.note(
                    contact,
                    now,
                    &name,
                    None,
                    "not entered: re-entry rule".into(),
                );
                return;
            }
        }
        let what = match why {
            Why::Trigger(how) => format!("entered {how}"),
            Why::HandedFrom(from) => format!("entered from journey {from}"),
        };
        self.note(contact, now, &name, None, what);

        let mut effects = std::mem::take(&mut self.effects);
        effects.clear();
        let (state, status) = self
            .vm
            .enter(journey, &self.contacts[contact], now, &mut effects);
        self.runs[contact][journey as usize] = Some(Run {
            state,
            generation: 0,
        });
        self.apply(contact, journey, now, &effects, status);
        self.effects = effects;
    }

    fn resume(&mut self, contact: usize, journey: JourneyId, now: i64) {
        let Some(mut run) = self.runs[contact][journey as usize].take() else {
            return;
        };
        let mut effects = std::mem::take(&mut self.effects);
        effects.clear();
        let before = run.state.parked;
        let status = self.vm.resume(
            journey,
            &mut run.state,
            &self.contacts[contact],
            now,
            &mut effects,
        );
        if run.state.parked != before {
            run.generation += 1;
        }
        self.runs[contact][journey as usize] = Some(run);
        self.apply(contact, journey, now, &effects, status);
        self.effects = effects;
    }

    fn apply(
        &mut self,
        contact: usize,
        journey: JourneyId,
        now: i64,
        effects: &[Effect],
        status: Status,
    ) {
        let code = &self.program.journeys[journey as usize].code;
        let name = code.name.clone();
        let mut handoffs = Vec::new();
        let mut segment_entries = Vec::new();
        let mut segments_changed = false;
        for effect in effects {
            let step_id = |step: u16| Some(code.steps[step as usize].id.clone());
            let (step, what) = match *effect {
                Effect::Arrived { step } => {
                    self.steps[journey as usize][step as usize].arrived += 1;
                    continue;
                }
                Effect::Send { step, email } => {
                    self.steps[journey as usize][step as usize].sent += 1;
                    (
                        step_id(step),
                        format!("sent {}", self.program.emails[email as usize].name),
                    )
                }
                Effect::AddTo { step, segment } => {
                    self.contacts[contact].record.segments.insert(segment);
                    segment_entries.push(segment);
                    segments_changed = true;
                    (
                        step_id(step),
                        format!("added to {}", self.program.segments[segment as usize]),
                    )
                }
                Effect::RemoveFrom { step, segment } => {
                    self.contacts[contact].record.segments.remove(&segment);
                    segments_changed = true;
                    let segment = &self.program.segments[segment as usize];
                    (step_id(step), format!("removed from {segment}"))
                }
                Effect::Branched { step, arm } => {
                    let why = self.explain.branch(journey, step, arm);
                    (step_id(step), why)
                }
                Effect::Split { step, arm } => {
                    (step_id(step), self.explain.split(journey, step, arm))
                }
                Effect::Parked { step, until, wakes } => {
                    self.wakes[contact][journey as usize] = wakes;
                    let until = until.map_or("forever".into(), |u| {
                        format!("until {}", report::instant(u))
                    });
                    (step_id(step), format!("waiting {until}"))
                }
                Effect::WaitEnded { step, outcome } => (
                    step_id(step),
                    self.explain.wait_outcome(journey, step, outcome),
                ),
                Effect::GotoJourney {
                    step,
                    journey: target,
                } => {
                    handoffs.push(target);
                    let target = &self.program.journeys[target as usize].code.name;
                    (step_id(step), format!("handed to journey {target}"))
                }
                Effect::Ended(reason) => {
                    let step = code.steps.partition_point(|s| {
                        self.runs[contact][journey as usize]
                            .as_ref()
                            .is_some_and(|r| s.pc <= r.state.pc)
                    });
                    let step = step.saturating_sub(1);
                    if let Some(counts) = self.steps[journey as usize].get_mut(step) {
                        counts.ended_here += 1;
                    }
                    self.last_end[contact][journey as usize] = Some(now);
                    (None, reason.describe(code))
                }
            };
            self.timelines[contact].push(Moment {
                at: now,
                journey: name.clone(),
                step,
                what,
            });
        }

        match status {
            Status::Ended(_) => self.runs[contact][journey as usize] = None,
            Status::Parked { until: Some(until) } => {
                if let Some(run) = &self.runs[contact][journey as usize] {
                    let generation = run.generation;
                    self.schedule(
                        until,
                        Task::Timer {
                            contact,
                            journey,
                            generation,
                        },
                    );
                }
            }
            Status::Parked { until: None } => {}
        }

        for target in handoffs {
            self.enter(contact, target, now, Why::HandedFrom(&name));
        }
        // Conditions of other parked runs may read segment membership.
        if segments_changed {
            for other in 0..self.program.journeys.len() as JourneyId {
                let waits = self.wakes[contact][other as usize].contains(Wakes::UPDATE);
                if other != journey && waits && self.runs[contact][other as usize].is_some() {
                    self.resume(contact, other, now);
                }
            }
        }
        for segment in segment_entries {
            for other in 0..self.program.journeys.len() as JourneyId {
                let enters = self.program.journeys[other as usize]
                    .entries
                    .contains(&Entry::Segment(segment));
                if enters && self.runs[contact][other as usize].is_none() {
                    self.enter(contact, other, now, Why::Trigger("on joining its segment"));
                }
            }
        }
    }

    fn note(
        &mut self,
        contact: usize,
        now: i64,
        journey: &str,
        step: Option<String>,
        what: String,
    ) {
        self.timelines[contact].push(Moment {
            at: now,
            journey: journey.to_string(),
            step,
            what,
        });
    }
}

fn bot(automated: bool) -> &'static str {
    if automated {
        " (automated)"
    } else {
        ""
    }
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
