//! Failed-attempt counters: one row per (key, attempt id), so a client's retries count once.
//! Every count that decides a limit runs under a per-key lock (PostgreSQL: a transaction-scoped
//! advisory lock; SQLite: its single writer), so concurrent attempts see each other.

use sqlx::Row;
use warden_core::error::StoreError;

use crate::error::map_err;
use crate::{Backend, SqlStore};

type R<T> = Result<T, StoreError>;

impl SqlStore {
    pub(crate) async fn do_record_failure(&self, key: &str, attempt_id: &str, at: i64, since: i64) -> R<u32> {
        let mut tx = self.write.begin().await.map_err(map_err)?;
        self.lock_and_prune(&mut tx, key, since).await?;
        insert(&mut tx, key, attempt_id, at).await?;
        let n = count(&mut tx, key, since).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(n)
    }

    pub(crate) async fn do_reserve_attempt(
        &self,
        keys: &[(String, u32)],
        attempt_id: &str,
        at: i64,
        since: i64,
    ) -> R<Option<usize>> {
        // Locks taken in one order, so two reservations over the same keys cannot deadlock.
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by(|a, b| keys[*a].0.cmp(&keys[*b].0));
        let mut tx = self.write.begin().await.map_err(map_err)?;
        for &i in &order {
            self.lock_and_prune(&mut tx, &keys[i].0, since).await?;
        }
        for (i, (key, limit)) in keys.iter().enumerate() {
            if count(&mut tx, key, since).await? >= *limit {
                tx.rollback().await.map_err(map_err)?;
                return Ok(Some(i));
            }
        }
        for (key, _) in keys {
            insert(&mut tx, key, attempt_id, at).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(None)
    }

    pub(crate) async fn do_release_attempt(&self, key: &str, attempt_id: &str) -> R<()> {
        sqlx::query("DELETE FROM failures WHERE key = $1 AND attempt_id = $2")
            .bind(key)
            .bind(attempt_id)
            .execute(&self.write)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    /// Takes `key`'s lock for the rest of `tx` and drops its attempts older than `since`.
    async fn lock_and_prune(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>, key: &str, since: i64) -> R<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtextextended($1, 7))) AS locked")
                .bind(key)
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
        }
        sqlx::query("DELETE FROM failures WHERE key = $1 AND at <= $2")
            .bind(key)
            .bind(since)
            .execute(&mut **tx)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    pub(crate) async fn do_count_failures(&self, key: &str, since: i64) -> R<u32> {
        let mut conn = self.read.acquire().await.map_err(map_err)?;
        count(&mut conn, key, since).await
    }

    pub(crate) async fn do_clear_failures(&self, key: &str) -> R<()> {
        sqlx::query("DELETE FROM failures WHERE key = $1").bind(key).execute(&self.write).await.map_err(map_err)?;
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
    .await
    .map_err(map_err)?;
    Ok(())
}

async fn count(conn: &mut sqlx::AnyConnection, key: &str, since: i64) -> R<u32> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM failures WHERE key = $1 AND at > $2")
        .bind(key)
        .bind(since)
        .fetch_one(conn)
        .await
        .map_err(map_err)?;
    Ok(row.try_get::<i64, _>("n").map_err(map_err)? as u32)
}
