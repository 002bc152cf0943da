//! The caller's own account: `/api/v1/me`, `/api/v1/me/administrative-units`.

use crate::auth::AuthContext;
use crate::error::ApiResult;
use crate::http::responses::{BadRequest, Forbidden, Unauthorized};
use crate::http::routes::ListQuery;
use crate::state::AppState;
use actix_web::get;
use actix_web::web::{Data, Json, Query};
use shared::dto::{AdministrativeUnit, Me, Page};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(me).service(my_units);
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
