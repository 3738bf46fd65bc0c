//! The pure VM: one contact's run of one journey, advanced by one input.
//!
//! [`Vm::enter`] starts a run at the first step; [`Vm::resume`] continues a
//! parked run when its timer is due or something it waits for may have
//! happened. Both run instructions until the run parks at a wait or ends,
//! and report what happened as [`Effect`]s in the caller's buffer. The VM
//! reads the contact only through [`Facts`] and time only through the `now`
//! it is given; it writes nothing. The host applies the effects (queues
//! mail, moves segment membership, stores the new state) in one
//! transaction.
//!
//! Rules of DESIGN section 4 that live here:
//! - loop prevention: arriving at a step already visited in this run ends
//!   the run (`LoopPrevented`);
//! - `exit when` is checked on arrival at every step and on every resume;
//! - a `wait for` looks at what happened since the run began, up to its
//!   deadline; a happening stamped at or before the deadline wins over the
//!   timeout, also when the timer is processed first; the first arm written
//!   wins when several hold;
//! - a wait whose moment has passed passes at once, or takes `late ->`;
//! - splits draw from a hash of the contact, journey and step, so the same
//!   contact always takes the same arm, on every machine.

use crate::artifact::fnv1a_parts;
use crate::bytecode::*;
use crate::eval::{holds, Scope};
use crate::facts::{Facts, Value};
use crate::state::{Parked, RunState};
use crate::timing;
use chrono_tz::Tz;
use std::cell::OnceCell;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndReason {
    Completed,
    /// Arrived at `step`, already visited in this run.
    LoopPrevented {
        step: StepIndex,
    },
    /// `exit when` held.
    Exited,
    /// Handed to another journey with `goto journey`.
    HandedOff {
        journey: JourneyId,
    },
}

impl EndReason {
    /// How reports and timelines say it: `completed`, `completed (loop
    /// prevented at remind)`, `exited (exit when held)`, `completed (handed
    /// off)`.
    pub fn describe(self, code: &JourneyCode) -> String {
        match self {
            EndReason::Completed => "completed".into(),
            EndReason::LoopPrevented { step } => {
                format!(
                    "completed (loop prevented at {})",
                    code.steps[step as usize].id
                )
            }
            EndReason::Exited => "exited (exit when held)".into(),
            EndReason::HandedOff { .. } => "completed (handed off)".into(),
        }
    }
}

/// How a wait ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitOutcome {
    /// The moment had already come on arrival (or a window was open).
    PassedAtOnce,
    /// The timer fired.
    Elapsed,
    /// The moment had passed on arrival and the step has `late ->`.
    Late,
    /// The field the wait is relative to is missing (`missing ->`).
    Missing,
    /// Arm `n` of a `wait for` held, at the instant given.
    Arm {
        arm: u16,
        at: i64,
    },
    Timeout,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Arrived {
        step: StepIndex,
    },
    Send {
        step: StepIndex,
        email: EmailId,
    },
    AddTo {
        step: StepIndex,
        segment: SegmentId,
    },
    RemoveFrom {
        step: StepIndex,
        segment: SegmentId,
    },
    /// A branch took arm `arm` (`None`: the `else`, or fell through).
    Branched {
        step: StepIndex,
        arm: Option<u16>,
    },
    Split {
        step: StepIndex,
        arm: u16,
    },
    /// The run waits at `step` until `until` (if set) or until something
    /// of a kind in `wakes` happens to the contact.
    Parked {
        step: StepIndex,
        until: Option<i64>,
        wakes: Wakes,
    },
    WaitEnded {
        step: StepIndex,
        outcome: WaitOutcome,
    },
    GotoJourney {
        step: StepIndex,
        journey: JourneyId,
    },
    Ended(EndReason),
}

/// The kinds of happening that may end a wait: the host resumes a parked
/// run only for these (and for its timer).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Wakes(u8);

impl Wakes {
    pub const NOTHING: Wakes = Wakes(0);
    pub const OPEN: Wakes = Wakes(1);
    pub const CLICK: Wakes = Wakes(2);
    pub const EVENT: Wakes = Wakes(4);
    /// A contact update or a segment change (conditions read both).
    pub const UPDATE: Wakes = Wakes(8);

    /// The kinds as bits, for hosts that store them.
    pub fn bits(self) -> u8 {
        self.0
    }

    pub fn contains(self, kind: Wakes) -> bool {
        self.0 & kind.0 != 0
    }

