//! The one typed client for the OpenStaff REST API.
//!
//! Every call goes through [`send`], so every request carries the surface header and
//! every failure becomes an [`ApiError`] that knows how to explain itself in plain
//! words; pages never see raw JSON or HTTP details.

use crate::session::Session;
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::{de::DeserializeOwned, Deserialize, Deserializer, Serialize};
use shared::dto::{
    AccessDecision, AdministrativeUnit, AuthenticationMethod, AuthenticationMethodSummary, Badge,
    ChangePasswordRequest, IssueBadge, IssueTemporaryAccessPass, IssuedBadge, Me, MyApplication,
    Page, PasskeyRegistrationOptions, PhoneMethods, PhoneType, RegisterPasskey, RegisterTotp,
    ResetPasswordRequest, ResetPasswordResponse, SetPhoneMethod, TemporaryAccessPass,
    TotpEnrolment, User, VerifyCode,
};
use shared::policy::PasswordPolicy;
use shared::rules::{Action, Denial};
use shared::ErrorCode;
use std::fmt;

/// HTTP methods for the generic helpers (`Method::GET`, `Method::PUT`, ...).
pub use gloo_net::http::Method;

/// Tells the server which surface a call comes from (SPEC section 2: the My Staff gate).
const SURFACE_HEADER: &str = "X-OpenStaff-Surface";
const SURFACE: &str = "my-staff";

/// Why an API call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The server answered with an RFC 9457 problem document.
    Problem {
        problem: Box<ProblemReply>,
        /// Seconds from a `Retry-After` header, when the server sent one.
        retry_after: Option<u64>,
    },
    /// The server could not be reached at all.
    Network,
    /// The server answered something that is not what the contract promises.
    Unexpected { status: u16 },
}

/// A problem document (`shared::dto::Problem`) as this build reads it. A server
/// newer than this build (a tab left open across an upgrade) may send a code this
/// build does not know: it reads as `None` and is explained by its status, instead
/// of failing the whole answer. For the same reason field errors are read without
/// their code; their message is what the person sees.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ProblemReply {
    pub status: u16,
    #[serde(deserialize_with = "known_code")]
    pub code: Option<ErrorCode>,
    #[serde(default)]
    pub errors: Vec<FieldMessage>,
}

/// One entry of a problem's (or an import row's) `errors`, without its code.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FieldMessage {
    pub field: String,
    pub message: String,
}

fn known_code<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ErrorCode>, D::Error> {
    Ok(String::deserialize(d)?.parse().ok())
}

impl ApiError {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Problem { problem, .. } => Some(problem.status),
            ApiError::Unexpected { status } => Some(*status),
            ApiError::Network => None,
        }
    }

    /// The problem `code`, when the server sent one this build knows.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiError::Problem { problem, .. } => problem.code,
            _ => None,
        }
    }

    /// True when the token is missing, expired or revoked: the caller must sign in again.
    /// A request for a recent sign-in is not that: the session is fine, the action
    /// only wants fresh proof (see [`ApiError::needs_reauthentication`]).
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401) && !self.needs_reauthentication()
    }

    /// True when a sensitive action wants a sign-in within the last few minutes
    /// (`reauthentication_required`): confirm who you are, then send it again.
    pub fn needs_reauthentication(&self) -> bool {
        self.code() == Some(ErrorCode::ReauthenticationRequired)
    }

    /// What to tell the person in front of the screen.
    pub fn message(&self) -> String {
        match self {
            ApiError::Network => {
                "We couldn't reach OpenStaff. Check your connection and try again.".to_owned()
            }
            ApiError::Problem {
                problem,
                retry_after,
            } => problem_message(problem, *retry_after),
            ApiError::Unexpected { status } => status_message(*status),
        }
    }
}

