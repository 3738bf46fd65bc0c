//! The protocol layer: LSP messages in, the compiler's answers out.
//!
//! Each handler finds the document's project in the [`World`], refreshes its
//! analysis if a text changed, and hands the question to the feature module
//! that answers it. Nothing here knows the language.
//!
//! Diagnostics are published by one background task. An edit only records
//! the new text and wakes the task; the task analyses the changed projects
//! and publishes what changed, then rests for [`DEBOUNCE`] before it looks
//! again, so a burst of edits (fast typing, an editor applying many edits)
//! costs one analysis per rest instead of one per keystroke, while a single
//! edit after a quiet moment is answered at once.
//!
//! Known shortcoming: an analysis runs on the runtime's one thread with the
//! state locked, so no request is answered until it ends (about 2.5 s for
//! a 4.9 MB file of 700,000 mistakes, milliseconds for real projects).
//! Answering meanwhile would need the analysis on a blocking thread, off
//! the lock, and requests served from the previous analysis (mapped to the
//! current text as `TextMap` maps a broken file's last good parse) until
//! the new one is swapped in.
//!
//! The server must survive anything a client sends. Every answer is
//! computed under `catch_unwind`: a bug in a feature turns into an internal
//! error for that one request, logged, and the server goes on. The state's
//! lock is taken whether or not an earlier holder panicked, for the same
//! reason.

use crate::world::{View, World};
use crate::{actions, completion, formatting, hover, navigation, outline, rename, tokens};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::Notify;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

/// How long the diagnostics task rests after publishing, gathering edits.
pub const DEBOUNCE: Duration = Duration::from_millis(30);

pub struct Server {
    client: Client,
    world: Arc<Mutex<World>>,
    changes: Arc<Notify>,
    watch_files: Mutex<bool>,
    /// Set when the client asks to shut down: `exit` without it ends the
    /// process with status 1, as the protocol prescribes.
    shut_down: Arc<AtomicBool>,
}

impl Server {
    pub fn new(client: Client) -> Server {
        Server {
            client,
            world: Arc::new(Mutex::new(World::default())),
            changes: Arc::new(Notify::new()),
            watch_files: Mutex::new(false),
            shut_down: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The server, setting `flag` when the client asks to shut down.
    pub(crate) fn noting_shutdown_in(self, flag: Arc<AtomicBool>) -> Server {
        Server {
            shut_down: flag,
            ..self
        }
    }

    fn world(&self) -> MutexGuard<'_, World> {
        lock(&self.world)
    }

    /// Answers a question about one document, or `None` when the document
    /// is unknown; a panic inside becomes an internal error.
    fn answer<T>(
        &self,
        uri: &Uri,
        what: &str,
        f: impl FnOnce(&View) -> Option<T>,
    ) -> Result<Option<T>> {
        let mut world = self.world();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let view = world.view(uri)?;
            f(&view)
        }));
        outcome.map_err(|_| {
            tracing::error!(request = what, "request_panicked");
            Error::internal_error()
        })
    }

    /// [`Self::answer`] for a request the server may refuse, with a reason
    /// the editor shows (a rename while the file does not parse, say).
    fn answer_or_refuse<T>(
        &self,
        uri: &Uri,
        what: &str,
        f: impl FnOnce(&View) -> std::result::Result<T, String>,
    ) -> Result<Option<T>> {
        let mut refusal = None;
        let answer = self.answer(uri, what, |view| {
            f(view).map_err(|why| refusal = Some(why)).ok()
        })?;
        match refusal {
            Some(why) => Err(refused(why)),
            None => Ok(answer),
        }
    }

    /// Applies a notification to the state and wakes the diagnostics task;
    /// a panic inside is logged and the server goes on.
    fn update(&self, what: &str, f: impl FnOnce(&mut World)) {
        let mut world = self.world();
        if catch_unwind(AssertUnwindSafe(|| f(&mut world))).is_err() {
            tracing::error!(notification = what, "notification_panicked");
        }
        drop(world);
        self.changes.notify_one();
    }
}

/// A request the server understood but will not carry out, and why (the
/// protocol's `RequestFailed`): editors show the message.
fn refused(why: String) -> Error {
    Error {
        code: ErrorCode::ServerError(-32803),
        message: why.into(),
        data: None,
    }
}

fn lock(world: &Mutex<World>) -> MutexGuard<'_, World> {
    world
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Publishes diagnostics whenever documents changed; see the module docs.
async fn publish_diagnostics(client: Client, world: Arc<Mutex<World>>, changes: Arc<Notify>) {
    loop {
        changes.notified().await;
        let (batch, notices) = {
            let mut world = lock(&world);
            let batch = catch_unwind(AssertUnwindSafe(|| world.publishable()));
            let batch = batch.unwrap_or_else(|_| {
                tracing::error!("analysis_panicked");
                Vec::new()
            });
            (batch, world.take_notices())
        };
        for notice in notices {
            client.show_message(MessageType::WARNING, notice).await;
        }
        for publish in batch {
            client
                .publish_diagnostics(publish.uri, publish.diagnostics, publish.version)
                .await;
        }
        tokio::time::sleep(DEBOUNCE).await;
    }
}

