//! The engine: the VM advanced against the store.
//!
//! The engine enters contacts into journeys (triggers and bulk enrolment),
//! advances runs whose timer is due, and wakes runs when something happens
//! to their contact. Each VM call's new state and effects go to the store
//! in one commit (see `store`), so a crash between two steps loses nothing
//! and repeats nothing. Delivery of the queued emails is `delivery`'s job.
//!
//! Runs keep the program version they started on: every run records its
//! deployment, and the engine loads that deployment's program to advance it.

pub mod convert;
pub mod delivery;

use crate::artifact;
use crate::bytecode::{Entry, JourneyId, Program};
use crate::clock::{Clock, SystemClock};
use crate::eval::{holds, Scope};
use crate::facts::Facts;
use crate::simulate::contacts::ContactRecord;
use crate::simulate::history::{Contact, History};
use crate::state::RunState;
use crate::store::sqlite::SqliteStore;
use crate::store::*;
use crate::timing;
use crate::vm::{Effect, EndReason, Status, Vm, Wakes};
use journey_compiler::check::program::Base;
use journey_compiler::syntax::ast::{Priority, Reentry};
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

#[derive(Debug)]
pub enum EngineError {
    Store(StoreError),
    NotDeployed,
    Artifact(artifact::LoadError),
    /// The mail settings cannot work (no TLS offered, untrusted
    /// certificate, bad credentials configuration).
    Mail(String),
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EngineError::Store(e) => write!(f, "{e}"),
            EngineError::NotDeployed => write!(f, "nothing is deployed yet: run `journey deploy`"),
            EngineError::Artifact(e) => write!(f, "a deployed program cannot be loaded: {e}"),
            EngineError::Mail(e) => write!(f, "mail cannot be delivered: {e}"),
        }
    }
}

impl std::error::Error for EngineError {}

impl From<StoreError> for EngineError {
    fn from(e: StoreError) -> Self {
        EngineError::Store(e)
    }
}

impl From<rusqlite::Error> for EngineError {
    fn from(e: rusqlite::Error) -> Self {
        EngineError::Store(StoreError::Sqlite(e))
    }
}

pub type Result<T> = std::result::Result<T, EngineError>;

/// What one entry attempt did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entered {
    Entered,
    /// Already in a run of the journey.
    AlreadyIn,
    /// The journey's re-entry rule says no.
    ReentryRefused,
    /// Another engine entered the contact at the same moment.
    Raced,
}

/// How many steps one store transaction commits in bulk work.
pub const BATCH: usize = 1_000;

/// One VM call's result, ready to commit.
struct Prepared {
    commit: StepCommit,
    contact: ContactId,
    /// Journeys that `goto journey` hands the contact to after the commit.
    handoffs: Vec<String>,
}

/// What bulk entry did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EnterTally {
    pub entered: u64,
    pub already_in: u64,
    pub refused: u64,
    pub raced: u64,
}

/// Counts of what a call did, for progress and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub entered: u64,
    pub advanced: u64,
    pub lost_races: u64,
}

pub struct Engine<'s> {
    pub store: &'s mut SqliteStore,
    latest: DeploymentId,
    programs: HashMap<DeploymentId, Rc<Program>>,
}

