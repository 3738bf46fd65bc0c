//! The recovering driver around the pest grammar.
//!
//! pest parses all or nothing and stops at the first error. To report every
//! independent mistake in one run, the driver asks pest for one declaration
//! at a time, and inside a block for one item at a time. After an error it
//! records one diagnostic and resumes where `recovery` says the next
//! independent piece of text starts.
//!
//! Error messages need pest's detailed parse attempts (which rule was being
//! tried, inside which parent). Collecting them slows every parse, so the
//! driver parses without them and re-parses only a failing item with them.

use super::ast::{self, Decl, File};
use super::comments::{skip_trivia, LINE_BLANKS, WHITE_SPACE};
use super::expected::{describe_error, word_start, Attempts, Found};
use super::lower::Lower;
use super::recovery::{self, Place};
use crate::diagnostic::{label, Diagnostic};
use crate::source::FileId;
use crate::span::Span;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;
use pest::Parser;
use pest_derive::Parser;

#[derive(Parser)]
#[grammar = "../grammar/journey.pest"]
pub struct JourneyParser;

/// A syntax tree and the syntax errors found while building it.
#[derive(Debug)]
pub struct Parsed {
    pub tree: File,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses one file. Never fails: what could not be parsed is reported and
/// left out of the tree.
///
/// The fast parser reads the file first; only text it gives up on, which
/// is text with a syntax error, goes through the pest driver.
pub fn parse_file(file: FileId, text: &str) -> Parsed {
    match super::fast::parse(text) {
        Some(tree) => Parsed {
            tree,
            diagnostics: Vec::new(),
        },
        None => parse_with_pest(file, text),
    }
}

/// Parses one file with the recovering pest driver alone. [`parse_file`]
/// falls back to it; tests compare the two parsers with it.
pub fn parse_with_pest(file: FileId, text: &str) -> Parsed {
    // A byte-order mark is not part of the text; offsets stay those of
    // the file on disk.
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut driver = Driver {
        file,
        text,
        pos: start,
        diagnostics: Vec::new(),
        syntax_errors: 0,
        previous_item: None,
    };
    let mut decls = Vec::new();

    loop {
        driver.skip_trivia();
        if driver.pos >= text.len() {
            break;
        }
        if text[driver.pos..].starts_with('}') {
            driver.stray_close();
            continue;
        }
        if let Some(decl) = driver.declaration() {
            decls.push(decl);
        }
    }

    let tree = File {
        decls,
        comments: super::comment_spans(text),
    };
    Parsed {
        tree,
        diagnostics: driver.diagnostics,
    }
}

struct Driver<'t> {
    file: FileId,
    text: &'t str,
    pos: usize,
    diagnostics: Vec<Diagnostic>,
    /// Counted up to [`MAX_SYNTAX_ERRORS`], when the driver gives up.
    syntax_errors: usize,
    /// The block item parsed last, while its block is read: its start and
    /// end, and the block. Text left on its line belongs to it.
    previous_item: Option<(usize, usize, Block)>,
}

/// The block kinds, for the items they hold and the words of errors.
#[derive(Clone, Copy)]
enum Block {
    Contact,
    Event,
    Email,
    Journey,
}

impl Block {
    fn item_rule(self) -> Rule {
        match self {
            Block::Contact => Rule::next_contact_item,
            Block::Event => Rule::next_event_item,
            Block::Email => Rule::next_email_item,
            Block::Journey => Rule::next_journey_item,
        }
    }

    fn place(self) -> Place {
        match self {
            Block::Journey => Place::Journey,
            _ => Place::SimpleBlock,
        }
    }

    /// A header that opens this block, for parsing an item in context.
    fn header_text(self) -> &'static str {
        match self {
            Block::Contact => "contact {\n",
            Block::Event => "event e {\n",
            Block::Email => "email e {\n",
            Block::Journey => "journey j {\n",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Block::Contact => "contact",
            Block::Event => "event",
            Block::Email => "email",
            Block::Journey => "journey",
        }
    }
}

