//! Every diagnostic of the semantic checker, as the author sees it.
//!
//! Each case adds one small file to a clean base project (the base itself
//! checks without a single warning). The test asserts that the case
//! produces exactly the expected diagnostic, with the expected text under
//! its primary label, and snapshots the case's source with the rendered
//! message so the wording can be reviewed on its own.

use journey_compiler::check::config::ProjectConfig;
use journey_compiler::check::TemplateSource;
use journey_compiler::diagnostic::Diagnostic;
use journey_compiler::render::{render_to_string, Format};
use journey_compiler::source::Sources;
use journey_compiler::{analyze_project, Analysis};

const BASE: &str = r#"
contact {
  email: email
  first_name: text
  plan: text?
  renewal_due: date
  next_visit: datetime? phi
  diagnosis: text phi
  timezone: timezone = "America/Chicago"
  enrolled: bool = false
}
list members "Members"
segment engaged "Engaged"
event portal_login
event form_submitted { form: text }
email welcome {
  kind treatment
  subject "Welcome, {{ contact.first_name }}"
  body "welcome.html"
  link portal "https://portal.example.org"
}
journey base {
  from "Care Team <care@example.org>"
  enter on list members
  send welcome
  wait for click welcome.portal -> done,
           event portal_login,
           event form_submitted where event.form == "renewal"
  timeout 3 days
  add to engaged
  done: end
}
"#;

/// Email bodies by path; anything else does not exist.
struct Bodies;

impl TemplateSource for Bodies {
    fn read(&self, _journey_file: &str, body: &str) -> std::io::Result<String> {
        let text = match body {
            "welcome.html" => "<p>Hi {{ contact.first_name }}, {{ link.portal }}</p>",
            "plain.html" => "<p>Hello {{ contact.first_name }}</p>",
            "offer.html" => "<p>An offer. {{ unsubscribe_url }}</p>",
            "offer-visit.html" => {
                "<p>Book {{ contact.next_visit | default(\"soon\") }}. {{ unsubscribe_url }}</p>"
            }
            "no-unsubscribe.html" => "<p>An offer you cannot refuse.</p>",
            "visit.html" => "<p>See you on {{ contact.next_visit | default(\"soon\") }}</p>",
            "plan.html" => "<p>Your plan: {{ contact.plan }}</p>",
            "typo.html" => "<p>Hi {{ contact.frist_name }}</p>",
            "filter.html" => "<p>{{ contact.renewal_due | upper }}</p>",
            "broken.html" => "<p>{% if contact.enrolled %}open block</p>",
            "other.html" => "<p>{{ journey.name }}</p>",
            _ => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no such file",
                ))
            }
        };
        Ok(text.to_string())
    }
}

fn analyze(case: &str) -> (Sources, Analysis) {
    let mut sources = Sources::new();
    sources.add("base.journey", BASE);
    sources.add("case.journey", case);
    let analysis = analyze_project(&sources, &ProjectConfig::default(), &Bodies);
    (sources, analysis)
}

/// (code, text under the primary label) of every diagnostic.
fn found(sources: &Sources, diagnostics: &[Diagnostic]) -> Vec<(String, String)> {
    diagnostics
        .iter()
        .map(|d| {
            let text = &sources.get(d.primary.file).text;
            (d.code.to_string(), d.primary.span.text(text).to_string())
        })
        .collect()
}

fn report(case: &str, sources: &Sources, diagnostics: &[Diagnostic]) -> String {
    let rendered = render_to_string(Format::Human { color: false }, sources, diagnostics);
    let mut out = String::from("case.journey:\n");
    for (i, line) in case.lines().enumerate() {
        out += format!("{:>3} | {line}", i + 1).trim_end();
        out.push('\n');
    }
    out += "\ndiagnostics:\n";
    for line in rendered.lines() {
        out += line.trim_end();
        out.push('\n');
    }
    out
}

macro_rules! cases {
    ($($name:ident: $code:literal at $($under:literal)&+ in $source:expr;)*) => {$(
        #[test]
        fn $name() {
            let (sources, analysis) = analyze($source);
            let expected = vec![$(($code.to_string(), $under.to_string())),+];
            assert_eq!(found(&sources, &analysis.diagnostics), expected);
            insta::assert_snapshot!(report($source, &sources, &analysis.diagnostics));
        }
    )*};
}

#[test]
fn the_base_project_is_clean() {
    let (sources, analysis) = analyze("");
    assert_eq!(found(&sources, &analysis.diagnostics), vec![]);
    assert!(analysis.program.is_some());
}

