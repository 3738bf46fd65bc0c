//! End-to-end tests of `journey fmt`: the real binary on files in a
//! temporary folder, checking exit codes, what is printed and what is left
//! on disk.

use std::path::Path;
use std::process::{Command, Output};

const MESSY: &str = concat!(
    "journey welcome {\n",
    "  enter on list   new_members\n",
    "first:send   welcome_email # hello\n",
    "    end\n",
    "}\n",
    "list new_members\n",
);

const FORMATTED: &str = concat!(
    "journey welcome {\n",
    "  enter on list new_members\n",
    "  first: send welcome_email  # hello\n",
    "  end\n",
    "}\n",
    "\n",
    "list new_members\n",
);

const BROKEN: &str = "journey broken {\n  enter on list new_members\n  sned welcome_email\n}\n";

fn journey(folder: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_journey"))
        .args(args)
        .current_dir(folder)
        .env("NO_COLOR", "1")
        .output()
        .expect("the journey binary runs")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("journey exits with a code")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("the file is still there")
}

#[test]
fn check_names_an_unformatted_file_and_leaves_it_alone() {
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("welcome.journey");
    std::fs::write(&file, MESSY).unwrap();

    let output = journey(folder.path(), &["fmt", "--check", "welcome.journey"]);

    assert_eq!(code(&output), 1, "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "welcome.journey\n");
    assert!(
        stderr(&output).contains("1 file would be reformatted"),
        "{}",
        stderr(&output)
    );
    assert_eq!(read(&file), MESSY);
}

#[test]
fn fmt_rewrites_the_file_and_then_check_passes() {
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("welcome.journey");
    std::fs::write(&file, MESSY).unwrap();

    let output = journey(folder.path(), &["fmt", "welcome.journey"]);
    assert_eq!(code(&output), 0, "stderr: {}", stderr(&output));
    assert_eq!(stderr(&output), "formatted 1 file\n");
    assert_eq!(read(&file), FORMATTED);

    let again = journey(folder.path(), &["fmt", "--check", "welcome.journey"]);
    assert_eq!(code(&again), 0, "stderr: {}", stderr(&again));
    assert_eq!(stdout(&again), "");

    let no_change = journey(folder.path(), &["fmt", "welcome.journey"]);
    assert_eq!(stderr(&no_change), "formatted 0 files\n");
    let leftovers: Vec<_> = std::fs::read_dir(folder.path()).unwrap().collect();
    assert_eq!(
        leftovers.len(),
        1,
        "temporary files were left behind: {leftovers:?}"
    );
}

#[test]
fn a_file_with_a_syntax_error_is_reported_and_not_modified() {
    let folder = tempfile::tempdir().unwrap();
    let broken = folder.path().join("broken.journey");
    let messy = folder.path().join("welcome.journey");
    std::fs::write(&broken, BROKEN).unwrap();
    std::fs::write(&messy, MESSY).unwrap();

    let output = journey(folder.path(), &["fmt", "."]);

    assert_eq!(code(&output), 1);
    let errors = stderr(&output);
    assert!(errors.contains("error[syntax-error]"), "{errors}");
    assert!(errors.contains("broken.journey:3:3"), "{errors}");
    assert!(
        errors.contains("1 file not formatted because of syntax errors"),
        "{errors}"
    );
    assert_eq!(read(&broken), BROKEN);
    assert_eq!(read(&messy), FORMATTED, "the other file is still formatted");
}

#[test]
fn check_reports_a_syntax_error_too() {
    let folder = tempfile::tempdir().unwrap();
    let broken = folder.path().join("broken.journey");
    std::fs::write(&broken, BROKEN).unwrap();

    let output = journey(folder.path(), &["fmt", "--check", "broken.journey"]);

    assert_eq!(code(&output), 1);
    assert_eq!(
        stdout(&output),
        "",
        "a file that cannot be formatted is not listed"
    );
    assert!(
        stderr(&output).contains("broken.journey:3:3"),
        "{}",
        stderr(&output)
    );
    assert_eq!(read(&broken), BROKEN);
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let folder = tempfile::tempdir().unwrap();

    let output = journey(folder.path(), &["fmt", "no_such.journey"]);

    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("no_such.journey"),
        "{}",
        stderr(&output)
    );
}
