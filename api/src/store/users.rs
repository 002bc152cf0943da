//! The users table and the caller's identity read.

use super::search::{ord, sort_key, user_prefixes, user_terms};
use super::{bulk_insert, placeholders, Backend, Cell, Db, ResultExt, StoreResult, Tx};
use crate::store::search::sql::{push_after, push_search, After};
use crate::time::Micros;
use shared::dto::{MyStaffSettings, UnitRef, UserSource};
use shared::rules::Grant;
use shared::{Role, Scope, UserId};
use sqlx::{AnyPool, Executor, FromRow};
use std::collections::HashMap;

/// A user row without credentials.
#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: UserId,
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
    /// Sign-in refused until then (0: not locked).
    pub locked_until: Micros,
}

impl UserRow {
    pub fn source(&self) -> UserSource {
        UserSource::from_id(&self.source).unwrap_or(UserSource::Cloud)
    }
}

pub(crate) const USER_COLS: &str =
    "u.id, u.user_principal_name, u.display_name, u.sort_key, u.mail, \
     u.job_title, u.department, u.account_enabled, u.source, u.force_password_change, \
     u.token_version, u.locked_until";

/// Users in display-name order, optionally filtered by search terms.
pub async fn list_users(
    pool: &AnyPool,
    backend: Backend,
    terms: &[String],
    after: &After,
    limit: i64,
    confirm: Option<&Confirm>,
) -> StoreResult<Vec<Profile>> {
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
    fetch_profiles(pool, backend, &sql, binds, limit, confirm).await
}

/// One user with their roles and locations.
pub async fn get_profile(
    pool: &AnyPool,
    backend: Backend,
    id: UserId,
    confirm: Option<&Confirm>,
) -> StoreResult<Option<Profile>> {
    let sql = format!("SELECT {USER_COLS} FROM users u WHERE u.id = $1 LIMIT $2");
    Ok(
        fetch_profiles(pool, backend, &sql, vec![id.to_string()], 1, confirm)
            .await?
            .pop(),
    )
}

