//! Decisions are taken inside the write. A role granted to the target while a reset
//! is in flight (the reset spends tens of milliseconds hashing) must be seen by the
//! reset's own transaction: no reset may commit after a grant that makes its target
//! one the actor may not reset.

use crate::helpers::{TestApp, USER_PASSWORD};
use futures_util::future::join_all;
use serde_json::json;

const TRIALS: usize = 30;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_reset_commits_after_a_grant_that_forbids_it() {
    let app = TestApp::spawn_with(|cfg| cfg.workers = Some(4)).await;
    let admin = app.admin_token().await;
    // A tenant-wide helpdesk administrator may reset people without a role, but not
    // user administrators.
    let helpdesk_id = app
        .create_user(&admin, "helpdesk@contoso.example", "Help Desk")
        .await;
    app.assign(&admin, &helpdesk_id, "helpdesk_administrator", None)
        .await;
    let helpdesk = app.token("helpdesk@contoso.example", USER_PASSWORD).await;

    let mut targets = Vec::new();
    for i in 0..TRIALS {
        targets.push(
            app.create_user(
                &admin,
                &format!("target{i}@contoso.example"),
                &format!("Target {i}"),
            )
            .await,
        );
    }

    // Each trial sends the reset and the grant at the same moment.
    let outcomes = join_all(targets.iter().map(|target| {
        let (app, admin, helpdesk) = (&app, &admin, &helpdesk);
        async move {
            let path = format!("/api/v1/users/{target}/reset-password");
            let reset = app.post(&path, helpdesk, json!({}));
            let grant = app.post(
                "/api/v1/role-assignments",
                admin,
                json!({
                    "principal_id": target,
                    "role": "user_administrator",
                    "scope": {"type": "directory"}
                }),
            );
            let (reset, grant) = futures_util::join!(reset, grant);
            (
                target.clone(),
                reset.status().as_u16(),
                grant.status().as_u16(),
            )
        }
    }))
    .await;

    let (mut before, mut refused) = (0, 0);
    for (target, reset, grant) in outcomes {
        assert_eq!(grant, 201, "the grant to {target} must succeed");
        match reset {
            200 => {
                // Allowed only if the reset committed before the grant did.
                let reset_seq = app.audit_seq(&target, "Reset password (by admin)").await;
                let grant_seq = app.audit_seq(&target, "Add scoped role member").await;
                assert!(
                    reset_seq < grant_seq,
                    "the reset of {target} committed (audit #{reset_seq}) after the grant \
                     that forbids it (audit #{grant_seq})"
                );
                before += 1;
            }
            403 => refused += 1,
            other => panic!("reset of {target} answered {other}"),
        }
    }
    eprintln!("{before} resets committed before their grant, {refused} were refused");
    app.assert_audit_chain_valid().await;
}
