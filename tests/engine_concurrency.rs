//! Two `journey run` processes on one store and one outbox folder at once,
//! both on a virtual clock from the same start: every run must still be
//! advanced once and every email sent once.
//!
//! The file transport cannot count how often it wrote a file, so the count
//! comes from the engines themselves: each logs `email_settled` for every
//! email right after the transport accepted it, and the two logs together
//! must name each email exactly once. The store's side of the same fact:
//! every sent email was settled once (`attempts` 1).

#[path = "fixtures/engine/support.rs"]
mod support;

use std::time::{Duration, Instant};
use support::*;

const CONTACTS: usize = 4_000;

#[test]
fn two_engines_on_one_store_send_each_email_once_and_end_each_run_once() {
    let project = Project::new();
    project.deploy_and_import(CONTACTS);

    let logs = [project.root.join("a.log"), project.root.join("b.log")];
    let started = Instant::now();
    let mut engines: Vec<_> = logs.iter().map(|log| project.spawn_run(log)).collect();
    for engine in &mut engines {
        let status = wait_within(engine, Duration::from_secs(300));
        assert!(status.success(), "journey run failed: {status}");
    }
    let elapsed = started.elapsed();

    let checked = check_care_finished(&project, CONTACTS);
    let sends = logged_sends(&logs);
    let store = project.store();
    for email in outbox_rows(&store) {
        let times = sends.get(&email.id).copied().unwrap_or(0);
        assert_eq!(times, 1, "sent {times} times: {email:?}");
    }
    assert_eq!(sends.len(), checked.emails);

    let by_engine: Vec<usize> = logs
        .iter()
        .map(|log| logged_sends(std::slice::from_ref(log)).len())
        .collect();
    assert!(
        by_engine.iter().all(|&n| n > 0),
        "both engines must have delivered some of the mail to test anything: {by_engine:?}"
    );
    eprintln!(
        "two engines: {} runs, {} emails ({} and {} by each) in {elapsed:.1?}",
        checked.runs, checked.emails, by_engine[0], by_engine[1]
    );
}
