//! The `openstaff` command line, run as a real process against a real database.

use crate::helpers::TestApp;
use std::process::{Output, Stdio};
use tokio::io::AsyncWriteExt;

/// Runs `openstaff ARGS` against `db` with `stdin`; returns what it printed. Awaited,
/// not blocked on: the test's in-process server shares this runtime, and a server task
/// starved mid-transaction would hold the SQLite write lock the command waits for.
pub(crate) async fn openstaff(db: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_openstaff"))
        .args(args)
        .env("DATABASE_URL", db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    child.wait_with_output().await.unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test]
async fn create_admin_reads_stdin_or_generates_a_password_shown_once() {
    let app = TestApp::spawn().await;
    let typed = openstaff(
        &app.database_url,
        &["create-admin", "--upn", "root@contoso.example"],
        "Sturdy-Walnut-Harbor-77\n",
    )
    .await;
    assert!(typed.status.success(), "{}", text(&typed));
    assert!(!text(&typed).contains("Sturdy-Walnut-Harbor-77"));
    app.token("root@contoso.example", "Sturdy-Walnut-Harbor-77")
        .await;

    let generated = openstaff(
        &app.database_url,
        &["create-admin", "--upn", "second@contoso.example"],
        "",
    )
    .await;
    assert!(generated.status.success(), "{}", text(&generated));
    let stdout = String::from_utf8_lossy(&generated.stdout);
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Password (shown once): "))
        .expect("generated password printed")
        .trim()
        .to_owned();
    assert!(password.chars().count() >= 16);
    let token = app.token("second@contoso.example", &password).await;
    let me: serde_json::Value = app.get("/api/v1/me", &token).await.json().await.unwrap();
    assert_eq!(
        me["role_assignments"][0]["role"], "global_administrator",
        "{me}"
    );

    let again = openstaff(
        &app.database_url,
        &["create-admin", "--upn", "SECOND@contoso.example"],
        "",
    )
    .await;
    assert!(!again.status.success());
    assert!(text(&again).contains("already"), "{}", text(&again));

    let weak = openstaff(
        &app.database_url,
        &["create-admin", "--upn", "weak@contoso.example"],
        "password\n",
    )
    .await;
    assert!(!weak.status.success());
    assert!(text(&weak).contains("policy"), "{}", text(&weak));
}

#[tokio::test]
async fn seed_demo_loads_once_and_the_audit_chain_verifies() {
    let app = TestApp::spawn().await;
    // The test app already has an administrator, so a plain seed refuses...
    let refused = openstaff(&app.database_url, &["seed", "demo"], "").await;
    assert!(!refused.status.success());
    // ...and --if-empty leaves the directory alone.
    let skipped = openstaff(&app.database_url, &["seed", "demo", "--if-empty"], "").await;
    assert!(skipped.status.success(), "{}", text(&skipped));

    let dir = std::env::temp_dir().join(format!("openstaff-seed-{}", uuid::Uuid::now_v7()));
    let db = format!("sqlite://{}/demo.db", dir.display());
    let seeded = openstaff(&db, &["seed", "demo"], "").await;
    assert!(seeded.status.success(), "{}", text(&seeded));
    assert!(text(&seeded).contains("admin@contoso.example"));
    let verified = openstaff(&db, &["audit", "verify"], "").await;
    assert!(verified.status.success(), "{}", text(&verified));
    assert!(text(&verified).contains("verified"));

    // Every change went through the services, as the command line's own caller: each
    // audited as the service audits it, by `openstaff-cli` (no user id) from surface
    // `cli`, under one correlation id, and none refused.
    let store = openstaff::store::Store::connect(&db, 1).await.unwrap();
    type Row = (
        String,
        String,
        Option<String>,
        Option<String>,
        String,
        String,
        String,
    );
    let events: Vec<Row> = sqlx::query_as(
        "SELECT activity, result, actor_id, actor_upn, additional_details, correlation_id, \
         target_resources FROM audit_events ORDER BY seq",
    )
    .fetch_all(store.reader())
    .await
    .unwrap();
    let count = |activity: &str| events.iter().filter(|e| e.0 == activity).count();
    assert_eq!(count("Create administrative unit"), 6);
    assert_eq!(count("Create user"), 34);
    assert_eq!(count("Add scoped role member"), 9);
    assert_eq!(count("Add member to administrative unit"), 36);
    assert_eq!(events.len(), 6 + 34 + 9 + 36);
    for (activity, result, actor_id, actor_upn, details, correlation, targets) in &events {
        assert_eq!(result, "success", "{activity}");
        // The services name what they changed (the seed's own helpers wrote bare ids).
        let targets: Vec<shared::dto::AuditTarget> = serde_json::from_str(targets).unwrap();
        for t in &targets {
            assert_ne!(t.display_name, t.id, "{activity}: {t:?}");
        }
        assert_eq!(actor_id, &None, "{activity}");
        assert_eq!(actor_upn.as_deref(), Some("openstaff-cli"), "{activity}");
        assert_eq!(details, r#"{"surface":"cli"}"#, "{activity}");
        assert_eq!(correlation, &events[0].5, "{activity}");
    }
    // The restricted Executive Office was filled as only its own administrators may.
    let (exec_members,): (i64,) = sqlx::query_as(
        "SELECT member_count FROM administrative_units WHERE display_name = 'Executive Office' \
         AND restricted = 1",
    )
    .fetch_one(store.reader())
    .await
    .unwrap();
    assert_eq!(exec_members, 2);
    store.close().await;

    let spec = openstaff(&db, &["openapi"], "").await;
    assert_eq!(
        String::from_utf8_lossy(&spec.stdout),
        openstaff::app::document_json()
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn audit_verify_names_an_edited_event() {
    let app = TestApp::spawn().await;
    let ok = openstaff(&app.database_url, &["audit", "verify"], "").await;
    assert!(ok.status.success(), "{}", text(&ok));
    let (id,): (String,) = sqlx::query_as("SELECT id FROM audit_events ORDER BY seq LIMIT 1")
        .fetch_one(app.store.reader())
        .await
        .unwrap();
    let mut tx = app.store.begin().await.unwrap();
    sqlx::query("UPDATE audit_events SET result = 'failure' WHERE id = $1")
        .bind(&id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let broken = openstaff(&app.database_url, &["audit", "verify"], "").await;
    assert_eq!(broken.status.code(), Some(2), "{}", text(&broken));
    assert!(text(&broken).contains(&id), "{}", text(&broken));
}
