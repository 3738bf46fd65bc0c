//! From resolved steps to control-flow graphs, and from the analyses of
//! `flow` to diagnostics.
//!
//! The graph has one node per step and one edge per way of leaving it: the
//! fall-through to the next step, or a jump arm (`-> label`, `goto`, an
//! `else`). An `end`, a `goto journey` and falling off the last step leave
//! the journey, so they have no edge. Each edge remembers the source span
//! that creates it, so a message can point at the arm that loops.

use super::flow::{self, Edge, Graph};
use super::program::{JourneyDef, StepOp, UntilDef, WaitDef};
use super::Cx;
use crate::diagnostic::{label, Diagnostic};
use crate::source::FileId;
use crate::span::Span;
use crate::syntax::ast::{self, StepKind};

/// The graph of one journey, with the span behind every edge.
struct Built {
    graph: Graph,
    /// The span of each edge, step after step and arm after arm: the spans
    /// of step `s` start at `first_arm_span[s]`.
    arm_spans: Vec<Span>,
    first_arm_span: Vec<usize>,
}

impl Built {
    /// The span of the source behind arm `arm` of step `step`.
    fn arm_span(&self, step: usize, arm: usize) -> Span {
        self.arm_spans[self.first_arm_span[step] + arm]
    }
}

fn build(steps: &[&ast::Step], def: &JourneyDef) -> Built {
    let count = def.steps.len();
    let mut succ = vec![Vec::new(); count];
    let mut arm_spans = Vec::with_capacity(count);
    let mut first_arm_span = Vec::with_capacity(count);
    let mut waits = vec![false; count];

    for (index, step) in def.steps.iter().enumerate() {
        let ast_step = steps[index];
        let next = (index + 1 < count).then_some(index + 1);
        first_arm_span.push(arm_spans.len());
        let mut add = |to: Option<usize>, span: Span| {
            if let Some(to) = to {
                let arm = succ[index].len();
                succ[index].push(Edge { to, arm });
                arm_spans.push(span);
            }
        };
        let mut jumps = 0;
        let mut jump = |target: Option<usize>| {
            let span = jump_span(ast_step, jumps).unwrap_or(ast_step.span);
            jumps += 1;
            (target.or(next), span)
        };

        match &step.op {
            StepOp::Send { .. } | StepOp::AddTo { .. } | StepOp::RemoveFrom { .. } => {
                add(next, ast_step.span)
            }
            StepOp::Wait { .. } => {
                waits[index] = true;
                add(next, ast_step.span);
            }
            StepOp::WaitUntil { late, missing, .. } => {
                waits[index] = true;
                add(next, ast_step.span);
                for target in [*late, *missing].into_iter().flatten() {
                    let (to, span) = jump(Some(target));
                    add(to, span);
                }
            }
            StepOp::WaitFor { arms, timeout } => {
                waits[index] = true;
                for (_, target) in arms {
                    let (to, span) = jump(*target);
                    add(to, span);
                }
                if let Some((_, target)) = timeout {
                    let (to, span) = jump(*target);
                    add(to, span);
                }
            }
            StepOp::Branch { arms, otherwise } => {
                for (_, target) in arms {
                    let (to, span) = jump(Some(*target));
                    add(to, span);
                }
                let (to, span) = jump(*otherwise);
                add(to, span);
            }
            StepOp::Split { arms } => {
                for (_, target) in arms {
                    let (to, span) = jump(Some(*target));
                    add(to, span);
                }
            }
            StepOp::Goto { step } => {
                let (to, span) = jump(Some(*step));
                add(to, span);
            }
            StepOp::GotoJourney { .. } | StepOp::End => {}
        }
    }
    Built {
        graph: Graph { succ, waits },
        arm_spans,
        first_arm_span,
    }
}

