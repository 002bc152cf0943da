//! Time as the store keeps it: microseconds since the Unix epoch in an `i64`. Every
//! conversion and every unit of it lives here, so no other file multiplies by hand.
//! "Now" comes from the clock in `state`.

use chrono::{DateTime, Utc};

/// One second, in the store's microseconds.
pub const SECOND: i64 = 1_000_000;
/// One minute, in the store's microseconds.
pub const MINUTE: i64 = 60 * SECOND;
/// One hour, in the store's microseconds.
pub const HOUR: i64 = 60 * MINUTE;

/// `n` seconds, saturating (a configured duration can never overflow a timestamp).
pub fn seconds(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX).saturating_mul(SECOND)
}

/// `n` minutes.
pub fn minutes(n: u32) -> i64 {
    i64::from(n) * MINUTE
}

/// `n` hours.
pub fn hours(n: u32) -> i64 {
    i64::from(n) * HOUR
}

/// Whole seconds in `us`, rounded up, at least one (a `Retry-After` value).
pub fn ceil_seconds(us: i64) -> u64 {
    u64::try_from((us.max(SECOND) + SECOND - 1) / SECOND).unwrap_or(1)
}

/// A stored timestamp as a wire time.
pub fn to_datetime(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_rounding() {
        assert_eq!(hours(24), 86_400_000_000);
        assert_eq!(minutes(15), 900_000_000);
        assert_eq!(seconds(2), 2_000_000);
        assert_eq!(seconds(u64::MAX), i64::MAX);
        assert_eq!(ceil_seconds(1), 1);
        assert_eq!(ceil_seconds(SECOND), 1);
        assert_eq!(ceil_seconds(SECOND + 1), 2);
        assert_eq!(ceil_seconds(-5), 1);
        assert_eq!(to_datetime(SECOND).timestamp(), 1);
    }
}
