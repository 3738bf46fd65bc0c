//! Emails' subjects and bodies, compiled once and rendered per contact.
//!
//! [`Templates`] holds every email's templates, compiled when the engine
//! starts, so a body with a syntax error stops the start instead of the
//! thousandth send. [`Templates::render`] fills them in for one contact.
//!
//! What a template sees:
//!
//! - `contact.<field>`: the contact's values ([`ContactValues`]);
//! - `link.<name>`: the final URL of each of the email's links, as the
//!   caller passes it (tracked URLs are the caller's business);
//! - `unsubscribe_url`, when the caller passes one.
//!
//! Escaping is chosen by what is rendered, not by luck: subjects and `.txt`
//! bodies are rendered as they are; `.html` (and `.htm`) bodies escape every
//! value they insert, so a first name of `<script>` arrives as text. Link and
//! unsubscribe URLs are escaped for an HTML attribute (`&` becomes `&amp;`,
//! quotes and angle brackets too) but keep their slashes readable.
//!
//! A value that is not there is an error, never an empty string: a bare
//! `{{ contact.plan }}` for a contact without a plan fails, while
//! `{{ contact.plan | default("...") }}` shows the fallback and
//! `{% if contact.plan %}` is false. Errors name the template, the line and
//! the placeholders that had no value, and never a contact's values.

use super::headers::ListUnsubscribe;
use super::plain::text_of;
use super::values::ContactValues;
use crate::bytecode::Email;
use minijinja::value::ValueKind;
use minijinja::{
    escape_formatter, AutoEscape, Environment, Error, ErrorKind, Output, State, UndefinedBehavior,
};
use std::fmt;

/// Every email's compiled subject and body.
pub struct Templates {
    env: Environment<'static>,
}

/// What one message shows besides the contact's values.
#[derive(Clone, Copy, Debug)]
pub struct View<'a> {
    pub contact: &'a ContactValues,
    /// The final URL of each link, by link name.
    pub links: &'a [(String, String)],
    /// Needed by marketing emails (the body shows it and the message
    /// carries it in `List-Unsubscribe`); optional for treatment emails.
    pub unsubscribe_url: Option<&'a str>,
}

/// An email filled in for one contact.
#[derive(Clone, PartialEq)]
pub struct Rendered {
    /// One line: line breaks a value brought in are turned into spaces.
    pub subject: String,
    pub body: Body,
    /// Set for marketing emails: the `List-Unsubscribe` header's URLs,
    /// from the view's `unsubscribe_url` (a caller may add a `mailto:`).
    pub list_unsubscribe: Option<ListUnsubscribe>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// An HTML body and its plain-text version (see [`super::plain`]).
    Html {
        html: String,
        text: String,
    },
    Text(String),
}

/// Which template of an email.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Subject,
    Body,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RenderError {
    /// A template is not valid minijinja.
    Syntax {
        email: String,
        part: Part,
        line: Option<usize>,
        detail: String,
    },
    /// [`Templates::add`] was never called for this email.
    NotAdded { email: String },
    /// Filling in failed: a value is missing, or a filter got a value it
    /// cannot take. `missing` lists the placeholders without a value.
    Failed {
        email: String,
        part: Part,
        line: Option<usize>,
        problem: String,
        missing: Vec<String>,
    },
    /// A marketing email needs an unsubscribe URL and none was given.
    NoUnsubscribeUrl { email: String },
}

impl Templates {
    pub fn new() -> Templates {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        env.set_keep_trailing_newline(true);
        env.set_formatter(format_value);
        env.set_auto_escape_callback(|name| match name.ends_with(".html") {
            true => AutoEscape::Html,
            false => AutoEscape::None,
        });
        Templates { env }
    }

    /// Compiles `email`'s subject and `body`, the text of its body file.
    /// Adding an email again replaces its templates.
    pub fn add(&mut self, email: &Email, body: &str) -> Result<(), RenderError> {
        let parts = [
            (Part::Subject, subject_name(email), email.subject.clone()),
            (Part::Body, body_name(email), body.to_string()),
        ];
        for (part, name, source) in parts {
            self.env
                .add_template_owned(name, source)
                .map_err(|error| RenderError::Syntax {
                    email: email.name.clone(),
                    part,
                    line: error.line(),
                    detail: error.detail().unwrap_or("syntax error").to_string(),
                })?;
        }
        Ok(())
    }

    /// Fills in `email` for one contact.
    pub fn render(&self, email: &Email, view: &View) -> Result<Rendered, RenderError> {
        let list_unsubscribe = match (email.marketing, view.unsubscribe_url) {
            (true, None) => {
                return Err(RenderError::NoUnsubscribeUrl {
                    email: email.name.clone(),
                })
            }
            (true, Some(url)) => Some(ListUnsubscribe::for_url(url)),
            (false, _) => None,
        };

        let subject = self.fill(email, Part::Subject, &subject_name(email), view, false)?;
        let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");

        let name = body_name(email);
        let body = match is_html(email) {
            true => {
                let html = self.fill(email, Part::Body, &name, view, true)?;
                let text = text_of(&html);
                Body::Html { html, text }
            }
            false => Body::Text(self.fill(email, Part::Body, &name, view, false)?),
        };

        Ok(Rendered {
            subject,
            body,
            list_unsubscribe,
        })
    }

