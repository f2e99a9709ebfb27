//! Resource servers and their scopes: JSON documents beside the columns their queries need.

use crate::error::sql;
use crate::rows::{json, to_json};
use crate::SqlStore;
use async_trait::async_trait;
use warden_core::model::ResourceServer;
use warden_core::store::{ResourceServerStore, StoreResult};

#[async_trait]
impl ResourceServerStore for SqlStore {
    async fn insert_resource_server(&self, s: &ResourceServer) -> StoreResult<()> {
        sql(async {
            sqlx::query("INSERT INTO resource_servers (pool_id, identifier, doc) VALUES ($1, $2, $3)")
                .bind(&s.pool_id)
                .bind(&s.identifier)
                .bind(to_json(s))
                .execute(&self.write)
                .await?;
            Ok(())
        })
        .await
    }

    async fn get_resource_server(&self, pool_id: &str, identifier: &str) -> StoreResult<Option<ResourceServer>> {
        sql(async {
            let row = sqlx::query("SELECT doc FROM resource_servers WHERE pool_id = $1 AND identifier = $2")
                .bind(pool_id)
                .bind(identifier)
                .fetch_optional(&self.read)
                .await?;
            row.as_ref().map(|r| json(r, "doc")).transpose()
        })
        .await
    }

    async fn list_resource_servers(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<ResourceServer>> {
        sql(async {
            let rows = sqlx::query(
                "SELECT doc FROM resource_servers WHERE pool_id = $1 AND identifier > $2 ORDER BY identifier LIMIT $3",
            )
            .bind(pool_id)
            .bind(after.unwrap_or(""))
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await?;
            rows.iter().map(|r| json(r, "doc")).collect()
        })
        .await
    }

    async fn update_resource_server(&self, s: &ResourceServer) -> StoreResult<bool> {
        sql(async {
            let done = sqlx::query("UPDATE resource_servers SET doc = $3 WHERE pool_id = $1 AND identifier = $2")
                .bind(&s.pool_id)
                .bind(&s.identifier)
                .bind(to_json(s))
                .execute(&self.write)
                .await?;
            Ok(done.rows_affected() > 0)
        })
        .await
    }

    async fn delete_resource_server(&self, pool_id: &str, identifier: &str) -> StoreResult<bool> {
        sql(async {
            let done = sqlx::query("DELETE FROM resource_servers WHERE pool_id = $1 AND identifier = $2")
                .bind(pool_id)
                .bind(identifier)
                .execute(&self.write)
                .await?;
            Ok(done.rows_affected() > 0)
        })
        .await
    }
}
