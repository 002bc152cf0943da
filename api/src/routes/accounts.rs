//! Manager actions on an account, and the caller's own password change.

use super::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PreconditionFailed, Unauthorized, Unprocessable,
};
use crate::auth::context::PasswordChangeContext;
use crate::auth::AuthContext;
use crate::error::ApiResult;
use crate::service::{accounts, AppState};
use actix_web::http::header;
use actix_web::web::{Data, Json, Path};
use actix_web::{delete, get, post, put, HttpRequest, HttpResponse};
use shared::dto::{
    ChangePasswordRequest, PhoneMethods, ResetPasswordRequest, ResetPasswordResponse,
    SetPhoneMethod,
};
use shared::policy::PasswordPolicy;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(reset_password)
        .service(change_password)
        .service(password_policy)
        .service(list_phone_methods)
        .service(set_phone_method)
        .service(remove_phone_method);
}

fn header_str(req: &HttpRequest, name: header::HeaderName) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Reset a user's password.
///
/// Cloud users get a generated temporary password (returned here only, good for one
/// sign-in until `expires_at`); on-premises users need `password`, which must meet
/// the on-premises policy. Either way the user must change it at next sign-in, every
/// token issued to them before stops working and any lockout is cleared. Send an
/// `Idempotency-Key` to make retries safe: a retry replays the outcome without the
/// password.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "User id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry replay the first outcome (1-128 characters)"),
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
    )
)]
#[post("/users/{id}/reset-password")]
pub async fn reset_password(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
    req: HttpRequest,
    payload: actix_web::web::Payload,
) -> ApiResult<HttpResponse> {
    let key = header_str(&req, header::HeaderName::from_static("idempotency-key"));
    let body = crate::startup::read_body(payload, 16 * 1024).await?;
    // The body is optional (cloud users need none), but a body that is sent must be
    // valid JSON of the right shape.
    let body: ResetPasswordRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ResetPasswordRequest::default()
    } else {
        crate::startup::parse_json(&body)?
    };
    let out = accounts::reset_password(&state, &ctx, &id, body, key).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(out))
}

/// Change your own password (also how a forced change is completed).
///
/// The new password must meet the cloud policy and differ from the current and
/// previous ones. Every token of the caller, including this one, stops working:
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
    )
)]
#[post("/me/password")]
pub async fn change_password(
    state: Data<AppState>,
    ctx: PasswordChangeContext,
    body: Json<ChangePasswordRequest>,
) -> ApiResult<HttpResponse> {
    accounts::change_password(&state, &ctx, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The password policies, for showing a live checklist.
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
) -> Json<PasswordPolicy> {
    Json(PasswordPolicy {
        cloud: state.policy.cloud(),
        on_premises: state.policy.on_premises(),
    })
}

/// A user's phone methods. Numbers are in full only for callers who may manage them.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "User id")),
    responses(
        (status = 200, body = PhoneMethods, headers(("ETag" = String, description = "Current state, for If-Match"))),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/users/{id}/phone-methods")]
pub async fn list_phone_methods(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
) -> ApiResult<HttpResponse> {
    let out = accounts::phone_methods(&state, &ctx, &id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, out.etag.clone()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(out))
}

/// Add or change a phone method (`mobile`, `alternate_mobile` or `office`).
///
/// Numbers are stored in E.164. An alternate mobile needs a mobile first; a mobile
/// number used by someone else, or the caller's own number, is refused with 409.
/// Send `If-Match` with the ETag you read to avoid overwriting someone else's change.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "User id"),
        ("type" = shared::dto::PhoneType, Path, description = "mobile, alternate_mobile or office"),
        ("If-Match" = Option<String>, Header, description = "ETag from the last read; 412 when it no longer matches"),
    ),
    request_body = SetPhoneMethod,
    responses(
        (status = 200, body = PhoneMethods, headers(("ETag" = String))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
        (status = 422, response = Unprocessable),
    )
)]
#[put("/users/{id}/phone-methods/{type}")]
pub async fn set_phone_method(
    state: Data<AppState>,
    ctx: AuthContext,
    path: Path<(String, String)>,
    req: HttpRequest,
    body: Json<SetPhoneMethod>,
) -> ApiResult<HttpResponse> {
    let (id, kind) = path.into_inner();
    let if_match = header_str(&req, header::IF_MATCH);
    let out = accounts::set_phone(
        &state,
        &ctx,
        &id,
        &kind,
        &body.phone_number,
        if_match.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, out.etag.clone()))
        .json(out))
}

/// Remove a phone method.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "User id"),
        ("type" = shared::dto::PhoneType, Path, description = "mobile, alternate_mobile or office"),
        ("If-Match" = Option<String>, Header, description = "ETag from the last read; 412 when it no longer matches"),
    ),
    responses(
        (status = 204, description = "Removed", headers(("ETag" = String))),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
    )
)]
#[delete("/users/{id}/phone-methods/{type}")]
pub async fn remove_phone_method(
    state: Data<AppState>,
    ctx: AuthContext,
    path: Path<(String, String)>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let (id, kind) = path.into_inner();
    let if_match = header_str(&req, header::IF_MATCH);
    let etag = accounts::remove_phone(&state, &ctx, &id, &kind, if_match.as_deref()).await?;
    Ok(HttpResponse::NoContent()
        .insert_header((header::ETAG, etag))
        .finish())
}
