//! The signing-key ring: keys sealed under the master key, retired by rotation.

use crate::error::sql;
use crate::{rows, SqlStore};
use async_trait::async_trait;
use warden_core::model::SigningKeyRecord;
use warden_core::store::{SigningKeyStore, StoreResult};

#[async_trait]
impl SigningKeyStore for SqlStore {
    async fn insert_signing_key(&self, k: &SigningKeyRecord) -> StoreResult<()> {
        sql(async {
            sqlx::query(
                "INSERT INTO signing_keys (kid, alg, private_enc, created_at, retired_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&k.kid)
            .bind(&k.alg)
            .bind(k.private_enc.clone())
            .bind(k.created_at)
            .bind(k.retired_at)
            .execute(&self.write)
            .await?;
            Ok(())
        })
        .await
    }

    async fn list_signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>> {
        sql(async {
            let rows = sqlx::query("SELECT * FROM signing_keys ORDER BY created_at, kid").fetch_all(&self.read).await?;
            rows.iter().map(rows::signing_key).collect()
        })
        .await
    }

    async fn retire_signing_keys(&self, alg: &str, kid: &str, created_at: i64, at: i64) -> StoreResult<u64> {
        sql(async {
            let done = sqlx::query(
                "UPDATE signing_keys SET retired_at = $4 WHERE alg = $1 AND (retired_at IS NULL OR retired_at > $4) \
                 AND (created_at < $3 OR (created_at = $3 AND kid < $2))",
            )
            .bind(alg)
            .bind(kid)
            .bind(created_at)
            .bind(at)
            .execute(&self.write)
            .await?;
            Ok(done.rows_affected())
        })
        .await
    }

    async fn withdraw_signing_key(&self, kid: &str, at: i64) -> StoreResult<bool> {
        sql(async {
            let done = sqlx::query("UPDATE signing_keys SET retired_at = $2 WHERE kid = $1 AND retired_at IS NOT NULL")
                .bind(kid)
                .bind(at)
                .execute(&self.write)
                .await?;
            Ok(done.rows_affected() > 0)
        })
        .await
    }
}
