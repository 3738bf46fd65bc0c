//! Tracking on a real store, on a virtual clock: the URLs a sent message
//! carries, tokens checked against the store, hits settled as a person's
//! or automated and handed to the engine, and unsubscribes that stop mail
//! already queued. The HTTP routes over the same functions are tested end
//! to end in tests/serve_tracking.rs.

use journey_compiler::check::config::{ProjectConfig, TrackingSettings};
use journey_compiler::check::TemplateSource;
use journey_compiler::source::Sources;
use journey_runtime::engine::delivery::{MailSetup, Postman};
use journey_runtime::engine::Engine;
use journey_runtime::mail::{MemoryTransport, Templates};
use journey_runtime::store::sqlite::{SqliteStore, TrackedMessage};
use journey_runtime::store::{Consent, ContactId, ContactWrite, Happening, HappeningKind};
use journey_runtime::tracking::agents::{self, Sign};
use journey_runtime::tracking::engagement;
use journey_runtime::tracking::token::{self, Claims, Purpose, Secret};
use journey_runtime::tracking::Tracker;
use tempfile::TempDir;

#[path = "fixtures/tracking/mail_text.rs"]
mod mail_text;
use mail_text::{decode_qp, header, urls};

const T0: i64 = 1_800_000_000;
const BASE: &str = "http://127.0.0.1:9";
const SECRET: &str = "a tracking secret of more than thirty-two bytes";
const SAFARI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) \
    AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

/// The project both tracking tests run (this one and tests/serve_tracking.rs).
const SOURCE: &str = include_str!("fixtures/tracking/offers.journey");

const BODY: &str = include_str!("fixtures/tracking/offer.html");

struct Body;

impl TemplateSource for Body {
    fn read(&self, _: &str, _: &str) -> std::io::Result<String> {
        Ok(BODY.to_string())
    }
}

fn program_artifact() -> Vec<u8> {
    let mut sources = Sources::new();
    sources.add("offers.journey", SOURCE);
    let analysis = journey_compiler::analyze_project(&sources, &ProjectConfig::default(), &Body);
    let checked = analysis.program.expect("the test journeys check");
    journey_runtime::artifact::encode(&journey_runtime::compile::compile(&checked))
}

fn tracker(window: u32) -> Tracker {
    let settings = TrackingSettings {
        base_url: Some(BASE.into()),
        secret_env: Some("SECRET".into()),
        unsubscribe_mailto: Some("unsubscribe@example-health.org".into()),
        automated_window_seconds: window,
        ..TrackingSettings::default()
    };
    Tracker::from_settings(&settings, |_| Some(SECRET.into())).unwrap()
}

fn secret() -> Secret {
    Secret::new(SECRET.as_bytes()).unwrap()
}

/// A store with `names` on the members list, consented, each sent the
/// offer at `T0` through a tracker with a 10-second window.
struct World {
    _dir: TempDir,
    store: SqliteStore,
    setup: MailSetup,
    templates: Templates,
    transport: MemoryTransport,
}

fn world(names: &[&str]) -> World {
    let dir = TempDir::new().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("journey.db")).unwrap();
    store.deploy(&program_artifact(), T0 - 3_600).unwrap();
    let contacts: Vec<ContactWrite> = names
        .iter()
        .map(|name| {
            let mut fields = serde_json::Map::new();
            fields.insert("email".into(), format!("{name}@example.org").into());
            fields.insert("first_name".into(), name.to_string().into());
            ContactWrite {
                external_id: name.to_string(),
                fields,
                zone: None,
                lists: vec!["members".into()],
                segments: vec![],
            }
        })
        .collect();
    store.import_contacts(&contacts, T0 - 3_600).unwrap();
    for id in store.all_contacts().unwrap() {
        let consent = Consent {
            granted_at: Some(T0 - 86_400),
            ..Consent::default()
        };
        store.set_consent(id, consent).unwrap();
    }

    let mut world = World {
        _dir: dir,
        store,
        setup: MailSetup {
            tracker: tracker(10),
            dkim: None,
        },
        templates: Templates::new(),
        transport: MemoryTransport::new(),
    };
    let program = Engine::new(&mut world.store).unwrap().program();
    world.templates.add(&program.emails[0], BODY).unwrap();
    let mut engine = Engine::new(&mut world.store).unwrap();
    engine.enter_by_triggers(T0).unwrap();
    world.deliver(T0);
    world
}

