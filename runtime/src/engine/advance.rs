//! Resuming parked runs: a batch of runs whose timer is due, or that
//! something that happened may wake, advanced by the VM into the commits
//! of their steps.
//!
//! Each run is first tried on a contact that is not read ([`Unread`]): a
//! timer mostly resumes a run into steps that read nothing of its contact,
//! and then its contact's fields, segments and happenings need not be read
//! at all. The runs whose try asked about their contact are resumed again,
//! from their stored state, on their contacts, read in one go. The commits
//! keep the order of the runs either way.

use super::load::Unread;
use super::*;
use crate::vm::{Effect, Status};

/// A run's resume, before it becomes a commit.
struct Resumed {
    journey: JourneyId,
    state: RunState,
    status: Status,
    effects: Vec<Effect>,
}

impl<S: Store + ?Sized> Engine<'_, S> {
    /// The resumes of `runs` at `now`; the contacts of those that read
    /// theirs are read at once.
    pub(super) fn decide_advances(&mut self, runs: &[RunRow], now: i64) -> Result<Steps> {
        let mut steps = Steps::with_capacity(runs.len(), self.observer.is_some());
        // Runs keep their deployment's program: one VM per stretch of runs
        // on the same deployment (usually the whole batch).
        let mut first = 0;
        while first < runs.len() {
            let deployment = runs[first].deployment;
            let end = first
                + runs[first..]
                    .iter()
                    .take_while(|run| run.deployment == deployment)
                    .count();
            self.advance_stretch(&runs[first..end], now, &mut steps)?;
            first = end;
        }
        Ok(steps)
    }

    /// Resumes `runs`, all of one deployment, into `steps`.
    fn advance_stretch(&mut self, runs: &[RunRow], now: i64, steps: &mut Steps) -> Result<()> {
        let deployment = runs[0].deployment;
        let program = self.program_of(deployment)?;
        let names = self.names_of(deployment)?;
        let vm = Vm::new(&program);

        let mut tried = Vec::with_capacity(runs.len());
        let mut to_read = Vec::new();
        for run in runs {
            let facts = Unread::default();
            let resumed = resume(&vm, run, &facts, now)?;
            if facts.asked() {
                to_read.push(run.contact);
                tried.push(None);
            } else {
                tried.push(Some(resumed));
            }
        }
        let rows = if to_read.is_empty() {
            None
        } else {
            Some(Rows::read(self.store, &to_read)?)
        };

        for (run, tried) in runs.iter().zip(tried) {
            let resumed = match (tried, &rows) {
                (Some(resumed), _) => resumed,
                (None, Some(rows)) => {
                    let facts = load::facts(&program, rows.get(run.contact)?)?;
                    resume(&vm, run, &facts, now)?
                }
                (None, None) => unreachable!("a run that asked has its contact read"),
            };
            let Resumed {
                journey,
                state,
                status,
                effects,
            } = resumed;
            let write = RunWrite::Existing {
                id: run.id,
                contact: run.contact,
                version: run.version,
            };
            let commit = step::step_commit(
                &program, &names, journey, write, &state, status, &effects, now,
            );
            steps
                .after
                .push((run.contact, step::handoffs(&program, &effects)));
            if self.observer.is_some() {
                let code = &program.journeys[journey as usize].code;
                steps.kept.push(observe::Kept {
                    deployment,
                    journey,
                    entered: None,
                    effects,
                    parked: commit.active,
                    step: step::current_step(code, state.pc),
                    wake_at: commit.wake_at,
                });
            }
            steps.commits.push(commit);
        }
        Ok(())
    }
}

/// `run` resumed from its stored state on `facts`.
fn resume(vm: &Vm, run: &RunRow, facts: &dyn crate::facts::Facts, now: i64) -> Result<Resumed> {
    let journey = vm
        .program
        .journeys
        .iter()
        .position(|j| j.code.name == run.journey)
        .ok_or_else(|| {
            let journey = &run.journey;
            StoreError::Corrupt(format!("journey `{journey}` not in its deployment"))
        })? as JourneyId;
    let mut state = RunState::decode(&run.state)
        .ok_or_else(|| StoreError::Corrupt(format!("run {} has an unreadable state", run.id)))?;
    let mut effects = Vec::new();
    let status = vm.resume(journey, &mut state, facts, now, &mut effects);
    Ok(Resumed {
        journey,
        state,
        status,
        effects,
    })
}
