//! Every name in a project, where it is declared and where it is used.
//!
//! The language server answers "what is this?", "where is it declared?",
//! "where is it used?" and "rename it everywhere" from one table built here
//! from the syntax trees. Names resolve the way the checker resolves them:
//! the declaration tables are the checker's own ([`crate::check::names`]),
//! so the first of two declarations of a name wins; step labels are looked
//! up in their journey; `event.field` in a filter belongs to the event the
//! filter is on; `E.link` belongs to email `E`. Placeholders in a subject,
//! `{{ contact.field }}` and `{{ link.name }}`, count as uses too.
//!
//! Vocabulary: a [`Symbol`] is one declared thing, named by its names (not by
//! table indices), so it stays the same while the text around it changes.
//! An [`Occurrence`] is one place a symbol's name is written, a declaration
//! or a use. A use of a name that is declared nowhere is still an
//! occurrence: renaming it or listing its uses works, it just has no
//! definition.

use crate::check::names::{self, Decls};
use crate::check::templates;
use crate::source::FileId;
use crate::span::Span;
use crate::syntax::ast::{self, Decl, EmailItem, Expr, ExprKind, FieldRoot, SettingKind};
use crate::syntax::ast::{StepKind, Trigger, UntilTarget, WaitCondition, WaitEnd, Zone};
use crate::syntax::{JourneyParser, Rule};
use pest::Parser;
use std::collections::HashMap;

/// Which journey a step label belongs to: its name, and where that name is
/// written (two journeys may share a name by mistake; their labels do not
/// mix).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JourneyKey {
    pub name: String,
    pub file: FileId,
    pub at: u32,
}

/// One declared thing of a project.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Symbol {
    Field(String),
    Email(String),
    Link { email: String, link: String },
    List(String),
    Segment(String),
    Event(String),
    EventField { event: String, field: String },
    Journey(String),
    Step { journey: JourneyKey, label: String },
}

impl Symbol {
    /// The name as written at each occurrence.
    pub fn name(&self) -> &str {
        match self {
            Symbol::Field(name)
            | Symbol::Email(name)
            | Symbol::List(name)
            | Symbol::Segment(name)
            | Symbol::Event(name)
            | Symbol::Journey(name) => name,
            Symbol::Link { link, .. } => link,
            Symbol::EventField { field, .. } => field,
            Symbol::Step { label, .. } => label,
        }
    }

    /// What kind of thing this is, in words: "email", "step".
    pub fn noun(&self) -> &'static str {
        match self {
            Symbol::Field(_) => "contact field",
            Symbol::Email(_) => "email",
            Symbol::Link { .. } => "link",
            Symbol::List(_) => "list",
            Symbol::Segment(_) => "segment",
            Symbol::Event(_) => "event",
            Symbol::EventField { .. } => "event field",
            Symbol::Journey(_) => "journey",
            Symbol::Step { .. } => "step",
        }
    }
}

/// Whether `name` may name `symbol`'s kind of thing, or why not. Names
/// follow the grammar: contact fields, event fields and links are words
/// (they may be keywords, as `email` is), everything else is an identifier
/// that is not a reserved word. Fields and links also appear in templates
/// (`{{ contact.plan }}`, `{{ link.portal }}`), whose names are ASCII.
pub fn check_name(symbol: &Symbol, name: &str) -> Result<(), String> {
    let in_templates = matches!(symbol, Symbol::Field(_) | Symbol::Link { .. });
    let rule = match symbol {
        Symbol::Field(_) | Symbol::EventField { .. } | Symbol::Link { .. } => Rule::word,
        _ => Rule::ident,
    };
    let whole = JourneyParser::parse(rule, name)
        .ok()
        .and_then(|mut pairs| pairs.next())
        .is_some_and(|pair| pair.as_str() == name);
    if !whole {
        let why = match JourneyParser::parse(Rule::word, name) {
            Ok(pairs) if pairs.as_str() == name => "is a reserved word",
            _ => "is not a name: use letters, digits and `_`, starting with a letter",
        };
        return Err(format!("`{name}` {why}"));
    }
    if in_templates && !name.is_ascii() {
        return Err(format!(
            "`{name}` is used in email templates, where names are ASCII letters, digits and `_`"
        ));
    }
    if matches!(symbol, Symbol::Step { .. }) && name == "start" {
        return Err("`start` names the steps before the first label; choose another".into());
    }
    Ok(())
}

