//! Applications as principals (issue 13): a confidential application holding a role
//! of its own signs in with the client-credentials grant and acts on the REST API
//! under the same rules as a person with that role, audited under its name.

use crate::helpers::{assert_problem, json_with, TestApp};
use crate::oidc::{oauth_error, register, token_request, Rp};
use crate::reset::{reset, reset_cloud};
use reqwest::Response;
use serde_json::{json, Value};

/// A confidential integration (no redirect URIs needed: it never signs anyone in).
async fn register_payroll(app: &TestApp, admin: &str) -> Rp {
    register(
        app,
        admin,
        json!({
            "display_name": "Payroll sync",
            "redirect_uris": ["http://127.0.0.1:9/callback"],
        }),
    )
    .await
}

async fn assign_app(app: &TestApp, admin: &str, rp: &Rp, role: &str, unit: &str) -> Response {
    app.post(
        "/api/v1/role-assignments",
        admin,
        json!({
            "principal_type": "application",
            "principal_id": rp.client_id,
            "role": role,
            "scope": {"type": "administrative_unit", "id": unit},
        }),
    )
    .await
}

async fn app_token(app: &TestApp, rp: &Rp) -> String {
    let v = json_with(
        token_request(app, rp, &[("grant_type", "client_credentials")]).await,
        200,
    )
    .await;
    assert_eq!(v["token_type"], "Bearer");
    assert!(v.get("refresh_token").is_none(), "{v}");
    assert!(v.get("id_token").is_none(), "{v}");
    v["access_token"].as_str().unwrap().to_owned()
}

fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

/// A directory with two stores, a staff member in each, an admin in store 1, and the
/// payroll application holding Helpdesk Administrator for store 1.
struct World {
    app: TestApp,
    admin: String,
    rp: Rp,
    assignment: String,
    lena: String,
    tom: String,
    boss: String,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let store1 = app.create_unit(&admin, "Store 1", false).await;
    let store2 = app.create_unit(&admin, "Store 2", false).await;
    let lena = app
        .create_user(&admin, "lena@contoso.example", "Lena Fischer")
        .await;
    let tom = app
        .create_user(&admin, "tom@contoso.example", "Tom Baker")
        .await;
    let boss = app
        .create_user(&admin, "boss@contoso.example", "Bea Boss")
        .await;
    app.add_member(&admin, &store1, &lena).await;
    app.add_member(&admin, &store2, &tom).await;
    app.add_member(&admin, &store1, &boss).await;
    app.assign(&admin, &boss, "user_administrator", None).await;
    let rp = register_payroll(&app, &admin).await;
    let a = json_with(
        assign_app(&app, &admin, &rp, "helpdesk_administrator", &store1).await,
        201,
    )
    .await;
    assert_eq!(a["principal_type"], "application");
    assert_eq!(a["principal_display_name"], "Payroll sync");
    World {
        assignment: a["id"].as_str().unwrap().to_owned(),
        app,
        admin,
        rp,
        lena,
        tom,
        boss,
    }
}

#[tokio::test]
async fn an_application_with_a_location_role_resets_there_only_and_is_audited_by_name() {
    let w = world().await;
    let token = app_token(&w.app, &w.rp).await;
    let c = claims(&token);
    assert_eq!(c["idtyp"], "app");
    assert_eq!(c["sub"], w.rp.client_id.as_str());

    // In its location: allowed, with no step-up (there is no person to re-prompt).
    reset_cloud(&w.app, &token, &w.lena).await;
    // Outside it, and above its role: refused like a person with that role.
    assert_problem(
        reset(&w.app, &token, &w.tom, None, None).await,
        403,
        "target_out_of_scope",
    )
    .await;
    let above = reset(&w.app, &token, &w.boss, None, None).await;
    assert_eq!(above.status(), 403);

    // The audit trail names the application, in JSON and in the CSV export.
    let page = w
        .app
        .get_ok(
            "/api/v1/audit-logs?activity=Reset%20password%20(by%20admin)",
            &w.admin,
        )
        .await;
    let items = page["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for e in items {
        assert_eq!(
            e["initiated_by"]["app"]["display_name"], "Payroll sync",
            "{e}"
        );
        assert_eq!(e["initiated_by"]["app"]["id"], w.rp.client_id.as_str());
        assert!(e["initiated_by"]["user_id"].is_null());
    }
    let signins = w
        .app
        .get_ok(
            "/api/v1/audit-logs?activity=Service%20principal%20sign-in",
            &w.admin,
        )
        .await;
    assert_eq!(signins["items"][0]["result"], "success");
    let csv = w
        .app
        .request(reqwest::Method::GET, "/api/v1/audit-logs", Some(&w.admin))
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.lines().next().unwrap().contains("initiated_by_app"));
    assert!(csv.contains("Payroll sync"));

    // The client secret is never written to the audit trail.
    let dump = w.app.audit_dump().await;
    assert!(!dump.contains(w.rp.secret.as_deref().unwrap()));
    w.app.assert_audit_chain_valid().await;

    // Listing by type shows the application's assignment only.
    let list = w
        .app
        .get_ok(
            "/api/v1/role-assignments?principal_type=application",
            &w.admin,
        )
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["principal_id"], w.rp.client_id.as_str());
}

