//! `/admin/locations`: find locations and create new ones.

use super::{failed, AdminShell, Outcome, Section, SubmitButton};
use crate::admin_api;
use crate::components::{load_more, load_view, NextPage};
use crate::reactive::{action, effect, resource, ApiAction};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use shared::dto::{AdministrativeUnit, CreateAdministrativeUnit, Page};
use std::sync::Arc;

const PAGE_SIZE: &str = "50";

#[component]
pub fn AdminLocationsPage() -> impl IntoView {
    view! {
        <AdminShell section=Section::Locations>
            <LocationList />
            <CreateLocation />
        </AdminShell>
    }
}

#[component]
fn LocationList() -> impl IntoView {
    let search = RwSignal::new(String::new());
    let first = resource(move || {
        let q = search.get();
        Box::pin(async move { admin_api::units(&q, PAGE_SIZE, None).await })
    });
    let body = load_view("Loading locations…", move || {
        Box::pin(async move {
            first.await.map(|page| {
                let q = search.get_untracked();
                view! { <UnitRows page search=q /> }.into_any()
            })
        })
    });
    view! {
        <section class="card" aria-labelledby="locations-heading">
            <h1 id="locations-heading">"Locations"</h1>
            <div class="field">
                <label for="location-search">"Search locations"</label>
                <input
                    id="location-search"
                    type="search"
                    autocomplete="off"
                    spellcheck="false"
                    bind:value=search
                />
            </div>
            {body}
        </section>
    }
}

fn members_label(n: i64) -> String {
    match n {
        1 => "1 member".to_owned(),
        n => format!("{n} members"),
    }
}

#[component]
fn UnitRows(page: Page<AdministrativeUnit>, search: String) -> impl IntoView {
    if page.items.is_empty() {
        let text = if search.trim().is_empty() {
            "There are no locations yet."
        } else {
            "No location matches your search."
        };
        return view! { <p class="muted">{text}</p> }.into_any();
    }
    let items = RwSignal::new(page.items);
    let next = RwSignal::new(page.next_cursor);
    let more: NextPage = Arc::new(move |cursor: String| {
        let search = search.clone();
        Box::pin(async move {
            let p = admin_api::units(&search, PAGE_SIZE, Some(&cursor)).await?;
            items.try_update(|v| v.extend(p.items));
            Ok(p.next_cursor)
        })
    });
    view! {
        <ul class="list" aria-label="Locations">
            {move || {
                items
                    .get()
                    .into_iter()
                    .map(|unit| view! {
                <li class="list-item row">
                    <span class="row-main">
                        <a class="strong" href=format!("/admin/locations/{}", unit.id)>
                            {unit.display_name.clone()}
                        </a>
                        <span class="muted small">
                            {members_label(unit.member_count)}
                            {unit.restricted.then_some(" · restricted")}
                        </span>
                    </span>
                </li>
                    })
                    .collect_view()
            }}
        </ul>
        {load_more(next, "Load more", more)}
    }
    .into_any()
}

#[component]
fn CreateLocation() -> impl IntoView {
    let navigate = use_navigate();
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let restricted = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<String, String>>);

    let create: ApiAction<CreateAdministrativeUnit, AdministrativeUnit> =
        action(|body: &CreateAdministrativeUnit| {
            let body = body.clone();
            Box::pin(async move { admin_api::create_unit(&body).await })
        });
    effect(move || match create.value() {
        Some(Ok(unit)) => navigate(&format!("/admin/locations/{}", unit.id), Default::default()),
        Some(Err(e)) => outcome.set(failed(&e)),
        None => {}
    });
    let pending = create.pending();

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let display_name = name.get_untracked().trim().to_owned();
        if display_name.is_empty() {
            outcome.set(Some(Err("Enter a name for the location.".to_owned())));
            return;
        }
        let description = description.get_untracked().trim().to_owned();
        outcome.set(None);
        create.dispatch(CreateAdministrativeUnit {
            display_name,
            description: (!description.is_empty()).then_some(description),
            restricted: restricted.get_untracked(),
        });
    };

    view! {
        <section class="card" aria-labelledby="create-location-heading">
            <h2 id="create-location-heading">"Create a location"</h2>
            <form on:submit=on_submit novalidate>
                <div class="field">
                    <label for="new-location-name">"Name"</label>
                    <input
                        id="new-location-name"
                        type="text"
                        autocomplete="off"
                        required
                        bind:value=name
                    />
                </div>
                <div class="field">
                    <label for="new-location-description">"Description (optional)"</label>
                    <textarea
                        id="new-location-description"
                        rows="2"
                        bind:value=description
                    ></textarea>
                </div>
                <div class="field checkbox">
                    <input
                        id="new-location-restricted"
                        type="checkbox"
                        aria-describedby="new-location-restricted-help"
                        bind:checked=restricted
                    />
                    <label for="new-location-restricted">"Restricted location"</label>
                    <p id="new-location-restricted-help" class="muted small">
                        "Only administrators assigned to a restricted location can manage its members; "
                        "even organisation-wide administrators cannot. This cannot be changed later."
                    </p>
                </div>
                <Outcome message=outcome />
                <SubmitButton label="Create location" pending />
            </form>
        </section>
    }
}