impl World {
    fn deliver(&mut self, now: i64) -> journey_runtime::engine::delivery::DeliveryTally {
        let engine = Engine::new(&mut self.store).unwrap();
        let program = engine.program();
        let postman = Postman {
            program: &program,
            templates: &self.templates,
            transport: &self.transport,
            setup: &self.setup,
        };
        postman.deliver(engine.store, now, 100).unwrap()
    }

    fn contact(&self, name: &str) -> ContactId {
        self.store.contact_id(name).unwrap().unwrap()
    }

    /// The `n`th message sent, as text with quoted-printable undone.
    fn message(&self, n: usize) -> String {
        let text = decode_qp(std::str::from_utf8(self.transport.sent()[n].bytes()).unwrap());
        assert!(
            !text.contains('\u{fffd}'),
            "the decoded text is UTF-8: {text}"
        );
        text
    }

    /// The message sent to `name`, as text.
    fn message_to(&self, name: &str) -> String {
        let to = format!("To: {name}@example.org");
        (0..self.transport.sent().len())
            .map(|n| self.message(n))
            .find(|m| m.contains(&to))
            .unwrap_or_else(|| panic!("no message to {name}"))
    }

    fn resolve(&self, url: &str, purpose: Purpose, now: i64) -> Option<TrackedMessage> {
        let token = url.rsplit('/').next().unwrap();
        engagement::resolve(&self.store, &secret(), token, purpose, now)
            .unwrap()
            .map(|(message, _)| message)
    }

    /// A click on `url` at `at` with `user_agent`, as the route records it.
    fn click(&mut self, url: &str, at: i64, head: bool, user_agent: Option<&str>) {
        let token = url.rsplit('/').next().unwrap();
        let (message, claims) =
            engagement::resolve(&self.store, &secret(), token, Purpose::Click, at)
                .unwrap()
                .expect("a good click token");
        let program = Engine::new(&mut self.store).unwrap().program();
        let (name, _) = engagement::link_target(&program, &message.email, claims.link).unwrap();
        let sign = agents::request_sign(head, user_agent);
        engagement::record(
            &mut self.store,
            &message,
            HappeningKind::Click,
            Some(name),
            at,
            sign,
            10,
        )
        .unwrap();
    }

    fn settle(&mut self, now: i64) -> engagement::Settled {
        let mut engine = Engine::new(&mut self.store).unwrap();
        engagement::settle_due(&mut engine, now).unwrap()
    }

    /// The timed work of `journey serve` at `now`.
    fn advance(&mut self, now: i64) -> engagement::Advanced {
        let mut engine = Engine::new(&mut self.store).unwrap();
        engagement::advance_due(&mut engine, now, 100).unwrap()
    }

    fn segment(&self, segment: &str) -> Vec<ContactId> {
        self.store.segment_members(segment).unwrap()
    }
}

fn link(message: &str, nth: usize) -> String {
    urls(message, &format!("{BASE}/t/c/"))[nth].clone()
}

