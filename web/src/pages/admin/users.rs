//! `/admin/users`: create one user, or import many from a CSV file.

use super::{failed, message_for, other_errors, AdminShell, Outcome, Section, SubmitButton};
use crate::admin_api::{self, Imported, ImportedRow};
use crate::reactive::{action, effect, ApiAction};
use leptos::prelude::*;
use shared::dto::{CreateUser, User, UserSource};
use shared::ErrorCode;

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    view! {
        <AdminShell section=Section::Users>
            <CreateUserForm />
            <ImportUsers />
        </AdminShell>
    }
}

/// The form's fields, in order, with the API field each error names.
const FIELDS: [(&str, &str); 6] = [
    ("user_principal_name", "Sign-in name (UPN)"),
    ("display_name", "Display name"),
    ("job_title", "Job title (optional)"),
    ("department", "Department (optional)"),
    ("source", "Where the account comes from"),
    ("password", "Initial password"),
];

fn optional(s: String) -> Option<String> {
    let s = s.trim().to_owned();
    (!s.is_empty()).then_some(s)
}

#[component]
fn CreateUserForm() -> impl IntoView {
    let upn = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let job = RwSignal::new(String::new());
    let dept = RwSignal::new(String::new());
    let source = RwSignal::new(UserSource::Cloud);
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<(String, String)>::new());
    let outcome = RwSignal::new(None::<Result<String, String>>);

    let create: ApiAction<CreateUser, User> = action(|body: &CreateUser| {
        let body = body.clone();
        Box::pin(async move { admin_api::create_user(&body).await })
    });
    effect(move || match create.value() {
        Some(Ok(user)) => {
            errors.set(Vec::new());
            outcome.set(Some(Ok(format!(
                "Created {} ({}). They must choose a new password when they first sign in.",
                user.display_name, user.user_principal_name
            ))));
            for field in [upn, name, job, dept, password] {
                field.set(String::new());
            }
        }
        Some(Err(e)) => {
            let mut fields = admin_api::field_errors(&e);
            if e.code() == Some(ErrorCode::UpnTaken) {
                fields.push(("user_principal_name".to_owned(), e.message()));
            }
            let names = FIELDS.map(|(name, _)| name);
            let others = other_errors(&fields, &names);
            outcome.set(if fields.is_empty() {
                failed(&e)
            } else if others.is_empty() {
                Some(Err("Check the highlighted fields.".to_owned()))
            } else {
                Some(Err(others.join(" ")))
            });
            errors.set(fields);
        }
        None => {}
    });
    let pending = create.pending();

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut missing = Vec::new();
        if upn.get_untracked().trim().is_empty() {
            missing.push((
                "user_principal_name".to_owned(),
                "Enter a sign-in name such as ana.lopez@contoso.example.".to_owned(),
            ));
        }
        if name.get_untracked().trim().is_empty() {
            missing.push((
                "display_name".to_owned(),
                "Enter a display name.".to_owned(),
            ));
        }
        if password.get_untracked().is_empty() {
            missing.push((
                "password".to_owned(),
                "Enter an initial password.".to_owned(),
            ));
        }
        if !missing.is_empty() {
            errors.set(missing);
            outcome.set(Some(Err("Check the highlighted fields.".to_owned())));
            return;
        }
        errors.set(Vec::new());
        outcome.set(None);
        create.dispatch(CreateUser {
            user_principal_name: upn.get_untracked().trim().to_owned(),
            display_name: name.get_untracked().trim().to_owned(),
            mail: None,
            job_title: optional(job.get_untracked()),
            department: optional(dept.get_untracked()),
            source: source.get_untracked(),
            password: password.get_untracked(),
            account_enabled: None,
        });
    };

    let error_of = move |field: &'static str| move || errors.with(|e| message_for(e, field));
    let field_view = move |field: &'static str,
                           label: &'static str,
                           kind: &'static str,
                           autocomplete: &'static str,
                           value: RwSignal<String>| {
        let id = format!("new-user-{field}");
        let error_id = format!("{id}-error");
        let error = error_of(field);
        let invalid = move || error().is_some().to_string();
        let described = move || error().is_some().then(|| error_id.clone());
        let error_id2 = format!("{id}-error");
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <input
                    id=id
                    type=kind
                    autocomplete=autocomplete
                    autocapitalize="none"
                    spellcheck="false"
                    aria-invalid=invalid
                    aria-describedby=described
                    bind:value=value
                />
                {move || {
                    error()
                        .map(|m| {
                            view! {
                                <p id=error_id2.clone() class="field-error">
                                    {m}
                                </p>
                            }
                        })
                }}
            </div>
        }
    };

    view! {
        <section class="card" aria-labelledby="create-user-heading">
            <h1 id="create-user-heading">"Users"</h1>
            <h2>"Create a user"</h2>
            <form on:submit=on_submit novalidate>
                {field_view("user_principal_name", FIELDS[0].1, "email", "off", upn)}
                {field_view("display_name", FIELDS[1].1, "text", "off", name)}
                {field_view("job_title", FIELDS[2].1, "text", "off", job)}
                {field_view("department", FIELDS[3].1, "text", "off", dept)}
                <fieldset class="choices">
                    <legend>{FIELDS[4].1}</legend>
                    <div class="choice">
                        <input
                            type="radio"
                            id="new-user-source-cloud"
                            name="new-user-source"
                            prop:checked=move || source.get() == UserSource::Cloud
                            on:change=move |_| source.set(UserSource::Cloud)
                        />
                        <label for="new-user-source-cloud">"Cloud (managed here)"</label>
                    </div>
                    <div class="choice">
                        <input
                            type="radio"
                            id="new-user-source-on-premises"
                            name="new-user-source"
                            prop:checked=move || source.get() == UserSource::OnPremises
                            on:change=move |_| source.set(UserSource::OnPremises)
                        />
                        <label for="new-user-source-on-premises">
                            "On-premises (synchronised from your directory)"
                        </label>
                    </div>
                    {move || {
                        errors
                            .with(|e| message_for(e, "source"))
                            .map(|m| view! { <p class="field-error">{m}</p> })
                    }}
                </fieldset>
                {field_view("password", FIELDS[5].1, "password", "new-password", password)}
                <Outcome message=outcome />
                <SubmitButton label="Create user" pending />
            </form>
        </section>
    }
}

