//! What `journey serve`'s API asks of the store beyond the engine's own
//! needs: a contact created together with its audit row, memberships
//! added to a known contact, a contact's lists, members a page at a time,
//! and audit rows for many writes in one transaction, or with events in
//! the caller's.

use super::batch_ids::BatchIds;
use super::contacts::{upsert_contact, write_audit, write_happening};
use super::*;
use std::collections::HashSet;

/// How long a connection waits for another writer: what
/// [`SqliteStore::open`] sets, set again after a shorter wait.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl SqliteStore {
    /// Inserts a new contact (by external id) with its lists and segments,
    /// and the audit row that names it, in one transaction.
    pub fn create_contact(
        &mut self,
        contact: &ContactWrite,
        actor: &str,
        now: i64,
    ) -> Result<ContactId> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut summary = ImportSummary::default();
        let id = upsert_contact(&tx, contact, now, &mut summary)?;
        let detail = field_names(contact);
        write_audit(&tx, now, actor, "contact_create", Some(id), &detail)?;
        tx.commit()?;
        Ok(id)
    }

    /// Adds a known contact to `lists` and `segments` and writes `audit`,
    /// in one transaction. Returns the lists and segments it was not in
    /// before.
    pub fn join_audited(
        &mut self,
        contact: ContactId,
        lists: &[String],
        segments: &[String],
        audit: &AuditEntry,
        now: i64,
    ) -> Result<(Vec<String>, Vec<String>)> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut joined_lists = Vec::new();
        let mut joined_segments = Vec::new();
        {
            let mut join_list = tx.prepare_cached(
                "INSERT OR IGNORE INTO list_members (list, contact, joined_at) \
                 VALUES (?1, ?2, ?3)",
            )?;
            for list in lists {
                if join_list.execute(params![list, contact, now])? == 1 {
                    joined_lists.push(list.clone());
                }
            }
            let mut join_segment = tx.prepare_cached(
                "INSERT OR IGNORE INTO segment_members (segment, contact, joined_at) \
                 VALUES (?1, ?2, ?3)",
            )?;
            for segment in segments {
                if join_segment.execute(params![segment, contact, now])? == 1 {
                    joined_segments.push(segment.clone());
                }
            }
        }
        write_entry(&tx, audit, now)?;
        tx.commit()?;
        Ok((joined_lists, joined_segments))
    }

    /// Writes audit rows, all in one transaction.
    pub fn audit_all(&mut self, entries: &[AuditEntry], now: i64) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for entry in entries {
            write_entry(&tx, entry, now)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Records happenings (an update also changes its contact's fields, in
    /// order) and the audit rows that go with them, inside the transaction
    /// the caller has open (see [`SqliteStore::begin_batch`]), which
    /// commits them with what they cause; in one of their own if none is.
    pub fn write_records(
        &mut self,
        happenings: &[Happening],
        audit: &[AuditEntry],
        now: i64,
    ) -> Result<()> {
        if self.conn.is_autocommit() {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            write_records(&tx, happenings, audit, now)?;
            tx.commit()?;
            return Ok(());
        }
        write_records(&self.conn, happenings, audit, now)
    }

    /// Makes this connection wait for another writer (delivery's thread,
    /// another process) in short steps: 50 us at first, a millisecond
    /// after 5 ms, giving up after about 10 s, as the store's busy timeout
    /// does.
    /// SQLite's own busy timeout sleeps a millisecond or more from the
    /// first retry, which is the whole latency budget of an API request,
    /// though the other writer's transaction is usually over in tens of
    /// microseconds.
    pub fn wait_briefly_when_busy(&mut self) -> Result<()> {
        const SHORT: std::time::Duration = std::time::Duration::from_micros(50);
        const SHORT_TRIES: i32 = 100;
        const LONG: std::time::Duration = std::time::Duration::from_millis(1);
        const LONG_TRIES: i32 = 10_000;
        self.conn.busy_handler(Some(|tries: i32| {
            match tries {
                0..SHORT_TRIES => std::thread::sleep(SHORT),
                SHORT_TRIES..LONG_TRIES => std::thread::sleep(LONG),
                _ => return false,
            }
            true
        }))?;
        Ok(())
    }

    /// Copies the write-ahead log into the database, then lets the next
    /// commit write the log from its beginning again; `true` when it
    /// will. The copy is a passive checkpoint, beside the writer; the
    /// restart then copies what was committed meanwhile and waits for
    /// readers of the old log, holding off writers while it does, so it
    /// waits at most about a millisecond for them and gives up until the
    /// next call otherwise.
    ///
    /// Without the restart, a log written to without pause is never
    /// copied whole at any one moment, so it is never started again: it
    /// grows without end, and every commit lengthens the file (an
    /// `fsync` of a growing file costs more than of one written over).
    pub fn checkpoint_and_restart(&mut self) -> Result<bool> {
        let checkpoint = |conn: &Connection, mode: &str| {
            conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
                r.get::<_, i64>(0)
            })
        };
        checkpoint(&self.conn, "PASSIVE")?;

        self.conn.busy_handler(Some(|tries: i32| {
            std::thread::sleep(std::time::Duration::from_micros(50));
            tries < 20
        }))?;
        let busy = checkpoint(&self.conn, "RESTART");
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        Ok(busy? == 0)
    }

    /// The contact with this opaque id, unless there is none or it was
    /// erased: one row by its key, no fields read.
    pub fn live_contact(&self, id: ContactId) -> Result<Option<ContactId>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id FROM contacts WHERE id = ?1 AND external_id NOT LIKE 'erased:%'",
            )?
            .query_row([id], |r| r.get(0))
            .optional()?)
    }

    /// When an active run wakes, and what wakes it, as stored; `None` when
    /// it is not active.
    pub fn run_timer(&self, run: RunId) -> Result<Option<(Option<i64>, u8)>> {
        Ok(self
            .conn
            .prepare_cached("SELECT wake_at, wakes FROM runs WHERE id = ?1 AND active = 1")?
            .query_row([run], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    /// Which of `ids` are contacts that were not erased: one statement
    /// for a whole batch of events (see [`BatchIds`]).
    pub fn live_contacts(&self, ids: &[ContactId]) -> Result<HashSet<ContactId>> {
        let batch = BatchIds::new(ids);
        if batch.is_empty() {
            return Ok(HashSet::new());
        }
        let (sql, params) = batch.statement(
            "SELECT id FROM contacts WHERE id {ids} AND external_id NOT LIKE 'erased:%'",
            &[],
        );
        let mut query = self.conn.prepare_cached(&sql)?;
        let mut rows = query.query(params.as_slice())?;
        let mut live = HashSet::with_capacity(ids.len());
        while let Some(row) = rows.next()? {
            let id = row.get(0)?;
            if batch.contains(id) {
                live.insert(id);
            }
        }
        Ok(live)
    }

    /// The contact with this external id, by a kept statement.
    pub fn contact_by_external(&self, external_id: &str) -> Result<Option<ContactId>> {
        Ok(self
            .conn
            .prepare_cached("SELECT id FROM contacts WHERE external_id = ?1")?
            .query_row([external_id], |r| r.get(0))
            .optional()?)
    }

    /// The lists a contact is on, by name.
    pub fn contact_lists(&self, contact: ContactId) -> Result<Vec<String>> {
        let mut query = self
            .conn
            .prepare_cached("SELECT list FROM list_members WHERE contact = ?1 ORDER BY list")?;
        let lists = query
            .query_map([contact], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(lists)
    }

    /// Up to `limit` members of `segment` after the contact `after`, with
    /// their external ids, in id order (see
    /// [`SqliteStore::list_members_page`]).
    pub fn segment_page(
        &self,
        segment: &str,
        after: ContactId,
        limit: usize,
    ) -> Result<Vec<(ContactId, String)>> {
        let mut query = self.conn.prepare_cached(
            "SELECT s.contact, c.external_id FROM segment_members s \
             JOIN contacts c ON c.id = s.contact \
             WHERE s.segment = ?1 AND s.contact > ?2 ORDER BY s.contact LIMIT ?3",
        )?;
        let page = query
            .query_map(params![segment, after, limit as i64], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(page)
    }
}

fn write_records(
    conn: &Connection,
    happenings: &[Happening],
    audit: &[AuditEntry],
    now: i64,
) -> Result<()> {
    for entry in audit {
        write_entry(conn, entry, now)?;
    }
    for happening in happenings {
        write_happening(conn, happening)?;
    }
    Ok(())
}

fn write_entry(conn: &Connection, entry: &AuditEntry, now: i64) -> Result<()> {
    // Kept statement: a batch of events writes one row per event.
    conn.prepare_cached(
        "INSERT INTO audit (at, actor, action, contact, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        now,
        entry.actor,
        entry.action,
        entry.contact,
        entry.detail
    ])?;
    Ok(())
}

/// An audit detail that names the fields written, never their values.
fn field_names(contact: &ContactWrite) -> String {
    let names: Vec<&str> = contact.fields.keys().map(String::as_str).collect();
    format!("fields: {}", names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(id: &str) -> ContactWrite {
        let mut fields = Json::new();
        fields.insert("first_name".into(), "Ottoline".into());
        ContactWrite {
            external_id: id.into(),
            fields,
            zone: None,
            lists: vec!["patients".into()],
            segments: vec![],
        }
    }

    #[test]
    fn live_contacts_leaves_out_the_unknown_and_the_erased() {
        let mut store = SqliteStore::in_memory().unwrap();
        let ids: Vec<ContactId> = (0..6)
            .map(|n| {
                store
                    .create_contact(&contact(&format!("P-{n}")), "token 1 (crm)", 5)
                    .unwrap()
            })
            .collect();
        store.erase_contact(ids[2], "token 1 (crm)", 6).unwrap();

        // Dense (read as a range, ids between skipped) and sparse (id by
        // id), with a repeat and an id no contact has.
        let dense = [ids[0], ids[2], ids[3], ids[3]];
        let sparse = [ids[1], ids[5], 1_000_000];
        let live = store.live_contacts(&dense).unwrap();
        assert_eq!(live, HashSet::from([ids[0], ids[3]]));
        let live = store.live_contacts(&sparse).unwrap();
        assert_eq!(live, HashSet::from([ids[1], ids[5]]));
        assert!(store.live_contacts(&[]).unwrap().is_empty());
        for id in ids {
            let one = store.live_contact(id).unwrap().is_some();
            assert_eq!(one, store.live_contacts(&[id]).unwrap().contains(&id));
        }
    }

    #[test]
    fn a_created_contact_has_its_audit_row_and_joins_only_once() {
        let mut store = SqliteStore::in_memory().unwrap();
        let id = store
            .create_contact(&contact("P-1"), "token 1 (crm)", 5)
            .unwrap();
        let audit: (String, String, i64, String) = store
            .connection()
            .query_row(
                "SELECT actor, action, contact, detail FROM audit",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(
            audit,
            (
                "token 1 (crm)".into(),
                "contact_create".into(),
                id,
                "fields: first_name".into()
            )
        );

        let entry = AuditEntry {
            actor: "token 1 (crm)".into(),
            action: "contact_update".into(),
            contact: Some(id),
            detail: String::new(),
        };
        let lists = ["patients".to_string(), "renewal".to_string()];
        let segments = ["engaged".to_string()];
        let joined = store
            .join_audited(id, &lists, &segments, &entry, 6)
            .unwrap();
        assert_eq!(joined, (vec!["renewal".into()], vec!["engaged".into()]));
        assert_eq!(store.contact_lists(id).unwrap(), lists);
        assert_eq!(
            store.segment_page("engaged", 0, 10).unwrap(),
            vec![(id, "P-1".into())]
        );
        assert!(store.segment_page("engaged", id, 10).unwrap().is_empty());
    }
}
