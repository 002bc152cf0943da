//! `/admin/applications/:id`: one application: what an integrator needs to set up
//! its sign-in (client id, discovery URL), its settings, a new client secret, and
//! deletion.

use super::application_form::{
    audience_label, client_type_label, focus_soon, AppForm, ApplicationFields, Chosen, SecretShown,
};
use super::{failed, AdminShell, Need, Outcome, Section, SubmitButton};
use crate::admin_api::{self, Issued};
use crate::api::ApiError;
use crate::components::{load_view, show_or, CopyField};
use crate::reactive::{action, effect, resource, ApiAction};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use shared::dto::{Application, ClientType, UpdateApplication};
use uuid::Uuid;

#[component]
pub fn AdminApplicationPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|s| Uuid::parse_str(&s).ok()));
    view! {
        <AdminShell section=Section::Applications need=Need::ManageApplications>
            <p>
                <a href="/admin/applications">"← All applications"</a>
            </p>
            {move || match id() {
                Some(id) => view! { <ApplicationDetail id /> }.into_any(),
                None => {
                    view! {
                        <p class="notice notice-error" role="alert">
                            "We couldn't find that application. It may have been deleted."
                        </p>
                    }
                        .into_any()
                }
            }}
        </AdminShell>
    }
}

/// The application and the names of the locations whose members may sign in.
async fn load(id: Uuid) -> Result<(Application, Vec<Chosen>), ApiError> {
    let app = admin_api::application(id).await?;
    let mut units = Vec::with_capacity(app.allowed_unit_ids.len());
    for unit in &app.allowed_unit_ids {
        let name = match admin_api::unit(*unit).await {
            Ok(u) => u.display_name,
            // Deleted meanwhile: keep the id so saving does not silently drop it.
            Err(e) if e.status() == Some(404) => "Unknown location".to_owned(),
            Err(e) => return Err(e),
        };
        units.push(Chosen { id: *unit, name });
    }
    Ok((app, units))
}

#[component]
fn ApplicationDetail(id: Uuid) -> impl IntoView {
    // Set to the application's name once it is deleted.
    let deleted = RwSignal::new(None::<String>);
    let loaded = resource(move || Box::pin(load(id)));
    show_or(
        move || deleted.with(Option::is_some),
        move || {
            let name = deleted.get_untracked().unwrap_or_default();
            view! { <Deleted name /> }.into_any()
        },
        move || {
            load_view("Loading the application…", move || {
                Box::pin(async move {
                    loaded.await.map(|(app, units)| {
                        view! { <ApplicationView app units deleted /> }.into_any()
                    })
                })
            })
        },
    )
}

#[component]
fn ApplicationView(
    app: Application,
    units: Vec<Chosen>,
    deleted: RwSignal<Option<String>>,
) -> impl IntoView {
    let form = AppForm::of(&app, units);
    let current = RwSignal::new(app);
    let name = move || current.with(|a| a.display_name.clone());
    let kind = current.with_untracked(|a| a.client_type);
    let description = move || {
        current.with(|a| {
            format!(
                "{} application · {}",
                client_type_label(a.client_type),
                audience_label(a)
            )
        })
    };
    view! {
        <section class="card" aria-labelledby="application-heading">
            <h1 id="application-heading">{name}</h1>
            <p class="muted">{description}</p>
            <SignInDetails client_id=current.with_untracked(|a| a.client_id.clone()) />
        </section>
        <Settings form current />
        {match kind {
            ClientType::Confidential => view! { <Secret current /> }.into_any(),
            ClientType::Public => {
                view! {
                    <section class="card" aria-labelledby="secret-heading">
                        <h2 id="secret-heading">"Client secret"</h2>
                        <p>
                            "This is a public application: it has no secret, and proves itself with PKCE when it signs people in. "
                            "The client type can't be changed; register a new application to get a confidential one."
                        </p>
                    </section>
                }
                    .into_any()
            }
        }}
        <Delete current deleted />
    }
}

