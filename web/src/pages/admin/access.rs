//! `/admin/access`: who may use My Staff (all administrators, selected ones, nobody),
//! and the sign-in policy (a second factor from everyone, not only administrators).

use super::{
    button_row, failed, name_and_detail, AdminShell, Outcome, Person, PersonPicker, Section,
    SubmitButton,
};
use crate::admin_api;
use crate::api::ApiError;
use crate::components::{load_view, show};
use crate::reactive::{action, effect, resource, ApiAction};
use leptos::prelude::*;
use shared::dto::{MyStaffSettings, SignInPolicy};
use shared::MyStaffAccess;

#[component]
pub fn AdminAccessPage() -> impl IntoView {
    view! {
        <AdminShell section=Section::Access>
            <AccessSettings />
            <SignInPolicyCard />
        </AdminShell>
    }
}

/// The setting and the people it lists, by name.
async fn load() -> Result<(MyStaffAccess, Vec<Person>), ApiError> {
    let settings = admin_api::my_staff_settings().await?;
    let mut people = Vec::with_capacity(settings.selected_user_ids.len());
    for id in settings.selected_user_ids {
        match admin_api::user(id).await {
            Ok(user) => people.push(Person::from(user)),
            // Someone deleted since: keep the id so saving does not silently drop it.
            Err(e) if e.status() == Some(404) => people.push(Person {
                id,
                display_name: "Unknown person".to_owned(),
                user_principal_name: id.to_string(),
            }),
            Err(e) => return Err(e),
        }
    }
    Ok((settings.access, people))
}

#[component]
fn AccessSettings() -> impl IntoView {
    let loaded = resource(|| Box::pin(load()));
    let body = load_view("Loading the setting…", move || {
        Box::pin(async move {
            loaded
                .await
                .map(|(access, people)| view! { <AccessForm access people /> }.into_any())
        })
    });
    view! {
        <section class="card" aria-labelledby="access-heading">
            <h1 id="access-heading">"My Staff access"</h1>
            <p class="muted">
                "My Staff lets administrators help the people in their locations. "
                "Choose which administrators can use it."
            </p>
            {body}
        </section>
    }
}

const CHOICES: [(MyStaffAccess, &str, &str); 3] = [
    (
        MyStaffAccess::All,
        "All administrators",
        "Everyone who holds an administrator role can use My Staff.",
    ),
    (
        MyStaffAccess::Selected,
        "Selected administrators",
        "Only the people you list below can use My Staff.",
    ),
    (
        MyStaffAccess::None,
        "Nobody",
        "My Staff is turned off for everyone.",
    ),
];

fn choice_id(access: MyStaffAccess) -> &'static str {
    match access {
        MyStaffAccess::All => "access-all",
        MyStaffAccess::Selected => "access-selected",
        MyStaffAccess::None => "access-none",
    }
}

fn saved_message(settings: &MyStaffSettings) -> String {
    match settings.access {
        MyStaffAccess::All => "Saved. All administrators can use My Staff.".to_owned(),
        MyStaffAccess::None => "Saved. My Staff is turned off for everyone.".to_owned(),
        MyStaffAccess::Selected => match settings.selected_user_ids.len() {
            1 => "Saved. One person can use My Staff.".to_owned(),
            n => format!("Saved. {n} people can use My Staff."),
        },
    }
}

