//! Database access. Every query is written once, with `$n` placeholders and portable
//! SQL, and runs on SQLite and PostgreSQL through sqlx's `Any` driver; the only
//! store-specific code is connection set-up and the choice of migration folder.

pub mod accounts;
pub mod applications;
pub mod audit;
pub mod badges;
pub mod codes;
pub mod directory;
pub mod keys;
pub mod membership;
pub mod methods;
pub mod oidc;
pub mod passes;
pub mod phones;
pub mod role_assignments;
pub mod search;
pub mod settings;
pub mod sms;
pub mod units;
pub mod users;

use anyhow::Context;
use base64::Engine;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
pub use sqlx::Any as Db;
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::time::Duration;

/// A transaction on the writer connection.
pub type Tx = sqlx::Transaction<'static, Db>;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The connection pools. SQLite allows one writer at a time, so writes go through a
/// single connection (no busy-retry storms) while reads use a pool; PostgreSQL uses
/// one pool for both.
#[derive(Clone, Debug)]
pub struct Store {
    pub backend: Backend,
    read: AnyPool,
    write: AnyPool,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unique constraint violated")]
    Conflict,
    #[error("referenced row does not exist")]
    ForeignKey,
    #[error(transparent)]
    Other(#[from] sqlx::Error),
}

impl StoreError {
    fn classify(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err {
            if db.is_unique_violation() {
                return StoreError::Conflict;
            }
            if db.is_foreign_key_violation() {
                return StoreError::ForeignKey;
            }
        }
        StoreError::Other(err)
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

pub(crate) trait ResultExt<T> {
    fn db(self) -> StoreResult<T>;
}

impl<T> ResultExt<T> for Result<T, sqlx::Error> {
    fn db(self) -> StoreResult<T> {
        self.map_err(StoreError::classify)
    }
}

impl Store {
    /// Connects, creating the SQLite file and its folder when missing.
    pub async fn connect(url: &str, read_connections: u32) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            anyhow::bail!("DATABASE_URL must start with sqlite:// or postgres://");
        };
        match backend {
            Backend::Sqlite => {
                let url = sqlite_url(url)?;
                let opts = AnyConnectOptions::from_str(&url)
                    .with_context(|| "invalid SQLite DATABASE_URL".to_owned())?;
                let pragmas = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
                               PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";
                let write = AnyPoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(move |conn, _| {
                        Box::pin(async move {
                            conn.execute(pragmas).await?;
                            Ok(())
                        })
                    })
                    .connect_with(opts.clone())
                    .await
                    .with_context(|| "cannot open the SQLite database".to_owned())?;
                // The writer creates the file and switches it to WAL before readers open it.
                let read = AnyPoolOptions::new()
                    .max_connections(read_connections.max(1))
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(move |conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                                 PRAGMA query_only = ON;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(opts)
                    .await?;
                Ok(Store {
                    backend,
                    read,
                    write,
                })
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(read_connections.max(2) + 2)
                    // Short, so a database outage answers 503 promptly.
                    .acquire_timeout(Duration::from_secs(3))
                    .connect(url)
                    .await
                    .with_context(|| "cannot connect to PostgreSQL".to_owned())?;
                Ok(Store {
                    backend,
                    read: pool.clone(),
                    write: pool,
                })
            }
        }
    }

    /// Applies the embedded migrations of this store's kind.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.write)
            .await
            .context("applying database migrations")?;
        Ok(())
    }

    pub fn reader(&self) -> &AnyPool {
        &self.read
    }

