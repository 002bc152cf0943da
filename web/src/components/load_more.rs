//! The "Load more" button under a paged list.

use super::show;
use crate::api::ApiError;
use crate::reactive::{spawn, LocalFuture};
use leptos::prelude::*;
use std::sync::Arc;

/// Fetches the page after a cursor, appends its items to the list, and returns the
/// cursor of the page after that.
pub type NextPage =
    Arc<dyn Fn(String) -> LocalFuture<Result<Option<String>, ApiError>> + Send + Sync>;

/// The error line and the "Load more" button of a paged list: shown while `next`
/// holds a cursor, busy while `load` runs, and the failure in plain words under the
/// list if it fails.
pub fn load_more(next: RwSignal<Option<String>>, label: &'static str, load: NextPage) -> AnyView {
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let on_click = move |_| {
        let Some(cursor) = next.get_untracked() else {
            return;
        };
        loading.set(true);
        let page = load(cursor);
        spawn(async move {
            match page.await {
                Ok(cursor) => {
                    next.try_set(cursor);
                    error.try_set(None);
                }
                Err(e) => {
                    error.try_set(Some(e.message()));
                }
            }
            loading.try_set(false);
        });
    };
    view! {
        {move || error.get().map(|m| view! { <p class="notice notice-error" role="alert">{m}</p> })}
        {show(
            move || next.with(Option::is_some),
            move || {
                view! {
                    <button
                        type="button"
                        class="button button-secondary"
                        disabled=move || loading.get()
                        aria-busy=move || loading.get().to_string()
                        on:click=on_click.clone()
                    >
                        {label}
                    </button>
                }
                .into_any()
            },
        )}
    }
    .into_any()
}
