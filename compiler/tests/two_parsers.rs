//! The fast parser and the pest driver agree.
//!
//! `parse_file` reads a file with the hand-written parser first and falls
//! back to the recovering pest driver when that gives up. That is sound
//! only if, for every text, the fast parser gives up exactly when the
//! driver reports a syntax error, and otherwise builds the very same tree,
//! spans and comments included. These tests check that on every `.journey`
//! in the repository, on generated projects (the benchmark's generator),
//! and on systematic damage to the examples; each counts both outcomes so
//! that none can pass without comparing anything.

#[allow(dead_code)]
#[path = "../benches/support/mod.rs"]
mod support;

use journey_compiler::source::FileId;
use journey_compiler::syntax::{parse_fast, parse_with_pest};
use std::path::{Path, PathBuf};
use support::choices::Seeded;
use support::journey_gen;

/// How the two parsers took one text.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// No syntax error, and the same tree from both.
    BothAccept,
    /// A syntax error, and the fast parser gave up.
    BothReject,
}

/// Compares the parsers on `text`; the error names `what` and says how
/// they differ.
fn compare(what: &str, text: &str) -> Result<Outcome, String> {
    let pest = parse_with_pest(FileId(0), text);
    let fast = parse_fast(text);
    match (pest.diagnostics.first(), fast) {
        (None, Some(tree)) if tree == pest.tree => Ok(Outcome::BothAccept),
        (None, Some(tree)) => Err(format!(
            "{what}: the trees differ\n--- pest\n{:#?}\n--- fast\n{tree:#?}\n--- text\n{text}",
            pest.tree
        )),
        (None, None) => Err(format!(
            "{what}: the fast parser gave up on text pest accepts\n{text}"
        )),
        (Some(_), None) => Ok(Outcome::BothReject),
        (Some(error), Some(_)) => Err(format!(
            "{what}: the fast parser accepted text pest rejects ({} at {:?})\n{text}",
            error.message, error.primary.span
        )),
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the compiler crate sits in the repository")
        .to_path_buf()
}

/// Every `.journey` file under the given folders of the repository.
fn journey_files(folders: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending: Vec<PathBuf> = folders.iter().map(|f| repo_root().join(f)).collect();
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("a readable folder entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "journey") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn read(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("a readable file");
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn every_journey_file_in_the_repository() {
    let files = journey_files(&[
        "examples",
        "tests/fixtures",
        "compiler/tests",
        "fuzz/seeds",
        "editors",
        "lsp",
    ]);
    let mut accepted = 0;
    let mut rejected = 0;
    let mut failures = Vec::new();
    for path in &files {
        let name = path.strip_prefix(repo_root()).unwrap_or(path).display();
        match compare(&name.to_string(), &read(path)) {
            Ok(Outcome::BothAccept) => accepted += 1,
            Ok(Outcome::BothReject) => rejected += 1,
            Err(why) => failures.push(why),
        }
    }
    println!(
        "{} files: {accepted} accepted, {rejected} rejected",
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));

    let examples = journey_files(&["examples"]).len();
    assert!(examples >= 20, "found only {examples} example files");
    assert!(accepted >= 40, "only {accepted} files parsed without error");
    assert!(rejected >= 5, "only {rejected} files had a syntax error");
}

/// The seed of the front-end benchmark (`benches/frontend.rs`).
const BENCH_SEED: u64 = 0x006a_6f75_726e_6579;

#[test]
fn generated_projects() {
    let mut files = 0;
    let projects = [(BENCH_SEED, 1_000_000), (1, 150_000), (2, 150_000)];
    for (seed, bytes) in projects {
        for (path, text) in journey_gen::project(seed, bytes) {
            let outcome = compare(&format!("seed {seed}, {path}"), &text);
            assert_eq!(outcome, Ok(Outcome::BothAccept));
            files += 1;
        }
    }
    for seed in 0..40u64 {
        let text = journey_gen::random_file(&mut Seeded::new(seed));
        assert_eq!(
            compare(&format!("random file {seed}"), &text),
            Ok(Outcome::BothAccept)
        );
        files += 1;
    }
    assert!(files >= 50, "only {files} generated files");
}

/// Where tokens start: runs of name chars or digits, runs of other
/// punctuation, and quoted text each make one token.
fn token_starts(text: &str) -> Vec<(usize, usize)> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        let mut end = start + c.len_utf8();
        if c == '"' {
            for (i, c) in chars.by_ref() {
                end = i + c.len_utf8();
                if c == '"' || c == '\n' {
                    break;
                }
            }
        } else if c == '#' {
            while let Some(&(i, c)) = chars.peek() {
                if c == '\n' {
                    break;
                }
                end = i + c.len_utf8();
                chars.next();
            }
        } else {
            let word = c.is_alphanumeric() || c == '_';
            while let Some(&(i, next)) = chars.peek() {
                let next_word = next.is_alphanumeric() || next == '_';
                if next.is_whitespace() || next_word != word || "\"#".contains(next) {
                    break;
                }
                end = i + next.len_utf8();
                chars.next();
            }
        }
        tokens.push((start, end));
    }
    tokens
}

