//! Authenticator apps (TOTP) as a second factor: enrolment on "My account", codes
//! single-use, the hosted sign-in page's second step and `amr`, the lockout on wrong
//! codes, the manager's listing, and the admin policy (`--admin-mfa required`).
//! Codes are computed here from the enrolment's secret, on a test clock.

use crate::first_party::{web_app, web_app_authorize};
use crate::helpers::{assert_problem, json_with, TestApp, TestClock, USER_PASSWORD};
use crate::oidc::{
    exchange, field, location_query, pkce, post_page_form, register_rota, sign_in_page,
    token_request, Browser,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openstaff::config::AdminMfa;
use serde_json::{json, Value};
use shared::first_party::{WEB_APP, WEB_APP_CALLBACK_PATH};
use std::time::Duration;

const STAFF: &str = "tom.baker@contoso.example";

/// The code an authenticator app shows at `clock`'s time for `secret` (base32).
fn code_at(secret: &str, clock: &TestClock) -> String {
    let seed = totp_rs::Secret::try_from_base32(secret).unwrap();
    let t = totp_rs::Builder::new().with_secret(seed).build().unwrap();
    t.generate(clock.now().timestamp() as u64).to_string()
}

/// A six-digit code that is none of those accepted now (the step before, now, after).
fn wrong_code(secret: &str, clock: &TestClock) -> String {
    let right: Vec<u32> = [-30i64, 0, 30]
        .iter()
        .map(|d| {
            let seed = totp_rs::Secret::try_from_base32(secret).unwrap();
            let t = totp_rs::Builder::new().with_secret(seed).build().unwrap();
            let at = (clock.now().timestamp() + d) as u64;
            t.generate(at).to_string().parse().unwrap()
        })
        .collect();
    let mut n = 123_456u32;
    while right.contains(&n) {
        n = (n + 1) % 1_000_000;
    }
    format!("{n:06}")
}

/// The claims of a JWT (not verified: the OpenID tests verify signatures).
fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// Enrols and confirms an authenticator app for the holder of `token`: (method id,
/// secret). The clock then moves on 30 s, so the next code is a fresh one.
pub async fn enrolled(app: &TestApp, clock: &TestClock, token: &str) -> (String, String) {
    let e = json_with(
        app.post(
            "/api/v1/me/authentication-methods/totp",
            token,
            json!({"name": "Phone"}),
        )
        .await,
        201,
    )
    .await;
    let (id, secret) = (
        e["id"].as_str().unwrap().to_owned(),
        e["secret"].as_str().unwrap().to_owned(),
    );
    let code = code_at(&secret, clock);
    let resp = app
        .post(
            &format!("/api/v1/me/authentication-methods/{id}/verify"),
            token,
            json!({ "code": code }),
        )
        .await;
    json_with(resp, 200).await;
    clock.advance(Duration::from_secs(30));
    (id, secret)
}

async fn delete_with(app: &TestApp, token: &str, id: &str, code: &str) -> reqwest::Response {
    app.request(
        reqwest::Method::DELETE,
        &format!("/api/v1/me/authentication-methods/{id}"),
        Some(token),
    )
    .json(&json!({ "code": code }))
    .send()
    .await
    .unwrap()
}

#[tokio::test]
async fn an_authenticator_app_is_enrolled_confirmed_listed_and_removed_codes_single_use() {
    let (app, clock) = TestApp::spawn_with_clock(|_| {}).await;
    let admin = app.admin_token().await;
    app.create_user(&admin, STAFF, "Tom Baker").await;
    let token = app.token(STAFF, USER_PASSWORD).await;

    let resp = app
        .post(
            "/api/v1/me/authentication-methods/totp",
            &token,
            json!({"name": "Phone"}),
        )
        .await;
    assert_eq!(resp.headers().get("cache-control").unwrap(), "no-store");
    let e = json_with(resp, 201).await;
    let (id, secret) = (e["id"].as_str().unwrap(), e["secret"].as_str().unwrap());
    assert_eq!(secret.len(), 32, "160 bits in base32");
    let uri = e["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/OpenStaff:"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")) && uri.contains("issuer=OpenStaff"));
    assert!(e["qr_svg"].as_str().unwrap().contains("<svg"));

    // Not confirmed: it does not count and is not listed.
    let mine = app
        .get_ok("/api/v1/me/authentication-methods", &token)
        .await;
    assert_eq!(mine["items"], json!([]));

    let wrong = wrong_code(secret, &clock);
    let resp = app
        .post(
            &format!("/api/v1/me/authentication-methods/{id}/verify"),
            &token,
            json!({ "code": wrong }),
        )
        .await;
    let body = assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "code");
    assert_eq!(body["errors"][0]["code"], "incorrect");
    assert!(!body.to_string().contains(&wrong), "{body}");

    let code = code_at(secret, &clock);
    let resp = app
        .post(
            &format!("/api/v1/me/authentication-methods/{id}/verify"),
            &token,
            json!({ "code": code }),
        )
        .await;
    let m = json_with(resp, 200).await;
    assert_eq!(m["kind"], "totp");
    assert_eq!(m["name"], "Phone");

    let mine = app
        .get_ok("/api/v1/me/authentication-methods", &token)
        .await;
    let items = mine["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["name"], "Phone");
    assert!(items[0]["created_at"].is_string() && items[0]["last_used_at"].is_string());
    assert!(
        !mine.to_string().contains(secret),
        "never the secret: {mine}"
    );
    let keys: Vec<&String> = items[0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["created_at", "id", "kind", "last_used_at", "name"]);

    // Confirmed once; the same code again does not remove it either (single use).
    let again = app
        .post(
            &format!("/api/v1/me/authentication-methods/{id}/verify"),
            &token,
            json!({ "code": code }),
        )
        .await;
    assert_problem(again, 409, "conflict").await;
    let replay = delete_with(&app, &token, id, &code).await;
    assert_problem(replay, 422, "validation_failed").await;

    clock.advance(Duration::from_secs(30));
    let fresh = code_at(secret, &clock);
    assert_eq!(delete_with(&app, &token, id, &fresh).await.status(), 204);
    let mine = app
        .get_ok("/api/v1/me/authentication-methods", &token)
        .await;
    assert_eq!(mine["items"], json!([]));
    assert_eq!(
        app.audit_count("Register authenticator app", "success")
            .await,
        1
    );
    assert_eq!(
        app.audit_count("Remove authenticator app", "success").await,
        1
    );
    let audit = app.audit_dump().await;
    assert!(audit.contains("Authenticator app (Phone)"), "{audit}");
    app.assert_audit_chain_valid().await;
}

#[tokio::test]
async fn an_enrolment_not_confirmed_within_ten_minutes_expires() {
    let (app, clock) = TestApp::spawn_with_clock(|_| {}).await;
    let admin = app.admin_token().await;
    app.create_user(&admin, STAFF, "Tom Baker").await;
    let token = app.token(STAFF, USER_PASSWORD).await;
    let e = json_with(
        app.post("/api/v1/me/authentication-methods/totp", &token, json!({}))
            .await,
        201,
    )
    .await;
    clock.advance(Duration::from_secs(600));
    let code = code_at(e["secret"].as_str().unwrap(), &clock);
    let resp = app
        .post(
            &format!(
                "/api/v1/me/authentication-methods/{}/verify",
                e["id"].as_str().unwrap()
            ),
            &token,
            json!({ "code": code }),
        )
        .await;
    assert_problem(resp, 404, "not_found").await;
    let long = "x".repeat(65);
    let resp = app
        .post(
            "/api/v1/me/authentication-methods/totp",
            &token,
            json!({ "name": long }),
        )
        .await;
    assert_problem(resp, 422, "validation_failed").await;
}

#[tokio::test]
async fn the_hosted_page_asks_for_the_code_and_the_tokens_say_otp() {
    let (app, clock) = TestApp::spawn_with_clock(|_| {}).await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    app.create_user(&admin, STAFF, "Tom Baker").await;
    let token = app.token(STAFF, USER_PASSWORD).await;

    // Before enrolling: a password is all it takes, and the tokens say so.
    let mut b = Browser::new();
    let (code, verifier) = crate::oidc::code_for(&mut b, &app, &rp, STAFF, USER_PASSWORD).await;
    let t = json_with(exchange(&app, &rp, &code, &verifier).await, 200).await;
    let id = claims(t["id_token"].as_str().unwrap());
    assert_eq!(id["amr"], json!(["pwd"]));
    assert_eq!(
        claims(t["access_token"].as_str().unwrap())["amr"],
        json!(["pwd"])
    );

    let (_, secret) = enrolled(&app, &clock, &token).await;
    let (verifier, challenge) = pkce();
    let url = crate::oidc::authorize_url(&app, &rp.client_id, &challenge, &[("prompt", "login")]);
    let mut b = Browser::new();
    let resp = sign_in_page(&mut b, &app, &url, STAFF, USER_PASSWORD).await;
    assert_eq!(resp.status(), 200, "a second step, not a redirect");
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("Enter the code from your authenticator app"),
        "{html}"
    );
    assert!(html.contains("<label for=\"code\">Code</label>"));
    assert!(html.contains("autocomplete=\"one-time-code\""));
    assert!(html.contains("inputmode=\"numeric\""));
    assert!(!b.has_session(), "no session on the password alone");

    // The code step's form does not serve as a sign-in form.
    let reuse = post_page_form(
        &mut b,
        &app,
        "/oauth2/sign-in",
        &html,
        &[("username", STAFF), ("password", USER_PASSWORD)],
    )
    .await;
    assert_eq!(reuse.status(), 400);

    let right = code_at(&secret, &clock);
    let resp = post_page_form(
        &mut b,
        &app,
        "/oauth2/verify-code",
        &html,
        &[("code", &right)],
    )
    .await;
    let q = location_query(&resp);
    assert!(b.has_session());
    let t = json_with(exchange(&app, &rp, &q["code"], &verifier).await, 200).await;
    let id = claims(t["id_token"].as_str().unwrap());
    assert_eq!(id["amr"], json!(["pwd", "otp", "mfa"]));
    assert_eq!(
        id["auth_time"].as_u64(),
        Some(clock.now().timestamp() as u64)
    );
    let access = claims(t["access_token"].as_str().unwrap());
    assert_eq!(access["amr"], json!(["pwd", "otp", "mfa"]));
    assert!(access["auth_time"].is_u64());

    // The same code a second time, on a new sign-in: refused (single use).
    let (_, challenge) = pkce();
    let url = crate::oidc::authorize_url(&app, &rp.client_id, &challenge, &[("prompt", "login")]);
    let mut b = Browser::new();
    let html = sign_in_page(&mut b, &app, &url, STAFF, USER_PASSWORD)
        .await
        .text()
        .await
        .unwrap();
    let resp = post_page_form(
        &mut b,
        &app,
        "/oauth2/verify-code",
        &html,
        &[("code", &right)],
    )
    .await;
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("That code is not right, or was used already"),
        "{html}"
    );
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(!html.contains(&right), "the code is not echoed back");
}

