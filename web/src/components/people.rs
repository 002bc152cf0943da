//! How a person looks in a list: name, sign-in name, job, and whether the signed-in
//! manager can act on them.

use leptos::prelude::*;
use shared::dto::User;
use shared::rules::Action;

/// True when the caller may do something to this person (not just read).
pub fn can_manage(actions: &[Action]) -> bool {
    actions
        .iter()
        .any(|a| matches!(a, Action::ResetPassword | Action::ManagePhoneMethods))
}

/// "Can manage" or "View only".
#[component]
pub fn ManageBadge(manage: bool) -> impl IntoView {
    if manage {
        view! { <span class="badge badge-manage">"Can manage"</span> }
    } else {
        view! { <span class="badge badge-view">"View only"</span> }
    }
}

/// One person in a list, linking to their profile.
#[component]
pub fn PersonRow(user: User) -> impl IntoView {
    let href = format!("/users/{}", user.id);
    let manage = can_manage(&user.allowed_actions);
    let detail = [
        user.job_title.clone(),
        Some(user.user_principal_name.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let disabled = (!user.account_enabled)
        .then(|| view! { <span class="badge badge-off">"Turned off"</span> });
    view! {
        <li class="list-item person">
            <div class="person-main">
                <a class="person-name" href=href>
                    {user.display_name}
                </a>
                <span class="muted person-detail">{detail}</span>
            </div>
            <div class="person-badges">{disabled} <ManageBadge manage /></div>
        </li>
    }
}
