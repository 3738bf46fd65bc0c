//! Semantic tokens: what each name is, for editors to colour by meaning
//! (a step label, an email, a PHI field) where a grammar alone sees only a
//! word. Comments are included; keywords, strings and numbers are left to
//! the editor's grammar.
//!
//! Tokens are the symbol index's occurrences in the file plus its comments,
//! in order, each on one line, encoded as the protocol wants: each token's
//! line and start relative to the previous token, in the negotiated column
//! unit.

use crate::position::Cursor;
use crate::world::View;
use journey_compiler::check::names;
use journey_compiler::span::Span;
use journey_compiler::symbols::{Role, Symbol};
use tower_lsp_server::ls_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokensLegend,
};

/// Token types, by their index in the legend.
const TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::STRUCT,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::ENUM,
    SemanticTokenType::EVENT,
    SemanticTokenType::COMMENT,
];

const JOURNEY: u32 = 0;
const STEP: u32 = 1;
const EMAIL: u32 = 2;
const FIELD: u32 = 3;
const LIST: u32 = 4;
const EVENT: u32 = 5;
const COMMENT: u32 = 6;

/// Modifier bits: a declaration, and a field that holds PHI.
const DECLARATION: u32 = 1;
const PHI: u32 = 2;

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: vec![
            SemanticTokenModifier::DECLARATION,
            SemanticTokenModifier::new("phi"),
        ],
    }
}

pub fn tokens(view: &View) -> Vec<SemanticToken> {
    let file = view.file;
    let Some(coords) = view.coords(file) else {
        return Vec::new();
    };
    let mut ignored = Vec::new();
    let decls = names::collect(view.analysis.trees(), &mut ignored);
    let is_phi = |name: &str| {
        let entry = decls.fields.get(name).map(|i| decls.fields.entries[i]);
        entry.is_some_and(|e| e.decl.phi.is_some())
    };

    let mut raw: Vec<(Span, u32, u32)> = Vec::new();
    for occurrence in view.analysis.index.in_file(file) {
        let (kind, mut modifiers) = match &occurrence.symbol {
            Symbol::Journey(_) => (JOURNEY, 0),
            Symbol::Step { .. } => (STEP, 0),
            Symbol::Email(_) => (EMAIL, 0),
            Symbol::Field(name) if is_phi(name) => (FIELD, PHI),
            Symbol::Field(_) | Symbol::Link { .. } | Symbol::EventField { .. } => (FIELD, 0),
            Symbol::List(_) | Symbol::Segment(_) => (LIST, 0),
            Symbol::Event(_) => (EVENT, 0),
        };
        if occurrence.role == Role::Declaration {
            modifiers |= DECLARATION;
        }
        raw.push((occurrence.span, kind, modifiers));
    }
    if let Some(tree) = view.analysis.trees().get(file.0 as usize) {
        raw.extend(tree.comments.iter().map(|span| (*span, COMMENT, 0)));
    }

    let mut current: Vec<(Span, u32, u32)> = raw
        .into_iter()
        .filter_map(|(span, kind, modifiers)| {
            let span = view.analysis.to_current(file, span)?;
            Some((span, kind, modifiers))
        })
        .collect();
    current.sort_by_key(|(span, _, _)| span.start);

    let mut out = Vec::with_capacity(current.len());
    let (mut line, mut start) = (0, 0);
    let mut cursor = Cursor::new(coords);
    for (span, kind, modifiers) in current {
        let from = cursor.position(span.start as usize);
        let to = cursor.position(span.end as usize);
        if to.line != from.line || to.character <= from.character {
            continue;
        }
        let delta_start = if from.line == line {
            from.character - start
        } else {
            from.character
        };
        out.push(SemanticToken {
            delta_line: from.line - line,
            delta_start,
            length: to.character - from.character,
            token_type: kind,
            token_modifiers_bitset: modifiers,
        });
        (line, start) = (from.line, from.character);
    }
    out
}