#[tokio::test]
async fn the_grant_refuses_public_clients_scopes_and_wrong_secrets() {
    let w = world().await;
    let public = register(
        &w.app,
        &w.admin,
        json!({
            "display_name": "Till",
            "client_type": "public",
            "redirect_uris": ["http://127.0.0.1:9/callback"],
        }),
    )
    .await;
    let resp = token_request(
        &w.app,
        &public,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &public.client_id),
        ],
    )
    .await;
    oauth_error(resp, 400, "unauthorized_client").await;
    // A public application cannot hold a role either.
    assert_problem(
        w.app
            .post(
                "/api/v1/role-assignments",
                &w.admin,
                json!({
                    "principal_type": "application",
                    "principal_id": public.client_id,
                    "role": "helpdesk_administrator",
                    "scope": {"type": "directory"},
                }),
            )
            .await,
        422,
        "validation_failed",
    )
    .await;

    let resp = token_request(
        &w.app,
        &w.rp,
        &[("grant_type", "client_credentials"), ("scope", "openid")],
    )
    .await;
    oauth_error(resp, 400, "invalid_scope").await;

    let wrong = Rp {
        client_id: w.rp.client_id.clone(),
        secret: Some("not-the-secret".to_owned()),
    };
    let resp = token_request(&w.app, &wrong, &[("grant_type", "client_credentials")]).await;
    oauth_error(resp, 401, "invalid_client").await;

    let discovery: Value = json_with(
        w.app
            .client
            .get(w.app.url("/.well-known/openid-configuration"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert!(discovery["grant_types_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("client_credentials")));
    let dump = w.app.audit_dump().await;
    assert!(!dump.contains(w.rp.secret.as_deref().unwrap()));
    assert!(!dump.contains("not-the-secret"));
}

#[tokio::test]
async fn an_application_token_is_not_a_person() {
    let w = world().await;
    let token = app_token(&w.app, &w.rp).await;
    assert_problem(
        w.app.get("/api/v1/me", &token).await,
        403,
        "person_required",
    )
    .await;
    assert_problem(
        w.app.get("/api/v1/me/authentication-methods", &token).await,
        403,
        "person_required",
    )
    .await;
}

#[tokio::test]
async fn removing_the_role_or_moving_the_token_version_revokes() {
    let w = world().await;
    let token = app_token(&w.app, &w.rp).await;
    reset_cloud(&w.app, &token, &w.lena).await;

    // The role is read at every request: once removed, the same token can do nothing.
    let resp = w
        .app
        .delete(
            &format!("/api/v1/role-assignments/{}", w.assignment),
            &w.admin,
        )
        .await;
    assert_eq!(resp.status(), 204);
    assert_eq!(
        reset(&w.app, &token, &w.lena, None, None).await.status(),
        403
    );

    // A new secret moves the application's token version: earlier tokens end.
    let rotated = json_with(
        w.app
            .post(
                &format!("/api/v1/applications/{}/secret", w.rp.client_id),
                &w.admin,
                json!({}),
            )
            .await,
        200,
    )
    .await;
    assert_problem(
        w.app.get("/api/v1/users", &token).await,
        401,
        "token_revoked",
    )
    .await;
    let fresh = Rp {
        client_id: w.rp.client_id.clone(),
        secret: rotated["client_secret"].as_str().map(str::to_owned),
    };
    let again = app_token(&w.app, &fresh).await;
    assert_eq!(claims(&again)["ver"], 1);
    let _ = w.tom;
}
