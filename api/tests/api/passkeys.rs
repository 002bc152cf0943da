//! Passkeys (WebAuthn): registration on "My account", usernameless sign-in on the
//! hosted page and `amr`, the passkey as the second step after a password,
//! replayed and stale assertions, another origin, a removed passkey, a disabled
//! account, and the admin policy (`--admin-mfa required`) met by a passkey alone.
//!
//! The authenticator is [`SoftPasskey`]: a P-256 key made here that answers the
//! server's own options with a genuine "none" attestation and ES256 assertions, as a
//! platform authenticator with user verification does.

use crate::helpers::{assert_problem, json_with, TestApp, USER_PASSWORD};
use crate::oidc::{
    exchange, field, location_query, pkce, post_page_form, register_rota, sign_in_page, Browser,
    Rp, Server,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openstaff::config::{AdminMfa, ServerConfig};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const STAFF: &str = "tom.baker@contoso.example";
/// The hosted page's words for a refused passkey (as escaped in its HTML).
const REFUSED: &str = "That passkey didn&#39;t work";

/// A software authenticator holding one discoverable ES256 credential.
pub struct SoftPasskey {
    key: SigningKey,
    credential_id: Vec<u8>,
    user_handle: Vec<u8>,
    counter: u32,
    /// Where the browser says it is (`clientDataJSON.origin`).
    pub origin: String,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).unwrap()
}

/// CBOR: a byte string's or text string's head (major type `major`).
fn cbor_head(major: u8, len: usize, out: &mut Vec<u8>) {
    let m = major << 5;
    match len {
        0..=23 => out.push(m | len as u8),
        24..=255 => out.extend([m | 24, len as u8]),
        _ => {
            out.push(m | 25);
            out.extend((len as u16).to_be_bytes());
        }
    }
}

fn cbor_text(s: &str, out: &mut Vec<u8>) {
    cbor_head(3, s.len(), out);
    out.extend(s.as_bytes());
}

fn cbor_bytes(b: &[u8], out: &mut Vec<u8>) {
    cbor_head(2, b.len(), out);
    out.extend(b);
}

impl SoftPasskey {
    pub fn new(origin: &str) -> Self {
        let key = loop {
            if let Ok(k) = SigningKey::from_slice(&rand::random::<[u8; 32]>()) {
                break k;
            }
        };
        SoftPasskey {
            key,
            credential_id: rand::random::<[u8; 16]>().to_vec(),
            user_handle: Vec::new(),
            counter: 0,
            origin: origin.to_owned(),
        }
    }

    fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "type": kind,
            "challenge": challenge,
            "origin": self.origin,
            "crossOrigin": false,
        }))
        .unwrap()
    }

    /// The COSE_Key (EC2, ES256, P-256) of the public key.
    fn cose_key(&self) -> Vec<u8> {
        let point = self.key.verifying_key().to_encoded_point(false);
        let mut out = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21];
        cbor_bytes(point.x().unwrap(), &mut out);
        out.push(0x22);
        cbor_bytes(point.y().unwrap(), &mut out);
        out
    }

    fn auth_data(&self, rp_id: &str, flags: u8, attested: bool) -> Vec<u8> {
        let mut d = Sha256::digest(rp_id.as_bytes()).to_vec();
        d.push(flags);
        d.extend(self.counter.to_be_bytes());
        if attested {
            d.extend([0u8; 16]);
            d.extend((self.credential_id.len() as u16).to_be_bytes());
            d.extend(&self.credential_id);
            d.extend(self.cose_key());
        }
        d
    }

    /// `navigator.credentials.create(options)`: a new credential (user present and
    /// verified), attestation "none".
    pub fn create(&mut self, options: &Value) -> Value {
        let pk = &options["publicKey"];
        let rp_id = pk["rp"]["id"].as_str().unwrap();
        self.user_handle = unb64(pk["user"]["id"].as_str().unwrap());
        let client_data = self.client_data("webauthn.create", pk["challenge"].as_str().unwrap());
        let auth_data = self.auth_data(rp_id, 0x01 | 0x04 | 0x40, true);
        let mut att = vec![0xa3];
        cbor_text("fmt", &mut att);
        cbor_text("none", &mut att);
        cbor_text("attStmt", &mut att);
        att.push(0xa0);
        cbor_text("authData", &mut att);
        cbor_bytes(&auth_data, &mut att);
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(&client_data),
                "attestationObject": b64(&att),
                "transports": ["internal"],
            },
            "extensions": {},
        })
    }

    /// `navigator.credentials.get(options)`: an assertion, the counter moved on.
    pub fn get(&mut self, options: &Value) -> Value {
        let pk = &options["publicKey"];
        let allowed = pk["allowCredentials"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            allowed.is_empty()
                || allowed
                    .iter()
                    .any(|c| unb64(c["id"].as_str().unwrap()) == self.credential_id),
            "this authenticator's credential is not allowed: {options}"
        );
        self.counter += 1;
        let rp_id = pk["rpId"].as_str().unwrap();
        let client_data = self.client_data("webauthn.get", pk["challenge"].as_str().unwrap());
        let auth_data = self.auth_data(rp_id, 0x01 | 0x04, false);
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(&client_data));
        let sig: Signature = self.key.sign(&signed);
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "response": {
                "authenticatorData": b64(&auth_data),
                "clientDataJSON": b64(&client_data),
                "signature": b64(sig.to_der().as_bytes()),
                "userHandle": b64(&self.user_handle),
            },
            "extensions": {},
        })
    }
}

