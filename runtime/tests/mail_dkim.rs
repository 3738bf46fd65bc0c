//! DKIM signatures checked by an independent verifier: dkimpy (PyPI), run
//! by `scripts/dkim-verify/verify.py`, which is handed the public key
//! record through dkimpy's `dnsfunc` hook instead of DNS.
//!
//! What is checked: RSA and Ed25519 signatures of marketing and treatment
//! emails, HTML and text, pass, with `relaxed/relaxed` and both unsubscribe
//! headers signed; a changed subject, a changed body, an unsubscribe header
//! added to a treatment email, and the wrong public key each fail (so the
//! verifier can fail); key files that cannot be used give errors that name
//! the file or variable and never the key.
//!
//! Needs what `scripts/dkim-verify/install.sh` installs (scripts/test.sh
//! runs it): a venv with dkimpy under `target/dkim-verify-venv`, and
//! openssl for throwaway RSA keys. Without them the tests fail and say so.

use chrono_tz::Tz;
use journey_compiler::check::config::{DkimAlgorithm, DkimKey, DkimSettings};
use journey_runtime::bytecode::Email;
use journey_runtime::mail::{
    compose_signed, ContactValues, DkimSigner, Letter, ListUnsubscribe, Outgoing, TemplateValue,
    Templates, View,
};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

const INSTALL_HINT: &str = "run scripts/dkim-verify/install.sh first (scripts/test.sh does)";
const DOMAIN: &str = "example-health.org";
const SELECTOR: &str = "journey2027";

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn python() -> PathBuf {
    let path = repository().join("target/dkim-verify-venv/bin/python");
    assert!(
        path.exists(),
        "the DKIM verifier's Python is missing at {}: {INSTALL_HINT}",
        path.display()
    );
    path
}

fn record_name() -> String {
    format!("{SELECTOR}._domainkey.{DOMAIN}")
}

/// A key pair made for one test.
struct Key {
    private: String,
    /// The DNS TXT record that publishes the public key.
    record: String,
    algorithm: DkimAlgorithm,
}

fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl ({e}): {INSTALL_HINT}"));
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn rsa_key(dir: &Path) -> Key {
    openssl(dir, &["genrsa", "-traditional", "-out", "dkim.pem", "2048"]);
    let der = openssl(
        dir,
        &["rsa", "-in", "dkim.pem", "-pubout", "-outform", "DER"],
    );
    Key {
        private: fs::read_to_string(dir.join("dkim.pem")).unwrap(),
        record: format!("v=DKIM1; k=rsa; p={}", base64(&der)),
        algorithm: DkimAlgorithm::Rsa,
    }
}

