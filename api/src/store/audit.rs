//! Appending to and reading the audit hash chain.

use super::{Db, ResultExt, StoreResult, Tx};
use sqlx::{AnyPool, FromRow};

/// An audit row as stored.
#[derive(Debug, Clone, FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub id: String,
    pub activity_date_time: i64,
    pub activity: String,
    pub category: String,
    pub correlation_id: String,
    pub actor_id: Option<String>,
    pub actor_upn: Option<String>,
    pub actor_ip: Option<String>,
    pub actor_user_agent: Option<String>,
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
pub async fn insert(tx: &mut Tx, row: &AuditRow, unit_ids: &[String]) -> StoreResult<i64> {
    let (seq,): (i64,) = sqlx::query_as(
        "INSERT INTO audit_events (id, activity_date_time, activity, category, correlation_id, \
         actor_id, actor_upn, actor_ip, actor_user_agent, target_resources, result, \
         result_reason, additional_details, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING seq",
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
    .fetch_one(&mut **tx)
    .await
    .db()?;
    sqlx::query("UPDATE audit_chain_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(&row.hash)
        .execute(&mut **tx)
        .await
        .db()?;
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

/// Events in chain order after `after_seq`, for verification.
pub async fn chain_page(pool: &AnyPool, after_seq: i64, limit: i64) -> StoreResult<Vec<AuditRow>> {
    sqlx::query_as::<Db, AuditRow>(
        "SELECT seq, id, activity_date_time, activity, category, correlation_id, actor_id, \
         actor_upn, actor_ip, actor_user_agent, target_resources, result, result_reason, \
         additional_details, prev_hash, hash FROM audit_events WHERE seq > $1 \
         ORDER BY seq LIMIT $2",
    )
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
