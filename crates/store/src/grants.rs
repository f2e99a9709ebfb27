//! What OAuth grants leave behind: authorization codes (JSON documents beside the columns
//! their queries need), client-assertion `jti`s and consent.

use crate::error::{sql, Error, R};
use crate::rows::{json, to_json};
use crate::{Backend, SqlStore};
use async_trait::async_trait;
use sqlx::Row;
use warden_core::model::{AuthorizationCode, RefreshFamily};
use warden_core::store::{GrantStore, StoreResult};

#[async_trait]
impl GrantStore for SqlStore {
    async fn insert_authorization_code(&self, code: &AuthorizationCode) -> StoreResult<()> {
        let code = code.clone();
        self.detached(move |s| async move { s.insert_authorization_code_tx(&code).await }).await
    }

    async fn get_authorization_code(&self, hash: &[u8]) -> StoreResult<Option<AuthorizationCode>> {
        sql(async {
            let row = sqlx::query("SELECT doc, redeemed_at FROM authorization_codes WHERE code_hash = $1")
                .bind(hash.to_vec())
                .fetch_optional(&self.read)
                .await?;
            row.map(|r| {
                let mut code: AuthorizationCode = json(&r, "doc")?;
                code.redeemed_at = r.try_get("redeemed_at")?;
                Ok(code)
            })
            .transpose()
        })
        .await
    }

    async fn redeem_authorization_code(
        &self,
        code_hash: &[u8],
        at: i64,
        family: &RefreshFamily,
        user_epoch: i64,
    ) -> StoreResult<bool> {
        let (code_hash, family) = (code_hash.to_vec(), family.clone());
        self.detached(move |s| async move { s.redeem_authorization_code_tx(&code_hash, at, &family, user_epoch).await })
            .await
    }

    async fn record_client_assertion(&self, client_id: &str, jti_hash: &[u8], exp: i64, now: i64) -> StoreResult<bool> {
        let (client_id, jti_hash) = (client_id.to_owned(), jti_hash.to_vec());
        self.detached(move |s| async move { s.record_client_assertion_tx(&client_id, &jti_hash, exp, now).await }).await
    }

    async fn get_consent(&self, user_id: &str, client_id: &str) -> StoreResult<Option<String>> {
        sql(async {
            let row = sqlx::query("SELECT scope FROM consents WHERE user_id = $1 AND client_id = $2")
                .bind(user_id)
                .bind(client_id)
                .fetch_optional(&self.read)
                .await?;
            row.map(|r| r.try_get("scope").map_err(Error::from)).transpose()
        })
        .await
    }

    async fn put_consent(&self, user_id: &str, client_id: &str, scope: &str, at: i64) -> StoreResult<()> {
        sql(async {
            sqlx::query(
                "INSERT INTO consents (user_id, client_id, scope, granted_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (user_id, client_id) DO UPDATE SET scope = excluded.scope, granted_at = excluded.granted_at",
            )
            .bind(user_id)
            .bind(client_id)
            .bind(scope)
            .bind(at)
            .execute(&self.write)
            .await
            ?;
            Ok(())
        })
        .await
    }
}

impl SqlStore {
    async fn record_client_assertion_tx(&self, client_id: &str, jti: &[u8], exp: i64, now: i64) -> R<bool> {
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM client_assertions WHERE expires_at < $1").bind(now).execute(&mut *tx).await?;
        let inserted = sqlx::query(
            "INSERT INTO client_assertions (client_id, jti_hash, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (client_id, jti_hash) DO NOTHING",
        )
        .bind(client_id)
        .bind(jti.to_vec())
        .bind(exp)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// The code is claimed by a conditional UPDATE, so of two concurrent redemptions exactly
    /// one inserts a family; `Stale`, changing nothing, when the user's sessions ended since
    /// the sign-in that issued the code (`user_epoch`).
    async fn redeem_authorization_code_tx(
        &self,
        hash: &[u8],
        at: i64,
        family: &RefreshFamily,
        user_epoch: i64,
    ) -> R<bool> {
        let mut tx = self.write.begin().await?;
        // PostgreSQL: the user's row first. A sign-out takes it first too and then deletes the
        // user's unredeemed codes, so taking the code's row first could deadlock with it.
        // (SQLite's single writer serialises both; its transaction must start with a write.)
        if self.backend == Backend::Postgres {
            if let Err(e) = self.hold_session_epoch(&mut tx, &family.user_id, user_epoch).await {
                tx.rollback().await?;
                return Err(e);
            }
        }
        let claimed = sqlx::query(
            "UPDATE authorization_codes SET redeemed_at = $2 \
             WHERE code_hash = $1 AND redeemed_at IS NULL AND expires_at > $2",
        )
        .bind(hash.to_vec())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        if self.backend == Backend::Sqlite {
            if let Err(e) = self.hold_session_epoch(&mut tx, &family.user_id, user_epoch).await {
                tx.rollback().await?;
                return Err(e);
            }
        }
        if claimed.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        crate::families::insert_family_in(&mut tx, family).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn insert_authorization_code_tx(&self, c: &AuthorizationCode) -> R<()> {
        let insert = sqlx::query(
            "INSERT INTO authorization_codes (code_hash, client_id, user_id, doc, expires_at, redeemed_at) \
             VALUES ($1, $2, $3, $4, $5, NULL)",
        )
        .bind(c.code_hash.clone())
        .bind(&c.client_id)
        .bind(&c.user_id)
        .bind(to_json(c))
        .bind(c.expires_at);
        self.write_in_session(&c.user_id, c.user_epoch, insert).await
    }
}