/// The public URL on `localhost` (an IP address cannot host passkeys).
fn on_localhost(c: &mut ServerConfig) {
    c.public_url = c
        .public_url
        .as_ref()
        .map(|u| u.replace("127.0.0.1", "localhost"));
}

fn origin_of(base: &str) -> String {
    base.replace("127.0.0.1", "localhost")
}

/// Registers a passkey for the holder of `token`: the method as answered.
async fn register_passkey(app: &TestApp, token: &str, auth: &mut SoftPasskey) -> Value {
    let opts = app
        .post(
            "/api/v1/me/authentication-methods/passkey/options",
            token,
            json!({}),
        )
        .await;
    assert_eq!(opts.headers().get("cache-control").unwrap(), "no-store");
    let opts = json_with(opts, 200).await;
    let credential = auth.create(&opts["options"]);
    let resp = app
        .post(
            "/api/v1/me/authentication-methods/passkey",
            token,
            json!({"ceremony": opts["ceremony"], "credential": credential, "name": "Laptop"}),
        )
        .await;
    json_with(resp, 201).await
}

/// The HTML attribute value `name="..."` of the first element that has it.
fn attribute(html: &str, name: &str) -> String {
    let marker = format!("{name}=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..start + html[start..].find('"').unwrap()]
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The page's passkey options (as `navigator.credentials.get` gets them).
fn passkey_options(html: &str) -> Value {
    serde_json::from_str(&attribute(html, "data-options")).unwrap()
}

/// Posts the page's passkey form with `assertion`.
async fn post_passkey(
    b: &mut Browser,
    server: &impl Server,
    html: &str,
    assertion: &Value,
) -> reqwest::Response {
    let ceremony = field(html, "passkey");
    post_page_form(
        b,
        server,
        "/oauth2/passkey",
        html,
        &[
            ("passkey", ceremony.as_str()),
            ("credential", &assertion.to_string()),
        ],
    )
    .await
}

/// The claims of a JWT (not verified: the OpenID tests verify signatures).
fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// Opens the hosted page for `rp` on `server`: (browser, page, PKCE verifier).
async fn open_page(server: &impl Server, rp: &Rp) -> (Browser, String, String) {
    let (verifier, challenge) = pkce();
    let url = crate::oidc::authorize_url(server, &rp.client_id, &challenge, &[]);
    let mut b = Browser::new();
    let page = b.get(server, &url).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    (b, html, verifier)
}

#[tokio::test]
async fn a_passkey_is_registered_listed_and_signs_in_alone_with_amr_and_auth_time() {
    let app = TestApp::spawn_with(on_localhost).await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let id = app.create_user(&admin, STAFF, "Tom Baker").await;
    let token = app.token(STAFF, USER_PASSWORD).await;
    let mut auth = SoftPasskey::new(&origin_of(&app.address));

    let opts = json_with(
        app.post(
            "/api/v1/me/authentication-methods/passkey/options",
            &token,
            json!({}),
        )
        .await,
        200,
    )
    .await;
    let pk = &opts["options"]["publicKey"];
    assert_eq!(pk["rp"]["id"], "localhost");
    assert_eq!(pk["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(pk["authenticatorSelection"]["userVerification"], "required");
    assert_eq!(pk["user"]["name"], STAFF);
    let m = register_passkey(&app, &token, &mut auth).await;
    assert_eq!(m["kind"], "passkey");
    assert_eq!(m["name"], "Laptop");

    // The same credential again is refused (and excluded from new options).
    let opts = json_with(
        app.post(
            "/api/v1/me/authentication-methods/passkey/options",
            &token,
            json!({}),
        )
        .await,
        200,
    )
    .await;
    let excluded = opts["options"]["publicKey"]["excludeCredentials"]
        .as_array()
        .unwrap();
    assert_eq!(excluded.len(), 1);
    let again = auth.create(&opts["options"]);
    let resp = app
        .post(
            "/api/v1/me/authentication-methods/passkey",
            &token,
            json!({"ceremony": opts["ceremony"], "credential": again}),
        )
        .await;
    assert!(
        [409, 422].contains(&resp.status().as_u16()),
        "{}",
        resp.status()
    );

    let mine = app
        .get_ok("/api/v1/me/authentication-methods", &token)
        .await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert_eq!(mine["items"][0]["kind"], "passkey");
    let managed = app
        .get_ok(
            &format!("/api/v1/users/{id}/authentication-methods"),
            &admin,
        )
        .await;
    assert_eq!(managed["items"][0]["kind"], "passkey");
    assert!(!managed.to_string().contains("credential"), "{managed}");

    // The page's one inline script is allowed by its hash, and nothing looser.
    let (_, challenge) = pkce();
    let url = crate::oidc::authorize_url(&app, &rp.client_id, &challenge, &[]);
    let resp = Browser::new().get(&app, &url).await;
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let page = resp.text().await.unwrap();
    let start = page.find("<script>").unwrap() + "<script>".len();
    let script = &page[start..start + page[start..].find("</script>").unwrap()];
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script));
    assert!(
        csp.contains(&format!("script-src 'sha256-{hash}'")),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline") && csp.contains("form-action 'self'"));
    assert!(
        page.contains("id=\"passkey-area\" hidden"),
        "hidden without the script"
    );

    // Usernameless on the hosted page: the button, then straight to the application.
    let (mut b, html, verifier) = open_page(&app, &rp).await;
    assert!(html.contains("Sign in with a passkey"), "{html}");
    let options = passkey_options(&html);
    assert_eq!(options["publicKey"]["allowCredentials"], json!([]));
    let assertion = auth.get(&options);
    let resp = post_passkey(&mut b, &app, &html, &assertion).await;
    let q = location_query(&resp);
    assert!(b.has_session());
    let t = json_with(exchange(&app, &rp, &q["code"], &verifier).await, 200).await;
    let idt = claims(t["id_token"].as_str().unwrap());
    assert_eq!(idt["amr"], json!(["hwk", "user", "mfa"]));
    assert_eq!(idt["sub"], id);
    let now = chrono::Utc::now().timestamp();
    assert!(
        (now - idt["auth_time"].as_i64().unwrap()).abs() < 60,
        "{idt}"
    );
    assert_eq!(
        claims(t["access_token"].as_str().unwrap())["amr"],
        json!(["hwk", "user", "mfa"])
    );

    // The same assertion again, on the same form: refused (the challenge is spent).
    let replay = post_passkey(&mut b, &app, &html, &assertion).await;
    assert_eq!(replay.status(), 200);
    assert!(replay.text().await.unwrap().contains(REFUSED));
    // The same assertion on a new page: its challenge is not this page's.
    let (mut b2, html2, _) = open_page(&app, &rp).await;
    let stale = post_passkey(&mut b2, &app, &html2, &assertion).await;
    assert_eq!(stale.status(), 200);
    assert!(stale.text().await.unwrap().contains(REFUSED));
    // A counter that did not move on (a cloned authenticator) is refused too.
    auth.counter -= 1;
    let (mut b3, html3, _) = open_page(&app, &rp).await;
    let cloned = auth.get(&passkey_options(&html3));
    let resp = post_passkey(&mut b3, &app, &html3, &cloned).await;
    assert_eq!(
        resp.status(),
        200,
        "a cloned authenticator's counter is refused"
    );

    let mine = app
        .get_ok("/api/v1/me/authentication-methods", &token)
        .await;
    assert!(mine["items"][0]["last_used_at"].is_string(), "{mine}");
    assert_eq!(app.audit_count("Register passkey", "success").await, 1);
    let audit = app.audit_dump().await;
    assert!(audit.contains("Passkey (Laptop)"), "{audit}");
    let challenge = options["publicKey"]["challenge"].as_str().unwrap();
    assert!(!audit.contains(challenge), "no challenge in the audit");
    assert!(!audit.contains(&field(&html, "passkey")), "no ceremony");
    app.assert_audit_chain_valid().await;
}

#[tokio::test]
async fn another_origin_is_refused_for_registration_and_sign_in() {
    let app = TestApp::spawn_with(on_localhost).await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    app.create_user(&admin, STAFF, "Tom Baker").await;
    let token = app.token(STAFF, USER_PASSWORD).await;

    let mut phished = SoftPasskey::new("http://localhost.evil.example");
    let opts = json_with(
        app.post(
            "/api/v1/me/authentication-methods/passkey/options",
            &token,
            json!({}),
        )
        .await,
        200,
    )
    .await;
    let credential = phished.create(&opts["options"]);
    let resp = app
        .post(
            "/api/v1/me/authentication-methods/passkey",
            &token,
            json!({"ceremony": opts["ceremony"], "credential": credential}),
        )
        .await;
    let body = assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "credential");

    // A ceremony is the caller's own: another user's token cannot finish it.
    let mut auth = SoftPasskey::new(&origin_of(&app.address));
    register_passkey(&app, &token, &mut auth).await;
    auth.origin = "http://evil.example".to_owned();
    let (mut b, html, _) = open_page(&app, &rp).await;
    let assertion = auth.get(&passkey_options(&html));
    let resp = post_passkey(&mut b, &app, &html, &assertion).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().contains(REFUSED));
    assert!(!b.has_session());
    assert!(app.audit_count("Sign-in", "failure").await >= 1);
}

#[tokio::test]
async fn a_removed_passkey_and_a_disabled_account_no_longer_sign_in() {
    let app = TestApp::spawn_with(on_localhost).await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    app.create_user(&admin, STAFF, "Tom Baker").await;
    let token = app.token(STAFF, USER_PASSWORD).await;
    let mut auth = SoftPasskey::new(&origin_of(&app.address));
    let m = register_passkey(&app, &token, &mut auth).await;

    // Removed by its owner (passkeys only: a recent sign-in is the proof).
    let resp = app
        .request(
            reqwest::Method::DELETE,
            &format!(
                "/api/v1/me/authentication-methods/{}",
                m["id"].as_str().unwrap()
            ),
            Some(&token),
        )
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(app.audit_count("Remove passkey", "success").await, 1);
    let (mut b, html, _) = open_page(&app, &rp).await;
    let resp = post_passkey(&mut b, &app, &html, &auth.get(&passkey_options(&html))).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().contains(REFUSED));
    assert!(!b.has_session());

    // Disabled: refused in words.
    let ines = "ines.diaz@contoso.example";
    let id = app.create_user(&admin, ines, "Ines Diaz").await;
    let token = app.token(ines, USER_PASSWORD).await;
    let mut auth = SoftPasskey::new(&origin_of(&app.address));
    register_passkey(&app, &token, &mut auth).await;
    let resp = app
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(&admin),
        )
        .json(&json!({"account_enabled": false}))
        .send()
        .await
        .unwrap();
    json_with(resp, 200).await;
    let (mut b, html, _) = open_page(&app, &rp).await;
    let resp = post_passkey(&mut b, &app, &html, &auth.get(&passkey_options(&html))).await;
    assert_eq!(resp.status(), 200);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("This account is turned off"));
    assert!(!b.has_session());
    assert!(app.audit_dump().await.contains("account_disabled"));
}

