//! Failed-attempt counters: one row per (key, attempt id), so a client's retries count once.

use sqlx::Row;
use warden_core::error::StoreError;

use crate::error::map_err;
use crate::SqlStore;

type R<T> = Result<T, StoreError>;

impl SqlStore {
    pub(crate) async fn do_record_failure(&self, key: &str, attempt_id: &str, at: i64, since: i64) -> R<u32> {
        let mut tx = self.write.begin().await.map_err(map_err)?;
        sqlx::query("DELETE FROM failures WHERE key = $1 AND at <= $2")
            .bind(key)
            .bind(since)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query(
            "INSERT INTO failures (key, attempt_id, at) VALUES ($1, $2, $3) ON CONFLICT (key, attempt_id) DO NOTHING",
        )
        .bind(key)
        .bind(attempt_id)
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let n = count(&mut tx, key, since).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(n)
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

async fn count(conn: &mut sqlx::AnyConnection, key: &str, since: i64) -> R<u32> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM failures WHERE key = $1 AND at > $2")
        .bind(key)
        .bind(since)
        .fetch_one(conn)
        .await
        .map_err(map_err)?;
    Ok(row.try_get::<i64, _>("n").map_err(map_err)? as u32)
}
