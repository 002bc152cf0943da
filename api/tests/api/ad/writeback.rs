//! Password writeback, the user's own change and pass-through sign-in, against the
//! real DC: the domain's verdict is final and OpenStaff keeps no copy.

use super::{AdUser, Dc, TestOu};
use crate::helpers::*;
use crate::oidc::{
    authorize_url, exchange, location_query, pkce, post_page_form, register_rota, sign_in_page,
    Browser,
};
use openstaff::directory::sync::{sync, SyncMode, SyncOutcome};
use openstaff::directory::DirectoryError;
use openstaff::state::ClockAndIds;
use serde_json::{json, Value};

const START: &str = "Start-Shift-2026";

/// A server connected to `ou` of the DC.
async fn app_for(dc: &Dc, ou: &TestOu) -> TestApp {
    let cfg = dc.config(ou);
    TestApp::spawn_with(move |c| c.directory = cfg).await
}

/// The OpenStaff user for an AD user, linked by `objectGUID` as the sync links them.
async fn linked_user(app: &TestApp, admin: &str, ad: &AdUser) -> String {
    let id = app
        .create_user_with(
            admin,
            json!({
                "user_principal_name": ad.upn,
                "display_name": ad.display_name,
                "source": "on_premises",
                "password": USER_PASSWORD,
            }),
        )
        .await;
    let mut tx = app.store.begin().await.unwrap();
    sqlx::query("UPDATE users SET external_id = $1, password_hash = '!directory' WHERE id = $2")
        .bind(ad.guid.to_string())
        .bind(&id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

/// A store manager (password administrator of Lina's location) and Lina, linked.
async fn store_with_lina(dc: &Dc, ou: &TestOu, app: &TestApp) -> (AdUser, String, String) {
    let admin = app.admin_token().await;
    let lina = dc.create_user(ou, "Lina", "Morel", START);
    let lina_id = linked_user(app, &admin, &lina).await;
    let manager = manager_of(app, &admin, &lina_id).await;
    (lina, lina_id, manager)
}

/// A password administrator of a new store with `member` in it: their token.
async fn manager_of(app: &TestApp, admin: &str, member: &str) -> String {
    let store = app.create_unit(admin, "Store 12", false).await;
    app.add_member(admin, &store, member).await;
    let (_, manager) = app
        .staff_with_role(
            admin,
            "mara.store12@contoso.example",
            "Mara Quinn",
            "password_administrator",
            Some(&store),
        )
        .await;
    manager
}

async fn reset(app: &TestApp, token: &str, user: &str, password: &str) -> reqwest::Response {
    app.post(
        &format!("/api/v1/users/{user}/reset-password"),
        token,
        json!({ "password": password }),
    )
    .await
}

async fn stored_hash(app: &TestApp, id: &str) -> String {
    sqlx::query_as::<_, (String,)>("SELECT password_hash FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(app.store.reader())
        .await
        .unwrap()
        .0
}

#[tokio::test]
async fn a_managers_reset_is_written_to_the_domain_and_the_user_changes_it_there() {
    let Some(dc) = Dc::lock().await else { return };
    let ou = dc.ou();
    let app = app_for(&dc, &ou).await;
    let admin = app.admin_token().await;
    let lina = dc.create_user(&ou, "Lina", "Morel", START);
    // The directory sync brings her in; the admin puts her in a store.
    let ran = sync(
        &dc.directory(&ou),
        &app.store,
        &ClockAndIds::system(),
        SyncMode::Full,
    )
    .await
    .unwrap();
    assert!(matches!(ran, SyncOutcome::Ran(_)), "{ran:?}");
    let found = app
        .get_ok(&format!("/api/v1/users?search={}", lina.sam), &admin)
        .await;
    let lina_id = found["items"][0]["id"].as_str().unwrap().to_owned();
    let manager = manager_of(&app, &admin, &lina_id).await;
    // Her store manager finds her through her store.
    let page = app
        .get_ok("/api/v1/me/administrative-units", &manager)
        .await;
    let store = page["items"][0]["id"].as_str().unwrap().to_owned();
    let members = app
        .get_ok(
            &format!("/api/v1/administrative-units/{store}/members"),
            &manager,
        )
        .await;
    assert_eq!(item_names(&members), vec![lina.display_name.clone()]);

    let body = json_with(
        reset(&app, &manager, &lina_id, "Harbor-Lights-2027").await,
        200,
    )
    .await;
    assert_eq!(body["temporary_password"], Value::Null, "{body}");
    assert_eq!(body["force_change_password_next_sign_in"], true);

    // The domain has it: must change at next sign-in, and the old password is gone.
    assert_eq!(dc.attr(&lina.dn, "pwdLastSet").as_deref(), Some("0"));
    assert!(matches!(
        dc.bind(&ou, &lina.dn, "Harbor-Lights-2027").await,
        Err(DirectoryError::MustChangePassword)
    ));
    assert!(matches!(
        dc.bind(&ou, &lina.dn, START).await,
        Err(DirectoryError::InvalidCredentials)
    ));
    // OpenStaff keeps no copy.
    assert_eq!(stored_hash(&app, &lina_id).await, "!directory");
    let audit = app.audit_dump().await;
    assert!(audit.contains("password_written_to"), "{audit}");
    assert!(!audit.contains("Harbor-Lights-2027"));

    // Lina signs in to an application through OpenStaff with the manager's password:
    // the domain's "must change" leads to the change form, which wants the current
    // password too (the domain changes a password only with the old one).
    let rp = register_rota(&app, &admin).await;
    let mut b = Browser::new();
    let (verifier, challenge) = pkce();
    let url = authorize_url(&app, &rp.client_id, &challenge, &[]);
    let page = sign_in_page(&mut b, &app, &url, &lina.upn, "Harbor-Lights-2027").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Choose a new password"), "{html}");
    assert!(html.contains("<label for=\"current_password\">Current password</label>"));
    assert!(
        html.contains("At least 7 characters"),
        "the domain's rules: {html}"
    );
    assert!(html.contains("Not one of your last 24 passwords"), "{html}");

    // The domain's history rule applies to her own choice.
    let again = post_page_form(
        &mut b,
        &app,
        "/oauth2/change-password",
        &html,
        &[
            ("current_password", "Harbor-Lights-2027"),
            ("new_password", "Harbor-Lights-2027"),
            ("confirm_password", "Harbor-Lights-2027"),
        ],
    )
    .await;
    assert_eq!(again.status(), 200);
    let html = again.text().await.unwrap();
    assert!(html.contains("not one of the last 24 passwords"), "{html}");

    let done = post_page_form(
        &mut b,
        &app,
        "/oauth2/change-password",
        &html,
        &[
            ("current_password", "Harbor-Lights-2027"),
            ("new_password", "Quiet-Morning-Tram-8"),
            ("confirm_password", "Quiet-Morning-Tram-8"),
        ],
    )
    .await;
    let q = location_query(&done);
    let tokens = json_with(exchange(&app, &rp, &q["code"], &verifier).await, 200).await;
    assert!(tokens["id_token"].is_string());

    // The new password binds in AD; no forced change is left.
    dc.bind(&ou, &lina.dn, "Quiet-Morning-Tram-8")
        .await
        .unwrap();
    assert_ne!(dc.attr(&lina.dn, "pwdLastSet").as_deref(), Some("0"));
    assert_eq!(stored_hash(&app, &lina_id).await, "!directory");
    // And the API's password sign-in passes through to AD too.
    let t = app.token(&lina.upn, "Quiet-Morning-Tram-8").await;
    assert!(app.me(&t).await.password_in_directory);
    assert!(!app.me(&manager).await.password_in_directory);
    app.assert_audit_chain_valid().await;
}

#[tokio::test]
async fn a_password_the_domain_refuses_answers_422_with_its_rules_and_changes_nothing() {
    let Some(dc) = Dc::lock().await else { return };
    let ou = dc.ou();
    let app = app_for(&dc, &ou).await;
    let (lina, lina_id, manager) = store_with_lina(&dc, &ou, &app).await;

    let problem = assert_problem(
        reset(&app, &manager, &lina_id, "abc").await,
        422,
        "validation_failed",
    )
    .await;
    let text = problem.to_string();
    assert!(text.contains("at least 7 characters"), "{problem}");
    assert!(text.contains("three of four"), "{problem}");
    let codes: Vec<String> = problem_errors(&problem)
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    assert!(codes.contains(&"too_short".to_owned()), "{problem}");

    // Long enough, one kind of character: the domain's complexity rule.
    let problem = assert_problem(
        reset(&app, &manager, &lina_id, "alllowercaseletters").await,
        422,
        "validation_failed",
    )
    .await;
    assert!(problem.to_string().contains("three of four"), "{problem}");

    // Nothing changed anywhere: the old password still binds, no forced change.
    dc.bind(&ou, &lina.dn, START).await.unwrap();
    assert_ne!(dc.attr(&lina.dn, "pwdLastSet").as_deref(), Some("0"));
    let t = app.token(&lina.upn, START).await;
    assert!(!t.is_empty());
    assert_eq!(
        app.audit_count("Reset password (by admin)", "failure")
            .await,
        2
    );
    let audit = app.audit_dump().await;
    assert!(audit.contains("refused_by_directory"), "{audit}");
    assert!(!audit.contains("alllowercaseletters"));
}

#[tokio::test]
async fn with_the_dc_stopped_directory_resets_answer_503_and_cloud_users_are_unaffected() {
    let Some(dc) = Dc::lock().await else { return };
    let ou = dc.ou();
    let app = app_for(&dc, &ou).await;
    let (lina, lina_id, manager) = store_with_lina(&dc, &ou, &app).await;
    let admin = app.admin_token().await;
    let cloud = app
        .create_user(&admin, "sam.cloud@contoso.example", "Sam Cloud")
        .await;

    dc.stop();
    let started = std::time::Instant::now();
    let problem = assert_problem(
        reset(&app, &manager, &lina_id, "Harbor-Lights-2027").await,
        503,
        "directory_unavailable",
    )
    .await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(7),
        "bounded"
    );
    assert!(!problem.to_string().contains("Harbor"));
    // Pass-through sign-in says so too, and counts nothing against the account.
    let signin = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"username": lina.upn, "password": START}))
        .send()
        .await
        .unwrap();
    assert_problem(signin, 503, "directory_unavailable").await;
    // The hosted page says it in words, on the page, and keeps the name typed.
    let rp = register_rota(&app, &admin).await;
    let mut b = Browser::new();
    let (_, challenge) = pkce();
    let url = authorize_url(&app, &rp.client_id, &challenge, &[]);
    let page = sign_in_page(&mut b, &app, &url, &lina.upn, START).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Your company directory can"), "{html}");
    assert!(html.contains("to check your password"), "{html}");
    assert!(html.contains(&lina.upn));
    // Cloud users are unaffected.
    let body = json_with(
        app.post(
            &format!("/api/v1/users/{cloud}/reset-password"),
            &admin,
            json!({}),
        )
        .await,
        200,
    )
    .await;
    assert!(body["temporary_password"].is_string());
    assert_eq!(
        app.audit_count("Reset password (by admin)", "failure")
            .await,
        1
    );
    assert!(app.audit_dump().await.contains("directory_unavailable"));
    dc.start();
    // Nothing was half-written: the old password still binds once the DC is back.
    dc.bind(&ou, &lina.dn, START).await.unwrap();
    assert_eq!(stored_hash(&app, &lina_id).await, "!directory");
}

