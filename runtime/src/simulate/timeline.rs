//! What the simulator prints, built from what the engine commits: an
//! [`Observer`] that turns each committed step into lines of its contact's
//! timeline and counts per step, as it happens, rather than reading the
//! store back afterwards.

use super::explain::Explain;
use super::report;
use super::{Moment, StepCounts};
use crate::bytecode::{JourneyId, Program};
use crate::engine::{Cause, Entered, Observed, Observer};
use crate::store::ContactId;
use crate::vm::Effect;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

/// Timelines and step counts of one simulation.
pub(super) struct Timelines<'p> {
    program: &'p Program,
    explain: &'p Explain,
    /// Store id -> the contact's place in the input.
    places: HashMap<ContactId, usize>,
    pub(super) timelines: Vec<Vec<Moment>>,
    pub(super) steps: Vec<Vec<StepCounts>>,
    /// Per (contact, journey) with a run: the step where it waits.
    waiting: BTreeMap<(usize, JourneyId), u16>,
    /// The simulation stops before anything later than this.
    until: i64,
    /// The latest timer set so far that is not after `until`: the
    /// simulator's clock went to every timer it set, also those of waits
    /// that ended earlier.
    pub(super) last_timer: Option<i64>,
}

impl<'p> Timelines<'p> {
    pub(super) fn new(
        program: &'p Program,
        explain: &'p Explain,
        places: HashMap<ContactId, usize>,
        until: i64,
    ) -> Timelines<'p> {
        let contacts = places.len();
        Timelines {
            program,
            explain,
            places,
            timelines: vec![Vec::new(); contacts],
            steps: program
                .journeys
                .iter()
                .map(|j| vec![StepCounts::default(); j.code.steps.len()])
                .collect(),
            waiting: BTreeMap::new(),
            until,
            last_timer: None,
        }
    }

    /// Adds a line to the timeline of the contact at `place`.
    pub(super) fn note(
        &mut self,
        place: usize,
        at: i64,
        journey: &str,
        step: Option<String>,
        what: String,
    ) {
        self.timelines[place].push(Moment {
            at,
            journey: journey.to_string(),
            step,
            what,
        });
    }

    /// Counts the runs that wait now, each at its step.
    pub(super) fn count_waiting(&mut self) {
        for (&(_, journey), &step) in &self.waiting {
            self.steps[journey as usize][step as usize].waiting_now += 1;
        }
    }

    fn committed(&mut self, step: &Observed<'_>) {
        let place = self.places[&step.contact];
        let program = step.program;
        let journey = step.journey;
        let code = &program.journeys[journey as usize].code;
        if let Some(cause) = step.entered {
            self.note(place, step.now, &code.name, None, entered(cause));
        }

        let step_id = |at: u16| Some(code.steps[at as usize].id.clone());
        for effect in step.effects {
            let counts = &mut self.steps[journey as usize];
            let (at, what) = match *effect {
                Effect::Arrived { step } => {
                    counts[step as usize].arrived += 1;
                    continue;
                }
                Effect::Send { step, email } => {
                    counts[step as usize].sent += 1;
                    let email = &program.emails[email as usize].name;
                    (step_id(step), format!("sent {email}"))
                }
                Effect::AddTo { step, segment } => {
                    let segment = &program.segments[segment as usize];
                    (step_id(step), format!("added to {segment}"))
                }
                Effect::RemoveFrom { step, segment } => {
                    let segment = &program.segments[segment as usize];
                    (step_id(step), format!("removed from {segment}"))
                }
                Effect::Branched { step, arm } => {
                    (step_id(step), self.explain.branch(journey, step, arm))
                }
                Effect::Split { step, arm } => {
                    (step_id(step), self.explain.split(journey, step, arm))
                }
                Effect::Parked { step, until, .. } => {
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
                    let target = &program.journeys[target as usize].code.name;
                    (step_id(step), format!("handed to journey {target}"))
                }
                Effect::Ended(reason) => {
                    if let Some(counts) = counts.get_mut(step.step as usize) {
                        counts.ended_here += 1;
                    }
                    (None, reason.describe(code))
                }
            };
            self.note(place, step.now, &code.name, at, what);
        }

        match step.parked {
            true => self.waiting.insert((place, journey), step.step),
            false => self.waiting.remove(&(place, journey)),
        };
        let timer = step.wake_at.filter(|at| *at <= self.until);
        self.last_timer = self.last_timer.max(timer);
    }

    fn not_entered(
        &mut self,
        contact: ContactId,
        journey: JourneyId,
        why: Entered,
        cause: &Cause,
        now: i64,
    ) {
        let what = match (why, cause) {
            // A happening or a segment joined enters only those not in a
            // run: nothing to say.
            (Entered::AlreadyIn, Cause::Happening | Cause::JoinedSegment) => return,
            (Entered::AlreadyIn, _) => "not entered: already in this journey",
            _ => "not entered: re-entry rule",
        };
        let place = self.places[&contact];
        let name = &self.program.journeys[journey as usize].code.name;
        self.note(place, now, &name.clone(), None, what.into());
    }
}

/// The timeline's words for why a contact entered.
fn entered(cause: &Cause) -> String {
    match cause {
        Cause::List => "entered on its list".into(),
        Cause::Segment => "entered in its segment".into(),
        Cause::Condition => "entered its condition held".into(),
        Cause::Date => "entered on its date".into(),
        Cause::Happening => "entered on a happening".into(),
        Cause::JoinedSegment => "entered on joining its segment".into(),
        Cause::HandedFrom(from) => format!("entered from journey {from}"),
        Cause::Enrolled => "entered with --enter".into(),
    }
}

/// The observer the engine holds, while the simulator adds its own lines
/// (the happenings it plays) between the engine's calls.
pub(super) struct Watching<'a, 'p>(pub(super) &'a RefCell<Timelines<'p>>);

impl Observer for Watching<'_, '_> {
    fn committed(&mut self, step: &Observed<'_>) {
        self.0.borrow_mut().committed(step);
    }

    fn not_entered(
        &mut self,
        contact: ContactId,
        journey: JourneyId,
        why: Entered,
        cause: &Cause,
        now: i64,
    ) {
        self.0
            .borrow_mut()
            .not_entered(contact, journey, why, cause, now);
    }
}
