//! `/change-password`: the forced change after a reset (and a voluntary change).
//!
//! The rules the browser can check are shown live (from `shared::policy`); the ones
//! only the server can check (strength, reuse) are listed as such. On success every
//! token ends, so the page signs in again with the new password by itself.

use crate::api;
use crate::components::{Checklist, CurrentUser, RuleLine};
use crate::reactive::{action, effect, resource, ApiAction};
use crate::session::Session;
use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_navigate, NavigateOptions};
use shared::dto::{ChangePasswordRequest, TokenRequest};
use shared::policy::check_cloud_basics;

#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    let session = Session::get();
    // Only whether there is a token: signing in again below swaps the token, and the
    // form must survive that to finish navigating.
    let signed_in = Memo::new(move |_| session.token().is_some());
    move || {
        if signed_in.get() {
            view! { <ChangePasswordForm /> }.into_any()
        } else {
            view! { <Redirect path="/signin" /> }.into_any()
        }
    }
}

#[derive(Clone)]
struct Change {
    username: Option<String>,
    request: ChangePasswordRequest,
}

#[component]
fn ChangePasswordForm() -> impl IntoView {
    let session = Session::get();
    let current_user = CurrentUser::get();
    let navigate = use_navigate();
    let forced = session.password_change_required_untracked();
    let username = move || {
        session
            .username()
            .or_else(|| current_user.me().map(|m| m.user_principal_name))
    };
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let local_error = RwSignal::new(None::<String>);

    let policy = resource(|| Box::pin(api::password_policy()));

    let rules = Signal::derive(move || {
        let upn = username().unwrap_or_default();
        let mut lines: Vec<RuleLine> = match policy.get() {
            Some(Ok(p)) => check_cloud_basics(&p.cloud, &new.get(), &upn, "")
                .into_iter()
                .map(RuleLine::from)
                .collect(),
            _ => Vec::new(),
        };
        let pw = new.get();
        lines.push(RuleLine::Live {
            rule: "Both new passwords match".to_owned(),
            met: !pw.is_empty() && pw == confirm.get(),
        });
        lines.push(RuleLine::Server("Not a password you have used before"));
        lines.push(RuleLine::Server("Hard to guess"));
        lines
    });

    // Change, then sign in again: the change ended every token, including ours.
    let change: ApiAction<Change, bool> = action(|c: &Change| {
        let c = c.clone();
        Box::pin(async move {
            api::change_my_password(&c.request).await?;
            let Some(username) = c.username else {
                return Ok(false);
            };
            match api::request_token(&TokenRequest {
                username,
                password: c.request.new_password.clone(),
            })
            .await
            {
                Ok(token) => {
                    if let Some(session) = Session::current() {
                        session.sign_in(token.access_token, token.password_change_required);
                    }
                    Ok(true)
                }
                Err(_) => Ok(false),
            }
        })
    });

    effect(move || {
        if let Some(Ok(signed_in)) = change.value() {
            current.set(String::new());
            new.set(String::new());
            confirm.set(String::new());
            if !signed_in {
                session.sign_out();
            }
            navigate(
                if signed_in { "/" } else { "/signin" },
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (c, n, k) = (
            current.get_untracked(),
            new.get_untracked(),
            confirm.get_untracked(),
        );
        if c.is_empty() || n.is_empty() {
            local_error.set(Some(
                "Enter your current password and a new password.".to_owned(),
            ));
            return;
        }
        if n != k {
            local_error.set(Some("The two new passwords don't match.".to_owned()));
            return;
        }
        local_error.set(None);
        change.dispatch(Change {
            username: username(),
            request: ChangePasswordRequest {
                current_password: c,
                new_password: n,
            },
        });
    };

    let pending = change.pending();
    let error = move || {
        if let Some(m) = local_error.get() {
            return Some(m);
        }
        match change.value() {
            Some(Err(e)) if !pending.get() => Some(e.message()),
            _ => None,
        }
    };

    view! {
        <section class="card" aria-labelledby="change-heading">
            <h1 id="change-heading">"Choose a new password"</h1>
            {forced
                .then(|| {
                    view! {
                        <p>
                            "Your password was reset. Choose a new one that only you know before you continue."
                        </p>
                    }
                })}
            <form on:submit=on_submit novalidate>
                <div class="field">
                    <label for="current-password">"Current password"</label>
                    <p class="hint" id="current-hint">
                        {if forced {
                            "The temporary password you were given."
                        } else {
                            "The password you signed in with."
                        }}
                    </p>
                    <input
                        id="current-password"
                        type="password"
                        autocomplete="current-password"
                        aria-describedby="current-hint"
                        required
                        bind:value=current
                    />
                </div>
                <div class="field">
                    <label for="new-password">"New password"</label>
                    <input
                        id="new-password"
                        type="password"
                        autocomplete="new-password"
                        aria-describedby="new-password-rules"
                        required
                        bind:value=new
                    />
                </div>
                <div class="field">
                    <label for="confirm-password">"Confirm new password"</label>
                    <input
                        id="confirm-password"
                        type="password"
                        autocomplete="new-password"
                        required
                        bind:value=confirm
                    />
                </div>
                <div id="new-password-rules">
                    <Checklist label="Password rules" rules />
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
                    "Change password"
                </button>
            </form>
        </section>
    }
}
