//! `journey simulate`: run journeys on a virtual clock and show what would
//! happen, to the minute, before any email goes out.

use crate::commands::contacts::consent;
use crate::project;
use crate::store_path::LAST_INSTANT;
use crate::Outcome;
use journey_runtime::simulate::contacts::{parse_contacts, Layout, RowError};
use journey_runtime::simulate::events::parse_events;
use journey_runtime::simulate::explain::Explain;
use journey_runtime::simulate::{report, Options, Simulation};
use miette::{miette, IntoDiagnostic, WrapErr};
use std::path::{Path, PathBuf};

/// Where the virtual clock starts unless `--start` says otherwise: a fixed
/// instant, so that the same inputs always give the same output.
pub const DEFAULT_START: &str = "2027-01-04T09:00:00Z";

#[derive(clap::Args)]
#[command(about = "Simulate journeys for scripted contacts on a virtual clock")]
#[command(
    long_about = "Simulate journeys for scripted contacts on a virtual clock.\n\n\
    Imports the contacts (validated against the schema: a bad row is reported with its line, \
    column and reason, and nothing runs), enters them through the journeys' triggers (or \
    --enter JOURNEY), plays the scripted events in time order, and prints each contact's \
    timeline and a per-step summary. The same input always gives the same output.\n\n\
    Contacts CSV: an `id` column, one column per contact field, and optional `lists` and \
    `segments` columns (names separated by `;`). Consent and suppression columns are \
    accepted and left alone: the simulator shows what the journeys do, and every send step \
    as sent; `journey run` checks consent and suppression when it sends.\n\
    Events CSV: columns at,contact,kind,name[,data][,automated]; kind is open, click, event \
    or update; data is field=value;field=value (not on an open or click); automated is \
    true/false, yes/no, 1/0 or empty. Any other column is an error, and so is an event \
    stamped before --start.\n\n\
    --until is an instant, or a duration after --start: seconds, minutes, hours, days, \
    weeks, or months (calendar months counted in UTC: one month after January 31 is the \
    last day of February). It may not be earlier than --start, nor after the year 9999.\n\n\
    Exit codes: 0 done; 1 the project or an input file has errors; 2 a usage or I/O error."
)]
pub struct Args {
    /// The project folder.
    pub project: PathBuf,

    /// Contacts to simulate (CSV).
    #[arg(long, value_name = "FILE.csv")]
    pub contacts: PathBuf,

    /// Scripted opens, clicks, events and updates (CSV).
    #[arg(long, value_name = "FILE.csv")]
    pub events: Option<PathBuf>,

    /// When the virtual clock starts (RFC 3339).
    #[arg(long, value_name = "INSTANT", default_value = DEFAULT_START)]
    pub start: String,

    /// How long to run (`90 days`, `2 weeks`, `3 months`) or until when
    /// (RFC 3339); not before the start.
    #[arg(long, value_name = "DURATION|INSTANT", default_value = "365 days")]
    pub until: String,

    /// Enter every contact into this journey at the start, ignoring triggers.
    #[arg(long, value_name = "JOURNEY")]
    pub enter: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: SimulateFormat,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum SimulateFormat {
    Text,
    Json,
}

pub fn run(args: Args) -> miette::Result<Outcome> {
    let start =
        crate::store_path::parse_instant(&args.start).map_err(|why| miette!("--start {why}"))?;
    let until = parse_until(&args.until, start)?;
    let Some(project) = project::compile(&args.project)? else {
        return Ok(Outcome::Problems);
    };
    let program = &project.program;

    let enter = match &args.enter {
        None => None,
        Some(name) => Some(
            program
                .journeys
                .iter()
                .position(|j| &j.code.name == name)
                .ok_or_else(|| miette!("--enter: the project has no journey `{name}`"))?
                as u16,
        ),
    };

    let Some(text) = read(&args.contacts)? else {
        return Ok(Outcome::Problems);
    };
    // Consent and suppression columns are the engine's business (checked
    // at send time); the simulator accepts the same files and leaves them.
    let layout = Layout {
        extra: consent::COLUMNS.iter().map(|c| c.to_string()).collect(),
        ..Layout::default()
    };
    let contacts = match parse_contacts(program, &text, &layout) {
        Ok(contacts) => contacts,
        Err(errors) => return Ok(report_rows(&args.contacts, &errors)),
    };
    let scripted = match &args.events {
        None => Vec::new(),
        Some(path) => {
            let Some(text) = read(path)? else {
                return Ok(Outcome::Problems);
            };
            match parse_events(program, &contacts, &text, start) {
                Ok(scripted) => scripted,
                Err(errors) => return Ok(report_rows(path, &errors)),
            }
        }
    };

    let explain = Explain::new(&project.checked, &project.sources);
    let options = Options {
        start,
        until,
        enter,
    };
    let outcome = Simulation::new(program, &explain, contacts)
        .run(&scripted, &options)
        .map_err(|e| miette::miette!("the simulation failed: {e}"))?;
    let output = match args.format {
        SimulateFormat::Text => report::text(program, &outcome),
        SimulateFormat::Json => report::json(program, &outcome),
    };
    super::show(&output)?;
    Ok(Outcome::Success)
}

/// The text of an input file; `None` when it is not UTF-8, which is an
/// error of the file (exit 1), reported here by its first bad line.
fn read(path: &Path) -> miette::Result<Option<String>> {
    let bytes = std::fs::read(path)
        .into_diagnostic()
        .wrap_err_with(|| format!("could not read `{}`", path.display()))?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Some(text)),
        Err(error) => {
            let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
            let file = path.display();
            eprintln!("{file}: line {line}: not UTF-8 text; save the file as UTF-8");
            Ok(None)
        }
    }
}

