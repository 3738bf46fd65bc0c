//! Range checks on literals (`number-out-of-range`): a duration longer than
//! the calendar journey schedules in (the years 0001 to 9999), or a number
//! too large to hold, is an error.
//!
//! Both parsers read a count too large for a `u64` as `u64::MAX`, and the
//! runtime adds durations with saturating arithmetic, so without this check
//! `wait 99999999999999999999999 days` would silently become a wait that ends
//! in a year the engine cannot store. Months count as the Gregorian average
//! month (30.436875 days) here; the runtime moves by calendar months.

use super::Cx;
use crate::diagnostic::{label, Diagnostic};
use crate::source::FileId;
use crate::span::Span;
use crate::syntax::ast::{Duration, DurationUnit};

/// Days from 0001-01-01 to 9999-12-31, both included: the whole calendar.
pub const MAX_DAYS: u64 = 3_652_059;

const SECONDS_PER_DAY: u128 = 86_400;

/// The Gregorian average month, 365.2425 / 12 days, in seconds.
const SECONDS_PER_MONTH: u128 = 2_629_746;

/// The length of `duration` in seconds; `u128` holds any sum of parts a
/// file can write without overflowing.
fn seconds(duration: &Duration) -> u128 {
    duration
        .parts
        .iter()
        .map(|part| {
            let unit = match part.unit {
                DurationUnit::Seconds => 1,
                DurationUnit::Minutes => 60,
                DurationUnit::Hours => 3_600,
                DurationUnit::Days => SECONDS_PER_DAY,
                DurationUnit::Weeks => 7 * SECONDS_PER_DAY,
                DurationUnit::Months => SECONDS_PER_MONTH,
            };
            u128::from(part.amount) * unit
        })
        .fold(0, u128::saturating_add)
}

impl Cx<'_> {
    /// Reports `duration` when it is longer than [`MAX_DAYS`]; true when it
    /// fits.
    pub fn check_duration(&mut self, file: FileId, duration: &Duration) -> bool {
        if seconds(duration) <= u128::from(MAX_DAYS) * SECONDS_PER_DAY {
            return true;
        }

        self.diagnostics.push(
            Diagnostic::error(
                "number-out-of-range",
                format!(
                    "this duration is longer than journey can schedule: at most {MAX_DAYS} days"
                ),
                label(file, duration.span, "too long"),
            )
            .with_help(format!(
                "journey's calendar runs from the year 0001 to 9999, {MAX_DAYS} days \
                 (about 10,000 years); write a shorter duration"
            )),
        );
        false
    }

    /// Reports a number literal too large to hold (more than about 309
    /// digits, which reads as infinity); true when it fits.
    pub fn check_number(&mut self, file: FileId, value: f64, span: Span) -> bool {
        if value.is_finite() {
            return true;
        }

        self.diagnostics.push(
            Diagnostic::error(
                "number-out-of-range",
                "this number is too large for journey to hold",
                label(file, span, "too large"),
            )
            .with_help(format!("numbers can be at most {:e}", f64::MAX)),
        );
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::day_of;

    #[test]
    fn max_days_is_the_whole_calendar() {
        let first = day_of(1, 1, 1).unwrap();
        let last = day_of(9999, 12, 31).unwrap();
        assert_eq!((last - first).num_days() as u64 + 1, MAX_DAYS);
    }
}
