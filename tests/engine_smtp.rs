//! `journey run` delivering over real SMTP: a small project whose
//! `journey.toml` has an `[smtp]` table pointing at a throwaway server on
//! 127.0.0.1 (`scripts/smtp-sink/sink.py` on aiosmtpd), with STARTTLS
//! required, AUTH whose password the child process gets from an environment
//! variable, and the test's own certificate authority as `ca_file`.
//!
//! What is checked: every contact step's email arrives once, with the
//! From, To, Subject, Date and Message-ID the store recorded, and a second
//! run sends nothing again; recipients the server refuses with 550 fail
//! once and are not retried; a server without STARTTLS, a certificate from
//! an authority nobody trusts, a wrong password and a missing password
//! variable each stop the run with exit code 2 and a message that names
//! the cause, and leave every email unsent and queued.
//!
//! The server and the certificates need what `scripts/smtp-sink/install.sh`
//! installs (CI runs it through `scripts/test.sh`): a venv with aiosmtpd
//! under `target/smtp-sink-venv`, and openssl. Without them every test here
//! fails and says so; none is skipped.

use journey_runtime::mail::key_hash;
use journey_runtime::store::sqlite::SqliteStore;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use tempfile::TempDir;

const INSTALL_HINT: &str = "run scripts/smtp-sink/install.sh first (scripts/test.sh does)";
const USER: &str = "journey";
const PASSWORD: &str = "correct horse battery";
/// The variable `password_env` names; set for the child process only.
const PASSWORD_ENV: &str = "JOURNEY_TEST_SMTP_PASSWORD";
/// 09:00 in Chicago.
const START: &str = "2027-01-04T15:00:00Z";
const SENDER: &str = "\"Example Health\" <care@example-health.org>";

const SCHEMA: &str = r#"# Twenty members, two treatment emails a day apart.

contact {
  email: email
  first_name: text
}

list members "Members who joined this week"

email welcome {
  kind treatment
  subject "Welcome to Example Health, {{ contact.first_name }}"
  body "welcome.txt"
}

email follow_up {
  kind treatment
  subject "How was your first day, {{ contact.first_name }}?"
  body "follow_up.txt"
}

journey onboarding "Onboarding" {
  from "Example Health <care@example-health.org>"
  enter on list members

  send welcome
  wait 1 day
  send follow_up
  end
}
"#;

const WELCOME: &str = "Hello {{ contact.first_name }},\n\nWelcome to Example Health.\n";
const FOLLOW_UP: &str = "Hello {{ contact.first_name }},\n\nYour care team is here.\n";

/// The contacts: `m01@members.example.org` to `m20@members.example.org`.
fn contacts_csv() -> String {
    let mut csv = String::from("id,email,first_name,lists\n");
    for n in 1..=20 {
        csv.push_str(&format!("M-{n:02},{},Member{n:02},members\n", address(n)));
    }
    csv
}

fn address(n: u32) -> String {
    format!("m{n:02}@members.example.org")
}

// ------------------------------------------------------------ the sink --

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The sink venv's Python, or `JOURNEY_SMTP_SINK_PYTHON` when set.
fn sink_python() -> PathBuf {
    let python = std::env::var_os("JOURNEY_SMTP_SINK_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repository().join("target/smtp-sink-venv/bin/python"));
    assert!(
        python.exists(),
        "the test SMTP server's Python is missing at {}: {INSTALL_HINT}",
        python.display()
    );
    python
}

/// A throwaway authority and the server certificate it signed, for
/// `localhost` and `127.0.0.1`.
struct Certs {
    folder: TempDir,
}

impl Certs {
    fn make() -> Certs {
        let folder = TempDir::new().unwrap();
        let output = Command::new("bash")
            .arg(repository().join("scripts/smtp-sink/make-certs.sh"))
            .arg(folder.path())
            .output()
            .unwrap_or_else(|e| panic!("cannot run make-certs.sh ({e}): {INSTALL_HINT}"));
        assert!(
            output.status.success(),
            "make-certs.sh failed: {}\n{INSTALL_HINT}",
            String::from_utf8_lossy(&output.stderr)
        );
        Certs { folder }
    }

    fn ca(&self) -> PathBuf {
        self.folder.path().join("ca.pem")
    }
}

/// How the sink behaves.
struct SinkSetup<'a> {
    /// STARTTLS offered and required, with these certificates; `None`: no
    /// TLS at all.
    starttls: Option<&'a Certs>,
    /// Recipients refused with 550.
    reject: Vec<String>,
}

