//! Dates and times as a person reads them: `2 Dec 2026, 05:47` in the viewer's own
//! time zone. Never `02/12/2026`, which reads as 12 February in half the world.

use chrono::{DateTime, Utc};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `2 Dec 2026, 05:47` from its parts (`month` from 0, as JavaScript counts).
pub fn words(year: u32, month: u32, day: u32, hour: u32, minute: u32) -> String {
    let name = MONTHS.get(month as usize).copied().unwrap_or("");
    format!("{day} {name} {year}, {hour:02}:{minute:02}")
}

/// A moment (milliseconds since the epoch) in the browser's time zone.
pub fn local(at_ms: f64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at_ms));
    words(
        d.get_full_year(),
        d.get_month(),
        d.get_date(),
        d.get_hours(),
        d.get_minutes(),
    )
}

/// [`local`] for a server timestamp.
pub fn local_time(at: DateTime<Utc>) -> String {
    local(millis(at))
}

fn millis(at: DateTime<Utc>) -> f64 {
    // Within f64's exact integers for any date this app will see.
    #[allow(clippy::cast_precision_loss)]
    let ms = at.timestamp_millis() as f64;
    ms
}

/// `in about 3 hours`, `in 40 minutes`, or nothing for a moment already past;
/// `from_now_ms` is how far ahead it is.
pub fn relative(from_now_ms: f64) -> Option<String> {
    // Whole numbers formatted as integers: f64 formatting would add ~10 KB of wasm.
    #[allow(clippy::cast_possible_truncation)]
    let minutes = (from_now_ms / 60_000.0).round() as i64;
    let plural = |n: i64| if n == 1 { "" } else { "s" };
    match minutes {
        m if m < 1 => None,
        m if m < 60 => Some(format!("in {m} minute{}", plural(m))),
        m => {
            let hours = (m + 30) / 60;
            Some(format!("in about {hours} hour{}", plural(hours)))
        }
    }
}

/// `2 Dec 2026, 05:47 (in about 24 hours)`: an expiry nobody can misread.
pub fn expiry(at: DateTime<Utc>) -> String {
    let at_ms = millis(at);
    match relative(at_ms - js_sys::Date::now()) {
        Some(rel) => format!("{} ({rel})", local(at_ms)),
        None => local(at_ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_the_same_everywhere() {
        assert_eq!(words(2026, 11, 2, 5, 47), "2 Dec 2026, 05:47");
        assert_eq!(words(2027, 0, 31, 23, 5), "31 Jan 2027, 23:05");
    }

    #[test]
    fn how_far_ahead_in_words() {
        assert_eq!(relative(-5.0), None);
        assert_eq!(relative(60_000.0), Some("in 1 minute".into()));
        assert_eq!(relative(40.0 * 60_000.0), Some("in 40 minutes".into()));
        assert_eq!(
            relative(24.0 * 3_600_000.0),
            Some("in about 24 hours".into())
        );
        assert_eq!(relative(3_600_000.0), Some("in about 1 hour".into()));
    }
}
