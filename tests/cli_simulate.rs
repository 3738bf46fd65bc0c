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

/// The simulator runs on the engine but delivers nothing, so consent and
/// suppression (checked at delivery) do not apply: a send step shows as
/// sent to every contact, as `--help` and the README say.
#[test]
fn consent_and_suppression_columns_change_nothing_every_send_shows_as_sent() {
    let header = "id,email,first_name,lists,marketing_consent,unsubscribed,bounced\n";
    let consenting =
        simulate_quickstart_with(format!("{header}a,a@example.org,Ana,newcomers,yes,,\n"));
    let refusing = simulate_quickstart_with(format!(
        "{header}a,a@example.org,Ana,newcomers,no,2027-01-01T00:00:00Z,true\n"
    ));
    assert_eq!(
        refusing.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&refusing.stderr)
    );

    let text = String::from_utf8(refusing.stdout).unwrap();
    assert!(
        text.contains("welcome/start+1              sent welcome"),
        "{text}"
    );
    assert!(
        text.contains("welcome/start+3              sent portal_tip"),
        "{text}"
    );
    assert_eq!(text, String::from_utf8(consenting.stdout).unwrap());
}

#[test]
fn a_bad_contact_row_is_reported_with_line_and_column_and_nothing_runs() {
    let output = simulate_quickstart_with(
        "id,email,first_name,timezone,lists\n\
         a,a@example.org,Ana,America/Chicago,newcomers\n\
         b,not-an-address,Ben,Mars/Olympus,newcomers\n",
    );

    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "nothing is simulated");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("line 3, column 2 (email): `not-an-address` is not an email address"));
    assert!(stderr.contains(
        "line 3, column 4 (timezone): `Mars/Olympus` is not an IANA time \
        zone"
    ));
    assert!(stderr.contains("2 problems; nothing was simulated"));
}

#[test]
fn a_contacts_file_that_is_not_utf8_is_an_error_of_the_file_naming_its_line() {
    let mut bytes = b"id,email,first_name,timezone,lists\n\
        a,a@example.org,Ana,America/Chicago,newcomers\n"
        .to_vec();
    bytes.extend_from_slice(b"b,b@example.org,J\xe9r\xf4me,America/Chicago,newcomers\n");
    let output = simulate_quickstart_with(bytes);

    assert_eq!(output.status.code(), Some(1), "an input file's error");
    assert!(output.stdout.is_empty(), "nothing is simulated");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("contacts.csv: line 3: not UTF-8 text"),
        "{stderr}"
    );
}

#[test]
fn a_header_without_a_required_fields_column_is_refused_at_line_1() {
    let output = simulate_quickstart_with("id,first_name,lists\na,Ana,newcomers\n");

    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("line 1: the header has no `email` column"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("timezone"),
        "a field with a default needs no column"
    );
    assert!(
        !stderr.contains("line 2"),
        "one problem, said once: {stderr}"
    );
}

#[test]
fn an_unknown_column_gets_a_suggestion() {
    let output = simulate_quickstart_with("id,email,firstname\na,a@example.org,Ana\n");

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
/// `journey simulate examples/quickstart` on a contacts file holding
/// `contents`.
fn simulate_quickstart_with(contents: impl AsRef<[u8]>) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let contacts = dir.path().join("contacts.csv");
    std::fs::write(&contacts, contents).unwrap();
    journey(&[
        "simulate",
        "examples/quickstart",
        "--contacts",
        path(&contacts),
    ])
}

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

