//! The source files of one compilation unit.
//!
//! A project is a folder; every `.journey` file in it belongs to one unit.
//! [`Sources`] owns their text, gives each a [`FileId`], and keeps a
//! [`LineIndex`] per file so diagnostics can be placed on lines and columns.
//! Nothing here touches the file system: the CLI and the language server
//! load text their own way (from disk, or from an editor's unsaved buffers).

use crate::span::LineIndex;
use serde::Serialize;

/// Identifies one file within [`Sources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FileId(pub u32);

#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user should see it (relative where possible).
    pub path: String,
    pub text: String,
    pub lines: LineIndex,
}

#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn new() -> Sources {
        Sources::default()
    }

    pub fn add(&mut self, path: impl Into<String>, text: impl Into<String>) -> FileId {
        let text = text.into();
        let lines = LineIndex::new(&text);
        let id = FileId(self.files.len() as u32);
        self.files.push(SourceFile {
            path: path.into(),
            text,
            lines,
        });
        id
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn ids(&self) -> impl Iterator<Item = FileId> {
        (0..self.files.len() as u32).map(FileId)
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.ids().zip(self.files.iter())
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The total size of all files in bytes.
    pub fn total_bytes(&self) -> usize {
        self.files.iter().map(|f| f.text.len()).sum()
    }
}