#[tokio::test]
async fn five_wrong_codes_lock_the_account_like_wrong_passwords() {
    let (app, clock) = TestApp::spawn_with_clock(|_| {}).await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    app.create_user(&admin, STAFF, "Tom Baker").await;
    let token = app.token(STAFF, USER_PASSWORD).await;
    let (_, secret) = enrolled(&app, &clock, &token).await;

    let (_, challenge) = pkce();
    let url = crate::oidc::authorize_url(&app, &rp.client_id, &challenge, &[]);
    let mut b = Browser::new();
    let mut html = sign_in_page(&mut b, &app, &url, STAFF, USER_PASSWORD)
        .await
        .text()
        .await
        .unwrap();
    let wrong = wrong_code(&secret, &clock);
    for i in 1..=5 {
        let resp = post_page_form(
            &mut b,
            &app,
            "/oauth2/verify-code",
            &html,
            &[("code", &wrong)],
        )
        .await;
        assert_eq!(resp.status(), 200);
        let page = resp.text().await.unwrap();
        if i < 5 {
            assert!(
                page.contains("That code is not right"),
                "attempt {i}: {page}"
            );
        } else {
            assert!(
                page.contains("This account is locked"),
                "attempt {i}: {page}"
            );
        }
        html = page;
    }
    // Locked: the right code does not help, nor does the password.
    let right = code_at(&secret, &clock);
    let resp = post_page_form(
        &mut b,
        &app,
        "/oauth2/verify-code",
        &html,
        &[("code", &right)],
    )
    .await;
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("This account is locked"));
    let again = crate::reset::sign_in(&app, STAFF, USER_PASSWORD).await;
    assert_problem(again, 401, "account_locked").await;
    let failures = app.audit_dump().await;
    assert!(
        failures.contains("invalid_code; account locked"),
        "{failures}"
    );
}

