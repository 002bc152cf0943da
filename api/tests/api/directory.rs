//! Directory set-up: users, locations, membership, role assignments, the My Staff
//! setting, and the audit rows each of them writes.

use crate::helpers::{assert_problem, item_ids, json_with, TestApp, USER_PASSWORD};
use serde_json::{json, Value};
use shared::dto::{Page, RoleAssignment};

pub const ALL_ACTIONS: [&str; 9] = [
    "read",
    "reset_password",
    "manage_phone_methods",
    "manage_directory",
    "revoke_sessions",
    "unlock_account",
    "require_reregistration",
    "issue_temporary_access_pass",
    "manage_badges",
];

/// The (field, code) pairs of a 422 answer.
fn field_errors(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .expect("a validation problem lists its errors")
        .iter()
        .map(|e| {
            assert!(!e["message"].as_str().unwrap().is_empty(), "{e}");
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn has_error(body: &Value, field: &str, code: &str) -> bool {
    field_errors(body)
        .iter()
        .any(|(f, c)| f == field && c == code)
}

/// Creates a user and gives them a role; returns (user id, token).
async fn admin_with_role(
    app: &TestApp,
    admin: &str,
    upn: &str,
    name: &str,
    role: &str,
    unit: Option<&str>,
) -> (String, String) {
    let id = app.create_user(admin, upn, name).await;
    app.assign(admin, &id, role, unit).await;
    let token = app.token(upn, USER_PASSWORD).await;
    (id, token)
}

fn unit_path(unit: &str) -> String {
    format!("/api/v1/administrative-units/{unit}")
}

fn members_path(unit: &str) -> String {
    format!("/api/v1/administrative-units/{unit}/members")
}

// ---------------------------------------------------------------- users

#[tokio::test]
async fn create_user_answers_201_with_location_and_the_callers_view() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let resp = app
        .post(
            "/api/v1/users",
            &admin,
            json!({
                "user_principal_name": "Ana.Lopez@contoso.example",
                "display_name": "  Ana Lopez  ",
                "mail": "ana.lopez@contoso.example",
                "job_title": "Cashier",
                "department": "Store 42",
                "source": "on_premises",
                "password": USER_PASSWORD,
            }),
        )
        .await;
    let location = resp
        .headers()
        .get("location")
        .expect("201 carries Location")
        .to_str()
        .unwrap()
        .to_owned();
    let body = json_with(resp, 201).await;
    let id = body["id"].as_str().unwrap();
    assert_eq!(location, format!("/api/v1/users/{id}"));
    assert_eq!(body["user_principal_name"], "Ana.Lopez@contoso.example");
    assert_eq!(body["display_name"], "Ana Lopez", "display name is trimmed");
    assert_eq!(body["mail"], "ana.lopez@contoso.example");
    assert_eq!(body["job_title"], "Cashier");
    assert_eq!(body["department"], "Store 42");
    assert_eq!(body["source"], "on_premises");
    assert_eq!(body["account_enabled"], true);
    assert_eq!(body["roles"], json!([]));
    assert_eq!(body["administrative_units"], json!([]));
    assert_eq!(body["allowed_actions"], json!(ALL_ACTIONS));
    assert!(body.get("password").is_none() && !body.to_string().contains(USER_PASSWORD));

    // The Location resolves to the same user, and the new user can sign in.
    let fetched = app.get_ok(&location, &admin).await;
    assert_eq!(fetched, body);
    app.token("ana.lopez@CONTOSO.example", USER_PASSWORD).await;

    assert_eq!(app.audit_count("Create user", "success").await, 1);
    app.assert_audit_chain_valid().await;
}

#[tokio::test]
async fn duplicate_upn_is_refused_case_insensitively() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "sam.lee@contoso.example", "Sam Lee")
        .await;
    for upn in ["sam.lee@contoso.example", "SAM.Lee@Contoso.Example"] {
        let resp = app
            .post(
                "/api/v1/users",
                &admin,
                json!({
                    "user_principal_name": upn,
                    "display_name": "Sam Lee Two",
                    "source": "cloud",
                    "password": USER_PASSWORD,
                }),
            )
            .await;
        assert_problem(resp, 409, "upn_taken").await;
    }
    // The bootstrap admin's UPN is taken too.
    let resp = app
        .post(
            "/api/v1/users",
            &admin,
            json!({
                "user_principal_name": crate::helpers::ADMIN_UPN.to_uppercase(),
                "display_name": "Impostor",
                "source": "cloud",
                "password": USER_PASSWORD,
            }),
        )
        .await;
    assert_problem(resp, 409, "upn_taken").await;
    let page = app.get_ok("/api/v1/users?search=sam", &admin).await;
    assert_eq!(item_ids(&page).len(), 1);
    assert_eq!(app.audit_count("Create user", "success").await, 1);
}

