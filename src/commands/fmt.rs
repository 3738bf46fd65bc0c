//! `journey fmt`: print journeys in the one canonical layout.

use crate::workspace;
use crate::Outcome;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(about = "Format journeys in the canonical layout")]
pub struct Args {
    /// Files or project folders to format.
    pub paths: Vec<PathBuf>,

    /// Change nothing; exit 1 and name the files that would change.
    #[arg(long)]
    pub check: bool,
}

pub fn run(args: Args) -> Result<Outcome, workspace::LoadError> {
    let _ = workspace::load_units(&args.paths)?;
    unimplemented!("fmt is being written")
}
