//! The SMS gateway: how a text message (a one-time code) leaves the server.
//!
//! Callers compose the text and [`enqueue`] it in their own transaction, so a code
//! and its message commit together or not at all. The message is a row of the
//! database outbox (`sms_messages`), its number and text sealed with the server's
//! secret box. What happens next is the configured [`Sender`]'s business:
//!
//! - the development outbox ([`DevOutbox`], `OPENSTAFF_SMS=outbox`, the default)
//!   leaves it there with status `outbox`, for an operator to read with
//!   `openstaff sms outbox`;
//! - the webhook ([`webhook::StandardWebhook`], [`webhook::Twilio`],
//!   `OPENSTAFF_SMS=webhook`) is driven by the delivery [`worker`] that `serve`
//!   spawns: it claims due messages with a lease (any replica may), posts them,
//!   and retries with backoff until the gateway accepts or the message is given
//!   up. Delivered and given-up messages lose their sealed number and text.
//!
//! A crash loses nothing: an unfinished attempt's lease runs out and the message is
//! sent again under the same id (the Standard Webhooks `webhook-id`), so the
//! receiver can drop the duplicate. Neither a number nor a text is ever logged:
//! logs name the message id, the attempt and the gateway's status code.

pub mod webhook;
pub mod worker;

use crate::config::{SmsConfig, SmsMode};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::Tx;
use crate::time::{Micros, Span};
use futures_util::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// A message on its way out, opened for one attempt.
pub struct Outgoing {
    /// Stable across attempts: the idempotency id.
    pub id: String,
    pub to: String,
    pub body: String,
    /// 1 for the first attempt.
    pub attempt: i64,
}

impl std::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outgoing")
            .field("id", &self.id)
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}

/// How one attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The gateway took the message (2xx).
    Delivered { status: u16 },
    /// It did not. `permanent`: trying again cannot help (a 4xx other than 408 and
    /// 429: a refused number, bad credentials). `error` is a short description
    /// without the message's content.
    Failed {
        status: Option<u16>,
        error: String,
        permanent: bool,
        retry_after: Option<Duration>,
    },
}

impl Attempt {
    /// The answer of an HTTP gateway with `status` (and its `Retry-After`, in
    /// seconds), read the Standard Webhooks way.
    pub fn from_status(status: u16, retry_after: Option<Duration>) -> Attempt {
        match status {
            200..=299 => Attempt::Delivered { status },
            408 | 429 => Attempt::Failed {
                status: Some(status),
                error: format!("HTTP {status}"),
                permanent: false,
                retry_after,
            },
            400..=499 => Attempt::Failed {
                status: Some(status),
                error: format!("HTTP {status} (refused)"),
                permanent: true,
                retry_after: None,
            },
            // Redirects are not followed (the URL should be updated instead) and
            // count, like 5xx, as a failure worth retrying.
            _ => Attempt::Failed {
                status: Some(status),
                error: format!("HTTP {status}"),
                permanent: false,
                retry_after,
            },
        }
    }
}

/// Something that carries text messages.
pub trait Sender: Send + Sync + 'static {
    /// How logs and `openstaff sms outbox` name it.
    fn name(&self) -> &'static str;
    /// Whether queued messages wait for the delivery worker. The development outbox
    /// answers false: its messages stay in the table with status `outbox`.
    fn delivers(&self) -> bool;
    /// One attempt at delivering `message`, at `now` (the signature's timestamp).
    fn send<'a>(&'a self, message: &'a Outgoing, now: Micros) -> BoxFuture<'a, Attempt>;
}

/// The development outbox: messages stay in the database for an operator.
pub struct DevOutbox;

impl Sender for DevOutbox {
    fn name(&self) -> &'static str {
        "outbox"
    }

    fn delivers(&self) -> bool {
        false
    }

    fn send<'a>(&'a self, _message: &'a Outgoing, _now: Micros) -> BoxFuture<'a, Attempt> {
        // Nothing to do: the message is where the operator reads it.
        Box::pin(std::future::ready(Attempt::Delivered { status: 200 }))
    }
}

/// The retry schedule and the worker's timing.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The first retry's delay; each next one doubles, up to `retry_cap`.
    pub retry_base: Duration,
    pub retry_cap: Duration,
    /// Attempts, the first included, before a message is given up.
    pub max_attempts: i64,
    /// A message not delivered this long after it was queued is given up.
    pub give_up_after: Span,
    /// How long a claimed message is held by the replica sending it.
    pub lease: Span,
    /// How often the worker looks for due messages when nothing woke it.
    pub poll: Duration,
}

impl Default for Delivery {
    fn default() -> Self {
        Delivery::from_config(&SmsConfig::default())
    }
}

