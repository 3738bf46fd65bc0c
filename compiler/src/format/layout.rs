//! Syntax tree to lines: where each construct breaks and how far each line
//! is indented.
//!
//! The result is the file's code in its canonical layout, one [`Line`] per
//! output line, without comments or blank lines. Each line remembers which
//! source text it came from (`start`, `end`) and what kind of line it is
//! (`role`); `weave` uses both to put comments and blank lines back.

use super::inline::{self, Inline};
use crate::span::Span;
use crate::syntax::ast::*;

/// Spaces per level of nesting.
pub(super) const INDENT: usize = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    /// The first line of a top-level declaration.
    Declaration,
    /// The first line of an item inside a declaration's block.
    Item,
    /// A further line of a multi-line step: an arm, or the timeout.
    Continuation,
    /// The `}` that closes a `branch` or a `split`.
    StepClose,
    /// The `}` that closes a declaration.
    BlockClose,
}

#[derive(Debug)]
pub(super) struct Line {
    pub indent: usize,
    pub text: String,
    /// Offset in the source of the first code printed on this line.
    pub start: usize,
    /// Offset in the source just past the last code printed on this line.
    /// Lines that open a block end where they start: nothing after them
    /// depends on their end.
    pub end: usize,
    pub role: Role,
}

impl Line {
    pub fn opens_block(&self) -> bool {
        self.text.ends_with('{')
    }
}

/// The lines of `file`, whose text is `source`, in source order.
pub(super) fn lines(source: &str, file: &File) -> Vec<Line> {
    let mut layout = Layout {
        inline: Inline { source },
        comments: &file.comments,
        lines: Vec::new(),
    };
    for decl in &file.decls {
        layout.declaration(decl);
    }
    layout.lines
}

struct Layout<'s> {
    inline: Inline<'s>,
    comments: &'s [Span],
    lines: Vec<Line>,
}

