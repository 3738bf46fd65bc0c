//! The example projects, the diagnostics catalogue and a new user's first
//! mistakes, checked end to end with the built `journey` binary.
//!
//! - `examples`: every project under `examples/` checks clean with
//!   `--deny warnings`, and there are at least eight of them.
//! - `mutations`: each example, copied to a temporary folder and broken by
//!   one textual change from a table, reports the expected diagnostic on
//!   the expected line. Every change must match the example's current text,
//!   so editing an example makes this test say which row to update.
//! - `new_users`: four mistakes from the first day with the language get a
//!   message that says what is wrong and help that says how to fix it, and
//!   following the help makes the project clean.
//! - `catalogue`: `docs/diagnostics.md` documents every code that the
//!   compiler's sources can report, with the right severity, and each of its
//!   examples prints exactly the output shown beside it. After a deliberate
//!   change of wording, `JOURNEY_UPDATE_DOCS=1 cargo test --test examples`
//!   rewrites the shown outputs; read the diff before committing it.

use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What one run of the binary did.
struct Run {
    code: i32,
    stdout: String,
}

/// Runs `journey ARGS` in `dir`.
fn journey(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_journey"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the journey binary runs");
    Run {
        code: output.status.code().expect("the binary exits with a code"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
    }
}

/// The diagnostics of a `--format json` run, one object per line.
fn json_diagnostics(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
        .collect()
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Writes `files` (path relative to `dir`, text) into `dir`.
fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create a folder for a test file");
        }
        fs::write(path, text).expect("write a test file");
    }
}

/// Copies the folder `from`, with everything in it, to `to`.
fn copy_folder(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create the copy's folder");
    for entry in fs::read_dir(from).expect("read an example folder") {
        let entry = entry.expect("read a folder entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).expect("copy an example file");
        }
    }
}

/// A field of a JSON diagnostic as text ("" when absent or null).
fn text_of<'v>(diagnostic: &'v Value, field: &str) -> &'v str {
    diagnostic[field].as_str().unwrap_or("")
}

/// The 1-based line of a JSON diagnostic's primary label.
fn line_of(diagnostic: &Value) -> u64 {
    diagnostic["start"]["line"]
        .as_u64()
        .expect("a diagnostic has a start line")
}

mod examples {
    use super::*;

    /// Every folder under `examples/`, in name order.
    pub fn projects() -> Vec<PathBuf> {
        let mut projects: Vec<PathBuf> = fs::read_dir(repo().join("examples"))
            .expect("read examples/")
            .map(|entry| entry.expect("read a folder entry").path())
            .filter(|path| path.is_dir())
            .collect();
        projects.sort();
        projects
    }

    #[test]
    fn every_example_project_checks_clean_with_warnings_denied() {
        let projects = projects();
        assert!(
            projects.len() >= 8,
            "examples/ should hold at least 8 projects, found {}",
            projects.len()
        );

        for project in projects {
            let path = project.to_str().expect("a UTF-8 path");
            let run = journey(repo(), &["check", "--deny", "warnings", path]);

            assert_eq!(run.code, 0, "{path}:\n{}", run.stdout);
            assert_eq!(run.stdout, "", "{path}");
        }
    }
}

mod mutations {
    use super::*;
    use std::collections::BTreeSet;

