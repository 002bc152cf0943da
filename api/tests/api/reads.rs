//! Read endpoints (`/me`, locations, members, users) and the My Staff gate.

use crate::helpers::{
    assert_problem, item_ids, item_names, json_with, TestApp, ADMIN_UPN, USER_PASSWORD,
};
use serde_json::{json, Value};
use shared::dto::MyStaffStatus;
use shared::rules::MyStaffBlock;
use shared::{Role, Scope};
use std::collections::HashSet;
use uuid::Uuid;

const MY_STAFF_OPEN: MyStaffStatus = MyStaffStatus {
    enabled: true,
    reason: None,
};

fn my_staff_closed(reason: MyStaffBlock) -> MyStaffStatus {
    MyStaffStatus {
        enabled: false,
        reason: Some(reason),
    }
}

/// Creates a user holding `role` (at `unit`, or tenant-wide); returns (id, token).
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

/// Follows `next_cursor` from `path` (which already has a `?`) with page size
/// `limit`; returns every page.
async fn all_pages(app: &TestApp, token: &str, path: &str, limit: u32) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{path}&limit={limit}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page = app.get_ok(&url, token).await;
        assert!(
            page["items"].as_array().unwrap().len() <= limit as usize,
            "{page}"
        );
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        let done = cursor.is_none();
        pages.push(page);
        if done {
            break;
        }
        assert!(pages.len() < 100, "paging does not end");
    }
    pages
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

async fn search_names(app: &TestApp, token: &str, path: &str, q: &str) -> Vec<String> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let page = app
        .client
        .get(app.url(&format!("{path}{sep}limit=200")))
        .query(&[("search", q)])
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    item_names(&json_with(page, 200).await)
}

// ------------------------------------------------------------------ /me

#[tokio::test]
async fn me_reports_roles_access_and_capabilities() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let lyon = app.create_unit(&admin, "Store Lyon", false).await;

    // On the wire, an open gate says so with an explicit null reason.
    let raw = app.get_ok("/api/v1/me", &admin).await;
    assert_eq!(
        raw["my_staff_access"],
        json!({"enabled": true, "reason": null})
    );
    let me = app.me(&admin).await;
    assert_eq!(me.user_principal_name, ADMIN_UPN);
    assert_eq!(me.display_name, "Avery Admin");
    let ra = &me.role_assignments;
    assert_eq!(ra.len(), 1, "{me:?}");
    assert_eq!(ra[0].role, Role::GlobalAdministrator);
    assert_eq!(ra[0].role_display_name, "Global Administrator");
    assert_eq!(ra[0].scope, Scope::Directory);
    assert_eq!(ra[0].scope_display_name, None);
    assert_eq!(ra[0].principal_id, me.id);
    assert_eq!(me.my_staff_access, MY_STAFF_OPEN);
    assert!(me.can_manage_directory);
    assert!(me.can_manage_role_assignments);
    assert!(me.can_manage_applications);

    // A helpdesk admin at a location.
    let (hd_id, hd) = admin_with_role(
        &app,
        &admin,
        "hd@contoso.example",
        "Hana Desk",
        "helpdesk_administrator",
        Some(&lyon),
    )
    .await;
    let me = app.me(&hd).await;
    assert_eq!(me.id.to_string(), hd_id);
    assert_eq!(me.display_name, "Hana Desk");
    let ra = &me.role_assignments;
    assert_eq!(ra.len(), 1, "{me:?}");
    assert_eq!(ra[0].role, Role::HelpdeskAdministrator);
    assert_eq!(ra[0].role_display_name, "Helpdesk Administrator");
    assert_eq!(
        ra[0].scope,
        Scope::AdministrativeUnit {
            id: Uuid::parse_str(&lyon).unwrap()
        }
    );
    assert_eq!(ra[0].scope_display_name.as_deref(), Some("Store Lyon"));
    assert_eq!(me.my_staff_access, MY_STAFF_OPEN);
    assert!(!me.can_manage_directory);
    assert!(!me.can_manage_role_assignments);

    // A tenant-wide user administrator manages the directory but not roles.
    let (_, ua) = admin_with_role(
        &app,
        &admin,
        "ua@contoso.example",
        "Uma Admin",
        "user_administrator",
        None,
    )
    .await;
    let me = app.me(&ua).await;
    assert!(me.can_manage_directory);
    assert!(!me.can_manage_role_assignments);
    assert!(!me.can_manage_applications);

    // A location-scoped user administrator does neither.
    let (_, aua) = admin_with_role(
        &app,
        &admin,
        "aua@contoso.example",
        "Aron Admin",
        "user_administrator",
        Some(&lyon),
    )
    .await;
    let me = app.me(&aua).await;
    assert!(!me.can_manage_directory);
    assert!(!me.can_manage_role_assignments);

    // Without a role.
    app.create_user(&admin, "ana@contoso.example", "Ana Lopez")
        .await;
    let ana = app.token("ana@contoso.example", USER_PASSWORD).await;
    let me = app.me(&ana).await;
    assert!(me.role_assignments.is_empty());
    assert_eq!(
        me.my_staff_access,
        my_staff_closed(MyStaffBlock::NoAdminRole)
    );
    assert!(!me.can_manage_directory);
    assert!(!me.can_manage_role_assignments);
    assert!(!me.can_manage_applications);
}

