//! The OpenID Connect provider against the real server: a small relying party and a
//! small "browser" (cookies by hand, no redirects followed) drive discovery, the
//! hosted sign-in page, the token endpoint, userinfo, revocation and logout, and
//! above all the ways they must refuse.

use crate::helpers::{json_as, json_with, TestApp, ADMIN_PASSWORD, ADMIN_UPN, USER_PASSWORD};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::Duration;

pub const REDIRECT: &str = "http://127.0.0.1:9/callback";
const LOGOUT_TO: &str = "http://127.0.0.1:9/signed-out";

/// A registered application as the relying party knows it.
pub struct Rp {
    pub client_id: String,
    pub secret: Option<String>,
}

pub async fn register(app: &TestApp, admin: &str, body: Value) -> Rp {
    let resp = app.post("/api/v1/applications", admin, body).await;
    assert_eq!(
        resp.headers().get("cache-control").unwrap(),
        "no-store",
        "the secret is never cached"
    );
    let v = json_with(resp, 201).await;
    Rp {
        client_id: v["client_id"].as_str().unwrap().to_owned(),
        secret: v["client_secret"].as_str().map(str::to_owned),
    }
}

pub async fn register_rota(app: &TestApp, admin: &str) -> Rp {
    register(
        app,
        admin,
        json!({
            "display_name": "Rota",
            "start_url": "https://rota.contoso.example/",
            "redirect_uris": [REDIRECT],
            "post_logout_redirect_uris": [LOGOUT_TO],
        }),
    )
    .await
}

/// A browser: keeps cookies, never follows redirects.
pub struct Browser {
    cookies: HashMap<String, String>,
    client: reqwest::Client,
}

/// Where a browser or relying party reaches the server: a test app, or a replica.
pub trait Server {
    fn base(&self) -> String;
}

impl Server for TestApp {
    fn base(&self) -> String {
        self.address.clone()
    }
}

impl Server for String {
    fn base(&self) -> String {
        self.clone()
    }
}

impl Browser {
    pub fn new() -> Self {
        Browser {
            cookies: HashMap::new(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_idle_timeout(std::time::Duration::from_secs(3))
                .build()
                .unwrap(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, resp: &Response) {
        for v in resp.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let pair = v.split(';').next().unwrap();
            let (k, val) = pair.split_once('=').unwrap();
            if val.is_empty() || v.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), val.to_owned());
            }
        }
    }

    pub async fn get(&mut self, _app: &impl Server, url: &str) -> Response {
        let resp = self
            .client
            .get(url)
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(&resp);
        resp
    }

    pub async fn post_form(
        &mut self,
        app: &impl Server,
        path: &str,
        form: &[(&str, &str)],
    ) -> Response {
        let resp = self
            .client
            .post(format!("{}{path}", app.base()))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep(&resp);
        resp
    }

    pub fn has_session(&self) -> bool {
        self.cookies.contains_key("openstaff_session")
    }
}

