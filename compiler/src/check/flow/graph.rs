//! The control-flow graph of one journey, as the flow analyses see it.
//!
//! Steps are numbered in the order they are written; step 0 is the entry.
//! Each step lists its edges: the places control can move to when the step
//! is done (the next step when it falls through, or the targets of its
//! jump arms). A step that ends the run or hands the contact to another
//! journey has no edges. The checker builds this graph from the syntax
//! tree; the analyses only read it.

use super::bitset::BitSet;

/// One way control can leave a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    /// The step control moves to.
    pub to: usize,
    /// Which arm of the step this edge belongs to: 0 for the fall-through
    /// or a step's only jump. The analyses never look at it; they hand it
    /// back in their results so that a message can point at the arm.
    pub arm: usize,
}

/// The steps of one journey and the edges between them.
///
/// Well formed means: `succ` and `waits` have one entry per step, and every
/// edge leads to a step that exists. The analyses panic on a graph that is
/// not well formed, since that is a bug in whoever built it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Graph {
    /// Successors of each step: (target step, the edge's arm for messages).
    pub succ: Vec<Vec<Edge>>,
    /// Whether each step waits (`wait`, `wait until`, `wait for`): time
    /// passes there.
    pub waits: Vec<bool>,
}

impl Graph {
    /// How many steps the journey has.
    pub fn step_count(&self) -> usize {
        self.succ.len()
    }

    /// The steps some run arrives at: those a path from step 0 leads to.
    pub fn reachable(&self) -> BitSet {
        let mut seen = BitSet::new(self.step_count());
        if self.step_count() == 0 {
            return seen;
        }

        seen.insert(0);
        let mut queue = vec![0];
        while let Some(step) = queue.pop() {
            for next in self.targets(step) {
                if seen.insert(next) {
                    queue.push(next);
                }
            }
        }
        seen
    }

    /// The steps an edge of `step` leads to, in arm order, repeats included.
    pub(crate) fn targets(&self, step: usize) -> impl Iterator<Item = usize> + '_ {
        self.succ[step].iter().map(|edge| edge.to)
    }

    /// For each step, the steps with an edge to it (each listed once).
    pub(crate) fn predecessors(&self) -> Vec<Vec<usize>> {
        let mut preds = vec![Vec::new(); self.step_count()];
        for step in 0..self.step_count() {
            for next in self.targets(step) {
                if preds[next].last() != Some(&step) {
                    preds[next].push(step);
                }
            }
        }
        preds
    }

    /// The reachable steps in reverse postorder of a depth-first walk from
    /// step 0: every step comes before the steps it leads to, except along
    /// edges that close a cycle. Forward dataflow converges fastest in this
    /// order.
    pub(crate) fn reverse_postorder(&self) -> Vec<usize> {
        let mut order = Vec::new();
        if self.step_count() == 0 {
            return order;
        }

        let mut seen = BitSet::new(self.step_count());
        seen.insert(0);
        let mut stack = vec![(0, 0)];
        while let Some((step, next_edge)) = stack.pop() {
            match self.succ[step].get(next_edge) {
                Some(edge) => {
                    stack.push((step, next_edge + 1));
                    if seen.insert(edge.to) {
                        stack.push((edge.to, 0));
                    }
                }
                None => order.push(step),
            }
        }
        order.reverse();
        order
    }

    /// Panics with a clear message unless the graph is well formed.
    pub(crate) fn assert_well_formed(&self) {
        assert_eq!(
            self.succ.len(),
            self.waits.len(),
            "flow graph: `succ` and `waits` must have one entry per step"
        );
        for (step, edges) in self.succ.iter().enumerate() {
            for edge in edges {
                assert!(
                    edge.to < self.step_count(),
                    "flow graph: step {step} has an edge to step {}, which does not exist",
                    edge.to
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::check::flow::testing::graph;

    #[test]
    fn reverse_postorder_lists_each_reachable_step_before_its_successors() {
        let g = graph(&[&[1, 2], &[3], &[3], &[1], &[0]]);

        let order = g.reverse_postorder();

        assert_eq!(order.len(), 4);
        assert_eq!(order[0], 0);
        let position = |step| order.iter().position(|&s| s == step).unwrap();
        assert!(position(1) < position(3));
        assert!(position(2) < position(3));
        assert!(!order.contains(&4));
    }

    #[test]
    fn predecessors_list_each_step_once() {
        let g = graph(&[&[1, 1], &[0]]);

        assert_eq!(g.predecessors(), [vec![1], vec![0]]);
    }

    #[test]
    fn an_edge_past_the_last_step_is_refused() {
        let broken = graph(&[&[3]]);

        let outcome = std::panic::catch_unwind(|| broken.assert_well_formed());

        assert!(outcome.is_err());
        graph(&[&[0]]).assert_well_formed();
    }
}