#[tokio::test]
async fn invalid_user_input_lists_each_failed_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let base = |upn: &str, name: &str, password: &str| {
        json!({
            "user_principal_name": upn,
            "display_name": name,
            "source": "cloud",
            "password": password,
        })
    };

    // A bad UPN and an empty name are both reported.
    let resp = app
        .post(
            "/api/v1/users",
            &admin,
            base("not-an-upn", "   ", USER_PASSWORD),
        )
        .await;
    let body = assert_problem(resp, 422, "validation_failed").await;
    assert!(
        has_error(&body, "user_principal_name", "invalid_format"),
        "{body}"
    );
    assert!(has_error(&body, "display_name", "invalid_length"), "{body}");

    // Other malformed UPNs.
    for upn in [
        "ana@localhost",
        "@contoso.example",
        "a b@contoso.example",
        "",
    ] {
        let resp = app
            .post(
                "/api/v1/users",
                &admin,
                base(upn, "Ana Lopez", USER_PASSWORD),
            )
            .await;
        let body = assert_problem(resp, 422, "validation_failed").await;
        assert!(
            field_errors(&body)
                .iter()
                .any(|(f, _)| f == "user_principal_name"),
            "{upn}: {body}"
        );
    }

    // A weak password.
    let resp = app
        .post(
            "/api/v1/users",
            &admin,
            base("ana.lopez@contoso.example", "Ana Lopez", "password1234"),
        )
        .await;
    let body = assert_problem(resp, 422, "validation_failed").await;
    assert!(has_error(&body, "password", "too_weak"), "{body}");

    // A password containing the person's name (strong otherwise).
    let resp = app
        .post(
            "/api/v1/users",
            &admin,
            base(
                "ana.lopez@contoso.example",
                "Ana Lopez",
                "lopez-Purple-Tiger-Lamp-42",
            ),
        )
        .await;
    let body = assert_problem(resp, 422, "validation_failed").await;
    assert!(has_error(&body, "password", "contains_name"), "{body}");
    assert!(
        !body.to_string().contains("lopez-Purple"),
        "password echoed"
    );

    // A short password lists both rules it breaks.
    let resp = app
        .post(
            "/api/v1/users",
            &admin,
            base("ana.lopez@contoso.example", "Ana Lopez", "short"),
        )
        .await;
    let body = assert_problem(resp, 422, "validation_failed").await;
    assert!(has_error(&body, "password", "too_short"), "{body}");
    assert!(has_error(&body, "password", "too_weak"), "{body}");

    // A bad mail.
    let mut bad_mail = base("ana.lopez@contoso.example", "Ana Lopez", USER_PASSWORD);
    bad_mail["mail"] = json!("not-mail");
    let resp = app.post("/api/v1/users", &admin, bad_mail).await;
    let body = assert_problem(resp, 422, "validation_failed").await;
    assert!(has_error(&body, "mail", "invalid_format"), "{body}");

    // Nothing was created.
    let page = app.get_ok("/api/v1/users?search=ana", &admin).await;
    assert_eq!(page["items"], json!([]));
    assert_eq!(app.audit_count("Create user", "success").await, 0);
}

