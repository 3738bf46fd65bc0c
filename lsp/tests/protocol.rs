//! The server's features through the protocol, on the clinic fixture.
//!
//! Every test talks JSON-RPC to a fresh server, as an editor does. Snapshots
//! show the line with the cursor and the server's answer.

mod support;

use journey_compiler::format::format_file;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::Path;
use support::{clinic, cursor_line, location, offset, Client};

/// A hover snapshot: the line and caret, then the markdown shown.
async fn hover_at(client: &mut Client, file: &str, needle: &str, chars_in: usize) -> String {
    let path = clinic().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let answer = client
        .at("textDocument/hover", &path, &text, needle, chars_in)
        .await;
    let shown = answer["contents"]["value"].as_str().unwrap_or("(no hover)");
    let under = match answer.get("range") {
        Some(range) if !range.is_null() => client.text_of(&text, range).to_string(),
        _ => String::new(),
    };
    let caret = cursor_line(&text, offset(&text, needle, chars_in));
    format!("{caret}\nrange: `{under}`\n---\n{shown}")
}

#[tokio::test]
async fn diagnostics_arrive_on_open_and_follow_edits() {
    let mut client = Client::start(&[]).await;
    let path = clinic().join("accueil.journey");
    let text = client.open_file(&path).await;

    let clean = client.diagnostics(&path).await;
    let broken = text.replace("goto fin", "goto fni");
    client.change_all(&path, 2, &broken).await;
    let found = client.diagnostics(&path).await;

    assert_eq!(clean["diagnostics"], json!([]));
    assert_eq!(found["version"], 2);
    let diagnostic = &found["diagnostics"][0];
    assert_eq!(diagnostic["code"], "unknown-step");
    assert_eq!(client.text_of(&broken, &diagnostic["range"]), "fni");
    let related: Vec<&str> = diagnostic["relatedInformation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"].as_str().unwrap())
        .collect();
    assert_eq!(related, ["unknown step", "help: did you mean `fin`?"]);
}

#[tokio::test]
async fn hover_explains_names_durations_and_steps() {
    let mut client = Client::start(&[]).await;
    for file in ["schema.journey", "accueil.journey", "suivi.journey"] {
        client.open_file(&clinic().join(file)).await;
    }

    let cases = [
        ("accueil.journey", "send bienvenue", 6),
        ("accueil.journey", "-> relance", 4),
        ("accueil.journey", "choix:", 1),
        ("accueil.journey", "bienvenue.portal", 11),
        ("accueil.journey", "contact.enrolled", 9),
        ("accueil.journey", "3 days", 0),
        ("accueil.journey", "weekdays", 2),
        ("accueil.journey", "goto fin", 1),
        ("accueil.journey", "patients_2026", 3),
        ("accueil.journey", "journey suivi", 9),
        ("suivi.journey", "next_visit", 2),
        ("suivi.journey", "1 hour", 0),
        ("suivi.journey", "branch", 0),
        ("accueil.journey", "event.clinic", 7),
        ("accueil.journey", "visit_booked where", 2),
        ("schema.journey", "engaged", 0),
    ];
    let mut shown = Vec::new();
    for (file, needle, chars_in) in cases {
        shown.push(hover_at(&mut client, file, needle, chars_in).await);
    }
    insta::assert_snapshot!(shown.join("\n\n===\n\n"));
}

#[tokio::test]
async fn definitions_cross_files() {
    let mut client = Client::start(&[]).await;
    let accueil = clinic().join("accueil.journey");
    let text = client.open_file(&accueil).await;

    let mut shown = Vec::new();
    let cases = [
        ("send bienvenue", 6),
        ("bienvenue.portal", 11),
        ("-> engagé", 4),
        ("journey suivi", 9),
        ("contact.timezone", 9),
        ("event.clinic", 7),
        ("patients_2026", 0),
        ("add to engaged", 8),
    ];
    for (needle, chars_in) in cases {
        let answer = client
            .at("textDocument/definition", &accueil, &text, needle, chars_in)
            .await;
        let caret = cursor_line(&text, offset(&text, needle, chars_in));
        let target = match answer {
            Value::Null => "(none)".to_string(),
            found => location(&found),
        };
        shown.push(format!("{caret}\n-> {target}"));
    }
    insta::assert_snapshot!(shown.join("\n\n"));
}