/// Words for every code, so a new [`ErrorCode`] does not compile until it has some.
/// The server's `detail` is never shown: it is for developers, and it may not suit
/// the person's situation.
fn problem_message(problem: &ProblemReply, retry_after: Option<u64>) -> String {
    let status = problem.status;
    let Some(code) = problem.code else {
        return unknown_code_message(problem, retry_after);
    };
    let text = match code {
        ErrorCode::InvalidCredentials => "That username and password don't match.",
        ErrorCode::RateLimited => return rate_limited_message(retry_after),
        ErrorCode::AccountLocked => {
            let wait = match retry_after {
                Some(s) if s > 0 => format!("Try again in {} minutes", s.div_ceil(60).max(1)),
                _ => "Try again later".to_owned(),
            };
            return format!("This account is locked after too many failed sign-ins. {wait}, or ask your manager to reset your password.");
        }
        ErrorCode::AccountDisabled => "This account is turned off. Ask your administrator for help.",
        ErrorCode::PasswordChangeRequired => {
            "You need to choose a new password before you can continue."
        }
        ErrorCode::MyStaffNotEnabled => {
            "My Staff isn't turned on for your account. Ask your administrator."
        }
        ErrorCode::NoAdminRole => "You don't have an administrator role yet.",
        ErrorCode::RoleNotPermitted
        | ErrorCode::TargetOutOfScope
        | ErrorCode::TargetInRestrictedUnit
        | ErrorCode::TargetIsAdmin
        | ErrorCode::TargetPrivileged
        | ErrorCode::SelfAction => match Denial::from_code(code) {
            Some(denial) => denial.message(Action::Read),
            None => return status_message(status),
        },
        ErrorCode::PreconditionFailed => {
            "Someone else changed these phone numbers at the same time. We've reloaded them; try again."
        }
        ErrorCode::MobileRequired => "Add a mobile number before an alternate mobile number.",
        ErrorCode::PhoneNumberInUse => "Another person already signs in with this mobile number.",
        ErrorCode::PhoneNumberIsYours => {
            "This is your own phone number. Enter the staff member's number."
        }
        ErrorCode::AlternateMobileDepends => {
            "Remove the alternate mobile number first, or change the mobile number instead."
        }
        ErrorCode::UpnTaken => {
            "Someone already signs in with that name. Choose another sign-in name."
        }
        ErrorCode::AlreadyMember => "That person is already a member of this location.",
        ErrorCode::AssignmentExists => "That person already holds this role there.",
        ErrorCode::LastOwnGlobalAdmin => {
            "You can't remove your own Global Administrator role. Ask another Global Administrator."
        }
        ErrorCode::MembershipNotPermitted => {
            "This location is restricted: only its own administrators can change its members."
        }
        ErrorCode::DirectoryAdminRequired => {
            "Only administrators for the whole organisation can do this."
        }
        ErrorCode::GlobalAdminRequired => "Only Global Administrators can change roles.",
        ErrorCode::MfaRequired => {
            "Administrators sign in with a second factor. Sign in through the OpenStaff sign-in page."
        }
        ErrorCode::PersonRequired => "This page is about a person, and an application is signed in.",
        ErrorCode::PasskeysUnavailable => {
            "Passkeys can't be used here: OpenStaff is reached at an IP address, not a name. Ask your administrator."
        }
        ErrorCode::ApplicationAdminRequired => {
            "Only Global Administrators can manage applications."
        }
        ErrorCode::ManagedByDirectory => {
            "Your company directory (Active Directory) owns this. Change it there: the next directory sync brings it here."
        }
        ErrorCode::DirectoryUnavailable => {
            "Your company directory (Active Directory) can't be reached right now, so nothing was changed. Try again in a few minutes."
        }
        ErrorCode::ReauthenticationRequired => {
            "For your security, confirm it's you: sign in again, then try once more."
        }
        ErrorCode::BadgeRevoked => {
            "This badge was revoked or replaced, so it can't be unlocked. Issue a new badge instead."
        }
        // Only the hosted sign-in page answers these (in its own words).
        ErrorCode::InvalidBadge
        | ErrorCode::InvalidPin
        | ErrorCode::BadgeExpired
        | ErrorCode::BadgeLocked => "This badge can't be used. Issue a new one if it was lost.",
        ErrorCode::ValidationFailed => return field_messages(problem),
        // The words for the status say it: the session ended (401), the thing is
        // gone (404), someone changed it meanwhile (409), or something failed that
        // the person cannot fix (requests this app never sends badly, server trouble).
        ErrorCode::MissingToken
        | ErrorCode::InvalidToken
        | ErrorCode::TokenRevoked
        | ErrorCode::TemporaryPasswordExpired
        | ErrorCode::NotFound
        | ErrorCode::Conflict
        | ErrorCode::IdempotencyConflict
        | ErrorCode::IdempotencyKeyReused
        | ErrorCode::InvalidCursor
        | ErrorCode::InvalidIdempotencyKey
        | ErrorCode::InvalidIfMatch
        | ErrorCode::InvalidQuery
        | ErrorCode::MalformedBody
        | ErrorCode::MalformedJson
        | ErrorCode::MethodNotAllowed
        | ErrorCode::PayloadTooLarge
        | ErrorCode::UnsupportedMediaType
        | ErrorCode::InternalError
        | ErrorCode::ServiceUnavailable => return status_message(status),
    };
    text.to_owned()
}

