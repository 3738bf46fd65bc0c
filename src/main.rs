//! The `journey` command line: check, format and (later) run journeys.
//!
//! Exit codes are part of the interface that CI scripts rely on:
//! 0 success, 1 problems found in the journeys (or files that `fmt --check`
//! would change), 2 a usage or I/O error that stopped the command.

mod commands;
mod project;
mod store_path;
mod workspace;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "journey", version, about = "Healthcare email journeys as code")]
#[command(
    long_about = "Write email journeys as text, check them like code, and run them.\n\n\
    A project is a folder: every .journey file in it belongs to one compilation unit."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Check(commands::check::Args),
    Fmt(commands::fmt::Args),
    Build(commands::build::Args),
    Disasm(commands::disasm::Args),
    Simulate(commands::simulate::Args),
    Deploy(commands::deploy::Args),
    Contacts(commands::contacts::Args),
    Enroll(commands::enroll::Args),
    Event(commands::event::Args),
    Report(commands::report::Args),
    Run(commands::run::Args),
    Serve(commands::serve::Args),
    Token(commands::token::Args),
    Lsp(commands::lsp::Args),
}

/// The outcome of a command, mapped to its documented exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// Problems in the input: errors found, or files that need formatting.
    Problems,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logs();
    let result = match cli.command {
        Command::Check(args) => commands::check::run(args),
        Command::Fmt(args) => commands::fmt::run(args).map_err(miette::Report::new),
        Command::Build(args) => commands::build::run(args).map_err(miette::Report::new),
        Command::Disasm(args) => commands::disasm::run(args).map_err(miette::Report::new),
        Command::Simulate(args) => commands::simulate::run(args),
        Command::Deploy(args) => commands::deploy::run(args),
        Command::Contacts(args) => commands::contacts::run(args),
        Command::Enroll(args) => commands::enroll::run(args),
        Command::Event(args) => commands::event::run(args),
        Command::Report(args) => commands::report::run(args),
        Command::Run(args) => commands::run::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Token(args) => commands::token::run(args),
        Command::Lsp(args) => commands::lsp::run(args),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Problems) => ExitCode::from(1),
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(2)
        }
    }
}

/// Logs go to stderr, filtered by `JOURNEY_LOG` (`warn` when unset; for
/// example `JOURNEY_LOG=debug` or `JOURNEY_LOG=journey_runtime=info`). They
/// name contacts by their store id only.
fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("JOURNEY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}
