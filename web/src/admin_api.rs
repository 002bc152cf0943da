//! Typed calls for the audit viewer and the directory-management pages.
//!
//! Built on the generic helpers of [`crate::api`], so every call carries the surface
//! header and the tab's token, signs the tab out on 401, and fails with an
//! [`ApiError`] that explains itself in plain words.

use crate::api::{self, ApiError, Method};
use shared::dto::{
    AddMember, AdministrativeUnit, AuditEvent, CreateAdministrativeUnit, CreateRoleAssignment,
    CreateUser, ImportResult, MyStaffSettings, Page, RoleAssignment, UpdateAdministrativeUnit,
    User,
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
pub async fn import_users(file: &web_sys::File) -> Result<ImportResult, ApiError> {
    api::send_blob(Method::POST, "/api/v1/users/import", "text/csv", file).await
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

/// What to tell an administrator when a directory change fails: the conflicts and
/// refusals these pages can meet, then [`ApiError::message`] for everything else.
pub fn message(error: &ApiError) -> String {
    let text = match error.code() {
        Some("upn_taken") => {
            "Someone already signs in with that name. Choose another sign-in name."
        }
        Some("already_member") => "That person is already a member of this location.",
        Some("assignment_exists") => "That person already holds this role there.",
        Some("last_own_global_admin") => {
            "You can't remove your own Global Administrator role. Ask another Global Administrator."
        }
        Some("membership_not_permitted") => {
            "This location is restricted: only its own administrators can change its members."
        }
        Some("directory_admin_required") => {
            "Only administrators for the whole organisation can do this."
        }
        Some("global_admin_required") => "Only Global Administrators can change roles.",
        _ => return error.message(),
    };
    text.to_owned()
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
    use shared::dto::{FieldError, Problem};

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
    fn directory_conflicts_read_as_plain_words() {
        let conflict = |code: &str| ApiError::Problem {
            problem: Box::new(Problem {
                type_: "t".into(),
                title: "t".into(),
                status: 409,
                detail: "{\"raw\": true}".into(),
                code: code.into(),
                errors: vec![],
            }),
            retry_after: None,
        };
        assert_eq!(
            message(&conflict("already_member")),
            "That person is already a member of this location."
        );
        assert!(!message(&conflict("something_new")).contains('{'));
    }

    #[test]
    fn field_errors_come_from_the_problem() {
        let e = ApiError::Problem {
            problem: Box::new(Problem {
                type_: "t".into(),
                title: "t".into(),
                status: 422,
                detail: "d".into(),
                code: "validation_failed".into(),
                errors: vec![FieldError {
                    field: "display_name".into(),
                    code: "required".into(),
                    message: "Enter a name.".into(),
                }],
            }),
            retry_after: None,
        };
        assert_eq!(
            field_errors(&e),
            vec![("display_name".to_owned(), "Enter a name.".to_owned())]
        );
        assert!(field_errors(&ApiError::Network).is_empty());
    }
}