fn report_rows(path: &Path, errors: &[RowError]) -> Outcome {
    for error in errors {
        eprintln!("{}: {error}", path.display());
    }
    let rows = if errors.len() == 1 {
        "problem"
    } else {
        "problems"
    };
    eprintln!(
        "{}: {} {rows}; nothing was simulated",
        path.display(),
        errors.len()
    );
    Outcome::Problems
}

/// `--until`: an instant, or a duration after the start; never before the
/// start.
pub fn parse_until(text: &str, start: i64) -> miette::Result<i64> {
    let until = until_instant(text, start)?;
    if until < start {
        return Err(miette!(
            "--until `{text}` is before --start {}",
            report::instant(start)
        ));
    }
    // The calendar of dates ends with the year 9999 (see docs/language.md);
    // a clock run past it would only repeat yearly entries that can never
    // happen, for as long as it was told to.
    if until > LAST_INSTANT {
        return Err(miette!(
            "--until `{text}` reaches past the end of the year 9999, the last date journeys \
             know; give a shorter span or an earlier instant"
        ));
    }
    Ok(until)
}

fn until_instant(text: &str, start: i64) -> miette::Result<i64> {
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(at.timestamp());
    }
    let mut parts = text.split_whitespace();
    let (Some(amount), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(miette!(
            "--until `{text}` is neither a duration such as `90 days` nor an instant such as \
             2027-03-01T09:00:00Z"
        ));
    };
    let amount: i64 = amount
        .parse()
        .map_err(|_| miette!("--until `{text}`: `{amount}` is not a whole number"))?;
    let too_far = || miette!("--until `{text}` is too far from the start");
    let seconds = match unit.trim_end_matches('s') {
        "second" => 1,
        "minute" => 60,
        "hour" => 3_600,
        "day" => 86_400,
        "week" => 604_800,
        "month" => return months_after(start, amount).ok_or_else(too_far),
        _ => {
            return Err(miette!(
                "--until `{text}`: use seconds, minutes, hours, days, weeks or months"
            ))
        }
    };
    amount
        .checked_mul(seconds)
        .and_then(|span| start.checked_add(span))
        .ok_or_else(too_far)
}

/// `amount` calendar months after `start`, counted in UTC; a day that the
/// month lacks becomes its last day.
fn months_after(start: i64, amount: i64) -> Option<i64> {
    let start = chrono::DateTime::from_timestamp(start, 0)?;
    let months = chrono::Months::new(u32::try_from(amount.unsigned_abs()).ok()?);
    let end = if amount < 0 {
        start.checked_sub_months(months)?
    } else {
        start.checked_add_months(months)?
    };
    Some(end.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn until(text: &str) -> String {
        let start = chrono::DateTime::parse_from_rfc3339("2027-01-31T09:00:00Z")
            .unwrap()
            .timestamp();
        match parse_until(text, start) {
            Ok(until) => report::instant(until),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn until_takes_durations_months_and_instants_but_not_before_the_start() {
        assert_eq!(until("2 days"), "2027-02-02T09:00:00Z");
        assert_eq!(until("1 month"), "2027-02-28T09:00:00Z");
        assert_eq!(until("3 months"), "2027-04-30T09:00:00Z");
        assert_eq!(until("2027-06-01T00:00:00+02:00"), "2027-05-31T22:00:00Z");
        assert_eq!(
            until("2027-01-01T00:00:00Z"),
            "--until `2027-01-01T00:00:00Z` is before --start 2027-01-31T09:00:00Z"
        );
        assert_eq!(
            until("-1 months"),
            "--until `-1 months` is before --start 2027-01-31T09:00:00Z"
        );
        assert_eq!(
            until("99999999999999 weeks"),
            "--until `99999999999999 weeks` is too far from the start"
        );
        assert_eq!(until("9999-12-31T23:59:59Z"), "9999-12-31T23:59:59Z");
        for beyond in ["99999999999 weeks", "100000 months"] {
            assert!(
                until(beyond).contains("the year 9999"),
                "{beyond}: {}",
                until(beyond)
            );
        }
    }
}
