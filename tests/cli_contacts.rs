//! `journey contacts import` and `export` as an operator runs them, end
//! to end on a temporary database with the quickstart deployed: checks
//! that report every bad row, `--skip-invalid` and its rejects file,
//! upserts, `--map`, consent and suppression columns, segment exports.

#[path = "fixtures/cli/support.rs"]
mod support;

use support::*;

/// The quickstart's contacts with two bad rows among them (lines 3 and 5).
const TWO_BAD_ROWS: &str = "\
id,email,first_name,timezone,lists
QS-0001,ana.moreno@example.org,Ana,America/Chicago,newcomers
QS-0002,not-an-address,Ben,America/New_York,newcomers
QS-0003,chloe.nguyen@example.org,Chloe,America/Los_Angeles,newcomers
QS-0004,dev.patel@example.org,Dev,Mars/Olympus,newcomers
QS-0005,elena.rossi@example.org,Elena,America/Denver,newcomers
";

#[test]
fn deploying_twice_says_the_second_time_that_it_is_already_deployed() {
    let engine = Engine::new();
    let first = engine.ok(&["deploy", QUICKSTART, "--at", START]);
    let second = engine.ok(&["deploy", QUICKSTART]);

    let db = engine.db();
    assert_eq!(
        first,
        format!(
            "deployment 1 in {} (new)\n  journey welcome: enters on list newcomers; 4 steps\n",
            db.display()
        )
    );
    assert!(
        second.starts_with(&format!(
            "deployment 1 in {} (already deployed)\n",
            db.display()
        )),
        "{second}"
    );
}

#[test]
fn a_project_with_errors_is_not_deployed() {
    let engine = Engine::new();
    let project = engine.dir.path().join("broken");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(
        project.join("a.journey"),
        "journey x {\n  send nothing\n}\n",
    )
    .unwrap();

    let run = engine.run(&["deploy", path(&project)]);
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.is_empty());
    assert!(engine.store().latest_deployment().unwrap().is_none());
}

#[test]
fn an_import_with_two_bad_rows_writes_nothing_and_reports_both() {
    let engine = Engine::deployed();
    let file = engine.file("contacts.csv", TWO_BAD_ROWS);

    let run = engine.run(&["contacts", "import", path(&file), "--at", START]);
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.is_empty());
    let shown = file.display();
    assert_eq!(
        run.stderr,
        format!(
            "{shown}: line 3, column 2 (email): `not-an-address` is not an email address\n\
             {shown}: line 5, column 4 (timezone): `Mars/Olympus` is not an IANA time zone \
             such as America/Chicago\n\
             {shown}: 2 problems in 2 bad rows; nothing was imported\n"
        )
    );
    let store = engine.store();
    assert!(store.all_contacts().unwrap().is_empty(), "nothing written");
    assert!(!engine.dir.path().join("contacts.rejects.csv").exists());
}

#[test]
fn lines_are_counted_in_the_file_even_after_a_cell_that_spans_two() {
    let engine = Engine::deployed();
    let file = engine.file(
        "contacts.csv",
        "id,email,first_name\nA,a@example.org,\"Ann\nMarie\"\nB,nobody,Bo\n",
    );
    let run = engine.run(&["contacts", "import", path(&file)]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr
            .contains("line 4, column 2 (email): `nobody` is not an email address"),
        "{}",
        run.stderr
    );
}

