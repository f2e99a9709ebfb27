//! The hottest SQLite reads, answered on the caller's thread.
//!
//! sqlx runs every SQLite connection on a thread of its own: each statement is a message to that
//! thread and a wake-up back, two context switches that cost more than the statement itself (a
//! primary-key lookup takes microseconds). The reads every token refresh and access-token check
//! makes go instead through read-only rusqlite connections kept here, on the async worker that
//! asks (a few tens of microseconds at most, well within what a worker may spend between
//! awaits). In WAL mode a reader never waits for the writer and sees every committed write, so
//! these reads see what sqlx's writer has committed, as sqlx's own readers do.
//!
//! A read never waits here: if SQLite is busy (a checkpoint in progress) or a connection fails,
//! the caller gets `None` and reads through sqlx's pool instead.

use crate::error::R;
use crate::SqlStore;
use rusqlite::{Connection, OpenFlags};
use sqlx::any::AnyRow;
use std::path::PathBuf;
use std::sync::Mutex;
use warden_core::store::FamilyKey;

/// Idle connections kept for reuse; more are opened while more readers run at once.
const MAX_IDLE: usize = 16;

#[derive(Debug)]
pub(crate) struct InlineReads {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl InlineReads {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self { path, idle: Mutex::new(Vec::new()) }
    }

    /// Runs `read` on an idle connection, on this thread; `None` when SQLite could not answer at
    /// once.
    pub(crate) fn run<T>(&self, read: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Option<T> {
        let idle = self.idle.lock().expect("inline reads lock").pop();
        let conn = match idle.map(Ok).unwrap_or_else(|| self.open()) {
            Ok(conn) => conn,
            Err(e) => {
                tracing::debug!(error = %e, "inline SQLite read unavailable; reading through the pool");
                return None;
            }
        };
        match read(&conn) {
            Ok(value) => {
                let mut idle = self.idle.lock().expect("inline reads lock");
                if idle.len() < MAX_IDLE {
                    idle.push(conn);
                }
                Some(value)
            }
            Err(e) => {
                tracing::debug!(error = %e, "inline SQLite read failed; reading through the pool");
                None
            }
        }
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags)?;
        // Never block the worker: busy means "ask the pool" (busy_timeout 0), and nothing here
        // may write.
        conn.busy_timeout(std::time::Duration::ZERO)?;
        conn.pragma_update(None, "query_only", true)?;
        Ok(conn)
    }
}

impl SqlStore {
    /// The row `sql` finds for `key` (its one parameter): read inline on SQLite when it can
    /// answer at once, otherwise through sqlx's read pool (in batches on PostgreSQL), and decoded by the same function
    /// (`fn(&impl rows::Cols)`) given once per driver.
    pub(crate) async fn read_family_row<T>(
        &self,
        sql: &'static str,
        key: FamilyKey<'_>,
        decode_inline: impl FnOnce(&rusqlite::Row<'_>) -> R<T>,
        decode_pooled: impl FnOnce(&AnyRow) -> R<T>,
    ) -> R<Option<T>> {
        let inline = self.inline.as_ref().and_then(|reads| {
            reads.run(|conn| {
                let mut statement = conn.prepare_cached(sql)?;
                let mut rows = match key {
                    FamilyKey::Id(id) => statement.query([id])?,
                    FamilyKey::TokenHash(hash) => statement.query([hash])?,
                };
                Ok(rows.next()?.map(decode_inline).transpose())
            })
        });
        if let Some(found) = inline {
            return found;
        }
        let row = match self.backend {
            // Read together with whatever other reads are waiting (see `read_batch`).
            crate::Backend::Postgres => self.read_batch.read(&self.read, sql, key).await?,
            crate::Backend::Sqlite => {
                let query = match key {
                    FamilyKey::Id(id) => sqlx::query(sql).bind(id.to_owned()),
                    FamilyKey::TokenHash(hash) => sqlx::query(sql).bind(hash.to_vec()),
                };
                query.fetch_optional(&self.read).await?
            }
        };
        row.as_ref().map(decode_pooled).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_that_cannot_run_here_is_left_to_the_pool() {
        let missing = InlineReads::new(std::env::temp_dir().join("warden-no-such-dir").join("w.db"));
        assert_eq!(missing.run(|c| c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))), None, "cannot open");

        let path = std::env::temp_dir().join(format!("warden-inline-{}.db", std::process::id()));
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (7);")
            .unwrap();
        let reads = InlineReads::new(path.clone());
        assert_eq!(reads.run(|c| c.query_row("SELECT x FROM t", [], |r| r.get::<_, i64>(0))), Some(7));
        assert_eq!(reads.run(|c| c.execute("INSERT INTO t VALUES (8)", [])), None, "query_only: nothing is written");
        assert_eq!(reads.run(|c| c.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))), Some(1));
        assert_eq!(reads.idle.lock().unwrap().len(), 1, "the failed connection was dropped, the good one kept");
        let _ = std::fs::remove_file(&path);
    }
}
