//! The SMS gateway: the development outbox an operator reads, and the webhook that
//! delivers through the database outbox to a real local HTTP receiver, across a
//! kill -9 of the real binary.

use crate::cli::openstaff;
use crate::helpers::TestApp;
use serde_json::Value;

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test]
async fn the_development_outbox_keeps_messages_for_the_operator() {
    let app = TestApp::spawn().await;
    assert!(app.sms_messages().await.is_empty());
    let empty = openstaff(&app.database_url, &["sms", "outbox"], "").await;
    assert!(empty.status.success(), "{}", text(&empty));
    assert!(text(&empty).contains("empty"), "{}", text(&empty));

    for (to, body) in [
        ("+33 6 12 34 56 78", "Your OpenStaff code is 48213907"),
        ("+1 202 555 0134", "Your OpenStaff code is 11223344"),
    ] {
        let sent = openstaff(
            &app.database_url,
            &["sms", "send", "--to", to, "--body", body],
            "",
        )
        .await;
        assert!(sent.status.success(), "{}", text(&sent));
        assert!(
            text(&sent).contains("development outbox"),
            "{}",
            text(&sent)
        );
        assert!(
            !text(&sent).contains(&to.replace(' ', "")[3..]),
            "the full number is echoed: {}",
            text(&sent)
        );
    }
    assert_eq!(
        app.sms_messages().await,
        vec![
            (
                "+33612345678".to_owned(),
                "Your OpenStaff code is 48213907".to_owned()
            ),
            (
                "+12025550134".to_owned(),
                "Your OpenStaff code is 11223344".to_owned()
            ),
        ]
    );

    let listed = openstaff(&app.database_url, &["sms", "outbox", "--json"], "").await;
    assert!(listed.status.success(), "{}", text(&listed));
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["to"], "+12025550134", "newest first");
    assert_eq!(listed[0]["status"], "outbox");
    assert_eq!(listed[0]["attempts"], 0);
    assert_eq!(listed[1]["body"], "Your OpenStaff code is 48213907");
    let one = openstaff(&app.database_url, &["sms", "outbox", "--limit", "1"], "").await;
    let one = text(&one);
    assert_eq!(one.lines().count(), 1, "{one}");
    assert!(one.contains("outbox") && one.contains("11223344"), "{one}");

    // Sealed at rest: neither the number nor the text is in the table in clear.
    let rows: Vec<(Option<String>, Option<String>, String)> =
        sqlx::query_as("SELECT to_sealed, body_sealed, to_masked FROM sms_messages")
            .fetch_all(app.store.reader())
            .await
            .unwrap();
    for (to, body, masked) in rows {
        let (to, body) = (to.unwrap(), body.unwrap());
        assert!(to.starts_with("v1.") && body.starts_with("v1."));
        assert!(!to.contains("612345678") && !body.contains("code is"));
        assert!(masked.contains("**"), "{masked}");
    }

    let bad = openstaff(
        &app.database_url,
        &["sms", "send", "--to", "12", "--body", "x"],
        "",
    )
    .await;
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
}

// ---------------------------------------------------------------------------------
// A real local HTTP receiver: what an SMS gateway behind the webhook would check.

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use openstaff::config::{SmsConfig, SmsFormat, SmsMode};
use sha2::Sha256;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The shared secret the receivers verify with (32 random-looking bytes).
pub(crate) fn test_secret() -> String {
    format!(
        "whsec_{}",
        STANDARD.encode(*b"openstaff-sms-test-secret-32byte")
    )
}

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub path: String,
    pub webhook_id: Option<String>,
    /// The Standard Webhooks signature verified against the shared secret.
    pub signature_ok: bool,
    /// `webhook-timestamp` within five minutes of the receiver's clock.
    pub timestamp_ok: bool,
    /// How many entries `webhook-signature` held.
    pub signatures: usize,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub raw: String,
    /// What the receiver answered.
    pub status: u16,
    /// Answered 2xx to an id it had already accepted (deduplicated).
    pub duplicate: bool,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.raw).unwrap_or(Value::Null)
    }

    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.raw.as_bytes())
            .into_owned()
            .collect()
    }
}

