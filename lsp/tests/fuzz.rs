//! Random and malformed traffic: the server stays up and answers.
//!
//! Each seed drives a fresh server through a few hundred messages drawn at
//! random: edits at random (often impossible) ranges inserting text that
//! breaks the syntax (braces, quotes, half keywords, emoji), requests of
//! every kind at random positions in known, unknown and non-file documents,
//! stale versions, unknown methods and parameters of the wrong shape. Every
//! request must get an answer that is a result or a refusal; an internal
//! error (-32603) means a feature panicked and fails the test. At the end
//! the server must still publish diagnostics and answer a hover correctly.

mod support;

use serde_json::{json, Value};
use support::{clinic, uri, Client};

/// A small deterministic generator (xorshift64*), so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const INSERTS: &[&str] = &[
    "",
    "é",
    "🎉",
    "{",
    "}",
    "\"",
    "\n",
    "goto ",
    "send ",
    " -> ",
    "wait for ",
    "contact.",
    "journey z {\n",
    "  fin: end\n",
    "# note\n",
    "\u{0301}",
    "\r\n",
    "branch {\n when contact.plan is set -> fin\n",
    "  wait for click bienvenue.portal -> fin\n  timeout 2 days\n",
    "timeout",
    "\t",
    "Zoë",
];

const METHODS: &[&str] = &[
    "textDocument/hover",
    "textDocument/definition",
    "textDocument/references",
    "textDocument/completion",
    "textDocument/documentHighlight",
    "textDocument/prepareRename",
    "textDocument/rename",
    "textDocument/documentSymbol",
    "textDocument/formatting",
    "textDocument/semanticTokens/full",
    "textDocument/codeAction",
    "workspace/symbol",
    "textDocument/signatureHelp",
    "journey/unknown",
];

const NAMES: &[&str] = &["relance_2", "fin", "send", "", "deux mots", "été", "x🎉"];

struct Fuzz {
    client: Client,
    rng: Rng,
    files: Vec<(std::path::PathBuf, String, i32)>,
}

impl Fuzz {
    fn document(&mut self) -> (String, usize) {
        let roll = self.rng.below(10);
        match roll {
            0 => ("file:///nowhere/else.journey".to_string(), usize::MAX),
            1 => ("untitled:Untitled-1".to_string(), usize::MAX),
            _ => {
                let at = self.rng.below(self.files.len());
                (uri(&self.files[at].0), at)
            }
        }
    }

    fn position(&mut self) -> Value {
        let line = match self.rng.below(8) {
            0 => 1_000_000,
            _ => self.rng.below(40),
        };
        let character = match self.rng.below(8) {
            0 => 4_000_000_000u64,
            _ => self.rng.below(90) as u64,
        };
        json!({ "line": line, "character": character })
    }

    async fn edit(&mut self) {
        let at = self.rng.below(self.files.len());
        let version = match self.rng.below(10) {
            0 => 0,
            _ => {
                self.files[at].2 += 1;
                self.files[at].2
            }
        };
        let text = self.rng.pick(INSERTS).to_string();
        let (change, full) = match self.rng.below(20) {
            0 => {
                let old = &self.files[at].1;
                let chars = old.chars().count();
                let cut = old.char_indices().nth(self.rng.below(chars + 1));
                let full = format!("{}{text}", &old[..cut.map_or(old.len(), |(i, _)| i)]);
                (json!({ "text": full }), Some(full))
            }
            _ => {
                let range = json!({ "start": self.position(), "end": self.position() });
                (json!({ "range": range, "text": text }), None)
            }
        };
        let params = json!({
            "textDocument": { "uri": uri(&self.files[at].0), "version": version },
            "contentChanges": [change]
        });
        self.client.notify("textDocument/didChange", params).await;
        if let Some(full) = full {
            self.files[at].1 = full;
        }
    }

