//! `journey serve` end to end on 127.0.0.1: the real binary, a real SMTP
//! server (`scripts/smtp-sink/sink.py`), contacts created over the API,
//! mail read back from the SMTP server's Maildir.
//!
//! The story: three patients are created on the `patients` list and each
//! gets the welcome email; one sends the intake form (an event), which
//! wakes her run and puts her in the `engaged` segment; a fourth contact,
//! created in that segment only, is enrolled from it and gets the welcome
//! too; the report counts it all; one patient is erased; the server stops
//! on SIGTERM and, started again, finds everything where it was. Bad input
//! along the way gets 4xx answers that name the field.
//!
//! Tracked links, the open pixel and one-click unsubscribe over HTTP, end
//! to end with a real SMTP server, are tests/serve_tracking.rs; here the
//! documented tracking routes are only checked to be served.

mod serve_support;

use serde_json::{json, Value};
use serve_support::{clinic, eventually, Server, Sink};

fn patient(n: u32, lists: &[&str], segments: &[&str]) -> Value {
    json!({
        "external_id": format!("P-{n}"),
        "fields": {
            "email": format!("p{n}@example.org"),
            "first_name": format!("First{n}"),
            "last_name": format!("Last{n}"),
            "risk_score": n,
        },
        "lists": lists,
        "segments": segments,
    })
}

fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    let prefix = format!("{name}: ");
    message
        .split("\r\n")
        .take_while(|line| !line.is_empty())
        .find_map(|line| line.strip_prefix(prefix.as_str()))
}

