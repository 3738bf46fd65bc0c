//! "On some run": the exact search for a run that visits one step and later
//! arrives at another.
//!
//! The question: is there a run (a path from step 0 that visits no step
//! twice) that visits step `via` and ends at step `to`? Plain reachability
//! (0 reaches `via`, `via` reaches `to`) is not enough: the only way from
//! `via` to `to` may pass a step the run already visited on its way to
//! `via`, and loop prevention ends the run there. In general the question
//! is NP-complete (it contains the two disjoint paths problem), so this is
//! a bounded search.
//!
//! Components (see `components`) shrink the search. A run crosses each
//! component in one stretch, and the stretches before and after the
//! component of `via` lie in different components, so they never collide.
//! Only the stretch inside the component of `via` needs care: it starts at
//! an *entry* of the component (step 0, or a step with an edge from a
//! reachable step outside the component), passes `via`, and ends at `to`
//! (when `to` is in the component; callers handle leaving it). So the
//! search runs inside one component, usually a handful of steps, in three
//! stages, cheapest first:
//!
//! 1. Refute by dominators: if `to` dominates `via`, every run that gets
//!    to `via` has visited `to` already, so none arrives at `to` later.
//! 2. Try a likely witness: from each entry, a shortest path to `via` that
//!    avoids `to`, then a walk from `via` to `to` around that path. Most
//!    real answers are settled here in O(steps + edges). [`Runs::after`]
//!    asks this for all the steps of the component at once: one shortest
//!    path to `via` per entry, one walk onwards, and every step the walk
//!    reaches is settled.
//! 3. Search exhaustively: from each entry, walk depth first along paths
//!    that avoid `to` and repeat no step, until the walk arrives at `via`;
//!    there, one walk decides whether `to` is reachable around the path.
//!    Before extending the path, prune: give up on this branch unless
//!    `via` is still reachable from the current step, and `to` from `via`,
//!    around the steps already on the path and the dominators of `via`
//!    (every run to `via` will have visited those).
//!
//! Every visited step and scanned edge costs one unit of work, and each
//! question has a work limit; all questions on one graph together may
//! spend [`TOTAL_WORK_FACTOR`] times that. A search that hits a limit
//! answers [`Outcome::GaveUp`]; callers then fall back to reachability
//! (which holds inside a component) and say the answer is not exact. The
//! worst case per question is therefore O(work limit), and per graph
//! O(work limit × TOTAL_WORK_FACTOR) on top of the cheap stages.

use std::cell::Cell;
use std::collections::VecDeque;

use super::bitset::BitSet;
use super::components::Components;
use super::graph::Graph;
use super::lists::Lists;
use super::prepared::Prepared;

/// What a bounded search found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A run exists.
    Found,
    /// No run exists.
    Absent,
    /// The work limit was reached before the search could tell.
    GaveUp,
}

/// How many questions' worth of work one [`Runs`] may spend in all. Beyond
/// that every question gives up at once, so that one pathological journey
/// costs at most a few tens of milliseconds, however many questions it
/// raises.
pub(crate) const TOTAL_WORK_FACTOR: usize = 40;

/// Questions about runs on one prepared graph, under one work budget.
pub(crate) struct Runs<'p, 'g> {
    graph: &'g Graph,
    components: &'p Components,
    entries: &'p Lists,
    dominators: &'p [BitSet],
    work_limit: usize,
    /// Work left for all questions together.
    total_work_left: Cell<usize>,
}

impl<'p, 'g> Runs<'p, 'g> {
    /// Prepares searches on a prepared graph, each question allowed
    /// `work_limit` units and all of them together [`TOTAL_WORK_FACTOR`]
    /// times that.
    pub(crate) fn new(prepared: &'p Prepared<'g>, work_limit: usize) -> Runs<'p, 'g> {
        Runs {
            graph: prepared.graph,
            components: &prepared.components,
            entries: &prepared.entries,
            dominators: &prepared.dominators,
            work_limit,
            total_work_left: Cell::new(work_limit.saturating_mul(TOTAL_WORK_FACTOR)),
        }
    }

    /// The component of a reachable step; `None` for an unreachable one.
    pub(crate) fn component_of(&self, step: usize) -> Option<usize> {
        self.components.of[step]
    }

    /// Whether every run that arrives at `step` has visited `earlier` (or
    /// `earlier` is `step`). False for a step no run reaches.
    pub(crate) fn dominates(&self, earlier: usize, step: usize) -> bool {
        self.components.of[step].is_some() && self.dominators[step].contains(earlier)
    }

