//! Many happenings at once: what `journey serve` does with a batch of
//! events (and with a single one), as [`Engine::happen`] does with one,
//! in one transaction instead of several per happening.
//!
//! The batch happens at one instant. In one transaction, which is also the
//! one commit (one `fsync` on a durable connection) a single event costs:
//! the events' contacts are looked up (`happen_found`; a refusal writes
//! nothing), every happening and the audit rows the caller gives are written,
//! updates changing their contact's fields in the order given; then the
//! runs they wake, every contact's once, are advanced. A run woken by two
//! events of the batch is advanced once and sees both, as it would see an
//! event that happened before it reached its wait. A failure anywhere
//! rolls the whole batch back: nothing of it is recorded.
//!
//! What has transactions of its own follows the commit: date entries
//! scheduled anew for updated contacts (their old ones are dropped inside
//! the transaction; if the process stops before they are scheduled, the
//! engine schedules them when it starts), contacts handed to another
//! journey, and journeys the happenings trigger. Those cost commits of
//! their own; folding them in would need `Engine::enter` to work inside an
//! open batch.

use super::*;
use crate::store::sqlite::AuditEntry;

/// The happenings of a request and their audit rows, once its events were
/// looked up in the store; or why they are refused.
pub type Found<E> = std::result::Result<(Vec<Happening>, Vec<AuditEntry>), E>;

/// What [`Engine::happen_all`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ingested {
    pub tally: Tally,
    /// Whether an advanced run queued an email (delivery has work).
    pub queued_mail: bool,
}

