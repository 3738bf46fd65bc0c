//! What the analyses of one graph share, computed once per graph.
//!
//! The checker asks several questions of each journey's graph: which steps
//! are unreachable, which cycles have no wait, which edges loop prevention
//! cuts, and which facts hold before each step (twice, for emails and for
//! absolute waits). Each question needs some of the same groundwork: the
//! reachable steps, each step's predecessors, a reverse postorder, the
//! components of the reachable steps with their entries, and the
//! dominators. [`Prepared`] does that groundwork once; each analysis has a
//! form that takes it (`revisits_in`, `sent_before_in`, ...), and its plain
//! form prepares the graph for that one question.
//!
//! Preparing costs what one analysis used to spend before its first
//! question: O(steps + edges) for the walks, plus the dominators,
//! O(passes × (steps + edges) × steps / 64), plus what each step reaches
//! past its component, O((steps + edges) × steps / 64).

use super::bitset::BitSet;
use super::components::{reachable_components, Components};
use super::dataflow::dominators;
use super::graph::Graph;
use super::lists::Lists;

/// One graph with the groundwork every analysis needs.
pub struct Prepared<'g> {
    pub(crate) graph: &'g Graph,
    /// The steps some run arrives at.
    pub(crate) reachable: BitSet,
    /// For each step, the steps with an edge to it, each listed once.
    pub(crate) preds: Lists,
    /// The reachable steps in reverse postorder (see
    /// [`Graph::reverse_postorder`]).
    pub(crate) order: Vec<usize>,
    /// The components of the reachable steps.
    pub(crate) components: Components,
    /// For each component, its entries: step 0, or steps with an edge from
    /// a reachable step outside the component.
    pub(crate) entries: Lists,
    /// Whether every reachable predecessor of each step other than 0
    /// comes before it in `order`: no edge closes a cycle except into
    /// step 0, so one pass of a forward dataflow in that order is final.
    pub(crate) forward_only: bool,
    /// For each step, the steps that dominate it, itself included.
    pub(crate) dominators: Vec<BitSet>,
    /// For each reachable step, the steps reachable from its edges that
    /// leave its component (empty for an unreachable step).
    pub(crate) past_component: Vec<BitSet>,
}

impl<'g> Prepared<'g> {
    /// Does the groundwork for `graph`. Panics if the graph is not well
    /// formed (see [`Graph`]).
    pub fn new(graph: &'g Graph) -> Prepared<'g> {
        graph.assert_well_formed();
        let order = graph.reverse_postorder();
        let reachable = BitSet::from_members(graph.step_count(), order.iter().copied());
        let preds = graph.predecessors();
        let components = reachable_components(graph, &reachable, &preds, &order);
        let mut entries = Lists::with_capacity(components.members.len(), 0);
        for (id, steps) in components.members.iter().enumerate() {
            let is_entry = |step: usize| {
                step == 0
                    || preds[step]
                        .iter()
                        .any(|&prev| components.of[prev].is_some_and(|other| other != id))
            };
            for &step in steps.iter().filter(|&&step| is_entry(step)) {
                entries.push_item(step);
            }
            entries.end_list();
        }

        let mut position = vec![usize::MAX; graph.step_count()];
        for (at, &step) in order.iter().enumerate() {
            position[step] = at;
        }
        let forward_only = order.iter().skip(1).all(|&step| {
            let earlier =
                |&prev: &usize| !reachable.contains(prev) || position[prev] < position[step];
            preds[step].iter().all(earlier)
        });

        let mut prepared = Prepared {
            graph,
            reachable,
            preds,
            order,
            components,
            entries,
            forward_only,
            dominators: Vec::new(),
            past_component: Vec::new(),
        };
        prepared.past_component = past_component(&prepared);
        prepared.dominators = dominators(&prepared);
        prepared
    }

    /// The graph this groundwork is for.
    pub fn graph(&self) -> &'g Graph {
        self.graph
    }

    /// The steps some run arrives at: those a path from step 0 leads to.
    pub fn reachable(&self) -> &BitSet {
        &self.reachable
    }
}

/// For each reachable step, the steps reachable from its edges that leave
/// its component. Components are numbered so that such edges lead to
/// higher numbers, so they are taken from the last: what a component
/// reaches, itself included, is known before any component that leads to
/// it needs it. Time O((steps + edges) × steps / 64).
fn past_component(prepared: &Prepared) -> Vec<BitSet> {
    let (graph, components) = (prepared.graph, &prepared.components);
    let steps = graph.step_count();
    let mut past = vec![BitSet::new(steps); steps];
    let mut reaches = vec![BitSet::new(steps); components.members.len()];
    for component in (0..components.members.len()).rev() {
        let mut reached = BitSet::new(steps);
        for &step in &components.members[component] {
            reached.insert(step);
            for next in graph.targets(step) {
                let other = components.of[next].expect("a step after a reachable one is reachable");
                if other != component {
                    debug_assert!(other > component, "edges between components go forward");
                    past[step].union_with(&reaches[other]);
                }
            }
            reached.union_with(&past[step]);
        }
        reaches[component] = reached;
    }
    past
}
