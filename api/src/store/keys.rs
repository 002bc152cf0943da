//! Token signing keys kept in the database, so every replica signs and verifies
//! with the same keys.

use super::{Db, ResultExt, StoreResult, Tx};
use sqlx::{AnyPool, FromRow};

#[derive(Clone, FromRow)]
pub struct KeyRow {
    pub kid: String,
    pub algorithm: String,
    /// Base64 PKCS#8 DER of the private key.
    pub private_key: String,
    /// Base64url of the raw public key.
    pub public_key: String,
    pub created_at: i64,
}

impl std::fmt::Debug for KeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRow")
            .field("kid", &self.kid)
            .field("private_key", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// Keys not retired, newest first.
pub async fn active_keys(pool: &AnyPool) -> StoreResult<Vec<KeyRow>> {
    sqlx::query_as::<Db, KeyRow>(
        "SELECT kid, algorithm, private_key, public_key, created_at FROM signing_keys \
         WHERE retired_at IS NULL ORDER BY created_at DESC, kid DESC",
    )
    .fetch_all(pool)
    .await
    .db()
}

pub async fn insert_key(tx: &mut Tx, key: &KeyRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO signing_keys (kid, algorithm, private_key, public_key, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&key.kid)
    .bind(&key.algorithm)
    .bind(&key.private_key)
    .bind(&key.public_key)
    .bind(key.created_at)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}