/// A code from a newer server: its field errors or its status say what they can.
fn unknown_code_message(problem: &ProblemReply, retry_after: Option<u64>) -> String {
    match problem.status {
        422 => field_messages(problem),
        429 => rate_limited_message(retry_after),
        status => status_message(status),
    }
}

/// The messages of a 422's field errors, joined (or the status's words if none).
fn field_messages(problem: &ProblemReply) -> String {
    if problem.errors.is_empty() {
        return status_message(problem.status);
    }
    problem
        .errors
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn rate_limited_message(retry_after: Option<u64>) -> String {
    match retry_after {
        Some(0) | None => "Too many attempts. Wait a moment and try again.".to_owned(),
        Some(1) => "Too many attempts. Wait a second and try again.".to_owned(),
        Some(s) if s < 120 => format!("Too many attempts. Wait {s} seconds and try again."),
        Some(s) => format!(
            "Too many attempts. Wait {} minutes and try again.",
            s.div_ceil(60)
        ),
    }
}

fn status_message(status: u16) -> String {
    match status {
        401 => "Your session has ended. Please sign in again.",
        403 => "You don't have permission to do that.",
        404 => "We couldn't find that. It may have been removed.",
        409 | 412 => "Someone else changed this at the same time. Reload and try again.",
        422 => "Some of the details aren't valid. Check them and try again.",
        429 => "Too many attempts. Wait a moment and try again.",
        500..=599 => "Something went wrong on our side. Try again in a moment.",
        _ => "Something unexpected happened. Try again in a moment.",
    }
    .to_owned()
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ApiError {}

// ---------------------------------------------------------------------------------
// The manager surface. These take the token from the session (see `send_raw`).
// ---------------------------------------------------------------------------------

/// How many rows a list asks for at a time.
pub const PAGE_SIZE: &str = "25";

/// `GET /api/v1/me` with the session's token.
pub async fn current_user() -> Result<Me, ApiError> {
    get_json("/api/v1/me").await
}

/// `GET /api/v1/me/applications`: what "My account" links to.
pub async fn my_applications() -> Result<Page<MyApplication>, ApiError> {
    get_json("/api/v1/me/applications").await
}

/// `GET /api/v1/me/phone-methods`: the caller's own numbers, masked.
pub async fn my_phone_methods() -> Result<PhoneMethods, ApiError> {
    get_json("/api/v1/me/phone-methods").await
}

/// `GET /api/v1/me/administrative-units` with the session's token.
pub async fn my_locations() -> Result<Page<AdministrativeUnit>, ApiError> {
    get_json("/api/v1/me/administrative-units").await
}

/// `GET /api/v1/administrative-units?search=`: locations across the organisation.
pub async fn search_locations(search: &str) -> Result<Page<AdministrativeUnit>, ApiError> {
    get_json(&with_query(
        "/api/v1/administrative-units",
        &[("search", search), ("limit", PAGE_SIZE)],
    ))
    .await
}

/// `GET /api/v1/users?search=`: people across the organisation.
pub async fn search_users(search: &str) -> Result<Page<User>, ApiError> {
    get_json(&with_query(
        "/api/v1/users",
        &[("search", search), ("limit", PAGE_SIZE)],
    ))
    .await
}

/// `GET /api/v1/administrative-units/{id}`.
pub async fn location(id: &str) -> Result<AdministrativeUnit, ApiError> {
    get_json(&format!("/api/v1/administrative-units/{}", encode(id))).await
}

/// `GET /api/v1/administrative-units/{id}/members?search=&cursor=`.
pub async fn location_members(
    id: &str,
    search: &str,
    cursor: Option<&str>,
) -> Result<Page<User>, ApiError> {
    get_json(&with_query(
        &format!("/api/v1/administrative-units/{}/members", encode(id)),
        &[
            ("search", search),
            ("limit", PAGE_SIZE),
            ("cursor", cursor.unwrap_or_default()),
        ],
    ))
    .await
}

/// `GET /api/v1/users/{id}`.
pub async fn user(id: &str) -> Result<User, ApiError> {
    get_json(&format!("/api/v1/users/{}", encode(id))).await
}

/// `GET /api/v1/users/{id}/access?action=`: why an action is (not) allowed.
pub async fn access(id: &str, action: Action) -> Result<AccessDecision, ApiError> {
    get_json(&with_query(
        &format!("/api/v1/users/{}/access", encode(id)),
        &[("action", action.id())],
    ))
    .await
}

/// `POST /api/v1/users/{id}/reset-password`.
pub async fn reset_password(
    id: &str,
    password: Option<String>,
) -> Result<ResetPasswordResponse, ApiError> {
    send_json(
        Method::POST,
        &format!("/api/v1/users/{}/reset-password", encode(id)),
        &ResetPasswordRequest { password },
    )
    .await
}

/// `POST /api/v1/me/password`.
pub async fn change_my_password(request: &ChangePasswordRequest) -> Result<(), ApiError> {
    send_raw(ApiRequest::new(Method::POST, "/api/v1/me/password").json(request)?)
        .await
        .map(|_| ())
}

/// `GET /api/v1/password-policy`.
pub async fn password_policy() -> Result<PasswordPolicy, ApiError> {
    get_json("/api/v1/password-policy").await
}

/// `GET /api/v1/users/{id}/phone-methods`; the body carries the ETag too.
pub async fn phone_methods(id: &str) -> Result<PhoneMethods, ApiError> {
    let (mut methods, etag) =
        get_json_with_etag::<PhoneMethods>(&format!("/api/v1/users/{}/phone-methods", encode(id)))
            .await?;
    if let Some(etag) = etag {
        methods.etag = etag;
    }
    Ok(methods)
}

/// `PUT /api/v1/users/{id}/phone-methods/{type}` with `If-Match`.
pub async fn set_phone_method(
    id: &str,
    kind: PhoneType,
    phone_number: String,
    etag: &str,
) -> Result<(), ApiError> {
    let path = format!("/api/v1/users/{}/phone-methods/{}", encode(id), kind.id());
    let request = ApiRequest::new(Method::PUT, path)
        .json(&SetPhoneMethod { phone_number })?
        .if_match(Some(etag));
    send_raw(request).await.map(|_| ())
}

/// `DELETE /api/v1/users/{id}/phone-methods/{type}` with `If-Match`.
pub async fn remove_phone_method(id: &str, kind: PhoneType, etag: &str) -> Result<(), ApiError> {
    let path = format!("/api/v1/users/{}/phone-methods/{}", encode(id), kind.id());
    send_raw(ApiRequest::new(Method::DELETE, path).if_match(Some(etag)))
        .await
        .map(|_| ())
}

/// `POST /api/v1/users/{id}/revoke-sessions`: signs the person out everywhere.
pub async fn revoke_sessions(id: String) -> Result<(), ApiError> {
    let path = format!("/api/v1/users/{}/revoke-sessions", encode(&id));
    send_empty(Method::POST, &path).await
}

/// `POST /api/v1/users/{id}/unlock`: clears the lockout after failed sign-ins.
pub async fn unlock(id: String) -> Result<(), ApiError> {
    let path = format!("/api/v1/users/{}/unlock", encode(&id));
    send_empty(Method::POST, &path).await
}

/// `POST /api/v1/users/{id}/require-reregistration`: removes the person's passkeys
/// and authenticator apps.
pub async fn require_reregistration(id: String) -> Result<(), ApiError> {
    let path = format!("/api/v1/users/{}/require-reregistration", encode(&id));
    send_empty(Method::POST, &path).await
}

/// `POST /api/v1/users/{id}/temporary-access-pass`: the pass, shown once.
pub async fn issue_temporary_access_pass(
    id: &str,
    request: &IssueTemporaryAccessPass,
) -> Result<TemporaryAccessPass, ApiError> {
    let path = format!("/api/v1/users/{}/temporary-access-pass", encode(id));
    send_json(Method::POST, &path, request).await
}

/// `DELETE /api/v1/users/{id}/temporary-access-pass`.
pub async fn revoke_temporary_access_pass(id: String) -> Result<(), ApiError> {
    let path = format!("/api/v1/users/{}/temporary-access-pass", encode(&id));
    send_empty(Method::DELETE, &path).await
}

/// `GET /api/v1/users/{id}/badges`: the person's sign-in badges, newest first.
pub async fn badges(id: &str) -> Result<Page<Badge>, ApiError> {
    get_json(&format!("/api/v1/users/{}/badges", encode(id))).await
}

/// `POST /api/v1/users/{id}/badges`: a new badge (the earlier one stops working),
/// its credential and printable SVG shown once.
pub async fn issue_badge(id: &str, request: &IssueBadge) -> Result<IssuedBadge, ApiError> {
    let path = format!("/api/v1/users/{}/badges", encode(id));
    send_json(Method::POST, &path, request).await
}

/// `DELETE /api/v1/users/{id}/badges/{badge}`.
pub async fn revoke_badge(id: String, badge: String) -> Result<(), ApiError> {
    let path = format!("/api/v1/users/{}/badges/{}", encode(&id), encode(&badge));
    send_empty(Method::DELETE, &path).await
}

/// `POST /api/v1/users/{id}/badges/{badge}/unlock`.
pub async fn unlock_badge(id: String, badge: String) -> Result<(), ApiError> {
    let path = format!(
        "/api/v1/users/{}/badges/{}/unlock",
        encode(&id),
        encode(&badge)
    );
    send_empty(Method::POST, &path).await
}

/// `GET /api/v1/users/{id}/authentication-methods`: kinds and dates, never secrets.
pub async fn user_authentication_methods(
    id: &str,
) -> Result<Page<AuthenticationMethodSummary>, ApiError> {
    get_json(&format!(
        "/api/v1/users/{}/authentication-methods",
        encode(id)
    ))
    .await
}

/// `GET /api/v1/me/authentication-methods`: the caller's own methods.
pub async fn my_authentication_methods() -> Result<Page<AuthenticationMethod>, ApiError> {
    get_json("/api/v1/me/authentication-methods").await
}

/// `POST /api/v1/me/authentication-methods/totp`: a new authenticator app, to be
/// confirmed with a code.
pub async fn register_totp() -> Result<TotpEnrolment, ApiError> {
    send_json(
        Method::POST,
        "/api/v1/me/authentication-methods/totp",
        &RegisterTotp::default(),
    )
    .await
}

/// `POST /api/v1/me/authentication-methods/{id}/verify`: the first code confirms it.
pub async fn verify_totp(id: &str, code: String) -> Result<AuthenticationMethod, ApiError> {
    let path = format!("/api/v1/me/authentication-methods/{}/verify", encode(id));
    send_json(Method::POST, &path, &VerifyCode { code }).await
}

/// `POST /api/v1/me/authentication-methods/passkey/options`: the WebAuthn options
/// for a new passkey, and the sealed ceremony to send back with it.
pub async fn passkey_options() -> Result<PasskeyRegistrationOptions, ApiError> {
    send_json(
        Method::POST,
        "/api/v1/me/authentication-methods/passkey/options",
        &serde_json::json!({}),
    )
    .await
}

/// `POST /api/v1/me/authentication-methods/passkey`: the browser's new credential.
pub async fn register_passkey(body: &RegisterPasskey) -> Result<AuthenticationMethod, ApiError> {
    send_json(
        Method::POST,
        "/api/v1/me/authentication-methods/passkey",
        body,
    )
    .await
}

/// `DELETE /api/v1/me/authentication-methods/{id}` with a current code.
pub async fn remove_my_method(id: &str, code: String) -> Result<(), ApiError> {
    let path = format!("/api/v1/me/authentication-methods/{}", encode(id));
    send_raw(ApiRequest::new(Method::DELETE, path).json(&VerifyCode { code })?)
        .await
        .map(|_| ())
}

// ---------------------------------------------------------------------------------
// Generic helpers. They take the bearer token from the tab's [`Session`] and sign the
// tab out when the server answers 401, so callers only deal with data and `ApiError`.
// ---------------------------------------------------------------------------------

/// A successful answer kept raw: for ETags, CSV bodies and other non-JSON needs.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    /// The `ETag` header, verbatim (quotes included), for a later `If-Match`.
    pub etag: Option<String>,
    pub content_type: Option<String>,
    /// `Content-Disposition`, when the server suggests a file name.
    pub content_disposition: Option<String>,
    pub text: String,
}

impl RawResponse {
    /// Parses the body as JSON (an empty body reads as JSON `null`).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        let text = if self.text.trim().is_empty() {
            "null"
        } else {
            self.text.as_str()
        };
        serde_json::from_str(text).map_err(|_| ApiError::Unexpected {
            status: self.status,
        })
    }
}