/// Damaged copies of `text` around token `i` of `tokens`.
fn mutants(text: &str, tokens: &[(usize, usize)], i: usize) -> Vec<(String, String)> {
    let (start, end) = tokens[i];
    let mut out = Vec::new();
    let mut add = |name: &str, mutant: String| out.push((name.to_string(), mutant));

    add("delete", format!("{}{}", &text[..start], &text[end..]));
    add(
        "duplicate",
        format!("{}{} {}", &text[..end], " ", &text[start..]),
    );
    if let Some(&(next_start, next_end)) = tokens.get(i + 1) {
        add(
            "swap",
            format!(
                "{}{}{}{}{}",
                &text[..start],
                &text[next_start..next_end],
                &text[end..next_start],
                &text[start..end],
                &text[next_end..]
            ),
        );
    }
    for insert in [
        "{", "}", "->", "7", "\"", "\n", "é", "-", ",", "#", "(", " not ",
    ] {
        add(
            &format!("insert {insert:?}"),
            format!("{}{insert}{}", &text[..start], &text[start..]),
        );
    }
    add(
        "glue to the next",
        format!("{}{}", &text[..end], text[end..].trim_start()),
    );
    add("truncate", text[..end].to_string());
    out
}

#[test]
fn damaged_examples() {
    const POSITIONS_PER_FILE: usize = 12;
    let files = journey_files(&["examples", "compiler/tests/format"]);
    let mut accepted = 0;
    let mut rejected = 0;
    let mut failures = Vec::new();

    for path in &files {
        let text = read(path);
        let tokens = token_starts(&text);
        if tokens.is_empty() {
            continue;
        }
        let step = (tokens.len() / POSITIONS_PER_FILE).max(1);
        let name = path.strip_prefix(repo_root()).unwrap_or(path).display();
        for i in (0..tokens.len()).step_by(step).chain([tokens.len() - 1]) {
            for (how, mutant) in mutants(&text, &tokens, i) {
                match compare(&format!("{name}, token {i}, {how}"), &mutant) {
                    Ok(Outcome::BothAccept) => accepted += 1,
                    Ok(Outcome::BothReject) => rejected += 1,
                    Err(why) if failures.len() < 5 => failures.push(why),
                    Err(_) => failures.push(String::new()),
                }
            }
        }
    }

    println!("mutants: {accepted} accepted by both, {rejected} rejected by both");
    assert!(
        failures.is_empty(),
        "{} disagreements; the first:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(accepted >= 500, "only {accepted} mutants parsed cleanly");
    assert!(rejected >= 2_000, "only {rejected} mutants had an error");
}

/// Edge cases written by hand: each must come out the same from both, and
/// the list holds texts of both outcomes.
#[test]
fn edge_cases() {
    let nested = |depth: usize| {
        format!(
            "journey j {{\n  exit when {}x{}\n  end\n}}\n",
            "(".repeat(depth),
            ")".repeat(depth)
        )
    };
    let chain = |ops: usize| {
        let condition = vec!["contact.a"; ops + 1].join(" or ");
        format!("journey j {{\n  exit when {condition}\n  end\n}}\n")
    };
    let texts = [
        "\u{feff}list a \"A\"\n".to_string(),
        "event signup   # no block\n\n# more\nlist b\n".to_string(),
        "event signup {}\nevent other\n".to_string(),
        "contact {\n  naïve: text? phi = \"x\"\n  n: number = 3.5\n}\n".to_string(),
        "contact {\n  n: number = 3.\n}\n".to_string(),
        "contact {\n  d: date = 2026-01-02 at 9:30\n  t: datetime = 2026-01-02T09:30Z\n}\n"
            .to_string(),
        "list clickedx\nlist clicked\n".to_string(),
        "journey j \"J\" {\n  priority: send x\n  priority high\n}\n".to_string(),
        "journey j {\n  wait 1 day # c\n 2 hours\n  wait until monday, friday 09:00-10:00\n}\n"
            .to_string(),
        "journey j {\n  wait until day 1 of month 09:00 in \"UTC\" late -> a missing -> b\n}\n"
            .to_string(),
        "journey j {\n  wait for human click e.l -> a, event x where not event.y timeout 1 day\n}\n"
            .to_string(),
        "journey j {\n  wait for update, contact.x is set -> a forever\n}\n".to_string(),
        "journey j {\n  branch { when - -1 + 2 ?? 3 not in [1, 2,] -> a, else -> b, }\n}\n"
            .to_string(),
        "journey j {\n  split { 50% -> a 50.5% -> b, }\n}\n".to_string(),
        "journey j {\n  enter on date contact.birthday - 1 week yearly at 9:00 in contact.tz\n}\n"
            .to_string(),
        "journey j {\n  exit when x\n}\n".to_string(),
        "event x".to_string(),
        "list a # c\r\n#\r\nsegment b \"B\" #".to_string(),
        "journey j {\r\n  wait until contact.d - 2 days at 9:00 in contact.tz late -> a\r\n}"
            .to_string(),
        "journey j {\n  wait until 2026-01-01 at 09:00\n  wait until 2026-01-01T09:00:00+01:00\n}\n"
            .to_string(),
        "journey j {\n  goto journey k\n  a: goto b\n  add to l\n  remove from l\n}\n"
            .to_string(),
        "journey j {\n  exit when human opened e or clicked e.l and in segment s\n}\n".to_string(),
        "journey j {\n  exit when \"a\\\"b\\\\\" == \"x\"\n}\n".to_string(),
        "journey j {\n  list x\n}\n".to_string(),
        "}\n".to_string(),
        "journey j {\n  end\n".to_string(),
        nested(255),
        nested(256),
        nested(257),
        chain(256),
        chain(257),
    ];

    let mut outcomes = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        match compare(&format!("edge case {i}"), text) {
            Ok(outcome) => outcomes.push(outcome),
            Err(why) => panic!("{why}"),
        }
    }
    let accepted = outcomes
        .iter()
        .filter(|o| **o == Outcome::BothAccept)
        .count();
    assert!(accepted >= 10, "only {accepted} edge cases parsed cleanly");
    assert!(
        outcomes.len() - accepted >= 5,
        "only {} edge cases had an error",
        outcomes.len() - accepted
    );
}