/// A running sink, stopped when dropped. It also stops by itself when its
/// standard input closes, so it never outlives a test process that died.
struct Sink {
    child: Child,
    _stdin: ChildStdin,
    port: u16,
    maildir: TempDir,
}

impl Sink {
    /// Starts a sink on a free port and waits for its `READY` line; tries
    /// other ports if another process took the one picked first.
    fn start(setup: &SinkSetup) -> Sink {
        let python = sink_python();
        let mut failure = String::new();
        for _ in 0..5 {
            match Sink::try_start(&python, setup) {
                Ok(sink) => return sink,
                Err(why) => failure = why,
            }
        }
        panic!("the test SMTP server did not start: {failure}\n({INSTALL_HINT})");
    }

    fn try_start(python: &Path, setup: &SinkSetup) -> Result<Sink, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .unwrap()
            .port();
        let maildir = TempDir::new().unwrap();
        let mut command = Command::new(python);
        command
            .arg(repository().join("scripts/smtp-sink/sink.py"))
            .args(["--port", &port.to_string(), "--maildir"])
            .arg(maildir.path())
            .args(["--auth-user", USER, "--auth-password", PASSWORD]);
        match setup.starttls {
            Some(certs) => {
                let folder = certs.folder.path();
                command.args(["--tls", "starttls", "--cert"]);
                command.arg(folder.join("server.pem")).arg("--key");
                command.arg(folder.join("server.key"));
            }
            None => {
                command.args(["--tls", "none"]);
            }
        }
        for address in &setup.reject {
            command.args(["--reject", address]);
        }

        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut sink = Sink {
            child,
            _stdin: stdin,
            port,
            maildir,
        };

        match first_line(stdout) {
            Some(line) if line.trim() == format!("READY {port}") => Ok(sink),
            line => {
                let _ = sink.child.kill();
                let _ = sink.child.wait();
                let mut stderr = String::new();
                if let Some(mut pipe) = sink.child.stderr.take() {
                    let _ = pipe.read_to_string(&mut stderr);
                }
                Err(format!("no READY line (got {line:?}); stderr:\n{stderr}"))
            }
        }
    }

    /// Every message the sink accepted, as the client sent it.
    fn messages(&self) -> Vec<Message> {
        let new = self.maildir.path().join("new");
        let Ok(entries) = fs::read_dir(&new) else {
            return Vec::new();
        };
        entries
            .map(|entry| Message::parse(&fs::read_to_string(entry.unwrap().path()).unwrap()))
            .collect()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first line a process prints, or `None` if it prints none within
/// thirty seconds (a slow CI machine starts Python in well under that).
fn first_line(stdout: impl Read + Send + 'static) -> Option<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        let _ = sender.send(read.ok().filter(|n| *n > 0).map(|_| line));
    });
    receiver
        .recv_timeout(Duration::from_secs(30))
        .ok()
        .flatten()
}

/// A delivered message's headers (unfolded lines only: all this test
/// reads are one line each).
struct Message {
    headers: BTreeMap<String, String>,
}

impl Message {
    fn parse(text: &str) -> Message {
        let headers = text
            .split("\r\n")
            .take_while(|line| !line.is_empty())
            .filter_map(|line| line.split_once(": "))
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        Message { headers }
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
    }
}

// --------------------------------------------------------- the project --

/// The project in a temporary folder, its `[smtp]` table aimed at a sink.
struct Project {
    dir: TempDir,
}

/// What one command printed and how it ended.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// One email of the store's outbox.
#[derive(Debug)]
struct Queued {
    key: String,
    email: String,
    status: String,
    attempts: i64,
    message_id: Option<String>,
    reason: Option<String>,
}

