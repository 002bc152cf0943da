//! Logging: structured JSON lines by default (one per request, with its request id),
//! or human-readable text with `OPENSTAFF_LOG_FORMAT=text`. Level from `RUST_LOG`.

use tracing_subscriber::{fmt, EnvFilter};

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,actix_server=warn"));
    let text = std::env::var("OPENSTAFF_LOG_FORMAT").is_ok_and(|v| v == "text");
    let result = if text {
        fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init()
    } else {
        fmt()
            .json()
            .with_current_span(true)
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init()
    };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
}
