//! The time rules against an independent oracle.
//!
//! `tests/time/cases.json` holds some 1,700 cases (every wait form, twelve
//! zones, the DST change days of 2026 and 2027, 29 February 2028) whose
//! expected instants were computed by `tests/time/oracle.py` with Python's
//! `zoneinfo`, from its own implementation of the rules. This test runs each
//! case through `journey_runtime::time` and lists every disagreement.
//!
//! A second test runs the first again in child processes with the host zone
//! set to Kathmandu and Los Angeles: the results must not depend on it.

#[path = "time/support.rs"]
mod support;

use std::process::Command;

use chrono::{DateTime, Utc};
use journey_compiler::syntax::ast::{DaySpec, Duration, Offset, Window};
use journey_runtime::time::{
    add, local_to_utc, next_window_open, next_yearly, until_local, until_relative, FieldTime, Sign,
};
use serde_json::Value;
use support::{date, duration, instant, month_day, naive, time, unit, zone};

const CASES: &str = include_str!("time/cases.json");

#[test]
fn table_cases_match_the_oracle() {
    let table: Value = serde_json::from_str(CASES).expect("cases.json is JSON");
    let cases = table["cases"].as_array().expect("a list of cases");
    assert!(cases.len() >= 150, "only {} cases", cases.len());

    let mut failures = Vec::new();
    for case in cases {
        let expected = instant(text(case, "expected"));
        let actual = run(case);
        if actual != expected {
            failures.push(format!(
                "{}\n    expected {} ({}), got {}",
                text(case, "name"),
                expected.to_rfc3339(),
                text(case, "expected_local"),
                actual.to_rfc3339()
            ));
        }
    }

    assert!(
        failures.is_empty(),
        "{} of {} cases disagree with the oracle:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn table_cases_do_not_depend_on_the_host_zone() {
    let this_test = std::env::current_exe().expect("the test binary");

    for host_zone in ["Asia/Kathmandu", "America/Los_Angeles"] {
        let output = Command::new(&this_test)
            .args([
                "table_cases_match_the_oracle",
                "--exact",
                "--test-threads=1",
            ])
            .env("TZ", host_zone)
            .output()
            .expect("the test binary runs");
        let stdout = String::from_utf8_lossy(&output.stdout);

        assert!(
            output.status.success(),
            "with TZ={host_zone}:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            stdout.contains("1 passed"),
            "with TZ={host_zone} the table test did not run:\n{stdout}"
        );
    }
}

/// The instant the runtime gives for one case.
fn run(case: &Value) -> DateTime<Utc> {
    let zone = zone(text(case, "zone"));

    match text(case, "kind") {
        "local_to_utc" => local_to_utc(naive(text(case, "local")), zone),
        "add" => {
            let sign = if case["negative"].as_bool().expect("negative") {
                Sign::Minus
            } else {
                Sign::Plus
            };
            add(
                instant(text(case, "at")),
                &parse_duration(&case["duration"]),
                sign,
                zone,
            )
        }
        "until_local" => {
            let at = case["time"].as_str().map(time);
            until_local(date(text(case, "date")), at.as_ref(), zone)
        }
        "until_relative" => {
            let field = &case["field"];
            let field = match field["date"].as_str() {
                Some(day) => FieldTime::Date(date(day)),
                None => FieldTime::DateTime(instant(text(field, "datetime"))),
            };
            let offset = parse_offset(&case["offset"]);
            let at = case["at"].as_str().map(time);
            until_relative(field, offset.as_ref(), at.as_ref(), zone)
        }
        "window" => next_window_open(instant(text(case, "now")), &parse_window(case), zone),
        "next_yearly" => {
            let offset = parse_offset(&case["offset"]);
            next_yearly(
                instant(text(case, "now")),
                date(text(case, "date")),
                &time(text(case, "at")),
                offset.as_ref(),
                zone,
            )
        }
        other => panic!("unknown kind of case {other}"),
    }
}

fn text<'a>(case: &'a Value, key: &str) -> &'a str {
    case[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not text in {case}"))
}

/// `[[1, "days"], [2, "hours"]]`.
fn parse_duration(parts: &Value) -> Duration {
    let parts: Vec<_> = parts
        .as_array()
        .expect("a list of parts")
        .iter()
        .map(|part| {
            let amount = part[0].as_u64().expect("an amount");
            (amount, unit(part[1].as_str().expect("a unit")))
        })
        .collect();
    duration(&parts)
}

/// `{"negative": true, "duration": [...]}` or `null`.
fn parse_offset(offset: &Value) -> Option<Offset> {
    if offset.is_null() {
        return None;
    }
    Some(Offset {
        negative: offset["negative"].as_bool().expect("negative"),
        duration: parse_duration(&offset["duration"]),
        span: Default::default(),
    })
}

/// `"days"`: `"every"`, a list of day words, or `{"month_day": N}`;
/// `"times"`: `["09:00"]` or `["09:00", "17:00"]`.
fn parse_window(case: &Value) -> Window {
    let days = match &case["days"] {
        Value::String(every) if every == "every" => DaySpec::Every,
        Value::Array(names) => {
            let names: Vec<&str> = names
                .iter()
                .map(|name| name.as_str().expect("a day"))
                .collect();
            support::days(&names)
        }
        spec => month_day(spec["month_day"].as_u64().expect("a day of the month") as u32),
    };

    let times: Vec<&str> = case["times"]
        .as_array()
        .expect("a list of times")
        .iter()
        .map(|time| time.as_str().expect("a time"))
        .collect();
    support::window(days, &times.join("-"))
}
