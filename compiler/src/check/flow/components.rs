//! Strongly connected components: the groups of steps that lie on cycles
//! together.
//!
//! Two steps are in the same component when each can reach the other. A
//! path that leaves a component can never come back to it, which is what
//! makes components useful: a cycle lies inside one component, and a run
//! crosses each component in one stretch.
//!
//! The computation is Kosaraju's: a depth-first walk records the order in
//! which steps finish; a second walk over the reversed edges, taking the
//! steps latest-finished first, collects one component per walk. Both walks
//! are iterative (an explicit stack), so a long journey cannot overflow the
//! call stack. Time O(steps + edges).

use super::bitset::BitSet;
use super::graph::Graph;
use super::lists::Lists;

/// The components of the steps in a chosen set.
pub(crate) struct Components {
    /// The component of each step; `None` for steps outside the chosen set.
    pub(crate) of: Vec<Option<usize>>,
    /// The steps of each component, smallest first. Components are numbered
    /// so that an edge between two of them always goes from a lower number
    /// to a higher one.
    pub(crate) members: Lists,
}

impl Components {
    /// Whether the component holds a cycle: more than one step, or a step
    /// with an edge to itself.
    pub(crate) fn has_cycle(&self, graph: &Graph, component: usize) -> bool {
        match &self.members[component] {
            [only] => graph.targets(*only).any(|next| next == *only),
            steps => steps.len() > 1,
        }
    }
}

/// The components of the subgraph made of the steps in `within` and the
/// edges between them. `preds` are the graph's predecessors
/// ([`Graph::predecessors`]).
pub(crate) fn components(graph: &Graph, within: &BitSet, preds: &Lists) -> Components {
    let finish_order = finish_order(graph, within);
    let latest_first = finish_order.iter().rev();
    components_from(
        graph,
        within,
        preds,
        latest_first.copied(),
        finish_order.len(),
    )
}

/// The components of the reachable steps, given their reverse postorder
/// from step 0 ([`Graph::reverse_postorder`]). A depth-first walk of the
/// reachable steps from step 0 is the first walk of [`components`] (which
/// takes the steps smallest first, 0 first, and finds every reachable step
/// from it), so its reverse postorder is the latest-finished-first order
/// that walk would give.
pub(crate) fn reachable_components(
    graph: &Graph,
    reachable: &BitSet,
    preds: &Lists,
    reverse_postorder: &[usize],
) -> Components {
    let latest_first = reverse_postorder.iter().copied();
    components_from(
        graph,
        reachable,
        preds,
        latest_first,
        reverse_postorder.len(),
    )
}

/// The second walk of Kosaraju's computation: `latest_first` lists the
/// `count` steps of `within`, latest finished first.
fn components_from(
    graph: &Graph,
    within: &BitSet,
    preds: &Lists,
    latest_first: impl Iterator<Item = usize>,
    count: usize,
) -> Components {
    let mut of = vec![None; graph.step_count()];
    let mut members = Lists::with_capacity(count, count);
    let mut stack = Vec::new();
    for root in latest_first {
        if of[root].is_some() {
            continue;
        }

        let id = members.len();
        members.push_item(root);
        of[root] = Some(id);
        stack.push(root);
        while let Some(step) = stack.pop() {
            for &prev in &preds[step] {
                if within.contains(prev) && of[prev].is_none() {
                    of[prev] = Some(id);
                    members.push_item(prev);
                    stack.push(prev);
                }
            }
        }
        members.building_mut().sort_unstable();
        members.end_list();
    }
    Components { of, members }
}

/// The component of every step of `graph`, reachable or not: two steps
/// share a number exactly when each can reach the other. Time O(steps +
/// edges).
pub fn component_of_every_step(graph: &Graph) -> Vec<usize> {
    let every_step = BitSet::full(graph.step_count());
    let found = components(graph, &every_step, &graph.predecessors());
    found
        .of
        .into_iter()
        .map(|component| component.expect("every step is in the chosen set"))
        .collect()
}

/// The steps of `within` in the order a depth-first walk finishes them.
fn finish_order(graph: &Graph, within: &BitSet) -> Vec<usize> {
    let mut order = Vec::with_capacity(within.count());
    let mut seen = BitSet::new(graph.step_count());
    for root in within.iter() {
        if !seen.insert(root) {
            continue;
        }

        let mut stack = vec![(root, 0)];
        while let Some((step, next_edge)) = stack.pop() {
            match graph.succ[step].get(next_edge) {
                Some(edge) => {
                    stack.push((step, next_edge + 1));
                    if within.contains(edge.to) && seen.insert(edge.to) {
                        stack.push((edge.to, 0));
                    }
                }
                None => order.push(step),
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::{components, reachable_components};
    use crate::check::flow::bitset::BitSet;
    use crate::check::flow::testing::graph;

    #[test]
    fn cycles_group_their_steps_and_edges_go_forward_between_groups() {
        let g = graph(&[&[1], &[2], &[1, 3], &[3], &[]]);

        let found = components(&g, &BitSet::full(5), &g.predecessors());

        let component_of = |step: usize| found.of[step].unwrap();
        assert_eq!(found.members[component_of(1)], [1, 2]);
        assert_eq!(found.members.len(), 4);
        assert!(component_of(0) < component_of(1));
        assert!(component_of(1) < component_of(3));
        assert!(found.has_cycle(&g, component_of(1)));
        assert!(found.has_cycle(&g, component_of(3)));
        assert!(!found.has_cycle(&g, component_of(0)));
        assert!(!found.has_cycle(&g, component_of(4)));
    }

    #[test]
    fn the_reverse_postorder_gives_the_same_components_as_their_own_walk() {
        let g = graph(&[&[3, 1], &[2], &[1, 4], &[0, 5], &[4, 6], &[], &[], &[6]]);
        let (reachable, preds) = (g.reachable(), g.predecessors());

        let walked = components(&g, &reachable, &preds);
        let given = reachable_components(&g, &reachable, &preds, &g.reverse_postorder());

        assert_eq!(given.of, walked.of);
        assert_eq!(given.members, walked.members);
        assert_eq!(given.of[7], None);
    }

    #[test]
    fn steps_outside_the_chosen_set_split_a_cycle() {
        let g = graph(&[&[1], &[2], &[0]]);

        let found = components(&g, &BitSet::from_members(3, [0, 1]), &g.predecessors());

        assert_eq!(found.of[2], None);
        assert_eq!(found.members.len(), 2);
        assert_eq!(found.members[0], [0]);
        assert_eq!(found.members[1], [1]);
    }
}
