//! `/change-password`: the person changes their own password from "My account".
//!
//! The rules the browser can check are shown live (from `shared::policy`); the ones
//! only the server can check (strength, reuse) are listed as such. A change ends
//! every session of the person, this one too (as a reset does), so the page then
//! offers to sign in again with the new password. (A forced change after a reset
//! happens on the provider's sign-in page, before this app is reached.)

use crate::api;
use crate::auth;
use crate::components::{Checklist, CurrentUser, Protected, RuleLine};
use crate::reactive::{action, effect, resource, ApiAction};
use crate::session::Session;
use leptos::prelude::*;
use shared::dto::ChangePasswordRequest;
use shared::policy::{check_cloud_basics, check_on_premises};

#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    // Changed: every token has ended, so the guard must not send us to sign in
    // before the person has read that it worked.
    let changed = RwSignal::new(None::<String>);
    move || match changed.get() {
        Some(upn) => view! { <Changed upn /> }.into_any(),
        None => view! {
            <Protected>
                <ChangePasswordForm changed />
            </Protected>
        }
        .into_any(),
    }
}

#[component]
fn Changed(upn: String) -> impl IntoView {
    let hint = upn.clone();
    view! {
        <section class="card" aria-labelledby="changed-heading">
            <h1 id="changed-heading" tabindex="-1">"Your password has been changed"</h1>
            <p role="status">
                "You're signed out everywhere, on every device. Sign in again with your new password."
            </p>
            <button
                type="button"
                class="button button-primary"
                on:click=move |_| auth::begin_sign_in("/", Some(&hint))
            >
                "Sign in again"
            </button>
        </section>
    }
}

#[component]
fn ChangePasswordForm(changed: RwSignal<Option<String>>) -> impl IntoView {
    let current_user = CurrentUser::get();
    let username = move || current_user.me().map(|m| m.user_principal_name);
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let local_error = RwSignal::new(None::<String>);

    let policy = resource(|| Box::pin(api::password_policy()));

    // A password the on-premises directory keeps is changed there, under its rules.
    let in_directory = move || current_user.me().is_some_and(|m| m.password_in_directory);
    let rules = Signal::derive(move || {
        let upn = username().unwrap_or_default();
        let name = current_user
            .me()
            .map(|m| m.display_name)
            .unwrap_or_default();
        let directory = in_directory();
        let mut lines: Vec<RuleLine> = match policy.get() {
            Some(Ok(p)) if directory => check_on_premises(&p.on_premises, &new.get(), &upn, &name)
                .into_iter()
                .map(RuleLine::from)
                .collect(),
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
        if directory {
            lines.push(RuleLine::Server(
                "Your company directory's other rules, such as history",
            ));
        } else {
            lines.push(RuleLine::Server("Not a password you have used before"));
            lines.push(RuleLine::Server("Hard to guess"));
        }
        lines
    });

    let change: ApiAction<ChangePasswordRequest, ()> = action(|r: &ChangePasswordRequest| {
        let r = r.clone();
        Box::pin(async move { api::change_my_password(&r).await })
    });

    effect(move || {
        if let Some(Ok(())) = change.value() {
            current.set(String::new());
            new.set(String::new());
            confirm.set(String::new());
            changed.set(Some(username().unwrap_or_default()));
            if let Some(session) = Session::current() {
                session.forget();
            }
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
        change.dispatch(ChangePasswordRequest {
            current_password: c,
            new_password: n,
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
            <h1 id="change-heading">"Change your password"</h1>
            {move || {
                in_directory()
                    .then(|| {
                        view! {
                            <p class="hint">
                                "This is your company network (Windows) password: it changes there too, for your computer, Wi-Fi and file shares."
                            </p>
                        }
                    })
            }}
            <form on:submit=on_submit novalidate>
                <div class="field">
                    <label for="current-password">"Current password"</label>
                    <p class="hint" id="current-hint">"The password you signed in with."</p>
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
