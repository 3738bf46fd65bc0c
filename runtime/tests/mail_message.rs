//! Composing messages: headers, the deterministic Message-ID, MIME parts,
//! and the whole message as a snapshot to review.

use chrono_tz::Tz;
use journey_runtime::bytecode::Email;
use journey_runtime::mail::{
    compose, key_hash, ComposeError, ContactValues, Letter, Outgoing, TemplateValue, Templates,
    View,
};

const FROM: &str = "Member Services <members@example-health.org>";

fn renewal_invite() -> Email {
    Email {
        name: "renewal_invite".into(),
        marketing: true,
        subject: "Time to renew, {{ contact.first_name }}".into(),
        body: "templates/renewal_invite.html".into(),
        links: vec![(
            "portal".into(),
            "https://portal.example-health.org/renew".into(),
        )],
    }
}

const BODY: &str = "<p>Hi {{ contact.first_name }},</p>\n\
    <p><a href=\"{{ link.portal }}\">Renew now</a></p>\n\
    <p><a href=\"{{ unsubscribe_url }}\">Unsubscribe</a></p>\n";

fn message(email: &Email, body: &str, letter: &Letter) -> Result<Outgoing, ComposeError> {
    let mut templates = Templates::new();
    templates.add(email, body).unwrap();
    let contact = ContactValues::new(Tz::UTC).with("first_name", TemplateValue::Text("Ana".into()));
    let links = [(
        "portal".to_string(),
        "https://portal.example-health.org/renew".to_string(),
    )];
    let view = View {
        contact: &contact,
        links: &links,
        unsubscribe_url: Some("https://example-health.org/u/tok123"),
    };
    let rendered = templates.render(email, &view).unwrap();
    compose(&rendered, letter)
}

fn letter(key: &str) -> Letter<'_> {
    Letter {
        from: FROM,
        reply_to: Some("help@example-health.org"),
        to: "Ana Diaz <ana@example.org>",
        idempotency_key: key,
        now: 1_800_000_000,
    }
}

fn text(message: &Outgoing) -> String {
    String::from_utf8(message.bytes().to_vec()).unwrap()
}

fn header<'a>(message: &'a str, name: &str) -> Vec<&'a str> {
    let prefix = format!("{name}: ");
    message
        .split("\r\n")
        .filter_map(|line| line.strip_prefix(prefix.as_str()))
        .collect()
}

#[test]
fn the_whole_message() {
    let outgoing = message(&renewal_invite(), BODY, &letter("42:7:invite:1")).unwrap();
    insta::assert_snapshot!(text(&outgoing));
}

#[test]
fn headers_of_a_marketing_email() {
    let outgoing = message(&renewal_invite(), BODY, &letter("42:7:invite:1")).unwrap();
    let message = text(&outgoing);
    let hash = key_hash("42:7:invite:1");

    assert_eq!(outgoing.key_hash(), hash);
    assert_eq!(
        outgoing.message_id(),
        format!("<{hash}@example-health.org>")
    );
    assert_eq!(header(&message, "Message-ID"), [outgoing.message_id()]);
    assert_eq!(
        header(&message, "From"),
        ["\"Member Services\" <members@example-health.org>"]
    );
    assert_eq!(header(&message, "Reply-To"), ["help@example-health.org"]);
    assert_eq!(header(&message, "To"), ["\"Ana Diaz\" <ana@example.org>"]);
    assert_eq!(header(&message, "Subject"), ["Time to renew, Ana"]);
    assert_eq!(
        header(&message, "Date"),
        ["Fri, 15 Jan 2027 08:00:00 +0000"]
    );
    assert_eq!(
        header(&message, "List-Unsubscribe"),
        ["<https://example-health.org/u/tok123>"]
    );
    assert_eq!(
        header(&message, "List-Unsubscribe-Post"),
        ["List-Unsubscribe=One-Click"]
    );
    assert!(
        message.contains("Content-Type: multipart/alternative;"),
        "{message}"
    );
    let plain = message.find("Content-Type: text/plain").unwrap();
    let html = message.find("Content-Type: text/html").unwrap();
    assert!(
        plain < html,
        "the plain part comes first, the preferred one last"
    );
}

#[test]
fn the_same_step_gets_the_same_message_id_and_bytes() {
    let first = message(&renewal_invite(), BODY, &letter("42:7:invite:1")).unwrap();
    let again = message(&renewal_invite(), BODY, &letter("42:7:invite:1")).unwrap();
    let next_visit = message(&renewal_invite(), BODY, &letter("42:7:invite:2")).unwrap();

    assert_eq!(first.message_id(), again.message_id());
    assert_eq!(first.bytes(), again.bytes());
    assert_ne!(first.message_id(), next_visit.message_id());
}

#[test]
fn treatment_text_emails_are_one_plain_part_without_list_headers() {
    let email = Email {
        name: "visit".into(),
        marketing: false,
        subject: "Your visit".into(),
        body: "templates/visit.txt".into(),
        links: vec![],
    };
    let letter = Letter {
        reply_to: None,
        ..letter("1:1:visit:1")
    };
    let message =
        text(&message(&email, "See you soon, {{ contact.first_name }}.\n", &letter).unwrap());

    assert!(header(&message, "List-Unsubscribe").is_empty());
    assert!(header(&message, "Reply-To").is_empty());
    assert_eq!(
        header(&message, "Content-Type"),
        ["text/plain; charset=utf-8"]
    );
    assert!(
        message.contains("\r\n\r\nSee you soon, Ana.\r\n"),
        "{message:?}"
    );
}

#[test]
fn bad_addresses_name_their_role_only() {
    let email = renewal_invite();
    let to = Letter {
        to: "ana at example.org",
        ..letter("k")
    };
    assert_eq!(
        message(&email, BODY, &to).unwrap_err(),
        ComposeError::BadAddress { role: "to" }
    );
    let from = Letter {
        from: "Member Services",
        ..letter("k")
    };
    assert_eq!(
        message(&email, BODY, &from).unwrap_err(),
        ComposeError::BadAddress { role: "from" }
    );
    let shown = ComposeError::BadAddress { role: "to" }.to_string();
    assert!(!shown.contains("ana"), "{shown}");
}

#[test]
fn debug_output_shows_no_content() {
    let outgoing = message(&renewal_invite(), BODY, &letter("42:7:invite:1")).unwrap();
    let shown = format!("{outgoing:?}");
    assert!(
        !shown.contains("ana@example.org") && !shown.contains("Ana"),
        "{shown}"
    );
}
