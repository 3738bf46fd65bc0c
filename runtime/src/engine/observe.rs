//! What the engine commits, told to whoever watches: a host that shows
//! what happened (the simulator's timelines and step counts) watches the
//! engine instead of reading it back from the store.
//!
//! An [`Observer`] hears of each step once its commit is in, with the VM's
//! effects in the order the VM gave them, and of each entry the engine
//! decided against. A step lost to another engine, or a batch rolled back,
//! is not told. With no observer the engine keeps no effects beyond the
//! step that made them: watching costs nothing when nobody watches.

use super::Entered;
use crate::bytecode::{JourneyId, Program};
use crate::store::{ContactId, DeploymentId};
use crate::vm::Effect;

/// One committed step, as the VM made it.
pub struct Observed<'a> {
    pub contact: ContactId,
    /// The program the run is on (its deployment's).
    pub program: &'a Program,
    pub journey: JourneyId,
    /// Whether this step began the run (an entry), not resumed it.
    pub began: bool,
    /// The VM's effects, in order; indexes are into `program`.
    pub effects: &'a [Effect],
    /// Whether the run waits on after this step (it did not end).
    pub parked: bool,
    pub now: i64,
}

/// Told what the engine commits.
pub trait Observer {
    /// A step of a run was committed.
    fn committed(&mut self, step: &Observed<'_>);

    /// `contact` was not entered into `journey` (of the latest program):
    /// [`Entered::AlreadyIn`], [`Entered::ReentryRefused`] (also a list,
    /// segment or condition trigger that enters a contact once), or
    /// [`Entered::Raced`].
    fn not_entered(&mut self, contact: ContactId, journey: JourneyId, why: Entered, now: i64) {
        let _ = (contact, journey, why, now);
    }
}

/// What a batch keeps of one step for the observer.
pub(super) struct Kept {
    pub(super) deployment: DeploymentId,
    pub(super) journey: JourneyId,
    pub(super) began: bool,
    pub(super) effects: Vec<Effect>,
    pub(super) parked: bool,
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
        now: i64,
    },
}