#[tokio::test]
async fn managers_see_kinds_and_dates_only_under_the_reading_rules() {
    let (app, clock) = TestApp::spawn_with_clock(|_| {}).await;
    let admin = app.admin_token().await;
    let staff_id = app.create_user(&admin, STAFF, "Tom Baker").await;
    let token = app.token(STAFF, USER_PASSWORD).await;
    let (_, secret) = enrolled(&app, &clock, &token).await;
    let unit = app.create_unit(&admin, "Store 12", false).await;
    app.add_member(&admin, &unit, &staff_id).await;
    let (_, helpdesk) = app
        .staff_with_role(
            &admin,
            "hana.helpdesk@contoso.example",
            "Hana Helpdesk",
            "helpdesk_administrator",
            Some(&unit),
        )
        .await;

    let path = format!("/api/v1/users/{staff_id}/authentication-methods");
    for caller in [&admin, &helpdesk] {
        let listed = app.get_ok(&path, caller).await;
        let items = listed["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["kind"], "totp");
        let keys: Vec<&String> = items[0].as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["created_at", "kind", "last_used_at"],
            "kinds and dates only"
        );
        assert!(!listed.to_string().contains(&secret));
        assert!(!listed.to_string().contains("Phone"), "not even the name");
    }
    // Someone with no role may not read others' methods; an unknown user is 404.
    let other = app
        .create_user(&admin, "una.other@contoso.example", "Una Other")
        .await;
    let una = app.token("una.other@contoso.example", USER_PASSWORD).await;
    assert_problem(app.get(&path, &una).await, 403, "no_admin_role").await;
    let missing = format!(
        "/api/v1/users/{}/authentication-methods",
        uuid::Uuid::now_v7()
    );
    assert_problem(app.get(&missing, &admin).await, 404, "not_found").await;
    // My Staff switched off for the helpdesk admin: refused like the phone methods.
    app.set_my_staff_access(&admin, "selected", &[&other]).await;
    assert_problem(app.get(&path, &helpdesk).await, 403, "my_staff_not_enabled").await;
    let phones = format!("/api/v1/users/{staff_id}/phone-methods");
    assert_problem(
        app.get(&phones, &helpdesk).await,
        403,
        "my_staff_not_enabled",
    )
    .await;
}

