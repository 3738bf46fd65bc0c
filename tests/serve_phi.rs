//! No PHI in what `journey serve` logs or answers: a scenario heavy with
//! patient data goes through the API, and every log line and every
//! response body is searched for the patients' field values.
//!
//! The values are distinctive (no word of the API or of a log line can
//! contain them by chance): names, a diagnosis, a birth date, an email
//! address, a record number used as external id, a custom event's field.
//! The scenario creates, reads, updates and erases contacts, records
//! events and updates one by one and in batches, enrols, reads reports,
//! and sends bad requests that carry the values in every place a client
//! may put them: as wrongly typed values, in unknown fields, as keys, in
//! broken JSON, for unknown contacts, in URLs.
//!
//! What is scanned: the server's whole stderr with `JOURNEY_LOG=debug`
//! (the engine's, delivery's and the HTTP stack's debug logs), every
//! response body, and the audit log. Left out, by design: the answers to
//! an authorised read of a contact (`GET /v1/contacts/{id}`, which returns
//! the contact) and of a segment's members (which lists external ids);
//! the test checks that those did hold the values, so the scan is not
//! searching for strings that never went through the server.

mod serve_support;

use serde_json::{json, Value};
use serve_support::{clinic, Answer, Server};

/// The PHI of the scenario.
const PHI: [&str; 9] = [
    "Zebulon",
    "Quillfeather",
    "Marisabel",
    "Thistlewood",
    "zebulon.quillfeather@example.org",
    "Erythromelalgia",
    "1941-07-23",
    "MRN-88421973",
    "PHQ9-severe-xyzzy",
];

struct Recorder<'s> {
    server: &'s Server,
    token: String,
    /// Bodies to scan.
    scanned: Vec<String>,
    /// Bodies of authorised reads, which hold PHI by design.
    reads: Vec<String>,
}

impl Recorder<'_> {
    fn call(&mut self, method: &str, path: &str, body: Option<&Value>) -> Answer {
        let answer = self.server.call(method, path, Some(&self.token), body);
        assert!(answer.status < 500, "{method} {path}: {}", answer.text);
        let authorised_read = method == "GET"
            && answer.status == 200
            && (path.starts_with("/v1/contacts/") || path.contains("/members"));
        match authorised_read {
            true => self.reads.push(answer.text.clone()),
            false => self.scanned.push(answer.text.clone()),
        }
        answer
    }

    fn raw(&mut self, path: &str, body: &[u8]) -> Answer {
        let headers = [
            format!("Authorization: Bearer {}", self.token),
            "Content-Type: application/json".to_string(),
        ];
        let answer = self.server.raw("POST", path, &headers, body);
        assert!(answer.status < 500, "{path}: {}", answer.text);
        self.scanned.push(answer.text.clone());
        answer
    }
}

