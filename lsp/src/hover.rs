//! Hover: what the thing under the cursor is, in the author's words.
//!
//! A name shows its declaration: a step its kind and where it leads, a
//! contact field its type and whether it is PHI, an email its kind,
//! subject and links. A duration or a time window shows what it means in
//! words. Anywhere else inside a step, the step itself is shown. Everything
//! comes from the syntax tree and the symbol index; nothing is re-read from
//! the text.

use crate::world::View;
use journey_compiler::check::names::{self, Decls};
use journey_compiler::check::step_ids;
use journey_compiler::source::FileId;
use journey_compiler::span::Span;
use journey_compiler::symbols::{JourneyKey, Symbol};
use journey_compiler::syntax::ast::{self, Decl, EmailItem, EmailKind, StepKind};
use std::fmt::Write;
use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

mod words;

pub fn hover(view: &View, position: Position) -> Option<Hover> {
    let offset = view.indexed_offset(position)?;
    let file = view.file;
    let trees = view.analysis.trees();
    let mut ignored = Vec::new();
    let decls = names::collect(trees, &mut ignored);

    if let Some(found) = view.analysis.index.at(file, offset) {
        let text = describe(view, &decls, &found.symbol)?;
        return Some(markdown(view, file, found.span, text));
    }

    let tree = trees.get(file.0 as usize)?;
    if let Some((span, text)) = words::value_at(tree, offset) {
        return Some(markdown(view, file, span, text));
    }
    let (journey, step) = step_at(tree, offset)?;
    let key = JourneyKey {
        name: journey.name.name.clone(),
        file,
        at: journey.name.span.start,
    };
    let text = step_text(view, journey, &key, step);
    Some(markdown(view, file, step.span, text))
}

fn markdown(view: &View, file: FileId, span: Span, value: String) -> Hover {
    Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: view.range(file, span),
    }
}

/// The markdown for a declared thing.
fn describe(view: &View, decls: &Decls, symbol: &Symbol) -> Option<String> {
    let text = match symbol {
        Symbol::Field(name) => field(decls, name)?,
        Symbol::EventField { event, field } => {
            let entry = decls.events.entries.get(decls.events.get(event)?)?;
            let decl = entry.decl.fields.iter().find(|f| &f.name.name == field)?;
            format!(
                "field `{field}` of event `{event}`: `{}`",
                type_text(&decl.ty)
            )
        }
        Symbol::Email(name) => email(decls, name)?,
        Symbol::Link { email, link } => {
            let entry = decls.emails.entries.get(decls.emails.get(email)?)?;
            let url = entry.decl.items.iter().find_map(|item| match item {
                EmailItem::Link { name, url, .. } if &name.name == link => Some(&url.value),
                _ => None,
            })?;
            format!("link `{link}` of email `{email}`\n\n{url}")
        }
        Symbol::List(name) => list(
            "list",
            decls.lists.get(name).map(|i| &decls.lists.entries[i])?,
        ),
        Symbol::Segment(name) => list(
            "segment",
            decls
                .segments
                .get(name)
                .map(|i| &decls.segments.entries[i])?,
        ),
        Symbol::Event(name) => event(decls, name)?,
        Symbol::Journey(name) => journey(view, decls, name)?,
        Symbol::Step { journey, label } => {
            let decl = journey_at(view, journey)?;
            let step = decl
                .steps()
                .find(|s| s.label.as_ref().is_some_and(|l| &l.name == label))?;
            step_text(view, decl, journey, step)
        }
    };
    Some(text)
}

fn type_text(ty: &ast::TypeRef) -> String {
    let optional = if ty.optional { "?" } else { "" };
    format!("{}{optional}", ty.name.as_str())
}

fn field(decls: &Decls, name: &str) -> Option<String> {
    let entry = decls.fields.entries.get(decls.fields.get(name)?)?;
    let decl = entry.decl;
    let mut text = format!("contact field `{name}`: `{}`", type_text(&decl.ty));
    let mut facts = Vec::new();
    if decl.ty.optional {
        facts.push(
            "optional: a contact may not have it, so every use must say what happens then"
                .to_string(),
        );
    }
    match decl.phi {
        Some(_) => facts.push(
            "**PHI**: protected health information; kept out of subjects, links and logs"
                .to_string(),
        ),
        None => facts.push("not PHI".to_string()),
    }
    if let Some(default) = &decl.default {
        facts.push(format!("default: `{}`", literal_text(default)));
    }
    for fact in facts {
        let _ = write!(text, "\n\n{fact}");
    }
    Some(text)
}

