//! The VM on tiny journeys compiled from text: the effects each step
//! reports, the statuses of a run, and the rules of the brief's section 4
//! that the VM owns (loop prevention, `exit when`, hand-over, stable
//! splits, `wait for` against its timeout).
//!
//! Contacts are held in memory (`support::Contact`); time is a number the
//! test passes in, so every instant below is exact.

mod support;

use journey_runtime::bytecode::{JourneyId, Program};
use journey_runtime::state::RunState;
use journey_runtime::vm::{split_draw, Effect, EndReason, Status, Vm, WaitOutcome, Wakes};
use support::{compile_source, journey_id, step_index, Contact, Fact, Rng};

const SOURCE: &str = r#"
contact {
  email: email
  plan: text
  enrolled: bool = false
}

list members "Members"

email hello {
  kind treatment
  subject "Hello"
  body "hello.html"
}

journey peer {
  from "Example Health <care@example.org>"
  enter on list members
  exit when contact.enrolled

  send hello
  branch {
    when contact.plan == "gold" -> pause
    else -> pause
  }
  pause: wait 2 days
  end
}

journey reminders {
  from "Example Health <care@example.org>"
  enter on list members
  branch {
    when contact.plan == "gold" -> pause
    else -> remind
  }
  remind: send hello
  pause: wait 3 days
  goto remind
}

journey hand {
  from "Example Health <care@example.org>"
  enter on list members
  send hello
  goto journey peer
}

journey ab {
  enter on list members
  split {
    45% -> a
    45% -> b
    10% -> c
  }
  a: end
  b: end
  c: end
}

journey follow {
  from "Example Health <care@example.org>"
  enter on list members
  send hello
  wait 1 day
  wait for open hello -> seen
           timeout 3 days -> missed
  missed: end
  seen: end
}
"#;

/// 2026-10-26T08:53:20Z: an ordinary moment; every zone here is UTC.
const NOW: i64 = 1_793_000_000;
const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;
const HELLO: u16 = 0;

fn program() -> Program {
    compile_source(SOURCE)
}

fn contact(program: &Program, plan: &str) -> Contact {
    Contact::new(program, 1).with(program, "plan", Fact::Text(plan.into()))
}

/// The run of `journey` so far: its state, last status and all effects.
struct Run<'p> {
    vm: Vm<'p>,
    journey: JourneyId,
    state: RunState,
    status: Status,
    effects: Vec<Effect>,
}

