//! Authentication methods beyond the password: authenticator apps and passkeys. An
//! app's secret column holds the seed sealed by [`crate::auth::secret_box`], never
//! the seed itself; a passkey's row holds its credential id and public part only.

use super::{Db, ResultExt, StoreResult, Tx};
use crate::time::Micros;
use shared::UserId;
use sqlx::{AnyPool, Executor, FromRow};

#[derive(Clone, FromRow)]
pub struct MethodRow {
    pub id: String,
    pub user_id: UserId,
    pub kind: String,
    pub name: String,
    /// Sealed (`secret_box`).
    pub secret: String,
    #[sqlx(try_from = "super::DbFlag")]
    pub confirmed: bool,
    pub created_at: Micros,
    pub last_used_at: Option<Micros>,
    /// The last 30-second step whose code was accepted (0: none yet).
    pub last_used_step: i64,
    /// A passkey's credential id (base64url).
    pub credential_id: Option<String>,
    /// A passkey's public part as the verifier keeps it (JSON): public key,
    /// signature counter, backup flags.
    pub credential: Option<String>,
}

impl std::fmt::Debug for MethodRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MethodRow")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("secret", &"[redacted]")
            .finish_non_exhaustive()
    }
}

const COLS: &str = "id, user_id, kind, name, secret, confirmed, created_at, last_used_at, \
                    last_used_step, credential_id, credential";

pub async fn insert(tx: &mut Tx, m: &MethodRow) -> StoreResult<()> {
    sqlx::query(&format!(
        "INSERT INTO authentication_methods ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(&m.id)
    .bind(m.user_id)
    .bind(&m.kind)
    .bind(&m.name)
    .bind(&m.secret)
    .bind(i64::from(m.confirmed))
    .bind(m.created_at)
    .bind(m.last_used_at)
    .bind(m.last_used_step)
    .bind(&m.credential_id)
    .bind(&m.credential)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

/// The user's confirmed methods, oldest first.
pub async fn confirmed_of<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    user: UserId,
) -> StoreResult<Vec<MethodRow>> {
    sqlx::query_as::<Db, MethodRow>(&format!(
        "SELECT {COLS} FROM authentication_methods WHERE user_id = $1 AND confirmed = 1 \
         ORDER BY created_at, id"
    ))
    .bind(user)
    .fetch_all(exec)
    .await
    .db()
}

/// The confirmed method (a passkey) with this credential id, whoever's it is.
pub async fn by_credential<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    credential_id: &str,
) -> StoreResult<Option<MethodRow>> {
    sqlx::query_as::<Db, MethodRow>(&format!(
        "SELECT {COLS} FROM authentication_methods WHERE credential_id = $1 AND confirmed = 1"
    ))
    .bind(credential_id)
    .fetch_optional(exec)
    .await
    .db()
}

/// A passkey used to sign in: its new counter and flags, and when.
pub async fn use_passkey(tx: &mut Tx, id: &str, credential: &str, now: Micros) -> StoreResult<()> {
    sqlx::query(
        "UPDATE authentication_methods SET credential = $2, last_used_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(credential)
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

/// Whether the user has a confirmed second factor.
pub async fn has_confirmed(pool: &AnyPool, user: UserId) -> StoreResult<bool> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT id FROM authentication_methods WHERE user_id = $1 AND confirmed = 1 LIMIT 1",
    )
    .bind(user)
    .fetch_optional(pool)
    .await
    .db()?;
    Ok(row.is_some())
}

/// One of the user's methods, confirmed or not.
pub async fn get(tx: &mut Tx, user: UserId, id: &str) -> StoreResult<Option<MethodRow>> {
    sqlx::query_as::<Db, MethodRow>(&format!(
        "SELECT {COLS} FROM authentication_methods WHERE id = $1 AND user_id = $2"
    ))
    .bind(id)
    .bind(user)
    .fetch_optional(&mut **tx)
    .await
    .db()
}

/// How many methods the user has, confirmed or waiting.
pub async fn count_of(tx: &mut Tx, user: UserId) -> StoreResult<i64> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM authentication_methods WHERE user_id = $1")
            .bind(user)
            .fetch_one(&mut **tx)
            .await
            .db()?;
    Ok(n)
}

/// Accepts the code of `step` for the method: only if no code of this step or a later
/// one was accepted before, so each code works once (RFC 6238 section 5.2). Confirms
/// the method too. `false` when the step was used already.
pub async fn use_step(tx: &mut Tx, id: &str, step: i64, now: Micros) -> StoreResult<bool> {
    let r = sqlx::query(
        "UPDATE authentication_methods SET last_used_step = $2, last_used_at = $3, confirmed = 1 \
         WHERE id = $1 AND last_used_step < $2",
    )
    .bind(id)
    .bind(step)
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(r.rows_affected() == 1)
}

pub async fn delete(tx: &mut Tx, user: UserId, id: &str) -> StoreResult<bool> {
    let r = sqlx::query("DELETE FROM authentication_methods WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user)
        .execute(&mut **tx)
        .await
        .db()?;
    Ok(r.rows_affected() == 1)
}

/// Drops enrolments never confirmed and made before `before`.
pub async fn purge_unconfirmed(tx: &mut Tx, before: Micros) -> StoreResult<()> {
    sqlx::query("DELETE FROM authentication_methods WHERE confirmed = 0 AND created_at <= $1")
        .bind(before)
        .execute(&mut **tx)
        .await
        .db()?;
    Ok(())
}

/// Removes every method of the user (a manager's "require re-registration"); the
/// kinds removed, confirmed ones only, oldest first.
pub async fn delete_all(tx: &mut Tx, user: UserId) -> StoreResult<Vec<String>> {
    let kinds: Vec<(String,)> = sqlx::query_as(
        "SELECT kind FROM authentication_methods WHERE user_id = $1 AND confirmed = 1 \
         ORDER BY created_at, id",
    )
    .bind(user)
    .fetch_all(&mut **tx)
    .await
    .db()?;
    sqlx::query("DELETE FROM authentication_methods WHERE user_id = $1")
        .bind(user)
        .execute(&mut **tx)
        .await
        .db()?;
    Ok(kinds.into_iter().map(|(k,)| k).collect())
}
