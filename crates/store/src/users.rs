//! Users.

use crate::error::{sql, R};
use crate::rows::to_json;
use crate::{rows, SqlStore};
use async_trait::async_trait;
use warden_core::error::StoreError;
use warden_core::model::User;
use warden_core::store::{StoreResult, UserStore};

const UPDATE_USER: &str = "UPDATE users SET username = $3, username_lc = $4, email = $5, phone_number = $6, \
     status = $7, enabled = $8, password_hash = $9, temp_expires_at = $10, attributes = $11, \
     totp_secret_enc = $12, totp_verified = $13, totp_enabled = $14, totp_last_step = $15, updated_at = $16, \
     version = $17 + 1 WHERE id = $1 AND pool_id = $2 AND version = $17";

/// Binds a user's columns in the order INSERT and UPDATE share ($1..$16).
macro_rules! bind_user {
    ($q:expr, $u:expr) => {
        $q.bind(&$u.id)
            .bind(&$u.pool_id)
            .bind(&$u.username)
            .bind(User::normalise_username(&$u.username))
            .bind($u.attributes.get("email").cloned())
            .bind($u.attributes.get("phone_number").cloned())
            .bind($u.status.as_str())
            .bind(i64::from($u.enabled))
            .bind($u.password_hash.clone())
            .bind($u.temporary_password_expires_at)
            .bind(to_json(&$u.attributes))
            .bind($u.totp_secret_enc.clone())
            .bind(i64::from($u.totp_verified))
            .bind(i64::from($u.totp_enabled))
            .bind($u.totp_last_step)
            .bind($u.updated_at)
    };
}

/// Writes a user inside a transaction another operation opened; `StoreError::Stale` if the row
/// moved past `u.version` (the caller rolls back).
pub(crate) async fn update_user_in(tx: &mut sqlx::Transaction<'_, sqlx::Any>, u: &User) -> R<()> {
    let done = bind_user!(sqlx::query(UPDATE_USER), u).bind(u.version).execute(&mut **tx).await?;
    written(done.rows_affected(), u)
}

/// No row at the version read: another write got there first, or the user is gone.
fn written(rows: u64, u: &User) -> R<()> {
    if rows == 0 {
        return Err(StoreError::Stale(format!("user {}", u.username)).into());
    }
    Ok(())
}

#[async_trait]
impl UserStore for SqlStore {
    async fn insert_user(&self, u: &User) -> StoreResult<()> {
        sql(async {
            let q = sqlx::query(
                "INSERT INTO users (id, pool_id, username, username_lc, email, phone_number, status, enabled, \
                 password_hash, temp_expires_at, attributes, totp_secret_enc, totp_verified, totp_enabled, \
                 totp_last_step, updated_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
            );
            bind_user!(q, u).bind(u.created_at).execute(&self.write).await?;
            Ok(())
        })
        .await
    }

    async fn get_user(&self, pool_id: &str, user_id: &str) -> StoreResult<Option<User>> {
        sql(async {
            let row = sqlx::query("SELECT * FROM users WHERE pool_id = $1 AND id = $2")
                .bind(pool_id)
                .bind(user_id)
                .fetch_optional(&self.read)
                .await?;
            row.as_ref().map(rows::user).transpose()
        })
        .await
    }

    async fn get_user_by_username(&self, pool_id: &str, username_lc: &str) -> StoreResult<Option<User>> {
        sql(async {
            let row = sqlx::query("SELECT * FROM users WHERE pool_id = $1 AND username_lc = $2")
                .bind(pool_id)
                .bind(username_lc)
                .fetch_optional(&self.read)
                .await?;
            row.as_ref().map(rows::user).transpose()
        })
        .await
    }

    async fn find_users_by_attribute(&self, pool_id: &str, name: &str, value: &str) -> StoreResult<Vec<User>> {
        sql(async {
            let sql = match name {
                "email" => "SELECT * FROM users WHERE pool_id = $1 AND email = $2 LIMIT 2",
                "phone_number" => "SELECT * FROM users WHERE pool_id = $1 AND phone_number = $2 LIMIT 2",
                other => return Err(StoreError::Other(format!("no index on attribute {other}")).into()),
            };
            let rows = sqlx::query(sql).bind(pool_id).bind(value).fetch_all(&self.read).await?;
            rows.iter().map(rows::user).collect()
        })
        .await
    }

    async fn update_user(&self, user: &mut User) -> StoreResult<()> {
        self.update_user_tx(user).await?;
        user.version += 1;
        Ok(())
    }

    async fn list_users(&self, pool_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<User>> {
        sql(async {
            let rows = sqlx::query(
                "SELECT * FROM users WHERE pool_id = $1 AND username_lc > $2 ORDER BY username_lc LIMIT $3",
            )
            .bind(pool_id)
            .bind(after.unwrap_or(""))
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await?;
            rows.iter().map(rows::user).collect()
        })
        .await
    }

    async fn delete_user(&self, pool_id: &str, user_id: &str) -> StoreResult<bool> {
        sql(async {
            let done = sqlx::query("DELETE FROM users WHERE pool_id = $1 AND id = $2")
                .bind(pool_id)
                .bind(user_id)
                .execute(&self.write)
                .await?;
            Ok(done.rows_affected() > 0)
        })
        .await
    }

    async fn update_user_revoking_families(&self, user: &mut User, at: i64) -> StoreResult<()> {
        let copy = user.clone();
        self.detached(move |s| async move { s.update_user_revoking_families_tx(&copy, at).await }).await?;
        user.version += 1;
        user.session_epoch += 1;
        Ok(())
    }
}

impl SqlStore {
    async fn update_user_revoking_families_tx(&self, u: &User, at: i64) -> R<()> {
        let mut tx = self.write.begin().await?;
        if let Err(e) = update_user_in(&mut tx, u).await {
            tx.rollback().await?;
            return Err(e);
        }
        crate::sessions::end_sessions_in(&mut tx, &u.id, at).await?;
        Ok(tx.commit().await?)
    }

    async fn update_user_tx(&self, u: &User) -> R<()> {
        let done = bind_user!(sqlx::query(UPDATE_USER), u).bind(u.version).execute(&self.write).await?;
        written(done.rows_affected(), u)
    }
}