/// One request for [`send_raw`]: method, path (with query), optional JSON body and
/// extra headers such as `If-Match` or `Accept: text/csv`.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub method: Method,
    pub path: String,
    pub body: Option<String>,
    pub headers: Vec<(String, String)>,
}

impl ApiRequest {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            body: None,
            headers: Vec::new(),
        }
    }

    /// Adds a JSON body.
    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Result<Self, ApiError> {
        self.body =
            Some(serde_json::to_string(body).map_err(|_| ApiError::Unexpected { status: 0 })?);
        Ok(self)
    }

    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds `If-Match` when there is an ETag to match.
    pub fn if_match(self, etag: Option<&str>) -> Self {
        match etag {
            Some(tag) => self.header("If-Match", tag),
            None => self,
        }
    }
}

/// Sends any request with the surface header and the session's bearer token; a 2xx
/// comes back raw, anything else as an [`ApiError`]. A token about to expire is
/// renewed first, and a refused one renewed once and the request tried again; when
/// it cannot be, the tab forgets the session and the page guards send the person to
/// sign in.
pub async fn send_raw(request: ApiRequest) -> Result<RawResponse, ApiError> {
    with_session(|| send_once(&request)).await
}

/// Runs `send` with a fresh token, renewing once and trying again when it is
/// refused; forgets the session when that fails.
async fn with_session<F, Fut>(send: F) -> Result<RawResponse, ApiError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<RawResponse, ApiError>>,
{
    crate::auth::ensure_fresh().await;
    match send().await {
        Err(e) if e.is_unauthorized() => {
            if crate::auth::renew().await {
                let again = send().await;
                if !matches!(&again, Err(e) if e.is_unauthorized()) {
                    return again;
                }
            }
            if let Some(s) = Session::current() {
                s.forget();
            }
            Err(e)
        }
        other => other,
    }
}

