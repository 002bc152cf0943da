//! Editing users and locations, and deleting locations (directory management).

use crate::helpers::{
    assert_problem, item_ids, item_names, json_with, problem_errors, TestApp, USER_PASSWORD,
};
use reqwest::{Method, Response};
use serde_json::{json, Value};
use shared::dto::User;

fn user_path(id: &str) -> String {
    format!("/api/v1/users/{id}")
}

fn unit_path(id: &str) -> String {
    format!("/api/v1/administrative-units/{id}")
}

async fn patch(app: &TestApp, path: &str, token: &str, body: Value) -> Response {
    app.request(Method::PATCH, path, Some(token))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn search(app: &TestApp, token: &str, path: &str, q: &str) -> Vec<String> {
    let resp = app
        .request(Method::GET, path, Some(token))
        .query(&[("search", q)])
        .send()
        .await
        .unwrap();
    item_names(&json_with(resp, 200).await)
}

/// The GA's view of the newest audit event with this activity.
async fn newest(app: &TestApp, admin: &str, activity: &str) -> Value {
    let resp = app
        .request(Method::GET, "/api/v1/audit-logs", Some(admin))
        .query(&[("activity", activity), ("limit", "1")])
        .send()
        .await
        .unwrap();
    json_with(resp, 200).await["items"][0].clone()
}

/// (name, old, new) of an event's first target's modified properties.
fn changes(event: &Value) -> Vec<(String, Value, Value)> {
    event["target_resources"][0]["modified_properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["old_value"].clone(),
                p["new_value"].clone(),
            )
        })
        .collect()
}

fn change(name: &str, old: Value, new: Value) -> (String, Value, Value) {
    (name.to_owned(), old, new)
}

