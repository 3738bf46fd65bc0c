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
    use crate::diagnostic::label;

    /// Checks the properties SARIF 2.1.0 requires, and the constraints
    /// between them, on every object this renderer writes. The official JSON
    /// schema is not reachable offline, so this follows the specification's
    /// required properties by hand.
    fn assert_sarif_shape(log: &Value) {
        assert_eq!(log["version"], "2.1.0");
        assert!(log["$schema"].as_str().unwrap().starts_with("https://"));
        let runs = log["runs"].as_array().expect("runs is an array");
        for run in runs {
            assert!(
                run["tool"]["driver"]["name"].is_string(),
                "tool.driver.name"
            );
            assert!(["utf16CodeUnits", "unicodeCodePoints"]
                .contains(&run["columnKind"].as_str().unwrap()));
            let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
            for result in run["results"].as_array().expect("results is an array") {
                assert_result_shape(result, rules);
            }
        }
    }

    fn assert_result_shape(result: &Value, rules: &[Value]) {
        assert!(result["message"]["text"].is_string(), "result.message.text");
        assert!(["none", "note", "warning", "error"].contains(&result["level"].as_str().unwrap()));
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);

        for location in result["locations"].as_array().expect("locations") {
            assert_physical_shape(&location["physicalLocation"]);
        }
        let related = result["relatedLocations"]
            .as_array()
            .map_or(&[][..], |r| r.as_slice());
        for (i, location) in related.iter().enumerate() {
            assert_eq!(location["id"].as_u64(), Some(i as u64));
            assert!(location["message"]["text"].is_string());
            assert_physical_shape(&location["physicalLocation"]);
        }
        for fix in result["fixes"].as_array().map_or(&[][..], |f| f.as_slice()) {
            let changes = fix["artifactChanges"].as_array().expect("artifactChanges");
            assert!(!changes.is_empty());
            for change in changes {
                assert!(change["artifactLocation"]["uri"].is_string());
                let replacements = change["replacements"].as_array().expect("replacements");
                assert!(!replacements.is_empty());
                for replacement in replacements {
                    assert_region_shape(&replacement["deletedRegion"]);
                    assert!(replacement["insertedContent"]["text"].is_string());
                }
            }
        }
    }

    fn assert_physical_shape(physical: &Value) {
        assert!(
            physical["artifactLocation"]["uri"].is_string(),
            "artifactLocation.uri"
        );
        assert_region_shape(&physical["region"]);
    }

    fn assert_region_shape(region: &Value) {
        let number = |key: &str| region[key].as_u64().unwrap_or_else(|| panic!("{key}"));
        assert!(number("startLine") >= 1 && number("startColumn") >= 1);
        assert!(number("endLine") >= number("startLine"));
        if number("endLine") == number("startLine") {
            assert!(number("endColumn") >= number("startColumn"));
        }
        assert!(region["byteOffset"].is_u64() && region["byteLength"].is_u64());
    }

    #[test]
    fn every_part_of_a_diagnostic_has_the_shape_sarif_requires() {
        let mut sources = Sources::new();
        let a = sources.add("journeys/a.journey", "journey a {\n  wait 3 dayz\n}\n");
        let b = sources.add("journeys/b.journey", "email welcome {\n}\n");
        let diagnostics = [
            Diagnostic::error(
                "syntax-error",
                "expected a unit",
                label(a, Span::new(21, 25), "here"),
            )
            .with_suggestion("change to `days`", "days")
            .with_note("a note")
            .with_help("some help"),
            Diagnostic::warning(
                "unused-declaration",
                "unused",
                label(b, Span::new(6, 13), ""),
            )
            .with_label(a, Span::point(14), "somewhere else"),
        ];

        let log = log(&sources, &diagnostics);

        assert_sarif_shape(&log);
        let results = &log["runs"][0]["results"];
        assert_eq!(
            results[0]["message"]["text"],
            "expected a unit\nnote: a note\nhelp: some help"
        );
        assert_eq!(results[1]["ruleIndex"], 1);
        assert_eq!(
            results[1]["relatedLocations"][0]["physicalLocation"]["region"]["startColumn"],
            3
        );
        let deleted =
            &results[0]["fixes"][0]["artifactChanges"][0]["replacements"][0]["deletedRegion"];
        assert_eq!(
            (&deleted["startColumn"], &deleted["endColumn"]),
            (&json!(10), &json!(14))
        );
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(
            uri_reference("journeys/re new#1.journey"),
            "journeys/re%20new%231.journey"
        );
        assert_eq!(uri_reference("a\\b\\é.journey"), "a/b/%C3%A9.journey");
    }
}
