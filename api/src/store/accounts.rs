//! Account state: passwords, lockout, rate limits, idempotent retries.

use super::{Db, ResultExt, StoreResult, Tx};
use crate::time::{Micros, Span};
use shared::UserId;
use sqlx::{AnyPool, FromRow};

/// Everything sign-in and password changes need about an account.
#[derive(Clone, FromRow)]
pub struct Account {
    pub id: UserId,
    pub user_principal_name: String,
    pub display_name: String,
    #[sqlx(try_from = "super::DbFlag")]
    pub account_enabled: bool,
    pub password_hash: String,
    pub previous_password_hash: Option<String>,
    #[sqlx(try_from = "super::DbFlag")]
    pub force_password_change: bool,
    pub password_expires_at: Option<Micros>,
    pub token_version: i64,
    /// [`Micros::EPOCH`] when not locked.
    pub locked_until: Micros,
    /// The directory's id for a synced on-premises user (AD `objectGUID`).
    pub external_id: Option<String>,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("id", &self.id)
            .field("user_principal_name", &self.user_principal_name)
            .finish_non_exhaustive()
    }
}

const ACCOUNT_COLS: &str = "id, user_principal_name, display_name, account_enabled, \
     password_hash, previous_password_hash, force_password_change, password_expires_at, \
     token_version, locked_until, external_id";

pub async fn by_upn(pool: &AnyPool, upn: &str) -> StoreResult<Option<Account>> {
    sqlx::query_as::<Db, Account>(&format!(
        "SELECT {ACCOUNT_COLS} FROM users WHERE upn_lower = $1"
    ))
    .bind(upn.trim().to_lowercase())
    .fetch_optional(pool)
    .await
    .db()
}