    /// One deliberate mistake in one file of one example project.
    struct Mutation {
        project: &'static str,
        file: &'static str,
        /// Text of the file as it is now; it must occur exactly once.
        find: &'static str,
        replace: &'static str,
        /// The diagnostic that must follow, and the line it points at.
        code: &'static str,
        line: u64,
        /// Words that the message or the help must contain.
        says: &'static [&'static str],
    }

    /// A misspelt jump target: `unknown-step` with "did you mean".
    const fn typo(
        project: &'static str,
        file: &'static str,
        find: &'static str,
        replace: &'static str,
        line: u64,
        says: &'static [&'static str],
    ) -> Mutation {
        Mutation {
            project,
            file,
            find,
            replace,
            code: "unknown-step",
            line,
            says,
        }
    }

    const MUTATIONS: &[Mutation] = &[
        typo(
            "quickstart",
            "welcome.journey",
            "welcome.portal -> done",
            "welcome.portal -> dnoe",
            8,
            &["no step labelled `dnoe`", "did you mean `done`?"],
        ),
        typo(
            "health-fair",
            "health_fair.journey",
            "timeout 7 days -> no_reply",
            "timeout 7 days -> no_replay",
            27,
            &["did you mean `no_reply`?"],
        ),
        typo(
            "patient-education",
            "diabetes_basics.journey",
            "click series_check_in.call_me -> call_request,",
            "click series_check_in.call_me -> call_requests,",
            27,
            &["did you mean `call_request`?"],
        ),
        typo(
            "re-engagement",
            "win_back.journey",
            "timeout 24 days -> still_dormant",
            "timeout 24 days -> still_dormnat",
            32,
            &["did you mean `still_dormant`?"],
        ),
        typo(
            "appointment-follow-up",
            "appointment.journey",
            "late -> same_day",
            "late -> sameday",
            19,
            &["did you mean `same_day`?"],
        ),
        Mutation {
            project: "preventive-care",
            file: "birthday_wellness.journey",
            find: "contact.last_checkup > now - 11 months",
            replace: "contact.last_checkup > \"2026-01-01\"",
            code: "type-mismatch",
            line: 17,
            says: &["cannot compare `datetime` with `text`", "without quotes"],
        },
        Mutation {
            project: "re-engagement",
            file: "win_back.journey",
            find: "contact.last_portal_login < now - 6 months",
            replace: "contact.last_portal_login < \"six months ago\"",
            code: "type-mismatch",
            line: 7,
            says: &["cannot compare `datetime` with `text`"],
        },
        Mutation {
            project: "onboarding",
            file: "onboarding.journey",
            find: "when contact.pcp_chosen -> rewards_check",
            replace: "when contact.pcp_chosen == \"yes\" -> rewards_check",
            code: "type-mismatch",
            line: 18,
            says: &["cannot compare `bool` with `text`"],
        },
        Mutation {
            project: "quit-tobacco",
            file: "quit_program.journey",
            find: "timeout 2 weeks",
            replace: "",
            code: "syntax-error",
            line: 22,
            says: &["`timeout`", "`forever`"],
        },
        Mutation {
            project: "re-enrollment",
            file: "renewal.journey",
            find: "timeout 7 days",
            replace: "",
            code: "syntax-error",
            line: 20,
            says: &["`timeout`", "`forever`"],
        },
        Mutation {
            project: "appointment-follow-up",
            file: "appointment.journey",
            find: "timeout 3 days -> done",
            replace: "",
            code: "syntax-error",
            line: 31,
            says: &["`timeout`", "`forever`"],
        },
    ];

    /// Copies the project, applies the mutation and checks the copy.
    fn check_mutated(mutation: &Mutation) -> (Run, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("a temporary folder");
        copy_folder(&repo().join("examples").join(mutation.project), dir.path());
        let path = dir.path().join(mutation.file);
        let text = fs::read_to_string(&path).expect("read the example file");
        assert_eq!(
            text.matches(mutation.find).count(),
            1,
            "examples/{}/{} should contain {:?} exactly once; update the mutation table",
            mutation.project,
            mutation.file,
            mutation.find
        );

        fs::write(&path, text.replace(mutation.find, mutation.replace)).expect("write");
        (
            journey(dir.path(), &["check", "--format", "json", "."]),
            dir,
        )
    }

    #[test]
    fn each_broken_example_reports_the_expected_diagnostic_on_its_line() {
        for mutation in MUTATIONS {
            let (run, _dir) = check_mutated(mutation);
            let what = format!(
                "{}/{}: {:?} -> {:?}\n{}",
                mutation.project, mutation.file, mutation.find, mutation.replace, run.stdout
            );

            assert_eq!(run.code, 1, "{what}");
            let diagnostics = json_diagnostics(&run.stdout);
            let found = diagnostics.iter().find(|d| {
                text_of(d, "code") == mutation.code
                    && text_of(d, "file") == mutation.file
                    && line_of(d) == mutation.line
            });
            let Some(found) = found else {
                panic!(
                    "expected `{}` on line {}:\n{what}",
                    mutation.code, mutation.line
                );
            };
            let said = format!("{} {}", text_of(found, "message"), text_of(found, "help"));
            for words in mutation.says {
                assert!(said.contains(words), "{words:?} not in {said:?}\n{what}");
            }
        }
    }

    #[test]
    fn every_example_is_broken_at_least_once_in_three_ways() {
        let mutated: BTreeSet<String> = MUTATIONS.iter().map(|m| m.project.into()).collect();
        let projects: BTreeSet<String> = examples::projects()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(mutated, projects, "every example needs a mutation");

        let kinds: BTreeSet<&str> = MUTATIONS.iter().map(|m| m.code).collect();
        assert_eq!(
            kinds,
            BTreeSet::from(["syntax-error", "type-mismatch", "unknown-step"])
        );
    }
}

