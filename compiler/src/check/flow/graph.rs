//! The control-flow graph of one journey, as the flow analyses see it.
//!
//! Steps are numbered in the order they are written; step 0 is the entry.
//! Each step lists its edges: the places control can move to when the step
//! is done (the next step when it falls through, or the targets of its
//! jump arms). A step that ends the run or hands the contact to another
//! journey has no edges. The checker builds this graph from the syntax
//! tree; the analyses only read it.

use super::bitset::BitSet;
use super::lists::Lists;

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

    /// For each step, the steps with an edge to it (each listed once, in
    /// step order): list `s` is the predecessors of step `s`.
    pub(crate) fn predecessors(&self) -> Lists {
        let steps = self.step_count();
        let mut last_from = vec![usize::MAX; steps];
        let mut ends = vec![0; steps];
        for step in 0..steps {
            for next in self.targets(step) {
                if std::mem::replace(&mut last_from[next], step) != step {
                    ends[next] += 1;
                }
            }
        }
        let mut total = 0;
        for end in &mut ends {
            total += *end;
            *end = total;
        }

        // Each list is filled from its end, latest step first.
        let mut items = vec![0; total];
        let mut free_end = ends.clone();
        last_from.fill(usize::MAX);
        for step in (0..steps).rev() {
            for next in self.targets(step) {
                if std::mem::replace(&mut last_from[next], step) != step {
                    free_end[next] -= 1;
                    items[free_end[next]] = step;
                }
            }
        }
        Lists::from_parts(items, ends)
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
    fn predecessors_are_listed_in_step_order() {
        let g = graph(&[&[2, 3], &[], &[0, 2, 3], &[2, 2]]);

        let preds = g.predecessors();

        assert_eq!(preds[0], [2]);
        assert!(preds[1].is_empty());
        assert_eq!(preds[2], [0, 2, 3]);
        assert_eq!(preds[3], [0, 2]);
    }

    #[test]
    fn predecessors_list_each_step_once() {
        let g = graph(&[&[1, 1], &[0]]);

        let preds = g.predecessors();

        assert_eq!(preds.len(), 2);
        assert_eq!(preds[0], [1]);
        assert_eq!(preds[1], [0]);
    }

    #[test]
    fn an_edge_past_the_last_step_is_refused() {
        let broken = graph(&[&[3]]);

        let outcome = std::panic::catch_unwind(|| broken.assert_well_formed());

        assert!(outcome.is_err());
        graph(&[&[0]]).assert_well_formed();
    }
}
