//! `/audit`: who did what, when, to whom. Directory admins see everything; a manager
//! sees the events about her locations (the server decides which).

use crate::admin_api::{self, AuditFilter};
use crate::components::{load_more, load_view, NextPage, Protected};
use crate::reactive::{resource, spawn};
use leptos::prelude::*;
use shared::audit::{Activity, Outcome};
use shared::dto::{AuditEvent, AuditTarget, Page};
use std::sync::Arc;
use web_sys::js_sys;
use web_sys::wasm_bindgen::{JsCast, JsValue};

/// Signed-in only; the server decides which events the caller may read.
#[component]
pub fn AuditPage() -> impl IntoView {
    view! {
        <Protected>
            <AuditLog />
        </Protected>
    }
}

/// A `datetime-local` value (local wall time) as RFC 3339 UTC, or `None` if invalid.
fn local_input_to_utc(value: &str) -> Option<String> {
    let date = js_sys::Date::new(&JsValue::from_str(value));
    if date.get_time().is_nan() {
        return None;
    }
    Some(String::from(date.to_iso_string()))
}

/// The event's time as `(ISO 8601 UTC, the browser's locale and time zone)`. The
/// browser formats it, so chrono's formatting code stays out of the bundle.
fn times(event: &AuditEvent) -> (String, String) {
    // Milliseconds since 1970 fit an f64 exactly for any realistic date.
    #[allow(clippy::cast_precision_loss)]
    let ms = event.activity_date_time.timestamp_millis() as f64;
    let date = js_sys::Date::new(&JsValue::from_f64(ms));
    (
        String::from(date.to_iso_string()),
        String::from(date.to_locale_string("default", &JsValue::UNDEFINED)),
    )
}

fn surface_label(event: &AuditEvent) -> &'static str {
    match event
        .additional_details
        .get("surface")
        .and_then(|s| s.as_str())
    {
        Some("my_staff") => "My Staff",
        Some("api") => "API",
        Some("cli") => "Command line",
        Some("sign_in_page") => "Sign-in page",
        Some("sync") => "Directory sync",
        _ => "Unknown",
    }
}

/// `rate_limited` → "Rate limited".
fn humanize(code: &str) -> String {
    let text = code.replace('_', " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if first.is_ascii() => std::iter::once(first.to_ascii_uppercase())
            .chain(chars)
            .collect(),
        // Codes are ASCII; anything else is upper-cased by the browser, which spares
        // the wasm Rust's Unicode upper-case table (~12 KB).
        Some(first) => {
            let first: String = js_sys::JsString::from(first).to_upper_case().into();
            first + chars.as_str()
        }
        None => String::new(),
    }
}

fn target_kind(target: &AuditTarget) -> &'static str {
    match target.type_.as_str() {
        "user" => "User",
        "administrative_unit" => "Location",
        "setting" => "Setting",
        _ => "Item",
    }
}

fn change_line(name: &str, old: Option<&str>, new: Option<&str>) -> String {
    let name = humanize(name);
    match (old, new) {
        (Some(o), Some(n)) => format!("{name}: {o} → {n}"),
        (None, Some(n)) => format!("{name}: {n}"),
        (Some(o), None) => format!("{name}: {o} → (removed)"),
        (None, None) => name,
    }
}

