//! `POST /api/v1/auth/token`.

use crate::auth::context::RequestMeta;
use crate::error::ApiResult;
use crate::http::extract::JsonObject;
use crate::http::responses::{
    BadRequest, DirectoryUnavailable, Forbidden, TooManyRequests, Unauthorized, Unprocessable,
};
use crate::service::signin;
use crate::state::AppState;
use actix_web::web::Data;
use actix_web::{post, HttpResponse};
use shared::dto::{TokenRequest, TokenResponse};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(token);
}

/// Sign in with a user principal name and password.
///
/// Returns a 15-minute bearer token. When `password_change_required` is true the
/// token is good only for `POST /api/v1/me/password`. Users synced from Active
/// Directory sign in with their domain password: the domain checks it (and decides
/// lockout); a domain that does not answer gives 503 `directory_unavailable`. Someone
/// with a second factor (an authenticator app), or an administrator while
/// `--admin-mfa required`, gets 403 `mfa_required`: sign in through the provider.
#[utoipa::path(
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
        (status = 429, response = TooManyRequests),
        (status = 503, response = DirectoryUnavailable),
    )
)]
#[post("/auth/token")]
pub async fn token(
    state: Data<AppState>,
    meta: RequestMeta,
    body: JsonObject<TokenRequest>,
) -> ApiResult<HttpResponse> {
    let resp = signin::sign_in(&state, meta.0, body.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(resp))
}
