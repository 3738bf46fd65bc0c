//! Properties of the flow analyses that hold through the public API, on
//! seeded random graphs.
//!
//! The exact answers are checked against a brute-force enumeration of runs
//! inside the module (`check/flow/testing`). This file checks what a caller
//! relies on from outside: the answers do not depend on how the steps after
//! the entry are numbered, and a search starved of work errs only on the
//! side of reporting too much, and says so.

use journey_compiler::check::flow::{
    cycles_without_wait, revisits, revisits_within, sent_before, sent_before_within, Edge, Graph,
    Revisit,
};

const GRAPHS: u64 = 1_500;
const MAX_STEPS: usize = 12;

#[test]
fn renumbering_the_steps_renumbers_the_answers() {
    for seed in 0..GRAPHS {
        let mut rng = Rng(seed);
        let (graph, gen) = random_graph(&mut rng);
        let order = shuffled_after_entry(&mut rng, graph.succ.len());
        let (moved, moved_gen) = renumber(&graph, &gen, &order);

        let mut expected: Vec<Revisit> = revisits(&graph)
            .into_iter()
            .map(|r| Revisit {
                from: order[r.from],
                to: order[r.to],
                ..r
            })
            .collect();
        let mut actual = revisits(&moved);
        expected.sort_by_key(|r| (r.from, r.arm));
        actual.sort_by_key(|r| (r.from, r.arm));
        assert_eq!(actual, expected, "revisits, seed {seed}");

        let mut expected_cycles: Vec<Vec<usize>> = cycles_without_wait(&graph)
            .into_iter()
            .map(|cycle| sorted(cycle.iter().map(|&step| order[step])))
            .collect();
        expected_cycles.sort();
        assert_eq!(
            cycles_without_wait(&moved),
            expected_cycles,
            "cycles, seed {seed}"
        );

        let facts = sent_before(&graph, &gen, 3);
        let moved_facts = sent_before(&moved, &moved_gen, 3);
        for (step, before) in facts.iter().enumerate() {
            assert_eq!(
                &moved_facts[order[step]], before,
                "facts, seed {seed}, step {step}"
            );
        }
    }
}

#[test]
fn a_starved_search_reports_more_never_less_and_marks_what_it_guessed() {
    let mut false_alarm_somewhere = false;
    for seed in 0..GRAPHS {
        let (graph, gen) = random_graph(&mut Rng(seed));

        let exact = revisits(&graph);
        let guessed = revisits_within(&graph, 0);
        let same_edge = |a: &Revisit, b: &Revisit| (a.from, a.arm) == (b.from, b.arm);
        for revisit in &exact {
            let guess = guessed.iter().find(|g| same_edge(g, revisit));
            let guess = guess.unwrap_or_else(|| panic!("seed {seed}: lost {revisit:?}"));
            assert_eq!(guess.always, revisit.always, "seed {seed}: {guess:?}");
        }
        for guess in &guessed {
            match exact.iter().find(|r| same_edge(r, guess)) {
                Some(revisit) if guess.exact => assert_eq!(guess, revisit, "seed {seed}"),
                Some(_) => {}
                None => {
                    assert!(!guess.exact, "seed {seed}: unmarked false alarm {guess:?}");
                    false_alarm_somewhere = true;
                }
            }
        }

        let exact = sent_before(&graph, &gen, 3);
        let guessed = sent_before_within(&graph, &gen, 3, 0);
        for (step, (sure, guess)) in exact.iter().zip(&guessed).enumerate() {
            assert_eq!(sure.must, guess.must, "seed {seed}, step {step}");
            assert!(sure.may.is_subset(&guess.may), "seed {seed}, step {step}");
            if guess.exact {
                assert_eq!(sure.may, guess.may, "seed {seed}, step {step}");
            }
        }
    }

    assert!(false_alarm_somewhere, "no graph needed the search at all");
}

/// A graph of 1 to 12 steps with 0 to 3 edges each (half to the next
/// step), a quarter of the steps waiting, and a third generating a fact.
fn random_graph(rng: &mut Rng) -> (Graph, Vec<Vec<usize>>) {
    let steps = 1 + rng.below(MAX_STEPS);
    let succ = (0..steps)
        .map(|step| {
            let degree = rng.below(4);
            (0..degree)
                .map(|arm| {
                    let to = match step + 1 < steps && rng.below(2) == 0 {
                        true => step + 1,
                        false => rng.below(steps),
                    };
                    Edge { to, arm }
                })
                .collect()
        })
        .collect();
    let waits = (0..steps).map(|_| rng.below(4) == 0).collect();
    let gen = (0..steps)
        .map(|_| match rng.below(3) {
            0 => vec![rng.below(3)],
            _ => Vec::new(),
        })
        .collect();
    (Graph { succ, waits }, gen)
}

/// A random new number for each step; the entry keeps 0.
fn shuffled_after_entry(rng: &mut Rng, steps: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..steps).collect();
    for i in (2..steps).rev() {
        let j = 1 + rng.below(i);
        order.swap(i, j);
    }
    order
}

/// The same journey with step `s` renumbered to `order[s]`.
fn renumber(graph: &Graph, gen: &[Vec<usize>], order: &[usize]) -> (Graph, Vec<Vec<usize>>) {
    let steps = graph.succ.len();
    let mut succ = vec![Vec::new(); steps];
    let mut waits = vec![false; steps];
    let mut moved_gen = vec![Vec::new(); steps];
    for step in 0..steps {
        succ[order[step]] = graph.succ[step]
            .iter()
            .map(|edge| Edge {
                to: order[edge.to],
                arm: edge.arm,
            })
            .collect();
        waits[order[step]] = graph.waits[step];
        moved_gen[order[step]] = gen[step].clone();
    }
    (Graph { succ, waits }, moved_gen)
}

fn sorted(steps: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut steps: Vec<usize> = steps.collect();
    steps.sort_unstable();
    steps
}

/// SplitMix64: small, seeded, the same on every machine.
struct Rng(u64);

impl Rng {
    fn below(&mut self, bound: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % bound as u64) as usize
    }
}
