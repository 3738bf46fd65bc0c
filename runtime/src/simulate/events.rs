//! Scripted happenings from CSV: opens, clicks, custom events, updates.
//!
//! Columns: `at` (an RFC 3339 instant), `contact` (an imported id), `kind`
//! (`open`, `click`, `event` or `update`), `name` (the email for `open`;
//! `email` or `email.link` for `click`; the event for `event`; empty for
//! `update`), and optionally `data` (`field=value;field=value`: the event's
//! fields, or the contact's new values) and `automated` (`true` for an open
//! or click by a mail privacy proxy or link scanner rather than a person).
//!
//! A row stamped before the simulation starts is an error: the virtual
//! clock cannot go back to it, and moving it to the start would change what
//! it means.

use super::contacts::{parse_cell, ContactRecord, RowError};
use super::report::instant;
use super::value::Owned;
use crate::bytecode::Program;
use chrono_tz::Tz;
use journey_compiler::check::program::Base;
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq)]
pub enum Happening {
    Open {
        email: u16,
        automated: bool,
    },
    Click {
        email: u16,
        link: Option<u16>,
        automated: bool,
    },
    Event {
        event: u16,
        fields: Vec<Owned>,
    },
    Update {
        changes: Vec<(usize, Owned)>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scripted {
    pub at: i64,
    pub contact: usize,
    pub what: Happening,
    /// The line in the file, for ordering ties and for messages.
    pub line: u64,
}

/// Reads the events of a simulation that starts at `start` (seconds since
/// the epoch): every happening, or every problem of every row.
pub fn parse_events(
    program: &Program,
    contacts: &[ContactRecord],
    text: &str,
    start: i64,
) -> Result<Vec<Scripted>, Vec<RowError>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| vec![error(1, None, format!("unreadable header: {e}"))])?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let mut errors = Vec::new();
    let required = ["at", "contact", "kind", "name"];
    for name in required {
        if column(name).is_none() {
            errors.push(error(1, None, format!("the header has no `{name}` column")));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let by_id: HashMap<&str, usize> = contacts
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();

    let mut scripted = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let line = row as u64 + 2;
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                errors.push(error(line, None, format!("unreadable row: {e}")));
                continue;
            }
        };
        let cell = |name: &str| {
            column(name)
                .and_then(|i| record.get(i))
                .unwrap_or("")
                .trim()
        };
        let at_column = |name: &str| Some((name.to_string(), column(name).map_or(0, |i| i + 1)));

        let at = match chrono::DateTime::parse_from_rfc3339(cell("at")) {
            Ok(at) => at.timestamp(),
            Err(_) => {
                let reason = format!(
                    "`{}` is not an instant such as 2027-03-14T09:00:00Z",
                    cell("at")
                );
                errors.push(error(line, at_column("at"), reason));
                continue;
            }
        };
        if at < start {
            let reason = format!(
                "`{}` is before the simulation starts (--start {})",
                cell("at"),
                instant(start)
            );
            errors.push(error(line, at_column("at"), reason));
            continue;
        }
        let Some(&contact) = by_id.get(cell("contact")) else {
            let reason = format!("no imported contact has the id `{}`", cell("contact"));
            errors.push(error(line, at_column("contact"), reason));
            continue;
        };
        let automated = matches!(
            cell("automated").to_ascii_lowercase().as_str(),
            "true" | "yes" | "1"
        );
        let zone = contacts[contact].zone.unwrap_or(Tz::UTC);
        let what = match happening(
            program,
            cell("kind"),
            cell("name"),
            cell("data"),
            automated,
            zone,
        ) {
            Ok(what) => what,
            Err((name, reason)) => {
                errors.push(error(line, at_column(name), reason));
                continue;
            }
        };
        scripted.push(Scripted {
            at,
            contact,
            what,
            line,
        });
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    scripted.sort_by_key(|s| (s.at, s.line));
    Ok(scripted)
}

type CellError = (&'static str, String);

fn happening(
    program: &Program,
    kind: &str,
    name: &str,
    data: &str,
    automated: bool,
    zone: Tz,
) -> Result<Happening, CellError> {
    let email = |name: &str| {
        program
            .emails
            .iter()
            .position(|e| e.name == name)
            .map(|e| e as u16)
            .ok_or(("name", format!("`{name}` is not a declared email")))
    };
    match kind {
        "open" => Ok(Happening::Open {
            email: email(name)?,
            automated,
        }),
        "click" => {
            let (email_name, link_name) = match name.split_once('.') {
                Some((e, l)) => (e, Some(l)),
                None => (name, None),
            };
            let email = email(email_name)?;
            let link = match link_name {
                None => None,
                Some(link) => Some(
                    program.emails[email as usize]
                        .links
                        .iter()
                        .position(|(n, _)| n == link)
                        .ok_or(("name", format!("`{email_name}` has no link `{link}`")))?
                        as u16,
                ),
            };
            Ok(Happening::Click {
                email,
                link,
                automated,
            })
        }
        "event" => {
            let event = program
                .events
                .iter()
                .position(|e| e.name == name)
                .ok_or(("name", format!("`{name}` is not a declared event")))?;
            let declared = &program.events[event].fields;
            let mut fields = vec![Owned::Missing; declared.len()];
            for (key, value) in pairs(data)? {
                let index = declared
                    .iter()
                    .position(|(n, _)| n == key)
                    .ok_or(("data", format!("the event `{name}` has no field `{key}`")))?;
                fields[index] = event_value(declared[index].1, value).map_err(|r| ("data", r))?;
            }
            Ok(Happening::Event {
                event: event as u16,
                fields,
            })
        }
        "update" => {
            let mut changes = Vec::new();
            for (key, value) in pairs(data)? {
                let field = program
                    .fields
                    .iter()
                    .position(|f| f.name == key)
                    .ok_or(("data", format!("`{key}` is not a contact field")))?;
                let value = parse_cell(program, field, value, zone).map_err(|r| ("data", r))?;
                changes.push((field, value));
            }
            Ok(Happening::Update { changes })
        }
        other => Err((
            "kind",
            format!("`{other}` is not one of open, click, event, update"),
        )),
    }
}

fn pairs(data: &str) -> Result<Vec<(&str, &str)>, CellError> {
    data.split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|pair| {
            pair.split_once('=')
                .map(|(k, v)| (k.trim(), v.trim()))
                .ok_or(("data", format!("`{pair}` is not `field=value`")))
        })
        .collect()
}

fn event_value(ty: Base, text: &str) -> Result<Owned, String> {
    match ty {
        Base::Number => text
            .parse()
            .map(Owned::Number)
            .map_err(|_| format!("`{text}` is not a number")),
        Base::Bool => match text {
            "true" => Ok(Owned::Bool(true)),
            "false" => Ok(Owned::Bool(false)),
            _ => Err(format!("`{text}` is not true or false")),
        },
        _ => Ok(Owned::Text(text.to_string())),
    }
}

fn error(line: u64, column: Option<(String, usize)>, reason: String) -> RowError {
    match column {
        Some((name, number)) => RowError {
            line,
            column: Some(name),
            column_number: Some(number),
            reason,
        },
        None => RowError {
            line,
            column: None,
            column_number: None,
            reason,
        },
    }
}
