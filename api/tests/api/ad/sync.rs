//! "Sync in" from the real DC: a full run creates on-premises users, incremental runs
//! bring AD's changes, a full run disables the users AD no longer has, synced names
//! are read-only, one sync runs at a time, and the policy endpoint answers the
//! domain's policy.

use super::{Dc, TestOu, BASE_DN};
use crate::helpers::{assert_problem, json_with, TestApp};
use openstaff::directory::sync::{sync, SyncMode, SyncOutcome, SyncReport};
use openstaff::state::ClockAndIds;
use reqwest::Method;
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};

const PASSWORD: &str = "Start-Shift-2026";

async fn app_for(dc: &Dc, ou: &TestOu) -> TestApp {
    let cfg = dc.config(ou);
    TestApp::spawn_with(move |c| c.directory = cfg).await
}

async fn run(dc: &Dc, ou: &TestOu, app: &TestApp, mode: SyncMode) -> SyncReport {
    match sync(&dc.directory(ou), &app.store, &ClockAndIds::system(), mode)
        .await
        .unwrap()
    {
        SyncOutcome::Ran(r) => r,
        other => panic!("did not run: {other:?}"),
    }
}

impl Dc {
    /// `ldapmodify` over verified LDAPS as the administrator.
    fn modify(&self, dn: &str, changes: &str) {
        let mut child = Command::new("ldapmodify")
            .env("LDAPTLS_CACERT", self.ca_file())
            .args(["-x", "-H", &self.url()])
            .args(["-D", &format!("CN=Administrator,CN=Users,{BASE_DN}")])
            .arg("-y")
            .arg(self.admin_password_file())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let ldif = format!("dn: {dn}\nchangetype: modify\n{changes}\n");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(ldif.as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success(), "ldapmodify {dn}");
    }
}

/// The OpenStaff user linked to `guid`: (id, the row as the API shows it).
async fn synced(app: &TestApp, token: &str, guid: uuid::Uuid) -> (String, Value) {
    let (id,): (String,) = sqlx::query_as("SELECT id FROM users WHERE external_id = $1")
        .bind(guid.to_string())
        .fetch_one(app.store.reader())
        .await
        .unwrap_or_else(|e| panic!("no user linked to {guid}: {e}"));
    let user = app.get_ok(&format!("/api/v1/users/{id}"), token).await;
    (id, user)
}

async fn token_version(app: &TestApp, id: &str) -> i64 {
    let (v,): (i64,) = sqlx::query_as("SELECT token_version FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(app.store.reader())
        .await
        .unwrap();
    v
}

/// The (target_resources, additional_details) of every `activity` event, oldest first.
async fn events(app: &TestApp, activity: &str) -> Vec<(Value, Value, Option<String>)> {
    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT target_resources, additional_details, actor_upn FROM audit_events \
         WHERE activity = $1 ORDER BY seq",
    )
    .bind(activity)
    .fetch_all(app.store.reader())
    .await
    .unwrap();
    rows.into_iter()
        .map(|(t, d, who)| {
            (
                serde_json::from_str(&t).unwrap(),
                serde_json::from_str(&d).unwrap(),
                who,
            )
        })
        .collect()
}

fn property<'a>(target: &'a Value, name: &str) -> Option<&'a Value> {
    target["modified_properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
}

