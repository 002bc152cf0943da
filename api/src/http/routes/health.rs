//! Liveness, readiness and the public signing keys.

use crate::state::AppState;
use actix_web::web::Data;
use actix_web::{get, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(healthz).service(readyz).service(jwks);
}

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Up")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// The database answers.
#[utoipa::path(tag = "operations", responses(
    (status = 200, description = "Ready"),
    (status = 503, description = "Database unreachable"),
))]
#[get("/readyz")]
pub async fn readyz(state: Data<AppState>) -> HttpResponse {
    match state.store.ping().await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ready"})),
        Err(_) => HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", "5"))
            .json(serde_json::json!({"status": "database unreachable"})),
    }
}

/// Public keys that verify OpenStaff tokens (JWK set, EdDSA / Ed25519).
#[utoipa::path(tag = "auth", responses((status = 200, description = "JWK set", body = Object, example = json!({
    "keys": [{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "kid": "q1w2e3r4t5y6u7i8", "alg": "EdDSA", "use": "sig"}]
}))))]
#[get("/.well-known/jwks.json")]
pub async fn jwks(state: Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(state.keys.jwks())
}
