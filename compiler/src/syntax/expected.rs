//! Syntax error messages in the author's terms.
//!
//! pest reports what it tried at the furthest position it reached: grammar
//! rules and literal tokens, each with the parent rule it was tried in. This
//! module turns those into one sentence a marketer understands ("expected a
//! duration such as `3 days`, found `dayz`"), a label, help, and a
//! "did you mean" fix when the found word is close to an expected keyword.

use super::comments::{skip_trivia, LINE_BLANKS};
use super::parser::Rule;
use super::recovery::is_word_char;
use crate::diagnostic::{label, Diagnostic};
use crate::source::FileId;
use crate::span::Span;
use crate::suggest::closest;

/// The token at an error position, and how to name it.
pub struct Found {
    pub span: Span,
    /// `` `dayz` ``, "the end of the file", "the end of the line".
    pub words: String,
    /// The word itself, when the token is a word.
    pub word: Option<String>,
    /// The token is a `"` that no other `"` closes on its line.
    pub unclosed_quote: bool,
}

impl Found {
    /// The token at `offset`, or the first one after the spaces, tabs and
    /// comment that follow it on its line.
    pub fn at(text: &str, offset: usize) -> Found {
        let offset = offset.min(text.len());
        let offset = arrow_start(text, skip_trivia(text, offset, text.len(), LINE_BLANKS));
        let rest = &text[offset..];
        let Some(c) = rest.chars().next() else {
            let span = Span::point(text.len());
            return Found::other(span, "the end of the file".into());
        };
        if c == '\n' || c == '\r' {
            return Found::other(Span::point(offset), "the end of the line".into());
        }
        if is_word_char(c) {
            let offset = word_start(text, offset);
            let rest = &text[offset..];
            let len = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
            let word = &rest[..len];
            return Found {
                span: Span::new(offset, offset + len),
                words: format!("`{word}`"),
                word: Some(word.to_string()),
                unclosed_quote: false,
            };
        }
        if let Some(arrow) = ["->", "=>"].into_iter().find(|a| rest.starts_with(a)) {
            return Found::other(Span::new(offset, offset + 2), format!("`{arrow}`"));
        }
        let span = Span::new(offset, offset + c.len_utf8());
        let mut found = Found::other(span, format!("`{c}`"));
        found.unclosed_quote = c == '"' && !closes_on_line(&rest[1..]);
        found
    }

    /// The end of a line, at `offset` just past its last token.
    pub fn end_of_line(offset: usize) -> Found {
        Found::other(Span::point(offset), "the end of the line".into())
    }

    fn other(span: Span, words: String) -> Found {
        Found {
            span,
            words,
            word: None,
            unclosed_quote: false,
        }
    }
}

/// The start of the arrow `->` or `=>` whose `>` is at `offset`. pest may
/// stop there after reading the `-` as a minus sign. A `=` that belongs to
/// a `==`, `!=`, `<=` or `>=` before it is not part of an arrow.
fn arrow_start(text: &str, offset: usize) -> usize {
    if !text[offset..].starts_with('>') {
        return offset;
    }

    match text[..offset].strip_suffix(['-', '=']) {
        Some(before) if !before.ends_with(['=', '!', '<', '>']) => offset - 1,
        _ => offset,
    }
}

/// Whether the text after an opening `"` holds its closing `"` before the
/// end of the line (`\"` is an escaped quote, not a closing one).
fn closes_on_line(after_quote: &str) -> bool {
    let mut chars = after_quote.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return true,
            '\n' => return false,
            '\\' => {
                chars.next();
            }
            _ => {}
        }
    }
    false
}

/// What pest tried at the furthest position it reached: each rule with the
/// rule it was tried in, and the literal tokens it would have accepted.
#[derive(Debug, Default)]
pub struct Attempts {
    pub max_position: usize,
    pub rules: Vec<(Rule, Option<Rule>)>,
    pub tokens: Vec<String>,
}

/// The start of the word that `offset` falls in.
pub fn word_start(text: &str, offset: usize) -> usize {
    after_last_non_word(&text[..offset])
}