#[component]
fn AuditLog() -> impl IntoView {
    // What the form holds, and what was last applied.
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let activity = RwSignal::new(String::new());
    let result = RwSignal::new(String::new());
    let actor = RwSignal::new(String::new());
    let target = RwSignal::new(String::new());
    let applied = RwSignal::new(AuditFilter::default());
    let form_error = RwSignal::new(None::<String>);

    let first = resource(move || {
        let filter = applied.get();
        Box::pin(async move { admin_api::audit_logs(&filter, None).await })
    });

    let read_form = move || -> Result<AuditFilter, String> {
        let time = |raw: String, what: &str| -> Result<String, String> {
            if raw.trim().is_empty() {
                return Ok(String::new());
            }
            local_input_to_utc(&raw).ok_or_else(|| format!("Enter a valid {what} date and time."))
        };
        Ok(AuditFilter {
            from: time(from.get_untracked(), "start")?,
            to: time(to.get_untracked(), "end")?,
            activity: activity.get_untracked(),
            actor: actor.get_untracked().trim().to_owned(),
            target: target.get_untracked().trim().to_owned(),
            result: result.get_untracked(),
        })
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match read_form() {
            Ok(filter) => {
                form_error.set(None);
                applied.set(filter);
            }
            Err(message) => form_error.set(Some(message)),
        }
    };
    let clear = move |_| {
        for field in [from, to, activity, result, actor, target] {
            field.set(String::new());
        }
        form_error.set(None);
        applied.set(AuditFilter::default());
    };

    // CSV: the token is not a cookie, so fetch with it and hand the browser a blob.
    let downloading = RwSignal::new(false);
    let download_error = RwSignal::new(None::<String>);
    let download = move |_| {
        let filter = match read_form() {
            Ok(f) => f,
            Err(message) => {
                form_error.set(Some(message));
                return;
            }
        };
        downloading.set(true);
        download_error.set(None);
        spawn(async move {
            let outcome = admin_api::audit_csv(&filter).await;
            downloading.try_set(false);
            match outcome {
                Ok(raw) => {
                    if save_file(&raw.text, "openstaff-audit.csv", "text/csv").is_err() {
                        download_error.try_set(Some(
                            "Your browser didn't let us save the file. Try again.".to_owned(),
                        ));
                    }
                }
                Err(e) => {
                    download_error.try_set(Some(e.message()));
                }
            }
        });
    };

    let body = load_view("Loading events…", move || {
        Box::pin(async move {
            first.await.map(|page| {
                let filter = applied.get_untracked();
                view! { <EventList page filter /> }.into_any()
            })
        })
    });

    view! {
        <section class="card" aria-labelledby="audit-heading">
            <h1 id="audit-heading">"Audit log"</h1>
            <p class="muted">
                "Every change and every refused attempt, newest first. You see the events about the people and locations you look after."
            </p>
            <form class="filters" on:submit=on_submit novalidate aria-label="Filter the audit log">
                <div class="filter-grid">
                    <div class="field">
                        <label for="audit-from">"From"</label>
                        <input id="audit-from" type="datetime-local" bind:value=from />
                    </div>
                    <div class="field">
                        <label for="audit-to">"To"</label>
                        <input id="audit-to" type="datetime-local" bind:value=to />
                    </div>
                    <div class="field">
                        <label for="audit-activity">"Activity"</label>
                        <select
                            id="audit-activity"
                            prop:value=move || activity.get()
                            on:change:target=move |ev| activity.set(ev.target().value())
                        >
                            <option value="">"Any activity"</option>
                            {Activity::ALL
                                .iter()
                                .map(|a| view! { <option value=a.as_str()>{a.as_str()}</option> })
                                .collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="audit-result">"Result"</label>
                        <select
                            id="audit-result"
                            prop:value=move || result.get()
                            on:change:target=move |ev| result.set(ev.target().value())
                        >
                            <option value="">"Any result"</option>
                            <option value=Outcome::Success.as_str()>"Succeeded"</option>
                            <option value=Outcome::Failure.as_str()>"Failed or refused"</option>
                        </select>
                    </div>
                    <div class="field">
                        <label for="audit-actor">"Done by (user id, optional)"</label>
                        <input
                            id="audit-actor"
                            type="text"
                            autocomplete="off"
                            spellcheck="false"
                            bind:value=actor
                        />
                    </div>
                    <div class="field">
                        <label for="audit-target">"Done to (user or location id, optional)"</label>
                        <input
                            id="audit-target"
                            type="text"
                            autocomplete="off"
                            spellcheck="false"
                            bind:value=target
                        />
                    </div>
                </div>
                {move || {
                    form_error
                        .get()
                        .map(|m| view! { <p class="notice notice-error" role="alert">{m}</p> })
                }}
                <div class="actions">
                    <button type="submit" class="button button-primary">
                        "Apply filters"
                    </button>
                    <button type="button" class="button button-secondary" on:click=clear>
                        "Clear filters"
                    </button>
                    <button
                        type="button"
                        class="button button-secondary"
                        disabled=move || downloading.get()
                        aria-busy=move || downloading.get().to_string()
                        on:click=download
                    >
                        {move || if downloading.get() { "Preparing CSV…" } else { "Download CSV" }}
                    </button>
                </div>
                <div aria-live="polite">
                    {move || {
                        download_error
                            .get()
                            .map(|m| view! { <p class="notice notice-error" role="alert">{m}</p> })
                    }}
                </div>
            </form>
        </section>
        <section class="card" aria-labelledby="events-heading">
            <h2 id="events-heading">"Events"</h2>
            {body}
        </section>
    }
}

/// Hands `text` to the browser as a file download through a temporary object URL.
fn save_file(text: &str, name: &str, mime: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or(JsValue::NULL)?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    // Give the browser time to start the download before the URL goes away.
    set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(60),
    );
    Ok(())
}

