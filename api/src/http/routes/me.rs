//! The caller's own account ("My account"): `/api/v1/me` and what hangs off it.

use crate::auth::AuthContext;
use crate::error::ApiResult;
use crate::http::responses::{BadRequest, Forbidden, Unauthorized};
use crate::http::routes::ListQuery;
use crate::state::AppState;
use actix_web::get;
use actix_web::web::{Data, Json, Query};
use shared::dto::{AdministrativeUnit, Me, MyApplication, Page, PhoneMethods};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(me)
        .service(my_units)
        .service(my_applications)
        .service(my_phone_methods);
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