fn ed25519_key() -> Key {
    let output = Command::new(python())
        .arg(repository().join("scripts/dkim-verify/verify.py"))
        .arg("ed25519-key")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    let mut lines = text.lines();
    let (private, public) = (lines.next().unwrap(), lines.next().unwrap());
    Key {
        private: private.to_string(),
        record: format!("v=DKIM1; k=ed25519; p={public}"),
        algorithm: DkimAlgorithm::Ed25519,
    }
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn signer(key: &Key) -> DkimSigner {
    DkimSigner::new(
        DOMAIN,
        SELECTOR,
        &key.private,
        key.algorithm,
        "the test key",
    )
    .unwrap()
}

fn email(name: &str, marketing: bool, body: &str) -> Email {
    Email {
        name: name.into(),
        marketing,
        subject: "Your plan, {{ contact.first_name }}".into(),
        body: body.into(),
        links: vec![("portal".into(), "https://portal.example-health.org/".into())],
    }
}

const HTML: &str = "<p>Hi {{ contact.first_name }},</p>\n\
    <p>   Spaces   and\ttabs   that relaxed canonicalization folds.</p>\n\
    <p><a href=\"{{ link.portal }}\">Renew</a></p>\n\
    <p><a href=\"{{ unsubscribe_url }}\">Unsubscribe</a></p>\n";

const TEXT: &str = "Hi {{ contact.first_name }},\n\nRenew: {{ link.portal }}\n\
    Unsubscribe: {{ unsubscribe_url }}\n";

/// A message for Ana composed and signed by `signer`.
fn signed(email: &Email, body: &str, signer: &DkimSigner, key: &str) -> Outgoing {
    let mut templates = Templates::new();
    templates.add(email, body).unwrap();
    let contact = ContactValues::new(Tz::UTC).with("first_name", TemplateValue::Text("Ana".into()));
    let links = [(
        "portal".to_string(),
        "https://t.example-health.org/t/c/AbC".to_string(),
    )];
    let view = View {
        contact: &contact,
        links: &links,
        unsubscribe_url: Some("https://t.example-health.org/u/XyZ"),
    };
    let mut rendered = templates.render(email, &view).unwrap();
    if email.marketing {
        rendered.list_unsubscribe = Some(ListUnsubscribe {
            one_click: Some("https://t.example-health.org/u/XyZ".into()),
            mailto: Some("mailto:unsubscribe@example-health.org?subject=unsubscribe".into()),
        });
    }
    let letter = Letter {
        from: "Member Services <members@example-health.org>",
        reply_to: Some("help@example-health.org"),
        to: "Ana Diaz <ana@example.org>",
        idempotency_key: key,
        now: 1_800_000_000,
    };
    compose_signed(&rendered, &letter, Some(signer)).unwrap()
}

/// Runs the verifier on `messages` (written to `dir`) with `record`
/// published; its lines, one per message, and whether all passed.
fn verify(dir: &Path, messages: &[(&str, Vec<u8>)], record: &str) -> (Vec<String>, bool) {
    let mut paths = Vec::new();
    for (name, bytes) in messages {
        let path = dir.join(name);
        fs::write(&path, bytes).unwrap();
        paths.push(path);
    }
    let output = Command::new(python())
        .arg(repository().join("scripts/dkim-verify/verify.py"))
        .arg("--record")
        .arg(format!("{}={record}", record_name()))
        .args(&paths)
        .output()
        .unwrap_or_else(|e| panic!("cannot run verify.py ({e}): {INSTALL_HINT}"));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        !stdout.is_empty(),
        "verify.py printed nothing: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = stdout.lines().map(str::to_string).collect();
    (lines, output.status.success())
}

fn replace(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(text.contains(from), "{from:?} is not in the message");
    text.replacen(from, to, 1).into_bytes()
}

#[test]
fn rsa_signatures_of_every_kind_of_email_pass_and_cover_the_unsubscribe_headers() {
    let dir = TempDir::new().unwrap();
    let key = rsa_key(dir.path());
    let signer = signer(&key);
    let messages = [
        (
            "marketing-html.eml",
            signed(
                &email("offer", true, "offer.html"),
                HTML,
                &signer,
                "1:1:offer:1",
            ),
        ),
        (
            "marketing-text.eml",
            signed(
                &email("offer", true, "offer.txt"),
                TEXT,
                &signer,
                "2:1:offer:1",
            ),
        ),
        (
            "treatment-text.eml",
            signed(
                &email("care", false, "care.txt"),
                TEXT,
                &signer,
                "3:1:care:1",
            ),
        ),
    ];
    let bytes: Vec<(&str, Vec<u8>)> = messages
        .iter()
        .map(|(name, message)| (*name, message.bytes().to_vec()))
        .collect();

    let (lines, passed) = verify(dir.path(), &bytes, &key.record);

    assert!(passed, "{lines:#?}");
    assert_eq!(lines.len(), 3);
    for line in &lines {
        assert!(line.starts_with("PASS "), "{line}");
        assert!(
            line.contains(&format!(" d={DOMAIN} s={SELECTOR} c=relaxed/relaxed ")),
            "{line}"
        );
        let signed: Vec<&str> = line.rsplit_once(" h=").unwrap().1.split(':').collect();
        for header in [
            "from",
            "to",
            "subject",
            "date",
            "message-id",
            "list-unsubscribe",
        ] {
            assert!(signed.contains(&header), "{header} not signed: {line}");
        }
        assert!(signed.contains(&"list-unsubscribe-post"), "{line}");
    }
    // Headers as a reader sees them: long ones are folded on the wire.
    let marketing = String::from_utf8(bytes[0].1.clone())
        .unwrap()
        .replace("\r\n ", " ");
    assert!(marketing.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
    assert!(marketing.contains(
        "List-Unsubscribe: <https://t.example-health.org/u/XyZ>, \
         <mailto:unsubscribe@example-health.org?subject=unsubscribe>\r\n"
    ));
}

#[test]
fn changed_subjects_bodies_added_headers_and_wrong_keys_fail() {
    let dir = TempDir::new().unwrap();
    let key = rsa_key(dir.path());
    let signer = signer(&key);
    let marketing = signed(
        &email("offer", true, "offer.txt"),
        TEXT,
        &signer,
        "1:1:offer:1",
    );
    let treatment = signed(
        &email("care", false, "care.txt"),
        TEXT,
        &signer,
        "2:1:care:1",
    );
    let original = marketing.bytes();

    let subject = replace(
        original,
        "Subject: Your plan, Ana",
        "Subject: Your plan, Bob",
    );
    let body = replace(original, "Renew:", "Renew now:");
    let added = replace(
        treatment.bytes(),
        "\r\nDate: ",
        "\r\nList-Unsubscribe: <https://attacker.example/u>\r\nDate: ",
    );
    let (lines, passed) = verify(
        dir.path(),
        &[
            ("subject.eml", subject),
            ("body.eml", body),
            ("added.eml", added),
        ],
        &key.record,
    );
    assert!(!passed);
    assert_eq!(lines.len(), 3);
    assert!(lines.iter().all(|l| l.starts_with("FAIL ")), "{lines:#?}");

    let other_dir = TempDir::new().unwrap();
    let other = rsa_key(other_dir.path());
    let (lines, passed) = verify(
        dir.path(),
        &[("intact.eml", original.to_vec())],
        &other.record,
    );
    assert!(!passed && lines[0].starts_with("FAIL "), "{lines:?}");

    let (lines, passed) = verify(
        dir.path(),
        &[("intact.eml", original.to_vec())],
        &key.record,
    );
    assert!(passed, "the untouched message passes: {lines:?}");
}

#[test]
fn ed25519_signatures_pass() {
    let dir = TempDir::new().unwrap();
    let key = ed25519_key();
    let message = signed(
        &email("offer", true, "offer.html"),
        HTML,
        &signer(&key),
        "1:1:offer:1",
    );
    let (lines, passed) = verify(
        dir.path(),
        &[("ed25519.eml", message.bytes().to_vec())],
        &key.record,
    );
    assert!(passed, "{lines:?}");
    assert!(lines[0].contains("c=relaxed/relaxed"), "{lines:?}");
}

#[test]
fn keys_that_cannot_sign_are_named_never_shown() {
    let dir = TempDir::new().unwrap();
    let key = rsa_key(dir.path());
    let pkcs8 = openssl(dir.path(), &["pkey", "-in", "dkim.pem"]);
    fs::write(dir.path().join("pkcs8.pem"), &pkcs8).unwrap();
    let settings = |key: DkimKey| DkimSettings {
        domain: DOMAIN.into(),
        selector: SELECTOR.into(),
        key,
        algorithm: DkimAlgorithm::Rsa,
    };
    let no_env = |_: &str| None;

    let from_file = DkimSigner::from_settings(
        &settings(DkimKey::File("dkim.pem".into())),
        dir.path(),
        no_env,
    );
    assert!(
        from_file.is_ok(),
        "a relative key file is read from the project folder"
    );

    let error = DkimSigner::from_settings(
        &settings(DkimKey::File("pkcs8.pem".into())),
        dir.path(),
        no_env,
    )
    .unwrap_err();
    assert!(
        error.0.contains("pkcs8.pem") && error.0.contains("-traditional"),
        "{error}"
    );
    assert!(
        !error.0.contains("MII"),
        "no key material in the error: {error}"
    );

    let error = DkimSigner::from_settings(
        &settings(DkimKey::File("absent.pem".into())),
        dir.path(),
        no_env,
    )
    .unwrap_err();
    assert!(error.0.contains("absent.pem"), "{error}");

    let error = DkimSigner::from_settings(
        &settings(DkimKey::Env("JOURNEY_TEST_DKIM".into())),
        dir.path(),
        no_env,
    )
    .unwrap_err();
    assert!(
        error.0.contains("`JOURNEY_TEST_DKIM`") && error.0.contains("not set"),
        "{error}"
    );

    let private = key.private.clone();
    let from_env = DkimSigner::from_settings(
        &settings(DkimKey::Env("JOURNEY_TEST_DKIM".into())),
        dir.path(),
        |_| Some(private.clone()),
    );
    assert!(from_env.is_ok());

    let garbage =
        DkimSigner::new(DOMAIN, SELECTOR, "not a key", DkimAlgorithm::Ed25519, "`x`").unwrap_err();
    assert!(
        garbage.0.contains("not an Ed25519 private key"),
        "{garbage}"
    );
}
