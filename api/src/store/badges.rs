//! Sign-in badges: the credential's SHA-256 (never the credential), the PIN's
//! Argon2id hash, and the count of wrong PINs that locks a badge.

use super::{Db, ResultExt, StoreResult, Tx};
use crate::time::Micros;
use shared::UserId;
use sqlx::{Executor, FromRow};

#[derive(Clone, FromRow)]
pub struct BadgeRow {
    pub id: String,
    pub user_id: UserId,
    pub credential_hash: String,
    pub pin_hash: Option<String>,
    pub created_at: Micros,
    pub created_by: Option<String>,
    pub expires_at: Option<Micros>,
    pub failed_pin_attempts: i64,
    pub locked_at: Option<Micros>,
    pub revoked_at: Option<Micros>,
    pub last_used_at: Option<Micros>,
}

impl std::fmt::Debug for BadgeRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BadgeRow")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

const COLS: &str = "id, user_id, credential_hash, pin_hash, created_at, created_by, expires_at, \
                    failed_pin_attempts, locked_at, revoked_at, last_used_at";

/// How many of a user's badges are kept (the newest): older revoked ones go when a
/// new one is issued.
const KEPT: i64 = 10;

/// Revokes the user's badges that are not revoked yet; whether one of them still
/// worked at `now` (not expired).
pub async fn revoke_all(tx: &mut Tx, user: UserId, now: Micros) -> StoreResult<bool> {
    let gone: Vec<(Option<Micros>,)> = sqlx::query_as(
        "UPDATE badges SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL \
         RETURNING expires_at",
    )
    .bind(user)
    .bind(now)
    .fetch_all(&mut **tx)
    .await
    .db()?;
    Ok(gone.iter().any(|(e,)| e.is_none_or(|e| e > now)))
}

/// Stores a new badge (after [`revoke_all`]), keeping the user's newest [`KEPT`].
pub async fn insert(tx: &mut Tx, b: &BadgeRow) -> StoreResult<()> {
    sqlx::query(&format!(
        "INSERT INTO badges ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(&b.id)
    .bind(b.user_id)
    .bind(&b.credential_hash)
    .bind(&b.pin_hash)
    .bind(b.created_at)
    .bind(&b.created_by)
    .bind(b.expires_at)
    .bind(b.failed_pin_attempts)
    .bind(b.locked_at)
    .bind(b.revoked_at)
    .bind(b.last_used_at)
    .execute(&mut **tx)
    .await
    .db()?;
    sqlx::query(
        "DELETE FROM badges WHERE user_id = $1 AND id NOT IN \
         (SELECT id FROM badges WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2)",
    )
    .bind(b.user_id)
    .bind(KEPT)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

/// The user's badges, newest first.
pub async fn of_user<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    user: UserId,
) -> StoreResult<Vec<BadgeRow>> {
    sqlx::query_as::<Db, BadgeRow>(&format!(
        "SELECT {COLS} FROM badges WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
    ))
    .bind(user)
    .fetch_all(exec)
    .await
    .db()
}

/// One badge of the user.
pub async fn get<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    user: UserId,
    id: &str,
) -> StoreResult<Option<BadgeRow>> {
    sqlx::query_as::<Db, BadgeRow>(&format!(
        "SELECT {COLS} FROM badges WHERE user_id = $1 AND id = $2"
    ))
    .bind(user)
    .bind(id)
    .fetch_optional(exec)
    .await
    .db()
}

/// The badge whose credential hashes to `hash`, whoever's it is.
pub async fn by_credential<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    hash: &str,
) -> StoreResult<Option<BadgeRow>> {
    sqlx::query_as::<Db, BadgeRow>(&format!(
        "SELECT {COLS} FROM badges WHERE credential_hash = $1"
    ))
    .bind(hash)
    .fetch_optional(exec)
    .await
    .db()
}

/// Revokes one badge; whether it was not revoked before.
pub async fn revoke(tx: &mut Tx, id: &str, now: Micros) -> StoreResult<bool> {
    let r = sqlx::query("UPDATE badges SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(&mut **tx)
        .await
        .db()?;
    Ok(r.rows_affected() == 1)
}

/// Clears a badge's lock and its count of wrong PINs; whether it was locked.
pub async fn unlock(tx: &mut Tx, id: &str) -> StoreResult<bool> {
    let was: Option<(Option<Micros>,)> =
        sqlx::query_as("SELECT locked_at FROM badges WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await
            .db()?;
    sqlx::query("UPDATE badges SET locked_at = NULL, failed_pin_attempts = 0 WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await
        .db()?;
    Ok(was.is_some_and(|(l,)| l.is_some()))
}

/// Takes one PIN attempt before the PIN is checked, so concurrent guesses cannot
/// outrun the count: the attempt number (1 to `limit`), or `None` when the badge is
/// locked, revoked or gone. Reaching `limit` locks it; a right PIN then gives the
/// attempt back ([`pin_right`]).
pub async fn take_attempt(
    tx: &mut Tx,
    id: &str,
    now: Micros,
    limit: i64,
) -> StoreResult<Option<i64>> {
    let taken: Option<(i64,)> = sqlx::query_as(
        "UPDATE badges SET failed_pin_attempts = failed_pin_attempts + 1, \
         locked_at = CASE WHEN failed_pin_attempts + 1 >= $3 THEN $2 ELSE locked_at END \
         WHERE id = $1 AND locked_at IS NULL AND revoked_at IS NULL \
         AND failed_pin_attempts < $3 RETURNING failed_pin_attempts",
    )
    .bind(id)
    .bind(now)
    .bind(limit)
    .fetch_optional(&mut **tx)
    .await
    .db()?;
    Ok(taken.map(|(n,)| n))
}

/// The PIN was right: the count and any lock its own attempt set are cleared, and
/// the badge was used now.
pub async fn pin_right(tx: &mut Tx, id: &str, now: Micros) -> StoreResult<()> {
    sqlx::query(
        "UPDATE badges SET failed_pin_attempts = 0, locked_at = NULL, last_used_at = $2 \
         WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

/// Sets the PIN of a badge that has none yet (its first use); `false` when one was
/// set meanwhile or the badge was revoked.
pub async fn set_pin(tx: &mut Tx, id: &str, pin_hash: &str, now: Micros) -> StoreResult<bool> {
    let r = sqlx::query(
        "UPDATE badges SET pin_hash = $2, last_used_at = $3, failed_pin_attempts = 0 \
         WHERE id = $1 AND pin_hash IS NULL AND revoked_at IS NULL AND locked_at IS NULL",
    )
    .bind(id)
    .bind(pin_hash)
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(r.rows_affected() == 1)
}
