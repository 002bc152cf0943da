//! Starting the app for a test, and small HTTP helpers.

#![allow(dead_code)]

use chrono::{DateTime, Utc};
use openstaff::auth::password::Secret;
use openstaff::config::{ServerConfig, StoreConfig};
use openstaff::state::{Clock, ClockAndIds};
use openstaff::store::Store;
use openstaff::time::Micros;
use reqwest::{Client, Method, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use shared::dto;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const ADMIN_UPN: &str = "admin@contoso.example";
pub const ADMIN_PASSWORD: &str = "Correct-Horse-Battery-9";
/// Good enough for the cloud policy; used for every user a test creates.
pub const USER_PASSWORD: &str = "Purple-Tiger-Lamp-42";

pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub database_url: String,
    pub store: Store,
    dir: PathBuf,
    /// (admin URL, database) when the test runs on PostgreSQL.
    pg_database: Option<(String, String)>,
    /// What reads the SMS outbox (made at first use).
    sms_reader: tokio::sync::OnceCell<openstaff::state::AppState>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some((admin, name)) = self.pg_database.take() {
            // Drop runs inside the test's runtime; use a runtime of our own.
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    rt.block_on(pg_admin(
                        &admin,
                        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                    ));
                }
            })
            .join();
        }
    }
}

/// The maintenance URL (`postgres://user:pass@host/postgres`) when the API tests
/// should run on PostgreSQL: `OPENSTAFF_TEST_POSTGRES`. Each test gets a database of
/// its own, dropped afterwards.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("OPENSTAFF_TEST_POSTGRES")
        .ok()
        .filter(|s| !s.is_empty())
}

async fn pg_admin(admin_url: &str, sql: &str) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at OPENSTAFF_TEST_POSTGRES: {e}"));
    sqlx::query(sql).execute(&mut conn).await.unwrap();
    let _ = conn.close().await;
}

/// A clock that stands still until the test moves it; the app reads every "now" from
/// it and stamps its ids with it.
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    /// Where a [`TestApp::spawn_with_clock`] clock starts: a fixed instant, well
    /// before the real date, so a check that reads the system time instead of the
    /// app's clock shows at once.
    pub fn start() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    pub fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += chrono::Duration::from_std(by).unwrap();
    }

    /// Puts the clock at `at` (earlier or later).
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap() = at;
    }
}

impl Clock for TestClock {
    fn now(&self) -> Micros {
        Micros::from_datetime(TestClock::now(self))
    }
}

impl TestApp {
    /// Starts the app on a fresh SQLite database with one Global Administrator.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Like [`TestApp::spawn`], with the server configuration adjusted first
    /// (policies such as lockout and rate limits live in `cfg.policy`).
    pub async fn spawn_with(adjust: impl FnOnce(&mut ServerConfig)) -> TestApp {
        Self::spawn_inner(adjust, true, ClockAndIds::system()).await
    }

    /// Like [`TestApp::spawn_with`], on a [`TestClock`] standing at
    /// [`TestClock::start`]: time passes for the app only when the test moves it.
    pub async fn spawn_with_clock(
        adjust: impl FnOnce(&mut ServerConfig),
    ) -> (TestApp, Arc<TestClock>) {
        let clock = Arc::new(TestClock(Mutex::new(TestClock::start())));
        let app = Self::spawn_inner(adjust, true, ClockAndIds::from_clock(clock.clone())).await;
        (app, clock)
    }

    /// A server on an empty directory (no administrator).
    pub async fn spawn_empty() -> TestApp {
        Self::spawn_inner(|_| {}, false, ClockAndIds::system()).await
    }

    async fn spawn_inner(
        adjust: impl FnOnce(&mut ServerConfig),
        admin: bool,
        time: ClockAndIds,
    ) -> TestApp {
        let dir = std::env::temp_dir().join(format!("openstaff-test-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let (database_url, pg_database) = match postgres_admin_url() {
            None => (format!("sqlite://{}/openstaff.db", dir.display()), None),
            Some(admin) => {
                let name = format!("openstaff_test_{}", uuid::Uuid::now_v7().simple());
                pg_admin(&admin, &format!("CREATE DATABASE {name}")).await;
                let url = match admin.rsplit_once('/') {
                    Some((base, _)) => format!("{base}/{name}"),
                    None => panic!("OPENSTAFF_TEST_POSTGRES must end with /database"),
                };
                (url, Some((admin, name)))
            }
        };
        let store_cfg = StoreConfig {
            database_url: database_url.clone(),
            read_connections: 4,
        };
        // Bound first, so the issuer (the public URL) can name the real port.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut server_cfg = ServerConfig::for_tests();
        server_cfg.public_url = Some(format!("http://127.0.0.1:{port}"));
        adjust(&mut server_cfg);
        let state = openstaff::app::state(&store_cfg, &server_cfg, time.clone())
            .await
            .unwrap();
        let store = state.store.clone();
        if admin {
            openstaff::cli::seed::create_admin(
                &store,
                &time,
                ADMIN_UPN,
                Some("Avery Admin"),
                &Secret::new(ADMIN_PASSWORD),
                true,
            )
            .await
            .unwrap();
        }
        let server = openstaff::app::server(state, &server_cfg, listener).unwrap();
        tokio::spawn(server);
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                // Below the server's keep-alive (actix: 5 s): a connection the server
                // is closing is never reused (seen as IncompleteMessage under load).
                .pool_idle_timeout(std::time::Duration::from_secs(3))
                .build()
                .unwrap(),
            database_url,
            store,
            dir,
            pg_database,
            sms_reader: tokio::sync::OnceCell::new(),
        }
    }