async fn send_once(request: &ApiRequest) -> Result<RawResponse, ApiError> {
    let mut builder = surface(Request::get(&request.path).method(request.method.clone()));
    if let Some(token) = current_token() {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let built = match &request.body {
        Some(body) => builder
            .header("Content-Type", "application/json")
            .body(body.clone()),
        None => builder.build(),
    };
    answer(built).await
}

/// Sends a built request; a 2xx comes back raw, anything else as an [`ApiError`].
async fn answer(built: Result<Request, gloo_net::Error>) -> Result<RawResponse, ApiError> {
    let built = built.map_err(|_| ApiError::Unexpected { status: 0 })?;
    let response = built.send().await.map_err(|_| ApiError::Network)?;
    if !response.ok() {
        return Err(problem_of(response).await);
    }
    let headers = response.headers();
    Ok(RawResponse {
        status: response.status(),
        etag: headers.get("ETag"),
        content_type: headers.get("Content-Type"),
        content_disposition: headers.get("Content-Disposition"),
        text: response.text().await.map_err(|_| ApiError::Network)?,
    })
}

/// `GET path` → JSON.
pub async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    send_raw(ApiRequest::new(Method::GET, path)).await?.json()
}

/// `GET path` → JSON and the `ETag` header.
pub async fn get_json_with_etag<T: DeserializeOwned>(
    path: &str,
) -> Result<(T, Option<String>), ApiError> {
    let raw = send_raw(ApiRequest::new(Method::GET, path)).await?;
    Ok((raw.json()?, raw.etag))
}