mod new_users {
    use super::*;

    /// A one-file project with one email (body `welcome.html`), a mistake
    /// in it, the diagnostic the mistake must produce, and the change that
    /// the help asks for.
    struct Case {
        project: &'static str,
        code: &'static str,
        severity: &'static str,
        /// Text on the line the diagnostic must point at.
        line_with: &'static str,
        message: &'static str,
        help: &'static str,
        fix: (&'static str, &'static str),
    }

    const BODY: &str =
        "<p>Hi {{ contact.first_name }}, <a href=\"{{ link.portal }}\">sign in</a>.</p>\n";

    /// Checks the case's project as it is, then with its fix applied.
    fn check_case(case: &Case) {
        let dir = tempfile::tempdir().expect("a temporary folder");
        write_files(
            dir.path(),
            &[("project.journey", case.project), ("welcome.html", BODY)],
        );
        let run = journey(dir.path(), &["check", "--format", "json", "."]);

        let expected_exit = if case.severity == "error" { 1 } else { 0 };
        assert_eq!(run.code, expected_exit, "{}", run.stdout);
        let diagnostics = json_diagnostics(&run.stdout);
        assert_eq!(diagnostics.len(), 1, "{}", run.stdout);
        let found = &diagnostics[0];
        let line = case
            .project
            .lines()
            .position(|l| l.contains(case.line_with))
            .expect("the marked line is in the project") as u64
            + 1;
        assert_eq!(text_of(found, "code"), case.code);
        assert_eq!(text_of(found, "severity"), case.severity);
        assert_eq!(line_of(found), line, "{}", run.stdout);
        assert_eq!(text_of(found, "message"), case.message);
        assert_eq!(text_of(found, "help"), case.help);

        let (find, replace) = case.fix;
        assert_eq!(case.project.matches(find).count(), 1, "{find:?}");
        let fixed = case.project.replace(find, replace);
        write_files(dir.path(), &[("project.journey", &fixed)]);
        let run = journey(dir.path(), &["check", "--deny", "warnings", "."]);
        assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{fixed}");
    }

    #[test]
    fn waiting_for_a_click_on_a_link_the_email_does_not_have() {
        check_case(&Case {
            project: r#"contact {
  email: email
  first_name: text
}

list members "Members"

email welcome {
  kind treatment
  subject "Welcome, {{ contact.first_name }}"
  body "welcome.html"
  link portal "https://portal.example.org"
}

journey onboarding {
  from "Example Health <care@example.org>"
  enter on list members
  send welcome
  wait for click welcome.webinar -> done
           timeout 3 days
  done: end
}
"#,
            code: "unknown-link",
            severity: "error",
            line_with: "wait for click",
            message: "the email `welcome` has no link named `webinar`",
            help: "`welcome` declares the links `portal`; add `link webinar \"https://...\"` \
                   to it, or wait for a declared link",
            fix: ("welcome.webinar", "welcome.portal"),
        });
    }

    #[test]
    fn a_goto_back_to_the_first_step_warns_that_the_run_ends_there() {
        check_case(&Case {
            project: r#"contact {
  email: email
  first_name: text
}

list members "Members"

email welcome {
  kind treatment
  subject "Welcome, {{ contact.first_name }}"
  body "welcome.html"
  link portal "https://portal.example.org"
}

journey onboarding {
  from "Example Health <care@example.org>"
  enter on list members
  invite: send welcome
  wait for click welcome.portal -> done
           timeout 3 days
  goto invite
  done: end
}
"#,
            code: "revisit-ends-run",
            severity: "warning",
            line_with: "goto invite",
            message: "this jump always returns to `invite`, which the contact has already \
                      visited: the run ends here",
            help: "jump to a new step instead (for example a second reminder), or `end` on \
                   purpose",
            fix: ("  goto invite\n", "  end\n"),
        });
    }

    #[test]
    fn a_condition_comparing_a_date_field_with_text() {
        check_case(&Case {
            project: r#"contact {
  email: email
  first_name: text
  renewal_due: date
}

list members "Members"

email welcome {
  kind treatment
  subject "Welcome, {{ contact.first_name }}"
  body "welcome.html"
  link portal "https://portal.example.org"
}

journey renewal {
  from "Example Health <care@example.org>"
  enter on list members
  branch {
    when contact.renewal_due < "2027-01-31" -> soon
    else -> done
  }
  soon: send welcome
  done: end
}
"#,
            code: "type-mismatch",
            severity: "error",
            line_with: "when contact.renewal_due",
            message: "cannot compare `date` with `text`",
            help: "write a date without quotes, as in `2026-03-01`",
            fix: ("\"2027-01-31\"", "2027-01-31"),
        });
    }

    #[test]
    fn an_optional_appointment_time_in_a_relative_wait() {
        check_case(&Case {
            project: r#"contact {
  email: email
  first_name: text
  appointment_at: datetime? phi
}

event appointment_booked

email welcome {
  kind treatment
  subject "Your appointment, {{ contact.first_name }}"
  body "welcome.html"
  link portal "https://portal.example.org"
}

journey reminders {
  from "Example Health <care@example.org>"
  enter on event appointment_booked
  wait until contact.appointment_at - 1 day at 09:00
  send welcome
  done: end
}
"#,
            code: "optional-unguarded",
            severity: "error",
            line_with: "wait until",
            message: "`contact.appointment_at` may be missing, and this wait does not say what \
                      happens then",
            help: "add `missing -> label` to the step to say where contacts without it go",
            fix: ("at 09:00\n", "at 09:00\n             missing -> done\n"),
        });
    }
}

