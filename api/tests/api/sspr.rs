//! Self-service password reset on the hosted sign-in page (issue 14): the code goes
//! by text message (the development outbox here) to the mobile number a manager
//! registered; the answer is the same for any sign-in name; codes expire, allow three
//! tries, are used once and are rate-limited; the reset ends every session and is
//! audited from the surface `sspr`.

use crate::helpers::*;
use crate::oidc::{
    authorize_url, field, location_query, pkce, post_page_form, register_rota, Browser,
};
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

const NEW: &str = "Saffron-Glacier-Tunnel-48";
pub(crate) const LENA: &str = "lena.reset@contoso.example";
pub(crate) const LENA_MOBILE: &str = "+33612345678";

/// A staff member with a mobile number her manager (here the admin) registered.
pub(crate) async fn lena(app: &TestApp, admin: &str) -> String {
    let id = app.create_user(admin, LENA, "Lena Fischer").await;
    let put = app
        .put(
            &format!("/api/v1/users/{id}/phone-methods/mobile"),
            admin,
            json!({ "phone_number": LENA_MOBILE }),
        )
        .await;
    assert!(put.status().is_success(), "{}", put.text().await.unwrap());
    id
}

/// The sign-in page of a new authorization, in `b`.
pub(crate) async fn sign_in_html(b: &mut Browser, app: &TestApp, client_id: &str) -> String {
    let (_, challenge) = pkce();
    let url = authorize_url(app, client_id, &challenge, &[]);
    let page = b.get(app, &url).await;
    assert_eq!(page.status(), 200);
    page.text().await.unwrap()
}

/// "Forgot your password?", then the sign-in name: the code page.
async fn ask_code(b: &mut Browser, app: &TestApp, client_id: &str, name: &str) -> String {
    let html = sign_in_html(b, app, client_id).await;
    assert!(html.contains("Forgot your password?"), "{html}");
    let start = post_page_form(b, app, "/oauth2/reset", &html, &[]).await;
    assert_eq!(start.status(), 200);
    let html = start.text().await.unwrap();
    assert!(html.contains("<h1>Reset your password</h1>"), "{html}");
    let sent = post_page_form(b, app, "/oauth2/reset/send", &html, &[("username", name)]).await;
    assert_eq!(sent.status(), 200);
    sent.text().await.unwrap()
}

/// The 8-digit code of the last text message to `number`.
pub(crate) async fn last_code(app: &TestApp, number: &str) -> String {
    let messages = app.sms_messages().await;
    let (_, body) = messages
        .iter()
        .rev()
        .find(|(to, _)| to == number)
        .unwrap_or_else(|| panic!("no text message to {number}"));
    body.chars().take(8).collect()
}

async fn verify(b: &mut Browser, app: &TestApp, page: &str, code: &str) -> String {
    let resp = post_page_form(b, app, "/oauth2/reset/verify", page, &[("code", code)]).await;
    assert_eq!(resp.status(), 200);
    resp.text().await.unwrap()
}