impl LanguageServer for Server {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let offered = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref());
        let unit = crate::position::negotiate(offered);
        self.world().unit = unit;
        let watch = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        *self.watch_files.lock().unwrap_or_else(|p| p.into_inner()) = watch;
        self.world().snippets = params
            .capabilities
            .text_document
            .as_ref()
            .and_then(|t| t.completion.as_ref())
            .and_then(|c| c.completion_item.as_ref())
            .and_then(|i| i.snippet_support)
            .unwrap_or(false);

        tokio::spawn(publish_diagnostics(
            self.client.clone(),
            self.world.clone(),
            self.changes.clone(),
        ));
        Ok(InitializeResult {
            capabilities: crate::capabilities(unit),
            server_info: Some(ServerInfo {
                name: "journey".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let watch = *self.watch_files.lock().unwrap_or_else(|p| p.into_inner());
        if !watch {
            return;
        }
        let watchers = ["**/*.journey", "**/journey.toml", "**/*.{html,htm,txt}"]
            .into_iter()
            .map(|glob| FileSystemWatcher {
                glob_pattern: GlobPattern::String(glob.to_string()),
                kind: None,
            })
            .collect();
        let options = DidChangeWatchedFilesRegistrationOptions { watchers };
        let registration = Registration {
            id: "journey-files".to_string(),
            method: "workspace/didChangeWatchedFiles".to_string(),
            register_options: serde_json::to_value(options).ok(),
        };
        if let Err(error) = self.client.register_capability(vec![registration]).await {
            tracing::debug!(%error, "file_watch_not_registered");
        }
    }

    async fn shutdown(&self) -> Result<()> {
        self.shut_down.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        self.update("did_open", |world| {
            world.open(doc.uri, doc.version, doc.text)
        });
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let doc = params.text_document;
        let changes = params.content_changes;
        self.update("did_change", |world| {
            world.change(&doc.uri, doc.version, changes)
        });
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        self.update("did_close", |world| world.close(&uri));
    }

    async fn did_save(&self, _: DidSaveTextDocumentParams) {
        // The editor's text is already the server's; files that other
        // files' checks read (email bodies) come through file watching.
    }

    async fn did_change_watched_files(&self, _: DidChangeWatchedFilesParams) {
        self.update("did_change_watched_files", World::disk_changed);
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let at = params.text_document_position_params;
        self.answer(&at.text_document.uri, "hover", |view| {
            hover::hover(view, at.position)
        })
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let at = params.text_document_position_params;
        self.answer(&at.text_document.uri, "definition", |view| {
            navigation::definition(view, at.position).map(GotoDefinitionResponse::Scalar)
        })
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let at = params.text_document_position;
        let with_declaration = params.context.include_declaration;
        self.answer(&at.text_document.uri, "references", |view| {
            Some(navigation::references(view, at.position, with_declaration))
        })
    }

    async fn document_highlight(
        &self,
        params: DocumentHighlightParams,
    ) -> Result<Option<Vec<DocumentHighlight>>> {
        let at = params.text_document_position_params;
        self.answer(&at.text_document.uri, "highlight", |view| {
            Some(navigation::highlights(view, at.position))
        })
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        self.answer_or_refuse(&params.text_document.uri, "prepare_rename", |view| {
            rename::prepare(view, params.position)
        })
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let at = params.text_document_position;
        self.answer_or_refuse(&at.text_document.uri, "rename", |view| {
            rename::rename(view, at.position, &params.new_name)
        })
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let at = params.text_document_position;
        let snippets = self.world().snippets;
        self.answer(&at.text_document.uri, "completion", |view| {
            let items = completion::complete(view, at.position, snippets);
            Some(CompletionResponse::Array(items))
        })
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        self.answer(&params.text_document.uri, "document_symbol", |view| {
            Some(DocumentSymbolResponse::Nested(outline::document_symbols(
                view,
            )))
        })
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        let mut world = self.world();
        let found = catch_unwind(AssertUnwindSafe(|| {
            let views = world.views();
            let symbols = views
                .iter()
                .flat_map(|view| outline::workspace_symbols(view, &params.query));
            symbols.collect::<Vec<_>>()
        }));
        match found {
            Ok(symbols) => Ok(Some(WorkspaceSymbolResponse::Nested(symbols))),
            Err(_) => {
                tracing::error!(request = "workspace_symbol", "request_panicked");
                Err(Error::internal_error())
            }
        }
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let mut refusal = None;
        let answer = self.answer(&params.text_document.uri, "formatting", |view| {
            formatting::format(view)
                .map_err(|why| refusal = Some(why))
                .ok()
        })?;
        match refusal {
            Some(why) => Err(refused(why)),
            None => Ok(answer),
        }
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        self.answer(&params.text_document.uri, "semantic_tokens", |view| {
            let data = tokens::tokens(view);
            Some(SemanticTokensResult::Tokens(SemanticTokens {
                result_id: None,
                data,
            }))
        })
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.answer(&params.text_document.uri, "code_action", |view| {
            Some(actions::actions(view, params.range))
        })
    }
}