mod catalogue {
    //! `docs/diagnostics.md`, read as data.
    //!
    //! The page has one `### `code`` section per diagnostic. Inside a
    //! section, a line `**Severity:** ...` gives the severity; fences whose
    //! info string holds `file=NAME` are the files of the example (added to
    //! the base project, replacing a base file of the same name); the fence
    //! with the info string `text output` is what `journey check` prints for
    //! it. Fences with `file=` outside any section are the base project. The
    //! index is a table whose rows start with ``| [`code`]``.

    use super::*;
    use journey_compiler::check::lints::LINTS;
    use std::collections::{BTreeMap, BTreeSet};

    const PAGE: &str = "docs/diagnostics.md";
    const LINT_SEVERITY: &str = "warning (lint, default warn)";

    /// A fenced block: its info string, text, and the page lines it spans
    /// (the lines between the fences).
    struct Fence {
        info: String,
        text: String,
        lines: std::ops::Range<usize>,
    }

    impl Fence {
        /// The `file=NAME` of the info string, if any.
        fn file_name(&self) -> Option<&str> {
            self.info
                .split_whitespace()
                .find_map(|word| word.strip_prefix("file="))
        }
    }

    /// One `### `code`` section.
    #[derive(Default)]
    struct Section {
        code: String,
        severity: Option<String>,
        files: Vec<(String, String)>,
        output: Option<Fence>,
    }

    struct Page {
        lines: Vec<String>,
        base: Vec<(String, String)>,
        sections: Vec<Section>,
        /// (code, severity) of each index row.
        index: Vec<(String, String)>,
    }

    fn read_page() -> Page {
        let text = fs::read_to_string(repo().join(PAGE)).expect("read docs/diagnostics.md");
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mut page = Page {
            lines: Vec::new(),
            base: Vec::new(),
            sections: Vec::new(),
            index: Vec::new(),
        };

        let mut current: Option<Section> = None;
        let mut at = 0;
        while at < lines.len() {
            let line = &lines[at];
            if let Some(info) = line.strip_prefix("```") {
                let start = at + 1;
                let end = (start..lines.len())
                    .find(|&i| lines[i] == "```")
                    .unwrap_or_else(|| panic!("{PAGE}:{}: a fence is never closed", at + 1));
                let mut text = lines[start..end].join("\n");
                if end > start {
                    text.push('\n');
                }
                let fence = Fence {
                    info: info.trim().to_string(),
                    text,
                    lines: start..end,
                };
                file_fence(fence, current.as_mut(), &mut page.base);
                at = end + 1;
                continue;
            }

            if let Some(code) = heading_code(line) {
                page.sections.extend(current.take());
                current = Some(Section {
                    code: code.to_string(),
                    ..Section::default()
                });
            } else if line.starts_with("## ") {
                page.sections.extend(current.take());
            } else if let Some(severity) = line.strip_prefix("**Severity:**") {
                if let Some(section) = current.as_mut() {
                    section.severity = Some(severity.trim().to_string());
                }
            } else if let Some(row) = index_row(line) {
                page.index.push(row);
            }
            at += 1;
        }
        page.sections.extend(current);
        page.lines = lines;
        page
    }

