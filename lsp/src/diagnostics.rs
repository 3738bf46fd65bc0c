//! The compiler's diagnostics as the protocol shows them.
//!
//! A diagnostic keeps its code, severity and message exactly as `journey
//! check` reports them. Its secondary labels become related information
//! (they may point into other files); its notes and its help line follow
//! as related information at the primary place, so an editor that shows
//! related information shows everything the terminal report shows. Unused
//! and unreachable code is tagged so editors can fade it.
//!
//! A file gets at most [`MAX_PER_FILE`] diagnostics: `journey check`
//! reports every one, but an editor shown tens of thousands (a generated
//! file, a paste gone wrong) only slows down, and so would the server,
//! converting and sending them. Positions are converted with a cursor per
//! file (see [`Cursor`]), so a file whose many diagnostics share one long
//! line costs one pass over that line, not one per diagnostic.

use crate::position::Cursor;
use crate::world::View;
use journey_compiler::diagnostic::{Diagnostic, Severity};
use journey_compiler::source::FileId;
use journey_compiler::span::Span;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::path::PathBuf;
use tower_lsp_server::ls_types::{
    self as lsp, DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag, NumberOrString,
};

/// The name editors show as the diagnostics' source.
pub const SOURCE: &str = "journey";

/// The most diagnostics published for one file; the first ones in the
/// file are kept.
pub const MAX_PER_FILE: usize = 1000;

/// The project's diagnostics, converted, grouped by file path. Every file
/// of the project has an entry, an empty one when it has no problems.
pub fn by_file(view: &View) -> Vec<(PathBuf, Vec<lsp::Diagnostic>)> {
    let mut files: Vec<(PathBuf, Vec<lsp::Diagnostic>)> = view
        .project
        .paths()
        .map(|path| (path.to_path_buf(), Vec::new()))
        .collect();
    let mut places = Places::new(view);
    for diagnostic in &view.analysis.diagnostics {
        let index = diagnostic.primary.file.0 as usize;
        let Some((_, list)) = files.get_mut(index) else {
            continue;
        };
        if list.len() >= MAX_PER_FILE {
            continue;
        }
        if let Some(converted) = convert(view, &mut places, diagnostic) {
            list.push(converted);
        }
    }
    files
}

/// One diagnostic in protocol form; positions are in the current text of
/// each file (diagnostics are always computed on the current text).
pub fn to_lsp(view: &View, diagnostic: &Diagnostic) -> Option<lsp::Diagnostic> {
    convert(view, &mut Places::new(view), diagnostic)
}

/// Cursors over the project's files: one for the diagnostics' own places,
/// which come in order, and one for their labels, which tend to point at
/// the same few declarations.
struct Places<'v, 'a> {
    view: &'v View<'a>,
    primary: HashMap<FileId, Cursor<'a>>,
    labels: HashMap<FileId, Cursor<'a>>,
}

impl<'v, 'a> Places<'v, 'a> {
    fn new(view: &'v View<'a>) -> Self {
        Places {
            view,
            primary: HashMap::new(),
            labels: HashMap::new(),
        }
    }

    fn primary(&mut self, file: FileId, span: Span) -> Option<lsp::Range> {
        Self::range(self.view, &mut self.primary, file, span)
    }

    fn label(&mut self, file: FileId, span: Span) -> Option<lsp::Range> {
        Self::range(self.view, &mut self.labels, file, span)
    }

    fn range(
        view: &View<'a>,
        cursors: &mut HashMap<FileId, Cursor<'a>>,
        file: FileId,
        span: Span,
    ) -> Option<lsp::Range> {
        let cursor = match cursors.entry(file) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => entry.insert(Cursor::new(view.coords(file)?)),
        };
        Some(cursor.range(span))
    }
}

fn convert(view: &View, places: &mut Places, diagnostic: &Diagnostic) -> Option<lsp::Diagnostic> {
    let primary = &diagnostic.primary;
    let range = places.primary(primary.file, primary.span)?;
    let uri = view.uri(primary.file)?;

    let mut related = Vec::new();
    let here = lsp::Location::new(uri, range);
    if !primary.message.is_empty() {
        related.push(info(here.clone(), primary.message.clone()));
    }
    for label in &diagnostic.labels {
        let (Some(range), Some(uri)) = (places.label(label.file, label.span), view.uri(label.file))
        else {
            continue;
        };
        related.push(info(lsp::Location::new(uri, range), label.message.clone()));
    }
    for note in &diagnostic.notes {
        related.push(info(here.clone(), format!("note: {note}")));
    }
    if let Some(help) = &diagnostic.help {
        related.push(info(here.clone(), format!("help: {help}")));
    }

    Some(lsp::Diagnostic {
        range,
        severity: Some(severity(diagnostic.severity)),
        code: Some(NumberOrString::String(diagnostic.code.to_string())),
        source: Some(SOURCE.to_string()),
        message: diagnostic.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: tags(diagnostic.code),
        ..lsp::Diagnostic::default()
    })
}

fn info(location: lsp::Location, message: String) -> DiagnosticRelatedInformation {
    DiagnosticRelatedInformation { location, message }
}

fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
    }
}

fn tags(code: &str) -> Option<Vec<DiagnosticTag>> {
    matches!(code, "unused-declaration" | "unreachable-step")
        .then(|| vec![DiagnosticTag::UNNECESSARY])
}
