//! A hand-written parser for text with no syntax errors, for speed.
//!
//! pest stays the definition of the language (`grammar/journey.pest`) and
//! the source of every syntax error; this parser exists only because the
//! pest driver and its lowering parse too slowly for the front end's speed
//! goal. It follows the grammar rule by rule as a recursive descent with
//! PEG backtracking and builds the very tree, spans included, that the
//! driver would. On the first thing the driver would report it gives up,
//! and `parse_file` runs the pest driver on the whole file instead.
//!
//! Agreement is tested, not assumed: `compiler/tests/two_parsers.rs`
//! compares both on every example and fixture, on generated projects and
//! on systematic mutations of the examples, and the fuzz target
//! `two_parsers` compares them on whatever libFuzzer makes up.

mod cursor;
mod decls;
mod exprs;
mod literals;
mod steps;

use super::ast::{File, JourneyItem};
use cursor::Cursor;
use exprs::Token;

/// The tree of `text`, or `None` if the recovering pest driver would
/// report any syntax error in it.
pub fn parse(text: &str) -> Option<File> {
    // A byte-order mark is not part of the text, as in `parse_file`.
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut parser = Parser {
        cur: Cursor::new(text, start),
        tokens: Vec::new(),
        depth: 0,
        journey_items: Vec::new(),
    };
    let mut decls = Vec::new();

    loop {
        parser.cur.skip();
        if parser.cur.at_end() {
            break;
        }
        let decl = parser.declaration()?;
        if parser.cur.gave_up {
            return None;
        }
        decls.push(decl);
    }

    Some(File {
        decls,
        comments: parser.cur.comments,
    })
}

/// The state of one parse: the cursor, and the token stack of the
/// expressions being read.
struct Parser<'t> {
    cur: Cursor<'t>,
    tokens: Vec<Token>,
    /// How many expressions enclose the one being read.
    depth: usize,
    /// Where the items of a journey gather; see `journey_block`.
    journey_items: Vec<JourneyItem>,
}