    async fn request(&mut self) {
        let method = *self.rng.pick(METHODS);
        let (document, at) = self.document();
        let position = match at {
            usize::MAX => self.position(),
            _ if self.rng.below(2) == 0 => self.position(),
            at => {
                let text = &self.files[at].1;
                let chars = text.chars().count();
                let offset = text.char_indices().nth(self.rng.below(chars + 1));
                let offset = offset.map_or(text.len(), |(i, _)| i);
                self.client.position(text, offset)
            }
        };
        let mut params = json!({ "textDocument": { "uri": document }, "position": position });
        match method {
            "textDocument/references" => params["context"] = json!({ "includeDeclaration": true }),
            "textDocument/codeAction" => {
                params["range"] = json!({ "start": position, "end": self.position() });
                params["context"] = json!({ "diagnostics": [] });
            }
            "textDocument/rename" => params["newName"] = json!(self.rng.pick(NAMES)),
            "textDocument/formatting" => {
                params["options"] = json!({ "tabSize": 2, "insertSpaces": true })
            }
            "workspace/symbol" => params = json!({ "query": self.rng.pick(NAMES) }),
            _ => {}
        }
        match self.rng.below(12) {
            0 => params["position"] = json!("here"),
            1 => params = Value::Null,
            _ => {}
        }
        let answer = self.client.request(method, params).await;
        if let Err(error) = &answer {
            assert_ne!(
                error["code"], -32603,
                "{method} failed inside the server: {error}"
            );
        }
    }

    async fn lifecycle(&mut self) {
        let (document, at) = self.document();
        match self.rng.below(3) {
            0 => {
                let params = json!({ "textDocument": { "uri": document } });
                self.client.notify("textDocument/didClose", params).await;
            }
            1 => {
                let text = match at {
                    usize::MAX => "journey z { goto ".to_string(),
                    at => self.files[at].1.clone(),
                };
                let params = json!({ "textDocument": {
                    "uri": document, "languageId": "journey", "version": 1, "text": text
                }});
                self.client.notify("textDocument/didOpen", params).await;
            }
            _ => {
                let params = json!({ "changes": [{ "uri": document, "type": 2 }] });
                self.client
                    .notify("workspace/didChangeWatchedFiles", params)
                    .await;
            }
        }
    }
}

#[tokio::test]
async fn random_and_malformed_traffic_leaves_the_server_answering() {
    for seed in [1_u64, 0x6a6f75726e6579, 0xdead_beef_cafe] {
        let mut fuzz = Fuzz {
            client: Client::start(&[]).await,
            rng: Rng(seed),
            files: Vec::new(),
        };
        for file in ["schema.journey", "accueil.journey", "suivi.journey"] {
            let path = clinic().join(file);
            let text = fuzz.client.open_file(&path).await;
            fuzz.files.push((path, text, 1));
        }

        for _ in 0..300 {
            match fuzz.rng.below(10) {
                0..=3 => fuzz.edit().await,
                4..=8 => fuzz.request().await,
                _ => fuzz.lifecycle().await,
            }
        }

        // Back to the files as on disk, then one more edit to publish.
        for (path, _, _) in &fuzz.files {
            let text = std::fs::read_to_string(path).unwrap();
            let closing = json!({ "textDocument": { "uri": uri(path) } });
            fuzz.client.notify("textDocument/didClose", closing).await;
            fuzz.client.open(path, &text).await;
        }
        let suivi = clinic().join("suivi.journey");
        let text = std::fs::read_to_string(&suivi).unwrap();
        fuzz.client.change_all(&suivi, 1_000, &text).await;
        let published = loop {
            let published = fuzz.client.diagnostics(&suivi).await;
            if published["version"] == 1_000 {
                break published;
            }
        };
        let hover = fuzz
            .client
            .at("textDocument/hover", &suivi, &text, "send rappel", 6)
            .await;

        assert_eq!(published["diagnostics"], json!([]), "seed {seed}");
        let shown = hover["contents"]["value"].as_str().unwrap_or_default();
        assert!(shown.starts_with("email `rappel`"), "seed {seed}: {hover}");
    }
}