/// The problems reported for the quickstart with `events`, one per line
/// of stderr, without the file's path; the run must have failed with 1.
fn event_problems(events: &str) -> Vec<String> {
    let output = quickstart_with_events(events, &[]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing is simulated");
    stderr
        .lines()
        .map(|line| line.split_once("events.csv: ").unwrap().1.to_string())
        .collect()
}

#[test]
fn an_unknown_events_column_is_refused_with_a_suggestion() {
    let problems = event_problems(
        "at,contact,kind,name,automatd,notes\n\
         2027-01-04T15:12:00Z,QS-0001,open,welcome,true,hello\n",
    );

    assert_eq!(
        problems,
        [
            "line 1, column 5 (automatd): `automatd` is not an events column; \
             did you mean `automated`?",
            "line 1, column 6 (notes): `notes` is not an events column (the columns are \
             at, contact, kind, name, data, automated)",
            "2 problems; nothing was simulated",
        ]
    );
}

#[test]
fn automated_is_a_yes_or_no_and_only_for_opens_and_clicks() {
    let problems = event_problems(
        "at,contact,kind,name,data,automated\n\
         2027-01-04T15:12:00Z,QS-0001,open,welcome,,TRUE\n\
         2027-01-04T15:13:00Z,QS-0001,click,welcome.portal,,0\n\
         2027-01-04T15:14:00Z,QS-0002,open,welcome,,\n\
         2027-01-04T15:15:00Z,QS-0002,open,welcome,,maybe\n\
         2027-01-04T15:16:00Z,QS-0002,update,,first_name=Bo,yes\n",
    );

    assert_eq!(
        problems,
        [
            "line 5, column 6 (automated): `maybe` is not one of true, false, yes, no, 1, 0 \
             (or empty)",
            "line 6, column 6 (automated): only opens and clicks can be automated, not an update",
            "2 problems; nothing was simulated",
        ]
    );
}

#[test]
fn data_on_an_open_or_a_click_is_refused() {
    let problems = event_problems(
        "at,contact,kind,name,data\n\
         2027-01-04T15:12:00Z,QS-0001,open,welcome,device=phone\n\
         2027-01-04T15:13:00Z,QS-0001,click,welcome.portal,x=1\n",
    );

    assert_eq!(
        problems,
        [
            "line 2, column 5 (data): an open has no data (`device=phone`); leave `data` empty",
            "line 3, column 5 (data): a click has no data (`x=1`); leave `data` empty",
            "2 problems; nothing was simulated",
        ]
    );
}

#[test]
fn an_update_may_not_empty_a_required_field_but_may_reset_a_default() {
    let problems = event_problems(
        "at,contact,kind,name,data\n\
         2027-01-04T15:12:00Z,QS-0001,update,,timezone=\n\
         2027-01-04T15:13:00Z,QS-0001,update,,first_name=\n",
    );

    assert_eq!(
        problems,
        [
            "line 3, column 5 (data): field `first_name`: required (not optional, no default), \
             so it cannot be emptied",
            "1 problem; nothing was simulated",
        ]
    );
}

#[test]
fn every_bad_pair_and_cell_of_a_row_is_reported() {
    let problems = event_problems(
        "at,contact,kind,name,data\n\
         yesterday,QS-0099,update,,email=nobody;nickname=Al;junk;timezone=Mars/Olympus\n",
    );

    assert_eq!(
        problems,
        [
            "line 2, column 1 (at): `yesterday` is not an instant such as 2027-03-14T09:00:00Z",
            "line 2, column 2 (contact): no imported contact has the id `QS-0099`",
            "line 2, column 5 (data): field `email`: `nobody` is not an email address",
            "line 2, column 5 (data): `nickname` is not a contact field",
            "line 2, column 5 (data): `junk` is not `field=value`",
            "line 2, column 5 (data): field `timezone`: `Mars/Olympus` is not an IANA time zone \
             such as America/Chicago",
            "6 problems; nothing was simulated",
        ]
    );
}

fn path(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `journey simulate ... | head` where the reader is gone before anything
/// is written: the simulation still succeeds (exit 0), it does not panic.
#[test]
fn output_to_a_closed_pipe_is_not_a_failure() {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let status = Command::new(env!("CARGO_BIN_EXE_journey"))
        .args(QUICKSTART)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(writer)
        .status()
        .expect("the journey binary runs");

    assert_eq!(status.code(), Some(0));
}
