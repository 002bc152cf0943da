//! What the register page (`/admin/applications`) and an application's page
//! (`/admin/applications/:id`) share: the fields an application is described by,
//! the server's field errors placed next to them, and the panel that shows a client
//! secret once.
//!
//! The server decides what is valid (a redirect URI must be https, or http on the
//! loopback address, and is compared exactly); the page only splits the text boxes
//! into one URI a line and shows the answer where it belongs.

use super::{button_row, failed, message_for, other_errors, UnitPicker};
use crate::admin_api::{self, Issued};
use crate::api::ApiError;
use crate::components::{show, CopyField};
use leptos::prelude::*;
use shared::dto::{AdministrativeUnit, Application, ClientType, SignInAudience};
use uuid::Uuid;
use wasm_bindgen::JsCast;

/// The API fields the forms show, in page order, with the id of the control that
/// gets focus when the server finds a problem with it.
const FIELDS: [(&str, &str); 7] = [
    ("display_name", "app-display-name"),
    ("start_url", "app-start-url"),
    ("redirect_uris", "app-redirect-uris"),
    ("post_logout_redirect_uris", "app-logout-uris"),
    ("client_type", "app-client-confidential"),
    ("sign_in_audience", "app-audience-everyone"),
    ("allowed_unit_ids", "app-units"),
];

/// A location whose members may sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    pub id: Uuid,
    pub name: String,
}

/// An outcome line (see [`super::Outcome`]).
pub type OutcomeSignal = RwSignal<Option<Result<String, String>>>;

/// The state of one application form.
#[derive(Clone, Copy)]
pub struct AppForm {
    pub name: RwSignal<String>,
    pub start_url: RwSignal<String>,
    pub redirect_uris: RwSignal<String>,
    pub logout_uris: RwSignal<String>,
    pub audience: RwSignal<SignInAudience>,
    pub units: RwSignal<Vec<Chosen>>,
    /// The server's field errors: (API field, message).
    pub errors: RwSignal<Vec<(String, String)>>,
    pub outcome: OutcomeSignal,
}

impl AppForm {
    pub fn empty() -> Self {
        Self {
            name: RwSignal::new(String::new()),
            start_url: RwSignal::new(String::new()),
            redirect_uris: RwSignal::new(String::new()),
            logout_uris: RwSignal::new(String::new()),
            audience: RwSignal::new(SignInAudience::Everyone),
            units: RwSignal::new(Vec::new()),
            errors: RwSignal::new(Vec::new()),
            outcome: RwSignal::new(None),
        }
    }

    /// The form filled with `app` as saved, its locations already named.
    pub fn of(app: &Application, units: Vec<Chosen>) -> Self {
        let form = Self::empty();
        form.fill(app, units);
        form
    }

    /// Puts `app` as saved back into the fields.
    pub fn fill(&self, app: &Application, units: Vec<Chosen>) {
        self.name.set(app.display_name.clone());
        self.start_url
            .set(app.start_url.clone().unwrap_or_default());
        self.redirect_uris.set(app.redirect_uris.join("\n"));
        self.logout_uris
            .set(app.post_logout_redirect_uris.join("\n"));
        self.audience.set(app.sign_in_audience);
        self.units.set(units);
    }

    pub fn clear(&self) {
        for field in [
            self.name,
            self.start_url,
            self.redirect_uris,
            self.logout_uris,
        ] {
            field.set(String::new());
        }
        self.audience.set(SignInAudience::Everyone);
        self.units.set(Vec::new());
        self.errors.set(Vec::new());
    }

    pub fn display_name(&self) -> String {
        self.name.get_untracked().trim().to_owned()
    }

    pub fn start_url_text(&self) -> String {
        self.start_url.get_untracked().trim().to_owned()
    }

    pub fn redirect_list(&self) -> Vec<String> {
        lines(&self.redirect_uris.get_untracked())
    }

    pub fn logout_list(&self) -> Vec<String> {
        lines(&self.logout_uris.get_untracked())
    }

    /// The chosen locations' ids: none when everyone may sign in (what the page
    /// shows is what is saved).
    pub fn unit_ids(&self) -> Vec<Uuid> {
        match self.audience.get_untracked() {
            SignInAudience::Everyone => Vec::new(),
            SignInAudience::Locations => self
                .units
                .with_untracked(|u| u.iter().map(|c| c.id).collect()),
        }
    }

    /// Before a request: forget the last answer.
    pub fn sending(&self) {
        self.errors.set(Vec::new());
        self.outcome.set(None);
    }

    /// A refused request: each field error next to its field (the first one
    /// focused), anything else above the button.
    pub fn refused(&self, e: &ApiError) {
        let fields = admin_api::field_errors(e);
        let names = FIELDS.map(|(name, _)| name);
        let others = other_errors(&fields, &names);
        self.outcome.set(if fields.is_empty() {
            failed(e)
        } else if others.is_empty() {
            Some(Err(
                "Check the highlighted fields: the problem is shown under each one.".to_owned(),
            ))
        } else {
            Some(Err(others.join(" ")))
        });
        if let Some((_, id)) = FIELDS
            .iter()
            .find(|(name, _)| fields.iter().any(|(f, _)| f == name))
        {
            focus_soon(id);
        }
        self.errors.set(fields);
    }

