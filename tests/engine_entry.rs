//! Entry rules with real commands: a contact who submits the intake form
//! again while in the `intake` journey is not entered again and gets no
//! second copy of its first email, whether that email is still queued or
//! already sent; once the run has ended, a submission follows the
//! journey's re-entry rule: never by default, and after the waiting time
//! when the journey says `reentry after`. Submissions that arrive at the
//! same moment (a double click, a webhook sent twice) enter once, also
//! into a journey that ends on entry, where no active run stands in the
//! way of a second one.

#[path = "fixtures/engine/support.rs"]
mod support;

use support::*;

/// One patient, not on the list that enters `care`.
const PATIENT: &str = "P00000";

/// Records a form submission at `at` and says how many journeys it
/// entered.
fn submit(project: &Project, at: &str) -> u32 {
    let out = project.ok(&["event", PATIENT, "custom", "form_submitted", "--at", at]);
    if out.contains("1 journey entered") {
        1
    } else if out.contains("0 journeys entered") {
        0
    } else {
        panic!("unexpected output: {out}")
    }
}

/// `journey run` on a virtual clock from `start`, for `until`.
fn run(project: &Project, start: &str, until: &str) {
    let root = project.root.to_str().unwrap();
    project.ok(&[
        "run", root, "--clock", "virtual", "--start", start, "--until", until,
    ]);
}

/// The patient's intake runs and emails, and the outbox's files.
fn intake(project: &Project) -> (Vec<Run>, Vec<Email>, usize) {
    let store = project.store();
    let runs: Vec<Run> = runs(&store)
        .into_iter()
        .filter(|r| r.contact == PATIENT)
        .collect();
    assert!(runs.iter().all(|r| r.journey == "intake"), "{runs:?}");
    let emails: Vec<Email> = outbox_rows(&store)
        .into_iter()
        .filter(|e| e.contact == PATIENT)
        .collect();
    let (files, _) = eml_files(&project.outbox());
    (runs, emails, files.len())
}

/// The project, its `intake` journey changed by `edit`, deployed, with
/// `contacts` patients imported.
fn set_up_with(edit: impl Fn(&str) -> String, contacts: usize) -> Project {
    let project = Project::new();
    let path = project.root.join("care.journey");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(&text)).unwrap();
    let contacts = project.write_contacts(contacts, false);
    let root = project.root.to_str().unwrap();
    project.ok(&["deploy", root, "--at", START]);
    project.ok(&[
        "contacts",
        "import",
        contacts.to_str().unwrap(),
        "--at",
        START,
    ]);
    project
}

/// The project with one patient, `intake` with the re-entry rule given.
fn set_up(reentry: Option<&str>) -> Project {
    let with_rule = |text: &str| {
        let entry = "  enter on event form_submitted\n";
        assert!(text.contains(entry));
        match reentry {
            Some(rule) => text.replace(entry, &format!("{entry}  reentry {rule}\n")),
            None => text.to_string(),
        }
    };
    set_up_with(with_rule, 1)
}

