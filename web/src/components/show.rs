//! Leptos's `<Show>`, compiled once.
//!
//! `<Show>` is generic over its condition and its children, so each use compiled its
//! own copy. These take them boxed, so there is one.

use leptos::prelude::*;
use std::sync::Arc;

type ViewBox = Arc<dyn Fn() -> AnyView + Send + Sync>;

/// `children` while `when` is true, nothing otherwise (`<Show when>`).
pub fn show(
    when: impl Fn() -> bool + Send + Sync + 'static,
    children: impl Fn() -> AnyView + Send + Sync + 'static,
) -> AnyView {
    show_boxed(Arc::new(when), Arc::new(children), None)
}

/// `children` while `when` is true, `fallback` otherwise (`<Show when fallback>`).
pub fn show_or(
    when: impl Fn() -> bool + Send + Sync + 'static,
    children: impl Fn() -> AnyView + Send + Sync + 'static,
    fallback: impl Fn() -> AnyView + Send + Sync + 'static,
) -> AnyView {
    show_boxed(Arc::new(when), Arc::new(children), Some(Arc::new(fallback)))
}

fn show_boxed(
    when: Arc<dyn Fn() -> bool + Send + Sync>,
    children: ViewBox,
    fallback: Option<ViewBox>,
) -> AnyView {
    let fallback = match fallback {
        Some(fallback) => ViewFn::from(move || fallback()),
        None => ViewFn::default(),
    };
    view! { <Show when=move || when() fallback>{children()}</Show> }.into_any()
}
