//! Rules that depend on time passing, judged by the app's clock: each test pins the
//! clock ([`TestApp::spawn_with_clock`]) and moves it past the boundary instead of
//! waiting for it, checking both sides.

use crate::helpers::{
    assert_problem, TestApp, TestClock, ADMIN_PASSWORD, ADMIN_UPN, USER_PASSWORD,
};
use crate::reset::{reset_ok, sign_in, sign_in_ok};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openstaff::auth::tokens::LEEWAY_SECS;
use serde_json::Value;
use shared::dto::TokenResponse;
use std::time::Duration;

const UPN: &str = "tess.timer@contoso.example";
const SECOND: Duration = Duration::from_secs(1);

fn retry_after(resp: &reqwest::Response) -> u64 {
    resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_temporary_password_works_until_its_ttl_and_not_after() {
    let (app, clock) = TestApp::spawn_with_clock(|_| {}).await;
    let ttl = Duration::from_secs(24 * 3600); // the default
    let admin = app.admin_token().await;
    let user = app.create_user(&admin, UPN, "Tess Timer").await;

    let first = reset_ok(&app, &admin, &user, None, None).await;
    assert_eq!(
        first.expires_at,
        Some(TestClock::start() + chrono::Duration::from_std(ttl).unwrap()),
        "the expiry is stamped by the app's clock"
    );
    // A second before it expires, it signs in.
    clock.advance(ttl - SECOND);
    let (_, pcr) = sign_in_ok(&app, UPN, &first.temporary_password.unwrap()).await;
    assert!(pcr);

    // A fresh one (the administrator signs in again: a day has passed for the app).
    let admin = app.admin_token().await;
    let second = reset_ok(&app, &admin, &user, None, None).await;
    let temp = second.temporary_password.unwrap();
    // A second after it expires, it does not.
    clock.advance(ttl + SECOND);
    assert_problem(
        sign_in(&app, UPN, &temp).await,
        401,
        "temporary_password_expired",
    )
    .await;
}

#[tokio::test]
async fn the_lockout_ends_when_its_duration_has_passed() {
    let (app, clock) = TestApp::spawn_with_clock(|_| {}).await;
    let lockout = Duration::from_secs(15 * 60); // the default
    let admin = app.admin_token().await;
    app.create_user(&admin, UPN, "Tess Timer").await;
    for _ in 0..5 {
        assert_problem(
            sign_in(&app, UPN, "Wrong-Guess-Pelican-11").await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    // Retry-After is the wait in whole seconds, rounded up (as for the rate limit).
    let resp = sign_in(&app, UPN, USER_PASSWORD).await;
    assert_eq!(retry_after(&resp), lockout.as_secs());
    assert_problem(resp, 401, "account_locked").await;

    // A second before the lock ends, still locked, with a second to wait.
    clock.advance(lockout - SECOND);
    let resp = sign_in(&app, UPN, USER_PASSWORD).await;
    assert_eq!(retry_after(&resp), 1);
    assert_problem(resp, 401, "account_locked").await;

    // Past it, the right password signs in.
    clock.advance(2 * SECOND);
    sign_in_ok(&app, UPN, USER_PASSWORD).await;
}

/// The claims of a token, unverified.
fn claims_of(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[tokio::test]
async fn an_access_token_expires_by_the_apps_clock() {
    let (app, clock) = TestApp::spawn_with_clock(|_| {}).await;
    let resp = sign_in(&app, ADMIN_UPN, ADMIN_PASSWORD).await;
    assert_eq!(resp.status(), 200);
    let body: TokenResponse = resp.json().await.unwrap();
    let token = body.access_token;
    let issued = TestClock::start().timestamp();
    let claims = claims_of(&token);
    assert_eq!(claims["iat"], issued);
    assert_eq!(claims["nbf"], issued);
    assert_eq!(
        claims["exp"],
        issued + i64::try_from(body.expires_in).unwrap()
    );
    app.get_ok("/api/v1/me", &token).await;

    // Still good within the leeway after `exp`...
    let leeway = Duration::from_secs(LEEWAY_SECS);
    clock.advance(Duration::from_secs(body.expires_in) + leeway - SECOND);
    app.get_ok("/api/v1/me", &token).await;
    // ...and refused past it.
    clock.advance(SECOND);
    assert_problem(app.get("/api/v1/me", &token).await, 401, "invalid_token").await;

    // `nbf` is judged by the same clock: set back to before the token was issued
    // (past the leeway), the app refuses it; at its issue time it takes it again.
    let fresh = app.admin_token().await;
    let issued_at = clock.now();
    clock.set(issued_at - chrono::Duration::seconds(i64::try_from(LEEWAY_SECS).unwrap() + 1));
    assert_problem(app.get("/api/v1/me", &fresh).await, 401, "invalid_token").await;
    clock.set(issued_at);
    app.get_ok("/api/v1/me", &fresh).await;
}