#[tokio::test]
async fn patch_user_changes_fields_search_and_order() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let unit = app.create_unit(&admin, "Store 5", false).await;
    let ana = app
        .create_user(&admin, "ana.lopez@contoso.example", "Ana Lopez")
        .await;
    let bruno = app
        .create_user(&admin, "staff.0042@contoso.example", "Bruno Martin")
        .await;
    let chloe = app
        .create_user(&admin, "chloe.d@contoso.example", "Chloe Durand")
        .await;
    for u in [&ana, &bruno, &chloe] {
        app.add_member(&admin, &unit, u).await;
    }
    let members = format!("/api/v1/administrative-units/{unit}/members");
    assert_eq!(
        item_names(&app.get_ok(&members, &admin).await),
        ["Ana Lopez", "Bruno Martin", "Chloe Durand"]
    );

    let resp = patch(
        &app,
        &user_path(&bruno),
        &admin,
        json!({
            "display_name": "Aaron Martin",
            "job_title": "Cashier",
            "department": "Retail",
            "mail": "aaron.martin@contoso.example",
        }),
    )
    .await;
    let body = json_with(resp, 200).await;
    assert_eq!(body["id"], bruno.as_str());
    assert_eq!(body["display_name"], "Aaron Martin");
    assert_eq!(body["job_title"], "Cashier");
    assert_eq!(body["department"], "Retail");
    assert_eq!(body["mail"], "aaron.martin@contoso.example");
    assert_eq!(body["user_principal_name"], "staff.0042@contoso.example");
    assert!(body["allowed_actions"].is_array());
    assert_eq!(app.get_ok(&user_path(&bruno), &admin).await, body);

    // Search and order follow the new name.
    assert_eq!(
        search(&app, &admin, "/api/v1/users", "aaron").await,
        ["Aaron Martin"]
    );
    assert!(search(&app, &admin, "/api/v1/users", "bruno")
        .await
        .is_empty());
    assert_eq!(
        search(&app, &admin, "/api/v1/users", "aaron.martin").await,
        ["Aaron Martin"],
        "the new mail is searchable"
    );
    assert_eq!(
        search(&app, &admin, &members, "aar").await,
        ["Aaron Martin"]
    );
    assert_eq!(
        item_names(&app.get_ok(&members, &admin).await),
        ["Aaron Martin", "Ana Lopez", "Chloe Durand"]
    );

    let event = newest(&app, &admin, "Update user").await;
    assert_eq!(event["result"], "success");
    assert_eq!(event["target_resources"][0]["id"], bruno.as_str());
    let mut got = changes(&event);
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        got,
        vec![
            change("department", Value::Null, json!("Retail")),
            change("display_name", json!("Bruno Martin"), json!("Aaron Martin")),
            change("job_title", Value::Null, json!("Cashier")),
            change("mail", Value::Null, json!("aaron.martin@contoso.example")),
        ]
    );

    // An empty string clears a field; only that change is recorded.
    let body = json_with(
        patch(&app, &user_path(&bruno), &admin, json!({"job_title": ""})).await,
        200,
    )
    .await;
    assert!(body["job_title"].is_null(), "{body}");
    assert_eq!(body["department"], "Retail");
    let event = newest(&app, &admin, "Update user").await;
    assert_eq!(
        changes(&event),
        vec![change("job_title", json!("Cashier"), Value::Null)]
    );

    // A PATCH that changes nothing writes nothing.
    let before = app.audit_rows().await.len();
    for noop in [
        json!({}),
        json!({"display_name": "Aaron Martin", "department": "Retail"}),
        json!({"display_name": "  Aaron Martin  ", "job_title": ""}),
        json!({"account_enabled": true}),
    ] {
        let resp = patch(&app, &user_path(&bruno), &admin, noop.clone()).await;
        let body = json_with(resp, 200).await;
        assert_eq!(body["display_name"], "Aaron Martin", "{noop}");
    }
    assert_eq!(app.audit_rows().await.len(), before, "no-op PATCH audited");

    // Invalid input: 422, nothing changes.
    let resp = patch(
        &app,
        &user_path(&bruno),
        &admin,
        json!({"mail": "not-mail"}),
    )
    .await;
    let body = assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(
        problem_errors(&body),
        vec![("mail".to_owned(), "invalid_format".to_owned())]
    );
    let resp = patch(
        &app,
        &user_path(&bruno),
        &admin,
        json!({"display_name": "   "}),
    )
    .await;
    let body = assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(problem_errors(&body)[0].0, "display_name");
    let resp = patch(
        &app,
        &user_path(&bruno),
        &admin,
        json!({"job_title": "x".repeat(129)}),
    )
    .await;
    assert_problem(resp, 422, "validation_failed").await;
    let resp = patch(
        &app,
        &user_path(&bruno),
        &admin,
        json!({"user_principal_name": "other@contoso.example"}),
    )
    .await;
    assert_eq!(resp.status(), 422, "unknown fields are refused");
    let resp = patch(&app, &user_path(&bruno), &admin, json!({"nickname": "B"})).await;
    assert_eq!(resp.status(), 422);
    assert_eq!(app.audit_rows().await.len(), before);
    let now = app.get_ok(&user_path(&bruno), &admin).await;
    assert_eq!(now["mail"], "aaron.martin@contoso.example");
    assert_eq!(now["user_principal_name"], "staff.0042@contoso.example");

    // Unknown and malformed ids.
    let resp = patch(
        &app,
        &user_path("0190a000-0000-7000-8000-000000000000"),
        &admin,
        json!({"job_title": "x"}),
    )
    .await;
    assert_problem(resp, 404, "not_found").await;
    app.assert_audit_chain_valid().await;
}

