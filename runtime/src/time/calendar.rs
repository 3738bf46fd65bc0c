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
use super::span;
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

/// [`add`] on seconds since 1970, when that can be done without chrono's
/// calendar: a duration without months, from and to instants far inside
/// chrono's years, and a wall-clock result that this thread's span of the
/// zone reads (see `span`). `None` means: ask [`add`]. Where it answers,
/// the answer is [`add`]'s; it saves the conversions for the common
/// `wait 2 days`.
pub fn add_seconds(at: i64, duration: &Duration, sign: Sign, zone: Tz) -> Option<i64> {
    let amounts = Amounts::of(duration);
    let in_range = |n: i64| (-FAST_LIMIT..FAST_LIMIT).contains(&n);
    if amounts.months != 0
        || amounts.days > FAST_DAYS
        || amounts.seconds > FAST_LIMIT as u64
        || !in_range(at)
    {
        return None;
    }

    let signed = |n: u64| match sign {
        Sign::Plus => n as i64,
        Sign::Minus => -(n as i64),
    };
    let days = signed(amounts.days * 86_400);
    let moved = if days == 0 || zone == Tz::UTC {
        at + days
    } else {
        span::move_days(at, days, zone)?
    };

    let end = moved + signed(amounts.seconds);
    in_range(end).then_some(end)
}

/// The instants [`add_seconds`] works on: some 95,000 years either side of
/// 1970.
const FAST_LIMIT: i64 = 3_000_000_000_000;

/// The most days [`add_seconds`] moves by: some 100,000 years.
const FAST_DAYS: u64 = 36_500_000;

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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{LocalResult, TimeZone};
    use journey_compiler::syntax::ast::DurationPart;

    /// The rule read straight from chrono-tz, without this module's spans:
    /// the local date-time moved by whole days, read as its earlier
    /// instant; `None` in a gap.
    fn reference(at: i64, days: u64, seconds: u64, sign: Sign, zone: Tz) -> Option<i64> {
        let local = zone.timestamp_opt(at, 0).single()?.naive_local();
        let moved = match sign {
            Sign::Plus => local.checked_add_days(Days::new(days))?,
            Sign::Minus => local.checked_sub_days(Days::new(days))?,
        };
        let read = match zone.from_local_datetime(&moved) {
            LocalResult::Single(at) => at.timestamp(),
            LocalResult::Ambiguous(a, b) => a.timestamp().min(b.timestamp()),
            LocalResult::None => return None,
        };
        Some(match sign {
            Sign::Plus => read + seconds as i64,
            Sign::Minus => read - seconds as i64,
        })
    }

    fn duration(days: u64, seconds: u64) -> Duration {
        let part = |amount, unit| DurationPart {
            amount,
            unit,
            span: Default::default(),
        };
        Duration {
            parts: vec![
                part(days, DurationUnit::Days),
                part(seconds, DurationUnit::Seconds),
            ],
            span: Default::default(),
        }
    }

    /// Walks every zone from a year between 1950 and 2050, mostly by hours
    /// and now and then by weeks either way, adding or subtracting up to 100
    /// days at each instant: where `add_seconds` answers, it answers as
    /// chrono-tz does; it answers three times in four or more, though each
    /// instant waits a different number of days.
    #[test]
    fn add_seconds_agrees_with_chrono_tz() {
        let mut state = 11u64;
        let mut next = |bound: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 33) % bound
        };
        let (mut asked, mut answered) = (0, 0);

        for zone in chrono_tz::TZ_VARIANTS {
            let mut at = -631_152_000 + next(3_155_760_000) as i64;
            for _ in 0..400 {
                at += match next(10) {
                    0 => next(40 * 86_400) as i64 - 20 * 86_400,
                    _ => next(6 * 3_600) as i64,
                };
                let (days, seconds) = (next(100), next(100_000));
                let sign = if next(2) == 0 {
                    Sign::Plus
                } else {
                    Sign::Minus
                };

                asked += 1;
                let Some(fast) = add_seconds(at, &duration(days, seconds), sign, zone) else {
                    continue;
                };
                answered += 1;
                let expected = reference(at, days, seconds, sign, zone);
                assert_eq!(
                    Some(fast),
                    expected,
                    "{zone:?} {at} {sign:?} {days} d {seconds} s"
                );
            }
        }

        assert!(answered * 4 > asked * 3, "{answered} of {asked} answered");
    }
}
