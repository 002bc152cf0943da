//! How failures and waiting look, everywhere.

use crate::api::ApiError;
use leptos::prelude::*;

/// The `ErrorBoundary` fallback: each error in plain words, never raw JSON.
#[component]
pub fn ErrorNotice(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let messages = move || {
        let mut messages: Vec<String> = errors
            .get()
            .into_iter()
            .map(|(_, error)| match error.downcast_ref::<ApiError>() {
                Some(api) => api.message(),
                None => "Something unexpected happened. Try again in a moment.".to_owned(),
            })
            .collect();
        messages.dedup();
        messages
            .into_iter()
            .map(|m| view! { <p>{m}</p> })
            .collect_view()
    };
    view! {
        <div class="notice notice-error" role="alert">
            {messages}
        </div>
    }
}

/// What a `Transition` shows while its first load is pending.
#[component]
pub fn Loading(#[prop(into)] label: String) -> impl IntoView {
    view! {
        <p class="loading" role="status" aria-live="polite">
            {label}
        </p>
    }
}
