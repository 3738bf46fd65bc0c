//! The engine's commands as an operator runs them, end to end on a
//! temporary database: deploy, enroll, event and report, with the
//! quickstart example (`cli_contacts` tests import and export).

#[path = "fixtures/cli/support.rs"]
mod support;

use journey_runtime::store::Delivery;
use support::*;

#[test]
fn enroll_counts_who_entered_who_was_in_and_who_may_not_return() {
    let engine = Engine::deployed();
    engine.ok(&["contacts", "import", CONTACTS]);
    let enroll = ["enroll", "welcome", "--list", "newcomers", "--at"];

    let first = engine.ok(&[&enroll[..], &["2027-01-04T15:00:00Z"]].concat());
    assert_eq!(
        first,
        "enrolled list newcomers into welcome: 10 entered, 0 already in, 0 refused by re-entry\n"
    );

    // Ana clicks the portal link and completes; the journey's re-entry
    // rule is `never`.
    engine.ok(&[
        "event",
        "QS-0001",
        "click",
        "welcome.portal",
        "--at",
        "2027-01-04T16:00:00Z",
    ]);
    let again = engine.ok(&[&enroll[..], &["2027-01-05T15:00:00Z"]].concat());
    assert_eq!(
        again,
        "enrolled list newcomers into welcome: 0 entered, 9 already in, 1 refused by re-entry\n"
    );

    let unknown = engine.run(&["enroll", "welcome", "--list", "newcomer"]);
    assert_eq!(unknown.code, Some(1));
    assert!(unknown
        .stderr
        .contains("no list `newcomer`; did you mean `newcomers`?"));
}

#[test]
fn an_event_for_an_unknown_link_is_refused_with_a_suggestion() {
    let engine = Engine::deployed();
    engine.ok(&["contacts", "import", CONTACTS]);

    let run = engine.run(&["event", "QS-0001", "click", "welcome.portl"]);
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stderr,
        "error: email `welcome` has no link `portl`; did you mean `portal`?\n"
    );
    let store = engine.store();
    let ana = store.contact_id("QS-0001").unwrap().unwrap();
    assert!(
        store.happenings(ana).unwrap().is_empty(),
        "nothing recorded"
    );

    let email = engine.run(&["event", "QS-0001", "open", "welcom"]);
    assert_eq!(email.code, Some(1));
    assert!(email
        .stderr
        .contains("no email `welcom`; did you mean `welcome`?"));
    let field = engine.run(&["event", "QS-0001", "update", "first_nam=Ana"]);
    assert_eq!(field.code, Some(1));
    assert!(field.stderr.contains("did you mean `first_name`?"));
    let value = engine.run(&["event", "QS-0001", "update", "timezone=Mars/Olympus"]);
    assert_eq!(value.code, Some(1));
    assert!(value
        .stderr
        .contains("`Mars/Olympus` is not an IANA time zone"));
    let nobody = engine.run(&["event", "QS-9999", "open", "welcome"]);
    assert_eq!(nobody.code, Some(1));
    assert!(nobody.stderr.contains("no contact has the id `QS-9999`"));
    let usage = engine.run(&["event", "QS-0001", "open", "welcome", "portal_tip"]);
    assert_eq!(usage.code, Some(2));
}

/// Deploys, imports and enrolls the quickstart, then plays delivery by
/// hand (the welcome to Ana and Ben sent at 15:00, Chloe's suppressed),
/// and gives Ben an open and a click, and Chloe an automated click.
fn engine_with_history() -> Engine {
    let engine = Engine::deployed();
    engine.ok(&[
        "contacts",
        "import",
        CONTACTS,
        "--at",
        "2027-01-04T14:00:00Z",
    ]);
    engine.ok(&[
        "enroll",
        "welcome",
        "--list",
        "newcomers",
        "--at",
        "2027-01-04T15:00:00Z",
    ]);

    let sent_at = chrono::DateTime::parse_from_rfc3339("2027-01-04T15:00:00Z")
        .unwrap()
        .timestamp();
    let mut store = engine.store();
    let first_three: Vec<(i64, i64)> = store
        .connection()
        .prepare("SELECT id, contact FROM outbox WHERE status = 'queued' ORDER BY id LIMIT 3")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (id, contact) in first_three {
        let (delivery, reason) = match contact {
            3 => (Delivery::Suppressed, Some("no marketing consent")),
            _ => (Delivery::Sent, None),
        };
        store.settle(id, delivery, reason, None, sent_at).unwrap();
    }
    drop(store);

    let at = ["--at", "2027-01-04T16:00:00Z"];
    engine.ok(&[&["event", "QS-0002", "open", "welcome"][..], &at].concat());
    engine.ok(&[&["event", "QS-0002", "click", "welcome.portal"][..], &at].concat());
    let automated = ["event", "QS-0003", "click", "welcome.portal", "--automated"];
    engine.ok(&[&automated[..], &at].concat());
    let proxy = ["event", "QS-0001", "open", "welcome", "--automated"];
    engine.ok(&[&proxy[..], &at].concat());
    engine
}

