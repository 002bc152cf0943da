//! Building the application: the store, keys and hasher, then the HTTP server on a
//! listener the caller provides (port 0 in tests). It also owns the OpenAPI document,
//! which utoipa-actix-web collects from the registered services.

use crate::auth::password::Hasher;
use crate::auth::tokens::KeyRing;
use crate::config::{ServerConfig, StoreConfig};
use crate::http::extract::{path_error, query_error, BodyLimit};
use crate::http::middleware::request_context;
use crate::http::routes;
use crate::http::spa::{self, RouteTable};
use crate::openapi::ApiDoc;
use crate::state::{AppState, ClockAndIds};
use crate::store::Store;
use crate::time::Micros;
use actix_web::body::BoxBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use std::net::TcpListener;
use std::sync::Arc;
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

/// Opens the store, applies migrations, loads keys. `time` is where the app reads
/// "now" and gets new ids ([`ClockAndIds::system`] outside tests).
pub async fn state(
    store_cfg: &StoreConfig,
    server: &ServerConfig,
    time: ClockAndIds,
) -> anyhow::Result<AppState> {
    // A bad SMS setting stops the start before anything is touched.
    let sms = crate::sms::Gateway::from_config(&server.sms)?;
    let store = Store::connect(&store_cfg.database_url, store_cfg.read_connections).await?;
    store.migrate().await?;
    let keys = KeyRing::load(
        &store,
        server.signing_key_file.as_deref(),
        server.issuer.clone(),
        server.audience.clone(),
        server.token_ttl_seconds,
        time.now(),
    )
    .await?;
    let secrets = crate::auth::secret_box::SecretBox::new(&store);
    // Made (or read) now, so a store that cannot keep it fails the start.
    secrets.key(time.now()).await?;
    let provider = server.provider()?;
    let directory = crate::directory::Directory::from_config(&server.directory)?;
    crate::service::applications::register_first_party(&store, &provider.issuer, time.now())
        .await?;
    Ok(AppState {
        store,
        keys: Arc::new(keys),
        secrets: Arc::new(secrets),
        hasher: Hasher::new()?,
        clock: time.clock,
        ids: time.ids,
        policy: server.policy.clone(),
        provider,
        directory,
        sms: Arc::new(sms),
        callers: Arc::default(),
    })
}

/// Builds the server on `listener`; the caller runs it.
pub fn server(
    state: AppState,
    config: &ServerConfig,
    listener: TcpListener,
) -> anyhow::Result<Server> {
    let state = web::Data::new(state);
    // Pick up keys rotated by another replica or `openstaff keys rotate`.
    let (keys, clock) = (state.keys.clone(), state.clock.clone());
    let every = std::time::Duration::from_secs(config.key_refresh_seconds.max(1));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = keys.reload(clock.now()).await {
                tracing::warn!(error = %e, "could not refresh signing keys");
            }
        }
    });
    // Sync users in from the directory now and then; the lease in the database lets
    // one replica at a time do it.
    let sync_every = config.directory_sync_seconds.unwrap_or(300);
    if let (Some(dir), true) = (state.directory.clone(), sync_every > 0) {
        let store = state.store.clone();
        let time = ClockAndIds {
            clock: state.clock.clone(),
            ids: state.ids.clone(),
        };
        tokio::spawn(async move {
            use crate::directory::sync::{sync, SyncMode, SyncOutcome};
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(sync_every));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match sync(&dir, &store, &time, SyncMode::Periodic).await {
                    Ok(SyncOutcome::Ran(r)) => tracing::info!(
                        full = r.full,
                        read = r.read,
                        created = r.created,
                        updated = r.updated,
                        disabled_missing = r.disabled_missing,
                        conflicts = r.conflicts.len(),
                        "directory synced"
                    ),
                    Ok(SyncOutcome::LeaseHeld(_)) => {
                        tracing::debug!("directory sync skipped: another replica holds the lease");
                    }
                    // Logged and audited by the sync itself.
                    Err(_) => {}
                }
            }
        });
    }
    // Text messages leave through the webhook, from the database outbox.
    if state.sms.delivers() {
        crate::sms::worker::spawn(state.clone().into_inner());
    } else {
        tracing::info!("text messages stay in the development outbox (openstaff sms outbox)");
    }
    // Expired codes, sessions and grants go now and then (any replica may do it).
    let (store, clock) = (state.store.clone(), state.clock.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = purge_expired(&store, clock.now()).await {
                tracing::warn!(error = %e, "could not purge expired sign-in state");
            }
        }
    });
    let api = document();
    let routes = web::Data::new(Arc::new(RouteTable::from_openapi(&api)));
    let assets = web::Data::new(spa::SpaAssets::load());
    let max_body = config.max_body_bytes;
    let explorer_id = shared::first_party::API_EXPLORER.to_string();
    let explorer_redirect = format!(
        "{}{}",
        state.provider.issuer,
        shared::first_party::API_EXPLORER_CALLBACK_PATH
    );
    let mut http = HttpServer::new(move || {
        let (app, _) = utoipa_app().split_for_parts();
        app.app_data(state.clone())
            .app_data(routes.clone())
            .app_data(assets.clone())
            .app_data(BodyLimit(max_body))
            .app_data(web::QueryConfig::default().error_handler(|e, _| query_error(e).into()))
            .app_data(web::PathConfig::default().error_handler(|e, _| path_error(e).into()))
            .configure(crate::http::oidc::configure)
            .service(web::redirect("/api/docs", "/api/docs/"))
            .service(
                SwaggerUi::new("/api/docs/{_:.*}")
                    .external_url_unchecked("/api/openapi.json", api.clone())
                    .config(
                        utoipa_swagger_ui::Config::from("/api/openapi.json")
                            .oauth2_redirect_url(explorer_redirect.clone())
                            .persist_authorization(false),
                    )
                    .oauth(
                        utoipa_swagger_ui::oauth::Config::new()
                            .client_id(&explorer_id)
                            .app_name("OpenStaff API explorer")
                            .scopes(vec!["openid".to_owned(), "profile".to_owned()])
                            .use_pkce_with_authorization_code_grant(true),
                    ),
            )
            .default_service(web::to(spa::fallback))
            .wrap(from_fn(request_context))
    })
    .shutdown_timeout(25)
    .listen(listener)?;
    if let Some(workers) = config.workers {
        http = http.workers(workers);
    }
    Ok(http.run())
}

async fn purge_expired(store: &Store, now: Micros) -> anyhow::Result<()> {
    let mut tx = store.begin().await?;
    crate::store::oidc::purge_expired(&mut tx, now).await?;
    crate::store::methods::purge_unconfirmed(&mut tx, now - crate::service::mfa::ENROLMENT_TTL)
        .await?;
    // The development outbox keeps messages a day (their codes are long expired),
    // the webhook's outcomes 30 days.
    crate::store::sms::purge(
        &mut tx,
        now - crate::time::Span::hours(24),
        now - crate::time::Span::hours(24 * 30),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The full document, as served at `/api/openapi.json`.
pub fn document() -> serde_json::Value {
    let (_, api) = utoipa_app().split_for_parts();
    crate::openapi::complete(&api)
}

/// The document as pretty JSON with a trailing newline (the committed form).
pub fn document_json() -> String {
    let mut s = serde_json::to_string_pretty(&document()).unwrap_or_default();
    s.push('\n');
    s
}
