//! Sign-in protection: per-account lockout after failed attempts, and a per-IP
//! rate limit that also covers names that do not exist.

use crate::helpers::{assert_problem, TestApp, USER_PASSWORD};
use crate::reset::{sign_in, sign_in_ok};
use openstaff::time::Span;
use reqwest::Response;

const UPN: &str = "sol.guard@contoso.example";
const WRONG: &str = "Wrong-Guess-Pelican-11";

/// Failed "Sign-in" audit rows as (actor_upn, result_reason), oldest first.
async fn sign_in_failures(app: &TestApp) -> Vec<(Option<String>, Option<String>)> {
    sqlx::query_as(
        "SELECT actor_upn, result_reason FROM audit_events \
         WHERE activity = 'Sign-in' AND result = 'failure' ORDER BY seq",
    )
    .fetch_all(app.store.reader())
    .await
    .unwrap()
}

fn header(resp: &Response, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

async fn app_with_user(adjust: impl FnOnce(&mut openstaff::config::ServerConfig)) -> TestApp {
    let app = TestApp::spawn_with(adjust).await;
    let admin = app.admin_token().await;
    app.create_user(&admin, UPN, "Sol Guard").await;
    app
}

#[tokio::test]
async fn five_failures_lock_the_account_even_for_the_right_password() {
    let app = app_with_user(|_| {}).await;
    // Another account, to show the lock is per account.
    let admin = app.admin_token().await;
    app.create_user(&admin, "ren.other@contoso.example", "Ren Other")
        .await;

    for _ in 0..5 {
        assert_problem(sign_in(&app, UPN, WRONG).await, 401, "invalid_credentials").await;
    }
    for password in [USER_PASSWORD, WRONG] {
        let resp = sign_in(&app, UPN, password).await;
        let retry: u64 = header(&resp, "retry-after")
            .expect("Retry-After")
            .parse()
            .unwrap();
        // Locked for the default 15 minutes.
        assert!((14 * 60..=15 * 60 + 1).contains(&retry), "{retry}");
        assert!(header(&resp, "www-authenticate")
            .expect("WWW-Authenticate")
            .starts_with("Bearer"));
        let problem = assert_problem(resp, 401, "account_locked").await;
        assert!(!problem.to_string().contains(USER_PASSWORD));
    }
    // Case and spaces in the name do not get around it.
    assert_problem(
        sign_in(&app, "  SOL.Guard@contoso.example ", USER_PASSWORD).await,
        401,
        "account_locked",
    )
    .await;
    sign_in_ok(&app, "ren.other@contoso.example", USER_PASSWORD).await;

    let failures = sign_in_failures(&app).await;
    let reasons: Vec<&str> = failures.iter().filter_map(|(_, r)| r.as_deref()).collect();
    assert_eq!(
        reasons,
        vec![
            "invalid_credentials",
            "invalid_credentials",
            "invalid_credentials",
            "invalid_credentials",
            "invalid_credentials; account locked",
            "account_locked",
            "account_locked",
            "account_locked",
        ]
    );
    app.assert_audit_chain_valid().await;
}

#[tokio::test]
async fn a_success_resets_the_count_and_the_threshold_is_configurable() {
    let app = app_with_user(|cfg| cfg.policy.lockout_threshold = 3).await;
    for _ in 0..2 {
        assert_problem(sign_in(&app, UPN, WRONG).await, 401, "invalid_credentials").await;
    }
    sign_in_ok(&app, UPN, USER_PASSWORD).await;
    // The success cleared the count: two more failures do not lock.
    for _ in 0..2 {
        assert_problem(sign_in(&app, UPN, WRONG).await, 401, "invalid_credentials").await;
    }
    sign_in_ok(&app, UPN, USER_PASSWORD).await;
    for _ in 0..3 {
        assert_problem(sign_in(&app, UPN, WRONG).await, 401, "invalid_credentials").await;
    }
    assert_problem(
        sign_in(&app, UPN, USER_PASSWORD).await,
        401,
        "account_locked",
    )
    .await;
}

#[tokio::test]
async fn a_zero_minute_lock_ends_at_once() {
    let app = app_with_user(|cfg| {
        cfg.policy.lockout_threshold = 3;
        cfg.policy.lockout_duration = Span::ZERO;
    })
    .await;
    for _ in 0..3 {
        assert_problem(sign_in(&app, UPN, WRONG).await, 401, "invalid_credentials").await;
    }
    // The third failure did lock (it is audited so), but for zero minutes.
    let failures = sign_in_failures(&app).await;
    assert_eq!(
        failures.last().unwrap().1.as_deref(),
        Some("invalid_credentials; account locked")
    );
    let (_, pcr) = sign_in_ok(&app, UPN, USER_PASSWORD).await;
    assert!(!pcr);
}

#[tokio::test]
async fn failures_outside_the_window_do_not_add_up() {
    // A zero-minute window: every failure starts a new count of one.
    let app = app_with_user(|cfg| {
        cfg.policy.lockout_threshold = 2;
        cfg.policy.lockout_window = Span::ZERO;
    })
    .await;
    for _ in 0..4 {
        assert_problem(sign_in(&app, UPN, WRONG).await, 401, "invalid_credentials").await;
    }
    sign_in_ok(&app, UPN, USER_PASSWORD).await;
}

#[tokio::test]
async fn unknown_names_never_lock_but_count_towards_the_ip_limit() {
    let app = app_with_user(|cfg| {
        cfg.policy.lockout_threshold = 2;
        cfg.policy.signin_rate_per_minute = 8;
    })
    .await;
    // The admin's sign-in was attempt 1; 6 more for a name nobody has are always
    // plain invalid_credentials, however many there are.
    for _ in 0..6 {
        assert_problem(
            sign_in(&app, "ghost@contoso.example", WRONG).await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    // The 8th attempt is still within the limit, and a real account works.
    sign_in_ok(&app, UPN, USER_PASSWORD).await;
    // The 9th is over it, whoever it is for.
    let resp = sign_in(&app, UPN, USER_PASSWORD).await;
    assert_eq!(resp.status(), 429);
    assert_problem(resp, 429, "rate_limited").await;
    // No unknown-name failure carried a lock.
    let failures = sign_in_failures(&app).await;
    assert!(failures
        .iter()
        .all(|(_, r)| !r.as_deref().unwrap_or_default().contains("locked")));
    assert_eq!(
        failures
            .iter()
            .filter(|(upn, r)| upn.as_deref() == Some("ghost@contoso.example")
                && r.as_deref() == Some("invalid_credentials"))
            .count(),
        6
    );
}

#[tokio::test]
async fn the_sixth_attempt_in_a_minute_from_one_ip_is_rate_limited() {
    let app = app_with_user(|cfg| cfg.policy.signin_rate_per_minute = 5).await;
    // The admin sign-in above used one attempt.
    sign_in_ok(&app, UPN, USER_PASSWORD).await;
    assert_problem(sign_in(&app, UPN, WRONG).await, 401, "invalid_credentials").await;
    assert_problem(
        sign_in(&app, "nobody@contoso.example", WRONG).await,
        401,
        "invalid_credentials",
    )
    .await;
    sign_in_ok(&app, UPN, USER_PASSWORD).await;
    for (user, password) in [
        (UPN, USER_PASSWORD),
        ("nobody@contoso.example", WRONG),
        (crate::helpers::ADMIN_UPN, crate::helpers::ADMIN_PASSWORD),
    ] {
        let resp = sign_in(&app, user, password).await;
        let retry: u64 = header(&resp, "retry-after")
            .expect("Retry-After")
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        let problem = assert_problem(resp, 429, "rate_limited").await;
        assert!(!problem.to_string().contains(password));
    }
    let failures = sign_in_failures(&app).await;
    let limited = failures
        .iter()
        .filter(|(_, r)| r.as_deref() == Some("rate_limited"))
        .count();
    assert_eq!(limited, 3, "{failures:?}");
}
