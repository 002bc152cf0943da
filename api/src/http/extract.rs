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

fn json_error(err: JsonPayloadError) -> ApiError {
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
pub async fn read_body<S>(mut payload: S, limit: usize) -> Result<Vec<u8>, ApiError>
where
    S: futures_util::Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>> + Unpin,
{
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

/// Parses a JSON body read by hand, with the same errors as [`JsonObject`]. The
/// document declares every body as an object, so only an object is read: serde would
/// otherwise take a struct from an array (`[null, null]`) too.
pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b != b'{') {
        // Text that is not JSON at all is a 400, like any other syntax error.
        serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
            .map_err(|e| json_error(JsonPayloadError::Deserialize(e)))?;
        return Err(ApiError::field(
            "body",
            FieldErrorCode::InvalidBody,
            "The request body must be a JSON object.",
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| json_error(JsonPayloadError::Deserialize(e)))
}

/// The largest JSON body a handler reads (`serve --max-body-bytes`), as app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// Whether the request says its body is JSON (`application/json` or `*/*+json`).
fn is_json(req: &HttpRequest) -> bool {
    use actix_web::{mime, HttpMessage};
    let Ok(Some(mime)) = req.mime_type() else {
        return false;
    };
    mime.type_() == mime::APPLICATION
        && (mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
}

/// A JSON object request body: `415` unless the request says it is JSON, `413` past
/// the body limit, `400` for JSON that does not parse and `422` for a JSON value that
/// is not an object of the declared shape.
pub struct JsonObject<T>(pub T);

impl<T> JsonObject<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for JsonObject<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// Reads a JSON object body; `None` for an empty one when it is `optional`.
fn read_object<T: serde::de::DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: &mut actix_web::dev::Payload,
    optional: bool,
) -> futures_util::future::LocalBoxFuture<'static, Result<Option<T>, ApiError>> {
    let json = is_json(req);
    let limit = req.app_data::<BodyLimit>().map_or(64 * 1024, |l| l.0);
    let payload = payload.take();
    Box::pin(async move {
        // A required body is refused on its type before it is read.
        if !json && !optional {
            return Err(not_json());
        }
        let body = read_body(payload, limit).await?;
        if optional && body.is_empty() {
            return Ok(None);
        }
        if !json {
            return Err(not_json());
        }
        parse_json(&body).map(Some)
    })
}

fn not_json() -> ApiError {
    ApiError::UnsupportedMediaType("Send the body as application/json.".to_owned())
}

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for JsonObject<T> {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let read = read_object(req, payload, false);
        Box::pin(async move {
            let value = read.await?.ok_or_else(not_json)?;
            Ok(JsonObject(value))
        })
    }
}

/// An optional JSON object body: absent (empty, whatever the `Content-Type`) or a
/// [`JsonObject`].
pub struct OptionalJsonObject<T>(pub Option<T>);

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for OptionalJsonObject<T> {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let read = read_object(req, payload, true);
        Box::pin(async move { read.await.map(OptionalJsonObject) })
    }
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

/// A request header as text when present, with bytes that are not UTF-8 replaced
/// (so a value that is not visible ASCII fails its own check instead of passing for
/// an absent header).
pub fn header_lossy(req: &HttpRequest, name: header::HeaderName) -> Option<String> {
    req.headers()
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
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