impl<'p> Run<'p> {
    fn enter(program: &'p Program, journey: &str, contact: &Contact, now: i64) -> Run<'p> {
        let vm = Vm::new(program);
        let journey = journey_id(program, journey);
        let mut effects = Vec::new();
        let (state, status) = vm.enter(journey, contact, now, &mut effects);
        Run {
            vm,
            journey,
            state,
            status,
            effects,
        }
    }

    /// Resumes the run; returns only the effects of this resume.
    fn resume(&mut self, contact: &Contact, now: i64) -> Vec<Effect> {
        let mut effects = Vec::new();
        self.status = self
            .vm
            .resume(self.journey, &mut self.state, contact, now, &mut effects);
        self.effects.extend_from_slice(&effects);
        effects
    }

    fn step(&self, id: &str) -> u16 {
        step_index(self.vm.program, self.journey, id)
    }
}

#[test]
fn send_branch_wait_end() {
    let program = program();
    let gold = contact(&program, "gold");
    let due = NOW + 2 * DAY;

    let mut run = Run::enter(&program, "peer", &gold, NOW);
    assert_eq!(run.status, Status::Parked { until: Some(due) });
    assert_eq!(
        run.effects,
        vec![
            Effect::Arrived { step: 0 },
            Effect::Send {
                step: 0,
                email: HELLO
            },
            Effect::Arrived { step: 1 },
            Effect::Branched {
                step: 1,
                arm: Some(0)
            },
            Effect::Arrived { step: 2 },
            Effect::Parked {
                step: 2,
                until: Some(due),
                wakes: Wakes::NOTHING,
            },
        ]
    );
    assert!(run.state.parked.is_some());

    let parked = run.state.clone();
    assert_eq!(run.resume(&gold, due - 1), vec![]);
    assert_eq!(run.status, Status::Parked { until: Some(due) });
    assert_eq!(run.state, parked, "an early resume changes nothing");

    let ended = run.resume(&gold, due);
    assert_eq!(
        ended,
        vec![
            Effect::WaitEnded {
                step: 2,
                outcome: WaitOutcome::Elapsed
            },
            Effect::Arrived { step: 3 },
            Effect::Ended(EndReason::Completed),
        ]
    );
    assert_eq!(run.status, Status::Ended(EndReason::Completed));
    assert_eq!(run.state.parked, None);
}

#[test]
fn the_else_arm_is_reported_as_no_arm() {
    let program = program();
    let silver = contact(&program, "silver");

    let run = Run::enter(&program, "peer", &silver, NOW);
    assert!(run
        .effects
        .contains(&Effect::Branched { step: 1, arm: None }));
    assert_eq!(
        run.status,
        Status::Parked {
            until: Some(NOW + 2 * DAY)
        }
    );
}

#[test]
fn a_late_timer_still_ends_the_wait() {
    let program = program();
    let gold = contact(&program, "gold");

    let mut run = Run::enter(&program, "peer", &gold, NOW);
    let effects = run.resume(&gold, NOW + 9 * DAY);
    assert_eq!(
        effects[0],
        Effect::WaitEnded {
            step: 2,
            outcome: WaitOutcome::Elapsed
        }
    );
    assert_eq!(run.status, Status::Ended(EndReason::Completed));
}

#[test]
fn a_parked_state_survives_encoding_between_timers() {
    let program = program();
    let gold = contact(&program, "gold");
    let mut run = Run::enter(&program, "peer", &gold, NOW);

    let mut bytes = Vec::new();
    run.state.encode(&mut bytes);
    run.state = RunState::decode(&bytes).expect("a parked state decodes");

    run.resume(&gold, NOW + 2 * DAY);
    assert_eq!(run.status, Status::Ended(EndReason::Completed));
}

#[test]
fn exit_when_on_entry_runs_no_step() {
    let program = program();
    let enrolled = contact(&program, "gold").with(&program, "enrolled", Fact::Bool(true));

    let run = Run::enter(&program, "peer", &enrolled, NOW);
    assert_eq!(run.status, Status::Ended(EndReason::Exited));
    assert!(
        !run.effects.iter().any(|e| matches!(e, Effect::Send { .. })),
        "{:?}",
        run.effects
    );
    assert_eq!(run.effects.last(), Some(&Effect::Ended(EndReason::Exited)));
}

#[test]
fn exit_when_ends_a_parked_run_on_resume() {
    let program = program();
    let gold = contact(&program, "gold");
    let mut run = Run::enter(&program, "peer", &gold, NOW);

    let enrolled = gold.with(&program, "enrolled", Fact::Bool(true));
    let effects = run.resume(&enrolled, NOW + HOUR);
    assert_eq!(effects, vec![Effect::Ended(EndReason::Exited)]);
    assert_eq!(run.status, Status::Ended(EndReason::Exited));
    assert_eq!(run.state.parked, None);
}

fn sends(effects: &[Effect]) -> usize {
    effects
        .iter()
        .filter(|e| matches!(e, Effect::Send { .. }))
        .count()
}

#[test]
fn loop_prevention_ends_the_run_at_the_revisited_step() {
    let program = program();
    let silver = contact(&program, "silver");

    let mut run = Run::enter(&program, "reminders", &silver, NOW);
    assert_eq!(
        run.status,
        Status::Parked {
            until: Some(NOW + 3 * DAY)
        }
    );
    run.resume(&silver, NOW + 3 * DAY);

    let remind = run.step("remind");
    assert_eq!(
        run.status,
        Status::Ended(EndReason::LoopPrevented { step: remind })
    );
    assert_eq!(sends(&run.effects), 1, "the loop must not send twice");
    let arrivals_at_goto = run
        .effects
        .iter()
        .filter(|e| **e == Effect::Arrived { step: 3 })
        .count();
    assert_eq!(arrivals_at_goto, 1);
}

#[test]
fn a_back_edge_to_an_unvisited_step_is_followed() {
    let program = program();
    let gold = contact(&program, "gold");

    let mut run = Run::enter(&program, "reminders", &gold, NOW);
    assert_eq!(sends(&run.effects), 0, "gold skips the reminder at first");
    run.resume(&gold, NOW + 3 * DAY);

    let pause = run.step("pause");
    assert_eq!(
        run.status,
        Status::Ended(EndReason::LoopPrevented { step: pause })
    );
    assert_eq!(
        sends(&run.effects),
        1,
        "the jump back reaches `remind` once"
    );
}

#[test]
fn goto_journey_hands_the_contact_off() {
    let program = program();
    let gold = contact(&program, "gold");
    let peer = journey_id(&program, "peer");

    let run = Run::enter(&program, "hand", &gold, NOW);
    assert_eq!(
        run.effects,
        vec![
            Effect::Arrived { step: 0 },
            Effect::Send {
                step: 0,
                email: HELLO
            },
            Effect::Arrived { step: 1 },
            Effect::GotoJourney {
                step: 1,
                journey: peer
            },
            Effect::Ended(EndReason::HandedOff { journey: peer }),
        ]
    );
    assert_eq!(
        run.status,
        Status::Ended(EndReason::HandedOff { journey: peer })
    );
}

/// The arm of the `ab` split that the contact with `key` takes.
fn split_arm(program: &Program, key: u64) -> u16 {
    let contact = Contact::new(program, key);
    let run = Run::enter(program, "ab", &contact, NOW);
    let arms: Vec<u16> = run
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::Split { arm, .. } => Some(*arm),
            _ => None,
        })
        .collect();
    assert_eq!(arms.len(), 1, "{:?}", run.effects);
    assert_eq!(run.status, Status::Ended(EndReason::Completed));
    arms[0]
}

