//! Delivery of the outbox: consent and suppression at send time, rendering,
//! the transport, retries.
//!
//! Emails go out highest journey priority first, then oldest. For each:
//!
//! 1. a suppressed contact (unsubscribed, bounced) gets nothing, nor does
//!    an address suppressed under a contact since erased; a marketing
//!    email needs a valid marketing authorisation (granted, not expired,
//!    not revoked) at this moment. Both checks happen now, at send time, so
//!    a revocation stops mail that was already queued. A refused email is
//!    recorded as `suppressed` with the reason and never retried;
//! 2. the email is rendered for the contact, with the URLs the
//!    [`Tracker`] makes for this message (tracked links, the open pixel,
//!    the unsubscribe URL and `List-Unsubscribe`), and composed with a
//!    Message-ID derived from its idempotency key, DKIM-signed when a key
//!    is configured ([`MailSetup`]);
//! 3. the transport sends it. A temporary failure is retried with
//!    exponential backoff (1, 2, 4, ... minutes, at most [`MAX_ATTEMPTS`]
//!    tries); a permanent one (a bad address) fails that email alone, at
//!    once. A configuration problem (no TLS, an untrusted certificate)
//!    stops delivery with an error: every email would fail the same way.
//!
//! Delivery is at least once: if the process dies after the server accepted
//! a message and before its `sent` status is committed, the message is sent
//! again on restart, with the same Message-ID, so it can be recognised.

use super::{convert, EngineError};
use crate::bytecode::Program;
use crate::clock::{Clock, SystemClock};
use crate::mail::{
    add_open_pixel, compose_signed, ContactValues, DkimSigner, Letter, SendError, TemplateValue,
    Templates, Transport, View,
};
use crate::store::{Delivery, OutboxRow, Store};
use crate::tracking::{MessageRef, Tracker};
use chrono_tz::Tz;
use journey_compiler::check::config::ProjectConfig;
use std::path::Path;

/// How long a claimed email is reserved for the engine sending it, in
/// seconds of real time, whatever clock drives the engine: the lease
/// outlives a process that died, and processes die in real time.
pub const CLAIM_LEASE: i64 = 300;

/// How many times a temporary failure is tried before the email fails.
pub const MAX_ATTEMPTS: i64 = 6;

/// What one round of delivery did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeliveryTally {
    pub sent: u64,
    pub suppressed: u64,
    pub failed: u64,
    pub retried: u64,
}

pub struct Postman<'a> {
    pub program: &'a Program,
    pub templates: &'a Templates,
    pub transport: &'a dyn Transport,
    /// Tracked URLs and the DKIM key.
    pub setup: &'a MailSetup,
}

/// How messages are dressed before they go: their tracked URLs and
/// unsubscribe headers, and their DKIM signature.
#[derive(Debug)]
pub struct MailSetup {
    pub tracker: Tracker,
    pub dkim: Option<DkimSigner>,
}

impl MailSetup {
    /// No tracking, no signature: links as declared, the placeholder
    /// unsubscribe URL (see [`crate::tracking`]).
    pub fn off() -> MailSetup {
        MailSetup {
            tracker: Tracker::off(),
            dkim: None,
        }
    }

    /// What `[tracking]` and `[dkim]` of the project at `root` describe,
    /// with secrets read from the environment variables they name.
    pub fn from_config(config: &ProjectConfig, root: &Path) -> Result<MailSetup, String> {
        let env = |name: &str| std::env::var(name).ok();
        let tracker = match &config.tracking {
            Some(settings) => Tracker::from_settings(settings, env).map_err(|e| e.0)?,
            None => Tracker::off(),
        };
        let dkim = match &config.dkim {
            Some(settings) => {
                Some(DkimSigner::from_settings(settings, root, env).map_err(|e| e.0)?)
            }
            None => None,
        };
        Ok(MailSetup { tracker, dkim })
    }
}