fn literal_text(literal: &ast::Literal) -> String {
    match literal {
        ast::Literal::Text(s) => format!("\"{}\"", s.value),
        ast::Literal::Number { value, .. } => value.to_string(),
        ast::Literal::Bool { value, .. } => value.to_string(),
        ast::Literal::Duration(d) => words::duration(d),
        ast::Literal::Date(d) => format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
        ast::Literal::DateTime { date, time, .. } => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            date.year, date.month, date.day, time.hour, time.minute
        ),
        ast::Literal::Instant(i) => i.text.clone(),
        ast::Literal::Time(t) => format!("{:02}:{:02}", t.hour, t.minute),
    }
}

fn email(decls: &Decls, name: &str) -> Option<String> {
    let entry = decls.emails.entries.get(decls.emails.get(name)?)?;
    let mut kind = "kind not set";
    let mut subject = None;
    let mut body = None;
    let mut links = Vec::new();
    for item in &entry.decl.items {
        match item {
            EmailItem::Kind {
                kind: EmailKind::Marketing,
                ..
            } => kind = "marketing: sent only with the contact's marketing consent",
            EmailItem::Kind {
                kind: EmailKind::Treatment,
                ..
            } => kind = "treatment: exempt from marketing consent, not from suppression",
            EmailItem::Subject { text, .. } => subject = Some(&text.value),
            EmailItem::Body { path, .. } => body = Some(&path.value),
            EmailItem::Link { name, url, .. } => {
                links.push(format!("- `{}` {}", name.name, url.value))
            }
        }
    }

    let mut text = format!("email `{name}`\n\n{kind}");
    if let Some(subject) = subject {
        let _ = write!(text, "\n\nsubject: \"{subject}\"");
    }
    if let Some(body) = body {
        let _ = write!(text, "\n\nbody: `{body}`");
    }
    if !links.is_empty() {
        let _ = write!(text, "\n\nlinks:\n{}", links.join("\n"));
    }
    Some(text)
}

fn list(noun: &str, entry: &names::Entry<ast::ListDecl>) -> String {
    match &entry.decl.display {
        Some(display) => format!("{noun} `{}`: \"{}\"", entry.name, display.value),
        None => format!("{noun} `{}`", entry.name),
    }
}

fn event(decls: &Decls, name: &str) -> Option<String> {
    let entry = decls.events.entries.get(decls.events.get(name)?)?;
    let fields: Vec<String> = entry
        .decl
        .fields
        .iter()
        .map(|f| format!("- `{}`: `{}`", f.name.name, type_text(&f.ty)))
        .collect();
    Some(match fields.is_empty() {
        true => format!("event `{name}`, without fields"),
        false => format!("event `{name}`\n\nfields:\n{}", fields.join("\n")),
    })
}

fn journey(view: &View, decls: &Decls, name: &str) -> Option<String> {
    let entry = decls.journeys.entries.get(decls.journeys.get(name)?)?;
    let decl = entry.decl;
    let source = view.analysis.indexed_text(entry.file);
    let mut text = match &decl.display {
        Some(display) => format!("journey `{name}`: \"{}\"", display.value),
        None => format!("journey `{name}`"),
    };
    let steps = decl.steps().count();
    let noun = if steps == 1 { "step" } else { "steps" };
    let _ = write!(text, "\n\n{steps} {noun}");
    let entries: Vec<String> = decl
        .settings()
        .filter(|s| matches!(s.kind, ast::SettingKind::Enter(_)))
        .map(|s| format!("- `{}`", one_line(s.span.text(source))))
        .collect();
    match entries.is_empty() {
        true => text.push_str("; no entry trigger: contacts come by `goto journey` only"),
        false => {
            let _ = write!(text, "; contacts enter:\n{}", entries.join("\n"));
        }
    }
    Some(text)
}

