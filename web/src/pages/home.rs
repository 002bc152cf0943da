//! `/`: "My account", the home of everyone who signs in: who they are, the
//! applications they may open (My Staff among them for managers), their sign-in
//! phone numbers (masked), password and sign-in methods, and for managers their
//! roles and locations.

use crate::api;
use crate::components::{block_message, load_view, CurrentUser, Protected};
use crate::pages::my_methods::MyMethods;
use crate::pages::user::phone_label;
use crate::reactive::resource;
use leptos::prelude::*;
use shared::dto::{AdministrativeUnit, Me, MyApplication, Page, PhoneMethods, RoleAssignment};
use shared::rules::MyStaffBlock;
use shared::{ErrorCode, Scope};

/// Route guard: the page needs a session. This is a convenience only; the API enforces.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Protected>
            <Home />
        </Protected>
    }
}

#[component]
fn Home() -> impl IntoView {
    let current = CurrentUser::get();
    let apps = resource(|| Box::pin(api::my_applications()));
    let phones = resource(|| Box::pin(api::my_phone_methods()));
    let units = resource(|| Box::pin(api::my_locations()));

    let me_view = load_view("Loading your details…", move || {
        Box::pin(async move {
            match current.0.await {
                Ok(Some(me)) => Ok(view! { <MeSummary me /> }.into_any()),
                Ok(None) => Ok(().into_any()),
                Err(e) => Err(e),
            }
        })
    });
    let apps_view = load_view("Loading your applications…", move || {
        Box::pin(async move {
            let me = current.0.await?;
            let my_staff = me.is_some_and(|m| m.my_staff_access.enabled);
            let page = apps.await?;
            Ok(view! { <Applications page my_staff /> }.into_any())
        })
    });
    let security_view = load_view("Loading your sign-in details…", move || {
        Box::pin(async move {
            let phones = phones.await?;
            Ok(view! { <Security phones /> }.into_any())
        })
    });
    let admin_view = load_view("Loading your roles…", move || {
        Box::pin(async move {
            let Some(me) = current.0.await? else {
                return Ok(().into_any());
            };
            if me.role_assignments.is_empty() {
                return Ok(().into_any());
            }
            let locations = match units.await {
                Ok(page) => view! { <Locations page /> }.into_any(),
                // The My Staff gate is closed; the summary above already says why.
                Err(e)
                    if matches!(
                        e.code(),
                        Some(ErrorCode::NoAdminRole | ErrorCode::MyStaffNotEnabled)
                    ) =>
                {
                    view! { <p class="muted">"No locations to show."</p> }.into_any()
                }
                Err(e) => return Err(e),
            };
            Ok(view! {
                <Roles me />
                <section class="card" aria-labelledby="locations-heading">
                    <h2 id="locations-heading">"My locations"</h2>
                    {locations}
                </section>
            }
            .into_any())
        })
    });

    view! {
        {me_view}
        {apps_view}
        {security_view}
        {admin_view}
    }
}

/// The applications the person may open; My Staff first for those it is open to.
#[component]
fn Applications(page: Page<MyApplication>, my_staff: bool) -> impl IntoView {
    let empty = page.items.is_empty() && !my_staff;
    view! {
        <section class="card" aria-labelledby="apps-heading">
            <h2 id="apps-heading">"Your applications"</h2>
            {if empty {
                view! {
                    <p class="muted">
                        "No applications have been set up for you yet. Ask your manager if you expected one."
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <ul class="list app-list" aria-labelledby="apps-heading">
                        {my_staff
                            .then(|| {
                                view! {
                                    <li class="list-item">
                                        <a class="app-link" href="/locations">
                                            "My Staff"
                                        </a>
                                        <span class="muted">"Help the people in your locations"</span>
                                    </li>
                                }
                            })}
                        {page
                            .items
                            .into_iter()
                            .map(|app| {
                                view! {
                                    <li class="list-item">
                                        <a class="app-link" href=app.start_url>
                                            {app.display_name}
                                        </a>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
    }
}

/// How the person signs in: their phone numbers (masked) and their password.
#[component]
fn Security(phones: PhoneMethods) -> impl IntoView {
    let numbers = if phones.items.is_empty() {
        view! {
            <p class="muted">
                "No phone number is registered for you. Your manager can add one."
            </p>
        }
        .into_any()
    } else {
        view! {
            <dl class="facts">
                {phones
                    .items
                    .into_iter()
                    .map(|p| {
                        view! {
                            <dt>{phone_label(p.type_)}</dt>
                            <dd>{p.phone_number}</dd>
                        }
                    })
                    .collect_view()}
            </dl>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="security-heading">
            <h2 id="security-heading">"Sign-in and security"</h2>
            <h3>"Phone numbers"</h3>
            {numbers}
            <h3>"Password"</h3>
            <p>
                <a href="/change-password">"Change your password"</a>
            </p>
            <MyMethods />
        </section>
    }
}

#[component]
fn MeSummary(me: Me) -> impl IntoView {
    // Someone without an admin role simply has no My Staff entry; a manager it is
    // closed to is told why.
    let access_note = (!me.my_staff_access.enabled
        && me.my_staff_access.reason != Some(MyStaffBlock::NoAdminRole))
    .then(|| {
        view! {
            <div class="notice" role="status">
                <h2>"My Staff isn't available to you"</h2>
                <p>{block_message(me.my_staff_access.reason)}</p>
            </div>
        }
    });
    view! {
        <section class="card profile" aria-labelledby="me-heading">
            <h1 id="me-heading">{me.display_name}</h1>
            <p class="muted">{me.user_principal_name}</p>
            {me.job_title.map(|t| view! { <p>{t}</p> })}
            {access_note}
        </section>
    }
}

#[component]
fn Roles(me: Me) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="roles-heading">
            <h2 id="roles-heading">"My roles"</h2>
            <ul class="list" aria-labelledby="roles-heading">
                {me
                    .role_assignments
                    .iter()
                    .map(|ra| view! { <li class="list-item">{role_line(ra)}</li> })
                    .collect_view()}
            </ul>
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