    /// Whether some run visits `via` and later arrives at `to`, where both
    /// are reachable steps of one component. When `via` is `to` the answer
    /// is yes: every run that arrives at `to` has visited it.
    pub(crate) fn through(&self, via: usize, to: usize) -> Outcome {
        let component = self.components.of[via].expect("`via` must be reachable");
        assert_eq!(
            self.components.of[to],
            Some(component),
            "`via` and `to` must share a component"
        );
        if via == to {
            return Outcome::Found;
        }
        if self.dominators[via].contains(to) {
            return Outcome::Absent;
        }

        let mut budget = self.take_budget();
        let mut outcome = self.likely_witness(via, to, &mut budget);
        if outcome == Outcome::Absent {
            let mut search = Search {
                runs: self,
                component,
                via,
                to,
                budget: &mut budget,
                on_path: BitSet::new(self.graph.step_count()),
            };
            outcome = search.exhaustive();
        }
        self.return_budget(budget);
        outcome
    }

    /// For each step of the component of the reachable step `via`, other
    /// than `via`: whether some run visits `via` and later arrives there.
    pub(crate) fn after(&self, via: usize) -> Vec<(usize, Outcome)> {
        let component = self.components.of[via].expect("`via` must be reachable");
        let members = &self.components.members[component];
        if members.len() == 1 {
            return Vec::new();
        }

        let mut budget = self.take_budget();
        let mut surely_after = BitSet::new(self.graph.step_count());
        for &entry in &self.entries[component] {
            let nothing = BitSet::new(self.graph.step_count());
            let Some(prefix) = self.shortest_prefix(entry, via, &nothing, &mut budget) else {
                continue;
            };
            if let Some(came_from) = self.walk(component, via, &prefix, None, &mut budget) {
                let reached = (0..came_from.len()).filter(|&step| came_from[step].is_some());
                surely_after.union_with(&BitSet::from_members(came_from.len(), reached));
            }
        }
        self.return_budget(budget);

        members
            .iter()
            .filter(|&&step| step != via)
            .map(|&step| match surely_after.contains(step) {
                true => (step, Outcome::Found),
                false => (step, self.through(via, step)),
            })
            .collect()
    }

    /// Stage 2 for one question: a shortest way from an entry to `via`
    /// that avoids `to`, then onwards to `to`. `Absent` here means only
    /// that this guess failed.
    fn likely_witness(&self, via: usize, to: usize, budget: &mut Budget) -> Outcome {
        let component = self.components.of[via].expect("`via` must be reachable");
        let avoid_to = BitSet::from_members(self.graph.step_count(), [to]);
        for &entry in self.entries[component].iter().filter(|&&e| e != to) {
            if budget.exhausted() {
                return Outcome::GaveUp;
            }
            let Some(prefix) = self.shortest_prefix(entry, via, &avoid_to, budget) else {
                continue;
            };
            match self.walk(component, via, &prefix, Some(to), budget) {
                None => return Outcome::GaveUp,
                Some(came_from) if came_from[to].is_some() => return Outcome::Found,
                Some(_) => {}
            }
        }
        match budget.exhausted() {
            true => Outcome::GaveUp,
            false => Outcome::Absent,
        }
    }

    /// The steps before `via` on a shortest path inside the component from
    /// `entry` to `via` that avoids `blocked`; `None` when there is no such
    /// path or the budget ran out (which the budget remembers).
    fn shortest_prefix(
        &self,
        entry: usize,
        via: usize,
        blocked: &BitSet,
        budget: &mut Budget,
    ) -> Option<BitSet> {
        let component = self.components.of[via].expect("`via` must be reachable");
        let came_from = self.walk(component, entry, blocked, Some(via), budget)?;
        came_from[via]?;

        let mut prefix = BitSet::new(self.graph.step_count());
        let mut step = via;
        while step != entry {
            step = came_from[step].expect("a walked step knows where it came from");
            prefix.insert(step);
        }
        Some(prefix)
    }

    /// Walks `component` breadth first from `start` without entering a
    /// `blocked` step, stopping early on arrival at `until`. For each step
    /// reached, the step it was first reached from (`start` itself for
    /// `start`); `None` when the budget ran out.
    fn walk(
        &self,
        component: usize,
        start: usize,
        blocked: &BitSet,
        until: Option<usize>,
        budget: &mut Budget,
    ) -> Option<Vec<Option<usize>>> {
        let mut came_from = vec![None; self.graph.step_count()];
        came_from[start] = Some(start);
        let mut queue = VecDeque::from([start]);
        while let Some(step) = queue.pop_front() {
            if !budget.spend(1 + self.graph.succ[step].len()) {
                return None;
            }
            if Some(step) == until {
                break;
            }
            for next in self.graph.targets(step) {
                let inside = self.components.of[next] == Some(component);
                if inside && came_from[next].is_none() && !blocked.contains(next) {
                    came_from[next] = Some(step);
                    queue.push_back(next);
                }
            }
        }
        Some(came_from)
    }

    /// The work one question may spend: its own limit, or what is left of
    /// the total if that is less.
    fn take_budget(&self) -> Budget {
        let allowed = self.work_limit.min(self.total_work_left.get());
        self.total_work_left
            .set(self.total_work_left.get() - allowed);
        Budget {
            left: allowed,
            exhausted: false,
        }
    }

