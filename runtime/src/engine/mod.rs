//! The engine: the VM advanced against the store.
//!
//! The engine enters contacts into journeys (triggers and bulk enrolment),
//! advances runs whose timer is due, and wakes runs when something happens
//! to their contact. Each VM call's new state and effects go to the store
//! in one commit (see `store`), so a crash between two steps loses nothing
//! and repeats nothing. Delivery of the queued emails is `delivery`'s job.
//! An observer (`observe`) may be told each step once its batch commits.
//!
//! Runs keep the program version they started on: every run records its
//! deployment, and the engine loads that deployment's program to advance it.

mod advance;
pub mod convert;
mod dates;
pub mod delivery;
mod follow;
mod ingest;
mod load;
pub mod observe;
mod step;
mod triggers;

use crate::artifact;
use crate::bytecode::{Entry, JourneyId, Program};
use crate::clock::{Clock, SystemClock};
use crate::entry_rules as rules;
use crate::eval::{holds, Scope};
use crate::simulate::history::Contact;
use crate::state::RunState;
use crate::store::sqlite::SqliteStore;
use crate::store::*;
use crate::vm::{Vm, Wakes};
use follow::SegmentChange;
pub use ingest::{Found, Ingested};
use journey_compiler::check::program::Base;
use load::Rows;
pub use observe::{Cause, Observed, Observer};
use std::collections::HashMap;
use std::sync::Arc;
use step::Names;

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

/// Steps from which a batch is bulk work (see [`Store::begin_bulk_batch`]).
const BULK: usize = 100;

/// How many members of a list or segment are read at a time.
const PAGE: usize = 10 * BATCH;

/// Whether a contact whose run of the journey ended may enter it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Again {
    /// As the journey's re-entry rule says (enrolment, events, dates).
    ByRule,
    /// Never: a list, segment or condition trigger enters a contact once.
    Never,
}

impl Again {
    fn of(cause: &Cause) -> Again {
        match cause {
            Cause::List | Cause::Segment | Cause::Condition => Again::Never,
            _ => Again::ByRule,
        }
    }
}

/// The VM calls of one batch, ready to commit, and what follows each.
#[derive(Default)]
struct Steps {
    commits: Vec<StepCommit>,
    /// Per commit: its contact, and the journeys `goto journey` hands the
    /// contact to once the commit is in.
    after: Vec<(ContactId, Vec<String>)>,
    /// Per commit, what the observer is told; empty when none watches.
    kept: Vec<observe::Kept>,
    /// The entries decided against, for the observer.
    not_entered: Vec<observe::Told>,
}

impl Steps {
    /// Room for `steps` commits (and what the observer is told of them,
    /// when one watches) from the start: a commit is a few hundred bytes,
    /// and a batch's vectors would otherwise be copied as they grow.
    fn with_capacity(steps: usize, observed: bool) -> Steps {
        Steps {
            commits: Vec::with_capacity(steps),
            after: Vec::with_capacity(steps),
            kept: Vec::with_capacity(if observed { steps } else { 0 }),
            not_entered: Vec::new(),
        }
    }
}

/// Contacts handed to a journey (by name) by committed steps: (contact,
/// target, the journey that handed it).
type Handoffs = Vec<(ContactId, String, String)>;

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

/// The engine on a store: [`SqliteStore`] unless said otherwise, any
/// [`Store`] (a `dyn Store` too).
pub struct Engine<'s, S: ?Sized = SqliteStore> {
    pub store: &'s mut S,
    latest: DeploymentId,
    programs: HashMap<DeploymentId, Arc<Program>>,
    names: HashMap<DeploymentId, Arc<Names>>,
    observer: Option<&'s mut dyn Observer>,
    /// What the observer is told when the open batch commits.
    untold: Vec<observe::Told>,
    /// Segment changes of the open batch's steps, followed once it commits.
    segment_changes: Vec<SegmentChange>,
}

/// What an engine has loaded (the latest deployment, and the programs of
/// the deployments its runs started on), kept while its store is used
/// for other work or from another thread: `journey serve` makes an engine
/// of it for each request, on the request's thread, without decoding a
/// deployment again.
pub struct Loaded {
    latest: DeploymentId,
    programs: HashMap<DeploymentId, Arc<Program>>,
    names: HashMap<DeploymentId, Arc<Names>>,
}

