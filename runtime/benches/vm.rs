//! How fast the VM runs a tiny journey for a million contacts.
//!
//! The journey is the peer benchmark of the design brief: `send`, `branch`
//! on `contact.plan == "gold"`, `wait 2 days`, `end`. Contacts live in
//! memory; the clock is virtual (each contact enters at its own second of
//! one day); the effects of a contact go to one reused `Vec`, and are only
//! counted. Three phases are timed apart:
//!
//! - enter: from entry until the run parks at the wait (three steps);
//! - resume: the timer at +2 days, from the wait to `end`;
//! - the parked state's compact encoding: size, and encode + decode time;
//! - the parts an entry is made of, each on its own: the `wait 2 days`
//!   calendar arithmetic, the branch condition, a new run state's first
//!   visited step, and (for journeys with a split) one split draw. These
//!   show where the time of an entry goes.
//!
//! Instructions are counted from the effects: each step is two
//! instructions (`Arrive` and its own), and a resume runs the `Wait` once
//! more before the next `Arrive`. Every phase runs three times; the best
//! run is reported (the machine is shared, so the others only add noise).
//! The parked states go to one buffer that every round reuses, as a host
//! reuses its own: in the first round the kernel hands its pages over
//! fresh (a page fault and a zeroed page every 4 KiB), which is no work of
//! the VM's. That first round is printed too.
//! The whole run is done twice: with contacts in UTC, and with contacts in
//! `America/Chicago`, where `wait 2 days` is calendar arithmetic in a zone.
//!
//! Run: `cargo bench -p journey-runtime --bench vm`. `JOURNEY_BENCH_CONTACTS`
//! sets another number of contacts.

#[path = "../tests/support/mod.rs"]
mod support;

use chrono_tz::Tz;
use journey_runtime::bytecode::{Instr, Program};
use journey_runtime::eval::{holds, Scope};
use journey_runtime::state::RunState;
use journey_runtime::timing;
use journey_runtime::vm::{split_draw, Effect, Status, Vm};
use std::hint::black_box;
use std::time::{Duration, Instant};
use support::{compile_source, journey_id, Contact, Fact, PEER_JOURNEY, START};

const ROUNDS: usize = 3;
const GOAL_CONTACTS_PER_SECOND: f64 = 10_000_000.0;

