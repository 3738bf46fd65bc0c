//! Test support for the flow analyses: graph builders, a brute-force
//! reference, seeded random graphs, and the tests that compare them.
//!
//! The brute force enumerates every run of a small journey and reads each
//! verdict off the runs directly, with no cleverness to get wrong. The
//! property tests generate thousands of small random graphs and require
//! the fast analyses to agree with it on every one; the shape tests pin
//! both to hand-written answers for the journeys authors actually write.

mod brute_force;
mod properties;
mod random_graphs;
mod shapes;
mod verdicts;

use super::graph::{Edge, Graph};

/// A graph with no waiting steps: `succ[step]` lists the targets of the
/// step's edges, whose arms are numbered in list order.
pub(crate) fn graph(succ: &[&[usize]]) -> Graph {
    graph_with_waits(succ, &[])
}

/// Like [`graph`], with the steps in `waiting` marked as waiting.
pub(crate) fn graph_with_waits(succ: &[&[usize]], waiting: &[usize]) -> Graph {
    Graph {
        succ: succ
            .iter()
            .map(|targets| {
                let arms = targets.iter().enumerate();
                arms.map(|(arm, &to)| Edge { to, arm }).collect()
            })
            .collect(),
        waits: (0..succ.len())
            .map(|step| waiting.contains(&step))
            .collect(),
    }
}
