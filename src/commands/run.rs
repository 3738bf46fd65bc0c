//! `journey run`: the engine, on a project, until there is nothing left to
//! do now (system clock) or until `--until` (virtual clock).

use crate::commands::contacts::import;
use crate::commands::report;
use crate::project;
use crate::store_path::{At, Db};
use crate::Outcome;
use journey_runtime::clock::{Clock, SystemClock};
use journey_runtime::engine::delivery::{DeliveryTally, MailSetup, Postman};
use journey_runtime::engine::{Engine, EngineError};
use journey_runtime::mail::{FileTransport, SmtpConfig, SmtpTransport, Templates, Transport};
use journey_runtime::store::sqlite::SqliteStore;
use miette::{miette, IntoDiagnostic, WrapErr};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Emails delivered per round; a round is one minute of the clock.
const DEFAULT_RATE: usize = 1_000;

#[derive(clap::Args)]
#[command(about = "Run the engine: deploy, advance every due contact, deliver")]
#[command(
    long_about = "Run the engine: deploy, advance every due contact, deliver.\n\n\
    Deploys the project into its store (runs keep the version they started on), optionally \
    imports contacts, enters contacts through the journeys' triggers, advances every run \
    that is due, and delivers the queued emails: to an SMTP server when journey.toml has an \
    [smtp] section, else as .eml files in the project's `outbox` folder.\n\n\
    With --clock system (the default) it processes what is due now and stops when idle. With \
    --clock virtual it jumps from one due moment to the next until --until: weeks of a \
    journey in seconds. Mail is really delivered either way.\n\n\
    Exit codes: 0 done; 1 errors in the project or the contacts; 2 usage, I/O, store or \
    mail configuration errors."
)]
pub struct Args {
    /// The project folder.
    pub project: PathBuf,

    /// The store (default: journey.db in the project folder).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,

    /// Import these contacts (CSV, see `journey contacts import`) first.
    #[arg(long, value_name = "FILE.csv")]
    pub contacts: Option<PathBuf>,

    /// Which clock drives the engine.
    #[arg(long, value_enum, default_value = "system")]
    pub clock: ClockKind,

    /// With --clock virtual: where the clock starts, an RFC 3339 instant
    /// such as 2027-01-04T09:00:00Z (default: now).
    #[arg(long, value_name = "INSTANT")]
    pub start: Option<String>,

    /// With --clock virtual: how long to run (`30 days`, `2 weeks`, `3 months`)
    /// or until when (an instant such as 2027-03-01T09:00:00Z) [default: 365 days].
    #[arg(long, value_name = "DURATION|INSTANT")]
    pub until: Option<String>,

