//! Users, locations, membership, role assignments and settings.

use super::search::{prefix_upper, sort_key, unit_terms, user_terms};
use super::{placeholders, Db, ResultExt, StoreResult, Tx};
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
    for term in user_terms(u.display_name, u.user_principal_name, u.mail) {
        sqlx::query("INSERT INTO user_search_terms (term, user_id) VALUES ($1, $2)")
            .bind(term)
            .bind(u.id)
            .execute(&mut **tx)
            .await
            .db()?;
    }
    Ok(())
}

/// Roles held by each of `ids`, at any scope.
pub async fn roles_for_users(
    pool: &AnyPool,
    ids: &[&str],
) -> StoreResult<HashMap<String, Vec<Role>>> {
    let mut out: HashMap<String, Vec<Role>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT principal_id, role FROM role_assignments WHERE principal_id IN ({})",
        placeholders(1, ids.len())
    );
    let mut q = sqlx::query_as::<Db, (String, String)>(&sql);
    for id in ids {
        q = q.bind(*id);
    }
    for (pid, role) in q.fetch_all(pool).await.db()? {
        if let Ok(role) = role.parse::<Role>() {
            let roles = out.entry(pid).or_default();
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
    }
    for roles in out.values_mut() {
        roles.sort();
    }
    Ok(out)
}

/// Locations each of `ids` belongs to, in display-name order.
pub async fn memberships_for_users(
    pool: &AnyPool,
    ids: &[&str],
) -> StoreResult<HashMap<String, Vec<UnitRef>>> {
    let mut out: HashMap<String, Vec<UnitRef>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT m.user_id, a.id, a.display_name, a.restricted FROM unit_members m \
         JOIN administrative_units a ON a.id = m.unit_id WHERE m.user_id IN ({}) \
         ORDER BY a.sort_key, a.id",
        placeholders(1, ids.len())
    );
    let mut q = sqlx::query_as::<Db, (String, String, String, i64)>(&sql);
    for id in ids {
        q = q.bind(*id);
    }
    for (uid, unit_id, display_name, restricted) in q.fetch_all(pool).await.db()? {
        if let Ok(id) = uuid::Uuid::parse_str(&unit_id) {
            out.entry(uid).or_default().push(UnitRef {
                id,
                display_name,
                restricted: restricted != 0,
            });
        }
    }
    Ok(out)
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

async fn replace_user_terms(
    tx: &mut Tx,
    id: &str,
    terms: std::collections::BTreeSet<String>,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM user_search_terms WHERE user_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await
        .db()?;
    for term in terms {
        sqlx::query("INSERT INTO user_search_terms (term, user_id) VALUES ($1, $2)")
            .bind(term)
            .bind(id)
            .execute(&mut **tx)
            .await
            .db()?;
    }
    Ok(())
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
    replace_user_terms(tx, id, user_terms(u.display_name, upn, u.mail)).await
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