/// `GET path` with `Accept: accept` → the body as text (e.g. `text/csv`).
pub async fn get_text(path: &str, accept: &str) -> Result<RawResponse, ApiError> {
    send_raw(ApiRequest::new(Method::GET, path).header("Accept", accept)).await
}

/// `method path` with a JSON body → JSON.
pub async fn send_json<B: Serialize + ?Sized, T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    send_raw(ApiRequest::new(method, path).json(body)?)
        .await?
        .json()
}

/// `method path` without a body, ignoring whatever the server answers on success
/// (typically 204).
pub async fn send_empty(method: Method, path: &str) -> Result<(), ApiError> {
    send_raw(ApiRequest::new(method, path)).await.map(|_| ())
}

/// Percent-encodes one query-string value.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Builds `path?k=v&...`, skipping empty values and encoding the rest.
pub fn with_query(path: &str, params: &[(&str, &str)]) -> String {
    let query: Vec<String> = params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

fn current_token() -> Option<String> {
    Session::current().and_then(|s| s.token_untracked())
}

async fn problem_of(response: Response) -> ApiError {
    let status = response.status();
    let retry_after = response
        .headers()
        .get("Retry-After")
        .and_then(|v| v.trim().parse::<u64>().ok());
    let problem = match response.text().await {
        Ok(text) => serde_json::from_str::<ProblemReply>(&text).ok(),
        Err(_) => None,
    };
    match problem {
        Some(problem) => ApiError::Problem {
            problem: Box::new(problem),
            retry_after,
        },
        None => ApiError::Unexpected { status },
    }
}

fn surface(builder: RequestBuilder) -> RequestBuilder {
    builder
        .header(SURFACE_HEADER, SURFACE)
        .header("Accept", "application/json")
}

/// `method path` with a non-JSON body (a picked CSV file, say) sent as `content_type`
/// → JSON. Same token, surface header and 401 handling as [`send_raw`].
pub async fn send_blob<T: DeserializeOwned>(
    method: Method,
    path: &str,
    content_type: &str,
    body: &web_sys::Blob,
) -> Result<T, ApiError> {
    let send = || {
        let mut builder =
            surface(Request::get(path).method(method.clone())).header("Content-Type", content_type);
        if let Some(token) = current_token() {
            builder = builder.header("Authorization", &format!("Bearer {token}"));
        }
        answer(builder.body(body.clone()))
    };
    with_session(send).await?.json()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A problem as the server sends it, read the way [`problem_of`] reads it.
    fn problem(status: u16, code: &str) -> ApiError {
        let json = serde_json::json!({
            "type": format!("https://openstaff.dev/problems/{code}"),
            "title": "t",
            "status": status,
            "detail": "{\"raw\": true}",
            "code": code,
        });
        ApiError::Problem {
            problem: Box::new(serde_json::from_value(json).unwrap()),
            retry_after: None,
        }
    }

    #[test]
    fn queries_are_encoded_and_empty_values_skipped() {
        assert_eq!(
            with_query("/api/v1/users", &[("search", "jo sm&x"), ("cursor", "")]),
            "/api/v1/users?search=jo%20sm%26x"
        );
        assert_eq!(with_query("/a", &[("search", "")]), "/a");
        assert_eq!(encode("Léa"), "L%C3%A9a");
    }

    #[test]
    fn known_codes_read_as_plain_words() {
        assert_eq!(
            problem(401, "invalid_credentials").message(),
            "That username and password don't match."
        );
        assert!(problem(429, "rate_limited")
            .message()
            .starts_with("Too many attempts"));
        assert_eq!(
            problem(409, "already_member").message(),
            "That person is already a member of this location."
        );
    }

    #[test]
    fn rate_limit_uses_retry_after() {
        let mut e = problem(429, "rate_limited");
        if let ApiError::Problem { retry_after, .. } = &mut e {
            *retry_after = Some(30);
        }
        assert_eq!(
            e.message(),
            "Too many attempts. Wait 30 seconds and try again."
        );
        assert_eq!(
            rate_limited_message(Some(600)),
            "Too many attempts. Wait 10 minutes and try again."
        );
    }

    #[test]
    fn a_locked_account_says_how_long() {
        let mut e = problem(423, "account_locked");
        if let ApiError::Problem { retry_after, .. } = &mut e {
            *retry_after = Some(61);
        }
        assert!(
            e.message().contains("Try again in 2 minutes"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn unknown_codes_never_leak_server_text() {
        for status in [400, 401, 403, 404, 409, 412, 422, 500, 503] {
            let msg = problem(status, "something_new").message();
            assert!(!msg.contains('{'), "{status}: {msg}");
            assert!(!msg.is_empty());
        }
        assert!(problem(401, "token_expired").is_unauthorized());
        // The session is fine: only the action wants a fresh sign-in.
        assert!(!problem(401, "reauthentication_required").is_unauthorized());
        assert!(problem(401, "reauthentication_required").needs_reauthentication());
        assert!(!problem(403, "forbidden").is_unauthorized());
    }

    #[test]
    fn a_newer_servers_codes_still_read() {
        let json = r#"{"type": "t", "title": "t", "status": 422, "detail": "d",
            "code": "brand_new", "errors": [{"field": "x", "code": "also_new", "message": "Fix x."}]}"#;
        let read: ProblemReply = serde_json::from_str(json).unwrap();
        assert_eq!(read.code, None);
        let e = ApiError::Problem {
            problem: Box::new(read),
            retry_after: None,
        };
        assert_eq!(e.message(), "Fix x.");
        assert_eq!(problem(404, "not_found").code(), Some(ErrorCode::NotFound));
    }

    #[test]
    fn every_code_has_words() {
        for code in ErrorCode::ALL {
            let msg = problem(400, code.as_str()).message();
            assert!(!msg.is_empty() && !msg.contains('{'), "{code}: {msg}");
        }
        assert_eq!(
            problem(403, "target_out_of_scope").message(),
            Denial::OutOfScope.message(Action::Read)
        );
    }
}
