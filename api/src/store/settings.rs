//! Tenant settings, stored as JSON by key.

use super::{Db, ResultExt, StoreError, StoreResult, Tx};
use shared::dto::{MyStaffSettings, SignInPolicy};
use shared::rules::MyStaffAccess;
use sqlx::Executor;

/// The key of the My Staff access setting.
pub const MY_STAFF_KEY: &str = "my_staff";

/// The My Staff access setting from its stored JSON (`all` when never set).
pub fn parse_my_staff(stored: Option<&str>) -> StoreResult<MyStaffSettings> {
    Ok(match stored {
        Some(json) => serde_json::from_str(json)
            .map_err(|e| StoreError::Other(sqlx::Error::Decode(Box::new(e))))?,
        None => MyStaffSettings {
            access: MyStaffAccess::All,
            selected_user_ids: Vec::new(),
        },
    })
}

pub async fn my_staff<'c, E: Executor<'c, Database = Db>>(exec: E) -> StoreResult<MyStaffSettings> {
    parse_my_staff(get_setting(exec, MY_STAFF_KEY).await?.as_deref())
}

/// The key of the tenant's sign-in policy.
pub const SIGN_IN_KEY: &str = "sign_in";

/// The tenant's sign-in policy (nothing beyond the server's admin policy when never
/// set).
pub async fn sign_in<'c, E: Executor<'c, Database = Db>>(exec: E) -> StoreResult<SignInPolicy> {
    match get_setting(exec, SIGN_IN_KEY).await? {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| StoreError::Other(sqlx::Error::Decode(Box::new(e)))),
        None => Ok(SignInPolicy::default()),
    }
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
