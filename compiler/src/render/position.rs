//! Lines and columns as people and CI tools count them.
//!
//! Diagnostics hold byte spans. Every machine format here shows positions
//! the same way: 1-based lines, and 1-based columns counted in Unicode
//! scalar values (chars), which is what GitHub annotations expect and what
//! SARIF calls `unicodeCodePoints`. Byte offsets are given alongside where a
//! format has room for them, for tools that prefer to slice the text.

use crate::source::{FileId, Sources};
use crate::span::Span;
use serde::Serialize;

/// A 1-based line and a 1-based column in chars.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// Where a span starts and ends; `end` is the position just after the last
/// char, so an empty span has `start == end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    pub start: Position,
    pub end: Position,
}

/// The byte-order mark some editors write at the start of a UTF-8 file.
const BOM: char = '\u{FEFF}';

/// The region of `span` in `file`.
///
/// A byte-order mark is not shown by editors, so it takes no column: the
/// first line's columns after it count from 1 as in an editor. Byte offsets
/// still count it, as they slice the text as read.
pub fn region(sources: &Sources, file: FileId, span: Span) -> Region {
    let source = sources.get(file);
    let bom_bytes = if source.text.starts_with(BOM) {
        BOM.len_utf8()
    } else {
        0
    };
    let position = |offset: u32| {
        let at = source.lines.char_col(&source.text, offset as usize);
        let after_bom = bom_bytes > 0 && at.line == 0 && offset as usize >= bom_bytes;
        Position {
            line: at.line + 1,
            column: at.col + 1 - u32::from(after_bom),
        }
    };
    Region {
        start: position(span.start),
        end: position(span.end),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_takes_no_column() {
        let mut sources = Sources::new();
        let text = "\u{FEFF}list 1x\nab";
        let file = sources.add("a.journey", text);
        let x = text.find("1x").unwrap();

        let on_first_line = region(&sources, file, Span::new(x, x + 2));
        let at_the_start = region(&sources, file, Span::new(0, 0));
        let on_second_line = region(&sources, file, Span::new(text.len() - 1, text.len()));

        assert_eq!(on_first_line.start, Position { line: 1, column: 6 });
        assert_eq!(on_first_line.end, Position { line: 1, column: 8 });
        assert_eq!(at_the_start.start, Position { line: 1, column: 1 });
        assert_eq!(on_second_line.start, Position { line: 2, column: 2 });
    }

    #[test]
    fn counts_columns_in_chars_from_one() {
        let mut sources = Sources::new();
        let text = "a\n  \"Café\" x\n";
        let file = sources.add("a.journey", text);
        let x = text.rfind('x').unwrap();

        let region = region(&sources, file, Span::new(x, x + 1));

        assert_eq!(
            region.start,
            Position {
                line: 2,
                column: 10
            }
        );
        assert_eq!(
            region.end,
            Position {
                line: 2,
                column: 11
            }
        );
    }
}
