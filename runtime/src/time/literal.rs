//! Dates and times of day from the syntax tree, as chrono values.
//!
//! The checker has already rejected dates and times that do not exist, so
//! these conversions only guard the runtime against a tree that skipped it.

use chrono::{NaiveDate, NaiveTime};
use journey_compiler::syntax::ast::{DateLit, TimeLit};

/// The time of day `lit` names. An hour above 23 or a minute above 59 (which
/// the checker rejects) is read as 23 or 59, so the runtime never panics.
pub fn time_of(lit: &TimeLit) -> NaiveTime {
    let hour = lit.hour.min(23);
    let minute = lit.minute.min(59);

    NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN)
}

/// The calendar date `lit` names, or `None` when there is no such date
/// (`2027-02-30`).
pub fn date_of(lit: &DateLit) -> Option<NaiveDate> {
    let year = i32::try_from(lit.year).ok()?;
    NaiveDate::from_ymd_opt(year, lit.month, lit.day)
}
