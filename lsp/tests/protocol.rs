//! The server's features through the protocol, on the clinic fixture.
//!
//! Every test talks JSON-RPC to a fresh server, as an editor does. Snapshots
//! show the line with the cursor and the server's answer.

mod support;

use serde_json::{json, Value};
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
