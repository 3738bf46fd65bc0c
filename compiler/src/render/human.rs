//! Annotated source for terminals, drawn by ariadne.
//!
//! Each diagnostic becomes one report: a header in the form people know from
//! rustc (`error[syntax-error]: expected ..., found ...`), the offending
//! lines with the primary label, secondary labels (in this file or others),
//! then notes and help. Reports are separated by a blank line.
//!
//! Two details of ariadne 0.6 shape this module:
//! - ariadne writes its own header (`[code] Error: message`) and can draw a
//!   custom one only in colour. So the header is written here, ariadne is
//!   given no message, and the header line it writes is dropped.
//! - ariadne pads some lines with spaces; the padding is cut, so output
//!   pasted into an issue or a snapshot file has no trailing white space.
//! - ariadne counts offsets in chars unless told otherwise; our spans are
//!   bytes, so every report is configured with `IndexType::Byte`.
//!
//! An empty span (a point, "something is missing here") is drawn under the
//! char it sits on, or one column past the end of the line when it sits on
//! a line break or at the end of the file.
//!
//! Known shortcoming: ariadne also breaks lines at a lone `\r`, a vertical
//! tab, a form feed and U+0085/U+2028/U+2029, while our line index breaks
//! only at `\n`. In a file holding those characters the line numbers drawn
//! here can differ from the machine formats; a line index that follows
//! ariadne's rules (or an ariadne option to break only at `\n`) would fix it.

use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::source::{FileId, Sources};
use crate::span::Span;
use ariadne::{Cache, Color, Config, Fmt, IndexType, ReportKind, Source};
use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::io::{self, Write};
use std::ops::Range;

/// Writes every diagnostic as an annotated report.
pub fn render(
    color: bool,
    sources: &Sources,
    diagnostics: &[Diagnostic],
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut cache = SourceCache {
        sources,
        loaded: HashMap::new(),
    };
    for (i, diagnostic) in diagnostics.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        write_report(color, &mut cache, diagnostic, out)?;
    }
    Ok(())
}

fn write_report(
    color: bool,
    cache: &mut SourceCache,
    diagnostic: &Diagnostic,
    out: &mut dyn Write,
) -> io::Result<()> {
    let header = format!("{}[{}]", diagnostic.severity.as_str(), diagnostic.code);
    let header_color = color.then_some(severity_color(diagnostic.severity));
    writeln!(out, "{}: {}", header.fg(header_color), diagnostic.message)?;

    let report = build_report(color, cache.sources, diagnostic);
    let mut drawn = Vec::new();
    report.write(&mut *cache, &mut drawn)?;
    let drawn = String::from_utf8_lossy(&drawn);
    for line in drawn.lines().skip(1) {
        writeln!(out, "{}", line.trim_end_matches(' '))?;
    }
    Ok(())
}

type AriadneSpan = (FileId, Range<usize>);

fn build_report<'a>(
    color: bool,
    sources: &Sources,
    diagnostic: &Diagnostic,
) -> ariadne::Report<'a, AriadneSpan> {
    let config = Config::default()
        .with_index_type(IndexType::Byte)
        .with_color(color);
    let primary = &diagnostic.primary;
    let kind = match diagnostic.severity {
        Severity::Error => ReportKind::Error,
        Severity::Warning => ReportKind::Warning,
    };

    let mut builder =
        ariadne::Report::build(kind, drawable_span(sources, primary)).with_config(config);
    for label in labels_in_drawing_order(diagnostic) {
        let (color, priority) = if std::ptr::eq(label, primary) {
            (severity_color(diagnostic.severity), 1)
        } else {
            (Color::Blue, 0)
        };
        builder.add_label(
            ariadne::Label::new(drawable_span(sources, label))
                .with_message(&label.message)
                .with_color(color)
                .with_priority(priority),
        );
    }

    for note in &diagnostic.notes {
        builder.add_note(note);
    }
    if let Some(help) = &diagnostic.help {
        builder.set_help(help);
    }
    builder.finish()
}

/// Every label, those in the primary label's file first, each file's labels
/// by position. ariadne draws labels in the order given and starts a new
/// excerpt of a file whenever a label lies above the one before it, so this
/// order keeps each file in one excerpt.
fn labels_in_drawing_order(diagnostic: &Diagnostic) -> Vec<&Label> {
    let mut labels: Vec<&Label> = std::iter::once(&diagnostic.primary)
        .chain(&diagnostic.labels)
        .collect();
    let primary_file = diagnostic.primary.file;
    labels.sort_by_key(|l| (l.file != primary_file, l.file, l.span.start, l.span.end));
    labels
}

fn severity_color(severity: Severity) -> Color {
    match severity {
        Severity::Error => Color::Red,
        Severity::Warning => Color::Yellow,
    }
}

/// The byte range ariadne should underline for a label. A non-empty span is
/// drawn as it is. An empty span is widened to the char it sits on, so the
/// place shows; on a line break or at the end of the file it stays empty,
/// which ariadne draws just past the end of the line.
fn drawable_span(sources: &Sources, label: &Label) -> AriadneSpan {
    let text = &sources.get(label.file).text;
    let span = clamp(label.span, text);
    let start = span.range().start;
    let next_char = text.get(start..).and_then(|rest| rest.chars().next());
    let range = match next_char {
        Some(c) if span.is_empty() && c != '\n' && c != '\r' => start..start + c.len_utf8(),
        _ => span.range(),
    };

    let shift = text.len() - without_bom(text).len();
    let range = range.start.saturating_sub(shift)..range.end.saturating_sub(shift);
    (label.file, range)
}

