//! Runtime configuration, from flags or `OPENSTAFF_*` environment variables.

use clap::Args;
use std::path::PathBuf;

/// Settings shared by every subcommand that touches the store.
#[derive(Debug, Clone, Args)]
pub struct StoreConfig {
    /// `sqlite://path` (embedded, the default) or `postgres://user:pass@host/db`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/openstaff.db",
        global = true
    )]
    pub database_url: String,

    /// Read connections in the pool (SQLite keeps a single writer besides these).
    #[arg(
        long,
        env = "OPENSTAFF_DB_READ_CONNECTIONS",
        default_value_t = 8,
        global = true
    )]
    pub read_connections: u32,
}

/// Settings of the HTTP server.
#[derive(Debug, Clone, Args)]
pub struct ServerConfig {
    /// Address to listen on.
    #[arg(long, env = "OPENSTAFF_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// Token issuer (`iss`), normally the public base URL.
    #[arg(long, env = "OPENSTAFF_ISSUER", default_value = "openstaff")]
    pub issuer: String,

    /// Token audience (`aud`).
    #[arg(long, env = "OPENSTAFF_AUDIENCE", default_value = "openstaff-api")]
    pub audience: String,

    /// Access token lifetime in seconds.
    #[arg(long, env = "OPENSTAFF_TOKEN_TTL_SECONDS", default_value_t = 900)]
    pub token_ttl_seconds: u64,

    /// PKCS#8 PEM file holding an Ed25519 signing key; when unset the key is
    /// generated at first start and kept in the database so replicas share it.
    #[arg(long, env = "OPENSTAFF_SIGNING_KEY_FILE")]
    pub signing_key_file: Option<PathBuf>,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "OPENSTAFF_WORKERS")]
    pub workers: Option<usize>,

    /// Largest accepted JSON body in bytes.
    #[arg(long, env = "OPENSTAFF_MAX_BODY_BYTES", default_value_t = 64 * 1024)]
    pub max_body_bytes: usize,
}

impl ServerConfig {
    /// Defaults suitable for tests and embedding.
    pub fn for_tests() -> Self {
        ServerConfig {
            bind: "127.0.0.1:0".to_owned(),
            issuer: "openstaff".to_owned(),
            audience: "openstaff-api".to_owned(),
            token_ttl_seconds: 900,
            signing_key_file: None,
            workers: Some(2),
            max_body_bytes: 64 * 1024,
        }
    }
}
