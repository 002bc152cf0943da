//! The acceptance test for concurrent resets: 200 requests at once from several
//! managers over 20 users must each end in a 200 or a rule-based refusal, with
//! exactly one audit row each, and the password a user ends up with must be the
//! one handed out by the reset the audit trail records last.

use crate::helpers::{assert_problem, TestApp, USER_PASSWORD};
use crate::reset::{reset, sign_in, sign_in_ok, ACTIVITY};
use futures_util::future::join_all;
use serde_json::Value;
use shared::dto::ResetPasswordResponse;
use std::collections::HashMap;

const USERS: usize = 20;
const UNITS: usize = 3;
const REQUESTS: usize = 200;

struct Outcome {
    user: usize,
    expect_allowed: bool,
    status: u16,
    request_id: String,
    body: Value,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_resets_stay_consistent_and_audited() {
    let app = TestApp::spawn_with(|cfg| cfg.workers = Some(4)).await;
    let admin = app.admin_token().await;

    let mut units = Vec::new();
    for u in 0..UNITS {
        units.push(app.create_unit(&admin, &format!("Store {u}"), false).await);
    }
    let outside = app.create_unit(&admin, "Store elsewhere", false).await;

    let mut users = Vec::new();
    for i in 0..USERS {
        let upn = format!("staff{i}@contoso.example");
        let id = app
            .create_user(&admin, &upn, &format!("Staff Member {i}"))
            .await;
        app.add_member(&admin, &units[i % UNITS], &id).await;
        users.push((id, upn));
    }

    // One manager per store (three different roles that may all reset
    // non-admins), and one whose store has none of these users.
    let roles = [
        "authentication_administrator",
        "password_administrator",
        "helpdesk_administrator",
    ];
    let mut managers = Vec::new();
    for (u, role) in roles.iter().enumerate() {
        let upn = format!("manager{u}@contoso.example");
        let id = app.create_user(&admin, &upn, &format!("Manager {u}")).await;
        app.assign(&admin, &id, role, Some(&units[u])).await;
        managers.push(app.token(&upn, USER_PASSWORD).await);
    }
    let stranger = app
        .create_user(&admin, "stranger@contoso.example", "Stranger Manager")
        .await;
    app.assign(&admin, &stranger, "helpdesk_administrator", Some(&outside))
        .await;
    let stranger = app.token("stranger@contoso.example", USER_PASSWORD).await;

    // Request i targets user i % 20, ten times each; two of each user's ten come
    // from the stranger or the manager of another store and must be refused.
    let requests = (0..REQUESTS).map(|i| {
        let user = i % USERS;
        let own_unit = user % UNITS;
        let (token, expect_allowed) = match i / USERS {
            4 => (stranger.clone(), false),
            9 => (managers[(own_unit + 1) % UNITS].clone(), false),
            _ => (managers[own_unit].clone(), true),
        };
        let app = &app;
        let id = users[user].0.clone();
        async move {
            let resp = reset(app, &token, &id, None, None).await;
            let status = resp.status().as_u16();
            let request_id = resp
                .headers()
                .get("x-request-id")
                .expect("X-Request-Id")
                .to_str()
                .unwrap()
                .to_owned();
            let text = resp.text().await.unwrap();
            let body = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("status {status}, not JSON ({e}): {text}"));
            Outcome {
                user,
                expect_allowed,
                status,
                request_id,
                body,
            }
        }
    });
    let outcomes: Vec<Outcome> = join_all(requests).await;

    let mut temps_by_request: HashMap<String, (usize, String)> = HashMap::new();
    let mut ok = 0;
    for o in &outcomes {
        assert!(
            o.status < 500,
            "server error under concurrency: {} {}",
            o.status,
            o.body
        );
        if o.status != 200 {
            let text = o.body.to_string().to_lowercase();
            assert!(
                !text.contains("locked") && !text.contains("busy"),
                "{}",
                o.body
            );
        }
        if o.expect_allowed {
            assert_eq!(o.status, 200, "{}", o.body);
            let temp = o.body["temporary_password"].as_str().unwrap().to_owned();
            assert!(temp.chars().count() >= 16);
            let previous = temps_by_request.insert(o.request_id.clone(), (o.user, temp));
            assert!(previous.is_none(), "duplicate request id {}", o.request_id);
            ok += 1;
        } else {
            assert_eq!(o.status, 403, "{}", o.body);
            assert_eq!(o.body["code"], "target_out_of_scope", "{}", o.body);
        }
    }
    assert_eq!(ok, REQUESTS * 8 / 10);
    // Every generated password is distinct.
    let distinct: std::collections::HashSet<&String> =
        temps_by_request.values().map(|(_, t)| t).collect();
    assert_eq!(distinct.len(), ok);

