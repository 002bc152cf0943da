//! The audit viewer (SPEC section 5): event fields, filters, paging, what a scoped
//! manager may see, and the CSV export.

use crate::helpers::{assert_problem, json_as, json_with, problem_errors, TestApp, ADMIN_UPN};
use chrono::{DateTime, Utc};
use reqwest::{Method, Response};
use serde_json::{json, Value};
use shared::dto::ResetPasswordResponse;
use std::collections::HashSet;

const AUDIT: &str = "/api/v1/audit-logs";

async fn audit_get(app: &TestApp, token: &str, query: &[(&str, &str)]) -> Response {
    app.request(Method::GET, AUDIT, Some(token))
        .query(query)
        .send()
        .await
        .unwrap()
}

/// One JSON page of events.
async fn page(app: &TestApp, token: &str, query: &[(&str, &str)]) -> Value {
    json_with(audit_get(app, token, query).await, 200).await
}

/// Every event matching `query` (up to 200), newest first.
async fn all(app: &TestApp, token: &str, query: &[(&str, &str)]) -> Vec<Value> {
    let mut q = query.to_vec();
    q.push(("limit", "200"));
    let body = page(app, token, &q).await;
    assert!(body["next_cursor"].is_null(), "more than 200 events");
    body["items"].as_array().unwrap().clone()
}

fn ids(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect()
}

