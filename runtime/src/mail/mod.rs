//! Mail: from an email of the program and a contact to a delivered message.
//!
//! Three steps, one module each, each usable alone:
//!
//! 1. [`Templates`] (`render`): every email's subject and body compiled at
//!    start; [`Templates::render`] fills one in for a contact ([`View`],
//!    [`ContactValues`]) and returns [`Rendered`] text, HTML escaped where
//!    it must be, with a plain-text version of HTML bodies (`plain`).
//! 2. [`compose`] (`message`): turns [`Rendered`] text and a [`Letter`]
//!    (sender, recipient, idempotency key, the clock's `now`) into an
//!    RFC 5322 [`Outgoing`] message with a deterministic Message-ID.
//!    [`compose_signed`] adds a DKIM signature ([`DkimSigner`], `dkim`);
//!    `headers` writes the unsubscribe headers of marketing emails, and
//!    [`add_open_pixel`] (`pixel`) puts the open pixel into an HTML body.
//! 3. A [`Transport`] delivers it: [`FileTransport`] (one `.eml` per message,
//!    the default, no server), [`SmtpTransport`] (lettre, STARTTLS required
//!    by default) or [`MemoryTransport`] (tests). A failure is temporary,
//!    permanent or a configuration problem ([`SendError`]); the outbox
//!    decides what to do with each.
//!
//! ```
//! use chrono_tz::Tz;
//! use journey_runtime::bytecode::Email;
//! use journey_runtime::mail::{
//!     compose, ContactValues, Letter, MemoryTransport, TemplateValue, Templates, Transport, View,
//! };
//!
//! let email = Email {
//!     name: "welcome".into(),
//!     marketing: false,
//!     subject: "Welcome, {{ contact.first_name }}".into(),
//!     body: "templates/welcome.txt".into(),
//!     links: vec![("portal".into(), "https://portal.example-health.org".into())],
//! };
//! let mut templates = Templates::new();
//! templates.add(&email, "Hi {{ contact.first_name }}: {{ link.portal }}\n").unwrap();
//!
//! let contact = ContactValues::new(Tz::America__Chicago)
//!     .with("first_name", TemplateValue::Text("Ana".into()));
//! let links = [("portal".to_string(), "https://portal.example-health.org/t/1".to_string())];
//! let view = View { contact: &contact, links: &links, unsubscribe_url: None };
//! let rendered = templates.render(&email, &view).unwrap();
//! assert_eq!(rendered.subject, "Welcome, Ana");
//!
//! let letter = Letter {
//!     from: "Member Services <members@example-health.org>",
//!     reply_to: None,
//!     to: "ana@example.org",
//!     idempotency_key: "7:1:welcome:1",
//!     now: 1_800_000_000,
//! };
//! let message = compose(&rendered, &letter).unwrap();
//! assert!(message.message_id().ends_with("@example-health.org>"));
//!
//! let outbox = MemoryTransport::new();
//! outbox.send(&message).unwrap();
//! assert_eq!(outbox.sent().len(), 1);
//! ```

mod dkim;
mod file;
mod headers;
mod message;
mod pixel;
mod plain;
mod render;
mod smtp;
mod transport;
mod values;

pub use dkim::{DkimError, DkimSigner, SIGNED_HEADERS};
pub use file::FileTransport;
pub use headers::ListUnsubscribe;
pub use message::{compose, compose_signed, key_hash, ComposeError, Letter, Outgoing};
pub use pixel::add_open_pixel;
pub use plain::text_of;
pub use render::{Body, Part, RenderError, Rendered, Templates, View};
pub use smtp::{ConfigError, SmtpConfig, SmtpTransport, TlsMode};
pub use transport::{MemoryTransport, SendError, Transport};
pub use values::{ContactValues, TemplateValue};
