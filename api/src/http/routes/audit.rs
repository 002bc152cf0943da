//! `GET /api/v1/audit-logs`: JSON pages, or CSV with `Accept: text/csv`.

use crate::auth::AuthContext;
use crate::error::ApiResult;
use crate::http::responses::{BadRequest, Forbidden, Unauthorized, Unprocessable};
use crate::service::audit_log::{self, AuditQuery};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::web::{Data, Query};
use actix_web::{get, HttpRequest, HttpResponse};
use serde::Deserialize;
use shared::audit::{Activity, Outcome};
use shared::dto::{AuditEvent, Page};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(audit_logs);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Events at or after this time (RFC 3339).
    #[param(value_type = Option<chrono::DateTime<chrono::Utc>>)]
    pub from: Option<String>,
    /// Events at or before this time (RFC 3339).
    #[param(value_type = Option<chrono::DateTime<chrono::Utc>>)]
    pub to: Option<String>,
    /// Exact activity, e.g. `Reset password (by admin)`.
    // Read as a string so that a bad value is a 422 on `activity`, like the others.
    #[param(value_type = Option<Activity>)]
    pub activity: Option<String>,
    /// Id of the user who acted.
    #[param(value_type = Option<uuid::Uuid>)]
    pub actor: Option<String>,
    /// Id of a target (user, location).
    #[param(value_type = Option<uuid::Uuid>)]
    pub target: Option<String>,
    /// `success` or `failure`.
    // Read as a string so that a bad value is a 422 on `result`, like the other
    // filters, rather than a 400 for the whole query string.
    #[param(value_type = Option<Outcome>)]
    pub result: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// Opaque: the `next_cursor` of the previous page, passed back unchanged. A cursor
    /// this server did not issue is refused with 400 `invalid_cursor`.
    #[param(pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

/// Audit events, newest first.
///
/// Tenant-wide admins see every event; location-scoped managers see events whose
/// targets were in their locations. With `Accept: text/csv` every matching event is
/// returned as a CSV download (paging parameters are ignored).
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(AuditParams),
    responses(
        (status = 200, content(
            (Page<AuditEvent> = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/audit-logs")]
pub async fn audit_logs(
    state: Data<AppState>,
    ctx: AuthContext,
    req: HttpRequest,
    q: Query<AuditParams>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let query = AuditQuery {
        from: q.from,
        to: q.to,
        activity: q.activity,
        actor: q.actor,
        target: q.target,
        result: q.result,
        limit: q.limit,
        cursor: q.cursor,
    };
    let wants_csv = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv"));
    if wants_csv {
        let body = audit_log::csv(&state, &ctx, &query).await?;
        return Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"openstaff-audit.csv\"",
            ))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(body));
    }
    Ok(HttpResponse::Ok().json(audit_log::list(&state, &ctx, &query).await?))
}