fn time_of(event: &Value) -> DateTime<Utc> {
    event["activity_date_time"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn targets(event: &Value) -> Vec<String> {
    event["target_resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

fn request_id(resp: &Response) -> String {
    resp.headers()
        .get("x-request-id")
        .expect("X-Request-Id header")
        .to_str()
        .unwrap()
        .to_owned()
}

async fn reset(app: &TestApp, token: &str, user: &str) -> Response {
    app.request(
        Method::POST,
        &format!("/api/v1/users/{user}/reset-password"),
        Some(token),
    )
    .send()
    .await
    .unwrap()
}

#[tokio::test]
async fn events_carry_every_field_newest_first() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let admin_id = app.my_id(&admin).await;
    let unit = app.create_unit(&admin, "Store 7", false).await;
    let user = app
        .create_user(&admin, "una.user@contoso.example", "Una User")
        .await;
    app.add_member(&admin, &unit, &user).await;
    let started = Utc::now();

    // A reset through the My Staff surface, with a custom User-Agent.
    let resp = app
        .request(
            Method::POST,
            &format!("/api/v1/users/{user}/reset-password"),
            Some(&admin),
        )
        .header("User-Agent", "OpenStaff-Test/1.0 (audit)")
        .header("X-OpenStaff-Surface", "my-staff")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let reset_request = request_id(&resp);
    let temporary = json_as::<ResetPasswordResponse>(resp, 200)
        .await
        .temporary_password
        .unwrap();

    // An edit through the plain API, with a caller-chosen request id.
    let resp = app
        .request(
            Method::PATCH,
            &format!("/api/v1/users/{user}"),
            Some(&admin),
        )
        .header("X-Request-Id", "edit-request-42")
        .json(&json!({"job_title": "Cashier"}))
        .send()
        .await
        .unwrap();
    assert_eq!(request_id(&resp), "edit-request-42");
    json_with(resp, 200).await;

    let events = all(&app, &admin, &[]).await;
    assert!(events.len() >= 5, "{events:?}");
    // Newest first.
    for pair in events.windows(2) {
        assert!(time_of(&pair[0]) >= time_of(&pair[1]), "{pair:?}");
    }
    let edit = &events[0];
    let reset = &events[1];

    assert_eq!(reset["activity"], "Reset password (by admin)");
    assert_eq!(reset["category"], "UserManagement");
    assert_eq!(reset["result"], "success");
    assert!(reset["result_reason"].is_null());
    assert_eq!(reset["correlation_id"], reset_request.as_str());
    assert!(!reset["id"].as_str().unwrap().is_empty());
    let at = time_of(reset);
    assert!(
        at >= started - chrono::Duration::seconds(5) && at <= Utc::now(),
        "{at}"
    );
    assert!(reset["activity_date_time"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        reset["initiated_by"],
        json!({
            "user_id": admin_id,
            "user_principal_name": ADMIN_UPN,
            "ip": "127.0.0.1",
            "user_agent": "OpenStaff-Test/1.0 (audit)",
        })
    );
    assert_eq!(
        reset["target_resources"],
        json!([{
            "type": "user",
            "id": user,
            "display_name": "Una User",
            "modified_properties": [{
                "name": "force_change_password_next_sign_in",
                "old_value": null,
                "new_value": "true",
            }],
        }])
    );
    assert_eq!(reset["additional_details"]["surface"], "my_staff");

    assert_eq!(edit["activity"], "Update user");
    assert_eq!(edit["correlation_id"], "edit-request-42");
    assert_eq!(edit["additional_details"]["surface"], "api");
    assert_eq!(
        edit["target_resources"][0]["modified_properties"],
        json!([{"name": "job_title", "old_value": null, "new_value": "Cashier"}])
    );

    // Ids are unique, and the secret never reached the trail.
    let unique: HashSet<String> = ids(&events).into_iter().collect();
    assert_eq!(unique.len(), events.len());
    assert!(!serde_json::to_string(&events).unwrap().contains(&temporary));
    assert!(!app.audit_dump().await.contains(&temporary));

    // A refusal is an event too, with the reason.
    let (helper_id, helpdesk) = app
        .staff_with_role(
            &admin,
            "hal.helpdesk@contoso.example",
            "Hal Helpdesk",
            "helpdesk_administrator",
            Some(&unit),
        )
        .await;
    let resp = app
        .put(
            &format!("/api/v1/users/{user}/phone-methods/mobile"),
            &helpdesk,
            json!({"phone_number": "+33 6 12 34 56 78"}),
        )
        .await;
    assert_problem(resp, 403, "role_not_permitted").await;
    let failed = &all(&app, &admin, &[("result", "failure")]).await[0];
    assert_eq!(failed["activity"], "Register phone number");
    assert_eq!(failed["result_reason"], "role_not_permitted");
    assert_eq!(failed["initiated_by"]["user_id"], helper_id.as_str());
    assert_eq!(targets(failed), vec![user.clone()]);
}

/// A small history: (admin token, ids of user one and two, helpdesk id and token).
async fn history(app: &TestApp) -> (String, String, String, String, String) {
    let admin = app.admin_token().await;
    let unit = app.create_unit(&admin, "Store 9", false).await;
    let one = app
        .create_user(&admin, "one.person@contoso.example", "One Person")
        .await;
    let two = app
        .create_user(&admin, "two.person@contoso.example", "Two Person")
        .await;
    app.add_member(&admin, &unit, &one).await;
    app.add_member(&admin, &unit, &two).await;
    let (helpdesk_id, helpdesk) = app
        .staff_with_role(
            &admin,
            "hedda.help@contoso.example",
            "Hedda Help",
            "helpdesk_administrator",
            Some(&unit),
        )
        .await;
    assert_eq!(reset(app, &helpdesk, &one).await.status(), 200);
    assert_eq!(reset(app, &admin, &two).await.status(), 200);
    // A refusal by the helpdesk admin.
    let resp = app
        .delete(
            &format!("/api/v1/users/{two}/phone-methods/mobile"),
            &helpdesk,
        )
        .await;
    assert_eq!(resp.status(), 403);
    (admin, one, two, helpdesk_id, helpdesk)
}

#[tokio::test]
async fn filters_narrow_the_list() {
    let app = TestApp::spawn().await;
    let (admin, one, two, helpdesk_id, _) = history(&app).await;
    let everything = all(&app, &admin, &[]).await;

    // activity
    let created = all(&app, &admin, &[("activity", "Create user")]).await;
    // one, two, the helpdesk admin, and the first admin created by the CLI.
    assert_eq!(created.len(), 4, "{created:?}");
    assert!(created.iter().all(|e| e["activity"] == "Create user"));
    let bootstrap = created.last().unwrap();
    assert!(
        bootstrap["initiated_by"]["user_id"].is_null(),
        "{bootstrap}"
    );
    assert_eq!(bootstrap["additional_details"]["surface"], "cli");
    let resets = all(&app, &admin, &[("activity", "Reset password (by admin)")]).await;
    assert_eq!(resets.len(), 2);
    // An activity that is not one is refused by name, not answered with nothing.
    let resp = app
        .get("/api/v1/audit-logs?activity=No%20such%20activity", &admin)
        .await;
    let problem = assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "activity");

    // actor
    let by_helpdesk = all(&app, &admin, &[("actor", &helpdesk_id)]).await;
    assert!(!by_helpdesk.is_empty());
    assert!(by_helpdesk
        .iter()
        .all(|e| e["initiated_by"]["user_id"] == helpdesk_id.as_str()));
    let expected: Vec<&Value> = everything
        .iter()
        .filter(|e| e["initiated_by"]["user_id"] == helpdesk_id.as_str())
        .collect();
    assert_eq!(by_helpdesk.len(), expected.len());
    assert!(by_helpdesk
        .iter()
        .any(|e| e["activity"] == "Reset password (by admin)"));

    // Ids are compared as ids, not as text.
    let upper = helpdesk_id.to_uppercase();
    assert_eq!(
        ids(&all(&app, &admin, &[("actor", &upper)]).await),
        ids(&by_helpdesk)
    );

    // target
    let about_one = all(&app, &admin, &[("target", &one)]).await;
    assert!(about_one.iter().all(|e| targets(e).contains(&one)));
    let activities: HashSet<&str> = about_one
        .iter()
        .map(|e| e["activity"].as_str().unwrap())
        .collect();
    for a in [
        "Create user",
        "Add member to administrative unit",
        "Reset password (by admin)",
    ] {
        assert!(activities.contains(a), "{a} missing: {activities:?}");
    }
    assert!(about_one.iter().all(|e| !targets(e).contains(&two)));
    let expected = everything
        .iter()
        .filter(|e| targets(e).contains(&one))
        .count();
    assert_eq!(about_one.len(), expected);

    // result
    let failures = all(&app, &admin, &[("result", "failure")]).await;
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0]["activity"], "Remove phone number");
    let successes = all(&app, &admin, &[("result", "success")]).await;
    assert_eq!(successes.len() + failures.len(), everything.len());
    assert!(successes.iter().all(|e| e["result"] == "success"));

    // Combined filters are ANDed.
    let combined = all(
        &app,
        &admin,
        &[
            ("target", &two),
            ("result", "failure"),
            ("actor", &helpdesk_id),
        ],
    )
    .await;
    assert_eq!(ids(&combined), ids(&failures));
    assert!(
        all(&app, &admin, &[("target", &one), ("result", "failure")])
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn time_range_filters_by_activity_date_time() {
    let app = TestApp::spawn().await;
    let (admin, ..) = history(&app).await;
    let everything = all(&app, &admin, &[]).await;
    assert!(everything.len() >= 6);
    let pivot = &everything[everything.len() / 2];
    let pivot_time = pivot["activity_date_time"].as_str().unwrap().to_owned();
    let t = time_of(pivot);

    let after = all(&app, &admin, &[("from", &pivot_time)]).await;
    let expected: Vec<String> = ids(&everything
        .iter()
        .filter(|e| time_of(e) >= t)
        .cloned()
        .collect::<Vec<_>>());
    assert_eq!(ids(&after), expected);
    assert!(after.len() < everything.len(), "older events are excluded");
    assert!(ids(&after).contains(&pivot["id"].as_str().unwrap().to_owned()));

    let before = all(&app, &admin, &[("to", &pivot_time)]).await;
    assert!(before.iter().all(|e| time_of(e) <= t));
    assert!(before.len() < everything.len(), "newer events are excluded");
    let window = all(&app, &admin, &[("from", &pivot_time), ("to", &pivot_time)]).await;
    assert_eq!(ids(&window), vec![pivot["id"].as_str().unwrap().to_owned()]);

    // Another offset names the same instant.
    let in_paris = t
        .with_timezone(&chrono::FixedOffset::east_opt(3600).unwrap())
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, false);
    assert_eq!(
        ids(&all(&app, &admin, &[("from", &in_paris)]).await),
        ids(&after)
    );

    // A range in the future is empty.
    let later = (Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    assert!(all(&app, &admin, &[("from", &later)]).await.is_empty());
}

#[tokio::test]
async fn invalid_filters_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    for (query, field) in [
        (("from", "yesterday"), "from"),
        (("to", "2026-13-40T00:00:00Z"), "to"),
        (("from", "2026-11-27"), "from"),
        (("result", "maybe"), "result"),
        (("actor", "not-a-uuid"), "actor"),
        (("target", "42"), "target"),
    ] {
        let resp = audit_get(&app, &admin, &[query]).await;
        let body = assert_problem(resp, 422, "validation_failed").await;
        let errors = problem_errors(&body);
        assert_eq!(errors.len(), 1, "{body}");
        assert_eq!(errors[0].0, field, "{body}");
    }
    for limit in ["0", "201"] {
        let resp = audit_get(&app, &admin, &[("limit", limit)]).await;
        assert_eq!(resp.status(), 422, "limit={limit}");
    }
    for cursor in ["not a cursor", "bm90LWEtY3Vyc29y"] {
        let resp = audit_get(&app, &admin, &[("cursor", cursor)]).await;
        assert_problem(resp, 400, "invalid_cursor").await;
    }
    // The CSV export validates the same way.
    let resp = app
        .request(Method::GET, AUDIT, Some(&admin))
        .header("Accept", "text/csv")
        .query(&[("result", "maybe")])
        .send()
        .await
        .unwrap();
    assert_problem(resp, 422, "validation_failed").await;
    // Without a token: 401.
    let resp = app.request(Method::GET, AUDIT, None).send().await.unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn paging_visits_every_event_once() {
    let app = TestApp::spawn().await;
    let (admin, ..) = history(&app).await;
    let everything = all(&app, &admin, &[]).await;
    assert!(everything.len() > 4);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut q = vec![("limit", "2".to_owned())];
        if let Some(c) = &cursor {
            q.push(("cursor", c.clone()));
        }
        let q: Vec<(&str, &str)> = q.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let body = page(&app, &admin, &q).await;
        let items = body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(ids(items));
        pages += 1;
        assert!(pages <= everything.len(), "paging does not end");
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, ids(&everything), "same events, same order, once each");

    // Paging works under a filter too.
    let filtered = all(&app, &admin, &[("result", "success")]).await;
    let first = page(&app, &admin, &[("result", "success"), ("limit", "3")]).await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let rest = page(
        &app,
        &admin,
        &[("result", "success"), ("limit", "200"), ("cursor", &cursor)],
    )
    .await;
    let mut joined = ids(first["items"].as_array().unwrap());
    joined.extend(ids(rest["items"].as_array().unwrap()));
    assert_eq!(joined, ids(&filtered));
}

#[tokio::test]
async fn scoped_managers_see_only_their_locations_events() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let unit_a = app.create_unit(&admin, "Store A", false).await;
    let unit_b = app.create_unit(&admin, "Store B", false).await;
    let a1 = app
        .create_user(&admin, "anne.a@contoso.example", "Anne A")
        .await;
    let b1 = app
        .create_user(&admin, "bob.b@contoso.example", "Bob B")
        .await;
    app.add_member(&admin, &unit_a, &a1).await;
    app.add_member(&admin, &unit_b, &b1).await;
    let (_, scoped) = app
        .staff_with_role(
            &admin,
            "sue.scoped@contoso.example",
            "Sue Scoped",
            "helpdesk_administrator",
            Some(&unit_a),
        )
        .await;
    let (_, wide) = app
        .staff_with_role(
            &admin,
            "walt.wide@contoso.example",
            "Walt Wide",
            "helpdesk_administrator",
            None,
        )
        .await;
    app.create_user(&admin, "nora.nobody@contoso.example", "Nora Nobody")
        .await;
    let nobody_token = app
        .token("nora.nobody@contoso.example", crate::helpers::USER_PASSWORD)
        .await;
    assert_eq!(reset(&app, &admin, &a1).await.status(), 200);
    assert_eq!(reset(&app, &admin, &b1).await.status(), 200);
    // B's member leaves and comes back; A's member leaves.
    let resp = app
        .delete(
            &format!("/api/v1/administrative-units/{unit_b}/members/{b1}"),
            &admin,
        )
        .await;
    assert_eq!(resp.status(), 204);
    app.add_member(&admin, &unit_b, &b1).await;
    let resp = app
        .delete(
            &format!("/api/v1/administrative-units/{unit_a}/members/{a1}"),
            &admin,
        )
        .await;
    assert_eq!(resp.status(), 204);

    let everything = all(&app, &admin, &[]).await;
    let seen = all(&app, &scoped, &[]).await;
    let activities: Vec<(String, Vec<String>)> = seen
        .iter()
        .map(|e| (e["activity"].as_str().unwrap().to_owned(), targets(e)))
        .collect();
    let has = |activity: &str, id: &str| {
        activities
            .iter()
            .any(|(a, t)| a == activity && t.contains(&id.to_owned()))
    };
    assert!(has("Reset password (by admin)", &a1), "{activities:?}");
    assert!(
        has("Add member to administrative unit", &a1),
        "{activities:?}"
    );
    assert!(has("Remove member from administrative unit", &a1));
    // Nothing about B or its member.
    for e in &seen {
        let t = targets(e);
        assert!(
            !t.contains(&b1) && !t.contains(&unit_b),
            "a manager of A sees an event about B: {e}"
        );
    }
    assert!(seen.len() < everything.len());
    assert!(all(&app, &scoped, &[("target", &b1)]).await.is_empty());
    // What she sees is exactly the admin's view of events touching A.
    let expected: Vec<String> = everything
        .iter()
        .filter(|e| {
            targets(e).contains(&a1) && e["activity"] != "Create user"
                || targets(e).contains(&unit_a)
        })
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    for id in &expected {
        assert!(ids(&seen).contains(id), "missing {id}");
    }
    // CSV: the same scope.
    let resp = app
        .request(Method::GET, AUDIT, Some(&scoped))
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    assert!(!text.contains(&b1) && !text.contains("Bob B"), "{text}");
    assert_eq!(csv_records(&text).len(), seen.len());

    // A directory-scoped helpdesk sees everything.
    assert_eq!(ids(&all(&app, &wide, &[]).await), ids(&everything));
    // Someone without a role sees nothing.
    let resp = audit_get(&app, &nobody_token, &[]).await;
    assert_problem(resp, 403, "no_admin_role").await;
}

/// The data records of a CSV export (the header checked and dropped).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(&headers[..3], ["id", "activity_date_time", "activity"]);
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

async fn export(app: &TestApp, token: &str, query: &[(&str, &str)]) -> String {
    let resp = app
        .request(Method::GET, AUDIT, Some(token))
        .header("Accept", "text/csv")
        .query(query)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("text/csv"), "{ct}");
    let cd = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cd.starts_with("attachment"), "{cd}");
    assert!(cd.contains(".csv"), "{cd}");
    resp.text().await.unwrap()
}

