//! Values an admin copies into another system (a temporary password, a client id, a
//! client secret): a read-only box that selects easily, a Copy button, and a line
//! saying whether the copy worked.

use crate::reactive::spawn;
use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Puts `text` on the clipboard; false when the browser refuses (no permission, not
/// a secure context).
pub async fn copy_to_clipboard(text: String) -> bool {
    match web_sys::window() {
        Some(w) => JsFuture::from(w.navigator().clipboard().write_text(&text))
            .await
            .is_ok(),
        None => false,
    }
}

/// A labelled read-only value with a Copy button whose accessible name is "Copy
/// {what}" (e.g. "Copy the client secret"), so several on one page can be told apart.
#[component]
pub fn CopyField(
    /// The input's id (unique on the page).
    id: &'static str,
    /// The visible label.
    label: &'static str,
    /// Completes the button's name for screen readers: "Copy" + `what`.
    what: &'static str,
    #[prop(into)] value: String,
    /// Shown in the monospace style of secrets.
    #[prop(optional)]
    secret: bool,
) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let to_copy = value.clone();
    let copy = move |_| {
        let text = to_copy.clone();
        spawn(async move {
            let ok = copy_to_clipboard(text).await;
            copied.try_set(Some(ok));
        });
    };
    let status_id = format!("{id}-status");
    view! {
        <div class="field copy-field">
            <label for=id>{label}</label>
            <div class="copy-row">
                <input
                    id=id
                    class=if secret { "secret" } else { "copy-value" }
                    type="text"
                    readonly
                    autocomplete="off"
                    spellcheck="false"
                    prop:value=value
                />
                <button
                    type="button"
                    class="button button-secondary"
                    aria-describedby=status_id.clone()
                    on:click=copy
                >
                    "Copy"
                    <span class="visually-hidden">{format!(" {what}")}</span>
                </button>
            </div>
            <p id=status_id class="copy-status muted small" aria-live="polite">
                {move || match copied.get() {
                    Some(true) => "Copied.",
                    Some(false) => "Couldn't copy. Select the text and copy it yourself.",
                    None => "",
                }}
            </p>
        </div>
    }
}
