//! Everything the flow analyses say about one journey, in one comparable
//! value, and the comparison that lists where two such values disagree.

use crate::check::flow::{cycles_without_wait_in, revisits_in, sent_before_in, unreachable_in};
use crate::check::flow::{Graph, Prepared, Revisit, DEFAULT_WORK_LIMIT};

/// All verdicts on one journey.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Verdicts {
    pub(super) unreachable: Vec<usize>,
    pub(super) revisits: Vec<Revisit>,
    pub(super) cycles_without_wait: Vec<Vec<usize>>,
    /// Per step: (facts generated before it on every run, on some run),
    /// each sorted, and whether the fast analysis was exact there.
    pub(super) facts_before: Vec<FactsBefore>,
}

/// The facts before one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct FactsBefore {
    pub(super) must: Vec<usize>,
    pub(super) may: Vec<usize>,
    pub(super) exact: bool,
}

/// The verdicts of the analyses under test, all asked of one prepared
/// graph as the checker asks them (the plain forms, which prepare the
/// graph for each question, are compared in `tests/flow_properties.rs`).
pub(super) fn by_analyses(graph: &Graph, gen: &[Vec<usize>], fact_count: usize) -> Verdicts {
    let prepared = Prepared::new(graph);
    let facts_before = sent_before_in(&prepared, gen, fact_count, DEFAULT_WORK_LIMIT)
        .into_iter()
        .map(|facts| FactsBefore {
            must: facts.must.iter().collect(),
            may: facts.may.iter().collect(),
            exact: facts.exact,
        })
        .collect();

    Verdicts {
        unreachable: unreachable_in(&prepared),
        revisits: revisits_in(&prepared, DEFAULT_WORK_LIMIT),
        cycles_without_wait: cycles_without_wait_in(&prepared),
        facts_before,
    }
}

/// One line per difference between the expected and the actual verdicts;
/// empty when they agree.
pub(super) fn disagreements(expected: &Verdicts, actual: &Verdicts) -> Vec<String> {
    let mut found = Vec::new();
    if expected.unreachable != actual.unreachable {
        found.push(format!(
            "unreachable: expected {:?}, got {:?}",
            expected.unreachable, actual.unreachable
        ));
    }

    for revisit in &expected.revisits {
        if !actual.revisits.contains(revisit) {
            found.push(format!("revisits: missing or different {revisit:?}"));
        }
    }
    for revisit in &actual.revisits {
        if !expected.revisits.contains(revisit) {
            found.push(format!("revisits: unexpected {revisit:?}"));
        }
    }

    if expected.cycles_without_wait != actual.cycles_without_wait {
        found.push(format!(
            "cycles without wait: expected {:?}, got {:?}",
            expected.cycles_without_wait, actual.cycles_without_wait
        ));
    }

    let steps = expected.facts_before.len().max(actual.facts_before.len());
    for step in 0..steps {
        let (wanted, got) = (
            expected.facts_before.get(step),
            actual.facts_before.get(step),
        );
        if wanted != got {
            found.push(format!(
                "facts before step {step}: expected {wanted:?}, got {got:?}"
            ));
        }
    }
    found
}
