//! A small LSP client for tests: it drives the server through its
//! `LspService` with real JSON-RPC messages, as an editor would over
//! stdio, and collects what the server sends back.
//!
//! Positions are computed here, independently of the server, from the text
//! and a needle: `at(text, "send bienvenue", 5)` is the position five chars
//! into the first `send bienvenue`, in the column unit the client chose.
//! Snapshots show the source line with a caret under the cursor
//! ([`cursor_line`]) followed by the answer.

#![allow(dead_code)]

use futures::{SinkExt, StreamExt};
use journey_lsp::Server;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc;
use tower::{Service, ServiceExt};
use tower_lsp_server::jsonrpc::{Request, Response};
use tower_lsp_server::ls_types::Uri;
use tower_lsp_server::LspService;

/// The fixture project: a `journey.toml` folder with three files.
pub fn clinic() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/clinic")
}

pub fn uri(path: &Path) -> String {
    Uri::from_file_path(path)
        .expect("an absolute path")
        .as_str()
        .to_string()
}

/// The column unit a test client counts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Utf8,
    Utf16,
    Utf32,
}

pub struct Client {
    service: LspService<Server>,
    notifications: mpsc::UnboundedReceiver<(String, Value)>,
    next_id: i64,
    pub unit: Unit,
}

impl Client {
    /// A client that has not sent `initialize` yet.
    pub fn uninitialized() -> Client {
        let (service, socket) = journey_lsp::service();
        let (tx, notifications) = mpsc::unbounded_channel();
        let (mut requests, mut responses) = socket.split();
        tokio::spawn(async move {
            while let Some(request) = requests.next().await {
                let (method, id, params) = request.into_parts();
                match id {
                    // Requests to the client (registering file watchers)
                    // are granted.
                    Some(id) => {
                        let _ = responses.send(Response::from_ok(id, Value::Null)).await;
                    }
                    None => {
                        let _ = tx.send((method.to_string(), params.unwrap_or(Value::Null)));
                    }
                }
            }
        });
        Client {
            service,
            notifications,
            next_id: 1,
            unit: Unit::Utf16,
        }
    }

    /// A client that offers `encodings` (none: the UTF-16 default), after
    /// `initialize` and `initialized`.
    pub async fn start(encodings: &[&str]) -> Client {
        let mut client = Client::uninitialized();
        let general = match encodings.is_empty() {
            true => json!({}),
            false => json!({ "positionEncodings": encodings }),
        };
        let result = client
            .request(
                "initialize",
                json!({ "capabilities": { "general": general }, "processId": null }),
            )
            .await
            .expect("initialize succeeds");
        client.unit = match result["capabilities"]["positionEncoding"].as_str() {
            Some("utf-8") => Unit::Utf8,
            Some("utf-32") => Unit::Utf32,
            _ => Unit::Utf16,
        };
        client.notify("initialized", json!({})).await;
        client
    }

    /// Sends one raw JSON-RPC message; returns the response, if any.
    pub async fn send(&mut self, message: Value) -> Option<Value> {
        let request: Request = serde_json::from_value(message).expect("a JSON-RPC message");
        let service = self.service.ready().await.expect("the server is up");
        let response = service.call(request).await.expect("the server answers");
        response.map(|r| serde_json::to_value(r).expect("a JSON response"))
    }

    /// Sends a request; its result, or its error object.
    pub async fn request(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        let id = self.next_id;
        self.next_id += 1;
        let message = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        let response = self.send(message).await.expect("a request gets a response");
        match response.get("error") {
            Some(error) => Err(error.clone()),
            None => Ok(response["result"].clone()),
        }
    }

    pub async fn notify(&mut self, method: &str, params: Value) {
        let message = json!({ "jsonrpc": "2.0", "method": method, "params": params });
        assert!(
            self.send(message).await.is_none(),
            "a notification gets no response"
        );
    }

    pub async fn open(&mut self, path: &Path, text: &str) {
        let params = json!({ "textDocument": {
            "uri": uri(path), "languageId": "journey", "version": 1, "text": text
        }});
        self.notify("textDocument/didOpen", params).await;
    }

    /// Opens a file of the fixture with its text on disk; returns the text.
    pub async fn open_file(&mut self, path: &Path) -> String {
        let text = std::fs::read_to_string(path).expect("a fixture file");
        self.open(path, &text).await;
        text
    }

    pub async fn change_all(&mut self, path: &Path, version: i32, text: &str) {
        let params = json!({
            "textDocument": { "uri": uri(path), "version": version },
            "contentChanges": [{ "text": text }]
        });
        self.notify("textDocument/didChange", params).await;
    }

    /// The next diagnostics published for `path`, waiting up to 5 s.
    pub async fn diagnostics(&mut self, path: &Path) -> Value {
        let wanted = uri(path);
        let found = tokio::time::timeout(Duration::from_secs(5), async {
            while let Some((method, params)) = self.notifications.recv().await {
                if method == "textDocument/publishDiagnostics" && params["uri"] == wanted {
                    return params;
                }
            }
            panic!("the server stopped sending");
        })
        .await;
        found.unwrap_or_else(|_| panic!("no diagnostics for {wanted} within 5 s"))
    }

