//! `journey enroll`: enter every member of a list or segment into a
//! journey now, whatever its triggers say.
//!
//! Each member goes through the engine's own entry, so a contact already
//! in the journey is not entered twice and the journey's re-entry rule is
//! honoured; the counts say how many of each there were.

use crate::store_path::{self, At, Db};
use crate::Outcome;
use journey_runtime::bytecode::JourneyId;
use journey_runtime::engine::{Engine, Entered};
use miette::{miette, Result};
use std::io::IsTerminal;

#[derive(clap::Args)]
#[command(about = "Enter every member of a list or segment into a journey")]
#[command(
    long_about = "Enter every member of a list or segment into a journey.\n\n\
    Each member is entered as a trigger would enter them, on the latest deployment: a \
    contact already in the journey stays where they are, and the journey's re-entry rule \
    decides whether someone who finished it may start again. Prints how many were entered, \
    were already in, and were refused by the re-entry rule.\n\n\
    Exit codes: 0 done; 1 no such journey, list or segment in the deployed program; 2 a \
    usage or I/O error."
)]
#[command(group(clap::ArgGroup::new("members").required(true).args(["list", "segment"])))]
pub struct Args {
    /// The journey to enter them into.
    pub journey: String,

    /// Enter the members of this list.
    #[arg(long, value_name = "LIST")]
    pub list: Option<String>,

    /// Enter the members of this segment.
    #[arg(long, value_name = "SEGMENT")]
    pub segment: Option<String>,

    #[command(flatten)]
    pub db: Db,

    #[command(flatten)]
    pub at: At,
}

/// How each entry attempt ended.
#[derive(Default)]
struct Counts {
    entered: u64,
    already_in: u64,
    refused: u64,
    raced: u64,
}

pub fn run(args: Args) -> Result<Outcome> {
    let now = args.at.now();
    let mut store = args.db.open()?;
    store_path::deployed(&store, &args.db.path())?;
    let mut engine = Engine::new(&mut store).map_err(|e| miette!("{e}"))?;
    let program = engine.program();

    let journeys = program.journeys.iter().map(|j| j.code.name.as_str());
    let journey = match store_path::find("journey", &args.journey, journeys) {
        Ok(index) => index as JourneyId,
        Err(message) => return Ok(store_path::refuse(&message)),
    };
    // clap makes sure exactly one of --list and --segment is given.
    let (kind, name, names) = match &args.list {
        Some(list) => ("list", list.as_str(), &program.lists),
        None => (
            "segment",
            args.segment.as_deref().unwrap_or_default(),
            &program.segments,
        ),
    };
    if let Err(message) = store_path::find(kind, name, names.iter().map(String::as_str)) {
        return Ok(store_path::refuse(&message));
    }
    let members = match kind {
        "list" => engine.store.list_members(name),
        _ => engine.store.segment_members(name),
    }
    .map_err(|e| miette!("{e}"))?;

    let show_progress = members.len() >= 10_000 && std::io::stderr().is_terminal();
    let mut counts = Counts::default();
    for (done, contact) in members.iter().enumerate() {
        match engine
            .enter(*contact, journey, now)
            .map_err(|e| miette!("{e}"))?
        {
            Entered::Entered => counts.entered += 1,
            Entered::AlreadyIn => counts.already_in += 1,
            Entered::ReentryRefused => counts.refused += 1,
            Entered::Raced => counts.raced += 1,
        }
        if show_progress && done % 1_000 == 0 {
            eprint!("\renrolling: {done} of {}", members.len());
        }
    }
    if show_progress {
        eprint!("\r\x1b[K");
    }

    let mut summary = format!(
        "{} entered, {} already in, {} refused by re-entry",
        counts.entered, counts.already_in, counts.refused
    );
    if counts.raced > 0 {
        summary.push_str(&format!(
            ", {} entered by another engine at the same moment",
            counts.raced
        ));
    }
    let journey_name = &program.journeys[journey as usize].code.name;
    let detail = format!("journey {journey_name} from {kind} {name}: {summary}");
    engine
        .store
        .audit(now, "cli", "enroll", None, &detail)
        .map_err(|e| miette!("could not write the audit log: {e}"))?;
    println!("enrolled {kind} {name} into {journey_name}: {summary}");
    Ok(Outcome::Success)
}