    /// What wakes a run parked at `pc` of `code`: the kinds its `wait for`
    /// arms watch, or nothing at a plain wait. The VM reports them with
    /// [`Effect::Parked`] only when a run first parks at a step; a host
    /// that resumes a parked run which then parks again keeps these.
    pub fn parked_at(code: &JourneyCode, pc: Pc) -> Wakes {
        match code.code.get(pc as usize) {
            Some(Instr::WaitFor { wait }) => code
                .waits
                .get(*wait as usize)
                .map_or(Wakes::NOTHING, |wait| Wakes::of(&wait.arms)),
            _ => Wakes::NOTHING,
        }
    }

    fn of(arms: &[(Trigger, Pc)]) -> Wakes {
        let bits = arms.iter().fold(0, |bits, (trigger, _)| {
            bits | match trigger {
                Trigger::Open { .. } => Wakes::OPEN.0,
                Trigger::Click { .. } => Wakes::CLICK.0,
                Trigger::Event { .. } => Wakes::EVENT.0,
                Trigger::Update { .. } | Trigger::Condition(_) => Wakes::UPDATE.0,
            }
        });
        Wakes(bits)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Parked { until: Option<i64> },
    Ended(EndReason),
}

pub struct Vm<'p> {
    pub program: &'p Program,
    project_zone: Option<Tz>,
    journey_zones: Vec<Option<Tz>>,
}

