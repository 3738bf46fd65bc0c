//! `journey check` end to end: the built binary on real folders.
//!
//! Fixtures that stay the same live in `tests/fixtures/check/` and run with
//! that folder as the working directory, so reported paths are short and
//! stable. Cases that need odd files (binary, empty, missing) build them in
//! a temporary folder.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What one run of the binary did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn journey(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_journey"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("the journey binary runs");
    Run {
        code: output.status.code().expect("the binary exits with a code"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check")
}

fn check_fixture(args: &[&str]) -> Run {
    let mut all = vec!["check"];
    all.extend(args);
    journey(&fixtures(), &all)
}

/// A temporary folder holding `files` (name, bytes).
fn folder_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).expect("write a test file");
    }
    dir
}

#[test]
fn a_clean_project_exits_0_and_says_so() {
    let run = check_fixture(&["clean"]);

    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "checked 1 file: no problems\n");
}

#[test]
fn syntax_errors_exit_1_with_every_error_and_a_summary() {
    let run = check_fixture(&["typos"]);

    assert_eq!(run.code, 1);
    insta::assert_snapshot!(format!("stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr));
}

#[test]
fn a_pipe_gets_no_colour() {
    let run = check_fixture(&["typos"]);

    assert!(!run.stdout.contains('\x1b'), "{:?}", run.stdout);
    assert!(
        run.stdout.starts_with("error[syntax-error]: "),
        "{}",
        run.stdout
    );
}

#[test]
fn json_is_one_object_per_diagnostic() {
    let run = check_fixture(&["typos", "--format", "json"]);
    let objects: Vec<Value> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect();

    assert_eq!(run.code, 1);
    let places: Vec<(&str, u64, u64)> = objects
        .iter()
        .map(|o| {
            let start = &o["start"];
            let file = o["file"].as_str().unwrap();
            (
                file,
                start["line"].as_u64().unwrap(),
                start["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        places,
        [
            ("typos/schema.journey", 6, 8),
            ("typos/welcome.journey", 5, 3),
            ("typos/welcome.journey", 6, 10)
        ]
    );
    assert!(objects
        .iter()
        .all(|o| o["code"] == "syntax-error" && o["severity"] == "error"));
    assert_eq!(objects[2]["suggestions"][0]["replacement"], "days");
    assert_eq!(run.stderr, "checked 2 files: 3 errors\n");
}

#[test]
fn github_format_is_workflow_commands() {
    let run = check_fixture(&["typos", "--format", "github"]);
    let lines: Vec<&str> = run.stdout.lines().collect();

    assert_eq!(run.code, 1);
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert!(
        lines[2].starts_with(
            "::error file=typos/welcome.journey,line=6,col=10,endColumn=13,title=syntax-error\
             ::expected a unit of time such as `days`, found `dayz`%0A"
        ),
        "{}",
        lines[2]
    );
    assert!(lines
        .iter()
        .all(|l| l.starts_with("::error file=") && !l.contains('\n')));
}

#[test]
fn sarif_is_one_log_of_version_2_1_0() {
    let run = check_fixture(&["typos", "--format", "sarif"]);
    let log: Value = serde_json::from_str(&run.stdout).expect("stdout is one JSON document");

    assert_eq!(run.code, 1);
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"]
        .as_str()
        .unwrap()
        .contains("sarif-schema-2.1.0"));
    let run_log = &log["runs"][0];
    assert_eq!(run_log["tool"]["driver"]["name"], "journey");
    assert_eq!(run_log["tool"]["driver"]["rules"][0]["id"], "syntax-error");
    let results = run_log["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let region = &results[2]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(6), Some(10))
    );
    assert_eq!(
        results[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "typos/welcome.journey"
    );
}

#[test]
fn a_clean_sarif_log_has_no_results() {
    let run = check_fixture(&["clean", "--format", "sarif"]);
    let log: Value = serde_json::from_str(&run.stdout).expect("stdout is one JSON document");

    assert_eq!(run.code, 0);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(run.stderr, "checked 1 file: no problems\n");
}

#[test]
fn each_path_is_its_own_unit_and_keeps_its_file_names() {
    let run = check_fixture(&["clean", "typos/welcome.journey", "--format", "json"]);
    let files: Vec<String> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap()["file"].to_string())
        .collect();

    assert_eq!(
        files,
        ["\"typos/welcome.journey\"", "\"typos/welcome.journey\""]
    );
    assert_eq!(run.stderr, "checked 2 files in 2 projects: 2 errors\n");
}

#[test]
fn the_examples_folder_is_a_collection_of_projects_each_checked_on_its_own() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = journey(root, &["check", "examples"]);

    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "checked 20 files in 9 projects: no problems\n");
}

#[test]
fn a_collection_has_a_unit_per_project_and_one_for_loose_files() {
    let dir = folder_with(&[]);
    let root = dir.path();
    std::fs::create_dir_all(root.join("a")).unwrap();
    std::fs::create_dir_all(root.join("deep/b/nested")).unwrap();
    let files: [(&str, &str); 6] = [
        ("a/journey.toml", ""),
        ("a/lists.journey", "list shared\n"),
        (
            "deep/b/journey.toml",
            "[lints]\nunused-declaration = \"allow\"\n",
        ),
        ("deep/b/lists.journey", "list shared\n"),
        ("deep/b/nested/more.journey", "list more\n"),
        ("loose.journey", "list shared\n"),
    ];
    for (name, text) in files {
        std::fs::write(root.join(name), text).unwrap();
    }
    let run = journey(root, &["check", "--format", "json"]);
    let flagged: Vec<String> = run
        .stdout
        .lines()
        .map(|line| {
            let object: Value = serde_json::from_str(line).unwrap();
            format!("{} {}", object["file"], object["code"])
        })
        .collect();

    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(
        flagged,
        [
            "\"loose.journey\" \"unused-declaration\"",
            "\"a/lists.journey\" \"unused-declaration\""
        ]
    );
    assert_eq!(run.stderr, "checked 4 files in 3 projects: 2 warnings\n");
}

#[test]
fn warnings_pass_unless_denied() {
    let allowed = check_fixture(&["warning"]);
    let denied = check_fixture(&["warning", "--deny", "warnings"]);

    assert_eq!(allowed.code, 0, "{}", allowed.stdout);
    assert!(allowed.stdout.starts_with("warning["), "{}", allowed.stdout);
    assert_eq!(allowed.stderr, "checked 1 file: 1 warning\n");
    assert_eq!(denied.code, 1);
    assert_eq!(denied.stderr, "checked 1 file: 1 warning (denied)\n");
}

#[test]
fn denied_warnings_are_reported_as_errors_in_every_format() {
    let run = |format: &str| {
        let run = check_fixture(&["warning", "--deny", "warnings", "--format", format]);
        assert_eq!(run.code, 1, "{format}: {}", run.stdout);
        assert_eq!(run.stderr, "checked 1 file: 1 warning (denied)\n");
        run.stdout
    };

    let human = run("human");
    let json: Value = serde_json::from_str(run("json").trim()).unwrap();
    let github = run("github");
    let sarif: Value = serde_json::from_str(&run("sarif")).unwrap();

    assert!(human.starts_with("error[unused-declaration]: "), "{human}");
    assert!(!human.contains("warning["), "{human}");
    assert_eq!(
        (json["code"].as_str(), json["severity"].as_str()),
        (Some("unused-declaration"), Some("error"))
    );
    assert!(
        github.starts_with("::error file=warning/welcome.journey,"),
        "{github}"
    );
    assert_eq!(sarif["runs"][0]["results"][0]["level"], "error");
}

#[test]
fn journey_toml_in_the_project_folder_sets_lint_levels() {
    let folder = check_fixture(&["configured"]);
    let single_file = check_fixture(&["configured/welcome.journey"]);

    assert_eq!((folder.code, folder.stdout.as_str()), (0, ""));
    assert_eq!(folder.stderr, "checked 1 file: no problems\n");
    assert_eq!((single_file.code, single_file.stdout.as_str()), (0, ""));
}

#[test]
fn a_mistake_in_journey_toml_is_reported_on_that_file() {
    let welcome = std::fs::read(fixtures().join("configured/welcome.journey")).unwrap();
    let dir = folder_with(&[
        ("welcome.journey", &welcome),
        ("journey.toml", b"[lints]\nunused-declration = \"allow\"\n"),
    ]);
    let run = journey(dir.path(), &["check", "--format", "json"]);
    let first: Value = serde_json::from_str(run.stdout.lines().next().unwrap()).unwrap();

    assert_eq!(run.code, 1);
    assert_eq!(first["file"], "journey.toml");
    assert_eq!(first["code"], "bad-config");
    assert_eq!(first["help"], "did you mean `unused-declaration`?");
}

#[test]
fn empty_and_blank_files_check_clean() {
    let dir = folder_with(&[("empty.journey", b""), ("blank.journey", b"  \n\t\n")]);
    let run = journey(dir.path(), &["check", "."]);

    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.stderr, "checked 2 files: no problems\n");
}

#[test]
fn a_binary_file_is_a_usage_error_that_names_it() {
    let dir = folder_with(&[("logo.journey", b"\x89PNG\r\n\x1a\n\xff\xfe")]);
    let run = journey(dir.path(), &["check", "logo.journey"]);

    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`logo.journey` is not a text file"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("not valid UTF-8"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
}

#[test]
fn a_nul_byte_marks_a_binary_file_even_in_valid_utf8() {
    let dir = folder_with(&[("data.journey", b"list a\0\0\0\n")]);
    let run = journey(dir.path(), &["check", "data.journey"]);

    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("NUL byte at byte 6"), "{}", run.stderr);
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let dir = folder_with(&[]);
    let run = journey(dir.path(), &["check", "nowhere.journey"]);

    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`nowhere.journey` does not exist"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_folder_without_journey_files_is_a_usage_error() {
    let dir = folder_with(&[("notes.txt", b"not a journey")]);
    let run = journey(dir.path(), &["check"]);

    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`.` holds no .journey files"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unknown_format_is_a_usage_error() {
    let run = check_fixture(&["clean", "--format", "xml"]);

    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("xml"), "{}", run.stderr);
}

/// `journey check ... 2>&1 | true`: the reader is gone before anything is
/// written. The exit code must still be the check's, not a panic's.
#[test]
fn a_closed_pipe_on_stdout_and_stderr_keeps_the_exit_code() {
    for (fixture, expected) in [("clean", 0), ("typos", 1)] {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let status = Command::new(env!("CARGO_BIN_EXE_journey"))
            .args(["check", fixture])
            .current_dir(fixtures())
            .stdout(writer.try_clone().expect("a second end"))
            .stderr(writer)
            .status()
            .expect("the journey binary runs");

        assert_eq!(status.code(), Some(expected), "{fixture}");
    }
}
