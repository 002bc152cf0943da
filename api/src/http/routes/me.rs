//! The caller's own account ("My account"): `/api/v1/me` and what hangs off it.

use crate::auth::AuthContext;
use crate::error::{ApiError, ApiResult};
use crate::http::extract::JsonObject;
use crate::http::responses::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unprocessable,
};
use crate::http::routes::ListQuery;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::web::{Data, Json, Path, Query};
use actix_web::{delete, get, post, HttpResponse};
use shared::dto::{
    AdministrativeUnit, AuthenticationMethod, Me, MyApplication, Page, PasskeyRegistrationOptions,
    PhoneMethods, RegisterPasskey, RegisterTotp, RemoveMethod, TotpEnrolment, VerifyCode,
};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(me)
        .service(my_units)
        .service(my_applications)
        .service(my_phone_methods)
        .service(my_authentication_methods)
        .service(register_totp)
        .service(passkey_options)
        .service(register_passkey)
        .service(verify_authentication_method)
        .service(remove_authentication_method);
}

/// The caller's confirmed authentication methods beyond the password: kinds, names
/// and dates, never secrets.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<AuthenticationMethod>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    )
)]
#[get("/me/authentication-methods")]
pub async fn my_authentication_methods(
    state: Data<AppState>,
    ctx: AuthContext,
) -> ApiResult<Json<Page<AuthenticationMethod>>> {
    Ok(Json(crate::service::mfa::mine(&state, &ctx).await?))
}

/// Starts adding an authenticator app (TOTP: 30 s, 6 digits, SHA-1): the secret,
/// its `otpauth://` URI and QR code (SVG), shown this once. The app counts once
/// confirmed with a code (`/verify`) within 10 minutes.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = RegisterTotp,
    responses(
        (status = 201, body = TotpEnrolment, headers(("Cache-Control" = String, description = "no-store"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/me/authentication-methods/totp")]
pub async fn register_totp(
    state: Data<AppState>,
    ctx: AuthContext,
    body: JsonObject<RegisterTotp>,
) -> ApiResult<HttpResponse> {
    let out = crate::service::mfa::enrol_mine(&state, &ctx, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(out))
}

/// Confirms an authenticator app with the code it shows now (audited "Register
/// authenticator app"). A wrong or used code answers 422 (`code`: `incorrect`).
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Authentication method id")),
    request_body = VerifyCode,
    responses(
        (status = 200, body = AuthenticationMethod),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/me/authentication-methods/{id}/verify")]
pub async fn verify_authentication_method(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
    body: JsonObject<VerifyCode>,
) -> ApiResult<Json<AuthenticationMethod>> {
    Ok(Json(
        crate::service::mfa::verify_mine(&state, &ctx, &id, body.into_inner()).await?,
    ))
}

/// Starts registering a passkey for the caller: the options for
/// `navigator.credentials.create()` (a discoverable credential with user
/// verification, excluding the caller's passkeys) and the sealed ceremony to send
/// back with the result to `POST /me/authentication-methods/passkey` within 10
/// minutes. 409 `passkeys_unavailable` when the server's public URL is an IP
/// address (WebAuthn needs a host name); 409 `conflict` at 10 methods.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, body = PasskeyRegistrationOptions, headers(("Cache-Control" = String, description = "no-store"))),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    )
)]
#[post("/me/authentication-methods/passkey/options")]
pub async fn passkey_options(state: Data<AppState>, ctx: AuthContext) -> ApiResult<HttpResponse> {
    let out = crate::service::passkeys::registration_options(&state, &ctx).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(out))
}

/// Registers the passkey the browser made from the options: the attestation is
/// checked (challenge, origin, relying-party id, user verification) and only the
/// credential's public part is kept. Audited "Register passkey". A credential that
/// does not match its ceremony, or an expired or used ceremony, answers 422
/// (`credential`: `incorrect`); a credential registered already answers 409.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = RegisterPasskey,
    responses(
        (status = 201, body = AuthenticationMethod),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/me/authentication-methods/passkey")]
pub async fn register_passkey(
    state: Data<AppState>,
    ctx: AuthContext,
    body: JsonObject<RegisterPasskey>,
) -> ApiResult<HttpResponse> {
    let out = crate::service::passkeys::register(&state, &ctx, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(out))
}

/// Removes one of the caller's authentication methods (audited "Remove
/// authenticator app" or "Remove passkey"). A caller with an authenticator app
/// sends a current code from one (`{"code": "123456"}`; wrong codes count towards
/// the account lockout like failed sign-ins). A caller whose only methods are
/// passkeys sends `{}` and must have signed in within the last 15 minutes, else 401
/// `reauthentication_required`. An enrolment never confirmed goes without either.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Authentication method id")),
    request_body = RemoveMethod,
    responses(
        (status = 204, description = "Removed"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
#[delete("/me/authentication-methods/{id}")]
pub async fn remove_authentication_method(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
    body: Result<JsonObject<RemoveMethod>, ApiError>,
) -> ApiResult<HttpResponse> {
    // `/me/authentication-methods/totp` and `.../passkey` are their own paths (POST
    // only), which this template would otherwise take: DELETE there is a method they
    // do not allow, not a method id or a body to read.
    if matches!(id.as_str(), "totp" | "passkey") {
        return Ok(HttpResponse::MethodNotAllowed()
            .insert_header((actix_web::http::header::ALLOW, "POST"))
            .content_type("application/problem+json")
            .json(ApiError::MethodNotAllowed.problem()));
    }
    crate::service::mfa::remove_mine(&state, &ctx, &id, body?.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller, their role assignments and whether My Staff is open to them.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Me),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    )
)]
#[get("/me")]
pub async fn me(state: Data<AppState>, ctx: AuthContext) -> ApiResult<Json<Me>> {
    Ok(Json(crate::service::me::me(&state, &ctx).await?))
}

/// The locations the caller holds a scoped role over (tenant-wide admins: all).
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, body = Page<AdministrativeUnit>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    )
)]
#[get("/me/administrative-units")]
pub async fn my_units(
    state: Data<AppState>,
    ctx: AuthContext,
    q: Query<ListQuery>,
) -> ApiResult<Json<Page<AdministrativeUnit>>> {
    Ok(Json(
        crate::service::me::my_units(&state, &ctx, &q.into_inner().into()).await?,
    ))
}

/// The applications the caller may sign in to and that have a start URL.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<MyApplication>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    )
)]
#[get("/me/applications")]
pub async fn my_applications(
    state: Data<AppState>,
    ctx: AuthContext,
) -> ApiResult<Json<Page<MyApplication>>> {
    Ok(Json(
        crate::service::me::my_applications(&state, &ctx).await?,
    ))
}

/// The caller's own sign-in phone numbers, always masked.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, body = PhoneMethods),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    )
)]
#[get("/me/phone-methods")]
pub async fn my_phone_methods(
    state: Data<AppState>,
    ctx: AuthContext,
) -> ApiResult<Json<PhoneMethods>> {
    Ok(Json(
        crate::service::me::my_phone_methods(&state, &ctx).await?,
    ))
}