#[component]
fn EventList(page: Page<AuditEvent>, filter: AuditFilter) -> impl IntoView {
    if page.items.is_empty() {
        let text = if filter == AuditFilter::default() {
            "Nothing has been recorded yet."
        } else {
            "No events match these filters."
        };
        return view! { <p class="muted">{text}</p> }.into_any();
    }
    let items = RwSignal::new(page.items);
    let next = RwSignal::new(page.next_cursor);
    let more: NextPage = Arc::new(move |cursor: String| {
        let filter = filter.clone();
        Box::pin(async move {
            let p = admin_api::audit_logs(&filter, Some(&cursor)).await?;
            items.try_update(|v| v.extend(p.items));
            Ok(p.next_cursor)
        })
    });
    view! {
        <ol class="list events" aria-labelledby="events-heading">
            {move || {
                items
                    .get()
                    .into_iter()
                    .map(|event| view! {
                <EventItem event />
                    })
                    .collect_view()
            }}
        </ol>
        {load_more(next, "Load more", more)}
    }
    .into_any()
}

#[component]
fn EventItem(event: AuditEvent) -> impl IntoView {
    let (iso, when) = times(&event);
    // An application acting as itself is named as one (client-credentials grant).
    let who = match &event.initiated_by.app {
        Some(app) => format!("{} (application)", app.display_name),
        None => event
            .initiated_by
            .user_principal_name
            .clone()
            .unwrap_or_else(|| "System".to_owned()),
    };
    let surface = surface_label(&event);
    let ok = event.result == Outcome::Success;
    let result = if ok { "Succeeded" } else { "Failed" };
    let reason = event
        .result_reason
        .as_deref()
        .filter(|r| !r.is_empty())
        .map(humanize);
    let targets = event
        .target_resources
        .iter()
        .map(|t| {
            let changes = t
                .modified_properties
                .iter()
                .map(|p| change_line(&p.name, p.old_value.as_deref(), p.new_value.as_deref()))
                .collect::<Vec<_>>();
            view! {
                <li>
                    <span class="muted">{target_kind(t)} ": "</span>
                    <span>{t.display_name.clone()}</span>
                    {(!changes.is_empty())
                        .then(|| {
                            view! {
                                <ul class="changes">
                                    {changes
                                        .into_iter()
                                        .map(|c| view! { <li>{c}</li> })
                                        .collect_view()}
                                </ul>
                            }
                        })}
                </li>
            }
        })
        .collect_view();
    view! {
        <li class="list-item event">
            <div class="event-head">
                <span class="strong">{event.activity.as_str()}</span>
                <span class=if ok { "badge badge-ok" } else { "badge badge-fail" }>{result}</span>
            </div>
            <p class="muted small">
                <time datetime=iso>{when}</time>
                " · by "
                <span class="break">{who}</span>
                " · "
                {surface}
            </p>
            {reason.map(|r| view! { <p class="small">"Reason: " {r}</p> })}
            <ul class="targets small">{targets}</ul>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_as_words() {
        assert_eq!(humanize("rate_limited"), "Rate limited");
        assert_eq!(humanize(""), "");
        assert_eq!(
            change_line("phone_number", Some("+1 *** 34"), Some("+1 *** 56")),
            "Phone number: +1 *** 34 → +1 *** 56"
        );
        assert_eq!(
            change_line("restricted", None, Some("true")),
            "Restricted: true"
        );
    }
}