fn import_summary(result: &Imported) -> String {
    let people = |n: u32| match n {
        1 => "1 user".to_owned(),
        n => format!("{n} users"),
    };
    let rows = |n: u32| match n {
        1 => "1 row".to_owned(),
        n => format!("{n} rows"),
    };
    match (result.created, result.failed) {
        (c, 0) => format!("Created {}.", people(c)),
        (0, f) => format!("Nothing was created: {} could not be imported.", rows(f)),
        (c, f) => format!("Created {}; {} could not be imported.", people(c), rows(f)),
    }
}

#[component]
fn ImportUsers() -> impl IntoView {
    let file_input = NodeRef::<leptos::html::Input>::new();
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let import: ApiAction<web_sys::File, Imported> = action(|file: &web_sys::File| {
        let file = file.clone();
        Box::pin(async move { admin_api::import_users(&file).await })
    });
    effect(move || {
        if let Some(result) = import.value() {
            outcome.set(match &result {
                Ok(r) => Some(Ok(import_summary(r))),
                Err(e) => failed(e),
            });
        }
    });
    let pending = import.pending();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let file = file_input
            .get_untracked()
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        match file {
            None => outcome.set(Some(Err("Choose a CSV file first.".to_owned()))),
            Some(file) => {
                outcome.set(None);
                import.dispatch(file);
            }
        }
    };
    let rows = move || {
        import
            .value()
            .and_then(Result::ok)
            .map(|r| view! { <ImportRows rows=r.rows /> })
    };
    view! {
        <section class="card" aria-labelledby="import-heading">
            <h2 id="import-heading">"Import users from a CSV file"</h2>
            <p class="muted small" id="import-help">
                "The first line names the columns: user_principal_name and display_name, and "
                "optionally mail, job_title, department, source (cloud or on_premises) and "
                "administrative_unit (a location's name or id). Each new user gets a temporary "
                "password to change at first sign-in."
            </p>
            <form on:submit=on_submit novalidate>
                <div class="field">
                    <label for="import-file">"CSV file"</label>
                    <input
                        id="import-file"
                        type="file"
                        accept=".csv,text/csv"
                        aria-describedby="import-help"
                        node_ref=file_input
                    />
                </div>
                <Outcome message=outcome />
                <SubmitButton label="Import" pending />
            </form>
            {rows}
        </section>
    }
}

