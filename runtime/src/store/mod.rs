//! The engine's durable state, behind one interface.
//!
//! [`Store`] is everything the engine asks of storage: deployed programs,
//! contacts as the engine reads them, runs, batches of steps and their
//! commits, date entries, the outbox, consent and suppression. The one
//! implementation today is [`sqlite::SqliteStore`] (one file, WAL), which
//! also has what only the commands and the server use (imports, reports,
//! erasure, API tokens, audit queries); a server database for several
//! engine processes would be a second implementation of the same trait.
//!
//! The rule that keeps effects exactly-once: a step's new run state and all
//! of its effects are written by one [`Store::commit`] (or as one step of
//! [`Store::commit_all`]), in one transaction, guarded by the run's version
//! (so two engines cannot both advance a run) and by the outbox's
//! idempotency keys (so a step's email is queued at most once).

mod interface;
pub mod schema;
pub mod sqlite;

pub use interface::Store;

use std::fmt;
use std::sync::Arc;

pub type ContactId = i64;
pub type RunId = i64;
pub type DeploymentId = i64;

#[derive(Debug)]
pub enum StoreError {
    Sqlite(rusqlite::Error),
    /// The database was written by a newer `journey`.
    NewerSchema {
        found: i64,
        known: i64,
    },
    Corrupt(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Sqlite(e) => write!(f, "database error: {e}"),
            StoreError::NewerSchema { found, known } => write!(
                f,
                "the database has schema version {found}, this journey knows up to {known}: \
                 upgrade journey"
            ),
            StoreError::Corrupt(why) => write!(f, "the database holds something unreadable: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e)
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A contact to insert or update, by external id.
#[derive(Clone, Debug)]
pub struct ContactWrite {
    pub external_id: String,
    /// Field values by name, as JSON.
    pub fields: serde_json::Map<String, serde_json::Value>,
    pub zone: Option<String>,
    pub lists: Vec<String>,
    pub segments: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub inserted: u64,
    pub updated: u64,
}

/// The members of a list or of a segment, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Members<'a> {
    List(&'a str),
    Segment(&'a str),
}

/// A contact as the engine reads it to take a step: its fields as the
/// stored JSON object text (the engine reads the fields its program
/// declares straight from it), its zone, segments and happenings.
#[derive(Clone, Debug)]
pub struct ContactRow {
    pub id: ContactId,
    pub external_id: String,
    pub fields: String,
    pub zone: Option<String>,
    pub segments: Vec<String>,
    /// In time order.
    pub happenings: Vec<Happening>,
}

#[derive(Clone, Debug)]
pub struct StoredContact {
    pub id: ContactId,
    pub external_id: String,
    pub fields: serde_json::Map<String, serde_json::Value>,
    pub zone: Option<String>,
    pub segments: Vec<String>,
}

/// Something that happened to a contact.
#[derive(Clone, Debug, PartialEq)]
pub struct Happening {
    pub contact: ContactId,
    pub at: i64,
    pub kind: HappeningKind,
    /// The email (open, click) or event name.
    pub name: Option<String>,
    pub link: Option<String>,
    /// Event fields or updated contact fields, as a JSON object.
    pub data: Option<serde_json::Map<String, serde_json::Value>>,
    pub automated: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HappeningKind {
    Open,
    Click,
    Event,
    Update,
}

impl HappeningKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HappeningKind::Open => "open",
            HappeningKind::Click => "click",
            HappeningKind::Event => "event",
            HappeningKind::Update => "update",
        }
    }

    pub fn parse(text: &str) -> Option<HappeningKind> {
        match text {
            "open" => Some(HappeningKind::Open),
            "click" => Some(HappeningKind::Click),
            "event" => Some(HappeningKind::Event),
            "update" => Some(HappeningKind::Update),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct RunRow {
    pub id: RunId,
    pub contact: ContactId,
    pub journey: String,
    pub deployment: DeploymentId,
    pub state: Vec<u8>,
    pub version: i64,
}

/// What an entry into a journey must know about the contact's runs of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryStatus {
    /// The contact is in a run of the journey now.
    pub in_run: bool,
    /// When its last ended run of the journey ended.
    pub last_end: Option<i64>,
    /// Its newest run of the journey, active or ended.
    pub newest: Option<RunId>,
}

/// Which run a commit writes.
#[derive(Clone, Debug)]
pub enum RunWrite {
    /// A new run.
    New {
        contact: ContactId,
        journey: Arc<str>,
        deployment: DeploymentId,
        entered_at: i64,
        /// The contact's newest run of the journey when the engine decided
        /// to enter it. If another run was added since (another engine
        /// entered the contact at the same moment), the entry is lost: it
        /// was decided without that run. So is an entry while the contact
        /// is in an active run of the journey, however it was decided.
        newest: Option<RunId>,
    },
    /// An existing run of `contact`, expected at `version`.
    Existing {
        id: RunId,
        contact: ContactId,
        version: i64,
    },
}

/// An email a step queues.
#[derive(Clone, Debug)]
pub struct QueuedEmail {
    /// The step's stable id, for the idempotency key and reports.
    pub step: Arc<str>,
    pub email: Arc<str>,
    pub priority: i64,
}

/// Everything one VM call produced for one run, written together. Its
/// names (journey, steps, emails) are shared with the engine's table of
/// the program's names, so that a step copies none of them.
#[derive(Clone, Debug)]
pub struct StepCommit {
    pub run: RunWrite,
    pub journey: Arc<str>,
    pub state: Vec<u8>,
    pub active: bool,
    pub end_reason: Option<String>,
    pub wake_at: Option<i64>,
    pub wakes: u8,
    pub now: i64,
    pub emails: Vec<QueuedEmail>,
    pub segment_adds: Vec<String>,
    pub segment_removes: Vec<String>,
    /// Step ids arrived at, and the step the run ended at.
    pub arrived: Vec<Arc<str>>,
    pub ended_at_step: Option<Arc<str>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommitOutcome {
    Committed(RunId),
    /// Another engine advanced (or created) the run first; nothing written.
    Lost,
}

#[derive(Clone, Debug)]
pub struct OutboxRow {
    pub id: i64,
    pub key: String,
    pub contact: ContactId,
    pub journey: String,
    pub step: String,
    pub email: String,
    pub attempts: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// Not sent on purpose (consent, suppression); not retried.
    Suppressed,
    /// Failed for good (a bad address); not retried.
    Failed,
    /// Failed for now; tried again at the given instant.
    Retry {
        at: i64,
    },
}

/// Marketing authorisation of one contact.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Consent {
    pub granted_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl Consent {
    /// Valid at `now`: granted, not yet expired, not revoked.
    pub fn valid_at(&self, now: i64) -> bool {
        self.granted_at.is_some_and(|g| g <= now)
            && self.expires_at.is_none_or(|e| now < e)
            && self.revoked_at.is_none_or(|r| now < r)
    }

    /// Granted, and not revoked since (expiry aside): what a "revoke now"
    /// revokes and a "grant now" leaves alone.
    pub fn granted_and_unrevoked(&self) -> bool {
        self.granted_at
            .is_some_and(|g| self.revoked_at.is_none_or(|r| g > r))
    }

    /// This consent after a change (a contacts file's row, an API request)
    /// that grants at `granted`, revokes at `revoked` and sets the expiry
    /// to `expires_at`, each when given. The latest grant and the latest
    /// revocation count, so a stale grant never undoes a newer revocation;
    /// a grant after the revocation lifts it.
    pub fn changed(
        self,
        granted: Option<i64>,
        revoked: Option<i64>,
        expires_at: Option<i64>,
    ) -> Self {
        let granted_at = self.granted_at.max(granted);
        let revoked_at = match (granted_at, self.revoked_at.max(revoked)) {
            (Some(g), Some(r)) if g > r => None,
            (_, revoked_at) => revoked_at,
        };
        Consent {
            granted_at,
            expires_at: expires_at.or(self.expires_at),
            revoked_at,
        }
    }
}

/// One audit row: who did what, to which contact (by opaque id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub actor: String,
    pub action: String,
    pub contact: Option<ContactId>,
    pub detail: String,
}

/// Per-step figures for reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct StepReport {
    pub step: String,
    pub active: u64,
    pub arrived: u64,
    pub ended: u64,
    pub sent: u64,
    pub suppressed: u64,
    pub failed: u64,
    pub queued: u64,
}