#[tokio::test]
async fn a_full_sync_creates_on_premises_users_and_never_overwrites_a_cloud_one() {
    let Some(dc) = Dc::lock().await else { return };
    let ou = dc.ou();
    let lina = dc.create_user(&ou, "Lina", "Morel", PASSWORD);
    let omar = dc.create_user(&ou, "Omar", "Haddad", PASSWORD);
    let nameless = dc.create_user(&ou, "Nina", "Blanc", PASSWORD);
    dc.modify(&nameless.dn, "delete: userPrincipalName");
    let app = app_for(&dc, &ou).await;
    let admin = app.admin_token().await;
    // A cloud user already signs in as Omar's UPN.
    let cloud = app.create_user(&admin, &omar.upn, "Omar Cloud").await;

    let r = run(&dc, &ou, &app, SyncMode::Incremental).await;
    assert!(r.full, "the first run is a full one");
    assert_eq!((r.read, r.created, r.updated), (3, 1, 0), "{r:?}");
    assert_eq!(r.skipped_without_upn, 1);
    assert_eq!(r.conflicts, vec![omar.upn.clone()]);
    assert!(r.usn_high_water > 0);

    let (lina_id, user) = synced(&app, &admin, lina.guid).await;
    assert_eq!(user["user_principal_name"], lina.upn);
    assert_eq!(user["display_name"], "Lina Morel");
    assert_eq!(user["mail"], lina.upn);
    assert_eq!(user["job_title"], "Cashier");
    assert_eq!(user["department"], "Store");
    assert_eq!(user["account_enabled"], true);
    assert_eq!(user["source"], "on_premises");
    let (hash,): (String,) = sqlx::query_as("SELECT password_hash FROM users WHERE id = $1")
        .bind(&lina_id)
        .fetch_one(app.store.reader())
        .await
        .unwrap();
    assert_eq!(hash, openstaff::auth::password::DIRECTORY_PASSWORD);
    // No OpenStaff password signs in as her.
    let resp = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"username": lina.upn, "password": "!directory"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    // The cloud account is untouched, and the run says why Omar is missing.
    let cloud_user = app.get_ok(&format!("/api/v1/users/{cloud}"), &admin).await;
    assert_eq!(cloud_user["display_name"], "Omar Cloud");
    assert_eq!(cloud_user["source"], "cloud");
    let runs = events(&app, "Synchronize directory").await;
    assert_eq!(runs.len(), 1);
    let (target, details, who) = &runs[0];
    assert_eq!(details["surface"], "sync");
    assert_eq!(who.as_deref(), Some("openstaff-directory-sync"));
    assert_eq!(target[0]["display_name"], ou.dn);
    assert_eq!(property(&target[0], "created").unwrap()["new_value"], "1");
    assert_eq!(property(&target[0], "conflicts").unwrap()["new_value"], "1");
    assert_eq!(
        property(&target[0], "conflicting_user_principal_names").unwrap()["new_value"],
        omar.upn
    );
    assert_eq!(
        property(&target[0], "skipped_without_upn").unwrap()["new_value"],
        "1"
    );
    let created = events(&app, "Create user").await;
    assert!(created
        .iter()
        .any(|(t, d, _)| t[0]["id"] == lina_id.as_str() && d["surface"] == "sync"));

    // Found by the search box.
    let page = app.get_ok("/api/v1/users?search=lina%20mor", &admin).await;
    assert_eq!(page["items"][0]["id"], lina_id.as_str());

    // Nothing changed in AD: a second run reads nothing new, but Omar's conflict is
    // read (and reported) again until someone resolves it.
    let again = run(&dc, &ou, &app, SyncMode::Incremental).await;
    assert!(!again.full);
    assert_eq!((again.created, again.updated), (0, 0), "{again:?}");
    assert_eq!(again.conflicts, vec![omar.upn.clone()]);
    app.assert_audit_chain_valid().await;
}

#[tokio::test]
async fn changes_in_ad_show_after_an_incremental_run_with_update_user_events() {
    let Some(dc) = Dc::lock().await else { return };
    let ou = dc.ou();
    let lina = dc.create_user(&ou, "Lina", "Morel", PASSWORD);
    let omar = dc.create_user(&ou, "Omar", "Haddad", PASSWORD);
    let app = app_for(&dc, &ou).await;
    let admin = app.admin_token().await;
    run(&dc, &ou, &app, SyncMode::Full).await;
    let (lina_id, _) = synced(&app, &admin, lina.guid).await;
    let (omar_id, _) = synced(&app, &admin, omar.guid).await;

    let new_upn = lina.upn.replace("lina.", "lina.dubois.");
    dc.modify(
        &lina.dn,
        &format!(
            "replace: displayName\ndisplayName: Lina Dubois\n-\nreplace: title\ntitle: Store Supervisor\n-\nreplace: userPrincipalName\nuserPrincipalName: {new_upn}"
        ),
    );
    dc.samba_tool(&["user", "disable", &omar.sam]);
    let omar_version = token_version(&app, &omar_id).await;

    let r = run(&dc, &ou, &app, SyncMode::Incremental).await;
    assert!(!r.full);
    assert_eq!((r.read, r.updated, r.created), (2, 2, 0), "{r:?}");
    let (_, user) = synced(&app, &admin, lina.guid).await;
    assert_eq!(user["display_name"], "Lina Dubois");
    assert_eq!(user["job_title"], "Store Supervisor");
    assert_eq!(user["user_principal_name"], new_upn);
    let (_, omar_now) = synced(&app, &admin, omar.guid).await;
    assert_eq!(omar_now["account_enabled"], false);
    assert_eq!(token_version(&app, &omar_id).await, omar_version + 1);

    // The search index follows the new name.
    let page = app.get_ok("/api/v1/users?search=dubois", &admin).await;
    assert_eq!(page["items"][0]["id"], lina_id.as_str());
    let page = app.get_ok("/api/v1/users?search=morel", &admin).await;
    assert!(page["items"].as_array().unwrap().is_empty(), "{page}");

    let updates = events(&app, "Update user").await;
    let (t, d, who) = updates
        .iter()
        .find(|(t, _, _)| t[0]["id"] == lina_id.as_str())
        .expect("an Update user event for Lina");
    assert_eq!(d["surface"], "sync");
    assert_eq!(who.as_deref(), Some("openstaff-directory-sync"));
    let name = property(&t[0], "display_name").unwrap();
    assert_eq!(
        (&name["old_value"], &name["new_value"]),
        (&json!("Lina Morel"), &json!("Lina Dubois"))
    );
    let title = property(&t[0], "job_title").unwrap();
    assert_eq!(
        (&title["old_value"], &title["new_value"]),
        (&json!("Cashier"), &json!("Store Supervisor"))
    );
    assert!(property(&t[0], "user_principal_name").is_some());
    assert!(property(&t[0], "department").is_none(), "only what changed");
    let (t, _, _) = updates
        .iter()
        .find(|(t, _, _)| t[0]["id"] == omar_id.as_str())
        .expect("an Update user event for Omar");
    assert_eq!(
        property(&t[0], "account_enabled").unwrap()["new_value"],
        "false"
    );
    app.assert_audit_chain_valid().await;
}