/// The span of jump arm `jump` of a step, counting its arms in the order
/// `build` visits them; `None` for an arm that falls through or is not
/// there.
fn jump_span(step: &ast::Step, jump: usize) -> Option<Span> {
    let ident = |i: &Option<ast::Ident>| i.as_ref().map(|i| i.span);
    match &step.kind {
        StepKind::WaitUntil(wait) => wait.arms.get(jump).map(|a| a.span),
        StepKind::WaitFor(wait) => match wait.arms.get(jump) {
            Some(arm) => ident(&arm.target).or(Some(arm.span)),
            None => match &wait.end {
                ast::WaitEnd::Timeout { span, .. } if jump == wait.arms.len() => Some(*span),
                _ => None,
            },
        },
        StepKind::Branch(branch) => match branch.arms.get(jump) {
            Some(arm) => Some(arm.span),
            None if jump == branch.arms.len() => branch.otherwise.as_ref().map(|e| e.span),
            None => None,
        },
        StepKind::Split(split) => split.arms.get(jump).map(|a| a.span),
        StepKind::Goto(target) if jump == 0 => Some(target.span),
        _ => None,
    }
}

pub fn check(
    cx: &mut Cx,
    file: FileId,
    journey: &ast::JourneyDecl,
    steps: &[&ast::Step],
    def: &JourneyDef,
) {
    let built = build(steps, def);
    let graph = &built.graph;
    let prepared = flow::Prepared::new(graph);
    let name = |index: usize| match &def.steps[index].label {
        Some(label) => format!("`{label}`"),
        None => format!("step {}", index + 1),
    };

    for first in flow::unreachable_in(&prepared) {
        cx.diagnostics.push(
            Diagnostic::warning(
                "unreachable-step",
                format!(
                    "no contact can reach this step of journey `{}`",
                    journey.name.name
                ),
                label(file, steps[first].span, "unreachable"),
            )
            .with_note("the step before it ends the run or jumps away, and nothing jumps here")
            .with_help("label it and jump to it, or remove it"),
        );
    }

    let cycles = flow::cycles_without_wait_in(&prepared);
    for cycle in &cycles {
        let first = cycle[0];
        let names: Vec<String> = cycle.iter().map(|&s| name(s)).collect();
        cx.diagnostics.push(
            Diagnostic::error(
                "loop-without-wait",
                format!(
                    "these steps form a loop with no wait in it: {}",
                    names.join(" → ")
                ),
                label(file, steps[first].span, "the loop starts here"),
            )
            .with_note("loop prevention would end the run at once on the second pass")
            .with_help("add a `wait` or `wait for` inside the loop, or jump somewhere else"),
        );
    }

    let in_same_cycle =
        |a: usize, b: usize| cycles.iter().any(|c| c.contains(&a) && c.contains(&b));
    for revisit in flow::revisits_in(&prepared, flow::DEFAULT_WORK_LIMIT) {
        if in_same_cycle(revisit.from, revisit.to) {
            // Already an error: a loop with no wait.
            continue;
        }
        let span = built.arm_span(revisit.from, revisit.arm);
        let target = name(revisit.to);
        let (message, label_text) = if revisit.always {
            (
                format!(
                    "this jump always returns to {target}, which the contact has already \
                    visited: the run ends here"
                ),
                "always ends the run",
            )
        } else {
            (
                format!(
                    "this jump may return to {target}, which some contacts have already \
                    visited: their run ends here"
                ),
                "sometimes ends the run",
            )
        };
        cx.diagnostics.push(
            Diagnostic::warning("revisit-ends-run", message, label(file, span, label_text))
                .with_label(file, head_span(steps[revisit.to]), "visited before")
                .with_note(
                    "loop prevention: arriving at a step already visited in this run \
                    ends it, marked `completed (loop prevented)`",
                )
                .with_help(
                    "jump to a new step instead (for example a second reminder), or \
                    `end` on purpose",
                ),
        );
    }

    emails_waited_on(cx, file, steps, def, &prepared);
    absolute_waits(cx, file, steps, def, &prepared);
}