// ----------------------------------------------------------- locations

#[tokio::test]
async fn my_units_lists_the_callers_locations_with_paging_and_search() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let lyon = app.create_unit(&admin, "Store Lyon", false).await;
    let paris = app.create_unit(&admin, "Store Paris", false).await;
    app.create_unit(&admin, "Store Lille", false).await;
    app.create_unit(&admin, "Vault", true).await;
    app.create_unit(&admin, "Annex", false).await;

    let (mgr_id, mgr) = admin_with_role(
        &app,
        &admin,
        "mgr@contoso.example",
        "Mia Manager",
        "helpdesk_administrator",
        Some(&paris),
    )
    .await;
    app.assign(&admin, &mgr_id, "password_administrator", Some(&lyon))
        .await;

    // Only her locations, in name order, each with her roles there.
    let page = app.get_ok("/api/v1/me/administrative-units", &mgr).await;
    assert_eq!(item_names(&page), ["Store Lyon", "Store Paris"]);
    assert_eq!(item_ids(&page), [lyon.clone(), paris.clone()]);
    assert_eq!(
        page["items"][0]["my_roles"],
        json!(["password_administrator"])
    );
    assert_eq!(
        page["items"][1]["my_roles"],
        json!(["helpdesk_administrator"])
    );
    assert_eq!(page["next_cursor"], Value::Null);
    assert_eq!(
        search_names(&app, &mgr, "/api/v1/me/administrative-units", "par").await,
        ["Store Paris"]
    );
    assert!(
        search_names(&app, &mgr, "/api/v1/me/administrative-units", "lil")
            .await
            .is_empty(),
        "not her location"
    );
    let pages = all_pages(&app, &mgr, "/api/v1/me/administrative-units?", 1).await;
    assert_eq!(pages.len(), 2);
    let ids: Vec<String> = pages.iter().flat_map(item_ids).collect();
    assert_eq!(ids, [lyon.clone(), paris.clone()]);

    // A tenant-wide admin sees them all.
    let all = ["Annex", "Store Lille", "Store Lyon", "Store Paris", "Vault"];
    let page = app.get_ok("/api/v1/me/administrative-units", &admin).await;
    assert_eq!(item_names(&page), all);
    let pages = all_pages(&app, &admin, "/api/v1/me/administrative-units?", 2).await;
    assert_eq!(pages.len(), 3);
    let names: Vec<String> = pages.iter().flat_map(item_names).collect();
    assert_eq!(names, all);
    assert_eq!(
        search_names(&app, &admin, "/api/v1/me/administrative-units", "store l").await,
        ["Store Lille", "Store Lyon"]
    );
    // So does a tenant-wide helpdesk admin.
    let (_, hd) = admin_with_role(
        &app,
        &admin,
        "hd@contoso.example",
        "Hana Desk",
        "helpdesk_administrator",
        None,
    )
    .await;
    let page = app
        .get_ok("/api/v1/me/administrative-units?limit=200", &hd)
        .await;
    assert_eq!(item_names(&page), all);
    assert!(page["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["my_roles"] == json!(["helpdesk_administrator"])));

    // Bad paging input.
    let resp = app
        .get("/api/v1/me/administrative-units?limit=0", &admin)
        .await;
    assert_problem(resp, 422, "validation_failed").await;
    let resp = app
        .get("/api/v1/me/administrative-units?limit=201", &admin)
        .await;
    assert_problem(resp, 422, "validation_failed").await;
    let resp = app
        .get("/api/v1/me/administrative-units?cursor=garbage", &admin)
        .await;
    assert_problem(resp, 400, "invalid_cursor").await;
}

#[tokio::test]
async fn locations_are_searchable_paged_and_show_the_callers_roles() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let lyon = app.create_unit(&admin, "Store Lyon", false).await;
    let paris = app.create_unit(&admin, "Store Paris", false).await;
    app.create_unit(&admin, "Warehouse North", false).await;
    app.create_unit(&admin, "lyonnaise Kitchen", false).await;
    app.create_unit(&admin, "Vault", true).await;
    let (mgr_id, mgr) = admin_with_role(
        &app,
        &admin,
        "mgr@contoso.example",
        "Mia Manager",
        "helpdesk_administrator",
        Some(&lyon),
    )
    .await;
    app.assign(&admin, &mgr_id, "password_administrator", None)
        .await;

    // A location-scoped manager searches every location.
    let path = "/api/v1/administrative-units";
    assert_eq!(
        search_names(&app, &mgr, path, "lyo").await,
        ["lyonnaise Kitchen", "Store Lyon"]
    );
    assert_eq!(
        search_names(&app, &mgr, path, "store lyo").await,
        ["Store Lyon"]
    );
    assert_eq!(
        search_names(&app, &mgr, path, "LYON store").await,
        ["Store Lyon"]
    );
    assert_eq!(
        search_names(&app, &mgr, path, "STORE").await,
        ["Store Lyon", "Store Paris"]
    );
    assert!(search_names(&app, &mgr, path, "yon").await.is_empty());
    assert!(search_names(&app, &mgr, path, "xyz").await.is_empty());

    // Paging covers each location exactly once, in case-insensitive name order.
    let pages = all_pages(&app, &mgr, "/api/v1/administrative-units?", 2).await;
    assert_eq!(pages.len(), 3);
    let names: Vec<String> = pages.iter().flat_map(item_names).collect();
    assert_eq!(
        names,
        [
            "lyonnaise Kitchen",
            "Store Lyon",
            "Store Paris",
            "Vault",
            "Warehouse North"
        ]
    );
    let ids: HashSet<String> = pages.iter().flat_map(item_ids).collect();
    assert_eq!(ids.len(), 5);

    // One location with the caller's roles over it.
    let unit = app.get_ok(&format!("{path}/{lyon}"), &mgr).await;
    assert_eq!(unit["display_name"], "Store Lyon");
    assert_eq!(unit["restricted"], false);
    assert_eq!(unit["member_count"], 0);
    assert_eq!(
        unit["my_roles"],
        json!(["helpdesk_administrator", "password_administrator"])
    );
    let unit = app.get_ok(&format!("{path}/{paris}"), &mgr).await;
    assert_eq!(unit["my_roles"], json!(["password_administrator"]));
    let unit = app.get_ok(&format!("{path}/{paris}"), &admin).await;
    assert_eq!(unit["my_roles"], json!(["global_administrator"]));

    // Unknown and malformed ids.
    let ghost = uuid::Uuid::now_v7();
    assert_problem(
        app.get(&format!("{path}/{ghost}"), &mgr).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(&format!("{path}/nope"), &mgr).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(&format!("{path}/{ghost}/members"), &mgr).await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn members_are_ordered_paged_searchable_and_carry_allowed_actions() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let store = app.create_unit(&admin, "Store Lyon", false).await;
    let elsewhere = app.create_unit(&admin, "Store Paris", false).await;
    let names = [
        "zoe Adams",
        "Marc Dupont",
        "ana Lopez",
        "Bob Brown",
        "Maya Stone",
        "Carl Evans",
        "marie Curie",
    ];
    let mut ids = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let id = app
            .create_user(&admin, &format!("m{i}@contoso.example"), name)
            .await;
        app.add_member(&admin, &store, &id).await;
        ids.push(id);
    }
    // Bob holds a role (somewhere else); Maria is not a member.
    let bob = ids[3].clone();
    app.assign(&admin, &bob, "password_administrator", Some(&elsewhere))
        .await;
    app.create_user(&admin, "maria@contoso.example", "Maria Other")
        .await;
    let (_, pwa) = admin_with_role(
        &app,
        &admin,
        "pwa@contoso.example",
        "Pia Password",
        "password_administrator",
        Some(&store),
    )
    .await;

    let path = format!("/api/v1/administrative-units/{store}/members");
    let pages = all_pages(&app, &pwa, &format!("{path}?"), 3).await;
    assert_eq!(
        pages
            .iter()
            .map(|p| p["items"].as_array().unwrap().len())
            .collect::<Vec<_>>(),
        [3, 3, 1]
    );
    let got: Vec<String> = pages.iter().flat_map(item_names).collect();
    let mut want: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
    want.sort_by_key(|s| s.to_lowercase());
    assert_eq!(got, want, "display-name order, case-insensitive");
    let got_ids: HashSet<String> = pages.iter().flat_map(item_ids).collect();
    assert_eq!(got_ids, ids.iter().cloned().collect::<HashSet<_>>());

    // Each member carries what the caller may do.
    for item in pages
        .iter()
        .flat_map(|p| p["items"].as_array().unwrap().clone())
    {
        let expected = if item["id"] == bob.as_str() {
            json!(["read"])
        } else {
            json!(["read", "reset_password"])
        };
        assert_eq!(item["allowed_actions"], expected, "{item}");
        assert_eq!(
            item["administrative_units"][0]["id"],
            store.as_str(),
            "{item}"
        );
    }
    // The global administrator's view of the same members.
    let page = app.get_ok(&format!("{path}?limit=200"), &admin).await;
    for item in page["items"].as_array().unwrap() {
        assert_eq!(
            item["allowed_actions"],
            json!(crate::directory::ALL_ACTIONS),
            "{item}"
        );
    }
    let unit = app
        .get_ok(&format!("/api/v1/administrative-units/{store}"), &pwa)
        .await;
    assert_eq!(unit["member_count"], 7);

    // Search within the members only.
    assert_eq!(
        search_names(&app, &pwa, &path, "ma").await,
        ["Marc Dupont", "marie Curie", "Maya Stone"]
    );
    assert_eq!(
        search_names(&app, &pwa, &path, "MA st").await,
        ["Maya Stone"]
    );
    assert_eq!(
        search_names(&app, &pwa, &path, "m6@").await,
        ["marie Curie"]
    );
    assert!(search_names(&app, &pwa, &path, "maria").await.is_empty());
    assert!(search_names(&app, &pwa, &path, "xyz").await.is_empty());
}

