//! Reusable OpenAPI error responses: every error is an RFC 9457 problem document.

use shared::dto::Problem;
use utoipa::ToResponse;

#[derive(ToResponse)]
#[response(
    description = "Request could not be read (malformed JSON, bad cursor)",
    content_type = "application/problem+json"
)]
pub struct BadRequest(#[allow(dead_code)] Problem);

#[derive(ToResponse)]
#[response(
    description = "Missing, invalid, expired or revoked bearer token; carries `WWW-Authenticate: Bearer`",
    content_type = "application/problem+json"
)]
pub struct Unauthorized(#[allow(dead_code)] Problem);

#[derive(ToResponse)]
#[response(
    description = "Signed in but not allowed (`code` says why: `no_admin_role`, `my_staff_not_enabled`, `password_change_required`, ...)",
    content_type = "application/problem+json"
)]
pub struct Forbidden(#[allow(dead_code)] Problem);

#[derive(ToResponse)]
#[response(
    description = "No such resource",
    content_type = "application/problem+json"
)]
pub struct NotFound(#[allow(dead_code)] Problem);

#[derive(ToResponse)]
#[response(
    description = "Conflicts with existing data",
    content_type = "application/problem+json"
)]
pub struct Conflict(#[allow(dead_code)] Problem);

#[derive(ToResponse)]
#[response(
    description = "Well-formed but invalid; `errors` lists each invalid field",
    content_type = "application/problem+json"
)]
pub struct Unprocessable(#[allow(dead_code)] Problem);

#[derive(ToResponse)]
#[response(
    description = "Too many attempts; see `Retry-After`",
    content_type = "application/problem+json"
)]
pub struct TooManyRequests(#[allow(dead_code)] Problem);

#[derive(ToResponse)]
#[response(
    description = "If-Match no longer matches: someone changed it meanwhile",
    content_type = "application/problem+json"
)]
pub struct PreconditionFailed(#[allow(dead_code)] Problem);

#[derive(ToResponse)]
#[response(
    description = "Body too large",
    content_type = "application/problem+json"
)]
pub struct PayloadTooLarge(#[allow(dead_code)] Problem);

#[derive(ToResponse)]
#[response(
    description = "Wrong Content-Type",
    content_type = "application/problem+json"
)]
pub struct UnsupportedMediaType(#[allow(dead_code)] Problem);

#[derive(ToResponse)]
#[response(
    description = "The on-premises directory did not answer (in time): `directory_unavailable`; nothing was changed. See `Retry-After`",
    content_type = "application/problem+json"
)]
pub struct DirectoryUnavailable(#[allow(dead_code)] Problem);
