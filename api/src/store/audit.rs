//! Appending to and reading the audit hash chain.

use super::{Db, ResultExt, StoreResult, Tx};
use crate::time::Micros;
use shared::UnitId;
use sqlx::{AnyPool, FromRow};

/// An audit row as stored.
#[derive(Debug, Clone, FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub id: String,
    pub activity_date_time: Micros,
    pub activity: String,
    pub category: String,
    pub correlation_id: String,
    pub actor_id: Option<String>,
    pub actor_upn: Option<String>,
    pub actor_ip: Option<String>,
    pub actor_user_agent: Option<String>,
    /// Set when an application acted as itself; `actor_id` is then its id.
    pub actor_app_name: Option<String>,
    pub target_resources: String,
    pub result: String,
    pub result_reason: Option<String>,
    pub additional_details: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Reads and locks the chain head: the hash the next event links to.
pub async fn lock_head(tx: &mut Tx) -> StoreResult<String> {
    // The no-op update takes the row lock on PostgreSQL (SQLite's single writer
    // already serialises), so two replicas never link to the same predecessor.
    sqlx::query("UPDATE audit_chain_head SET seq = seq WHERE id = 1")
        .execute(&mut **tx)
        .await
        .db()?;
    let (hash,): (String,) = sqlx::query_as("SELECT hash FROM audit_chain_head WHERE id = 1")
        .fetch_one(&mut **tx)
        .await
        .db()?;
    Ok(hash)
}

/// Inserts an event (whose `prev_hash`/`hash` the caller computed) and moves the head.
pub async fn insert(
    tx: &mut Tx,
    row: &AuditRow,
    unit_ids: &[UnitId],
    target_ids: &[String],
) -> StoreResult<i64> {
    let (seq,): (i64,) = sqlx::query_as(
        "INSERT INTO audit_events (id, activity_date_time, activity, category, correlation_id, \
         actor_id, actor_upn, actor_ip, actor_user_agent, target_resources, result, \
         result_reason, additional_details, prev_hash, hash, actor_app_name) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
         RETURNING seq",
    )
    .bind(&row.id)
    .bind(row.activity_date_time)
    .bind(&row.activity)
    .bind(&row.category)
    .bind(&row.correlation_id)
    .bind(&row.actor_id)
    .bind(&row.actor_upn)
    .bind(&row.actor_ip)
    .bind(&row.actor_user_agent)
    .bind(&row.target_resources)
    .bind(&row.result)
    .bind(&row.result_reason)
    .bind(&row.additional_details)
    .bind(&row.prev_hash)
    .bind(&row.hash)
    .bind(&row.actor_app_name)
    .fetch_one(&mut **tx)
    .await
    .db()?;
    sqlx::query("UPDATE audit_chain_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(&row.hash)
        .execute(&mut **tx)
        .await
        .db()?;
    for target in target_ids {
        sqlx::query("INSERT INTO audit_event_targets (target_id, event_seq) VALUES ($1, $2)")
            .bind(target)
            .bind(seq)
            .execute(&mut **tx)
            .await
            .db()?;
    }
    for unit in unit_ids {
        sqlx::query("INSERT INTO audit_event_units (event_seq, unit_id) VALUES ($1, $2)")
            .bind(seq)
            .bind(unit)
            .execute(&mut **tx)
            .await
            .db()?;
    }
    Ok(seq)
}

const AUDIT_COLS: &str = "seq, id, activity_date_time, activity, category, correlation_id, \
     actor_id, actor_upn, actor_ip, actor_user_agent, target_resources, result, result_reason, \
     additional_details, prev_hash, hash, actor_app_name";

/// Filters of the audit viewer; `None` means any.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    /// Only events touching one of these locations (a manager's view).
    pub unit_ids: Option<Vec<String>>,
    pub from: Option<Micros>,
    pub to: Option<Micros>,
    pub activity: Option<String>,
    pub actor_id: Option<String>,
    pub target_id: Option<String>,
    pub result: Option<String>,
    /// Only events older than this sequence number (paging, newest first).
    pub before_seq: Option<i64>,
}