#[tokio::test]
async fn disabling_an_account_ends_its_sessions_and_sign_in() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let upn = "dora.disabled@contoso.example";
    let dora = app.create_user(&admin, upn, "Dora Disabled").await;
    let token = app.token(upn, USER_PASSWORD).await;
    // Her token works before (she has no role, so /me is the thing she can call).
    assert_eq!(app.get("/api/v1/me", &token).await.status(), 200);

    let body = json_with(
        patch(
            &app,
            &user_path(&dora),
            &admin,
            json!({"account_enabled": false}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(body["account_enabled"], false);
    let event = newest(&app, &admin, "Update user").await;
    assert_eq!(
        changes(&event),
        vec![change("account_enabled", json!("true"), json!("false"))]
    );

    let resp = app.get("/api/v1/me", &token).await;
    assert_eq!(resp.status(), 401);
    let code = resp.json::<Value>().await.unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        ["account_disabled", "token_revoked"].contains(&code.as_str()),
        "{code}"
    );
    let resp = crate::reset::sign_in(&app, upn, USER_PASSWORD).await;
    assert_problem(resp, 401, "account_disabled").await;

    // Enabled again: she signs in, but the old token stays dead.
    json_with(
        patch(
            &app,
            &user_path(&dora),
            &admin,
            json!({"account_enabled": true}),
        )
        .await,
        200,
    )
    .await;
    let fresh = app.token(upn, USER_PASSWORD).await;
    assert_eq!(app.get("/api/v1/me", &fresh).await.status(), 200);
    assert_eq!(app.get("/api/v1/me", &token).await.status(), 401);
}

#[tokio::test]
async fn who_may_edit_a_user() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let admin_id = app.my_id(&admin).await;
    let unit = app.create_unit(&admin, "Store 3", false).await;
    let plain = app
        .create_user(&admin, "pat.plain@contoso.example", "Pat Plain")
        .await;
    app.add_member(&admin, &unit, &plain).await;
    let edit = json!({"job_title": "Supervisor"});

    // Helpdesk admins read but do not edit.
    let (_, helpdesk) = app
        .staff_with_role(
            &admin,
            "hank.help@contoso.example",
            "Hank Help",
            "helpdesk_administrator",
            None,
        )
        .await;
    let resp = patch(&app, &user_path(&plain), &helpdesk, edit.clone()).await;
    assert_problem(resp, 403, "role_not_permitted").await;
    assert_eq!(app.audit_count("Update user", "failure").await, 1);
    let refused = newest(&app, &admin, "Update user").await;
    assert_eq!(refused["result_reason"], "role_not_permitted");
    assert_eq!(refused["target_resources"][0]["id"], plain.as_str());

    // A location-scoped user administrator cannot either (directory-wide only).
    let (_, scoped_ua) = app
        .staff_with_role(
            &admin,
            "sid.scoped@contoso.example",
            "Sid Scoped",
            "user_administrator",
            Some(&unit),
        )
        .await;
    let resp = patch(&app, &user_path(&plain), &scoped_ua, edit.clone()).await;
    assert_problem(resp, 403, "role_not_permitted").await;

    // A tenant-wide user administrator: not on a global administrator, not on self.
    let (ua_id, ua) = app
        .staff_with_role(
            &admin,
            "uma.useradmin@contoso.example",
            "Uma Useradmin",
            "user_administrator",
            None,
        )
        .await;
    let resp = patch(&app, &user_path(&admin_id), &ua, edit.clone()).await;
    assert_problem(resp, 403, "target_privileged").await;
    let resp = patch(&app, &user_path(&ua_id), &ua, edit.clone()).await;
    assert_problem(resp, 403, "self_action").await;
    // But on a plain user, yes.
    let body = json_with(
        patch(&app, &user_path(&plain), &ua, edit.clone()).await,
        200,
    )
    .await;
    assert_eq!(body["job_title"], "Supervisor");

    // A restricted location: closed even to the GA, open to its own user admin.
    let vault = app.create_unit(&admin, "Vault", true).await;
    let (_, vault_admin) = app
        .staff_with_role(
            &admin,
            "val.vault@contoso.example",
            "Val Vault",
            "user_administrator",
            Some(&vault),
        )
        .await;
    let guarded = app
        .create_user(&admin, "gil.guarded@contoso.example", "Gil Guarded")
        .await;
    app.add_member(&vault_admin, &vault, &guarded).await;
    let resp = patch(&app, &user_path(&guarded), &admin, edit.clone()).await;
    assert_problem(resp, 403, "target_in_restricted_unit").await;
    let body = json_with(
        patch(&app, &user_path(&guarded), &vault_admin, edit.clone()).await,
        200,
    )
    .await;
    assert_eq!(body["job_title"], "Supervisor");
    // ...but only on its members.
    let resp = patch(
        &app,
        &user_path(&plain),
        &vault_admin,
        json!({"job_title": "X"}),
    )
    .await;
    assert_eq!(resp.status(), 403);

    let fresh = app.get_ok(&user_path(&plain), &admin).await;
    assert_eq!(fresh["job_title"], "Supervisor");
    app.assert_audit_chain_valid().await;
}

