//! The simulator's output: each contact's timeline and a per-step summary,
//! as text for people or JSON for programs.

use super::{Outcome, StepCounts};
use crate::bytecode::Program;
use std::fmt::Write;

/// An instant as RFC 3339 in UTC, to the second.
pub fn instant(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0).map_or_else(
        || seconds.to_string(),
        |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}

pub fn text(program: &Program, outcome: &Outcome) -> String {
    let mut out = String::new();
    for (id, moments) in &outcome.contacts {
        let _ = writeln!(out, "contact {id}");
        if moments.is_empty() {
            let _ = writeln!(out, "  (nothing happened)");
        }
        for moment in moments {
            let place = match (&moment.journey, &moment.step) {
                (journey, Some(step)) => format!("{journey}/{step}"),
                (journey, None) if journey.is_empty() => "-".to_string(),
                (journey, None) => journey.clone(),
            };
            let _ = writeln!(out, "  {}  {place:<28} {}", instant(moment.at), moment.what);
        }
        out.push('\n');
    }

    let _ = writeln!(out, "steps (as of {})", instant(outcome.finished_at));
    let _ = writeln!(
        out,
        "  {:<36} {:<12} {:>8} {:>8} {:>8} {:>8}",
        "journey/step", "kind", "arrived", "sent", "waiting", "ended"
    );
    for (journey, counts) in program.journeys.iter().zip(&outcome.steps) {
        for (info, c) in journey.code.steps.iter().zip(counts) {
            let name = format!("{}/{}", journey.code.name, info.id);
            let _ = writeln!(
                out,
                "  {name:<36} {:<12} {:>8} {:>8} {:>8} {:>8}",
                info.kind, c.arrived, c.sent, c.waiting_now, c.ended_here
            );
        }
    }
    out
}

#[derive(serde::Serialize)]
struct JsonOutcome<'a> {
    finished_at: String,
    contacts: Vec<JsonContact<'a>>,
    steps: Vec<JsonStep<'a>>,
}

#[derive(serde::Serialize)]
struct JsonContact<'a> {
    id: &'a str,
    timeline: Vec<JsonMoment<'a>>,
}

#[derive(serde::Serialize)]
struct JsonMoment<'a> {
    at: String,
    journey: &'a str,
    step: Option<&'a str>,
    what: &'a str,
}

#[derive(serde::Serialize)]
struct JsonStep<'a> {
    journey: &'a str,
    step: &'a str,
    kind: &'a str,
    #[serde(flatten)]
    counts: &'a StepCounts,
}

pub fn json(program: &Program, outcome: &Outcome) -> String {
    let contacts = outcome
        .contacts
        .iter()
        .map(|(id, moments)| JsonContact {
            id,
            timeline: moments
                .iter()
                .map(|m| JsonMoment {
                    at: instant(m.at),
                    journey: &m.journey,
                    step: m.step.as_deref(),
                    what: &m.what,
                })
                .collect(),
        })
        .collect();
    let steps = program
        .journeys
        .iter()
        .zip(&outcome.steps)
        .flat_map(|(journey, counts)| {
            journey
                .code
                .steps
                .iter()
                .zip(counts)
                .map(move |(info, counts)| JsonStep {
                    journey: &journey.code.name,
                    step: &info.id,
                    kind: &info.kind,
                    counts,
                })
        })
        .collect();
    let outcome = JsonOutcome {
        finished_at: instant(outcome.finished_at),
        contacts,
        steps,
    };
    serde_json::to_string_pretty(&outcome).expect("the outcome serialises") + "\n"
}
