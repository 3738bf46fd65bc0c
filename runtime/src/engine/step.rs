//! A VM call's result as the store commits it: the new state and the
//! effects, by the names the store keeps (journey, step ids, emails,
//! segments).

use crate::bytecode::{JourneyCode, JourneyId, Program};
use crate::state::RunState;
use crate::store::{QueuedEmail, RunWrite, StepCommit};
use crate::vm::{Effect, EndReason, Status, Wakes};
use journey_compiler::syntax::ast::Priority;
use std::sync::Arc;

/// The names of a program's journeys, steps and emails, made once per
/// program and shared by every step commit (a step of the engine's bulk
/// work would otherwise copy three to six names).
pub(super) struct Names {
    pub(super) journeys: Vec<Arc<str>>,
    /// Per journey, its step ids.
    steps: Vec<Vec<Arc<str>>>,
    emails: Vec<Arc<str>>,
}

impl Names {
    pub(super) fn of(program: &Program) -> Names {
        let journeys = program.journeys.iter();
        Names {
            journeys: journeys
                .clone()
                .map(|j| j.code.name.as_str().into())
                .collect(),
            steps: journeys
                .map(|j| j.code.steps.iter().map(|s| s.id.as_str().into()).collect())
                .collect(),
            emails: program
                .emails
                .iter()
                .map(|e| e.name.as_str().into())
                .collect(),
        }
    }
}

/// Bytes set aside for a run's encoded state: its program counter, entry
/// time, a word or two of visited steps and where it waits take less.
const STATE_ROOM: usize = 32;

#[allow(clippy::too_many_arguments)]
pub(super) fn step_commit(
    program: &Program,
    names: &Names,
    journey: JourneyId,
    run: RunWrite,
    state: &RunState,
    status: Status,
    effects: &[Effect],
    now: i64,
) -> StepCommit {
    let code = &program.journeys[journey as usize].code;
    let step_ids = &names.steps[journey as usize];
    let step_id = |step: u16| Arc::clone(&step_ids[step as usize]);
    let priority = match program.journeys[journey as usize].priority {
        Priority::Low => 0,
        Priority::Normal => 1,
        Priority::High => 2,
    };
    let arrivals = effects
        .iter()
        .filter(|e| matches!(e, Effect::Arrived { .. }))
        .count();
    let mut commit = StepCommit {
        run,
        journey: Arc::clone(&names.journeys[journey as usize]),
        // Room for the usual state (a few varints): it is not regrown.
        state: Vec::with_capacity(STATE_ROOM),
        active: matches!(status, Status::Parked { .. }),
        end_reason: None,
        wake_at: None,
        wakes: 0,
        now,
        emails: Vec::new(),
        segment_adds: Vec::new(),
        segment_removes: Vec::new(),
        arrived: Vec::with_capacity(arrivals),
        ended_at_step: None,
    };
    state.encode(&mut commit.state);
    let mut last_step = None;
    for effect in effects {
        match *effect {
            Effect::Arrived { step } => {
                last_step = Some(step);
                commit.arrived.push(step_id(step));
            }
            Effect::Send { step, email } => commit.emails.push(QueuedEmail {
                step: step_id(step),
                email: Arc::clone(&names.emails[email as usize]),
                priority,
            }),
            Effect::AddTo { segment, .. } => commit
                .segment_adds
                .push(program.segments[segment as usize].clone()),
            Effect::RemoveFrom { segment, .. } => commit
                .segment_removes
                .push(program.segments[segment as usize].clone()),
            Effect::Parked { step, wakes, .. } => {
                last_step = Some(step);
                commit.wakes = wakes.bits();
            }
            Effect::Ended(reason) => {
                commit.end_reason = Some(reason.describe(code));
                let at = match reason {
                    EndReason::LoopPrevented { step } => Some(step),
                    _ => last_step.or(Some(current_step(code, state.pc))),
                };
                commit.ended_at_step = at.map(step_id);
            }
            _ => {}
        }
    }
    if let Status::Parked { until } = status {
        commit.wake_at = until;
        // Also when the run parked again without a `Parked` effect (it was
        // woken and no arm held): it must stay awake to its arms.
        commit.wakes = Wakes::parked_at(code, state.pc).bits();
    }
    commit
}

/// The journeys a run handed its contact to, by name: the contact enters
/// the latest deployment's journey of that name.
pub(super) fn handoffs(program: &Program, effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::GotoJourney { journey, .. } => {
                Some(program.journeys[*journey as usize].code.name.clone())
            }
            _ => None,
        })
        .collect()
}

/// The step at `pc`: where a run waits, or where it ended.
pub(super) fn current_step(code: &JourneyCode, pc: u32) -> u16 {
    code.steps.partition_point(|s| s.pc <= pc).saturating_sub(1) as u16
}
