//! `journey report`: what the engine has done, per journey and step, or
//! for one contact.
//!
//! Per step, in the order of the deployed program's step table: runs
//! waiting there now, contacts who arrived in total, runs that ended there
//! (the drop-off), and for a send step what became of its emails (queued,
//! sent, suppressed, failed) and how many people opened them and clicked
//! each link, with the contacts whose opens and clicks were made by
//! automated agents (privacy proxies, link scanners) counted apart. Runs
//! keep the program version they started on, so a run waiting at a step
//! that the latest deployment no longer has is shown under that step's id,
//! marked as from an earlier deployment.
//!
//! With `--contact`: who received what. The contact's consent and
//! suppression, each of their runs, and each email queued for them with
//! its time and, when it was not sent, the reason.

use crate::store_path::{self, Db};
use crate::Outcome;
use journey_runtime::bytecode::{Instr, JourneyCode, Program};
use journey_runtime::simulate::report::instant;
use journey_runtime::state::RunState;
use journey_runtime::store::sqlite::{OutboxEntry, RunSummary, SqliteStore};
use journey_runtime::store::{DeploymentId, StepReport};
use miette::{miette, Result};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

#[derive(clap::Args)]
#[command(about = "Report per journey and step, or what one contact received")]
#[command(
    long_about = "Report per journey and step, or what one contact received.\n\n\
    For each step of each journey (or of JOURNEY), in program order: runs waiting there \
    now (active), contacts who arrived in total, runs that ended there (drop-off), and for \
    send steps the emails queued (waiting or being sent), sent, suppressed and failed, and \
    the people who opened them and clicked each link after they were sent; opens and \
    clicks by automated agents (mail privacy proxies, link scanners) are counted apart, \
    as `N (M automated)`.\n\n\
    --contact ID shows who received what: the contact's consent and suppression, runs, \
    and every email queued for them, with times and reasons.\n\n\
    Exit codes: 0 done; 1 no such journey or contact; 2 a usage or I/O error."
)]
pub struct Args {
    /// Only this journey [default: every journey]
    pub journey: Option<String>,

    /// Output format: a table for people, JSON for programs.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,

    /// Who received what: one contact's runs and emails, by external id.
    #[arg(long, value_name = "ID", conflicts_with = "journey")]
    pub contact: Option<String>,

    #[command(flatten)]
    pub db: Db,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
}

pub fn run(args: Args) -> Result<Outcome> {
    let store = args.db.open()?;
    let (latest, program) = store_path::deployed(&store, &args.db.path())?;
    let mut programs = Programs {
        store: &store,
        loaded: HashMap::from([(latest, program)]),
    };

    let report = match &args.contact {
        Some(contact) => match contact_report(&mut programs, contact)? {
            Some(report) => report,
            None => {
                let message = format!("no contact has the id `{contact}`");
                return Ok(store_path::refuse(&message));
            }
        },
        None => {
            let program = &programs.loaded[&latest];
            let names = program.journeys.iter().map(|j| j.code.name.as_str());
            let chosen: Vec<usize> = match &args.journey {
                Some(name) => match store_path::find("journey", name, names) {
                    Ok(index) => vec![index],
                    Err(message) => return Ok(store_path::refuse(&message)),
                },
                None => (0..program.journeys.len()).collect(),
            };
            let mut journeys = Vec::new();
            for journey in chosen {
                journeys.push(journey_report(&mut programs, latest, journey)?);
            }
            Report::Journeys { latest, journeys }
        }
    };
    let output = match args.format {
        ReportFormat::Table => report.table(),
        ReportFormat::Json => format!("{:#}\n", report.json()),
    };
    super::show(&output)?;
    Ok(Outcome::Success)
}

