//! Project settings from `journey.toml`.
//!
//! ```toml
//! [project]
//! timezone = "America/Chicago"   # the project's default zone
//!
//! [lints]
//! unused-declaration = "allow"   # allow | warn | deny, per lint name
//!
//! [smtp]                         # the engine's mail server (see
//! host = "smtp.example.org"      # docs/operations.md); without it, mail
//!                                # goes to .eml files in an outbox folder
//! [engine]
//! outbox = "outbox"
//!
//! [tracking]                     # tracked links, unsubscribe, DKIM:
//! [dkim]                         # see `mail` and docs/operations.md
//! ```
//!
//! The file is optional. Reading it is the caller's job (the compiler does
//! no file I/O of its own for projects); this module parses and validates the
//! text and reports mistakes as diagnostics on a source file, so a typo in a
//! lint name gets the same "did you mean" as a typo in a journey.

mod mail;

pub use mail::{DkimAlgorithm, DkimKey, DkimSettings, TrackingSettings};

use super::lints::{Level, LINTS};
use crate::diagnostic::{label, Diagnostic};
use crate::source::FileId;
use crate::span::Span;
use crate::suggest::closest;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default)]
pub struct ProjectConfig {
    /// The project's default time zone (an IANA name), if set.
    pub timezone: Option<String>,
    /// Lint levels that differ from the defaults, by lint name.
    pub lints: BTreeMap<String, Level>,
    /// `[smtp]` and `[engine]`: the engine's settings, which the engine
    /// reads and checks; the compiler only carries them.
    pub smtp: Option<toml::Table>,
    pub engine: Option<toml::Table>,
    /// `[tracking]` and `[dkim]`, checked here (see `mail`).
    pub tracking: Option<TrackingSettings>,
    pub dkim: Option<DkimSettings>,
}

/// Parses `journey.toml`. Problems are reported against `file`; the
/// settings that could be read are kept.
pub fn parse_config(file: FileId, text: &str) -> (ProjectConfig, Vec<Diagnostic>) {
    let mut config = ProjectConfig::default();
    let mut diagnostics = Vec::new();
    let whole = Span::new(0, text.len().min(1));

    let table: toml::Table = match text.parse() {
        Ok(table) => table,
        Err(error) => {
            let span = error.span().map_or(whole, |r| Span::new(r.start, r.end));
            let message = format!("journey.toml is not valid TOML: {}", error.message());
            diagnostics.push(Diagnostic::error(
                "bad-config",
                message,
                label(file, span, "here"),
            ));
            return (config, diagnostics);
        }
    };

    let locate = |needle: &str| {
        text.find(needle)
            .map_or(whole, |start| Span::new(start, start + needle.len()))
    };

    for (key, value) in &table {
        match (key.as_str(), value) {
            ("project", toml::Value::Table(project)) => {
                for (key, value) in project {
                    match (key.as_str(), value) {
                        ("timezone", toml::Value::String(zone)) => {
                            if super::zones::parse(zone).is_none() {
                                diagnostics.push(super::zones::unknown_zone(
                                    file,
                                    locate(zone),
                                    zone,
                                ));
                            }
                            config.timezone = Some(zone.clone());
                        }
                        ("timezone", _) => diagnostics.push(Diagnostic::error(
                            "bad-config",
                            "`timezone` must be text, such as \"America/Chicago\"",
                            label(file, locate(key), "not text"),
                        )),
                        _ => diagnostics.push(unknown_key(file, locate(key), key, &["timezone"])),
                    }
                }
            }
            ("lints", toml::Value::Table(lints)) => {
                for (name, value) in lints {
                    let span = locate(name);
                    let names: Vec<&str> = LINTS.iter().map(|l| l.name).collect();
                    if !names.contains(&name.as_str()) && name != "warnings" {
                        diagnostics.push(unknown_key(file, span, name, &names));
                        continue;
                    }
                    match value.as_str().and_then(Level::parse) {
                        Some(level) => {
                            config.lints.insert(name.clone(), level);
                        }
                        None => diagnostics.push(Diagnostic::error(
                            "bad-config",
                            format!(
                                "the level of lint `{name}` must be \"allow\", \
                                    \"warn\" or \"deny\""
                            ),
                            label(file, span, "this lint"),
                        )),
                    }
                }
            }
            ("smtp", toml::Value::Table(table)) => config.smtp = Some(table.clone()),
            ("engine", toml::Value::Table(table)) => config.engine = Some(table.clone()),
            ("tracking", toml::Value::Table(table)) => {
                config.tracking = Some(mail::tracking(file, table, &locate, &mut diagnostics))
            }
            ("dkim", toml::Value::Table(table)) => {
                config.dkim = mail::dkim(file, table, &locate, &mut diagnostics)
            }
            _ => diagnostics.push(unknown_key(
                file,
                locate(key),
                key,
                &["project", "lints", "smtp", "engine", "tracking", "dkim"],
            )),
        }
    }
    (config, diagnostics)
}

fn unknown_key(file: FileId, span: Span, key: &str, known: &[&str]) -> Diagnostic {
    let mut diagnostic = Diagnostic::error(
        "bad-config",
        format!("journey.toml has an unknown setting `{key}`"),
        label(file, span, "not a setting journey knows"),
    );
    diagnostic = match closest(key, known) {
        Some(best) => diagnostic.with_help(format!("did you mean `{best}`?")),
        None => diagnostic.with_help(format!("known settings here: {}", known.join(", "))),
    };
    diagnostic
}