fn main() {
    let count: usize = std::env::var("JOURNEY_BENCH_CONTACTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let program = compile_source(PEER_JOURNEY);

    println!("journey-runtime VM benchmark: {count} contacts, best of {ROUNDS} rounds");
    for zone in [None, Some(chrono_tz::America::Chicago)] {
        let contacts = contacts(&program, count, zone);
        let name = zone.map_or("UTC".to_string(), |z| z.name().to_string());
        println!("\ncontacts in {name}");
        measure(&program, &contacts);
    }
}

/// `count` contacts, one in four on the gold plan.
fn contacts(program: &Program, count: usize, zone: Option<Tz>) -> Vec<Contact> {
    (0..count)
        .map(|i| {
            let plan = if i % 4 == 0 { "gold" } else { "silver" };
            let mut contact =
                Contact::new(program, i as u64).with(program, "plan", Fact::Text(plan.into()));
            contact.zone = zone;
            contact
        })
        .collect()
}

/// What one phase did and how long it took.
struct Phase {
    elapsed: Duration,
    instructions: u64,
    effects: u64,
}

impl Phase {
    fn report(&self, name: &str, contacts: usize) {
        let seconds = self.elapsed.as_secs_f64();
        println!(
            "  {name:<7} {:>7.1} ms  {:>6.2} M contacts/s  {:>6.1} ns/contact  \
             {:>5.2} ns/instruction  ({} instructions, {} effects)",
            seconds * 1e3,
            contacts as f64 / seconds / 1e6,
            seconds * 1e9 / contacts as f64,
            seconds * 1e9 / self.instructions as f64,
            self.instructions,
            self.effects,
        );
    }
}

/// The fastest of the rounds of a phase.
fn best(phases: &[Phase]) -> &Phase {
    phases
        .iter()
        .min_by_key(|p| p.elapsed)
        .expect("at least one round")
}

fn arrivals(effects: &[Effect]) -> u64 {
    effects
        .iter()
        .filter(|e| matches!(e, Effect::Arrived { .. }))
        .count() as u64
}

fn measure(program: &Program, contacts: &[Contact]) {
    let vm = Vm::new(program);
    let peer = journey_id(program, "peer");

    let mut states = Vec::with_capacity(contacts.len());
    let mut resumed = Vec::with_capacity(contacts.len());
    let mut enters = Vec::new();
    let mut resumes = Vec::new();
    for _ in 0..ROUNDS {
        enters.push(enter_all(&vm, peer, contacts, &mut states));
        resumed.clear();
        resumed.extend_from_slice(&states);
        resumes.push(resume_all(&vm, peer, contacts, &mut resumed));
    }

    let enter = best(&enters);
    enter.report("enter", contacts.len());
    best(&resumes).report("resume", contacts.len());
    let first = enters[0].elapsed.as_secs_f64();
    println!(
        "  enter's first round, the states' pages fresh from the kernel: {:.1} ms, \
         {:.2} M contacts/s",
        first * 1e3,
        contacts.len() as f64 / first / 1e6
    );
    let rate = contacts.len() as f64 / enter.elapsed.as_secs_f64();
    println!(
        "  goal {:.0} M contacts/s entered: {}",
        GOAL_CONTACTS_PER_SECOND / 1e6,
        if rate >= GOAL_CONTACTS_PER_SECOND {
            "met"
        } else {
            "NOT met"
        }
    );
    state_encoding(&states);
    parts(program, contacts);
}

/// Enters every contact, parking each run's state in `states`.
fn enter_all(vm: &Vm, peer: u16, contacts: &[Contact], states: &mut Vec<RunState>) -> Phase {
    states.clear();
    let mut effects = Vec::with_capacity(16);
    let mut arrived = 0;
    let mut effect_count = 0;

    let started = Instant::now();
    for (i, contact) in contacts.iter().enumerate() {
        effects.clear();
        let now = START + (i % 86_400) as i64;
        let (state, status) = vm.enter(peer, contact, now, &mut effects);
        arrived += arrivals(&effects);
        effect_count += effects.len() as u64;
        black_box(status);
        states.push(state);
    }
    let elapsed = started.elapsed();

    assert!(states.iter().all(|s| s.parked.is_some()), "all parked");
    Phase {
        elapsed,
        instructions: arrived * 2,
        effects: effect_count,
    }
}

/// Fires every parked run's timer at its due time.
fn resume_all(vm: &Vm, peer: u16, contacts: &[Contact], states: &mut [RunState]) -> Phase {
    let mut effects = Vec::with_capacity(16);
    let mut arrived = 0;
    let mut effect_count = 0;
    let mut completed = 0;

    let started = Instant::now();
    for (state, contact) in states.iter_mut().zip(contacts) {
        effects.clear();
        let due = state.parked.and_then(|p| p.until).expect("a timer");
        let status = vm.resume(peer, state, contact, due, &mut effects);
        arrived += arrivals(&effects);
        effect_count += effects.len() as u64;
        completed += matches!(status, Status::Ended(_)) as usize;
    }
    let elapsed = started.elapsed();

    assert_eq!(completed, contacts.len(), "every run ends");
    Phase {
        elapsed,
        instructions: arrived * 2 + contacts.len() as u64,
        effects: effect_count,
    }
}

/// Size of the parked states' encoding, and encode + decode time.
fn state_encoding(states: &[RunState]) {
    let mut bytes = Vec::with_capacity(64);
    let mut total = 0;
    let mut largest = 0;
    let mut best = Duration::MAX;

    for _ in 0..ROUNDS {
        total = 0;
        let started = Instant::now();
        for state in states {
            bytes.clear();
            state.encode(&mut bytes);
            total += bytes.len();
            largest = largest.max(bytes.len());
            black_box(RunState::decode(black_box(&bytes)));
        }
        best = best.min(started.elapsed());
    }

    println!(
        "  parked state: {:.1} bytes on average, {largest} at most; \
         encode + decode {:.1} ns",
        total as f64 / states.len() as f64,
        best.as_secs_f64() * 1e9 / states.len() as f64
    );
}

/// Nanoseconds per call of `work`, best of [`ROUNDS`], over `calls` calls.
fn per_call(calls: usize, mut work: impl FnMut(usize)) -> f64 {
    let mut best = Duration::MAX;
    for _ in 0..ROUNDS {
        let started = Instant::now();
        for i in 0..calls {
            work(i);
        }
        best = best.min(started.elapsed());
    }
    best.as_secs_f64() * 1e9 / calls as f64
}

/// The cost of each part of an entry, measured on its own.
fn parts(program: &Program, contacts: &[Contact]) {
    let vm = Vm::new(program);
    let peer = journey_id(program, "peer");
    let code = &program.journeys[peer as usize].code;
    let two_days = &code.durations[0];
    let condition = code.branches[0].arms[0].0;
    let wait_step = code
        .code
        .iter()
        .position(|i| matches!(i, Instr::Wait { .. }))
        .expect("the journey waits");
    let step_id = code.steps[wait_step / 2].id.as_str();
    let calls = contacts.len();

    let wait = per_call(calls, |i| {
        let zone = vm.zone(peer, &contacts[i]);
        black_box(timing::add(
            START + i as i64,
            black_box(two_days),
            false,
            zone,
        ));
    });
    let branch = per_call(calls, |i| {
        let contact = &contacts[i];
        let scope = Scope {
            facts: contact,
            now: START,
            zone: vm.zone(peer, contact),
            since: START,
            event: &[],
        };
        black_box(holds(code, condition, &scope));
    });
    let visit = per_call(calls, |i| {
        let mut state = RunState::new(START + i as i64);
        black_box(state.visited.insert(0));
        black_box(state);
    });
    let split = per_call(calls, |i| {
        black_box(split_draw(i as u64, &code.name, step_id));
    });

    println!(
        "  parts: wait 2 days {wait:.1} ns, branch condition {branch:.1} ns, \
         new state + first visit {visit:.1} ns, split draw {split:.1} ns"
    );
}
