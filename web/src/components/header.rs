//! The top bar: product name, the organisation-wide search and navigation (for those
//! My Staff is open to), and sign out.

use crate::components::{show, CurrentUser};
use crate::session::Session;
use leptos::prelude::*;
use leptos_router::{
    hooks::{use_location, use_navigate},
    NavigateOptions,
};

#[component]
pub fn AppHeader() -> impl IntoView {
    let session = Session::get();
    let current = CurrentUser::get();
    let sign_out = move |_| crate::auth::sign_out();
    // The manager's links only for those My Staff is open to (the API says no to the
    // others anyway); staff see their account and sign out.
    let my_staff = move || current.me().is_some_and(|me| me.my_staff_access.enabled);
    let can_admin = move || current.me().is_some_and(|me| me.can_manage_directory);
    let path = use_location().pathname;
    let current_page = move |prefix: &'static str| {
        move || {
            let p = path.get();
            (p == prefix || p.starts_with(&format!("{prefix}/"))).then_some("page")
        }
    };
    view! {
        <header class="app-header">
            <a class="skip-link" href="#main">"Skip to content"</a>
            <div class="header-bar">
                <a class="brand" href="/">"OpenStaff"</a>
                {show(
                    move || session.token().is_some(),
                    move || {
                        view! {
                            <button type="button" class="button button-quiet" on:click=sign_out>
                                "Sign out"
                            </button>
                        }
                            .into_any()
                    },
                )}
            </div>
            {show(
                my_staff,
                move || {
                    view! {
                        <nav class="app-nav" aria-label="Main">
                            <a href="/locations" aria-current=current_page("/locations")>"My locations"</a>
                            <a href="/audit" aria-current=current_page("/audit")>"Audit"</a>
                            {show(
                                can_admin,
                                move || {
                                    view! { <a href="/admin" aria-current=current_page("/admin")>"Admin"</a> }
                                        .into_any()
                                },
                            )}
                        </nav>
                        <SearchBar />
                    }
                        .into_any()
                },
            )}
        </header>
    }
}

/// Organisation-wide search; results open on `/search?q=`.
#[component]
fn SearchBar() -> impl IntoView {
    let navigate = use_navigate();
    let query = RwSignal::new(String::new());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = query.get_untracked().trim().to_owned();
        if q.is_empty() {
            return;
        }
        navigate(
            &format!("/search?q={}", crate::api::encode(&q)),
            NavigateOptions::default(),
        );
    };
    view! {
        <form class="search" role="search" on:submit=on_submit>
            <label for="site-search" class="visually-hidden">
                "Search people and locations"
            </label>
            <input
                id="site-search"
                type="search"
                placeholder="Search people and locations"
                autocomplete="off"
                enterkeyhint="search"
                bind:value=query
            />
            <button type="submit" class="button button-search">
                "Search"
            </button>
        </form>
    }
}
