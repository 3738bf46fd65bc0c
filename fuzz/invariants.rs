//! What must hold for any input, checked by every fuzz target and by the
//! regression test `compiler/tests/fuzz_regressions.rs`, which includes
//! this file by path.
//!
//! `analyze` must return (no panic, no hang), every span a diagnostic
//! holds must lie inside its file on char boundaries, each span must turn
//! into a line and column and back, and every output format must render
//! the diagnostics. The two parsers must agree: the fast one gives up
//! exactly when the pest driver reports a syntax error, and otherwise
//! builds the same tree.

use journey_compiler::diagnostic::Diagnostic;
use journey_compiler::render::{render_to_string, Format};
use journey_compiler::source::{FileId, Sources};
use journey_compiler::span::{LineCol, LineIndex, Span};

/// Analyses `text` as one file and checks everything above.
pub fn check_text(text: &str) -> Vec<Diagnostic> {
    check_parsers_agree(text);

    let mut sources = Sources::new();
    let file = sources.add("fuzz.journey", text);
    let analysis = journey_compiler::analyze(&sources);
    let index = LineIndex::new(text);

    for diagnostic in &analysis.diagnostics {
        for label in std::iter::once(&diagnostic.primary).chain(&diagnostic.labels) {
            assert_eq!(
                label.file, file,
                "{}: label in an unknown file",
                diagnostic.code
            );
            check_span(text, &index, label.span, diagnostic);
        }
        for suggestion in &diagnostic.suggestions {
            assert_eq!(
                suggestion.file, file,
                "{}: fix in an unknown file",
                diagnostic.code
            );
            check_span(text, &index, suggestion.span, diagnostic);
        }
    }

    for format in [
        Format::Human { color: false },
        Format::Json,
        Format::Github,
        Format::Sarif,
    ] {
        render_to_string(format, &sources, &analysis.diagnostics);
    }
    analysis.diagnostics
}

/// The fast parser and the pest driver take `text` the same way.
pub fn check_parsers_agree(text: &str) {
    let pest = journey_compiler::syntax::parse_with_pest(FileId(0), text);
    let fast = journey_compiler::syntax::parse_fast(text);
    match (pest.diagnostics.first(), fast) {
        (None, Some(tree)) => assert!(tree == pest.tree, "the parsers built different trees"),
        (None, None) => panic!("the fast parser gave up on text pest accepts"),
        (Some(error), Some(_)) => panic!(
            "the fast parser accepted text pest rejects: {} at {:?}",
            error.message, error.primary.span
        ),
        (Some(_), None) => {}
    }
}

fn check_span(text: &str, index: &LineIndex, span: Span, diagnostic: &Diagnostic) {
    let code = diagnostic.code;
    assert!(
        span.start <= span.end,
        "{code}: span {span:?} runs backwards"
    );
    assert!(
        span.end as usize <= text.len(),
        "{code}: span {span:?} past the end"
    );
    for offset in [span.start as usize, span.end as usize] {
        assert!(
            text.is_char_boundary(offset),
            "{code}: offset {offset} splits a char"
        );
        check_offset(text, index, offset);
    }
}

/// Line and column conversions at a char boundary agree with each other
/// and with a direct count over the text.
pub fn check_offset(text: &str, index: &LineIndex, offset: usize) {
    let bytes = index.byte_col(offset);
    let chars = index.char_col(text, offset);
    let utf16 = index.utf16_col(text, offset);
    let line_start = index
        .line_start(bytes.line)
        .expect("line_of gives a real line");
    let prefix = &text[line_start..offset];

    assert!(
        !prefix.contains('\n'),
        "offset {offset} placed on the wrong line"
    );
    assert_eq!(bytes.col as usize, prefix.len());
    assert_eq!(
        chars,
        LineCol {
            line: bytes.line,
            col: prefix.chars().count() as u32
        }
    );
    assert_eq!(utf16.col as usize, prefix.encode_utf16().count());
    assert_eq!(
        index.offset_of_utf16(text, utf16),
        offset,
        "utf-16 round trip"
    );
}
