//! The SQLite store's contacts, their happenings, and imports in one transaction.

use super::*;

impl SqliteStore {
    // --------------------------------------------------------- contacts --

    /// Inserts or updates every contact, all or nothing.
    pub fn import_contacts(
        &mut self,
        contacts: &[ContactWrite],
        now: i64,
    ) -> Result<ImportSummary> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut summary = ImportSummary::default();
        for contact in contacts {
            upsert_contact(&tx, contact, now, &mut summary)?;
        }
        tx.commit()?;
        Ok(summary)
    }

    /// Starts an import whose every write goes into one transaction, for
    /// a file read row by row; see [`ContactImport`].
    pub fn begin_import(&mut self, now: i64) -> Result<ContactImport<'_>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        Ok(ContactImport {
            tx,
            now,
            summary: ImportSummary::default(),
        })
    }

    pub fn contact(&self, id: ContactId) -> Result<Option<StoredContact>> {
        let row = self
            .conn
            .prepare_cached("SELECT external_id, fields, zone FROM contacts WHERE id = ?1")?
            .query_row([id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
            })
            .optional()?;
        let Some((external_id, fields, zone)) = row else {
            return Ok(None);
        };
        let mut segments = Vec::new();
        let mut query = self.conn.prepare_cached(
            "SELECT segment FROM segment_members WHERE contact = ?1 ORDER BY segment",
        )?;
        for segment in query.query_map([id], |r| r.get(0))? {
            segments.push(segment?);
        }
        Ok(Some(StoredContact {
            id,
            external_id,
            fields: from_json(&fields)?,
            zone,
            segments,
        }))
    }

    /// The contacts `ids` as the engine reads them, in id order, each once
    /// (an id with no contact is left out): three statements for the
    /// whole batch, not three per contact.
    pub fn engine_contacts(&self, ids: &[ContactId]) -> Result<Vec<ContactRow>> {
        let batch = BatchIds::new(ids);
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let mut contacts: Vec<ContactRow> = Vec::with_capacity(ids.len());
        let (sql, params) = batch.statement(
            "SELECT id, external_id, fields, zone FROM contacts WHERE id {ids} ORDER BY id",
            &[],
        );
        let mut query = self.conn.prepare_cached(&sql)?;
        let mut rows = query.query(&*params)?;
        while let Some(row) = rows.next()? {
            let id = row.get(0)?;
            if batch.contains(id) {
                contacts.push(ContactRow {
                    id,
                    external_id: row.get(1)?,
                    fields: row.get(2)?,
                    zone: row.get(3)?,
                    segments: Vec::new(),
                    happenings: Vec::new(),
                });
            }
        }
        let index = |contacts: &[ContactRow], id: ContactId| {
            contacts.binary_search_by_key(&id, |c| c.id).ok()
        };

        let (sql, params) = batch.statement(
            "SELECT contact, segment FROM segment_members WHERE contact {ids} \
             ORDER BY contact, segment",
            &[],
        );
        let mut segments = self.conn.prepare_cached(&sql)?;
        let mut rows = segments.query(&*params)?;
        while let Some(row) = rows.next()? {
            if let Some(at) = index(&contacts, row.get(0)?) {
                contacts[at].segments.push(row.get(1)?);
            }
        }

        let (sql, params) = batch.statement(
            "SELECT contact, at, kind, name, link, data, automated FROM happenings \
             WHERE contact {ids} ORDER BY contact, at, seq",
            &[],
        );
        let mut happenings = self.conn.prepare_cached(&sql)?;
        let mut rows = happenings.query(&*params)?;
        while let Some(row) = rows.next()? {
            let contact = row.get(0)?;
            if let Some(at) = index(&contacts, contact) {
                let happening = happening_row(contact, row, 1)?;
                contacts[at].happenings.push(happening);
            }
        }
        Ok(contacts)
    }

    /// Sets the zone the engine schedules a contact's waits in (its
    /// `timezone` field, when that is a real zone).
    pub fn set_zone(&mut self, contact: ContactId, zone: Option<&str>) -> Result<()> {
        self.conn.execute(
            "UPDATE contacts SET zone = ?2 WHERE id = ?1",
            params![contact, zone],
        )?;
        Ok(())
    }

    pub fn contact_id(&self, external_id: &str) -> Result<Option<ContactId>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM contacts WHERE external_id = ?1",
                [external_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn list_members(&self, list: &str) -> Result<Vec<ContactId>> {
        self.ids(
            "SELECT contact FROM list_members WHERE list = ?1 ORDER BY contact",
            list,
        )
    }

    /// Up to `limit` members of `list` after the contact `after`, in id
    /// order: the list a page at a time, so that enrolling a list of
    /// millions holds one page of ids, not all of them. Start with
    /// `after = 0`; the next page starts after the last id of this one.
    pub fn list_members_page(
        &self,
        list: &str,
        after: ContactId,
        limit: usize,
    ) -> Result<Vec<ContactId>> {
        let mut query = self.conn.prepare_cached(
            "SELECT contact FROM list_members WHERE list = ?1 AND contact > ?2 \
             ORDER BY contact LIMIT ?3",
        )?;
        let ids = query
            .query_map(params![list, after, limit as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    /// Up to `limit` members of a list or segment after the contact
    /// `after`, in id order (see [`SqliteStore::list_members_page`]).
    pub fn members_page(
        &self,
        members: Members,
        after: ContactId,
        limit: usize,
    ) -> Result<Vec<ContactId>> {
        let (sql, name) = match members {
            Members::List(list) => return self.list_members_page(list, after, limit),
            Members::Segment(segment) => (
                "SELECT contact FROM segment_members WHERE segment = ?1 AND contact > ?2 \
                 ORDER BY contact LIMIT ?3",
                segment,
            ),
        };
        let mut query = self.conn.prepare_cached(sql)?;
        let ids = query
            .query_map(params![name, after, limit as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    /// How many members a list or segment has.
    pub fn members_count(&self, members: Members) -> Result<u64> {
        let (sql, name) = match members {
            Members::List(list) => ("SELECT count(*) FROM list_members WHERE list = ?1", list),
            Members::Segment(segment) => (
                "SELECT count(*) FROM segment_members WHERE segment = ?1",
                segment,
            ),
        };
        let count: i64 = self.conn.query_row(sql, [name], |r| r.get(0))?;
        Ok(count as u64)
    }

    /// Up to `limit` contacts after the contact `after`, in id order.
    pub fn contacts_page(&self, after: ContactId, limit: usize) -> Result<Vec<ContactId>> {
        let mut query = self
            .conn
            .prepare_cached("SELECT id FROM contacts WHERE id > ?1 ORDER BY id LIMIT ?2")?;
        let ids = query
            .query_map(params![after, limit as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    pub fn segment_members(&self, segment: &str) -> Result<Vec<ContactId>> {
        self.ids(
            "SELECT contact FROM segment_members WHERE segment = ?1 ORDER BY contact",
            segment,
        )
    }

    pub fn all_contacts(&self) -> Result<Vec<ContactId>> {
        let mut query = self
            .conn
            .prepare_cached("SELECT id FROM contacts ORDER BY id")?;
        let ids = query
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    pub(super) fn ids(&self, sql: &str, key: &str) -> Result<Vec<i64>> {
        let mut query = self.conn.prepare_cached(sql)?;
        let ids = query
            .query_map([key], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    // -------------------------------------------------------- happenings --

    /// Records a happening; an update also changes the contact's fields.
    pub fn record(&mut self, happening: &Happening) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        write_happening(&tx, happening)?;
        tx.commit()?;
        Ok(())
    }

    pub fn happenings(&self, contact: ContactId) -> Result<Vec<Happening>> {
        let mut query = self.conn.prepare_cached(
            "SELECT at, kind, name, link, data, automated FROM happenings \
             WHERE contact = ?1 ORDER BY at, seq",
        )?;
        let mut rows = query.query([contact])?;
        let mut happenings = Vec::new();
        while let Some(row) = rows.next()? {
            happenings.push(happening_row(contact, row, 0)?);
        }
        Ok(happenings)
    }
}

/// Writes a happening; an update also changes the contact's fields. The
/// caller commits.
pub(super) fn write_happening(conn: &Connection, happening: &Happening) -> Result<()> {
    let data = happening.data.as_ref().map(to_json);
    conn.prepare_cached(
        "INSERT INTO happenings (contact, at, seq, kind, name, link, data, automated) \
         VALUES (?1, ?2, \
         (SELECT coalesce(max(seq), 0) + 1 FROM happenings WHERE contact = ?1 AND at = ?2), \
         ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        happening.contact,
        happening.at,
        happening.kind.as_str(),
        happening.name,
        happening.link,
        data,
        happening.automated
    ])?;
    if let (HappeningKind::Update, Some(changes)) = (happening.kind, &happening.data) {
        let fields: String = conn
            .prepare_cached("SELECT fields FROM contacts WHERE id = ?1")?
            .query_row([happening.contact], |r| r.get(0))?;
        let mut fields = from_json(&fields)?;
        for (name, value) in changes {
            fields.insert(name.clone(), value.clone());
        }
        conn.prepare_cached("UPDATE contacts SET fields = ?2, updated_at = ?3 WHERE id = ?1")?
            .execute(params![happening.contact, to_json(&fields), happening.at])?;
    }
    Ok(())
}

/// A happening from the columns `at, kind, name, link, data, automated`,
/// starting at column `first`.
fn happening_row(contact: ContactId, row: &rusqlite::Row, first: usize) -> Result<Happening> {
    let kind: String = row.get(first + 1)?;
    let kind = HappeningKind::parse(&kind)
        .ok_or_else(|| StoreError::Corrupt(format!("happening kind `{kind}`")))?;
    let data: Option<String> = row.get(first + 4)?;
    Ok(Happening {
        contact,
        at: row.get(first)?,
        kind,
        name: row.get(first + 2)?,
        link: row.get(first + 3)?,
        data: data.as_deref().map(from_json).transpose()?,
        automated: row.get(first + 5)?,
    })
}

// ------------------------------------------------- imports, row by row --

/// An import in progress: everything it writes (contacts, their lists and
/// segments, consent, suppressions and the audit row) goes into one
/// transaction, which [`ContactImport::commit`] commits. Dropped without
/// committing, it writes nothing: that is how a file with a bad row is
/// refused whole.
///
/// The transaction is open (and other writers wait) for as long as the
/// caller reads its file; reading a million rows takes seconds.
pub struct ContactImport<'s> {
    tx: rusqlite::Transaction<'s>,
    now: i64,
    summary: ImportSummary,
}

impl ContactImport<'_> {
    /// Inserts or updates one contact by its external id, and adds it to
    /// its lists and segments.
    pub fn upsert(&mut self, contact: &ContactWrite) -> Result<ContactId> {
        upsert_contact(&self.tx, contact, self.now, &mut self.summary)
    }

    /// The contact's consent as this import sees it.
    pub fn consent(&self, contact: ContactId) -> Result<Consent> {
        read_consent(&self.tx, contact)
    }

    pub fn set_consent(&mut self, contact: ContactId, consent: Consent) -> Result<()> {
        write_consent(&self.tx, contact, consent)
    }

    pub fn suppress(&mut self, contact: ContactId, reason: &str) -> Result<()> {
        add_suppression(&self.tx, contact, reason, self.now)
    }

    /// Contacts inserted and updated so far.
    pub fn summary(&self) -> &ImportSummary {
        &self.summary
    }

    /// Writes the audit row and commits the whole import.
    pub fn commit(self, actor: &str, action: &str, detail: &str) -> Result<ImportSummary> {
        write_audit(&self.tx, self.now, actor, action, None, detail)?;
        self.tx.commit()?;
        Ok(self.summary)
    }
}

pub(super) fn upsert_contact(
    conn: &Connection,
    contact: &ContactWrite,
    now: i64,
    summary: &mut ImportSummary,
) -> Result<ContactId> {
    let fields = to_json(&contact.fields);
    let existing: Option<i64> = conn
        .prepare_cached("SELECT id FROM contacts WHERE external_id = ?1")?
        .query_row([&contact.external_id], |r| r.get(0))
        .optional()?;
    let id = match existing {
        Some(id) => {
            conn.prepare_cached(
                "UPDATE contacts SET fields = ?2, zone = ?3, updated_at = ?4 WHERE id = ?1",
            )?
            .execute(params![id, fields, contact.zone, now])?;
            summary.updated += 1;
            id
        }
        None => {
            conn.prepare_cached(
                "INSERT INTO contacts (external_id, fields, zone, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?4)",
            )?
            .execute(params![contact.external_id, fields, contact.zone, now])?;
            summary.inserted += 1;
            conn.last_insert_rowid()
        }
    };
    let mut join_list = conn.prepare_cached(
        "INSERT OR IGNORE INTO list_members (list, contact, joined_at) VALUES (?1, ?2, ?3)",
    )?;
    for list in &contact.lists {
        join_list.execute(params![list, id, now])?;
    }
    let mut join_segment = conn.prepare_cached(
        "INSERT OR IGNORE INTO segment_members (segment, contact, joined_at) VALUES (?1, ?2, ?3)",
    )?;
    for segment in &contact.segments {
        join_segment.execute(params![segment, id, now])?;
    }
    Ok(id)
}

pub(super) fn read_consent(conn: &Connection, contact: ContactId) -> Result<Consent> {
    Ok(conn
        .prepare_cached(
            "SELECT granted_at, expires_at, revoked_at FROM consent WHERE contact = ?1",
        )?
        .query_row([contact], |r| {
            Ok(Consent {
                granted_at: r.get(0)?,
                expires_at: r.get(1)?,
                revoked_at: r.get(2)?,
            })
        })
        .optional()?
        .unwrap_or_default())
}

pub(super) fn write_consent(conn: &Connection, contact: ContactId, consent: Consent) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO consent (contact, granted_at, expires_at, revoked_at) \
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (contact) DO UPDATE SET \
         granted_at = ?2, expires_at = ?3, revoked_at = ?4",
    )?
    .execute(params![
        contact,
        consent.granted_at,
        consent.expires_at,
        consent.revoked_at
    ])?;
    Ok(())
}

pub(super) fn add_suppression(
    conn: &Connection,
    contact: ContactId,
    reason: &str,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO suppressions (contact, reason, at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![contact, reason, now])?;
    Ok(())
}

pub(super) fn write_audit(
    conn: &Connection,
    now: i64,
    actor: &str,
    action: &str,
    contact: Option<ContactId>,
    detail: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO audit (at, actor, action, contact, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![now, actor, action, contact, detail],
    )?;
    Ok(())
}
