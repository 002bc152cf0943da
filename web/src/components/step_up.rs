//! How a sensitive action's failure looks: its message in plain words, or, when the
//! server wants a recent sign-in (`reauthentication_required`), "Confirm it's you".
//! That prompt signs in again in a popup (see [`crate::step_up`]) and sends the
//! action once more with the same input, so the form stays as it was typed. Every
//! sensitive action shows its failure through [`action_failure`], so the step-up is
//! designed once.

use crate::api::ApiError;
use crate::components::CurrentUser;
use crate::reactive::{spawn, ApiAction};
use crate::step_up::{self, StepUp};
use leptos::prelude::*;
use std::sync::Arc;

type Retry = Arc<dyn Fn() + Send + Sync>;

/// The latest failure of `action` (nothing while it runs or after a success).
pub fn action_failure<I: Clone + 'static, O: Clone + 'static>(action: ApiAction<I, O>) -> AnyView {
    let pending = action.pending();
    let error = Signal::derive(move || match action.value() {
        Some(Err(e)) if !pending.get() => Some(e),
        _ => None,
    });
    let retry: Retry = Arc::new(move || {
        if let Some(input) = action.input_untracked() {
            action.dispatch(input);
        }
    });
    failure_view(error, retry)
}

#[derive(Clone, PartialEq)]
enum Prompt {
    Ready,
    Waiting,
    Problem(&'static str),
}

fn failure_view(error: Signal<Option<ApiError>>, retry: Retry) -> AnyView {
    let current = CurrentUser::get();
    let prompt = RwSignal::new(Prompt::Ready);
    let confirm = move |_| {
        let hint = current.me().map(|m| m.user_principal_name);
        // Opened straight from the click, so the browser lets the popup open.
        let popup = match step_up::open(hint.as_deref()) {
            Ok(popup) => popup,
            Err(_) => return, // the tab is on its way to sign in
        };
        prompt.set(Prompt::Waiting);
        let retry = retry.clone();
        spawn(async move {
            match popup.finish().await {
                StepUp::Confirmed => {
                    prompt.try_set(Prompt::Ready);
                    retry();
                }
                StepUp::Cancelled => {
                    prompt.try_set(Prompt::Problem(
                        "The sign-in window was closed before you finished. Try again.",
                    ));
                }
                StepUp::SomeoneElse => {
                    prompt.try_set(Prompt::Problem(
                        "Someone else signed in in that window. Sign in as yourself to carry on.",
                    ));
                }
                StepUp::Redirected => {}
                StepUp::Failed(_) => {
                    prompt.try_set(Prompt::Problem("We couldn't confirm it's you. Try again."));
                }
            }
        });
    };
    view! {
        {move || match error.get() {
            None => ().into_any(),
            Some(e) if e.needs_reauthentication() => {
                view! {
                    <div class="notice step-up" role="alert">
                        <h3>"Confirm it's you"</h3>
                        <p>
                            "For your security, sign in again before you do this. What you entered stays here, and we'll carry on once you're done."
                        </p>
                        <button
                            type="button"
                            class="button button-primary"
                            disabled=move || prompt.get() == Prompt::Waiting
                            on:click=confirm.clone()
                        >
                            "Confirm it's you"
                        </button>
                        <p class="muted small" aria-live="polite">
                            {move || match prompt.get() {
                                Prompt::Ready => "",
                                Prompt::Waiting => "Finish signing in in the window that opened.",
                                Prompt::Problem(p) => p,
                            }}
                        </p>
                    </div>
                }
                    .into_any()
            }
            Some(e) => view! { <p class="notice notice-error" role="alert">{e.message()}</p> }.into_any(),
        }}
    }
    .into_any()
}