#[test]
fn a_split_draw_is_stable() {
    let program = program();

    for key in [0, 1, 42, u64::MAX] {
        assert_eq!(split_arm(&program, key), split_arm(&program, key));
    }
    // Pinned values, worked out apart from the VM (FNV-1a 64 of the key's
    // little-endian bytes, the journey, a NUL and the step id, modulo
    // 10,000): changing the hash would move contacts between the arms of
    // journeys already running, so it must never change by accident.
    assert_eq!(split_draw(42, "ab", "start+1"), 4_964);
    assert_eq!(split_draw(7, "win_back", "start+2"), 4_699);
}

/// Counts of each arm of the `ab` split (45%, 45%, 10%) over `keys`.
fn arm_counts(program: &Program, keys: impl Iterator<Item = u64>) -> [u32; 3] {
    let mut counts = [0; 3];
    for key in keys {
        counts[split_arm(program, key) as usize] += 1;
    }
    counts
}

#[test]
fn split_shares_hold_over_ten_thousand_contacts() {
    let program = program();
    let mut rng = Rng::new(3);

    let sequential = arm_counts(&program, 0..10_000);
    let random = arm_counts(&program, (0..10_000).map(|_| rng.next_u64()));
    for counts in [sequential, random] {
        for (count, expected) in counts.iter().zip([4_500, 4_500, 1_000]) {
            assert!(
                count.abs_diff(expected) <= 200,
                "{counts:?}: more than 2% from the shares"
            );
        }
    }
}

#[test]
fn an_open_stamped_before_the_timeout_wins_even_when_the_timer_comes_first() {
    let program = program();
    let quiet = contact(&program, "gold");
    let mut run = Run::enter(&program, "follow", &quiet, NOW);
    run.resume(&quiet, NOW + DAY);
    let deadline = NOW + DAY + 3 * DAY;
    assert_eq!(
        run.status,
        Status::Parked {
            until: Some(deadline)
        }
    );

    for (opened_at, wins) in [
        (deadline - 60, true),
        (deadline, true),
        (deadline + 60, false),
    ] {
        let mut late = Run {
            vm: Vm::new(&program),
            journey: run.journey,
            state: run.state.clone(),
            status: run.status,
            effects: Vec::new(),
        };
        let mut opener = quiet.clone();
        opener.opens.push((HELLO, false, opened_at));

        let effects = late.resume(&opener, deadline + HOUR);
        let wait = late.step("start+3");
        let expected = if wins {
            WaitOutcome::Arm {
                arm: 0,
                at: opened_at,
            }
        } else {
            WaitOutcome::Timeout
        };
        assert_eq!(
            effects[0],
            Effect::WaitEnded {
                step: wait,
                outcome: expected
            },
            "opened at deadline {:+}",
            opened_at - deadline
        );
        let to = late.step(if wins { "seen" } else { "missed" });
        assert_eq!(effects[1], Effect::Arrived { step: to });
    }
}

#[test]
fn an_open_before_arriving_at_the_wait_counts() {
    let program = program();
    let mut opener = contact(&program, "gold");
    opener.opens.push((HELLO, true, NOW + HOUR));

    let mut run = Run::enter(&program, "follow", &opener, NOW);
    let effects = run.resume(&opener, NOW + DAY);

    let wait = run.step("start+3");
    assert!(
        effects.contains(&Effect::WaitEnded {
            step: wait,
            outcome: WaitOutcome::Arm {
                arm: 0,
                at: NOW + HOUR
            }
        }),
        "{effects:?}"
    );
    assert_eq!(run.status, Status::Ended(EndReason::Completed));
}
