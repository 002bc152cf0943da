//! Phone methods.

use crate::auth::AuthContext;
use crate::error::ApiResult;
use crate::http::extract::{header_lossy, JsonObject};
use crate::http::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PreconditionFailed, Unauthorized, Unprocessable,
};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{delete, get, put, HttpRequest, HttpResponse};
use shared::dto::{PhoneMethods, SetPhoneMethod};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_phone_methods)
        .service(list_authentication_methods)
        .service(set_phone_method)
        .service(remove_phone_method);
}

/// A user's authentication methods beyond the password, as a manager sees them:
/// kinds and dates only (never names or secrets). Open to whoever may read the
/// user's phone methods.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "User id")),
    responses(
        (status = 200, body = shared::dto::Page<shared::dto::AuthenticationMethodSummary>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/users/{id}/authentication-methods")]
pub async fn list_authentication_methods(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
) -> ApiResult<actix_web::web::Json<shared::dto::Page<shared::dto::AuthenticationMethodSummary>>> {
    Ok(actix_web::web::Json(
        crate::service::mfa::of_user(&state, &ctx, &id).await?,
    ))
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
    let out = crate::service::phones::phone_methods(&state, &ctx, &id).await?;
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
        ("If-Match" = Option<String>, Header, pattern = r#"^(?:\*|(?:W/)?"[!#-~]*"(?:[ \t]*,[ \t]*(?:W/)?"[!#-~]*")*)$"#,
            description = "ETag from the last read (or `*`); 412 when it no longer matches"),
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
    body: JsonObject<SetPhoneMethod>,
) -> ApiResult<HttpResponse> {
    let (id, kind) = path.into_inner();
    let if_match = header_lossy(&req, header::IF_MATCH);
    let out = crate::service::phones::set_phone(
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
        ("If-Match" = Option<String>, Header, pattern = r#"^(?:\*|(?:W/)?"[!#-~]*"(?:[ \t]*,[ \t]*(?:W/)?"[!#-~]*")*)$"#,
            description = "ETag from the last read (or `*`); 412 when it no longer matches"),
    ),
    responses(
        (status = 204, description = "Removed", headers(("ETag" = String))),
        (status = 400, response = BadRequest),
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
    let if_match = header_lossy(&req, header::IF_MATCH);
    let etag =
        crate::service::phones::remove_phone(&state, &ctx, &id, &kind, if_match.as_deref()).await?;
    Ok(HttpResponse::NoContent()
        .insert_header((header::ETAG, etag))
        .finish())
}
