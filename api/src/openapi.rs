//! The OpenAPI document's own parts: metadata, tags and the security schemes (a bearer
//! token, or OpenStaff's own sign-in). Its paths
//! are collected from the registered services by utoipa-actix-web in `app`.

use crate::http::responses;
use utoipa::openapi::security::{
    AuthorizationCode, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityScheme,
};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "OpenStaff API",
        description = "Delegated user management: store managers and department heads reset \
passwords and fix sign-in phone numbers for the people in their locations, within the \
rules of their role, with everything audited.\n\nTo try it here, press **Authorize** and \
sign in under `openstaff` (OpenStaff's own sign-in page, authorization code with PKCE), or \
paste an `access_token` from `POST /api/v1/auth/token` under `bearer`. Every error is an \
RFC 9457 problem document with a stable `code`.",
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
            responses::DirectoryUnavailable,
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
        // The explorer's "Authorize": OpenStaff's own sign-in, as its built-in public
        // client (shared::first_party::API_EXPLORER). Relative URLs, so the committed
        // document holds for every deployment.
        let scopes = Scopes::from_iter([
            ("openid", "Who you are (required)"),
            ("profile", "Your name and sign-in name"),
        ]);
        components.add_security_scheme(
            "openstaff",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::AuthorizationCode(AuthorizationCode::new(
                    "/oauth2/authorize",
                    "/oauth2/token",
                    scopes,
                ))],
                "Sign in on OpenStaff's hosted page (authorization code with PKCE). The \
                 access token is the same kind `POST /api/v1/auth/token` gives.",
            )),
        );
    }
}

/// Declares the answers every operation of a kind can give, so that no handler can
/// forget one and the document lists every status the server sends:
/// - a request body: 400 (not JSON), 413 (too large), 415 (not JSON by its
///   `Content-Type`) and 422 (not an object of the declared shape);
/// - a bearer token: 401, and 403 (`password_change_required` and the like);
/// - query parameters: 400 (unreadable) and 422 (a value out of its range);
/// - path parameters: 404 (not an id, or no such resource);
///
/// and the headers sent with them: `X-Request-Id` on every answer,
/// `WWW-Authenticate` on 401, `Retry-After` on 429.
///
/// It also mends what utoipa 5.5 writes wrongly: a link's `operation_id` (OpenAPI
/// says `operationId`). The result is JSON, because utoipa's types would lose the
/// mended names on the way back.
pub fn complete(api: &utoipa::openapi::OpenApi) -> serde_json::Value {
    use serde_json::{json, Value};
    let mut doc = serde_json::to_value(api).unwrap_or_default();
    let reference = |name: &str| json!({"$ref": format!("#/components/responses/{name}")});
    let request_id = json!({
        "description": "Correlates the answer with the server's log and audit events \
                        (`correlation_id`); echoed when the request sent one",
        "schema": {"type": "string"}
    });
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for (method, op) in item.iter_mut() {
                if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                    continue;
                }
                let has = |key: &str| op.get(key).is_some_and(|v| !v.is_null());
                let params_in = |place: &str| {
                    op.get("parameters")
                        .and_then(Value::as_array)
                        .is_some_and(|ps| ps.iter().any(|p| p["in"] == place))
                };
                let mut needed: Vec<(&str, &str)> = Vec::new();
                if has("requestBody") {
                    needed.extend([
                        ("400", "BadRequest"),
                        ("413", "PayloadTooLarge"),
                        ("415", "UnsupportedMediaType"),
                        ("422", "Unprocessable"),
                    ]);
                }
                if has("security") {
                    needed.extend([("401", "Unauthorized"), ("403", "Forbidden")]);
                }
                if params_in("query") {
                    needed.extend([("400", "BadRequest"), ("422", "Unprocessable")]);
                }
                if params_in("path") {
                    needed.push(("404", "NotFound"));
                }
                // Either scheme gives the same token: bearer, or signing in here.
                if let Some(alternatives) = op.get_mut("security").and_then(Value::as_array_mut) {
                    if alternatives.iter().any(|a| a.get("bearer").is_some()) {
                        alternatives.push(json!({"openstaff": ["openid"]}));
                    }
                }
                let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                    continue;
                };
                for (status, name) in needed {
                    responses
                        .entry(status.to_owned())
                        .or_insert_with(|| reference(name));
                }
                for response in responses.values_mut() {
                    if response.get("$ref").is_none() {
                        response["headers"]["X-Request-Id"] = request_id.clone();
                    }
                    let links = response.get_mut("links").and_then(Value::as_object_mut);
                    for link in links.into_iter().flat_map(|l| l.values_mut()) {
                        let Some(link) = link.as_object_mut() else {
                            continue;
                        };
                        for (wrong, right) in [
                            ("operation_id", "operationId"),
                            ("operation_ref", "operationRef"),
                            ("request_body", "requestBody"),
                        ] {
                            if let Some(v) = link.remove(wrong) {
                                link.insert(right.to_owned(), v);
                            }
                        }
                    }
                }
            }
        }
    }
    if let Some(responses) = doc
        .pointer_mut("/components/responses")
        .and_then(Value::as_object_mut)
    {
        for (name, response) in responses.iter_mut() {
            response["headers"]["X-Request-Id"] = request_id.clone();
            if name == "Unauthorized" {
                response["headers"]["WWW-Authenticate"] = json!({
                    "description": "`Bearer`, with `error=\"invalid_token\"` when a token \
                                    was sent and refused",
                    "schema": {"type": "string"}
                });
            }
            if name == "TooManyRequests" {
                response["headers"]["Retry-After"] = json!({
                    "description": "Seconds to wait before trying again",
                    "schema": {"type": "integer", "minimum": 1}
                });
            }
        }
    }
    doc
}