/// The offset just past the last char of `text` that is not a word char
/// (which may take several bytes), or 0.
fn after_last_non_word(text: &str) -> usize {
    let last = text.char_indices().rev().find(|&(_, c)| !is_word_char(c));
    last.map_or(0, |(i, c)| i + c.len_utf8())
}

/// One thing the parser would have accepted, in words.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Expectation {
    /// A group of related keywords that is named as a whole.
    Step,
    Setting,
    Declaration,
    /// Something with a description: "a duration such as `3 days`".
    Thing(&'static str, Option<&'static str>),
    /// A keyword or punctuation, shown in backticks.
    Token(String),
    /// Any operator that could continue an expression.
    Operator,
}

/// The error for what pest tried (`attempts`) where it found `found`,
/// after the text `before` of the item. `top_level` says that a declaration
/// was expected: elsewhere `journey` or `list` are words of a step.
pub fn describe_error(
    file: FileId,
    found: &Found,
    attempts: &Attempts,
    before: &str,
    top_level: bool,
) -> Diagnostic {
    let mut expectations = Vec::new();
    let mut keywords: Vec<&str> = Vec::new();
    let wants_type = attempts
        .rules
        .iter()
        .any(|(r, _)| matches!(r, Rule::type_ref | Rule::type_name));
    for &(rule, parent) in &attempts.rules {
        if parent == Some(Rule::zone) {
            expectations.push(Expectation::Thing(ZONE, Some(ZONE_HELP)));
        } else if let Some(e) = rule_expectation(rule, previous_word(before)) {
            expectations.push(e);
        }
    }
    for token in &attempts.tokens {
        let token = token.as_str();
        if is_grammar_internal(token) {
            continue;
        }
        if token.starts_with(|c: char| c.is_alphabetic()) {
            keywords.push(token);
        }
        expectations.push(token_expectation(token, wants_type, top_level));
    }
    expectations.sort();
    expectations.dedup();
    narrow(&mut expectations, found, before);
    expectations.sort();
    expectations.dedup();
    let value = Expectation::Thing(VALUE, Some(VALUE_HELP));
    let has_other = expectations
        .iter()
        .any(|e| *e != Expectation::Operator && *e != value);
    if has_other && expectations.contains(&value) {
        expectations.retain(|e| *e != value);
    }
    // Where something to wait for is wanted, the words and signs that may
    // start one say nothing more.
    if expectations.contains(&Expectation::Thing(WAIT_FOR, Some(WAIT_FOR_HELP))) {
        expectations.retain(|e| matches!(e, Expectation::Thing(..)));
    }

    if let Some(diagnostic) = known_mistake(file, found, &mut expectations, before) {
        return diagnostic;
    }

    let wanted = join_or(&expectations);
    let after = match last_token(before) {
        "" => String::new(),
        _ if found.words != "the end of the line" => String::new(),
        token => format!(" after `{token}`"),
    };
    let message = format!("expected {wanted}{after}, found {}", found.words);
    let typo = match (&found.word, found.words.as_str()) {
        (Some(word), _) => closest(word, &keywords),
        (None, "`=`") if expectations.contains(&Expectation::Operator) => Some("=="),
        (None, "`=>`") if expectations.contains(&Expectation::Token("->".into())) => Some("->"),
        _ => None,
    };

    // Under a typo, the label names the word it is closest to.
    let labelled = match typo {
        Some(best) if expectations.contains(&Expectation::Token(best.into())) => {
            format!("`{best}`")
        }
        _ => short(&expectations),
    };
    let label_text = format!("expected {labelled} here");
    let mut diagnostic =
        Diagnostic::error("syntax-error", message, label(file, found.span, label_text));
    if let Some(best) = typo {
        return diagnostic
            .with_help(format!("did you mean `{best}`?"))
            .with_suggestion(format!("change to `{best}`"), best);
    }
    if let Some(help) = help_for(&expectations) {
        diagnostic = diagnostic.with_help(help);
    }
    diagnostic
}

