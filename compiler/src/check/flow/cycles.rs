//! Cycles without a wait: loops that would spin with no time passing.
//!
//! A cycle in which no step waits runs through in an instant and is then
//! cut by loop prevention, so it can never do what its author meant (a
//! reminder every few days, say). The check looks at the reachable steps
//! that do not wait and the edges between them; every strongly connected
//! component of that subgraph that holds a cycle (more than one step, or a
//! step with an edge to itself) is reported once, as its sorted steps.
//!
//! This is finer than asking which components of the whole journey lack a
//! wait. In `a -> b -> a`, `b -> c -> b` with only `c` waiting, the whole
//! component `{a, b, c}` has a wait, yet the cycle `a -> b -> a` has none;
//! leaving out the waiting steps first finds it. Every cycle without a
//! wait lies inside exactly one reported group, and every reported group
//! is covered by such cycles.
//!
//! The components of the whole journey are already known (see
//! `prepared`); the subgraph's components are computed again only inside
//! the components that hold a cycle and a waiting step. Time O(steps +
//! edges) for each of those, plus sorting the report.

use super::bitset::BitSet;
use super::components::components;
use super::graph::Graph;
use super::prepared::Prepared;

/// Each group of reachable, non-waiting steps that lie on cycles with no
/// wait, as sorted steps; groups in order of their smallest step.
pub fn cycles_without_wait(graph: &Graph) -> Vec<Vec<usize>> {
    cycles_without_wait_in(&Prepared::new(graph))
}

/// [`cycles_without_wait`] on a graph already prepared. A cycle lies
/// inside one component of the whole journey, so only components that hold
/// a cycle are looked at: one without a waiting step is a group as it is,
/// and one with waiting steps is split again without them.
pub fn cycles_without_wait_in(prepared: &Prepared) -> Vec<Vec<usize>> {
    let graph = prepared.graph;
    let found = &prepared.components;
    let mut cycles = Vec::new();
    for (component, members) in found.members.iter().enumerate() {
        if !found.has_cycle(graph, component) {
            continue;
        }
        if !members.iter().any(|&step| graph.waits[step]) {
            cycles.push(members.to_vec());
            continue;
        }

        let not_waiting = members.iter().copied().filter(|&step| !graph.waits[step]);
        let candidates = BitSet::from_members(graph.step_count(), not_waiting);
        let inside = components(graph, &candidates, &prepared.preds);
        cycles.extend(
            (0..inside.members.len())
                .filter(|&group| inside.has_cycle(graph, group))
                .map(|group| inside.members[group].to_vec()),
        );
    }
    cycles.sort_unstable();
    cycles
}

#[cfg(test)]
mod tests {
    use super::cycles_without_wait;
    use crate::check::flow::testing::graph_with_waits;

    #[test]
    fn a_loop_through_a_wait_is_fine_and_a_loop_without_one_is_reported() {
        // 0 <-> 1 with no wait; 2 -> 3 -> 2 where 3 waits; 4 jumps to itself.
        let g = graph_with_waits(&[&[1], &[0, 2], &[3], &[2, 4], &[4]], &[3]);

        assert_eq!(cycles_without_wait(&g), [vec![0, 1], vec![4]]);
    }

    #[test]
    fn a_wait_elsewhere_in_the_component_does_not_hide_a_cycle_without_one() {
        let g = graph_with_waits(&[&[1], &[0, 2], &[1]], &[2]);

        assert_eq!(cycles_without_wait(&g), [vec![0, 1]]);
    }

    #[test]
    fn unreachable_cycles_are_left_to_the_unreachable_check() {
        let g = graph_with_waits(&[&[], &[2], &[1]], &[]);

        assert!(cycles_without_wait(&g).is_empty());
    }
}
