//! Applications (OpenID Connect relying parties) and the locations whose members may
//! sign in to them.

use super::{Backend, Db, ResultExt, StoreResult, Tx};
use crate::time::Micros;
use shared::dto::{ClientType, IdTokenAlg, SignInAudience};
use shared::{ApplicationId, UnitId};
use sqlx::{Executor, FromRow};

#[derive(Clone, FromRow)]
pub struct ApplicationRow {
    pub id: ApplicationId,
    pub display_name: String,
    pub start_url: Option<String>,
    /// JSON array.
    pub redirect_uris: String,
    /// JSON array.
    pub post_logout_redirect_uris: String,
    pub client_type: String,
    /// SHA-256 (hex) of the client secret; `None` for public applications.
    pub secret_hash: Option<String>,
    pub sign_in_audience: String,
    /// `RS256` or `EdDSA`.
    pub id_token_signed_response_alg: String,
    pub created_at: Micros,
    pub updated_at: Micros,
}

impl std::fmt::Debug for ApplicationRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplicationRow")
            .field("id", &self.id)
            .field("display_name", &self.display_name)
            .finish_non_exhaustive()
    }
}

impl ApplicationRow {
    pub fn redirect_uris(&self) -> Vec<String> {
        serde_json::from_str(&self.redirect_uris).unwrap_or_default()
    }

    pub fn post_logout_redirect_uris(&self) -> Vec<String> {
        serde_json::from_str(&self.post_logout_redirect_uris).unwrap_or_default()
    }

    pub fn client_type(&self) -> ClientType {
        if self.client_type == "public" {
            ClientType::Public
        } else {
            ClientType::Confidential
        }
    }

    pub fn id_token_alg(&self) -> IdTokenAlg {
        if self.id_token_signed_response_alg == "EdDSA" {
            IdTokenAlg::EdDsa
        } else {
            IdTokenAlg::Rs256
        }
    }

    pub fn sign_in_audience(&self) -> SignInAudience {
        if self.sign_in_audience == "locations" {
            SignInAudience::Locations
        } else {
            SignInAudience::Everyone
        }
    }
}

pub fn client_type_text(t: ClientType) -> &'static str {
    match t {
        ClientType::Confidential => "confidential",
        ClientType::Public => "public",
    }
}

pub fn audience_text(a: SignInAudience) -> &'static str {
    match a {
        SignInAudience::Everyone => "everyone",
        SignInAudience::Locations => "locations",
    }
}

const COLS: &str = "id, display_name, start_url, redirect_uris, post_logout_redirect_uris, \
     client_type, secret_hash, sign_in_audience, id_token_signed_response_alg, created_at, \
     updated_at";

pub async fn list<'c, E: Executor<'c, Database = Db>>(exec: E) -> StoreResult<Vec<ApplicationRow>> {
    sqlx::query_as::<Db, ApplicationRow>(&format!(
        "SELECT {COLS} FROM applications ORDER BY display_name, id"
    ))
    .fetch_all(exec)
    .await
    .db()
}

/// Applications `user` may sign in to that have a start URL ("My account").
pub async fn startable_for<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    user: shared::UserId,
) -> StoreResult<Vec<ApplicationRow>> {
    sqlx::query_as::<Db, ApplicationRow>(&format!(
        "SELECT {COLS} FROM applications a WHERE a.start_url IS NOT NULL \
         AND (a.sign_in_audience = 'everyone' OR EXISTS (SELECT 1 FROM application_units au \
         JOIN unit_members m ON m.unit_id = au.unit_id \
         WHERE au.application_id = a.id AND m.user_id = $1)) \
         ORDER BY display_name, id"
    ))
    .bind(user)
    .fetch_all(exec)
    .await
    .db()
}

pub async fn get<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    id: ApplicationId,
) -> StoreResult<Option<ApplicationRow>> {
    sqlx::query_as::<Db, ApplicationRow>(&format!("SELECT {COLS} FROM applications WHERE id = $1"))
        .bind(id)
        .fetch_optional(exec)
        .await
        .db()
}

pub async fn insert(tx: &mut Tx, a: &ApplicationRow) -> StoreResult<()> {
    write(tx, a, "").await
}

/// Writes one of OpenStaff's own applications as `a` says (inserted the first time,
/// brought up to date afterwards; its id and creation time stay).
pub async fn upsert(tx: &mut Tx, a: &ApplicationRow) -> StoreResult<()> {
    write(
        tx,
        a,
        " ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, \
         start_url = excluded.start_url, redirect_uris = excluded.redirect_uris, \
         post_logout_redirect_uris = excluded.post_logout_redirect_uris, \
         client_type = excluded.client_type, secret_hash = excluded.secret_hash, \
         sign_in_audience = excluded.sign_in_audience, \
         id_token_signed_response_alg = excluded.id_token_signed_response_alg, \
         updated_at = excluded.updated_at",
    )
    .await
}

