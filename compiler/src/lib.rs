//! The journey compiler: text to checked program.
//!
//! Data flows one way through the modules: `syntax` parses each file into a
//! tree, `check` resolves names and types and analyses control flow, and
//! `format` prints a tree back in the one canonical layout. Every phase
//! reports problems as [`diagnostic::Diagnostic`]s, which `render` shows for
//! terminals, JSON, GitHub Actions and SARIF.

pub mod diagnostic;
pub mod source;
pub mod span;
pub mod suggest;
pub mod syntax;
pub mod render;

use diagnostic::Diagnostic;
use source::Sources;

/// Everything the compiler knows about a project after analysing it.
#[derive(Debug, Default)]
pub struct Analysis {
    /// One syntax tree per file, by file id.
    pub trees: Vec<syntax::ast::File>,
    /// Every problem found, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses and checks every file of one compilation unit.
pub fn analyze(sources: &Sources) -> Analysis {
    let mut analysis = Analysis::default();
    for (id, file) in sources.iter() {
        let parsed = syntax::parse_file(id, &file.text);
        analysis.trees.push(parsed.tree);
        analysis.diagnostics.extend(parsed.diagnostics);
    }
    diagnostic::sort(&mut analysis.diagnostics);
    analysis
}
