//! The SQLite store as the engine's [`Store`].
//!
//! A trait's implementation is one block, while the SQLite store keeps one
//! module per kind of state (`runs`, `outbox`, ...): each method here hands
//! over to the inherent method of the same name in that module, which says
//! how SQLite does it. The inherent methods stay callable without the
//! trait, for the callers that hold a [`SqliteStore`] anyway (the commands,
//! the server, tests).

use super::*;

impl Store for SqliteStore {
    fn latest_deployment(&self) -> Result<Option<(DeploymentId, Vec<u8>)>> {
        SqliteStore::latest_deployment(self)
    }

    fn deployment(&self, id: DeploymentId) -> Result<Vec<u8>> {
        SqliteStore::deployment(self, id)
    }

    fn members_page(
        &self,
        members: Members,
        after: ContactId,
        limit: usize,
    ) -> Result<Vec<ContactId>> {
        SqliteStore::members_page(self, members, after, limit)
    }

    fn contacts_page(&self, after: ContactId, limit: usize) -> Result<Vec<ContactId>> {
        SqliteStore::contacts_page(self, after, limit)
    }

    fn engine_contacts(&self, ids: &[ContactId]) -> Result<Vec<ContactRow>> {
        SqliteStore::engine_contacts(self, ids)
    }

    fn contact(&self, id: ContactId) -> Result<Option<StoredContact>> {
        SqliteStore::contact(self, id)
    }

    fn set_zone(&mut self, contact: ContactId, zone: Option<&str>) -> Result<()> {
        SqliteStore::set_zone(self, contact, zone)
    }

    fn record(&mut self, happening: &Happening) -> Result<()> {
        SqliteStore::record(self, happening)
    }

    fn write_records(
        &mut self,
        happenings: &[Happening],
        audit: &[AuditEntry],
        now: i64,
    ) -> Result<()> {
        SqliteStore::write_records(self, happenings, audit, now)
    }

    fn entry_statuses(&self, journey: &str, contacts: &[ContactId]) -> Result<Vec<EntryStatus>> {
        SqliteStore::entry_statuses(self, journey, contacts)
    }

    fn due_runs(&self, now: i64, limit: usize) -> Result<Vec<RunRow>> {
        SqliteStore::due_runs(self, now, limit)
    }

    fn runs_woken_by(&self, contact: ContactId, wakes: u8) -> Result<Vec<RunRow>> {
        SqliteStore::runs_woken_by(self, contact, wakes)
    }

    fn active_runs(&self, contact: ContactId) -> Result<Vec<RunRow>> {
        SqliteStore::active_runs(self, contact)
    }

    fn next_wake(&self) -> Result<Option<i64>> {
        SqliteStore::next_wake(self)
    }

    fn begin_batch(&mut self) -> Result<()> {
        SqliteStore::begin_batch(self)
    }

    fn begin_bulk_batch(&mut self) -> Result<()> {
        SqliteStore::begin_bulk_batch(self)
    }

    fn finish_batch(&mut self) -> Result<()> {
        SqliteStore::finish_batch(self)
    }

    fn abandon_batch(&mut self) -> Result<()> {
        SqliteStore::abandon_batch(self)
    }

    fn commit_all(&mut self, commits: &[StepCommit]) -> Result<Vec<CommitOutcome>> {
        SqliteStore::commit_all(self, commits)
    }

    fn unscheduled_for_date(&self, journey: &str, limit: usize) -> Result<Vec<ContactId>> {
        SqliteStore::unscheduled_for_date(self, journey, limit)
    }

    fn schedule_date_entry(
        &mut self,
        journey: &str,
        contact: ContactId,
        due_at: i64,
    ) -> Result<()> {
        SqliteStore::schedule_date_entry(self, journey, contact, due_at)
    }

    fn forget_date_entries(&mut self, contact: ContactId) -> Result<()> {
        SqliteStore::forget_date_entries(self, contact)
    }

    fn due_date_entries(&self, now: i64, limit: usize) -> Result<Vec<(String, ContactId, i64)>> {
        SqliteStore::due_date_entries(self, now, limit)
    }

    fn next_date_entry(&self) -> Result<Option<i64>> {
        SqliteStore::next_date_entry(self)
    }

    fn claim_outbox(
        &mut self,
        now: i64,
        limit: usize,
        real_now: i64,
        lease: i64,
    ) -> Result<Vec<OutboxRow>> {
        SqliteStore::claim_outbox(self, now, limit, real_now, lease)
    }

    fn release_claims(&mut self, ids: &[i64]) -> Result<()> {
        SqliteStore::release_claims(self, ids)
    }

    fn settle(
        &mut self,
        id: i64,
        delivery: Delivery,
        reason: Option<&str>,
        message_id: Option<&str>,
        now: i64,
    ) -> Result<()> {
        SqliteStore::settle(self, id, delivery, reason, message_id, now)
    }

    fn next_outbox_due(&self, real_now: i64) -> Result<Option<i64>> {
        SqliteStore::next_outbox_due(self, real_now)
    }

    fn consent(&self, contact: ContactId) -> Result<Consent> {
        SqliteStore::consent(self, contact)
    }

    fn suppression(&self, contact: ContactId) -> Result<Option<String>> {
        SqliteStore::suppression(self, contact)
    }

    fn address_suppression(&self, address: &str) -> Result<Option<String>> {
        SqliteStore::address_suppression(self, address)
    }
}