#[tokio::test]
async fn csv_export_matches_the_json_and_defuses_formulas() {
    let app = TestApp::spawn().await;
    let (admin, one, ..) = history(&app).await;
    let formula = app
        .create_user(&admin, "formula@contoso.example", "=HYPERLINK(1)")
        .await;
    // An actor whose sign-in name starts with '-' and a request id starting with '-'.
    let (_, dash) = app
        .staff_with_role(
            &admin,
            "-dash@contoso.example",
            "Dash Admin",
            "helpdesk_administrator",
            None,
        )
        .await;
    let resp = app
        .request(
            Method::POST,
            &format!("/api/v1/users/{formula}/reset-password"),
            Some(&dash),
        )
        .header("X-Request-Id", "-1-2")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    let text = export(&app, &admin, &[]).await;
    assert!(text.starts_with("id,activity_date_time,activity"), "{text}");
    let records = csv_records(&text);
    let events = all(&app, &admin, &[]).await;
    assert_eq!(records.len(), events.len());
    // Same events, same order.
    let csv_ids: Vec<String> = records.iter().map(|r| r[0].clone()).collect();
    assert_eq!(csv_ids, ids(&events));
    let csv_activities: Vec<&str> = records.iter().map(|r| r[2].as_str()).collect();
    let json_activities: Vec<&str> = events
        .iter()
        .map(|e| e["activity"].as_str().unwrap())
        .collect();
    assert_eq!(csv_activities, json_activities);

    // Filters apply to the export too.
    let resets = export(&app, &admin, &[("activity", "Reset password (by admin)")]).await;
    let json_resets = all(&app, &admin, &[("activity", "Reset password (by admin)")]).await;
    assert_eq!(csv_records(&resets).len(), json_resets.len());
    assert_eq!(json_resets.len(), 3);
    let about_one = export(&app, &admin, &[("target", &one)]).await;
    assert_eq!(
        csv_records(&about_one).len(),
        all(&app, &admin, &[("target", &one)]).await.len()
    );
    // Paging parameters do not truncate the export.
    let limited = export(&app, &admin, &[("limit", "1")]).await;
    assert_eq!(csv_records(&limited).len(), events.len());

    // The name is there, but no cell starts like a formula.
    assert!(text.contains("=HYPERLINK(1)"));
    for record in &records {
        for cell in record {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "a cell a spreadsheet would run: {cell:?}"
            );
        }
    }
    let dashed = records
        .iter()
        .find(|r| r.contains(&"'-dash@contoso.example".to_owned()))
        .expect("the actor's sign-in name, quoted");
    assert!(dashed.contains(&"'-1-2".to_owned()), "{dashed:?}");
    // The JSON keeps the raw values.
    let raw = all(&app, &admin, &[("target", &formula)]).await;
    assert_eq!(raw[0]["correlation_id"], "-1-2");
    assert_eq!(
        raw[0]["initiated_by"]["user_principal_name"],
        "-dash@contoso.example"
    );
    assert_eq!(
        raw[0]["target_resources"][0]["display_name"],
        "=HYPERLINK(1)"
    );
}

