//! Contacts from CSV, validated against the schema.
//!
//! The first row names the columns. `id` (the contact's external id) is
//! required; every other column must be a contact field, or `lists` /
//! `segments` (names separated by `;`). Each cell is parsed by the field's
//! type; an empty cell is a missing value, which only optional fields and
//! fields with a default accept. Date-times are RFC 3339 instants
//! (`2027-03-14T09:00:00-05:00`) or local `2027-03-14 09:00`, read in the
//! contact's `timezone` (else the project's, else UTC).
//!
//! Every bad cell is reported with its line, column and reason, and nothing
//! is imported when any row is bad.

use super::value::Owned;
use crate::bytecode::Program;
use crate::timing;
use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use journey_compiler::check::program::Base;
use std::collections::BTreeSet;
use std::fmt;

/// One imported contact.
#[derive(Clone, Debug)]
pub struct ContactRecord {
    pub id: String,
    pub fields: Vec<Owned>,
    pub zone: Option<Tz>,
    pub lists: BTreeSet<u16>,
    pub segments: BTreeSet<u16>,
}

/// A bad cell or row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line in the file.
    pub line: u64,
    /// The column's name, when the problem is in one cell.
    pub column: Option<String>,
    /// 1-based column number.
    pub column_number: Option<usize>,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.column, self.column_number) {
            (Some(name), Some(n)) => {
                write!(
                    f,
                    "line {}, column {n} ({name}): {}",
                    self.line, self.reason
                )
            }
            _ => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

/// What a column of the file holds.
enum Column {
    Id,
    Field(usize),
    Lists,
    Segments,
}

pub fn parse_contacts(program: &Program, text: &str) -> Result<Vec<ContactRecord>, Vec<RowError>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut errors = Vec::new();

    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(error) => {
            return Err(vec![row_error(
                1,
                None,
                format!("unreadable header: {error}"),
            )])
        }
    };
    let mut columns = Vec::new();
    for (index, name) in headers.iter().enumerate() {
        let name = name.trim();
        let column = match name {
            "id" => Column::Id,
            "lists" => Column::Lists,
            "segments" => Column::Segments,
            _ => match program.fields.iter().position(|f| f.name == name) {
                Some(field) => Column::Field(field),
                None => {
                    let known: Vec<&str> = program.fields.iter().map(|f| f.name.as_str()).collect();
                    let hint = journey_compiler::suggest::closest(name, &known)
                        .map_or(String::new(), |best| format!("; did you mean `{best}`?"));
                    errors.push(cell_error(
                        1,
                        name,
                        index,
                        format!("`{name}` is not a contact field{hint}"),
                    ));
                    continue;
                }
            },
        };
        columns.push((index, column));
    }
    if !columns.iter().any(|(_, c)| matches!(c, Column::Id)) {
        errors.push(row_error(
            1,
            None,
            "the header has no `id` column (each contact's external id)".into(),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let project_zone: Option<Tz> = program.timezone.as_deref().and_then(|z| z.parse().ok());
    let zone_field = program.fields.iter().position(|f| f.ty == Base::TimeZone);
    let mut contacts = Vec::new();
    let mut seen = BTreeSet::new();

    for (row_index, record) in reader.records().enumerate() {
        let line = row_index as u64 + 2;
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                errors.push(row_error(line, None, format!("unreadable row: {error}")));
                continue;
            }
        };
        if record.len() != headers.len() {
            let reason = format!(
                "has {} cells, the header has {}",
                record.len(),
                headers.len()
            );
            errors.push(row_error(line, None, reason));
            continue;
        }

        // The zone first: local date-times in the same row are read in it.
        let zone = zone_field.and_then(|field| {
            let (index, _) = columns
                .iter()
                .find(|(_, c)| matches!(c, Column::Field(f) if *f == field))?;
            record.get(*index)?.trim().parse::<Tz>().ok()
        });
        let read_zone = zone.or(project_zone).unwrap_or(Tz::UTC);

        let mut contact = ContactRecord {
            id: String::new(),
            fields: vec![Owned::Missing; program.fields.len()],
            zone,
            lists: BTreeSet::new(),
            segments: BTreeSet::new(),
        };
        // Fields whose cell was already reported as bad.
        let mut reported = vec![false; program.fields.len()];
        for (index, column) in &columns {
            let cell = record.get(*index).unwrap_or("").trim();
            let name = &headers[*index];
            match column {
                Column::Id if cell.is_empty() => {
                    errors.push(cell_error(line, name, *index, "the id is empty".into()))
                }
                Column::Id if !seen.insert(cell.to_string()) => errors.push(cell_error(
                    line,
                    name,
                    *index,
                    format!("the id `{cell}` appears twice in the file"),
                )),
                Column::Id => contact.id = cell.to_string(),
                Column::Lists | Column::Segments => {
                    let (names, into) = match column {
                        Column::Lists => (&program.lists, &mut contact.lists),
                        _ => (&program.segments, &mut contact.segments),
                    };
                    for part in cell.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                        match names.iter().position(|n| n == part) {
                            Some(found) => {
                                into.insert(found as u16);
                            }
                            None => errors.push(cell_error(
                                line,
                                name,
                                *index,
                                format!("`{part}` is not declared in the project"),
                            )),
                        }
                    }
                }
                Column::Field(field) => match parse_cell(program, *field, cell, read_zone) {
                    Ok(value) => contact.fields[*field] = value,
                    Err(reason) => {
                        reported[*field] = true;
                        errors.push(cell_error(line, name, *index, reason));
                    }
                },
            }
        }
        for (field, def) in program.fields.iter().enumerate() {
            if contact.fields[field] != Owned::Missing || reported[field] {
                continue;
            }
            if let Some(default) = &def.default {
                contact.fields[field] = Owned::from_constant(default);
            } else if !def.optional {
                let reason = format!(
                    "`{}` is required (not optional, no default) but has no value",
                    def.name
                );
                match columns
                    .iter()
                    .find(|(_, c)| matches!(c, Column::Field(f) if *f == field))
                {
                    Some((index, _)) => errors.push(cell_error(line, &def.name, *index, reason)),
                    None => errors.push(row_error(line, None, reason)),
                }
            }
        }
        if let Some(Owned::Text(name)) = zone_field.map(|f| &contact.fields[f]) {
            contact.zone = name.parse().ok();
        }
        contacts.push(contact);
    }

    if errors.is_empty() {
        Ok(contacts)
    } else {
        Err(errors)
    }
}