impl<'t> Driver<'t> {
    fn declaration(&mut self) -> Option<Decl> {
        let start = self.pos;
        let pair = match self.parse_one(Rule::next_declaration) {
            Ok(pair) => pair,
            Err(error_at) => {
                self.pos = recovery::resume_after(self.text, Place::TopLevel, start, error_at);
                return None;
            }
        };

        let lower = Lower { base: start };
        let pair = first_child(pair);
        let header_span = lower_span(start, &pair);
        match pair.as_rule() {
            Rule::list_decl => Some(Decl::List(lower.list(pair))),
            Rule::segment_decl => Some(Decl::Segment(lower.list(pair))),
            Rule::contact_header => {
                let (fields, end) = self.block(Block::Contact, header_span, |l, p| l.field_decl(p));
                Some(Decl::Contact(ast::ContactDecl {
                    fields,
                    span: Span::new(start, end),
                }))
            }
            Rule::event_header => {
                let (name, has_block) = lower.event_header(pair);
                let (fields, end) = if has_block {
                    self.block(Block::Event, header_span, |l, p| l.event_field(p))
                } else {
                    (Vec::new(), header_span.end as usize)
                };
                let span = Span::new(start, end);
                Some(Decl::Event(ast::EventDecl {
                    name,
                    fields,
                    has_block,
                    span,
                }))
            }
            Rule::email_header => {
                let (name, _) = lower.named_header(pair);
                let (items, end) = self.block(Block::Email, header_span, |l, p| l.email_item(p));
                Some(Decl::Email(ast::EmailDecl {
                    name,
                    items,
                    span: Span::new(start, end),
                }))
            }
            _ => {
                let (name, display) = lower.named_header(pair);
                let (items, end) =
                    self.block(Block::Journey, header_span, |l, p| l.journey_item(p));
                let span = Span::new(start, end);
                Some(Decl::Journey(ast::JourneyDecl {
                    name,
                    display,
                    items,
                    span,
                }))
            }
        }
    }

    /// Parses the items of a block up to its `}`; returns them and the
    /// offset just past the block.
    fn block<T>(
        &mut self,
        block: Block,
        header: Span,
        lower_item: impl Fn(&Lower, Pair<Rule>) -> T,
    ) -> (Vec<T>, usize) {
        let mut items = Vec::new();
        self.previous_item = None;
        let end = loop {
            if self.syntax_errors >= MAX_SYNTAX_ERRORS {
                self.pos = self.text.len();
                break self.pos;
            }
            self.skip_trivia();
            let start = self.pos;
            if start >= self.text.len() || recovery::looks_like_declaration(self.text, start) {
                self.unclosed(block, header);
                break start;
            }
            if self.text[start..].starts_with('}') {
                self.pos += 1;
                break self.pos;
            }
            match self.parse_one(block.item_rule()) {
                Ok(pair) => {
                    items.push(lower_item(&Lower { base: start }, first_child(pair)));
                    let end = start + code_end(&self.text[start..self.pos]);
                    self.previous_item = Some((start, end, block));
                }
                Err(error_at) => {
                    let mut resume =
                        recovery::resume_after(self.text, block.place(), start, error_at);
                    if let Block::Journey = block {
                        resume = self.check_arms(start, error_at, resume);
                    }
                    self.previous_item = None;
                    self.pos = resume;
                }
            }
        };
        self.previous_item = None;
        (items, end)
    }

