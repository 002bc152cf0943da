//! `/`: who am I, what roles I hold, and the locations I look after.

use crate::api;
use crate::components::{block_message, load_view};
use crate::reactive::{effect, resource};
use crate::session::Session;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use shared::dto::{AdministrativeUnit, Me, Page, RoleAssignment};
use shared::{ErrorCode, Scope};

/// Route guard: the page needs a token. This is a convenience only; the API enforces.
#[component]
pub fn HomePage() -> impl IntoView {
    let session = Session::get();
    move || match session.token() {
        None => view! { <Redirect path="/signin" /> }.into_any(),
        Some(_) if session.password_change_required() => {
            view! { <Redirect path="/change-password" /> }.into_any()
        }
        Some(token) => view! { <Home token /> }.into_any(),
    }
}

#[component]
fn Home(token: String) -> impl IntoView {
    let session = Session::get();
    let me = resource({
        let token = token.clone();
        move || {
            let token = token.clone();
            Box::pin(async move { api::me(&token).await })
        }
    });
    let units = resource(move || {
        let token = token.clone();
        Box::pin(async move { api::my_administrative_units(&token).await })
    });

    // An expired or revoked token: forget it, and the guard above sends us to /signin.
    effect(move || {
        let expired = matches!(me.get(), Some(Err(e)) if e.is_unauthorized())
            || matches!(units.get(), Some(Err(e)) if e.is_unauthorized());
        if expired {
            session.sign_out();
        }
    });

    let me_view = load_view("Loading your details…", move || {
        Box::pin(async move { me.await.map(|me| view! { <MeSummary me /> }.into_any()) })
    });
    let units_view = load_view("Loading your locations…", move || {
        Box::pin(async move {
            match units.await {
                Ok(page) => Ok(view! { <Locations page /> }.into_any()),
                // The My Staff gate is closed; the summary above already says why.
                Err(e)
                    if matches!(
                        e.code(),
                        Some(ErrorCode::NoAdminRole | ErrorCode::MyStaffNotEnabled)
                    ) =>
                {
                    Ok(view! { <p class="muted">"No locations to show."</p> }.into_any())
                }
                Err(e) => Err(e),
            }
        })
    });

    view! {
        {me_view}
        <section class="card" aria-labelledby="locations-heading">
            <h2 id="locations-heading">"My locations"</h2>
            {units_view}
        </section>
    }
}

#[component]
fn MeSummary(me: Me) -> impl IntoView {
    let access_note = (!me.my_staff_access.enabled).then(|| {
        view! {
            <div class="notice" role="status">
                <h2>"My Staff isn't available to you"</h2>
                <p>{block_message(me.my_staff_access.reason)}</p>
            </div>
        }
    });
    let roles = if me.role_assignments.is_empty() {
        view! { <p class="muted">"You don't hold any administrator roles."</p> }.into_any()
    } else {
        view! {
            <ul class="list" aria-labelledby="roles-heading">
                {me
                    .role_assignments
                    .iter()
                    .map(|ra| view! { <li class="list-item">{role_line(ra)}</li> })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <section class="card profile" aria-labelledby="me-heading">
            <h1 id="me-heading">{me.display_name}</h1>
            <p class="muted">{me.user_principal_name}</p>
            {me.job_title.map(|t| view! { <p>{t}</p> })}
            {access_note}
            <h2 id="roles-heading">"My roles"</h2>
            {roles}
        </section>
    }
}

/// "Global Administrator — whole directory", "Helpdesk Administrator — Store 12".
fn role_line(ra: &RoleAssignment) -> String {
    let scope = match (&ra.scope, &ra.scope_display_name) {
        (Scope::Directory, _) => "whole directory",
        (Scope::AdministrativeUnit { .. }, Some(name)) => name.as_str(),
        (Scope::AdministrativeUnit { .. }, None) => "one location",
    };
    format!("{} — {}", ra.role_display_name, scope)
}

#[component]
fn Locations(page: Page<AdministrativeUnit>) -> impl IntoView {
    if page.items.is_empty() {
        return view! { <p class="muted">"You don't look after any locations yet."</p> }.into_any();
    }
    view! {
        <ul class="list">
            {page
                .items
                .into_iter()
                .map(|unit| {
                    let members = match unit.member_count {
                        1 => "1 member".to_owned(),
                        n => format!("{n} members"),
                    };
                    view! {
                        <li class="list-item location">
                            <a class="location-name" href=format!("/locations/{}", unit.id)>
                                {unit.display_name}
                            </a>
                            <span class="muted">{members}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn global_admin() -> RoleAssignment {
        serde_json::from_value(serde_json::json!({
            "id": "00000000-0000-0000-0000-000000000000",
            "principal_id": "00000000-0000-0000-0000-000000000000",
            "principal_display_name": "Avery Admin",
            "role": "global_administrator",
            "role_display_name": "Global Administrator",
            "scope": {"type": "directory"},
            "scope_display_name": null,
            "created_at": "2026-01-01T00:00:00Z"
        }))
        .unwrap()
    }

    #[test]
    fn role_lines_name_the_scope() {
        let mut ra = global_admin();
        assert_eq!(role_line(&ra), "Global Administrator — whole directory");
        ra.role_display_name = "Helpdesk Administrator".into();
        ra.scope = Scope::AdministrativeUnit {
            id: ra.principal_id,
        };
        ra.scope_display_name = Some("Store 12".into());
        assert_eq!(role_line(&ra), "Helpdesk Administrator — Store 12");
        ra.scope_display_name = None;
        assert_eq!(role_line(&ra), "Helpdesk Administrator — one location");
    }
}
