//! Locations, membership, role assignments and the My Staff setting.

use super::responses::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unprocessable};
use super::ListQuery;
use crate::auth::AuthContext;
use crate::error::ApiResult;
use crate::service::{directory, AppState, PageRequest};
use actix_web::web::{Data, Json, Path, Query};
use actix_web::{delete, get, patch, post, put, HttpResponse};
use serde::Deserialize;
use shared::dto::{
    AddMember, AdministrativeUnit, CreateAdministrativeUnit, CreateRoleAssignment, MyStaffSettings,
    Page, RoleAssignment, UpdateAdministrativeUnit, User,
};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_units)
        .service(create_unit)
        .service(get_unit)
        .service(update_unit)
        .service(delete_unit)
        .service(list_members)
        .service(add_member)
        .service(remove_member)
        .service(list_assignments)
        .service(create_assignment)
        .service(delete_assignment)
        .service(get_settings)
        .service(put_settings);
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
        directory::list_units(&state, &ctx, &q.into_inner().into()).await?,
    ))
}

/// Create a location (tenant-wide global or user administrators).
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    request_body = CreateAdministrativeUnit,
    responses(
        (status = 201, body = AdministrativeUnit),
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
    body: Json<CreateAdministrativeUnit>,
) -> ApiResult<HttpResponse> {
    let unit = directory::create_unit(&state, &ctx, body.into_inner()).await?;
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
    Ok(Json(directory::get_unit(&state, &ctx, &id).await?))
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
    body: Json<UpdateAdministrativeUnit>,
) -> ApiResult<Json<AdministrativeUnit>> {
    Ok(Json(
        directory::update_unit(&state, &ctx, &id, body.into_inner()).await?,
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
    directory::delete_unit(&state, &ctx, &id).await?;
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
    ctx: AuthContext,
    id: Path<String>,
    q: Query<ListQuery>,
) -> ApiResult<Json<Page<User>>> {
    Ok(Json(
        directory::members(&state, &ctx, &id, &q.into_inner().into()).await?,
    ))
}

/// Add a user to a location.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Location id")),
    request_body = AddMember,
    responses(
        (status = 204, description = "Added"),
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
    body: Json<AddMember>,
) -> ApiResult<HttpResponse> {
    directory::change_membership(&state, &ctx, &id, &body.user_id.to_string(), true).await?;
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
    let user = crate::service::parse_id(&user, "user")?;
    directory::change_membership(&state, &ctx, &unit, &user, false).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssignmentQuery {
    /// Only this principal's assignments.
    pub principal_id: Option<String>,
    /// Only assignments scoped to this location.
    pub administrative_unit_id: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List role assignments (tenant-wide global or user administrators).
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    params(AssignmentQuery),
    responses(
        (status = 200, body = Page<RoleAssignment>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/role-assignments")]
pub async fn list_assignments(
    state: Data<AppState>,
    ctx: AuthContext,
    q: Query<AssignmentQuery>,
) -> ApiResult<Json<Page<RoleAssignment>>> {
    let q = q.into_inner();
    let page = PageRequest {
        search: None,
        limit: q.limit,
        cursor: q.cursor,
    };
    Ok(Json(
        directory::list_assignments(
            &state,
            &ctx,
            q.principal_id.as_deref(),
            q.administrative_unit_id.as_deref(),
            &page,
        )
        .await?,
    ))
}

/// Assign a role at a scope (global administrators only). Global and privileged
/// authentication administrators can only be assigned directory-wide.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    request_body(content = CreateRoleAssignment, example = json!({
        "principal_id": "01936b2e-7c1a-7d4e-9a5b-3c2d1e0f9a8b",
        "role": "helpdesk_administrator",
        "scope": {"type": "administrative_unit", "id": "01936b2e-7c1a-7d4e-9a5b-000000000001"}
    })),
    responses(
        (status = 201, body = RoleAssignment),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/role-assignments")]
pub async fn create_assignment(
    state: Data<AppState>,
    ctx: AuthContext,
    body: Json<CreateRoleAssignment>,
) -> ApiResult<HttpResponse> {
    let a = directory::create_assignment(&state, &ctx, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/role-assignments/{}", a.id)))
        .json(a))
}

/// Remove a role assignment (global administrators only).
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Role assignment id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
#[delete("/role-assignments/{id}")]
pub async fn delete_assignment(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
) -> ApiResult<HttpResponse> {
    directory::delete_assignment(&state, &ctx, &id).await?;
    Ok(HttpResponse::NoContent().finish())
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
    Ok(Json(directory::get_settings(&state, &ctx).await?))
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
    body: Json<MyStaffSettings>,
) -> ApiResult<Json<MyStaffSettings>> {
    Ok(Json(
        directory::put_settings(&state, &ctx, body.into_inner()).await?,
    ))
}