/// Opens the three files of the clinic; returns their texts.
async fn open_clinic(client: &mut Client) -> Vec<(String, String)> {
    let mut texts = Vec::new();
    for file in ["schema.journey", "accueil.journey", "suivi.journey"] {
        let text = client.open_file(&clinic().join(file)).await;
        texts.push((file.to_string(), text));
    }
    texts
}

#[tokio::test]
async fn references_find_every_use_across_files() {
    let mut client = Client::start(&[]).await;
    open_clinic(&mut client).await;
    let schema = clinic().join("schema.journey");
    let text = std::fs::read_to_string(&schema).unwrap();

    let mut shown = Vec::new();
    for (needle, with_declaration) in [("first_name", true), ("fin", false), ("rappel {", true)] {
        let (path, text) = match needle {
            "fin" => {
                let path = clinic().join("suivi.journey");
                let text = std::fs::read_to_string(&path).unwrap();
                (path, text)
            }
            _ => (schema.clone(), text.clone()),
        };
        let position = client.position(&text, offset(&text, needle, 1));
        let params = json!({
            "textDocument": { "uri": support::uri(&path) },
            "position": position,
            "context": { "includeDeclaration": with_declaration }
        });
        let found = client
            .request("textDocument/references", params)
            .await
            .unwrap();
        let mut places: Vec<String> = found.as_array().unwrap().iter().map(location).collect();
        places.sort();
        let caret = cursor_line(&text, offset(&text, needle, 1));
        shown.push(format!("{caret}\n{}", places.join("\n")));
    }
    insta::assert_snapshot!(shown.join("\n\n"));
}

#[tokio::test]
async fn rename_edits_every_file_and_template() {
    let mut client = Client::start(&[]).await;
    let texts = open_clinic(&mut client).await;
    let accueil = clinic().join("accueil.journey");
    let (_, text) = &texts[1];

    let position = client.position(text, offset(text, "-> relance", 4));
    let prepared = client
        .request(
            "textDocument/prepareRename",
            json!({ "textDocument": { "uri": support::uri(&accueil) }, "position": position }),
        )
        .await
        .unwrap();
    assert_eq!(prepared["placeholder"], "relance");
    assert_eq!(client.text_of(text, &prepared["range"]), "relance");

    let mut shown = Vec::new();
    let cases = [
        ("-> relance", 4, "rappel_doux"),
        ("contact.enrolled", 9, "inscrit"),
        ("-> engagé", 4, "fin"),
        ("send bienvenue", 5, "rappel"),
        ("-> engagé", 4, "goto"),
        ("choix:", 0, "start"),
    ];
    for (needle, chars_in, new_name) in cases {
        let position = client.position(text, offset(text, needle, chars_in));
        let params = json!({
            "textDocument": { "uri": support::uri(&accueil) },
            "position": position,
            "newName": new_name,
        });
        let answer = client.request("textDocument/rename", params).await;
        shown.push(format!(
            "rename `{needle}` to `{new_name}`: {}",
            describe_edit(&client, answer)
        ));
    }
    let position = client.position(&texts[0].1, offset(&texts[0].1, "first_name", 0));
    let schema = clinic().join("schema.journey");
    for new_name in ["prenom", "plan", "prénom", "deux mots"] {
        let params = json!({
            "textDocument": { "uri": support::uri(&schema) },
            "position": position,
            "newName": new_name,
        });
        let answer = client.request("textDocument/rename", params).await;
        shown.push(format!(
            "rename `first_name` to `{new_name}`: {}",
            describe_edit(&client, answer)
        ));
    }
    insta::assert_snapshot!(shown.join("\n\n"));
}

