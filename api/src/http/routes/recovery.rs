//! A manager's account-recovery actions: revoke sessions, unlock, require
//! re-registration of sign-in methods, Temporary Access Pass.

use crate::auth::AuthContext;
use crate::error::ApiResult;
use crate::http::extract::OptionalJsonObject;
use crate::http::responses::{
    BadRequest, Conflict, DirectoryUnavailable, Forbidden, NotFound, Unauthorized, Unprocessable,
};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{delete, post, HttpResponse};
use shared::dto::{IssueTemporaryAccessPass, TemporaryAccessPass};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(revoke_sessions)
        .service(unlock)
        .service(require_reregistration)
        .service(issue_temporary_access_pass)
        .service(revoke_temporary_access_pass);
}

/// Sign a user out everywhere.
///
/// Ends every provider session, refresh token and access token of the user: each
/// application asks them to sign in again. The reset rules apply, except that a
/// Password Administrator may not (Entra's Helpdesk Administrator may invalidate
/// refresh tokens, its Password Administrator may not). Audited "Invalidate all
/// refresh tokens for user".
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "User id")),
    responses(
        (status = 204, description = "Every session ended"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[post("/users/{id}/revoke-sessions")]
pub async fn revoke_sessions(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
) -> ApiResult<HttpResponse> {
    crate::service::recovery::revoke_sessions(&state, &ctx, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Unlock a user's account.
///
/// Clears the lockout after too many wrong passwords or codes (`locked_until` on the
/// user); for a user synced from Active Directory, the domain's lockout too. The
/// rules of revoking sessions. Audited "Unlock user account"; answers 204 whether or
/// not the account was locked.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "User id")),
    responses(
        (status = 204, description = "Not locked (any more)"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = DirectoryUnavailable),
    )
)]
#[post("/users/{id}/unlock")]
pub async fn unlock(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
) -> ApiResult<HttpResponse> {
    crate::service::recovery::unlock(&state, &ctx, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Require a user to register their sign-in methods again.
///
/// Removes every passkey and authenticator app of the user (a lost or stolen phone);
/// they register new ones at their next sign-in, with a Temporary Access Pass if they
/// have no password either. Sessions are not ended: revoke them too when the phone
/// is in the wrong hands. Authentication administrators and above, under the
/// phone-method rules. Needs a sign-in within the last `--reauthentication-minutes`
/// (15): otherwise 401 `reauthentication_required`. Audited "Require
/// re-registration of authentication methods".
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "User id")),
    responses(
        (status = 204, description = "Every passkey and authenticator app removed"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[post("/users/{id}/require-reregistration")]
pub async fn require_reregistration(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
) -> ApiResult<HttpResponse> {
    crate::service::recovery::require_reregistration(&state, &ctx, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Issue a Temporary Access Pass.
///
/// The pass (shown in this answer only; OpenStaff keeps its hash) is typed on the
/// hosted sign-in page instead of the password, and counts as a strong sign-in by
/// itself (`amr` `otp mfa`), so a staff member who lost their phone can sign in and
/// register a passkey. It works from 10 to 1440 minutes (default 60), once by
/// default; issuing another replaces it. Authentication administrators and above,
/// under the phone-method rules. Needs a sign-in within the last
/// `--reauthentication-minutes` (15): otherwise 401 `reauthentication_required`.
/// Audited "Admin registered temporary access pass method for user", without the
/// pass.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "User id")),
    request_body(content = IssueTemporaryAccessPass, example = json!({"lifetime_minutes": 60, "one_time": true})),
    responses(
        (status = 201, body = TemporaryAccessPass, example = json!({
            "pass": "7KQM-3XRT-9HVW-2CPA",
            "created_at": "2026-12-02T04:47:00Z",
            "expires_at": "2026-12-02T05:47:00Z",
            "lifetime_minutes": 60,
            "one_time": true
        })),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/users/{id}/temporary-access-pass")]
pub async fn issue_temporary_access_pass(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
    body: OptionalJsonObject<IssueTemporaryAccessPass>,
) -> ApiResult<HttpResponse> {
    let body = body.0.unwrap_or_default();
    let pass = crate::service::recovery::issue_pass(&state, &ctx, &id, body).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(pass))
}

/// Revoke a user's Temporary Access Pass.
///
/// The pass stops working at once. The rules of issuing one, and the same step-up.
/// Answers 204 whether or not there was one; audited when there was.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "User id")),
    responses(
        (status = 204, description = "No pass any more"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[delete("/users/{id}/temporary-access-pass")]
pub async fn revoke_temporary_access_pass(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
) -> ApiResult<HttpResponse> {
    crate::service::recovery::revoke_pass(&state, &ctx, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
