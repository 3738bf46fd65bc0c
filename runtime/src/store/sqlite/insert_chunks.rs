//! Many rows inserted by one statement, for the step writer's hot path.
//!
//! Each execution of a statement opens and closes a cursor on its table
//! and on every index of it, and starts and halts SQLite's virtual
//! machine: for a row of the runs or the outbox table that is about a
//! third of what its insert costs. An `INSERT ... VALUES (..), (..), ..`
//! of [`CHUNK`] rows pays that once. Rows wait in a [`Chunked`] until a
//! chunk is full; what is left at the end goes in one row at a time, so
//! only two statements per table are ever prepared (and cached).
//!
//! Statements are [`Kept`] for a whole batch of steps, their parameters
//! bound one by one.

use super::Result;
use rusqlite::{CachedStatement, Connection};

/// Rows per multi-row statement. Past a few dozen the saving per row is
/// spent; the statement's text and parameters grow with it.
pub(super) const CHUNK: usize = 32;

/// A row of a table that [`Chunked`] inserts.
pub(super) trait InsertRow {
    /// `INSERT ... (columns) VALUES`, without the values.
    const INSERT: &'static str;
    /// One row's values: a parenthesised list of `?` and constants.
    const VALUES: &'static str;
    /// The `?` in [`InsertRow::VALUES`].
    const PARAMETERS: usize;

    /// Binds this row's values from parameter `first` on (1-based).
    fn bind(&self, statement: &mut Kept<'_>, first: usize) -> Result<()>;
}

/// Rows of one table waiting to be inserted, [`CHUNK`] at a time.
pub(super) struct Chunked<'c, R> {
    one: Kept<'c>,
    many: Kept<'c>,
    rows: Vec<R>,
}

impl<'c, R: InsertRow> Chunked<'c, R> {
    pub(super) fn new(conn: &'c Connection) -> Result<Chunked<'c, R>> {
        Ok(Chunked {
            one: Kept::new(conn.prepare_cached(&insert_sql::<R>(1))?),
            many: Kept::new(conn.prepare_cached(&insert_sql::<R>(CHUNK))?),
            rows: Vec::with_capacity(CHUNK),
        })
    }

    pub(super) fn push(&mut self, row: R) {
        self.rows.push(row);
    }

    pub(super) fn is_full(&self) -> bool {
        self.rows.len() >= CHUNK
    }

    /// Inserts every waiting row: a full chunk by one statement, the rest
    /// one by one.
    pub(super) fn flush(&mut self) -> Result<()> {
        let chunks = self.rows.chunks_exact(CHUNK);
        let rest = chunks.remainder();
        for chunk in chunks {
            for (at, row) in chunk.iter().enumerate() {
                row.bind(&mut self.many, at * R::PARAMETERS + 1)?;
            }
            self.many.execute()?;
        }
        for row in rest {
            row.bind(&mut self.one, 1)?;
            self.one.execute()?;
        }
        self.rows.clear();
        Ok(())
    }
}

fn insert_sql<R: InsertRow>(rows: usize) -> String {
    let values = vec![R::VALUES; rows].join(", ");
    format!("{} {values}", R::INSERT)
}

/// A statement kept for a batch, its parameters bound one by one. SQLite
/// keeps a parameter's value between executions, and binding text copies
/// it: a text parameter is bound again only when its value changes (the
/// journey, step and email names are mostly the same for a whole batch).
/// Every parameter is bound before the first execution, so no value of
/// another statement's use is left over (the statement cache clears them
/// too).
pub(super) struct Kept<'c> {
    statement: CachedStatement<'c>,
    /// The text each parameter bound by [`Kept::bind_text`] holds, by
    /// index from 1; `None` when it is not known (nothing bound yet).
    texts: Vec<Option<Option<String>>>,
}

impl<'c> Kept<'c> {
    pub(super) fn new(statement: CachedStatement<'c>) -> Kept<'c> {
        let texts = vec![None; statement.parameter_count() + 1];
        Kept { statement, texts }
    }

    pub(super) fn bind(&mut self, index: usize, value: impl rusqlite::ToSql) -> Result<()> {
        Ok(self.statement.raw_bind_parameter(index, value)?)
    }

    /// Binds `value` (`None` is NULL) unless the parameter holds it.
    pub(super) fn bind_text(&mut self, index: usize, value: Option<&str>) -> Result<()> {
        let held = &mut self.texts[index];
        if held.as_ref().is_some_and(|held| held.as_deref() == value) {
            return Ok(());
        }
        self.statement.raw_bind_parameter(index, value)?;
        *held = Some(value.map(str::to_owned));
        Ok(())
    }

    /// Runs the statement with the values bound; returns the rows changed.
    pub(super) fn execute(&mut self) -> Result<usize> {
        Ok(self.statement.raw_execute()?)
    }
}
