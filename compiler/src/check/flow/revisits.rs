//! Revisits: edges that loop prevention cuts, always or only sometimes.
//!
//! Taking the edge `u -> v` on a run that has already visited `v` ends the
//! run (loop prevention). The edge is reported when some run that arrives
//! at `u` has visited `v` by then (`u` itself counts, so a step's edge to
//! itself is always cut):
//!
//! - *always* when every run that arrives at `u` has visited `v`: `v`
//!   dominates `u` (see `dataflow`). The author's "go back and try again"
//!   never happens; the edge is just an `end`.
//! - *sometimes* when some runs have visited `v` and others have not: the
//!   edge works on some runs and ends others.
//!
//! "Some run" is decided by the exact search in `runs`: `v` must lie in the
//! component of `u` (otherwise `v` is not reachable from `u` and no run
//! visits `v` before `u`), and then a run must visit `v` and later arrive
//! at `u`. If the search hits its work limit, the edge is reported as
//! *sometimes* with `exact: false`: `v` and `u` are on a cycle together, so
//! reachability says a run might visit `v` first, but no such run was
//! confirmed; the report may be a false alarm.
//!
//! Time: dominators, O(passes × (steps + edges) × steps / 64); then one
//! bounded search per edge that is neither dominated nor obviously forward,
//! O(work limit) each at worst.

use super::graph::Graph;
use super::prepared::Prepared;
use super::runs::{Outcome, Runs};

/// Work units one search may spend before it falls back to reachability.
/// A fraction of a millisecond; no journey of tens of steps comes near it.
pub const DEFAULT_WORK_LIMIT: usize = 50_000;

/// An edge that loop prevention cuts on some or all runs that take it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Revisit {
    /// The step the edge leaves.
    pub from: usize,
    /// The edge's arm within `from`, as given in the graph.
    pub arm: usize,
    /// The step the edge leads back to.
    pub to: usize,
    /// Every run that arrives at `from` has already visited `to`, so the
    /// edge always ends the run. False: only some runs have.
    pub always: bool,
    /// False when the search for a run ran out of work and the report rests
    /// on reachability alone; it may be a false alarm. Always true when
    /// `always` is.
    pub exact: bool,
}

/// Every edge from a reachable step that loop prevention cuts on some run,
/// in step order and then edge order. Uses [`DEFAULT_WORK_LIMIT`].
pub fn revisits(graph: &Graph) -> Vec<Revisit> {
    revisits_within(graph, DEFAULT_WORK_LIMIT)
}

/// [`revisits`] with a chosen work limit per search.
pub fn revisits_within(graph: &Graph, work_limit: usize) -> Vec<Revisit> {
    revisits_in(&Prepared::new(graph), work_limit)
}

/// [`revisits_within`] on a graph already prepared.
pub fn revisits_in(prepared: &Prepared, work_limit: usize) -> Vec<Revisit> {
    let graph = prepared.graph;
    let runs = Runs::new(prepared, work_limit);

    let mut found = Vec::new();
    for from in 0..graph.step_count() {
        let Some(component) = runs.component_of(from) else {
            continue;
        };
        for edge in &graph.succ[from] {
            let revisit = |always, exact| Revisit {
                from,
                arm: edge.arm,
                to: edge.to,
                always,
                exact,
            };
            if runs.dominates(edge.to, from) {
                found.push(revisit(true, true));
                continue;
            }
            if runs.component_of(edge.to) != Some(component) {
                continue;
            }
            match runs.through(edge.to, from) {
                Outcome::Found => found.push(revisit(false, true)),
                Outcome::GaveUp => found.push(revisit(false, false)),
                Outcome::Absent => {}
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::{revisits, revisits_within, Revisit};
    use crate::check::flow::testing::graph;

    fn cut(from: usize, arm: usize, to: usize, always: bool) -> Revisit {
        Revisit {
            from,
            arm,
            to,
            always,
            exact: true,
        }
    }

    #[test]
    fn an_edge_to_a_step_every_run_has_passed_is_always_cut() {
        let g = graph(&[&[1], &[2], &[0, 3], &[3]]);

        assert_eq!(revisits(&g), [cut(2, 0, 0, true), cut(3, 0, 3, true)]);
    }

    #[test]
    fn an_edge_back_into_one_arm_of_a_branch_is_sometimes_cut() {
        // 0 -> 1 branches to 2 or 3; 2 falls through to 3; 3 jumps to 2.
        let g = graph(&[&[1], &[2, 3], &[3], &[2]]);

        assert_eq!(revisits(&g), [cut(2, 0, 3, false), cut(3, 0, 2, false)]);
    }

    #[test]
    fn a_forward_edge_inside_a_cycle_is_not_reported_unless_the_search_gives_up() {
        // 0 branches to 2 or falls through to 1; 1 falls through to 2; 2
        // jumps back to 0. The edge 1 -> 2 goes forward on every run, but
        // neither reachability nor dominators can tell; only the search.
        let g = graph(&[&[2, 1], &[2], &[0]]);

        assert_eq!(revisits(&g), [cut(2, 0, 0, true)]);
        let guessed = revisits_within(&g, 0);
        let unconfirmed = Revisit {
            exact: false,
            ..cut(1, 0, 2, false)
        };
        assert_eq!(guessed, [unconfirmed, cut(2, 0, 0, true)]);
    }
}
