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
//! Every bad cell is reported with its line, column and reason.
//! [`ContactReader`] reads a file row by row, so that an import of millions
//! of contacts never holds them all, and says for each row whether it is a
//! contact or what is wrong with it. A [`Layout`] adapts the reading to a
//! file from another system: `--map` renames columns, and extra columns are
//! columns the caller reads itself (the engine's consent and suppression
//! columns). [`parse_contacts`] is the simulator's reading: a whole file,
//! and nothing when any row is bad.

use super::value::Owned;
use crate::bytecode::Program;
use crate::timing;
use chrono::NaiveTime;
use chrono_tz::Tz;
use journey_compiler::check::program::Base;
use journey_compiler::date::{parse_date, RULE as DATE_RULE};
use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::io;

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

impl RowError {
    /// A problem with a whole row.
    pub fn row(line: u64, reason: String) -> RowError {
        RowError {
            line,
            column: None,
            column_number: None,
            reason,
        }
    }

    /// A problem with one cell: the column's name and 0-based index.
    pub fn cell(line: u64, name: &str, index: usize, reason: String) -> RowError {
        RowError {
            line,
            column: Some(name.to_string()),
            column_number: Some(index + 1),
            reason,
        }
    }
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

/// How to read a file whose columns are not exactly the schema's.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// `(column, name)`: read the file's column `column` as if its header
    /// said `name` (a field, `id`, `lists`, `segments` or an extra column).
    pub renames: Vec<(String, String)>,
    /// Columns that are not contact fields but that the caller reads
    /// itself; their cells are handed over as written.
    pub extra: Vec<String>,
}

/// One data row of a contacts file.
#[derive(Clone, Debug)]
pub struct ContactRow {
    /// The line the row starts on.
    pub line: u64,
    /// The cells as written (invalid UTF-8 replaced), for a rejects file.
    pub cells: Vec<String>,
    /// The contact, or every problem found in the row.
    pub contact: Result<ContactRecord, Vec<RowError>>,
    /// The trimmed cell of each extra column of the [`Layout`], in its
    /// order; empty when the file has no such column.
    pub extra: Vec<String>,
}

/// What a column of the file holds.
enum Column {
    Id,
    Field(usize),
    Lists,
    Segments,
    Extra(usize),
}

/// Reads contacts one row at a time; the header is read and checked by
/// [`ContactReader::new`].
pub struct ContactReader<'p, R> {
    program: &'p Program,
    reader: csv::Reader<R>,
    headers: Vec<String>,
    columns: Vec<(usize, Column)>,
    extra_columns: Vec<Option<usize>>,
    zone_column: Option<usize>,
    project_zone: Option<Tz>,
    seen: HashSet<String>,
    record: csv::ByteRecord,
}