/// What a template placeholder names: `{{ contact.NAME }}` or
/// `{{ link.NAME }}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TemplateRoot {
    Contact,
    Link,
}

/// A field or link named in a template (a subject or a body).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateName {
    pub root: TemplateRoot,
    pub name: String,
    /// The name alone, in the template's text.
    pub span: Span,
}

/// Every `contact.NAME` and `link.NAME` placeholder of a template, found
/// as the checker finds them ([`templates::scan`]).
pub fn template_names(text: &str) -> Vec<TemplateName> {
    let mut found = Vec::new();
    for placeholder in templates::scan(text) {
        let Some((root, name)) = placeholder.path.split_once('.') else {
            continue;
        };
        let root = match root {
            "contact" => TemplateRoot::Contact,
            "link" => TemplateRoot::Link,
            _ => continue,
        };
        let after = text.get(placeholder.offset..).unwrap_or("");
        let Some(at) = after.find(&placeholder.path) else {
            continue;
        };
        let start = placeholder.offset + at + placeholder.path.len() - name.len();
        found.push(TemplateName {
            root,
            name: name.to_string(),
            span: Span::new(start, start + name.len()),
        });
    }
    found
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Declaration,
    Use,
}

/// One place a symbol's name is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    pub file: FileId,
    /// The name itself, nothing around it.
    pub span: Span,
    pub symbol: Symbol,
    pub role: Role,
}

/// Where a symbol is declared: its name, and the whole declaration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Definition {
    pub file: FileId,
    pub name: Span,
    pub whole: Span,
}

/// The names of a project: every occurrence, and each symbol's definition.
#[derive(Debug, Default)]
pub struct SymbolIndex {
    /// By file, then by position.
    occurrences: Vec<Occurrence>,
    definitions: HashMap<Symbol, Definition>,
}

impl SymbolIndex {
    /// Indexes `trees`, where `trees[i]` is file `i`.
    pub fn build(trees: &[ast::File]) -> SymbolIndex {
        let mut ignored = Vec::new();
        let decls = names::collect(trees, &mut ignored);
        let mut builder = Builder {
            decls: &decls,
            index: SymbolIndex::default(),
            file: FileId(0),
        };
        builder.definitions();
        for (index, tree) in trees.iter().enumerate() {
            builder.file = FileId(index as u32);
            for decl in &tree.decls {
                builder.decl(decl);
            }
        }

        let mut index = builder.index;
        index
            .occurrences
            .sort_by_key(|o| (o.file, o.span.start, o.span.end));
        index
    }

    /// Every occurrence, by file and position.
    pub fn occurrences(&self) -> &[Occurrence] {
        &self.occurrences
    }

    /// The occurrences in one file, by position.
    pub fn in_file(&self, file: FileId) -> &[Occurrence] {
        let start = self.occurrences.partition_point(|o| o.file < file);
        let end = self.occurrences.partition_point(|o| o.file <= file);
        &self.occurrences[start..end]
    }

    /// The occurrence whose name covers `offset` (its end included, so a
    /// cursor just after a name finds it).
    pub fn at(&self, file: FileId, offset: usize) -> Option<&Occurrence> {
        self.in_file(file).iter().find(|o| o.span.contains(offset))
    }

    pub fn definition(&self, symbol: &Symbol) -> Option<Definition> {
        self.definitions.get(symbol).copied()
    }

