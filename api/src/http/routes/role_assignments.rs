//! Role assignments.

use crate::auth::AuthContext;
use crate::error::ApiResult;
use crate::http::extract::JsonObject;
use crate::http::responses::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unprocessable,
};
use crate::service::paging::PageRequest;
use crate::state::AppState;
use actix_web::web::{Data, Json, Path, Query};
use actix_web::{delete, get, post, HttpResponse};
use serde::Deserialize;
use shared::dto::{CreateRoleAssignment, Page, PrincipalType, RoleAssignment};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_assignments)
        .service(create_assignment)
        .service(delete_assignment);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssignmentQuery {
    /// Only this principal's assignments.
    #[param(value_type = Option<uuid::Uuid>)]
    pub principal_id: Option<String>,
    /// Only assignments held by users, or only those held by applications.
    pub principal_type: Option<PrincipalType>,
    /// Only assignments scoped to this location.
    #[param(value_type = Option<uuid::Uuid>)]
    pub administrative_unit_id: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// Opaque: the `next_cursor` of the previous page, passed back unchanged. A cursor
    /// this server did not issue is refused with 400 `invalid_cursor`.
    #[param(pattern = "^[A-Za-z0-9_-]+$")]
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
        crate::service::role_assignments::list_assignments(
            &state,
            &ctx,
            q.principal_id.as_deref(),
            q.principal_type,
            q.administrative_unit_id.as_deref(),
            &page,
        )
        .await?,
    ))
}

/// Assign a role at a scope (global administrators only). Global and privileged
/// authentication administrators can only be assigned directory-wide. With
/// `principal_type: "application"` the role goes to a confidential application, which
/// then acts with it through the client-credentials grant under the same rules.
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
    body: JsonObject<CreateRoleAssignment>,
) -> ApiResult<HttpResponse> {
    let a = crate::service::role_assignments::create_assignment(&state, &ctx, body.into_inner())
        .await?;
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
    crate::service::role_assignments::delete_assignment(&state, &ctx, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
