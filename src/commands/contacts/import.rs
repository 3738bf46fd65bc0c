//! `journey contacts import`: contacts from a CSV file into the engine's
//! database, validated against the deployed schema.
//!
//! The file is read row by row into one store transaction. By default any
//! bad row refuses the whole file: every problem is printed with its line,
//! column and reason, the transaction is dropped, and nothing is written.
//! With `--skip-invalid` the good rows are imported and each bad row is
//! copied, with a `reason` column, to a rejects file. Contacts are matched
//! by external id: a known id is updated (its fields replaced by the row's,
//! its lists and segments added to), a new one inserted.

use super::consent::{self, Claims};
use crate::store_path::{self, At, Db};
use crate::Outcome;
use chrono_tz::Tz;
use journey_runtime::bytecode::Program;
use journey_runtime::engine::convert;
use journey_runtime::simulate::contacts::RowError;
use journey_runtime::simulate::contacts::{ContactReader, ContactRecord, ContactRow, Layout};
use journey_runtime::store::sqlite::ContactImport;
use journey_runtime::store::ContactWrite;
use miette::{miette, IntoDiagnostic, Result, WrapErr};
use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
#[command(about = "Import contacts from CSV, validated against the deployed schema")]
#[command(
    long_about = "Import contacts from CSV, validated against the deployed schema.\n\n\
    Columns: `id` (the contact's external id), one column per contact field, `lists` and \
    `segments` (names separated by `;`), and the consent and suppression columns \
    `marketing_consent`, `consent_expires`, `consent_revoked`, `unsubscribed` and `bounced` \
    (see docs/operations.md). --map renames a column of the file.\n\n\
    A contact whose id is known is updated: its fields are replaced by the row's, its lists \
    and segments added to. By default a file with any bad row is refused whole: every \
    problem is reported with its line, column and reason, and nothing is written. With \
    --skip-invalid the good rows are imported and the bad ones copied, with a `reason` \
    column, to a rejects file.\n\n\
    Exit codes: 0 imported; 1 the file has bad rows (nothing written) or a bad header; 2 a \
    usage or I/O error."
)]
pub struct Args {
    /// The contacts file (CSV with a header row).
    #[arg(value_name = "FILE.csv")]
    pub file: PathBuf,

    /// Read the file's column COLUMN as NAME (a field, id, lists, segments or a consent
    /// column); repeatable
    #[arg(long = "map", value_name = "COLUMN=NAME", value_parser = parse_mapping)]
    pub renames: Vec<(String, String)>,

    /// Import the good rows and write the bad ones to the rejects file
    #[arg(long)]
    pub skip_invalid: bool,

    /// Where --skip-invalid writes the bad rows [default: FILE.rejects.csv]
    #[arg(long, value_name = "FILE", requires = "skip_invalid")]
    pub rejects: Option<PathBuf>,

    #[command(flatten)]
    pub db: Db,

    #[command(flatten)]
    pub at: At,
}

fn parse_mapping(text: &str) -> std::result::Result<(String, String), String> {
    match text.split_once('=') {
        Some((column, name)) if !column.trim().is_empty() && !name.trim().is_empty() => {
            Ok((column.trim().to_string(), name.trim().to_string()))
        }
        _ => Err(format!("`{text}` is not COLUMN=NAME")),
    }
}

/// What became of the rows.
#[derive(Default)]
struct Counts {
    rows: u64,
    rejected: u64,
    problems: u64,
}