#[test]
fn skip_invalid_imports_the_good_rows_and_writes_the_rejects() {
    let engine = Engine::deployed();
    let file = engine.file("contacts.csv", TWO_BAD_ROWS);

    let stdout = engine.ok(&["contacts", "import", path(&file), "--skip-invalid"]);
    let rejects = engine.dir.path().join("contacts.rejects.csv");
    assert_eq!(
        stdout,
        format!(
            "imported {}: 3 inserted, 0 updated, 2 rejected\nrejected rows: {}\n",
            file.display(),
            rejects.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(&rejects).unwrap(),
        "id,email,first_name,timezone,lists,reason\n\
         QS-0002,not-an-address,Ben,America/New_York,newcomers,\
         \"line 3, column 2 (email): `not-an-address` is not an email address\"\n\
         QS-0004,dev.patel@example.org,Dev,Mars/Olympus,newcomers,\
         \"line 5, column 4 (timezone): `Mars/Olympus` is not an IANA time zone such as \
         America/Chicago\"\n"
    );
    let store = engine.store();
    assert_eq!(store.all_contacts().unwrap().len(), 3);
    assert!(store.contact_id("QS-0002").unwrap().is_none());

    let elsewhere = engine.dir.path().join("bad-rows.csv");
    engine.ok(&[
        "contacts",
        "import",
        path(&file),
        "--skip-invalid",
        "--rejects",
        path(&elsewhere),
    ]);
    assert_eq!(
        std::fs::read_to_string(&elsewhere).unwrap().lines().count(),
        3
    );
}

/// A row with too few or too many cells keeps its reason under `reason`.
#[test]
fn a_short_or_long_rejected_row_keeps_its_reason_in_the_reason_column() {
    let engine = Engine::deployed();
    let file = engine.file(
        "contacts.csv",
        "id,email,first_name\nS,s@example.org\nL,l@example.org,Lu,extra\nA,a@example.org,Al\n",
    );

    engine.ok(&["contacts", "import", path(&file), "--skip-invalid"]);
    let rejects = std::fs::read_to_string(engine.dir.path().join("contacts.rejects.csv")).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(rejects.as_bytes());
    let header = reader.headers().unwrap().clone();
    let at = header.iter().position(|h| h == "reason").unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2, "{rejects}");
    assert_eq!((&rows[0][0], &rows[0][2]), ("S", ""), "padded: {rejects}");
    assert!(rows[0][at].contains("line 2"), "{rejects}");
    assert!(rows[1][at].contains("line 3"), "{rejects}");
    assert_eq!(&rows[1][at + 1], "extra", "{rejects}");
}

