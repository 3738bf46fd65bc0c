//! The entry rules the engine applies around the VM: re-entry, condition
//! triggers and date triggers. (`journey simulate` runs on the engine, so
//! it enters contacts exactly as `journey run` does.)

use crate::bytecode::{Cond, Entry, JourneyId, Program, Zone};
use crate::eval::{holds, Scope};
use crate::facts::{Facts, Value};
use crate::simulate::history::Contact;
use crate::timing;
use crate::vm::Vm;
use journey_compiler::syntax::ast::Reentry;

/// Whether the journey's re-entry rule takes back a contact whose last run
/// of it ended at `ended`.
pub(crate) fn reentry_allows(
    vm: &Vm,
    journey: JourneyId,
    facts: &Contact,
    ended: i64,
    now: i64,
) -> bool {
    match &vm.program.journeys[journey as usize].reentry {
        Reentry::Never => false,
        Reentry::Always => true,
        Reentry::After(duration) => {
            let zone = vm.zone(journey, facts);
            now >= timing::add(ended, duration, false, zone)
        }
    }
}

pub(crate) fn condition_holds(
    vm: &Vm,
    journey: JourneyId,
    cond: Cond,
    facts: &Contact,
    now: i64,
) -> bool {
    let scope = Scope {
        facts,
        now,
        zone: vm.zone(journey, facts),
        since: now,
        event: &[],
    };
    holds(&vm.program.journeys[journey as usize].code, cond, &scope)
}

/// The next moment at or after `from` when `facts` enters `journey` by a
/// date trigger; `None` when there is none (no date, or it has passed).
pub(crate) fn next_date_entry(
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
            Some(Zone::Named(name)) => name.parse().ok(),
            Some(Zone::Field(f)) => match facts.field(*f) {
                Value::Text(name) => name.parse().ok(),
                _ => None,
            },
            None => None,
        }
        .unwrap_or_else(|| vm.zone(journey, facts));
        let value = facts.field(*field);
        let when = if *yearly {
            let date = match value {
                Value::Date(days) => chrono::NaiveDate::default()
                    .checked_add_signed(chrono::TimeDelta::days(days.into())),
                Value::Instant(at) => chrono::DateTime::from_timestamp(at, 0)
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
