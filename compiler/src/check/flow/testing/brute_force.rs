//! The reference answer: enumerate every run of a small journey and read
//! each verdict straight off the runs.
//!
//! A run is a path from step 0 that visits no step twice; every prefix of a
//! run is a run, so one depth-first enumeration lists them all. The number
//! of runs grows exponentially with the size of the graph, which is why
//! this is only for tests on graphs of a dozen steps.

use std::collections::BTreeMap;

use super::verdicts::{FactsBefore, Verdicts};
use crate::check::flow::{Graph, Revisit};

/// What the runs that arrive at one step have in common, and what any of
/// them has: the steps visited before arriving, and the facts generated.
#[derive(Clone, Default)]
struct Arrivals {
    count: usize,
    steps_on_every: Vec<usize>,
    steps_on_some: Vec<usize>,
    facts_on_every: Vec<usize>,
    facts_on_some: Vec<usize>,
}

impl Arrivals {
    fn record(&mut self, before: &[usize], facts: &[usize]) {
        if self.count == 0 {
            self.steps_on_every = before.to_vec();
            self.facts_on_every = facts.to_vec();
        }
        self.count += 1;
        self.steps_on_every.retain(|step| before.contains(step));
        self.facts_on_every.retain(|fact| facts.contains(fact));
        union_into(&mut self.steps_on_some, before);
        union_into(&mut self.facts_on_some, facts);
    }
}

/// The verdicts read off every run of `graph`.
pub(super) fn by_brute_force(graph: &Graph, gen: &[Vec<usize>], fact_count: usize) -> Verdicts {
    let steps = graph.succ.len();
    let mut arrivals = vec![Arrivals::default(); steps];
    if steps > 0 {
        enumerate_runs(graph, gen, &mut vec![0], &mut arrivals);
    }
    let reachable: Vec<bool> = arrivals.iter().map(|a| a.count > 0).collect();

    let unreachable = (0..steps)
        .filter(|&step| !reachable[step] && (step == 0 || reachable[step - 1]))
        .collect();

    let mut revisits = Vec::new();
    for from in (0..steps).filter(|&step| reachable[step]) {
        let seen = &arrivals[from];
        for edge in &graph.succ[from] {
            let always = edge.to == from || seen.steps_on_every.contains(&edge.to);
            if always || seen.steps_on_some.contains(&edge.to) {
                revisits.push(Revisit {
                    from,
                    arm: edge.arm,
                    to: edge.to,
                    always,
                    exact: true,
                });
            }
        }
    }

    let facts_before = arrivals
        .iter()
        .map(|seen| {
            let mut must = match seen.count {
                0 => (0..fact_count).collect(),
                _ => seen.facts_on_every.clone(),
            };
            let mut may = seen.facts_on_some.clone();
            must.sort_unstable();
            may.sort_unstable();
            FactsBefore {
                must,
                may,
                exact: true,
            }
        })
        .collect();

    Verdicts {
        unreachable,
        revisits,
        cycles_without_wait: cycles_without_wait(graph, &reachable),
        facts_before,
    }
}

/// Records the run `path` and every run that extends it.
fn enumerate_runs(
    graph: &Graph,
    gen: &[Vec<usize>],
    path: &mut Vec<usize>,
    arrivals: &mut [Arrivals],
) {
    let (&last, before) = path.split_last().expect("a run has a first step");
    let mut facts = Vec::new();
    for &step in before {
        union_into(&mut facts, &gen[step]);
    }
    arrivals[last].record(before, &facts);

    for edge in &graph.succ[last] {
        if !path.contains(&edge.to) {
            path.push(edge.to);
            enumerate_runs(graph, gen, path, arrivals);
            path.pop();
        }
    }
}

/// Every cycle of reachable steps enumerated; those with no waiting step
/// merged into groups wherever two share a step.
fn cycles_without_wait(graph: &Graph, reachable: &[bool]) -> Vec<Vec<usize>> {
    let steps = graph.succ.len();
    let mut group_of: Vec<usize> = (0..steps).collect();
    let mut on_cycle = vec![false; steps];

    for start in (0..steps).filter(|&step| reachable[step] && !graph.waits[step]) {
        let mut cycles = Vec::new();
        collect_cycles(graph, start, &mut vec![start], &mut cycles);
        for cycle in cycles {
            for &step in &cycle {
                on_cycle[step] = true;
                merge(&mut group_of, start, step);
            }
        }
    }

    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for step in (0..steps).filter(|&step| on_cycle[step]) {
        let root = find(&mut group_of, step);
        groups.entry(root).or_default().push(step);
    }
    groups.into_values().collect()
}

/// Every cycle through `path[0]` whose other steps are larger and do not
/// wait, extending `path`.
fn collect_cycles(graph: &Graph, start: usize, path: &mut Vec<usize>, into: &mut Vec<Vec<usize>>) {
    let last = *path.last().expect("a path has a first step");
    for edge in &graph.succ[last] {
        if edge.to == start {
            into.push(path.clone());
        } else if edge.to > start && !graph.waits[edge.to] && !path.contains(&edge.to) {
            path.push(edge.to);
            collect_cycles(graph, start, path, into);
            path.pop();
        }
    }
}

fn find(group_of: &mut [usize], step: usize) -> usize {
    let mut root = step;
    while group_of[root] != root {
        root = group_of[root];
    }
    group_of[step] = root;
    root
}

/// Joins the groups of `a` and `b`; the smaller root becomes the root, so
/// every group's root is its smallest step.
fn merge(group_of: &mut [usize], a: usize, b: usize) {
    let (a, b) = (find(group_of, a), find(group_of, b));
    group_of[a.max(b)] = a.min(b);
}

fn union_into(into: &mut Vec<usize>, more: &[usize]) {
    for item in more {
        if !into.contains(item) {
            into.push(*item);
        }
    }
}
