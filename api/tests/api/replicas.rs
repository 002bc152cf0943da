//! Production topology on PostgreSQL: two `openstaff serve` processes on one
//! database, key rotation across them, and a database outage. These need a
//! PostgreSQL server, so they are ignored by default and run by `make test-pg`
//! (`--include-ignored`).

use crate::helpers::{eventually, postgres_admin_url, ADMIN_PASSWORD, ADMIN_UPN};
use reqwest::Client;
use serde_json::{json, Value};
use shared::dto;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const NEEDS_PG: &str = "needs PostgreSQL: run by make test-pg";

/// A real `openstaff serve` process, killed on drop.
struct Replica {
    child: Child,
    base: String,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_replica(db: &str, env: &[(&str, &str)]) -> Replica {
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_openstaff"));
    cmd.args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", db)
        .env("RUST_LOG", "warn")
        // The admins here sign in with the password grant.
        .env("OPENSTAFF_ADMIN_MFA", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut replica = Replica {
        child: cmd.spawn().unwrap(),
        base: format!("http://127.0.0.1:{port}"),
    };
    let client = Client::new();
    let readyz = format!("{}/readyz", replica.base);
    eventually(
        &format!("{} to be ready", replica.base),
        Duration::from_secs(30),
        || {
            let exited = replica.child.try_wait().unwrap();
            let probe = client.get(&readyz).send();
            async move {
                if let Some(status) = exited {
                    panic!("the replica exited with {status} before it was ready");
                }
                probe.await.is_ok_and(|r| r.status() == 200).then_some(())
            }
        },
    )
    .await;
    replica
}

/// Answers 200 to `/readyz`.
async fn ready(c: &Client, base: &str) -> bool {
    c.get(format!("{base}/readyz"))
        .send()
        .await
        .is_ok_and(|r| r.status() == 200)
}

/// `openstaff ARGS`, which must succeed.
async fn cli(db: &str, args: &[&str], stdin: &str) -> std::process::Output {
    let out = crate::cli::openstaff(db, args, stdin).await;
    assert!(
        out.status.success(),
        "openstaff {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A fresh database with an administrator, through the CLI like an operator would.
async fn fresh_database() -> (String, String, String) {
    let admin = postgres_admin_url().expect(NEEDS_PG);
    let name = format!("openstaff_replicas_{}", uuid::Uuid::now_v7().simple());
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&admin).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let db = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
    cli(
        &db,
        &["create-admin", "--upn", ADMIN_UPN],
        &format!("{ADMIN_PASSWORD}\n"),
    )
    .await;
    (db, admin, name)
}

async fn drop_database(admin: &str, name: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::AnyConnection::connect(admin).await.unwrap();
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await;
}

async fn sign_in(c: &Client, base: &str, upn: &str, pw: &str) -> reqwest::Response {
    c.post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"username": upn, "password": pw}))
        .send()
        .await
        .unwrap()
}

async fn token(c: &Client, base: &str, upn: &str, pw: &str) -> String {
    let r = sign_in(c, base, upn, pw).await;
    assert_eq!(r.status(), 200, "sign-in of {upn} on {base}");
    r.json::<dto::TokenResponse>().await.unwrap().access_token
}

async fn create_user(c: &Client, base: &str, admin: &str, upn: &str) -> reqwest::Response {
    c.post(format!("{base}/api/v1/users"))
        .bearer_auth(admin)
        .json(&json!({
            "user_principal_name": upn, "display_name": "Replica Person",
            "source": "cloud", "password": crate::helpers::USER_PASSWORD,
        }))
        .send()
        .await
        .unwrap()
}