/// Says what was expected in fewer, larger words where the position tells
/// more than pest's list: a value instead of every way a value may start,
/// a time zone after `in`.
fn narrow(expectations: &mut Vec<Expectation>, found: &Found, before: &str) {
    let unit = Expectation::Thing("a unit of time such as `days`", Some(UNITS_HELP));
    if found.word.is_none() && expectations.len() > 1 && expectations.contains(&unit) {
        // `2 =>`: a number followed by a sign was not meant as a duration.
        expectations.retain(|e| *e != unit);
    }

    if expectations.contains(&Expectation::Token("(".into())) {
        expectations.retain(|e| match e {
            Expectation::Token(token) => !OPERAND_STARTS.contains(&token.as_str()),
            Expectation::Thing(thing, _) => !OPERAND_THINGS.contains(thing),
            Expectation::Operator => false,
            _ => true,
        });
        expectations.push(Expectation::Thing(VALUE, Some(VALUE_HELP)));
    }

    let text = Expectation::Thing("text in double quotes", None);
    if previous_word(before) == "in" && expectations.contains(&text) {
        *expectations = vec![Expectation::Thing(ZONE, Some(ZONE_HELP))];
    }
}

/// Words and signs that start a value, which pest lists one by one.
const OPERAND_STARTS: &[&str] = &[
    "\"", "(", "-", "not", "true", "false", "now", "human", "opened", "clicked", "contact",
    "event", "in",
];
const OPERAND_THINGS: &[&str] = &[
    "a name",
    "a field such as `contact.first_name`",
    "text in double quotes",
    "a number",
    "a date such as `2026-03-01`",
    "a time of day such as `09:00`",
    "an instant such as `2026-03-01T09:00:00Z`",
    "a duration such as `3 days`",
];

/// Tokens pest lists that are pieces of the grammar, not words an author
/// types: built-in character classes, digit ranges, the `_` that may start a
/// name, and the characters a text may not hold unescaped.
fn is_grammar_internal(token: &str) -> bool {
    token.trim().is_empty()
        || ["#", "BUILTIN_RULE", "_", "\\"].contains(&token)
        || token.contains("..")
}

/// Mistakes common enough to deserve their own words, and readings of the
/// text that pest cannot know were not meant. Returns a finished diagnostic,
/// or adjusts `expectations` for the general message.
fn known_mistake(
    file: FileId,
    found: &Found,
    expectations: &mut Vec<Expectation>,
    before: &str,
) -> Option<Diagnostic> {
    let text_open = expectations
        .iter()
        .any(|e| matches!(e, Expectation::Thing(t, _) if *t == TEXT_CLOSE));
    if text_open || found.unclosed_quote {
        return Some(unclosed_text(file, found, text_open, before));
    }

    let item_start =
        expectations.contains(&Expectation::Step) || expectations.contains(&Expectation::Setting);
    let arrow_ends_line = found.words == "the end of the line" && before.trim_end().ends_with("->");
    if arrow_ends_line {
        let at = found.span.start as usize - before.len() + before.trim_end().len() - 2;
        let diagnostic = Diagnostic::error(
            "syntax-error",
            "expected a step label after `->`",
            label(file, Span::new(at, at + 2), "this arrow leads nowhere"),
        );
        let help = "name the step to go to, as in `timeout 3 days -> reminder`";
        return Some(diagnostic.with_help(help));
    }
    if found.words == "`->`" && item_start {
        let diagnostic = Diagnostic::error(
            "syntax-error",
            "expected a step label after `->`",
            label(file, found.span, "this arrow leads nowhere"),
        );
        let help = "name the step to go to, as in `timeout 3 days -> reminder`";
        return Some(diagnostic.with_help(help));
    }
    if found.words == "`=`" && item_start {
        *expectations = vec![Expectation::Operator];
        return None;
    }
    if item_start {
        return first_word_read_as_label(file, found, expectations, before);
    }
    None
}

/// Text whose closing `"` is missing. The label goes on the opening quote:
/// the last `"` before the error when pest was inside the text, or the
/// found `"` itself when pest stopped in front of it.
fn unclosed_text(file: FileId, found: &Found, inside_text: bool, before: &str) -> Diagnostic {
    let quote = match before.rfind('"') {
        Some(i) if inside_text => {
            let at = found.span.start as usize - before.len() + i;
            Span::new(at, at + 1)
        }
        _ => found.span,
    };
    Diagnostic::error(
        "syntax-error",
        "this text is never closed: expected a closing `\"` before the end of the line",
        label(file, quote, "the text starts here"),
    )
    .with_help(TEXT_CLOSE_HELP)
}