pub async fn get_user<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    id: UserId,
) -> StoreResult<Option<UserRow>> {
    sqlx::query_as::<Db, UserRow>(&format!("SELECT {USER_COLS} FROM users u WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(exec)
        .await
        .db()
}

/// What every authenticated request needs, read in one query: the caller's row, the
/// (role, scope) of each of their role assignments, and the My Staff setting.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: UserRow,
    pub grants: Vec<Grant>,
    pub my_staff: MyStaffSettings,
    /// The JSON text the database gave for all of the above ([`caller_expr`]): the same
    /// data always gives the same text, so a remembered caller is current exactly when
    /// a query finds this text again.
    pub fingerprint: String,
}

/// The caller as one JSON text: `[[USER_COLS...], [[role, scope]...], my_staff]`, roles
/// in order; NULL when there is no such user. `$id_param` is the user's id.
fn caller_expr(backend: Backend, id_param: usize) -> String {
    let (agg, array) = json_functions(backend);
    let grants = nested_json(
        backend,
        &format!(
            "SELECT {agg}({array}(r.role, r.scope) ORDER BY r.role, r.scope) \
             FROM role_assignments r WHERE r.principal_id = u.id"
        ),
    );
    format!(
        "(SELECT CAST({array}({array}({USER_COLS}), {grants}, \
         (SELECT s.value FROM settings s WHERE s.key = '{}')) AS TEXT) \
         FROM users u WHERE u.id = ${id_param})",
        super::settings::MY_STAFF_KEY
    )
}

/// The JSON aggregate and array functions of `backend`.
fn json_functions(backend: Backend) -> (&'static str, &'static str) {
    match backend {
        Backend::Sqlite => ("json_group_array", "json_array"),
        Backend::Postgres => ("json_agg", "json_build_array"),
    }
}

/// A subquery's JSON array, kept JSON inside an outer array (SQLite drops the JSON mark
/// at a subquery's edge; PostgreSQL's `json_agg` of no rows is NULL).
fn nested_json(backend: Backend, q: &str) -> String {
    match backend {
        Backend::Sqlite => format!("json(({q}))"),
        Backend::Postgres => format!("COALESCE(({q}), '[]'::json)"),
    }
}

/// The columns of [`USER_COLS`] as the JSON functions give them.
type UserJson = (
    UserId,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    String,
    i64,
    i64,
    i64,
);

fn user_from_json(u: UserJson) -> UserRow {
    UserRow {
        id: u.0,
        user_principal_name: u.1,
        display_name: u.2,
        sort_key: u.3,
        mail: u.4,
        job_title: u.5,
        department: u.6,
        account_enabled: u.7 != 0,
        source: u.8,
        force_password_change: u.9 != 0,
        token_version: u.10,
        locked_until: Micros::from_micros(u.11),
    }
}

fn decode_error(e: serde_json::Error) -> super::StoreError {
    super::StoreError::Other(sqlx::Error::Decode(Box::new(e)))
}

/// A caller from the text of [`caller_expr`].
fn caller_from_json(fingerprint: String) -> StoreResult<Caller> {
    let (user, grants, my_staff): (UserJson, Vec<(String, String)>, Option<String>) =
        serde_json::from_str(&fingerprint).map_err(decode_error)?;
    Ok(Caller {
        user: user_from_json(user),
        grants: grants
            .iter()
            .filter_map(|(role, scope)| {
                Some(Grant {
                    role: role.parse().ok()?,
                    scope: Scope::from_storage(scope)?,
                })
            })
            .collect(),
        my_staff: super::settings::parse_my_staff(my_staff.as_deref())?,
        fingerprint,
    })
}

pub async fn caller(pool: &AnyPool, backend: Backend, id: UserId) -> StoreResult<Option<Caller>> {
    let text =
        sqlx::query_scalar::<Db, Option<String>>(&format!("SELECT {}", caller_expr(backend, 1)))
            .bind(id)
            .fetch_one(pool)
            .await
            .db()?;
    text.map(caller_from_json).transpose()
}

/// A caller remembered from an earlier request, to be confirmed by the query that
/// answers this one: [`fetch_profiles`] reads the caller in the same statement, so in
/// the same snapshot as the page, and records whether it is still exactly the one
/// remembered.
#[derive(Debug)]
pub struct Confirm {
    pub user: UserId,
    expected: String,
    seen: std::sync::Mutex<Seen>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Nothing,
    Same,
    Changed,
}

impl Confirm {
    pub fn new(caller: &Caller) -> Confirm {
        Confirm {
            user: caller.user.id,
            expected: caller.fingerprint.clone(),
            seen: std::sync::Mutex::new(Seen::Nothing),
        }
    }

    fn record(&self, found: Option<&str>) {
        let same = found == Some(self.expected.as_str());
        if let Ok(mut seen) = self.seen.lock() {
            *seen = match (*seen, same) {
                (Seen::Changed, _) | (_, false) => Seen::Changed,
                _ => Seen::Same,
            };
        }
    }

    /// Whether a query read the caller, and every query that did found them unchanged.
    pub fn held(&self) -> bool {
        self.seen.lock().is_ok_and(|s| *s == Seen::Same)
    }
}

/// Locks these users' rows until the transaction ends (PostgreSQL, in id order, so
/// concurrent lockers cannot deadlock). SQLite needs nothing: its one writer
/// connection runs each write transaction from `BEGIN IMMEDIATE` to commit alone.
pub async fn lock_users(tx: &mut Tx, backend: Backend, ids: &[UserId]) -> StoreResult<()> {
    if backend == Backend::Sqlite || ids.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT id FROM users WHERE id IN ({}) ORDER BY id FOR UPDATE",
        placeholders(1, ids.len())
    );
    let mut q = sqlx::query(&sql);
    for id in ids {
        q = q.bind(*id);
    }
    q.fetch_all(&mut **tx).await.db()?;
    Ok(())
}