#[test]
fn a_sent_message_carries_tracked_links_the_pixel_and_one_click_unsubscribe() {
    let world = world(&["ana"]);
    let message = world.message_to("ana");

    let links = urls(&message, &format!("{BASE}/t/c/"));
    assert_eq!(
        links.len(),
        2,
        "portal and webinar, each in both parts: {message}"
    );
    assert!(!message.contains("https://portal.example-health.org/offers"));
    assert_eq!(
        urls(&message, &format!("{BASE}/t/o/")).len(),
        1,
        "one pixel"
    );
    assert!(message.contains("width=\"1\" height=\"1\""));

    let unsubscribe = urls(&message, &format!("{BASE}/u/"));
    assert_eq!(unsubscribe.len(), 1);
    assert_eq!(
        header(&message, "List-Unsubscribe"),
        format!(
            "<{}>, <mailto:unsubscribe@example-health.org?subject=unsubscribe>",
            unsubscribe[0]
        )
    );
    assert_eq!(
        header(&message, "List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click"
    );

    for url in links.iter().chain(&unsubscribe) {
        let token = url.rsplit('/').next().unwrap();
        assert_eq!(token.len(), 48, "{url}");
        for personal in ["ana", "example.org"] {
            assert!(!url.contains(personal), "{url} names the contact");
        }
    }
    let portal = world.resolve(&links[0], Purpose::Click, T0).unwrap();
    assert_eq!(portal.contact, world.contact("ana"));
    assert_eq!(portal.email, "offer");
    assert_eq!(portal.sent_at, Some(T0));
}

#[test]
fn people_take_the_human_arm_and_proxies_scanners_bursts_and_early_hits_do_not() {
    let mut world = world(&["ana", "bo", "cy", "di", "ed"]);
    let [ana, bo, cy, di, ed] = ["ana", "bo", "cy", "di", "ed"].map(|name| world.message_to(name));
    let later = T0 + 3_600;

    world.click(&link(&ana, 0), later, false, Some(SAFARI));
    world.click(&link(&bo, 0), later, false, Some("Barracuda Sentinel (EE)"));
    world.click(&link(&cy, 1), later, false, Some(SAFARI));
    world.click(&link(&cy, 0), later + 3, false, Some(SAFARI));
    world.click(&link(&di, 0), T0 + 4, false, Some(SAFARI));
    world.click(&link(&ed, 0), later, true, Some(SAFARI));

    let early = world.settle(later + 9);
    assert_eq!(
        (early.people, early.automated),
        (0, 1),
        "only the click four seconds after sending is past its window"
    );
    assert!(world.segment("engaged").is_empty() && world.segment("reached").len() == 1);

    let settled = world.settle(later + 20);
    assert_eq!((settled.people, settled.automated), (1, 4));
    assert_eq!(world.segment("engaged"), [world.contact("ana")]);
    let mut reached = world.segment("reached");
    reached.sort();
    let expected: Vec<ContactId> = ["bo", "cy", "di", "ed"].map(|n| world.contact(n)).into();
    assert_eq!(reached, expected);

    let verdict = |name: &str| -> Vec<(Option<bool>, Option<String>)> {
        let outbox: i64 = world
            .store
            .connection()
            .query_row(
                "SELECT id FROM outbox WHERE contact = ?1",
                [world.contact(name)],
                |r| r.get(0),
            )
            .unwrap();
        let hits = world.store.hits_of(outbox).unwrap();
        hits.into_iter().map(|h| (h.automated, h.sign)).collect()
    };
    let sign = |s: Sign| (Some(true), Some(s.as_str().to_string()));
    assert_eq!(verdict("ana"), [(Some(false), None)]);
    assert_eq!(verdict("bo"), [sign(Sign::KnownAgent)]);
    assert_eq!(verdict("cy"), [sign(Sign::Burst), sign(Sign::Burst)]);
    assert_eq!(verdict("di"), [sign(Sign::TooSoon)]);
    assert_eq!(verdict("ed"), [sign(Sign::Head)]);

    let happenings = world.store.happenings(world.contact("ana")).unwrap();
    assert_eq!(
        happenings,
        [Happening {
            contact: world.contact("ana"),
            at: later,
            kind: HappeningKind::Click,
            name: Some("offer".into()),
            link: Some("portal".into()),
            data: None,
            automated: false,
        }]
    );
    let report = world.store.engagement("offers", "start+1").unwrap();
    assert_eq!(
        report.clicked,
        [
            (Some("portal".to_string()), 1, 4),
            (Some("webinar".to_string()), 0, 1)
        ]
    );
    assert_eq!(world.settle(later + 60), engagement::Settled::default());
}

#[test]
fn forged_altered_truncated_expired_misdirected_and_other_contacts_tokens_resolve_to_nothing() {
    let world = world(&["ana", "bo"]);
    let ana = world.message_to("ana");
    let good = link(&ana, 0);
    let token = good.rsplit('/').next().unwrap().to_string();
    let mine = world.resolve(&good, Purpose::Click, T0).unwrap();
    let bos = world
        .resolve(&link(&world.message_to("bo"), 0), Purpose::Click, T0)
        .unwrap();

    let claims = |message: i64, expires: i64| Claims {
        purpose: Purpose::Click,
        message,
        link: 0,
        expires,
    };
    let mut bad: Vec<(&str, String)> = vec![
        ("forged", "A".repeat(48)),
        ("truncated", token[..47].to_string()),
        ("extended", format!("{token}A")),
        ("empty", String::new()),
        ("not base64", format!("{}!", &token[..47])),
        (
            "expired",
            token::issue(&secret(), &claims(mine.outbox, T0 - 1), &mine.key),
        ),
        (
            "bound to another contact's message",
            token::issue(&secret(), &claims(bos.outbox, T0 + 86_400), &mine.key),
        ),
        (
            "for a message that does not exist",
            token::issue(&secret(), &claims(9_999, T0 + 86_400), &mine.key),
        ),
        (
            "signed with another secret",
            token::issue(
                &Secret::new(b"another secret that is just as long as ours").unwrap(),
                &claims(mine.outbox, T0 + 86_400),
                &mine.key,
            ),
        ),
    ];
    // Each character changed in turn, and the message number spliced to
    // the other contact's.
    for index in [0, 5, 12, 20, 30, 47] {
        let mut altered: Vec<char> = token.chars().collect();
        altered[index] = if altered[index] == 'B' { 'C' } else { 'B' };
        bad.push(("altered", altered.into_iter().collect()));
    }
    {
        use base64::Engine as _;
        let codec = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut bytes = codec.decode(&token).unwrap();
        bytes[2..10].copy_from_slice(&bos.outbox.to_be_bytes());
        bad.push((
            "spliced to the other contact's message",
            codec.encode(bytes),
        ));
    }

    for (what, token) in &bad {
        let url = format!("{BASE}/t/c/{token}");
        assert_eq!(world.resolve(&url, Purpose::Click, T0), None, "{what}");
    }
    let unsubscribe = urls(&ana, &format!("{BASE}/u/"))[0].clone();
    assert_eq!(
        world.resolve(&good, Purpose::Unsubscribe, T0),
        None,
        "a click token"
    );
    assert_eq!(
        world.resolve(&unsubscribe, Purpose::Click, T0),
        None,
        "an unsubscribe token"
    );
    assert!(world
        .resolve(&unsubscribe, Purpose::Unsubscribe, T0)
        .is_some());
    let lifetime = 365 * 86_400;
    assert!(world
        .resolve(&good, Purpose::Click, T0 + lifetime)
        .is_some());
    assert_eq!(
        world.resolve(&good, Purpose::Click, T0 + lifetime + 1),
        None
    );
}

#[test]
fn an_unsubscribe_stops_mail_already_queued_and_is_audited_without_personal_data() {
    let mut world = world(&["ana", "bo"]);
    let ana = world.contact("ana");
    let unsubscribe = urls(&world.message_to("ana"), &format!("{BASE}/u/"))[0].clone();

    let later = T0 + 86_400;
    for name in ["ana", "bo"] {
        let mut engine = Engine::new(&mut world.store).unwrap();
        let happening = Happening {
            contact: engine.store.contact_id(name).unwrap().unwrap(),
            at: later,
            kind: HappeningKind::Event,
            name: Some("newsletter_requested".into()),
            link: None,
            data: Some(serde_json::Map::new()),
            automated: false,
        };
        engine.happen(&happening, later).unwrap();
    }
    let queued: i64 = world
        .store
        .connection()
        .query_row(
            "SELECT count(*) FROM outbox WHERE status = 'queued'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(queued, 2, "both newsletters are queued");

    let message = world
        .resolve(&unsubscribe, Purpose::Unsubscribe, later)
        .unwrap();
    assert!(engagement::unsubscribe(&mut world.store, &message, later).unwrap());
    assert!(
        !engagement::unsubscribe(&mut world.store, &message, later).unwrap(),
        "once"
    );
    assert_eq!(
        world.store.suppression(ana).unwrap().as_deref(),
        Some("unsubscribed")
    );

    let sent_before = world.transport.sent().len();
    let tally = world.deliver(later);
    assert_eq!((tally.sent, tally.suppressed), (1, 1));
    assert_eq!(world.transport.sent().len(), sent_before + 1);
    assert!(world
        .transport
        .sent()
        .iter()
        .skip(sent_before)
        .all(|m| { !String::from_utf8_lossy(m.bytes()).contains("To: ana@example.org") }));
    let outbox = world.store.contact_outbox(ana).unwrap();
    assert_eq!(outbox[1].status, "suppressed");
    assert_eq!(
        outbox[1].reason.as_deref(),
        Some("suppressed: unsubscribed")
    );

    let audit: Vec<(String, String, Option<i64>, String)> = world
        .store
        .connection()
        .prepare("SELECT actor, action, contact, detail FROM audit WHERE action = 'unsubscribe'")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(audit.len(), 2);
    assert_eq!((audit[0].0.as_str(), audit[0].2), ("recipient", Some(ana)));
    assert!(!audit[0].3.contains("ana"), "{}", audit[0].3);
}

#[test]
fn with_tracking_off_links_stay_as_declared_and_the_placeholder_is_used() {
    let mut world = world(&[]);
    world.setup = MailSetup::off();
    let tracker = &world.setup.tracker;
    assert!(!tracker.is_on() && tracker.secret().is_none());
    let program = Engine::new(&mut world.store).unwrap().program();
    let message = journey_runtime::tracking::MessageRef {
        outbox: 1,
        key: "1:1:start+1:1",
    };
    let urls = tracker.message(&program.emails[0], message, T0);
    assert_eq!(urls.links, program.emails[0].links);
    assert!(urls
        .unsubscribe_url
        .starts_with(journey_runtime::tracking::PLACEHOLDER_UNSUBSCRIBE));
}

#[test]
fn a_person_who_clicks_after_a_scanner_still_takes_the_human_arm() {
    let mut world = world(&["ana"]);
    let ana = world.message_to("ana");
    let later = T0 + 3_600;

    world.click(&link(&ana, 1), later, false, Some("python-requests/2.31"));
    let scanner = world.settle(later + 20);
    assert_eq!((scanner.automated, scanner.advanced), (1, 1));
    assert!(world.segment("engaged").is_empty() && world.segment("reached").is_empty());

    // The run woke for the scanner's click, no arm held, and it waits on:
    // the person's click an hour later must still wake it.
    world.click(&link(&ana, 0), later + 3_600, false, Some(SAFARI));
    let person = world.settle(later + 3_620);
    assert_eq!((person.people, person.advanced), (1, 1));
    assert_eq!(world.segment("engaged"), [world.contact("ana")]);
}

#[test]
fn a_click_just_before_the_timeout_wins_while_its_verdict_is_still_pending() {
    let mut world = world(&["ana", "bo"]);
    let [ana, bo] = ["ana", "bo"].map(|name| world.message_to(name));
    let deadline = T0 + 7 * 86_400;

    // Ana clicks two seconds before the wait's timeout, Bo a second after
    // it; neither verdict is in when the timer comes due.
    world.click(&link(&ana, 0), deadline - 2, false, Some(SAFARI));
    world.click(&link(&bo, 0), deadline + 1, false, Some(SAFARI));

    let at_deadline = world.advance(deadline + 2);
    assert_eq!(at_deadline.settled, engagement::Settled::default());
    assert_eq!(
        at_deadline.held, 1,
        "Ana's timer waits for her click's verdict"
    );
    assert_eq!(
        at_deadline.due.advanced, 1,
        "Bo clicked too late: his wait timed out"
    );

    let held = world.advance(deadline + 7);
    assert_eq!(
        (held.due.advanced, held.held),
        (0, 0),
        "held until the verdict is due"
    );

    let verdicts = world.advance(deadline + 11);
    assert_eq!((verdicts.settled.people, verdicts.settled.advanced), (2, 1));
    assert_eq!(world.segment("engaged"), [world.contact("ana")]);
    assert!(
        world.segment("reached").is_empty(),
        "Bo's run had ended at the timeout"
    );
    assert_eq!(
        world.advance(deadline + 60),
        engagement::Advanced::default()
    );
}

/// A transport that, like SMTP, reaches people; it must never be used.
struct Mailboxes;

impl journey_runtime::mail::Transport for Mailboxes {
    fn send(
        &self,
        _: &journey_runtime::mail::Outgoing,
    ) -> Result<(), journey_runtime::mail::SendError> {
        panic!("nothing may reach a mailbox without a way to unsubscribe");
    }
}

#[test]
fn marketing_mail_is_not_delivered_to_people_without_a_way_to_unsubscribe() {
    let dir = TempDir::new().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("journey.db")).unwrap();
    store.deploy(&program_artifact(), T0).unwrap();
    let mut fields = serde_json::Map::new();
    fields.insert("email".into(), "ana@example.org".into());
    fields.insert("first_name".into(), "Ana".into());
    let ana = ContactWrite {
        external_id: "ana".into(),
        fields,
        zone: None,
        lists: vec!["members".into()],
        segments: vec![],
    };
    store.import_contacts(&[ana], T0).unwrap();
    let mut engine = Engine::new(&mut store).unwrap();
    engine.enter_by_triggers(T0).unwrap();
    let program = engine.program();
    let mut templates = Templates::new();
    templates.add(&program.emails[0], BODY).unwrap();
    let setup = MailSetup::off();
    let postman = Postman {
        program: &program,
        templates: &templates,
        transport: &Mailboxes,
        setup: &setup,
    };

    let refused = postman
        .deliver(engine.store, T0, 100)
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("`offer` is a marketing email and there is no way to unsubscribe"),
        "{refused}"
    );
    let queued = engine
        .store
        .contact_outbox(engine.store.contact_id("ana").unwrap().unwrap());
    assert_eq!(queued.unwrap()[0].status, "queued", "left queued, untried");
}

