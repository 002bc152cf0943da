//! What every request handler shares: the store, keys, hasher, policy and the clock.

use crate::auth::password::Hasher;
use crate::auth::tokens::KeyRing;
use crate::config::PolicyConfig;
use crate::store::Store;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// The source of "now"; tests can pin it.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Everything a request handler needs, shared across workers.
pub struct AppState {
    pub store: Store,
    pub keys: Arc<KeyRing>,
    pub hasher: Hasher,
    pub clock: Arc<dyn Clock>,
    pub policy: PolicyConfig,
}

impl AppState {
    pub fn now_us(&self) -> i64 {
        self.clock.now().timestamp_micros()
    }

    pub fn now_secs(&self) -> u64 {
        u64::try_from(self.clock.now().timestamp()).unwrap_or(0)
    }
}

pub fn from_us(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or_default()
}
