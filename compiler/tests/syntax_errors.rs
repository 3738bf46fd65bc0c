//! Every kind of syntax error the parser reports, as the author sees it.
//!
//! Each case is one line: a name and a small source. Its snapshot holds the
//! source with line numbers and then the diagnostics exactly as `journey
//! check` prints them (without colour), so a reviewer can judge the wording
//! without any other context. A few tests also check the text under the
//! primary label, which stays meaningful when the wording changes, and that
//! independent mistakes are each reported once.

use journey_compiler::diagnostic::Diagnostic;
use journey_compiler::render::{render_to_string, Format};
use journey_compiler::source::Sources;
use journey_compiler::syntax::parse_file;

/// Parses `source` as the one file of a project.
fn parse(source: &str) -> (Sources, Vec<Diagnostic>) {
    let mut sources = Sources::new();
    let file = sources.add("test.journey", source);
    let diagnostics = parse_file(file, source).diagnostics;
    (sources, diagnostics)
}

/// The source with line numbers, then its diagnostics as a terminal shows
/// them.
fn report(source: &str) -> String {
    let (sources, diagnostics) = parse(source);
    let rendered = render_to_string(Format::Human { color: false }, &sources, &diagnostics);

    let mut out = String::from("source:\n");
    for (i, line) in source.lines().enumerate() {
        out += format!("{:>3} | {line}", i + 1).trim_end();
        out.push('\n');
    }
    out + "\ndiagnostics:\n" + &rendered
}

/// The source text under each diagnostic's primary label.
fn underlined(source: &str) -> Vec<String> {
    let (_, diagnostics) = parse(source);
    diagnostics
        .iter()
        .map(|d| d.primary.span.text(source).to_string())
        .collect()
}

macro_rules! snapshots {
    ($($name:ident: $source:expr;)*) => {$(
        #[test]
        fn $name() {
            insta::assert_snapshot!(report($source));
        }
    )*};
}

snapshots! {
    unknown_step_keyword: "journey welcome {\n  sned welcome_email\n}\n";
    unknown_step_keyword_after_label: "journey welcome {\n  first: sned welcome_email\n}\n";
    unknown_first_word_not_close_to_any_keyword: "journey welcome {\n  frobnicate x\n}\n";
    bad_duration_unit: "journey welcome {\n  wait 3 dayz\n}\n";
    duration_without_unit: "journey welcome {\n  wait 3\n  end\n}\n";
    single_equals_in_branch:
        "journey a {\n  branch {\n    when contact.plan = \"gold\" -> b\n  }\n}\n";
    single_equals_in_exit: "journey a {\n  exit when contact.enrolled = true\n}\n";
    wait_for_without_timeout_or_forever: "journey a {\n  wait for open welcome\n  end\n}\n";
    unclosed_block_before_next_declaration: "journey a {\n  send x\n\njourney b {\n  end\n}\n";
    unclosed_block_at_end_of_file: "journey a {\n  send x\n";
    stray_closing_brace: "journey a {\n  end\n}\n}\n";
    unterminated_text_in_email:
        "email welcome {\n  subject \"Welcome, {{ contact.first_name }}\n}\n";
    unterminated_text_at_top_level: "list renewal_2026 \"Renewal 2026 cohort\n";
    unterminated_text_with_non_ascii: "journey a {\n  from \"Café 🎉 <care@example.org>\n  end\n}\n";
    bad_type_in_contact: "contact {\n  age: integer\n}\n";
    misspelt_type_in_contact: "contact {\n  age: nmber\n}\n";
    missing_arrow_target_before_next_line:
        "journey a {\n  wait for open x ->\n  timeout 3 days\n}\n";
    missing_arrow_target_after_timeout: "journey a {\n  wait for open x timeout 3 days ->\n}\n";
    bad_priority: "journey a {\n  priority urgent\n}\n";
    misspelt_priority: "journey a {\n  priority hgh\n}\n";
    bad_email_kind: "email x {\n  kind promotional\n}\n";
    misspelt_email_kind: "email x {\n  kind marketting\n}\n";
    split_share_without_percent: "journey a {\n  split {\n    50 -> a\n    50% -> b\n  }\n}\n";
    split_share_not_a_number: "journey a {\n  split {\n    half% -> a\n  }\n}\n";
    missing_name_after_send: "journey a {\n  send\n  end\n}\n";
    missing_name_after_send_at_block_end: "journey a {\n  send\n}\n";
    garbage_at_top_level: "hello world\n";
    number_at_top_level: "42\n";
    declaration_keyword_typo: "jurney renewal {\n  end\n}\n";
    email_keyword_typo: "emial welcome {\n  subject \"Hi\"\n}\n";
    misspelt_step_keywords_on_three_lines:
        "journey a {\n  send welcome\n  sedn welcome\n  wiat 3 days\n  ned\n}\n";
    misspelt_step_after_a_bad_unit: "journey a {\n  wait 3 dyas\n  sedn welcome\n}\n";
    misspelt_arms_of_wait_for:
        "journey a {\n  wait for\n    clik welcome,\n    opne welcome,\n    timeot 3 days\n  \
         sned welcome\n}\n";
    misspelt_arms_of_branch:
        "journey a {\n  branch {\n    wehn contact.x == 1 -> b\n    when contact.x == 2 => c\n    \
         esle -> d\n  }\n  b: end\n  c: end\n  d: end\n}\n";
    misspelt_declaration_keyword_hides_its_body:
        "journy welcome {\n  sned welcome\n  wait 3 dyas\n}\n";
    unclosed_branch_is_one_error:
        "journey a {\n  branch {\n    when contact.x == 1 -> b\n  b: end\n}\n";
    broken_multi_line_arm_is_one_error:
        "journey a {\n  branch {\n    when contact.x == and\n      contact.y == 2 -> b\n    \
         else -> b\n  }\n  b: end\n}\n";
    misspelt_entry_source: "journey a {\n  enter on lsit newcomers\n  end\n}\n";
    goto_without_label: "journey a {\n  goto\n}\n";
    misspelt_wait_for_condition: "journey a {\n  wait for clik welcome timeout 3 days\n  end\n}\n";
    condition_ends_with_and:
        "journey a {\n  exit when contact.x == 1 and\n  send welcome\n}\n";
    zone_missing_after_in:
        "journey a {\n  wait until thursday 12:00-14:00 in\n  send welcome\n}\n";
    condition_ends_with_operator_and_a_space:
        "journey a {\n  exit when contact.first_name == \n  end\n}\n";
    condition_ends_with_operator_and_a_comment:
        "journey a {\n  exit when contact.first_name == # comment\n  end\n}\n";
    moment_ends_with_minus_and_a_tab: "journey a {\n  wait until contact.due - \t\n  end\n}\n";
    duration_without_unit_before_a_comment: "journey a {\n  wait 3 # three\n  end\n}\n";
    branch_arm_condition_ends_at_arrow:
        "journey a {\n  branch {\n    when contact.first_name == -> done\n    else -> done\n  \
         }\n  done: end\n}\n";
}

