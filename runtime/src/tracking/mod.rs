//! Tracked links, the open pixel and unsubscribe: what goes into a sent
//! email, and what happens when a recipient (or a machine) follows it.
//!
//! At send time the [`Tracker`] gives each message its URLs
//! ([`Tracker::message`]): every declared link becomes
//! `{base_url}/t/c/{token}`, the open pixel `{base_url}/t/o/{token}`, and
//! the unsubscribe URL `{base_url}/u/{token}`. Each token ([`token`]) is
//! signed with the server's secret and names only the message (its outbox
//! row) and the link, bound to the message's idempotency key; no contact id,
//! address or field value is ever in a URL.
//!
//! When a URL is followed, `journey serve` (`http::tracking`) checks the
//! token against the store ([`engagement::resolve`]), records the hit, and
//! later hands it to the engine as an open or a click, marked automated or
//! not by the heuristics of [`agents`]. An unsubscribe suppresses the
//! contact at once ([`engagement::unsubscribe`]); delivery checks
//! suppression at send time, so mail already queued is stopped too.
//!
//! Without `[tracking] base_url` the tracker is off: links keep their
//! declared URLs and no pixel is added. A marketing email still needs a way
//! out: the `unsubscribe_mailto` address when one is set, else (for the
//! file outbox only, where nothing reaches a person) a placeholder on the
//! reserved `.invalid` domain; [`Tracker::check_delivery`] refuses real
//! delivery of marketing email without either.

pub mod agents;
pub mod engagement;
pub mod token;

use crate::bytecode::{Email, Program};
use crate::mail::ListUnsubscribe;
use journey_compiler::check::config::TrackingSettings;
use token::{Claims, Purpose, Secret};

/// Where unsubscribe links point when nothing is configured: the reserved
/// `.invalid` domain (RFC 2606), which no one can own or reach.
pub const PLACEHOLDER_UNSUBSCRIBE: &str = "https://localhost.invalid/unsubscribe";

/// Makes each message's tracked URLs.
#[derive(Clone, Debug)]
pub struct Tracker {
    mailto: Option<String>,
    on: Option<On>,
}

#[derive(Clone, Debug)]
struct On {
    base: String,
    secret: Secret,
    lifetime: i64,
    pixel: bool,
    window: i64,
}

/// One message as the tracker needs it: its outbox row and idempotency
/// key, which the token is bound to.
#[derive(Clone, Copy, Debug)]
pub struct MessageRef<'a> {
    pub outbox: i64,
    pub key: &'a str,
}

/// The URLs of one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageUrls {
    /// Each declared link's URL as the body shows it, by link name.
    pub links: Vec<(String, String)>,
    /// The open pixel's URL, for HTML bodies.
    pub pixel: Option<String>,
    /// The body's `{{ unsubscribe_url }}`.
    pub unsubscribe_url: String,
    /// The `List-Unsubscribe` header's URLs.
    pub list_unsubscribe: ListUnsubscribe,
}

/// The tracking settings cannot work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackingError(pub String);

impl std::fmt::Display for TrackingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TrackingError {}

impl Tracker {
    /// No tracking and no unsubscribe address: the file outbox's default.
    pub fn off() -> Tracker {
        Tracker {
            mailto: None,
            on: None,
        }
    }

