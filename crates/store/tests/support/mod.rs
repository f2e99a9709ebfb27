//! The conformance harness: a fresh database per test on each backend, cleaned up afterwards
//! even when the test panics.
//!
//! * SQLite always: a new file under the temp dir, removed (with its WAL files) at the end.
//! * PostgreSQL when `WARDEN_TEST_POSTGRES_URL` is set: `CREATE DATABASE warden_test_<uuid>`
//!   through that URL, dropped at the end (best effort). With `WARDEN_REQUIRE_POSTGRES=1` and no
//!   URL the PostgreSQL variant of every test fails instead of skipping.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sqlx::Connection;
use tokio::sync::Semaphore;
use warden_store::SqlStore;

/// Caps the PostgreSQL databases (and their connection pools) alive at once in this binary, so a
/// many-core machine cannot exhaust the server's `max_connections`.
static PG_SLOTS: Semaphore = Semaphore::const_new(4);

/// Expands each body into `<name>::sqlite` and `<name>::postgres` tests. The body gets
/// `s: Arc<SqlStore>` on a fresh, migrated database.
macro_rules! conformance {
    ($name:ident, |$s:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($s: std::sync::Arc<warden_store::SqlStore>) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                crate::support::on_sqlite(body).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                crate::support::on_postgres(body).await;
            }
        }
    };
}

/// `WARDEN_TEST_POSTGRES_URL`, or `None` to skip; panics when PostgreSQL is required but absent.
pub fn postgres_url() -> Option<String> {
    postgres_url_from(std::env::var("WARDEN_TEST_POSTGRES_URL").ok(), std::env::var("WARDEN_REQUIRE_POSTGRES").ok())
}

pub fn postgres_url_from(url: Option<String>, require: Option<String>) -> Option<String> {
    match url {
        Some(url) if !url.trim().is_empty() => Some(url),
        _ => {
            assert!(
                require.as_deref().map(str::trim) != Some("1"),
                "WARDEN_REQUIRE_POSTGRES=1 but WARDEN_TEST_POSTGRES_URL is not set: \
                 the PostgreSQL conformance tests cannot run (set it, e.g. postgres://postgres@127.0.0.1:5432/postgres)"
            );
            None
        }
    }
}

/// `base` with its database replaced by `name` (query parameters kept).
pub fn with_database(base: &str, name: &str) -> String {
    let (head, query) = match base.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (base, None),
    };
    let authority_start = head.find("://").map_or(0, |i| i + 3);
    let path_start = head[authority_start..].find('/').map_or(head.len(), |i| authority_start + i);
    let mut url = format!("{}/{name}", &head[..path_start]);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    url
}

pub fn temp_sqlite_path(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("warden-{tag}-{}.db", uuid::Uuid::new_v4().simple()))
}

pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

pub fn remove_sqlite_files(path: &Path) {
    let _ = std::fs::remove_file(path);
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// Runs `body` on a fresh store inside its own task, so a panic still reaches the cleanup.
async fn run_isolated<F, Fut>(url: String, body: F) -> Result<(), tokio::task::JoinError>
where
    F: FnOnce(Arc<SqlStore>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        let store = Arc::new(SqlStore::connect(&url).await.expect("connect to the test database"));
        store.migrate().await.expect("migrate the test database");
        body(store.clone()).await;
        store.close().await;
    })
    .await
}

fn rethrow(outcome: Result<(), tokio::task::JoinError>) {
    if let Err(e) = outcome {
        match e.try_into_panic() {
            Ok(payload) => std::panic::resume_unwind(payload),
            Err(e) => panic!("test task failed: {e}"),
        }
    }
}

pub async fn on_sqlite<F, Fut>(body: F)
where
    F: FnOnce(Arc<SqlStore>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let path = temp_sqlite_path("conformance");
    let outcome = run_isolated(sqlite_url(&path), body).await;
    remove_sqlite_files(&path);
    rethrow(outcome);
}

pub async fn on_postgres<F, Fut>(body: F)
where
    F: FnOnce(Arc<SqlStore>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(base) = postgres_url() else {
        eprintln!("skipped: WARDEN_TEST_POSTGRES_URL is not set");
        return;
    };
    let _slot = PG_SLOTS.acquire().await.expect("semaphore open");
    let name = format!("warden_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&base).await.expect("connect to WARDEN_TEST_POSTGRES_URL");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("CREATE DATABASE");
    admin.close().await.ok();
    let outcome = run_isolated(with_database(&base, &name), body).await;
    drop_database(&base, &name).await;
    rethrow(outcome);
}

/// Best effort: `WITH (FORCE)` ends connections a panicking test left behind.
async fn drop_database(base: &str, name: &str) {
    match sqlx::PgConnection::connect(base).await {
        Ok(mut conn) => {
            if let Err(e) =
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await
            {
                eprintln!("could not drop test database {name}: {e}");
            }
            conn.close().await.ok();
        }
        Err(e) => eprintln!("could not connect to drop test database {name}: {e}"),
    }
}
