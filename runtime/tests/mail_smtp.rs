//! Delivery over SMTP to a real server (aiosmtpd on 127.0.0.1, see
//! `mail_support`): TLS, AUTH, and how each refusal is sorted.

mod mail_support;

use chrono_tz::Tz;
use journey_runtime::bytecode::Email;
use journey_runtime::mail::{
    compose, ContactValues, Letter, Outgoing, SendError, SmtpConfig, SmtpTransport, TemplateValue,
    Templates, TlsMode, Transport, View,
};
use mail_support::{free_port, header, part, Certs, Sink, SinkOptions, SinkTls};

const USER: &str = "journey";
const PASSWORD: &str = "correct horse";

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

/// The renewal invite for `first_name`, to `to`, for step visit `key`.
fn invite(first_name: &str, to: &str, key: &str) -> Outgoing {
    let email = renewal_invite();
    let mut templates = Templates::new();
    templates.add(&email, BODY).unwrap();
    let contact =
        ContactValues::new(Tz::UTC).with("first_name", TemplateValue::Text(first_name.into()));
    let links = [(
        "portal".to_string(),
        "https://portal.example-health.org/renew?c=1&s=2".to_string(),
    )];
    let view = View {
        contact: &contact,
        links: &links,
        unsubscribe_url: Some("https://example-health.org/u/tok123"),
    };
    let rendered = templates.render(&email, &view).unwrap();
    let letter = Letter {
        from: "Member Services <members@example-health.org>",
        reply_to: Some("help@example-health.org"),
        to,
        idempotency_key: key,
        now: 1_800_000_000,
    };
    compose(&rendered, &letter).unwrap()
}

fn config(port: u16, tls: TlsMode, ca: Option<&Certs>) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port: Some(port),
        tls,
        username: Some(USER.into()),
        password_env: None,
        ca_file: ca.map(|certs| certs.ca.clone()),
        timeout_seconds: Some(10),
    }
}

fn transport(config: &SmtpConfig, password: &str) -> SmtpTransport {
    SmtpTransport::with_password(config, Some(password.into())).unwrap()
}

fn starttls_sink<'a>(certs: &'a Certs, reject: &'a [&'a str], defer: &'a [&'a str]) -> Sink {
    Sink::start(&SinkOptions {
        tls: SinkTls::StartTls(certs),
        auth: Some((USER, PASSWORD)),
        reject,
        defer,
    })
}

#[test]
fn starttls_and_auth_deliver_the_message_as_composed() {
    let certs = Certs::make();
    let sink = starttls_sink(&certs, &[], &[]);
    let smtp = transport(
        &config(sink.port, TlsMode::Required, Some(&certs)),
        PASSWORD,
    );
    let message = invite(
        "<script>Ana</script>",
        "Ana Diaz <ana@example.org>",
        "42:7:invite:1",
    );

    smtp.send(&message).unwrap();

    let received = sink.messages();
    assert_eq!(received.len(), 1);
    let mail = &received[0];
    let sent = String::from_utf8(message.bytes().to_vec()).unwrap();
    assert_eq!(
        mail.trim_end(),
        sent.trim_end(),
        "the server got our bytes unchanged"
    );
    assert_eq!(header(mail, "Message-ID"), [message.message_id()]);
    assert_eq!(
        header(mail, "From"),
        ["\"Member Services\" <members@example-health.org>"]
    );
    assert_eq!(header(mail, "Reply-To"), ["help@example-health.org"]);
    assert_eq!(header(mail, "To"), ["\"Ana Diaz\" <ana@example.org>"]);
    assert_eq!(
        header(mail, "Subject"),
        ["Time to renew, <script>Ana</script>"]
    );
    assert_eq!(
        header(mail, "List-Unsubscribe"),
        ["<https://example-health.org/u/tok123>"]
    );
    assert_eq!(
        header(mail, "List-Unsubscribe-Post"),
        ["List-Unsubscribe=One-Click"]
    );
    assert_eq!(
        part(mail, "text/html"),
        "<p>Hi &lt;script&gt;Ana&lt;&#x2f;script&gt;,</p>\r\n\
        <p><a href=\"https://portal.example-health.org/renew?c=1&amp;s=2\">Renew now</a></p>\r\n\
        <p><a href=\"https://example-health.org/u/tok123\">Unsubscribe</a></p>\r\n"
    );
    assert_eq!(
        part(mail, "text/plain"),
        "Hi <script>Ana</script>,\r\n\r\n\
        Renew now (https://portal.example-health.org/renew?c=1&s=2)\r\n\r\n\
        Unsubscribe (https://example-health.org/u/tok123)\r\n"
    );
}

#[test]
fn implicit_tls_delivers_too() {
    let certs = Certs::make();
    let sink = Sink::start(&SinkOptions {
        tls: SinkTls::Implicit(&certs),
        auth: Some((USER, PASSWORD)),
        reject: &[],
        defer: &[],
    });
    let smtp = transport(&config(sink.port, TlsMode::Wrapper, Some(&certs)), PASSWORD);

    smtp.send(&invite("Ana", "ana@example.org", "1:1:invite:1"))
        .unwrap();

    assert_eq!(sink.messages().len(), 1);
}

