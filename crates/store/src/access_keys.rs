//! Operator access keys (the admin API's long-lived credentials).

use crate::error::sql;
use crate::{rows, SqlStore};
use async_trait::async_trait;
use warden_core::model::AccessKey;
use warden_core::store::{AccessKeyStore, StoreResult};

#[async_trait]
impl AccessKeyStore for SqlStore {
    async fn insert_access_key(&self, k: &AccessKey) -> StoreResult<()> {
        sql(async {
            sqlx::query("INSERT INTO access_keys (id, secret_enc, description, created_at) VALUES ($1, $2, $3, $4)")
                .bind(&k.id)
                .bind(k.secret_enc.clone())
                .bind(&k.description)
                .bind(k.created_at)
                .execute(&self.write)
                .await?;
            Ok(())
        })
        .await
    }

    async fn get_access_key(&self, id: &str) -> StoreResult<Option<AccessKey>> {
        sql(async {
            let row =
                sqlx::query("SELECT * FROM access_keys WHERE id = $1").bind(id).fetch_optional(&self.read).await?;
            row.as_ref().map(rows::access_key).transpose()
        })
        .await
    }

    async fn list_access_keys(&self) -> StoreResult<Vec<AccessKey>> {
        sql(async {
            let rows = sqlx::query("SELECT * FROM access_keys ORDER BY created_at, id").fetch_all(&self.read).await?;
            rows.iter().map(rows::access_key).collect()
        })
        .await
    }

    async fn delete_access_key(&self, id: &str) -> StoreResult<bool> {
        sql(async {
            let done = sqlx::query("DELETE FROM access_keys WHERE id = $1").bind(id).execute(&self.write).await?;
            Ok(done.rows_affected() > 0)
        })
        .await
    }
}