/// The journeys' report as `--format json` prints it, for `journey serve`:
/// every journey, or the one named (`None` when it has no such journey).
pub fn journeys_json(
    store: &SqliteStore,
    journey: Option<&str>,
) -> std::result::Result<Option<Value>, String> {
    let fail = |e: miette::Report| e.to_string();
    let latest = store.latest_deployment().map_err(|e| e.to_string())?;
    let Some((latest, bytes)) = latest else {
        return Err("nothing is deployed".into());
    };
    let (_, program) = journey_runtime::artifact::decode(&bytes).map_err(|e| e.to_string())?;
    let chosen: Vec<usize> = match journey {
        Some(name) => match program.journeys.iter().position(|j| j.code.name == name) {
            Some(index) => vec![index],
            None => return Ok(None),
        },
        None => (0..program.journeys.len()).collect(),
    };
    let mut programs = Programs {
        store,
        loaded: HashMap::from([(latest, program)]),
    };
    let mut journeys = Vec::new();
    for index in chosen {
        journeys.push(journey_report(&mut programs, latest, index).map_err(fail)?);
    }
    Ok(Some(Report::Journeys { latest, journeys }.json()))
}

/// Deployed programs by id, loaded when first needed.
struct Programs<'s> {
    store: &'s SqliteStore,
    loaded: HashMap<DeploymentId, Program>,
}

impl Programs<'_> {
    fn get(&mut self, id: DeploymentId) -> Result<&Program> {
        if !self.loaded.contains_key(&id) {
            let bytes = self.store.deployment(id).map_err(|e| miette!("{e}"))?;
            let (_, program) = journey_runtime::artifact::decode(&bytes)
                .map_err(|e| miette!("deployment {id} cannot be loaded: {e}"))?;
            self.loaded.insert(id, program);
        }
        Ok(&self.loaded[&id])
    }

    /// The id of the step a run's state is at, in the run's own program.
    fn step_of(&mut self, deployment: DeploymentId, journey: &str, state: &[u8]) -> Result<String> {
        let program = self.get(deployment)?;
        let code = program
            .journeys
            .iter()
            .find(|j| j.code.name == journey)
            .map(|j| &j.code)
            .ok_or_else(|| miette!("deployment {deployment} has no journey `{journey}`"))?;
        let state = RunState::decode(state)
            .ok_or_else(|| miette!("a run of `{journey}` has an unreadable state"))?;
        let step = code
            .steps
            .partition_point(|s| s.pc <= state.pc)
            .saturating_sub(1);
        Ok(code
            .steps
            .get(step)
            .map_or_else(String::new, |s| s.id.clone()))
    }
}

enum Report {
    Journeys {
        latest: DeploymentId,
        journeys: Vec<JourneyReport>,
    },
    Contact(ContactReport),
}

struct JourneyReport {
    name: String,
    display: Option<String>,
    steps: Vec<StepRow>,
}

struct StepRow {
    /// `None` for a step only an earlier deployment has.
    kind: Option<String>,
    figures: StepReport,
    send: Option<SendRow>,
}

struct SendRow {
    email: String,
    /// Contacts who opened it: by a person, by an automated agent.
    opened: (u64, u64),
    /// Per link, the email's declared links first: people, automated.
    clicked: Vec<(String, u64, u64)>,
}

struct ContactReport {
    id: String,
    consent: journey_runtime::store::Consent,
    suppression: Option<String>,
    runs: Vec<(RunSummary, Option<String>)>,
    emails: Vec<OutboxEntry>,
}

fn journey_report(
    programs: &mut Programs<'_>,
    latest: DeploymentId,
    journey: usize,
) -> Result<JourneyReport> {
    let program = programs.get(latest)?.clone();
    let def = &program.journeys[journey];
    let code = &def.code;
    let store = programs.store;
    let ids: Vec<String> = code.steps.iter().map(|s| s.id.clone()).collect();
    let figures = store
        .step_report(&code.name, &ids)
        .map_err(|e| miette!("{e}"))?;

    let mut active: BTreeMap<String, u64> = BTreeMap::new();
    let states = store
        .active_run_states(&code.name)
        .map_err(|e| miette!("{e}"))?;
    for (deployment, state) in states {
        *active
            .entry(programs.step_of(deployment, &code.name, &state)?)
            .or_default() += 1;
    }

    let mut steps = Vec::new();
    for (index, mut figures) in figures.into_iter().enumerate() {
        figures.active = active.remove(&figures.step).unwrap_or(0);
        let send = match sent_email(code, index) {
            Some(email) => Some(send_row(store, &program, &code.name, &figures.step, email)?),
            None => None,
        };
        steps.push(StepRow {
            kind: Some(code.steps[index].kind.clone()),
            figures,
            send,
        });
    }
    let earlier: Vec<String> = active.keys().cloned().collect();
    let earlier = store
        .step_report(&code.name, &earlier)
        .map_err(|e| miette!("{e}"))?;
    for mut figures in earlier {
        figures.active = active[&figures.step];
        steps.push(StepRow {
            kind: None,
            figures,
            send: None,
        });
    }
    Ok(JourneyReport {
        name: code.name.clone(),
        display: def.display.clone(),
        steps,
    })
}