    /// Files a fence as an example file, an expected output, or neither.
    fn file_fence(fence: Fence, section: Option<&mut Section>, base: &mut Vec<(String, String)>) {
        let name = fence.file_name().map(str::to_string);
        match (section, name) {
            (Some(section), Some(name)) => section.files.push((name, fence.text)),
            (None, Some(name)) => base.push((name, fence.text)),
            (Some(section), None) if fence.info == "text output" => {
                assert!(
                    section.output.is_none(),
                    "`{}` shows two outputs",
                    section.code
                );
                section.output = Some(fence);
            }
            _ => {}
        }
    }

    /// `code` of a heading ``### `code` ``.
    fn heading_code(line: &str) -> Option<&str> {
        line.strip_prefix("### `")?.strip_suffix('`')
    }

    /// (code, severity) of an index row ``| [`code`](#code) | error | ... |``.
    fn index_row(line: &str) -> Option<(String, String)> {
        let rest = line.strip_prefix("| [`")?;
        let (code, rest) = rest.split_once("`]")?;
        let severity = rest.split('|').nth(1)?.trim();
        Some((code.to_string(), severity.to_string()))
    }

    /// Every kebab-case text literal in the parser's and the checker's
    /// sources. Codes are such literals (a code is the first argument of
    /// `Diagnostic::error`/`warning`, a `code = "..."`, or the value of a
    /// function such as `Kind::unknown_code`), and no other text there has
    /// that shape; if some day one does, this scan reports it as an
    /// undocumented code, loudly rather than silently.
    fn codes_in_sources() -> BTreeSet<String> {
        let mut codes = BTreeSet::new();
        for folder in ["compiler/src/syntax", "compiler/src/check"] {
            for file in rust_files(&repo().join(folder)) {
                let text = fs::read_to_string(&file).expect("read a compiler source");
                codes.extend(kebab_literals(&text).into_iter().map(str::to_string));
            }
        }
        codes
    }

