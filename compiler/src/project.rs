//! Which files on disk make a project, and how their text is read.
//!
//! A project is a folder with a `journey.toml`: every `.journey` file below
//! it, at any depth, belongs to one compilation unit. The command line
//! (`journey check`, `build`, ...) and the language server both find a
//! project's files here, so an editor sees exactly the files `journey check`
//! sees. Hidden folders and `target/` are skipped, and symbolic links to
//! folders are not followed, so a link loop cannot trap the walk.
//!
//! A file's text must be UTF-8 without NUL bytes (a NUL byte means a binary
//! file, even when the bytes happen to be valid UTF-8) and smaller than
//! 4 GiB, so every byte offset fits a [`crate::span::Span`].

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// The name of a project's settings file; its folder is the project.
pub const CONFIG_FILE: &str = "journey.toml";

/// The file name extension of journey files.
pub const EXTENSION: &str = "journey";

/// Whether `folder` holds a `journey.toml`.
pub fn has_config(folder: &Path) -> bool {
    folder.join(CONFIG_FILE).is_file()
}

/// The nearest folder at or above `folder` that holds a `journey.toml`.
pub fn find_root(folder: &Path) -> Option<PathBuf> {
    folder
        .ancestors()
        .find(|dir| has_config(dir))
        .map(Path::to_path_buf)
}

/// A folder that could not be listed.
#[derive(Debug)]
pub struct ListError {
    pub folder: PathBuf,
    pub source: io::Error,
}

/// Every journey file below `folder`, at any depth, appended to `out` in
/// the order the folders list them (callers sort).
pub fn journey_files(folder: &Path, out: &mut Vec<PathBuf>) -> Result<(), ListError> {
    for (path, is_folder) in entries(folder)? {
        if is_folder {
            journey_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// The sub-folders and journey files directly in `folder`, each with
/// whether it is a folder; hidden entries, `target/` and links to folders
/// are left out.
pub fn entries(folder: &Path) -> Result<Vec<(PathBuf, bool)>, ListError> {
    let unreadable = |source| ListError {
        folder: folder.to_path_buf(),
        source,
    };
    let mut found = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "target" {
            continue;
        }

        let kind = entry.file_type().map_err(unreadable)?;
        if kind.is_dir() {
            found.push((path, true));
        } else if path.extension().is_some_and(|e| e == EXTENSION) {
            found.push((path, false));
        }
    }
    Ok(found)
}

/// Why a file's text could not be used.
#[derive(Debug)]
pub enum TextError {
    Unreadable(io::Error),
    TooLarge {
        bytes: u64,
    },
    /// Binary or mis-encoded; says where, in words.
    NotText(String),
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextError::Unreadable(error) => write!(f, "it could not be read: {error}"),
            TextError::TooLarge { bytes } => write!(f, "it is too large ({bytes} bytes)"),
            TextError::NotText(why) => write!(f, "it is not a text file: {why}"),
        }
    }
}

/// The text of one file, refused when it is binary or too large.
pub fn read_text(file: &Path) -> Result<String, TextError> {
    let size = std::fs::metadata(file)
        .map_err(TextError::Unreadable)?
        .len();
    if size > u64::from(u32::MAX) {
        return Err(TextError::TooLarge { bytes: size });
    }

    let bytes = std::fs::read(file).map_err(TextError::Unreadable)?;
    text_of(bytes)
}

/// Bytes as journey text: UTF-8 without NUL bytes.
pub fn text_of(bytes: Vec<u8>) -> Result<String, TextError> {
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(TextError::NotText(format!(
            "it holds a NUL byte at byte {at}"
        )));
    }
    String::from_utf8(bytes).map_err(|error| {
        let at = error.utf8_error().valid_up_to();
        TextError::NotText(format!(
            "it is not valid UTF-8 (the first bad byte is at byte {at})"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_and_mis_encoded_bytes_are_not_text() {
        let nul = text_of(b"journey a {\0}".to_vec()).unwrap_err();
        let latin1 = text_of(b"subject \"Caf\xe9\"".to_vec()).unwrap_err();

        assert_eq!(
            nul.to_string(),
            "it is not a text file: it holds a NUL byte at byte 11"
        );
        assert_eq!(
            latin1.to_string(),
            "it is not a text file: it is not valid UTF-8 (the first bad byte is at byte 12)"
        );
        assert_eq!(text_of("Zoë".into()).unwrap(), "Zoë");
    }
}
