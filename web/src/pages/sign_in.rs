//! `/signin`: exchange a username and password for an access token.

use crate::api;
use crate::reactive::{action, effect, ApiAction};
use crate::session::Session;
use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_navigate, NavigateOptions};
use shared::dto::{TokenRequest, TokenResponse};

#[component]
pub fn SignInPage() -> impl IntoView {
    let session = Session::get();
    // Already signed in in this tab: nothing to do here. Checked once, untracked, so
    // that signing in below navigates instead of racing a redirect.
    if session.token_untracked().is_some() {
        return view! { <Redirect path="/" /> }.into_any();
    }
    view! { <SignInForm /> }.into_any()
}

#[component]
fn SignInForm() -> impl IntoView {
    let session = Session::get();
    let navigate = use_navigate();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let missing = RwSignal::new(false);

    let sign_in: ApiAction<TokenRequest, TokenResponse> = action(|request: &TokenRequest| {
        let request = request.clone();
        Box::pin(async move { api::request_token(&request).await })
    });

    effect(move || {
        if let Some(Ok(token)) = sign_in.value() {
            let change = token.password_change_required;
            if change {
                // The forced change signs in again with the new password by itself.
                session.remember_username(username.get_untracked().trim());
            }
            session.sign_in(token.access_token, change);
            // Never leave the password in memory longer than needed.
            password.set(String::new());
            navigate(
                if change { "/change-password" } else { "/" },
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let username = username.get_untracked().trim().to_owned();
        let password = password.get_untracked();
        if username.is_empty() || password.is_empty() {
            missing.set(true);
            return;
        }
        missing.set(false);
        sign_in.dispatch(TokenRequest { username, password });
    };

    let pending = sign_in.pending();
    let error = move || {
        if missing.get() {
            return Some("Enter your username and password.".to_owned());
        }
        match sign_in.value() {
            Some(Err(e)) if !pending.get() => Some(e.message()),
            _ => None,
        }
    };

    view! {
        <section class="card signin" aria-labelledby="signin-heading">
            <h1 id="signin-heading">"Sign in"</h1>
            <p class="muted">"Use your work account to look after your team."</p>
            <form on:submit=on_submit novalidate>
                <div class="field">
                    <label for="username">"Username"</label>
                    <input
                        id="username"
                        name="username"
                        type="text"
                        inputmode="email"
                        autocomplete="username"
                        autocapitalize="none"
                        spellcheck="false"
                        placeholder="name@example.com"
                        required
                        autofocus
                        bind:value=username
                    />
                </div>
                <div class="field">
                    <label for="password">"Password"</label>
                    <input
                        id="password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                        bind:value=password
                    />
                </div>
                <div class="form-error" role="alert" aria-live="assertive">
                    {move || error().map(|m| view! { <p class="notice notice-error">{m}</p> })}
                </div>
                <button
                    type="submit"
                    class="button button-primary"
                    disabled=move || pending.get()
                    aria-busy=move || pending.get().to_string()
                >
                    "Sign in"
                </button>
            </form>
        </section>
    }
}
