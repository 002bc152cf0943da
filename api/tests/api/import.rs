//! `POST /api/v1/users/import`: CSV bulk creation, row by row.

use crate::helpers::{
    assert_problem, item_ids, item_names, json_as, json_with, problem_errors, TestApp,
};
use crate::reset::sign_in;
use reqwest::{Method, Response};
use serde_json::{json, Value};
use shared::dto::TokenResponse;

const IMPORT: &str = "/api/v1/users/import";
const HEADER: &str =
    "user_principal_name,display_name,job_title,department,source,administrative_unit";

async fn import_as(app: &TestApp, token: &str, content_type: &str, body: String) -> Response {
    app.request(Method::POST, IMPORT, Some(token))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn import(app: &TestApp, token: &str, body: String) -> Response {
    import_as(app, token, "text/csv", body).await
}

async fn search_users(app: &TestApp, token: &str, q: &str) -> Vec<String> {
    let resp = app
        .request(Method::GET, "/api/v1/users", Some(token))
        .query(&[("search", q)])
        .send()
        .await
        .unwrap();
    item_names(&json_with(resp, 200).await)
}

/// (field, code) of a failed row's errors.
fn row_errors(row: &Value) -> Vec<(String, String)> {
    problem_errors(row)
}

#[tokio::test]
async fn import_creates_valid_rows_and_reports_the_others() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let store12 = app.create_unit(&admin, "Store 12", false).await;
    let store34 = app.create_unit(&admin, "Store 34", false).await;
    let vault = app.create_unit(&admin, "Vault", true).await;
    app.create_user(&admin, "taken@contoso.example", "Taken Person")
        .await;
    let audit_before = app.audit_rows().await;

    let csv = format!(
        "{HEADER}\n\
         ana.import@contoso.example,Ana Import,Cashier,Retail,cloud,Store 12\n\
         ben.import@contoso.example,Ben Import,,,on_premises,{store34}\n\
         not-an-upn,Bad Upn,,,cloud,\n\
         taken@contoso.example,Dup Person,,,cloud,\n\
         cara.import@contoso.example,Cara Import,,,cloud,Nowhere\n\
         dan.import@contoso.example,Dan Import,,,cloud,Vault\n"
    );
    let resp = import(&app, &admin, csv).await;
    assert_eq!(
        resp.headers()["cache-control"].to_str().unwrap(),
        "no-store",
        "temporary passwords must not be cached"
    );
    let body = json_with(resp, 200).await;
    assert_eq!(body["created"], 2, "{body}");
    assert_eq!(body["failed"], 4, "{body}");
    let rows = body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 6);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["row"], i + 1, "rows are numbered from 1");
    }

    // The two created rows.
    let mut created = Vec::new();
    for (row, upn) in [
        (&rows[0], "ana.import@contoso.example"),
        (&rows[1], "ben.import@contoso.example"),
    ] {
        assert_eq!(row["status"], "created", "{row}");
        assert_eq!(row["user_principal_name"], upn);
        assert!(row["errors"].as_array().unwrap().is_empty());
        let id = row["user_id"].as_str().unwrap().to_owned();
        let password = row["temporary_password"].as_str().unwrap().to_owned();
        assert!(password.chars().count() >= 16, "{password}");
        created.push((upn, id, password));
    }
    assert_ne!(created[0].2, created[1].2);

    // The failed rows, each with its reason, and nothing written.
    let expect = [
        (2, "not-an-upn", "user_principal_name", "invalid_format"),
        (
            3,
            "taken@contoso.example",
            "user_principal_name",
            "upn_taken",
        ),
        (
            4,
            "cara.import@contoso.example",
            "administrative_unit",
            "not_found",
        ),
        (
            5,
            "dan.import@contoso.example",
            "administrative_unit",
            "membership_not_permitted",
        ),
    ];
    for (i, upn, field, code) in expect {
        let row = &rows[i];
        assert_eq!(row["status"], "failed", "{row}");
        assert_eq!(row["user_principal_name"], upn);
        assert!(row["user_id"].is_null() && row["temporary_password"].is_null());
        assert_eq!(
            row_errors(row),
            vec![(field.to_owned(), code.to_owned())],
            "{row}"
        );
    }
    for name in ["bad upn", "dup person", "cara", "dan import"] {
        assert!(
            search_users(&app, &admin, name).await.is_empty(),
            "{name} was created"
        );
    }
    assert_eq!(
        search_users(&app, &admin, "taken").await,
        ["Taken Person"],
        "the existing user is untouched"
    );

    // Audit: one Create user + one Add member per created row, nothing for failures.
    let audit_after = app.audit_rows().await;
    let new_rows: Vec<(String, String)> = audit_after[audit_before.len()..].to_vec();
    let count = |a: &str| new_rows.iter().filter(|(x, _)| x == a).count();
    assert_eq!(count("Create user"), 2, "{new_rows:?}");
    assert_eq!(
        count("Add member to administrative unit"),
        2,
        "{new_rows:?}"
    );
    assert!(new_rows.iter().all(|(_, r)| r == "success"), "{new_rows:?}");
    let dump = app.audit_dump().await;
    for (_, _, password) in &created {
        assert!(
            !dump.contains(password.as_str()),
            "a temporary password reached the audit"
        );
    }
    for name in ["Bad Upn", "Dup Person", "Cara Import", "Dan Import"] {
        assert!(!dump.contains(name), "{name} in audit rows");
    }
    app.assert_audit_chain_valid().await;

    // Created users: their attributes and location.
    let ana = app
        .get_ok(&format!("/api/v1/users/{}", created[0].1), &admin)
        .await;
    assert_eq!(ana["display_name"], "Ana Import");
    assert_eq!(ana["job_title"], "Cashier");
    assert_eq!(ana["department"], "Retail");
    assert_eq!(ana["source"], "cloud");
    assert_eq!(ana["account_enabled"], true);
    let ben = app
        .get_ok(&format!("/api/v1/users/{}", created[1].1), &admin)
        .await;
    assert_eq!(ben["source"], "on_premises");
    assert!(ben["job_title"].is_null() && ben["department"].is_null());
    let members = |unit: &str| format!("/api/v1/administrative-units/{unit}/members");
    assert_eq!(
        item_ids(&app.get_ok(&members(&store12), &admin).await),
        vec![created[0].1.clone()]
    );
    assert_eq!(
        item_ids(&app.get_ok(&members(&store34), &admin).await),
        vec![created[1].1.clone()]
    );
    assert!(item_ids(&app.get_ok(&members(&vault), &admin).await).is_empty());

    // They sign in once with the temporary password, which must then change.
    for (upn, _, password) in &created {
        let resp = sign_in(&app, upn, password).await;
        let body: TokenResponse = json_as(resp, 200).await;
        assert!(body.password_change_required, "{upn}");
        let resp = app.get("/api/v1/me", &body.access_token).await;
        assert_problem(resp, 403, "password_change_required").await;
    }
}