#[test]
fn a_server_without_starttls_is_refused() {
    let sink = Sink::start(&SinkOptions {
        tls: SinkTls::None,
        auth: Some((USER, PASSWORD)),
        reject: &[],
        defer: &[],
    });
    let smtp = transport(&config(sink.port, TlsMode::Required, None), PASSWORD);

    let error = smtp
        .send(&invite("Ana", "ana@example.org", "1:1:invite:1"))
        .unwrap_err();

    assert_eq!(
        error,
        SendError::Config(
            "the server does not offer STARTTLS, which smtp.tls = \"required\" needs".into()
        )
    );
    assert_eq!(smtp.check(), Err(error));
    assert!(sink.messages().is_empty(), "nothing was sent in clear text");
}

#[test]
fn a_certificate_from_an_untrusted_ca_is_refused() {
    let server_certs = Certs::make();
    let other_ca = Certs::make();
    let sink = starttls_sink(&server_certs, &[], &[]);
    let smtp = transport(
        &config(sink.port, TlsMode::Required, Some(&other_ca)),
        PASSWORD,
    );

    let error = smtp
        .send(&invite("Ana", "ana@example.org", "1:1:invite:1"))
        .unwrap_err();

    let SendError::Config(reason) = &error else {
        panic!("an untrusted certificate is a configuration problem: {error:?}");
    };
    assert!(
        reason.contains("invalid peer certificate: UnknownIssuer"),
        "{reason}"
    );
    assert!(sink.messages().is_empty());
}

#[test]
fn a_wrong_password_is_a_configuration_problem_not_a_bounce() {
    let certs = Certs::make();
    let sink = starttls_sink(&certs, &[], &[]);
    let smtp = transport(&config(sink.port, TlsMode::Required, Some(&certs)), "wrong");

    let error = smtp
        .send(&invite("Ana", "ana@example.org", "1:1:invite:1"))
        .unwrap_err();

    assert_eq!(
        error,
        SendError::Config(
            "the server answered 535 5.7.8 Authentication credentials invalid".into()
        )
    );
    assert!(
        !error.to_string().contains("wrong"),
        "the password never shows"
    );
    assert!(sink.messages().is_empty());
}

#[test]
fn a_rejected_recipient_fails_alone_and_a_deferred_one_is_temporary() {
    let certs = Certs::make();
    let sink = starttls_sink(&certs, &["gone@example.org"], &["busy@example.org"]);
    let smtp = transport(
        &config(sink.port, TlsMode::Required, Some(&certs)),
        PASSWORD,
    );

    let first = smtp.send(&invite("Ana", "ana@example.org", "1:1:invite:1"));
    let rejected = smtp.send(&invite("Gone", "gone@example.org", "2:1:invite:1"));
    let deferred = smtp.send(&invite("Busy", "busy@example.org", "3:1:invite:1"));
    let last = smtp.send(&invite("Bo", "bo@example.org", "4:1:invite:1"));

    assert_eq!(first, Ok(()));
    assert_eq!(
        rejected,
        Err(SendError::Permanent(
            "the server answered 550 5.1.1 Mailbox unavailable".into()
        ))
    );
    assert_eq!(
        deferred,
        Err(SendError::Temporary(
            "the server answered 450 4.2.1 Mailbox busy, try again later".into()
        ))
    );
    assert_eq!(last, Ok(()));
    let received = sink.messages();
    let recipients: Vec<&str> = received.iter().flat_map(|m| header(m, "To")).collect();
    assert_eq!(recipients, ["ana@example.org", "bo@example.org"]);
}

#[test]
fn nobody_listening_is_temporary() {
    let config = SmtpConfig {
        username: None,
        ..config(free_port(), TlsMode::Required, None)
    };
    let smtp = SmtpTransport::with_password(&config, None).unwrap();

    let error = smtp
        .send(&invite("Ana", "ana@example.org", "1:1:invite:1"))
        .unwrap_err();

    assert!(matches!(error, SendError::Temporary(_)), "{error:?}");
}

#[test]
fn the_password_comes_from_the_named_environment_variable() {
    let config = SmtpConfig {
        password_env: Some("JOURNEY_TEST_SMTP_PASSWORD_THAT_IS_NOT_SET".into()),
        ..config(2525, TlsMode::Required, None)
    };

    let error = SmtpTransport::from_config(&config).unwrap_err();

    assert_eq!(
        error.to_string(),
        "the environment variable `JOURNEY_TEST_SMTP_PASSWORD_THAT_IS_NOT_SET` \
        (smtp.password_env) is not set"
    );
}

#[test]
fn an_unreadable_ca_file_is_reported_when_the_transport_is_made() {
    let mut config = config(2525, TlsMode::Required, None);
    config.ca_file = Some("/nonexistent/journey-ca.pem".into());

    let error = SmtpTransport::with_password(&config, Some(PASSWORD.into())).unwrap_err();

    assert!(
        error
            .0
            .starts_with("cannot read smtp.ca_file /nonexistent/journey-ca.pem"),
        "{error}"
    );
}
