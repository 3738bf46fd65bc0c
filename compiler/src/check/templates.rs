//! Email subjects and bodies, checked against the schema and the links.
//!
//! Subjects and bodies are templates with `{{ ... }}` placeholders (the
//! engine renders them with minijinja; `.html` bodies escape what they
//! insert). The checker reads each body through a [`TemplateSource`] (files
//! next to the journey that declares the email), checks its template syntax
//! with minijinja, and checks every placeholder itself:
//!
//! - `{{ contact.field }}` names a declared field; an optional field needs a
//!   fallback, `{{ contact.plan | default("member") }}`;
//! - `{{ link.name }}` names a link the email declares, and every declared
//!   link appears in the body;
//! - `{{ unsubscribe_url }}` appears in the body of every marketing email;
//! - filters are `default(...)`, `upper`, `lower`, `title`, `capitalize` and
//!   `trim`; the text filters need a text value.
//!
//! PHI fields (declared `phi`) in a subject, in a link URL, or anywhere in a
//! marketing email are warned about: subjects and URLs are seen by mail
//! servers and proxies, and marketing use of PHI needs the patient's
//! authorisation.

use super::names::Kind;
use super::program::{Base, EmailDef, LinkDef};
use super::Cx;
use crate::diagnostic::{label, Diagnostic};
use crate::source::{FileId, Sources};
use crate::span::Span;
use crate::suggest::closest;
use crate::syntax::ast::{EmailDecl, EmailItem, EmailKind, Ident, StringLit};
use std::path::Path;

/// Where email bodies come from.
pub trait TemplateSource {
    /// The text of `body`, a path relative to the folder of `journey_file`.
    fn read(&self, journey_file: &str, body: &str) -> std::io::Result<String>;
}

/// Reads bodies from disk, relative to the declaring file's folder.
pub struct DiskTemplates;

impl TemplateSource for DiskTemplates {
    fn read(&self, journey_file: &str, body: &str) -> std::io::Result<String> {
        let folder = Path::new(journey_file).parent().unwrap_or(Path::new("."));
        std::fs::read_to_string(folder.join(body))
    }
}

/// A link declared by an email.
pub struct LinkRef<'a> {
    pub name: &'a Ident,
    pub url: &'a StringLit,
}

pub fn links(email: &EmailDecl) -> Vec<LinkRef<'_>> {
    email
        .items
        .iter()
        .filter_map(|item| match item {
            EmailItem::Link { name, url, .. } => Some(LinkRef { name, url }),
            _ => None,
        })
        .collect()
}

pub fn check_emails(
    cx: &mut Cx,
    sources: &Sources,
    templates: &dyn TemplateSource,
) -> Vec<EmailDef> {
    (0..cx.decls.emails.entries.len())
        .map(|index| check_email(cx, sources, templates, index))
        .collect()
}

