//! `/admin/...`: directory management for tenant-wide global and user administrators,
//! and the applications that sign in with OpenStaff (global administrators).
//!
//! Every page sits in [`AdminShell`], which asks the server who the caller is and
//! shows a plain "not for you" page to anyone else. That is a convenience only: the
//! API refuses these calls on its own.

mod access;
mod application;
mod application_form;
mod applications;
mod location;
mod locations;
mod overview;
mod roles;
mod users;

pub use access::AdminAccessPage;
pub use application::AdminApplicationPage;
pub use applications::AdminApplicationsPage;
pub use location::AdminLocationPage;
pub use locations::AdminLocationsPage;
pub use overview::AdminPage;
pub use roles::AdminRolesPage;
pub use users::AdminUsersPage;

use crate::admin_api;
use crate::api::ApiError;
use crate::components::{load_view, CurrentUser, Protected};
use crate::reactive::{resource, SendFuture};
use leptos::prelude::*;
use shared::dto::{AdministrativeUnit, Me, User};
use std::sync::Arc;
use uuid::Uuid;

/// The admin sections, for the sub-navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Overview,
    Access,
    Locations,
    Roles,
    Users,
    Applications,
}

impl Section {
    const ALL: [Section; 6] = [
        Section::Overview,
        Section::Access,
        Section::Locations,
        Section::Roles,
        Section::Users,
        Section::Applications,
    ];

    const fn href(self) -> &'static str {
        match self {
            Section::Overview => "/admin",
            Section::Access => "/admin/access",
            Section::Locations => "/admin/locations",
            Section::Roles => "/admin/roles",
            Section::Users => "/admin/users",
            Section::Applications => "/admin/applications",
        }
    }

    const fn label(self) -> &'static str {
        match self {
            Section::Overview => "Overview",
            Section::Access => "My Staff access",
            Section::Locations => "Locations",
            Section::Roles => "Roles",
            Section::Users => "Users",
            Section::Applications => "Applications",
        }
    }

    /// Who may open it (the navigation offers only those).
    const fn need(self) -> Need {
        match self {
            Section::Roles => Need::ManageRoles,
            Section::Applications => Need::ManageApplications,
            _ => Need::ManageDirectory,
        }
    }
}

/// Who may open a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    ManageDirectory,
    ManageRoles,
    ManageApplications,
}

fn allowed(me: &Me, need: Need) -> bool {
    match need {
        Need::ManageDirectory => me.can_manage_directory,
        Need::ManageRoles => me.can_manage_role_assignments,
        Need::ManageApplications => me.can_manage_applications,
    }
}

/// Signed-in guard, "who am I" check and section navigation around an admin page.
#[component]
pub fn AdminShell(
    section: Section,
    #[prop(default = Need::ManageDirectory)] need: Need,
    children: ChildrenFn,
) -> impl IntoView {
    let current = CurrentUser::get();
    let children = StoredValue::new(children);
    let body = move || -> SendFuture<Result<AnyView, ApiError>> {
        Box::pin(async move {
            current.0.await.map(|me| match me {
                Some(me) if allowed(&me, need) => {
                    let sections = Section::ALL
                        .into_iter()
                        .filter(|s| allowed(&me, s.need()))
                        .collect();
                    view! {
                        <AdminNav section sections />
                        {children.with_value(|c| c())}
                    }
                    .into_any()
                }
                _ => view! { <NotForYou need /> }.into_any(),
            })
        })
    };
    view! { <Protected>{load_view("Loading…", body)}</Protected> }
}

