//! The OpenID Connect provider's state: provider sessions, the hosted sign-in page's
//! used forms, authorization codes, grants and refresh tokens. All
//! in the database, so every replica sees every session and every revocation; every
//! secret is looked up by its hash (`crate::auth::secret_hash`).
//!
//! A session, code or grant carries the user's token version from when it was made:
//! a password reset, a password change or a disable moves the version on in the
//! transaction of the change, which ends them all at once, on every replica.

use super::{Db, ResultExt, StoreResult, Tx};
use crate::time::{Micros, Span};
use shared::{ApplicationId, UserId};
use sqlx::{AnyPool, Executor, FromRow};

#[derive(Clone, FromRow)]
pub struct SessionRow {
    pub id_hash: String,
    pub sid: String,
    pub user_id: UserId,
    pub token_version: i64,
    pub auth_time: Micros,
    pub created_at: Micros,
    pub last_seen_at: Micros,
    pub expires_at: Micros,
    pub ended_at: Option<Micros>,
    /// How the sign-in was proved (RFC 8176, space-separated): `pwd`, or `pwd otp mfa`.
    pub amr: String,
}

impl std::fmt::Debug for SessionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRow")
            .field("sid", &self.sid)
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

/// A session row with what decides whether it still holds.
#[derive(Debug, Clone, FromRow)]
pub struct LiveSession {
    #[sqlx(flatten)]
    pub session: SessionRow,
    pub user_token_version: i64,
    #[sqlx(try_from = "super::DbFlag")]
    pub account_enabled: bool,
}

impl LiveSession {
    /// Whether the session still holds at `now` with idle timeout `idle`.
    pub fn is_live(&self, now: Micros, idle: Span) -> bool {
        let s = &self.session;
        s.ended_at.is_none()
            && self.account_enabled
            && s.token_version == self.user_token_version
            && now < s.expires_at
            && now < s.last_seen_at + idle
    }
}

pub async fn insert_session(tx: &mut Tx, s: &SessionRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO provider_sessions (id_hash, sid, user_id, token_version, auth_time, \
         created_at, last_seen_at, expires_at, amr) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&s.id_hash)
    .bind(&s.sid)
    .bind(s.user_id)
    .bind(s.token_version)
    .bind(s.auth_time)
    .bind(s.created_at)
    .bind(s.last_seen_at)
    .bind(s.expires_at)
    .bind(&s.amr)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

const SESSION_COLS: &str = "s.id_hash, s.sid, s.user_id, s.token_version, s.auth_time, \
     s.created_at, s.last_seen_at, s.expires_at, s.ended_at, s.amr, \
     u.token_version AS user_token_version, u.account_enabled";

pub async fn session_by_hash(pool: &AnyPool, id_hash: &str) -> StoreResult<Option<LiveSession>> {
    sqlx::query_as::<Db, LiveSession>(&format!(
        "SELECT {SESSION_COLS} FROM provider_sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.id_hash = $1"
    ))
    .bind(id_hash)
    .fetch_optional(pool)
    .await
    .db()
}

