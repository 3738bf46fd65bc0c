//! Completion that knows where the cursor is.
//!
//! What is offered depends on the words just before the cursor on its
//! line: step labels of the enclosing journey after `goto` and `->`,
//! journeys after `goto journey`, emails after `send`, `open` and `click`,
//! an email's links after `click E.`, contact fields after `contact.`, an
//! event's fields after `event.` in its filter, segments, lists and events
//! after the words that take them, IANA zones inside `in "`, and at the
//! start of a line the keywords and snippets of steps and settings (inside
//! a journey), of an email's items (inside `email { }`), or of declarations
//! (outside everything; nothing inside `contact { }` and events, where the
//! author names the fields). Only the few words before the
//! cursor are looked at (the line being typed rarely parses); what they may
//! name comes from the project's analysis.

use crate::world::View;
use journey_compiler::check::names::{self, Decls};
use journey_compiler::check::zones;
use journey_compiler::syntax::ast::{self, Decl, EmailItem};
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, InsertTextFormat, Position, Range,
    TextEdit,
};

/// The completions at `position`; `snippets` says whether the client
/// takes snippet syntax (`${1:label}`).
pub fn complete(view: &View, position: Position, snippets: bool) -> Vec<CompletionItem> {
    let Some(coords) = view.coords(view.file) else {
        return Vec::new();
    };
    let offset = coords.offset(position);
    let text = coords.text;
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..offset];

    let mut ignored = Vec::new();
    let decls = names::collect(view.analysis.trees(), &mut ignored);
    let near = view.analysis.to_indexed_near(view.file, offset);
    let decl = view
        .analysis
        .trees()
        .get(view.file.0 as usize)
        .and_then(|tree| enclosing_decl(tree, near));
    let journey = match decl {
        Some(Decl::Journey(journey)) => Some(journey),
        _ => None,
    };
    let cx = Context {
        decls: &decls,
        decl,
        journey,
        snippets,
    };

    match place(prefix) {
        Place::Comment => Vec::new(),
        Place::String { opened_after } => {
            let quote = line_start + prefix.rfind('"').map_or(0, |i| i + 1);
            let range = Range::new(coords.position(quote), position);
            match opened_after.as_str() {
                "in" | "timezone" => zone_items(range, &text[quote..offset]),
                _ => Vec::new(),
            }
        }
        Place::After { qualifier } => match qualifier.as_str() {
            "contact" => cx.fields(),
            "event" => match filtered_event(&text[..offset]) {
                Some(event) => cx.event_fields(event),
                None => Vec::new(),
            },
            email => cx.links(email),
        },
        Place::Words(words) => cx.after_words(&words),
    }
}

/// What the text before the cursor on its line says about the cursor.
enum Place {
    Comment,
    /// Inside a string literal opened after the word `opened_after`.
    String {
        opened_after: String,
    },
    /// Right after `qualifier.` (and maybe part of a name).
    After {
        qualifier: String,
    },
    /// After these words (the one being typed left out), last word last.
    Words(Vec<String>),
}

fn place(prefix: &str) -> Place {
    let mut in_string = false;
    let mut escaped = false;
    let mut opened_at = 0;
    for (i, c) in prefix.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => {
                in_string = !in_string;
                opened_at = i;
            }
            '#' if !in_string => return Place::Comment,
            _ => {}
        }
    }
    if in_string {
        let before = &prefix[..opened_at];
        let word = before.split_whitespace().last().unwrap_or("");
        return Place::String {
            opened_after: word.to_string(),
        };
    }

    let typed = prefix.trim_end_matches(is_name_char);
    if let Some(before_dot) = typed.strip_suffix('.') {
        let start = before_dot.trim_end_matches(is_name_char).len();
        return Place::After {
            qualifier: before_dot[start..].to_string(),
        };
    }
    let words = typed
        .split(|c: char| c.is_whitespace() || c == ',' || c == '{' || c == '(')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    Place::Words(words)
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The event of the last `event NAME where` before the cursor: the event
/// whose fields `event.` means.
fn filtered_event(before: &str) -> Option<&str> {
    let words: Vec<&str> = before.split_whitespace().collect();
    words
        .windows(3)
        .rev()
        .find(|w| w[0] == "event" && w[2] == "where")
        .map(|w| w[1])
}

/// The declaration the cursor is inside: after its first char and before
/// its last one's end, so a cursor before `journey` or after the closing
/// `}` is outside it.
fn enclosing_decl(tree: &ast::File, offset: usize) -> Option<&Decl> {
    tree.decls.iter().find(|decl| {
        let span = decl.span();
        (span.start as usize) < offset && offset < span.end as usize
    })
}

