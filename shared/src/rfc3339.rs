//! A small RFC 3339 reader for the timestamps of the wire types.
//!
//! The SPA deserializes timestamps with this instead of chrono's `Deserialize`, whose
//! general-purpose format parser is about 20 KB of wasm. It reads what the server's
//! chrono writes (`2026-07-28T14:02:03.123456Z`) and RFC 3339 in general: `T`, `t` or
//! a space between date and time, any number of fraction digits (nanoseconds from the
//! first nine), and `Z`, `z` or a `±HH:MM` offset; not chrono's lenient extras
//! (surrounding spaces, one-digit fields, years past 9999). `tests/rfc3339.rs` checks
//! it against chrono on both counts.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{de, Deserialize, Deserializer};

/// Reads an RFC 3339 date and time as UTC; `None` if it is not one.
pub fn parse(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(range)?;
        digits.iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(at(4, b'-') && at(7, b'-') && at(13, b':') && at(16, b':')) {
        return None;
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let year = i32::try_from(num(0..4)?).ok()?;
    let (month, day) = (num(5..7)?, num(8..10)?);
    let (hour, minute, mut second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut i = 19;
    let mut nanos = 0u32;
    if at(i, b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 9 {
                nanos = nanos * 10 + u32::from(b[i] - b'0');
            }
            i += 1;
        }
        let digits = i - start;
        if digits == 0 {
            return None;
        }
        nanos *= 10u32.pow(9u32.saturating_sub(u32::try_from(digits).ok()?));
    }
    let offset_secs = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && at(i + 3, b':') => {
            let (h, m) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if h > 23 || m > 59 {
                return None;
            }
            let secs = i64::from(h * 3600 + m * 60);
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    // A leap second, as chrono reads it: 59 seconds and more than 10⁹ nanoseconds.
    if second == 60 {
        second = 59;
        nanos += 1_000_000_000;
    }
    let local = NaiveDate::from_ymd_opt(year, month, day)?
        .and_hms_nano_opt(hour, minute, second, nanos)?
        .and_utc();
    local.checked_sub_signed(TimeDelta::seconds(offset_secs))
}

/// `#[serde(deserialize_with)]` for a `DateTime<Utc>` field.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse(&text).ok_or_else(|| de::Error::custom("an RFC 3339 formatted date and time string"))
}

/// `#[serde(deserialize_with)]` for an `Option<DateTime<Utc>>` field.
pub fn deserialize_option<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    match Option::<String>::deserialize(deserializer)? {
        None => Ok(None),
        Some(text) => parse(&text)
            .map(Some)
            .ok_or_else(|| de::Error::custom("an RFC 3339 formatted date and time string")),
    }
}