type Script = Box<dyn Fn(usize, &Received) -> u16 + Send + Sync>;

struct RxState {
    key: Vec<u8>,
    script: Script,
    /// How long to sit on request n before answering.
    slow: Box<dyn Fn(usize) -> Duration + Send + Sync>,
    /// Requests as they arrive (before any wait): their `webhook-id`.
    arrived: Mutex<Vec<Option<String>>>,
    seen: Mutex<Vec<Received>>,
    accepted: Mutex<HashSet<String>>,
}

/// A receiver on 127.0.0.1 (a port of its own), answering each request with what
/// `script(n, request)` says (n counts from 0).
pub(crate) struct Receiver {
    pub base: String,
    state: Arc<RxState>,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let stop = self.handle.stop(false);
        tokio::spawn(stop);
    }
}

fn verify(key: &[u8], id: &str, timestamp: &str, body: &[u8], header: &str) -> bool {
    header.split(' ').any(|sig| {
        let Some(b64) = sig.strip_prefix("v1,") else {
            return false;
        };
        let Ok(given) = STANDARD.decode(b64) else {
            return false;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body);
        mac.verify_slice(&given).is_ok()
    })
}

async fn receive(req: HttpRequest, body: web::Bytes, st: web::Data<Arc<RxState>>) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let webhook_id = header("webhook-id");
    let n = {
        let mut arrived = st.arrived.lock().unwrap();
        arrived.push(webhook_id.clone());
        arrived.len() - 1
    };
    let wait = (st.slow)(n);
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
    let timestamp = header("webhook-timestamp");
    let signatures = header("webhook-signature").map_or(0, |s| s.split(' ').count());
    let signature_ok = match (&webhook_id, &timestamp, header("webhook-signature")) {
        (Some(id), Some(ts), Some(sig)) => verify(&st.key, id, ts, &body, &sig),
        _ => false,
    };
    let timestamp_ok = timestamp
        .and_then(|t| t.parse::<i64>().ok())
        .is_some_and(|t| (chrono::Utc::now().timestamp() - t).abs() <= 300);
    let mut r = Received {
        path: req.path().to_owned(),
        webhook_id,
        signatures,
        signature_ok,
        timestamp_ok,
        authorization: header("authorization"),
        content_type: header("content-type"),
        raw: String::from_utf8_lossy(&body).into_owned(),
        status: 0,
        duplicate: false,
    };
    let mut seen = st.seen.lock().unwrap();
    r.status = (st.script)(n, &r);
    if (200..300).contains(&r.status) {
        let key = r
            .webhook_id
            .clone()
            .unwrap_or_else(|| format!("{}#{}", r.raw, seen.len()));
        r.duplicate = !st.accepted.lock().unwrap().insert(key);
    }
    let status = r.status;
    seen.push(r);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
        .content_type("application/json")
        .body(r#"{"sid":"SM00000000000000000000000000000001"}"#)
}

impl Receiver {
    pub async fn start(
        script: impl Fn(usize, &Received) -> u16 + Send + Sync + 'static,
    ) -> Receiver {
        Self::start_slow(script, |_| Duration::ZERO).await
    }