pub fn run(args: Args) -> Result<Outcome> {
    let now = args.at.now();
    let mut store = args.db.open()?;
    let (_, program) = store_path::deployed(&store, &args.db.path())?;
    let input = File::open(&args.file)
        .into_diagnostic()
        .wrap_err_with(|| format!("could not read `{}`", args.file.display()))?;
    let size = input.metadata().map_or(0, |m| m.len());
    let layout = Layout {
        renames: args.renames.clone(),
        extra: consent::COLUMNS.iter().map(|c| c.to_string()).collect(),
    };
    let mut reader = match ContactReader::new(&program, io::BufReader::new(input), &layout) {
        Ok(reader) => reader,
        Err(errors) => {
            for error in &errors {
                eprintln!("{}: {error}", args.file.display());
            }
            eprintln!("{}: bad header; nothing was imported", args.file.display());
            return Ok(Outcome::Problems);
        }
    };

    let mut rejects = None;
    if args.skip_invalid {
        let path = args
            .rejects
            .clone()
            .unwrap_or_else(|| rejects_beside(&args.file));
        rejects = Some(Rejects::create(path, reader.headers())?);
    }
    let mut progress = Progress::new(size);
    let mut import = store
        .begin_import(now)
        .map_err(|e| miette!("could not start the import: {e}"))?;
    let mut counts = Counts::default();
    let mut refused = false;
    let columns: Vec<Option<usize>> = (0..consent::COLUMNS.len())
        .map(|extra| reader.extra_column(extra))
        .collect();

    while let Some(row) = reader.next() {
        counts.rows += 1;
        progress.tick(counts.rows, reader.byte_position());
        let checked = check_row(&program, &row, &columns);
        match (checked, &mut rejects) {
            (Ok((contact, claims)), _) if !refused => {
                write(&mut import, &program, contact, &claims, now)?;
            }
            (Ok(_), _) => {}
            (Err(errors), Some(rejects)) => {
                counts.rejected += 1;
                rejects.write(&row, &errors)?;
            }
            (Err(errors), None) => {
                refused = true;
                counts.rejected += 1;
                counts.problems += errors.len() as u64;
                for error in &errors {
                    progress.clear();
                    eprintln!("{}: {error}", args.file.display());
                }
            }
        }
    }
    progress.clear();

    if refused {
        drop(import);
        let problems = plural(counts.problems, "problem", "problems");
        let rows = plural(counts.rejected, "bad row", "bad rows");
        eprintln!(
            "{}: {problems} in {rows}; nothing was imported",
            args.file.display()
        );
        return Ok(Outcome::Problems);
    }
    if let Some(rejects) = &mut rejects {
        rejects.finish()?;
    }
    let detail = format!(
        "{}: {} inserted, {} updated, {} rejected",
        args.file.display(),
        import.summary().inserted,
        import.summary().updated,
        counts.rejected
    );
    let summary = import
        .commit("cli", "import", &detail)
        .map_err(|e| miette!("the import was not committed: {e}"))?;
    println!(
        "imported {}: {} inserted, {} updated, {} rejected",
        args.file.display(),
        summary.inserted,
        summary.updated,
        counts.rejected
    );
    if let (Some(rejects), true) = (&rejects, counts.rejected > 0) {
        println!("rejected rows: {}", rejects.path.display());
    }
    Ok(Outcome::Success)
}

/// The row's contact and consent claims, or every problem in it, in
/// column order.
fn check_row<'r>(
    program: &Program,
    row: &'r ContactRow,
    columns: &[Option<usize>],
) -> std::result::Result<(&'r ContactRecord, Claims), Vec<RowError>> {
    let project_zone = program.timezone.as_deref().and_then(|z| z.parse().ok());
    let zone = match &row.contact {
        Ok(contact) => contact.zone.or(project_zone),
        Err(_) => project_zone,
    };
    let claims = Claims::read(&row.extra, zone.unwrap_or(Tz::UTC)).map_err(|errors| {
        errors
            .into_iter()
            .map(|(extra, reason)| RowError {
                line: row.line,
                column: Some(consent::COLUMNS[extra].to_string()),
                column_number: columns[extra],
                reason,
            })
            .collect::<Vec<_>>()
    });
    match (&row.contact, claims) {
        (Ok(contact), Ok(claims)) => Ok((contact, claims)),
        (Ok(_), Err(errors)) => Err(errors),
        (Err(errors), Ok(_)) => Err(errors.clone()),
        (Err(errors), Err(more)) => {
            let mut all = errors.clone();
            all.extend(more);
            all.sort_by_key(|e| e.column_number);
            Err(all)
        }
    }
}

