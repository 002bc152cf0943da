//! The reads that start from a caller remembered from an earlier request (members,
//! user list and search, a profile) confirm that caller in their own query: a change
//! made behind this server's back (another replica, the command line, written here
//! straight into the store) is in force at the very next read, as on every other
//! endpoint.

use crate::helpers::*;
use serde_json::{json, Value};

/// Runs one statement on the store directly, as another writer would.
async fn behind_its_back(app: &TestApp, sql: &str, bind: &str) {
    let mut tx = app.store.begin().await.unwrap();
    sqlx::query(sql).bind(bind).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

struct Setup {
    app: TestApp,
    manager_id: String,
    manager: String,
    members: String,
    profile: String,
    search: String,
    elsewhere: String,
}

impl Setup {
    /// The three reads that start from a remembered caller.
    fn reads(&self) -> [&str; 3] {
        [&self.members, &self.profile, &self.search]
    }
}

/// A password administrator of "Store Lyon" who has read its members, a member's
/// profile and a search once, so each read has a caller to remember.
async fn setup() -> Setup {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let lyon = app.create_unit(&admin, "Store Lyon", false).await;
    let elsewhere = app.create_unit(&admin, "Store Paris", false).await;
    let member = app
        .create_user(&admin, "carla.cashier@contoso.example", "Carla Cashier")
        .await;
    app.add_member(&admin, &lyon, &member).await;
    let (manager_id, manager) = app
        .staff_with_role(
            &admin,
            "mona.manager@contoso.example",
            "Mona Manager",
            "password_administrator",
            Some(&lyon),
        )
        .await;
    let s = Setup {
        members: format!("/api/v1/administrative-units/{lyon}/members"),
        profile: format!("/api/v1/users/{member}"),
        search: "/api/v1/users?search=carla".to_owned(),
        app,
        manager_id,
        manager,
        elsewhere,
    };
    for path in s.reads() {
        let page = s.app.get_ok(path, &s.manager).await;
        assert_eq!(
            actions_of(&page),
            json!(["read", "reset_password"]),
            "{path}"
        );
    }
    s
}

/// The allowed actions on Carla, from a page or a profile.
fn actions_of(body: &Value) -> Value {
    let user = body["items"].get(0).unwrap_or(body);
    user["allowed_actions"].clone()
}

#[tokio::test]
async fn a_role_moved_elsewhere_changes_the_next_reads_allowed_actions() {
    let s = setup().await;
    behind_its_back(
        &s.app,
        &format!(
            "UPDATE role_assignments SET scope = 'administrative_unit:{0}', \
             scope_unit_id = '{0}' WHERE principal_id = $1",
            s.elsewhere
        ),
        &s.manager_id,
    )
    .await;
    for path in s.reads() {
        let page = s.app.get_ok(path, &s.manager).await;
        assert_eq!(actions_of(&page), json!(["read"]), "{path}");
    }
}

#[tokio::test]
async fn a_removed_role_refuses_the_next_read() {
    let s = setup().await;
    behind_its_back(
        &s.app,
        "DELETE FROM role_assignments WHERE principal_id = $1",
        &s.manager_id,
    )
    .await;
    for path in s.reads() {
        let r = s.app.get(path, &s.manager).await;
        assert_eq!(r.status(), 403, "{path}");
    }
}

#[tokio::test]
async fn a_revoked_token_or_a_disabled_account_is_refused_at_the_next_read() {
    let s = setup().await;
    behind_its_back(
        &s.app,
        "UPDATE users SET token_version = token_version + 1 WHERE id = $1",
        &s.manager_id,
    )
    .await;
    for path in s.reads() {
        assert_problem(s.app.get(path, &s.manager).await, 401, "token_revoked").await;
    }

    let s = setup().await;
    behind_its_back(
        &s.app,
        "UPDATE users SET account_enabled = 0 WHERE id = $1",
        &s.manager_id,
    )
    .await;
    for path in s.reads() {
        assert_problem(s.app.get(path, &s.manager).await, 401, "account_disabled").await;
    }
}

#[tokio::test]
async fn my_staff_closed_to_the_caller_refuses_the_next_read() {
    let s = setup().await;
    behind_its_back(
        &s.app,
        "INSERT INTO settings (key, value) VALUES ('my_staff', $1) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        r#"{"access":"none","selected_user_ids":[]}"#,
    )
    .await;
    for path in s.reads() {
        let r = s.app.get(path, &s.manager).await;
        assert_eq!(r.status(), 403, "{path}");
    }
}
