//! Everything the server knows: the documents the editor has open, the
//! projects they belong to, and what was last published.
//!
//! The editor's text of an open document overrides the file on disk. A
//! document opened in a folder nobody has loaded yet loads that folder's
//! project (see `project`); the project then follows every edit of any of
//! its open documents. Messages about unknown documents, stale versions or
//! changes that do not fit the text are ignored, never trusted: the server
//! must keep running whatever a client sends.

use crate::diagnostics;
use crate::position::Coords;
use crate::project::{self, Analysis, Layout, Project};
use journey_compiler::project::find_root;
use journey_compiler::source::FileId;
use journey_compiler::span::{ColumnUnit, LineIndex, Span};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use tower_lsp_server::ls_types::{
    self as lsp, Location, Position, TextDocumentContentChangeEvent, Uri,
};

/// A document the editor has open.
struct Doc {
    uri: Uri,
    version: i32,
    text: String,
}

/// Diagnostics ready to send for one file.
pub struct Publish {
    pub uri: Uri,
    pub version: Option<i32>,
    pub diagnostics: Vec<lsp::Diagnostic>,
}

pub struct World {
    pub unit: ColumnUnit,
    /// Whether the client takes snippets in completions.
    pub snippets: bool,
    docs: HashMap<PathBuf, Doc>,
    projects: Vec<Project>,
    /// What each file was last sent, to send only what changed.
    published: HashMap<PathBuf, Vec<lsp::Diagnostic>>,
    /// Files whose text changed since their diagnostics were last sent:
    /// they are sent again even when unchanged, with the new version.
    edited: HashSet<PathBuf>,
    /// Things the user should be told (files left out of a project).
    notices: Vec<String>,
}

impl Default for World {
    fn default() -> Self {
        World {
            unit: ColumnUnit::Utf16,
            snippets: false,
            docs: HashMap::new(),
            projects: Vec::new(),
            published: HashMap::new(),
            edited: HashSet::new(),
            notices: Vec::new(),
        }
    }
}

/// A file of a refreshed project, as a request sees it.
pub struct View<'a> {
    pub analysis: &'a Analysis,
    pub project: &'a Project,
    pub file: FileId,
    pub unit: ColumnUnit,
    docs: &'a HashMap<PathBuf, Doc>,
}

impl<'a> View<'a> {
    /// The current text of a file of the project, with its lines.
    pub fn coords(&self, file: FileId) -> Option<Coords<'a>> {
        if file.0 as usize >= self.analysis.sources.len() {
            return None;
        }
        let source = self.analysis.sources.get(file);
        Some(Coords {
            text: &source.text,
            lines: &source.lines,
            unit: self.unit,
        })
    }

    /// The offset of a client's position in this file's current text.
    pub fn offset(&self, position: Position) -> Option<usize> {
        Some(self.coords(self.file)?.offset(position))
    }

    /// The offset of a client's position in the text this file's tree was
    /// built from; `None` inside an edit not parsed yet.
    pub fn indexed_offset(&self, position: Position) -> Option<usize> {
        let offset = self.offset(position)?;
        self.analysis.to_indexed(self.file, offset)
    }

    pub fn uri(&self, file: FileId) -> Option<Uri> {
        uri_for(self.docs, self.project.path_of(file)?)
    }

    /// The editor's range of a span of the indexed text.
    pub fn range(&self, file: FileId, span: Span) -> Option<lsp::Range> {
        let span = self.analysis.to_current(file, span)?;
        Some(self.coords(file)?.range(span))
    }

    pub fn location(&self, file: FileId, span: Span) -> Option<Location> {
        Some(Location::new(self.uri(file)?, self.range(file, span)?))
    }

    /// The text a span of the indexed text covers.
    pub fn indexed_text(&self, file: FileId, span: Span) -> &'a str {
        span.text(self.analysis.indexed_text(file))
    }
}