struct Context<'a> {
    decls: &'a Decls<'a>,
    /// The declaration the cursor is in, if any.
    decl: Option<&'a Decl>,
    journey: Option<&'a ast::JourneyDecl>,
    snippets: bool,
}

impl Context<'_> {
    fn after_words(&self, words: &[String]) -> Vec<CompletionItem> {
        let last = words.last().map(String::as_str);
        match self.decl {
            // A new field's name is the author's to choose.
            Some(Decl::Contact(_) | Decl::Event(_)) => return Vec::new(),
            Some(Decl::Email(_)) => return self.email_item(words),
            _ => {}
        }
        if last.is_some_and(|word| word.ends_with('}')) {
            return Vec::new();
        }
        let last_two = match words {
            [.., a, b] => Some((a.as_str(), b.as_str())),
            _ => None,
        };
        match (last_two, last) {
            (Some(("goto", "journey")), _) => self.journeys(),
            (_, Some("goto")) => {
                let mut items = self.labels();
                items.push(keyword("journey", "hand the contact to another journey"));
                items
            }
            (_, Some("->")) => self.labels(),
            (_, Some("send" | "open" | "opened" | "click" | "clicked")) => self.emails(),
            (Some(("add", "to") | ("remove", "from") | ("in" | "on", "segment")), _) => {
                self.segments()
            }
            (Some(("on", "list")), _) => self.lists(),
            (Some(("on" | "for", "event")), _) | (_, Some("event")) => self.events(),
            (_, Some("wait")) => vec![
                keyword("for", "wait for something to happen"),
                keyword("until", "wait until a time"),
            ],
            (_, None) => self.line_start(),
            (_, Some(word)) if word.ends_with(':') && words.len() == 1 => self.line_start(),
            _ => self.expression(),
        }
    }

    fn line_start(&self) -> Vec<CompletionItem> {
        match self.journey {
            Some(_) => STEPS
                .iter()
                .chain(SETTINGS)
                .map(|s| s.item(self.snippets))
                .collect(),
            None => DECLARATIONS.iter().map(|s| s.item(self.snippets)).collect(),
        }
    }

    /// Inside `email { ... }`: its items at the start of a line, and the
    /// kinds after `kind`.
    fn email_item(&self, words: &[String]) -> Vec<CompletionItem> {
        match words {
            [] => EMAIL_ITEMS.iter().map(|s| s.item(self.snippets)).collect(),
            [kind] if kind == "kind" => vec![
                keyword("marketing", "needs the contact's consent"),
                keyword("treatment", "care the contact receives; no consent needed"),
            ],
            _ => Vec::new(),
        }
    }

    fn expression(&self) -> Vec<CompletionItem> {
        let words = [
            ("contact", "a field of the contact: `contact.plan`"),
            ("and", "both hold"),
            ("or", "either holds"),
            ("not", "does not hold"),
            ("is", "`is set`, `is missing`"),
            (
                "in",
                "one of a list: `in [\"a\", \"b\"]`, or `in segment S`",
            ),
            ("opened", "opened an email: `opened E`"),
            ("clicked", "clicked an email's link: `clicked E.link`"),
            ("now", "the current instant"),
        ];
        words.iter().map(|(w, d)| keyword(w, d)).collect()
    }

    fn labels(&self) -> Vec<CompletionItem> {
        let Some(journey) = self.journey else {
            return Vec::new();
        };
        journey
            .steps()
            .filter_map(|step| {
                let label = step.label.as_ref()?;
                let detail = format!("step: {}", step.kind.describe());
                Some(item(&label.name, CompletionItemKind::REFERENCE, detail))
            })
            .collect()
    }

    fn journeys(&self) -> Vec<CompletionItem> {
        let table = &self.decls.journeys;
        let items = table.entries.iter().map(|e| {
            let detail = match &e.decl.display {
                Some(display) => format!("journey \"{}\"", display.value),
                None => "journey".to_string(),
            };
            item(e.name, CompletionItemKind::MODULE, detail)
        });
        items.collect()
    }

    fn emails(&self) -> Vec<CompletionItem> {
        let items = self.decls.emails.entries.iter().map(|e| {
            let subject = e.decl.items.iter().find_map(|i| match i {
                EmailItem::Subject { text, .. } => Some(text.value.as_str()),
                _ => None,
            });
            let detail = format!("email \"{}\"", subject.unwrap_or(""));
            item(e.name, CompletionItemKind::STRUCT, detail)
        });
        items.collect()
    }

    fn links(&self, email: &str) -> Vec<CompletionItem> {
        let Some(index) = self.decls.emails.get(email) else {
            return Vec::new();
        };
        let decl = self.decls.emails.entries[index].decl;
        let items = decl.items.iter().filter_map(|i| match i {
            EmailItem::Link { name, url, .. } => Some(item(
                &name.name,
                CompletionItemKind::PROPERTY,
                format!("link {}", url.value),
            )),
            _ => None,
        });
        items.collect()
    }

    fn fields(&self) -> Vec<CompletionItem> {
        let items = self.decls.fields.entries.iter().map(|e| {
            let ty = &e.decl.ty;
            let optional = if ty.optional { "?" } else { "" };
            let phi = if e.decl.phi.is_some() { " · PHI" } else { "" };
            let detail = format!("{}{optional}{phi}", ty.name.as_str());
            item(e.name, CompletionItemKind::FIELD, detail)
        });
        items.collect()
    }

    fn event_fields(&self, event: &str) -> Vec<CompletionItem> {
        let Some(index) = self.decls.events.get(event) else {
            return Vec::new();
        };
        let decl = self.decls.events.entries[index].decl;
        let items = decl.fields.iter().map(|f| {
            let detail = format!("{} · field of event {event}", f.ty.name.as_str());
            item(&f.name.name, CompletionItemKind::FIELD, detail)
        });
        items.collect()
    }

    fn segments(&self) -> Vec<CompletionItem> {
        lists(&self.decls.segments, "segment")
    }

    fn lists(&self) -> Vec<CompletionItem> {
        lists(&self.decls.lists, "list")
    }

    fn events(&self) -> Vec<CompletionItem> {
        let items = self.decls.events.entries.iter().map(|e| {
            let fields: Vec<&str> = e.decl.fields.iter().map(|f| f.name.name.as_str()).collect();
            let detail = format!("event {{ {} }}", fields.join(", "));
            item(e.name, CompletionItemKind::EVENT, detail)
        });
        items.collect()
    }
}

