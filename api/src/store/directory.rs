//! Users, locations, membership, role assignments and settings.

use super::search::MAX_PREFIX_CHARS;
use super::search::{
    ord, prefix_upper, sort_key, split_ord, unit_terms, user_prefixes, user_terms,
};
use super::{bulk_insert, placeholders, Backend, Cell, Db, ResultExt, StoreResult, Tx};
use shared::dto::{UnitRef, UserSource};
use shared::rules::{Grant, Membership};
use shared::{Role, Scope};
use sqlx::{AnyPool, Executor, FromRow};
use std::collections::HashMap;

/// A user row without credentials.
#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: String,
    pub user_principal_name: String,
    pub display_name: String,
    pub sort_key: String,
    pub mail: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    #[sqlx(try_from = "super::DbFlag")]
    pub account_enabled: bool,
    pub source: String,
    #[sqlx(try_from = "super::DbFlag")]
    pub force_password_change: bool,
    pub token_version: i64,
}

impl UserRow {
    pub fn source(&self) -> UserSource {
        UserSource::from_id(&self.source).unwrap_or(UserSource::Cloud)
    }
}

const USER_COLS: &str = "u.id, u.user_principal_name, u.display_name, u.sort_key, u.mail, \
     u.job_title, u.department, u.account_enabled, u.source, u.force_password_change, \
     u.token_version";

#[derive(Debug, Clone, FromRow)]
pub struct UnitRow {
    pub id: String,
    pub display_name: String,
    pub sort_key: String,
    pub description: Option<String>,
    #[sqlx(try_from = "super::DbFlag")]
    pub restricted: bool,
    pub member_count: i64,
}

const UNIT_COLS: &str =
    "a.id, a.display_name, a.sort_key, a.description, a.restricted, a.member_count";

#[derive(Debug, Clone, FromRow)]
pub struct AssignmentRow {
    pub id: String,
    pub principal_id: String,
    pub principal_display_name: String,
    pub role: String,
    pub scope: String,
    pub scope_display_name: Option<String>,
    pub created_at: i64,
}

impl AssignmentRow {
    pub fn grant(&self) -> Option<Grant> {
        Some(Grant {
            role: self.role.parse().ok()?,
            scope: Scope::from_storage(&self.scope)?,
        })
    }
}

/// Where a page starts: after this (sort key, id).
pub type After = Option<(String, String)>;

