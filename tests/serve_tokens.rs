//! Access control of `journey serve`: which requests a token lets through.
//!
//! Refused with 401, all alike: no `Authorization` header, another scheme,
//! an empty token, a forged one (right shape, never issued), an issued one
//! cut short or with one character changed, and one revoked while the
//! server runs. Refused with 403: a live token whose scope is too small.
//! The store keeps only hashes, `token list` shows no secrets, and each
//! token creation and revocation is in the audit log.

mod serve_support;

use serde_json::json;
use serve_support::{clinic, Server};

#[test]
fn requests_without_a_valid_token_are_refused_alike() {
    let project = clinic(None);
    let read = project.token("read", "dashboard");
    let server = Server::start(&project, "info");

    let mut cut = read.clone();
    cut.truncate(read.len() - 1);
    let mut changed = read.clone().into_bytes();
    let last = changed.len() - 1;
    changed[last] = if changed[last] == b'0' { b'1' } else { b'0' };
    let changed = String::from_utf8(changed).unwrap();
    let forged = format!("jt_{}", "ab".repeat(32));
    let refused: Vec<(&str, Vec<String>)> = vec![
        ("no header", vec![]),
        ("basic scheme", vec![format!("Authorization: Basic {read}")]),
        ("empty", vec!["Authorization: Bearer ".into()]),
        (
            "no prefix",
            vec![format!("Authorization: Bearer {}", &read[3..])],
        ),
        ("forged", vec![format!("Authorization: Bearer {forged}")]),
        ("truncated", vec![format!("Authorization: Bearer {cut}")]),
        ("altered", vec![format!("Authorization: Bearer {changed}")]),
        (
            "too long",
            vec![format!("Authorization: Bearer {}", read.repeat(3))],
        ),
    ];
    let mut bodies = Vec::new();
    for (case, headers) in &refused {
        for path in [
            "/v1/journeys",
            "/openapi.json",
            "/v1/contacts/1",
            "/no/such/path",
        ] {
            let answer = server.raw("GET", path, headers, b"");
            assert_eq!(answer.status, 401, "{case} on {path}: {}", answer.text);
            assert_eq!(answer.header("www-authenticate"), Some("Bearer"));
            bodies.push(answer.text);
        }
    }
    bodies.dedup();
    assert_eq!(bodies.len(), 1, "every refusal says the same: {bodies:?}");

    let ok = server.call("GET", "/v1/journeys", Some(&read), None);
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert!(server.stop().success());
}

#[test]
fn scopes_nest_and_an_under_scoped_token_is_refused_with_403() {
    let project = clinic(None);
    let read = project.token("read", "dashboard");
    let write = project.token("write", "crm");
    let admin = project.token("admin", "ops");
    let server = Server::start(&project, "info");

    let contact = json!({
        "external_id": "P-1",
        "fields": {"email": "p1@example.org", "first_name": "Ann", "last_name": "Lee"},
    });
    let denied = server.call("POST", "/v1/contacts", Some(&read), Some(&contact));
    assert_eq!(denied.status, 403, "{}", denied.text);
    assert!(denied.text.contains("scope `write`"), "{}", denied.text);
    let created = server.call("POST", "/v1/contacts", Some(&write), Some(&contact));
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json()["id"].as_i64().unwrap();
    let again = server.call("POST", "/v1/contacts", Some(&admin), Some(&contact));
    assert_eq!(again.status, 200, "admin may write too: {}", again.text);

    for token in [&read, &write, &admin] {
        let path = format!("/v1/contacts/{id}");
        assert_eq!(server.call("GET", &path, Some(token), None).status, 200);
    }
    for token in [&read, &write] {
        let answer = server.call("POST", "/v1/deploy", Some(token), None);
        assert_eq!(answer.status, 403, "{}", answer.text);
    }
    let deployed = server.call("POST", "/v1/deploy", Some(&admin), None);
    assert_eq!(deployed.status, 200, "{}", deployed.text);
    assert_eq!(deployed.json()["new"], json!(false));

    // A changed project is deployment 2; the old text again is a rollback
    // to deployment 1, which the server and the CLI then both call current.
    let schema = project.root().join("clinic.journey");
    let original = std::fs::read_to_string(&schema).unwrap();
    std::fs::write(
        &schema,
        original.replace("contact {", "list spare\n\ncontact {"),
    )
    .unwrap();
    let changed = server.call("POST", "/v1/deploy", Some(&admin), None);
    assert_eq!(changed.json()["deployment"], json!(2), "{}", changed.text);
    std::fs::write(&schema, &original).unwrap();
    let rolled_back = server.call("POST", "/v1/deploy", Some(&admin), None);
    assert_eq!(
        rolled_back.json()["deployment"],
        json!(1),
        "{}",
        rolled_back.text
    );
    assert_eq!(rolled_back.json()["new"], json!(false));
    let reports = server.call("GET", "/v1/journeys", Some(&admin), None);
    assert_eq!(reports.json()["deployment"], json!(1), "{}", reports.text);
    let db = project.db();
    let cli = project.journey(&["report", "--format", "json", "--db", db.to_str().unwrap()]);
    let cli: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
    assert_eq!(cli["deployment"], json!(1), "{cli}");
    assert!(server.stop().success());
}

#[test]
fn a_revoked_token_is_refused_at_once_and_secrets_are_never_stored() {
    let project = clinic(None);
    let write = project.token("write", "crm");
    let server = Server::start(&project, "info");
    assert_eq!(
        server
            .call("GET", "/v1/journeys", Some(&write), None)
            .status,
        200
    );

    let db = project.db();
    let db = db.to_str().unwrap();
    let listed = project.journey(&["token", "list", "--db", db]);
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert!(
        listed.contains("crm") && listed.contains("write"),
        "{listed}"
    );
    assert!(!listed.contains(&write[3..]), "token list shows no secret");
    let id = listed
        .lines()
        .find(|l| l.contains("crm"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();

    let revoked = project.journey(&["token", "revoke", &id, "--db", db]);
    assert!(revoked.status.success());
    let answer = server.call("GET", "/v1/journeys", Some(&write), None);
    assert_eq!(answer.status, 401, "{}", answer.text);
    let again = project.journey(&["token", "revoke", &id, "--db", db]);
    assert_eq!(again.status.code(), Some(1), "revoking twice is an error");
    assert!(server.stop().success());

    let raw = std::fs::read(project.db()).unwrap();
    let needle = write.as_bytes();
    assert!(
        !raw.windows(needle.len()).any(|w| w == needle),
        "the store holds the token itself"
    );
    let store = journey_runtime::store::sqlite::SqliteStore::open(&project.db()).unwrap();
    let actions: Vec<String> = store
        .connection()
        .prepare("SELECT action || ' ' || detail FROM audit WHERE action LIKE 'token_%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(actions.len(), 2, "{actions:?}");
    assert!(actions[0].starts_with("token_create token 1"));
    assert!(actions[1].starts_with("token_revoke token 1"));
}