#[tokio::test]
async fn only_directory_admins_create_users_and_refusals_are_audited() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let unit = app.create_unit(&admin, "Store Lyon", false).await;
    let (_, helpdesk) = admin_with_role(
        &app,
        &admin,
        "hd@contoso.example",
        "Hana Desk",
        "helpdesk_administrator",
        None,
    )
    .await;
    let (_, au_user_admin) = admin_with_role(
        &app,
        &admin,
        "ua@contoso.example",
        "Uma Admin",
        "user_administrator",
        Some(&unit),
    )
    .await;
    let (_, dir_user_admin) = admin_with_role(
        &app,
        &admin,
        "dua@contoso.example",
        "Dora Admin",
        "user_administrator",
        None,
    )
    .await;
    let body = |upn: &str| {
        json!({
            "user_principal_name": upn,
            "display_name": "New Person",
            "source": "cloud",
            "password": USER_PASSWORD,
        })
    };
    let before = app.audit_count("Create user", "failure").await;
    for token in [&helpdesk, &au_user_admin] {
        let resp = app
            .post("/api/v1/users", token, body("new@contoso.example"))
            .await;
        assert_problem(resp, 403, "directory_admin_required").await;
    }
    assert_eq!(
        app.audit_count("Create user", "failure").await,
        before + 2,
        "each refusal writes a failure row"
    );
    let (reason,): (Option<String>,) = sqlx::query_as(
        "SELECT result_reason FROM audit_events WHERE activity = 'Create user' \
         AND result = 'failure' ORDER BY seq DESC LIMIT 1",
    )
    .fetch_one(app.store.reader())
    .await
    .unwrap();
    assert_eq!(reason.as_deref(), Some("directory_admin_required"));
    // A tenant-wide user administrator may.
    let resp = app
        .post(
            "/api/v1/users",
            &dir_user_admin,
            body("new@contoso.example"),
        )
        .await;
    let created = json_with(resp, 201).await;
    assert_eq!(created["user_principal_name"], "new@contoso.example");
    app.assert_audit_chain_valid().await;
}

// ------------------------------------------------------------ locations

#[tokio::test]
async fn create_unit_answers_201_and_keeps_the_restricted_flag() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let resp = app
        .post(
            "/api/v1/administrative-units",
            &admin,
            json!({"display_name": "Vault", "description": "Back office", "restricted": true}),
        )
        .await;
    let location = resp
        .headers()
        .get("location")
        .expect("201 carries Location")
        .to_str()
        .unwrap()
        .to_owned();
    let unit = json_with(resp, 201).await;
    let id = unit["id"].as_str().unwrap();
    assert_eq!(location, unit_path(id));
    assert_eq!(unit["display_name"], "Vault");
    assert_eq!(unit["description"], "Back office");
    assert_eq!(unit["restricted"], true);
    assert_eq!(unit["member_count"], 0);
    assert_eq!(unit["my_roles"], json!(["global_administrator"]));
    assert_eq!(app.get_ok(&location, &admin).await, unit);

    // Not restricted by default.
    let resp = app
        .post(
            "/api/v1/administrative-units",
            &admin,
            json!({"display_name": "Store Lyon"}),
        )
        .await;
    let plain = json_with(resp, 201).await;
    assert_eq!(plain["restricted"], false);
    assert_eq!(plain["description"], Value::Null);

    // An empty name is refused.
    let resp = app
        .post(
            "/api/v1/administrative-units",
            &admin,
            json!({"display_name": "  "}),
        )
        .await;
    let body = assert_problem(resp, 422, "validation_failed").await;
    assert!(has_error(&body, "display_name", "invalid_length"), "{body}");

    // Only directory admins may create locations.
    let (_, helpdesk) = admin_with_role(
        &app,
        &admin,
        "hd@contoso.example",
        "Hana Desk",
        "helpdesk_administrator",
        None,
    )
    .await;
    let resp = app
        .post(
            "/api/v1/administrative-units",
            &helpdesk,
            json!({"display_name": "Rogue"}),
        )
        .await;
    assert_problem(resp, 403, "directory_admin_required").await;

    let page = app
        .get_ok("/api/v1/administrative-units?limit=200", &admin)
        .await;
    assert_eq!(item_ids(&page).len(), 2, "{page}");
    assert_eq!(
        app.audit_count("Create administrative unit", "success")
            .await,
        2
    );
    assert_eq!(
        app.audit_count("Create administrative unit", "failure")
            .await,
        1
    );
    app.assert_audit_chain_valid().await;
}

