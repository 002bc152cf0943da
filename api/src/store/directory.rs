//! What the directory sync keeps: the `directory_state` row (where the last run got
//! to on which domain controller, the domain's password policy, the lease that lets
//! one replica at a time sync) and the writes of synced users.

use super::search::{ord, sort_key, user_prefixes, user_terms};
use super::{bulk_insert, placeholders, Cell, Db, ResultExt, StoreResult, Tx};
use crate::time::Micros;
use shared::policy::DomainPasswordPolicy;
use shared::{UnitId, UserId};
use sqlx::{AnyPool, FromRow};
use std::collections::HashMap;

/// The one row's id.
const STATE_ID: &str = "default";

/// The `directory_state` row.
#[derive(Debug, Clone, FromRow)]
pub struct DirectoryState {
    /// The domain controller the high-water mark belongs to (`dnsHostName`).
    pub server: Option<String>,
    pub usn_high_water: Option<i64>,
    /// [`DomainPasswordPolicy`] as JSON.
    pub password_policy: Option<String>,
    pub policy_read_at: Option<Micros>,
    pub last_sync_at: Option<Micros>,
    pub last_full_sync_at: Option<Micros>,
    pub lease_holder: Option<String>,
    pub lease_until: Micros,
}

impl DirectoryState {
    /// The domain's policy as last read, if it was.
    pub fn policy(&self) -> Option<DomainPasswordPolicy> {
        self.password_policy
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
    }
}

pub async fn state(pool: &AnyPool) -> StoreResult<DirectoryState> {
    Ok(sqlx::query_as::<Db, DirectoryState>(
        "SELECT server, usn_high_water, password_policy, policy_read_at, last_sync_at, \
         last_full_sync_at, lease_holder, lease_until FROM directory_state WHERE id = $1",
    )
    .bind(STATE_ID)
    .fetch_optional(pool)
    .await
    .db()?
    .unwrap_or(DirectoryState {
        server: None,
        usn_high_water: None,
        password_policy: None,
        policy_read_at: None,
        last_sync_at: None,
        last_full_sync_at: None,
        lease_holder: None,
        lease_until: Micros::EPOCH,
    }))
}

/// The domain's password policy as the last sync read it.
pub async fn domain_policy(pool: &AnyPool) -> StoreResult<Option<DomainPasswordPolicy>> {
    let row: Option<(Option<String>,)> =
        sqlx::query_as("SELECT password_policy FROM directory_state WHERE id = $1")
            .bind(STATE_ID)
            .fetch_optional(pool)
            .await
            .db()?;
    Ok(row
        .and_then(|(p,)| p)
        .and_then(|p| serde_json::from_str(&p).ok()))
}

/// Who holds the lease, and until when, when it is not ours to take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHeld {
    pub holder: Option<String>,
    pub until: Micros,
}

/// Takes (or extends) the sync lease for `holder` until `until`: a conditional
/// UPDATE, so of two replicas asking at once exactly one gets it; a lease whose
/// holder crashed expires at its `lease_until`.
pub async fn take_lease(
    tx: &mut Tx,
    holder: &str,
    now: Micros,
    until: Micros,
) -> StoreResult<Result<(), LeaseHeld>> {
    sqlx::query(
        "INSERT INTO directory_state (id, lease_until) VALUES ($1, 0) ON CONFLICT (id) DO NOTHING",
    )
    .bind(STATE_ID)
    .execute(&mut **tx)
    .await
    .db()?;
    let taken = sqlx::query(
        "UPDATE directory_state SET lease_holder = $2, lease_until = $3 \
         WHERE id = $1 AND (lease_until <= $4 OR lease_holder = $2)",
    )
    .bind(STATE_ID)
    .bind(holder)
    .bind(until)
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?
    .rows_affected();
    if taken == 1 {
        return Ok(Ok(()));
    }
    let (holder, until): (Option<String>, Micros) =
        sqlx::query_as("SELECT lease_holder, lease_until FROM directory_state WHERE id = $1")
            .bind(STATE_ID)
            .fetch_one(&mut **tx)
            .await
            .db()?;
    Ok(Err(LeaseHeld { holder, until }))
}

/// Gives the lease back (only if `holder` still has it).
pub async fn release_lease(tx: &mut Tx, holder: &str) -> StoreResult<()> {
    sqlx::query(
        "UPDATE directory_state SET lease_holder = NULL, lease_until = 0 \
         WHERE id = $1 AND lease_holder = $2",
    )
    .bind(STATE_ID)
    .bind(holder)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

/// Where a finished run got to.
pub struct RunEnd<'a> {
    pub server: &'a str,
    pub usn_high_water: i64,
    pub policy: &'a DomainPasswordPolicy,
    pub full: bool,
    pub now: Micros,
}

