//! The journey language server: the compiler's knowledge in every editor.
//!
//! `journey lsp` runs [`run_stdio`]: an LSP server on stdin and stdout,
//! built on tower-lsp-server. The protocol layer (`server`) is thin; the
//! answers come from the compiler's own analysis of each project
//! (`project`, `world`), one module per feature:
//!
//! - `diagnostics`: `journey check`'s diagnostics, published as the author
//!   types;
//! - `hover`: what a name, a duration or a step means;
//! - `navigation`: go to definition, references, highlights.
//!
//! Positions are converted in one place (`position`), in the column unit
//! the client negotiated.

mod diagnostics;
mod hover;
mod navigation;
mod position;
mod project;
mod server;
mod text_map;
mod world;

use journey_compiler::span::ColumnUnit;
pub use server::{Server, DEBOUNCE};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{ClientSocket, LspService};

/// A server ready to be driven: by stdio in `journey lsp`, by messages in
/// tests and benchmarks.
pub fn service() -> (LspService<Server>, ClientSocket) {
    LspService::new(Server::new)
}

/// Serves one client on stdin and stdout until it sends `exit` or closes
/// stdin.
pub fn run_stdio() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let (service, socket) = service();
        let (stdin, stdout) = (tokio::io::stdin(), tokio::io::stdout());
        tower_lsp_server::Server::new(stdin, stdout, socket)
            .serve(service)
            .await;
    });
    // The thread that reads stdin may be blocked in a read that will never
    // finish (the client keeps the pipe open): do not wait for it.
    runtime.shutdown_background();
    Ok(())
}

/// What the server offers, given the negotiated column unit.
fn capabilities(unit: ColumnUnit) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(position::encoding_kind(unit)),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_highlight_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}