/// The directory's id for a synced user (AD `objectGUID`), if any.
pub async fn external_id(pool: &AnyPool, id: UserId) -> StoreResult<Option<String>> {
    let row: Option<(Option<String>,)> =
        sqlx::query_as("SELECT external_id FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
            .db()?;
    Ok(row.and_then(|(e,)| e))
}

/// The account `id`, read outside any transaction (no write lock taken: on SQLite
/// the writer connection stays free for the writes).
pub async fn read(pool: &AnyPool, id: UserId) -> StoreResult<Option<Account>> {
    sqlx::query_as::<Db, Account>(&format!("SELECT {ACCOUNT_COLS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
        .db()
}

pub async fn by_id(tx: &mut Tx, id: UserId) -> StoreResult<Option<Account>> {
    sqlx::query_as::<Db, Account>(&format!("SELECT {ACCOUNT_COLS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
        .db()
}

/// Counts a failed sign-in inside `window`; locks the account for `lock` when `max`
/// is reached. Returns the lock's end when this failure locked it.
pub async fn record_failure(
    tx: &mut Tx,
    id: UserId,
    now: Micros,
    window: Span,
    max: i64,
    lock: Span,
) -> StoreResult<Option<Micros>> {
    let (count,): (i64,) = sqlx::query_as(
        "UPDATE users SET \
           failed_sign_ins = CASE WHEN first_failed_at <= $2 THEN 1 ELSE failed_sign_ins + 1 END, \
           first_failed_at = CASE WHEN first_failed_at <= $2 THEN $3 ELSE first_failed_at END \
         WHERE id = $1 RETURNING failed_sign_ins",
    )
    .bind(id)
    .bind(now - window)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .db()?;
    if count < max {
        return Ok(None);
    }
    let until = now + lock;
    sqlx::query(
        "UPDATE users SET locked_until = $2, failed_sign_ins = 0, first_failed_at = 0 WHERE id = $1",
    )
    .bind(id)
    .bind(until)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(Some(until))
}

pub async fn clear_failures(tx: &mut Tx, id: UserId) -> StoreResult<()> {
    sqlx::query(
        "UPDATE users SET failed_sign_ins = 0, first_failed_at = 0, locked_until = 0 \
         WHERE id = $1 AND (failed_sign_ins <> 0 OR locked_until <> 0)",
    )
    .bind(id)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

/// Moves the token version on: every token issued before stops working (a
/// manager's "revoke sessions").
pub async fn bump_token_version(tx: &mut Tx, id: UserId, now: Micros) -> StoreResult<()> {
    sqlx::query(
        "UPDATE users SET token_version = token_version + 1, updated_at = $2 WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

/// Clears a lockout (a manager's "unlock"); whether the account was locked at `now`.
pub async fn unlock(tx: &mut Tx, id: UserId, now: Micros) -> StoreResult<bool> {
    let (locked_until,): (Micros,) = sqlx::query_as("SELECT locked_until FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await
        .db()?;
    clear_failures(tx, id).await?;
    Ok(locked_until > now)
}

/// Marks a temporary password used; `false` if it had expired or was used already.
pub async fn consume_temporary(tx: &mut Tx, id: UserId, now: Micros) -> StoreResult<bool> {
    let r = sqlx::query(
        "UPDATE users SET password_expires_at = 0 WHERE id = $1 AND password_expires_at > $2",
    )
    .bind(id)
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(r.rows_affected() == 1)
}

/// Replaces the password, keeping the old hash as "previous", and ends every token
/// issued before (token version) and any lockout.
pub async fn set_password(
    tx: &mut Tx,
    id: UserId,
    hash: &str,
    force_change: bool,
    expires_at: Option<Micros>,
    now: Micros,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE users SET previous_password_hash = password_hash, password_hash = $2, \
         force_password_change = $3, password_expires_at = $4, token_version = token_version + 1, \
         failed_sign_ins = 0, first_failed_at = 0, locked_until = 0, updated_at = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(hash)
    .bind(i64::from(force_change))
    .bind(expires_at)
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

/// The directory set this user's password (a manager's reset written back, or the
/// user's own change there): no local copy is kept; `force_change` mirrors
/// `pwdLastSet=0`. Ends every token and provider session, clears local lockout.
pub async fn set_directory_password(
    tx: &mut Tx,
    id: UserId,
    force_change: bool,
    now: Micros,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE users SET previous_password_hash = NULL, password_hash = $2, \
         force_password_change = $3, password_expires_at = NULL, token_version = token_version + 1, \
         failed_sign_ins = 0, first_failed_at = 0, locked_until = 0, updated_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(crate::auth::password::DIRECTORY_PASSWORD)
    .bind(i64::from(force_change))
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

/// Records the directory's word on whether the password must be changed (without
/// ending sessions: nothing about the password changed here).
pub async fn set_force_change(
    tx: &mut Tx,
    id: UserId,
    force: bool,
    now: Micros,
) -> StoreResult<()> {
    sqlx::query("UPDATE users SET force_password_change = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(i64::from(force))
        .bind(now)
        .execute(&mut **tx)
        .await
        .db()?;
    Ok(())
}

/// Counts one hit on `key` in a fixed `window`; returns seconds to wait when over
/// `limit`.
pub async fn hit_rate_limit(
    tx: &mut Tx,
    key: &str,
    now: Micros,
    window: Span,
    limit: i64,
) -> StoreResult<Option<u64>> {
    let (start, count): (Micros, i64) = sqlx::query_as(
        "INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
           count = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.count + 1 END, \
           window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END \
         RETURNING window_start, count",
    )
    .bind(key)
    .bind(now)
    .bind(now - window)
    .fetch_one(&mut **tx)
    .await
    .db()?;
    if count <= limit {
        return Ok(None);
    }
    Ok(Some((start + window - now).retry_after_secs()))
}

/// A stored outcome of an idempotent request: (target id, response JSON).
pub async fn idempotent_outcome(
    tx: &mut Tx,
    actor_id: UserId,
    key: &str,
) -> StoreResult<Option<(UserId, String)>> {
    sqlx::query_as(
        "SELECT target_id, response FROM idempotency_keys WHERE actor_id = $1 AND key = $2",
    )
    .bind(actor_id)
    .bind(key)
    .fetch_optional(&mut **tx)
    .await
    .db()
}

pub async fn save_outcome(
    tx: &mut Tx,
    actor_id: UserId,
    key: &str,
    target_id: UserId,
    response: &str,
    now: Micros,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO idempotency_keys (actor_id, key, target_id, response, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(actor_id)
    .bind(key)
    .bind(target_id)
    .bind(response)
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

/// Makes the current password a temporary one expiring at `at`.
pub async fn expire_password_at(tx: &mut Tx, id: UserId, at: Micros) -> StoreResult<()> {
    sqlx::query("UPDATE users SET password_expires_at = $2 WHERE id = $1")
        .bind(id)
        .bind(at)
        .execute(&mut **tx)
        .await
        .db()?;
    Ok(())
}