/// Copies text to the clipboard; the browser may refuse (no permission, no HTTPS).
fn copy(text: &str) -> bool {
    web_sys::window()
        .map(|w| w.navigator().clipboard())
        .map(|c| {
            let _promise = c.write_text(text);
        })
        .is_some()
}

#[component]
fn ImportRows(rows: Vec<ImportedRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="muted">"The file had no rows to import."</p> }.into_any();
    }
    let any_password = rows.iter().any(|r| r.temporary_password.is_some());
    view! {
        {any_password
            .then(|| {
                view! {
                    <p class="notice">
                        "Temporary passwords are shown only now. Copy them and give each one to its owner in person."
                    </p>
                }
            })}
        <div class="table-scroll" role="region" aria-labelledby="import-results-caption" tabindex="0">
            <table class="table">
                <caption id="import-results-caption">"Import results"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Row"</th>
                        <th scope="col">"Sign-in name"</th>
                        <th scope="col">"Result"</th>
                        <th scope="col">"Temporary password or problem"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|row| view! { <ImportRowView row /> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn ImportRowView(row: ImportedRow) -> impl IntoView {
    let copied = RwSignal::new(false);
    let upn = if row.user_principal_name.is_empty() {
        "—".to_owned()
    } else {
        row.user_principal_name.clone()
    };
    let created = row.status == "created";
    let detail = match row.temporary_password.clone() {
        Some(password) => {
            let whose = format!(" the temporary password of {upn}");
            let shown = password.clone();
            view! {
                <span class="secret">
                    <code>{shown}</code>
                    <button
                        type="button"
                        class="button button-secondary button-small"
                        on:click=move |_| copied.set(copy(&password))
                    >
                        {move || if copied.get() { "Copied" } else { "Copy" }}
                        <span class="visually-hidden">{whose}</span>
                    </button>
                </span>
            }
            .into_any()
        }
        None => {
            let problems = row
                .errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join(" ");
            view! { <span>{problems}</span> }.into_any()
        }
    };
    view! {
        <tr>
            <td>{row.row}</td>
            <td class="break">{upn.clone()}</td>
            <td>{if created { "Created" } else { "Not imported" }}</td>
            <td>{detail}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_land_on_their_fields() {
        let errors = vec![
            ("display_name".to_owned(), "Enter a name.".to_owned()),
            ("password".to_owned(), "Too short.".to_owned()),
            ("password".to_owned(), "Too common.".to_owned()),
            ("csv".to_owned(), "Odd.".to_owned()),
        ];
        assert_eq!(
            message_for(&errors, "password").as_deref(),
            Some("Too short. Too common.")
        );
        assert_eq!(message_for(&errors, "job_title"), None);
        let names = FIELDS.map(|(name, _)| name);
        assert_eq!(other_errors(&errors, &names), vec!["Odd.".to_owned()]);
    }

    #[test]
    fn import_summaries_count_people_and_rows() {
        let r = |created, failed| Imported {
            created,
            failed,
            rows: vec![],
        };
        assert_eq!(import_summary(&r(2, 0)), "Created 2 users.");
        assert_eq!(
            import_summary(&r(1, 1)),
            "Created 1 user; 1 row could not be imported."
        );
        assert_eq!(
            import_summary(&r(0, 3)),
            "Nothing was created: 3 rows could not be imported."
        );
    }
}
