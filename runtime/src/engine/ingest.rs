//! Many happenings at once: what `journey serve` does with a batch of
//! events (and with a single one), as [`Engine::happen`] does with one,
//! in a few transactions instead of several per happening.
//!
//! The batch happens at one instant. Every happening (and the audit rows
//! the caller gives) is written in one transaction, updates changing
//! their contact's fields in the order given; then the runs they wake,
//! every contact's once, are advanced and committed together; then each
//! happening enters the journeys it triggers. A run woken by two events
//! of the batch is advanced once and sees both, as it would see an event
//! that happened before it reached its wait.

use super::*;
use crate::store::sqlite::AuditEntry;

impl Engine<'_> {
    /// Records `happenings` with `audit` and lets them do their work: the
    /// runs of their contacts that wait for them advance, and the journeys
    /// they trigger are entered.
    pub fn happen_all(
        &mut self,
        happenings: &[Happening],
        audit: &[AuditEntry],
        now: i64,
    ) -> Result<Tally> {
        self.store.record_all(happenings, audit, now)?;
        let program = self.program();

        let updates = happenings
            .iter()
            .filter(|h| h.kind == HappeningKind::Update);
        let dated = program
            .journeys
            .iter()
            .any(|j| j.entries.iter().any(|e| matches!(e, Entry::Date { .. })));
        let mut updated = false;
        for happening in updates {
            self.update_zone(happening)?;
            if dated {
                // Its dates may have changed: schedule its entries anew.
                self.store.forget_date_entries(happening.contact)?;
            }
            updated = true;
        }
        if dated && updated {
            for journey in 0..program.journeys.len() {
                self.schedule_dates(&program, journey as JourneyId, now)?;
            }
        }

        let runs = self.woken_runs(happenings)?;
        let (outcomes, handoffs) = self.in_batch(|engine| {
            let steps = engine.decide_advances(&runs, now)?;
            engine.commit_steps(steps)
        })?;
        self.hand_off(handoffs, now)?;
        let mut tally = Tally::default();
        for outcome in outcomes {
            match outcome {
                CommitOutcome::Committed(_) => tally.advanced += 1,
                CommitOutcome::Lost => tally.lost_races += 1,
            }
        }

        for happening in happenings {
            tally.entered += self.enter_on(happening, now)?;
        }
        Ok(tally)
    }

    /// The runs the batch wakes, each once: every active run of a contact
    /// that was updated (its `exit when` may hold now), else those waiting
    /// for what happened to the contact.
    fn woken_runs(&self, happenings: &[Happening]) -> Result<Vec<RunRow>> {
        let mut contacts: Vec<(ContactId, u8, bool)> = Vec::new();
        let mut seen: HashMap<ContactId, usize> = HashMap::new();
        for happening in happenings {
            let wakes = match happening.kind {
                HappeningKind::Open => Wakes::OPEN,
                HappeningKind::Click => Wakes::CLICK,
                HappeningKind::Event => Wakes::EVENT,
                HappeningKind::Update => Wakes::UPDATE,
            };
            let update = happening.kind == HappeningKind::Update;
            match seen.get(&happening.contact) {
                Some(&index) => {
                    contacts[index].1 |= wakes.bits();
                    contacts[index].2 |= update;
                }
                None => {
                    seen.insert(happening.contact, contacts.len());
                    contacts.push((happening.contact, wakes.bits(), update));
                }
            }
        }
        let mut runs = Vec::new();
        for (contact, bits, update) in contacts {
            match update {
                true => runs.extend(self.store.active_runs(contact)?),
                false => runs.extend(self.store.runs_woken_by(contact, bits)?),
            }
        }
        Ok(runs)
    }
}
