//! `/users/:id`: one person's profile, and what the manager may do for them: reset the
//! password (cloud: a temporary password shown once; on-premises: a typed password
//! with the live policy checklist), manage phone numbers, sign-in methods and the
//! sign-in badge. Buttons appear only for
//! allowed actions; otherwise the page can explain why not.

use crate::api;
use crate::components::{
    action_failure, load_view, show_or, Checklist, ConfirmDialog, Confirmation, HandOver, RuleLine,
    StaffGate,
};
use crate::pages::badges::BadgeCard;
use crate::pages::recovery::SignInMethodsCard;
use crate::reactive::{action, effect, resource, ApiAction};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use shared::dto::{PhoneMethods, PhoneType, ResetPasswordResponse, User, UserSource};
use shared::policy::check_on_premises;
use shared::rules::Action as Permission;

#[component]
pub fn UserPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    view! {
        <StaffGate>
            {move || view! { <Profile id=id.get() /> }}
        </StaffGate>
    }
}

#[component]
fn Profile(id: String) -> impl IntoView {
    let user = resource(move || {
        let id = id.clone();
        Box::pin(async move { api::user(&id).await })
    });
    load_view("Loading profile…", move || {
        Box::pin(async move {
            let user = user.await?;
            Ok(view! {
                <Details user=user.clone() />
                <PasswordCard user=user.clone() />
                <SignInMethodsCard user=user.clone() />
                <BadgeCard user=user.clone() />
                <PhoneCard user />
            }
            .into_any())
        })
    })
}