/// The path a URI names: the file for `file:` URIs, and the URI itself as
/// a name for anything else (an unsaved buffer).
pub fn path_of(uri: &Uri) -> (PathBuf, bool) {
    let is_file = uri.as_str().starts_with("file:");
    match uri.to_file_path().filter(|_| is_file) {
        Some(path) => (path.into_owned(), true),
        None => (PathBuf::from(uri.as_str()), false),
    }
}

fn uri_for(docs: &HashMap<PathBuf, Doc>, path: &Path) -> Option<Uri> {
    match docs.get(path) {
        Some(doc) => Some(doc.uri.clone()),
        None => Uri::from_file_path(path),
    }
}

impl World {
    pub fn open(&mut self, uri: Uri, version: i32, text: String) {
        let (path, on_disk) = path_of(&uri);
        let doc = Doc { uri, version, text };
        self.ensure_project(&path, on_disk, &doc.text);
        self.docs.insert(path.clone(), doc);
        self.edited.insert(path);
    }

    /// Applies a client's changes to an open document. Changes to a
    /// document that is not open, or older than what the server has, are
    /// ignored.
    pub fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) {
        let (path, _) = path_of(uri);
        let unit = self.unit;
        let Some(doc) = self.docs.get_mut(&path) else {
            tracing::debug!(uri = uri.as_str(), "change_to_unopened_document");
            return;
        };
        if version < doc.version {
            tracing::debug!(uri = uri.as_str(), version, "stale_change_ignored");
            return;
        }
        doc.version = version;
        for change in changes {
            apply(&mut doc.text, change, unit);
        }
        let text = doc.text.clone();
        if let Some(project) = self.projects.iter_mut().find(|p| p.contains(&path)) {
            project.set_text(&path, &text);
        }
        self.edited.insert(path);
    }

    /// The editor closed a document: its file's text is read from disk
    /// again; a file that is not on disk leaves its project.
    pub fn close(&mut self, uri: &Uri) {
        let (path, _) = path_of(uri);
        if self.docs.remove(&path).is_none() {
            return;
        }
        let project = self.projects.iter().position(|p| p.contains(&path));
        if let Some(at) = project {
            self.reload(at);
        }
        if !self.projects.iter().any(|p| p.contains(&path)) {
            self.edited.insert(path);
        }
    }

    /// Files changed on disk: every project lists and reads its files again
    /// (open documents keep the editor's text).
    pub fn disk_changed(&mut self) {
        for at in 0..self.projects.len() {
            self.reload(at);
        }
    }

    fn reload(&mut self, at: usize) {
        let project = &self.projects[at];
        let (root, layout) = (project.root.clone(), project.layout);
        let docs = &self.docs;
        let open = |path: &Path| docs.get(path).map(|d| d.text.clone());
        let (mut files, config, notices) = project::load(&root, layout, &open);
        for (path, doc) in docs.iter().filter(|(p, _)| belongs(&root, layout, p)) {
            if !files.iter().any(|f| &f.path == path) && !is_config(path) {
                files.push(project::FileText {
                    path: path.clone(),
                    text: doc.text.clone(),
                });
            }
        }
        self.notices.extend(notices);
        let project = &mut self.projects[at];
        project.replace_files(files, config);
        project.invalidate();
    }

    /// The project of `path`, loaded now if no project has it yet; `text`
    /// is the editor's text of `path`.
    fn ensure_project(&mut self, path: &Path, on_disk: bool, text: &str) {
        if let Some(project) = self.projects.iter_mut().find(|p| p.contains(path)) {
            project.set_text(path, text);
            return;
        }

        let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let (root, layout) = match find_root(&folder).filter(|_| on_disk) {
            Some(root) => (root, Layout::Configured),
            None if on_disk => (folder, Layout::Loose),
            None => (path.to_path_buf(), Layout::Single),
        };
        if let Some(project) = self
            .projects
            .iter_mut()
            .find(|p| p.root == root && p.layout == layout)
        {
            project.set_text(path, text);
            return;
        }

        let docs = &self.docs;
        let open = |p: &Path| match p == path {
            true => Some(text.to_string()),
            false => docs.get(p).map(|d| d.text.clone()),
        };
        let (mut files, config, notices) = project::load(&root, layout, &open);
        self.notices.extend(notices);
        let is_config = config.as_ref().is_some_and(|c| c.path == path);
        if !is_config && !files.iter().any(|f| f.path == path) {
            files.push(project::FileText {
                path: path.to_path_buf(),
                text: text.to_string(),
            });
        }
        self.projects
            .push(Project::new(root, layout, files, config));
    }

    /// The document's project, refreshed, and the document's file in it.
    pub fn view(&mut self, uri: &Uri) -> Option<View<'_>> {
        let (path, _) = path_of(uri);
        let project = self
            .projects
            .iter_mut()
            .find(|p| p.file_id(&path).is_some())?;
        project.refresh();
        let project: &Project = project;
        Some(View {
            analysis: project.analysis()?,
            file: project.file_id(&path)?,
            project,
            unit: self.unit,
            docs: &self.docs,
        })
    }

    /// Every project, refreshed, each as a view of its first file.
    pub fn views(&mut self) -> Vec<View<'_>> {
        for project in &mut self.projects {
            project.refresh();
        }
        self.projects
            .iter()
            .filter_map(|project| {
                Some(View {
                    analysis: project.analysis()?,
                    file: FileId(0),
                    project,
                    unit: self.unit,
                    docs: &self.docs,
                })
            })
            .collect()
    }

    /// Notices gathered since the last call.
    pub fn take_notices(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notices)
    }

    /// Refreshes every project and returns the diagnostics that changed
    /// since they were last published, or whose document was edited.
    pub fn publishable(&mut self) -> Vec<Publish> {
        let mut current: HashMap<PathBuf, Vec<lsp::Diagnostic>> = HashMap::new();
        for view in self.views() {
            for (path, diagnostics) in diagnostics::by_file(&view) {
                current.entry(path).or_default().extend(diagnostics);
            }
        }

        let mut out = Vec::new();
        let edited = std::mem::take(&mut self.edited);
        let gone: Vec<PathBuf> = self
            .published
            .keys()
            .filter(|p| !current.contains_key(*p))
            .cloned()
            .collect();
        for path in gone.iter().chain(edited.iter()) {
            current.entry(path.clone()).or_default();
        }
        for (path, diagnostics) in current {
            let before = self.published.get(&path).map_or(&[][..], Vec::as_slice);
            let unchanged = before == diagnostics.as_slice();
            if unchanged && !edited.contains(&path) {
                continue;
            }
            let Some(uri) = uri_for(&self.docs, &path) else {
                continue;
            };
            let version = self.docs.get(&path).map(|d| d.version);
            out.push(Publish {
                uri,
                version,
                diagnostics: diagnostics.clone(),
            });
            if diagnostics.is_empty() {
                self.published.remove(&path);
            } else {
                self.published.insert(path, diagnostics);
            }
        }
        out
    }
}

fn is_config(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n == journey_compiler::project::CONFIG_FILE)
}

/// Whether an open document at `path` belongs to the project at `root`.
fn belongs(root: &Path, layout: Layout, path: &Path) -> bool {
    match layout {
        Layout::Configured => {
            path.starts_with(root)
                && find_root(path.parent().unwrap_or(root)).as_deref() == Some(root)
        }
        Layout::Loose => path.parent() == Some(root),
        Layout::Single => path == root,
    }
}

/// Applies one change to a document's text. A range is clamped to the
/// text, so a change that does not fit still gives some text rather than
/// a crash; the next full change puts things right.
fn apply(text: &mut String, change: TextDocumentContentChangeEvent, unit: ColumnUnit) {
    match change.range {
        None => *text = change.text,
        Some(range) => {
            let lines = LineIndex::new(text);
            let coords = Coords {
                text,
                lines: &lines,
                unit,
            };
            let span = coords.span(range);
            text.replace_range(span.range(), &change.text);
        }
    }
}
