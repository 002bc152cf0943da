//! OpenStaff's own applications (the web app and the API explorer) sign in through
//! the provider like any relying party, but get API tokens; administrators never see
//! or edit them. And what "My account" reads: the caller's applications and their
//! own phone numbers, masked.

use crate::helpers::{
    assert_problem, json_as, json_with, TestApp, ADMIN_PASSWORD, ADMIN_UPN, USER_PASSWORD,
};
use crate::oidc::{
    exchange, location_query, pkce, register, register_rota, sign_in_page, token_request, Browser,
    Rp, REDIRECT,
};
use serde_json::{json, Value};
use shared::first_party::{API_EXPLORER, WEB_APP, WEB_APP_CALLBACK_PATH, WEB_APP_SCOPE};

pub fn web_app() -> Rp {
    Rp {
        client_id: WEB_APP.to_string(),
        secret: None,
    }
}

/// The web app's authorization request, as the SPA builds it.
pub fn web_app_authorize(app: &TestApp, challenge: &str) -> String {
    web_app_authorize_at(app, &app.address, challenge)
}

/// The same, for a server whose public URL is `issuer` (such as `localhost` for
/// passkeys); the request itself still goes to the test's address.
pub fn web_app_authorize_at(app: &TestApp, issuer: &str, challenge: &str) -> String {
    let mut u = url::Url::parse(&format!("{}/oauth2/authorize", app.address)).unwrap();
    u.query_pairs_mut()
        .append_pair("client_id", &WEB_APP.to_string())
        .append_pair("redirect_uri", &format!("{issuer}{WEB_APP_CALLBACK_PATH}"))
        .append_pair("response_type", "code")
        .append_pair("scope", WEB_APP_SCOPE)
        .append_pair("state", "spa-state")
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256");
    u.to_string()
}

/// Signs `upn` in to the web app through the hosted page: the token answer.
async fn web_app_tokens(app: &TestApp, upn: &str, password: &str) -> Value {
    web_app_tokens_at(app, &app.address, upn, password).await
}

/// The same, for a server whose public URL is `issuer`.
pub async fn web_app_tokens_at(app: &TestApp, issuer: &str, upn: &str, password: &str) -> Value {
    let (verifier, challenge) = pkce();
    let mut b = Browser::new();
    let resp = sign_in_page(
        &mut b,
        app,
        &web_app_authorize_at(app, issuer, &challenge),
        upn,
        password,
    )
    .await;
    let q = location_query(&resp);
    assert_eq!(q["state"], "spa-state");
    let callback = format!("{issuer}{WEB_APP_CALLBACK_PATH}");
    let resp = token_request(
        app,
        &web_app(),
        &[
            ("grant_type", "authorization_code"),
            ("code", &q["code"]),
            ("redirect_uri", &callback),
            ("code_verifier", &verifier),
            ("client_id", &WEB_APP.to_string()),
        ],
    )
    .await;
    json_with(resp, 200).await
}

#[tokio::test]
async fn the_web_app_signs_in_through_the_provider_and_gets_api_tokens_that_refresh() {
    let app = TestApp::spawn().await;
    let t = web_app_tokens(&app, ADMIN_UPN, ADMIN_PASSWORD).await;
    let access = t["access_token"].as_str().unwrap();
    assert_eq!(app.me(access).await.user_principal_name, ADMIN_UPN);

    let refreshed = token_request(
        &app,
        &web_app(),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", t["refresh_token"].as_str().unwrap()),
            ("client_id", &WEB_APP.to_string()),
        ],
    )
    .await;
    let r = json_with(refreshed, 200).await;
    let renewed = r["access_token"].as_str().unwrap();
    assert_ne!(renewed, access);
    assert_eq!(app.me(renewed).await.user_principal_name, ADMIN_UPN);
}

#[tokio::test]
async fn another_applications_access_token_opens_nothing_in_the_api() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let mut b = Browser::new();
    let (code, verifier) =
        crate::oidc::code_for(&mut b, &app, &rp, ADMIN_UPN, ADMIN_PASSWORD).await;
    let t: Value = json_as(exchange(&app, &rp, &code, &verifier).await, 200).await;
    // The rota app's token is for the rota app: it may not reset anyone's password.
    let resp = app
        .get("/api/v1/me", t["access_token"].as_str().unwrap())
        .await;
    assert_problem(resp, 401, "invalid_token").await;
}

