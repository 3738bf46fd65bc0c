//! Entry through the journeys' standing triggers: list and segment
//! members, and contacts for whom an `enter when` condition holds, each
//! entered once; date triggers are scheduled from here too (see
//! `dates.rs`).

use super::{load, Cause, Engine, Members, Result, Tally, BATCH, PAGE};
use crate::bytecode::{Cond, Entry, JourneyId, Program};
use crate::entry_rules as rules;
use crate::store::Store;
use crate::vm::Vm;
use load::Rows;

impl<S: Store + ?Sized> Engine<'_, S> {
    /// Enters contacts through list, segment and condition triggers: every
    /// member who is not in the journey and has never ended a run of it.
    pub fn enter_by_triggers(&mut self, now: i64) -> Result<Tally> {
        let program = self.program();
        let mut tally = Tally::default();
        for (journey, def) in program.journeys.iter().enumerate() {
            let journey = journey as JourneyId;
            for entry in &def.entries {
                tally.entered += match entry {
                    Entry::List(list) => {
                        let members = Members::List(&program.lists[*list as usize]);
                        self.enter_members_once(members, journey, now)?
                    }
                    Entry::Segment(s) => {
                        let members = Members::Segment(&program.segments[*s as usize]);
                        self.enter_members_once(members, journey, now)?
                    }
                    Entry::When(cond) => self.enter_when(&program, journey, *cond, now)?,
                    Entry::Event { .. } | Entry::Date { .. } => 0,
                };
            }
            self.schedule_dates(&program, journey, now)?;
        }
        Ok(tally)
    }

    /// Enters the members who never ended a run of `journey`, a page at a
    /// time; returns how many entered.
    fn enter_members_once(
        &mut self,
        members: Members,
        journey: JourneyId,
        now: i64,
    ) -> Result<u64> {
        let cause = match members {
            Members::List(_) => Cause::List,
            Members::Segment(_) => Cause::Segment,
        };
        let mut entered = 0;
        let mut after = 0;
        loop {
            let page = self.store.members_page(members, after, PAGE)?;
            let Some(&last) = page.last() else {
                return Ok(entered);
            };
            after = last;
            entered += self.enter_batches(&page, journey, now, &cause)?.entered;
        }
    }

    /// Enters the contacts for whom `cond` holds now and who never ended a
    /// run of `journey`, looking at every contact a batch at a time.
    fn enter_when(
        &mut self,
        program: &Program,
        journey: JourneyId,
        cond: Cond,
        now: i64,
    ) -> Result<u64> {
        let vm = Vm::new(program);
        let mut entered = 0;
        let mut after = 0;
        loop {
            let page = self.store.contacts_page(after, BATCH)?;
            let Some(&last) = page.last() else {
                return Ok(entered);
            };
            after = last;
            let rows = Rows::read(self.store, &page)?;
            let mut holding = Vec::new();
            for &contact in &page {
                let facts = load::facts(program, rows.get(contact)?)?;
                if rules::condition_holds(&vm, journey, cond, &facts, now) {
                    holding.push(contact);
                }
            }
            entered += self
                .enter_batches(&holding, journey, now, &Cause::Condition)?
                .entered;
        }
    }
}
