//! Tenant settings: My Staff access and the sign-in policy.

use crate::auth::AuthContext;
use crate::error::ApiResult;
use crate::http::extract::JsonObject;
use crate::http::responses::{BadRequest, Forbidden, Unauthorized, Unprocessable};
use crate::state::AppState;
use actix_web::web::{Data, Json};
use actix_web::{get, put};
use shared::dto::{MyStaffSettings, SignInPolicy};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_settings)
        .service(put_settings)
        .service(get_sign_in_policy)
        .service(put_sign_in_policy);
}

/// Who may use My Staff.
#[utoipa::path(
    tag = "settings",
    security(("bearer" = [])),
    responses(
        (status = 200, body = MyStaffSettings),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    )
)]
#[get("/settings/my-staff")]
pub async fn get_settings(
    state: Data<AppState>,
    ctx: AuthContext,
) -> ApiResult<Json<MyStaffSettings>> {
    Ok(Json(
        crate::service::settings::get_settings(&state, &ctx).await?,
    ))
}

/// Set who may use My Staff: `all`, `selected` (listed users) or `none`.
#[utoipa::path(
    tag = "settings",
    security(("bearer" = [])),
    request_body = MyStaffSettings,
    responses(
        (status = 200, body = MyStaffSettings),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
    )
)]
#[put("/settings/my-staff")]
pub async fn put_settings(
    state: Data<AppState>,
    ctx: AuthContext,
    body: JsonObject<MyStaffSettings>,
) -> ApiResult<Json<MyStaffSettings>> {
    Ok(Json(
        crate::service::settings::put_settings(&state, &ctx, body.into_inner()).await?,
    ))
}

/// The tenant's sign-in policy: whether everyone, not only administrators, must
/// sign in with a second factor. Global administrators only.
#[utoipa::path(
    tag = "settings",
    security(("bearer" = [])),
    responses(
        (status = 200, body = SignInPolicy),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    )
)]
#[get("/settings/sign-in")]
pub async fn get_sign_in_policy(
    state: Data<AppState>,
    ctx: AuthContext,
) -> ApiResult<Json<SignInPolicy>> {
    Ok(Json(
        crate::service::settings::get_sign_in_policy(&state, &ctx).await?,
    ))
}

/// Set the tenant's sign-in policy. With `mfa_for_everyone`, every user completes a
/// passkey or an authenticator-app code at sign-in (one without is walked through
/// adding an app on the hosted page), the password grant refuses everyone, and a
/// refresh of a sign-in made with a password alone is refused. Administrators need a
/// second factor anyway while the server runs with `--admin-mfa required`.
#[utoipa::path(
    tag = "settings",
    security(("bearer" = [])),
    request_body = SignInPolicy,
    responses(
        (status = 200, body = SignInPolicy),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
    )
)]
#[put("/settings/sign-in")]
pub async fn put_sign_in_policy(
    state: Data<AppState>,
    ctx: AuthContext,
    body: JsonObject<SignInPolicy>,
) -> ApiResult<Json<SignInPolicy>> {
    Ok(Json(
        crate::service::settings::put_sign_in_policy(&state, &ctx, body.into_inner()).await?,
    ))
}
