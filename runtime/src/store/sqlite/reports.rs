//! The SQLite store's consent, suppression, audit log and report queries.

use super::contacts::{add_suppression, read_consent, write_audit, write_consent};
use super::*;

impl SqliteStore {
    // ------------------------------------------------- consent and report --

    pub fn consent(&self, contact: ContactId) -> Result<Consent> {
        read_consent(&self.conn, contact)
    }

    pub fn set_consent(&mut self, contact: ContactId, consent: Consent) -> Result<()> {
        write_consent(&self.conn, contact, consent)
    }

    /// Stores `contact`'s consent, with an audit line (action
    /// `consent_change`, `detail` naming the parts the request set, never
    /// values), in one transaction.
    pub fn set_consent_audited(
        &mut self,
        contact: ContactId,
        consent: Consent,
        actor: &str,
        detail: &str,
        now: i64,
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        write_consent(&tx, contact, consent)?;
        write_audit(&tx, now, actor, "consent_change", Some(contact), detail)?;
        tx.commit()?;
        Ok(())
    }

    /// Why mail to this contact is suppressed (unsubscribed, bounced), if
    /// it is.
    pub fn suppression(&self, contact: ContactId) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT reason FROM suppressions WHERE contact = ?1 ORDER BY at LIMIT 1",
                [contact],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn suppress(&mut self, contact: ContactId, reason: &str, now: i64) -> Result<()> {
        add_suppression(&self.conn, contact, reason, now)
    }

    pub fn audit(
        &mut self,
        now: i64,
        actor: &str,
        action: &str,
        contact: Option<ContactId>,
        detail: &str,
    ) -> Result<()> {
        write_audit(&self.conn, now, actor, action, contact, detail)
    }

    /// Figures per step of `journey`, in the order of `steps`.
    pub fn step_report(&self, journey: &str, steps: &[String]) -> Result<Vec<StepReport>> {
        let mut out = Vec::new();
        for step in steps {
            let (arrived, ended) = self
                .conn
                .query_row(
                    "SELECT arrived, ended FROM step_stats WHERE journey = ?1 AND step = ?2",
                    params![journey, step],
                    |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
                )
                .optional()?
                .unwrap_or((0, 0));
            let count = |status: &str| -> Result<u64> {
                Ok(self.conn.query_row(
                    "SELECT count(*) FROM outbox WHERE journey = ?1 AND step = ?2 AND status = ?3",
                    params![journey, step, status],
                    |r| r.get::<_, i64>(0),
                )? as u64)
            };
            out.push(StepReport {
                step: step.clone(),
                active: 0,
                arrived: arrived as u64,
                ended: ended as u64,
                sent: count("sent")?,
                suppressed: count("suppressed")?,
                failed: count("failed")?,
                // What has no outcome yet: waiting, or claimed for sending
                // (a claim a crashed engine left lapses, and the email is
                // sent again); no column showed the claimed ones.
                queued: count("queued")? + count("sending")?,
            });
        }
        Ok(out)
    }

    /// Active runs of `journey`, with their encoded states.
    pub fn active_states(&self, journey: &str) -> Result<Vec<Vec<u8>>> {
        let mut query = self
            .conn
            .prepare_cached("SELECT state FROM runs WHERE journey = ?1 AND active = 1")?;
        let rows = query.query_map([journey], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

// ------------------------------------------ reports and the operator --

/// One run of a contact, for "who received what".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunSummary {
    pub id: RunId,
    pub journey: String,
    pub deployment: DeploymentId,
    pub active: bool,
    pub entered_at: i64,
    pub ended_at: Option<i64>,
    pub end_reason: Option<String>,
    pub wake_at: Option<i64>,
    pub state: Vec<u8>,
}

/// One email a step queued for a contact, and what became of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxEntry {
    pub journey: String,
    pub step: String,
    pub email: String,
    /// `queued`, `sent`, `suppressed` or `failed`.
    pub status: String,
    /// When it was queued; for a queued email being retried, when it is
    /// due next.
    pub due_at: i64,
    pub sent_at: Option<i64>,
    pub attempts: i64,
    pub reason: Option<String>,
}

/// How the people sent one step's email engaged with it, after it was
/// sent: distinct contacts who opened it, and who clicked each link, by a
/// person and by an automated agent (mail privacy proxies, link scanners;
/// see `tracking::agents`). A contact with both kinds counts in both.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Engagement {
    pub opened: u64,
    pub opened_automated: u64,
    /// By link name (`None` for clicks that named no link): people, then
    /// automated.
    pub clicked: Vec<(Option<String>, u64, u64)>,
}

