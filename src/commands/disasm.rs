//! `journey disasm`: print the bytecode of an artifact or a project.
//!
//! Given a `.jbc` file, the artifact is loaded and checked (magic bytes,
//! format version, checksum) and its listing printed; an artifact that
//! cannot be loaded is a usage error that names the file and says what to
//! do (rebuild it, or upgrade `journey`). Given a project folder or a
//! `.journey` file, the project is built in memory, exactly as `journey
//! build` would build it, and nothing is written. The listing goes to
//! stdout; diagnostics go to stderr.
//!
//! Exit codes: 0 listed; 1 the project has errors; 2 the path or the
//! artifact could not be read.

use super::build::{self, BuildError};
use crate::workspace;
use crate::Outcome;
use journey_runtime::artifact::{self, LoadError as ArtifactError};
use journey_runtime::disasm::disassemble;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
#[command(about = "Print the bytecode of an artifact or a project")]
#[command(long_about = "Print the bytecode of an artifact or a project.\n\n\
    PATH is an artifact written by `journey build` (a .jbc file), a project folder, or a \
    single .journey file. An artifact is checked before it is listed: a file that is not \
    an artifact, was cut short or damaged, or was written by a newer journey is refused \
    with a message that says what to do. A project is compiled in memory (as `journey \
    build` would, writing nothing); if it has errors they are shown instead.\n\n\
    The listing shows, per journey, its settings and every instruction with its address; \
    `->0012` is a jump to address 12.\n\n\
    Exit codes: 0 listed; 1 the project has errors; 2 a usage or I/O error, or an \
    artifact that cannot be loaded.")]
pub struct Args {
    /// A .jbc artifact, a project folder, or a .journey file.
    pub path: PathBuf,
}

/// Why `journey disasm` stopped.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum DisasmError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Build(#[from] BuildError),

    #[error("could not read `{path}`")]
    #[diagnostic(
        code(journey::unreadable),
        help("check the path; give a .jbc artifact, a project folder or a .journey file")
    )]
    Read { path: PathBuf, source: io::Error },

    #[error("cannot load `{path}`: {error}")]
    #[diagnostic(code(journey::bad_artifact), help("{advice}"))]
    Artifact {
        path: PathBuf,
        error: ArtifactError,
        advice: String,
    },

    #[error("could not write the listing: {0}")]
    #[diagnostic(code(journey::output))]
    Output(#[source] io::Error),
}

impl From<workspace::LoadError> for DisasmError {
    fn from(error: workspace::LoadError) -> DisasmError {
        DisasmError::Build(BuildError::Load(error))
    }
}

pub fn run(args: Args) -> Result<Outcome, DisasmError> {
    let path = &args.path;
    let listing = if path.is_dir() || path.extension().is_some_and(|e| e == "journey") {
        let unit = workspace::load_unit(path)?;
        match build::compile_unit(&unit) {
            Some(program) => disassemble(&program),
            None => return Ok(Outcome::Problems),
        }
    } else {
        artifact_listing(path)?
    };

    print(&listing)?;
    Ok(Outcome::Success)
}

/// The listing of the artifact at `path`, under a line saying who wrote it.
fn artifact_listing(path: &Path) -> Result<String, DisasmError> {
    let bytes = std::fs::read(path).map_err(|source| DisasmError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let (header, program) = artifact::decode(&bytes).map_err(|error| DisasmError::Artifact {
        path: path.to_path_buf(),
        advice: advice(&error),
        error,
    })?;

    Ok(format!(
        "; {}: artifact format {}, written by journey {}\n{}",
        path.display(),
        header.format,
        header.writer,
        disassemble(&program)
    ))
}

/// What to do about an artifact that cannot be loaded.
fn advice(error: &ArtifactError) -> String {
    match error {
        ArtifactError::NotAnArtifact => {
            "give a .jbc file written by `journey build`, or a project folder".into()
        }
        ArtifactError::Newer { writer, .. } => format!(
            "install journey {writer} or newer to read it, or rebuild it from its project \
             with this journey: `journey build PROJECT`"
        ),
        ArtifactError::Truncated | ArtifactError::Corrupt(_) => {
            "rebuild it from its project: `journey build PROJECT`".into()
        }
    }
}

/// Writes the listing to stdout. A reader that stops early (`| head`) is
/// not an error.
fn print(listing: &str) -> Result<(), DisasmError> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(listing.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(DisasmError::Output(error)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use journey_runtime::artifact::FORMAT_VERSION;
    use std::fs;

    fn quickstart_artifact() -> Vec<u8> {
        let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart");
        let unit = workspace::load_unit(&project).unwrap();
        artifact::encode(&build::compile_unit(&unit).unwrap())
    }

    /// The error for `bytes` saved as `journey.jbc`, as the user reads it.
    fn error_for(bytes: &[u8]) -> (String, String) {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("journey.jbc");
        fs::write(&path, bytes).unwrap();

        let error = artifact_listing(&path).expect_err("the artifact is refused");
        let DisasmError::Artifact { advice, .. } = &error else {
            panic!("not an artifact error: {error:?}");
        };
        (error.to_string(), advice.clone())
    }

    #[test]
    fn an_artifact_is_listed_under_its_header() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("journey.jbc");
        fs::write(&path, quickstart_artifact()).unwrap();

        let listing = artifact_listing(&path).unwrap();
        let first = listing.lines().next().unwrap();
        assert!(
            first.ends_with(&format!(
                ": artifact format {FORMAT_VERSION}, written by journey {}",
                artifact::COMPILER_VERSION
            )),
            "{first}"
        );
        assert!(listing.contains("journey welcome\n"), "{listing}");
        assert!(listing.contains("send welcome"), "{listing}");
    }

    #[test]
    fn a_truncated_artifact_names_the_file_and_says_to_rebuild() {
        let bytes = quickstart_artifact();

        let (message, advice) = error_for(&bytes[..bytes.len() / 2]);
        assert!(message.contains("journey.jbc"), "{message}");
        assert!(message.contains("truncated"), "{message}");
        assert!(advice.contains("journey build"), "{advice}");
    }

    #[test]
    fn a_damaged_artifact_says_so() {
        let mut bytes = quickstart_artifact();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;

        let (message, advice) = error_for(&bytes);
        assert!(message.contains("corrupt"), "{message}");
        assert!(advice.contains("rebuild"), "{advice}");
    }

    #[test]
    fn a_newer_artifact_says_to_upgrade() {
        let mut bytes = quickstart_artifact();
        bytes[8..10].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());

        let (message, advice) = error_for(&bytes);
        assert!(message.contains("upgrade journey"), "{message}");
        assert!(advice.contains("or newer"), "{advice}");
    }

    #[test]
    fn a_foreign_file_is_not_an_artifact() {
        let (message, advice) = error_for(b"%PDF-1.7\n");

        assert!(message.contains("not a journey artifact"), "{message}");
        assert!(advice.contains("journey build"), "{advice}");
    }
}
