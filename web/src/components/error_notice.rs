//! How failures and waiting look, everywhere.

use crate::api::ApiError;
use crate::reactive::SendFuture;
use leptos::prelude::*;
use std::sync::Arc;

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

/// A view that waits for data: [`Loading`] with `label` until the first answer (then
/// the previous view stays up while a new one loads, as a `Transition` does), an
/// [`ErrorNotice`] for a failure, else the view `content` resolves to. `content` runs
/// again whenever a resource or signal it reads changes.
pub fn load_view(
    label: &'static str,
    content: impl Fn() -> SendFuture<Result<AnyView, ApiError>> + Send + Sync + 'static,
) -> AnyView {
    load_view_boxed(label, Arc::new(content))
}

type Content = Arc<dyn Fn() -> SendFuture<Result<AnyView, ApiError>> + Send + Sync>;

fn load_view_boxed(label: &'static str, content: Content) -> AnyView {
    let content = StoredValue::new(content);
    view! {
        <Transition fallback=move || view! { <Loading label /> }>
            <ErrorBoundary fallback=|errors| {
                view! { <ErrorNotice errors /> }
            }>{move || Suspend::new(content.with_value(|c| c()))}</ErrorBoundary>
        </Transition>
    }
    .into_any()
}