fn check_email(
    cx: &mut Cx,
    sources: &Sources,
    templates: &dyn TemplateSource,
    index: usize,
) -> EmailDef {
    let entry = cx.decls.emails.entries[index];
    let (file, email) = (entry.file, entry.decl);
    let mut kind = None;
    let mut subject = None;
    let mut body = None;
    for item in &email.items {
        let (slot_name, span) = match item {
            EmailItem::Kind { kind: k, span } => (set_once(&mut kind, *k, "kind"), *span),
            EmailItem::Subject { text, span } => (set_once(&mut subject, text, "subject"), *span),
            EmailItem::Body { path, span } => (set_once(&mut body, path, "body"), *span),
            EmailItem::Link { .. } => (None, item.span()),
        };
        if let Some(name) = slot_name {
            cx.diagnostics.push(
                Diagnostic::error(
                    "duplicate-setting",
                    format!("email `{}` sets `{name}` twice", email.name.name),
                    label(file, span, "set again here"),
                )
                .with_help("keep one of them"),
            );
        }
    }
    let declared_links = links(email);
    let mut seen_links: Vec<&str> = Vec::new();
    for link in &declared_links {
        if seen_links.contains(&link.name.name.as_str()) {
            cx.diagnostics.push(Diagnostic::error(
                "duplicate-name",
                format!(
                    "email `{}` declares the link `{}` twice",
                    email.name.name, link.name.name
                ),
                label(file, link.name.span, "declared again here"),
            ));
        }
        seen_links.push(&link.name.name);
        check_url(cx, file, email, link);
    }

    for (missing, what, example) in [
        (kind.is_none(), "kind", "kind treatment"),
        (subject.is_none(), "subject", "subject \"Your visit\""),
        (body.is_none(), "body", "body \"templates/visit.html\""),
    ] {
        if missing {
            cx.diagnostics.push(
                Diagnostic::error(
                    "missing-setting",
                    format!("email `{}` has no `{what}`", email.name.name),
                    label(file, email.name.span, format!("needs a `{what}`")),
                )
                .with_help(format!("add a line such as `{example}`")),
            );
        }
    }
    let marketing = kind == Some(EmailKind::Marketing);

    if let Some(subject) = subject {
        let placeholders = scan(&subject.value);
        for placeholder in &placeholders {
            let at = Place {
                file,
                span: subject.span,
                context: "the subject".into(),
            };
            check_placeholder(cx, &at, email, placeholder, marketing, true);
        }
    }

    if let Some(path) = body {
        let journey_path = &sources.get(file).path;
        match templates.read(journey_path, &path.value) {
            Err(error) => cx.diagnostics.push(
                Diagnostic::error(
                    "missing-template",
                    format!("cannot read the body `{}`: {error}", path.value),
                    label(file, path.span, "no such template"),
                )
                .with_help("body paths are relative to the folder of this .journey file"),
            ),
            Ok(text) => check_body(cx, file, email, path, &text, marketing),
        }
    }

    EmailDef {
        name: email.name.name.clone(),
        marketing,
        subject: subject.map(|s| s.value.clone()).unwrap_or_default(),
        body: body.map(|b| b.value.clone()).unwrap_or_default(),
        body_base: sources.get(file).path.clone(),
        links: declared_links
            .iter()
            .map(|l| LinkDef {
                name: l.name.name.clone(),
                url: l.url.value.clone(),
            })
            .collect(),
    }
}

/// Stores `value` in an empty slot, or returns the setting's name when the
/// slot was already filled.
fn set_once<T>(slot: &mut Option<T>, value: T, name: &'static str) -> Option<&'static str> {
    if slot.is_some() {
        return Some(name);
    }
    *slot = Some(value);
    None
}

fn check_url(cx: &mut Cx, file: FileId, email: &EmailDecl, link: &LinkRef) {
    let url = &link.url.value;
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        cx.diagnostics.push(
            Diagnostic::error(
                "invalid-link",
                format!("the link `{}` is not a web address", link.name.name),
                label(file, link.url.span, "expected `https://...`"),
            )
            .with_help("links are absolute http or https URLs"),
        );
    }
    for placeholder in scan(url) {
        let at = Place {
            file,
            span: link.url.span,
            context: format!("the link `{}`", link.name.name),
        };
        if let Some(field) = check_placeholder(cx, &at, email, &placeholder, false, false) {
            if cx.decls.fields.entries[field].decl.phi.is_some() {
                cx.diagnostics.push(
                    Diagnostic::warning(
                        "phi-in-link",
                        format!(
                            "the link `{}` puts the PHI field `{}` in a URL",
                            link.name.name, placeholder.path
                        ),
                        label(file, link.url.span, "PHI in a URL"),
                    )
                    .with_note("URLs are logged by mail servers, proxies and browsers")
                    .with_help("link to a page that asks the patient to sign in instead"),
                );
            }
        }
    }
}

