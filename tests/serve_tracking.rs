//! Tracked links, the open pixel and one-click unsubscribe end to end on
//! 127.0.0.1: the real `journey serve` with `[tracking]` and `[dkim]`, a
//! real SMTP server (`scripts/smtp-sink/sink.py`), mail read back from its
//! Maildir and followed over HTTP as mail readers, browsers and scanners
//! would.
//!
//! The story: five consenting members each get the `offer` email, signed
//! (checked by dkimpy, `scripts/dkim-verify/verify.py`) and carrying
//! tracked links, the pixel and `List-Unsubscribe`. Ana opens it and
//! clicks the portal link in a browser: her run takes the `human click`
//! arm. A scanner's user agent (Bo), a burst across both links (Cy) and a
//! `HEAD` (Di) are marked automated and take the any-click arm only. Ed
//! unsubscribes with the RFC 8058 POST (a GET only shows the page), and the
//! newsletter he then asks for is suppressed while Ana's goes out. Forged,
//! altered, truncated, expired, another contact's and wrong-route tokens
//! all get the same answer and record nothing. The report counts people
//! and machines apart; the server's log holds no token and no contact's
//! values.

mod serve_support;

#[path = "../runtime/tests/fixtures/tracking/mail_text.rs"]
mod mail_text;

use journey_runtime::store::sqlite::SqliteStore;
use journey_runtime::tracking::engagement;
use journey_runtime::tracking::token::{self, Claims, Purpose, Secret};
use mail_text::{decode_qp, urls};
use serde_json::json;
use serve_support::{eventually, Answer, Project, Server, Sink};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const SECRET_ENV: &str = "JOURNEY_TEST_TRACKING_SECRET";
const SECRET: &str = "a tracking secret for this test only, longer than 32 bytes";
const SAFARI: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 \
    (KHTML, like Gecko) Version/17.4 Safari/605.1.15";
const PORTAL: &str = "https://portal.example-health.org/offers";
const NAMES: [&str; 5] = ["ana", "bo", "cy", "di", "ed"];

/// The project of runtime/tests/tracking.rs, which tests the same functions
/// without HTTP.
const SOURCE: &str = include_str!("../runtime/tests/fixtures/tracking/offers.journey");

const BODY: &str = include_str!("../runtime/tests/fixtures/tracking/offer.html");

/// One delivered message, decoded enough to follow.
struct Mail {
    raw: String,
    text: String,
}

impl Mail {
    fn new(raw: String) -> Mail {
        let text = decode_qp(&raw.replace("\r\n", "\n"));
        Mail { raw, text }
    }

    fn to(&self) -> &str {
        let line = self.header("To");
        NAMES
            .iter()
            .find(|name| line.contains(&format!("{name}@example.org")))
            .expect("a member's address")
    }

    fn header(&self, name: &str) -> String {
        mail_text::header(&self.raw, name)
    }

    /// The URLs of `route` (`t/c`, `t/o`, `u`) in the body, each once.
    fn urls(&self, base: &str, route: &str) -> Vec<String> {
        urls(&self.text, &format!("{base}/{route}/"))
    }
}

fn path_of(url: &str, base: &str) -> String {
    url.strip_prefix(base).unwrap().to_string()
}

fn token_of(url: &str) -> String {
    url.rsplit('/').next().unwrap().to_string()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port()
}

fn get(server: &Server, path: &str, user_agent: Option<&str>) -> Answer {
    let headers: Vec<String> = user_agent
        .map(|agent| format!("User-Agent: {agent}"))
        .into_iter()
        .collect();
    server.raw("GET", path, &headers, b"")
}

fn one_click(server: &Server, path: &str) -> Answer {
    let headers = ["Content-Type: application/x-www-form-urlencoded".to_string()];
    server.raw("POST", path, &headers, b"List-Unsubscribe=One-Click")
}

