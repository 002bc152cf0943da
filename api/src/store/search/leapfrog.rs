//! Org-wide user search: a leapfrog over word-prefix ranges (migration 0005), one
//! index seek per step, so a page costs seeks per match, not per matching user.

use crate::store::search::{ord, ord_user_id_sql, prefix_upper, split_ord, MAX_PREFIX_CHARS};
use crate::store::users::{fetch_page, list_users, Confirm, PageStatement, Profile, USER_COLS};
use crate::store::{Backend, ResultExt, StoreResult, Tx};
use sqlx::AnyPool;

/// Where a search stopped.
pub struct SearchPage {
    /// Matching users in display-name order (at most the `limit` asked for).
    pub rows: Vec<Profile>,
    /// Set when the walk hit its step budget before filling the page: resume from
    /// this (sort key, id), including it.
    pub resume_at: Option<(String, String)>,
}

/// Organisation-wide user search: users matching every term, in display-name order,
/// from `start` (a sort key and id; `inclusive` when a short page stopped there).
///
/// Each word term's first [`MAX_PREFIX_CHARS`] characters name one range of
/// `user_search_prefixes`, already in display-name order. The ranges are intersected
/// by leapfrogging, in one recursive query: seek the next range to the current
/// candidate or past it; when every range has agreed on a candidate it matches. A
/// page costs a few index seeks per match and per run of non-matching names,
/// however many people share a common prefix. Longer words and whole addresses
/// (terms with `@`) are then checked in `user_search_terms` by user. The same
/// statement builds the page of the matches' profiles ([`fetch_page`]). A query made
/// only of addresses is selective and goes through [`list_users`].
pub async fn search_users(
    pool: &AnyPool,
    backend: Backend,
    terms: &[String],
    start: Option<(&str, &str, bool)>,
    limit: i64,
    step_budget: i64,
    confirm: Option<&Confirm>,
) -> StoreResult<SearchPage> {
    let mut lists: Vec<String> = Vec::new();
    let mut checks: Vec<&String> = Vec::new();
    for t in terms {
        if t.contains('@') {
            checks.push(t);
            continue;
        }
        let prefix: String = t.chars().take(MAX_PREFIX_CHARS).collect();
        if prefix.len() < t.len() {
            checks.push(t);
        }
        if !lists.contains(&prefix) {
            lists.push(prefix);
        }
    }
    if lists.is_empty() {
        let after = start.map(|(k, id, _)| (k.to_owned(), id.to_owned()));
        let rows = list_users(pool, backend, terms, &after, limit, confirm).await?;
        return Ok(SearchPage {
            rows,
            resume_at: None,
        });
    }
    let k = lists.len();
    let mut binds: Vec<String> = lists.clone();
    let mut verify = String::from("1 = 1");
    for t in &checks {
        let n = binds.len();
        verify.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM user_search_terms t \
             WHERE t.user_id = {} \
             AND t.term >= ${} AND t.term < ${})",
            ord_user_id_sql("lf.c"),
            n + 1,
            n + 2
        ));
        binds.push((*t).clone());
        binds.push(prefix_upper(t));
    }
    let (start_ord, strict) = match start {
        None => (String::new(), 0),
        Some((key, id, inclusive)) => (ord(key, id), i64::from(!inclusive)),
    };
    // Confirming one candidate takes a seek per list and one more: with fewer, a
    // resumed walk would never get past its starting row.
    let budget = step_budget.max(k as i64 + 1);
    binds.push(start_ord);
    // The start is the last bound text; the page's limit ([`fetch_page`]) comes next.
    let (p_start, p_limit) = (binds.len(), binds.len() + 1);
    let (collate, id_collate) = match backend {
        Backend::Postgres => (" COLLATE \"C\"", " COLLATE \"default\""),
        Backend::Sqlite => ("", ""),
    };
    // Per row: `c` is the candidate the last seek found; `pc`, `pstrict`, `pagree`
    // the state it was sought from. Whether `c` matches is derived in the next row, so
    // each step runs exactly one seek.
    let agree = "(CASE WHEN lf.init = 1 THEN 0 \
         WHEN lf.c = lf.pc AND lf.pstrict = 0 THEN lf.pagree + 1 ELSE 1 END)";
    let full = format!("(CASE WHEN {agree} = {k} THEN 1 ELSE 0 END)");
    let strict_next = format!("(CASE WHEN lf.init = 1 THEN {strict} ELSE {full} END)");
    let hit = format!("(CASE WHEN {full} = 1 AND {verify} THEN 1 ELSE 0 END)");
    let mut seek = String::from("(CASE lf.j");
    for j in 0..k {
        seek.push_str(&format!(
            " WHEN {j} THEN (SELECT p.ord FROM user_search_prefixes p \
             WHERE p.prefix = ${} AND p.ord >= lf.c AND ({strict_next} = 0 OR p.ord > lf.c) \
             ORDER BY p.ord LIMIT 1)",
            j + 1
        ));
    }
    seek.push_str(" END)");
    // The walk, the page of its hits and where it stopped are one statement, so one
    // hand-off from the database: the strict flag and the budget are integers of ours
    // written into it (the same few texts each time, so its prepared form is reused).
    let with = format!(
        "WITH RECURSIVE lf (c, pc, pstrict, pagree, j, init, hits, steps, phit) AS ( \
           SELECT CAST(${p_start} AS TEXT){collate}, CAST(${p_start} AS TEXT){collate}, \
             CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(1 AS BIGINT), \
             CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(0 AS BIGINT) \
           UNION ALL \
           SELECT {seek}, lf.c, CAST({strict_next} AS BIGINT), CAST({agree} AS BIGINT), \
             CAST((lf.j + 1) % {k} AS BIGINT), CAST(0 AS BIGINT), \
             CAST(lf.hits + {hit} AS BIGINT), CAST(lf.steps + 1 AS BIGINT), CAST({hit} AS BIGINT) \
           FROM lf WHERE lf.c IS NOT NULL AND lf.hits < ${p_limit} AND lf.steps < {budget} \
         )"
    );
    let page = format!(
        "SELECT {USER_COLS} FROM users u WHERE u.id IN \
         (SELECT {}{id_collate} FROM lf WHERE lf.phit = 1) LIMIT ${p_limit}",
        ord_user_id_sql("lf.pc")
    );
    // The row that spent the budget before the page was full: resume there.
    let stopped = format!(
        "SELECT lf.c FROM lf WHERE lf.steps >= {budget} AND lf.c IS NOT NULL \
         AND lf.hits < ${p_limit}"
    );
    let statement = PageStatement {
        with: &with,
        page: &page,
        binds,
        limit,
        extra: Some(&stopped),
    };
    let (rows, stopped) = fetch_page(pool, backend, statement, confirm).await?;
    let resume_at = stopped
        .as_deref()
        .and_then(split_ord)
        .map(|(key, id)| (key.to_owned(), id.to_owned()));
    Ok(SearchPage { rows, resume_at })
}

/// Builds `user_search_prefixes` for every user from `user_search_terms` with the
/// statement migration 0005 backfills it with: one sorted pass, far faster than
/// row-by-row inserts into the index when loading a large directory.
pub async fn build_user_prefixes(tx: &mut Tx, backend: Backend) -> StoreResult<()> {
    let migration = match backend {
        Backend::Sqlite => include_str!("../../../../migrations/sqlite/0005_search_prefixes.sql"),
        Backend::Postgres => {
            include_str!("../../../../migrations/postgres/0005_search_prefixes.sql")
        }
    };
    let from = migration
        .find("INSERT INTO user_search_prefixes")
        .unwrap_or(migration.len());
    sqlx::query(&migration[from..])
        .execute(&mut **tx)
        .await
        .db()?;
    Ok(())
}