/// PKCE: (verifier, S256 challenge).
pub fn pkce() -> (String, String) {
    let verifier = format!(
        "{}{}",
        uuid::Uuid::now_v7().simple(),
        uuid::Uuid::now_v7().simple()
    );
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

pub fn authorize_url(
    app: &impl Server,
    client_id: &str,
    challenge: &str,
    extra: &[(&str, &str)],
) -> String {
    let mut u = url::Url::parse(&format!("{}/oauth2/authorize", app.base())).unwrap();
    {
        let mut q = u.query_pairs_mut();
        q.append_pair("client_id", client_id)
            .append_pair("redirect_uri", REDIRECT)
            .append_pair("response_type", "code")
            .append_pair("scope", "openid profile email offline_access")
            .append_pair("state", "st-123")
            .append_pair("nonce", "n-456")
            .append_pair("code_challenge", challenge)
            .append_pair("code_challenge_method", "S256");
        for (k, v) in extra {
            q.append_pair(k, v);
        }
    }
    u.to_string()
}

/// A hidden field of the hosted page's form.
pub fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

/// Posts one of the hosted page's forms as a browser does: the page's own hidden
/// fields (`request`, `csrf`) with `fields`.
pub async fn post_page_form(
    b: &mut Browser,
    app: &impl Server,
    path: &str,
    page: &str,
    fields: &[(&str, &str)],
) -> Response {
    let (request, csrf) = (field(page, "request"), field(page, "csrf"));
    let mut form = vec![("request", request.as_str()), ("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    b.post_form(app, path, &form).await
}

/// The forced change's form, new password typed twice (`confirm` the second time).
async fn change_on_page(
    b: &mut Browser,
    app: &impl Server,
    page: &str,
    new: &str,
    confirm: &str,
) -> Response {
    post_page_form(
        b,
        app,
        "/oauth2/change-password",
        page,
        &[("new_password", new), ("confirm_password", confirm)],
    )
    .await
}

/// A manager's reset of `user` (by `admin`): the temporary password.
async fn temporary_password(app: &TestApp, admin: &str, user: &str) -> String {
    let reset = app
        .post(
            &format!("/api/v1/users/{user}/reset-password"),
            admin,
            json!({}),
        )
        .await;
    json_with(reset, 200).await["temporary_password"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `PATCH /api/v1/applications/{id}` as `admin`; the answer's body.
async fn patch_application(app: &TestApp, admin: &str, id: &str, body: Value) -> Value {
    json_with(
        app.client
            .patch(app.url(&format!("/api/v1/applications/{id}")))
            .bearer_auth(admin)
            .json(&body)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await
}

/// The query of a redirect's `Location`.
pub fn location_query(resp: &Response) -> HashMap<String, String> {
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "expected a redirect");
    let loc = resp.headers().get("location").unwrap().to_str().unwrap();
    let u = url::Url::parse(loc).unwrap();
    u.query_pairs().into_owned().collect()
}

fn location(resp: &Response) -> String {
    resp.headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

/// Signs in on the hosted page: the page, then the form; answers the last response.
pub async fn sign_in_page(
    b: &mut Browser,
    app: &impl Server,
    url: &str,
    upn: &str,
    password: &str,
) -> Response {
    let page = b.get(app, url).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<label for=\"username\">Sign-in name</label>"),
        "{html}"
    );
    assert!(html.contains("<label for=\"password\">Password</label>"));
    post_page_form(
        b,
        app,
        "/oauth2/sign-in",
        &html,
        &[("username", upn), ("password", password)],
    )
    .await
}

/// Authorization through the hosted page up to the code.
pub async fn code_for(
    b: &mut Browser,
    app: &impl Server,
    rp: &Rp,
    upn: &str,
    password: &str,
) -> (String, String) {
    let (verifier, challenge) = pkce();
    let url = authorize_url(app, &rp.client_id, &challenge, &[]);
    let resp = sign_in_page(b, app, &url, upn, password).await;
    let q = location_query(&resp);
    assert_eq!(q.get("state").map(String::as_str), Some("st-123"));
    assert_eq!(q.get("iss").map(String::as_str), Some(app.base().as_str()));
    (q["code"].clone(), verifier)
}

pub async fn token_request(app: &impl Server, rp: &Rp, form: &[(&str, &str)]) -> Response {
    let mut req = reqwest::Client::new()
        .post(format!("{}/oauth2/token", app.base()))
        .form(form);
    if let Some(s) = &rp.secret {
        req = req.basic_auth(&rp.client_id, Some(s));
    }
    req.send().await.unwrap()
}

pub async fn exchange(app: &impl Server, rp: &Rp, code: &str, verifier: &str) -> Response {
    token_request(
        app,
        rp,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
            ("client_id", &rp.client_id),
        ],
    )
    .await
}

pub async fn refresh(app: &impl Server, rp: &Rp, token: &str) -> Response {
    token_request(
        app,
        rp,
        &[("grant_type", "refresh_token"), ("refresh_token", token)],
    )
    .await
}

pub async fn oauth_error(resp: Response, status: u16, error: &str) -> Value {
    assert_eq!(resp.status().as_u16(), status);
    assert_eq!(resp.headers().get("cache-control").unwrap(), "no-store");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"], error, "{v}");
    v
}

pub async fn userinfo(app: &impl Server, access: &str) -> Response {
    reqwest::Client::new()
        .get(format!("{}/oauth2/userinfo", app.base()))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
}

/// Verifies an ID token's signature against the published JWKS: RS256 (the default)
/// or EdDSA, as the application asked; the header must name that algorithm.
async fn verify_id_token_as(app: &TestApp, rp: &Rp, id_token: &str, alg: Algorithm) -> Value {
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    assert_eq!(header.alg, alg);
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    let jwks: Value = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header.kid.clone().unwrap().as_str())
        .expect("the ID token's key is published")
        .clone();
    assert!(jwk.get("d").is_none(), "no private part is published");
    let key = match alg {
        Algorithm::RS256 => {
            assert_eq!(jwk["kty"], "RSA");
            DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
                .unwrap()
        }
        Algorithm::EdDSA => {
            assert_eq!(
                (&jwk["kty"], &jwk["crv"]),
                (&json!("OKP"), &json!("Ed25519"))
            );
            DecodingKey::from_ed_components(jwk["x"].as_str().unwrap()).unwrap()
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(jwk["alg"], format!("{alg:?}"));
    let mut v = Validation::new(alg);
    v.set_audience(&[&rp.client_id]);
    v.set_issuer(&[&app.address]);
    jsonwebtoken::decode::<Value>(id_token, &key, &v)
        .unwrap()
        .claims
}

async fn verify_id_token(app: &TestApp, rp: &Rp, id_token: &str) -> Value {
    verify_id_token_as(app, rp, id_token, Algorithm::RS256).await
}

#[tokio::test]
async fn discovery_says_exactly_what_is_supported_and_jwks_publishes_both_keys() {
    let app = TestApp::spawn().await;
    let d: Value = json_with(
        app.client
            .get(app.url("/.well-known/openid-configuration"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(d["issuer"], app.address.as_str());
    assert_eq!(d["authorization_endpoint"], app.url("/oauth2/authorize"));
    assert_eq!(d["token_endpoint"], app.url("/oauth2/token"));
    assert_eq!(d["jwks_uri"], app.url("/.well-known/jwks.json"));
    assert_eq!(d["response_types_supported"], json!(["code"]));
    assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(
        d["id_token_signing_alg_values_supported"],
        json!(["RS256", "EdDSA"])
    );
    assert_eq!(
        d["token_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post", "none"])
    );
    assert_eq!(
        d["scopes_supported"],
        json!(["openid", "profile", "email", "offline_access"])
    );
    for k in [
        "end_session_endpoint",
        "revocation_endpoint",
        "userinfo_endpoint",
    ] {
        assert!(d[k].as_str().unwrap().starts_with(&app.address), "{k}");
    }
    let jwks: Value = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let algs: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["alg"].as_str().unwrap())
        .collect();
    assert!(
        algs.contains(&"EdDSA") && algs.contains(&"RS256"),
        "{algs:?}"
    );
}

#[tokio::test]
async fn applications_are_managed_by_global_admins_and_validated() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, ursula) = app
        .staff_with_role(
            &admin,
            "ursula@contoso.example",
            "Ursula",
            "user_administrator",
            None,
        )
        .await;
    let refused = app
        .post(
            "/api/v1/applications",
            &ursula,
            json!({"display_name": "Till", "redirect_uris": ["https://till.example/cb"]}),
        )
        .await;
    crate::helpers::assert_problem(refused, 403, "application_admin_required").await;
    assert_eq!(app.audit_count("Add application", "failure").await, 1);

    let bad = app
        .post(
            "/api/v1/applications",
            &admin,
            json!({"display_name": "Till", "redirect_uris": ["http://till.example/cb"]}),
        )
        .await;
    let body = crate::helpers::assert_problem(bad, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["code"], "invalid_redirect_uri");

    let rp = register_rota(&app, &admin).await;
    let secret = rp
        .secret
        .clone()
        .expect("a confidential application has a secret");
    assert!(secret.len() >= 43);
    let listed = app.get_ok("/api/v1/applications", &admin).await;
    assert_eq!(listed["items"][0]["client_id"], rp.client_id.as_str());
    assert!(
        !listed.to_string().contains(&secret),
        "the secret is shown once"
    );

    let patched = patch_application(
        &app,
        &admin,
        &rp.client_id,
        json!({"display_name": "Rota 2"}),
    )
    .await;
    assert_eq!(patched["display_name"], "Rota 2");

    let rotated = json_with(
        app.post(
            &format!("/api/v1/applications/{}/secret", rp.client_id),
            &admin,
            json!({}),
        )
        .await,
        200,
    )
    .await;
    let new_secret = rotated["client_secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    // The old secret no longer authenticates.
    let old = Rp {
        client_id: rp.client_id.clone(),
        secret: Some(secret.clone()),
    };
    let r = refresh(&app, &old, "whatever").await;
    oauth_error(r, 401, "invalid_client").await;

    let public = register(
        &app,
        &admin,
        json!({"display_name": "Phone app", "client_type": "public", "redirect_uris": ["http://[::1]:7/cb"]}),
    )
    .await;
    assert!(public.secret.is_none());

    let del = app
        .delete(&format!("/api/v1/applications/{}", rp.client_id), &admin)
        .await;
    assert_eq!(del.status(), 204);
    assert_eq!(app.audit_count("Add application", "success").await, 2);
    assert_eq!(app.audit_count("Update application", "success").await, 2);
    assert_eq!(app.audit_count("Delete application", "success").await, 1);
    let dump = app.audit_dump().await;
    assert!(!dump.contains(&secret) && !dump.contains(&new_secret));
    app.assert_audit_chain_valid().await;
}

#[tokio::test]
async fn an_unknown_client_or_unregistered_redirect_uri_gets_a_page_never_a_redirect() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let (_, challenge) = pkce();
    let mut b = Browser::new();
    let url = authorize_url(&app, &rp.client_id, &challenge, &[]);
    for bad in [
        url.replace(
            &urlencode(REDIRECT),
            &urlencode("https://evil.example/callback"),
        ),
        url.replace(
            &urlencode(REDIRECT),
            &urlencode("http://127.0.0.1:9/callback/"),
        ),
        url.replace(&rp.client_id, "0190b5a8-7c3e-7a11-8000-0123456789ab"),
    ] {
        let resp = b.get(&app, &bad).await;
        assert_eq!(resp.status(), 400, "{bad}");
        assert!(resp.headers().get("location").is_none());
        let html = resp.text().await.unwrap();
        assert!(html.contains("role=\"alert\""));
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn the_full_flow_issues_verifiable_tokens_and_refresh_rotates() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let mut b = Browser::new();
    let (code, verifier) = code_for(&mut b, &app, &rp, ADMIN_UPN, ADMIN_PASSWORD).await;
    assert!(b.has_session());
    let resp = exchange(&app, &rp, &code, &verifier).await;
    assert_eq!(resp.headers().get("cache-control").unwrap(), "no-store");
    let t: Value = json_with(resp, 200).await;
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["scope"], "openid profile email offline_access");
    let claims = verify_id_token(&app, &rp, t["id_token"].as_str().unwrap()).await;
    let me = app.me(&admin).await;
    assert_eq!(claims["sub"], me.id.to_string());
    assert_eq!(claims["nonce"], "n-456");
    assert_eq!(claims["amr"], json!(["pwd"]));
    assert_eq!(claims["preferred_username"], ADMIN_UPN);
    assert_eq!(claims["name"], "Avery Admin");
    assert!(claims["auth_time"].as_u64().is_some() && claims["sid"].as_str().is_some());

    let access = t["access_token"].as_str().unwrap();
    // An application's access token is not an OpenStaff API token.
    let api = app.get("/api/v1/me", access).await;
    assert_eq!(api.status(), 401);
    // Nor is an ID token an access token, anywhere.
    let id_token = t["id_token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/me", id_token).await.status(), 401);
    assert_eq!(userinfo(&app, id_token).await.status(), 401);
    let info: Value = json_with(userinfo(&app, access).await, 200).await;
    assert_eq!(info["sub"], me.id.to_string());
    assert_eq!(info["preferred_username"], ADMIN_UPN);

    // Refresh rotates; the rotated token presented again revokes the whole family.
    let first = t["refresh_token"].as_str().unwrap().to_owned();
    let t2: Value = json_with(refresh(&app, &rp, &first).await, 200).await;
    let second = t2["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    // OpenID Connect Core 12.2: a refresh answer may leave the ID token out, and this
    // one does (the application keeps the one from the code exchange).
    assert!(t2.get("id_token").is_none(), "{t2}");
    assert_eq!(t2["scope"], t["scope"]);
    let info2: Value = json_with(
        userinfo(&app, t2["access_token"].as_str().unwrap()).await,
        200,
    )
    .await;
    assert_eq!(info2["sub"], claims["sub"]);
    oauth_error(refresh(&app, &rp, &first).await, 400, "invalid_grant").await;
    oauth_error(refresh(&app, &rp, &second).await, 400, "invalid_grant").await;
    let gone = userinfo(&app, t2["access_token"].as_str().unwrap()).await;
    assert_eq!(gone.status(), 401);
    assert!(gone
        .headers()
        .get("www-authenticate")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("Bearer"));

    // The sign-in was audited with the application.
    let dump = app.audit_dump().await;
    assert!(
        dump.lines()
            .any(|l| l.starts_with("Sign-in\t") && l.contains(&rp.client_id)),
        "{dump}"
    );
    for secret in [
        code.as_str(),
        first.as_str(),
        second.as_str(),
        rp.secret.as_deref().unwrap(),
    ] {
        assert!(!dump.contains(secret));
    }

    // Single sign-on: a second authorization goes straight back with a code.
    let (_, challenge) = pkce();
    let sso = b
        .get(&app, &authorize_url(&app, &rp.client_id, &challenge, &[]))
        .await;
    assert!(location_query(&sso).contains_key("code"));
}

#[tokio::test]
async fn pkce_is_required_and_checked() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let mut b = Browser::new();
    // No challenge, or a plain one: an error back to the application, with state.
    let url = authorize_url(&app, &rp.client_id, "x", &[]);
    let no_pkce = url.replace("&code_challenge=x&code_challenge_method=S256", "");
    let q = location_query(&b.get(&app, &no_pkce).await);
    assert_eq!(q["error"], "invalid_request");
    assert_eq!(q["state"], "st-123");
    let (_, challenge) = pkce();
    let plain =
        authorize_url(&app, &rp.client_id, &challenge, &[]).replace("method=S256", "method=plain");
    assert_eq!(
        location_query(&b.get(&app, &plain).await)["error"],
        "invalid_request"
    );

    // A missing verifier and a wrong one both fail, and either uses the code up.
    let (code, verifier) = code_for(&mut b, &app, &rp, ADMIN_UPN, ADMIN_PASSWORD).await;
    let missing = token_request(
        &app,
        &rp,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    oauth_error(missing, 400, "invalid_request").await;
    oauth_error(
        exchange(&app, &rp, &code, &verifier).await,
        400,
        "invalid_grant",
    )
    .await;

    let (_, challenge) = pkce();
    let sso = b
        .get(&app, &authorize_url(&app, &rp.client_id, &challenge, &[]))
        .await;
    let code = location_query(&sso)["code"].clone();
    let (wrong, _) = pkce();
    oauth_error(
        exchange(&app, &rp, &code, &wrong).await,
        400,
        "invalid_grant",
    )
    .await;
}

#[tokio::test]
async fn a_reused_code_fails_and_revokes_what_its_first_use_issued() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let mut b = Browser::new();
    let (code, verifier) = code_for(&mut b, &app, &rp, ADMIN_UPN, ADMIN_PASSWORD).await;
    let t: Value = json_with(exchange(&app, &rp, &code, &verifier).await, 200).await;
    let access = t["access_token"].as_str().unwrap();
    assert_eq!(userinfo(&app, access).await.status(), 200);
    oauth_error(
        exchange(&app, &rp, &code, &verifier).await,
        400,
        "invalid_grant",
    )
    .await;
    assert_eq!(userinfo(&app, access).await.status(), 401);
    oauth_error(
        refresh(&app, &rp, t["refresh_token"].as_str().unwrap()).await,
        400,
        "invalid_grant",
    )
    .await;
}

#[tokio::test]
async fn a_wrong_or_missing_client_secret_is_invalid_client() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let mut b = Browser::new();
    let (code, verifier) = code_for(&mut b, &app, &rp, ADMIN_UPN, ADMIN_PASSWORD).await;
    let wrong = Rp {
        client_id: rp.client_id.clone(),
        secret: Some("not-the-secret".to_owned()),
    };
    let r = exchange(&app, &wrong, &code, &verifier).await;
    assert_eq!(
        r.headers().get("www-authenticate").unwrap(),
        "Basic realm=\"openstaff\""
    );
    oauth_error(r, 401, "invalid_client").await;
    // client_secret_post with a wrong secret, and no secret at all for a
    // confidential client.
    let post = app
        .client
        .post(app.url("/oauth2/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
            ("client_id", &rp.client_id),
            ("client_secret", "nope"),
        ])
        .send()
        .await
        .unwrap();
    oauth_error(post, 401, "invalid_client").await;
    let none = Rp {
        client_id: rp.client_id.clone(),
        secret: None,
    };
    oauth_error(
        exchange(&app, &none, &code, &verifier).await,
        401,
        "invalid_client",
    )
    .await;
    // The real secret, by client_secret_post, still works: the code was not used.
    let ok = app
        .client
        .post(app.url("/oauth2/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
            ("client_id", &rp.client_id),
            ("client_secret", rp.secret.as_deref().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn prompt_none_without_a_session_is_login_required() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let (_, challenge) = pkce();
    let mut b = Browser::new();
    let resp = b
        .get(
            &app,
            &authorize_url(&app, &rp.client_id, &challenge, &[("prompt", "none")]),
        )
        .await;
    let q = location_query(&resp);
    assert_eq!(q["error"], "login_required");
    assert_eq!(q["state"], "st-123");
    assert!(!q.contains_key("code"));
}

#[tokio::test]
async fn a_password_reset_ends_provider_sessions_and_refresh_tokens() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let lina = app
        .create_user(&admin, "lina.morel@contoso.example", "Lina Morel")
        .await;
    let mut b = Browser::new();
    let (code, verifier) = code_for(
        &mut b,
        &app,
        &rp,
        "lina.morel@contoso.example",
        USER_PASSWORD,
    )
    .await;
    let t: Value = json_with(exchange(&app, &rp, &code, &verifier).await, 200).await;

    let temp = temporary_password(&app, &admin, &lina).await;

    oauth_error(
        refresh(&app, &rp, t["refresh_token"].as_str().unwrap()).await,
        400,
        "invalid_grant",
    )
    .await;
    assert_eq!(
        userinfo(&app, t["access_token"].as_str().unwrap())
            .await
            .status(),
        401
    );
    let (_, challenge) = pkce();
    let none = b
        .get(
            &app,
            &authorize_url(&app, &rp.client_id, &challenge, &[("prompt", "none")]),
        )
        .await;
    assert_eq!(location_query(&none)["error"], "login_required");

    // Back at work: the temporary password, the forced change on the hosted page,
    // then on to the application.
    let (verifier, challenge) = pkce();
    let url = authorize_url(&app, &rp.client_id, &challenge, &[]);
    let page = sign_in_page(&mut b, &app, &url, "lina.morel@contoso.example", &temp).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Choose a new password"), "{html}");
    // Each answer is a page to go on from, as in a browser.
    let mismatch = change_on_page(
        &mut b,
        &app,
        &html,
        "Orange-Kettle-Meadow-58",
        "Orange-Kettle-Meadow-59",
    )
    .await;
    let html = mismatch.text().await.unwrap();
    assert!(html.contains("role=\"alert\""));
    let weak = change_on_page(&mut b, &app, &html, "short", "short").await;
    let html = weak.text().await.unwrap();
    assert!(html.contains("role=\"alert\""));
    let done = change_on_page(
        &mut b,
        &app,
        &html,
        "Orange-Kettle-Meadow-58",
        "Orange-Kettle-Meadow-58",
    )
    .await;
    let code = location_query(&done)["code"].clone();
    let t: Value = json_with(exchange(&app, &rp, &code, &verifier).await, 200).await;
    assert!(t["id_token"].is_string());
    app.token("lina.morel@contoso.example", "Orange-Kettle-Meadow-58")
        .await;
}

#[tokio::test]
async fn disabling_an_account_ends_its_session() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let id = app.create_user(&admin, "sam@contoso.example", "Sam").await;
    let mut b = Browser::new();
    let (code, verifier) = code_for(&mut b, &app, &rp, "sam@contoso.example", USER_PASSWORD).await;
    let t: Value = json_with(exchange(&app, &rp, &code, &verifier).await, 200).await;
    let r = app
        .client
        .patch(app.url(&format!("/api/v1/users/{id}")))
        .bearer_auth(&admin)
        .json(&json!({"account_enabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    oauth_error(
        refresh(&app, &rp, t["refresh_token"].as_str().unwrap()).await,
        400,
        "invalid_grant",
    )
    .await;
    let (_, challenge) = pkce();
    let none = b
        .get(
            &app,
            &authorize_url(&app, &rp.client_id, &challenge, &[("prompt", "none")]),
        )
        .await;
    assert_eq!(location_query(&none)["error"], "login_required");
}

#[tokio::test]
async fn sessions_end_after_the_idle_timeout_and_codes_after_a_minute() {
    let (app, clock) = TestApp::spawn_with_clock(|_| {}).await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let mut b = Browser::new();
    let (code, verifier) = code_for(&mut b, &app, &rp, ADMIN_UPN, ADMIN_PASSWORD).await;
    clock.advance(Duration::from_secs(61));
    oauth_error(
        exchange(&app, &rp, &code, &verifier).await,
        400,
        "invalid_grant",
    )
    .await;

    // Used within the idle timeout, the session lives on…
    clock.advance(Duration::from_secs(7 * 3600));
    let (_, challenge) = pkce();
    let still = b
        .get(
            &app,
            &authorize_url(&app, &rp.client_id, &challenge, &[("prompt", "none")]),
        )
        .await;
    assert!(location_query(&still).contains_key("code"));
    // …and 8 hours without use end it.
    clock.advance(Duration::from_secs(8 * 3600 + 60));
    let ended = b
        .get(
            &app,
            &authorize_url(&app, &rp.client_id, &challenge, &[("prompt", "none")]),
        )
        .await;
    assert_eq!(location_query(&ended)["error"], "login_required");
}

#[tokio::test]
async fn the_absolute_lifetime_ends_a_session_in_use() {
    let (app, clock) = TestApp::spawn_with_clock(|c| c.session_lifetime_hours = 2).await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let mut b = Browser::new();
    code_for(&mut b, &app, &rp, ADMIN_UPN, ADMIN_PASSWORD).await;
    let (_, challenge) = pkce();
    let url = authorize_url(&app, &rp.client_id, &challenge, &[("prompt", "none")]);
    for _ in 0..3 {
        clock.advance(Duration::from_secs(1800));
        assert!(location_query(&b.get(&app, &url).await).contains_key("code"));
    }
    clock.advance(Duration::from_secs(1801));
    assert_eq!(
        location_query(&b.get(&app, &url).await)["error"],
        "login_required"
    );
}

#[tokio::test]
async fn only_members_of_the_chosen_locations_may_sign_in() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let store = app.create_unit(&admin, "Store 012", false).await;
    let inside = app
        .create_user(&admin, "in@contoso.example", "Inside")
        .await;
    app.create_user(&admin, "out@contoso.example", "Outside")
        .await;
    app.add_member(&admin, &store, &inside).await;
    let rp = register(
        &app,
        &admin,
        json!({
            "display_name": "Till",
            "redirect_uris": [REDIRECT],
            "sign_in_audience": "locations",
            "allowed_unit_ids": [store],
        }),
    )
    .await;
    let mut b = Browser::new();
    code_for(&mut b, &app, &rp, "in@contoso.example", USER_PASSWORD).await;
    let (_, challenge) = pkce();
    let url = authorize_url(&app, &rp.client_id, &challenge, &[]);
    let mut other = Browser::new();
    let refused = sign_in_page(&mut other, &app, &url, "out@contoso.example", USER_PASSWORD).await;
    assert_eq!(refused.status(), 403);
    assert!(refused.headers().get("location").is_none());
    let html = refused.text().await.unwrap();
    assert!(
        html.contains("You can&#39;t use Till") || html.contains("You can't use Till"),
        "{html}"
    );
}

#[tokio::test]
async fn the_hosted_page_refuses_bad_passwords_and_foreign_forms_and_is_locked_down() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let (_, challenge) = pkce();
    let url = authorize_url(
        &app,
        &rp.client_id,
        &challenge,
        &[("login_hint", "<b>x</b>")],
    );
    let mut b = Browser::new();
    let page = b.get(&app, &url).await;
    let csp = page
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(
        csp.contains("form-action 'self' http://127.0.0.1:9"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"));
    let html = page.text().await.unwrap();
    assert!(html.contains("lang=\"en\""));
    assert!(html.contains("&lt;b&gt;x&lt;/b&gt;") && !html.contains("<b>x</b>"));
    assert!(!html.contains("<script"));
    assert!(html.len() < 30_000);
    let wrong = post_page_form(
        &mut b,
        &app,
        "/oauth2/sign-in",
        &html,
        &[("username", ADMIN_UPN), ("password", "nope")],
    )
    .await;
    assert_eq!(wrong.status(), 200);
    let page = html;
    let html = wrong.text().await.unwrap();
    assert!(
        html.contains("role=\"alert\"") && html.contains("don&#39;t match"),
        "{html}"
    );

    // The same form posted from another browser (no CSRF cookie) is refused.
    let mut attacker = Browser::new();
    let forged = post_page_form(
        &mut attacker,
        &app,
        "/oauth2/sign-in",
        &page,
        &[("username", ADMIN_UPN), ("password", ADMIN_PASSWORD)],
    )
    .await;
    assert_eq!(forged.status(), 400);
    assert!(forged.headers().get("location").is_none());
}

#[tokio::test]
async fn revocation_and_logout_end_what_they_name() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let mut b = Browser::new();
    let (code, verifier) = code_for(&mut b, &app, &rp, ADMIN_UPN, ADMIN_PASSWORD).await;
    let t: Value = json_with(exchange(&app, &rp, &code, &verifier).await, 200).await;
    let refresh_token = t["refresh_token"].as_str().unwrap();
    let revoke = app
        .client
        .post(app.url("/oauth2/revoke"))
        .basic_auth(&rp.client_id, rp.secret.as_deref())
        .form(&[
            ("token", refresh_token),
            ("token_type_hint", "refresh_token"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 200);
    oauth_error(
        refresh(&app, &rp, refresh_token).await,
        400,
        "invalid_grant",
    )
    .await;
    assert_eq!(
        userinfo(&app, t["access_token"].as_str().unwrap())
            .await
            .status(),
        401
    );

    // Logout with an unregistered post-logout URI is refused, without signing out.
    let id_token = t["id_token"].as_str().unwrap();
    let mut logout = url::Url::parse(&app.url("/oauth2/logout")).unwrap();
    logout
        .query_pairs_mut()
        .append_pair("id_token_hint", id_token)
        .append_pair("post_logout_redirect_uri", "https://evil.example/")
        .append_pair("state", "bye");
    let refused = b.get(&app, logout.as_str()).await;
    assert_eq!(refused.status(), 400);
    let mut logout = url::Url::parse(&app.url("/oauth2/logout")).unwrap();
    logout
        .query_pairs_mut()
        .append_pair("id_token_hint", id_token)
        .append_pair("post_logout_redirect_uri", LOGOUT_TO)
        .append_pair("state", "bye");
    let done = b.get(&app, logout.as_str()).await;
    assert_eq!(done.status(), 303);
    assert_eq!(location(&done), format!("{LOGOUT_TO}?state=bye"));
    assert!(!b.has_session());
    let (_, challenge) = pkce();
    let mut again = Browser::new();
    // The old cookie (replayed by hand) no longer signs anyone in.
    again
        .cookies
        .insert("openstaff_session".to_owned(), "x".repeat(43));
    let none = again
        .get(
            &app,
            &authorize_url(&app, &rp.client_id, &challenge, &[("prompt", "none")]),
        )
        .await;
    assert_eq!(location_query(&none)["error"], "login_required");
}

#[tokio::test]
async fn public_clients_use_pkce_alone() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let rp = register(
        &app,
        &admin,
        json!({"display_name": "SPA", "client_type": "public", "redirect_uris": [REDIRECT]}),
    )
    .await;
    let mut b = Browser::new();
    let (code, verifier) = code_for(&mut b, &app, &rp, ADMIN_UPN, ADMIN_PASSWORD).await;
    let t: Value = json_as(exchange(&app, &rp, &code, &verifier).await, 200).await;
    assert!(t["refresh_token"].is_string());
}

#[tokio::test]
async fn the_cli_registers_an_application_and_prints_its_credentials() {
    let app = TestApp::spawn().await;
    let out = crate::cli::openstaff(
        &app.database_url,
        &[
            "applications",
            "create",
            "--name",
            "Mail",
            "--redirect-uri",
            "https://mail.example/cb",
        ],
        "",
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["client_id"].as_str().unwrap().len() == 36);
    assert!(v["client_secret"].as_str().unwrap().len() >= 43);
    let out = crate::cli::openstaff(
        &app.database_url,
        &[
            "applications",
            "create",
            "--name",
            "Phone",
            "--redirect-uri",
            "http://127.0.0.1:5/cb",
            "--public",
        ],
        "",
    )
    .await;
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["client_secret"].is_null());
    let bad = crate::cli::openstaff(
        &app.database_url,
        &[
            "applications",
            "create",
            "--name",
            "X",
            "--redirect-uri",
            "http://x.example/cb",
        ],
        "",
    )
    .await;
    assert!(!bad.status.success());
}

#[tokio::test]
async fn max_age_and_prompt_login_ask_for_the_password_again() {
    let (app, clock) = TestApp::spawn_with_clock(|_| {}).await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let mut b = Browser::new();
    code_for(&mut b, &app, &rp, ADMIN_UPN, ADMIN_PASSWORD).await;
    clock.advance(Duration::from_secs(120));
    let (_, challenge) = pkce();
    let old = b
        .get(
            &app,
            &authorize_url(
                &app,
                &rp.client_id,
                &challenge,
                &[("prompt", "none"), ("max_age", "60")],
            ),
        )
        .await;
    assert_eq!(location_query(&old)["error"], "login_required");
    let fresh = b
        .get(
            &app,
            &authorize_url(
                &app,
                &rp.client_id,
                &challenge,
                &[("prompt", "none"), ("max_age", "600")],
            ),
        )
        .await;
    assert!(location_query(&fresh).contains_key("code"));
    let login = b
        .get(
            &app,
            &authorize_url(&app, &rp.client_id, &challenge, &[("prompt", "login")]),
        )
        .await;
    assert_eq!(login.status(), 200);
    assert!(login.text().await.unwrap().contains("Sign-in name"));
    let bad = b
        .get(
            &app,
            &authorize_url(
                &app,
                &rp.client_id,
                &challenge,
                &[("prompt", "select_account")],
            ),
        )
        .await;
    assert_eq!(location_query(&bad)["error"], "invalid_request");
    let scope =
        authorize_url(&app, &rp.client_id, &challenge, &[]).replace("scope=openid+", "scope=");
    assert_eq!(
        location_query(&b.get(&app, &scope).await)["error"],
        "invalid_scope"
    );
}

#[tokio::test]
async fn expired_sign_in_state_is_purged() {
    let (app, clock) = TestApp::spawn_with_clock(|_| {}).await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let mut b = Browser::new();
    let (code, verifier) = code_for(&mut b, &app, &rp, ADMIN_UPN, ADMIN_PASSWORD).await;
    let t: Value = json_with(exchange(&app, &rp, &code, &verifier).await, 200).await;
    let count = |table: &'static str| {
        let store = app.store.clone();
        async move {
            sqlx::query_as::<_, (i64,)>(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(store.reader())
                .await
                .unwrap()
                .0
        }
    };
    let tables = [
        "authorization_codes",
        "oauth_grants",
        "refresh_tokens",
        "provider_sessions",
        "used_authorization_requests",
    ];
    let purge = |at: chrono::DateTime<chrono::Utc>| {
        let store = app.store.clone();
        async move {
            let mut tx = store.begin().await.unwrap();
            let n = openstaff::store::oidc::purge_expired(
                &mut tx,
                openstaff::time::Micros::from_datetime(at),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            n
        }
    };
    // Nothing live goes.
    purge(clock.now()).await;
    for table in tables {
        assert_eq!(count(table).await, 1, "{table}");
    }
    assert_eq!(
        json_with(
            refresh(&app, &rp, t["refresh_token"].as_str().unwrap()).await,
            200
        )
        .await["token_type"],
        "Bearer"
    );
    // A day after the session's end, all of it goes.
    clock.advance(Duration::from_secs(37 * 3600));
    assert!(purge(clock.now()).await >= 5);
    for table in tables {
        assert_eq!(count(table).await, 0, "{table}");
    }
}

#[tokio::test]
async fn an_application_may_ask_for_eddsa_id_tokens() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let bad = app
        .post(
            "/api/v1/applications",
            &admin,
            json!({"display_name": "Till", "redirect_uris": [REDIRECT], "id_token_signed_response_alg": "HS256"}),
        )
        .await;
    assert_eq!(bad.status(), 422, "only RS256 and EdDSA are offered");
    let rota = register_rota(&app, &admin).await;
    let listed = app.get_ok("/api/v1/applications", &admin).await;
    assert_eq!(
        listed["items"][0]["id_token_signed_response_alg"], "RS256",
        "RS256 unless asked"
    );
    let till = register(
        &app,
        &admin,
        json!({
            "display_name": "Till",
            "client_type": "public",
            "redirect_uris": [REDIRECT],
            "id_token_signed_response_alg": "EdDSA",
        }),
    )
    .await;
    let mut b = Browser::new();
    let (code, verifier) = code_for(&mut b, &app, &till, ADMIN_UPN, ADMIN_PASSWORD).await;
    let t: Value = json_with(exchange(&app, &till, &code, &verifier).await, 200).await;
    let claims = verify_id_token_as(
        &app,
        &till,
        t["id_token"].as_str().unwrap(),
        Algorithm::EdDSA,
    )
    .await;
    assert_eq!(claims["nonce"], "n-456");
    assert_eq!(claims["aud"], till.client_id.as_str());
    assert_eq!(claims["preferred_username"], ADMIN_UPN);
    // An EdDSA ID token is still no access token: not for the API, not for userinfo.
    let id_token = t["id_token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/me", id_token).await.status(), 401);
    assert_eq!(userinfo(&app, id_token).await.status(), 401);
    // It works as the logout hint.
    let mut logout = url::Url::parse(&app.url("/oauth2/logout")).unwrap();
    logout
        .query_pairs_mut()
        .append_pair("id_token_hint", id_token);
    assert_eq!(b.get(&app, logout.as_str()).await.status(), 200);
    assert!(!b.has_session());

    // The other application, and this one once switched back, get RS256.
    let (code, verifier) = code_for(&mut b, &app, &rota, ADMIN_UPN, ADMIN_PASSWORD).await;
    let t: Value = json_with(exchange(&app, &rota, &code, &verifier).await, 200).await;
    verify_id_token(&app, &rota, t["id_token"].as_str().unwrap()).await;
    let patched = patch_application(
        &app,
        &admin,
        &till.client_id,
        json!({"id_token_signed_response_alg": "RS256"}),
    )
    .await;
    assert_eq!(patched["id_token_signed_response_alg"], "RS256");
    let (verifier, challenge) = pkce();
    let sso = b
        .get(&app, &authorize_url(&app, &till.client_id, &challenge, &[]))
        .await;
    let code = location_query(&sso)["code"].clone();
    let t: Value = json_with(exchange(&app, &till, &code, &verifier).await, 200).await;
    verify_id_token(&app, &till, t["id_token"].as_str().unwrap()).await;
    assert!(app.audit_dump().await.lines().any(
        |l| l.starts_with("Update application\t") && l.contains("id_token_signed_response_alg")
    ));

    // The command line asks for it with --id-token-alg.
    let out = crate::cli::openstaff(
        &app.database_url,
        &[
            "applications",
            "create",
            "--name",
            "Mail",
            "--redirect-uri",
            "https://mail.example/cb",
            "--id-token-alg",
            "EdDSA",
        ],
        "",
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mail = app
        .get_ok(
            &format!("/api/v1/applications/{}", v["client_id"].as_str().unwrap()),
            &admin,
        )
        .await;
    assert_eq!(mail["id_token_signed_response_alg"], "EdDSA");
}

/// Rows the hosted page could write.
async fn sign_in_rows(app: &TestApp) -> i64 {
    let mut n = 0;
    for table in [
        "provider_sessions",
        "authorization_codes",
        "used_authorization_requests",
        "audit_events",
    ] {
        n += sqlx::query_as::<_, (i64,)>(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(app.store.reader())
            .await
            .unwrap()
            .0;
    }
    n
}

#[tokio::test]
async fn the_hosted_form_carries_its_request_sealed_for_15_minutes_and_once() {
    let (app, clock) = TestApp::spawn_with_clock(|_| {}).await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let (verifier, challenge) = pkce();
    let url = authorize_url(&app, &rp.client_id, &challenge, &[]);

    // Showing the page writes nothing.
    let before = sign_in_rows(&app).await;
    let mut b = Browser::new();
    for _ in 0..3 {
        assert_eq!(b.get(&app, &url).await.status(), 200);
    }
    assert_eq!(sign_in_rows(&app).await, before);

    let page = b.get(&app, &url).await.text().await.unwrap();
    let creds = [("username", ADMIN_UPN), ("password", ADMIN_PASSWORD)];
    // Altered by one character (here in the middle: the request's JSON), it is refused.
    let request = field(&page, "request");
    let mut tampered = request.clone().into_bytes();
    let at = tampered.len() / 2;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = page.replace(&request, &String::from_utf8(tampered).unwrap());
    let refused = post_page_form(&mut b, &app, "/oauth2/sign-in", &tampered, &creds).await;
    assert_eq!(refused.status(), 400);
    assert!(refused.headers().get("location").is_none());
    assert!(refused.text().await.unwrap().contains("role=\"alert\""));

    // Used once: the code comes back, and the same form posted again is refused.
    let ok = post_page_form(&mut b, &app, "/oauth2/sign-in", &page, &creds).await;
    let code = location_query(&ok)["code"].clone();
    let again = post_page_form(&mut b, &app, "/oauth2/sign-in", &page, &creds).await;
    assert_eq!(again.status(), 400);
    assert!(again.headers().get("location").is_none());
    assert!(again.text().await.unwrap().contains("already used"));
    assert_eq!(
        json_with(exchange(&app, &rp, &code, &verifier).await, 200).await["token_type"],
        "Bearer"
    );

    // Fifteen minutes after the page was shown, its form has expired.
    let mut later = Browser::new();
    let page = later.get(&app, &url).await.text().await.unwrap();
    clock.advance(Duration::from_secs(15 * 60 + 1));
    let expired = post_page_form(&mut later, &app, "/oauth2/sign-in", &page, &creds).await;
    assert_eq!(expired.status(), 400);
    assert!(expired.text().await.unwrap().contains("expired"));
}

#[tokio::test]
async fn the_forced_change_shows_the_live_checklist_under_a_strict_csp() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let rp = register_rota(&app, &admin).await;
    let lina = app
        .create_user(&admin, "lina.morel@contoso.example", "Lina Morel")
        .await;
    let temp = temporary_password(&app, &admin, &lina).await;
    let (verifier, challenge) = pkce();
    let url = authorize_url(&app, &rp.client_id, &challenge, &[]);
    let mut b = Browser::new();
    let page = sign_in_page(&mut b, &app, &url, "lina.morel@contoso.example", &temp).await;
    assert_eq!(page.status(), 200);
    let csp = page
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let html = page.text().await.unwrap();
    assert!(html.len() < 30_000, "{} bytes", html.len());

    // The SPA's rules, server-rendered (so they are there without the script).
    assert!(html.contains("aria-label=\"Password rules\""), "{html}");
    for rule in [
        "At least 12 characters",
        "Does not contain your name or sign-in name",
        "Both new passwords match",
        "Not a password you have used before",
        "Hard to guess",
    ] {
        assert!(html.contains(rule), "{rule}");
    }
    assert!(html.contains("data-min=\"12\""));
    assert!(html.contains("&quot;lina&quot;") && html.contains("&quot;morel&quot;"));
    // Announced politely, by a status line of its own, not by the list.
    assert!(html.contains("role=\"status\" aria-live=\"polite\""));
    assert!(!html.contains("<ul class=\"checklist\" id=\"rules\" aria-live"));

    // One inline script, allowed by its hash and nothing looser.
    let start = html.find("<script>").expect("the checklist's script") + "<script>".len();
    let script = &html[start..start + html[start..].find("</script>").unwrap()];
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script.as_bytes()));
    assert!(
        csp.contains(&format!("script-src 'sha256-{hash}'")),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    assert!(csp.contains("default-src 'none'"));
    assert_eq!(html.matches("<script").count(), 1);

    // Without the script the server judges: a weak password is refused in words.
    let weak = change_on_page(&mut b, &app, &html, "lina-morel", "lina-morel")
        .await
        .text()
        .await
        .unwrap();
    assert!(weak.contains("role=\"alert\"") && weak.contains("Password rules"));
    let done = change_on_page(
        &mut b,
        &app,
        &weak,
        "Orange-Kettle-Meadow-58",
        "Orange-Kettle-Meadow-58",
    )
    .await;
    let code = location_query(&done)["code"].clone();
    json_with(exchange(&app, &rp, &code, &verifier).await, 200).await;

    // What the hosted page did is recorded as coming from it.
    let dump = app.audit_dump().await;
    for activity in ["Sign-in", "Change password (self)"] {
        let line = dump
            .lines()
            .rev()
            .find(|l| l.starts_with(&format!("{activity}\t")))
            .unwrap_or_else(|| panic!("{activity} in {dump}"));
        assert!(line.contains("\"surface\":\"sign_in_page\""), "{line}");
    }
}
