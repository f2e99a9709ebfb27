//! Warden's store on SQLite (the embedded default) and PostgreSQL: each aggregate trait of
//! `warden_core::store` implemented in the file named for it, with no layer between.
//!
//! One crate, two backends: the SQL is written once with `$N` placeholders, which both engines
//! accept, and runs through sqlx's `Any` driver; each backend has its own migrations. SQLite runs
//! in WAL mode with a single writer connection (writes queue instead of failing with BUSY) and a
//! pool of readers; PostgreSQL uses one pool for both.

mod access_keys;
mod browser_sessions;
mod challenges;
mod clients;
mod codes;
mod error;
mod families;
mod grants;
mod groups;
mod identity;
mod issuers;
mod pools;
mod read_batch;
mod resource_servers;
mod rotation;
mod rows;
mod sessions;
mod signing_keys;
mod sqlite_reads;
mod sweep;
mod throttle;
mod users;

use error::Error;
use std::str::FromStr;
use std::time::Duration;
use warden_core::error::StoreError;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone)]
pub struct SqlStore {
    backend: Backend,
    /// Serialises writes on SQLite (one connection); the shared pool on PostgreSQL.
    write: AnyPool,
    read: AnyPool,
    /// Refresh-token rotations, written in batches (see `rotation`).
    rotator: std::sync::Arc<rotation::Rotator>,
    /// SQLite in a file: the hottest reads, on the caller's thread (see `sqlite_reads`).
    inline: Option<std::sync::Arc<sqlite_reads::InlineReads>>,
    /// PostgreSQL: the same reads, coalesced (see `read_batch`).
    read_batch: std::sync::Arc<read_batch::ReadBatcher>,
    /// Attempt counters' keys, striped: waiting here holds no connection (see `throttle`).
    attempt_locks: std::sync::Arc<throttle::AttemptLocks>,
}

