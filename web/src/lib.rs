//! The OpenStaff single-page app: Leptos, client-side rendered, built to WASM by Trunk.
//!
//! `api` is the only module that talks HTTP; `session` holds the token; `pages` has one
//! module per route and `components` the pieces they share.

#![forbid(unsafe_code)]

pub mod api;
pub mod components;
pub mod pages;
pub mod session;

use components::AppHeader;
use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};
use pages::{HomePage, NotFoundPage, SignInPage};
use session::Session;

/// The root component.
#[component]
pub fn App() -> impl IntoView {
    Session::provide();
    view! {
        <Router>
            <AppHeader />
            <main id="main" class="page" tabindex="-1">
                <Routes fallback=|| view! { <NotFoundPage /> }>
                    <Route path=path!("/") view=HomePage />
                    <Route path=path!("/signin") view=SignInPage />
                </Routes>
            </main>
        </Router>
    }
}
