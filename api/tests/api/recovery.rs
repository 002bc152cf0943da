//! A manager's account-recovery actions (issue 13): Temporary Access Pass (issue,
//! sign-in on the hosted page, one-time and expiry, revoke), require re-registration,
//! revoke sessions, unlock; the step-up of sensitive actions; each under its rules.

use crate::helpers::{assert_problem, json_with, TestApp, TestClock, USER_PASSWORD};
use crate::oidc::{exchange, location_query, pkce, register_rota, sign_in_page, Browser, Rp};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use std::time::Duration;

const STAFF: &str = "tom.baker@contoso.example";
const MANAGER: &str = "ava.auth@contoso.example";

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// Tom, a member of Store 12, and Ava, its authentication administrator:
/// (Tom's id, Ava's token, the location).
async fn store(app: &TestApp, admin: &str) -> (String, String, String) {
    let staff = app.create_user(admin, STAFF, "Tom Baker").await;
    let unit = app.create_unit(admin, "Store 12", false).await;
    app.add_member(admin, &unit, &staff).await;
    let (_, manager) = app
        .staff_with_role(
            admin,
            MANAGER,
            "Ava Auth",
            "authentication_administrator",
            Some(&unit),
        )
        .await;
    (staff, manager, unit)
}

/// Store 12 ([`store`]) where Tom has an authenticator app, on the phone he is about
/// to lose: (Rota, Tom's id, Ava's token, Tom's token).
pub async fn store_with_app(
    app: &TestApp,
    clock: &TestClock,
    admin: &str,
) -> (Rp, String, String, String) {
    let rp = register_rota(app, admin).await;
    let (staff, manager, _) = store(app, admin).await;
    let tom = app.token(STAFF, USER_PASSWORD).await;
    crate::mfa::enrolled(app, clock, &tom).await;
    (rp, staff, manager, tom)
}

/// `POST /users/{user}/require-reregistration` as the holder of `token`.
pub async fn reregister(app: &TestApp, token: &str, user: &str) -> reqwest::Response {
    app.post(
        &format!("/api/v1/users/{user}/require-reregistration"),
        token,
        json!({}),
    )
    .await
}

pub async fn issue(app: &TestApp, token: &str, user: &str, body: Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/users/{user}/temporary-access-pass"),
        token,
        body,
    )
    .await
}

/// The hosted page with `secret` typed as the password: the final response.
pub async fn hosted(
    app: &TestApp,
    rp: &Rp,
    upn: &str,
    secret: &str,
) -> (reqwest::Response, String) {
    let (verifier, challenge) = pkce();
    let url = crate::oidc::authorize_url(app, &rp.client_id, &challenge, &[("prompt", "login")]);
    let mut b = Browser::new();
    (sign_in_page(&mut b, app, &url, upn, secret).await, verifier)
}