#[tokio::test]
async fn patch_unit_renames_clears_and_keeps_restricted() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let resp = app
        .post(
            "/api/v1/administrative-units",
            &admin,
            json!({"display_name": "Store 11", "description": "Old description"}),
        )
        .await;
    let unit = json_with(resp, 201).await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let body = json_with(
        patch(
            &app,
            &unit_path(&unit),
            &admin,
            json!({"display_name": "Flagship Lyon"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(body["display_name"], "Flagship Lyon");
    assert_eq!(body["description"], "Old description");
    assert_eq!(body["restricted"], false);
    let units = "/api/v1/administrative-units";
    assert_eq!(
        search(&app, &admin, units, "flagship").await,
        ["Flagship Lyon"]
    );
    assert!(search(&app, &admin, units, "store").await.is_empty());
    let event = newest(&app, &admin, "Update administrative unit").await;
    assert_eq!(event["result"], "success");
    assert_eq!(event["target_resources"][0]["id"], unit.as_str());
    assert_eq!(event["target_resources"][0]["type"], "administrative_unit");
    assert_eq!(
        changes(&event),
        vec![change(
            "display_name",
            json!("Store 11"),
            json!("Flagship Lyon")
        )]
    );

    // "" clears the description.
    let body = json_with(
        patch(&app, &unit_path(&unit), &admin, json!({"description": ""})).await,
        200,
    )
    .await;
    assert!(body["description"].is_null(), "{body}");
    assert_eq!(
        changes(&newest(&app, &admin, "Update administrative unit").await),
        vec![change("description", json!("Old description"), Value::Null)]
    );

    // restricted is immutable: naming it at all (even with its current value, even
    // null) is a 422 in words, and nothing is written.
    let before = app.audit_rows().await.len();
    for value in [json!(true), json!(false), Value::Null] {
        let resp = patch(
            &app,
            &unit_path(&unit),
            &admin,
            json!({"restricted": value}),
        )
        .await;
        let body = assert_problem(resp, 422, "validation_failed").await;
        assert_eq!(body["errors"][0]["code"], "immutable");
        assert_eq!(body["errors"][0]["field"], "restricted");
    }
    assert_eq!(app.audit_rows().await.len(), before, "nothing audited");
    let resp = patch(
        &app,
        &unit_path(&unit),
        &admin,
        json!({"display_name": "Renamed", "restricted": true}),
    )
    .await;
    assert_eq!(resp.status(), 422);
    assert_eq!(
        app.get_ok(&unit_path(&unit), &admin).await["display_name"],
        "Flagship Lyon",
        "a refused PATCH changes nothing"
    );
    let resp = patch(&app, &unit_path(&unit), &admin, json!({"display_name": ""})).await;
    assert_problem(resp, 422, "validation_failed").await;
    let resp = patch(&app, &unit_path(&unit), &admin, json!({"colour": "red"})).await;
    assert_eq!(resp.status(), 422);

    // A non-directory admin: 403, audited.
    let (_, helpdesk) = app
        .staff_with_role(
            &admin,
            "hope.help@contoso.example",
            "Hope Help",
            "helpdesk_administrator",
            None,
        )
        .await;
    let resp = patch(
        &app,
        &unit_path(&unit),
        &helpdesk,
        json!({"display_name": "Mine"}),
    )
    .await;
    assert_problem(resp, 403, "directory_admin_required").await;
    assert_eq!(
        app.audit_count("Update administrative unit", "failure")
            .await,
        1
    );
    let resp = patch(
        &app,
        &unit_path("0190a000-0000-7000-8000-000000000000"),
        &admin,
        json!({"display_name": "Ghost"}),
    )
    .await;
    assert_problem(resp, 404, "not_found").await;
}

#[tokio::test]
async fn deleting_a_unit_removes_memberships_and_scoped_roles() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let unit = app.create_unit(&admin, "Closing Store", false).await;
    let keep = app.create_unit(&admin, "Other Store", false).await;
    let m1 = app
        .create_user(&admin, "mo.one@contoso.example", "Mo One")
        .await;
    let m2 = app
        .create_user(&admin, "mo.two@contoso.example", "Mo Two")
        .await;
    app.add_member(&admin, &unit, &m1).await;
    app.add_member(&admin, &unit, &m2).await;
    app.add_member(&admin, &keep, &m2).await;
    let (manager_id, manager) = app
        .staff_with_role(
            &admin,
            "max.manager@contoso.example",
            "Max Manager",
            "helpdesk_administrator",
            Some(&unit),
        )
        .await;
    let kept_assignment = app
        .assign(&admin, &manager_id, "password_administrator", Some(&keep))
        .await;
    let assignments = format!("/api/v1/role-assignments?administrative_unit_id={unit}");
    assert_eq!(item_ids(&app.get_ok(&assignments, &admin).await).len(), 1);

    // Only directory managers may delete it.
    let resp = app.delete(&unit_path(&unit), &manager).await;
    assert_problem(resp, 403, "directory_admin_required").await;
    assert_eq!(
        app.audit_count("Delete administrative unit", "failure")
            .await,
        1
    );

    let resp = app.delete(&unit_path(&unit), &admin).await;
    assert_eq!(resp.status(), 204);
    let resp = app.get(&unit_path(&unit), &admin).await;
    assert_problem(resp, 404, "not_found").await;
    let resp = app.delete(&unit_path(&unit), &admin).await;
    assert_problem(resp, 404, "not_found").await;
    let all_units = app.get_ok("/api/v1/administrative-units", &admin).await;
    assert_eq!(item_ids(&all_units), vec![keep.clone()]);

    for m in [&m1, &m2] {
        let user: User = app.get_as(&user_path(m), &admin).await;
        assert!(
            user.administrative_units
                .iter()
                .all(|u| u.id.to_string() != unit),
            "{user:?}"
        );
    }
    let m2_user: User = app.get_as(&user_path(&m2), &admin).await;
    assert_eq!(
        m2_user.administrative_units.len(),
        1,
        "other memberships stay"
    );

    assert!(item_ids(&app.get_ok(&assignments, &admin).await).is_empty());
    let me = app.me(&manager).await;
    let held: Vec<String> = me
        .role_assignments
        .iter()
        .map(|a| a.id.to_string())
        .collect();
    assert_eq!(held, vec![kept_assignment.clone()], "{me:?}");
    // Her former member is out of reach now.
    let resp = app
        .request(
            Method::POST,
            &format!("/api/v1/users/{m1}/reset-password"),
            Some(&manager),
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "target_out_of_scope").await;

    let event = newest(&app, &admin, "Delete administrative unit").await;
    assert_eq!(event["result"], "success");
    assert_eq!(event["target_resources"][0]["id"], unit.as_str());
    assert_eq!(
        event["target_resources"][0]["display_name"],
        "Closing Store"
    );
    assert_eq!(
        changes(&event),
        vec![change("member_count", json!("2"), Value::Null)]
    );
    app.assert_audit_chain_valid().await;
}

#[tokio::test]
async fn a_restricted_unit_is_deleted_only_by_its_own_admins() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let vault = app.create_unit(&admin, "Vault", true).await;
    let (_, vault_admin) = app
        .staff_with_role(
            &admin,
            "vic.vault@contoso.example",
            "Vic Vault",
            "user_administrator",
            Some(&vault),
        )
        .await;
    let inside = app
        .create_user(&admin, "ines.inside@contoso.example", "Ines Inside")
        .await;
    app.add_member(&vault_admin, &vault, &inside).await;

    let resp = app.delete(&unit_path(&vault), &admin).await;
    assert_problem(resp, 403, "directory_admin_required").await;
    assert_eq!(app.get(&unit_path(&vault), &admin).await.status(), 200);
    let resp = patch(
        &app,
        &unit_path(&vault),
        &admin,
        json!({"display_name": "Mine"}),
    )
    .await;
    assert_eq!(resp.status(), 403);

    // Its own admin may edit it (restricted stays as it is).
    let body = json_with(
        patch(
            &app,
            &unit_path(&vault),
            &vault_admin,
            json!({"description": "Cash office"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(body["description"], "Cash office");
    assert_eq!(body["restricted"], true);

    let resp = app.delete(&unit_path(&vault), &vault_admin).await;
    assert_eq!(resp.status(), 204);
    assert_problem(app.get(&unit_path(&vault), &admin).await, 404, "not_found").await;
    assert_eq!(
        app.audit_count("Delete administrative unit", "success")
            .await,
        1
    );
    // Ines is an ordinary user again: the GA may edit her.
    let body = json_with(
        patch(
            &app,
            &user_path(&inside),
            &admin,
            json!({"job_title": "Clerk"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(body["job_title"], "Clerk");
}

#[tokio::test]
async fn directory_edits_are_not_gated_by_the_my_staff_setting() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let unit = app.create_unit(&admin, "Store 2", false).await;
    let user = app
        .create_user(&admin, "gina.gate@contoso.example", "Gina Gate")
        .await;
    app.set_my_staff_access(&admin, "none", &[]).await;
    let body = json_with(
        patch(
            &app,
            &user_path(&user),
            &admin,
            json!({"department": "Bakery"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(body["department"], "Bakery");
    let body = json_with(
        patch(
            &app,
            &unit_path(&unit),
            &admin,
            json!({"display_name": "Store Two"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(body["display_name"], "Store Two");
    assert_eq!(app.delete(&unit_path(&unit), &admin).await.status(), 204);
}
