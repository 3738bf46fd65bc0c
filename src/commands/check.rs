//! `journey check`: parse and check journeys, report every problem.
//!
//! Each path is analysed as its own compilation unit (a collection of
//! projects, one unit per project: see `workspace`), with the settings of
//! the `journey.toml` in its folder when there is one. The diagnostics of all
//! units are then rendered together, so that a machine format is one
//! document (SARIF needs exactly one log) and the human report reads in the
//! order the paths were given. Diagnostics go to stdout in the chosen
//! format; the closing summary line ("checked 3 files: 2 errors, 1
//! warning", or "checked 20 files in 9 projects: no problems") goes to
//! stderr, so stdout holds nothing but the report.
//!
//! Exit codes: 0 when no errors were found (warnings allowed unless
//! `--deny warnings`, which reports them as errors in every format), 1 when
//! some were, 2 when the files could not be loaded or the report could not
//! be written.

use crate::workspace::{self, Unit};
use crate::Outcome;
use journey_compiler::analyze_project;
use journey_compiler::check::config::{parse_config, ProjectConfig};
use journey_compiler::check::DiskTemplates;
use journey_compiler::diagnostic::{Diagnostic, Severity};
use journey_compiler::render::{self, Format};
use journey_compiler::source::{FileId, Sources};
use miette::{IntoDiagnostic, WrapErr};
use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(about = "Check journeys and report every problem found")]
#[command(long_about = "Check journeys and report every problem found.\n\n\
    Each PATH is a .journey file or a project folder (one compilation unit); \
    with no PATH, the current folder. A folder with a journey.toml is one project. \
    A folder without one whose sub-folders have journey.toml files (such as examples/) \
    is a collection: each such sub-folder is its own project, and the .journey files \
    outside them form one more unit.\n\n\
    Exit codes: 0 no errors; 1 errors found (or warnings, with --deny warnings); \
    2 a usage or I/O error.")]
pub struct Args {
    /// Files, project folders or collections of projects to check.
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: OutputFormat,

    /// Treat warnings as errors (`--deny warnings`): they are reported as
    /// errors in every format and fail the check.
    #[arg(long, value_name = "WHAT", value_parser = ["warnings"])]
    pub deny: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum OutputFormat {
    Human,
    Json,
    Github,
    Sarif,
}

pub fn run(args: Args) -> miette::Result<Outcome> {
    let units = workspace::load_units(&args.paths)?;
    let mut checked = check_units(&units);

    // Counted before denied warnings become errors, so that the summary can
    // say which were warnings.
    let deny_warnings = args.deny.is_some();
    let tally = Tally::of(&checked.diagnostics);
    if deny_warnings {
        deny_all_warnings(&mut checked.diagnostics);
    }

    let format = match args.format {
        OutputFormat::Human => Format::Human {
            color: color_wanted(io::stdout().is_terminal(), std::env::var_os("NO_COLOR")),
        },
        OutputFormat::Json => Format::Json,
        OutputFormat::Github => Format::Github,
        OutputFormat::Sarif => Format::Sarif,
    };
    write_report(format, &checked)?;

    let summary = tally.summary(checked.journey_files, units.len(), deny_warnings);
    super::tell(&summary);
    Ok(if tally.fails(deny_warnings) {
        Outcome::Problems
    } else {
        Outcome::Success
    })
}

/// The files of every unit, and what was found in them.
struct Checked {
    /// Every unit's files, one after the other, each unit's `journey.toml`
    /// (if any) before its journey files.
    sources: Sources,
    /// How many of `sources` are journey files.
    journey_files: usize,
    /// Every diagnostic, its file ids pointing into `sources`.
    diagnostics: Vec<Diagnostic>,
}

fn check_units(units: &[Unit]) -> Checked {
    let mut checked = Checked {
        sources: Sources::new(),
        journey_files: 0,
        diagnostics: Vec::new(),
    };
    for unit in units {
        let config = match &unit.config {
            Some(file) => {
                let id = checked.sources.add(file.path.clone(), file.text.clone());
                let (config, problems) = parse_config(id, &file.text);
                checked.diagnostics.extend(problems);
                config
            }
            None => ProjectConfig::default(),
        };
        let analysis = analyze_project(&unit.sources, &config, &DiskTemplates);

        let first_id = checked.sources.len() as u32;
        for (_, file) in unit.sources.iter() {
            checked.sources.add(file.path.clone(), file.text.clone());
        }
        checked.journey_files += unit.sources.len();
        let diagnostics = analysis.diagnostics.into_iter();
        checked
            .diagnostics
            .extend(diagnostics.map(|d| renumber_files(d, first_id)));
    }
    checked
}

/// With `--deny warnings` a warning fails the check, so every format reports
/// it as an error: a CI tool that reads the levels then agrees with the exit
/// code.
fn deny_all_warnings(diagnostics: &mut [Diagnostic]) {
    for diagnostic in diagnostics {
        diagnostic.severity = Severity::Error;
    }
}

/// A unit's diagnostic with its file ids moved past the `first_id` files of
/// the units before it.
fn renumber_files(mut diagnostic: Diagnostic, first_id: u32) -> Diagnostic {
    let moved = |file: FileId| FileId(file.0 + first_id);
    diagnostic.primary.file = moved(diagnostic.primary.file);
    for label in &mut diagnostic.labels {
        label.file = moved(label.file);
    }
    for suggestion in &mut diagnostic.suggestions {
        suggestion.file = moved(suggestion.file);
    }
    diagnostic
}

/// Colour only for a person at a terminal who has not asked for none
/// (<https://no-color.org>: any non-empty `NO_COLOR` turns it off).
fn color_wanted(terminal: bool, no_color: Option<OsString>) -> bool {
    terminal && no_color.is_none_or(|value| value.is_empty())
}

/// Writes the report to stdout. A reader that stops early (`| head`) is
/// not an error: the report simply ends there.
fn write_report(format: Format, checked: &Checked) -> miette::Result<()> {
    let mut stdout = io::stdout().lock();
    let written = render::render(format, &checked.sources, &checked.diagnostics, &mut stdout)
        .and_then(|()| stdout.flush());
    match written {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other
            .into_diagnostic()
            .wrap_err("could not write the report to stdout"),
    }
}

/// How many errors and warnings were found.
#[derive(Debug, PartialEq, Eq)]
struct Tally {
    errors: usize,
    warnings: usize,
}

impl Tally {
    fn of(diagnostics: &[Diagnostic]) -> Tally {
        let errors = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        Tally {
            errors,
            warnings: diagnostics.len() - errors,
        }
    }