/// Parses one cell for field `field`; `Owned::Missing` for an empty cell.
pub fn parse_cell(program: &Program, field: usize, cell: &str, zone: Tz) -> Result<Owned, String> {
    if cell.is_empty() {
        return Ok(Owned::Missing);
    }
    let ty = program.fields[field].ty;
    match ty {
        Base::Text => Ok(Owned::Text(cell.to_string())),
        Base::Email => {
            let valid = cell.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !cell.contains(char::is_whitespace)
            });
            if valid {
                Ok(Owned::Text(cell.to_string()))
            } else {
                Err(format!("`{cell}` is not an email address"))
            }
        }
        Base::TimeZone => match cell.parse::<Tz>() {
            Ok(_) => Ok(Owned::Text(cell.to_string())),
            Err(_) => Err(format!(
                "`{cell}` is not an IANA time zone such as America/Chicago"
            )),
        },
        Base::Number => cell
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Owned::Number)
            .ok_or_else(|| format!("`{cell}` is not a number")),
        Base::Bool => match cell.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(Owned::Bool(true)),
            "false" | "no" | "0" => Ok(Owned::Bool(false)),
            _ => Err(format!("`{cell}` is not true or false")),
        },
        Base::Date => NaiveDate::parse_from_str(cell, "%Y-%m-%d")
            .map(|d| Owned::Date(timing::days_of(d)))
            .map_err(|_| format!("`{cell}` is not a date such as 2027-03-14")),
        Base::DateTime => parse_datetime(cell, zone)
            .map(Owned::Instant)
            .ok_or_else(|| {
                format!(
                    "`{cell}` is not a date and time such as 2027-03-14T09:00:00-05:00 or \
                2027-03-14 09:00"
                )
            }),
        Base::Duration | Base::Time => {
            Err(format!("fields of type {} cannot be imported", ty.name()))
        }
    }
}

fn parse_datetime(cell: &str, zone: Tz) -> Option<i64> {
    if let Ok(instant) = chrono::DateTime::parse_from_rfc3339(cell) {
        return Some(instant.timestamp());
    }
    let local = NaiveDateTime::parse_from_str(cell, "%Y-%m-%d %H:%M").ok()?;
    Some(crate::time::local_to_utc(local, zone).timestamp())
}

fn row_error(line: u64, column: Option<String>, reason: String) -> RowError {
    RowError {
        line,
        column,
        column_number: None,
        reason,
    }
}

fn cell_error(line: u64, name: &str, index: usize, reason: String) -> RowError {
    RowError {
        line,
        column: Some(name.to_string()),
        column_number: Some(index + 1),
        reason,
    }
}