impl Delivery {
    fn from_config(cfg: &SmsConfig) -> Delivery {
        let timeout_ms = cfg.timeout_seconds.saturating_mul(1000);
        Delivery {
            retry_base: Duration::from_millis(cfg.retry_base_ms),
            retry_cap: Duration::from_millis(cfg.retry_cap_ms.max(cfg.retry_base_ms)),
            max_attempts: cfg.max_attempts.max(1),
            give_up_after: Span::hours(cfg.give_up_hours),
            // Twice the timeout and a margin by default: an attempt still under way
            // is never taken over.
            lease: Span::millis(cfg.lease_ms.unwrap_or(timeout_ms * 2 + 5_000)),
            poll: Duration::from_millis(cfg.poll_ms),
        }
    }

    /// The delay before the attempt after `attempts` failed ones: exponential,
    /// capped, then "equal jitter" (a random point in its upper half), so replicas
    /// and messages that failed together do not come back together.
    pub fn backoff(&self, attempts: i64, jitter: f64) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        let full = self
            .retry_base
            .saturating_mul(2u32.saturating_pow(doublings))
            .min(self.retry_cap);
        full.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }
}

/// The configured sender, its schedule, and the bell that wakes the worker.
pub struct Gateway {
    pub sender: Arc<dyn Sender>,
    pub delivery: Delivery,
    wake: Notify,
}

impl Gateway {
    /// The development outbox (the command line's default, and tests').
    pub fn outbox() -> Gateway {
        Gateway {
            sender: Arc::new(DevOutbox),
            delivery: Delivery::default(),
            wake: Notify::new(),
        }
    }

    /// The gateway `cfg` describes, or why it cannot be (a start-up error).
    pub fn from_config(cfg: &SmsConfig) -> anyhow::Result<Gateway> {
        let delivery = Delivery::from_config(cfg);
        if delivery.lease <= Span::seconds(cfg.timeout_seconds) {
            anyhow::bail!(
                "OPENSTAFF_SMS_LEASE_MS must be longer than OPENSTAFF_SMS_TIMEOUT_SECONDS"
            );
        }
        let sender: Arc<dyn Sender> = match cfg.mode {
            SmsMode::Outbox => Arc::new(DevOutbox),
            SmsMode::Webhook => webhook::from_config(cfg)?,
        };
        Ok(Gateway {
            sender,
            delivery,
            wake: Notify::new(),
        })
    }

    /// Whether `serve` runs the delivery worker.
    pub fn delivers(&self) -> bool {
        self.sender.delivers()
    }

    /// Wakes the worker (a message was just queued).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Resolves at the next [`Gateway::wake`] (or at once if one came meanwhile).
    pub async fn woken(&self) {
        self.wake.notified().await;
    }
}

fn aad_to(id: &str) -> String {
    format!("sms-to:{id}")
}

fn aad_body(id: &str) -> String {
    format!("sms-body:{id}")
}

/// The longest text a message may carry (Twilio's limit; ten SMS segments).
pub const MAX_BODY_CHARS: usize = 1600;

/// Queues one message in the caller's transaction (so a code and its message
/// commit together, or neither); returns the message id (also the webhook's
/// idempotency id).
///
/// `to_e164` is a number the caller has parsed (`domain::PhoneNumber`); `body` is
/// the text as the recipient will read it. Both are sealed before they reach the
/// database. The server's secret key must already be loaded (`app::state` loads it
/// at start; a command-line caller calls `state.secrets.key(now)` before opening
/// `tx`), since loading it needs the writer this transaction holds.
pub async fn enqueue(
    tx: &mut Tx,
    state: &AppState,
    to_e164: &str,
    body: &str,
) -> ApiResult<String> {
    let digits = to_e164.strip_prefix('+').unwrap_or("");
    if !(7..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "an SMS recipient must be an E.164 number"
        )));
    }
    if body.trim().is_empty() || body.chars().count() > MAX_BODY_CHARS {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "an SMS text must have 1 to {MAX_BODY_CHARS} characters"
        )));
    }
    let id = state.new_id();
    let now = state.now();
    let seal = |plain: String, aad: String| async move {
        state
            .secrets
            .seal(plain.as_bytes(), &aad, now)
            .await
            .map_err(ApiError::Internal)
    };
    let to_sealed = seal(to_e164.to_owned(), aad_to(&id)).await?;
    let body_sealed = seal(body.to_owned(), aad_body(&id)).await?;
    let status = if state.sms.delivers() {
        "queued"
    } else {
        "outbox"
    };
    crate::store::sms::insert(
        tx,
        &crate::store::sms::NewMessage {
            id: &id,
            to_sealed: &to_sealed,
            body_sealed: &body_sealed,
            to_masked: &crate::domain::PhoneNumber::mask_e164(to_e164),
            status,
            created_at: now,
        },
    )
    .await?;
    // On SQLite the worker's claim waits for this transaction's commit (one
    // writer); on PostgreSQL it may look first and find nothing, and then looks
    // again shortly (see `worker`).
    state.sms.wake();
    Ok(id)
}

