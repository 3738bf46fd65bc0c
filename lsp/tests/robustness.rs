//! What a client may send that a server must survive, and the positions
//! of lines with accents and emoji in each column unit.

mod support;

use serde_json::{json, Value};
use support::{clinic, offset, uri, Client, Unit};

#[tokio::test]
async fn requests_before_initialize_are_refused_not_fatal() {
    let mut client = Client::uninitialized();
    let path = clinic().join("suivi.journey");

    let early = client
        .request(
            "textDocument/hover",
            json!({
                "textDocument": { "uri": uri(&path) },
                "position": { "line": 0, "character": 0 }
            }),
        )
        .await;
    let initialized = client
        .request("initialize", json!({ "capabilities": {} }))
        .await;

    assert_eq!(early.unwrap_err()["code"], -32002);
    assert!(initialized.unwrap()["capabilities"]["hoverProvider"] == true);
}

#[tokio::test]
async fn unknown_files_and_impossible_positions_get_empty_answers() {
    let mut client = Client::start(&[]).await;
    let path = clinic().join("suivi.journey");
    let text = client.open_file(&path).await;
    let unknown = clinic().join("nowhere.journey");

    let mut answers = Vec::new();
    for (file, line, character) in [
        (&unknown, 0, 0),
        (&path, 10_000, 0),
        (&path, 2, 10_000),
        (&path, u32::MAX, u32::MAX),
    ] {
        for method in [
            "textDocument/hover",
            "textDocument/definition",
            "textDocument/completion",
        ] {
            let params = json!({
                "textDocument": { "uri": uri(file) },
                "position": { "line": line, "character": character }
            });
            answers.push((method, client.request(method, params).await));
        }
    }
    let bad_change = json!({
        "textDocument": { "uri": uri(&path), "version": 2 },
        "contentChanges": [{
            "range": {
                "start": { "line": 900, "character": 4 },
                "end": { "line": 3, "character": 999 }
            },
            "text": "é"
        }]
    });
    client.notify("textDocument/didChange", bad_change).await;
    client
        .notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri(&unknown), "version": 1 }, "contentChanges": [] }),
        )
        .await;
    let still = client
        .at("textDocument/hover", &path, &text, "send rappel", 6)
        .await;

    for (method, answer) in answers {
        let answer = answer.unwrap_or_else(|e| panic!("{method} failed: {e}"));
        assert!(
            answer.is_null() || answer.is_array() || answer.is_object(),
            "{method}: {answer}"
        );
    }
    assert!(still.is_null() || still["contents"]["value"].is_string());
}