/// Each file an edit touches, with its changed lines after the edit.
fn describe_edit(client: &Client, answer: Result<Value, Value>) -> String {
    let edit = match answer {
        Ok(edit) => edit,
        Err(error) => return format!("refused ({}): {}", error["code"], error["message"]),
    };
    let mut files: Vec<(&String, &Value)> = edit["changes"].as_object().unwrap().iter().collect();
    files.sort_by_key(|(uri, _)| uri.rsplit('/').next().unwrap().to_string());
    let mut out = String::new();
    for (uri, edits) in files {
        let path = std::path::PathBuf::from(uri.strip_prefix("file://").unwrap());
        let before = std::fs::read_to_string(&path).unwrap();
        let after = client.apply(&before, edits);
        let name = uri.rsplit('/').next().unwrap();
        out.push_str(&format!(
            "\n--- {name} ({} edits)\n",
            edits.as_array().unwrap().len()
        ));
        for (old, new) in before.lines().zip(after.lines()) {
            if old != new {
                out.push_str(&format!("{new}\n"));
            }
        }
    }
    out
}

#[tokio::test]
async fn completion_knows_the_context() {
    let mut client = Client::start(&[]).await;
    let texts = open_clinic(&mut client).await;
    let accueil = clinic().join("accueil.journey");
    let original = texts[1].1.clone();

    let cases = [
        ("  goto fin", "  goto ", "goto "),
        ("  goto fin", "  goto journey ", "journey "),
        ("  début: send bienvenue", "  début: send ", "send "),
        ("bienvenue.portal", "bienvenue.", "bienvenue."),
        (
            "exit when contact.enrolled",
            "exit when contact.",
            "contact.",
        ),
        ("where event.clinic", "where event.", "event."),
        (
            "weekdays 09:00-17:00 in contact.timezone",
            "weekdays 09:00-17:00 in \"Europe/Pa",
            "Pa",
        ),
        ("  engagé: add to engaged", "  engagé: add to ", "to "),
        ("  enter on list patients_2026", "  enter on list ", "list "),
        ("  fin: end", "  fi", "fi"),
    ];
    let mut shown = Vec::new();
    for (version, (line, typed, cursor_after)) in cases.into_iter().enumerate() {
        let text = original.replacen(line, typed, 1);
        client.change_all(&accueil, version as i32 + 2, &text).await;
        let at = offset(&text, typed, 0) + typed.rfind(cursor_after).unwrap() + cursor_after.len();
        let position = client.position(&text, at);
        let params =
            json!({ "textDocument": { "uri": support::uri(&accueil) }, "position": position });
        let answer = client
            .request("textDocument/completion", params)
            .await
            .unwrap();
        let items = answer.as_array().unwrap();
        let mut labels: Vec<String> = items
            .iter()
            .map(|i| {
                format!(
                    "{} ({})",
                    i["label"].as_str().unwrap(),
                    i["detail"].as_str().unwrap_or("")
                )
            })
            .collect();
        let total = labels.len();
        labels.truncate(12);
        let more = if total > 12 {
            format!("\n… {} in all", total)
        } else {
            String::new()
        };
        shown.push(format!(
            "{}\n{}{more}",
            cursor_line(&text, at),
            labels.join("\n")
        ));
    }
    insta::assert_snapshot!(shown.join("\n\n"));
}

#[tokio::test]
async fn document_and_workspace_symbols() {
    let mut client = Client::start(&[]).await;
    open_clinic(&mut client).await;
    let accueil = clinic().join("accueil.journey");

    let outline = client
        .request(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": support::uri(&accueil) } }),
        )
        .await
        .unwrap();
    let mut shown = String::new();
    for symbol in outline.as_array().unwrap() {
        outline_line(&mut shown, symbol, 0);
    }
    let found = client
        .request("workspace/symbol", json!({ "query": "rel" }))
        .await
        .unwrap();
    shown.push_str("\nworkspace/symbol \"rel\":\n");
    for symbol in found.as_array().unwrap() {
        shown.push_str(&format!(
            "{} ({}) {}\n",
            symbol["name"].as_str().unwrap(),
            symbol["containerName"].as_str().unwrap_or("-"),
            location(&symbol["location"])
        ));
    }
    insta::assert_snapshot!(shown);
}

fn outline_line(out: &mut String, symbol: &Value, depth: usize) {
    let range = &symbol["selectionRange"];
    out.push_str(&format!(
        "{}{} [{}] line {}\n",
        "  ".repeat(depth),
        symbol["name"].as_str().unwrap(),
        symbol["detail"].as_str().unwrap_or(""),
        range["start"]["line"].as_u64().unwrap() + 1
    ));
    for child in symbol["children"].as_array().into_iter().flatten() {
        outline_line(out, child, depth + 1);
    }
}