/// The web app's code exchange for `q` (a redirect's query) and `verifier`.
async fn web_app_exchange(app: &TestApp, code: &str, verifier: &str) -> Value {
    let callback = format!("{}{WEB_APP_CALLBACK_PATH}", app.address);
    json_with(
        token_request(
            app,
            &web_app(),
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", &callback),
                ("code_verifier", verifier),
                ("client_id", &WEB_APP.to_string()),
            ],
        )
        .await,
        200,
    )
    .await
}

#[tokio::test]
async fn with_admin_mfa_required_an_admin_enrols_at_sign_in_and_the_password_grant_refuses() {
    let (app, clock) = TestApp::spawn_with_clock(|c| c.policy.admin_mfa = AdminMfa::Required).await;
    let admin_upn = crate::helpers::ADMIN_UPN;
    let admin_password = crate::helpers::ADMIN_PASSWORD;
    let refused = crate::reset::sign_in(&app, admin_upn, admin_password).await;
    let body = assert_problem(refused, 403, "mfa_required").await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("Sign in through the OpenStaff identity provider"),
        "{body}"
    );
    assert!(!body.to_string().contains(admin_password));

    // The hosted page: after the password, the enrolment (QR code, key, code).
    let (verifier, challenge) = pkce();
    let mut b = Browser::new();
    let resp = sign_in_page(
        &mut b,
        &app,
        &web_app_authorize(&app, &challenge),
        admin_upn,
        admin_password,
    )
    .await;
    assert_eq!(resp.status(), 200);
    let csp = resp
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.starts_with("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    let html = resp.text().await.unwrap();
    assert!(html.contains("Set up an authenticator app"), "{html}");
    assert!(html.contains("<svg") && html.contains("role=\"img\""));
    assert!(html.contains("<label for=\"code\">Code</label>"));
    assert!(!b.has_session());
    let start = html.find("id=\"secret\">").unwrap() + "id=\"secret\">".len();
    let grouped = &html[start..start + html[start..].find('<').unwrap()];
    assert!(grouped.split(' ').all(|g| g.len() <= 4), "{grouped}");
    let secret: String = grouped.split(' ').collect();
    assert_eq!(secret.len(), 32);

    let wrong = wrong_code(&secret, &clock);
    let resp = post_page_form(
        &mut b,
        &app,
        "/oauth2/enrol-totp",
        &html,
        &[("code", &wrong)],
    )
    .await;
    let again = resp.text().await.unwrap();
    assert!(again.contains("That code is not right") && again.contains(grouped));
    assert_eq!(field(&again, "request"), field(&html, "request"));

    let right = code_at(&secret, &clock);
    let resp = post_page_form(
        &mut b,
        &app,
        "/oauth2/enrol-totp",
        &again,
        &[("code", &right)],
    )
    .await;
    let q = location_query(&resp);
    let t = web_app_exchange(&app, &q["code"], &verifier).await;
    let access = t["access_token"].as_str().unwrap().to_owned();
    assert_eq!(claims(&access)["amr"], json!(["pwd", "otp", "mfa"]));
    assert_eq!(
        app.audit_count("Register authenticator app", "success")
            .await,
        1
    );
    // The API token works, and the app is listed.
    let mine = app
        .get_ok("/api/v1/me/authentication-methods", &access)
        .await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);

    // A user without a role still signs in with a password alone.
    app.create_user(&access, STAFF, "Tom Baker").await;
    app.token(STAFF, USER_PASSWORD).await;

    // Next time: the code step, not another enrolment.
    clock.advance(Duration::from_secs(30));
    let (_, challenge) = pkce();
    let mut b = Browser::new();
    let html = sign_in_page(
        &mut b,
        &app,
        &web_app_authorize(&app, &challenge),
        admin_upn,
        admin_password,
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        html.contains("Enter the code from your authenticator app"),
        "{html}"
    );
}