    fn fill(
        &self,
        email: &Email,
        part: Part,
        name: &str,
        view: &View,
        html: bool,
    ) -> Result<String, RenderError> {
        let template = self
            .env
            .get_template(name)
            .map_err(|_| RenderError::NotAdded {
                email: email.name.clone(),
            })?;
        let context = context(view, html);

        template.render(&context).map_err(|error| {
            let missing = match error.kind() {
                ErrorKind::UndefinedError => missing_names(&template, &context),
                _ => Vec::new(),
            };
            RenderError::Failed {
                email: email.name.clone(),
                part,
                line: error.line(),
                // The kind only: a detail could quote a contact's value.
                problem: error.kind().to_string(),
                missing,
            }
        })
    }
}

impl Default for Templates {
    fn default() -> Templates {
        Templates::new()
    }
}

/// Prints values as minijinja does, except booleans, which read `true` and
/// `false` as in journey's own language (minijinja would print `True`).
fn format_value(out: &mut Output, state: &State, value: &minijinja::Value) -> Result<(), Error> {
    match value.kind() {
        ValueKind::Bool => {
            let shown = if value.is_true() { "true" } else { "false" };
            out.write_str(shown).map_err(Error::from)
        }
        _ => escape_formatter(out, state, value),
    }
}

/// What the templates see. URLs going into HTML are escaped here, for an
/// attribute, and marked safe so the auto-escape does not escape them again.
fn context(view: &View, html: bool) -> minijinja::Value {
    let url = |url: &str| match html {
        true => minijinja::Value::from_safe_string(escape_attribute(url)),
        false => minijinja::Value::from(url),
    };
    let links: minijinja::Value = view
        .links
        .iter()
        .map(|(name, address)| (name.clone(), url(address)))
        .collect();

    let mut entries = vec![("contact", view.contact.to_template()), ("link", links)];
    if let Some(address) = view.unsubscribe_url {
        entries.push(("unsubscribe_url", url(address)));
    }
    entries.into_iter().collect()
}

fn escape_attribute(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// The template's placeholders that have no value in `context`.
fn missing_names(template: &minijinja::Template, context: &minijinja::Value) -> Vec<String> {
    let mut names: Vec<String> = template
        .undeclared_variables(true)
        .into_iter()
        .filter(|name| !has_path(context, name))
        .collect();
    names.sort();
    names
}

fn has_path(context: &minijinja::Value, dotted: &str) -> bool {
    let mut value = context.clone();
    for key in dotted.split('.') {
        match value.get_attr(key) {
            Ok(inner) if !inner.is_undefined() => value = inner,
            _ => return false,
        }
    }
    true
}

fn is_html(email: &Email) -> bool {
    let body = email.body.to_ascii_lowercase();
    body.ends_with(".html") || body.ends_with(".htm")
}

fn subject_name(email: &Email) -> String {
    format!("{}/subject", email.name)
}

/// The body's template name; its ending picks the escaping.
fn body_name(email: &Email) -> String {
    match is_html(email) {
        true => format!("{}/body.html", email.name),
        false => format!("{}/body.txt", email.name),
    }
}

/// Shows the subject's length only: rendered text may hold PHI.
impl fmt::Debug for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rendered")
            .field("subject_len", &self.subject.len())
            .field("html", &matches!(self.body, Body::Html { .. }))
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Subject => "subject",
            Part::Body => "body",
        })
    }
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = |line: &Option<usize>| line.map_or(String::new(), |l| format!(" line {l}"));
        match self {
            RenderError::Syntax {
                email,
                part,
                line,
                detail,
            } => write!(
                f,
                "the {part} of `{email}`{} is not a valid template: {detail}",
                at(line)
            ),
            RenderError::NotAdded { email } => {
                write!(f, "the templates of `{email}` were never loaded")
            }
            RenderError::Failed {
                email,
                part,
                line,
                problem,
                missing,
            } => {
                write!(
                    f,
                    "cannot fill in the {part} of `{email}`{}: {problem}",
                    at(line)
                )?;
                if !missing.is_empty() {
                    write!(f, " (no value for `{}`)", missing.join("`, `"))?;
                }
                Ok(())
            }
            RenderError::NoUnsubscribeUrl { email } => write!(
                f,
                "`{email}` is a marketing email and no unsubscribe URL was given"
            ),
        }
    }
}

impl std::error::Error for RenderError {}
