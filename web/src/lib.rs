//! The OpenStaff single-page app: Leptos, client-side rendered, built to WASM by Trunk.
//!
//! `api` is the only module that talks to the REST API and `auth` to the sign-in
//! provider; `session` holds the tokens; `pages` has one
//! module per route and `components` the pieces they share.

#![forbid(unsafe_code)]

pub mod admin_api;
pub mod api;
pub mod auth;
pub mod components;
pub mod pages;
pub mod passkey;
pub mod reactive;
pub mod session;
pub mod step_up;
pub mod when;

use components::{AppHeader, CurrentUser};
use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};
use pages::{
    ChangePasswordPage, HomePage, LocationPage, LocationsPage, NotFoundPage, SearchPage,
    SignInCallbackPage, SignInPage, SignedOutPage, UserPage,
};
use session::Session;

/// The root component.
#[component]
pub fn App() -> impl IntoView {
    let session = Session::provide();
    CurrentUser::provide(session);
    view! {
        <Router>
            <AppHeader />
            <main id="main" class="page" tabindex="-1">
                <Routes fallback=|| view! { <NotFoundPage /> }>
                    <Route path=path!("/") view=HomePage />
                    <Route path=path!("/signin") view=SignInPage />
                    <Route path=path!("/signin/callback") view=SignInCallbackPage />
                    <Route path=path!("/signed-out") view=SignedOutPage />
                    <Route path=path!("/change-password") view=ChangePasswordPage />
                    <Route path=path!("/locations") view=LocationsPage />
                    <Route path=path!("/locations/:id") view=LocationPage />
                    <Route path=path!("/users/:id") view=UserPage />
                    <Route path=path!("/search") view=SearchPage />
                    <Route path=path!("/audit") view=pages::audit::AuditPage />
                    <Route path=path!("/admin") view=pages::admin::AdminPage />
                    <Route path=path!("/admin/access") view=pages::admin::AdminAccessPage />
                    <Route path=path!("/admin/locations") view=pages::admin::AdminLocationsPage />
                    <Route path=path!("/admin/locations/:id") view=pages::admin::AdminLocationPage />
                    <Route path=path!("/admin/roles") view=pages::admin::AdminRolesPage />
                    <Route path=path!("/admin/users") view=pages::admin::AdminUsersPage />
                    <Route path=path!("/admin/applications") view=pages::admin::AdminApplicationsPage />
                    <Route path=path!("/admin/applications/:id") view=pages::admin::AdminApplicationPage />
                </Routes>
            </main>
        </Router>
    }
}