/// The project, its members imported with consent, and an RSA key for
/// DKIM; the DNS record that publishes the key is returned.
fn project(smtp: u16, base: &str) -> (Project, String) {
    let toml = format!(
        "[project]\ntimezone = \"UTC\"\n\n\
         [smtp]\nhost = \"127.0.0.1\"\nport = {smtp}\ntls = \"none\"\n\n\
         [tracking]\nbase_url = \"{base}\"\nsecret_env = \"{SECRET_ENV}\"\n\
         unsubscribe_mailto = \"unsubscribe@example-health.org\"\n\
         automated_window_seconds = 1\n\n\
         [dkim]\ndomain = \"example-health.org\"\nselector = \"journey\"\n\
         private_key_file = \"dkim.pem\"\n"
    );
    let mut csv = "id,email,first_name,marketing_consent,lists\n".to_string();
    for name in NAMES {
        csv.push_str(&format!("{name},{name}@example.org,{name},yes,members\n"));
    }
    let project = Project::new(&[
        ("offers.journey", SOURCE),
        ("offer.html", BODY),
        ("journey.toml", &toml),
        ("contacts.csv", &csv),
    ]);
    let openssl = |args: &[&str]| {
        let output = Command::new("openssl")
            .args(args)
            .current_dir(project.root())
            .output()
            .expect("openssl runs");
        assert!(output.status.success(), "openssl {args:?}");
        output.stdout
    };
    openssl(&["genrsa", "-traditional", "-out", "dkim.pem", "2048"]);
    // A PEM body is the base64 of the DER key, as a DNS record has it.
    let pem = String::from_utf8(openssl(&["rsa", "-in", "dkim.pem", "-pubout"])).unwrap();
    let key: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let record = format!("journey._domainkey.example-health.org=v=DKIM1; k=rsa; p={key}");

    project.deploy();
    project.import("contacts.csv");
    (project, record)
}

fn verify_dkim(project: &Project, mails: &[Mail], record: &str) {
    let python = serve_support::repository().join("target/dkim-verify-venv/bin/python");
    assert!(
        python.exists(),
        "run scripts/dkim-verify/install.sh (scripts/test.sh does)"
    );
    let mut command = Command::new(python);
    command
        .arg(serve_support::repository().join("scripts/dkim-verify/verify.py"))
        .args(["--record", record]);
    for (index, mail) in mails.iter().enumerate() {
        let path = project.root().join(format!("received-{index}.eml"));
        std::fs::write(&path, &mail.raw).unwrap();
        command.arg(path);
    }
    let output = command.output().unwrap();
    let lines = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "DKIM: {lines}");
    assert_eq!(lines.matches("PASS ").count(), mails.len(), "{lines}");
}

fn hits(db: &Path) -> i64 {
    let store = SqliteStore::open(db).unwrap();
    store
        .connection()
        .query_row("SELECT count(*) FROM tracking_hits", [], |r| r.get(0))
        .unwrap()
}

fn members(db: &Path, segment: &str) -> Vec<String> {
    let store = SqliteStore::open(db).unwrap();
    let mut names: Vec<String> = store
        .segment_members(segment)
        .unwrap()
        .into_iter()
        .map(|id| store.contact(id).unwrap().unwrap().external_id)
        .collect();
    names.sort();
    names
}