/// What an integrator types into the application's OpenID Connect settings.
#[component]
fn SignInDetails(client_id: String) -> impl IntoView {
    let issuer = resource(|| Box::pin(admin_api::issuer()));
    // The issuer is the provider's public URL; if its discovery document cannot be
    // read, the address this page was opened at is the best guess.
    let discovery = move || {
        issuer.get().map(|answer| {
            let base = answer.unwrap_or_else(|_| window().location().origin().unwrap_or_default());
            let url = format!(
                "{}{}",
                base.trim_end_matches('/'),
                admin_api::DISCOVERY_PATH
            );
            view! {
                <CopyField id="discovery-url" label="Discovery URL" what="the discovery URL" value=url />
            }
        })
    };
    view! {
        <h2>"Sign-in details"</h2>
        <p class="small">
            "Give these to whoever sets up the application's sign-in: OpenID Connect, "
            "authorization code flow with PKCE (S256)."
        </p>
        <CopyField id="client-id" label="Client ID" what="the client ID" value=client_id />
        {discovery}
    }
}

#[component]
fn Settings(form: AppForm, current: RwSignal<Application>) -> impl IntoView {
    let id = current.with_untracked(|a| a.id);
    let save: ApiAction<UpdateApplication, Application> =
        action(move |body: &UpdateApplication| {
            let body = body.clone();
            Box::pin(async move { admin_api::update_application(id, &body).await })
        });
    effect(move || match save.value() {
        Some(Ok(fresh)) => {
            // The server may tidy the lists (duplicates dropped): show them as saved.
            let units: Vec<Chosen> = form.units.with_untracked(|u| {
                u.iter()
                    .filter(|c| fresh.allowed_unit_ids.contains(&c.id))
                    .cloned()
                    .collect()
            });
            form.fill(&fresh, units);
            form.outcome.set(Some(Ok(format!(
                "Saved. {} uses these settings from the next sign-in.",
                fresh.display_name
            ))));
            current.set(fresh);
        }
        Some(Err(e)) => form.refused(&e),
        None => {}
    });
    let pending = save.pending();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.sending();
        save.dispatch(UpdateApplication {
            display_name: Some(form.display_name()),
            // An empty start URL clears it.
            start_url: Some(form.start_url_text()),
            redirect_uris: Some(form.redirect_list()),
            post_logout_redirect_uris: Some(form.logout_list()),
            sign_in_audience: Some(form.audience.get_untracked()),
            allowed_unit_ids: Some(form.unit_ids()),
            // The signing algorithm is set through the API and the CLI; kept as it is.
            id_token_signed_response_alg: None,
        });
    };
    view! {
        <section class="card" aria-labelledby="settings-heading">
            <h2 id="settings-heading">"Settings"</h2>
            <form on:submit=on_submit novalidate>
                <ApplicationFields form />
                <Outcome message=form.outcome />
                <SubmitButton label="Save changes" pending />
            </form>
        </section>
    }
}

/// A two-step danger button: `start` asks, the question offers `confirm` or Cancel.
/// Focus follows: to the confirming button when asked, back to `start` on Cancel.
#[component]
fn Confirm(
    /// Prefix of the buttons' ids (unique on the page).
    id: &'static str,
    start: &'static str,
    #[prop(into)] question: Signal<String>,
    #[prop(into)] confirm: Signal<String>,
    pending: Memo<bool>,
    on_confirm: Callback<()>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    let start_id = format!("{id}-start");
    let confirm_id = format!("{id}-confirm");
    let question_id = format!("{id}-question");
    show_or(
        move || asking.get(),
        {
            let (start_id, confirm_id, question_id) =
                (start_id.clone(), confirm_id.clone(), question_id.clone());
            move || {
                let start_id = start_id.clone();
                view! {
                    <div class="confirm" role="group" aria-labelledby=question_id.clone()>
                        <p id=question_id.clone() class="strong">{move || question.get()}</p>
                        <div class="actions">
                            <button
                                type="button"
                                id=confirm_id.clone()
                                class="button button-danger"
                                disabled=move || pending.get()
                                aria-busy=move || pending.get().to_string()
                                on:click=move |_| on_confirm.run(())
                            >
                                {move || confirm.get()}
                            </button>
                            <button
                                type="button"
                                class="button button-secondary"
                                on:click=move |_| {
                                    asking.set(false);
                                    focus_soon(&start_id);
                                }
                            >
                                "Cancel"
                            </button>
                        </div>
                    </div>
                }
                .into_any()
            }
        },
        move || {
            let confirm_id = confirm_id.clone();
            view! {
                <button
                    type="button"
                    id=start_id.clone()
                    class="button button-danger"
                    on:click=move |_| {
                        asking.set(true);
                        focus_soon(&confirm_id);
                    }
                >
                    {start}
                </button>
            }
            .into_any()
        },
    )
}

