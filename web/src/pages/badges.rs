//! The "Sign-in badge" card of `/users/:id`: the badge a staff member signs in with
//! on shared tills (a printed QR code and a PIN they choose at its first use). The
//! manager issues one (the printable badge is shown once, with Print: only the badge
//! prints), re-issues it (the old one stops working), unlocks it after five wrong
//! PINs, or revokes it. The buttons show only where `allowed_actions` allows; the
//! API decides again.

use crate::api;
use crate::components::{action_failure, load_view, ConfirmDialog, Confirmation};
use crate::pages::recovery::OneClick;
use crate::reactive::{action, effect, resource};
use crate::when;
use leptos::prelude::*;
use shared::dto::{Badge, BadgeStatus, IssueBadge, IssuedBadge, Page, User};
use shared::rules::Action as Permission;

/// How long a badge works (days, words); the API takes 1 to 730 or none.
const VALIDITY: [(u32, &str); 6] = [
    (0, "Until revoked"),
    (7, "1 week"),
    (30, "30 days"),
    (90, "90 days"),
    (180, "6 months"),
    (365, "1 year"),
];

fn status_words(s: BadgeStatus) -> &'static str {
    match s {
        BadgeStatus::PinNotSet => "Not used yet: they choose a PIN the first time",
        BadgeStatus::Active => "Active",
        BadgeStatus::Locked => "Locked after 5 wrong PINs",
        BadgeStatus::Expired => "Expired",
        BadgeStatus::Revoked => "Revoked",
    }
}

#[component]
pub fn BadgeCard(user: User) -> impl IntoView {
    let id = user.id.to_string();
    let name = user.display_name.clone();
    let manage = user.allowed_actions.contains(&Permission::ManageBadges);
    let changed = RwSignal::new(0u32);
    let badges = resource({
        let id = id.clone();
        move || {
            changed.get();
            let id = id.clone();
            Box::pin(async move { api::badges(&id).await })
        }
    });
    let list = load_view("Loading badges…", move || {
        Box::pin(async move {
            let page: Page<Badge> = badges.await?;
            Ok(view! { <BadgeList badges=page.items /> }.into_any())
        })
    });
    // The badge that still works (one at most), which the buttons act on.
    let live = Signal::derive(move || {
        badges.get().and_then(Result::ok).and_then(|p| {
            p.items
                .into_iter()
                .find(|b| !matches!(b.status, BadgeStatus::Revoked | BadgeStatus::Expired))
        })
    });
    let has_live = Signal::derive(move || live.get().is_some());
    let locked =
        Signal::derive(move || live.get().is_some_and(|b| b.status == BadgeStatus::Locked));
    let ids = {
        let id = id.clone();
        Signal::derive(move || {
            live.get()
                .map(|b| format!("{id} {}", b.id))
                .unwrap_or_default()
        })
    };
    // Mounted once (not in the list, which reloads), so what they did stays on screen.
    let actions = manage.then(|| {
        view! {
            <div class="recovery">
                <IssueBadgeButton user_id=id.clone() name=name.clone() has_live changed />
                <OneClick
                    user_id=ids
                    dialog_id="unlock-badge-confirm"
                    label="Unlock badge"
                    question=format!("Unlock {name}'s badge? They can enter their PIN again (5 tries).")
                    confirm_label="Unlock badge"
                    done=format!("{name}'s badge is unlocked.")
                    available=locked
                    call=|ids| Box::pin(async move {
                        let (user, badge) = ids.split_once(' ').unwrap_or_default();
                        api::unlock_badge(user.to_owned(), badge.to_owned()).await
                    })
                    changed
                />
                <OneClick
                    user_id=ids
                    dialog_id="revoke-badge-confirm"
                    label="Revoke badge"
                    question=format!("Revoke {name}'s badge? It stops working at once.")
                    confirm_label="Revoke badge"
                    danger=true
                    done=format!("{name}'s badge no longer works.")
                    available=has_live
                    call=|ids| Box::pin(async move {
                        let (user, badge) = ids.split_once(' ').unwrap_or_default();
                        api::revoke_badge(user.to_owned(), badge.to_owned()).await
                    })
                    changed
                />
            </div>
        }
    });
    view! {
        <section class="card" aria-labelledby="badge-heading">
            <h2 id="badge-heading">"Sign-in badge"</h2>
            <p class="muted">
                "For shared tills and tablets: a printed QR code they scan at sign-in, with a PIN they choose the first time."
            </p>
            {list}
            {actions}
        </section>
    }
}

