//! Identity pools, identities and their temporary credentials.

use sqlx::any::AnyRow;
use sqlx::Row;
use warden_core::error::StoreError;
use warden_core::model::{Identity, IdentityPool, TemporaryCredentials};

use crate::error::{map_err, one_updated};
use crate::rows::{json, to_json};
use crate::SqlStore;

type R<T> = Result<T, StoreError>;

fn identity_pool(row: &AnyRow) -> R<IdentityPool> {
    Ok(IdentityPool {
        id: row.try_get("id").map_err(map_err)?,
        name: row.try_get("name").map_err(map_err)?,
        allow_unauthenticated: row.try_get::<i64, _>("allow_unauthenticated").map_err(map_err)? != 0,
        providers: json(row, "providers")?,
        roles: json(row, "roles")?,
        created_at: row.try_get("created_at").map_err(map_err)?,
        updated_at: row.try_get("updated_at").map_err(map_err)?,
    })
}

fn identity(row: &AnyRow) -> R<Identity> {
    Ok(Identity {
        id: row.try_get("id").map_err(map_err)?,
        pool_id: row.try_get("pool_id").map_err(map_err)?,
        login: row.try_get("login").map_err(map_err)?,
        created_at: row.try_get("created_at").map_err(map_err)?,
    })
}

fn credentials(row: &AnyRow) -> R<TemporaryCredentials> {
    Ok(TemporaryCredentials {
        access_key_id: row.try_get("access_key_id").map_err(map_err)?,
        secret_enc: row.try_get("secret_enc").map_err(map_err)?,
        session_token_hash: row.try_get("session_token_hash").map_err(map_err)?,
        identity_id: row.try_get("identity_id").map_err(map_err)?,
        user_id: row.try_get("user_id").map_err(map_err)?,
        family_id: row.try_get("family_id").map_err(map_err)?,
        role: row.try_get("role").map_err(map_err)?,
        created_at: row.try_get("created_at").map_err(map_err)?,
        expires_at: row.try_get("expires_at").map_err(map_err)?,
    })
}

impl SqlStore {
    pub(crate) async fn do_insert_identity_pool(&self, p: &IdentityPool) -> R<()> {
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
        .map_err(map_err)?;
        Ok(())
    }

    pub(crate) async fn do_get_identity_pool(&self, id: &str) -> R<Option<IdentityPool>> {
        let row = sqlx::query("SELECT * FROM identity_pools WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(map_err)?;
        row.as_ref().map(identity_pool).transpose()
    }

    pub(crate) async fn do_update_identity_pool(&self, p: &IdentityPool) -> R<()> {
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
        .map_err(map_err)?;
        one_updated(done, "The identity pool")
    }

    pub(crate) async fn do_list_identity_pools(&self, after: Option<&str>, limit: u32) -> R<Vec<IdentityPool>> {
        let rows = sqlx::query("SELECT * FROM identity_pools WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after.unwrap_or(""))
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(map_err)?;
        rows.iter().map(identity_pool).collect()
    }

    pub(crate) async fn do_delete_identity_pool(&self, id: &str) -> R<bool> {
        let done = sqlx::query("DELETE FROM identity_pools WHERE id = $1")
            .bind(id)
            .execute(&self.write)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn do_get_or_create_identity(&self, candidate: &Identity) -> R<Identity> {
        sqlx::query(
            "INSERT INTO identities (id, pool_id, login, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (pool_id, login) DO NOTHING",
        )
        .bind(&candidate.id)
        .bind(&candidate.pool_id)
        .bind(&candidate.login)
        .bind(candidate.created_at)
        .execute(&self.write)
        .await
        .map_err(map_err)?;
        let row = sqlx::query("SELECT * FROM identities WHERE pool_id = $1 AND login = $2")
            .bind(&candidate.pool_id)
            .bind(&candidate.login)
            .fetch_one(&self.write)
            .await
            .map_err(map_err)?;
        identity(&row)
    }

    pub(crate) async fn do_get_identity(&self, id: &str) -> R<Option<Identity>> {
        let row = sqlx::query("SELECT * FROM identities WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(map_err)?;
        row.as_ref().map(identity).transpose()
    }

    pub(crate) async fn do_insert_credentials(&self, c: &TemporaryCredentials) -> R<()> {
        let mut tx = self.write.begin().await.map_err(map_err)?;
        // Expired credentials are of no use to anyone; drop them as new ones are made.
        sqlx::query("DELETE FROM temporary_credentials WHERE expires_at < $1")
            .bind(c.created_at - 86_400)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
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
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    pub(crate) async fn do_get_credentials(&self, access_key_id: &str) -> R<Option<TemporaryCredentials>> {
        let row = sqlx::query("SELECT * FROM temporary_credentials WHERE access_key_id = $1")
            .bind(access_key_id)
            .fetch_optional(&self.read)
            .await
            .map_err(map_err)?;
        row.as_ref().map(credentials).transpose()
    }
}
