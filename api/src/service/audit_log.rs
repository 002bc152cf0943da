//! Reading the audit trail: directory-wide admins see every event; a manager sees
//! the events whose targets were in one of her locations (which Entra cannot do).

use crate::auth::AuthContext;
use crate::error::{ApiError, ApiResult};
use crate::service::authz::require_reader;
use crate::state::AppState;
use crate::store::audit::{self as rows, AuditFilter, AuditRow};
use crate::store::{decode_cursor, encode_cursor};
use crate::time::Micros;
use chrono::{DateTime, Utc};
use shared::audit::{Activity, Outcome};
use shared::dto::{AuditEvent, AuditInitiator, AuditInitiatorApp, AuditTarget, Page};
use shared::{ErrorCode, FieldErrorCode, Scope, UnknownValue};
use std::str::FromStr;

/// Query of `GET /audit-logs`, as received.
#[derive(Debug, Default, Clone)]
pub struct AuditQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub activity: Option<String>,
    pub actor: Option<String>,
    pub target: Option<String>,
    pub result: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

fn time(field: &str, raw: Option<&str>) -> ApiResult<Option<Micros>> {
    raw.map(|s| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| Micros::from_datetime(t.with_timezone(&Utc)))
            .map_err(|_| {
                ApiError::field(
                    field,
                    FieldErrorCode::InvalidValue,
                    format!("{field} must be an RFC 3339 time such as 2026-11-27T09:00:00Z."),
                )
            })
    })
    .transpose()
}

fn uuid_filter(field: &str, raw: Option<&str>) -> ApiResult<Option<String>> {
    raw.map(|s| {
        uuid::Uuid::parse_str(s)
            .map(|u| u.to_string())
            .map_err(|_| {
                ApiError::field(
                    field,
                    FieldErrorCode::InvalidValue,
                    format!("{field} must be an id."),
                )
            })
    })
    .transpose()
}

/// Turns the query into a filter limited to what the caller may see.
fn filter(ctx: &AuthContext, q: &AuditQuery) -> ApiResult<AuditFilter> {
    let result = match q.result.as_deref() {
        None => None,
        Some(r) => Some(r.parse::<Outcome>().map_err(|_| {
            ApiError::field(
                "result",
                FieldErrorCode::InvalidValue,
                "result must be success or failure.",
            )
        })?),
    };
    let tenant_wide = ctx
        .principal
        .grants
        .iter()
        .any(|g| g.scope == Scope::Directory);
    let unit_ids = if tenant_wide {
        None
    } else {
        let mut ids: Vec<String> = ctx
            .grants()
            .iter()
            .filter_map(|g| g.scope.unit_id())
            .map(|u| u.to_string())
            .collect();
        ids.sort();
        ids.dedup();
        Some(ids)
    };
    let before_seq = match q.cursor.as_deref() {
        None => None,
        Some(c) => Some(
            decode_cursor(c)
                .and_then(|(k, _)| k.parse::<i64>().ok())
                .ok_or_else(|| {
                    ApiError::bad_request(
                        ErrorCode::InvalidCursor,
                        "The cursor is not one this server issued.",
                    )
                })?,
        ),
    };
    Ok(AuditFilter {
        unit_ids,
        from: time("from", q.from.as_deref())?,
        to: time("to", q.to.as_deref())?,
        activity: q
            .activity
            .as_deref()
            .map(|a| {
                a.parse::<Activity>().map_err(|_| {
                    ApiError::field(
                        "activity",
                        FieldErrorCode::InvalidValue,
                        "activity must be one of the audited activities, such as Reset password (by admin).",
                    )
                })
            })
            .transpose()?
            .map(|a| a.as_str().to_owned()),
        actor_id: uuid_filter("actor", q.actor.as_deref())?,
        target_id: uuid_filter("target", q.target.as_deref())?,
        result: result.map(|r| r.as_str().to_owned()),
        before_seq,
    })
}

/// A stored value that this version does not know: written by a newer version, or
/// edited (which `openstaff audit verify` would report).
fn known<T: FromStr<Err = UnknownValue>>(id: &str, stored: &str) -> ApiResult<T> {
    stored
        .parse()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("audit event {id}: {e}")))
}