async fn write(tx: &mut Tx, a: &ApplicationRow, on_conflict: &str) -> StoreResult<()> {
    sqlx::query(&format!(
        "INSERT INTO applications (id, display_name, start_url, redirect_uris, \
         post_logout_redirect_uris, client_type, secret_hash, sign_in_audience, \
         id_token_signed_response_alg, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11){on_conflict}"
    ))
    .bind(a.id)
    .bind(&a.display_name)
    .bind(&a.start_url)
    .bind(&a.redirect_uris)
    .bind(&a.post_logout_redirect_uris)
    .bind(&a.client_type)
    .bind(&a.secret_hash)
    .bind(&a.sign_in_audience)
    .bind(&a.id_token_signed_response_alg)
    .bind(a.created_at)
    .bind(a.updated_at)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

pub async fn update(tx: &mut Tx, a: &ApplicationRow) -> StoreResult<()> {
    sqlx::query(
        "UPDATE applications SET display_name = $2, start_url = $3, redirect_uris = $4, \
         post_logout_redirect_uris = $5, sign_in_audience = $6, \
         id_token_signed_response_alg = $7, updated_at = $8 WHERE id = $1",
    )
    .bind(a.id)
    .bind(&a.display_name)
    .bind(&a.start_url)
    .bind(&a.redirect_uris)
    .bind(&a.post_logout_redirect_uris)
    .bind(&a.sign_in_audience)
    .bind(&a.id_token_signed_response_alg)
    .bind(a.updated_at)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

pub async fn set_secret(
    tx: &mut Tx,
    id: ApplicationId,
    hash: &str,
    now: Micros,
) -> StoreResult<()> {
    // A new secret also ends the tokens the application issued itself with the old one.
    sqlx::query(
        "UPDATE applications SET secret_hash = $2, updated_at = $3, \
         token_version = token_version + 1 WHERE id = $1",
    )
    .bind(id)
    .bind(hash)
    .bind(now)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

/// An application as a caller of the API: its name, its client type and the token
/// version its client-credentials tokens must carry.
#[derive(Debug, Clone, FromRow)]
pub struct AppPrincipalRow {
    pub id: ApplicationId,
    pub display_name: String,
    pub client_type: String,
    pub token_version: i64,
}

pub async fn principal<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    id: ApplicationId,
) -> StoreResult<Option<AppPrincipalRow>> {
    sqlx::query_as::<Db, AppPrincipalRow>(
        "SELECT id, display_name, client_type, token_version FROM applications WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(exec)
    .await
    .db()
}

/// Locks an application's row until the transaction ends (PostgreSQL; SQLite's one
/// writer needs nothing), so a change to its role assignments and a decision about
/// what it may do are serialised, as [`super::users::lock_users`] does for people.
pub async fn lock(tx: &mut Tx, backend: Backend, id: ApplicationId) -> StoreResult<()> {
    if backend == Backend::Sqlite {
        return Ok(());
    }
    sqlx::query("SELECT id FROM applications WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_all(&mut **tx)
        .await
        .db()?;
    Ok(())
}

/// Deletes the application with its codes, grants and refresh tokens (cascade).
pub async fn delete(tx: &mut Tx, id: ApplicationId) -> StoreResult<bool> {
    let r = sqlx::query("DELETE FROM applications WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await
        .db()?;
    Ok(r.rows_affected() == 1)
}

pub async fn units_of<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    id: ApplicationId,
) -> StoreResult<Vec<UnitId>> {
    let rows: Vec<(UnitId,)> = sqlx::query_as(
        "SELECT unit_id FROM application_units WHERE application_id = $1 ORDER BY unit_id",
    )
    .bind(id)
    .fetch_all(exec)
    .await
    .db()?;
    Ok(rows.into_iter().map(|(u,)| u).collect())
}

/// Every (application, location) pair, for listing.
pub async fn all_units<'c, E: Executor<'c, Database = Db>>(
    exec: E,
) -> StoreResult<Vec<(ApplicationId, UnitId)>> {
    sqlx::query_as("SELECT application_id, unit_id FROM application_units ORDER BY unit_id")
        .fetch_all(exec)
        .await
        .db()
}

pub async fn set_units(tx: &mut Tx, id: ApplicationId, units: &[UnitId]) -> StoreResult<()> {
    sqlx::query("DELETE FROM application_units WHERE application_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await
        .db()?;
    for u in units {
        sqlx::query("INSERT INTO application_units (application_id, unit_id) VALUES ($1, $2)")
            .bind(id)
            .bind(*u)
            .execute(&mut **tx)
            .await
            .db()?;
    }
    Ok(())
}

/// Whether `user` is a member of one of the locations allowed to sign in to `app`.
pub async fn user_may_sign_in<'c, E: Executor<'c, Database = Db>>(
    exec: E,
    app: ApplicationId,
    user: shared::UserId,
) -> StoreResult<bool> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT 1 FROM application_units au JOIN unit_members m ON m.unit_id = au.unit_id \
         WHERE au.application_id = $1 AND m.user_id = $2 LIMIT 1",
    )
    .bind(app)
    .bind(user)
    .fetch_optional(exec)
    .await
    .db()?;
    Ok(row.is_some())
}