// ------------------------------------------------------------ membership

#[tokio::test]
async fn membership_add_remove_and_conflicts() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let unit = app.create_unit(&admin, "Store Lyon", false).await;
    let user = app
        .create_user(&admin, "ana@contoso.example", "Ana Lopez")
        .await;
    let path = members_path(&unit);

    let resp = app.post(&path, &admin, json!({"user_id": user})).await;
    assert_eq!(resp.status(), 204);
    assert_eq!(
        app.get_ok(&unit_path(&unit), &admin).await["member_count"],
        1
    );
    let profile = app.get_ok(&format!("/api/v1/users/{user}"), &admin).await;
    assert_eq!(
        profile["administrative_units"],
        json!([{"id": unit, "display_name": "Store Lyon", "restricted": false}])
    );
    let members = app.get_ok(&path, &admin).await;
    assert_eq!(item_ids(&members), vec![user.clone()]);

    let resp = app.post(&path, &admin, json!({"user_id": user})).await;
    assert_problem(resp, 409, "already_member").await;
    assert_eq!(
        app.get_ok(&unit_path(&unit), &admin).await["member_count"],
        1
    );

    let resp = app.delete(&format!("{path}/{user}"), &admin).await;
    assert_eq!(resp.status(), 204);
    assert_eq!(
        app.get_ok(&unit_path(&unit), &admin).await["member_count"],
        0
    );
    let resp = app.delete(&format!("{path}/{user}"), &admin).await;
    assert_problem(resp, 404, "not_found").await;
    let profile = app.get_ok(&format!("/api/v1/users/{user}"), &admin).await;
    assert_eq!(profile["administrative_units"], json!([]));

    // Unknown user: 422 on add; unknown unit: 404.
    let ghost = uuid::Uuid::now_v7().to_string();
    let resp = app.post(&path, &admin, json!({"user_id": ghost})).await;
    let body = assert_problem(resp, 422, "validation_failed").await;
    assert!(has_error(&body, "user_id", "not_found"), "{body}");
    let resp = app
        .post(&members_path(&ghost), &admin, json!({"user_id": user}))
        .await;
    assert_problem(resp, 404, "not_found").await;
    let resp = app
        .delete(&format!("{}/{user}", members_path(&ghost)), &admin)
        .await;
    assert_problem(resp, 404, "not_found").await;

    // A helpdesk admin may not change membership.
    let (_, helpdesk) = admin_with_role(
        &app,
        &admin,
        "hd@contoso.example",
        "Hana Desk",
        "helpdesk_administrator",
        None,
    )
    .await;
    let resp = app.post(&path, &helpdesk, json!({"user_id": user})).await;
    assert_problem(resp, 403, "membership_not_permitted").await;
    assert_eq!(
        app.get_ok(&unit_path(&unit), &admin).await["member_count"],
        0
    );

    assert_eq!(
        app.audit_count("Add member to administrative unit", "success")
            .await,
        1
    );
    assert_eq!(
        app.audit_count("Remove member from administrative unit", "success")
            .await,
        1
    );
    assert_eq!(
        app.audit_count("Add member to administrative unit", "failure")
            .await,
        1
    );
    app.assert_audit_chain_valid().await;
}