impl Postman<'_> {
    /// Delivers up to `limit` emails due at `now`.
    pub fn deliver<S: Store + ?Sized>(
        &self,
        store: &mut S,
        now: i64,
        limit: usize,
    ) -> Result<DeliveryTally, EngineError> {
        let mut tally = DeliveryTally::default();
        let people = self.transport.reaches_people();
        self.setup
            .tracker
            .check_delivery(self.program, people)
            .map_err(|refused| EngineError::Mail(refused.0))?;
        let claimed = store.claim_outbox(now, limit, SystemClock.now(), CLAIM_LEASE)?;
        for (index, row) in claimed.iter().enumerate() {
            let (delivery, reason, message_id) = match self.one(store, row, now) {
                Ok(settled) => settled,
                Err(error) => {
                    // Nothing can be sent until the settings are fixed: give
                    // back this email and the rest of the batch, untried.
                    let unsent: Vec<i64> = claimed[index..].iter().map(|r| r.id).collect();
                    store.release_claims(&unsent)?;
                    return Err(error);
                }
            };
            match delivery {
                Delivery::Sent => tally.sent += 1,
                Delivery::Suppressed => tally.suppressed += 1,
                Delivery::Failed => tally.failed += 1,
                Delivery::Retry { .. } => tally.retried += 1,
            }
            // Reasons come from consent rules or from the transport, which
            // removes addresses from server replies.
            tracing::info!(
                outbox = row.id,
                contact = row.contact,
                journey = %row.journey,
                step = %row.step,
                outcome = ?delivery,
                reason = reason.as_deref().unwrap_or(""),
                "email_settled"
            );
            store.settle(
                row.id,
                delivery,
                reason.as_deref(),
                message_id.as_deref(),
                now,
            )?;
        }
        Ok(tally)
    }

    fn one<S: Store + ?Sized>(
        &self,
        store: &S,
        row: &OutboxRow,
        now: i64,
    ) -> Result<(Delivery, Option<String>, Option<String>), EngineError> {
        let program = self.program;
        let Some(email) = program.emails.iter().find(|e| e.name == row.email) else {
            let reason = format!("the email `{}` is no longer deployed", row.email);
            return Ok((Delivery::Failed, Some(reason), None));
        };
        if let Some(why) = store.suppression(row.contact)? {
            return Ok((
                Delivery::Suppressed,
                Some(format!("suppressed: {why}")),
                None,
            ));
        }
        if email.marketing && !store.consent(row.contact)?.valid_at(now) {
            let reason = "no valid marketing authorisation at send time".to_string();
            return Ok((Delivery::Suppressed, Some(reason), None));
        }

        let Some(contact) = store.contact(row.contact)? else {
            return Ok((
                Delivery::Failed,
                Some("the contact was erased".into()),
                None,
            ));
        };
        let values = convert::from_json(program, &contact.fields);
        let zone: Tz = contact
            .zone
            .as_deref()
            .and_then(|z| z.parse().ok())
            .unwrap_or(Tz::UTC);
        let mut view_values = ContactValues::new(zone);
        for (def, value) in program.fields.iter().zip(&values) {
            if let Some(value) = TemplateValue::from_fact(value.as_value()) {
                view_values.set(def.name.clone(), value);
            }
        }
        let Some(to) = contact.fields.get("email").and_then(|v| v.as_str()) else {
            return Ok((
                Delivery::Failed,
                Some("the contact has no email address".into()),
                None,
            ));
        };
        // An address suppressed under a contact since erased.
        if let Some(why) = store.address_suppression(to)? {
            return Ok((
                Delivery::Suppressed,
                Some(format!("suppressed: {why}")),
                None,
            ));
        }

        let journey = program.journeys.iter().find(|j| j.code.name == row.journey);
        let from = journey.and_then(|j| j.from.as_deref()).unwrap_or_default();
        let reply_to = journey.and_then(|j| j.reply_to.as_deref());
        let message = MessageRef {
            outbox: row.id,
            key: &row.key,
        };
        let urls = self.setup.tracker.message(email, message, now);
        let view = View {
            contact: &view_values,
            links: &urls.links,
            unsubscribe_url: Some(&urls.unsubscribe_url),
        };
        let mut rendered = match self.templates.render(email, &view) {
            Ok(rendered) => rendered,
            Err(error) => return Ok((Delivery::Failed, Some(error.to_string()), None)),
        };
        if email.marketing {
            rendered.list_unsubscribe = Some(urls.list_unsubscribe);
        }
        if let Some(pixel) = &urls.pixel {
            add_open_pixel(&mut rendered, pixel);
        }
        let letter = Letter {
            from,
            reply_to,
            to,
            idempotency_key: &row.key,
            now,
        };
        let message = match compose_signed(&rendered, &letter, self.setup.dkim.as_ref()) {
            Ok(message) => message,
            Err(error) => return Ok((Delivery::Failed, Some(error.to_string()), None)),
        };

        let message_id = Some(message.message_id().to_string());
        Ok(match self.transport.send(&message) {
            Ok(()) => (Delivery::Sent, None, message_id),
            Err(SendError::Permanent(reason)) => (Delivery::Failed, Some(reason), message_id),
            Err(SendError::Temporary(reason)) if row.attempts + 1 >= MAX_ATTEMPTS => (
                Delivery::Failed,
                Some(format!("gave up after {MAX_ATTEMPTS} tries: {reason}")),
                message_id,
            ),
            Err(SendError::Temporary(reason)) => {
                let backoff = 60 << row.attempts.clamp(0, 20);
                (
                    Delivery::Retry { at: now + backoff },
                    Some(reason),
                    message_id,
                )
            }
            Err(SendError::Config(reason)) => return Err(EngineError::Mail(reason)),
        })
    }
}
