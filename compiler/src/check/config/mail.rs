//! The `[tracking]` and `[dkim]` tables of `journey.toml`: how sent mail
//! is tracked and unsubscribed from, and how it is signed.
//!
//! ```toml
//! [tracking]
//! base_url = "https://mail.example-health.org"   # where `journey serve` is reached
//! secret_env = "JOURNEY_TRACKING_SECRET"         # the NAME of the variable
//! unsubscribe_mailto = "unsubscribe@example-health.org"   # optional
//! token_days = 365                               # how long links work
//! open_pixel = true                              # add the open pixel
//! automated_window_seconds = 10                  # see runtime tracking::agents
//!
//! [dkim]
//! domain = "example-health.org"
//! selector = "journey2027"
//! private_key_file = "keys/dkim.pem"             # or private_key_env = "NAME"
//! algorithm = "rsa"                              # or "ed25519"
//! ```
//!
//! Only names of environment variables are read here, never secrets: the
//! engine reads the variables when it starts. Each mistake is reported
//! against the key, as every other setting is.

use super::unknown_key;
use crate::diagnostic::{label, Diagnostic};
use crate::source::FileId;
use crate::span::Span;

/// `[tracking]`, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackingSettings {
    /// The public address of `journey serve`, without a trailing `/`.
    pub base_url: Option<String>,
    /// The name of the environment variable that holds the signing secret.
    pub secret_env: Option<String>,
    /// An address that takes unsubscribe requests by mail.
    pub unsubscribe_mailto: Option<String>,
    pub token_days: u32,
    pub open_pixel: bool,
    pub automated_window_seconds: u32,
}

impl Default for TrackingSettings {
    fn default() -> TrackingSettings {
        TrackingSettings {
            base_url: None,
            secret_env: None,
            unsubscribe_mailto: None,
            token_days: 365,
            open_pixel: true,
            automated_window_seconds: 10,
        }
    }
}

/// `[dkim]`, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DkimSettings {
    pub domain: String,
    pub selector: String,
    pub key: DkimKey,
    pub algorithm: DkimAlgorithm,
}

/// Where the private key is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DkimKey {
    /// A file, relative to the project folder unless absolute.
    File(String),
    /// An environment variable holding the key itself.
    Env(String),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DkimAlgorithm {
    /// RSA, the key in PKCS#1 PEM (`-----BEGIN RSA PRIVATE KEY-----`).
    #[default]
    Rsa,
    /// Ed25519, the 32-byte seed in base64 (RFC 8463).
    Ed25519,
}

const TRACKING_KEYS: &[&str] = &[
    "base_url",
    "secret_env",
    "unsubscribe_mailto",
    "token_days",
    "open_pixel",
    "automated_window_seconds",
];

const DKIM_KEYS: &[&str] = &[
    "domain",
    "selector",
    "private_key_file",
    "private_key_env",
    "algorithm",
];

