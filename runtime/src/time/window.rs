//! When a window of days and times next opens: `weekdays 09:00-17:00`,
//! `thursday 12:00-14:00`, `day 1 of month 09:00`.
//!
//! A window is open at an instant when the local clock shows one of its
//! days and a time in its range (or exactly its single time); each of its
//! days also opens at its start read by the gap rule. The search looks at
//! one allowed day at a time, cut into the stretches where the zone keeps
//! one offset, and takes the earliest open instant at or after now. Every
//! allowed-day pattern recurs within 62 days, so the search is bounded.

use chrono::{
    DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc, Weekday,
};
use chrono_tz::Tz;
use journey_compiler::syntax::ast::{DayKeyword, DaySpec, TimeSpec, Window};

use super::literal::time_of;
use super::local::{local_to_utc, stretches, to_local};
use super::NEVER;

/// How many days past today the search goes: more than the longest wait
/// between two allowed days (`day 31 of month`: 31 August to 31 October).
const SEARCH_DAYS: u64 = 64;

/// More than any UTC offset: the instants whose local date is a given day
/// lie within this much of that day read as UTC.
const WIDEST_OFFSET: TimeDelta = TimeDelta::hours(16);

/// The years in which the search's date arithmetic cannot overflow.
const FIRST_YEAR: i32 = -250_000;
const LAST_YEAR: i32 = 250_000;

/// The first instant at or after `now` at which `window` is open in `zone`:
/// `now` itself when it is open on arrival. [`NEVER`] for a window that can
/// never open (no days, a day of the month outside 1..=31, a range whose end
/// is not after its start), and for a `now` beyond the years this module
/// searches (within some 12,000 years of chrono's limits).
pub fn next_window_open(now: DateTime<Utc>, window: &Window, zone: Tz) -> DateTime<Utc> {
    let Some(times) = Times::of(&window.times) else {
        return NEVER;
    };
    if !can_ever_open(&window.days) || !(FIRST_YEAR..=LAST_YEAR).contains(&now.year()) {
        return NEVER;
    }

    let today = to_local(now, zone).date();
    let first_day = today.checked_sub_days(Days::new(2)).unwrap_or(today);
    let mut best: Option<DateTime<Utc>> = None;

    for day in first_day
        .iter_days()
        .take_while(|day| *day <= today + Days::new(SEARCH_DAYS))
    {
        let earliest_on_day = day.and_time(NaiveTime::MIN).and_utc() - WIDEST_OFFSET;
        if best.is_some_and(|best| best < earliest_on_day) {
            break;
        }
        if !allows(&window.days, day) {
            continue;
        }

        if let Some(candidate) = first_open_on(day, times, now, zone) {
            best = Some(best.map_or(candidate, |best| best.min(candidate)));
        }
    }

    best.unwrap_or(NEVER)
}

/// A window's times of day.
#[derive(Clone, Copy)]
enum Times {
    /// A single time: open at the instants the clock shows it.
    At(NaiveTime),
    /// A range: open from the start, up to but excluding the end.
    Between(NaiveTime, NaiveTime),
}

impl Times {
    /// `None` for a range that is empty.
    fn of(spec: &TimeSpec) -> Option<Times> {
        match spec {
            TimeSpec::At(time) => Some(Times::At(time_of(time))),
            TimeSpec::Between(start, end) => {
                let (start, end) = (time_of(start), time_of(end));
                (start < end).then_some(Times::Between(start, end))
            }
        }
    }

    fn start(self) -> NaiveTime {
        match self {
            Times::At(time) | Times::Between(time, _) => time,
        }
    }
}

/// Whether some date is one of the days of `days`.
fn can_ever_open(days: &DaySpec) -> bool {
    match days {
        DaySpec::Every => true,
        DaySpec::Days(names) => !names.is_empty(),
        DaySpec::MonthDay { day, .. } => (1..=31).contains(day),
    }
}

/// Whether `date` is one of the days of `days`.
fn allows(days: &DaySpec, date: NaiveDate) -> bool {
    match days {
        DaySpec::Every => true,
        DaySpec::Days(names) => names
            .iter()
            .any(|name| names_weekday(name.day, date.weekday())),
        DaySpec::MonthDay { day, .. } => date.day() == *day,
    }
}

/// Whether the day word `keyword` covers `weekday`.
fn names_weekday(keyword: DayKeyword, weekday: Weekday) -> bool {
    match keyword {
        DayKeyword::Monday => weekday == Weekday::Mon,
        DayKeyword::Tuesday => weekday == Weekday::Tue,
        DayKeyword::Wednesday => weekday == Weekday::Wed,
        DayKeyword::Thursday => weekday == Weekday::Thu,
        DayKeyword::Friday => weekday == Weekday::Fri,
        DayKeyword::Saturday => weekday == Weekday::Sat,
        DayKeyword::Sunday => weekday == Weekday::Sun,
        DayKeyword::Weekdays => !matches!(weekday, Weekday::Sat | Weekday::Sun),
        DayKeyword::Weekends => matches!(weekday, Weekday::Sat | Weekday::Sun),
    }
}

/// The first instant at or after `now` at which the window is open on the
/// local date `day`, if any.
fn first_open_on(
    day: NaiveDate,
    times: Times,
    now: DateTime<Utc>,
    zone: Tz,
) -> Option<DateTime<Utc>> {
    let start = day.and_time(times.start());
    let end = match times {
        Times::At(time) => day.and_time(time),
        Times::Between(_, end) => day.and_time(end),
    };

    let opening = local_to_utc(start, zone);
    let mut best = (opening >= now).then_some(opening);

    let from = now.max(start.and_utc() - WIDEST_OFFSET);
    let to = end.and_utc() + WIDEST_OFFSET;
    if from >= to {
        return best;
    }

    for stretch in stretches(from, to, zone) {
        let shown = match times {
            Times::At(_) => point_in_stretch(start, stretch.offset, stretch.start, stretch.end),
            Times::Between(..) => {
                range_in_stretch(start, end, stretch.offset, stretch.start, stretch.end)
            }
        };
        if let Some(candidate) = shown.filter(|candidate| *candidate >= now) {
            best = Some(best.map_or(candidate, |best| best.min(candidate)));
        }
    }

    best
}

/// The instant in `[from, to)` at which a clock `offset` seconds east of UTC
/// shows `local`, if there is one.
fn point_in_stretch(
    local: NaiveDateTime,
    offset: i32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let instant = read_fixed(local, offset);
    (from <= instant && instant < to).then_some(instant)
}

/// The first instant in `[from, to)` at which a clock `offset` seconds east
/// of UTC shows a time in `[start, end)`, if there is one.
fn range_in_stretch(
    start: NaiveDateTime,
    end: NaiveDateTime,
    offset: i32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let first = from.max(read_fixed(start, offset));
    let last = to.min(read_fixed(end, offset));
    (first < last).then_some(first)
}

/// `local` read with a fixed offset of `offset` seconds east of UTC.
fn read_fixed(local: NaiveDateTime, offset: i32) -> DateTime<Utc> {
    (local - TimeDelta::seconds(offset.into())).and_utc()
}
