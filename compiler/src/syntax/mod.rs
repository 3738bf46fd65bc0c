//! Text to syntax tree: the grammar, the recovering parser and the tree.
//!
//! The grammar lives in `grammar/journey.pest` at the root of the
//! repository. [`parse_file`] turns one file's text into an [`ast::File`]
//! and the syntax diagnostics found on the way; it never fails outright, so
//! later phases and the editor always have a tree to work with.

pub mod ast;
mod comments;
mod expected;
mod lower;
mod parser;
mod recovery;

pub use comments::comment_spans;
/// The help of a `wait for` that does not say how it ends; quick fixes match on it.
pub use expected::WAIT_END_HELP;
pub use parser::{parse_file, JourneyParser, Parsed, Rule};
