//! Finding and reading the `.journey` files a command was given.
//!
//! A path is either a file or a project folder; a folder contributes every
//! `.journey` file below it (hidden folders and `target/` are skipped, and
//! symbolic links to folders are not followed, so a link loop cannot trap
//! the walk), and each folder is one compilation unit. A file named
//! directly is read whatever its name ends with.
//!
//! A unit's folder may hold a `journey.toml` with project settings; it is
//! read here with the journey files and parsed by the compiler.
//!
//! Errors name the path and say what to do; they are usage errors (exit
//! code 2), not diagnostics. A file must be UTF-8 text without NUL bytes
//! (a NUL byte means a binary file, even when the bytes happen to be valid
//! UTF-8), and smaller than 4 GiB, so every byte offset fits a span.

use journey_compiler::source::Sources;
use miette::Diagnostic;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum LoadError {
    #[error("`{path}` does not exist")]
    #[diagnostic(
        code(journey::missing_path),
        help("check the path; give a .journey file or a project folder")
    )]
    Missing { path: PathBuf },

    #[error("could not read `{path}`: {source}")]
    #[diagnostic(
        code(journey::unreadable),
        help("check that the path can be read by you")
    )]
    Unreadable { path: PathBuf, source: io::Error },

    #[error("`{path}` is not a text file: {why}")]
    #[diagnostic(
        code(journey::not_text),
        help("journey files are UTF-8 text; is this the right file?")
    )]
    NotText { path: PathBuf, why: String },

    #[error("`{path}` is too large to be a journey file ({bytes} bytes)")]
    #[diagnostic(
        code(journey::too_large),
        help("journey files must be smaller than 4 GiB")
    )]
    TooLarge { path: PathBuf, bytes: u64 },

    #[error("`{path}` holds no .journey files")]
    #[diagnostic(
        code(journey::empty_project),
        help("a project folder needs at least one file ending in .journey")
    )]
    NoJourneyFiles { path: PathBuf },
}

/// One compilation unit: the files of a project folder, or a single file.
pub struct Unit {
    pub sources: Sources,
    /// The path of each file on disk, by file id.
    pub paths: Vec<PathBuf>,
    /// The unit's `journey.toml`, if its folder has one.
    pub config: Option<ConfigFile>,
}

/// The text of a project's `journey.toml`; the compiler parses it.
pub struct ConfigFile {
    /// The path as the user should see it.
    pub path: String,
    pub text: String,
}

/// Reads each path given on the command line as its own unit; no path means
/// the current folder.
pub fn load_units(paths: &[PathBuf]) -> Result<Vec<Unit>, LoadError> {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    paths.iter().map(|p| load_unit(p)).collect()
}

pub fn load_unit(path: &Path) -> Result<Unit, LoadError> {
    let metadata = std::fs::metadata(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => LoadError::Missing {
            path: path.to_path_buf(),
        },
        _ => LoadError::Unreadable {
            path: path.to_path_buf(),
            source,
        },
    })?;
    let files = if metadata.is_dir() {
        let mut files = Vec::new();
        collect_journey_files(path, &mut files)?;
        files.sort();
        if files.is_empty() {
            return Err(LoadError::NoJourneyFiles {
                path: path.to_path_buf(),
            });
        }
        files
    } else {
        vec![path.to_path_buf()]
    };

    let mut sources = Sources::new();
    for file in &files {
        sources.add(display_path(file), read_text(file)?);
    }
    let root = if metadata.is_dir() {
        path.to_path_buf()
    } else {
        parent_or_dot(path)
    };
    let config = read_config(&root)?;
    Ok(Unit {
        sources,
        paths: files,
        config,
    })
}

/// `journey.toml` in `folder`, if there is one. Only the unit's own folder
/// is looked at: a single file checked on its own uses the settings of the
/// folder it sits in, and folders above are never searched.
fn read_config(folder: &Path) -> Result<Option<ConfigFile>, LoadError> {
    let path = folder.join("journey.toml");
    if !path.is_file() {
        return Ok(None);
    }
    let text = read_text(&path)?;
    Ok(Some(ConfigFile {
        path: display_path(&path),
        text,
    }))
}

/// The text of one file, refused when it is binary or too large.
fn read_text(file: &Path) -> Result<String, LoadError> {
    let unreadable = |source| LoadError::Unreadable {
        path: file.to_path_buf(),
        source,
    };
    let size = std::fs::metadata(file).map_err(unreadable)?.len();
    if size > u64::from(u32::MAX) {
        return Err(LoadError::TooLarge {
            path: file.to_path_buf(),
            bytes: size,
        });
    }

    let bytes = std::fs::read(file).map_err(unreadable)?;
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        let why = format!("it holds a NUL byte at byte {at}");
        return Err(LoadError::NotText {
            path: file.to_path_buf(),
            why,
        });
    }
    String::from_utf8(bytes).map_err(|error| {
        let at = error.utf8_error().valid_up_to();
        let why = format!("it is not valid UTF-8 (the first bad byte is at byte {at})");
        LoadError::NotText {
            path: file.to_path_buf(),
            why,
        }
    })
}

fn collect_journey_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let unreadable = |source| LoadError::Unreadable {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "target" {
            continue;
        }

        let kind = entry.file_type().map_err(unreadable)?;
        if kind.is_dir() {
            collect_journey_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "journey") {
            out.push(path);
        }
    }
    Ok(())
}

fn parent_or_dot(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Paths as the user typed them, without a leading `./`.
fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    text.strip_prefix("./").unwrap_or(&text).to_string()
}