#[tokio::test]
async fn restricted_unit_membership_is_changed_only_by_its_own_admins() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let vault = app.create_unit(&admin, "Vault", true).await;
    let other = app.create_unit(&admin, "Store Lyon", false).await;
    let staff = app
        .create_user(&admin, "ana@contoso.example", "Ana Lopez")
        .await;
    let (_, vault_ua) = admin_with_role(
        &app,
        &admin,
        "vua@contoso.example",
        "Vic Admin",
        "user_administrator",
        Some(&vault),
    )
    .await;
    let (_, vault_hd) = admin_with_role(
        &app,
        &admin,
        "vhd@contoso.example",
        "Val Desk",
        "helpdesk_administrator",
        Some(&vault),
    )
    .await;
    let (_, other_ua) = admin_with_role(
        &app,
        &admin,
        "oua@contoso.example",
        "Otto Admin",
        "user_administrator",
        Some(&other),
    )
    .await;
    let (_, dir_ua) = admin_with_role(
        &app,
        &admin,
        "dua@contoso.example",
        "Dora Admin",
        "user_administrator",
        None,
    )
    .await;
    let path = members_path(&vault);

    // Directory-scoped admins (even the Global Administrator) may not.
    for token in [&admin, &dir_ua, &vault_hd, &other_ua] {
        let resp = app.post(&path, token, json!({"user_id": staff})).await;
        assert_problem(resp, 403, "membership_not_permitted").await;
    }
    assert_eq!(
        app.audit_count("Add member to administrative unit", "failure")
            .await,
        4
    );
    // The user administrator assigned at the restricted unit may.
    let resp = app.post(&path, &vault_ua, json!({"user_id": staff})).await;
    assert_eq!(resp.status(), 204);
    let unit = app.get_ok(&unit_path(&vault), &admin).await;
    assert_eq!(unit["member_count"], 1);
    assert_eq!(unit["restricted"], true);
    // ... but not an ordinary unit's members.
    let resp = app
        .post(&members_path(&other), &vault_ua, json!({"user_id": staff}))
        .await;
    assert_problem(resp, 403, "membership_not_permitted").await;
    // Removal follows the same rule.
    let resp = app.delete(&format!("{path}/{staff}"), &admin).await;
    assert_problem(resp, 403, "membership_not_permitted").await;
    let resp = app.delete(&format!("{path}/{staff}"), &vault_ua).await;
    assert_eq!(resp.status(), 204);
    assert_eq!(
        app.get_ok(&unit_path(&vault), &admin).await["member_count"],
        0
    );
    app.assert_audit_chain_valid().await;
}

// ----------------------------------------------------- role assignments

#[tokio::test]
async fn role_assignments_are_created_and_validated() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let unit = app.create_unit(&admin, "Store Lyon", false).await;
    let user = app
        .create_user(&admin, "ana@contoso.example", "Ana Lopez")
        .await;
    let post = |body: Value| app.post("/api/v1/role-assignments", &admin, body);

    // Directory scope.
    let resp = post(json!({
        "principal_id": user, "role": "password_administrator", "scope": {"type": "directory"}
    }))
    .await;
    let location = resp
        .headers()
        .get("location")
        .expect("201 carries Location")
        .to_str()
        .unwrap()
        .to_owned();
    let a = json_with(resp, 201).await;
    assert_eq!(
        location,
        format!("/api/v1/role-assignments/{}", a["id"].as_str().unwrap())
    );
    assert_eq!(a["principal_id"], user.as_str());
    assert_eq!(a["principal_display_name"], "Ana Lopez");
    assert_eq!(a["role"], "password_administrator");
    assert_eq!(a["role_display_name"], "Password Administrator");
    assert_eq!(a["scope"], json!({"type": "directory"}));
    assert_eq!(a["scope_display_name"], Value::Null);
    assert!(a["created_at"].as_str().is_some());

    // Location scope.
    let scope = json!({"type": "administrative_unit", "id": unit});
    let resp =
        post(json!({"principal_id": user, "role": "helpdesk_administrator", "scope": scope})).await;
    let b = json_with(resp, 201).await;
    assert_eq!(b["scope"], scope);
    assert_eq!(b["scope_display_name"], "Store Lyon");
    assert_eq!(b["role_display_name"], "Helpdesk Administrator");
    let profile = app.get_ok(&format!("/api/v1/users/{user}"), &admin).await;
    let mut roles: Vec<String> = profile["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect();
    roles.sort();
    assert_eq!(roles, ["helpdesk_administrator", "password_administrator"]);

    // Tenant-wide-only roles cannot be scoped to a location.
    for role in [
        "global_administrator",
        "privileged_authentication_administrator",
    ] {
        let resp = post(json!({"principal_id": user, "role": role, "scope": scope})).await;
        let body = assert_problem(resp, 422, "validation_failed").await;
        assert!(
            has_error(&body, "scope", "scope_not_allowed"),
            "{role}: {body}"
        );
    }

    // The same assignment twice.
    let resp =
        post(json!({"principal_id": user, "role": "helpdesk_administrator", "scope": scope})).await;
    assert_problem(resp, 409, "assignment_exists").await;

    // Unknown location and unknown principal.
    let ghost = uuid::Uuid::now_v7().to_string();
    let resp = post(json!({
        "principal_id": user, "role": "helpdesk_administrator",
        "scope": {"type": "administrative_unit", "id": ghost}
    }))
    .await;
    let body = assert_problem(resp, 422, "validation_failed").await;
    assert!(has_error(&body, "scope", "not_found"), "{body}");
    let resp = post(json!({
        "principal_id": ghost, "role": "helpdesk_administrator", "scope": {"type": "directory"}
    }))
    .await;
    let body = assert_problem(resp, 422, "validation_failed").await;
    assert!(has_error(&body, "principal_id", "not_found"), "{body}");

    // Only global administrators may assign roles.
    let (_, user_admin) = admin_with_role(
        &app,
        &admin,
        "ua@contoso.example",
        "Uma Admin",
        "user_administrator",
        None,
    )
    .await;
    let resp = app
        .post(
            "/api/v1/role-assignments",
            &user_admin,
            json!({"principal_id": user, "role": "user_administrator", "scope": {"type": "directory"}}),
        )
        .await;
    assert_problem(resp, 403, "global_admin_required").await;
    assert_eq!(
        app.audit_count("Add scoped role member", "failure").await,
        1
    );
    // 2 for Ana, 1 for Uma.
    assert_eq!(
        app.audit_count("Add scoped role member", "success").await,
        3
    );
    app.assert_audit_chain_valid().await;
}

