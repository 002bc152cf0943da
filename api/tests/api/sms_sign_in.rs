//! The mobile number put to work at sign-in (issue 14): SMS sign-in, when the tenant
//! allows it, for staff without an admin role (`amr` `sms`, one factor); and a code by
//! text message as the second factor where the policy asks for one (`pwd sms mfa`),
//! refused for admins unless the server runs `--admin-sms-mfa allow`.

use crate::helpers::*;
use crate::oidc::{
    authorize_url, exchange, location_query, pkce, post_page_form, register_rota, sign_in_page,
    Browser, Rp,
};
use crate::sspr::{last_code, lena, sign_in_html, LENA, LENA_MOBILE};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openstaff::config::AdminSmsMfa;
use serde_json::{json, Value};

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

async fn set_policy(app: &TestApp, admin: &str, policy: Value) {
    let resp = app.put("/api/v1/settings/sign-in", admin, policy).await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
}

/// "Sign in with a text message code", then the sign-in name: the code page.
async fn ask_sign_in_code(b: &mut Browser, app: &TestApp, html: &str, name: &str) -> String {
    let start = post_page_form(b, app, "/oauth2/sms", html, &[]).await;
    assert_eq!(start.status(), 200);
    let html = start.text().await.unwrap();
    assert!(
        html.contains("<h1>Sign in with a text message code</h1>"),
        "{html}"
    );
    let sent = post_page_form(b, app, "/oauth2/sms/send", &html, &[("username", name)]).await;
    assert_eq!(sent.status(), 200);
    sent.text().await.unwrap()
}

/// The tokens for a redirect back to the application.
async fn tokens(app: &TestApp, rp: &Rp, resp: &reqwest::Response, verifier: &str) -> Value {
    let q = location_query(resp);
    json_with(exchange(app, rp, &q["code"], verifier).await, 200).await
}

#[tokio::test]
async fn with_sms_sign_in_allowed_staff_sign_in_with_the_code_texted_to_their_mobile() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    lena(&app, &admin).await;

    // Off by default: no button, and a form posted anyway gets the sign-in page back.
    let mut b = Browser::new();
    let html = sign_in_html(&mut b, &app, &rp.client_id).await;
    assert!(!html.contains("Sign in with a text message code"), "{html}");
    let off = post_page_form(&mut b, &app, "/oauth2/sms", &html, &[]).await;
    let off = off.text().await.unwrap();
    assert!(off.contains("turned off"), "{off}");
    assert!(app.sms_messages().await.is_empty());

    set_policy(
        &app,
        &admin,
        json!({"mfa_for_everyone": false, "sms_sign_in": true}),
    )
    .await;
    let (verifier, challenge) = pkce();
    let url = authorize_url(&app, &rp.client_id, &challenge, &[]);
    let mut b = Browser::new();
    let html = b.get(&app, &url).await.text().await.unwrap();
    assert!(html.contains("Sign in with a text message code"), "{html}");
    let page = ask_sign_in_code(&mut b, &app, &html, LENA).await;
    assert!(page.contains("<h1>Enter the code</h1>"), "{page}");
    assert!(page.contains("action=\"/oauth2/sms/verify\""), "{page}");
    let messages = app.sms_messages().await;
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0].1.contains("is your OpenStaff sign-in code"),
        "{:?}",
        messages[0]
    );
    let code = last_code(&app, LENA_MOBILE).await;

    // A reset code's form does not take a sign-in code, nor the other way round.
    let crossed = post_page_form(
        &mut b,
        &app,
        "/oauth2/reset/verify",
        &page,
        &[("code", &code)],
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(crossed.contains("has expired"), "{crossed}");

    let wrong = if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    let again = post_page_form(
        &mut b,
        &app,
        "/oauth2/sms/verify",
        &page,
        &[("code", wrong)],
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(again.contains("That code isn&#39;t right"), "{again}");
    assert!(!b.has_session());
    let resp = post_page_form(
        &mut b,
        &app,
        "/oauth2/sms/verify",
        &again,
        &[("code", &code)],
    )
    .await;
    assert_eq!(resp.status(), 303, "{}", resp.text().await.unwrap());
    assert!(b.has_session());
    let t = tokens(&app, &rp, &resp, &verifier).await;
    let id = claims(t["id_token"].as_str().unwrap());
    assert_eq!(id["amr"], json!(["sms"]), "one factor");
    assert_eq!(id["preferred_username"], LENA);
    let dump = app.audit_dump().await;
    assert!(dump.contains("Text message code"), "{dump}");
    assert!(!dump.contains(&code) && !dump.contains(LENA_MOBILE));

    // The code was used once.
    let reused = post_page_form(
        &mut b,
        &app,
        "/oauth2/sms/verify",
        &again,
        &[("code", &code)],
    )
    .await;
    assert_ne!(reused.status(), 303);
}

#[tokio::test]
async fn sms_sign_in_answers_the_same_for_anyone_and_never_signs_in_an_admin() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let id = lena(&app, &admin).await;
    set_policy(
        &app,
        &admin,
        json!({"mfa_for_everyone": false, "sms_sign_in": true}),
    )
    .await;
    // Lena becomes a helpdesk administrator: no code for her, the same page.
    let mut b = Browser::new();
    let html = sign_in_html(&mut b, &app, &rp.client_id).await;
    let nobody = ask_sign_in_code(&mut b, &app, &html, "nobody@contoso.example").await;
    app.assign(&admin, &id, "helpdesk_administrator", None)
        .await;
    let mut b = Browser::new();
    let html = sign_in_html(&mut b, &app, &rp.client_id).await;
    let admin_page = ask_sign_in_code(&mut b, &app, &html, LENA).await;
    let strip = |page: &str, name: &str| {
        let mut p = page.replace(name, "NAME");
        for f in ["request", "csrf"] {
            let v = crate::oidc::field(&p, f);
            p = p.replace(&v, "X");
        }
        p
    };
    assert_eq!(
        strip(&nobody, "nobody@contoso.example"),
        strip(&admin_page, LENA)
    );
    assert!(app.sms_messages().await.is_empty(), "no text to anyone");

    // A code sent before she became an admin does not sign her in after.
    let other = app
        .create_user(&admin, "mo.sms@contoso.example", "Mo Sms")
        .await;
    let put = app
        .put(
            &format!("/api/v1/users/{other}/phone-methods/mobile"),
            &admin,
            json!({ "phone_number": "+33698765432" }),
        )
        .await;
    assert!(put.status().is_success());
    let mut b = Browser::new();
    let html = sign_in_html(&mut b, &app, &rp.client_id).await;
    let page = ask_sign_in_code(&mut b, &app, &html, "mo.sms@contoso.example").await;
    let code = last_code(&app, "+33698765432").await;
    app.assign(&admin, &other, "helpdesk_administrator", None)
        .await;
    let resp = post_page_form(
        &mut b,
        &app,
        "/oauth2/sms/verify",
        &page,
        &[("code", &code)],
    )
    .await;
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("Administrators can&#39;t sign in with a code"),
        "{html}"
    );
    assert!(!b.has_session());
}