#[test]
fn durations_up_to_the_whole_calendar_are_accepted() {
    for wait in [
        "3652059 days",
        "521722 weeks 5 days",
        "119987 months",
        "315537897600 seconds",
    ] {
        let source = format!("journey j {{\n  enter on list members\n  wait {wait}\n  end\n}}\n");
        let (sources, analysis) = analyze(&source);
        assert_eq!(found(&sources, &analysis.diagnostics), vec![], "{wait}");
    }
}

#[test]
fn a_number_too_large_for_a_double_is_out_of_range() {
    let digits = "9".repeat(400);
    let source = format!("journey j {{\n  enter when {digits} > contact.plan_size\n  end\n}}\n");
    let (sources, analysis) = analyze(&source);
    let codes: Vec<_> = found(&sources, &analysis.diagnostics);
    assert!(
        codes.contains(&("number-out-of-range".to_string(), digits.clone())),
        "{codes:?}"
    );
}

/// A journey around `steps`, entered from the base list.
macro_rules! journey {
    ($steps:literal) => {
        concat!(
            "journey j {\n  enter on list members\n  from \"c@example.org\"\n",
            $steps,
            "}\n"
        )
    };
}

cases! {
    // Names.
    duplicate_journey: "duplicate-name" at "base" in "journey base {\n  enter on list \
        members\n  end\n}\n";
    duplicate_label: "duplicate-name" at "a" in journey!("  a: send welcome\n  a: end\n");
    unknown_email: "unknown-email" at "welcom" in journey!("  send welcom\n");
    unknown_step: "unknown-step" at "dne" in journey!("  send welcome\n  goto dne\n  done: end\n");
    unknown_segment: "unknown-segment" at "engagd" in journey!("  add to engagd\n");
    unknown_list: "unknown-list" at "member" in "journey j {\n  enter on list member\n  end\n}\n";
    unknown_event: "unknown-event" at "portal_logn" in
        "journey j {\n  enter on event portal_logn\n  end\n}\n";
    unknown_journey: "unknown-journey" at "bse" in journey!("  goto journey bse\n");
    unknown_field: "unknown-field" at "enroled" in
        "journey j {\n  enter when contact.enroled\n  end\n}\n";
    unknown_link_in_wait: "unknown-link" at "webinar" in
        journey!("  send welcome\n  wait for click welcome.webinar timeout 1 day\n");
    unknown_event_field: "unknown-event-field" at "from" in
        "journey j {\n  enter on event form_submitted where event.from == \"x\"\n  end\n}\n";
    undeclared_event_field: "unknown-event-field" at "score" in
        "journey j {\n  enter on event form_submitted where event.score > 3\n  end\n}\n";
    event_field_of_an_event_without_fields: "unknown-event-field" at "score" in
        "journey j {\n  enter on event portal_login where event.score > 3\n  end\n}\n";
    event_field_outside_event: "event-field-outside-event" at "event.form" in
        "journey j {\n  enter when event.form == \"x\"\n  end\n}\n";

    // Types and literals.
    date_compared_with_text: "type-mismatch" at "\"2026-01-01\"" in
        "journey j {\n  enter when contact.renewal_due == \"2026-01-01\"\n  end\n}\n";
    condition_not_bool: "type-mismatch" at "contact.first_name" in
        "journey j {\n  enter when contact.first_name\n  end\n}\n";
    text_ordered: "type-mismatch" at "contact.first_name < \"m\"" in
        "journey j {\n  enter when contact.first_name < \"m\"\n  end\n}\n";
    bad_arithmetic: "type-mismatch" at "contact.first_name + 3 days" in
        "journey j {\n  enter when contact.first_name + 3 days == now\n  end\n}\n";
    relative_wait_on_text: "type-mismatch" at "contact.first_name" in
        journey!("  wait until contact.first_name - 1 day at 09:00\n");
    optional_unguarded: "optional-unguarded" at "contact.plan" in
        "journey j {\n  enter when contact.plan == \"gold\"\n  end\n}\n";
    optional_wait_without_missing_arm: "optional-unguarded" at "contact.next_visit" in
        journey!("  wait until contact.next_visit - 1 day at 09:00\n");
    invalid_date: "invalid-date" at "2026-02-30" in
        "journey j {\n  enter when contact.renewal_due == 2026-02-30\n  end\n}\n";
    year_zero_date: "invalid-date" at "0000-01-01" in
        "journey j {\n  enter when contact.renewal_due == 0000-01-01\n  end\n}\n";
    invalid_time: "invalid-time" at "25:00" in journey!("  wait until weekdays 09:00-25:00\n");
    invalid_instant: "invalid-instant" at "2026-13-01T09:00:00Z" in
        journey!("  wait until 2026-13-01T09:00:00Z\n");
    huge_wait: "number-out-of-range" at "99999999999999999999999 days" in
        journey!("  wait 99999999999999999999999 days\n  send welcome\n");
    u64_max_plus_one_seconds: "number-out-of-range" at "18446744073709551616 seconds" in
        journey!("  wait 18446744073709551616 seconds\n  send welcome\n");
    wait_past_the_calendar: "number-out-of-range" at "3652059 days 1 second" in
        journey!("  wait 3652059 days 1 second\n  send welcome\n");
    months_past_the_calendar: "number-out-of-range" at "200000 months" in
        journey!("  wait 200000 months\n  send welcome\n");
    huge_timeout: "number-out-of-range" at "99999999999 weeks" in
        journey!("  send welcome\n  wait for event portal_login timeout 99999999999 weeks\n");
    huge_reentry: "number-out-of-range" at "9999999999 days" in
        "journey j {\n  enter on list members\n  reentry after 9999999999 days\n  end\n}\n";
    huge_relative_offset: "number-out-of-range" at "99999999999999 days" in
        journey!("  wait until contact.renewal_due - 99999999999999 days at 09:00\n");
    huge_duration_literal: "number-out-of-range" at "99999999999999999999 hours" in
        "journey j {\n  enter when contact.renewal_due + 99999999999999999999 hours > now\n  \
        end\n}\n";
    unknown_zone: "unknown-zone" at "\"America/Chicgo\"" in
        journey!("  wait until 09:00 in \"America/Chicgo\"\n");
    invalid_sender: "invalid-address" at "\"members\"" in
        "journey j {\n  enter on list members\n  from \"members\"\n  end\n}\n";
    duplicate_setting: "duplicate-setting" at "priority low" in
        "journey j {\n  enter on list members\n  priority high\n  priority low\n  end\n}\n";

    missing_sender: "missing-sender" at "j" in "journey j {\n  enter on list members\n  send \
        welcome\n}\n";
    reserved_label: "reserved-label" at "start" in journey!("  start: send welcome\n");
    duplicate_contact_field: "duplicate-name" at "email" in "contact {\n  email: text\n}\n";

    // Emails and templates.
    email_without_body: "missing-setting" at "note" in
        "email note {\n  kind treatment\n  subject \"Hi\"\n}\njourney j {\n  enter on list \
            members\n  from \"c@example.org\"\n  send note\n}\n";
    link_not_a_url: "invalid-link" at "\"portal.example.org\"" in
        "email note {\n  kind treatment\n  subject \"Hi\"\n  body \"welcome.html\"\n  link \
            portal \"portal.example.org\"\n}\njourney j {\n  enter on list members\n  from \
                \"c@example.org\"\n  send note\n}\n";
    link_not_in_body: "link-not-in-body" at "portal" in
        "email note {\n  kind treatment\n  subject \"Hi\"\n  body \"plain.html\"\n  link \
            portal \"https://portal.example.org\"\n}\njourney j {\n  enter on list members\n  \
                from \"c@example.org\"\n  send note\n}\n";
    marketing_without_unsubscribe: "missing-unsubscribe" at "\"no-unsubscribe.html\"" in
        "email offer {\n  kind marketing\n  subject \"Hi\"\n  body \
            \"no-unsubscribe.html\"\n}\njourney j {\n  enter on list members\n  from \
                \"c@example.org\"\n  send offer\n}\n";
    missing_template: "missing-template" at "\"nowhere.html\"" in
        "email note {\n  kind treatment\n  subject \"Hi\"\n  body \"nowhere.html\"\n}\njourney \
            j {\n  enter on list members\n  from \"c@example.org\"\n  send note\n}\n";
    template_syntax: "template-syntax" at "\"broken.html\"" in
        "email note {\n  kind treatment\n  subject \"Hi\"\n  body \"broken.html\"\n}\njourney \
            j {\n  enter on list members\n  from \"c@example.org\"\n  send note\n}\n";
    placeholder_typo: "unknown-field" at "\"typo.html\"" in
        "email note {\n  kind treatment\n  subject \"Hi\"\n  body \"typo.html\"\n}\njourney j \
            {\n  enter on list members\n  from \"c@example.org\"\n  send note\n}\n";
    placeholder_unknown_root: "unknown-placeholder" at "\"other.html\"" in
        "email note {\n  kind treatment\n  subject \"Hi\"\n  body \"other.html\"\n}\njourney j \
            {\n  enter on list members\n  from \"c@example.org\"\n  send note\n}\n";
    placeholder_optional_without_default: "optional-unguarded" at "\"plan.html\"" in
        "email note {\n  kind treatment\n  subject \"Hi\"\n  body \"plan.html\"\n}\njourney j \
            {\n  enter on list members\n  from \"c@example.org\"\n  send note\n}\n";
    placeholder_filter_type: "type-mismatch" at "\"filter.html\"" in
        "email note {\n  kind treatment\n  subject \"Hi\"\n  body \"filter.html\"\n}\njourney \
            j {\n  enter on list members\n  from \"c@example.org\"\n  send note\n}\n";

    // Shapes.
    empty_window: "empty-window" at "17:00-09:00" in journey!("  wait until weekdays \
        17:00-09:00\n");
    month_day_not_in_every_month: "empty-window" at "day 31 of month" in
        journey!("  wait until day 31 of month 09:00\n");
    split_shares: "split-shares" at "split {\n    50% -> a\n    40% -> b\n  }" in
        journey!("  split {\n    50% -> a\n    40% -> b\n  }\n  a: end\n  b: end\n");

    // Flow.
    loop_without_wait: "loop-without-wait" at "a: send welcome" in
        journey!("  a: send welcome\n  b: goto a\n");
    email_never_sent: "email-never-sent" at "click welcome.portal" in
        journey!("  wait for click welcome.portal timeout 1 day\n");

    // Warnings.
    unused_email: "unused-declaration" at "spare" in
        "email spare {\n  kind treatment\n  subject \"Hi\"\n  body \"plain.html\"\n}\n";
    no_entry_trigger: "no-entry-trigger" at "j" in "journey j {\n  from \"c@example.org\"\n  \
        send welcome\n}\n";
    unreachable_step: "unreachable-step" at "send welcome" in journey!("  end\n  send welcome\n");
    revisit_always: "revisit-ends-run" at "a" in
        journey!("  a: send welcome\n  wait 1 day\n  goto a\n");
    revisit_sometimes: "revisit-ends-run" at "wait 1 day" & "timeout 1 day -> a" in
        journey!("  split {\n    50% -> a\n    50% -> b\n  }\n  a: send welcome\n  wait 1 \
            day\n  b: wait for update where contact.enrolled\n  timeout 1 day -> a\n");
    email_maybe_not_sent: "email-maybe-not-sent" at "click welcome.portal" in
        journey!("  branch {\n    when contact.enrolled -> w\n    else -> s\n  }\n  s: send \
            welcome\n  w: wait for click welcome.portal timeout 1 day\n");
    branch_without_else: "branch-without-else" at "branch {\n    when contact.enrolled -> e\n  }" in
        journey!("  branch {\n    when contact.enrolled -> e\n  }\n  send welcome\n  e: end\n");
    constant_condition: "constant-condition" at "true" in "journey j {\n  enter when true\n  \
        end\n}\n";
    never_missing: "constant-condition" at "contact.first_name" in
        "journey j {\n  enter when contact.first_name is set\n  end\n}\n";
    wait_already_passed: "wait-already-passed" at "wait until 2026-03-01 at 09:00" in
        journey!("  wait until 2026-06-01 at 09:00\n  wait until 2026-03-01 at 09:00\n");
    phi_in_subject: "phi-in-subject" at "\"About {{ contact.diagnosis }}\"" in
        "email note {\n  kind treatment\n  subject \"About {{ contact.diagnosis }}\"\n  body \
            \"plain.html\"\n}\njourney j {\n  enter on list members\n  from \
                \"c@example.org\"\n  send note\n}\n";
    phi_in_link: "phi-in-link" at "\"https://example.org/d/{{ contact.diagnosis }}\"" in
        "email note {\n  kind treatment\n  subject \"Hi\"\n  body \"welcome.html\"\n  link \
            portal \"https://example.org/d/{{ contact.diagnosis }}\"\n}\njourney j {\n  enter \
                on list members\n  from \"c@example.org\"\n  send note\n}\n";
    phi_in_marketing: "phi-in-marketing" at "\"offer-visit.html\"" in
        "email offer {\n  kind marketing\n  subject \"A visit\"\n  body \
            \"offer-visit.html\"\n}\njourney j {\n  enter on list members\n  from \
                \"c@example.org\"\n  send offer\n}\n";
    handoff_blocked: "handoff-blocked-by-reentry" at "goto journey k" in
        "journey j {\n  enter on list members\n  reentry always\n  wait 1 day\n  goto journey \
            k\n}\njourney k {\n  enter on segment engaged\n  wait 1 day\n  goto journey \
            j\n}\njourney x {\n  enter on segment engaged\n  reentry always\n}\n";
}