#[tokio::test]
async fn role_assignments_are_listed_paged_and_deleted() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let admin_id = app.my_id(&admin).await;
    let unit = app.create_unit(&admin, "Store Lyon", false).await;
    let user = app
        .create_user(&admin, "ana@contoso.example", "Ana Lopez")
        .await;
    let other = app
        .create_user(&admin, "ben@contoso.example", "Ben Ode")
        .await;
    let first = app
        .assign(&admin, &user, "password_administrator", None)
        .await;
    let second = app
        .assign(&admin, &user, "helpdesk_administrator", Some(&unit))
        .await;
    app.assign(&admin, &other, "helpdesk_administrator", Some(&unit))
        .await;

    // Filtered by principal.
    let all = app
        .get_ok(
            &format!("/api/v1/role-assignments?principal_id={user}"),
            &admin,
        )
        .await;
    let mut ids = item_ids(&all);
    ids.sort();
    let mut expected = vec![first.clone(), second.clone()];
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(all["next_cursor"], Value::Null);
    assert!(all["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["principal_id"] == user.as_str()));

    // Unfiltered: the admin's own GA plus three.
    let everything = app.get_ok("/api/v1/role-assignments", &admin).await;
    assert_eq!(item_ids(&everything).len(), 4);

    // Filtered by location.
    let at_unit = app
        .get_ok(
            &format!("/api/v1/role-assignments?administrative_unit_id={unit}"),
            &admin,
        )
        .await;
    assert_eq!(item_ids(&at_unit).len(), 2, "{at_unit}");

    // Paged one at a time.
    let p1 = app
        .get_ok(
            &format!("/api/v1/role-assignments?principal_id={user}&limit=1"),
            &admin,
        )
        .await;
    assert_eq!(item_ids(&p1).len(), 1);
    let cursor = p1["next_cursor"].as_str().expect("more to come").to_owned();
    let p2 = app
        .get_ok(
            &format!("/api/v1/role-assignments?principal_id={user}&limit=1&cursor={cursor}"),
            &admin,
        )
        .await;
    assert_eq!(item_ids(&p2).len(), 1);
    assert_eq!(p2["next_cursor"], Value::Null, "{p2}");
    let mut paged = [item_ids(&p1), item_ids(&p2)].concat();
    paged.sort();
    assert_eq!(paged, expected);

    // A tenant-wide user administrator may list; a helpdesk admin may not.
    let (_, user_admin) = admin_with_role(
        &app,
        &admin,
        "ua@contoso.example",
        "Uma Admin",
        "user_administrator",
        None,
    )
    .await;
    let listed = app
        .get_ok(
            &format!("/api/v1/role-assignments?principal_id={user}"),
            &user_admin,
        )
        .await;
    assert_eq!(item_ids(&listed).len(), 2);
    let (_, helpdesk) = admin_with_role(
        &app,
        &admin,
        "hd@contoso.example",
        "Hana Desk",
        "helpdesk_administrator",
        None,
    )
    .await;
    let resp = app.get("/api/v1/role-assignments", &helpdesk).await;
    assert_problem(resp, 403, "directory_admin_required").await;

    // Only a global administrator deletes.
    let resp = app
        .delete(&format!("/api/v1/role-assignments/{first}"), &user_admin)
        .await;
    assert_problem(resp, 403, "global_admin_required").await;
    let resp = app
        .delete(&format!("/api/v1/role-assignments/{first}"), &admin)
        .await;
    assert_eq!(resp.status(), 204);
    let resp = app
        .delete(&format!("/api/v1/role-assignments/{first}"), &admin)
        .await;
    assert_problem(resp, 404, "not_found").await;
    let after = app
        .get_ok(
            &format!("/api/v1/role-assignments?principal_id={user}"),
            &admin,
        )
        .await;
    assert_eq!(item_ids(&after), vec![second.clone()]);
    let profile = app.get_ok(&format!("/api/v1/users/{user}"), &admin).await;
    assert_eq!(profile["roles"], json!(["helpdesk_administrator"]));

    // You cannot remove your own Global Administrator role.
    let mine: Page<RoleAssignment> = app
        .get_as(
            &format!("/api/v1/role-assignments?principal_id={admin_id}"),
            &admin,
        )
        .await;
    assert_eq!(mine.items[0].role, shared::Role::GlobalAdministrator);
    let own = mine.items[0].id;
    let resp = app
        .delete(&format!("/api/v1/role-assignments/{own}"), &admin)
        .await;
    assert_problem(resp, 409, "last_own_global_admin").await;
    assert!(app.me(&admin).await.can_manage_role_assignments);

    assert_eq!(
        app.audit_count("Remove scoped role member", "success")
            .await,
        1
    );
    assert_eq!(
        app.audit_count("Remove scoped role member", "failure")
            .await,
        1
    );
    app.assert_audit_chain_valid().await;
}

// ------------------------------------------------------------- settings

#[tokio::test]
async fn my_staff_settings_default_validate_and_round_trip() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let path = "/api/v1/settings/my-staff";
    let settings = app.get_ok(path, &admin).await;
    assert_eq!(settings["access"], "all");
    assert_eq!(settings["selected_user_ids"], json!([]));

    let a = app
        .create_user(&admin, "ana@contoso.example", "Ana Lopez")
        .await;
    let b = app
        .create_user(&admin, "ben@contoso.example", "Ben Ode")
        .await;
    let ghost = uuid::Uuid::now_v7().to_string();

    let resp = app
        .put(
            path,
            &admin,
            json!({"access": "selected", "selected_user_ids": [a, ghost]}),
        )
        .await;
    let body = assert_problem(resp, 422, "validation_failed").await;
    assert!(has_error(&body, "selected_user_ids", "not_found"), "{body}");
    assert_eq!(app.get_ok(path, &admin).await["access"], "all", "unchanged");

    let resp = app.put(path, &admin, json!({"access": "bogus"})).await;
    assert!(resp.status().is_client_error(), "{}", resp.status());

    let resp = app
        .put(
            path,
            &admin,
            json!({"access": "selected", "selected_user_ids": [b, a, b]}),
        )
        .await;
    let saved = json_with(resp, 200).await;
    let mut want = vec![a.clone(), b.clone()];
    want.sort();
    assert_eq!(
        saved,
        json!({"access": "selected", "selected_user_ids": want})
    );
    assert_eq!(app.get_ok(path, &admin).await, saved);

    let resp = app.put(path, &admin, json!({"access": "none"})).await;
    let saved = json_with(resp, 200).await;
    assert_eq!(saved, json!({"access": "none", "selected_user_ids": []}));
    assert_eq!(app.get_ok(path, &admin).await, saved);

    // Only directory admins.
    let (_, helpdesk) = admin_with_role(
        &app,
        &admin,
        "hd@contoso.example",
        "Hana Desk",
        "helpdesk_administrator",
        None,
    )
    .await;
    assert_problem(
        app.get(path, &helpdesk).await,
        403,
        "directory_admin_required",
    )
    .await;
    let resp = app.put(path, &helpdesk, json!({"access": "all"})).await;
    assert_problem(resp, 403, "directory_admin_required").await;
    assert_eq!(app.get_ok(path, &admin).await["access"], "none");
    // A tenant-wide user administrator may.
    let (_, user_admin) = admin_with_role(
        &app,
        &admin,
        "ua@contoso.example",
        "Uma Admin",
        "user_administrator",
        None,
    )
    .await;
    let resp = app.put(path, &user_admin, json!({"access": "all"})).await;
    assert_eq!(json_with(resp, 200).await["access"], "all");

    assert_eq!(
        app.audit_count("Update My Staff settings", "success").await,
        3
    );
    assert_eq!(
        app.audit_count("Update My Staff settings", "failure").await,
        1
    );
    app.assert_audit_chain_valid().await;
}

