//! The VS Code extension in `editors/vscode`, checked with the tools VS Code
//! itself uses, without VS Code.
//!
//! The TextMate grammar is run by `editors/vscode/test/tokenize.js` on
//! vscode-textmate and the Oniguruma regex engine (npm packages that
//! `scripts/editors/install.sh` installs), which print every token of every
//! line with its scopes. The tests then check that:
//!
//! - every word and symbol of every example project gets a scope of its own
//!   (nothing falls through as plain text), nothing is marked invalid, and
//!   no region (block, string, declaration) is left open at the end;
//! - the constructs of `editors/vscode/test/fixtures/every-construct.journey`,
//!   a file that uses every form of grammar/journey.pest, get the scopes a
//!   table below expects, and the file parses;
//! - every keyword and fixed word of grammar/journey.pest appears in that
//!   file and is highlighted as a keyword or constant, so a word added to the
//!   language fails here until the highlighting knows it;
//! - a broken file (an unclosed string or placeholder) does not spill into
//!   the lines after it;
//! - the extension's manifest names files that exist, and extension.js
//!   starts `journey lsp` as its own unit tests (node's test runner) expect.

use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const INSTALL: &str = "scripts/editors/install.sh";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn extension_dir() -> PathBuf {
    repo().join("editors/vscode")
}

fn fixture() -> PathBuf {
    extension_dir().join("test/fixtures/every-construct.journey")
}

/// One token: its text and its scopes, outermost first.
#[derive(Debug)]
struct Token {
    text: String,
    scopes: Vec<String>,
}

impl Token {
    fn innermost(&self) -> &str {
        self.scopes.last().map(String::as_str).unwrap_or("")
    }
}

/// One source line as the grammar saw it.
#[derive(Debug)]
struct Line {
    file: PathBuf,
    /// Counted from 1, as editors show it.
    number: usize,
    text: String,
    tokens: Vec<Token>,
    /// The depth of the rule stack after the line: 1 when nothing is open.
    depth: u64,
}

/// Fails with what to run when the npm packages are not installed.
fn require_npm_packages() {
    let textmate = extension_dir().join("node_modules/vscode-textmate");
    let found_node = Command::new("node").arg("--version").output().is_ok();
    assert!(
        found_node && textmate.is_dir(),
        "node or the npm packages of editors/vscode are missing: run `bash {INSTALL}` \
         (scripts/test.sh runs it)"
    );
}

/// Tokenizes `files` with the extension's grammar.
fn tokenize(files: &[PathBuf]) -> Vec<Line> {
    require_npm_packages();
    let output = Command::new("node")
        .arg(extension_dir().join("test/tokenize.js"))
        .args(files)
        .output()
        .expect("node runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "tokenize.js failed:\n{stderr}");

    let sources: Vec<(PathBuf, Vec<String>)> = files
        .iter()
        .map(|file| {
            let text = fs::read_to_string(file).expect("read a tokenized file");
            (file.clone(), text.lines().map(str::to_owned).collect())
        })
        .collect();
    let stdout = String::from_utf8(output.stdout).expect("tokenize.js prints UTF-8");
    stdout
        .lines()
        .map(|json| parse_line(json, &sources))
        .collect()
}

/// Turns one line of tokenize.js output into a [`Line`], cutting the token
/// texts out of the source by their UTF-16 offsets.
fn parse_line(json: &str, sources: &[(PathBuf, Vec<String>)]) -> Line {
    let value: Value = serde_json::from_str(json).expect("tokenize.js prints JSON lines");
    let file = PathBuf::from(value["file"].as_str().expect("file"));
    let index = value["line"].as_u64().expect("line") as usize;
    let lines = &sources
        .iter()
        .find(|(path, _)| *path == file)
        .expect("a known file")
        .1;
    let text = lines[index].clone();
    let units: Vec<u16> = text.encode_utf16().collect();

    let tokens = value["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .map(|token| {
            let start = token[0].as_u64().expect("start") as usize;
            let end = token[1].as_u64().expect("end") as usize;
            let scopes = token[2].as_array().expect("scopes");
            Token {
                text: String::from_utf16(&units[start..end]).expect("whole characters"),
                scopes: scopes
                    .iter()
                    .map(|s| s.as_str().expect("scope").to_owned())
                    .collect(),
            }
        })
        .collect();
    Line {
        file,
        number: index + 1,
        text,
        tokens,
        depth: value["depth"].as_u64().expect("depth"),
    }
}