impl SqliteStore {
    /// The encoded state of every active run of `journey`, with the
    /// deployment it runs on (a run keeps the program it started on).
    pub fn active_run_states(&self, journey: &str) -> Result<Vec<(DeploymentId, Vec<u8>)>> {
        let mut query = self.conn.prepare_cached(
            "SELECT deployment, state FROM runs WHERE journey = ?1 AND active = 1",
        )?;
        let rows = query.query_map([journey], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many runs are active on each deployment, oldest first.
    pub fn active_runs_by_deployment(&self) -> Result<Vec<(DeploymentId, u64)>> {
        let mut query = self.conn.prepare_cached(
            "SELECT deployment, count(*) FROM runs WHERE active = 1 \
             GROUP BY deployment ORDER BY deployment",
        )?;
        let rows = query.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Opens and clicks of the email that `step` of `journey` sent.
    pub fn engagement(&self, journey: &str, step: &str) -> Result<Engagement> {
        let (opened, opened_automated): (i64, i64) = self
            .conn
            .prepare_cached(
                "SELECT count(DISTINCT CASE WHEN h.automated = 0 THEN o.contact END), \
                 count(DISTINCT CASE WHEN h.automated = 1 THEN o.contact END) \
                 FROM outbox o JOIN happenings h \
                 ON h.contact = o.contact AND h.kind = 'open' AND h.name = o.email \
                 AND h.at >= o.sent_at \
                 WHERE o.journey = ?1 AND o.step = ?2 AND o.status = 'sent'",
            )?
            .query_row(params![journey, step], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let mut query = self.conn.prepare_cached(
            "SELECT h.link, count(DISTINCT CASE WHEN h.automated = 0 THEN o.contact END), \
             count(DISTINCT CASE WHEN h.automated = 1 THEN o.contact END) \
             FROM outbox o JOIN happenings h \
             ON h.contact = o.contact AND h.kind = 'click' AND h.name = o.email \
             AND h.at >= o.sent_at \
             WHERE o.journey = ?1 AND o.step = ?2 AND o.status = 'sent' \
             GROUP BY h.link ORDER BY h.link",
        )?;
        let clicked = query
            .query_map(params![journey, step], |r| {
                Ok((
                    r.get(0)?,
                    r.get::<_, i64>(1)? as u64,
                    r.get::<_, i64>(2)? as u64,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Engagement {
            opened: opened as u64,
            opened_automated: opened_automated as u64,
            clicked,
        })
    }

    /// Every run of a contact, oldest first.
    pub fn contact_runs(&self, contact: ContactId) -> Result<Vec<RunSummary>> {
        let mut query = self.conn.prepare_cached(
            "SELECT id, journey, deployment, active, entered_at, ended_at, end_reason, \
             wake_at, state FROM runs WHERE contact = ?1 ORDER BY entered_at, id",
        )?;
        let rows = query.query_map([contact], |r| {
            Ok(RunSummary {
                id: r.get(0)?,
                journey: r.get(1)?,
                deployment: r.get(2)?,
                active: r.get(3)?,
                entered_at: r.get(4)?,
                ended_at: r.get(5)?,
                end_reason: r.get(6)?,
                wake_at: r.get(7)?,
                state: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every email queued for a contact, in the order it was queued.
    pub fn contact_outbox(&self, contact: ContactId) -> Result<Vec<OutboxEntry>> {
        let mut query = self.conn.prepare_cached(
            "SELECT journey, step, email, status, due_at, sent_at, attempts, reason \
             FROM outbox WHERE contact = ?1 ORDER BY id",
        )?;
        let rows = query.query_map([contact], |r| {
            Ok(OutboxEntry {
                journey: r.get(0)?,
                step: r.get(1)?,
                email: r.get(2)?,
                status: r.get(3)?,
                due_at: r.get(4)?,
                sent_at: r.get(5)?,
                attempts: r.get(6)?,
                reason: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Calls `each` with the external id and fields of every member of
    /// `segment`, in the order they were first imported.
    pub fn each_segment_contact<E: From<StoreError>>(
        &self,
        segment: &str,
        mut each: impl FnMut(&str, &Json) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let mut query = self
            .conn
            .prepare_cached(
                "SELECT c.external_id, c.fields FROM segment_members s \
                 JOIN contacts c ON c.id = s.contact WHERE s.segment = ?1 ORDER BY c.id",
            )
            .map_err(StoreError::from)?;
        let mut rows = query.query([segment]).map_err(StoreError::from)?;
        while let Some(row) = rows.next().map_err(StoreError::from)? {
            let external_id: String = row.get(0).map_err(StoreError::from)?;
            let fields: String = row.get(1).map_err(StoreError::from)?;
            each(&external_id, &from_json(&fields)?)?;
        }
        Ok(())
    }
}
