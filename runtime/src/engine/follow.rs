//! What committed steps set in motion once their batch is in: contacts
//! handed to another journey (`goto journey`) enter it, and a change of a
//! contact's segments wakes its other waiting runs and enters the journeys
//! that enter on a segment it joined.

use super::{Cause, Engine, Handoffs, Result};
use crate::bytecode::{Entry, JourneyId};
use crate::store::{ContactId, Store};
use crate::vm::Wakes;

/// A committed step that changed its contact's segments: the contact's
/// other waiting runs may read them, and joining a segment may enter
/// journeys (see [`Engine::follow_segment_changes`]).
pub(super) struct SegmentChange {
    pub contact: ContactId,
    /// The journey of the run that made the change, which is not woken.
    pub journey: String,
    pub joined: Vec<String>,
}

impl<S: Store + ?Sized> Engine<'_, S> {
    /// Enters the contacts that committed steps handed to another journey
    /// (`goto journey`), into the latest deployment's journey of that name.
    /// Then follows the committed steps' segment changes.
    pub(super) fn hand_off(&mut self, handoffs: Handoffs, now: i64) -> Result<()> {
        if !handoffs.is_empty() {
            let latest = self.program();
            for (contact, target, from) in handoffs {
                if let Some(j) = latest.journeys.iter().position(|j| j.code.name == target) {
                    self.enter_because(contact, j as JourneyId, now, &Cause::HandedFrom(from))?;
                }
            }
        }
        self.follow_segment_changes(now)
    }

    /// After steps changed their contacts' segments: the contact's runs of
    /// other journeys that wait for an update are woken (their conditions
    /// may read membership), then the contact enters the latest
    /// deployment's journeys that enter on a segment it joined, as a
    /// trigger enters (the re-entry rule applies).
    fn follow_segment_changes(&mut self, now: i64) -> Result<()> {
        if self.segment_changes.is_empty() {
            return Ok(());
        }
        let changes = std::mem::take(&mut self.segment_changes);
        let latest = self.program();
        for change in changes {
            let waiting = self
                .store
                .runs_woken_by(change.contact, Wakes::UPDATE.bits())?;
            for run in waiting.iter().filter(|run| run.journey != change.journey) {
                self.advance(run, now)?;
            }

            for joined in &change.joined {
                let Some(segment) = latest.segments.iter().position(|s| s == joined) else {
                    continue;
                };
                let trigger = Entry::Segment(segment as u16);
                for (journey, def) in latest.journeys.iter().enumerate() {
                    if def.entries.contains(&trigger) {
                        let cause = Cause::JoinedSegment;
                        self.enter_because(change.contact, journey as JourneyId, now, &cause)?;
                    }
                }
            }
        }
        Ok(())
    }
}
