//! Document symbols (the outline: declarations, and each journey's steps
//! under it) and workspace symbols (every declared name of every loaded
//! project, found by part of its name).

use crate::world::View;
use journey_compiler::check::step_ids;
use journey_compiler::span::Span;
use journey_compiler::symbols::Symbol;
use journey_compiler::syntax::ast::{Decl, EmailItem};
use tower_lsp_server::ls_types::{DocumentSymbol, Location, SymbolKind, WorkspaceSymbol};
use tower_lsp_server::ls_types::{OneOf, Range};

/// The outline of the view's file.
pub fn document_symbols(view: &View) -> Vec<DocumentSymbol> {
    let file = view.file;
    let Some(tree) = view.analysis.trees().get(file.0 as usize) else {
        return Vec::new();
    };
    let symbol = |name: &str, detail: String, kind, whole: Span, selection: Span, children| {
        Some(outline_symbol(
            name,
            detail,
            kind,
            view.range(file, whole)?,
            view.range(file, selection)?,
            children,
        ))
    };

    let mut out = Vec::new();
    for decl in &tree.decls {
        let found = match decl {
            Decl::Contact(contact) => {
                let fields = contact.fields.iter().filter_map(|f| {
                    let optional = if f.ty.optional { "?" } else { "" };
                    let phi = if f.phi.is_some() { " · PHI" } else { "" };
                    let detail = format!("{}{optional}{phi}", f.ty.name.as_str());
                    symbol(
                        &f.name.name,
                        detail,
                        SymbolKind::FIELD,
                        f.span,
                        f.name.span,
                        vec![],
                    )
                });
                let fields = fields.collect();
                let kind = SymbolKind::STRUCT;
                symbol(
                    "contact",
                    String::new(),
                    kind,
                    contact.span,
                    contact.span,
                    fields,
                )
            }
            Decl::List(list) | Decl::Segment(list) => {
                let kind = if matches!(decl, Decl::List(_)) {
                    "list"
                } else {
                    "segment"
                };
                let detail = list
                    .display
                    .as_ref()
                    .map_or(kind.to_string(), |d| d.value.clone());
                let (name, kind) = (&list.name, SymbolKind::ENUM);
                symbol(&name.name, detail, kind, list.span, name.span, vec![])
            }
            Decl::Event(event) => {
                let fields = event.fields.iter().filter_map(|f| {
                    let detail = f.ty.name.as_str().to_string();
                    symbol(
                        &f.name.name,
                        detail,
                        SymbolKind::FIELD,
                        f.span,
                        f.name.span,
                        vec![],
                    )
                });
                let fields = fields.collect();
                let (name, kind) = (&event.name, SymbolKind::EVENT);
                symbol(
                    &name.name,
                    "event".into(),
                    kind,
                    event.span,
                    name.span,
                    fields,
                )
            }
            Decl::Email(email) => {
                let links = email.items.iter().filter_map(|item| match item {
                    EmailItem::Link { name, url, span } => {
                        let (detail, kind) = (url.value.clone(), SymbolKind::PROPERTY);
                        symbol(&name.name, detail, kind, *span, name.span, vec![])
                    }
                    _ => None,
                });
                let links = links.collect();
                let (name, kind) = (&email.name, SymbolKind::OBJECT);
                symbol(
                    &name.name,
                    "email".into(),
                    kind,
                    email.span,
                    name.span,
                    links,
                )
            }
            Decl::Journey(journey) => {
                let steps: Vec<_> = journey.steps().collect();
                let ids = step_ids(&steps);
                let children = steps.iter().zip(ids).filter_map(|(step, id)| {
                    let selection = step.label.as_ref().map_or(step.span, |l| l.span);
                    let detail = step.kind.describe().to_string();
                    symbol(
                        &id,
                        detail,
                        SymbolKind::FUNCTION,
                        step.span,
                        selection,
                        vec![],
                    )
                });
                let children = children.collect();
                let detail = journey
                    .display
                    .as_ref()
                    .map_or("journey".into(), |d| d.value.clone());
                let (name, kind) = (&journey.name, SymbolKind::MODULE);
                symbol(&name.name, detail, kind, journey.span, name.span, children)
            }
        };
        out.extend(found);
    }
    out
}

fn outline_symbol(
    name: &str,
    detail: String,
    kind: SymbolKind,
    range: Range,
    selection_range: Range,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    #[allow(deprecated)]
    DocumentSymbol {
        name: name.to_string(),
        detail: (!detail.is_empty()).then_some(detail),
        kind,
        tags: None,
        deprecated: None,
        range,
        selection_range,
        children: (!children.is_empty()).then_some(children),
    }
}

/// Every declared name of the project whose name holds the query's chars
/// in order (`rmd` finds `reminder`), ignoring case.
pub fn workspace_symbols(view: &View, query: &str) -> Vec<WorkspaceSymbol> {
    let mut found: Vec<(&Symbol, Location)> = view
        .analysis
        .index
        .definitions()
        .filter(|(symbol, _)| matches_query(symbol.name(), query))
        .filter_map(|(symbol, def)| Some((symbol, view.location(def.file, def.name)?)))
        .collect();
    found.sort_by(|a, b| (a.0.name(), a.0).cmp(&(b.0.name(), b.0)));
    found
        .into_iter()
        .map(|(symbol, location)| WorkspaceSymbol {
            name: symbol.name().to_string(),
            kind: kind(symbol),
            tags: None,
            container_name: container(symbol),
            location: OneOf::Left(location),
            data: None,
        })
        .collect()
}

fn matches_query(name: &str, query: &str) -> bool {
    let mut name = name.chars().flat_map(char::to_lowercase);
    query
        .chars()
        .flat_map(char::to_lowercase)
        .all(|wanted| name.any(|c| c == wanted))
}

fn kind(symbol: &Symbol) -> SymbolKind {
    match symbol {
        Symbol::Field(_) | Symbol::EventField { .. } => SymbolKind::FIELD,
        Symbol::Email(_) => SymbolKind::OBJECT,
        Symbol::Link { .. } => SymbolKind::PROPERTY,
        Symbol::List(_) | Symbol::Segment(_) => SymbolKind::ENUM,
        Symbol::Event(_) => SymbolKind::EVENT,
        Symbol::Journey(_) => SymbolKind::MODULE,
        Symbol::Step { .. } => SymbolKind::FUNCTION,
    }
}

fn container(symbol: &Symbol) -> Option<String> {
    match symbol {
        Symbol::Field(_) => Some("contact".into()),
        Symbol::Link { email, .. } => Some(format!("email {email}")),
        Symbol::EventField { event, .. } => Some(format!("event {event}")),
        Symbol::Step { journey, .. } => Some(format!("journey {}", journey.name)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_match_chars_in_order_ignoring_case() {
        assert!(matches_query("reminder", "rmd"));
        assert!(matches_query("Relance", "rel"));
        assert!(matches_query("anything", ""));
        assert!(!matches_query("reminder", "dmr"));
    }
}
