//! Self-managed token issuers, stored as one JSON document each.

use crate::error::sql;
use crate::rows::{json, to_json};
use crate::SqlStore;
use async_trait::async_trait;
use warden_core::model::Issuer;
use warden_core::store::{IssuerStore, StoreResult};

#[async_trait]
impl IssuerStore for SqlStore {
    async fn put_issuer(&self, i: &Issuer) -> StoreResult<()> {
        sql(async {
            sqlx::query(
                "INSERT INTO issuers (iss, config, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (iss) DO UPDATE SET config = excluded.config, created_at = excluded.created_at",
            )
            .bind(&i.iss)
            .bind(to_json(i))
            .bind(i.created_at)
            .execute(&self.write)
            .await?;
            Ok(())
        })
        .await
    }

    async fn get_issuer(&self, iss: &str) -> StoreResult<Option<Issuer>> {
        sql(async {
            let row =
                sqlx::query("SELECT config FROM issuers WHERE iss = $1").bind(iss).fetch_optional(&self.read).await?;
            row.as_ref().map(|r| json(r, "config")).transpose()
        })
        .await
    }

    async fn list_issuers(&self) -> StoreResult<Vec<Issuer>> {
        sql(async {
            let rows = sqlx::query("SELECT config FROM issuers ORDER BY iss").fetch_all(&self.read).await?;
            rows.iter().map(|r| json(r, "config")).collect()
        })
        .await
    }

    async fn delete_issuer(&self, iss: &str) -> StoreResult<bool> {
        sql(async {
            let done = sqlx::query("DELETE FROM issuers WHERE iss = $1").bind(iss).execute(&self.write).await?;
            Ok(done.rows_affected() > 0)
        })
        .await
    }

    /// Writes `new` in place of `old` only if the stored document is still `old` as this version
    /// writes it (a compare-and-swap on the document): false, writing nothing, when the issuer
    /// was replaced or removed since it was read.
    async fn replace_issuer(&self, old: &Issuer, new: &Issuer) -> StoreResult<bool> {
        sql(async {
            let done = sqlx::query("UPDATE issuers SET config = $1 WHERE iss = $2 AND config = $3")
                .bind(to_json(new))
                .bind(&old.iss)
                .bind(to_json(old))
                .execute(&self.write)
                .await?;
            Ok(done.rows_affected() > 0)
        })
        .await
    }
}