#[tokio::test]
async fn formatting_is_journey_fmt_and_refuses_broken_files() {
    let mut client = Client::start(&[]).await;
    let suivi = clinic().join("suivi.journey");
    let tidy = client.open_file(&suivi).await;
    let messy = tidy
        .replace("  send rappel", "send     rappel")
        .replace("  fin: end", "      fin:   end");
    client.change_all(&suivi, 2, &messy).await;

    let params = json!({
        "textDocument": { "uri": support::uri(&suivi) },
        "options": { "tabSize": 2, "insertSpaces": true }
    });
    let edits = client
        .request("textDocument/formatting", params.clone())
        .await
        .unwrap();
    let formatted = client.apply(&messy, &edits);
    client
        .change_all(&suivi, 3, &format!("{messy}\njourney {{"))
        .await;
    let refused = client
        .request("textDocument/formatting", params)
        .await
        .unwrap_err();

    assert_eq!(formatted, tidy);
    assert_eq!(edits.as_array().unwrap().len(), 1);
    assert_eq!(refused["code"], -32803);
    assert_eq!(
        refused["message"],
        "the file has 1 syntax error; fix them before formatting"
    );
}

#[tokio::test]
async fn semantic_tokens_name_what_each_word_is() {
    let mut client = Client::start(&[]).await;
    let texts = open_clinic(&mut client).await;
    let suivi = clinic().join("suivi.journey");
    let text = &texts[2].1;

    let answer = client
        .request(
            "textDocument/semanticTokens/full",
            json!({ "textDocument": { "uri": support::uri(&suivi) } }),
        )
        .await
        .unwrap();
    let types = [
        "journey", "step", "email", "field", "list", "event", "comment",
    ];
    let data: Vec<u64> = answer["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let (mut line, mut start) = (0, 0);
    let mut shown = Vec::new();
    for token in data.chunks(5) {
        line += token[0];
        start = if token[0] == 0 {
            start + token[1]
        } else {
            token[1]
        };
        let begin = client.offset_of(text, &json!({ "line": line, "character": start }));
        let end = client.offset_of(
            text,
            &json!({ "line": line, "character": start + token[2] }),
        );
        let modifiers = match token[4] {
            0 => "",
            1 => " declaration",
            2 => " phi",
            _ => " declaration phi",
        };
        shown.push(format!(
            "{}:{} {:?} {}{modifiers}",
            line + 1,
            start + 1,
            &text[begin..end],
            types[token[3] as usize]
        ));
    }
    insta::assert_snapshot!(shown.join("\n"));
}

#[tokio::test]
async fn quick_fixes_from_diagnostics() {
    let mut client = Client::start(&[]).await;
    let texts = open_clinic(&mut client).await;
    let accueil = clinic().join("accueil.journey");
    let original = &texts[1].1;

    let cases = [
        ("goto fin", "goto fni", "fni"),
        ("timeout 3 days -> relance", "", "relance: wait"),
        (
            "  goto fin\n",
            "  branch {\n    when contact.enrolled -> fin\n  }\n",
            "branch",
        ),
    ];
    let mut shown = Vec::new();
    for (version, (from, to, at)) in cases.into_iter().enumerate() {
        let text = original.replacen(from, to, 1);
        client.change_all(&accueil, version as i32 + 2, &text).await;
        let start = client.position(&text, offset(&text, at, 0));
        let params = json!({
            "textDocument": { "uri": support::uri(&accueil) },
            "range": { "start": start, "end": start },
            "context": { "diagnostics": [] }
        });
        let actions = client
            .request("textDocument/codeAction", params)
            .await
            .unwrap();
        for action in actions.as_array().unwrap() {
            let edits = &action["edit"]["changes"][support::uri(&accueil)];
            let fixed = client.apply(&text, edits);
            let changed: Vec<&str> = fixed
                .lines()
                .filter(|l| !text.lines().any(|o| o == *l))
                .collect();
            shown.push(format!(
                "{}\n[{}] {}\n{}",
                action["diagnostics"][0]["message"].as_str().unwrap(),
                action["kind"].as_str().unwrap(),
                action["title"].as_str().unwrap(),
                changed.join("\n")
            ));
        }
    }
    insta::assert_snapshot!(shown.join("\n\n"));
}

#[tokio::test]
async fn highlights_mark_declarations_and_uses_in_the_file() {
    let mut client = Client::start(&[]).await;
    let texts = open_clinic(&mut client).await;
    let accueil = clinic().join("accueil.journey");
    let text = &texts[1].1;

    let found = client
        .at(
            "textDocument/documentHighlight",
            &accueil,
            text,
            "goto fin",
            6,
        )
        .await;
    let mut shown: Vec<String> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let start = client.offset_of(text, &h["range"]["start"]);
            let kind = if h["kind"] == 3 { "declaration" } else { "use" };
            format!("{kind}:\n{}", cursor_line(text, start))
        })
        .collect();
    shown.sort();
    insta::assert_snapshot!(shown.join("\n"));
}

