//! One project as the editor sees it: its files, their latest text, and the
//! compiler's analysis of them.
//!
//! A project is the folder that holds a `journey.toml`, with every
//! `.journey` file below it (the files `journey check` reads, found by the
//! same code); a file outside every project is analysed with the journey
//! files beside it in its folder, as `journey check FOLDER` would. Each
//! file's text comes from the editor while the editor has it open, and from
//! disk otherwise.
//!
//! Analysis is incremental where it is cheap to be: each file keeps its
//! parse until its text changes, so an edit reparses one file; the checks
//! then run over the whole project, exactly as `journey check` runs them, so
//! the diagnostics are the same. Each file also keeps its last parse without
//! syntax errors, and while the file is broken the symbol index is built
//! from that one: hover and navigation keep working around the mistake (see
//! [`TextMap`]).

use crate::text_map::TextMap;
use journey_compiler::check::config::{parse_config, ProjectConfig};
use journey_compiler::check::DiskTemplates;
use journey_compiler::diagnostic::Diagnostic;
use journey_compiler::project;
use journey_compiler::source::{FileId, Sources};
use journey_compiler::span::{LineIndex, Span};
use journey_compiler::symbols::SymbolIndex;
use journey_compiler::syntax::{ast, parse_file};
use std::path::{Path, PathBuf};

/// How a project's files were found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// A folder with a `journey.toml`, and every journey file below it.
    Configured,
    /// A folder without one, and the journey files directly in it.
    Loose,
    /// One document that is not a file on disk (an unsaved buffer).
    Single,
}

/// A file's text as the editor last gave it, or as read from disk.
pub struct FileText {
    pub path: PathBuf,
    pub text: String,
}

/// The last parse of a file that had no syntax errors.
struct GoodParse {
    text: String,
    lines: LineIndex,
    tree: ast::File,
}

struct ProjectFile {
    path: PathBuf,
    text: String,
    /// The parse of `text`; `None` until the next refresh parses it.
    parse: Option<(ast::File, Vec<Diagnostic>)>,
    good: Option<GoodParse>,
}

impl ProjectFile {
    /// Parses the current text, and keeps it as the good parse when it has
    /// no syntax errors.
    fn parse_now(&mut self, id: FileId) {
        let parsed = parse_file(id, &self.text);
        if parsed.diagnostics.is_empty() {
            self.good = Some(GoodParse {
                text: self.text.clone(),
                lines: LineIndex::new(&self.text),
                tree: parsed.tree.clone(),
            });
        }
        self.parse = Some((parsed.tree, parsed.diagnostics));
    }
}

/// The compiler's view of a project at one moment.
pub struct Analysis {
    /// The journey files, then `journey.toml` when there is one: the file
    /// ids of every diagnostic and of the symbol index.
    pub sources: Sources,
    /// Exactly what `journey check` reports for this project.
    pub diagnostics: Vec<Diagnostic>,
    pub index: SymbolIndex,
    /// The trees the index was built from (see [`Project::tree`]).
    trees: Vec<ast::File>,
    /// Per journey file, when its tree is an older text's: that text, its
    /// lines, and the map from the current text to it.
    older: Vec<Option<(String, LineIndex, TextMap)>>,
}

impl Analysis {
    /// The trees of the journey files, by file id: the current text's, or
    /// the last good one's while a file has syntax errors.
    pub fn trees(&self) -> &[ast::File] {
        &self.trees
    }

    /// Where `offset` of the file's current text is in the text its tree
    /// and index entries were built from; `None` inside an unparsed edit.
    pub fn to_indexed(&self, file: FileId, offset: usize) -> Option<usize> {
        match self.older.get(file.0 as usize) {
            Some(Some((_, _, map))) => map.to_old(offset),
            _ => Some(offset),
        }
    }

    /// Like [`Analysis::to_indexed`], but an offset inside an unparsed
    /// edit gives the place where the edit starts.
    pub fn to_indexed_near(&self, file: FileId, offset: usize) -> usize {
        match self.older.get(file.0 as usize) {
            Some(Some((_, _, map))) => map.to_old_near(offset),
            _ => offset,
        }
    }