    /// A position-taking request at a needle of `text`.
    pub async fn at(
        &mut self,
        method: &str,
        path: &Path,
        text: &str,
        needle: &str,
        chars_in: usize,
    ) -> Value {
        let position = self.position(text, offset(text, needle, chars_in));
        let params = json!({ "textDocument": { "uri": uri(path) }, "position": position });
        self.request(method, params)
            .await
            .expect("the request succeeds")
    }

    /// The LSP position of a byte offset, counted here without the server.
    pub fn position(&self, text: &str, offset: usize) -> Value {
        let before = &text[..offset];
        let line = before.matches('\n').count();
        let prefix = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
        let character = match self.unit {
            Unit::Utf8 => prefix.len(),
            Unit::Utf16 => prefix.encode_utf16().count(),
            Unit::Utf32 => prefix.chars().count(),
        };
        json!({ "line": line, "character": character })
    }

    /// The byte offset of an LSP position, counted here without the server.
    pub fn offset_of(&self, text: &str, position: &Value) -> usize {
        let line = position["line"].as_u64().expect("a line") as usize;
        let character = position["character"].as_u64().expect("a character") as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let mut units = 0;
        for (i, c) in text[start..].char_indices() {
            if units >= character {
                return start + i;
            }
            units += match self.unit {
                Unit::Utf8 => c.len_utf8(),
                Unit::Utf16 => c.len_utf16(),
                Unit::Utf32 => 1,
            };
        }
        text.len()
    }

    /// The text an LSP range covers.
    pub fn text_of<'t>(&self, text: &'t str, range: &Value) -> &'t str {
        let start = self.offset_of(text, &range["start"]);
        let end = self.offset_of(text, &range["end"]);
        &text[start..end]
    }
}

/// The byte offset `chars_in` chars into the first `needle` of `text`.
pub fn offset(text: &str, needle: &str, chars_in: usize) -> usize {
    let start = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` is not in the text"));
    let inside: usize = needle.chars().take(chars_in).map(char::len_utf8).sum();
    start + inside
}

/// The source line holding `offset`, and a caret under it.
pub fn cursor_line(text: &str, offset: usize) -> String {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let column = text[start..offset].chars().count();
    format!("{}\n{}^", &text[start..end], " ".repeat(column))
}

/// `file:line:col-line:col` of an LSP location, the path relative to
/// the fixture, lines and columns as the client counts them, from 1.
pub fn location(location: &Value) -> String {
    let uri = location["uri"].as_str().expect("a uri");
    let name = uri.rsplit('/').next().unwrap_or(uri);
    let range = &location["range"];
    let at = |p: &Value| {
        format!(
            "{}:{}",
            p["line"].as_u64().unwrap() + 1,
            p["character"].as_u64().unwrap() + 1
        )
    };
    format!("{name}:{}-{}", at(&range["start"]), at(&range["end"]))
}

impl Client {
    /// `text` with LSP text edits applied (edits of one document, which do
    /// not overlap).
    pub fn apply(&self, text: &str, edits: &Value) -> String {
        let mut spans: Vec<(usize, usize, String)> = edits
            .as_array()
            .expect("a list of edits")
            .iter()
            .map(|edit| {
                let start = self.offset_of(text, &edit["range"]["start"]);
                let end = self.offset_of(text, &edit["range"]["end"]);
                (start, end, edit["newText"].as_str().unwrap().to_string())
            })
            .collect();
        spans.sort_by_key(|(start, _, _)| std::cmp::Reverse(*start));
        let mut out = text.to_string();
        for (start, end, new) in spans {
            out.replace_range(start..end, &new);
        }
        out
    }

    /// The next notification named `method`, waiting up to 5 s.
    pub async fn notification(&mut self, method: &str) -> Value {
        let found = tokio::time::timeout(Duration::from_secs(5), async {
            while let Some((name, params)) = self.notifications.recv().await {
                if name == method {
                    return params;
                }
            }
            panic!("the server stopped sending");
        })
        .await;
        found.unwrap_or_else(|_| panic!("no {method} within 5 s"))
    }
}

impl Client {
    /// Whether the service has stopped taking messages (after `exit`).
    pub async fn has_exited(&mut self) -> bool {
        self.service.ready().await.is_err()
    }
}

impl Client {
    /// Diagnostics for each of `paths`, however they interleave; waits up
    /// to 5 s for each.
    pub async fn diagnostics_of_all(&mut self, paths: &[PathBuf]) -> Vec<Value> {
        let wanted: Vec<String> = paths.iter().map(|p| uri(p)).collect();
        let mut found: Vec<Option<Value>> = vec![None; wanted.len()];
        while found.iter().any(Option::is_none) {
            let params = self.notification("textDocument/publishDiagnostics").await;
            if let Some(at) = wanted.iter().position(|w| params["uri"] == *w) {
                found[at] = Some(params);
            }
        }
        found.into_iter().flatten().collect()
    }
}