/// Handoffs come back around cycles of any length, a journey may hand
/// contacts to itself, and a one-way handoff into a cycle does not come
/// back.
#[test]
fn handoffs_that_come_back_are_found_around_longer_cycles() {
    let case = "journey j {\n  enter on list members\n  reentry always\n  wait 1 day\n  \
                goto journey k\n}\njourney k {\n  enter on segment engaged\n  reentry always\n  \
                wait 1 day\n  goto journey m\n}\njourney m {\n  enter on segment engaged\n  \
                wait 1 day\n  goto journey j\n}\njourney n {\n  enter on segment engaged\n  \
                wait 1 day\n  goto journey m\n}\njourney p {\n  enter on segment engaged\n  \
                wait 1 day\n  goto journey p\n}\n";
    let (_, analysis) = analyze(case);

    let handoffs: Vec<usize> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.code == "handoff-blocked-by-reentry")
        .map(|d| d.primary.span.start as usize)
        .collect();

    let in_k = case.find("goto journey m").unwrap();
    let in_p = case.find("goto journey p").unwrap();
    assert_eq!(handoffs, [in_k, in_p]);
}

#[test]
fn the_optional_guard_rules_accept_guarded_uses() {
    let case = "journey j {\n  enter when contact.plan is set and contact.plan == \"gold\"\n  \
                exit when contact.plan is missing or contact.plan != \"gold\"\n  \
                wait for update where (contact.plan ?? \"basic\") == \"basic\" timeout 1 day\n  \
                wait until contact.next_visit - 1 day at 09:00 missing -> done\n  \
                done: end\n}\n";
    let (sources, analysis) = analyze(case);
    assert_eq!(found(&sources, &analysis.diagnostics), vec![]);
}