impl Project {
    /// The project, with `[smtp]` on `port` and `ca_file` as given.
    fn new(port: u16, ca_file: &Path) -> Project {
        let dir = TempDir::new().unwrap();
        let root = dir.path().join("project");
        fs::create_dir(&root).unwrap();
        let toml = format!(
            "[project]\ntimezone = \"America/Chicago\"\n\n\
             [smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"required\"\n\
             username = \"{USER}\"\npassword_env = \"{PASSWORD_ENV}\"\n\
             ca_file = \"{}\"\ntimeout_seconds = 10\n",
            ca_file.display()
        );
        fs::write(root.join("journey.toml"), toml).unwrap();
        fs::write(root.join("onboarding.journey"), SCHEMA).unwrap();
        fs::write(root.join("welcome.txt"), WELCOME).unwrap();
        fs::write(root.join("follow_up.txt"), FOLLOW_UP).unwrap();
        fs::write(dir.path().join("contacts.csv"), contacts_csv()).unwrap();
        Project { dir }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("project")
    }

    /// Points `[smtp]` at another server.
    fn set_port(&self, port: u16) {
        let path = self.root().join("journey.toml");
        let toml = fs::read_to_string(&path).unwrap();
        let changed: Vec<String> = toml
            .lines()
            .map(|line| match line.starts_with("port = ") {
                true => format!("port = {port}"),
                false => line.to_string(),
            })
            .collect();
        fs::write(path, changed.join("\n") + "\n").unwrap();
    }