#[tokio::test]
async fn once_someone_has_an_authenticator_app_a_password_alone_gets_no_token() {
    // Even with the admin policy off: the password grant would be the way around it.
    let (app, clock) = TestApp::spawn_with_clock(|_| {}).await;
    let admin = app.admin_token().await;
    app.create_user(&admin, STAFF, "Tom Baker").await;
    let token = app.token(STAFF, USER_PASSWORD).await;
    enrolled(&app, &clock, &token).await;
    let refused = crate::reset::sign_in(&app, STAFF, USER_PASSWORD).await;
    let body = assert_problem(refused, 403, "mfa_required").await;
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("/oauth2/authorize"));
    assert!(app.audit_dump().await.contains("mfa_required"));
}

/// The "Sign-in" rows about `upn` as (result, reason, the methods named), oldest first.
async fn sign_ins_of(app: &TestApp, upn: &str) -> Vec<(String, String, String)> {
    let rows = sqlx::query_as::<_, (String, Option<String>, String)>(
        "SELECT result, result_reason, target_resources FROM audit_events \
         WHERE activity = 'Sign-in' ORDER BY seq",
    )
    .fetch_all(app.store.reader())
    .await
    .unwrap();
    rows.into_iter()
        .filter(|(_, _, t)| t.contains(upn))
        .map(|(result, reason, targets)| {
            let targets: Value = serde_json::from_str(&targets).unwrap();
            let methods = targets
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|t| {
                    t["modified_properties"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                })
                .find(|p| p["name"] == "authentication_methods")
                .and_then(|p| p["new_value"].as_str().map(str::to_owned))
                .unwrap_or_default();
            (result, reason.unwrap_or_default(), methods)
        })
        .collect()
}