    /// Like [`Receiver::start`], sitting on request n for `slow(n)` before answering.
    pub async fn start_slow(
        script: impl Fn(usize, &Received) -> u16 + Send + Sync + 'static,
        slow: impl Fn(usize) -> Duration + Send + Sync + 'static,
    ) -> Receiver {
        let state = Arc::new(RxState {
            slow: Box::new(slow),
            arrived: Mutex::new(Vec::new()),
            key: STANDARD
                .decode(test_secret().strip_prefix("whsec_").unwrap())
                .unwrap(),
            script: Box::new(script),
            seen: Mutex::new(Vec::new()),
            accepted: Mutex::new(HashSet::new()),
        });
        let data = web::Data::new(state.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Receiver {
            base: format!("http://127.0.0.1:{port}"),
            state,
            handle,
        }
    }

    /// The `webhook-id` of every request that arrived, answered or not.
    pub fn arrived(&self) -> Vec<Option<String>> {
        self.state.arrived.lock().unwrap().clone()
    }

    pub fn seen(&self) -> Vec<Received> {
        self.state.seen.lock().unwrap().clone()
    }

    /// Waits until the receiver has seen `n` requests.
    pub async fn wait_for(&self, n: usize, deadline: Duration) -> Vec<Received> {
        crate::helpers::eventually(
            &format!("{n} requests at the SMS receiver"),
            deadline,
            || {
                let seen = self.seen();
                std::future::ready((seen.len() >= n).then_some(seen))
            },
        )
        .await
    }
}

/// The webhook settings for `url`, with a fast schedule (tests run in seconds).
pub(crate) fn fast_webhook(url: &str) -> SmsConfig {
    SmsConfig {
        mode: SmsMode::Webhook,
        webhook_url: Some(url.to_owned()),
        webhook_secret: Some(test_secret()),
        timeout_seconds: 2,
        retry_base_ms: 300,
        retry_cap_ms: 1_000,
        lease_ms: Some(3_000),
        poll_ms: 100,
        ..SmsConfig::default()
    }
}

/// The same settings as environment variables (for the binary and `sms send`).
pub(crate) fn webhook_env(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("OPENSTAFF_SMS", "webhook".to_owned()),
        ("OPENSTAFF_SMS_WEBHOOK_URL", url.to_owned()),
        ("OPENSTAFF_SMS_WEBHOOK_SECRET", test_secret()),
        ("OPENSTAFF_SMS_TIMEOUT_SECONDS", "2".to_owned()),
        ("OPENSTAFF_SMS_RETRY_BASE_MS", "300".to_owned()),
        ("OPENSTAFF_SMS_RETRY_CAP_MS", "1000".to_owned()),
        ("OPENSTAFF_SMS_LEASE_MS", "3000".to_owned()),
        ("OPENSTAFF_SMS_POLL_MS", "100".to_owned()),
    ]
}

/// `openstaff ARGS` against `db` with `env`.
pub(crate) fn run(db: &str, args: &[&str], env: &[(&str, String)]) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_openstaff"));
    cmd.args(args)
        .env("DATABASE_URL", db)
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// Queues a message with `openstaff sms send`; returns its id.
pub(crate) fn send(db: &str, to: &str, body: &str, env: &[(&str, String)]) -> String {
    let out = run(db, &["sms", "send", "--to", to, "--body", body], env);
    assert!(out.status.success(), "{}", text(&out));
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    printed
        .split_whitespace()
        .nth(1)
        .unwrap_or_else(|| panic!("no id in {printed}"))
        .to_owned()
}

#[derive(sqlx::FromRow, Debug)]
struct Row {
    status: String,
    attempts: i64,
    to_sealed: Option<String>,
    body_sealed: Option<String>,
    to_masked: String,
    last_status_code: Option<i64>,
}

async fn row(store: &openstaff::store::Store, id: &str) -> Row {
    sqlx::query_as(
        "SELECT status, attempts, to_sealed, body_sealed, to_masked, last_status_code \
         FROM sms_messages WHERE id = $1",
    )
    .bind(id)
    .fetch_one(store.reader())
    .await
    .unwrap()
}

async fn finished(store: &openstaff::store::Store, id: &str) -> Row {
    let store = store.clone();
    crate::helpers::eventually(
        "the message to be delivered or given up",
        Duration::from_secs(20),
        || {
            let store = store.clone();
            let id = id.to_owned();
            async move {
                let r = row(&store, &id).await;
                (r.status != "queued").then_some(r)
            }
        },
    )
    .await
}