#[component]
fn AccessForm(access: MyStaffAccess, people: Vec<Person>) -> impl IntoView {
    let access = RwSignal::new(access);
    let chosen = RwSignal::new(people);
    let outcome = RwSignal::new(None::<Result<String, String>>);

    let save: ApiAction<MyStaffSettings, MyStaffSettings> = action(|s: &MyStaffSettings| {
        let s = s.clone();
        Box::pin(async move { admin_api::save_my_staff_settings(&s).await })
    });
    effect(move || {
        if let Some(result) = save.value() {
            outcome.set(match &result {
                Ok(s) => Some(Ok(saved_message(s))),
                Err(e) => failed(e),
            });
        }
    });
    let pending = save.pending();

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let access = access.get_untracked();
        let ids: Vec<_> = chosen.with_untracked(|c| c.iter().map(|p| p.id).collect());
        if access == MyStaffAccess::Selected && ids.is_empty() {
            outcome.set(Some(Err(
                "Add at least one person, or choose another option.".to_owned(),
            )));
            return;
        }
        outcome.set(None);
        save.dispatch(MyStaffSettings {
            access,
            selected_user_ids: ids,
        });
    };

    let add = Callback::new(move |p: Person| {
        chosen.update(|c| {
            if !c.iter().any(|x| x.id == p.id) {
                c.push(p);
            }
        })
    });
    let exclude = Signal::derive(move || chosen.with(|c| c.iter().map(|p| p.id).collect()));

    view! {
        <form on:submit=on_submit novalidate>
            <fieldset class="choices">
                <legend>"Who can use My Staff"</legend>
                {CHOICES
                    .into_iter()
                    .map(|(value, label, help)| {
                        let id = choice_id(value);
                        let help_id = format!("{id}-help");
                        view! {
                            <div class="choice">
                                <input
                                    type="radio"
                                    id=id
                                    name="access"
                                    value=id
                                    aria-describedby=help_id.clone()
                                    prop:checked=move || access.get() == value
                                    on:change=move |_| access.set(value)
                                />
                                <label for=id>{label}</label>
                                <p id=help_id class="muted small">{help}</p>
                            </div>
                        }
                    })
                    .collect_view()}
            </fieldset>
            {show(
                move || access.get() == MyStaffAccess::Selected,
                move || view! {
                <section class="subsection" aria-labelledby="selected-heading">
                    <h2 id="selected-heading">"Selected administrators"</h2>
                    {move || {
                        let list = chosen.get();
                        if list.is_empty() {
                            view! { <p class="muted">"No one is selected yet."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="list" aria-labelledby="selected-heading">
                                    {list
                                        .into_iter()
                                        .map(|p| {
                                            let id = p.id;
                                            let aria = format!("Remove {}", p.display_name);
                                            let main = name_and_detail(p.display_name, p.user_principal_name);
                                            button_row(main, "Remove", aria, move || {
                                                chosen.update(|c| c.retain(|x| x.id != id))
                                            })
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                    }}
                    <PersonPicker
                        id="access-person"
                        label="Add an administrator"
                        verb="Add"
                        on_pick=add
                        exclude
                    />
                </section>
                }.into_any(),
            )}
            <Outcome message=outcome />
            <SubmitButton label="Save" pending />
        </form>
    }
}

#[component]
fn SignInPolicyCard() -> impl IntoView {
    let loaded = resource(|| Box::pin(admin_api::sign_in_policy()));
    let body = load_view("Loading the sign-in policy…", move || {
        Box::pin(async move {
            match loaded.await {
                Ok(policy) => Ok(view! { <SignInPolicyForm policy /> }.into_any()),
                Err(e) if e.status() == Some(403) => Ok(view! {
                    <p class="muted">"Only global administrators can change it."</p>
                }
                .into_any()),
                Err(e) => Err(e),
            }
        })
    });
    view! {
        <section class="card" aria-labelledby="sign-in-policy-heading">
            <h2 id="sign-in-policy-heading">"Sign-in"</h2>
            <p class="muted">
                "Administrators sign in with a second factor, a passkey or an authenticator "
                "app, whenever the server requires it (its default). You can ask it of "
                "everyone."
            </p>
            {body}
        </section>
    }
}

fn policy_saved_message(p: &SignInPolicy) -> String {
    let mfa = if p.mfa_for_everyone {
        "Saved. Everyone signs in with a second factor from their next sign-in; \
         people without one add an authenticator app first."
    } else {
        "Saved. Only administrators must sign in with a second factor."
    };
    if p.sms_sign_in {
        format!("{mfa} Staff without an admin role may sign in with a code by text message.")
    } else {
        mfa.to_owned()
    }
}

#[component]
fn SignInPolicyForm(policy: SignInPolicy) -> impl IntoView {
    let everyone = RwSignal::new(policy.mfa_for_everyone);
    let sms = RwSignal::new(policy.sms_sign_in);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let save: ApiAction<SignInPolicy, SignInPolicy> = action(|p: &SignInPolicy| {
        let p = *p;
        Box::pin(async move { admin_api::save_sign_in_policy(&p).await })
    });
    effect(move || {
        if let Some(result) = save.value() {
            outcome.set(match &result {
                Ok(p) => Some(Ok(policy_saved_message(p))),
                Err(e) => failed(e),
            });
        }
    });
    let pending = save.pending();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        outcome.set(None);
        save.dispatch(SignInPolicy {
            mfa_for_everyone: everyone.get_untracked(),
            sms_sign_in: sms.get_untracked(),
        });
    };
    view! {
        <form on:submit=on_submit novalidate>
            <div class="choice">
                <input
                    type="checkbox"
                    id="mfa-for-everyone"
                    aria-describedby="mfa-for-everyone-help"
                    prop:checked=move || everyone.get()
                    on:change=move |ev| everyone.set(event_target_checked(&ev))
                />
                <label for="mfa-for-everyone">"Require a second factor from everyone"</label>
                <p id="mfa-for-everyone-help" class="muted small">
                    "Staff then sign in with a passkey, or a password and a code from an "
                    "authenticator app. A sign-in made with a password alone stops being "
                    "renewed, so everyone signs in again once."
                </p>
            </div>
            <div class="choice">
                <input
                    type="checkbox"
                    id="sms-sign-in"
                    aria-describedby="sms-sign-in-help"
                    prop:checked=move || sms.get()
                    on:change=move |ev| sms.set(event_target_checked(&ev))
                />
                <label for="sms-sign-in">"Let staff sign in with a code by text message"</label>
                <p id="sms-sign-in-help" class="muted small">
                    "Staff without an admin role may then sign in with a code sent to the "
                    "mobile number their manager registered, instead of their password. "
                    "Administrators never can."
                </p>
            </div>
            <Outcome message=outcome />
            <SubmitButton label="Save" pending />
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn saved_messages_say_who_can_use_my_staff() {
        let mut s = MyStaffSettings {
            access: MyStaffAccess::Selected,
            selected_user_ids: vec![Uuid::nil()],
        };
        assert_eq!(saved_message(&s), "Saved. One person can use My Staff.");
        s.selected_user_ids.push(Uuid::max());
        assert_eq!(saved_message(&s), "Saved. 2 people can use My Staff.");
        s.access = MyStaffAccess::All;
        assert!(saved_message(&s).contains("All administrators"));
    }

    #[test]
    fn the_saved_sign_in_policy_says_who_needs_a_second_factor() {
        let on = SignInPolicy {
            mfa_for_everyone: true,
            sms_sign_in: false,
        };
        assert!(policy_saved_message(&on).starts_with("Saved. Everyone"));
        assert!(!policy_saved_message(&on).contains("text message"));
        let sms = SignInPolicy {
            sms_sign_in: true,
            ..SignInPolicy::default()
        };
        assert!(policy_saved_message(&sms).contains("code by text message"));
        assert!(policy_saved_message(&SignInPolicy::default()).contains("Only administrators"));
    }
}