/// Appends `AND <id_col> IN (terms matching prefix)` for each search term.
fn push_search(
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

fn push_after(
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

async fn fetch_users(
    pool: &AnyPool,
    sql: &str,
    binds: Vec<String>,
    limit: i64,
) -> StoreResult<Vec<UserRow>> {
    let mut q = sqlx::query_as::<Db, UserRow>(sql);
    for b in binds {
        q = q.bind(b);
    }
    q.bind(limit).fetch_all(pool).await.db()
}

/// Users in display-name order, optionally filtered by search terms.
pub async fn list_users(
    pool: &AnyPool,
    terms: &[String],
    after: &After,
    limit: i64,
) -> StoreResult<Vec<UserRow>> {
    let mut sql = format!("SELECT {USER_COLS} FROM users u WHERE 1 = 1");
    let mut binds = Vec::new();
    push_search(
        &mut sql,
        &mut binds,
        "u.id",
        "user_search_terms",
        "user_id",
        terms,
    );
    push_after(&mut sql, &mut binds, "u.sort_key", "u.id", after);
    sql.push_str(&format!(
        " ORDER BY u.sort_key, u.id LIMIT ${}",
        binds.len() + 1
    ));
    fetch_users(pool, &sql, binds, limit).await
}

/// Where a search stopped.
pub struct SearchPage {
    /// Matching users in display-name order (at most the `limit` asked for).
    pub rows: Vec<UserRow>,
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
/// (terms with `@`) are then checked in `user_search_terms` by user. A query made
/// only of addresses is selective and goes through [`list_users`].
pub async fn search_users(
    pool: &AnyPool,
    backend: Backend,
    terms: &[String],
    start: Option<(&str, &str, bool)>,
    limit: i64,
    step_budget: i64,
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
        let rows = list_users(pool, terms, &after, limit).await?;
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
             WHERE t.user_id = substr(lf.c, length(lf.c) - 35) \
             AND t.term >= ${} AND t.term < ${})",
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
    let n = binds.len();
    let (p_start, p_strict, p_limit, p_budget) = (n + 1, n + 2, n + 3, n + 4);
    let collate = match backend {
        Backend::Postgres => " COLLATE \"C\"",
        Backend::Sqlite => "",
    };
    // Per row: `c` is the candidate the last seek found; `pc`, `pstrict`, `pagree`
    // the state it was sought from. Whether `c` matches is derived in the next row, so
    // each step runs exactly one seek.
    let agree = "(CASE WHEN lf.init = 1 THEN 0 \
         WHEN lf.c = lf.pc AND lf.pstrict = 0 THEN lf.pagree + 1 ELSE 1 END)";
    let full = format!("(CASE WHEN {agree} = {k} THEN 1 ELSE 0 END)");
    let strict_next = format!("(CASE WHEN lf.init = 1 THEN ${p_strict} ELSE {full} END)");
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
    let sql = format!(
        "WITH RECURSIVE lf (c, pc, pstrict, pagree, j, init, hits, steps, phit) AS ( \
           SELECT CAST(${p_start} AS TEXT){collate}, CAST(${p_start} AS TEXT){collate}, \
             CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(1 AS BIGINT), \
             CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(0 AS BIGINT) \
           UNION ALL \
           SELECT {seek}, lf.c, CAST({strict_next} AS BIGINT), CAST({agree} AS BIGINT), \
             CAST((lf.j + 1) % {k} AS BIGINT), CAST(0 AS BIGINT), \
             CAST(lf.hits + {hit} AS BIGINT), CAST(lf.steps + 1 AS BIGINT), CAST({hit} AS BIGINT) \
           FROM lf WHERE lf.c IS NOT NULL AND lf.hits < ${p_limit} AND lf.steps < ${p_budget} \
         ) \
         SELECT pc, c, phit, \
           CASE WHEN steps >= ${p_budget} AND c IS NOT NULL AND hits < ${p_limit} \
             THEN 1 ELSE 0 END AS open \
         FROM lf WHERE phit = 1 OR steps >= ${p_budget}"
    );
    type Found = (Option<String>, Option<String>, i64, i64);
    let mut q = sqlx::query_as::<Db, Found>(&sql);
    for b in binds {
        q = q.bind(b);
    }
    let found = q
        .bind(start_ord)
        .bind(strict)
        .bind(limit)
        // Confirming one candidate takes a seek per list and one more: with fewer, a
        // resumed walk would never get past its starting row.
        .bind(step_budget.max(k as i64 + 1))
        .fetch_all(pool)
        .await
        .db()?;
    let mut ids = Vec::new();
    let mut resume_at = None;
    for (pc, c, hit, open) in &found {
        if *hit == 1 {
            if let Some((_, id)) = pc.as_deref().and_then(split_ord) {
                ids.push(id.to_owned());
            }
        }
        // The row that spent the budget: the walk is not done and the page not full.
        if *open == 1 && ids.len() < usize::try_from(limit).unwrap_or(0) {
            if let Some((key, id)) = c.as_deref().and_then(split_ord) {
                resume_at = Some((key.to_owned(), id.to_owned()));
            }
        }
    }
    let mut rows = users_by_ids(pool, &ids).await?;
    let position: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    rows.sort_by_key(|r| position.get(r.id.as_str()).copied().unwrap_or(usize::MAX));
    Ok(SearchPage { rows, resume_at })
}

/// Builds `user_search_prefixes` for every user from `user_search_terms` with the
/// statement migration 0005 backfills it with: one sorted pass, far faster than
/// row-by-row inserts into the index when loading a large directory.
pub async fn build_user_prefixes(tx: &mut Tx, backend: Backend) -> StoreResult<()> {
    let migration = match backend {
        Backend::Sqlite => include_str!("../../../migrations/sqlite/0005_search_prefixes.sql"),
        Backend::Postgres => include_str!("../../../migrations/postgres/0005_search_prefixes.sql"),
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

/// Users with these ids, in no particular order.
async fn users_by_ids(pool: &AnyPool, ids: &[String]) -> StoreResult<Vec<UserRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {USER_COLS} FROM users u WHERE u.id IN ({})",
        placeholders(1, ids.len())
    );
    let mut q = sqlx::query_as::<Db, UserRow>(&sql);
    for id in ids {
        q = q.bind(id);
    }
    q.fetch_all(pool).await.db()
}

/// Members of a location in display-name order, walking `unit_members_by_sort_key`.
pub async fn list_members(
    pool: &AnyPool,
    unit_id: &str,
    terms: &[String],
    after: &After,
    limit: i64,
) -> StoreResult<Vec<UserRow>> {
    let mut sql = format!(
        "SELECT {USER_COLS} FROM unit_members m JOIN users u ON u.id = m.user_id \
         WHERE m.unit_id = $1"
    );
    let mut binds = vec![unit_id.to_owned()];
    push_search(
        &mut sql,
        &mut binds,
        "m.user_id",
        "user_search_terms",
        "user_id",
        terms,
    );
    push_after(&mut sql, &mut binds, "m.sort_key", "m.user_id", after);
    sql.push_str(&format!(
        " ORDER BY m.sort_key, m.user_id LIMIT ${}",
        binds.len() + 1
    ));
    fetch_users(pool, &sql, binds, limit).await
}

pub async fn get_user<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    id: &str,
) -> StoreResult<Option<UserRow>> {
    sqlx::query_as::<Db, UserRow>(&format!("SELECT {USER_COLS} FROM users u WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(exec)
        .await
        .db()
}

/// What every authenticated request needs, read in one query: the caller's row, the
/// (role, scope) of each of their role assignments, and the My Staff setting.
pub struct Caller {
    pub user: UserRow,
    pub grants: Vec<Grant>,
    pub my_staff_setting: Option<String>,
}

#[derive(FromRow)]
struct CallerRow {
    #[sqlx(flatten)]
    user: UserRow,
    grant_role: Option<String>,
    grant_scope: Option<String>,
    my_staff_setting: Option<String>,
}

pub async fn caller(pool: &AnyPool, id: &str, setting_key: &str) -> StoreResult<Option<Caller>> {
    let rows = sqlx::query_as::<Db, CallerRow>(&format!(
        "SELECT {USER_COLS}, r.role AS grant_role, r.scope AS grant_scope, \
         (SELECT s.value FROM settings s WHERE s.key = $2) AS my_staff_setting \
         FROM users u LEFT JOIN role_assignments r ON r.principal_id = u.id \
         WHERE u.id = $1"
    ))
    .bind(id)
    .bind(setting_key)
    .fetch_all(pool)
    .await
    .db()?;
    let mut grants = Vec::new();
    let mut first = None;
    for row in rows {
        if let (Some(role), Some(scope)) = (&row.grant_role, &row.grant_scope) {
            if let (Ok(role), Some(scope)) = (role.parse(), Scope::from_storage(scope)) {
                grants.push(Grant { role, scope });
            }
        }
        first.get_or_insert(row);
    }
    Ok(first.map(|row| Caller {
        user: row.user,
        grants,
        my_staff_setting: row.my_staff_setting,
    }))
}

/// A new account, already validated.
pub struct NewUser<'a> {
    pub id: &'a str,
    pub user_principal_name: &'a str,
    pub display_name: &'a str,
    pub mail: Option<&'a str>,
    pub job_title: Option<&'a str>,
    pub department: Option<&'a str>,
    pub account_enabled: bool,
    pub source: UserSource,
    pub password_hash: &'a str,
    pub force_password_change: bool,
    pub now: i64,
}

pub async fn insert_user(tx: &mut Tx, u: &NewUser<'_>) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO users (id, user_principal_name, upn_lower, display_name, sort_key, mail, \
         job_title, department, account_enabled, source, password_hash, force_password_change, \
         token_version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, $13, $13)",
    )
    .bind(u.id)
    .bind(u.user_principal_name)
    .bind(u.user_principal_name.to_lowercase())
    .bind(u.display_name)
    .bind(sort_key(u.display_name))
    .bind(u.mail)
    .bind(u.job_title)
    .bind(u.department)
    .bind(i64::from(u.account_enabled))
    .bind(u.source.id())
    .bind(u.password_hash)
    .bind(i64::from(u.force_password_change))
    .bind(u.now)
    .execute(&mut **tx)
    .await
    .db()?;
    insert_user_index(tx, u.id, u.display_name, u.user_principal_name, u.mail).await
}

/// Writes a user's rows in the search index: `user_search_terms` (whole words, UPN,
/// mail) and `user_search_prefixes` (word prefixes in display-name order).
async fn insert_user_index(
    tx: &mut Tx,
    id: &str,
    display_name: &str,
    upn: &str,
    mail: Option<&str>,
) -> StoreResult<()> {
    let terms: Vec<Vec<Cell>> = user_terms(display_name, upn, mail)
        .into_iter()
        .map(|t| vec![Cell::Text(t), Cell::Text(id.to_owned())])
        .collect();
    bulk_insert(tx, "user_search_terms", &["term", "user_id"], &terms).await?;
    let ord = ord(&sort_key(display_name), id);
    let prefixes: Vec<Vec<Cell>> = user_prefixes(display_name, upn, mail)
        .into_iter()
        .map(|p| vec![Cell::Text(p), Cell::Text(ord.clone())])
        .collect();
    bulk_insert(tx, "user_search_prefixes", &["prefix", "ord"], &prefixes).await
}

/// The roles (at any scope, each once, sorted) and the locations (in display-name
/// order) of each of `ids`, in one query.
pub async fn profiles_for_users(
    pool: &AnyPool,
    ids: &[&str],
) -> StoreResult<(HashMap<String, Vec<Role>>, HashMap<String, Vec<UnitRef>>)> {
    let mut roles: HashMap<String, Vec<Role>> = HashMap::new();
    let mut units: HashMap<String, Vec<(String, UnitRef)>> = HashMap::new();
    if ids.is_empty() {
        return Ok((roles, HashMap::new()));
    }
    let list = placeholders(1, ids.len());
    let sql = format!(
        "SELECT CAST(0 AS BIGINT), r.principal_id, r.role, r.role, r.role, CAST(0 AS BIGINT) \
         FROM role_assignments r WHERE r.principal_id IN ({list}) \
         UNION ALL \
         SELECT CAST(1 AS BIGINT), m.user_id, a.id, a.display_name, a.sort_key, a.restricted \
         FROM unit_members m JOIN administrative_units a ON a.id = m.unit_id \
         WHERE m.user_id IN ({list})"
    );
    type Row = (i64, String, String, String, String, i64);
    let mut q = sqlx::query_as::<Db, Row>(&sql);
    for id in ids {
        q = q.bind(*id);
    }
    for (kind, uid, a, display_name, sort_key, restricted) in q.fetch_all(pool).await.db()? {
        if kind == 0 {
            if let Ok(role) = a.parse::<Role>() {
                let held = roles.entry(uid).or_default();
                if !held.contains(&role) {
                    held.push(role);
                }
            }
        } else if let Ok(id) = uuid::Uuid::parse_str(&a) {
            let unit = UnitRef {
                id,
                display_name,
                restricted: restricted != 0,
            };
            units.entry(uid).or_default().push((sort_key, unit));
        }
    }
    for held in roles.values_mut() {
        held.sort();
    }
    let units = units
        .into_iter()
        .map(|(uid, mut list)| {
            list.sort_by(|(ka, a), (kb, b)| (ka, a.id).cmp(&(kb, b.id)));
            (uid, list.into_iter().map(|(_, u)| u).collect())
        })
        .collect();
    Ok((roles, units))
}

/// Converts profile locations into what the rules need.
pub fn rule_memberships(units: &[UnitRef]) -> Vec<Membership> {
    units
        .iter()
        .map(|u| Membership {
            unit_id: u.id,
            display_name: u.display_name.clone(),
            restricted: u.restricted,
        })
        .collect()
}

const ASSIGNMENT_SELECT: &str =
    "SELECT r.id, r.principal_id, u.display_name AS principal_display_name, \
     r.role, r.scope, a.display_name AS scope_display_name, r.created_at \
     FROM role_assignments r JOIN users u ON u.id = r.principal_id \
     LEFT JOIN administrative_units a ON a.id = r.scope_unit_id";

/// Every role assignment of one principal.
pub async fn assignments_of<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    principal_id: &str,
) -> StoreResult<Vec<AssignmentRow>> {
    sqlx::query_as::<Db, AssignmentRow>(&format!(
        "{ASSIGNMENT_SELECT} WHERE r.principal_id = $1 ORDER BY r.created_at, r.id"
    ))
    .bind(principal_id)
    .fetch_all(exec)
    .await
    .db()
}