    /// Reports the mistakes in the arms of a broken `branch`, `split` or
    /// `wait for` that come after its first error at `error_at`: each
    /// logical line of arms is parsed on its own, and yields at most one
    /// error. The item spans `item_start..item_end`; returns where the
    /// journey goes on, which is earlier when a line from the error on is
    /// no arm but a whole step: then the arms were never closed, a mistake
    /// that the first error already reports, and the steps are read again.
    fn check_arms(&mut self, item_start: usize, error_at: usize, item_end: usize) -> usize {
        let Some((arms_start, rules)) = arms_of(&self.text[item_start..item_end]) else {
            return item_end;
        };
        let mut line = item_start + arms_start;
        while line < item_end && self.syntax_errors < MAX_SYNTAX_ERRORS {
            let end = recovery::logical_line_end(self.text, line, line, false).min(item_end);
            let arm_or_later = recovery::after_line_end(self.text, end) > error_at;
            if arm_or_later && self.is_whole_step(line, end) {
                return line;
            }
            if line > error_at {
                self.check_arm_line(line, end, rules);
            }
            if self.text.as_bytes().get(end) != Some(&b'\n') {
                break;
            }
            line = end + 1;
        }
        item_end
    }

    /// Whether `start..end` holds one journey step or setting and nothing
    /// else, but no arm.
    fn is_whole_step(&self, start: usize, end: usize) -> bool {
        let start = skip_trivia_and_commas(self.text, start, end);
        let text = &self.text[start..end];
        let parses_whole = |rule| {
            JourneyParser::parse(rule, text).is_ok_and(|pairs| {
                let len = pairs.as_str().len();
                skip_trivia_and_commas(text, len, text.len()) == text.len()
            })
        };
        !text.is_empty()
            && parses_whole(Rule::next_journey_item)
            && ![
                Rule::branch_arm,
                Rule::else_arm,
                Rule::split_arm,
                Rule::wait_arm,
            ]
            .into_iter()
            .any(parses_whole)
    }

    /// Parses the arms on `start..end`, each with the first of `rules` that
    /// fits, and reports the first that none fits.
    fn check_arm_line(&mut self, start: usize, end: usize, rules: &[Rule]) {
        let mut pos = start;
        loop {
            pos = skip_trivia_and_commas(self.text, pos, end);
            if pos >= end {
                return;
            }

            let text = &self.text[pos..end];
            let mut failures = 0;
            for &rule in rules {
                match JourneyParser::parse(rule, text) {
                    Ok(pairs) => {
                        let len = pairs.as_str().len();
                        if len == 0 {
                            return;
                        }
                        pos += len;
                        break;
                    }
                    Err(error) if matches!(error.variant, ErrorVariant::CustomError { .. }) => {
                        return;
                    }
                    Err(_) => failures += 1,
                }
            }
            if failures == rules.len() {
                let diagnostic = self.describe_failure(rules, pos, end);
                let at = diagnostic.primary.span.start as usize;
                self.syntax_error(diagnostic, at);
                return;
            }
        }
    }

