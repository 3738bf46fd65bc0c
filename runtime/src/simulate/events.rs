//! Scripted happenings from CSV: opens, clicks, custom events, updates.
//!
//! Columns: `at` (an RFC 3339 instant), `contact` (an imported id), `kind`
//! (`open`, `click`, `event` or `update`), `name` (the email for `open`;
//! `email` or `email.link` for `click`; the event for `event`; empty for
//! `update`), and optionally `data` (`field=value;field=value`: the event's
//! fields, or the contact's new values) and `automated` (`true`, `yes` or
//! `1` for an open or click by a mail privacy proxy or link scanner rather
//! than a person; `false`, `no`, `0` or empty for a person).
//!
//! The file is read as strictly as the contacts file: a column that is not
//! one of these is an error (with a "did you mean"), and so is a cell that
//! would be ignored (`data` on an open or click, a `name` on an update, an
//! automated event or update) or that would leave a contact invalid (an
//! update that empties a required field; emptying a field with a default
//! sets the default, as an empty cell does on import). Every problem of
//! every row is reported, each bad `field=value` pair on its own.
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

/// Every column an events file may have, in the documented order.
const COLUMNS: [&str; 6] = ["at", "contact", "kind", "name", "data", "automated"];

/// The columns every events file must have.
const REQUIRED: [&str; 4] = ["at", "contact", "kind", "name"];

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
        .map_err(|e| vec![RowError::row(1, format!("unreadable header: {e}"))])?;
    let columns = Columns::read(headers)?;
    let by_id: HashMap<&str, usize> = contacts
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();

    let mut scripted = Vec::new();
    let mut errors = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let line = row as u64 + 2;
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                errors.push(RowError::row(line, format!("unreadable row: {e}")));
                continue;
            }
        };
        let row = Row {
            line,
            record: &record,
            columns: &columns,
        };
        match row.read(program, contacts, &by_id, start) {
            Ok(happening) => scripted.push(happening),
            Err(problems) => errors.extend(problems),
        }
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    scripted.sort_by_key(|s| (s.at, s.line));
    Ok(scripted)
}

/// Where each of [`COLUMNS`] is in the file, by the same index.
struct Columns([Option<usize>; COLUMNS.len()]);

impl Columns {
    /// Reads the header; every problem with it is returned at once.
    fn read(headers: &csv::StringRecord) -> Result<Columns, Vec<RowError>> {
        let mut found = [None; COLUMNS.len()];
        let mut errors = Vec::new();
        for (index, header) in headers.iter().enumerate() {
            let name = header.trim();
            match COLUMNS.iter().position(|c| *c == name) {
                Some(known) if found[known].is_some() => {
                    let reason = format!("the column `{name}` appears twice");
                    errors.push(RowError::cell(1, name, index, reason));
                }
                Some(known) => found[known] = Some(index),
                None => errors.push(RowError::cell(1, name, index, unknown_column(name))),
            }
        }
        for (known, name) in COLUMNS.iter().enumerate() {
            if found[known].is_none() && REQUIRED.contains(name) {
                errors.push(RowError::row(
                    1,
                    format!("the header has no `{name}` column"),
                ));
            }
        }

        if errors.is_empty() {
            Ok(Columns(found))
        } else {
            Err(errors)
        }
    }

    fn index(&self, name: &str) -> Option<usize> {
        let known = COLUMNS.iter().position(|c| *c == name)?;
        self.0[known]
    }
}

fn unknown_column(name: &str) -> String {
    match journey_compiler::suggest::closest(name, &COLUMNS) {
        Some(best) => format!("`{name}` is not an events column; did you mean `{best}`?"),
        None => format!(
            "`{name}` is not an events column (the columns are {})",
            COLUMNS.join(", ")
        ),
    }
}

/// One data row of the file.
struct Row<'r> {
    line: u64,
    record: &'r csv::StringRecord,
    columns: &'r Columns,
}