fn example_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for project in fs::read_dir(repo().join("examples")).expect("examples/") {
        let project = project.expect("an example folder").path();
        for entry in fs::read_dir(&project).expect("an example project") {
            let path = entry.expect("a file").path();
            if path.extension().is_some_and(|ext| ext == "journey") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// A scope that says nothing about the token: the file's or a region's.
fn is_container_scope(scope: &str) -> bool {
    scope.starts_with("source.") || scope.starts_with("meta.")
}

/// Everything wrong with how `lines` were highlighted, one entry per problem.
fn coverage_problems(lines: &[Line]) -> Vec<String> {
    let mut problems = Vec::new();
    for line in lines {
        for token in &line.tokens {
            let place = format!("{}:{}", line.file.display(), line.number);
            if token.text.trim().is_empty() {
                continue;
            }
            if is_container_scope(token.innermost()) {
                problems.push(format!(
                    "{place}: `{}` has no scope ({})",
                    token.text, line.text
                ));
            }
            if token.scopes.iter().any(|scope| scope.contains("invalid")) {
                problems.push(format!("{place}: `{}` is marked invalid", token.text));
            }
        }
    }

    let mut last_lines: Vec<&Line> = Vec::new();
    for line in lines {
        match last_lines.last_mut() {
            Some(last) if last.file == line.file => *last = line,
            _ => last_lines.push(line),
        }
    }
    for line in last_lines {
        if line.depth != 1 {
            problems.push(format!(
                "{}: a region is still open at the end (rule stack depth {})",
                line.file.display(),
                line.depth
            ));
        }
    }
    problems
}

#[test]
fn every_word_of_the_examples_gets_a_scope() {
    let files = example_files();
    assert!(files.len() >= 8, "the examples are found: {files:?}");
    let lines = tokenize(&files);
    let tokens: usize = lines.iter().map(|line| line.tokens.len()).sum();
    assert!(
        tokens > 2_000,
        "the examples were tokenized ({tokens} tokens)"
    );

    let problems = coverage_problems(&lines);
    assert!(
        problems.is_empty(),
        "highlighting gaps:\n{}",
        problems.join("\n")
    );
}

/// (a text that occurs in the fixture, a part of it, the scope that part
/// must have as its innermost scope, or a prefix of it).
const EXPECTED_SCOPES: &[(&str, &str, &str)] = &[
    (
        "# Every construct",
        "Every construct",
        "comment.line.number-sign",
    ),
    ("contact {", "contact", "storage.type.contact"),
    ("email: email", "email", "variable.other.field"),
    (": email", "email", "support.type.primitive"),
    ("plan: text?", "?", "keyword.operator.optional"),
    ("birth_date: date phi", "phi", "storage.modifier.phi"),
    ("score: number = 7.5", "=", "keyword.operator.assignment"),
    ("= 7.5", "7.5", "constant.numeric"),
    ("= 2027-12-01", "2027-12-01", "constant.numeric.date"),
    ("= 2027-01-15 at 09:00", "at", "keyword.other"),
    ("= 2027-01-15 at 09:00", "09:00", "constant.numeric.time"),
    (
        "= 2026-11-01T06:30:00Z",
        "2026-11-01T06:30:00Z",
        "constant.numeric.instant",
    ),
    ("= 3 days", "days", "constant.numeric.duration"),
    ("list newcomers", "list", "storage.type.list"),
    ("list renewal_2028", "renewal_2028", "entity.name.type.list"),
    (
        "\"Members \\\"renewing",
        "\\\"",
        "constant.character.escape",
    ),
    ("2028\\tand", "\\t", "constant.character.escape"),
    (
        "segment needs_a_call",
        "needs_a_call",
        "entity.name.type.segment",
    ),
    (
        "event portal_login\n",
        "portal_login",
        "entity.name.type.event",
    ),
    (
        "event form_submitted {",
        "form_submitted",
        "entity.name.type.event",
    ),
    ("email welcome {", "email", "storage.type.email"),
    ("email welcome {", "welcome", "entity.name.type.email"),
    ("kind marketing", "kind", "keyword.other.kind"),
    (
        "kind marketing",
        "marketing",
        "constant.language.email-kind",
    ),
    (
        "kind treatment",
        "treatment",
        "constant.language.email-kind",
    ),
    ("subject \"Hi", "subject", "keyword.other.email-setting"),
    ("\"Hi {{", "Hi", "string.quoted.double"),
    ("Hi {{ contact", "{{", "punctuation.section.embedded.begin"),
    (
        "{{ contact.first_name",
        "contact",
        "variable.language.contact",
    ),
    (
        "contact.first_name | title",
        "first_name",
        "variable.other.field",
    ),
    ("first_name | title", "|", "keyword.operator.filter"),
    ("| title", "title", "support.function.filter"),
    ("default('member')", "'member'", "string.quoted.single"),
    (
        "default(\\\"none\\\")",
        "\\\"none\\\"",
        "string.quoted.double.template",
    ),
    ("title }}", "}}", "punctuation.section.embedded.end"),
    (
        "body \"templates/welcome.html\"",
        "templates/welcome.html",
        "string.quoted.double",
    ),
    ("link portal", "link", "keyword.other.link"),
    ("link portal", "portal", "variable.other.link"),
    ("{% if contact.plan %}", "if", "keyword.control.template"),
    ("{% endif %}", "endif", "keyword.control.template"),
    ("{# note #}", "note", "comment.block.template"),
    (
        "journey welcome \"Welcome",
        "journey",
        "storage.type.journey",
    ),
    (
        "journey welcome \"Welcome",
        "welcome",
        "entity.name.function",
    ),
    (
        "from \"Example Health <hello",
        "from",
        "keyword.other.setting",
    ),
    ("reply_to \"help", "reply_to", "keyword.other.setting"),
    ("priority low", "priority", "keyword.other.setting"),
    ("priority low", "low", "constant.language.priority"),
    (
        "timezone \"Europe/Paris\"",
        "timezone",
        "keyword.other.setting",
    ),
    ("enter on list newcomers", "enter", "keyword.other.setting"),
    (
        "enter on list newcomers",
        "newcomers",
        "entity.name.type.list",
    ),
    (
        "enter on segment re_engaged",
        "re_engaged",
        "entity.name.type.segment",
    ),
    (
        "enter on event form_submitted",
        "form_submitted",
        "entity.name.type.event",
    ),
    (
        "form_submitted where event.form",
        "where",
        "keyword.other.where",
    ),
    ("where event.form", "event", "variable.language.event"),
    ("where event.form", ".", "punctuation.accessor"),
    ("where event.form", "form", "variable.other.field"),
    (
        "event.form == \"renewal\"",
        "==",
        "keyword.operator.comparison",
    ),
    ("event.score >= 3", ">=", "keyword.operator.comparison"),
    (
        "enter on date contact.birth_date",
        "date",
        "keyword.other.trigger",
    ),
    ("birth_date yearly at", "yearly", "keyword.other"),
    ("renewal_due - 30 days", "-", "keyword.operator.arithmetic"),
    (
        "at 10:00 in \"America/Chicago\"",
        "in",
        "keyword.operator.in",
    ),
    ("last_seen is set", "is", "keyword.operator.is"),
    ("last_seen is set", "set", "keyword.operator.is"),
    ("is set and", "and", "keyword.operator.logical"),
    ("< now - 6 months", "now", "constant.language.now"),
    ("now - 6 months", "months", "constant.numeric.duration"),
    ("exit when", "exit", "keyword.other.setting"),
    ("exit when", "when", "keyword.control.conditional"),
    ("plan not in [", "not", "keyword.operator.logical"),
    ("not in [", "[", "punctuation.section.brackets.begin"),
    ("\"gold\", \"silver\"", ",", "punctuation.separator.comma"),
    (
        "or in segment needs_a_call",
        "segment",
        "keyword.operator.in",
    ),
    (
        "or in segment needs_a_call",
        "needs_a_call",
        "entity.name.type.segment",
    ),
    ("reentry after 1 week", "after", "keyword.other.after"),
    ("reentry after 1 week", "week", "constant.numeric.duration"),
    ("reentry never", "never", "constant.language.reentry"),
    ("reentry always", "always", "constant.language.reentry"),
    ("send welcome", "send", "keyword.control.send"),
    ("send welcome", "welcome", "entity.name.type.email"),
    ("wait 1 hour 30 minutes", "wait", "keyword.control.wait"),
    ("1 hour 30 minutes", "minutes", "constant.numeric.duration"),
    ("wait 90seconds", "90seconds", "constant.numeric.duration"),
    (
        "wait until 2026-11-01T06:30:00Z",
        "until",
        "keyword.control.wait",
    ),
    (
        "2026-11-01T01:30:00-05:00",
        "2026-11-01T01:30:00-05:00",
        "constant.numeric.instant",
    ),
    (
        "2026-11-01T06:30+01:00",
        "2026-11-01T06:30+01:00",
        "constant.numeric.instant",
    ),
    (
        "wait until 2027-04-16\n",
        "2027-04-16",
        "constant.numeric.date",
    ),
    ("late -> café", "late", "keyword.control.arm"),
    ("late -> café", "->", "keyword.operator.arrow"),
    ("late -> café", "café", "entity.name.label"),
    ("at 09:00 missing -> done", "missing", "keyword.control.arm"),
    (
        "+ 2 hours in contact.timezone",
        "+",
        "keyword.operator.arithmetic",
    ),
    ("in contact.timezone\n", "timezone", "variable.other.field"),
    (
        "thursday 12:00-14:00",
        "thursday",
        "constant.language.weekday",
    ),
    ("thursday 12:00-14:00", "-", "punctuation.separator.range"),
    ("thursday 12:00-14:00", "14:00", "constant.numeric.time"),
    (
        "weekends 10:00 - 12:00",
        "weekends",
        "constant.language.weekday",
    ),
    ("weekends 10:00 - 12:00", "-", "punctuation.separator.range"),
    ("fridays, sundays 9:00", "9:00", "constant.numeric.time"),
    ("day 1 of month 09:00", "day", "keyword.other.window"),
    ("day 1 of month 09:00", "1", "constant.numeric"),
    ("day 1 of month 09:00", "of", "keyword.other.window"),
    ("day 1 of month 09:00", "month", "keyword.other.window"),
    ("café: wait for", "café", "entity.name.label"),
    ("café: wait for", ":", "punctuation.separator.label"),
    ("café: wait for", "for", "keyword.control.wait"),
    ("wait for open welcome", "open", "keyword.other.engagement"),
    ("wait for open welcome", "welcome", "entity.name.type.email"),
    ("human open welcome", "human", "storage.modifier.human"),
    ("click welcome.portal", "click", "keyword.other.engagement"),
    ("click welcome.portal", "portal", "variable.other.link"),
    ("human click welcome.open", "open", "variable.other.link"),
    ("event portal_login -> done", "event", "keyword.other.event"),
    (
        "event portal_login -> done",
        "portal_login",
        "entity.name.type.event",
    ),
    (
        "update where contact.enrolled",
        "update",
        "keyword.other.update",
    ),
    ("score > 9", ">", "keyword.operator.comparison"),
    (
        "timeout 7 days -> done",
        "timeout",
        "keyword.control.timeout",
    ),
    ("portal_login forever", "forever", "keyword.control.timeout"),
    ("choose: branch {", "branch", "keyword.control.conditional"),
    ("choose: branch {", "{", "punctuation.section.block.begin"),
    (
        "when human opened welcome",
        "when",
        "keyword.control.conditional",
    ),
    (
        "when human opened welcome",
        "opened",
        "keyword.other.engagement",
    ),
    (
        "or clicked welcome.portal",
        "clicked",
        "keyword.other.engagement",
    ),
    (
        "not (contact.score",
        "(",
        "punctuation.section.parens.begin",
    ),
    ("score <= 2", "<=", "keyword.operator.comparison"),
    ("score != 3", "!=", "keyword.operator.comparison"),
    ("plan ?? \"bronze\"", "??", "keyword.operator.default"),
    (
        "plan is missing -> callback",
        "missing",
        "keyword.operator.is",
    ),
    ("- -2 < 10", "<", "keyword.operator.comparison"),
    (
        "2027-01-01 > 2026-12-31",
        "2026-12-31",
        "constant.numeric.date",
    ),
    ("vip == true", "true", "constant.language.boolean"),
    ("enrolled == false", "false", "constant.language.boolean"),
    ("else -> split_here", "else", "keyword.control.conditional"),
    ("else -> split_here", "split_here", "entity.name.label"),
    ("here: split {", "split", "keyword.control.conditional"),
    ("45% -> done", "45%", "constant.numeric.percentage"),
    ("45.5% -> callback", "45.5%", "constant.numeric.percentage"),
    ("  }\n  split_here", "}", "punctuation.section.block.end"),
    ("add to needs_a_call", "add", "keyword.control.add"),
    ("add to needs_a_call", "to", "keyword.control.add"),
    (
        "add to needs_a_call",
        "needs_a_call",
        "entity.name.type.segment",
    ),
    ("remove from re_engaged", "remove", "keyword.control.remove"),
    ("remove from re_engaged", "from", "keyword.control.remove"),
    (
        "remove from re_engaged",
        "re_engaged",
        "entity.name.type.segment",
    ),
    ("goto done", "goto", "keyword.control.goto"),
    ("goto done", "done", "entity.name.label"),
    ("goto journey other", "journey", "keyword.control.goto"),
    ("goto journey other", "other", "entity.name.function"),
    ("done: end", "end", "keyword.control.end"),
];

/// The token that holds the character at `offset` (a byte offset into the
/// whole file) and the text of that token's line.
fn token_at<'a>(lines: &'a [Line], source: &str, offset: usize) -> (&'a Line, &'a Token) {
    let line_index = source[..offset].matches('\n').count();
    let line = &lines[line_index];
    let line_start = source[..offset]
        .rfind('\n')
        .map_or(0, |newline| newline + 1);
    let column = offset - line_start;

    let mut start = 0;
    for token in &line.tokens {
        let end = start + token.text.len();
        if (start..end).contains(&column) {
            return (line, token);
        }
        start = end;
    }
    panic!("no token at line {} column {column}", line.number);
}

#[test]
fn constructs_get_the_expected_scopes() {
    let path = fixture();
    let source = fs::read_to_string(&path).expect("read the fixture");
    let lines = tokenize(std::slice::from_ref(&path));
    assert_eq!(
        lines.len(),
        source.lines().count(),
        "one output line per source line"
    );

    let mut wrong = Vec::new();
    for (context, part, expected) in EXPECTED_SCOPES {
        let at = source
            .find(context)
            .unwrap_or_else(|| panic!("the fixture has `{context}`"));
        let within = context
            .find(part)
            .unwrap_or_else(|| panic!("`{context}` has `{part}`"));
        let start = at + within;

        for (offset, _) in part.char_indices() {
            let (line, token) = token_at(&lines, &source, start + offset);
            if !token.innermost().starts_with(expected) {
                wrong.push(format!(
                    "line {}: `{part}` in `{}` is {}, expected {expected}",
                    line.number,
                    context.trim(),
                    token.innermost()
                ));
                break;
            }
        }
    }
    assert!(wrong.is_empty(), "wrong scopes:\n{}", wrong.join("\n"));

    let problems = coverage_problems(&lines);
    assert!(
        problems.is_empty(),
        "highlighting gaps:\n{}",
        problems.join("\n")
    );
}

/// The words of grammar/journey.pest: every `kw_*` keyword and the fixed
/// words of the rules that list them (units, days, types, kinds, levels).
fn words_of_the_pest_grammar() -> Vec<String> {
    let pest = fs::read_to_string(repo().join("grammar/journey.pest")).expect("read the grammar");
    let word_rules = [
        "duration_unit",
        "weekday",
        "type_name",
        "email_kind",
        "priority_level",
        "field_root",
        "month_day",
    ];

    let mut words = Vec::new();
    let mut in_word_rule = false;
    for line in pest.lines() {
        let rule = line.split_whitespace().next().unwrap_or("");
        let starts_rule = line.contains('=') && !line.starts_with(' ') && !line.starts_with("//");
        if starts_rule {
            in_word_rule = rule.starts_with("kw_") || word_rules.contains(&rule);
        }
        if in_word_rule {
            words.extend(
                line.split('"')
                    .skip(1)
                    .step_by(2)
                    .filter(|word| word.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                    .map(str::to_owned),
            );
        }
    }
    words.sort();
    words.dedup();
    words
}

#[test]
fn every_word_of_the_pest_grammar_is_highlighted() {
    let words = words_of_the_pest_grammar();
    for expected in [
        "add",
        "yearly",
        "seconds",
        "weekends",
        "timezone",
        "treatment",
        "low",
    ] {
        assert!(
            words.iter().any(|word| word == expected),
            "read `{expected}`: {words:?}"
        );
    }

    let lines = tokenize(&[fixture()]);
    let highlighted = |scope: &str| {
        [
            "keyword.",
            "constant.",
            "storage.",
            "support.",
            "variable.language.",
        ]
        .iter()
        .any(|prefix| scope.starts_with(prefix))
    };
    let mut missing = Vec::new();
    for word in &words {
        let found = lines.iter().flat_map(|line| &line.tokens).any(|token| {
            let has_word = token
                .text
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|part| part == word || part.trim_start_matches(char::is_numeric) == word);
            has_word && highlighted(token.innermost())
        });
        if !found {
            missing.push(word.as_str());
        }
    }
    assert!(
        missing.is_empty(),
        "words of grammar/journey.pest that every-construct.journey does not show highlighted \
         as a keyword or constant (add them to the fixture, then to the grammar): {missing:?}"
    );
}

#[test]
fn the_fixture_parses() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    fs::copy(fixture(), dir.path().join("every-construct.journey")).expect("copy the fixture");
    let output = Command::new(env!("CARGO_BIN_EXE_journey"))
        .args(["check", "--format", "json", "."])
        .current_dir(dir.path())
        .output()
        .expect("the journey binary runs");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");

    let diagnostics: Vec<Value> = stdout
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| serde_json::from_str(line).expect("a JSON diagnostic"))
        .collect();
    assert!(
        !diagnostics.is_empty(),
        "the check ran and reported (templates are missing)"
    );
    let syntax: Vec<&Value> = diagnostics
        .iter()
        .filter(|d| {
            let code = d["code"].as_str().unwrap_or("");
            ["syntax-error", "unclosed-block", "unexpected-brace"].contains(&code)
        })
        .collect();
    assert!(syntax.is_empty(), "the fixture must parse: {syntax:#?}");
}

