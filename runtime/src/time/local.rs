//! A zone's wall clock: reading an instant on it, and reading a wall-clock
//! time as an instant.
//!
//! The one place that decides what a local time in a DST gap or overlap
//! means, and the one place that finds where a zone changes its offset.

use chrono::{DateTime, Days, LocalResult, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::{GapInfo, Tz};

use super::span;
use super::{EARLIEST, NEVER};

/// How near chrono's limits a date-time may come before it saturates: more
/// than any UTC offset, so adding an offset never overflows.
const EDGE: Days = Days::new(2);

/// How far apart [`stretches`] samples the offset. No zone changes its offset
/// twice within this time and back again, so no change is missed.
const SAMPLE_STEP: TimeDelta = TimeDelta::hours(3);

/// The wall-clock date-time of `at` in `zone`.
pub fn to_local(at: DateTime<Utc>, zone: Tz) -> NaiveDateTime {
    let offset = span::offset_at(at.timestamp(), zone);

    at.naive_utc()
        .checked_add_signed(TimeDelta::seconds(offset.into()))
        .unwrap_or(if offset > 0 {
            NaiveDateTime::MAX
        } else {
            NaiveDateTime::MIN
        })
}

/// The instant the wall clock of `zone` shows `local`.
///
/// A time in a spring-forward gap is read with the offset in force before
/// the gap; a time shown twice on a fall-back night is the earlier instant.
///
/// ```
/// use chrono::NaiveDate;
/// use chrono_tz::Tz;
/// use journey_runtime::time::local_to_utc;
///
/// let new_york = Tz::America__New_York;
/// let gap = NaiveDate::from_ymd_opt(2027, 3, 14).unwrap().and_hms_opt(2, 30, 0).unwrap();
/// assert_eq!(local_to_utc(gap, new_york).to_rfc3339(), "2027-03-14T07:30:00+00:00");
/// let twice = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap().and_hms_opt(1, 30, 0).unwrap();
/// assert_eq!(local_to_utc(twice, new_york).to_rfc3339(), "2026-11-01T05:30:00+00:00");
/// ```
pub fn local_to_utc(local: NaiveDateTime, zone: Tz) -> DateTime<Utc> {
    if NaiveDateTime::MAX
        .checked_sub_days(EDGE)
        .is_some_and(|edge| local > edge)
    {
        return NEVER;
    }
    if NaiveDateTime::MIN
        .checked_add_days(EDGE)
        .is_some_and(|edge| local < edge)
    {
        return EARLIEST;
    }

    let seconds = local.and_utc().timestamp();
    if let Some(at) =
        span::utc_of_local(seconds, zone).and_then(|at| DateTime::from_timestamp(at, 0))
    {
        return at;
    }

    let at = match zone.from_local_datetime(&local) {
        LocalResult::Single(at) => at.with_timezone(&Utc),
        LocalResult::Ambiguous(first, second) => first.min(second).with_timezone(&Utc),
        LocalResult::None => read_with_offset(local, offset_before_gap(local, zone)),
    };
    span::remember(at.timestamp(), zone);
    at
}

/// The offset of `zone` at `at`, in seconds east of UTC.
pub(crate) fn offset_at(at: DateTime<Utc>, zone: Tz) -> i32 {
    zone.offset_from_utc_datetime(&at.naive_utc())
        .fix()
        .local_minus_utc()
}

/// The offset in force just before the gap that swallows `local`.
fn offset_before_gap(local: NaiveDateTime, zone: Tz) -> i32 {
    let from_gap = GapInfo::new(&local, &zone)
        .and_then(|gap| gap.begin)
        .map(|(_, offset)| offset.fix().local_minus_utc());

    from_gap.unwrap_or_else(|| offset_at(local.and_utc() - TimeDelta::days(1), zone))
}

/// `local` read with a fixed offset of `offset` seconds east of UTC.
fn read_with_offset(local: NaiveDateTime, offset: i32) -> DateTime<Utc> {
    local
        .checked_sub_signed(TimeDelta::seconds(offset.into()))
        .map(|naive| naive.and_utc())
        .unwrap_or(if offset > 0 { EARLIEST } else { NEVER })
}

/// A run of instants `[start, end)` over which a zone keeps one offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stretch {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Seconds east of UTC.
    pub offset: i32,
}

/// The instants `[from, to)` cut where `zone` changes its offset.
pub(crate) fn stretches(from: DateTime<Utc>, to: DateTime<Utc>, zone: Tz) -> Vec<Stretch> {
    let mut found = Vec::new();
    let mut start = from;
    let mut offset = offset_at(from, zone);
    let mut probe = from;

    while probe < to {
        let next = probe.checked_add_signed(SAMPLE_STEP).unwrap_or(to).min(to);
        if offset_at(next, zone) == offset {
            probe = next;
            continue;
        }

        let change = first_change(probe, next, offset, zone);
        found.push(Stretch {
            start,
            end: change,
            offset,
        });
        start = change;
        offset = offset_at(change, zone);
        probe = change;
    }

    found.push(Stretch {
        start,
        end: to,
        offset,
    });
    found
}

/// The first instant after `before` (offset `offset`) and at or before
/// `after` (another offset) at which the offset is no longer `offset`.
/// Offsets change on whole seconds, so a bisection on seconds finds it.
fn first_change(
    before: DateTime<Utc>,
    after: DateTime<Utc>,
    offset: i32,
    zone: Tz,
) -> DateTime<Utc> {
    let mut low = before.timestamp();
    let mut high = after.timestamp();

    while high - low > 1 {
        let middle = low + (high - low) / 2;
        let at_middle = DateTime::from_timestamp(middle, 0).unwrap_or(after);
        if offset_at(at_middle, zone) == offset {
            low = middle;
        } else {
            high = middle;
        }
    }

    DateTime::from_timestamp(high, 0).unwrap_or(after)
}
