//! Error answers (RFC 9457 problem+json with stable codes), request ids, health
//! endpoints and the SPA fallback.

use crate::helpers::{assert_problem, TestApp, ADMIN_PASSWORD, USER_PASSWORD};
use reqwest::{Method, Response};
use serde_json::{json, Value};

const TOKEN_PATH: &str = "/api/v1/auth/token";

fn header_str(resp: &Response, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

/// POSTs `body` as-is with the given content type (None: no content type at all).
async fn post_raw(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Response {
    let mut rb = app.request(Method::POST, path, token).body(body);
    if let Some(ct) = content_type {
        rb = rb.header("content-type", ct);
    }
    rb.send().await.unwrap()
}

#[tokio::test]
async fn malformed_json_is_400_and_does_not_echo_the_body() {
    let app = TestApp::spawn().await;
    for body in [
        r#"{"username": "a@contoso.example", "password": "Sekrit-Value-123"#,
        r#"{"username": "a@contoso.example", "password": Sekrit-Value-123}"#,
        "not json at all Sekrit-Value-123",
    ] {
        let resp = post_raw(&app, TOKEN_PATH, None, Some("application/json"), body).await;
        let problem = assert_problem(resp, 400, "malformed_json").await;
        assert!(!problem.to_string().contains("Sekrit"), "{problem}");
    }
}

#[tokio::test]
async fn wrongly_typed_fields_are_422_without_echoing_the_value() {
    let app = TestApp::spawn().await;
    for (body, secret) in [
        (json!({"username": 987654321, "password": "x"}), "987654321"),
        (
            json!({"username": "a@contoso.example", "password": 271828182}),
            "271828182",
        ),
        (
            json!({"username": "a@contoso.example", "password": true}),
            "true",
        ),
    ] {
        let resp = app
            .client
            .post(app.url(TOKEN_PATH))
            .json(&body)
            .send()
            .await
            .unwrap();
        let problem = assert_problem(resp, 422, "validation_failed").await;
        assert!(
            !problem.to_string().contains(secret),
            "the value {secret} is echoed: {problem}"
        );
        assert!(
            !problem["errors"].as_array().unwrap().is_empty(),
            "{problem}"
        );
    }

    // Missing fields and unknown fields are validation errors too.
    for body in [
        json!({"username": "a@contoso.example"}),
        json!({"username": "a@contoso.example", "password": "x", "otp": "123456"}),
        json!([]),
    ] {
        let resp = app
            .client
            .post(app.url(TOKEN_PATH))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_problem(resp, 422, "validation_failed").await;
    }
}

#[tokio::test]
async fn unknown_fields_when_creating_a_user_are_rejected_and_nothing_is_created() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let resp = app
        .post(
            "/api/v1/users",
            &admin,
            json!({
                "user_principal_name": "eve@contoso.example",
                "display_name": "Eve Extra",
                "source": "cloud",
                "password": USER_PASSWORD,
                "is_global_admin": true,
            }),
        )
        .await;
    let problem = assert_problem(resp, 422, "validation_failed").await;
    assert!(!problem.to_string().contains(USER_PASSWORD));

    let list: Value = app
        .get("/api/v1/users?search=eve", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"], json!([]), "{list}");
}

#[tokio::test]
async fn bodies_that_are_not_json_are_415() {
    let app = TestApp::spawn().await;
    let body = json!({"username": "a@contoso.example", "password": ADMIN_PASSWORD}).to_string();
    for ct in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let resp = post_raw(&app, TOKEN_PATH, None, ct, body.clone()).await;
        let problem = assert_problem(resp, 415, "unsupported_media_type").await;
        assert!(!problem.to_string().contains(ADMIN_PASSWORD));
    }
    // The same body as JSON is read (and fails only on the credentials).
    let resp = post_raw(&app, TOKEN_PATH, None, Some("application/json"), body).await;
    assert_problem(resp, 401, "invalid_credentials").await;
}

#[tokio::test]
async fn bodies_over_64_kib_are_413() {
    let app = TestApp::spawn().await;
    let big = "x".repeat(70 * 1024);
    let resp = app
        .client
        .post(app.url(TOKEN_PATH))
        .json(&json!({"username": "a@contoso.example", "password": big}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 413, "payload_too_large").await;

    let admin = app.admin_token().await;
    let resp = app
        .post(
            "/api/v1/users",
            &admin,
            json!({
                "user_principal_name": "big@contoso.example",
                "display_name": "x".repeat(70 * 1024),
                "source": "cloud",
                "password": USER_PASSWORD,
            }),
        )
        .await;
    assert_problem(resp, 413, "payload_too_large").await;
}

#[tokio::test]
async fn list_query_errors_have_their_own_codes() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    for path in [
        "/api/v1/users?limit=abc",
        "/api/v1/users?limit=-1",
        "/api/v1/users?limit=1.5",
        "/api/v1/administrative-units?limit=abc",
    ] {
        let resp = app.get(path, &admin).await;
        let problem = assert_problem(resp, 400, "invalid_query").await;
        assert!(
            !problem["detail"].as_str().unwrap().contains("abc"),
            "{problem}"
        );
    }
    for path in [
        "/api/v1/users?limit=0",
        "/api/v1/users?limit=201",
        "/api/v1/administrative-units?limit=0",
        "/api/v1/me/administrative-units?limit=201",
    ] {
        let resp = app.get(path, &admin).await;
        let problem = assert_problem(resp, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "limit", "{path}: {problem}");
    }
    for path in ["/api/v1/users?limit=1", "/api/v1/users?limit=200"] {
        assert_eq!(app.get(path, &admin).await.status(), 200, "{path}");
    }
    for path in [
        "/api/v1/users?cursor=not-a-cursor",
        "/api/v1/users?cursor=AAAA",
        "/api/v1/administrative-units?cursor=%E2%98%83",
    ] {
        let resp = app.get(path, &admin).await;
        assert_problem(resp, 400, "invalid_cursor").await;
    }

    // A cursor the server issued does work.
    for (upn, name) in [
        ("ana@contoso.example", "Ana A"),
        ("bob@contoso.example", "Bob B"),
    ] {
        app.create_user(&admin, upn, name).await;
    }
    let first: Value = app
        .get("/api/v1/users?limit=1", &admin)
        .await
        .json()
        .await
        .unwrap();
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let resp = app
        .get(&format!("/api/v1/users?limit=1&cursor={cursor}"), &admin)
        .await;
    assert_eq!(resp.status(), 200);
    let second: Value = resp.json().await.unwrap();
    assert_ne!(first["items"][0]["id"], second["items"][0]["id"]);
}

#[tokio::test]
async fn ids_that_are_not_uuids_or_unknown_are_404() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let unknown = uuid::Uuid::now_v7();
    for path in [
        "/api/v1/users/not-a-uuid".to_owned(),
        "/api/v1/users/not-a-uuid/access?action=read".to_owned(),
        "/api/v1/administrative-units/not-a-uuid".to_owned(),
        "/api/v1/administrative-units/not-a-uuid/members".to_owned(),
        "/api/v1/users/'%20OR%201=1--".to_owned(),
        format!("/api/v1/users/{unknown}"),
        format!("/api/v1/administrative-units/{unknown}"),
    ] {
        let resp = app.get(&path, &admin).await;
        assert_problem(resp, 404, "not_found").await;
    }
}

