//! Wire types of the REST API (SPEC section 6), shared by the server and the SPA.

use crate::audit::{Activity, Category, Outcome};
use crate::codes::{ErrorCode, FieldErrorCode};
use crate::roles::{Role, Scope};
use crate::rules::{Action, Decision, MyStaffAccess, MyStaffBlock};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// `POST /api/v1/auth/token` body.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The user principal name, e.g. `ana.lopez@contoso.example`.
    #[cfg_attr(
        feature = "openapi",
        schema(schema_with = crate::patterns::schema::not_blank, example = "ana.lopez@contoso.example")
    )]
    pub username: String,
    #[cfg_attr(
        feature = "openapi",
        schema(schema_with = crate::patterns::schema::password, example = "correct horse battery staple")
    )]
    pub password: String,
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRequest")
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .finish()
    }
}

/// A signed access token.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    #[cfg_attr(feature = "openapi", schema(example = "Bearer"))]
    pub token_type: String,
    /// Lifetime in seconds.
    #[cfg_attr(feature = "openapi", schema(example = 900))]
    pub expires_in: u64,
    /// When true the token is good only for `POST /api/v1/me/password`.
    pub password_change_required: bool,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Where a directory account comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UserSource {
    /// Mastered here; resets generate a temporary password.
    Cloud,
    /// Synchronised from an on-premises directory; resets take a typed password.
    OnPremises,
}

impl UserSource {
    pub const fn id(self) -> &'static str {
        match self {
            UserSource::Cloud => "cloud",
            UserSource::OnPremises => "on_premises",
        }
    }

    pub fn from_id(s: &str) -> Option<Self> {
        match s {
            "cloud" => Some(UserSource::Cloud),
            "on_premises" => Some(UserSource::OnPremises),
            _ => None,
        }
    }
}

/// A location a user belongs to, as shown on a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UnitRef {
    pub id: Uuid,
    pub display_name: String,
    pub restricted: bool,
}

/// A directory user as the caller may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct User {
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", schema(example = "ana.lopez@contoso.example"))]
    pub user_principal_name: String,
    #[cfg_attr(feature = "openapi", schema(example = "Ana Lopez"))]
    pub display_name: String,
    pub mail: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub account_enabled: bool,
    pub source: UserSource,
    /// Roles the user holds at any scope.
    pub roles: Vec<Role>,
    /// Locations the user is a member of.
    pub administrative_units: Vec<UnitRef>,
    /// What the caller may do to this user.
    pub allowed_actions: Vec<Action>,
    /// Signing in is refused until then after too many wrong passwords or codes;
    /// absent when the account is not locked (`POST /users/{id}/unlock` clears it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        target_arch = "wasm32",
        serde(deserialize_with = "crate::rfc3339::deserialize_option")
    )]
    pub locked_until: Option<DateTime<Utc>>,
}

/// A page of results; pass `next_cursor` back as `cursor` for the next page. A page
/// may hold fewer than `limit` items (even none) while `next_cursor` is set: keep
/// following it until it is absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// An administrative unit, shown as a "location".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AdministrativeUnit {
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", schema(example = "Store 042 - Lyon Part-Dieu"))]
    pub display_name: String,
    pub description: Option<String>,
    /// Restricted locations can be managed only by admins assigned to them.
    pub restricted: bool,
    pub member_count: i64,
    /// The roles the caller holds over this location (directly or tenant-wide).
    pub my_roles: Vec<Role>,
}

/// A role held by a principal at a scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RoleAssignment {
    pub id: Uuid,
    /// Whether `principal_id` is a user or an application (`user` when absent).
    #[serde(default)]
    pub principal_type: PrincipalType,
    pub principal_id: Uuid,
    pub principal_display_name: String,
    pub role: Role,
    pub role_display_name: String,
    pub scope: Scope,
    /// The location's name when the scope is a location.
    pub scope_display_name: Option<String>,
    #[cfg_attr(
        target_arch = "wasm32",
        serde(deserialize_with = "crate::rfc3339::deserialize")
    )]
    pub created_at: DateTime<Utc>,
}

/// `POST /api/v1/role-assignments` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateRoleAssignment {
    /// `application` gives the role to an application (a confidential client acting
    /// through the client-credentials grant); `principal_id` is then its id.
    #[serde(default)]
    pub principal_type: PrincipalType,
    pub principal_id: Uuid,
    pub role: Role,
    pub scope: Scope,
}