    /// Every text message the server queued, oldest first, as (number in E.164,
    /// text): what the development outbox (the tests' default) holds for an
    /// operator, read the way `openstaff sms outbox` reads it.
    pub async fn sms_messages(&self) -> Vec<(String, String)> {
        let state = self
            .sms_reader
            .get_or_init(|| async {
                openstaff::state::AppState::for_cli(&self.store, &ClockAndIds::system()).unwrap()
            })
            .await;
        let mut messages = openstaff::sms::outbox(state, 100_000).await.unwrap();
        messages.reverse();
        messages.into_iter().map(|m| (m.to, m.body)).collect()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let rb = self.client.request(method, self.url(path));
        match token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token))
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::POST, path, Some(token))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::PUT, path, Some(token))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.request(Method::DELETE, path, Some(token))
            .send()
            .await
            .unwrap()
    }

    /// Signs in; panics unless it succeeds.
    pub async fn token(&self, upn: &str, password: &str) -> String {
        let resp = self
            .client
            .post(self.url("/api/v1/auth/token"))
            .json(&json!({"username": upn, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "sign-in of {upn} failed");
        let body: dto::TokenResponse = resp.json().await.unwrap();
        body.access_token
    }

    pub async fn admin_token(&self) -> String {
        self.token(ADMIN_UPN, ADMIN_PASSWORD).await
    }

    /// Creates a cloud user through the API; returns its id.
    pub async fn create_user(&self, admin: &str, upn: &str, name: &str) -> String {
        self.create_user_with(
            admin,
            json!({
                "user_principal_name": upn,
                "display_name": name,
                "source": "cloud",
                "password": USER_PASSWORD,
            }),
        )
        .await
    }

    pub async fn create_user_with(&self, admin: &str, body: Value) -> String {
        let resp = self.post("/api/v1/users", admin, body).await;
        let user: dto::User = json_as(resp, 201).await;
        user.id.to_string()
    }

    /// Creates a location; returns its id.
    pub async fn create_unit(&self, admin: &str, name: &str, restricted: bool) -> String {
        let resp = self
            .post(
                "/api/v1/administrative-units",
                admin,
                json!({"display_name": name, "restricted": restricted}),
            )
            .await;
        let unit: dto::AdministrativeUnit = json_as(resp, 201).await;
        unit.id.to_string()
    }

    pub async fn add_member(&self, admin: &str, unit: &str, user: &str) {
        let resp = self
            .post(
                &format!("/api/v1/administrative-units/{unit}/members"),
                admin,
                json!({"user_id": user}),
            )
            .await;
        assert_eq!(resp.status(), 204, "{}", resp.text().await.unwrap());
    }

    /// Assigns a role; `unit` None means directory scope. Returns the assignment id.
    pub async fn assign(&self, admin: &str, user: &str, role: &str, unit: Option<&str>) -> String {
        let scope = match unit {
            Some(id) => json!({"type": "administrative_unit", "id": id}),
            None => json!({"type": "directory"}),
        };
        let resp = self
            .post(
                "/api/v1/role-assignments",
                admin,
                json!({"principal_id": user, "role": role, "scope": scope}),
            )
            .await;
        let assignment: dto::RoleAssignment = json_as(resp, 201).await;
        assignment.id.to_string()
    }
}

/// Asserts a problem+json answer with `status` and `code`; returns the body.
pub async fn assert_problem(resp: Response, status: u16, code: &str) -> Value {
    assert_eq!(resp.status(), status, "unexpected status");
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(
        ct.starts_with("application/problem+json"),
        "content-type {ct}"
    );
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    assert!(body["type"].as_str().unwrap().ends_with(code));
    assert!(!body["title"].as_str().unwrap().is_empty());
    assert!(!body["detail"].as_str().unwrap().is_empty());
    body
}

/// Asserts `status` and returns the JSON body, as it came over the wire (for tests
/// about its exact shape; others read a typed DTO with [`json_as`]).
pub async fn json_with(resp: Response, status: u16) -> Value {
    json_as(resp, status).await
}

/// Asserts `status` and reads the body as `T` (one of the `shared::dto` wire types).
pub async fn json_as<T: DeserializeOwned>(resp: Response, status: u16) -> T {
    let actual = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    assert_eq!(actual, status, "unexpected status; body: {text}");
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("not a {} ({e}): {text}", std::any::type_name::<T>()))
}

