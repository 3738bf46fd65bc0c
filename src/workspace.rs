//! Finding and reading the `.journey` files a command was given.
//!
//! A path is either a file or a project folder; a folder contributes every
//! `.journey` file below it (hidden folders and `target/` are skipped), and
//! each folder is one compilation unit. Errors name the path and say what to
//! do; they are usage errors (exit code 2), not diagnostics.

use journey_compiler::source::Sources;
use miette::Diagnostic;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum LoadError {
    #[error("`{path}` does not exist")]
    #[diagnostic(code(journey::missing_path), help("check the path; give a .journey file or a project folder"))]
    Missing { path: PathBuf },

    #[error("could not read `{path}`: {source}")]
    #[diagnostic(code(journey::unreadable))]
    Unreadable { path: PathBuf, source: std::io::Error },

    #[error("`{path}` is not a text file (it is not valid UTF-8)")]
    #[diagnostic(code(journey::not_text), help("journey files are UTF-8 text; is this the right file?"))]
    NotText { path: PathBuf },

    #[error("`{path}` holds no .journey files")]
    #[diagnostic(code(journey::empty_project), help("a project folder needs at least one file ending in .journey"))]
    NoJourneyFiles { path: PathBuf },
}

/// One compilation unit: the files of a project folder, or a single file.
pub struct Unit {
    pub root: PathBuf,
    pub sources: Sources,
    /// The path of each file on disk, by file id.
    pub paths: Vec<PathBuf>,
}

/// Reads each path given on the command line as its own unit; no path means
/// the current folder.
pub fn load_units(paths: &[PathBuf]) -> Result<Vec<Unit>, LoadError> {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() { &default[..] } else { paths };
    paths.iter().map(|p| load_unit(p)).collect()
}

pub fn load_unit(path: &Path) -> Result<Unit, LoadError> {
    let metadata =
        std::fs::metadata(path).map_err(|_| LoadError::Missing { path: path.to_path_buf() })?;
    let files = if metadata.is_dir() {
        let mut files = Vec::new();
        collect_journey_files(path, &mut files)?;
        files.sort();
        if files.is_empty() {
            return Err(LoadError::NoJourneyFiles { path: path.to_path_buf() });
        }
        files
    } else {
        vec![path.to_path_buf()]
    };

    let mut sources = Sources::new();
    for file in &files {
        let bytes = std::fs::read(file)
            .map_err(|source| LoadError::Unreadable { path: file.clone(), source })?;
        let text = String::from_utf8(bytes).map_err(|_| LoadError::NotText { path: file.clone() })?;
        sources.add(display_path(file), text);
    }
    let root = if metadata.is_dir() { path.to_path_buf() } else { parent_or_dot(path) };
    Ok(Unit { root, sources, paths: files })
}

fn collect_journey_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|source| LoadError::Unreadable { path: dir.to_path_buf(), source })?;
    for entry in entries {
        let entry = entry.map_err(|source| LoadError::Unreadable { path: dir.to_path_buf(), source })?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "target" {
            continue;
        }
        if path.is_dir() {
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
