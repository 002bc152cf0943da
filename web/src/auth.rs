//! Signing in through OpenStaff's own provider, as its built-in public client
//! (`shared::first_party::WEB_APP`): authorization code with PKCE (RFC 7636, S256),
//! a short access token renewed with a rotating refresh token, and sign-out that
//! ends the provider session (RP-initiated logout).
//!
//! The password is typed only on the provider's hosted page, which also handles a
//! temporary password's forced change; this app never sees it. A renewal happens
//! only when a request needs one, so a tab left alone does not keep the session
//! alive: the provider's idle timeout still ends it.

use crate::session::{load, store, Session, Tokens};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use futures_util::future::{FutureExt, LocalBoxFuture, Shared};
use gloo_net::http::Request;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shared::first_party::{WEB_APP, WEB_APP_CALLBACK_PATH, WEB_APP_SCOPE, WEB_APP_SIGNED_OUT_PATH};
use std::cell::RefCell;

/// The sign-in this tab started, until the provider sends the browser back.
const PENDING_KEY: &str = "openstaff.sign_in";
/// Renew this long before the access token expires (the clocks may differ a little).
const RENEW_BEFORE_MS: f64 = 60_000.0;

#[derive(Serialize, Deserialize)]
struct Pending {
    state: String,
    verifier: String,
    return_to: String,
}

thread_local! {
    /// The renewal under way, shared by every request that waits for it: a refresh
    /// token works once, so two renewals at the same time would revoke the session.
    static RENEWING: RefCell<Option<Shared<LocalBoxFuture<'static, bool>>>> =
        const { RefCell::new(None) };
}

pub(crate) fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

pub(crate) fn redirect_uri() -> String {
    format!("{}{WEB_APP_CALLBACK_PATH}", origin())
}

/// 32 random bytes from the browser, base64url: a PKCE verifier (43 characters) or
/// a `state`.
pub(crate) fn random_value() -> String {
    let mut bytes = [0u8; 32];
    if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    URL_SAFE_NO_PAD.encode(bytes)
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Only a path of this app: never another site (an open redirect) or `//host`.
pub fn safe_return_to(path: &str) -> String {
    let ok = path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/\\");
    let on_the_way = path.starts_with("/signin") || path.starts_with(WEB_APP_SIGNED_OUT_PATH);
    if ok && !on_the_way {
        path.to_owned()
    } else {
        "/".to_owned()
    }
}

fn go(url: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().assign(url);
    }
}

/// Sends the browser to the provider's sign-in; it comes back to `return_to`.
/// `login_hint` fills in the sign-in name.
pub fn begin_sign_in(return_to: &str, login_hint: Option<&str>) {
    redirect_to_sign_in(return_to, login_hint, false);
}

/// [`begin_sign_in`]; `again` asks the provider for a new sign-in even when the
/// browser has a session (`prompt=login`, `max_age=0`), as a step-up needs.
pub(crate) fn redirect_to_sign_in(return_to: &str, login_hint: Option<&str>, again: bool) {
    let pending = Pending {
        state: random_value(),
        verifier: random_value(),
        return_to: safe_return_to(return_to),
    };
    if let Ok(json) = serde_json::to_string(&pending) {
        store(PENDING_KEY, Some(&json));
    }
    go(&authorize_url(
        &pending.state,
        &pending.verifier,
        login_hint,
        again,
    ));
}

pub(crate) fn authorize_url(
    state: &str,
    verifier: &str,
    login_hint: Option<&str>,
    again: bool,
) -> String {
    let mut params = vec![
        ("client_id", WEB_APP.to_string()),
        ("redirect_uri", redirect_uri()),
        ("response_type", "code".to_owned()),
        ("scope", WEB_APP_SCOPE.to_owned()),
        ("state", state.to_owned()),
        ("code_challenge", challenge(verifier)),
        ("code_challenge_method", "S256".to_owned()),
    ];
    if let Some(hint) = login_hint {
        params.push(("login_hint", hint.to_owned()));
    }
    if again {
        params.push(("prompt", "login".to_owned()));
        params.push(("max_age", "0".to_owned()));
    }
    let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    crate::api::with_query("/oauth2/authorize", &pairs)
}

/// Why the sign-in could not be finished.
#[derive(Debug, Clone, PartialEq)]
pub enum SignInError {
    /// The provider said no (`error` in the callback), in its words.
    Refused(String),
    /// The callback does not belong to a sign-in this tab started (an old or
    /// forged link), or the code no longer works.
    Stale,
    Network,
}

impl SignInError {
    pub fn message(&self) -> String {
        match self {
            SignInError::Refused(why) => format!("OpenStaff couldn't sign you in: {why}."),
            SignInError::Stale => {
                "That sign-in link has expired or was already used. Sign in again.".to_owned()
            }
            SignInError::Network => {
                "We couldn't reach OpenStaff. Check your connection and try again.".to_owned()
            }
        }
    }
}

