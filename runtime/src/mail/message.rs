//! One outgoing message: a rendered email made into RFC 5322 bytes.
//!
//! [`compose`] takes what [`super::Templates::render`] produced and who it
//! goes to, and builds the message with lettre:
//!
//! - `From`, `Reply-To` (when given), `To`, `Subject`;
//! - `Date` from the caller's clock value (`now`, seconds since the epoch):
//!   nothing here reads the system clock, so the simulator and tests get the
//!   same bytes every time;
//! - `Message-ID: <{hash}@{sender domain}>`, where the hash is the first 128
//!   bits of the SHA-256 of the idempotency key (contact, run, step, visit),
//!   in hex. The same contact step always gets the same Message-ID, so a
//!   message sent again after a crash is recognisable as the same one. The
//!   hash hides the key's text but is not a secret (keys are guessable), so
//!   a key must hold no PHI;
//! - the body: `multipart/alternative` with `text/plain` first and
//!   `text/html` second for HTML bodies, else one `text/plain` part; the
//!   boundary is made from the same hash, so a message's bytes depend only on
//!   its inputs;
//! - for marketing emails, `List-Unsubscribe` and, with an HTTP(S) URL,
//!   `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058, see
//!   [`super::headers`]). The unsubscribe URL must accept that POST;
//! - with a [`super::DkimSigner`] ([`compose_signed`]), a `DKIM-Signature`
//!   covering the headers above, both unsubscribe headers included, as
//!   RFC 8058 asks. The signature's `t=` is the signing moment on the
//!   system clock (lettre reads it), so only signed bytes vary between runs.
//!
//! An address that does not parse fails the message with the address's role
//! (`to`, `from`, `reply_to`) and never the address itself.

use super::dkim::DkimSigner;
use super::render::{Body, Rendered};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::Message;
use sha2::{Digest, Sha256};
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Who a message is from and to, and what makes it unique.
#[derive(Clone, Copy, Debug)]
pub struct Letter<'a> {
    /// The journey's sender, `Name <address>` or a bare address.
    pub from: &'a str,
    pub reply_to: Option<&'a str>,
    /// The contact's address.
    pub to: &'a str,
    /// The outbox's idempotency key of the contact step (no PHI in it).
    pub idempotency_key: &'a str,
    /// The `Date` header: seconds since the epoch, from the engine's clock.
    pub now: i64,
}

/// A message ready for a [`super::Transport`].
#[derive(Clone)]
pub struct Outgoing {
    key_hash: String,
    message_id: String,
    envelope: lettre::address::Envelope,
    bytes: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ComposeError {
    /// An address does not parse; `role` is `from`, `reply_to` or `to`.
    BadAddress { role: &'static str },
    /// The unsubscribe URL has a space, a control character or a `>`, so it
    /// cannot go into a `List-Unsubscribe` header.
    BadUnsubscribeUrl,
    /// lettre refused the message (its reason names no value).
    Build(String),
}

/// Builds the message for `rendered`, as addressed by `letter`.
pub fn compose(rendered: &Rendered, letter: &Letter) -> Result<Outgoing, ComposeError> {
    compose_signed(rendered, letter, None)
}

/// [`compose`], then a DKIM signature when `signer` is given.
pub fn compose_signed(
    rendered: &Rendered,
    letter: &Letter,
    signer: Option<&DkimSigner>,
) -> Result<Outgoing, ComposeError> {
    let from = mailbox(letter.from, "from")?;
    let to = mailbox(letter.to, "to")?;
    let key_hash = key_hash(letter.idempotency_key);
    let message_id = format!("<{key_hash}@{}>", from.email.domain());

    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(rendered.subject.clone())
        .date(system_time(letter.now))
        .message_id(Some(message_id.clone()));
    if let Some(reply_to) = letter.reply_to {
        builder = builder.reply_to(mailbox(reply_to, "reply_to")?);
    }
    let unsubscribe = match &rendered.list_unsubscribe {
        Some(list) => list.header()?,
        None => None,
    };
    if let Some((urls, one_click)) = unsubscribe {
        builder = builder.raw_header(header("List-Unsubscribe", urls));
        if one_click {
            builder = builder.raw_header(header(
                "List-Unsubscribe-Post",
                "List-Unsubscribe=One-Click".into(),
            ));
        }
    }

    let mut message = match &rendered.body {
        Body::Html { html, text } => builder.multipart(
            MultiPart::alternative()
                .boundary(format!("journey-{key_hash}"))
                .singlepart(SinglePart::plain(text.clone()))
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html.clone()),
                ),
        ),
        Body::Text(text) => builder.singlepart(SinglePart::plain(text.clone())),
    }
    .map_err(|error| ComposeError::Build(error.to_string()))?;
    if let Some(signer) = signer {
        signer.sign(&mut message);
    }

    Ok(Outgoing {
        key_hash,
        message_id,
        envelope: message.envelope().clone(),
        bytes: message.formatted(),
    })
}

impl Outgoing {
    /// The `Message-ID` header's value, angle brackets included.
    pub fn message_id(&self) -> &str {
        &self.message_id
    }

    /// The hex hash in the Message-ID; names the file in a file outbox.
    pub fn key_hash(&self) -> &str {
        &self.key_hash
    }

    /// The whole message, CRLF line ends, as it goes on the wire.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub(crate) fn envelope(&self) -> &lettre::address::Envelope {
        &self.envelope
    }
}

/// Shows the Message-ID and the size only: the bytes hold the contact's
/// address and values.
impl fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outgoing")
            .field("message_id", &self.message_id)
            .field("bytes", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// The first 128 bits of the key's SHA-256, as 32 lower-case hex digits.
///
/// Known shortcoming: the key's run ids restart at 1 in every store, so a
/// new store (or a second one mailing the same people) makes Message-IDs
/// an older store already used, and a receiver that drops duplicates may
/// drop the new mail. Fix: hash a random id the store draws when it is
/// created (kept in the store, so a resend keeps its Message-ID), giving
/// stores migrated from an older version none, as now.
pub fn key_hash(idempotency_key: &str) -> String {
    let digest = Sha256::digest(idempotency_key.as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

fn mailbox(text: &str, role: &'static str) -> Result<Mailbox, ComposeError> {
    text.parse().map_err(|_| ComposeError::BadAddress { role })
}

fn header(name: &'static str, value: String) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
}

fn system_time(seconds: i64) -> SystemTime {
    let offset = Duration::from_secs(seconds.unsigned_abs());
    let at = match seconds >= 0 {
        true => UNIX_EPOCH.checked_add(offset),
        false => UNIX_EPOCH.checked_sub(offset),
    };
    at.unwrap_or(UNIX_EPOCH)
}

impl fmt::Display for ComposeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ComposeError::BadAddress { role } => write!(f, "the `{role}` address is not valid"),
            ComposeError::BadUnsubscribeUrl => {
                f.write_str("the unsubscribe URL cannot go into a List-Unsubscribe header")
            }
            ComposeError::Build(reason) => write!(f, "cannot build the message: {reason}"),
        }
    }
}

impl std::error::Error for ComposeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_hash_is_stable_and_short() {
        assert_eq!(key_hash("7:1:invite:1"), key_hash("7:1:invite:1"));
        assert_ne!(key_hash("7:1:invite:1"), key_hash("7:1:invite:2"));
        assert_eq!(key_hash("abc"), "ba7816bf8f01cfea414140de5dae2223");
    }

    #[test]
    fn dates_before_the_epoch_do_not_panic() {
        assert_eq!(system_time(-60), UNIX_EPOCH - Duration::from_secs(60));
    }
}
