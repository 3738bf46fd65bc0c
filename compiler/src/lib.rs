//! The journey compiler: text to checked program.
//!
//! Data flows one way through the modules: `syntax` parses each file into a
//! tree, `check` resolves names and types and analyses control flow, and
//! `format` prints a tree back in the one canonical layout. Every phase
//! reports problems as [`diagnostic::Diagnostic`]s, which `render` shows for
//! terminals, JSON, GitHub Actions and SARIF.

pub mod check;
pub mod date;
pub mod diagnostic;
pub mod format;
pub mod project;
pub mod render;
pub mod source;
pub mod span;
pub mod suggest;
pub mod symbols;
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
    let mut trees = Vec::with_capacity(sources.len());
    let mut syntax_errors = Vec::new();
    for (id, file) in sources.iter() {
        let parsed = syntax::parse_file(id, &file.text);
        trees.push(parsed.tree);
        syntax_errors.extend(parsed.diagnostics);
    }

    let (diagnostics, program) = check_parsed(sources, &trees, syntax_errors, config, templates);
    Analysis {
        trees,
        diagnostics,
        program,
    }
}

/// The second half of [`analyze_project`], for callers that keep each
/// file's parse (the language server reparses only the file that changed):
/// `trees[i]` and the `syntax_errors` come from `syntax::parse_file` of
/// file `i` of `sources`. `sources` may hold more files after the trees
/// (a project's `journey.toml`); they are not checked here.
pub fn check_parsed(
    sources: &Sources,
    trees: &[syntax::ast::File],
    syntax_errors: Vec<Diagnostic>,
    config: &ProjectConfig,
    templates: &dyn check::TemplateSource,
) -> (Vec<Diagnostic>, Option<check::program::Program>) {
    let (mut diagnostics, program) = if syntax_errors.is_empty() {
        let (program, diagnostics) = check::check(sources, trees, config, templates);
        (diagnostics, program)
    } else {
        (syntax_errors, None)
    };
    diagnostic::sort(&mut diagnostics);
    (diagnostics, program)
}
