//! The "Sign-in methods" card of `/users/:id`: what the person signs in with
//! (kinds and dates, never secrets) and the manager's account-recovery actions:
//! sign out everywhere, unlock, require re-registration, and a Temporary Access
//! Pass. Each button shows only where `allowed_actions` allows it, asks first, and
//! says plainly what happened; the API decides again.

use crate::api::{self, ApiError};
use crate::components::{action_failure, load_view, ConfirmDialog, Confirmation, HandOver};
use crate::reactive::{action, effect, resource, LocalFuture};
use crate::when;
use leptos::prelude::*;
use shared::dto::{
    AuthenticationMethodKind, AuthenticationMethodSummary, IssueTemporaryAccessPass, Page,
    TemporaryAccessPass, User,
};
use shared::rules::Action as Permission;

/// A method's kind in words.
pub fn kind_words(kind: AuthenticationMethodKind) -> &'static str {
    match kind {
        AuthenticationMethodKind::Totp => "Authenticator app",
        AuthenticationMethodKind::Passkey => "Passkey",
        AuthenticationMethodKind::TemporaryAccessPass => "Temporary Access Pass",
    }
}

/// The lifetimes a manager picks from (minutes, words); the API takes 10 to 1440.
const LIFETIMES: [(u32, &str); 5] = [
    (10, "10 minutes"),
    (60, "1 hour"),
    (240, "4 hours"),
    (480, "8 hours"),
    (1440, "1 day"),
];
const DEFAULT_LIFETIME: u32 = 60;

#[component]
pub fn SignInMethodsCard(user: User) -> impl IntoView {
    let id = user.id.to_string();
    let name = user.display_name.clone();
    // Bumped by every action that changes the methods, to list them again.
    let changed = RwSignal::new(0u32);
    let methods = resource({
        let id = id.clone();
        move || {
            changed.get();
            let id = id.clone();
            Box::pin(async move { api::user_authentication_methods(&id).await })
        }
    });
    let may = |p: Permission| user.allowed_actions.contains(&p);
    let locked_until = user
        .locked_until
        .filter(|at| at.timestamp_millis() as f64 > js_sys::Date::now());

    let list = load_view("Loading sign-in methods…", move || {
        Box::pin(async move {
            let page: Page<AuthenticationMethodSummary> = methods.await?;
            Ok(view! { <MethodList methods=page.items /> }.into_any())
        })
    });
    let has_pass = Signal::derive(move || {
        methods.get().and_then(Result::ok).is_some_and(|p| {
            p.items.iter().any(|m| {
                m.kind == AuthenticationMethodKind::TemporaryAccessPass
                    && m.expires_at
                        .is_some_and(|at| at.timestamp_millis() as f64 > js_sys::Date::now())
            })
        })
    });

    let locked = locked_until.map(|at| {
        view! {
            <p class="notice" role="status">
                {format!(
                    "Locked after too many failed sign-ins, until {}.",
                    when::local_time(at),
                )}
            </p>
        }
    });
    let unlock = (locked_until.is_some() && may(Permission::UnlockAccount)).then(|| {
        view! {
            <OneClick
                user_id=id.clone()
                dialog_id="unlock-confirm"
                label="Unlock"
                question=format!("Unlock {name}'s account? They can try to sign in again at once.")
                confirm_label="Unlock now"
                done=format!("{name}'s account is unlocked. They can sign in again.")
                once=true
                call=|id| Box::pin(api::unlock(id))
                changed
            />
        }
    });
    let revoke = may(Permission::RevokeSessions).then(|| {
        view! {
            <OneClick
                user_id=id.clone()
                dialog_id="revoke-sessions-confirm"
                label="Sign out everywhere"
                question=format!(
                    "Sign {name} out everywhere? Every app and device they're signed in to signs them out; they sign in again with their password.",
                )
                confirm_label="Sign out everywhere"
                done=format!("{name} is signed out everywhere.")
                call=|id| Box::pin(api::revoke_sessions(id))
                changed
            />
        }
    });
    let reregister = may(Permission::RequireReregistration).then(|| {
        view! {
            <OneClick
                user_id=id.clone()
                dialog_id="reregister-confirm"
                label="Require re-registration"
                question=format!(
                    "Remove {name}'s authenticator apps and passkeys? They'll set up new ones the next time they sign in. Do this when a phone is lost or replaced.",
                )
                confirm_label="Remove their methods"
                danger=true
                done=format!(
                    "{name}'s authenticator apps and passkeys are removed. They'll set up new ones at their next sign-in.",
                )
                call=|id| Box::pin(api::require_reregistration(id))
                changed
            />
        }
    });
    let pass = may(Permission::IssueTemporaryAccessPass).then(|| {
        view! {
            <IssuePass user_id=id.clone() name=name.clone() changed />
            // Mounted whether or not a pass is active, so its confirmation stays on
            // screen once the list no longer shows the pass it revoked.
            <OneClick
                user_id=id.clone()
                dialog_id="revoke-pass-confirm"
                label="Revoke pass"
                question=format!("Revoke {name}'s Temporary Access Pass? It stops working at once.")
                confirm_label="Revoke pass"
                danger=true
                done=format!("{name}'s Temporary Access Pass no longer works.")
                available=has_pass
                call=|id| Box::pin(api::revoke_temporary_access_pass(id))
                changed
            />
        }
    });

    view! {
        <section class="card" aria-labelledby="methods-heading">
            <h2 id="methods-heading">"Sign-in methods"</h2>
            {locked}
            {list}
            <div class="recovery">
                {unlock}
                {revoke}
                {reregister}
                {pass}
            </div>
        </section>
    }
}

