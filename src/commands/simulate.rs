//! `journey simulate`: run journeys on a virtual clock and show what would
//! happen, to the minute, before any email goes out.

use crate::project;
use crate::Outcome;
use journey_runtime::simulate::contacts::{parse_contacts, RowError};
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
    `segments` columns (names separated by `;`).\n\
    Events CSV: columns at,contact,kind,name[,data][,automated]; kind is open, click, event \
    or update; data is field=value;field=value.\n\n\
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

    /// How long to run (`90 days`, `2 weeks`) or until when (RFC 3339).
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
    let start = chrono::DateTime::parse_from_rfc3339(&args.start)
        .map_err(|_| {
            miette!(
                "--start `{}` is not an instant such as {DEFAULT_START}",
                args.start
            )
        })?
        .timestamp();
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

    let text = read(&args.contacts)?;
    let contacts = match parse_contacts(program, &text) {
        Ok(contacts) => contacts,
        Err(errors) => return Ok(report_rows(&args.contacts, &errors)),
    };
    let scripted = match &args.events {
        None => Vec::new(),
        Some(path) => match parse_events(program, &contacts, &read(path)?) {
            Ok(scripted) => scripted,
            Err(errors) => return Ok(report_rows(path, &errors)),
        },
    };

    let explain = Explain::new(&project.checked, &project.sources);
    let options = Options {
        start,
        until,
        enter,
    };
    let outcome = Simulation::new(program, &explain, contacts).run(&scripted, &options);
    let output = match args.format {
        SimulateFormat::Text => report::text(program, &outcome),
        SimulateFormat::Json => report::json(program, &outcome),
    };
    print!("{output}");
    Ok(Outcome::Success)
}

fn read(path: &Path) -> miette::Result<String> {
    std::fs::read_to_string(path)
        .into_diagnostic()
        .wrap_err_with(|| format!("could not read `{}`", path.display()))
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

/// `--until`: an instant, or a duration after the start.
fn parse_until(text: &str, start: i64) -> miette::Result<i64> {
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(at.timestamp());
    }
    let mut parts = text.split_whitespace();
    let (Some(amount), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(miette!(
            "--until `{text}` is neither a duration such as `90 days` nor an instant"
        ));
    };
    let amount: i64 = amount
        .parse()
        .map_err(|_| miette!("--until `{text}`: `{amount}` is not a whole number"))?;
    let seconds = match unit.trim_end_matches('s') {
        "second" => 1,
        "minute" => 60,
        "hour" => 3_600,
        "day" => 86_400,
        "week" => 604_800,
        _ => {
            return Err(miette!(
                "--until `{text}`: use seconds, minutes, hours, days or weeks"
            ))
        }
    };
    Ok(start + amount * seconds)
}
