//! Semantic analysis: everything that can be caught before a contact
//! enters a journey.
//!
//! The checker runs after parsing, over all files of a project at once:
//!
//! 1. `names` collects every declaration into one table per kind and reports
//!    duplicates;
//! 2. `journey` checks each journey's settings and steps: names resolve,
//!    expressions type-check (`types`), literals are real (dates, times,
//!    zones, instants), windows are not empty, split shares add up;
//! 3. `templates` checks subjects and bodies of emails against the schema
//!    and the declared links;
//! 4. `flow_checks` builds each journey's control-flow graph and runs the
//!    analyses of `flow` on it: unreachable steps, revisits cut by loop
//!    prevention, cycles without a wait, emails waited on but not sent;
//! 5. unused declarations and journeys without entry are reported, and the
//!    project's lint levels (`lints`, from `config`) are applied.
//!
//! The result is a [`program::Program`] (only when there are no errors) and
//! the diagnostics.

pub mod config;
pub mod flow;
pub mod hashing;
pub mod lints;
pub mod names;
pub mod program;
pub mod templates;
pub mod types;

mod flow_checks;
mod journey;
mod ranges;
mod unused;
pub mod zones;

use crate::diagnostic::Diagnostic;
use crate::source::Sources;
use crate::syntax::ast;
use config::ProjectConfig;
use hashing::FastSet;
use names::{Decls, Kind};
use program::Program;
pub use templates::{DiskTemplates, TemplateSource};

/// The stable id of each step of a journey (its label, or `<label above>+<n>`).
pub use journey::step_ids;

/// Shared state of one check: the declarations, what was found, and which
/// declarations something uses.
pub struct Cx<'a> {
    pub decls: Decls<'a>,
    pub diagnostics: Vec<Diagnostic>,
    pub used: FastSet<(Kind, usize)>,
    pub config: &'a ProjectConfig,
}

impl Cx<'_> {
    pub fn use_decl(&mut self, kind: Kind, index: usize) {
        self.used.insert((kind, index));
    }
}

/// Checks a parsed project. `trees[i]` is the tree of file `i` of `sources`.
pub fn check(
    sources: &Sources,
    trees: &[ast::File],
    config: &ProjectConfig,
    templates: &dyn TemplateSource,
) -> (Option<Program>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let decls = names::collect(trees, &mut diagnostics);
    let mut cx = Cx {
        decls,
        diagnostics,
        used: FastSet::default(),
        config,
    };

    let fields = journey::fields(&mut cx);
    let emails = templates::check_emails(&mut cx, sources, templates);
    let events = journey::events(&cx);
    let (journeys, checked) = check_journeys(&mut cx);
    if checked.len() == cx.decls.journeys.entries.len() {
        flow_checks::handoffs(&mut cx, &checked);
    }
    unused::report(&mut cx);
    lints::apply_levels(&mut cx.diagnostics, &config.lints);

    let has_errors = cx.diagnostics.iter().any(Diagnostic::is_error);
    let program =
        (!has_errors && checked.len() == cx.decls.journeys.entries.len()).then(|| Program {
            timezone: config.timezone.clone(),
            fields,
            emails,
            lists: cx
                .decls
                .lists
                .entries
                .iter()
                .map(|e| e.decl.name.name.clone())
                .collect(),
            segments: cx
                .decls
                .segments
                .entries
                .iter()
                .map(|e| e.decl.name.name.clone())
                .collect(),
            events,
            journeys,
        });
    (program, cx.diagnostics)
}

/// Checks every journey. Returns the resolved journeys, for the program,
/// and what the handoff check needs of each journey checked.
///
/// A program is built only when no error is found, and errors are never
/// taken back, so once one is found no resolved journey is kept: each is
/// dropped as soon as its own checks are done, while it is still in the
/// cache, instead of all of them at the end.
fn check_journeys<'a>(
    cx: &mut Cx<'a>,
) -> (Vec<program::JourneyDef>, Vec<flow_checks::Handoffs<'a>>) {
    let count = cx.decls.journeys.entries.len();
    let mut journeys = Vec::new();
    let mut checked = Vec::with_capacity(count);
    let mut errors_up_to = 0;
    let mut has_errors = false;
    for index in 0..count {
        let Some(def) = journey::check_journey(cx, index) else {
            continue;
        };
        checked.push(flow_checks::Handoffs::of(
            cx.decls.journeys.entries[index].name,
            &def,
        ));

        has_errors |= cx.diagnostics[errors_up_to..]
            .iter()
            .any(Diagnostic::is_error);
        errors_up_to = cx.diagnostics.len();
        if has_errors {
            journeys = Vec::new();
        } else {
            journeys.push(def);
        }
    }
    (journeys, checked)
}
