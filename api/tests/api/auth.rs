//! Sign-in (`POST /api/v1/auth/token`), the JWKS, and the bearer-token checks every
//! protected endpoint makes.
//!
//! Forged tokens are signed with the server's *real* key (read from the database)
//! whenever the point is a bad claim, so each rejection is due to that claim and not
//! to a bad signature; a control token built the same way must be accepted.

use crate::helpers::{assert_problem, TestApp, ADMIN_PASSWORD, ADMIN_UPN, USER_PASSWORD};
use crate::reset::sign_in;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use ed25519_dalek::SigningKey;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use reqwest::{Method, Response};
use serde_json::{json, Value};
use shared::dto;

fn header_str(resp: &Response, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn b64_json(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
}

fn decode_part(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).expect("token has three parts");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// The JOSE header of a token, undecoded by any library.
fn header_of(token: &str) -> Value {
    decode_part(token, 0)
}

/// The claims of a token, unverified.
fn claims_of(token: &str) -> Value {
    decode_part(token, 1)
}

/// The server's current access-token (EdDSA) signing key, straight from the database.
async fn server_key(app: &TestApp) -> (String, EncodingKey) {
    let (kid, private_key) = sqlx::query_as::<_, (String, String)>(
        "SELECT kid, private_key FROM signing_keys WHERE retired_at IS NULL \
         AND algorithm = 'EdDSA' ORDER BY created_at DESC, kid DESC",
    )
    .fetch_one(app.store.reader())
    .await
    .unwrap();
    let der = STANDARD.decode(private_key).unwrap();
    (kid, EncodingKey::from_ed_der(&der))
}

/// A change to a token's claims.
type ClaimChange = Box<dyn Fn(&mut Value)>;

fn eddsa(kid: &str) -> Header {
    let mut h = Header::new(Algorithm::EdDSA);
    h.kid = Some(kid.to_owned());
    h
}

fn sign(header: &Header, claims: &Value, key: &EncodingKey) -> String {
    jsonwebtoken::encode(header, claims, key).unwrap()
}

/// GET /api/v1/me with `authorization` (raw header value) must answer 401 `code`
/// with a Bearer challenge.
async fn assert_401(app: &TestApp, authorization: Option<&str>, code: &str, case: &str) {
    let mut rb = app.client.request(Method::GET, app.url("/api/v1/me"));
    if let Some(a) = authorization {
        rb = rb.header("authorization", a);
    }
    let resp = rb.send().await.unwrap();
    assert_eq!(resp.status(), 401, "case `{case}`: expected 401");
    let challenge = header_str(&resp, "www-authenticate")
        .unwrap_or_else(|| panic!("case `{case}`: no WWW-Authenticate header"));
    assert!(
        challenge.starts_with("Bearer"),
        "case `{case}`: challenge {challenge}"
    );
    if code == "invalid_token" {
        assert!(
            challenge.contains("error=\"invalid_token\""),
            "case `{case}`: challenge {challenge}"
        );
    }
    let body = assert_problem(resp, 401, code).await;
    assert!(body
        .get("errors")
        .is_none_or(|e| e.as_array().unwrap().is_empty()));
}

async fn assert_401_token(app: &TestApp, token: &str, case: &str) {
    assert_401(app, Some(&format!("Bearer {token}")), "invalid_token", case).await;
}

#[tokio::test]
async fn sign_in_issues_an_eddsa_token_that_verifies_against_the_jwks() {
    let app = TestApp::spawn().await;
    let before = now();
    let resp = sign_in(&app, ADMIN_UPN, ADMIN_PASSWORD).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        header_str(&resp, "cache-control").as_deref(),
        Some("no-store")
    );
    assert!(header_str(&resp, "content-type")
        .unwrap()
        .starts_with("application/json"));
    let body: dto::TokenResponse = resp.json().await.unwrap();
    assert_eq!(body.token_type, "Bearer");
    assert_eq!(body.expires_in, 900);
    assert!(!body.password_change_required);
    let token = body.access_token;

    // Header: EdDSA with a kid the JWKS publishes.
    let header = header_of(&token);
    assert_eq!(header["alg"], "EdDSA");
    let kid = header["kid"].as_str().expect("kid in header").to_owned();

    let resp = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let jwks: Value = resp.json().await.unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert!(!keys.is_empty());
    for k in keys {
        // Never private material in a JWKS.
        assert!(k.get("d").is_none(), "{k}");
    }
    let jwk = keys
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .expect("the token's kid is published");
    assert_eq!(jwk["kty"], "OKP");
    assert_eq!(jwk["crv"], "Ed25519");
    let x = jwk["x"].as_str().unwrap();
    assert_eq!(URL_SAFE_NO_PAD.decode(x).unwrap().len(), 32);

    // Verify the signature ourselves, as an integrator would.
    let key = DecodingKey::from_ed_components(x).unwrap();
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_audience(&["openstaff-api"]);
    validation.set_issuer(&["openstaff"]);
    validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
    let claims = jsonwebtoken::decode::<Value>(&token, &key, &validation)
        .expect("token verifies with the published key")
        .claims;
    assert_eq!(claims["iss"], "openstaff");
    assert_eq!(claims["aud"], "openstaff-api");
    let me = app.my_id(&token).await;
    assert_eq!(claims["sub"], me.as_str());
    let exp = claims["exp"].as_u64().unwrap();
    let nbf = claims["nbf"].as_u64().unwrap();
    assert_eq!(exp - nbf, 900);
    assert!(
        nbf >= before.saturating_sub(5) && nbf <= now() + 5,
        "nbf {nbf}"
    );
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));

    // A different key does not verify it (the check above is not vacuous).
    let other = SigningKey::from_bytes(&rand::random::<[u8; 32]>());
    let other_x = URL_SAFE_NO_PAD.encode(other.verifying_key().to_bytes());
    let wrong = DecodingKey::from_ed_components(&other_x).unwrap();
    assert!(jsonwebtoken::decode::<Value>(&token, &wrong, &validation).is_err());

    // Every sign-in gets its own token id.
    let second = app.admin_token().await;
    assert_ne!(claims_of(&second)["jti"], claims["jti"]);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_are_indistinguishable() {
    let app = TestApp::spawn().await;
    let wrong = sign_in(&app, ADMIN_UPN, "Not-The-Password-1").await;
    assert!(header_str(&wrong, "www-authenticate")
        .unwrap()
        .contains("Bearer"));
    let wrong = assert_problem(wrong, 401, "invalid_credentials").await;

    let unknown = sign_in(&app, "nobody@contoso.example", ADMIN_PASSWORD).await;
    assert!(header_str(&unknown, "www-authenticate")
        .unwrap()
        .contains("Bearer"));
    let unknown = assert_problem(unknown, 401, "invalid_credentials").await;

    assert_eq!(wrong["detail"], unknown["detail"]);
    assert_eq!(
        wrong, unknown,
        "the bodies must not reveal which users exist"
    );
}