    /// Every occurrence of `symbol`, its declarations included.
    pub fn occurrences_of<'a>(
        &'a self,
        symbol: &'a Symbol,
    ) -> impl Iterator<Item = &'a Occurrence> + 'a {
        self.occurrences.iter().filter(move |o| &o.symbol == symbol)
    }

    /// Every symbol that has a definition, with it.
    pub fn definitions(&self) -> impl Iterator<Item = (&Symbol, &Definition)> {
        self.definitions.iter()
    }
}

/// Walks the trees of one project, file by file.
struct Builder<'a> {
    decls: &'a Decls<'a>,
    index: SymbolIndex,
    file: FileId,
}

impl Builder<'_> {
    /// The winning declaration of every name, from the checker's tables.
    fn definitions(&mut self) {
        let decls = self.decls;
        let mut define = |symbol: Symbol, file: FileId, name: Span, whole: Span| {
            self.index
                .definitions
                .insert(symbol, Definition { file, name, whole });
        };
        for e in &decls.fields.entries {
            define(
                Symbol::Field(e.name.into()),
                e.file,
                e.name_span,
                e.decl.span,
            );
        }
        for e in &decls.lists.entries {
            define(
                Symbol::List(e.name.into()),
                e.file,
                e.name_span,
                e.decl.span,
            );
        }
        for e in &decls.segments.entries {
            define(
                Symbol::Segment(e.name.into()),
                e.file,
                e.name_span,
                e.decl.span,
            );
        }
        for e in &decls.events.entries {
            define(
                Symbol::Event(e.name.into()),
                e.file,
                e.name_span,
                e.decl.span,
            );
            for field in e.decl.fields.iter().rev() {
                let symbol = Symbol::EventField {
                    event: e.name.into(),
                    field: field.name.name.clone(),
                };
                define(symbol, e.file, field.name.span, field.span);
            }
        }
        for e in &decls.emails.entries {
            define(
                Symbol::Email(e.name.into()),
                e.file,
                e.name_span,
                e.decl.span,
            );
            for link in templates::links(e.decl).iter().rev() {
                let symbol = Symbol::Link {
                    email: e.name.into(),
                    link: link.name.name.clone(),
                };
                define(
                    symbol,
                    e.file,
                    link.name.span,
                    link.name.span.to(link.url.span),
                );
            }
        }
        for e in &decls.journeys.entries {
            define(
                Symbol::Journey(e.name.into()),
                e.file,
                e.name_span,
                e.decl.span,
            );
            let key = journey_key(e.file, e.decl);
            for step in e.decl.steps().collect::<Vec<_>>().iter().rev() {
                if let Some(label) = &step.label {
                    let symbol = Symbol::Step {
                        journey: key.clone(),
                        label: label.name.clone(),
                    };
                    define(symbol, e.file, label.span, step.span);
                }
            }
        }
    }

    fn add(&mut self, span: Span, symbol: Symbol, role: Role) {
        self.index.occurrences.push(Occurrence {
            file: self.file,
            span,
            symbol,
            role,
        });
    }

    fn decl(&mut self, decl: &Decl) {
        match decl {
            Decl::Contact(contact) => {
                for field in &contact.fields {
                    let symbol = Symbol::Field(field.name.name.clone());
                    self.add(field.name.span, symbol, Role::Declaration);
                }
            }
            Decl::List(list) => {
                let symbol = Symbol::List(list.name.name.clone());
                self.add(list.name.span, symbol, Role::Declaration);
            }
            Decl::Segment(segment) => {
                let symbol = Symbol::Segment(segment.name.name.clone());
                self.add(segment.name.span, symbol, Role::Declaration);
            }
            Decl::Event(event) => {
                let name = &event.name.name;
                self.add(
                    event.name.span,
                    Symbol::Event(name.clone()),
                    Role::Declaration,
                );
                for field in &event.fields {
                    let symbol = Symbol::EventField {
                        event: name.clone(),
                        field: field.name.name.clone(),
                    };
                    self.add(field.name.span, symbol, Role::Declaration);
                }
            }
            Decl::Email(email) => self.email(email),
            Decl::Journey(journey) => self.journey(journey),
        }
    }

    fn email(&mut self, email: &ast::EmailDecl) {
        let name = &email.name.name;
        self.add(
            email.name.span,
            Symbol::Email(name.clone()),
            Role::Declaration,
        );
        for item in &email.items {
            match item {
                EmailItem::Link { name: link, .. } => {
                    let symbol = Symbol::Link {
                        email: name.clone(),
                        link: link.name.clone(),
                    };
                    self.add(link.span, symbol, Role::Declaration);
                }
                EmailItem::Subject { text, .. } => self.subject(name, text),
                EmailItem::Kind { .. } | EmailItem::Body { .. } => {}
            }
        }
    }

    /// `{{ contact.field }}` and `{{ link.name }}` in a subject. Placeholder
    /// offsets are in the subject's value; they are mapped onto the source
    /// only when the literal holds no escapes (its value is then the source
    /// between the quotes).
    fn subject(&mut self, email: &str, text: &ast::StringLit) {
        if text.span.len() != text.value.len() + 2 {
            return;
        }
        let base = text.span.start as usize + 1;
        for found in template_names(&text.value) {
            let symbol = match found.root {
                TemplateRoot::Contact => Symbol::Field(found.name),
                TemplateRoot::Link => Symbol::Link {
                    email: email.to_string(),
                    link: found.name,
                },
            };
            let span = Span::new(
                base + found.span.start as usize,
                base + found.span.end as usize,
            );
            self.add(span, symbol, Role::Use);
        }
    }

    fn journey(&mut self, journey: &ast::JourneyDecl) {
        let name = &journey.name.name;
        self.add(
            journey.name.span,
            Symbol::Journey(name.clone()),
            Role::Declaration,
        );
        let key = journey_key(self.file, journey);
        let step_symbol = |label: &ast::Ident| Symbol::Step {
            journey: key.clone(),
            label: label.name.clone(),
        };

        for item in &journey.items {
            match item {
                ast::JourneyItem::Setting(setting) => self.setting(&setting.kind),
                ast::JourneyItem::Step(step) => {
                    if let Some(label) = &step.label {
                        self.add(label.span, step_symbol(label), Role::Declaration);
                    }
                    for target in self.step(&step.kind) {
                        self.add(target.span, step_symbol(target), Role::Use);
                    }
                }
            }
        }
    }

    fn setting(&mut self, setting: &SettingKind) {
        match setting {
            SettingKind::Enter(Trigger::List(name)) => self.named(name, Symbol::List),
            SettingKind::Enter(Trigger::Segment(name)) => self.named(name, Symbol::Segment),
            SettingKind::Enter(Trigger::Event { name, filter }) => {
                self.named(name, Symbol::Event);
                if let Some(filter) = filter {
                    self.expr(filter, Some(&name.name));
                }
            }
            SettingKind::Enter(Trigger::Date { field, zone, .. }) => {
                self.field(field, None);
                if let Some(zone) = zone {
                    self.zone(zone);
                }
            }
            SettingKind::Enter(Trigger::When(expr)) | SettingKind::Exit(expr) => {
                self.expr(expr, None)
            }
            SettingKind::From(_)
            | SettingKind::ReplyTo(_)
            | SettingKind::Priority(_)
            | SettingKind::TimeZone(_)
            | SettingKind::Reentry(_) => {}
        }
    }

    /// Indexes the names a step uses, and returns the labels it jumps to.
    fn step<'s>(&mut self, kind: &'s StepKind) -> Vec<&'s ast::Ident> {
        let mut targets = Vec::new();
        match kind {
            StepKind::Send(email) => self.named(email, Symbol::Email),
            StepKind::Wait(_) | StepKind::End => {}
            StepKind::WaitUntil(wait) => {
                if let UntilTarget::Relative { field, .. } = &wait.target {
                    self.field(field, None);
                }
                if let Some(zone) = &wait.zone {
                    self.zone(zone);
                }
                targets.extend(wait.arms.iter().map(|arm| &arm.target));
            }
            StepKind::WaitFor(wait) => {
                for arm in &wait.arms {
                    self.condition(&arm.condition);
                    targets.extend(arm.target.as_ref());
                }
                if let WaitEnd::Timeout { target, .. } = &wait.end {
                    targets.extend(target.as_ref());
                }
            }
            StepKind::Branch(branch) => {
                for arm in &branch.arms {
                    self.expr(&arm.condition, None);
                    targets.push(&arm.target);
                }
                targets.extend(branch.otherwise.as_ref().map(|arm| &arm.target));
            }
            StepKind::Split(split) => targets.extend(split.arms.iter().map(|arm| &arm.target)),
            StepKind::Goto(label) => targets.push(label),
            StepKind::GotoJourney(name) => self.named(name, Symbol::Journey),
            StepKind::AddTo(name) | StepKind::RemoveFrom(name) => self.named(name, Symbol::Segment),
        }
        targets
    }

    fn condition(&mut self, condition: &WaitCondition) {
        match condition {
            WaitCondition::Open { email, .. } => self.named(email, Symbol::Email),
            WaitCondition::Click { email, link, .. } => self.email_link(email, link.as_ref()),
            WaitCondition::Event { name, filter } => {
                self.named(name, Symbol::Event);
                if let Some(filter) = filter {
                    self.expr(filter, Some(&name.name));
                }
            }
            WaitCondition::Update { filter } => {
                if let Some(filter) = filter {
                    self.expr(filter, None);
                }
            }
            WaitCondition::Condition(expr) => self.expr(expr, None),
        }
    }

    /// An expression; `event` names the event whose fields `event.x` means.
    fn expr(&mut self, expr: &Expr, event: Option<&str>) {
        match &expr.kind {
            ExprKind::Literal(_) | ExprKind::Now => {}
            ExprKind::Field(field) => self.field(field, event),
            ExprKind::Not(inner) | ExprKind::Negate(inner) | ExprKind::Group(inner) => {
                self.expr(inner, event)
            }
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs, event);
                self.expr(rhs, event);
            }
            ExprKind::IsSet { expr, .. } => self.expr(expr, event),
            ExprKind::InList { expr, items, .. } => {
                self.expr(expr, event);
                for item in items {
                    self.expr(item, event);
                }
            }
            ExprKind::Opened { email, .. } => self.named(email, Symbol::Email),
            ExprKind::Clicked { email, link, .. } => self.email_link(email, link.as_ref()),
            ExprKind::InSegment(name) => self.named(name, Symbol::Segment),
        }
    }

    fn field(&mut self, field: &ast::FieldRef, event: Option<&str>) {
        let symbol = match (field.root, event) {
            (FieldRoot::Contact, _) => Symbol::Field(field.field.name.clone()),
            (FieldRoot::Event, Some(event)) => Symbol::EventField {
                event: event.to_string(),
                field: field.field.name.clone(),
            },
            (FieldRoot::Event, None) => return,
        };
        self.add(field.field.span, symbol, Role::Use);
    }

    fn zone(&mut self, zone: &Zone) {
        if let Zone::Field(field) = zone {
            self.field(field, None);
        }
    }

    fn email_link(&mut self, email: &ast::Ident, link: Option<&ast::Ident>) {
        self.named(email, Symbol::Email);
        if let Some(link) = link {
            let symbol = Symbol::Link {
                email: email.name.clone(),
                link: link.name.clone(),
            };
            self.add(link.span, symbol, Role::Use);
        }
    }

    fn named(&mut self, name: &ast::Ident, symbol: fn(String) -> Symbol) {
        self.add(name.span, symbol(name.name.clone()), Role::Use);
    }
}