/// Reads `[tracking]`; problems go to `out`.
pub(super) fn tracking(
    file: FileId,
    table: &toml::Table,
    locate: &dyn Fn(&str) -> Span,
    out: &mut Vec<Diagnostic>,
) -> TrackingSettings {
    let mut settings = TrackingSettings::default();
    let bad = |key: &str, message: String, what: &str| {
        Diagnostic::error("bad-config", message, label(file, locate(key), what))
    };

    for (key, value) in table {
        match key.as_str() {
            "base_url" => match value.as_str().map(base_url) {
                Some(Ok(url)) => settings.base_url = Some(url),
                Some(Err(why)) => {
                    out.push(bad(key, format!("tracking.base_url {why}"), "this URL"))
                }
                None => out.push(bad(
                    key,
                    text_wanted(key, "\"https://mail.example.org\""),
                    "not text",
                )),
            },
            "secret_env" | "unsubscribe_mailto" => {
                let checked = match (key.as_str(), value.as_str()) {
                    (_, None) => Err(text_wanted(key, "text")),
                    ("secret_env", Some(name)) => variable_name(name).map(|_| name.to_string()),
                    (_, Some(address)) => mail_address(address).map(|_| address.to_string()),
                };
                match (checked, key.as_str()) {
                    (Ok(v), "secret_env") => settings.secret_env = Some(v),
                    (Ok(v), _) => settings.unsubscribe_mailto = Some(v),
                    (Err(why), _) => out.push(bad(key, format!("tracking.{key}: {why}"), "here")),
                }
            }
            "token_days" | "automated_window_seconds" => {
                let (low, high) = match key.as_str() {
                    "token_days" => (1, 3650),
                    _ => (0, 3600),
                };
                match value.as_integer().filter(|n| (low..=high).contains(n)) {
                    Some(n) if key == "token_days" => settings.token_days = n as u32,
                    Some(n) => settings.automated_window_seconds = n as u32,
                    None => out.push(bad(
                        key,
                        format!("tracking.{key} must be a whole number from {low} to {high}"),
                        "out of range or not a number",
                    )),
                }
            }
            "open_pixel" => match value.as_bool() {
                Some(on) => settings.open_pixel = on,
                None => out.push(bad(
                    key,
                    "tracking.open_pixel must be true or false".into(),
                    "here",
                )),
            },
            _ => out.push(unknown_key(file, locate(key), key, TRACKING_KEYS)),
        }
    }

    match (&settings.base_url, &settings.secret_env) {
        (Some(_), None) => out.push(
            Diagnostic::error(
                "bad-config",
                "tracking.base_url needs tracking.secret_env, the variable holding the \
                 signing secret",
                label(file, locate("base_url"), "tracked links are signed"),
            )
            .with_help("add `secret_env = \"JOURNEY_TRACKING_SECRET\"` and set that variable"),
        ),
        (None, Some(_)) => out.push(Diagnostic::error(
            "bad-config",
            "tracking.secret_env is set but tracking.base_url is not",
            label(
                file,
                locate("secret_env"),
                "nothing to sign without base_url",
            ),
        )),
        _ => {}
    }
    settings
}

/// Reads `[dkim]`; `None` (with problems in `out`) when it cannot sign.
pub(super) fn dkim(
    file: FileId,
    table: &toml::Table,
    locate: &dyn Fn(&str) -> Span,
    out: &mut Vec<Diagnostic>,
) -> Option<DkimSettings> {
    let before = out.len();
    let bad = |key: &str, message: String| {
        Diagnostic::error("bad-config", message, label(file, locate(key), "here"))
    };
    let (mut domain, mut selector, mut key_source) = (None, None, Vec::new());
    let mut algorithm = DkimAlgorithm::default();

    for (key, value) in table {
        let Some(text) = value.as_str() else {
            if DKIM_KEYS.contains(&key.as_str()) {
                out.push(bad(key, text_wanted(&format!("dkim.{key}"), "text")));
            } else {
                out.push(unknown_key(file, locate(key), key, DKIM_KEYS));
            }
            continue;
        };
        match key.as_str() {
            "domain" if domain_name(text) => domain = Some(text.to_ascii_lowercase()),
            "domain" => out.push(bad(
                key,
                format!("dkim.domain `{text}` is not a domain name"),
            )),
            "selector" if selector_name(text) => selector = Some(text.to_string()),
            "selector" => out.push(bad(
                key,
                format!("dkim.selector `{text}` must be letters, digits, `-` and `.`"),
            )),
            "private_key_file" if !text.trim().is_empty() => {
                key_source.push(DkimKey::File(text.to_string()))
            }
            "private_key_file" => out.push(bad(key, "dkim.private_key_file is empty".into())),
            "private_key_env" => match variable_name(text) {
                Ok(()) => key_source.push(DkimKey::Env(text.to_string())),
                Err(why) => out.push(bad(key, format!("dkim.private_key_env: {why}"))),
            },
            "algorithm" => match text {
                "rsa" => algorithm = DkimAlgorithm::Rsa,
                "ed25519" => algorithm = DkimAlgorithm::Ed25519,
                _ => out.push(bad(
                    key,
                    "dkim.algorithm must be \"rsa\" or \"ed25519\"".into(),
                )),
            },
            _ => out.push(unknown_key(file, locate(key), key, DKIM_KEYS)),
        }
    }

    let whole = locate("[dkim]");
    for (value, name) in [(&domain, "domain"), (&selector, "selector")] {
        if value.is_none() && !table.contains_key(name) {
            out.push(Diagnostic::error(
                "bad-config",
                format!("[dkim] needs `{name}`"),
                label(file, whole, "this table"),
            ));
        }
    }
    if key_source.len() != 1 {
        out.push(
            Diagnostic::error(
                "bad-config",
                "[dkim] needs exactly one of `private_key_file` and `private_key_env`",
                label(file, whole, "this table"),
            )
            .with_help("private keys are never written in journey.toml itself"),
        );
    }
    if out.len() > before {
        return None;
    }
    Some(DkimSettings {
        domain: domain?,
        selector: selector?,
        key: key_source.pop()?,
        algorithm,
    })
}

