//! Sign-in badges for shared devices: list, issue (or re-issue), revoke, unlock.

use crate::auth::AuthContext;
use crate::error::ApiResult;
use crate::http::extract::OptionalJsonObject;
use crate::http::responses::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unprocessable,
};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::web::{Data, Json, Path};
use actix_web::{delete, get, post, HttpResponse};
use shared::dto::{Badge, IssueBadge, IssuedBadge, Page};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_badges)
        .service(issue_badge)
        .service(revoke_badge)
        .service(unlock_badge);
}

/// A user's sign-in badges.
///
/// Newest first (the live one, then up to nine revoked or replaced ones), with each
/// badge's status, expiry and count of wrong PINs; never the credential or the PIN.
/// Open to whoever may read the user's profile.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "User id")),
    responses(
        (status = 200, body = Page<Badge>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/users/{id}/badges")]
pub async fn list_badges(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
) -> ApiResult<Json<Page<Badge>>> {
    Ok(Json(crate::service::badges::list(&state, &ctx, &id).await?))
}

/// Issue a sign-in badge.
///
/// A printable badge for a staff member who signs in on shared tills and tablets:
/// its QR code holds a long random credential (shown in this answer only; OpenStaff
/// keeps its SHA-256), `badge_svg` is the one-page badge to print (the QR code, the
/// name, the locations and the expiry). On the hosted sign-in page "Sign in with
/// badge" reads it (a USB scanner, or the camera) and asks the badge's PIN, which its
/// holder chooses at the first use; five wrong PINs lock the badge until a manager
/// unlocks it. A badge and PIN are one factor (`amr` `pin`): an admin still gives a
/// second factor. Issuing another revokes the earlier badge. Authentication
/// administrators and above, under the phone-method rules. Needs a sign-in within
/// the last `--reauthentication-minutes` (15): otherwise 401
/// `reauthentication_required`. Audited "Issue badge", without the credential.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "User id")),
    request_body(content = IssueBadge, example = json!({"valid_days": 90})),
    responses(
        (status = 201, body = IssuedBadge),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/users/{id}/badges")]
pub async fn issue_badge(
    state: Data<AppState>,
    ctx: AuthContext,
    id: Path<String>,
    body: OptionalJsonObject<IssueBadge>,
) -> ApiResult<HttpResponse> {
    let body = body.0.unwrap_or_default();
    let issued = crate::service::badges::issue(&state, &ctx, &id, body).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(issued))
}

/// Revoke a sign-in badge.
///
/// It stops working at once (a scan of it says so). The rules of issuing one, and
/// the same step-up. Answers 204 whether or not it was revoked already; audited
/// "Revoke badge" when it was not.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "User id"),
        ("badge_id" = uuid::Uuid, Path, description = "Badge id"),
    ),
    responses(
        (status = 204, description = "The badge no longer works"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[delete("/users/{id}/badges/{badge_id}")]
pub async fn revoke_badge(
    state: Data<AppState>,
    ctx: AuthContext,
    path: Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, badge) = path.into_inner();
    crate::service::badges::revoke(&state, &ctx, &id, &badge).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Unlock a sign-in badge.
///
/// Clears the lock after five wrong PINs (and the count of wrong PINs). The rules of
/// issuing one, and the same step-up. Answers 204 whether or not it was locked;
/// audited "Unlock badge". A revoked badge answers 409 `badge_revoked`.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "User id"),
        ("badge_id" = uuid::Uuid, Path, description = "Badge id"),
    ),
    responses(
        (status = 204, description = "Not locked (any more)"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
#[post("/users/{id}/badges/{badge_id}/unlock")]
pub async fn unlock_badge(
    state: Data<AppState>,
    ctx: AuthContext,
    path: Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, badge) = path.into_inner();
    crate::service::badges::unlock(&state, &ctx, &id, &badge).await?;
    Ok(HttpResponse::NoContent().finish())
}