/// A journey item that is one word so far may be read as a label
/// (`reminder:`), so pest also wants a `:` after it. When the word is a step
/// or setting keyword, that reading was not meant and is dropped; when it is
/// not, the word itself is the mistake.
fn first_word_read_as_label(
    file: FileId,
    found: &Found,
    expectations: &mut Vec<Expectation>,
    before: &str,
) -> Option<Diagnostic> {
    let colon = Expectation::Token(":".into());
    let first_word = before.trim_end();
    let one_word = !first_word.is_empty() && first_word.chars().all(is_word_char);
    if !one_word || !expectations.contains(&colon) {
        return None;
    }
    if STEP_WORDS.contains(&first_word) || SETTING_WORDS.contains(&first_word) {
        let label_reading =
            |e: &Expectation| matches!(e, Expectation::Step | Expectation::Setting) || *e == colon;
        expectations.retain(|e| !label_reading(e));
        return None;
    }

    let start = found.span.start as usize - before.len();
    let span = Span::new(start, start + first_word.len());
    let message = format!("expected a step or a journey setting, found `{first_word}`");
    let diagnostic = Diagnostic::error(
        "syntax-error",
        message,
        label(file, span, "expected a step here"),
    );
    let known: Vec<&str> = STEP_WORDS.iter().chain(SETTING_WORDS).copied().collect();
    Some(match closest(first_word, &known) {
        Some(best) => diagnostic
            .with_help(format!("did you mean `{best}`?"))
            .with_suggestion(format!("change to `{best}`"), best),
        None => diagnostic.with_help(STEP_HELP),
    })
}

const VALUE: &str = "a value or a condition";
const VALUE_HELP: &str =
    "for example `contact.plan == \"gold\"`, `clicked welcome.portal` or `true`";

const STEP_WORDS: &[&str] = &[
    "send", "wait", "branch", "split", "goto", "add", "remove", "end",
];
const SETTING_WORDS: &[&str] = &[
    "from", "reply_to", "priority", "enter", "exit", "reentry", "timezone",
];
const DECLARATION_WORDS: &[&str] = &["contact", "list", "segment", "event", "email", "journey"];
const UNIT_WORDS: &[&str] = &[
    "seconds", "second", "minutes", "minute", "hours", "hour", "days", "day", "weeks", "week",
    "months", "month",
];
const TYPE_WORDS: &[&str] = &[
    "text", "number", "bool", "date", "datetime", "duration", "timezone", "email",
];
const OPERATORS: &[&str] = &[
    "==", "!=", "<", "<=", ">", ">=", "+", "-", "??", "and", "or", "in", "is", "not",
];
const WEEKDAY_WORDS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "weekdays",
    "weekends",
    "day",
];

fn token_expectation(token: &str, wants_type: bool, top_level: bool) -> Expectation {
    let singular = token.trim_end_matches('s');
    if wants_type && TYPE_WORDS.contains(&token) {
        Expectation::Thing("a type such as `text`", Some(TYPES_HELP))
    } else if STEP_WORDS.contains(&token) {
        Expectation::Step
    } else if SETTING_WORDS.contains(&token) {
        Expectation::Setting
    } else if top_level && DECLARATION_WORDS.contains(&token) {
        Expectation::Declaration
    } else if UNIT_WORDS.contains(&token) {
        Expectation::Thing("a unit of time such as `days`", Some(UNITS_HELP))
    } else if OPERATORS.contains(&token) {
        Expectation::Operator
    } else if WEEKDAY_WORDS.contains(&singular) || WEEKDAY_WORDS.contains(&token) {
        Expectation::Thing(MOMENT, Some(MOMENT_HELP))
    } else if ["timeout", "forever"].contains(&token) {
        Expectation::Thing("`timeout` or `forever`", Some(WAIT_END_HELP))
    } else if ["high", "normal", "low"].contains(&token) {
        Expectation::Thing("`high`, `normal` or `low`", None)
    } else if ["marketing", "treatment"].contains(&token) {
        Expectation::Thing("`marketing` or `treatment`", None)
    } else {
        Expectation::Token(token.to_string())
    }
}

