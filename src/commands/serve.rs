//! `journey serve`: the engine as a server. It deploys the project as
//! `journey run` does, then serves the HTTP API (`journey_runtime::http`)
//! while it advances due runs and delivers mail on the system clock, until
//! SIGTERM or Ctrl-C.

use crate::commands::{report, run};
use crate::project;
use crate::Outcome;
use journey_runtime::clock::{Clock, SystemClock};
use journey_runtime::engine::delivery::MailSetup;
use journey_runtime::http::state::Settings;
use journey_runtime::http::{self, Deployable, Hooks, Serve};
use miette::{miette, Result};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args)]
#[command(about = "Serve the HTTP API and run the engine continuously")]
#[command(long_about = "Serve the HTTP API and run the engine continuously.\n\n\
    Deploys PROJECT into its store (as `journey run` does), then serves the API on --listen \
    (127.0.0.1:8080 by default: this machine only) while it advances due runs and delivers \
    mail on the system clock. Every request needs a token from `journey token create`. The \
    API is described at /openapi.json and in docs/api.md. SIGTERM or Ctrl-C stops it after \
    the requests under way are answered and their work committed.\n\n\
    Logs go to stderr (JOURNEY_LOG, `info` shows one line per request); they name contacts \
    by opaque id only.\n\n\
    Exit codes: 0 stopped; 1 errors in the project; 2 usage, I/O, store or mail \
    configuration errors.")]
pub struct Args {
    /// The project folder.
    pub project: PathBuf,

    /// The store (default: journey.db in the project folder).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,

    /// The address and port to listen on; port 0 picks a free one.
    #[arg(long, value_name = "ADDRESS:PORT", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Emails delivered per round (a round is at most a second; 1 or more).
    #[arg(long, default_value_t = 1_000, value_parser = crate::store_path::at_least_one)]
    pub rate: usize,
}

pub fn run(args: Args) -> Result<Outcome> {
    let Some(project) = project::compile(&args.project)? else {
        return Ok(Outcome::Problems);
    };
    // The address first: one in use (another server) must stop this one
    // before it deploys into the store.
    let listener = std::net::TcpListener::bind(args.listen).map_err(|e| {
        miette!(
            help = "another server may be listening there; give another with --listen",
            "cannot listen on {}: {e}",
            args.listen
        )
    })?;

    let db = args
        .db
        .clone()
        .unwrap_or_else(|| project.root.join("journey.db"));
    let mut store = crate::store_path::open(&db)?;
    let artifact = journey_runtime::artifact::encode(&project.program);
    let (deployment, fresh) = store
        .deploy(&artifact, SystemClock.now())
        .map_err(|e| miette!("store: {e}"))?;
    let word = if fresh {
        "deployed"
    } else {
        "already deployed"
    };
    eprintln!("{word}: deployment {deployment}");
    drop(store);

    let templates = run::templates(&project)?;
    let transport = run::transport(&project)?;
    let mail = MailSetup::from_config(&project.config, &project.root)
        .map_err(|e| miette!("journey.toml: {e}"))?;
    if !args.listen.ip().is_loopback() {
        eprintln!(
            "warning: listening on {} lets other machines reach the API; put TLS in front",
            args.listen
        );
    }

    let folder = args.project.clone();
    let hooks = Hooks {
        deploy: Box::new(move || redeploy(&folder)),
        report: Box::new(report::journeys_json),
    };
    let options = Serve {
        settings: Settings {
            db,
            rate: args.rate,
            mail: Arc::new(mail),
        },
        listener,
        templates,
        transport,
        hooks,
    };
    http::serve(options, |address| {
        eprintln!("listening on http://{address}");
    })
    .map_err(|e| miette!("journey serve: {e}"))?;
    Ok(Outcome::Success)
}

/// The project compiled again from its folder, for `POST /v1/deploy`.
fn redeploy(folder: &std::path::Path) -> std::result::Result<Deployable, String> {
    let compiled = project::compile(folder).map_err(|e| format!("{e}"))?;
    let Some(project) = compiled else {
        return Err("the project has errors (the server's log lists them)".into());
    };
    let templates = run::templates(&project).map_err(|e| format!("{e}"))?;
    Ok(Deployable {
        artifact: journey_runtime::artifact::encode(&project.program),
        program: project.program,
        templates,
    })
}