    /// Parses `rule` at the current position and moves past it. On failure,
    /// reports the error and returns where it was found.
    fn parse_one(&mut self, rule: Rule) -> Result<Pair<'t, Rule>, usize> {
        let rest = &self.text[self.pos..];
        match JourneyParser::parse(rule, rest) {
            Ok(mut pairs) => {
                let pair = pairs
                    .next()
                    .expect("pest returns the rule it was asked for");
                if let Some(at) = too_deep(&pair) {
                    return Err(self.nested_too_deeply(self.pos + at));
                }
                self.pos += pair.as_span().end();
                Ok(pair)
            }
            // pest's guard against running out of stack, on deep nesting.
            Err(error) if matches!(error.variant, ErrorVariant::CustomError { .. }) => {
                let at = match error.location {
                    InputLocation::Pos(at) | InputLocation::Span((at, _)) => at,
                };
                Err(self.nested_too_deeply(self.pos + at))
            }
            Err(_) => {
                let diagnostic = self.describe_failure(&[rule], self.pos, self.text.len());
                let error_at = diagnostic.primary.span.start as usize;
                Err(self.syntax_error(diagnostic, error_at))
            }
        }
    }

    /// Records a syntax error found at `at`, and returns where to recover
    /// from: `at`, or the end of the file once there are too many.
    fn syntax_error(&mut self, diagnostic: Diagnostic, at: usize) -> usize {
        self.diagnostics.push(diagnostic);
        self.syntax_errors += 1;
        if self.syntax_errors < MAX_SYNTAX_ERRORS {
            return at;
        }

        let span = Found::at(self.text, at).span;
        let message = format!("too many syntax errors: stopped reading after {MAX_SYNTAX_ERRORS}");
        self.diagnostics.push(
            Diagnostic::error(
                "syntax-error",
                message,
                label(self.file, span, "stopped here"),
            )
            .with_help("fix the errors above, then check the file again"),
        );
        self.text.len()
    }

    /// Reports an expression nested past [`MAX_EXPRESSION_SIZE`] at `at`
    /// and returns where to recover from.
    fn nested_too_deeply(&mut self, at: usize) -> usize {
        let span = Found::at(self.text, at).span;
        let message = format!(
            "expression nested too deeply: more than {MAX_EXPRESSION_SIZE} operators \
             and parentheses in one expression"
        );
        let diagnostic = Diagnostic::error(
            "syntax-error",
            message,
            label(self.file, span, "one too many"),
        )
        .with_help("split the condition up, for example into the arms of a `branch`");
        self.syntax_error(diagnostic, at)
    }

    /// Describes why none of `rules` parses the text at `start..end`.
    fn describe_failure(&self, rules: &[Rule], start: usize, end: usize) -> Diagnostic {
        let rest = &self.text[start..end];
        let mut attempts = merged_attempts(rules, rest);

        // A word that fails only on its last letters (`dayz` after `day`
        // matched) leaves pest with nothing to say at the letter it stopped
        // at. Parsing the text up to the start of that word makes pest list
        // what it would have accepted in its place.
        let stop = attempts.max_position.min(rest.len());
        let start_of_word = word_start(rest, stop);
        if start_of_word < stop || attempts.rules.is_empty() && attempts.tokens.is_empty() {
            let before_word = merged_attempts(rules, &rest[..start_of_word]);
            if before_word.max_position == start_of_word {
                attempts = before_word;
            }
        }

        let error_at = start + attempts.max_position.min(rest.len());
        if error_at == start {
            if let Some(diagnostic) = self.describe_left_on_line(start) {
                return diagnostic;
            }
        }
        let top_level = rules == [Rule::next_declaration];
        self.describe_at(start, error_at, &attempts, top_level)
    }

    /// The error for `attempts` found at `error_at` in the item at `start`.
    /// An item is read line by line: when the error falls on a later line
    /// than the item's last token and that line could have ended there,
    /// what was missing is missing at the end of that line.
    fn describe_at(
        &self,
        start: usize,
        error_at: usize,
        attempts: &Attempts,
        top_level: bool,
    ) -> Diagnostic {
        let last_token_end = start + code_end(&self.text[start..error_at]);
        let between = &self.text[last_token_end..error_at];
        let on_later_line = between.contains('\n');
        // pest may stop inside a comment that follows the last token.
        let in_comment = !on_later_line && between.contains('#');
        // Where a `}`, or a `timeout` on a line of its own, could come
        // next, the line was complete and the next one is wrong.
        let next_line_was_wanted = attempts
            .tokens
            .iter()
            .any(|t| ["}", "timeout", "forever", "late", "missing"].contains(&t.as_str()))
            || attempts.rules.iter().any(|(r, _)| *r == Rule::block_close);
        // pest may also stop on the blanks or comment after the last token
        // of a line; the line ends there.
        let line_end_after_blanks = self.text
            [skip_trivia(self.text, error_at, self.text.len(), LINE_BLANKS)..]
            .starts_with(['\n', '\r']);
        let found = if in_comment
            || last_token_end > start
                && on_later_line
                && !next_line_was_wanted
                && !recovery::line_ends_open(self.text, last_token_end)
        {
            Found::end_of_line(last_token_end)
        } else if line_end_after_blanks {
            let line_start = self.text[..error_at].rfind('\n').map_or(0, |n| n + 1);
            Found::end_of_line(last_token_end.max(line_start))
        } else {
            Found::at(self.text, error_at)
        };

        // The found word may start before this item: a char such as `୳` is
        // a word char to `is_word_char` but not to the grammar, so the word
        // `end୳` is found after the item `end` was parsed.
        let before_end = (found.span.start as usize).max(start);
        let before = &self.text[start..before_end];
        describe_error(self.file, &found, attempts, before, top_level)
    }

    /// Text left on the line of the item parsed last (`exit when x and`,
    /// whose `and` starts no item) is an unfinished end of that item: it is
    /// described as the item, parsed again in a block of its own up to the
    /// end of the line, would be, when the item could go on into it.
    fn describe_left_on_line(&self, start: usize) -> Option<Diagnostic> {
        let (item_start, item_end, block) = self.previous_item?;
        if item_end > start || self.text[item_end..start].contains('\n') {
            return None;
        }

        let line_end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |n| start + n);
        let code_end = start + code_end(&self.text[start..line_end]);
        let header = block.header_text();
        let in_block = format!("{header}{}", &self.text[item_start..code_end]);
        let attempts = detailed_attempts(Rule::file, &in_block);
        let error_at = (item_start + attempts.max_position)
            .checked_sub(header.len())
            .filter(|&at| at > start)?;
        Some(self.describe_at(item_start, error_at.min(code_end), &attempts, false))
    }

    fn unclosed(&mut self, block: Block, header: Span) {
        let at = Found::at(self.text, self.pos);
        let noun = block.noun();
        let message = format!(
            "this {noun} block is never closed: expected `}}`, found {}",
            at.words
        );
        self.diagnostics.push(
            Diagnostic::error(
                "unclosed-block",
                message,
                label(self.file, at.span, "expected `}` before this"),
            )
            .with_label(self.file, header, format!("the {noun} block starts here"))
            .with_help(format!(
                "add a `}}` on its own line after the last item of the {noun}"
            )),
        );
    }

    fn stray_close(&mut self) {
        let span = Span::new(self.pos, self.pos + 1);
        let diagnostic = Diagnostic::error(
            "unexpected-brace",
            "found `}` outside any block",
            label(self.file, span, "nothing is open here"),
        )
        .with_help("remove this `}`, or check that the block above opens with `{`");
        self.pos = self.syntax_error(diagnostic, self.pos + 1);
    }

    /// Skips white space and comments.
    fn skip_trivia(&mut self) {
        self.pos = skip_trivia(self.text, self.pos, self.text.len(), WHITE_SPACE);
    }
}

