//! `journey build`: compile a project to a bytecode artifact.
//!
//! The project is loaded and checked exactly as `journey check` does it
//! (its `journey.toml`, its templates on disk). With errors nothing is
//! written: the diagnostics go to stderr and the exit code is 1. Warnings
//! are shown and do not stop the build. The artifact (`journey.jbc` in the
//! project folder unless `-o` says otherwise) is written atomically: the
//! bytes go to a temporary file beside the target, which is then renamed
//! over it, so a reader never sees half an artifact. A line on stderr says
//! what was written.
//!
//! [`compile_unit`] is shared with `journey disasm`, which builds a project
//! in memory.
//!
//! Exit codes: 0 written; 1 the project has errors; 2 it could not be read
//! or the artifact could not be written.

use crate::workspace::{self, LoadError, Unit};
use crate::Outcome;
use journey_runtime::artifact::{self, FORMAT_VERSION};
use journey_runtime::bytecode::Program;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
#[command(about = "Compile a project to a bytecode artifact (.jbc)")]
#[command(long_about = "Compile a project to a bytecode artifact (.jbc).\n\n\
    PROJECT is a project folder (or one .journey file); it is checked as `journey check` \
    does, and nothing is written when it has errors. The artifact holds every journey of \
    the project as bytecode, the contact schema and the emails (subjects, links and the \
    paths of their templates, which stay in the project); `journey disasm` lists it. It \
    is written to PROJECT/journey.jbc unless --output names another file, and replaced \
    atomically, so a reader never sees half of one.\n\n\
    Exit codes: 0 written; 1 the project has errors; 2 a usage or I/O error.")]
pub struct Args {
    /// The project folder (or a single .journey file) to compile.
    pub project: PathBuf,

    /// Where to write the artifact [default: PROJECT/journey.jbc].
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Why `journey build` (or `journey disasm` on a project) stopped.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum BuildError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Load(#[from] LoadError),

    #[error("could not write `{path}`: {source}")]
    #[diagnostic(
        code(journey::unwritable),
        help("check that the folder exists and that you may create files in it")
    )]
    Write { path: PathBuf, source: io::Error },
}

pub fn run(args: Args) -> Result<Outcome, BuildError> {
    let unit = workspace::load_unit(&args.project)?;
    let Some(program) = compile_unit(&unit) else {
        return Ok(Outcome::Problems);
    };

    let bytes = artifact::encode(&program);
    let output = args.output.unwrap_or_else(|| default_output(&args.project));
    write_atomically(&output, &bytes).map_err(|source| BuildError::Write {
        path: output.clone(),
        source,
    })?;

    eprintln!("{}", summary(&output, bytes.len(), program.journeys.len()));
    Ok(Outcome::Success)
}

/// Checks and compiles a loaded unit (see `crate::project`).
pub fn compile_unit(unit: &Unit) -> Option<Program> {
    crate::project::compile_unit(unit, PathBuf::new()).map(|project| project.program)
}

/// `journey.jbc` in the project folder (beside the file, for one file).
fn default_output(project: &Path) -> PathBuf {
    if project.is_dir() {
        return project.join("journey.jbc");
    }
    match project.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder.join("journey.jbc"),
        _ => PathBuf::from("journey.jbc"),
    }
}

/// Writes `bytes` to a new temporary file beside `path`, flushes it to
/// disk, and renames it over `path`. On failure the temporary file is
/// removed and `path` is untouched.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temporary = folder.join(format!(".{name}.{}.tmp", std::process::id()));

    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&temporary, path));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

/// "wrote examples/quickstart/journey.jbc: 2,741 bytes, 1 journey, format 1"
fn summary(path: &Path, bytes: usize, journeys: usize) -> String {
    let noun = if journeys == 1 { "journey" } else { "journeys" };
    format!(
        "wrote {}: {} bytes, {journeys} {noun}, format {FORMAT_VERSION}",
        path.display(),
        thousands(bytes)
    )
}

/// `1234567` as `1,234,567`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn the_summary_says_what_was_written() {
        let path = Path::new("shop/journey.jbc");

        assert_eq!(
            summary(path, 2_741, 1),
            format!("wrote shop/journey.jbc: 2,741 bytes, 1 journey, format {FORMAT_VERSION}")
        );
        assert!(summary(path, 10, 3).contains("3 journeys"));
    }

    #[test]
    fn the_default_output_is_in_the_project_folder() {
        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("one.journey");

        assert_eq!(
            default_output(folder.path()),
            folder.path().join("journey.jbc")
        );
        assert_eq!(default_output(&file), folder.path().join("journey.jbc"));
        assert_eq!(
            default_output(Path::new("one.journey")),
            PathBuf::from("journey.jbc")
        );
    }

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_temporary() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("journey.jbc");
        fs::write(&path, b"old").unwrap();

        write_atomically(&path, b"new bytes").unwrap();

        assert_eq!(fs::read(&path).unwrap(), b"new bytes");
        let names: Vec<_> = fs::read_dir(folder.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("journey.jbc")]);
    }

    #[test]
    fn a_write_into_a_missing_folder_fails() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("missing-folder").join("journey.jbc");

        assert!(write_atomically(&path, b"bytes").is_err());
        assert!(!path.exists());
    }

    #[test]
    fn a_failed_rename_leaves_what_was_there_and_no_temporary() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("journey.jbc");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("inside"), b"kept").unwrap();

        assert!(write_atomically(&path, b"bytes").is_err());
        assert_eq!(fs::read(path.join("inside")).unwrap(), b"kept");
        assert_eq!(fs::read_dir(folder.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_example_compiles() {
        let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quit-tobacco");
        let unit = workspace::load_unit(&project).unwrap();

        let program = compile_unit(&unit).expect("the example has no errors");
        let names: Vec<_> = program.journeys.iter().map(|j| &j.code.name).collect();
        assert_eq!(names, ["quit_program", "smoke_free"]);
    }
}
