//! The journey compiler: text to checked program.
//!
//! Data flows one way through the modules: `syntax` parses each file into a
//! tree, `check` resolves names and types and analyses control flow, and
//! `format` prints a tree back in the one canonical layout. Every phase
//! reports problems as [`diagnostic::Diagnostic`]s, which `render` shows for
//! terminals, JSON, GitHub Actions and SARIF.

pub mod check;
pub mod diagnostic;
pub mod format;
pub mod render;
pub mod source;
pub mod span;
pub mod suggest;
pub mod syntax;

use check::config::ProjectConfig;
use diagnostic::Diagnostic;
use source::Sources;

/// Everything the compiler knows about a project after analysing it.
#[derive(Debug, Default)]
pub struct Analysis {
    /// One syntax tree per file, by file id.
    pub trees: Vec<syntax::ast::File>,
    /// Every problem found, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// The checked program, when no errors were found.
    pub program: Option<check::program::Program>,
}

/// Parses and checks every file of one compilation unit, with default
/// project settings and email bodies read from disk.
pub fn analyze(sources: &Sources) -> Analysis {
    analyze_project(sources, &ProjectConfig::default(), &check::DiskTemplates)
}

/// Parses and checks every file of one compilation unit.
///
/// The semantic checks run only when every file parsed: a declaration lost
/// to a syntax error would otherwise make every use of it an "unknown name"
/// and bury the one real mistake under many false ones.
pub fn analyze_project(
    sources: &Sources,
    config: &ProjectConfig,
    templates: &dyn check::TemplateSource,
) -> Analysis {
    let mut analysis = Analysis::default();
    for (id, file) in sources.iter() {
        let parsed = syntax::parse_file(id, &file.text);
        analysis.trees.push(parsed.tree);
        analysis.diagnostics.extend(parsed.diagnostics);
    }

    if analysis.diagnostics.is_empty() {
        let (program, diagnostics) = check::check(sources, &analysis.trees, config, templates);
        analysis.program = program;
        analysis.diagnostics = diagnostics;
    }
    diagnostic::sort(&mut analysis.diagnostics);
    analysis
}