#[test]
fn contacts_events_enrolment_and_mail_over_the_api() {
    let sink = Sink::start();
    let project = clinic(Some(sink.port));
    let write = project.token("write", "crm");
    let server = Server::start(&project, "info");

    let mut ids = Vec::new();
    for n in 1..=3 {
        let answer = server.call(
            "POST",
            "/v1/contacts",
            Some(&write),
            Some(&patient(n, &["patients"], &[])),
        );
        assert_eq!(answer.status, 201, "{}", answer.text);
        let body = answer.json();
        assert_eq!(body["created"], json!(true));
        assert_eq!(body["journeys_entered"], json!(1));
        ids.push(body["id"].as_i64().unwrap());
    }
    let welcomes = eventually(|| {
        let messages = sink.messages();
        (messages.len() >= 3).then_some(messages)
    })
    .expect("three welcome emails");
    let mut recipients: Vec<&str> = welcomes.iter().filter_map(|m| header(m, "To")).collect();
    recipients.sort();
    assert_eq!(
        recipients,
        ["p1@example.org", "p2@example.org", "p3@example.org"]
    );
    for message in &welcomes {
        let subject = header(message, "Subject").unwrap();
        assert!(
            subject.starts_with("Welcome to the clinic, First"),
            "{subject}"
        );
    }

    let read = server.call(
        "GET",
        &format!("/v1/contacts/{}", ids[0]),
        Some(&write),
        None,
    );
    assert_eq!(read.status, 200, "{}", read.text);
    let contact = read.json();
    assert_eq!(contact["external_id"], json!("P-1"));
    assert_eq!(contact["fields"]["last_name"], json!("Last1"));
    assert_eq!(
        contact["fields"]["timezone"],
        json!("America/Chicago"),
        "defaults filled"
    );
    assert_eq!(contact["lists"], json!(["patients"]));

    // The event declares `form: text` and `note: text?`: without `form` it
    // is refused, and only `form` is named; `note` may be left out.
    let bare = json!({"external_id": "P-1", "type": "event", "name": "intake_submitted"});
    let answer = server.call("POST", "/v1/events", Some(&write), Some(&bare));
    assert_eq!(answer.status, 422, "{}", answer.text);
    assert_eq!(
        answer.json()["errors"],
        json!([{
            "field": "fields.form",
            "message": "is required: the event `intake_submitted` declares it",
        }])
    );

    let event = json!({
        "external_id": "P-1", "type": "event", "name": "intake_submitted",
        "fields": {"form": "intake-2027"},
    });
    let answer = server.call("POST", "/v1/events", Some(&write), Some(&event));
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(
        answer.json(),
        json!({"accepted": 1, "runs_woken": 1, "journeys_entered": 0})
    );
    let page = server.call("GET", "/v1/segments/engaged/members", Some(&write), None);
    assert_eq!(
        page.json(),
        json!({"members": [{"id": ids[0], "external_id": "P-1"}], "next_after": null})
    );

    let updates = json!({"events": [
        {"contact": ids[1], "type": "update", "fields": {"risk_score": 7.5, "diagnosis": null}},
        {"contact": ids[2], "type": "update", "fields": {"portal_user": true}},
    ]});
    let answer = server.call("POST", "/v1/events/batch", Some(&write), Some(&updates));
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json()["accepted"], json!(2));
    let read = server.call(
        "GET",
        &format!("/v1/contacts/{}", ids[1]),
        Some(&write),
        None,
    );
    assert_eq!(read.json()["fields"]["risk_score"], json!(7.5));

    // `null` on a field with a default (`portal_user: bool = false`)
    // puts the default back, as an empty cell of an import does.
    let third = format!("/v1/contacts/{}", ids[2]);
    let read = server.call("GET", &third, Some(&write), None);
    assert_eq!(read.json()["fields"]["portal_user"], json!(true));
    let reset = json!({"external_id": read.json()["external_id"], "fields": {"portal_user": null}});
    let answer = server.call("POST", "/v1/contacts", Some(&write), Some(&reset));
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json()["changed_fields"], json!(["portal_user"]));
    let read = server.call("GET", &third, Some(&write), None);
    assert_eq!(read.json()["fields"]["portal_user"], json!(false));

    let fourth = server.call(
        "POST",
        "/v1/contacts",
        Some(&write),
        Some(&patient(4, &[], &["engaged"])),
    );
    assert_eq!(fourth.status, 201, "{}", fourth.text);
    assert_eq!(fourth.json()["journeys_entered"], json!(0));
    let enrol = json!({"segment": "engaged"});
    let answer = server.call(
        "POST",
        "/v1/journeys/care/enrolments",
        Some(&write),
        Some(&enrol),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(
        answer.json(),
        json!({"entered": 1, "already_in": 0, "refused_by_reentry": 1, "entered_elsewhere": 0})
    );
    eventually(|| (sink.messages().len() >= 4).then_some(())).expect("the fourth welcome");
    let last = sink.messages().pop().unwrap();
    assert_eq!(header(&last, "To"), Some("p4@example.org"));

    let report = server.call("GET", "/v1/journeys/care", Some(&write), None);
    assert_eq!(report.status, 200, "{}", report.text);
    let report = report.json();
    let steps = report["journeys"][0]["steps"].as_array().unwrap();
    let first = &steps[0];
    assert_eq!(first["arrived"], json!(4), "{first}");
    let engaged = steps
        .iter()
        .find(|s| s["step"] == json!("engaged"))
        .unwrap();
    assert_eq!(engaged["arrived"], json!(1), "{engaged}");
    let all = server.call("GET", "/v1/journeys", Some(&write), None);
    assert_eq!(all.json()["journeys"].as_array().unwrap().len(), 1);
    // The scheme is case-insensitive (RFC 9110).
    let lower = [format!("Authorization: bearer {write}")];
    let all = server.raw("GET", "/v1/journeys", &lower, b"");
    assert_eq!(all.status, 200, "{}", all.text);

    let erased = server.call(
        "DELETE",
        &format!("/v1/contacts/{}", ids[1]),
        Some(&write),
        None,
    );
    assert_eq!(erased.status, 200, "{}", erased.text);
    assert_eq!(erased.json()["runs_ended"], json!(1));
    let gone = server.call(
        "GET",
        &format!("/v1/contacts/{}", ids[1]),
        Some(&write),
        None,
    );
    assert_eq!(gone.status, 410);
    let twice = server.call(
        "DELETE",
        &format!("/v1/contacts/{}", ids[1]),
        Some(&write),
        None,
    );
    assert_eq!(
        twice.status, 410,
        "erased before, as a read says: {}",
        twice.text
    );
    let unknown = server.call("DELETE", "/v1/contacts/999999", Some(&write), None);
    assert_eq!(unknown.status, 404, "{}", unknown.text);
    let late = json!({"contact": ids[1], "type": "update", "fields": {"portal_user": true}});
    let answer = server.call("POST", "/v1/events", Some(&write), Some(&late));
    assert_eq!(
        answer.status, 422,
        "an erased contact takes no events: {}",
        answer.text
    );

    let served = server.call("GET", "/openapi.json", Some(&write), None);
    let kept = std::fs::read_to_string(serve_support::repository().join("docs/openapi.json"));
    let kept: Value = serde_json::from_str(&kept.expect("docs/openapi.json")).unwrap();
    assert_eq!(
        served.json(),
        kept,
        "docs/openapi.json is the served document"
    );

    for (method, path, _) in journey_runtime::http::openapi::public_operations() {
        let path = path.replace("{token}", "not-a-token");
        let answer = server.call(&method.to_uppercase(), &path, None, None);
        let json = answer.header("content-type") == Some("application/json");
        assert!(
            !json && answer.status != 401,
            "{method} {path} is not routed: {answer:?}"
        );
    }

    assert!(server.stop().success(), "SIGTERM stops the server cleanly");
    let again = Server::start(&project, "info");
    let read = again.call(
        "GET",
        &format!("/v1/contacts/{}", ids[0]),
        Some(&write),
        None,
    );
    assert_eq!(
        read.json()["segments"],
        json!(["engaged"]),
        "kept across a restart"
    );
    assert_eq!(sink.messages().len(), 4, "a restart sends nothing twice");
    assert!(again.stop().success());

    let store = journey_runtime::store::sqlite::SqliteStore::open(&project.db()).unwrap();
    let audit: Vec<(String, String, Option<i64>)> = store
        .connection()
        .prepare("SELECT actor, action, contact FROM audit WHERE actor LIKE 'token %' ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|(_, a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "contact_create",
            "contact_create",
            "contact_create",
            "event_recorded",
            "update_recorded",
            "update_recorded",
            "contact_update",
            "contact_create",
            "enrol",
            "contact_erase",
        ]
    );
    assert!(audit.iter().all(|(actor, _, _)| actor == "token 1 (crm)"));
    assert_eq!(
        audit[9].2,
        Some(ids[1]),
        "the erasure names the contact by id"
    );
}

