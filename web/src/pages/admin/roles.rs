//! `/admin/roles`: who holds which administrator role, and where (global
//! administrators only).

use super::{
    button_row, failed, AdminShell, Need, Outcome, Person, PersonPicker, Section, SubmitButton,
    UnitPicker,
};
use crate::admin_api;
use crate::components::{load_more, load_view, show, NextPage};
use crate::reactive::{action, effect, resource, ApiAction};
use leptos::prelude::*;
use shared::dto::{AdministrativeUnit, CreateRoleAssignment, Page, PrincipalType, RoleAssignment};
use shared::rules::scope_allowed_for_role;
use shared::{Role, Scope};
use std::sync::Arc;
use uuid::Uuid;

#[component]
pub fn AdminRolesPage() -> impl IntoView {
    view! {
        <AdminShell section=Section::Roles need=Need::ManageRoles>
            <RolesView />
        </AdminShell>
    }
}

/// Whether a role may be given for a single location.
fn location_allowed(role: Role) -> bool {
    scope_allowed_for_role(role, &Scope::AdministrativeUnit { id: Uuid::nil() })
}

/// "whole organisation" or the location's name.
fn scope_label(ra: &RoleAssignment) -> String {
    match (&ra.scope, &ra.scope_display_name) {
        (Scope::Directory, _) => "Whole organisation".to_owned(),
        (Scope::AdministrativeUnit { .. }, Some(name)) => name.clone(),
        (Scope::AdministrativeUnit { .. }, None) => "One location".to_owned(),
    }
}

/// A request to the list: a new assignment, or the removal of one.
#[derive(Clone)]
enum Change {
    Create(CreateRoleAssignment),
    Remove(RoleAssignment),
}

#[component]
fn RolesView() -> impl IntoView {
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let change: ApiAction<Change, String> = action(|c: &Change| {
        let c = c.clone();
        Box::pin(async move {
            match c {
                Change::Create(body) => {
                    let ra = admin_api::create_role_assignment(&body).await?;
                    Ok(format!(
                        "{} is now {} — {}.",
                        ra.principal_display_name,
                        ra.role_display_name,
                        scope_label(&ra)
                    ))
                }
                Change::Remove(ra) => {
                    admin_api::delete_role_assignment(ra.id).await?;
                    Ok(format!(
                        "{} is no longer {} — {}.",
                        ra.principal_display_name,
                        ra.role_display_name,
                        scope_label(&ra)
                    ))
                }
            }
        })
    });
    effect(move || {
        if let Some(result) = change.value() {
            outcome.set(match result {
                Ok(text) => Some(Ok(text)),
                Err(e) => failed(&e),
            });
        }
    });
    let version = change.version();
    let first = resource(move || {
        version.track();
        Box::pin(admin_api::role_assignments(None))
    });
    let remove = Callback::new(move |ra: RoleAssignment| {
        change.dispatch(Change::Remove(ra));
    });
    let create = Callback::new(move |body: CreateRoleAssignment| {
        change.dispatch(Change::Create(body));
    });
    let pending = change.pending();
    let body = load_view("Loading role assignments…", move || {
        Box::pin(async move {
            first
                .await
                .map(|page| view! { <AssignmentRows page remove /> }.into_any())
        })
    });
    view! {
        <section class="card" aria-labelledby="roles-heading">
            <h1 id="roles-heading">"Roles"</h1>
            <p class="muted">
                "Administrator roles, for the whole organisation or for one location."
            </p>
            <Outcome message=outcome />
            {body}
        </section>
        <AssignRole create pending outcome />
    }
}

#[component]
fn AssignmentRows(page: Page<RoleAssignment>, remove: Callback<RoleAssignment>) -> impl IntoView {
    if page.items.is_empty() {
        return view! { <p class="muted">"No one holds an administrator role."</p> }.into_any();
    }
    let items = RwSignal::new(page.items);
    let next = RwSignal::new(page.next_cursor);
    let more: NextPage = Arc::new(move |cursor: String| {
        Box::pin(async move {
            let p = admin_api::role_assignments(Some(&cursor)).await?;
            items.try_update(|v| v.extend(p.items));
            Ok(p.next_cursor)
        })
    });
    view! {
        <ul class="list" aria-label="Role assignments">
            {move || {
                items
                    .get()
                    .into_iter()
                    .map(|ra| view! {
                {
                    let scope = scope_label(&ra);
                    let aria = format!(
                        "Remove {} as {} — {}",
                        ra.principal_display_name,
                        ra.role_display_name,
                        scope,
                    );
                    let main = view! {
                        <span class="row-main">
                            <span class="strong">{ra.principal_display_name.clone()}</span>
                            <span class="small">{ra.role_display_name.clone()}</span>
                            <span class="muted small">{scope}</span>
                        </span>
                    }
                    .into_any();
                    button_row(main, "Remove", aria, move || remove.run(ra.clone()))
                }
                    })
                    .collect_view()
            }}
        </ul>
        {load_more(next, "Load more", more)}
    }
    .into_any()
}