/// One message of the outbox, opened.
#[derive(Clone, serde::Serialize)]
pub struct OutboxMessage {
    pub id: String,
    /// The number in E.164; once a webhook message is delivered or given up, only
    /// its masked form (`+33 *** *** **78`) is left.
    pub to: String,
    /// The text; empty once a webhook message is delivered or given up.
    pub body: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// `queued` (waiting for the webhook, or being sent), `delivered`, `failed`
    /// (given up), or `outbox` (the development outbox: kept for an operator).
    pub status: String,
    /// Attempts made so far.
    pub attempts: i64,
}

impl std::fmt::Debug for OutboxMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxMessage")
            .field("id", &self.id)
            .field("status", &self.status)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// The outbox, newest first (what `openstaff sms outbox` prints), opened.
pub async fn outbox(state: &AppState, limit: i64) -> ApiResult<Vec<OutboxMessage>> {
    let rows = crate::store::sms::newest(&state.store, limit.clamp(1, 100_000)).await?;
    let now = state.now();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let to = match &row.to_sealed {
            Some(sealed) => open(state, sealed, &aad_to(&row.id), now).await?,
            None => row.to_masked.clone(),
        };
        let body = match &row.body_sealed {
            Some(sealed) => open(state, sealed, &aad_body(&row.id), now).await?,
            None => String::new(),
        };
        out.push(OutboxMessage {
            to,
            body,
            created_at: row.created_at.to_datetime(),
            status: row.status,
            attempts: row.attempts,
            id: row.id,
        });
    }
    Ok(out)
}

async fn open(state: &AppState, sealed: &str, aad: &str, now: Micros) -> ApiResult<String> {
    let plain = state
        .secrets
        .open(sealed, aad, now)
        .await
        .map_err(ApiError::Internal)?;
    String::from_utf8(plain)
        .map_err(|_| ApiError::Internal(anyhow::anyhow!("a sealed SMS field is not UTF-8")))
}

/// Opens a claimed message for its attempt; `None` when its secrets are gone or do
/// not open (then it cannot be sent).
pub(crate) async fn open_claimed(
    state: &AppState,
    claimed: &crate::store::sms::Claimed,
) -> Option<Outgoing> {
    let now = state.now();
    let to = open(
        state,
        claimed.to_sealed.as_deref()?,
        &aad_to(&claimed.id),
        now,
    )
    .await
    .ok()?;
    let body = open(
        state,
        claimed.body_sealed.as_deref()?,
        &aad_body(&claimed.id),
        now,
    )
    .await
    .ok()?;
    Some(Outgoing {
        id: claimed.id.clone(),
        to,
        body,
        attempt: claimed.attempts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_answers_are_read_the_standard_webhooks_way() {
        assert_eq!(
            Attempt::from_status(204, None),
            Attempt::Delivered { status: 204 }
        );
        for (status, permanent) in [
            (500, false),
            (502, false),
            (503, false),
            (408, false),
            (429, false),
            (301, false),
            (400, true),
            (401, true),
            (404, true),
            (410, true),
        ] {
            match Attempt::from_status(status, None) {
                Attempt::Failed { permanent: p, .. } => assert_eq!(p, permanent, "{status}"),
                other => panic!("{status}: {other:?}"),
            }
        }
    }

    #[test]
    fn backoff_doubles_from_the_base_up_to_the_cap_with_jitter_in_the_upper_half() {
        let d = Delivery {
            retry_base: Duration::from_secs(5),
            retry_cap: Duration::from_secs(60),
            ..Delivery::default()
        };
        assert_eq!(d.backoff(1, 1.0), Duration::from_secs(5));
        assert_eq!(d.backoff(2, 1.0), Duration::from_secs(10));
        assert_eq!(d.backoff(3, 1.0), Duration::from_secs(20));
        assert_eq!(d.backoff(4, 1.0), Duration::from_secs(40));
        assert_eq!(d.backoff(5, 1.0), Duration::from_secs(60));
        assert_eq!(d.backoff(500, 1.0), Duration::from_secs(60));
        assert_eq!(d.backoff(2, 0.0), Duration::from_secs(5));
        assert_eq!(d.backoff(3, 0.5), Duration::from_secs(15));
    }
}