#[component]
fn AdminNav(section: Section, sections: Vec<Section>) -> impl IntoView {
    view! {
        <nav class="subnav" aria-label="Admin sections">
            <ul>
                {sections
                    .into_iter()
                    .map(|s| {
                        let current = (s == section).then_some("page");
                        view! {
                            <li>
                                <a href=s.href() aria-current=current>
                                    {s.label()}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

/// Shown to signed-in people who may not use an admin page.
#[component]
pub fn NotForYou(#[prop(default = Need::ManageDirectory)] need: Need) -> impl IntoView {
    let who = match need {
        Need::ManageDirectory => {
            "Only administrators who look after the whole organisation can change these settings. "
        }
        Need::ManageRoles => "Only Global Administrators can give and take back roles. ",
        Need::ManageApplications => {
            "Only Global Administrators can register and change the applications that sign in with OpenStaff. "
        }
    };
    view! {
        <section class="card" aria-labelledby="not-for-you-heading">
            <h1 id="not-for-you-heading">"This page isn't for you"</h1>
            <p>{who} "If you need something changed, ask your IT administrator."</p>
            <p>
                <a href="/">"Back to the start page"</a>
            </p>
        </section>
    }
}

/// A person picked in a search box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: Uuid,
    pub display_name: String,
    pub user_principal_name: String,
}

impl From<User> for Person {
    fn from(u: User) -> Self {
        Person {
            id: u.id,
            display_name: u.display_name,
            user_principal_name: u.user_principal_name,
        }
    }
}

/// Searches fire from this many characters on, so one letter does not list everyone.
const MIN_SEARCH: usize = 2;

/// A search box that finds people and offers a button per result.
#[component]
pub fn PersonPicker(
    /// The input's id (unique on the page).
    id: &'static str,
    /// The visible label of the search box.
    label: &'static str,
    /// The verb on each result's button, e.g. "Add" or "Choose".
    verb: &'static str,
    /// Called with the person picked.
    on_pick: Callback<Person>,
    /// People who should not be offered (already chosen).
    #[prop(optional, into)]
    exclude: Signal<Vec<Uuid>>,
) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let results = resource(move || {
        let q = query.get();
        Box::pin(async move {
            if q.trim().chars().count() < MIN_SEARCH {
                Ok(None)
            } else {
                admin_api::search_users(&q).await.map(Some)
            }
        })
    });
    let hint_id = format!("{id}-hint");
    let list = move || {
        let excluded = exclude.get();
        results.get().map(|r| match r {
            Ok(None) => None,
            Ok(Some(page)) => {
                let people: Vec<Person> = page
                    .items
                    .into_iter()
                    .map(Person::from)
                    .filter(|p| !excluded.contains(&p.id))
                    .collect();
                if people.is_empty() {
                    return Some(
                        view! { <p class="muted" role="status">"No one matches."</p> }.into_any(),
                    );
                }
                Some(
                    view! {
                        <ul class="list picker-results" aria-label=format!("People matching {}", query.get_untracked().trim())>
                            {people
                                .into_iter()
                                .map(|p| {
                                    let main = name_and_detail(
                                        p.display_name.clone(),
                                        p.user_principal_name.clone(),
                                    );
                                    let aria = format!("{verb} {}", p.display_name);
                                    button_row(main, verb, aria, move || {
                                        on_pick.run(p.clone());
                                        query.set(String::new());
                                    })
                                })
                                .collect_view()}
                        </ul>
                    }
                    .into_any(),
                )
            }
            Err(e) => Some(
                view! { <p class="notice notice-error" role="alert">{e.message()}</p> }.into_any(),
            ),
        })
    };
    view! {
        <div class="field picker">
            <label for=id>{label}</label>
            <input
                id=id
                type="search"
                autocomplete="off"
                autocapitalize="none"
                spellcheck="false"
                aria-describedby=hint_id.clone()
                bind:value=query
            />
            <p id=hint_id class="muted small">
                "Type at least two letters of a name or sign-in name."
            </p>
            {list}
        </div>
    }
}

/// A search box that finds locations and offers a button per result.
#[component]
pub fn UnitPicker(
    id: &'static str,
    label: &'static str,
    verb: &'static str,
    on_pick: Callback<AdministrativeUnit>,
    /// Locations that should not be offered (already chosen).
    #[prop(optional, into)]
    exclude: Signal<Vec<Uuid>>,
) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let results = resource(move || {
        let q = query.get();
        Box::pin(async move {
            if q.trim().chars().count() < MIN_SEARCH {
                Ok(None)
            } else {
                admin_api::units(&q, "8", None).await.map(Some)
            }
        })
    });
    let hint_id = format!("{id}-hint");
    let list = move || {
        let excluded = exclude.get();
        results.get().map(|r| match r {
            Ok(None) => None,
            Ok(Some(page)) if page.items.iter().all(|u| excluded.contains(&u.id)) => {
                Some(view! { <p class="muted" role="status">"No location matches."</p> }.into_any())
            }
            Ok(Some(page)) => Some(
                view! {
                    <ul class="list picker-results" aria-label="Matching locations">
                        {page
                            .items
                            .into_iter()
                            .filter(|u| !excluded.contains(&u.id))
                            .map(|u| {
                                let name = u.display_name.clone();
                                let aria = format!("{verb} {name}");
                                let main =
                                    view! { <span class="row-main strong">{name}</span> }.into_any();
                                button_row(main, verb, aria, move || {
                                    on_pick.run(u.clone());
                                    query.set(String::new());
                                })
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any(),
            ),
            Err(e) => Some(
                view! { <p class="notice notice-error" role="alert">{e.message()}</p> }.into_any(),
            ),
        })
    };
    view! {
        <div class="field picker">
            <label for=id>{label}</label>
            <input
                id=id
                type="search"
                autocomplete="off"
                spellcheck="false"
                aria-describedby=hint_id.clone()
                bind:value=query
            />
            <p id=hint_id class="muted small">"Type at least two letters of the location's name."</p>
            {list}
        </div>
    }
}

/// One row of an admin list: `main` (e.g. [`name_and_detail`]) and a button `verb`
/// whose accessible name is `aria`.
pub fn button_row(
    main: AnyView,
    verb: &'static str,
    aria: impl Into<Signal<String>>,
    on_click: impl Fn() + Send + Sync + 'static,
) -> AnyView {
    button_row_boxed(main, verb, aria.into(), Arc::new(on_click))
}

fn button_row_boxed(
    main: AnyView,
    verb: &'static str,
    aria: Signal<String>,
    on_click: Arc<dyn Fn() + Send + Sync>,
) -> AnyView {
    view! {
        <li class="list-item row">
            {main}
            <button
                type="button"
                class="button button-secondary"
                aria-label=aria
                on:click=move |_| on_click()
            >
                {verb}
            </button>
        </li>
    }
    .into_any()
}

/// A name in bold with a detail (the sign-in name) under it, for [`button_row`].
pub fn name_and_detail(name: String, detail: String) -> AnyView {
    view! {
        <span class="row-main">
            <span class="strong">{name}</span>
            <span class="muted small">{detail}</span>
        </span>
    }
    .into_any()
}

/// A one-line outcome under a form, in a live region so screen readers hear it.
#[component]
pub fn Outcome(#[prop(into)] message: Signal<Option<Result<String, String>>>) -> impl IntoView {
    view! {
        <div class="outcome" aria-live="polite">
            {move || {
                message
                    .get()
                    .map(|m| match m {
                        Ok(text) => view! { <p class="notice notice-success">{text}</p> }.into_any(),
                        Err(text) => {
                            view! { <p class="notice notice-error" role="alert">{text}</p> }
                                .into_any()
                        }
                    })
            }}
        </div>
    }
}

/// Messages for one field of a 422 (see [`admin_api::field_errors`]), joined.
pub fn message_for(errors: &[(String, String)], field: &str) -> Option<String> {
    let found: Vec<&str> = errors
        .iter()
        .filter(|(f, _)| f == field)
        .map(|(_, m)| m.as_str())
        .collect();
    (!found.is_empty()).then(|| found.join(" "))
}

/// Messages that name none of a form's `fields` (shown above its button).
pub fn other_errors(errors: &[(String, String)], fields: &[&str]) -> Vec<String> {
    errors
        .iter()
        .filter(|(f, _)| !fields.contains(&f.as_str()))
        .map(|(_, m)| m.clone())
        .collect()
}

/// A form's submit button, busy while its request runs.
#[component]
pub fn SubmitButton(label: &'static str, pending: Memo<bool>) -> impl IntoView {
    view! {
        <button
            type="submit"
            class="button button-primary"
            disabled=move || pending.get()
            aria-busy=move || pending.get().to_string()
        >
            {label}
        </button>
    }
}

/// The message of an API failure, for [`Outcome`].
pub fn failed(e: &ApiError) -> Option<Result<String, String>> {
    Some(Err(e.message()))
}
