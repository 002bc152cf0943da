//! Confirmations, shown in place under the button that asked for them. Opening one
//! moves keyboard focus into it (a screen reader reads the question); Escape or
//! Cancel closes it and gives focus back to that button, as the WAI-ARIA dialog
//! pattern asks. Without this, focus fell to `<body>` whenever the button was
//! replaced by the question.

use crate::reactive::effect;
use leptos::html;
use leptos::prelude::*;

/// Whether a confirmation is open, and the button that opens it.
#[derive(Clone, Copy)]
pub struct Confirmation {
    open: RwSignal<bool>,
    trigger: NodeRef<html::Button>,
    /// Set on close: the next time the button is on the page, it takes focus.
    give_back: RwSignal<bool>,
}

impl Default for Confirmation {
    fn default() -> Self {
        Self::new()
    }
}

impl Confirmation {
    pub fn new() -> Self {
        let c = Confirmation {
            open: RwSignal::new(false),
            trigger: NodeRef::new(),
            give_back: RwSignal::new(false),
        };
        effect(move || {
            if let Some(button) = c.trigger.get() {
                if c.give_back.get_untracked() {
                    c.give_back.set(false);
                    let _ = button.focus();
                }
            }
        });
        c
    }

    /// Whether it is open (tracked).
    pub fn is_open(&self) -> bool {
        self.open.get()
    }

    pub fn open(&self) {
        self.open.set(true);
    }

    /// Closes it and gives focus back to the button that opened it.
    pub fn close(&self) {
        self.give_back.set(true);
        self.open.set(false);
    }

    /// Closes it after the action went through: what it shows next takes focus.
    pub fn finish(&self) {
        self.open.set(false);
    }

    /// For `node_ref` on the button that opens it.
    pub fn trigger(&self) -> NodeRef<html::Button> {
        self.trigger
    }
}

/// The question and its buttons (`children`), as a dialog that takes focus and
/// closes on Escape.
#[component]
pub fn ConfirmDialog(
    confirmation: Confirmation,
    /// Unique on the page.
    #[prop(into)]
    id: String,
    #[prop(into)] question: String,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<html::Div>::new();
    effect(move || {
        if let Some(el) = dialog.get() {
            let _ = el.focus();
        }
    });
    let question_id = format!("{id}-question");
    let labelled_by = question_id.clone();
    view! {
        <div
            class="confirm"
            id=id
            role="dialog"
            aria-labelledby=labelled_by
            tabindex="-1"
            node_ref=dialog
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Escape" {
                    ev.prevent_default();
                    confirmation.close();
                }
            }
        >
            <p id=question_id class="confirm-question">{question}</p>
            {children()}
        </div>
    }
}
