//! Text to syntax tree: the grammar, the recovering parser and the tree.
//!
//! The grammar lives in `grammar/journey.pest` at the root of the
//! repository. [`parse_file`] turns one file's text into an [`ast::File`]
//! and the syntax diagnostics found on the way; it never fails outright, so
//! later phases and the editor always have a tree to work with.
//!
//! Two parsers stand behind it. The hand-written one in `fast` reads text
//! with no syntax error quickly; on anything else the recovering driver
//! around the pest grammar reads the file and reports its errors.

pub mod ast;
mod comments;
mod expected;
mod fast;
mod lower;
mod parser;
mod recovery;

pub use comments::comment_spans;
/// The help of a `wait for` that does not say how it ends; quick fixes match on it.
pub use expected::WAIT_END_HELP;
pub use fast::parse as parse_fast;
pub use parser::{parse_file, parse_with_pest, JourneyParser, Parsed, Rule};
