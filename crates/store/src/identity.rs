//! Identity pools, identities and their temporary credentials.

use crate::error::{one_updated, sql, R};
use crate::rows::{json, to_json};
use crate::SqlStore;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::Row;
use warden_core::model::{Identity, IdentityPool, TemporaryCredentials};
use warden_core::store::{IdentityStore, StoreResult};

fn identity_pool(row: &AnyRow) -> R<IdentityPool> {
    Ok(IdentityPool {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        allow_unauthenticated: row.try_get::<i64, _>("allow_unauthenticated")? != 0,
        providers: json(row, "providers")?,
        roles: json(row, "roles")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn identity(row: &AnyRow) -> R<Identity> {
    Ok(Identity {
        id: row.try_get("id")?,
        pool_id: row.try_get("pool_id")?,
        login: row.try_get("login")?,
        created_at: row.try_get("created_at")?,
    })
}

fn credentials(row: &AnyRow) -> R<TemporaryCredentials> {
    Ok(TemporaryCredentials {
        access_key_id: row.try_get("access_key_id")?,
        secret_enc: row.try_get("secret_enc")?,
        session_token_hash: row.try_get("session_token_hash")?,
        identity_id: row.try_get("identity_id")?,
        user_id: row.try_get("user_id")?,
        family_id: row.try_get("family_id")?,
        role: row.try_get("role")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

#[async_trait]
impl IdentityStore for SqlStore {
    async fn insert_identity_pool(&self, p: &IdentityPool) -> StoreResult<()> {
        sql(async {
            sqlx::query(
                "INSERT INTO identity_pools (id, name, allow_unauthenticated, providers, roles, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&p.id)
            .bind(&p.name)
            .bind(i64::from(p.allow_unauthenticated))
            .bind(to_json(&p.providers))
            .bind(to_json(&p.roles))
            .bind(p.created_at)
            .bind(p.updated_at)
            .execute(&self.write)
            .await
            ?;
            Ok(())
        })
        .await
    }

    async fn get_identity_pool(&self, id: &str) -> StoreResult<Option<IdentityPool>> {
        sql(async {
            let row =
                sqlx::query("SELECT * FROM identity_pools WHERE id = $1").bind(id).fetch_optional(&self.read).await?;
            row.as_ref().map(identity_pool).transpose()
        })
        .await
    }

    async fn update_identity_pool(&self, p: &IdentityPool) -> StoreResult<()> {
        sql(async {
            let done = sqlx::query(
                "UPDATE identity_pools SET name = $2, allow_unauthenticated = $3, providers = $4, roles = $5, updated_at = $6 \
                 WHERE id = $1",
            )
            .bind(&p.id)
            .bind(&p.name)
            .bind(i64::from(p.allow_unauthenticated))
            .bind(to_json(&p.providers))
            .bind(to_json(&p.roles))
            .bind(p.updated_at)
            .execute(&self.write)
            .await
            ?;
            one_updated(done, "The identity pool")
        })
        .await
    }

    async fn list_identity_pools(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<IdentityPool>> {
        sql(async {
            let rows = sqlx::query("SELECT * FROM identity_pools WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(after.unwrap_or(""))
                .bind(i64::from(limit))
                .fetch_all(&self.read)
                .await?;
            rows.iter().map(identity_pool).collect()
        })
        .await
    }

    async fn delete_identity_pool(&self, id: &str) -> StoreResult<bool> {
        sql(async {
            let done = sqlx::query("DELETE FROM identity_pools WHERE id = $1").bind(id).execute(&self.write).await?;
            Ok(done.rows_affected() > 0)
        })
        .await
    }

    async fn get_or_create_identity(&self, candidate: &Identity) -> StoreResult<Identity> {
        sql(async {
            sqlx::query(
                "INSERT INTO identities (id, pool_id, login, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (pool_id, login) DO NOTHING",
            )
            .bind(&candidate.id)
            .bind(&candidate.pool_id)
            .bind(&candidate.login)
            .bind(candidate.created_at)
            .execute(&self.write)
            .await?;
            let row = sqlx::query("SELECT * FROM identities WHERE pool_id = $1 AND login = $2")
                .bind(&candidate.pool_id)
                .bind(&candidate.login)
                .fetch_one(&self.write)
                .await?;
            identity(&row)
        })
        .await
    }

    async fn get_identity(&self, id: &str) -> StoreResult<Option<Identity>> {
        sql(async {
            let row = sqlx::query("SELECT * FROM identities WHERE id = $1").bind(id).fetch_optional(&self.read).await?;
            row.as_ref().map(identity).transpose()
        })
        .await
    }

    async fn insert_credentials(&self, creds: &TemporaryCredentials) -> StoreResult<()> {
        let creds = creds.clone();
        self.detached(move |s| async move { s.insert_credentials_tx(&creds).await }).await
    }

    async fn get_credentials(&self, access_key_id: &str) -> StoreResult<Option<TemporaryCredentials>> {
        sql(async {
            let row = sqlx::query("SELECT * FROM temporary_credentials WHERE access_key_id = $1")
                .bind(access_key_id)
                .fetch_optional(&self.read)
                .await?;
            row.as_ref().map(credentials).transpose()
        })
        .await
    }
}

impl SqlStore {
    async fn insert_credentials_tx(&self, c: &TemporaryCredentials) -> R<()> {
        let mut tx = self.write.begin().await?;
        // Expired credentials are of no use to anyone; drop them as new ones are made.
        sqlx::query("DELETE FROM temporary_credentials WHERE expires_at < $1")
            .bind(c.created_at - 86_400)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO temporary_credentials (access_key_id, secret_enc, session_token_hash, identity_id, user_id, \
             family_id, role, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&c.access_key_id)
        .bind(c.secret_enc.clone())
        .bind(c.session_token_hash.clone())
        .bind(&c.identity_id)
        .bind(&c.user_id)
        .bind(&c.family_id)
        .bind(c.role.clone())
        .bind(c.created_at)
        .bind(c.expires_at)
        .execute(&mut *tx)
        .await?;
        Ok(tx.commit().await?)
    }
}
