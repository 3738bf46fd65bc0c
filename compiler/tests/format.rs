//! Tests of the formatter.
//!
//! Each fixture in `tests/format/` is messy input for one group of
//! constructs; its snapshot shows the input and then the formatted output,
//! so a reviewer can judge the layout without opening anything else. Three
//! properties are then checked on every fixture and on every example under
//! `examples/`: formatting twice changes nothing more, the formatted file
//! parses to the same tree (spans aside), and no comment is lost or
//! duplicated.

use journey_compiler::format::{format_file, FormatError};
use journey_compiler::source::FileId;
use journey_compiler::syntax::parse_file;
use serde_json::Value;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------- snapshots --

macro_rules! snapshot_tests {
    ($($name:ident),* $(,)?) => {
        /// The fixtures that have a snapshot test, by file stem.
        const SNAPSHOT_FIXTURES: &[&str] = &[$(stringify!($name)),*];

        $(
            #[test]
            fn $name() {
                assert_snapshot_of_fixture(stringify!($name));
            }
        )*
    };
}

snapshot_tests!(
    blank_lines,
    branch_split,
    comments,
    crlf,
    declarations,
    design_sample,
    empty,
    expressions,
    only_comments,
    settings,
    simple_steps,
    strings,
    wait_for,
    wait_until,
);

fn assert_snapshot_of_fixture(name: &str) {
    let input = read(&fixtures_dir().join(format!("{name}.journey")));
    let formatted = format_file(&input).unwrap_or_else(|e| panic!("{name}: {e}"));

    // Carriage returns are shown, so the CRLF fixture's snapshot says what
    // it tests.
    let shown_input = input.replace('\r', "\\r");
    insta::assert_snapshot!(
        name,
        format!("{shown_input}---------- formatted ----------\n{formatted}")
    );
}

#[test]
fn every_fixture_has_a_snapshot_test() {
    let mut stems: Vec<String> = journey_files(&fixtures_dir())
        .iter()
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    stems.sort();
    let mut listed: Vec<&str> = SNAPSHOT_FIXTURES.to_vec();
    listed.sort();
    assert_eq!(stems, listed, "add the new fixture to `snapshot_tests!`");
}

// --------------------------------------------------------------- properties --

#[test]
fn formatting_twice_changes_nothing() {
    for (path, text) in corpus() {
        let once = format_or_panic(&path, &text);
        let twice = format_or_panic(&path, &once);
        assert_eq!(
            once,
            twice,
            "{}: the second pass changed the output",
            path.display()
        );
    }
}

#[test]
fn formatted_files_parse_to_the_same_tree() {
    for (path, text) in corpus() {
        let formatted = format_or_panic(&path, &text);
        let before = tree_without_spans(&path, &text);
        let after = tree_without_spans(&path, &formatted);
        assert_eq!(
            before,
            after,
            "{}: formatting changed the tree",
            path.display()
        );
    }
}

#[test]
fn no_comment_is_lost_or_duplicated() {
    for (path, text) in corpus() {
        let formatted = format_or_panic(&path, &text);
        assert_eq!(
            comment_texts(&text),
            comment_texts(&formatted),
            "{}: the comments changed",
            path.display()
        );
    }
}

#[test]
fn output_is_clean_text_ending_in_one_newline() {
    for (path, text) in corpus() {
        let formatted = format_or_panic(&path, &text);
        let name = path.display();
        assert!(
            !formatted.contains('\r'),
            "{name}: carriage return in the output"
        );
        if !formatted.is_empty() {
            assert!(formatted.ends_with('\n'), "{name}: no final newline");
            assert!(
                !formatted.ends_with("\n\n"),
                "{name}: blank line at the end"
            );
            assert!(
                !formatted.starts_with('\n'),
                "{name}: blank line at the start"
            );
        }
        for line in formatted.lines() {
            assert_eq!(line, line.trim_end(), "{name}: trailing white space");
        }
        assert!(
            !formatted.contains("\n\n\n"),
            "{name}: two blank lines in a row"
        );
    }
}

// ------------------------------------------------------------- single cases --

#[test]
fn crlf_input_formats_like_lf_input() {
    let lf = read(&fixtures_dir().join("design_sample.journey"));
    let crlf = lf.replace('\n', "\r\n");
    assert_eq!(format_file(&crlf).unwrap(), format_file(&lf).unwrap());
}