fn text_wanted(key: &str, example: &str) -> String {
    format!("`{key}` must be text, such as {example}")
}

/// An `http(s)` URL that can prefix tracked paths: https, or http on this
/// machine only (for tests); no query, fragment, spaces or quotes.
fn base_url(text: &str) -> Result<String, String> {
    let trimmed = text.trim_end_matches('/');
    let (scheme, rest) = trimmed
        .split_once("://")
        .ok_or_else(|| format!("`{text}` is not a URL such as https://mail.example.org"))?;
    let host_port = rest.split('/').next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    if host.is_empty() {
        return Err(format!("`{text}` has no host"));
    }
    let bad = |c: char| c.is_whitespace() || c.is_control() || "?#<>\"'\\{}|^`".contains(c);
    if trimmed.chars().any(bad) {
        return Err(format!(
            "`{text}` may not hold spaces, quotes, `?` or `#`: it is the start of every \
             tracked URL"
        ));
    }
    let loopback = matches!(host, "localhost" | "::1") || host.starts_with("127.");
    match scheme {
        "https" => Ok(trimmed.to_string()),
        "http" if loopback => Ok(trimmed.to_string()),
        "http" => Err(format!(
            "`{text}` must use https (plain http is for 127.0.0.1 and localhost only): \
             unsubscribe links must be https (RFC 8058)"
        )),
        _ => Err(format!("`{text}` must start with https://")),
    }
}

fn variable_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    match first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        true => Ok(()),
        false => Err(format!(
            "`{name}` is not the name of an environment variable (write the variable's \
             NAME, such as JOURNEY_TRACKING_SECRET, never the secret)"
        )),
    }
}

fn mail_address(address: &str) -> Result<(), String> {
    let parts = address.split_once('@');
    let ok = parts.is_some_and(|(local, domain)| {
        !local.is_empty() && domain_name(domain) && !local.contains(['@', '<', '>', '?', '&'])
    }) && !address.chars().any(|c| c.is_whitespace() || c.is_control());
    match ok {
        true => Ok(()),
        false => Err(format!(
            "`{address}` is not a mail address such as unsubscribe@example.org"
        )),
    }
}

