//! What the engine's commands share: the database they open (`--db`), the
//! program deployed in it, the instant they act at (`--at`), and looking up
//! the names an operator types against that program.
//!
//! Every engine command works on one SQLite file. `journey deploy` creates
//! it (beside the project unless `--db` says otherwise); the other
//! commands open an existing one (`./journey.db` unless `--db` says
//! otherwise) and refuse to create an empty database by mistake.
//!
//! "Now" comes from the system clock, through the runtime's `Clock`, unless
//! `--at` gives an instant: scripts and tests pass one to be reproducible.

use crate::Outcome;
use journey_runtime::bytecode::Program;
use journey_runtime::clock::{Clock, SystemClock};
use journey_runtime::store::sqlite::SqliteStore;
use journey_runtime::store::DeploymentId;
use miette::{miette, Result};
use std::path::{Path, PathBuf};

/// The database file when neither `--db` nor a project says where.
pub const DEFAULT_DB: &str = "journey.db";

/// `--db PATH`, for the commands that are not given a project.
#[derive(clap::Args, Clone, Debug)]
pub struct Db {
    /// The engine's database (SQLite) [default: ./journey.db]
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

impl Db {
    pub fn path(&self) -> PathBuf {
        self.db.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DB))
    }

    /// Opens the database, which must exist: commands other than `deploy`
    /// never create one.
    pub fn open(&self) -> Result<SqliteStore> {
        let path = self.path();
        if !path.exists() {
            return Err(miette!(
                help = "`journey run` and `journey deploy` keep theirs in the project \
                        folder: pass `--db PROJECT/journey.db` (or deploy first: \
                        `journey deploy PROJECT`)",
                "there is no engine database at `{}`",
                path.display()
            ));
        }
        open(&path)
    }
}

/// `--at INSTANT`: when the command acts.
#[derive(clap::Args, Clone, Debug)]
pub struct At {
    /// Act at this instant (RFC 3339) instead of the system clock's now
    #[arg(long, value_name = "INSTANT", value_parser = parse_instant)]
    pub at: Option<i64>,
}

impl At {
    /// Seconds since the epoch: `--at`, else the system clock.
    pub fn now(&self) -> i64 {
        self.at.unwrap_or_else(|| SystemClock.now())
    }
}

/// An RFC 3339 instant the engine can keep, in seconds since the epoch.
/// Instants before 1970 are refused: an email's `Date` and the engine's
/// timers count from the epoch (a run started in 1969 stopped with a panic
/// while sending its first email). After the year 9999 the calendar of
/// dates ends (see docs/language.md).
pub fn parse_instant(text: &str) -> std::result::Result<i64, String> {
    let at = chrono::DateTime::parse_from_rfc3339(text)
        .map(|at| at.timestamp())
        .map_err(|_| format!("`{text}` is not an instant such as 2027-01-04T09:00:00Z"))?;
    if at < 0 {
        return Err(format!(
            "`{text}` is before 1970-01-01T00:00:00Z, where the engine's clock starts"
        ));
    }
    if at > LAST_INSTANT {
        return Err(format!(
            "`{text}` is past the end of the year 9999, the last date journeys know"
        ));
    }
    Ok(at)
}

/// 9999-12-31T23:59:59Z.
pub const LAST_INSTANT: i64 = 253_402_300_799;

/// A count of one or more (`--rate`): zero would deliver nothing, for ever.
pub fn at_least_one(text: &str) -> std::result::Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1 (0 would deliver nothing, for ever)".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{text}` is not a whole number")),
    }
}

/// Opens (or creates) the database at `path`.
pub fn open(path: &Path) -> Result<SqliteStore> {
    let store =
        SqliteStore::open(path).map_err(|e| miette!("could not open `{}`: {e}", path.display()))?;
    tell_upgrade(&store, path);
    Ok(store)
}

/// Says on stderr that opening `store` upgraded a file an older `journey`
/// wrote: that version can no longer open it, which nobody should learn
/// from an error later.
fn tell_upgrade(store: &SqliteStore, path: &Path) {
    if let Some((from, to)) = store.upgraded() {
        crate::commands::tell(&format!(
            "upgraded the store `{}` from schema version {from} to {to}: earlier versions of \
             journey can no longer open it",
            path.display()
        ));
    }
}

/// The latest deployment and its program.
pub fn deployed(store: &SqliteStore, path: &Path) -> Result<(DeploymentId, Program)> {
    let latest = store.latest_deployment().map_err(|e| miette!("{e}"))?;
    let Some((id, bytes)) = latest else {
        return Err(miette!(
            help = format!("run `journey deploy PROJECT --db {}` first", path.display()),
            "nothing is deployed in `{}`",
            path.display()
        ));
    };
    let (_, program) = journey_runtime::artifact::decode(&bytes)
        .map_err(|e| miette!("deployment {id} cannot be loaded: {e}"))?;
    Ok((id, program))
}

/// The index of `name` among `candidates`, or a message that says what
/// `kind` of thing the deployed program lacks and suggests the closest name.
pub fn find<'a>(
    kind: &str,
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> std::result::Result<usize, String> {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    match candidates.iter().position(|c| *c == name) {
        Some(index) => Ok(index),
        None => Err(format!(
            "the deployed program has no {kind} `{name}`{}",
            hint(kind, name, &candidates)
        )),
    }
}

/// `; did you mean `x`?`, or the names there are when none is close.
pub fn hint(kind: &str, name: &str, candidates: &[&str]) -> String {
    const SHOWN: usize = 8;
    if let Some(best) = journey_compiler::suggest::closest(name, candidates) {
        return format!("; did you mean `{best}`?");
    }
    if candidates.is_empty() {
        return format!("; it has no {kind} at all");
    }
    let mut names: Vec<String> = candidates
        .iter()
        .take(SHOWN)
        .map(|n| format!("`{n}`"))
        .collect();
    if candidates.len() > SHOWN {
        names.push(format!("and {} more", candidates.len() - SHOWN));
    }
    format!("; it has {}", names.join(", "))
}

/// Prints a problem with the operator's input; the command exits with 1.
pub fn refuse(message: &str) -> Outcome {
    eprintln!("error: {message}");
    Outcome::Problems
}
