//! Builders shared by the time tests: syntax-tree values without spans, and
//! instants from text.
//!
//! Each `time_*.rs` test includes this file with `#[path]`; not every test
//! uses every builder.
#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use journey_compiler::span::Span;
use journey_compiler::syntax::ast::{
    DayKeyword, DayName, DaySpec, Duration, DurationPart, DurationUnit, Offset, TimeLit, TimeSpec,
    Window,
};

pub fn zone(name: &str) -> Tz {
    name.parse()
        .unwrap_or_else(|_| panic!("{name} is not a zone"))
}

/// An instant written in RFC 3339.
pub fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|error| panic!("{text}: {error}"))
        .with_timezone(&Utc)
}

/// A local date-time written `2027-03-14T02:30:00`.
pub fn naive(text: &str) -> NaiveDateTime {
    text.parse()
        .unwrap_or_else(|error| panic!("{text}: {error}"))
}

pub fn date(text: &str) -> NaiveDate {
    text.parse()
        .unwrap_or_else(|error| panic!("{text}: {error}"))
}

/// A time of day written `09:00`.
pub fn time(text: &str) -> TimeLit {
    let (hour, minute) = text
        .split_once(':')
        .unwrap_or_else(|| panic!("{text} is not HH:MM"));
    TimeLit {
        hour: hour.parse().expect("hour"),
        minute: minute.parse().expect("minute"),
        span: Span::default(),
    }
}

pub fn unit(name: &str) -> DurationUnit {
    match name {
        "seconds" => DurationUnit::Seconds,
        "minutes" => DurationUnit::Minutes,
        "hours" => DurationUnit::Hours,
        "days" => DurationUnit::Days,
        "weeks" => DurationUnit::Weeks,
        "months" => DurationUnit::Months,
        other => panic!("unknown unit {other}"),
    }
}

/// A duration from `(amount, unit)` parts, in the order written.
pub fn duration(parts: &[(u64, DurationUnit)]) -> Duration {
    Duration {
        parts: parts
            .iter()
            .map(|&(amount, unit)| DurationPart {
                amount,
                unit,
                span: Span::default(),
            })
            .collect(),
        span: Span::default(),
    }
}

pub fn offset(negative: bool, parts: &[(u64, DurationUnit)]) -> Offset {
    Offset {
        negative,
        duration: duration(parts),
        span: Span::default(),
    }
}

pub fn keyword(name: &str) -> DayKeyword {
    match name.trim_end_matches('s') {
        "monday" => DayKeyword::Monday,
        "tuesday" => DayKeyword::Tuesday,
        "wednesday" => DayKeyword::Wednesday,
        "thursday" => DayKeyword::Thursday,
        "friday" => DayKeyword::Friday,
        "saturday" => DayKeyword::Saturday,
        "sunday" => DayKeyword::Sunday,
        "weekday" => DayKeyword::Weekdays,
        "weekend" => DayKeyword::Weekends,
        other => panic!("unknown day {other}"),
    }
}

pub fn days(names: &[&str]) -> DaySpec {
    DaySpec::Days(
        names
            .iter()
            .map(|name| DayName {
                day: keyword(name),
                span: Span::default(),
            })
            .collect(),
    )
}

pub fn month_day(day: u32) -> DaySpec {
    DaySpec::MonthDay {
        day,
        span: Span::default(),
    }
}

/// `09:00` or `09:00-17:00`.
pub fn times(text: &str) -> TimeSpec {
    match text.split_once('-') {
        Some((start, end)) => TimeSpec::Between(time(start), time(end)),
        None => TimeSpec::At(time(text)),
    }
}

pub fn window(days: DaySpec, spec: &str) -> Window {
    Window {
        days,
        times: times(spec),
        span: Span::default(),
    }
}