impl<'s> Engine<'s> {
    /// An engine on the latest deployment of `store`.
    pub fn new(store: &'s mut SqliteStore) -> Result<Engine<'s>> {
        let (latest, bytes) = store.latest_deployment()?.ok_or(EngineError::NotDeployed)?;
        let (_, program) = artifact::decode(&bytes).map_err(EngineError::Artifact)?;
        let mut programs = HashMap::new();
        programs.insert(latest, Rc::new(program));
        Ok(Engine {
            store,
            latest,
            programs,
        })
    }

    pub fn program(&self) -> Rc<Program> {
        Rc::clone(&self.programs[&self.latest])
    }

    fn program_of(&mut self, deployment: DeploymentId) -> Result<Rc<Program>> {
        if let Some(program) = self.programs.get(&deployment) {
            return Ok(Rc::clone(program));
        }
        let bytes = self.store.deployment(deployment)?;
        let (_, program) = artifact::decode(&bytes).map_err(EngineError::Artifact)?;
        let program = Rc::new(program);
        self.programs.insert(deployment, Rc::clone(&program));
        Ok(program)
    }

    /// The contact as the VM reads it: fields, zone, history, segments.
    pub fn facts(&self, program: &Program, contact: ContactId) -> Result<Contact> {
        let stored = self
            .store
            .contact(contact)?
            .ok_or_else(|| StoreError::Corrupt(format!("contact {contact} vanished")))?;
        let segments: BTreeSet<u16> = stored
            .segments
            .iter()
            .filter_map(|s| {
                program
                    .segments
                    .iter()
                    .position(|p| p == s)
                    .map(|i| i as u16)
            })
            .collect();
        let record = ContactRecord {
            id: stored.external_id.clone(),
            fields: convert::from_json(program, &stored.fields),
            zone: stored.zone.as_deref().and_then(|z| z.parse().ok()),
            lists: BTreeSet::new(),
            segments,
        };
        let mut contact_facts = Contact::new(record);
        contact_facts.history = self.history(program, contact)?;
        Ok(contact_facts)
    }

    fn history(&self, program: &Program, contact: ContactId) -> Result<History> {
        let mut history = History::default();
        let email = |name: &Option<String>| {
            name.as_ref()
                .and_then(|n| program.emails.iter().position(|e| &e.name == n))
        };
        for happening in self.store.happenings(contact)? {
            match happening.kind {
                HappeningKind::Open => {
                    if let Some(e) = email(&happening.name) {
                        history
                            .opens
                            .push((happening.at, e as u16, happening.automated));
                    }
                }
                HappeningKind::Click => {
                    if let Some(e) = email(&happening.name) {
                        let link = happening
                            .link
                            .as_ref()
                            .and_then(|l| program.emails[e].links.iter().position(|(n, _)| n == l));
                        let link = link.map(|l| l as u16);
                        history
                            .clicks
                            .push((happening.at, e as u16, link, happening.automated));
                    }
                }
                HappeningKind::Event => {
                    let name = happening.name.as_deref().unwrap_or("");
                    if let Some(event) = program.events.iter().position(|e| e.name == name) {
                        let fields = convert::event_fields(program, event, &happening);
                        history.events.push((happening.at, event as u16, fields));
                    }
                }
                HappeningKind::Update => history.updates.push(happening.at),
            }
        }
        Ok(history)
    }

    /// Enters `contact` into `journey` of the latest deployment, unless it
    /// is already in it or the journey's re-entry rule refuses.
    pub fn enter(&mut self, contact: ContactId, journey: JourneyId, now: i64) -> Result<Entered> {
        let tally = self.enter_many(&[contact], journey, now)?;
        Ok(match tally {
            EnterTally { entered: 1, .. } => Entered::Entered,
            EnterTally { already_in: 1, .. } => Entered::AlreadyIn,
            EnterTally { refused: 1, .. } => Entered::ReentryRefused,
            _ => Entered::Raced,
        })
    }

    /// Enters many contacts into `journey`, committing in batches of
    /// [`BATCH`]: bulk enrolment.
    pub fn enter_many(
        &mut self,
        contacts: &[ContactId],
        journey: JourneyId,
        now: i64,
    ) -> Result<EnterTally> {
        let mut tally = EnterTally::default();
        for chunk in contacts.chunks(BATCH) {
            let mut batch = Vec::with_capacity(chunk.len());
            for &contact in chunk {
                match self.prepare_entry(contact, journey, now)? {
                    Ok(prepared) => batch.push(prepared),
                    Err(Entered::AlreadyIn) => tally.already_in += 1,
                    Err(_) => tally.refused += 1,
                }
            }
            for outcome in self.commit_prepared(batch, now)? {
                match outcome {
                    CommitOutcome::Committed(_) => tally.entered += 1,
                    CommitOutcome::Lost => tally.raced += 1,
                }
            }
        }
        Ok(tally)
    }

    fn prepare_entry(
        &mut self,
        contact: ContactId,
        journey: JourneyId,
        now: i64,
    ) -> Result<std::result::Result<Prepared, Entered>> {
        let program = self.program();
        let name = &program.journeys[journey as usize].code.name;
        let newest = self.store.newest_run(contact, name)?;
        if self.store.active_run(contact, name)?.is_some() {
            return Ok(Err(Entered::AlreadyIn));
        }
        let facts = self.facts(&program, contact)?;
        if let Some(ended) = self.store.last_end(contact, name)? {
            if !reentry_allows(&program, journey, &facts, ended, now) {
                return Ok(Err(Entered::ReentryRefused));
            }
        }

        let vm = Vm::new(&program);
        let mut effects = Vec::new();
        let (state, status) = vm.enter(journey, &facts, now, &mut effects);
        let run = RunWrite::New {
            contact,
            journey: name.clone(),
            deployment: self.latest,
            entered_at: now,
            newest,
        };
        let commit = step_commit(&program, journey, run, &state, status, &effects, now);
        Ok(Ok(Prepared {
            commit,
            contact,
            handoffs: handoffs(&program, &effects),
        }))
    }

    /// Schedules the next date-triggered entry of every contact that has
    /// none yet into `journey` (none at all when the journey does not enter
    /// on a date). A moment that has passed, or a missing date, is kept as
    /// "never", so the contact is not looked at again until its date
    /// changes.
    fn schedule_dates(&mut self, program: &Program, journey: JourneyId, now: i64) -> Result<()> {
        let def = &program.journeys[journey as usize];
        if !def.entries.iter().any(|e| matches!(e, Entry::Date { .. })) {
            return Ok(());
        }
        for contact in self.store.unscheduled_for_date(&def.code.name)? {
            let facts = self.facts(program, contact)?;
            let due = next_date_entry(program, journey, &facts, now).unwrap_or(i64::MAX);
            self.store
                .schedule_date_entry(&def.code.name, contact, due)?;
        }
        Ok(())
    }

    /// Enters the contacts whose date has come, and schedules their next
    /// one (next year's, for a yearly date).
    fn run_date_entries(&mut self, now: i64, batch: usize) -> Result<u64> {
        let program = self.program();
        let mut entered = 0;
        loop {
            let due = self.store.due_date_entries(now, batch)?;
            if due.is_empty() {
                return Ok(entered);
            }
            for (name, contact, due_at) in due {
                let Some(journey) = program.journeys.iter().position(|j| j.code.name == name)
                else {
                    self.store.schedule_date_entry(&name, contact, i64::MAX)?;
                    continue;
                };
                let journey = journey as JourneyId;
                if self.enter(contact, journey, due_at.max(0).min(now))? == Entered::Entered {
                    entered += 1;
                }
                let facts = self.facts(&program, contact)?;
                let next = next_date_entry(&program, journey, &facts, due_at + 1);
                self.store
                    .schedule_date_entry(&name, contact, next.unwrap_or(i64::MAX))?;
            }
        }
    }

    /// Advances every run whose timer is due at `now`, in batches, after
    /// entering the contacts whose entry date has come.
    pub fn run_due(&mut self, now: i64, batch: usize) -> Result<Tally> {
        let mut tally = Tally {
            entered: self.run_date_entries(now, batch)?,
            ..Tally::default()
        };
        loop {
            let due = self.store.due_runs(now, batch)?;
            if due.is_empty() {
                return Ok(tally);
            }
            let mut prepared = Vec::with_capacity(due.len());
            for run in &due {
                prepared.push(self.prepare_advance(run, now)?);
            }
            let mut lost = 0;
            for outcome in self.commit_prepared(prepared, now)? {
                match outcome {
                    CommitOutcome::Committed(_) => tally.advanced += 1,
                    CommitOutcome::Lost => lost += 1,
                }
            }
            tally.lost_races += lost;
            if lost == due.len() as u64 {
                // Another engine holds these runs; let it finish them.
                return Ok(tally);
            }
        }
    }

    /// Resumes one run at `now`.
    pub fn advance(&mut self, run: &RunRow, now: i64) -> Result<CommitOutcome> {
        let prepared = self.prepare_advance(run, now)?;
        Ok(self.commit_prepared(vec![prepared], now)?[0])
    }

    fn prepare_advance(&mut self, run: &RunRow, now: i64) -> Result<Prepared> {
        let program = self.program_of(run.deployment)?;
        let journey = program
            .journeys
            .iter()
            .position(|j| j.code.name == run.journey)
            .ok_or_else(|| {
                StoreError::Corrupt(format!("journey `{}` not in its deployment", run.journey))
            })? as JourneyId;
        let mut state = RunState::decode(&run.state).ok_or_else(|| {
            StoreError::Corrupt(format!("run {} has an unreadable state", run.id))
        })?;
        let facts = self.facts(&program, run.contact)?;
        let vm = Vm::new(&program);
        let mut effects = Vec::new();
        let status = vm.resume(journey, &mut state, &facts, now, &mut effects);
        let write = RunWrite::Existing {
            id: run.id,
            version: run.version,
        };
        let commit = step_commit(&program, journey, write, &state, status, &effects, now);
        Ok(Prepared {
            commit,
            contact: run.contact,
            handoffs: handoffs(&program, &effects),
        })
    }

    /// Commits a batch in one transaction, then enters the contacts that
    /// `goto journey` handed on.
    fn commit_prepared(&mut self, batch: Vec<Prepared>, now: i64) -> Result<Vec<CommitOutcome>> {
        let commits: Vec<StepCommit> = batch.iter().map(|p| p.commit.clone()).collect();
        let outcomes = self.store.commit_all(&commits)?;
        for (prepared, outcome) in batch.iter().zip(&outcomes) {
            // Contacts appear in logs by their store id only: no field, no
            // external id (which may be a record number), nothing PHI.
            let commit = &prepared.commit;
            let run = match outcome {
                CommitOutcome::Committed(run) => *run,
                CommitOutcome::Lost => {
                    let (contact, journey) = (prepared.contact, &commit.journey);
                    tracing::debug!(contact, %journey, "step_lost_to_another_engine");
                    continue;
                }
            };
            tracing::debug!(
                contact = prepared.contact,
                run,
                journey = %commit.journey,
                steps = commit.arrived.len(),
                emails = commit.emails.len(),
                ended = commit.end_reason.as_deref().unwrap_or(""),
                wake_at = commit.wake_at,
                "step_committed"
            );
            for target in &prepared.handoffs {
                let latest = self.program();
                if let Some(j) = latest.journeys.iter().position(|j| &j.code.name == target) {
                    self.enter(prepared.contact, j as JourneyId, now)?;
                }
            }
        }
        Ok(outcomes)
    }

    /// Enters contacts through list, segment and condition triggers: every
    /// member who is not in the journey and joined after their last run of
    /// it ended (and whom the re-entry rule lets back in).
    pub fn enter_by_triggers(&mut self, now: i64) -> Result<Tally> {
        let program = self.program();
        let mut tally = Tally::default();
        for (journey, def) in program.journeys.iter().enumerate() {
            let mut candidates = BTreeSet::new();
            for entry in &def.entries {
                match entry {
                    Entry::List(list) => {
                        candidates.extend(self.store.list_members(&program.lists[*list as usize])?)
                    }
                    Entry::Segment(s) => candidates
                        .extend(self.store.segment_members(&program.segments[*s as usize])?),
                    Entry::When(cond) => {
                        for contact in self.store.all_contacts()? {
                            let facts = self.facts(&program, contact)?;
                            if condition_holds(&program, journey as JourneyId, *cond, &facts, now) {
                                candidates.insert(contact);
                            }
                        }
                    }
                    Entry::Event { .. } | Entry::Date { .. } => {}
                }
            }
            self.schedule_dates(&program, journey as JourneyId, now)?;
            for contact in candidates {
                if self.store.last_end(contact, &def.code.name)?.is_some() {
                    continue;
                }
                if self.enter(contact, journey as JourneyId, now)? == Entered::Entered {
                    tally.entered += 1;
                }
            }
        }
        Ok(tally)
    }

    /// Records a happening and lets it do its work: it wakes the runs of
    /// the contact that wait for its kind (and those whose `exit when` an
    /// update may make true), and enters event- and condition-triggered
    /// journeys.
    pub fn happen(&mut self, happening: &Happening, now: i64) -> Result<Tally> {
        self.store.record(happening)?;
        if happening.kind == HappeningKind::Update {
            self.update_zone(happening)?;
            // Its dates may have changed: schedule its date entries anew.
            self.store.forget_date_entries(happening.contact)?;
            let program = self.program();
            for journey in 0..program.journeys.len() {
                self.schedule_dates(&program, journey as JourneyId, now)?;
            }
        }
        let mut tally = Tally::default();
        let wakes = match happening.kind {
            HappeningKind::Open => Wakes::OPEN,
            HappeningKind::Click => Wakes::CLICK,
            HappeningKind::Event => Wakes::EVENT,
            HappeningKind::Update => Wakes::UPDATE,
        };
        let runs = if happening.kind == HappeningKind::Update {
            self.store.active_runs(happening.contact)?
        } else {
            self.store.runs_woken_by(happening.contact, wakes.bits())?
        };
        for run in &runs {
            if self.advance(run, now)? != CommitOutcome::Lost {
                tally.advanced += 1;
            }
        }

        let program = self.program();
        for (journey, def) in program.journeys.iter().enumerate() {
            let facts = self.facts(&program, happening.contact)?;
            let enters = def
                .entries
                .iter()
                .any(|entry| match (entry, happening.kind) {
                    (Entry::Event { event, filter }, HappeningKind::Event) => {
                        let declared = &program.events[*event as usize];
                        happening.name.as_deref() == Some(declared.name.as_str())
                            && filter.is_none_or(|cond| {
                                let fields =
                                    convert::event_fields(&program, *event as usize, happening);
                                let values: Vec<_> = fields.iter().map(|f| f.as_value()).collect();
                                let vm = Vm::new(&program);
                                let scope = Scope {
                                    facts: &facts,
                                    now,
                                    zone: vm.zone(journey as JourneyId, &facts),
                                    since: now,
                                    event: &values,
                                };
                                holds(&def.code, cond, &scope)
                            })
                    }
                    (Entry::When(cond), HappeningKind::Update) => {
                        condition_holds(&program, journey as JourneyId, *cond, &facts, now)
                    }
                    _ => false,
                });
            if enters
                && self.enter(happening.contact, journey as JourneyId, now)? == Entered::Entered
            {
                tally.entered += 1;
            }
        }
        Ok(tally)
    }

    /// A new value of the contact's `timezone` field moves the zone its
    /// waits are scheduled in (a value that is not a real zone clears it,
    /// and the zone chain goes on to the journey's and the project's).
    fn update_zone(&mut self, happening: &Happening) -> Result<()> {
        let program = self.program();
        let zone_field = program.fields.iter().find(|f| f.ty == Base::TimeZone);
        let (Some(field), Some(data)) = (zone_field, &happening.data) else {
            return Ok(());
        };
        if let Some(value) = data.get(&field.name) {
            let zone = value
                .as_str()
                .filter(|z| z.parse::<chrono_tz::Tz>().is_ok());
            self.store.set_zone(happening.contact, zone)?;
        }
        Ok(())
    }

    /// When the next thing is due: a run's timer, a queued email, or a
    /// date-triggered entry.
    pub fn next_due(&self) -> Result<Option<i64>> {
        let candidates = [
            self.store.next_wake()?,
            self.store.next_outbox_due(SystemClock.now())?,
            self.store.next_date_entry()?.filter(|at| *at != i64::MAX),
        ];
        Ok(candidates.into_iter().flatten().min())
    }
}

#[allow(clippy::too_many_arguments)]
fn step_commit(
    program: &Program,
    journey: JourneyId,
    run: RunWrite,
    state: &RunState,
    status: Status,
    effects: &[Effect],
    now: i64,
) -> StepCommit {
    let code = &program.journeys[journey as usize].code;
    let step_id = |step: u16| code.steps[step as usize].id.clone();
    let priority = match program.journeys[journey as usize].priority {
        Priority::Low => 0,
        Priority::Normal => 1,
        Priority::High => 2,
    };
    let mut commit = StepCommit {
        run,
        journey: code.name.clone(),
        state: Vec::new(),
        active: matches!(status, Status::Parked { .. }),
        end_reason: None,
        wake_at: None,
        wakes: 0,
        now,
        emails: Vec::new(),
        segment_adds: Vec::new(),
        segment_removes: Vec::new(),
        arrived: Vec::new(),
        ended_at_step: None,
    };
    state.encode(&mut commit.state);
    let mut last_step = None;
    for effect in effects {
        match *effect {
            Effect::Arrived { step } => {
                last_step = Some(step);
                commit.arrived.push(step_id(step));
            }
            Effect::Send { step, email } => commit.emails.push(QueuedEmail {
                step: step_id(step),
                email: program.emails[email as usize].name.clone(),
                priority,
            }),
            Effect::AddTo { segment, .. } => commit
                .segment_adds
                .push(program.segments[segment as usize].clone()),
            Effect::RemoveFrom { segment, .. } => commit
                .segment_removes
                .push(program.segments[segment as usize].clone()),
            Effect::Parked { step, wakes, .. } => {
                last_step = Some(step);
                commit.wakes = wakes.bits();
            }
            Effect::Ended(reason) => {
                commit.end_reason = Some(reason.describe(code));
                let at = match reason {
                    EndReason::LoopPrevented { step } => Some(step),
                    _ => last_step.or(Some(current_step(code, state.pc))),
                };
                commit.ended_at_step = at.map(step_id);
            }
            _ => {}
        }
    }
    if let Status::Parked { until } = status {
        commit.wake_at = until;
        // Also when the run parked again without a `Parked` effect (it was
        // woken and no arm held): it must stay awake to its arms.
        commit.wakes = Wakes::parked_at(code, state.pc).bits();
    }
    commit
}

/// The journeys a run handed its contact to.
fn handoffs(program: &Program, effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::GotoJourney { journey, .. } => {
                Some(program.journeys[*journey as usize].code.name.clone())
            }
            _ => None,
        })
        .collect()
}

