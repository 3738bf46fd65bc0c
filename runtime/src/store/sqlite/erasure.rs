//! Erasure of a contact: the right to be forgotten, as `DELETE
//! /v1/contacts/{id}` asks for it.
//!
//! What goes, in one transaction: the contact's fields, zone and external
//! id (which may be a record number), its list and segment memberships,
//! scheduled date entries and consent, its tracking hits not yet settled,
//! the data of its events and updates
//! (opens and clicks keep only which email and link, which say nothing
//! about the person). Its active runs end as `erased`, and its queued
//! emails are suppressed, so nothing more is sent.
//!
//! What stays: the row itself under its opaque store id, with
//! `external_id` set to `erased:<id>`; its runs, outbox rows and
//! happenings without personal data, so that reports keep their counts;
//! its suppressions; and the audit log, which names contacts by opaque id
//! only.
//!
//! An erased address must not be mailed again if it comes back (a new
//! import, a contact created again): a contact that was unsubscribed or
//! bounced leaves, for each reason, a row in `address_suppressions` keyed
//! by the HMAC-SHA256 of its normalised `email` field (trimmed, lower
//! case) under a key the store made for itself (`store_keys`). Delivery
//! looks the address of every email up there ([`SqliteStore::
//! address_suppression`]). The hash cannot be read back into the address
//! without the key, and one store's hashes mean nothing in another; but
//! whoever holds the database file holds the key too and can test a
//! guessed address against it, which is what the check itself needs.
//!
//! Nothing of what goes stays readable on disk. The store's connections
//! run with `secure_delete`, so SQLite zeroes the bytes it frees (the old
//! row, its index entries, freed pages); and after the erasure commits, the
//! write-ahead log, which still holds earlier images of the pages the
//! values were on, is copied into the database and cut to nothing
//! (`wal_checkpoint(TRUNCATE)`). That checkpoint waits for readers of the
//! old log; while one holds it past [`LOG_WIPE_TRIES`] the log is left as
//! it is, a warning is logged, and the next erasure or delivery's
//! checkpoint overwrites it. What a filesystem or disk keeps of blocks
//! freed by the truncation is beyond SQLite's reach (full-disk encryption
//! covers it). Free space written before `secure_delete` was on (an older
//! store) is cleared once by `VACUUM`.

use super::contacts::write_audit;
use super::*;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What an erasure did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Erased {
    pub runs_ended: u64,
    pub emails_suppressed: u64,
}

/// How many times an erasure tries to empty the write-ahead log while
/// readers of it hold it, each try waiting as the connection's busy
/// handler does.
pub const LOG_WIPE_TRIES: u32 = 5;

/// The external id an erased contact keeps: unique, and nothing personal.
pub fn erased_id(contact: ContactId) -> String {
    format!("erased:{contact}")
}

impl SqliteStore {
    /// Erases `contact`'s personal data; `None` when there is no such
    /// contact or it was erased before. The erasure is audited as done by
    /// `actor`.
    pub fn erase_contact(
        &mut self,
        contact: ContactId,
        actor: &str,
        now: i64,
    ) -> Result<Option<Erased>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        keep_address_suppressions(&tx, contact)?;
        let erased = erased_id(contact);
        let changed = tx.execute(
            "UPDATE contacts SET external_id = ?2, fields = '{}', zone = NULL, updated_at = ?3 \
             WHERE id = ?1 AND external_id != ?2",
            params![contact, erased, now],
        )?;
        if changed == 0 {
            return Ok(None);
        }

        for sql in [
            "DELETE FROM list_members WHERE contact = ?1",
            "DELETE FROM segment_members WHERE contact = ?1",
            "DELETE FROM date_entries WHERE contact = ?1",
            "DELETE FROM consent WHERE contact = ?1",
            "UPDATE happenings SET data = NULL WHERE contact = ?1",
            // Hits not yet handed to the engine never are.
            "DELETE FROM tracking_hits WHERE settled = 0 \
             AND outbox IN (SELECT id FROM outbox WHERE contact = ?1)",
            // A mail server's refusal may quote the address.
            "UPDATE outbox SET reason = 'failed (the reason went with the erased contact)' \
             WHERE contact = ?1 AND status = 'failed'",
        ] {
            tx.execute(sql, [contact])?;
        }
        // The version moves, so an engine that read the run before the
        // erasure loses its commit instead of reviving the run.
        let runs_ended = tx.execute(
            "UPDATE runs SET active = 0, end_reason = 'erased', ended_at = ?2, wake_at = NULL, \
             version = version + 1 WHERE contact = ?1 AND active = 1",
            params![contact, now],
        )? as u64;
        let emails_suppressed = tx.execute(
            "UPDATE outbox SET status = 'suppressed', reason = 'the contact was erased', \
             lease_until = NULL WHERE contact = ?1 AND status = 'queued'",
            [contact],
        )? as u64;
        let detail = format!("{runs_ended} runs ended, {emails_suppressed} emails suppressed");
        write_audit(&tx, now, actor, "contact_erase", Some(contact), &detail)?;
        tx.commit()?;

