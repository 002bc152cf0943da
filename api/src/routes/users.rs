//! Users: org-wide search, profiles, explained decisions, creation.

use super::responses::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unprocessable};
use super::ListQuery;
use crate::auth::AuthContext;
use crate::error::ApiResult;
use crate::service::{directory, AppState};
use actix_web::web::{Data, Json, Path, Query};
use actix_web::{get, post, HttpResponse};
use serde::Deserialize;
use shared::dto::{CreateUser, Page, User};
use shared::Decision;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(access);
}

/// Search users across the organisation, each with the caller's `allowed_actions`.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, body = Page<User>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/users")]
pub async fn list_users(
    state: Data<AppState>,
    ctx: AuthContext,
    q: Query<ListQuery>,
) -> ApiResult<Json<Page<User>>> {
    Ok(Json(
        directory::list_users(&state, &ctx, &q.into_inner().into()).await?,
    ))
}

/// One user's profile with the caller's `allowed_actions`.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "User id")),
    responses(
        (status = 200, body = User),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
) -> ApiResult<Json<User>> {
    Ok(Json(directory::get_user(&state, &ctx, &id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessQuery {
    /// `read`, `reset_password`, `manage_phone_methods` or `manage_directory`.
    pub action: String,
}

/// Explain whether the caller may take an action on this user, and why.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "User id"), AccessQuery),
    responses(
        (status = 200, body = Decision, example = json!({
            "allowed": false,
            "action": "reset_password",
            "reasons": ["target holds user_administrator, which helpdesk_administrator may not reset"],
            "denial": "target_privileged"
        })),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/users/{id}/access")]
pub async fn access(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
    q: Query<AccessQuery>,
) -> ApiResult<Json<Decision>> {
    Ok(Json(
        directory::explain(&state, &ctx, &id, &q.action).await?,
    ))
}

/// Create a user (tenant-wide global or user administrators).
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    request_body = CreateUser,
    responses(
        (status = 201, body = User),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/users")]
pub async fn create_user(
    state: Data<AppState>,
    ctx: AuthContext,
    body: Json<CreateUser>,
) -> ApiResult<HttpResponse> {
    let user = directory::create_user(&state, &ctx, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/users/{}", user.id)))
        .json(user))
}
