//! Tenant settings, stored as JSON by key.

use super::{Db, ResultExt, StoreResult, Tx};
use sqlx::Executor;

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