#[component]
fn Details(user: User) -> impl IntoView {
    let source = match user.source {
        UserSource::Cloud => "Cloud account",
        UserSource::OnPremises => "On-premises account (synchronised)",
    };
    let state = if user.account_enabled {
        "Can sign in"
    } else {
        "Turned off: can't sign in"
    };
    let locations = if user.administrative_units.is_empty() {
        view! { <p class="muted">"Not in any location."</p> }.into_any()
    } else {
        view! {
            <ul class="list" aria-labelledby="user-locations-heading">
                {user
                    .administrative_units
                    .iter()
                    .map(|u| {
                        view! {
                            <li class="list-item">
                                <a href=format!("/locations/{}", u.id)>{u.display_name.clone()}</a>
                                {u.restricted.then(|| view! { <span class="badge badge-view">"Restricted"</span> })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    let roles = if user.roles.is_empty() {
        view! { <p class="muted">"No administrator roles."</p> }.into_any()
    } else {
        view! {
            <ul class="list" aria-labelledby="user-roles-heading">
                {user
                    .roles
                    .iter()
                    .map(|r| view! { <li class="list-item">{r.display_name()}</li> })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <section class="card profile" aria-labelledby="user-heading">
            <h1 id="user-heading">{user.display_name.clone()}</h1>
            <dl class="facts">
                <div>
                    <dt>"Sign-in name"</dt>
                    <dd>{user.user_principal_name.clone()}</dd>
                </div>
                {user.job_title.clone().map(|t| view! { <div><dt>"Job title"</dt><dd>{t}</dd></div> })}
                {user
                    .department
                    .clone()
                    .map(|t| view! { <div><dt>"Department"</dt><dd>{t}</dd></div> })}
                {user.mail.clone().map(|t| view! { <div><dt>"Email"</dt><dd>{t}</dd></div> })}
                <div>
                    <dt>"Account"</dt>
                    <dd>{format!("{source} · {state}")}</dd>
                </div>
            </dl>
            <h2 id="user-locations-heading">"Locations"</h2>
            {locations}
            <h2 id="user-roles-heading">"Roles"</h2>
            {roles}
        </section>
    }
}

/// "Why can't I …?": asks the server to explain the decision.
#[component]
fn WhyNot(id: String, permission: Permission, question: &'static str) -> impl IntoView {
    let explain = action(move |_: &()| {
        let id = id.clone();
        Box::pin(async move { api::access(&id, permission).await })
    });
    let answer = move || {
        explain.value().map(|r| match r {
            Ok(decision) => {
                let headline = decision
                    .denial
                    .map(|d| d.message(permission).to_owned())
                    .unwrap_or_else(|| {
                        if decision.allowed {
                            "You can do this now. Reload the page to see the button.".to_owned()
                        } else {
                            "Your roles don't allow this.".to_owned()
                        }
                    });
                view! {
                    <div class="notice" role="status">
                        <p>{headline}</p>
                        {(!decision.reasons.is_empty())
                            .then(|| {
                                view! {
                                    <ul class="reasons" aria-label="Reasons">
                                        {decision
                                            .reasons
                                            .into_iter()
                                            .map(|r| view! { <li>{r}</li> })
                                            .collect_view()}
                                    </ul>
                                }
                            })}
                    </div>
                }
                .into_any()
            }
            Err(e) => {
                view! { <p class="notice notice-error" role="alert">{e.message()}</p> }.into_any()
            }
        })
    };
    view! {
        <button
            type="button"
            class="button button-link"
            disabled=move || explain.pending().get()
            on:click=move |_| {
                explain.dispatch(());
            }
        >
            {question}
        </button>
        {answer}
    }
}

#[component]
fn PasswordCard(user: User) -> impl IntoView {
    let allowed = user.allowed_actions.contains(&Permission::ResetPassword);
    let body = if !allowed {
        view! {
            <p class="muted">"You can't reset this password."</p>
            <WhyNot id=user.id.to_string() permission=Permission::ResetPassword question="Why can't I reset the password?" />
        }
        .into_any()
    } else if user.source == UserSource::Cloud {
        view! { <CloudReset user /> }.into_any()
    } else {
        view! { <OnPremisesReset user /> }.into_any()
    };
    view! {
        <section class="card" aria-labelledby="password-heading">
            <h2 id="password-heading">"Password"</h2>
            {body}
        </section>
    }
}

fn reset_action(id: String) -> ApiAction<Option<String>, ResetPasswordResponse> {
    action(move |password: &Option<String>| {
        let (id, password) = (id.clone(), password.clone());
        Box::pin(async move { api::reset_password(&id, password).await })
    })
}

#[component]
fn CloudReset(user: User) -> impl IntoView {
    let name = user.display_name.clone();
    let confirmation = Confirmation::new();
    let reset = reset_action(user.id.to_string());
    let pending = reset.pending();
    let name_for_result = name.clone();
    move || {
        match reset.value() {
        Some(Ok(result)) => {
            let done = move |_| {
                // The temporary password is shown once: forget it.
                reset.clear();
                confirmation.close();
            };
            view! {
                <TemporaryPassword name=name_for_result.clone() result />
                <button type="button" class="button button-secondary" on:click=done>
                    "Done"
                </button>
            }
            .into_any()
        }
        _ if confirmation.is_open() => view! {
            <ConfirmDialog
                confirmation
                id="reset-confirm"
                question=format!(
                    "Reset {name}'s password? You'll get a temporary password to give them; they must choose a new one when they sign in. Their current password stops working.",
                )
            >
                {action_failure(reset)}
                <div class="actions">
                    <button
                        type="button"
                        class="button button-primary"
                        disabled=move || pending.get()
                        on:click=move |_| {
                            reset.dispatch(None);
                        }
                    >
                        "Reset now"
                    </button>
                    <button type="button" class="button button-secondary" on:click=move |_| confirmation.close()>
                        "Cancel"
                    </button>
                </div>
            </ConfirmDialog>
        }
        .into_any(),
        _ => view! {
            <p class="muted">"Give them a temporary password they change when they sign in."</p>
            <button
                type="button"
                class="button button-primary"
                node_ref=confirmation.trigger()
                on:click=move |_| {
                    reset.clear();
                    confirmation.open();
                }
            >
                "Reset password"
            </button>
        }
        .into_any(),
    }
    }
}

/// The temporary password, shown once, in the hand-over component with its expiry.
#[component]
fn TemporaryPassword(name: String, result: ResetPasswordResponse) -> impl IntoView {
    let Some(password) = result.temporary_password.clone() else {
        return view! {
            <p class="notice" role="status">
                "The password was already reset. The temporary password was shown only the first time."
            </p>
        }
        .into_any();
    };
    let expires_at = result.expires_at;
    view! {
        <div class="notice notice-success temp-password" role="status">
            <p>{format!("{name}'s password was reset.")}</p>
        </div>
        <HandOver id="temporary-password" label="Temporary password" value=password expires_at=expires_at />
        <p>
            {format!(
                "Give it to {name} in person. It works for one sign-in, then they choose their own. This is the only time it is shown.",
            )}
        </p>
    }
    .into_any()
}

#[component]
fn OnPremisesReset(user: User) -> impl IntoView {
    let name = user.display_name.clone();
    let open = RwSignal::new(false);
    let password = RwSignal::new(String::new());
    let policy = resource(|| Box::pin(api::password_policy()));
    let reset = reset_action(user.id.to_string());
    let pending = reset.pending();
    let (upn, display) = (user.user_principal_name.clone(), user.display_name.clone());
    let rules = Signal::derive(move || match policy.get() {
        Some(Ok(p)) => check_on_premises(&p.on_premises, &password.get(), &upn, &display)
            .into_iter()
            .map(RuleLine::from)
            .collect(),
        _ => Vec::new(),
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        reset.dispatch(Some(password.get_untracked()));
    };
    effect(move || {
        if let Some(Ok(_)) = reset.value() {
            password.set(String::new());
            open.set(false);
        }
    });
    let done = move || {
        matches!(reset.value(), Some(Ok(_))).then(|| {
            view! {
                <p class="notice notice-success" role="status">
                    {format!(
                        "{}'s password was changed. Tell them the new password; they must choose their own when they sign in.",
                        name,
                    )}
                </p>
            }
        })
    };
    view! {
        {done}
        {show_or(
            move || open.get(),
            move || view! {
            <form on:submit=on_submit novalidate>
                <div class="field">
                    <label for="onprem-password">"New password"</label>
                    <input
                        id="onprem-password"
                        type="password"
                        autocomplete="new-password"
                        aria-describedby="onprem-rules"
                        bind:value=password
                    />
                </div>
                <div id="onprem-rules">
                    <Checklist label="Password rules" rules />
                </div>
                <div class="form-error">
                    {action_failure(reset)}
                </div>
                <div class="actions">
                    <button
                        type="submit"
                        class="button button-primary"
                        disabled=move || pending.get()
                        aria-busy=move || pending.get().to_string()
                    >
                        "Set password"
                    </button>
                    <button type="button" class="button button-secondary" on:click=move |_| {
                        password.set(String::new());
                        open.set(false);
                    }>
                        "Cancel"
                    </button>
                </div>
            </form>
            }.into_any(),
            move || {
                view! {
                    <p class="muted">
                        "This account comes from the on-premises directory: you type the new password."
                    </p>
                    <button type="button" class="button button-primary" on:click=move |_| {
                        reset.clear();
                        open.set(true);
                    }>
                        "Reset password"
                    </button>
                }
                .into_any()
            },
        )}
    }
}

pub(crate) fn phone_label(kind: PhoneType) -> &'static str {
    match kind {
        PhoneType::Mobile => "Mobile",
        PhoneType::AlternateMobile => "Alternate mobile",
        PhoneType::Office => "Office",
    }
}

#[derive(Clone)]
struct PhoneChange {
    kind: PhoneType,
    /// `None` removes the number.
    number: Option<String>,
    etag: String,
}

#[component]
fn PhoneCard(user: User) -> impl IntoView {
    let id = user.id.to_string();
    let manage = user
        .allowed_actions
        .contains(&Permission::ManagePhoneMethods);
    let change: ApiAction<PhoneChange, String> = action({
        let id = id.clone();
        move |c: &PhoneChange| {
            let (id, c) = (id.clone(), c.clone());
            Box::pin(async move {
                let what = phone_label(c.kind);
                match c.number {
                    Some(n) => api::set_phone_method(&id, c.kind, n, &c.etag)
                        .await
                        .map(|_| format!("{what} number saved.")),
                    None => api::remove_phone_method(&id, c.kind, &c.etag)
                        .await
                        .map(|_| format!("{what} number removed.")),
                }
            })
        }
    });
    // Reload after every change, successful or not (a 412 means someone else changed them).
    let phones = resource({
        let id = id.clone();
        move || {
            change.version().get();
            let id = id.clone();
            Box::pin(async move { api::phone_methods(&id).await })
        }
    });
    let editing = RwSignal::new(None::<PhoneType>);
    let removing = RwSignal::new(None::<PhoneType>);
    let number = RwSignal::new(String::new());
    let new_kind = RwSignal::new(PhoneType::Mobile);
    let notice = RwSignal::new(None::<String>);

    effect(move || {
        if let Some(result) = change.value() {
            if let Ok(done) = result {
                notice.set(Some(done));
                editing.set(None);
                removing.set(None);
                number.set(String::new());
            } else {
                notice.set(None);
            }
        }
    });

    let etag = move || {
        phones
            .get()
            .and_then(Result::ok)
            .map(|p| p.etag)
            .unwrap_or_default()
    };
    let submit = move |kind: PhoneType| {
        let n = number.get_untracked().trim().to_owned();
        change.dispatch(PhoneChange {
            kind,
            number: Some(n),
            etag: etag(),
        });
    };

    let list = load_view("Loading phone numbers…", move || {
        Box::pin(async move {
            let methods: PhoneMethods = phones.await?;
            let present: Vec<PhoneType> = methods.items.iter().map(|m| m.type_).collect();
            let rows = if methods.items.is_empty() {
                view! { <p class="muted">"No phone numbers yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="list" aria-label="Phone numbers">
                        {methods
                            .items
                            .into_iter()
                            .map(|m| {
                                let kind = m.type_;
                                let label = phone_label(kind);
                                let shown = m.phone_number.clone();
                                view! {
                                    <li class="list-item phone">
                                        <div class="phone-main">
                                            <span class="phone-type">{label}</span>
                                            <span class="phone-number">{m.phone_number}</span>
                                        </div>
                                        {manage.then(|| phone_actions(kind, shown, editing, removing, number, change, submit, etag))}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            };
            let missing: Vec<PhoneType> = PhoneType::ALL
                .into_iter()
                .filter(|t| !present.contains(t))
                .collect();
            let add = (manage && !missing.is_empty()).then(|| {
                if !missing.contains(&new_kind.get_untracked()) {
                    new_kind.set(missing[0]);
                }
                view! {
                    <form
                        class="add-phone"
                        on:submit=move |ev: leptos::ev::SubmitEvent| {
                            ev.prevent_default();
                            editing.set(None);
                            submit(new_kind.get_untracked());
                        }
                        novalidate
                    >
                        <h3 id="add-phone-heading">"Add a phone number"</h3>
                        <div class="field">
                            <label for="add-phone-type">"Type"</label>
                            <select
                                id="add-phone-type"
                                on:change=move |ev| {
                                    if let Some(t) = PhoneType::from_id(&event_target_value(&ev)) {
                                        new_kind.set(t);
                                    }
                                }
                            >
                                {missing
                                    .iter()
                                    .map(|t| {
                                        let t = *t;
                                        view! {
                                            <option value=t.id() selected=move || new_kind.get() == t>
                                                {phone_label(t)}
                                            </option>
                                        }
                                    })
                                    .collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="add-phone-number">"Phone number"</label>
                            <input
                                id="add-phone-number"
                                type="tel"
                                inputmode="tel"
                                autocomplete="off"
                                placeholder="+33 6 12 34 56 78"
                                prop:value=move || if editing.get().is_none() { number.get() } else { String::new() }
                                on:input=move |ev| number.set(event_target_value(&ev))
                            />
                        </div>
                        <button type="submit" class="button button-primary" disabled=move || change.pending().get()>
                            "Add number"
                        </button>
                    </form>
                }
            });
            Ok(view! { {rows} {add} }.into_any())
        })
    });

    let why = (!manage).then(|| {
        view! {
            <WhyNot id=id.clone() permission=Permission::ManagePhoneMethods question="Why can't I change phone numbers?" />
        }
    });

    view! {
        <section class="card" aria-labelledby="phones-heading">
            <h2 id="phones-heading">"Phone numbers for sign-in"</h2>
            <div aria-live="polite">
                {move || notice.get().map(|n| view! { <p class="notice notice-success" role="status">{n}</p> })}
            </div>
            {action_failure(change)}
            {list}
            {why}
        </section>
    }
}

/// Change and remove for one number (only rendered when allowed).
#[allow(clippy::too_many_arguments)]
fn phone_actions(
    kind: PhoneType,
    shown: String,
    editing: RwSignal<Option<PhoneType>>,
    removing: RwSignal<Option<PhoneType>>,
    number: RwSignal<String>,
    change: ApiAction<PhoneChange, String>,
    submit: impl Fn(PhoneType) + Copy + Send + Sync + 'static,
    etag: impl Fn() -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let label = phone_label(kind);
    let lower = label.to_ascii_lowercase();
    let input_id = format!("change-{}", kind.id());
    // `removing` says which number's removal is asked (one at a time); this one's
    // confirmation closes when another opens or the change went through.
    // The list is drawn again after every reload (a failed add elsewhere on the card,
    // say): a removal asked for stays asked across it, and closing the question
    // (Cancel, Escape) forgets it.
    let remove_confirm = Confirmation::new();
    if removing.get_untracked() == Some(kind) {
        remove_confirm.open();
    }
    effect(move || {
        if removing.get() != Some(kind) {
            remove_confirm.finish();
        }
    });
    effect(move || {
        if !remove_confirm.is_open() && removing.get_untracked() == Some(kind) {
            removing.set(None);
        }
    });
    move || {
        if editing.get() == Some(kind) {
            view! {
                <form
                    class="inline-form"
                    on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        submit(kind);
                    }
                    novalidate
                >
                    <div class="field">
                        <label for=input_id.clone()>{format!("New {lower} number")}</label>
                        <input
                            id=input_id.clone()
                            type="tel"
                            inputmode="tel"
                            autocomplete="off"
                            prop:value=move || number.get()
                            on:input=move |ev| number.set(event_target_value(&ev))
                        />
                    </div>
                    <div class="actions">
                        <button type="submit" class="button button-primary" disabled=move || change.pending().get()>
                            "Save"
                        </button>
                        <button type="button" class="button button-secondary" on:click=move |_| editing.set(None)>
                            "Cancel"
                        </button>
                    </div>
                </form>
            }
            .into_any()
        } else if remove_confirm.is_open() {
            view! {
                <ConfirmDialog
                    confirmation=remove_confirm
                    id="remove-phone"
                    question=format!("Remove the {lower} number {shown}?")
                >
                    <div class="actions">
                        <button
                            type="button"
                            class="button button-danger"
                            disabled=move || change.pending().get()
                            on:click=move |_| {
                                change.dispatch(PhoneChange { kind, number: None, etag: etag() });
                            }
                        >
                            "Yes, remove"
                        </button>
                        <button type="button" class="button button-secondary" on:click=move |_| remove_confirm.close()>
                            "Cancel"
                        </button>
                    </div>
                </ConfirmDialog>
            }
            .into_any()
        } else {
            view! {
                <div class="actions">
                    <button
                        type="button"
                        class="button button-secondary"
                        aria-label=format!("Change {lower} number")
                        on:click=move |_| {
                            removing.set(None);
                            number.set(String::new());
                            editing.set(Some(kind));
                        }
                    >
                        "Change"
                    </button>
                    <button
                        type="button"
                        class="button button-secondary"
                        aria-label=format!("Remove {lower} number")
                        node_ref=remove_confirm.trigger()
                        on:click=move |_| {
                            editing.set(None);
                            removing.set(Some(kind));
                            remove_confirm.open();
                        }
                    >
                        "Remove"
                    </button>
                </div>
            }
            .into_any()
        }
    }
}
