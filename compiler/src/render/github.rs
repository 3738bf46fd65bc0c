//! GitHub Actions workflow commands, which GitHub shows as annotations on
//! the changed lines of a pull request.
//!
//! One line per diagnostic:
//!
//! ```text
//! ::error file=a.journey,line=3,col=10,endLine=3,endColumn=13,title=syntax-error::expected ...
//! ```
//!
//! GitHub reads columns only when the annotation starts and ends on the same
//! line, and takes `endColumn` as the column of the last char (it defaults
//! to `col`). So a one-line span gets both columns, with `endColumn`
//! inclusive (an empty span marks the single column it sits at), and a
//! span over several lines gets only `line` and `endLine`.
//!
//! The message is the diagnostic's message, then its label, notes and help on
//! lines of their own. Workflow commands are one line, so line breaks and `%`
//! are escaped in the message (`%0A`, `%0D`, `%25`); in the properties `:`
//! and `,` are escaped too (`%3A`, `%2C`), as they separate properties.

use super::position::region;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Sources;
use std::io::{self, Write};

pub fn render(
    sources: &Sources,
    diagnostics: &[Diagnostic],
    out: &mut dyn Write,
) -> io::Result<()> {
    for diagnostic in diagnostics {
        writeln!(out, "{}", command(sources, diagnostic))?;
    }
    Ok(())
}

fn command(sources: &Sources, diagnostic: &Diagnostic) -> String {
    let primary = &diagnostic.primary;
    let region = region(sources, primary.file, primary.span);
    let file = escape_property(&sources.get(primary.file).path);

    let mut properties = format!("file={file},line={}", region.start.line);
    if region.start.line == region.end.line {
        let last_column = (region.end.column - 1).max(region.start.column);
        properties += &format!(",col={},endColumn={last_column}", region.start.column);
    } else {
        properties += &format!(",endLine={}", region.end.line);
    }
    properties += &format!(",title={}", escape_property(diagnostic.code));

    let kind = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    format!(
        "::{kind} {properties}::{}",
        escape_data(&message(diagnostic))
    )
}

/// The text of the annotation: everything the terminal report says in words.
fn message(diagnostic: &Diagnostic) -> String {
    let mut lines = vec![diagnostic.message.clone()];
    if !diagnostic.primary.message.is_empty() {
        lines.push(diagnostic.primary.message.clone());
    }
    lines.extend(diagnostic.notes.iter().map(|note| format!("note: {note}")));
    lines.extend(diagnostic.help.iter().map(|help| format!("help: {help}")));
    lines.join("\n")
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::label;
    use crate::span::Span;

    #[test]
    fn escapes_data_and_properties() {
        assert_eq!(escape_data("50%\r\nnext"), "50%25%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn a_span_over_two_lines_has_no_columns() {
        let mut sources = Sources::new();
        let file = sources.add("dir,1/a:b.journey", "journey x {\n}\n");
        let span = Span::new(0, 13);
        let diagnostic = Diagnostic::warning("odd", "100% odd", label(file, span, ""));

        assert_eq!(
            command(&sources, &diagnostic),
            "::warning file=dir%2C1/a%3Ab.journey,line=1,endLine=2,title=odd::100%25 odd"
        );
    }

    #[test]
    fn a_point_marks_one_column() {
        let mut sources = Sources::new();
        let file = sources.add("a.journey", "wait 3\n");
        let diagnostic = Diagnostic::error(
            "syntax-error",
            "expected a unit",
            label(file, Span::point(6), "here"),
        )
        .with_help("write `3 days`");

        assert_eq!(
            command(&sources, &diagnostic),
            "::error file=a.journey,line=1,col=7,endColumn=7,title=syntax-error\
             ::expected a unit%0Ahere%0Ahelp: write `3 days`"
        );
    }
}