// ---------------------------------------------------------------- users

#[tokio::test]
async fn user_search_matches_word_prefixes_of_name_upn_and_mail() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let mk = |upn: &str, name: &str, mail: Option<&str>| {
        json!({
            "user_principal_name": upn,
            "display_name": name,
            "mail": mail,
            "source": "cloud",
            "password": USER_PASSWORD,
        })
    };
    let john = app
        .create_user_with(
            &admin,
            mk(
                "jsmith@contoso.example",
                "John Smith",
                Some("john.smith@fabrikam.example"),
            ),
        )
        .await;
    let joanna = app
        .create_user_with(
            &admin,
            mk("joanna.s@contoso.example", "Joanna Smithers", None),
        )
        .await;
    app.create_user_with(&admin, mk("mjohnson@contoso.example", "Mary Johnson", None))
        .await;
    app.create_user_with(
        &admin,
        mk("keith@contoso.example", "Keith Blacksmith", None),
    )
    .await;
    let (_, hd) = admin_with_role(
        &app,
        &admin,
        "hd@contoso.example",
        "Hana Desk",
        "helpdesk_administrator",
        None,
    )
    .await;

    let users = "/api/v1/users";
    let both = ["Joanna Smithers", "John Smith"];
    for q in ["jo sm", "JO SM", "smith jo", "Jo   Smi", " jo sm "] {
        assert_eq!(search_names(&app, &hd, users, q).await, both, "{q}");
    }
    assert_eq!(
        search_names(&app, &hd, users, "john smith").await,
        ["John Smith"]
    );
    // UPN and mail prefixes.
    assert_eq!(search_names(&app, &hd, users, "jsm").await, ["John Smith"]);
    assert_eq!(
        search_names(&app, &hd, users, "jsmith@contoso.ex").await,
        ["John Smith"]
    );
    assert_eq!(
        search_names(&app, &hd, users, "fabrik").await,
        ["John Smith"]
    );
    assert_eq!(
        search_names(&app, &hd, users, "john.smith@fab").await,
        ["John Smith"]
    );
    assert_eq!(
        search_names(&app, &hd, users, "joanna.s@").await,
        ["Joanna Smithers"]
    );
    // Prefixes only, never inner substrings.
    assert!(search_names(&app, &hd, users, "ith").await.is_empty());
    assert!(search_names(&app, &hd, users, "xyz").await.is_empty());
    assert!(search_names(&app, &hd, users, "jo xyz").await.is_empty());
    assert_eq!(
        search_names(&app, &hd, users, "smith").await,
        ["Joanna Smithers", "John Smith"],
        "Blacksmith does not start with smith"
    );
    // Every user is in the contoso domain (John twice: UPN and mail differ).
    assert_eq!(search_names(&app, &hd, users, "contoso").await.len(), 6);
    // An empty search lists everyone.
    assert_eq!(search_names(&app, &hd, users, "").await.len(), 6);

    // Paging walks everyone once, in name order.
    let pages = all_pages(&app, &hd, "/api/v1/users?", 2).await;
    assert_eq!(pages.len(), 3);
    let names: Vec<String> = pages.iter().flat_map(item_names).collect();
    assert_eq!(
        names,
        [
            "Avery Admin",
            "Hana Desk",
            "Joanna Smithers",
            "John Smith",
            "Keith Blacksmith",
            "Mary Johnson"
        ]
    );
    let pages = all_pages(&app, &hd, "/api/v1/users?search=jo", 1).await;
    let ids: Vec<String> = pages.iter().flat_map(item_ids).collect();
    assert_eq!(ids.len(), 3, "Joanna, John, Johnson");
    assert_eq!(ids[0], joanna);
    assert_eq!(ids[1], john);
}