pub async fn save_run(tx: &mut Tx, end: &RunEnd<'_>) -> StoreResult<()> {
    let policy = serde_json::to_string(end.policy)
        .map_err(|e| super::StoreError::Other(sqlx::Error::Encode(Box::new(e))))?;
    sqlx::query(
        "UPDATE directory_state SET server = $2, usn_high_water = $3, password_policy = $4, \
         policy_read_at = $5, last_sync_at = $5, \
         last_full_sync_at = CASE WHEN $6 = 1 THEN $5 ELSE last_full_sync_at END \
         WHERE id = $1",
    )
    .bind(STATE_ID)
    .bind(end.server)
    .bind(end.usn_high_water)
    .bind(policy)
    .bind(end.now)
    .bind(i64::from(end.full))
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

/// A user linked to a directory entry, as OpenStaff has them.
#[derive(Debug, Clone, FromRow)]
pub struct LinkedUser {
    pub id: UserId,
    pub external_id: Option<String>,
    pub user_principal_name: String,
    pub display_name: String,
    pub mail: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    #[sqlx(try_from = "super::DbFlag")]
    pub account_enabled: bool,
    pub source: String,
}

const LINKED_COLS: &str = "id, external_id, user_principal_name, display_name, mail, \
     job_title, department, account_enabled, source";

/// Every user linked to the directory (a full run's look for those it no longer has).
pub async fn all_linked(tx: &mut Tx) -> StoreResult<Vec<LinkedUser>> {
    sqlx::query_as::<Db, LinkedUser>(&format!(
        "SELECT {LINKED_COLS} FROM users WHERE external_id IS NOT NULL"
    ))
    .fetch_all(&mut **tx)
    .await
    .db()
}

/// The users linked to these directory ids.
pub async fn linked_by_external_ids(
    tx: &mut Tx,
    external_ids: &[String],
) -> StoreResult<HashMap<String, LinkedUser>> {
    let mut out = HashMap::new();
    for chunk in external_ids.chunks(500) {
        let sql = format!(
            "SELECT {LINKED_COLS} FROM users WHERE external_id IN ({})",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query_as::<Db, LinkedUser>(&sql);
        for id in chunk {
            q = q.bind(id);
        }
        for u in q.fetch_all(&mut **tx).await.db()? {
            if let Some(ext) = u.external_id.clone() {
                out.insert(ext, u);
            }
        }
    }
    Ok(out)
}

/// The users who sign in as these (lower-cased) UPNs, by lower-cased UPN.
pub async fn by_upns(
    tx: &mut Tx,
    upns_lower: &[String],
) -> StoreResult<HashMap<String, LinkedUser>> {
    let mut out = HashMap::new();
    for chunk in upns_lower.chunks(500) {
        let sql = format!(
            "SELECT {LINKED_COLS} FROM users WHERE upn_lower IN ({})",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query_as::<Db, LinkedUser>(&sql);
        for upn in chunk {
            q = q.bind(upn);
        }
        for u in q.fetch_all(&mut **tx).await.db()? {
            out.insert(u.user_principal_name.to_lowercase(), u);
        }
    }
    Ok(out)
}

/// The locations of these users (so their managers see the sync's events).
pub async fn units_of(tx: &mut Tx, ids: &[UserId]) -> StoreResult<HashMap<UserId, Vec<UnitId>>> {
    let mut out: HashMap<UserId, Vec<UnitId>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT user_id, unit_id FROM unit_members WHERE user_id IN ({})",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query_as::<Db, (UserId, UnitId)>(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for (user, unit) in q.fetch_all(&mut **tx).await.db()? {
            out.entry(user).or_default().push(unit);
        }
    }
    Ok(out)
}

/// A user's attributes as the directory has them, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedFields {
    pub external_id: String,
    pub user_principal_name: String,
    pub display_name: String,
    pub mail: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub account_enabled: bool,
}