const UNITS_HELP: &str =
    "units are `seconds`, `minutes`, `hours`, `days`, `weeks` and `months`, as in `3 days`";
const TYPES_HELP: &str =
    "types are text, number, bool, date, datetime, duration, timezone and email; \
     add `?` for an optional field";
const MOMENT: &str = "a moment to wait until";
const MOMENT_HELP: &str = "for example `2026-12-01 at 09:00`, \
     `contact.next_visit - 2 days at 09:00` or `weekdays 09:00-17:00`";

/// The last word or sign of `before`: `and`, `==`, `->`.
fn last_token(before: &str) -> &str {
    let trimmed = before.trim_end();
    let word = previous_word(trimmed);
    if !word.is_empty() {
        return word;
    }
    let start = trimmed
        .rfind(|c: char| c.is_whitespace() || is_word_char(c) || c == '"')
        .map_or(0, |i| {
            i + trimmed[i..].chars().next().map_or(1, char::len_utf8)
        });
    &trimmed[start..]
}

/// The word just before the error, which tells what kind of name is
/// wanted: `send` wants an email, `goto` a step.
fn previous_word(before: &str) -> &str {
    let trimmed = before.trim_end();
    if trimmed.ends_with("->") {
        return "->";
    }
    &trimmed[after_last_non_word(trimmed)..]
}

fn rule_expectation(rule: Rule, previous: &str) -> Option<Expectation> {
    let thing = |text, help| Some(Expectation::Thing(text, help));
    match rule {
        Rule::step | Rule::label => Some(Expectation::Step),
        Rule::ident | Rule::email_link => match previous {
            "send" => thing("the name of an email to send", None),
            "goto" => thing("a step label", None),
            "journey" => thing("the name of a journey", None),
            "to" | "from" | "segment" => thing("the name of a segment", None),
            "list" => thing("the name of a list", None),
            "event" => thing("the name of an event", None),
            "open" | "opened" => thing("the name of an email", None),
            "click" | "clicked" => thing(
                "an email or one of its links, such as `welcome.portal`",
                None,
            ),
            "->" => thing(
                "a step label",
                Some("name the step to go to, as in `-> reminder`"),
            ),
            _ => thing("a name", Some("names start with a letter or `_`")),
        },
        Rule::word => thing("a name", Some("names start with a letter or `_`")),
        Rule::duration | Rule::duration_part | Rule::duration_amount => {
            thing("a duration such as `3 days`", Some(UNITS_HELP))
        }
        Rule::duration_unit => thing("a unit of time such as `days`", Some(UNITS_HELP)),
        Rule::type_ref | Rule::type_name => thing("a type such as `text`", Some(TYPES_HELP)),
        Rule::string | Rule::string_inner => thing("text in double quotes", None),
        Rule::string_close => thing(TEXT_CLOSE, Some(TEXT_CLOSE_HELP)),
        Rule::number => thing("a number", None),
        Rule::percent => thing(
            "a share such as `50%`",
            Some("each arm of a split gives its share in percent, as in `50% -> control`"),
        ),
        Rule::date | Rule::local_datetime => thing("a date such as `2026-03-01`", None),
        Rule::time | Rule::time_range => thing("a time of day such as `09:00`", None),
        Rule::instant => thing("an instant such as `2026-03-01T09:00:00Z`", None),
        Rule::field_ref | Rule::field_root => thing("a field such as `contact.first_name`", None),
        Rule::expr
        | Rule::literal
        | Rule::opened
        | Rule::clicked
        | Rule::in_segment
        | Rule::now
        | Rule::group => thing(VALUE, Some(VALUE_HELP)),
        Rule::weekday | Rule::day_spec | Rule::month_day | Rule::window | Rule::relative_time => {
            thing(MOMENT, Some(MOMENT_HELP))
        }
        Rule::open_condition
        | Rule::click_condition
        | Rule::event_condition
        | Rule::update_condition
        | Rule::wait_arm => thing(WAIT_FOR, Some(WAIT_FOR_HELP)),
        Rule::timeout_arm | Rule::forever => thing("`timeout` or `forever`", Some(WAIT_END_HELP)),
        Rule::priority_level => thing("`high`, `normal` or `low`", None),
        Rule::email_kind => thing("`marketing` or `treatment`", None),
        Rule::block_close => Some(Expectation::Token("}".into())),
        Rule::block_open => Some(Expectation::Token("{".into())),
        Rule::arrow => Some(Expectation::Token("->".into())),
        Rule::zone => thing("a time zone such as `in \"America/Chicago\"`", None),
        Rule::cmp_op
        | Rule::add_op
        | Rule::op_or
        | Rule::op_and
        | Rule::op_default
        | Rule::is_set
        | Rule::is_missing
        | Rule::in_list => Some(Expectation::Operator),
        _ => None,
    }
}