#[tokio::test]
async fn user_profile_shows_locations_and_roles() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let lyon = app.create_unit(&admin, "Store Lyon", false).await;
    let vault = app.create_unit(&admin, "Vault", true).await;
    let ana = app
        .create_user(&admin, "ana@contoso.example", "Ana Lopez")
        .await;
    app.add_member(&admin, &lyon, &ana).await;
    app.assign(&admin, &ana, "helpdesk_administrator", Some(&lyon))
        .await;
    app.assign(&admin, &ana, "password_administrator", None)
        .await;
    let (_, vua) = admin_with_role(
        &app,
        &admin,
        "vua@contoso.example",
        "Vic Admin",
        "user_administrator",
        Some(&vault),
    )
    .await;
    let resp = app
        .post(
            &format!("/api/v1/administrative-units/{vault}/members"),
            &vua,
            json!({"user_id": ana}),
        )
        .await;
    assert_eq!(resp.status(), 204);

    let profile = app.get_ok(&format!("/api/v1/users/{ana}"), &admin).await;
    assert_eq!(profile["id"], ana.as_str());
    assert_eq!(profile["user_principal_name"], "ana@contoso.example");
    assert_eq!(profile["source"], "cloud");
    let mut roles = strings(&profile["roles"]);
    roles.sort();
    assert_eq!(roles, ["helpdesk_administrator", "password_administrator"]);
    let mut units: Vec<(String, String, bool)> = profile["administrative_units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["id"].as_str().unwrap().to_owned(),
                u["display_name"].as_str().unwrap().to_owned(),
                u["restricted"].as_bool().unwrap(),
            )
        })
        .collect();
    units.sort();
    let mut want = vec![
        (lyon.clone(), "Store Lyon".to_owned(), false),
        (vault.clone(), "Vault".to_owned(), true),
    ];
    want.sort();
    assert_eq!(units, want);
    // She is in a restricted location, so the Global Administrator may only read.
    assert_eq!(profile["allowed_actions"], json!(["read"]));
    // The same record appears in the org-wide list.
    let page = app.get_ok("/api/v1/users?search=ana", &admin).await;
    assert_eq!(page["items"], json!([profile]));

    let ghost = uuid::Uuid::now_v7();
    assert_problem(
        app.get(&format!("/api/v1/users/{ghost}"), &admin).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get("/api/v1/users/nope", &admin).await,
        404,
        "not_found",
    )
    .await;
}

