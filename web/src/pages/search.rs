//! `/search?q=`: locations and people across the organisation, each person marked
//! "Can manage" or "View only" for the signed-in manager.

use crate::api;
use crate::components::{load_view, PersonRow, StaffGate};
use crate::pages::locations::LocationLinks;
use crate::reactive::resource;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SearchPage() -> impl IntoView {
    view! {
        <StaffGate>
            <Results />
        </StaffGate>
    }
}

#[component]
fn Results() -> impl IntoView {
    let query = use_query_map();
    let q = Memo::new(move |_| query.read().get("q").unwrap_or_default().trim().to_owned());
    let units = resource(move || {
        let q = q.get();
        Box::pin(async move {
            if q.is_empty() {
                return Ok(None);
            }
            api::search_locations(&q).await.map(Some)
        })
    });
    let users = resource(move || {
        let q = q.get();
        Box::pin(async move {
            if q.is_empty() {
                return Ok(None);
            }
            api::search_users(&q).await.map(Some)
        })
    });
    let units_view = load_view("Searching locations…", move || {
        Box::pin(async move {
            Ok(match units.await? {
                None => {
                    view! { <p class="muted">"Type a name in the search box above."</p> }.into_any()
                }
                Some(page) if page.items.is_empty() => {
                    view! { <p class="muted">"No locations match."</p> }.into_any()
                }
                Some(page) => view! { <LocationLinks items=page.items /> }.into_any(),
            })
        })
    });
    let users_view = load_view("Searching people…", move || {
        Box::pin(async move {
            Ok(match users.await? {
                None => view! { <p class="muted">"Type a name in the search box above."</p> }.into_any(),
                Some(page) if page.items.is_empty() => {
                    view! { <p class="muted">"No people match."</p> }.into_any()
                }
                Some(page) => view! {
                    <ul class="list" aria-label="People found">
                        {page.items.into_iter().map(|user| view! { <PersonRow user /> }).collect_view()}
                    </ul>
                }
                .into_any(),
            })
        })
    });
    view! {
        <h1 class="page-title">
            {move || {
                let q = q.get();
                if q.is_empty() { "Search".to_owned() } else { format!("Results for “{q}”") }
            }}
        </h1>
        <section class="card" aria-labelledby="people-heading">
            <h2 id="people-heading">"People"</h2>
            {users_view}
        </section>
        <section class="card" aria-labelledby="places-heading">
            <h2 id="places-heading">"Locations"</h2>
            {units_view}
        </section>
    }
}
