//! The server accepts what the OpenAPI document says and refuses what it forbids
//! (issue 10). Schemathesis (`make contract`) explores this at large; these pin the
//! cases it found, one by one, against the real server.

use crate::helpers::{assert_problem, json_with, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn a_json_array_is_not_an_object() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app
        .create_user(&admin, "arr.ay@contoso.example", "Arr Ay")
        .await;
    let unit = app.create_unit(&admin, "Store 404", false).await;
    for path in [
        format!("/api/v1/users/{user}"),
        format!("/api/v1/administrative-units/{unit}"),
    ] {
        for body in ["[null, null]", "[]", "\"text\"", "7", "null"] {
            let resp = app
                .request(Method::PATCH, &path, Some(&admin))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let problem = assert_problem(resp, 422, "validation_failed").await;
            assert_eq!(problem["errors"][0]["code"], "invalid_body", "{body}");
        }
    }
    // Nothing changed.
    let got = app.get_ok(&format!("/api/v1/users/{user}"), &admin).await;
    assert_eq!(got["display_name"], "Arr Ay");
}

#[tokio::test]
async fn a_body_that_is_not_said_to_be_json_is_415() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    for (method, path) in [
        (Method::POST, "/api/v1/users"),
        (Method::POST, "/api/v1/administrative-units"),
        (Method::PUT, "/api/v1/settings/my-staff"),
        (Method::POST, "/api/v1/auth/token"),
    ] {
        for content_type in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
        ] {
            let mut rb = app
                .request(method.clone(), path, Some(&admin))
                .body(r#"{"a": 1}"#);
            if let Some(ct) = content_type {
                rb = rb.header("content-type", ct);
            }
            let resp = rb.send().await.unwrap();
            assert_problem(resp, 415, "unsupported_media_type").await;
        }
    }
    // `+json` types are JSON.
    let resp = app
        .request(Method::POST, "/api/v1/auth/token", None)
        .header("content-type", "application/vnd.openstaff+json")
        .body(r#"{"username": "nobody@contoso.example", "password": "x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn another_method_on_the_import_path_is_405_and_a_bad_id_is_404() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    for method in [Method::PATCH, Method::GET, Method::DELETE] {
        let resp = app
            .request(method.clone(), "/api/v1/users/import", Some(&admin))
            .header("content-type", "text/csv")
            .body("user_principal_name,display_name\n")
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.headers().get("allow").map(|v| v.to_str().unwrap()),
            Some("POST"),
            "{method}"
        );
        assert_problem(resp, 405, "method_not_allowed").await;
    }
    for method in [Method::GET, Method::PATCH] {
        let resp = app
            .request(method, "/api/v1/users/not-an-id", Some(&admin))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_problem(resp, 404, "not_found").await;
    }
}

#[tokio::test]
async fn header_and_query_values_outside_their_patterns_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app
        .create_user(&admin, "key.holder@contoso.example", "Key Holder")
        .await;
    let path = format!("/api/v1/users/{user}/reset-password");
    let too_long = "k".repeat(129);
    for key in ["has space", too_long.as_str()] {
        let resp = app
            .request(Method::POST, &path, Some(&admin))
            .header("idempotency-key", key)
            .send()
            .await
            .unwrap();
        assert_problem(resp, 400, "invalid_idempotency_key").await;
    }
    // Not even UTF-8: refused, not taken for an absent key.
    let resp = app
        .request(Method::POST, &path, Some(&admin))
        .header(
            "idempotency-key",
            reqwest::header::HeaderValue::from_bytes(b"caf\xe9").unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, 400, "invalid_idempotency_key").await;
    assert_eq!(
        app.audit_count("Reset password (by admin)", "success")
            .await,
        0,
        "no reset happened"
    );

    // An empty value is a value: an empty cursor is not a cursor, an empty time is
    // not a time.
    let resp = app.get("/api/v1/users?cursor=", &admin).await;
    assert_problem(resp, 400, "invalid_cursor").await;
    for query in ["from=", "actor=", "result=", "activity="] {
        let resp = app
            .get(&format!("/api/v1/audit-logs?{query}"), &admin)
            .await;
        assert_problem(resp, 422, "validation_failed").await;
    }
    // A schema-valid time with an offset is accepted.
    let resp = app
        .get(
            "/api/v1/audit-logs?from=2026-01-01T08:00:00%2B01:00",
            &admin,
        )
        .await;
    json_with(resp, 200).await;
}

#[tokio::test]
async fn lengths_count_what_was_sent() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    // 250 letters and 10 spaces: 260 characters sent, over the documented 256.
    let padded = format!("{}{}", "a".repeat(250), " ".repeat(10));
    let resp = app
        .post(
            "/api/v1/administrative-units",
            &admin,
            json!({"display_name": padded}),
        )
        .await;
    let problem = assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "display_name");
    // Trimmed white space inside the limit is still trimmed.
    let resp = app
        .post(
            "/api/v1/administrative-units",
            &admin,
            json!({"display_name": "  Store 500\t"}),
        )
        .await;
    let unit = json_with(resp, 201).await;
    assert_eq!(unit["display_name"], "Store 500");
}

#[test]
fn the_document_declares_what_every_operation_can_answer() {
    let doc: Value = serde_json::from_str(&openstaff::app::document_json()).unwrap();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let responses = op["responses"].as_object().unwrap();
            let has = |s: &str| responses.contains_key(s);
            if op.get("requestBody").is_some() {
                for s in ["400", "413", "415", "422"] {
                    assert!(has(s), "{method} {path} lacks {s}");
                }
            }
            if op.get("security").is_some() {
                assert!(has("401") && has("403"), "{method} {path} lacks 401/403");
            }
            for (status, response) in responses {
                if response.get("$ref").is_none() {
                    assert!(
                        response["headers"].get("X-Request-Id").is_some(),
                        "{method} {path} {status} lacks X-Request-Id"
                    );
                }
                for link in response["links"].as_object().into_iter().flatten() {
                    assert!(link.1.get("operationId").is_some(), "{path}: {link:?}");
                }
            }
        }
    }
    assert!(operations > 30);
    let responses = &doc["components"]["responses"];
    assert!(responses["Unauthorized"]["headers"]["WWW-Authenticate"].is_object());
    assert!(responses["TooManyRequests"]["headers"]["Retry-After"].is_object());
    assert_eq!(
        responses["Forbidden"]["content"]["application/problem+json"]["schema"]["$ref"],
        "#/components/schemas/Problem"
    );
    assert_eq!(
        doc["components"]["schemas"]["Problem"]["properties"]["code"]["$ref"],
        "#/components/schemas/ErrorCode"
    );
}