#[tokio::test]
async fn after_a_password_the_passkey_is_the_second_step() {
    let app = TestApp::spawn_with(on_localhost).await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    app.create_user(&admin, STAFF, "Tom Baker").await;
    let token = app.token(STAFF, USER_PASSWORD).await;
    let mut auth = SoftPasskey::new(&origin_of(&app.address));
    register_passkey(&app, &token, &mut auth).await;

    let (verifier, challenge) = pkce();
    let url = crate::oidc::authorize_url(&app, &rp.client_id, &challenge, &[]);
    let mut b = Browser::new();
    let resp = sign_in_page(&mut b, &app, &url, STAFF, USER_PASSWORD).await;
    assert_eq!(resp.status(), 200, "a second step, not a redirect");
    let html = resp.text().await.unwrap();
    assert!(html.contains("Use your passkey"), "{html}");
    assert!(
        !html.contains("name=\"code\""),
        "no authenticator app, no code field"
    );
    let options = passkey_options(&html);
    assert_eq!(
        options["publicKey"]["allowCredentials"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Someone else's passkey does not pass for Tom's second step.
    let other_token = {
        app.create_user(&admin, "ines.diaz@contoso.example", "Ines Diaz")
            .await;
        app.token("ines.diaz@contoso.example", USER_PASSWORD).await
    };
    let mut other = SoftPasskey::new(&origin_of(&app.address));
    register_passkey(&app, &other_token, &mut other).await;
    let mut unrestricted = options.clone();
    unrestricted["publicKey"]["allowCredentials"] = json!([]);
    let resp = post_passkey(&mut b, &app, &html, &other.get(&unrestricted)).await;
    assert_eq!(resp.status(), 200);
    let again = resp.text().await.unwrap();
    assert!(again.contains(REFUSED), "{again}");

    let resp = post_passkey(&mut b, &app, &again, &auth.get(&passkey_options(&again))).await;
    let q = location_query(&resp);
    let t = json_with(exchange(&app, &rp, &q["code"], &verifier).await, 200).await;
    assert_eq!(
        claims(t["id_token"].as_str().unwrap())["amr"],
        json!(["pwd", "hwk", "user", "mfa"])
    );
    // A password alone no longer gets an API token.
    let refused = crate::reset::sign_in(&app, STAFF, USER_PASSWORD).await;
    assert_problem(refused, 403, "mfa_required").await;
}

#[tokio::test]
async fn an_ip_address_public_url_cannot_host_passkeys() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let resp = app
        .post(
            "/api/v1/me/authentication-methods/passkey/options",
            &admin,
            json!({}),
        )
        .await;
    assert_problem(resp, 409, "passkeys_unavailable").await;
    let (_, html, _) = open_page(&app, &rp).await;
    assert!(!html.contains("passkey"), "no passkey button: {html}");
}

/// A second server on `app`'s database (a replica with its own settings), at
/// `http://localhost:PORT`.
async fn replica(app: &TestApp, adjust: impl FnOnce(&mut ServerConfig)) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut cfg = ServerConfig::for_tests();
    cfg.public_url = Some(format!("http://localhost:{port}"));
    adjust(&mut cfg);
    let store_cfg = openstaff::config::StoreConfig {
        database_url: app.database_url.clone(),
        read_connections: 2,
    };
    let state = openstaff::app::state(&store_cfg, &cfg, openstaff::state::ClockAndIds::system())
        .await
        .unwrap();
    tokio::spawn(openstaff::app::server(state, &cfg, listener).unwrap());
    format!("http://127.0.0.1:{port}")
}