        if !self.empty_log()? {
            tracing::warn!(contact, "erasure_log_not_emptied");
        }
        Ok(Some(Erased {
            runs_ended,
            emails_suppressed,
        }))
    }

    /// Why mail to `address` is suppressed since a contact with it was
    /// erased (unsubscribed, bounced), if it is.
    pub fn address_suppression(&self, address: &str) -> Result<Option<String>> {
        let hash = address_hash(&self.conn, address)?;
        Ok(self
            .conn
            .prepare_cached(
                "SELECT reason FROM address_suppressions WHERE hash = ?1 ORDER BY at LIMIT 1",
            )?
            .query_row([hash], |r| r.get(0))
            .optional()?)
    }

    /// Copies the write-ahead log into the database and truncates it to
    /// nothing; `false` when readers of the log kept it through every try.
    fn empty_log(&mut self) -> Result<bool> {
        for _ in 0..LOG_WIPE_TRIES {
            let busy: i64 = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
            if busy == 0 {
                return Ok(true);
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        Ok(false)
    }
}

/// Keeps `contact`'s suppressions under its address's hash, before its
/// fields go. Only when it has both: nothing is kept of a contact that
/// could be mailed.
fn keep_address_suppressions(conn: &Connection, contact: ContactId) -> Result<()> {
    let fields: Option<String> = conn
        .query_row(
            "SELECT fields FROM contacts WHERE id = ?1",
            [contact],
            |r| r.get(0),
        )
        .optional()?;
    let address = fields
        .as_deref()
        .and_then(|text| from_json(text).ok())
        .and_then(|fields| fields.get("email")?.as_str().map(str::to_string));
    let Some(address) = address else {
        return Ok(());
    };
    let hash = address_hash(conn, &address)?;
    conn.execute(
        "INSERT OR IGNORE INTO address_suppressions (hash, reason, at) \
         SELECT ?2, reason, at FROM suppressions WHERE contact = ?1",
        params![contact, hash],
    )?;
    Ok(())
}

/// The keyed hash an address is suppressed under.
fn address_hash(conn: &Connection, address: &str) -> Result<Vec<u8>> {
    let key: Vec<u8> = conn
        .prepare_cached("SELECT key FROM store_keys WHERE name = 'address_suppression'")?
        .query_row([], |r| r.get(0))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("any key length");
    mac.update(address.trim().to_lowercase().as_bytes());
    Ok(mac.finalize().into_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erasure_keeps_the_opaque_id_and_nothing_personal() {
        let mut store = SqliteStore::in_memory().unwrap();
        let mut fields = Json::new();
        fields.insert("first_name".into(), "Wilhelmina".into());
        let write = ContactWrite {
            external_id: "MRN-0042".into(),
            fields,
            zone: Some("America/Chicago".into()),
            lists: vec!["patients".into()],
            segments: vec!["engaged".into()],
        };
        store.import_contacts(&[write], 1).unwrap();
        let id = store.contact_id("MRN-0042").unwrap().unwrap();
        let mut data = Json::new();
        data.insert("diagnosis".into(), "rare condition".into());
        store
            .record(&Happening {
                contact: id,
                at: 2,
                kind: HappeningKind::Event,
                name: Some("visit".into()),
                link: None,
                data: Some(data),
                automated: false,
            })
            .unwrap();

        assert_eq!(
            store.erase_contact(id, "token 1", 3).unwrap(),
            Some(Erased::default())
        );
        assert_eq!(store.erase_contact(id, "token 1", 4).unwrap(), None);
        assert_eq!(store.contact_id("MRN-0042").unwrap(), None);
        let stored = store.contact(id).unwrap().unwrap();
        assert_eq!(stored.external_id, "erased:1");
        assert!(stored.fields.is_empty() && stored.zone.is_none());
        assert!(stored.segments.is_empty());
        assert!(store.list_members("patients").unwrap().is_empty());
        assert_eq!(store.happenings(id).unwrap()[0].data, None);

        let dump: String = store
            .connection()
            .query_row(
                "SELECT group_concat(coalesce(actor, '') || action || coalesce(detail, ''), '|') \
                 FROM audit",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(dump.contains("contact_erase"));
        for personal in ["MRN-0042", "Wilhelmina", "rare condition"] {
            assert!(!dump.contains(personal));
        }
    }
}