#[tokio::test]
async fn unknown_api_paths_are_404_problems() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    for path in [
        "/api",
        "/api/",
        "/api/nope",
        "/api/v1/nope",
        "/api/v2/users",
        "/api/v1/users/x/y/z",
        "/.well-known/nope",
    ] {
        let resp = app.get(path, &admin).await;
        assert_problem(resp, 404, "not_found").await;
        // Without a token too: unknown paths reveal nothing but their absence.
        let resp = app.client.get(app.url(path)).send().await.unwrap();
        assert_problem(resp, 404, "not_found").await;
    }
}

#[tokio::test]
async fn wrong_methods_on_known_paths_are_405_with_allow() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let id = uuid::Uuid::now_v7();
    let cases = [
        (Method::DELETE, "/api/v1/me".to_owned(), vec!["GET"]),
        (Method::PUT, "/api/v1/users".to_owned(), vec!["GET", "POST"]),
        (Method::GET, TOKEN_PATH.to_owned(), vec!["POST"]),
        (
            Method::DELETE,
            format!("/api/v1/users/{id}"),
            vec!["GET", "PATCH"],
        ),
        (Method::POST, "/healthz".to_owned(), vec!["GET"]),
        (
            Method::POST,
            "/.well-known/jwks.json".to_owned(),
            vec!["GET"],
        ),
    ];
    for (method, path, allowed) in cases {
        for token in [Some(admin.as_str()), None] {
            let resp = app
                .request(method.clone(), &path, token)
                .send()
                .await
                .unwrap();
            let allow = header_str(&resp, "allow")
                .unwrap_or_else(|| panic!("{method} {path}: no Allow header"));
            let mut listed: Vec<&str> = allow.split(',').map(str::trim).collect();
            listed.sort_unstable();
            assert_eq!(listed, allowed, "{method} {path}");
            assert_problem(resp, 405, "method_not_allowed").await;
        }
    }
}