#[tokio::test]
async fn a_sign_in_is_audited_as_a_success_only_once_its_second_factor_completes_it() {
    let (app, clock) = TestApp::spawn_with_clock(|_| {}).await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    app.create_user(&admin, STAFF, "Tom Baker").await;
    let token = app.token(STAFF, USER_PASSWORD).await;
    assert_eq!(
        sign_ins_of(&app, STAFF).await,
        vec![("success".into(), String::new(), "Password".into())],
        "the password grant is a whole sign-in"
    );
    let (_, secret) = enrolled(&app, &clock, &token).await;

    // The right password, then the code page left: nothing succeeded.
    let (verifier, challenge) = pkce();
    let url = crate::oidc::authorize_url(&app, &rp.client_id, &challenge, &[]);
    let mut b = Browser::new();
    let html = sign_in_page(&mut b, &app, &url, STAFF, USER_PASSWORD)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        sign_ins_of(&app, STAFF).await.len(),
        1,
        "not at the password"
    );

    // A wrong code is a failed sign-in; the right one completes it, once.
    let resp = post_page_form(
        &mut b,
        &app,
        "/oauth2/verify-code",
        &html,
        &[("code", &wrong_code(&secret, &clock))],
    )
    .await;
    let html = resp.text().await.unwrap();
    let resp = post_page_form(
        &mut b,
        &app,
        "/oauth2/verify-code",
        &html,
        &[("code", &code_at(&secret, &clock))],
    )
    .await;
    let q = location_query(&resp);
    json_with(exchange(&app, &rp, &q["code"], &verifier).await, 200).await;
    assert_eq!(
        sign_ins_of(&app, STAFF).await[1..],
        [
            ("failure".into(), "invalid_code".into(), String::new()),
            (
                "success".into(),
                String::new(),
                "Password, Authenticator app".into()
            ),
        ]
    );

    // Single sign-on by the live session is a sign-in too, and says so.
    let (_, challenge) = pkce();
    let url = crate::oidc::authorize_url(&app, &rp.client_id, &challenge, &[]);
    let resp = b.get(&app, &url).await;
    assert!(location_query(&resp).contains_key("code"));
    assert_eq!(
        sign_ins_of(&app, STAFF).await.last().unwrap().2,
        "Existing session (Password, Authenticator app)"
    );

    // The password grant refuses once, as a failure only.
    let refused = crate::reset::sign_in(&app, STAFF, USER_PASSWORD).await;
    assert_problem(refused, 403, "mfa_required").await;
    let last = sign_ins_of(&app, STAFF).await.pop().unwrap();
    assert_eq!(
        (last.0.as_str(), last.1.as_str()),
        ("failure", "mfa_required")
    );
    assert_eq!(
        app.audit_count("Sign-in", "success").await,
        4,
        "the admin's, and Tom's three"
    );
}

#[tokio::test]
async fn a_password_grant_refused_for_lack_of_a_second_factor_leaves_a_temporary_password_unspent()
{
    let (app, clock) = TestApp::spawn_with_clock(|_| {}).await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let tom = app.create_user(&admin, STAFF, "Tom Baker").await;
    let token = app.token(STAFF, USER_PASSWORD).await;
    let (_, secret) = enrolled(&app, &clock, &token).await;
    let reset = app
        .post(
            &format!("/api/v1/users/{tom}/reset-password"),
            &admin,
            json!({}),
        )
        .await;
    let temporary = json_with(reset, 200).await["temporary_password"]
        .as_str()
        .unwrap()
        .to_owned();

    // Tom tries the API first: refused, and the temporary password is not spent.
    let refused = crate::reset::sign_in(&app, STAFF, &temporary).await;
    assert_problem(refused, 403, "mfa_required").await;

    // On the hosted page it still works: the code, then the new password.
    let (_, challenge) = pkce();
    let url = crate::oidc::authorize_url(&app, &rp.client_id, &challenge, &[]);
    let mut b = Browser::new();
    let html = sign_in_page(&mut b, &app, &url, STAFF, &temporary)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Enter the code from your authenticator app"),
        "{html}"
    );
    let resp = post_page_form(
        &mut b,
        &app,
        "/oauth2/verify-code",
        &html,
        &[("code", &code_at(&secret, &clock))],
    )
    .await;
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("new_password"), "the forced change: {html}");
    assert!(
        sign_ins_of(&app, STAFF)
            .await
            .iter()
            .all(|(result, _, methods)| result == "failure" || methods == "Password"),
        "no success before the new password is set"
    );
}