/// A problem in one cell: the column's name and the reason.
type CellError = (&'static str, String);

impl Row<'_> {
    /// The trimmed cell of column `name`; empty when the file has no such
    /// column or the row is short.
    fn cell(&self, name: &str) -> &str {
        self.columns
            .index(name)
            .and_then(|i| self.record.get(i))
            .unwrap_or("")
            .trim()
    }

    fn error(&self, (name, reason): CellError) -> RowError {
        match self.columns.index(name) {
            Some(index) => RowError::cell(self.line, name, index, reason),
            None => RowError::row(self.line, reason),
        }
    }

    /// The row's happening, or every problem in it.
    fn read(
        &self,
        program: &Program,
        contacts: &[ContactRecord],
        by_id: &HashMap<&str, usize>,
        start: i64,
    ) -> Result<Scripted, Vec<RowError>> {
        let mut problems: Vec<CellError> = Vec::new();

        let at = match chrono::DateTime::parse_from_rfc3339(self.cell("at")) {
            Ok(at) if at.timestamp() < start => {
                let reason = format!(
                    "`{}` is before the simulation starts (--start {})",
                    self.cell("at"),
                    instant(start)
                );
                problems.push(("at", reason));
                None
            }
            Ok(at) => Some(at.timestamp()),
            Err(_) => {
                let reason = format!(
                    "`{}` is not an instant such as 2027-03-14T09:00:00Z",
                    self.cell("at")
                );
                problems.push(("at", reason));
                None
            }
        };
        let contact = by_id.get(self.cell("contact")).copied();
        if contact.is_none() {
            let reason = format!("no imported contact has the id `{}`", self.cell("contact"));
            problems.push(("contact", reason));
        }
        let automated = automated(self.cell("automated")).unwrap_or_else(|reason| {
            problems.push(("automated", reason));
            false
        });

        let zone = contact.and_then(|c| contacts[c].zone).unwrap_or(Tz::UTC);
        let cells = Cells {
            kind: self.cell("kind"),
            name: self.cell("name"),
            data: self.cell("data"),
            automated,
        };
        let what = happening(program, &cells, zone).map_err(|bad| problems.extend(bad));

        match (at, contact, what) {
            (Some(at), Some(contact), Ok(what)) if problems.is_empty() => Ok(Scripted {
                at,
                contact,
                what,
                line: self.line,
            }),
            _ => {
                let mut errors: Vec<RowError> =
                    problems.into_iter().map(|p| self.error(p)).collect();
                errors.sort_by_key(|e| e.column_number);
                Err(errors)
            }
        }
    }
}

/// The `automated` cell: empty is a person.
fn automated(cell: &str) -> Result<bool, String> {
    match cell.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" | "" => Ok(false),
        _ => Err(format!(
            "`{cell}` is not one of true, false, yes, no, 1, 0 (or empty)"
        )),
    }
}

/// The cells that say what happened.
struct Cells<'r> {
    kind: &'r str,
    name: &'r str,
    data: &'r str,
    automated: bool,
}

fn happening(program: &Program, cells: &Cells, zone: Tz) -> Result<Happening, Vec<CellError>> {
    let Cells {
        kind,
        name,
        data,
        automated,
    } = *cells;
    let mut problems = Vec::new();
    let is_open_or_click = matches!(kind, "open" | "click");
    if is_open_or_click && !data.is_empty() {
        let reason = format!(
            "{} has no data (`{data}`); leave `data` empty",
            article(kind)
        );
        problems.push(("data", reason));
    }
    if matches!(kind, "event" | "update") && automated {
        let reason = format!(
            "only opens and clicks can be automated, not {}",
            article(kind)
        );
        problems.push(("automated", reason));
    }

    let what = match kind {
        "open" => email(program, name).map(|email| Happening::Open { email, automated }),
        "click" => click(program, name, automated),
        "event" => event(program, name, data),
        "update" => {
            if !name.is_empty() {
                let reason = format!("an update has no name (`{name}`); leave `name` empty");
                problems.push(("name", reason));
            }
            update(program, data, zone)
        }
        other => Err(vec![(
            "kind",
            format!("`{other}` is not one of open, click, event, update"),
        )]),
    };
    match what {
        Ok(what) if problems.is_empty() => Ok(what),
        Ok(_) => Err(problems),
        Err(more) => {
            problems.extend(more);
            Err(problems)
        }
    }
}

