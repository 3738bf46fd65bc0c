//! `journey check`: parse and check journeys, report every problem.

use crate::workspace;
use crate::Outcome;
use journey_compiler::diagnostic::Severity;
use journey_compiler::render::{self, Format};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(about = "Check journeys and report every problem found")]
#[command(long_about = "Check journeys and report every problem found.\n\n\
    Each PATH is a .journey file or a project folder (one compilation unit); \
    with no PATH, the current folder.\n\n\
    Exit codes: 0 no errors; 1 errors found (or warnings, with --deny warnings); \
    2 a usage or I/O error.")]
pub struct Args {
    /// Files or project folders to check.
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: OutputFormat,

    /// Treat warnings as errors (`--deny warnings`).
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

pub fn run(args: Args) -> Result<Outcome, workspace::LoadError> {
    let units = workspace::load_units(&args.paths)?;
    let _ = (units, args.format, args.deny, Severity::Error, render::Format::Json);
    let _ = std::io::stdout().is_terminal();
    unimplemented!("check is being written")
}
