//! Document symbols (the outline: declarations, and each journey's steps
//! under it) and workspace symbols (every declared name of every loaded
//! project, found by part of its name).

use crate::world::View;
use journey_compiler::check::step_ids;
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
    let range = |span| view.range(file, span);
    let mut out = Vec::new();
    for decl in &tree.decls {
        let symbol = match decl {
            Decl::Contact(contact) => {
                let fields = contact.fields.iter().filter_map(|f| {
                    let ty = format!(
                        "{}{}",
                        f.ty.name.as_str(),
                        if f.ty.optional { "?" } else { "" }
                    );
                    let detail = if f.phi.is_some() {
                        format!("{ty} · PHI")
                    } else {
                        ty
                    };
                    symbol(
                        &f.name.name,
                        detail,
                        SymbolKind::FIELD,
                        range(f.span)?,
                        range(f.name.span)?,
                        Vec::new(),
                    )
                });
                let fields = fields.collect();
                let whole = range(contact.span);
                whole.and_then(|r| {
                    symbol("contact", String::new(), SymbolKind::STRUCT, r, r, fields)
                })
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
                range(list.span)
                    .zip(range(list.name.span))
                    .and_then(|(whole, name)| {
                        symbol(
                            &list.name.name,
                            detail,
                            SymbolKind::ENUM,
                            whole,
                            name,
                            Vec::new(),
                        )
                    })
            }
            Decl::Event(event) => {
                let fields = event.fields.iter().filter_map(|f| {
                    let detail = f.ty.name.as_str().to_string();
                    symbol(
                        &f.name.name,
                        detail,
                        SymbolKind::FIELD,
                        range(f.span)?,
                        range(f.name.span)?,
                        Vec::new(),
                    )
                });
                let fields = fields.collect();
                range(event.span)
                    .zip(range(event.name.span))
                    .and_then(|(whole, name)| {
                        symbol(
                            &event.name.name,
                            "event".into(),
                            SymbolKind::EVENT,
                            whole,
                            name,
                            fields,
                        )
                    })
            }
            Decl::Email(email) => {
                let links = email.items.iter().filter_map(|item| match item {
                    EmailItem::Link { name, url, span } => symbol(
                        &name.name,
                        url.value.clone(),
                        SymbolKind::PROPERTY,
                        range(*span)?,
                        range(name.span)?,
                        Vec::new(),
                    ),
                    _ => None,
                });
                let links = links.collect();
                range(email.span)
                    .zip(range(email.name.span))
                    .and_then(|(whole, name)| {
                        symbol(
                            &email.name.name,
                            "email".into(),
                            SymbolKind::OBJECT,
                            whole,
                            name,
                            links,
                        )
                    })
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
                        range(step.span)?,
                        range(selection)?,
                        Vec::new(),
                    )
                });
                let children = children.collect();
                let detail = journey
                    .display
                    .as_ref()
                    .map_or("journey".into(), |d| d.value.clone());
                range(journey.span)
                    .zip(range(journey.name.span))
                    .and_then(|(whole, name)| {
                        symbol(
                            &journey.name.name,
                            detail,
                            SymbolKind::MODULE,
                            whole,
                            name,
                            children,
                        )
                    })
            }
        };
        out.extend(symbol);
    }
    out
}

fn symbol(
    name: &str,
    detail: String,
    kind: SymbolKind,
    range: Range,
    selection_range: Range,
    children: Vec<DocumentSymbol>,
) -> Option<DocumentSymbol> {
    #[allow(deprecated)]
    Some(DocumentSymbol {
        name: name.to_string(),
        detail: (!detail.is_empty()).then_some(detail),
        kind,
        tags: None,
        deprecated: None,
        range,
        selection_range,
        children: (!children.is_empty()).then_some(children),
    })
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
