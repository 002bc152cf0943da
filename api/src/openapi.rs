//! The OpenAPI document's own parts: metadata, tags and the bearer scheme. Its paths
//! are collected from the registered services by utoipa-actix-web in `app`.

use crate::http::responses;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "OpenStaff API",
        description = "Delegated user management: store managers and department heads reset \
passwords and fix sign-in phone numbers for the people in their locations, within the \
rules of their role, with everything audited.\n\nSign in with `POST /api/v1/auth/token`, \
then press **Authorize** and paste the `access_token`. Every error is an RFC 9457 problem \
document with a stable `code`.",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerScheme),
    // The handlers refer to the error responses by name (`response = Forbidden`);
    // they, and the problem document they carry, are defined once here.
    components(
        schemas(shared::dto::Problem),
        responses(
            responses::BadRequest,
            responses::Unauthorized,
            responses::Forbidden,
            responses::NotFound,
            responses::Conflict,
            responses::PreconditionFailed,
            responses::PayloadTooLarge,
            responses::UnsupportedMediaType,
            responses::Unprocessable,
            responses::TooManyRequests,
        ),
    ),
    tags(
        (name = "auth", description = "Sign-in and token keys"),
        (name = "me", description = "The caller's own account"),
        (name = "users", description = "Finding people and explaining decisions"),
        (name = "locations", description = "Administrative units (locations) and their members"),
        (name = "directory", description = "Directory management: users, locations, membership, roles"),
        (name = "settings", description = "Tenant settings"),
        (name = "audit", description = "The tamper-evident audit trail"),
        (name = "applications", description = "Applications that sign their users in with OpenStaff (OpenID Connect)"),
        (name = "operations", description = "Health checks"),
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("An access token from `POST /api/v1/auth/token`."))
                    .build(),
            ),
        );
    }
}
