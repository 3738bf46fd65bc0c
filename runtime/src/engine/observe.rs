//! What the engine commits, told to whoever watches: a host that shows
//! what happened (the simulator's timelines and step counts) watches the
//! engine instead of reading it back from the store.
//!
//! An [`Observer`] hears of each step once its commit is in, with the VM's
//! effects in the order the VM gave them, and of each entry the engine
//! decided against. A step lost to another engine, or a batch rolled back,
//! is not told. With no observer the engine keeps no effects beyond the
//! step that made them: watching costs nothing when nobody watches.

use super::{Engine, Entered, Result, Steps};
use crate::bytecode::{JourneyId, Program};
use crate::store::{CommitOutcome, Store};
use crate::store::{ContactId, DeploymentId};
use crate::vm::Effect;

/// One committed step, as the VM made it.
pub struct Observed<'a> {
    pub contact: ContactId,
    /// The program the run is on (its deployment's).
    pub program: &'a Program,
    pub journey: JourneyId,
    /// Why the contact entered, if this step began the run (else it
    /// resumed it).
    pub entered: Option<&'a Cause>,
    /// The VM's effects, in order; indexes are into `program`.
    pub effects: &'a [Effect],
    /// Whether the run waits on after this step (it did not end).
    pub parked: bool,
    /// The step the run is at after this call: where it waits, or where
    /// it ended.
    pub step: u16,
    /// When its timer is due, if it waits with one.
    pub wake_at: Option<i64>,
    pub now: i64,
}

/// Told what the engine commits.
pub trait Observer {
    /// A step of a run was committed.
    fn committed(&mut self, step: &Observed<'_>);

    /// `contact` was not entered into `journey` (of the latest program)
    /// for `cause`: [`Entered::AlreadyIn`], [`Entered::ReentryRefused`]
    /// (also a list, segment or condition trigger that enters a contact
    /// once), or [`Entered::Raced`].
    fn not_entered(
        &mut self,
        contact: ContactId,
        journey: JourneyId,
        why: Entered,
        cause: &Cause,
        now: i64,
    ) {
        let _ = (contact, journey, why, cause, now);
    }
}

/// Why the engine entered a contact into a journey (or tried to).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cause {
    /// The trigger sweep, `enter on list`: the contact is on the list.
    List,
    /// The trigger sweep, `enter on segment`: the contact is in it.
    Segment,
    /// The trigger sweep, `enter when`: the condition holds.
    Condition,
    /// `enter on date`: the date came.
    Date,
    /// A happening: an event for `enter on event`, or an update after
    /// which an `enter when` condition holds.
    Happening,
    /// A step added the contact to a segment of `enter on segment`.
    JoinedSegment,
    /// `goto journey` in a run of the journey named.
    HandedFrom(String),
    /// The host asked: [`super::Engine::enter`], bulk enrolment.
    Enrolled,
}

/// What a batch keeps of one step for the observer.
pub(super) struct Kept {
    pub(super) deployment: DeploymentId,
    pub(super) journey: JourneyId,
    pub(super) entered: Option<Cause>,
    pub(super) effects: Vec<Effect>,
    pub(super) parked: bool,
    pub(super) step: u16,
    pub(super) wake_at: Option<i64>,
}

/// What the observer is told once the batch that did it is committed.
pub(super) enum Told {
    Step {
        contact: ContactId,
        now: i64,
        step: Kept,
    },
    NotEntered {
        contact: ContactId,
        journey: JourneyId,
        why: Entered,
        cause: Cause,
        now: i64,
    },
}

impl<S: Store + ?Sized> Engine<'_, S> {
    /// Keeps for the observer, if any, what a batch commits and which
    /// entries it decided against (an entry lost to another engine is one).
    pub(super) fn keep_for_observer(&mut self, steps: &mut Steps, outcomes: &[CommitOutcome]) {
        if self.observer.is_none() {
            return;
        }
        self.untold.append(&mut steps.not_entered);
        let kept = std::mem::take(&mut steps.kept);
        let commits = steps.commits.iter().zip(&steps.after);
        for ((step, (commit, &(contact, _))), outcome) in
            kept.into_iter().zip(commits).zip(outcomes)
        {
            let now = commit.now;
            self.untold.push(match outcome {
                CommitOutcome::Committed(_) => Told::Step { contact, now, step },
                CommitOutcome::Lost if step.entered.is_some() => Told::NotEntered {
                    contact,
                    journey: step.journey,
                    why: Entered::Raced,
                    cause: step.entered.unwrap_or(Cause::Enrolled),
                    now,
                },
                CommitOutcome::Lost => continue,
            });
        }
    }

    /// Tells the observer what the committed batches did.
    pub(super) fn tell_observer(&mut self) -> Result<()> {
        if self.untold.is_empty() {
            return Ok(());
        }
        let untold = std::mem::take(&mut self.untold);
        for told in untold {
            match told {
                Told::Step { contact, now, step } => {
                    let program = self.program_of(step.deployment)?;
                    if let Some(observer) = self.observer.as_deref_mut() {
                        observer.committed(&Observed {
                            contact,
                            program: &program,
                            journey: step.journey,
                            entered: step.entered.as_ref(),
                            effects: &step.effects,
                            parked: step.parked,
                            step: step.step,
                            wake_at: step.wake_at,
                            now,
                        });
                    }
                }
                Told::NotEntered {
                    contact,
                    journey,
                    why,
                    cause,
                    now,
                } => {
                    if let Some(observer) = self.observer.as_deref_mut() {
                        observer.not_entered(contact, journey, why, &cause, now);
                    }
                }
            }
        }
        Ok(())
    }
}