#[test]
fn a_broken_line_does_not_spill_into_the_next() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("broken.journey");
    let text = "email x {\n  subject \"Hello {{ contact.first_name\n  body \"x.txt\"\n}\n\
                journey j {\n  send x\n  wait until contact.\n  send \"unclosed\n  end\n}\n";
    fs::write(&path, text).expect("write the broken file");
    let lines = tokenize(std::slice::from_ref(&path));

    let scope_of = |line: usize, text: &str| -> String {
        let found = lines[line - 1]
            .tokens
            .iter()
            .find(|token| token.text == text);
        found
            .map(|token| token.innermost().to_owned())
            .unwrap_or_default()
    };
    assert!(
        scope_of(3, "body").starts_with("keyword.other.email-setting"),
        "{lines:#?}"
    );
    assert!(scope_of(4, "}").starts_with("punctuation.section.block.end"));
    assert!(scope_of(7, ".").starts_with("punctuation.accessor"));
    assert!(scope_of(9, "end").starts_with("keyword.control.end"));
    assert_eq!(
        lines.last().expect("lines").depth,
        1,
        "every region closed: {lines:#?}"
    );
}

fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_manifest_names_files_that_exist() {
    let dir = extension_dir();
    let manifest = read_json(&dir.join("package.json"));
    let contributes = &manifest["contributes"];

    let language = &contributes["languages"][0];
    assert_eq!(language["id"], "journey");
    assert_eq!(language["extensions"][0], ".journey");
    let configuration = read_json(&dir.join(language["configuration"].as_str().expect("path")));
    assert_eq!(configuration["comments"]["lineComment"], "#");
    assert_eq!(configuration["brackets"][0], serde_json::json!(["{", "}"]));

    let grammar = &contributes["grammars"][0];
    assert_eq!(grammar["language"], "journey");
    let tm = read_json(&dir.join(grammar["path"].as_str().expect("path")));
    assert_eq!(tm["scopeName"], grammar["scopeName"]);

    let setting = &contributes["configuration"]["properties"]["journey.server.path"];
    assert_eq!(setting["default"], "journey");
    let main = manifest["main"].as_str().expect("main");
    assert!(dir.join(main).is_file(), "{main} exists");

    let lock = read_json(&dir.join("package-lock.json"));
    let client = &lock["packages"]["node_modules/vscode-languageclient"]["version"];
    assert_eq!(
        client, &manifest["dependencies"]["vscode-languageclient"],
        "lock file is current"
    );
}

#[test]
fn the_extension_starts_journey_lsp() {
    require_npm_packages();
    let output = Command::new("node")
        .args(["--test", "test/extension.test.js"])
        .current_dir(extension_dir())
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "extension.test.js failed:\n{stdout}"
    );
    assert!(stdout.contains("# fail 0"), "{stdout}");
    assert!(
        !stdout.contains("# pass 0"),
        "the extension tests ran: {stdout}"
    );
}
