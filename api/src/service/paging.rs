//! List paging as the API takes it: `?search=&limit=&cursor=`, validated once.

use crate::error::{ApiError, ApiResult};
use crate::store::{decode_cursor, encode_cursor};
use shared::dto::Page;
use shared::{ErrorCode, FieldErrorCode};

/// List paging as the API takes it.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub search: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// A validated page request.
pub struct Paging {
    pub terms: Vec<String>,
    pub after: crate::store::search::sql::After,
    pub limit: i64,
}

/// A list's `limit`: 1 to [`MAX_LIMIT`], [`DEFAULT_LIMIT`] when absent.
pub fn page_limit(limit: Option<u32>) -> ApiResult<i64> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(l) if (1..=MAX_LIMIT).contains(&i64::from(l)) => Ok(i64::from(l)),
        Some(_) => Err(ApiError::field(
            "limit",
            FieldErrorCode::OutOfRange,
            format!("limit must be between 1 and {MAX_LIMIT}."),
        )),
    }
}

impl PageRequest {
    pub fn parse(&self) -> ApiResult<Paging> {
        let limit = page_limit(self.limit)?;
        let after = match self.cursor.as_deref() {
            None => None,
            Some(c) => Some(decode_cursor(c).ok_or_else(|| {
                ApiError::bad_request(
                    ErrorCode::InvalidCursor,
                    "The cursor is not one this server issued.",
                )
            })?),
        };
        let search = self.search.as_deref().unwrap_or("");
        if search.chars().count() > 200 {
            return Err(ApiError::field(
                "search",
                FieldErrorCode::TooLong,
                "search must be at most 200 characters.",
            ));
        }
        Ok(Paging {
            terms: crate::store::search::query_terms(search),
            after,
            limit,
        })
    }
}

/// Cuts a fetched `limit + 1` rows to a page and its cursor.
pub fn page_of<R, T>(
    mut rows: Vec<R>,
    limit: i64,
    key: impl Fn(&R) -> (String, String),
    map: impl FnOnce(Vec<R>) -> Vec<T>,
) -> Page<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next_cursor = if more {
        rows.last().map(|r| {
            let (k, id) = key(r);
            encode_cursor(&k, &id)
        })
    } else {
        None
    };
    Page {
        items: map(rows),
        next_cursor,
    }
}

/// An id from the request path; one that cannot be an id names nothing (404).
pub fn parse_id<T>(raw: &str, what: &str) -> ApiResult<T>
where
    T: std::str::FromStr<Err = uuid::Error>,
{
    raw.parse()
        .map_err(|_| ApiError::NotFound(format!("No {what} has this id.")))
}

/// Marks a search cursor that resumes at its row rather than after it (sort keys
/// never hold control characters).
pub(crate) const RESUME_MARK: char = '\u{2}';
