//! `journey contacts`: bring contacts into the engine's database from CSV,
//! and take a segment's members out as CSV.
//!
//! `import` validates every row against the deployed schema and writes
//! all or nothing (or, with `--skip-invalid`, the good rows and a rejects
//! file); `consent` is the built-in model of the consent and suppression
//! columns an import understands; `export` writes a segment's members.

pub mod consent;
mod export;
pub mod import;

use crate::Outcome;

#[derive(clap::Args)]
#[command(about = "Import contacts from CSV, or export a segment as CSV")]
pub struct Args {
    #[command(subcommand)]
    pub command: ContactsCommand,
}

#[derive(clap::Subcommand)]
pub enum ContactsCommand {
    Import(import::Args),
    Export(export::Args),
}

pub fn run(args: Args) -> miette::Result<Outcome> {
    match args.command {
        ContactsCommand::Import(args) => import::run(args),
        ContactsCommand::Export(args) => export::run(args),
    }
}
