//! `journey contacts export`: a segment's members as CSV, in the layout
//! `journey contacts import` reads (an `id` column, then one column per
//! field of the deployed schema), so an export can be edited and imported
//! again.
//!
//! An export carries personal (often health) information out of the
//! database, so each one is written to the audit log.

use crate::store_path::{self, At, Db};
use crate::Outcome;
use journey_runtime::store::StoreError;
use miette::{miette, IntoDiagnostic, Result, WrapErr};
use serde_json::Value;
use std::io::{self, Write};
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(about = "Export a segment's members as CSV")]
#[command(long_about = "Export a segment's members as CSV.\n\n\
    Writes an `id` column and one column per contact field of the deployed schema, in the \
    layout `journey contacts import` reads: dates as 2027-03-14, date-times as RFC 3339 in \
    UTC, missing values as empty cells. Each export is recorded in the audit log.\n\n\
    Exit codes: 0 written; 1 the deployed program has no such segment; 2 a usage or I/O \
    error.")]
pub struct Args {
    /// The segment whose members to export.
    #[arg(long, value_name = "SEGMENT")]
    pub segment: String,

    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub db: Db,

    #[command(flatten)]
    pub at: At,
}

/// Why writing a row stopped.
enum Stop {
    Store(StoreError),
    Write(csv::Error),
}

impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Self {
        Stop::Store(e)
    }
}

pub fn run(args: Args) -> Result<Outcome> {
    let mut store = args.db.open()?;
    let (_, program) = store_path::deployed(&store, &args.db.path())?;
    let segments = program.segments.iter().map(String::as_str);
    if let Err(message) = store_path::find("segment", &args.segment, segments) {
        return Ok(store_path::refuse(&message));
    }

    let sink: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .into_diagnostic()
                .wrap_err_with(|| format!("could not create `{}`", path.display()))?,
        ),
        None => Box::new(io::stdout().lock()),
    };
    let mut writer = csv::Writer::from_writer(io::BufWriter::new(sink));
    let mut header = vec!["id"];
    header.extend(program.fields.iter().map(|f| f.name.as_str()));
    let mut count = 0u64;

    let written = writer
        .write_record(&header)
        .map_err(Stop::Write)
        .and_then(|()| {
            store.each_segment_contact(&args.segment, |id, fields| {
                let mut record = vec![id.to_string()];
                record.extend(program.fields.iter().map(|f| cell(fields.get(&f.name))));
                count += 1;
                writer.write_record(&record).map_err(Stop::Write)
            })
        })
        .and_then(|()| writer.flush().map_err(|e| Stop::Write(e.into())));
    let target = args.output.as_ref().map_or_else(
        || "standard output".to_string(),
        |p| format!("`{}`", p.display()),
    );
    match written {
        Ok(()) => {}
        Err(Stop::Store(e)) => return Err(miette!("could not read the segment: {e}")),
        Err(Stop::Write(e)) => return Err(miette!("could not write to {target}: {e}")),
    }

    let detail = format!("segment {}: {count} contacts", args.segment);
    store
        .audit(args.at.now(), "cli", "export", None, &detail)
        .map_err(|e| miette!("could not write the audit log: {e}"))?;
    eprintln!(
        "exported {count} contacts of segment {} to {target}",
        args.segment
    );
    Ok(Outcome::Success)
}

/// A stored JSON value as an import reads it back.
fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => other.to_string(),
    }
}
