//! One-time codes sent by text message (`service::text_codes`): the row of each code
//! asked for, with a MAC of the code (never the code), how many wrong tries it has had
//! and when it was used.

use super::{Backend, Db, ResultExt, StoreResult, Tx};
use crate::time::Micros;
use shared::UserId;
use sqlx::{Executor, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct CodeRow {
    pub id: String,
    /// `None`: asked for a sign-in name with no account or no mobile number; no code
    /// matches it.
    pub user_id: Option<UserId>,
    pub purpose: String,
    pub code_mac: String,
    pub created_at: Micros,
    pub expires_at: Micros,
    pub attempts: i64,
    pub used_at: Option<Micros>,
}

const COLS: &str = "id, user_id, purpose, code_mac, created_at, expires_at, attempts, used_at";

pub async fn insert(tx: &mut Tx, row: &CodeRow) -> StoreResult<()> {
    sqlx::query(&format!(
        "INSERT INTO one_time_codes ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(&row.id)
    .bind(row.user_id)
    .bind(&row.purpose)
    .bind(&row.code_mac)
    .bind(row.created_at)
    .bind(row.expires_at)
    .bind(row.attempts)
    .bind(row.used_at)
    .execute(&mut **tx)
    .await
    .db()?;
    // Expired codes are of no use to anyone: each new one clears those a day old.
    sqlx::query("DELETE FROM one_time_codes WHERE expires_at < $1")
        .bind(row.created_at - crate::time::Span::hours(24))
        .execute(&mut **tx)
        .await
        .db()?;
    Ok(())
}

/// The code `id`, locked for the caller's transaction (SQLite's writer lock; a row
/// lock on PostgreSQL), so two tries at once count as two.
pub async fn for_update(tx: &mut Tx, backend: Backend, id: &str) -> StoreResult<Option<CodeRow>> {
    let sql = format!(
        "SELECT {COLS} FROM one_time_codes WHERE id = $1{}",
        match backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        }
    );
    sqlx::query_as::<Db, CodeRow>(&sql)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
        .db()
}

/// One more wrong try.
pub async fn count_attempt(tx: &mut Tx, id: &str) -> StoreResult<()> {
    sqlx::query("UPDATE one_time_codes SET attempts = attempts + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await
        .db()?;
    Ok(())
}

/// Spends the code; false when it was used already.
pub async fn spend(tx: &mut Tx, id: &str, now: Micros) -> StoreResult<bool> {
    let done =
        sqlx::query("UPDATE one_time_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(&mut **tx)
            .await
            .db()?;
    Ok(done.rows_affected() == 1)
}

/// Ends every unused code of `user` for `purpose` (a new one replaces them; a reset
/// that succeeded leaves none behind).
pub async fn spend_all<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    user: UserId,
    purpose: &str,
    now: Micros,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE one_time_codes SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
    )
    .bind(user)
    .bind(purpose)
    .bind(now)
    .execute(exec)
    .await
    .db()?;
    Ok(())
}