// ------------------------------------------------------------- the gate

#[tokio::test]
async fn users_without_a_role_are_kept_out_of_the_manager_surface() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let lyon = app.create_unit(&admin, "Store Lyon", false).await;
    let ana = app
        .create_user(&admin, "ana@contoso.example", "Ana Lopez")
        .await;
    app.add_member(&admin, &lyon, &ana).await;
    let token = app.token("ana@contoso.example", USER_PASSWORD).await;

    for path in [
        "/api/v1/me/administrative-units".to_owned(),
        "/api/v1/users".to_owned(),
        "/api/v1/users?search=ana".to_owned(),
        format!("/api/v1/users/{ana}"),
        format!("/api/v1/users/{ana}/access?action=read"),
        "/api/v1/administrative-units".to_owned(),
        format!("/api/v1/administrative-units/{lyon}"),
        format!("/api/v1/administrative-units/{lyon}/members"),
    ] {
        let body = assert_problem(app.get(&path, &token).await, 403, "no_admin_role").await;
        assert!(!body.to_string().contains("Ana Lopez"), "{path}: {body}");
    }
    let me = app.me(&token).await;
    assert_eq!(me.id.to_string(), ana);
    assert_eq!(
        me.my_staff_access,
        my_staff_closed(MyStaffBlock::NoAdminRole)
    );

    // Being listed in the setting does not help without a role.
    let resp = app
        .put(
            "/api/v1/settings/my-staff",
            &admin,
            json!({"access": "selected", "selected_user_ids": [ana]}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_problem(app.get("/api/v1/users", &token).await, 403, "no_admin_role").await;
    assert_eq!(
        app.me(&token).await.my_staff_access.reason,
        Some(MyStaffBlock::NoAdminRole)
    );
}

#[tokio::test]
async fn the_my_staff_setting_decides_which_admins_get_in() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let lyon = app.create_unit(&admin, "Store Lyon", false).await;
    let (h1_id, h1) = admin_with_role(
        &app,
        &admin,
        "h1@contoso.example",
        "Hana One",
        "helpdesk_administrator",
        Some(&lyon),
    )
    .await;
    let (_, h2) = admin_with_role(
        &app,
        &admin,
        "h2@contoso.example",
        "Hugo Two",
        "password_administrator",
        Some(&lyon),
    )
    .await;
    let (_, dir_hd) = admin_with_role(
        &app,
        &admin,
        "dhd@contoso.example",
        "Dana Desk",
        "helpdesk_administrator",
        None,
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
    let gated = [
        "/api/v1/me/administrative-units".to_owned(),
        "/api/v1/users".to_owned(),
        format!("/api/v1/users/{h1_id}"),
        "/api/v1/administrative-units".to_owned(),
        format!("/api/v1/administrative-units/{lyon}"),
        format!("/api/v1/administrative-units/{lyon}/members"),
    ];
    let put = |body: Value| app.put("/api/v1/settings/my-staff", &admin, body);

    // "none": no manager gets in.
    assert_eq!(put(json!({"access": "none"})).await.status(), 200);
    for token in [&h1, &h2, &dir_hd] {
        for path in &gated {
            assert_problem(app.get(path, token).await, 403, "my_staff_not_enabled").await;
        }
        assert_eq!(
            app.me(token).await.my_staff_access,
            my_staff_closed(MyStaffBlock::MyStaffNotEnabled)
        );
    }
    // Directory managers still read the directory (directory management is not
    // gated), but "my locations" is part of the manager surface and is closed.
    for token in [&admin, &dir_ua] {
        for path in &gated[1..] {
            app.get_ok(path, token).await;
        }
        assert_problem(
            app.get("/api/v1/me/administrative-units", token).await,
            403,
            "my_staff_not_enabled",
        )
        .await;
        let me = app.me(token).await;
        assert!(!me.my_staff_access.enabled);
        assert!(me.can_manage_directory);
        // The settings endpoint itself is directory management.
        app.get_ok("/api/v1/settings/my-staff", token).await;
    }

    // "selected": exactly the listed admins.
    assert_eq!(
        put(json!({"access": "selected", "selected_user_ids": [h1_id]}))
            .await
            .status(),
        200
    );
    for path in &gated {
        app.get_ok(path, &h1).await;
    }
    assert_eq!(app.me(&h1).await.my_staff_access, MY_STAFF_OPEN);
    for token in [&h2, &dir_hd] {
        for path in &gated {
            assert_problem(app.get(path, token).await, 403, "my_staff_not_enabled").await;
        }
    }

    // "all": every admin again.
    assert_eq!(put(json!({"access": "all"})).await.status(), 200);
    for token in [&h1, &h2, &dir_hd, &dir_ua, &admin] {
        for path in &gated {
            app.get_ok(path, token).await;
        }
        assert!(app.me(token).await.my_staff_access.enabled);
    }
}

#[tokio::test]
async fn paging_is_exact_when_display_names_tie() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let unit = app.create_unit(&admin, "Store Lyon", false).await;
    let mut ids = HashSet::new();
    for (i, name) in ["Sam Lee", "sam lee", "Sam Lee", "SAM LEE", "Sam Lee"]
        .iter()
        .enumerate()
    {
        let id = app
            .create_user(&admin, &format!("sam{i}@contoso.example"), name)
            .await;
        app.add_member(&admin, &unit, &id).await;
        ids.insert(id);
    }
    for path in [
        "/api/v1/users?search=sam".to_owned(),
        format!("/api/v1/administrative-units/{unit}/members?"),
    ] {
        for limit in [1, 2, 4] {
            let pages = all_pages(&app, &admin, &path, limit).await;
            let got: Vec<String> = pages.iter().flat_map(item_ids).collect();
            assert_eq!(got.len(), 5, "{path} limit {limit}: {got:?}");
            assert_eq!(
                got.iter().cloned().collect::<HashSet<_>>(),
                ids,
                "{path} limit {limit}"
            );
            assert_eq!(pages.len(), 5usize.div_ceil(limit as usize), "{path}");
        }
    }
}
