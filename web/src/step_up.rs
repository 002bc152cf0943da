//! Step-up: proving again who you are before a sensitive action (a password reset,
//! a Temporary Access Pass, removing a sign-in method), without leaving the page.
//!
//! The server answers such a request `401 reauthentication_required` when the
//! sign-in behind the token is older than its window. The page keeps the form as
//! it is and offers "Confirm it's you" (see `components::ActionFailure`); that
//! button opens the provider's hosted sign-in in a popup with `prompt=login` and
//! `max_age=0`, named for the person signed in. The popup comes back to this app's
//! callback, which hands the code to this tab (`postMessage`, checked for this
//! origin, this popup and this state) and closes. Only this tab holds the PKCE
//! verifier, so only it can exchange the code; it keeps the new tokens and the
//! action is sent once more.

use crate::auth::SignInError;
use crate::auth::{authorize_url, origin, random_value, redirect_to_sign_in, token_request};
use crate::session::{Session, Tokens};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use shared::first_party::WEB_APP;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Starts the `state` of a step-up, so the callback knows to hand it back.
const STATE_PREFIX: &str = "stepup.";
/// Starts the message the popup posts to its opener; the rest is its query string.
const MESSAGE_PREFIX: &str = "openstaff.step-up";
/// How often to look whether the person closed the popup.
const CLOSED_POLL_MS: i32 = 500;

/// How a step-up ended.
#[derive(Debug, Clone, PartialEq)]
pub enum StepUp {
    /// Signed in again just now: the new tokens are kept; send the action again.
    Confirmed,
    /// The popup was closed before the sign-in finished.
    Cancelled,
    /// Someone else signed in in the popup; their tokens were thrown away.
    SomeoneElse,
    /// The browser blocked the popup, so the whole tab went to sign in; it comes
    /// back to this page.
    Redirected,
    Failed(SignInError),
}

/// A step-up under way in a popup.
pub struct Popup {
    window: web_sys::Window,
    state: String,
    verifier: String,
}

/// Opens the hosted sign-in in a popup. Call it straight from the click, so the
/// browser lets the popup open. When it is blocked anyway, the whole tab goes to
/// sign in and comes back to this page: what was typed into the form is lost then,
/// and the person sends it again.
pub fn open(login_hint: Option<&str>) -> Result<Popup, StepUp> {
    let state = format!("{STATE_PREFIX}{}", random_value());
    let verifier = random_value();
    let url = authorize_url(&state, &verifier, login_hint, true);
    let opened = web_sys::window().and_then(|w| {
        w.open_with_url_and_target_and_features(
            &url,
            "openstaff-step-up",
            "popup,width=480,height=720",
        )
        .ok()
        .flatten()
    });
    match opened {
        Some(window) => Ok(Popup {
            window,
            state,
            verifier,
        }),
        None => {
            let here = web_sys::window()
                .map(|w| {
                    let l = w.location();
                    format!(
                        "{}{}",
                        l.pathname().unwrap_or_default(),
                        l.search().unwrap_or_default()
                    )
                })
                .unwrap_or_default();
            redirect_to_sign_in(&here, login_hint, true);
            Err(StepUp::Redirected)
        }
    }
}