fn lists(table: &names::Table<ast::ListDecl>, noun: &str) -> Vec<CompletionItem> {
    let items = table.entries.iter().map(|e| {
        let detail = match &e.decl.display {
            Some(display) => format!("{noun} \"{}\"", display.value),
            None => noun.to_string(),
        };
        item(e.name, CompletionItemKind::ENUM, detail)
    });
    items.collect()
}

/// The zones whose name holds what is typed so far, ignoring case.
fn zone_items(range: Range, typed: &str) -> Vec<CompletionItem> {
    let typed = typed.to_lowercase();
    zones::names()
        .into_iter()
        .filter(|zone| zone.to_lowercase().contains(&typed))
        .map(|zone| CompletionItem {
            label: zone.to_string(),
            kind: Some(CompletionItemKind::VALUE),
            detail: Some("IANA time zone".to_string()),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                range,
                zone.to_string(),
            ))),
            ..CompletionItem::default()
        })
        .collect()
}

fn item(label: &str, kind: CompletionItemKind, detail: String) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail),
        ..CompletionItem::default()
    }
}

fn keyword(word: &str, detail: &str) -> CompletionItem {
    item(word, CompletionItemKind::KEYWORD, detail.to_string())
}

/// A keyword that starts a line, with the snippet that writes the rest.
struct Snippet {
    label: &'static str,
    detail: &'static str,
    /// Plain text for clients without snippets.
    plain: &'static str,
    snippet: &'static str,
}

impl Snippet {
    fn item(&self, snippets: bool) -> CompletionItem {
        let (text, format) = match snippets {
            true => (self.snippet, InsertTextFormat::SNIPPET),
            false => (self.plain, InsertTextFormat::PLAIN_TEXT),
        };
        CompletionItem {
            label: self.label.to_string(),
            kind: Some(match snippets {
                true => CompletionItemKind::SNIPPET,
                false => CompletionItemKind::KEYWORD,
            }),
            detail: Some(self.detail.to_string()),
            insert_text: Some(text.to_string()),
            insert_text_format: Some(format),
            ..CompletionItem::default()
        }
    }
}

const fn snippet(
    label: &'static str,
    detail: &'static str,
    plain: &'static str,
    snippet: &'static str,
) -> Snippet {
    Snippet {
        label,
        detail,
        plain,
        snippet,
    }
}