#[test]
fn lint_levels_from_the_project_file_allow_and_deny() {
    use journey_compiler::check::config::parse_config;
    let mut sources = Sources::new();
    sources.add("base.journey", BASE);
    sources.add(
        "case.journey",
        "email spare {\n  kind treatment\n  subject \"Hi\"\n  body \
        \"plain.html\"\n}\njourney j {\n  from \"c@example.org\"\n  send welcome\n}\n",
    );

    let (config, problems) = parse_config(
        journey_compiler::source::FileId(9),
        "[lints]\nunused-declaration = \"allow\"\nno-entry-trigger = \"deny\"\n",
    );
    assert!(problems.is_empty());
    let analysis = analyze_project(&sources, &config, &Bodies);
    let codes: Vec<(&str, bool)> = analysis
        .diagnostics
        .iter()
        .map(|d| (d.code, d.is_error()))
        .collect();
    assert_eq!(codes, vec![("no-entry-trigger", true)]);
}

#[test]
fn a_misspelt_lint_name_in_the_project_file_gets_a_suggestion() {
    use journey_compiler::check::config::parse_config;
    let (_, problems) = parse_config(
        journey_compiler::source::FileId(0),
        "[lints]\nunused-declarations = \"allow\"\n",
    );
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].help.as_deref(),
        Some("did you mean `unused-declaration`?")
    );
}

#[test]
fn mail_needs_an_email_field_of_type_email() {
    let mut sources = Sources::new();
    let project = "contact {\n  email: text\n  first_name: text\n}\nlist l\nemail note {\n  \
        kind treatment\n  \
                   subject \"Hi\"\n  body \"plain.html\"\n}\njourney j {\n  enter on list l\n  \
                   from \"c@example.org\"\n  send note\n}\n";
    sources.add("p.journey", project);
    let analysis = analyze_project(&sources, &ProjectConfig::default(), &Bodies);
    assert_eq!(
        found(&sources, &analysis.diagnostics),
        vec![("missing-email-field".into(), "text".into())]
    );

    let without = project.replace("  email: text\n", "");
    let mut sources = Sources::new();
    sources.add("p.journey", without.as_str());
    let analysis = analyze_project(&sources, &ProjectConfig::default(), &Bodies);
    assert_eq!(
        found(&sources, &analysis.diagnostics),
        vec![("missing-email-field".into(), "note".into())]
    );
}