fn dto(row: AuditRow) -> ApiResult<AuditEvent> {
    Ok(AuditEvent {
        activity: known(&row.id, &row.activity)?,
        category: known(&row.id, &row.category)?,
        result: known(&row.id, &row.result)?,
        id: row.id,
        activity_date_time: row.activity_date_time.to_datetime(),
        correlation_id: row.correlation_id,
        initiated_by: match row.actor_app_name {
            // An application acting as itself: its id is stored as the actor's.
            Some(display_name) => AuditInitiator {
                user_id: None,
                user_principal_name: None,
                ip: row.actor_ip,
                user_agent: row.actor_user_agent,
                app: Some(AuditInitiatorApp {
                    id: row.actor_id.unwrap_or_default(),
                    display_name,
                }),
            },
            None => AuditInitiator {
                user_id: row.actor_id,
                user_principal_name: row.actor_upn,
                ip: row.actor_ip,
                user_agent: row.actor_user_agent,
                app: None,
            },
        },
        target_resources: serde_json::from_str::<Vec<AuditTarget>>(&row.target_resources)
            .unwrap_or_default(),
        result_reason: row.result_reason,
        additional_details: serde_json::from_str(&row.additional_details).unwrap_or_default(),
    })
}

/// One page, newest first.
pub async fn list(
    state: &AppState,
    ctx: &AuthContext,
    q: &AuditQuery,
) -> ApiResult<Page<AuditEvent>> {
    require_reader(ctx)?;
    let limit = super::paging::page_limit(q.limit)?;
    let f = filter(ctx, q)?;
    let mut rows = rows::list(state.store.reader(), &f, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next_cursor = if more {
        rows.last()
            .map(|r| encode_cursor(&r.seq.to_string(), &r.id))
    } else {
        None
    };
    Ok(Page {
        items: rows.into_iter().map(dto).collect::<ApiResult<_>>()?,
        next_cursor,
    })
}

/// Most rows one CSV export returns.
pub const CSV_MAX_ROWS: i64 = 100_000;

/// Every matching event (newest first, up to [`CSV_MAX_ROWS`]) as CSV.
pub async fn csv(state: &AppState, ctx: &AuthContext, q: &AuditQuery) -> ApiResult<String> {
    require_reader(ctx)?;
    let mut f = filter(ctx, q)?;
    let mut out = csv::Writer::from_writer(Vec::new());
    // Cells that a spreadsheet would run as a formula are quoted with a leading '.
    let write = |out: &mut csv::Writer<Vec<u8>>, rec: &[&str]| {
        let cells = rec.iter().map(|c| {
            if c.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{c}")
            } else {
                (*c).to_owned()
            }
        });
        out.write_record(cells)
            .map_err(|e| ApiError::Internal(e.into()))
    };
    write(
        &mut out,
        &[
            "id",
            "activity_date_time",
            "activity",
            "category",
            "result",
            "result_reason",
            "initiated_by_upn",
            "initiated_by_app",
            "initiated_by_ip",
            "targets",
            "modified_properties",
            "surface",
            "correlation_id",
        ],
    )?;
    let mut written = 0i64;
    loop {
        let page = rows::list(state.store.reader(), &f, 1000).await?;
        let Some(last) = page.last().map(|r| r.seq) else {
            break;
        };
        for row in page {
            let e = dto(row)?;
            let targets: Vec<String> = e
                .target_resources
                .iter()
                .map(|t| format!("{}:{} ({})", t.type_, t.display_name, t.id))
                .collect();
            let props: Vec<String> = e
                .target_resources
                .iter()
                .flat_map(|t| t.modified_properties.iter())
                .map(|p| {
                    format!(
                        "{}: {} -> {}",
                        p.name,
                        p.old_value.as_deref().unwrap_or(""),
                        p.new_value.as_deref().unwrap_or("")
                    )
                })
                .collect();
            let time = e.activity_date_time.to_rfc3339();
            let surface = e.additional_details["surface"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            write(
                &mut out,
                &[
                    &e.id,
                    &time,
                    e.activity.as_str(),
                    e.category.as_str(),
                    e.result.as_str(),
                    e.result_reason.as_deref().unwrap_or(""),
                    e.initiated_by.user_principal_name.as_deref().unwrap_or(""),
                    e.initiated_by
                        .app
                        .as_ref()
                        .map_or("", |a| a.display_name.as_str()),
                    e.initiated_by.ip.as_deref().unwrap_or(""),
                    &targets.join("; "),
                    &props.join("; "),
                    &surface,
                    &e.correlation_id,
                ],
            )?;
            written += 1;
        }
        if written >= CSV_MAX_ROWS {
            break;
        }
        f.before_seq = Some(last);
    }
    let bytes = out
        .into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
    String::from_utf8(bytes).map_err(|e| ApiError::Internal(e.into()))
}