/// How often [`eventually`] looks again.
const POLL: Duration = Duration::from_millis(10);

/// Waits for something that happens on its own time (a server coming up, a key
/// refresh reaching a replica, a process exiting): calls `f` every few milliseconds
/// until it returns `Some`, and panics naming `what` if `deadline` passes first.
pub async fn eventually<T, Fut>(what: &str, deadline: Duration, mut f: impl FnMut() -> Fut) -> T
where
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = f().await {
            return value;
        }
        assert!(
            started.elapsed() < deadline,
            "timed out after {deadline:?} waiting for {what}"
        );
        tokio::time::sleep(POLL).await;
    }
}

impl TestApp {
    /// GET that must answer 200; returns the JSON body.
    pub async fn get_ok(&self, path: &str, token: &str) -> Value {
        json_with(self.get(path, token).await, 200).await
    }

    /// GET that must answer 200; returns the body as `T`.
    pub async fn get_as<T: DeserializeOwned>(&self, path: &str, token: &str) -> T {
        json_as(self.get(path, token).await, 200).await
    }

    /// The caller, from `GET /api/v1/me`.
    pub async fn me(&self, token: &str) -> dto::Me {
        self.get_as("/api/v1/me", token).await
    }

    /// The caller's own user id, from `GET /api/v1/me`.
    pub async fn my_id(&self, token: &str) -> String {
        self.me(token).await.id.to_string()
    }

    /// Every audit row written through the API (so not the CLI's bootstrap of the
    /// first admin) as (activity, result), oldest first.
    pub async fn audit_rows(&self) -> Vec<(String, String)> {
        sqlx::query_as::<_, (String, String)>(
            "SELECT activity, result FROM audit_events WHERE actor_id IS NOT NULL ORDER BY seq",
        )
        .fetch_all(self.store.reader())
        .await
        .unwrap()
    }

    /// The chain position of the successful `activity` event whose targets include `id`.
    pub async fn audit_seq(&self, id: &str, activity: &str) -> i64 {
        sqlx::query_as::<_, (i64,)>(
            "SELECT seq FROM audit_events WHERE activity = $1 AND result = 'success' \
             AND target_resources LIKE $2",
        )
        .bind(activity)
        .bind(format!("%{id}%"))
        .fetch_one(self.store.reader())
        .await
        .unwrap_or_else(|e| panic!("no {activity} event for {id}: {e}"))
        .0
    }

    /// How many audit rows have this activity and result.
    pub async fn audit_count(&self, activity: &str, result: &str) -> usize {
        self.audit_rows()
            .await
            .iter()
            .filter(|(a, r)| a == activity && r == result)
            .count()
    }

    /// Asserts the audit hash chain verifies.
    pub async fn assert_audit_chain_valid(&self) {
        match openstaff::audit::verify(&self.store).await.unwrap() {
            openstaff::audit::Verification::Valid { events } => assert!(events > 0),
            other => panic!("audit chain broken: {other:?}"),
        }
    }
}

/// The `id`s of a list page's items, in order.
pub fn item_ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The `display_name`s of a list page's items, in order.
pub fn item_names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["display_name"].as_str().unwrap().to_owned())
        .collect()
}

impl TestApp {
    /// Creates a user holding `role` (at `unit`, or tenant-wide) and signs them in;
    /// returns (id, token).
    pub async fn staff_with_role(
        &self,
        admin: &str,
        upn: &str,
        name: &str,
        role: &str,
        unit: Option<&str>,
    ) -> (String, String) {
        let id = self.create_user(admin, upn, name).await;
        self.assign(admin, &id, role, unit).await;
        let token = self.token(upn, USER_PASSWORD).await;
        (id, token)
    }

    /// Every stored audit row (the CLI's too) as raw text, one line per row, for
    /// checking that no secret or full phone number was ever written.
    pub async fn audit_dump(&self) -> String {
        let rows = sqlx::query_as::<_, (String, String, Option<String>, String)>(
            "SELECT activity, target_resources, result_reason, additional_details \
             FROM audit_events ORDER BY seq",
        )
        .fetch_all(self.store.reader())
        .await
        .unwrap();
        rows.into_iter()
            .map(|(a, t, r, d)| format!("{a}\t{t}\t{}\t{d}", r.unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Sets the My Staff access setting as `admin`.
    pub async fn set_my_staff_access(&self, admin: &str, access: &str, selected: &[&str]) {
        let resp = self
            .put(
                "/api/v1/settings/my-staff",
                admin,
                json!({"access": access, "selected_user_ids": selected}),
            )
            .await;
        assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    }
}

/// The (field, code) pairs of a validation problem's `errors`.
pub fn problem_errors(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .expect("a validation problem lists its errors")
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap_or_default().to_owned(),
                e["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}