#[test]
fn tracked_mail_followed_by_people_scanners_and_forgers() {
    let sink = Sink::start();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let (project, record) = project(sink.port, &base);
    let db = project.db();
    let listen = format!("127.0.0.1:{port}");
    let server = Server::start_with(&project, "info", &listen, &[(SECRET_ENV, SECRET)]);

    // ----------------------------------------------- the delivered mail --
    let raw = eventually(|| {
        let messages = sink.messages();
        (messages.len() == NAMES.len()).then_some(messages)
    })
    .unwrap_or_else(|| panic!("five offers; the server's log:\n{}", server.log()));
    let mails: Vec<Mail> = raw.into_iter().map(Mail::new).collect();
    verify_dkim(&project, &mails, &record);
    let mail = |name: &str| mails.iter().find(|m| m.to() == name).unwrap();
    for mail in &mails {
        let links = mail.urls(&base, "t/c");
        assert_eq!(links.len(), 2, "{}", mail.text);
        assert_eq!(mail.urls(&base, "t/o").len(), 1, "the pixel");
        let unsubscribe = mail.urls(&base, "u");
        assert_eq!(
            mail.header("List-Unsubscribe"),
            format!(
                "<{}>, <mailto:unsubscribe@example-health.org?subject=unsubscribe>",
                unsubscribe[0]
            )
        );
        assert_eq!(
            mail.header("List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click"
        );
        // The path holds the token only: no address, no contact id. (The
        // names are two or three letters, which a 48-character base64
        // token holds by chance now and then, so they are not searched.)
        for url in links.iter().chain(&unsubscribe) {
            let path = url.strip_prefix(&base).unwrap_or(url);
            assert!(
                !path.contains('@') && !path.contains("%40") && !path.contains("example.org"),
                "{url}"
            );
            let token = path.rsplit('/').next().unwrap();
            assert_eq!(token.len(), 48, "{url}");
        }
        assert!(
            !mail.text.contains(PORTAL),
            "the declared URL is not in the mail"
        );
    }
    // Hits within a second of sending count as automated: wait it out.
    std::thread::sleep(Duration::from_millis(1_500));

    // ------------------------------------------------------ people and bots --
    let ana = mail("ana");
    let pixel = get(
        &server,
        &path_of(&ana.urls(&base, "t/o")[0], &base),
        Some(SAFARI),
    );
    assert_eq!(pixel.status, 200);
    assert_eq!(pixel.header("content-type"), Some("image/gif"));
    assert!(pixel.text.starts_with("GIF89a"));
    let click = get(
        &server,
        &path_of(&ana.urls(&base, "t/c")[0], &base),
        Some(SAFARI),
    );
    assert_eq!(click.status, 302, "{}", click.text);
    assert_eq!(click.header("location"), Some(PORTAL));
    assert_eq!(click.header("cache-control"), Some("no-store, private"));

    let bo = mail("bo").urls(&base, "t/c");
    let scanner = get(
        &server,
        &path_of(&bo[0], &base),
        Some("Mimecast URL scanner"),
    );
    assert_eq!(scanner.status, 302, "scanners are redirected too");

    let cy = mail("cy").urls(&base, "t/c");
    for url in [&cy[1], &cy[0]] {
        assert_eq!(get(&server, &path_of(url, &base), Some(SAFARI)).status, 302);
    }

    let di = mail("di").urls(&base, "t/c");
    let headers = [format!("User-Agent: {SAFARI}")];
    let head = server.raw("HEAD", &path_of(&di[0], &base), &headers, b"");
    assert_eq!(head.status, 302);
    assert_eq!(head.header("location"), Some(PORTAL));

    // --------------------------------------------------------- unsubscribe --
    let ed_unsubscribe = path_of(&mail("ed").urls(&base, "u")[0], &base);
    let page = get(&server, &ed_unsubscribe, Some(SAFARI));
    assert_eq!(page.status, 200);
    assert!(page.text.contains("<form method=\"post\""), "{}", page.text);
    let store = SqliteStore::open(&db).unwrap();
    let ed = store.contact_id("ed").unwrap().unwrap();
    assert_eq!(
        store.suppression(ed).unwrap(),
        None,
        "a GET changes nothing"
    );
    let done = one_click(&server, &ed_unsubscribe);
    assert_eq!(done.status, 200);
    assert!(done.text.contains("You are unsubscribed"));
    assert_eq!(
        store.suppression(ed).unwrap().as_deref(),
        Some("unsubscribed")
    );

    // ------------------------------------------------------ bad tokens --
    let recorded = hits(&db);
    let good = token_of(&ana.urls(&base, "t/c")[0]);
    let secret = Secret::new(SECRET.as_bytes()).unwrap();
    let (mine, _) = engagement::resolve(&store, &secret, &good, Purpose::Click, 0)
        .unwrap()
        .expect("Ana's token is good");
    let bos = engagement::resolve(&store, &secret, &token_of(&bo[0]), Purpose::Click, 0)
        .unwrap()
        .unwrap()
        .0;
    let claims = |message: i64, expires: i64| Claims {
        purpose: Purpose::Click,
        message,
        link: 0,
        expires,
    };
    let mut altered: Vec<char> = good.chars().collect();
    altered[30] = if altered[30] == 'x' { 'y' } else { 'x' };
    let bad = [
        "A".repeat(48),
        good[..40].to_string(),
        format!("{good}AAAA"),
        altered.into_iter().collect(),
        token::issue(&secret, &claims(mine.outbox, 1_000_000_000), &mine.key),
        token::issue(&secret, &claims(bos.outbox, i64::MAX), &mine.key),
        "..%2f..%2fetc".to_string(),
        // Not UTF-8 once decoded: still the same answers.
        "%ff".to_string(),
        format!("{}%C3%28", &good[..20]),
    ];
    let baseline = get(&server, &format!("/t/c/{}", bad[0]), Some(SAFARI));
    assert_eq!(baseline.status, 404);
    for token in &bad {
        for path in [format!("/t/c/{token}"), format!("/u/{token}")] {
            let answer = get(&server, &path, Some(SAFARI));
            assert_eq!(
                (answer.status, &answer.text),
                (404, &baseline.text),
                "{path}"
            );
        }
        let post = one_click(&server, &format!("/u/{token}"));
        assert_eq!((post.status, &post.text), (404, &baseline.text));
        let pixel_bad = get(&server, &format!("/t/o/{token}"), Some(SAFARI));
        assert_eq!((pixel_bad.status, &pixel_bad.text), (200, &pixel.text));
    }
    // Good tokens on the wrong route: a click token to unsubscribe, an
    // unsubscribe token as a link.
    let wrong = [
        format!("/u/{good}"),
        format!("/t/c/{}", token_of(&ana.urls(&base, "u")[0])),
    ];
    for path in &wrong {
        let answer = get(&server, path, Some(SAFARI));
        assert_eq!(
            (answer.status, &answer.text),
            (404, &baseline.text),
            "{path}"
        );
    }
    let post = one_click(&server, &wrong[0]);
    assert_eq!((post.status, &post.text), (404, &baseline.text));
    // A method a tracking route does not take: 405, with a page that says
    // so and the methods it takes, never an empty body.
    for (method, path, allowed) in [
        ("PUT", format!("/t/o/{good}"), "GET,HEAD"),
        ("DELETE", format!("/t/c/{good}"), "GET,HEAD"),
        ("PATCH", "/u/%ff".to_string(), "GET,HEAD,POST"),
    ] {
        let answer = server.raw(method, &path, &[], b"");
        assert_eq!(answer.status, 405, "{method} {path}");
        assert!(
            answer.text.contains("<h1>"),
            "{method} {path}: {}",
            answer.text
        );
        assert_eq!(
            answer.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        let allow = answer.header("allow").unwrap_or_default().replace(' ', "");
        assert_eq!(allow, allowed, "{method} {path}");
    }
    assert_eq!(hits(&db), recorded, "bad tokens record nothing");
    for name in ["ana", "bo", "cy", "di"] {
        let id = store.contact_id(name).unwrap().unwrap();
        assert_eq!(
            store.suppression(id).unwrap(),
            None,
            "{name} is still subscribed"
        );
    }

    // --------------------------------------------- the arms the runs took --
    let settled = eventually(|| {
        let reached = members(&db, "reached");
        (reached.len() == 3 && !members(&db, "engaged").is_empty()).then_some(reached)
    });
    assert_eq!(
        settled,
        Some(vec!["bo".to_string(), "cy".into(), "di".into()]),
        "log:\n{}",
        server.log()
    );
    assert_eq!(members(&db, "engaged"), ["ana"]);

    // ------------------------------------ the newsletter after unsubscribe --
    let write = project.token("write", "crm");
    for name in ["ana", "ed"] {
        let event = json!({"external_id": name, "type": "event", "name": "newsletter_requested"});
        let answer = server.call("POST", "/v1/events", Some(&write), Some(&event));
        assert!(answer.status < 300, "{}", answer.text);
    }
    let newsletters = eventually(|| {
        let outbox = store.contact_outbox(ed).unwrap();
        let ana = store.contact_id("ana").unwrap().unwrap();
        let sent = store.contact_outbox(ana).unwrap();
        let settled = outbox.len() == 2 && outbox[1].status != "queued";
        (settled && sent.len() == 2 && sent[1].status == "sent").then_some(outbox)
    })
    .expect("both newsletters settled");
    assert_eq!(newsletters[1].status, "suppressed");
    assert_eq!(
        newsletters[1].reason.as_deref(),
        Some("suppressed: unsubscribed")
    );
    let to_ed = sink
        .messages()
        .iter()
        .filter(|m| m.contains("ed@example.org"))
        .count();
    assert_eq!(to_ed, 1, "Ed got the offer only");

    // ------------------------------------------------------------ report --
    let read = project.token("read", "reports");
    let report = server.call("GET", "/v1/journeys/offers", Some(&read), None);
    assert_eq!(report.status, 200, "{}", report.text);
    let send = report.json()["journeys"][0]["steps"][0]["send"].clone();
    assert_eq!(send["opened"], json!(1));
    assert_eq!(send["clicked"], json!({"portal": 1, "webinar": 0}));
    assert_eq!(
        send["clicked_automated"],
        json!({"portal": 3, "webinar": 1})
    );

    // ------------------------------------------------------------- logs --
    let log = server.log();
    for mail in &mails {
        for url in mail.urls(&base, "t/c").iter().chain(&mail.urls(&base, "u")) {
            assert!(!log.contains(&token_of(url)), "a token in the log");
        }
    }
    for name in NAMES {
        assert!(
            !log.contains(&format!("{name}@example.org")),
            "an address in the log"
        );
    }
    assert!(log.contains("contact_unsubscribed"), "{log}");
}
