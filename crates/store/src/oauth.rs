//! The OIDC door's records: rotated refresh tokens, authorization codes, browser sessions and
//! resource servers. Codes, sessions and servers are JSON documents beside the columns their
//! queries need.

use sqlx::Row;
use warden_core::error::StoreError;
use warden_core::model::{AuthorizationCode, BrowserSession, RefreshFamily, ResourceServer};

use crate::error::map_err;
use crate::rows::{json, to_json};
use crate::{Backend, SqlStore};

type R<T> = Result<T, StoreError>;

impl SqlStore {
    pub(crate) async fn do_get_retired_refresh_token(&self, hash: &[u8]) -> R<Option<String>> {
        let row = sqlx::query("SELECT family_id FROM retired_refresh_tokens WHERE token_hash = $1")
            .bind(hash.to_vec())
            .fetch_optional(&self.read)
            .await
            .map_err(map_err)?;
        row.map(|r| r.try_get("family_id").map_err(map_err)).transpose()
    }

    pub(crate) async fn do_insert_authorization_code(&self, c: &AuthorizationCode) -> R<()> {
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

    pub(crate) async fn do_get_authorization_code(&self, hash: &[u8]) -> R<Option<AuthorizationCode>> {
        let row = sqlx::query("SELECT doc, redeemed_at FROM authorization_codes WHERE code_hash = $1")
            .bind(hash.to_vec())
            .fetch_optional(&self.read)
            .await
            .map_err(map_err)?;
        row.map(|r| {
            let mut code: AuthorizationCode = json(&r, "doc")?;
            code.redeemed_at = r.try_get("redeemed_at").map_err(map_err)?;
            Ok(code)
        })
        .transpose()
    }

    /// The code is claimed by a conditional UPDATE, so of two concurrent redemptions exactly
    /// one inserts a family; `Stale`, changing nothing, when the user's sessions ended since
    /// the sign-in that issued the code (`user_epoch`).
    pub(crate) async fn do_redeem_authorization_code(
        &self,
        hash: &[u8],
        at: i64,
        family: &RefreshFamily,
        user_epoch: i64,
    ) -> R<bool> {
        let mut tx = self.write.begin().await.map_err(map_err)?;
        // PostgreSQL: the user's row first. A sign-out takes it first too and then deletes the
        // user's unredeemed codes, so taking the code's row first could deadlock with it.
        // (SQLite's single writer serialises both; its transaction must start with a write.)
        if self.backend == Backend::Postgres {
            if let Err(e) = self.hold_session_epoch(&mut tx, &family.user_id, user_epoch).await {
                tx.rollback().await.map_err(map_err)?;
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
        .await
        .map_err(map_err)?;
        if self.backend == Backend::Sqlite {
            if let Err(e) = self.hold_session_epoch(&mut tx, &family.user_id, user_epoch).await {
                tx.rollback().await.map_err(map_err)?;
                return Err(e);
            }
        }
        if claimed.rows_affected() != 1 {
            tx.rollback().await.map_err(map_err)?;
            return Ok(false);
        }
        crate::families::insert_family_in(&mut tx, family).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    pub(crate) async fn do_record_client_assertion(&self, client_id: &str, jti: &[u8], exp: i64, now: i64) -> R<bool> {
        let mut tx = self.write.begin().await.map_err(map_err)?;
        sqlx::query("DELETE FROM client_assertions WHERE expires_at < $1")
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let inserted = sqlx::query(
            "INSERT INTO client_assertions (client_id, jti_hash, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (client_id, jti_hash) DO NOTHING",
        )
        .bind(client_id)
        .bind(jti.to_vec())
        .bind(exp)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(inserted.rows_affected() == 1)
    }

    pub(crate) async fn do_get_consent(&self, user_id: &str, client_id: &str) -> R<Option<String>> {
        let row = sqlx::query("SELECT scope FROM consents WHERE user_id = $1 AND client_id = $2")
            .bind(user_id)
            .bind(client_id)
            .fetch_optional(&self.read)
            .await
            .map_err(map_err)?;
        row.map(|r| r.try_get("scope").map_err(map_err)).transpose()
    }

    pub(crate) async fn do_put_consent(&self, user_id: &str, client_id: &str, scope: &str, at: i64) -> R<()> {
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
        .map_err(map_err)?;
        Ok(())
    }

    pub(crate) async fn do_insert_browser_session(&self, s: &BrowserSession) -> R<()> {
        let insert =
            sqlx::query("INSERT INTO browser_sessions (id_hash, user_id, doc, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(s.id_hash.clone())
                .bind(&s.user_id)
                .bind(to_json(s))
                .bind(s.expires_at);
        self.write_in_session(&s.user_id, s.user_epoch, insert).await
    }

    pub(crate) async fn do_get_browser_session(&self, hash: &[u8]) -> R<Option<BrowserSession>> {
        let row = sqlx::query("SELECT doc FROM browser_sessions WHERE id_hash = $1")
            .bind(hash.to_vec())
            .fetch_optional(&self.read)
            .await
            .map_err(map_err)?;
        row.as_ref().map(|r| json(r, "doc")).transpose()
    }

    pub(crate) async fn do_delete_browser_session(&self, hash: &[u8]) -> R<bool> {
        let done = sqlx::query("DELETE FROM browser_sessions WHERE id_hash = $1")
            .bind(hash.to_vec())
            .execute(&self.write)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn do_insert_resource_server(&self, s: &ResourceServer) -> R<()> {
        sqlx::query("INSERT INTO resource_servers (pool_id, identifier, doc) VALUES ($1, $2, $3)")
            .bind(&s.pool_id)
            .bind(&s.identifier)
            .bind(to_json(s))
            .execute(&self.write)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    pub(crate) async fn do_get_resource_server(&self, pool_id: &str, identifier: &str) -> R<Option<ResourceServer>> {
        let row = sqlx::query("SELECT doc FROM resource_servers WHERE pool_id = $1 AND identifier = $2")
            .bind(pool_id)
            .bind(identifier)
            .fetch_optional(&self.read)
            .await
            .map_err(map_err)?;
        row.as_ref().map(|r| json(r, "doc")).transpose()
    }

    pub(crate) async fn do_list_resource_servers(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> R<Vec<ResourceServer>> {
        let rows = sqlx::query(
            "SELECT doc FROM resource_servers WHERE pool_id = $1 AND identifier > $2 ORDER BY identifier LIMIT $3",
        )
        .bind(pool_id)
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(|r| json(r, "doc")).collect()
    }

    pub(crate) async fn do_update_resource_server(&self, s: &ResourceServer) -> R<bool> {
        let done = sqlx::query("UPDATE resource_servers SET doc = $3 WHERE pool_id = $1 AND identifier = $2")
            .bind(&s.pool_id)
            .bind(&s.identifier)
            .bind(to_json(s))
            .execute(&self.write)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn do_delete_resource_server(&self, pool_id: &str, identifier: &str) -> R<bool> {
        let done = sqlx::query("DELETE FROM resource_servers WHERE pool_id = $1 AND identifier = $2")
            .bind(pool_id)
            .bind(identifier)
            .execute(&self.write)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }
}