    fn return_budget(&self, budget: Budget) {
        self.total_work_left
            .set(self.total_work_left.get() + budget.left);
    }
}

/// Work units a question may still spend.
struct Budget {
    left: usize,
    /// Set once a spend was refused: the answer can no longer be exact.
    exhausted: bool,
}

impl Budget {
    /// Takes `units` from what is left; false when not enough is left.
    fn spend(&mut self, units: usize) -> bool {
        match self.left.checked_sub(units) {
            Some(left) => self.left = left,
            None => self.exhausted = true,
        }
        !self.exhausted
    }

    fn exhausted(&self) -> bool {
        self.exhausted
    }
}

/// Stage 3 of one question: the path walked so far.
struct Search<'r, 'p, 'g, 'b> {
    runs: &'r Runs<'p, 'g>,
    component: usize,
    via: usize,
    to: usize,
    budget: &'b mut Budget,
    on_path: BitSet,
}

impl Search<'_, '_, '_, '_> {
    /// Every path from every entry, pruned.
    fn exhaustive(&mut self) -> Outcome {
        let (runs, to) = (self.runs, self.to);
        for &entry in runs.entries[self.component].iter().filter(|&&e| e != to) {
            self.on_path.insert(entry);
            let outcome = self.extend(entry);
            self.on_path.remove(entry);
            if outcome != Outcome::Absent {
                return outcome;
            }
        }
        Outcome::Absent
    }

    /// Searches every extension of the current path, which ends at `step`.
    fn extend(&mut self, step: usize) -> Outcome {
        if !self.budget.spend(1) {
            return Outcome::GaveUp;
        }

        if step == self.via {
            let mut blocked = self.on_path.clone();
            blocked.remove(self.via);
            return self.reaches(self.via, self.to, &blocked);
        }

        let mut blocked = self.on_path.clone();
        blocked.remove(step);
        blocked.insert(self.to);
        let via_still_reachable = self.reaches(step, self.via, &blocked);
        if via_still_reachable != Outcome::Found {
            return via_still_reachable;
        }
        let mut blocked = self.runs.dominators[self.via].clone();
        blocked.remove(self.via);
        blocked.union_with(&self.on_path);
        let to_still_reachable = self.reaches(self.via, self.to, &blocked);
        if to_still_reachable != Outcome::Found {
            return to_still_reachable;
        }

        let mut nexts: Vec<usize> = self.runs.graph.targets(step).collect();
        nexts.sort_unstable();
        nexts.dedup();
        for next in nexts {
            let inside = self.runs.components.of[next] == Some(self.component);
            if !inside || next == self.to || self.on_path.contains(next) {
                continue;
            }
            self.on_path.insert(next);
            let outcome = self.extend(next);
            self.on_path.remove(next);
            if outcome != Outcome::Absent {
                return outcome;
            }
        }
        Outcome::Absent
    }

    /// Whether `target` is reachable from `start` inside the component
    /// without entering a `blocked` step.
    fn reaches(&mut self, start: usize, target: usize, blocked: &BitSet) -> Outcome {
        let walked = self
            .runs
            .walk(self.component, start, blocked, Some(target), self.budget);
        match walked {
            None => Outcome::GaveUp,
            Some(came_from) if came_from[target].is_some() => Outcome::Found,
            Some(_) => Outcome::Absent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Outcome, Runs};
    use crate::check::flow::prepared::Prepared;
    use crate::check::flow::testing::graph;

    const PLENTY: usize = 1_000_000;

    #[test]
    fn a_step_reachable_only_back_through_the_path_is_not_on_a_run() {
        // 0 -> 1 -> 2 -> 3 -> 1: from 3 the only way on is back to 1, so no
        // run visits 3 and then arrives at 2.
        let g = graph(&[&[1], &[2], &[3], &[1]]);
        let prepared = Prepared::new(&g);
        let runs = Runs::new(&prepared, PLENTY);

        assert_eq!(runs.through(3, 2), Outcome::Absent);
        assert_eq!(runs.through(2, 3), Outcome::Found);
        assert_eq!(runs.through(2, 2), Outcome::Found);
    }

    #[test]
    fn a_second_entry_into_a_cycle_opens_another_order() {
        // 0 branches into the cycle 1 <-> 2 at either step.
        let g = graph(&[&[1, 2], &[2], &[1]]);
        let prepared = Prepared::new(&g);
        let runs = Runs::new(&prepared, PLENTY);

        assert_eq!(runs.through(2, 1), Outcome::Found);
        assert_eq!(runs.through(1, 2), Outcome::Found);
    }

    #[test]
    fn a_search_that_runs_out_of_work_says_so() {
        let g = graph(&[&[1, 2], &[2], &[1]]);
        let prepared = Prepared::new(&g);
        let runs = Runs::new(&prepared, 0);

        assert_eq!(runs.through(2, 1), Outcome::GaveUp);
        assert_eq!(runs.through(1, 1), Outcome::Found);
    }
}
