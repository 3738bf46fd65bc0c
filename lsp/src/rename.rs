//! Rename a step, journey, email, link, list, segment, event or field
//! everywhere it is written, across files, and in the email templates that
//! name it (`{{ contact.plan }}`, `{{ link.portal }}`).
//!
//! A rename is refused, with the reason, when the new name breaks the
//! grammar or is already taken by a thing of the same kind in the same
//! scope (a label in the same journey, a link in the same email), when the
//! name is not declared anywhere, or while a file of the project has syntax
//! errors (its uses cannot all be found).

use crate::position::Coords;
use crate::world::View;
use journey_compiler::check::names;
use journey_compiler::project::read_text;
use journey_compiler::source::FileId;
use journey_compiler::span::LineIndex;
use journey_compiler::symbols::{check_name, template_names, Symbol, TemplateRoot};
use journey_compiler::syntax::ast::EmailItem;
use std::collections::HashMap;
use std::path::Path;
use tower_lsp_server::ls_types::{Position, PrepareRenameResponse, TextEdit, Uri, WorkspaceEdit};

/// The name under the cursor and its range, if it can be renamed there.
pub fn prepare(view: &View, position: Position) -> Result<PrepareRenameResponse, String> {
    let offset = view.indexed_offset(position).ok_or_else(unparsed)?;
    let found = view
        .analysis
        .index
        .at(view.file, offset)
        .ok_or("there is no name to rename here")?;
    let range = view.range(view.file, found.span).ok_or_else(unparsed)?;
    Ok(PrepareRenameResponse::RangeWithPlaceholder {
        range,
        placeholder: found.symbol.name().to_string(),
    })
}

fn unparsed() -> String {
    "this part of the file has changed since it last parsed; fix the syntax errors first".into()
}

pub fn rename(view: &View, position: Position, new_name: &str) -> Result<WorkspaceEdit, String> {
    let offset = view.indexed_offset(position).ok_or_else(unparsed)?;
    let index = &view.analysis.index;
    let found = index
        .at(view.file, offset)
        .ok_or("there is no name to rename here")?;
    let symbol = &found.symbol;
    let files = (0..view.analysis.trees().len() as u32).map(FileId);
    if let Some(broken) = files.into_iter().find(|&file| view.analysis.is_older(file)) {
        let path = &view.analysis.sources.get(broken).path;
        return Err(format!(
            "`{}` has syntax errors, so not every use can be found; fix them first",
            file_name(path)
        ));
    }
    if index.definition(symbol).is_none() {
        return Err(format!(
            "the {} `{}` is not declared anywhere",
            symbol.noun(),
            symbol.name()
        ));
    }
    check_name(symbol, new_name)?;
    if let Some(taken) = taken(view, symbol, new_name) {
        return Err(taken);
    }

    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for occurrence in index.occurrences_of(symbol) {
        let uri = view
            .uri(occurrence.file)
            .ok_or("a file of the project has no URI")?;
        let range = view
            .range(occurrence.file, occurrence.span)
            .ok_or_else(unparsed)?;
        changes
            .entry(uri)
            .or_default()
            .push(TextEdit::new(range, new_name.to_string()));
    }
    template_edits(view, symbol, new_name, &mut changes);
    Ok(WorkspaceEdit::new(changes))
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Why `name` cannot be the new name of `symbol`: a thing of the same kind
/// in the same scope already has it.
fn taken(view: &View, symbol: &Symbol, name: &str) -> Option<String> {
    let renamed = match symbol {
        Symbol::Field(_) => Symbol::Field(name.into()),
        Symbol::Email(_) => Symbol::Email(name.into()),
        Symbol::List(_) => Symbol::List(name.into()),
        Symbol::Segment(_) => Symbol::Segment(name.into()),
        Symbol::Event(_) => Symbol::Event(name.into()),
        Symbol::Journey(_) => Symbol::Journey(name.into()),
        Symbol::Link { email, .. } => Symbol::Link {
            email: email.clone(),
            link: name.into(),
        },
        Symbol::EventField { event, .. } => Symbol::EventField {
            event: event.clone(),
            field: name.into(),
        },
        Symbol::Step { journey, .. } => Symbol::Step {
            journey: journey.clone(),
            label: name.into(),
        },
    };
    if &renamed == symbol {
        return Some(format!("the {} is already called `{name}`", symbol.noun()));
    }
    let scope = match symbol {
        Symbol::Link { email, .. } => format!(" in email `{email}`"),
        Symbol::EventField { event, .. } => format!(" in event `{event}`"),
        Symbol::Step { journey, .. } => format!(" in journey `{}`", journey.name),
        _ => String::new(),
    };
    view.analysis.index.definition(&renamed).map(|_| {
        let noun = symbol.noun();
        format!(
            "there is already {} {noun} named `{name}`{scope}",
            article(noun)
        )
    })
}

/// `a` or `an`, for the nouns of [`Symbol::noun`] (`an email`, `an event`).
fn article(noun: &str) -> &'static str {
    match noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        true => "an",
        false => "a",
    }
}

/// Edits for the email bodies that name a renamed field or link. Bodies are
/// read from disk, relative to the file that declares their email.
fn template_edits(
    view: &View,
    symbol: &Symbol,
    new_name: &str,
    changes: &mut HashMap<Uri, Vec<TextEdit>>,
) {
    let (root, old, only_email) = match symbol {
        Symbol::Field(name) => (TemplateRoot::Contact, name, None),
        Symbol::Link { email, link } => (TemplateRoot::Link, link, Some(email.as_str())),
        _ => return,
    };
    let mut ignored = Vec::new();
    let decls = names::collect(view.analysis.trees(), &mut ignored);
    for entry in &decls.emails.entries {
        if only_email.is_some_and(|email| email != entry.name) {
            continue;
        }
        let Some(body) = entry.decl.items.iter().find_map(|item| match item {
            EmailItem::Body { path, .. } => Some(&path.value),
            _ => None,
        }) else {
            continue;
        };
        let journey_file = &view.analysis.sources.get(entry.file).path;
        let folder = Path::new(journey_file).parent().unwrap_or(Path::new("."));
        let path = folder.join(body);
        let (Ok(text), Some(uri)) = (read_text(&path), Uri::from_file_path(&path)) else {
            continue;
        };
        let lines = LineIndex::new(&text);
        let coords = Coords {
            text: &text,
            lines: &lines,
            unit: view.unit,
        };
        let edits = template_names(&text)
            .into_iter()
            .filter(|found| found.root == root && &found.name == old)
            .map(|found| TextEdit::new(coords.range(found.span), new_name.to_string()));
        let edits: Vec<TextEdit> = edits.collect();
        if !edits.is_empty() {
            changes.entry(uri).or_default().extend(edits);
        }
    }
}
