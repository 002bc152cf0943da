//! The SMS outbox table (`sms_messages`): queueing in the caller's transaction,
//! the delivery worker's leased claims and outcomes, and the operator's listing.
//! Recipients and texts arrive and leave sealed: this module never sees them in clear.

use super::{Backend, Db, ResultExt, Store, StoreResult, Tx};
use crate::time::Micros;

/// A new row, its secrets already sealed.
pub struct NewMessage<'a> {
    pub id: &'a str,
    pub to_sealed: &'a str,
    pub body_sealed: &'a str,
    pub to_masked: &'a str,
    pub status: &'a str,
    pub created_at: Micros,
}

pub async fn insert(tx: &mut Tx, m: &NewMessage<'_>) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO sms_messages (id, to_sealed, body_sealed, to_masked, status, attempts, \
         created_at, next_attempt_at, leased_until) VALUES ($1, $2, $3, $4, $5, 0, $6, $6, 0)",
    )
    .bind(m.id)
    .bind(m.to_sealed)
    .bind(m.body_sealed)
    .bind(m.to_masked)
    .bind(m.status)
    .bind(m.created_at)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

/// One row as the outbox listing shows it (still sealed).
#[derive(sqlx::FromRow)]
pub struct Row {
    pub id: String,
    pub to_sealed: Option<String>,
    pub body_sealed: Option<String>,
    pub to_masked: String,
    pub status: String,
    pub attempts: i64,
    pub created_at: Micros,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
}

/// The newest `limit` messages, newest first.
pub async fn newest(store: &Store, limit: i64) -> StoreResult<Vec<Row>> {
    sqlx::query_as::<Db, Row>(
        "SELECT id, to_sealed, body_sealed, to_masked, status, attempts, created_at, \
         last_status_code, last_error FROM sms_messages \
         ORDER BY created_at DESC, id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(store.reader())
    .await
    .db()
}

/// When the next queued message falls due: its next attempt's time, or the end of
/// its lease if that is later. `None` when nothing is queued. A read, so an idle
/// worker never takes SQLite's one writer.
pub async fn next_due(store: &Store) -> StoreResult<Option<Micros>> {
    let (due,) = sqlx::query_as::<Db, (Option<Micros>,)>(
        "SELECT MIN(CASE WHEN leased_until > next_attempt_at THEN leased_until \
         ELSE next_attempt_at END) FROM sms_messages WHERE status = 'queued'",
    )
    .fetch_one(store.reader())
    .await
    .db()?;
    Ok(due)
}

/// A message the worker claimed: its lease is `lease_token` until `leased_until`.
#[derive(sqlx::FromRow)]
pub struct Claimed {
    pub id: String,
    pub to_sealed: Option<String>,
    pub body_sealed: Option<String>,
    /// Including this one.
    pub attempts: i64,
    pub created_at: Micros,
}

/// Claims up to `limit` queued messages that are due and not leased (or whose lease
/// ran out: the replica that held it died mid-attempt), counting the attempt. Safe
/// with several replicas: the outer `WHERE` is evaluated again on the row a
/// concurrent claim has just updated (PostgreSQL, read committed), and PostgreSQL
/// skips rows another claim holds locked; SQLite has one writer.
pub async fn claim_due(
    store: &Store,
    now: Micros,
    leased_until: Micros,
    lease_token: &str,
    limit: i64,
) -> StoreResult<Vec<Claimed>> {
    let skip_locked = match store.backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE sms_messages SET leased_until = $1, lease_token = $2, attempts = attempts + 1, \
         last_attempt_at = $3 \
         WHERE id IN (SELECT id FROM sms_messages WHERE status = 'queued' \
           AND next_attempt_at <= $3 AND leased_until <= $3 \
           ORDER BY next_attempt_at, id LIMIT $4{skip_locked}) \
         AND status = 'queued' AND next_attempt_at <= $3 AND leased_until <= $3 \
         RETURNING id, to_sealed, body_sealed, attempts, created_at"
    );
    let mut tx = store.begin().await?;
    let rows = sqlx::query_as::<Db, Claimed>(&sql)
        .bind(leased_until)
        .bind(lease_token)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await
        .db()?;
    tx.commit().await.db()?;
    Ok(rows)
}

/// How an attempt ended, as recorded.
pub enum Outcome<'a> {
    /// Accepted (2xx): the secrets go.
    Delivered { status_code: i64 },
    /// Try again at `next_attempt_at`.
    Retry {
        status_code: Option<i64>,
        error: &'a str,
        next_attempt_at: Micros,
    },
    /// Given up: the secrets go.
    Failed {
        status_code: Option<i64>,
        error: &'a str,
    },
}

/// Records the outcome of the attempt made under `lease_token`. Returns false when
/// the lease had been lost meanwhile (another replica took the message over), in
/// which case nothing is written.
pub async fn record(
    store: &Store,
    id: &str,
    lease_token: &str,
    now: Micros,
    outcome: Outcome<'_>,
) -> StoreResult<bool> {
    let mut tx = store.begin().await?;
    let done = match outcome {
        Outcome::Delivered { status_code } => sqlx::query(
            "UPDATE sms_messages SET status = 'delivered', to_sealed = NULL, body_sealed = NULL, \
             leased_until = 0, lease_token = NULL, last_status_code = $3, last_error = NULL, \
             finished_at = $4 WHERE id = $1 AND lease_token = $2 AND status = 'queued'",
        )
        .bind(id)
        .bind(lease_token)
        .bind(status_code)
        .bind(now),
        Outcome::Retry {
            status_code,
            error,
            next_attempt_at,
        } => sqlx::query(
            "UPDATE sms_messages SET leased_until = 0, lease_token = NULL, last_status_code = $3, \
             last_error = $4, next_attempt_at = $5 \
             WHERE id = $1 AND lease_token = $2 AND status = 'queued'",
        )
        .bind(id)
        .bind(lease_token)
        .bind(status_code)
        .bind(error.to_owned())
        .bind(next_attempt_at),
        Outcome::Failed { status_code, error } => sqlx::query(
            "UPDATE sms_messages SET status = 'failed', to_sealed = NULL, body_sealed = NULL, \
             leased_until = 0, lease_token = NULL, last_status_code = $3, last_error = $4, \
             finished_at = $5 WHERE id = $1 AND lease_token = $2 AND status = 'queued'",
        )
        .bind(id)
        .bind(lease_token)
        .bind(status_code)
        .bind(error.to_owned())
        .bind(now),
    }
    .execute(&mut *tx)
    .await
    .db()?
    .rows_affected()
        == 1;
    tx.commit().await.db()?;
    Ok(done)
}

/// Development-outbox messages queued before `outbox_before` go (their codes expired
/// long ago), and so do delivered and given-up messages (metadata only by then)
/// queued before `finished_before`. Both read the `created_at` index: a webhook
/// message is finished within a day or so of being queued.
pub async fn purge(
    tx: &mut Tx,
    outbox_before: Micros,
    finished_before: Micros,
) -> StoreResult<u64> {
    Ok(sqlx::query(
        "DELETE FROM sms_messages WHERE (status = 'outbox' AND created_at < $1) \
         OR (status IN ('delivered', 'failed') AND created_at < $2)",
    )
    .bind(outbox_before)
    .bind(finished_before)
    .execute(&mut **tx)
    .await
    .db()?
    .rows_affected())
}