#[test]
fn the_primary_label_covers_the_offending_text() {
    let journey = |step: &str| format!("journey a {{\n  {step}\n}}\n");

    assert_eq!(underlined(&journey("wait 3 dayz")), ["dayz"]);
    assert_eq!(underlined(&journey("sned welcome")), ["sned"]);
    assert_eq!(
        underlined(&journey("exit when contact.enrolled = true")),
        ["="]
    );
    assert_eq!(
        underlined(&journey("wait for open x timeout 3 days ->")),
        ["->"]
    );
    assert_eq!(underlined(&journey("priority urgent")), ["urgent"]);
    assert_eq!(underlined("jurney a {\n}\n"), ["jurney"]);
    assert_eq!(underlined("list x \"open\n"), ["\""]);
    assert_eq!(underlined("contact {\n  age: integer\n}\n"), ["integer"]);
}

#[test]
fn did_you_mean_comes_with_a_fix_that_replaces_the_typo() {
    let source = "journey a {\n  wait 3 dayz\n}\n";
    let (_, diagnostics) = parse(source);

    let fixes: Vec<(&str, &str)> = diagnostics
        .iter()
        .flat_map(|d| &d.suggestions)
        .map(|s| (s.span.text(source), s.replacement.as_str()))
        .collect();
    assert_eq!(fixes, [("dayz", "days")]);
}

#[test]
fn three_unrelated_typos_are_each_reported_once_on_their_line() {
    let source = "\
journey renewal {
  priority hgh
  send invite
  wait 3 dayz
  end
}

email invite {
  kind marketting
  subject \"Hi\"
}
";
    let (sources, diagnostics) = parse(source);
    let file = sources.ids().next().unwrap();
    let lines = &sources.get(file).lines;

    let found: Vec<(u32, &str)> = diagnostics
        .iter()
        .map(|d| {
            (
                lines.line_of(d.primary.span.start as usize) + 1,
                d.primary.span.text(source),
            )
        })
        .collect();
    assert_eq!(found, [(2, "hgh"), (4, "dayz"), (9, "marketting")]);
}

#[test]
fn empty_and_blank_files_have_no_syntax_errors() {
    for source in ["", "   \n\t\n", "# only a comment\n"] {
        assert_eq!(parse(source).1, [], "{source:?}");
    }
}

#[test]
fn a_byte_order_mark_is_not_a_syntax_error() {
    let (_, diagnostics) = parse("\u{feff}list members \"Members\"\n");
    assert_eq!(diagnostics, vec![]);
}