#[test]
fn a_second_import_updates_contacts_by_their_id() {
    let engine = Engine::deployed();
    let first = engine.ok(&["contacts", "import", CONTACTS]);
    assert!(
        first.ends_with(": 10 inserted, 0 updated, 0 rejected\n"),
        "{first}"
    );

    let original = std::fs::read_to_string(CONTACTS).unwrap();
    let renamed = original.replace(",Ana,", ",Anna,");
    let file = engine.file("again.csv", &renamed);
    let second = engine.ok(&["contacts", "import", path(&file)]);
    assert!(
        second.ends_with(": 0 inserted, 10 updated, 0 rejected\n"),
        "{second}"
    );

    let store = engine.store();
    assert_eq!(store.all_contacts().unwrap().len(), 10);
    let ana = store.contact_id("QS-0001").unwrap().unwrap();
    let fields = store.contact(ana).unwrap().unwrap().fields;
    assert_eq!(fields["first_name"], "Anna");

    let audit: Vec<String> = store
        .connection()
        .prepare("SELECT actor || ' ' || action FROM audit ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(audit, ["cli import", "cli import"]);
}

#[test]
fn columns_are_renamed_with_map() {
    let engine = Engine::deployed();
    let file = engine.file(
        "crm.csv",
        "member_id,mail,first_name\nM-1,m1@example.org,Mia\n",
    );

    let run = engine.run(&["contacts", "import", path(&file)]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("the header has no `id` column"),
        "{}",
        run.stderr
    );

    engine.ok(&[
        "contacts",
        "import",
        path(&file),
        "--map",
        "member_id=id",
        "--map",
        "mail=email",
    ]);
    let store = engine.store();
    let mia = store.contact_id("M-1").unwrap().unwrap();
    assert_eq!(
        store.contact(mia).unwrap().unwrap().fields["email"],
        "m1@example.org"
    );
}

#[test]
fn two_columns_that_give_the_same_name_are_refused() {
    let engine = Engine::deployed();
    let file = engine.file(
        "crm.csv",
        "id,email,mail,first_name\nM-1,a@example.org,b@example.org,Mia\n",
    );
    let run = engine.run(&["contacts", "import", path(&file), "--map", "mail=email"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr
            .contains("line 1, column 3 (mail): the columns `email` and `mail` both give `email`"),
        "{}",
        run.stderr
    );
    assert!(engine.store().all_contacts().unwrap().is_empty());
}

#[test]
fn consent_and_suppression_columns_are_stored() {
    let engine = Engine::deployed();
    let file = engine.file(
        "consent.csv",
        "id,email,first_name,marketing_consent,consent_expires,unsubscribed,bounced\n\
         A,a@example.org,Ann,yes,2027-12-31,,\n\
         B,b@example.org,Bo,2026-06-01T12:00:00Z,,true,\n\
         C,c@example.org,Cy,,,,true\n",
    );
    engine.ok(&["contacts", "import", path(&file), "--at", START]);

    let store = engine.store();
    let id = |external: &str| store.contact_id(external).unwrap().unwrap();
    let start = chrono::DateTime::parse_from_rfc3339(START)
        .unwrap()
        .timestamp();
    let a = store.consent(id("A")).unwrap();
    assert_eq!(a.granted_at, Some(start));
    // Through 2027-12-31 in Chicago: until 2028-01-01T06:00:00Z.
    assert_eq!(a.expires_at, Some(1_830_319_200));
    assert!(store.consent(id("B")).unwrap().valid_at(start));
    assert_eq!(
        store.suppression(id("B")).unwrap().as_deref(),
        Some("unsubscribed")
    );
    assert_eq!(store.consent(id("C")).unwrap().granted_at, None);
    assert_eq!(
        store.suppression(id("C")).unwrap().as_deref(),
        Some("bounced")
    );

    // A later export that says `no` revokes; `false` lifts no suppression.
    let later = engine.file(
        "later.csv",
        "id,email,first_name,marketing_consent,unsubscribed\n\
         A,a@example.org,Ann,no,\n\
         B,b@example.org,Bo,,false\n",
    );
    engine.ok(&[
        "contacts",
        "import",
        path(&later),
        "--at",
        "2027-02-01T00:00:00Z",
    ]);
    assert!(!store
        .consent(id("A"))
        .unwrap()
        .valid_at(start + 60 * 86_400));
    assert_eq!(
        store.suppression(id("B")).unwrap().as_deref(),
        Some("unsubscribed")
    );
}

#[test]
fn a_bad_consent_cell_is_reported_with_its_column() {
    let engine = Engine::deployed();
    let file = engine.file(
        "consent.csv",
        "id,email,first_name,marketing_consent\nA,a@example.org,Ann,maybe\n",
    );
    let run = engine.run(&["contacts", "import", path(&file)]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains(
            "line 2, column 4 (marketing_consent): `maybe` is neither yes, no nor an instant"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_segment_exports_as_csv_that_imports_again() {
    let engine = Engine::new();
    let project = copy_quickstart(&engine);
    let schema = project.join("schema.journey");
    let text = std::fs::read_to_string(&schema).unwrap();
    std::fs::write(&schema, format!("{text}\nsegment vip \"Gets a call\"\n")).unwrap();
    engine.ok(&["deploy", path(&project)]);
    let file = engine.file(
        "contacts.csv",
        "id,email,first_name,segments\n\
         A,a@example.org,Ann,vip\n\
         B,b@example.org,Bo,\n\
         C,c@example.org,\"Cy, Jr.\",vip\n",
    );
    engine.ok(&["contacts", "import", path(&file)]);

    let exported = engine.ok(&["contacts", "export", "--segment", "vip"]);
    assert_eq!(
        exported,
        "id,email,first_name,timezone\n\
         A,a@example.org,Ann,America/Chicago\n\
         C,c@example.org,\"Cy, Jr.\",America/Chicago\n"
    );
    let out = engine.dir.path().join("vip.csv");
    engine.ok(&["contacts", "export", "--segment", "vip", "-o", path(&out)]);
    let again = engine.ok(&["contacts", "import", path(&out)]);
    assert!(
        again.ends_with(": 0 inserted, 2 updated, 0 rejected\n"),
        "{again}"
    );

    let unknown = engine.run(&["contacts", "export", "--segment", "vp"]);
    assert_eq!(unknown.code, Some(1));
    assert!(unknown
        .stderr
        .contains("no segment `vp`; did you mean `vip`?"));
}
