//! Property-based fuzzing of the `journey serve` API from its OpenAPI
//! document: schemathesis (PyPI, installed by `scripts/schemathesis/
//! install.sh`, which scripts/test.sh runs) generates requests from
//! `docs/openapi.json`, valid and invalid, and sends them with an admin
//! token to a server this test starts on 127.0.0.1.
//!
//! What must hold: no answer is a 5xx (schemathesis's `not_a_server_error`
//! check, and the server's own request log), no handler panics, and the
//! server still answers and stops cleanly afterwards. The run is bounded:
//! a fixed seed, a number of examples per operation and a time budget.

mod serve_support;

use serde_json::json;
use serve_support::{clinic, repository, Server};
use std::process::Command;

/// Examples per operation and phase, and the whole run's time budget in
/// seconds.
const EXAMPLES: &str = "20";
const BUDGET: &str = "90";

#[test]
fn generated_requests_never_get_a_server_error() {
    let st = repository().join("target/schemathesis-venv/bin/st");
    assert!(
        st.exists(),
        "schemathesis is missing at {}: run scripts/schemathesis/install.sh \
         (scripts/test.sh does)",
        st.display()
    );
    let project = clinic(None);
    let admin = project.token("admin", "fuzzer");
    let server = Server::start(&project, "info");
    for n in 1..=3 {
        let contact = json!({
            "external_id": format!("F-{n}"),
            "fields": {"email": format!("f{n}@example.org"), "first_name": "F", "last_name": "L"},
            "lists": ["patients"],
            "segments": ["engaged"],
        });
        let answer = server.call("POST", "/v1/contacts", Some(&admin), Some(&contact));
        assert_eq!(answer.status, 201, "{}", answer.text);
    }

    let reports = project.root().join("schemathesis");
    let output = Command::new(&st)
        .arg("run")
        .arg(repository().join("docs/openapi.json"))
        .args(["--url", &format!("http://{}", server.address)])
        .args(["--header", &format!("Authorization: Bearer {admin}")])
        .args(["--checks", "not_a_server_error"])
        .args(["--max-examples", EXAMPLES, "--max-time", BUDGET])
        .args(["--seed", "7", "--workers", "1", "--no-color"])
        .arg("--report-dir")
        .arg(&reports)
        .current_dir(project.root())
        .env("SCHEMATHESIS_HOOKS", "")
        .output()
        .expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "schemathesis found failures:\n{stdout}\n{stderr}"
    );

    let summary: Vec<&str> = stdout.lines().rev().take(12).collect();
    eprintln!(
        "schemathesis:\n{}",
        summary.into_iter().rev().collect::<Vec<_>>().join("\n")
    );
    let log = server.log();
    let requests = log.lines().filter(|l| l.contains(" request ")).count();
    assert!(
        requests > 100,
        "schemathesis sent only {requests} requests:\n{stdout}"
    );
    let server_errors: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("status=5") || l.contains("handler_panicked"))
        .collect();
    assert!(server_errors.is_empty(), "{server_errors:#?}");
    let still = server.call("GET", "/v1/journeys", Some(&admin), None);
    assert_eq!(still.status, 200, "{}", still.text);
    assert!(server.stop().success());
}
