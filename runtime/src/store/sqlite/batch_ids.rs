//! The ids of one batch of engine work (contacts), as the statements that
//! read the whole batch at once look them up.
//!
//! A batch is mostly a run of neighbouring ids: a page of a list or
//! segment is read in id order, and runs that fall due together were
//! mostly entered together. Looking up each of a thousand ids costs a
//! thousand descents of a b-tree; reading the range from the smallest id
//! to the largest costs one descent and a walk along its leaves. So a
//! dense batch (its range at most twice as long as its number of ids) is
//! read as a range and the rows of ids outside the batch are skipped by
//! the caller ([`BatchIds::contains`]); a sparse one is looked up id by id
//! (`rarray`), so that a scattered batch never walks a long range.

use super::id_array;
use rusqlite::types::ToSql;

/// How much longer than the number of ids the range may be for the batch
/// to be read as a range.
const DENSE: i64 = 2;

pub(super) struct BatchIds {
    /// The ids, sorted, each once.
    sorted: Vec<i64>,
    lookup: Lookup,
}

enum Lookup {
    /// The batch's smallest and largest id.
    Range(i64, i64),
    /// The ids bound as one value, looked up one by one.
    List(rusqlite::vtab::array::Array),
}

impl BatchIds {
    pub(super) fn new(ids: &[i64]) -> BatchIds {
        let mut sorted = ids.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let lookup = match (sorted.first(), sorted.last()) {
            (Some(&lo), Some(&hi)) if hi - lo < DENSE * sorted.len() as i64 => {
                Lookup::Range(lo, hi)
            }
            _ => Lookup::List(id_array(&sorted)),
        };
        BatchIds { sorted, lookup }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// Whether `id` is one of the batch's: a range read also returns rows
    /// of ids between them.
    pub(super) fn contains(&self, id: i64) -> bool {
        self.sorted.binary_search(&id).is_ok()
    }

    /// `template` with its `{ids}` made the batch's condition on the ids
    /// column (`BETWEEN` or `IN rarray`), its parameters numbered after
    /// the `leading` ones; and all the parameters, `leading` first.
    pub(super) fn statement<'a>(
        &'a self,
        template: &str,
        leading: &[&'a dyn ToSql],
    ) -> (String, Vec<&'a dyn ToSql>) {
        let first = leading.len() + 1;
        let mut params = leading.to_vec();
        let condition = match &self.lookup {
            Lookup::Range(lo, hi) => {
                params.push(lo);
                params.push(hi);
                format!("BETWEEN ?{first} AND ?{}", first + 1)
            }
            Lookup::List(list) => {
                params.push(list);
                format!("IN rarray(?{first})")
            }
        };
        (template.replace("{ids}", &condition), params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dense_batch_is_a_range_and_a_sparse_one_a_list() {
        let dense = BatchIds::new(&[7, 5, 6, 9, 5]);
        let (sql, params) = dense.statement("WHERE j = ?1 AND c {ids}", &[&"peer"]);
        assert_eq!(sql, "WHERE j = ?1 AND c BETWEEN ?2 AND ?3");
        assert_eq!(params.len(), 3);
        assert!(dense.contains(9) && !dense.contains(8));

        let sparse = BatchIds::new(&[1, 1_000]);
        let (sql, params) = sparse.statement("WHERE c {ids}", &[]);
        assert_eq!(sql, "WHERE c IN rarray(?1)");
        assert_eq!(params.len(), 1);
        assert!(BatchIds::new(&[]).is_empty());
    }
}