#[test]
fn a_second_submission_while_in_the_journey_enters_nothing_and_sends_nothing() {
    let project = set_up(None);

    assert_eq!(submit(&project, "2027-01-04T10:00:00Z"), 1);
    assert_eq!(
        submit(&project, "2027-01-04T10:30:00Z"),
        0,
        "resubmitted while the first email is still queued"
    );
    let (runs, emails, _) = intake(&project);
    assert_eq!(runs.len(), 1);
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].status, "queued");

    run(&project, "2027-01-04T11:00:00Z", "1 hour");
    let (runs, emails, files) = intake(&project);
    assert!(runs[0].active, "waiting three days");
    assert_eq!(
        (emails.len(), emails[0].status.as_str(), files),
        (1, "sent", 1)
    );

    assert_eq!(
        submit(&project, "2027-01-05T09:00:00Z"),
        0,
        "resubmitted while waiting, the first email sent"
    );
    run(&project, "2027-01-05T09:00:00Z", "5 days");
    let (runs, emails, files) = intake(&project);
    assert_eq!(runs.len(), 1);
    assert!(!runs[0].active);
    assert_eq!(runs[0].end_reason.as_deref(), Some("completed"));
    let ended = instant("2027-01-07T10:00:00Z");
    assert_eq!(runs[0].ended_at, Some(ended), "three days after entering");
    assert_eq!((emails.len(), files), (1, 1));
    assert_eq!(emails[0].email, "form_received");

    assert_eq!(
        submit(&project, "2027-01-20T09:00:00Z"),
        0,
        "after the end: the default re-entry rule is never"
    );
    run(&project, "2027-01-20T09:00:00Z", "30 days");
    let (runs, emails, files) = intake(&project);
    assert_eq!((runs.len(), emails.len(), files), (1, 1, 1));
    let stats = project
        .store()
        .connection()
        .query_row(
            "SELECT arrived FROM step_stats WHERE journey = 'intake' AND step = 'start+1'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap();
    assert_eq!(stats, 1, "one arrival at the first step");
}

#[test]
fn after_the_end_a_journey_with_reentry_after_takes_the_contact_back_only_then() {
    let project = set_up(Some("after 7 days"));

    assert_eq!(submit(&project, "2027-01-04T10:00:00Z"), 1);
    run(&project, "2027-01-04T10:00:00Z", "5 days");
    let (runs, emails, _) = intake(&project);
    assert_eq!(runs.len(), 1);
    assert!(!runs[0].active, "ended on 7 January at 10:00");
    assert_eq!(emails.len(), 1);

    assert_eq!(
        submit(&project, "2027-01-13T09:00:00Z"),
        0,
        "six days after the end: too early"
    );
    assert_eq!(
        submit(&project, "2027-01-14T10:00:00Z"),
        1,
        "seven days after the end: back in"
    );
    assert_eq!(
        submit(&project, "2027-01-14T11:00:00Z"),
        0,
        "in the second run: not entered a third time"
    );
    run(&project, "2027-01-14T11:00:00Z", "5 days");
    let (runs, emails, files) = intake(&project);
    assert_eq!(runs.len(), 2);
    assert!(runs.iter().all(|r| !r.active));
    assert_eq!((emails.len(), files), (2, 2), "one email per run");
    assert_ne!(emails[0].key, emails[1].key);
    assert_eq!(emails[0].run, runs[0].id);
    assert_eq!(emails[1].run, runs[1].id);
}

#[test]
fn submissions_at_the_same_moment_enter_a_journey_that_ends_at_once_only_once() {
    const PATIENTS: usize = 100;
    const AT_ONCE: usize = 4;
    let no_wait = |text: &str| {
        let waiting = "  send form_received\n  wait 3 days\n  end\n";
        assert!(text.contains(waiting));
        text.replace(waiting, "  send form_received\n  end\n")
    };
    let project = set_up_with(no_wait, PATIENTS);
    let db = project.db();

    for i in 0..PATIENTS {
        let id = contact_id(i);
        let mut submissions: Vec<_> = (0..AT_ONCE)
            .map(|_| {
                project
                    .journey(&["event", &id, "custom", "form_submitted"])
                    .args(["--at", "2027-01-04T10:00:00Z", "--db"])
                    .arg(&db)
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for submission in &mut submissions {
            assert!(submission.wait().unwrap().success());
        }
    }

    let store = project.store();
    let runs = runs(&store);
    let emails = outbox_rows(&store);
    let twice: Vec<&String> = runs
        .iter()
        .enumerate()
        .filter(|(n, r)| {
            runs[..*n]
                .iter()
                .any(|earlier| earlier.contact == r.contact)
        })
        .map(|(_, r)| &r.contact)
        .collect();
    assert!(twice.is_empty(), "entered more than once: {twice:?}");
    assert_eq!((runs.len(), emails.len()), (PATIENTS, PATIENTS));
}

/// Seconds since the epoch of an RFC 3339 instant.
fn instant(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp()
}