/// A new account, already validated.
pub struct NewUser<'a> {
    pub id: UserId,
    pub user_principal_name: &'a str,
    pub display_name: &'a str,
    pub mail: Option<&'a str>,
    pub job_title: Option<&'a str>,
    pub department: Option<&'a str>,
    pub account_enabled: bool,
    pub source: UserSource,
    pub password_hash: &'a str,
    pub force_password_change: bool,
    pub now: Micros,
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
pub(crate) async fn insert_user_index(
    tx: &mut Tx,
    id: UserId,
    display_name: &str,
    upn: &str,
    mail: Option<&str>,
) -> StoreResult<()> {
    let terms: Vec<Vec<Cell>> = user_terms(display_name, upn, mail)
        .into_iter()
        .map(|t| vec![Cell::Text(t), Cell::Text(id.to_string())])
        .collect();
    bulk_insert(tx, "user_search_terms", &["term", "user_id"], &terms).await?;
    let ord = ord(&sort_key(display_name), &id.to_string());
    let prefixes: Vec<Vec<Cell>> = user_prefixes(display_name, upn, mail)
        .into_iter()
        .map(|p| vec![Cell::Text(p), Cell::Text(ord.clone())])
        .collect();
    bulk_insert(tx, "user_search_prefixes", &["prefix", "ord"], &prefixes).await
}