/// Inserts new on-premises users in multi-row statements, with their search index.
/// `password_hash` is the same for all ([`crate::auth::password::DIRECTORY_PASSWORD`]).
pub async fn insert_synced(
    tx: &mut Tx,
    users: &[(UserId, SyncedFields)],
    password_hash: &str,
    now: Micros,
) -> StoreResult<()> {
    let mut rows = Vec::with_capacity(users.len());
    let mut terms = Vec::new();
    let mut prefixes = Vec::new();
    for (id, u) in users {
        let key = sort_key(&u.display_name);
        let id_text = id.to_string();
        rows.push(vec![
            Cell::Text(id_text.clone()),
            Cell::Text(u.user_principal_name.clone()),
            Cell::Text(u.user_principal_name.to_lowercase()),
            Cell::Text(u.display_name.clone()),
            Cell::Text(key.clone()),
            u.mail.clone().map_or(Cell::Null, Cell::Text),
            u.job_title.clone().map_or(Cell::Null, Cell::Text),
            u.department.clone().map_or(Cell::Null, Cell::Text),
            Cell::Int(i64::from(u.account_enabled)),
            Cell::Text("on_premises".to_owned()),
            Cell::Text(password_hash.to_owned()),
            Cell::Int(0),
            Cell::Int(0),
            Cell::At(now),
            Cell::At(now),
            Cell::Text(u.external_id.clone()),
        ]);
        let mail = u.mail.as_deref();
        for t in user_terms(&u.display_name, &u.user_principal_name, mail) {
            terms.push(vec![Cell::Text(t), Cell::Text(id_text.clone())]);
        }
        let ord = ord(&key, &id_text);
        for p in user_prefixes(&u.display_name, &u.user_principal_name, mail) {
            prefixes.push(vec![Cell::Text(p), Cell::Text(ord.clone())]);
        }
    }
    bulk_insert(
        tx,
        "users",
        &[
            "id",
            "user_principal_name",
            "upn_lower",
            "display_name",
            "sort_key",
            "mail",
            "job_title",
            "department",
            "account_enabled",
            "source",
            "password_hash",
            "force_password_change",
            "token_version",
            "created_at",
            "updated_at",
            "external_id",
        ],
        &rows,
    )
    .await?;
    bulk_insert(tx, "user_search_terms", &["term", "user_id"], &terms).await?;
    bulk_insert(tx, "user_search_prefixes", &["prefix", "ord"], &prefixes).await
}

/// Writes the directory's attributes over a user's (linking it to `new.external_id`
/// and making it `on_premises` if it was not yet), keeps the search index and the
/// location member order right, and ends the user's sessions when `end_sessions`.
pub async fn update_synced(
    tx: &mut Tx,
    old: &LinkedUser,
    new: &SyncedFields,
    end_sessions: bool,
    now: Micros,
) -> StoreResult<()> {
    let old_key = sort_key(&old.display_name);
    let key = sort_key(&new.display_name);
    sqlx::query(
        "UPDATE users SET external_id = $2, user_principal_name = $3, upn_lower = $4, \
         display_name = $5, sort_key = $6, mail = $7, job_title = $8, department = $9, \
         account_enabled = $10, source = 'on_premises', \
         token_version = token_version + $11, updated_at = $12 WHERE id = $1",
    )
    .bind(old.id)
    .bind(&new.external_id)
    .bind(&new.user_principal_name)
    .bind(new.user_principal_name.to_lowercase())
    .bind(&new.display_name)
    .bind(&key)
    .bind(new.mail.as_deref())
    .bind(new.job_title.as_deref())
    .bind(new.department.as_deref())
    .bind(i64::from(new.account_enabled))
    .bind(i64::from(end_sessions))
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    let names_changed = old.display_name != new.display_name
        || old.user_principal_name != new.user_principal_name
        || old.mail != new.mail;
    if !names_changed {
        return Ok(());
    }
    if old_key != key {
        sqlx::query("UPDATE unit_members SET sort_key = $2 WHERE user_id = $1")
            .bind(old.id)
            .bind(&key)
            .execute(&mut **tx)
            .await
            .db()?;
    }
    let old_prefixes = user_prefixes(
        &old.display_name,
        &old.user_principal_name,
        old.mail.as_deref(),
    );
    if !old_prefixes.is_empty() {
        let sql = format!(
            "DELETE FROM user_search_prefixes WHERE ord = $1 AND prefix IN ({})",
            placeholders(2, old_prefixes.len())
        );
        let mut q = sqlx::query(&sql).bind(ord(&old_key, &old.id.to_string()));
        for p in old_prefixes {
            q = q.bind(p);
        }
        q.execute(&mut **tx).await.db()?;
    }
    sqlx::query("DELETE FROM user_search_terms WHERE user_id = $1")
        .bind(old.id)
        .execute(&mut **tx)
        .await
        .db()?;
    super::users::insert_user_index(
        tx,
        old.id,
        &new.display_name,
        &new.user_principal_name,
        new.mail.as_deref(),
    )
    .await
}

/// Disables a user the directory no longer has (a full run), ending their sessions.
pub async fn disable(tx: &mut Tx, id: UserId, now: Micros) -> StoreResult<()> {
    sqlx::query(
        "UPDATE users SET account_enabled = 0, token_version = token_version + 1, \
         updated_at = $2 WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

/// The directory id of a user (`None`: not synced).
pub async fn external_id(pool: &AnyPool, id: UserId) -> StoreResult<Option<String>> {
    let row: Option<(Option<String>,)> =
        sqlx::query_as("SELECT external_id FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
            .db()?;
    Ok(row.and_then(|(e,)| e))
}
