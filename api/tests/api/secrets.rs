//! "Passwords, temporary or not, never appear in logs, audit events or error
//! bodies" (SPEC section 3), checked end to end against the real binary: a demo
//! directory, a server logging at debug level in JSON, a full reset scenario, then a
//! scan of the log, every response and the database for every password used (and
//! for the number and text of a text message delivered through the SMS webhook).

use crate::helpers::eventually;
use reqwest::{Client, Method, Response};
use serde_json::{json, Value};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const DEMO_PASSWORD: &str = "OpenStaff-Demo-2026!";
const ADMIN: &str = "admin@contoso.example";
const MANAGER: &str = "maria.garcia@contoso.example";
const LENA: &str = "lena.fischer@contoso.example";

const INITIAL: &str = "Quartz-Meadow-Falcon-63";
const NEW: &str = "Saffron-Glacier-Tunnel-48";
const WEAK_NEW: &str = "lenafischerpassword";
const ON_PREM: &str = "Cobalt-Ferry-Lantern-2026";
/// A text message sent through the SMS webhook: its number (as typed, and in E.164
/// and its national digits) and its text (and the code in it).
const SMS_TO: &str = "+33 6 98 76 54 32";
const SMS_TO_E164: &str = "+33698765432";
const SMS_TO_NATIONAL: &str = "698765432";
const SMS_BODY: &str = "OpenStaff code 73914862 (secrets test)";
const SMS_CODE: &str = "73914862";
const WEAK_ON_PREM: &str = "mangoplatypusriver";
const WRONG: [&str; 4] = [
    "Wrong-Guess-Pelican-11",
    "Unknown-User-Guess-Ibis-22",
    "Wrong-Current-Heron-33",
    "Wrong-Admin-Guess-Stork-44",
];
/// Password-like strings sent in wrongly typed or malformed JSON.
const TYPED_WRONG: [&str; 6] = [
    "Typo-Secret-Otter-51",
    "Typo-Secret-Badger-52",
    "Typo-Secret-Marten-53",
    "Typo-Secret-Walrus-54",
    "Typo-Secret-Beaver-55",
    "Typo-Secret-Lynx-56",
];

/// The server process; killed (and its folder removed) however the test ends.
struct Server {
    child: Option<Child>,
    dir: PathBuf,
}

