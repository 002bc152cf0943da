//! Password reset by a manager, the caller's own change, and the policies.

use crate::auth::context::PasswordChangeContext;
use crate::auth::AuthContext;
use crate::error::ApiResult;
use crate::http::extract::{header_lossy, JsonObject, OptionalJsonObject};
use crate::http::responses::{
    BadRequest, Conflict, DirectoryUnavailable, Forbidden, NotFound, Unauthorized, Unprocessable,
};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::web::{Data, Json, Path};
use actix_web::{get, post, HttpRequest, HttpResponse};
use shared::dto::{ChangePasswordRequest, ResetPasswordRequest, ResetPasswordResponse};
use shared::policy::PasswordPolicy;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(reset_password)
        .service(change_password)
        .service(password_policy);
}

/// Reset a user's password.
///
/// Cloud users get a generated temporary password (returned here only, good for one
/// sign-in until `expires_at`); on-premises users need `password`, which must meet
/// the on-premises policy. For users synced from Active Directory the password is
/// written to the domain (with "must change at next sign-in", and lockout cleared)
/// and OpenStaff keeps no copy: the domain's policy decides (a refusal answers 422
/// with its rules in words) and a domain that does not answer within 5 s answers 503
/// `directory_unavailable`, with nothing changed. Either way the user must change it at next sign-in, every
/// token issued to them before stops working and any lockout is cleared. Send an
/// `Idempotency-Key` to make retries safe: a retry replays the outcome without the
/// password. Needs a sign-in within the last `--reauthentication-minutes` (15):
/// otherwise 401 `reauthentication_required`.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "User id"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,128}$",
            description = "Makes a retry replay the first outcome: 1 to 128 visible ASCII characters (a new UUID is a good key)"),
    ),
    request_body(content = ResetPasswordRequest, example = json!({})),
    responses(
        (status = 200, body = ResetPasswordResponse, example = json!({
            "temporary_password": "Kq7#mPz2Rw9@xT4hNc",
            "force_change_password_next_sign_in": true,
            "expires_at": "2026-11-28T09:30:00Z",
            "replayed": false
        })),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
        (status = 503, response = DirectoryUnavailable),
    )
)]
#[post("/users/{id}/reset-password")]
pub async fn reset_password(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
    req: HttpRequest,
    body: OptionalJsonObject<ResetPasswordRequest>,
) -> ApiResult<HttpResponse> {
    let key = header_lossy(&req, header::HeaderName::from_static("idempotency-key"));
    // The body is optional (cloud users need none), but a body that is sent must be
    // a JSON object of the right shape.
    let body = body.0.unwrap_or_default();
    let out = crate::service::passwords::reset_password(&state, &ctx, &id, body, key).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(out))
}

/// Change your own password (also how a forced change is completed).
///
/// The new password must meet the cloud policy and differ from the current and
/// previous ones; for users synced from Active Directory the change is made in the
/// domain (old and new password together), under its policy and history. Every token of the caller, including this one, stops working:
/// sign in again with the new password.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 422, response = Unprocessable),
        (status = 503, response = DirectoryUnavailable),
    )
)]
#[post("/me/password")]
pub async fn change_password(
    state: Data<AppState>,
    ctx: PasswordChangeContext,
    body: JsonObject<ChangePasswordRequest>,
) -> ApiResult<HttpResponse> {
    crate::service::passwords::change_password(&state, &ctx, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The password policies, for showing a live checklist.
///
/// With a directory connected, the on-premises policy is the domain's own
/// (`minPwdLength`, `pwdProperties`, `pwdHistoryLength`, as the last sync read them),
/// with its rules in words in `on_premises_rules`; before the first sync, or without
/// a directory, it is the server's local `--onprem-*` settings.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, body = PasswordPolicy),
        (status = 401, response = Unauthorized),
    )
)]
#[get("/password-policy")]
pub async fn password_policy(
    state: Data<AppState>,
    _ctx: PasswordChangeContext,
) -> ApiResult<Json<PasswordPolicy>> {
    let domain = match state.directory {
        Some(_) => crate::store::directory::domain_policy(state.store.reader()).await?,
        None => None,
    };
    Ok(Json(PasswordPolicy {
        cloud: state.policy.cloud(),
        on_premises: domain
            .as_ref()
            .map_or_else(|| state.policy.on_premises(), |d| d.on_premises()),
        on_premises_rules: domain.map(|d| d.rules()).unwrap_or_default(),
    }))
}
