//! Scenarios from real bug reports of other journey engines, run end to end:
//! source text, checker, bytecode, VM and simulator on a virtual clock.
//!
//! Each expected instant is written out in UTC and was worked out by hand
//! from the IANA rules (the DST dates of 2026-2027); the time module's own
//! table tests check the same rules against Python's `zoneinfo`.

use journey_compiler::check::config::ProjectConfig;
use journey_compiler::check::TemplateSource;
use journey_compiler::source::Sources;
use journey_runtime::simulate::contacts::{parse_contacts, Layout};
use journey_runtime::simulate::events::parse_events;
use journey_runtime::simulate::explain::Explain;
use journey_runtime::simulate::{report, Moment, Options, Simulation};

/// Every body shows the links its email may declare, and the unsubscribe
/// link, so any email below checks clean.
struct Bodies;

impl TemplateSource for Bodies {
    fn read(&self, _: &str, body: &str) -> std::io::Result<String> {
        Ok(match body {
            "portal.html" => "<p>{{ link.portal }} {{ unsubscribe_url }}</p>",
            _ => "<p>Hello {{ unsubscribe_url }}</p>",
        }
        .to_string())
    }
}

const SCHEMA: &str = "contact {\n  email: email\n  timezone: timezone?\n}\nlist all\n";

struct Run {
    timelines: Vec<(String, Vec<Moment>)>,
    text: String,
}

fn simulate(journeys: &str, zone: Option<&str>, contacts: &str, events: &str, start: &str) -> Run {
    let mut sources = Sources::new();
    sources.add("schema.journey", SCHEMA);
    sources.add("j.journey", journeys);
    let config = ProjectConfig {
        timezone: zone.map(str::to_string),
        ..Default::default()
    };
    let analysis = journey_compiler::analyze_project(&sources, &config, &Bodies);
    let errors: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let checked = analysis.program.expect("a checked program");
    let program = journey_runtime::compile::compile(&checked);

    let contacts = parse_contacts(&program, contacts, &Layout::default()).expect("valid contacts");
    let start = chrono::DateTime::parse_from_rfc3339(start)
        .unwrap()
        .timestamp();
    let scripted = parse_events(&program, &contacts, events, start).expect("valid events");
    let explain = Explain::new(&checked, &sources);
    let options = Options {
        start,
        until: start + 400 * 86_400,
        enter: None,
    };
    let outcome = Simulation::new(&program, &explain, contacts)
        .run(&scripted, &options)
        .expect("the in-memory store works");
    Run {
        text: report::text(&program, &outcome),
        timelines: outcome.contacts,
    }
}

/// The instants (UTC, RFC 3339) at which `contact` was sent anything.
fn sends(run: &Run, contact: &str) -> Vec<String> {
    let (_, moments) = run.timelines.iter().find(|(id, _)| id == contact).unwrap();
    moments
        .iter()
        .filter(|m| m.what.starts_with("sent "))
        .map(|m| format!("{} {}", report::instant(m.at), &m.what[5..]))
        .collect()
}

fn last(run: &Run, contact: &str) -> String {
    let (_, moments) = run.timelines.iter().find(|(id, _)| id == contact).unwrap();
    moments.last().map(|m| m.what.clone()).unwrap_or_default()
}

fn email(name: &str) -> String {
    format!("email {name} {{\n  kind treatment\n  subject \"Hi\"\n  body \"plain.html\"\n}}\n")
}

const NO_EVENTS: &str = "at,contact,kind,name\n";

#[test]
fn a_new_york_contact_gets_one_email_on_each_dst_night() {
    let journeys = email("spring")
        + &email("fall")
        + "journey j {\n  from \"c@example.org\"\n  enter on list all\n  \
           wait until 2027-03-14 at 02:30 in contact.timezone\n  send spring\n  \
           wait until 2027-11-07 at 01:30 in contact.timezone\n  send fall\n}\n";
    let contacts = "id,email,timezone,lists\nny,ny@example.org,America/New_York,all\n";
    let run = simulate(&journeys, None, contacts, NO_EVENTS, "2027-03-13T12:00:00Z");

    // 02:30 does not exist on 14 March: read with the offset before the gap
    // (EST, -05:00), it is 03:30 EDT. 01:30 on 7 November happens twice:
    // the earlier one (EDT, -04:00) is taken.
    assert_eq!(
        sends(&run, "ny"),
        vec!["2027-03-14T07:30:00Z spring", "2027-11-07T05:30:00Z fall"]
    );
}