#[component]
fn Secret(current: RwSignal<Application>) -> impl IntoView {
    let id = current.with_untracked(|a| a.id);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let rotate: ApiAction<(), Issued> =
        action(move |_: &()| Box::pin(admin_api::rotate_application_secret(id)));
    effect(move || {
        if let Some(Err(e)) = rotate.value() {
            outcome.set(failed(&e));
        }
    });
    let pending = rotate.pending();
    // The new secret lives only in the action's answer: "Done" forgets it.
    let done = Callback::new(move |()| {
        rotate.clear();
        focus_soon("secret-heading");
    });
    let name = move || current.with(|a| a.display_name.clone());
    let question = Signal::derive(move || {
        let n = name();
        format!(
            "Make a new client secret for {n}? The current secret stops working at once: {n} can't sign anyone in until its settings have the new one."
        )
    });
    let issued = move || rotate.value().and_then(Result::ok);
    show_or(
        move || issued().is_some(),
        move || match issued() {
            Some(issued) => {
                let heading = format!("New client secret for {}", issued.display_name);
                view! { <SecretShown issued heading done /> }.into_any()
            }
            None => ().into_any(),
        },
        move || {
            let confirm = Callback::new(move |()| {
                outcome.set(None);
                rotate.dispatch(());
            });
            view! {
                <section class="card" aria-labelledby="secret-heading">
                    <h2 id="secret-heading" tabindex="-1">"Client secret"</h2>
                    <p>
                        "The secret was shown once, when it was made; OpenStaff keeps only a fingerprint of it. "
                        "If it is lost or may have leaked, make a new one and put it in the application's settings."
                    </p>
                    <Confirm
                        id="rotate"
                        start="Make a new secret…"
                        question
                        confirm="Make new secret"
                        pending
                        on_confirm=confirm
                    />
                    <Outcome message=outcome />
                </section>
            }
            .into_any()
        },
    )
}

/// What deleting does to the people signed in to the application, in words.
fn delete_question(name: &str) -> String {
    format!(
        "Delete {name}? No one can sign in to it with OpenStaff any more, and its refresh tokens stop working at once, \
         so it can't renew anyone's sign-in. People already using {name} stay signed in there only as long as its own \
         session lasts. Their OpenStaff accounts and other applications are not affected. This can't be undone."
    )
}

#[component]
fn Delete(current: RwSignal<Application>, deleted: RwSignal<Option<String>>) -> impl IntoView {
    let id = current.with_untracked(|a| a.id);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let delete: ApiAction<(), ()> =
        action(move |_: &()| Box::pin(admin_api::delete_application(id)));
    effect(move || match delete.value() {
        Some(Ok(())) => deleted.set(Some(current.with_untracked(|a| a.display_name.clone()))),
        Some(Err(e)) => outcome.set(failed(&e)),
        None => {}
    });
    let pending = delete.pending();
    let question = Signal::derive(move || current.with(|a| delete_question(&a.display_name)));
    let confirm = Signal::derive(move || current.with(|a| format!("Delete {}", a.display_name)));
    let on_confirm = Callback::new(move |()| {
        outcome.set(None);
        delete.dispatch(());
    });
    view! {
        <section class="card" aria-labelledby="delete-application-heading">
            <h2 id="delete-application-heading">"Delete this application"</h2>
            <Confirm
                id="delete"
                start="Delete application…"
                question
                confirm
                pending
                on_confirm
            />
            <Outcome message=outcome />
        </section>
    }
}

/// What is left once the application is deleted; focused, so the outcome is heard.
#[component]
fn Deleted(name: String) -> impl IntoView {
    let heading = NodeRef::<leptos::html::H1>::new();
    heading.on_load(|h| {
        let _ = h.focus();
    });
    view! {
        <section class="card" aria-labelledby="deleted-heading">
            <h1 id="deleted-heading" tabindex="-1" node_ref=heading>
                {format!("{name} was deleted")}
            </h1>
            <p>
                "No one can sign in to it with OpenStaff any more, and its refresh tokens no longer work. "
                "People already using it stay signed in there only as long as its own session lasts."
            </p>
            <p>
                <a href="/admin/applications">"Back to applications"</a>
            </p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deleting_says_what_happens_to_signed_in_people() {
        let q = delete_question("Rota");
        assert!(q.starts_with("Delete Rota?"));
        assert!(q.contains("refresh tokens stop working at once"));
        assert!(q.contains("People already using Rota stay signed in there"));
    }
}
