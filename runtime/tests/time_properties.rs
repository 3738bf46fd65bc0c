//! Properties of the time rules over random inputs from a fixed seed.
//!
//! - `add` of one day keeps the local wall-clock time, except where that time
//!   does not exist (it then moves later by the gap) or exists twice (it is
//!   the earlier instant).
//! - `next_window_open` gives an instant at or after now, at which the window
//!   is open, and no earlier open instant exists: a minute-by-minute search
//!   from now finds none.
//!
//! Half of the random instants are drawn near a change of the zone's offset,
//! where the rules are hardest.

#[path = "time/support.rs"]
mod support;

use std::collections::HashSet;

use chrono::{
    DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta,
    TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::Tz;
use journey_compiler::syntax::ast::{DaySpec, DurationUnit, TimeSpec, Window};
use journey_runtime::time::{add, local_to_utc, next_window_open, time_of, Sign};
use support::{duration, month_day, window, zone};

const ZONES: [&str; 7] = [
    "America/New_York",
    "America/Chicago",
    "Europe/Berlin",
    "Europe/London",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "Asia/Kathmandu",
];

const DAY_WORDS: [&str; 9] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "weekdays",
    "weekends",
];

/// SplitMix64: small, seeded, good enough to pick test inputs.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut mixed = self.0;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        mixed ^ (mixed >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// A zone's offset changes from 2026 to 2028, found hour by hour.
fn changes(zone: Tz) -> Vec<DateTime<Utc>> {
    let offset = |at: DateTime<Utc>| wall(at, zone) - at.naive_utc();
    let mut found = Vec::new();
    let mut probe = "2026-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
    let end = "2029-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap();

    while probe < end {
        let next = probe + TimeDelta::hours(1);
        if offset(next) != offset(probe) {
            found.push(next);
        }
        probe = next;
    }
    found
}

/// A random instant between 2026 and 2028, near an offset change half the
/// time; whole seconds, and on the minute a third of the time.
fn random_instant(random: &mut Random, changes: &[DateTime<Utc>]) -> DateTime<Utc> {
    let start = "2026-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
    let instant = if !changes.is_empty() && random.below(2) == 0 {
        *random.pick(changes) - TimeDelta::hours(48)
            + TimeDelta::seconds(random.below(72 * 3600) as i64)
    } else {
        start + TimeDelta::seconds(random.below(3 * 365 * 86_400) as i64)
    };

    if random.below(3) == 0 {
        instant.with_second(0).unwrap()
    } else {
        instant
    }
}

/// The wall clock of `zone` at `at`, read with chrono directly.
fn wall(at: DateTime<Utc>, zone: Tz) -> NaiveDateTime {
    at.with_timezone(&zone).naive_local()
}

#[test]
fn adding_a_day_keeps_the_wall_clock_time_unless_it_does_not_exist() {
    let mut random = Random(0x7157_2026);
    let one_day = duration(&[(1, DurationUnit::Days)]);

    for name in ZONES {
        let zone = zone(name);
        let changes = changes(zone);

        for _ in 0..400 {
            let at = random_instant(&mut random, &changes);
            let target = wall(at, zone) + Days::new(1);

            let result = add(at, &one_day, Sign::Plus, zone);

            match zone.from_local_datetime(&target) {
                LocalResult::Single(only) => assert_eq!(result, only, "{name} {at}"),
                LocalResult::Ambiguous(first, second) => {
                    assert_eq!(result, first.min(second), "{name} {at}")
                }
                LocalResult::None => {
                    let moved = wall(result, zone) - target;
                    assert!(
                        moved > TimeDelta::zero() && moved <= TimeDelta::hours(1),
                        "{name} {at}: {target} in a gap became {}",
                        wall(result, zone)
                    );
                }
            }
        }
    }
}