#[tokio::test]
async fn with_mfa_for_everyone_a_staff_member_enrols_at_sign_in_and_a_password_alone_no_longer_refreshes(
) {
    let (app, clock) = TestApp::spawn_with_clock(|_| {}).await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    app.create_user(&admin, STAFF, "Tom Baker").await;
    assert_eq!(
        app.get_ok("/api/v1/settings/sign-in", &admin).await,
        json!({"mfa_for_everyone": false, "sms_sign_in": false})
    );

    // Before: Tom signs in with a password alone, and his application holds a
    // refresh token and the browser a provider session.
    let mut b = Browser::new();
    let (code, verifier) = crate::oidc::code_for(&mut b, &app, &rp, STAFF, USER_PASSWORD).await;
    let before = json_with(exchange(&app, &rp, &code, &verifier).await, 200).await;

    // Only a tenant-wide global administrator sets the policy; a refusal is audited.
    let helpdesk_upn = "hana.ito@contoso.example";
    let helpdesk = app.create_user(&admin, helpdesk_upn, "Hana Ito").await;
    app.assign(&admin, &helpdesk, "user_administrator", None)
        .await;
    let hana = app.token(helpdesk_upn, USER_PASSWORD).await;
    let refused = app
        .put(
            "/api/v1/settings/sign-in",
            &hana,
            json!({"mfa_for_everyone": true}),
        )
        .await;
    assert_problem(refused, 403, "global_admin_required").await;
    assert_problem(
        app.get("/api/v1/settings/sign-in", &hana).await,
        403,
        "global_admin_required",
    )
    .await;
    assert_eq!(
        app.audit_count("Update authentication methods policy", "failure")
            .await,
        1
    );
    // Bad bodies change nothing.
    for bad in [
        json!({"mfa_for_everyone": "yes"}),
        json!({"mfa_for_everyone": true, "x": 1}),
    ] {
        let resp = app.put("/api/v1/settings/sign-in", &admin, bad).await;
        assert!(
            matches!(resp.status().as_u16(), 400 | 422),
            "{}",
            resp.status()
        );
        assert_eq!(
            resp.headers().get("content-type").unwrap(),
            "application/problem+json"
        );
    }
    let set = app
        .put(
            "/api/v1/settings/sign-in",
            &admin,
            json!({"mfa_for_everyone": true}),
        )
        .await;
    // `sms_sign_in` left out is off.
    assert_eq!(
        json_with(set, 200).await,
        json!({"mfa_for_everyone": true, "sms_sign_in": false})
    );
    let dump = app.audit_dump().await;
    let line = dump
        .lines()
        .find(|l| {
            l.starts_with("Update authentication methods policy\t")
                && l.contains("\"new_value\":\"true\"")
        })
        .unwrap_or_else(|| panic!("{dump}"));
    assert!(line.contains("\"old_value\":\"false\""), "{line}");

    // After: the password-only refresh token is refused (and its grant ended) ...
    let refresh_token = before["refresh_token"].as_str().unwrap();
    crate::oidc::oauth_error(
        crate::oidc::refresh(&app, &rp, refresh_token).await,
        400,
        "invalid_grant",
    )
    .await;
    // ... the password grant refuses Tom, who has no role at all ...
    let grant = crate::reset::sign_in(&app, STAFF, USER_PASSWORD).await;
    assert_problem(grant, 403, "mfa_required").await;
    // ... and the live password-only session no longer signs him in: the sign-in page
    // again, then the enrolment of an authenticator app, then the application.
    let (verifier, challenge) = pkce();
    let url = crate::oidc::authorize_url(&app, &rp.client_id, &challenge, &[]);
    let page = b.get(&app, &url).await;
    assert_eq!(page.status(), 200, "the sign-in page, not single sign-on");
    let resp = sign_in_page(&mut b, &app, &url, STAFF, USER_PASSWORD).await;
    let html = resp.text().await.unwrap();
    assert!(html.contains("Set up an authenticator app"), "{html}");
    assert!(html.contains("Your organisation asks for a second factor"));
    let start = html.find("id=\"secret\">").unwrap() + "id=\"secret\">".len();
    let secret: String = html[start..start + html[start..].find('<').unwrap()]
        .split(' ')
        .collect();
    let resp = post_page_form(
        &mut b,
        &app,
        "/oauth2/enrol-totp",
        &html,
        &[("code", &code_at(&secret, &clock))],
    )
    .await;
    let q = location_query(&resp);
    let after = json_with(exchange(&app, &rp, &q["code"], &verifier).await, 200).await;
    assert_eq!(
        claims(after["access_token"].as_str().unwrap())["amr"],
        json!(["pwd", "otp", "mfa"])
    );
    // A sign-in with the second factor refreshes as before.
    json_with(
        crate::oidc::refresh(&app, &rp, after["refresh_token"].as_str().unwrap()).await,
        200,
    )
    .await;
    app.assert_audit_chain_valid().await;
}
