//! Self-managed token issuers, stored as one JSON document each.

use warden_core::error::StoreError;
use warden_core::model::Issuer;

use crate::error::map_err;
use crate::rows::{json, to_json};
use crate::SqlStore;

type R<T> = Result<T, StoreError>;

impl SqlStore {
    pub(crate) async fn do_put_issuer(&self, i: &Issuer) -> R<()> {
        sqlx::query(
            "INSERT INTO issuers (iss, config, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (iss) DO UPDATE SET config = excluded.config, created_at = excluded.created_at",
        )
        .bind(&i.iss)
        .bind(to_json(i))
        .bind(i.created_at)
        .execute(&self.write)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    pub(crate) async fn do_get_issuer(&self, iss: &str) -> R<Option<Issuer>> {
        let row = sqlx::query("SELECT config FROM issuers WHERE iss = $1")
            .bind(iss)
            .fetch_optional(&self.read)
            .await
            .map_err(map_err)?;
        row.as_ref().map(|r| json(r, "config")).transpose()
    }

    pub(crate) async fn do_list_issuers(&self) -> R<Vec<Issuer>> {
        let rows =
            sqlx::query("SELECT config FROM issuers ORDER BY iss").fetch_all(&self.read).await.map_err(map_err)?;
        rows.iter().map(|r| json(r, "config")).collect()
    }

    /// Writes `new` in place of `old` only if the stored document is still `old` as this version
    /// writes it (a compare-and-swap on the document): false, writing nothing, when the issuer
    /// was replaced or removed since it was read.
    pub(crate) async fn do_replace_issuer(&self, old: &Issuer, new: &Issuer) -> R<bool> {
        let done = sqlx::query("UPDATE issuers SET config = $1 WHERE iss = $2 AND config = $3")
            .bind(to_json(new))
            .bind(&old.iss)
            .bind(to_json(old))
            .execute(&self.write)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn do_delete_issuer(&self, iss: &str) -> R<bool> {
        let done =
            sqlx::query("DELETE FROM issuers WHERE iss = $1").bind(iss).execute(&self.write).await.map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }
}