impl Popup {
    /// Waits for the popup to hand back its code (or to be closed), then exchanges
    /// the code and keeps the tokens.
    pub async fn finish(self) -> StepUp {
        let Some(query) = self.wait().await else {
            return StepUp::Cancelled;
        };
        let params = match web_sys::UrlSearchParams::new_with_str(&query) {
            Ok(p) => p,
            Err(_) => return StepUp::Failed(SignInError::Stale),
        };
        if params.get("state").as_deref() != Some(self.state.as_str()) {
            return StepUp::Failed(SignInError::Stale);
        }
        if let Some(error) = params.get("error") {
            let why = params.get("error_description").unwrap_or(error);
            return StepUp::Failed(SignInError::Refused(why));
        }
        let Some(code) = params.get("code") else {
            return StepUp::Failed(SignInError::Stale);
        };
        let tokens = match token_request(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &crate::auth::redirect_uri()),
            ("client_id", &WEB_APP.to_string()),
            ("code_verifier", &self.verifier),
        ])
        .await
        {
            Ok(t) => t,
            Err(e) => return StepUp::Failed(e),
        };
        keep_if_same_person(tokens)
    }

    /// The popup's query string once it posts it, `None` if it is closed first.
    async fn wait(&self) -> Option<String> {
        let resolve: Rc<RefCell<Option<js_sys::Function>>> = Rc::new(RefCell::new(None));
        let promise = {
            let resolve = resolve.clone();
            js_sys::Promise::new(&mut move |yes, _no| {
                *resolve.borrow_mut() = Some(yes);
            })
        };
        let settle = {
            let resolve = resolve.clone();
            move |value: JsValue| {
                if let Some(f) = resolve.borrow_mut().take() {
                    let _ = f.call1(&JsValue::NULL, &value);
                }
            }
        };
        let popup: JsValue = self.window.clone().into();
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new({
            let settle = settle.clone();
            move |event: web_sys::MessageEvent| {
                // Only this app's own origin, and only from this popup.
                let from_popup = event
                    .source()
                    .is_some_and(|s| js_sys::Object::is(&s, &popup));
                if event.origin() != origin() || !from_popup {
                    return;
                }
                if let Some(text) = event.data().as_string() {
                    if let Some(query) = text.strip_prefix(MESSAGE_PREFIX) {
                        settle(JsValue::from_str(query));
                    }
                }
            }
        });
        let watched = self.window.clone();
        let mut closed_ticks = 0;
        let on_tick = Closure::<dyn FnMut()>::new(move || {
            // Seen closed twice: the popup closes right after posting, and its
            // message may be delivered after the next timer tick.
            if watched.closed().unwrap_or(true) {
                closed_ticks += 1;
                if closed_ticks >= 2 {
                    settle(JsValue::NULL);
                }
            }
        });
        let window = web_sys::window()?;
        let _ =
            window.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
        let interval = window
            .set_interval_with_callback_and_timeout_and_arguments_0(
                on_tick.as_ref().unchecked_ref(),
                CLOSED_POLL_MS,
            )
            .ok();
        let answer = JsFuture::from(promise).await.ok();
        let _ = window
            .remove_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
        if let Some(id) = interval {
            window.clear_interval_with_handle(id);
        }
        drop((on_message, on_tick));
        answer.and_then(|v| v.as_string())
    }
}

/// Keeps the new tokens, unless they are someone else's: a colleague who signs in
/// in the popup must not carry on this person's page as themselves.
fn keep_if_same_person(tokens: Tokens) -> StepUp {
    let Some(session) = Session::current() else {
        return StepUp::Failed(SignInError::Stale);
    };
    let before = session.id_token().as_deref().and_then(subject);
    let after = tokens.id_token.as_deref().and_then(subject);
    if before.is_some() && before != after {
        return StepUp::SomeoneElse;
    }
    session.keep(tokens);
    StepUp::Confirmed
}

/// The `sub` of an ID token, read without checking the signature: it only compares
/// two tokens this tab got from the token endpoint itself.
fn subject(id_token: &str) -> Option<String> {
    let payload = id_token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("sub")?.as_str().map(str::to_owned)
}

/// What the callback page does with a step-up's answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Callback {
    /// Not a step-up: an ordinary sign-in, finished here.
    SignIn,
    /// Handed to the tab that opened the popup; this window closes.
    HandedBack,
    /// A step-up whose tab is gone: nothing to hand it to.
    Orphaned,
}

/// In the popup, at `/signin/callback`: posts the query string to the tab that
/// opened it (this origin only) and closes.
pub fn hand_back(state: Option<&str>) -> Callback {
    if !state.is_some_and(|s| s.starts_with(STATE_PREFIX)) {
        return Callback::SignIn;
    }
    let Some(window) = web_sys::window() else {
        return Callback::Orphaned;
    };
    let opener = window
        .opener()
        .ok()
        .filter(|o| !o.is_null() && !o.is_undefined())
        .map(|o| o.unchecked_into::<web_sys::Window>());
    let Some(opener) = opener else {
        return Callback::Orphaned;
    };
    let query = window.location().search().unwrap_or_default();
    let message = JsValue::from_str(&format!("{MESSAGE_PREFIX}{query}"));
    if opener.post_message(&message, &origin()).is_err() {
        return Callback::Orphaned;
    }
    let _ = window.close();
    Callback::HandedBack
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subject_is_read_from_the_payload() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"u-1","aud":"x"}"#);
        assert_eq!(subject(&format!("h.{payload}.s")).as_deref(), Some("u-1"));
        assert_eq!(subject("not-a-token"), None);
    }
}
