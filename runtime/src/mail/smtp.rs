//! Delivery over SMTP with lettre: STARTTLS required unless told otherwise.
//!
//! [`SmtpConfig`] is what an operator writes under `[smtp]` in
//! `journey.toml`:
//!
//! ```toml
//! [smtp]
//! host = "smtp.example-health.org"
//! port = 587                          # default: 587, 465 for wrapper, 25 for none
//! tls = "required"                    # "required" (default), "wrapper" or "none"
//! username = "journey"
//! password_env = "JOURNEY_SMTP_PASSWORD"
//! ca_file = "/etc/journey/private-ca.pem"   # optional: a private CA
//! timeout_seconds = 30                # optional
//! ```
//!
//! - `tls = "required"` sends STARTTLS before anything else and refuses a
//!   server that does not offer it; `"wrapper"` speaks TLS from the first
//!   byte (port 465); `"none"` sends everything, password included, in
//!   clear text and is meant for a relay on the same machine only.
//! - The server's certificate must chain to the Mozilla roots (webpki-roots)
//!   or to the CA in `ca_file` (PEM, one or more certificates). A relative
//!   `ca_file` is read from the current folder; callers resolve it against
//!   the project first.
//! - The password is never in a file: `password_env` names the environment
//!   variable that holds it, read once when the transport is made. It is
//!   never logged or put into an error.
//!
//! Connections are pooled (lettre's pool: up to 10, closed after 60 s
//! idle), so a batch reuses one TLS session; a connection that saw an error
//! is dropped, never reused.
//!
//! Failures are sorted as [`super::transport`] explains. SMTP replies: 4xx
//! is temporary, 5xx permanent, except the authentication replies 530, 534,
//! 535 and 538, which are [`SendError::Config`]. Refused or dropped
//! connections and timeouts are temporary; an untrusted or invalid
//! certificate, no STARTTLS where it is required, or no common AUTH
//! mechanism are configuration errors. A server's reply text is kept in
//! the error with every word holding an `@` replaced by `<address>`, so an
//! error never carries a contact's address.

use super::message::Outgoing;
use super::transport::{SendError, Transport};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::Error as SmtpError;
use serde::Deserialize;
use std::error::Error as _;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// The `[smtp]` settings.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    /// Defaults to the usual port of the TLS mode.
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub tls: TlsMode,
    #[serde(default)]
    pub username: Option<String>,
    /// The name of the environment variable that holds the password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// Extra trusted CA certificates (PEM), for a private CA.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// How long to wait for the server at each step (default 30 s).
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain connection upgraded with STARTTLS, which the server must offer.
    #[default]
    Required,
    /// TLS from the first byte (SMTPS, port 465).
    Wrapper,
    /// No encryption at all. Insecure: for a relay on this machine only.
    None,
}

impl SmtpConfig {
    /// The port to connect to: the one set, else the mode's usual one.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            TlsMode::Required => 587,
            TlsMode::Wrapper => 465,
            TlsMode::None => 25,
        })
    }
}

/// The settings cannot make a working transport.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

/// Sends messages to one SMTP server.
pub struct SmtpTransport {
    inner: lettre::SmtpTransport,
}

impl SmtpTransport {
    /// Makes the transport, reading the password from the environment
    /// variable `password_env` names.
    pub fn from_config(config: &SmtpConfig) -> Result<SmtpTransport, ConfigError> {
        let password = match &config.password_env {
            Some(name) => Some(std::env::var(name).map_err(|_| {
                ConfigError(format!(
                    "the environment variable `{name}` (smtp.password_env) is not set"
                ))
            })?),
            None => None,
        };
        SmtpTransport::with_password(config, password)
    }

    /// Makes the transport with the password given (from a secret store, or
    /// a test); `password_env` is not read.
    pub fn with_password(
        config: &SmtpConfig,
        password: Option<String>,
    ) -> Result<SmtpTransport, ConfigError> {
        if config.host.trim().is_empty() {
            return Err(ConfigError("smtp.host is empty".into()));
        }
        let timeout = Duration::from_secs(config.timeout_seconds.unwrap_or(30));
        let mut builder = lettre::SmtpTransport::builder_dangerous(config.host.as_str())
            .port(config.port())
            .timeout(Some(timeout))
            .tls(tls(config)?);

        match (&config.username, password) {
            (Some(user), Some(password)) => {
                builder = builder.credentials(Credentials::new(user.clone(), password));
            }
            (None, None) => {}
            (Some(_), None) => {
                return Err(ConfigError(
                    "smtp.username is set but no password: set smtp.password_env".into(),
                ))
            }
            (None, Some(_)) => {
                return Err(ConfigError(
                    "a password is set but smtp.username is not".into(),
                ))
            }
        }

        Ok(SmtpTransport {
            inner: builder.build(),
        })
    }

    /// Connects, does STARTTLS and AUTH as configured, and hangs up: tells
    /// an operator at start whether the settings work.
    pub fn check(&self) -> Result<(), SendError> {
        match self.inner.test_connection() {
            Ok(true) => Ok(()),
            Ok(false) => Err(SendError::Temporary(
                "the server did not answer NOOP".into(),
            )),
            Err(error) => Err(classify(&error)),
        }
    }
}

impl Transport for SmtpTransport {
    fn send(&self, message: &Outgoing) -> Result<(), SendError> {
        lettre::Transport::send_raw(&self.inner, message.envelope(), message.bytes())
            .map(|_| ())
            .map_err(|error| classify(&error))
    }
}

