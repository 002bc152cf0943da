//! `/admin/locations/:id`: one location's details, members, and deletion.

use super::{
    button_row, failed, name_and_detail, AdminShell, Outcome, Person, PersonPicker, Section,
    SubmitButton,
};
use crate::admin_api;
use crate::components::{load_more, load_view, show_or, ConfirmDialog, Confirmation, NextPage};
use crate::reactive::{action, effect, resource, spawn, ApiAction};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use shared::dto::{AdministrativeUnit, Page, UpdateAdministrativeUnit, User};
use std::sync::Arc;
use uuid::Uuid;

#[component]
pub fn AdminLocationPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|s| Uuid::parse_str(&s).ok()));
    view! {
        <AdminShell section=Section::Locations>
            {move || match id() {
                Some(id) => view! { <LocationDetail id /> }.into_any(),
                None => {
                    view! {
                        <p class="notice notice-error" role="alert">
                            "We couldn't find that location. It may have been removed."
                        </p>
                    }
                        .into_any()
                }
            }}
        </AdminShell>
    }
}

#[component]
fn LocationDetail(id: Uuid) -> impl IntoView {
    let unit = resource(move || Box::pin(admin_api::unit(id)));
    let body = load_view("Loading the location…", move || {
        Box::pin(async move {
            unit.await
                .map(|unit| view! { <LocationView unit=RwSignal::new(unit) /> }.into_any())
        })
    });
    view! {
        <p>
            <a href="/admin/locations">"← All locations"</a>
        </p>
        {body}
    }
}

/// Reloads the location (its member count changes with membership).
fn refresh(unit: RwSignal<AdministrativeUnit>) {
    let id = unit.with_untracked(|u| u.id);
    spawn(async move {
        if let Ok(fresh) = admin_api::unit(id).await {
            unit.try_set(fresh);
        }
    });
}

#[component]
fn LocationView(unit: RwSignal<AdministrativeUnit>) -> impl IntoView {
    let initial = unit.get_untracked();
    let members = move || match unit.with(|u| u.member_count) {
        1 => "1 member".to_owned(),
        n => format!("{n} members"),
    };
    let restricted_note = initial.restricted.then(|| {
        view! {
            <p class="notice">
                "This location is restricted: only administrators assigned to it can change its members."
            </p>
        }
    });
    view! {
        <section class="card" aria-labelledby="location-heading">
            <h1 id="location-heading">{move || unit.with(|u| u.display_name.clone())}</h1>
            {move || unit.with(|u| u.description.clone()).map(|d| view! { <p>{d}</p> })}
            <p class="muted">{members}</p>
            {restricted_note}
        </section>
        <EditLocation unit />
        <Members current=unit />
        <DeleteLocation unit=initial />
    }
}

#[component]
fn EditLocation(unit: RwSignal<AdministrativeUnit>) -> impl IntoView {
    let (id, name, description) = unit.with_untracked(|u| {
        (
            u.id,
            RwSignal::new(u.display_name.clone()),
            RwSignal::new(u.description.clone().unwrap_or_default()),
        )
    });
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let save: ApiAction<UpdateAdministrativeUnit, AdministrativeUnit> =
        action(move |body: &UpdateAdministrativeUnit| {
            let body = body.clone();
            Box::pin(async move { admin_api::update_unit(id, &body).await })
        });
    effect(move || match save.value() {
        Some(Ok(fresh)) => {
            outcome.set(Some(Ok("Saved.".to_owned())));
            unit.set(fresh);
        }
        Some(Err(e)) => outcome.set(failed(&e)),
        None => {}
    });
    let pending = save.pending();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let display_name = name.get_untracked().trim().to_owned();
        if display_name.is_empty() {
            outcome.set(Some(Err("Enter a name for the location.".to_owned())));
            return;
        }
        outcome.set(None);
        save.dispatch(UpdateAdministrativeUnit {
            display_name: Some(display_name),
            // An empty description clears it.
            description: Some(description.get_untracked().trim().to_owned()),
            ..UpdateAdministrativeUnit::default()
        });
    };
    view! {
        <section class="card" aria-labelledby="edit-location-heading">
            <h2 id="edit-location-heading">"Name and description"</h2>
            <form on:submit=on_submit novalidate>
                <div class="field">
                    <label for="location-name">"Name"</label>
                    <input id="location-name" type="text" autocomplete="off" bind:value=name />
                </div>
                <div class="field">
                    <label for="location-description">"Description"</label>
                    <textarea id="location-description" rows="2" bind:value=description></textarea>
                </div>
                <Outcome message=outcome />
                <SubmitButton label="Save changes" pending />
            </form>
        </section>
    }
}

/// Membership changes: `(user, add)`.
type Change = (Person, bool);