    /// The message for one API field, if the server named it (tracked).
    pub fn error(&self, field: &'static str) -> Option<String> {
        self.errors.with(|e| message_for(e, field))
    }
}

/// One URI a line; blank lines and the spaces around each are dropped.
pub fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Moves focus to the element with `id` once the page has drawn it (after an
/// action replaced what had focus, or to the first field with a problem).
pub fn focus_soon(id: &str) {
    let id = id.to_owned();
    request_animation_frame(move || {
        if let Some(el) = document()
            .get_element_by_id(&id)
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
}

/// The words for a client type, as the list and the page show it.
pub fn client_type_label(t: ClientType) -> &'static str {
    match t {
        ClientType::Confidential => "Confidential",
        ClientType::Public => "Public",
    }
}

/// Who may sign in, in a few words.
pub fn audience_label(app: &Application) -> String {
    match (app.sign_in_audience, app.allowed_unit_ids.len()) {
        (SignInAudience::Everyone, _) => "Everyone may sign in".to_owned(),
        (SignInAudience::Locations, 1) => "Members of 1 location".to_owned(),
        (SignInAudience::Locations, n) => format!("Members of {n} locations"),
    }
}

/// A text box (or a text area for URI lists) with its help and the server's
/// message for `field`.
#[component]
fn TextField(
    form: AppForm,
    field: &'static str,
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] help: Option<&'static str>,
    #[prop(optional)] multiline: bool,
    #[prop(default = "text")] kind: &'static str,
) -> impl IntoView {
    let help_id = format!("{id}-help");
    let error_id = format!("{id}-error");
    let described = {
        let (help_id, error_id) = (help_id.clone(), error_id.clone());
        move || {
            let ids: Vec<&str> = [
                help.map(|_| help_id.as_str()),
                form.error(field).map(|_| error_id.as_str()),
            ]
            .into_iter()
            .flatten()
            .collect();
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let invalid = move || form.error(field).is_some().to_string();
    let control = if multiline {
        view! {
            <textarea
                id=id
                rows="3"
                autocomplete="off"
                autocapitalize="none"
                spellcheck="false"
                aria-invalid=invalid
                aria-describedby=described
                bind:value=value
            ></textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                id=id
                type=kind
                autocomplete="off"
                autocapitalize="none"
                spellcheck="false"
                aria-invalid=invalid
                aria-describedby=described
                bind:value=value
            />
        }
        .into_any()
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {control}
            {help.map(|h| view! { <p id=help_id class="muted small">{h}</p> })}
            {move || {
                form.error(field)
                    .map(|m| view! { <p id=error_id.clone() class="field-error">{m}</p> })
            }}
        </div>
    }
}

/// Name, links and who may sign in: everything but the client type, which is set
/// when the application is registered.
#[component]
pub fn ApplicationFields(form: AppForm) -> impl IntoView {
    view! {
        <TextField
            form
            field="display_name"
            id="app-display-name"
            label="Name"
            value=form.name
            help="Staff see it on the sign-in page and in My account."
        />
        <TextField
            form
            field="start_url"
            id="app-start-url"
            label="Start URL (optional)"
            value=form.start_url
            kind="url"
            help="Where My account sends staff to open the application."
        />
        <TextField
            form
            field="redirect_uris"
            id="app-redirect-uris"
            label="Redirect URIs"
            value=form.redirect_uris
            multiline=true
            help="One per line, exactly as the application sends them: OpenStaff compares them character for character. Use https; plain http only on 127.0.0.1, [::1] or localhost."
        />
        <TextField
            form
            field="post_logout_redirect_uris"
            id="app-logout-uris"
            label="Sign-out redirect URIs (optional)"
            value=form.logout_uris
            multiline=true
            help="Where the application may send people after they sign out. One per line, exact, as above."
        />
        <Audience form />
    }
}

/// One radio button of a [`Choices`] group: value, id, label, help.
pub type Choice<T> = (T, &'static str, &'static str, &'static str);

const AUDIENCES: [Choice<SignInAudience>; 2] = [
    (
        SignInAudience::Everyone,
        "app-audience-everyone",
        "Everyone",
        "Anyone with an OpenStaff account that is turned on.",
    ),
    (
        SignInAudience::Locations,
        "app-audience-locations",
        "Members of chosen locations",
        "Anyone else is told on the sign-in page that they can't use this application.",
    ),
];

/// A group of radio buttons, each with its help, and the server's message for
/// `field` under them.
pub fn choices<T: Copy + PartialEq + Send + Sync + 'static>(
    form: AppForm,
    field: &'static str,
    legend: &'static str,
    options: &[Choice<T>],
    value: RwSignal<T>,
    note: Option<&'static str>,
) -> AnyView {
    let buttons = options
        .iter()
        .map(|&(option, id, label, help)| {
            let help_id = format!("{id}-help");
            view! {
                <div class="choice">
                    <input
                        type="radio"
                        id=id
                        name=field
                        aria-describedby=help_id.clone()
                        prop:checked=move || value.get() == option
                        on:change=move |_| value.set(option)
                    />
                    <label for=id>{label}</label>
                    <p id=help_id class="muted small">{help}</p>
                </div>
            }
        })
        .collect_view();
    view! {
        <fieldset class="choices">
            <legend>{legend}</legend>
            {buttons}
            {note.map(|n| view! { <p class="muted small">{n}</p> })}
            {move || form.error(field).map(|m| view! { <p class="field-error">{m}</p> })}
        </fieldset>
    }
    .into_any()
}

#[component]
fn Audience(form: AppForm) -> impl IntoView {
    let pick = Callback::new(move |u: AdministrativeUnit| {
        form.units.update(|list| {
            if !list.iter().any(|c| c.id == u.id) {
                list.push(Chosen {
                    id: u.id,
                    name: u.display_name,
                });
            }
        })
    });
    let exclude = Signal::derive(move || form.units.with(|u| u.iter().map(|c| c.id).collect()));
    let units_error = move || form.error("allowed_unit_ids");
    view! {
        {choices(form, "sign_in_audience", "Who may sign in", &AUDIENCES, form.audience, None)}
        {show(
            move || form.audience.get() == SignInAudience::Locations,
            move || {
                view! {
                    <div class="subsection" role="group" aria-labelledby="app-units-heading">
                        <h3 id="app-units-heading">"Locations whose members may sign in"</h3>
                        {move || {
                            let list = form.units.get();
                            if list.is_empty() {
                                view! { <p class="muted">"No location chosen yet."</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="list" aria-labelledby="app-units-heading">
                                        {list
                                            .into_iter()
                                            .map(|c| {
                                                let id = c.id;
                                                let aria = format!("Remove {}", c.name);
                                                let main = view! {
                                                    <span class="row-main strong">{c.name}</span>
                                                }
                                                .into_any();
                                                button_row(main, "Remove", aria, move || {
                                                    form.units.update(|u| u.retain(|x| x.id != id))
                                                })
                                            })
                                            .collect_view()}
                                    </ul>
                                }
                                .into_any()
                            }
                        }}
                        <UnitPicker id="app-units" label="Add a location" verb="Add" on_pick=pick exclude />
                        {move || units_error().map(|m| view! { <p class="field-error">{m}</p> })}
                    </div>
                }
                .into_any()
            },
        )}
    }
}

/// A client id and, for a confidential application, a secret just made: shown this
/// once, with Copy buttons, until `done`.
#[component]
pub fn SecretShown(
    issued: Issued,
    /// The panel's heading, focused when it appears.
    heading: String,
    done: Callback<()>,
    /// A link to the application's own page, if this is not it.
    #[prop(optional)]
    settings_link: bool,
) -> impl IntoView {
    let heading_ref = NodeRef::<leptos::html::H2>::new();
    heading_ref.on_load(|h| {
        let _ = h.focus();
    });
    let name = issued.display_name.clone();
    let secret = match issued.client_secret.clone() {
        Some(secret) => view! {
            <CopyField
                id="issued-client-secret"
                label="Client secret"
                what="the client secret"
                value=secret
                secret=true
            />
            <p class="notice strong">
                "Copy the client secret now: you will not see it again. OpenStaff keeps only a "
                "fingerprint of it. If it is lost, make a new one on the application's page."
            </p>
        }
        .into_any(),
        None => view! {
            <p>
                "This is a public application: it has no secret, and proves itself with PKCE when it signs people in."
            </p>
        }
        .into_any(),
    };
    let link = settings_link.then(|| {
        view! {
            <a class="button button-secondary" href=format!("/admin/applications/{}", issued.id)>
                {format!("Open {name}")}
            </a>
        }
    });
    view! {
        <section class="card issued" aria-labelledby="issued-heading">
            <h2 id="issued-heading" tabindex="-1" node_ref=heading_ref>
                {heading}
            </h2>
            <p>"Put these in the application's OpenID Connect settings."</p>
            <CopyField id="issued-client-id" label="Client ID" what="the client ID" value=issued.client_id />
            {secret}
            <div class="actions">
                {link}
                <button type="button" class="button button-primary" on:click=move |_| done.run(())>
                    "Done"
                </button>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_uri_a_line_without_blanks_or_spaces() {
        assert_eq!(
            lines("https://a.example/cb\n\n  http://127.0.0.1:4000/cb  \r\n"),
            vec!["https://a.example/cb", "http://127.0.0.1:4000/cb"]
        );
        assert!(lines(" \n").is_empty());
    }

    #[test]
    fn every_form_field_has_a_control_to_focus() {
        for (field, id) in FIELDS {
            assert!(id.starts_with("app-"), "{field}");
        }
        let names = FIELDS.map(|(n, _)| n);
        let errors = vec![
            ("redirect_uris".to_owned(), "Use https.".to_owned()),
            ("body".to_owned(), "Odd.".to_owned()),
        ];
        assert_eq!(other_errors(&errors, &names), vec!["Odd.".to_owned()]);
    }
}