    /// `journey ARGS` in the project's parent folder, with the password in
    /// the environment (or `password` instead, or none).
    fn journey_with(&self, args: &[&str], password: Option<&str>) -> Ran {
        let mut command = Command::new(env!("CARGO_BIN_EXE_journey"));
        command.args(args).current_dir(self.dir.path());
        match password {
            Some(password) => command.env(PASSWORD_ENV, password),
            None => command.env_remove(PASSWORD_ENV),
        };
        let output = command.output().expect("the journey binary runs");
        Ran {
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }

    /// `journey run` on the virtual clock, importing the contacts.
    fn run(&self) -> Ran {
        self.run_with(Some(PASSWORD))
    }

    fn run_with(&self, password: Option<&str>) -> Ran {
        let args = [
            "run",
            "project",
            "--clock",
            "virtual",
            "--start",
            START,
            "--until",
            "7 days",
            "--contacts",
            "contacts.csv",
        ];
        self.journey_with(&args, password)
    }

    /// `journey report --format json`, as JSON.
    fn report(&self) -> Value {
        let ran = self.journey_with(
            &["report", "--format", "json", "--db", "project/journey.db"],
            None,
        );
        assert_eq!(ran.code, Some(0), "{}", ran.stderr);
        serde_json::from_str(&ran.stdout).unwrap()
    }

    /// The send figures of the report's step `step`.
    fn sends(&self, step: &str) -> Value {
        let report = self.report();
        let steps = report["journeys"][0]["steps"].as_array().unwrap().clone();
        let found = steps.into_iter().find(|s| s["step"] == step);
        found.unwrap_or_else(|| panic!("no step {step}: {report:#}"))["send"].clone()
    }

    /// `journey report --contact ID --format json`, as JSON.
    fn contact_report(&self, id: &str) -> Value {
        let args = [
            "report",
            "--contact",
            id,
            "--format",
            "json",
            "--db",
            "project/journey.db",
        ];
        let ran = self.journey_with(&args, None);
        assert_eq!(ran.code, Some(0), "{}", ran.stderr);
        serde_json::from_str(&ran.stdout).unwrap()
    }

    /// Every row of the store's outbox, read from the database directly.
    fn outbox(&self) -> Vec<Queued> {
        let store = SqliteStore::open(&self.root().join("journey.db")).unwrap();
        let mut query = store
            .connection()
            .prepare(
                "SELECT contact || ':' || run || ':' || step || ':' || visit, email, status, \
                 attempts, message_id, reason FROM outbox",
            )
            .unwrap();
        let rows = query
            .query_map([], |row| {
                Ok(Queued {
                    key: row.get(0)?,
                    email: row.get(1)?,
                    status: row.get(2)?,
                    attempts: row.get(3)?,
                    message_id: row.get(4)?,
                    reason: row.get(5)?,
                })
            })
            .unwrap();
        rows.map(Result::unwrap).collect()
    }
}

/// A sink with STARTTLS required and AUTH, and a project aimed at it.
fn good_setup(reject: Vec<String>) -> (Certs, Sink, Project) {
    let certs = Certs::make();
    let sink = Sink::start(&SinkSetup {
        starttls: Some(&certs),
        reject,
    });
    let project = Project::new(sink.port, &certs.ca());
    (certs, sink, project)
}

/// Asserts the run stopped with exit code 2, said `cause`, and left all
/// twenty welcome emails queued and none sent.
fn assert_stopped_with_nothing_sent(project: &Project, sink: &Sink, ran: &Ran, cause: &str) {
    assert_eq!(
        ran.code,
        Some(2),
        "stdout:\n{}\nstderr:\n{}",
        ran.stdout,
        ran.stderr
    );
    assert!(
        ran.stderr.contains(cause),
        "expected `{cause}` in:\n{}",
        ran.stderr
    );
    assert!(!ran.stderr.contains(PASSWORD), "the password leaked");
    assert!(sink.messages().is_empty(), "the server received mail");

    let outbox = project.outbox();
    assert_eq!(outbox.len(), 20, "{outbox:#?}");
    for row in &outbox {
        assert_eq!(row.email, "welcome");
        assert_eq!(row.message_id, None, "{row:?}");
        assert!(
            !["sent", "failed"].contains(&row.status.as_str()),
            "{row:?}"
        );
    }
    let welcome = project.sends("start+1");
    assert_eq!(welcome["sent"], 0, "{welcome}");
    assert_eq!(welcome["failed"], 0, "{welcome}");

    // A configuration problem gives the claimed emails back, untried.
    for row in &outbox {
        assert_eq!(row.status, "queued", "claimed and never released: {row:?}");
    }
    assert_eq!(welcome["queued"], 20, "{welcome}");
    let first = project.contact_report("M-01");
    assert_eq!(first["emails"][0]["status"], "queued", "{first:#}");
}

// -------------------------------------------------------------- tests --

#[test]
fn every_contact_step_is_delivered_once_over_starttls_with_auth() {
    let (_certs, sink, project) = good_setup(Vec::new());

    let ran = project.run();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(
        ran.stderr
            .contains("emails sent 40, suppressed 0, failed 0, to retry 0"),
        "{}",
        ran.stderr
    );

    let messages = sink.messages();
    assert_eq!(messages.len(), 40, "two emails for each of twenty contacts");
    let mut seen = BTreeSet::new();
    for message in &messages {
        let to = message.header("To");
        let n: u32 = to[1..3].parse().unwrap();
        assert_eq!(to, address(n));
        assert_eq!(message.header("From"), SENDER);
        let (subject, date) = match message.header("Subject").starts_with("Welcome") {
            true => (
                format!("Welcome to Example Health, Member{n:02}"),
                "Mon, 04 Jan 2027 15:00:00 +0000",
            ),
            false => (
                format!("How was your first day, Member{n:02}?"),
                "Tue, 05 Jan 2027 15:00:00 +0000",
            ),
        };
        assert_eq!(message.header("Subject"), subject);
        assert_eq!(message.header("Date"), date, "{to}: {subject}");
        assert!(
            seen.insert((to.to_string(), subject)),
            "{to} got the same email twice"
        );
    }

    let outbox = project.outbox();
    assert_eq!(outbox.len(), 40);
    let recorded: BTreeSet<String> = outbox
        .iter()
        .map(|row| {
            assert_eq!(row.status, "sent", "{row:?}");
            assert_eq!(row.attempts, 1, "{row:?}");
            let id = format!("<{}@example-health.org>", key_hash(&row.key));
            assert_eq!(row.message_id.as_deref(), Some(id.as_str()));
            id
        })
        .collect();
    let delivered: BTreeSet<String> = messages
        .iter()
        .map(|m| m.header("Message-ID").to_string())
        .collect();
    assert_eq!(delivered, recorded, "the Message-IDs the store recorded");

    for step in ["start+1", "start+3"] {
        let send = project.sends(step);
        assert_eq!(send["sent"], 20, "{step}: {send}");
        assert_eq!(send["queued"], 0, "{step}: {send}");
    }

    let again = project.run();
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert!(again.stderr.contains("emails sent 0,"), "{}", again.stderr);
    assert_eq!(sink.messages().len(), 40, "nothing is sent twice");
}

#[test]
fn refused_recipients_fail_once_and_are_not_retried() {
    let refused: Vec<String> = [4, 11, 17].into_iter().map(address).collect();
    let (_certs, sink, project) = good_setup(refused.clone());

    let ran = project.run();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(
        ran.stderr
            .contains("emails sent 34, suppressed 0, failed 6, to retry 0"),
        "{}",
        ran.stderr
    );

    let check = |when: &str| {
        let messages = sink.messages();
        assert_eq!(messages.len(), 34, "{when}");
        let mut per_address: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for message in &messages {
            let subjects = per_address
                .entry(message.header("To").to_string())
                .or_default();
            assert!(
                subjects.insert(message.header("Subject").to_string()),
                "{when}"
            );
        }
        assert_eq!(
            per_address.len(),
            17,
            "{when}: seventeen addresses get mail"
        );
        assert!(per_address.values().all(|subjects| subjects.len() == 2));
        assert!(
            refused.iter().all(|a| !per_address.contains_key(a)),
            "{when}"
        );

        for step in ["start+1", "start+3"] {
            let send = project.sends(step);
            assert_eq!(send["sent"], 17, "{when}, {step}: {send}");
            assert_eq!(send["failed"], 3, "{when}, {step}: {send}");
            assert_eq!(send["queued"], 0, "{when}, {step}: {send}");
        }
        let failed: Vec<Queued> = project
            .outbox()
            .into_iter()
            .filter(|row| row.status == "failed")
            .collect();
        assert_eq!(failed.len(), 6, "{when}");
        for row in failed {
            assert_eq!(row.attempts, 1, "{when}: tried once, {row:?}");
            let reason = row.reason.unwrap_or_default();
            assert!(reason.contains("550"), "{when}: {reason}");
            assert!(!reason.contains('@'), "an address in the reason: {reason}");
        }
    };
    check("after the first run");

    let again = project.run();
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert!(again.stderr.contains("emails sent 0,"), "{}", again.stderr);
    check("after a second run");

    let contact = project.contact_report("M-04");
    assert_eq!(contact["emails"][0]["status"], "failed", "{contact:#}");
}

#[test]
fn a_server_without_starttls_stops_the_run_and_keeps_the_mail_queued() {
    let certs = Certs::make();
    let plain = Sink::start(&SinkSetup {
        starttls: None,
        reject: Vec::new(),
    });
    let project = Project::new(plain.port, &certs.ca());

    let ran = project.run();
    assert_stopped_with_nothing_sent(&project, &plain, &ran, "STARTTLS");

    let good = Sink::start(&SinkSetup {
        starttls: Some(&certs),
        reject: Vec::new(),
    });
    project.set_port(good.port);
    let fixed = project.run();
    assert_eq!(fixed.code, Some(0), "{}", fixed.stderr);
    assert_eq!(good.messages().len(), 40, "the kept mail goes once fixed");
}

#[test]
fn an_untrusted_certificate_authority_stops_the_run() {
    let (_certs, sink, _) = good_setup(Vec::new());
    let stranger = Certs::make();
    let project = Project::new(sink.port, &stranger.ca());

    let ran = project.run();
    assert_stopped_with_nothing_sent(&project, &sink, &ran, "UnknownIssuer");
}

#[test]
fn a_wrong_password_stops_the_run() {
    let (_certs, sink, project) = good_setup(Vec::new());

    let ran = project.run_with(Some("not the password"));
    assert_stopped_with_nothing_sent(&project, &sink, &ran, "535");
}

#[test]
fn a_missing_password_variable_is_named_and_nothing_is_sent() {
    let (_certs, sink, project) = good_setup(Vec::new());

    let ran = project.run_with(None);
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(
        ran.stderr.contains(PASSWORD_ENV) && ran.stderr.contains("smtp.password_env"),
        "{}",
        ran.stderr
    );
    assert!(sink.messages().is_empty());
}

#[test]
fn a_relative_ca_file_is_read_from_the_project_folder() {
    let (certs, sink, _) = good_setup(Vec::new());
    let project = Project::new(sink.port, Path::new("certs/ca.pem"));
    fs::create_dir(project.root().join("certs")).unwrap();
    fs::copy(certs.ca(), project.root().join("certs/ca.pem")).unwrap();

    let ran = project.run();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(sink.messages().len(), 40);
}