/// The email step `index` sends, if it is a send step.
fn sent_email(code: &JourneyCode, index: usize) -> Option<u16> {
    let start = code.steps[index].pc as usize;
    let end = code
        .steps
        .get(index + 1)
        .map_or(code.code.len(), |s| s.pc as usize);
    code.code[start..end].iter().find_map(|instr| match instr {
        Instr::Send { email } => Some(*email),
        _ => None,
    })
}

fn send_row(
    store: &SqliteStore,
    program: &Program,
    journey: &str,
    step: &str,
    email: u16,
) -> Result<SendRow> {
    let email = &program.emails[email as usize];
    let engagement = store
        .engagement(journey, step)
        .map_err(|e| miette!("{e}"))?;
    let mut clicked: Vec<(String, u64, u64)> = email
        .links
        .iter()
        .map(|(name, _)| (name.clone(), 0, 0))
        .collect();
    for (link, people, automated) in engagement.clicked {
        let link = link.unwrap_or_else(|| "(no link)".to_string());
        match clicked.iter_mut().find(|(name, ..)| *name == link) {
            Some((_, total, machines)) => {
                *total += people;
                *machines += automated;
            }
            None => clicked.push((link, people, automated)),
        }
    }
    Ok(SendRow {
        email: email.name.clone(),
        opened: (engagement.opened, engagement.opened_automated),
        clicked,
    })
}

/// People, and the automated agents in parentheses when there were any:
/// `3` or `3 (5 automated)`.
fn with_automated(people: u64, automated: u64) -> String {
    match automated {
        0 => people.to_string(),
        _ => format!("{people} ({automated} automated)"),
    }
}

fn contact_report(programs: &mut Programs<'_>, external_id: &str) -> Result<Option<Report>> {
    let store = programs.store;
    let fail = |e: journey_runtime::store::StoreError| miette!("{e}");
    let Some(contact) = store.contact_id(external_id).map_err(fail)? else {
        return Ok(None);
    };
    let mut runs = Vec::new();
    for run in store.contact_runs(contact).map_err(fail)? {
        let step = match run.active {
            true => Some(programs.step_of(run.deployment, &run.journey, &run.state)?),
            false => None,
        };
        runs.push((run, step));
    }
    Ok(Some(Report::Contact(ContactReport {
        id: external_id.to_string(),
        consent: store.consent(contact).map_err(fail)?,
        suppression: store.suppression(contact).map_err(fail)?,
        runs,
        emails: store.contact_outbox(contact).map_err(fail)?,
    })))
}

fn at(seconds: Option<i64>) -> Value {
    seconds.map_or(Value::Null, |s| Value::String(instant(s)))
}

impl Report {
    fn json(&self) -> Value {
        match self {
            Report::Journeys { latest, journeys } => json!({
                "deployment": latest,
                "journeys": journeys.iter().map(JourneyReport::json).collect::<Vec<_>>(),
            }),
            Report::Contact(contact) => contact.json(),
        }
    }

    fn table(&self) -> String {
        match self {
            Report::Journeys { latest, journeys } => {
                let mut out = String::new();
                for (index, journey) in journeys.iter().enumerate() {
                    if index > 0 {
                        out.push('\n');
                    }
                    journey.table(*latest, &mut out);
                }
                out
            }
            Report::Contact(contact) => contact.table(),
        }
    }
}