/// The fix for a `wait for` without its end goes right after the wait's
/// last arm, aligned as `journey fmt` aligns it, not after the blank line
/// and the comment that belong to the next step.
#[tokio::test]
async fn the_wait_end_fixes_follow_the_last_arm_as_journey_fmt_writes_them() {
    let example =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/re-enrollment/renewal.journey");
    let original = std::fs::read_to_string(example).unwrap();
    let end = "\n           timeout 7 days";
    assert!(original.contains(&format!("{end}\n\n  # No click")));
    let text = original.replacen(end, "", 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("renewal.journey");
    let mut client = Client::start(&[]).await;
    client.open(&path, &text).await;
    client.diagnostics(&path).await;

    let start = client.position(&text, offset(&text, "wait until thursday", 0));
    let params = json!({
        "textDocument": { "uri": support::uri(&path) },
        "range": { "start": start, "end": start },
        "context": { "diagnostics": [] }
    });
    let actions = client
        .request("textDocument/codeAction", params)
        .await
        .unwrap();
    let fixed: HashMap<String, String> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|action| {
            let edits = &action["edit"]["changes"][support::uri(&path)];
            (
                action["title"].as_str().unwrap().to_string(),
                client.apply(&text, edits),
            )
        })
        .collect();

    let with = |words: &str| original.replacen("timeout 7 days", words, 1);
    assert_eq!(fixed["add a `timeout`"], with("timeout 3 days"));
    assert_eq!(fixed["add `forever`"], with("forever"));
    for text in fixed.values() {
        assert_eq!(format_file(text).unwrap(), *text);
    }
}

/// At the start of a line, what is offered depends on the block the
/// cursor is in: declarations outside every block (before `journey` too,
/// and after a closing `}`), an email's items in an email, nothing where
/// the author names a contact's fields.
#[tokio::test]
async fn completion_at_a_line_start_fits_the_block() {
    let text = "contact {\n  email: email\n  \n}\n\n\
                email e {\n  kind marketing\n  \n}\n\n\
                journey j {\n  from \"A <a@example.org>\"\n  enter on list l\n  send e\n}\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blocks.journey");
    let mut client = Client::start(&[]).await;
    client.open(&path, text).await;
    client.diagnostics(&path).await;

    let at = |needle: &str, after: usize| offset(text, needle, 0) + after;
    let cases = [
        ("before `journey`", at("journey j", 0)),
        ("after the journey's `}`", text.len() - 1),
        ("in `contact {}`", at("email: email\n  \n", 15)),
        ("in `email e {}`", at("kind marketing\n  \n", 17)),
        ("after `kind`", at("kind marketing", 5)),
    ];
    let mut shown = Vec::new();
    for (place, at) in cases {
        let params = json!({
            "textDocument": { "uri": support::uri(&path) },
            "position": client.position(text, at)
        });
        let answer = client
            .request("textDocument/completion", params)
            .await
            .unwrap();
        let labels: Vec<&str> = answer
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["label"].as_str().unwrap())
            .collect();
        shown.push(format!("{place}: {}", labels.join(", ")));
    }

    assert_eq!(
        shown,
        [
            "before `journey`: contact, list, segment, event, email, journey",
            "after the journey's `}`: ",
            "in `contact {}`: ",
            "in `email e {}`: kind, subject, body, link",
            "after `kind`: marketing, treatment",
        ]
    );
}
