//! Code actions: the quick fixes the diagnostics suggest.
//!
//! Every suggestion a diagnostic carries ("did you mean `reminder`?", a
//! time zone's right spelling) becomes a quick fix that makes the change.
//! Two mistakes get fixes written here, because the fix is an insertion
//! the diagnostic cannot carry as a replacement: a `wait for` that does not
//! say how it ends gets "add a `timeout`" and "add `forever`", and a branch
//! without `else` gets "add `else -> L`" for the step it falls through to
//! today, so the fix changes nothing but makes it explicit.

use crate::diagnostics;
use crate::world::View;
use journey_compiler::diagnostic::Diagnostic;
use journey_compiler::span::Span;
use journey_compiler::syntax::ast::{Decl, StepKind};
use journey_compiler::syntax::WAIT_END_HELP;
use std::collections::HashMap;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Range, TextEdit, WorkspaceEdit,
};

/// The fixes for the diagnostics of the view's file that touch `range`.
pub fn actions(view: &View, range: Range) -> Vec<CodeActionOrCommand> {
    let Some(coords) = view.coords(view.file) else {
        return Vec::new();
    };
    let wanted = coords.span(range);
    let mut out = Vec::new();
    for diagnostic in &view.analysis.diagnostics {
        let primary = diagnostic.primary.span;
        let touches = primary.start <= wanted.end && wanted.start <= primary.end;
        if diagnostic.primary.file != view.file || !touches {
            continue;
        }
        for (title, span, text) in fixes(view, diagnostic) {
            let Some(action) = action(view, diagnostic, title, span, text) else {
                continue;
            };
            out.push(CodeActionOrCommand::CodeAction(action));
        }
    }
    out
}

/// Each fix: its title, the span of the current text it replaces, and
/// the new text.
fn fixes(view: &View, diagnostic: &Diagnostic) -> Vec<(String, Span, String)> {
    let mut fixes: Vec<(String, Span, String)> = diagnostic
        .suggestions
        .iter()
        .filter(|s| s.file == view.file)
        .map(|s| (s.title.clone(), s.span, s.replacement.clone()))
        .collect();

    let text = view.coords(view.file).map_or("", |c| c.text);
    let at = (diagnostic.primary.span.start as usize).min(text.len());
    if diagnostic.help.as_deref() == Some(WAIT_END_HELP) && text.is_char_boundary(at) {
        let ends = [
            ("add a `timeout`", "timeout 3 days"),
            ("add `forever`", "forever"),
        ];
        for (title, words) in ends {
            let (span, insert) = wait_end(text, at, words);
            fixes.push((title.to_string(), span, insert));
        }
    }
    if diagnostic.code == "branch-without-else" {
        fixes.extend(add_else(view, diagnostic.primary.span));
    }
    fixes
}

/// `else -> L` for the branch at `span`, where L is the label of the step
/// after it: where contacts that match no arm go today.
fn add_else(view: &View, span: Span) -> Option<(String, Span, String)> {
    if view.analysis.is_older(view.file) {
        return None;
    }
    let tree = view.analysis.trees().get(view.file.0 as usize)?;
    let journey = tree.decls.iter().find_map(|d| match d {
        Decl::Journey(j) if j.span.contains(span.start as usize) => Some(j),
        _ => None,
    })?;
    let steps: Vec<_> = journey.steps().collect();
    let at = steps.iter().position(|s| s.span == span)?;
    let StepKind::Branch(branch) = &steps[at].kind else {
        return None;
    };
    let next = steps.get(at + 1)?.label.as_ref()?;

    let text = view.coords(view.file)?.text;
    let close = (span.end as usize).checked_sub(1)?;
    if text.get(close..close + 1) != Some("}") {
        return None;
    }
    let title = format!("add `else -> {}`", next.name);
    let brace_line = line_start(text, close);
    if !text[brace_line..close].trim().is_empty() {
        return Some((title, Span::point(close), format!("else -> {} ", next.name)));
    }

    let arm = branch.arms.last()?.span.start as usize;
    let arm_indent = &text[line_start(text, arm)..arm];
    let indent = match arm_indent.trim().is_empty() {
        true => arm_indent.to_string(),
        false => format!("{}  ", &text[brace_line..close]),
    };
    let insert = format!("{indent}else -> {}\n", next.name);
    Some((title, Span::point(brace_line), insert))
}

/// Where the end of a `wait for` goes, and the text that puts it there.
/// The parser finds the end missing at the next token, which may come
/// after blank lines and comments that belong to the next step: the end
/// goes right after the wait's last arm instead, on a line of its own,
/// aligned under the first arm as `journey fmt` aligns it.
fn wait_end(text: &str, at: usize, words: &str) -> (Span, String) {
    let after_arm = end_of_code_before(text, at);
    let indent = " ".repeat(arm_column(text, after_arm));
    if text[after_arm..at].contains('\n') {
        return (Span::point(after_arm), format!("\n{indent}{words}"));
    }

    // The next token is on the arm's line: it moves to a line of its own.
    let line = line_start(text, at);
    let line_indent: String = text[line..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let insert = format!("\n{indent}{words}\n{line_indent}");
    (Span::new(after_arm, at), insert)
}

/// The end of the last code before `at`: blank lines and lines holding
/// only a comment are passed over (a comment after code stays with it).
fn end_of_code_before(text: &str, at: usize) -> usize {
    let mut end = at;
    loop {
        let before = text[..end].trim_end().len();
        let start = line_start(text, before);
        if !text[start..before].trim_start().starts_with('#') {
            return before;
        }
        end = start;
    }
}

/// The column, in chars, of the first arm of the `wait for` whose last arm
/// ends at `arm_end`: just after `wait for ` on the nearest line above
/// that holds it outside a comment; or the indent of the arm's own line.
fn arm_column(text: &str, arm_end: usize) -> usize {
    let mut line_end = arm_end;
    loop {
        let start = line_start(text, line_end);
        let line = &text[start..line_end];
        let code = line.split('#').next().unwrap_or("");
        if let Some(at) = code.find("wait for ") {
            return code[..at].chars().count() + "wait for ".len();
        }
        if start == 0 || code.trim_start().starts_with("wait") {
            break;
        }
        line_end = start - 1;
    }
    let start = line_start(text, arm_end);
    text[start..].chars().take_while(|c| *c == ' ').count()
}

fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

fn action(
    view: &View,
    diagnostic: &Diagnostic,
    title: String,
    span: Span,
    text: String,
) -> Option<CodeAction> {
    let coords = view.coords(view.file)?;
    let uri = view.uri(view.file)?;
    let edit = TextEdit::new(coords.range(span), text);
    let changes = HashMap::from([(uri, vec![edit])]);
    Some(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: diagnostics::to_lsp(view, diagnostic).map(|d| vec![d]),
        edit: Some(WorkspaceEdit::new(changes)),
        is_preferred: Some(diagnostic.suggestions.len() == 1),
        ..CodeAction::default()
    })
}
