//! Sign-in challenges under way (a new password, a TOTP code).

use crate::error::{sql, R};
use crate::{rows, SqlStore};
use async_trait::async_trait;
use sqlx::Row;
use warden_core::model::Challenge;
use warden_core::store::{ChallengeStore, StoreResult};

#[async_trait]
impl ChallengeStore for SqlStore {
    async fn insert_challenge(&self, challenge: &Challenge, user_epoch: i64) -> StoreResult<()> {
        let challenge = challenge.clone();
        self.detached(move |s| async move { s.insert_challenge_tx(&challenge, user_epoch).await }).await
    }

    async fn get_challenge(&self, id_hash: &[u8]) -> StoreResult<Option<Challenge>> {
        sql(async {
            let row = sqlx::query("SELECT * FROM challenges WHERE id_hash = $1")
                .bind(id_hash.to_vec())
                .fetch_optional(&self.read)
                .await?;
            row.as_ref().map(rows::challenge).transpose()
        })
        .await
    }

    async fn consume_challenge(&self, id_hash: &[u8]) -> StoreResult<bool> {
        sql(async {
            let done = sqlx::query("DELETE FROM challenges WHERE id_hash = $1")
                .bind(id_hash.to_vec())
                .execute(&self.write)
                .await?;
            Ok(done.rows_affected() == 1)
        })
        .await
    }

    async fn record_challenge_failure(&self, id_hash: &[u8]) -> StoreResult<u32> {
        sql(async {
            let row =
                sqlx::query("UPDATE challenges SET failures = failures + 1 WHERE id_hash = $1 RETURNING failures")
                    .bind(id_hash.to_vec())
                    .fetch_optional(&self.write)
                    .await?;
            Ok(match row {
                Some(r) => r.try_get::<i64, _>("failures")? as u32,
                None => u32::MAX,
            })
        })
        .await
    }
}

impl SqlStore {
    async fn insert_challenge_tx(&self, c: &Challenge, user_epoch: i64) -> R<()> {
        let insert = sqlx::query(
            "INSERT INTO challenges (id_hash, pool_id, client_id, user_id, kind, failures, auth_time, expires_at, hosted) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(c.id_hash.clone())
        .bind(&c.pool_id)
        .bind(&c.client_id)
        .bind(&c.user_id)
        .bind(c.kind.as_str())
        .bind(i64::from(c.failures))
        .bind(c.auth_time)
        .bind(c.expires_at)
        .bind(i64::from(c.hosted));
        self.write_in_session(&c.user_id, user_epoch, insert).await
    }
}