#[test]
fn bad_input_gets_a_4xx_that_names_the_field() {
    let project = clinic(None);
    let write = project.token("write", "crm");
    let server = Server::start(&project, "info");
    let post = |path: &str, body: &Value| server.call("POST", path, Some(&write), Some(body));

    let cases: Vec<(&str, Value, u16, &str)> = vec![
        ("/v1/contacts", json!({"fields": {}}), 422, "external_id"),
        (
            "/v1/contacts",
            json!({"external_id": 5}),
            422,
            "external_id",
        ),
        (
            "/v1/contacts",
            json!({"external_id": "P-9", "fields": {"email": "nope"}}),
            422,
            "fields.email",
        ),
        (
            "/v1/contacts",
            json!({"external_id": "P-9", "fields": {"email": "a@b.org", "first_name": "A"}}),
            422,
            "fields.last_name",
        ),
        (
            "/v1/contacts",
            json!({"external_id": "P-9", "fields": {"risk_score": "high"}}),
            422,
            "fields.risk_score",
        ),
        (
            "/v1/contacts",
            json!({"external_id": "P-9", "fields": {"birth_date": "14/03/2027"}}),
            422,
            "fields.birth_date",
        ),
        (
            "/v1/contacts",
            json!({"external_id": "P-9", "fields": {"birth_date": "1961-7-3"}}),
            422,
            "fields.birth_date",
        ),
        (
            "/v1/contacts",
            json!({"external_id": "P-9", "fields": {"birth_date": "+10000-01-01"}}),
            422,
            "fields.birth_date",
        ),
        (
            "/v1/contacts",
            json!({"external_id": "P-9", "fields": {"first_nme": "A"}}),
            422,
            "did you mean `first_name`",
        ),
        (
            "/v1/contacts",
            json!({"external_id": "P-9", "lists": ["nope"]}),
            422,
            "lists[0]",
        ),
        (
            "/v1/contacts",
            json!({"external_id": "P-9", "extra": 1}),
            422,
            "known ones are",
        ),
        ("/v1/events", json!({"type": "event"}), 422, "contact"),
        (
            "/v1/events",
            json!({"contact": 1, "type": "event", "name": "intake_submited"}),
            422,
            "did you mean `intake_submitted`",
        ),
        (
            "/v1/events",
            json!({"external_id": "P-3", "type": "event", "name": "intake_submitted"}),
            422,
            "fields.form",
        ),
        (
            "/v1/events",
            json!({"contact": 1, "type": "event", "name": "intake_submitted",
                   "fields": {"form": null}}),
            422,
            "fields.form",
        ),
        (
            "/v1/events",
            json!({"contact": 1, "type": "click"}),
            422,
            "type",
        ),
        (
            "/v1/events",
            json!({"contact": 99, "type": "update", "fields": {"portal_user": true}}),
            422,
            "no contact has this id",
        ),
        ("/v1/events/batch", json!({"events": []}), 422, "events"),
        ("/v1/events/batch", json!({"events": [1]}), 422, "events[0]"),
        ("/v1/journeys/care/enrolments", json!({}), 422, "list"),
        (
            "/v1/journeys/nope/enrolments",
            json!({"list": "patients"}),
            404,
            "journey",
        ),
    ];
    for (path, body, status, names) in cases {
        let answer = post(path, &body);
        assert_eq!(answer.status, status, "{path} {body}: {}", answer.text);
        assert!(
            answer.text.contains(names),
            "{path} {body}: {}",
            answer.text
        );
        assert!(answer.json()["error"].is_string(), "{}", answer.text);
    }

    // Every problem of a batch at once: unknown contacts beside bad fields.
    let batch = json!({"events": [
        {"contact": 999, "type": "update", "fields": {"portal_user": true}},
        {"contact": 998, "type": "click"},
        {"external_id": "P-404", "type": "event", "name": "intake_submitted"},
    ]});
    let answer = post("/v1/events/batch", &batch);
    assert_eq!(answer.status, 422, "{}", answer.text);
    let fields: Vec<Value> = answer.json()["errors"]
        .as_array()
        .map(|errors| errors.iter().map(|e| e["field"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(
        fields,
        [
            "events[0].contact",
            "events[1].contact",
            "events[1].type",
            "events[2].external_id",
            "events[2].fields.form",
        ],
        "{}",
        answer.text
    );

    let json_header = ["Content-Type: application/json".to_string()];
    let bearer = format!("Authorization: Bearer {write}");
    let both = [bearer.clone(), json_header[0].clone()];
    let raw_cases: Vec<(&str, Vec<String>, Vec<u8>, u16)> = vec![
        ("/v1/contacts", both.to_vec(), b"{not json".to_vec(), 400),
        ("/v1/contacts", both.to_vec(), b"[1, 2]".to_vec(), 400),
        ("/v1/contacts", both.to_vec(), vec![0xff, 0xfe, 0x00], 400),
        ("/v1/contacts", vec![bearer.clone()], b"{}".to_vec(), 415),
        ("/v1/contacts", both.to_vec(), vec![b' '; 5 << 20], 413),
    ];
    for (path, headers, body, status) in raw_cases {
        let answer = server.raw("POST", path, &headers, &body);
        assert_eq!(answer.status, status, "{path}: {}", answer.text);
        assert!(answer.json()["message"].is_string(), "{}", answer.text);
    }
    for (method, path, status) in [
        ("GET", "/v1/contacts/abc", 404),
        ("GET", "/v1/contacts/-3", 404),
        ("GET", "/v1/contacts/99999999999999999999999", 404),
        ("GET", "/v1/segments/nope/members", 404),
        ("GET", "/v1/segments/engaged/members?limit=0", 422),
        ("GET", "/v1/segments/engaged/members?limit=x&after=-1", 422),
        ("GET", "/v1/segments/engaged/members?%zz=1", 422),
        ("PUT", "/v1/contacts", 405),
        ("GET", "/v1/nothing", 404),
    ] {
        let answer = server.raw(method, path, std::slice::from_ref(&bearer), b"");
        assert_eq!(answer.status, status, "{method} {path}: {}", answer.text);
        assert!(answer.json()["message"].is_string(), "{}", answer.text);
    }
    let log = server.log();
    assert!(!log.contains("handler_panicked"), "{log}");
    assert!(server.stop().success());
}

/// A newsletter project: one marketing email on entry to `members`.
const NEWS: &str = r#"contact {
  email: email
  first_name: text
  timezone: timezone = "America/Chicago"
}

list members "Members"

email news {
  kind marketing
  subject "News for you, {{ contact.first_name }}"
  body "news.txt"
}

journey newsletter "Newsletter" {
  from "Example Health <news@example-health.org>"
  enter on list members
  send news
  end
}
"#;

/// What became of the newsletter of the contact with this external id.
fn news_status(db: &std::path::Path, external_id: &str) -> Option<(String, Option<String>)> {
    let store = journey_runtime::store::sqlite::SqliteStore::open(db).ok()?;
    store
        .connection()
        .query_row(
            "SELECT o.status, o.reason FROM outbox o JOIN contacts c ON c.id = o.contact \
             WHERE c.external_id = ?1 AND o.status != 'queued' AND o.status != 'sending'",
            [external_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .ok()
}

/// Marketing consent given, read, revoked and refused over the API: only
/// a contact whose consent is in force gets the marketing email.
#[test]
fn marketing_consent_is_given_and_revoked_over_the_api() {
    let project = serve_support::Project::new(&[
        ("news.journey", NEWS),
        (
            "news.txt",
            "Hello {{ contact.first_name }}\n{{ unsubscribe_url }}\n",
        ),
        ("journey.toml", "[project]\ntimezone = \"UTC\"\n"),
    ]);
    project.deploy();
    let token = project.token("write", "crm");
    let server = Server::start(&project, "warn");
    let post = |body: Value| server.call("POST", "/v1/contacts", Some(&token), Some(&body));
    let person = |id: &str, consent: Value, lists: &[&str]| {
        json!({
            "external_id": id,
            "fields": {"email": format!("{id}@example.org"), "first_name": id},
            "consent": consent,
            "lists": lists,
        })
    };

    let granted = post(person(
        "ana",
        json!({"granted_at": "2026-01-04T09:00:00Z", "expires_at": "2999-12-31"}),
        &["members"],
    ));
    assert_eq!(granted.status, 201, "{}", granted.text);
    let ana = granted.json()["id"].as_i64().unwrap();
    let none = post(person("bo", Value::Null, &["members"]));
    assert_eq!(none.status, 201, "{}", none.text);
    let now = post(person("cy", json!({"granted_at": true}), &[]));
    assert_eq!(now.status, 201, "{}", now.text);
    let revoked = post(json!({
        "external_id": "cy", "consent": {"revoked_at": true}, "lists": ["members"],
    }));
    assert_eq!(revoked.status, 200, "{}", revoked.text);
    let expired = post(person(
        "di",
        json!({"granted_at": "2026-01-04T09:00:00+01:00", "expires_at": "2026-02-01"}),
        &["members"],
    ));
    assert_eq!(expired.status, 201, "{}", expired.text);

    let read = server.call("GET", &format!("/v1/contacts/{ana}"), Some(&token), None);
    let consent = &read.json()["consent"];
    assert_eq!(
        consent["granted_at"], "2026-01-04T09:00:00Z",
        "{}",
        read.text
    );
    assert_eq!(
        consent["expires_at"], "3000-01-01T06:00:00Z",
        "Chicago's midnight"
    );
    assert_eq!(consent["in_force"], true);

    let db = project.db();
    let outcome = |id: &str| eventually(|| news_status(&db, id)).expect("the email is settled");
    assert_eq!(outcome("ana").0, "sent");
    for id in ["bo", "cy", "di"] {
        let (status, reason) = outcome(id);
        assert_eq!(status, "suppressed", "{id}");
        assert_eq!(
            reason.as_deref(),
            Some("no valid marketing authorisation at send time"),
            "{id}"
        );
    }

    for (consent, field) in [
        (json!({"granted_at": "yesterday"}), "consent.granted_at"),
        (json!({"granted_at": false}), "consent.granted_at"),
        (json!({"expires_at": "2027-02-30"}), "consent.expires_at"),
        (json!({"revoked_at": 17}), "consent.revoked_at"),
        (json!({"granted": true}), "consent"),
        (json!("yes"), "consent"),
    ] {
        let answer = post(person("ed", consent.clone(), &[]));
        assert_eq!(answer.status, 422, "{consent}: {}", answer.text);
        let errors = answer.json()["errors"].clone();
        let fields: Vec<&str> = errors
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert_eq!(fields, [field], "{consent}: {}", answer.text);
    }
    assert!(server.stop().success());

    let store = journey_runtime::store::sqlite::SqliteStore::open(&db).unwrap();
    let audited: Vec<String> = store
        .connection()
        .prepare("SELECT detail FROM audit WHERE action = 'consent_change' ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        audited,
        ["granted, expires", "granted", "revoked", "granted, expires"]
    );
    assert!(store.contact_id("ed").unwrap().is_none(), "refused whole");
}

/// What became of the welcome of each contact with these external ids.
fn welcome_statuses(db: &std::path::Path, ids: &[&str]) -> Option<Vec<(String, Option<String>)>> {
    ids.iter()
        .map(|id| news_status(db, id))
        .collect::<Option<Vec<_>>>()
}

/// An unsubscribed or bounced address stays suppressed when its contact is
/// erased and the address comes back under another contact, written in
/// another case; the store keeps only a keyed hash of it. Another address
/// is mailed as usual.
#[test]
fn an_erased_address_that_comes_back_is_not_mailed_again() {
    let project = clinic(None);
    let csv = "id,email,first_name,last_name,unsubscribed,bounced\n\
               P-1,Gone.Away@Example.org,Ann,Lee,true,false\n\
               P-2,bounced@example.org,Bob,Lee,false,true\n";
    std::fs::write(project.root().join("old.csv"), csv).unwrap();
    project.import("old.csv");
    let db = project.db();
    let token = project.token("write", "crm");
    let server = Server::start(&project, "warn");

    let ids: Vec<i64> = {
        let store = journey_runtime::store::sqlite::SqliteStore::open(&db).unwrap();
        ["P-1", "P-2"]
            .iter()
            .map(|id| store.contact_id(id).unwrap().unwrap())
            .collect()
    };
    for id in ids {
        let erased = server.call("DELETE", &format!("/v1/contacts/{id}"), Some(&token), None);
        assert_eq!(erased.status, 200, "{}", erased.text);
    }
    for suffix in ["", "-wal"] {
        let bytes =
            std::fs::read(project.root().join(format!("journey.db{suffix}"))).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes).to_ascii_lowercase();
        assert!(
            !text.contains("gone.away@example.org"),
            "journey.db{suffix}"
        );
        assert!(!text.contains("bounced@example.org"), "journey.db{suffix}");
    }

    for (id, email) in [
        ("P-3", " gone.away@EXAMPLE.org"),
        ("P-4", "Bounced@example.org"),
        ("P-5", "still.here@example.org"),
    ] {
        let body = json!({
            "external_id": id,
            "fields": {"email": email.trim(), "first_name": "Cy", "last_name": "Lee"},
            "lists": ["patients"],
        });
        let created = server.call("POST", "/v1/contacts", Some(&token), Some(&body));
        assert_eq!(created.status, 201, "{}", created.text);
    }
    let statuses = eventually(|| welcome_statuses(&db, &["P-3", "P-4", "P-5"]))
        .expect("the welcomes are settled");
    assert_eq!(
        statuses,
        [
            ("suppressed".into(), Some("suppressed: unsubscribed".into())),
            ("suppressed".into(), Some("suppressed: bounced".into())),
            ("sent".into(), None),
        ]
    );
    assert!(server.stop().success());
}

/// A second server on an address in use stops before it writes anything:
/// the address is taken first, then the project deployed. (It deployed
/// first, so a server that could not start left a deployment behind that
/// the running server was not running.)
#[test]
fn a_server_on_an_address_in_use_stops_before_it_deploys() {
    let project = clinic(None);
    let server = Server::start(&project, "info");
    let (root, db) = (project.root().to_str().unwrap(), project.db());
    let address = server.address.to_string();

    let second = project.journey(&[
        "serve",
        root,
        "--db",
        db.to_str().unwrap(),
        "--listen",
        &address,
    ]);
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {address}")),
        "{stderr}"
    );
    assert!(stderr.contains("--listen"), "{stderr}");
    assert!(!stderr.contains("deployed"), "nothing deployed: {stderr}");
    assert!(server.stop().success());
}