#[test]
fn a_berlin_contact_waiting_across_the_dst_change_gets_local_time() {
    let journeys = email("morning")
        + "journey j {\n  from \"c@example.org\"\n  enter on list all\n  wait until 09:45\n  \
            send morning\n}\n";
    let contacts = "id,email,timezone,lists\nb,b@example.org,Europe/Berlin,all\n";
    // Saturday 27 March 2027, 20:00 in Berlin (CET, +01:00).
    let run = simulate(&journeys, None, contacts, NO_EVENTS, "2027-03-27T19:00:00Z");

    // Sunday 09:45 is in summer time (CEST, +02:00): 07:45Z, not 08:45Z.
    assert_eq!(sends(&run, "b"), vec!["2027-03-28T07:45:00Z morning"]);
}

#[test]
fn a_tokyo_contact_reaching_a_weekday_window_on_saturday_passes_on_monday() {
    let journeys = email("hours")
        + "journey j {\n  from \"c@example.org\"\n  enter on list all\n  wait until weekdays \
            09:00-17:00\n  send hours\n}\n";
    let contacts = "id,email,timezone,lists\nt,t@example.org,Asia/Tokyo,all\n";
    // Saturday 9 January 2027, 19:00 in Tokyo.
    let run = simulate(&journeys, None, contacts, NO_EVENTS, "2027-01-09T10:00:00Z");

    // Monday 11 January, 09:00 Tokyo (+09:00).
    assert_eq!(sends(&run, "t"), vec!["2027-01-11T00:00:00Z hours"]);
}

#[test]
fn a_click_just_before_reaching_the_wait_takes_the_clicked_arm() {
    let journeys = "email invite {\n  kind treatment\n  subject \"Hi\"\n  body \"portal.html\"\n  \
                    link portal \"https://example.org\"\n}\n"
        .to_string()
        + &email("thanks")
        + &email("nudge")
        + "journey j {\n  from \"c@example.org\"\n  enter on list all\n  send invite\n  wait 1 \
            hour\n  \
           wait for click invite.portal -> thank\n  timeout 1 day -> nudged\n  \
           thank: send thanks\n  end\n  nudged: send nudge\n}\n";
    let contacts = "id,email,lists\nc,c@example.org,all\n";
    let events = "at,contact,kind,name\n2027-01-04T09:59:59Z,c,click,invite.portal\n";
    let run = simulate(&journeys, None, contacts, events, "2027-01-04T09:00:00Z");

    assert_eq!(
        sends(&run, "c"),
        vec!["2027-01-04T09:00:00Z invite", "2027-01-04T10:00:00Z thanks"]
    );
}

#[test]
fn a_ninety_second_timeout_fires_exactly_ninety_seconds_after_entry() {
    let journeys = email("first")
        + &email("tardy")
        + "journey j {\n  from \"c@example.org\"\n  enter on list all\n  send first\n  \
           wait for open first timeout 90 seconds\n  send tardy\n}\n";
    let contacts = "id,email,lists\nc,c@example.org,all\n";
    let run = simulate(&journeys, None, contacts, NO_EVENTS, "2027-01-04T09:00:00Z");

    assert_eq!(
        sends(&run, "c"),
        vec!["2027-01-04T09:00:00Z first", "2027-01-04T09:01:30Z tardy"]
    );
}

#[test]
fn an_open_stamped_at_the_deadline_beats_the_timeout() {
    let journeys = email("first")
        + &email("was_opened")
        + &email("tardy")
        + "journey j {\n  from \"c@example.org\"\n  enter on list all\n  send first\n  \
           wait for open first -> yes\n  timeout 90 seconds -> no\n  \
           yes: send was_opened\n  end\n  no: send tardy\n}\n";
    let contacts = "id,email,lists\nc,c@example.org,all\n";
    let events = "at,contact,kind,name\n2027-01-04T09:01:30Z,c,open,first\n";
    let run = simulate(&journeys, None, contacts, events, "2027-01-04T09:00:00Z");

    assert_eq!(
        sends(&run, "c"),
        vec![
            "2027-01-04T09:00:00Z first",
            "2027-01-04T09:01:30Z was_opened"
        ]
    );
}

#[test]
fn a_reminder_loop_sends_once_and_ends_with_loop_prevention() {
    let journeys = email("reminder")
        + "journey j {\n  from \"c@example.org\"\n  enter on list all\n  remind: send \
            reminder\n  wait 1 day\n  \
           goto remind\n}\n";
    let contacts = "id,email,lists\nc,c@example.org,all\n";
    let run = simulate(&journeys, None, contacts, NO_EVENTS, "2027-01-04T09:00:00Z");

    assert_eq!(sends(&run, "c"), vec!["2027-01-04T09:00:00Z reminder"]);
    assert_eq!(last(&run, "c"), "completed (loop prevented at remind)");
}

