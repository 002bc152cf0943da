//! The one typed client for the OpenStaff REST API.
//!
//! Every call goes through [`send`], so every request carries the surface header and
//! every failure becomes an [`ApiError`] that knows how to explain itself in plain
//! words; pages never see raw JSON or HTTP details.

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use shared::dto::{AdministrativeUnit, Me, Page, Problem, TokenRequest, TokenResponse};
use std::fmt;

/// Tells the server which surface a call comes from (SPEC section 2: the My Staff gate).
const SURFACE_HEADER: &str = "X-OpenStaff-Surface";
const SURFACE: &str = "my-staff";

/// Why an API call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The server answered with an RFC 9457 problem document.
    Problem {
        problem: Box<Problem>,
        /// Seconds from a `Retry-After` header, when the server sent one.
        retry_after: Option<u64>,
    },
    /// The server could not be reached at all.
    Network,
    /// The server answered something that is not what the contract promises.
    Unexpected { status: u16 },
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

    /// The stable problem `code`, when there is one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Problem { problem, .. } => Some(problem.code.as_str()),
            _ => None,
        }
    }

    /// True when the token is missing, expired or revoked: the caller must sign in again.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
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

fn problem_message(problem: &Problem, retry_after: Option<u64>) -> String {
    match problem.code.as_str() {
        "invalid_credentials" => "That username and password don't match.".to_owned(),
        "rate_limited" => rate_limited_message(retry_after),
        "account_locked" => {
            let wait = match retry_after {
                Some(s) if s > 0 => format!("Try again in {} minutes", s.div_ceil(60).max(1)),
                _ => "Try again later".to_owned(),
            };
            format!("This account is locked after too many failed sign-ins. {wait}, or ask your manager to reset your password.")
        }
        "account_disabled" => {
            "This account is turned off. Ask your administrator for help.".to_owned()
        }
        "password_change_required" => {
            "You need to choose a new password before you can continue.".to_owned()
        }
        "my_staff_not_enabled" => {
            "My Staff isn't turned on for your account. Ask your administrator.".to_owned()
        }
        "no_admin_role" => "You don't have an administrator role yet.".to_owned(),
        _ if problem.status == 422 && !problem.errors.is_empty() => problem
            .errors
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        _ if problem.status == 429 => rate_limited_message(retry_after),
        _ => status_message(problem.status),
    }
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

/// `POST /api/v1/auth/token`.
pub async fn request_token(body: &TokenRequest) -> Result<TokenResponse, ApiError> {
    let request = surface(Request::post("/api/v1/auth/token"))
        .json(body)
        .map_err(|_| ApiError::Unexpected { status: 0 })?;
    read(request.send().await).await
}

/// `GET /api/v1/me`.
pub async fn me(token: &str) -> Result<Me, ApiError> {
    get(token, "/api/v1/me").await
}

/// `GET /api/v1/me/administrative-units`: the locations the caller looks after.
pub async fn my_administrative_units(token: &str) -> Result<Page<AdministrativeUnit>, ApiError> {
    get(token, "/api/v1/me/administrative-units").await
}

fn surface(builder: RequestBuilder) -> RequestBuilder {
    builder
        .header(SURFACE_HEADER, SURFACE)
        .header("Accept", "application/json")
}

async fn get<T: DeserializeOwned>(token: &str, path: &str) -> Result<T, ApiError> {
    let request = surface(Request::get(path)).header("Authorization", &format!("Bearer {token}"));
    read(request.send().await).await
}

async fn read<T: DeserializeOwned>(sent: Result<Response, gloo_net::Error>) -> Result<T, ApiError> {
    let response = sent.map_err(|_| ApiError::Network)?;
    let status = response.status();
    if response.ok() {
        return response
            .json::<T>()
            .await
            .map_err(|_| ApiError::Unexpected { status });
    }
    let retry_after = response
        .headers()
        .get("Retry-After")
        .and_then(|v| v.trim().parse::<u64>().ok());
    match response.json::<Problem>().await {
        Ok(problem) => Err(ApiError::Problem {
            problem: Box::new(problem),
            retry_after,
        }),
        Err(_) => Err(ApiError::Unexpected { status }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(status: u16, code: &str) -> ApiError {
        ApiError::Problem {
            problem: Box::new(Problem {
                type_: format!("https://openstaff.dev/problems/{code}"),
                title: "t".into(),
                status,
                detail: "{\"raw\": true}".into(),
                code: code.into(),
                errors: vec![],
            }),
            retry_after: None,
        }
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
        assert!(!problem(403, "forbidden").is_unauthorized());
    }
}