fn journey_key(file: FileId, journey: &ast::JourneyDecl) -> JourneyKey {
    JourneyKey {
        name: journey.name.name.clone(),
        file,
        at: journey.name.span.start,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_file;

    fn index(texts: &[&str]) -> SymbolIndex {
        let trees: Vec<ast::File> = texts
            .iter()
            .enumerate()
            .map(|(i, text)| parse_file(FileId(i as u32), text).tree)
            .collect();
        SymbolIndex::build(&trees)
    }

    /// The text of every occurrence of the symbol named at `needle`.
    fn uses(texts: &[&str], file: usize, needle: &str) -> Vec<(u32, String, Role)> {
        let index = index(texts);
        let at = texts[file].find(needle).expect("needle in text");
        let found = index
            .at(FileId(file as u32), at)
            .expect("a name at the needle");
        index
            .occurrences_of(&found.symbol)
            .map(|o| {
                let text = texts[o.file.0 as usize];
                (o.file.0, o.span.text(text).to_string(), o.role)
            })
            .collect()
    }

    const SCHEMA: &str = "contact {\n  email: email\n  plan: text?\n}\n\
        event form_submitted { form: text }\n\
        email invite {\n  kind marketing\n  subject \"Hi {{ contact.plan }}\"\n  \
        body \"b.html\"\n  link portal \"https://x.org\"\n}\n";
    const JOURNEY: &str =
        "journey a {\n  enter on event form_submitted where event.form == \"x\"\n  \
        go: send invite\n  wait for click invite.portal -> go\n    timeout 2 days -> done\n  \
        branch { when contact.plan is set -> done else -> go }\n  done: end\n}\n";

    #[test]
    fn names_resolve_across_files() {
        let plan = uses(&[SCHEMA, JOURNEY], 1, "plan is set");
        let portal = uses(&[SCHEMA, JOURNEY], 0, "portal");
        let form = uses(&[SCHEMA, JOURNEY], 1, "form ==");

        assert_eq!(
            plan,
            vec![
                (0, "plan".into(), Role::Declaration),
                (0, "plan".into(), Role::Use),
                (1, "plan".into(), Role::Use)
            ]
        );
        assert_eq!(portal.len(), 2);
        assert_eq!(
            form,
            vec![
                (0, "form".into(), Role::Declaration),
                (1, "form".into(), Role::Use)
            ]
        );
    }

    #[test]
    fn names_follow_the_grammar() {
        let step = Symbol::Step {
            journey: JourneyKey {
                name: "a".into(),
                file: FileId(0),
                at: 0,
            },
            label: "x".into(),
        };
        let field = Symbol::Field("plan".into());

        assert_eq!(check_name(&step, "relance_2"), Ok(()));
        assert_eq!(check_name(&step, "début"), Ok(()));
        assert_eq!(check_name(&field, "email"), Ok(()));
        assert_eq!(
            check_name(&step, "send"),
            Err("`send` is a reserved word".into())
        );
        assert!(check_name(&step, "two words").is_err());
        assert!(check_name(&step, "9lives").is_err());
        assert!(check_name(&step, "start").is_err());
        assert!(check_name(&field, "prénom").is_err());
    }

    #[test]
    fn labels_belong_to_their_journey() {
        let texts = [
            SCHEMA,
            JOURNEY,
            "journey b {\n  done: end\n  goto done\n}\n",
        ];
        let done = uses(&texts, 1, "done\n");
        let index = index(&texts);
        let at = JOURNEY.find("-> go").unwrap() + 3;
        let go = index.at(FileId(1), at).unwrap();
        let definition = index.definition(&go.symbol).unwrap();

        assert_eq!(done.len(), 3);
        assert!(done.iter().all(|(file, _, _)| *file == 1));
        assert_eq!(definition.name.text(JOURNEY), "go");
        assert!(definition
            .whole
            .text(JOURNEY)
            .starts_with("go: send invite"));
    }
}