/// `wait for open/click E` needs `send E` before it on every path.
fn emails_waited_on(
    cx: &mut Cx,
    file: FileId,
    steps: &[&ast::Step],
    def: &JourneyDef,
    prepared: &flow::Prepared,
) {
    let reachable = prepared.reachable();
    let waits_on_an_email = def.steps.iter().enumerate().any(|(index, step)| {
        let StepOp::WaitFor { arms, .. } = &step.op else {
            return false;
        };
        let on_email = |(condition, _): &(WaitDef, _)| {
            matches!(condition, WaitDef::Open { .. } | WaitDef::Click { .. })
        };
        reachable.contains(index) && arms.iter().any(on_email)
    });
    if !waits_on_an_email {
        return;
    }

    let emails = cx.decls.emails.entries.len();
    let generated: Vec<Vec<usize>> = def
        .steps
        .iter()
        .map(|s| match s.op {
            StepOp::Send { email } => vec![email],
            _ => Vec::new(),
        })
        .collect();
    let facts = flow::sent_before_in(prepared, &generated, emails, flow::DEFAULT_WORK_LIMIT);

    for (index, step) in def.steps.iter().enumerate() {
        let StepOp::WaitFor { arms, .. } = &step.op else {
            continue;
        };
        if !reachable.contains(index) {
            continue;
        }
        let StepKind::WaitFor(wait) = &steps[index].kind else {
            continue;
        };
        let (must, may) = (&facts[index].must, &facts[index].may);
        for ((condition, _), arm) in arms.iter().zip(&wait.arms) {
            let email = match condition {
                WaitDef::Open { email, .. } | WaitDef::Click { email, .. } => *email,
                _ => continue,
            };
            let email_name = cx.decls.emails.entries[email].name;
            if must.contains(email) {
                continue;
            }
            let diagnostic = if may.contains(email) {
                Diagnostic::warning(
                    "email-maybe-not-sent",
                    format!(
                        "some contacts reach this wait without having been sent \
                        `{email_name}`"
                    ),
                    label(file, arm.span, "not sent on every path"),
                )
                .with_note(
                    "those contacts cannot open or click it, so only the timeout can \
                    end their wait",
                )
            } else {
                Diagnostic::error(
                    "email-never-sent",
                    format!("no contact reaching this wait has been sent `{email_name}`"),
                    label(file, arm.span, "never sent before this wait"),
                )
                .with_note("an email that was not sent cannot be opened or clicked")
            };
            cx.diagnostics
                .push(diagnostic.with_help(format!("add `send {email_name}` before this wait")));
        }
    }
}

/// A later absolute wait that ends before an earlier one on every path
/// passes at once (or takes its `late` arm).
fn absolute_waits(
    cx: &mut Cx,
    file: FileId,
    steps: &[&ast::Step],
    def: &JourneyDef,
    prepared: &flow::Prepared,
) {
    let instants: Vec<Option<(i64, bool)>> = def.steps.iter().map(absolute_instant).collect();
    // One wait can end before an earlier one only if there are two.
    if instants.iter().flatten().nth(1).is_none() {
        return;
    }
    let generated: Vec<Vec<usize>> = instants
        .iter()
        .enumerate()
        .map(|(i, t)| if t.is_some() { vec![i] } else { Vec::new() })
        .collect();
    let must_before = flow::must_sent_before_in(prepared, &generated, def.steps.len());
    let reachable = prepared.reachable();

    for (index, instant) in instants.iter().enumerate() {
        let Some((at, exact)) = instant else { continue };
        if !reachable.contains(index) {
            continue;
        }
        let must = &must_before[index];
        let earlier = must.iter().find(|&e| match instants[e] {
            Some((before, before_exact)) => before_exact == *exact && before > *at,
            None => false,
        });
        if let Some(earlier) = earlier {
            cx.diagnostics.push(
                Diagnostic::warning(
                    "wait-already-passed",
                    "this wait ends before an earlier wait on every path, so it has always passed",
                    label(file, steps[index].span, "already passed when reached"),
                )
                .with_label(file, steps[earlier].span, "this earlier wait ends later")
                .with_help(
                    "check the dates; a passed wait lets the contact through at once, \
                    or takes its `late ->` arm",
                ),
            );
        }
    }
}

