//! The committed spec matches the generated one; the explorer works offline.

use crate::helpers::TestApp;

#[test]
fn openapi_spec_is_committed() {
    let generated = openstaff::app::document_json();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale. Refresh it with:\n\n    make openapi\n"
    );
}

#[tokio::test]
async fn served_spec_equals_generated_and_documents_bearer_auth() {
    let app = TestApp::spawn().await;
    let served: serde_json::Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let generated: serde_json::Value =
        serde_json::from_str(&openstaff::app::document_json()).unwrap();
    assert_eq!(served, generated);
    assert_eq!(
        served["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for path in [
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/me/administrative-units",
        "/api/v1/administrative-units",
        "/api/v1/administrative-units/{id}",
        "/api/v1/administrative-units/{id}/members",
        "/api/v1/administrative-units/{id}/members/{user_id}",
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/api/v1/users/{id}/access",
        "/api/v1/role-assignments",
        "/api/v1/role-assignments/{id}",
        "/api/v1/settings/my-staff",
        "/.well-known/jwks.json",
    ] {
        assert!(served["paths"].get(path).is_some(), "{path} not documented");
    }
}

/// Every asset the explorer page references is served by this server itself.
#[tokio::test]
async fn swagger_ui_is_served_from_local_assets_only() {
    let app = TestApp::spawn().await;
    let redirect = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert!(redirect.status().is_redirection());
    assert_eq!(redirect.headers()["location"], "/api/docs/");

    let page = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger"), "not the Swagger UI page");

    let mut refs: Vec<String> = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            let r = part.split('"').next().unwrap().to_owned();
            refs.push(r);
        }
    }
    assert!(
        refs.len() >= 3,
        "expected scripts and styles, found {refs:?}"
    );
    let mut fetched = Vec::new();
    for r in &refs {
        assert!(
            !r.starts_with("http://") && !r.starts_with("https://") && !r.starts_with("//"),
            "external asset {r}"
        );
        let url = app.url(&format!("/api/docs/{}", r.trim_start_matches("./")));
        let resp = app.client.get(&url).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{url}");
        let body = resp.text().await.unwrap();
        assert!(!body.is_empty());
        fetched.push(body);
    }
    // The initializer script points the UI at our own spec.
    let init = app
        .client
        .get(app.url("/api/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(init.contains("/api/openapi.json"), "{init}");
    for body in fetched.iter().chain([&init]) {
        assert!(
            !body.contains("https://petstore") && !body.contains("unpkg.com"),
            "asset refers to an external host"
        );
    }
}
