//! Diagnostics rendered for people and for machines.
//!
//! One entry point, [`render`], writes a list of diagnostics in the chosen
//! [`Format`]: annotated source for terminals (ariadne), JSON lines, GitHub
//! Actions workflow commands, or a SARIF 2.1.0 log. Positions are computed
//! here from each file's line index; the diagnostics themselves hold only
//! byte spans.

use crate::diagnostic::Diagnostic;
use crate::source::Sources;
use std::io::{self, Write};

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

pub fn render(
    format: Format,
    sources: &Sources,
    diagnostics: &[Diagnostic],
    out: &mut dyn Write,
) -> io::Result<()> {
    let _ = (format, sources, diagnostics, out);
    unimplemented!("render::render is being written")
}