#[tokio::test]
async fn the_webhook_posts_signed_json_and_keeps_only_metadata_once_delivered() {
    let rx = Receiver::start(|_, _| 204).await;
    let url = format!("{}/sms", rx.base);
    // Mid-rotation: the server signs with a new secret and the old one, which is all
    // the receiver knows yet.
    let rotating = |cfg: &mut openstaff::config::ServerConfig| {
        let new = format!("whsec_{}", STANDARD.encode([9u8; 32]));
        cfg.sms = SmsConfig {
            webhook_secret: Some(format!("{new} {}", test_secret())),
            ..fast_webhook(&url)
        }
    };
    let app = TestApp::spawn_with(rotating).await;
    let id = send(
        &app.database_url,
        "+33 6 11 22 33 44",
        "Votre code OpenStaff : 90817263",
        &webhook_env(&url),
    );
    let seen = rx.wait_for(1, Duration::from_secs(20)).await;
    let r = &seen[0];
    assert_eq!(r.path, "/sms");
    assert!(r.signature_ok, "bad signature: {r:?}");
    assert_eq!(
        r.signatures, 2,
        "one signature per secret during a rotation: {r:?}"
    );
    assert!(r.timestamp_ok, "bad timestamp: {r:?}");
    assert_eq!(r.webhook_id.as_deref(), Some(id.as_str()));
    assert_eq!(r.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        r.json(),
        serde_json::json!({"to": "+33611223344", "body": "Votre code OpenStaff : 90817263", "id": id})
    );

    let done = finished(&app.store, &id).await;
    assert_eq!(done.status, "delivered");
    assert_eq!(done.attempts, 1);
    assert_eq!(done.last_status_code, Some(204));
    assert!(done.to_sealed.is_none() && done.body_sealed.is_none());
    assert_eq!(
        done.to_masked,
        openstaff::domain::PhoneNumber::mask_e164("+33611223344")
    );
    let listed = app.sms_messages().await;
    assert_eq!(listed.len(), 1);
    assert!(
        listed[0].0.ends_with("44") && listed[0].0.contains('*'),
        "{listed:?}"
    );
    assert_eq!(listed[0].1, "", "the text is gone once delivered");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(rx.seen().len(), 1, "nothing more is sent after a delivery");
}

#[tokio::test]
async fn a_refusal_is_final_and_a_server_error_is_retried_with_the_same_id() {
    // The gateway refuses one number for good (400), and fails twice with 503 for
    // the other before taking it.
    let rx = Receiver::start(|n, r| {
        if r.raw.contains("+33699999999") {
            400
        } else {
            match n {
                0 | 1 => 503,
                _ => 200,
            }
        }
    })
    .await;
    let url = format!("{}/sms", rx.base);
    let app = TestApp::spawn_with(|cfg| cfg.sms = fast_webhook(&url)).await;
    let env = webhook_env(&url);
    let retried = send(
        &app.database_url,
        "+33 6 55 44 33 22",
        "Code 55443322",
        &env,
    );
    let done = finished(&app.store, &retried).await;
    assert_eq!((done.status.as_str(), done.attempts), ("delivered", 3));
    let refused = send(
        &app.database_url,
        "+33 6 99 99 99 99",
        "Code 99999999",
        &env,
    );
    let done = finished(&app.store, &refused).await;
    assert_eq!(done.status, "failed");
    assert_eq!(done.attempts, 1, "a 400 is not retried");
    assert_eq!(done.last_status_code, Some(400));
    assert!(done.to_sealed.is_none() && done.body_sealed.is_none());

    let seen = rx.seen();
    assert_eq!(seen.len(), 4, "{seen:?}");
    let ids: Vec<_> = seen[..3]
        .iter()
        .map(|r| r.webhook_id.clone().unwrap())
        .collect();
    assert!(ids.iter().all(|i| *i == retried), "{ids:?}");
    assert!(seen.iter().all(|r| r.signature_ok && r.timestamp_ok));
    assert_eq!(seen.iter().filter(|r| r.duplicate).count(), 0);
}