#[test]
fn the_report_table_shows_each_step_in_program_order() {
    let engine = engine_with_history();
    let table = engine.ok(&["report"]);
    assert_eq!(
        table,
        "journey welcome \"Welcome to Example Health\" (deployment 1): 8 active\n\
         step     kind      active  arrived  ended  queued  sent  suppressed  failed           \
         opened  clicked\n\
         start+1  send           0       10      0       7     2           1       0  \
         1 (1 automated)  portal 1\n\
         start+2  wait for       8       10      0\n\
         start+3  send           0        0      0       0     0           \
         0       0                0  portal 0\n\
         done     end            0        2      2\n"
    );
}

#[test]
fn the_report_as_json_has_a_journey_with_its_steps() {
    let engine = engine_with_history();
    let json = engine.ok(&["report", "welcome", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();

    assert_eq!(report["deployment"], 1);
    let journey = &report["journeys"][0];
    assert_eq!(journey["journey"], "welcome");
    assert_eq!(journey["active"], 8);
    let steps = journey["steps"].as_array().unwrap();
    let ids: Vec<&str> = steps.iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(ids, ["start+1", "start+2", "start+3", "done"]);
    assert_eq!(
        steps[0]["send"],
        serde_json::json!({
            "email": "welcome", "queued": 7, "sent": 2, "suppressed": 1, "failed": 0,
            "opened": 1, "opened_automated": 1,
            "clicked": { "portal": 1 }, "clicked_automated": { "portal": 0 },
        })
    );
    assert_eq!(steps[1]["send"], serde_json::Value::Null);
    assert_eq!(steps[1]["active"], 8);
    assert_eq!(steps[3]["ended"], 2);

    let unknown = engine.run(&["report", "welcom"]);
    assert_eq!(unknown.code, Some(1));
    assert!(unknown.stderr.contains("did you mean `welcome`?"));
}

#[test]
fn runs_waiting_at_a_step_only_an_earlier_deployment_has_are_shown_under_its_id() {
    let engine = Engine::new();
    let project = copy_quickstart(&engine);
    engine.ok(&["deploy", path(&project)]);
    engine.ok(&["contacts", "import", CONTACTS]);
    engine.ok(&["enroll", "welcome", "--list", "newcomers", "--at", START]);

    // The second version labels the wait, so its id is no longer `start+2`.
    let journey = project.join("welcome.journey");
    let text = std::fs::read_to_string(&journey).unwrap();
    std::fs::write(&journey, text.replace("  wait for", "  pause: wait for")).unwrap();
    let deploy = engine.ok(&["deploy", path(&project)]);
    assert!(deploy.contains("(new)"), "{deploy}");
    assert!(
        deploy.contains("10 active runs stay on earlier deployments"),
        "{deploy}"
    );

    let table = engine.ok(&["report"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0],
        "journey welcome \"Welcome to Example Health\" (deployment 2): 10 active"
    );
    assert!(
        lines[3].starts_with("pause    wait for                   0"),
        "{table}"
    );
    assert_eq!(
        lines.last().unwrap(),
        &"start+2  (earlier deployment)      10       10      0"
    );
}

#[test]
fn the_contact_report_says_who_received_what_and_why_not() {
    let engine = engine_with_history();
    let chloe = engine.ok(&["report", "--contact", "QS-0003"]);
    assert_eq!(
        chloe,
        "contact QS-0003\n\
         consent: granted 2027-01-04T14:00:00Z\n\
         suppressed: no\n\
         \n\
         runs:\n  \
         welcome  deployment 1  entered 2027-01-04T15:00:00Z  ended 2027-01-04T16:00:00Z \
         (completed)\n\
         \n\
         emails:\n  \
         2027-01-04T15:00:00Z  welcome  start+1  welcome  suppressed: no marketing consent\n"
    );

    let json = engine.ok(&["report", "--contact", "QS-0004", "--format", "json"]);
    let dev: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(dev["runs"][0]["step"], "start+2");
    assert_eq!(dev["runs"][0]["wake_at"], "2027-01-07T15:00:00Z");
    assert_eq!(dev["emails"][0]["status"], "queued");
}

#[test]
fn usage_and_missing_databases_exit_with_two() {
    let engine = Engine::new();
    let missing = engine.run(&["report"]);
    assert_eq!(missing.code, Some(2));
    assert!(missing.stderr.contains("there is no engine database at"));

    drop(engine.store());
    let empty = engine.run(&["contacts", "import", CONTACTS]);
    assert_eq!(empty.code, Some(2));
    assert!(
        empty.stderr.contains("nothing is deployed in"),
        "{}",
        empty.stderr
    );

    let bad_at = engine.run(&["enroll", "welcome", "--list", "newcomers", "--at", "monday"]);
    assert_eq!(bad_at.code, Some(2));
    let no_file = Engine::deployed().run(&["contacts", "import", "nowhere.csv"]);
    assert_eq!(no_file.code, Some(2));
    assert!(no_file.stderr.contains("could not read `nowhere.csv`"));
}

/// The zone the engine schedules a contact's waits in follows updates of
/// the contact's timezone field; a value that is not a zone clears it.
#[test]
fn an_update_of_the_timezone_field_moves_the_scheduling_zone() {
    let engine = Engine::deployed();
    engine.ok(&["contacts", "import", CONTACTS]);
    engine.ok(&["event", "QS-0001", "update", "timezone=Europe/Berlin"]);

    let store = engine.store();
    let ana = store
        .contact(store.contact_id("QS-0001").unwrap().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(ana.fields["timezone"], "Europe/Berlin");
    assert_eq!(ana.zone.as_deref(), Some("Europe/Berlin"));
}

#[test]
fn dates_in_contacts_consent_and_updates_are_read_by_the_languages_rule() {
    let engine = Engine::new();
    let project = copy_quickstart(&engine);
    let schema = project.join("schema.journey");
    let text = std::fs::read_to_string(&schema).unwrap();
    let text = text.replace(
        "  first_name: text\n",
        "  first_name: text\n  born: date?\n",
    );
    std::fs::write(&schema, text).unwrap();
    engine.ok(&["deploy", path(&project), "--at", START]);

    let file = engine.file(
        "contacts.csv",
        "id,email,first_name,born,consent_expires\n\
         A,a@example.org,Ann,1961-07-03,2027-12-31\n\
         B,b@example.org,Bo,1961-7-3,\n\
         C,c@example.org,Cy,0000-01-01,\n\
         D,d@example.org,Di,+10000-01-01,\n\
         E,e@example.org,Ed,2027-02-30,\n\
         F,f@example.org,Flo,,2027-12-1\n",
    );
    let run = engine.run(&["contacts", "import", path(&file), "--at", START]);
    assert_eq!(run.code, Some(1));
    let shown = file.display();
    let rule = "four digits of year (0001 to 9999), two of month, two of day";
    let born = |line: u32, cell: &str| {
        let reason = format!("`{cell}` is not a date such as 2027-03-14: {rule}");
        format!("{shown}: line {line}, column 4 (born): {reason}\n")
    };
    assert_eq!(
        run.stderr,
        format!(
            "{}{}{}{}{shown}: line 7, column 5 (consent_expires): `2027-12-1` is neither a date \
             such as 2027-12-31 nor an instant\n\
             {shown}: 5 problems in 5 bad rows; nothing was imported\n",
            born(3, "1961-7-3"),
            born(4, "0000-01-01"),
            born(5, "+10000-01-01"),
            born(6, "2027-02-30"),
        )
    );

    engine.ok(&[
        "contacts",
        "import",
        path(&file),
        "--skip-invalid",
        "--at",
        START,
    ]);
    let update = engine.run(&["event", "A", "update", "born=1961-7-3"]);
    assert_eq!(update.code, Some(1), "{}", update.stderr);
    assert!(
        update.stderr.contains(&format!(
            "`1961-7-3` is not a date such as 2027-03-14: {rule}"
        )),
        "{}",
        update.stderr
    );
    engine.ok(&["event", "A", "update", "born=1961-07-04"]);
    let store = engine.store();
    let ann = store
        .contact(store.contact_id("A").unwrap().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(ann.fields["born"], "1961-07-04");
}

/// A store an older `journey` wrote is upgraded when a command opens it,
/// and the command says so once (that older version cannot open it any
/// more).
#[test]
fn a_command_that_upgrades_an_older_store_says_so_once() {
    use journey_runtime::store::schema::MIGRATIONS;

    let engine = Engine::new();
    let old = rusqlite::Connection::open(engine.db()).unwrap();
    for migration in &MIGRATIONS[..9] {
        old.execute_batch(migration).unwrap();
    }
    old.pragma_update(None, "user_version", 9).unwrap();
    drop(old);

    let first = engine.run(&["token", "list"]);
    let latest = MIGRATIONS.len();
    assert!(
        first
            .stderr
            .contains(&format!("from schema version 9 to {latest}")),
        "{}",
        first.stderr
    );
    let second = engine.run(&["token", "list"]);
    assert!(!second.stderr.contains("upgraded"), "{}", second.stderr);
}
