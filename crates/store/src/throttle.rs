//! Failed-attempt counters: one row per (key, attempt id), so a client's retries count once.
//! Every count that decides a limit runs under a per-key lock (PostgreSQL: a transaction-scoped
//! advisory lock; SQLite: its single writer), so concurrent attempts see each other. Callers of
//! one process first queue on an in-memory lock for the key's stripe, holding no connection, so
//! a burst on one key cannot tie up the pool waiting for the database's lock; and an attempt
//! whose key is already at its limit is refused by a plain read, taking no lock at all.

use crate::error::{sql, R};
use crate::{Backend, SqlStore};
use async_trait::async_trait;
use sqlx::Row;
use warden_core::store::{StoreResult, ThrottleStore};

const STRIPES: usize = 64;

/// In-process locks over the keys' stripes.
#[derive(Debug)]
pub(crate) struct AttemptLocks(Vec<tokio::sync::Mutex<()>>);

impl Default for AttemptLocks {
    fn default() -> Self {
        Self((0..STRIPES).map(|_| tokio::sync::Mutex::new(())).collect())
    }
}

impl AttemptLocks {
    /// The locks of `keys`' stripes, taken in stripe order (no two callers wait on each other).
    async fn lock<'a>(&'a self, keys: impl Iterator<Item = &'a str>) -> Vec<tokio::sync::MutexGuard<'a, ()>> {
        use std::hash::{BuildHasher, BuildHasherDefault};
        let hasher = BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default();
        let mut stripes: Vec<usize> = keys.map(|k| hasher.hash_one(k) as usize % STRIPES).collect();
        stripes.sort_unstable();
        stripes.dedup();
        let mut guards = Vec::with_capacity(stripes.len());
        for i in stripes {
            guards.push(self.0[i].lock().await);
        }
        guards
    }
}

impl SqlStore {
    /// Takes `key`'s lock for the rest of `tx` and drops its attempts older than `since`.
    async fn lock_and_prune(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>, key: &str, since: i64) -> R<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtextextended($1, 7))) AS locked")
                .bind(key)
                .execute(&mut **tx)
                .await?;
        }
        sqlx::query("DELETE FROM failures WHERE key = $1 AND at <= $2")
            .bind(key)
            .bind(since)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

async fn insert(conn: &mut sqlx::AnyConnection, key: &str, attempt_id: &str, at: i64) -> R<()> {
    sqlx::query(
        "INSERT INTO failures (key, attempt_id, at) VALUES ($1, $2, $3) ON CONFLICT (key, attempt_id) DO NOTHING",
    )
    .bind(key)
    .bind(attempt_id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

async fn count(conn: &mut sqlx::AnyConnection, key: &str, since: i64) -> R<u32> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM failures WHERE key = $1 AND at > $2")
        .bind(key)
        .bind(since)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get::<i64, _>("n")? as u32)
}

#[async_trait]
impl ThrottleStore for SqlStore {
    async fn record_failure(&self, key: &str, attempt_id: &str, at: i64, since: i64) -> StoreResult<u32> {
        let (key, attempt_id) = (key.to_owned(), attempt_id.to_owned());
        self.detached(move |s| async move { s.record_failure_tx(&key, &attempt_id, at, since).await }).await
    }

    async fn count_failures(&self, key: &str, since: i64) -> StoreResult<u32> {
        sql(async {
            let mut conn = self.read.acquire().await?;
            count(&mut conn, key, since).await
        })
        .await
    }

    async fn clear_failures(&self, key: &str) -> StoreResult<()> {
        sql(async {
            sqlx::query("DELETE FROM failures WHERE key = $1").bind(key).execute(&self.write).await?;
            Ok(())
        })
        .await
    }

    async fn remember_sign_in(&self, key: &str, at: i64) -> StoreResult<()> {
        sql(async {
            sqlx::query(
                "INSERT INTO sign_in_sources (key, seen_at) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET seen_at = excluded.seen_at",
            )
            .bind(key)
            .bind(at)
            .execute(&self.write)
            .await?;
            Ok(())
        })
        .await
    }

    async fn signed_in_since(&self, key: &str, since: i64) -> StoreResult<bool> {
        sql(async {
            let row = sqlx::query("SELECT 1 AS one FROM sign_in_sources WHERE key = $1 AND seen_at >= $2")
                .bind(key)
                .bind(since)
                .fetch_optional(&self.read)
                .await?;
            Ok(row.is_some())
        })
        .await
    }

    async fn reserve_attempt(
        &self,
        keys: &[(&str, u32)],
        attempt_id: &str,
        at: i64,
        since: i64,
    ) -> StoreResult<Option<usize>> {
        let keys: Vec<(String, u32)> = keys.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect();
        let attempt_id = attempt_id.to_owned();
        self.detached(move |s| async move { s.reserve_attempt_tx(&keys, &attempt_id, at, since).await }).await
    }

    async fn release_attempt(&self, key: &str, attempt_id: &str) -> StoreResult<()> {
        sql(async {
            sqlx::query("DELETE FROM failures WHERE key = $1 AND attempt_id = $2")
                .bind(key)
                .bind(attempt_id)
                .execute(&self.write)
                .await?;
            Ok(())
        })
        .await
    }
}

impl SqlStore {
    async fn reserve_attempt_tx(
        &self,
        keys: &[(String, u32)],
        attempt_id: &str,
        at: i64,
        since: i64,
    ) -> R<Option<usize>> {
        // Already at a limit: refused by a read, with no lock and no write.
        for (i, (key, limit)) in keys.iter().enumerate() {
            if self.count_failures(key, since).await? >= *limit {
                return Ok(Some(i));
            }
        }
        let _held = self.attempt_locks.lock(keys.iter().map(|(k, _)| k.as_str())).await;
        // Locks taken in one order, so two reservations over the same keys cannot deadlock.
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by(|a, b| keys[*a].0.cmp(&keys[*b].0));
        let mut tx = self.write.begin().await?;
        for &i in &order {
            self.lock_and_prune(&mut tx, &keys[i].0, since).await?;
        }
        for (i, (key, limit)) in keys.iter().enumerate() {
            if count(&mut tx, key, since).await? >= *limit {
                tx.rollback().await?;
                return Ok(Some(i));
            }
        }
        for (key, _) in keys {
            insert(&mut tx, key, attempt_id, at).await?;
        }
        tx.commit().await?;
        Ok(None)
    }

    async fn record_failure_tx(&self, key: &str, attempt_id: &str, at: i64, since: i64) -> R<u32> {
        let _held = self.attempt_locks.lock(std::iter::once(key)).await;
        let mut tx = self.write.begin().await?;
        self.lock_and_prune(&mut tx, key, since).await?;
        insert(&mut tx, key, attempt_id, at).await?;
        let n = count(&mut tx, key, since).await?;
        tx.commit().await?;
        Ok(n)
    }
}
