//! Phone methods.

use super::{Db, ResultExt, StoreResult, Tx};
use crate::time::Micros;
use shared::UserId;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct PhoneRow {
    pub method_type: String,
    pub phone_number: String,
    pub updated_at: Micros,
}

pub async fn phones<'c, E: sqlx::Executor<'c, Database = Db>>(
    exec: E,
    user_id: UserId,
) -> StoreResult<Vec<PhoneRow>> {
    sqlx::query_as::<Db, PhoneRow>(
        "SELECT method_type, phone_number, updated_at FROM phone_methods WHERE user_id = $1 \
         ORDER BY method_type",
    )
    .bind(user_id)
    .fetch_all(exec)
    .await
    .db()
}

/// Who else has `number` as their mobile, if anyone.
pub async fn mobile_owner(tx: &mut Tx, number: &str) -> StoreResult<Option<UserId>> {
    let row: Option<(UserId,)> = sqlx::query_as(
        "SELECT user_id FROM phone_methods WHERE phone_number = $1 AND method_type = 'mobile'",
    )
    .bind(number)
    .fetch_optional(&mut **tx)
    .await
    .db()?;
    Ok(row.map(|r| r.0))
}

/// Whether `user_id` has `number` as any method.
pub async fn has_number(tx: &mut Tx, user_id: UserId, number: &str) -> StoreResult<bool> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT method_type FROM phone_methods WHERE user_id = $1 AND phone_number = $2",
    )
    .bind(user_id)
    .bind(number)
    .fetch_optional(&mut **tx)
    .await
    .db()?;
    Ok(row.is_some())
}

pub async fn upsert_phone(
    tx: &mut Tx,
    user_id: UserId,
    method_type: &str,
    number: &str,
    now: Micros,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO phone_methods (user_id, method_type, phone_number, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, method_type) \
         DO UPDATE SET phone_number = excluded.phone_number, updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(method_type)
    .bind(number)
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

pub async fn delete_phone(tx: &mut Tx, user_id: UserId, method_type: &str) -> StoreResult<bool> {
    let r = sqlx::query("DELETE FROM phone_methods WHERE user_id = $1 AND method_type = $2")
        .bind(user_id)
        .bind(method_type)
        .execute(&mut **tx)
        .await
        .db()?;
    Ok(r.rows_affected() > 0)
}