/// What the provider sent back to `/signin/callback`: the code is exchanged and the
/// tokens kept. Answers where to go next.
pub async fn finish_sign_in(query: &[(String, String)]) -> Result<String, SignInError> {
    let get = |k: &str| {
        query
            .iter()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.clone())
    };
    let pending: Option<Pending> = load(PENDING_KEY).and_then(|j| serde_json::from_str(&j).ok());
    let Some(pending) = pending.filter(|p| get("state").as_deref() == Some(p.state.as_str()))
    else {
        return Err(SignInError::Stale);
    };
    // One use: a reload of the callback must not try the code again.
    store(PENDING_KEY, None);
    if let Some(error) = get("error") {
        return Err(SignInError::Refused(
            get("error_description").unwrap_or(error),
        ));
    }
    let Some(code) = get("code") else {
        return Err(SignInError::Stale);
    };
    let tokens = token_request(&[
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", &redirect_uri()),
        ("client_id", &WEB_APP.to_string()),
        ("code_verifier", &pending.verifier),
    ])
    .await?;
    if let Some(session) = Session::current() {
        session.keep(tokens);
    }
    Ok(pending.return_to)
}

pub(crate) async fn token_request(form: &[(&str, &str)]) -> Result<Tokens, SignInError> {
    let body = form
        .iter()
        .map(|(k, v)| format!("{k}={}", crate::api::encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let response = Request::post("/oauth2/token")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .map_err(|_| SignInError::Network)?
        .send()
        .await
        .map_err(|_| SignInError::Network)?;
    if !response.ok() {
        // invalid_grant and the like: the code or refresh token no longer works.
        return Err(SignInError::Stale);
    }
    let text = response.text().await.map_err(|_| SignInError::Network)?;
    serde_json::from_str(&text).map_err(|_| SignInError::Stale)
}

/// Renews the access token with the refresh token, once however many callers ask at
/// the same time. False when there is none or it no longer works (the session ended,
/// the password was reset): the tab must sign in again.
pub async fn renew() -> bool {
    let shared = RENEWING.with(|r| {
        r.borrow_mut()
            .get_or_insert_with(|| {
                async {
                    let ok = match Session::current().and_then(|s| s.refresh_token()) {
                        Some(refresh) => match token_request(&[
                            ("grant_type", "refresh_token"),
                            ("refresh_token", &refresh),
                            ("client_id", &WEB_APP.to_string()),
                        ])
                        .await
                        {
                            Ok(tokens) => {
                                if let Some(session) = Session::current() {
                                    session.keep(tokens);
                                }
                                true
                            }
                            Err(_) => false,
                        },
                        None => false,
                    };
                    RENEWING.with(|r| r.borrow_mut().take());
                    ok
                }
                .boxed_local()
                .shared()
            })
            .clone()
    });
    shared.await
}

/// Renews first when the access token is about to expire.
pub async fn ensure_fresh() {
    let Some(session) = Session::current() else {
        return;
    };
    if session.token_untracked().is_none() || session.refresh_token().is_none() {
        return;
    }
    let expiring = session
        .expires_at()
        .is_none_or(|at| at - js_sys::Date::now() < RENEW_BEFORE_MS);
    if expiring {
        renew().await;
    }
}

/// Signs out: forgets the tab's tokens and ends the provider session, which also
/// ends its refresh tokens; the provider then shows `/signed-out`.
pub fn sign_out() {
    let session = Session::current();
    let id_token = session.and_then(|s| s.id_token());
    if let Some(s) = session {
        s.forget_stored();
    }
    let mut params = vec![
        ("client_id", WEB_APP.to_string()),
        (
            "post_logout_redirect_uri",
            format!("{}{WEB_APP_SIGNED_OUT_PATH}", origin()),
        ),
    ];
    if let Some(t) = id_token {
        params.push(("id_token_hint", t));
    }
    let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    go(&crate::api::with_query("/oauth2/logout", &pairs));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_this_app_are_returned_to() {
        assert_eq!(safe_return_to("/locations/42?q=a"), "/locations/42?q=a");
        assert_eq!(safe_return_to("//evil.example/"), "/");
        assert_eq!(safe_return_to("/\\evil.example"), "/");
        assert_eq!(safe_return_to("https://evil.example/"), "/");
        assert_eq!(safe_return_to("/signin/callback?code=x"), "/");
        assert_eq!(safe_return_to("/signed-out"), "/");
    }

    #[test]
    fn the_challenge_is_s256_base64url_without_padding() {
        // Computed independently: base64.urlsafe_b64encode(sha256(v)).rstrip("=") in Python.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r8B8Qj6mvpeD7M"),
            "K1DzWLnuHvKCjyE349AYIXn1x21kF4NHP6MBeNrUIBA"
        );
    }
}