impl JourneyReport {
    fn json(&self) -> Value {
        let steps: Vec<Value> = self
            .steps
            .iter()
            .map(|row| {
                let f = &row.figures;
                let send = row.send.as_ref().map_or(Value::Null, |send| {
                    let clicked: serde_json::Map<String, Value> = send
                        .clicked
                        .iter()
                        .map(|(link, people, _)| (link.clone(), json!(people)))
                        .collect();
                    let clicked_automated: serde_json::Map<String, Value> = send
                        .clicked
                        .iter()
                        .map(|(link, _, automated)| (link.clone(), json!(automated)))
                        .collect();
                    json!({
                        "email": send.email,
                        "queued": f.queued,
                        "sent": f.sent,
                        "suppressed": f.suppressed,
                        "failed": f.failed,
                        "opened": send.opened.0,
                        "opened_automated": send.opened.1,
                        "clicked": clicked,
                        "clicked_automated": clicked_automated,
                    })
                });
                json!({
                    "step": f.step,
                    "kind": row.kind,
                    "earlier_deployment": row.kind.is_none(),
                    "active": f.active,
                    "arrived": f.arrived,
                    "ended": f.ended,
                    "send": send,
                })
            })
            .collect();
        json!({
            "journey": self.name,
            "display": self.display,
            "active": self.steps.iter().map(|s| s.figures.active).sum::<u64>(),
            "steps": steps,
        })
    }

    fn table(&self, latest: DeploymentId, out: &mut String) {
        let active: u64 = self.steps.iter().map(|s| s.figures.active).sum();
        let display = self
            .display
            .as_ref()
            .map_or(String::new(), |d| format!(" \"{d}\""));
        let _ = writeln!(
            out,
            "journey {}{display} (deployment {latest}): {active} active",
            self.name
        );

        let header = [
            "step",
            "kind",
            "active",
            "arrived",
            "ended",
            "queued",
            "sent",
            "suppressed",
            "failed",
            "opened",
            "clicked",
        ];
        let mut rows: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
        for row in &self.steps {
            let f = &row.figures;
            let mut cells = vec![
                f.step.clone(),
                row.kind
                    .clone()
                    .unwrap_or_else(|| "(earlier deployment)".into()),
                f.active.to_string(),
                f.arrived.to_string(),
                f.ended.to_string(),
            ];
            if let Some(send) = &row.send {
                let clicked: Vec<String> = send
                    .clicked
                    .iter()
                    .map(|(link, people, automated)| {
                        format!("{link} {}", with_automated(*people, *automated))
                    })
                    .collect();
                cells.extend([
                    f.queued.to_string(),
                    f.sent.to_string(),
                    f.suppressed.to_string(),
                    f.failed.to_string(),
                    with_automated(send.opened.0, send.opened.1),
                    clicked.join(", "),
                ]);
            }
            rows.push(cells);
        }
        // The figures (active .. opened) are right-aligned.
        let right: Vec<bool> = (0..header.len()).map(|c| (2..10).contains(&c)).collect();
        write_columns(out, &rows, &right);
    }
}

impl ContactReport {
    fn json(&self) -> Value {
        let runs: Vec<Value> = self
            .runs
            .iter()
            .map(|(run, step)| {
                json!({
                    "journey": run.journey,
                    "deployment": run.deployment,
                    "active": run.active,
                    "entered_at": at(Some(run.entered_at)),
                    "step": step,
                    "wake_at": at(run.wake_at),
                    "ended_at": at(run.ended_at),
                    "end_reason": run.end_reason,
                })
            })
            .collect();
        let emails: Vec<Value> = self
            .emails
            .iter()
            .map(|email| {
                json!({
                    "journey": email.journey,
                    "step": email.step,
                    "email": email.email,
                    "status": email.status,
                    "due_at": at(Some(email.due_at)),
                    "sent_at": at(email.sent_at),
                    "attempts": email.attempts,
                    "reason": email.reason,
                })
            })
            .collect();
        json!({
            "contact": self.id,
            "consent": {
                "granted_at": at(self.consent.granted_at),
                "expires_at": at(self.consent.expires_at),
                "revoked_at": at(self.consent.revoked_at),
            },
            "suppression": self.suppression,
            "runs": runs,
            "emails": emails,
        })
    }

    fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "contact {}", self.id);
        let _ = writeln!(out, "consent: {}", consent_text(&self.consent));
        let suppression = self.suppression.as_deref().unwrap_or("no");
        let _ = writeln!(out, "suppressed: {suppression}");

        let _ = writeln!(out, "\nruns:");
        if self.runs.is_empty() {
            let _ = writeln!(out, "  (none)");
        }
        let mut rows = Vec::new();
        for (run, step) in &self.runs {
            let now = match (step, run.wake_at) {
                (Some(step), Some(wake)) => format!("at {step} until {}", instant(wake)),
                (Some(step), None) => format!("at {step}, waiting"),
                (None, _) => format!(
                    "ended {} ({})",
                    run.ended_at.map_or_else(String::new, instant),
                    run.end_reason.as_deref().unwrap_or("")
                ),
            };
            rows.push(vec![
                format!("  {}", run.journey),
                format!("deployment {}", run.deployment),
                format!("entered {}", instant(run.entered_at)),
                now,
            ]);
        }
        write_columns(&mut out, &rows, &[]);

        let _ = writeln!(out, "\nemails:");
        if self.emails.is_empty() {
            let _ = writeln!(out, "  (none)");
        }
        let mut rows = Vec::new();
        for email in &self.emails {
            let what = email_outcome(email);
            rows.push(vec![
                format!("  {}", instant(email.due_at)),
                email.journey.clone(),
                email.step.clone(),
                email.email.clone(),
                what,
            ]);
        }
        write_columns(&mut out, &rows, &[]);
        out
    }
}

/// What became of one email, for the table: `sent INSTANT`, or its status
/// and reason. A reason that already starts with the status (delivery
/// writes `suppressed: unsubscribed`) is shown once, not after it again.
fn email_outcome(email: &OutboxEntry) -> String {
    match (email.status.as_str(), email.sent_at, &email.reason) {
        ("sent", Some(sent), _) => format!("sent {}", instant(sent)),
        (status, _, Some(reason)) if reason.starts_with(&format!("{status}: ")) => reason.clone(),
        (status, _, Some(reason)) => format!("{status}: {reason}"),
        (status, _, None) => status.to_string(),
    }
}

fn consent_text(consent: &journey_runtime::store::Consent) -> String {
    let mut parts = Vec::new();
    let mut part = |label: &str, value: Option<i64>| {
        if let Some(value) = value {
            parts.push(format!("{label} {}", instant(value)));
        }
    };
    part("granted", consent.granted_at);
    part("expires", consent.expires_at);
    part("revoked", consent.revoked_at);
    if parts.is_empty() {
        "none recorded".to_string()
    } else {
        parts.join(", ")
    }
}

/// Columns two spaces apart, left-aligned unless `right` says otherwise.
fn write_columns(out: &mut String, rows: &[Vec<String>], right: &[bool]) {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c > 0 {
                line.push_str("  ");
            }
            let width = widths[c];
            if right.get(c).copied().unwrap_or(false) {
                let _ = write!(line, "{cell:>width$}");
            } else {
                let _ = write!(line, "{cell:<width$}");
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(status: &str, reason: Option<&str>) -> OutboxEntry {
        OutboxEntry {
            journey: "welcome".into(),
            step: "start+1".into(),
            email: "welcome".into(),
            status: status.into(),
            due_at: 0,
            sent_at: None,
            attempts: 1,
            reason: reason.map(str::to_string),
        }
    }

    #[test]
    fn an_emails_status_is_said_once() {
        let unsubscribed = email("suppressed", Some("suppressed: unsubscribed"));
        assert_eq!(email_outcome(&unsubscribed), "suppressed: unsubscribed");
        let consent = email("suppressed", Some("no marketing consent"));
        assert_eq!(email_outcome(&consent), "suppressed: no marketing consent");
        let failed = email("failed", Some("550 no such mailbox"));
        assert_eq!(email_outcome(&failed), "failed: 550 no such mailbox");
        assert_eq!(email_outcome(&email("queued", None)), "queued");
    }
}
