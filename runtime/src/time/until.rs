//! The instant a `wait until` ends: a local date at a time, or a moment
//! relative to a contact's date or date-time field; and whether it is late.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use journey_compiler::syntax::ast::{Offset, TimeLit};

use super::calendar::{add, add_to_local, Sign};
use super::literal::time_of;
use super::local::{local_to_utc, to_local};

/// The value of the contact field a relative wait counts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldTime {
    /// A `date` field: it stands for 00:00 local at the start of that day.
    Date(NaiveDate),
    /// A `datetime` field: an instant.
    DateTime(DateTime<Utc>),
}

/// `wait until DATE [at TIME]`: that local date-time in `zone`; without a
/// time, 00:00 at the start of the day.
pub fn until_local(date: NaiveDate, time: Option<&TimeLit>, zone: Tz) -> DateTime<Utc> {
    let time = time.map(time_of).unwrap_or(NaiveTime::MIN);
    local_to_utc(date.and_time(time), zone)
}

/// `wait until contact.F [+/- D] [at TIME]`.
///
/// The field's value is moved by the offset (calendar units on the wall
/// clock of `zone`, exact units exactly); `at` then sets the local time of
/// day on the date the move reached. A `date` field counts from 00:00 local
/// on its day, so without `at` it ends at the start of the moved day.
pub fn until_relative(
    field: FieldTime,
    offset: Option<&Offset>,
    at: Option<&TimeLit>,
    zone: Tz,
) -> DateTime<Utc> {
    let moved = match field {
        FieldTime::DateTime(instant) => match offset {
            Some(offset) => add(instant, &offset.duration, Sign::of(offset), zone),
            None => instant,
        },
        FieldTime::Date(date) => {
            let start_of_day = date.and_time(NaiveTime::MIN);
            match offset {
                Some(offset) => {
                    add_to_local(start_of_day, &offset.duration, Sign::of(offset), zone)
                }
                None => local_to_utc(start_of_day, zone),
            }
        }
    };

    match at {
        Some(time) => local_to_utc(to_local(moved, zone).date().and_time(time_of(time)), zone),
        None => moved,
    }
}

/// Whether a wait until `target` is late when the contact arrives at `now`:
/// the target lies strictly before now. A target equal to now is on time,
/// and the contact passes at once.
pub fn is_late(target: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    target < now
}
