//! Positions between the editor and the compiler.
//!
//! The compiler counts bytes; an editor counts lines and columns, the
//! columns in the unit agreed at `initialize`: UTF-16 code units unless the
//! client offers UTF-8 or UTF-32 (UTF-8 is preferred: it is what the spans
//! already count, so no line is scanned to convert). Every conversion in the
//! server goes through this module, and every position coming from a client
//! is clamped to the text, never trusted.

use journey_compiler::span::{ColumnUnit, LineCol, LineIndex, Span};
use tower_lsp_server::ls_types::{Position, PositionEncodingKind, Range};

/// The column unit to use, from the encodings a client offers.
pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> ColumnUnit {
    let offered = offered.unwrap_or_default();
    let has = |kind: &PositionEncodingKind| offered.iter().any(|o| o == kind);
    if has(&PositionEncodingKind::UTF8) {
        ColumnUnit::Utf8
    } else if has(&PositionEncodingKind::UTF32) {
        ColumnUnit::Utf32
    } else {
        ColumnUnit::Utf16
    }
}

pub fn encoding_kind(unit: ColumnUnit) -> PositionEncodingKind {
    match unit {
        ColumnUnit::Utf8 => PositionEncodingKind::UTF8,
        ColumnUnit::Utf16 => PositionEncodingKind::UTF16,
        ColumnUnit::Utf32 => PositionEncodingKind::UTF32,
    }
}

/// A text with its line index, seen in one column unit.
#[derive(Clone, Copy)]
pub struct Coords<'a> {
    pub text: &'a str,
    pub lines: &'a LineIndex,
    pub unit: ColumnUnit,
}

impl Coords<'_> {
    pub fn position(&self, offset: usize) -> Position {
        let at = self.lines.col(self.text, offset, self.unit);
        Position::new(at.line, at.col)
    }

    pub fn range(&self, span: Span) -> Range {
        Range::new(
            self.position(span.start as usize),
            self.position(span.end as usize),
        )
    }

    /// The byte offset of a client's position, clamped to the text.
    pub fn offset(&self, position: Position) -> usize {
        let at = LineCol {
            line: position.line,
            col: position.character,
        };
        self.lines.offset_of(self.text, at, self.unit)
    }

    /// The span of a client's range, clamped, its ends in order.
    pub fn span(&self, range: Range) -> Span {
        let start = self.offset(range.start);
        let end = self.offset(range.end);
        Span::new(start.min(end), start.max(end))
    }
}

/// Converts many offsets of one text, each from the last one converted:
/// on a line, the scan costs the distance between the two offsets, not the
/// distance from the start of the line. Converting offsets in order (the
/// diagnostics of a file, sorted) thus costs one pass over the text, where
/// [`Coords::position`] alone would scan a long line once per offset.
pub struct Cursor<'a> {
    coords: Coords<'a>,
    /// The last offset converted (on a char boundary) and its position.
    last: Option<(usize, Position)>,
}

impl<'a> Cursor<'a> {
    pub fn new(coords: Coords<'a>) -> Cursor<'a> {
        Cursor { coords, last: None }
    }

    pub fn range(&mut self, span: Span) -> Range {
        let start = self.position(span.start as usize);
        Range::new(start, self.position(span.end as usize))
    }

    pub fn position(&mut self, offset: usize) -> Position {
        let Coords { text, lines, unit } = self.coords;
        if unit == ColumnUnit::Utf8 {
            return self.coords.position(offset);
        }

        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = lines.line_of(offset);
        let width = |between: &str| -> u32 {
            match unit {
                ColumnUnit::Utf16 => between.chars().map(|c| c.len_utf16() as u32).sum(),
                _ => between.chars().count() as u32,
            }
        };
        let position = match self.last {
            Some((from, at)) if at.line == line && from <= offset => {
                Position::new(line, at.character + width(&text[from..offset]))
            }
            Some((from, at)) if at.line == line => {
                Position::new(line, at.character - width(&text[offset..from]))
            }
            _ => self.coords.position(offset),
        };
        self.last = Some((offset, position));
        position
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_follow_the_negotiated_unit_on_a_line_with_emoji() {
        let text = "email x {\n  subject \"Zoë, 🎉 {{ contact.plan }}\"\n}\n";
        let lines = LineIndex::new(text);
        let plan = text.find("plan").unwrap();
        let units = [
            (ColumnUnit::Utf8, 33),
            (ColumnUnit::Utf16, 30),
            (ColumnUnit::Utf32, 29),
        ];

        for (unit, col) in units {
            let coords = Coords {
                text,
                lines: &lines,
                unit,
            };
            assert_eq!(coords.position(plan), Position::new(1, col), "{unit:?}");
            assert_eq!(coords.offset(Position::new(1, col)), plan, "{unit:?}");
        }
    }

    #[test]
    fn a_cursor_converts_as_the_coords_do_in_any_order() {
        let text = "journey é {\n  send 🎉x send y\r\n  send zoë }\n";
        let lines = LineIndex::new(text);
        let mut offsets: Vec<usize> = (0..=text.len() + 2).collect();
        offsets.extend((0..=text.len()).rev().step_by(3));

        for unit in [ColumnUnit::Utf8, ColumnUnit::Utf16, ColumnUnit::Utf32] {
            let coords = Coords {
                text,
                lines: &lines,
                unit,
            };
            let mut cursor = Cursor::new(coords);
            for &offset in &offsets {
                let expected = coords.position(offset);
                assert_eq!(cursor.position(offset), expected, "{unit:?} at {offset}");
            }
        }
    }

    #[test]
    fn the_client_chooses_among_what_it_offers() {
        let both = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        let wide = [PositionEncodingKind::UTF32];

        assert_eq!(negotiate(None), ColumnUnit::Utf16);
        assert_eq!(negotiate(Some(&both)), ColumnUnit::Utf8);
        assert_eq!(negotiate(Some(&wide)), ColumnUnit::Utf32);
        assert_eq!(negotiate(Some(&[])), ColumnUnit::Utf16);
    }
}