/// After this many syntax errors in a file the driver stops reading it.
/// pest scans from a failing item to the end of the text to build each
/// error, so without a bound a long file of garbage (say, a JSON file
/// saved as `.journey`) takes time quadratic in its size to report, and
/// thousands of errors, each shown with its line, help no one.
const MAX_SYNTAX_ERRORS: usize = 100;

/// The most operators and parentheses one expression may hold. Lowering,
/// dropping and checking an expression recurse once for each, so without a
/// bound a hostile or generated file could overflow the stack (a thread's
/// stack may be as small as 2 MiB). No hand-written condition comes close.
const MAX_EXPRESSION_SIZE: usize = 256;

/// Where an expression in `item` grows past [`MAX_EXPRESSION_SIZE`], as an
/// offset into the text pest parsed; walks the pairs without recursion.
fn too_deep(item: &Pair<Rule>) -> Option<usize> {
    // Each counted token takes at least a byte: short items need no walk.
    if item.as_str().len() <= MAX_EXPRESSION_SIZE {
        return None;
    }

    let mut outer_end = 0;
    let mut size = 0;
    for pair in item.clone().into_inner().flatten() {
        let span = pair.as_span();
        match pair.as_rule() {
            Rule::expr if span.start() >= outer_end => {
                outer_end = span.end();
                size = 0;
            }
            Rule::group
            | Rule::op_not
            | Rule::op_neg
            | Rule::op_or
            | Rule::op_and
            | Rule::cmp_op
            | Rule::add_op
            | Rule::op_default
            | Rule::is_set
            | Rule::is_missing
            | Rule::in_list
                if span.start() < outer_end =>
            {
                size += 1;
                if size > MAX_EXPRESSION_SIZE {
                    return Some(span.start());
                }
            }
            _ => {}
        }
    }
    None
}