/// Events newest first.
pub async fn list(pool: &AnyPool, f: &AuditFilter, limit: i64) -> StoreResult<Vec<AuditRow>> {
    let mut sql = format!("SELECT {AUDIT_COLS} FROM audit_events e WHERE 1 = 1");
    let mut text: Vec<(usize, String)> = Vec::new();
    let mut ints: Vec<(usize, i64)> = Vec::new();
    let mut times: Vec<(usize, Micros)> = Vec::new();
    let mut n = 0usize;
    let mut next = || {
        n += 1;
        n
    };
    if let Some(units) = &f.unit_ids {
        if units.is_empty() {
            return Ok(Vec::new());
        }
        let mut marks = Vec::new();
        for u in units {
            let i = next();
            marks.push(format!("${i}"));
            text.push((i, u.clone()));
        }
        sql.push_str(&format!(
            " AND e.seq IN (SELECT event_seq FROM audit_event_units WHERE unit_id IN ({}))",
            marks.join(", ")
        ));
    }
    if let Some(v) = f.from {
        let i = next();
        sql.push_str(&format!(" AND e.activity_date_time >= ${i}"));
        times.push((i, v));
    }
    if let Some(v) = f.to {
        let i = next();
        sql.push_str(&format!(" AND e.activity_date_time <= ${i}"));
        times.push((i, v));
    }
    for (col, val) in [
        ("e.activity", &f.activity),
        ("e.actor_id", &f.actor_id),
        ("e.result", &f.result),
    ] {
        if let Some(v) = val {
            let i = next();
            sql.push_str(&format!(" AND {col} = ${i}"));
            text.push((i, v.clone()));
        }
    }
    if let Some(t) = &f.target_id {
        let i = next();
        sql.push_str(&format!(
            " AND e.seq IN (SELECT event_seq FROM audit_event_targets WHERE target_id = ${i})"
        ));
        text.push((i, t.clone()));
    }
    if let Some(v) = f.before_seq {
        let i = next();
        sql.push_str(&format!(" AND e.seq < ${i}"));
        ints.push((i, v));
    }
    let li = next();
    sql.push_str(&format!(" ORDER BY e.seq DESC LIMIT ${li}"));
    ints.push((li, limit));
    // Bind in placeholder order.
    enum V {
        T(String),
        I(i64),
        At(Micros),
    }
    let mut all: Vec<(usize, V)> = text.into_iter().map(|(i, v)| (i, V::T(v))).collect();
    all.extend(ints.into_iter().map(|(i, v)| (i, V::I(v))));
    all.extend(times.into_iter().map(|(i, v)| (i, V::At(v))));
    all.sort_by_key(|(i, _)| *i);
    let mut q = sqlx::query_as::<Db, AuditRow>(&sql);
    for (_, v) in all {
        q = match v {
            V::T(s) => q.bind(s),
            V::I(i) => q.bind(i),
            V::At(t) => q.bind(t),
        };
    }
    q.fetch_all(pool).await.db()
}

/// Events in chain order after `after_seq`, for verification.
pub async fn chain_page(pool: &AnyPool, after_seq: i64, limit: i64) -> StoreResult<Vec<AuditRow>> {
    sqlx::query_as::<Db, AuditRow>(&format!(
        "SELECT {AUDIT_COLS} FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2"
    ))
    .bind(after_seq)
    .bind(limit)
    .fetch_all(pool)
    .await
    .db()
}

/// The chain head as recorded (seq, hash).
pub async fn head(pool: &AnyPool) -> StoreResult<(i64, String)> {
    sqlx::query_as("SELECT seq, hash FROM audit_chain_head WHERE id = 1")
        .fetch_one(pool)
        .await
        .db()
}
