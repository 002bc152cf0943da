//! Temporary Access Passes: one row per user at most, the pass itself never stored
//! (only [`crate::auth::secret_hash`] of its normalised form).

use super::{Db, ResultExt, StoreResult, Tx};
use crate::time::Micros;
use shared::UserId;
use sqlx::{Executor, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct PassRow {
    pub user_id: UserId,
    pub pass_hash: String,
    pub created_at: Micros,
    pub expires_at: Micros,
    #[sqlx(try_from = "super::DbFlag")]
    pub one_time: bool,
    pub used_at: Option<Micros>,
    pub created_by: Option<String>,
}

const COLS: &str = "user_id, pass_hash, created_at, expires_at, one_time, used_at, created_by";

/// A pass still good at `now`: not expired, and not a one-time pass already spent.
const USABLE: &str = "expires_at > $2 AND (one_time = 0 OR used_at IS NULL)";

/// Removes the user's pass (a user has one at most); whether it was still usable at
/// `now`.
pub async fn delete(tx: &mut Tx, user: UserId, now: Micros) -> StoreResult<bool> {
    let gone: Option<(Micros, i64, Option<Micros>)> = sqlx::query_as(
        "DELETE FROM temporary_access_passes WHERE user_id = $1 \
         RETURNING expires_at, one_time, used_at",
    )
    .bind(user)
    .fetch_optional(&mut **tx)
    .await
    .db()?;
    // The test of `USABLE`, on the row as it was.
    Ok(gone.is_some_and(|(expires_at, one_time, used_at)| {
        expires_at > now && (one_time == 0 || used_at.is_none())
    }))
}

/// Stores `pass`, replacing the user's previous one; whether a usable one was replaced.
pub async fn replace(tx: &mut Tx, pass: &PassRow) -> StoreResult<bool> {
    let replaced = delete(tx, pass.user_id, pass.created_at).await?;
    sqlx::query(&format!(
        "INSERT INTO temporary_access_passes ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    ))
    .bind(pass.user_id)
    .bind(&pass.pass_hash)
    .bind(pass.created_at)
    .bind(pass.expires_at)
    .bind(i64::from(pass.one_time))
    .bind(pass.used_at)
    .bind(&pass.created_by)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(replaced)
}

/// The user's pass if it is still usable at `now`.
pub async fn usable<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    user: UserId,
    now: Micros,
) -> StoreResult<Option<PassRow>> {
    sqlx::query_as::<Db, PassRow>(&format!(
        "SELECT {COLS} FROM temporary_access_passes WHERE user_id = $1 AND {USABLE}"
    ))
    .bind(user)
    .bind(now)
    .fetch_optional(exec)
    .await
    .db()
}

/// Uses the pass whose hash is `hash`, if it is still usable: a one-time pass is spent
/// by this. `false` when it was not (expired, spent meanwhile, replaced).
pub async fn spend(tx: &mut Tx, user: UserId, hash: &str, now: Micros) -> StoreResult<bool> {
    let r = sqlx::query(&format!(
        "UPDATE temporary_access_passes SET used_at = $2 \
         WHERE user_id = $1 AND {USABLE} AND pass_hash = $3"
    ))
    .bind(user)
    .bind(now)
    .bind(hash)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(r.rows_affected() == 1)
}
