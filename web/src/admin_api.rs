//! Typed calls for the audit viewer and the directory-management pages.
//!
//! Built on the generic helpers of [`crate::api`], so every call carries the surface
//! header and the tab's token, signs the tab out on 401, and fails with an
//! [`ApiError`] that explains itself in plain words.

use crate::api::{self, ApiError, FieldMessage, Method};
use serde::Deserialize;
use shared::dto::{
    AddMember, AdministrativeUnit, Application, AuditEvent, CreateAdministrativeUnit,
    CreateApplication, CreateRoleAssignment, CreateUser, MyStaffSettings, Page, RoleAssignment,
    SignInPolicy, UpdateAdministrativeUnit, UpdateApplication, User,
};
use uuid::Uuid;

/// How many people or locations a search box offers at once.
const PICKER_LIMIT: &str = "8";

/// `GET /api/v1/users?search=`: people for a picker.
pub async fn search_users(search: &str) -> Result<Page<User>, ApiError> {
    api::get_json(&api::with_query(
        "/api/v1/users",
        &[("search", search.trim()), ("limit", PICKER_LIMIT)],
    ))
    .await
}

/// `GET /api/v1/users/{id}`.
pub async fn user(id: Uuid) -> Result<User, ApiError> {
    api::get_json(&format!("/api/v1/users/{id}")).await
}

/// `POST /api/v1/users`.
pub async fn create_user(body: &CreateUser) -> Result<User, ApiError> {
    api::send_json(Method::POST, "/api/v1/users", body).await
}

/// `POST /api/v1/users/import` with the CSV file as it was picked.
pub async fn import_users(file: &web_sys::File) -> Result<Imported, ApiError> {
    api::send_blob(Method::POST, "/api/v1/users/import", "text/csv", file).await
}

/// `shared::dto::ImportResult` as this build reads it: each row's errors without
/// their code (see [`FieldMessage`]), so that a field code from a newer server
/// cannot lose the answer and, with it, the temporary passwords shown only once.
#[derive(Clone, PartialEq, Deserialize)]
pub struct Imported {
    pub created: u32,
    pub failed: u32,
    pub rows: Vec<ImportedRow>,
}

/// One row of [`Imported`] (`shared::dto::ImportRow`).
#[derive(Clone, PartialEq, Deserialize)]
pub struct ImportedRow {
    /// 1-based data row (the header is row 0).
    pub row: u32,
    pub user_principal_name: String,
    /// `created` or `failed`.
    pub status: String,
    pub temporary_password: Option<String>,
    pub errors: Vec<FieldMessage>,
}

/// `GET /api/v1/administrative-units?search=&cursor=`.
pub async fn units(
    search: &str,
    limit: &str,
    cursor: Option<&str>,
) -> Result<Page<AdministrativeUnit>, ApiError> {
    api::get_json(&api::with_query(
        "/api/v1/administrative-units",
        &[
            ("search", search.trim()),
            ("limit", limit),
            ("cursor", cursor.unwrap_or_default()),
        ],
    ))
    .await
}

/// `GET /api/v1/administrative-units/{id}`.
pub async fn unit(id: Uuid) -> Result<AdministrativeUnit, ApiError> {
    api::get_json(&format!("/api/v1/administrative-units/{id}")).await
}

/// `POST /api/v1/administrative-units`.
pub async fn create_unit(body: &CreateAdministrativeUnit) -> Result<AdministrativeUnit, ApiError> {
    api::send_json(Method::POST, "/api/v1/administrative-units", body).await
}

/// `PATCH /api/v1/administrative-units/{id}`.
pub async fn update_unit(
    id: Uuid,
    body: &UpdateAdministrativeUnit,
) -> Result<AdministrativeUnit, ApiError> {
    api::send_json(
        Method::PATCH,
        &format!("/api/v1/administrative-units/{id}"),
        body,
    )
    .await
}

/// `DELETE /api/v1/administrative-units/{id}`.
pub async fn delete_unit(id: Uuid) -> Result<(), ApiError> {
    api::send_empty(
        Method::DELETE,
        &format!("/api/v1/administrative-units/{id}"),
    )
    .await
}

/// `GET /api/v1/administrative-units/{id}/members`.
pub async fn members(
    unit: Uuid,
    search: &str,
    cursor: Option<&str>,
) -> Result<Page<User>, ApiError> {
    api::get_json(&api::with_query(
        &format!("/api/v1/administrative-units/{unit}/members"),
        &[
            ("search", search.trim()),
            ("cursor", cursor.unwrap_or_default()),
        ],
    ))
    .await
}

