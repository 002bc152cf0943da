//! The SPA's timestamp reader (`shared::rfc3339`) against chrono's own parser.

use chrono::{DateTime, FixedOffset, SecondsFormat, TimeZone, Utc};
use openstaff_shared::rfc3339;
use proptest::prelude::*;

/// 0001-01-01T00:00:00Z ..= 9999-12-31T23:59:59Z.
const MIN_SECS: i64 = -62_135_596_800;
const MAX_SECS: i64 = 253_402_300_799;

fn via_serde(text: &str) -> Result<DateTime<Utc>, serde_json::Error> {
    let json = serde_json::to_string(text).unwrap();
    rfc3339::deserialize(&mut serde_json::Deserializer::from_str(&json))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// Whatever the server writes (chrono's `Serialize`) reads back to the same instant.
    #[test]
    fn reads_what_chrono_writes(secs in MIN_SECS..=MAX_SECS, nanos in 0u32..1_000_000_000, round in 0usize..4) {
        let nanos = [nanos, nanos / 1_000 * 1_000, nanos / 1_000_000 * 1_000_000, 0][round];
        let at = Utc.timestamp_opt(secs, nanos).unwrap();
        let json = serde_json::to_string(&at).unwrap();
        let text: String = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(rfc3339::parse(&text), Some(at));
        prop_assert_eq!(via_serde(&text).unwrap(), at);
        let back: DateTime<Utc> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, at);
    }

    /// Offsets and every seconds format agree with chrono's RFC 3339 parser.
    #[test]
    fn offsets_agree_with_chrono(
        secs in (MIN_SECS + 86_400)..=(MAX_SECS - 86_400),
        nanos in 0u32..1_000_000_000,
        offset_min in -(23 * 60 + 59)..=(23 * 60 + 59),
        format in 0usize..5,
        use_z in any::<bool>(),
    ) {
        let offset = FixedOffset::east_opt(offset_min * 60).unwrap();
        let at = offset.timestamp_opt(secs, nanos).unwrap();
        let formats = [
            SecondsFormat::Secs,
            SecondsFormat::Millis,
            SecondsFormat::Micros,
            SecondsFormat::Nanos,
            SecondsFormat::AutoSi,
        ];
        let text = at.to_rfc3339_opts(formats[format], use_z);
        let chrono = DateTime::parse_from_rfc3339(&text).unwrap().with_timezone(&Utc);
        prop_assert_eq!(rfc3339::parse(&text), Some(chrono));
    }
}

#[test]
fn separators_fractions_and_leap_seconds_read_as_chrono_does() {
    for text in [
        "2026-07-28T14:02:03Z",
        "2026-07-28t14:02:03z",
        "2026-07-28 14:02:03Z",
        "2026-07-28T14:02:03.1Z",
        "2026-07-28T14:02:03.123456789123Z",
        "2026-07-28T14:02:03.5+02:00",
        "2026-07-28T00:30:00-01:30",
        "2016-12-31T23:59:60Z",
        "2016-12-31T23:59:60.5Z",
        "2024-02-29T00:00:00Z",
    ] {
        let chrono: DateTime<Utc> = serde_json::from_str(&serde_json::to_string(text).unwrap())
            .unwrap_or_else(|e| panic!("chrono rejects {text}: {e}"));
        assert_eq!(rfc3339::parse(text), Some(chrono), "{text}");
    }
}

/// Strict RFC 3339: also refused are chrono's lenient extras (spaces, one-digit fields,
/// `UTC`, years past 9999), which the server never writes.
#[test]
fn malformed_timestamps_are_refused() {
    for text in [
        "",
        "2026-07-28",
        "2026-07-28T14:02Z",
        "2026-07-28T14:02:03",
        "2026-07-28T14:02:03.Z",
        "2026-07-28X14:02:03Z",
        "2026-13-01T00:00:00Z",
        "2025-02-29T00:00:00Z",
        "2026-07-28T24:00:00Z",
        "2026-07-28T14:60:00Z",
        "2026-07-28T14:02:61Z",
        "2026-07-28T14:02:03+24:00",
        "2026-07-28T14:02:03+02",
        "2026-07-28T14:02:03Z ",
        "2026-7-28T14:02:03Z",
        "2026-07-28T14:02:03UTC",
        "+12026-07-28T14:02:03Z",
        "２026-07-28T14:02:03Z",
        "2026-07-28T14:02:03.12a3Z",
    ] {
        assert_eq!(rfc3339::parse(text), None, "{text}");
        assert!(via_serde(text).is_err(), "{text}");
    }
    assert!(
        rfc3339::deserialize_option(&mut serde_json::Deserializer::from_str("null"))
            .unwrap()
            .is_none()
    );
}
