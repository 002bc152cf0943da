//! One error type for every endpoint, rendered as RFC 9457 problem+json.
//!
//! Unexpected errors are logged with their cause and answered with a generic 500
//! whose body never carries the cause text.

use crate::store::StoreError;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use shared::dto::{FieldError, Problem};
use shared::{ErrorCode, FieldErrorCode};

pub const PROBLEM_BASE: &str = "https://openstaff.dev/problems/";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request could not be read (malformed JSON, bad query, bad id).
    #[error("{detail}")]
    BadRequest { code: ErrorCode, detail: String },
    /// 401: no credentials, or credentials that do not verify.
    #[error("{detail}")]
    Unauthorized { code: ErrorCode, detail: String },
    /// 403: authenticated but not allowed.
    #[error("{detail}")]
    Forbidden { code: ErrorCode, detail: String },
    /// 404
    #[error("{0}")]
    NotFound(String),
    /// 405
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409
    #[error("{detail}")]
    Conflict { code: ErrorCode, detail: String },
    /// 413
    #[error("request body too large")]
    PayloadTooLarge,
    /// 415
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: well-formed but invalid; lists each invalid field.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 401 with Retry-After: too many failed sign-ins.
    #[error("account locked")]
    Locked { retry_after_secs: u64 },
    /// 412: If-Match did not match.
    #[error("precondition failed")]
    PreconditionFailed,
    /// 429
    #[error("too many requests")]
    RateLimited { retry_after_secs: u64 },
    /// 503: the database is unreachable.
    #[error("service unavailable")]
    Unavailable,
    /// 503: the on-premises directory did not answer (in time); nothing was changed.
    #[error("directory unavailable")]
    DirectoryUnavailable,
    /// 500: logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn bad_request(code: ErrorCode, detail: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code,
            detail: detail.into(),
        }
    }

    pub fn forbidden(code: ErrorCode, detail: impl Into<String>) -> Self {
        ApiError::Forbidden {
            code,
            detail: detail.into(),
        }
    }

    pub fn unauthorized(code: ErrorCode, detail: impl Into<String>) -> Self {
        ApiError::Unauthorized {
            code,
            detail: detail.into(),
        }
    }

    pub fn conflict(code: ErrorCode, detail: impl Into<String>) -> Self {
        ApiError::Conflict {
            code,
            detail: detail.into(),
        }
    }

    pub fn field(field: &str, code: FieldErrorCode, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError {
            field: field.to_owned(),
            code,
            message: message.into(),
        }])
    }

    fn parts(&self) -> (ErrorCode, String) {
        match self {
            ApiError::BadRequest { code, detail }
            | ApiError::Unauthorized { code, detail }
            | ApiError::Forbidden { code, detail }
            | ApiError::Conflict { code, detail } => (*code, detail.clone()),
            ApiError::NotFound(what) => (ErrorCode::NotFound, what.clone()),
            ApiError::MethodNotAllowed => (
                ErrorCode::MethodNotAllowed,
                "This path does not accept that HTTP method.".to_owned(),
            ),
            ApiError::PayloadTooLarge => (
                ErrorCode::PayloadTooLarge,
                "The request body is larger than the server accepts.".to_owned(),
            ),
            ApiError::UnsupportedMediaType(d) => (ErrorCode::UnsupportedMediaType, d.clone()),
            ApiError::Validation(errors) => (
                ErrorCode::ValidationFailed,
                errors
                    .iter()
                    .map(|e| e.message.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            ApiError::Locked { retry_after_secs } => (
                ErrorCode::AccountLocked,
                format!(
                    "This account is locked after too many failed sign-ins. Try again in {} minutes, or ask your manager to reset your password.",
                    retry_after_secs.div_ceil(60)
                ),
            ),
            ApiError::PreconditionFailed => (
                ErrorCode::PreconditionFailed,
                "Someone changed this in the meantime. Reload and try again.".to_owned(),
            ),
            ApiError::RateLimited { retry_after_secs } => (
                ErrorCode::RateLimited,
                format!("Too many attempts. Try again in {retry_after_secs} seconds."),
            ),
            ApiError::Unavailable => (
                ErrorCode::ServiceUnavailable,
                "The service cannot reach its database right now. Try again shortly.".to_owned(),
            ),
            ApiError::DirectoryUnavailable => (
                ErrorCode::DirectoryUnavailable,
                "The company directory (Active Directory) cannot be reached right now, so nothing was changed. Try again in a few minutes.".to_owned(),
            ),
            ApiError::Internal(_) => (
                ErrorCode::InternalError,
                "Something went wrong on our side. The error has been logged.".to_owned(),
            ),
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let (code, detail) = self.parts();
        Problem {
            type_: format!("{PROBLEM_BASE}{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            code,
            errors: match self {
                ApiError::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Locked { .. } => StatusCode::UNAUTHORIZED,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable | ApiError::DirectoryUnavailable => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(err) = self {
            tracing::error!(error = format!("{err:#}"), "internal error");
        }
        let mut resp = HttpResponse::build(self.status_code());
        resp.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        match self {
            ApiError::Unauthorized { code, .. } => {
                let value = if *code == ErrorCode::MissingToken {
                    "Bearer realm=\"openstaff\"".to_owned()
                } else {
                    "Bearer realm=\"openstaff\", error=\"invalid_token\"".to_owned()
                };
                resp.insert_header((header::WWW_AUTHENTICATE, value));
            }
            ApiError::RateLimited { retry_after_secs } => {
                resp.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::Locked { retry_after_secs } => {
                resp.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
                resp.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"openstaff\""));
            }
            ApiError::Unavailable => {
                resp.insert_header((header::RETRY_AFTER, "5"));
            }
            ApiError::DirectoryUnavailable => {
                resp.insert_header((header::RETRY_AFTER, "30"));
            }
            _ => {}
        }
        resp.json(self.problem())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => ApiError::conflict(
                ErrorCode::Conflict,
                "This would duplicate something that already exists.",
            ),
            StoreError::ForeignKey => ApiError::conflict(
                ErrorCode::Conflict,
                "This refers to something that no longer exists.",
            ),
            StoreError::Other(err) if is_unavailable(&err) => {
                tracing::warn!(error = %err, "database unavailable");
                ApiError::Unavailable
            }
            StoreError::Other(err) => ApiError::Internal(err.into()),
        }
    }
}

/// The database is down or restarting (rather than the query being wrong).
fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => true,
        // PostgreSQL: 57P* operator intervention (shutdown), 08* connection exception.
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("57P") || c.starts_with("08")),
        sqlx::Error::Protocol(_) | sqlx::Error::WorkerCrashed => true,
        _ => false,
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
