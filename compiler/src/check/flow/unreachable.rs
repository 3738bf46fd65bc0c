//! Unreachable steps: steps no run ever arrives at.
//!
//! A step is reachable when some path of edges leads to it from step 0.
//! Loop prevention does not change the answer: any path can be shortened
//! to one that visits no step twice (cut out the part between two visits),
//! and such a path is a run. One forgotten jump usually strands several
//! steps in a row, so only the first step of each stretch of consecutive
//! unreachable steps is reported: one mistake, one message.

use super::graph::Graph;
use super::prepared::Prepared;

/// The first step of each maximal stretch of consecutive unreachable steps,
/// in step order. Time O(steps + edges).
pub fn unreachable(graph: &Graph) -> Vec<usize> {
    unreachable_in(&Prepared::new(graph))
}

/// [`unreachable`] on a graph already prepared.
pub fn unreachable_in(prepared: &Prepared) -> Vec<usize> {
    let reachable = &prepared.reachable;

    (0..prepared.graph.step_count())
        .filter(|&step| !reachable.contains(step))
        .filter(|&step| step == 0 || reachable.contains(step - 1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::unreachable;
    use crate::check::flow::graph::Graph;
    use crate::check::flow::testing::graph;

    #[test]
    fn each_stretch_of_unreachable_steps_is_reported_once() {
        let g = graph(&[&[1, 4], &[], &[3], &[4], &[], &[], &[]]);

        assert_eq!(unreachable(&g), [2, 5]);
    }

    #[test]
    fn a_journey_without_steps_has_nothing_to_report() {
        assert_eq!(unreachable(&Graph::default()), Vec::<usize>::new());
    }
}