#[tokio::test]
async fn import_refuses_bad_files() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let good = format!("{HEADER}\nzoe.z@contoso.example,Zoe Z,,,cloud,\n");

    // Wrong media type.
    let resp = import_as(&app, &admin, "application/json", good.clone()).await;
    assert_problem(resp, 415, "unsupported_media_type").await;
    let resp = app
        .request(Method::POST, IMPORT, Some(&admin))
        .body(good.clone())
        .send()
        .await
        .unwrap();
    assert_problem(resp, 415, "unsupported_media_type").await;

    // Header problems.
    for csv in [
        "user_principal_name,job_title\nzoe.z@contoso.example,Clerk\n".to_owned(),
        "display_name\nZoe Z\n".to_owned(),
        "user_principal_name,display_name,nickname\nzoe.z@contoso.example,Zoe Z,Zo\n".to_owned(),
    ] {
        let resp = import(&app, &admin, csv.clone()).await;
        let body = assert_problem(resp, 422, "validation_failed").await;
        assert_eq!(
            problem_errors(&body),
            vec![("csv".to_owned(), "invalid_header".to_owned())],
            "{csv}"
        );
    }
    assert!(search_users(&app, &admin, "zoe").await.is_empty());

    // A row with too many columns fails alone.
    let csv = format!(
        "{HEADER}\n\
         yan.y@contoso.example,Yan Y,,,cloud,,surplus\n\
         zoe.z@contoso.example,Zoe Z,,,cloud,\n"
    );
    let body = json_with(import(&app, &admin, csv).await, 200).await;
    assert_eq!(
        (body["created"].clone(), body["failed"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(body["rows"][0]["status"], "failed");
    assert_eq!(
        row_errors(&body["rows"][0]),
        vec![("csv".to_owned(), "invalid_row".to_owned())]
    );
    assert_eq!(body["rows"][1]["status"], "created");
    assert_eq!(search_users(&app, &admin, "zoe").await, ["Zoe Z"]);
    assert!(search_users(&app, &admin, "yan").await.is_empty());

    // Too many rows: nothing is created.
    let mut csv = String::from("user_principal_name,display_name\n");
    for i in 0..1001 {
        csv.push_str(&format!("bulk{i}@contoso.example,Bulk {i}\n"));
    }
    let body = assert_problem(import(&app, &admin, csv).await, 422, "validation_failed").await;
    assert_eq!(
        problem_errors(&body),
        vec![("csv".to_owned(), "too_many_rows".to_owned())]
    );
    assert!(search_users(&app, &admin, "bulk").await.is_empty());

    // Larger than 2 MiB.
    let mut csv = String::from("user_principal_name,display_name,department\n");
    let filler = "x".repeat(100);
    while csv.len() <= 2 * 1024 * 1024 {
        csv.push_str(&format!("big@contoso.example,Big,{filler}\n"));
    }
    let resp = import(&app, &admin, csv).await;
    assert_problem(resp, 413, "payload_too_large").await;

    // Not UTF-8.
    let resp = app
        .request(Method::POST, IMPORT, Some(&admin))
        .header("Content-Type", "text/csv")
        .body(b"user_principal_name,display_name\nw@contoso.example,W\xe9\n".to_vec())
        .send()
        .await
        .unwrap();
    assert_problem(resp, 422, "validation_failed").await;
}

#[tokio::test]
async fn import_accepts_friendly_headers_and_quoted_cells() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let unit = app.create_unit(&admin, "Store 1, Lyon", false).await;
    // Header words in another case and spacing, CRLF line ends, a quoted cell with
    // a comma, a column order of its own and a mail column.
    let csv = "Display Name,User Principal Name,Mail,Administrative-Unit\r\n\
               \"Lopez, Ana\",ana.q@contoso.example,ana.q@contoso.example,\"Store 1, Lyon\"\r\n";
    let body = json_with(import(&app, &admin, csv.to_owned()).await, 200).await;
    assert_eq!(body["created"], 1, "{body}");
    let id = body["rows"][0]["user_id"].as_str().unwrap().to_owned();
    let user = app.get_ok(&format!("/api/v1/users/{id}"), &admin).await;
    assert_eq!(user["display_name"], "Lopez, Ana");
    assert_eq!(user["mail"], "ana.q@contoso.example");
    assert_eq!(user["administrative_units"][0]["id"], unit.as_str());

    // Two locations with one name: ambiguous, use the id.
    app.create_unit(&admin, "Twin", false).await;
    app.create_unit(&admin, "Twin", false).await;
    let csv = "user_principal_name,display_name,administrative_unit,source\n\
               tw.one@contoso.example,Tw One,Twin,cloud\n\
               tw.two@contoso.example,Tw Two,,cloudy\n";
    let body = json_with(import(&app, &admin, csv.to_owned()).await, 200).await;
    assert_eq!(body["created"], 0, "{body}");
    assert_eq!(
        row_errors(&body["rows"][0]),
        vec![("administrative_unit".to_owned(), "ambiguous".to_owned())]
    );
    assert_eq!(
        row_errors(&body["rows"][1]),
        vec![("source".to_owned(), "invalid_value".to_owned())]
    );

    // A UPN repeated inside one file: the second fails.
    let csv = "user_principal_name,display_name\n\
               rep@contoso.example,Rep One\n\
               REP@contoso.example,Rep Two\n";
    let body = json_with(import(&app, &admin, csv.to_owned()).await, 200).await;
    assert_eq!(body["created"], 1, "{body}");
    assert_eq!(
        row_errors(&body["rows"][1]),
        vec![("user_principal_name".to_owned(), "upn_taken".to_owned())]
    );
}

#[tokio::test]
async fn import_accepts_a_utf8_bom_as_spreadsheets_write_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let csv = "\u{feff}user_principal_name,display_name\nbom.user@contoso.example,Bom User\n";
    let body = json_with(import(&app, &admin, csv.to_owned()).await, 200).await;
    assert_eq!(body["created"], 1, "{body}");
}