#[tokio::test]
async fn a_temporary_access_pass_signs_in_once_skips_the_code_and_then_fails() {
    let (app, clock) = TestApp::spawn_with_clock(|_| {}).await;
    let admin = app.admin_token().await;
    // Tom has an authenticator app, on the phone he lost.
    let (rp, staff, manager, _) = store_with_app(&app, &clock, &admin).await;

    let resp = issue(&app, &manager, &staff, json!({})).await;
    assert_eq!(resp.headers().get("cache-control").unwrap(), "no-store");
    let pass = json_with(resp, 201).await;
    let shown = pass["pass"].as_str().unwrap().to_owned();
    assert_eq!(shown.len(), 19, "four groups of four: {shown}");
    assert_eq!(shown.matches('-').count(), 3);
    assert_eq!(pass["lifetime_minutes"], 60);
    assert_eq!(pass["one_time"], true);
    let expires = chrono::DateTime::parse_from_rfc3339(pass["expires_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    assert_eq!(expires, clock.now() + chrono::Duration::minutes(60));

    // The manager's list shows it with its expiry, never the pass.
    let listed = app
        .get_ok(
            &format!("/api/v1/users/{staff}/authentication-methods"),
            &manager,
        )
        .await;
    let kinds: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["totp", "temporary_access_pass"]);
    assert!(listed["items"][1]["expires_at"].is_string());
    assert!(!listed.to_string().contains(&shown));

    // Typed as the password (lower case, spaces for dashes): signed in, no code step,
    // and the tokens say a strong one-time code.
    let typed = shown.to_lowercase().replace('-', " ");
    let (resp, verifier) = hosted(&app, &rp, STAFF, &typed).await;
    assert_eq!(resp.status(), 303, "straight back to the application");
    let q = location_query(&resp);
    let t = json_with(exchange(&app, &rp, &q["code"], &verifier).await, 200).await;
    let id = claims(t["id_token"].as_str().unwrap());
    assert_eq!(id["amr"], json!(["otp", "mfa"]));
    assert_eq!(id["auth_time"].as_i64(), Some(clock.now().timestamp()));

    // Once only: the second time it is a wrong password (and counted as one).
    let (resp, _) = hosted(&app, &rp, STAFF, &shown).await;
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("don&#39;t match"), "{html}");
    assert!(!html.contains(&shown), "the pass is not echoed");
    // The password still works, and still asks for the code.
    let (resp, _) = hosted(&app, &rp, STAFF, USER_PASSWORD).await;
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("Enter the code from your authenticator app"),
        "{}",
        app.audit_dump().await
    );

    // Audited, without the pass; the sign-in names its method.
    let dump = app.audit_dump().await;
    assert!(!dump.contains(&shown) && !dump.contains(&shown.replace('-', "")));
    assert_eq!(
        app.audit_count(
            "Admin registered temporary access pass method for user",
            "success"
        )
        .await,
        1
    );
    assert!(
        dump.contains("\"new_value\":\"Temporary Access Pass\""),
        "{dump}"
    );
    // Spent: no longer listed.
    let listed = app
        .get_ok(
            &format!("/api/v1/users/{staff}/authentication-methods"),
            &manager,
        )
        .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    app.assert_audit_chain_valid().await;
}