fn kid_of(token: &str) -> String {
    use base64::Engine;
    let header = token.split('.').next().unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap();
    serde_json::from_slice::<Value>(&bytes).unwrap()["kid"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
#[ignore = "needs PostgreSQL: run by make test-pg"]
async fn two_replicas_share_tokens_revocation_lockout_limits_and_the_audit_chain() {
    let (db, admin_url, name) = fresh_database().await;
    let env = [
        ("OPENSTAFF_SIGNIN_RATE_PER_MINUTE", "1000"),
        ("OPENSTAFF_KEY_REFRESH_SECONDS", "1"),
    ];
    let a = start_replica(&db, &env).await;
    let b = start_replica(&db, &env).await;
    let c = Client::new();

    // A token from one replica works on the other.
    let admin = token(&c, &a.base, ADMIN_UPN, ADMIN_PASSWORD).await;
    let me = c
        .get(format!("{}/api/v1/me", b.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let jwks_a: Value = c
        .get(format!("{}/.well-known/jwks.json", a.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwks_b: Value = c
        .get(format!("{}/.well-known/jwks.json", b.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks_a, jwks_b);

    // A reset through A ends the target's tokens on B.
    let r = create_user(&c, &a.base, &admin, "rita.replica@contoso.example").await;
    assert_eq!(r.status(), 201);
    let rita_id = r.json::<dto::User>().await.unwrap().id;
    let rita_token = token(
        &c,
        &b.base,
        "rita.replica@contoso.example",
        crate::helpers::USER_PASSWORD,
    )
    .await;
    let reset = c
        .post(format!("{}/api/v1/users/{rita_id}/reset-password", a.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    let after = c
        .get(format!("{}/api/v1/me", b.base))
        .bearer_auth(&rita_token)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);

    // Lockout counts failures on both replicas.
    let r = create_user(&c, &b.base, &admin, "lars.lock@contoso.example").await;
    assert_eq!(r.status(), 201);
    for i in 0..5 {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        let r = sign_in(&c, base, "lars.lock@contoso.example", "Wrong-Password-000").await;
        assert_eq!(r.status(), 401);
    }
    for base in [&a.base, &b.base] {
        let r = sign_in(
            &c,
            base,
            "lars.lock@contoso.example",
            crate::helpers::USER_PASSWORD,
        )
        .await;
        assert_eq!(r.status(), 401);
        let body: dto::Problem = r.json().await.unwrap();
        assert_eq!(
            body.code,
            shared::ErrorCode::AccountLocked,
            "{}",
            body.detail
        );
    }

    // Concurrent audited writes through both replicas keep one valid chain.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let base = if i % 2 == 0 {
            a.base.clone()
        } else {
            b.base.clone()
        };
        let (c, admin) = (c.clone(), admin.clone());
        tasks.push(tokio::spawn(async move {
            create_user(&c, &base, &admin, &format!("bulk.{i}@contoso.example"))
                .await
                .status()
                .as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 201);
    }
    let verify = cli(&db, &["audit", "verify"], "").await;
    assert!(String::from_utf8_lossy(&verify.stdout).contains("verified"));
    drop((a, b));
    drop_database(&admin_url, &name).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: run by make test-pg"]
async fn the_sign_in_rate_limit_holds_across_replicas() {
    let (db, admin_url, name) = fresh_database().await;
    let env = [("OPENSTAFF_SIGNIN_RATE_PER_MINUTE", "6")];
    let a = start_replica(&db, &env).await;
    let b = start_replica(&db, &env).await;
    let c = Client::new();
    for i in 0..6 {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        let r = sign_in(&c, base, "nobody@contoso.example", "x-x-x-x").await;
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    for base in [&a.base, &b.base] {
        let r = sign_in(&c, base, "nobody@contoso.example", "x-x-x-x").await;
        assert_eq!(r.status(), 429);
        assert!(r.headers().contains_key("retry-after"));
    }
    drop((a, b));
    drop_database(&admin_url, &name).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: run by make test-pg"]
async fn a_rotated_key_is_published_before_it_signs_and_old_tokens_keep_working() {
    let (db, admin_url, name) = fresh_database().await;
    let env = [
        ("OPENSTAFF_SIGNIN_RATE_PER_MINUTE", "1000"),
        ("OPENSTAFF_KEY_REFRESH_SECONDS", "1"),
    ];
    let a = start_replica(&db, &env).await;
    let b = start_replica(&db, &env).await;
    let c = Client::new();
    let old = token(&c, &a.base, ADMIN_UPN, ADMIN_PASSWORD).await;
    let old_kid = kid_of(&old);

    let jwks_kids = |base: String| {
        let c = c.clone();
        async move {
            let v: Value = c
                .get(format!("{base}/.well-known/jwks.json"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["kid"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    // A replica has picked up a rotation once its key refresh publishes the new key;
    // that same refresh decides which key signs.
    let published = |base: &String, kid: &String| {
        let kids = jwks_kids(base.clone());
        let kid = kid.clone();
        async move { kids.await.contains(&kid).then_some(()) }
    };
    // Published for an hour before it signs: both replicas list it, neither signs with it.
    let out = cli(
        &db,
        &["keys", "rotate", "--publish-for-seconds", "3600"],
        "",
    )
    .await;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let new_kid = text
        .split_whitespace()
        .nth(2)
        .unwrap()
        .trim_end_matches(':')
        .to_owned();
    for base in [&a.base, &b.base] {
        eventually(
            &format!("{base} to publish {new_kid}"),
            Duration::from_secs(20),
            || published(base, &new_kid),
        )
        .await;
        assert!(jwks_kids(base.clone()).await.contains(&old_kid));
    }
    let still_old = token(&c, &b.base, ADMIN_UPN, ADMIN_PASSWORD).await;
    assert_eq!(kid_of(&still_old), old_kid);

    // Rotated again with no publication delay: the newest key signs, and tokens
    // signed by the previous keys still verify on both replicas.
    let out = cli(&db, &["keys", "rotate", "--publish-for-seconds", "0"], "").await;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let newest = text
        .split_whitespace()
        .nth(2)
        .unwrap()
        .trim_end_matches(':')
        .to_owned();
    for base in [&a.base, &b.base] {
        eventually(
            &format!("{base} to publish {newest}"),
            Duration::from_secs(20),
            || published(base, &newest),
        )
        .await;
        let t = token(&c, base, ADMIN_UPN, ADMIN_PASSWORD).await;
        assert_eq!(
            kid_of(&t),
            newest,
            "{base} published {newest} but signs with another"
        );
        let r = c
            .get(format!("{base}/api/v1/me"))
            .bearer_auth(&old)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "old token on {base}");
    }
    drop((a, b));
    drop_database(&admin_url, &name).await;
}

/// Kills a PostgreSQL server of its own mid-traffic: the API answers 503 while it is
/// down, recovers by itself, and loses no acknowledged write.
#[tokio::test]
#[ignore = "needs PostgreSQL: run by make test-pg"]
async fn the_api_rides_out_a_database_restart_without_losing_acknowledged_writes() {
    postgres_admin_url().expect(NEEDS_PG);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/pg-test.sh");
    let port = free_port().to_string();
    let data = format!("/tmp/openstaff-outage-pg-{port}");
    let pg = |verb: &str| {
        let ok = Command::new("bash")
            .args([script, verb])
            .env("OPENSTAFF_TEST_PG_PORT", &port)
            .env("OPENSTAFF_TEST_PG_DATA", &data)
            .status()
            .unwrap()
            .success();
        assert!(ok, "pg-test.sh {verb}");
    };
    struct Cleanup<F: FnMut()>(F);
    impl<F: FnMut()> Drop for Cleanup<F> {
        fn drop(&mut self) {
            (self.0)();
        }
    }
    pg("start");
    let _cleanup = Cleanup(|| {
        let _ = Command::new("bash")
            .args([script, "stop"])
            .env("OPENSTAFF_TEST_PG_PORT", &port)
            .env("OPENSTAFF_TEST_PG_DATA", &data)
            .status();
    });
    let db = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    cli(
        &db,
        &["create-admin", "--upn", ADMIN_UPN],
        &format!("{ADMIN_PASSWORD}\n"),
    )
    .await;
    let server = start_replica(&db, &[("OPENSTAFF_SIGNIN_RATE_PER_MINUTE", "1000")]).await;
    let c = Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let admin = token(&c, &server.base, ADMIN_UPN, ADMIN_PASSWORD).await;

    let mut acknowledged = Vec::new();
    for i in 0..10 {
        let r = create_user(
            &c,
            &server.base,
            &admin,
            &format!("before.{i}@contoso.example"),
        )
        .await;
        assert_eq!(r.status(), 201);
        acknowledged.push(r.json::<dto::User>().await.unwrap().id);
    }

    pg("kill");
    let mut saw_503 = false;
    for i in 0..5 {
        let r = create_user(
            &c,
            &server.base,
            &admin,
            &format!("during.{i}@contoso.example"),
        )
        .await;
        let status = r.status().as_u16();
        assert!(
            status == 503 || status == 401,
            "during the outage: {status}"
        );
        if status == 503 {
            saw_503 = true;
            let body: dto::Problem = r.json().await.unwrap();
            assert_eq!(body.code, shared::ErrorCode::ServiceUnavailable);
        }
    }
    let readyz = c
        .get(format!("{}/readyz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(readyz.status(), 503);
    assert!(saw_503, "writes during the outage never answered 503");
    assert_eq!(
        c.get(format!("{}/healthz", server.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    pg("resume");
    eventually("the API to recover", Duration::from_secs(30), || async {
        ready(&c, &server.base).await.then_some(())
    })
    .await;
    let r = create_user(&c, &server.base, &admin, "after@contoso.example").await;
    assert_eq!(r.status(), 201);
    for id in &acknowledged {
        let r = c
            .get(format!("{}/api/v1/users/{id}", server.base))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "acknowledged user {id} was lost");
    }
}

/// Reads one HTTP/1.1 response head from a raw connection; returns its status.
async fn read_status(conn: &mut tokio::net::TcpStream) -> u16 {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(30), conn.read(&mut chunk))
            .await
            .expect("no response within 30 s")
            .expect("read failed");
        assert!(n > 0, "the server closed the connection without answering");
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf);
    head.split(' ').nth(1).unwrap().parse().unwrap()
}

/// `SIGTERM` stops accepting connections but finishes the requests it is receiving.
/// Each request below is known to be in the server's hands when the signal arrives
/// (it sent `Expect: 100-continue` and the server answered `100 Continue`, so the head
/// was parsed and the handler waits for the body); the bodies follow once the
/// listener has closed, and every request still gets its answer.
#[tokio::test]
async fn sigterm_drains_in_flight_requests_before_exiting() {
    use tokio::io::AsyncWriteExt;
    let dir = std::env::temp_dir().join(format!("openstaff-drain-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}/drain.db", dir.display());
    cli(
        &db,
        &["create-admin", "--upn", ADMIN_UPN],
        &format!("{ADMIN_PASSWORD}\n"),
    )
    .await;
    let mut server = start_replica(&db, &[]).await;
    let c = Client::new();
    let admin = token(&c, &server.base, ADMIN_UPN, ADMIN_PASSWORD).await;
    let addr = server.base.trim_start_matches("http://").to_owned();

    let mut conns = Vec::new();
    let mut bodies = Vec::new();
    for i in 0..6 {
        let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let body = json!({
            "user_principal_name": format!("drain.{i}@contoso.example"),
            "display_name": "Drain Person",
            "source": "cloud",
            "password": crate::helpers::USER_PASSWORD,
        })
        .to_string();
        let head = format!(
            "POST /api/v1/users HTTP/1.1\r\nHost: openstaff\r\nAuthorization: Bearer {admin}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\
             Connection: close\r\n\r\n",
            body.len()
        );
        conn.write_all(head.as_bytes()).await.unwrap();
        assert_eq!(
            read_status(&mut conn).await,
            100,
            "the server took the request"
        );
        conns.push(conn);
        bodies.push(body);
    }
    let pid = server.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    // Draining: the listener closes to new connections...
    eventually(
        "the listener to close after SIGTERM",
        Duration::from_secs(10),
        || async {
            tokio::net::TcpStream::connect(&addr)
                .await
                .is_err()
                .then_some(())
        },
    )
    .await;
    // ...while every request already begun completes.
    for (conn, body) in conns.iter_mut().zip(&bodies) {
        conn.write_all(body.as_bytes()).await.unwrap();
        assert_eq!(
            read_status(conn).await,
            201,
            "an in-flight request was dropped"
        );
    }
    drop(conns);
    // 25 s is the server's own shutdown timeout; it has nothing left to wait for.
    let status = eventually(
        "the server to exit after draining",
        Duration::from_secs(25),
        || std::future::ready(server.child.try_wait().unwrap()),
    )
    .await;
    assert!(status.success(), "exit status {status}");
    let _ = std::fs::remove_dir_all(dir);
}

/// The identity provider across replicas: a provider session and a refresh token
/// made on one replica work on the other, and a password reset on one ends both on
/// both, at once.
#[tokio::test]
#[ignore = "needs PostgreSQL: run by make test-pg"]
async fn provider_sessions_and_refresh_tokens_hold_across_replicas_and_a_reset_ends_them() {
    use crate::oidc::{
        authorize_url, exchange, location_query, oauth_error, pkce, refresh, sign_in_page, Browser,
        Rp, REDIRECT,
    };
    let (db, admin_url, name) = fresh_database().await;
    // One issuer for both, as behind a load balancer.
    let env = [
        ("OPENSTAFF_SIGNIN_RATE_PER_MINUTE", "1000"),
        ("OPENSTAFF_PUBLIC_URL", "http://127.0.0.1:1"),
    ];
    let a = start_replica(&db, &env).await;
    let b = start_replica(&db, &env).await;
    let c = Client::new();
    let admin = token(&c, &a.base, ADMIN_UPN, ADMIN_PASSWORD).await;
    let r = create_user(&c, &a.base, &admin, "shift@contoso.example").await;
    let user: Value = r.json().await.unwrap();
    let user_id = user["id"].as_str().unwrap().to_owned();
    let created: Value = c
        .post(format!("{}/api/v1/applications", a.base))
        .bearer_auth(&admin)
        .json(&json!({"display_name": "Rota", "redirect_uris": [REDIRECT]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rp = Rp {
        client_id: created["client_id"].as_str().unwrap().to_owned(),
        secret: created["client_secret"].as_str().map(str::to_owned),
    };
    // Signed in on A; exchanged on B.
    let mut browser = Browser::new();
    let (verifier, challenge) = pkce();
    let url = authorize_url(&a.base, &rp.client_id, &challenge, &[]);
    let resp = sign_in_page(
        &mut browser,
        &a.base,
        &url,
        "shift@contoso.example",
        crate::helpers::USER_PASSWORD,
    )
    .await;
    let code = location_query(&resp)["code"].clone();
    let t: Value = exchange(&b.base, &rp, &code, &verifier)
        .await
        .json()
        .await
        .unwrap();
    // B knows A's session (single sign-on) and rotates A's refresh token.
    let (_, challenge) = pkce();
    let sso = browser
        .get(
            &b.base,
            &authorize_url(&b.base, &rp.client_id, &challenge, &[("prompt", "none")]),
        )
        .await;
    assert!(location_query(&sso).contains_key("code"));
    let t2: Value = refresh(&b.base, &rp, t["refresh_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    // A reset on B ends them on A.
    let reset = c
        .post(format!("{}/api/v1/users/{user_id}/reset-password", b.base))
        .bearer_auth(&admin)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    oauth_error(
        refresh(&a.base, &rp, t2["refresh_token"].as_str().unwrap()).await,
        400,
        "invalid_grant",
    )
    .await;
    let (_, challenge) = pkce();
    let none = browser
        .get(
            &a.base,
            &authorize_url(&a.base, &rp.client_id, &challenge, &[("prompt", "none")]),
        )
        .await;
    assert_eq!(location_query(&none)["error"], "login_required");
    drop((a, b));
    drop_database(&admin_url, &name).await;
}
