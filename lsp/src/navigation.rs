//! Go to definition, find references and document highlights, from the
//! symbol index: steps, journeys, emails, links, segments, lists, events
//! and fields, across every file of the project.

use crate::world::View;
use journey_compiler::symbols::{Occurrence, Role};
use tower_lsp_server::ls_types::{DocumentHighlight, DocumentHighlightKind, Location, Position};

/// The occurrence under the cursor.
fn occurrence<'a>(view: &View<'a>, position: Position) -> Option<&'a Occurrence> {
    let offset = view.indexed_offset(position)?;
    view.analysis.index.at(view.file, offset)
}

pub fn definition(view: &View, position: Position) -> Option<Location> {
    let found = occurrence(view, position)?;
    let definition = view.analysis.index.definition(&found.symbol)?;
    view.location(definition.file, definition.name)
}

pub fn references(view: &View, position: Position, with_declaration: bool) -> Vec<Location> {
    let Some(found) = occurrence(view, position) else {
        return Vec::new();
    };
    view.analysis
        .index
        .occurrences_of(&found.symbol)
        .filter(|o| with_declaration || o.role == Role::Use)
        .filter_map(|o| view.location(o.file, o.span))
        .collect()
}

pub fn highlights(view: &View, position: Position) -> Vec<DocumentHighlight> {
    let Some(found) = occurrence(view, position) else {
        return Vec::new();
    };
    view.analysis
        .index
        .occurrences_of(&found.symbol)
        .filter(|o| o.file == view.file)
        .filter_map(|o| {
            let kind = match o.role {
                Role::Declaration => DocumentHighlightKind::WRITE,
                Role::Use => DocumentHighlightKind::READ,
            };
            Some(DocumentHighlight {
                range: view.range(o.file, o.span)?,
                kind: Some(kind),
            })
        })
        .collect()
}