    /// Where a span of the indexed text is in the file's current text.
    pub fn to_current(&self, file: FileId, span: Span) -> Option<Span> {
        match self.older.get(file.0 as usize) {
            Some(Some((_, _, map))) => {
                let start = map.to_new(span.start as usize)?;
                let end = map.to_new(span.end as usize)?;
                Some(Span::new(start, end.max(start)))
            }
            _ => Some(span),
        }
    }

    /// Whether the file's tree comes from an older text than the editor's
    /// (the current one has syntax errors).
    pub fn is_older(&self, file: FileId) -> bool {
        matches!(self.older.get(file.0 as usize), Some(Some(_)))
    }

    /// The text the file's tree was built from.
    pub fn indexed_text(&self, file: FileId) -> &str {
        match self.older.get(file.0 as usize) {
            Some(Some((text, _, _))) => text,
            _ if (file.0 as usize) < self.sources.len() => &self.sources.get(file).text,
            _ => "",
        }
    }
}

pub struct Project {
    pub root: PathBuf,
    pub layout: Layout,
    files: Vec<ProjectFile>,
    config: Option<FileText>,
    analysis: Option<Analysis>,
}

impl Project {
    pub fn new(
        root: PathBuf,
        layout: Layout,
        files: Vec<FileText>,
        config: Option<FileText>,
    ) -> Self {
        let mut project = Project {
            root,
            layout,
            files: Vec::new(),
            config: None,
            analysis: None,
        };
        project.replace_files(files, config);
        project
    }

    /// Sets the project's files, keeping the parses of files whose text
    /// did not change.
    pub fn replace_files(&mut self, mut files: Vec<FileText>, config: Option<FileText>) {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup_by(|a, b| a.path == b.path);
        let mut old: Vec<Option<ProjectFile>> = std::mem::take(&mut self.files)
            .into_iter()
            .map(Some)
            .collect();
        for (index, file) in files.into_iter().enumerate() {
            let kept = old
                .iter()
                .position(|f| f.as_ref().is_some_and(|f| f.path == file.path));
            let mut entry = match kept.and_then(|at| old[at].take()) {
                Some(entry) => entry,
                None => ProjectFile {
                    path: file.path,
                    text: String::new(),
                    parse: None,
                    good: None,
                },
            };
            // A parse's syntax errors name the file by its id, its index.
            let moved = kept != Some(index);
            if moved || entry.parse.is_none() || entry.text != file.text {
                entry.text = file.text;
                entry.parse = None;
            }
            self.files.push(entry);
        }
        self.config = config;
        self.analysis = None;
    }

    pub fn contains(&self, path: &Path) -> bool {
        self.file_id(path).is_some() || self.is_config(path)
    }

    pub fn is_config(&self, path: &Path) -> bool {
        self.config.as_ref().is_some_and(|c| c.path == path)
    }

