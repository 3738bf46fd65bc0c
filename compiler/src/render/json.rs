//! JSON lines: one object per diagnostic, for scripts and editors.
//!
//! Each line is one complete JSON object; a clean run writes nothing. The
//! schema, field by field (positions as in `position`: 1-based lines,
//! 1-based columns counted in chars; byte offsets are 0-based and the end
//! is exclusive):
//!
//! ```text
//! {
//!   "code":        "syntax-error",          stable kebab-case code
//!   "severity":    "error" | "warning",
//!   "message":     "expected ..., found `dayz`",
//!   "file":        "journeys/renewal.journey",
//!   "start":       {"line": 3, "column": 10},
//!   "end":         {"line": 3, "column": 14},   just past the last char
//!   "byte_start":  41,
//!   "byte_end":    45,
//!   "label":       "expected a unit of time such as `days` here",
//!   "labels":      [ {location fields as above, "message": "..."} ],
//!   "notes":       ["..."],
//!   "help":        "did you mean `days`?" | null,
//!   "suggestions": [ {location fields as above, "title": "change to `days`",
//!                     "replacement": "days"} ]
//! }
//! ```
//!
//! "location fields" are `file`, `start`, `end`, `byte_start` and
//! `byte_end`. A suggestion replaces the text between its byte offsets with
//! `replacement`. Fields may be added in later versions; none will be
//! renamed or removed without a new major version.

use super::position::{region, Position};
use crate::diagnostic::{Diagnostic, Label, Suggestion};
use crate::source::{FileId, Sources};
use crate::span::Span;
use serde::Serialize;
use std::io::{self, Write};

pub fn render(
    sources: &Sources,
    diagnostics: &[Diagnostic],
    out: &mut dyn Write,
) -> io::Result<()> {
    for diagnostic in diagnostics {
        let line = serde_json::to_string(&Entry::new(sources, diagnostic))?;
        writeln!(out, "{line}")?;
    }
    Ok(())
}

#[derive(Serialize)]
struct Entry<'d> {
    code: &'d str,
    severity: &'d str,
    message: &'d str,
    #[serde(flatten)]
    location: Location<'d>,
    label: &'d str,
    labels: Vec<LabelEntry<'d>>,
    notes: &'d [String],
    help: Option<&'d str>,
    suggestions: Vec<SuggestionEntry<'d>>,
}

#[derive(Serialize)]
struct Location<'d> {
    file: &'d str,
    start: Position,
    end: Position,
    byte_start: u32,
    byte_end: u32,
}

#[derive(Serialize)]
struct LabelEntry<'d> {
    #[serde(flatten)]
    location: Location<'d>,
    message: &'d str,
}

#[derive(Serialize)]
struct SuggestionEntry<'d> {
    #[serde(flatten)]
    location: Location<'d>,
    title: &'d str,
    replacement: &'d str,
}

impl<'d> Entry<'d> {
    fn new(sources: &'d Sources, diagnostic: &'d Diagnostic) -> Entry<'d> {
        let primary = &diagnostic.primary;
        Entry {
            code: diagnostic.code,
            severity: diagnostic.severity.as_str(),
            message: &diagnostic.message,
            location: Location::new(sources, primary.file, primary.span),
            label: &primary.message,
            labels: diagnostic
                .labels
                .iter()
                .map(|l| LabelEntry::new(sources, l))
                .collect(),
            notes: &diagnostic.notes,
            help: diagnostic.help.as_deref(),
            suggestions: diagnostic
                .suggestions
                .iter()
                .map(|s| SuggestionEntry::new(sources, s))
                .collect(),
        }
    }
}

impl<'d> Location<'d> {
    fn new(sources: &'d Sources, file: FileId, span: Span) -> Location<'d> {
        let region = region(sources, file, span);
        Location {
            file: &sources.get(file).path,
            start: region.start,
            end: region.end,
            byte_start: span.start,
            byte_end: span.end,
        }
    }
}

impl<'d> LabelEntry<'d> {
    fn new(sources: &'d Sources, label: &'d Label) -> LabelEntry<'d> {
        LabelEntry {
            location: Location::new(sources, label.file, label.span),
            message: &label.message,
        }
    }
}

impl<'d> SuggestionEntry<'d> {
    fn new(sources: &'d Sources, suggestion: &'d Suggestion) -> SuggestionEntry<'d> {
        SuggestionEntry {
            location: Location::new(sources, suggestion.file, suggestion.span),
            title: &suggestion.title,
            replacement: &suggestion.replacement,
        }
    }
}
