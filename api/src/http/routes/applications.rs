//! Applications that sign their users in with OpenStaff (OpenID Connect relying
//! parties). Global administrators only.

use crate::auth::AuthContext;
use crate::error::ApiResult;
use crate::http::extract::JsonObject;
use crate::http::responses::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unprocessable,
};
use crate::service::applications as service;
use crate::state::AppState;
use actix_web::web::{Data, Json, Path};
use actix_web::{delete, get, patch, post, HttpResponse};
use shared::dto::{Application, ApplicationWithSecret, CreateApplication, Page, UpdateApplication};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_applications)
        .service(create_application)
        .service(get_application)
        .service(update_application)
        .service(delete_application)
        .service(rotate_secret);
}

/// Every registered application, by name.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<Application>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    )
)]
#[get("/applications")]
pub async fn list_applications(
    state: Data<AppState>,
    ctx: AuthContext,
) -> ApiResult<Json<Page<Application>>> {
    Ok(Json(service::list(&state, &ctx).await?))
}

/// Register an application. A confidential one gets a client secret, shown in
/// this answer only.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    request_body = CreateApplication,
    responses(
        (status = 201, body = ApplicationWithSecret),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/applications")]
pub async fn create_application(
    state: Data<AppState>,
    ctx: AuthContext,
    body: JsonObject<CreateApplication>,
) -> ApiResult<HttpResponse> {
    let created = service::create(&state, &ctx, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/applications/{}", created.application.id),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .json(created))
}

/// One application.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Application (client) id")),
    responses(
        (status = 200, body = Application),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/applications/{id}")]
pub async fn get_application(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
) -> ApiResult<Json<Application>> {
    Ok(Json(service::get(&state, &ctx, &id).await?))
}

/// Change an application's name, links, redirect URIs or who may sign in.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Application (client) id")),
    request_body = UpdateApplication,
    responses(
        (status = 200, body = Application),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
#[patch("/applications/{id}")]
pub async fn update_application(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
    body: JsonObject<UpdateApplication>,
) -> ApiResult<Json<Application>> {
    Ok(Json(
        service::update(&state, &ctx, &id, body.into_inner()).await?,
    ))
}

/// Delete an application; its refresh tokens stop working at once.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Application (client) id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[delete("/applications/{id}")]
pub async fn delete_application(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
) -> ApiResult<HttpResponse> {
    service::delete(&state, &ctx, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Give a confidential application a new client secret (shown once); the old one
/// stops working at once.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Application (client) id")),
    responses(
        (status = 200, body = ApplicationWithSecret),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
#[post("/applications/{id}/secret")]
pub async fn rotate_secret(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
) -> ApiResult<HttpResponse> {
    let rotated = service::rotate_secret(&state, &ctx, &id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(rotated))
}