#[test]
fn a_contact_without_a_zone_uses_the_journey_zone_then_the_project_zone() {
    let journeys = email("tokyo")
        + &email("berlin")
        + "journey in_tokyo {\n  from \"c@example.org\"\n  enter on list all\n  timezone \
            \"Asia/Tokyo\"\n  \
           wait until 2027-01-05 at 09:00\n  send tokyo\n}\n\
           journey in_project {\n  from \"c@example.org\"\n  enter on list all\n  wait until \
               2027-01-05 at 09:00\n  \
           send berlin\n}\n";
    let contacts =
        "id,email,timezone,lists\nnone,n@example.org,,all\nny,y@example.org,America/New_York,all\n";
    let run = simulate(
        &journeys,
        Some("Europe/Berlin"),
        contacts,
        NO_EVENTS,
        "2027-01-04T00:00:00Z",
    );

    // No zone of its own: the journey's zone (Tokyo, +09:00), else the
    // project's (Berlin, +01:00).
    assert_eq!(
        sends(&run, "none"),
        vec!["2027-01-05T00:00:00Z tokyo", "2027-01-05T08:00:00Z berlin"]
    );
    // A zone of its own wins over both (New York, -05:00).
    assert_eq!(
        sends(&run, "ny"),
        vec!["2027-01-05T14:00:00Z tokyo", "2027-01-05T14:00:00Z berlin"]
    );
}

#[test]
fn the_same_input_gives_the_same_output_byte_for_byte() {
    let journeys = email("a")
        + "journey j {\n  from \"c@example.org\"\n  enter on list all\n  split {\n    50% -> \
            x\n    50% -> y\n  }\n  \
           x: send a\n  end\n  y: wait 2 days\n  send a\n}\n";
    let mut contacts = String::from("id,email,lists\n");
    for i in 0..50 {
        contacts += &format!("c{i},c{i}@example.org,all\n");
    }
    let first = simulate(
        &journeys,
        None,
        &contacts,
        NO_EVENTS,
        "2027-01-04T09:00:00Z",
    );
    let second = simulate(
        &journeys,
        None,
        &contacts,
        NO_EVENTS,
        "2027-01-04T09:00:00Z",
    );
    assert_eq!(first.text, second.text);
    assert!(first.text.contains("split: took share 1 (50%) -> x\n"));
    assert!(first.text.contains("split: took share 2 (50%) -> y\n"));
}

#[test]
fn an_update_ends_a_wait_for_an_update_and_a_segment_change_wakes_another_journey() {
    let journeys = "contact {\n  enrolled: bool = false\n}\nsegment vip\n".to_string()
        + &email("welcome_aboard")
        + &email("vip_perks")
        + "journey signup {\n  from \"c@example.org\"\n  enter on list all\n  \
           wait for update where contact.enrolled -> joined\n  timeout 10 days\n  end\n  \
           joined: send welcome_aboard\n  wait 1 day\n  add to vip\n}\n\
           journey perks {\n  from \"c@example.org\"\n  enter on list all\n  \
           wait for in segment vip -> member\n  timeout 5 days\n  end\n  \
           member: send vip_perks\n}\n";
    let contacts = "id,email,lists\nc,c@example.org,all\n";
    let events = "at,contact,kind,name,data\n2027-01-05T12:00:00Z,c,update,,enrolled=true\n";
    let run = simulate(&journeys, None, contacts, events, "2027-01-04T09:00:00Z");

    assert_eq!(
        sends(&run, "c"),
        vec![
            "2027-01-05T12:00:00Z welcome_aboard",
            "2027-01-06T12:00:00Z vip_perks"
        ]
    );
}

#[test]
fn a_contact_who_moves_waits_in_the_new_zone() {
    let journeys = email("morning")
        + "journey j {\n  from \"c@example.org\"\n  enter on list all\n  wait 2 days\n  \
           wait until 09:00\n  send morning\n}\n";
    let contacts = "id,email,timezone,lists\nm,m@example.org,America/New_York,all\n";
    // The contact moves to Berlin while the first wait runs.
    let events =
        "at,contact,kind,name,data\n2027-01-05T12:00:00Z,m,update,,timezone=Europe/Berlin\n";
    let run = simulate(&journeys, None, contacts, events, "2027-01-04T12:00:00Z");

    // 09:00 in Berlin (+01:00) on 7 January, not 09:00 in New York.
    assert_eq!(sends(&run, "m"), vec!["2027-01-07T08:00:00Z morning"]);
}

#[test]
fn a_birthday_updated_before_it_comes_enters_on_the_new_date_only() {
    let journeys = "contact {\n  birthday: date?\n}\n".to_string()
        + &email("happy_birthday")
        + "journey j {\n  from \"c@example.org\"\n  \
           enter on date contact.birthday yearly at 09:00\n  send happy_birthday\n}\n";
    let contacts = "id,email,birthday\nc,c@example.org,1980-03-01\n";
    let events = "at,contact,kind,name,data\n2027-02-01T00:00:00Z,c,update,,birthday=1980-03-15\n";
    let run = simulate(&journeys, None, contacts, events, "2027-01-04T09:00:00Z");

    assert_eq!(
        sends(&run, "c"),
        vec!["2027-03-15T09:00:00Z happy_birthday"]
    );
}