    /// The id of a journey file of this project.
    pub fn file_id(&self, path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path == path)
            .map(|i| FileId(i as u32))
    }

    /// The path of a file id of the analysis (journey files, then the
    /// config).
    pub fn path_of(&self, file: FileId) -> Option<&Path> {
        let index = file.0 as usize;
        match self.files.get(index) {
            Some(f) => Some(&f.path),
            None if index == self.files.len() => self.config.as_ref().map(|c| c.path.as_path()),
            None => None,
        }
    }

    /// Every path of the project: journey files, then the config.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        let config = self.config.iter().map(|c| c.path.as_path());
        self.files.iter().map(|f| f.path.as_path()).chain(config)
    }

    /// Gives a file new text; a path the project does not know is added.
    pub fn set_text(&mut self, path: &Path, text: &str) {
        if let Some(config) = self.config.as_mut().filter(|c| c.path == path) {
            if config.text != text {
                config.text = text.to_string();
                self.analysis = None;
            }
            return;
        }
        let Some(index) = self.files.iter().position(|f| f.path == path) else {
            let mut files: Vec<FileText> = self.file_texts();
            files.push(FileText {
                path: path.to_path_buf(),
                text: text.to_string(),
            });
            let config = self.config.take();
            self.replace_files(files, config);
            return;
        };
        let file = &mut self.files[index];
        if file.text == text {
            return;
        }
        // A file edited before it was ever analysed (typing right after
        // opening it) would otherwise have no good parse to fall back on.
        if file.parse.is_none() && file.good.is_none() {
            file.parse_now(FileId(index as u32));
        }
        file.text = text.to_string();
        file.parse = None;
        self.analysis = None;
    }

    fn file_texts(&mut self) -> Vec<FileText> {
        self.files
            .iter()
            .map(|f| FileText {
                path: f.path.clone(),
                text: f.text.clone(),
            })
            .collect()
    }

    /// Forgets the analysis, so the checks run again (an email body or
    /// another file the checks read changed on disk).
    pub fn invalidate(&mut self) {
        self.analysis = None;
    }

    /// Analyses the current texts, if any changed since the last time.
    pub fn refresh(&mut self) {
        if self.analysis.is_none() {
            self.analysis = Some(self.analyze());
        }
    }

    /// The analysis of the last [`Project::refresh`]; `None` when a text
    /// changed since.
    pub fn analysis(&self) -> Option<&Analysis> {
        self.analysis.as_ref()
    }

    fn analyze(&mut self) -> Analysis {
        for (index, file) in self.files.iter_mut().enumerate() {
            if file.parse.is_none() {
                file.parse_now(FileId(index as u32));
            }
        }

        let mut sources = Sources::new();
        for file in &self.files {
            sources.add(file.path.to_string_lossy(), file.text.as_str());
        }
        let (config, mut diagnostics) = self.config(&mut sources);

        let mut trees = Vec::with_capacity(self.files.len());
        let mut syntax_errors = Vec::new();
        let mut older = Vec::with_capacity(self.files.len());
        for file in &self.files {
            let (tree, errors) = file.parse.as_ref().expect("parsed just above");
            syntax_errors.extend(errors.iter().cloned());
            match &file.good {
                Some(good) if !errors.is_empty() => {
                    trees.push(good.tree.clone());
                    let map = TextMap::between(&good.text, &file.text);
                    older.push(Some((good.text.clone(), good.lines.clone(), map)));
                }
                _ => {
                    trees.push(tree.clone());
                    older.push(None);
                }
            }
        }

        // The checker runs only when no file has syntax errors, and then
        // every tree above is the current text's.
        let (checked, _) = journey_compiler::check_parsed(
            &sources,
            &trees,
            syntax_errors,
            &config,
            &DiskTemplates,
        );
        diagnostics.extend(checked);
        let index = SymbolIndex::build(&trees);
        Analysis {
            sources,
            diagnostics,
            index,
            trees,
            older,
        }
    }

    /// Adds `journey.toml` to `sources` after the journey files, as
    /// `journey check` numbers it, and parses it.
    fn config(&self, sources: &mut Sources) -> (ProjectConfig, Vec<Diagnostic>) {
        match &self.config {
            Some(file) => {
                let id = sources.add(file.path.to_string_lossy(), file.text.as_str());
                parse_config(id, &file.text)
            }
            None => (ProjectConfig::default(), Vec::new()),
        }
    }
}

/// Reads the files of the project at `root`. `open` gives the editor's
/// text of a path it has open; files that cannot be used (unreadable, not
/// UTF-8, binary) are left out and named in the returned notices.
pub fn load(
    root: &Path,
    layout: Layout,
    open: &dyn Fn(&Path) -> Option<String>,
) -> (Vec<FileText>, Option<FileText>, Vec<String>) {
    let mut notices = Vec::new();
    let mut paths = Vec::new();
    let listed = match layout {
        Layout::Configured => project::journey_files(root, &mut paths),
        Layout::Loose => project::entries(root).map(|entries| {
            paths.extend(entries.into_iter().filter(|(_, dir)| !dir).map(|(p, _)| p));
        }),
        Layout::Single => Ok(()),
    };
    if let Err(error) = listed {
        notices.push(format!(
            "could not list `{}`: {}",
            error.folder.display(),
            error.source
        ));
    }

    let mut read = |path: PathBuf| -> Option<FileText> {
        if let Some(text) = open(&path) {
            return Some(FileText { path, text });
        }
        match project::read_text(&path) {
            Ok(text) => Some(FileText { path, text }),
            Err(error) => {
                notices.push(format!("left out `{}`: {error}", path.display()));
                None
            }
        }
    };
    let files: Vec<FileText> = paths.into_iter().filter_map(&mut read).collect();
    let config_path = root.join(project::CONFIG_FILE);
    let config = (layout != Layout::Single && config_path.is_file())
        .then(|| read(config_path))
        .flatten();
    (files, config, notices)
}