    /// Starts a write transaction on the writer connection. On SQLite it takes the write
    /// lock at once (`BEGIN IMMEDIATE`), so what the transaction reads stays current
    /// until it commits, even with another process (the CLI) writing.
    pub async fn begin(&self) -> StoreResult<Tx> {
        match self.backend {
            Backend::Sqlite => self.write.begin_with("BEGIN IMMEDIATE").await.db(),
            Backend::Postgres => self.write.begin().await.db(),
        }
    }

    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.read).await.db()?;
        Ok(())
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

/// `sqlite://path` → a URL that creates the file (and its folder) when missing.
fn sqlite_url(url: &str) -> anyhow::Result<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    if path != ":memory:" && !path.is_empty() {
        if let Some(dir) = std::path::Path::new(path).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating folder {}", dir.display()))?;
            }
        }
    }
    let query = match query {
        Some(q) if q.contains("mode=") => q.to_owned(),
        Some(q) => format!("{q}&mode=rwc"),
        None => "mode=rwc".to_owned(),
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// An opaque paging cursor: the sort key and id of the last row returned.
pub fn encode_cursor(sort_key: &str, id: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{sort_key}\u{1f}{id}"))
}

/// Decodes a cursor made by [`encode_cursor`]; `None` when it is not one.
pub fn decode_cursor(cursor: &str) -> Option<(String, String)> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (key, id) = text.split_once('\u{1f}')?;
    uuid::Uuid::parse_str(id).ok()?;
    Some((key.to_owned(), id.to_owned()))
}

/// A 0/1 flag column decoded into `bool` (`#[sqlx(try_from = "DbFlag")]`).
pub struct DbFlag(i64);

impl sqlx::Type<Db> for DbFlag {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <i64 as sqlx::Type<Db>>::type_info()
    }

    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        <i64 as sqlx::Type<Db>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, Db> for DbFlag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        Ok(DbFlag(<i64 as sqlx::Decode<'r, Db>>::decode(value)?))
    }
}

impl From<DbFlag> for bool {
    fn from(f: DbFlag) -> bool {
        f.0 != 0
    }
}

/// An id read from text the store itself wrote (an index key); a bad one is a decode
/// error, answered as a logged 500, never a nil id.
pub(crate) fn parse_stored_id<T>(text: &str) -> StoreResult<T>
where
    T: std::str::FromStr<Err = uuid::Error>,
{
    text.parse()
        .map_err(|e: uuid::Error| StoreError::Other(sqlx::Error::Decode(Box::new(e))))
}

/// `$start, $start+1, …` for `n` bound values.
pub(crate) fn placeholders(start: usize, n: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // Tests may use the real clock and ids.
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let id = uuid::Uuid::now_v7().to_string();
        let c = encode_cursor("ana lopez", &id);
        assert_eq!(decode_cursor(&c), Some(("ana lopez".to_owned(), id)));
        assert_eq!(decode_cursor("!!"), None);
        assert_eq!(decode_cursor(&encode_cursor("x", "not-a-uuid")), None);
    }

    #[test]
    fn sqlite_urls_create_the_file() {
        assert_eq!(
            sqlite_url("sqlite::memory:").unwrap(),
            "sqlite://:memory:?mode=rwc"
        );
        let dir = std::env::temp_dir().join(format!("os-{}", uuid::Uuid::now_v7()));
        let url = format!("sqlite://{}/x.db", dir.display());
        assert!(sqlite_url(&url).unwrap().ends_with("x.db?mode=rwc"));
        assert!(dir.exists());
        std::fs::remove_dir_all(dir).unwrap();
    }
}

/// A value for [`bulk_insert`].
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Int(i64),
    At(crate::time::Micros),
    Null,
}

/// Inserts many rows with multi-row `VALUES`. Statements stay near 1,000 bound
/// parameters: sqlx's SQLite driver resolves each parameter by scanning the
/// statement's parameter names, so binding costs grow with the square of their count.
pub async fn bulk_insert(
    tx: &mut Tx,
    table: &str,
    cols: &[&str],
    rows: &[Vec<Cell>],
) -> StoreResult<()> {
    let per_chunk = (1_000 / cols.len().max(1)).max(1);
    for chunk in rows.chunks(per_chunk) {
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
        let mut n = 0;
        for (i, _) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            sql.push_str(&placeholders(n + 1, cols.len()));
            sql.push(')');
            n += cols.len();
        }
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for cell in row {
                q = match cell {
                    Cell::Text(s) => q.bind(s.clone()),
                    Cell::Int(i) => q.bind(*i),
                    Cell::At(t) => q.bind(*t),
                    Cell::Null => q.bind(Option::<String>::None),
                };
            }
        }
        q.execute(&mut **tx).await.db()?;
    }
    Ok(())
}
