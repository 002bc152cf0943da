//! A secret handed over in person: a temporary password, a Temporary Access Pass,
//! an authenticator app's setup key. One look for all of them, because the manager
//! reads it out or shows her phone across a counter: whole on a 390 px screen (it
//! wraps between groups, never inside one, and never scrolls inside a field), large
//! and monospace in groups of four, a Copy button, and an expiry nobody can misread.

use crate::components::copy_to_clipboard;
use crate::reactive::{effect, spawn};
use chrono::{DateTime, Utc};
use leptos::html;
use leptos::prelude::*;

/// `ABCD EFGH …`: the characters in fours, without the separators the value may
/// already have (a pass is typed with or without its dashes).
pub fn groups(value: &str) -> Vec<String> {
    let chars: Vec<char> = value
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    chars.chunks(4).map(|c| c.iter().collect()).collect()
}

/// The secret, its Copy button and its expiry. It takes keyboard focus when it
/// appears: it replaces the confirmation that had it.
#[component]
pub fn HandOver(
    /// Unique on the page; the value's element gets this id.
    id: &'static str,
    /// What it is ("Temporary password"): the group's name and the Copy button's.
    label: &'static str,
    #[prop(into)] value: String,
    /// When it stops working, in the viewer's local time.
    #[prop(default = None)]
    expires_at: Option<DateTime<Utc>>,
    /// Words before the expiry ("Expires", "Confirm before").
    #[prop(default = "Expires")]
    expires_label: &'static str,
) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let root = NodeRef::<html::Div>::new();
    effect(move || {
        if let Some(el) = root.get() {
            let _ = el.focus();
        }
    });
    let to_copy = value.clone();
    let copy = move |_| {
        let text = to_copy.clone();
        spawn(async move {
            let ok = copy_to_clipboard(text).await;
            copied.try_set(Some(ok));
        });
    };
    let label_id = format!("{id}-label");
    let labelled_by = label_id.clone();
    let status_id = format!("{id}-status");
    let shown = groups(&value)
        .into_iter()
        .map(|g| view! { <span class="handover-group">{g}</span>" " })
        .collect_view();
    view! {
        <div class="handover" role="group" aria-labelledby=labelled_by tabindex="-1" node_ref=root>
            <p class="handover-label" id=label_id>{label}</p>
            <p class="handover-value" id=id translate="no">{shown}</p>
            <div class="actions">
                <button
                    type="button"
                    class="button button-secondary"
                    aria-describedby=status_id.clone()
                    on:click=copy
                >
                    "Copy"
                    <span class="visually-hidden">{format!(" {}", label.to_lowercase())}</span>
                </button>
            </div>
            <p id=status_id class="copy-status muted small" aria-live="polite">
                {move || match copied.get() {
                    Some(true) => "Copied.",
                    Some(false) => "Couldn't copy. Read it out or type it in.",
                    None => "",
                }}
            </p>
            {expires_at
                .map(|at| {
                    view! {
                        <p class="handover-expiry">
                            <strong>{expires_label}</strong>
                            " "
                            {crate::when::expiry(at)}
                        </p>
                    }
                })}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_read_in_fours() {
        assert_eq!(
            groups("7KQM-3XRT-9HVW-2CPA"),
            ["7KQM", "3XRT", "9HVW", "2CPA"]
        );
        assert_eq!(groups("abcdefghij"), ["abcd", "efgh", "ij"]);
        assert_eq!(groups("JBSW Y3DP"), ["JBSW", "Y3DP"]);
    }
}