    assert_eq!(app.audit_count(ACTIVITY, "success").await, ok);
    assert_eq!(app.audit_count(ACTIVITY, "failure").await, REQUESTS - ok);

    // The order in which the resets took effect, as the audit trail saw it.
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT correlation_id, target_resources FROM audit_events \
         WHERE activity = $1 AND result = 'success' ORDER BY seq",
    )
    .bind(ACTIVITY)
    .fetch_all(app.store.reader())
    .await
    .unwrap();
    let mut order: Vec<Vec<String>> = vec![Vec::new(); USERS];
    for (correlation_id, targets) in rows {
        let (user, temp) = temps_by_request
            .get(&correlation_id)
            .unwrap_or_else(|| panic!("audit row {correlation_id} matches no response"));
        let targets: Value = serde_json::from_str(&targets).unwrap();
        assert_eq!(targets[0]["id"], users[*user].0.as_str());
        order[*user].push(temp.clone());
    }

    for (i, temps) in order.iter().enumerate() {
        let upn = &users[i].1;
        assert_eq!(temps.len(), REQUESTS / USERS * 8 / 10, "user {i}");
        // The one before last (the likeliest to have raced) and the first fail...
        for earlier in [&temps[temps.len() - 2], &temps[0]] {
            assert_problem(
                sign_in(&app, upn, earlier).await,
                401,
                "invalid_credentials",
            )
            .await;
        }
        // ... and the last one recorded is the one that works.
        let (_, pcr) = sign_in_ok(&app, upn, temps.last().unwrap()).await;
        assert!(pcr, "user {i}");
    }
    app.assert_audit_chain_valid().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_retries_with_one_idempotency_key_reset_once() {
    let app = TestApp::spawn_with(|cfg| cfg.workers = Some(4)).await;
    let admin = app.admin_token().await;
    let user = app
        .create_user(&admin, "rita.retry@contoso.example", "Rita Retry")
        .await;
    let outcomes = join_all((0..12).map(|_| async {
        let resp = reset(&app, &admin, &user, None, Some("double-tap")).await;
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap())
    }))
    .await;
    let mut temps = Vec::new();
    let mut expires = std::collections::HashSet::new();
    for (status, text) in &outcomes {
        assert_eq!(*status, 200, "{text}");
        let body: ResetPasswordResponse = serde_json::from_str(text).unwrap();
        expires.insert(body.expires_at.unwrap());
        match body.temporary_password {
            Some(t) => {
                assert!(!body.replayed);
                temps.push(t);
            }
            None => assert!(body.replayed, "{text}"),
        }
    }
    assert_eq!(temps.len(), 1, "{outcomes:?}");
    assert_eq!(expires.len(), 1, "{outcomes:?}");
    assert_eq!(app.audit_count(ACTIVITY, "success").await, 1);
    let (_, pcr) = sign_in_ok(&app, "rita.retry@contoso.example", &temps[0]).await;
    assert!(pcr);
    app.assert_audit_chain_valid().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_temporary_password_signs_in_once_even_when_raced() {
    let app = TestApp::spawn_with(|cfg| cfg.workers = Some(4)).await;
    let admin = app.admin_token().await;
    let upn = "rafa.race@contoso.example";
    let user = app.create_user(&admin, upn, "Rafa Race").await;
    let temp = crate::reset::reset_cloud(&app, &admin, &user).await;
    let outcomes = join_all((0..10).map(|_| async {
        let resp = sign_in(&app, upn, &temp).await;
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap();
        (status, body)
    }))
    .await;
    let ok = outcomes.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(ok, 1, "{outcomes:?}");
    for (status, body) in outcomes.iter().filter(|(s, _)| *s != 200) {
        assert_eq!(*status, 401, "{body}");
        assert_eq!(body["code"], "temporary_password_expired", "{body}");
    }
}