/// Who holds a role assignment: a person, or an application acting on its own through
/// the client-credentials grant, under the same roles, scopes and rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PrincipalType {
    #[default]
    User,
    Application,
}

/// Whether the caller may use the manager surface, and why not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MyStaffStatus {
    pub enabled: bool,
    /// Set when `enabled` is false.
    pub reason: Option<MyStaffBlock>,
}

/// `GET /api/v1/me`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Me {
    pub id: Uuid,
    pub user_principal_name: String,
    pub display_name: String,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub source: UserSource,
    pub role_assignments: Vec<RoleAssignment>,
    pub my_staff_access: MyStaffStatus,
    /// Whether the caller may manage users, locations and settings tenant-wide.
    pub can_manage_directory: bool,
    /// Whether the caller may assign roles.
    pub can_manage_role_assignments: bool,
    /// Whether the caller may register and manage applications (relying parties).
    pub can_manage_applications: bool,
    /// The caller's password is kept by the on-premises directory (Active Directory):
    /// it is their company network password, changed there under the domain's rules.
    #[serde(default)]
    pub password_in_directory: bool,
}

/// `POST /api/v1/users` body.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::patterns::schema::user_principal_name))]
    pub user_principal_name: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::patterns::schema::display_name))]
    pub display_name: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::patterns::schema::mail))]
    pub mail: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::patterns::schema::user_attribute))]
    pub job_title: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::patterns::schema::user_attribute))]
    pub department: Option<String>,
    pub source: UserSource,
    /// The initial password; it must meet the password policy
    /// (`GET /api/v1/password-policy`).
    #[cfg_attr(
        feature = "openapi",
        schema(schema_with = crate::patterns::schema::password, example = "Purple-Tiger-Lamp-42")
    )]
    pub password: String,
    /// Defaults to true.
    #[serde(default)]
    pub account_enabled: Option<bool>,
}

impl std::fmt::Debug for CreateUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateUser")
            .field("user_principal_name", &self.user_principal_name)
            .field("display_name", &self.display_name)
            .field("source", &self.source)
            .field("password", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// `POST /api/v1/administrative-units` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateAdministrativeUnit {
    #[cfg_attr(
        feature = "openapi",
        schema(schema_with = crate::patterns::schema::display_name, example = "Store 042 - Lyon Part-Dieu")
    )]
    pub display_name: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::patterns::schema::description))]
    pub description: Option<String>,
    /// Immutable once created. Defaults to false.
    #[serde(default)]
    pub restricted: bool,
}

/// `POST /api/v1/administrative-units/{id}/members` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddMember {
    pub user_id: Uuid,
}

/// `GET/PUT /api/v1/settings/my-staff`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MyStaffSettings {
    pub access: MyStaffAccess,
    /// Used when `access` is `selected`.
    #[serde(default)]
    pub selected_user_ids: Vec<Uuid>,
}

/// `GET/PUT /api/v1/settings/sign-in`: the tenant's sign-in policy. Administrators
/// need a second factor whenever the server runs with `--admin-mfa required`;
/// `mfa_for_everyone` asks it of every user as well. `sms_sign_in` lets staff without
/// an admin role sign in with a code texted to their mobile number alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignInPolicy {
    /// Every user completes a second factor at sign-in: a passkey or an authenticator
    /// app, or a code by text message to their mobile number (staff without an admin
    /// role; admins too when the server runs `--admin-sms-mfa allow`). One with none
    /// of these is walked through adding an authenticator app first.
    pub mfa_for_everyone: bool,
    /// Staff without an admin role may sign in with a code texted to the mobile number
    /// their manager registered, instead of their password (one factor, `amr` `sms`).
    /// Off when left out.
    #[serde(default)]
    pub sms_sign_in: bool,
}

/// `GET /api/v1/users/{id}/access` answer.
pub type AccessDecision = Decision;

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FieldError {
    /// The JSON field (or rule) concerned.
    pub field: String,
    pub code: FieldErrorCode,
    pub message: String,
}