#[test]
fn the_next_window_opening_is_open_and_nothing_earlier_is() {
    let mut random = Random(0x0915_1700);
    let zones: Vec<(&str, Tz, Vec<DateTime<Utc>>)> = ZONES
        .iter()
        .map(|name| (*name, zone(name), changes(zone(name))))
        .collect();

    for _ in 0..300 {
        let (name, zone, changes) = random.pick(&zones);
        let (name, zone) = (*name, *zone);
        let now = random_instant(&mut random, changes);
        let window = random_window(&mut random);

        let opens = next_window_open(now, &window, zone);

        let context = format!("{name}, now {now}, {:?} {:?}", window.days, window.times);
        assert!(opens >= now, "{context}: opens {opens} before now");
        assert!(
            opens - now <= TimeDelta::days(62),
            "{context}: opens {opens}, too late"
        );

        let openings = gap_rule_openings(&window, now, opens, zone);
        let is_open = |at: DateTime<Utc>| open_by_definition(&window, &openings, at, zone);
        assert!(is_open(opens), "{context}: not open at {opens}");

        if opens > now {
            assert!(
                !is_open(now),
                "{context}: open at now, yet waits until {opens}"
            );
            let mut minute = now.with_second(0).unwrap().with_nanosecond(0).unwrap();
            minute += TimeDelta::minutes(1);
            while minute < opens {
                assert!(
                    !is_open(minute),
                    "{context}: open at {minute}, before {opens}"
                );
                minute += TimeDelta::minutes(1);
            }
        }
    }
}

/// A random window: every day, some day words, or a day of the month; a
/// single time or a range, with hours near the DST changes half the time.
fn random_window(random: &mut Random) -> Window {
    let days = match random.below(3) {
        0 => DaySpec::Every,
        1 => {
            let count = 1 + random.below(3) as usize;
            let words: Vec<&str> = (0..count).map(|_| *random.pick(&DAY_WORDS)).collect();
            support::days(&words)
        }
        _ => month_day(1 + random.below(28) as u32),
    };

    let clock = |random: &mut Random| {
        let hour = if random.below(2) == 0 {
            random.below(5)
        } else {
            random.below(24)
        };
        let any_minute = random.below(60);
        let minute = *random.pick(&[0, 15, 30, 45, any_minute]);
        (hour, minute)
    };
    let (start_hour, start_minute) = clock(random);
    let spec = loop {
        let (end_hour, end_minute) = clock(random);
        let start = format!("{start_hour:02}:{start_minute:02}");
        if random.below(3) == 0 {
            break start;
        }
        if (end_hour, end_minute) > (start_hour, start_minute) {
            break format!("{start}-{end_hour:02}:{end_minute:02}");
        }
    };

    window(days, &spec)
}

/// The start of each allowed day read by the gap rule, over the search.
fn gap_rule_openings(
    window: &Window,
    now: DateTime<Utc>,
    opens: DateTime<Utc>,
    zone: Tz,
) -> HashSet<DateTime<Utc>> {
    let start = match &window.times {
        TimeSpec::At(time) | TimeSpec::Between(time, _) => time_of(time),
    };
    let first = wall(now, zone).date() - Days::new(2);
    let last = wall(opens, zone).date() + Days::new(2);

    first
        .iter_days()
        .take_while(|day| *day <= last)
        .filter(|day| allowed(&window.days, *day))
        .map(|day| local_to_utc(day.and_time(start), zone))
        .collect()
}

/// "Open" as the module doc defines it, written out again.
fn open_by_definition(
    window: &Window,
    openings: &HashSet<DateTime<Utc>>,
    at: DateTime<Utc>,
    zone: Tz,
) -> bool {
    if openings.contains(&at) {
        return true;
    }

    let local = wall(at, zone);
    if !allowed(&window.days, local.date()) {
        return false;
    }
    let shown: NaiveTime = local.time();
    match &window.times {
        TimeSpec::At(time) => shown == time_of(time),
        TimeSpec::Between(start, end) => time_of(start) <= shown && shown < time_of(end),
    }
}

fn allowed(days: &DaySpec, date: NaiveDate) -> bool {
    let weekday = date.weekday();
    let weekend = matches!(weekday, Weekday::Sat | Weekday::Sun);
    match days {
        DaySpec::Every => true,
        DaySpec::MonthDay { day, .. } => date.day() == *day,
        DaySpec::Days(names) => names.iter().any(|name| {
            let word = format!("{:?}", name.day).to_lowercase();
            match word.as_str() {
                "weekdays" => !weekend,
                "weekends" => weekend,
                single => single.starts_with(&weekday.to_string().to_lowercase()),
            }
        }),
    }
}