#[component]
fn AssignRole(
    create: Callback<CreateRoleAssignment>,
    pending: Memo<bool>,
    outcome: RwSignal<Option<Result<String, String>>>,
) -> impl IntoView {
    let person = RwSignal::new(None::<Person>);
    let role = RwSignal::new(Role::HelpdeskAdministrator);
    let whole = RwSignal::new(true);
    let unit = RwSignal::new(None::<AdministrativeUnit>);
    let form_error = RwSignal::new(None::<Result<String, String>>);

    // Directory-only roles cannot be given for a location.
    effect(move || {
        if !location_allowed(role.get()) {
            whole.set(true);
        }
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(p) = person.get_untracked() else {
            form_error.set(Some(Err("Choose the person who gets the role.".to_owned())));
            return;
        };
        let role = role.get_untracked();
        let scope = if whole.get_untracked() {
            Scope::Directory
        } else {
            match unit.get_untracked() {
                Some(u) => Scope::AdministrativeUnit { id: u.id },
                None => {
                    form_error.set(Some(Err("Choose the location.".to_owned())));
                    return;
                }
            }
        };
        if !scope_allowed_for_role(role, &scope) {
            form_error.set(Some(Err(format!(
                "{} can only be given for the whole organisation.",
                role.display_name()
            ))));
            return;
        }
        form_error.set(None);
        outcome.set(None);
        create.run(CreateRoleAssignment {
            principal_type: PrincipalType::User,
            principal_id: p.id,
            role,
            scope,
        });
    };

    let pick_person = Callback::new(move |p: Person| person.set(Some(p)));
    let pick_unit = Callback::new(move |u: AdministrativeUnit| unit.set(Some(u)));

    view! {
        <section class="card" aria-labelledby="assign-heading">
            <h2 id="assign-heading">"Give someone a role"</h2>
            <form on:submit=on_submit novalidate>
                {move || match person.get() {
                    Some(p) => {
                        view! {
                            <div class="field chosen" role="group" aria-label="Person">
                                <span class="label-like">"Person"</span>
                                <span class="row">
                                    <span class="row-main">
                                        <span class="strong">{p.display_name}</span>
                                        <span class="muted small">{p.user_principal_name}</span>
                                    </span>
                                    <button
                                        type="button"
                                        class="button button-secondary"
                                        on:click=move |_| person.set(None)
                                    >
                                        "Change person"
                                    </button>
                                </span>
                            </div>
                        }
                            .into_any()
                    }
                    None => {
                        view! {
                            <PersonPicker
                                id="role-person"
                                label="Person"
                                verb="Choose"
                                on_pick=pick_person
                            />
                        }
                            .into_any()
                    }
                }}
                <div class="field">
                    <label for="role-select">"Role"</label>
                    <select
                        id="role-select"
                        on:change:target=move |ev| {
                            if let Some(r) = Role::ALL
                                .into_iter()
                                .find(|r| r.id() == ev.target().value())
                            {
                                role.set(r);
                            }
                        }
                    >
                        {Role::ALL
                            .into_iter()
                            .map(|r| {
                                view! {
                                    <option value=r.id() selected=move || role.get() == r>
                                        {r.display_name()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <fieldset class="choices">
                    <legend>"Where"</legend>
                    <div class="choice">
                        <input
                            type="radio"
                            id="scope-directory"
                            name="scope"
                            prop:checked=move || whole.get()
                            on:change=move |_| whole.set(true)
                        />
                        <label for="scope-directory">"Whole organisation"</label>
                    </div>
                    <div class="choice">
                        <input
                            type="radio"
                            id="scope-location"
                            name="scope"
                            aria-describedby="scope-location-help"
                            disabled=move || !location_allowed(role.get())
                            prop:checked=move || !whole.get()
                            on:change=move |_| whole.set(false)
                        />
                        <label for="scope-location">"One location"</label>
                        <p id="scope-location-help" class="muted small">
                            {move || {
                                let r = role.get();
                                if location_allowed(r) {
                                    "The role applies only to the people in that location.".to_owned()
                                } else {
                                    format!(
                                        "{} can only be given for the whole organisation.",
                                        r.display_name(),
                                    )
                                }
                            }}
                        </p>
                    </div>
                </fieldset>
                {show(
                    move || !whole.get(),
                    move || view! {
                    {move || match unit.get() {
                        Some(u) => {
                            view! {
                                <div class="field chosen" role="group" aria-label="Location">
                                    <span class="label-like">"Location"</span>
                                    <span class="row">
                                        <span class="row-main strong">{u.display_name}</span>
                                        <button
                                            type="button"
                                            class="button button-secondary"
                                            on:click=move |_| unit.set(None)
                                        >
                                            "Change location"
                                        </button>
                                    </span>
                                </div>
                            }
                                .into_any()
                        }
                        None => {
                            view! {
                                <UnitPicker
                                    id="role-location"
                                    label="Location"
                                    verb="Choose"
                                    on_pick=pick_unit
                                />
                            }
                                .into_any()
                        }
                    }}
                    }.into_any(),
                )}
                <Outcome message=form_error />
                <SubmitButton label="Give role" pending />
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_location_capable_roles_offer_a_location() {
        assert!(!location_allowed(Role::GlobalAdministrator));
        assert!(!location_allowed(
            Role::PrivilegedAuthenticationAdministrator
        ));
        assert!(location_allowed(Role::HelpdeskAdministrator));
        assert!(location_allowed(Role::UserAdministrator));
    }
}
