//! `journey simulate` as a user runs it: the bundled quickstart, bad input
//! files, and reproducible output.

use std::path::Path;
use std::process::{Command, Output};

fn journey(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_journey"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the journey binary runs")
}

const QUICKSTART: [&str; 6] = [
    "simulate",
    "examples/quickstart",
    "--contacts",
    "examples/quickstart/contacts.csv",
    "--events",
    "examples/quickstart/events.csv",
];

#[test]
fn the_quickstart_simulates_and_the_output_is_reproducible() {
    let first = journey(&QUICKSTART);
    let second = journey(&QUICKSTART);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(first.stdout, second.stdout);

    let text = String::from_utf8(first.stdout).unwrap();
    assert!(text.contains("contact QS-0001"));
    assert!(text.contains("wait ended: click welcome.portal (at 2027-01-04T15:13:30Z) -> done"));
    assert!(text.contains("welcome/start+3                      send                8        8"));
}

#[test]
fn json_output_is_json_with_a_timeline_per_contact() {
    let mut args = QUICKSTART.to_vec();
    args.extend(["--format", "json"]);
    let output = journey(&args);
    assert_eq!(output.status.code(), Some(0));

    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["contacts"].as_array().unwrap().len(), 10);
    assert_eq!(value["contacts"][0]["timeline"][1]["what"], "sent welcome");
}

#[test]
fn a_bad_contact_row_is_reported_with_line_and_column_and_nothing_runs() {
    let dir = tempfile::tempdir().unwrap();
    let contacts = dir.path().join("contacts.csv");
    std::fs::write(
        &contacts,
        "id,email,first_name,timezone,lists\n\
         a,a@example.org,Ana,America/Chicago,newcomers\n\
         b,not-an-address,Ben,Mars/Olympus,newcomers\n",
    )
    .unwrap();
    let output = journey(&[
        "simulate",
        "examples/quickstart",
        "--contacts",
        path(&contacts),
    ]);

    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "nothing is simulated");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("line 3, column 2 (email): `not-an-address` is not an email address"));
    assert!(stderr.contains("line 3, column 4 (timezone): `Mars/Olympus` is not an IANA time zone"));
    assert!(stderr.contains("2 problems; nothing was simulated"));
}

#[test]
fn an_unknown_column_gets_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let contacts = dir.path().join("contacts.csv");
    std::fs::write(&contacts, "id,email,firstname\na,a@example.org,Ana\n").unwrap();
    let output = journey(&[
        "simulate",
        "examples/quickstart",
        "--contacts",
        path(&contacts),
    ]);

    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("`firstname` is not a contact field; did you mean `first_name`?"));
}

#[test]
fn usage_mistakes_exit_with_two() {
    let unknown = journey(&[
        "simulate",
        "examples/quickstart",
        "--contacts",
        "examples/quickstart/contacts.csv",
        "--enter",
        "welcom",
    ]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no journey `welcom`"));

    let missing = journey(&[
        "simulate",
        "examples/quickstart",
        "--contacts",
        "nowhere.csv",
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("could not read `nowhere.csv`"));
}

/// Simulates the quickstart with `events` (the text of an events file) and
/// `extra` arguments.
fn quickstart_with_events(events: &str, extra: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.csv");
    std::fs::write(&file, events).unwrap();
    let mut args = vec![
        "simulate",
        "examples/quickstart",
        "--contacts",
        "examples/quickstart/contacts.csv",
        "--events",
        path(&file),
    ];
    args.extend(extra);
    journey(&args)
}

#[test]
fn an_event_before_the_start_is_refused() {
    let output = quickstart_with_events(
        "at,contact,kind,name\n\
         2027-01-04T09:00:00Z,QS-0001,open,welcome\n\
         2027-01-04T08:59:59Z,QS-0001,open,welcome\n",
        &[],
    );

    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "nothing is simulated");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(
            "events.csv: line 3, column 1 (at): `2027-01-04T08:59:59Z` is before the \
             simulation starts (--start 2027-01-04T09:00:00Z)\n"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 problem; nothing was simulated"),
        "{stderr}"
    );
}

#[test]
fn until_may_be_months_but_not_before_the_start() {
    let months = journey(&[QUICKSTART.as_slice(), &["--until", "3 months"]].concat());
    let earlier = journey(&[QUICKSTART.as_slice(), &["--until", "2027-01-01T00:00:00Z"]].concat());

    assert_eq!(months.status.code(), Some(0));
    let text = String::from_utf8(months.stdout).unwrap();
    assert!(
        text.contains("steps (as of 2027-01-07T09:00:00Z)"),
        "{text}"
    );
    assert_eq!(earlier.status.code(), Some(2));
    assert!(earlier.stdout.is_empty());
    let stderr = String::from_utf8(earlier.stderr).unwrap();
    assert!(
        stderr.contains("--until `2027-01-01T00:00:00Z` is before --start 2027-01-04T09:00:00Z"),
        "{stderr}"
    );
}

fn path(path: &Path) -> &str {
    path.to_str().unwrap()
}
