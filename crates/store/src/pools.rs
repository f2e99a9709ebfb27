//! User pools.

use crate::error::{one_updated, sql};
use crate::rows::to_json;
use crate::{rows, SqlStore};
use async_trait::async_trait;
use warden_core::model::Pool;
use warden_core::store::{PoolStore, StoreResult};

#[async_trait]
impl PoolStore for SqlStore {
    async fn insert_pool(&self, p: &Pool) -> StoreResult<()> {
        sql(async {
            sqlx::query("INSERT INTO pools (id, name, settings, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(&p.id)
                .bind(&p.name)
                .bind(to_json(&p.settings))
                .bind(p.created_at)
                .bind(p.updated_at)
                .execute(&self.write)
                .await?;
            Ok(())
        })
        .await
    }

    async fn get_pool(&self, id: &str) -> StoreResult<Option<Pool>> {
        sql(async {
            let row = sqlx::query("SELECT * FROM pools WHERE id = $1").bind(id).fetch_optional(&self.read).await?;
            row.as_ref().map(rows::pool).transpose()
        })
        .await
    }

    async fn update_pool(&self, p: &Pool) -> StoreResult<()> {
        sql(async {
            let done = sqlx::query("UPDATE pools SET name = $2, settings = $3, updated_at = $4 WHERE id = $1")
                .bind(&p.id)
                .bind(&p.name)
                .bind(to_json(&p.settings))
                .bind(p.updated_at)
                .execute(&self.write)
                .await?;
            one_updated(done, "The user pool")
        })
        .await
    }

    async fn list_pools(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<Pool>> {
        sql(async {
            let rows = sqlx::query("SELECT * FROM pools WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(after.unwrap_or(""))
                .bind(i64::from(limit))
                .fetch_all(&self.read)
                .await?;
            rows.iter().map(rows::pool).collect()
        })
        .await
    }

    async fn delete_pool(&self, id: &str) -> StoreResult<bool> {
        sql(async {
            let done = sqlx::query("DELETE FROM pools WHERE id = $1").bind(id).execute(&self.write).await?;
            Ok(done.rows_affected() > 0)
        })
        .await
    }
}