/// RFC 9110 section 15.5.6: a 405 response MUST carry `Allow`.
#[tokio::test]
async fn wrong_methods_on_spa_paths_are_405_with_allow() {
    let app = TestApp::spawn().await;
    for path in ["/", "/locations/123"] {
        let resp = app
            .client
            .post(app.url(path))
            .body("x")
            .send()
            .await
            .unwrap();
        let allow = header_str(&resp, "allow");
        assert_problem(resp, 405, "method_not_allowed").await;
        let allow = allow.unwrap_or_else(|| panic!("POST {path}: no Allow header"));
        assert!(allow.contains("GET"), "{allow}");
    }
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let mut seen = std::collections::HashSet::new();
    let requests = [
        app.request(Method::GET, "/api/v1/me", Some(&admin)),
        app.request(Method::GET, "/api/v1/me", None),
        app.request(Method::GET, "/api/v1/nope", None),
        app.request(Method::DELETE, "/api/v1/me", None),
        app.request(Method::GET, "/healthz", None),
        app.request(Method::GET, "/", None),
        app.request(Method::GET, "/.well-known/jwks.json", None),
        app.request(Method::POST, TOKEN_PATH, None)
            .header("content-type", "application/json")
            .body("{"),
    ];
    for rb in requests {
        let resp = rb.send().await.unwrap();
        let id = header_str(&resp, "x-request-id")
            .unwrap_or_else(|| panic!("{} has no X-Request-Id", resp.url()));
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "generated id {id}");
        assert!(seen.insert(id), "request ids must be unique");
    }
}

#[tokio::test]
async fn sane_request_ids_are_echoed_and_others_replaced() {
    let app = TestApp::spawn().await;
    let max = "a".repeat(64);
    for sane in [
        "abc-123_XYZ",
        "0f3c2a9e-1d4b-4f7e-9a51-6c2e8b7d3f10",
        max.as_str(),
    ] {
        let resp = app
            .client
            .get(app.url("/healthz"))
            .header("x-request-id", sane)
            .send()
            .await
            .unwrap();
        assert_eq!(header_str(&resp, "x-request-id").as_deref(), Some(sane));
        // Echoed on errors too.
        let resp = app
            .client
            .get(app.url("/api/v1/me"))
            .header("x-request-id", sane)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
        assert_eq!(header_str(&resp, "x-request-id").as_deref(), Some(sane));
    }
    let too_long = "a".repeat(65);
    for insane in [
        too_long.as_str(),
        "has spaces in it",
        "semi;colon",
        "new\tline",
        "<script>",
        "",
    ] {
        let resp = app
            .client
            .get(app.url("/healthz"))
            .header("x-request-id", insane)
            .send()
            .await
            .unwrap();
        let id = header_str(&resp, "x-request-id").unwrap();
        assert_ne!(id, insane);
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "replacement {id:?}");
    }
}

#[tokio::test]
async fn the_spa_health_and_readiness_endpoints_answer() {
    let app = TestApp::spawn().await;
    for path in ["/", "/locations/123", "/users/abc/profile", "/signin"] {
        let resp = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        let ct = header_str(&resp, "content-type").unwrap();
        assert!(ct.starts_with("text/html"), "{path}: {ct}");
        assert_eq!(
            header_str(&resp, "cache-control").as_deref(),
            Some("no-cache"),
            "{path}: index.html must not be cached"
        );
        let html = resp.text().await.unwrap();
        assert!(html.to_lowercase().contains("<html") || html.contains("<!doctype html"));
        assert!(
            html.contains("OpenStaff") || html.contains("openstaff"),
            "{html}"
        );
    }
    // A missing asset (has an extension) is a 404, not the SPA page.
    let resp = app
        .client
        .get(app.url("/assets/missing-0123.js"))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 404, "not_found").await;

    let resp = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap()["status"], "ok");
    let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap()["status"], "ready");
}
