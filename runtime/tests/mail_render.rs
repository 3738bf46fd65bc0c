//! Rendering emails: escaping, fallbacks, missing values, dates, and every
//! template of the example projects.

mod support;

use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;
use journey_compiler::check::program::Base;
use journey_runtime::bytecode::Email;
use journey_runtime::mail::{
    compose, Body, ContactValues, Letter, Part, RenderError, TemplateValue, Templates, View,
};
use std::fs;

fn email(name: &str, marketing: bool, subject: &str, body_path: &str) -> Email {
    Email {
        name: name.into(),
        marketing,
        subject: subject.into(),
        body: body_path.into(),
        links: vec![(
            "portal".into(),
            "https://portal.example-health.org/renew".into(),
        )],
    }
}

fn text(value: &str) -> TemplateValue {
    TemplateValue::Text(value.into())
}

fn links() -> Vec<(String, String)> {
    vec![(
        "portal".to_string(),
        "https://t.example-health.org/c/abc?u=1&v=2".to_string(),
    )]
}

fn render(
    email: &Email,
    body: &str,
    contact: &ContactValues,
    unsubscribe_url: Option<&str>,
) -> Result<journey_runtime::mail::Rendered, RenderError> {
    let mut templates = Templates::new();
    templates.add(email, body)?;
    let links = links();
    let view = View {
        contact,
        links: &links,
        unsubscribe_url,
    };
    templates.render(email, &view)
}

#[test]
fn html_bodies_escape_values_and_subjects_do_not() {
    let email = email(
        "invite",
        true,
        "Hi {{ contact.first_name }}",
        "templates/invite.html",
    );
    let body = "<p>Hi {{ contact.first_name }},</p>\n\
        <p><a href=\"{{ link.portal }}\">Renew</a></p>\n\
        <p><a href=\"{{ unsubscribe_url }}\">Unsubscribe</a></p>\n";
    let contact = ContactValues::new(Tz::UTC).with("first_name", text("<script>\"Bo\" & co"));

    let rendered = render(&email, body, &contact, Some("https://x.org/u/1?a=b&c=d")).unwrap();

    assert_eq!(rendered.subject, "Hi <script>\"Bo\" & co");
    let Body::Html { html, text } = &rendered.body else {
        panic!("an .html body renders as HTML");
    };
    assert_eq!(
        html,
        "<p>Hi &lt;script&gt;&quot;Bo&quot; &amp; co,</p>\n\
        <p><a href=\"https://t.example-health.org/c/abc?u=1&amp;v=2\">Renew</a></p>\n\
        <p><a href=\"https://x.org/u/1?a=b&amp;c=d\">Unsubscribe</a></p>\n"
    );
    assert_eq!(
        text,
        "Hi <script>\"Bo\" & co,\n\n\
        Renew (https://t.example-health.org/c/abc?u=1&v=2)\n\n\
        Unsubscribe (https://x.org/u/1?a=b&c=d)\n"
    );
    let unsubscribe = rendered
        .list_unsubscribe
        .expect("a marketing email's header");
    assert_eq!(
        unsubscribe.one_click.as_deref(),
        Some("https://x.org/u/1?a=b&c=d")
    );
    assert_eq!(unsubscribe.mailto, None);
}

#[test]
fn text_bodies_are_not_escaped() {
    let email = email("nudge", false, "Hello", "templates/nudge.txt");
    let body = "Hi {{ contact.first_name }}: {{ link.portal }}\n";
    let contact = ContactValues::new(Tz::UTC).with("first_name", text("<b>Ana</b> & Bo"));

    let rendered = render(&email, body, &contact, None).unwrap();

    assert_eq!(
        rendered.body,
        Body::Text("Hi <b>Ana</b> & Bo: https://t.example-health.org/c/abc?u=1&v=2\n".into())
    );
    assert_eq!(
        rendered.list_unsubscribe, None,
        "treatment emails have no List-Unsubscribe"
    );
}

