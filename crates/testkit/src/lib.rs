//! `TestApp`: a real Warden server on 127.0.0.1:0 with a fresh database (SQLite file in a temp
//! dir, or a new PostgreSQL database), for integration tests on both backends.

use std::path::PathBuf;
use std::sync::Arc;

use sqlx::Connection;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use warden_core::Warden;
use warden_server::{App, Config};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests should use, from `WARDEN_TEST_POSTGRES_URL`. When
/// `WARDEN_REQUIRE_POSTGRES=1` a missing URL is a failure, not a skip.
pub fn postgres_url() -> Option<String> {
    match std::env::var("WARDEN_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("WARDEN_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "WARDEN_REQUIRE_POSTGRES=1 but WARDEN_TEST_POSTGRES_URL is not set: PostgreSQL tests would be skipped"
            );
            None
        }
    }
}

pub struct TestApp {
    pub url: String,
    pub warden: Arc<Warden>,
    pub data_dir: PathBuf,
    pub admin_key: (String, String),
    /// The configuration the server was built with (its data dir and database).
    pub config: Config,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    database: Option<(String, String)>,
}

impl TestApp {
    /// `None` when the backend is PostgreSQL and no server is configured.
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Option<Self> {
        Self::spawn_full(backend, tweak, Arc::new(warden_core::SystemClock)).await
    }

    /// A server whose time is `clock` (a `ManualClock` lets a test expire codes and tokens).
    pub async fn spawn_with_clock(backend: Backend, clock: Arc<dyn warden_core::Clock>) -> Option<Self> {
        Self::spawn_full(backend, |_| {}, clock).await
    }

    async fn spawn_full(
        backend: Backend,
        tweak: impl FnOnce(&mut Config),
        clock: Arc<dyn warden_core::Clock>,
    ) -> Option<Self> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let data_dir = std::env::temp_dir().join(format!("warden-test-{id}"));
        let mut config = Config { data_dir: data_dir.clone(), ..Config::default() };
        // Cheap hashing keeps tests fast; the parameters themselves are tested in core.
        config.argon2.memory_kib = 1024;
        config.argon2.iterations = 1;
        let admin_key = (format!("AKIATEST{}", &id[..12].to_uppercase()), format!("secret-{id}"));
        config.admin_access_key_id = Some(admin_key.0.clone());
        config.admin_secret_access_key = Some(admin_key.1.clone().into());
        let mut database = None;
        if backend == Backend::Postgres {
            let base = postgres_url()?;
            let name = format!("warden_test_{id}");
            let mut conn = sqlx::PgConnection::connect(&base).await.expect("connect to WARDEN_TEST_POSTGRES_URL");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create test database");
            conn.close().await.ok();
            config.database_url = Some(with_database(&base, &name));
            database = Some((base, name));
        }
        tweak(&mut config);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let app: App = warden_server::build_with_clock(&config, &addr.to_string(), clock).await.expect("build app");
        let warden = app.warden.clone();
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            warden_server::serve(listener, &app, async {
                let _ = rx.await;
            })
            .await
            .expect("serve");
            app.store.close().await;
        });
        Some(Self {
            url: format!("http://{addr}"),
            warden,
            data_dir,
            admin_key,
            config,
            shutdown: Some(tx),
            server: Some(server),
            database,
        })
    }

    /// Another instance over the same database and master key, as a second server sharing the
    /// store would be (not serving; its `warden` is called directly). Close its store when done.
    pub async fn another_instance(&self, clock: Arc<dyn warden_core::Clock>) -> App {
        // Same public URL, so both issue and accept tokens of the same issuers.
        let listen = self.url.trim_start_matches("http://");
        warden_server::build_with_clock(&self.config, listen, clock).await.expect("build another instance")
    }

    /// Stops the server and drops its database.
    pub async fn stop(mut self) {
        self.stop_inner().await;
    }

    async fn stop_inner(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.server.take() {
            let _ = h.await;
        }
        if let Some((base, name)) = self.database.take() {
            if let Ok(mut conn) = sqlx::PgConnection::connect(&base).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
            }
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }

    /// The messages in the dev outbox, oldest first, once the work done after answers (a reset
    /// code is sent after ForgotPassword's answer) has finished.
    pub async fn outbox(&self) -> Vec<serde_json::Value> {
        self.warden.kernel.flush_delivery().await;
        std::fs::read_to_string(self.data_dir.join("outbox.jsonl"))
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("outbox line is JSON"))
            .collect()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn with_database(base: &str, name: &str) -> String {
    let (without_query, query) = match base.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (base, None),
    };
    let scheme_end = without_query.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match without_query[scheme_end..].find('/') {
        Some(i) => &without_query[..scheme_end + i],
        None => without_query,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

/// One test per store for each `async fn name(backend: Backend)` named: `name::sqlite` and
/// `name::postgres` (which returns early, passing, when no PostgreSQL is configured; CI sets
/// `WARDEN_REQUIRE_POSTGRES`).
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),*) => {$(
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::Backend::Postgres).await;
            }
        }
    )*};
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn swaps_the_database_name() {
        assert_eq!(with_database("postgres://u@h:5432/postgres", "x"), "postgres://u@h:5432/x");
        assert_eq!(with_database("postgres://u@h/postgres?sslmode=disable", "x"), "postgres://u@h/x?sslmode=disable");
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
