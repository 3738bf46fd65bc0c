//! The VM's bridge to `time`: the same rules, in the VM's units.
//!
//! The VM keeps instants as seconds since the epoch and dates as days since
//! 1970-01-01 (small, `Copy`, cheap to store in run state); `time` works
//! with chrono types. These functions convert at the boundary and nothing
//! else: every rule lives in `time`.

use crate::facts::Value;
use crate::time::{self, FieldTime, Sign};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use journey_compiler::syntax::ast;

fn instant(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn date(days: i32) -> NaiveDate {
    let epoch = NaiveDate::default();
    epoch
        .checked_add_signed(chrono::TimeDelta::days(days.into()))
        .unwrap_or(epoch)
}

fn days(date: NaiveDate) -> i32 {
    (date - NaiveDate::default()).num_days() as i32
}

fn sign(subtract: bool) -> Sign {
    if subtract {
        Sign::Minus
    } else {
        Sign::Plus
    }
}

/// `at ± duration`, calendar units in `zone`.
pub fn add(at: i64, duration: &ast::Duration, subtract: bool, zone: Tz) -> i64 {
    let sign = sign(subtract);
    time::add_seconds(at, duration, sign, zone)
        .unwrap_or_else(|| time::add(instant(at), duration, sign, zone).timestamp())
}

/// A date moved by a duration: calendar arithmetic on the date alone.
pub fn add_to_date(on: i32, duration: &ast::Duration, subtract: bool) -> i32 {
    let midnight = time::local_to_utc(date(on).and_time(NaiveTime::MIN), Tz::UTC);
    days(time::add(midnight, duration, sign(subtract), Tz::UTC).date_naive())
}

/// A local date and time of day (seconds after midnight) in `zone`.
pub fn local_to_instant(on: i32, seconds: u32, zone: Tz) -> i64 {
    let time = NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0).unwrap_or(NaiveTime::MIN);
    time::local_to_utc(date(on).and_time(time), zone).timestamp()
}

/// `wait until DATE [at TIME]`.
pub fn local(on: &ast::DateLit, at: Option<&ast::TimeLit>, zone: Tz) -> i64 {
    let on = time::date_of(on).unwrap_or_default();
    time::until_local(on, at, zone).timestamp()
}

/// `wait until contact.F [± D] [at TIME]`; `None` when the field is
/// missing.
pub fn relative(
    value: Value,
    offset: Option<&ast::Offset>,
    at: Option<&ast::TimeLit>,
    zone: Tz,
) -> Option<i64> {
    let field = match value {
        Value::Date(on) => FieldTime::Date(date(on)),
        Value::Instant(seconds) => FieldTime::DateTime(instant(seconds)),
        _ => return None,
    };
    Some(time::until_relative(field, offset, at, zone).timestamp())
}

/// When `window` is next open, at or after `now`.
pub fn next_window_open(now: i64, window: &ast::Window, zone: Tz) -> i64 {
    time::next_window_open(instant(now), window, zone).timestamp()
}

/// Days since 1970-01-01 of a calendar date, for hosts that load contacts.
pub fn days_of(date: NaiveDate) -> i32 {
    days(date)
}
