//! Reachability, and deleting what has expired, so tables hold what is live (and what replay
//! detection needs) instead of growing for ever.

use crate::error::sql;
use crate::{Backend, SqlStore};
use async_trait::async_trait;
use sqlx::Row;
use warden_core::store::{Maintenance, StoreResult, SweepBefore};

// A revocation deletes only a user's live rows (`sessions::end_sessions_in`), this only expired
// ones, so the two never lock the same rows.
/// Rows deleted per statement. A backlog (the first sweep of a database that ran for months
/// without one) is deleted a batch at a time, so no statement holds SQLite's one writer, or
/// PostgreSQL locks on many rows, for long: sign-ins wait at most one batch.
const SWEEP_BATCH: i64 = 500;

#[async_trait]
impl Maintenance for SqlStore {
    async fn ping(&self) -> StoreResult<()> {
        sql(async {
            let row = sqlx::query("SELECT 1 AS one").fetch_one(&self.read).await?;
            let _: i64 = row.try_get::<i64, _>("one").or_else(|_| row.try_get::<i32, _>("one").map(i64::from))?;
            Ok(())
        })
        .await
    }

    async fn sweep(&self, before: &SweepBefore) -> StoreResult<u64> {
        sql(async {
            // Deleting a family deletes its retired refresh tokens (ON DELETE CASCADE).
            let tables: [(&str, &str, i64); 9] = [
                ("families", "expires_at", before.families),
                ("challenges", "expires_at", before.short_lived),
                ("codes", "expires_at", before.short_lived),
                ("browser_sessions", "expires_at", before.short_lived),
                ("authorization_codes", "expires_at", before.authorization_codes),
                ("temporary_credentials", "expires_at", before.short_lived),
                ("client_assertions", "expires_at", before.short_lived),
                ("failures", "at", before.failures),
                ("sign_in_sources", "seen_at", before.sign_in_sources),
            ];
            let row = match self.backend {
                Backend::Sqlite => "rowid",
                Backend::Postgres => "ctid",
            };
            let mut swept = 0;
            for (table, column, cutoff) in tables {
                let sql = format!(
                    "DELETE FROM {table} WHERE {row} IN (SELECT {row} FROM {table} WHERE {column} <= $1 LIMIT {SWEEP_BATCH})"
                );
                loop {
                    let deleted =
                        sqlx::query(&sql).bind(cutoff).execute(&self.write).await?.rows_affected();
                    swept += deleted;
                    if deleted < SWEEP_BATCH as u64 {
                        break;
                    }
                    // Lets the writers queued behind this batch go first.
                    tokio::task::yield_now().await;
                }
            }
            Ok(swept)
        })
        .await
    }
}
