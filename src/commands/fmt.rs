//! `journey fmt`: rewrite journeys in the one canonical layout.
//!
//! Every file of every path given is formatted on its own (the layout of a
//! file does not depend on the rest of its project). A file with syntax
//! errors is never rewritten: its errors are shown and the other files are
//! still formatted. A changed file is written atomically: the new text goes
//! to a temporary file in the same folder, which is then renamed over the
//! original, so an interrupted run leaves either the old file or the new
//! one, never half of one.
//!
//! With `--check` nothing is written: the files that would change are
//! named on stdout, one per line, so a script can use the list. Syntax
//! errors and the closing summary go to stderr.
//!
//! Exit codes: 0 when every file is formatted (or, with `--check`, already
//! was); 1 when a file has syntax errors, or with `--check` when a file
//! would change; 2 when the files could not be read or written.

use crate::workspace::{self, LoadError};
use crate::Outcome;
use journey_compiler::diagnostic::Diagnostic;
use journey_compiler::format::{self, FormatError};
use journey_compiler::render::{self, Format};
use journey_compiler::source::{FileId, Sources};
use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
#[command(about = "Format journeys in the canonical layout")]
#[command(long_about = "Format journeys in the canonical layout.\n\n\
    Each PATH is a .journey file or a project folder; with no PATH, the current folder. \
    A file with syntax errors is reported and left unchanged. The canonical layout \
    ends lines with LF and has no byte-order mark, so a file saved with CRLF line ends \
    (a Windows checkout with autocrlf) or a mark counts as one that would change.\n\n\
    Exit codes: 0 all files formatted; 1 a file has syntax errors, or (with --check) \
    a file would change; 2 a file could not be read or written.")]
pub struct Args {
    /// Files or project folders to format.
    pub paths: Vec<PathBuf>,

    /// Change nothing; exit 1 and name the files that would change.
    #[arg(long)]
    pub check: bool,
}

/// Why `journey fmt` stopped.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum FmtError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Load(#[from] LoadError),

    #[error("could not write `{path}`: {source}")]
    #[diagnostic(
        code(journey::unwritable),
        help("check that you may write to the file and create files in its folder")
    )]
    Write { path: PathBuf, source: io::Error },

    #[error("could not write the report: {0}")]
    #[diagnostic(code(journey::output))]
    Output(#[source] io::Error),
}

pub fn run(args: Args) -> Result<Outcome, FmtError> {
    let units = workspace::load_units(&args.paths)?;
    let mut tally = Tally::default();
    let mut seen = HashSet::new();

    for unit in &units {
        for id in unit.sources.ids() {
            let path = &unit.paths[id.0 as usize];
            let real_path = fs::canonicalize(path).unwrap_or_else(|_| path.clone());
            if !seen.insert(real_path.clone()) {
                continue;
            }

            match format_one(&unit.sources, id, &real_path, args.check)? {
                FileOutcome::Refused => tally.refused += 1,
                FileOutcome::Unchanged => tally.unchanged += 1,
                FileOutcome::Changed => tally.changed += 1,
            }
        }
    }

    super::tell(&tally.summary(args.check));
    let problems = tally.refused > 0 || (args.check && tally.changed > 0);
    Ok(if problems {
        Outcome::Problems
    } else {
        Outcome::Success
    })
}

enum FileOutcome {
    /// Not formatted: the file has syntax errors, which were shown.
    Refused,
    Unchanged,
    /// Rewritten, or with `--check` named on stdout.
    Changed,
}

/// Formats file `id` of `sources`, which is on disk at `path`.
fn format_one(
    sources: &Sources,
    id: FileId,
    path: &Path,
    check: bool,
) -> Result<FileOutcome, FmtError> {
    let file = sources.get(id);
    let formatted = match format::format_source(id, &file.text) {
        Ok(formatted) => formatted,
        Err(FormatError::Syntax(errors)) => {
            report_syntax_errors(sources, &errors)?;
            return Ok(FileOutcome::Refused);
        }
    };

    if formatted == file.text {
        return Ok(FileOutcome::Unchanged);
    }
    if check {
        // A reader that stops early (`| head`) is not an error.
        match writeln!(io::stdout(), "{}", file.path) {
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {}
            written => written.map_err(FmtError::Output)?,
        }
    } else {
        write_atomically(path, &formatted).map_err(|source| FmtError::Write {
            path: PathBuf::from(&file.path),
            source,
        })?;
    }
    Ok(FileOutcome::Changed)
}

/// The files of each kind of outcome.
#[derive(Default)]
struct Tally {
    changed: usize,
    unchanged: usize,
    /// Files not formatted because of syntax errors.
    refused: usize,
}

impl Tally {
    fn summary(&self, check: bool) -> String {
        let mut summary = if check {
            match self.changed {
                0 => format!("{} already formatted", files(self.unchanged)),
                n => format!("{} would be reformatted", files(n)),
            }
        } else {
            format!("formatted {}", files(self.changed))
        };
        if self.refused > 0 {
            let refused = files(self.refused);
            summary.push_str(&format!(
                "; {refused} not formatted because of syntax errors"
            ));
        }
        summary
    }
}

/// `1 file`, `3 files`.
fn files(count: usize) -> String {
    if count == 1 {
        "1 file".to_string()
    } else {
        format!("{count} files")
    }
}

fn report_syntax_errors(sources: &Sources, errors: &[Diagnostic]) -> Result<(), FmtError> {
    let stderr = io::stderr();
    let color = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut out = stderr.lock();
    render::render(Format::Human { color }, sources, errors, &mut out)
        .and_then(|()| writeln!(out))
        .map_err(FmtError::Output)
}

/// Replaces the file at `path` with `text`: writes a temporary file next to
/// it with the same permissions, then renames it over the original.
fn write_atomically(path: &Path, text: &str) -> io::Result<()> {
    let permissions = fs::metadata(path)?.permissions();
    let (temp_path, mut temp) = create_temp_beside(path)?;

    let written = temp
        .write_all(text.as_bytes())
        .and_then(|()| temp.sync_all())
        .and_then(|()| fs::set_permissions(&temp_path, permissions))
        .and_then(|()| fs::rename(&temp_path, path));
    if written.is_err() {
        let _ = fs::remove_file(&temp_path);
    }
    written
}

/// A new, empty file in the folder of `path`, named after it; never one
/// that already exists.
fn create_temp_beside(path: &Path) -> io::Result<(PathBuf, File)> {
    let folder = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "journey".into(), |n| n.to_string_lossy());
    let mut attempt = 0;
    loop {
        let temp_path = folder.join(format!(".{name}.fmt-{}-{attempt}.tmp", std::process::id()));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp_path)
        {
            Ok(file) => return Ok((temp_path, file)),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}
