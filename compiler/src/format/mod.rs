//! The formatter: prints a `.journey` file in its one canonical layout.
//!
//! [`format_file`] parses the text, refuses a file with syntax errors (a
//! formatter must never rewrite half a file), and prints the tree back. The
//! work has three parts: `inline` prints the constructs that always fit on
//! one line, `layout` decides where lines break and how far they are
//! indented, and `weave` puts the comments and the author's blank lines
//! back. Formatting is idempotent, and the formatted file parses to the same
//! tree as the original, spans aside; the tests check both on every fixture
//! and example.
//!
//! # The canonical layout
//!
//! Whitespace:
//! - two spaces per level of nesting; lines end with `\n` (never `\r\n`),
//!   carry no trailing white space, and the file ends with exactly one
//!   newline (an empty file stays empty);
//! - one blank line between top-level declarations;
//! - inside a block, the blank lines the author left between items are kept,
//!   collapsed to one; there is never a blank line right after a `{`, right
//!   before a `}`, or inside a multi-line step.
//!
//! Declarations:
//! - `contact {` with one field per line, `name: type[?][ phi][ = literal]`;
//! - `list name "Display"`, `segment name "Display"` on one line;
//! - `event name` without braces when it declares no fields (an empty `{}`
//!   is dropped), otherwise `event name {` with one `name: type` per line;
//! - `email name {` with one item per line: `kind`, `subject`, `body`,
//!   `link name "url"`, each keyword followed by a single space.
//!
//! Journeys: one setting or step per line, in source order. A label is
//! written `label: step` on the line of its step, with one space after the
//! colon (a label alone on a line is joined to its step). The three
//! multi-line steps line up with the column where their keyword starts:
//!
//! ```text
//! choose: wait for click invite.webinar -> webinar,
//!                  click invite.portal -> portal
//!                  timeout 7 days -> reminder
//! route: branch {
//!          when contact.plan is set -> member
//!          else -> prospect
//!        }
//! split {
//!   50% -> a
//!   50% -> b
//! }
//! ```
//!
//! - `wait for`: the first arm on the `wait for` line; each further arm on a
//!   line of its own, aligned with the first arm; a comma after every arm
//!   but the last; `timeout ...` or `forever` on a line of its own, aligned
//!   with the arms.
//! - `branch {` and `split {`: one arm per line, one level deeper than the
//!   keyword, and the `}` under the keyword. Arms are separated by line
//!   breaks alone: the optional commas are dropped from both.
//! - `wait until`: the target and zone on the `wait until` line; each
//!   `late`/`missing` arm on a line of its own, aligned with the target.
//!
//! Values and expressions: single spaces around binary operators and after
//! `not`, `-x` with no space, the author's parentheses kept and none added;
//! `x is set`, `x is missing`, `x in ["a", "b"]`, `x not in [...]`. Text is
//! re-escaped (`\"`, `\\`, `\n`, `\t`); durations read `1 day` and
//! `3 days` (singular exactly when the amount is 1); times are zero-padded
//! (`09:00`), dates read `2026-03-01`, and a date at a time
//! `2026-03-01 at 09:00`; time ranges `12:00-14:00`; day names singular
//! (`monday`) and separated by `, `. Numbers and percentages are kept as
//! written.
//!
//! Comments are never lost or duplicated. A comment on a line of its own
//! stays on a line of its own before the code that follows it, indented
//! like that code (inside a block, before its `}`, it is indented like the
//! block's items); a comment after code stays after that code, at the end
//! of its line, two spaces after it. Comments inside a multi-line step go
//! with the nearest arm. A comment inside something printed on one line (a
//! condition written over several lines, say) moves to the end of that line
//! or, on a line of its own, after it. See `weave` for the exact rules;
//! trailing white space inside a comment is dropped.
//!
//! Known shortcoming: lines are never broken by width, so a long condition
//! stays on one line however long it gets. A width-aware printer that
//! breaks `and`/`or` chains onto lines aligned under the first operand
//! would fix it.

mod inline;
mod layout;
mod weave;

use crate::diagnostic::Diagnostic;
use crate::source::FileId;
use crate::syntax::{self, ast};
use std::fmt;

/// Why a file was not formatted.
#[derive(Clone, Debug, PartialEq)]
pub enum FormatError {
    /// The file has syntax errors; these are they.
    Syntax(Vec<Diagnostic>),
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Syntax(errors) => {
                let count = errors.len();
                let noun = if count == 1 { "error" } else { "errors" };
                write!(
                    f,
                    "the file has {count} syntax {noun}; fix them before formatting"
                )
            }
        }
    }
}

impl std::error::Error for FormatError {}

/// Formats one file's text, or refuses when it has syntax errors.
pub fn format_file(text: &str) -> Result<String, FormatError> {
    format_source(FileId(0), text)
}

/// [`format_file`] for a file that is `file` in its compilation unit, so
/// the syntax errors point at the right file.
pub fn format_source(file: FileId, text: &str) -> Result<String, FormatError> {
    let parsed = syntax::parse_file(file, text);
    let errors: Vec<Diagnostic> = parsed
        .diagnostics
        .into_iter()
        .filter(|d| d.is_error())
        .collect();
    if !errors.is_empty() {
        return Err(FormatError::Syntax(errors));
    }
    Ok(format_tree(text, &parsed.tree))
}

/// Prints `tree`, parsed from `text` without syntax errors, in the
/// canonical layout. A tree with errors misses the parts that did not
/// parse, and those parts would be dropped from the output.
pub fn format_tree(text: &str, tree: &ast::File) -> String {
    let lines = layout::lines(text, tree);
    weave::render(text, &lines, &tree.comments)
}