#[tokio::test]
async fn pass_through_sign_in_tells_the_domains_answers_apart() {
    let Some(dc) = Dc::lock().await else { return };
    let ou = dc.ou();
    let app = app_for(&dc, &ou).await;
    let admin = app.admin_token().await;
    let omar = dc.create_user(&ou, "Omar", "Haddad", START);
    linked_user(&app, &admin, &omar).await;
    let token = |password: &'static str| {
        let app = &app;
        let upn = omar.upn.clone();
        async move {
            app.client
                .post(app.url("/api/v1/auth/token"))
                .json(&json!({"username": upn, "password": password}))
                .send()
                .await
                .unwrap()
        }
    };
    // The AD password works; OpenStaff's own (from when the user was made) does not.
    assert_eq!(token(START).await.status(), 200);
    assert_problem(token(USER_PASSWORD).await, 401, "invalid_credentials").await;
    // Lockout is the domain's: failures here lock nothing locally.
    for _ in 0..6 {
        assert_problem(token("Wrong-Guess-99").await, 401, "invalid_credentials").await;
    }
    assert_eq!(token(START).await.status(), 200);
    // Disabled in the domain.
    dc.samba_tool(&["user", "disable", &omar.sam]);
    let problem = assert_problem(token(START).await, 401, "account_disabled").await;
    assert!(problem.to_string().contains("disabled"));
}