#[test]
fn an_erased_contacts_tokens_resolve_to_nothing_and_its_pending_hits_are_dropped() {
    let mut world = world(&["ana", "bo"]);
    let ana = world.contact("ana");
    let message = world.message_to("ana");
    let click = link(&message, 0);
    let pixel = urls(&message, &format!("{BASE}/t/o/"))[0].clone();
    let unsubscribe = urls(&message, &format!("{BASE}/u/"))[0].clone();
    let bos = link(&world.message_to("bo"), 0);
    world.click(&click, T0 + 60, false, Some(SAFARI));
    let checked = world
        .resolve(&unsubscribe, Purpose::Unsubscribe, T0 + 60)
        .unwrap();

    world.store.erase_contact(ana, "token 1", T0 + 61).unwrap();
    // Checked before the erasure, written after it: nothing is written.
    assert!(!engagement::unsubscribe(&mut world.store, &checked, T0 + 61).unwrap());
    let late = engagement::record(
        &mut world.store,
        &checked,
        HappeningKind::Open,
        None,
        T0 + 61,
        None,
        10,
    );
    assert_eq!(late.unwrap(), None);
    let unsubscribes: i64 = world
        .store
        .connection()
        .query_row(
            "SELECT count(*) FROM audit WHERE action = 'unsubscribe'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(unsubscribes, 0);
    for (url, purpose) in [
        (&click, Purpose::Click),
        (&pixel, Purpose::Open),
        (&unsubscribe, Purpose::Unsubscribe),
    ] {
        assert_eq!(world.resolve(url, purpose, T0 + 62), None, "{url}");
    }
    assert!(world.resolve(&bos, Purpose::Click, T0 + 62).is_some());

    let settled = world.settle(T0 + 3_600);
    assert_eq!(
        settled,
        engagement::Settled::default(),
        "the hit before the erasure"
    );
    let kinds: Vec<HappeningKind> = world
        .store
        .happenings(ana)
        .unwrap()
        .iter()
        .map(|h| h.kind)
        .collect();
    assert!(!kinds.contains(&HappeningKind::Click), "{kinds:?}");
}