/// An RFC 9457 problem document; every error answer has this shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Problem {
    #[serde(rename = "type")]
    #[cfg_attr(
        feature = "openapi",
        schema(example = "https://openstaff.dev/problems/not_found")
    )]
    pub type_: String,
    #[cfg_attr(feature = "openapi", schema(example = "Not Found"))]
    pub title: String,
    #[cfg_attr(feature = "openapi", schema(example = 404))]
    pub status: u16,
    #[cfg_attr(feature = "openapi", schema(example = "No user has this id."))]
    pub detail: String,
    pub code: ErrorCode,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// `POST /api/v1/users/{id}/reset-password` body.
#[derive(Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    /// Required for on-premises users (it must meet the on-premises policy); must be
    /// absent for cloud users, whose temporary password is generated.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub password: Option<String>,
}

impl std::fmt::Debug for ResetPasswordRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResetPasswordRequest")
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// The outcome of a reset. The temporary password is in this response only.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ResetPasswordResponse {
    /// Cloud users: the generated temporary password, shown once. Absent for
    /// on-premises users and on an idempotent replay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporary_password: Option<String>,
    pub force_change_password_next_sign_in: bool,
    /// When the temporary password stops working (cloud users).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        target_arch = "wasm32",
        serde(deserialize_with = "crate::rfc3339::deserialize_option")
    )]
    pub expires_at: Option<DateTime<Utc>>,
    /// True when this answer replays an earlier request with the same Idempotency-Key.
    #[serde(default)]
    pub replayed: bool,
}

impl std::fmt::Debug for ResetPasswordResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResetPasswordResponse")
            .field(
                "temporary_password",
                &self.temporary_password.as_ref().map(|_| "[redacted]"),
            )
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// `POST /api/v1/me/password` body.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub current_password: String,
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub new_password: String,
}

impl std::fmt::Debug for ChangePasswordRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangePasswordRequest { [redacted] }")
    }
}

/// A kind of phone method; at most one of each per user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PhoneType {
    Mobile,
    AlternateMobile,
    Office,
}

impl PhoneType {
    pub const ALL: [PhoneType; 3] = [
        PhoneType::Mobile,
        PhoneType::AlternateMobile,
        PhoneType::Office,
    ];

    pub const fn id(self) -> &'static str {
        match self {
            PhoneType::Mobile => "mobile",
            PhoneType::AlternateMobile => "alternate_mobile",
            PhoneType::Office => "office",
        }
    }

    pub fn from_id(s: &str) -> Option<Self> {
        PhoneType::ALL.into_iter().find(|t| t.id() == s)
    }
}

/// One phone method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PhoneMethod {
    #[serde(rename = "type")]
    pub type_: PhoneType,
    /// E.164 (`+33612345678`) for callers who may manage the user's phone methods,
    /// masked (`+33 *** *** *78`) for everyone else.
    pub phone_number: String,
    pub masked: bool,
}

/// `GET /api/v1/users/{id}/phone-methods`; `etag` is also the ETag header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PhoneMethods {
    pub items: Vec<PhoneMethod>,
    pub etag: String,
}

/// `PUT /api/v1/users/{id}/phone-methods/{type}` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetPhoneMethod {
    /// International (`+33 6 12 34 56 78`) or, with a configured default region,
    /// national format.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::patterns::schema::phone_number))]
    pub phone_number: String,
}

/// `PATCH /api/v1/users/{id}` body: only the fields present change; an empty string
/// clears an optional field.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::patterns::schema::optional_display_name))]
    pub display_name: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::patterns::schema::mail))]
    pub mail: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::patterns::schema::user_attribute))]
    pub job_title: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::patterns::schema::user_attribute))]
    pub department: Option<String>,
    /// Disabling ends every token the user holds.
    #[serde(default)]
    pub account_enabled: Option<bool>,
}

/// `PATCH /api/v1/administrative-units/{id}` body.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateAdministrativeUnit {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::patterns::schema::optional_display_name))]
    pub display_name: Option<String>,
    /// An empty string clears it.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::patterns::schema::description))]
    pub description: Option<String>,
    /// Whether the request named `restricted`, which is set when a location is created
    /// and never changes: such a request is refused (422 `immutable`) in words, not
    /// as an unknown field. Not part of the document.
    #[serde(
        rename = "restricted",
        default,
        skip_serializing,
        deserialize_with = "field_present"
    )]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub restricted_sent: bool,
}

/// `true` for a field that is present, whatever its value (`null` included).
fn field_present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    serde::de::IgnoredAny::deserialize(d).map(|_| true)
}