#[tokio::test]
async fn where_a_second_factor_is_required_staff_may_use_a_code_by_text_message() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    lena(&app, &admin).await;

    // Without the policy, the mobile number changes nothing: a password is enough.
    let (verifier, challenge) = pkce();
    let url = authorize_url(&app, &rp.client_id, &challenge, &[]);
    let mut b = Browser::new();
    let resp = sign_in_page(&mut b, &app, &url, LENA, USER_PASSWORD).await;
    assert_eq!(resp.status(), 303);
    let t = tokens(&app, &rp, &resp, &verifier).await;
    assert_eq!(
        claims(t["id_token"].as_str().unwrap())["amr"],
        json!(["pwd"])
    );

    set_policy(
        &app,
        &admin,
        json!({"mfa_for_everyone": true, "sms_sign_in": false}),
    )
    .await;
    let (verifier, challenge) = pkce();
    let url = authorize_url(&app, &rp.client_id, &challenge, &[("prompt", "login")]);
    let mut b = Browser::new();
    let resp = sign_in_page(&mut b, &app, &url, LENA, USER_PASSWORD).await;
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Text a code to +33 *** ** **78"), "{html}");
    assert!(!html.contains(LENA_MOBILE));
    assert!(app.sms_messages().await.is_empty(), "sent only when asked");
    let sent = post_page_form(&mut b, &app, "/oauth2/sms/second-factor", &html, &[]).await;
    let sent = sent.text().await.unwrap();
    assert!(sent.contains("sent an 8-digit code"), "{sent}");
    assert!(sent.contains("action=\"/oauth2/verify-code\""), "{sent}");
    let code = last_code(&app, LENA_MOBILE).await;
    // The second step's form is no reset's or SMS sign-in's, with the code or without.
    for (path, field) in [
        ("/oauth2/reset/send", "username"),
        ("/oauth2/sms/send", "username"),
        ("/oauth2/reset/verify", "code"),
        ("/oauth2/sms/verify", "code"),
        ("/oauth2/badge", "credential"),
    ] {
        let value = if field == "code" { code.as_str() } else { LENA };
        let foreign = post_page_form(&mut b, &app, path, &sent, &[(field, value)]).await;
        assert_eq!(foreign.status(), 400, "{path}");
    }
    assert_eq!(app.sms_messages().await.len(), 1, "no other text");
    let resp = post_page_form(
        &mut b,
        &app,
        "/oauth2/verify-code",
        &sent,
        &[("code", &code)],
    )
    .await;
    assert_eq!(resp.status(), 303, "{}", resp.text().await.unwrap());
    let t = tokens(&app, &rp, &resp, &verifier).await;
    assert_eq!(
        claims(t["id_token"].as_str().unwrap())["amr"],
        json!(["pwd", "sms", "mfa"])
    );
    assert!(app
        .audit_dump()
        .await
        .contains("Password, Text message code"));
}

#[tokio::test]
async fn an_admin_gets_no_text_message_as_a_second_factor_unless_the_server_allows_it() {
    for allow in [false, true] {
        let app = TestApp::spawn_with(|c| {
            if allow {
                c.policy.admin_sms_mfa = AdminSmsMfa::Allow;
            }
        })
        .await;
        let admin = app.admin_token().await;
        let rp = register_rota(&app, &admin).await;
        let id = lena(&app, &admin).await;
        app.assign(&admin, &id, "helpdesk_administrator", None)
            .await;
        // A second factor for everyone (the admin's token, taken before, still acts).
        set_policy(
            &app,
            &admin,
            json!({"mfa_for_everyone": true, "sms_sign_in": false}),
        )
        .await;
        let (_, challenge) = pkce();
        let url = authorize_url(&app, &rp.client_id, &challenge, &[]);
        let mut b = Browser::new();
        let resp = sign_in_page(&mut b, &app, &url, LENA, USER_PASSWORD).await;
        assert_eq!(resp.status(), 200);
        let html = resp.text().await.unwrap();
        if allow {
            assert!(html.contains("Text a code to"), "{html}");
        } else {
            assert!(!html.contains("Text a code to"), "{html}");
            assert!(html.contains("authenticator app"), "{html}");
            // Nor does the form's route take it.
            let refused =
                post_page_form(&mut b, &app, "/oauth2/sms/second-factor", &html, &[]).await;
            assert_ne!(refused.status(), 303);
            assert!(app.sms_messages().await.is_empty());
        }
    }
}