    fn rust_files(folder: &Path) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for entry in fs::read_dir(folder).expect("read a source folder") {
            let path = entry.expect("read a folder entry").path();
            if path.is_dir() {
                files.extend(rust_files(&path));
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
        files
    }

    /// Text literals of the form `"word-word..."` (lower-case ASCII words
    /// joined by single hyphens) in Rust source.
    fn kebab_literals(source: &str) -> Vec<&str> {
        let mut found = Vec::new();
        for (open, _) in source.match_indices('"') {
            if source[..open].ends_with('\\') {
                continue;
            }
            let rest = &source[open + 1..];
            let Some(close) = rest.find('"') else {
                continue;
            };
            let word = &rest[..close];
            let words_ok = word
                .split('-')
                .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()));
            if word.contains('-') && words_ok {
                found.push(word);
            }
        }
        found
    }

    fn is_lint(code: &str) -> bool {
        LINTS.iter().any(|lint| lint.name == code)
    }

    #[test]
    fn the_scan_finds_codes_in_literals_and_nothing_else() {
        let source = r#"Diagnostic::error("unknown-step", "no step \"a-b\" here", l);
            d.code = "unknown-link"; let x = "well-known words"; "-x" "y-" "a--b""#;
        assert_eq!(kebab_literals(source), ["unknown-step", "unknown-link"]);
    }

    #[test]
    fn the_catalogue_documents_every_code_the_compiler_can_report() {
        let codes = codes_in_sources();
        assert!(
            codes.len() >= 40 && codes.contains("syntax-error") && codes.contains("bad-config"),
            "the scan of the compiler sources looks broken: {codes:?}"
        );
        let page = read_page();
        let documented: BTreeSet<String> = page.sections.iter().map(|s| s.code.clone()).collect();
        assert_eq!(
            documented.len(),
            page.sections.len(),
            "a code has two sections"
        );

        let undocumented: Vec<&String> = codes.difference(&documented).collect();
        assert!(
            undocumented.is_empty(),
            "codes in compiler/src/{{syntax,check}} with no section in {PAGE}: {undocumented:?}"
        );
        let stale: Vec<&String> = documented.difference(&codes).collect();
        assert!(
            stale.is_empty(),
            "{PAGE} documents codes the compiler no longer has: {stale:?}"
        );

        let indexed: Vec<&str> = page.index.iter().map(|(code, _)| code.as_str()).collect();
        let sections: Vec<&str> = page.sections.iter().map(|s| s.code.as_str()).collect();
        assert_eq!(
            indexed, sections,
            "the index lists every section once, in page order"
        );
    }

    #[test]
    fn the_catalogue_gives_each_code_its_severity() {
        let page = read_page();
        let index: BTreeMap<&str, &str> = page
            .index
            .iter()
            .map(|(code, severity)| (code.as_str(), severity.as_str()))
            .collect();

        for section in &page.sections {
            let code = section.code.as_str();
            let (long, short) = if is_lint(code) {
                (LINT_SEVERITY, "warning")
            } else {
                ("error", "error")
            };
            assert_eq!(section.severity.as_deref(), Some(long), "`{code}`");
            assert_eq!(
                index.get(code).copied(),
                Some(short),
                "index row of `{code}`"
            );
        }
    }

    /// A temporary project: the base files, then the section's files.
    fn project(base: &[(String, String)], files: &[(String, String)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mut all: BTreeMap<&str, &str> = BTreeMap::new();
        for (name, text) in base.iter().chain(files) {
            all.insert(name, text);
        }
        let all: Vec<(&str, &str)> = all.into_iter().collect();
        write_files(dir.path(), &all);
        dir
    }

    #[test]
    fn the_base_project_of_the_catalogue_is_clean() {
        let page = read_page();
        assert!(!page.base.is_empty(), "{PAGE} shows no base project");

        let dir = project(&page.base, &[]);
        let run = journey(dir.path(), &["check", "--deny", "warnings", "."]);
        assert_eq!((run.code, run.stdout.as_str()), (0, ""));
    }

    #[test]
    fn every_catalogue_example_prints_the_output_shown() {
        let page = read_page();
        let update = std::env::var_os("JOURNEY_UPDATE_DOCS").is_some();
        let mut outdated = Vec::new();
        let mut new_outputs = Vec::new();

        for section in &page.sections {
            let code = section.code.as_str();
            assert!(!section.files.is_empty(), "`{code}` has no example");
            let shown = section
                .output
                .as_ref()
                .unwrap_or_else(|| panic!("`{code}` shows no `text output`"));
            let dir = project(&page.base, &section.files);

            let json = journey(dir.path(), &["check", "--format", "json", "."]);
            let found: Vec<(String, String)> = json_diagnostics(&json.stdout)
                .iter()
                .map(|d| (text_of(d, "code").into(), text_of(d, "severity").into()))
                .collect();
            let severity = if is_lint(code) { "warning" } else { "error" };
            assert_eq!(
                found,
                [(code.to_string(), severity.to_string())],
                "the example of `{code}` should report it once, and nothing else"
            );

            let human = journey(dir.path(), &["check", "."]);
            assert_eq!(human.code, if is_lint(code) { 0 } else { 1 }, "`{code}`");
            if human.stdout != shown.text {
                outdated.push(code);
                new_outputs.push((shown.lines.clone(), human.stdout));
            }
        }

        if update {
            rewrite_outputs(page.lines, new_outputs);
            return;
        }
        assert!(
            outdated.is_empty(),
            "{PAGE} shows outdated output for {outdated:?}; \
             JOURNEY_UPDATE_DOCS=1 cargo test --test examples rewrites it"
        );
    }

    /// Replaces the given line ranges of the page with new texts.
    fn rewrite_outputs(mut lines: Vec<String>, mut outputs: Vec<(std::ops::Range<usize>, String)>) {
        outputs.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
        for (range, text) in outputs {
            lines.splice(range, text.lines().map(str::to_string));
        }
        let mut text = lines.join("\n");
        text.push('\n');
        fs::write(repo().join(PAGE), text).expect("rewrite docs/diagnostics.md");
    }
}
