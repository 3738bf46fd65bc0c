//! The compiler's diagnostics as the protocol shows them.
//!
//! A diagnostic keeps its code, severity and message exactly as `journey
//! check` reports them. Its secondary labels become related information
//! (they may point into other files); its notes and its help line follow
//! as related information at the primary place, so an editor that shows
//! related information shows everything the terminal report shows. Unused
//! and unreachable code is tagged so editors can fade it.

use crate::world::View;
use journey_compiler::diagnostic::{Diagnostic, Severity};
use std::path::PathBuf;
use tower_lsp_server::ls_types::{
    self as lsp, DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag, NumberOrString,
};

/// The name editors show as the diagnostics' source.
pub const SOURCE: &str = "journey";

/// The project's diagnostics, converted, grouped by file path. Every file
/// of the project has an entry, an empty one when it has no problems.
pub fn by_file(view: &View) -> Vec<(PathBuf, Vec<lsp::Diagnostic>)> {
    let mut files: Vec<(PathBuf, Vec<lsp::Diagnostic>)> = view
        .project
        .paths()
        .map(|path| (path.to_path_buf(), Vec::new()))
        .collect();
    for diagnostic in &view.analysis.diagnostics {
        let index = diagnostic.primary.file.0 as usize;
        let Some(converted) = to_lsp(view, diagnostic) else {
            continue;
        };
        if let Some((_, list)) = files.get_mut(index) {
            list.push(converted);
        }
    }
    files
}

/// One diagnostic in protocol form; positions are in the current text of
/// each file (diagnostics are always computed on the current text).
pub fn to_lsp(view: &View, diagnostic: &Diagnostic) -> Option<lsp::Diagnostic> {
    let primary = &diagnostic.primary;
    let coords = view.coords(primary.file)?;
    let range = coords.range(primary.span);
    let uri = view.uri(primary.file)?;

    let mut related = Vec::new();
    let here = lsp::Location::new(uri, range);
    if !primary.message.is_empty() {
        related.push(info(here.clone(), primary.message.clone()));
    }
    for label in &diagnostic.labels {
        let (Some(coords), Some(uri)) = (view.coords(label.file), view.uri(label.file)) else {
            continue;
        };
        let location = lsp::Location::new(uri, coords.range(label.span));
        related.push(info(location, label.message.clone()));
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
