//! App clients of a pool.

use crate::error::{one_updated, sql};
use crate::rows::to_json;
use crate::{rows, SqlStore};
use async_trait::async_trait;
use warden_core::model::Client;
use warden_core::store::{ClientStore, StoreResult};

#[async_trait]
impl ClientStore for SqlStore {
    async fn insert_client(&self, c: &Client) -> StoreResult<()> {
        sql(async {
            sqlx::query(
                "INSERT INTO clients (id, pool_id, name, secret_enc, settings, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&c.id)
            .bind(&c.pool_id)
            .bind(&c.name)
            .bind(c.secret_enc.clone())
            .bind(to_json(&c.settings))
            .bind(c.created_at)
            .bind(c.updated_at)
            .execute(&self.write)
            .await
            ?;
            Ok(())
        })
        .await
    }

    async fn get_client(&self, id: &str) -> StoreResult<Option<Client>> {
        sql(async {
            let row = sqlx::query("SELECT * FROM clients WHERE id = $1").bind(id).fetch_optional(&self.read).await?;
            row.as_ref().map(rows::client).transpose()
        })
        .await
    }

    async fn update_client(&self, c: &Client) -> StoreResult<()> {
        sql(async {
            let done = sqlx::query(
                "UPDATE clients SET name = $2, secret_enc = $3, settings = $4, updated_at = $5 WHERE id = $1",
            )
            .bind(&c.id)
            .bind(&c.name)
            .bind(c.secret_enc.clone())
            .bind(to_json(&c.settings))
            .bind(c.updated_at)
            .execute(&self.write)
            .await?;
            one_updated(done, "The app client")
        })
        .await
    }

    async fn list_clients(&self, pool_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<Client>> {
        sql(async {
            let rows = sqlx::query("SELECT * FROM clients WHERE pool_id = $1 AND id > $2 ORDER BY id LIMIT $3")
                .bind(pool_id)
                .bind(after.unwrap_or(""))
                .bind(i64::from(limit))
                .fetch_all(&self.read)
                .await?;
            rows.iter().map(rows::client).collect()
        })
        .await
    }

    async fn delete_client(&self, id: &str) -> StoreResult<bool> {
        sql(async {
            let done = sqlx::query("DELETE FROM clients WHERE id = $1").bind(id).execute(&self.write).await?;
            Ok(done.rows_affected() > 0)
        })
        .await
    }
}