impl Engine<'_> {
    /// Records `happenings` with `audit` and lets them do their work: the
    /// runs of their contacts that wait for them advance, and the journeys
    /// they trigger are entered.
    pub fn happen_all(
        &mut self,
        happenings: &[Happening],
        audit: &[AuditEntry],
        now: i64,
    ) -> Result<Ingested> {
        let given = (happenings.to_vec(), audit.to_vec());
        let found = self.happen_found(now, |_| Ok(Ok::<_, std::convert::Infallible>(given)))?;
        Ok(found.unwrap_or_else(|never| match never {}))
    }

    /// As [`Engine::happen_all`], with the happenings made by `find` from
    /// what the store holds (the events' contacts, looked up) inside the
    /// batch's transaction: a request takes the file's locks once, where a
    /// lookup before the transaction took them twice. When `find` refuses,
    /// nothing is written and its refusal is returned.
    pub fn happen_found<E>(
        &mut self,
        now: i64,
        find: impl FnOnce(&SqliteStore) -> Result<Found<E>>,
    ) -> Result<std::result::Result<Ingested, E>> {
        let program = self.program();
        let dated = program
            .journeys
            .iter()
            .any(|j| j.entries.iter().any(|e| matches!(e, Entry::Date { .. })));

        let done = self.in_batch(|engine| {
            let (happenings, audit) = match find(engine.store)? {
                Ok(found) => found,
                Err(refused) => return Ok(Err(refused)),
            };
            engine.store.write_records(&happenings, &audit, now)?;
            for update in happenings
                .iter()
                .filter(|h| h.kind == HappeningKind::Update)
            {
                engine.update_zone(update)?;
                if dated {
                    // Its dates may have changed: they are scheduled anew.
                    engine.store.forget_date_entries(update.contact)?;
                }
            }
            let runs = engine.woken_runs(&happenings)?;
            if runs.is_empty() {
                return Ok(Ok((happenings, Vec::new(), Vec::new(), false)));
            }
            let steps = engine.decide_advances(&runs, now)?;
            let (steps, unchanged) = engine.leave_unchanged(&runs, steps)?;
            let queued_mail = steps.commits.iter().any(|c| !c.emails.is_empty());
            let (mut outcomes, handoffs) = engine.commit_steps(steps)?;
            outcomes.extend(unchanged.into_iter().map(CommitOutcome::Committed));
            Ok(Ok((happenings, outcomes, handoffs, queued_mail)))
        })?;
        let (happenings, outcomes, handoffs, queued_mail) = match done {
            Ok(done) => done,
            Err(refused) => return Ok(Err(refused)),
        };

        let updated = happenings.iter().any(|h| h.kind == HappeningKind::Update);
        if dated && updated {
            for journey in 0..program.journeys.len() {
                self.schedule_dates(&program, journey as JourneyId, now)?;
            }
        }
        let handed_off = !handoffs.is_empty();
        self.hand_off(handoffs, now)?;
        let mut tally = Tally::default();
        for outcome in outcomes {
            match outcome {
                CommitOutcome::Committed(_) => tally.advanced += 1,
                CommitOutcome::Lost => tally.lost_races += 1,
            }
        }
        for happening in &happenings {
            tally.entered += self.enter_on(happening, now)?;
        }
        Ok(Ok(Ingested {
            tally,
            // An entry or a handoff may queue mail too (a journey that
            // starts with a send): say so rather than look.
            queued_mail: queued_mail || handed_off || tally.entered > 0,
        }))
    }

    /// Leaves out of `steps` those that would write their run as it is
    /// stored: woken (by an update, say), the run found no reason to move
    /// and parked again where it was, on the same timer, with no effect.
    /// Writing it would cost three pages of the commit (the run, and its
    /// entries in the active-run and due-run indexes, which SQLite
    /// rewrites whenever their columns are set) for nothing; its version
    /// stays, which no other engine minds, since nothing changed. Returns
    /// the steps to commit, and the runs left as they were (woken all the
    /// same).
    fn leave_unchanged(&self, runs: &[RunRow], steps: Steps) -> Result<(Steps, Vec<RunId>)> {
        let mut kept = Steps::default();
        let mut unchanged = Vec::new();
        let woken = runs.iter().zip(steps.commits).zip(steps.after);
        for ((run, commit), after) in woken {
            let still = commit.active
                && commit.state == run.state
                && commit.end_reason.is_none()
                && commit.arrived.is_empty()
                && commit.emails.is_empty()
                && commit.segment_adds.is_empty()
                && commit.segment_removes.is_empty()
                && after.1.is_empty()
                && self.store.run_timer(run.id)? == Some((commit.wake_at, commit.wakes));
            match still {
                true => unchanged.push(run.id),
                false => {
                    kept.commits.push(commit);
                    kept.after.push(after);
                }
            }
        }
        Ok((kept, unchanged))
    }

    /// The runs the batch wakes, each once: every active run of a contact
    /// that was updated (its `exit when` may hold now), else those waiting
    /// for what happened to the contact.
    fn woken_runs(&self, happenings: &[Happening]) -> Result<Vec<RunRow>> {
        let mut contacts: Vec<(ContactId, u8, bool)> = Vec::new();
        let mut seen: HashMap<ContactId, usize> = HashMap::new();
        for happening in happenings {
            let wakes = match happening.kind {
                HappeningKind::Open => Wakes::OPEN,
                HappeningKind::Click => Wakes::CLICK,
                HappeningKind::Event => Wakes::EVENT,
                HappeningKind::Update => Wakes::UPDATE,
            };
            let update = happening.kind == HappeningKind::Update;
            match seen.get(&happening.contact) {
                Some(&index) => {
                    contacts[index].1 |= wakes.bits();
                    contacts[index].2 |= update;
                }
                None => {
                    seen.insert(happening.contact, contacts.len());
                    contacts.push((happening.contact, wakes.bits(), update));
                }
            }
        }
        let mut runs = Vec::new();
        for (contact, bits, update) in contacts {
            match update {
                true => runs.extend(self.store.active_runs(contact)?),
                false => runs.extend(self.store.runs_woken_by(contact, bits)?),
            }
        }
        Ok(runs)
    }
}