fn write(
    import: &mut ContactImport<'_>,
    program: &Program,
    contact: &ContactRecord,
    claims: &Claims,
    now: i64,
) -> Result<()> {
    let names = |indexes: &std::collections::BTreeSet<u16>, table: &[String]| {
        indexes.iter().map(|i| table[*i as usize].clone()).collect()
    };
    let write = ContactWrite {
        external_id: contact.id.clone(),
        fields: convert::to_json(program, &contact.fields),
        zone: contact.zone.map(|z| z.name().to_string()),
        lists: names(&contact.lists, &program.lists),
        segments: names(&contact.segments, &program.segments),
    };
    let failed = |e| miette!("the import failed at contact `{}`: {e}", contact.id);
    let id = import.upsert(&write).map_err(failed)?;
    if claims.touches_consent() {
        let stored = import.consent(id).map_err(failed)?;
        let updated = claims.apply(stored, now);
        if updated != stored {
            import.set_consent(id, updated).map_err(failed)?;
        }
    }
    for reason in claims.suppressions() {
        import.suppress(id, reason).map_err(failed)?;
    }
    Ok(())
}

fn plural(count: u64, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// `contacts.csv` -> `contacts.rejects.csv`, beside it.
fn rejects_beside(file: &Path) -> PathBuf {
    let stem = file
        .file_stem()
        .map_or_else(|| "contacts".into(), |s| s.to_string_lossy().into_owned());
    file.with_file_name(format!("{stem}.rejects.csv"))
}

/// The rejects file: the original header plus `reason`, then each bad row
/// as it was written, with its problems under `reason` (a short row is
/// padded with empty cells; a long row's extra cells follow the reason).
struct Rejects {
    path: PathBuf,
    writer: csv::Writer<File>,
    /// The cells of the original header: where `reason` stands.
    width: usize,
}

impl Rejects {
    fn create(path: PathBuf, headers: &[String]) -> Result<Rejects> {
        let file = File::create(&path)
            .into_diagnostic()
            .wrap_err_with(|| format!("could not create `{}`", path.display()))?;
        let writer = csv::WriterBuilder::new().flexible(true).from_writer(file);
        let reason = if headers.iter().any(|h| h == "reason") {
            "reject_reason"
        } else {
            "reason"
        };
        let mut header: Vec<&str> = headers.iter().map(String::as_str).collect();
        header.push(reason);
        let width = headers.len();
        let mut rejects = Rejects {
            path,
            writer,
            width,
        };
        rejects.record(&header)?;
        Ok(rejects)
    }

    fn write(&mut self, row: &ContactRow, errors: &[RowError]) -> Result<()> {
        let reason: Vec<String> = errors.iter().map(ToString::to_string).collect();
        let reason = reason.join("; ");
        let given = row.cells.iter().map(String::as_str);
        let mut cells: Vec<&str> = given.clone().take(self.width).collect();
        cells.resize(self.width, "");
        cells.push(&reason);
        cells.extend(given.skip(self.width));
        self.record(&cells)
    }

    fn record(&mut self, cells: &[&str]) -> Result<()> {
        self.writer
            .write_record(cells)
            .into_diagnostic()
            .wrap_err_with(|| format!("could not write `{}`", self.path.display()))
    }

    fn finish(&mut self) -> Result<()> {
        self.writer
            .flush()
            .into_diagnostic()
            .wrap_err_with(|| format!("could not write `{}`", self.path.display()))
    }
}

/// A progress line on stderr, for big files on a terminal only: scripts
/// and logs get no carriage-return noise.
struct Progress {
    size: u64,
    shown: bool,
    enabled: bool,
}

impl Progress {
    const BIG_FILE: u64 = 4 << 20;
    const EVERY: u64 = 10_000;

    fn new(size: u64) -> Progress {
        Progress {
            size,
            shown: false,
            enabled: size >= Progress::BIG_FILE && io::stderr().is_terminal(),
        }
    }

    fn tick(&mut self, rows: u64, bytes: u64) {
        if !self.enabled || rows % Progress::EVERY != 0 {
            return;
        }
        let percent = bytes * 100 / self.size.max(1);
        eprint!("\rimporting: {percent:>3}% ({rows} rows)");
        let _ = io::stderr().flush();
        self.shown = true;
    }

    fn clear(&mut self) {
        if self.shown {
            eprint!("\r\x1b[K");
            self.shown = false;
        }
    }
}