#[tokio::test]
async fn a_reusable_pass_works_until_it_expires_or_is_revoked_or_replaced() {
    let (app, clock) = TestApp::spawn_with_clock(|_| {}).await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let (staff, manager, _) = store(&app, &admin).await;

    let pass = json_with(
        issue(
            &app,
            &manager,
            &staff,
            json!({"lifetime_minutes": 10, "one_time": false}),
        )
        .await,
        201,
    )
    .await["pass"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..2 {
        let (resp, _) = hosted(&app, &rp, STAFF, &pass).await;
        assert_eq!(resp.status(), 303);
    }
    // Ten minutes on: expired.
    clock.advance(Duration::from_secs(10 * 60 + 1));
    let manager = app.token(MANAGER, USER_PASSWORD).await;
    let (resp, _) = hosted(&app, &rp, STAFF, &pass).await;
    assert_eq!(resp.status(), 200);

    // A new one replaces the old; revoking ends it at once.
    let first = json_with(
        issue(&app, &manager, &staff, json!({"one_time": false})).await,
        201,
    )
    .await["pass"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = json_with(
        issue(&app, &manager, &staff, json!({"one_time": false})).await,
        201,
    )
    .await["pass"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(first, second);
    assert_eq!(hosted(&app, &rp, STAFF, &first).await.0.status(), 200);
    assert_eq!(hosted(&app, &rp, STAFF, &second).await.0.status(), 303);
    let resp = app
        .delete(
            &format!("/api/v1/users/{staff}/temporary-access-pass"),
            &manager,
        )
        .await;
    assert_eq!(resp.status(), 204);
    assert_eq!(hosted(&app, &rp, STAFF, &second).await.0.status(), 200);
    assert_eq!(
        app.audit_count(
            "Admin deleted temporary access pass method for user",
            "success"
        )
        .await,
        1
    );

    // 30.0 is the integer 30 to JSON Schema.
    let whole = json_with(
        issue(&app, &manager, &staff, json!({"lifetime_minutes": 30.0})).await,
        201,
    )
    .await;
    assert_eq!(whole["lifetime_minutes"], 30);
    app.delete(
        &format!("/api/v1/users/{staff}/temporary-access-pass"),
        &manager,
    )
    .await;
    // Out of range lifetimes and unknown fields are refused, nothing issued.
    for body in [
        json!({"lifetime_minutes": 9}),
        json!({"lifetime_minutes": 1441}),
    ] {
        let problem = assert_problem(
            issue(&app, &manager, &staff, body).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], "lifetime_minutes");
        assert_eq!(problem["errors"][0]["code"], "out_of_range");
    }
    assert_problem(
        issue(&app, &manager, &staff, json!({"pass": "mine"})).await,
        422,
        "validation_failed",
    )
    .await;
    let listed = app
        .get_ok(
            &format!("/api/v1/users/{staff}/authentication-methods"),
            &manager,
        )
        .await;
    assert_eq!(listed["items"], json!([]));
}

#[tokio::test]
async fn a_pass_never_works_for_a_disabled_account() {
    let (app, _clock) = TestApp::spawn_with_clock(|_| {}).await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let (staff, manager, _) = store(&app, &admin).await;
    let pass = json_with(issue(&app, &manager, &staff, json!({})).await, 201).await["pass"]
        .as_str()
        .unwrap()
        .to_owned();
    let resp = app
        .client
        .patch(app.url(&format!("/api/v1/users/{staff}")))
        .bearer_auth(&admin)
        .json(&json!({"account_enabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let (resp, _) = hosted(&app, &rp, STAFF, &pass).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().contains("turned off"));
}

#[tokio::test]
async fn require_reregistration_removes_the_apps_and_revoke_sessions_ends_every_token() {
    let (app, clock) = TestApp::spawn_with_clock(|_| {}).await;
    let admin = app.admin_token().await;
    let (rp, staff, manager, tom) = store_with_app(&app, &clock, &admin).await;

    let resp = reregister(&app, &manager, &staff).await;
    assert_eq!(resp.status(), 204);
    let mine = app.get_ok("/api/v1/me/authentication-methods", &tom).await;
    assert_eq!(mine["items"], json!([]));
    // The password alone signs in again (no code step is left).
    let (resp, verifier) = hosted(&app, &rp, STAFF, USER_PASSWORD).await;
    assert_eq!(resp.status(), 303);
    let q = location_query(&resp);
    let t = json_with(exchange(&app, &rp, &q["code"], &verifier).await, 200).await;
    let refresh = t["refresh_token"].as_str().unwrap().to_owned();

    // Signed out everywhere: the API token, the OpenID tokens and the refresh token.
    let resp = app
        .post(
            &format!("/api/v1/users/{staff}/revoke-sessions"),
            &manager,
            json!({}),
        )
        .await;
    assert_eq!(resp.status(), 204);
    assert_problem(app.get("/api/v1/me", &tom).await, 401, "token_revoked").await;
    let resp = crate::oidc::refresh(&app, &rp, &refresh).await;
    crate::oidc::oauth_error(resp, 400, "invalid_grant").await;
    let dump = app.audit_dump().await;
    assert!(dump.contains("Require re-registration of authentication methods\t"));
    assert!(dump.contains("Invalidate all refresh tokens for user\t"));
    assert!(dump.contains("\"provider_sessions_ended\""), "{dump}");
}

#[tokio::test]
async fn unlock_clears_the_lockout_a_manager_sees_on_the_profile() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let unit = app.create_unit(&admin, "Store 12", false).await;
    let staff = app.create_user(&admin, STAFF, "Tom Baker").await;
    app.add_member(&admin, &unit, &staff).await;
    let (_, helpdesk) = app
        .staff_with_role(
            &admin,
            "hana.helpdesk@contoso.example",
            "Hana Helpdesk",
            "helpdesk_administrator",
            Some(&unit),
        )
        .await;
    for _ in 0..5 {
        let resp = crate::reset::sign_in(&app, STAFF, "Wrong-Password-123").await;
        assert_eq!(resp.status(), 401);
    }
    let profile = app
        .get_ok(&format!("/api/v1/users/{staff}"), &helpdesk)
        .await;
    assert!(profile["locked_until"].is_string(), "{profile}");
    let allowed = profile["allowed_actions"].as_array().unwrap();
    assert!(allowed.contains(&json!("unlock_account")));
    assert!(allowed.contains(&json!("revoke_sessions")));
    assert!(!allowed.contains(&json!("issue_temporary_access_pass")));

    let resp = app
        .post(
            &format!("/api/v1/users/{staff}/unlock"),
            &helpdesk,
            json!({}),
        )
        .await;
    assert_eq!(resp.status(), 204);
    let profile = app
        .get_ok(&format!("/api/v1/users/{staff}"), &helpdesk)
        .await;
    assert!(profile.get("locked_until").is_none(), "{profile}");
    app.token(STAFF, USER_PASSWORD).await;
    assert_eq!(app.audit_count("Unlock user account", "success").await, 1);

    // A helpdesk admin may not issue passes or require re-registration (403, audited);
    // a password admin may not even sign people out.
    assert_problem(
        issue(&app, &helpdesk, &staff, json!({})).await,
        403,
        "role_not_permitted",
    )
    .await;
    let resp = reregister(&app, &helpdesk, &staff).await;
    assert_problem(resp, 403, "role_not_permitted").await;
    let (_, password_admin) = app
        .staff_with_role(
            &admin,
            "pat.password@contoso.example",
            "Pat Password",
            "password_administrator",
            Some(&unit),
        )
        .await;
    for path in ["revoke-sessions", "unlock"] {
        let resp = app
            .post(
                &format!("/api/v1/users/{staff}/{path}"),
                &password_admin,
                json!({}),
            )
            .await;
        let body = assert_problem(resp, 403, "role_not_permitted").await;
        assert!(
            body["detail"].as_str().unwrap().contains("Your role"),
            "{body}"
        );
    }
    let explained = app
        .get_ok(
            &format!("/api/v1/users/{staff}/access?action=revoke_sessions"),
            &password_admin,
        )
        .await;
    assert_eq!(explained["allowed"], false);
    assert_eq!(explained["denial"], "role_not_permitted");
    assert!(
        explained["reasons"][0]
            .as_str()
            .unwrap()
            .contains("this role cannot revoke sessions"),
        "{explained}"
    );
    assert_eq!(
        app.audit_count(
            "Admin registered temporary access pass method for user",
            "failure"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn sensitive_actions_need_a_recent_sign_in() {
    let (app, clock): (TestApp, std::sync::Arc<TestClock>) = TestApp::spawn_with_clock(|c| {
        c.policy.reauthentication_window = openstaff::time::Span::minutes(5);
    })
    .await;
    let admin = app.admin_token().await;
    let (staff, manager, _) = store(&app, &admin).await;
    let methods = format!("/api/v1/users/{staff}/authentication-methods");
    clock.advance(Duration::from_secs(5 * 60 + 1));

    // Reading and signing people out need no step-up; the rest do.
    app.get_ok(&methods, &manager).await;
    let reset = format!("/api/v1/users/{staff}/reset-password");
    let body = assert_problem(
        app.post(&reset, &manager, json!({})).await,
        401,
        "reauthentication_required",
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains("sign in again"),
        "{body}"
    );
    assert_problem(
        issue(&app, &manager, &staff, json!({})).await,
        401,
        "reauthentication_required",
    )
    .await;
    let phone = format!("/api/v1/users/{staff}/phone-methods/mobile");
    assert_problem(
        app.put(
            &phone,
            &manager,
            json!({"phone_number": "+33 6 12 34 56 78"}),
        )
        .await,
        401,
        "reauthentication_required",
    )
    .await;
    assert_problem(
        app.post(
            &format!("/api/v1/users/{staff}/require-reregistration"),
            &manager,
            json!({}),
        )
        .await,
        401,
        "reauthentication_required",
    )
    .await;
    // A refusal by the rules comes first: the admin path on yourself is 403.
    let me = app.my_id(&manager).await;
    assert_problem(
        app.post(
            &format!("/api/v1/users/{me}/reset-password"),
            &manager,
            json!({}),
        )
        .await,
        403,
        "self_action",
    )
    .await;

    // Signed in again: the same requests pass.
    let fresh = app.token(MANAGER, USER_PASSWORD).await;
    json_with(app.post(&reset, &fresh, json!({})).await, 200).await;
    json_with(issue(&app, &fresh, &staff, json!({})).await, 201).await;
    let resp = app
        .put(&phone, &fresh, json!({"phone_number": "+33 6 12 34 56 78"}))
        .await;
    assert!(resp.status().is_success(), "{}", resp.status());
    // Nothing was changed by the refused attempts: one reset, one pass.
    assert_eq!(
        app.audit_count("Reset password (by admin)", "success")
            .await,
        1
    );
    assert_eq!(
        app.audit_count(
            "Admin registered temporary access pass method for user",
            "success"
        )
        .await,
        1
    );
}
