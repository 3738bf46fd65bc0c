//! Words for the timeline: which branch arm was taken and why, which share
//! of a split, how a wait ended. Built from the checked program and the
//! source text, which the bytecode does not carry.

use crate::bytecode::JourneyId;
use crate::vm::WaitOutcome;
use journey_compiler::check::program::{Program, StepOp, Target, WaitDef};
use journey_compiler::source::Sources;
use std::collections::HashMap;

/// Per (journey, step): each arm's words and target, then a last target
/// (the `else` of a branch, the timeout of a wait).
type Arms = HashMap<(JourneyId, u16), (Vec<(String, String)>, String)>;

#[derive(Default)]
pub struct Explain {
    /// Per (journey, step): each arm's condition text and target, then the
    /// `else` target.
    branches: Arms,
    /// Per (journey, step): each arm's description and target, then the
    /// timeout's target.
    waits: Arms,
    /// Per (journey, step): the `late` and `missing` targets.
    untils: HashMap<(JourneyId, u16), (String, String)>,
    /// Per (journey, step): each share of a split, as written (`50%`), and
    /// its target.
    splits: HashMap<(JourneyId, u16), Vec<(String, String)>>,
}

impl Explain {
    pub fn new(program: &Program, sources: &Sources) -> Explain {
        let mut explain = Explain::default();
        for (j, journey) in program.journeys.iter().enumerate() {
            let text = &sources.get(journey.file).text;
            let target = |t: Target, step: usize| match t {
                Some(to) => format!("-> {}", journey.steps[to].id),
                None if step + 1 < journey.steps.len() => {
                    format!("-> {}", journey.steps[step + 1].id)
                }
                None => "-> end of journey".to_string(),
            };
            for (s, step) in journey.steps.iter().enumerate() {
                let key = (j as JourneyId, s as u16);
                match &step.op {
                    StepOp::Branch { arms, otherwise } => {
                        let arms = arms
                            .iter()
                            .map(|(cond, to)| {
                                (cond.span.text(text).to_string(), target(Some(*to), s))
                            })
                            .collect();
                        explain.branches.insert(key, (arms, target(*otherwise, s)));
                    }
                    StepOp::WaitFor { arms, timeout } => {
                        let arms = arms
                            .iter()
                            .map(|(wait, to)| (describe(program, wait, text), target(*to, s)))
                            .collect();
                        let timeout = timeout
                            .as_ref()
                            .map_or(String::new(), |(_, to)| target(*to, s));
                        explain.waits.insert(key, (arms, timeout));
                    }
                    StepOp::Split { arms } => {
                        let arms = arms
                            .iter()
                            .map(|(percent, to)| (format!("{percent}%"), target(Some(*to), s)))
                            .collect();
                        explain.splits.insert(key, arms);
                    }
                    StepOp::WaitUntil { late, missing, .. } => {
                        explain
                            .untils
                            .insert(key, (target(*late, s), target(*missing, s)));
                    }
                    _ => {}
                }
            }
        }
        explain
    }

    pub fn branch(&self, journey: JourneyId, step: u16, arm: Option<u16>) -> String {
        let Some((arms, otherwise)) = self.branches.get(&(journey, step)) else {
            return format!("branch: arm {arm:?}");
        };
        match arm {
            Some(arm) => {
                let (why, to) = &arms[arm as usize];
                format!("branch: `{why}` held {to}")
            }
            None => format!("branch: no condition held {otherwise}"),
        }
    }

    /// "split: took share 2 (50%) -> variant_b"; `arm` counts from 0.
    pub fn split(&self, journey: JourneyId, step: u16, arm: u16) -> String {
        let share = arm + 1;
        match self
            .splits
            .get(&(journey, step))
            .and_then(|arms| arms.get(usize::from(arm)))
        {
            Some((percent, to)) => format!("split: took share {share} ({percent}) {to}"),
            None => format!("split: took share {share}"),
        }
    }

    pub fn wait_outcome(&self, journey: JourneyId, step: u16, outcome: WaitOutcome) -> String {
        let key = (journey, step);
        match outcome {
            WaitOutcome::Arm { arm, at } => match self.waits.get(&key) {
                Some((arms, _)) => {
                    let (what, to) = &arms[arm as usize];
                    format!(
                        "wait ended: {what} (at {}) {to}",
                        super::report::instant(at)
                    )
                }
                None => super::outcome_text(outcome),
            },
            WaitOutcome::Timeout => match self.waits.get(&key) {
                Some((_, to)) => format!("wait ended: timed out {to}"),
                None => super::outcome_text(outcome),
            },
            WaitOutcome::Late => match self.untils.get(&key) {
                Some((late, _)) => format!("wait ended: already passed, late {late}"),
                None => super::outcome_text(outcome),
            },
            WaitOutcome::Missing => match self.untils.get(&key) {
                Some((_, missing)) => format!("wait ended: field missing {missing}"),
                None => super::outcome_text(outcome),
            },
            other => super::outcome_text(other),
        }
    }
}

fn describe(program: &Program, wait: &WaitDef, text: &str) -> String {
    let human = |h: bool| if h { "human " } else { "" };
    match wait {
        WaitDef::Open { email, human: h } => {
            format!("{}open {}", human(*h), program.emails[*email].name)
        }
        WaitDef::Click {
            email,
            link,
            human: h,
        } => {
            let email = &program.emails[*email];
            match link {
                Some(l) => format!("{}click {}.{}", human(*h), email.name, email.links[*l].name),
                None => format!("{}click {}", human(*h), email.name),
            }
        }
        WaitDef::Event { event, .. } => format!("event {}", program.events[*event].name),
        WaitDef::Update { filter } => match filter {
            Some(f) => format!("update where {}", f.span.text(text)),
            None => "update".into(),
        },
        WaitDef::Condition(cond) => format!("`{}`", cond.span.text(text)),
    }
}
