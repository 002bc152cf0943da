//! Password reset by a manager (SPEC section 3): temporary passwords for cloud
//! users, typed passwords for on-premises users, the forced change, the rules and
//! their audit trail, lockout clearing and idempotent retries.

use crate::helpers::{assert_problem, json_as, json_with, TestApp, USER_PASSWORD};
use chrono::{Duration, Utc};
use openstaff::time::Span;
use reqwest::{Method, Response};
use serde_json::{json, Value};
use shared::dto::{ResetPasswordResponse, TokenResponse};

pub(crate) const ACTIVITY: &str = "Reset password (by admin)";
const ALPHABET: &str = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789#%+=?@";

/// `POST /api/v1/auth/token`, whatever the outcome.
pub(crate) async fn sign_in(app: &TestApp, username: &str, password: &str) -> Response {
    app.client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

/// Signs in and asserts it works; returns (token, password_change_required).
pub(crate) async fn sign_in_ok(app: &TestApp, username: &str, password: &str) -> (String, bool) {
    let body: TokenResponse = json_as(sign_in(app, username, password).await, 200).await;
    (body.access_token, body.password_change_required)
}

/// `POST /users/{id}/reset-password` with an optional JSON body (None sends no body
/// at all) and an optional Idempotency-Key.
pub(crate) async fn reset(
    app: &TestApp,
    token: &str,
    user: &str,
    body: Option<Value>,
    key: Option<&str>,
) -> Response {
    let mut rb = app.request(
        Method::POST,
        &format!("/api/v1/users/{user}/reset-password"),
        Some(token),
    );
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    if let Some(k) = key {
        rb = rb.header("Idempotency-Key", k);
    }
    rb.send().await.unwrap()
}

/// [`reset`], which must succeed.
pub(crate) async fn reset_ok(
    app: &TestApp,
    token: &str,
    user: &str,
    body: Option<Value>,
    key: Option<&str>,
) -> ResetPasswordResponse {
    json_as(reset(app, token, user, body, key).await, 200).await
}

/// Resets a cloud user's password; returns the temporary password.
pub(crate) async fn reset_cloud(app: &TestApp, token: &str, user: &str) -> String {
    reset_ok(app, token, user, None, None)
        .await
        .temporary_password
        .expect("a cloud reset returns a temporary password")
}

/// The (field, code) pairs of a validation problem.
pub(crate) fn field_codes(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// `POST /me/password`.
async fn change_password(app: &TestApp, token: &str, current: String, new: String) -> Response {
    app.post(
        "/api/v1/me/password",
        token,
        json!({"current_password": current, "new_password": new}),
    )
    .await
}

/// The reset audit rows as (result, result_reason, first target id), oldest first.
async fn reset_rows(app: &TestApp) -> Vec<(String, Option<String>, String)> {
    let rows: Vec<(String, Option<String>, String)> = sqlx::query_as(
        "SELECT result, result_reason, target_resources FROM audit_events \
         WHERE activity = $1 ORDER BY seq",
    )
    .bind(ACTIVITY)
    .fetch_all(app.store.reader())
    .await
    .unwrap();
    rows.into_iter()
        .map(|(result, reason, targets)| {
            let targets: Value = serde_json::from_str(&targets).unwrap();
            let id = targets[0]["id"].as_str().unwrap_or_default().to_owned();
            (result, reason, id)
        })
        .collect()
}

/// A location with one member and a manager holding `role` scoped to it.
struct Store {
    unit: String,
    member: String,
    member_upn: String,
    manager_token: String,
}

async fn store_with_manager(app: &TestApp, admin: &str, role: &str) -> Store {
    let unit = app.create_unit(admin, "Store 7 Harbour", false).await;
    let member_upn = "jonas.weber@contoso.example";
    let member = app.create_user(admin, member_upn, "Jonas Weber").await;
    app.add_member(admin, &unit, &member).await;
    let manager = app
        .create_user(admin, "ines.morel@contoso.example", "Ines Morel")
        .await;
    app.assign(admin, &manager, role, Some(&unit)).await;
    let manager_token = app.token("ines.morel@contoso.example", USER_PASSWORD).await;
    Store {
        unit,
        member,
        member_upn: member_upn.to_owned(),
        manager_token,
    }
}

#[tokio::test]
async fn cloud_reset_gives_a_one_use_temporary_password_and_ends_old_sessions() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let s = store_with_manager(&app, &admin, "authentication_administrator").await;
    let (before, pcr) = sign_in_ok(&app, &s.member_upn, USER_PASSWORD).await;
    assert!(!pcr);
    app.get_ok("/api/v1/me", &before).await;

    let resp = reset(&app, &s.manager_token, &s.member, None, None).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("no-store")
    );
    let body: ResetPasswordResponse = resp.json().await.unwrap();
    let temp = body.temporary_password.unwrap();
    assert!(temp.chars().count() >= 16, "{temp}");
    assert!(
        temp.chars().all(|c| ALPHABET.contains(c)),
        "character outside the alphabet: {temp}"
    );
    assert!(body.force_change_password_next_sign_in);
    assert!(!body.replayed);
    let expires = body.expires_at.unwrap();
    let expected = Utc::now() + Duration::hours(24);
    assert!(
        (expires - expected).num_seconds().abs() < 120,
        "expires_at {expires}, expected about {expected}"
    );
    // The session from before the reset has ended.
    assert_problem(app.get("/api/v1/me", &before).await, 401, "token_revoked").await;
    // The old password no longer works.
    assert_problem(
        sign_in(&app, &s.member_upn, USER_PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;

    // The temporary password signs in once, into a password-change-only session.
    let (pcr_token, pcr) = sign_in_ok(&app, &s.member_upn, &temp).await;
    assert!(pcr, "a temporary password must force a change");
    assert_problem(
        app.get("/api/v1/me", &pcr_token).await,
        403,
        "password_change_required",
    )
    .await;
    assert_problem(
        app.get("/api/v1/administrative-units", &pcr_token).await,
        403,
        "password_change_required",
    )
    .await;
    // ... and only once.
    assert_problem(
        sign_in(&app, &s.member_upn, &temp).await,
        401,
        "temporary_password_expired",
    )
    .await;

    // The restricted session can still complete the change.
    let resp = app
        .post(
            "/api/v1/me/password",
            &pcr_token,
            json!({"current_password": temp, "new_password": "Velvet-Orchard-Compass-81"}),
        )
        .await;
    assert_eq!(resp.status(), 204, "{}", resp.text().await.unwrap());
    let (token, pcr) = sign_in_ok(&app, &s.member_upn, "Velvet-Orchard-Compass-81").await;
    assert!(!pcr);
    app.get_ok("/api/v1/me", &token).await;

    // Two resets never hand out the same password.
    let other = app
        .create_user(&admin, "lea.martin@contoso.example", "Lea Martin")
        .await;
    app.add_member(&admin, &s.unit, &other).await;
    let a = reset_cloud(&app, &s.manager_token, &other).await;
    let b = reset_cloud(&app, &s.manager_token, &other).await;
    assert_ne!(a, b);
    assert_ne!(a, temp);
    app.assert_audit_chain_valid().await;
}

#[tokio::test]
async fn an_expired_temporary_password_does_not_sign_in() {
    let app = TestApp::spawn_with(|cfg| cfg.policy.temp_password_ttl = Span::ZERO).await;
    let admin = app.admin_token().await;
    let user = app
        .create_user(&admin, "tara.singh@contoso.example", "Tara Singh")
        .await;
    let body = reset_ok(&app, &admin, &user, None, None).await;
    let temp = body.temporary_password.unwrap();
    let expires = body.expires_at.unwrap();
    assert!((expires - Utc::now()).num_seconds().abs() < 60, "{expires}");
    assert_problem(
        sign_in(&app, "tara.singh@contoso.example", &temp).await,
        401,
        "temporary_password_expired",
    )
    .await;
    // A wrong password is still just wrong (no hint that a reset happened).
    assert_problem(
        sign_in(
            &app,
            "tara.singh@contoso.example",
            "Not-The-Temp-Password-1",
        )
        .await,
        401,
        "invalid_credentials",
    )
    .await;
}

#[tokio::test]
async fn cloud_reset_takes_no_password_and_rejects_bad_bodies() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app
        .create_user(&admin, "omar.haddad@contoso.example", "Omar Haddad")
        .await;

    let problem = assert_problem(
        reset(
            &app,
            &admin,
            &user,
            Some(json!({"password": "Chosen-By-Manager-2026"})),
            None,
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        field_codes(&problem),
        vec![("password".to_owned(), "not_allowed".to_owned())]
    );
    assert!(!problem.to_string().contains("Chosen-By-Manager-2026"));

    for raw in ["{\"password\": ", "not json", "{'password': 1}"] {
        let resp = app
            .request(
                Method::POST,
                &format!("/api/v1/users/{user}/reset-password"),
                Some(&admin),
            )
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_problem(resp, 400, "malformed_json").await;
    }
    // Unknown fields are refused rather than ignored.
    assert_problem(
        reset(&app, &admin, &user, Some(json!({"pasword": "x"})), None).await,
        422,
        "validation_failed",
    )
    .await;

    // None of that reset anything.
    sign_in_ok(&app, "omar.haddad@contoso.example", USER_PASSWORD).await;
    assert_eq!(app.audit_count(ACTIVITY, "success").await, 0);

    // No body at all, and an empty object, both work.
    let body = reset_ok(&app, &admin, &user, None, None).await;
    assert!(body.temporary_password.is_some());
    let body = reset_ok(&app, &admin, &user, Some(json!({})), None).await;
    assert!(body.temporary_password.is_some());
    assert_eq!(app.audit_count(ACTIVITY, "success").await, 2);
}

#[tokio::test]
async fn on_premises_reset_needs_a_typed_password_meeting_the_policy() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let upn = "nadia.okafor@contoso.example";
    let user = app
        .create_user_with(
            &admin,
            json!({
                "user_principal_name": upn,
                "display_name": "Nadia Okafor",
                "source": "on_premises",
                "password": USER_PASSWORD,
            }),
        )
        .await;

    for body in [None, Some(json!({})), Some(json!({"password": null}))] {
        let problem = assert_problem(
            reset(&app, &admin, &user, body, None).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(
            field_codes(&problem),
            vec![("password".to_owned(), "required".to_owned())]
        );
    }

    let problem = assert_problem(
        reset(&app, &admin, &user, Some(json!({"password": "abc"})), None).await,
        422,
        "validation_failed",
    )
    .await;
    let codes = field_codes(&problem);
    assert!(codes.iter().all(|(f, _)| f == "password"), "{problem}");
    let codes: Vec<&str> = codes.iter().map(|(_, c)| c.as_str()).collect();
    assert!(codes.contains(&"too_short"), "{problem}");
    assert!(codes.contains(&"too_few_character_classes"), "{problem}");
    assert!(!codes.contains(&"contains_name"), "{problem}");

    // Long enough with three classes, but it holds the surname (any case).
    let problem = assert_problem(
        reset(
            &app,
            &admin,
            &user,
            Some(json!({"password": "OKAFOR-lights-2026"})),
            None,
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        field_codes(&problem),
        vec![("password".to_owned(), "contains_name".to_owned())]
    );
    assert!(!problem.to_string().contains("lights-2026"), "{problem}");

    // Nothing was reset by the refusals.
    sign_in_ok(&app, upn, USER_PASSWORD).await;

    let body = json_with(
        reset(
            &app,
            &admin,
            &user,
            Some(json!({"password": "Harbor-Lights-2026"})),
            None,
        )
        .await,
        200,
    )
    .await;
    let obj = body.as_object().unwrap();
    assert!(!obj.contains_key("temporary_password"), "{body}");
    assert!(!obj.contains_key("expires_at"), "{body}");
    assert_eq!(body["force_change_password_next_sign_in"], true);

    assert_problem(
        sign_in(&app, upn, USER_PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    let (token, pcr) = sign_in_ok(&app, upn, "Harbor-Lights-2026").await;
    assert!(pcr);
    assert_problem(
        app.get("/api/v1/me", &token).await,
        403,
        "password_change_required",
    )
    .await;
    // A typed password is not one-use.
    let (_, pcr) = sign_in_ok(&app, upn, "Harbor-Lights-2026").await;
    assert!(pcr);
    assert_eq!(app.audit_count(ACTIVITY, "success").await, 1);
}

#[tokio::test]
async fn the_forced_change_enforces_the_cloud_policy() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let upn = "quentin.marchetti@contoso.example";
    let user = app.create_user(&admin, upn, "Quentin Marchetti").await;
    let temp = reset_cloud(&app, &admin, &user).await;
    let (pcr_token, pcr) = sign_in_ok(&app, upn, &temp).await;
    assert!(pcr);

    let change = |current: &str, new: &str| {
        change_password(&app, &pcr_token, current.to_owned(), new.to_owned())
    };
    let codes_of = |problem: &Value, field: &str| -> Vec<String> {
        field_codes(problem)
            .into_iter()
            .filter(|(f, _)| f == field)
            .map(|(_, c)| c)
            .collect()
    };

    let problem = assert_problem(
        change("Wrong-Current-Guess-11", "Velvet-Orchard-Compass-81").await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(codes_of(&problem, "current_password"), vec!["incorrect"]);

    let problem = assert_problem(change(&temp, "Ab1!xyz").await, 422, "validation_failed").await;
    assert!(
        codes_of(&problem, "new_password").contains(&"too_short".to_owned()),
        "{problem}"
    );
    let problem = assert_problem(
        change(&temp, "passwordpassword").await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(codes_of(&problem, "new_password"), vec!["too_weak"]);
    let problem = assert_problem(
        change(&temp, "Marchetti-Lantern-Orbit-77").await,
        422,
        "validation_failed",
    )
    .await;
    assert!(
        codes_of(&problem, "new_password").contains(&"contains_name".to_owned()),
        "{problem}"
    );
    // The current (temporary) password, and the one from before the reset.
    let problem = assert_problem(change(&temp, &temp).await, 422, "validation_failed").await;
    assert_eq!(codes_of(&problem, "new_password"), vec!["password_reused"]);
    let problem =
        assert_problem(change(&temp, USER_PASSWORD).await, 422, "validation_failed").await;
    assert_eq!(codes_of(&problem, "new_password"), vec!["password_reused"]);
    assert!(!problem.to_string().contains(USER_PASSWORD));
    assert!(!problem.to_string().contains(&temp));

    // The refusals changed nothing: the restricted session still works.
    let resp = change(&temp, "Velvet-Orchard-Compass-81").await;
    assert_eq!(resp.status(), 204, "{}", resp.text().await.unwrap());
    assert_problem(
        app.post(
            "/api/v1/me/password",
            &pcr_token,
            json!({"current_password": "Velvet-Orchard-Compass-81", "new_password": "Another-Quiet-Harbor-55"}),
        )
        .await,
        401,
        "token_revoked",
    )
    .await;
    assert_problem(
        app.get("/api/v1/me", &pcr_token).await,
        401,
        "token_revoked",
    )
    .await;
    assert_problem(sign_in(&app, upn, &temp).await, 401, "invalid_credentials").await;
    let (token, pcr) = sign_in_ok(&app, upn, "Velvet-Orchard-Compass-81").await;
    assert!(!pcr);
    assert_eq!(app.my_id(&token).await, user);
    assert_eq!(
        app.audit_count("Change password (self)", "success").await,
        1
    );
    assert_eq!(
        app.audit_count("Change password (self)", "failure").await,
        1
    );
}

#[tokio::test]
async fn denied_resets_are_refused_with_the_rule_and_audited() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let unit_a = app.create_unit(&admin, "Store A", false).await;
    let unit_b = app.create_unit(&admin, "Store B", false).await;
    let vault = app.create_unit(&admin, "Vault", true).await;
    let a_member = app
        .create_user(&admin, "amy.a@contoso.example", "Amy Alpha")
        .await;
    let b_member = app
        .create_user(&admin, "ben.b@contoso.example", "Ben Bravo")
        .await;
    let a_admin = app
        .create_user(&admin, "pat.a@contoso.example", "Pat Alpha")
        .await;
    let vault_member = app
        .create_user(&admin, "vic.v@contoso.example", "Vic Vault")
        .await;
    let user_admin = app
        .create_user(&admin, "uma.u@contoso.example", "Uma Admin")
        .await;
    app.add_member(&admin, &unit_a, &a_member).await;
    app.add_member(&admin, &unit_b, &b_member).await;
    app.add_member(&admin, &unit_a, &a_admin).await;
    app.assign(&admin, &a_admin, "password_administrator", Some(&unit_b))
        .await;
    // Only an admin assigned at a restricted location may change its members.
    let keeper = app
        .create_user(&admin, "kim.k@contoso.example", "Kim Keeper")
        .await;
    app.assign(&admin, &keeper, "user_administrator", Some(&vault))
        .await;
    let keeper = app.token("kim.k@contoso.example", USER_PASSWORD).await;
    app.add_member(&keeper, &vault, &vault_member).await;
    app.assign(&admin, &user_admin, "user_administrator", None)
        .await;

    let helpdesk = app
        .create_user(&admin, "hal.h@contoso.example", "Hal Helpdesk")
        .await;
    app.assign(&admin, &helpdesk, "helpdesk_administrator", Some(&unit_a))
        .await;
    let hd = app.token("hal.h@contoso.example", USER_PASSWORD).await;
    let dir_helpdesk = app
        .create_user(&admin, "dee.d@contoso.example", "Dee Directory")
        .await;
    app.assign(&admin, &dir_helpdesk, "helpdesk_administrator", None)
        .await;
    let dhd = app.token("dee.d@contoso.example", USER_PASSWORD).await;

    let problem = assert_problem(
        reset(&app, &hd, &b_member, None, None).await,
        403,
        "target_out_of_scope",
    )
    .await;
    assert_eq!(
        problem["detail"],
        "You can only reset passwords for people in your locations."
    );
    assert_problem(
        reset(&app, &hd, &a_admin, None, None).await,
        403,
        "target_is_admin",
    )
    .await;
    assert_problem(
        reset(&app, &dhd, &user_admin, None, None).await,
        403,
        "target_privileged",
    )
    .await;
    assert_problem(
        reset(&app, &hd, &helpdesk, None, None).await,
        403,
        "self_action",
    )
    .await;
    assert_problem(
        reset(&app, &admin, &vault_member, None, None).await,
        403,
        "target_in_restricted_unit",
    )
    .await;

    // The refused targets keep their passwords.
    for upn in [
        "ben.b@contoso.example",
        "pat.a@contoso.example",
        "uma.u@contoso.example",
        "vic.v@contoso.example",
    ] {
        sign_in_ok(&app, upn, USER_PASSWORD).await;
    }

    let body = reset_ok(&app, &hd, &a_member, None, None).await;
    assert!(body.temporary_password.is_some());
    // The restricted location's own admin may reset its member.
    let body = reset_ok(&app, &keeper, &vault_member, None, None).await;
    assert!(body.temporary_password.is_some());

    let rows = reset_rows(&app).await;
    let expected = [
        ("failure", Some("target_out_of_scope"), &b_member),
        ("failure", Some("target_is_admin"), &a_admin),
        ("failure", Some("target_privileged"), &user_admin),
        ("failure", Some("self_action"), &helpdesk),
        ("failure", Some("target_in_restricted_unit"), &vault_member),
        ("success", None, &a_member),
        ("success", None, &vault_member),
    ];
    assert_eq!(rows.len(), expected.len(), "{rows:?}");
    for (row, (result, reason, target)) in rows.iter().zip(expected) {
        assert_eq!(row.0, result, "{rows:?}");
        assert_eq!(row.1.as_deref(), reason, "{rows:?}");
        assert_eq!(&row.2, target, "{rows:?}");
    }

    // With My Staff switched off, even an allowed reset is refused.
    let resp = app
        .put(
            "/api/v1/settings/my-staff",
            &admin,
            json!({"access": "none", "selected_user_ids": []}),
        )
        .await;
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
    assert_problem(
        reset(&app, &hd, &a_member, None, None).await,
        403,
        "my_staff_not_enabled",
    )
    .await;
    assert_eq!(app.audit_count(ACTIVITY, "success").await, 2);
    app.assert_audit_chain_valid().await;
}

#[tokio::test]
async fn a_reset_clears_the_lockout() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let upn = "lou.locked@contoso.example";
    let user = app.create_user(&admin, upn, "Lou Locked").await;
    for _ in 0..5 {
        assert_problem(
            sign_in(&app, upn, "Not-My-Password-99").await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    let resp = sign_in(&app, upn, USER_PASSWORD).await;
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0);
    assert_problem(resp, 401, "account_locked").await;

    let temp = reset_cloud(&app, &admin, &user).await;
    let (_, pcr) = sign_in_ok(&app, upn, &temp).await;
    assert!(pcr);
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_outcome() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let x = app
        .create_user(&admin, "xena.x@contoso.example", "Xena Xu")
        .await;
    let y = app
        .create_user(&admin, "yuri.y@contoso.example", "Yuri Yang")
        .await;

    let first = reset_ok(&app, &admin, &x, None, Some("retry-1")).await;
    let temp = first.temporary_password.clone().unwrap();
    assert!(!first.replayed);

    let resp = reset(&app, &admin, &x, None, Some("retry-1")).await;
    assert_eq!(
        resp.headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("no-store")
    );
    // Raw JSON: the replay must leave the password out altogether.
    let second = json_with(resp, 200).await;
    assert_eq!(second["replayed"], true, "{second}");
    assert!(
        !second
            .as_object()
            .unwrap()
            .contains_key("temporary_password"),
        "{second}"
    );
    let second_expires: chrono::DateTime<Utc> =
        second["expires_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(Some(second_expires), first.expires_at);
    assert_eq!(second["force_change_password_next_sign_in"], true);
    assert_eq!(app.audit_count(ACTIVITY, "success").await, 1);

    // The same key for another user is a conflict, and resets nothing.
    assert_problem(
        reset(&app, &admin, &y, None, Some("retry-1")).await,
        409,
        "idempotency_key_reused",
    )
    .await;
    for bad in [String::new(), "k".repeat(129)] {
        assert_problem(
            reset(&app, &admin, &y, None, Some(&bad)).await,
            400,
            "invalid_idempotency_key",
        )
        .await;
    }
    // 128 characters is fine.
    let ok = reset_ok(&app, &admin, &y, None, Some(&"k".repeat(128))).await;
    assert!(ok.temporary_password.is_some());
    assert_eq!(app.audit_count(ACTIVITY, "success").await, 2);

    // The replay did not reset again: the first temporary password still works.
    let (_, pcr) = sign_in_ok(&app, "xena.x@contoso.example", &temp).await;
    assert!(pcr);
    // A different key is a new reset.
    let third = reset_ok(&app, &admin, &x, None, Some("retry-2")).await;
    assert!(!third.replayed);
    assert!(third.temporary_password.is_some());
    assert_eq!(app.audit_count(ACTIVITY, "success").await, 3);
}