/// Who did an audited thing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditInitiator {
    pub user_id: Option<String>,
    pub user_principal_name: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The application that acted (client-credentials grant); no user then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<AuditInitiatorApp>,
}

/// An application as the initiator of an audit event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditInitiatorApp {
    pub id: String,
    pub display_name: String,
}

/// A property changed by an audited action (phone numbers masked, never secrets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditModifiedProperty {
    pub name: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditTarget {
    #[serde(rename = "type")]
    pub type_: String,
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub modified_properties: Vec<AuditModifiedProperty>,
}

/// One audit event (SPEC section 5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditEvent {
    pub id: String,
    #[cfg_attr(
        target_arch = "wasm32",
        serde(deserialize_with = "crate::rfc3339::deserialize")
    )]
    pub activity_date_time: DateTime<Utc>,
    pub activity: Activity,
    pub category: Category,
    /// Equals the `X-Request-Id` of the request that caused it.
    pub correlation_id: String,
    pub initiated_by: AuditInitiator,
    pub target_resources: Vec<AuditTarget>,
    pub result: Outcome,
    pub result_reason: Option<String>,
    /// `{"surface": "my_staff" | "api" | "cli" | "sign_in_page" | "sync" | "sspr"}` (the
    /// provider's hosted sign-in page; the directory sync).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub additional_details: serde_json::Value,
}

/// One row's outcome in `POST /api/v1/users/import`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ImportRow {
    /// 1-based data row (the header is row 0).
    pub row: u32,
    pub user_principal_name: String,
    /// `created` or `failed`; a failed row wrote nothing.
    pub status: String,
    pub user_id: Option<Uuid>,
    /// The generated temporary password of a created user, shown once.
    pub temporary_password: Option<String>,
    pub errors: Vec<FieldError>,
}

impl std::fmt::Debug for ImportRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportRow")
            .field("row", &self.row)
            .field("user_principal_name", &self.user_principal_name)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// `POST /api/v1/users/import` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ImportResult {
    pub created: u32,
    pub failed: u32,
    pub rows: Vec<ImportRow>,
}

/// Whether an application can keep a secret (a server) or not (a browser or phone
/// app, which proves itself with PKCE alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClientType {
    #[default]
    Confidential,
    Public,
}

/// Who may sign in to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SignInAudience {
    /// Every enabled account.
    #[default]
    Everyone,
    /// Members of the locations in `allowed_unit_ids`.
    Locations,
}

/// An application on the caller's "My account" page: one they may sign in to, with
/// the address that starts it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MyApplication {
    pub id: Uuid,
    pub display_name: String,
    /// Opens the application, which then signs the person in with OpenStaff.
    pub start_url: String,
}

/// How an application's ID tokens are signed (OpenID Connect's
/// `id_token_signed_response_alg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum IdTokenAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256, which every relying party supports.
    #[default]
    #[serde(rename = "RS256")]
    Rs256,
    /// Ed25519 (RFC 8037): smaller and much faster to sign, for relying parties that
    /// support it.
    #[serde(rename = "EdDSA")]
    EdDsa,
}

impl IdTokenAlg {
    pub fn as_str(self) -> &'static str {
        match self {
            IdTokenAlg::Rs256 => "RS256",
            IdTokenAlg::EdDsa => "EdDSA",
        }
    }
}

/// An application that signs its users in with OpenStaff (an OpenID Connect
/// relying party).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Application {
    pub id: Uuid,
    /// The OAuth `client_id` (the same as `id`).
    pub client_id: String,
    #[cfg_attr(feature = "openapi", schema(example = "Rota"))]
    pub display_name: String,
    /// Where "My account" links to.
    pub start_url: Option<String>,
    /// Exact redirect URIs (https, or http on the loopback address).
    pub redirect_uris: Vec<String>,
    /// Exact URIs the application may send people to after signing out.
    pub post_logout_redirect_uris: Vec<String>,
    pub client_type: ClientType,
    pub sign_in_audience: SignInAudience,
    /// With `sign_in_audience = locations`: whose members may sign in.
    pub allowed_unit_ids: Vec<Uuid>,
    /// How its ID tokens are signed.
    pub id_token_signed_response_alg: IdTokenAlg,
    #[cfg_attr(
        target_arch = "wasm32",
        serde(deserialize_with = "crate::rfc3339::deserialize")
    )]
    pub created_at: DateTime<Utc>,
    #[cfg_attr(
        target_arch = "wasm32",
        serde(deserialize_with = "crate::rfc3339::deserialize")
    )]
    pub updated_at: DateTime<Utc>,
}