#[tokio::test]
async fn the_web_app_and_the_explorer_are_registered_but_not_administered() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let page = app.get_ok("/api/v1/applications", &admin).await;
    assert_eq!(page["items"], json!([]), "OpenStaff's own are not listed");
    for id in [WEB_APP, API_EXPLORER] {
        let path = format!("/api/v1/applications/{id}");
        assert_problem(app.get(&path, &admin).await, 404, "not_found").await;
        assert_problem(app.delete(&path, &admin).await, 404, "not_found").await;
        let patch = app
            .request(reqwest::Method::PATCH, &path, Some(&admin))
            .json(&json!({"display_name": "Mine now"}))
            .send()
            .await
            .unwrap();
        assert_problem(patch, 404, "not_found").await;
    }
    // The explorer's sign-in is one the provider accepts.
    let (_, challenge) = pkce();
    let mut u = url::Url::parse(&format!("{}/oauth2/authorize", app.address)).unwrap();
    u.query_pairs_mut()
        .append_pair("client_id", &API_EXPLORER.to_string())
        .append_pair(
            "redirect_uri",
            &format!("{}/api/docs/oauth2-redirect.html", app.address),
        )
        .append_pair("response_type", "code")
        .append_pair("scope", "openid profile")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let page = Browser::new().get(&app, u.as_str()).await;
    assert_eq!(page.status(), 200);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("OpenStaff API explorer"));
    // A redirect URI elsewhere is refused with a page, as for any application.
    let wrong = u.as_str().replace("oauth2-redirect.html", "evil.html");
    let page = Browser::new().get(&app, &wrong).await;
    assert_eq!(page.status(), 400);
}

#[tokio::test]
async fn my_account_lists_the_applications_i_may_start_and_my_phones_masked() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let store = app.create_unit(&admin, "Store 012", false).await;
    let inside = app
        .create_user(&admin, "in@contoso.example", "Inside")
        .await;
    app.create_user(&admin, "out@contoso.example", "Outside")
        .await;
    app.add_member(&admin, &store, &inside).await;
    register_rota(&app, &admin).await;
    register(
        &app,
        &admin,
        json!({
            "display_name": "Till",
            "start_url": "https://till.contoso.example/",
            "redirect_uris": [REDIRECT],
            "sign_in_audience": "locations",
            "allowed_unit_ids": [store],
        }),
    )
    .await;
    register(
        &app,
        &admin,
        json!({"display_name": "Back office", "redirect_uris": [REDIRECT]}),
    )
    .await;

    let names = |page: &Value| -> Vec<(String, String)> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["display_name"].as_str().unwrap().to_owned(),
                    a["start_url"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let inside_token = app.token("in@contoso.example", USER_PASSWORD).await;
    let mine = app.get_ok("/api/v1/me/applications", &inside_token).await;
    assert_eq!(
        names(&mine),
        [
            (
                "Rota".to_owned(),
                "https://rota.contoso.example/".to_owned()
            ),
            (
                "Till".to_owned(),
                "https://till.contoso.example/".to_owned()
            ),
        ],
        "no start URL, not listed; restricted to a location, listed for its members"
    );
    let outside_token = app.token("out@contoso.example", USER_PASSWORD).await;
    let theirs = app.get_ok("/api/v1/me/applications", &outside_token).await;
    assert_eq!(names(&theirs).len(), 1);

    let none = app.get_ok("/api/v1/me/phone-methods", &inside_token).await;
    assert_eq!(none["items"], json!([]));
    let set = app
        .put(
            &format!("/api/v1/users/{inside}/phone-methods/mobile"),
            &admin,
            json!({"phone_number": "+33 6 12 34 56 78"}),
        )
        .await;
    assert!(set.status().is_success(), "{}", set.status());
    let phones = app.get_ok("/api/v1/me/phone-methods", &inside_token).await;
    let item = &phones["items"][0];
    assert_eq!(item["type"], "mobile");
    assert_eq!(item["masked"], true);
    let shown = item["phone_number"].as_str().unwrap();
    assert!(shown.ends_with("78") && !shown.contains("12 34"), "{shown}");

    let anonymous = app
        .request(reqwest::Method::GET, "/api/v1/me/applications", None)
        .send()
        .await
        .unwrap();
    assert_problem(anonymous, 401, "missing_token").await;
}
