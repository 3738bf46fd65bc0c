//! Entry on a date (a birthday, a renewal date, at a local time): each
//! contact's next date-triggered entry into each journey that enters on a
//! date is scheduled ahead, and entered when it comes, a batch at a time.

use super::*;

impl<S: Store + ?Sized> Engine<'_, S> {
    /// Schedules the next date-triggered entry of every contact that has
    /// none yet into `journey` (none at all when the journey does not enter
    /// on a date). A moment that has passed, or a missing date, is kept as
    /// "never", so the contact is not looked at again until its date
    /// changes.
    pub(super) fn schedule_dates(
        &mut self,
        program: &Program,
        journey: JourneyId,
        now: i64,
    ) -> Result<()> {
        let def = &program.journeys[journey as usize];
        if !def.entries.iter().any(|e| matches!(e, Entry::Date { .. })) {
            return Ok(());
        }
        let name = &def.code.name;
        loop {
            let scheduled = self.in_batch(|engine| {
                let contacts = engine.store.unscheduled_for_date(name, BATCH)?;
                let rows = Rows::read(engine.store, &contacts)?;
                for &contact in &contacts {
                    let facts = load::facts(program, rows.get(contact)?)?;
                    let due = rules::next_date_entry(program, journey, &facts, now);
                    engine
                        .store
                        .schedule_date_entry(name, contact, due.unwrap_or(i64::MAX))?;
                }
                Ok(contacts.len())
            })?;
            if scheduled < BATCH {
                return Ok(());
            }
        }
    }

    /// Enters the contacts whose date has come, and schedules their next
    /// one (next year's, for a yearly date).
    pub(super) fn run_date_entries(&mut self, now: i64, batch: usize) -> Result<u64> {
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
                let at = due_at.max(0).min(now);
                if self.enter_because(contact, journey, at, &Cause::Date)? == Entered::Entered {
                    entered += 1;
                }
                let facts = self.facts(&program, contact)?;
                let next = rules::next_date_entry(&program, journey, &facts, due_at + 1);
                self.store
                    .schedule_date_entry(&name, contact, next.unwrap_or(i64::MAX))?;
            }
        }
    }
}