/// What pest tried at the furthest position it reached in `text` with any
/// of `rules`: the attempts of those that got furthest, together.
fn merged_attempts(rules: &[Rule], text: &str) -> Attempts {
    let mut merged = Attempts::default();
    for &rule in rules {
        let attempts = detailed_attempts(rule, text);
        if attempts.max_position > merged.max_position {
            merged = attempts;
        } else if attempts.max_position == merged.max_position {
            merged.rules.extend(attempts.rules);
            merged.tokens.extend(attempts.tokens);
        }
    }
    merged
}

/// The arms of a `branch`, `split` or `wait for` item: where they start in
/// `item` and the rules that parse one. `None` for other items.
fn arms_of(item: &str) -> Option<(usize, &'static [Rule])> {
    let words: Vec<(usize, &str)> = words_of(item).take(3).collect();
    let step = match words.as_slice() {
        [(_, _), (_, ":"), rest @ ..] => rest,
        all => all,
    };
    let after = |&(at, word): &(usize, &str)| at + word.len();
    match step {
        [first @ (_, "branch"), ..] => {
            let open = item[after(first)..].find('{')? + after(first) + 1;
            Some((open, &[Rule::branch_arm, Rule::else_arm]))
        }
        [first @ (_, "split"), ..] => {
            let open = item[after(first)..].find('{')? + after(first) + 1;
            Some((open, &[Rule::split_arm]))
        }
        [(_, "wait"), second @ (_, "for"), ..] => Some((
            after(second),
            &[Rule::wait_arm, Rule::timeout_arm, Rule::forever],
        )),
        _ => None,
    }
}

/// The words of `text` and the `:` signs between them, with their offsets.
fn words_of(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let rest = &text[at..];
        let skip = rest.find(|c: char| !c.is_whitespace())?;
        let start = at + skip;
        let len = if text[start..].starts_with(':') {
            1
        } else {
            text[start..]
                .find(|c: char| !recovery::is_word_char(c))
                .unwrap_or(text.len() - start)
        };
        if len == 0 {
            return None;
        }
        at = start + len;
        Some((start, &text[start..start + len]))
    })
}

/// The offset just past the last token of `text`, outside comments.
fn code_end(text: &str) -> usize {
    let mut end = 0;
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let code = recovery::code_of_line(line);
        if !code.trim_start().is_empty() {
            end = line_start + code.len();
        }
        line_start += line.len();
    }
    end
}

/// The first offset from `pos` on that is not white space, a comment or a
/// `,`, and at most `end`.
fn skip_trivia_and_commas(text: &str, pos: usize, end: usize) -> usize {
    skip_trivia(text, pos, end, b" \t\r\n,")
}

/// What pest tried at the furthest position it reached in `text`.
fn detailed_attempts(rule: Rule, text: &str) -> Attempts {
    pest::set_error_detail(true);
    let error = JourneyParser::parse(rule, text).err();
    pest::set_error_detail(false);

    // pest does not export the types of its parse attempts, so they are read
    // here into a type of our own.
    let Some(attempts) = error.and_then(|e| e.parse_attempts()) else {
        return Attempts::default();
    };
    Attempts {
        max_position: attempts.max_position,
        rules: attempts
            .call_stacks()
            .iter()
            .filter_map(|s| s.deepest.get_rule().map(|r| (*r, s.parent)))
            .collect(),
        tokens: attempts
            .expected_tokens()
            .iter()
            .map(|t| t.to_string())
            .collect(),
    }
}

fn first_child(pair: Pair<Rule>) -> Pair<Rule> {
    pair.into_inner()
        .next()
        .expect("entry rules wrap exactly one item")
}

fn lower_span(base: usize, pair: &Pair<Rule>) -> Span {
    let s = pair.as_span();
    Span::new(base + s.start(), base + s.end())
}