/// `POST /api/v1/administrative-units/{id}/members` (204).
pub async fn add_member(unit: Uuid, user_id: Uuid) -> Result<(), ApiError> {
    api::send_raw(
        api::ApiRequest::new(
            Method::POST,
            format!("/api/v1/administrative-units/{unit}/members"),
        )
        .json(&AddMember { user_id })?,
    )
    .await
    .map(|_| ())
}

/// `DELETE /api/v1/administrative-units/{id}/members/{user_id}`.
pub async fn remove_member(unit: Uuid, user_id: Uuid) -> Result<(), ApiError> {
    api::send_empty(
        Method::DELETE,
        &format!("/api/v1/administrative-units/{unit}/members/{user_id}"),
    )
    .await
}

/// `GET /api/v1/role-assignments?cursor=`.
pub async fn role_assignments(cursor: Option<&str>) -> Result<Page<RoleAssignment>, ApiError> {
    api::get_json(&api::with_query(
        "/api/v1/role-assignments",
        &[("cursor", cursor.unwrap_or_default())],
    ))
    .await
}

/// `POST /api/v1/role-assignments`.
pub async fn create_role_assignment(
    body: &CreateRoleAssignment,
) -> Result<RoleAssignment, ApiError> {
    api::send_json(Method::POST, "/api/v1/role-assignments", body).await
}

/// `DELETE /api/v1/role-assignments/{id}`.
pub async fn delete_role_assignment(id: Uuid) -> Result<(), ApiError> {
    api::send_empty(Method::DELETE, &format!("/api/v1/role-assignments/{id}")).await
}

/// `GET /api/v1/settings/my-staff`.
pub async fn my_staff_settings() -> Result<MyStaffSettings, ApiError> {
    api::get_json("/api/v1/settings/my-staff").await
}

/// `PUT /api/v1/settings/my-staff`.
pub async fn save_my_staff_settings(body: &MyStaffSettings) -> Result<MyStaffSettings, ApiError> {
    api::send_json(Method::PUT, "/api/v1/settings/my-staff", body).await
}

/// `GET /api/v1/settings/sign-in`.
pub async fn sign_in_policy() -> Result<SignInPolicy, ApiError> {
    api::get_json("/api/v1/settings/sign-in").await
}

/// `PUT /api/v1/settings/sign-in`.
pub async fn save_sign_in_policy(body: &SignInPolicy) -> Result<SignInPolicy, ApiError> {
    api::send_json(Method::PUT, "/api/v1/settings/sign-in", body).await
}

/// `GET /api/v1/applications`: every registered application, by name.
pub async fn applications() -> Result<Page<Application>, ApiError> {
    api::get_json("/api/v1/applications").await
}

/// `GET /api/v1/applications/{id}`.
pub async fn application(id: Uuid) -> Result<Application, ApiError> {
    api::get_json(&format!("/api/v1/applications/{id}")).await
}

/// `POST /api/v1/applications`: the new application and, if confidential, its
/// secret (this once).
pub async fn create_application(body: &CreateApplication) -> Result<Issued, ApiError> {
    api::send_json(Method::POST, "/api/v1/applications", body).await
}

/// `PATCH /api/v1/applications/{id}` (the API takes no `If-Match` here: the last
/// save wins, as for locations).
pub async fn update_application(
    id: Uuid,
    body: &UpdateApplication,
) -> Result<Application, ApiError> {
    api::send_json(Method::PATCH, &format!("/api/v1/applications/{id}"), body).await
}

/// `DELETE /api/v1/applications/{id}`.
pub async fn delete_application(id: Uuid) -> Result<(), ApiError> {
    api::send_empty(Method::DELETE, &format!("/api/v1/applications/{id}")).await
}

/// `POST /api/v1/applications/{id}/secret`: a new client secret (this once); the old
/// one stops working.
pub async fn rotate_application_secret(id: Uuid) -> Result<Issued, ApiError> {
    api::send_raw(api::ApiRequest::new(
        Method::POST,
        format!("/api/v1/applications/{id}/secret"),
    ))
    .await?
    .json()
}

/// `shared::dto::ApplicationWithSecret` as this build reads it: only what the page
/// shows, so that a field or a client type from a newer server cannot lose the
/// answer and, with it, the secret shown only once. Never stored anywhere: it lives
/// in the page's memory until the person is done with it.
#[derive(Clone, PartialEq, Deserialize)]
pub struct Issued {
    pub id: Uuid,
    pub client_id: String,
    pub display_name: String,
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .finish_non_exhaustive()
    }
}

/// The provider's issuer, from its discovery document (public, no token needed);
/// integrators configure `{issuer}/.well-known/openid-configuration`.
pub async fn issuer() -> Result<String, ApiError> {
    #[derive(Deserialize)]
    struct Discovery {
        issuer: String,
    }
    let d: Discovery = api::get_json(DISCOVERY_PATH).await?;
    Ok(d.issuer)
}

