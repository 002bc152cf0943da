//! The top bar: product name and, when signed in, the sign-out button.

use crate::session::Session;
use leptos::prelude::*;
use leptos_router::{hooks::use_navigate, NavigateOptions};

#[component]
pub fn AppHeader() -> impl IntoView {
    let session = Session::get();
    let navigate = use_navigate();
    let sign_out = move |_| {
        session.sign_out();
        navigate(
            "/signin",
            NavigateOptions {
                replace: true,
                ..Default::default()
            },
        );
    };
    view! {
        <header class="app-header">
            <a class="skip-link" href="#main">"Skip to content"</a>
            <span class="brand">"OpenStaff"</span>
            <Show when=move || session.token().is_some()>
                <button type="button" class="button button-quiet" on:click=sign_out.clone()>
                    "Sign out"
                </button>
            </Show>
        </header>
    }
}