#[component]
fn MethodList(methods: Vec<AuthenticationMethodSummary>) -> impl IntoView {
    if methods.is_empty() {
        return view! {
            <p class="muted">
                "Password only: no authenticator app or passkey is set up yet."
            </p>
        }
        .into_any();
    }
    view! {
        <ul class="list" aria-label="Sign-in methods">
            {methods
                .into_iter()
                .map(|m| {
                    let used = match m.last_used_at {
                        Some(at) => format!("Last used {}", when::local_time(at)),
                        None => "Not used yet".to_owned(),
                    };
                    let expiry = m
                        .expires_at
                        .map(|at| {
                            if at.timestamp_millis() as f64 > js_sys::Date::now() {
                                format!("Expires {}", when::expiry(at))
                            } else {
                                "Expired".to_owned()
                            }
                        });
                    view! {
                        <li class="list-item method">
                            <span class="method-kind">{kind_words(m.kind)}</span>
                            <span class="muted">
                                {format!("Added {} · {used}", when::local_time(m.created_at))}
                            </span>
                            {expiry.map(|e| view! { <span>{e}</span> })}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// One recovery action that takes no input: a button, its confirmation, and what
/// happened.
#[component]
pub(crate) fn OneClick(
    /// Whom the call is for (read when the action runs).
    #[prop(into)]
    user_id: Signal<String>,
    dialog_id: &'static str,
    label: &'static str,
    #[prop(into)] question: String,
    confirm_label: &'static str,
    #[prop(into)] done: String,
    call: fn(String) -> LocalFuture<Result<(), ApiError>>,
    changed: RwSignal<u32>,
    /// Red confirm button: it removes something.
    #[prop(optional)]
    danger: bool,
    /// Gone once done (there is nothing left to unlock).
    #[prop(optional)]
    once: bool,
    /// The button only while this holds (there is a pass to revoke); the last
    /// outcome stays until it holds again.
    #[prop(optional, into)]
    available: Option<Signal<bool>>,
) -> impl IntoView {
    let confirmation = Confirmation::new();
    let run = action(move |_: &()| call(user_id.get_untracked()));
    let pending = run.pending();
    if let Some(available) = available {
        // Something new to act on (a new pass): the old outcome no longer applies.
        effect(move || {
            if available.get() {
                run.clear();
            }
        });
    }
    effect(move || {
        if let Some(Ok(())) = run.value() {
            confirmation.close();
            changed.update(|n| *n += 1);
        }
    });
    let succeeded = move || matches!(run.value(), Some(Ok(())));
    let confirm_class = if danger {
        "button button-danger"
    } else {
        "button button-primary"
    };
    let question = StoredValue::new(question);
    view! {
        <div class="recovery-action">
            <div aria-live="polite">
                {move || succeeded().then(|| view! { <p class="notice notice-success" role="status">{done.clone()}</p> })}
            </div>
            {move || {
                if confirmation.is_open() {
                    view! {
                        <ConfirmDialog confirmation id=dialog_id question=question.get_value()>
                            {action_failure(run)}
                            <div class="actions">
                                <button
                                    type="button"
                                    class=confirm_class
                                    disabled=move || pending.get()
                                    on:click=move |_| run.dispatch(())
                                >
                                    {confirm_label}
                                </button>
                                <button
                                    type="button"
                                    class="button button-secondary"
                                    on:click=move |_| confirmation.close()
                                >
                                    "Cancel"
                                </button>
                            </div>
                        </ConfirmDialog>
                    }
                        .into_any()
                } else if (once && succeeded()) || available.is_some_and(|a| !a.get()) {
                    ().into_any()
                } else {
                    view! {
                        <button
                            type="button"
                            class="button button-secondary"
                            node_ref=confirmation.trigger()
                            on:click=move |_| {
                                run.clear();
                                confirmation.open();
                            }
                        >
                            {label}
                        </button>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}

/// "Issue Temporary Access Pass": how long and whether for one sign-in, then the
/// pass in the hand-over component.
#[component]
fn IssuePass(user_id: String, name: String, changed: RwSignal<u32>) -> impl IntoView {
    let confirmation = Confirmation::new();
    let lifetime = RwSignal::new(DEFAULT_LIFETIME);
    let one_time = RwSignal::new(true);
    let issue = action(move |request: &IssueTemporaryAccessPass| {
        let (id, request) = (user_id.clone(), request.clone());
        Box::pin(async move { api::issue_temporary_access_pass(&id, &request).await })
    });
    let pending = issue.pending();
    effect(move || {
        if let Some(Ok(_)) = issue.value() {
            confirmation.finish();
            changed.update(|n| *n += 1);
        }
    });
    let name = StoredValue::new(name);
    move || {
        match issue.value() {
        Some(Ok(pass)) => {
            let done = move |_| {
                // Shown once: forget it.
                issue.clear();
                confirmation.close();
            };
            view! {
                <IssuedPass name=name.get_value() pass />
                <button type="button" class="button button-secondary" on:click=done>
                    "Done"
                </button>
            }
            .into_any()
        }
        _ if confirmation.is_open() => view! {
            <ConfirmDialog
                confirmation
                id="pass-confirm"
                question=format!(
                    "Issue a Temporary Access Pass for {}? They type it on the sign-in page instead of their password, then set up a new sign-in method. A pass they already have stops working.",
                    name.get_value(),
                )
            >
                <div class="field">
                    <label for="pass-lifetime">"Works for"</label>
                    <select
                        id="pass-lifetime"
                        on:change=move |ev| {
                            if let Ok(m) = event_target_value(&ev).parse() {
                                lifetime.set(m);
                            }
                        }
                    >
                        {LIFETIMES
                            .iter()
                            .map(|(minutes, words)| {
                                let minutes = *minutes;
                                view! {
                                    <option value=minutes.to_string() selected=move || lifetime.get() == minutes>
                                        {*words}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field checkbox">
                    <input
                        id="pass-one-time"
                        type="checkbox"
                        prop:checked=move || one_time.get()
                        on:change=move |ev| one_time.set(event_target_checked(&ev))
                    />
                    <label for="pass-one-time">"One sign-in only"</label>
                </div>
                {action_failure(issue)}
                <div class="actions">
                    <button
                        type="button"
                        class="button button-primary"
                        disabled=move || pending.get()
                        on:click=move |_| {
                            issue.dispatch(IssueTemporaryAccessPass {
                                lifetime_minutes: Some(lifetime.get_untracked()),
                                one_time: Some(one_time.get_untracked()),
                            });
                        }
                    >
                        "Issue pass"
                    </button>
                    <button type="button" class="button button-secondary" on:click=move |_| confirmation.close()>
                        "Cancel"
                    </button>
                </div>
            </ConfirmDialog>
        }
        .into_any(),
        _ => view! {
            <button
                type="button"
                class="button button-secondary"
                node_ref=confirmation.trigger()
                on:click=move |_| {
                    issue.clear();
                    confirmation.open();
                }
            >
                "Issue Temporary Access Pass"
            </button>
        }
        .into_any(),
    }
    }
}

#[component]
fn IssuedPass(name: String, pass: TemporaryAccessPass) -> impl IntoView {
    let uses = if pass.one_time {
        "for one sign-in"
    } else {
        "for as many sign-ins as they need"
    };
    view! {
        <div class="notice notice-success" role="status">
            <p>{format!("{name} has a Temporary Access Pass.")}</p>
        </div>
        <HandOver
            id="temporary-access-pass"
            label="Temporary Access Pass"
            value=pass.pass
            expires_at=Some(pass.expires_at)
        />
        <p>
            {format!(
                "Give it to {name} in person. It works {uses} until it expires. This is the only time it is shown.",
            )}
        </p>
    }
}
