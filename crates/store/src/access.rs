//! Operator access keys and signing keys.

use warden_core::error::StoreError;
use warden_core::model::{AccessKey, SigningKeyRecord};

use crate::error::map_err;
use crate::rows;
use crate::SqlStore;

type R<T> = Result<T, StoreError>;

impl SqlStore {
    pub(crate) async fn do_insert_access_key(&self, k: &AccessKey) -> R<()> {
        sqlx::query("INSERT INTO access_keys (id, secret_enc, description, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&k.id)
            .bind(k.secret_enc.clone())
            .bind(&k.description)
            .bind(k.created_at)
            .execute(&self.write)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    pub(crate) async fn do_get_access_key(&self, id: &str) -> R<Option<AccessKey>> {
        let row = sqlx::query("SELECT * FROM access_keys WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(map_err)?;
        row.as_ref().map(rows::access_key).transpose()
    }

    pub(crate) async fn do_list_access_keys(&self) -> R<Vec<AccessKey>> {
        let rows = sqlx::query("SELECT * FROM access_keys ORDER BY created_at, id")
            .fetch_all(&self.read)
            .await
            .map_err(map_err)?;
        rows.iter().map(rows::access_key).collect()
    }

    pub(crate) async fn do_delete_access_key(&self, id: &str) -> R<bool> {
        let done = sqlx::query("DELETE FROM access_keys WHERE id = $1")
            .bind(id)
            .execute(&self.write)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn do_insert_signing_key(&self, k: &SigningKeyRecord) -> R<()> {
        sqlx::query(
            "INSERT INTO signing_keys (kid, alg, private_enc, created_at, retired_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&k.kid)
        .bind(&k.alg)
        .bind(k.private_enc.clone())
        .bind(k.created_at)
        .bind(k.retired_at)
        .execute(&self.write)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    pub(crate) async fn do_list_signing_keys(&self) -> R<Vec<SigningKeyRecord>> {
        let rows = sqlx::query("SELECT * FROM signing_keys ORDER BY created_at, kid")
            .fetch_all(&self.read)
            .await
            .map_err(map_err)?;
        rows.iter().map(rows::signing_key).collect()
    }

    pub(crate) async fn do_retire_signing_keys(&self, alg: &str, kid: &str, created_at: i64, at: i64) -> R<u64> {
        let done = sqlx::query(
            "UPDATE signing_keys SET retired_at = $4 WHERE alg = $1 AND (retired_at IS NULL OR retired_at > $4) \
             AND (created_at < $3 OR (created_at = $3 AND kid < $2))",
        )
        .bind(alg)
        .bind(kid)
        .bind(created_at)
        .bind(at)
        .execute(&self.write)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected())
    }

    pub(crate) async fn do_withdraw_signing_key(&self, kid: &str, at: i64) -> R<bool> {
        let done = sqlx::query("UPDATE signing_keys SET retired_at = $2 WHERE kid = $1 AND retired_at IS NOT NULL")
            .bind(kid)
            .bind(at)
            .execute(&self.write)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }
}
