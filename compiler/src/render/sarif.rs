//! A SARIF 2.1.0 log, the format code-scanning services read (GitHub code
//! scanning among them).
//!
//! The whole output is one JSON document: one run of the tool `journey`,
//! with a rule per diagnostic code that occurs, and a result per diagnostic.
//! A result carries its rule, its level (`error` or `warning`), its message
//! (the message, then notes and help on lines of their own), the primary
//! location with the primary label as the location's message, secondary
//! labels as `relatedLocations`, and suggestions as `fixes`.
//!
//! Regions use 1-based lines and columns; the run declares
//! `columnKind: unicodeCodePoints`, because columns count chars (see
//! `position`). `endColumn` is the column just past the region, so an empty
//! region (an insertion point) has `startColumn == endColumn`. Regions also
//! give `byteOffset` and `byteLength`. File paths become relative URI
//! references: `/` separators, and bytes outside the URI's unreserved set
//! percent-encoded.

use super::position::region;
use crate::diagnostic::{Diagnostic, Label, Severity, Suggestion};
use crate::source::{FileId, Sources};
use crate::span::Span;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::{self, Write};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

pub fn render(
    sources: &Sources,
    diagnostics: &[Diagnostic],
    out: &mut dyn Write,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(sources, diagnostics))?;
    writeln!(out)
}

fn log(sources: &Sources, diagnostics: &[Diagnostic]) -> Value {
    let codes: Vec<&str> = diagnostics
        .iter()
        .map(|d| d.code)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let rules: Vec<Value> = codes.iter().map(|code| json!({ "id": code })).collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let rule_index = codes.binary_search(&d.code).unwrap_or_default();
            result(sources, d, rule_index)
        })
        .collect();

    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "journey",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

fn result(sources: &Sources, diagnostic: &Diagnostic, rule_index: usize) -> Value {
    let level = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let primary = &diagnostic.primary;
    let mut location = json!({ "physicalLocation": physical(sources, primary.file, primary.span) });
    if !primary.message.is_empty() {
        location["message"] = json!({ "text": primary.message });
    }

    let mut result = json!({
        "ruleId": diagnostic.code,
        "ruleIndex": rule_index,
        "level": level,
        "message": { "text": message(diagnostic) },
        "locations": [location],
    });
    if !diagnostic.labels.is_empty() {
        let related = diagnostic.labels.iter().enumerate();
        result["relatedLocations"] = related
            .map(|(i, label)| related_location(sources, i, label))
            .collect();
    }
    if !diagnostic.suggestions.is_empty() {
        result["fixes"] = diagnostic
            .suggestions
            .iter()
            .map(|s| fix(sources, s))
            .collect();
    }
    result
}

fn message(diagnostic: &Diagnostic) -> String {
    let mut lines = vec![diagnostic.message.clone()];
    lines.extend(diagnostic.notes.iter().map(|note| format!("note: {note}")));
    lines.extend(diagnostic.help.iter().map(|help| format!("help: {help}")));
    lines.join("\n")
}

fn related_location(sources: &Sources, index: usize, label: &Label) -> Value {
    json!({
        "id": index,
        "physicalLocation": physical(sources, label.file, label.span),
        "message": { "text": label.message },
    })
}

fn fix(sources: &Sources, suggestion: &Suggestion) -> Value {
    json!({
        "description": { "text": suggestion.title },
        "artifactChanges": [{
            "artifactLocation": artifact(sources, suggestion.file),
            "replacements": [{
                "deletedRegion": sarif_region(sources, suggestion.file, suggestion.span),
                "insertedContent": { "text": suggestion.replacement },
            }],
        }],
    })
}

fn physical(sources: &Sources, file: FileId, span: Span) -> Value {
    json!({
        "artifactLocation": artifact(sources, file),
        "region": sarif_region(sources, file, span),
    })
}

fn artifact(sources: &Sources, file: FileId) -> Value {
    json!({ "uri": uri_reference(&sources.get(file).path) })
}

fn sarif_region(sources: &Sources, file: FileId, span: Span) -> Value {
    let region = region(sources, file, span);
    json!({
        "startLine": region.start.line,
        "startColumn": region.start.column,
        "endLine": region.end.line,
        "endColumn": region.end.column,
        "byteOffset": span.start,
        "byteLength": span.len(),
    })
}

/// A path as a URI reference: `/` separators, and every byte other than
/// letters, digits, `-._~` and `/` percent-encoded.
fn uri_reference(path: &str) -> String {
    let mut uri = String::with_capacity(path.len());
    for byte in path.replace('\\', "/").bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(
            uri_reference("journeys/re new#1.journey"),
            "journeys/re%20new%231.journey"
        );
        assert_eq!(uri_reference("a\\b\\é.journey"), "a/b/%C3%A9.journey");
    }
}
