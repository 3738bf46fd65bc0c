//! Byte spans and the line index that turns them into lines and columns.
//!
//! Every node of the syntax tree and every diagnostic label points into a
//! source file with a [`Span`]: a half-open range of byte offsets. Spans are
//! converted from pest exactly once, when the tree is built. Lines and
//! columns are computed only when something is shown to a person, by a
//! [`LineIndex`]; columns come in the unit the consumer needs (UTF-8 bytes for
//! SARIF and terminals, UTF-16 code units for the language server, chars for
//! GitHub annotations).

use serde::{Deserialize, Serialize};

/// A half-open byte range `start..end` in one source file.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        debug_assert!(start <= end, "span {start}..{end} runs backwards");
        Span {
            start: to_u32(start),
            end: to_u32(end),
        }
    }

    /// An empty span at `offset`, for "something is missing here".
    pub fn point(offset: usize) -> Span {
        Span::new(offset, offset)
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest span that covers both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn contains(self, offset: usize) -> bool {
        let offset = to_u32(offset);
        self.start <= offset && offset <= self.end
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The text this span covers, or "" when it does not fit `text`.
    pub fn text(self, text: &str) -> &str {
        text.get(self.range()).unwrap_or("")
    }
}

/// Source files larger than 4 GiB are refused when they are read, so a byte
/// offset always fits; saturating keeps this total anyway.
fn to_u32(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

/// A zero-based line and column; the column's unit depends on the method
/// that produced it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

/// The start offset of every line of one text, and which lines are all
/// ASCII (where a column in any unit is the byte column, found at once:
/// many diagnostics on one long line then cost no more than one each).
#[derive(Clone, Debug)]
pub struct LineIndex {
    line_starts: Vec<u32>,
    ascii: Vec<bool>,
    len: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| to_u32(i + 1)),
        );
        let ascii = line_starts
            .iter()
            .enumerate()
            .map(|(line, &start)| {
                let end = line_starts
                    .get(line + 1)
                    .map_or(text.len(), |&e| e as usize);
                text.as_bytes()[start as usize..end].is_ascii()
            })
            .collect();
        LineIndex {
            line_starts,
            ascii,
            len: to_u32(text.len()),
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The byte offset where zero-based `line` starts, if the text has it.
    pub fn line_start(&self, line: u32) -> Option<usize> {
        self.line_starts.get(line as usize).map(|&s| s as usize)
    }

    /// The zero-based line holding `offset` (offsets past the end clamp).
    pub fn line_of(&self, offset: usize) -> u32 {
        let offset = to_u32(offset).min(self.len);
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        line as u32
    }

    /// Line and column, the column in UTF-8 bytes.
    pub fn byte_col(&self, offset: usize) -> LineCol {
        let line = self.line_of(offset);
        let start = self.line_starts[line as usize];
        LineCol {
            line,
            col: to_u32(offset).min(self.len) - start,
        }
    }

    /// Line and column, the column in Unicode scalar values (chars).
    pub fn char_col(&self, text: &str, offset: usize) -> LineCol {
        self.col_in(text, offset, |_| 1)
    }

    /// Line and column, the column in UTF-16 code units (the LSP default).
    pub fn utf16_col(&self, text: &str, offset: usize) -> LineCol {
        self.col_in(text, offset, |c| c.len_utf16() as u32)
    }

    /// Line and column, the column in `unit`s: what an editor that
    /// negotiated that unit expects.
    pub fn col(&self, text: &str, offset: usize, unit: ColumnUnit) -> LineCol {
        match unit {
            ColumnUnit::Utf8 => self.byte_col(offset),
            ColumnUnit::Utf16 => self.utf16_col(text, offset),
            ColumnUnit::Utf32 => self.char_col(text, offset),
        }
    }

    /// An offset inside a multi-byte char counts the chars before it: the
    /// prefix ends at the char boundary at or before `offset`.
    fn col_in(&self, text: &str, offset: usize, width: impl Fn(char) -> u32) -> LineCol {
        // The index is of `text` (the same length stands for that here).
        if text.len() == self.len as usize {
            let at = self.byte_col(offset);
            if self.ascii[at.line as usize] {
                return at;
            }
        }
        let line = self.line_of(offset);
        let start = self.line_starts[line as usize] as usize;
        let mut end = offset.min(text.len()).max(start);
        while end > start && !text.is_char_boundary(end) {
            end -= 1;
        }
        let prefix = text.get(start..end).unwrap_or("");
        LineCol {
            line,
            col: prefix.chars().map(width).sum(),
        }
    }

    /// The byte offset of a zero-based line and a column in UTF-16 code
    /// units, clamped to the line: out-of-range positions from an editor
    /// land on the nearest real place instead of failing.
    pub fn offset_of_utf16(&self, text: &str, pos: LineCol) -> usize {
        self.offset_of(text, pos, ColumnUnit::Utf16)
    }

    /// The byte offset of a zero-based line and a column in `unit`s,
    /// clamped to the line (before its line break) and to char boundaries:
    /// a column past the end of the line, a line past the end of the text
    /// or a column inside a char land on the nearest real place.
    pub fn offset_of(&self, text: &str, pos: LineCol, unit: ColumnUnit) -> usize {
        let Some(start) = self.line_start(pos.line) else {
            return text.len();
        };
        let line_end = self.line_start(pos.line + 1).unwrap_or(text.len());
        let line = text.get(start..line_end).unwrap_or("");
        let mut units = 0;
        for (i, c) in line.char_indices() {
            if units >= pos.col || c == '\n' || c == '\r' && line[i..].starts_with("\r\n") {
                return start + i;
            }
            units += match unit {
                ColumnUnit::Utf8 => c.len_utf8() as u32,
                ColumnUnit::Utf16 => c.len_utf16() as u32,
                ColumnUnit::Utf32 => 1,
            };
        }
        line_end
    }
}

/// The unit columns are counted in: UTF-8 bytes, UTF-16 code units (the
/// language server protocol's default) or chars (UTF-32 code units).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ColumnUnit {
    Utf8,
    Utf16,
    Utf32,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every offset of a text whose ASCII lines take the quick path and
    /// whose other lines count chars: both agree with counting by hand.
    #[test]
    fn ascii_and_other_lines_give_the_columns_counted_by_hand() {
        let text = "journey j {\n  send café 🎉\n\n  send x send y\né\nend";
        let index = LineIndex::new(text);

        for offset in 0..=text.len() {
            let before = &text.as_bytes()[..offset];
            let line = before.iter().filter(|b| **b == b'\n').count() as u32;
            let start = before
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |n| n + 1);
            let mut end = offset;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            let prefix = &text[start..end];
            let chars = prefix.chars().count() as u32;
            let units = prefix.encode_utf16().count() as u32;
            assert_eq!(
                index.char_col(text, offset),
                LineCol { line, col: chars },
                "{offset}"
            );
            assert_eq!(
                index.utf16_col(text, offset),
                LineCol { line, col: units },
                "{offset}"
            );
        }
    }

    #[test]
    fn columns_in_each_unit_on_a_non_ascii_line() {
        let text = "a\nsubject \"Café 🎉 day\" x\n";
        let index = LineIndex::new(text);
        let x = text.rfind('x').unwrap();

        assert_eq!(index.byte_col(x), LineCol { line: 1, col: 25 });
        assert_eq!(index.char_col(text, x), LineCol { line: 1, col: 21 });
        assert_eq!(index.utf16_col(text, x), LineCol { line: 1, col: 22 });
        assert_eq!(index.offset_of_utf16(text, LineCol { line: 1, col: 22 }), x);
    }

    #[test]
    fn offsets_inside_a_char_count_the_chars_before_it() {
        let text = "é🎉x";
        let index = LineIndex::new(text);

        assert_eq!(index.char_col(text, 1), LineCol { line: 0, col: 0 });
        assert_eq!(index.char_col(text, 4), LineCol { line: 0, col: 1 });
        assert_eq!(index.utf16_col(text, 5), LineCol { line: 0, col: 1 });
        assert_eq!(index.utf16_col(text, 6), LineCol { line: 0, col: 3 });
    }

    #[test]
    fn every_unit_round_trips_on_a_non_ascii_line() {
        let text = "x\n  subject \"Zoë 🎉 ok\"\r\nend";
        let index = LineIndex::new(text);
        let units = [ColumnUnit::Utf8, ColumnUnit::Utf16, ColumnUnit::Utf32];

        for (offset, _) in text.char_indices().filter(|&(_, c)| c != '\n') {
            for unit in units {
                let pos = index.col(text, offset, unit);
                assert_eq!(
                    index.offset_of(text, pos, unit),
                    offset,
                    "{unit:?} at {offset}"
                );
            }
        }
        let past = LineCol { line: 1, col: 99 };
        assert_eq!(
            index.offset_of(text, past, ColumnUnit::Utf32),
            text.find('\r').unwrap()
        );
        let inside_emoji = LineCol { line: 1, col: 16 };
        let emoji = text.find('🎉').unwrap();
        assert_eq!(
            index.offset_of(text, inside_emoji, ColumnUnit::Utf16),
            emoji + 4
        );
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let text = "ab\ncd";
        let index = LineIndex::new(text);
        assert_eq!(index.offset_of_utf16(text, LineCol { line: 0, col: 99 }), 2);
        assert_eq!(index.offset_of_utf16(text, LineCol { line: 7, col: 0 }), 5);
        assert_eq!(index.byte_col(99), LineCol { line: 1, col: 2 });
    }
}