fn check_body(
    cx: &mut Cx,
    file: FileId,
    email: &EmailDecl,
    path: &StringLit,
    text: &str,
    marketing: bool,
) {
    let env = minijinja::Environment::new();
    if let Err(error) = env.template_from_str(text) {
        let line = error.line().map_or(String::new(), |l| format!(" line {l}"));
        cx.diagnostics.push(
            Diagnostic::error(
                "template-syntax",
                format!(
                    "the body `{}`{line} is not a valid template: {}",
                    path.value,
                    error.detail().unwrap_or("syntax error")
                ),
                label(file, path.span, "in this template"),
            )
            .with_help(
                "placeholders are written `{{ contact.first_name }}`; blocks `{% if ... \
                %}...{% endif %}`",
            ),
        );
        return;
    }

    let placeholders = scan(text);
    for placeholder in &placeholders {
        let line = text[..placeholder.offset].matches('\n').count() + 1;
        let at = Place {
            file,
            span: path.span,
            context: format!("`{}` line {line}", path.value),
        };
        check_placeholder(cx, &at, email, placeholder, marketing, false);
    }

    for link in links(email) {
        let used = placeholders
            .iter()
            .any(|p| p.path == format!("link.{}", link.name.name));
        if !used {
            cx.diagnostics.push(
                Diagnostic::error(
                    "link-not-in-body",
                    format!(
                        "the link `{}` is declared but the body never shows it",
                        link.name.name
                    ),
                    label(file, link.name.span, "not in the body"),
                )
                .with_label(file, path.span, "this body")
                .with_help(format!(
                    "put `{{{{ link.{} }}}}` where the link belongs in `{}`",
                    link.name.name, path.value
                )),
            );
        }
    }

    if marketing && !placeholders.iter().any(|p| p.path == "unsubscribe_url") {
        cx.diagnostics.push(
            Diagnostic::error(
                "missing-unsubscribe",
                format!(
                    "the marketing email `{}` has no unsubscribe link",
                    email.name.name
                ),
                label(file, path.span, "no `{{ unsubscribe_url }}` in this body"),
            )
            .with_help(
                "add a link to `{{ unsubscribe_url }}` to the body; every marketing \
                email must offer one",
            ),
        );
    }
}

/// Where a placeholder was found, for messages.
struct Place {
    file: FileId,
    span: Span,
    context: String,
}

/// One `{{ ... }}` placeholder: the value's path and its filters.
#[derive(Debug, PartialEq)]
pub struct Placeholder {
    pub offset: usize,
    pub path: String,
    pub filters: Vec<String>,
}

/// Finds every `{{ path | filter | ... }}` in a template.
pub fn scan(text: &str) -> Vec<Placeholder> {
    let mut found = Vec::new();
    let mut rest = text;
    let mut base = 0;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else { break };
        let inner = after[..close].trim_matches(|c: char| c.is_whitespace() || c == '-');
        let mut parts = inner.split('|').map(str::trim);
        let path = parts.next().unwrap_or("").to_string();
        let filters = parts
            .map(|f| f.split('(').next().unwrap_or("").trim().to_string())
            .collect();
        found.push(Placeholder {
            offset: base + open,
            path,
            filters,
        });
        let consumed = open + 2 + close + 2;
        base += consumed;
        rest = &rest[consumed..];
    }
    found
}

const FILTERS: &[&str] = &["default", "upper", "lower", "title", "capitalize", "trim"];