const TEXT_CLOSE: &str = "a closing `\"`";

const WAIT_FOR: &str = "something to wait for";
const WAIT_FOR_HELP: &str = "for example `open welcome`, `click welcome.portal`, \
     `event portal_login` or `update where contact.enrolled`";

pub const ZONE: &str = "a time zone such as `\"America/Chicago\"` or `contact.timezone`";
const ZONE_HELP: &str = "`in` names the time zone the moment is read in";
const TEXT_CLOSE_HELP: &str = "text must end on the line where it starts; close it with `\"`";

const STEP_HELP: &str = "a step starts with `send`, `wait`, `branch`, `split`, `goto`, `add to`, \
     `remove from` or `end`, optionally after a label such as `reminder:`; \
     settings are `from`, `reply_to`, `priority`, `enter`, `exit when`, \
     `reentry` and `timezone`";

pub const WAIT_END_HELP: &str =
    "every `wait for` says how it ends: `timeout 3 days -> label`, or `forever`";

fn phrase(expectation: &Expectation) -> String {
    match expectation {
        Expectation::Step => "a step".into(),
        Expectation::Setting => "a journey setting".into(),
        Expectation::Declaration => "a declaration".into(),
        Expectation::Thing(text, _) => (*text).into(),
        Expectation::Operator => "an operator such as `==` or `and`".into(),
        Expectation::Token(token) => format!("`{token}`"),
    }
}

fn join_or(expectations: &[Expectation]) -> String {
    let phrases: Vec<String> = expectations.iter().map(phrase).collect();
    let phrases = if phrases.len() > 1 {
        phrases.iter().flat_map(|p| split_token_list(p)).collect()
    } else {
        phrases
    };
    match phrases.as_slice() {
        [] => "something else".into(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// "`high`, `normal` or `low`" as its three tokens, so that a longer list
/// reads "`timeout`, `forever`, `,` or `->`" rather than nesting one "or"
/// inside another. A phrase with any word outside backticks stays whole.
fn split_token_list(phrase: &str) -> Vec<String> {
    let parts: Vec<&str> = phrase.split(", ").flat_map(|p| p.split(" or ")).collect();
    let all_tokens = parts
        .iter()
        .all(|p| p.len() > 1 && p.starts_with('`') && p.ends_with('`'));
    if all_tokens {
        parts.into_iter().map(String::from).collect()
    } else {
        vec![phrase.to_string()]
    }
}

/// The first expectation alone, for the label under the source.
fn short(expectations: &[Expectation]) -> String {
    expectations
        .first()
        .map_or_else(|| "something else".into(), phrase)
}

fn help_for(expectations: &[Expectation]) -> Option<String> {
    for e in expectations {
        match e {
            Expectation::Step | Expectation::Setting => return Some(STEP_HELP.into()),
            Expectation::Declaration => {
                return Some(
                    "a file holds `contact { ... }`, `list`, `segment`, `event`, \
                     `email NAME { ... }` and `journey NAME { ... }` declarations"
                        .into(),
                )
            }
            Expectation::Thing(_, Some(help)) => return Some((*help).into()),
            _ => {}
        }
    }
    None
}
