//! Locations and their members.

use crate::auth::context::ReadContext;
use crate::auth::AuthContext;
use crate::error::ApiResult;
use crate::http::extract::JsonObject;
use crate::http::responses::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unprocessable,
};
use crate::http::routes::ListQuery;
use crate::state::AppState;
use actix_web::web::{Data, Json, Path, Query};
use actix_web::{delete, get, patch, post, HttpResponse};
use shared::dto::{
    AddMember, AdministrativeUnit, CreateAdministrativeUnit, Page, UpdateAdministrativeUnit, User,
};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_units)
        .service(create_unit)
        .service(get_unit)
        .service(update_unit)
        .service(delete_unit)
        .service(list_members)
        .service(add_member)
        .service(remove_member);
}

/// Search all locations.
#[utoipa::path(
    tag = "locations",
    security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, body = Page<AdministrativeUnit>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/administrative-units")]
pub async fn list_units(
    state: Data<AppState>,
    ctx: AuthContext,
    q: Query<ListQuery>,
) -> ApiResult<Json<Page<AdministrativeUnit>>> {
    Ok(Json(
        crate::service::units::list_units(&state, &ctx, &q.into_inner().into()).await?,
    ))
}

/// Create a location (tenant-wide global or user administrators).
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    request_body = CreateAdministrativeUnit,
    responses(
        (status = 201, body = AdministrativeUnit, links(
            ("GetUnit" = (operation_id = "get_unit", parameters(("id" = "$response.body#/id")))),
            ("UpdateUnit" = (operation_id = "update_unit", parameters(("id" = "$response.body#/id")))),
            ("ListMembers" = (operation_id = "list_members", parameters(("id" = "$response.body#/id")))),
            ("AddMember" = (operation_id = "add_member", parameters(("id" = "$response.body#/id")))),
            ("DeleteUnit" = (operation_id = "delete_unit", parameters(("id" = "$response.body#/id")))),
        )),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/administrative-units")]
pub async fn create_unit(
    state: Data<AppState>,
    ctx: AuthContext,
    body: JsonObject<CreateAdministrativeUnit>,
) -> ApiResult<HttpResponse> {
    let unit = crate::service::units::create_unit(&state, &ctx, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/administrative-units/{}", unit.id),
        ))
        .json(unit))
}

/// One location, with the caller's roles over it.
#[utoipa::path(
    tag = "locations",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Location id")),
    responses(
        (status = 200, body = AdministrativeUnit),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/administrative-units/{id}")]
pub async fn get_unit(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
) -> ApiResult<Json<AdministrativeUnit>> {
    Ok(Json(
        crate::service::units::get_unit(&state, &ctx, &id).await?,
    ))
}

/// Rename a location or change its description (`restricted` is immutable).
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Location id")),
    request_body = UpdateAdministrativeUnit,
    responses(
        (status = 200, body = AdministrativeUnit),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
#[patch("/administrative-units/{id}")]
pub async fn update_unit(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
    body: JsonObject<UpdateAdministrativeUnit>,
) -> ApiResult<Json<AdministrativeUnit>> {
    Ok(Json(
        crate::service::units::update_unit(&state, &ctx, &id, body.into_inner()).await?,
    ))
}

/// Delete a location; its memberships and location-scoped role assignments go too.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Location id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[delete("/administrative-units/{id}")]
pub async fn delete_unit(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
) -> ApiResult<HttpResponse> {
    crate::service::units::delete_unit(&state, &ctx, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Members of a location (search, paging), each with the caller's `allowed_actions`.
#[utoipa::path(
    tag = "locations",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Location id"), ListQuery),
    responses(
        (status = 200, body = Page<User>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/administrative-units/{id}/members")]
pub async fn list_members(
    state: Data<AppState>,
    ctx: ReadContext,
    id: Path<String>,
    q: Query<ListQuery>,
) -> ApiResult<Json<Page<User>>> {
    let page = q.into_inner().into();
    Ok(Json(
        ctx.run(async |ctx| crate::service::units::members(&state, ctx, &id, &page).await)
            .await?,
    ))
}

/// Add a user to a location.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Location id")),
    request_body = AddMember,
    responses(
        (status = 204, description = "Added", links(
            ("RemoveMember" = (operation_id = "remove_member", parameters(
                ("id" = "$request.path.id"), ("user_id" = "$request.body#/user_id")
            ))),
        )),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/administrative-units/{id}/members")]
pub async fn add_member(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
    body: JsonObject<AddMember>,
) -> ApiResult<HttpResponse> {
    crate::service::membership::change_membership(&state, &ctx, &id, body.user_id.into(), true)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Remove a user from a location.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Location id"),
        ("user_id" = uuid::Uuid, Path, description = "User id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[delete("/administrative-units/{id}/members/{user_id}")]
pub async fn remove_member(
    state: Data<AppState>,
    ctx: AuthContext,
    path: Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (unit, user) = path.into_inner();
    let user = crate::service::paging::parse_id(&user, "user")?;
    crate::service::membership::change_membership(&state, &ctx, &unit, user, false).await?;
    Ok(HttpResponse::NoContent().finish())
}