#[test]
fn default_shows_the_fallback_only_when_the_value_is_missing() {
    let email = email(
        "visit",
        false,
        "Your {{ contact.plan | default(\"Example Health\") }} plan",
        "t.txt",
    );
    let body = "{{ contact.plan | default(\"your\") | upper }} / {% if contact.plan %}set\
        {% else %}unset{% endif %}";

    let without = render(&email, body, &ContactValues::new(Tz::UTC), None).unwrap();
    assert_eq!(without.subject, "Your Example Health plan");
    assert_eq!(without.body, Body::Text("YOUR / unset".into()));

    let with = ContactValues::new(Tz::UTC).with("plan", text("Gold"));
    let rendered = render(&email, body, &with, None).unwrap();
    assert_eq!(rendered.subject, "Your Gold plan");
    assert_eq!(rendered.body, Body::Text("GOLD / set".into()));
}

#[test]
fn a_missing_value_is_an_error_that_names_it_and_no_value() {
    let email = email("welcome", false, "Welcome", "templates/welcome.html");
    let body = "<p>Hi {{ contact.first_name }}</p>\n<p>{{ contact.city }}</p>";
    let contact = ContactValues::new(Tz::UTC).with("city", text("Secret Clinic Town"));

    let error = render(&email, body, &contact, None).unwrap_err();

    assert_eq!(
        error,
        RenderError::Failed {
            email: "welcome".into(),
            part: Part::Body,
            line: Some(1),
            problem: "undefined value".into(),
            missing: vec!["contact.first_name".into()],
        }
    );
    let shown = error.to_string();
    assert_eq!(
        shown,
        "cannot fill in the body of `welcome` line 1: undefined value \
        (no value for `contact.first_name`)"
    );
    assert!(!shown.contains("Secret"), "{shown}");
}

#[test]
fn a_missing_link_or_unsubscribe_url_is_an_error() {
    let treatment = email("t", false, "Hi", "t.txt");
    let error = render(
        &treatment,
        "{{ link.other }}",
        &ContactValues::new(Tz::UTC),
        None,
    );
    assert!(
        matches!(&error, Err(RenderError::Failed { missing, .. }) if missing == &["link.other"]),
        "{error:?}"
    );

    let error = render(
        &treatment,
        "{{ unsubscribe_url }}",
        &ContactValues::new(Tz::UTC),
        None,
    );
    assert!(
        matches!(error, Err(RenderError::Failed { .. })),
        "{error:?}"
    );

    let marketing = email("m", true, "Hi", "m.txt");
    let error = render(&marketing, "no link", &ContactValues::new(Tz::UTC), None).unwrap_err();
    assert_eq!(error, RenderError::NoUnsubscribeUrl { email: "m".into() });
}

#[test]
fn syntax_errors_are_found_when_templates_are_added() {
    let mut templates = Templates::new();
    let broken = email("broken", false, "Hi {{ contact.first_name", "b.txt");
    let error = templates.add(&broken, "fine").unwrap_err();
    assert!(
        matches!(
            &error,
            RenderError::Syntax {
                part: Part::Subject,
                ..
            }
        ),
        "{error:?}"
    );

    let broken_body = email("broken_body", false, "Hi", "b.html");
    let error = templates
        .add(&broken_body, "line one\n{% if %}")
        .unwrap_err();
    assert!(
        matches!(
            &error,
            RenderError::Syntax {
                part: Part::Body,
                line: Some(2),
                ..
            }
        ),
        "{error:?}"
    );

    let never_added = email("never", false, "Hi", "n.txt");
    let view = View {
        contact: &ContactValues::new(Tz::UTC),
        links: &[],
        unsubscribe_url: None,
    };
    let error = templates.render(&never_added, &view).unwrap_err();
    assert_eq!(
        error,
        RenderError::NotAdded {
            email: "never".into()
        }
    );
}