impl SqlStore {
    /// Connects to `url` (`sqlite://path` or `postgres://...`); creates a SQLite file if missing.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Other(format!("unsupported database URL scheme: {}", redact_url(url))));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url).map_err(Error::from)?;
        match backend {
            Backend::Sqlite => {
                let write = sqlite_pool(1).connect_with(options.clone()).await.map_err(Error::from)?;
                write.execute("PRAGMA journal_mode=WAL").await.map_err(Error::from)?;
                let read = sqlite_pool(8).connect_with(options).await.map_err(Error::from)?;
                let inline = sqlite_file(&url).map(|path| std::sync::Arc::new(sqlite_reads::InlineReads::new(path)));
                Ok(Self {
                    backend,
                    write,
                    read,
                    rotator: Default::default(),
                    inline,
                    read_batch: Default::default(),
                    attempt_locks: Default::default(),
                })
            }
            Backend::Postgres => {
                let pool = pool_options()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await
                    .map_err(Error::from)?;
                Ok(Self {
                    backend,
                    write: pool.clone(),
                    read: pool,
                    rotator: Default::default(),
                    inline: None,
                    read_batch: Default::default(),
                    attempt_locks: Default::default(),
                })
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs a multi-statement change on a task of its own, awaited by the caller.
    ///
    /// A request future is dropped when its client hangs up. Dropped inside sqlx's `BEGIN` round
    /// trip on PostgreSQL, it would return the connection to the pool inside a transaction nobody
    /// ends (sqlx issues #4393 and #2805, still in sqlx 0.8.6 and 0.9.0): later writes on that
    /// connection would never commit. On its own task the change always runs to its commit or
    /// rollback, whoever is still waiting for the answer. Every transaction goes through here.
    pub(crate) async fn detached<T, Fut>(&self, work: impl FnOnce(SqlStore) -> Fut) -> Result<T, StoreError>
    where
        Fut: std::future::Future<Output = error::R<T>> + Send + 'static,
        T: Send + 'static,
    {
        Ok(tokio::spawn(work(self.clone()))
            .await
            .map_err(|e| StoreError::Other(format!("store task ended abnormally: {e}")))??)
    }

    /// Applies pending migrations for this backend.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.write).await.map_err(|e| StoreError::Other(format!("migration failed: {e}")))
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

/// The database file of a SQLite URL; `None` for an in-memory database, which other connections
/// cannot open.
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url).ok()?;
    let path = options.get_filename();
    let memory = url.contains("mode=memory") || path.as_os_str().is_empty() || path.to_str() == Some(":memory:");
    (!memory).then(|| path.to_path_buf())
}

/// A connection used this recently is taken as live; one idle longer is pinged before use.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// Pool options shared by both engines. sqlx pings every connection it hands out by default:
/// a round trip before every statement, which on PostgreSQL doubled what each read cost the
/// server. As HikariCP does, only a connection idle for a while is checked (a dead one is
/// dropped and another taken); a busy pool's connections go straight to work.
fn pool_options() -> AnyPoolOptions {
    AnyPoolOptions::new().test_before_acquire(false).before_acquire(|conn, meta| {
        Box::pin(async move {
            if meta.idle_for >= PING_AFTER_IDLE {
                sqlx::Connection::ping(conn).await?;
            }
            Ok(true)
        })
    })
}

fn sqlite_pool(max: u32) -> AnyPoolOptions {
    pool_options().max_connections(max).min_connections(1).acquire_timeout(Duration::from_secs(30)).after_connect(
        |conn, _| {
            Box::pin(async move {
                conn.execute("PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON").await?;
                Ok(())
            })
        },
    )
}

/// A database URL with any password removed, for logs and errors: the userinfo's, and a
/// `password` or `sslpassword` query parameter's (libpq takes either).
///
/// A password may hold `?`, `#`, `/`, `:` or `@`, percent-encoded or not, so where the authority
/// ends cannot be told from those: everything between `://` and the last `@` is taken as the
/// userinfo (too much is hidden rather than too little). Its user part is kept only when it cannot
/// be anything else (no `/`, `?`, `#`, `&`, `=`, `;`). An SQLite URL has no userinfo: its path may
/// hold `@`.
pub fn redact_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let (scheme, rest) = match url.find("://") {
        Some(i) => {
            out.push_str(&url[..i + 3]);
            (Some(&url[..i]), &url[i + 3..])
        }
        None => (None, url),
    };
    let rest = match (scheme, rest.rfind('@')) {
        (Some(scheme), Some(at)) if !scheme.eq_ignore_ascii_case("sqlite") => {
            let user = rest[..at].split(':').next().unwrap_or("");
            if !user.is_empty() && !user.contains(['/', '?', '#', '&', '=', ';']) {
                out.push_str(user);
                out.push(':');
            }
            out.push_str("***@");
            &rest[at + 1..]
        }
        _ => rest,
    };
    // Every `key=value` after a `?` or `&`, wherever the query was taken to begin.
    for piece in rest.split_inclusive(['?', '&']) {
        let body = piece.strip_suffix(['?', '&']).unwrap_or(piece);
        match body.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("password") || k.eq_ignore_ascii_case("sslpassword") => {
                out.push_str(k);
                out.push_str("=***");
                out.push_str(&piece[body.len()..]);
            }
            _ => out.push_str(piece),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn redacts_password() {
        assert_eq!(redact_url("postgres://u:pw@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact_url("sqlite://./x.db"), "sqlite://./x.db");
        assert_eq!(
            redact_url("postgres://db/warden?user=w&password=s3cr3t&sslmode=require"),
            "postgres://db/warden?user=w&password=***&sslmode=require"
        );
        assert_eq!(redact_url("postgres://u:pw@h/db?sslpassword=k"), "postgres://u:***@h/db?sslpassword=***");
    }

    #[test]
    fn redacts_a_password_holding_url_delimiters() {
        for (url, shown) in [
            ("postgres://warden:pa?ss@db/w", "postgres://warden:***@db/w"),
            ("postgres://warden:pa#ss@db/w", "postgres://warden:***@db/w"),
            ("postgres://warden:pa/ss@db/w", "postgres://warden:***@db/w"),
            ("postgres://warden:pa@ss@db/w", "postgres://warden:***@db/w"),
            ("postgres://warden:pa:ss@db/w", "postgres://warden:***@db/w"),
            ("postgres://warden:pa%40s%3Fs@db/w", "postgres://warden:***@db/w"),
            (
                "postgres://warden:p?a#s/s@w@db:5432/w?sslmode=require",
                "postgres://warden:***@db:5432/w?sslmode=require",
            ),
            (
                "postgres://warden:pa?ss@db/w?password=k&sslpassword=j",
                "postgres://warden:***@db/w?password=***&sslpassword=***",
            ),
            ("smtps://mailer:pa?ss@smtp.example:465", "smtps://mailer:***@smtp.example:465"),
            ("postgres://:pa?ss@db/w", "postgres://***@db/w"),
            ("://warden:pa?ss@db/w", "://warden:***@db/w"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }

    #[test]
    fn an_at_sign_after_the_authority_hides_more_never_less() {
        // The last `@` is in the query: all before it is hidden, and a password after it too.
        let shown = redact_url("postgres://db/w?password=s3cr3t&application_name=me@host&sslpassword=k");
        assert!(!shown.contains("s3cr3t") && !shown.contains("=k"), "{shown}");
        assert_eq!(shown, "postgres://***@host&sslpassword=***");
        let shown = redact_url("postgres://u:pw@db/w?user=a@b&password=s3cr3t");
        assert!(!shown.contains("s3cr3t") && !shown.contains("pw"), "{shown}");
        assert_eq!(shown, "postgres://u:***@b&password=***");
        // An SQLite path may hold `@`; it has no userinfo to hide.
        assert_eq!(redact_url("sqlite:///srv/a@b/warden.db"), "sqlite:///srv/a@b/warden.db");
        assert_eq!(redact_url("sqlite:x.db?password=k"), "sqlite:x.db?password=***");
        assert_eq!(redact_url("sqlite:/srv/a@b.db"), "sqlite:/srv/a@b.db", "no authority without //");
    }
}
