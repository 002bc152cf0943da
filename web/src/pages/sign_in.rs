//! Signing in and out through OpenStaff's provider (see [`crate::auth`]):
//! `/signin` goes to the hosted sign-in page, `/signin/callback` is where it sends
//! the browser back with a code, and `/signed-out` is where sign-out ends.

use crate::auth::{self, SignInError};
use crate::session::Session;
use crate::step_up::{self, Callback};
use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_navigate, NavigateOptions};

fn query_pairs() -> Vec<(String, String)> {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    web_sys::UrlSearchParams::new_with_str(&search)
        .map(|params| {
            let mut pairs = Vec::new();
            for key in ["code", "state", "error", "error_description", "next"] {
                if let Some(v) = params.get(key) {
                    pairs.push((key.to_owned(), v));
                }
            }
            pairs
        })
        .unwrap_or_default()
}

/// `/signin?next=/path`: on to the provider's sign-in page (which signs in at once
/// when the browser already has an OpenStaff session).
#[component]
pub fn SignInPage() -> impl IntoView {
    let session = Session::get();
    let next = query_pairs()
        .into_iter()
        .find(|(k, _)| k == "next")
        .map(|(_, v)| auth::safe_return_to(&v))
        .unwrap_or_else(|| "/".to_owned());
    if session.token_untracked().is_some() {
        return view! { <Redirect path=next /> }.into_any();
    }
    auth::begin_sign_in(&next, None);
    view! {
        <section class="card signin" aria-labelledby="signin-heading">
            <h1 id="signin-heading">"Sign in"</h1>
            <p role="status">"Taking you to OpenStaff sign-in…"</p>
        </section>
    }
    .into_any()
}

/// `/signin/callback?code=…&state=…`: the code for tokens, then back where the
/// person was going.
#[component]
pub fn SignInCallbackPage() -> impl IntoView {
    let navigate = use_navigate();
    let failed = RwSignal::new(None::<SignInError>);
    let query = query_pairs();
    let state = query
        .iter()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.as_str());
    match step_up::hand_back(state) {
        Callback::SignIn => {}
        Callback::HandedBack => {
            return view! {
                <section class="card signin" aria-labelledby="signin-heading">
                    <h1 id="signin-heading">"Confirmed"</h1>
                    <p role="status">"Thanks. You can close this window."</p>
                </section>
            }
            .into_any();
        }
        Callback::Orphaned => {
            return view! {
                <section class="card signin" aria-labelledby="signin-heading">
                    <h1 id="signin-heading">"Nothing left to confirm"</h1>
                    <p role="status">
                        "The OpenStaff page that asked for this sign-in was closed. Close this window and try again from OpenStaff."
                    </p>
                </section>
            }
            .into_any();
        }
    }
    leptos::task::spawn_local(async move {
        match auth::finish_sign_in(&query).await {
            Ok(next) => navigate(
                &next,
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            ),
            Err(e) => failed.set(Some(e)),
        }
    });
    view! {
        <section class="card signin" aria-labelledby="signin-heading">
            <h1 id="signin-heading">"Sign in"</h1>
            {move || match failed.get() {
                None => view! { <p role="status">"Signing you in…"</p> }.into_any(),
                Some(e) => {
                    view! {
                        <p class="notice notice-error" role="alert">{e.message()}</p>
                        <SignInAgain />
                    }
                        .into_any()
                }
            }}
        </section>
    }
    .into_any()
}

/// `/signed-out`: where the provider sends the browser after signing out.
#[component]
pub fn SignedOutPage() -> impl IntoView {
    // Whatever this tab still held is of no use now.
    if let Some(s) = Session::current() {
        s.forget();
    }
    view! {
        <section class="card signin" aria-labelledby="signed-out-heading">
            <h1 id="signed-out-heading">"You've signed out"</h1>
            <p>
                "You're signed out of OpenStaff on this device. Applications you opened with OpenStaff may keep you signed in until you sign out of them too."
            </p>
            <SignInAgain />
        </section>
    }
}

#[component]
fn SignInAgain() -> impl IntoView {
    view! {
        <button type="button" class="button button-primary" on:click=|_| auth::begin_sign_in("/", None)>
            "Sign in again"
        </button>
    }
}