/// Checks one placeholder; returns the contact field it shows, if any.
fn check_placeholder(
    cx: &mut Cx,
    at: &Place,
    email: &EmailDecl,
    placeholder: &Placeholder,
    marketing: bool,
    in_subject: bool,
) -> Option<usize> {
    for filter in &placeholder.filters {
        if !FILTERS.contains(&filter.as_str()) {
            let mut diagnostic = Diagnostic::error(
                "unknown-placeholder",
                format!("{}: `{filter}` is not a filter journey knows", at.context),
                label(at.file, at.span, format!("in {}", at.context)),
            );
            diagnostic = match closest(filter, FILTERS) {
                Some(best) => diagnostic.with_help(format!("did you mean `{best}`?")),
                None => diagnostic.with_help(format!("filters are {}", FILTERS.join(", "))),
            };
            cx.diagnostics.push(diagnostic);
        }
    }

    let path = placeholder.path.as_str();
    if path == "unsubscribe_url" {
        return None;
    }
    if let Some(link) = path.strip_prefix("link.") {
        let declared = links(email);
        if !declared.iter().any(|l| l.name.name == link) {
            let known: Vec<&str> = declared.iter().map(|l| l.name.name.as_str()).collect();
            let diagnostic = Diagnostic::error(
                "unknown-link",
                format!(
                    "{}: the email `{}` has no link named `{link}`",
                    at.context, email.name.name
                ),
                label(at.file, at.span, format!("in {}", at.context)),
            );
            cx.diagnostics.push(match closest(link, &known) {
                Some(best) => diagnostic.with_help(format!("did you mean `link.{best}`?")),
                None => diagnostic.with_help(format!(
                    "declare it in the email: `link {link} \"https://...\"`"
                )),
            });
        }
        return None;
    }
    let Some(field_name) = path.strip_prefix("contact.") else {
        cx.diagnostics.push(
            Diagnostic::error(
                "unknown-placeholder",
                format!(
                    "{}: `{{{{ {path} }}}}` is not something a template can show",
                    at.context
                ),
                label(at.file, at.span, format!("in {}", at.context)),
            )
            .with_help("templates show `contact.<field>`, `link.<name>` and `unsubscribe_url`"),
        );
        return None;
    };

    let Some(index) = cx.decls.fields.get(field_name) else {
        let known = cx.decls.fields.names();
        let diagnostic = Diagnostic::error(
            "unknown-field",
            format!(
                "{}: there is no contact field named `{field_name}`",
                at.context
            ),
            label(at.file, at.span, format!("in {}", at.context)),
        );
        cx.diagnostics.push(match closest(field_name, &known) {
            Some(best) => diagnostic.with_help(format!("did you mean `contact.{best}`?")),
            None => diagnostic.with_help("declare the field in the `contact { ... }` block"),
        });
        return None;
    };
    let field = cx.decls.fields.entries[index].decl;
    let base = Base::from_type_name(field.ty.name);
    let has_default = placeholder.filters.iter().any(|f| f == "default");

    if field.ty.optional && !has_default {
        cx.diagnostics.push(
            Diagnostic::error(
                "optional-unguarded",
                format!(
                    "{}: `{path}` may be missing, and the template does not say what to show then",
                    at.context
                ),
                label(at.file, at.span, format!("in {}", at.context)),
            )
            .with_help(format!(
                "give it a fallback: `{{{{ {path} | default(\"...\") }}}}`"
            )),
        );
    }
    let text_filter = placeholder
        .filters
        .iter()
        .find(|f| *f != "default" && FILTERS.contains(&f.as_str()));
    if let Some(filter) = text_filter {
        if !matches!(base, Base::Text | Base::Email) {
            cx.diagnostics.push(Diagnostic::error(
                "type-mismatch",
                format!(
                    "{}: the filter `{filter}` needs text, but `{path}` is `{}`",
                    at.context,
                    base.name()
                ),
                label(at.file, at.span, format!("in {}", at.context)),
            ));
        }
    }
    if field.phi.is_some() {
        if in_subject {
            cx.diagnostics.push(
                Diagnostic::warning(
                    "phi-in-subject",
                    format!(
                        "the subject of `{}` shows the PHI field `{path}`",
                        email.name.name
                    ),
                    label(at.file, at.span, "PHI in a subject line"),
                )
                .with_note(
                    "subject lines are shown on lock screens and stored unencrypted by \
                    mail servers",
                )
                .with_help("move it to the body, or leave it out"),
            );
        }
        let message = format!(
            "the marketing email `{}` uses the PHI field `{path}`",
            email.name.name
        );
        // One report per email and field, however often the field is shown.
        let reported = cx.diagnostics.iter().any(|d| d.message == message);
        if marketing && !reported {
            cx.diagnostics.push(
                Diagnostic::warning(
                    "phi-in-marketing",
                    message,
                    label(at.file, at.span, format!("PHI in {}", at.context)),
                )
                .with_note(
                    "using protected health information for marketing needs the \
                    patient's written authorisation (HIPAA 45 CFR 164.508(a)(3)); \
                     the engine checks marketing consent, not that authorisation",
                )
                .with_help(
                    "make the email `kind treatment` if it is about the patient's care, \
                    or leave the field out",
                ),
            );
        }
    }
    cx.use_decl(Kind::Field, index);
    Some(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_placeholders_with_filters() {
        let found =
            scan("Hi {{ contact.first_name | default(\"there\") | title }}, {{link.portal}}");
        assert_eq!(found[0].path, "contact.first_name");
        assert_eq!(found[0].filters, vec!["default", "title"]);
        assert_eq!(found[1].path, "link.portal");
        assert_eq!(found[1].offset, 56);
    }
}