#[component]
fn BadgeList(badges: Vec<Badge>) -> impl IntoView {
    if badges.is_empty() {
        return view! { <p class="muted">"No badge yet."</p> }.into_any();
    }
    view! {
        <ul class="list" aria-label="Badges">
            {badges
                .into_iter()
                .map(|b| {
                    let expiry = match (b.status, b.expires_at) {
                        (BadgeStatus::Revoked, _) => None,
                        (_, Some(at)) => Some(format!("Expires {}", when::expiry(at))),
                        (_, None) => Some("No expiry date".to_owned()),
                    };
                    let used = match b.last_used_at {
                        Some(at) => format!("Last used {}", when::local_time(at)),
                        None => "Not used yet".to_owned(),
                    };
                    view! {
                        <li class="list-item method">
                            <span class="method-kind">{status_words(b.status)}</span>
                            <span class="muted">
                                {format!("Issued {} · {used}", when::local_time(b.created_at))}
                            </span>
                            {expiry.map(|e| view! { <span>{e}</span> })}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// "Issue badge" (or "Issue a new badge"): how long it works, then the printable
/// badge, shown once, with Print.
#[component]
fn IssueBadgeButton(
    user_id: String,
    name: String,
    has_live: Signal<bool>,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let confirmation = Confirmation::new();
    let days = RwSignal::new(0u32);
    let issue = action(move |request: &IssueBadge| {
        let (id, request) = (user_id.clone(), request.clone());
        Box::pin(async move { api::issue_badge(&id, &request).await })
    });
    let pending = issue.pending();
    effect(move || {
        if let Some(Ok(_)) = issue.value() {
            confirmation.finish();
            changed.update(|n| *n += 1);
        }
    });
    let name = StoredValue::new(name);
    move || {
        match issue.value() {
        Some(Ok(badge)) => {
            let done = move |_| {
                // Shown once: forget it.
                issue.clear();
                confirmation.close();
            };
            view! {
                <IssuedBadgeView name=name.get_value() badge />
                <div class="actions">
                    <button
                        type="button"
                        class="button button-primary"
                        on:click=move |_| {
                            let _ = window().print();
                        }
                    >
                        "Print badge"
                    </button>
                    <button type="button" class="button button-secondary" on:click=done>
                        "Done"
                    </button>
                </div>
            }
            .into_any()
        }
        _ if confirmation.is_open() => view! {
            <ConfirmDialog
                confirmation
                id="badge-confirm"
                question=if has_live.get_untracked() {
                    format!(
                        "Issue a new badge for {}? Their current badge stops working at once.",
                        name.get_value(),
                    )
                } else {
                    format!(
                        "Issue a sign-in badge for {}? You print it and give it to them; they choose a PIN the first time they use it.",
                        name.get_value(),
                    )
                }
            >
                <div class="field">
                    <label for="badge-validity">"Works for"</label>
                    <select
                        id="badge-validity"
                        on:change=move |ev| {
                            if let Ok(d) = event_target_value(&ev).parse() {
                                days.set(d);
                            }
                        }
                    >
                        {VALIDITY
                            .iter()
                            .map(|(d, words)| {
                                let d = *d;
                                view! {
                                    <option value=d.to_string() selected=move || days.get() == d>
                                        {*words}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                {action_failure(issue)}
                <div class="actions">
                    <button
                        type="button"
                        class="button button-primary"
                        disabled=move || pending.get()
                        on:click=move |_| {
                            let d = days.get_untracked();
                            issue.dispatch(IssueBadge {
                                valid_days: (d > 0).then_some(d),
                            });
                        }
                    >
                        "Issue badge"
                    </button>
                    <button type="button" class="button button-secondary" on:click=move |_| confirmation.close()>
                        "Cancel"
                    </button>
                </div>
            </ConfirmDialog>
        }
        .into_any(),
        _ => view! {
            <button
                type="button"
                class="button button-secondary"
                node_ref=confirmation.trigger()
                on:click=move |_| {
                    issue.clear();
                    confirmation.open();
                }
            >
                {move || if has_live.get() { "Issue a new badge" } else { "Issue badge" }}
            </button>
        }
        .into_any(),
    }
    }
}

#[component]
fn IssuedBadgeView(name: String, badge: IssuedBadge) -> impl IntoView {
    let root = NodeRef::<leptos::html::Div>::new();
    effect(move || {
        if let Some(el) = root.get() {
            let _ = el.focus();
        }
    });
    let replaced = if badge.replaced_earlier_badge {
        " Their earlier badge no longer works."
    } else {
        ""
    };
    view! {
        <div class="notice notice-success" role="status" tabindex="-1" node_ref=root>
            <p>{format!("{name} has a new sign-in badge.{replaced}")}</p>
        </div>
        // The server's own SVG (every name in it escaped), the one part that prints.
        <div class="badge-print" inner_html=badge.badge_svg></div>
        <p>
            {format!(
                "Print it and give it to {name} in person. They choose a PIN the first time they scan it. This is the only time it is shown.",
            )}
        </p>
    }
}