    fn fails(&self, deny_warnings: bool) -> bool {
        self.errors > 0 || deny_warnings && self.warnings > 0
    }

    /// "checked 3 files: 2 errors, 1 warning", or "checked 20 files in 9
    /// projects: no problems" when there was more than one unit.
    fn summary(&self, files: usize, units: usize, deny_warnings: bool) -> String {
        let mut found = Vec::new();
        if self.errors > 0 {
            found.push(count(self.errors, "error"));
        }
        if self.warnings > 0 {
            let denied = if deny_warnings { " (denied)" } else { "" };
            found.push(format!("{}{denied}", count(self.warnings, "warning")));
        }
        let found = if found.is_empty() {
            "no problems".to_string()
        } else {
            found.join(", ")
        };
        let files = count(files, "file");
        if units > 1 {
            format!("checked {files} in {units} projects: {found}")
        } else {
            format!("checked {files}: {found}")
        }
    }
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_count_in_words() {
        let clean = Tally {
            errors: 0,
            warnings: 0,
        };
        let mixed = Tally {
            errors: 2,
            warnings: 1,
        };
        let warned = Tally {
            errors: 0,
            warnings: 3,
        };

        assert_eq!(clean.summary(1, 1, false), "checked 1 file: no problems");
        assert_eq!(
            mixed.summary(3, 1, false),
            "checked 3 files: 2 errors, 1 warning"
        );
        assert_eq!(
            warned.summary(2, 1, true),
            "checked 2 files: 3 warnings (denied)"
        );
        assert_eq!(
            clean.summary(20, 9, false),
            "checked 20 files in 9 projects: no problems"
        );
    }

    #[test]
    fn colour_only_at_a_terminal_without_no_color() {
        assert!(color_wanted(true, None));
        assert!(color_wanted(true, Some(OsString::new())));
        assert!(!color_wanted(true, Some(OsString::from("1"))));
        assert!(!color_wanted(false, None));
    }

    #[test]
    fn warnings_fail_only_when_denied() {
        let warned = Tally {
            errors: 0,
            warnings: 1,
        };

        assert!(!warned.fails(false));
        assert!(warned.fails(true));
        assert!(Tally {
            errors: 1,
            warnings: 0
        }
        .fails(false));
    }
}
