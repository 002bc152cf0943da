//! What every request handler shares: the store, keys, hasher, policy, the clock and
//! the id generator.
//!
//! Every "now" and every new id in the server comes from the clock and the id
//! generator here, so tests can pin time and move it instead of waiting for it
//! (clippy's `disallowed-methods` keeps `Utc::now` and `Uuid::now_v7` out of the rest
//! of the code).

use crate::auth::password::Hasher;
use crate::auth::tokens::KeyRing;
use crate::config::{PolicyConfig, ProviderConfig};
use crate::store::Store;
use crate::time::Micros;
use chrono::Utc;
use std::sync::{Arc, Mutex, PoisonError};
use uuid::{ContextV7, Timestamp, Uuid};

/// The source of "now"; tests can pin it.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Micros;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // The one place that reads the system time.
    fn now(&self) -> Micros {
        Micros::from_datetime(Utc::now())
    }
}

/// The source of new ids (users, locations, role assignments, audit events, token
/// ids, correlation ids); tests can pin it.
pub trait IdGenerator: Send + Sync + 'static {
    fn new_id(&self) -> Uuid;
}

/// UUID v7 stamped with a clock's time: ids sort by creation. Ids made within one
/// millisecond, or while a test's clock stands still, still sort in order and never
/// repeat (the v7 counter); the rest is random.
pub struct UuidV7 {
    clock: Arc<dyn Clock>,
    context: Mutex<ContextV7>,
}

impl UuidV7 {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        UuidV7 {
            clock,
            context: Mutex::new(ContextV7::new()),
        }
    }
}

impl IdGenerator for UuidV7 {
    fn new_id(&self) -> Uuid {
        let now = self.clock.now();
        // The counter state stays consistent even if a holder panicked.
        let context = self.context.lock().unwrap_or_else(PoisonError::into_inner);
        Uuid::new_v7(Timestamp::from_unix(
            &*context,
            now.unix_seconds(),
            now.subsec_nanos(),
        ))
    }
}

/// The clock and the id generator together, for code that runs without an
/// [`AppState`] (the command line, seeding) and for building one.
#[derive(Clone)]
pub struct ClockAndIds {
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
}

impl ClockAndIds {
    /// The system clock, and UUID v7 from it.
    pub fn system() -> Self {
        Self::from_clock(Arc::new(SystemClock))
    }

    /// `clock`, and UUID v7 from its time.
    pub fn from_clock(clock: Arc<dyn Clock>) -> Self {
        let ids = Arc::new(UuidV7::new(clock.clone()));
        ClockAndIds { clock, ids }
    }

    pub fn now(&self) -> Micros {
        self.clock.now()
    }

    /// A new id in its stored (hyphenated) form.
    pub fn new_id(&self) -> String {
        self.ids.new_id().to_string()
    }
}

/// Everything a request handler needs, shared across workers.
pub struct AppState {
    pub store: Store,
    pub keys: Arc<KeyRing>,
    /// Encrypts the secrets kept at rest (authenticator apps' seeds).
    pub secrets: Arc<crate::auth::secret_box::SecretBox>,
    pub hasher: Hasher,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
    pub policy: PolicyConfig,
    /// The OpenID Connect provider's issuer and session timeouts.
    pub provider: ProviderConfig,
    /// The on-premises directory, when one is configured (`--ldap-url`).
    pub directory: Option<Arc<crate::directory::Directory>>,
    /// Where text messages go (`OPENSTAFF_SMS`).
    pub sms: Arc<crate::sms::Gateway>,
    /// Callers as earlier requests found them (`ReadContext`).
    pub callers: Arc<crate::auth::context::Callers>,
}

impl AppState {
    /// What the command line's changes run with (`seed demo`, `create-admin`): the
    /// services need the same state as a request, less the signing keys, since the
    /// command line issues no tokens. Policies are the defaults.
    pub fn for_cli(store: &Store, time: &ClockAndIds) -> anyhow::Result<AppState> {
        Ok(AppState {
            store: store.clone(),
            keys: Arc::new(KeyRing::none(store)),
            secrets: Arc::new(crate::auth::secret_box::SecretBox::new(store)),
            hasher: Hasher::new()?,
            clock: time.clock.clone(),
            ids: time.ids.clone(),
            policy: PolicyConfig::default(),
            provider: ProviderConfig::default(),
            directory: None,
            sms: Arc::new(crate::sms::Gateway::outbox()),
            callers: Arc::default(),
        })
    }

    pub fn now(&self) -> Micros {
        self.clock.now()
    }

    /// A new id in its stored (hyphenated) form.
    pub fn new_id(&self) -> String {
        self.ids.new_id().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    struct Frozen(Micros);

    impl Clock for Frozen {
        fn now(&self) -> Micros {
            self.0
        }
    }

    #[test]
    fn ids_carry_the_clocks_time_and_stay_ordered_while_it_stands_still() {
        let at = DateTime::parse_from_rfc3339("2026-03-02T09:00:00.123Z")
            .unwrap()
            .with_timezone(&Utc);
        let ids = UuidV7::new(Arc::new(Frozen(Micros::from_datetime(at))));
        let made: Vec<Uuid> = (0..1000).map(|_| ids.new_id()).collect();
        for id in &made {
            assert_eq!(id.get_version_num(), 7);
            let (secs, nanos) = id.get_timestamp().unwrap().to_unix();
            assert_eq!(secs, 1_772_442_000, "{id}");
            assert_eq!(nanos / 1_000_000, 123, "{id}");
        }
        let mut sorted = made.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, made, "ids made in one millisecond sort in order");
    }
}
