//! The SQLite store's runs, batches of engine work, and date-triggered
//! entries.

use super::*;

impl SqliteStore {
    // -------------------------------------------------------------- runs --

    pub fn active_run(&self, contact: ContactId, journey: &str) -> Result<Option<RunRow>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, contact, journey, deployment, state, version FROM runs \
                 WHERE contact = ?1 AND journey = ?2 AND active = 1",
            )?
            .query_row(params![contact, journey], run_row)
            .optional()?)
    }

    /// The contact's newest run of `journey`, active or ended: what an
    /// entry is decided against (see [`RunWrite::New`]).
    pub fn newest_run(&self, contact: ContactId, journey: &str) -> Result<Option<RunId>> {
        Ok(self
            .conn
            .prepare_cached("SELECT max(id) FROM runs WHERE contact = ?1 AND journey = ?2")?
            .query_row(params![contact, journey], |r| r.get(0))?)
    }

    /// When the contact's last run of `journey` ended, if one did.
    pub fn last_end(&self, contact: ContactId, journey: &str) -> Result<Option<i64>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT max(ended_at) FROM runs \
                 WHERE contact = ?1 AND journey = ?2 AND active = 0",
            )?
            .query_row(params![contact, journey], |r| r.get(0))?)
    }

    /// What an entry reads about the contact's runs of `journey`, in one
    /// query: [`SqliteStore::active_run`] (whether there is one),
    /// [`SqliteStore::last_end`] and [`SqliteStore::newest_run`].
    pub fn entry_status(&self, contact: ContactId, journey: &str) -> Result<EntryStatus> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT coalesce(max(active), 0), max(CASE WHEN active = 0 THEN ended_at END), \
                 max(id) FROM runs WHERE contact = ?1 AND journey = ?2",
            )?
            .query_row(params![contact, journey], |r| {
                Ok(EntryStatus {
                    in_run: r.get(0)?,
                    last_end: r.get(1)?,
                    newest: r.get(2)?,
                })
            })?)
    }

    /// What an entry reads about each of `contacts`' runs of `journey`
    /// (see [`SqliteStore::entry_status`]), in the order of `contacts`, in
    /// one statement for the whole batch.
    pub fn entry_statuses(
        &self,
        journey: &str,
        contacts: &[ContactId],
    ) -> Result<Vec<EntryStatus>> {
        let batch = BatchIds::new(contacts);
        let (sql, params) = batch.statement(
            "SELECT contact, max(active), max(CASE WHEN active = 0 THEN ended_at END), max(id) \
             FROM runs WHERE journey = ?1 AND contact {ids} GROUP BY contact",
            &[&journey],
        );
        let mut query = self.conn.prepare_cached(&sql)?;
        let mut found: Vec<(ContactId, EntryStatus)> = query
            .query_map(&*params, |r| {
                let status = EntryStatus {
                    in_run: r.get(1)?,
                    last_end: r.get(2)?,
                    newest: r.get(3)?,
                };
                Ok((r.get(0)?, status))
            })?
            .collect::<rusqlite::Result<_>>()?;
        found.sort_unstable_by_key(|(contact, _)| *contact);
        let none = EntryStatus {
            in_run: false,
            last_end: None,
            newest: None,
        };
        let statuses = contacts
            .iter()
            .map(|contact| {
                found
                    .binary_search_by_key(contact, |(c, _)| *c)
                    .map_or(none, |at| found[at].1)
            })
            .collect();
        Ok(statuses)
    }

    /// Starts a batch of engine work: the reads that decide a batch of
    /// steps and the commits of those steps, in one write transaction,
    /// until [`SqliteStore::finish_batch`] commits it or
    /// [`SqliteStore::abandon_batch`] rolls it back.
    ///
    /// Each statement outside a transaction opens and closes one of its
    /// own, taking and releasing the file's locks (system calls): that
    /// costs more than reading a contact. And with the write lock held from
    /// the first read, nothing another engine writes can fall between what
    /// a step read and what it commits; the run versions and the
    /// newest-run check still guard every commit, as they do outside a
    /// batch. Another engine waits (the busy timeout) for the few
    /// milliseconds a batch takes.
    pub fn begin_batch(&mut self) -> Result<()> {
        self.conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        Ok(())
    }

    /// Starts a batch as [`SqliteStore::begin_batch`] does, for bulk work,
    /// without foreign-key checks. A batch's writes refer only to rows it
    /// read or wrote under the same write lock (the contacts it steps, the
    /// deployment it runs, the run it just wrote), and nothing ever deletes
    /// a contact, a run or a deployment, so no check could fail there; yet
    /// the four of an entry (its run's contact and deployment, its email's
    /// contact and run) were a tenth of its cost. Switching the checks off
    /// and on again makes SQLite prepare the connection's statements anew,
    /// tens of microseconds that a batch of many steps does not feel and a
    /// single event would: the engine asks for this for bulk work only.
    /// Every other write keeps the checks, and the engine's tests end with
    /// `foreign_key_check` finding nothing.
    pub fn begin_bulk_batch(&mut self) -> Result<()> {
        self.check_foreign_keys(false)?;
        self.unchecked = true;
        let begun = self.begin_batch();
        if begun.is_err() {
            self.check_foreign_keys_again()?;
        }
        begun
    }

    /// Commits the batch of [`SqliteStore::begin_batch`].
    pub fn finish_batch(&mut self) -> Result<()> {
        self.conn.prepare_cached("COMMIT")?.execute([])?;
        self.check_foreign_keys_again()
    }

    /// Rolls back the batch of [`SqliteStore::begin_batch`], if one is
    /// open: nothing of it is written.
    pub fn abandon_batch(&mut self) -> Result<()> {
        if !self.conn.is_autocommit() {
            self.conn.execute_batch("ROLLBACK")?;
        }
        self.check_foreign_keys_again()
    }

    /// Turns the foreign-key checks on again after a bulk batch.
    fn check_foreign_keys_again(&mut self) -> Result<()> {
        if self.unchecked {
            self.check_foreign_keys(true)?;
            self.unchecked = false;
        }
        Ok(())
    }

    /// Runs whose timer is due at `now`, earliest first.
    pub fn due_runs(&self, now: i64, limit: usize) -> Result<Vec<RunRow>> {
        let mut query = self.conn.prepare_cached(
            "SELECT id, contact, journey, deployment, state, version FROM runs \
             WHERE active = 1 AND wake_at IS NOT NULL AND wake_at <= ?1 \
             ORDER BY wake_at, id LIMIT ?2",
        )?;
        let rows = query.query_map(params![now, limit as i64], run_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Active runs of a contact that a happening of kind `wakes` may end.
    pub fn runs_woken_by(&self, contact: ContactId, wakes: u8) -> Result<Vec<RunRow>> {
        let mut query = self.conn.prepare_cached(
            "SELECT id, contact, journey, deployment, state, version FROM runs \
             WHERE contact = ?1 AND active = 1 AND (wakes & ?2) != 0 ORDER BY id",
        )?;
        let rows = query.query_map(params![contact, wakes], run_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every active run of a contact.
    pub fn active_runs(&self, contact: ContactId) -> Result<Vec<RunRow>> {
        self.runs_woken_by(contact, u8::MAX).and_then(|mut woken| {
            let mut query = self.conn.prepare_cached(
                "SELECT id, contact, journey, deployment, state, version FROM runs \
                 WHERE contact = ?1 AND active = 1 AND wakes = 0 ORDER BY id",
            )?;
            let rest = query.query_map([contact], run_row)?;
            woken.extend(rest.collect::<rusqlite::Result<Vec<_>>>()?);
            woken.sort_by_key(|r| r.id);
            Ok(woken)
        })
    }

    /// The earliest timer of any active run.
    pub fn next_wake(&self) -> Result<Option<i64>> {
        Ok(self.conn.query_row(
            "SELECT min(wake_at) FROM runs WHERE active = 1 AND wake_at IS NOT NULL",
            [],
            |r| r.get(0),
        )?)
    }

    // ------------------------------------------------------ date entries --

    /// Up to `limit` contacts with no date entry scheduled for `journey`,
    /// in id order.
    pub fn unscheduled_for_date(&self, journey: &str, limit: usize) -> Result<Vec<ContactId>> {
        let mut query = self.conn.prepare_cached(
            "SELECT id FROM contacts WHERE id NOT IN \
             (SELECT contact FROM date_entries WHERE journey = ?1) ORDER BY id LIMIT ?2",
        )?;
        let ids = query
            .query_map(params![journey, limit as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    /// Schedules (or moves) a contact's next date entry into `journey`.
    pub fn schedule_date_entry(
        &mut self,
        journey: &str,
        contact: ContactId,
        due_at: i64,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO date_entries (journey, contact, due_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (journey, contact) DO UPDATE SET due_at = ?3",
            )?
            .execute(params![journey, contact, due_at])?;
        Ok(())
    }

    /// Forgets a contact's date entries, to schedule them again (its date
    /// fields changed).
    pub fn forget_date_entries(&mut self, contact: ContactId) -> Result<()> {
        self.conn
            .execute("DELETE FROM date_entries WHERE contact = ?1", [contact])?;
        Ok(())
    }

    /// Date entries due at `now`: (journey, contact, due_at).
    pub fn due_date_entries(
        &self,
        now: i64,
        limit: usize,
    ) -> Result<Vec<(String, ContactId, i64)>> {
        let mut query = self.conn.prepare_cached(
            "SELECT journey, contact, due_at FROM date_entries WHERE due_at <= ?1 \
             ORDER BY due_at, journey, contact LIMIT ?2",
        )?;
        let rows = query.query_map(params![now, limit as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn next_date_entry(&self) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row("SELECT min(due_at) FROM date_entries", [], |r| r.get(0))?)
    }
}
