//! Building the application: the store, keys and hasher, then the HTTP server on a
//! listener the caller provides (port 0 in tests).

use crate::auth::context::RequestId;
use crate::auth::password::Hasher;
use crate::auth::tokens::KeyRing;
use crate::config::{ServerConfig, StoreConfig};
use crate::error::ApiError;
use crate::openapi::ApiDoc;
use crate::routes::{self, spa::RouteTable};
use crate::service::{AppState, Clock, SystemClock};
use crate::store::Store;
use actix_web::body::BoxBody;
use actix_web::dev::{Server, Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{web, App, HttpMessage, HttpServer};
use futures_util::FutureExt;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;
use utoipa::OpenApi;
use utoipa_actix_web::{scope, AppExt, UtoipaApp};
use utoipa_swagger_ui::SwaggerUi;

/// Registers every documented service on `app`.
pub fn register<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.openapi(ApiDoc::openapi())
        .service(scope::scope("/api/v1").configure(routes::configure_v1))
        .configure(routes::health::configure)
}

/// The application with its documented services, for the OpenAPI document.
pub fn utoipa_app() -> UtoipaApp<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    register(App::new().into_utoipa_app())
}

/// Opens the store, applies migrations, loads keys.
pub async fn state(store_cfg: &StoreConfig, server: &ServerConfig) -> anyhow::Result<AppState> {
    let store = Store::connect(&store_cfg.database_url, store_cfg.read_connections).await?;
    store.migrate().await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let keys = KeyRing::load(
        &store,
        server.signing_key_file.as_deref(),
        server.issuer.clone(),
        server.audience.clone(),
        server.token_ttl_seconds,
        clock.now().timestamp_micros(),
    )
    .await?;
    Ok(AppState {
        store,
        keys: Arc::new(keys),
        hasher: Hasher::new()?,
        clock,
        policy: server.policy.clone(),
    })
}

fn sanitize_serde(msg: &str) -> String {
    // serde echoes the offending value ("invalid type: string \"hunter2\", expected a
    // boolean"), which may be a secret: keep only its kind and what was expected.
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = msg.strip_prefix(prefix) {
            let (found, tail) = rest.split_once(", expected").unwrap_or((rest, ""));
            let kind = found.split_whitespace().next().unwrap_or("value");
            let kind = kind.trim_matches(|c: char| !c.is_alphanumeric());
            return format!("{prefix}{kind}, expected{tail}");
        }
    }
    if let Some(rest) = msg.strip_prefix("unknown variant `") {
        if let Some((_, tail)) = rest.split_once('`') {
            return format!("unknown variant{tail}");
        }
    }
    msg.to_owned()
}

fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::PayloadTooLarge
        }
        JsonPayloadError::ContentType => {
            ApiError::UnsupportedMediaType("Send the body as application/json.".to_owned())
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::field(
            "body",
            "invalid_body",
            format!(
                "The request body is not valid: {}.",
                sanitize_serde(&e.to_string())
            ),
        ),
        JsonPayloadError::Deserialize(e) => ApiError::bad_request(
            "malformed_json",
            format!(
                "The request body is not valid JSON (line {}, column {}).",
                e.line(),
                e.column()
            ),
        ),
        _ => ApiError::bad_request("malformed_body", "The request body could not be read."),
    }
}

/// Reads a body of at most `limit` bytes, answering 413 past it.
pub async fn read_body(mut payload: web::Payload, limit: usize) -> Result<Vec<u8>, ApiError> {
    use futures_util::StreamExt;
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::bad_request("malformed_body", "The request body could not be read.")
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Parses a JSON body read by hand, with the same errors as the `Json` extractor.
pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| json_error(JsonPayloadError::Deserialize(e)))
}

fn query_error(err: QueryPayloadError) -> ApiError {
    let msg = match &err {
        QueryPayloadError::Deserialize(e) => sanitize_serde(&e.to_string()),
        _ => "unreadable query string".to_owned(),
    };
    ApiError::bad_request(
        "invalid_query",
        format!("The query string is not valid: {msg}."),
    )
}

fn path_error(_: PathError) -> ApiError {
    ApiError::NotFound("There is nothing at this address.".to_owned())
}

/// Accepts a caller's `X-Request-Id` if it is short and plain, else makes one.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

/// Builds the server on `listener`; the caller runs it.
pub fn server(
    state: AppState,
    config: &ServerConfig,
    listener: TcpListener,
) -> anyhow::Result<Server> {
    let state = web::Data::new(state);
    // Pick up keys rotated by another replica or `openstaff keys rotate`.
    let keys = state.keys.clone();
    let every = std::time::Duration::from_secs(config.key_refresh_seconds.max(1));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = keys.reload().await {
                tracing::warn!(error = %e, "could not refresh signing keys");
            }
        }
    });
    let api = crate::openapi::document();
    let routes = web::Data::new(Arc::new(RouteTable::from_openapi(&api)));
    let assets = web::Data::new(routes::spa::SpaAssets::load());
    let max_body = config.max_body_bytes;
    let mut http = HttpServer::new(move || {
        let (app, _) = utoipa_app().split_for_parts();
        app.app_data(state.clone())
            .app_data(routes.clone())
            .app_data(assets.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(max_body)
                    .error_handler(|e, _| json_error(e).into()),
            )
            .app_data(web::QueryConfig::default().error_handler(|e, _| query_error(e).into()))
            .app_data(web::PathConfig::default().error_handler(|e, _| path_error(e).into()))
            .service(web::redirect("/api/docs", "/api/docs/"))
            .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", api.clone()))
            .default_service(web::to(routes::spa::fallback))
            .wrap_fn(|req, srv| {
                let id = request_id(&req);
                req.extensions_mut().insert(RequestId(id.clone()));
                let span = tracing::info_span!(
                    "request",
                    request_id = %id,
                    method = %req.method(),
                    path = %req.path()
                );
                let started = Instant::now();
                srv.call(req)
                    .map(move |res| {
                        res.map(|mut res| {
                            if let Ok(v) = HeaderValue::from_str(&id) {
                                res.headers_mut()
                                    .insert(HeaderName::from_static("x-request-id"), v);
                            }
                            tracing::info!(
                                status = res.status().as_u16(),
                                elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
                                "request completed"
                            );
                            res
                        })
                    })
                    .instrument(span)
            })
    })
    .shutdown_timeout(25)
    .listen(listener)?;
    if let Some(workers) = config.workers {
        http = http.workers(workers);
    }
    Ok(http.run())
}

#[cfg(test)]
mod tests {
    use super::sanitize_serde;

    #[test]
    fn echoed_values_are_removed_from_serde_messages() {
        for (raw, want) in [
            (
                "invalid type: string \"Secret-1\", expected a boolean at line 1 column 9",
                "invalid type: string, expected a boolean at line 1 column 9",
            ),
            (
                "invalid type: integer `12345`, expected a string",
                "invalid type: integer, expected a string",
            ),
            (
                "invalid value: string \"x\", expected RFC 3339",
                "invalid value: string, expected RFC 3339",
            ),
            (
                "unknown variant `hunter2`, expected `cloud` or `on_premises`",
                "unknown variant, expected `cloud` or `on_premises`",
            ),
            ("missing field `password`", "missing field `password`"),
        ] {
            assert_eq!(sanitize_serde(raw), want);
        }
    }
}
