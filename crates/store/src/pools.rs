//! Pools and app clients.

use sqlx::Row;
use warden_core::error::StoreError;
use warden_core::model::{Client, Pool};

use crate::error::{map_err, one_updated};
use crate::rows::{self, to_json};
use crate::SqlStore;

type R<T> = Result<T, StoreError>;

impl SqlStore {
    pub(crate) async fn do_ping(&self) -> R<()> {
        let row = sqlx::query("SELECT 1 AS one").fetch_one(&self.read).await.map_err(map_err)?;
        let _: i64 =
            row.try_get::<i64, _>("one").or_else(|_| row.try_get::<i32, _>("one").map(i64::from)).map_err(map_err)?;
        Ok(())
    }

    pub(crate) async fn do_insert_pool(&self, p: &Pool) -> R<()> {
        sqlx::query("INSERT INTO pools (id, name, settings, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&p.id)
            .bind(&p.name)
            .bind(to_json(&p.settings))
            .bind(p.created_at)
            .bind(p.updated_at)
            .execute(&self.write)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    pub(crate) async fn do_get_pool(&self, id: &str) -> R<Option<Pool>> {
        let row = sqlx::query("SELECT * FROM pools WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(map_err)?;
        row.as_ref().map(rows::pool).transpose()
    }

    pub(crate) async fn do_update_pool(&self, p: &Pool) -> R<()> {
        let done = sqlx::query("UPDATE pools SET name = $2, settings = $3, updated_at = $4 WHERE id = $1")
            .bind(&p.id)
            .bind(&p.name)
            .bind(to_json(&p.settings))
            .bind(p.updated_at)
            .execute(&self.write)
            .await
            .map_err(map_err)?;
        one_updated(done, "The user pool")
    }

    pub(crate) async fn do_list_pools(&self, after: Option<&str>, limit: u32) -> R<Vec<Pool>> {
        let rows = sqlx::query("SELECT * FROM pools WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after.unwrap_or(""))
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(map_err)?;
        rows.iter().map(rows::pool).collect()
    }

    pub(crate) async fn do_delete_pool(&self, id: &str) -> R<bool> {
        let done =
            sqlx::query("DELETE FROM pools WHERE id = $1").bind(id).execute(&self.write).await.map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn do_insert_client(&self, c: &Client) -> R<()> {
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
        .map_err(map_err)?;
        Ok(())
    }

    pub(crate) async fn do_get_client(&self, id: &str) -> R<Option<Client>> {
        let row = sqlx::query("SELECT * FROM clients WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(map_err)?;
        row.as_ref().map(rows::client).transpose()
    }

    pub(crate) async fn do_update_client(&self, c: &Client) -> R<()> {
        let done =
            sqlx::query("UPDATE clients SET name = $2, secret_enc = $3, settings = $4, updated_at = $5 WHERE id = $1")
                .bind(&c.id)
                .bind(&c.name)
                .bind(c.secret_enc.clone())
                .bind(to_json(&c.settings))
                .bind(c.updated_at)
                .execute(&self.write)
                .await
                .map_err(map_err)?;
        one_updated(done, "The app client")
    }

    pub(crate) async fn do_list_clients(&self, pool_id: &str, after: Option<&str>, limit: u32) -> R<Vec<Client>> {
        let rows = sqlx::query("SELECT * FROM clients WHERE pool_id = $1 AND id > $2 ORDER BY id LIMIT $3")
            .bind(pool_id)
            .bind(after.unwrap_or(""))
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(map_err)?;
        rows.iter().map(rows::client).collect()
    }

    pub(crate) async fn do_delete_client(&self, id: &str) -> R<bool> {
        let done =
            sqlx::query("DELETE FROM clients WHERE id = $1").bind(id).execute(&self.write).await.map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }
}
