//! Adding a duration to an instant: exact units to the instant, calendar
//! units to the wall clock of a zone.
//!
//! `3 days` means "the same time of day, three dates later" to an author, so
//! days, weeks and months move the local date; seconds, minutes and hours
//! are fixed lengths. See the module doc of `time` for the rules in full.

use chrono::{DateTime, Days, Months, NaiveDateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use journey_compiler::syntax::ast::{Duration, DurationUnit, Offset};

use super::local::{local_to_utc, to_local};
use super::{EARLIEST, NEVER};

/// Which way a duration moves an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sign {
    /// Later: `now + 3 days`, `wait 3 days`, `contact.due + 3 days`.
    Plus,
    /// Earlier: `contact.due - 3 days`.
    Minus,
}

impl Sign {
    /// The sign written before an offset: `- 2 days` is [`Sign::Minus`].
    pub fn of(offset: &Offset) -> Sign {
        if offset.negative {
            Sign::Minus
        } else {
            Sign::Plus
        }
    }
}

/// `at` moved by `duration` in the direction `sign`, calendar units read on
/// the wall clock of `zone`.
///
/// Months go first (landing on the month's last day when it lacks the day),
/// then weeks and days, then the exact units. Results beyond chrono's years
/// saturate at [`NEVER`] or at the earliest instant chrono holds.
pub fn add(at: DateTime<Utc>, duration: &Duration, sign: Sign, zone: Tz) -> DateTime<Utc> {
    let amounts = Amounts::of(duration);
    if amounts.months == 0 && amounts.days == 0 {
        return shift_exact(at, amounts.seconds, sign);
    }
    // UTC has no transitions: a calendar day there is exactly 86,400 s.
    if zone == Tz::UTC && amounts.months == 0 {
        let seconds = amounts
            .days
            .saturating_mul(86_400)
            .saturating_add(amounts.seconds);
        return shift_exact(at, seconds, sign);
    }

    add_to_local(to_local(at, zone), duration, sign, zone)
}

/// The wall-clock date-time `local` moved by `duration`: the calendar units
/// on the wall clock, then the result read as an instant, then the exact
/// units. A `date` field starts here, at 00:00 of its day.
pub(crate) fn add_to_local(
    local: NaiveDateTime,
    duration: &Duration,
    sign: Sign,
    zone: Tz,
) -> DateTime<Utc> {
    let amounts = Amounts::of(duration);

    let Some(moved) = shift_calendar(local, amounts.months, amounts.days, sign) else {
        return saturated(sign);
    };

    shift_exact(local_to_utc(moved, zone), amounts.seconds, sign)
}

/// The parts of a duration summed per kind of unit.
struct Amounts {
    months: u64,
    /// Weeks count as seven days.
    days: u64,
    /// Seconds, minutes and hours, in seconds.
    seconds: u64,
}

impl Amounts {
    fn of(duration: &Duration) -> Amounts {
        let mut amounts = Amounts {
            months: 0,
            days: 0,
            seconds: 0,
        };

        for part in &duration.parts {
            let (total, scale) = match part.unit {
                DurationUnit::Seconds => (&mut amounts.seconds, 1),
                DurationUnit::Minutes => (&mut amounts.seconds, 60),
                DurationUnit::Hours => (&mut amounts.seconds, 3_600),
                DurationUnit::Days => (&mut amounts.days, 1),
                DurationUnit::Weeks => (&mut amounts.days, 7),
                DurationUnit::Months => (&mut amounts.months, 1),
            };
            *total = total.saturating_add(part.amount.saturating_mul(scale));
        }

        amounts
    }
}

/// `local` moved by whole months, then by whole days; `None` beyond chrono's
/// calendar.
fn shift_calendar(
    local: NaiveDateTime,
    months: u64,
    days: u64,
    sign: Sign,
) -> Option<NaiveDateTime> {
    let months = Months::new(u32::try_from(months).ok()?);
    let days = Days::new(days);

    match sign {
        Sign::Plus => local.checked_add_months(months)?.checked_add_days(days),
        Sign::Minus => local.checked_sub_months(months)?.checked_sub_days(days),
    }
}

/// `at` moved by an exact number of seconds.
fn shift_exact(at: DateTime<Utc>, seconds: u64, sign: Sign) -> DateTime<Utc> {
    let delta = i64::try_from(seconds).ok().and_then(TimeDelta::try_seconds);

    let moved = delta.and_then(|delta| match sign {
        Sign::Plus => at.checked_add_signed(delta),
        Sign::Minus => at.checked_sub_signed(delta),
    });

    moved.unwrap_or(saturated(sign))
}

/// Where a move too large for chrono ends.
fn saturated(sign: Sign) -> DateTime<Utc> {
    match sign {
        Sign::Plus => NEVER,
        Sign::Minus => EARLIEST,
    }
}
