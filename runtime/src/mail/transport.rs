//! How a message leaves: the [`Transport`] trait and what a failure means.
//!
//! The outbox calls [`Transport::send`] once per message and acts on the
//! kind of failure:
//!
//! - [`SendError::Temporary`]: try this message again later, with backoff
//!   (SMTP 4xx, a refused or dropped connection, a timeout, a disk error);
//! - [`SendError::Permanent`]: this message can never go as it is; fail it
//!   at once and go on with the others (SMTP 5xx for its sender, recipient
//!   or content, such as a 550 for an address that does not exist);
//! - [`SendError::Config`]: the transport cannot work as configured, so no
//!   message can go until an operator fixes it: the server's certificate is
//!   not trusted, STARTTLS is required and not offered, the server refuses
//!   our credentials (535) or demands AUTH we do not do. Keep the message
//!   queued and stop delivering: marking it failed would fail the whole
//!   outbox for one typo, and retrying each message would only repeat the
//!   same refusal.
//!
//! Error texts never hold a contact's address or values: they are meant for
//! logs and reports.

use super::message::Outgoing;
use std::collections::VecDeque;
use std::fmt;
use std::sync::Mutex;

/// Delivers messages. Implementations are shared between worker threads.
pub trait Transport: Send + Sync {
    fn send(&self, message: &Outgoing) -> Result<(), SendError>;

    /// Whether messages reach people's mailboxes (SMTP does; a folder or
    /// memory does not). Marketing email that reaches people must offer a
    /// working way to unsubscribe (see `crate::tracking`).
    fn reaches_people(&self) -> bool {
        true
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendError {
    Temporary(String),
    Permanent(String),
    Config(String),
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Temporary(reason) => write!(f, "temporary failure: {reason}"),
            SendError::Permanent(reason) => write!(f, "permanent failure: {reason}"),
            SendError::Config(reason) => write!(f, "mail configuration problem: {reason}"),
        }
    }
}

impl std::error::Error for SendError {}

/// Keeps messages in memory, for tests of the outbox: it records what was
/// sent, and fails the next sends with errors queued by [`fail_next`].
///
/// [`fail_next`]: MemoryTransport::fail_next
#[derive(Debug, Default)]
pub struct MemoryTransport {
    sent: Mutex<Vec<Outgoing>>,
    failures: Mutex<VecDeque<SendError>>,
}

impl MemoryTransport {
    pub fn new() -> MemoryTransport {
        MemoryTransport::default()
    }

    /// Makes the next send fail with `error` (queued in order).
    pub fn fail_next(&self, error: SendError) {
        lock(&self.failures).push_back(error);
    }

    /// Every message sent so far, in order.
    pub fn sent(&self) -> Vec<Outgoing> {
        lock(&self.sent).clone()
    }
}

impl Transport for MemoryTransport {
    fn reaches_people(&self) -> bool {
        false
    }

    fn send(&self, message: &Outgoing) -> Result<(), SendError> {
        if let Some(error) = lock(&self.failures).pop_front() {
            return Err(error);
        }
        lock(&self.sent).push(message.clone());
        Ok(())
    }
}

/// A poisoned lock only means another test thread panicked; the data is
/// still a plain list.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