    /// The tracker `[tracking]` describes, with the secret read from the
    /// variable `secret_env` names, through `env` (the process
    /// environment in production, a map in tests).
    pub fn from_settings(
        settings: &TrackingSettings,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Tracker, TrackingError> {
        let on = match (&settings.base_url, &settings.secret_env) {
            (Some(base), Some(name)) => {
                let value = env(name).ok_or_else(|| {
                    TrackingError(format!(
                        "the environment variable `{name}` (tracking.secret_env) is not set"
                    ))
                })?;
                let secret = Secret::new(value.as_bytes()).ok_or_else(|| {
                    TrackingError(format!(
                        "the secret in `{name}` (tracking.secret_env) is shorter than {} \
                         bytes; make one with `openssl rand -base64 48`",
                        token::MIN_SECRET_BYTES
                    ))
                })?;
                Some(On {
                    base: base.trim_end_matches('/').to_string(),
                    secret,
                    lifetime: i64::from(settings.token_days) * 86_400,
                    pixel: settings.open_pixel,
                    window: i64::from(settings.automated_window_seconds),
                })
            }
            _ => None,
        };
        Ok(Tracker {
            mailto: settings.unsubscribe_mailto.clone(),
            on,
        })
    }

    /// Whether links are tracked (a base URL and a secret are set).
    pub fn is_on(&self) -> bool {
        self.on.is_some()
    }

    /// The signing secret, when tracking is on.
    pub fn secret(&self) -> Option<&Secret> {
        self.on.as_ref().map(|on| &on.secret)
    }

    /// Seconds after sending, and around another link's click, within
    /// which a hit counts as automated (see [`agents`]).
    pub fn automated_window(&self) -> i64 {
        self.on.as_ref().map_or(10, |on| on.window)
    }

    /// Refuses delivery to real recipients (`real`: SMTP) of a program
    /// with marketing emails when those emails would have no working
    /// unsubscribe mechanism.
    pub fn check_delivery(&self, program: &Program, real: bool) -> Result<(), TrackingError> {
        let marketing = program.emails.iter().find(|e| e.marketing);
        match (marketing, real, self.is_on() || self.mailto.is_some()) {
            (Some(email), true, false) => Err(TrackingError(format!(
                "`{}` is a marketing email and there is no way to unsubscribe from it: set \
                 [tracking] base_url and secret_env (served by `journey serve`), or \
                 [tracking] unsubscribe_mailto, in journey.toml",
                email.name
            ))),
            _ => Ok(()),
        }
    }

    /// The URLs of `message`, an `email` sent at `now`.
    pub fn message(&self, email: &Email, message: MessageRef, now: i64) -> MessageUrls {
        let mailto = self
            .mailto
            .as_ref()
            .map(|address| format!("mailto:{address}?subject=unsubscribe"));
        let Some(on) = &self.on else {
            let unsubscribe_url = match &mailto {
                Some(mailto) => mailto.clone(),
                None => format!(
                    "{PLACEHOLDER_UNSUBSCRIBE}/{}",
                    crate::mail::key_hash(message.key)
                ),
            };
            return MessageUrls {
                links: email.links.clone(),
                pixel: None,
                list_unsubscribe: ListUnsubscribe::for_url(&unsubscribe_url),
                unsubscribe_url,
            };
        };

        let url = |purpose: Purpose, link: u16, path: &str| {
            let claims = Claims {
                purpose,
                message: message.outbox,
                link,
                expires: now.saturating_add(on.lifetime),
            };
            let token = token::issue(&on.secret, &claims, message.key);
            format!("{}/{path}/{token}", on.base)
        };
        let links = email
            .links
            .iter()
            .enumerate()
            .map(|(index, (name, _))| (name.clone(), url(Purpose::Click, index as u16, "t/c")))
            .collect();
        let unsubscribe_url = url(Purpose::Unsubscribe, 0, "u");
        MessageUrls {
            links,
            pixel: on.pixel.then(|| url(Purpose::Open, 0, "t/o")),
            list_unsubscribe: ListUnsubscribe {
                one_click: Some(unsubscribe_url.clone()),
                mailto,
            },
            unsubscribe_url,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;
    const SECRET: &str = "0123456789abcdef0123456789abcdef-test";

    fn email() -> Email {
        Email {
            name: "invite".into(),
            marketing: true,
            subject: "s".into(),
            body: "invite.html".into(),
            links: vec![
                (
                    "webinar".into(),
                    "https://example-health.org/webinar".into(),
                ),
                ("portal".into(), "https://portal.example-health.org/".into()),
            ],
        }
    }

    fn settings(base: Option<&str>, mailto: Option<&str>) -> TrackingSettings {
        TrackingSettings {
            base_url: base.map(String::from),
            secret_env: base.map(|_| "SECRET".to_string()),
            unsubscribe_mailto: mailto.map(String::from),
            ..TrackingSettings::default()
        }
    }

    fn env(name: &str) -> Option<String> {
        (name == "SECRET").then(|| SECRET.to_string())
    }

    const MESSAGE: MessageRef = MessageRef {
        outbox: 17,
        key: "4:2:invite:1",
    };

    #[test]
    fn tracked_urls_carry_signed_tokens_and_nothing_about_the_contact() {
        let tracker =
            Tracker::from_settings(&settings(Some("https://t.example.org/"), None), env).unwrap();
        let urls = tracker.message(&email(), MESSAGE, NOW);
        let secret = tracker.secret().unwrap();

        for (index, (name, url)) in urls.links.iter().enumerate() {
            assert_eq!(name, &email().links[index].0);
            let token = url.strip_prefix("https://t.example.org/t/c/").unwrap();
            let claims = token::verify(secret, token, MESSAGE.key, Purpose::Click, NOW).unwrap();
            assert_eq!((claims.message, claims.link), (17, index as u16));
            assert_eq!(claims.expires, NOW + 365 * 86_400);
        }
        let pixel = urls.pixel.unwrap();
        let token = pixel.strip_prefix("https://t.example.org/t/o/").unwrap();
        assert!(token::verify(secret, token, MESSAGE.key, Purpose::Open, NOW).is_some());
        let token = urls
            .unsubscribe_url
            .strip_prefix("https://t.example.org/u/")
            .unwrap();
        assert!(token::verify(secret, token, MESSAGE.key, Purpose::Unsubscribe, NOW).is_some());
        assert_eq!(
            urls.list_unsubscribe.one_click.as_deref(),
            Some(urls.unsubscribe_url.as_str())
        );
        assert_eq!(urls.list_unsubscribe.mailto, None);
    }

    #[test]
    fn off_keeps_declared_links_and_offers_the_mailto_or_the_placeholder() {
        let urls = Tracker::off().message(&email(), MESSAGE, NOW);
        assert_eq!(urls.links, email().links);
        assert_eq!(urls.pixel, None);
        assert!(urls.unsubscribe_url.starts_with(PLACEHOLDER_UNSUBSCRIBE));

        let tracker =
            Tracker::from_settings(&settings(None, Some("out@example-health.org")), env).unwrap();
        let urls = tracker.message(&email(), MESSAGE, NOW);
        assert_eq!(
            urls.unsubscribe_url,
            "mailto:out@example-health.org?subject=unsubscribe"
        );
        assert_eq!(urls.list_unsubscribe.one_click, None);
        assert_eq!(
            urls.list_unsubscribe.mailto.as_deref(),
            Some(urls.unsubscribe_url.as_str())
        );
    }

    #[test]
    fn a_missing_or_short_secret_is_a_configuration_error() {
        let settings = settings(Some("https://t.example.org"), None);
        let missing = Tracker::from_settings(&settings, |_| None).unwrap_err();
        assert!(missing.0.contains("`SECRET`"), "{missing}");
        let short = Tracker::from_settings(&settings, |_| Some("short".into())).unwrap_err();
        assert!(short.0.contains("shorter than 32 bytes"), "{short}");
        assert!(!short.0.contains("short\""), "the secret is never shown");
    }

    #[test]
    fn real_delivery_of_marketing_mail_needs_a_way_to_unsubscribe() {
        let mut program = Program {
            timezone: None,
            fields: vec![],
            emails: vec![email()],
            lists: vec![],
            segments: vec![],
            events: vec![],
            journeys: vec![],
        };
        assert!(Tracker::off().check_delivery(&program, false).is_ok());
        let refused = Tracker::off().check_delivery(&program, true).unwrap_err();
        assert!(
            refused.0.contains("`invite` is a marketing email"),
            "{refused}"
        );
        let mailto =
            Tracker::from_settings(&settings(None, Some("out@example-health.org")), env).unwrap();
        assert!(mailto.check_delivery(&program, true).is_ok());
        program.emails[0].marketing = false;
        assert!(Tracker::off().check_delivery(&program, true).is_ok());
    }
}