#[tokio::test]
async fn a_user_deleted_in_ad_is_disabled_by_the_next_full_run_and_not_before() {
    let Some(dc) = Dc::lock().await else { return };
    let ou = dc.ou();
    let lina = dc.create_user(&ou, "Lina", "Morel", PASSWORD);
    dc.create_user(&ou, "Omar", "Haddad", PASSWORD);
    let app = app_for(&dc, &ou).await;
    let admin = app.admin_token().await;
    run(&dc, &ou, &app, SyncMode::Full).await;
    let (lina_id, _) = synced(&app, &admin, lina.guid).await;
    let version = token_version(&app, &lina_id).await;
    dc.samba_tool(&["user", "delete", &lina.sam]);

    let r = run(&dc, &ou, &app, SyncMode::Incremental).await;
    assert_eq!(r.disabled_missing, 0);
    let (_, user) = synced(&app, &admin, lina.guid).await;
    assert_eq!(
        user["account_enabled"], true,
        "an incremental run cannot tell"
    );

    let r = run(&dc, &ou, &app, SyncMode::Full).await;
    assert!(r.full);
    assert_eq!((r.read, r.disabled_missing), (1, 1), "{r:?}");
    let (_, user) = synced(&app, &admin, lina.guid).await;
    assert_eq!(user["account_enabled"], false, "disabled, never deleted");
    assert_eq!(token_version(&app, &lina_id).await, version + 1);
    // Already disabled: the next full run leaves her be.
    let r = run(&dc, &ou, &app, SyncMode::Full).await;
    assert_eq!(r.disabled_missing, 0);
}

#[tokio::test]
async fn a_synced_users_name_is_read_only_but_other_properties_are_not() {
    let Some(dc) = Dc::lock().await else { return };
    let ou = dc.ou();
    let lina = dc.create_user(&ou, "Lina", "Morel", PASSWORD);
    let app = app_for(&dc, &ou).await;
    let admin = app.admin_token().await;
    run(&dc, &ou, &app, SyncMode::Full).await;
    let (id, _) = synced(&app, &admin, lina.guid).await;
    let patch = |body: Value| {
        app.request(Method::PATCH, &format!("/api/v1/users/{id}"), Some(&admin))
            .json(&body)
            .send()
    };
    let resp = patch(json!({"display_name": "Lina Other"})).await.unwrap();
    let body = assert_problem(resp, 409, "managed_by_directory").await;
    assert!(!body["detail"].as_str().unwrap().is_empty());
    // Sending the same name is no change.
    let resp = patch(json!({"display_name": "Lina Morel", "job_title": "Baker"}))
        .await
        .unwrap();
    let user = json_with(resp, 200).await;
    assert_eq!(user["job_title"], "Baker");
    assert_eq!(user["display_name"], "Lina Morel");
    // Phone methods stay OpenStaff's.
    let resp = app
        .put(
            &format!("/api/v1/users/{id}/phone-methods/mobile"),
            &admin,
            json!({"phone_number": "+33612345678"}),
        )
        .await;
    assert!(resp.status().is_success(), "{}", resp.status());
}