#[tokio::test]
async fn a_units_own_admins_see_refused_attempts_on_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
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
    let someone = app
        .create_user(&admin, "sol.someone@contoso.example", "Sol Someone")
        .await;
    // The GA is refused three times on the restricted location.
    let resp = app
        .post(
            &format!("/api/v1/administrative-units/{vault}/members"),
            &admin,
            json!({"user_id": someone}),
        )
        .await;
    assert_problem(resp, 403, "membership_not_permitted").await;
    let resp = app
        .request(
            Method::PATCH,
            &format!("/api/v1/administrative-units/{vault}"),
            Some(&admin),
        )
        .json(&json!({"display_name": "Open Vault"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let resp = app
        .delete(&format!("/api/v1/administrative-units/{vault}"), &admin)
        .await;
    assert_eq!(resp.status(), 403);

    // The GA's trail has them, about the location.
    let refused = all(&app, &admin, &[("target", &vault), ("result", "failure")]).await;
    assert_eq!(refused.len(), 3, "{refused:?}");
    // Successful events about the location are visible to its admin...
    let seen = all(&app, &vault_admin, &[("target", &vault)]).await;
    assert!(seen
        .iter()
        .any(|e| e["activity"] == "Create administrative unit"));
    // ...and so must the refused attempts on it be.
    let seen = all(
        &app,
        &vault_admin,
        &[("target", &vault), ("result", "failure")],
    )
    .await;
    assert_eq!(ids(&seen), ids(&refused));
}
