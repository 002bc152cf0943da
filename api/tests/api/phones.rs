//! Phone methods (SPEC section 4): who may set them, E.164 parsing, the mobile /
//! alternate mobile dependency, uniqueness, ETag / If-Match, masking and audit.

use crate::helpers::{assert_problem, json_as, json_with, problem_errors, TestApp};
use reqwest::{Method, Response};
use serde_json::{json, Value};
use shared::dto::PhoneMethods;

const MOBILE: &str = "+33 6 12 34 56 78";
const MOBILE_E164: &str = "+33612345678";
const MOBILE_MASKED: &str = "+33 *** ** **78";
const OFFICE: &str = "+33 1 42 68 53 00";
const OFFICE_E164: &str = "+33142685300";
const ALTERNATE: &str = "+33 7 81 23 45 67";
const ALTERNATE_E164: &str = "+33781234567";
const NEW_MOBILE: &str = "+33 6 11 22 33 44";
const NEW_MOBILE_E164: &str = "+33611223344";

fn phones_path(user: &str) -> String {
    format!("/api/v1/users/{user}/phone-methods")
}

fn phone_path(user: &str, kind: &str) -> String {
    format!("/api/v1/users/{user}/phone-methods/{kind}")
}

/// A GA, location A with an authentication administrator scoped to it, and a
/// non-admin member of A.
struct World {
    app: TestApp,
    admin: String,
    unit_a: String,
    manager_id: String,
    manager: String,
    target: String,
}

async fn world_with(app: TestApp) -> World {
    let admin = app.admin_token().await;
    let unit_a = app.create_unit(&admin, "Store A", false).await;
    let (manager_id, manager) = app
        .staff_with_role(
            &admin,
            "mia.manager@contoso.example",
            "Mia Manager",
            "authentication_administrator",
            Some(&unit_a),
        )
        .await;
    let target = app
        .create_user(&admin, "tess.target@contoso.example", "Tess Target")
        .await;
    app.add_member(&admin, &unit_a, &target).await;
    World {
        app,
        admin,
        unit_a,
        manager_id,
        manager,
        target,
    }
}

async fn world() -> World {
    world_with(TestApp::spawn().await).await
}

async fn put_phone(app: &TestApp, token: &str, user: &str, kind: &str, number: &str) -> Response {
    app.put(
        &phone_path(user, kind),
        token,
        json!({ "phone_number": number }),
    )
    .await
}

async fn put_phone_if_match(
    app: &TestApp,
    token: &str,
    user: &str,
    kind: &str,
    number: &str,
    etag: &str,
) -> Response {
    app.request(Method::PUT, &phone_path(user, kind), Some(token))
        .header("If-Match", etag)
        .json(&json!({ "phone_number": number }))
        .send()
        .await
        .unwrap()
}

async fn delete_phone_if_match(
    app: &TestApp,
    token: &str,
    user: &str,
    kind: &str,
    etag: &str,
) -> Response {
    app.request(Method::DELETE, &phone_path(user, kind), Some(token))
        .header("If-Match", etag)
        .send()
        .await
        .unwrap()
}

fn etag_header(resp: &Response) -> String {
    resp.headers()
        .get("etag")
        .expect("an ETag header")
        .to_str()
        .unwrap()
        .to_owned()
}

/// A 200 answer with phone methods: checks ETag header == body etag, returns the body.
async fn methods_ok(resp: Response) -> PhoneMethods {
    let etag = etag_header(&resp);
    let body: PhoneMethods = json_as(resp, 200).await;
    assert_eq!(body.etag, etag, "ETag header and body differ");
    assert!(!etag.is_empty());
    body
}

/// (type, phone_number, masked) of each listed method, in order.
fn methods(body: &PhoneMethods) -> Vec<(String, String, bool)> {
    body.items
        .iter()
        .map(|m| (m.type_.id().to_owned(), m.phone_number.clone(), m.masked))
        .collect()
}

fn full(kind: &str, number: &str) -> (String, String, bool) {
    (kind.to_owned(), number.to_owned(), false)
}

async fn list(app: &TestApp, token: &str, user: &str) -> PhoneMethods {
    methods_ok(app.get(&phones_path(user), token).await).await
}