/// Seconds since the epoch of an absolute wait, and whether it is an exact
/// instant (`true`) or a local date-time (`false`, compared only with other
/// local ones: they share the zone rules of the same contact).
fn absolute_instant(step: &super::program::StepDef) -> Option<(i64, bool)> {
    let StepOp::WaitUntil { target, .. } = &step.op else {
        return None;
    };
    match target {
        UntilDef::Instant { utc_seconds } => Some((*utc_seconds, true)),
        UntilDef::Local { date, time } => {
            let date = chrono::NaiveDate::from_ymd_opt(date.year as i32, date.month, date.day)?;
            let (hour, minute) = time.as_ref().map_or((0, 0), |t| (t.hour, t.minute));
            let at = date.and_hms_opt(hour, minute, 0)?;
            Some((at.and_utc().timestamp(), false))
        }
        _ => None,
    }
}

/// The label of a step, or the whole step when it has none.
fn head_span(step: &ast::Step) -> Span {
    step.label.as_ref().map_or(step.span, |label| label.span)
}

/// What the handoff check needs of one checked journey.
pub struct Handoffs<'a> {
    name: &'a str,
    file: FileId,
    reentry_never: bool,
    /// Each `goto journey`: the journey it hands contacts to, and the step.
    targets: Vec<(usize, Span)>,
}

impl<'a> Handoffs<'a> {
    /// The handoffs of `def`, a journey named `name`.
    pub fn of(name: &'a str, def: &JourneyDef) -> Handoffs<'a> {
        let targets = def.steps.iter().filter_map(|step| match step.op {
            StepOp::GotoJourney { journey } => Some((journey, step.span)),
            _ => None,
        });
        Handoffs {
            name,
            file: def.file,
            reentry_never: matches!(def.reentry, ast::Reentry::Never),
            targets: targets.collect(),
        }
    }
}

/// `goto journey` cycles: a contact handed back to a journey it has already
/// completed is entered again only if that journey's re-entry rule allows.
///
/// A handoff from `a` to `b` comes back when `b` reaches `a`, that is when
/// the two lie in one strongly connected component of the handoff graph;
/// the components are found once for all handoffs, O(journeys + handoffs).
pub fn handoffs(cx: &mut Cx, journeys: &[Handoffs]) {
    let graph = flow::Graph {
        succ: journeys
            .iter()
            .map(|journey| {
                let targets = journey.targets.iter().enumerate();
                targets.map(|(arm, &(to, _))| Edge { to, arm }).collect()
            })
            .collect(),
        waits: vec![false; journeys.len()],
    };
    let component = flow::component_of_every_step(&graph);

    for (from, journey) in journeys.iter().enumerate() {
        for &(to, span) in &journey.targets {
            let target = &journeys[to];
            if !target.reentry_never || component[to] != component[from] {
                continue;
            }
            cx.diagnostics.push(
                Diagnostic::warning(
                    "handoff-blocked-by-reentry",
                    format!(
                        "`{}` and `{}` hand contacts to each other, but `{}` never lets a \
                            contact enter twice",
                        journey.name, target.name, target.name
                    ),
                    label(
                        journey.file,
                        span,
                        format!(
                            "contacts who were in `{}` before are \
                        not entered again",
                            target.name
                        ),
                    ),
                )
                .with_note("such a contact's run ends here instead")
                .with_help(format!(
                    "add `reentry after <duration>` or `reentry always` to `{}` \
                    if they should come back",
                    target.name
                )),
            );
        }
    }
}
