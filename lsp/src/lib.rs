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
//! - `navigation`: go to definition, references, highlights;
//! - `rename`: across files and templates, refused with a reason;
//! - `completion`: what may be written where the cursor is;
//! - `outline`: document and workspace symbols;
//! - `formatting`: `journey fmt`'s formatter;
//! - `tokens`: semantic tokens;
//! - `actions`: the quick fixes the diagnostics suggest.
//!
//! Positions are converted in one place (`position`), in the column unit
//! the client negotiated.

mod actions;
mod completion;
mod diagnostics;
mod formatting;
mod hover;
mod navigation;
mod outline;
mod position;
mod project;
mod rename;
mod server;
mod stdio;
mod text_map;
mod tokens;
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
/// stdin. Malformed input is answered and skipped (see `stdio`). Returns
/// whether the client asked the server to shut down before it ended: the
/// protocol wants the process to exit with status 0 then, 1 otherwise.
pub fn run_stdio() -> std::io::Result<bool> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let shut_down = runtime.block_on(stdio::serve(tokio::io::stdin(), tokio::io::stdout()));
    // The thread that reads stdin may be blocked in a read that will never
    // finish (the client keeps the pipe open): do not wait for it.
    runtime.shutdown_background();
    Ok(shut_down)
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
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), "\"".into(), " ".into(), ">".into()]),
            ..CompletionOptions::default()
        }),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: tokens::legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                work_done_progress_options: WorkDoneProgressOptions::default(),
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    }
}