#[tokio::test]
async fn a_staff_member_resets_her_forgotten_password_with_the_code_texted_to_her_mobile() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let id = lena(&app, &admin).await;
    let before = app.token(LENA, USER_PASSWORD).await;

    let mut b = Browser::new();
    let page = ask_code(&mut b, &app, &rp.client_id, LENA).await;
    assert!(page.contains("<h1>Enter the code</h1>"), "{page}");
    let messages = app.sms_messages().await;
    assert_eq!(messages.len(), 1, "one text message");
    let (to, body) = &messages[0];
    assert_eq!(to, LENA_MOBILE);
    assert!(
        body.contains("is your OpenStaff code to reset your password"),
        "{body}"
    );
    let code = last_code(&app, LENA_MOBILE).await;
    assert!(code.bytes().all(|c| c.is_ascii_digit()), "{body}");

    let choose = verify(&mut b, &app, &page, &code).await;
    assert!(
        choose.contains("action=\"/oauth2/reset/password\""),
        "{choose}"
    );
    assert!(!choose.contains("current_password"));
    // The cloud policy applies: a weak password is refused on the page.
    let weak = post_page_form(
        &mut b,
        &app,
        "/oauth2/reset/password",
        &choose,
        &[("new_password", "lena"), ("confirm_password", "lena")],
    )
    .await;
    let weak = weak.text().await.unwrap();
    assert!(weak.contains("There is a problem"), "{weak}");
    let done = post_page_form(
        &mut b,
        &app,
        "/oauth2/reset/password",
        &weak,
        &[("new_password", NEW), ("confirm_password", NEW)],
    )
    .await;
    assert_eq!(done.status(), 200);
    let signin = done.text().await.unwrap();
    assert!(signin.contains("Your password has been reset"), "{signin}");
    assert!(signin.contains(&format!("value=\"{LENA}\"")), "{signin}");

    // Every earlier token ended; the old password no longer works, the new one does,
    // and the same form goes on to the application.
    let me = app.get("/api/v1/me", &before).await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    let old = crate::reset::sign_in(&app, LENA, USER_PASSWORD).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let back = post_page_form(
        &mut b,
        &app,
        "/oauth2/sign-in",
        &signin,
        &[("username", LENA), ("password", NEW)],
    )
    .await;
    assert!(location_query(&back).contains_key("code"));

    // The code was used once: the same form cannot use it again.
    let again = verify(&mut b, &app, &page, &code).await;
    assert!(
        again.contains("has expired or has had too many tries"),
        "{again}"
    );

    let dump = app.audit_dump().await;
    assert!(dump.contains("Reset password (self-service)"), "{dump}");
    let (surface, target): (String, String) = sqlx::query_as(
        "SELECT additional_details, target_resources FROM audit_events \
         WHERE activity = 'Reset password (self-service)' AND result = 'success'",
    )
    .fetch_one(app.store.reader())
    .await
    .unwrap();
    assert!(surface.contains("\"sspr\""), "{surface}");
    assert!(target.contains(&id), "{target}");
    assert!(!dump.contains(&code) && !dump.contains(LENA_MOBILE) && !dump.contains("612345678"));
    app.assert_audit_chain_valid().await;
}

/// The page after the sign-in name, with what differs by construction (the sealed
/// request, the CSRF secret, the name echoed) taken out.
fn shape(html: &str, name: &str) -> String {
    html.replace(&field(html, "request"), "R")
        .replace(&field(html, "csrf"), "C")
        .replace(name, "N")
}

#[tokio::test]
async fn the_answer_is_the_same_whether_or_not_the_name_is_an_account_with_a_mobile() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    lena(&app, &admin).await;
    app.create_user(&admin, "no.mobile@contoso.example", "Noor Mobile")
        .await;
    let names = [
        LENA,
        "no.mobile@contoso.example",
        "nobody.here@contoso.example",
        ADMIN_UPN,
    ];
    let mut shapes = Vec::new();
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); names.len()];
    for round in 0..4 {
        for (i, name) in names.iter().enumerate() {
            let mut b = Browser::new();
            let html = sign_in_html(&mut b, &app, &rp.client_id).await;
            let start = post_page_form(&mut b, &app, "/oauth2/reset", &html, &[]).await;
            let html = start.text().await.unwrap();
            let t = Instant::now();
            let sent = post_page_form(
                &mut b,
                &app,
                "/oauth2/reset/send",
                &html,
                &[("username", name)],
            )
            .await;
            let status = sent.status();
            let page = sent.text().await.unwrap();
            times[i].push(t.elapsed());
            assert_eq!(status, 200);
            if round == 0 {
                shapes.push(shape(&page, name));
            }
        }
    }
    for s in &shapes[1..] {
        assert_eq!(s, &shapes[0], "the code page must not tell the names apart");
    }
    // Only Lena got a text message (the admin's reset stays with another admin).
    let to: Vec<String> = app.sms_messages().await.into_iter().map(|m| m.0).collect();
    assert_eq!(to, vec![LENA_MOBILE.to_owned(); 4]);
    // The same timing band: each name's median within 25 ms of the others'.
    let medians: Vec<Duration> = times
        .iter_mut()
        .map(|t| {
            t.sort();
            t[t.len() / 2]
        })
        .collect();
    let (lo, hi) = (medians.iter().min().unwrap(), medians.iter().max().unwrap());
    assert!(
        *hi - *lo < Duration::from_millis(25),
        "medians {medians:?} differ by more than 25 ms"
    );
}

