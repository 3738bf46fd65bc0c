//! [`Store`]: everything the engine asks of storage, and nothing else.
//!
//! The engine (`crate::engine`: entries, steps, wakes, date entries and
//! delivery) reaches its state through this trait only, so that a second
//! backend (a server database shared by several engine processes) is a
//! second implementation of it. Its signatures use the store's own types,
//! never a database library's. What only one backend has (SQLite's
//! connection, its checkpoints, the API's token and audit queries) stays on
//! that backend's type, and its callers name that type.

use super::*;

/// The engine's storage. Every method is one unit of work, atomic on its
/// own unless it runs inside a batch ([`Store::begin_batch`]), whose writes
/// are all kept or all dropped together.
pub trait Store {
    // ------------------------------------------------------- deployments --

    /// The newest deployment and its artifact, if any was deployed.
    fn latest_deployment(&self) -> Result<Option<(DeploymentId, Vec<u8>)>>;

    /// The artifact of a deployment.
    fn deployment(&self, id: DeploymentId) -> Result<Vec<u8>>;

    // ---------------------------------------------------------- contacts --

    /// Up to `limit` members of a list or segment after the contact
    /// `after`, in id order. Start with `after = 0`; the next page starts
    /// after the last id of this one.
    fn members_page(
        &self,
        members: Members,
        after: ContactId,
        limit: usize,
    ) -> Result<Vec<ContactId>>;

    /// Up to `limit` contacts after the contact `after`, in id order.
    fn contacts_page(&self, after: ContactId, limit: usize) -> Result<Vec<ContactId>>;

    /// The contacts `ids` as the engine reads them, in id order, each once;
    /// an id with no contact is left out.
    fn engine_contacts(&self, ids: &[ContactId]) -> Result<Vec<ContactRow>>;

    /// One contact with its fields, as delivery reads it.
    fn contact(&self, id: ContactId) -> Result<Option<StoredContact>>;

    /// Sets the zone the engine schedules a contact's waits in.
    fn set_zone(&mut self, contact: ContactId, zone: Option<&str>) -> Result<()>;

    /// Records a happening; an update also changes the contact's fields.
    fn record(&mut self, happening: &Happening) -> Result<()>;

    /// Records happenings (updates change their contact's fields, in
    /// order) with the audit rows that go with them: inside the open
    /// batch, or as one unit of their own when none is open.
    fn write_records(
        &mut self,
        happenings: &[Happening],
        audit: &[AuditEntry],
        now: i64,
    ) -> Result<()>;

    // -------------------------------------------------------------- runs --

    /// What an entry into `journey` must know of each of `contacts`' runs
    /// of it, in the order of `contacts` (duplicates included).
    fn entry_statuses(&self, journey: &str, contacts: &[ContactId]) -> Result<Vec<EntryStatus>>;

    /// Up to `limit` active runs whose timer is due at `now`, earliest
    /// first.
    fn due_runs(&self, now: i64, limit: usize) -> Result<Vec<RunRow>>;

    /// The contact's active runs that wait for a happening of a kind in
    /// `wakes` (bits of `crate::vm::Wakes`).
    fn runs_woken_by(&self, contact: ContactId, wakes: u8) -> Result<Vec<RunRow>>;

    /// Every active run of a contact.
    fn active_runs(&self, contact: ContactId) -> Result<Vec<RunRow>>;

    /// The earliest timer of any active run.
    fn next_wake(&self) -> Result<Option<i64>>;

    // ---------------------------------------------------- batches, steps --

    /// Opens a batch: what follows, reads and writes, is one unit, kept by
    /// [`Store::finish_batch`] or dropped by [`Store::abandon_batch`], and
    /// no other engine writes between its reads and its commits.
    fn begin_batch(&mut self) -> Result<()>;

    /// Opens a batch as [`Store::begin_batch`] does, for bulk work (many
    /// steps): the store may set it up for that, at some cost per batch
    /// (the SQLite store leaves out its foreign-key checks; see
    /// `SqliteStore::begin_bulk_batch`).
    fn begin_bulk_batch(&mut self) -> Result<()> {
        self.begin_batch()
    }

    /// Keeps everything the open batch wrote.
    fn finish_batch(&mut self) -> Result<()>;

    /// Drops everything the open batch wrote, if one is open.
    fn abandon_batch(&mut self) -> Result<()>;

    /// Writes steps, each wholly (its run's new state, its emails in the
    /// outbox under their idempotency keys, its segment changes and step
    /// counts) or, when its run changed meanwhile or its entry is stale,
    /// not at all ([`CommitOutcome::Lost`]). Inside a batch the writes are
    /// the batch's.
    fn commit_all(&mut self, commits: &[StepCommit]) -> Result<Vec<CommitOutcome>>;

    /// Writes one step, as [`Store::commit_all`] writes each.
    fn commit(&mut self, commit: &StepCommit) -> Result<CommitOutcome> {
        let outcomes = self.commit_all(std::slice::from_ref(commit))?;
        Ok(outcomes[0])
    }

    // ------------------------------------------------------- date entries --

    /// Up to `limit` contacts with no date entry scheduled for `journey`,
    /// in id order.
    fn unscheduled_for_date(&self, journey: &str, limit: usize) -> Result<Vec<ContactId>>;

    /// Schedules (or moves) a contact's next date entry into `journey`;
    /// `i64::MAX` is "never".
    fn schedule_date_entry(&mut self, journey: &str, contact: ContactId, due_at: i64)
        -> Result<()>;

    /// Forgets a contact's date entries, to schedule them again.
    fn forget_date_entries(&mut self, contact: ContactId) -> Result<()>;

    /// Up to `limit` date entries due at `now`: (journey, contact, due_at).
    fn due_date_entries(&self, now: i64, limit: usize) -> Result<Vec<(String, ContactId, i64)>>;

    /// The earliest scheduled date entry.
    fn next_date_entry(&self) -> Result<Option<i64>>;

    // ------------------------------------------------------------ outbox --

    /// Claims up to `limit` emails due at `now` (the engine's clock) for
    /// sending, highest journey priority first, then the oldest, together
    /// with claims whose lease lapsed at `real_now` (the machine's clock).
    /// A claim is leased for `lease` seconds of real time; no other engine
    /// takes the email meanwhile.
    fn claim_outbox(
        &mut self,
        now: i64,
        limit: usize,
        real_now: i64,
        lease: i64,
    ) -> Result<Vec<OutboxRow>>;

    /// Gives claimed emails back, untried.
    fn release_claims(&mut self, ids: &[i64]) -> Result<()>;

    /// Records what became of one claimed email. A `Sent` mark is durable
    /// when this returns: it must survive a power loss, or the email would
    /// be sent again.
    fn settle(
        &mut self,
        id: i64,
        delivery: Delivery,
        reason: Option<&str>,
        message_id: Option<&str>,
        now: i64,
    ) -> Result<()>;

    /// When the next email is due on the engine's clock, counting claims
    /// whose lease lapsed at `real_now` as due at once.
    fn next_outbox_due(&self, real_now: i64) -> Result<Option<i64>>;

    // ------------------------------------------- consent and suppression --

    /// The contact's marketing authorisation.
    fn consent(&self, contact: ContactId) -> Result<Consent>;

    /// Why the contact gets no mail at all, if it is suppressed.
    fn suppression(&self, contact: ContactId) -> Result<Option<String>>;

    /// Why an address gets no mail, if it was suppressed under a contact
    /// since erased.
    fn address_suppression(&self, address: &str) -> Result<Option<String>>;
}