impl<'s, S: Store + ?Sized> Engine<'s, S> {
    /// An engine on the latest deployment of `store`.
    pub fn new(store: &'s mut S) -> Result<Engine<'s, S>> {
        let (latest, bytes) = store.latest_deployment()?.ok_or(EngineError::NotDeployed)?;
        let (_, program) = artifact::decode(&bytes).map_err(EngineError::Artifact)?;
        let mut programs = HashMap::new();
        programs.insert(latest, Arc::new(program));
        Ok(Engine {
            store,
            latest,
            programs,
            names: HashMap::new(),
            observer: None,
            untold: Vec::new(),
            segment_changes: Vec::new(),
        })
    }

    /// The engine, telling `observer` what it commits from now on.
    pub fn observed_by(mut self, observer: &'s mut dyn Observer) -> Engine<'s, S> {
        self.observer = Some(observer);
        self
    }

    /// An engine on `store` with what an engine on it loaded before (see
    /// [`Engine::unload`]): the latest deployment it knew is its latest.
    pub fn with(store: &'s mut S, loaded: Loaded) -> Engine<'s, S> {
        Engine {
            store,
            latest: loaded.latest,
            programs: loaded.programs,
            names: loaded.names,
            observer: None,
            untold: Vec::new(),
            segment_changes: Vec::new(),
        }
    }

    /// What this engine loaded, to make another on the same store with.
    pub fn unload(self) -> Loaded {
        Loaded {
            latest: self.latest,
            programs: self.programs,
            names: self.names,
        }
    }

    pub fn program(&self) -> Arc<Program> {
        Arc::clone(&self.programs[&self.latest])
    }

    fn program_of(&mut self, deployment: DeploymentId) -> Result<Arc<Program>> {
        if let Some(program) = self.programs.get(&deployment) {
            return Ok(Arc::clone(program));
        }
        let bytes = self.store.deployment(deployment)?;
        let (_, program) = artifact::decode(&bytes).map_err(EngineError::Artifact)?;
        let program = Arc::new(program);
        self.programs.insert(deployment, Arc::clone(&program));
        Ok(program)
    }

    /// The names of a deployment's program, made on first use.
    fn names_of(&mut self, deployment: DeploymentId) -> Result<Arc<Names>> {
        if let Some(names) = self.names.get(&deployment) {
            return Ok(Arc::clone(names));
        }
        let names = Arc::new(Names::of(&*self.program_of(deployment)?));
        self.names.insert(deployment, Arc::clone(&names));
        Ok(names)
    }

    /// The contact as the VM reads it: fields, zone, history, segments.
    pub fn facts(&self, program: &Program, contact: ContactId) -> Result<Contact> {
        let rows = Rows::read(self.store, &[contact])?;
        load::facts(program, rows.get(contact)?)
    }

    /// Does `work` as one batch of the store (see
    /// [`Store::begin_batch`]): its reads and its commits in one
    /// transaction, rolled back whole if `work` fails. The observer is
    /// told what the batch did once it is committed.
    fn in_batch<T>(&mut self, work: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        self.in_batch_of(false, work)
    }

    /// As [`Engine::in_batch`], set up for bulk work when `bulk` (see
    /// [`Store::begin_bulk_batch`]): for a batch of at least [`BULK`]
    /// steps.
    fn in_batch_of<T>(
        &mut self,
        bulk: bool,
        work: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        if bulk {
            self.store.begin_bulk_batch()?;
        } else {
            self.store.begin_batch()?;
        }
        let done = work(self).and_then(|value| {
            self.store.finish_batch()?;
            Ok(value)
        });
        if done.is_err() {
            self.untold.clear();
            self.segment_changes.clear();
            // The error that matters is the one that stopped the work.
            let _ = self.store.abandon_batch();
        }
        self.tell_observer()?;
        done
    }

    /// Enters `contact` into `journey` of the latest deployment, unless it
    /// is already in it or the journey's re-entry rule refuses.
    pub fn enter(&mut self, contact: ContactId, journey: JourneyId, now: i64) -> Result<Entered> {
        self.enter_because(contact, journey, now, &Cause::Enrolled)
    }

    /// Enters as [`Engine::enter`] does, for `cause` (told to the observer).
    fn enter_because(
        &mut self,
        contact: ContactId,
        journey: JourneyId,
        now: i64,
        cause: &Cause,
    ) -> Result<Entered> {
        let tally = self.enter_batches(&[contact], journey, now, cause)?;
        Ok(match tally {
            EnterTally { entered: 1, .. } => Entered::Entered,
            EnterTally { already_in: 1, .. } => Entered::AlreadyIn,
            EnterTally { refused: 1, .. } => Entered::ReentryRefused,
            _ => Entered::Raced,
        })
    }

    /// Enters many contacts into `journey`, a batch of [`BATCH`] at a time
    /// (one transaction each): bulk enrolment. Each is entered as
    /// [`Engine::enter`] would enter it.
    pub fn enter_many(
        &mut self,
        contacts: &[ContactId],
        journey: JourneyId,
        now: i64,
    ) -> Result<EnterTally> {
        self.enter_batches(contacts, journey, now, &Cause::Enrolled)
    }

    /// Enters every member of a list or segment into `journey`, reading
    /// the members a page at a time (so that memory does not grow with
    /// the list) and entering each as [`Engine::enter`] would; `progress`
    /// is told how many were looked at so far, after each page.
    pub fn enroll(
        &mut self,
        members: Members,
        journey: JourneyId,
        now: i64,
        mut progress: impl FnMut(u64),
    ) -> Result<EnterTally> {
        let mut tally = EnterTally::default();
        let mut after = 0;
        let mut seen = 0;
        loop {
            let page = self.store.members_page(members, after, PAGE)?;
            let Some(&last) = page.last() else {
                return Ok(tally);
            };
            after = last;
            let part = self.enter_batches(&page, journey, now, &Cause::Enrolled)?;
            tally.entered += part.entered;
            tally.already_in += part.already_in;
            tally.refused += part.refused;
            tally.raced += part.raced;
            seen += page.len() as u64;
            progress(seen);
        }
    }

    fn enter_batches(
        &mut self,
        contacts: &[ContactId],
        journey: JourneyId,
        now: i64,
        cause: &Cause,
    ) -> Result<EnterTally> {
        let mut tally = EnterTally::default();
        for chunk in contacts.chunks(BATCH) {
            let (outcomes, handoffs) = self.in_batch_of(chunk.len() >= BULK, |engine| {
                let steps = engine.decide_entries(chunk, journey, now, cause, &mut tally)?;
                engine.commit_steps(steps)
            })?;
            for outcome in outcomes {
                match outcome {
                    CommitOutcome::Committed(_) => tally.entered += 1,
                    CommitOutcome::Lost => tally.raced += 1,
                }
            }
            self.hand_off(handoffs, now)?;
        }
        Ok(tally)
    }

    /// The entries of `contacts` into `journey`, decided on one read of
    /// their runs of it and of the contacts themselves; those not entered
    /// (already in, or refused) are counted in `tally`.
    fn decide_entries(
        &mut self,
        contacts: &[ContactId],
        journey: JourneyId,
        now: i64,
        cause: &Cause,
        tally: &mut EnterTally,
    ) -> Result<Steps> {
        let again = Again::of(cause);
        let program = self.program();
        let names = self.names_of(self.latest)?;
        let name = &names.journeys[journey as usize];
        let statuses = self.store.entry_statuses(name, contacts)?;
        let refused = |status: &EntryStatus| again == Again::Never && status.last_end.is_some();
        let wanted: Vec<ContactId> = contacts
            .iter()
            .zip(&statuses)
            .filter(|(_, status)| !status.in_run && !refused(status))
            .map(|(contact, _)| *contact)
            .collect();
        let rows = Rows::read(self.store, &wanted)?;

        let vm = Vm::new(&program);
        let observed = self.observer.is_some();
        let mut steps = Steps::with_capacity(wanted.len(), observed);
        let mut effects = Vec::new();
        for (&contact, status) in contacts.iter().zip(&statuses) {
            let mut refuse = |why: Entered| {
                match why {
                    Entered::AlreadyIn => tally.already_in += 1,
                    _ => tally.refused += 1,
                }
                if observed {
                    steps.not_entered.push(observe::Told::NotEntered {
                        contact,
                        journey,
                        why,
                        cause: cause.clone(),
                        now,
                    });
                }
            };
            if status.in_run {
                refuse(Entered::AlreadyIn);
                continue;
            }
            if refused(status) {
                refuse(Entered::ReentryRefused);
                continue;
            }
            let facts = load::facts(&program, rows.get(contact)?)?;
            if let Some(ended) = status.last_end {
                if !rules::reentry_allows(&vm, journey, &facts, ended, now) {
                    refuse(Entered::ReentryRefused);
                    continue;
                }
            }

            effects.clear();
            let (state, vm_status) = vm.enter(journey, &facts, now, &mut effects);
            let run = RunWrite::New {
                contact,
                journey: Arc::clone(name),
                deployment: self.latest,
                entered_at: now,
                newest: status.newest,
            };
            let commit = step::step_commit(
                &program, &names, journey, run, &state, vm_status, &effects, now,
            );
            if observed {
                steps.kept.push(observe::Kept {
                    deployment: self.latest,
                    journey,
                    entered: Some(cause.clone()),
                    effects: effects.clone(),
                    parked: commit.active,
                    step: step::current_step(&program.journeys[journey as usize].code, state.pc),
                    wake_at: commit.wake_at,
                });
            }
            steps.commits.push(commit);
            steps
                .after
                .push((contact, step::handoffs(&program, &effects)));
        }
        Ok(steps)
    }

    /// Advances every run whose timer is due at `now`, in batches, after
    /// entering the contacts whose entry date has come.
    pub fn run_due(&mut self, now: i64, batch: usize) -> Result<Tally> {
        let mut tally = Tally {
            entered: self.run_date_entries(now, batch)?,
            ..Tally::default()
        };
        // A round after a full one works through a backlog: bulk work.
        let mut backlog = false;
        loop {
            let (due, outcomes, handoffs) = self.in_batch_of(backlog, |engine| {
                let due = engine.store.due_runs(now, batch)?;
                let steps = engine.decide_advances(&due, now)?;
                let (outcomes, handoffs) = engine.commit_steps(steps)?;
                Ok((due.len(), outcomes, handoffs))
            })?;
            self.hand_off(handoffs, now)?;
            if due == 0 {
                return Ok(tally);
            }
            backlog = due == batch && batch >= BULK;
            let mut lost = 0;
            for outcome in outcomes {
                match outcome {
                    CommitOutcome::Committed(_) => tally.advanced += 1,
                    CommitOutcome::Lost => lost += 1,
                }
            }
            tally.lost_races += lost;
            if lost == due as u64 {
                // Another engine holds these runs; let it finish them.
                return Ok(tally);
            }
        }
    }

    /// Resumes one run at `now`.
    pub fn advance(&mut self, run: &RunRow, now: i64) -> Result<CommitOutcome> {
        let (outcomes, handoffs) = self.in_batch(|engine| {
            let steps = engine.decide_advances(std::slice::from_ref(run), now)?;
            engine.commit_steps(steps)
        })?;
        self.hand_off(handoffs, now)?;
        Ok(outcomes[0])
    }

    /// Commits a batch's steps (inside the open batch); returns each one's
    /// outcome, and the handoffs of those committed.
    fn commit_steps(&mut self, mut steps: Steps) -> Result<(Vec<CommitOutcome>, Handoffs)> {
        let outcomes = self.store.commit_all(&steps.commits)?;
        self.keep_for_observer(&mut steps, &outcomes);
        let mut handoffs = Vec::new();
        let done = steps.commits.iter().zip(steps.after).zip(&outcomes);
        for ((commit, (contact, targets)), outcome) in done {
            // Contacts appear in logs by their store id only: no field, no
            // external id (which may be a record number), nothing PHI.
            let run = match outcome {
                CommitOutcome::Committed(run) => *run,
                CommitOutcome::Lost => {
                    let journey = &commit.journey;
                    tracing::debug!(contact, %journey, "step_lost_to_another_engine");
                    continue;
                }
            };
            tracing::debug!(
                contact,
                run,
                journey = %commit.journey,
                steps = commit.arrived.len(),
                emails = commit.emails.len(),
                ended = commit.end_reason.as_deref().unwrap_or(""),
                wake_at = commit.wake_at,
                "step_committed"
            );
            if !commit.segment_adds.is_empty() || !commit.segment_removes.is_empty() {
                self.segment_changes.push(SegmentChange {
                    contact,
                    journey: commit.journey.to_string(),
                    joined: commit.segment_adds.clone(),
                });
            }
            let from = &commit.journey;
            handoffs.extend(
                targets
                    .into_iter()
                    .map(|target| (contact, target, from.to_string())),
            );
        }
        Ok((outcomes, handoffs))
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
        // One run at a time: a step's segment changes are seen by the next.
        for run in &runs {
            if self.advance(run, now)? != CommitOutcome::Lost {
                tally.advanced += 1;
            }
        }

        tally.entered += self.enter_on(happening, now)?;
        Ok(tally)
    }

    /// Enters the contact of `happening` into the journeys it triggers: an
    /// event into those that enter on it (and whose filter holds), an
    /// update into those whose `enter when` condition now holds.
    fn enter_on(&mut self, happening: &Happening, now: i64) -> Result<u64> {
        let program = self.program();
        let name = happening.name.as_deref();
        let may_enter = program.journeys.iter().any(|def| {
            def.entries
                .iter()
                .any(|entry| match (entry, happening.kind) {
                    (Entry::Event { event, .. }, HappeningKind::Event) => {
                        name == Some(program.events[*event as usize].name.as_str())
                    }
                    (Entry::When(_), HappeningKind::Update) => true,
                    _ => false,
                })
        });
        if !may_enter {
            return Ok(0);
        }
        let mut entered = 0;
        let vm = Vm::new(&program);
        for (journey, def) in program.journeys.iter().enumerate() {
            let journey = journey as JourneyId;
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
                                let scope = Scope {
                                    facts: &facts,
                                    now,
                                    zone: vm.zone(journey, &facts),
                                    since: now,
                                    event: &values,
                                };
                                holds(&def.code, cond, &scope)
                            })
                    }
                    (Entry::When(cond), HappeningKind::Update) => {
                        rules::condition_holds(&vm, journey, *cond, &facts, now)
                    }
                    _ => false,
                });
            if enters
                && self.enter_because(happening.contact, journey, now, &Cause::Happening)?
                    == Entered::Entered
            {
                entered += 1;
            }
        }
        Ok(entered)
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
