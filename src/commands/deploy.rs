//! `journey deploy`: put a project's compiled program into the engine's
//! database, where `journey run` and the other engine commands find it.
//!
//! A deployment is the project's artifact, stored under its hash:
//! deploying the same program again changes nothing and says so. Runs that
//! started on an earlier deployment keep it until they end; only new runs
//! start on the latest one.

use crate::store_path::{self, At};
use crate::{project, Outcome};
use journey_runtime::bytecode::{Entry, Program};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
#[command(about = "Deploy a project's program to the engine's database")]
#[command(
    long_about = "Deploy a project's program to the engine's database.\n\n\
    PROJECT is checked and compiled as `journey build` does; with errors nothing is \
    deployed. The program is stored under its hash, so deploying an unchanged project \
    again is harmless and says `already deployed`. Runs already under way keep the \
    version they started on; new runs start on the latest deployment.\n\n\
    Exit codes: 0 deployed (or already deployed); 1 the project has errors; 2 a usage or \
    I/O error."
)]
pub struct Args {
    /// The project folder (or a single .journey file).
    pub project: PathBuf,

    /// The engine's database (SQLite), created if missing [default: PROJECT/journey.db]
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,

    #[command(flatten)]
    pub at: At,
}

pub fn run(args: Args) -> miette::Result<Outcome> {
    let Some(project) = project::compile(&args.project)? else {
        return Ok(Outcome::Problems);
    };
    let artifact = journey_runtime::artifact::encode(&project.program);
    let path = args.db.unwrap_or_else(|| beside(&args.project));

    let mut store = store_path::open(&path)?;
    let (deployment, fresh) = store
        .deploy(&artifact, args.at.now())
        .map_err(|e| miette::miette!("could not deploy to `{}`: {e}", path.display()))?;
    let older_runs: u64 = store
        .active_runs_by_deployment()
        .map_err(|e| miette::miette!("{e}"))?
        .iter()
        .filter(|(id, _)| *id < deployment)
        .map(|(_, count)| count)
        .sum();

    let status = if fresh { "new" } else { "already deployed" };
    println!("deployment {deployment} in {} ({status})", path.display());
    for line in journey_lines(&project.program) {
        println!("  {line}");
    }
    if older_runs > 0 {
        println!("  {older_runs} active runs stay on earlier deployments until they end");
    }
    Ok(Outcome::Success)
}

/// `journey.db` in the project folder (beside the file, for one file).
fn beside(project: &Path) -> PathBuf {
    if project.is_dir() {
        return project.join(store_path::DEFAULT_DB);
    }
    match project.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder.join(store_path::DEFAULT_DB),
        _ => PathBuf::from(store_path::DEFAULT_DB),
    }
}

/// One line per journey: its name, how contacts enter, its size.
fn journey_lines(program: &Program) -> Vec<String> {
    program
        .journeys
        .iter()
        .map(|journey| {
            let entries: Vec<String> = journey
                .entries
                .iter()
                .map(|entry| match entry {
                    Entry::List(list) => format!("on list {}", program.lists[*list as usize]),
                    Entry::Segment(segment) => {
                        format!("on segment {}", program.segments[*segment as usize])
                    }
                    Entry::Event { event, .. } => {
                        format!("on event {}", program.events[*event as usize].name)
                    }
                    Entry::Date { field, .. } => {
                        format!("on the date in {}", program.fields[*field as usize].name)
                    }
                    Entry::When(_) => "when its condition holds".to_string(),
                })
                .collect();
            let entries = if entries.is_empty() {
                "by `journey enroll` only".to_string()
            } else {
                entries.join(", ")
            };
            let steps = journey.code.steps.len();
            format!(
                "journey {}: enters {entries}; {steps} steps",
                journey.code.name
            )
        })
        .collect()
}