#[test]
fn a_file_with_syntax_errors_is_refused() {
    let text = "journey j {\n  enter on list a\n  sned welcome\n  end\n}\n";
    let Err(FormatError::Syntax(errors)) = format_file(text) else {
        panic!("a file with a syntax error was formatted");
    };
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].primary.span.text(text), "sned");
}

#[test]
fn an_already_formatted_file_is_unchanged() {
    let text = "list a\n\njourney j {\n  enter on list a\n  first: send welcome  # hi\n  end\n}\n";
    assert_eq!(format_file(text).unwrap(), text);
}

#[test]
fn an_empty_block_of_an_event_is_dropped() {
    assert_eq!(format_file("event e {\n}\n").unwrap(), "event e\n");
    assert_eq!(
        format_file("event e { a: text }").unwrap(),
        "event e {\n  a: text\n}\n"
    );
}

#[test]
fn durations_are_singular_only_for_one() {
    let text = "journey j {\n  wait 1 days\n  wait 2 day\n  wait 1 hour 1 minutes\n}\n";
    let expected = "journey j {\n  wait 1 day\n  wait 2 days\n  wait 1 hour 1 minute\n}\n";
    assert_eq!(format_file(text).unwrap(), expected);
}

// ------------------------------------------------------------------ helpers --

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/format")
}

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

/// Every fixture and every example, with its text.
fn corpus() -> Vec<(PathBuf, String)> {
    let mut paths = journey_files(&fixtures_dir());
    assert!(
        !paths.is_empty(),
        "no fixtures found in {}",
        fixtures_dir().display()
    );

    let examples = examples_dir();
    if examples.exists() {
        let found = journey_files(&examples);
        assert!(
            !found.is_empty(),
            "{} holds no .journey files",
            examples.display()
        );
        paths.extend(found);
    }
    paths
        .into_iter()
        .map(|path| {
            let text = read(&path);
            (path, text)
        })
        .collect()
}

/// The `.journey` files under `dir`, at any depth, sorted.
fn journey_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", folder.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "journey") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn format_or_panic(path: &Path, text: &str) -> String {
    format_file(text).unwrap_or_else(|e| match &e {
        FormatError::Syntax(errors) => {
            let messages: Vec<&str> = errors.iter().map(|d| d.message.as_str()).collect();
            panic!("{} was not formatted: {e}: {messages:?}", path.display())
        }
    })
}

/// The tree of `text` as JSON, with every span, the comment list (compared
/// on its own) and the one intended difference (an empty event block,
/// which the formatter drops) taken out.
fn tree_without_spans(path: &Path, text: &str) -> Value {
    let parsed = parse_file(FileId(0), text);
    assert!(
        parsed.diagnostics.is_empty(),
        "{}: {:?}",
        path.display(),
        parsed.diagnostics
    );
    let mut tree = serde_json::to_value(&parsed.tree).unwrap();
    remove_spans(&mut tree);
    tree
}

fn remove_spans(value: &mut Value) {
    match value {
        Value::Object(map) => {
            // A bare span (the `phi` marker, `forever`) says only where.
            if map.len() == 2 && map.contains_key("start") && map.contains_key("end") {
                *value = Value::String("<span>".to_string());
                return;
            }
            map.retain(|key, _| key != "span" && !key.ends_with("_span") && key != "comments");
            if let Some(Value::Array(fields)) = map.get("fields") {
                if map.contains_key("has_block") {
                    let has_fields = !fields.is_empty();
                    map.insert("has_block".to_string(), Value::Bool(has_fields));
                }
            }
            map.values_mut().for_each(remove_spans);
        }
        Value::Array(items) => items.iter_mut().for_each(remove_spans),
        _ => {}
    }
}

/// The text of every comment, sorted; trailing white space does not count
/// (the formatter removes it).
fn comment_texts(text: &str) -> Vec<String> {
    let spans = journey_compiler::syntax::comment_spans(text);
    let mut texts: Vec<String> = spans
        .iter()
        .map(|s| s.text(text).trim_end().to_string())
        .collect();
    texts.sort();
    texts
}