#[tokio::test]
async fn user_principal_names_are_case_insensitive_at_sign_in() {
    let app = TestApp::spawn().await;
    let resp = sign_in(&app, &ADMIN_UPN.to_uppercase(), ADMIN_PASSWORD).await;
    assert_eq!(resp.status(), 200);
    let upper = resp
        .json::<dto::TokenResponse>()
        .await
        .unwrap()
        .access_token;
    let lower = app.admin_token().await;
    assert_eq!(claims_of(&upper)["sub"], claims_of(&lower)["sub"]);
    assert_eq!(app.my_id(&upper).await, app.my_id(&lower).await);

    // Passwords, unlike names, are case-sensitive.
    let resp = sign_in(&app, ADMIN_UPN, &ADMIN_PASSWORD.to_uppercase()).await;
    assert_problem(resp, 401, "invalid_credentials").await;
}

#[tokio::test]
async fn empty_username_or_password_is_a_validation_error() {
    let app = TestApp::spawn().await;
    for (username, password, field) in [
        ("", ADMIN_PASSWORD, "username"),
        ("   ", ADMIN_PASSWORD, "username"),
        (ADMIN_UPN, "", "password"),
    ] {
        let resp = sign_in(&app, username, password).await;
        let body = assert_problem(resp, 422, "validation_failed").await;
        let errors = body["errors"].as_array().unwrap();
        assert!(
            errors.iter().any(|e| e["field"] == field),
            "{field} should be reported: {body}"
        );
        assert!(!body.to_string().contains(ADMIN_PASSWORD));
    }
}