    /// Emails delivered per minute of the clock (1 or more).
    #[arg(long, default_value_t = DEFAULT_RATE, value_parser = crate::store_path::at_least_one)]
    pub rate: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClockKind {
    System,
    Virtual,
}

/// Where the clock starts and where a virtual one stops. `--start` and
/// `--until` set the virtual clock only: with the system clock they are
/// refused rather than ignored.
fn clock_span(args: &Args) -> miette::Result<(i64, i64)> {
    if args.clock == ClockKind::System {
        let given = [
            ("--start", args.start.is_some()),
            ("--until", args.until.is_some()),
        ];
        if let Some((flag, _)) = given.iter().find(|(_, given)| *given) {
            return Err(miette!(
                "{flag} sets the virtual clock: add `--clock virtual`, or leave {flag} out \
                 (the system clock processes what is due now and stops when idle)"
            ));
        }
    }

    let start = match &args.start {
        Some(text) => {
            crate::store_path::parse_instant(text).map_err(|why| miette!("--start {why}"))?
        }
        None => SystemClock.now(),
    };
    let until = args.until.as_deref().unwrap_or(DEFAULT_UNTIL);
    let until = crate::commands::simulate::parse_until(until, start)?;
    Ok((start, until))
}

/// How long a virtual clock runs when `--until` is not given.
const DEFAULT_UNTIL: &str = "365 days";

pub fn run(args: Args) -> miette::Result<Outcome> {
    // Everything the command line says is checked before anything is
    // written: a mistake there leaves no new store and no deployment.
    let (start, until) = clock_span(&args)?;
    if let Some(file) = &args.contacts {
        std::fs::File::open(file)
            .map_err(|e| miette!("cannot read --contacts `{}`: {e}", file.display()))?;
    }
    let Some(project) = project::compile(&args.project)? else {
        return Ok(Outcome::Problems);
    };

    let db = args
        .db
        .clone()
        .unwrap_or_else(|| project.root.join("journey.db"));
    let mut store = crate::store_path::open(&db)?;

    let artifact = journey_runtime::artifact::encode(&project.program);
    let (deployment, fresh) = store.deploy(&artifact, start).map_err(store_error)?;
    let word = if fresh {
        "deployed"
    } else {
        "already deployed"
    };
    eprintln!(
        "{word}: deployment {deployment} ({} journeys)",
        project.program.journeys.len()
    );

    if let Some(file) = &args.contacts {
        drop(store);
        let import = import::Args {
            file: file.clone(),
            renames: Vec::new(),
            skip_invalid: false,
            rejects: None,
            db: Db {
                db: Some(db.clone()),
            },
            at: At { at: Some(start) },
        };
        if import::run(import)? == Outcome::Problems {
            return Ok(Outcome::Problems);
        }
        store = SqliteStore::open(&db).map_err(store_error)?;
    }

    let templates = templates(&project)?;
    let transport = transport(&project)?;
    let setup = MailSetup::from_config(&project.config, &project.root)
        .map_err(|e| miette!("journey.toml: {e}"))?;
    let mut engine = Engine::new(&mut store).map_err(engine_error)?;
    let program = engine.program();
    let postman = Postman {
        program: &program,
        templates: &templates,
        transport: transport.as_ref(),
        setup: &setup,
    };

    let progress = Progress::new(std::io::stderr().is_terminal());
    let mut now = start;
    let mut totals = DeliveryTally::default();
    let entered = engine.enter_by_triggers(now).map_err(engine_error)?;
    let mut advanced = 0;
    loop {
        advanced += engine.run_due(now, 1_000).map_err(engine_error)?.advanced;
        let round = postman
            .deliver(engine.store, now, args.rate)
            .map_err(engine_error)?;
        add(&mut totals, round);
        progress.show(now, entered.entered, advanced, &totals);

        let next = engine.next_due().map_err(engine_error)?;
        match (args.clock, next) {
            (_, None) => break,
            (ClockKind::System, Some(next)) if next > now => break,
            (ClockKind::Virtual, Some(next)) if next > until => break,
            (_, Some(next)) => now = next.max(now + i64::from(next <= now) * 60),
        }
        if args.clock == ClockKind::System {
            now = SystemClock.now().max(now);
        }
    }
    progress.finish();

    eprintln!(
        "entered {}, advanced {advanced}; emails sent {}, suppressed {}, failed {}, to retry {}",
        entered.entered, totals.sent, totals.suppressed, totals.failed, totals.retried
    );
    drop(engine);
    drop(store);
    let report = report::Args {
        journey: None,
        format: report::ReportFormat::Table,
        contact: None,
        db: Db { db: Some(db) },
    };
    report::run(report)
}

fn add(total: &mut DeliveryTally, round: DeliveryTally) {
    total.sent += round.sent;
    total.suppressed += round.suppressed;
    total.failed += round.failed;
    total.retried += round.retried;
}

/// Every email's body, read from the folder of the file that declares it.
pub(crate) fn templates(project: &project::Project) -> miette::Result<Templates> {
    let mut templates = Templates::new();
    for (email, checked) in project.program.emails.iter().zip(&project.checked.emails) {
        let folder = Path::new(&checked.body_base)
            .parent()
            .unwrap_or(Path::new("."));
        let path = folder.join(&email.body);
        let body = std::fs::read_to_string(&path)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot read the body of `{}`", email.name))?;
        templates
            .add(email, &body)
            .map_err(|e| miette!("the email `{}` cannot be rendered: {e}", email.name))?;
    }
    Ok(templates)
}

/// SMTP when journey.toml has `[smtp]`, else `.eml` files in the outbox.
pub(crate) fn transport(project: &project::Project) -> miette::Result<Box<dyn Transport>> {
    if let Some(table) = &project.config.smtp {
        let mut config: SmtpConfig = toml::Value::Table(table.clone())
            .try_into()
            .map_err(|e| miette!("journey.toml [smtp]: {e}"))?;
        // A relative ca_file is read from the project folder, not from
        // wherever the command runs; an absolute one stays as it is.
        config.ca_file = config.ca_file.map(|ca| project.root.join(ca));
        let transport = SmtpTransport::from_config(&config)
            .map_err(|e| miette!("journey.toml [smtp]: {}", e.0))?;
        return Ok(Box::new(transport));
    }
    let folder = project
        .config
        .engine
        .as_ref()
        .and_then(|e| e.get("outbox"))
        .and_then(|o| o.as_str())
        .map_or_else(|| project.root.join("outbox"), |o| project.root.join(o));
    let transport = FileTransport::new(&folder)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot use the outbox folder `{}`", folder.display()))?;
    Ok(Box::new(transport))
}

fn store_error(e: journey_runtime::store::StoreError) -> miette::Report {
    miette!("store: {e}")
}

fn engine_error(e: EngineError) -> miette::Report {
    miette!("{e}")
}

/// A one-line progress display on a terminal; nothing otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new(terminal: bool) -> Progress {
        let bar = terminal.then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Progress { bar }
    }

    fn show(&self, now: i64, entered: u64, advanced: u64, mail: &DeliveryTally) {
        if let Some(bar) = &self.bar {
            let at = journey_runtime::simulate::report::instant(now);
            bar.set_message(format!(
                "{at}  entered {entered}  advanced {advanced}  sent {}  suppressed {}",
                mail.sent, mail.suppressed
            ));
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