/// Source text on one line, runs of white space as one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The journey a step key names, from the trees.
fn journey_at<'t>(view: &View<'t>, key: &JourneyKey) -> Option<&'t ast::JourneyDecl> {
    let tree = view.analysis.trees().get(key.file.0 as usize)?;
    tree.decls.iter().find_map(|decl| match decl {
        Decl::Journey(j) if j.name.span.start == key.at => Some(j),
        _ => None,
    })
}

/// The journey and step whose text covers `offset`.
fn step_at(tree: &ast::File, offset: usize) -> Option<(&ast::JourneyDecl, &ast::Step)> {
    tree.decls.iter().find_map(|decl| match decl {
        Decl::Journey(journey) if journey.span.contains(offset) => journey
            .steps()
            .find(|step| step.span.contains(offset))
            .map(|step| (journey, step)),
        _ => None,
    })
}

/// A step: its id, its kind, and where each way out of it leads.
fn step_text(
    view: &View,
    journey: &ast::JourneyDecl,
    key: &JourneyKey,
    step: &ast::Step,
) -> String {
    let steps: Vec<&ast::Step> = journey.steps().collect();
    let ids = step_ids(&steps);
    let position = steps
        .iter()
        .position(|s| std::ptr::eq(*s, step))
        .unwrap_or(0);
    let id = ids.get(position).map_or("?", String::as_str);
    let next = match ids.get(position + 1) {
        Some(next) => format!("the next step, `{next}`"),
        None => "the end of the journey: the run is complete".to_string(),
    };
    let target = |label: Option<&ast::Ident>| match label {
        Some(label) => format!("`{}`", label.name),
        None => next.clone(),
    };
    let source = |span: Span| one_line(view.indexed_text(key.file, span));

    let mut ways = Vec::new();
    match &step.kind {
        StepKind::Goto(label) => ways.push(format!("goes to {}", target(Some(label)))),
        StepKind::GotoJourney(name) => {
            ways.push(format!("hands the contact to journey `{}`", name.name))
        }
        StepKind::End => ways.push("ends the run".to_string()),
        StepKind::WaitFor(wait) => {
            for arm in &wait.arms {
                let condition = source(arm.span);
                let condition = condition.split(" -> ").next().unwrap_or("");
                ways.push(format!("`{condition}` → {}", target(arm.target.as_ref())));
            }
            match &wait.end {
                ast::WaitEnd::Timeout {
                    after, target: to, ..
                } => ways.push(format!(
                    "after {} without any of these → {}",
                    words::duration(after),
                    target(to.as_ref())
                )),
                ast::WaitEnd::Forever(_) => ways.push("waits forever otherwise".to_string()),
            }
        }
        StepKind::WaitUntil(wait) => {
            ways.push(format!("when the time comes → {next}"));
            for arm in &wait.arms {
                let why = match arm.kind {
                    ast::UntilArmKind::Late => "if the time has already passed",
                    ast::UntilArmKind::Missing => "if the field is missing",
                };
                ways.push(format!("{why} → {}", target(Some(&arm.target))));
            }
        }
        StepKind::Branch(branch) => {
            for arm in &branch.arms {
                let condition = source(arm.condition.span);
                ways.push(format!(
                    "when `{condition}` → {}",
                    target(Some(&arm.target))
                ));
            }
            match &branch.otherwise {
                Some(arm) => ways.push(format!("else → {}", target(Some(&arm.target)))),
                None => ways.push(format!("no arm holds → falls through to {next}")),
            }
        }
        StepKind::Split(split) => {
            for arm in &split.arms {
                ways.push(format!("{}% → {}", arm.percent, target(Some(&arm.target))));
            }
        }
        StepKind::Send(_) | StepKind::Wait(_) | StepKind::AddTo(_) | StepKind::RemoveFrom(_) => {
            ways.push(format!("then → {next}"))
        }
    }

    let mut text = format!(
        "step `{id}` of journey `{}`: `{}`",
        journey.name.name,
        step.kind.describe()
    );
    if let StepKind::Wait(duration) = &step.kind {
        let _ = write!(text, "\n\nwaits {}", words::duration_meaning(duration));
    }
    let _ = write!(
        text,
        "\n\n{}",
        ways.iter()
            .map(|w| format!("- {w}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    text
}