#[tokio::test]
async fn only_directory_admins_import() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let unit = app.create_unit(&admin, "Store 8", false).await;
    let csv = format!("{HEADER}\nnope@contoso.example,Nope,,,cloud,\n");
    for (upn, role, scope) in [
        ("helga@contoso.example", "helpdesk_administrator", None),
        (
            "ulla@contoso.example",
            "user_administrator",
            Some(unit.as_str()),
        ),
        ("arne@contoso.example", "authentication_administrator", None),
    ] {
        let (_, token) = app.staff_with_role(&admin, upn, upn, role, scope).await;
        let before = app.audit_count("Bulk import users", "failure").await;
        let resp = import(&app, &token, csv.clone()).await;
        assert_problem(resp, 403, "directory_admin_required").await;
        assert_eq!(
            app.audit_count("Bulk import users", "failure").await,
            before + 1,
            "{role}: the refusal is audited"
        );
    }
    assert!(search_users(&app, &admin, "nope").await.is_empty());

    // A tenant-wide user administrator may.
    let (_, ua) = app
        .staff_with_role(
            &admin,
            "uwe@contoso.example",
            "Uwe",
            "user_administrator",
            None,
        )
        .await;
    let body = json_with(import(&app, &ua, csv).await, 200).await;
    assert_eq!(body["created"], 1);
    let resp = app
        .request(Method::POST, IMPORT, None)
        .header("Content-Type", "text/csv")
        .body("user_principal_name,display_name\n")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}
