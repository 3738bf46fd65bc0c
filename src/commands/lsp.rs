//! `journey lsp`: the language server, for editors.
//!
//! Editors start it themselves and talk to it over stdin and stdout with
//! the Language Server Protocol; nobody types this command. Logs go to
//! stderr (which editors keep in their LSP log), filtered by `JOURNEY_LOG`.
//! See docs/lsp.md for what it offers, docs/editors.md for editor setup.

use crate::Outcome;
use miette::{IntoDiagnostic, WrapErr};

#[derive(clap::Args)]
#[command(about = "Run the language server for editors (LSP over stdin and stdout)")]
#[command(
    long_about = "Run the language server for editors: the Language Server Protocol \
    over stdin and stdout.\n\n\
    Editors start this command themselves: configure yours to run `journey lsp` for \
    .journey files (VS Code: the extension in editors/vscode; Neovim: \
    vim.lsp.start_client with cmd = { \"journey\", \"lsp\" }; see docs/editors.md). \
    The server finds each file's project (the folder with journey.toml above it), checks \
    every .journey file of it as `journey check` does, and offers diagnostics, hover, \
    go to definition, references, rename, completion, symbols, formatting, semantic \
    tokens and quick fixes. It exits when the editor asks it to (shutdown, then exit).\n\n\
    Logs go to stderr, filtered by JOURNEY_LOG (for example JOURNEY_LOG=journey_lsp=debug)."
)]
pub struct Args {
    /// Talk over stdin and stdout (the only transport; accepted because
    /// some editors pass it).
    #[arg(long)]
    pub stdio: bool,
}

pub fn run(args: Args) -> miette::Result<Outcome> {
    let _ = args.stdio;
    let shut_down = journey_lsp::run_stdio()
        .into_diagnostic()
        .wrap_err("the language server could not start")?;
    // The protocol: status 0 after `shutdown`, 1 when the client exits or
    // goes away without it.
    Ok(match shut_down {
        true => Outcome::Success,
        false => Outcome::Problems,
    })
}
