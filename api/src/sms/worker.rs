//! The delivery worker `serve` runs when a webhook is configured: it claims due
//! messages from the outbox with a lease, sends each, and records the outcome.
//!
//! Every replica may run one; the lease in the database keeps two from sending the
//! same message at once, and a replica that dies mid-attempt leaves a lease that
//! runs out, after which any replica sends the message again (same id). It wakes
//! when a message is queued on this replica, and otherwise looks every
//! `OPENSTAFF_SMS_POLL_MS` (messages queued on another replica, retries coming due).

use super::{Attempt, Gateway};
use crate::state::AppState;
use crate::store::sms::{self, Claimed, Outcome};
use crate::time::Span;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;

/// Messages claimed, and sent concurrently, per round.
const BATCH: i64 = 8;

/// Spawns the worker on the current runtime.
pub fn spawn(state: Arc<AppState>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(state))
}

async fn run(state: Arc<AppState>) {
    let gateway: &Gateway = &state.sms;
    tracing::info!(
        sender = gateway.sender.name(),
        "SMS delivery worker started"
    );
    // After a wake the new message may not be visible yet (PostgreSQL: the caller's
    // transaction commits just after queueing); look again shortly a few times.
    let mut recheck: &[u64] = &[];
    loop {
        let now = state.now();
        let (claimed, next_due) = match step(&state).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "SMS outbox: could not read or claim messages");
                (0, None)
            }
        };
        if claimed > 0 {
            // More may be due, and the batch's retries are now scheduled.
            continue;
        }
        let wait = match (recheck.split_first(), next_due) {
            (Some((ms, rest)), _) => {
                recheck = rest;
                Duration::from_millis(*ms)
            }
            // Not less than a moment: a message due now that another replica is
            // claiming shows as due until that claim commits.
            (None, Some(due)) => (due - now)
                .to_duration()
                .max(Duration::from_millis(10))
                .min(gateway.delivery.poll),
            (None, None) => gateway.delivery.poll,
        };
        tokio::select! {
            _ = gateway.woken() => recheck = &[20, 100, 400],
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// Sends a batch if a message is due; returns how many it claimed and when the
/// next queued message falls due.
async fn step(state: &Arc<AppState>) -> anyhow::Result<(usize, Option<crate::time::Micros>)> {
    let next_due = sms::next_due(&state.store).await?;
    match next_due {
        Some(due) if due <= state.now() => Ok((round(state).await?, next_due)),
        _ => Ok((0, next_due)),
    }
}

/// Claims and sends one batch; returns how many messages it claimed.
async fn round(state: &Arc<AppState>) -> anyhow::Result<usize> {
    let now = state.now();
    let lease_token = state.new_id();
    let claimed = sms::claim_due(
        &state.store,
        now,
        now + state.sms.delivery.lease,
        &lease_token,
        BATCH,
    )
    .await?;
    let n = claimed.len();
    futures_util::stream::iter(claimed)
        .for_each_concurrent(None, |c| attempt(state, c, &lease_token))
        .await;
    Ok(n)
}

async fn attempt(state: &AppState, claimed: Claimed, lease_token: &str) {
    let gateway = &state.sms;
    let delivery = &gateway.delivery;
    let id = claimed.id.clone();
    let attempt_no = claimed.attempts;
    let result = match super::open_claimed(state, &claimed).await {
        Some(message) => gateway.sender.send(&message, state.now()).await,
        None => Attempt::Failed {
            status: None,
            error: "the sealed message does not open".to_owned(),
            permanent: true,
            retry_after: None,
        },
    };
    let now = state.now();
    let outcome = match &result {
        Attempt::Delivered { status } => {
            tracing::info!(message_id = %id, attempt = attempt_no, status, "SMS delivered");
            Outcome::Delivered {
                status_code: i64::from(*status),
            }
        }
        Attempt::Failed {
            status,
            error,
            permanent,
            retry_after,
        } => {
            let status_code = status.map(i64::from);
            let delay = delivery
                .backoff(attempt_no, rand::random::<f64>())
                .max(retry_after.unwrap_or_default().min(delivery.retry_cap));
            let next_attempt_at = now + Span::from_duration(delay);
            let too_old = next_attempt_at > claimed.created_at + delivery.give_up_after;
            if *permanent || attempt_no >= delivery.max_attempts || too_old {
                tracing::warn!(
                    message_id = %id,
                    attempt = attempt_no,
                    status = ?status,
                    error = %error,
                    "SMS given up"
                );
                Outcome::Failed { status_code, error }
            } else {
                tracing::warn!(
                    message_id = %id,
                    attempt = attempt_no,
                    status = ?status,
                    error = %error,
                    retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    "SMS attempt failed; will retry"
                );
                Outcome::Retry {
                    status_code,
                    error,
                    next_attempt_at,
                }
            }
        }
    };
    match sms::record(&state.store, &id, lease_token, now, outcome).await {
        Ok(true) => {}
        Ok(false) => tracing::warn!(
            message_id = %id,
            attempt = attempt_no,
            "SMS outcome not recorded: the lease ran out and another attempt took the message over"
        ),
        // The lease runs out and the message is sent again (same id).
        Err(e) => tracing::warn!(
            message_id = %id,
            attempt = attempt_no,
            error = %e,
            "SMS outcome not recorded"
        ),
    }
}
