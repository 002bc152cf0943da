//! Reading requests: extractor error handlers that answer problem documents (and never
//! echo a submitted value, which may be a secret), and bodies read by hand.

use crate::error::ApiError;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header;
use actix_web::{web, HttpRequest};
use shared::{ErrorCode, FieldErrorCode};

fn sanitize_serde(msg: &str) -> String {
    // serde echoes the offending value ("invalid type: string \"hunter2\", expected a
    // boolean"), which may be a secret: keep only its kind and what was expected.
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = msg.strip_prefix(prefix) {
            let (found, tail) = rest.split_once(", expected").unwrap_or((rest, ""));
            let kind = found.split_whitespace().next().unwrap_or("value");
            let kind = kind.trim_matches(|c: char| !c.is_alphanumeric());
            return format!("{prefix}{kind}, expected{tail}");
        }
    }
    if let Some(rest) = msg.strip_prefix("unknown variant `") {
        if let Some((_, tail)) = rest.split_once('`') {
            return format!("unknown variant{tail}");
        }
    }
    msg.to_owned()
}

pub fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::PayloadTooLarge
        }
        JsonPayloadError::ContentType => {
            ApiError::UnsupportedMediaType("Send the body as application/json.".to_owned())
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::field(
            "body",
            FieldErrorCode::InvalidBody,
            format!(
                "The request body is not valid: {}.",
                sanitize_serde(&e.to_string())
            ),
        ),
        JsonPayloadError::Deserialize(e) => ApiError::bad_request(
            ErrorCode::MalformedJson,
            format!(
                "The request body is not valid JSON (line {}, column {}).",
                e.line(),
                e.column()
            ),
        ),
        _ => ApiError::bad_request(
            ErrorCode::MalformedBody,
            "The request body could not be read.",
        ),
    }
}

/// Reads a body of at most `limit` bytes, answering 413 past it.
pub async fn read_body(mut payload: web::Payload, limit: usize) -> Result<Vec<u8>, ApiError> {
    use futures_util::StreamExt;
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::bad_request(
                ErrorCode::MalformedBody,
                "The request body could not be read.",
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Parses a JSON body read by hand, with the same errors as the `Json` extractor.
pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| json_error(JsonPayloadError::Deserialize(e)))
}

pub fn query_error(err: QueryPayloadError) -> ApiError {
    let msg = match &err {
        QueryPayloadError::Deserialize(e) => sanitize_serde(&e.to_string()),
        _ => "unreadable query string".to_owned(),
    };
    ApiError::bad_request(
        ErrorCode::InvalidQuery,
        format!("The query string is not valid: {msg}."),
    )
}

pub fn path_error(_: PathError) -> ApiError {
    ApiError::NotFound("There is nothing at this address.".to_owned())
}

/// A request header as text, when present and readable.
pub fn header_str(req: &HttpRequest, name: header::HeaderName) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::sanitize_serde;

    #[test]
    fn echoed_values_are_removed_from_serde_messages() {
        for (raw, want) in [
            (
                "invalid type: string \"Secret-1\", expected a boolean at line 1 column 9",
                "invalid type: string, expected a boolean at line 1 column 9",
            ),
            (
                "invalid type: integer `12345`, expected a string",
                "invalid type: integer, expected a string",
            ),
            (
                "invalid value: string \"x\", expected RFC 3339",
                "invalid value: string, expected RFC 3339",
            ),
            (
                "unknown variant `hunter2`, expected `cloud` or `on_premises`",
                "unknown variant, expected `cloud` or `on_premises`",
            ),
            ("missing field `password`", "missing field `password`"),
        ] {
            assert_eq!(sanitize_serde(raw), want);
        }
    }
}