/// `POST /api/v1/applications` and `POST …/{id}/secret` answers: the application
/// and, for a confidential one, its client secret, shown this once.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ApplicationWithSecret {
    #[serde(flatten)]
    pub application: Application,
    /// Shown once; store it in the application's configuration. Absent for public
    /// applications.
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for ApplicationWithSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplicationWithSecret")
            .field("application", &self.application)
            .field("client_secret", &"[redacted]")
            .finish()
    }
}

/// `POST /api/v1/applications` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateApplication {
    #[cfg_attr(
        feature = "openapi",
        schema(schema_with = crate::patterns::schema::display_name, example = "Rota")
    )]
    pub display_name: String,
    #[serde(default)]
    pub start_url: Option<String>,
    /// Exact URIs the application may receive codes at: https, or http on the
    /// loopback address; at least one.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    /// Defaults to `confidential`.
    #[serde(default)]
    pub client_type: ClientType,
    /// Defaults to `everyone`.
    #[serde(default)]
    pub sign_in_audience: SignInAudience,
    #[serde(default)]
    pub allowed_unit_ids: Vec<Uuid>,
    /// Defaults to `RS256`.
    #[serde(default)]
    pub id_token_signed_response_alg: IdTokenAlg,
}

/// `PATCH /api/v1/applications/{id}` body: the fields to change. The client type is
/// set at creation.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateApplication {
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(schema_with = crate::patterns::schema::optional_display_name)
    )]
    pub display_name: Option<String>,
    /// An empty string clears it.
    #[serde(default)]
    pub start_url: Option<String>,
    /// Replaces the list; at least one.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub redirect_uris: Option<Vec<String>>,
    #[serde(default)]
    pub post_logout_redirect_uris: Option<Vec<String>>,
    #[serde(default)]
    pub sign_in_audience: Option<SignInAudience>,
    #[serde(default)]
    pub allowed_unit_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    pub id_token_signed_response_alg: Option<IdTokenAlg>,
}

/// The kind of an authentication method beyond the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuthenticationMethodKind {
    /// An authenticator app (TOTP, RFC 6238: 30 s, 6 digits, SHA-1).
    Totp,
    /// A Temporary Access Pass a manager issued (listed for managers only, with its
    /// expiry).
    TemporaryAccessPass,
    /// A passkey (a discoverable WebAuthn credential with user verification): a
    /// second factor after a password, or a whole sign-in by itself.
    Passkey,
}

impl AuthenticationMethodKind {
    /// As stored and on the wire.
    pub const fn id(self) -> &'static str {
        match self {
            AuthenticationMethodKind::Totp => "totp",
            AuthenticationMethodKind::TemporaryAccessPass => "temporary_access_pass",
            AuthenticationMethodKind::Passkey => "passkey",
        }
    }

    pub fn from_id(s: &str) -> Option<Self> {
        match s {
            "totp" => Some(AuthenticationMethodKind::Totp),
            "temporary_access_pass" => Some(AuthenticationMethodKind::TemporaryAccessPass),
            "passkey" => Some(AuthenticationMethodKind::Passkey),
            _ => None,
        }
    }
}

/// One of the caller's own authentication methods (never its secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuthenticationMethod {
    pub id: Uuid,
    pub kind: AuthenticationMethodKind,
    /// The name its owner gave it ("Phone").
    pub name: String,
    #[cfg_attr(
        target_arch = "wasm32",
        serde(deserialize_with = "crate::rfc3339::deserialize")
    )]
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    #[cfg_attr(
        target_arch = "wasm32",
        serde(deserialize_with = "crate::rfc3339::deserialize_option")
    )]
    pub last_used_at: Option<DateTime<Utc>>,
}

/// One of a user's authentication methods as a manager sees it: its kind and dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuthenticationMethodSummary {
    pub kind: AuthenticationMethodKind,
    #[cfg_attr(
        target_arch = "wasm32",
        serde(deserialize_with = "crate::rfc3339::deserialize")
    )]
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    #[cfg_attr(
        target_arch = "wasm32",
        serde(deserialize_with = "crate::rfc3339::deserialize_option")
    )]
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it stops working (a Temporary Access Pass); absent for methods that
    /// do not expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        target_arch = "wasm32",
        serde(deserialize_with = "crate::rfc3339::deserialize_option")
    )]
    pub expires_at: Option<DateTime<Utc>>,
}