/// The code of the last text message (the development outbox).
async fn texted_code(app: &TestApp) -> String {
    let messages = app.sms_messages().await;
    let (_, body) = messages.last().expect("a text message");
    body.chars().take(8).collect()
}

#[tokio::test]
async fn a_self_service_reset_of_an_on_premises_user_is_written_to_the_domain() {
    let Some(dc) = Dc::lock().await else { return };
    let ou = dc.ou();
    let app = app_for(&dc, &ou).await;
    let admin = app.admin_token().await;
    let (lina, lina_id, _) = store_with_lina(&dc, &ou, &app).await;
    let put = app
        .put(
            &format!("/api/v1/users/{lina_id}/phone-methods/mobile"),
            &admin,
            json!({ "phone_number": "+33698765432" }),
        )
        .await;
    assert!(put.status().is_success(), "{}", put.text().await.unwrap());
    let rp = register_rota(&app, &admin).await;

    let mut b = Browser::new();
    let (verifier, challenge) = pkce();
    let url = authorize_url(&app, &rp.client_id, &challenge, &[]);
    let html = b.get(&app, &url).await.text().await.unwrap();
    let html = post_page_form(&mut b, &app, "/oauth2/reset", &html, &[])
        .await
        .text()
        .await
        .unwrap();
    let html = post_page_form(
        &mut b,
        &app,
        "/oauth2/reset/send",
        &html,
        &[("username", &lina.upn)],
    )
    .await
    .text()
    .await
    .unwrap();
    let code = texted_code(&app).await;
    let html = post_page_form(
        &mut b,
        &app,
        "/oauth2/reset/verify",
        &html,
        &[("code", &code)],
    )
    .await
    .text()
    .await
    .unwrap();
    // The domain's rules, no current password (a reset, as an administrator writes it).
    assert!(html.contains("action=\"/oauth2/reset/password\""), "{html}");
    assert!(!html.contains("current_password"), "{html}");
    // The domain refuses a weak one, in words, and nothing changes.
    let weak = post_page_form(
        &mut b,
        &app,
        "/oauth2/reset/password",
        &html,
        &[("new_password", "abc"), ("confirm_password", "abc")],
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(weak.contains("There is a problem"), "{weak}");
    dc.bind(&ou, &lina.dn, START).await.unwrap();
    let chosen = "Harbor-Lights-2027";
    let done = post_page_form(
        &mut b,
        &app,
        "/oauth2/reset/password",
        &weak,
        &[("new_password", chosen), ("confirm_password", chosen)],
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(done.contains("Your password has been reset"), "{done}");
    // Written to AD: the new password binds there, with no forced change (Samba may
    // still take the old one for its "old password allowed period"); no local copy.
    dc.bind(&ou, &lina.dn, chosen).await.unwrap();
    assert_ne!(dc.attr(&lina.dn, "pwdLastSet").as_deref(), Some("0"));
    assert_eq!(stored_hash(&app, &lina_id).await, "!directory");
    // And she signs in to the application with it (pass-through to the domain).
    let back = post_page_form(
        &mut b,
        &app,
        "/oauth2/sign-in",
        &done,
        &[("username", &lina.upn), ("password", chosen)],
    )
    .await;
    let q = location_query(&back);
    let tokens = exchange(&app, &rp, &q["code"], &verifier).await;
    assert_eq!(tokens.status(), 200);
    let audit = app.audit_dump().await;
    assert!(audit.contains("Reset password (self-service)"), "{audit}");
    assert!(audit.contains("refused_by_directory"), "{audit}");
    assert!(!audit.contains(chosen) && !audit.contains(&code));
    app.assert_audit_chain_valid().await;
}