/// The next moment at or after `from` when `facts` enters `journey` by a
/// date trigger; `None` when there is none (no date, or it has passed).
fn next_date_entry(
    program: &Program,
    journey: JourneyId,
    facts: &Contact,
    from: i64,
) -> Option<i64> {
    let vm = Vm::new(program);
    let entries = &program.journeys[journey as usize].entries;
    let mut next: Option<i64> = None;
    for entry in entries {
        let Entry::Date {
            field,
            offset,
            yearly,
            at,
            zone,
        } = entry
        else {
            continue;
        };
        let zone = match zone {
            Some(crate::bytecode::Zone::Named(name)) => name.parse().ok(),
            Some(crate::bytecode::Zone::Field(f)) => match facts.field(*f) {
                crate::facts::Value::Text(name) => name.parse().ok(),
                _ => None,
            },
            None => None,
        }
        .unwrap_or_else(|| vm.zone(journey, facts));
        let value = facts.field(*field);
        let when = if *yearly {
            let date = match value {
                crate::facts::Value::Date(days) => chrono::NaiveDate::default()
                    .checked_add_signed(chrono::TimeDelta::days(days.into())),
                crate::facts::Value::Instant(at) => chrono::DateTime::from_timestamp(at, 0)
                    .map(|t| crate::time::to_local(t, zone).date()),
                _ => None,
            };
            date.map(|date| {
                let from = chrono::DateTime::from_timestamp(from, 0).unwrap_or_default();
                crate::time::next_yearly(from, date, at, offset.as_ref(), zone).timestamp()
            })
        } else {
            timing::relative(value, offset.as_ref(), Some(at), zone).filter(|t| *t >= from)
        };
        if let Some(when) = when {
            next = Some(next.map_or(when, |n| n.min(when)));
        }
    }
    next
}

fn condition_holds(
    program: &Program,
    journey: JourneyId,
    cond: crate::bytecode::Cond,
    facts: &Contact,
    now: i64,
) -> bool {
    let vm = Vm::new(program);
    let scope = Scope {
        facts,
        now,
        zone: vm.zone(journey, facts),
        since: now,
        event: &[],
    };
    holds(&program.journeys[journey as usize].code, cond, &scope)
}

fn reentry_allows(
    program: &Program,
    journey: JourneyId,
    facts: &Contact,
    ended: i64,
    now: i64,
) -> bool {
    match &program.journeys[journey as usize].reentry {
        Reentry::Never => false,
        Reentry::Always => true,
        Reentry::After(duration) => {
            let zone = Vm::new(program).zone(journey, facts);
            now >= timing::add(ended, duration, false, zone)
        }
    }
}

fn current_step(code: &crate::bytecode::JourneyCode, pc: u32) -> u16 {
    code.steps.partition_point(|s| s.pc <= pc).saturating_sub(1) as u16
}