#[tokio::test]
async fn requests_without_a_usable_bearer_token_are_refused() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;

    assert_401(&app, None, "missing_token", "no Authorization header").await;
    assert_401(
        &app,
        Some(&format!(
            "Basic {}",
            STANDARD.encode(format!("{ADMIN_UPN}:{ADMIN_PASSWORD}"))
        )),
        "invalid_token",
        "Basic scheme",
    )
    .await;
    assert_401(&app, Some("Basic xxx"), "invalid_token", "Basic xxx").await;
    assert_401(&app, Some(&token), "invalid_token", "token without scheme").await;
    assert_401(&app, Some("Bearer"), "invalid_token", "Bearer alone").await;
    assert_401(&app, Some("Bearer    "), "invalid_token", "Bearer blank").await;
    assert_401_token(&app, "garbage", "garbage").await;
    assert_401_token(&app, "a.b.c", "three garbage parts").await;
    assert_401_token(&app, &format!("{token}x"), "signature with extra char").await;

    // The scheme is case-insensitive (RFC 9110), and the real token works.
    let resp = app
        .client
        .get(app.url("/api/v1/me"))
        .header("authorization", format!("bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn forged_signatures_and_algorithms_are_refused() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let (kid, real_key) = server_key(&app).await;
    assert_eq!(header_of(&token)["kid"], kid.as_str());
    let mut claims = claims_of(&token);
    claims["jti"] = json!(uuid::Uuid::now_v7().to_string());

    // Control: the same claims signed with the server's key are accepted, so every
    // rejection below is due to what the case changes.
    let control = sign(&eddsa(&kid), &claims, &real_key);
    assert_eq!(app.get("/api/v1/me", &control).await.status(), 200);

    // alg "none", empty signature.
    let none = format!(
        "{}.{}.",
        b64_json(&json!({"alg": "none", "typ": "JWT", "kid": kid})),
        b64_json(&claims)
    );
    assert_401_token(&app, &none, "alg none").await;
    let none_upper = format!(
        "{}.{}.",
        b64_json(&json!({"alg": "None", "typ": "JWT", "kid": kid})),
        b64_json(&claims)
    );
    assert_401_token(&app, &none_upper, "alg None").await;

    // Signed by a stranger's Ed25519 key but claiming the real kid.
    let stranger = SigningKey::from_bytes(&rand::random::<[u8; 32]>());
    let der = stranger.to_pkcs8_der().unwrap();
    let stranger_key = EncodingKey::from_ed_der(der.as_bytes());
    let forged = sign(&eddsa(&kid), &claims, &stranger_key);
    assert_401_token(&app, &forged, "foreign Ed25519 key, real kid").await;

    // Algorithm confusion: HS256 keyed with the public key (raw bytes and as the
    // base64url text published in the JWKS).
    let jwks: Value = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let x = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .unwrap()["x"]
        .as_str()
        .unwrap()
        .to_owned();
    let public = URL_SAFE_NO_PAD.decode(&x).unwrap();
    for secret in [public.as_slice(), x.as_bytes()] {
        let mut h = Header::new(Algorithm::HS256);
        h.kid = Some(kid.clone());
        let hs = sign(&h, &claims, &EncodingKey::from_secret(secret));
        assert_401_token(&app, &hs, "HS256 with the public key as secret").await;
    }

    // Unknown kid, and no kid at all, with a genuine signature.
    let unknown_kid = sign(&eddsa("not-a-known-kid"), &claims, &real_key);
    assert_401_token(&app, &unknown_kid, "unknown kid").await;
    let no_kid = sign(&Header::new(Algorithm::EdDSA), &claims, &real_key);
    assert_401_token(&app, &no_kid, "no kid").await;

    // Tampered payload: another real user's id, original signature kept.
    let other = app
        .create_user(&token, "ana.lopez@contoso.example", "Ana Lopez")
        .await;
    let other_token = app.token("ana.lopez@contoso.example", USER_PASSWORD).await;
    assert_eq!(app.my_id(&other_token).await, other);
    let mut tampered_claims = claims_of(&token);
    assert_ne!(tampered_claims["sub"], other.as_str());
    tampered_claims["sub"] = json!(other);
    let parts: Vec<&str> = token.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], b64_json(&tampered_claims), parts[2]);
    assert_401_token(&app, &tampered, "tampered sub").await;

    // The untouched token still works.
    assert_eq!(app.get("/api/v1/me", &token).await.status(), 200);
}

