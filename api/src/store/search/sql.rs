//! The SQL pieces shared by the term-index searches of users and locations.

use crate::store::search::prefix_upper;

/// Where a page starts: after this (sort key, id).
pub type After = Option<(String, String)>;

/// Appends `AND <id_col> IN (terms matching prefix)` for each search term.
pub(crate) fn push_search(
    sql: &mut String,
    binds: &mut Vec<String>,
    id_col: &str,
    table: &str,
    key: &str,
    terms: &[String],
) {
    for t in terms {
        let n = binds.len();
        sql.push_str(&format!(
            " AND {id_col} IN (SELECT {key} FROM {table} WHERE term >= ${} AND term < ${})",
            n + 1,
            n + 2
        ));
        binds.push(t.clone());
        binds.push(prefix_upper(t));
    }
}

pub(crate) fn push_after(
    sql: &mut String,
    binds: &mut Vec<String>,
    key_col: &str,
    id_col: &str,
    after: &After,
) {
    if let Some((key, id)) = after {
        let n = binds.len();
        sql.push_str(&format!(
            " AND ({key_col}, {id_col}) > (${}, ${})",
            n + 1,
            n + 2
        ));
        binds.push(key.clone());
        binds.push(id.clone());
    }
}
