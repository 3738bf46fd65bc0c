//! Shared by the `journey serve` tests (`tests/serve_*.rs`): a project in a
//! temporary folder, the `journey` binary, a running server with its log
//! captured, a small HTTP client, and an SMTP sink.
//!
//! The server is the real binary on 127.0.0.1, on a port it picks itself
//! (`--listen 127.0.0.1:0`); its address is read from its `listening on`
//! line, never guessed, and its stderr (every log line) goes to a file the
//! tests read. It is stopped with SIGTERM, as an operator would, and killed
//! if a test fails first.
#![allow(dead_code)]

use serde_json::Value;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Output, Stdio};
use std::time::Duration;
use tempfile::TempDir;

/// How long a server or a sink may take to start, and a request to be
/// answered, on a loaded CI machine.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A project folder with its store, removed when dropped.
pub struct Project {
    dir: TempDir,
}

impl Project {
    /// Writes `files` (name, text) into a new folder.
    pub fn new(files: &[(&str, &str)]) -> Project {
        let dir = tempfile::Builder::new()
            .prefix("journey-serve-")
            .tempdir()
            .unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        Project { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("journey.db")
    }

    /// `journey ARGS`, run to its end.
    pub fn journey(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_journey"))
            .args(args)
            .current_dir(self.root())
            .env_remove("JOURNEY_LOG")
            .stdin(Stdio::null())
            .output()
            .expect("the journey binary runs")
    }

    /// `journey deploy`, which must succeed.
    pub fn deploy(&self) {
        let (root, db) = (self.root().to_str().unwrap(), self.db());
        let output = self.journey(&["deploy", root, "--db", db.to_str().unwrap()]);
        assert!(
            output.status.success(),
            "deploy: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// `journey contacts import FILE` (a file in the project folder), which
    /// must succeed.
    pub fn import(&self, file: &str) {
        let db = self.db();
        let output = self.journey(&["contacts", "import", file, "--db", db.to_str().unwrap()]);
        assert!(
            output.status.success(),
            "import: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// A new token of `scope`, as `journey token create` prints it.
    pub fn token(&self, scope: &str, name: &str) -> String {
        let db = self.db();
        let output = self.journey(&[
            "token",
            "create",
            "--name",
            name,
            "--scope",
            scope,
            "--db",
            db.to_str().unwrap(),
        ]);
        assert!(
            output.status.success(),
            "token create: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap().trim().to_string()
    }
}

/// A running `journey serve`.
pub struct Server {
    child: Child,
    pub address: SocketAddr,
    log: PathBuf,
}

impl Server {
    /// Starts `journey serve` on the project with `JOURNEY_LOG` set to
    /// `log_level` and waits for its `listening on` line.
    pub fn start(project: &Project, log_level: &str) -> Server {
        Server::start_with(project, log_level, "127.0.0.1:0", &[])
    }

    /// Like [`Server::start`], listening on `listen` (a fixed address, for
    /// a project whose `[tracking] base_url` names it), with `env` set for
    /// the server only.
    pub fn start_with(
        project: &Project,
        log_level: &str,
        listen: &str,
        env: &[(&str, &str)],
    ) -> Server {
        let log = project.root().join(format!("serve-{}.log", unique()));
        let child = Command::new(env!("CARGO_BIN_EXE_journey"))
            .arg("serve")
            .arg(project.root())
            .arg("--db")
            .arg(project.db())
            .args(["--listen", listen])
            .envs(env.iter().copied())
            .env("JOURNEY_LOG", log_level)
            .env("NO_COLOR", "1")
            .current_dir(project.root())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(&log).unwrap())
            .spawn()
            .expect("journey serve starts");
        let mut server = Server {
            child,
            address: "127.0.0.1:0".parse().unwrap(),
            log,
        };
        let line = eventually(|| {
            server.log().lines().find_map(|line| {
                line.strip_prefix("listening on http://")
                    .map(str::to_string)
            })
        });
        let Some(address) = line else {
            let _ = server.child.kill();
            panic!("journey serve did not start; its log:\n{}", server.log());
        };
        server.address = address.trim().parse().unwrap();
        server
    }

    /// Everything the server wrote to stderr so far.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// One request; `token` goes in `Authorization: Bearer`.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Answer {
        let body = body.map(Value::to_string);
        let mut headers = Vec::new();
        if let Some(token) = token {
            headers.push(format!("Authorization: Bearer {token}"));
        }
        if body.is_some() {
            headers.push("Content-Type: application/json".to_string());
        }
        self.raw(
            method,
            path,
            &headers,
            body.as_deref().unwrap_or("").as_bytes(),
        )
    }

    /// One request with exactly these extra header lines and body bytes.
    pub fn raw(&self, method: &str, path: &str, headers: &[String], body: &[u8]) -> Answer {
        let mut stream = TcpStream::connect(self.address).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.address,
            body.len()
        );
        for header in headers {
            request.push_str(header);
            request.push_str("\r\n");
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        Answer::parse(&raw)
    }

    /// SIGTERM, then waits for the server to end.
    pub fn stop(mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success(), "kill -TERM {pid}");
        for _ in 0..(PATIENCE.as_millis() / 20) {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "journey serve did not stop on SIGTERM; log:\n{}",
            self.log()
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy).
    pub text: String,
}

impl Answer {
    fn parse(raw: &[u8]) -> Answer {
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("an HTTP answer with headers");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let mut body = raw[split + 4..].to_vec();
        let chunked = headers
            .iter()
            .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
        if chunked {
            body = dechunk(&body);
        }
        Answer {
            status,
            headers,
            text: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    /// The body as JSON; `Null` when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = body.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = std::str::from_utf8(&body[..end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 || body.len() < end + 2 + size {
            return out;
        }
        out.extend_from_slice(&body[end + 2..end + 2 + size]);
        body = &body[(end + 4 + size).min(body.len())..];
    }
}

/// Calls `probe` every 20 ms until it gives something, for at most
/// [`PATIENCE`].
pub fn eventually<T>(mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    for _ in 0..(PATIENCE.as_millis() / 20) {
        if let Some(found) = probe() {
            return Some(found);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

// ------------------------------------------------------------- the sink --

/// An SMTP server on 127.0.0.1 that keeps every message in a Maildir:
/// `scripts/smtp-sink/sink.py` on aiosmtpd, plain (no TLS), which `[smtp]
/// tls = "none"` talks to. Killed when dropped.
pub struct Sink {
    child: Child,
    /// Held open: the sink stops by itself when it closes.
    _stdin: ChildStdin,
    pub port: u16,
    maildir: TempDir,
}

impl Sink {
    pub fn start() -> Sink {
        let python = std::env::var_os("JOURNEY_SMTP_SINK_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|| repository().join("target/smtp-sink-venv/bin/python"));
        assert!(
            python.exists(),
            "the test SMTP server's Python is missing at {}: run scripts/smtp-sink/install.sh \
             (scripts/test.sh does)",
            python.display()
        );
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .unwrap()
                .port();
            let maildir = TempDir::new().unwrap();
            let mut child = Command::new(&python)
                .arg(repository().join("scripts/smtp-sink/sink.py"))
                .args(["--port", &port.to_string(), "--tls", "none", "--maildir"])
                .arg(maildir.path())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let stdin = child.stdin.take().unwrap();
            let mut line = String::new();
            let stdout = child.stdout.take().unwrap();
            let _ = BufReader::new(stdout).read_line(&mut line);
            if line.trim() == format!("READY {port}") {
                return Sink {
                    child,
                    _stdin: stdin,
                    port,
                    maildir,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("the test SMTP server did not start");
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<PathBuf> = match fs::read_dir(self.maildir.path().join("new")) {
            Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
            Err(_) => Vec::new(),
        };
        files.sort();
        files
            .iter()
            .map(|p| String::from_utf8_lossy(&fs::read(p).unwrap()).into_owned())
            .collect()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ----------------------------------------------------------- the project --

/// A clinic's schema with fields that are PHI, two treatment emails and
/// one journey: a welcome on entry, then a follow-up unless the patient
/// submits the intake form within a week.
pub const SCHEMA: &str = r#"# Patients of a made-up clinic.

contact {
  email: email
  first_name: text
  last_name: text phi
  diagnosis: text? phi
  birth_date: date? phi
  risk_score: number?
  portal_user: bool = false
  timezone: timezone = "America/Chicago"
}

list patients "Patients discharged this week"
segment engaged "Patients who sent the intake form"

event intake_submitted {
  form: text
  note: text?
}

email welcome {
  kind treatment
  subject "Welcome to the clinic, {{ contact.first_name }}"
  body "welcome.txt"
}

email follow_up {
  kind treatment
  subject "Your intake form"
  body "follow_up.txt"
}

journey care "Discharge follow-up" {
  from "Clinic Care Team <care@example-clinic.org>"
  enter on list patients

  send welcome
  wait for event intake_submitted -> engaged
           timeout 7 days -> nudge

  nudge: send follow_up
  end

  engaged: add to engaged
  end
}
"#;

pub const WELCOME: &str = "Hello {{ contact.first_name }},\n\nWelcome to the clinic.\n";
pub const FOLLOW_UP: &str = "Hello {{ contact.first_name }},\n\nPlease send your intake form.\n";

/// The clinic project; `[smtp]` on `smtp_port` when given, else the file
/// outbox.
pub fn clinic(smtp_port: Option<u16>) -> Project {
    let toml = match smtp_port {
        Some(port) => format!(
            "[project]\ntimezone = \"UTC\"\n\n[smtp]\nhost = \"127.0.0.1\"\nport = {port}\n\
             tls = \"none\"\n"
        ),
        None => "[project]\ntimezone = \"UTC\"\n".to_string(),
    };
    let project = Project::new(&[
        ("clinic.journey", SCHEMA),
        ("welcome.txt", WELCOME),
        ("follow_up.txt", FOLLOW_UP),
        ("journey.toml", &toml),
    ]);
    project.deploy();
    project
}
