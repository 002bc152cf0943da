//! Token signing keys kept in the database, so every replica signs and verifies
//! with the same keys.

use super::{Db, ResultExt, StoreResult, Tx};
use crate::time::Micros;
use sqlx::{AnyPool, FromRow};

#[derive(Clone, FromRow)]
pub struct KeyRow {
    pub kid: String,
    pub algorithm: String,
    /// Base64 PKCS#8 DER of the private key.
    pub private_key: String,
    /// Base64url of the raw public key (Ed25519) or its PKCS#1 DER (RSA).
    pub public_key: String,
    pub created_at: Micros,
    /// When the key starts signing (it is published before).
    pub activates_at: Micros,
    /// When the key stops verifying; `None` while it is current.
    pub retired_at: Option<Micros>,
}

impl std::fmt::Debug for KeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRow")
            .field("kid", &self.kid)
            .field("private_key", &"[redacted]")
            .finish_non_exhaustive()
    }
}

const KEY_COLS: &str =
    "kid, algorithm, private_key, public_key, created_at, activates_at, retired_at";

/// Keys that still verify at `now`, the latest to activate first.
pub async fn active_keys(pool: &AnyPool, now: Micros) -> StoreResult<Vec<KeyRow>> {
    sqlx::query_as::<Db, KeyRow>(&format!(
        "SELECT {KEY_COLS} FROM signing_keys WHERE retired_at IS NULL OR retired_at > $1 \
         ORDER BY activates_at DESC, created_at DESC, kid DESC"
    ))
    .bind(now)
    .fetch_all(pool)
    .await
    .db()
}

/// Every key, for `openstaff keys list`.
pub async fn all_keys(pool: &AnyPool) -> StoreResult<Vec<KeyRow>> {
    sqlx::query_as::<Db, KeyRow>(&format!(
        "SELECT {KEY_COLS} FROM signing_keys ORDER BY activates_at DESC, created_at DESC"
    ))
    .fetch_all(pool)
    .await
    .db()
}

/// Schedules the retirement of every current key of `algorithm` but `keep`.
pub async fn retire_others(
    tx: &mut Tx,
    keep: &str,
    algorithm: &str,
    at: Micros,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE signing_keys SET retired_at = $2 \
         WHERE kid <> $1 AND algorithm = $3 AND retired_at IS NULL",
    )
    .bind(keep)
    .bind(at)
    .bind(algorithm)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

pub async fn insert_key(tx: &mut Tx, key: &KeyRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO signing_keys (kid, algorithm, private_key, public_key, created_at, \
         activates_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&key.kid)
    .bind(&key.algorithm)
    .bind(&key.private_key)
    .bind(&key.public_key)
    .bind(key.created_at)
    .bind(key.activates_at)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}