pub async fn get_assignment<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    id: &str,
) -> StoreResult<Option<AssignmentRow>> {
    sqlx::query_as::<Db, AssignmentRow>(&format!("{ASSIGNMENT_SELECT} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(exec)
        .await
        .db()
}

/// Role assignments in creation order, optionally of one principal or location.
pub async fn list_assignments(
    pool: &AnyPool,
    principal_id: Option<&str>,
    unit_id: Option<&str>,
    after: &After,
    limit: i64,
) -> StoreResult<Vec<AssignmentRow>> {
    let mut sql = format!("{ASSIGNMENT_SELECT} WHERE 1 = 1");
    let mut binds: Vec<String> = Vec::new();
    if let Some(p) = principal_id {
        binds.push(p.to_owned());
        sql.push_str(&format!(" AND r.principal_id = ${}", binds.len()));
    }
    if let Some(u) = unit_id {
        binds.push(u.to_owned());
        sql.push_str(&format!(" AND r.scope_unit_id = ${}", binds.len()));
    }
    // The cursor key is the creation time (zero-padded text); rows page by it.
    let after = after
        .as_ref()
        .and_then(|(key, id)| Some((key.parse::<i64>().ok()?, id.clone())));
    if after.is_some() {
        sql.push_str(&format!(
            " AND (r.created_at, r.id) > (${}, ${})",
            binds.len() + 1,
            binds.len() + 2
        ));
    }
    let limit_at = binds.len() + if after.is_some() { 3 } else { 1 };
    sql.push_str(&format!(" ORDER BY r.created_at, r.id LIMIT ${limit_at}"));
    let mut q = sqlx::query_as::<Db, AssignmentRow>(&sql);
    for b in binds {
        q = q.bind(b);
    }
    if let Some((created, id)) = after {
        q = q.bind(created).bind(id);
    }
    q.bind(limit).fetch_all(pool).await.db()
}

pub async fn insert_assignment(
    tx: &mut Tx,
    id: &str,
    principal_id: &str,
    role: Role,
    scope: &Scope,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO role_assignments (id, principal_id, role, scope, scope_unit_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(principal_id)
    .bind(role.id())
    .bind(scope.to_storage())
    .bind(scope.unit_id().map(|u| u.to_string()))
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

pub async fn delete_assignment(tx: &mut Tx, id: &str) -> StoreResult<bool> {
    let r = sqlx::query("DELETE FROM role_assignments WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await
        .db()?;
    Ok(r.rows_affected() > 0)
}

pub async fn get_unit<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    id: &str,
) -> StoreResult<Option<UnitRow>> {
    sqlx::query_as::<Db, UnitRow>(&format!(
        "SELECT {UNIT_COLS} FROM administrative_units a WHERE a.id = $1"
    ))
    .bind(id)
    .fetch_optional(exec)
    .await
    .db()
}

/// Locations in name order; `only_ids_of_principal` limits them to the locations
/// where that principal holds a location-scoped role.
pub async fn list_units(
    pool: &AnyPool,
    terms: &[String],
    only_ids_of_principal: Option<&str>,
    after: &After,
    limit: i64,
) -> StoreResult<Vec<UnitRow>> {
    let mut sql = format!("SELECT {UNIT_COLS} FROM administrative_units a WHERE 1 = 1");
    let mut binds = Vec::new();
    if let Some(p) = only_ids_of_principal {
        binds.push(p.to_owned());
        sql.push_str(&format!(
            " AND a.id IN (SELECT scope_unit_id FROM role_assignments WHERE principal_id = ${})",
            binds.len()
        ));
    }
    push_search(
        &mut sql,
        &mut binds,
        "a.id",
        "unit_search_terms",
        "unit_id",
        terms,
    );
    push_after(&mut sql, &mut binds, "a.sort_key", "a.id", after);
    sql.push_str(&format!(
        " ORDER BY a.sort_key, a.id LIMIT ${}",
        binds.len() + 1
    ));
    let mut q = sqlx::query_as::<Db, UnitRow>(&sql);
    for b in binds {
        q = q.bind(b);
    }
    q.bind(limit).fetch_all(pool).await.db()
}

pub async fn insert_unit(
    tx: &mut Tx,
    id: &str,
    display_name: &str,
    description: Option<&str>,
    restricted: bool,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO administrative_units (id, display_name, sort_key, description, restricted, \
         member_count, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $6)",
    )
    .bind(id)
    .bind(display_name)
    .bind(sort_key(display_name))
    .bind(description)
    .bind(i64::from(restricted))
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    for term in unit_terms(display_name) {
        sqlx::query("INSERT INTO unit_search_terms (term, unit_id) VALUES ($1, $2)")
            .bind(term)
            .bind(id)
            .execute(&mut **tx)
            .await
            .db()?;
    }
    Ok(())
}

/// Keeps a location's member count in step with its membership rows.
async fn count_member(tx: &mut Tx, unit_id: &str, delta: i64) -> StoreResult<()> {
    sqlx::query("UPDATE administrative_units SET member_count = member_count + $2 WHERE id = $1")
        .bind(unit_id)
        .bind(delta)
        .execute(&mut **tx)
        .await
        .db()?;
    Ok(())
}

/// Adds a member; `false` when already a member.
pub async fn add_member(tx: &mut Tx, unit_id: &str, user_id: &str, now: i64) -> StoreResult<bool> {
    let r = sqlx::query(
        "INSERT INTO unit_members (unit_id, user_id, sort_key, added_at) \
         SELECT $1, u.id, u.sort_key, $3 FROM users u WHERE u.id = $2 \
         AND NOT EXISTS (SELECT 1 FROM unit_members WHERE unit_id = $1 AND user_id = $2)",
    )
    .bind(unit_id)
    .bind(user_id)
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    let added = r.rows_affected() > 0;
    if added {
        count_member(tx, unit_id, 1).await?;
    }
    Ok(added)
}

/// Removes a member; `false` when not a member.
pub async fn remove_member(tx: &mut Tx, unit_id: &str, user_id: &str) -> StoreResult<bool> {
    let r = sqlx::query("DELETE FROM unit_members WHERE unit_id = $1 AND user_id = $2")
        .bind(unit_id)
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .db()?;
    let removed = r.rows_affected() > 0;
    if removed {
        count_member(tx, unit_id, -1).await?;
    }
    Ok(removed)
}

pub async fn get_setting<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    key: &str,
) -> StoreResult<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(exec)
        .await
        .db()?;
    Ok(row.map(|r| r.0))
}

pub async fn put_setting(tx: &mut Tx, key: &str, value: &str) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

/// Which of `ids` exist as users.
pub async fn existing_user_ids(pool: &AnyPool, ids: &[String]) -> StoreResult<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id FROM users WHERE id IN ({})",
        placeholders(1, ids.len())
    );
    let mut q = sqlx::query_as::<Db, (String,)>(&sql);
    for id in ids {
        q = q.bind(id);
    }
    Ok(q.fetch_all(pool)
        .await
        .db()?
        .into_iter()
        .map(|r| r.0)
        .collect())
}