#[tokio::test]
async fn every_registered_claim_is_enforced() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let (kid, key) = server_key(&app).await;
    let base = claims_of(&token);
    let t = now();

    let control = sign(&eddsa(&kid), &base, &key);
    assert_eq!(app.get("/api/v1/me", &control).await.status(), 200);

    let cases: Vec<(&str, ClaimChange)> = vec![
        ("wrong aud", Box::new(|c| c["aud"] = json!("someone-else"))),
        (
            "aud list without ours",
            Box::new(|c| c["aud"] = json!(["x", "y"])),
        ),
        (
            "wrong iss",
            Box::new(|c| c["iss"] = json!("https://evil.example")),
        ),
        (
            "expired",
            Box::new(move |c| {
                c["exp"] = json!(t - 3600);
                c["nbf"] = json!(t - 7200);
                c["iat"] = json!(t - 7200);
            }),
        ),
        (
            "not yet valid",
            Box::new(move |c| {
                c["nbf"] = json!(t + 3600);
                c["iat"] = json!(t + 3600);
                c["exp"] = json!(t + 3600 + 900);
            }),
        ),
        (
            "exp as a string",
            Box::new(|c| c["exp"] = json!("9999999999")),
        ),
        (
            "missing sub",
            Box::new(|c| {
                c.as_object_mut().unwrap().remove("sub");
            }),
        ),
        (
            "missing exp",
            Box::new(|c| {
                c.as_object_mut().unwrap().remove("exp");
            }),
        ),
        (
            "missing aud",
            Box::new(|c| {
                c.as_object_mut().unwrap().remove("aud");
            }),
        ),
        (
            "sub of nobody",
            Box::new(|c| c["sub"] = json!(uuid::Uuid::now_v7().to_string())),
        ),
    ];
    for (case, change) in cases {
        let mut claims = base.clone();
        change(&mut claims);
        let forged = sign(&eddsa(&kid), &claims, &key);
        assert_401_token(&app, &forged, case).await;
    }
}

