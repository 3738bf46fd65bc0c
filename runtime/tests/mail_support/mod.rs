//! A real SMTP server for the mail tests: `scripts/smtp-sink/sink.py` on
//! aiosmtpd, one per test, on a free port of 127.0.0.1.
//!
//! [`Sink::start`] picks a free port, starts the server, and waits for its
//! `READY` line (never a fixed sleep); if the port was taken in the meantime
//! it tries another. The [`Sink`] guard kills the server when it is dropped,
//! so a failing test stops its server too. Every accepted message is a file
//! in the sink's Maildir, read back with [`Sink::messages`].
//!
//! [`Certs::make`] runs `scripts/smtp-sink/make-certs.sh` for a throwaway CA
//! and a server certificate for `localhost` and `127.0.0.1`.
//!
//! Both need what `scripts/smtp-sink/install.sh` installs (a venv with
//! aiosmtpd under `target/smtp-sink-venv`, and openssl); without it they
//! fail and say so.
#![allow(dead_code)]

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use tempfile::TempDir;

const INSTALL_HINT: &str = "run scripts/smtp-sink/install.sh first (CI runs it)";

/// How long a sink may take to start: Python and aiosmtpd load in well
/// under a second, but a loaded CI machine may be slow.
const START_TIMEOUT: Duration = Duration::from_secs(30);

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn sink_script() -> PathBuf {
    repository().join("scripts/smtp-sink/sink.py")
}

/// The venv's Python, or `JOURNEY_SMTP_SINK_PYTHON` when set.
fn python() -> PathBuf {
    let path = std::env::var_os("JOURNEY_SMTP_SINK_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repository().join("target/smtp-sink-venv/bin/python"));
    assert!(
        path.exists(),
        "the test SMTP server's Python is missing at {}: {INSTALL_HINT}",
        path.display()
    );
    path
}

/// A throwaway CA and a server certificate it signed.
pub struct Certs {
    _folder: TempDir,
    /// The CA certificate, for the client's `ca_file`.
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
}

impl Certs {
    pub fn make() -> Certs {
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
        Certs {
            ca: folder.path().join("ca.pem"),
            server_cert: folder.path().join("server.pem"),
            server_key: folder.path().join("server.key"),
            _folder: folder,
        }
    }
}

/// How the sink speaks TLS.
#[derive(Clone, Copy)]
pub enum SinkTls<'a> {
    /// STARTTLS offered and required before MAIL.
    StartTls(&'a Certs),
    /// TLS from the first byte.
    Implicit(&'a Certs),
    /// No TLS at all.
    None,
}

/// What the sink does.
pub struct SinkOptions<'a> {
    pub tls: SinkTls<'a>,
    /// Require AUTH as this user with this password.
    pub auth: Option<(&'a str, &'a str)>,
    /// Recipients answered with 550.
    pub reject: &'a [&'a str],
    /// Recipients answered with 450.
    pub defer: &'a [&'a str],
}

/// A running sink; killed when dropped.
pub struct Sink {
    child: Child,
    /// Held open: the sink stops by itself when it closes.
    _stdin: ChildStdin,
    pub port: u16,
    maildir: TempDir,
}

impl Sink {
    pub fn start(options: &SinkOptions) -> Sink {
        let python = python();
        let mut last_failure = String::new();
        for _ in 0..5 {
            match Sink::try_start(&python, options) {
                Ok(sink) => return sink,
                Err(failure) => last_failure = failure,
            }
        }
        panic!("the test SMTP server did not start:\n{last_failure}\n({INSTALL_HINT})");
    }

    fn try_start(python: &Path, options: &SinkOptions) -> Result<Sink, String> {
        let port = free_port();
        let maildir = TempDir::new().unwrap();
        let mut command = Command::new(python);
        command
            .arg(sink_script())
            .args(["--port", &port.to_string()])
            .arg("--maildir")
            .arg(maildir.path());
        let (mode, certs) = match options.tls {
            SinkTls::StartTls(certs) => ("starttls", Some(certs)),
            SinkTls::Implicit(certs) => ("implicit", Some(certs)),
            SinkTls::None => ("none", None),
        };
        command.args(["--tls", mode]);
        if let Some(certs) = certs {
            command.arg("--cert").arg(&certs.server_cert);
            command.arg("--key").arg(&certs.server_key);
        }
        if let Some((user, password)) = options.auth {
            command.args(["--auth-user", user, "--auth-password", password]);
        }
        for address in options.reject {
            command.args(["--reject", address]);
        }
        for address in options.defer {
            command.args(["--defer", address]);
        }

        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let sink = Sink {
            child,
            _stdin: stdin,
            port,
            maildir,
        };

        match first_line(stdout) {
            Some(line) if line.trim() == format!("READY {port}") => Ok(sink),
            line => Err(format!(
                "no READY line (got {line:?}); stderr:\n{}",
                sink.stop_and_read_stderr()
            )),
        }
    }

    /// Every message the sink accepted, oldest first, as text.
    pub fn messages(&self) -> Vec<String> {
        let new = self.maildir.path().join("new");
        let mut files: Vec<PathBuf> = match fs::read_dir(&new) {
            Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
            Err(_) => Vec::new(),
        };
        files.sort();
        files
            .iter()
            .map(|path| String::from_utf8(fs::read(path).unwrap()).unwrap())
            .collect()
    }

    fn stop_and_read_stderr(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        stderr
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on right now. Another process may take it before
/// the sink binds it; [`Sink::start`] then tries again.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The first line the process prints, or `None` when it prints nothing
/// before exiting or before [`START_TIMEOUT`].
fn first_line(stdout: impl Read + Send + 'static) -> Option<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        let _ = sender.send(read.ok().filter(|n| *n > 0).map(|_| line));
    });
    receiver.recv_timeout(START_TIMEOUT).ok().flatten()
}

/// The value of every `name:` header line of a message (unfolded lines).
pub fn header<'a>(message: &'a str, name: &str) -> Vec<&'a str> {
    let prefix = format!("{name}: ");
    message
        .split("\r\n")
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.strip_prefix(prefix.as_str()))
        .collect()
}

/// The decoded body of the MIME part of `message` whose type is
/// `content_type` (7bit or quoted-printable, as lettre writes them).
pub fn part(message: &str, content_type: &str) -> String {
    let start = message
        .find(&format!("Content-Type: {content_type}"))
        .unwrap_or_else(|| panic!("no {content_type} part in {message}"));
    let part = &message[start..];
    let (headers, rest) = part.split_once("\r\n\r\n").unwrap();
    let body = rest.split("\r\n--").next().unwrap();
    match headers.contains("Content-Transfer-Encoding: quoted-printable") {
        true => decode_quoted_printable(body),
        false => body.to_string(),
    }
}

/// RFC 2045 quoted-printable: `=` + CRLF is a soft line break, `=XX` a byte.
fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = bytes
            .get(index + 1..index + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[index], hex) {
            (b'=', Some(byte)) => {
                out.push(byte);
                index += 3;
            }
            (byte, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}
