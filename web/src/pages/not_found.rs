//! Any path the SPA does not know.

use leptos::prelude::*;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Page not found"</h1>
            <p>"There's nothing at this address."</p>
            <p>
                <a href="/">"Go to the home page"</a>
            </p>
        </section>
    }
}