pub async fn count_users(pool: &AnyPool) -> StoreResult<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await
        .db()?;
    Ok(n)
}

/// The editable attributes of a user, after the change.
pub struct UserUpdate<'a> {
    pub display_name: &'a str,
    pub mail: Option<&'a str>,
    pub job_title: Option<&'a str>,
    pub department: Option<&'a str>,
    pub account_enabled: bool,
    /// Ends every token the user holds (disabling).
    pub end_sessions: bool,
}

pub async fn update_user(
    tx: &mut Tx,
    id: &str,
    upn: &str,
    u: &UserUpdate<'_>,
    now: i64,
) -> StoreResult<()> {
    // Lock the row (PostgreSQL; SQLite has one writer) and read the names the index
    // rows were made from, so concurrent edits cannot leave stale index rows.
    sqlx::query("UPDATE users SET updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(&mut **tx)
        .await
        .db()?;
    let (old_name, old_key, old_mail): (String, String, Option<String>) =
        sqlx::query_as("SELECT display_name, sort_key, mail FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await
            .db()?;
    let key = sort_key(u.display_name);
    sqlx::query(
        "UPDATE users SET display_name = $2, sort_key = $3, mail = $4, job_title = $5, \
         department = $6, account_enabled = $7, \
         token_version = token_version + $8, updated_at = $9 WHERE id = $1",
    )
    .bind(id)
    .bind(u.display_name)
    .bind(&key)
    .bind(u.mail)
    .bind(u.job_title)
    .bind(u.department)
    .bind(i64::from(u.account_enabled))
    .bind(i64::from(u.end_sessions))
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    sqlx::query("UPDATE unit_members SET sort_key = $2 WHERE user_id = $1")
        .bind(id)
        .bind(&key)
        .execute(&mut **tx)
        .await
        .db()?;
    // The old prefix rows, by primary key, in one statement.
    let old_prefixes = user_prefixes(&old_name, upn, old_mail.as_deref());
    let sql = format!(
        "DELETE FROM user_search_prefixes WHERE ord = $1 AND prefix IN ({})",
        placeholders(2, old_prefixes.len())
    );
    if !old_prefixes.is_empty() {
        let mut q = sqlx::query(&sql).bind(ord(&old_key, id));
        for p in old_prefixes {
            q = q.bind(p);
        }
        q.execute(&mut **tx).await.db()?;
    }
    sqlx::query("DELETE FROM user_search_terms WHERE user_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await
        .db()?;
    insert_user_index(tx, id, u.display_name, upn, u.mail).await
}

pub async fn update_unit(
    tx: &mut Tx,
    id: &str,
    display_name: &str,
    description: Option<&str>,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE administrative_units SET display_name = $2, sort_key = $3, description = $4, \
         updated_at = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(display_name)
    .bind(sort_key(display_name))
    .bind(description)
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    sqlx::query("DELETE FROM unit_search_terms WHERE unit_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await
        .db()?;
    for term in unit_terms(display_name) {
        sqlx::query("INSERT INTO unit_search_terms (term, unit_id) VALUES ($1, $2)")
            .bind(term)
            .bind(id)
            .execute(&mut **tx)
            .await
            .db()?;
    }
    Ok(())
}

/// Deletes a location; membership and location-scoped role assignments go with it.
pub async fn delete_unit(tx: &mut Tx, id: &str) -> StoreResult<bool> {
    for sql in [
        "DELETE FROM unit_members WHERE unit_id = $1",
        "DELETE FROM role_assignments WHERE scope_unit_id = $1",
        "DELETE FROM unit_search_terms WHERE unit_id = $1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut **tx).await.db()?;
    }
    let r = sqlx::query("DELETE FROM administrative_units WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await
        .db()?;
    Ok(r.rows_affected() > 0)
}

/// Locations whose name equals `name`, ignoring case.
pub async fn units_named(pool: &AnyPool, name: &str) -> StoreResult<Vec<UnitRow>> {
    sqlx::query_as::<Db, UnitRow>(&format!(
        "SELECT {UNIT_COLS} FROM administrative_units a WHERE a.sort_key = $1 LIMIT 2"
    ))
    .bind(sort_key(name))
    .fetch_all(pool)
    .await
    .db()
}