// ---------------------------------------------------------------- audit

#[tokio::test]
async fn every_directory_change_writes_one_success_row_and_the_chain_verifies() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let before = app.audit_rows().await;
    assert!(
        before
            .iter()
            .all(|(a, _)| !a.contains("administrative unit") && a != "Create user"),
        "{before:?}"
    );

    let user = app
        .create_user(&admin, "ana@contoso.example", "Ana Lopez")
        .await;
    let unit = app.create_unit(&admin, "Store Lyon", false).await;
    app.add_member(&admin, &unit, &user).await;
    let resp = app
        .delete(&format!("{}/{user}", members_path(&unit)), &admin)
        .await;
    assert_eq!(resp.status(), 204);
    let assignment = app
        .assign(&admin, &user, "helpdesk_administrator", Some(&unit))
        .await;
    let resp = app
        .delete(&format!("/api/v1/role-assignments/{assignment}"), &admin)
        .await;
    assert_eq!(resp.status(), 204);
    let resp = app
        .put(
            "/api/v1/settings/my-staff",
            &admin,
            json!({"access": "none"}),
        )
        .await;
    assert_eq!(resp.status(), 200);

    let rows = app.audit_rows().await;
    let new: Vec<(String, String)> = rows[before.len()..]
        .iter()
        .filter(|(a, _)| a != "Sign-in")
        .cloned()
        .collect();
    let expected: Vec<(String, String)> = [
        "Create user",
        "Create administrative unit",
        "Add member to administrative unit",
        "Remove member from administrative unit",
        "Add scoped role member",
        "Remove scoped role member",
        "Update My Staff settings",
    ]
    .iter()
    .map(|a| ((*a).to_owned(), "success".to_owned()))
    .collect();
    assert_eq!(new, expected);

    // The rows carry the actor and the category, and record no secret.
    let details: Vec<(String, Option<String>, String)> = sqlx::query_as(
        "SELECT activity, actor_upn, target_resources FROM audit_events \
         WHERE activity <> 'Sign-in' AND actor_id IS NOT NULL ORDER BY seq",
    )
    .fetch_all(app.store.reader())
    .await
    .unwrap();
    assert_eq!(details.len(), 7);
    for (activity, actor, targets) in &details {
        assert_eq!(
            actor.as_deref(),
            Some(crate::helpers::ADMIN_UPN),
            "{activity}"
        );
        assert!(!targets.contains(USER_PASSWORD), "{activity}: {targets}");
    }
    assert!(details[0].2.contains(&user), "Create user names the user");
    assert!(details[1].2.contains(&unit), "Create unit names the unit");

    let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_events")
        .fetch_one(app.store.reader())
        .await
        .unwrap();
    match openstaff::audit::verify(&app.store).await.unwrap() {
        openstaff::audit::Verification::Valid { events } => {
            assert_eq!(events, total as u64)
        }
        other => panic!("audit chain broken: {other:?}"),
    }
}