impl Layout<'_> {
    // ------------------------------------------------------ declarations --

    fn declaration(&mut self, decl: &Decl) {
        match decl {
            Decl::Contact(contact) => {
                self.open(Role::Declaration, 0, "contact {".to_string(), contact.span);
                for field in &contact.fields {
                    self.push(Role::Item, INDENT, self.field_decl(field), field.span);
                }
                self.close(Role::BlockClose, 0, contact.span);
            }
            Decl::List(list) => self.push(Role::Declaration, 0, named("list", list), list.span),
            Decl::Segment(segment) => self.push(
                Role::Declaration,
                0,
                named("segment", segment),
                segment.span,
            ),
            Decl::Event(event) => self.event(event),
            Decl::Email(email) => {
                self.open(
                    Role::Declaration,
                    0,
                    format!("email {} {{", email.name.name),
                    email.span,
                );
                for item in &email.items {
                    self.push(Role::Item, INDENT, email_item(item), item.span());
                }
                self.close(Role::BlockClose, 0, email.span);
            }
            Decl::Journey(journey) => {
                let display = journey.display.as_ref().map(inline::string);
                let header = match display {
                    Some(display) => format!("journey {} {display} {{", journey.name.name),
                    None => format!("journey {} {{", journey.name.name),
                };
                self.open(Role::Declaration, 0, header, journey.span);
                for item in &journey.items {
                    self.journey_item(item);
                }
                self.close(Role::BlockClose, 0, journey.span);
            }
        }
    }

    /// `event name` alone, or with a block when it declares fields; an
    /// empty `{}` is dropped.
    fn event(&mut self, event: &EventDecl) {
        if event.fields.is_empty() {
            let text = format!("event {}", event.name.name);
            return self.push(Role::Declaration, 0, text, event.span);
        }

        self.open(
            Role::Declaration,
            0,
            format!("event {} {{", event.name.name),
            event.span,
        );
        for field in &event.fields {
            let text = format!("{}: {}", field.name.name, inline::type_ref(&field.ty));
            self.push(Role::Item, INDENT, text, field.span);
        }
        self.close(Role::BlockClose, 0, event.span);
    }

    fn field_decl(&self, field: &FieldDecl) -> String {
        let mut text = format!("{}: {}", field.name.name, inline::type_ref(&field.ty));
        if field.phi.is_some() {
            text.push_str(" phi");
        }
        if let Some(default) = &field.default {
            text.push_str(" = ");
            text.push_str(&self.inline.literal(default));
        }
        text
    }

    // ---------------------------------------------------------- journeys --

    fn journey_item(&mut self, item: &JourneyItem) {
        match item {
            JourneyItem::Setting(setting) => self.push(
                Role::Item,
                INDENT,
                self.inline.setting(setting),
                setting.span,
            ),
            JourneyItem::Step(step) => self.step(step),
        }
    }

    /// A step, after its label if it has one. Multi-line steps line up with
    /// the column where the step's keyword starts.
    fn step(&mut self, step: &Step) {
        let label = step
            .label
            .as_ref()
            .map_or_else(String::new, |l| format!("{}: ", l.name));
        let head = StepHead {
            keyword_column: INDENT + label.chars().count(),
            label,
            start: step.span.start as usize,
        };

        let text = match &step.kind {
            StepKind::Send(email) => format!("send {}", email.name),
            StepKind::Wait(wait) => format!("wait {}", inline::duration(wait)),
            StepKind::Goto(target) => format!("goto {}", target.name),
            StepKind::GotoJourney(journey) => format!("goto journey {}", journey.name),
            StepKind::AddTo(segment) => format!("add to {}", segment.name),
            StepKind::RemoveFrom(segment) => format!("remove from {}", segment.name),
            StepKind::End => "end".to_string(),
            StepKind::WaitUntil(until) if until.arms.is_empty() => self.inline.wait_until(until),
            StepKind::WaitUntil(until) => return self.wait_until(&head, until),
            StepKind::WaitFor(wait) => return self.wait_for(&head, wait),
            StepKind::Branch(branch) => return self.branch(&head, branch, step.span),
            StepKind::Split(split) => return self.split(&head, split, step.span),
        };
        self.push(
            Role::Item,
            INDENT,
            format!("{}{text}", head.label),
            step.span,
        );
    }

    /// `wait until` with its `late`/`missing` arms on lines of their own,
    /// aligned with the target.
    fn wait_until(&mut self, head: &StepHead, until: &WaitUntil) {
        let text = format!("{}{}", head.label, self.inline.wait_until(until));
        self.line(Role::Item, INDENT, text, head.start, head.start);
        let arm_column = head.keyword_column + "wait until ".len();
        for arm in &until.arms {
            self.push(
                Role::Continuation,
                arm_column,
                self.inline.until_arm(arm),
                arm.span,
            );
        }
    }

    fn branch(&mut self, head: &StepHead, branch: &Branch, span: Span) {
        let text = format!("{}branch {{", head.label);
        self.line(Role::Item, INDENT, text, head.start, head.start);
        let arm_column = head.keyword_column + INDENT;
        for arm in &branch.arms {
            self.push(
                Role::Continuation,
                arm_column,
                self.inline.branch_arm(arm),
                arm.span,
            );
        }
        if let Some(otherwise) = &branch.otherwise {
            let text = format!("else -> {}", otherwise.target.name);
            self.push(Role::Continuation, arm_column, text, otherwise.span);
        }
        self.close(Role::StepClose, head.keyword_column, span);
    }

    fn split(&mut self, head: &StepHead, split: &Split, span: Span) {
        let text = format!("{}split {{", head.label);
        self.line(Role::Item, INDENT, text, head.start, head.start);
        for arm in &split.arms {
            let text = self.inline.split_arm(arm);
            self.push(
                Role::Continuation,
                head.keyword_column + INDENT,
                text,
                arm.span,
            );
        }
        self.close(Role::StepClose, head.keyword_column, span);
    }

    /// The first arm on the `wait for` line; each further arm, then the
    /// timeout (or `forever`), on a line of its own under the first arm.
    fn wait_for(&mut self, head: &StepHead, wait: &WaitFor) {
        let arm_column = head.keyword_column + "wait for ".len();
        let last = wait.arms.len().saturating_sub(1);
        let start = head.start;
        let mut first_line = format!("{}wait for", head.label);
        let mut first_end = start;

        for (i, arm) in wait.arms.iter().enumerate() {
            let mut text = self.inline.wait_arm(arm);
            if i < last {
                text.push(',');
            }
            if i == 0 {
                first_line.push(' ');
                first_line.push_str(&text);
                first_end = self.code_end(arm.span);
                self.line(
                    Role::Item,
                    INDENT,
                    std::mem::take(&mut first_line),
                    start,
                    first_end,
                );
            } else {
                self.push(Role::Continuation, arm_column, text, arm.span);
            }
        }
        if wait.arms.is_empty() {
            self.line(Role::Item, INDENT, first_line, start, first_end);
        }

        let (text, span) = match &wait.end {
            WaitEnd::Timeout {
                after,
                target,
                span,
            } => {
                let text = format!("timeout {}", inline::duration(after));
                (inline::with_target(text, target.as_ref()), *span)
            }
            WaitEnd::Forever(span) => ("forever".to_string(), *span),
        };
        self.push(Role::Continuation, arm_column, text, span);
    }

    // ------------------------------------------------------------- lines --

    /// A line that holds all of `span`.
    fn push(&mut self, role: Role, indent: usize, text: String, span: Span) {
        let end = self.code_end(span);
        self.line(role, indent, text, span.start as usize, end);
    }

    /// The first line of a block: only its start matters.
    fn open(&mut self, role: Role, indent: usize, text: String, span: Span) {
        let start = span.start as usize;
        self.line(role, indent, text, start, start);
    }

    /// The `}` that ends `span`.
    fn close(&mut self, role: Role, indent: usize, span: Span) {
        let end = self.code_end(span);
        let brace = end.saturating_sub(1).max(span.start as usize);
        self.line(role, indent, "}".to_string(), brace, end);
    }

    fn line(&mut self, role: Role, indent: usize, text: String, start: usize, end: usize) {
        self.lines.push(Line {
            indent,
            text,
            start,
            end,
            role,
        });
    }

    /// Where the code of `span` ends. The span of a rule that ends in an
    /// optional part also covers the white space and comments after it
    /// (pest keeps what it skipped before trying the absent part), so those
    /// are trimmed off here.
    fn code_end(&self, span: Span) -> usize {
        let source = self.inline.source.as_bytes();
        let start = span.start as usize;
        let mut end = (span.end as usize).min(source.len());

        loop {
            while end > start && source[end - 1].is_ascii_whitespace() {
                end -= 1;
            }
            let before = self.comments.partition_point(|c| (c.start as usize) < end);
            match before.checked_sub(1).map(|i| self.comments[i]) {
                Some(comment) if comment.end as usize >= end && comment.start as usize >= start => {
                    end = comment.start as usize;
                }
                _ => return end,
            }
        }
    }
}

/// What the lines of a step need to know about its first line.
struct StepHead {
    /// `label: `, or nothing.
    label: String,
    /// The column where the step's keyword starts, after the label.
    keyword_column: usize,
    /// Where the step (its label, if any) starts in the source.
    start: usize,
}

/// `list name "Display name"` or `segment name`.
fn named(keyword: &str, decl: &ListDecl) -> String {
    match &decl.display {
        Some(display) => format!("{keyword} {} {}", decl.name.name, inline::string(display)),
        None => format!("{keyword} {}", decl.name.name),
    }
}

fn email_item(item: &EmailItem) -> String {
    match item {
        EmailItem::Kind { kind, .. } => format!("kind {}", inline::email_kind(*kind)),
        EmailItem::Subject { text, .. } => format!("subject {}", inline::string(text)),
        EmailItem::Body { path, .. } => format!("body {}", inline::string(path)),
        EmailItem::Link { name, url, .. } => format!("link {} {}", name.name, inline::string(url)),
    }
}