#[tokio::test]
async fn one_sync_runs_at_a_time_and_a_crashed_holders_lease_expires() {
    let Some(dc) = Dc::lock().await else { return };
    let ou = dc.ou();
    dc.create_user(&ou, "Lina", "Morel", PASSWORD);
    let app = app_for(&dc, &ou).await;
    let dir = dc.directory(&ou);
    let time = ClockAndIds::system();
    let (a, b) = tokio::join!(
        sync(&dir, &app.store, &time, SyncMode::Full),
        sync(&dir, &app.store, &time, SyncMode::Full),
    );
    let outcomes = [a.unwrap(), b.unwrap()];
    let ran = outcomes
        .iter()
        .filter(|o| matches!(o, SyncOutcome::Ran(_)))
        .count();
    let held: Vec<_> = outcomes
        .iter()
        .filter_map(|o| match o {
            SyncOutcome::LeaseHeld(h) => Some(h),
            _ => None,
        })
        .collect();
    assert_eq!((ran, held.len()), (1, 1), "{outcomes:?}");
    assert!(held[0].holder.is_some());
    assert!(openstaff::directory::sync::lease_message(held[0]).contains("holds the lease"));

    // A holder still within its lease blocks; one whose lease ran out does not.
    let store = app.store.clone();
    let set_lease = |until: openstaff::time::Micros| {
        let store = store.clone();
        async move {
            let mut tx = store.begin().await.unwrap();
            sqlx::query(
                "UPDATE directory_state SET lease_holder = 'crashed-replica', lease_until = $1",
            )
            .bind(until)
            .execute(&mut *tx)
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
    };
    let minute = openstaff::time::Span::minutes(1);
    set_lease(time.now() + minute).await;
    match sync(&dir, &app.store, &time, SyncMode::Incremental)
        .await
        .unwrap()
    {
        SyncOutcome::LeaseHeld(h) => assert_eq!(h.holder.as_deref(), Some("crashed-replica")),
        other => panic!("ran under another's lease: {other:?}"),
    }
    set_lease(time.now() - minute).await;
    assert!(matches!(
        sync(&dir, &app.store, &time, SyncMode::Incremental)
            .await
            .unwrap(),
        SyncOutcome::Ran(_)
    ));
}

#[tokio::test]
async fn the_policy_endpoint_answers_the_domains_policy_once_synced() {
    let Some(dc) = Dc::lock().await else { return };
    let ou = dc.ou();
    let app = app_for(&dc, &ou).await;
    let admin = app.admin_token().await;
    let before = app.get_ok("/api/v1/password-policy", &admin).await;
    // The local --onprem-* settings, until the domain's policy is read.
    assert_eq!(before["on_premises"]["min_length"], 10);
    assert_eq!(before["on_premises_rules"], json!([]));
    run(&dc, &ou, &app, SyncMode::Full).await;
    let after = app.get_ok("/api/v1/password-policy", &admin).await;
    assert_eq!(after["on_premises"]["min_length"], 7);
    assert_eq!(after["on_premises"]["min_character_classes"], 3);
    assert_eq!(after["on_premises"]["forbid_name_parts"], true);
    let rules: Vec<&str> = after["on_premises_rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(rules.contains(&"at least 7 characters"), "{rules:?}");
    assert!(
        rules.contains(&"not one of the last 24 passwords"),
        "{rules:?}"
    );
    assert_eq!(after["cloud"], before["cloud"]);
}

#[tokio::test]
async fn a_run_against_a_stopped_dc_fails_audited_and_changes_nothing() {
    let Some(dc) = Dc::lock().await else { return };
    let ou = dc.ou();
    dc.create_user(&ou, "Lina", "Morel", PASSWORD);
    let app = app_for(&dc, &ou).await;
    let dir = dc.directory(&ou);
    dc.stop();
    let outcome = sync(&dir, &app.store, &ClockAndIds::system(), SyncMode::Full).await;
    dc.start();
    assert!(
        matches!(
            outcome,
            Err(openstaff::directory::sync::SyncError::Directory(
                openstaff::directory::DirectoryError::Unavailable(_)
            ))
        ),
        "{outcome:?}"
    );
    let (users,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM users WHERE external_id IS NOT NULL")
            .fetch_one(app.store.reader())
            .await
            .unwrap();
    assert_eq!(users, 0);
    let (reason,): (Option<String>,) = sqlx::query_as(
        "SELECT result_reason FROM audit_events WHERE activity = 'Synchronize directory' \
         AND result = 'failure'",
    )
    .fetch_one(app.store.reader())
    .await
    .unwrap();
    assert_eq!(reason.as_deref(), Some("directory_unavailable"));
    // The lease was given back: the next run goes ahead.
    assert!(matches!(
        sync(&dir, &app.store, &ClockAndIds::system(), SyncMode::Full)
            .await
            .unwrap(),
        SyncOutcome::Ran(_)
    ));
}
