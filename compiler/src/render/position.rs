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

/// The region of `span` in `file`.
pub fn region(sources: &Sources, file: FileId, span: Span) -> Region {
    let source = sources.get(file);
    let position = |offset: u32| {
        let at = source.lines.char_col(&source.text, offset as usize);
        Position {
            line: at.line + 1,
            column: at.col + 1,
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
