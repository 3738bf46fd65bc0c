//! The journey shapes authors write, with every verdict worked out by
//! hand; both the analyses and the brute force must give exactly these.
//! Each test spells its journey in comments, one step per line, numbered.

use super::brute_force::by_brute_force;
use super::graph_with_waits;
use super::verdicts::{by_analyses, FactsBefore, Verdicts};
use crate::check::flow::{Graph, Revisit};

fn assert_verdicts(graph: &Graph, gen: &[Vec<usize>], fact_count: usize, expected: &Verdicts) {
    assert_eq!(&by_analyses(graph, gen, fact_count), expected, "analyses");
    assert_eq!(
        &by_brute_force(graph, gen, fact_count),
        expected,
        "brute force"
    );
}

fn cut(from: usize, arm: usize, to: usize, always: bool) -> Revisit {
    Revisit {
        from,
        arm,
        to,
        always,
        exact: true,
    }
}

/// Per step, the facts sent before it on every run and on some run.
fn facts(per_step: &[(&[usize], &[usize])]) -> Vec<FactsBefore> {
    per_step
        .iter()
        .map(|(must, may)| FactsBefore {
            must: must.to_vec(),
            may: may.to_vec(),
            exact: true,
        })
        .collect()
}

#[test]
fn a_reminder_loop_back_to_the_first_step_is_always_cut() {
    // 0 invite:   send invite                                  (fact 0)
    // 1 choose:   wait for click invite -> 3, timeout 3 days -> 2
    // 2           goto invite
    // 3 portal:   end
    let graph = graph_with_waits(&[&[1], &[3, 2], &[0], &[]], &[1]);
    let gen = [vec![0], vec![], vec![], vec![]];

    let expected = Verdicts {
        unreachable: vec![],
        revisits: vec![cut(2, 0, 0, true)],
        cycles_without_wait: vec![],
        facts_before: facts(&[(&[], &[]), (&[0], &[0]), (&[0], &[0]), (&[0], &[0])]),
    };
    assert_verdicts(&graph, &gen, 1, &expected);
}

#[test]
fn a_reminder_loop_without_a_wait_is_a_cycle_without_wait() {
    // 0 invite:   send invite                                  (fact 0)
    // 1           goto invite
    let graph = graph_with_waits(&[&[1], &[0]], &[]);
    let gen = [vec![0], vec![]];

    let expected = Verdicts {
        unreachable: vec![],
        revisits: vec![cut(1, 0, 0, true)],
        cycles_without_wait: vec![vec![0, 1]],
        facts_before: facts(&[(&[], &[]), (&[0], &[0])]),
    };
    assert_verdicts(&graph, &gen, 1, &expected);
}

#[test]
fn both_arms_of_a_branch_rejoin_and_each_email_is_sent_on_some_runs() {
    // 0           branch { when ... -> a_path, else -> b_path }
    // 1 a_path:   send a                                       (fact 0)
    // 2           goto wait
    // 3 b_path:   send b                                       (fact 1)
    // 4 wait:     wait for click a -> 5, timeout 1 day -> 5
    // 5           end
    let graph = graph_with_waits(&[&[1, 3], &[2], &[4], &[4], &[5, 5], &[]], &[4]);
    let gen = [vec![], vec![0], vec![], vec![1], vec![], vec![]];

    let expected = Verdicts {
        unreachable: vec![],
        revisits: vec![],
        cycles_without_wait: vec![],
        facts_before: facts(&[
            (&[], &[]),
            (&[], &[]),
            (&[0], &[0]),
            (&[], &[]),
            (&[], &[0, 1]),
            (&[], &[0, 1]),
        ]),
    };
    assert_verdicts(&graph, &gen, 2, &expected);
}

#[test]
fn a_timeout_to_a_later_label_is_a_forward_jump() {
    // 0           send invite                                  (fact 0)
    // 1           wait for click invite -> 2, timeout 7 days -> nudge
    // 2           add to engaged
    // 3           end
    // 4 nudge:    send nudge                                   (fact 1)
    // 5           end
    let graph = graph_with_waits(&[&[1], &[2, 4], &[3], &[], &[5], &[]], &[1]);
    let gen = [vec![0], vec![], vec![], vec![], vec![1], vec![]];

    let expected = Verdicts {
        unreachable: vec![],
        revisits: vec![],
        cycles_without_wait: vec![],
        facts_before: facts(&[
            (&[], &[]),
            (&[0], &[0]),
            (&[0], &[0]),
            (&[0], &[0]),
            (&[0], &[0]),
            (&[0, 1], &[0, 1]),
        ]),
    };
    assert_verdicts(&graph, &gen, 2, &expected);
}

#[test]
fn steps_after_an_end_are_unreachable_once_per_stretch() {
    // 0           send a                                       (fact 0)
    // 1           wait for click a -> done, timeout 1 day (falls through)
    // 2           end
    // 3           send b                                       (fact 1)
    // 4 done:     end
    // 5           goto 3
    let graph = graph_with_waits(&[&[1], &[4, 2], &[], &[4], &[], &[3]], &[1]);
    let gen = [vec![0], vec![], vec![], vec![1], vec![], vec![]];

    let expected = Verdicts {
        unreachable: vec![3, 5],
        revisits: vec![],
        cycles_without_wait: vec![],
        facts_before: facts(&[
            (&[], &[]),
            (&[0], &[0]),
            (&[0], &[0]),
            (&[0, 1], &[]),
            (&[0], &[0]),
            (&[0, 1], &[]),
        ]),
    };
    assert_verdicts(&graph, &gen, 2, &expected);
}

#[test]
fn a_second_chance_loop_is_cut_only_on_some_runs() {
    // 0           send invite                                  (fact 0)
    // 1           wait for click invite -> portal, timeout 3 days -> 2
    // 2 remind:   send reminder                                (fact 1)
    // 3           wait for click reminder -> portal, timeout 3 days -> 5
    // 4 portal:   wait for event login -> 6, timeout 2 days -> remind
    // 5           end
    // 6           end
    let graph = graph_with_waits(
        &[&[1], &[4, 2], &[3], &[4, 5], &[6, 2], &[], &[]],
        &[1, 3, 4],
    );
    let gen = [vec![0], vec![], vec![1], vec![], vec![], vec![], vec![]];

    let expected = Verdicts {
        unreachable: vec![],
        revisits: vec![cut(3, 0, 4, false), cut(4, 1, 2, false)],
        cycles_without_wait: vec![],
        facts_before: facts(&[
            (&[], &[]),
            (&[0], &[0]),
            (&[0], &[0]),
            (&[0, 1], &[0, 1]),
            (&[0], &[0, 1]),
            (&[0, 1], &[0, 1]),
            (&[0], &[0, 1]),
        ]),
    };
    assert_verdicts(&graph, &gen, 2, &expected);
}