/// `text` without its byte-order mark, if it has one: editors do not show
/// the mark, so ariadne is handed the text without it (and spans moved to
/// match), and its columns then count as an editor's do.
fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{FEFF}').unwrap_or(text)
}

/// A span cut to fit `text` and moved onto char boundaries, so a stale or
/// broken label cannot make ariadne slice out of bounds or inside a char.
fn clamp(span: Span, text: &str) -> Span {
    let floor = |offset: u32| {
        let mut offset = (offset as usize).min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    };
    let end = floor(span.end);
    Span::new(floor(span.start).min(end), end)
}

/// Hands ariadne the text of each file, read once per render.
struct SourceCache<'s> {
    sources: &'s Sources,
    loaded: HashMap<FileId, Source<&'s str>>,
}

impl<'s> Cache<FileId> for SourceCache<'s> {
    type Storage = &'s str;

    fn fetch(&mut self, id: &FileId) -> Result<&Source<&'s str>, impl fmt::Debug> {
        let text = without_bom(self.sources.get(*id).text.as_str());
        Ok::<_, Infallible>(self.loaded.entry(*id).or_insert_with(|| Source::from(text)))
    }

    fn display<'a>(&self, id: &'a FileId) -> Option<impl fmt::Display + 'a> {
        Some(self.sources.get(*id).path.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::label;

    fn draw(text: &str, span: Span) -> String {
        let mut sources = Sources::new();
        let file = sources.add("a.journey", text);
        let diagnostic = Diagnostic::error("test-code", "a message", label(file, span, "here"));
        let mut out = Vec::new();
        render(false, &sources, &[diagnostic], &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn writes_the_header_once_and_no_colour_when_not_asked() {
        let drawn = draw("wait 3 dayz\n", Span::new(7, 11));

        assert!(
            drawn.starts_with("error[test-code]: a message\n"),
            "{drawn}"
        );
        assert_eq!(drawn.matches("a message").count(), 1, "{drawn}");
        assert!(!drawn.contains("Error"), "{drawn}");
        assert!(!drawn.contains('\x1b'), "{drawn}");
        assert!(drawn.contains("a.journey:1:8"), "{drawn}");
    }

    #[test]
    fn a_byte_order_mark_takes_no_column() {
        let text = "\u{FEFF}list 1x\n";
        let at = text.find("1x").unwrap();

        let drawn = draw(text, Span::new(at, at + 2));
        let on_the_mark = draw(text, Span::point(0));

        assert!(drawn.contains("a.journey:1:6"), "{drawn}");
        assert!(!drawn.contains('\u{FEFF}'), "{drawn}");
        assert!(on_the_mark.contains("a.journey:1:1"), "{on_the_mark}");
    }

    #[test]
    fn colours_when_asked() {
        let mut sources = Sources::new();
        let file = sources.add("a.journey", "x\n");
        let diagnostic = Diagnostic::warning("w", "m", label(file, Span::new(0, 1), "l"));
        let mut out = Vec::new();
        render(true, &sources, &[diagnostic], &mut out).unwrap();

        let drawn = String::from_utf8(out).unwrap();
        assert!(drawn.contains("\x1b["), "{drawn:?}");
        assert!(drawn.contains("warning[w]"), "{drawn:?}");
    }

    #[test]
    fn odd_spans_render_without_panicking() {
        let cases: &[(&str, Span)] = &[
            ("", Span::point(0)),
            ("abc", Span::point(3)),
            ("abc\n", Span::new(2, 4)),
            ("a\r\nb\r\n", Span::new(1, 3)),
            ("é😀x\n", Span::new(0, 6)),
            ("é😀x\n", Span::point(2)),
            ("first\nsecond\nthird", Span::new(2, 15)),
            ("short", Span::new(3, 99)),
            ("é", Span::new(1, 1)),
            ("éa", Span::new(1, 3)),
        ];
        for &(text, span) in cases {
            let drawn = draw(text, span);
            assert!(drawn.contains("here"), "{text:?} {span:?}:\n{drawn}");
        }
    }

    #[test]
    fn a_point_on_a_char_underlines_that_char() {
        let drawn = draw("ab = c\n", Span::point(3));
        let line = drawn.lines().find(|l| l.contains('┬')).unwrap();

        assert_eq!(
            line.find('┬'),
            drawn
                .lines()
                .find(|l| l.contains("ab ="))
                .unwrap()
                .find('=')
        );
    }

    #[test]
    fn labels_in_other_files_get_their_own_excerpt() {
        let mut sources = Sources::new();
        let a = sources.add("a.journey", "send welcome\n");
        let b = sources.add("b.journey", "email welcome {\n}\n");
        let diagnostic = Diagnostic::error("dup", "m", label(a, Span::new(5, 12), "used here"))
            .with_label(b, Span::new(6, 13), "declared here")
            .with_note("a note");
        let mut out = Vec::new();
        render(false, &sources, &[diagnostic], &mut out).unwrap();

        let drawn = String::from_utf8(out).unwrap();
        let a_at = drawn.find("a.journey:1:6").expect(&drawn);
        let b_at = drawn.find("b.journey:1:7").expect(&drawn);
        assert!(a_at < b_at, "{drawn}");
        assert!(drawn.contains("Note: a note"), "{drawn}");
    }
}