#[tokio::test]
async fn codes_expire_after_five_minutes_allow_three_tries_and_are_rate_limited() {
    let (app, clock) = TestApp::spawn_with_clock(|_| {}).await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    lena(&app, &admin).await;

    // Expiry: the right code, 5 minutes later, is refused.
    let mut b = Browser::new();
    let page = ask_code(&mut b, &app, &rp.client_id, LENA).await;
    let code = last_code(&app, LENA_MOBILE).await;
    clock.advance(Duration::from_secs(5 * 60));
    let late = verify(&mut b, &app, &page, &code).await;
    assert!(
        late.contains("has expired or has had too many tries"),
        "{late}"
    );

    // Three tries: two wrong ones say how many are left; after the third the right
    // code no longer works.
    let mut b = Browser::new();
    let page = ask_code(&mut b, &app, &rp.client_id, LENA).await;
    let code = last_code(&app, LENA_MOBILE).await;
    let wrong = if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    let first = verify(&mut b, &app, &page, wrong).await;
    assert!(first.contains("(2 tries left)"), "{first}");
    let second = verify(&mut b, &app, &page, wrong).await;
    assert!(second.contains("(1 try left)"), "{second}");
    let third = verify(&mut b, &app, &page, wrong).await;
    assert!(third.contains("too many tries"), "{third}");
    let right = verify(&mut b, &app, &page, &code).await;
    assert!(right.contains("too many tries"), "{right}");

    // A new code replaces the earlier one.
    let mut b = Browser::new();
    let first_page = ask_code(&mut b, &app, &rp.client_id, LENA).await;
    let first_code = last_code(&app, LENA_MOBILE).await;
    let resend = post_page_form(&mut b, &app, "/oauth2/reset/send", &first_page, &[]).await;
    let second_page = resend.text().await.unwrap();
    let second_code = last_code(&app, LENA_MOBILE).await;
    if first_code != second_code {
        let stale = verify(&mut b, &app, &first_page, &first_code).await;
        assert!(stale.contains("has expired"), "{stale}");
    }
    let ok = verify(&mut b, &app, &second_page, &second_code).await;
    assert!(ok.contains("action=\"/oauth2/reset/password\""), "{ok}");

    // Five codes an hour per account, number and name (4 above, one more now); the
    // sixth is refused in words, and an hour later codes come again.
    assert_eq!(app.sms_messages().await.len(), 4);
    let mut b = Browser::new();
    ask_code(&mut b, &app, &rp.client_id, LENA).await;
    assert_eq!(app.sms_messages().await.len(), 5);
    let mut b = Browser::new();
    let limited = ask_code(&mut b, &app, &rp.client_id, LENA).await;
    assert!(
        limited.contains("Too many codes were asked for"),
        "{limited}"
    );
    assert_eq!(app.sms_messages().await.len(), 5);
    // The same limit for a name that is no account: nothing to tell them apart.
    for _ in 0..5 {
        let mut b = Browser::new();
        let page = ask_code(&mut b, &app, &rp.client_id, "ghost@contoso.example").await;
        assert!(page.contains("<h1>Enter the code</h1>"), "{page}");
    }
    let mut b = Browser::new();
    let ghost = ask_code(&mut b, &app, &rp.client_id, "ghost@contoso.example").await;
    assert!(ghost.contains("Too many codes were asked for"), "{ghost}");

    clock.advance(Duration::from_secs(3600));
    let mut b = Browser::new();
    let page = ask_code(&mut b, &app, &rp.client_id, LENA).await;
    assert!(page.contains("<h1>Enter the code</h1>"), "{page}");
    assert_eq!(app.sms_messages().await.len(), 6);
}

#[tokio::test]
async fn the_reset_pages_are_locked_down_and_refuse_foreign_forms() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let mut b = Browser::new();
    let html = sign_in_html(&mut b, &app, &rp.client_id).await;
    let start = post_page_form(&mut b, &app, "/oauth2/reset", &html, &[]).await;
    let csp = start
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    let html = start.text().await.unwrap();
    // Another browser (no CSRF cookie) cannot post this form.
    let mut other = Browser::new();
    let foreign = post_page_form(
        &mut other,
        &app,
        "/oauth2/reset/send",
        &html,
        &[("username", LENA)],
    )
    .await;
    assert!(foreign
        .text()
        .await
        .unwrap()
        .contains("This sign-in form can&#39;t be used"));
    // A reset form is not a sign-in form, nor a password step before the code.
    let not_yet = post_page_form(
        &mut b,
        &app,
        "/oauth2/reset/password",
        &html,
        &[("new_password", NEW), ("confirm_password", NEW)],
    )
    .await;
    assert!(not_yet.text().await.unwrap().contains("has expired"));
}