/// The roles (at any scope, each once, sorted) and the locations (in display-name
/// order) of each of `ids`, in one query.
pub async fn profiles_for_users<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    ids: &[UserId],
) -> StoreResult<(HashMap<UserId, Vec<Role>>, HashMap<UserId, Vec<UnitRef>>)> {
    let mut roles: HashMap<UserId, Vec<Role>> = HashMap::new();
    let mut units: HashMap<UserId, Vec<(String, UnitRef)>> = HashMap::new();
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
    type Row = (i64, UserId, String, String, String, i64);
    let mut q = sqlx::query_as::<Db, Row>(&sql);
    for id in ids {
        q = q.bind(*id);
    }
    for (kind, uid, a, display_name, sort_key, restricted) in q.fetch_all(exec).await.db()? {
        if kind == 0 {
            if let Ok(role) = a.parse::<Role>() {
                let held = roles.entry(uid).or_default();
                if !held.contains(&role) {
                    held.push(role);
                }
            }
        } else {
            let id = super::parse_stored_id::<uuid::Uuid>(&a)?;
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

/// A user with their roles (at any scope, each once, sorted) and their locations (in
/// display-name order): what a profile and a page of users show.
pub struct Profile {
    pub user: UserRow,
    pub roles: Vec<Role>,
    pub units: Vec<UnitRef>,
}

/// One user of [`fetch_profiles`]' JSON: the columns of [`USER_COLS`] in order, the
/// role names, and the locations as `[id, display name, restricted]`.
#[derive(serde::Deserialize)]
struct ProfileJson(UserJson, Vec<String>, Vec<(uuid::Uuid, String, i64)>);

/// The users `page` selects (a `SELECT {USER_COLS} FROM users u ...` query whose last
/// placeholder is its limit), in display-name order, each with their roles and
/// locations. The database builds the whole answer as one JSON value (SQLite's JSON1
/// functions, PostgreSQL's `json_agg`), so one row crosses from it, not one per user,
/// role and location: with sqlx each row is a hand-off between threads, and those,
/// not the SQL, were most of a page's cost. With `confirm`, the same statement reads
/// the caller too ([`Confirm`]).
pub(crate) async fn fetch_profiles(
    pool: &AnyPool,
    backend: Backend,
    page: &str,
    binds: Vec<String>,
    limit: i64,
    confirm: Option<&Confirm>,
) -> StoreResult<Vec<Profile>> {
    let statement = PageStatement {
        with: "",
        page,
        binds,
        limit,
        extra: None,
    };
    Ok(fetch_page(pool, backend, statement, confirm).await?.0)
}

/// A page of users as one statement: [`fetch_profiles`]' `page`, `binds` and `limit`,
/// after a `WITH` clause the page (and `extra`) may read from.
pub(crate) struct PageStatement<'a> {
    pub with: &'a str,
    pub page: &'a str,
    pub binds: Vec<String>,
    pub limit: i64,
    /// A query of at most one value (it may read the `WITH` clause's tables), answered
    /// beside the page as text.
    pub extra: Option<&'a str>,
}

/// [`fetch_profiles`] of a [`PageStatement`]: the profiles and the `extra` value.
pub(crate) async fn fetch_page(
    pool: &AnyPool,
    backend: Backend,
    statement: PageStatement<'_>,
    confirm: Option<&Confirm>,
) -> StoreResult<(Vec<Profile>, Option<String>)> {
    let PageStatement {
        with,
        page,
        binds,
        limit,
        extra,
    } = statement;
    let (agg, array) = json_functions(backend);
    let roles = nested_json(
        backend,
        &format!("SELECT {agg}(r.role) FROM role_assignments r WHERE r.principal_id = u.id"),
    );
    let units = nested_json(
        backend,
        &format!(
            "SELECT {agg}({array}(a.id, a.display_name, a.restricted) ORDER BY a.sort_key, a.id) \
             FROM unit_members m JOIN administrative_units a ON a.id = m.unit_id \
             WHERE m.user_id = u.id"
        ),
    );
    let caller = match confirm {
        Some(_) => caller_expr(backend, binds.len() + 2),
        None => "CAST(NULL AS TEXT)".to_owned(),
    };
    let extra = extra.map_or_else(
        || "CAST(NULL AS TEXT)".to_owned(),
        |e| format!("CAST(({e}) AS TEXT)"),
    );
    // The page's rows are `u` here as inside it, so its columns are [`USER_COLS`].
    let sql = format!(
        "{with} SELECT CAST(COALESCE({agg}({array}({array}({USER_COLS}), {roles}, {units}) \
         ORDER BY u.sort_key, u.id), '[]') AS TEXT), {caller}, {extra} FROM ({page}) u"
    );
    let mut q = sqlx::query_as::<Db, (String, Option<String>, Option<String>)>(&sql);
    for b in binds {
        q = q.bind(b);
    }
    q = q.bind(limit);
    if let Some(c) = confirm {
        q = q.bind(c.user);
    }
    let (json, found, extra) = q.fetch_one(pool).await.db()?;
    if let Some(c) = confirm {
        c.record(found.as_deref());
    }
    let users: Vec<ProfileJson> = serde_json::from_str(&json).map_err(decode_error)?;
    let profiles = users
        .into_iter()
        .map(|u| {
            let mut roles: Vec<Role> = u.1.iter().filter_map(|r| r.parse().ok()).collect();
            roles.sort();
            roles.dedup();
            Profile {
                user: user_from_json(u.0),
                roles,
                units: u
                    .2
                    .into_iter()
                    .map(|(id, display_name, restricted)| UnitRef {
                        id,
                        display_name,
                        restricted: restricted != 0,
                    })
                    .collect(),
            }
        })
        .collect();
    Ok((profiles, extra))
}

/// Which of `ids` exist as users.
pub async fn existing_user_ids(pool: &AnyPool, ids: &[UserId]) -> StoreResult<Vec<UserId>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id FROM users WHERE id IN ({})",
        placeholders(1, ids.len())
    );
    let mut q = sqlx::query_as::<Db, (UserId,)>(&sql);
    for id in ids {
        q = q.bind(*id);
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
    id: UserId,
    upn: &str,
    u: &UserUpdate<'_>,
    now: Micros,
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
        let mut q = sqlx::query(&sql).bind(ord(&old_key, &id.to_string()));
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