impl<'p> Vm<'p> {
    pub fn new(program: &'p Program) -> Vm<'p> {
        let parse = |zone: &Option<String>| zone.as_deref().and_then(|z| z.parse().ok());
        Vm {
            program,
            project_zone: parse(&program.timezone),
            journey_zones: program
                .journeys
                .iter()
                .map(|j| parse(&j.timezone))
                .collect(),
        }
    }

    /// Starts a run of `journey` for a contact at `now`.
    pub fn enter(
        &self,
        journey: JourneyId,
        facts: &dyn Facts,
        now: i64,
        effects: &mut Vec<Effect>,
    ) -> (RunState, Status) {
        let mut state = RunState::new(now);
        let status = self.run(journey, &mut state, facts, now, effects);
        (state, status)
    }

    /// Continues a parked run: its timer is due, or something it waits for
    /// may have happened. A resume with nothing new changes nothing.
    pub fn resume(
        &self,
        journey: JourneyId,
        state: &mut RunState,
        facts: &dyn Facts,
        now: i64,
        effects: &mut Vec<Effect>,
    ) -> Status {
        let code = &self.program.journeys[journey as usize].code;
        if let Some(exit) = code.exit_when {
            if holds(
                code,
                exit,
                &self.scope(journey, facts, now, state.entered_at),
            ) {
                state.parked = None;
                effects.push(Effect::Ended(EndReason::Exited));
                return Status::Ended(EndReason::Exited);
            }
        }
        self.run(journey, state, facts, now, effects)
    }

    /// The zone of a contact in a journey, without a step's own zone.
    pub fn zone(&self, journey: JourneyId, facts: &dyn Facts) -> Tz {
        facts
            .zone()
            .or(self.journey_zones[journey as usize])
            .or(self.project_zone)
            .unwrap_or(Tz::UTC)
    }

    fn scope<'a>(
        &self,
        journey: JourneyId,
        facts: &'a dyn Facts,
        now: i64,
        since: i64,
    ) -> Scope<'a> {
        Scope {
            facts,
            now,
            zone: self.zone(journey, facts),
            since,
            event: &[],
        }
    }

    fn run(
        &self,
        journey: JourneyId,
        state: &mut RunState,
        facts: &dyn Facts,
        now: i64,
        effects: &mut Vec<Effect>,
    ) -> Status {
        let code = &self.program.journeys[journey as usize].code;
        let mut step: StepIndex = current_step(code, state.pc);
        // The contact's zone, asked for once per run and only when a step
        // needs it: a run that reads nothing of its contact asks nothing
        // (the engine then need not read the contact at all).
        let zone = OnceCell::new();
        let zone = || *zone.get_or_init(|| self.zone(journey, facts));
        let scope = |state: &RunState| Scope {
            facts,
            now,
            zone: zone(),
            since: state.entered_at,
            event: &[],
        };
        let end = |state: &mut RunState, effects: &mut Vec<Effect>, reason| {
            state.parked = None;
            effects.push(Effect::Ended(reason));
            Status::Ended(reason)
        };

        loop {
            let instr = code
                .code
                .get(state.pc as usize)
                .copied()
                .unwrap_or(Instr::End);
            match instr {
                Instr::Arrive { step: arrived } => {
                    step = arrived;
                    if !state.visited.insert(arrived as usize) {
                        return end(state, effects, EndReason::LoopPrevented { step: arrived });
                    }
                    if let Some(exit) = code.exit_when {
                        if holds(code, exit, &scope(state)) {
                            return end(state, effects, EndReason::Exited);
                        }
                    }
                    effects.push(Effect::Arrived { step });
                    state.pc += 1;
                }
                Instr::Send { email } => {
                    effects.push(Effect::Send { step, email });
                    state.pc += 1;
                }
                Instr::AddTo { segment } => {
                    effects.push(Effect::AddTo { step, segment });
                    state.pc += 1;
                }
                Instr::RemoveFrom { segment } => {
                    effects.push(Effect::RemoveFrom { step, segment });
                    state.pc += 1;
                }
                Instr::Wait { duration } => {
                    let until = match state.parked {
                        Some(parked) => parked.until,
                        None => {
                            let d = &code.durations[duration as usize];
                            Some(timing::add(now, d, false, zone()))
                        }
                    };
                    if let Some(status) = self.park_until(state, effects, step, now, until) {
                        return status;
                    }
                    state.pc += 1;
                }
                Instr::WaitUntil { until } => {
                    let until = &code.untils[until as usize];
                    match self.wait_until(journey, code, until, state, facts, now, step, effects) {
                        Ok(next) => state.pc = next,
                        Err(status) => return status,
                    }
                }
                Instr::WaitFor { wait } => {
                    let wait = &code.waits[wait as usize];
                    match self.wait_for(journey, code, wait, state, facts, now, step, effects) {
                        Ok(next) => state.pc = next,
                        Err(status) => return status,
                    }
                }
                Instr::Branch { branch } => {
                    let branch = &code.branches[branch as usize];
                    let scope = scope(state);
                    let taken = branch
                        .arms
                        .iter()
                        .position(|(cond, _)| holds(code, *cond, &scope));
                    effects.push(Effect::Branched {
                        step,
                        arm: taken.map(|a| a as u16),
                    });
                    state.pc = taken.map_or(branch.otherwise, |arm| branch.arms[arm].1);
                }
                Instr::Split { split } => {
                    let split = &code.splits[split as usize];
                    let draw =
                        split_draw(facts.split_key(), &code.name, &code.steps[step as usize].id);
                    let arm = split.arms.iter().position(|(bound, _)| draw < *bound);
                    let arm = arm.unwrap_or(split.arms.len() - 1);
                    effects.push(Effect::Split {
                        step,
                        arm: arm as u16,
                    });
                    state.pc = split.arms[arm].1;
                }
                Instr::Jump { to } => state.pc = to,
                Instr::GotoJourney { journey: target } => {
                    effects.push(Effect::GotoJourney {
                        step,
                        journey: target,
                    });
                    return end(state, effects, EndReason::HandedOff { journey: target });
                }
                Instr::End => return end(state, effects, EndReason::Completed),
            }
        }
    }

    /// Parks until `until` unless it has come; `None` means go on.
    fn park_until(
        &self,
        state: &mut RunState,
        effects: &mut Vec<Effect>,
        step: StepIndex,
        now: i64,
        until: Option<i64>,
    ) -> Option<Status> {
        match until {
            Some(until) if until > now => {
                if state.parked.is_none() {
                    state.parked = Some(Parked {
                        since: now,
                        until: Some(until),
                    });
                    effects.push(Effect::Parked {
                        step,
                        until: Some(until),
                        wakes: Wakes::NOTHING,
                    });
                }
                Some(Status::Parked { until: Some(until) })
            }
            _ => {
                let outcome = if state.parked.is_some() {
                    WaitOutcome::Elapsed
                } else {
                    WaitOutcome::PassedAtOnce
                };
                state.parked = None;
                effects.push(Effect::WaitEnded { step, outcome });
                None
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn wait_until(
        &self,
        journey: JourneyId,
        code: &JourneyCode,
        until: &Until,
        state: &mut RunState,
        facts: &dyn Facts,
        now: i64,
        step: StepIndex,
        effects: &mut Vec<Effect>,
    ) -> Result<Pc, Status> {
        let next = state.pc + 1;
        if let Some(parked) = state.parked {
            return match self.park_until(state, effects, step, now, parked.until) {
                Some(status) => Err(status),
                None => Ok(next),
            };
        }

        let zone = match &until.zone {
            Some(Zone::Named(name)) => name.parse().unwrap_or_else(|_| self.zone(journey, facts)),
            Some(Zone::Field(field)) => match facts.field(*field) {
                Value::Text(name) => name.parse().unwrap_or_else(|_| self.zone(journey, facts)),
                _ => self.zone(journey, facts),
            },
            None => self.zone(journey, facts),
        };
        let target = match &until.target {
            UntilTarget::Instant { utc_seconds } => *utc_seconds,
            UntilTarget::Local { date, time } => timing::local(date, time.as_ref(), zone),
            UntilTarget::Relative { field, offset, at } => {
                let value = facts.field(*field);
                match timing::relative(value, offset.as_ref(), at.as_ref(), zone) {
                    Some(target) => target,
                    None => {
                        effects.push(Effect::WaitEnded {
                            step,
                            outcome: WaitOutcome::Missing,
                        });
                        return Ok(until.missing.unwrap_or(next));
                    }
                }
            }
            UntilTarget::Window(window) => timing::next_window_open(now, window, zone),
        };
        let _ = code;
        if target < now {
            if let Some(late) = until.late {
                effects.push(Effect::WaitEnded {
                    step,
                    outcome: WaitOutcome::Late,
                });
                return Ok(late);
            }
        }
        match self.park_until(state, effects, step, now, Some(target)) {
            Some(status) => Err(status),
            None => Ok(next),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn wait_for(
        &self,
        journey: JourneyId,
        code: &JourneyCode,
        wait: &WaitFor,
        state: &mut RunState,
        facts: &dyn Facts,
        now: i64,
        step: StepIndex,
        effects: &mut Vec<Effect>,
    ) -> Result<Pc, Status> {
        let zone = self.zone(journey, facts);
        let parked = match state.parked {
            Some(parked) => parked,
            None => {
                let until = wait
                    .timeout
                    .as_ref()
                    .map(|(d, _)| timing::add(now, d, false, zone));
                Parked { since: now, until }
            }
        };
        let deadline = parked.until.unwrap_or(i64::MAX);
        let horizon = now.min(deadline);
        let scope = Scope {
            facts,
            now: horizon,
            zone,
            since: state.entered_at,
            event: &[],
        };

        for (index, (trigger, target)) in wait.arms.iter().enumerate() {
            if let Some(at) = happened(code, trigger, &scope, state.entered_at, horizon) {
                state.parked = None;
                let outcome = WaitOutcome::Arm {
                    arm: index as u16,
                    at,
                };
                effects.push(Effect::WaitEnded { step, outcome });
                return Ok(*target);
            }
        }
        if let Some((_, target)) = &wait.timeout {
            if now >= deadline {
                state.parked = None;
                effects.push(Effect::WaitEnded {
                    step,
                    outcome: WaitOutcome::Timeout,
                });
                return Ok(*target);
            }
        }
        if state.parked.is_none() {
            state.parked = Some(parked);
            effects.push(Effect::Parked {
                step,
                until: parked.until,
                wakes: Wakes::of(&wait.arms),
            });
        }
        Err(Status::Parked {
            until: parked.until,
        })
    }
}

/// When the trigger of a `wait for` arm happened in `since..=until`.
fn happened(
    code: &JourneyCode,
    trigger: &Trigger,
    scope: &Scope,
    since: i64,
    until: i64,
) -> Option<i64> {
    let facts = scope.facts;
    match trigger {
        Trigger::Open { email, human } => facts.opened(*email, *human, since, until),
        Trigger::Click { email, link, human } => facts.clicked(*email, *link, *human, since, until),
        Trigger::Event { event, filter } => facts.event(*event, since, until, &mut |fields| {
            let Some(filter) = filter else { return true };
            let scope = Scope {
                event: fields,
                ..*scope
            };
            holds(code, *filter, &scope)
        }),
        Trigger::Update { filter } => {
            let at = facts.updated(since, until)?;
            filter.is_none_or(|f| holds(code, f, scope)).then_some(at)
        }
        Trigger::Condition(cond) => holds(code, *cond, scope).then_some(scope.now),
    }
}

/// The step whose code holds `pc`.
fn current_step(code: &JourneyCode, pc: Pc) -> StepIndex {
    if pc == 0 {
        return 0;
    }
    let index = code.steps.partition_point(|s| s.pc <= pc);
    index.saturating_sub(1) as StepIndex
}

/// A number in `0..10_000` (basis points) from the contact, the journey and
/// the step: stable everywhere, independent between splits.
pub fn split_draw(key: u64, journey: &str, step: &str) -> u32 {
    let parts: [&[u8]; 4] = [
        &key.to_le_bytes(),
        journey.as_bytes(),
        &[0],
        step.as_bytes(),
    ];
    (fnv1a_parts(&parts) % 10_000) as u32
}