/// Where the provider publishes its OpenID Connect discovery document.
pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

/// The audit viewer's filters, as the API takes them (times already RFC 3339).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub from: String,
    pub to: String,
    pub activity: String,
    pub actor: String,
    pub target: String,
    pub result: String,
}

impl AuditFilter {
    /// `/api/v1/audit-logs?...` for these filters and, for JSON pages, a cursor.
    pub fn path(&self, cursor: Option<&str>) -> String {
        api::with_query(
            "/api/v1/audit-logs",
            &[
                ("from", self.from.trim()),
                ("to", self.to.trim()),
                ("activity", self.activity.trim()),
                ("actor", self.actor.trim()),
                ("target", self.target.trim()),
                ("result", self.result.trim()),
                ("cursor", cursor.unwrap_or_default()),
            ],
        )
    }
}

/// `GET /api/v1/audit-logs`: one page, newest first.
pub async fn audit_logs(
    filter: &AuditFilter,
    cursor: Option<&str>,
) -> Result<Page<AuditEvent>, ApiError> {
    api::get_json(&filter.path(cursor)).await
}

/// `GET /api/v1/audit-logs` with `Accept: text/csv`: every matching event.
pub async fn audit_csv(filter: &AuditFilter) -> Result<api::RawResponse, ApiError> {
    api::get_text(&filter.path(None), "text/csv").await
}

/// The field-level messages of a 422, by field name.
pub fn field_errors(error: &ApiError) -> Vec<(String, String)> {
    match error {
        ApiError::Problem { problem, .. } => problem
            .errors
            .iter()
            .map(|e| (e.field.clone(), e.message.clone()))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::dto::{FieldError, ImportResult, ImportRow, Problem};
    use shared::{ErrorCode, FieldErrorCode};

    #[test]
    fn audit_paths_encode_and_skip_empty_filters() {
        let f = AuditFilter {
            activity: "Reset password (by admin)".into(),
            result: "success".into(),
            ..Default::default()
        };
        assert_eq!(
            f.path(None),
            "/api/v1/audit-logs?activity=Reset%20password%20%28by%20admin%29&result=success"
        );
        assert_eq!(
            AuditFilter::default().path(Some("abc=")),
            "/api/v1/audit-logs?cursor=abc%3D"
        );
        let timed = AuditFilter {
            from: "2026-01-01T08:00:00.000Z".into(),
            ..Default::default()
        };
        assert_eq!(
            timed.path(None),
            "/api/v1/audit-logs?from=2026-01-01T08%3A00%3A00.000Z"
        );
    }

    #[test]
    fn field_errors_come_from_the_problem() {
        let sent = Problem {
            type_: "t".into(),
            title: "t".into(),
            status: 422,
            detail: "d".into(),
            code: ErrorCode::ValidationFailed,
            errors: vec![FieldError {
                field: "display_name".into(),
                code: FieldErrorCode::Required,
                message: "Enter a name.".into(),
            }],
        };
        let e = ApiError::Problem {
            problem: Box::new(serde_json::from_value(serde_json::to_value(sent).unwrap()).unwrap()),
            retry_after: None,
        };
        assert_eq!(
            field_errors(&e),
            vec![("display_name".to_owned(), "Enter a name.".to_owned())]
        );
        assert!(field_errors(&ApiError::Network).is_empty());
    }

    #[test]
    fn import_answers_read_as_the_server_sends_them() {
        let sent = ImportResult {
            created: 1,
            failed: 1,
            rows: vec![
                ImportRow {
                    row: 1,
                    user_principal_name: "a@contoso.example".into(),
                    status: "created".into(),
                    user_id: Some(uuid::Uuid::nil()),
                    temporary_password: Some("Tmp-1".into()),
                    errors: vec![],
                },
                ImportRow {
                    row: 2,
                    user_principal_name: "b".into(),
                    status: "failed".into(),
                    user_id: None,
                    temporary_password: None,
                    errors: vec![FieldError {
                        field: "user_principal_name".into(),
                        code: FieldErrorCode::InvalidFormat,
                        message: "Odd.".into(),
                    }],
                },
            ],
        };
        let mut json = serde_json::to_value(sent).unwrap();
        json["rows"][1]["errors"][0]["code"] = "newer_than_this_build".into();
        let read: Imported = serde_json::from_value(json).unwrap();
        assert_eq!(read.created, 1);
        assert_eq!(read.rows[0].temporary_password.as_deref(), Some("Tmp-1"));
        assert_eq!(read.rows[1].errors[0].message, "Odd.");
    }
}
