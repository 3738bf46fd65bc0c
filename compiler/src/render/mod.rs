//! Diagnostics rendered for people and for machines.
//!
//! One entry point, [`render`], writes a list of diagnostics in the chosen
//! [`Format`]: annotated source for terminals (ariadne), JSON lines, GitHub
//! Actions workflow commands, or a SARIF 2.1.0 log. Positions are computed
//! here from each file's line index; the diagnostics themselves hold only
//! byte spans. Each format has its own module; `position` is the one place
//! that turns bytes into the lines and columns the machine formats share.

mod github;
mod human;
mod json;
mod position;
mod sarif;

use crate::diagnostic::Diagnostic;
use crate::source::Sources;
use std::io::{self, Write};

pub use position::{region, Position, Region};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Annotated source; `color` only on a terminal and without `NO_COLOR`.
    Human { color: bool },
    /// One JSON object per line.
    Json,
    /// `::error file=...` workflow commands for GitHub Actions.
    Github,
    /// One SARIF 2.1.0 log for all diagnostics.
    Sarif,
}

/// Writes `diagnostics`, whose labels point into `sources`, to `out`.
pub fn render(
    format: Format,
    sources: &Sources,
    diagnostics: &[Diagnostic],
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human { color } => human::render(color, sources, diagnostics, out),
        Format::Json => json::render(sources, diagnostics, out),
        Format::Github => github::render(sources, diagnostics, out),
        Format::Sarif => sarif::render(sources, diagnostics, out),
    }
}

/// Renders to a string, for tests and for callers that want the text.
pub fn render_to_string(format: Format, sources: &Sources, diagnostics: &[Diagnostic]) -> String {
    let mut out = Vec::new();
    render(format, sources, diagnostics, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("every format writes UTF-8")
}