/// `kind` after "a" or "an": "an open", "a click".
fn article(kind: &str) -> String {
    match kind {
        "open" | "event" | "update" => format!("an {kind}"),
        _ => format!("a {kind}"),
    }
}

fn email(program: &Program, name: &str) -> Result<u16, Vec<CellError>> {
    program
        .emails
        .iter()
        .position(|e| e.name == name)
        .map(|e| e as u16)
        .ok_or_else(|| vec![("name", format!("`{name}` is not a declared email"))])
}

fn click(program: &Program, name: &str, automated: bool) -> Result<Happening, Vec<CellError>> {
    let (email_name, link_name) = match name.split_once('.') {
        Some((e, l)) => (e, Some(l)),
        None => (name, None),
    };
    let email = email(program, email_name)?;
    let link = match link_name {
        None => None,
        Some(link) => Some(
            program.emails[email as usize]
                .links
                .iter()
                .position(|(n, _)| n == link)
                .ok_or_else(|| vec![("name", format!("`{email_name}` has no link `{link}`"))])?
                as u16,
        ),
    };
    Ok(Happening::Click {
        email,
        link,
        automated,
    })
}

fn event(program: &Program, name: &str, data: &str) -> Result<Happening, Vec<CellError>> {
    let event = program
        .events
        .iter()
        .position(|e| e.name == name)
        .ok_or_else(|| vec![("name", format!("`{name}` is not a declared event"))])?;
    let declared = &program.events[event].fields;

    let mut problems = Vec::new();
    let mut fields = vec![Owned::Missing; declared.len()];
    for pair in split_pairs(data) {
        let (key, value) = match pair {
            Ok(pair) => pair,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let Some(index) = declared.iter().position(|(n, _)| n == key) else {
            problems.push(("data", format!("the event `{name}` has no field `{key}`")));
            continue;
        };
        match event_value(declared[index].1, value) {
            Ok(value) => fields[index] = value,
            Err(reason) => problems.push(("data", format!("field `{key}`: {reason}"))),
        }
    }

    if problems.is_empty() {
        Ok(Happening::Event {
            event: event as u16,
            fields,
        })
    } else {
        Err(problems)
    }
}

fn update(program: &Program, data: &str, zone: Tz) -> Result<Happening, Vec<CellError>> {
    let mut problems = Vec::new();
    let mut changes = Vec::new();
    for pair in split_pairs(data) {
        let (key, value) = match pair {
            Ok(pair) => pair,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let Some(field) = program.fields.iter().position(|f| f.name == key) else {
            problems.push(("data", format!("`{key}` is not a contact field")));
            continue;
        };
        let def = &program.fields[field];
        let value = match parse_cell(program, field, value, zone) {
            Ok(Owned::Missing) => match &def.default {
                Some(default) => Owned::from_constant(default),
                None if def.optional => Owned::Missing,
                None => {
                    let reason = format!(
                        "field `{key}`: required (not optional, no default), so it cannot \
                         be emptied"
                    );
                    problems.push(("data", reason));
                    continue;
                }
            },
            Ok(value) => value,
            Err(reason) => {
                problems.push(("data", format!("field `{key}`: {reason}")));
                continue;
            }
        };
        changes.push((field, value));
    }

    if problems.is_empty() {
        Ok(Happening::Update { changes })
    } else {
        Err(problems)
    }
}

/// The `field=value` pairs of a `data` cell in the order written, or for
/// each part that is not a pair or names a field a second time, why.
fn split_pairs(data: &str) -> Vec<Result<(&str, &str), CellError>> {
    let mut keys: Vec<&str> = Vec::new();
    let mut pairs = Vec::new();
    for part in data.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let pair = match part.split_once('=') {
            Some((key, _)) if keys.contains(&key.trim()) => {
                Err(("data", format!("field `{}` is given twice", key.trim())))
            }
            Some((key, value)) => {
                keys.push(key.trim());
                Ok((key.trim(), value.trim()))
            }
            None => Err(("data", format!("`{part}` is not `field=value`"))),
        };
        pairs.push(pair);
    }
    pairs
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
