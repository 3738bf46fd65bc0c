//! `journey run` as the README's first command runs it, on a copy of the
//! bundled quickstart: deploy, import, run on a virtual clock, report, and
//! `.eml` files in the outbox. Also: a second run repeats nothing, and the
//! engine's logs name no contact by anything but its store id.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn quickstart_copy(dir: &Path) -> PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart");
    let to = dir.join("quickstart");
    copy_tree(&from, &to);
    to
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "outbox" || name.to_string_lossy().starts_with("journey.db") {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

fn run(project: &Path, log: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_journey"));
    command.args(["run", project.to_str().unwrap()]);
    command.args(["--contacts", project.join("contacts.csv").to_str().unwrap()]);
    command.args(["--clock", "virtual", "--start", "2027-01-04T09:00:00Z"]);
    command.env_remove("JOURNEY_LOG");
    if let Some(filter) = log {
        command.env("JOURNEY_LOG", filter);
    }
    command.output().expect("the journey binary runs")
}

fn eml_files(project: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(project.join("outbox"))
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "eml"));
    files.sort();
    files
}

#[test]
fn the_quickstart_runs_to_completion_and_leaves_its_emails_in_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let project = quickstart_copy(dir.path());

    let first = run(&project, None);
    let stdout = String::from_utf8_lossy(&first.stdout);
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("entered 10, advanced 10; emails sent 16, suppressed 4"),
        "{stderr}"
    );
    assert!(stdout.contains("start+1  send           0       10      0       0     8           2"));

    // Eight consenting contacts got the welcome and the tip, once each.
    let files = eml_files(&project);
    assert_eq!(files.len(), 16);
    let welcome = files
        .iter()
        .filter(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .contains("Subject: Welcome to Example Health")
        })
        .count();
    assert_eq!(welcome, 8);

    // Running again changes nothing: no contact enters twice, no email twice.
    let second = run(&project, None);
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("already deployed"), "{stderr}");
    assert!(
        stderr.contains("entered 0, advanced 0; emails sent 0"),
        "{stderr}"
    );
    assert_eq!(eml_files(&project).len(), 16);
}

#[test]
fn the_engine_logs_name_contacts_by_store_id_only() {
    let dir = tempfile::tempdir().unwrap();
    let project = quickstart_copy(dir.path());
    let output = run(&project, Some("journey_runtime=debug"));
    assert_eq!(output.status.code(), Some(0));
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(
        logs.contains("step_committed") && logs.contains("email_settled"),
        "{logs}"
    );

    // Every value of every contact, and every external id.
    let contacts = std::fs::read_to_string(project.join("contacts.csv")).unwrap();
    for line in contacts.lines().skip(1) {
        for value in line.split(',').filter(|v| v.len() > 3 && *v != "newcomers") {
            if value.contains('/') || ["yes", "no"].contains(&value) {
                continue; // time zones and consent flags are not personal
            }
            assert!(!logs.contains(value), "the logs show `{value}`:\n{logs}");
        }
    }
}

/// Mistakes on the command line stop the run before it writes anything:
/// no store is created, nothing is deployed, and the message says what to
/// do. `--until` and `--start` belong to the virtual clock, and are
/// refused, not ignored, with the system clock. A start before 1970 (which
/// once stopped the run with a panic at its first email) and a rate of
/// zero (which delivered nothing, for ever) are refused.
#[test]
fn command_line_mistakes_write_nothing_and_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let project = quickstart_copy(dir.path());
    let journey = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_journey"))
            .arg("run")
            .arg(&project)
            .args(args)
            .output()
            .expect("the journey binary runs");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let missing = dir.path().join("missing.csv");
    let cases: [(&[&str], &str); 6] = [
        (&["--until", "30 days"], "add `--clock virtual`"),
        (
            &["--start", "2027-01-04T09:00:00Z"],
            "add `--clock virtual`",
        ),
        (
            &["--clock", "virtual", "--until", "30days"],
            "2027-03-01T09:00:00Z",
        ),
        (
            &["--contacts", missing.to_str().unwrap()],
            "cannot read --contacts",
        ),
        (
            &["--clock", "virtual", "--start", "1969-12-31T00:00:00Z"],
            "before 1970-01-01T00:00:00Z",
        ),
        (&["--clock", "virtual", "--rate", "0"], "must be at least 1"),
    ];

    for (args, says) in cases {
        let (code, stderr) = journey(args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(
            !project.join("journey.db").exists(),
            "{args:?} left a store behind"
        );
    }
}