#[tokio::test]
async fn under_admin_mfa_required_a_passkey_alone_is_enough_for_an_admin() {
    // Set up with the policy off, then sign in on a replica that requires it.
    let app = TestApp::spawn_with(on_localhost).await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let unit = app.create_unit(&admin, "Store 12", false).await;
    let (_, token) = app
        .staff_with_role(
            &admin,
            "gina.store@contoso.example",
            "Gina Store",
            "helpdesk_administrator",
            Some(&unit),
        )
        .await;
    let strict = replica(&app, |c| c.policy.admin_mfa = AdminMfa::Required).await;
    let mut auth = SoftPasskey::new(&origin_of(&app.address));
    register_passkey(&app, &token, &mut auth).await;
    // The same relying party (localhost) at the replica's origin.
    auth.origin = origin_of(&strict);

    let (mut b, html, verifier) = open_page(&strict, &rp).await;
    let resp = post_passkey(&mut b, &strict, &html, &auth.get(&passkey_options(&html))).await;
    let q = location_query(&resp);
    let t = json_with(exchange(&strict, &rp, &q["code"], &verifier).await, 200).await;
    assert_eq!(
        claims(t["access_token"].as_str().unwrap())["amr"],
        json!(["hwk", "user", "mfa"])
    );
    // The session meets the policy: the next sign-in is single sign-on.
    let (_, challenge) = pkce();
    let again = b
        .get(
            &strict,
            &crate::oidc::authorize_url(&strict, &rp.client_id, &challenge, &[]),
        )
        .await;
    assert_eq!(again.status(), 303, "single sign-on, no new prompt");
    // Her password alone is refused by the API there.
    let refused = reqwest::Client::new()
        .post(format!("{strict}/api/v1/auth/token"))
        .json(&json!({"username": "gina.store@contoso.example", "password": USER_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_problem(refused, 403, "mfa_required").await;
}

/// Issue 13's story, whole: Tom lost the phone with his authenticator app. His
/// manager removes it and gives him a Temporary Access Pass; he signs in to My
/// account with the pass, adds a passkey, and the next day signs in with the passkey
/// alone. The pass is spent.
#[tokio::test]
async fn a_staff_member_who_lost_her_phone_is_back_with_a_pass_then_a_passkey() {
    let (app, clock) = TestApp::spawn_with_clock(on_localhost).await;
    let issuer = origin_of(&app.address);
    let admin = app.admin_token().await;
    let (rp, staff, manager, _) = crate::recovery::store_with_app(&app, &clock, &admin).await;

    // The manager removes the lost app and issues a pass.
    let resp = crate::recovery::reregister(&app, &manager, &staff).await;
    assert_eq!(resp.status(), 204, "{}", resp.text().await.unwrap());
    let pass = json_with(
        crate::recovery::issue(&app, &manager, &staff, json!({})).await,
        201,
    )
    .await;
    let pass = pass["pass"].as_str().unwrap().to_owned();

    // He signs in to My account with it, and adds a passkey there.
    let t = crate::first_party::web_app_tokens_at(&app, &issuer, STAFF, &pass).await;
    assert_eq!(
        claims(t["id_token"].as_str().unwrap())["amr"],
        json!(["otp", "mfa"])
    );
    let mut phone = SoftPasskey::new(&issuer);
    let token = t["access_token"].as_str().unwrap();
    let method = register_passkey(&app, token, &mut phone).await;
    assert_eq!(method["kind"], "passkey");
    let mine = app.get_ok("/api/v1/me/authentication-methods", token).await;
    let kinds: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["passkey"], "the lost app is gone, the pass spent");

    // The next day: the passkey alone, no name, no password, no code.
    clock.advance(std::time::Duration::from_secs(24 * 3600));
    let (mut b, html, verifier) = open_page(&app, &rp).await;
    let resp = post_passkey(&mut b, &app, &html, &phone.get(&passkey_options(&html))).await;
    let q = location_query(&resp);
    let t = json_with(exchange(&app, &rp, &q["code"], &verifier).await, 200).await;
    let id = claims(t["id_token"].as_str().unwrap());
    assert_eq!(id["amr"], json!(["hwk", "user", "mfa"]));
    assert_eq!(id["auth_time"].as_i64(), Some(clock.now().timestamp()));
    assert_eq!(id["sub"], staff);

    // The pass no longer works: it is a wrong password now.
    let (resp, _) = crate::recovery::hosted(&app, &rp, STAFF, &pass).await;
    assert_eq!(resp.status(), 200);
    let page = resp.text().await.unwrap();
    assert!(page.contains("don&#39;t match"), "{page}");
    assert!(!page.contains(&pass), "the pass is not echoed");

    let dump = app.audit_dump().await;
    assert!(!dump.contains(&pass) && !dump.contains(&pass.replace('-', "")));
    assert_eq!(app.audit_count("Register passkey", "success").await, 1);
    app.assert_audit_chain_valid().await;
}
