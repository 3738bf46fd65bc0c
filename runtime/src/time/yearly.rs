//! Dates that come round every year: birthdays, renewals.
//!
//! `enter on date contact.F [+/- D] yearly at HH:MM` fires on each
//! anniversary. 29 February has an anniversary in every year: 28 February
//! when the year has no 29th.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use journey_compiler::syntax::ast::{Offset, TimeLit};

use super::until::{until_relative, FieldTime};
use super::NEVER;

/// The years searched for an anniversary: well inside chrono's calendar, so
/// that an offset of a few thousand years still fits.
const FIRST_YEAR: i32 = -250_000;
const LAST_YEAR: i32 = 250_000;

/// The date `month`/`day` falls on in `year`.
///
/// 29 February falls on 28 February in a year that has no 29 February;
/// a day that no year has (`4`/`31`) gives `None`.
///
/// ```
/// use chrono::NaiveDate;
/// use journey_runtime::time::yearly_occurrence;
///
/// assert_eq!(yearly_occurrence(2, 29, 2027), NaiveDate::from_ymd_opt(2027, 2, 28));
/// assert_eq!(yearly_occurrence(2, 29, 2028), NaiveDate::from_ymd_opt(2028, 2, 29));
/// assert_eq!(yearly_occurrence(4, 31, 2028), None);
/// ```
pub fn yearly_occurrence(month: u32, day: u32, year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day).or_else(|| {
        if month == 2 && day == 29 {
            NaiveDate::from_ymd_opt(year, 2, 28)
        } else {
            None
        }
    })
}

/// The next time `date_field` comes round, at or after `now`: an occurrence
/// equal to `now` counts.
///
/// Each year's occurrence is that year's anniversary of the date, moved by
/// `offset` like a `date` field (calendar units from 00:00 local), at `at`
/// local in `zone`. So `renewal - 30 days` is 30 days before each year's
/// anniversary: 13 February for a renewal on 15 March, 14 February in leap
/// years. For a `datetime` field, pass its local date in `zone`
/// (`to_local(field, zone).date()`). [`NEVER`] when no occurrence fits in
/// chrono's calendar.
pub fn next_yearly(
    now: DateTime<Utc>,
    date_field: NaiveDate,
    at: &TimeLit,
    offset: Option<&Offset>,
    zone: Tz,
) -> DateTime<Utc> {
    let occurrence = |year: i32| {
        yearly_occurrence(date_field.month(), date_field.day(), year)
            .map(|date| until_relative(FieldTime::Date(date), offset, Some(at), zone))
    };

    // Occurrences only grow with the year, so the first year whose
    // occurrence is at or after now is found by bisection.
    let mut low = FIRST_YEAR;
    let mut high = LAST_YEAR;
    if occurrence(high).is_none_or(|last| last < now) {
        return NEVER;
    }

    while high - low > 1 {
        let middle = low + (high - low) / 2;
        if occurrence(middle).is_some_and(|candidate| candidate >= now) {
            high = middle;
        } else {
            low = middle;
        }
    }

    match occurrence(low) {
        Some(candidate) if candidate >= now => candidate,
        _ => occurrence(high).unwrap_or(NEVER),
    }
}