const STEPS: &[Snippet] = &[
    snippet("send", "send an email", "send ", "send ${1:email}"),
    snippet("wait", "wait a duration", "wait ", "wait ${1:3 days}"),
    snippet(
        "wait until",
        "wait until a time or a window",
        "wait until ",
        "wait until ${1:weekdays 09:00-17:00} in ${2:contact.timezone}",
    ),
    snippet(
        "wait for",
        "wait for something to happen, with a timeout",
        "wait for ",
        "wait for ${1:click email.link} -> ${2:label}\n  timeout ${3:3 days} -> ${4:label}",
    ),
    snippet(
        "branch",
        "the first arm that holds wins",
        "branch {",
        "branch {\n  when ${1:condition} -> ${2:label}\n  else -> ${3:label}\n}",
    ),
    snippet(
        "split",
        "a random split, stable per contact",
        "split {",
        "split {\n  ${1:50}% -> ${2:label}\n  ${3:50}% -> ${4:label}\n}",
    ),
    snippet("goto", "jump to a step", "goto ", "goto ${1:label}"),
    snippet(
        "goto journey",
        "hand the contact to another journey",
        "goto journey ",
        "goto journey ${1:journey}",
    ),
    snippet(
        "add to",
        "add to a segment",
        "add to ",
        "add to ${1:segment}",
    ),
    snippet(
        "remove from",
        "remove from a segment",
        "remove from ",
        "remove from ${1:segment}",
    ),
    snippet("end", "the run is complete", "end", "end"),
];

const SETTINGS: &[Snippet] = &[
    snippet(
        "from",
        "the sender",
        "from ",
        "from \"${1:Name <sender@example.org>}\"",
    ),
    snippet(
        "reply_to",
        "where replies go",
        "reply_to ",
        "reply_to \"${1:help@example.org}\"",
    ),
    snippet(
        "priority",
        "low, normal or high",
        "priority ",
        "priority ${1|high,normal,low|}",
    ),
    snippet(
        "enter on",
        "how contacts enter",
        "enter on ",
        "enter on ${1|list,segment,event|} ${2:name}",
    ),
    snippet(
        "exit when",
        "leave as soon as this holds",
        "exit when ",
        "exit when ${1:condition}",
    ),
    snippet(
        "reentry",
        "whether a contact may enter again",
        "reentry ",
        "reentry ${1|never,always,after 90 days|}",
    ),
    snippet(
        "timezone",
        "the journey's default zone",
        "timezone ",
        "timezone \"${1:America/Chicago}\"",
    ),
];

const EMAIL_ITEMS: &[Snippet] = &[
    snippet(
        "kind",
        "marketing (needs consent) or treatment",
        "kind ",
        "kind ${1|marketing,treatment|}",
    ),
    snippet(
        "subject",
        "the subject line",
        "subject ",
        "subject \"${1:Subject}\"",
    ),
    snippet(
        "body",
        "the template file of the body",
        "body ",
        "body \"${1:templates/name.html}\"",
    ),
    snippet(
        "link",
        "a tracked link: `{{ link.name }}` in the body",
        "link ",
        "link ${1:name} \"${2:https://example.org/}\"",
    ),
];

const DECLARATIONS: &[Snippet] = &[
    snippet(
        "contact",
        "the contact schema",
        "contact {",
        "contact {\n  email: email\n  ${1:first_name}: ${2:text}\n}",
    ),
    snippet(
        "list",
        "a list contacts are put on",
        "list ",
        "list ${1:name} \"${2:Display name}\"",
    ),
    snippet(
        "segment",
        "a segment journeys add to",
        "segment ",
        "segment ${1:name} \"${2:Display name}\"",
    ),
    snippet(
        "event",
        "an event from your systems",
        "event ",
        "event ${1:name} { ${2:field}: ${3:text} }",
    ),
    snippet(
        "email",
        "an email",
        "email ",
        "email ${1:name} {\n  kind ${2|marketing,treatment|}\n  subject \"${3:Subject}\"\n  \
         body \"${4:templates/name.html}\"\n}",
    ),
    snippet(
        "journey",
        "a journey",
        "journey ",
        "journey ${1:name} \"${2:Display name}\" {\n  from \"${3:Name <sender@example.org>}\"\n  \
         enter on list ${4:list}\n\n  ${0}\n}",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn words(prefix: &str) -> Vec<String> {
        match place(prefix) {
            Place::Words(words) => words,
            _ => panic!("not words"),
        }
    }

    #[test]
    fn the_place_comes_from_the_words_before_the_cursor() {
        assert_eq!(
            words("  choix: wait for click x -> rel"),
            ["choix:", "wait", "for", "click", "x", "->"]
        );
        let after = place("  exit when contact.pl");
        let string = place("  wait until 09:00 in \"Europe/Pa");
        assert!(matches!(after, Place::After { qualifier } if qualifier == "contact"));
        assert!(matches!(string, Place::String { opened_after } if opened_after == "in"));
        assert!(matches!(
            place("  send x # a note about sen"),
            Place::Comment
        ));
        assert!(matches!(place("  subject \"50# off\" "), Place::Words(_)));
    }

    #[test]
    fn event_fields_belong_to_the_filtered_event() {
        let before = "  wait for event visit_booked where event.cl";
        assert_eq!(filtered_event(before), Some("visit_booked"));
        assert_eq!(filtered_event("exit when event."), None);
    }
}
