//! `/admin/applications`: the applications that sign their users in with OpenStaff
//! (OpenID Connect relying parties), and registering a new one. Global
//! administrators only, as the API decides.

use super::application_form::{
    audience_label, choices, client_type_label, focus_soon, AppForm, ApplicationFields, Choice,
    SecretShown,
};
use super::{AdminShell, Need, Outcome, Section, SubmitButton};
use crate::admin_api::{self, Issued};
use crate::components::{load_view, show_or};
use crate::reactive::{action, effect, resource, ApiAction};
use leptos::prelude::*;
use shared::dto::{Application, ClientType, CreateApplication, Page};

#[component]
pub fn AdminApplicationsPage() -> impl IntoView {
    view! {
        <AdminShell section=Section::Applications need=Need::ManageApplications>
            <ApplicationsView />
        </AdminShell>
    }
}

fn uris_label(n: usize) -> String {
    match n {
        1 => "1 redirect URI".to_owned(),
        n => format!("{n} redirect URIs"),
    }
}

/// "Confidential · Everyone may sign in · 2 redirect URIs".
fn summary(app: &Application) -> String {
    format!(
        "{} · {} · {}",
        client_type_label(app.client_type),
        audience_label(app),
        uris_label(app.redirect_uris.len())
    )
}

#[component]
fn ApplicationsView() -> impl IntoView {
    let register: ApiAction<CreateApplication, Issued> = action(|body: &CreateApplication| {
        let body = body.clone();
        Box::pin(async move { admin_api::create_application(&body).await })
    });
    let version = register.version();
    let list = resource(move || {
        version.track();
        Box::pin(admin_api::applications())
    });
    let body = load_view("Loading applications…", move || {
        Box::pin(async move {
            list.await
                .map(|page| view! { <ApplicationRows page /> }.into_any())
        })
    });
    view! {
        <section class="card" aria-labelledby="applications-heading">
            <h1 id="applications-heading">"Applications"</h1>
            <p class="muted">
                "Applications such as the till, the rota or mail that staff sign in to with their OpenStaff account."
            </p>
            {body}
        </section>
        <Register register />
    }
}

#[component]
fn ApplicationRows(page: Page<Application>) -> impl IntoView {
    if page.items.is_empty() {
        return view! { <p class="muted">"No application is registered yet."</p> }.into_any();
    }
    view! {
        <ul class="list" aria-label="Registered applications">
            {page
                .items
                .into_iter()
                .map(|app| {
                    let detail = summary(&app);
                    view! {
                        <li class="list-item">
                            <span class="row-main">
                                <a class="strong" href=format!("/admin/applications/{}", app.id)>
                                    {app.display_name}
                                </a>
                                <span class="muted small">{detail}</span>
                            </span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

const REGISTER_HEADING: &str = "register-heading";

const CLIENT_TYPES: [Choice<ClientType>; 2] = [
    (
        ClientType::Confidential,
        "app-client-confidential",
        "Confidential",
        "Runs on a server that can keep a secret. It gets a client secret.",
    ),
    (
        ClientType::Public,
        "app-client-public",
        "Public",
        "Runs in a browser or on a phone and can't keep a secret. It signs in with PKCE alone.",
    ),
];

#[component]
fn Register(register: ApiAction<CreateApplication, Issued>) -> impl IntoView {
    let form = AppForm::empty();
    let client_type = RwSignal::new(ClientType::Confidential);
    effect(move || match register.value() {
        Some(Ok(_)) => {
            form.clear();
            client_type.set(ClientType::Confidential);
        }
        Some(Err(e)) => form.refused(&e),
        None => {}
    });
    let pending = register.pending();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.sending();
        let start = form.start_url_text();
        register.dispatch(CreateApplication {
            display_name: form.display_name(),
            start_url: (!start.is_empty()).then_some(start),
            redirect_uris: form.redirect_list(),
            post_logout_redirect_uris: form.logout_list(),
            client_type: client_type.get_untracked(),
            sign_in_audience: form.audience.get_untracked(),
            allowed_unit_ids: form.unit_ids(),
            // RS256, which every relying party supports; EdDSA through the API or CLI.
            id_token_signed_response_alg: Default::default(),
        });
    };
    // The secret lives only in the action's answer: "Done" forgets it.
    let done = Callback::new(move |()| {
        register.clear();
        focus_soon(REGISTER_HEADING);
    });
    let issued = move || register.value().and_then(Result::ok);
    show_or(
        move || issued().is_some(),
        move || match issued() {
            Some(issued) => {
                let heading = format!("{} is registered", issued.display_name);
                view! { <SecretShown issued heading done settings_link=true /> }.into_any()
            }
            None => ().into_any(),
        },
        move || {
            view! {
                <section class="card" aria-labelledby=REGISTER_HEADING>
                    <h2 id=REGISTER_HEADING tabindex="-1">"Register an application"</h2>
                    <form on:submit=on_submit novalidate>
                        <ApplicationFields form />
                        {choices(
                            form,
                            "client_type",
                            "Client type",
                            &CLIENT_TYPES,
                            client_type,
                            Some("The client type can't be changed later."),
                        )}
                        <Outcome message=form.outcome />
                        <SubmitButton label="Register application" pending />
                    </form>
                </section>
            }
            .into_any()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::dto::SignInAudience;
    use uuid::Uuid;

    fn app(audience: SignInAudience, units: usize, uris: usize) -> Application {
        let units: Vec<Uuid> = (0..units).map(|_| Uuid::nil()).collect();
        let uris: Vec<String> = (0..uris)
            .map(|i| format!("https://rota.example/{i}"))
            .collect();
        serde_json::from_value(serde_json::json!({
            "id": Uuid::nil(),
            "client_id": Uuid::nil().to_string(),
            "display_name": "Rota",
            "start_url": null,
            "redirect_uris": uris,
            "post_logout_redirect_uris": [],
            "client_type": "confidential",
            "sign_in_audience": audience,
            "allowed_unit_ids": units,
            "id_token_signed_response_alg": "RS256",
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        }))
        .unwrap()
    }

    #[test]
    fn the_list_says_type_audience_and_uris() {
        assert_eq!(
            summary(&app(SignInAudience::Everyone, 0, 1)),
            "Confidential · Everyone may sign in · 1 redirect URI"
        );
        assert_eq!(
            summary(&app(SignInAudience::Locations, 2, 3)),
            "Confidential · Members of 2 locations · 3 redirect URIs"
        );
        assert_eq!(
            audience_label(&app(SignInAudience::Locations, 1, 1)),
            "Members of 1 location"
        );
    }
}
