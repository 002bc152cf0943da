//! Time as the server reasons about it: an instant is a [`Micros`] (microseconds since
//! the Unix epoch, which is how the store keeps it: a BIGINT column) and a length of
//! time is a [`Span`]. Their units, conversions and arithmetic all live here, so no
//! other file multiplies, adds or compares raw numbers: `now + policy.lockout_window`
//! is an instant, `locked_until - now` a span. Arithmetic saturates, so a configured
//! duration can never overflow a timestamp. "Now" comes from the clock in `state`.

use chrono::{DateTime, Utc};
use std::fmt;
use std::ops::{Add, Sub};

const US_PER_SECOND: i64 = 1_000_000;

/// An instant, to the microsecond. On the wire it is a `DateTime<Utc>`
/// ([`Micros::to_datetime`]); in the store, the number of microseconds.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Micros(i64);

impl Micros {
    /// The Unix epoch. The store writes it for "not set" in columns such as
    /// `locked_until` and `first_failed_at`, so it is earlier than any "now".
    pub const EPOCH: Micros = Micros(0);

    /// The instant `us` microseconds after the epoch, as stored. Only for values the
    /// store wrote (paging cursors) and for tests.
    pub const fn from_micros(us: i64) -> Self {
        Micros(us)
    }

    /// Microseconds since the epoch, as stored (paging cursors, the audit hash, ETags).
    pub const fn as_micros(self) -> i64 {
        self.0
    }

    /// A wire or clock time, to the microsecond (finer digits are dropped).
    pub fn from_datetime(t: DateTime<Utc>) -> Self {
        Micros(t.timestamp_micros())
    }

    /// As a wire time (the epoch for the few values chrono cannot represent).
    pub fn to_datetime(self) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(self.0).unwrap_or_default()
    }

    /// Whole seconds since the epoch, rounded down; 0 before it (token claims).
    pub fn unix_seconds(self) -> u64 {
        u64::try_from(self.0.div_euclid(US_PER_SECOND)).unwrap_or(0)
    }

    /// Nanoseconds past [`Micros::unix_seconds`] (UUID v7 timestamps).
    pub fn subsec_nanos(self) -> u32 {
        u32::try_from(self.0.rem_euclid(US_PER_SECOND) * 1_000).unwrap_or(0)
    }
}

impl fmt::Debug for Micros {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Micros({})",
            self.to_datetime()
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
        )
    }
}

impl Add<Span> for Micros {
    type Output = Micros;

    fn add(self, span: Span) -> Micros {
        Micros(self.0.saturating_add(span.0))
    }
}

impl Sub<Span> for Micros {
    type Output = Micros;

    fn sub(self, span: Span) -> Micros {
        Micros(self.0.saturating_sub(span.0))
    }
}

impl Sub for Micros {
    type Output = Span;

    /// How long from `earlier` to `self` (negative when `earlier` is later).
    fn sub(self, earlier: Micros) -> Span {
        Span(self.0.saturating_sub(earlier.0))
    }
}

