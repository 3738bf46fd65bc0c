//! Finding and reading the `.journey` files a command was given.
//!
//! A path is a file, a project folder or a collection of projects:
//!
//! - a file named directly is one unit on its own, read whatever its name
//!   ends with, with the settings of the `journey.toml` beside it;
//! - a folder with a `journey.toml` is one project: every `.journey` file
//!   below it, at any depth, belongs to one compilation unit;
//! - a folder without a `journey.toml` whose sub-folders have one is a
//!   collection (like `examples/`): going down, the first folder with a
//!   `journey.toml` on each path is a project and its own unit, and the
//!   `.journey` files outside every such project form one more unit;
//! - a folder without any `journey.toml` is one unit of all its files.
//!
//! Hidden folders and `target/` are skipped, and symbolic links to folders
//! are not followed, so a link loop cannot trap the walk. Commands that
//! need exactly one project ([`load_unit`]) refuse a collection and name
//! its projects.
//!
//! The `journey.toml` of a unit is read here with the journey files and
//! parsed by the compiler. Which files a project folder holds, and how a
//! file's text is read, is the compiler's `project` module, shared with the
//! language server.
//!
//! Errors name the path and say what to do; they are usage errors (exit
//! code 2), not diagnostics. A file must be UTF-8 text without NUL bytes
//! (a NUL byte means a binary file, even when the bytes happen to be valid
//! UTF-8), and smaller than 4 GiB, so every byte offset fits a span.

use journey_compiler::project::{self, ListError, TextError};
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

    #[error("could not read `{path}`")]
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

    #[error("`{path}` is a collection of {count} projects, not one project")]
    #[diagnostic(
        code(journey::collection),
        help("name one of its projects: {projects}")
    )]
    Collection {
        path: PathBuf,
        count: usize,
        /// The project folders, separated by commas.
        projects: String,
    },
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

/// Reads each path given on the command line as its own unit, or as one
/// unit per project when it is a collection; no path means the current
/// folder.
pub fn load_units(paths: &[PathBuf]) -> Result<Vec<Unit>, LoadError> {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut units = Vec::new();
    for path in paths {
        units.extend(load_path(path)?);
    }
    Ok(units)
}

/// Reads the one project at `path` (a project folder, a folder of journey
/// files, or a single file), for commands that compile one program.
pub fn load_unit(path: &Path) -> Result<Unit, LoadError> {
    if !is_folder(path)? || has_config(path) {
        return load_path(path).map(|mut units| units.remove(0));
    }

    let folder = survey(path)?;
    if !folder.projects.is_empty() {
        let projects: Vec<String> = folder.projects.iter().map(|p| display_path(p)).collect();
        return Err(LoadError::Collection {
            path: path.to_path_buf(),
            count: projects.len(),
            projects: projects.join(", "),
        });
    }
    unit_of(path, folder.loose)
}

/// The units at one path: one, or one per project of a collection and
/// one more for its loose files.
fn load_path(path: &Path) -> Result<Vec<Unit>, LoadError> {
    if !is_folder(path)? {
        return Ok(vec![unit_of(
            &parent_or_dot(path),
            vec![path.to_path_buf()],
        )?]);
    }
    if has_config(path) {
        let mut files = Vec::new();
        collect_journey_files(path, &mut files)?;
        return Ok(vec![unit_of(path, files)?]);
    }

    let folder = survey(path)?;
    if folder.projects.is_empty() {
        return Ok(vec![unit_of(path, folder.loose)?]);
    }
    let mut units = Vec::new();
    if !folder.loose.is_empty() {
        units.push(unit_of(path, folder.loose)?);
    }
    for project in &folder.projects {
        let mut files = Vec::new();
        collect_journey_files(project, &mut files)?;
        units.push(unit_of(project, files)?);
    }
    Ok(units)
}

/// Whether `path` is a folder; an error when it does not exist or cannot
/// be read.
fn is_folder(path: &Path) -> Result<bool, LoadError> {
    let metadata = std::fs::metadata(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => LoadError::Missing {
            path: path.to_path_buf(),
        },
        _ => LoadError::Unreadable {
            path: path.to_path_buf(),
            source,
        },
    })?;
    Ok(metadata.is_dir())
}

fn has_config(folder: &Path) -> bool {
    project::has_config(folder)
}

/// A unit of `files`, with the settings of `root`'s `journey.toml`.
fn unit_of(root: &Path, mut files: Vec<PathBuf>) -> Result<Unit, LoadError> {
    if files.is_empty() {
        return Err(LoadError::NoJourneyFiles {
            path: root.to_path_buf(),
        });
    }
    files.sort();

    let mut sources = Sources::new();
    for file in &files {
        sources.add(display_path(file), read_text(file)?);
    }
    let config = read_config(root)?;
    Ok(Unit {
        sources,
        paths: files,
        config,
    })
}

/// A folder without a `journey.toml`, looked through: the project folders
/// below it (the first with a `journey.toml` on each way down), and the
/// journey files that lie outside all of them.
#[derive(Default)]
struct Survey {
    projects: Vec<PathBuf>,
    loose: Vec<PathBuf>,
}

fn survey(folder: &Path) -> Result<Survey, LoadError> {
    let mut found = Survey::default();
    survey_into(folder, &mut found)?;
    found.projects.sort();
    found.loose.sort();
    Ok(found)
}

fn survey_into(dir: &Path, found: &mut Survey) -> Result<(), LoadError> {
    for (path, is_dir) in entries(dir)? {
        if !is_dir {
            found.loose.push(path);
        } else if has_config(&path) {
            found.projects.push(path);
        } else {
            survey_into(&path, found)?;
        }
    }
    Ok(())
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
    project::read_text(file).map_err(|error| {
        let path = file.to_path_buf();
        match error {
            TextError::Unreadable(source) => LoadError::Unreadable { path, source },
            TextError::TooLarge { bytes } => LoadError::TooLarge { path, bytes },
            TextError::NotText(why) => LoadError::NotText { path, why },
        }
    })
}

/// Every journey file below `dir`, at any depth.
fn collect_journey_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    project::journey_files(dir, out).map_err(unlistable)
}

/// The sub-folders and journey files directly in `dir`, each with whether
/// it is a folder.
fn entries(dir: &Path) -> Result<Vec<(PathBuf, bool)>, LoadError> {
    project::entries(dir).map_err(unlistable)
}

fn unlistable(error: ListError) -> LoadError {
    LoadError::Unreadable {
        path: error.folder,
        source: error.source,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn examples() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
    }

    #[test]
    fn a_collection_loads_as_one_unit_per_project() {
        let units = load_units(&[examples()]).unwrap();

        assert_eq!(units.len(), 9);
        assert!(units.iter().all(|unit| unit.config.is_some()));
    }

    #[test]
    fn one_program_cannot_come_from_a_collection() {
        let refused = load_unit(&examples());
        let one = load_unit(&examples().join("quit-tobacco")).unwrap();

        match refused {
            Err(LoadError::Collection {
                count, projects, ..
            }) => {
                assert_eq!(count, 9);
                assert!(projects.contains("examples/quickstart"), "{projects}");
            }
            other => panic!("not refused as a collection: {:?}", other.err()),
        }
        assert_eq!(one.paths.len(), 3);
    }
}
