//! Sign-in badges for shared devices (issue 14): a manager issues a printed badge
//! (its QR code decoded here from the SVG it comes as), the holder signs in on the
//! hosted pages with it and a PIN chosen at the first use; five wrong PINs lock it
//! until a manager unlocks it; revoked, replaced, expired badges and disabled
//! accounts are refused in words; who may issue them; and a badge and PIN are one
//! factor, so an admin still gives a second.

use crate::first_party::web_app_authorize;
use crate::helpers::{assert_problem, json_with, TestApp, TestClock, USER_PASSWORD};
use crate::oidc::{
    authorize_url, exchange, field, location_query, pkce, post_page_form, register_rota,
    sign_in_page, token_request, Browser, Rp,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openstaff::config::AdminMfa;
use reqwest::Response;
use serde_json::{json, Value};
use shared::first_party::{WEB_APP, WEB_APP_CALLBACK_PATH};
use std::time::Duration;

const STAFF: &str = "tom.baker@contoso.example";
const MANAGER: &str = "ava.auth@contoso.example";
const PIN: &str = "48291375";

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// Tom, a member of Store 12, and Ava, its authentication administrator:
/// (Tom's id, Ava's token, the location).
async fn store(app: &TestApp, admin: &str) -> (String, String, String) {
    let staff = app.create_user(admin, STAFF, "Tom Baker").await;
    let unit = app.create_unit(admin, "Store 12", false).await;
    app.add_member(admin, &unit, &staff).await;
    let (_, manager) = app
        .staff_with_role(
            admin,
            MANAGER,
            "Ava Auth",
            "authentication_administrator",
            Some(&unit),
        )
        .await;
    (staff, manager, unit)
}

async fn issue(app: &TestApp, token: &str, user: &str, body: Value) -> Response {
    app.post(&format!("/api/v1/users/{user}/badges"), token, body)
        .await
}

/// A badge issued to `user`: (its id, the credential, the printable SVG).
async fn issued(app: &TestApp, token: &str, user: &str, body: Value) -> (String, String, String) {
    let resp = issue(app, token, user, body).await;
    assert_eq!(resp.headers().get("cache-control").unwrap(), "no-store");
    let v = json_with(resp, 201).await;
    (
        v["badge"]["id"].as_str().unwrap().to_owned(),
        v["credential"].as_str().unwrap().to_owned(),
        v["badge_svg"].as_str().unwrap().to_owned(),
    )
}

/// Reads the printed badge's QR code back: its modules (the `badge-qr` SVG's path,
/// in module units) drawn into a greyscale image at 6 pixels a module, then found
/// and decoded by a QR reader.
pub fn decode_qr(svg: &str) -> String {
    let at = svg
        .find("class=\"badge-qr\"")
        .expect("the badge has a QR code");
    let open = svg[..at].rfind("<svg").unwrap();
    let qr = &svg[open..];
    let view_box = regex::Regex::new(r#"viewBox="0 0 (\d+) (\d+)""#).unwrap();
    let size: usize = view_box.captures(qr).unwrap()[1].parse().unwrap();
    let d_start = qr.find(" d=\"").unwrap() + 4;
    let d = &qr[d_start..d_start + qr[d_start..].find('"').unwrap()];
    let scale = 6;
    let mut dark = vec![false; size * size];
    let rect = regex::Regex::new(r"M(\d+) (\d+)h(\d+)v(\d+)").unwrap();
    for c in rect.captures_iter(d) {
        let n = |i: usize| c[i].parse::<usize>().unwrap();
        let (x, y, w, h) = (n(1), n(2), n(3), n(4));
        for yy in y..y + h {
            for xx in x..x + w {
                dark[yy * size + xx] = true;
            }
        }
    }
    let px = size * scale;
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(px, px, |x, y| {
        if dark[(y / scale) * size + x / scale] {
            0
        } else {
            255
        }
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the badge");
    grids[0].decode().unwrap().1
}

/// A sign-in to `rp` up to the badge page: (browser, the page, PKCE verifier).
async fn badge_page(app: &TestApp, rp: &Rp) -> (Browser, String, String) {
    let (verifier, challenge) = pkce();
    let url = authorize_url(app, &rp.client_id, &challenge, &[("prompt", "login")]);
    let mut b = Browser::new();
    let page = b.get(app, &url).await.text().await.unwrap();
    assert!(page.contains(">Sign in with badge</button>"), "{page}");
    let resp = post_page_form(&mut b, app, "/oauth2/badge", &page, &[]).await;
    assert_eq!(resp.status(), 200);
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'sha256-"), "{csp}");
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("<label for=\"credential\">Badge</label>"),
        "{html}"
    );
    assert!(html.contains("Scan with camera") && html.contains("id=\"camera-area\" hidden"));
    (b, html, verifier)
}

async fn scan(b: &mut Browser, app: &TestApp, page: &str, credential: &str) -> Response {
    post_page_form(b, app, "/oauth2/badge", page, &[("credential", credential)]).await
}

async fn pin(b: &mut Browser, app: &TestApp, page: &str, pin: &str, confirm: &str) -> Response {
    post_page_form(
        b,
        app,
        "/oauth2/badge-pin",
        page,
        &[("pin", pin), ("confirm_pin", confirm)],
    )
    .await
}

/// A whole sign-in to `rp` with the badge and its (already chosen) PIN: the code's
/// token answer.
async fn badge_sign_in(app: &TestApp, rp: &Rp, credential: &str, with: &str) -> Value {
    let (mut b, page, verifier) = badge_page(app, rp).await;
    let page = scan(&mut b, app, &page, credential)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Enter your badge PIN"), "{page}");
    let resp = pin(&mut b, app, &page, with, "").await;
    let q = location_query(&resp);
    json_with(exchange(app, rp, &q["code"], &verifier).await, 200).await
}

/// Tom's badge's status as Ava sees it.
async fn status(app: &TestApp, token: &str, user: &str) -> Value {
    let list = app
        .get_ok(&format!("/api/v1/users/{user}/badges"), token)
        .await;
    list["items"][0].clone()
}

#[tokio::test]
async fn a_printed_badge_signs_in_with_a_pin_chosen_at_its_first_use() {
    let (app, clock) = TestApp::spawn_with_clock(|_| {}).await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let (staff, manager, _) = store(&app, &admin).await;

    let user = app
        .get_ok(&format!("/api/v1/users/{staff}"), &manager)
        .await;
    assert!(user["allowed_actions"]
        .as_array()
        .unwrap()
        .contains(&json!("manage_badges")));
    let resp = issue(&app, &manager, &staff, json!({"valid_days": 30})).await;
    assert_eq!(resp.headers().get("cache-control").unwrap(), "no-store");
    let v = json_with(resp, 201).await;
    let credential = v["credential"].as_str().unwrap().to_owned();
    assert!(
        credential.starts_with("OSB1.") && credential.len() == 37,
        "{credential}"
    );
    assert_eq!(v["badge"]["status"], "pin_not_set");
    assert_eq!(v["replaced_earlier_badge"], false);
    let expires = chrono::DateTime::parse_from_rfc3339(v["badge"]["expires_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    assert_eq!(expires, clock.now() + chrono::Duration::days(30));

    // The printable badge: one card with the name, the location, the expiry, and a
    // QR code that reads back as the credential.
    let svg = v["badge_svg"].as_str().unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("width=\"54mm\" height=\"86mm\""));
    assert!(svg.contains("Tom Baker") && svg.contains("Store 12"));
    assert!(svg.contains("Valid until 1 April 2026"), "{svg}");
    assert_eq!(decode_qr(svg), credential);

    // Audited for the store's managers, without the credential; listed without it.
    let events = app
        .get_ok("/api/v1/audit-logs?activity=Issue%20badge", &manager)
        .await;
    assert_eq!(events["items"].as_array().unwrap().len(), 1, "{events}");
    assert!(!events.to_string().contains(&credential[5..]));
    let listed = status(&app, &manager, &staff).await;
    assert_eq!(listed["status"], "pin_not_set");
    assert!(!listed.to_string().contains(&credential[5..]));

    // At the till: the scanner types the QR code (with its Enter) into the field.
    let (mut b, page, verifier) = badge_page(&app, &rp).await;
    let scanned = format!("{}\n", credential.to_lowercase());
    let resp = scan(&mut b, &app, &page, &scanned).await;
    assert_eq!(resp.status(), 200);
    let page = resp.text().await.unwrap();
    assert!(page.contains("Choose a PIN for your badge"), "{page}");
    assert!(page.contains("<label for=\"confirm_pin\">Confirm PIN</label>"));
    assert!(
        !page.contains(&credential[5..]),
        "the credential is not echoed"
    );
    assert!(!b.has_session());

    // The PIN's rules, each named; then two that differ.
    for (bad, words) in [
        ("123456", "digits in a row"),
        ("87654321", "digits in a row"),
        ("777777", "one digit repeated"),
        ("121212", "short pattern repeated"),
        ("12345", "6 to 8 digits"),
    ] {
        let resp = pin(&mut b, &app, &page, bad, bad).await;
        let again = resp.text().await.unwrap();
        assert!(
            again.contains("role=\"alert\"") && again.contains(words),
            "{bad}: {again}"
        );
        assert!(again.contains("Choose a PIN for your badge"));
    }
    let resp = pin(&mut b, &app, &page, PIN, "48291376").await;
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("The two PINs are not the same"));
    assert_eq!(app.audit_count("Set badge PIN", "success").await, 0);

    let resp = pin(&mut b, &app, &page, PIN, PIN).await;
    let q = location_query(&resp);
    let t = json_with(exchange(&app, &rp, &q["code"], &verifier).await, 200).await;
    let id = claims(t["id_token"].as_str().unwrap());
    assert_eq!(id["amr"], json!(["pin"]), "one factor");
    assert_eq!(id["preferred_username"], STAFF);
    assert_eq!(app.audit_count("Set badge PIN", "success").await, 1);
    let dump = app.audit_dump().await;
    assert!(
        dump.contains("Badge and PIN"),
        "the sign-in names its method"
    );
    assert!(!dump.contains(PIN) && !dump.contains(&credential[5..]));

    // The next time, the PIN it has.
    clock.advance(Duration::from_secs(60));
    let t = badge_sign_in(&app, &rp, &credential, PIN).await;
    assert_eq!(
        claims(t["id_token"].as_str().unwrap())["amr"],
        json!(["pin"])
    );
    let listed = status(&app, &app.token(MANAGER, USER_PASSWORD).await, &staff).await;
    assert_eq!(listed["status"], "active");
    assert_eq!(listed["failed_pin_attempts"], 0);
    assert!(listed["last_used_at"].is_string());
    app.assert_audit_chain_valid().await;
}

#[tokio::test]
async fn five_wrong_pins_lock_the_badge_not_the_account_until_a_manager_unlocks_it() {
    let (app, clock) = TestApp::spawn_with_clock(|_| {}).await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let (staff, manager, _) = store(&app, &admin).await;
    let (badge, credential, _) = issued(&app, &manager, &staff, json!({})).await;
    badge_first_use(&app, &rp, &credential).await;

    let (mut b, page, _) = badge_page(&app, &rp).await;
    let mut page = scan(&mut b, &app, &page, &credential)
        .await
        .text()
        .await
        .unwrap();
    for left in (1..=4).rev() {
        let resp = pin(&mut b, &app, &page, "90817263", "").await;
        page = resp.text().await.unwrap();
        assert!(page.contains("That PIN is not right"), "{page}");
        let more = if left == 1 {
            "One more wrong PIN".to_owned()
        } else {
            format!("{left} more wrong PINs")
        };
        assert!(page.contains(&more), "{left}: {page}");
    }
    // The fifth: locked, and back to the badge page.
    let page = pin(&mut b, &app, &page, "90817263", "")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("This badge is locked after 5 wrong PINs"),
        "{page}"
    );
    assert!(page.contains("<label for=\"credential\">Badge</label>"));
    // Now even the right PIN can't be tried: scanning says locked.
    let page = scan(&mut b, &app, &page, &credential)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("This badge is locked"), "{page}");
    assert_eq!(app.audit_count("Sign-in", "failure").await, 6);
    let dump = app.audit_dump().await;
    assert!(dump.contains("invalid_pin; badge locked") && dump.contains("badge_locked"));
    assert_eq!(status(&app, &manager, &staff).await["status"], "locked");
    // The account is not locked: Tom's password still works.
    app.token(STAFF, USER_PASSWORD).await;

    // An authentication administrator of another store may not unlock it; Ava does.
    let unit = app.create_unit(&admin, "Store 13", false).await;
    let (_, other) = app
        .staff_with_role(
            &admin,
            "omar.other@contoso.example",
            "Omar Other",
            "authentication_administrator",
            Some(&unit),
        )
        .await;
    let path = format!("/api/v1/users/{staff}/badges/{badge}/unlock");
    assert_problem(
        app.post(&path, &other, json!({})).await,
        403,
        "target_out_of_scope",
    )
    .await;
    let resp = app.post(&path, &manager, json!({})).await;
    assert_eq!(resp.status(), 204);
    assert_eq!(app.audit_count("Unlock badge", "success").await, 1);
    assert_eq!(status(&app, &manager, &staff).await["status"], "active");
    clock.advance(Duration::from_secs(60));
    let t = badge_sign_in(&app, &rp, &credential, PIN).await;
    assert_eq!(
        claims(t["id_token"].as_str().unwrap())["amr"],
        json!(["pin"])
    );
}

/// The badge's first use: the PIN chosen ([`PIN`]) and a sign-in.
async fn badge_first_use(app: &TestApp, rp: &Rp, credential: &str) {
    let (mut b, page, _) = badge_page(app, rp).await;
    let page = scan(&mut b, app, &page, credential)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Choose a PIN"), "{page}");
    let resp = pin(&mut b, app, &page, PIN, PIN).await;
    assert_eq!(resp.status(), 303);
}

#[tokio::test]
async fn revoked_replaced_expired_badges_and_disabled_accounts_do_not_sign_in() {
    let (app, clock) = TestApp::spawn_with_clock(|_| {}).await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let (staff, manager, _) = store(&app, &admin).await;

    let expect = |page: &str, words: &str| {
        assert!(page.contains(words), "{words}: {page}");
        assert!(page.contains("role=\"alert\""));
    };
    // Not a badge at all.
    let (mut b, page, _) = badge_page(&app, &rp).await;
    let again = scan(&mut b, &app, &page, "OSB1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await
        .text()
        .await
        .unwrap();
    expect(&again, "OpenStaff doesn&#39;t recognise this badge");
    let again = scan(&mut b, &app, &page, "").await.text().await.unwrap();
    expect(&again, "Scan the QR code on your badge");

    // Re-issued: the first one stops working.
    let (first, old, _) = issued(&app, &manager, &staff, json!({})).await;
    let v = json_with(issue(&app, &manager, &staff, json!({})).await, 201).await;
    assert_eq!(v["replaced_earlier_badge"], true);
    let new = v["credential"].as_str().unwrap().to_owned();
    let second = v["badge"]["id"].as_str().unwrap().to_owned();
    let again = scan(&mut b, &app, &page, &old).await.text().await.unwrap();
    expect(&again, "revoked or replaced");
    let list = app
        .get_ok(&format!("/api/v1/users/{staff}/badges"), &manager)
        .await;
    let statuses: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["pin_not_set", "revoked"]);
    assert_problem(
        app.post(
            &format!("/api/v1/users/{staff}/badges/{first}/unlock"),
            &manager,
            json!({}),
        )
        .await,
        409,
        "badge_revoked",
    )
    .await;

    // Revoked between the scan and the PIN: the PIN step refuses it.
    let pin_page = scan(&mut b, &app, &page, &new).await.text().await.unwrap();
    assert!(pin_page.contains("Choose a PIN"));
    let revoke = format!("/api/v1/users/{staff}/badges/{second}");
    assert_eq!(app.delete(&revoke, &manager).await.status(), 204);
    assert_eq!(app.delete(&revoke, &manager).await.status(), 204);
    assert_eq!(app.audit_count("Revoke badge", "success").await, 1);
    let again = pin(&mut b, &app, &pin_page, PIN, PIN)
        .await
        .text()
        .await
        .unwrap();
    expect(&again, "revoked or replaced");
    assert_eq!(app.audit_count("Set badge PIN", "success").await, 0);
    let again = scan(&mut b, &app, &page, &new).await.text().await.unwrap();
    expect(&again, "revoked or replaced");
    let unknown = format!("/api/v1/users/{staff}/badges/{}", uuid::Uuid::now_v7());
    assert_problem(app.delete(&unknown, &manager).await, 404, "not_found").await;

    // Expired: a day's badge, two days on.
    let (_, day, _) = issued(&app, &manager, &staff, json!({"valid_days": 1})).await;
    badge_first_use(&app, &rp, &day).await;
    clock.advance(Duration::from_secs(2 * 86_400));
    let manager = app.token(MANAGER, USER_PASSWORD).await;
    assert_eq!(status(&app, &manager, &staff).await["status"], "expired");
    let (mut b, page, _) = badge_page(&app, &rp).await;
    let again = scan(&mut b, &app, &page, &day).await.text().await.unwrap();
    expect(&again, "This badge has expired");

    // A disabled account: its badge is refused too.
    let (_, live, _) = issued(&app, &manager, &staff, json!({})).await;
    let resp = app
        .client
        .patch(app.url(&format!("/api/v1/users/{staff}")))
        .bearer_auth(&admin_now(&app).await)
        .json(&json!({"account_enabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let again = scan(&mut b, &app, &page, &live).await.text().await.unwrap();
    expect(&again, "This account is turned off");
    let dump = app.audit_dump().await;
    for reason in [
        "invalid_badge",
        "badge_revoked",
        "badge_expired",
        "account_disabled",
    ] {
        assert!(dump.contains(reason), "{reason}");
    }
}

async fn admin_now(app: &TestApp) -> String {
    app.admin_token().await
}

#[tokio::test]
async fn only_authentication_administrators_over_the_person_issue_badges() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (staff, manager, unit) = store(&app, &admin).await;
    let (_, helpdesk) = app
        .staff_with_role(
            &admin,
            "hana.help@contoso.example",
            "Hana Help",
            "helpdesk_administrator",
            Some(&unit),
        )
        .await;
    let other_unit = app.create_unit(&admin, "Store 13", false).await;
    let (_, elsewhere) = app
        .staff_with_role(
            &admin,
            "eli.else@contoso.example",
            "Eli Else",
            "authentication_administrator",
            Some(&other_unit),
        )
        .await;
    let (ava, _) = (app.my_id(&manager).await, ());

    assert_problem(
        issue(&app, &helpdesk, &staff, json!({})).await,
        403,
        "role_not_permitted",
    )
    .await;
    assert_problem(
        issue(&app, &elsewhere, &staff, json!({})).await,
        403,
        "target_out_of_scope",
    )
    .await;
    // A store's admin acts on staff, not on another admin, nor on herself.
    assert_problem(
        issue(&app, &manager, &ava, json!({})).await,
        403,
        "self_action",
    )
    .await;
    assert_eq!(app.audit_count("Issue badge", "failure").await, 3);
    assert_eq!(app.audit_count("Issue badge", "success").await, 0);
    let access = app
        .get_ok(
            &format!("/api/v1/users/{staff}/access?action=manage_badges"),
            &helpdesk,
        )
        .await;
    assert_eq!(access["allowed"], false);
    assert_eq!(access["denial"], "role_not_permitted");
    let access = app
        .get_ok(
            &format!("/api/v1/users/{staff}/access?action=manage_badges"),
            &manager,
        )
        .await;
    assert_eq!(access["allowed"], true, "{access}");

    for days in [0, 731] {
        let body = assert_problem(
            issue(&app, &manager, &staff, json!({"valid_days": days})).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], "valid_days", "{body}");
    }
    // Anyone who may read the profile sees the list (there is none yet).
    let list = app
        .get_ok(&format!("/api/v1/users/{staff}/badges"), &helpdesk)
        .await;
    assert_eq!(list["items"], json!([]));
}

/// The code an authenticator app shows at `clock`'s time for `secret` (base32).
fn code_at(secret: &str, clock: &TestClock) -> String {
    let seed = totp_rs::Secret::try_from_base32(secret).unwrap();
    let t = totp_rs::Builder::new().with_secret(seed).build().unwrap();
    t.generate(clock.now().timestamp() as u64).to_string()
}

/// The enrolment page's key, without its spaces.
fn enrolment_secret(html: &str) -> String {
    let start = html.find("id=\"secret\">").unwrap() + "id=\"secret\">".len();
    html[start..start + html[start..].find('<').unwrap()].replace(' ', "")
}

#[tokio::test]
async fn a_badge_and_pin_are_one_factor_so_an_admin_still_gives_a_second() {
    let (app, clock) = TestApp::spawn_with_clock(|c| c.policy.admin_mfa = AdminMfa::Required).await;
    // The Global Administrator signs in to My Staff with a password and a first app.
    let (verifier, challenge) = pkce();
    let mut b = Browser::new();
    let enrol = sign_in_page(
        &mut b,
        &app,
        &web_app_authorize(&app, &challenge),
        crate::helpers::ADMIN_UPN,
        crate::helpers::ADMIN_PASSWORD,
    )
    .await
    .text()
    .await
    .unwrap();
    let code = code_at(&enrolment_secret(&enrol), &clock);
    let resp = post_page_form(
        &mut b,
        &app,
        "/oauth2/enrol-totp",
        &enrol,
        &[("code", &code)],
    )
    .await;
    let q = location_query(&resp);
    let callback = format!("{}{WEB_APP_CALLBACK_PATH}", app.address);
    let t = json_with(
        token_request(
            &app,
            &crate::first_party::web_app(),
            &[
                ("grant_type", "authorization_code"),
                ("code", &q["code"]),
                ("redirect_uri", &callback),
                ("code_verifier", &verifier),
                ("client_id", &WEB_APP.to_string()),
            ],
        )
        .await,
        200,
    )
    .await;
    let admin = t["access_token"].as_str().unwrap().to_owned();
    let rp = register_rota(&app, &admin).await;

    // Hana holds a role; her badge alone does not sign her in.
    let hana = app
        .create_user(&admin, "hana.help@contoso.example", "Hana Help")
        .await;
    app.assign(&admin, &hana, "helpdesk_administrator", None)
        .await;
    let (_, credential, _) = issued(&app, &admin, &hana, json!({})).await;
    clock.advance(Duration::from_secs(30));
    let (mut b, page, verifier) = badge_page(&app, &rp).await;
    let page = scan(&mut b, &app, &page, &credential)
        .await
        .text()
        .await
        .unwrap();
    let resp = pin(&mut b, &app, &page, PIN, PIN).await;
    assert_eq!(resp.status(), 200, "not straight to the application");
    let enrol = resp.text().await.unwrap();
    assert!(enrol.contains("Set up an authenticator app"), "{enrol}");
    assert!(!b.has_session());
    let secret = enrolment_secret(&enrol);
    let code = code_at(&secret, &clock);
    let resp = post_page_form(
        &mut b,
        &app,
        "/oauth2/enrol-totp",
        &enrol,
        &[("code", &code)],
    )
    .await;
    let q = location_query(&resp);
    let t = json_with(exchange(&app, &rp, &q["code"], &verifier).await, 200).await;
    assert_eq!(
        claims(t["id_token"].as_str().unwrap())["amr"],
        json!(["pin", "otp", "mfa"])
    );

    // The next time: the badge, the PIN, then the code from her app.
    clock.advance(Duration::from_secs(60));
    let (mut b, page, verifier) = badge_page(&app, &rp).await;
    let page = scan(&mut b, &app, &page, &credential)
        .await
        .text()
        .await
        .unwrap();
    let resp = pin(&mut b, &app, &page, PIN, "").await;
    let code_page = resp.text().await.unwrap();
    assert!(
        code_page.contains("Enter the code from your authenticator app"),
        "{code_page}"
    );
    assert_eq!(field(&code_page, "csrf"), field(&page, "csrf"));
    let code = code_at(&secret, &clock);
    let resp = post_page_form(
        &mut b,
        &app,
        "/oauth2/verify-code",
        &code_page,
        &[("code", &code)],
    )
    .await;
    let q = location_query(&resp);
    let t = json_with(exchange(&app, &rp, &q["code"], &verifier).await, 200).await;
    assert_eq!(
        claims(t["access_token"].as_str().unwrap())["amr"],
        json!(["pin", "otp", "mfa"])
    );
    let dump = app.audit_dump().await;
    assert!(dump.contains("Badge and PIN, Authenticator app"), "{dump}");

    // A sign-in form that reached the PIN step is no password form.
    let (mut b, page, _) = badge_page(&app, &rp).await;
    let pin_step = scan(&mut b, &app, &page, &credential)
        .await
        .text()
        .await
        .unwrap();
    let resp = post_page_form(
        &mut b,
        &app,
        "/oauth2/sign-in",
        &pin_step,
        &[
            ("username", "hana.help@contoso.example"),
            ("password", USER_PASSWORD),
        ],
    )
    .await;
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("This sign-in page has expired"));
}