#[component]
fn Members(current: RwSignal<AdministrativeUnit>) -> impl IntoView {
    let id = current.with_untracked(|u| u.id);
    // The name can change on this page (rename), so read it when needed.
    let unit_name = move || current.with_untracked(|u| u.display_name.clone());
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let change: ApiAction<Change, Change> = action(move |(person, add): &Change| {
        let (person, add) = (person.clone(), *add);
        Box::pin(async move {
            if add {
                admin_api::add_member(id, person.id).await?;
            } else {
                admin_api::remove_member(id, person.id).await?;
            }
            Ok((person, add))
        })
    });
    let members_version = change.version();
    let first = resource(move || {
        members_version.track();
        Box::pin(admin_api::members(id, "", None))
    });
    effect(move || match change.value() {
        Some(Ok((person, add))) => {
            let text = if add {
                format!("Added {} to {}.", person.display_name, unit_name())
            } else {
                format!("Removed {} from {}.", person.display_name, unit_name())
            };
            outcome.set(Some(Ok(text)));
            refresh(current);
        }
        Some(Err(e)) => outcome.set(failed(&e)),
        None => {}
    });
    let add = Callback::new(move |p: Person| {
        change.dispatch((p, true));
    });
    let remove = Callback::new(move |p: Person| {
        change.dispatch((p, false));
    });
    let body = load_view("Loading members…", move || {
        Box::pin(async move {
            first
                .await
                .map(|page| view! { <MemberRows page unit=id current remove /> }.into_any())
        })
    });
    view! {
        <section class="card" aria-labelledby="members-heading">
            <h2 id="members-heading">"Members"</h2>
            <PersonPicker id="add-member" label="Add a member" verb="Add" on_pick=add />
            <Outcome message=outcome />
            {body}
        </section>
    }
}

#[component]
fn MemberRows(
    page: Page<User>,
    unit: Uuid,
    current: RwSignal<AdministrativeUnit>,
    remove: Callback<Person>,
) -> impl IntoView {
    if page.items.is_empty() {
        return view! { <p class="muted">"No one belongs to this location yet."</p> }.into_any();
    }
    let items = RwSignal::new(page.items);
    let next = RwSignal::new(page.next_cursor);
    let more: NextPage = Arc::new(move |cursor: String| {
        Box::pin(async move {
            let p = admin_api::members(unit, "", Some(&cursor)).await?;
            items.try_update(|v| v.extend(p.items));
            Ok(p.next_cursor)
        })
    });
    let unit_name = move || current.with(|u| u.display_name.clone());
    let list_label = move || format!("Members of {}", unit_name());
    view! {
        <ul class="list" aria-label=list_label>
            {move || {
                items
                    .get()
                    .into_iter()
                    .map(|user| view! {
                {
                    let who = user.display_name.clone();
                    let aria = Signal::derive(move || format!("Remove {} from {}", who, unit_name()));
                    let person = Person::from(user.clone());
                    let main = name_and_detail(user.display_name, user.user_principal_name);
                    button_row(main, "Remove", aria, move || remove.run(person.clone()))
                }
                    })
                    .collect_view()
            }}
        </ul>
        {load_more(next, "Load more members", more)}
    }
    .into_any()
}

#[component]
fn DeleteLocation(unit: AdministrativeUnit) -> impl IntoView {
    let navigate = use_navigate();
    let id = unit.id;
    let confirmation = Confirmation::new();
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let delete: ApiAction<(), ()> = action(move |_: &()| Box::pin(admin_api::delete_unit(id)));
    effect(move || match delete.value() {
        Some(Ok(())) => navigate("/admin/locations", Default::default()),
        Some(Err(e)) => outcome.set(failed(&e)),
        None => {}
    });
    let pending = delete.pending();
    let name = unit.display_name.clone();
    let question = format!(
        "Delete {name}? Its members keep their accounts, but roles given for this location end."
    );
    let confirm_label = format!("Delete {name}");
    view! {
        <section class="card" aria-labelledby="delete-location-heading">
            <h2 id="delete-location-heading">"Delete this location"</h2>
            {show_or(
                move || confirmation.is_open(),
                move || {
                let confirm_label = confirm_label.clone();
                view! {
                <ConfirmDialog confirmation id="delete-location" question=question.clone()>
                    <div class="actions">
                        <button
                            type="button"
                            class="button button-danger"
                            disabled=move || pending.get()
                            aria-busy=move || pending.get().to_string()
                            on:click=move |_| {
                                delete.dispatch(());
                            }
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
                }.into_any()
                },
                move || {
                    view! {
                        <button
                            type="button"
                            class="button button-danger"
                            node_ref=confirmation.trigger()
                            on:click=move |_| confirmation.open()
                        >
                            "Delete location…"
                        </button>
                    }
                    .into_any()
                },
            )}
            <Outcome message=outcome />
        </section>
    }
}
