//! The project's declarations, collected across all files.
//!
//! A project is one namespace per kind of thing: contact fields, emails,
//! lists, segments, events and journeys each have their own table, in
//! declaration order (files in path order). A name declared twice is
//! reported with both places; the first declaration wins. Lookups of an
//! unknown name produce "did you mean" from the same table.

use super::hashing::FastMap;
use crate::diagnostic::{label, Diagnostic};
use crate::source::FileId;
use crate::span::Span;
use crate::suggest::closest_in;
use crate::syntax::ast::{self, Decl};

/// One kind of declared thing, for tables and messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Field,
    Email,
    List,
    Segment,
    Event,
    Journey,
}

impl Kind {
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Field => "contact field",
            Kind::Email => "email",
            Kind::List => "list",
            Kind::Segment => "segment",
            Kind::Event => "event",
            Kind::Journey => "journey",
        }
    }

    /// The diagnostic code for an unknown name of this kind.
    pub fn unknown_code(self) -> &'static str {
        match self {
            Kind::Field => "unknown-field",
            Kind::Email => "unknown-email",
            Kind::List => "unknown-list",
            Kind::Segment => "unknown-segment",
            Kind::Event => "unknown-event",
            Kind::Journey => "unknown-journey",
        }
    }

    fn declare_hint(self) -> &'static str {
        match self {
            Kind::Field => "declare it in the `contact { ... }` block, as in `plan: text?`",
            Kind::Email => "declare it with `email NAME { ... }`",
            Kind::List => "declare it with `list NAME \"Display name\"`",
            Kind::Segment => "declare it with `segment NAME \"Display name\"`",
            Kind::Event => "declare it with `event NAME` or `event NAME { field: type }`",
            Kind::Journey => "declare it with `journey NAME { ... }`",
        }
    }
}

/// A declared thing: where it is and which declaration it is.
#[derive(Debug)]
pub struct Entry<'a, T> {
    pub name: &'a str,
    pub file: FileId,
    pub name_span: Span,
    pub decl: &'a T,
}

// Derived `Clone` would require `T: Clone`; an entry only borrows `T`.
impl<T> Clone for Entry<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Entry<'_, T> {}

/// One kind's table: entries in declaration order, and an index by name.
#[derive(Debug)]
pub struct Table<'a, T> {
    pub kind: Kind,
    pub entries: Vec<Entry<'a, T>>,
    index: FastMap<&'a str, usize>,
}

impl<'a, T> Table<'a, T> {
    fn new(kind: Kind) -> Self {
        Table {
            kind,
            entries: Vec::new(),
            index: FastMap::default(),
        }
    }

    fn declare(
        &mut self,
        name: &'a ast::Ident,
        file: FileId,
        decl: &'a T,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        if let Some(&first) = self.index.get(name.name.as_str()) {
            let earlier = &self.entries[first];
            let noun = self.kind.noun();
            diagnostics.push(
                Diagnostic::error(
                    "duplicate-name",
                    format!("the {noun} `{}` is declared twice", name.name),
                    label(file, name.span, "declared again here"),
                )
                .with_label(earlier.file, earlier.name_span, "first declared here")
                .with_help(format!("rename one of them, or remove the second {noun}")),
            );
            return;
        }
        self.index.insert(&name.name, self.entries.len());
        self.entries.push(Entry {
            name: &name.name,
            file,
            name_span: name.span,
            decl,
        });
    }

    pub fn get(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    pub fn names(&self) -> Vec<&'a str> {
        let mut names: Vec<&str> = self.index.keys().copied().collect();
        names.sort_unstable();
        names
    }

    /// Resolves `name`, or reports it as unknown with "did you mean".
    pub fn resolve(
        &self,
        file: FileId,
        name: &ast::Ident,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<usize> {
        if let Some(found) = self.get(&name.name) {
            return Some(found);
        }
        let known = self.entries.iter().map(|entry| entry.name);
        diagnostics.push(unknown_among(self.kind, file, name, known));
        None
    }
}

/// The diagnostic for an unknown name, with a fix when one name is close.
pub fn unknown(kind: Kind, file: FileId, name: &ast::Ident, known: &[&str]) -> Diagnostic {
    unknown_among(kind, file, name, known.iter().copied())
}

/// [`unknown`] over any sequence of known names, in any order: a table's
/// names need not be collected and sorted for each unknown one.
fn unknown_among<'a>(
    kind: Kind,
    file: FileId,
    name: &ast::Ident,
    known: impl IntoIterator<Item = &'a str>,
) -> Diagnostic {
    let noun = kind.noun();
    let diagnostic = Diagnostic::error(
        kind.unknown_code(),
        format!("there is no {noun} named `{}`", name.name),
        label(file, name.span, format!("unknown {noun}")),
    );
    match closest_in(&name.name, known) {
        Some(best) => diagnostic
            .with_help(format!("did you mean `{best}`?"))
            .with_suggestion(format!("change to `{best}`"), best),
        None => diagnostic.with_help(kind.declare_hint()),
    }
}

/// All declarations of a project.
pub struct Decls<'a> {
    pub fields: Table<'a, ast::FieldDecl>,
    pub emails: Table<'a, ast::EmailDecl>,
    pub lists: Table<'a, ast::ListDecl>,
    pub segments: Table<'a, ast::ListDecl>,
    pub events: Table<'a, ast::EventDecl>,
    pub journeys: Table<'a, ast::JourneyDecl>,
}

pub fn collect<'a>(trees: &'a [ast::File], diagnostics: &mut Vec<Diagnostic>) -> Decls<'a> {
    let mut decls = Decls {
        fields: Table::new(Kind::Field),
        emails: Table::new(Kind::Email),
        lists: Table::new(Kind::List),
        segments: Table::new(Kind::Segment),
        events: Table::new(Kind::Event),
        journeys: Table::new(Kind::Journey),
    };
    for (index, tree) in trees.iter().enumerate() {
        let file = FileId(index as u32);
        for decl in &tree.decls {
            match decl {
                Decl::Contact(contact) => {
                    for field in &contact.fields {
                        decls.fields.declare(&field.name, file, field, diagnostics);
                    }
                }
                Decl::List(d) => decls.lists.declare(&d.name, file, d, diagnostics),
                Decl::Segment(d) => decls.segments.declare(&d.name, file, d, diagnostics),
                Decl::Event(d) => decls.events.declare(&d.name, file, d, diagnostics),
                Decl::Email(d) => decls.emails.declare(&d.name, file, d, diagnostics),
                Decl::Journey(d) => decls.journeys.declare(&d.name, file, d, diagnostics),
            }
        }
    }
    decls
}