impl<'p, R: io::Read> ContactReader<'p, R> {
    /// Reads the header; every problem with it (an unknown column, no `id`,
    /// a renamed column the file lacks) is returned at once.
    pub fn new(
        program: &'p Program,
        input: R,
        layout: &Layout,
    ) -> Result<ContactReader<'p, R>, Vec<RowError>> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
        let headers: Vec<String> = match reader.headers() {
            Ok(headers) => headers.iter().map(|h| h.trim().to_string()).collect(),
            Err(error) => {
                return Err(vec![RowError::row(
                    1,
                    format!("unreadable header: {error}"),
                )]);
            }
        };
        let (columns, mut errors) = resolve_columns(program, &headers, layout);
        for (column, _) in &layout.renames {
            if !headers.iter().any(|h| h == column) {
                errors.push(RowError::row(
                    1,
                    format!("--map names the column `{column}`, which the header does not have"),
                ));
            }
        }
        if !columns.iter().any(|(_, c)| matches!(c, Column::Id)) {
            errors.push(RowError::row(
                1,
                "the header has no `id` column (each contact's external id)".into(),
            ));
        }
        for (field, def) in program.fields.iter().enumerate() {
            let present = columns
                .iter()
                .any(|(_, c)| matches!(c, Column::Field(f) if *f == field));
            if !present && !def.optional && def.default.is_none() {
                errors.push(RowError::row(
                    1,
                    format!(
                        "the header has no `{}` column, and every contact needs one (the \
                         field is not optional and has no default)",
                        def.name
                    ),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }

        let extra_columns = (0..layout.extra.len())
            .map(|extra| {
                columns
                    .iter()
                    .find(|(_, c)| matches!(c, Column::Extra(e) if *e == extra))
                    .map(|(index, _)| *index)
            })
            .collect();
        let zone_field = program.fields.iter().position(|f| f.ty == Base::TimeZone);
        let zone_column = zone_field.and_then(|field| {
            columns
                .iter()
                .find(|(_, c)| matches!(c, Column::Field(f) if *f == field))
                .map(|(index, _)| *index)
        });
        Ok(ContactReader {
            program,
            reader,
            headers,
            columns,
            extra_columns,
            zone_column,
            project_zone: program.timezone.as_deref().and_then(|z| z.parse().ok()),
            seen: HashSet::new(),
            record: csv::ByteRecord::new(),
        })
    }

    /// The header's column names, trimmed, as the file writes them.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The 1-based column number of the layout's extra column `extra`.
    pub fn extra_column(&self, extra: usize) -> Option<usize> {
        self.extra_columns[extra].map(|index| index + 1)
    }

    /// How far into the input the reader is, in bytes: for progress.
    pub fn byte_position(&self) -> u64 {
        self.reader.position().byte()
    }

    fn read_row(&mut self, line: u64) -> ContactRow {
        let cells: Vec<String> = self
            .record
            .iter()
            .map(|cell| String::from_utf8_lossy(cell).into_owned())
            .collect();
        let mut row = ContactRow {
            line,
            cells,
            contact: Err(Vec::new()),
            extra: vec![String::new(); self.extra_columns.len()],
        };
        if let Err(error) = std::str::from_utf8(self.record.as_slice()) {
            let reason = format!("unreadable row: not UTF-8 text ({error})");
            row.contact = Err(vec![RowError::row(line, reason)]);
            return row;
        }
        if row.cells.len() != self.headers.len() {
            let reason = format!(
                "has {} cells, the header has {}",
                row.cells.len(),
                self.headers.len()
            );
            row.contact = Err(vec![RowError::row(line, reason)]);
            return row;
        }
        for (extra, index) in self.extra_columns.iter().enumerate() {
            if let Some(index) = index {
                row.extra[extra] = row.cells[*index].trim().to_string();
            }
        }
        row.contact = self.contact(line, &row.cells);
        row
    }

    fn contact(&mut self, line: u64, cells: &[String]) -> Result<ContactRecord, Vec<RowError>> {
        let program = self.program;
        let mut errors = Vec::new();

        // The zone first: local date-times in the same row are read in it.
        let zone = self
            .zone_column
            .and_then(|index| cells[index].trim().parse::<Tz>().ok());
        let read_zone = zone.or(self.project_zone).unwrap_or(Tz::UTC);

        let mut contact = ContactRecord {
            id: String::new(),
            fields: vec![Owned::Missing; program.fields.len()],
            zone,
            lists: BTreeSet::new(),
            segments: BTreeSet::new(),
        };
        // Fields whose cell was already reported as bad.
        let mut reported = vec![false; program.fields.len()];
        for (index, column) in &self.columns {
            let cell = cells[*index].trim();
            let name = &self.headers[*index];
            match column {
                Column::Id if cell.is_empty() => {
                    errors.push(RowError::cell(line, name, *index, "the id is empty".into()))
                }
                Column::Id if !self.seen.insert(cell.to_string()) => errors.push(RowError::cell(
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
                            None => errors.push(RowError::cell(
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
                        errors.push(RowError::cell(line, name, *index, reason));
                    }
                },
                Column::Extra(_) => {}
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
                match self
                    .columns
                    .iter()
                    .find(|(_, c)| matches!(c, Column::Field(f) if *f == field))
                {
                    Some((index, _)) => {
                        errors.push(RowError::cell(line, &self.headers[*index], *index, reason))
                    }
                    None => errors.push(RowError::row(line, reason)),
                }
            }
        }
        let zone_field = program.fields.iter().position(|f| f.ty == Base::TimeZone);
        if let Some(Owned::Text(name)) = zone_field.map(|f| &contact.fields[f]) {
            contact.zone = name.parse().ok();
        }

        if errors.is_empty() {
            Ok(contact)
        } else {
            Err(errors)
        }
    }
}

impl<R: io::Read> Iterator for ContactReader<'_, R> {
    type Item = ContactRow;

    fn next(&mut self) -> Option<ContactRow> {
        let line = self.reader.position().line();
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => {
                let line = self.record.position().map_or(line, |p| p.line());
                Some(self.read_row(line))
            }
            Err(error) => {
                let reason = format!("unreadable row: {error}");
                Some(ContactRow {
                    line,
                    cells: Vec::new(),
                    contact: Err(vec![RowError::row(line, reason)]),
                    extra: vec![String::new(); self.extra_columns.len()],
                })
            }
        }
    }
}

/// Reads a whole file as the simulator does: every contact, or every
/// problem of every row when any is bad. Columns named in `layout.extra`
/// are allowed and left alone.
pub fn parse_contacts(
    program: &Program,
    text: &str,
    layout: &Layout,
) -> Result<Vec<ContactRecord>, Vec<RowError>> {
    let reader = ContactReader::new(program, text.as_bytes(), layout)?;
    let mut contacts = Vec::new();
    let mut errors = Vec::new();
    for row in reader {
        match row.contact {
            Ok(contact) => contacts.push(contact),
            Err(problems) => errors.extend(problems),
        }
    }
    if errors.is_empty() {
        Ok(contacts)
    } else {
        Err(errors)
    }
}

/// What each header column holds, after renames, and the problems found.
fn resolve_columns(
    program: &Program,
    headers: &[String],
    layout: &Layout,
) -> (Vec<(usize, Column)>, Vec<RowError>) {
    let mut columns = Vec::new();
    let mut errors = Vec::new();
    let mut taken: Vec<(&str, &str)> = Vec::new();
    for (index, written) in headers.iter().enumerate() {
        let renamed = layout
            .renames
            .iter()
            .find(|(column, _)| column == written)
            .map(|(_, name)| name.as_str());
        let name = renamed.unwrap_or(written);
        if let Some((earlier, _)) = taken.iter().find(|(_, n)| *n == name) {
            let reason = format!("the columns `{earlier}` and `{written}` both give `{name}`");
            errors.push(RowError::cell(1, written, index, reason));
            continue;
        }
        taken.push((written, name));

        let column = match name {
            "id" => Column::Id,
            "lists" => Column::Lists,
            "segments" => Column::Segments,
            _ => match program.fields.iter().position(|f| f.name == name) {
                Some(field) => Column::Field(field),
                None => match layout.extra.iter().position(|e| e == name) {
                    Some(extra) => Column::Extra(extra),
                    None => {
                        let reason = unknown_column(program, layout, written, renamed);
                        errors.push(RowError::cell(1, written, index, reason));
                        continue;
                    }
                },
            },
        };
        columns.push((index, column));
    }
    (columns, errors)
}

fn unknown_column(
    program: &Program,
    layout: &Layout,
    written: &str,
    renamed: Option<&str>,
) -> String {
    let name = renamed.unwrap_or(written);
    let mut known: Vec<&str> = program.fields.iter().map(|f| f.name.as_str()).collect();
    known.extend(layout.extra.iter().map(String::as_str));
    let hint = journey_compiler::suggest::closest(name, &known)
        .map_or(String::new(), |best| format!("; did you mean `{best}`?"));
    match renamed {
        Some(_) => format!("`{written}` is read as `{name}` (--map), not a contact field{hint}"),
        None => format!("`{name}` is not a contact field{hint}"),
    }
}

/// Parses one cell for field `field`; `Owned::Missing` for an empty cell.
pub fn parse_cell(program: &Program, field: usize, cell: &str, zone: Tz) -> Result<Owned, String> {
    parse_value(program.fields[field].ty, cell, zone)
}

/// Parses one value of type `ty` as a CSV cell writes it; `Owned::Missing`
/// for an empty cell.
pub fn parse_value(ty: Base, cell: &str, zone: Tz) -> Result<Owned, String> {
    if cell.is_empty() {
        return Ok(Owned::Missing);
    }
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
        Base::Date => parse_date(cell)
            .map(|d| Owned::Date(timing::days_of(d)))
            .ok_or_else(|| format!("`{cell}` is not a date such as 2027-03-14: {DATE_RULE}")),
        Base::DateTime => parse_instant(cell, zone)
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

/// An RFC 3339 instant, or a local `2027-03-14 09:00` read in `zone`
/// (its date by the language's one rule, [`parse_date`]).
pub fn parse_instant(cell: &str, zone: Tz) -> Option<i64> {
    if let Ok(instant) = chrono::DateTime::parse_from_rfc3339(cell) {
        return Some(instant.timestamp());
    }

    let (date, time) = cell.split_once(' ')?;
    let time = NaiveTime::parse_from_str(time, "%H:%M").ok()?;
    let local = parse_date(date)?.and_time(time);
    Some(crate::time::local_to_utc(local, zone).timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_cell_is_written_as_the_language_writes_dates() {
        let first = parse_value(Base::Date, "0001-01-01", Tz::UTC).unwrap();
        let year_one = chrono::NaiveDate::from_ymd_opt(1, 1, 1).unwrap();
        assert_eq!(first, Owned::Date(timing::days_of(year_one)));
        for bad in [
            "1961-7-3",
            "0000-01-01",
            "+10000-01-01",
            "2027-02-30",
            "2027-03-14 ",
        ] {
            assert_eq!(
                parse_value(Base::Date, bad, Tz::UTC),
                Err(format!(
                    "`{bad}` is not a date such as 2027-03-14: {DATE_RULE}"
                ))
            );
        }
    }

    #[test]
    fn a_local_date_time_cell_has_a_date_written_the_same_way() {
        let at = parse_instant("2027-03-14 09:00", Tz::UTC);
        assert_eq!(at, Some(1_805_014_800));
        for bad in ["1961-7-3 09:00", "0000-01-01 09:00", "2027-02-30 09:00"] {
            assert_eq!(parse_instant(bad, Tz::UTC), None, "{bad}");
        }
    }
}
