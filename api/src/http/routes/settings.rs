//! The My Staff access setting.

use crate::auth::AuthContext;
use crate::error::ApiResult;
use crate::http::extract::JsonObject;
use crate::http::responses::{BadRequest, Forbidden, Unauthorized, Unprocessable};
use crate::state::AppState;
use actix_web::web::{Data, Json};
use actix_web::{get, put};
use shared::dto::MyStaffSettings;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_settings).service(put_settings);
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