fn domain_name(text: &str) -> bool {
    text.contains('.')
        && text.split('.').all(|part| {
            !part.is_empty()
                && !part.starts_with('-')
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

fn selector_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::config::parse_config;

    fn parse(text: &str) -> (super::super::ProjectConfig, Vec<(String, String)>) {
        let (config, diagnostics) = parse_config(FileId(0), text);
        let problems = diagnostics
            .into_iter()
            .map(|d| {
                let span = d.primary.span;
                let at = text[span.start as usize..span.end as usize].to_string();
                (d.message, at)
            })
            .collect();
        (config, problems)
    }

    #[test]
    fn a_full_tracking_and_dkim_configuration_reads_clean() {
        let (config, problems) = parse(
            "[tracking]\nbase_url = \"https://t.example-health.org/\"\n\
             secret_env = \"JOURNEY_TRACKING_SECRET\"\n\
             unsubscribe_mailto = \"unsubscribe@example-health.org\"\n\
             token_days = 90\nopen_pixel = false\nautomated_window_seconds = 0\n\n\
             [dkim]\ndomain = \"Example-Health.org\"\nselector = \"journey2027\"\n\
             private_key_env = \"JOURNEY_DKIM_KEY\"\nalgorithm = \"ed25519\"\n",
        );
        assert_eq!(problems, []);
        assert_eq!(
            config.tracking,
            Some(TrackingSettings {
                base_url: Some("https://t.example-health.org".into()),
                secret_env: Some("JOURNEY_TRACKING_SECRET".into()),
                unsubscribe_mailto: Some("unsubscribe@example-health.org".into()),
                token_days: 90,
                open_pixel: false,
                automated_window_seconds: 0,
            })
        );
        assert_eq!(
            config.dkim,
            Some(DkimSettings {
                domain: "example-health.org".into(),
                selector: "journey2027".into(),
                key: DkimKey::Env("JOURNEY_DKIM_KEY".into()),
                algorithm: DkimAlgorithm::Ed25519,
            })
        );
    }

    #[test]
    fn each_mistake_is_reported_on_its_key() {
        let (config, problems) = parse(
            "[tracking]\nbase_url = \"http://mail.example.org\"\n\
             secret_env = \"my secret value\"\ntoken_days = 0\nopen_pixel = \"yes\"\n\
             unsubscribe_mailto = \"nobody\"\nbase_ur = 1\n",
        );
        let on: Vec<&str> = problems.iter().map(|(_, at)| at.as_str()).collect();
        assert_eq!(
            on,
            [
                "base_ur",
                "base_url",
                "open_pixel",
                "secret_env",
                "token_days",
                "unsubscribe_mailto",
            ],
            "{problems:#?}"
        );
        assert!(problems[0].0.contains("unknown setting `base_ur`"));
        assert!(
            problems[1].0.contains("must use https"),
            "{}",
            problems[1].0
        );
        assert!(problems[3].0.contains("NAME"), "{}", problems[3].0);
        assert!(config.tracking.is_some());

        let (_, problems) = parse("[tracking]\nbase_url = \"https://t.example.org\"\n");
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].0.contains("needs tracking.secret_env"),
            "{problems:?}"
        );
        let (_, problems) = parse("[tracking]\nsecret_env = \"S\"\n");
        assert_eq!(
            problems[0].0,
            "tracking.secret_env is set but tracking.base_url is not"
        );
    }

    #[test]
    fn dkim_needs_a_domain_a_selector_and_exactly_one_key() {
        let (config, problems) = parse("[dkim]\ndomain = \"example.org\"\n");
        let messages: Vec<&str> = problems.iter().map(|(m, _)| m.as_str()).collect();
        assert_eq!(
            messages,
            [
                "[dkim] needs `selector`",
                "[dkim] needs exactly one of `private_key_file` and `private_key_env`"
            ]
        );
        assert_eq!(config.dkim, None);

        let (config, problems) = parse(
            "[dkim]\ndomain = \"example.org\"\nselector = \"s1\"\n\
             private_key_file = \"k.pem\"\nprivate_key_env = \"K\"\nalgorithm = \"dsa\"\n",
        );
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].0.contains("\"rsa\" or \"ed25519\""));
        assert_eq!(config.dkim, None);
    }

    #[test]
    fn base_urls_are_https_or_loopback_http() {
        assert_eq!(
            base_url("https://mail.example.org/journey/").unwrap(),
            "https://mail.example.org/journey"
        );
        assert!(base_url("http://127.0.0.1:8080").is_ok());
        assert!(base_url("http://localhost:3000").is_ok());
        assert!(base_url("http://[::1]:3000").is_ok());
        for bad in [
            "http://mail.example.org",
            "mail.example.org",
            "https://",
            "https://mail.example.org/?x=1",
            "https://mail example.org",
            "ftp://mail.example.org",
        ] {
            assert!(base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_and_addresses() {
        assert!(variable_name("JOURNEY_TRACKING_SECRET").is_ok());
        assert!(variable_name("9LIVES").is_err());
        assert!(variable_name("s3cr3t value").is_err());
        assert!(mail_address("unsubscribe@example-health.org").is_ok());
        assert!(mail_address("unsubscribe@localhost").is_err());
        assert!(mail_address("a b@example.org").is_err());
        assert!(domain_name("example-health.org"));
        assert!(!domain_name("-bad.org"));
        assert!(selector_name("journey2027"));
        assert!(!selector_name("a b"));
    }
}
