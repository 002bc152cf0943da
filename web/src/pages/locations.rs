//! `/locations`: the locations I look after (straight into the only one, or back to
//! the last one viewed); `/locations/:id`: its members, with search and paging.

use crate::api;
use crate::components::{load_view, show, PersonRow, StaffGate};
use crate::reactive::{action, effect, resource, ApiAction};
use crate::session::Session;
use leptos::prelude::*;
use leptos_router::{
    components::Redirect,
    hooks::{use_params_map, use_query_map},
};
use shared::dto::{AdministrativeUnit, Page, User};

#[component]
pub fn LocationsPage() -> impl IntoView {
    view! {
        <StaffGate>
            <LocationsList />
        </StaffGate>
    }
}

#[component]
fn LocationsList() -> impl IntoView {
    let session = Session::get();
    let query = use_query_map();
    // `?choose=1` is the "switch location" link: show the list even when we remember one.
    let choosing = query.with_untracked(|q| q.get("choose").is_some());
    let units = resource(|| Box::pin(api::my_locations()));
    let content = load_view("Loading your locations…", move || {
        Box::pin(async move {
            let page = units.await?;
            let remembered = session
                .last_location()
                .filter(|id| page.items.iter().any(|u| u.id.to_string() == *id));
            let view = match (page.items.as_slice(), remembered) {
                ([only], _) => {
                    view! { <Redirect path=format!("/locations/{}", only.id) /> }.into_any()
                }
                (_, Some(id)) if !choosing => {
                    view! { <Redirect path=format!("/locations/{id}") /> }.into_any()
                }
                ([], _) => view! {
                    <p class="muted">"You don't look after any locations yet. Use the search above to find people."</p>
                }
                .into_any(),
                (items, _) => view! { <LocationLinks items=items.to_vec() /> }.into_any(),
            };
            Ok(view)
        })
    });
    view! {
        <section class="card" aria-labelledby="locations-heading">
            <h1 id="locations-heading">"My locations"</h1>
            {content}
        </section>
    }
}

/// A list of locations, each a link to its members.
#[component]
pub fn LocationLinks(items: Vec<AdministrativeUnit>) -> impl IntoView {
    view! {
        <ul class="list">
            {items
                .into_iter()
                .map(|unit| {
                    let members = match unit.member_count {
                        1 => "1 member".to_owned(),
                        n => format!("{n} members"),
                    };
                    view! {
                        <li class="list-item location">
                            <a class="location-name" href=format!("/locations/{}", unit.id)>
                                {unit.display_name}
                            </a>
                            <span class="muted">{members}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

#[component]
pub fn LocationPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    view! {
        <StaffGate>
            {move || view! { <Members id=id.get() /> }}
        </StaffGate>
    }
}

#[component]
fn Members(id: String) -> impl IntoView {
    let session = Session::get();
    session.remember_location(&id);
    let id = StoredValue::new(id);
    let unit = resource(move || {
        let id = id.get_value();
        Box::pin(async move { api::location(&id).await })
    });
    let mine = resource(|| Box::pin(api::my_locations()));
    let search = RwSignal::new(String::new());
    let first = resource(move || {
        let id = id.get_value();
        let search = search.get();
        Box::pin(async move { api::location_members(&id, search.trim(), None).await })
    });
    // Pages after the first, appended by "Load more"; a new search starts over.
    let more = RwSignal::new(Vec::<User>::new());
    let next = RwSignal::new(None::<String>);
    effect(move || {
        search.track();
        more.set(Vec::new());
    });
    effect(move || {
        if let Some(Ok(page)) = first.get() {
            next.set(page.next_cursor);
        }
    });
    let load_more: ApiAction<(String, String), Page<User>> =
        action(move |(search, cursor): &(String, String)| {
            let (search, cursor) = (search.clone(), cursor.clone());
            let id = id.get_value();
            Box::pin(async move { api::location_members(&id, search.trim(), Some(&cursor)).await })
        });
    effect(move || {
        if let Some(Ok(page)) = load_more.value() {
            let asked_for = load_more.input_untracked();
            load_more.clear();
            if asked_for.is_none_or(|(s, _)| s == search.get_untracked()) {
                more.update(|m| m.extend(page.items));
                next.set(page.next_cursor);
            }
        }
    });

    let heading = move || {
        unit.get()
            .and_then(Result::ok)
            .map(|u| u.display_name)
            .unwrap_or_else(|| "Location".to_owned())
    };
    let roles = move || {
        unit.get().and_then(Result::ok).and_then(|u| {
            (!u.my_roles.is_empty()).then(|| {
                let names: Vec<&str> = u.my_roles.iter().map(|r| r.display_name()).collect();
                view! { <p class="muted">{format!("Your role here: {}", names.join(", "))}</p> }
            })
        })
    };
    let switch = move || {
        mine.get()
            .and_then(Result::ok)
            .filter(|p| p.items.len() > 1)
            .map(|_| view! { <a href="/locations?choose=1">"Switch location"</a> })
    };
    let list = load_view("Loading members…", move || {
        Box::pin(async move {
            let page = first.await?;
            let searching = !search.get_untracked().trim().is_empty();
            if page.items.is_empty() {
                let text = if searching {
                    "No one here matches that search."
                } else {
                    "No one works here yet."
                };
                return Ok(view! { <p class="muted">{text}</p> }.into_any());
            }
            Ok(view! {
                <ul class="list" aria-label="Members">
                    {page.items.into_iter().map(|user| view! { <PersonRow user /> }).collect_view()}
                    {move || more.get().into_iter().map(|user| view! { <PersonRow user /> }).collect_view()}
                </ul>
            }
            .into_any())
        })
    });
    let more_error = move || match load_more.value() {
        Some(Err(e)) => {
            Some(view! { <p class="notice notice-error" role="alert">{e.message()}</p> })
        }
        _ => None,
    };
    let pending = load_more.pending();

    view! {
        <section class="card" aria-labelledby="members-heading">
            <div class="card-head">
                <h1 id="members-heading">{heading}</h1>
                {switch}
            </div>
            {roles}
            <div class="field">
                <label for="member-search">"Search this location"</label>
                <input
                    id="member-search"
                    type="search"
                    placeholder="Name or sign-in name"
                    autocomplete="off"
                    prop:value=move || search.get()
                    on:input=move |ev| search.set(event_target_value(&ev))
                />
            </div>
            {list}
            {more_error}
            {show(
                move || next.get().is_some(),
                move || view! {
                <button
                    type="button"
                    class="button button-secondary"
                    disabled=move || pending.get()
                    on:click=move |_| {
                        if let Some(cursor) = next.get_untracked() {
                            load_more.dispatch((search.get_untracked(), cursor));
                        }
                    }
                >
                    "Load more"
                </button>
                }.into_any(),
            )}
        </section>
    }
}