/// Marks the session used at `now`, for its idle timeout (hours long): written only
/// when last marked more than a minute ago, so an application refreshing often does
/// not rewrite the row each time.
pub async fn touch_session(tx: &mut Tx, id_hash: &str, now: Micros) -> StoreResult<()> {
    sqlx::query(
        "UPDATE provider_sessions SET last_seen_at = $2 WHERE id_hash = $1 AND last_seen_at < $3",
    )
    .bind(id_hash)
    .bind(now)
    .bind(now - Span::MINUTE)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

/// Ends a session (sign-out), by its hash or its public id.
pub async fn end_session(
    tx: &mut Tx,
    id_hash: Option<&str>,
    sid: Option<&str>,
    now: Micros,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE provider_sessions SET ended_at = $3 \
         WHERE (id_hash = $1 OR sid = $2) AND ended_at IS NULL",
    )
    .bind(id_hash.unwrap_or(""))
    .bind(sid.unwrap_or(""))
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

/// Ends every provider session and grant (so every refresh token) of `user`: a
/// manager's "revoke sessions". The caller also moves the token version on, which
/// ends access tokens already issued.
pub async fn end_all_of(tx: &mut Tx, user: UserId, now: Micros) -> StoreResult<u64> {
    let sessions = sqlx::query(
        "UPDATE provider_sessions SET ended_at = $2 WHERE user_id = $1 AND ended_at IS NULL",
    )
    .bind(user)
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?
    .rows_affected();
    sqlx::query(
        "UPDATE oauth_grants SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(user)
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(sessions)
}

/// Records that the hosted page's form `id` (`service::pending`) has signed someone
/// in; `false` if it had already. Kept until `expires_at`, when the form would be
/// refused anyway.
pub async fn spend_request(tx: &mut Tx, id: &str, expires_at: Micros) -> StoreResult<bool> {
    let r = sqlx::query(
        "INSERT INTO used_authorization_requests (id, expires_at) VALUES ($1, $2) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(expires_at)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(r.rows_affected() == 1)
}

#[derive(Clone, FromRow)]
pub struct CodeRow {
    pub code_hash: String,
    pub application_id: ApplicationId,
    pub user_id: UserId,
    pub session_hash: String,
    pub sid: String,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    pub code_challenge: String,
    pub token_version: i64,
    pub auth_time: Micros,
    pub created_at: Micros,
    pub expires_at: Micros,
    pub used_at: Option<Micros>,
    pub grant_id: Option<String>,
    pub amr: String,
}

impl std::fmt::Debug for CodeRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeRow")
            .field("application_id", &self.application_id)
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

const CODE_COLS: &str = "code_hash, application_id, user_id, session_hash, sid, redirect_uri, \
     scope, nonce, code_challenge, token_version, auth_time, created_at, expires_at, used_at, \
     grant_id, amr";

pub async fn insert_code(tx: &mut Tx, c: &CodeRow) -> StoreResult<()> {
    sqlx::query(&format!(
        "INSERT INTO authorization_codes ({CODE_COLS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
    ))
    .bind(&c.code_hash)
    .bind(c.application_id)
    .bind(c.user_id)
    .bind(&c.session_hash)
    .bind(&c.sid)
    .bind(&c.redirect_uri)
    .bind(&c.scope)
    .bind(&c.nonce)
    .bind(&c.code_challenge)
    .bind(c.token_version)
    .bind(c.auth_time)
    .bind(c.created_at)
    .bind(c.expires_at)
    .bind(c.used_at)
    .bind(&c.grant_id)
    .bind(&c.amr)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

/// A code as the token endpoint found it.
#[derive(Debug)]
pub enum TakenCode {
    /// Its first use, marked now, naming the grant it issues.
    First(CodeRow),
    /// Used before: a replay (its `grant_id` is what the first use issued).
    Again(CodeRow),
}

/// Marks a code used by the grant `grant_id`, in the exchange's transaction, in one
/// statement; a code used before is read as it is.
pub async fn take_code(
    tx: &mut Tx,
    code_hash: &str,
    grant_id: &str,
    now: Micros,
) -> StoreResult<Option<TakenCode>> {
    let first = sqlx::query_as::<Db, CodeRow>(&format!(
        "UPDATE authorization_codes SET used_at = $2, grant_id = $3 \
         WHERE code_hash = $1 AND used_at IS NULL RETURNING {CODE_COLS}"
    ))
    .bind(code_hash)
    .bind(now)
    .bind(grant_id)
    .fetch_optional(&mut **tx)
    .await
    .db()?;
    if let Some(c) = first {
        return Ok(Some(TakenCode::First(c)));
    }
    let again = sqlx::query_as::<Db, CodeRow>(&format!(
        "SELECT {CODE_COLS} FROM authorization_codes WHERE code_hash = $1"
    ))
    .bind(code_hash)
    .fetch_optional(&mut **tx)
    .await
    .db()?;
    Ok(again.map(TakenCode::Again))
}

#[derive(Debug, Clone, FromRow)]
pub struct GrantRow {
    pub id: String,
    pub application_id: ApplicationId,
    pub user_id: UserId,
    pub session_hash: String,
    pub sid: String,
    pub scope: String,
    pub token_version: i64,
    pub auth_time: Micros,
    pub created_at: Micros,
    pub expires_at: Micros,
    pub revoked_at: Option<Micros>,
    pub amr: String,
}

const GRANT_COLS: &str = "g.id, g.application_id, g.user_id, g.session_hash, g.sid, g.scope, \
     g.token_version, g.auth_time, g.created_at, g.expires_at, g.revoked_at, g.amr";

pub async fn insert_grant(tx: &mut Tx, g: &GrantRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO oauth_grants (id, application_id, user_id, session_hash, sid, scope, \
         token_version, auth_time, created_at, expires_at, revoked_at, amr) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&g.id)
    .bind(g.application_id)
    .bind(g.user_id)
    .bind(&g.session_hash)
    .bind(&g.sid)
    .bind(&g.scope)
    .bind(g.token_version)
    .bind(g.auth_time)
    .bind(g.created_at)
    .bind(g.expires_at)
    .bind(g.revoked_at)
    .bind(&g.amr)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

pub async fn revoke_grant(tx: &mut Tx, id: &str, now: Micros) -> StoreResult<()> {
    sqlx::query("UPDATE oauth_grants SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(&mut **tx)
        .await
        .db()?;
    Ok(())
}

/// A grant, if it still holds at `now`: not revoked, not past its end, its session
/// not ended, and its user enabled and on the same token version.
pub async fn live_grant<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    id: &str,
    now: Micros,
) -> StoreResult<Option<GrantRow>> {
    sqlx::query_as::<Db, GrantRow>(&format!(
        "SELECT {GRANT_COLS} FROM oauth_grants g \
         JOIN users u ON u.id = g.user_id \
         JOIN provider_sessions s ON s.id_hash = g.session_hash \
         WHERE g.id = $1 AND g.revoked_at IS NULL AND g.expires_at > $2 \
           AND u.account_enabled = 1 AND u.token_version = g.token_version \
           AND s.ended_at IS NULL"
    ))
    .bind(id)
    .bind(now)
    .fetch_optional(exec)
    .await
    .db()
}

pub async fn insert_refresh(
    tx: &mut Tx,
    hash: &str,
    grant_id: &str,
    now: Micros,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, grant_id, created_at) VALUES ($1, $2, $3)",
    )
    .bind(hash)
    .bind(grant_id)
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

/// Marks a refresh token used, in one statement; returns (grant id, whether it had
/// been used before).
pub async fn take_refresh(
    tx: &mut Tx,
    hash: &str,
    now: Micros,
) -> StoreResult<Option<(String, bool)>> {
    let first: Option<(String,)> = sqlx::query_as(
        "UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL \
         RETURNING grant_id",
    )
    .bind(hash)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await
    .db()?;
    if let Some((grant,)) = first {
        return Ok(Some((grant, false)));
    }
    let again: Option<(String,)> =
        sqlx::query_as("SELECT grant_id FROM refresh_tokens WHERE token_hash = $1")
            .bind(hash)
            .fetch_optional(&mut **tx)
            .await
            .db()?;
    Ok(again.map(|(grant,)| (grant, true)))
}

/// The grant a refresh token belongs to, without using it (revocation).
pub async fn refresh_grant<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    hash: &str,
) -> StoreResult<Option<(String, ApplicationId)>> {
    sqlx::query_as(
        "SELECT g.id, g.application_id FROM refresh_tokens r \
         JOIN oauth_grants g ON g.id = r.grant_id WHERE r.token_hash = $1",
    )
    .bind(hash)
    .fetch_optional(exec)
    .await
    .db()
}

/// Deletes what can no longer be used at `now`: used sign-in forms and codes
/// past their end (codes kept an hour longer, so a late replay still finds and
/// revokes what the first use issued), sessions and grants a day after they ended
/// or expired (with their refresh tokens). Returns how many rows went.
pub async fn purge_expired(tx: &mut Tx, now: Micros) -> StoreResult<u64> {
    let hour = Span::HOUR;
    let day = Span::hours(24);
    let mut gone = 0;
    for (sql, before) in [
        (
            "DELETE FROM used_authorization_requests WHERE expires_at <= $1",
            now,
        ),
        (
            "DELETE FROM authorization_codes WHERE expires_at <= $1",
            now - hour,
        ),
        (
            "DELETE FROM refresh_tokens WHERE grant_id IN (SELECT id FROM oauth_grants \
             WHERE expires_at <= $1 OR revoked_at <= $1)",
            now - day,
        ),
        (
            "DELETE FROM oauth_grants WHERE expires_at <= $1 OR revoked_at <= $1",
            now - day,
        ),
        (
            "DELETE FROM provider_sessions WHERE expires_at <= $1 OR ended_at <= $1",
            now - day,
        ),
        (
            "DELETE FROM temporary_access_passes WHERE expires_at <= $1",
            now - day,
        ),
    ] {
        gone += sqlx::query(sql)
            .bind(before)
            .execute(&mut **tx)
            .await
            .db()?
            .rows_affected();
    }
    Ok(gone)
}