#[test]
fn dates_numbers_and_times_in_the_contacts_zone() {
    let email = email("reminder", false, "Visit", "r.txt");
    let body = "{{ contact.visit_on }} {{ contact.next_visit }} {{ contact.visits }} \
        {{ contact.score }} {{ contact.enrolled }}";
    let at = DateTime::parse_from_rfc3339("2027-01-15T15:00:00Z")
        .unwrap()
        .to_utc();
    let contact = ContactValues::new(Tz::America__Chicago)
        .with(
            "visit_on",
            TemplateValue::Date(NaiveDate::from_ymd_opt(2027, 1, 15).unwrap()),
        )
        .with("next_visit", TemplateValue::DateTime(at))
        .with("visits", TemplateValue::Number(3.0))
        .with("score", TemplateValue::Number(4.5))
        .with("enrolled", TemplateValue::Bool(true));

    let rendered = render(&email, body, &contact, None).unwrap();

    assert_eq!(
        rendered.body,
        Body::Text("2027-01-15 2027-01-15 09:00 3 4.5 true".into())
    );
}

#[test]
fn a_value_with_line_breaks_cannot_split_the_subject() {
    let email = email("s", false, "Hi {{ contact.first_name }}!", "s.txt");
    let contact = ContactValues::new(Tz::UTC).with("first_name", text("Ana\r\nBcc: x@y.org"));
    let rendered = render(&email, "x", &contact, None).unwrap();
    assert_eq!(rendered.subject, "Hi Ana Bcc: x@y.org!");
}

/// Every email of every example project renders for a contact that has
/// every required field and no optional one, and the text version of an
/// HTML body keeps every link.
#[test]
fn every_example_email_renders() {
    let mut rendered_count = 0;
    for (project, program) in support::example_programs() {
        let folder = support::examples_folder().join(&project);
        let mut contact = ContactValues::new(Tz::America__New_York);
        for field in program.fields.iter().filter(|f| !f.optional) {
            if let Some(value) = sample_value(field.ty) {
                contact.set(field.name.clone(), value);
            }
        }

        let mut templates = Templates::new();
        for email in &program.emails {
            let body = fs::read_to_string(folder.join(&email.body)).unwrap();
            templates.add(email, &body).unwrap();
        }
        for email in &program.emails {
            let links: Vec<(String, String)> = email
                .links
                .iter()
                .map(|(name, _)| {
                    (
                        name.clone(),
                        format!("https://t.example.org/{name}?a=1&b=2"),
                    )
                })
                .collect();
            let view = View {
                contact: &contact,
                links: &links,
                unsubscribe_url: Some("https://t.example.org/unsubscribe/tok"),
            };
            let rendered = templates
                .render(email, &view)
                .unwrap_or_else(|e| panic!("{project}: {e}"));

            let shown = match &rendered.body {
                Body::Html { text, .. } | Body::Text(text) => text,
            };
            for (_, url) in &links {
                assert!(
                    shown.contains(url.as_str()),
                    "{project}/{}: {url}",
                    email.name
                );
            }
            let letter = Letter {
                from: "Example Health <care@example-health.org>",
                reply_to: Some("help@example-health.org"),
                to: "ana@example.org",
                idempotency_key: &format!("1:1:{}:1", email.name),
                now: 1_800_000_000,
            };
            compose(&rendered, &letter).unwrap();
            rendered_count += 1;
        }
    }
    assert!(rendered_count >= 30, "only {rendered_count} example emails");
}

fn sample_value(ty: Base) -> Option<TemplateValue> {
    Some(match ty {
        Base::Text => text("Ana"),
        Base::Email => text("ana@example.org"),
        Base::TimeZone => text("America/New_York"),
        Base::Number => TemplateValue::Number(2.0),
        Base::Bool => TemplateValue::Bool(false),
        Base::Date => TemplateValue::Date(NaiveDate::from_ymd_opt(2027, 1, 15).unwrap()),
        Base::DateTime => TemplateValue::DateTime(
            DateTime::parse_from_rfc3339("2027-01-15T14:00:00Z")
                .unwrap()
                .to_utc(),
        ),
        Base::Duration | Base::Time => return None,
    })
}