impl fmt::Debug for SmtpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpTransport").finish_non_exhaustive()
    }
}

fn tls(config: &SmtpConfig) -> Result<Tls, ConfigError> {
    let parameters = || {
        let mut builder = TlsParameters::builder(config.host.clone());
        if let Some(path) = &config.ca_file {
            let pem = std::fs::read(path).map_err(|error| {
                ConfigError(format!(
                    "cannot read smtp.ca_file {}: {error}",
                    path.display()
                ))
            })?;
            let certificate = Certificate::from_pem(&pem).map_err(|_| {
                ConfigError(format!(
                    "smtp.ca_file {} holds no PEM certificate",
                    path.display()
                ))
            })?;
            builder = builder.add_root_certificate(certificate);
        }
        builder
            .build_rustls()
            .map_err(|error| ConfigError(format!("cannot set up TLS: {error}")))
    };

    Ok(match config.tls {
        TlsMode::Required => Tls::Required(parameters()?),
        TlsMode::Wrapper => Tls::Wrapper(parameters()?),
        TlsMode::None => Tls::None,
    })
}

/// Sorts a lettre error into what the outbox should do with the message.
fn classify(error: &SmtpError) -> SendError {
    if let Some(code) = error.status() {
        let code = code.to_string();
        let reply = error
            .source()
            .map(|s| redact(&s.to_string()))
            .unwrap_or_default();
        let text = format!("the server answered {code} {reply}")
            .trim_end()
            .to_string();
        return match code.as_str() {
            "530" | "534" | "535" | "538" => SendError::Config(text),
            _ if error.is_permanent() => SendError::Permanent(text),
            _ => SendError::Temporary(text),
        };
    }

    if let Some(tls) = rustls_error(error) {
        return match tls_is_config(tls) {
            true => SendError::Config(format!(
                "TLS with the server failed: {tls} (is the server's CA trusted? \
                 set smtp.ca_file for a private CA)"
            )),
            false => SendError::Temporary(format!("TLS with the server failed: {tls}")),
        };
    }

    let text = error.to_string();
    if error.is_client() {
        if text.contains("STARTTLS") {
            return SendError::Config(
                "the server does not offer STARTTLS, which smtp.tls = \"required\" needs".into(),
            );
        }
        if text.contains("authentication mechanism") {
            return SendError::Config(
                "the server offers no AUTH mechanism we support (PLAIN, LOGIN)".into(),
            );
        }
        if text.contains("non-ascii") {
            return SendError::Permanent(redact(&text));
        }
    }
    if error.is_tls() {
        return SendError::Config(redact(&text));
    }
    SendError::Temporary(redact(&text))
}

/// The rustls error somewhere in the chain. rustls reports through
/// `io::Error`, whose `source()` skips the error it wraps, so each
/// `io::Error` is opened with `get_ref()`.
fn rustls_error(error: &SmtpError) -> Option<&rustls::Error> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = error.source();
    while let Some(current) = next {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        let wrapped = current
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>());
        if wrapped.is_some() {
            return wrapped;
        }
        next = current.source();
    }
    None
}

/// Certificate and protocol mismatches stay until someone changes a
/// setting; anything else may be a network hiccup.
fn tls_is_config(error: &rustls::Error) -> bool {
    use rustls::AlertDescription as Alert;
    match error {
        rustls::Error::InvalidCertificate(_)
        | rustls::Error::NoCertificatesPresented
        | rustls::Error::PeerIncompatible(_)
        | rustls::Error::UnsupportedNameType => true,
        rustls::Error::AlertReceived(alert) => matches!(
            alert,
            Alert::HandshakeFailure | Alert::ProtocolVersion | Alert::InsufficientSecurity
        ),
        _ => false,
    }
}

/// Replaces every word holding an `@` with `<address>`.
fn redact(text: &str) -> String {
    text.split(' ')
        .map(|word| match word.contains('@') {
            true => "<address>",
            false => word,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_reads_from_toml_with_defaults() {
        let config: SmtpConfig =
            toml_like(r#"{"host": "127.0.0.1", "username": "journey", "password_env": "X"}"#);
        assert_eq!(config.tls, TlsMode::Required);
        assert_eq!(config.port(), 587);

        let wrapper: SmtpConfig = toml_like(r#"{"host": "127.0.0.1", "tls": "wrapper"}"#);
        assert_eq!(wrapper.port(), 465);

        let unknown = serde_json::from_str::<SmtpConfig>(r#"{"host": "h", "pasword": "x"}"#);
        assert!(unknown.is_err(), "unknown keys are refused");
    }

    /// The same serde derive serves TOML; JSON keeps the runtime free of a
    /// TOML dependency in its own tests.
    fn toml_like(json: &str) -> SmtpConfig {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn addresses_never_reach_an_error() {
        assert_eq!(
            redact("5.1.1 <ana@example.org>: Recipient address rejected"),
            "5.1.1 <address> Recipient address rejected"
        );
    }

    #[test]
    fn a_username_needs_a_password() {
        let config = SmtpConfig {
            host: "127.0.0.1".into(),
            port: Some(2525),
            tls: TlsMode::None,
            username: Some("journey".into()),
            password_env: None,
            ca_file: None,
            timeout_seconds: None,
        };
        let error = SmtpTransport::with_password(&config, None).unwrap_err();
        assert!(error.0.contains("password_env"), "{error}");
    }
}