/// `POST /api/v1/users/{id}/temporary-access-pass` body.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IssueTemporaryAccessPass {
    /// How long the pass works, in minutes: 10 to 1440 (a day); default 60.
    #[serde(default, deserialize_with = "whole_number")]
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 10, maximum = 1440, example = 60)
    )]
    pub lifetime_minutes: Option<u32>,
    /// Whether it works for one sign-in only; default true.
    #[serde(default)]
    pub one_time: Option<bool>,
}

/// A JSON integer, also when written with a zero fraction: `170.0` is the integer
/// 170 to JSON Schema, so a client may send it.
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    match Option::<f64>::deserialize(d)? {
        None => Ok(None),
        Some(x) if x.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&x) => {
            Ok(Some(x as u32))
        }
        Some(x) => Err(serde::de::Error::custom(format!(
            "expected a whole number, not {x}"
        ))),
    }
}

/// A Temporary Access Pass, as issued: the pass is shown this once and never again
/// (only its hash is kept). Issuing another replaces it.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TemporaryAccessPass {
    /// Typed on the hosted sign-in page instead of the password.
    #[cfg_attr(feature = "openapi", schema(example = "7KQM-3XRT-9HVW-2CPA"))]
    pub pass: String,
    #[cfg_attr(
        target_arch = "wasm32",
        serde(deserialize_with = "crate::rfc3339::deserialize")
    )]
    pub created_at: DateTime<Utc>,
    #[cfg_attr(
        target_arch = "wasm32",
        serde(deserialize_with = "crate::rfc3339::deserialize")
    )]
    pub expires_at: DateTime<Utc>,
    pub lifetime_minutes: u32,
    pub one_time: bool,
}

impl std::fmt::Debug for TemporaryAccessPass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemporaryAccessPass")
            .field("pass", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .field("one_time", &self.one_time)
            .finish_non_exhaustive()
    }
}

/// `POST /api/v1/me/authentication-methods/totp` body.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterTotp {
    /// What to call it ("Phone"); default "Authenticator app". At most 64 characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::patterns::schema::method_name))]
    pub name: Option<String>,
}

/// The answer to `POST /api/v1/me/authentication-methods/totp`: everything an
/// authenticator app needs, shown once. The method counts once confirmed with a code
/// (`POST /api/v1/me/authentication-methods/{id}/verify`) within 10 minutes.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TotpEnrolment {
    pub id: Uuid,
    /// The shared secret, base32 (RFC 4648, no padding), for typing into the app.
    pub secret: String,
    /// `otpauth://totp/...`: the same as the QR code.
    pub otpauth_uri: String,
    /// The QR code of `otpauth_uri`, as an SVG document.
    pub qr_svg: String,
    #[cfg_attr(
        target_arch = "wasm32",
        serde(deserialize_with = "crate::rfc3339::deserialize")
    )]
    /// Confirm before this, or register again.
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for TotpEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpEnrolment")
            .field("id", &self.id)
            .field("secret", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// `POST /api/v1/me/authentication-methods/{id}/verify` body.
#[derive(Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VerifyCode {
    /// The six digits the app shows now.
    #[cfg_attr(feature = "openapi", schema(example = "123456"))]
    pub code: String,
}

impl std::fmt::Debug for VerifyCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VerifyCode([redacted])")
    }
}

/// `DELETE /api/v1/me/authentication-methods/{id}` body: the proof that the caller
/// is the account's owner. A caller with an authenticator app sends a current code
/// from one; a caller whose only methods are passkeys sends `{}` and must have signed
/// in within the last 15 minutes (else 401 `reauthentication_required`).
#[derive(Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RemoveMethod {
    /// The six digits one of the caller's authenticator apps shows now.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = "123456"))]
    pub code: Option<String>,
}

impl std::fmt::Debug for RemoveMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RemoveMethod([redacted])")
    }
}

