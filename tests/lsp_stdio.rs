//! `journey lsp` as editors run it: a process spoken to over stdio.
//!
//! Its diagnostics are those of `journey check` on the same project (same
//! codes, messages, places and related places); it survives garbage on its
//! input; and it exits promptly on `shutdown` + `exit`, or when its input
//! closes.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const JOURNEY: &str = env!("CARGO_BIN_EXE_journey");

/// A client on the server's stdin and stdout.
struct Lsp {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: mpsc::Receiver<Value>,
    pending: Vec<Value>,
    next_id: i64,
}

impl Lsp {
    fn start() -> Lsp {
        let mut child = Command::new(JOURNEY)
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("journey lsp starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if tx.send(message).is_err() {
                    return;
                }
            }
        });
        Lsp {
            stdin: child.stdin.take(),
            child,
            messages,
            pending: Vec::new(),
            next_id: 1,
        }
    }

    fn write_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        stdin.write_all(bytes).expect("the server reads its input");
        stdin.flush().unwrap();
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        let framed = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.write_raw(framed.as_bytes());
    }

    fn next(&mut self) -> Value {
        self.messages
            .recv_timeout(Duration::from_secs(10))
            .expect("a message from the server within 10 s")
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let message = self.next();
            if message["id"] == id && message.get("method").is_none() {
                return message;
            }
            self.pending.push(message);
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn initialize(&mut self, encodings: &[&str]) -> Value {
        let params = json!({
            "processId": null,
            "capabilities": { "general": { "positionEncodings": encodings } }
        });
        let answer = self.request("initialize", params);
        self.notify("initialized", json!({}));
        answer
    }

    /// The latest diagnostics of every file, once `quiet` passes without
    /// a new publication.
    fn settled_diagnostics(&mut self, quiet: Duration) -> Vec<(String, Vec<Value>)> {
        let mut latest: Vec<(String, Vec<Value>)> = Vec::new();
        let mut take = |message: Value| {
            if message["method"] != "textDocument/publishDiagnostics" {
                return;
            }
            let uri = message["params"]["uri"].as_str().unwrap().to_string();
            let list = message["params"]["diagnostics"].as_array().unwrap().clone();
            latest.retain(|(u, _)| *u != uri);
            latest.push((uri, list));
        };
        for message in std::mem::take(&mut self.pending) {
            take(message);
        }
        while let Ok(message) = self.messages.recv_timeout(quiet) {
            take(message);
        }
        latest
    }

    /// Waits for the process to end; its exit code.
    fn exit_code(&mut self, within: Duration) -> Option<i32> {
        let start = Instant::now();
        while start.elapsed() < within {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }
}

impl Drop for Lsp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A copy of the re-enrollment example with mistakes in two files and in
/// its `journey.toml`, one of them pointing into another file.
fn project_with_mistakes() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/re-enrollment");
    copy_folder(&example, dir.path());
    let edit = |file: &str, from: &str, to: &str| {
        let path = dir.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} holds {from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    edit("renewal.journey", "goto portal", "goto portl");
    edit(
        "renewal.journey",
        "send renewal_reminder",
        "send renewal_remindr",
    );
    edit(
        "renewal.journey",
        "journey renewal",
        "list renewal_2028 \"again\"\n\njourney renewal",
    );
    edit(
        "schema.journey",
        "timezone: timezone = \"America/Chicago\"",
        "timezone: timezone = \"America/Chicgo\"",
    );
    edit("journey.toml", "timezone", "time_zone");
    dir
}

fn copy_folder(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// One diagnostic, as both tools can say it: file, code, severity,
/// message, 0-based line and char columns, and the related places.
type Normal = (
    String,
    String,
    String,
    String,
    [u64; 4],
    Vec<(String, [u64; 4], String)>,
);

fn file_name(path: &str) -> String {
    path.rsplit('/').next().unwrap().to_string()
}

fn check_places(entry: &Value) -> [u64; 4] {
    let n = |v: &Value| v.as_u64().unwrap() - 1;
    [
        n(&entry["start"]["line"]),
        n(&entry["start"]["column"]),
        n(&entry["end"]["line"]),
        n(&entry["end"]["column"]),
    ]
}

fn from_check(line: &str) -> Normal {
    let d: Value = serde_json::from_str(line).unwrap();
    let file = file_name(d["file"].as_str().unwrap());
    let here = check_places(&d);
    let mut related = vec![(file.clone(), here, d["label"].as_str().unwrap().to_string())];
    for label in d["labels"].as_array().unwrap() {
        let place = check_places(label);
        let label_file = file_name(label["file"].as_str().unwrap());
        related.push((
            label_file,
            place,
            label["message"].as_str().unwrap().to_string(),
        ));
    }
    for note in d["notes"].as_array().unwrap() {
        related.push((
            file.clone(),
            here,
            format!("note: {}", note.as_str().unwrap()),
        ));
    }
    if let Some(help) = d["help"].as_str() {
        related.push((file.clone(), here, format!("help: {help}")));
    }
    let text = |k: &str| d[k].as_str().unwrap().to_string();
    (
        file,
        text("code"),
        text("severity"),
        text("message"),
        here,
        related,
    )
}

fn lsp_places(range: &Value) -> [u64; 4] {
    let n = |v: &Value| v.as_u64().unwrap();
    [
        n(&range["start"]["line"]),
        n(&range["start"]["character"]),
        n(&range["end"]["line"]),
        n(&range["end"]["character"]),
    ]
}

fn from_lsp(uri: &str, d: &Value) -> Normal {
    let severity = match d["severity"].as_u64() {
        Some(1) => "error",
        Some(2) => "warning",
        other => panic!("severity {other:?}"),
    };
    let related = d["relatedInformation"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|r| {
                    let file = file_name(r["location"]["uri"].as_str().unwrap());
                    let place = lsp_places(&r["location"]["range"]);
                    (file, place, r["message"].as_str().unwrap().to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    (
        file_name(uri),
        d["code"].as_str().unwrap().to_string(),
        severity.to_string(),
        d["message"].as_str().unwrap().to_string(),
        lsp_places(&d["range"]),
        related,
    )
}

#[test]
fn diagnostics_are_those_of_journey_check() {
    let dir = project_with_mistakes();
    let check = Command::new(JOURNEY)
        .args(["check", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(check.stdout).unwrap();
    let mut expected: Vec<Normal> = stdout.lines().map(from_check).collect();

    let mut lsp = Lsp::start();
    let answer = lsp.initialize(&["utf-32"]);
    assert_eq!(
        answer["result"]["capabilities"]["positionEncoding"],
        "utf-32"
    );
    let renewal: PathBuf = dir.path().join("renewal.journey");
    let text = std::fs::read_to_string(&renewal).unwrap();
    lsp.notify(
        "textDocument/didOpen",
        json!({ "textDocument": {
            "uri": uri(&renewal), "languageId": "journey", "version": 1, "text": text
        }}),
    );
    let published = lsp.settled_diagnostics(Duration::from_millis(700));
    let mut found: Vec<Normal> = published
        .iter()
        .flat_map(|(uri, list)| list.iter().map(|d| from_lsp(uri, d)))
        .collect();

    expected.sort();
    found.sort();
    let codes: Vec<&str> = expected.iter().map(|d| d.1.as_str()).collect();
    for code in [
        "duplicate-name",
        "unknown-email",
        "unknown-step",
        "unknown-zone",
    ] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
    assert!(expected.iter().any(|d| d.0 == "journey.toml"), "{codes:?}");
    assert!(
        expected.iter().any(|d| d.5.iter().any(|r| r.0 != d.0)),
        "a label in another file"
    );
    assert_eq!(found, expected);
}

#[test]
fn it_exits_promptly_on_shutdown_and_exit() {
    let mut lsp = Lsp::start();
    lsp.initialize(&[]);

    let shutdown = lsp.request("shutdown", Value::Null);
    let asked = Instant::now();
    lsp.notify("exit", Value::Null);
    let code = lsp.exit_code(Duration::from_secs(5));

    assert_eq!(shutdown["result"], Value::Null);
    assert_eq!(code, Some(0));
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "took {:?}",
        asked.elapsed()
    );
}

#[test]
fn exit_without_shutdown_ends_with_status_1() {
    let mut lsp = Lsp::start();
    lsp.initialize(&[]);

    lsp.notify("exit", Value::Null);

    assert_eq!(lsp.exit_code(Duration::from_secs(5)), Some(1));
}

#[test]
fn it_exits_when_its_input_closes() {
    let mut lsp = Lsp::start();
    lsp.initialize(&[]);

    lsp.stdin = None;

    assert!(lsp.exit_code(Duration::from_secs(5)).is_some());
}

#[test]
fn garbage_on_its_input_is_answered_and_survived() {
    let mut lsp = Lsp::start();
    lsp.initialize(&[]);

    lsp.write_raw(b"Content-Length: 9\r\n\r\n{not json");
    let parse_error = lsp.next();
    lsp.write_raw(b"Content-Length: 13\r\n\r\n{\"hello\": 42}");
    let invalid = lsp.next();
    lsp.write_raw(b"Content-Type: text/plain\r\n\r\n");
    let headless = lsp.next();
    lsp.send(json!({ "jsonrpc": "2.0", "id": 99, "method": "textDocument/hover", "params": 7 }));
    let bad_params = lsp.next();
    let answer = lsp.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": "file:///nowhere.journey" },
                "position": { "line": 0, "character": 0 } }),
    );

    assert_eq!(parse_error["error"]["code"], -32700);
    assert_eq!(invalid["error"]["code"], -32600);
    assert_eq!(headless["error"]["code"], -32700);
    assert_eq!(bad_params["error"]["code"], -32602);
    assert_eq!(answer["result"], Value::Null);
    assert_eq!(
        lsp.exit_code(Duration::from_millis(100)),
        None,
        "still running"
    );
}

/// A frame without a usable `Content-Length`, or with a header that is not
/// UTF-8, costs that one frame: the request after it is answered.
#[test]
fn after_a_bad_frame_the_next_request_is_answered() {
    let bad_frames: [&[u8]; 5] = [
        b"Content-Type: application/json\r\n\r\n{\"a\":1}",
        b"Content-Length: abc\r\n\r\n{}",
        b"Content-Length: -5\r\n\r\n{}",
        b"Content-Length: 5\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":11}",
        b"Content-Length: 2\r\nX-Foo: \xff\r\n\r\n{}",
    ];
    for bad in bad_frames {
        let shown = String::from_utf8_lossy(bad);
        let mut lsp = Lsp::start();
        lsp.initialize(&[]);

        lsp.write_raw(bad);
        let first = lsp.request("workspace/symbol", json!({ "query": "x" }));
        let second = lsp.request("workspace/symbol", json!({ "query": "x" }));

        assert_eq!(first["result"], json!([]), "{shown:?}: {first}");
        assert_eq!(second["result"], json!([]), "{shown:?}: {second}");
        assert_eq!(lsp.exit_code(Duration::from_millis(50)), None, "{shown:?}");
    }
}
