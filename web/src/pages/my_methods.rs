//! "Sign-in and security" on My account: the person's own sign-in methods. They
//! add an authenticator app (scan the QR code or type the key, then confirm with a
//! first code) and remove one with a current code. Removing is a sensitive action:
//! after the step-up window it asks them to confirm it's them (see
//! `components::action_failure`).

use crate::api::{self, ApiError};
use crate::components::{action_failure, load_view, ConfirmDialog, Confirmation, HandOver};
use crate::pages::recovery::kind_words;
use crate::passkey;
use crate::reactive::{action, effect, resource};
use crate::when;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use leptos::prelude::*;
use shared::dto::{AuthenticationMethod, AuthenticationMethodKind, RegisterPasskey, TotpEnrolment};

/// The QR code as an image: the server's SVG document as a `data:` URL, so its
/// markup is never put into the page (no script, no inline markup).
pub fn qr_image_src(svg: &str) -> String {
    format!("data:image/svg+xml;base64,{}", STANDARD.encode(svg))
}

#[component]
pub fn MyMethods() -> impl IntoView {
    let changed = RwSignal::new(0u32);
    let methods = resource(move || {
        changed.get();
        Box::pin(api::my_authentication_methods())
    });
    let list = load_view("Loading your sign-in methods…", move || {
        Box::pin(async move {
            let page = methods.await?;
            // Removing any method asks for a current code while an app is there.
            let has_app = page
                .items
                .iter()
                .any(|m| m.kind == AuthenticationMethodKind::Totp);
            let rows = if page.items.is_empty() {
                view! {
                    <p class="muted">"You sign in with your password only."</p>
                }
                .into_any()
            } else {
                view! {
                    <ul class="list" aria-label="Your sign-in methods">
                        {page
                            .items
                            .into_iter()
                            .map(|m| view! { <MyMethod method=m has_app changed /> })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            };
            Ok(rows)
        })
    });
    view! {
        <h3>"Sign-in methods"</h3>
        {list}
        <AddPasskey changed />
        <AddAuthenticatorApp changed />
    }
}

#[component]
fn MyMethod(method: AuthenticationMethod, has_app: bool, changed: RwSignal<u32>) -> impl IntoView {
    let confirmation = Confirmation::new();
    let code = RwSignal::new(String::new());
    let id = method.id.to_string();
    let remove = action(move |code: &String| {
        let (id, code) = (id.clone(), code.clone());
        Box::pin(async move { api::remove_my_method(&id, code).await })
    });
    let pending = remove.pending();
    effect(move || {
        if let Some(Ok(())) = remove.value() {
            confirmation.finish();
            changed.update(|n| *n += 1);
        }
    });
    let used = match method.last_used_at {
        Some(at) => format!("last used {}", when::local_time(at)),
        None => "not used yet".to_owned(),
    };
    let facts = format!(
        "{} · added {} · {used}",
        kind_words(method.kind),
        when::local_time(method.created_at)
    );
    let name = method.name.clone();
    let dialog_id = format!("remove-method-{}", method.id);
    let code_id = format!("remove-code-{}", method.id);
    view! {
        <li class="list-item method">
            <span class="method-kind">{method.name.clone()}</span>
            <span class="muted">{facts}</span>
            {move || {
                if confirmation.is_open() {
                    let (code_id, dialog_id) = (code_id.clone(), dialog_id.clone());
                    view! {
                        <ConfirmDialog
                            confirmation
                            id=dialog_id
                            question=format!(
                                "Remove {name}? You won't be able to sign in with it any more.",
                            )
                        >
                            <form
                                on:submit=move |ev: leptos::ev::SubmitEvent| {
                                    ev.prevent_default();
                                    remove.dispatch(code.get_untracked().trim().to_owned());
                                }
                                novalidate
                            >
                                {has_app
                                    .then(|| {
                                        view! {
                                            <div class="field">
                                                <label for=code_id.clone()>
                                                    "A current code from your authenticator app"
                                                </label>
                                                <input
                                                    id=code_id.clone()
                                                    type="text"
                                                    inputmode="numeric"
                                                    autocomplete="one-time-code"
                                                    maxlength="8"
                                                    bind:value=code
                                                />
                                            </div>
                                        }
                                    })}
                                {action_failure(remove)}
                                <div class="actions">
                                    <button type="submit" class="button button-danger" disabled=move || pending.get()>
                                        "Remove"
                                    </button>
                                    <button
                                        type="button"
                                        class="button button-secondary"
                                        on:click=move |_| confirmation.close()
                                    >
                                        "Cancel"
                                    </button>
                                </div>
                            </form>
                        </ConfirmDialog>
                    }
                        .into_any()
                } else {
                    view! {
                        <button
                            type="button"
                            class="button button-secondary"
                            aria-label=format!("Remove {}", method.name)
                            node_ref=confirmation.trigger()
                            on:click=move |_| {
                                remove.clear();
                                code.set(String::new());
                                confirmation.open();
                            }
                        >
                            "Remove"
                        </button>
                    }
                        .into_any()
                }
            }}
        </li>
    }
}

/// What adding a passkey came to: the API's answer, and inside it the browser's.
type Added = Result<AuthenticationMethod, passkey::CreateError>;

/// Adds a passkey held by this device (or a phone or security key it reaches): the
/// server's options, the browser's own prompt, then the new credential back. Not
/// offered where the browser has no WebAuthn.
#[component]
fn AddPasskey(changed: RwSignal<u32>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let open = RwSignal::new(false);
    let add = action(move |name: &String| {
        let name = name.clone();
        Box::pin(async move {
            let options = api::passkey_options().await?;
            let credential = match passkey::create(&options.options).await {
                Ok(credential) => credential,
                Err(e) => return Ok::<Added, ApiError>(Err(e)),
            };
            let body = RegisterPasskey {
                ceremony: options.ceremony,
                credential,
                name: (!name.is_empty()).then_some(name),
            };
            Ok(Ok(api::register_passkey(&body).await?))
        })
    });
    let pending = add.pending();
    let added = RwSignal::new(false);
    effect(move || {
        if let Some(Ok(Ok(_))) = add.value() {
            add.clear();
            name.set(String::new());
            open.set(false);
            added.set(true);
            changed.update(|n| *n += 1);
        }
    });
    let browser_failure = move || match add.value() {
        Some(Ok(Err(e))) if !pending.get() => {
            Some(view! { <p class="notice notice-error" role="alert">{e.message()}</p> })
        }
        _ => None,
    };
    if !passkey::supported() {
        return ().into_any();
    }
    view! {
        <div aria-live="polite">
            {move || {
                added
                    .get()
                    .then(|| view! { <p class="notice notice-success" role="status">"Passkey added."</p> })
            }}
        </div>
        {move || {
            if open.get() {
                view! {
                    <form
                        class="enrol"
                        aria-labelledby="passkey-heading"
                        on:submit=move |ev: leptos::ev::SubmitEvent| {
                            ev.prevent_default();
                            add.dispatch(name.get_untracked().trim().to_owned());
                        }
                        novalidate
                    >
                        <h4 id="passkey-heading">"Add a passkey"</h4>
                        <p class="muted">
                            "Your device asks for your fingerprint, face or screen lock. After that you sign in with it alone: no password, no code."
                        </p>
                        <div class="field">
                            <label for="passkey-name">"Name"</label>
                            <input
                                id="passkey-name"
                                type="text"
                                maxlength="64"
                                placeholder="Work phone"
                                aria-describedby="passkey-name-hint"
                                bind:value=name
                            />
                            <p class="muted small" id="passkey-name-hint">
                                "So you can tell your passkeys apart. Optional."
                            </p>
                        </div>
                        {browser_failure}
                        {action_failure(add)}
                        <div class="actions">
                            <button type="submit" class="button button-primary" disabled=move || pending.get()>
                                "Create passkey"
                            </button>
                            <button
                                type="button"
                                class="button button-secondary"
                                on:click=move |_| {
                                    add.clear();
                                    open.set(false);
                                }
                            >
                                "Cancel"
                            </button>
                        </div>
                    </form>
                }
                    .into_any()
            } else {
                view! {
                    <button
                        type="button"
                        class="button button-secondary"
                        on:click=move |_| {
                            added.set(false);
                            open.set(true);
                        }
                    >
                        "Add a passkey"
                    </button>
                }
                    .into_any()
            }
        }}
    }
    .into_any()
}

/// Adds an authenticator app: the QR code and the key, then the first code.
#[component]
fn AddAuthenticatorApp(changed: RwSignal<u32>) -> impl IntoView {
    let start = action(|_: &()| Box::pin(api::register_totp()));
    let code = RwSignal::new(String::new());
    let verify = action(move |(id, code): &(String, String)| {
        let (id, code) = (id.clone(), code.clone());
        Box::pin(async move { api::verify_totp(&id, code).await })
    });
    let added = RwSignal::new(false);
    effect(move || {
        if let Some(Ok(_)) = verify.value() {
            // The enrolment (and its secret) is done with: forget it.
            start.clear();
            verify.clear();
            code.set(String::new());
            added.set(true);
            changed.update(|n| *n += 1);
        }
    });
    let enrolling = move |e: TotpEnrolment| {
        let id = e.id.to_string();
        view! {
            <div class="enrol" role="group" aria-labelledby="enrol-heading">
                <h4 id="enrol-heading">"Add an authenticator app"</h4>
                <ol>
                    <li>"Open your authenticator app and add an account."</li>
                    <li>"Scan this QR code, or type the key below."</li>
                </ol>
                <img
                    class="qr"
                    src=qr_image_src(&e.qr_svg)
                    alt="QR code for your authenticator app"
                    width="200"
                    height="200"
                />
                <HandOver
                    id="totp-secret"
                    label="Key"
                    value=e.secret
                    expires_at=Some(e.expires_at)
                    expires_label="Confirm before"
                />
                <form
                    on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        verify.dispatch((id.clone(), code.get_untracked().trim().to_owned()));
                    }
                    novalidate
                >
                    <div class="field">
                        <label for="enrol-code">"Code from the app"</label>
                        <input
                            id="enrol-code"
                            type="text"
                            inputmode="numeric"
                            autocomplete="one-time-code"
                            maxlength="8"
                            aria-describedby="enrol-code-hint"
                            bind:value=code
                        />
                        <p class="muted small" id="enrol-code-hint">
                            "6 digits. A new code shows every 30 seconds."
                        </p>
                    </div>
                    {action_failure(verify)}
                    <div class="actions">
                        <button type="submit" class="button button-primary" disabled=move || verify.pending().get()>
                            "Confirm"
                        </button>
                        <button
                            type="button"
                            class="button button-secondary"
                            on:click=move |_| {
                                start.clear();
                                verify.clear();
                            }
                        >
                            "Cancel"
                        </button>
                    </div>
                </form>
            </div>
        }
    };
    view! {
        <div aria-live="polite">
            {move || {
                added
                    .get()
                    .then(|| view! { <p class="notice notice-success" role="status">"Authenticator app added."</p> })
            }}
        </div>
        {move || match start.value() {
            Some(Ok(e)) => enrolling(e).into_any(),
            _ => {
                view! {
                    {action_failure(start)}
                    <button
                        type="button"
                        class="button button-secondary"
                        disabled=move || start.pending().get()
                        on:click=move |_| {
                            added.set(false);
                            start.dispatch(());
                        }
                    >
                        "Add an authenticator app"
                    </button>
                }
                    .into_any()
            }
        }}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_an_image_not_markup() {
        let src = qr_image_src("<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
        assert!(src.starts_with("data:image/svg+xml;base64,"));
        assert!(!src.contains('<'));
    }
}