/// The answer to `POST /api/v1/me/authentication-methods/passkey/options`: what to
/// hand to `navigator.credentials.create()` and the ceremony to send back with its
/// result within 10 minutes.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PasskeyRegistrationOptions {
    /// The ceremony's state, sealed by the server (opaque): send it back unchanged
    /// to `POST /api/v1/me/authentication-methods/passkey`.
    pub ceremony: String,
    /// WebAuthn `CredentialCreationOptions` as JSON: `{"publicKey": {...}}` with
    /// binary members (`challenge`, `user.id`, `excludeCredentials[].id`) in
    /// base64url without padding. Decode those to `ArrayBuffer`s before
    /// `navigator.credentials.create(options)`. Asks for a discoverable credential
    /// (resident key required) with user verification, and excludes the caller's
    /// passkeys.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub options: serde_json::Value,
    #[cfg_attr(
        target_arch = "wasm32",
        serde(deserialize_with = "crate::rfc3339::deserialize")
    )]
    /// Register before this, or ask for new options.
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for PasskeyRegistrationOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasskeyRegistrationOptions")
            .finish_non_exhaustive()
    }
}

/// `POST /api/v1/me/authentication-methods/passkey` body.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterPasskey {
    /// `ceremony` from the options, unchanged.
    pub ceremony: String,
    /// The `PublicKeyCredential` that `navigator.credentials.create()` gave, as JSON
    /// (`PublicKeyCredential.toJSON()`, or by hand): `{"id", "rawId", "type":
    /// "public-key", "response": {"clientDataJSON", "attestationObject"},
    /// "extensions": {}}`, binary members in base64url.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub credential: serde_json::Value,
    /// What to call it ("Work phone"); default "Passkey". At most 64 characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::patterns::schema::method_name))]
    pub name: Option<String>,
}

impl std::fmt::Debug for RegisterPasskey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterPasskey")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// `POST /api/v1/users/{id}/badges` body.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IssueBadge {
    /// How many days the badge works: 1 to 730 (two years). Absent: until revoked.
    #[serde(default, deserialize_with = "whole_number")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 730, example = 90))]
    pub valid_days: Option<u32>,
}

/// Where a sign-in badge stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BadgeStatus {
    /// Issued; its holder chooses the PIN at the first sign-in.
    PinNotSet,
    /// Signs in with its PIN.
    Active,
    /// Five wrong PINs: locked until a manager unlocks it.
    Locked,
    /// Past its `expires_at`.
    Expired,
    /// Revoked, or replaced by a newer badge.
    Revoked,
}

/// A sign-in badge as a manager sees it: never its credential or PIN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Badge {
    pub id: Uuid,
    pub status: BadgeStatus,
    #[cfg_attr(
        target_arch = "wasm32",
        serde(deserialize_with = "crate::rfc3339::deserialize")
    )]
    pub created_at: DateTime<Utc>,
    /// When it stops working; absent: until revoked.
    #[serde(default)]
    #[cfg_attr(
        target_arch = "wasm32",
        serde(deserialize_with = "crate::rfc3339::deserialize_option")
    )]
    pub expires_at: Option<DateTime<Utc>>,
    /// Wrong PINs since the last right one (5 lock the badge).
    pub failed_pin_attempts: u32,
    #[serde(default)]
    #[cfg_attr(
        target_arch = "wasm32",
        serde(deserialize_with = "crate::rfc3339::deserialize_option")
    )]
    pub last_used_at: Option<DateTime<Utc>>,
    #[serde(default)]
    #[cfg_attr(
        target_arch = "wasm32",
        serde(deserialize_with = "crate::rfc3339::deserialize_option")
    )]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A badge as issued: the credential its QR code holds and the printable badge,
/// shown this once (only the credential's SHA-256 is kept). Issuing another
/// revokes this one.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IssuedBadge {
    pub badge: Badge,
    /// What the QR code holds (`OSB1.` and 32 base32 characters, 160 random bits);
    /// a USB scanner types it into the hosted sign-in page's badge field.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "OSB1.7KQMZ3XRTPHVW2CPA4NB6DFG5JLEYQSU")
    )]
    pub credential: String,
    /// The printable badge: one page (a 54 × 86 mm card) as an SVG document with
    /// the QR code, the person's name, their locations and the expiry.
    pub badge_svg: String,
    /// Whether an earlier badge of theirs that still worked was revoked by this one.
    pub replaced_earlier_badge: bool,
}

impl std::fmt::Debug for IssuedBadge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedBadge")
            .field("badge", &self.badge)
            .field("credential", &"[redacted]")
            .finish_non_exhaustive()
    }
}