#[test]
fn patient_data_never_reaches_a_log_line_an_error_or_a_url() {
    let project = clinic(None);
    let token = project.token("admin", "phi-scan");
    let server = Server::start(&project, "debug");
    let mut api = Recorder {
        server: &server,
        token,
        scanned: Vec::new(),
        reads: Vec::new(),
    };

    let zebulon = json!({
        "external_id": "MRN-88421973",
        "fields": {
            "email": "zebulon.quillfeather@example.org",
            "first_name": "Zebulon",
            "last_name": "Quillfeather",
            "diagnosis": "Erythromelalgia",
            "birth_date": "1941-07-23",
        },
        "lists": ["patients"],
    });
    let created = api.call("POST", "/v1/contacts", Some(&zebulon));
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json()["id"].as_i64().unwrap();
    let marisabel = json!({
        "external_id": "P-2",
        "fields": {
            "email": "m.t@example.org", "first_name": "Marisabel", "last_name": "Thistlewood",
        },
        "segments": ["engaged"],
    });
    let second = api.call("POST", "/v1/contacts", Some(&marisabel));
    let second = second.json()["id"].as_i64().unwrap();
    api.call("GET", &format!("/v1/contacts/{id}"), None);
    api.call("GET", &format!("/v1/contacts/{second}"), None);
    api.call("POST", "/v1/contacts", Some(&zebulon));

    let event = json!({
        "external_id": "MRN-88421973", "type": "event", "name": "intake_submitted",
        "fields": {"form": "PHQ9-severe-xyzzy"},
    });
    assert_eq!(api.call("POST", "/v1/events", Some(&event)).status, 200);
    let batch = json!({"events": [
        {"contact": second, "type": "update", "fields": {"diagnosis": "Erythromelalgia"}},
        {"external_id": "P-2", "type": "event", "name": "intake_submitted",
         "fields": {"form": "PHQ9-severe-xyzzy"}},
    ]});
    assert_eq!(
        api.call("POST", "/v1/events/batch", Some(&batch)).status,
        200
    );
    api.call(
        "POST",
        "/v1/journeys/care/enrolments",
        Some(&json!({"segment": "engaged"})),
    );
    api.call("GET", "/v1/segments/engaged/members", None);
    api.call("GET", "/v1/journeys", None);
    api.call("GET", "/v1/journeys/care", None);
    api.call("POST", "/v1/deploy", None);

    let bad: Vec<Value> = vec![
        json!({"external_id": "MRN-88421973", "fields": {"email": "Zebulon Quillfeather"}}),
        json!({"external_id": "MRN-88421973", "fields": {"birth_date": "Erythromelalgia"}}),
        json!({"external_id": "MRN-88421973", "fields": {"risk_score": "1941-07-23"}}),
        json!({"external_id": "MRN-88421973", "fields": {"portal_user": "Quillfeather"}}),
        json!({"external_id": "MRN-88421973", "fields": {"timezone": "Thistlewood"}}),
        json!({"external_id": "MRN-88421973", "fields": {"Zebulon": "Quillfeather"}}),
        json!({"external_id": "MRN-88421973", "Erythromelalgia": 1}),
        json!({"external_id": "MRN-88421973", "lists": ["Thistlewood"]}),
        json!({"external_id": "MRN-88421973", "fields": {"last_name": null}}),
        json!({"external_id": {"first_name": "Zebulon"}}),
        json!({"fields": {"first_name": "Zebulon"}}),
    ];
    for body in &bad {
        let answer = api.call("POST", "/v1/contacts", Some(body));
        assert_eq!(answer.status, 422, "{body}: {}", answer.text);
    }
    let bad_events: Vec<Value> = vec![
        json!({"external_id": "MRN-00000000-Quillfeather", "type": "update",
               "fields": {"first_name": "Zebulon"}}),
        json!({"contact": id, "type": "event", "name": "Erythromelalgia"}),
        json!({"contact": id, "type": "Quillfeather"}),
        json!({"contact": id, "type": "event", "name": "intake_submitted",
               "fields": {"form": 1941, "Zebulon": "x"}}),
        json!({"contact": id, "type": "update", "fields": {"email": "Thistlewood"}}),
    ];
    for body in &bad_events {
        let answer = api.call("POST", "/v1/events", Some(body));
        assert_eq!(answer.status, 422, "{body}: {}", answer.text);
        let batch = json!({"events": [event.clone(), body.clone()]});
        let answer = api.call("POST", "/v1/events/batch", Some(&batch));
        assert_eq!(answer.status, 422, "{batch}: {}", answer.text);
    }
    api.raw(
        "/v1/contacts",
        br#"{"external_id": "MRN-88421973", "fields": {"first_name": "Zebulon""#,
    );
    api.raw(
        "/v1/contacts",
        br#"{"external_id": "MRN-88421973", "fields": Erythromelalgia}"#,
    );
    api.raw("/v1/events", b"\"Quillfeather\"");
    for path in [
        "/v1/contacts/MRN-88421973",
        "/v1/contacts/Zebulon",
        "/v1/segments/Quillfeather/members",
        "/v1/segments/engaged/members?Zebulon=Thistlewood&limit=Erythromelalgia",
        "/v1/journeys/Erythromelalgia",
        "/v1/Quillfeather",
    ] {
        api.call("GET", path, None);
    }
    api.call("DELETE", "/v1/contacts/Quillfeather", None);
    assert_eq!(
        api.call("DELETE", &format!("/v1/contacts/{id}"), None)
            .status,
        200
    );
    assert_eq!(
        api.call("GET", &format!("/v1/contacts/{id}"), None).status,
        410
    );

    // The values did go through the server: the authorised reads hold them.
    let reads = api.reads.join("\n");
    for value in [
        "Zebulon",
        "Erythromelalgia",
        "1941-07-23",
        "MRN-88421973",
        "Thistlewood",
    ] {
        assert!(
            reads.contains(value),
            "{value} was never read back: {reads}"
        );
    }

    let (scanned, log) = (std::mem::take(&mut api.scanned), server.log());
    drop(api);
    assert!(server.stop().success());
    assert!(
        log.lines().count() > 50,
        "the debug log is nearly empty:\n{log}"
    );
    let store = journey_runtime::store::sqlite::SqliteStore::open(&project.db()).unwrap();
    let audit: Vec<String> = store
        .connection()
        .prepare("SELECT actor || ' ' || action || ' ' || coalesce(detail, '') FROM audit")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let erased: String = store
        .connection()
        .query_row(
            "SELECT external_id || fields FROM contacts WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap();

    let mut leaks = Vec::new();
    for value in PHI {
        for line in log.lines().filter(|l| l.contains(value)) {
            leaks.push(format!("log: {line}"));
        }
        for body in scanned.iter().filter(|b| b.contains(value)) {
            leaks.push(format!("response: {body}"));
        }
        for row in audit.iter().filter(|r| r.contains(value)) {
            leaks.push(format!("audit: {row}"));
        }
        if erased.contains(value) {
            leaks.push(format!("erased contact: {erased}"));
        }
    }
    assert!(leaks.is_empty(), "PHI found:\n{}", leaks.join("\n"));
    assert!(scanned.len() > 40, "only {} answers scanned", scanned.len());
}

/// Erasure leaves nothing of the patient's values anywhere on disk: not in
/// the database file, its write-ahead log or the log's index, whether the
/// values were in the contact, an update's or an event's data, or an index.
/// The bytes are read while the server still runs (it would checkpoint and
/// remove the log on closing), as someone copying the files would.
#[test]
fn an_erased_patient_leaves_no_bytes_on_disk() {
    let project = clinic(None);
    let token = project.token("write", "erasure");
    let server = Server::start(&project, "warn");
    let call = |method: &str, path: &str, body: Option<&Value>| {
        let answer = server.call(method, path, Some(&token), body);
        assert!(answer.status < 300, "{method} {path}: {}", answer.text);
        answer
    };

    let created = call(
        "POST",
        "/v1/contacts",
        Some(&json!({
            "external_id": "MRN-55120934",
            "fields": {
                "email": "ottoline.vanderquist@example.org",
                "first_name": "Ottoline",
                "last_name": "Vanderquist",
                "diagnosis": "Trigeminal-neuralgia-zq",
                "birth_date": "1938-11-02",
            },
            "lists": ["patients"],
        })),
    );
    let id = created.json()["id"].as_i64().unwrap();
    call(
        "POST",
        "/v1/contacts",
        Some(&json!({
            "external_id": "MRN-55120934",
            "fields": {"diagnosis": "Hemicrania-continua-zq"},
        })),
    );
    call(
        "POST",
        "/v1/events",
        Some(&json!({
            "contact": id, "type": "event", "name": "intake_submitted",
            "fields": {"form": "GAD7-moderate-plugh"},
        })),
    );
    call("DELETE", &format!("/v1/contacts/{id}"), None);

    let values = [
        "MRN-55120934",
        "ottoline.vanderquist@example.org",
        "Ottoline",
        "Vanderquist",
        "Trigeminal-neuralgia-zq",
        "Hemicrania-continua-zq",
        "1938-11-02",
        "GAD7-moderate-plugh",
    ];
    let mut found = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let path = project.root().join(format!("journey.db{suffix}"));
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        for value in values {
            if bytes.windows(value.len()).any(|w| w == value.as_bytes()) {
                found.push(format!("{value} in journey.db{suffix}"));
            }
        }
    }
    assert!(server.stop().success());
    assert!(
        found.is_empty(),
        "erased values still on disk:\n{}",
        found.join("\n")
    );
}