impl sqlx::Type<sqlx::Any> for Micros {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <i64 as sqlx::Type<sqlx::Any>>::type_info()
    }

    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        <i64 as sqlx::Type<sqlx::Any>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Any> for Micros {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        Ok(Micros(<i64 as sqlx::Decode<'r, sqlx::Any>>::decode(value)?))
    }
}

impl<'q> sqlx::Encode<'q, sqlx::Any> for Micros {
    fn encode_by_ref(
        &self,
        buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer<'q>,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        <i64 as sqlx::Encode<'q, sqlx::Any>>::encode_by_ref(&self.0, buf)
    }
}

/// A length of time, to the microsecond: a policy's window, a key's publication
/// delay, the wait before a retry.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Span(i64);

impl Span {
    pub const ZERO: Span = Span(0);
    pub const SECOND: Span = Span(US_PER_SECOND);
    pub const MINUTE: Span = Span(60 * US_PER_SECOND);
    pub const HOUR: Span = Span(3600 * US_PER_SECOND);

    /// `n` seconds.
    pub fn seconds(n: u64) -> Span {
        Span::SECOND.times(n)
    }

    /// `n` milliseconds (a configured delay).
    pub fn millis(n: u64) -> Span {
        Span(i64::try_from(n.saturating_mul(1_000)).unwrap_or(i64::MAX))
    }

    /// A `std` duration (a computed delay), to the microsecond, saturating.
    pub fn from_duration(d: std::time::Duration) -> Span {
        Span(i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
    }

    /// As a `std` duration (a wait); zero when negative.
    pub fn to_duration(self) -> std::time::Duration {
        std::time::Duration::from_micros(u64::try_from(self.0).unwrap_or(0))
    }

    /// `n` minutes.
    pub const fn minutes(n: u32) -> Span {
        Span(Span::MINUTE.0.saturating_mul(n as i64))
    }

    /// `n` hours, saturating.
    pub const fn hours(n: u32) -> Span {
        Span(Span::HOUR.0.saturating_mul(n as i64))
    }

    fn times(self, n: u64) -> Span {
        Span(self.0.saturating_mul(i64::try_from(n).unwrap_or(i64::MAX)))
    }

    /// Whole seconds, rounded down (a cookie's `Max-Age`).
    pub const fn whole_seconds(self) -> i64 {
        self.0 / US_PER_SECOND
    }

    /// The wait a `Retry-After` header states: whole seconds, rounded up, so a client
    /// that waits that long is past the deadline; at least one.
    pub fn retry_after_secs(self) -> u64 {
        let us = u64::try_from(self.0.max(1)).unwrap_or(1);
        us.div_ceil(US_PER_SECOND.unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_saturate_instead_of_overflowing() {
        assert_eq!(Span::hours(24).0, 86_400_000_000);
        assert_eq!(Span::minutes(15).0, 900_000_000);
        assert_eq!(Span::seconds(2).0, 2_000_000);
        assert_eq!(Span::millis(1_500).0, 1_500_000);
        assert_eq!(Span::millis(u64::MAX).0, i64::MAX);
        assert_eq!(
            Span::from_duration(std::time::Duration::from_millis(7)).0,
            7_000
        );
        assert_eq!(
            Span::millis(7).to_duration(),
            std::time::Duration::from_millis(7)
        );
        assert_eq!(Span(-5).to_duration(), std::time::Duration::ZERO);
        assert_eq!(Span::seconds(u64::MAX).0, i64::MAX);
        assert_eq!(Span::hours(u32::MAX).0, i64::MAX);
        assert_eq!(Micros(i64::MAX - 1) + Span::HOUR, Micros(i64::MAX));
        assert_eq!(Micros(i64::MIN + 1) - Span::HOUR, Micros(i64::MIN));
    }

    #[test]
    fn instants_and_spans_combine() {
        let now = Micros::from_micros(1_772_442_000_123_456);
        let later = now + Span::MINUTE;
        assert!(later > now);
        assert_eq!(later - now, Span::MINUTE);
        assert!(now - later < Span::ZERO);
        assert_eq!(later - Span::MINUTE, now);
        assert!(Micros::EPOCH < now);
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(Span(1).retry_after_secs(), 1);
        assert_eq!(Span::SECOND.retry_after_secs(), 1);
        assert_eq!(Span(US_PER_SECOND + 1).retry_after_secs(), 2);
        assert_eq!(Span::minutes(15).retry_after_secs(), 900);
        assert_eq!(Span(-5).retry_after_secs(), 1);
    }

    #[test]
    fn conversions_keep_the_microseconds() {
        let t = DateTime::parse_from_rfc3339("2026-03-02T09:00:00.123456789Z")
            .unwrap()
            .with_timezone(&Utc);
        let m = Micros::from_datetime(t);
        assert_eq!(m.as_micros(), 1_772_442_000_123_456);
        assert_eq!(m.unix_seconds(), 1_772_442_000);
        assert_eq!(m.subsec_nanos(), 123_456_000);
        assert_eq!(m.to_datetime().timestamp_micros(), m.as_micros());
        assert_eq!(Micros::from_micros(-1).unix_seconds(), 0);
        assert_eq!(format!("{m:?}"), "Micros(2026-03-02T09:00:00.123456Z)");
    }
}
