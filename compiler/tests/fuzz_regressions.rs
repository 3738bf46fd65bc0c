//! Inputs that once crashed the compiler or overflowed its stack, kept so
//! they never do again.
//!
//! Each file in `tests/fuzz_regressions/` was found by a fuzz target in
//! `fuzz/` (or written to reproduce what one found). Every one must go
//! through `analyze` and every renderer without panicking, with every span
//! a diagnostic holds inside the file on char boundaries; the checks are
//! the fuzz targets' own, included from `fuzz/invariants.rs`. Tests run on
//! threads with small (2 MiB) stacks, which is the point for deep nesting.

#[path = "../../fuzz/invariants.rs"]
mod invariants;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

fn saved_inputs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the folder of saved inputs exists")
        .map(|entry| entry.expect("a readable folder entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "journey"))
        .collect();
    paths.sort();
    paths
}

#[test]
fn every_saved_input_keeps_the_invariants() {
    let paths = saved_inputs();
    assert!(!paths.is_empty(), "no saved inputs found");

    let mut failures = Vec::new();
    for path in &paths {
        let bytes = std::fs::read(path).expect("a readable input");
        let text = String::from_utf8_lossy(&bytes);
        if catch_unwind(AssertUnwindSafe(|| invariants::check_text(&text))).is_err() {
            failures.push(path.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    assert!(
        failures.is_empty(),
        "inputs that broke an invariant: {failures:?}"
    );
}

fn exit_when(condition: &str) -> String {
    format!("journey j {{\n  exit when {condition}\n  s: end\n}}\n")
}

fn nesting_errors(text: &str) -> usize {
    let diagnostics = invariants::check_text(text);
    let nested = diagnostics
        .iter()
        .filter(|d| d.message.contains("nested too deeply"));
    nested.count()
}

#[test]
fn deep_nesting_is_a_plain_error_not_a_crash() {
    for depth in [257, 5_000, 40_000] {
        let parentheses = format!("{}true{}", "(".repeat(depth), ")".repeat(depth));
        assert_eq!(
            nesting_errors(&exit_when(&parentheses)),
            1,
            "{depth} parentheses"
        );

        let negations = format!("{}true", "not ".repeat(depth));
        assert_eq!(nesting_errors(&exit_when(&negations)), 1, "{depth} `not`s");

        let chain = format!("true{}", " and true".repeat(depth));
        assert_eq!(nesting_errors(&exit_when(&chain)), 1, "{depth} `and`s");
    }
}

#[test]
fn nesting_up_to_the_limit_parses_cleanly() {
    let parentheses = format!("{}true{}", "(".repeat(256), ")".repeat(256));
    let text = exit_when(&parentheses);
    let parsed = journey_compiler::syntax::parse_file(journey_compiler::source::FileId(0), &text);
    assert!(
        parsed.diagnostics.is_empty(),
        "{:?}",
        parsed.diagnostics.first()
    );
}

#[test]
fn a_file_of_garbage_stops_after_a_hundred_syntax_errors() {
    let text = format!("journey j {{\n{}}}\n", "  wait 3 dayz\n".repeat(5_000));
    let diagnostics = invariants::check_text(&text);
    let syntax: Vec<_> = diagnostics
        .iter()
        .filter(|d| d.code == "syntax-error")
        .collect();

    assert_eq!(syntax.len(), 101);
    assert!(syntax
        .iter()
        .any(|d| d.message.contains("too many syntax errors")));
    assert!(!diagnostics.iter().any(|d| d.code == "unclosed-block"));

    let braces = invariants::check_text(&"} ".repeat(5_000));
    assert_eq!(braces.len(), 101);
    assert!(braces[100].message.contains("too many syntax errors"));
}