#[tokio::test]
async fn the_twilio_adapter_speaks_twilios_messages_api() {
    const SID: &str = "AC0123456789abcdef0123456789abcdef";
    const TOKEN: &str = "twilio-test-auth-token-4417";
    let path = format!("/2010-04-01/Accounts/{SID}/Messages.json");
    let expected_auth = format!("Basic {}", STANDARD.encode(format!("{SID}:{TOKEN}")));
    let check_path = path.clone();
    // What Twilio checks: the account's path, Basic auth, a form with To, From and
    // Body. It answers 201 Created, 401 to bad credentials, 400 to a bad number.
    let rx = Receiver::start(move |_, r| {
        let form = r.form();
        let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        if r.path != check_path || r.authorization.as_deref() != Some(expected_auth.as_str()) {
            401
        } else if r.content_type.as_deref() != Some("application/x-www-form-urlencoded")
            || field("From").as_deref() != Some("+15005550006")
            || field("Body").is_none()
        {
            400
        } else if field("To").is_some_and(|t| t.starts_with("+1")) {
            201
        } else {
            400
        }
    })
    .await;
    let url = format!("{}{path}", rx.base);
    let twilio = |cfg: &mut openstaff::config::ServerConfig| {
        cfg.sms = SmsConfig {
            format: SmsFormat::Twilio,
            webhook_secret: None,
            twilio_account_sid: Some(SID.to_owned()),
            twilio_auth_token: Some(TOKEN.to_owned()),
            twilio_from: Some("+15005550006".to_owned()),
            ..fast_webhook(&url)
        }
    };
    let app = TestApp::spawn_with(twilio).await;
    let env: Vec<(&str, String)> = vec![
        ("OPENSTAFF_SMS", "webhook".to_owned()),
        ("OPENSTAFF_SMS_WEBHOOK_FORMAT", "twilio".to_owned()),
        ("OPENSTAFF_SMS_WEBHOOK_URL", url.clone()),
        ("OPENSTAFF_SMS_TWILIO_ACCOUNT_SID", SID.to_owned()),
        ("OPENSTAFF_SMS_TWILIO_AUTH_TOKEN", TOKEN.to_owned()),
        ("OPENSTAFF_SMS_TWILIO_FROM", "+15005550006".to_owned()),
    ];
    let ok = send(
        &app.database_url,
        "+1 202 555 0147",
        "Your code: 31415926",
        &env,
    );
    let done = finished(&app.store, &ok).await;
    assert_eq!(
        (done.status.as_str(), done.last_status_code),
        ("delivered", Some(201))
    );
    let form = rx.seen()[0].form();
    assert_eq!(
        form,
        vec![
            ("To".to_owned(), "+12025550147".to_owned()),
            ("From".to_owned(), "+15005550006".to_owned()),
            ("Body".to_owned(), "Your code: 31415926".to_owned()),
        ]
    );
    let refused = send(
        &app.database_url,
        "+33 6 12 12 12 12",
        "Your code: 27182818",
        &env,
    );
    let done = finished(&app.store, &refused).await;
    assert_eq!((done.status.as_str(), done.attempts), ("failed", 1));
}

