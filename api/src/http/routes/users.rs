//! Users: org-wide search, profiles, explained decisions, creation.

use crate::auth::context::ReadContext;
use crate::auth::AuthContext;
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{read_body, JsonObject};
use crate::http::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::http::routes::ListQuery;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::web::{Data, Json, Path, Query};
use actix_web::{get, patch, post, HttpRequest, HttpResponse};
use serde::Deserialize;
use shared::dto::{CreateUser, ImportResult, Page, UpdateUser, User};
use shared::rules::Action;
use shared::{Decision, FieldErrorCode};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(access)
        .service(update_user)
        .service(import_users);
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
    ctx: ReadContext,
    q: Query<ListQuery>,
) -> ApiResult<Json<Page<User>>> {
    let page = q.into_inner().into();
    Ok(Json(
        ctx.run(async |ctx| crate::service::users::list_users(&state, ctx, &page).await)
            .await?,
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
// `{id}` is a hex-and-dash segment, so `/users/import` is never taken for a user id:
// another method there answers 405 (with `Allow: POST`) from the fallback.
#[get("/users/{id:[0-9a-fA-F-]+}")]
pub async fn get_user(
    state: Data<AppState>,
    ctx: ReadContext,
    id: Path<String>,
) -> ApiResult<Json<User>> {
    Ok(Json(
        ctx.run(async |ctx| crate::service::users::get_user(&state, ctx, &id).await)
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessQuery {
    /// The action to explain.
    // Read as a string so that a bad value is a 422 on `action`.
    #[param(value_type = Action)]
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
        crate::service::users::explain(&state, &ctx, &id, &q.action).await?,
    ))
}

/// Create a user (tenant-wide global or user administrators).
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    request_body = CreateUser,
    responses(
        (status = 201, body = User, links(
            ("GetUser" = (operation_id = "get_user", parameters(("id" = "$response.body#/id")))),
            ("UpdateUser" = (operation_id = "update_user", parameters(("id" = "$response.body#/id")))),
            ("ResetPassword" = (operation_id = "reset_password", parameters(("id" = "$response.body#/id")))),
            ("ListPhoneMethods" = (operation_id = "list_phone_methods", parameters(("id" = "$response.body#/id")))),
            ("SetMobile" = (operation_id = "set_phone_method", parameters(("id" = "$response.body#/id"), ("type" = "mobile")))),
            ("Access" = (operation_id = "access", parameters(("id" = "$response.body#/id")))),
        )),
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
    body: JsonObject<CreateUser>,
) -> ApiResult<HttpResponse> {
    let user = crate::service::users::create_user(&state, &ctx, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/users/{}", user.id)))
        .json(user))
}

/// Edit a user's details; `account_enabled: false` also ends their sessions.
///
/// Users synced from the on-premises Active Directory keep their name and sign-in
/// name in the directory: changing `display_name` of such a user answers 409
/// `managed_by_directory` (change it in AD; the next sync brings it). Their other
/// properties stay editable here, though the sync writes the directory's mail, job
/// title, department and enabled state over them whenever the entry changes in AD.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "User id")),
    request_body(content = UpdateUser, example = json!({"job_title": "Store Supervisor", "account_enabled": true})),
    responses(
        (status = 200, body = User),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
#[patch("/users/{id:[0-9a-fA-F-]+}")]
pub async fn update_user(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
    body: JsonObject<UpdateUser>,
) -> ApiResult<Json<User>> {
    Ok(Json(
        crate::service::users::update_user(&state, &ctx, &id, body.into_inner()).await?,
    ))
}

/// Largest CSV file accepted.
const IMPORT_MAX_BYTES: usize = 2 * 1024 * 1024;

/// Create users from CSV.
///
/// Header row: `user_principal_name,display_name` and optionally `mail`,
/// `job_title`, `department`, `source` (`cloud` or `on_premises`) and
/// `administrative_unit` (a location's name or id). Each row is created in its own
/// transaction: a failed row writes nothing and is listed with its errors. Created
/// users get a temporary password, returned once here, to change at first sign-in.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv", example = "user_principal_name,display_name,job_title,department,source,administrative_unit\nana.lopez@contoso.example,Ana Lopez,Cashier,Retail,cloud,Store 012 · Lyon Part-Dieu\n"),
    responses(
        (status = 200, body = ImportResult),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/users/import")]
pub async fn import_users(
    state: Data<AppState>,
    ctx: AuthContext,
    req: HttpRequest,
    payload: actix_web::web::Payload,
) -> ApiResult<HttpResponse> {
    let is_csv = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv"));
    if !is_csv {
        return Err(crate::error::ApiError::UnsupportedMediaType(
            "Send the file as text/csv.".to_owned(),
        ));
    }
    let body = read_body(payload, IMPORT_MAX_BYTES).await?;
    let text = std::str::from_utf8(&body).map_err(|_| {
        ApiError::field(
            "csv",
            FieldErrorCode::InvalidEncoding,
            "The file must be UTF-8 text.",
        )
    })?;
    let out = crate::service::import::import_users(&state, &ctx, text).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(out))
}