/// Audit events (as the GA reads them) with this activity, newest first.
async fn events(app: &TestApp, admin: &str, activity: &str) -> Vec<Value> {
    let resp = app
        .request(Method::GET, "/api/v1/audit-logs", Some(admin))
        .query(&[("activity", activity), ("limit", "200")])
        .send()
        .await
        .unwrap();
    json_with(resp, 200).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// The only modified property of an event's only target.
fn only_change(event: &Value) -> (String, Value, Value) {
    let targets = event["target_resources"].as_array().unwrap();
    assert_eq!(targets.len(), 1, "{event}");
    let props = targets[0]["modified_properties"].as_array().unwrap();
    assert_eq!(props.len(), 1, "{event}");
    (
        props[0]["name"].as_str().unwrap().to_owned(),
        props[0]["old_value"].clone(),
        props[0]["new_value"].clone(),
    )
}

fn assert_no_full_number(dump: &str, numbers: &[&str]) {
    for n in numbers {
        let digits = n.trim_start_matches('+');
        let national = &digits[2..];
        assert!(
            !dump.contains(digits) && !dump.contains(national),
            "audit rows hold the full number {n}:\n{dump}"
        );
    }
}

#[tokio::test]
async fn scoped_authentication_admin_adds_changes_and_removes_numbers() {
    let World {
        app,
        admin,
        manager_id,
        manager,
        target,
        ..
    } = world().await;

    // Nothing yet.
    let empty = list(&app, &manager, &target).await;
    assert!(methods(&empty).is_empty(), "{empty:?}");

    // Register a mobile.
    let resp = put_phone(&app, &manager, &target, "mobile", MOBILE).await;
    let body = methods_ok(resp).await;
    assert_eq!(methods(&body), vec![full("mobile", MOBILE_E164)]);
    assert_ne!(body.etag, empty.etag);
    let listed = list(&app, &manager, &target).await;
    assert_eq!(listed, body, "GET lists what PUT answered");

    // Office, then an alternate mobile.
    let body = methods_ok(put_phone(&app, &manager, &target, "office", OFFICE).await).await;
    assert_eq!(
        methods(&body),
        vec![full("mobile", MOBILE_E164), full("office", OFFICE_E164)]
    );
    let body =
        methods_ok(put_phone(&app, &manager, &target, "alternate_mobile", ALTERNATE).await).await;
    assert_eq!(
        methods(&body),
        vec![
            full("alternate_mobile", ALTERNATE_E164),
            full("mobile", MOBILE_E164),
            full("office", OFFICE_E164),
        ]
    );

    // Change the mobile: a "Change phone number" row with masked values.
    let body = methods_ok(put_phone(&app, &manager, &target, "mobile", NEW_MOBILE).await).await;
    assert!(methods(&body).contains(&full("mobile", NEW_MOBILE_E164)));
    assert!(!methods(&body).contains(&full("mobile", MOBILE_E164)));

    let registered = events(&app, &admin, "Register phone number").await;
    assert_eq!(registered.len(), 3, "{registered:?}");
    let changed = events(&app, &admin, "Change phone number").await;
    assert_eq!(changed.len(), 1, "{changed:?}");
    let change = &changed[0];
    assert_eq!(change["result"], "success");
    assert_eq!(change["initiated_by"]["user_id"], manager_id.as_str());
    assert_eq!(change["target_resources"][0]["id"], target.as_str());
    assert_eq!(change["target_resources"][0]["type"], "user");
    assert_eq!(
        only_change(change),
        (
            "mobile".to_owned(),
            json!(MOBILE_MASKED),
            json!("+33 *** ** **44")
        )
    );
    // The manager of A can read the event about her member too.
    let resp = app
        .request(Method::GET, "/api/v1/audit-logs", Some(&manager))
        .query(&[("activity", "Change phone number")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_with(resp, 200).await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Removing the mobile while an alternate exists is refused.
    let resp = app.delete(&phone_path(&target, "mobile"), &manager).await;
    assert_problem(resp, 409, "alternate_mobile_depends").await;

    // Remove the alternate: 204 with the new ETag.
    let resp = app
        .delete(&phone_path(&target, "alternate_mobile"), &manager)
        .await;
    assert_eq!(resp.status(), 204);
    let etag_after_delete = etag_header(&resp);
    let listed = list(&app, &manager, &target).await;
    assert_eq!(listed.etag, etag_after_delete);
    assert_eq!(
        methods(&listed),
        vec![full("mobile", NEW_MOBILE_E164), full("office", OFFICE_E164)]
    );

    // Removing a method that is not there: 404.
    let resp = app
        .delete(&phone_path(&target, "alternate_mobile"), &manager)
        .await;
    assert_problem(resp, 404, "not_found").await;

    // Now the mobile can go.
    let resp = app.delete(&phone_path(&target, "mobile"), &manager).await;
    assert_eq!(resp.status(), 204);
    let listed = list(&app, &manager, &target).await;
    assert_eq!(methods(&listed), vec![full("office", OFFICE_E164)]);

    let removed = events(&app, &admin, "Remove phone number").await;
    assert_eq!(removed.len(), 2, "{removed:?}");
    assert_eq!(
        only_change(&removed[0]),
        ("mobile".to_owned(), json!("+33 *** ** **44"), Value::Null)
    );
    assert_eq!(
        only_change(&removed[1]),
        (
            "alternate_mobile".to_owned(),
            json!("+33 *** ** **67"),
            Value::Null
        )
    );

    // No audit row ever holds a full number.
    let dump = app.audit_dump().await;
    assert_no_full_number(
        &dump,
        &[MOBILE_E164, OFFICE_E164, ALTERNATE_E164, NEW_MOBILE_E164],
    );
    assert!(dump.contains(MOBILE_MASKED), "{dump}");
    app.assert_audit_chain_valid().await;
}

#[tokio::test]
async fn setting_the_same_number_again_changes_nothing() {
    let World {
        app,
        admin,
        manager,
        target,
        ..
    } = world().await;
    let first = methods_ok(put_phone(&app, &manager, &target, "mobile", MOBILE).await).await;
    let rows_before = app.audit_rows().await.len();
    // The same number in another spelling.
    let again =
        methods_ok(put_phone(&app, &manager, &target, "mobile", "+33612345678").await).await;
    assert_eq!(again, first);
    assert_eq!(
        app.audit_rows().await.len(),
        rows_before,
        "a no-op is not audited"
    );
    assert!(events(&app, &admin, "Change phone number").await.is_empty());
}

#[tokio::test]
async fn alternate_needs_mobile_and_numbers_must_be_real() {
    let World {
        app,
        manager,
        target,
        ..
    } = world().await;

    let resp = put_phone(&app, &manager, &target, "alternate_mobile", ALTERNATE).await;
    assert_problem(resp, 409, "mobile_required").await;

    for bad in [
        "hello",
        "+1 555",
        "0612345678",
        "",
        "+33 6 12 34 56 78 90 12 34 56 78 90",
    ] {
        let resp = put_phone(&app, &manager, &target, "mobile", bad).await;
        let body = assert_problem(resp, 422, "validation_failed").await;
        assert_eq!(
            problem_errors(&body),
            vec![("phone_number".to_owned(), "invalid_phone_number".to_owned())],
            "{bad}: {body}"
        );
    }

    // Unknown method types are not there at all.
    let resp = put_phone(&app, &manager, &target, "fax", MOBILE).await;
    assert_problem(resp, 404, "not_found").await;
    let resp = app.delete(&phone_path(&target, "fax"), &manager).await;
    assert_problem(resp, 404, "not_found").await;

    // Nothing was stored.
    assert!(methods(&list(&app, &manager, &target).await).is_empty());
    assert_eq!(app.audit_count("Register phone number", "success").await, 0);
    assert_eq!(app.audit_count("Remove phone number", "success").await, 0);
}

#[tokio::test]
async fn national_format_is_accepted_with_a_default_region() {
    let app =
        TestApp::spawn_with(|cfg| cfg.policy.default_phone_region = Some("FR".to_owned())).await;
    let World {
        app,
        manager,
        target,
        ..
    } = world_with(app).await;
    let body =
        methods_ok(put_phone(&app, &manager, &target, "mobile", "06 12 34 56 78").await).await;
    assert_eq!(methods(&body), vec![full("mobile", MOBILE_E164)]);
    // International input still works, and is normalised the same way.
    let body = methods_ok(put_phone(&app, &manager, &target, "office", OFFICE).await).await;
    assert!(
        methods(&body).contains(&full("office", OFFICE_E164)),
        "{body:?}"
    );
}

#[tokio::test]
async fn a_mobile_used_by_someone_else_or_the_actors_own_number_is_refused() {
    let World {
        app,
        admin,
        unit_a,
        manager_id,
        manager,
        target,
    } = world().await;
    let other = app
        .create_user(&admin, "otto.other@contoso.example", "Otto Other")
        .await;
    app.add_member(&admin, &unit_a, &other).await;
    methods_ok(put_phone(&app, &manager, &other, "mobile", MOBILE).await).await;

    // Someone else's mobile.
    let resp = put_phone(&app, &manager, &target, "mobile", MOBILE).await;
    assert_problem(resp, 409, "phone_number_in_use").await;
    // Written differently, still the same number.
    let resp = put_phone(&app, &manager, &target, "mobile", "+33612345678").await;
    assert_problem(resp, 409, "phone_number_in_use").await;

    // The manager's own number, given to her by the GA (who may act on her role).
    methods_ok(put_phone(&app, &admin, &manager_id, "mobile", NEW_MOBILE).await).await;
    methods_ok(put_phone(&app, &admin, &manager_id, "office", OFFICE).await).await;
    let resp = put_phone(&app, &manager, &target, "office", OFFICE).await;
    assert_problem(resp, 409, "phone_number_is_yours").await;
    let resp = put_phone(&app, &manager, &target, "office", NEW_MOBILE).await;
    assert_problem(resp, 409, "phone_number_is_yours").await;
    // Her own mobile as the target's mobile is refused too (either reason is true).
    let resp = put_phone(&app, &manager, &target, "mobile", NEW_MOBILE).await;
    assert_eq!(resp.status(), 409);
    let body: Value = resp.json().await.unwrap();
    assert!(
        ["phone_number_is_yours", "phone_number_in_use"].contains(&body["code"].as_str().unwrap()),
        "{body}"
    );

    // None of it was stored.
    assert!(methods(&list(&app, &manager, &target).await).is_empty());
    // The target can still get a number nobody has.
    methods_ok(put_phone(&app, &manager, &target, "mobile", "+33 6 98 76 54 32").await).await;
}

#[tokio::test]
async fn if_match_guards_against_lost_updates() {
    let World {
        app,
        manager,
        target,
        ..
    } = world().await;
    let e0 = list(&app, &manager, &target).await.etag;

    // The current ETag: accepted.
    let body =
        methods_ok(put_phone_if_match(&app, &manager, &target, "mobile", MOBILE, &e0).await).await;
    let e1 = body.etag;
    assert_ne!(e0, e1);

    // A stale ETag: 412 and nothing changes.
    let resp = put_phone_if_match(&app, &manager, &target, "office", OFFICE, &e0).await;
    assert_problem(resp, 412, "precondition_failed").await;
    let resp = put_phone_if_match(&app, &manager, &target, "mobile", NEW_MOBILE, &e0).await;
    assert_problem(resp, 412, "precondition_failed").await;
    let resp =
        put_phone_if_match(&app, &manager, &target, "mobile", NEW_MOBILE, "\"garbage\"").await;
    assert_problem(resp, 412, "precondition_failed").await;
    let now = list(&app, &manager, &target).await;
    assert_eq!(now.etag, e1);
    assert_eq!(methods(&now), vec![full("mobile", MOBILE_E164)]);

    // `*` matches whatever is there.
    let body =
        methods_ok(put_phone_if_match(&app, &manager, &target, "office", OFFICE, "*").await).await;
    let e2 = body.etag;
    assert_ne!(e1, e2);

    // DELETE with a stale ETag: 412, still there; with the current one: 204.
    let resp = delete_phone_if_match(&app, &manager, &target, "office", &e1).await;
    assert_problem(resp, 412, "precondition_failed").await;
    assert!(methods(&list(&app, &manager, &target).await).contains(&full("office", OFFICE_E164)));
    let resp = delete_phone_if_match(&app, &manager, &target, "office", &e2).await;
    assert_eq!(resp.status(), 204);
    assert_eq!(
        methods(&list(&app, &manager, &target).await),
        vec![full("mobile", MOBILE_E164)]
    );
    assert_eq!(app.audit_count("Remove phone number", "success").await, 1);
}

#[tokio::test]
async fn other_roles_see_masked_numbers_and_cannot_change_them() {
    let World {
        app,
        admin,
        unit_a,
        manager,
        target,
        ..
    } = world().await;
    let unit_b = app.create_unit(&admin, "Store B", false).await;
    methods_ok(put_phone(&app, &manager, &target, "mobile", MOBILE).await).await;

    let (_, helpdesk) = app
        .staff_with_role(
            &admin,
            "hugo.helpdesk@contoso.example",
            "Hugo Helpdesk",
            "helpdesk_administrator",
            Some(&unit_a),
        )
        .await;
    let (_, password_admin) = app
        .staff_with_role(
            &admin,
            "pia.password@contoso.example",
            "Pia Password",
            "password_administrator",
            Some(&unit_a),
        )
        .await;
    let (_, outsider) = app
        .staff_with_role(
            &admin,
            "olga.outside@contoso.example",
            "Olga Outside",
            "authentication_administrator",
            Some(&unit_b),
        )
        .await;

    for (who, token, code) in [
        ("helpdesk", &helpdesk, "role_not_permitted"),
        ("password admin", &password_admin, "role_not_permitted"),
        (
            "out-of-scope authentication admin",
            &outsider,
            "target_out_of_scope",
        ),
    ] {
        // Reading: masked.
        let body = list(&app, token, &target).await;
        assert_eq!(
            methods(&body),
            vec![("mobile".to_owned(), MOBILE_MASKED.to_owned(), true)],
            "{who}"
        );
        // The helpdesk may still reset: it is only phones it cannot touch.
        let failures_before = app.audit_count("Register phone number", "failure").await;
        let resp = put_phone(&app, token, &target, "office", OFFICE).await;
        assert_problem(resp, 403, code).await;
        assert_eq!(
            app.audit_count("Register phone number", "failure").await,
            failures_before + 1,
            "{who}: a refusal is audited"
        );
        let removals_before = app.audit_count("Remove phone number", "failure").await;
        let resp = app.delete(&phone_path(&target, "mobile"), token).await;
        assert_problem(resp, 403, code).await;
        assert_eq!(
            app.audit_count("Remove phone number", "failure").await,
            removals_before + 1,
            "{who}"
        );
    }
    let resp = app
        .request(
            Method::POST,
            &format!("/api/v1/users/{target}/reset-password"),
            Some(&helpdesk),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "the helpdesk admin may reset");

    // The refusals name the reason and the target.
    let refused = events(&app, &admin, "Register phone number")
        .await
        .into_iter()
        .filter(|e| e["result"] == "failure")
        .collect::<Vec<_>>();
    assert_eq!(refused.len(), 3);
    assert_eq!(refused[0]["result_reason"], "target_out_of_scope");
    assert_eq!(refused[1]["result_reason"], "role_not_permitted");
    assert!(refused
        .iter()
        .all(|e| e["target_resources"][0]["id"] == target.as_str()));

    // The number is unchanged.
    assert_eq!(
        methods(&list(&app, &manager, &target).await),
        vec![full("mobile", MOBILE_E164)]
    );
    assert_no_full_number(&app.audit_dump().await, &[MOBILE_E164]);
}

#[tokio::test]
async fn scoped_managers_cannot_touch_admins_or_restricted_members() {
    let World {
        app,
        admin,
        unit_a,
        manager,
        ..
    } = world().await;
    // A member of A who holds an admin role.
    let (colleague, _) = app
        .staff_with_role(
            &admin,
            "carl.colleague@contoso.example",
            "Carl Colleague",
            "password_administrator",
            Some(&unit_a),
        )
        .await;
    app.add_member(&admin, &unit_a, &colleague).await;
    let resp = put_phone(&app, &manager, &colleague, "mobile", MOBILE).await;
    assert_problem(resp, 403, "target_is_admin").await;
    // Her own account: not through the admin path.
    let me = app.my_id(&manager).await;
    let resp = put_phone(&app, &manager, &me, "mobile", MOBILE).await;
    assert_problem(resp, 403, "self_action").await;

    // Even the GA cannot act on a member of a restricted location.
    let vault = app.create_unit(&admin, "Vault", true).await;
    let (_, vault_admin) = app
        .staff_with_role(
            &admin,
            "vera.vault@contoso.example",
            "Vera Vault",
            "user_administrator",
            Some(&vault),
        )
        .await;
    let guarded = app
        .create_user(&admin, "gus.guarded@contoso.example", "Gus Guarded")
        .await;
    app.add_member(&vault_admin, &vault, &guarded).await;
    let resp = put_phone(&app, &admin, &guarded, "mobile", MOBILE).await;
    assert_problem(resp, 403, "target_in_restricted_unit").await;
    let body = list(&app, &admin, &guarded).await;
    assert!(methods(&body).is_empty());
}

#[tokio::test]
async fn managers_need_my_staff_access() {
    let World {
        app,
        admin,
        manager_id,
        manager,
        target,
        ..
    } = world().await;
    app.set_my_staff_access(&admin, "none", &[]).await;
    let resp = put_phone(&app, &manager, &target, "mobile", MOBILE).await;
    assert_problem(resp, 403, "my_staff_not_enabled").await;
    let resp = app.delete(&phone_path(&target, "mobile"), &manager).await;
    assert_problem(resp, 403, "my_staff_not_enabled").await;
    let resp = app.get(&phones_path(&target), &manager).await;
    assert_problem(resp, 403, "my_staff_not_enabled").await;

    // Selected, but not her: still closed; with her: open.
    let other = app
        .create_user(&admin, "sam.selected@contoso.example", "Sam Selected")
        .await;
    app.set_my_staff_access(&admin, "selected", &[&other]).await;
    let resp = put_phone(&app, &manager, &target, "mobile", MOBILE).await;
    assert_problem(resp, 403, "my_staff_not_enabled").await;
    app.set_my_staff_access(&admin, "selected", &[&manager_id])
        .await;
    methods_ok(put_phone(&app, &manager, &target, "mobile", MOBILE).await).await;
}