#[tokio::test]
async fn a_bad_webhook_setting_stops_the_server_at_start() {
    let dir = std::env::temp_dir().join(format!("openstaff-sms-{}", uuid::Uuid::now_v7()));
    let db = format!("sqlite://{}/openstaff.db", dir.display());
    let secret = ("OPENSTAFF_SMS_WEBHOOK_SECRET", test_secret());
    let webhook = ("OPENSTAFF_SMS", "webhook".to_owned());
    for (env, says) in [
        (
            vec![webhook.clone(), secret.clone()],
            "OPENSTAFF_SMS_WEBHOOK_URL",
        ),
        (
            vec![
                webhook.clone(),
                (
                    "OPENSTAFF_SMS_WEBHOOK_URL",
                    "https://sms.contoso.example/hook".to_owned(),
                ),
            ],
            "OPENSTAFF_SMS_WEBHOOK_SECRET",
        ),
        (
            vec![
                webhook.clone(),
                secret.clone(),
                (
                    "OPENSTAFF_SMS_WEBHOOK_URL",
                    "http://sms.contoso.example/hook".to_owned(),
                ),
            ],
            "https://",
        ),
        (
            vec![
                webhook.clone(),
                ("OPENSTAFF_SMS_WEBHOOK_SECRET", "not-a-secret".to_owned()),
                (
                    "OPENSTAFF_SMS_WEBHOOK_URL",
                    "https://sms.contoso.example/hook".to_owned(),
                ),
            ],
            "whsec_",
        ),
    ] {
        let out = run(&db, &["serve", "--bind", "127.0.0.1:0"], &env);
        assert!(!out.status.success(), "started with {env:?}");
        let said = text(&out);
        assert!(said.contains(says), "{env:?}: {said}");
        assert!(
            !said.contains("not-a-secret") && !said.contains(&test_secret()),
            "{said}"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// `openstaff serve` as a real process on `db`, logging into `log`; killed with
/// SIGKILL when dropped.
pub(crate) struct Serve {
    child: std::process::Child,
}

impl Serve {
    pub async fn start(db: &str, log: &std::path::Path, env: &[(&str, String)]) -> Serve {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_openstaff"));
        cmd.args(["serve", "--bind", "127.0.0.1:0"])
            .env("DATABASE_URL", db)
            .env("RUST_LOG", "debug")
            .stdin(std::process::Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        // The port the server chose is in its banner; look only past earlier runs'.
        let before = std::fs::read_to_string(log).unwrap_or_default().len();
        let base =
            crate::helpers::eventually("the server to start", Duration::from_secs(60), || {
                if let Some(status) = child.try_wait().unwrap() {
                    panic!(
                        "the server exited with {status}: {}",
                        std::fs::read_to_string(log).unwrap_or_default()
                    );
                }
                let all = std::fs::read_to_string(log).unwrap_or_default();
                // The whole banner: the file may hold half a line while it is written.
                let found = all.get(before..).and_then(|new| {
                    let (_, rest) = new.split_once("OpenStaff is running at ")?;
                    let (url, _) = rest.split_once(" (API explorer")?;
                    Some(url.trim_end_matches('/').to_owned())
                });
                std::future::ready(found)
            })
            .await;
        let readyz = format!("{base}/readyz");
        crate::helpers::eventually("the server to be ready", Duration::from_secs(30), || {
            let probe = reqwest::get(readyz.clone());
            async move { probe.await.is_ok_and(|r| r.status() == 200).then_some(()) }
        })
        .await;
        Serve { child }
    }

    /// kill -9: no shutdown, no chance to record anything.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The issue's acceptance: "the webhook sender delivers every message exactly once
/// to a receiver that fails the first two attempts, across a server restart in
/// between" — the restart being a kill -9 right after the first failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_survives_a_kill_9_and_delivers_exactly_once() {
    const TO: &str = "+33 7 81 92 03 14";
    const BODY: &str = "OpenStaff: your code is 60718293";
    let rx = Receiver::start(|n, _| if n < 2 { 500 } else { 200 }).await;
    let url = format!("{}/hooks/sms", rx.base);
    let dir = std::env::temp_dir().join(format!("openstaff-sms-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}/openstaff.db", dir.display());
    let log = dir.join("server.log");
    // The first retry comes 0.75 to 1.5 s after the first failure: time enough to
    // kill the server in between, even on a loaded machine.
    let mut env = webhook_env(&url);
    env.retain(|(k, _)| !k.starts_with("OPENSTAFF_SMS_RETRY_"));
    env.push(("OPENSTAFF_SMS_RETRY_BASE_MS", "1500".to_owned()));
    env.push(("OPENSTAFF_SMS_RETRY_CAP_MS", "3000".to_owned()));

    let first = Serve::start(&db, &log, &env).await;
    let id = send(&db, TO, BODY, &env);
    let seen = rx.wait_for(1, Duration::from_secs(20)).await;
    first.kill9();
    assert_eq!(seen[0].status, 500);
    let store = openstaff::store::Store::connect(&db, 1).await.unwrap();
    let before = row(&store, &id).await;
    assert_eq!(before.status, "queued", "{before:?}");
    assert!(before.to_sealed.is_some() && before.body_sealed.is_some());
    let attempts_before_restart = rx.seen().len();

    // Started again on the same database, the message goes out again (same id),
    // fails once more, then is taken.
    let second = Serve::start(&db, &log, &env).await;
    let done = finished(&store, &id).await;
    assert_eq!(done.status, "delivered", "{done:?}");
    assert!(done.to_sealed.is_none() && done.body_sealed.is_none());
    // Give a stray retry every chance to show up.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let seen = rx.seen();
    assert_eq!(attempts_before_restart, 1, "{seen:?}");
    assert_eq!(
        seen.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![500, 500, 200],
        "{seen:?}"
    );
    assert_eq!(done.attempts, 3);
    assert_eq!(
        seen.iter()
            .filter(|r| (200..300).contains(&r.status))
            .count(),
        1,
        "accepted exactly once"
    );
    for r in &seen {
        assert_eq!(r.webhook_id.as_deref(), Some(id.as_str()));
        assert!(r.signature_ok && r.timestamp_ok, "{r:?}");
        assert_eq!(r.json()["to"], "+33781920314");
        assert_eq!(r.json()["body"], BODY);
    }
    let listed = run(&db, &["sms", "outbox", "--json"], &[]);
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(listed[0]["status"], "delivered");
    assert_eq!(listed[0]["body"], "");
    assert_eq!(listed[0]["attempts"], 3);
    second.kill9();

    // The log names the message, never its number or text.
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains(&id), "{logged}");
    assert!(
        logged
            .lines()
            .any(|l| l.contains("SMS delivered") && l.contains(&id) && l.contains("\"attempt\":3")),
        "{logged}"
    );
    assert!(
        logged.contains("SMS attempt failed; will retry"),
        "{logged}"
    );
    for secret in ["+33781920314", "781920314", BODY, "60718293"] {
        assert!(!logged.contains(secret), "{secret} in the server log");
    }
    store.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// A server killed in the middle of an attempt (the gateway took the message but
/// the answer never reached the server) leaves a lease that runs out; the server
/// started again sends the message again under the same id, and the receiver,
/// deduplicating on `webhook-id`, takes it once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_cut_short_by_a_kill_9_goes_again_under_the_same_id() {
    // The first request is answered only after 2 s, when its server is long dead.
    let rx = Receiver::start_slow(
        |_, _| 200,
        |n| {
            if n == 0 {
                Duration::from_secs(2)
            } else {
                Duration::ZERO
            }
        },
    )
    .await;
    let url = format!("{}/sms", rx.base);
    let dir = std::env::temp_dir().join(format!("openstaff-sms-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}/openstaff.db", dir.display());
    let log = dir.join("server.log");
    let env = webhook_env(&url);

    let first = Serve::start(&db, &log, &env).await;
    let id = send(&db, "+33 6 21 43 65 87", "Code 21436587", &env);
    crate::helpers::eventually(
        "the first attempt to reach the receiver",
        Duration::from_secs(20),
        || std::future::ready((!rx.arrived().is_empty()).then_some(())),
    )
    .await;
    first.kill9();
    let store = openstaff::store::Store::connect(&db, 1).await.unwrap();
    let cut = row(&store, &id).await;
    assert_eq!(
        (cut.status.as_str(), cut.attempts),
        ("queued", 1),
        "{cut:?}"
    );

    let second = Serve::start(&db, &log, &env).await;
    let done = finished(&store, &id).await;
    assert_eq!((done.status.as_str(), done.attempts), ("delivered", 2));
    let seen = rx.wait_for(2, Duration::from_secs(10)).await;
    assert!(
        seen.iter()
            .all(|r| r.webhook_id.as_deref() == Some(id.as_str()) && r.signature_ok),
        "{seen:?}"
    );
    assert_eq!(
        seen.iter().filter(|r| !r.duplicate).count(),
        1,
        "the receiver took it once: {seen:?}"
    );
    second.kill9();
    store.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// Several replicas on one database (SQLite here, PostgreSQL under
/// `OPENSTAFF_TEST_POSTGRES`): their workers' leases never let two of them send the
/// same message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_share_the_outbox_without_sending_a_message_twice() {
    let rx = Receiver::start(|_, _| 200).await;
    let url = format!("{}/sms", rx.base);
    let app = TestApp::spawn().await;
    let env = webhook_env(&url);
    let dir = std::env::temp_dir().join(format!("openstaff-sms-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("replicas.log");
    let replicas = [
        Serve::start(&app.database_url, &log, &env).await,
        Serve::start(&app.database_url, &log, &env).await,
    ];

    // Thirty messages queued in one transaction, as a caller would.
    let mut state =
        openstaff::state::AppState::for_cli(&app.store, &openstaff::state::ClockAndIds::system())
            .unwrap();
    state.sms = Arc::new(openstaff::sms::Gateway::from_config(&fast_webhook(&url)).unwrap());
    state
        .secrets
        .key(openstaff::time::Micros::from_datetime(chrono::Utc::now()))
        .await
        .unwrap();
    let mut tx = app.store.begin().await.unwrap();
    let mut ids = Vec::new();
    for i in 0..30 {
        let body = format!("Code {i:08}");
        ids.push(
            openstaff::sms::enqueue(&mut tx, &state, "+33612345678", &body)
                .await
                .unwrap(),
        );
    }
    tx.commit().await.unwrap();

    let seen = rx.wait_for(30, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let seen_after = rx.seen();
    assert_eq!(seen_after.len(), 30, "a message was sent twice: {seen:?}");
    let mut got: Vec<String> = seen_after
        .iter()
        .map(|r| r.webhook_id.clone().unwrap())
        .collect();
    got.sort();
    ids.sort();
    assert_eq!(got, ids);
    assert!(seen_after.iter().all(|r| r.signature_ok && !r.duplicate));
    let listed = app.sms_messages().await;
    assert_eq!(listed.len(), 30);
    assert!(listed.iter().all(|(_, body)| body.is_empty()), "{listed:?}");
    drop(replicas);
    let _ = std::fs::remove_dir_all(dir);
}

/// The purge the server runs now and then: development-outbox messages after a day,
/// the webhook's outcomes (metadata only) after 30 days, nothing still queued.
#[tokio::test]
async fn old_messages_are_purged_and_queued_ones_kept() {
    use openstaff::state::{AppState, Clock, ClockAndIds};
    use openstaff::time::{Micros, Span};
    struct At(Micros);
    impl Clock for At {
        fn now(&self) -> Micros {
            self.0
        }
    }
    // The server purges at start too, by its own clock: a test clock months before
    // these messages keeps its purge off them, so the one below is the only one.
    let (app, _) = TestApp::spawn_with_clock(|_| {}).await;
    let now = Micros::from_datetime(chrono::Utc::now());
    let queue = |days_ago: u32, webhook: bool| {
        let store = app.store.clone();
        async move {
            let at = ClockAndIds::from_clock(Arc::new(At(now - Span::hours(24 * days_ago))));
            let mut state = AppState::for_cli(&store, &at).unwrap();
            if webhook {
                let cfg = fast_webhook("http://127.0.0.1:9/");
                state.sms = Arc::new(openstaff::sms::Gateway::from_config(&cfg).unwrap());
            }
            state.secrets.key(now).await.unwrap();
            let mut tx = store.begin().await.unwrap();
            let id = openstaff::sms::enqueue(&mut tx, &state, "+33612345678", "Code 12345678")
                .await
                .unwrap();
            tx.commit().await.unwrap();
            id
        }
    };
    let fresh_outbox = queue(0, false).await;
    queue(2, false).await; // an old outbox message
    let old_queued = queue(40, true).await;
    let old_delivered = queue(40, true).await;
    let recent_delivered = queue(10, true).await;
    let mut tx = app.store.begin().await.unwrap();
    for id in [&old_delivered, &recent_delivered] {
        sqlx::query(
            "UPDATE sms_messages SET status = 'delivered', to_sealed = NULL, \
             body_sealed = NULL, finished_at = created_at WHERE id = $1",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    let purged =
        openstaff::store::sms::purge(&mut tx, now - Span::hours(24), now - Span::hours(24 * 30))
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(purged, 2);
    let mut left: Vec<String> = sqlx::query_as::<_, (String,)>("SELECT id FROM sms_messages")
        .fetch_all(app.store.reader())
        .await
        .unwrap()
        .into_iter()
        .map(|(id,)| id)
        .collect();
    left.sort();
    let mut kept = vec![fresh_outbox, old_queued, recent_delivered];
    kept.sort();
    assert_eq!(left, kept);
}