#[tokio::test]
async fn a_file_that_is_not_utf8_is_left_out_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    for file in ["journey.toml", "schema.journey", "suivi.journey"] {
        std::fs::copy(clinic().join(file), dir.path().join(file)).unwrap();
    }
    std::fs::create_dir(dir.path().join("templates")).unwrap();
    std::fs::copy(
        clinic().join("templates/rappel.html"),
        dir.path().join("templates/rappel.html"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("latin1.journey"),
        b"list caf\xe9 \"Caf\xe9\"\n",
    )
    .unwrap();
    let mut client = Client::start(&[]).await;
    let suivi = dir.path().join("suivi.journey");

    let text = client.open_file(&suivi).await;
    let message = client.notification("window/showMessage").await;
    let diagnostics = client.diagnostics(&suivi).await;
    let hover = client
        .at("textDocument/hover", &suivi, &text, "send rappel", 6)
        .await;

    let shown = message["message"].as_str().unwrap();
    assert!(shown.contains("latin1.journey"), "{shown}");
    assert!(shown.contains("not valid UTF-8"), "{shown}");
    assert_eq!(message["type"], 2);
    assert!(diagnostics["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["code"] != "syntax-error"));
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .starts_with("email `rappel`"));
}

#[tokio::test]
async fn shutdown_then_exit_stops_the_service() {
    let mut client = Client::start(&[]).await;

    let shutdown = client.request("shutdown", Value::Null).await;
    let after_shutdown = client
        .request(
            "textDocument/hover",
            json!({
                "textDocument": { "uri": "file:///x.journey" },
                "position": { "line": 0, "character": 0 }
            }),
        )
        .await;
    client.notify("exit", Value::Null).await;

    assert_eq!(shutdown, Ok(Value::Null));
    assert_eq!(after_shutdown.unwrap_err()["code"], -32600);
    assert!(client.has_exited().await);
}

/// The positions of names after accents and emoji, in every unit a client
/// may choose: hover ranges, definitions and diagnostics cover exactly the
/// name.
#[tokio::test]
async fn positions_on_non_ascii_lines_in_every_unit() {
    for (offered, unit) in [
        (vec![], Unit::Utf16),
        (vec!["utf-16", "utf-8"], Unit::Utf8),
        (vec!["utf-32"], Unit::Utf32),
    ] {
        let mut client = Client::start(&offered).await;
        assert_eq!(client.unit, unit);
        let accueil = clinic().join("accueil.journey");
        let text = client.open_file(&accueil).await;
        client.open_file(&clinic().join("schema.journey")).await;
        client.diagnostics(&accueil).await;

        let hover = client
            .at("textDocument/hover", &accueil, &text, "🎉\" -> visite", 7)
            .await;
        let definition = client
            .at(
                "textDocument/definition",
                &accueil,
                &text,
                "🎉\" -> visite",
                7,
            )
            .await;
        let broken = text.replace("-> visite", "-> visité");
        client.change_all(&accueil, 2, &broken).await;
        let published = client.diagnostics(&accueil).await;

        assert_eq!(client.text_of(&text, &hover["range"]), "visite", "{unit:?}");
        assert_eq!(
            definition["range"]["start"],
            client.position(&text, offset(&text, "visite: goto", 0)),
            "{unit:?}"
        );
        let diagnostic = &published["diagnostics"][0];
        assert_eq!(diagnostic["code"], "unknown-step");
        assert_eq!(
            client.text_of(&broken, &diagnostic["range"]),
            "visité",
            "{unit:?}"
        );
    }
}

/// While a file has a syntax error, hover and navigation answer from its
/// last good parse, everywhere but in the broken text itself.
#[tokio::test]
async fn the_last_good_analysis_serves_while_a_file_is_broken() {
    let mut client = Client::start(&[]).await;
    let accueil = clinic().join("accueil.journey");
    let text = client.open_file(&accueil).await;
    client.open_file(&clinic().join("schema.journey")).await;

    let broken = text.replace(
        "  début: send bienvenue\n",
        "  début: send bienvenue\n  goto \n  branch {\n",
    );
    client.change_all(&accueil, 2, &broken).await;
    let published = client.diagnostics(&accueil).await;
    let hover = client
        .at("textDocument/hover", &accueil, &broken, "-> relance", 4)
        .await;
    let definition = client
        .at("textDocument/definition", &accueil, &broken, "goto fin", 6)
        .await;
    let inside = client
        .at("textDocument/hover", &accueil, &broken, "  goto \n", 3)
        .await;

    assert_eq!(published["diagnostics"][0]["code"], "syntax-error");
    assert_eq!(client.text_of(&broken, &hover["range"]), "relance");
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .starts_with("step `relance`"));
    assert_eq!(
        definition["range"]["start"],
        client.position(&broken, offset(&broken, "fin: end", 0))
    );
    assert_eq!(inside, Value::Null);
}

/// A file with tens of thousands of mistakes on one line (a generated file,
/// a paste gone wrong) gets its first 1,000 diagnostics, at the right
/// places, and the server still answers; converting each position from
/// the start of that long line made this take minutes.
#[tokio::test]
async fn thousands_of_mistakes_on_one_line_are_capped_and_placed() {
    let mut client = Client::start(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.journey");
    let text = format!("journey j {{ {}}}", "send x ".repeat(60_000));

    client.open(&path, &text).await;
    let published = client.diagnostics(&path).await;
    let hover = client
        .at("textDocument/hover", &path, &text, "journey j", 8)
        .await;

    let diagnostics = published["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1000);
    let unknown: Vec<&Value> = diagnostics
        .iter()
        .filter(|d| d["code"] == "unknown-email")
        .collect();
    assert!(unknown.len() >= 990, "{} unknown emails", unknown.len());
    let last = unknown.len() - 1;
    let last_x = offset(&text, "journey j { ", 12) + last * "send x ".len() + "send ".len();
    assert_eq!(
        unknown[last]["range"]["start"],
        client.position(&text, last_x)
    );
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("journey `j`"));
}