#[tokio::test]
async fn sign_ins_are_audited_without_the_password() {
    let app = TestApp::spawn().await;
    const WRONG: &str = "Wrong-Secret-Horse-77";

    let ok = sign_in(&app, ADMIN_UPN, ADMIN_PASSWORD).await;
    assert_eq!(ok.status(), 200);
    let ok_request_id = header_str(&ok, "x-request-id").unwrap();
    let ok_text = ok.text().await.unwrap();
    let bad = sign_in(&app, ADMIN_UPN, WRONG).await;
    let bad_request_id = header_str(&bad, "x-request-id").unwrap();
    let bad_text = bad.text().await.unwrap();
    let unknown = sign_in(&app, "ghost@contoso.example", WRONG).await;
    let unknown_text = unknown.text().await.unwrap();

    for text in [&ok_text, &bad_text, &unknown_text] {
        assert!(
            !text.contains(ADMIN_PASSWORD) && !text.contains(WRONG),
            "{text}"
        );
    }

    let rows = sqlx::query_as::<_, (String, String, Option<String>, Option<String>, String)>(
        "SELECT activity, result, result_reason, actor_upn, correlation_id \
         FROM audit_events WHERE activity = 'Sign-in' ORDER BY seq",
    )
    .fetch_all(app.store.reader())
    .await
    .unwrap();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str()),
        ("Sign-in", "success")
    );
    assert_eq!(rows[0].3.as_deref(), Some(ADMIN_UPN));
    assert_eq!(rows[0].4, ok_request_id, "correlation id = X-Request-Id");
    assert_eq!(
        (rows[1].0.as_str(), rows[1].1.as_str()),
        ("Sign-in", "failure")
    );
    assert_eq!(rows[1].2.as_deref(), Some("invalid_credentials"));
    assert_eq!(rows[1].4, bad_request_id);
    assert_eq!(
        (rows[2].0.as_str(), rows[2].1.as_str()),
        ("Sign-in", "failure")
    );
    assert_eq!(rows[2].2.as_deref(), Some("invalid_credentials"));
    assert_eq!(rows[2].3.as_deref(), Some("ghost@contoso.example"));

    // No column of any audit row carries either password.
    let all = sqlx::query_as::<_, (String,)>(
        "SELECT id || '|' || activity || '|' || category || '|' || correlation_id || '|' || \
         COALESCE(actor_id, '') || '|' || COALESCE(actor_upn, '') || '|' || \
         COALESCE(actor_ip, '') || '|' || COALESCE(actor_user_agent, '') || '|' || \
         target_resources || '|' || result || '|' || COALESCE(result_reason, '') || '|' || \
         additional_details FROM audit_events",
    )
    .fetch_all(app.store.reader())
    .await
    .unwrap();
    assert!(all.len() >= 3);
    for (row,) in all {
        assert!(
            !row.contains(ADMIN_PASSWORD) && !row.contains(WRONG),
            "audit row leaks a password: {row}"
        );
    }
}

#[tokio::test]
async fn a_disabled_account_cannot_sign_in() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let id = app
        .create_user_with(
            &admin,
            json!({
                "user_principal_name": "off@contoso.example",
                "display_name": "Otto Off",
                "source": "cloud",
                "password": USER_PASSWORD,
                "account_enabled": false,
            }),
        )
        .await;
    let profile: Value = app
        .get(&format!("/api/v1/users/{id}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(profile["account_enabled"], false);

    let resp = sign_in(&app, "off@contoso.example", USER_PASSWORD).await;
    assert!(header_str(&resp, "www-authenticate")
        .unwrap()
        .contains("Bearer"));
    let body = assert_problem(resp, 401, "account_disabled").await;
    assert!(!body.to_string().contains(USER_PASSWORD));

    // A wrong password does not reveal that the account exists and is disabled.
    let resp = sign_in(&app, "off@contoso.example", "Not-The-Password-1").await;
    assert_problem(resp, 401, "invalid_credentials").await;

    let reasons = sqlx::query_as::<_, (String, Option<String>)>(
        "SELECT result, result_reason FROM audit_events \
         WHERE activity = 'Sign-in' AND actor_upn = 'off@contoso.example' ORDER BY seq",
    )
    .fetch_all(app.store.reader())
    .await
    .unwrap();
    assert_eq!(
        reasons,
        vec![
            ("failure".to_owned(), Some("account_disabled".to_owned())),
            ("failure".to_owned(), Some("invalid_credentials".to_owned())),
        ]
    );
}