impl Server {
    /// SIGTERM, then waits for the graceful exit, after which everything the server
    /// logged is in the file. (Killed by `Drop` if it never comes.)
    async fn stop(&mut self) {
        let Some(pid) = self.child.as_ref().map(Child::id) else {
            return;
        };
        let killed = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        // Longer than the server's own 25 s shutdown timeout.
        let status = eventually(
            "the server to exit after SIGTERM",
            Duration::from_secs(30),
            || std::future::ready(self.child.as_mut().and_then(|c| c.try_wait().unwrap())),
        )
        .await;
        assert!(status.success(), "the server exited with {status}");
        self.child = None;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn openstaff(db: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_openstaff"));
    cmd.env("DATABASE_URL", db).stdin(Stdio::null());
    cmd
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Every response seen, as (what, status, headers and body).
struct Recorder {
    client: Client,
    base: String,
    seen: Vec<(String, u16, String)>,
}

impl Recorder {
    async fn send(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut rb = self
            .client
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        self.record(format!("{method} {path}"), rb.send().await.unwrap())
            .await
    }

    async fn send_raw(&mut self, path: &str, token: Option<&str>, raw: String) -> (u16, Value) {
        let mut rb = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(raw);
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        self.record(format!("POST {path} (raw)"), rb.send().await.unwrap())
            .await
    }

    async fn record(&mut self, what: String, resp: Response) -> (u16, Value) {
        let status = resp.status().as_u16();
        let headers = format!("{:?}", resp.headers());
        let text = resp.text().await.unwrap();
        self.seen.push((what, status, format!("{headers}\n{text}")));
        let value = serde_json::from_str(&text).unwrap_or(Value::Null);
        (status, value)
    }

    async fn token(&mut self, user: &str, password: &str) -> Value {
        let (status, body) = self
            .send(
                Method::POST,
                "/api/v1/auth/token",
                None,
                Some(json!({"username": user, "password": password})),
            )
            .await;
        assert_eq!(status, 200, "sign-in of {user}: {body}");
        body
    }
}

fn access_token(body: &Value) -> String {
    body["access_token"].as_str().unwrap().to_owned()
}

fn read_lossy(path: &Path) -> String {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// Every column of every audit event, as text.
async fn audit_dump(database_url: &str) -> String {
    let dump = table_dump(database_url, "audit_events", "seq").await;
    assert!(
        dump.lines().count() > 20,
        "only {} audit events",
        dump.lines().count()
    );
    dump
}

/// Every column of every row of `table` (ordered by `order`), as text.
async fn table_dump(database_url: &str, table: &str, order: &str) -> String {
    use sqlx::{Column, Row};
    let store = openstaff::store::Store::connect(database_url, 1)
        .await
        .unwrap();
    let rows = sqlx::query(&format!("SELECT * FROM {table} ORDER BY {order}"))
        .fetch_all(store.reader())
        .await
        .unwrap();
    let mut out = String::new();
    for row in &rows {
        for (i, col) in row.columns().iter().enumerate() {
            let value = match row.try_get::<Option<String>, _>(i) {
                Ok(v) => v.unwrap_or_default(),
                Err(_) => row
                    .try_get::<Option<i64>, _>(i)
                    .map(|v| v.unwrap_or_default().to_string())
                    .unwrap_or_else(|e| panic!("{table}.{}: {e}", col.name())),
            };
            out.push_str(col.name());
            out.push('=');
            out.push_str(&value);
            out.push('\t');
        }
        out.push('\n');
    }
    out
}

/// A demo directory served by the real binary, logging at debug level in JSON into
/// a file, with `env` set (the log, database and every response are then scanned).
struct Served {
    server: Server,
    r: Recorder,
    database_url: String,
    db_path: PathBuf,
    log_path: PathBuf,
}

impl Served {
    async fn start(env: &[(&str, String)]) -> Served {
        let dir = std::env::temp_dir().join(format!("openstaff-secrets-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let db_path = dir.join("openstaff.db");
        let database_url = format!("sqlite://{}", db_path.display());
        let log_path = dir.join("server.log");
        let mut server = Server {
            child: None,
            dir: dir.clone(),
        };
        let seeded = openstaff(&database_url)
            .args(["seed", "demo"])
            .output()
            .unwrap();
        assert!(
            seeded.status.success(),
            "{}",
            String::from_utf8_lossy(&seeded.stderr)
        );
        let port = free_port();
        let log = File::create(&log_path).unwrap();
        let mut cmd = openstaff(&database_url);
        cmd.args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "debug")
            .env("OPENSTAFF_LOG_FORMAT", "json")
            // The scenario signs the demo admin in with the password grant.
            .env("OPENSTAFF_ADMIN_MFA", "off")
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        for (k, v) in env {
            cmd.env(k, v);
        }
        server.child = Some(cmd.spawn().unwrap());
        let base = format!("http://127.0.0.1:{port}");
        let client = Client::new();
        let readyz = format!("{base}/readyz");
        eventually("the server to be ready", Duration::from_secs(30), || {
            if let Some(status) = server.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("server exited with {status}: {}", read_lossy(&log_path));
            }
            let probe = client.get(&readyz).send();
            async move { probe.await.is_ok_and(|r| r.status() == 200).then_some(()) }
        })
        .await;
        Served {
            server,
            r: Recorder {
                client,
                base,
                seen: Vec::new(),
            },
            database_url,
            db_path,
            log_path,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_password_reaches_the_log_a_response_or_the_audit_trail() {
    // Text messages leave through the webhook to a local receiver.
    let receiver = crate::sms::Receiver::start(|_, _| 200).await;
    let sms_env = crate::sms::webhook_env(&format!("{}/sms", receiver.base));
    let Served {
        mut server,
        mut r,
        database_url,
        db_path,
        log_path,
    } = Served::start(&sms_env).await;
    use Method as M;

    // The administrator creates Lena with a known password and puts her in
    // Maria's store.
    let admin = access_token(&r.token(ADMIN, DEMO_PASSWORD).await);
    let (status, lena) = r
        .send(
            M::POST,
            "/api/v1/users",
            Some(&admin),
            Some(json!({
                "user_principal_name": LENA,
                "display_name": "Lena Fischer",
                "source": "cloud",
                "password": INITIAL,
            })),
        )
        .await;
    assert_eq!(status, 201, "{lena}");
    let lena_id = lena["id"].as_str().unwrap().to_owned();
    let (_, units) = r
        .send(
            M::GET,
            "/api/v1/administrative-units?search=Lyon",
            Some(&admin),
            None,
        )
        .await;
    let lyon = units["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["display_name"] == "Store 012 · Lyon Part-Dieu")
        .unwrap_or_else(|| panic!("{units}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = r
        .send(
            M::POST,
            &format!("/api/v1/administrative-units/{lyon}/members"),
            Some(&admin),
            Some(json!({"user_id": lena_id})),
        )
        .await;
    assert_eq!(status, 204);
    let lena_before = access_token(&r.token(LENA, INITIAL).await);

    // Failed sign-ins.
    for (user, password) in [
        (LENA, WRONG[0]),
        (LENA, WRONG[0]),
        ("nobody@contoso.example", WRONG[1]),
        (ADMIN, WRONG[3]),
    ] {
        let (status, body) = r
            .send(
                M::POST,
                "/api/v1/auth/token",
                None,
                Some(json!({"username": user, "password": password})),
            )
            .await;
        assert_eq!(status, 401, "{body}");
    }

    // Wrongly typed and malformed JSON carrying password-like strings.
    let typed = [
        (
            M::POST,
            "/api/v1/auth/token".to_owned(),
            None,
            json!({"username": LENA, "password": [TYPED_WRONG[0]]}),
        ),
        (
            M::PATCH,
            format!("/api/v1/users/{lena_id}"),
            Some(admin.clone()),
            json!({"account_enabled": TYPED_WRONG[1]}),
        ),
        (
            M::POST,
            "/api/v1/users".to_owned(),
            Some(admin.clone()),
            json!({
                "user_principal_name": "x.y@contoso.example",
                "display_name": "X Y",
                "source": TYPED_WRONG[2],
                "password": INITIAL,
            }),
        ),
        (
            M::POST,
            format!("/api/v1/users/{lena_id}/reset-password"),
            Some(admin.clone()),
            json!({"password": {"value": TYPED_WRONG[3]}}),
        ),
        (
            M::POST,
            "/api/v1/me/password".to_owned(),
            Some(lena_before.clone()),
            json!({"current_password": INITIAL, "new_password": 12345, "confirm": TYPED_WRONG[4]}),
        ),
    ];
    for (method, path, token, body) in typed {
        let (status, problem) = r.send(method, &path, token.as_deref(), Some(body)).await;
        assert!(status == 400 || status == 422, "{path}: {status} {problem}");
    }
    let (status, _) = r
        .send_raw(
            "/api/v1/auth/token",
            None,
            format!(
                r#"{{"username": "{LENA}", "password": "{}""#,
                TYPED_WRONG[5]
            ),
        )
        .await;
    assert_eq!(status, 400);

    // Maria, the store manager, resets Lena's password.
    let maria = access_token(&r.token(MANAGER, DEMO_PASSWORD).await);
    let (status, reset) = r
        .send(
            M::POST,
            &format!("/api/v1/users/{lena_id}/reset-password"),
            Some(&maria),
            None,
        )
        .await;
    assert_eq!(status, 200, "{reset}");
    let reset_index = r.seen.len() - 1;
    let temp = reset["temporary_password"].as_str().unwrap().to_owned();
    let (status, _) = r.send(M::GET, "/api/v1/me", Some(&lena_before), None).await;
    assert_eq!(status, 401);

    // Lena signs in with it and chooses a new password, after two refusals.
    let pcr = r.token(LENA, &temp).await;
    assert_eq!(pcr["password_change_required"], true);
    let pcr = access_token(&pcr);
    for (current, new, code) in [
        (WRONG[2], NEW, "incorrect"),
        (temp.as_str(), WEAK_NEW, "contains_name"),
    ] {
        let (status, problem) = r
            .send(
                M::POST,
                "/api/v1/me/password",
                Some(&pcr),
                Some(json!({"current_password": current, "new_password": new})),
            )
            .await;
        assert_eq!(status, 422, "{problem}");
        assert!(problem.to_string().contains(code), "{problem}");
    }
    let (status, body) = r
        .send(
            M::POST,
            "/api/v1/me/password",
            Some(&pcr),
            Some(json!({"current_password": temp, "new_password": NEW})),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let lena_after = access_token(&r.token(LENA, NEW).await);
    let (status, _) = r.send(M::GET, "/api/v1/me", Some(&lena_after), None).await;
    assert_eq!(status, 200);

    // Lena enrols an authenticator app: its seed travels once, in the enrolment's
    // answer, and is kept sealed.
    let (status, enrolment) = r
        .send(
            M::POST,
            "/api/v1/me/authentication-methods/totp",
            Some(&lena_after),
            Some(json!({"name": "Phone"})),
        )
        .await;
    assert_eq!(status, 201, "{enrolment}");
    let enrolment_index = r.seen.len() - 1;
    let seed = enrolment["secret"].as_str().unwrap().to_owned();
    let code = totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(&seed).unwrap())
        .build()
        .unwrap()
        .generate_current()
        .to_string();
    let verify = format!(
        "/api/v1/me/authentication-methods/{}/verify",
        enrolment["id"].as_str().unwrap()
    );
    let (status, body) = r
        .send(
            M::POST,
            &verify,
            Some(&lena_after),
            Some(json!({ "code": code })),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // The administrator issues her a Temporary Access Pass, shown once; typed at the
    // password-only grant it is just a wrong password.
    let (status, issued) = r
        .send(
            M::POST,
            &format!("/api/v1/users/{lena_id}/temporary-access-pass"),
            Some(&admin),
            Some(json!({"lifetime_minutes": 30})),
        )
        .await;
    assert_eq!(status, 201, "{issued}");
    let pass_index = r.seen.len() - 1;
    let pass = issued["pass"].as_str().unwrap().to_owned();
    let pass_plain = pass.replace('-', "");
    let (status, body) = r
        .send(
            M::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"username": LENA, "password": pass})),
        )
        .await;
    assert_eq!(status, 401, "{body}");

    // An on-premises staff member gets a typed password, after a weak one.
    let (_, page) = r
        .send(M::GET, "/api/v1/users?limit=200", Some(&admin), None)
        .await;
    let on_prem = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| {
            u["source"] == "on_premises"
                && u["allowed_actions"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x == "reset_password"))
        })
        .unwrap_or_else(|| panic!("no on-premises user: {page}"))
        .clone();
    let on_prem_id = on_prem["id"].as_str().unwrap();
    let on_prem_upn = on_prem["user_principal_name"].as_str().unwrap();
    let path = format!("/api/v1/users/{on_prem_id}/reset-password");
    let (status, problem) = r
        .send(
            M::POST,
            &path,
            Some(&admin),
            Some(json!({"password": WEAK_ON_PREM})),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    let (status, body) = r
        .send(
            M::POST,
            &path,
            Some(&admin),
            Some(json!({"password": ON_PREM})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let signed_in = r.token(on_prem_upn, ON_PREM).await;
    assert_eq!(signed_in["password_change_required"], true);

    // An integration: an application with a role of its own signs in with its client
    // secret (Basic, then in the form, then a wrong one) and acts.
    let (status, registered) = r
        .send(
            M::POST,
            "/api/v1/applications",
            Some(&admin),
            Some(json!({"display_name": "HR sync", "redirect_uris": ["https://hr.contoso.example/cb"]})),
        )
        .await;
    assert_eq!(status, 201, "{registered}");
    let app_index = r.seen.len() - 1;
    let client_id = registered["client_id"].as_str().unwrap().to_owned();
    let app_secret = registered["client_secret"].as_str().unwrap().to_owned();
    let (status, body) = r
        .send(
            M::POST,
            "/api/v1/role-assignments",
            Some(&admin),
            Some(
                json!({"principal_type": "application", "principal_id": client_id,
                        "role": "helpdesk_administrator", "scope": {"type": "directory"}}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let token_url = format!("{}/oauth2/token", r.base);
    let resp = r
        .client
        .post(&token_url)
        .basic_auth(&client_id, Some(&app_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let (status, body) = r
        .record("POST /oauth2/token (basic)".to_owned(), resp)
        .await;
    assert_eq!(status, 200, "{body}");
    let app_token = access_token(&body);
    for (what, secret) in [("post", app_secret.as_str()), ("wrong", WRONG[0])] {
        let resp = r
            .client
            .post(&token_url)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client_id.as_str()),
                ("client_secret", secret),
            ])
            .send()
            .await
            .unwrap();
        r.record(format!("POST /oauth2/token ({what})"), resp).await;
    }
    let (status, body) = r
        .send(M::GET, "/api/v1/users?limit=5", Some(&app_token), None)
        .await;
    assert_eq!(status, 200, "{body}");

    // An operator sends a text message through the gateway, which delivers it.
    let sms_id = crate::sms::send(&database_url, SMS_TO, SMS_BODY, &sms_env);
    let delivered = receiver.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(delivered[0].json()["body"], SMS_BODY);
    assert_eq!(delivered[0].webhook_id.as_deref(), Some(sms_id.as_str()));

    // The audit trail as the administrator reads and exports it.
    r.send(M::GET, "/api/v1/audit-logs?limit=200", Some(&admin), None)
        .await;
    let resp = r
        .client
        .get(format!("{}/api/v1/audit-logs", r.base))
        .bearer_auth(&admin)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    r.record("GET /api/v1/audit-logs (csv)".to_owned(), resp)
        .await;

    server.stop().await;

    // Where to look.
    let log = read_lossy(&log_path);
    assert!(log.contains("request completed"), "{log}");
    assert!(log.contains("\"level\":\"DEBUG\""), "no debug lines: {log}");
    assert!(
        log.contains("/api/v1/me/password") && log.contains("reset-password"),
        "the log does not cover the scenario"
    );
    assert!(
        log.contains("SMS delivered") && log.contains(&sms_id),
        "the log does not cover the text message"
    );
    let audit = audit_dump(&database_url).await;
    assert!(audit.contains("Reset password (by admin)"));
    assert!(audit.contains("Change password (self)"));
    let db_files: String = ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| read_lossy(&PathBuf::from(format!("{}{suffix}", db_path.display()))))
        .collect();

    let mut secrets: Vec<&str> = vec![DEMO_PASSWORD, INITIAL, NEW, WEAK_NEW, ON_PREM, WEAK_ON_PREM];
    secrets.extend(WRONG);
    secrets.extend(TYPED_WRONG);
    secrets.push(&temp);
    secrets.extend([seed.as_str(), pass.as_str(), pass_plain.as_str()]);
    secrets.push(&app_secret);
    secrets.extend([SMS_TO, SMS_TO_E164, SMS_TO_NATIONAL, SMS_BODY, SMS_CODE]);
    let mut leaks = Vec::new();
    for secret in &secrets {
        if log.contains(secret) {
            leaks.push(format!("{secret} in the server log"));
        }
        if audit.contains(secret) {
            leaks.push(format!("{secret} in the audit events"));
        }
        if db_files.contains(secret) {
            leaks.push(format!("{secret} in the database files"));
        }
        for (i, (what, status, text)) in r.seen.iter().enumerate() {
            let expected = (i == reset_index && *secret == temp)
                || (i == enrolment_index && *secret == seed)
                || (i == pass_index && *secret == pass)
                || (i == app_index && *secret == app_secret);
            if text.contains(secret) && !expected {
                leaks.push(format!(
                    "{secret} in the response to {what} ({status}): {text}"
                ));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "passwords, seeds, passes, client secrets or text messages leaked:\n{}",
        leaks.join("\n")
    );
    // The one place the temporary password belongs.
    assert!(r.seen[reset_index].2.contains(&temp));
}

#[tokio::test]
async fn a_wrongly_typed_string_is_not_echoed_back() {
    use crate::helpers::{assert_problem, TestApp};
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app
        .create_user(&admin, "ana.lopez@contoso.example", "Ana Lopez")
        .await;
    for (path, body, secret) in [
        (
            format!("/api/v1/users/{user}"),
            json!({"account_enabled": "Typo-Secret-Badger-52"}),
            "Typo-Secret-Badger-52",
        ),
        (
            "/api/v1/settings/my-staff".to_owned(),
            json!({"access": "selected", "selected_user_ids": "Typo-Secret-Heron-57"}),
            "Typo-Secret-Heron-57",
        ),
    ] {
        let method = if path.contains("settings") {
            Method::PUT
        } else {
            Method::PATCH
        };
        let resp = app
            .request(method, &path, Some(&admin))
            .json(&body)
            .send()
            .await
            .unwrap();
        let problem = assert_problem(resp, 422, "validation_failed").await;
        assert!(
            !problem.to_string().contains(secret),
            "{path} echoes the value: {problem}"
        );
    }
}

/// The same for users synced from Active Directory: the service account's password
/// (given in the environment), and every password typed for a domain user (wrong,
/// refused by the domain, written back, changed there, sent while the DC is down)
/// never reach the log at debug level, a response, the audit trail or the database.
#[tokio::test]
async fn no_directory_password_reaches_the_log_a_response_or_the_audit_trail() {
    use crate::ad::Dc;
    const AD_START: &str = "Indigo-Harbor-Kite-71";
    const AD_WRONG: &str = "Wrong-Domain-Guess-72";
    const AD_WEAK: &str = "abc";
    const AD_RESET: &str = "Copper-Valley-Drum-73";
    const AD_WRONG_CURRENT: &str = "Wrong-Current-Owl-74";
    const AD_CHANGED: &str = "Silver-Orchard-Bell-75";
    const AD_DURING_OUTAGE: &str = "Amber-Outage-Crane-76";
    let Some(dc) = Dc::lock().await else { return };
    let ou = dc.ou();
    let ad = dc.create_user(&ou, "Ines", "Duarte", AD_START);
    let bind_password = dc.admin_password();

    let Served {
        mut server,
        mut r,
        database_url,
        db_path,
        log_path,
    } = Served::start(&[
        ("OPENSTAFF_LDAP_URL", dc.url()),
        (
            "OPENSTAFF_LDAP_BIND_DN",
            format!("CN=Administrator,CN=Users,{}", crate::ad::BASE_DN),
        ),
        ("OPENSTAFF_LDAP_BIND_PASSWORD", bind_password.clone()),
        ("OPENSTAFF_LDAP_BASE_DN", ou.dn.clone()),
        ("OPENSTAFF_LDAP_CA_FILE", dc.ca_file().display().to_string()),
    ])
    .await;
    use Method as M;

    // The server's own sync (it runs at start) brings Ines in from the domain.
    let admin = access_token(&r.token(ADMIN, DEMO_PASSWORD).await);
    let search = format!("{}/api/v1/users?search={}", r.base, ad.sam);
    let id: String = eventually("the sync to bring Ines in", Duration::from_secs(30), || {
        let probe = r.client.get(&search).bearer_auth(&admin).send();
        async move {
            let page: Value = probe.await.ok()?.json().await.ok()?;
            page["items"][0]["id"].as_str().map(str::to_owned)
        }
    })
    .await;

    let (status, _) = r
        .send(
            M::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"username": ad.upn, "password": AD_WRONG})),
        )
        .await;
    assert_eq!(status, 401);
    r.token(&ad.upn, AD_START).await;
    let reset = format!("/api/v1/users/{id}/reset-password");
    let (status, _) = r
        .send(
            M::POST,
            &reset,
            Some(&admin),
            Some(json!({"password": AD_WEAK})),
        )
        .await;
    assert_eq!(status, 422);
    let (status, body) = r
        .send(
            M::POST,
            &reset,
            Some(&admin),
            Some(json!({"password": AD_RESET})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let change_only = access_token(&r.token(&ad.upn, AD_RESET).await);
    let (status, _) = r
        .send(
            M::POST,
            "/api/v1/me/password",
            Some(&change_only),
            Some(json!({"current_password": AD_WRONG_CURRENT, "new_password": AD_CHANGED})),
        )
        .await;
    assert_eq!(status, 422);
    let (status, body) = r
        .send(
            M::POST,
            "/api/v1/me/password",
            Some(&change_only),
            Some(json!({"current_password": AD_RESET, "new_password": AD_CHANGED})),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    r.token(&ad.upn, AD_CHANGED).await;
    dc.stop();
    let (status, _) = r
        .send(
            M::POST,
            &reset,
            Some(&admin),
            Some(json!({"password": AD_DURING_OUTAGE})),
        )
        .await;
    assert_eq!(status, 503);
    dc.start();

    server.stop().await;
    let log = read_lossy(&log_path);
    assert!(
        log.contains("directory"),
        "the log covers the directory: {log}"
    );
    let audit = audit_dump(&database_url).await;
    let db_files: String = ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| read_lossy(&PathBuf::from(format!("{}{suffix}", db_path.display()))))
        .collect();
    let secrets = [
        bind_password.as_str(),
        AD_START,
        AD_WRONG,
        AD_RESET,
        AD_WRONG_CURRENT,
        AD_CHANGED,
        AD_DURING_OUTAGE,
    ];
    let mut leaks = Vec::new();
    for secret in secrets {
        if log.contains(secret) {
            leaks.push(format!("{secret} in the server log"));
        }
        if audit.contains(secret) {
            leaks.push(format!("{secret} in the audit events"));
        }
        if db_files.contains(secret) {
            leaks.push(format!("{secret} in the database files"));
        }
        for (what, status, text) in &r.seen {
            if text.contains(secret) {
                leaks.push(format!("{secret} in the response to {what} ({status})"));
            }
        }
    }
    // "abc" is too short to scan for; the 422 must still not echo it as a value.
    for (what, _, text) in &r.seen {
        if text.contains("\"abc\"") {
            leaks.push(format!("the refused password in the response to {what}"));
        }
    }
    assert!(
        leaks.is_empty(),
        "passwords, seeds or passes leaked:\n{}",
        leaks.join("\n")
    );
}

/// Sign-in badges (issue 14): the credential a badge's QR code holds travels once,
/// in the issue answer (with the printable badge), and its PINs (chosen, mistyped,
/// refused, right) only in the hosted page's forms: none of them reaches the log at
/// debug level, another response, the audit trail or the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_badge_credential_or_pin_reaches_the_log_a_response_or_the_audit_trail() {
    use crate::oidc::{field, pkce, Browser};
    use shared::first_party::{WEB_APP, WEB_APP_CALLBACK_PATH, WEB_APP_SCOPE};
    const PIN: &str = "59380271";
    const WEAK_PIN: &str = "36363636";
    const MISMATCH: &str = "40719286";
    const WRONG_PIN: &str = "71625340";
    const UNKNOWN_BADGE: &str = "OSB1.QZXW6YTBOIQZXW6YTBOIQZXW6YTBOIQZ";
    let Served {
        mut server,
        mut r,
        database_url,
        db_path,
        log_path,
    } = Served::start(&[]).await;

    // Maria issues a badge to a member of her store.
    let maria = access_token(&r.token(MANAGER, DEMO_PASSWORD).await);
    let (_, units) = r
        .send(
            Method::GET,
            "/api/v1/me/administrative-units",
            Some(&maria),
            None,
        )
        .await;
    let unit = units["items"][0]["id"].as_str().unwrap().to_owned();
    let (_, members) = r
        .send(
            Method::GET,
            &format!("/api/v1/administrative-units/{unit}/members?limit=200"),
            Some(&maria),
            None,
        )
        .await;
    let staff = members["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| {
            u["allowed_actions"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == "manage_badges"))
        })
        .unwrap_or_else(|| panic!("no one Maria may issue a badge to: {members}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, issued) = r
        .send(
            Method::POST,
            &format!("/api/v1/users/{staff}/badges"),
            Some(&maria),
            Some(json!({"valid_days": 30})),
        )
        .await;
    assert_eq!(status, 201, "{issued}");
    let issue_index = r.seen.len() - 1;
    let credential = issued["credential"].as_str().unwrap().to_owned();
    let badge_id = issued["badge"]["id"].as_str().unwrap().to_owned();

    // At the till, twice: the first use (an unknown badge, a weak PIN, two that
    // differ, then the PIN), and a later one (a wrong PIN, then the right one).
    let base = r.base.clone();
    let authorize = {
        let (_, challenge) = pkce();
        let mut u = url::Url::parse(&format!("{base}/oauth2/authorize")).unwrap();
        u.query_pairs_mut()
            .append_pair("client_id", &WEB_APP.to_string())
            .append_pair("redirect_uri", &format!("{base}{WEB_APP_CALLBACK_PATH}"))
            .append_pair("response_type", "code")
            .append_pair("scope", WEB_APP_SCOPE)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        u.to_string()
    };
    let typed = format!("{}\n", credential.to_lowercase());
    let visits: [&[(&str, &str, &str)]; 2] = [
        &[
            ("/oauth2/badge", "credential", UNKNOWN_BADGE),
            ("/oauth2/badge", "credential", &typed),
            ("/oauth2/badge-pin", "pin", WEAK_PIN),
            ("/oauth2/badge-pin", "mismatch", PIN),
            ("/oauth2/badge-pin", "pin", PIN),
        ],
        &[
            ("/oauth2/badge", "credential", &credential),
            ("/oauth2/badge-pin", "pin", WRONG_PIN),
            ("/oauth2/badge-pin", "pin", PIN),
        ],
    ];
    for steps in visits {
        let mut b = Browser::new();
        let resp = b.get(&base, &authorize).await;
        r.record("GET /oauth2/authorize".to_owned(), resp).await;
        let mut page = r.seen.last().unwrap().2.clone();
        let form = |page: &str| (field(page, "request"), field(page, "csrf"));
        let (request, csrf) = form(&page);
        let resp = b
            .post_form(
                &base,
                "/oauth2/badge",
                &[("request", &request), ("csrf", &csrf)],
            )
            .await;
        r.record("POST /oauth2/badge (open)".to_owned(), resp).await;
        page = r.seen.last().unwrap().2.clone();
        for (path, kind, value) in steps.iter().copied() {
            let (request, csrf) = form(&page);
            let mut fields = vec![("request", request.as_str()), ("csrf", csrf.as_str())];
            match kind {
                "credential" => fields.push(("credential", value)),
                "mismatch" => fields.extend([("pin", value), ("confirm_pin", MISMATCH)]),
                _ => fields.extend([("pin", value), ("confirm_pin", value)]),
            }
            let resp = b.post_form(&base, path, &fields).await;
            let (status, _) = r.record(format!("POST {path} ({kind})"), resp).await;
            page = r.seen.last().unwrap().2.clone();
            if path == "/oauth2/badge-pin" && value == PIN && kind == "pin" {
                assert_eq!(status, 303, "signed in: {page}");
            } else {
                assert_eq!(status, 200, "{path} {kind}: {page}");
            }
        }
    }
    let (status, listed) = r
        .send(
            Method::GET,
            &format!("/api/v1/users/{staff}/badges"),
            Some(&maria),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(listed["items"][0]["status"], "active", "{listed}");
    let unlock = format!("/api/v1/users/{staff}/badges/{badge_id}/unlock");
    assert_eq!(
        r.send(Method::POST, &unlock, Some(&maria), None).await.0,
        204
    );
    let revoke = format!("/api/v1/users/{staff}/badges/{badge_id}");
    assert_eq!(
        r.send(Method::DELETE, &revoke, Some(&maria), None).await.0,
        204
    );
    r.send(
        Method::GET,
        "/api/v1/audit-logs?limit=200",
        Some(&maria),
        None,
    )
    .await;

    server.stop().await;
    let log = read_lossy(&log_path);
    assert!(
        log.contains("/oauth2/badge-pin"),
        "the log covers the scenario"
    );
    let audit = audit_dump(&database_url).await;
    for activity in [
        "Issue badge",
        "Set badge PIN",
        "Unlock badge",
        "Revoke badge",
    ] {
        assert!(audit.contains(activity), "{activity}");
    }
    assert!(audit.contains("Badge and PIN") && audit.contains("invalid_pin"));
    let db_files: String = ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| read_lossy(&PathBuf::from(format!("{}{suffix}", db_path.display()))))
        .collect();

    let body = &credential["OSB1.".len()..];
    let lower = credential.to_lowercase();
    let mut leaks = Vec::new();
    for secret in [
        credential.as_str(),
        body,
        lower.as_str(),
        &UNKNOWN_BADGE[5..],
    ] {
        if log.contains(secret) {
            leaks.push(format!("{secret} in the server log"));
        }
        if audit.contains(secret) {
            leaks.push(format!("{secret} in the audit events"));
        }
        if db_files.contains(secret) {
            leaks.push(format!("{secret} in the database files"));
        }
        for (i, (what, status, text)) in r.seen.iter().enumerate() {
            if i != issue_index && text.contains(secret) {
                leaks.push(format!("{secret} in the response to {what} ({status})"));
            }
        }
    }
    // A PIN is digits: looked for where no digit stands next to it, so a timestamp
    // that happens to contain its digits is not taken for it.
    for pin in [PIN, WEAK_PIN, MISMATCH, WRONG_PIN] {
        let alone = regex::Regex::new(&format!("(^|[^0-9]){pin}([^0-9]|$)")).unwrap();
        if alone.is_match(&log) {
            leaks.push(format!("PIN {pin} in the server log"));
        }
        if alone.is_match(&audit) {
            leaks.push(format!("PIN {pin} in the audit events"));
        }
        if alone.is_match(&db_files) {
            leaks.push(format!("PIN {pin} in the database files"));
        }
        for (what, status, text) in &r.seen {
            if alone.is_match(text) {
                leaks.push(format!("PIN {pin} in the response to {what} ({status})"));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "badge credentials or PINs leaked:\n{}",
        leaks.join("\n")
    );
    assert!(r.seen[issue_index].2.contains(&credential));
}

/// Self-service reset and SMS sign-in by text message (issue 14): the mobile number a
/// manager registers is shown to her once, masked everywhere after; the codes travel
/// only in the text messages (to the webhook receiver); the new password only in the
/// reset form. None of them reaches the log at debug level, another response, the
/// audit trail or the database files in clear.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_text_code_mobile_number_or_reset_password_reaches_the_log_a_response_or_the_audit_trail(
) {
    use crate::oidc::{pkce, post_page_form, Browser};
    use shared::first_party::{WEB_APP, WEB_APP_CALLBACK_PATH, WEB_APP_SCOPE};
    const STAFF: &str = "noor.sspr@contoso.example";
    const MOBILE: &str = "+33 6 71 82 93 04";
    const MOBILE_E164: &str = "+33671829304";
    const MOBILE_NATIONAL: &str = "671829304";
    const RESET_TO: &str = "Amber-Lighthouse-Orchard-57";
    const WEAK_RESET: &str = "noorsspr";
    const WRONG_CODE: &str = "31415926";
    let receiver = crate::sms::Receiver::start(|_, _| 200).await;
    let sms_env = crate::sms::webhook_env(&format!("{}/sms", receiver.base));
    let Served {
        mut server,
        mut r,
        database_url,
        db_path,
        log_path,
    } = Served::start(&sms_env).await;
    let admin = access_token(&r.token(ADMIN, DEMO_PASSWORD).await);
    let (status, staff) = r
        .send(
            Method::POST,
            "/api/v1/users",
            Some(&admin),
            Some(json!({
                "user_principal_name": STAFF,
                "display_name": "Noor Sspr",
                "source": "cloud",
                "password": INITIAL,
            })),
        )
        .await;
    assert_eq!(status, 201, "{staff}");
    let staff_id = staff["id"].as_str().unwrap().to_owned();
    let (status, _) = r
        .send(
            Method::PUT,
            &format!("/api/v1/users/{staff_id}/phone-methods/mobile"),
            Some(&admin),
            Some(json!({ "phone_number": MOBILE })),
        )
        .await;
    assert!(status < 300, "{status}");
    // The one answer that carries the number: the registration's, to the admin.
    let registered_index = r.seen.len() - 1;
    let (status, _) = r
        .send(
            Method::PUT,
            "/api/v1/settings/sign-in",
            Some(&admin),
            Some(json!({"mfa_for_everyone": false, "sms_sign_in": true})),
        )
        .await;
    assert_eq!(status, 200);

    let base = r.base.clone();
    let authorize = || {
        let (_, challenge) = pkce();
        let mut u = url::Url::parse(&format!("{base}/oauth2/authorize")).unwrap();
        u.query_pairs_mut()
            .append_pair("client_id", &WEB_APP.to_string())
            .append_pair("redirect_uri", &format!("{base}{WEB_APP_CALLBACK_PATH}"))
            .append_pair("response_type", "code")
            .append_pair("scope", WEB_APP_SCOPE)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        u.to_string()
    };
    let mut codes = Vec::new();
    // The reset, then an SMS sign-in: each a wrong code, then the right one.
    for (flow, last_path) in [
        ("reset", "/oauth2/reset/verify"),
        ("sms", "/oauth2/sms/verify"),
    ] {
        let mut b = Browser::new();
        let resp = b.get(&base, &authorize()).await;
        r.record(format!("GET /oauth2/authorize ({flow})"), resp)
            .await;
        let mut page = r.seen.last().unwrap().2.clone();
        let resp = post_page_form(&mut b, &base, &format!("/oauth2/{flow}"), &page, &[]).await;
        r.record(format!("POST /oauth2/{flow}"), resp).await;
        page = r.seen.last().unwrap().2.clone();
        let resp = post_page_form(
            &mut b,
            &base,
            &format!("/oauth2/{flow}/send"),
            &page,
            &[("username", STAFF)],
        )
        .await;
        r.record(format!("POST /oauth2/{flow}/send"), resp).await;
        page = r.seen.last().unwrap().2.clone();
        let delivered = receiver
            .wait_for(codes.len() + 1, Duration::from_secs(20))
            .await;
        let text = delivered.last().unwrap().json()["body"]
            .as_str()
            .unwrap()
            .to_owned();
        let code: String = text.chars().take(8).collect();
        assert!(code.bytes().all(|c| c.is_ascii_digit()), "{text}");
        assert_ne!(code, WRONG_CODE);
        codes.push(code.clone());
        let resp = post_page_form(&mut b, &base, last_path, &page, &[("code", WRONG_CODE)]).await;
        let (status, _) = r.record(format!("POST {last_path} (wrong)"), resp).await;
        assert_eq!(status, 200);
        page = r.seen.last().unwrap().2.clone();
        let resp = post_page_form(&mut b, &base, last_path, &page, &[("code", &code)]).await;
        let (status, _) = r.record(format!("POST {last_path} (right)"), resp).await;
        page = r.seen.last().unwrap().2.clone();
        if flow == "reset" {
            assert_eq!(status, 200, "{page}");
            for new in [WEAK_RESET, RESET_TO] {
                let resp = post_page_form(
                    &mut b,
                    &base,
                    "/oauth2/reset/password",
                    &page,
                    &[("new_password", new), ("confirm_password", new)],
                )
                .await;
                r.record(format!("POST /oauth2/reset/password ({new:.4})"), resp)
                    .await;
                page = r.seen.last().unwrap().2.clone();
            }
            assert!(page.contains("Your password has been reset"), "{page}");
        } else {
            assert_eq!(status, 303, "signed in by text: {page}");
        }
    }
    // The new password works.
    access_token(&r.token(STAFF, RESET_TO).await);
    r.send(
        Method::GET,
        "/api/v1/audit-logs?limit=200",
        Some(&admin),
        None,
    )
    .await;

    server.stop().await;
    let log = read_lossy(&log_path);
    assert!(log.contains("/oauth2/reset/password") && log.contains("SMS delivered"));
    let audit = audit_dump(&database_url).await;
    assert!(audit.contains("Reset password (self-service)"), "{audit}");
    assert!(audit.contains("Text message code"), "{audit}");
    // The scan can see: what is no secret (the sign-in name) is found where it is.
    assert!(audit.contains(STAFF) && log.contains(&staff_id));
    let db_files: String = ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| read_lossy(&PathBuf::from(format!("{}{suffix}", db_path.display()))))
        .collect();

    // The number is the user's (its row in `phone_methods` holds it, as a directory
    // does); the tables the text-code path writes must not.
    let mut code_tables = String::new();
    for (table, order) in [
        ("sms_messages", "id"),
        ("one_time_codes", "id"),
        ("rate_limits", "key"),
        ("provider_sessions", "sid"),
    ] {
        code_tables.push_str(&table_dump(&database_url, table, order).await);
    }
    assert!(code_tables.contains("sms:"), "the rate limits were read");
    let mut leaks = Vec::new();
    let mut look = |what: String, secret: &str, digits: bool| {
        // Digits are looked for where no digit stands next to them (a timestamp that
        // happens to hold them is not a leak).
        let alone =
            regex::Regex::new(&format!("(^|[^0-9]){}([^0-9]|$)", regex::escape(secret))).unwrap();
        let found = |text: &str| {
            if digits {
                alone.is_match(text)
            } else {
                text.contains(secret)
            }
        };
        if found(&log) {
            leaks.push(format!("{what} in the server log"));
        }
        if found(&audit) {
            leaks.push(format!("{what} in the audit events"));
        }
        let db = if what.starts_with("number") {
            &code_tables
        } else {
            &db_files
        };
        if found(db) {
            leaks.push(format!("{what} in the database"));
        }
        for (i, (seen, status, text)) in r.seen.iter().enumerate() {
            if i != registered_index && found(text) {
                leaks.push(format!("{what} in the response to {seen} ({status})"));
            }
        }
    };
    for code in codes.iter().map(String::as_str).chain([WRONG_CODE]) {
        look(format!("code {code}"), code, true);
    }
    for number in [MOBILE, MOBILE_E164, MOBILE_NATIONAL] {
        look(format!("number {number}"), number, true);
    }
    for password in [RESET_TO, WEAK_RESET] {
        look(format!("password {password}"), password, false);
    }
    assert!(
        leaks.is_empty(),
        "text-message secrets leaked:\n{}",
        leaks.join("\n")
    );
}
